"""Run the mixed load test end to end; see bench/README.md (section load_mix).

1. A PostgreSQL database with 100,000 grants: `registry_bench` of bench/consent_check when
   `--reuse-db` finds it valid (its migrations all applied, its bodies file with the API keys'
   secrets still there), else one of our own built by the same fixtures (dropped at the end
   unless `--keep-db`).
2. Requests of three kinds, prepared from that database: consent checks (consent_check's
   bodies), token fetches by grant id (some with If-None-Match), usage reports of a few dozen
   lines, each line on a grant that covers it today. Each studio in the mix gets a webhook
   endpoint for `usage_report.processed` on a receiver in this process, so every report gives
   the Celery workers a delivery to make: that is the workers' share of the mix.
3. gunicorn (bench.settings) and two `celery worker` processes on a Redis database of the
   bench's own; smoke tests; then the three kinds at once, one wrk process each, for the
   warm-up and the measured run.
4. After the run: every report stored, and every report's webhook delivered (polled with a
   time limit). Prints per kind requests/s, p50/p90/p99/max and errors, the CPU of each
   process group, and one BENCH_RESULT line per kind.

Exit status: 0 when the measurement completed without errors; 1 when it could not be made, a
request failed (non-2xx, socket errors) or a report was not processed by the workers in time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import http.server
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench import report
from bench.billing.runner import Worker, start_workers
from bench.consent_check.runner import (
    CHECKS_PATH,
    CLK_TCK,
    LUA,
    QUIET_CORES,
    ROOT,
    BenchError,
    RunResult,
    Server,
    cpu_ticks,
    database_exists,
    drop_database,
    http_request,
    load_fixtures,
    machine_facts,
    postgres_pids,
    read_bodies,
    recreate_database,
    smoke_test,
    start_gunicorn,
    total_cpu_ticks,
    wait_for_quiet,
    workdir_for,
)

HERE = Path(__file__).resolve().parent
TOKENS_LUA = HERE / "tokens.lua"
USAGE_LUA = HERE / "usage.lua"
USAGE_PATH = "/api/v1/usage-reports/"
ENDPOINT_DESCRIPTION = "bench/load_mix receiver"  # how a run finds (and removes) the endpoints it made
KINDS = ("checks", "tokens", "usage")
PATHS = {"checks": CHECKS_PATH, "tokens": "/api/v1/grants/{id}/token", "usage": USAGE_PATH}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load_mix", description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=int, default=60, help="seconds of the measured run (default 60)")
    p.add_argument("--warmup", type=int, default=5, help="seconds of the same mix before it (default 5)")
    p.add_argument("--checks-connections", type=int, default=24, help="wrk connections for consent checks (24)")
    p.add_argument("--tokens-connections", type=int, default=6, help="wrk connections for token fetches (6)")
    p.add_argument("--usage-connections", type=int, default=2, help="wrk connections for usage reports (2)")
    p.add_argument("--lines", default="24-48", help="lines per usage report, a range (default 24-48)")
    p.add_argument("--conditional", type=float, default=0.3, help="share of token fetches with If-None-Match")
    p.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    p.add_argument("--celery-workers", type=int, default=2, help="celery worker processes (default 2)")
    p.add_argument("--grants", type=int, default=100_000, help="grants when the database is built (100000)")
    p.add_argument("--studios", type=int, default=200)
    p.add_argument("--performers", type=int, default=20_000)
    p.add_argument("--keys", type=int, default=20, help="studios with an API key (default 20)")
    p.add_argument("--bodies", type=int, default=20_000, help="distinct check bodies (default 20000)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--db", default="registry_bench_mix", help="database to build when none is reused")
    p.add_argument(
        "--reuse-from", default="registry_bench", help="database --reuse-db tries first (bench/consent_check's)"
    )
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no db name")
    p.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/6", help="the bench's own Redis db: broker and throttle cache"
    )
    p.add_argument("--throttle-rate", default="1000000/min", help="API_THROTTLE_RATE for gunicorn (see README)")
    p.add_argument(
        "--drain-timeout", type=int, default=150, help="seconds to wait for the workers after the run (150)"
    )
    p.add_argument("--quiet-wait", type=int, default=60, help="wait up to this long for the machine to be quiet")
    p.add_argument("--keep-db", action="store_true", help="keep the database this run built")
    p.add_argument(
        "--reuse-db",
        action="store_true",
        help="run against --reuse-from (or a kept --db) when it is valid, instead of building a database",
    )
    args = p.parse_args(argv)
    for name in (args.db, args.reuse_from):
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            p.error("database names must be plain lower-case identifiers")
    try:
        low, high = (int(x) for x in args.lines.split("-"))
    except ValueError:
        p.error("--lines takes a range, e.g. 24-48")
    args.lines = (low, high)
    counts = (args.duration, args.checks_connections, args.tokens_connections, args.usage_connections, low)
    if min(counts) < 1 or high < low or not 0 <= args.conditional <= 1:
        p.error("counts and durations must be positive, --conditional within 0..1")
    # load_fixtures (bench/consent_check) reads these
    args.app, args.settings, args.worker_class, args.threads = "config.wsgi:application", "bench.settings", "sync", 1
    return args


# --- Database ---------------------------------------------------------------------------------
def pending_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


def setup_django(db_url: str) -> None:
    """Point this process's Django at `db_url` (once: settings are read at setup)."""
    import django

    os.environ["DATABASE_URL"] = db_url
    django.setup()


