"""Billing end to end in process: usage -> run -> invoice with provenance -> ledger -> statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from registry.audit.services import AUDIT_APPEND_LOCK_ID
from registry.billing import runs, selectors, services
from registry.billing.models import BillingRun, Invoice, InvoiceLine, JournalEntry, Posting
from registry.core.vocabulary.billing import AccountKind, RunStatus
from registry.usage.models import UsageLine
from registry.usage.services import usage_line_retract
from tests.billing.conftest import PICTURE, past_grant, replica_line, report
from tests.conftest import SYSTEM, second_postgres_connection

pytestmark = pytest.mark.django_db

AUGUST, SEPTEMBER = dt.date(2025, 8, 1), dt.date(2025, 9, 1)


@pytest.fixture
def worked_example(billed_studio, performer, tvth):
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    return grant


def test_worked_example_is_invoiced_to_the_cent_with_provenance(
    worked_example, billed_studio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        started, created = services.billing_run_start(period=AUGUST, actor=SYSTEM)
    billing_run = BillingRun.objects.get(pk=started.pk)
    assert created is True
    assert billing_run.status == RunStatus.COMPLETED
    invoice = Invoice.objects.get(studio=billed_studio.studio, period=AUGUST)
    # DOMAIN.md 5: max(1,100, 1,246) × 3 = 3,738.00, plus P&H at TV/Theatrical's 21%: 784.98
    assert (invoice.performer_pay, invoice.ph_contributions, invoice.total) == (
        Decimal("3738.00"),
        Decimal("784.98"),
        Decimal("4522.98"),
    )
    assert invoice.number == f"INV-{invoice.finalized_at.year}-000001"
    line = invoice.lines.get()
    assert line.usage_line.line_ref == "L-1"
    assert line.grant == worked_example and line.token_jti == worked_example.public_id
    assert line.rate_card.amount == Decimal("1246.00")
    assert line.terms_used["agreement"] == "tvth-2023"
    # The provenance: what the performer signed, the replica's origin, the rule and the P&H rate.
    assert line.terms_used["compensation"] == {
        "amount": "1100.00",
        "currency": "USD",
        "unit": "day",
        "negotiated_per_use": False,
    }
    assert line.terms_used["replica_origin"] == "employment_based"
    assert line.terms_used["rule"]["scale"] == "day_performer/day"
    assert line.terms_used["ph_contribution_rate"] == "0.2100"
    assert line.explanation.startswith(
        "EBDR: max(signed 1100.00/day × 3.00 = 3300.00; floor day_performer scale 1246.00/day × 3.00 = 3738.00)"
    )


def test_the_ledger_balances_and_reconciles(worked_example, performer, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        services.billing_run_start(period=AUGUST, actor=SYSTEM)
    entry = JournalEntry.objects.get()
    legs = {p.account.code.split(":")[0]: p.amount for p in entry.postings.select_related("account")}
    # 4,522.98 due: 3,738.00 to the performer, the P&H 784.98 split 392.49 / 392.49
    assert legs == {"receivable": Decimal("4522.98"), "payable": Decimal("-3738.00"), "fund": Decimal("-392.49")}
    call_command("reconcile_ledger")
    assert "Ledger reconciles: 1 entries" in capsys.readouterr().out


def test_a_documents_accounts_are_read_together_and_made_once(billed_studio, performer, other_performer):
    """`ledger.accounts`: the first use makes every missing account with what it stands for, in
    one statement; later uses read them all in one query, whatever their number."""
    from registry.billing import ledger
    from registry.billing.models import LedgerAccount

    studio = billed_studio.studio
    specs = [
        ledger.studio_receivable(studio, "USD"),
        ledger.performer_payable(performer.performer, "USD"),
        ledger.performer_payable(other_performer.performer, "USD"),
        ledger.fund("health_plan", "USD"),
        ledger.named(AccountKind.CASH, "USD"),
    ]
    made = ledger.accounts(specs[:2])
    with CaptureQueriesContext(connection) as first:
        made |= ledger.accounts(specs)
    with CaptureQueriesContext(connection) as again:
        read = ledger.accounts(specs)

    assert len(first) == 3 and len(again) == 1  # read, insert the missing, read them; then one read
    assert {code: account.pk for code, account in read.items()} == {code: account.pk for code, account in made.items()}
    assert LedgerAccount.objects.count() == 5
    receivable = read[f"receivable:{studio.public_id}:USD"]
    assert (receivable.kind, receivable.studio_id, receivable.name) == (
        AccountKind.RECEIVABLE,
        studio.pk,
        f"Receivable from {studio.legal_name}",
    )
    payable = read[f"payable:{other_performer.performer.public_id}:USD"]
    assert (payable.kind, payable.performer_id) == (AccountKind.PAYABLE, other_performer.performer.pk)
    assert (read["fund:health_plan:USD"].kind, read["fund:health_plan:USD"].name) == (AccountKind.FUND, "Health Plan")
    assert ledger.account_named(AccountKind.CASH, "USD") == read["cash:USD"]


def test_running_the_period_again_creates_nothing(worked_example, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.billing_run_start(period=AUGUST, actor=SYSTEM)
    counts = (Invoice.objects.count(), InvoiceLine.objects.count(), Posting.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        again, created = services.billing_run_start(period=AUGUST, actor=SYSTEM)
    assert created is True  # a new run, since the first finished
    assert (Invoice.objects.count(), InvoiceLine.objects.count(), Posting.objects.count()) == counts
    assert BillingRun.objects.get(pk=again.pk).documents_created == 0


def test_a_second_start_while_one_is_live_joins_it(worked_example):
    first, created_first = services.billing_run_start(period=AUGUST, actor=SYSTEM)
    second, created_second = services.billing_run_start(period=AUGUST, actor=SYSTEM)
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk


def test_late_usage_is_billed_next_period_as_an_adjustment(
    worked_example, billed_studio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.billing_run_start(period=AUGUST, actor=SYSTEM)
    report(
        billed_studio.studio, [replica_line("L-late", worked_example, dt.date(2025, 8, 20), days="1")], ref="r-late"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.billing_run_start(period=dt.date(2025, 9, 1), actor=SYSTEM)
    september = Invoice.objects.get(period=dt.date(2025, 9, 1))
    line = september.lines.get()
    assert line.is_adjustment is True
    assert line.performer_pay == Decimal("1246.00")


def test_a_retracted_billed_line_is_credited_with_a_note(
    worked_example, billed_studio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.billing_run_start(period=AUGUST, actor=SYSTEM)
    original = Invoice.objects.get(document_type="invoice")
    usage_line_retract(line=original.lines.get().usage_line, reason="Reported twice", actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        services.billing_run_start(period=dt.date(2025, 9, 1), actor=SYSTEM)
    credit = Invoice.objects.get(document_type="credit_note")
    assert credit.original == original
    assert credit.total == Decimal("-4522.98")
    assert credit.number.startswith("CRN-")
    original.refresh_from_db()
    assert original.total == Decimal("4522.98")  # the original is never edited
    call_command("reconcile_ledger")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_takes_the_locks_all_studios_share_only_once_the_studios_documents_are_made(
    require_postgres, worked_example, billed_studio, monkeypatch
):
    """Finalizing a document takes what every studio's billing shares, held to the commit: the
    audit chain's lock and the year's document numbers. A run finalizes a studio's documents
    together at the end, so workers billing other studios never wait while this one's credit
    note (or its other currencies) is read and written. A committing test: an uncommitted test
    transaction would hold the chain's lock from its first audit entry."""
    studio = billed_studio.studio
    services.billing_run_start(period=AUGUST, actor=SYSTEM)  # enqueued on commit, run in process
    usage_line_retract(line=UsageLine.objects.get(line_ref="L-1"), reason="Reported twice", actor=SYSTEM)
    report(studio, [replica_line("L-2", worked_example, dt.date(2025, 9, 10))], ref="r-september")
    seen = {}
    made = runs.run_credit_note_draft

    def credit_note_draft_watched(**kwargs):
        with second_postgres_connection(autocommit=True) as other:
            seen["chain free"] = other.execute("SELECT pg_try_advisory_lock(%s)", [AUDIT_APPEND_LOCK_ID]).fetchone()[0]
            other.execute("SELECT pg_advisory_unlock_all()")
        september = Invoice.objects.filter(period=SEPTEMBER)
        seen["invoice"] = september.values_list("document_type", "status", "number").get()
        return made(**kwargs)

    monkeypatch.setattr(runs, "run_credit_note_draft", credit_note_draft_watched)
    services.billing_run_start(period=SEPTEMBER, actor=SYSTEM)

    assert seen == {"chain free": True, "invoice": ("invoice", "draft", None)}
    year = dt.date.today().year
    assert sorted(Invoice.objects.filter(period=SEPTEMBER).values_list("number", "status")) == [
        (f"CRN-{year}-000003", "finalized"),
        (f"INV-{year}-000002", "finalized"),  # one sequence a year (August's is 1), in the order made
    ]


