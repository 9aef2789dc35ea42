"""Pages and endpoints that grow with the data (issue 24, item 6): each page's time, peak memory
and SQL statements, on a bench database of 100,000 grants and 1,000,000 billed usage lines.

It builds (or with --reuse-db reuses) the database `registry_bench_pages`: the grants of
bench.consent_check's fixtures (COPY), a month of usage lines from bench.billing's (COPY), billed
by the real billing run in process (Celery eager: no broker), then a strike against the largest
studio applied by its job. Then, in process through Django's test client (no HTTP server: the
figure is the page's own cost), each page is loaded once to warm up, then timed (best of
--repeat), then loaded once more under tracemalloc for its peak memory, counting its queries.

Targets (the issue): every page under 1 s and 64 MiB with 1,000,000 lines and 100,000 grants;
query counts independent of the data (tests/billing/test_invoice_lines.py and
tests/core/test_admin.py hold that at two sizes; here they are printed).

    nice -n 19 .venv/bin/python -m bench.pages --lines 1000000 --grants 100000   # the issue's size
    nice -n 19 .venv/bin/python -m bench.pages --lines 50000 --grants 10000      # a few minutes
    nice -n 19 .venv/bin/python -m bench.pages --reuse-db                         # pages only
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import re
import sys
import time
import tracemalloc

from bench.report import result

MIB = 1024 * 1024
TARGET_SECONDS = 1.0
TARGET_MIB = 64.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n")[0])
    p.add_argument("--lines", type=int, default=1_000_000, help="usage lines billed (default 1,000,000)")
    p.add_argument("--grants", type=int, default=100_000, help="consent grants (default 100,000)")
    p.add_argument("--studios", type=int, default=500)
    p.add_argument("--performers", type=int, default=20_000)
    p.add_argument("--period", default="2026-03", help="the month billed (default 2026-03)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--repeat", type=int, default=3, help="timed loads of each page; the best is kept (default 3)")
    p.add_argument("--db", default="registry_bench_pages")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no db name")
    p.add_argument("--reuse-db", action="store_true", help="measure the pages on the database a run left")
    p.add_argument("--drop-db", action="store_true", help="drop the database at the end (kept by default)")
    args = p.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        p.error("--db must be a plain lower-case identifier")
    try:
        year, month = (int(x) for x in args.period.split("-"))
        args.period = dt.date(year, month, 1)
    except ValueError:
        p.error("--period takes YYYY-MM")
    if args.lines < args.studios * 20:
        p.error("give each studio at least 20 lines")
    return args


def build(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db.models import Count

    from bench.billing import fixtures
    from registry.billing.runs import billing_run_start
    from registry.consent.services import strike_declare, strike_job_run
    from registry.core.actors import Actor
    from registry.parties.models import Studio
    from registry.terms.models import Agreement
    from registry.usage.models import UsageLine

    actor = Actor.system("pages benchmark")

    t = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    builder = fixtures.build_grants(
        n_grants=args.grants, n_studios=args.studios, n_performers=args.performers, seed=args.seed
    )
    print(f"  {len(builder.infos):,} grants loaded in {time.monotonic() - t:.0f} s", flush=True)
    t = time.monotonic()
    loaded = fixtures.load(n_lines=args.lines, builder=builder, period=args.period, seed=args.seed)
    print(f"  {loaded.lines:,} usage lines loaded in {time.monotonic() - t:.0f} s", flush=True)
    t = time.monotonic()
    billing_run_start(period=args.period, actor=actor)  # eager: the run finishes here
    print(f"  billed in {time.monotonic() - t:.0f} s", flush=True)
    t = time.monotonic()
    # A strike against the studio with the most lines (and so the most grants): its page and its
    # suspensions are the largest there are.
    largest = UsageLine.objects.values("studio").order_by().annotate(n=Count("id")).order_by("-n").first()
    strike = strike_declare(
        agreement=Agreement.objects.get(code="tvth-2023"),
        studios=[Studio.objects.get(pk=largest["studio"])],
        reason="bench/pages",
        actor=actor,
    )
    for job in strike.jobs.order_by("pk").values_list("pk", flat=True):
        strike_job_run(job_id=job)
    print(f"  strike applied in {time.monotonic() - t:.0f} s", flush=True)


def pages() -> list[tuple[str, str, str]]:
    """(name, caller, url): the pages the issue named, on the largest records the data holds."""
    from django.db.models import Count

    from registry.billing.models import Invoice, JournalEntry
    from registry.consent.models import Strike

    invoice = (
        Invoice.objects.filter(document_type="invoice")
        .annotate(n=Count("lines"))
        .order_by("-n")
        .values_list("pk", "public_id", "n")
        .first()
    )
    pk, public_id, n_lines = invoice
    entry = JournalEntry.objects.filter(invoice_id=pk).annotate(n=Count("postings")).order_by("-n").first()
    strike = Strike.objects.annotate(n=Count("suspensions")).order_by("-n").first()
    print(
        f"  the largest invoice: {n_lines:,} lines; its entry: {entry.postings.count():,} postings; "
        f"the strike: {strike.suspensions.count():,} suspensions",
        flush=True,
    )
    api = f"/api/v1/invoices/{public_id}"
    return [
        ("API invoice detail", "api", api),
        ("API invoice lines, page of 500", "api", f"{api}/lines/?page_size=500"),
        ("API invoice lines.csv (streamed)", "api", f"{api}/lines.csv"),
        ("API invoice PDF", "api", f"{api}/pdf"),
        ("API consent requests, page of 500", "api", "/api/v1/consent-requests/?page_size=500"),
        ("admin invoice page", "admin", f"/admin/billing/invoice/{pk}/change/"),
        ("admin invoice's lines", "admin", f"/admin/billing/invoiceline/?invoice__id__exact={pk}"),
        ("admin journal entry page", "admin", f"/admin/billing/journalentry/{entry.pk}/change/"),
        ("admin strike page", "admin", f"/admin/consent/strike/{strike.pk}/change/"),
        ("admin strike's suspensions", "admin", f"/admin/consent/suspension/?strike__id__exact={strike.pk}"),
        ("admin grants", "admin", "/admin/consent/consentgrant/"),
        ("admin grants, search by name", "admin", "/admin/consent/consentgrant/?q=Okafor"),
        ("admin consent requests", "admin", "/admin/consent/consentrequest/"),
        ("admin usage lines", "admin", "/admin/usage/usageline/"),
        ("admin usage lines, search by name", "admin", "/admin/usage/usageline/?q=Okafor"),
        ("admin usage lines, last page offered", "admin", "/admin/usage/usageline/?p=100"),
        ("admin invoice lines", "admin", "/admin/billing/invoiceline/"),
        ("admin postings", "admin", "/admin/billing/posting/"),
        ("admin consent tokens", "admin", "/admin/tokens/consenttoken/"),
    ]


def load(client, url: str) -> int:
    response = client.get(url)
    if response.streaming:
        for _ in response.streaming_content:  # sent as it is written: nothing kept
            pass
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
    return response.status_code


def measure(client, url: str, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    load(client, url)  # warm: caches, the first connection
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        load(client, url)
        best = min(best, time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    with CaptureQueriesContext(connection) as captured:
        load(client, url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / MIB, len(captured)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(
        DATABASE_URL=f"{args.pg}/{args.db}",
        DJANGO_SETTINGS_MODULE="config.settings",
        REGISTRY_MODE="development",
        DJANGO_DEBUG="false",
        ALLOWED_HOSTS="testserver,localhost",
    )
    # No broker: the billing run and the strike's job run in this process.
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    import psycopg

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone()
        if not (args.reuse_db and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{args.db}"')
    import django

    django.setup()
    try:
        if not (args.reuse_db and exists):
            print(f"bench/pages: building {args.grants:,} grants and {args.lines:,} billed usage lines", flush=True)
            build(args)
        return run_pages(args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.drop_db:
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


def run_pages(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from rest_framework.test import APIClient

    from registry.consent.models import ConsentGrant
    from registry.parties import roles
    from registry.usage.models import UsageLine

    roles.sync_staff_groups()
    user, _ = get_user_model().objects.get_or_create(username="bench-pages", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=roles.UNION_ADMIN))
    admin = Client()
    admin.force_login(user)
    api = APIClient()
    api.force_authenticate(user=user)
    clients = {"admin": admin, "api": api}
    print(
        f"bench/pages: {ConsentGrant.objects.count():,} grants, {UsageLine.objects.count():,} usage lines; "
        f"best of {args.repeat} loads, peak memory under tracemalloc",
        flush=True,
    )
    print(f"{'page':42} {'time':>9} {'peak':>10} {'queries':>8}")
    failed = 0
    for name, caller, url in pages():
        seconds, mib, queries = measure(clients[caller], url, args.repeat)
        ok = seconds < TARGET_SECONDS and mib < TARGET_MIB
        failed += not ok
        print(
            f"{name:42} {seconds * 1000:7.0f} ms {mib:7.1f} MiB {queries:8d}  {'PASS' if ok else 'FAIL'}", flush=True
        )
        result(
            bench="pages",
            figure=f"{name} ({queries} queries, {mib:.1f} MiB)",
            value=seconds * 1000,
            unit="ms",
            baseline=None,
            baseline_label="",
            ratio=None,
            target=f"< {TARGET_SECONDS * 1000:.0f} ms and < {TARGET_MIB:.0f} MiB",
            passed=ok,
        )
    print(f"{failed} page(s) over a target" if failed else "every page within the targets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