def choose_database(args) -> tuple[str, Path, bool, list[str]]:
    """(database, its bodies file, reused?, why candidates were refused). Checked before Django is
    set up against it: a database is valid when it exists, its bodies file is there and no
    migration of this checkout is missing from it (checked in a child process, since this
    process's Django can only be set up once)."""
    refused = []
    candidates = [(args.reuse_from, workdir_for(args.reuse_from) / "bodies.tsv")]
    if args.db != args.reuse_from:
        candidates.append((args.db, workdir_for(args.db) / "bodies.tsv"))
    if args.reuse_db:
        for db, bodies in candidates:
            if not database_exists(args.pg, db):
                refused.append(f"{db}: no such database")
                continue
            if not bodies.exists():
                refused.append(f"{db}: no {bodies} (the API keys' secrets)")
                continue
            probe = subprocess.run(
                [sys.executable, "-c", "from bench.load_mix.runner import _print_pending; _print_pending()"],
                env={**os.environ, "DATABASE_URL": f"{args.pg}/{db}"},
                capture_output=True,
                text=True,
                check=False,
            )
            if probe.returncode != 0:
                refused.append(f"{db}: could not read its migrations ({probe.stderr.strip()[-300:]})")
                continue
            missing = probe.stdout.split()
            if missing:
                refused.append(f"{db}: {len(missing)} migration(s) not applied ({', '.join(missing[:4])} ...)")
                continue
            return db, bodies, True, refused
    return args.db, workdir_for(args.db) / "bodies.tsv", False, refused


def _print_pending() -> None:
    import django

    django.setup()
    print(" ".join(pending_migrations()))


# --- Requests ---------------------------------------------------------------------------------
@dataclass
class Prepared:
    checks_file: Path
    tokens_file: Path
    usage_file: Path
    studios: dict[str, int]  # secret -> studio pk
    tokens: int = 0
    conditional: int = 0
    templates: int = 0
    lines_per_report: float = 0.0
    notes: list[str] = field(default_factory=list)


def key_studios(secrets: list[str]) -> dict[str, int]:
    from registry.parties.keys import parse_prefix
    from registry.parties.models import ApiKey

    by_prefix = dict(
        ApiKey.objects.filter(revoked_at__isnull=True, prefix__in=[parse_prefix(s) for s in secrets]).values_list(
            "prefix", "studio_id"
        )
    )
    out = {s: by_prefix[parse_prefix(s)] for s in secrets if parse_prefix(s) in by_prefix}
    if not out:
        raise BenchError("none of the bodies' API keys exists in the database")
    return out


def token_grants(studio_ids: list[int], n: int, rng: random.Random) -> list[tuple[int, str]]:
    """(studio pk, grant id) of grants of these studios that have a current token, any status:
    a studio fetches the token of a revoked grant too (to see that it is revoked)."""
    from registry.tokens.models import ConsentToken

    rows = list(
        ConsentToken.objects.filter(grant__studio_id__in=studio_ids, replaced_by__isnull=True)
        .order_by()  # the model's ordering would enter the DISTINCT
        .values_list("grant__studio_id", "grant__public_id")
        .distinct()
    )
    rows.sort()
    return rng.sample(rows, min(n, len(rows)))


