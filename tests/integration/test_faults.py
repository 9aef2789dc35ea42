"""Faults on the real stack: PostgreSQL, a Redis server of the test's own (killed and restarted),
real `celery worker` processes and the outbox relay as its own process.

(a) Redis dies in the middle of a burst of grant changes and comes back: every status-list change
    is signed and every webhook event is delivered exactly once. The worker left stalled by the
    restart is shut down by its own watchdog and started again by a supervisor, as Docker would:
    nobody starts a worker by hand.
(b) A worker is SIGKILLed while its webhook request is open: a new worker delivers it again with
    the same webhook-id (at least once: the receiver may have acted on the first request). Before
    that, held busy past its watchdog's timeout, it is left alone.
(c) While Redis is down the API still answers consent checks and online token verification.
"""

from __future__ import annotations

import contextlib
import threading
import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app
from registry.consent import services as consent_services
from registry.core.vocabulary.webhooks import DeliveryStatus, EventType
from registry.outbox import services as outbox
from registry.outbox.models import OutboxMessage
from registry.tokens import verifier
from registry.tokens.models import ConsentToken, StatusList
from registry.webhooks import services as webhook_services
from registry.webhooks import tasks as webhook_tasks
from registry.webhooks.models import WebhookDelivery, WebhookMessage
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import grant_for
from tests.integration.billing_stack import Worker, terminate_other_backends, wait_for
from tests.integration.fault_stack import CountingReceiver, RedisServer, RelayProcess, broker

pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

# Workers may send to the test's receiver on loopback, as this process may.
LOOPBACK = {"WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", "WEBHOOK_REQUIRE_HTTPS": "false"}
# Messages a worker took and never acknowledged (it lost the broker) go back to the queue after
# 10 s instead of production's hour: what such a message asks for is claimed in the database, so
# running it twice sends nothing twice.
SHORT_VISIBILITY = {"IT_VISIBILITY_TIMEOUT": 10, "IT_RESTORE_INTERVAL": 1}
# The worker watchdog (registry.core.worker_liveness) at test speed: a heartbeat a second, a
# consumer that takes none for 4 s while idle has stalled, and a warm shutdown stuck for 5 s is
# cut short. Production: 15 s, 90 s and 30 s (with 30 s here, a stalled worker whose shutdown
# hangs would outlast the test's 30 s wait for its deliveries).
FAST_WATCHDOG = {"WORKER_WATCHDOG_INTERVAL": 1, "WORKER_WATCHDOG_TIMEOUT": 4, "WORKER_WATCHDOG_GRACE": 5}


class BeatSweeps:
    """What beat does for work whose message the broker lost, at test speed: send the sweeps of
    the database's pending work, as beat's schedule names them (webhooks.retry_due, every 10 s in
    production; the status lists' refresh, every 60 s), through the broker every `period`
    seconds, checked whenever a wait polls. Read from the schedule, so that a sweep this test
    relies on cannot leave production's beat unnoticed.

    A broker that dies can lose a message it had accepted: kombu's Redis transport takes it with
    BRPOP and records it as unacknowledged in a second command, and a worker shut down while
    stalled drops what it had read but not started (celery/celery#4354). The delivery stays
    pending in the database; the sweep is what sends it again, and the delivery's claim makes a
    second message for it harmless."""

    SCHEDULE_ENTRIES = ("webhooks-retry-due", "tokens-refresh-status-lists")

    def __init__(self, period: float = 2.0) -> None:
        self.tasks = [app.conf.beat_schedule[entry]["task"] for entry in self.SCHEDULE_ENTRIES]
        self.period = period
        self.last = time.monotonic()
        self.sent = 0

    def until(self, predicate):
        def polled():
            if time.monotonic() - self.last >= self.period:
                self.last = time.monotonic()
                for task in self.tasks:
                    with contextlib.suppress(OperationalError):  # the broker may still be coming back
                        app.send_task(task)
                self.sent += 1
            return predicate()

        return polled


