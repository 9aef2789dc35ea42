"""Builders for residuals tests: titles with casts, viewing reports and licences through the
services, training grants signed at fixed moments, and snapshots of everything a residuals write
could touch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from registry.audit.models import AuditEvent
from registry.billing.models import JournalEntry, LedgerAccount, Posting
from registry.cases.models import Case
from registry.consent import rules as consent_rules
from registry.consent import services as consent_services
from registry.consent.models import ConsentGrant
from registry.core.vocabulary.consent import UseType
from registry.parties.models import Performer, Studio
from registry.residuals import services
from registry.residuals.models import (
    BonusDistribution,
    BonusShare,
    CastMember,
    LicenceShare,
    Title,
    TrainingLicence,
    ViewingReport,
)
from registry.terms.models import Agreement
from tests.conftest import SYSTEM

D = Decimal
SERIES = consent_rules.Project(kind="series", title="Harbour Lights", production_number="HL-S1")
LICENSEE = "Lumen Labs"


def register_title(
    studio: Studio,
    agreement: Agreement,
    cast: list[tuple[Performer, str]],
    *,
    project: consent_rules.Project = SERIES,
    release_date: dt.date = dt.date(2025, 1, 10),
    runtime_minutes: int = 60,
    high_budget_svod: bool = True,
    now: dt.datetime | None = None,
) -> Title:
    new = services.NewTitle(
        project=project,
        agreement_code=agreement.code,
        streaming_service="Streamline+",
        release_date=release_date,
        runtime_minutes=runtime_minutes,
        high_budget_svod=high_budget_svod,
        cast=tuple(services.CastInput(performer=p.public_id, residual_base=D(base)) for p, base in cast),
    )
    return services.title_register(studio=studio, new=new, actor=SYSTEM, now=now)


def report_viewing(
    title: Title,
    hours: str,
    *,
    year: int = 1,
    subscribers: int = 1_000_000,
    now: dt.datetime,
) -> ViewingReport:
    report = services.NewViewingReport(
        exhibition_year=year,
        hours_streamed=D(hours),
        domestic_subscribers=subscribers,
        subscribers_as_of=now.date(),
    )
    return services.viewing_report_submit(title=title, report=report, actor=SYSTEM, now=now)


def record_licence(
    title: Title,
    *,
    fee: str = "100000.00",
    licensee: str = LICENSEE,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
) -> TrainingLicence:
    licence = services.NewTrainingLicence(licensee=licensee, fee=D(fee), currency=None, term_start=start, term_end=end)
    return services.training_licence_record(title=title, licence=licence, actor=SYSTEM, now=now)


def training_grant(
    studio: Studio,
    performer: Performer,
    agreement: Agreement,
    *,
    at: dt.datetime,
    licensee: str = LICENSEE,
    project: consent_rules.Project = SERIES,
    days: int = 730,
) -> ConsentGrant:
    """A training consent requested at `at` (its term starting that day) naming `licensee` among
    its intended uses, signed by the performer a minute later."""
    description = consent_rules.Description(
        role_or_scenes="Captain Ines Moreau, every scene of season one",
        intended_uses=(f"Licensed to {licensee} to train its voice and likeness models on season one footage",),
        media=("ai_model",),
        territory=("US",),
        term_start=at.date(),
        term_end=at.date() + dt.timedelta(days=days),
    )
    request = consent_services.consent_request_create(
        new=consent_services.NewRequest(
            studio=studio,
            performer=performer,
            agreement=agreement,
            use=UseType.TRAINING,
            project=project,
            description=description,
            compensation=consent_rules.Compensation(amount=D("5000.00"), currency="USD", unit="flat"),
        ),
        actor=SYSTEM,
        now=at,
    )
    signer = consent_services.signer_for(
        user=performer.user, performer=performer, is_union_admin=False, name=performer.legal_name, on=at.date()
    )
    return consent_services.consent_request_accept(
        request=request,
        signer=signer,
        description_sha256=request.current_description.sha256,
        attestation_text="I consent to this training licence.",
        actor=SYSTEM,
        now=at + dt.timedelta(minutes=1),
    )


def balances() -> dict[str, Decimal]:
    """Every ledger account's balance by its code (debits positive), summed as Decimal."""
    out: dict[str, Decimal] = {}
    for code, amount in Posting.objects.values_list("account__code", "amount"):
        out[code] = out.get(code, D("0")) + amount
    return out


def row_counts() -> dict[str, int]:
    """Everything a residuals write could add."""
    return {
        "titles": Title.objects.count(),
        "cast": CastMember.objects.count(),
        "viewing_reports": ViewingReport.objects.count(),
        "distributions": BonusDistribution.objects.count(),
        "bonus_shares": BonusShare.objects.count(),
        "licences": TrainingLicence.objects.count(),
        "licence_shares": LicenceShare.objects.count(),
        "cases": Case.objects.count(),
        "journal_entries": JournalEntry.objects.count(),
        "postings": Posting.objects.count(),
        "ledger_accounts": LedgerAccount.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def stored_documents() -> dict[str, list]:
    """Every stored residuals document and ledger row, field by field: a read leaves it equal."""
    models = [Title, CastMember, ViewingReport, BonusDistribution, BonusShare, TrainingLicence, LicenceShare]
    out = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    out["postings"] = list(Posting.objects.order_by("pk").values())
    out["accounts"] = list(LedgerAccount.objects.order_by("pk").values())
    out["cases"] = list(Case.objects.order_by("pk").values())
    out["audit"] = list(AuditEvent.objects.order_by("pk").values_list("pk", "content_hash"))
    return out
