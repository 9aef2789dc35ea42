"""Migration billing 0012 gives each past run's errors to the studios they name
(BillingRunStudio.errors) and counts them on the run, leaving the run's own list as it was."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from registry.billing.models import BillingRun

pytestmark = pytest.mark.postgres

BEFORE = [("billing", "0011_invoice_line_flat_fee_index")]


def test_the_migration_gives_each_studio_its_errors_and_counts_them(require_postgres, make_studio_caller):
    first, second = (make_studio_caller(name).studio for name in ("Northlight", "Harbour"))
    errors = [
        {"studio": first.public_id, "line": "L-1", "error": "no rate"},
        {"studio": second.public_id, "line": "L-9", "error": "no rate"},
        {"studio": first.public_id, "error": "2 more lines not rated"},
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    with connection.cursor() as cursor:  # a run finished before the migration
        cursor.execute(
            "INSERT INTO billing_billingrun (public_id, period, status, requested_by, created_at, studios_total, "
            "studios_done, documents_created, lines_billed, errors) "
            "VALUES ('run_old', '2025-08-01', 'completed_with_errors', 'test', %s, 2, 2, 0, 0, %s) RETURNING id",
            [dt.datetime(2025, 9, 1, tzinfo=dt.UTC), json.dumps(errors)],
        )
        run_id = cursor.fetchone()[0]
        for studio in (first, second):
            cursor.execute(
                "INSERT INTO billing_billingrunstudio (run_id, studio_id, done_at) VALUES (%s, %s, %s)",
                [run_id, studio.pk, dt.datetime(2025, 9, 1, tzinfo=dt.UTC)],
            )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the keys checked now: the migration alters the table

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    run = BillingRun.objects.get(pk=run_id)
    assert (run.error_count, run.errors) == (3, errors)
    assert run.studios.get(studio=first).errors == [errors[0], errors[2]]
    assert run.studios.get(studio=second).errors == [errors[1]]