def fetch_etag(port: int, secret: str, grant_id: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", f"/api/v1/grants/{grant_id}/token", headers={"Authorization": f"Bearer {secret}"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200 or not resp.getheader("ETag"):
            raise BenchError(f"smoke test: GET token of {grant_id} answered {resp.status}: {body[:300]!r}")
        return resp.getheader("ETag")
    finally:
        conn.close()


def covered_lines(studio_ids: list[int], today: dt.date) -> dict[int, list[dict]]:
    """Per studio, one usage line per grant that covers a use today: active, in term, a use a
    usage line can report (CONSENT_FOR_KIND), media and territory within the grant's."""
    from registry.consent.models import ConsentGrant
    from registry.core.vocabulary.consent import GrantStatus
    from registry.core.vocabulary.usage import UsageUnit
    from registry.usage.rules import CONSENT_FOR_KIND
    from registry.usage.services import UNITS_FOR_KIND

    kind_for_use = {use: kind for kind, use in CONSENT_FOR_KIND.items()}
    grants = ConsentGrant.objects.filter(
        studio_id__in=studio_ids,
        status=GrantStatus.ACTIVE,
        term_start__lte=today,
        term_end__gte=today,
        use__in=list(kind_for_use),
    ).select_related("request")
    rng = random.Random(7)
    out: dict[int, list[dict]] = defaultdict(list)
    for g in grants.order_by("pk"):
        kind = kind_for_use[g.use]
        units = UNITS_FOR_KIND[kind]
        unit = UsageUnit.DAYS if UsageUnit.DAYS in units else sorted(units)[0]
        p = g.request.project()
        project = {"kind": p.kind, "title": p.title, "production_number": p.production_number}
        if p.advertiser:
            project |= {"advertiser": p.advertiser, "product_line": p.product_line}
        territory = [t for t in g.territory if t != "WW"] or ["US"]
        line = {
            "kind": str(kind),
            "grant": g.public_id,
            "project": project,
            "use_date": today.isoformat(),
            "units": "1",
            "unit": str(unit),
            "role_category": "day_performer",
            "media": sorted(rng.sample(list(g.media), rng.randint(1, len(g.media)))),
            "territory": sorted(rng.sample(territory, min(len(territory), rng.randint(1, 2)))),
        }
        if unit == UsageUnit.DAYS:
            line["estimated_days"] = "1"
        out[g.studio_id].append(line)
    return out


def report_templates(lines: dict[int, list[dict]], secrets: dict[int, str], n: int, size: tuple[int, int]):
    """n report bodies, studios drawn by their number of coverable grants; "@R@" is the report id."""
    rng = random.Random(11)
    studios = sorted(s for s in lines if s in secrets and len(lines[s]) >= size[0])
    if not studios:
        raise BenchError(f"no studio with a key has {size[0]} grants covering a use today")
    weights = [len(lines[s]) for s in studios]
    out = []
    for _ in range(n):
        s = rng.choices(studios, weights)[0]
        picked = rng.sample(lines[s], min(len(lines[s]), rng.randint(*size)))
        body = {"report_id": "@R@", "lines": [{"line_id": f"@R@-{i}", **ln} for i, ln in enumerate(picked)]}
        out.append((secrets[s], body))
    return out


def prepare(args, bodies, port: int, workdir: Path) -> Prepared:
    from django.utils import timezone

    rng = random.Random(args.seed)
    studios = key_studios(sorted({s for s, _, _ in bodies}))
    secret_of = {pk: s for s, pk in studios.items()}
    prep = Prepared(workdir / "checks.tsv", workdir / "tokens.tsv", workdir / "usage.tsv", studios)
    prep.checks_file.write_text("".join(f"{s}\t{json.dumps(b, separators=(',', ':'))}\n" for s, b, _ in bodies))

    grants = token_grants(sorted(secret_of), 4000, rng)
    if not grants:
        raise BenchError("no grant of the keyed studios has a token")
    # ETags come from the API itself (what a client caches), for a sample of the grants.
    probed = [(sid, gid, fetch_etag(port, secret_of[sid], gid)) for sid, gid in grants[:300]]
    entries = []
    for _ in range(6000):
        if rng.random() < args.conditional:
            entries.append(rng.choice(probed))
        else:
            sid, gid = rng.choice(grants)
            entries.append((sid, gid, ""))
    prep.tokens_file.write_text("".join(f"{secret_of[sid]}\t{gid}\t{etag}\n" for sid, gid, etag in entries))
    prep.tokens = len({gid for _, gid, _ in entries})
    prep.conditional = sum(1 for *_, etag in entries if etag)

    lines = covered_lines(sorted(secret_of), timezone.localdate())
    templates = report_templates(lines, secret_of, 400, args.lines)
    prep.usage_file.write_text("".join(f"{s}\t{json.dumps(b, separators=(',', ':'))}\n" for s, b in templates))
    prep.templates = len(templates)
    prep.lines_per_report = sum(len(b["lines"]) for _, b in templates) / len(templates)
    prep.notes.append(f"{sum(len(v) for v in lines.values())} grants of {len(lines)} keyed studios cover a use today")
    return prep


# --- Webhook receiver --------------------------------------------------------------------------
class Receiver(http.server.ThreadingHTTPServer):
    """Answers every webhook 204 and counts the usage reports announced, by report id."""

    daemon_threads = True

    def __init__(self) -> None:
        self.reports: Counter[str] = Counter()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), ReceiverHandler)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            report_id = json.loads(body)["data"]["report_id"]
        except (ValueError, KeyError, TypeError):
            report_id = "?"
        with self.server.lock:
            self.server.reports[report_id] += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:  # no line per delivery on stderr
        pass


