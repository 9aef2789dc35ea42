"""The worker watchdog's rule (registry.core.worker_liveness.HeartbeatClock), on given times.

On real workers: tests/integration/test_faults.py (a worker left stalled by a Redis restart is
shut down and replaced; a worker busy past the timeout is left alone)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from registry.core.worker_liveness import EX_SOFTWARE, MISSED_HEARTBEATS, HeartbeatClock

ROOT = Path(__file__).resolve().parents[2]


def unanswered(clock: HeartbeatClock, times: list[float]) -> HeartbeatClock:
    for t in times:
        clock.published(t)
    return clock


def test_heartbeats_unanswered_for_the_timeout_mean_stalled():
    clock = unanswered(HeartbeatClock(timeout=90), [0, 15, 30, 45, 60, 75, 90])
    assert not clock.stalled(89.9)
    assert clock.stalled(90)


def test_the_timeout_alone_is_not_enough_without_enough_missed_heartbeats():
    # One heartbeat lost (Redis restarted and kept nothing) and the next not yet sent.
    clock = unanswered(HeartbeatClock(timeout=4), [0.0] * (MISSED_HEARTBEATS - 1))
    assert not clock.stalled(1000)
    clock.published(1000)
    assert clock.stalled(1000)


def test_a_heartbeat_received_starts_the_clock_again():
    clock = unanswered(HeartbeatClock(timeout=90), [0, 15, 30, 45, 60, 75])
    clock.received()
    assert not clock.stalled(1000)
    unanswered(clock, [100, 115, 130, 145, 160, 175])
    assert not clock.stalled(189)  # counted from the first heartbeat after the one received
    assert clock.stalled(190)


def test_a_busy_worker_is_not_stalled_however_long_it_takes_nothing():
    clock = unanswered(HeartbeatClock(timeout=90), [0, 15, 30, 45, 60, 75, 90])
    clock.busy()
    assert not clock.stalled(10_000)


def test_unpublished_heartbeats_start_no_clock():
    # The watchdog calls published() only for heartbeats the broker took: with Redis down nothing
    # is counted, however long the outage.
    clock = HeartbeatClock(timeout=90)
    assert not clock.stalled(10_000)


HARD_EXIT = """
import time
from registry.core import worker_liveness

class Broker:  # takes every heartbeat; nothing ever consumes them
    def send_task(self, *args, **kwargs):
        pass

watchdog = worker_liveness.Watchdog(Broker(), "stalled@test", interval=0.05, timeout=0.2, grace=0.5)
watchdog.start()
time.sleep(30)  # a worker loop that never looks at the shutdown flag
raise SystemExit(0)
"""


def test_a_worker_that_does_not_shut_down_when_asked_is_ended_with_exit_70():
    """The last resort, in a process of its own: the watchdog asks for a warm shutdown, nothing
    answers, and after its grace period it ends the process itself."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", HARD_EXIT], capture_output=True, text=True, timeout=25, cwd=ROOT)
    assert done.returncode == EX_SOFTWARE == 70, done.stderr
    assert "its consumer has stalled" in done.stderr
    assert "did not shut down in 0 s; exiting now" in done.stderr
    assert time.monotonic() - started < 20