@contextlib.contextmanager
def in_process():
    """Set-up data is made with tasks run here (no broker involved), as billing_stack does."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = saved


class Supervisor:
    """What Docker's `restart: unless-stopped` (or systemd, or Kubernetes) does for a worker:
    start it again whenever it exits. Nothing else restarts a worker in these tests."""

    def __init__(self, stack: Stack, name: str, env: dict) -> None:
        self.stack, self.name, self.env = stack, name, env
        self.exits: list[int] = []
        self.worker = stack.worker(name, **env).wait_ready()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stopped.wait(0.2):
            code = self.worker.proc.poll()
            if code is not None:
                self.exits.append(code)
                self.worker = self.stack.worker(f"{self.name}-{len(self.exits)}", **self.env)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)


class Stack:
    def __init__(self, tmp_path) -> None:
        self.tmp_path = tmp_path
        self.redis = RedisServer(tmp_path)
        self.receiver = CountingReceiver()
        self.workers: list[Worker] = []
        self.relays: list[RelayProcess] = []
        self.supervisors: list[Supervisor] = []

    def supervised_worker(self, name: str, **env) -> Supervisor:
        supervisor = Supervisor(self, name, env)
        self.supervisors.append(supervisor)
        return supervisor

    def worker(self, name: str, **env) -> Worker:
        # The Redis server is the test's own, so the default queue is too.
        worker = Worker(
            name,
            queues=["celery"],
            default_queue="celery",
            redis_url=self.redis.url,
            log_dir=self.tmp_path,
            **LOOPBACK,
            **env,
        )
        self.workers.append(worker)
        return worker

    def relay(self) -> RelayProcess:
        relay = RelayProcess(self.redis.url, self.tmp_path)
        self.relays.append(relay)
        return relay

    def cleanup(self) -> None:
        for supervisor in self.supervisors:
            supervisor.stop()
        for process in [*self.relays, *self.workers]:
            process.stop() if isinstance(process, RelayProcess) else process.kill()
        self.redis.kill()
        self.receiver.close()
        terminate_other_backends()
        for worker in self.workers:
            print(f"----- worker {worker.name} (exit {worker.proc.returncode}) -----\n{worker.output()[-30000:]}")
        for relay in self.relays:
            print(f"----- relay -----\n{relay.output()[-3000:]}")


@pytest.fixture
def stack(require_postgres, tmp_path, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_REQUIRE_HTTPS = False
    state = Stack(tmp_path)
    try:
        yield state
    finally:
        state.cleanup()


def subscribe(studio, receiver: CountingReceiver):
    endpoint, _ = webhook_services.endpoint_create(
        studio=studio, url=receiver.url, event_types=list(EventType.values), actor=SYSTEM
    )
    return endpoint


def published_status(grant, client: Client) -> str:
    """The token's status as an independent verifier sees it: the offline verifier, given the
    JWKS and the status list as this registry publishes them."""
    token = ConsentToken.objects.select_related("status_list").get(grant=grant, replaced_by__isnull=True)
    jwks = client.get("/.well-known/jwks.json").json()
    response = client.get(urlsplit(token.status_list.uri).path)
    assert response.status_code == 200
    return verifier.verify(token.jws, jwks, response.content.decode()).status


def test_redis_dies_mid_burst_and_every_change_still_happens_exactly_once(stack, studio, performer, agreement):
    started = time.monotonic()
    with in_process():
        grants = [
            grant_for(studio.studio, performer.performer, agreement, project={"production_number": f"F-{n}"})
            for n in range(30)
        ]
    subscribe(studio.studio, stack.receiver)
    supervisor = stack.supervised_worker("w1", **SHORT_VISIBILITY, **FAST_WATCHDOG)
    stack.relay()
    expected = {}
    outage = []
    with broker(stack.redis.url):
        for n, grant in enumerate(grants):
            if n == 10:
                stack.redis.kill()
                killed_at = time.monotonic()
            if n == 20:
                time.sleep(max(0.0, 3 - (time.monotonic() - killed_at)))  # down for at least 3 s
                stack.redis.start()
            # Every change commits whether or not the broker is there.
            if n % 2:
                consent_services.grant_revoke(grant=grant, reason="burst", acting_user=login_of(grant.performer))
                expected[grant.pk] = "revoked"
            else:
                consent_services.grant_suspend(grant=grant, reason="burst", acting_user=login_of(grant.performer))
                expected[grant.pk] = "suspended"
            if 10 <= n < 20:
                outage.append(grant)

        # Then the relay and the worker catch up by themselves. A worker that was connected when
        # Redis died can stay connected to nothing and never consume again (kombu's Redis
        # transport: celery/celery#8030, #8091, #10205; seen here with celery and kombu 5.7.0):
        # its watchdog sees its own heartbeats go unanswered and shuts it down, the supervisor
        # starts a fresh one, and messages the old one had taken come back after the visibility
        # timeout.
        # Beat's sweeps run meanwhile, as in production: they send again what the broker lost.
        beat = BeatSweeps()
        wait_for(lambda: outbox.unsent() == 0, timeout=30, what=lambda: f"the outbox to drain ({outbox.unsent()})")
        wait_for(
            beat.until(lambda: not WebhookDelivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists()),
            timeout=30,
            what=lambda: (
                "every delivery to succeed; not yet: "
                + repr(list(WebhookDelivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).values()))
                + repr(
                    list(
                        OutboxMessage.objects.filter(task="webhooks.deliver").values_list(
                            "args", "attempts", "sent_at"
                        )
                    )
                )
            ),
        )
        lists = StatusList.objects.filter(tokens__grant__in=grants).distinct()
        wait_for(
            beat.until(lambda: all(not sl.is_dirty for sl in lists.all())),
            timeout=30,
            what="every status list to be re-signed",
        )

    # The outage really hit the outbox: what was committed while Redis was down failed to
    # publish at first and was published later (attempts > 1).
    during = OutboxMessage.objects.filter(task="webhooks.deliver", attempts__gt=1).count()
    assert during >= len(outage), during

    # Every webhook event exactly once, each with one logged attempt.
    messages = set(WebhookMessage.objects.filter(studio=studio.studio).values_list("public_id", flat=True))
    assert len(messages) == len(grants)
    counts = stack.receiver.counts()
    assert set(counts) == messages
    assert set(counts.values()) == {1}
    assert {d.attempts.count() for d in WebhookDelivery.objects.all()} == {1}

    # Every status-list change signed, never the same change twice, and the published lists say
    # what happened to each grant.
    for sl in lists:
        seqs = list(sl.snapshots.order_by("issued_at").values_list("seq", flat=True))
        assert len(seqs) == len(set(seqs)), seqs
        assert seqs[-1] == sl.change_seq
    client = Client()
    assert {grant.pk: published_status(grant, client) for grant in grants} == expected
    # The worker left stalled by the restart was shut down by its watchdog (exit 70), once: its
    # replacement, healthy, was left alone. (Were kombu to stop stalling, there would be none.)
    assert supervisor.exits in ([], [70]), supervisor.exits
    print(f"worker restarts by the watchdog: {len(supervisor.exits)}; beat sweeps sent: {beat.sent}")
    assert time.monotonic() - started < 60


def test_a_worker_killed_mid_delivery_is_replaced_and_the_event_delivered_again(stack, studio, performer, agreement):
    started = time.monotonic()
    with in_process():
        grant = grant_for(studio.studio, performer.performer, agreement)
    subscribe(studio.studio, stack.receiver)
    stack.receiver.stall = True
    first = stack.worker("w1", **FAST_WATCHDOG).wait_ready()
    with broker(stack.redis.url):
        consent_services.grant_revoke(grant=grant, reason="changed my mind", acting_user=login_of(grant.performer))
        delivery = WebhookDelivery.objects.get()

        # The worker's request is open at the receiver. Busy, it takes no heartbeat; its watchdog
        # leaves it alone past the timeout, since a busy worker is not a stalled one.
        assert stack.receiver.stalled.wait(timeout=30), first.output()
        time.sleep(FAST_WATCHDOG["WORKER_WATCHDOG_TIMEOUT"] + 2 * FAST_WATCHDOG["WORKER_WATCHDOG_INTERVAL"])
        assert first.proc.poll() is None, first.output()
        assert "worker watchdog" not in first.output(), first.output()
        # Now kill the worker there.
        first.kill()
        stack.receiver.release()
        assert WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.PENDING

        # The dead worker's claim is a lease (WEBHOOK_TIMEOUT_SECONDS * 2 + 60 s); expire it here
        # instead of waiting, then beat's sweep (run here) hands the delivery to a new worker.
        stack.worker("w2").wait_ready()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        webhook_tasks.retry_due.delay()
        wait_for(
            lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SUCCEEDED).exists(),
            timeout=30,
            what="the new worker to deliver",
        )

    # At least once, never more than the one lost attempt again, always the same webhook-id.
    assert stack.receiver.counts() == {delivery.message.public_id: 2}
    assert list(delivery.attempts.values_list("status_code", flat=True)) == [204]
    assert time.monotonic() - started < 60


def test_the_api_answers_consent_checks_and_verification_while_redis_is_down(
    stack, settings, studio, performer, agreement, anonymous
):
    with in_process():
        grant = grant_for(studio.studio, performer.performer, agreement)
    token = ConsentToken.objects.get(grant=grant).jws
    # Throttling and the broker both on the test's Redis, which is then killed.
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": stack.redis.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    check = {
        "performer": performer.performer.public_id,
        "use": grant.use,
        "project": {
            "kind": grant.project_kind,
            "title": grant.project_title,
            "production_number": grant.production_number,
        },
        "media": list(grant.media),
        "territory": list(grant.territory),
    }
    with broker(stack.redis.url):
        # What the API answers with Redis up, to compare with what it answers with Redis down.
        check_up = studio.client.post("/api/v1/consent-checks/", check, format="json")
        verify_up = anonymous.post("/api/v1/tokens/verify", {"token": token}, format="json")
        assert (check_up.status_code, verify_up.status_code) == (200, 200)
        stack.redis.kill()

        started = time.monotonic()
        checks = [studio.client.post("/api/v1/consent-checks/", check, format="json") for _ in range(20)]
        verified = [anonymous.post("/api/v1/tokens/verify", {"token": token}, format="json") for _ in range(20)]
        took = time.monotonic() - started

        assert {r.status_code for r in checks + verified} == {200}
        assert all(r.json() == check_up.json() for r in checks)
        assert all(r.json() == verify_up.json() for r in verified)
        assert took < 5, took

        # A change made meanwhile commits; its side effects wait in the outbox, not lost.
        consent_services.grant_revoke(grant=grant, reason="outage", acting_user=login_of(grant.performer))
        assert outbox.unsent(["tokens.refresh_status_list"]) == 1
        revoked = anonymous.post("/api/v1/tokens/verify", {"token": token}, format="json").json()
        assert (revoked["valid"], revoked["status"]) == (False, "revoked")  # read live from the database
        assert verify_up.json()["status"] != "revoked"
