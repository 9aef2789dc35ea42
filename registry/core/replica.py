"""Reads that tolerate a bounded staleness go to a streaming replica of PostgreSQL.

With `DATABASE_REPLICA_URL` set, the views marked `@replica_reads` (consent checks, token
fetches, status lists, API lists) read from the "replica" alias, and everything else from the
primary. The promise to a caller: nothing they read is more than `REPLICA_MAX_LAG_SECONDS`
behind the primary, and they always read what they themselves changed. So a read goes to the
primary instead whenever

- the replica is unreachable, or cannot be shown to be within the bound (`_Freshness`);
- the request has written, or is inside a transaction on the primary (a service reading what
  it is about to change, `select_for_update`), or the replica failed during the request (it is
  run again on the primary: a replica-read view writes nothing before its reads);
- the caller changed something within the bound (`pin`, set after every successful write
  request), or one of their consents changed within the status list's lifetime (`pin` from the
  consent services), so a studio told by webhook that a grant was revoked is never answered by
  a replica that has not seen it yet.

How freshness is known: four times per lag bound (`probe_interval`) a process samples the primary's WAL
position, then the replica's replay position. The replica has replayed everything committed
before the latest sample whose position it has reached; it is "fresh as of" that sample's time.
A replica whose replay is paused, whose stream broke, or which is slow, stops advancing and so
stops being used once that time is older than the bound: a revoked grant is never answered as
allowed by it more than the bound after the revocation. Without a replica all of this is idle:
the router answers None (Django's default database) and no probe runs.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
PIN_PREFIX = "replica-pin:"


@dataclass
class _RequestState:
    """What the router knows about the request being served in replica-read mode."""

    pinned: bool
    wrote: bool = False
    used_replica: bool = False
    refused: bool = False  # the replica failed during this request


_state: contextvars.ContextVar[_RequestState | None] = contextvars.ContextVar("replica_reads", default=None)


def configured() -> bool:
    return settings.READ_REPLICA


# --- Pins: callers who read the primary for a while ---------------------------------------------
def principal_key(user) -> str | None:
    """The key a caller is pinned under: a studio (an API key's principal) or a person."""
    studio = getattr(user, "studio", None)
    if studio is not None and getattr(user, "api_key", None) is not None:
        return f"studio:{studio.pk}"
    if getattr(user, "is_authenticated", False) and getattr(user, "pk", None) is not None:
        return f"user:{user.pk}"
    return None


def pin(key: str | None, *, seconds: float | None = None) -> None:
    """Send `key`'s replica reads to the primary for `seconds` (default: the lag bound)."""
    if key is None or not configured():
        return
    seconds = settings.REPLICA_MAX_LAG_SECONDS if seconds is None else seconds
    try:
        caches["shared"].set(PIN_PREFIX + key, 1, timeout=max(1, int(seconds + 0.999)))
    except Exception:
        logger.warning("replica pin not recorded for %s", key, exc_info=True)


def pin_studio(studio_id: int, *, seconds: float) -> None:
    pin(f"studio:{studio_id}", seconds=seconds)


def _pinned(key: str | None) -> bool:
    if key is None:
        return False
    try:
        return caches["shared"].get(PIN_PREFIX + key) is not None
    except Exception:
        return True


# --- Freshness -----------------------------------------------------------------------------------
def probe_interval() -> float:
    """Samples a quarter of the bound apart: on a primary that never stops writing the replica is
    never level with the newest sample, but soon past the one before, a quarter of the bound old."""
    return settings.REPLICA_MAX_LAG_SECONDS / 4


def _lsn(text: str | None) -> int | None:
    """A pg_lsn ('16/B374D848') as a number, to compare positions."""
    if not text:
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


class _Freshness:
    """Per process: how far behind the replica is, sampled at most once a `probe_interval()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._samples: deque[tuple[float, int]] = deque(maxlen=64)  # (monotonic time, primary LSN)
        self._fresh_as_of: float | None = None

    def reset(self) -> None:
        with self._lock:
            self._checked_at = float("-inf")
            self._samples.clear()
            self._fresh_as_of = None

    def mark_down(self) -> None:
        with self._lock:
            self._fresh_as_of = None
            self._checked_at = time.monotonic()

    def usable(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at >= probe_interval() and self._lock.acquire(blocking=False):
            try:
                self._probe(now)
            finally:
                self._checked_at = now
                self._lock.release()
        fresh = self._fresh_as_of
        return fresh is not None and time.monotonic() - fresh <= settings.REPLICA_MAX_LAG_SECONDS

    def _probe(self, now: float) -> None:
        try:
            with connections[PRIMARY].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_lsn()::text")
                self._samples.append((now, _lsn(cursor.fetchone()[0])))
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
                in_recovery, replayed = cursor.fetchone()
        except DatabaseError:
            logger.warning("replica unreachable: reading from the primary", exc_info=True)
            connections[REPLICA].close()
            self._fresh_as_of = None
            return
        if not in_recovery:
            # Promoted (a failover): it is a primary now, as current as any.
            self._fresh_as_of = now
            return
        position = _lsn(replayed)
        caught_up = [at for at, lsn in self._samples if position is not None and lsn <= position]
        if caught_up:
            self._fresh_as_of = max(caught_up)


freshness = _Freshness()


# --- The router and the view decorator -------------------------------------------------------
class ReplicaRouter:
    """Django's database router: writes and migrations on the primary; reads on the replica only
    in a `@replica_reads` request, and only while the rules in this module's docstring allow."""

    def db_for_read(self, model, **hints):
        state = _state.get()
        if state is None or not configured():
            return None
        # The primary is named, not left to Django with None: given None, a related manager reads
        # from the database its instance came from, the replica's, so a status list read from
        # the replica had its snapshot re-read there after the refresh had locked it on the primary.
        if state.pinned or state.wrote or state.refused or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        if not freshness.usable():
            return PRIMARY
        state.used_replica = True
        return REPLICA

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None:
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def read_alias(model) -> str:
    """The alias a raw-SQL selector reads from (what the router would choose for `model`)."""
    return ReplicaRouter().db_for_read(model) or PRIMARY


def replica_reads(view):
    """Mark a view (function or DRF method) whose reads may come from the replica. If the
    replica fails while it runs, the view is run again on the primary."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not configured():
            return view(*args, **kwargs)
        request = next((a for a in args if hasattr(a, "method") and hasattr(a, "META")), None)
        state = _RequestState(pinned=_pinned(principal_key(getattr(request, "user", None))))
        token = _state.set(state)
        try:
            try:
                return view(*args, **kwargs)
            except DatabaseError:
                if not state.used_replica or state.wrote:
                    raise
                logger.warning("replica failed during a request: answering from the primary", exc_info=True)
                freshness.mark_down()
                connections[REPLICA].close()
                state.refused = True
                return view(*args, **kwargs)
        finally:
            _state.reset(token)

    return wrapper


class PinAfterWrites:
    """Middleware: a caller whose request changed something reads the primary for the lag bound
    (read-your-writes). Costs one cache write per successful unsafe request, with a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400 and configured():
            pin(principal_key(getattr(request, "user", None)))
        return response
