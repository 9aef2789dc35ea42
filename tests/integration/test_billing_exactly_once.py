"""Billing is exactly once on the real stack: PostgreSQL, Redis and `celery worker` processes.

Every test bills a dataset of its own through real workers on a queue of its own, and compares
what they wrote with the same data billed by the services in this process, uninterrupted
(billing_stack.reference_snapshot): documents and their totals, every usage line's charge, the
ledger balance of every account, gap-free numbers.

Where a worker must be stopped "in the middle", the test holds a row lock the worker needs (the
studio row, or the invoice-number sequence that finalize takes after the invoice and its lines
are written), waits until PostgreSQL shows the worker's connection waiting on it, and only then
kills the worker: the point of the kill is known, not a matter of timing.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from django.db import connections

from registry.billing import tasks
from registry.billing.models import BillingRun, Invoice
from registry.billing.runs import billing_run_start
from registry.core.actors import Actor
from registry.core.vocabulary.billing import RunStatus
from tests.integration.billing_stack import (
    AUGUST,
    RowLock,
    Worker,
    assert_exactly_once,
    backend_exists,
    backends_waiting_on_locks,
    build_dataset,
    lock_invoice_numbers,
    lock_studio,
    reference_snapshot,
    run_counters,
    snapshot,
    studios_without_invoice,
    terminate_other_backends,
    wait_for,
)

pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

OPERATOR = Actor.system("integration test")
SEPTEMBER = AUGUST.replace(month=9)
FINISHED = (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS)


@dataclass
class Stack:
    """This test's queues on Redis, its workers and the row locks it holds."""

    redis_url: str
    log_dir: Path
    queue: str = field(default_factory=lambda: f"it-billing-{uuid.uuid4().hex[:10]}")
    workers: list[Worker] = field(default_factory=list)
    locks: list[RowLock] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.redis = redis.Redis.from_url(self.redis_url)
        self.side_queue = f"{self.queue}-side"

    def worker(self, name: str, *, queues: list[str] | None = None, **env) -> Worker:
        """A worker consuming `queues` (default: the test's queue); what it enqueues itself goes
        to the test's queue."""
        worker = Worker(
            name,
            queues=queues or [self.queue],
            default_queue=self.queue,
            redis_url=self.redis_url,
            log_dir=self.log_dir,
            **env,
        )
        self.workers.append(worker)
        return worker

    def hold(self, lock: RowLock) -> RowLock:
        self.locks.append(lock)
        return lock

    def pending(self) -> int:
        return self.redis.llen(self.queue) + self.redis.llen(self.side_queue)

    def unacked(self) -> int:
        """Messages delivered to a worker and not acknowledged (acks_late: running, or lost)."""
        return self.redis.hlen(f"{self.queue}:unacked")

    def wait_idle(self, timeout: float = 30) -> None:
        """Nothing queued and nothing unacknowledged, three polls in a row."""
        streak = 0

        def idle() -> bool:
            nonlocal streak
            streak = streak + 1 if self.pending() == 0 and self.unacked() == 0 else 0
            return streak >= 3

        wait_for(idle, timeout=timeout, what="the workers to finish every queued task", interval=0.2)

    def wait_finished(self, run: BillingRun, timeout: float = 45) -> dict:
        wait_for(
            lambda: BillingRun.objects.get(pk=run.pk).status in FINISHED,
            timeout=timeout,
            what=lambda: f"billing run {run.public_id} to finish (now {run_counters(run.pk)})",
        )
        self.wait_idle()
        return run_counters(run.pk)

    def cleanup(self) -> None:
        for lock in self.locks:
            lock.release()
        for worker in self.workers:
            worker.kill()  # every task the test waited for is done; no need for a warm shutdown
        terminate_other_backends()
        mine = [f"{self.queue}:unacked", f"{self.queue}:unacked_index", f"{self.queue}:unacked_mutex"]
        for name in (self.queue, self.side_queue):
            mine += [name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}"]
        self.redis.delete(*mine)
        for worker in self.workers:
            print(f"----- worker {worker.name} (exit {worker.proc.returncode}) -----\n{worker.output()[-6000:]}")


