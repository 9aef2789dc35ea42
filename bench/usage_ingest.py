"""bench/usage_ingest: usage lines accepted per second through the real API into PostgreSQL.

    .venv/bin/python -m bench.usage_ingest [--reports 20] [--lines 1000] [--clients 2]

Reports of 1,000 lines (each line checked against its grant as it stood on the use date) go
through gunicorn + DRF + PostgreSQL; the baseline is a raw psycopg COPY of the same rows into a
table shaped like usage_usageline, measured in the same run (the median of three passes).
Target: >= 5,000 lines/s.
The load generator and PostgreSQL share the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parents[1]
PG = "postgres://postgres@127.0.0.1:5432"
DB = "registry_bench_usage"
TARGET_LINES_PER_S = 5000


def psql(sql: str, db: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-qc", sql], check=True, capture_output=True
    )


def setup_database(env: dict) -> None:
    psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DB}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


FIXTURES = r"""
import datetime as dt, json, sys
from decimal import Decimal
import django
django.setup()
from django.utils import timezone
from registry.consent import rules, services
from registry.core.actors import Actor
from registry.parties.models import Performer, Studio
from registry.parties.services import api_key_issue
from registry.terms.models import Agreement

n = int(sys.argv[1])
actor = Actor.system("bench")
agreement = Agreement.objects.get(code="tvth-2026")
studio = Studio.objects.create(legal_name="Bench Pictures")
studio.agreements.add(agreement)
_, key = api_key_issue(studio=studio, name="bench", scopes=None, actor=actor)
today = timezone.localdate()
project = rules.Project(kind="picture", title="Bench Picture", production_number="BEN-1")
grants = []
for i in range(n):
    p = Performer.objects.create(member_number=f"BEN-{i:05d}", legal_name=f"Bench Performer {i}",
                                 date_of_birth=dt.date(1980, 1, 1))
    req = services.consent_request_create(new=services.NewRequest(
        studio=studio, performer=p, agreement=agreement, use="replica_use", project=project,
        description=rules.Description(role_or_scenes="A stunt double's replica in scenes 1-9",
            intended_uses=("Replica performs the chase sequence",), media=("streaming",), territory=("US",),
            term_start=today, term_end=today + dt.timedelta(days=365)),
        compensation=rules.Compensation(amount=Decimal("1300"), currency="USD", unit="day")), actor=actor)
    signer = services.Signer(role="performer", name=p.legal_name)
    g = services.consent_request_accept(request=req, signer=signer, description_sha256=req.current_description.sha256,
                                        attestation_text="I consent.", actor=actor)
    grants.append(g.public_id)
