"""Migration usage 0007 records the retractions made before it (usage.Retraction), in the order
they happened, so billing's retractions mark starts from every one of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from registry.usage.models import Retraction
from tests.billing.conftest import past_grant, replica_line, report

pytestmark = pytest.mark.postgres

BEFORE = [("usage", "0006_usage_lines_partitioned_by_month")]


# Committed as it goes, as migrations run: a later migration alters the lines' table, which
# PostgreSQL refuses while the test's own transaction holds the inserted lines' key checks.
@pytest.mark.django_db(transaction=True)
def test_the_migration_records_past_retractions_in_the_order_they_happened(
    require_postgres, billed_studio, performer, tvth
):
    studio = billed_studio.studio
    grant = past_grant(studio, performer.performer, tvth)
    report(
        studio,
        [replica_line(ref, grant, dt.date(2025, 8, day)) for ref, day in (("L-1", 12), ("L-2", 14), ("L-3", 20))],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    earlier = dt.datetime(2025, 9, 2, 10, 0, tzinfo=dt.UTC)
    later = dt.datetime(2025, 9, 5, 16, 30, tzinfo=dt.UTC)
    with connection.cursor() as cursor:  # retracted before the table existed
        for ref, at in (("L-1", later), ("L-2", earlier)):
            cursor.execute(
                "UPDATE usage_usageline SET status = 'retracted', retracted_at = %s, retraction_reason = 'Twice' "
                "WHERE line_ref = %s",
                [at, ref],
            )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert list(
        Retraction.objects.order_by("pk").values_list("usage_line__line_ref", "usage_line_use_date", "at", "studio")
    ) == [
        ("L-2", dt.date(2025, 8, 14), earlier, studio.pk),
        ("L-1", dt.date(2025, 8, 12), later, studio.pk),
    ]
