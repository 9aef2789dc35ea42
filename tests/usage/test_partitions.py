"""Usage lines partitioned by use month on PostgreSQL (issue 24, item 1): the migration over
lines in several months, the months created ahead with lines moved out of the default partition,
a studio's line ids unique whatever their dates, the composite foreign keys of invoice lines and
cases, and detaching a past month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from registry.billing import services as billing_services
from registry.billing.models import InvoiceLine
from registry.billing.partitions import INVOICE_LINES
from registry.cases.models import Case
from registry.core.errors import InvalidInputError, StateConflictError
from registry.usage.models import UsageLine, UsageLineKey
from registry.usage.partitions import USAGE_LINES
from tests.billing.conftest import AUGUST, bill, past_grant, replica_line, report
from tests.conftest import SYSTEM

pytestmark = pytest.mark.postgres

BEFORE = [
    ("usage", "0005_line_studio_keyset_index"),
    ("billing", "0006_invoice_lines_by_invoice_and_id"),
    ("cases", "0002_initial"),
]


def where(line_id: int) -> str:
    """The partition a usage line's row is stored in."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM usage_usageline WHERE id = %s", [line_id])
        return cursor.fetchone()[0]


def invoice_line_where(line: InvoiceLine) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM billing_invoiceline WHERE id = %s", [line.pk])
        return cursor.fetchone()[0]


def constraints_checked() -> None:
    """What the commit would check: the deferred foreign keys, now."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def referencing_constraints(table: str) -> dict[str, str]:
    return referencing_constraints_of(table, "usage_usageline")


def referencing_constraints_of(table: str, referenced: str) -> dict[str, str]:
    """The foreign keys of `table` to `referenced`, by name, as PostgreSQL states them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND confrelid = %s::regclass AND contype = 'f'",
            [table, referenced],
        )
        return dict(cursor.fetchall())


@pytest.fixture
def lines_in_three_months(require_postgres, billed_studio, performer, tvth, august_invoice):
    """The August 2025 invoice (its line billed) and lines of September and October reported since."""
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(
        billed_studio.studio,
        [replica_line("L-9", grant, dt.date(2025, 9, 3)), replica_line("L-10", grant, dt.date(2025, 10, 30))],
        ref="r-later",
    )
    return {line.line_ref: line for line in UsageLine.objects.all()}


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_lines_of_several_months_into_their_partitions_and_back(lines_in_three_months):
    lines = lines_in_three_months
    charged = InvoiceLine.objects.get(usage_line=lines["L-1"], corrects=None)
    # A debit note on it: its line names the charge, which the migration dates with its month.
    billing_services.debit_note_issue(
        original=charged.invoice,
        corrections=[billing_services.Correction(line=charged, estimated_days=Decimal("5"))],
        reason="Production audit",
        actor=SYSTEM,
    )
    debit = InvoiceLine.objects.get(corrects=charged)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    assert not USAGE_LINES.partitioned()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(id) FROM usage_usageline")
        assert cursor.fetchone() == (3, max(line.pk for line in lines.values()))
    assert referencing_constraints("billing_invoiceline")  # the single-column key is back

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert USAGE_LINES.partitioned()
    assert {ref: where(line.pk) for ref, line in lines.items()} == {
        "L-1": "usage_usageline_p2025_08",
        "L-9": "usage_usageline_p2025_09",
        "L-10": "usage_usageline_p2025_10",
    }
    months = [p.month for p in USAGE_LINES.month_partitions()]
    this_month = dt.date.today().replace(day=1)
    assert months[:3] == [dt.date(2025, 8, 1), dt.date(2025, 9, 1), dt.date(2025, 10, 1)]
    assert months[-4] == this_month and len(months) == 7  # the current month and three ahead
    # Every line kept its id and values; new ids continue after them.
    assert {line.line_ref: (line.pk, line.use_date, line.units) for line in UsageLine.objects.all()} == {
        ref: (line.pk, line.use_date, line.units) for ref, line in lines.items()
    }
    assert set(UsageLineKey.objects.values_list("line_ref", flat=True)) == {"L-1", "L-9", "L-10"}
    charged.refresh_from_db()
    assert (charged.usage_line_id, charged.usage_line_use_date) == (lines["L-1"].pk, dt.date(2025, 8, 12))
    # The invoice lines follow their usage line's month; the debit line names its charge with it.
    assert (charged.month, invoice_line_where(charged)) == (dt.date(2025, 8, 1), "billing_invoiceline_p2025_08")
    debit.refresh_from_db()
    assert (debit.corrects_id, debit.corrects_month, debit.month) == (charged.pk, AUGUST, AUGUST)
    assert invoice_line_where(debit) == "billing_invoiceline_p2025_08"
    assert list(referencing_constraints("billing_invoiceline")) == ["invoice_line_usage_line_fk"]
    assert referencing_constraints("billing_invoiceline") == {
        "invoice_line_usage_line_fk": "FOREIGN KEY (usage_line_id, usage_line_use_date) REFERENCES "
        "usage_usageline(id, use_date) MATCH FULL DEFERRABLE INITIALLY DEFERRED"
    }
    assert list(referencing_constraints("cases_case")) == ["case_usage_line_fk"]
    assert list(referencing_constraints_of("usage_usageline", "usage_usagereport")) == ["usage_line_report_of_studio"]
    grant = lines["L-1"].grant
    report(lines["L-1"].studio, [replica_line("L-11", grant, dt.date(2025, 8, 20))], ref="r-after")
    assert UsageLine.objects.get(line_ref="L-11").pk > max(line.pk for line in lines.values())


