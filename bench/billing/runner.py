"""Run the billing benchmark end to end; see bench/README.md (section billing).

1. (Re)create the PostgreSQL database, migrate it, load studios, performers and grants once.
2. For each size (default 250,000 then 1,000,000 usage lines): load the lines of one month
   with COPY, start two `celery worker` processes on a Redis database of the bench's own, start
   the month's billing run and time it until the run is completed; sample the workers' peak
   memory (VmHWM of the worker processes and their pool children); check what was billed
   (every billable line once, one invoice per studio, every journal entry balanced); time a
   single `SELECT studio_id, SUM(...) ... GROUP BY studio_id` over the same rows.
3. Bill the next month, which has no lines of its own, in this process: what a run costs that
   only has the studios' history to skip (each studio's unbilled mark), against the month's run.
4. Print the figures, the baseline, their ratio, the targets and PASS/FAIL.

Exit status: 0 when the measurement completed (whether or not a target was met); 1 when it
could not be made or billing came out wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import report as bench_report
from bench.consent_check.runner import cpu_ticks, postgres_pids, replication_pids

ROOT = Path(__file__).resolve().parents[2]
TARGET_WALL_S = 120.0
TARGET_MEMORY_GROWTH = 1.25  # peak worker memory at the largest size <= 1.25 x the smallest
# A month with no lines of its own, after the largest size was billed: at most this share of
# the month's run (a run reads its month from each studio's mark, not the studio's history).
TARGET_EMPTY_MONTH_SHARE = 0.05
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.billing", description=__doc__.split("\n")[0])
    p.add_argument(
        "--sizes",
        default="250000,1000000",
        help="usage lines per run, comma separated; memory is compared between the smallest and the largest "
        "(default 250000,1000000)",
    )
    p.add_argument("--studios", type=int, default=500)
    p.add_argument("--performers", type=int, default=20_000)
    p.add_argument("--grants", type=int, default=40_000, help="consent grants generated (default 40000)")
    p.add_argument("--period", default="2026-03", help="the month billed (default 2026-03)")
    p.add_argument("--workers", type=int, default=2, help="celery worker processes (default 2)")
    p.add_argument(
        "--scaling",
        default="",
        help="after the sizes, bill the largest size again with each of these worker counts "
        "(e.g. 1,2,4: how billing scales with workers on this machine); off by default",
    )
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--db", default="registry_bench_billing", help="database to create (dropped first)")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no db name")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/5", help="a Redis database of the bench's own")
    p.add_argument("--timeout", type=int, default=900, help="seconds to wait for one billing run (default 900)")
    p.add_argument("--keep-db", action="store_true", help="keep the bench database (dropped by default)")
    args = p.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        p.error("--db must be a plain lower-case identifier")
    try:
        args.sizes = sorted(int(s) for s in args.sizes.split(","))
        args.scaling = [int(s) for s in args.scaling.split(",") if s.strip()]
        year, month = (int(x) for x in args.period.split("-"))
        args.period = dt.date(year, month, 1)
    except ValueError:
        p.error("--sizes takes integers, --period YYYY-MM")
    if any(n < 1 for n in args.scaling) or any(n < 1 for n in [args.workers]):
        p.error("worker counts are at least 1")
    if min(args.sizes) < args.studios * 20:
        p.error("give each studio at least 20 lines")
    return args


# --- Machine ----------------------------------------------------------------------------------
def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine_busy_ticks() -> int:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields[:8]) - idle


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        out += [int(k) for k in kids]
        todo += [int(k) for k in kids]
    return out


def vm_hwm_kib(pid: int) -> int:
    try:
        match = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    except OSError:
        return 0
    return int(match.group(1)) if match else 0


# --- Workers ----------------------------------------------------------------------------------
@dataclass
class Worker:
    proc: subprocess.Popen
    log: Path
    peak_main_kib: int = 0
    peak_child_kib: dict[int, int] = field(default_factory=dict)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def sample(self) -> None:
        """VmHWM is each process's own peak resident size: sampling while it lives is enough."""
        self.peak_main_kib = max(self.peak_main_kib, vm_hwm_kib(self.proc.pid))
        for child in descendants(self.proc.pid):
            self.peak_child_kib[child] = max(self.peak_child_kib.get(child, 0), vm_hwm_kib(child))

    def pids(self) -> list[int]:
        return [self.proc.pid, *descendants(self.proc.pid)]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only what we started
                self.proc.wait(timeout=10)


