"""Writes for residuals: register a title with its cast, receive viewing reports (deciding
qualification and paying the streaming success bonus), and record AI training licences.

Each write is one transaction holding the title's row lock, with its audit rows and ledger
entry inside it. Bad input is refused before anything is written, each problem naming its
field; a title qualifies at most once per exhibition year (the lock, and a unique constraint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.billing.documents import ResidualCharge, residuals_invoice_issue
from registry.billing.models import Invoice
from registry.cases.models import Case
from registry.cases.services import case_open
from registry.consent import rules as consent_rules
from registry.consent.selectors import as_of_moment
from registry.core.actors import Actor
from registry.core.errors import FieldProblem, RuleRefusalError, StateConflictError, problems_summary
from registry.core.vocabulary.cases import CaseKind
from registry.core.vocabulary.residuals import ConsentBasis
from registry.parties.models import Performer, Studio
from registry.parties.selectors import performers_by_reference
from registry.residuals import rules, selectors
from registry.residuals.models import (
    TITLE_PROJECT_KINDS,
    BonusDistribution,
    BonusShare,
    CastMember,
    LicenceShare,
    Title,
    TrainingLicence,
    ViewingReport,
    new_distribution_id,
)
from registry.terms.models import Agreement


def _refuse(problems: list[FieldProblem]) -> None:
    if problems:
        raise RuleRefusalError(problems_summary(problems), problems=problems)


def bonus_terms_of(agreement: Agreement) -> rules.BonusTerms:
    return rules.BonusTerms(
        threshold=agreement.streaming_bonus_threshold,
        window_days=agreement.streaming_bonus_window_days,
        later_years=agreement.streaming_bonus_later_years,
        bonus_share=agreement.streaming_bonus_share,
        performer_share=agreement.streaming_bonus_performer_share,
    )


def _lock_title(title: Title) -> Title:
    return Title.objects.select_for_update(of=("self",)).select_related("studio", "agreement").get(pk=title.pk)


# --- Titles -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CastInput:
    performer: str  # public id or member number
    residual_base: Decimal
    role: str = ""


@dataclass(frozen=True)
class NewTitle:
    project: consent_rules.Project
    agreement_code: str
    streaming_service: str
    release_date: dt.date
    runtime_minutes: int
    high_budget_svod: bool
    cast: tuple[CastInput, ...]
    currency: str | None = None


def _resolve_cast(cast: Sequence[CastInput], problems: list[FieldProblem]) -> list[Performer | None]:
    refs = {c.performer.strip() for c in cast}
    by_ref = performers_by_reference(refs)
    resolved: list[Performer | None] = []
    seen: set[int] = set()
    for i, member in enumerate(cast):
        performer = by_ref.get(member.performer.strip())
        if performer is None:
            problems.append(
                FieldProblem(f"cast.{i}.performer", "unknown_performer", "No performer has this id or member number.")
            )
        elif performer.pk in seen:
            problems.append(FieldProblem(f"cast.{i}.performer", "duplicate", "This performer is listed twice."))
        else:
            seen.add(performer.pk)
        if member.residual_base <= 0:
            problems.append(
                FieldProblem(
                    f"cast.{i}.residual_base",
                    "not_positive",
                    "The fixed residual base must be more than zero: bonus and licence shares are pro rata to it.",
                )
            )
        resolved.append(performer)
    return resolved


def title_register(*, studio: Studio, new: NewTitle, actor: Actor, now: dt.datetime | None = None) -> Title:
    """Register a title a studio streams, with its cast and each performer's fixed residual base.
    Refused whole (nothing stored) when any field is wrong; 409 when the production number is
    already registered by this studio."""
    now = now or timezone.now()
    problems: list[FieldProblem] = []
    agreement = Agreement.objects.filter(code=new.agreement_code).first()
    if agreement is None:
        problems.append(
            FieldProblem("agreement", "unknown_agreement", f"No agreement has code {new.agreement_code!r}.")
        )
    elif not studio.agreements.filter(pk=agreement.pk).exists():
        problems.append(
            FieldProblem(
                "agreement",
                "studio_not_signatory",
                f"{studio.legal_name} is not a signatory to agreement {agreement.code}.",
            )
        )
    elif new.currency and new.currency != agreement.currency:
        problems.append(
            FieldProblem("currency", "wrong_currency", f"Agreement {agreement.code} pays in {agreement.currency}.")
        )
    if new.project.kind not in TITLE_PROJECT_KINDS:
        problems.append(
            FieldProblem("project.kind", "not_a_streaming_title", "A title is a picture or a series season.")
        )
    if consent_rules.is_blanket_project(new.project):
        problems.append(FieldProblem("project", "blanket_scope", "Name one title with its own production number."))
    if new.runtime_minutes <= 0:
        problems.append(
            FieldProblem(
                "runtime_minutes", "not_positive", "The runtime must be at least one minute: views divide by it."
            )
        )
    if not new.streaming_service.strip():
        problems.append(FieldProblem("streaming_service", "required", "Name the streaming service."))
    if not new.cast:
        problems.append(FieldProblem("cast", "required", "List the performers in the cast."))
    performers = _resolve_cast(new.cast, problems)
    _refuse(problems)
    number = new.project.production_number.strip()
    try:
        with transaction.atomic():
            title = Title.objects.create(
                studio=studio,
                agreement=agreement,
                project_kind=new.project.kind,
                name=new.project.title.strip(),
                production_number=number,
                streaming_service=new.streaming_service.strip(),
                release_date=new.release_date,
                runtime_minutes=new.runtime_minutes,
                high_budget_svod=new.high_budget_svod,
                currency=agreement.currency,
                registered_at=now,
                registered_by=actor.name,
            )
            CastMember.objects.bulk_create(
                [
                    CastMember(title=title, performer=p, role=c.role.strip(), residual_base=c.residual_base)
                    for p, c in zip(performers, new.cast, strict=True)
                ]
            )
            audit_record(
                actor=actor,
                action=AuditAction.TITLE_REGISTERED,
                subject_type=AuditSubject.TITLE,
                subject_id=title.public_id,
                studio_id=studio.public_id,
                data={
                    "name": title.name,
                    "production_number": number,
                    "agreement": agreement.code,
                    "streaming_service": title.streaming_service,
                    "release_date": title.release_date,
                    "runtime_minutes": title.runtime_minutes,
                    "high_budget_svod": title.high_budget_svod,
                    "cast": [
                        {"performer": p.public_id, "residual_base": c.residual_base}
                        for p, c in zip(performers, new.cast, strict=True)
                    ],
                },
            )
    except IntegrityError as exc:
        if Title.objects.filter(studio=studio, production_number=number).exists():
            raise StateConflictError(
                f"You already registered production number {number}.",
                problems=[
                    FieldProblem("project.production_number", "duplicate", "This production number is registered.")
                ],
            ) from exc
        raise
    return title


# --- Viewing reports and the streaming success bonus ----------------------------------------
@dataclass(frozen=True)
class NewViewingReport:
    exhibition_year: int
    hours_streamed: Decimal
    domestic_subscribers: int | None
    subscribers_as_of: dt.date


def viewing_report_submit(
    *, title: Title, report: NewViewingReport, actor: Actor, now: dt.datetime | None = None
) -> ViewingReport:
    """Store a studio's viewing figures for an exhibition year's window and decide, on them,
    whether the title qualifies for the streaming success bonus; if it does and the year is not
    paid yet, bill the bonus and distribute it. Figures are cumulative for the window: a later
    report for the same year replaces none and never pays twice."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    problems: list[FieldProblem] = []
    if report.exhibition_year < 1:
        problems.append(FieldProblem("exhibition_year", "min_value", "Exhibition years count from 1."))
    if report.hours_streamed < 0:
        problems.append(FieldProblem("hours_streamed", "negative", "Hours streamed cannot be negative."))
    if report.domestic_subscribers is None:
        problems.append(FieldProblem("domestic_subscribers", "required", "Give the service's domestic subscribers."))
    elif report.domestic_subscribers < 1:
        problems.append(
            FieldProblem("domestic_subscribers", "not_positive", "The subscriber count must be at least 1.")
        )
    if report.subscribers_as_of > today:
        problems.append(
            FieldProblem("subscribers_as_of", "in_future", "A subscriber count is dated today or earlier.")
        )
    if report.exhibition_year >= 1:
        start, _ = rules.exhibition_window(
            title.release_date, report.exhibition_year, title.agreement.streaming_bonus_window_days
        )
        if start > today:
            problems.append(
                FieldProblem(
                    "exhibition_year",
                    "window_not_started",
                    f"Exhibition year {report.exhibition_year} starts on {start.isoformat()}.",
                )
            )
    _refuse(problems)
    with transaction.atomic():
        title = _lock_title(title)
        terms = bonus_terms_of(title.agreement)
        viewing = rules.Viewing(
            exhibition_year=report.exhibition_year,
            hours_streamed=report.hours_streamed,
            domestic_subscribers=report.domestic_subscribers,
        )
        already_paid = BonusDistribution.objects.filter(title=title, exhibition_year=report.exhibition_year).exists()
        decision = rules.decide_qualification(title.facts(), viewing, terms, already_paid=already_paid)
        stored = ViewingReport.objects.create(
            title=title,
            exhibition_year=report.exhibition_year,
            hours_streamed=report.hours_streamed,
            domestic_subscribers=report.domestic_subscribers,
            subscribers_as_of=report.subscribers_as_of,
            reported_at=now,
            reported_by=actor.name,
            runtime_minutes=title.runtime_minutes,
            window_start=decision.window_start,
            window_end=decision.window_end,
            views=decision.views,
            threshold=terms.threshold,
            required_views=decision.required_views,
            meets_threshold=decision.meets_threshold,
            outcome=decision.outcome,
            explanation=decision.explanation,
            terms_used={"agreement": title.agreement.code, **terms.as_dict()},
        )
        audit_record(
            actor=actor,
            action=AuditAction.VIEWING_REPORT_RECEIVED,
            subject_type=AuditSubject.VIEWING_REPORT,
            subject_id=stored.public_id,
            studio_id=title.studio.public_id,
            data={
                "title": title.public_id,
                "exhibition_year": stored.exhibition_year,
                "hours_streamed": stored.hours_streamed,
                "domestic_subscribers": stored.domestic_subscribers,
                "subscribers_as_of": stored.subscribers_as_of,
                "views": stored.views,
                "required_views": stored.required_views,
                "outcome": stored.outcome,
            },
        )
        if decision.pays:
            _distribute_bonus(title, stored, terms, actor, now)
    return stored