def test_a_month_without_its_partition_waits_in_the_default_one_until_the_task_gives_it_one(
    require_postgres, august_invoice, billed_studio, performer, tvth
):
    billed = UsageLine.objects.get()
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-9", grant, dt.date(2025, 9, 3))], ref="r-sept")
    waiting = UsageLine.objects.get(line_ref="L-9")
    # The test database was migrated with partitions from this month on.
    assert where(billed.pk) == where(waiting.pk) == "usage_usageline_default"
    assert USAGE_LINES.months_in_default() == [dt.date(2025, 8, 1), dt.date(2025, 9, 1)]

    created = USAGE_LINES.ensure_partitions(today=dt.date(2028, 1, 20), ahead=1)

    assert created == [dt.date(2025, 9, 1), dt.date(2028, 1, 1), dt.date(2028, 2, 1)]
    assert where(waiting.pk) == "usage_usageline_p2025_09"
    # The billed line cannot move (its invoice line names it in the default partition): it stays,
    # read and named as before.
    assert where(billed.pk) == "usage_usageline_default"
    assert USAGE_LINES.months_in_default() == [dt.date(2025, 8, 1)]
    constraints_checked()
    assert InvoiceLine.objects.get(usage_line=billed).usage_line_use_date == billed.use_date
    assert USAGE_LINES.ensure_partitions(today=dt.date(2028, 1, 20), ahead=1) == []  # nothing left to do


def test_the_beat_task_gives_waiting_lines_their_month(require_postgres, billed_studio, performer, tvth):
    from registry.core.tasks import ensure_partitions

    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-9", grant, dt.date(2025, 9, 3))], ref="r-sept")

    assert ensure_partitions.apply().get() == {"invoice lines": [], "kept checks": [], "usage lines": ["2025-09"]}
    assert where(UsageLine.objects.get().pk) == "usage_usageline_p2025_09"


