"""Tables kept by month (registry/core/partitions.py), through the one nothing points at: kept
consent checks, partitioned by month of checked_at (a timestamp, taken in UTC). Usage lines, which
invoice lines and cases point at, are tested in tests/usage/test_partitions.py."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from registry.consent import check_log
from registry.consent.models import ConsentCheckRecord
from registry.consent.partitions import KEPT_CHECKS
from registry.core.partitions import monthly_tables

pytestmark = pytest.mark.postgres

UTC = dt.UTC


def kept(studio, performer, ref: str, at: dt.datetime) -> ConsentCheckRecord:
    return ConsentCheckRecord.objects.create(
        ref=ref,
        studio=studio,
        performer=performer,
        checked_at=at,
        use="replica_use",
        project_kind="picture",
        production_number="NLP-1",
        on=at.date(),
        statement={"media": ["streaming"], "territory": ["US"]},
        allowed=True,
    )


def where(record: ConsentCheckRecord) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM consent_consentcheckrecord WHERE id = %s", [record.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def checks_across_a_month_end(require_postgres, studio, performer):
    """A check in the last half hour of September 2025 (UTC) and one at the first instant of October."""
    return (
        kept(studio.studio, performer.performer, "c-sep", dt.datetime(2025, 9, 30, 23, 30, tzinfo=UTC)),
        kept(studio.studio, performer.performer, "c-oct", dt.datetime(2025, 10, 1, 0, 0, tzinfo=UTC)),
    )


def test_every_monthly_table_is_declared_once():
    assert {name: (t.table, t.column) for name, t in monthly_tables().items()} == {
        "invoice lines": ("billing_invoiceline", "month"),
        "kept checks": ("consent_consentcheckrecord", "checked_at"),
        "usage lines": ("usage_usageline", "use_date"),
    }


def test_checks_of_past_months_get_their_partitions_by_the_utc_month(checks_across_a_month_end):
    september, october = checks_across_a_month_end
    assert where(september) == where(october) == "consent_consentcheckrecord_default"

    created = KEPT_CHECKS.ensure_partitions(today=dt.date(2028, 1, 5), ahead=0)

    assert created == [dt.date(2025, 9, 1), dt.date(2025, 10, 1), dt.date(2028, 1, 1)]
    assert where(september) == "consent_consentcheckrecord_p2025_09"
    assert where(october) == "consent_consentcheckrecord_p2025_10"
    assert KEPT_CHECKS.months_in_default() == []


def test_a_replayed_flush_still_skips_what_is_kept(require_postgres, studio, performer):
    first = kept(studio.studio, performer.performer, "c-1", dt.datetime(2025, 9, 3, 12, tzinfo=UTC))
    line = _line_of(first)

    check_log._store([{**line, "ref": "c-1"}, {**line, "ref": "c-2"}])  # c-1 again: a flush replayed

    assert sorted(ConsentCheckRecord.objects.values_list("ref", flat=True)) == ["c-1", "c-2"]


def _line_of(record: ConsentCheckRecord) -> dict:
    return {
        "studio_id": record.studio_id,
        "performer_id": record.performer_id,
        "checked_at": record.checked_at.isoformat(),
        "use": record.use,
        "project_kind": record.project_kind,
        "production_number": record.production_number,
        "on": record.on.isoformat(),
        "statement": record.statement,
        "allowed": record.allowed,
        "grant_ref": "",
        "reasons": [],
        "receipt": None,
    }


def test_a_past_month_of_checks_is_detached_whole(checks_across_a_month_end):
    KEPT_CHECKS.ensure_partitions()
    out = StringIO()

    call_command("partitions", "--detach", "kept checks", "2025-09", stdout=out)

    assert "consent_consentcheckrecord_p2025_09" in out.getvalue()
    assert list(ConsentCheckRecord.objects.values_list("ref", flat=True)) == ["c-oct"]
    with connection.cursor() as cursor:  # the month is a table of its own, to archive
        cursor.execute("SELECT ref FROM consent_consentcheckrecord_p2025_09")
        assert cursor.fetchall() == [("c-sep",)]
    with pytest.raises(CommandError, match="No partition of kept checks holds 2025-09"):
        call_command("partitions", "--detach", "kept checks", "2025-09")


def test_the_command_lists_each_table_and_what_waits(checks_across_a_month_end):
    out = StringIO()
    call_command("partitions", stdout=out)
    text = out.getvalue()
    assert "invoice lines (billing_invoiceline, by month):" in text
    assert "kept checks (consent_consentcheckrecord, by checked_at):" in text
    assert "usage lines (usage_usageline, by use_date):" in text
    assert "in the default partition (moved by --ensure or the daily task): 2025-09, 2025-10" in text


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_check_in_its_month_and_back(checks_across_a_month_end):
    september, october = checks_across_a_month_end
    with pytest.raises(RuntimeError), transaction.atomic():  # an id handed out, its row rolled back
        handed_out = kept(september.studio, september.performer, "c-gone", dt.datetime.now(tz=UTC)).pk
        raise RuntimeError
    executor = MigrationExecutor(connection)
    executor.migrate([("consent", "0005_consent_scope_and_check_records")])
    assert not KEPT_CHECKS.partitioned()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert KEPT_CHECKS.partitioned()
    assert (where(september), where(october)) == (
        "consent_consentcheckrecord_p2025_09",
        "consent_consentcheckrecord_p2025_10",
    )
    assert sorted(ConsentCheckRecord.objects.values_list("pk", "ref")) == [
        (september.pk, "c-sep"),
        (october.pk, "c-oct"),
    ]
    later = kept(september.studio, september.performer, "c-new", dt.datetime.now(tz=UTC))
    assert later.pk > handed_out > october.pk  # no id is handed out twice
    assert where(later) == f"consent_consentcheckrecord_p{dt.datetime.now(tz=UTC):%Y_%m}"