def _distribute_bonus(
    title: Title, report: ViewingReport, terms: rules.BonusTerms, actor: Actor, now: dt.datetime
) -> BonusDistribution:
    """Bill the bonus to the studio and split it to the cast and the fund (inside the report's
    transaction, under the title's lock)."""
    members = selectors.cast_of(title)
    split = rules.compute_bonus([rules.CastShare(m.performer_id, m.residual_base) for m in members], terms)
    currency = title.currency
    distribution_id = new_distribution_id()
    invoice = None
    if split.bonus_total:
        what = (
            f"Streaming success bonus, {title.name} ({title.production_number}), "
            f"exhibition year {report.exhibition_year}"
        )
        charges = [
            ResidualCharge(
                amount=share.amount, performer=m.performer, description=f"{what}: {m.performer.display_name}"
            )
            for m, share in zip(members, split.shares, strict=True)
        ]
        charges.append(
            ResidualCharge(amount=split.fund_amount, fund=rules.SUCCESS_BONUS_FUND, description=f"{what}: union fund")
        )
        invoice = residuals_invoice_issue(
            studio=title.studio,
            currency=currency,
            agreement=title.agreement,
            source_ref=distribution_id,
            charges=charges,
            explanation=rules.bonus_explanation(split, terms, currency),
            terms_used=report.terms_used,
            actor=actor,
            now=now,
        )
    entry = invoice.entries.get() if invoice else None
    distribution = BonusDistribution.objects.create(
        public_id=distribution_id,
        invoice=invoice,
        title=title,
        exhibition_year=report.exhibition_year,
        viewing_report=report,
        currency=currency,
        fixed_residual_total=split.fixed_residual_total,
        bonus_total=split.bonus_total,
        performers_total=split.performers_total,
        fund=rules.SUCCESS_BONUS_FUND,
        fund_amount=split.fund_amount,
        terms_used=report.terms_used,
        explanation=rules.bonus_explanation(split, terms, currency),
        journal_entry=entry,
        created_at=now,
    )
    BonusShare.objects.bulk_create(
        [
            BonusShare(
                distribution=distribution, performer=m.performer, residual_base=s.residual_base, amount=s.amount
            )
            for m, s in zip(members, split.shares, strict=True)
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.SUCCESS_BONUS_DISTRIBUTED,
        subject_type=AuditSubject.BONUS_DISTRIBUTION,
        subject_id=distribution.public_id,
        studio_id=title.studio.public_id,
        data={
            "title": title.public_id,
            "exhibition_year": report.exhibition_year,
            "viewing_report": report.public_id,
            "currency": currency,
            "bonus_total": split.bonus_total,
            "performers_total": split.performers_total,
            "fund": rules.SUCCESS_BONUS_FUND,
            "fund_amount": split.fund_amount,
            "shares": [
                {"performer": m.performer.public_id, "residual_base": s.residual_base, "amount": s.amount}
                for m, s in zip(members, split.shares, strict=True)
            ],
            "journal_entry": entry.public_id if entry else None,
            "invoice": invoice.number if invoice else None,
        },
    )
    return distribution


# --- AI training licences ---------------------------------------------------------------------
@dataclass(frozen=True)
class NewTrainingLicence:
    licensee: str
    fee: Decimal
    currency: str | None
    term_start: dt.date
    term_end: dt.date


def training_licence_record(
    *, title: Title, licence: NewTrainingLicence, actor: Actor, now: dt.datetime | None = None
) -> TrainingLicence:
    """Record that the studio licensed the title's media to a third party to train AI: check each
    cast member's consent for that licensee, open the union notice (the 2026 rule) and a
    violation case for each performer without consent, and pay the cast's share of the fee pro
    rata to residual base. Performers without consent are paid too: the studio owes them for
    the use whatever the case decides, and the case is where the violation is pursued."""
    now = now or timezone.now()
    licensee = rules.licensee_name(licence.licensee)
    _refuse(
        rules.licence_problems(
            licensee=licensee,
            fee=licence.fee,
            currency=licence.currency,
            term_start=licence.term_start,
            term_end=licence.term_end,
            title_currency=title.currency,
        )
    )
    key = rules.licensee_key(licensee)
    with transaction.atomic():
        title = _lock_title(title)
        if selectors.training_licence_recorded(title=title, licensee_key=key, term_start=licence.term_start):
            raise StateConflictError(
                f"A licence of this title to {licensee} from {licence.term_start.isoformat()} is already recorded.",
                problems=[FieldProblem("licensee", "duplicate", "This licence is already recorded.")],
            )
        agreement = title.agreement
        members = selectors.cast_of(title)
        grants = selectors.training_grants_for(
            studio_id=title.studio_id,
            performer_ids=[m.performer_id for m in members],
            as_of=as_of_moment(licence.term_start, now),
        )
        terms = rules.LicenceTerms(
            agreement=agreement.code,
            performer_share=agreement.training_licence_performer_share,
            union_consents=agreement.training_licence_union_consents,
        )
        decision = rules.decide_training_licence(
            rules.LicenceFacts(
                licensee=licensee, project=title.project(), term_start=licence.term_start, term_end=licence.term_end
            ),
            licence.fee,
            [
                rules.LicensedPerformer(m.performer_id, m.residual_base, tuple(grants.by_performer[m.performer_id]))
                for m in members
            ],
            terms,
        )
        notice = _training_notice(title, licensee, licence, len(members), decision.violations, actor, now)
        stored = TrainingLicence.objects.create(
            title=title,
            licensee=licensee,
            licensee_key=key,
            fee=licence.fee,
            currency=title.currency,
            term_start=licence.term_start,
            term_end=licence.term_end,
            performer_share=terms.performer_share,
            performers_total=decision.performers_total,
            terms_used=terms.as_dict(),
            notice_case=notice,
            recorded_at=now,
            recorded_by=actor.name,
        )
        shares = _store_shares(stored, title, members, decision, grants, actor, now)
        if decision.performers_total:
            stored.invoice = _invoice_licence_shares(stored, title, shares, actor, now)
            stored.journal_entry = stored.invoice.entries.get()
            stored.save(update_fields=["invoice", "journal_entry"])
        _audit_licence(stored, title, shares, actor)
    return stored


def _training_notice(
    title: Title,
    licensee: str,
    licence: NewTrainingLicence,
    cast_size: int,
    without_consent: int,
    actor: Actor,
    now: dt.datetime,
) -> Case:
    """The union's notice of every training licence (the 2026 rule)."""
    return case_open(
        actor=actor,
        now=now,
        kind=CaseKind.TRAINING_NOTICE,
        studio=title.studio,
        production_number=title.production_number,
        reason_code="training_licence",
        summary=(
            f"{title.studio.legal_name} licensed {title.name} ({title.production_number}) to {licensee} "
            f"for AI training, {licence.term_start.isoformat()} to {licence.term_end.isoformat()}, "
            f"fee {licence.fee} {title.currency}. Cast: {cast_size}; without consent: {without_consent}."
        )[:4000],
    )


def _store_shares(
    licence: TrainingLicence,
    title: Title,
    members: list[CastMember],
    decision: rules.LicenceDecision,
    grants: selectors.TrainingGrants,
    actor: Actor,
    now: dt.datetime,
) -> list[LicenceShare]:
    """Each cast member's share with the consent found for it, and a violation case for each
    share without consent."""
    shares = [
        LicenceShare(
            licence=licence,
            performer=member.performer,
            residual_base=share.residual_base,
            amount=share.amount,
            consent_basis=ConsentBasis(share.finding.basis),
            grant=grants.rows[share.finding.grant_id] if share.finding.grant_id else None,
            violation_case=(
                _violation_case(title, licence, member.performer, share.finding, actor, now)
                if share.finding.is_violation
                else None
            ),
            findings=[r.as_dict() for r in share.finding.reasons],
        )
        for member, share in zip(members, decision.shares, strict=True)
    ]
    return LicenceShare.objects.bulk_create(shares)


def _invoice_licence_shares(
    licence: TrainingLicence, title: Title, shares: list[LicenceShare], actor: Actor, now: dt.datetime
) -> Invoice:
    """A residuals invoice to the studio for the cast's shares: Dr its receivable, Cr each cast
    member's payable."""
    what = f"AI training licence {licence.public_id}: {title.name} ({title.production_number}) to {licence.licensee}"
    return residuals_invoice_issue(
        studio=title.studio,
        currency=title.currency,
        agreement=title.agreement,
        source_ref=licence.public_id,
        charges=[
            ResidualCharge(
                amount=share.amount,
                performer=share.performer,
                description=f"{what}: {share.performer.display_name} ({share.consent_basis})",
                grant_id=share.grant_id,
                grant_public_id=share.grant.public_id if share.grant else "",
            )
            for share in shares
        ],
        explanation=(
            f"{(licence.performer_share * 100).normalize():f}% of the fee {licence.fee:,.2f} {licence.currency}, "
            f"split pro rata to the cast's residual bases"
        ),
        terms_used=licence.terms_used,
        actor=actor,
        now=now,
    )


def _audit_licence(licence: TrainingLicence, title: Title, shares: list[LicenceShare], actor: Actor) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.TRAINING_LICENCE_RECORDED,
        subject_type=AuditSubject.TRAINING_LICENCE,
        subject_id=licence.public_id,
        studio_id=title.studio.public_id,
        data={
            "title": title.public_id,
            "licensee": licence.licensee,
            "fee": licence.fee,
            "currency": licence.currency,
            "term_start": licence.term_start,
            "term_end": licence.term_end,
            "performers_total": licence.performers_total,
            "invoice": licence.invoice.number if licence.invoice else None,
            "notice_case": licence.notice_case.public_id,
            "shares": [
                {
                    "performer": s.performer.public_id,
                    "amount": s.amount,
                    "consent_basis": s.consent_basis,
                    "grant": s.grant.public_id if s.grant else None,
                    "violation_case": s.violation_case.public_id if s.violation_case else None,
                }
                for s in shares
            ],
        },
    )


def _violation_case(
    title: Title,
    licence: TrainingLicence,
    performer: Performer,
    finding: rules.ConsentFinding,
    actor: Actor,
    now: dt.datetime,
) -> Case:
    why = "; ".join(r.message for r in finding.reasons) or "No training consent."
    return case_open(
        actor=actor,
        now=now,
        kind=CaseKind.VIOLATION,
        studio=title.studio,
        performer=performer,
        production_number=title.production_number,
        reason_code="no_training_consent",
        summary=(
            f"{title.name} ({title.production_number}) was licensed to {licence.licensee} for AI training "
            f"({licence.public_id}) without {performer.display_name}'s consent: {why}"
        )[:4000],
    )
