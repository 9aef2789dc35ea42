"""Rate limits per API key: a fixed-window counter in the "throttle" cache.

One Redis round trip a request (a short script: INCR, and EXPIRE on a window's first count),
about 35 µs of CPU in the web process, so the consent check, which studios call most, pays
little for it. DRF's SimpleRateThrottle keeps a list of timestamps per client (a read and a
write of the whole list each request), too costly at thousands of requests a minute per key.
Sessions (performers, staff) and anonymous calls are not limited here; the portal limits
sign-in separately.
"""

from __future__ import annotations

import functools
import logging
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


@functools.cache
def parse_rate(rate: str) -> tuple[int, int]:
    """'6000/min' -> (6000, 60)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


# INCR, and EXPIRE on the first count of a window: one round trip, one command to parse.
_INCR_SCRIPT = (
    "local c = redis.call('INCR', KEYS[1]) if c == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return c"
)


def _redis_script(cache: RedisCache):
    """The counting script bound to the cache's Redis client, made once per cache object:
    Django's RedisCache builds a new client object on every call (~60 µs of CPU)."""
    script = getattr(cache, "_registry_throttle_script", None)
    if script is None:
        client = cache._cache.get_client(write=True)
        script = client.register_script(_INCR_SCRIPT)
        cache._registry_throttle_script = script
    return script


def _incr(key: str, ttl: int) -> int:
    cache = caches["throttle"]
    if isinstance(cache, RedisCache):
        return int(_redis_script(cache)(keys=[key], args=[ttl]))
    # Local memory (embedded mode): per process, which is what one process needs.
    cache.add(key, 0, ttl)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        return 1


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
        try:
            count = _incr(f"registry:throttle:{api_key.prefix}:{period}:{window}", period + 1)
        except Exception:  # a cache outage must not take the API down with it
            logger.warning("throttle cache unavailable; request allowed", exc_info=True)
            return True
        return count <= limit

    def wait(self) -> float:
        return self._wait
