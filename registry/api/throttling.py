"""Rate limits per API key: a fixed-window counter in the "throttle" cache (Redis in service mode).

Each process takes a key's allowance from Redis in blocks of 1% of the limit (INCRBY, and EXPIRE
on a window's first count, in one short script) and spends it locally, so a studio's 6,000
requests a minute cost 100 Redis round trips, not 6,000: about 3 µs of CPU a request instead of
70 µs for a round trip each (measured with bench/consent_check/profile_check.py). The limit is
never exceeded: a block is granted only up to what is left of the window. The cost is that a
process's unspent part of a block is counted anyway, so a key spread over many processes may be
refused up to 1% of the limit per process early. Limits under 100 take one count at a time.

DRF's SimpleRateThrottle keeps a list of timestamps per client (a read and a write of the whole
list each request), too costly at thousands of requests a minute per key. Sessions (performers,
staff) and anonymous calls are not limited here; the portal limits sign-in separately.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
# A process takes 1/BLOCK_SHARE of a key's limit from Redis at a time.
BLOCK_SHARE = 100

# INCRBY the block, and EXPIRE on the window's first block: one round trip.
_TAKE_SCRIPT = (
    "local c = redis.call('INCRBY', KEYS[1], ARGV[2]) "
    "if c == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return c"
)

# After a cache failure, requests pass without trying it again until then (a down Redis would
# otherwise cost every request its connect timeout).
_CACHE_RETRY_SECONDS = 5.0
_cache_down_until = 0.0

# This process's unspent allowance: counter key -> requests left in the block it took.
_allowance: dict[str, int] = {}
_lock = threading.Lock()


@functools.cache
def parse_rate(rate: str) -> tuple[int, int]:
    """'6000/min' -> (6000, 60)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


def _script(cache: RedisCache):
    """The script bound to the cache's Redis client, made once per cache object: Django's
    RedisCache builds a new client object on every call (~60 µs of CPU)."""
    script = getattr(cache, "_registry_throttle_script", None)
    if script is None:
        script = cache._cache.get_client(write=True).register_script(_TAKE_SCRIPT)
        cache._registry_throttle_script = script
    return script


def _spend_local(key: str) -> bool:
    with _lock:
        left = _allowance.get(key, 0)
        if left > 0:
            _allowance[key] = left - 1
            return True
    return False


def _take(key: str, limit: int, ttl: int) -> bool:
    """One request against `limit` for the window `key` names."""
    cache = caches["throttle"]
    if not isinstance(cache, RedisCache):
        # Local memory (embedded mode): counts per process, which is what one process needs.
        cache.add(key, 0, ttl)
        try:
            return cache.incr(key) <= limit
        except ValueError:  # expired between add and incr
            cache.set(key, 1, ttl)
            return True
    if _spend_local(key):
        return True
    block = max(1, limit // BLOCK_SHARE)
    total = int(_script(cache)(keys=[key], args=[ttl, block]))
    granted = min(block, limit - (total - block))
    if granted <= 0:
        return False
    with _lock:
        # Blocks of past windows are dropped as the first block of a new one is taken.
        prefix = key.rsplit(":", 1)[0]
        for stale in [k for k in _allowance if k.startswith(prefix) and k != key]:
            del _allowance[stale]
        _allowance[key] = _allowance.get(key, 0) + granted - 1
    return True


def forget() -> None:
    """Drop this process's unspent blocks and cache-outage memory (tests start each afresh)."""
    global _cache_down_until
    with _lock:
        _allowance.clear()
        _cache_down_until = 0.0


class ApiKeyRateThrottle(BaseThrottle):
    """API_THROTTLE_RATE requests per key per window; over it, 429 with Retry-After."""

    def allow_request(self, request, view) -> bool:
        api_key = getattr(request.user, "api_key", None)
        if api_key is None:
            return True
        limit, period = parse_rate(settings.API_THROTTLE_RATE)
        now = time.time()
        window = int(now // period)
        self._wait = period - (now % period)
        global _cache_down_until
        if now < _cache_down_until:
            return True
        try:
            return _take(f"registry:throttle:{api_key.prefix}:{limit}/{period}:{window}", limit, period + 1)
        except Exception:  # a cache outage must not take the API down with it
            logger.warning(
                "throttle cache unavailable; requests allowed for %s s", _CACHE_RETRY_SECONDS, exc_info=True
            )
            _cache_down_until = now + _CACHE_RETRY_SECONDS
            return True

    def wait(self) -> float:
        return self._wait