def test_payment_and_payout_are_postings(worked_example, performer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.billing_run_start(period=AUGUST, actor=SYSTEM)
    invoice = Invoice.objects.get()
    services.invoice_mark_paid(invoice=invoice, actor=SYSTEM)
    services.payout_record(performer=performer.performer, amount=Decimal("3738.00"), currency="USD", actor=SYSTEM)
    balances: dict[str, Decimal] = {}
    for p in Posting.objects.values("account__code").annotate(total=Sum("amount")):
        kind = p["account__code"].split(":")[0]
        balances[kind] = balances.get(kind, Decimal("0.00")) + p["total"]
    # 4,522.98 received, 3,738.00 paid out: the P&H 784.98 stays in cash, owed to the funds. The
    # payment passes through the studio's credit account (received, then applied): it nets to zero.
    assert balances == {
        "receivable": Decimal("0.00"),
        "payable": Decimal("0.00"),
        "cash": Decimal("784.98"),
        "fund": Decimal("-784.98"),
        "credit": Decimal("0.00"),
    }


def test_statement_shows_what_was_earned(worked_example, performer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.billing_run_start(period=AUGUST, actor=SYSTEM)
    statement = selectors.performer_statement(performer.performer, AUGUST)
    assert statement["totals"] == {"USD": Decimal("3738.00")}
    assert statement["by_studio"] == {"Northlight Pictures": Decimal("3738.00")}
    assert statement["by_use"] == {"replica_use": Decimal("3738.00")}
    assert len(statement["lines"]) == 1


@pytest.mark.django_db(transaction=True)
def test_run_billing_command_shows_progress(worked_example, capsys):
    # A committing test: the run is enqueued on commit, as in production, and runs in process.
    call_command("run_billing", "--period", "2025-08", "--timeout", "60")
    out = capsys.readouterr().out
    assert "1/1 studios" in out
    assert "completed: 1 document(s), 1 line(s) billed, 0 error(s)." in out


def test_run_billing_refuses_a_bad_period():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="'2025-13' is not a month written YYYY-MM"):
        call_command("run_billing", "--period", "2025-13")


def test_the_plan_bills_the_studios_with_most_lines_first(worked_example, billed_studio, make_studio_caller, tvth):
    # given a second studio with more unbilled lines than the first
    bigger = make_studio_caller("Bigger Pictures").studio
    bigger.agreements.add(tvth)
    grant = past_grant(bigger, worked_example.performer, tvth)
    report(bigger, [replica_line(f"B-{k}", grant, dt.date(2025, 8, 3 + k)) for k in range(3)], ref="r-big")
    run = BillingRun.objects.create(period=AUGUST, requested_by="test", created_at=worked_example.activated_at)

    # then it is planned (and so enqueued) first, and a redelivered start gets the same order back
    assert services.billing_run_plan(run_id=run.pk) == [bigger.pk, billed_studio.studio.pk]
    assert services.billing_run_plan(run_id=run.pk) == [bigger.pk, billed_studio.studio.pk]


def test_lines_that_cannot_be_rated_are_marked_reported_and_billed_once_the_data_is_fixed(
    worked_example, billed_studio, agreement, django_capture_on_commit_callbacks
):
    # given 52 stand-in lines priced when reported, beside the worked example
    from registry.terms.models import RateCard
    from registry.terms.services import rate_card_add, rate_card_close
    from registry.usage.models import UsageLine
    from registry.usage.services import LineInput, synthetic_performer_register

    billed_studio.studio.agreements.add(agreement)
    synthetic = synthetic_performer_register(
        studio=billed_studio.studio, name="Extra", description="A digital extra.", borrowings=[], actor=SYSTEM
    )
    report(
        billed_studio.studio,
        [
            LineInput(
                line_ref=f"S-{k}",
                kind="synthetic_standin",
                project=PICTURE,
                use_date=dt.date(2025, 8, 20),
                units=Decimal("1"),
                unit="days",
                synthetic_ref=synthetic.public_id,
                agreement_code="test-tvth",
                role_category="day_performer",
            )
            for k in range(52)
        ],
        ref="r-unrated",
    )
    # and the gap appears later: staff end the day scale row the day before those uses
    row = RateCard.objects.get(agreement=agreement, role_category="day_performer", effective_from=dt.date(2025, 7, 1))
    rate_card_close(row=row, effective_to=dt.date(2025, 8, 19), actor=SYSTEM)

    with django_capture_on_commit_callbacks(execute=True):
        started, _ = services.billing_run_start(period=AUGUST, actor=SYSTEM)

    # then what can be rated is invoiced, and the run keeps 50 errors and a count of the rest
    run = BillingRun.objects.get(pk=started.pk)
    assert (run.status, run.lines_billed) == (RunStatus.COMPLETED_WITH_ERRORS, 1)
    assert Invoice.objects.get().total == Decimal("4522.98")
    assert len(run.errors) == 51
    assert run.errors[0]["error"].startswith(
        "Agreement test-tvth has no day_performer rate per day in force on 2025-08-20."
    )
    assert run.errors[-1] == {"studio": billed_studio.studio.public_id, "error": "2 more lines not rated"}
    # (and counted, and kept on the studio's own row of the run)
    assert run.error_count == 51
    assert run.studios.get(studio=billed_studio.studio).errors == run.errors
    # and each line is marked unrateable with the reason (the webhook: tests/webhooks/test_events.py)
    marked = UsageLine.objects.filter(unrateable_since__isnull=False)
    assert marked.count() == 52
    assert "The union must add a day_performer rate per day for 2025-08-20" in marked.first().unrateable_reason

    # when the union enters the rate, the next run bills them and the marks go
    rate_card_add(
        agreement=agreement, role_category="day_performer", unit="day", amount=Decimal("1246"),
        effective_from=dt.date(2025, 8, 20), effective_to=dt.date(2026, 6, 30), actor=SYSTEM,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.billing_run_start(period=dt.date(2025, 9, 1), actor=SYSTEM)
    september = Invoice.objects.get(period=dt.date(2025, 9, 1))
    assert september.lines.count() == 52
    # 52 × 1,246 = 64,792.00 royalty, P&H 0 under test-tvth: 64,792.00 to the funds
    assert september.total == Decimal("64792.00")
    assert not UsageLine.objects.filter(unrateable_since__isnull=False).exists()


def test_each_studio_keeps_its_errors_and_the_run_its_count_and_first_errors(make_studio_caller, tvth):
    """A month where every studio errs (a scale rate missing): what a studio's progress writes
    under the run's lock stays bounded, rather than copying every error so far each time."""
    from registry.audit.models import AuditEvent
    from registry.billing.models import RUN_ERRORS_KEPT, BillingRunStudio
    from registry.billing.runs import _record_progress

    studios = [make_studio_caller(f"Studio {k}").studio for k in range(5)]
    run, _ = services.billing_run_start(period=dt.date(2025, 8, 1), actor=SYSTEM)
    BillingRunStudio.objects.bulk_create([BillingRunStudio(run=run, studio=studio) for studio in studios])
    run.status, run.studios_total = RunStatus.RUNNING, len(studios)
    run.save(update_fields=["status", "studios_total"])
    each = [[{"studio": s.public_id, "line": f"L-{k}", "error": "no rate"} for k in range(51)] for s in studios]
    now = dt.datetime(2025, 9, 1, 6, tzinfo=dt.UTC)

    for studio, errors in zip(studios, each, strict=True):
        _record_progress(run.pk, studio.pk, 0, 0, errors, now)
    _record_progress(run.pk, studios[0].pk, 0, 0, each[0], now)  # a task delivered twice counts once

    run.refresh_from_db()
    assert run.error_count == 5 * 51
    assert run.errors == [error for errors in each for error in errors][:RUN_ERRORS_KEPT]
    assert [row.errors for row in run.studios.order_by("studio_id")] == each
    assert run.status == RunStatus.COMPLETED_WITH_ERRORS
    finished = AuditEvent.objects.get(action="billing_run.finished")
    assert finished.data["errors"] == 5 * 51
