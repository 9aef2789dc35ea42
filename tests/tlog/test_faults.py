"""Faults: a sequencer killed mid-batch, two sequencers at once, Redis down. Whatever happens, no
leaf is lost, none is logged twice, and the log's size only grows: indices are exactly 0..n-1,
every checkpoint is consistent with the next, and the last one's root is the hash of every leaf."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from registry.consent.services import grant_revoke
from registry.outbox import services as outbox
from registry.outbox.models import OutboxMessage
from registry.tlog import merkle, selectors, services
from registry.tlog.models import Checkpoint, LogLeaf, Witness
from tests.conftest import login_of, second_postgres_connection
from tests.consent.factories import grant_for
from tests.integration.billing_stack import ROOT, database_env, wait_for
from tests.integration.fault_stack import RedisServer, broker
from tests.tlog.conftest import append


def assert_log_whole() -> None:
    """Every leaf sequenced once, in 0..n-1; sizes only grow, each checkpoint consistent with the
    next; the last root is the RFC 6962 hash of all the leaves' bytes in index order."""
    indices = list(LogLeaf.objects.order_by("index").values_list("index", flat=True))
    assert indices == list(range(len(indices))), "a leaf was lost, duplicated or is still pending"
    checkpoints = list(Checkpoint.objects.order_by("created_at", "id").values_list("size", "root_hash"))
    sizes = [size for size, _ in checkpoints]
    assert sizes == sorted(set(sizes)), f"checkpoint sizes went back or repeated: {sizes}"
    for (old, old_root), (new, new_root) in itertools.pairwise(checkpoints):
        merkle.verify_consistency(old, new, bytes(old_root), bytes(new_root), selectors.consistency_proof(old, new))
    compact = merkle.CompactRange()
    for data in LogLeaf.objects.order_by("index").values_list("data", flat=True).iterator():
        compact.append(merkle.leaf_hash(bytes(data)))
    assert sizes[-1] == len(indices)
    assert compact.root() == bytes(checkpoints[-1][1])


SEQUENCER_STALLED_IN_ITS_BATCH = """
import os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from registry.tlog import services
write_tiles = services._save_tiles
def stall(written):
    write_tiles(written)  # indices assigned and tiles written, the checkpoint not yet, nothing committed
    print("IN_BATCH", flush=True)
    time.sleep(120)
services._save_tiles = stall
services.log_sequence(batch_size=150)
"""


def sequencer_lock_holders() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND ((classid::bigint << 32) | objid::bigint) = %s",
            [services.SEQUENCER_LOCK_ID],
        )
        return cursor.fetchone()[0]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_sequencer_killed_mid_batch_leaves_nothing_behind(require_postgres):
    append(500)
    services.log_sequence(batch_size=200, max_seconds=0)  # one batch
    process = subprocess.Popen(
        [sys.executable, "-c", SEQUENCER_STALLED_IN_ITS_BATCH],
        cwd=ROOT,
        env=dict(os.environ, **database_env()),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "IN_BATCH"
        assert sequencer_lock_holders() == 1
        process.kill()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    wait_for(
        lambda: sequencer_lock_holders() == 0, timeout=10, what="PostgreSQL to end the killed sequencer's session"
    )

    # Nothing of the batch committed: 200 sequenced, the rest still pending, the head unchanged.
    assert selectors.latest_checkpoint().size == 200
    assert LogLeaf.objects.filter(index__isnull=True).count() == 300
    assert services.log_sequence(batch_size=150) == 300
    assert list(Checkpoint.objects.order_by("size").values_list("size", flat=True)) == [200, 350, 500]
    assert_log_whole()


@pytest.mark.django_db(transaction=True)
def test_two_sequencers_at_once_never_log_a_leaf_twice(require_postgres):
    """Two sequencers race while writers keep appending; the advisory lock lets one work at a
    time, and the other returns at once."""
    stop = threading.Event()
    busy: list[int] = []

    def writer() -> None:
        try:
            for n in range(40):
                append(7, start=n * 7)
        finally:
            stop.set()
            connections.close_all()

    def sequencer() -> None:
        try:
            while not stop.is_set():
                if services.log_sequence(batch_size=13) is None:
                    busy.append(1)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=f) for f in (writer, sequencer, sequencer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    services.log_sequence()

    assert LogLeaf.objects.count() == 280
    assert_log_whole()
    print(f"a sequencer found the other at work {len(busy)} times")


@pytest.mark.django_db(transaction=True)
def test_a_sequencer_leaves_the_work_to_the_lock_holder_and_without_the_lock_the_database_refuses_a_double(
    require_postgres, monkeypatch
):
    append(20)
    holder = second_postgres_connection(dbname=connection.settings_dict["NAME"], autocommit=True)
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", [services.SEQUENCER_LOCK_ID])
        assert services.log_sequence() is None
        assert LogLeaf.objects.filter(index__isnull=True).count() == 20
    finally:
        holder.close()

    # A sequencer run without the lock (misconfigured, or a bug): two batches over the same
    # pending leaves. The second one's UPDATE finds them taken and its transaction is refused.
    monkeypatch.setattr(services, "_try_lock", lambda: True)
    first_in = threading.Event()
    release = threading.Event()
    write_tiles = services._save_tiles
    errors: list[BaseException] = []

    def slow_save(written):
        write_tiles(written)
        if threading.current_thread().name == "first":
            first_in.set()
            release.wait(timeout=30)

    monkeypatch.setattr(services, "_save_tiles", slow_save)

    def run() -> None:
        try:
            services.log_sequence()
        except Exception as exc:  # the refusal is what is tested
            errors.append(exc)
        finally:
            connections.close_all()

    first = threading.Thread(target=run, name="first")
    second = threading.Thread(target=run, name="second")
    first.start()
    assert first_in.wait(timeout=30)
    second.start()
    time.sleep(0.5)  # the second now waits for the rows the first holds
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert len(errors) == 1 and "sequenced by someone else" in str(errors[0])
    assert_log_whole()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_every_leaf_is_still_logged_and_the_witness_request_waits(
    require_postgres, tmp_path, studio, performer, agreement
):
    """The log needs no broker: leaves commit with what they record, the sequencer (beat's task,
    or `manage.py log_sequence`) signs checkpoints, and the request to witnesses waits in the
    outbox until Redis is back."""
    redis = RedisServer(Path(tmp_path))
    Witness.objects.create(name="witness.example/w1", verifier_key="unused", url="http://127.0.0.1:9")
    try:
        with broker(redis.url):
            redis.kill()
            grant = grant_for(studio.studio, performer.performer, agreement)
            grant_revoke(grant=grant, reason="withdrawn", acting_user=login_of(performer.performer))
            assert services.log_sequence() > 0
            owed = OutboxMessage.objects.get(task=services.SUBMIT_TO_WITNESSES_TASK, sent_at__isnull=True)
            assert owed.attempts >= 1 and owed.last_error
            redis.start()
            outbox.relay()
        owed.refresh_from_db()
        assert owed.sent_at is not None
    finally:
        redis.kill()
    assert_log_whole()
