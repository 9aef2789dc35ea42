"""Billing fixtures: a studio signatory to the shipped TV/Theatrical 2023 agreement (with its
reference rates) and a grant that was in force in August 2025."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.models import Sum

from registry.billing.models import Invoice, Posting
from registry.billing.runs import billing_run_start
from registry.consent import rules, services
from registry.terms.models import Agreement
from registry.usage.services import LineInput, report_fingerprint, usage_report_submit
from tests.conftest import SYSTEM, second_postgres_connection
from tests.pricing_data import give_reference_pricing

T0 = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
AUGUST = dt.date(2025, 8, 1)
PICTURE = rules.Project(kind="picture", title="The Long Night", production_number="NLP-2025-004")


def ensure_reference_terms() -> None:
    """The shipped agreements and rates, reloaded with the data migrations' own code: a
    committing (transactional) test elsewhere flushes the tables they filled."""
    from importlib import import_module

    from django.apps import apps

    for name in (
        "0002_reference_agreements",
        "0004_reference_rates",
        "0006_tvth_2026_icdr_floor",
        "0008_pricing_rules",
    ):
        module = import_module(f"registry.terms.migrations.{name}")
        loader = getattr(module, "load", None) or module.set_floor
        loader(apps, None)


@pytest.fixture
def tvth(db) -> Agreement:
    ensure_reference_terms()
    return Agreement.objects.get(code="tvth-2023")


@pytest.fixture
def billed_studio(studio, tvth):
    studio.studio.agreements.add(tvth)
    return studio


def past_grant(
    studio, performer, agreement, *, own_daily=Decimal("1100"), use="replica_use", project=PICTURE, unit="day"
):
    """A grant accepted on 2025-07-01 covering 2025-07-15 to 2026-06-30, paid `own_daily` a
    day (or per `unit`: "flat" makes it a fee owed once)."""
    request = services.consent_request_create(
        new=services.NewRequest(
            studio=studio,
            performer=performer,
            agreement=agreement,
            use=use,
            project=project,
            description=rules.Description(
                role_or_scenes="Detective Ana Reyes, rooftop chase in scenes 41-44",
                intended_uses=("Replica performs the rooftop stunt sequence in place of a double",),
                media=("streaming", "theatrical"),
                territory=("US",),
                term_start=dt.date(2025, 7, 15),
                term_end=dt.date(2026, 6, 30),
            ),
            compensation=rules.Compensation(
                amount=own_daily, currency="USD", unit=unit, estimated_days=Decimal("3") if unit == "day" else None
            ),
        ),
        actor=SYSTEM,
        now=T0,
    )
    signer = services.signer_for(
        user=performer.user, performer=performer, is_union_admin=False, name=performer.legal_name, on=T0.date()
    )
    return services.consent_request_accept(
        request=request,
        signer=signer,
        description_sha256=request.current_description.sha256,
        attestation_text="I consent.",
        actor=SYSTEM,
        now=T0,
    )


def report(studio, lines: list[LineInput], ref: str = "r-1"):
    body = {"ref": ref, "lines": [repr(line) for line in lines]}
    return usage_report_submit(
        studio=studio, report_ref=ref, lines=lines, fingerprint=report_fingerprint(body), actor=SYSTEM
    )[0]


def replica_line(ref: str, grant, day: dt.date, days: str = "3") -> LineInput:
    return LineInput(
        line_ref=ref,
        kind="replica_use",
        project=PICTURE,
        use_date=day,
        units=Decimal("1"),
        unit="days",
        grant_ref=grant.public_id,
        role_category="day_performer",
        estimated_days=Decimal(days),
        media=("streaming",),
        territory=("US",),
    )


# --- Billed documents ----------------------------------------------------------------------
def bill(period: dt.date, capture) -> None:
    with capture(execute=True):
        billing_run_start(period=period, actor=SYSTEM)


def balances(**filters) -> dict[str, Decimal]:
    """Account kind (receivable, payable, fund:<name>, cash) -> balance over the postings."""
    out: dict[str, Decimal] = {}
    for row in Posting.objects.filter(**filters).values("account__code").annotate(total=Sum("amount")):
        kind, *rest = row["account__code"].split(":")
        key = f"fund:{rest[0]}" if kind == "fund" else kind
        out[key] = out.get(key, Decimal("0")) + row["total"]
    return out


def reconciles(capsys) -> bool:
    call_command("reconcile_ledger")
    return "Ledger reconciles" in capsys.readouterr().out


@pytest.fixture
def august_invoice(billed_studio, performer, tvth, django_capture_on_commit_callbacks) -> Invoice:
    """The worked example billed: max(1,100, 1,246) × 3 = 3,738.00 pay, plus P&H 21% × 3,738.00 =
    784.98 (split 392.49 / 392.49 between the health and pension plans): 4,522.98 on INV-…-000001."""
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    bill(AUGUST, django_capture_on_commit_callbacks)
    return Invoice.objects.get(document_type="invoice")


@pytest.fixture
def ph_invoice(billed_studio, performer, django_capture_on_commit_callbacks) -> Invoice:
    """An agreement with 19 % P&H split evenly between the health and pension plans; the
    performer's own rate 1,500 beats day scale 1,246: 3 days = 4,500.00 pay, P&H 855.00."""
    agreement = Agreement.objects.create(
        code="ph-19",
        name="With P&H",
        sector="tv_theatrical",
        effective_from=dt.date(2023, 11, 9),
        effective_to=dt.date(2030, 6, 30),
    )
    give_reference_pricing(agreement, ph_rate="0.19")
    billed_studio.studio.agreements.add(agreement)
    grant = past_grant(billed_studio.studio, performer.performer, agreement, own_daily=Decimal("1500"))
    report(billed_studio.studio, [replica_line("P-1", grant, dt.date(2025, 8, 12))], ref="r-ph")
    bill(AUGUST, django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get(document_type="invoice")
    assert (invoice.performer_pay, invoice.ph_contributions, invoice.total) == (
        Decimal("4500.00"),
        Decimal("855.00"),
        Decimal("5355.00"),
    )
    return invoice


def pdf_text(content: bytes, tmp_path) -> str:
    """A PDF's text as poppler's pdftotext lays it out (the documents' tests read what a person would)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@contextlib.contextmanager
def refused_while_a_run_holds(studio):
    """Run the block while a billing run's transaction (another connection) holds the studio's
    row, as `lock_studio` takes it: the block must wait for the lock, and is refused after a
    second (lock_timeout) instead. The run's transaction is rolled back afterwards."""
    with second_postgres_connection() as run:
        run.execute(f'SELECT 1 FROM "{studio._meta.db_table}" WHERE id = %s FOR NO KEY UPDATE', [studio.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        try:
            with pytest.raises(OperationalError, match="lock timeout"):
                yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
        run.rollback()