def start_workers(n: int, env: dict[str, str], workdir: Path, tag: str, name: str = "bench-billing") -> list[Worker]:
    workers = []
    for i in range(n):
        log = workdir / f"worker-{tag}-{i}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config.celery",
                    "worker",
                    "-n",
                    f"{name}-{i}@%h",
                    "--pool=prefork",
                    "--concurrency=1",
                    "--prefetch-multiplier=1",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        workers.append(Worker(proc, log))
    deadline = time.monotonic() + 60
    for worker in workers:
        while " ready." not in worker.output():
            if worker.proc.poll() is not None:
                raise BenchError(f"a worker exited with {worker.proc.returncode}:\n{worker.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise BenchError(f"a worker was not ready within 60 s:\n{worker.output()[-3000:]}")
            time.sleep(0.2)
    return workers


# --- One size ---------------------------------------------------------------------------------
@dataclass
class Result:
    workers: int
    lines: int
    billable: int
    largest_studio_lines: int
    load_s: float
    wall_s: float
    baseline_s: float
    baseline_runs: list[float]
    peak_child_mib: float
    peak_main_mib: float
    peak_all_mib: float
    cpu: dict[str, float]
    loadavg_before: str
    loadavg_after: str
    documents: int
    lines_billed: int


def run_size(args, builder, n_lines: int, env: dict[str, str], workdir: Path):
    """Load `n_lines` usage lines of the month (the previous size's are emptied) and bill them."""
    from bench.billing import fixtures

    print(f"\n== {n_lines:,} usage lines ==")
    reset_lines()
    loaded = fixtures.load(n_lines=n_lines, builder=builder, period=args.period, seed=args.seed + n_lines)
    print(
        f"  loaded {loaded.lines:,} lines ({loaded.billable:,} billable) for {loaded.studios} studios in "
        f"{loaded.seconds:.1f} s; largest studio {loaded.largest_studio_lines:,} lines; "
        f"{loaded.usable_grants:,} of {loaded.grants:,} grants cover the month"
    )
    return loaded, bill(args, loaded, args.workers, env, workdir)


def bill(args, loaded, n_workers: int, env: dict[str, str], workdir: Path) -> Result:
    """Bill the loaded month once with `n_workers` worker processes, timed, measured and checked."""
    import redis
    from django.db import connection, connections

    from registry.billing.models import BillingRun
    from registry.billing.runs import billing_run_start
    from registry.core.actors import Actor
    from registry.core.vocabulary.billing import RunStatus

    connections.close_all()
    redis.Redis.from_url(args.redis_url).flushdb()  # the bench's own Redis database
    workers = start_workers(n_workers, env, workdir, f"{loaded.lines}-{n_workers}")
    stop_sampling = threading.Event()

    pg_seen: dict[int, int] = {}
    standby_before = {pid: cpu_ticks([pid]) for pid in replication_pids()}

    def sampler() -> None:
        while not stop_sampling.is_set():
            for w in workers:
                w.sample()
            # A backend's CPU is read while it lives (workers keep theirs between tasks, but
            # one may be replaced: CONN_MAX_AGE, or a connection the server ended).
            for pid in postgres_pids(args.db):
                pg_seen[pid] = max(pg_seen.get(pid, 0), cpu_ticks([pid]))
            stop_sampling.wait(0.2)

    thread = threading.Thread(target=sampler, daemon=True)
    try:
        thread.start()
        before = loadavg()
        worker_pids = [p for w in workers for p in w.pids()]
        busy0 = machine_busy_ticks()
        ours0 = cpu_ticks(worker_pids) + cpu_ticks([os.getpid()])
        pg_before = {pid: cpu_ticks([pid]) for pid in postgres_pids(args.db)}
        t0 = time.monotonic()
        run, _ = billing_run_start(period=args.period, actor=Actor.system("billing benchmark"))
        while True:
            status = BillingRun.objects.filter(pk=run.pk).values_list("status", flat=True).get()
            if status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS):
                break
            if time.monotonic() - t0 > args.timeout:
                raise BenchError(f"the billing run was still {status} after {args.timeout} s")
            for w in workers:
                if w.proc.poll() is not None:
                    raise BenchError(f"a worker died:\n{w.output()[-3000:]}")
            time.sleep(0.1)
        wall = time.monotonic() - t0
        for pid in postgres_pids(args.db):
            pg_seen[pid] = max(pg_seen.get(pid, 0), cpu_ticks([pid]))
        worker_pids = [p for w in workers for p in w.pids()]
        busy = machine_busy_ticks() - busy0
        # sampled every 0.2 s: a backend's last moments before it ended are missed, so this errs low
        pg = sum(ticks - pg_before.get(pid, 0) for pid, ticks in pg_seen.items())
        ours = cpu_ticks(worker_pids) + cpu_ticks([os.getpid()]) - ours0
        standby = sum(cpu_ticks([pid]) - ticks for pid, ticks in standby_before.items())
        after = loadavg()
        for w in workers:
            w.sample()
    finally:
        stop_sampling.set()
        thread.join(timeout=5)
        for w in workers:
            w.stop()
    run = BillingRun.objects.get(pk=run.pk)
    check_billing(run, loaded.billable, loaded.studios_with_lines)
    baseline_runs = time_baseline(connection, args.period)
    children = [kib for w in workers for kib in w.peak_child_kib.values()]
    mains = [w.peak_main_kib for w in workers]
    return Result(
        workers=n_workers,
        lines=loaded.lines,
        billable=loaded.billable,
        largest_studio_lines=loaded.largest_studio_lines,
        load_s=loaded.seconds,
        wall_s=wall,
        baseline_s=statistics.median(baseline_runs),
        baseline_runs=baseline_runs,
        peak_child_mib=max(children) / 1024,
        peak_main_mib=max(mains) / 1024,
        peak_all_mib=(sum(children) + sum(mains)) / 1024,
        cpu={
            "workers": ours / CLK_TCK,
            "postgresql": pg / CLK_TCK,
            "standby replication": standby / CLK_TCK,
            "other": max(0, busy - ours - pg - standby) / CLK_TCK,
            "cores busy": busy / CLK_TCK / wall,
        },
        loadavg_before=before,
        loadavg_after=after,
        documents=run.documents_created,
        lines_billed=run.lines_billed,
    )