@pytest.fixture
def stack(redis_url, require_postgres, tmp_path):
    from config.celery import app

    state = Stack(redis_url=redis_url, log_dir=tmp_path)
    saved = (app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue)
    # billing_run_start enqueues start_run on commit; from this process it goes to the test's queue.
    app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue = redis_url, False, state.queue
    try:
        yield state
    finally:
        app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue = saved
        state.cleanup()


def tag() -> str:
    return uuid.uuid4().hex[:6]


def test_running_a_completed_period_again_creates_nothing(stack):
    # given a period billed by a real worker, exactly like the in-process reference
    data = build_dataset(studios=8, lines_per_studio=40, tag=tag())
    reference, expected = reference_snapshot(AUGUST)
    stack.worker("w1").wait_ready()
    first, created = billing_run_start(period=AUGUST, actor=OPERATOR)
    assert created is True
    assert stack.wait_finished(first) == expected
    billed = assert_exactly_once(AUGUST, reference, billable_lines=data.billable_lines)

    # when the finished run's own tasks are delivered again (as acks_late redelivers a task whose
    # worker was lost before acknowledging it)
    tasks.start_run.apply_async(args=[first.pk])
    for studio in data.studios:
        tasks.bill_studio.apply_async(args=[first.pk, studio.pk])
    stack.wait_idle()

    # then they write nothing and leave the run as it was
    assert snapshot(AUGUST) == billed
    assert run_counters(first.pk) == expected

    # when the period is run again once the first run has finished
    second, created_again = billing_run_start(period=AUGUST, actor=OPERATOR)

    # then it is a new run, which finds nothing to bill and writes nothing
    assert created_again is True and second.pk != first.pk
    assert stack.wait_finished(second) == {
        "status": RunStatus.COMPLETED,
        "studios_total": 0,
        "studios_done": 0,
        "documents_created": 0,
        "lines_billed": 0,
        "errors": [],
    }
    assert snapshot(AUGUST) == billed
    assert not Invoice.objects.filter(run=second).exists()
    assert run_counters(first.pk) == expected