print(json.dumps({"key": key, "grants": grants, "use_date": today.isoformat()}))
"""


def make_fixtures(env: dict, grants: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", FIXTURES, str(grants)], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def report_body(report_no: int, lines: int, fixtures: dict) -> dict:
    grants = fixtures["grants"]
    return {
        "report_id": f"bench-{report_no:05d}",
        "lines": [
            {
                "line_id": f"b{report_no:05d}-{i:05d}",
                "kind": "replica_use",
                "grant": grants[i % len(grants)],
                "project": {"kind": "picture", "title": "Bench Picture", "production_number": "BEN-1"},
                "use_date": fixtures["use_date"],
                "units": "1",
                "unit": "days",
                "role_category": "day_performer",
                "estimated_days": "1",
                "media": ["streaming"],
                "territory": ["US"],
            }
            for i in range(lines)
        ],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--timeout=120",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def post_reports(port: int, key: str, bodies: list[bytes], statuses: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for body in bodies:
        conn.request(
            "POST",
            "/api/v1/usage-reports/",
            body=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        statuses.append(response.status)
    conn.close()


# The COPY baseline's rows: every column the API writes, each beside its value, so a column added
# to usage lines is one line here (tests/bench/test_usage_ingest_bench.py fails until it is); the
# three that vary per line (line_ref, kind, use_date) are written per row.
BASELINE_FIXED = {
    "status": "accepted",
    "project_kind": "picture",
    "project_title": "Bench Picture",
    "production_number": "BEN-1",
    "units": "1",
    "unit": "days",
    "role_category": "day_performer",
    "estimated_days": "1",
    "currency": "USD",
    "media": '["streaming"]',
    "territory": '["US"]',
    "alteration_exemption": "",
    "violation_code": "",
    "violation_detail": "",
    "retraction_reason": "",
    "unrateable_reason": "",
    "exemption_justification": "",
    "exemption_review": "",
    "exemption_reviewed_by": "",
    "role": "",
    "intended_use": "",
    "sensitive_content": "[]",
    "realtime_generation": "f",
}
# Foreign keys the baseline leaves empty (it has no reports, studios or agreements to point at).
BASELINE_LEFT_EMPTY = ("report_id", "studio_id", "agreement_id")


# The baseline is taken this many times and its median kept: one pass of a few seconds spread
# by 15 % between runs on these shared machines, more than the changes it was meant to judge.
BASELINE_PASSES = 3


def copy_baseline(bodies: list[dict], passes: int = BASELINE_PASSES) -> tuple[float, list[float]]:
    """The same rows through a raw COPY into a table shaped like usage_usageline: the floor.
    Returns the median rate of `passes` passes (the table emptied before each) and every pass's."""
    import psycopg

    fixed = BASELINE_FIXED
    columns = ("line_ref", "kind", "use_date", *fixed)
    rates = []
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_copy (LIKE usage_usageline INCLUDING DEFAULTS)")
        conn.execute(
            "ALTER TABLE bench_copy "
            + ", ".join(f"ALTER COLUMN {c} DROP NOT NULL" for c in BASELINE_LEFT_EMPTY)
            + ", ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"
        )
        for _ in range(passes):
            conn.execute("TRUNCATE bench_copy")
            rows = 0
            start = time.perf_counter()
            for body in bodies:
                with conn.transaction(), conn.cursor() as cur:
                    buffer = io.StringIO()
                    for line in body["lines"]:
                        buffer.write(
                            "\t".join([line["line_id"], line["kind"], line["use_date"], *fixed.values()]) + "\n"
                        )
                        rows += 1
                    with cur.copy(f"COPY bench_copy ({', '.join(columns)}) FROM STDIN") as copy:
                        copy.write(buffer.getvalue())
            rates.append(rows / (time.perf_counter() - start))
    return statistics.median(rates), rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--grants", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)

    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "REGISTRY_MODE": "development",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    print(f"setting up {DB} with {args.grants} grants ...", flush=True)
    setup_database(env)
    fixtures = make_fixtures(env, args.grants)
    bodies = [report_body(n, args.lines, fixtures) for n in range(args.reports)]
    encoded = [json.dumps(b).encode() for b in bodies]
    port = free_port()
    server = start_server(env, port, args.workers)
    try:
        warm = [json.dumps(report_body(90000 + n, 50, fixtures)).encode() for n in range(4)]
        post_reports(port, fixtures["key"], warm, [])
        statuses: list[int] = []
        shards = [encoded[i :: args.clients] for i in range(args.clients)]
        threads = [
            threading.Thread(target=post_reports, args=(port, fixtures["key"], shard, statuses)) for shard in shards
        ]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    errors = sum(1 for s in statuses if s != 201)
    api_rate = args.reports * args.lines / elapsed
    copy_rate, copy_rates = copy_baseline(bodies)
    if not args.keep_db:
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')

    ratio = api_rate / copy_rate
    print(
        f"machine: {platform.machine()} cores={os.cpu_count()} python={platform.python_version()} "
        f"(load generator, gunicorn x{args.workers} and PostgreSQL share the cores)"
    )
    print(f"{args.reports} reports x {args.lines} lines, {args.clients} clients, {dt.datetime.now():%Y-%m-%d %H:%M}")
    print(f"{'figure':<34}{'lines/s':>12}")
    print(f"{'API (validate + store)':<34}{api_rate:>12,.0f}")
    print(f"{'raw COPY (baseline, median)':<34}{copy_rate:>12,.0f}  ({', '.join(f'{r:,.0f}' for r in copy_rates)})")
    print(f"ratio API/COPY = {ratio:.3f}")
    print(
        f"target >= {TARGET_LINES_PER_S:,} lines/s: {'PASS' if api_rate >= TARGET_LINES_PER_S else 'FAIL'}; "
        f"errors: {errors} {'PASS' if errors == 0 else 'FAIL'}"
    )
    report.result(
        bench="usage_ingest",
        figure=f"usage lines through the API ({errors} errors)",
        value=api_rate,
        unit="lines/s",
        baseline=copy_rate,
        baseline_label=f"raw COPY (median of {len(copy_rates)})",
        ratio=ratio,
        target=f">= {TARGET_LINES_PER_S:,} lines/s, no errors",
        passed=api_rate >= TARGET_LINES_PER_S and errors == 0,
    )
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