def reset_lines(*, billing_only: bool = False) -> None:
    """Empty what one size wrote (usage lines and everything billing made of them, or only the
    latter); studios, performers and grants stay. The audit log is append-only and keeps its rows."""
    from django.db import connection

    from registry.billing import models as billing
    from registry.usage import models as usage

    tables = [
        m._meta.db_table
        for m in (
            billing.Posting,
            billing.JournalEntry,
            billing.LedgerAccount,
            billing.InvoiceLine,
            billing.AppliedTerms,
            billing.Invoice,
            billing.InvoiceNumberSequence,
            billing.BillingRunStudio,
            billing.BillingRun,
            billing.UnbilledMark,  # else the next run would read from after what it emptied
            *(
                ()
                if billing_only
                else (usage.UsageLine, usage.UsageLineKey, usage.UsageReport, usage.SyntheticPerformer)
            ),
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")  # the bench db holds nothing else of value


def check_billing(run, billable: int, studios: int) -> None:
    """What the run wrote is right: else the timing means nothing."""
    from django.db import connection

    problems = []
    if run.status != "completed" or run.errors:
        problems.append(f"run {run.status} with {len(run.errors)} error(s): {run.errors[:3]}")
    if run.lines_billed != billable:
        problems.append(f"{run.lines_billed} lines billed, {billable} billable")
    if run.documents_created != studios:
        problems.append(f"{run.documents_created} documents for {studios} studios")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT usage_line_id) FROM billing_invoiceline WHERE NOT is_credit")
        lines, distinct = cursor.fetchone()
        if lines != billable or distinct != billable:
            problems.append(f"{lines} invoice lines for {distinct} usage lines ({billable} billable)")
        cursor.execute(
            "SELECT count(*) FROM (SELECT entry_id FROM billing_posting GROUP BY entry_id "
            "HAVING SUM(amount) <> 0) unbalanced"
        )
        if cursor.fetchone()[0]:
            problems.append("unbalanced journal entries")
        cursor.execute(
            "SELECT count(*) FROM billing_invoice i JOIN (SELECT invoice_id, SUM(total) AS t "
            "FROM billing_invoiceline GROUP BY invoice_id) l ON l.invoice_id = i.id WHERE l.t <> i.total"
        )
        if cursor.fetchone()[0]:
            problems.append("invoices whose total is not the sum of their lines")
    if problems:
        raise BenchError("billing came out wrong: " + "; ".join(problems))


BASELINE_SQL = """
SELECT studio_id, SUM(COALESCE(estimated_days, units)) AS days
FROM usage_usageline
WHERE status = 'accepted' AND use_date BETWEEN %s AND %s
GROUP BY studio_id
"""


def time_baseline(connection, period: dt.date, runs: int = 3) -> list[float]:
    """One SQL aggregate over the same rows: the least work that reads every line once."""
    import calendar

    end = period.replace(day=calendar.monthrange(period.year, period.month)[1])
    out = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            t = time.monotonic()
            cursor.execute(BASELINE_SQL, [period, end])
            cursor.fetchall()
            out.append(time.monotonic() - t)
    return out


# --- Main -------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = dict(
        os.environ,
        DATABASE_URL=f"{args.pg}/{args.db}",
        REDIS_URL=args.redis_url,
        CELERY_BROKER_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        REGISTRY_MODE="development",
        DJANGO_DEBUG="false",  # DEBUG keeps every query in memory: not what production runs
        PYTHONUNBUFFERED="1",
    )
    os.environ.update(env)
    print(f"bench/billing: {', '.join(f'{n:,}' for n in args.sizes)} usage lines, {args.studios} studios, ")
    print(f"  {args.performers:,} performers, {args.workers} celery worker processes, period {args.period:%Y-%m}")
    print(f"  machine: {len(os.sched_getaffinity(0))} cores, load average {loadavg()}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-billing-"))
    import psycopg

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db}"')
    results: list[Result] = []
    scaling: list[Result] = []
    next_month: NextMonth | None = None
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from bench.billing import fixtures

        t = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        builder = fixtures.build_grants(
            n_grants=args.grants, n_studios=args.studios, n_performers=args.performers, seed=args.seed
        )
        print(f"  migrated, {args.studios} studios, {args.performers:,} performers and {len(builder.infos):,} grants ")
        print(f"  (with tokens) loaded in {time.monotonic() - t:.1f} s")
        for n in args.sizes:
            loaded, result = run_size(args, builder, n, env, workdir)
            results.append(result)
            report(result)
        next_month = bill_next_month(args, results[-1])
        for n_workers in args.scaling:  # the largest size's lines, billed again
            print(f"\n== {loaded.lines:,} usage lines again, {n_workers} worker process(es) ==")
            reset_lines(billing_only=True)
            scaling.append(bill(args, loaded, n_workers, env, workdir))
            report(scaling[-1])
    except BenchError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
    summary(results)
    next_month_summary(next_month, results[-1])
    scaling_summary(scaling)
    return 0


