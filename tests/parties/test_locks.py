"""lock_studio: one writer of a studio at a time (a second waits), while rows that reference the
studio can still be inserted (their foreign key takes a KEY SHARE lock, which must not wait)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import transaction

from registry.parties.locks import lock_studio
from registry.parties.models import Studio
from tests.conftest import second_postgres_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_locked_studio_excludes_a_second_writer_but_not_references(require_postgres, studio):
    row = f'SELECT 1 FROM "{Studio._meta.db_table}" WHERE id = %s'
    with second_postgres_connection(autocommit=True) as other:
        other.execute("SET lock_timeout = '1s'")
        with transaction.atomic():
            locked = lock_studio(studio.studio.pk)
            # What the foreign key check of an inserted invoice or usage line takes: not blocked.
            other.execute(f"{row} FOR KEY SHARE", [studio.studio.pk])
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(f"{row} FOR NO KEY UPDATE", [studio.studio.pk])
        # Released with the transaction.
        other.execute(f"{row} FOR NO KEY UPDATE", [studio.studio.pk])

    assert locked == studio.studio
