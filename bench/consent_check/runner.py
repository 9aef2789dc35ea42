"""Run the consent-check benchmark end to end; see bench/README.md.

1. (Re)create the PostgreSQL database, migrate it, load the grant fixtures (fixtures.py).
2. Serve bench.settings with gunicorn on a free localhost port.
3. Smoke-test both endpoints, then drive each with wrk (warm-up, then the measured run).
4. Print one line per figure, the targets with PASS/FAIL, and clean up.

Exit status: 0 when the measurement completed (whether or not a target was met); 1 when it
could not be made or a measured run had errors (non-200 answers or socket errors).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # .venv/bin when run as `.venv/bin/python -m bench.consent_check`
LUA = Path(__file__).with_name("checks.lua")
CHECKS_PATH = "/api/v1/consent-checks/"
BARE_PATH = "/bench/bare"
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
SERVICE_TIME_SECONDS = 5
QUIET_CORES = 0.3  # background load above which a run is flagged as contaminated
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.consent_check", description=__doc__.split("\n")[0])
    p.add_argument("--grants", type=int, default=100_000, help="consent grants to load (default 100000)")
    p.add_argument("--duration", type=int, default=20, help="measured seconds per endpoint (default 20)")
    p.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="split each endpoint's measured time into this many runs, alternating checks and bare "
        "(ABBA), so that a machine whose speed drifts slows both alike (default 4)",
    )
    p.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    p.add_argument("--warmup", type=int, default=5, help="seconds of warm-up before each run (default 5)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync)")
    p.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread; default 1)")
    p.add_argument("--studios", type=int, default=200)
    p.add_argument("--performers", type=int, default=20_000)
    p.add_argument("--keys", type=int, default=20, help="studios with an API key that the checks rotate through")
    p.add_argument("--bodies", type=int, default=20_000, help="distinct check bodies wrk rotates through")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--db", default="registry_bench", help="database to create (dropped first if it exists)")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no db name")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    p.add_argument(
        "--quiet-wait",
        type=int,
        default=60,
        help="before each measured run, wait up to this many seconds for other processes to go idle (default 60)",
    )
    p.add_argument(
        "--app",
        default="config.wsgi:application",
        help="WSGI application gunicorn serves (default config.wsgi:application)",
    )
    p.add_argument(
        "--settings", default="bench.settings", help="DJANGO_SETTINGS_MODULE for gunicorn (default bench.settings)"
    )
    p.add_argument("--keep-db", action="store_true", help="keep the bench database (dropped by default)")
    p.add_argument(
        "--reuse-db",
        action="store_true",
        help="skip create/migrate/load: reuse the database and bodies left by an earlier --keep-db run",
    )
    args = p.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        p.error("--db must be a plain lower-case identifier")
    if (
        min(
            args.grants,
            args.duration,
            args.rounds,
            args.connections,
            args.workers,
            args.threads,
            args.keys,
            args.bodies,
        )
        < 1
    ):
        p.error("counts and durations must be positive")
    return args


# --- Machine ----------------------------------------------------------------------------------
def machine_facts(pg_url: str) -> dict[str, str]:
    facts = {"nproc": str(len(os.sched_getaffinity(0))), "cpu_count": str(os.cpu_count())}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        facts["cpu_model"] = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M).group(1).strip()
        mhz = re.search(r"^cpu MHz\s*:\s*(.+)$", cpuinfo, re.M)
        if mhz:
            facts["cpu_mhz"] = mhz.group(1).strip()
        mem_kb = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))
        facts["memory"] = f"{mem_kb / 1024 / 1024:.1f} GiB"
        facts["loadavg"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except (OSError, AttributeError):
        facts.setdefault("cpu_model", platform.processor() or "unknown")
    facts["kernel"] = platform.release()
    facts["python"] = platform.python_version()
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        facts["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    facts["wrk"] = (wrk.stdout or wrk.stderr).splitlines()[0].split(" Copyright")[0]
    return facts


# --- Database ---------------------------------------------------------------------------------
def workdir_for(db: str) -> Path:
    """Where a run against database `db` keeps its bodies (the API keys' secrets exist only there),
    so that a later `--reuse-db` run, or another benchmark (bench/load_mix), can find them."""
    return Path(tempfile.gettempdir()) / f"consent_check_{db}"


def recreate_database(pg_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(pg_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_exists(pg_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def xact_commits(pg_url: str, name: str) -> int:
    """Committed transactions in the bench database: in autocommit, one per SQL statement."""
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [name]).fetchone()
        return int(row[0])


def load_fixtures(args: argparse.Namespace, bodies_file: Path) -> None:
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    from bench.consent_check import fixtures

    t = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"  migrated in {time.monotonic() - t:.1f} s")
    fx = fixtures.load(
        n_grants=args.grants,
        n_studios=args.studios,
        n_performers=args.performers,
        n_keys=args.keys,
        n_bodies=args.bodies,
        seed=args.seed,
    )
    connections.close_all()
    print(f"  loaded in {fx.seconds:.1f} s ({'; '.join(fx.notes)})")
    rows = ", ".join(f"{label.split('.')[-1]} {n}" for label, n in sorted(fx.counts.items()))
    print(f"  rows: {rows}")
    print(f"  grant statuses: {', '.join(f'{k} {v}' for k, v in sorted(fx.statuses.items()))}")
    mix = Counter(cat for _, _, cat in fx.bodies)
    print(
        f"  {len(fx.bodies)} check bodies over {len(fx.keys)} studio keys: "
        + ", ".join(f"{k} {v / len(fx.bodies):.0%}" for k, v in mix.most_common())
    )
    with bodies_file.open("w") as fh:
        os.fchmod(fh.fileno(), 0o600)
        for secret, body, category in fx.bodies:
            fh.write(f"{secret}\t{json.dumps(body, separators=(',', ':'))}\t{category}\n")


# --- gunicorn ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def pids(self) -> list[int]:
        """The master and its workers."""
        out = [self.proc.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                out.append(int(stat.parent.name))
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only what we started
                self.proc.wait(timeout=5)


def start_gunicorn(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> Server:
    port = free_port()
    log = workdir / "gunicorn.log"
    cmd = [
        str(BIN / "gunicorn"),
        args.app,
        f"--bind=127.0.0.1:{port}",
        f"--workers={args.workers}",
        f"--worker-class={args.worker_class}",
        f"--threads={args.threads}",
        "--backlog=2048",
        "--keep-alive=5",
        "--timeout=60",
        "--log-level=warning",
        f"--error-logfile={log}",
    ]
    with log.open("ab") as out:  # Django's console logging (tracebacks of 500s) lands here too
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
    server = Server(proc, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            status, _ = http_request(port, "GET", "/readyz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.stop()
    raise BenchError(f"gunicorn did not become ready (GET /readyz) within 60 s:\n{server.log_tail()}")


def http_request(port: int, method: str, path: str, body: dict | None = None, key: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            return resp.status, json.loads(raw or b"null")
        except ValueError:
            return resp.status, raw[:500]
    finally:
        conn.close()


def read_bodies(path: Path) -> list[tuple[str, dict, str]]:
    out = []
    for line in path.read_text().splitlines():
        secret, body, category = line.split("\t")
        out.append((secret, json.loads(body), category))
    return out


def smoke_test(port: int, bodies: list[tuple[str, dict, str]], n: int = 300) -> str:
    """Every sampled check answers 200; returns the mix of outcomes by intended category."""
    sample = random.Random(1).sample(bodies, min(n, len(bodies)))
    outcomes: dict[str, Counter] = {}
    for secret, body, category in sample:
        status, data = http_request(port, "POST", CHECKS_PATH, body, secret)
        if status != 200:
            raise BenchError(f"smoke test: POST {CHECKS_PATH} answered {status}: {data}\nbody: {json.dumps(body)}")
        outcome = "allowed" if data["allowed"] else (data["reasons"][0]["code"] if data["reasons"] else "refused")
        outcomes.setdefault(category, Counter())[outcome] += 1
    status, data = http_request(port, "POST", BARE_PATH, {"ping": 1})
    if status != 200 or data != {"ok": True}:
        raise BenchError(f"smoke test: POST {BARE_PATH} answered {status}: {data}")
    return "; ".join(
        f"{cat}: " + ", ".join(f"{k} {v}" for k, v in c.most_common()) for cat, c in sorted(outcomes.items())
    )


# --- CPU accounting -----------------------------------------------------------------------------
def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def _postgres_titles() -> Iterator[tuple[int, list[str]]]:
    """(pid, the words of its title after "postgres:") for each PostgreSQL process here."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
        except OSError:
            continue
        if words[:1] == ["postgres:"]:
            yield int(cmdline.parent.name), words[1:]


def postgres_pids(db: str) -> list[int]:
    """The PostgreSQL backends serving the bench database ("postgres: [cluster:] user db host(port) state"),
    not other people's. A backend that ends during a run takes its CPU time with it, so the
    figure can only err low; gunicorn keeps its connections (CONN_MAX_AGE) across a run."""
    return [pid for pid, words in _postgres_titles() if db in words[:4]]


def replication_pids() -> list[int]:
    """A streaming standby on this machine (CI's, for the replica tests): the primary's WAL
    sender and the standby's receiver and replay. They replay every write of a run, which on a
    deployment's own machine would cost the primary nothing; here they share its cores."""
    roles = {"walsender", "walreceiver", "startup"}
    return [pid for pid, words in _postgres_titles() if roles & set(words[:2])]


def total_cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def background_cores(seconds: float = 2.0) -> float:
    """Cores busy over `seconds` while the benchmark itself is idle: other people's work."""
    busy0, _ = total_cpu_ticks()
    time.sleep(seconds)
    busy1, _ = total_cpu_ticks()
    return (busy1 - busy0) / CLK_TCK / seconds


def wait_for_quiet(max_wait: int, threshold: float = QUIET_CORES) -> float:
    deadline = time.monotonic() + max_wait
    cores = background_cores()
    announced = False
    while cores >= threshold and time.monotonic() < deadline:
        if not announced:
            print(f"  machine busy ({cores:.2f} cores used by other processes); waiting up to {max_wait} s")
            announced = True
        cores = background_cores()
    return cores


# --- wrk ----------------------------------------------------------------------------------------
@dataclass
class RunResult:
    label: str
    path: str
    data: dict
    output: str
    cpu: dict[str, float]
    warmup_requests: int = 0

    @property
    def rps(self) -> float:
        return self.data["requests"] / (self.data["duration_us"] / 1e6)

    @property
    def p50_ms(self) -> float:
        return self.data["p50_us"] / 1000

    @property
    def p90_ms(self) -> float:
        return self.data["p90_us"] / 1000

    @property
    def p99_ms(self) -> float:
        return self.data["p99_us"] / 1000

    def cpu_ms_per_request(self, who: str) -> float:
        return self.cpu[who] * self.cpu["wall"] / max(1, self.data["requests"]) * 1000

    @property
    def errors(self) -> int:
        d = self.data
        return d["not_ok"] + d["connect_errors"] + d["read_errors"] + d["write_errors"] + d["timeouts"]


_SUMMED = (
    "requests", "duration_us", "bytes", "ok", "not_ok", "s4xx", "s5xx", "allowed",
    "connect_errors", "read_errors", "write_errors", "timeouts", "status_errors",
)  # fmt: skip


def histogram(data: dict) -> Counter:
    """checks.lua's latency histogram: bucket start (µs) -> requests."""
    out: Counter = Counter()
    for item in filter(None, data.get("hist", "").split(",")):
        bucket, count = item.split(":")
        out[int(bucket)] += int(count)
    return out


def percentile_us(hist: Counter, p: float) -> int:
    """The bucket of the request of rank round(p % of n + 0.5), as wrk's stats_percentile ranks."""
    total = sum(hist.values())
    rank, seen = min(total, math.floor(total * p / 100 + 1)), 0
    for bucket in sorted(hist):
        seen += hist[bucket]
        if seen >= rank:
            return bucket
    return 0


def merge_runs(label: str, runs: list[RunResult]) -> RunResult:
    """Several runs against one endpoint as one: counts and times summed, CPU averaged over the
    wall time, percentiles from the merged latency histograms (exact to the bucket)."""
    data = {k: sum(r.data[k] for r in runs) for k in _SUMMED}
    hist: Counter = Counter()
    for r in runs:
        hist.update(histogram(r.data))
    data.update(
        p50_us=percentile_us(hist, 50),
        p90_us=percentile_us(hist, 90),
        p99_us=percentile_us(hist, 99),
        max_us=max(r.data["max_us"] for r in runs),
        mean_us=sum(r.data["mean_us"] * r.data["requests"] for r in runs) / max(1, data["requests"]),
    )
    wall = sum(r.cpu["wall"] for r in runs)
    cpu = {k: sum(r.cpu[k] * r.cpu["wall"] for r in runs) / wall for k in runs[0].cpu if k != "wall"}
    cpu["wall"] = wall
    return RunResult(label, runs[0].path, data, "\n".join(r.output for r in runs), cpu)


def run_wrk(
    args: argparse.Namespace,
    server: Server,
    path: str,
    wrk_file: Path,
    duration: int,
    label: str,
    connections: int | None = None,
) -> RunResult:
    connections = connections or args.connections
    cmd = [
        "wrk",
        f"-t{min(args.wrk_threads, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout=10s",
        f"-s{LUA}",
        f"http://127.0.0.1:{server.port}{path}",
        "--",
        str(wrk_file),
        path,
    ]
    gunicorn_pids = server.pids()
    before = (cpu_ticks(gunicorn_pids), cpu_ticks(postgres_pids(args.db)), total_cpu_ticks())
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120, check=False)
    wall = time.monotonic() - started
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = (cpu_ticks(gunicorn_pids), cpu_ticks(postgres_pids(args.db)), total_cpu_ticks())
    match = re.search(r"^BENCH_JSON (.+)$", proc.stdout, re.M)
    if proc.returncode != 0 or not match:
        raise BenchError(f"wrk failed ({proc.returncode}) for {label}:\n{proc.stdout}\n{proc.stderr}")
    wrk_cpu = (after_children.ru_utime + after_children.ru_stime) - (children.ru_utime + children.ru_stime)
    busy = (after[2][0] - before[2][0]) / CLK_TCK
    cpu = {
        "gunicorn": (after[0] - before[0]) / CLK_TCK / wall,
        "postgres": max(0, after[1] - before[1]) / CLK_TCK / wall,
        "wrk": wrk_cpu / wall,
        "all": busy / wall,
    }
    cpu["other"] = max(0.0, cpu["all"] - cpu["gunicorn"] - cpu["postgres"] - cpu["wrk"])
    cpu["wall"] = wall
    return RunResult(label, path, json.loads(match.group(1)), proc.stdout, cpu)


