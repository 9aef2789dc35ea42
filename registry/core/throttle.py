"""Attempt limits for people (not API keys): after too many attempts within a window, an account
(and, more loosely, a client address) is refused until the window is over, whatever it sends.

Three limits share this one mechanism: signing in (the portal and the admin count the same
failures, so the two sign-in pages do not double an attacker's guesses), asking for a password
reset, and confirming a date of birth on an invitation. Addresses come from
`registry.core.addresses.client_address`, so behind proxies each client is counted, not the proxy.

Counts live in the "throttle" cache, the one the API's rate limits use: Redis in service mode,
so every gunicorn worker and machine counts the same attempts; local memory in embedded mode.
If Redis is unreachable, people are let through, unthrottled, and the log says so: locking
every performer out because a counter is down would be worse.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

from django.core.cache import caches

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most `per_account` attempts for one account and `per_address` from one client address
    (across accounts) in a fixed window of `window_seconds`."""

    name: str
    per_account: int
    per_address: int
    window_seconds: int

    @property
    def minutes(self) -> int:
        return math.ceil(self.window_seconds / 60)


# Failed sign-ins, on the portal and at /admin/login/ alike.
SIGN_IN = Limit("signin", per_account=5, per_address=30, window_seconds=15 * 60)
# Password-reset requests, counted whether or not the address has an account (the answer must
# not tell): each one sends an email, so a few an hour is plenty.
PASSWORD_RESET = Limit("password-reset", per_account=3, per_address=20, window_seconds=60 * 60)
# Wrong dates of birth on an invitation link: the date is what proves the link reached the
# performer, and there are only some 36,500 of them in a century.
BIRTH_DATE = Limit("birth-date", per_account=5, per_address=30, window_seconds=60 * 60)


@dataclass(frozen=True)
class Lock:
    minutes: int


def _key(limit: Limit, kind: str, value: str) -> str:
    # Hashed: cache keys must be short and safe, and an account name is not logged in clear.
    digest = hashlib.sha256(value.strip().casefold().encode()).hexdigest()[:32]
    return f"attempts:{limit.name}:{kind}:{digest}"


def _cache():
    return caches["throttle"]


def _count(key: str) -> int:
    try:
        return int(_cache().get(key, 0))
    except Exception:  # the counter store is down: do not lock everyone out
        logger.warning("attempt throttle cache unavailable; not throttling", exc_info=True)
        return 0


def lock_for(limit: Limit, *, account: str, address: str | None) -> Lock | None:
    """The lock in force for this account or this address, or None."""
    if account and _count(_key(limit, "account", account)) >= limit.per_account:
        return Lock(minutes=limit.minutes)
    if address and _count(_key(limit, "address", address)) >= limit.per_address:
        return Lock(minutes=limit.minutes)
    return None


def record(limit: Limit, *, account: str, address: str | None) -> None:
    """Count one attempt against the account and the address."""
    for kind, value in (("account", account), ("address", address)):
        if not value:
            continue
        key = _key(limit, kind, value)
        cache = _cache()
        try:
            # add() starts the window once; incr() keeps its expiry, so the window is fixed.
            if not cache.add(key, 1, limit.window_seconds):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add() and incr()
                    cache.add(key, 1, limit.window_seconds)
        except Exception:
            logger.warning("attempt throttle cache unavailable; attempt not counted", exc_info=True)


def clear(limit: Limit, *, account: str) -> None:
    """Forget the account's attempts (it proved itself); the address's count stays."""
    try:
        _cache().delete(_key(limit, "account", account))
    except Exception:
        logger.warning("attempt throttle cache unavailable; count not cleared", exc_info=True)