def register_endpoints(studio_ids: list[int], url: str) -> None:
    from registry.core.actors import Actor
    from registry.core.vocabulary.webhooks import EventType
    from registry.parties.models import Studio
    from registry.webhooks.services import endpoint_create

    remove_endpoints()
    actor = Actor.system("load_mix benchmark")
    for studio in Studio.objects.filter(pk__in=studio_ids):
        endpoint_create(
            studio=studio,
            url=url,
            event_types=[EventType.USAGE_REPORT_PROCESSED.value],
            description=ENDPOINT_DESCRIPTION,
            actor=actor,
        )


def remove_endpoints() -> int:
    """The endpoints of this or an earlier (interrupted) run: a reused database keeps nothing of ours
    that would send its reports' webhooks to a receiver no longer listening."""
    from registry.core.actors import Actor
    from registry.webhooks.models import WebhookEndpoint
    from registry.webhooks.services import endpoint_delete

    actor = Actor.system("load_mix benchmark")
    found = list(WebhookEndpoint.objects.filter(description=ENDPOINT_DESCRIPTION))
    for endpoint in found:
        endpoint_delete(endpoint=endpoint, actor=actor)
    return len(found)


def report_state(tag: str) -> dict[str, int]:
    """The run's reports (by id prefix) as stored, and their webhook deliveries by status."""
    from django.db.models import Count, Sum

    from registry.usage.models import UsageReport
    from registry.webhooks.models import WebhookDelivery

    reports = UsageReport.objects.filter(report_ref__startswith=tag).aggregate(
        n=Count("id"), lines=Sum("line_count"), accepted=Sum("accepted_count"), violations=Sum("violation_count")
    )
    deliveries = Counter(
        dict(
            WebhookDelivery.objects.filter(message__payload__data__report_id__startswith=tag)
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
    )
    return {
        "reports": reports["n"] or 0,
        "lines": reports["lines"] or 0,
        "accepted": reports["accepted"] or 0,
        "violations": reports["violations"] or 0,
        **{f"deliveries_{k}": v for k, v in deliveries.items()},
        "deliveries": sum(deliveries.values()),
    }


def wait_for_deliveries(tag: str, timeout: float, workers: list[Worker]) -> tuple[dict[str, int], float]:
    """Poll until every report of the run has its delivery succeeded (one endpoint per studio)."""
    from django.db import connection

    started = time.monotonic()
    while True:
        connection.close()  # a fresh snapshot each time
        state = report_state(tag)
        done = state.get("deliveries_succeeded", 0)
        if done >= state["reports"] and state["deliveries"] >= state["reports"]:
            return state, time.monotonic() - started
        if time.monotonic() - started > timeout or any(w.proc.poll() is not None for w in workers):
            return state, time.monotonic() - started
        time.sleep(0.5)


def undelivered(tag: str, workers: list[Worker], limit: int = 5) -> str:
    """What became of deliveries not succeeded: their attempts, and the workers' last words."""
    from registry.webhooks.models import DeliveryAttempt, WebhookDelivery

    rows = WebhookDelivery.objects.filter(message__payload__data__report_id__startswith=tag).exclude(
        status="succeeded"
    )
    out = []
    for d in rows.order_by("pk")[:limit]:
        attempts = list(
            DeliveryAttempt.objects.filter(delivery=d).values_list("number", "status_code", "error", "latency_ms")
        )
        out.append(
            f"delivery {d.pk} ({d.message.payload['data']['report_id']}): {d.status}, created {d.created_at:%T.%f}, "
            f"next attempt {d.next_attempt_at and f'{d.next_attempt_at:%T.%f}'}, attempts {attempts}"
        )
    for i, w in enumerate(workers):
        tail = "\n    ".join(w.output().splitlines()[-8:])
        out.append(f"worker {i} log (tail):\n    {tail}")
    return "\n".join(out)


def smoke_usage(port: int, templates_file: Path, tag: str, n: int = 4) -> None:
    for i, line in enumerate(templates_file.read_text().splitlines()[:n]):
        secret, template = line.split("\t")
        body = json.loads(template.replace("@R@", f"{tag}-{i}"))
        status, data = http_request(port, "POST", USAGE_PATH, body, secret)
        if status != 201:
            raise BenchError(f"smoke test: POST {USAGE_PATH} answered {status}: {str(data)[:500]}")
        if data.get("violation_count") or data.get("accepted") != len(body["lines"]):
            raise BenchError(f"smoke test: a report's lines were not all covered: {str(data)[:500]}")


def report_deadlocks(server: Server, workers: list[Worker]) -> None:
    """Count the deadlocks PostgreSQL broke during the whole run (smoke tests included), by the
    side that lost, and show the first traceback: the load test's job is to surface them."""
    marker = "psycopg.errors.DeadlockDetected"  # once per traceback
    logs = {"gunicorn": server.log.read_text(errors="replace"), "celery workers": "".join(w.output() for w in workers)}
    counts = {k: v.count(marker) for k, v in logs.items()}
    if not any(counts.values()):
        return
    print(
        "PostgreSQL deadlocks, by the process that lost: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + " (see bench/README.md, load_mix)"
    )
    for who, text in logs.items():
        at = text.find(marker)
        if at >= 0:
            start = text.rfind("Traceback", 0, at)
            lines = text[start : text.find("\n\n", at) if "\n\n" in text[at:] else None].splitlines()
            print(f"first deadlock in {who}:\n    " + "\n    ".join(lines[-24:]))


def start_beat(env: dict[str, str], workdir: Path) -> Worker:
    """Beat as deployed: among its jobs, webhooks.retry_due re-sends deliveries whose attempt
    failed or was interrupted (every 10 s); without it such a delivery would never be retried."""
    log = workdir / "beat.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config.celery",
                "beat",
                f"--schedule={workdir / 'beat-schedule'}",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    beat = Worker(proc, log)
    deadline = time.monotonic() + 30
    while "beat: Starting" not in beat.output():
        if proc.poll() is not None or time.monotonic() > deadline:
            beat.stop()
            raise BenchError(f"celery beat did not start:\n{beat.output()[-2000:]}")
        time.sleep(0.2)
    return beat


# --- Load ---------------------------------------------------------------------------------------
@dataclass
class Mix:
    results: dict[str, RunResult]
    cpu: dict[str, float]  # cores used on average over the run, per process group
    wall: float


def wrk_cmd(kind: str, args, port: int, prep: Prepared, seconds: int, tag: str) -> list[str]:
    conns = {"checks": args.checks_connections, "tokens": args.tokens_connections, "usage": args.usage_connections}
    # checks reuse bench/consent_check's own script; the request paths are in the scripts' requests
    script, extra = {
        "checks": (LUA, [str(prep.checks_file), CHECKS_PATH]),
        "tokens": (TOKENS_LUA, [str(prep.tokens_file)]),
        "usage": (USAGE_LUA, [str(prep.usage_file), tag]),
    }[kind]
    threads = 2 if kind == "checks" and conns[kind] > 1 else 1  # wrk threads: only the busiest needs two
    return [
        "wrk",
        f"-t{threads}",
        f"-c{conns[kind]}",
        f"-d{seconds}s",
        "--latency",
        "--timeout=10s",
        f"-s{script}",
        f"http://127.0.0.1:{port}/",
        "--",
        *extra,
    ]


def redis_pids() -> list[int]:
    out = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "redis-server":
                out.append(int(comm.parent.name))
        except OSError:
            continue
    return out


def run_mix(args, server: Server, workers: list[Worker], prep: Prepared, db: str, seconds: int, tag: str) -> Mix:
    """The three wrk processes at once; CPU of every process group over the same interval."""
    pg_seen: dict[int, int] = {}
    pg_before: dict[int, int] = {}
    stop = threading.Event()

    def sample_pg() -> None:
        # Celery closes its database connection after each task: short-lived backends are
        # read while they live (every 0.2 s, so the figure errs low).
        while not stop.is_set():
            for pid in postgres_pids(db):
                pg_seen[pid] = max(pg_seen.get(pid, 0), cpu_ticks([pid]))
            stop.wait(0.2)

    for pid in postgres_pids(db):
        pg_before[pid] = cpu_ticks([pid])
    gunicorn_pids = server.pids()
    worker_pids = [p for w in workers for p in w.pids()]
    redis = redis_pids()
    before = {
        "gunicorn": cpu_ticks(gunicorn_pids),
        "celery workers": cpu_ticks(worker_pids),
        "redis-server": cpu_ticks(redis),
        "busy": total_cpu_ticks()[0],
    }
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    sampler = threading.Thread(target=sample_pg, daemon=True)
    sampler.start()
    started = time.monotonic()
    procs = {
        kind: subprocess.Popen(
            wrk_cmd(kind, args, server.port, prep, seconds, tag),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for kind in KINDS
    }
    outputs = {kind: p.communicate(timeout=seconds + 120) for kind, p in procs.items()}
    wall = time.monotonic() - started
    stop.set()
    sampler.join(timeout=5)
    for pid in postgres_pids(db):
        pg_seen[pid] = max(pg_seen.get(pid, 0), cpu_ticks([pid]))
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    after = {
        "gunicorn": cpu_ticks(gunicorn_pids),
        "celery workers": cpu_ticks(worker_pids),
        "redis-server": cpu_ticks(redis),
        "busy": total_cpu_ticks()[0],
    }
    results = {}
    for kind, (out, err) in outputs.items():
        match = re.search(r"^BENCH_JSON (.+)$", out, re.M)
        if procs[kind].returncode != 0 or not match:
            raise BenchError(f"wrk ({kind}) failed ({procs[kind].returncode}):\n{out}\n{err}")
        if err.strip():
            print(f"  wrk ({kind}) said: {err.strip()[:1000]}")
        results[kind] = RunResult(kind, PATHS[kind], json.loads(match[1]), out, {})
    cpu = {k: (after[k] - before[k]) / CLK_TCK / wall for k in ("gunicorn", "celery workers", "redis-server")}
    cpu["postgresql"] = sum(t - pg_before.get(pid, 0) for pid, t in pg_seen.items()) / CLK_TCK / wall
    cpu["wrk (3 processes)"] = (
        children1.ru_utime + children1.ru_stime - children0.ru_utime - children0.ru_stime
    ) / wall
    cpu["this process (webhook receiver)"] = (self1.ru_utime + self1.ru_stime - self0.ru_utime - self0.ru_stime) / wall
    busy = (after["busy"] - before["busy"]) / CLK_TCK / wall
    cpu["other processes"] = max(0.0, busy - sum(cpu.values()))
    cpu["all (machine)"] = busy
    return Mix(results, cpu, wall)


# --- Main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 1
    base_env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "REDIS_URL": args.redis_url,  # broker and throttle cache: a Redis db of the bench's own
        "REGISTRY_MODE": "development",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # The limiter stays in the request path, with a limit the bench never reaches: the test
        # measures the service; the limit itself is tested in tests/.
        "API_THROTTLE_RATE": args.throttle_rate,
        # The webhook receiver listens on loopback, which webhooks refuse unless allowed.
        "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
    }
    os.environ.update(base_env)
    for var in ("CELERY_BROKER_URL", "THROTTLE_REDIS_URL", "DATABASE_URL"):
        os.environ.pop(var, None)

    facts = machine_facts(args.pg)
    print("== load_mix: consent checks, token fetches and usage reports at once ==")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in facts.items()))
    print(
        f"note: wrk, gunicorn, PostgreSQL, Redis and the Celery workers all share these {facts['nproc']} cores; "
        "the figures are those of the whole stack on one small machine, not of a dedicated server."
    )
    db, bodies_file, reused, refused = choose_database(args)
    for why in refused:
        print(f"--reuse-db: not reusing {why}")
    db_url = f"{args.pg}/{db}"
    env = {**os.environ, "DATABASE_URL": db_url}
    workdir = Path(tempfile.mkdtemp(prefix="load_mix_"))
    server = None
    workers: list[Worker] = []
    beat = None
    receiver = None
    built = False
    exit_code = 1
    try:
        if reused:
            print(f"database: reusing {db} ({bodies_file})")
            setup_django(db_url)
        else:
            print(
                f"database: building {db}: {args.grants} grants, {args.studios} studios, {args.performers} performers"
            )
            workdir_for(db).mkdir(mode=0o700, exist_ok=True)
            recreate_database(args.pg, db)
            built = True
            os.environ["DATABASE_URL"] = db_url
            load_fixtures(args, bodies_file)  # sets Django up against db_url
        bodies = read_bodies(bodies_file)

        import redis

        redis.Redis.from_url(args.redis_url).flushdb()  # the bench's own Redis database
        receiver = Receiver()
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        print(
            f"gunicorn: {args.workers} sync workers (bench.settings, development, DEBUG off), API_THROTTLE_RATE "
            f"{args.throttle_rate}; {args.celery_workers} celery workers and beat on {args.redis_url}"
        )
        server = start_gunicorn(args, env, workdir)
        workers = start_workers(args.celery_workers, env, workdir, "mix")
        beat = start_beat(env, workdir)
        print(f"  smoke test (checks): {smoke_test(server.port, bodies, 100)}")

        prep = prepare(args, bodies, server.port, workdir)
        register_endpoints(sorted(set(prep.studios.values())), f"http://127.0.0.1:{receiver.server_port}/hooks")
        run_tag = f"lm{int(time.time())}"
        smoke_usage(server.port, prep.usage_file, f"{run_tag}s")
        smoke, _ = wait_for_deliveries(f"{run_tag}s", 30, workers)
        # One delivered shows the pipeline works; a delivery caught in the deadlock described in
        # the README waits for beat's retry after its lease (80 s), longer than a smoke test.
        if not smoke.get("deliveries_succeeded"):
            raise BenchError(
                f"smoke test: the workers did not deliver the smoke reports' webhooks: {smoke}\n"
                + undelivered(f"{run_tag}s", workers)
            )
        print(
            f"  prepared: {len(bodies)} check bodies over {len(prep.studios)} keys; {prep.tokens} grants for token "
            f"fetches, {prep.conditional / 6000:.0%} of fetches with If-None-Match; {prep.templates} report "
            f"templates, {prep.lines_per_report:.1f} lines each on average ({'; '.join(prep.notes)}); "
            f"smoke reports stored and delivered"
        )

        print(
            f"mix: wrk -c{args.checks_connections} checks, -c{args.tokens_connections} tokens, "
            f"-c{args.usage_connections} usage reports, at once; {args.warmup} s warm-up + {args.duration} s"
        )
        background = wait_for_quiet(args.quiet_wait)
        load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        print(f"  background load before the run: {background:.2f} cores; load average {load_before}")
        if args.warmup:
            warm = run_mix(args, server, workers, prep, db, args.warmup, f"{run_tag}w")
            print("  warm-up: " + ", ".join(f"{k} {r.rps:.0f}/s ({r.errors} errors)" for k, r in warm.results.items()))
        mix = run_mix(args, server, workers, prep, db, args.duration, f"{run_tag}m")
        load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        state, drain = wait_for_deliveries(f"{run_tag}m", args.drain_timeout, workers)
        received = sum(v for k, v in receiver.reports.items() if k.startswith(f"{run_tag}m"))
        print_results(args, facts, mix, state, drain, received, load_before, load_after, db, reused)
        if state.get("deliveries_succeeded", 0) < state["reports"]:
            print(undelivered(f"{run_tag}m", workers))
        report_deadlocks(server, workers)
        errors = sum(r.errors for r in mix.results.values())
        # wrk stops without reading the answers in flight: up to one report per connection is
        # stored without wrk counting its 201.
        created = mix.results["usage"].data["ok"] - mix.results["usage"].data["replayed"]
        stored_ok = created <= state["reports"] <= created + args.usage_connections
        processed = state.get("deliveries_succeeded", 0) >= state["reports"] and stored_ok
        exit_code = 0 if errors == 0 and processed else 1
        if server.log_tail().strip():
            print("gunicorn log (tail):\n" + server.log_tail(10))
    except BenchError as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        exit_code = 1
    finally:
        for w in [*workers, *([beat] if beat else [])]:
            w.stop()
        if server is not None:
            server.stop()
        if receiver is not None:
            receiver.shutdown()
        if reused or (built and args.keep_db):
            try:
                print(f"removed the run's {remove_endpoints()} webhook endpoints from {db}")
            except Exception as exc:  # cleanup must not hide the run's own error
                print(f"could not remove the run's webhook endpoints: {exc}", file=sys.stderr)
        try:
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()
        except Exception:  # noqa: S110 (the bench's own db; flushed again at the next start)
            pass
        if built and not args.keep_db:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: S110 (Django may not be set up when loading failed early)
                pass
            drop_database(args.pg, db)
            shutil.rmtree(workdir_for(db), ignore_errors=True)
            print(f"dropped database {db}")
        elif built:
            print(f"kept database {db} (rerun with --reuse-db --reuse-from {db})")
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"total time {time.monotonic() - started:.0f} s")
    return exit_code


