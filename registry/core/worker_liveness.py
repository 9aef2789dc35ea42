"""Worker liveness: a worker whose consumer has stopped taking messages exits, so that whatever
supervises it (Docker's restart policy, systemd, Kubernetes) starts a fresh one.

Why: kombu's Redis transport can leave a worker that was connected when Redis restarted
connected to nothing. It stays up, holds no task and never consumes again (celery/celery#8030,
#8091, #10205). The outbox keeps every piece of work, but the work would wait for a person to
notice and restart the worker.

How: every `WORKER_WATCHDOG_INTERVAL` seconds a thread in the worker's main process publishes a
heartbeat task to the worker's own direct queue (`worker_direct`), and the consumer notes each
heartbeat it receives (`task_received`, which fires in the main process). When heartbeats that
were published have gone unanswered for `WORKER_WATCHDOG_TIMEOUT` seconds while the worker held
no task, the worker is stalled: the watchdog asks for a warm shutdown with exit code
EX_SOFTWARE (70), and ends the process itself if the worker is still there
`WORKER_WATCHDOG_GRACE` seconds later.

Two things start no clock, since a restart would not help: a heartbeat that could not be
published (Redis is down: not the worker's fault), and a worker holding a task (with prefetch 1
a busy worker rightly takes nothing more). A single lost heartbeat (Redis restarted without
persistence) is not enough either: `MISSED_HEARTBEATS` in a row must go unanswered.

This module is imported by config.celery before Django is set up: no model import here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass

from celery import signals
from celery.utils.nodenames import worker_direct

logger = logging.getLogger(__name__)

HEARTBEAT_TASK = "core.worker_heartbeat"
MISSED_HEARTBEATS = 3
# sysexits.h: "internal software error"; a supervisor that restarts only on failure restarts it.
EX_SOFTWARE = 70


@dataclass
class HeartbeatClock:
    """When the consumer last showed it takes messages. Pure: times are passed in (monotonic
    seconds), so the rule is tested without a worker."""

    timeout: float
    unanswered: int = 0
    first_unanswered_at: float | None = None

    def published(self, now: float) -> None:
        if self.first_unanswered_at is None:
            self.first_unanswered_at = now
        self.unanswered += 1

    def received(self) -> None:
        self.unanswered = 0
        self.first_unanswered_at = None

    # A busy worker takes nothing, rightly: the clock starts again once it is idle.
    busy = received

    def stalled(self, now: float) -> bool:
        return (
            self.unanswered >= MISSED_HEARTBEATS
            and self.first_unanswered_at is not None
            and now - self.first_unanswered_at >= self.timeout
        )


class Watchdog:
    """The thread in a worker's main process that publishes heartbeats and judges the clock."""

    def __init__(self, app, hostname: str, *, interval: float, timeout: float, grace: float = 30.0) -> None:
        self.app = app
        self.hostname = hostname
        self.interval = interval
        self.grace = grace
        self.clock = HeartbeatClock(timeout=timeout)
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="registry-worker-watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def heartbeat_received(self) -> None:
        with self._lock:
            self.clock.received()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            if self._holds_a_task():
                with self._lock:
                    self.clock.busy()
            elif self._publish():
                with self._lock:
                    self.clock.published(time.monotonic())
            with self._lock:
                stalled = self.clock.stalled(time.monotonic())
            if stalled:
                self._exit()
                return

    @staticmethod
    def _holds_a_task() -> bool:
        from celery.worker import state

        return bool(state.active_requests or state.reserved_requests)

    def _publish(self) -> bool:
        try:
            self.app.send_task(
                HEARTBEAT_TASK,
                queue=worker_direct(self.hostname),
                expires=self.clock.timeout,
                retry=False,
                ignore_result=True,
            )
        except Exception as exc:  # any broker error means "not published", nothing more
            logger.warning("worker watchdog: heartbeat not published (%s); the broker is unreachable", exc)
            return False
        return True

    def _exit(self) -> None:
        from celery.worker import state

        logger.critical(
            "worker watchdog: %s received none of its last %d heartbeats for %.0f s while holding no task; "
            "its consumer has stalled, so it shuts down (exit %d) for its supervisor to start a fresh one",
            self.hostname,
            self.clock.unanswered,
            self.clock.timeout,
            EX_SOFTWARE,
        )
        # The consumer's loop checks this flag and shuts down warmly (as on SIGTERM).
        state.should_stop = EX_SOFTWARE
        if self._stopped.wait(self.grace):
            return
        # The loop itself is stuck: end the pool's children and the process.
        logger.critical("worker watchdog: %s did not shut down in %.0f s; exiting now", self.hostname, self.grace)
        from billiard.process import active_children

        for child in active_children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
        os._exit(EX_SOFTWARE)


_watchdog: Watchdog | None = None


def install(app) -> None:
    """Connect the watchdog to `app`'s workers (called by config.celery)."""
    app.conf.worker_direct = True  # each worker also consumes its own queue: where heartbeats go
    signals.worker_ready.connect(_start, weak=False)
    signals.worker_shutdown.connect(_stop, weak=False)
    signals.task_received.connect(_received, weak=False)


def _start(sender, **_kwargs) -> None:
    global _watchdog
    from django.conf import settings

    interval = float(settings.WORKER_WATCHDOG_INTERVAL)
    if interval <= 0:
        return
    _watchdog = Watchdog(
        sender.app,
        sender.hostname,
        interval=interval,
        timeout=float(settings.WORKER_WATCHDOG_TIMEOUT),
        grace=float(settings.WORKER_WATCHDOG_GRACE),
    )
    _watchdog.start()


def _stop(**_kwargs) -> None:
    if _watchdog is not None:
        _watchdog.stop()


def _received(request=None, **_kwargs) -> None:
    if _watchdog is not None and request is not None and request.name == HEARTBEAT_TASK:
        _watchdog.heartbeat_received()
