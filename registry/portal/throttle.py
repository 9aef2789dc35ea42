"""Sign-in throttling with Django's cache: after repeated failures an account (and, more
loosely, an address) is refused for a while, whatever the password.

Counts live in the "throttle" cache, the one the API's rate limits use: Redis in service mode,
so every gunicorn worker and machine counts the same failures; local memory in embedded mode.
If Redis is unreachable, sign-in still works, unthrottled, and says so in the log: locking
every performer out because a counter is down would be worse.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import caches

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 15 * 60
# Failures for one account name before it is locked for the window.
ACCOUNT_LIMIT = 5
# Failures from one client address (many account names) before it is locked.
ADDRESS_LIMIT = 30


@dataclass(frozen=True)
class Lock:
    minutes: int


def _key(kind: str, value: str) -> str:
    # Hashed: cache keys must be short and safe, and an account name is not logged in clear.
    digest = hashlib.sha256(value.strip().casefold().encode()).hexdigest()[:32]
    return f"portal:signin:{kind}:{digest}"


def _cache():
    return caches["throttle"]


def _count(key: str) -> int:
    try:
        return int(_cache().get(key, 0))
    except Exception:  # the counter store is down: do not lock everyone out
        logger.warning("sign-in throttle cache unavailable; not throttling", exc_info=True)
        return 0


def lock_for(*, username: str, address: str | None) -> Lock | None:
    """The lock in force for this account name or address, or None."""
    if username and _count(_key("account", username)) >= ACCOUNT_LIMIT:
        return Lock(minutes=WINDOW_SECONDS // 60)
    if address and _count(_key("address", address)) >= ADDRESS_LIMIT:
        return Lock(minutes=WINDOW_SECONDS // 60)
    return None


def record_failure(*, username: str, address: str | None) -> None:
    for kind, value in (("account", username), ("address", address)):
        if not value:
            continue
        key = _key(kind, value)
        cache = _cache()
        try:
            # add() starts the window once; incr() keeps its expiry, so the window is fixed.
            if not cache.add(key, 1, WINDOW_SECONDS):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add() and incr()
                    cache.add(key, 1, WINDOW_SECONDS)
        except Exception:
            logger.warning("sign-in throttle cache unavailable; failure not counted", exc_info=True)


def clear(*, username: str) -> None:
    try:
        _cache().delete(_key("account", username))
    except Exception:
        logger.warning("sign-in throttle cache unavailable; count not cleared", exc_info=True)
