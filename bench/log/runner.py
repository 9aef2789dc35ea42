"""bench/log: the transparency log's append throughput, and its proofs at 10 million leaves.

    .venv/bin/python -m bench.log [--leaves 100000] [--proof-size 10000000] [--proofs 2000]

1. A PostgreSQL database of its own (`registry_bench_log`, dropped at the end unless --keep-db),
   migrated.
2. Append throughput, on leaves shaped like the registry's (a token's issue: ~230 bytes of JSON):
   - the baseline, measured in the same run: raw SHA-256 of the same leaves (the RFC 6962 leaf
     hash, `sha256(0x00 || leaf)`, nothing else), the best of three rounds;
   - appending: `leaf_append` each in a transaction of its own (what an event's transaction
     adds, plus that transaction's commit: an upper bound), and `leaves_append` (one COPY, what
     a strike job's batch does);
   - sequencing: `log_sequence` over every pending leaf, in batches of TLOG_BATCH_SIZE (each:
     index assignment, tiles, a signed checkpoint, one transaction);
   - the integration: appending one at a time and sequencing, one after the other on one core:
     1 / (1/append + 1/sequence) leaves/s. Target: 10x the load_mix event rate.
3. Proofs at 10,000,000 leaves: the tiles of a synthetic log (leaf i is the bytes `leaf <i>`) are
   computed with the sequencer's own code (`merkle.extend_tiles`), 2**20 leaves at a time, and
   written with COPY (320 MB of level-0 tiles); the checkpoint is signed by the log key. Then
   inclusion proofs at random leaves and consistency proofs from random sizes, each timed
   (`selectors.inclusion_proof`/`consistency_proof`: the tile reads from PostgreSQL and the
   hashing), and the proof endpoint through Django's request handler for a sample; each proof
   is verified. Target: p99 <= 10 ms.

Exit status: 0 when the measurement completed (whether or not a target was met), 1 when it could
not be made or a proof did not verify.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import statistics
import time

from bench import report
from bench.consent_check.runner import drop_database, recreate_database

TARGET_PROOF_P99_MS = 10.0
# load_mix's audited events: one per usage report (consent checks there do not record, token
# fetches write nothing). Its fastest recorded run took 21.9 reports/s (docs/operators/benchmarks.md, "Load test").
LOAD_MIX_EVENTS_PER_S = 21.9
TARGET_FACTOR = 10
SYNTHETIC_CHUNK = 1 << 20


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.log", description=__doc__.split("\n")[0])
    p.add_argument("--leaves", type=int, default=100_000, help="leaves appended and sequenced (default 100000)")
    p.add_argument("--single", type=int, default=3_000, help="of which appended one per transaction (default 3000)")
    p.add_argument("--proof-size", type=int, default=10_000_000, help="synthetic log size for proofs")
    p.add_argument("--proofs", type=int, default=2_000, help="inclusion and consistency proofs timed (each)")
    p.add_argument("--requests", type=int, default=300, help="proof requests through the endpoint")
    p.add_argument("--db", default="registry_bench_log")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--seed", type=int, default=2026)
    return p.parse_args(argv)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# --- Append --------------------------------------------------------------------------------------
def sample_records(n: int) -> list[dict]:
    import datetime as dt

    from registry.tokens.transparency import ISSUE_LEAF, token_record

    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    return [
        token_record(
            ISSUE_LEAF,
            jti=f"cgr_tfp2aeozqluh2umeqhcae{i:07d}",
            jws=f"eyJhbGciOiJFZERTQSJ9.token-{i}.signature",
            status_list_uri="https://registry.example.org/statuslists/sl_4f3xq2mby7k3a2tqz6",
            index=i % 131072,
            status=0,
            at=at + dt.timedelta(microseconds=i),
        )
        for i in range(n)
    ]


def raw_sha256(data: list[bytes]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for d in data:
            hashlib.sha256(b"\x00" + d).digest()
        best = min(best, time.perf_counter() - start)
    return len(data) / best


def append_and_sequence(records: list[dict], single: int) -> dict[str, float]:
    from django.db import transaction

    from registry.tlog import services
    from registry.tlog.models import LeafKind

    start = time.perf_counter()
    for i, record in enumerate(records[:single]):
        with transaction.atomic():
            services.leaf_append(kind=LeafKind.TOKEN_ISSUED, ref=str(i), record=record)
    one_by_one = single / (time.perf_counter() - start)
    rest = records[single:]
    start = time.perf_counter()
    with transaction.atomic():
        services.leaves_append(kind=LeafKind.TOKEN_ISSUED, records=((str(single + i), r) for i, r in enumerate(rest)))
    copied = len(rest) / (time.perf_counter() - start)
    start = time.perf_counter()
    sequenced = services.log_sequence()
    sequencing = sequenced / (time.perf_counter() - start)
    return {"one_by_one": one_by_one, "copy": copied, "sequence": sequencing, "sequenced": sequenced}


# --- Proofs at 10 million leaves ------------------------------------------------------------------
def synthetic_leaf(i: int) -> bytes:
    return b"leaf %d" % i


def build_synthetic_log(size: int) -> tuple[bytes, float]:
    """Tiles of a log of `size` synthetic leaves, computed with the sequencer's code and copied in."""
    from django.db import connection, transaction
    from django.utils import timezone

    from registry.tlog import merkle, selectors, services
    from registry.tlog.models import Checkpoint, LogTile

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tlog_logleaf, tlog_logtile, tlog_cosignature, tlog_checkpoint")
    edge: dict[tuple[int, int], bytes] = {}  # the partial tiles at the right edge, kept in memory
    done = 0
    table = LogTile._meta.db_table
    while done < size:
        count = min(SYNTHETIC_CHUNK, size - done)
        hashes = (hashlib.sha256(b"\x00" + synthetic_leaf(i)).digest() for i in range(done, done + count))
        new_size, written = merkle.extend_tiles(done, {level: d for (level, _), d in edge.items()}, hashes)
        tiles = {**edge, **written}
        full = [(level, n, data) for (level, n), data in written.items() if len(data) == merkle.TILE_BYTES]
        edge = {(level, n): tiles[(level, n)][: width * 32] for level, n, width in merkle.edge_tiles(new_size)}
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} (level, number, hashes) FROM STDIN") as copy,
        ):
            for row in full:
                copy.write_row(row)
        done = new_size
        print(f"  synthetic log: {done:,} leaves", flush=True)
    with transaction.atomic():
        LogTile.objects.bulk_create([LogTile(level=lv, number=n, hashes=d) for (lv, n), d in edge.items()])
        root = selectors.tree_root(size)
        Checkpoint.objects.create(size=size, root_hash=root, note=services.checkpoint_note(size, root, timezone.now()))
    return root, time.perf_counter() - started