def measure_alternating(args, server, wrk_file) -> tuple[RunResult, RunResult]:
    """Checks and the bare endpoint, each warmed up, then measured in `args.rounds` runs that
    alternate ABBA (checks, bare, bare, checks, ...). This machine's speed drifts by tens of
    percent over a minute; measured one after the other, the two endpoints would be timed on
    different machines, and the ratio would carry the drift."""
    endpoints = {"checks": CHECKS_PATH, "bare": BARE_PATH}
    background = wait_for_quiet(args.quiet_wait)
    print(f"  background load before the runs: {background:.2f} cores")
    warm_requests = dict.fromkeys(endpoints, 0)
    if args.warmup:
        for label, path in endpoints.items():
            warm = run_wrk(args, server, path, wrk_file, args.warmup, f"{label} warm-up")
            warm_requests[label] = warm.data["requests"]
            print(f"  warm-up {label}: {warm.rps:.0f} req/s, {warm.errors} errors")
    seconds = max(1, round(args.duration / args.rounds))
    runs: dict[str, list[RunResult]] = {label: [] for label in endpoints}
    for i in range(args.rounds):
        order = list(endpoints) if i % 2 == 0 else list(reversed(endpoints))
        for label in order:
            r = run_wrk(args, server, endpoints[label], wrk_file, seconds, f"{label} round {i + 1}")
            runs[label].append(r)
        c, b = runs["checks"][-1], runs["bare"][-1]
        print(
            f"  round {i + 1} ({' then '.join(order)}, {seconds} s each): checks {c.rps:.0f} req/s "
            f"(p99 {c.p99_ms:.1f} ms), bare {b.rps:.0f} req/s, ratio {c.rps / b.rps:.2f}, "
            f"{c.errors + b.errors} errors"
        )
    merged = {label: merge_runs(label, rs) for label, rs in runs.items()}
    for label, result in merged.items():
        result.warmup_requests = warm_requests[label]
        print(
            f"  {label}: {result.data['requests']} requests in {result.data['duration_us'] / 1e6:.1f} s, "
            f"{result.rps:.1f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
            f"{result.errors} errors"
        )
    return merged["checks"], merged["bare"]