def print_results(args, facts, mix: Mix, state, drain: float, received: int, load_before, load_after, db, reused):
    results = mix.results
    total = sum(r.data["requests"] for r in results.values())
    print()
    print("== results ==")
    print(
        f"{dt.datetime.now():%Y-%m-%d %H:%M}, nproc={facts['nproc']}, {facts['cpu_model']}, PostgreSQL "
        f"{facts['postgresql']}; database {db}{' (reused)' if reused else ''}; load average {load_before} before, "
        f"{load_after} after"
    )
    print(
        f"{'kind':<8}{'conns':>6}{'requests':>10}{'share':>7}{'req/s':>9}{'p50':>9}{'p90':>9}{'p99':>9}"
        f"{'max':>9}{'errors':>8}"
    )
    conns = {"checks": args.checks_connections, "tokens": args.tokens_connections, "usage": args.usage_connections}
    for kind, r in results.items():
        d = r.data
        print(
            f"{kind:<8}{conns[kind]:>6}{d['requests']:>10}{d['requests'] / max(1, total):>7.0%}{r.rps:>9.1f}"
            f"{r.p50_ms:>7.1f}ms{r.p90_ms:>7.1f}ms{r.p99_ms:>7.1f}ms{d['max_us'] / 1000:>7.0f}ms{r.errors:>8}"
        )
    for kind, r in results.items():
        d = r.data
        extra = {"tokens": f", {d.get('not_modified', 0)} x 304", "usage": f", {d.get('replayed', 0)} replays"}
        print(
            f"  {kind}: {d['ok']} ok{extra.get(kind, '')}, {d['not_ok']} other ({d['s4xx']} 4xx, {d['s5xx']} 5xx); "
            f"socket errors: connect {d['connect_errors']}, read {d['read_errors']}, write {d['write_errors']}, "
            f"timeout {d['timeouts']}"
        )
    usage = results["usage"]
    print(
        f"usage: {state['reports']} reports stored ({usage.data['ok']} answered 201, the rest in flight when wrk "
        f"stopped), {state['lines']} lines, "
        f"{state['accepted']} accepted, {state['violations']} violations; "
        f"{usage.rps * (state['lines'] / max(1, state['reports'])):.0f} lines/s"
    )
    done = state.get("deliveries_succeeded", 0)
    print(
        f"workers: {done} of {state['reports']} reports' webhooks delivered "
        f"({state.get('deliveries_pending', 0)} pending, {state.get('deliveries_failed', 0)} failed; the receiver "
        f"got {received}); {drain:.1f} s after the load ended "
        f"{'(all processed)' if done >= state['reports'] else f'(NOT all processed within {args.drain_timeout} s)'}"
    )
    print(f"CPU, cores used on average over the {mix.wall:.0f} s run (of {facts['nproc']}):")
    for who, cores in mix.cpu.items():
        print(f"  {who:<34}{cores:5.2f}")
    print(
        "  (PostgreSQL: the backends of this database; redis-server: the whole server, other people's "
        "databases included)"
    )
    errors = 0
    for kind, r in results.items():
        errors += r.errors
        report.result(
            bench="load_mix",
            figure=f"{kind} p99 in the {args.duration} s mix at {r.rps:.0f} req/s ({r.errors} errors)",
            value=r.p99_ms,
            unit="ms",
            baseline=None,
            baseline_label="",
            ratio=None,
            target="no errors; p99 recorded",
            passed=r.errors == 0,
        )
    print(f"errors: {errors}  {'PASS' if errors == 0 else 'FAIL'}")
    if mix.cpu["other processes"] >= QUIET_CORES:
        print(
            f"WARNING: other processes used {mix.cpu['other processes']:.2f} cores during the run: its req/s and "
            "latencies are contaminated; rerun on a quiet machine."
        )
