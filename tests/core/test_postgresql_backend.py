"""The PostgreSQL backend's health check: no round trip on a healthy idle connection, and a
connection PostgreSQL closed is noticed and replaced (the real server, not a fake)."""

from __future__ import annotations

import os
import time

import psycopg
import pytest
from django.db import connection

from tests.conftest import second_postgres_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_connection(require_postgres):
    connection.close()  # start from a fresh connection, whatever an earlier test left
    connection.ensure_connection()
    assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    yield connection
    connection.close()  # never hand a terminated connection to the teardown's flush


def _terminate(backend_pid: int) -> None:
    with second_postgres_connection(autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not _socket_readable():
        time.sleep(0.01)


def _socket_readable() -> bool:
    import select

    return bool(select.select([connection.connection.fileno()], [], [], 0)[0])


def test_a_healthy_idle_connection_is_usable_without_asking_the_server(open_connection, monkeypatch):
    def no_round_trips(*args, **kwargs):
        raise AssertionError("the health check sent a statement")

    with monkeypatch.context() as patch:
        patch.setattr(type(connection.connection), "cursor", no_round_trips)
        usable = connection.is_usable()
    assert usable is True


def test_a_connection_the_server_closed_is_not_usable(open_connection):
    _terminate(connection.connection.info.backend_pid)
    assert connection.is_usable() is False


def test_after_the_server_closes_it_the_health_check_replaces_the_connection(open_connection):
    old_pid = connection.connection.info.backend_pid
    _terminate(old_pid)
    connection.health_check_done = False  # what the start of the next request does
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        new_pid = cursor.fetchone()[0]
    assert new_pid != old_pid


def test_the_settings_use_this_backend_for_postgresql():
    from django.conf import settings

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("settings only switch the engine for a PostgreSQL DATABASE_URL")
    assert settings.DATABASES["default"]["ENGINE"] == "registry.core.postgresql"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_every_connection_runs_without_jit_compilation(open_connection):
    """The server's default (jit = on) is turned off for the registry's sessions (see the
    backend's docstring), on a new connection and on one replaced after the server closed it."""
    with second_postgres_connection(autocommit=True) as other:
        assert other.execute("SHOW jit").fetchone()[0] == "on"  # the server's default, here and in CI
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    _terminate(connection.connection.info.backend_pid)
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_a_query_planned_past_the_jit_threshold_is_not_compiled(open_connection):
    """EXPLAIN of a query whose estimated cost passes jit_above_cost shows no JIT section."""
    sql = "SELECT sum(a * b) FROM generate_series(1, 10000000) a, generate_series(1, 10) b"
    with second_postgres_connection(autocommit=True) as other:
        plan = "\n".join(row[0] for row in other.execute("EXPLAIN " + sql).fetchall())
        assert "JIT:" in plan  # the server would compile it
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "JIT:" not in plan