@dataclass
class NextMonth:
    period: dt.date
    wall_s: float
    studios_billed: int
    queries: int


def bill_next_month(args, month: Result) -> NextMonth:
    """Start, plan and bill the month after the one billed, in this process: it has no lines of
    its own, so all a run can do is skip what the months before hold. Before the unbilled mark,
    it read and probed every line ever billed again (7.2 s after 1,000,000 lines, 2026-12-07)."""
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from registry.billing.models import BillingRun, Invoice
    from registry.billing.periods import period_end
    from registry.billing.runs import bill_studio, billing_run_plan

    connections.close_all()
    period = period_end(args.period) + dt.timedelta(days=1)
    print(f"\n== {period:%Y-%m}: no lines of its own, after {month.lines_billed:,} billed ==")
    with CaptureQueriesContext(connection) as queries:
        t0 = time.monotonic()
        run = BillingRun.objects.create(period=period, requested_by="billing benchmark", created_at=timezone.now())
        studios = billing_run_plan(run_id=run.pk)
        for studio_id in studios:
            bill_studio(run_id=run.pk, studio_id=studio_id)
        wall = time.monotonic() - t0
    if Invoice.objects.filter(period=period).exists():
        raise BenchError(f"{period:%Y-%m} has no usage, but the run made documents")
    result = NextMonth(period=period, wall_s=wall, studios_billed=len(studios), queries=len(queries))
    print(
        f"  run: {wall:.2f} s, {len(studios)} studios billed, {len(queries):,} queries "
        f"({wall / month.wall_s:.3f} of the month's run)"
    )
    return result


def next_month_summary(r: NextMonth | None, month: Result) -> None:
    if r is None:
        return
    share = r.wall_s / month.wall_s
    passed = share <= TARGET_EMPTY_MONTH_SHARE
    print(
        f"target: a month with no lines, after {month.lines_billed:,} billed, <= {TARGET_EMPTY_MONTH_SHARE} x the "
        f"month's run: {r.wall_s:.2f} s, {share:.3f} x: {'PASS' if passed else 'FAIL'}"
    )
    bench_report.result(
        bench="billing",
        figure=f"billing {r.period:%Y-%m}, no lines of its own, after {month.lines_billed:,} billed (in process)",
        value=r.wall_s,
        unit="s",
        baseline=month.wall_s,
        baseline_label=f"the run of {month.lines_billed:,} lines",
        ratio=share,
        target=f"<= {TARGET_EMPTY_MONTH_SHARE} x",
        passed=passed,
    )