def test_a_line_id_is_the_studios_once_whatever_its_date(require_postgres, studio):
    UsageLineKey.objects.create(studio=studio.studio, line_ref="L-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        UsageLineKey.objects.create(studio=studio.studio, line_ref="L-1")


def test_the_line_id_table_is_kept_by_its_primary_key_alone(require_postgres):
    """Each reported line writes a key: an index beyond the primary key (which begins with the
    studio, so it serves lookups by studio too) would be maintained on every line for nothing."""
    with connection.cursor() as cursor:
        indexes = {
            c: info["columns"]
            for c, info in connection.introspection.get_constraints(cursor, UsageLineKey._meta.db_table).items()
            if info["index"] or info["primary_key"]
        }
    assert list(indexes.values()) == [["studio_id", "line_ref"]]


def test_a_line_names_a_report_of_its_own_studio_in_one_key(require_postgres, august_invoice, other_studio):
    """One composite key checks a line's report and studio (migration usage 0009): a key check
    per line less at every report's commit, and the line's studio must be its report's."""
    assert referencing_constraints_of("usage_usageline", "usage_usagereport") == {
        "usage_line_report_of_studio": "FOREIGN KEY (report_id, studio_id) REFERENCES "
        "usage_usagereport(id, studio_id) DEFERRABLE INITIALLY DEFERRED"
    }
    assert referencing_constraints_of("usage_usageline", "parties_studio") == {}
    line = UsageLine.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        UsageLine.objects.filter(pk=line.pk).update(studio_id=other_studio.studio.pk)  # another studio's line
        constraints_checked()
    with pytest.raises(IntegrityError), transaction.atomic():
        UsageLine.objects.filter(pk=line.pk).update(report_id=line.report_id + 1000)  # no such report
        constraints_checked()
    line.refresh_from_db()
    assert (line.report.studio_id, line.studio_id) == (august_invoice.studio_id,) * 2


def test_an_invoice_line_must_name_its_usage_line_with_that_lines_date(require_postgres, august_invoice):
    charged = InvoiceLine.objects.get(usage_line__isnull=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.filter(pk=charged.pk).update(usage_line_use_date=dt.date(2025, 8, 13))
        constraints_checked()
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.filter(pk=charged.pk).update(usage_line_use_date=None)  # both or neither


def test_a_case_names_a_line_with_its_date(require_postgres, august_invoice, studio):
    line = UsageLine.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            kind="violation",
            studio=line.studio,
            usage_line=line,
            usage_line_use_date=dt.date(2024, 1, 1),
            reason_code="x",
            summary="x",
        )
        constraints_checked()


def test_detaching_refuses_the_current_month_and_months_whose_lines_are_billed(
    require_postgres, billed_studio, performer, tvth, django_capture_on_commit_callbacks
):
    assert USAGE_LINES.ensure_month(dt.date(2025, 8, 1))
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    bill(AUGUST, django_capture_on_commit_callbacks)
    assert where(UsageLine.objects.get().pk) == "usage_usageline_p2025_08"

    with pytest.raises(InvalidInputError):
        USAGE_LINES.detach_month(dt.date.today())
    with pytest.raises(StateConflictError, match="named by 1 invoice line:"):
        USAGE_LINES.detach_month(dt.date(2025, 8, 1))
    with pytest.raises(StateConflictError, match="No partition"):
        USAGE_LINES.detach_month(dt.date(2020, 1, 1))
    assert UsageLine.objects.count() == 1


def test_a_past_month_no_record_names_is_detached_with_its_lines(require_postgres, billed_studio, performer, tvth):
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-9", grant, dt.date(2025, 9, 3))], ref="r-sept")
    out = StringIO()
    call_command("partitions", "--ensure", stdout=out)
    assert "created 2025-09" in out.getvalue()

    call_command("partitions", "--detach", "usage lines", "2025-09", stdout=out)

    assert "usage_usageline_p2025_09" in out.getvalue()
    assert not UsageLine.objects.filter(line_ref="L-9").exists()
    with connection.cursor() as cursor:  # the month's rows are in their own table, to archive
        cursor.execute("SELECT line_ref FROM usage_usageline_p2025_09")
        assert cursor.fetchall() == [("L-9",)]
    # Its line id stays the studio's: a report cannot reuse it.
    assert UsageLineKey.objects.filter(line_ref="L-9").exists()


def test_the_command_explains_what_it_refuses(require_postgres):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("partitions", "--detach", "usage lines", "September")
    with pytest.raises(CommandError, match="past month"):
        call_command("partitions", "--detach", "usage lines", f"{dt.date.today():%Y-%m}")
    with pytest.raises(CommandError, match="not kept by month: one of 'invoice lines', 'kept checks', 'usage lines'"):
        call_command("partitions", "--detach", "invoices", "2025-01")


def test_a_month_of_invoice_lines_leaves_first_then_its_usage_lines(
    require_postgres, billed_studio, performer, tvth, django_capture_on_commit_callbacks
):
    for table in (USAGE_LINES, INVOICE_LINES):
        assert table.ensure_month(AUGUST)
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    bill(AUGUST, django_capture_on_commit_callbacks)
    charged = InvoiceLine.objects.get()
    assert (charged.month, invoice_line_where(charged)) == (AUGUST, "billing_invoiceline_p2025_08")
    with pytest.raises(StateConflictError, match="named by 1 invoice line:"):
        USAGE_LINES.detach_month(AUGUST)

    out = StringIO()
    call_command("partitions", "--detach", "invoice lines", "2025-08", stdout=out)
    call_command("partitions", "--detach", "usage lines", "2025-08", stdout=out)

    assert not InvoiceLine.objects.exists() and not UsageLine.objects.exists()
    with connection.cursor() as cursor:  # both months are tables of their own, with no keys left
        cursor.execute("SELECT usage_line_id FROM billing_invoiceline_p2025_08")
        assert cursor.fetchall() == [(charged.usage_line_id,)]
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN "
            "('billing_invoiceline_p2025_08'::regclass, 'usage_usageline_p2025_08'::regclass)"
        )
        assert cursor.fetchone() == (0,)