def time_proofs(size: int, root: bytes, count: int, requests: int, rng: random.Random) -> dict[str, list[float]]:
    from django.db import connection
    from django.test import Client

    from registry.tlog import merkle, selectors
    from registry.tlog.models import LeafKind, LogLeaf

    inclusion, consistency = [], []
    for _ in range(count):
        index = rng.randrange(size)
        start = time.perf_counter()
        proof = selectors.inclusion_proof(index, size)
        inclusion.append((time.perf_counter() - start) * 1000)
        merkle.verify_inclusion(index, size, merkle.leaf_hash(synthetic_leaf(index)), proof, root)
    old_root_checked = 0
    for _ in range(count):
        old = rng.randrange(1, size)
        start = time.perf_counter()
        proof = selectors.consistency_proof(old, size)
        consistency.append((time.perf_counter() - start) * 1000)
        if old_root_checked < 20:  # the old root costs a tree hash of its own: check a few
            merkle.verify_consistency(old, size, selectors.tree_root(old), root, proof)
            old_root_checked += 1
    # The endpoint, through Django's request handler (the leaves asked for have rows).
    indices = [rng.randrange(size) for _ in range(requests)]
    LogLeaf.objects.bulk_create(
        [LogLeaf(index=i, kind=LeafKind.AUDIT_EVENT, ref=str(i), data=synthetic_leaf(i)) for i in set(indices)]
    )
    client, endpoint = Client(), []
    for index in indices[:10]:  # warm-up: the first request imports and compiles what it uses
        client.get(f"/api/v1/log/proofs/inclusion?leaf={index}&size={size}")
    for index in indices:
        start = time.perf_counter()
        response = client.get(f"/api/v1/log/proofs/inclusion?leaf={index}&size={size}")
        endpoint.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"proof endpoint answered {response.status_code}: {response.content[:200]}")
    connection.close()
    return {"inclusion": inclusion, "consistency": consistency, "endpoint": endpoint}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(
        DATABASE_URL=f"{args.pg}/{args.db}",
        DJANGO_SETTINGS_MODULE="config.settings",
        REGISTRY_MODE="development",
        DJANGO_DEBUG="false",
        TLOG_SEQUENCE_ON_DEMAND="false",
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    print(f"bench/log: {args.leaves:,} leaves appended and sequenced; proofs at {args.proof_size:,} leaves")
    print(f"  machine: {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}")
    recreate_database(args.pg, args.db)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        rng = random.Random(args.seed)
        from registry.tlog import leaves

        records = sample_records(args.leaves)
        baseline = raw_sha256([leaves.encode(r) for r in records])
        appended = append_and_sequence(records, args.single)
        integration = 1 / (1 / appended["one_by_one"] + 1 / appended["sequence"])
        print(f"  raw SHA-256 of the same leaves (baseline): {baseline:,.0f} leaves/s")
        print(f"  leaf_append, one transaction each:         {appended['one_by_one']:,.0f} leaves/s")
        print(f"  leaves_append, one COPY:                    {appended['copy']:,.0f} leaves/s")
        print(
            f"  log_sequence ({appended['sequenced']:,} leaves):           {appended['sequence']:,.0f} leaves/s "
            f"(ratio to raw SHA-256 {appended['sequence'] / baseline:.3f})"
        )
        target = TARGET_FACTOR * LOAD_MIX_EVENTS_PER_S
        print(f"  append + sequence, one after the other:     {integration:,.0f} leaves/s (target >= {target:.0f})")
        root, build_s = build_synthetic_log(args.proof_size)
        print(f"  synthetic log of {args.proof_size:,} leaves built in {build_s:.0f} s")
        timings = time_proofs(args.proof_size, root, args.proofs, args.requests, rng)
    finally:
        if not args.keep_db:
            drop_database(args.pg, args.db)

    for name, values in timings.items():
        print(
            f"  {name} proofs at {args.proof_size:,}: p50 {statistics.median(values):.2f} ms, "
            f"p99 {percentile(values, 99):.2f} ms, max {max(values):.2f} ms ({len(values)})"
        )
    report.result(
        bench="log",
        figure=f"sequencer throughput, {appended['sequenced']:,} leaves",
        value=appended["sequence"],
        unit="leaves/s",
        baseline=baseline,
        baseline_label="raw SHA-256 of the same leaves",
        ratio=appended["sequence"] / baseline,
        target="recorded",
        passed=True,
    )
    report.result(
        bench="log",
        figure="append (one transaction each) + sequence",
        value=integration,
        unit="leaves/s",
        baseline=baseline,
        baseline_label="raw SHA-256 of the same leaves",
        ratio=integration / baseline,
        target=f">= {target:.0f} leaves/s (10x load_mix's {LOAD_MIX_EVENTS_PER_S} events/s)",
        passed=integration >= target,
    )
    for name in ("inclusion", "consistency", "endpoint"):
        p99 = percentile(timings[name], 99)
        report.result(
            bench="log",
            figure=f"{name} proof p99 at {args.proof_size:,} leaves",
            value=p99,
            unit="ms",
            baseline=None,
            baseline_label="",
            ratio=None,
            target=f"<= {TARGET_PROOF_P99_MS:g} ms",
            passed=p99 <= TARGET_PROOF_P99_MS,
        )
    return 0