def test_a_killed_worker_then_recovery_bills_exactly_like_an_uninterrupted_run(stack):
    # given enough studios that one worker takes a few seconds to bill them
    data = build_dataset(studios=30, lines_per_studio=150, tag=tag())
    reference, expected = reference_snapshot(AUGUST)
    studios = len(data.studios)
    first_worker = stack.worker("w1").wait_ready()
    run, _ = billing_run_start(period=AUGUST, actor=OPERATOR)
    wait_for(lambda: run_counters(run.pk)["studios_done"] >= studios // 3, timeout=30, what="a third of the studios")

    # when the worker is SIGKILLed (main process and pool child) inside a studio's transaction,
    # after that studio's invoice and lines are written, while finalize waits for a number
    numbers = stack.hold(lock_invoice_numbers())
    [backend] = wait_for(backends_waiting_on_locks, timeout=20, what="the worker to wait in finalize")
    done_at_kill = run_counters(run.pk)["studios_done"]
    in_flight = data.studios[done_at_kill].pk  # studios are billed in pk order by one worker
    assert 0 < done_at_kill < studios - 1
    assert stack.unacked() == 1  # acks_late: the running bill_studio is delivered, not acknowledged
    first_worker.kill()
    numbers.release()
    wait_for(lambda: not backend_exists(backend), timeout=20, what="PostgreSQL to end the killed worker's session")

    # then PostgreSQL rolled that studio's transaction back, and Redis keeps its message unacknowledged
    assert studios_without_invoice(data, AUGUST) == [s.pk for s in data.studios[done_at_kill:]]
    assert stack.unacked() == 1

    # when a new worker with the production settings (visibility timeout 3600 s) takes over
    stack.worker("w2").wait_ready()
    wait_for(
        lambda: stack.pending() == 0 and run_counters(run.pk)["studios_done"] == studios - 1,
        timeout=40,
        what="the new worker to bill every studio still queued",
    )
    wait_for(lambda: stack.unacked() == 1, timeout=10, what="the new worker to acknowledge its last task")
    time.sleep(1)  # time for anything else to happen: nothing should

    # then every queued studio is billed, but not the one in flight: its message waits out the
    # visibility timeout, the run stays running, and starting the period again joins the stuck run
    assert studios_without_invoice(data, AUGUST) == [in_flight]
    assert stack.unacked() == 1
    stuck = run_counters(run.pk)
    assert (stuck["status"], stuck["studios_total"], stuck["studios_done"], stuck["documents_created"]) == (
        RunStatus.RUNNING,
        studios,
        studios - 1,
        expected["documents_created"] - 1,
    )
    again, created = billing_run_start(period=AUGUST, actor=OPERATOR)
    assert (again.pk, created) == (run.pk, False)

    # when the run is resumed: joining it enqueued its start task again, and an operator enqueues
    # it by hand as well (a duplicate start); the plan is kept and only the unfinished studio is
    # sent again. (Joining is not "nothing enqueued": that assertion held only while the idle
    # worker took the message off Redis at once, and failed under load.)
    tasks.start_run.apply_async(args=[run.pk])
    wait_for(
        lambda: BillingRun.objects.get(pk=run.pk).status in FINISHED,
        timeout=30,
        what=f"the resumed run to bill studio {in_flight} and finish",
    )
    wait_for(lambda: stack.pending() == 0 and stack.unacked() == 1, timeout=10, what="the worker to go idle")

    # then the run completes with exactly the documents, charges and ledger of an uninterrupted run
    assert run_counters(run.pk) == expected
    billed = assert_exactly_once(AUGUST, reference, billable_lines=data.billable_lines)
    stack.workers[-1].stop()

    # when the broker later restores the lost message, as Redis does once the visibility timeout
    # has passed (here 5 s, swept every 1 s, instead of 3600 s), and a worker runs it
    recovering = stack.worker("w3", IT_VISIBILITY_TIMEOUT=5, IT_RESTORE_INTERVAL=1).wait_ready()
    stack.wait_idle()

    # then that late duplicate writes nothing and is not counted twice
    assert "billing.bill_studio" in recovering.output() and "succeeded" in recovering.output()
    assert snapshot(AUGUST) == billed
    assert run_counters(run.pk) == expected


def test_a_killed_pool_child_is_redelivered_at_once(stack):
    # given a run under way on one worker
    data = build_dataset(studios=10, lines_per_studio=60, tag=tag())
    reference, expected = reference_snapshot(AUGUST)
    worker = stack.worker("w1").wait_ready()
    run, _ = billing_run_start(period=AUGUST, actor=OPERATOR)
    wait_for(lambda: run_counters(run.pk)["studios_done"] >= 3, timeout=30, what="three studios billed")

    # when the pool child running a studio's transaction is SIGKILLed (what the OOM killer does),
    # after the invoice and lines are written, while finalize waits for a number
    numbers = stack.hold(lock_invoice_numbers())
    [backend] = wait_for(backends_waiting_on_locks, timeout=20, what="the worker to wait in finalize")
    done_at_kill = run_counters(run.pk)["studios_done"]
    in_flight = data.studios[done_at_kill].pk
    assert stack.unacked() == 1
    [child] = worker.children()
    os.kill(child, signal.SIGKILL)
    numbers.release()
    wait_for(lambda: not backend_exists(backend), timeout=20, what="PostgreSQL to end the killed child's session")
    wait_for(lambda: "WorkerLostError" in worker.output(), timeout=30, what="the worker to see its child die")
    stack.wait_idle()
    assert worker.proc.poll() is None  # the worker itself lived on, with a new child

    # then the same worker requeued the task at once (acks_late + reject_on_worker_lost), a new
    # child billed it, and the run ended exactly like an uninterrupted one, counters included
    # (before ea35a2c the task option was misspelt: the task was acknowledged and lost)
    assert in_flight not in studios_without_invoice(data, AUGUST), "the killed child's task was lost"
    assert stack.wait_finished(run) == expected
    assert_exactly_once(AUGUST, reference, billable_lines=data.billable_lines)


def test_two_runs_started_at_once_bill_once(stack):
    # given two workers consuming the billing queue
    data = build_dataset(studios=16, lines_per_studio=60, tag=tag())
    reference, expected = reference_snapshot(AUGUST)
    workers = [stack.worker("w1"), stack.worker("w2")]
    for worker in workers:
        worker.wait_ready()

    # when two operators start the period at the same moment
    both_ready = threading.Barrier(2)
    results: list = []

    def start() -> None:
        try:
            both_ready.wait(timeout=10)
            results.append(billing_run_start(period=AUGUST, actor=OPERATOR))
        except BaseException as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then one run is created and the other caller joins it
    assert sorted(created for _, created in results) == [False, True], results
    [run] = {started.pk: started for started, _ in results}.values()
    assert BillingRun.objects.filter(period=AUGUST).count() == 1

    # and the two workers share its studios and write one set of documents
    assert stack.wait_finished(run) == expected
    assert_exactly_once(AUGUST, reference, billable_lines=data.billable_lines)
    for worker in workers:
        assert "billing.bill_studio" in worker.output(), f"worker {worker.name} billed no studio"


def test_a_start_run_delivered_twice_bills_once_and_completes_the_run_once(stack):
    # given six studios; the fourth and fifth studio rows are locked, so the worker bills the
    # first three and then waits on the fourth
    data = build_dataset(studios=6, lines_per_studio=20, tag=tag())
    reference, expected = reference_snapshot(AUGUST)
    fourth, fifth = stack.hold(lock_studio(data.studios[3])), stack.hold(lock_studio(data.studios[4]))
    stack.worker("main").wait_ready()
    stack.worker("side", queues=[stack.side_queue]).wait_ready()
    run, _ = billing_run_start(period=AUGUST, actor=OPERATOR)
    wait_for(
        lambda: run_counters(run.pk)["studios_done"] == 3 and len(backends_waiting_on_locks()) == 1,
        timeout=30,
        what="three studios billed and the worker waiting on the fourth",
    )

    # when start_run is delivered again while the run is under way (as acks_late redelivers it
    # when the worker that ran it died after fanning out and before acknowledging), here to a
    # second worker, which fans out the unfinished studios again
    tasks.start_run.apply_async(args=[run.pk], queue=stack.side_queue)
    wait_for(lambda: stack.pending() == 2 + 3, timeout=30, what="the second fan-out (studios 4 to 6 again)")
    fourth.release()
    wait_for(
        lambda: run_counters(run.pk)["studios_done"] == 4 and len(backends_waiting_on_locks()) == 1,
        timeout=30,
        what="the fourth studio billed and the worker waiting on the fifth",
    )

    # then the run is not reported completed while two studios are unbilled
    while_unbilled = run_counters(run.pk)
    assert studios_without_invoice(data, AUGUST) == [data.studios[4].pk, data.studios[5].pk]
    assert (while_unbilled["status"], while_unbilled["studios_total"]) == (RunStatus.RUNNING, 6)

    # and once they are, every studio is billed and counted once: the duplicates wrote nothing
    fifth.release()
    assert stack.wait_finished(run) == expected
    assert_exactly_once(AUGUST, reference, billable_lines=data.billable_lines)


def _worker_backends() -> list[int]:
    """The sessions on the test database other than this process's: the workers'."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_worker_keeps_its_connection_between_tasks_and_replaces_one_the_server_ended(stack):
    # given a worker that has billed a period
    build_dataset(studios=3, lines_per_studio=10, tag=tag())
    _, expected = reference_snapshot(AUGUST)
    worker = stack.worker("w1").wait_ready()
    run, _ = billing_run_start(period=AUGUST, actor=OPERATOR)
    assert stack.wait_finished(run) == expected

    # then its pool child kept its one connection for the next task (registry.core.worker_connections:
    # Celery's fixup had closed it after every task, so each task paid for a new PostgreSQL backend)
    assert len(_worker_backends()) == 1

    # when PostgreSQL ends that session (a restart, an operator's pg_terminate_backend)
    terminate_other_backends()
    wait_for(lambda: not _worker_backends(), timeout=20, what="PostgreSQL to end the worker's session")

    # then the next task finds it closed before its first query, opens a new one and succeeds
    # at the first attempt (not by failing on the dead session and being retried)
    second, _ = billing_run_start(period=SEPTEMBER, actor=OPERATOR)
    assert stack.wait_finished(second)["status"] == RunStatus.COMPLETED
    assert len(_worker_backends()) == 1
    assert "OperationalError" not in worker.output() and "Retry in" not in worker.output()
