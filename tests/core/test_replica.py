"""Reads from a real streaming replica (registry/core/replica.py).

.ci/replica starts a hot standby of the test PostgreSQL (pg_basebackup, port 5433) and .ci/run
exports REPLICA_TEST_URL; each test here points a "replica" alias at it, on the same test
database, which the standby replays from the primary. The replica's replay is paused in some
tests, so they run one at a time (phase 2 of the suite: `slow`). Without the standby they are
skipped, and under CI=true they fail.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import dj_database_url
import pytest
from django.core.cache import caches
from django.db import connections
from django.db.utils import ConnectionDoesNotExist, load_backend
from django.test.utils import CaptureQueriesContext

from registry.consent import services
from registry.core import replica
from tests.conftest import service_missing
from tests.consent.factories import create_request, grant_for, request_body

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHECKS = "/api/v1/consent-checks/"
REQUESTS = "/api/v1/consent-requests/"
PROJECT = {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"}


def _check_body(performer, on: dt.date) -> dict:
    return {
        "performer": performer.public_id,
        "use": "replica_use",
        "project": PROJECT,
        "on": on.isoformat(),
        "media": ["streaming"],
        "territory": ["US"],
    }


def _point_replica_at(host: str, port: int) -> None:
    """The "replica" alias: the test database (its name is the primary's) on host:port. The
    connection is made here rather than declared in DATABASES, which Django's test case would
    flush and guard; `settings.READ_REPLICA` turns the router on."""
    _drop_replica_connection()
    config = dict(connections["default"].settings_dict)
    config.update(HOST=host, PORT=port, OPTIONS={**config["OPTIONS"], "connect_timeout": 1})
    connections[replica.REPLICA] = load_backend(config["ENGINE"]).DatabaseWrapper(config, replica.REPLICA)
    replica.freshness.reset()


def _drop_replica_connection() -> None:
    try:
        connection = connections[replica.REPLICA]
    except ConnectionDoesNotExist:
        return
    connection.close()
    del connections[replica.REPLICA]


@pytest.fixture
def standby(settings, transactional_db) -> Iterator[dict]:
    url = os.environ.get("REPLICA_TEST_URL")
    if not url or connections["default"].vendor != "postgresql":
        service_missing("a streaming standby of PostgreSQL (REPLICA_TEST_URL; .ci/replica starts one)")
    where = dj_database_url.parse(url)
    settings.REPLICA_MAX_LAG_SECONDS = 2
    settings.READ_REPLICA = True
    _point_replica_at(where["HOST"], int(where["PORT"]))
    try:
        yield where
    finally:
        _point_replica_at(where["HOST"], int(where["PORT"]))
        _resume_replay()
        _drop_replica_connection()
        replica.freshness.reset()


def _on_replica(sql: str):
    with connections[replica.REPLICA].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def _primary_position() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def _wait_replayed(timeout: float = 15) -> None:
    """Until the standby has replayed everything the primary wrote so far, and this process's
    probe has seen it within the bound."""
    target = replica._lsn(_primary_position())
    deadline = time.monotonic() + timeout
    while replica._lsn(_on_replica("SELECT pg_last_wal_replay_lsn()::text")[0]) < target:
        assert time.monotonic() < deadline, "the standby did not catch up"
        time.sleep(0.05)
    while not replica.freshness.usable():
        assert time.monotonic() < deadline, "the probe never found the standby within the bound"
        time.sleep(0.05)


def _pause_replay() -> None:
    _on_replica("SELECT pg_wal_replay_pause()::text")


def _resume_replay() -> None:
    _on_replica("SELECT pg_wal_replay_resume()::text")


def _check(studio, performer, on: dt.date):
    """A consent check, and how many statements it ran on the replica."""
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        response = studio.client.post(CHECKS, _check_body(performer, on), format="json")
    assert response.status_code == 200, response.content
    return response.json(), len(on_replica.captured_queries)


def test_the_standby_is_a_real_replica(standby):
    in_recovery, receiver = _on_replica(
        "SELECT pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver LIMIT 1)"
    )
    assert (in_recovery, receiver) == (True, "streaming")


def test_checks_read_the_replica_while_it_is_within_the_bound(standby, studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    _wait_replayed()

    answer, replica_statements = _check(studio, performer.performer, grant.term_start)

    assert answer["allowed"] is True and answer["grant"] == grant.public_id
    assert replica_statements >= 1


def test_a_replica_behind_the_bound_is_passed_over_so_a_revocation_is_never_answered_as_allowed(
    standby, studio, performer, agreement
):
    grant = grant_for(studio.studio, performer.performer, agreement)
    _wait_replayed()
    _pause_replay()
    # Revoked on the primary; the studio's pin is dropped, so the lag bound alone must hold.
    services.grant_revoke(grant=grant, reason="Changed my mind.", acting_user=performer.user)
    revoked_at = time.monotonic()
    # (Only this key: the shared cache is the broker's Redis database, not to be flushed.)
    caches["shared"].delete(f"{replica.PIN_PREFIX}studio:{studio.studio.pk}")

    answers = []
    while time.monotonic() - revoked_at < 3 * standby_bound():
        answer, replica_statements = _check(studio, performer.performer, grant.term_start)
        answers.append((time.monotonic() - revoked_at, answer["allowed"], replica_statements))
        time.sleep(0.1)

    # Within the bound the paused replica may still answer (stale, but no staler than promised);
    # past it, every answer comes from the primary, and says revoked.
    late = [(allowed, statements) for at, allowed, statements in answers if at > standby_bound()]
    assert late and all(allowed is False and statements == 0 for allowed, statements in late)
    assert any(statements > 0 for _, _, statements in answers), "the replica was never read before the bound"


def standby_bound() -> float:
    from django.conf import settings

    return settings.REPLICA_MAX_LAG_SECONDS


def test_a_studio_told_of_a_revocation_reads_the_primary_at_once(standby, studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    _wait_replayed()
    _pause_replay()

    services.grant_revoke(grant=grant, reason="Changed my mind.", acting_user=performer.user)
    answer, replica_statements = _check(studio, performer.performer, grant.term_start)

    # The webhook says revoked, and so does the check, though the replica has not seen it.
    assert (answer["allowed"], replica_statements) == (False, 0)
    assert answer["reasons"][0]["code"] == "revoked"


def test_a_studio_reads_its_own_writes(standby, studio, other_studio, performer, agreement):
    create_request(other_studio.studio, performer.performer, agreement)
    _wait_replayed()
    _pause_replay()

    created = studio.client.post(REQUESTS, request_body(performer.performer, agreement), format="json")
    assert created.status_code == 201, created.content
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        listed = studio.client.get(REQUESTS)
    assert [r["id"] for r in listed.json()["results"]] == [created.json()["id"]]
    assert on_replica.captured_queries == []

    # Another studio, which wrote nothing, reads its list from the replica.
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        theirs = other_studio.client.get(REQUESTS)
    assert theirs.status_code == 200 and len(theirs.json()["results"]) == 1
    assert on_replica.captured_queries


def test_an_unreachable_replica_is_passed_over(standby, studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    _point_replica_at("127.0.0.1", 1)  # nothing listens there

    response = studio.client.post(CHECKS, _check_body(performer.performer, grant.term_start), format="json")

    assert response.status_code == 200 and response.json()["allowed"] is True
    assert not replica.freshness.usable()


def test_a_replica_that_fails_during_a_request_is_retried_on_the_primary(standby, studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    _wait_replayed()
    assert replica.freshness.usable()
    # The probe said fresh a moment ago; now the replica's address stops answering.
    connections[replica.REPLICA].close()
    connections[replica.REPLICA].settings_dict["PORT"] = 1

    response = studio.client.post(CHECKS, _check_body(performer.performer, grant.term_start), format="json")

    assert response.status_code == 200
    assert response.json()["allowed"] is True
    assert not replica.freshness.usable()


def test_status_lists_and_tokens_read_the_replica(standby, studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    token = studio.client.get(f"/api/v1/grants/{grant.public_id}/token")
    assert token.status_code == 200
    uri = token.json()["status"]["status_list"]["uri"]
    _wait_replayed()

    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        again = studio.client.get(f"/api/v1/grants/{grant.public_id}/token")
        listed = studio.client.get(urlsplit(uri).path)
    assert again.status_code == 200 and listed.status_code == 200
    tables = " ".join(q["sql"] for q in on_replica.captured_queries)
    assert "consent_consentgrant" in tables and "tokens_statuslistsnapshot" in tables


def test_a_list_the_replica_holds_unsigned_is_served_from_the_primary(standby):
    """Within the bound the replica may hold a list but not yet the snapshot the primary signed:
    the view re-signs under the list's lock on the primary, finds that snapshot there, and must
    read it there too (it read the replica again and answered 404)."""
    from django.test import Client

    from registry.tokens import services as token_services
    from registry.tokens.models import StatusList, StatusListSnapshot

    status_list = StatusList.objects.create(uri="https://registry.example/statuslists/replica-lag")
    _wait_replayed()
    _pause_replay()
    try:
        assert token_services.status_list_refresh(status_list_id=status_list.pk, force=True)  # the primary only
        assert replica.freshness.usable()  # the replica still answers: within the bound
        assert not _on_replica(
            f"SELECT count(*) FROM tokens_statuslistsnapshot WHERE status_list_id = {status_list.pk}"
        )[0]
        response = Client().get(f"/statuslists/{status_list.public_id}")
    finally:
        _resume_replay()
    assert response.status_code == 200, response.content
    assert response.content.decode() == StatusListSnapshot.objects.get(status_list=status_list).jwt
