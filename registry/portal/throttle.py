"""Sign-in throttling with Django's cache: after repeated failures an account (and, more
loosely, an address) is refused for a while, whatever the password.

Counts live in the default cache. With the local-memory cache each gunicorn worker counts on
its own, which still bounds guessing to workers × limit per window; a shared cache (Redis)
makes the bound exact.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache

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


def _count(key: str) -> int:
    return int(cache.get(key, 0))


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
        # add() starts the window once; incr() keeps its expiry, so the window is fixed.
        if not cache.add(key, 1, WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.add(key, 1, WINDOW_SECONDS)


def clear(*, username: str) -> None:
    cache.delete(_key("account", username))
