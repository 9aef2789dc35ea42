"""Rule 2.14: every consent check is kept as evidence, buffered in Redis and written in bulk;
staff, the studio and the performer read which studio checked what and when."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.conf import settings

from registry.consent import check_log
from registry.consent.models import ConsentCheckRecord
from tests.api.conftest import CALLERS, LAPSED
from tests.permissions import ACTS_FOR_NO_ONE, ANONYMOUS, matrix, refused

pytestmark = pytest.mark.django_db

CHECKS = "/api/v1/consent-checks/"
RECORDS = "/api/v1/consent-check-records/"
PROJECT = {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"}


def _check(caller, performer, **overrides):
    body = {
        "performer": performer.public_id,
        "use": "replica_use",
        "project": PROJECT,
        "media": ["streaming"],
        "territory": ["US"],
        **overrides,
    }
    response = caller.client.post(CHECKS, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_check_waits_in_redis_then_the_flush_keeps_it_whole(studio, consent_world):
    maya = consent_world.maya
    grant = consent_world.maya_grant

    # When: the studio checks a use inside the grant, and one outside it, asking a receipt.
    inside = _check(studio, maya, on=grant.term_start.isoformat(), role="Ana Reyes")
    outside = _check(studio, maya, on=grant.term_start.isoformat(), media=["radio"], record=True)

    # Then: both wait in the buffer, none is in the table yet (no write on the request path)...
    assert (check_log.check_log_pending(), ConsentCheckRecord.objects.count()) == (2, 0)
    # ...and the flush moves them, in the order they were made.
    assert check_log.check_log_flush() == 2
    assert check_log.check_log_pending() == 0
    first, second = ConsentCheckRecord.objects.order_by("id")
    assert (first.studio, first.performer, first.use, first.production_number, first.on) == (
        studio.studio,
        maya,
        "replica_use",
        "NLP-2027-004",
        grant.term_start,
    )
    assert (first.allowed, first.grant_ref, first.reasons, first.receipt) == (True, grant.public_id, [], None)
    assert first.statement == {
        "title": "The Long Night",
        "media": ["streaming"],
        "territory": ["US"],
        "role": "Ana Reyes",
        "intended_use": "",
        "sensitive_content": [],
        "realtime_generation": False,
        "exemption": None,
    }
    assert (inside["allowed"], outside["allowed"]) == (True, False)
    assert (second.allowed, second.grant_ref, second.reasons) == (False, "", ["outside_scope:media"])
    # The receipt of a check asked to be recorded is its audit event, kept with it.
    assert second.receipt == outside["receipt"] is not None


def test_a_flush_repeated_after_a_crash_stores_each_check_once(studio, consent_world):
    _check(studio, consent_world.maya)
    _check(studio, consent_world.maya, use="training")
    client = check_log._redis()
    # Given: a flush that stored the lines but died before trimming the list.
    lines = [json.loads(raw) for raw in client.lrange(settings.CHECK_LOG_KEY, 0, -1)]
    check_log._store(lines)

    # When: the next flush runs.
    moved = check_log.check_log_flush()

    # Then: it empties the buffer and skips the lines already stored.
    assert (moved, check_log.check_log_pending(), ConsentCheckRecord.objects.count()) == (2, 0, 2)


def test_one_flusher_at_a_time(studio, consent_world):
    _check(studio, consent_world.maya)
    check_log._redis().set(f"{settings.CHECK_LOG_KEY}:flush", "another flusher", ex=60)

    assert check_log.check_log_flush() == 0
    assert (check_log.check_log_pending(), ConsentCheckRecord.objects.count()) == (1, 0)


def test_a_process_gathers_checks_and_pushes_them_in_one_go(studio, consent_world, settings):
    settings.CHECK_LOG_PROCESS_BATCH = 3
    _check(studio, consent_world.maya)
    _check(studio, consent_world.maya)
    # Two checks wait in this process (a timer would push them within a second)...
    assert check_log.check_log_pending() == 0
    # ...the third fills the batch: one RPUSH of all three.
    _check(studio, consent_world.maya)
    assert check_log.check_log_pending() == 3


def test_a_lone_check_is_pushed_within_a_second_by_the_pusher_thread(studio, consent_world, settings):
    settings.CHECK_LOG_PROCESS_BATCH = 50
    _check(studio, consent_world.maya)
    assert check_log.check_log_pending() == 0

    deadline = time.monotonic() + 5
    while check_log.check_log_pending() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)

    assert check_log.check_log_pending() == 1
    pushers = [t for t in threading.enumerate() if t.name == "check-log-pusher"]
    assert len(pushers) == 1  # one a process, however many batches


def test_many_batches_start_no_thread_each(studio, consent_world, settings):
    settings.CHECK_LOG_PROCESS_BATCH = 2
    _check(studio, consent_world.maya)  # the pusher starts with the first line, if not already
    threads = threading.active_count()
    for _ in range(6):
        _check(studio, consent_world.maya)
    assert threading.active_count() == threads
    assert check_log.check_log_pending() >= 6


def test_without_redis_a_check_is_written_at_once(studio, consent_world, settings, monkeypatch):
    # Embedded mode: no Redis configured.
    settings.CHECK_LOG_REDIS_URL = ""
    monkeypatch.setattr(check_log, "_client", None)

    _check(studio, consent_world.maya)

    assert ConsentCheckRecord.objects.filter(studio=studio.studio, performer=consent_world.maya).count() == 1


def test_a_refused_check_body_is_not_kept(studio, consent_world):
    response = studio.client.post(
        CHECKS, {"performer": consent_world.maya.public_id, "use": "replica_use", "project": PROJECT}, format="json"
    )

    assert response.status_code == 400
    assert check_log.check_log_pending() == 0


# --- Who reads them -------------------------------------------------------------------------
def _visible(world, caller):
    maya, sam, leo = world.maya.public_id, world.sam.public_id, "leo"
    everyone = sorted([maya, sam, leo])
    return {
        "owner": [maya],
        "other_performer": [leo],
        "studio": sorted([maya, sam]),
        "other_studio": [leo],
        "staff": everyone,
        "analyst": everyone,
        "anonymous": ANONYMOUS,
        "guardian_own": [sam],
        "guardian_other": [sam],
        "minor_self": [sam],
        **dict.fromkeys(LAPSED, ACTS_FOR_NO_ONE),
    }[caller]


@pytest.fixture
def checked(consent_world, studio, other_studio, other_performer):
    """Three checks kept: the studio asked about Maya and Sam, the other studio about Leo."""
    _check(studio, consent_world.maya)
    _check(studio, consent_world.sam)
    _check(other_studio, other_performer.performer)
    check_log.check_log_flush()
    return other_performer.performer.public_id


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, dict.fromkeys(CALLERS)))
def test_who_reads_the_kept_checks(consent_world, consent_clients, checked, caller, expected):
    expected = _visible(consent_world, caller)
    before = ConsentCheckRecord.objects.count()

    response = consent_clients[caller].get(RECORDS)

    if isinstance(expected, list):
        assert response.status_code == 200, response.content
        performers = sorted("leo" if r["performer"] == checked else r["performer"] for r in response.json()["results"])
        assert performers == expected
    else:
        refused(response, expected, before, ConsentCheckRecord.objects.count)


def test_staff_filter_the_kept_checks_by_performer_and_page_them(consent_world, consent_clients, checked):
    page = consent_clients["staff"].get(RECORDS, {"performer": consent_world.maya.public_id, "page_size": 1})

    assert page.status_code == 200, page.content
    body = page.json()
    assert [(r["performer"], r["studio_name"], r["use"]) for r in body["results"]] == [
        (consent_world.maya.public_id, "Northlight Pictures", "replica_use")
    ]
    assert body["next"] is None


def test_a_check_runs_with_the_cyclic_collector_paused_and_resumes_it(studio, consent_world, monkeypatch):
    import gc

    from registry.consent import selectors

    seen = []
    real = selectors.consent_check_by_reference

    def spy(**kwargs):
        seen.append(gc.isenabled())
        return real(**kwargs)

    monkeypatch.setattr(selectors, "consent_check_by_reference", spy)
    assert gc.isenabled()
    assert "allowed" in _check(studio, consent_world.maya)
    assert seen == [False]
    assert gc.isenabled()
