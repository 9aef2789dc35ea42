"""Per-API-key throttling counted in Redis: 429 problem details with Retry-After."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from registry.api import throttling
from registry.api.throttling import ApiKeyRateThrottle, parse_rate
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_blocks_held():
    """Each test starts as a fresh process: no allowance taken from Redis yet."""
    throttling.forget()
    yield
    throttling.forget()


def _key_caller(prefix: str):
    """The request as the throttle sees it: a studio principal holding an API key."""
    from types import SimpleNamespace

    return SimpleNamespace(user=SimpleNamespace(api_key=SimpleNamespace(prefix=prefix)))


@pytest.fixture
def redis_throttle(settings, redis_url):
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url},
    }
    settings.API_THROTTLE_RATE = "3/min"
    return redis.Redis.from_url(redis_url)


def test_over_the_rate_a_key_gets_429_with_retry_after(redis_throttle, studio, other_studio):
    for _ in range(3):
        assert studio.client.get("/api/v1/me").status_code == 200

    response = studio.client.get("/api/v1/me")

    body = assert_problem(response, 429, "throttled")
    assert body["title"] == "Too many requests"
    assert 1 <= int(response["Retry-After"]) <= 60
    # The count lives in Redis, shared by every process, under this key's prefix.
    prefix = studio.studio.api_keys.get().prefix
    keys = redis_throttle.keys(f"*registry:throttle:{prefix}:*")
    assert len(keys) == 1
    assert int(redis_throttle.get(keys[0])) == 4
    assert 0 < redis_throttle.ttl(keys[0]) <= 61
    # Another key is counted on its own.
    assert other_studio.client.get("/api/v1/me").status_code == 200


def test_the_consent_check_is_throttled_too(redis_throttle, studio, performer):
    body = {
        "performer": performer.performer.public_id,
        "use": "replica_use",
        "project": {"kind": "picture", "title": "X", "production_number": "P-1"},
        "media": ["streaming"],
        "territory": ["US"],
    }
    codes = [studio.client.post("/api/v1/consent-checks/", body, format="json").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_sessions_are_not_throttled_per_key(redis_throttle, staff):
    assert {staff.client.get("/api/v1/strikes/").status_code for _ in range(5)} == {200}


def test_an_unreachable_throttle_cache_lets_requests_through(settings, studio):
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    settings.API_THROTTLE_RATE = "1/min"
    started = time.monotonic()
    assert [studio.client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
    # Only the first request tried the dead cache; the next ones did not wait for it.
    assert time.monotonic() - started < 2.5


def test_local_memory_counts_in_embedded_mode(settings, studio):
    settings.CACHES = {**settings.CACHES, "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.API_THROTTLE_RATE = "2/min"
    assert [studio.client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize(
    ("rate", "parsed"), [("6000/min", (6000, 60)), ("10/s", (10, 1)), ("100/hour", (100, 3600)), ("5/day", (5, 86400))]
)
def test_rates(rate, parsed):
    assert parse_rate(rate) == parsed


def test_the_default_rate_leaves_room_for_the_consent_check_benchmark(settings):
    # bench/consent_check sends about 1,000 checks a second over 20 keys: 3,000 a minute per key.
    limit, period = parse_rate(settings.API_THROTTLE_RATE)
    assert limit / period * 60 >= 2 * 3000


def test_a_process_takes_the_allowance_in_blocks_of_a_hundredth(redis_throttle, settings):
    settings.API_THROTTLE_RATE = "1000/min"
    prefix = f"blk{uuid.uuid4().hex[:8]}"
    request = _key_caller(prefix)
    assert all(ApiKeyRateThrottle().allow_request(request, None) for _ in range(25))
    [key] = redis_throttle.keys(f"*registry:throttle:{prefix}:*")
    assert int(redis_throttle.get(key)) == 30  # three blocks of 10 for 25 requests: three round trips


def test_blocks_never_let_a_key_past_its_limit(redis_throttle, settings):
    settings.API_THROTTLE_RATE = "500/min"
    request = _key_caller(f"lim{uuid.uuid4().hex[:8]}")
    throttle = ApiKeyRateThrottle()
    assert all(throttle.allow_request(request, None) for _ in range(500))
    assert not throttle.allow_request(request, None)
    assert 0 < throttle.wait() <= 60
    throttling.forget()  # another process, holding no block, is refused too
    assert not ApiKeyRateThrottle().allow_request(request, None)