def cpu_line(r: RunResult) -> str:
    c = r.cpu
    return (
        f"gunicorn {c['gunicorn']:.2f}, postgres {c['postgres']:.2f}, wrk {c['wrk']:.2f}, "
        f"other {c['other']:.2f} (busy {c['all']:.2f} of {os.cpu_count()} cores)"
    )


def cpu_per_request_line(r: RunResult) -> str:
    return (
        f"gunicorn {r.cpu_ms_per_request('gunicorn'):.2f} ms, postgres {r.cpu_ms_per_request('postgres'):.2f} ms, "
        f"wrk {r.cpu_ms_per_request('wrk'):.2f} ms"
    )


def flush_check_log() -> dict:
    """Move the checks the runs buffered into ConsentCheckRecord, as the beat task does, timed."""
    import django

    django.setup()
    from registry.consent import check_log

    started, cpu_started = time.monotonic(), time.process_time()
    lines = 0
    while True:
        moved = check_log.check_log_flush(max_batches=1000)
        lines += moved
        if not moved:
            break
    seconds = time.monotonic() - started
    cpu = time.process_time() - cpu_started
    return {
        "lines": lines,
        "seconds": seconds,
        "per_second": lines / seconds if seconds else 0.0,
        "cpu_ms": cpu * 1000 / lines if lines else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 1
    db_url = f"{args.pg}/{args.db}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": args.settings,
        "DATABASE_URL": db_url,
        "REDIS_URL": args.redis_url,
        "REGISTRY_MODE": "development",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # The per-key limiter stays in the path (its cost is measured) but must not refuse: 20
        # keys share about 1,500 checks a second here, unevenly, past the default 6,000/min.
        "API_THROTTLE_RATE": os.environ.get("API_THROTTLE_RATE", "1000000/min"),
        # Every check is kept (DOMAIN.md 2.14): buffered in this Redis list during the runs, then
        # moved into the table by the flush below (the beat task's work), timed apart.
        "CHECK_LOG_KEY": f"bench-check-log-{args.db}",
    }
    env.pop("CELERY_BROKER_URL", None)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "REGISTRY_MODE", "CHECK_LOG_KEY")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # the loader in this process: the real settings
    os.environ.update({"DJANGO_DEBUG": "false", "LOG_LEVEL": "WARNING"})
    os.environ.pop("CELERY_BROKER_URL", None)

    facts = machine_facts(args.pg)
    print("== consent_check benchmark ==")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in facts.items()))
    workdir = workdir_for(args.db)
    workdir.mkdir(mode=0o700, exist_ok=True)
    bodies_file = workdir / "bodies.tsv"
    server = None
    exit_code = 1
    try:
        if args.reuse_db:
            if not (database_exists(args.pg, args.db) and bodies_file.exists()):
                raise BenchError(f"--reuse-db: no database {args.db} or no {bodies_file}; run once with --keep-db")
            print(f"fixtures: reusing database {args.db} and {bodies_file}")
        else:
            print(
                f"fixtures: database {args.db}, {args.grants} grants, {args.studios} studios, "
                f"{args.performers} performers"
            )
            recreate_database(args.pg, args.db)
            load_fixtures(args, bodies_file)
        bodies = read_bodies(bodies_file)
        wrk_file = workdir / "wrk_bodies.tsv"
        wrk_file.write_text("".join(f"{s}\t{json.dumps(b, separators=(',', ':'))}\n" for s, b, _ in bodies))

        label = f"{args.workers} {args.worker_class} workers" + (
            f" x {args.threads} threads" if args.worker_class == "gthread" else ""
        )
        print(f"gunicorn: {label} on 127.0.0.1, app {args.app}, settings {args.settings} (development, DEBUG off)")
        import redis

        redis.Redis.from_url(args.redis_url).delete(env["CHECK_LOG_KEY"])  # a crashed run's leftovers
        server = start_gunicorn(args, env, workdir)
        mix = smoke_test(server.port, bodies)
        print(f"  smoke test OK (300 sampled checks, intended -> answered): {mix}")

        print(
            f"load: wrk, {args.connections} connections, {min(args.wrk_threads, args.connections)} threads, "
            f"{args.warmup} s warm-up + {args.duration} s per endpoint in {args.rounds} alternating runs"
        )
        commits_before = xact_commits(args.pg, args.db)
        checks, bare = measure_alternating(args, server, wrk_file)
        time.sleep(1.5)  # PostgreSQL flushes its statistics at most every second
        commits = xact_commits(args.pg, args.db) - commits_before  # the bare endpoint runs no SQL
        # One connection: no queueing, so the latency is the service time of a check.
        single = run_wrk(args, server, CHECKS_PATH, wrk_file, SERVICE_TIME_SECONDS, "checks, 1 connection", 1)
        warm_requests = checks.data["requests"] + checks.warmup_requests
        server.stop()
        if server.log_tail().strip():
            print("gunicorn log (tail):\n" + server.log_tail(10))
        server = None
        kept = flush_check_log()

        ratio = checks.rps / bare.rps
        ratio_ok = ratio >= TARGET_RATIO
        p99_ok = checks.p99_ms <= TARGET_P99_MS
        errors = checks.errors + bare.errors + single.errors
        print()
        print("== results ==")
        print(f"machine: nproc={facts['nproc']}, CPU {facts['cpu_model']}, PostgreSQL {facts['postgresql']}")
        print(
            f"server: gunicorn {label}; load: wrk -c{args.connections}, {args.duration} s per endpoint in "
            f"{args.rounds} alternating runs, {args.warmup} s warm-up"
        )
        if (args.app, args.settings) != ("config.wsgi:application", "bench.settings"):
            print(f"NOTE: experiment, not the application as configured: app {args.app}, settings {args.settings}")
        for r in (checks, bare):
            print(f"{r.label:<6} POST {r.path}: {r.rps:8.1f} req/s")
            print(f"{r.label:<6} POST {r.path}: p50 {r.p50_ms:6.1f} ms")
            print(
                f"{r.label:<6} POST {r.path}: p99 {r.p99_ms:6.1f} ms  (p90 {r.p90_ms:.1f} ms, max "
                f"{r.data['max_us'] / 1000:.1f} ms)"
            )
            print(
                f"{r.label:<6} responses: {r.data['ok']} x 200, {r.data['not_ok']} other "
                f"({r.data['s4xx']} 4xx, {r.data['s5xx']} 5xx), socket errors: connect {r.data['connect_errors']}, "
                f"read {r.data['read_errors']}, write {r.data['write_errors']}, timeout {r.data['timeouts']}"
            )
            print(f"{r.label:<6} CPU (cores used): {cpu_line(r)}")
            print(f"{r.label:<6} CPU per request: {cpu_per_request_line(r)}")
        print(
            f"checks service time (1 connection, {SERVICE_TIME_SECONDS} s): {single.rps:.1f} req/s, "
            f"p50 {single.p50_ms:.1f} ms, p99 {single.p99_ms:.1f} ms, {single.errors} errors; with "
            f"{args.connections} connections a request mostly waits its turn: p50 ~ connections / req/s "
            f"= {args.connections / checks.rps * 1000:.0f} ms"
        )
        print(f"checks allowed: {checks.data['allowed'] / max(1, checks.data['requests']):.0%} of answers")
        print(
            f"checks SQL: ~{commits / max(1, warm_requests):.1f} statements per request "
            "(pg_stat_database xact_commit in autocommit, incl. warm-up)"
        )
        print(
            f"check log (rule 2.14): {kept['lines']:,} checks buffered in Redis, moved to the table in "
            f"{kept['seconds']:.1f} s by the flush ({kept['per_second']:,.0f} checks/s, "
            f"{kept['cpu_ms']:.3f} ms of the flusher's CPU per check, off the request path)"
        )
        bare_cpu = bare.cpu_ms_per_request("gunicorn")
        checks_cpu = checks.cpu_ms_per_request("gunicorn")
        checks_cpu_pg = checks_cpu + checks.cpu_ms_per_request("postgres")
        print(f"ratio checks/bare = {ratio:.2f}  (target >= {TARGET_RATIO})  {'PASS' if ratio_ok else 'FAIL'}")
        print(
            f"  (the same ratio from gunicorn CPU per request, less sensitive to background load: "
            f"{bare_cpu / checks_cpu:.2f}; with PostgreSQL's CPU for the check: {bare_cpu / checks_cpu_pg:.2f})"
        )
        verdict = "PASS" if p99_ok else "FAIL"
        print(f"p99 checks = {checks.p99_ms:.1f} ms  (target <= {TARGET_P99_MS:.0f} ms)  {verdict}")
        print(f"errors: {errors}  {'PASS' if errors == 0 else 'FAIL (a run with errors does not count)'}")
        report.result(
            bench="consent_check",
            figure=f"consent checks, {args.grants:,} grants, {args.connections} connections ({errors} errors)",
            value=checks.rps,
            unit="checks/s",
            baseline=bare.rps,
            baseline_label="bare DRF endpoint",
            ratio=ratio,
            target=f"ratio >= {TARGET_RATIO}, no errors",
            passed=ratio_ok and errors == 0,
        )
        report.result(
            bench="consent_check",
            figure=f"consent check p99 at {args.connections} connections",
            value=checks.p99_ms,
            unit="ms",
            baseline=None,
            baseline_label="",
            ratio=None,
            target=f"<= {TARGET_P99_MS:.0f} ms",
            passed=p99_ok,
        )
        print(
            f"note: wrk, gunicorn and PostgreSQL all share these {facts['nproc']} cores, so absolute numbers "
            "understate a dedicated server; the ratio is the comparable figure."
        )
        for r in (checks, bare, single):
            if r.cpu["other"] >= QUIET_CORES:
                print(
                    f"WARNING: other processes used {r.cpu['other']:.2f} cores during the {r.label} run: its req/s "
                    "and latencies are contaminated; rerun on a quiet machine (CPU per request is less affected)."
                )
        exit_code = 0 if errors == 0 else 1
    except BenchError as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        exit_code = 1
    finally:
        if server is not None:
            server.stop()
        if args.keep_db:
            print(f"kept database {args.db} (rerun with --reuse-db); bodies in {bodies_file}")
        else:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: S110 (Django may not be set up when --reuse-db failed early)
                pass
            drop_database(args.pg, args.db)
            shutil.rmtree(workdir, ignore_errors=True)
            print(f"dropped database {args.db}")
        print(f"total time {time.monotonic() - started:.0f} s")
    return exit_code
