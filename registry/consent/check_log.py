"""Every consent check kept as evidence (DOMAIN.md 2.14), cheaply.

A check is the API's busiest call; an audit event each (a hash chain, one INSERT and a lock)
would halve its throughput, and even one Redis round trip each costs a sync worker ~0.1-0.8 ms of
waiting. So a check's compact JSON line joins this process's buffer; the buffer goes to a Redis
list in one RPUSH when it holds CHECK_LOG_PROCESS_BATCH lines, or at the latest a second after
its first line (the process's pusher thread, which looks four times a second), or when the process
exits. One long-lived thread, not a timer per batch: starting a thread every 50 checks cost a
busy worker more than the rest of its checks' evidence (0.04-0.45 ms a check, measured with
bench/consent_check/profile_check.py). A beat task
(`consent.flush_check_log`, every few seconds) moves the list into `ConsentCheckRecord` in bulk.
What a crash can lose: the lines of the last second of a process killed outright (SIGKILL);
a graceful stop pushes them. Without Redis (embedded mode), or when Redis does not answer, lines
are written to the table at once: slower, never lost. A flush is safe to repeat: each line
carries its own `ref`, unique in the table, and the list is trimmed only after the rows are
committed.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import logging
import os
import secrets
import threading
import time

import msgspec
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from registry.consent import rules
from registry.consent.models import ConsentCheckRecord

log = logging.getLogger(__name__)

FLUSH_BATCH = 2000
LOCK_SECONDS = 120

_client: redis.Redis | None = None
# This process's lines not yet in Redis (encoded JSON); its pusher thread sends those that waited.
_buffer: list[bytes] = []
_buffer_lock = threading.Lock()
# Compact JSON, as json.dumps(separators=(",", ":")) writes it, in a ninth of the time: the
# check's hot path.
_encode = msgspec.json.Encoder().encode
# When the oldest line still in the buffer joined it (time.monotonic()), or None when empty.
_first_at: float | None = None
PUSH_AFTER_SECONDS = 1.0
# The process whose pusher thread runs: a forked worker starts its own.
_pusher_pid: int | None = None


def _redis() -> redis.Redis | None:
    """One client per process (it pools its connections); None without Redis."""
    global _client
    url = getattr(settings, "CHECK_LOG_REDIS_URL", "")
    if not url:
        return None
    if _client is None:
        _client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    return _client


def _key() -> str:
    return settings.CHECK_LOG_KEY


def _line(
    *,
    studio_id: int,
    performer_id: int,
    query: rules.UseQuery,
    outcome: rules.CheckOutcome,
    at: dt.datetime,
    receipt: int | None,
    justification: str = "",
) -> dict:
    return {
        "ref": secrets.token_hex(12),
        "studio_id": studio_id,
        "performer_id": performer_id,
        "checked_at": at.isoformat(),
        "use": query.use,
        "project_kind": query.project.kind,
        "production_number": query.project.production_number,
        "on": query.on.isoformat(),
        "statement": {
            "title": query.project.title,
            "media": list(query.media),
            "territory": list(query.territory),
            "role": query.role,
            "intended_use": query.intended_use,
            "sensitive_content": list(query.sensitive_content),
            "realtime_generation": query.realtime_generation,
            "exemption": outcome.exemption,
            **({"exemption_justification": justification} if justification else {}),
        },
        "allowed": outcome.allowed,
        "grant_ref": outcome.grant_id or "",
        "reasons": [f"{r.code}:{r.field}" if r.field else str(r.code) for r in outcome.reasons],
        "receipt": receipt,
    }


def check_log_append(
    *,
    studio_id: int,
    performer_id: int,
    query: rules.UseQuery,
    outcome: rules.CheckOutcome,
    receipt: int | None = None,
    at: dt.datetime | None = None,
    justification: str = "",
) -> None:
    """Keep one check: buffered in Redis, or written at once without it."""
    line = _line(
        justification=justification,
        studio_id=studio_id,
        performer_id=performer_id,
        query=query,
        outcome=outcome,
        at=at or timezone.now(),
        receipt=receipt,
    )
    if _redis() is None:
        _store([line])
        return
    global _first_at
    text = _encode(line)
    with _buffer_lock:
        if not _buffer:
            _first_at = time.monotonic()
        _buffer.append(text)
        full = len(_buffer) >= settings.CHECK_LOG_PROCESS_BATCH
        _start_pusher()
    if full:
        _push_buffer()


def _start_pusher() -> None:
    """The thread that pushes lines that waited a second; one a process (called under the lock)."""
    global _pusher_pid
    if _pusher_pid != os.getpid():
        _pusher_pid = os.getpid()
        threading.Thread(target=_push_what_waited, name="check-log-pusher", daemon=True).start()


def _push_what_waited() -> None:
    while True:
        time.sleep(PUSH_AFTER_SECONDS / 4)
        first = _first_at
        if first is not None and time.monotonic() - first >= PUSH_AFTER_SECONDS:
            _push_buffer()


def _push_buffer() -> None:
    """Send this process's buffered lines to Redis in one RPUSH; if Redis does not answer,
    write them to the table at once."""
    global _first_at
    with _buffer_lock:
        lines, _buffer[:] = list(_buffer), []
        _first_at = None
    if not lines:
        return
    try:
        _redis().rpush(_key(), *lines)
        return
    except redis.RedisError:
        log.warning("check log: Redis did not answer; writing %d checks to the database at once", len(lines))
    try:
        _store([json.loads(text) for text in lines])
    except Exception:  # the timer thread has no caller to tell; the log says what was lost
        log.exception("check log: %d checks could not be kept", len(lines))


atexit.register(_push_buffer)


def _row(line: dict) -> ConsentCheckRecord:
    return ConsentCheckRecord(
        ref=line["ref"],
        studio_id=line["studio_id"],
        performer_id=line["performer_id"],
        checked_at=parse_datetime(line["checked_at"]),
        use=line["use"],
        project_kind=line["project_kind"],
        production_number=line["production_number"],
        on=dt.date.fromisoformat(line["on"]),
        statement=line["statement"],
        allowed=line["allowed"],
        grant_ref=line["grant_ref"],
        reasons=line["reasons"],
        receipt=line["receipt"],
    )


def _store(lines: list[dict]) -> int:
    with transaction.atomic():
        made = ConsentCheckRecord.objects.bulk_create(
            [_row(line) for line in lines], batch_size=1000, ignore_conflicts=True
        )
    return len(made)


def check_log_push() -> None:
    """Send this process's buffered checks to Redis now (tests, and a worker about to stop)."""
    _push_buffer()


def check_log_flush(*, max_batches: int = 50) -> int:
    """Move buffered checks into the table, oldest first; returns how many lines were moved.
    One flusher at a time (a Redis lock); a crash between the insert and the trim leaves lines
    that the next flush skips as already stored."""
    client = _redis()
    if client is None:
        return 0
    key, lock_key = _key(), f"{_key()}:flush"
    token = secrets.token_hex(8)
    if not client.set(lock_key, token, nx=True, ex=LOCK_SECONDS):
        return 0
    moved = 0
    try:
        for _ in range(max_batches):
            raw = client.lrange(key, 0, FLUSH_BATCH - 1)
            if not raw:
                break
            lines = []
            for item in raw:
                try:
                    lines.append(json.loads(item))
                except ValueError:  # never written by check_log_append; kept out of the table
                    log.error("check log: dropped an unreadable line")
            if lines:
                _store(lines)
            client.ltrim(key, len(raw), -1)
            moved += len(raw)
    finally:
        if client.get(lock_key) == token.encode():
            client.delete(lock_key)
    return moved


def check_log_pending() -> int:
    """Checks waiting in the buffer (the console and health pages can show it)."""
    client = _redis()
    return int(client.llen(_key())) if client is not None else 0
