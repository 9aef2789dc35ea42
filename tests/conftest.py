"""Fixtures shared by every test: one of each kind of caller, and the real services."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from registry.audit.testing import purge_audit_log
from registry.core.actors import Actor
from registry.parties import roles
from registry.parties.models import Jurisdiction, Performer, Studio
from registry.parties.services import api_key_issue, representative_authorise
from registry.terms.models import Agreement

IN_CI = os.environ.get("CI", "").lower() == "true"


def service_missing(what: str) -> None:
    """Outside CI a missing service skips the test; under CI=true it fails the run."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not available")
    pytest.skip(f"{what} not available")


@pytest.fixture
def require_postgres(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        service_missing("PostgreSQL (set DATABASE_URL)")


def second_postgres_connection(*, dbname: str | None = None, autocommit: bool = False):
    """A psycopg connection of its own to the test database's server (another session: to hold
    locks against, terminate backends from, or reach the `postgres` database with)."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    dsn = {k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
    if dbname is not None:
        dsn["dbname"] = dbname
    return psycopg.connect(**dsn, autocommit=autocommit)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL")
    if not url:
        service_missing("Redis (set REDIS_URL)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        service_missing(f"Redis at {url}")
    return url


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _empty_audit_log_before_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """A transactional test ends with a flush, which the append-only triggers refuse while
    audit rows exist: empty the table first."""
    if not _is_transactional(request):
        yield
        return
    # Depending on transactional_db makes this teardown run before its flush.
    request.getfixturevalue("transactional_db")
    yield
    purge_audit_log()


@pytest.fixture(autouse=True)
def _celery_in_process(request: pytest.FixtureRequest) -> Iterator[None]:
    """Unit tests run tasks in process even when REDIS_URL is set; tests marked `real_worker`
    talk to a real broker and worker instead."""
    from config.celery import app

    if request.node.get_closest_marker("real_worker"):
        yield
        return
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Every caller fixture makes a user with a password; PBKDF2 costs ~0.35 s a user. Tests
    check who may do what, not the hash, so a fast hasher changes nothing they assert."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_throttle_counters(settings) -> None:
    """API and sign-in throttles count in the "throttle" cache, Redis when REDIS_URL is set; each
    test counts under a key prefix of its own, so no test (or earlier run) spends another's
    allowance or locks a fixture account out. Clearing the cache instead would flush Redis."""
    throttle = dict(settings.CACHES["throttle"])
    throttle["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "throttle": throttle}


@pytest.fixture(autouse=True)
def _own_check_log(settings) -> Iterator[None]:
    """Consent checks wait in a Redis list before the flush writes them (registry/consent/
    check_log.py); each test buffers under a key of its own, removed after it."""
    settings.CHECK_LOG_KEY = f"test-check-log-{uuid.uuid4().hex}"
    # Each check goes to Redis at once, so a test reads what its own checks buffered.
    settings.CHECK_LOG_PROCESS_BATCH = 1
    yield
    from registry.consent import check_log

    client = check_log._redis()
    if client is not None:
        # What this process still holds goes under this test's key, and away with it (the pusher
        # thread would otherwise send it later, under the next test's).
        check_log.check_log_push()
        client.delete(settings.CHECK_LOG_KEY, f"{settings.CHECK_LOG_KEY}:flush")


@pytest.fixture(autouse=True)
def _no_remembered_api_keys() -> Iterator[None]:
    """Each test starts with an empty cache of recently authenticated keys: a key one test
    authenticated must not outlive that test's rolled-back rows."""
    from registry.parties.services import recent_keys

    recent_keys.forget()
    yield
    recent_keys.forget()


SYSTEM = Actor.system("tests")


@pytest.fixture
def actor() -> Actor:
    return SYSTEM


@pytest.fixture
def agreement(db) -> Agreement:
    from tests.pricing_data import give_reference_pricing

    return give_reference_pricing(
        Agreement.objects.create(
            code="test-tvth",
            name="Test TV/Theatrical",
            sector="tv_theatrical",
            effective_from=dt.date(2023, 11, 9),
            effective_to=dt.date(2030, 6, 30),
        )
    )


@dataclass
class StudioCaller:
    studio: Studio
    secret: str
    client: APIClient


def _studio_caller(name: str, agreement: Agreement, scopes=None) -> StudioCaller:
    studio = Studio.objects.create(legal_name=name)
    studio.agreements.add(agreement)
    _, secret = api_key_issue(studio=studio, name="test", scopes=scopes, actor=SYSTEM)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return StudioCaller(studio=studio, secret=secret, client=client)


@pytest.fixture
def studio(agreement) -> StudioCaller:
    return _studio_caller("Northlight Pictures", agreement)


@pytest.fixture
def other_studio(agreement) -> StudioCaller:
    return _studio_caller("Rival Pictures", agreement)


@pytest.fixture
def make_studio_caller(agreement):
    return lambda name, scopes=None: _studio_caller(name, agreement, scopes)


def _user(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password="pw-for-tests-1", **extra)


def login_of(performer: Performer):
    """The performer's own portal login, made on first use: services that act for a performer
    take the acting user and check their authority, as a portal or API request would."""
    if performer.user_id is None:
        performer.user = _user(f"login-{performer.public_id}")
        performer.save(update_fields=["user"])
    return performer.user


def _client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@dataclass
class PersonCaller:
    user: object
    client: APIClient
    performer: Performer | None = None


@pytest.fixture
def performer(db) -> PersonCaller:
    user = _user("maya", first_name="Maya", last_name="Okafor")
    performer = Performer.objects.create(
        member_number="SAG-1",
        legal_name="Maya Okafor",
        date_of_birth=dt.date(1988, 3, 14),
        user=user,
    )
    return PersonCaller(user=user, client=_client_for(user), performer=performer)


@pytest.fixture
def other_performer(db) -> PersonCaller:
    user = _user("leo", first_name="Leo", last_name="Brandt")
    performer = Performer.objects.create(
        member_number="SAG-2",
        legal_name="Leo Brandt",
        date_of_birth=dt.date(1975, 11, 2),
        user=user,
    )
    return PersonCaller(user=user, client=_client_for(user), performer=performer)


@pytest.fixture
def minor_with_guardian(db) -> PersonCaller:
    """A minor performer and the guardian's caller (the guardian signs in, not the child)."""
    minor = Performer.objects.create(
        member_number="SAG-3", legal_name="Sam Rivera", date_of_birth=dt.date(2014, 6, 30)
    )
    guardian = _user("elena", first_name="Elena", last_name="Rivera")
    representative_authorise(
        performer=minor,
        kind="guardian",
        name="Elena Rivera",
        user=guardian,
        valid_from=dt.date(2020, 1, 1),
        authority_document="Birth certificate",
        actor=SYSTEM,
    )
    return PersonCaller(user=guardian, client=_client_for(guardian), performer=minor)


@pytest.fixture
def minor_self(minor_with_guardian) -> PersonCaller:
    """The minor of `minor_with_guardian` signed in with a login of their own (view, not act)."""
    minor = minor_with_guardian.performer
    minor.user = _user("sam", first_name="Sam", last_name="Rivera")
    minor.save(update_fields=["user"])
    return PersonCaller(user=minor.user, client=_client_for(minor.user), performer=minor)


# Callers whose mandate was valid when recorded but gives no authority today (issue 16): each
# `performer` is the one they once acted for.
def _lapsed(username: str, name: str, performer: Performer, kind: str, valid_from: dt.date) -> PersonCaller:
    user = _user(username, first_name=name.split()[0], last_name=name.split()[-1])
    representative_authorise(
        performer=performer,
        kind=kind,
        name=name,
        user=user,
        valid_from=valid_from,
        authority_document="Recorded for the tests",
        actor=SYSTEM,
    )
    return PersonCaller(user=user, client=_client_for(user), performer=performer)


@pytest.fixture
def former_guardian(db) -> PersonCaller:
    """The guardian of Ada Moreno, who came of age on 1 March 2026."""
    ada = Performer.objects.create(member_number="SAG-4", legal_name="Ada Moreno", date_of_birth=dt.date(2008, 3, 1))
    ada.user = _user("ada-moreno", first_name="Ada", last_name="Moreno")
    ada.save(update_fields=["user"])
    return _lapsed("gus", "Gus Moreno", ada, "guardian", dt.date(2015, 1, 1))


@pytest.fixture
def agent_of_deceased(db) -> PersonCaller:
    """The agent of Harold Vance, who died on 1 May 2025 (a Californian: the estate acts now)."""
    harold = Performer.objects.create(
        member_number="SAG-5",
        legal_name="Harold Vance",
        date_of_birth=dt.date(1941, 2, 3),
        date_of_death=dt.date(2025, 5, 1),
        jurisdiction=Jurisdiction.objects.get(code="us-ca"),
    )
    return _lapsed("agnes", "Agnes Hale", harold, "agent", dt.date(2015, 1, 1))


@pytest.fixture
def estate_of_living(db) -> PersonCaller:
    """An estate executor for Nora Quinn, recorded after a death the union later found to be a
    mistake: her death record was corrected, so the estate has no authority."""
    nora = Performer.objects.create(
        member_number="SAG-6",
        legal_name="Nora Quinn",
        date_of_birth=dt.date(1960, 7, 7),
        date_of_death=dt.date(2024, 1, 10),
    )
    caller = _lapsed("ed", "Ed Quinn", nora, "estate", dt.date(2024, 2, 1))
    Performer.objects.filter(pk=nora.pk).update(date_of_death=None)
    nora.refresh_from_db()
    nora.user = _user("nora", first_name="Nora", last_name="Quinn")
    nora.save(update_fields=["user"])
    return PersonCaller(user=caller.user, client=caller.client, performer=nora)


def _staff(username: str, role: str):
    roles.sync_staff_groups()
    user = _user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def staff(db) -> PersonCaller:
    user = _staff("ada", roles.UNION_ADMIN)
    return PersonCaller(user=user, client=_client_for(user))


@pytest.fixture
def analyst(db) -> PersonCaller:
    user = _staff("ana", roles.UNION_ANALYST)
    return PersonCaller(user=user, client=_client_for(user))


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def api_clients(performer, other_performer, studio, other_studio, staff, analyst, anonymous) -> dict[str, APIClient]:
    """An API client for each of the kinds of caller every permission matrix names (a performer,
    another performer, the studio, another studio, a union admin, a union analyst, anonymous);
    each folder's matrix adds the callers its endpoints also concern."""
    return {
        "performer": performer.client,
        "other_performer": other_performer.client,
        "studio": studio.client,
        "other_studio": other_studio.client,
        "staff": staff.client,
        "analyst": analyst.client,
        "anonymous": anonymous,
    }
