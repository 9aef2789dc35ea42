"""Recording an attempt locks the endpoint's row alone, and not against new deliveries: a usage
report (which holds its studio, then adds deliveries to the endpoint) never waits on it, so the
two cannot deadlock (bench/load_mix found PostgreSQL breaking that cycle every few seconds)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import transaction

from registry.webhooks import services
from tests.conftest import second_postgres_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _other_connection():
    conn = second_postgres_connection()
    conn.execute("SET lock_timeout = '2s'")
    return conn


def test_while_an_attempt_is_recorded_the_studio_and_new_deliveries_are_not_blocked(require_postgres, endpoint):
    studio_table = endpoint.studio._meta.db_table
    with transaction.atomic():
        services._lock_endpoint(endpoint.pk)  # what recording an attempt takes first
        with _other_connection() as other:
            # What a usage report does meanwhile: hold its studio, then add a delivery (the
            # foreign key takes a KEY SHARE lock on the endpoint). Neither may wait.
            other.execute(f'SELECT 1 FROM "{studio_table}" WHERE id = %s FOR NO KEY UPDATE', [endpoint.studio_id])
            other.execute("SELECT 1 FROM webhooks_webhookendpoint WHERE id = %s FOR KEY SHARE", [endpoint.pk])
            other.rollback()


def test_deleting_an_endpoint_still_excludes_new_deliveries(require_postgres, endpoint):
    with transaction.atomic():
        services._lock_endpoint(endpoint.pk, deleting=True)
        with _other_connection() as other:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT 1 FROM webhooks_webhookendpoint WHERE id = %s FOR KEY SHARE", [endpoint.pk])
            other.rollback()