def report(r: Result) -> None:
    print(f"  billing run: {r.wall_s:.1f} s wall for {r.lines_billed:,} lines on {r.documents} invoices")
    print(f"    = {r.lines_billed / r.wall_s:,.0f} lines/s")
    print(
        f"  baseline: SELECT studio_id, SUM(...) GROUP BY studio_id over the same rows: {r.baseline_s * 1000:.0f} ms "
        f"(median of {', '.join(f'{x * 1000:.0f}' for x in r.baseline_runs)} ms)"
    )
    print(f"  ratio wall / baseline: {r.wall_s / r.baseline_s:,.0f}")
    print(
        f"  peak worker memory (VmHWM): pool child {r.peak_child_mib:.1f} MiB, worker main {r.peak_main_mib:.1f} MiB, "
        f"all worker processes together {r.peak_all_mib:.1f} MiB"
    )
    print(
        "  CPU during the run: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in r.cpu.items() if k != "cores busy")
        + f"; {r.cpu['cores busy']:.2f} cores busy; load average {r.loadavg_before} before, {r.loadavg_after} after"
    )


def scaling_summary(runs: list[Result]) -> None:
    """How billing scales with worker processes: each count's time, and its speed-up over the
    fewest workers measured (on one machine the cores, shared with PostgreSQL, bound it)."""
    if not runs:
        return
    base = min(runs, key=lambda r: r.workers)
    print("\n== scaling with workers ==")
    header = ("workers", 8), ("wall s", 8), ("lines/s", 10), ("speed-up", 9), ("workers CPU s", 14), ("PG CPU s", 9)
    print(" ".join(f"{name:>{width}}" for name, width in header))
    for r in runs:
        print(
            f"{r.workers:>8} {r.wall_s:>8.1f} {r.lines_billed / r.wall_s:>10,.0f} {base.wall_s / r.wall_s:>9.2f} "
            f"{r.cpu['workers']:>14.1f} {r.cpu['postgresql']:>9.1f}"
        )
        bench_report.result(
            bench="billing",
            figure=f"billing run, {r.lines:,} usage lines, {r.workers} worker process(es)",
            value=r.wall_s,
            unit="s",
            baseline=base.wall_s,
            baseline_label=f"{base.workers} worker process(es)",
            ratio=base.wall_s / r.wall_s,
            target="(a figure: the speed-up)",
            passed=None,
        )


def summary(results: list[Result]) -> None:
    if not results:
        return
    print("\n== summary ==")
    print(f"{'lines':>10} {'wall s':>8} {'baseline ms':>12} {'ratio':>7} {'peak child MiB':>15} {'load before':>14}")
    for r in results:
        print(
            f"{r.lines:>10,} {r.wall_s:>8.1f} {r.baseline_s * 1000:>12.0f} {r.wall_s / r.baseline_s:>7.0f} "
            f"{r.peak_child_mib:>15.1f} {r.loadavg_before:>14}"
        )
    largest, smallest = results[-1], results[0]
    verdict = "PASS" if largest.wall_s <= TARGET_WALL_S else "FAIL"
    print(f"target wall time <= {TARGET_WALL_S:.0f} s at {largest.lines:,} lines: {largest.wall_s:.1f} s: {verdict}")
    bench_report.result(
        bench="billing",
        figure=f"billing run, {largest.lines:,} usage lines, {largest.workers} workers "
        f"(peak worker {largest.peak_child_mib:.0f} MiB)",
        value=largest.wall_s,
        unit="s",
        baseline=largest.baseline_s,
        baseline_label="one SQL SUM … GROUP BY",
        ratio=largest.wall_s / largest.baseline_s,
        target=f"<= {TARGET_WALL_S:.0f} s",
        passed=largest.wall_s <= TARGET_WALL_S,
    )
    if len(results) > 1:
        growth = largest.peak_child_mib / smallest.peak_child_mib
        verdict = "PASS" if growth <= TARGET_MEMORY_GROWTH else "FAIL"
        print(
            f"target memory flat: peak at {largest.lines:,} lines <= {TARGET_MEMORY_GROWTH} x peak at "
            f"{smallest.lines:,} ({largest.lines / smallest.lines:.0f}x the lines): {growth:.2f}x: {verdict}"
        )
        bench_report.result(
            bench="billing",
            figure=f"peak worker memory at {largest.lines:,} lines",
            value=largest.peak_child_mib,
            unit="MiB",
            baseline=smallest.peak_child_mib,
            baseline_label=f"at {smallest.lines:,} lines",
            ratio=growth,
            target=f"flat: <= {TARGET_MEMORY_GROWTH} x",
            passed=growth <= TARGET_MEMORY_GROWTH,
        )
