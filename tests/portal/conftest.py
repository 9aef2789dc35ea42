"""Portal fixtures: a browser-like client for each kind of caller, and a request and a grant
of the `performer` fixture made through the real services."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from registry.parties.models import Representative
from registry.parties.services import representative_authorise
from tests.conftest import SYSTEM
from tests.consent.factories import accept, create_request


@pytest.fixture(autouse=True)
def _fresh_throttle_cache(settings, request):
    """Sign-in throttling counts in the "throttle" cache; each test counts in a cache of its own
    (a fresh local-memory one, or for tests marked `redis`, the real Redis under a key prefix
    of its own), so fixture accounts start from zero. Clearing Redis would flush the broker."""
    if request.node.get_closest_marker("redis"):
        url = request.getfixturevalue("redis_url")
        throttle = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    else:
        throttle = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    settings.CACHES = {**settings.CACHES, "throttle": throttle}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner(performer) -> Client:
    """The performer the records belong to, signed in."""
    return client_for(performer.user)


@pytest.fixture
def stranger(other_performer) -> Client:
    """Another performer, signed in."""
    return client_for(other_performer.user)


@pytest.fixture
def agent_rep(performer) -> Representative:
    user = get_user_model().objects.create_user(
        username="priya", password="pw-for-tests-1", first_name="Priya", last_name="Shah"
    )
    return representative_authorise(
        performer=performer.performer,
        kind="agent",
        name="Priya Shah",
        email="priya@agency.example",
        user=user,
        valid_from=dt.date(2020, 1, 1),
        authority_document="Agency agreement 2020-17",
        actor=SYSTEM,
    )


@pytest.fixture
def agent(agent_rep) -> Client:
    """An agent authorised for the `performer` fixture, signed in."""
    return client_for(agent_rep.user)


@pytest.fixture
def staff_client(staff) -> Client:
    return client_for(staff.user)


@pytest.fixture
def unlinked(db) -> Client:
    """A signed-in account that is neither staff nor a performer nor a representative (the
    nearest thing to a studio person with a login: studios themselves only use API keys)."""
    user = get_user_model().objects.create_user(username="studio-person", password="pw-for-tests-1")
    return client_for(user)


@pytest.fixture
def anon() -> Client:
    return Client()


@pytest.fixture
def pending_request(studio, performer, agreement):
    return create_request(studio.studio, performer.performer, agreement)


@pytest.fixture
def grant(studio, performer, agreement):
    """A live grant of the performer, starting today (so its token is valid now)."""
    from django.utils import timezone

    start = timezone.localdate()
    req = create_request(
        studio.studio,
        performer.performer,
        agreement,
        project={"kind": "picture", "title": "Harbour Lights", "production_number": "NLP-2027-009"},
        description={"term_start": start.isoformat(), "term_end": (start + dt.timedelta(days=365)).isoformat()},
    )
    return accept(req)
