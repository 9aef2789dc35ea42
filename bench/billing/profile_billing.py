"""Where billing one studio spends its time, in process, on a database an earlier run kept.

    .venv/bin/python -m bench.billing --sizes 250000 --keep-db
    .venv/bin/python -m bench.billing.profile_billing [--cprofile 30]
    .venv/bin/python -m bench.billing.profile_billing --smallest 100 [--cprofile 30]

Bills the studio with the most lines as if nothing were billed yet (all billing rows are
emptied and everything is rolled back afterwards, so it can be run again), and prints lines
per second and, with --cprofile, the top functions by own time. With --smallest N it bills the
N studios with the fewest lines instead, one after another, and prints what a studio costs
whatever its size (wall, CPU, statements): the fixed cost every studio of a run pays. With
--keys the deferred foreign keys a commit would check are checked one at a time, each timed:
what each costs a line.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time


class _Rollback(Exception):
    pass


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.billing.profile_billing")
    p.add_argument("--db", default="registry_bench_billing")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--period", default="2026-03")
    p.add_argument("--cprofile", type=int, default=0, help="print the top N functions by own time")
    p.add_argument("--smallest", type=int, default=0, help="bill the N studios with the fewest lines instead")
    p.add_argument("--keys", action="store_true", help="check the deferred foreign keys one at a time, each timed")
    args = p.parse_args()
    os.environ.update(
        DATABASE_URL=f"{args.pg}/{args.db}",
        DJANGO_DEBUG="false",
        REDIS_URL="",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from registry.billing.periods import parse_period
    from registry.usage.models import UsageLine

    period = parse_period(args.period)
    by_size = UsageLine.objects.filter(status="accepted").values("studio_id").annotate(n=Count("id"))
    if args.smallest:
        smallest = by_size.order_by("n", "studio_id").values_list("studio_id", "n")[: args.smallest]
        _smallest(args, period, list(smallest))
        return
    studio_id, lines = by_size.order_by("-n").values_list("studio_id", "n")[0]
    profiler = cProfile.Profile()

    def check_constraints() -> list[tuple[float, str]]:
        # The run's foreign keys are deferred to its commit, which a rollback never reaches:
        # check them now, so the figure includes what a real run pays for them (with --keys,
        # each key on its own first: what each costs a line).
        timed = []
        with connection.cursor() as cursor:
            if args.keys:
                cursor.execute(
                    "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                    "WHERE contype = 'f' AND condeferrable AND conparentid = 0 ORDER BY 1, 2"
                )
                for table, name in cursor.fetchall():
                    t = time.monotonic()
                    cursor.execute(f"SET CONSTRAINTS {connection.ops.quote_name(name)} IMMEDIATE")
                    timed.append((time.monotonic() - t, f"{table}: {name}"))
            t = time.monotonic()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            timed.append((time.monotonic() - t, "the rest"))
        return timed

    elapsed, cpu, keys = _bill_rolled_back(period, [studio_id], profiler, before_rollback=check_constraints)
    print(
        f"studio {studio_id}: {lines:,} lines billed in {elapsed:.2f} s = {lines / elapsed:,.0f} lines/s (rolled back)"
    )
    print(f"  this process's CPU: {cpu:.2f} s; the rest, {elapsed - cpu:.2f} s, waiting on PostgreSQL")
    print(f"  and its deferred foreign-key checks, paid at commit: {sum(t for t, _ in keys):.2f} s")
    if args.keys:
        # A statement costs about 1-2 ms whatever it checks: the keys below 5 ms are summed.
        small = [t for t, _ in keys if t < 0.005]
        for t, key in sorted(keys, reverse=True)[: len(keys) - len(small)]:
            print(f"    {t * 1000:7.1f} ms, {t / lines * 1e6:4.1f} µs a line  {key}")
        print(f"    {sum(small) * 1000:7.1f} ms for the {len(small)} others, under 5 ms each")
    if args.cprofile:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.cprofile)


def _bill_rolled_back(period, studio_ids: list[int], profiler, *, sql_wrapper=None, before_rollback=None):
    """Bill the studios one after another in one transaction, as if nothing were billed yet
    (what the kept run billed is emptied too: TRUNCATE is transactional), then roll it all
    back. Returns the billing's wall time and CPU, and what `before_rollback` returned."""
    import contextlib

    from django.db import connection, transaction
    from django.utils import timezone

    from bench.billing.runner import reset_lines
    from registry.billing import runs
    from registry.billing.models import BillingRun

    measured = []
    try:
        with transaction.atomic():
            reset_lines(billing_only=True)
            run = BillingRun.objects.create(period=period, requested_by="profile", created_at=timezone.now())
            t, cpu = time.monotonic(), time.process_time()
            with connection.execute_wrapper(sql_wrapper) if sql_wrapper else contextlib.nullcontext():
                profiler.enable()
                for studio_id in studio_ids:
                    runs.bill_studio(run_id=run.pk, studio_id=studio_id)
                profiler.disable()
            measured = [time.monotonic() - t, time.process_time() - cpu]
            measured.append(before_rollback() if before_rollback else None)
            raise _Rollback
    except _Rollback:
        pass
    return tuple(measured)


def _smallest(args, period, studios: list[tuple[int, int]]) -> None:
    from collections import Counter

    statements: Counter[str] = Counter()

    def count(execute, sql, params, many, context):
        statements[" ".join(sql.split()[:4])[:60]] += 1
        return execute(sql, params, many, context)

    profiler = cProfile.Profile()
    elapsed, cpu, _ = _bill_rolled_back(period, [pk for pk, _ in studios], profiler, sql_wrapper=count)
    n, lines = len(studios), sum(size for _, size in studios)
    print(f"{n} smallest studios ({lines / n:,.0f} lines each on average), billed one after another (rolled back):")
    print(f"  a studio: {elapsed / n * 1000:.1f} ms wall, {cpu / n * 1000:.1f} ms of this process's CPU, ", end="")
    print(f"{sum(statements.values()) / n:.1f} statements")
    for sql, times in statements.most_common(60):
        print(f"    {times / n:5.1f}  {sql}")
    if args.cprofile:
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.cprofile)
        stats.sort_stats("cumulative").print_stats("registry/", args.cprofile)


if __name__ == "__main__":
    main()
