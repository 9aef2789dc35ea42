"""Run the strike benchmark end to end; see bench/README.md (section strikes).

1. (Re)create the PostgreSQL database, migrate it, load 200 studios, 20,000 performers and
   100,000 active grants under one agreement, each with its request, signature, history and
   signed token (bench/consent_check's fixture builder, no later life: every grant is live);
   register a webhook endpoint for some studios, on a receiver in this process.
2. Baselines, measured in the same run, each in a transaction rolled back: the same writes as
   plain SQL (one INSERT … SELECT of suspensions, one UPDATE of the grants, one INSERT … SELECT
   of their history, one UPDATE of their tokens), and the per-grant path a declaration ran
   before strikes had jobs (`services._suspend` on a sample), per grant.
3. Start two `celery worker` processes on a Redis database of the bench's own; declare a strike
   against every studio through the staff console (a union admin's POST to the admin's declare
   page, through Django's request handler in this process), timing the request; poll the
   strike's job until it is done (every grant suspended, each status list re-signed); check it
   all: grants, suspensions, tokens, the signed lists' slots, the webhooks, the audit chain.
4. Lift it the same way, and check that everything is back.
5. Print the figures, the targets with PASS/FAIL and the BENCH_RESULT lines.

Exit status: 0 when the measurement completed (whether or not a target was met); 1 when it
could not be made or the strike came out wrong.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.server
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench import report as bench_report
from bench.billing.runner import loadavg, machine_busy_ticks, start_workers
from bench.consent_check.runner import cpu_ticks, drop_database, postgres_pids, recreate_database

TARGET_APPLY_S = 30.0
TARGET_REQUEST_S = 1.0
PER_GRANT_SAMPLE = 300
CLK_TCK = os.sysconf("SC_CLK_TCK")
AGREEMENT = "tvth-2023"
# One agreement, film and TV studios only: a strike is against studios under one agreement.
FILM_ONE_AGREEMENT = {"film": (1.0, (("picture", 0.55), ("series", 0.45)), (AGREEMENT,))}


class BenchError(Exception):
    pass


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.strikes", description=__doc__.split("\n")[0])
    p.add_argument("--grants", type=int, default=100_000, help="consent grants, all struck (default 100000)")
    p.add_argument("--studios", type=int, default=200)
    p.add_argument("--performers", type=int, default=20_000)
    p.add_argument("--webhook-studios", type=int, default=20, help="studios with a webhook endpoint (default 20)")
    p.add_argument("--workers", type=int, default=2, help="celery worker processes (default 2)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--db", default="registry_bench_strikes", help="database to create (dropped first)")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no db name")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/7", help="a Redis database of the bench's own")
    p.add_argument("--timeout", type=int, default=600, help="seconds to wait for one job (default 600)")
    p.add_argument("--keep-db", action="store_true", help="keep the bench database (dropped by default)")
    args = p.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        p.error("--db must be a plain lower-case identifier")
    if min(args.grants, args.studios, args.performers, args.workers) < 1:
        p.error("counts must be positive")
    return args


# --- Fixtures ---------------------------------------------------------------------------------
def load(args) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.utils import timezone

    from bench.consent_check import fixtures as grant_fixtures
    from registry.parties import roles

    t = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    saved = grant_fixtures.PROFILES
    grant_fixtures.PROFILES = FILM_ONE_AGREEMENT
    try:
        builder = grant_fixtures.Builder(
            n_grants=args.grants,
            n_studios=args.studios,
            n_performers=args.performers,
            seed=args.seed,
            now=timezone.now(),
            later_life=False,
            amend_share=0.0,
            only_agreement=AGREEMENT,
        )
        builder.build_parties()
        builder.build_projects()
        builder.build_grants()
        builder.build_tokens()
        builder.write()
    finally:
        grant_fixtures.PROFILES = saved
    roles.sync_staff_groups()
    admin = get_user_model().objects.create_user(username="bench-admin", is_staff=True)
    admin.groups.add(Group.objects.get(name=roles.UNION_ADMIN))
    _vacuum_analyze()
    print(
        f"  migrated and loaded {args.studios} studios, {args.performers:,} performers, {len(builder.infos):,} grants "
        f"with their tokens in {len(builder.status_lists)} status lists, in {time.monotonic() - t:.1f} s"
    )


def _vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- Webhook receiver -------------------------------------------------------------------------
class Receiver(http.server.ThreadingHTTPServer):
    """Answers every webhook 204 and counts the grant ids each event type announced."""

    daemon_threads = True

    def __init__(self) -> None:
        self.grants: dict[str, Counter[str]] = {}
        self.events: Counter[str] = Counter()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), ReceiverHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        with self.server.lock:
            self.server.events[body["type"]] += 1
            counted = self.server.grants.setdefault(body["type"], Counter())
            counted.update(body["data"].get("grants", []))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def register_endpoints(args, receiver: Receiver) -> set[int]:
    from registry.core.actors import Actor
    from registry.parties.models import Studio
    from registry.webhooks.services import endpoint_create

    studios = list(Studio.objects.order_by("?")[: args.webhook_studios])
    for studio in studios:
        endpoint_create(
            studio=studio,
            url=receiver.url,
            event_types=["strike.declared", "strike.grants_suspended", "strike.lifted", "strike.grants_restored"],
            actor=Actor.system("strike benchmark"),
        )
    return {s.pk for s in studios}


# --- Baselines --------------------------------------------------------------------------------
class _RolledBack(Exception):
    pass


@contextlib.contextmanager
def rolled_back():
    from django.db import transaction

    try:
        with transaction.atomic():
            yield
            raise _RolledBack
    except _RolledBack:
        pass


def time_sql_baseline(runs: int = 3) -> list[float]:
    """The writes a strike makes, as plain set-based SQL over every live grant of the agreement,
    in a transaction rolled back: what no implementation can do with less."""
    from django.db import connection
    from django.utils import timezone

    from registry.consent.models import Strike
    from registry.terms.models import Agreement

    agreement = Agreement.objects.get(code=AGREEMENT)
    out = []
    for _ in range(runs):
        with rolled_back():
            now = timezone.now()
            strike = Strike.objects.create(
                agreement=agreement, reason="baseline", starts_at=now, declared_at=now, declared_by="bench"
            )
            t = time.monotonic()
            with connection.cursor() as cursor:
                live = "agreement_id = %s AND status IN ('active', 'suspended')"
                cursor.execute(
                    "INSERT INTO consent_suspension (grant_id, cause, strike_id, reason, started_at) "  # noqa: S608
                    f"SELECT id, 'strike', %s, 'baseline', %s FROM consent_consentgrant WHERE {live}",
                    [strike.pk, now, agreement.pk],
                )
                cursor.execute(
                    "INSERT INTO consent_grantstatuschange (grant_id, from_status, to_status, at, reason, strike_id) "  # noqa: S608
                    f"SELECT id, 'active', 'suspended', %s, 'baseline', %s FROM consent_consentgrant WHERE {live}",
                    [now, strike.pk, agreement.pk],
                )
                cursor.execute(
                    "UPDATE tokens_consenttoken SET status = 2 WHERE replaced_by_id IS NULL AND grant_id IN "  # noqa: S608
                    f"(SELECT id FROM consent_consentgrant WHERE {live})",
                    [agreement.pk],
                )
                cursor.execute(f"UPDATE consent_consentgrant SET status = 'suspended' WHERE {live}", [agreement.pk])  # noqa: S608
            out.append(time.monotonic() - t)
    return out


def time_per_grant_path(sample: int) -> tuple[float, float]:
    """The path a declaration ran before jobs: each grant locked and suspended through
    `services._suspend` (its status change, history, audit event, token hook and webhook hook),
    on `sample` grants in a transaction rolled back. Returns (seconds, SQL statements) per grant."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from registry.consent import services
    from registry.consent.models import ConsentGrant, Strike
    from registry.core.actors import Actor
    from registry.core.vocabulary.consent import SuspensionCause
    from registry.terms.models import Agreement

    agreement = Agreement.objects.get(code=AGREEMENT)
    with rolled_back():
        now = timezone.now()
        strike = Strike.objects.create(
            agreement=agreement, reason="baseline", starts_at=now, declared_at=now, declared_by="bench"
        )
        grants = ConsentGrant.objects.filter(agreement=agreement).order_by("?")
        pks = list(grants.values_list("pk", flat=True)[:sample])
        actor = Actor.system("strike benchmark")
        with CaptureQueriesContext(connection) as queries:
            t = time.monotonic()
            for pk in pks:
                grant = (
                    ConsentGrant.objects.select_for_update(of=("self",))
                    .select_related("performer", "studio")
                    .get(pk=pk)
                )
                services._suspend(
                    grant, cause=SuspensionCause.STRIKE, strike=strike, reason=strike.reason, actor=actor, at=now
                )
            seconds = time.monotonic() - t
    return seconds / len(pks), len(queries.captured_queries) / len(pks)


# --- The strike -------------------------------------------------------------------------------
@dataclass
class Phase:
    name: str
    request_s: float = 0.0
    job_s: float = 0.0  # from the request's start to the job's end (lists re-signed)
    job: object = None
    cpu: dict[str, float] = field(default_factory=dict)
    loadavg_before: str = ""
    loadavg_after: str = ""


def staff_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-admin"))
    return client


def run_phase(name: str, post, args, workers) -> Phase:
    """POST (declare or lift), then poll the job it started until it is done."""
    from registry.consent.models import StrikeJob

    phase = Phase(name, loadavg_before=loadavg())
    pg_seen: dict[int, int] = {}
    worker_pids = [p for w in workers for p in w.pids()]
    busy0 = machine_busy_ticks()
    ours0 = cpu_ticks(worker_pids)
    me0 = cpu_ticks([os.getpid()])
    pg_before = {pid: cpu_ticks([pid]) for pid in postgres_pids(args.db)}
    started = time.monotonic()
    job_kind = post()
    phase.request_s = time.monotonic() - started
    while True:
        job = StrikeJob.objects.filter(kind=job_kind).select_related("strike").get()
        if job.status == "done":
            break
        for pid in postgres_pids(args.db):
            pg_seen[pid] = max(pg_seen.get(pid, 0), cpu_ticks([pid]))
        if time.monotonic() - started > args.timeout:
            raise BenchError(f"the {job_kind} job was still {job.status} after {args.timeout} s")
        for w in workers:
            if w.proc.poll() is not None:
                raise BenchError(f"a worker died:\n{w.output()[-3000:]}")
        time.sleep(0.25)
    phase.job_s = time.monotonic() - started
    phase.job = job
    for pid in postgres_pids(args.db):
        pg_seen[pid] = max(pg_seen.get(pid, 0), cpu_ticks([pid]))
    busy = machine_busy_ticks() - busy0
    ours = cpu_ticks([p for w in workers for p in w.pids()]) - ours0
    me = cpu_ticks([os.getpid()]) - me0
    pg = sum(ticks - pg_before.get(pid, 0) for pid, ticks in pg_seen.items())
    phase.cpu = {
        "workers": ours / CLK_TCK,
        "postgresql": pg / CLK_TCK,
        "bench process (the request, polling, receiver)": me / CLK_TCK,
        "other": max(0, busy - ours - pg - me) / CLK_TCK,
        "cores busy": busy / CLK_TCK / phase.job_s,
    }
    phase.loadavg_after = loadavg()
    return phase


def declare_form(client, agreement, studios) -> dict:
    """What a union admin does before declaring: open the form and preview the strike (not timed)."""
    form = {"agreement": agreement.pk, "studios": studios, "reason": "Strike benchmark: AI terms"}
    for response in (
        client.get("/admin/consent/strike/declare/"),
        client.post("/admin/consent/strike/declare/", {**form, "preview": "1"}),
    ):
        if response.status_code != 200:
            raise BenchError(f"the declare page answered {response.status_code}")
    return form


def declare(client, form: dict) -> str:
    response = client.post("/admin/consent/strike/declare/", {**form, "confirm": "1"})
    if response.status_code != 302:
        raise BenchError(f"declaring answered {response.status_code}: {response.content[:500]!r}")
    return "apply"


def lift(client, strike) -> str:
    response = client.post("/admin/consent/strike/", {"action": "lift", "_selected_action": [strike.pk]})
    if response.status_code != 302:
        raise BenchError(f"lifting answered {response.status_code}: {response.content[:500]!r}")
    return "lift"


# --- Checks -----------------------------------------------------------------------------------
def check_strike(
    strike, n_grants: int, *, suspended: bool, since: dt.datetime, receiver: Receiver, webhook_grants: set[str]
) -> str:
    """Everything the strike (or its lift) should have written, or a BenchError."""
    from registry.audit.selectors import verify_audit_chain
    from registry.consent.models import ConsentGrant, Suspension
    from registry.tokens import statuslist
    from registry.tokens.models import ConsentToken, StatusList
    from registry.tokens.selectors import status_list_snapshot

    want = "suspended" if suspended else "active"
    slot = statuslist.SUSPENDED if suspended else statuslist.VALID
    statuses = Counter(ConsentGrant.objects.values_list("status", flat=True))
    if statuses != Counter({want: n_grants}):
        raise BenchError(f"grant statuses {dict(statuses)}, expected {n_grants:,} {want}")
    suspensions = Suspension.objects.filter(strike=strike)
    open_ones = suspensions.filter(ended_at__isnull=True).count()
    if suspensions.count() != n_grants or open_ones != (n_grants if suspended else 0):
        raise BenchError(f"{suspensions.count():,} suspensions by the strike, {open_ones:,} open")
    tokens = Counter(ConsentToken.objects.values_list("status", flat=True))
    if tokens != Counter({slot: n_grants}):
        raise BenchError(f"token statuses {dict(tokens)}, expected {n_grants:,} x {slot}")
    # The signed lists say so: every token's slot in its list's newest snapshot.
    wrong = 0
    for status_list in StatusList.objects.all():
        snapshot = status_list_snapshot(status_list)
        if snapshot is None or snapshot.issued_at < since or status_list.signed_seq != status_list.change_seq:
            raise BenchError(f"status list {status_list.public_id} was not re-signed")
        payload = json.loads(jose_payload(snapshot.jwt))
        data = statuslist.decode_lst(payload["status_list"]["lst"])
        for index in ConsentToken.objects.filter(status_list=status_list).values_list("status_index", flat=True):
            wrong += statuslist.status_at(data, index) != slot
    if wrong:
        raise BenchError(f"{wrong:,} tokens' slots in the signed lists do not say {slot}")
    event = "strike.grants_suspended" if suspended else "strike.grants_restored"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with receiver.lock:
            counted = Counter(receiver.grants.get(event, Counter()))
        if set(counted) == webhook_grants:
            break
        time.sleep(0.2)
    if set(counted) != webhook_grants or any(n != 1 for n in counted.values()):
        raise BenchError(
            f"{event}: {len(counted):,} grants announced ({sum(counted.values()):,} times), "
            f"expected {len(webhook_grants):,} once each"
        )
    chain = verify_audit_chain()
    if not chain.ok:
        raise BenchError(f"the audit chain is broken at {chain.broken_seq}: {chain.detail}")
    return f"{len(webhook_grants):,} grants announced once each to {event}"


def jose_payload(jwt: str) -> bytes:
    from registry.tokens.jose import b64url_decode

    return b64url_decode(jwt.split(".")[1])


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
        WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32",  # the receiver in this process
        PYTHONUNBUFFERED="1",
    )
    os.environ.update(env)
    print(f"bench/strikes: {args.grants:,} grants of {args.studios} studios under one agreement, all struck;")
    print(
        f"  {args.workers} celery worker processes; machine: {len(os.sched_getaffinity(0))} cores, "
        f"load average {loadavg()}"
    )
    workdir = Path(tempfile.mkdtemp(prefix="bench-strikes-"))
    recreate_database(args.pg, args.db)
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    workers = []
    phases: list[Phase] = []
    try:
        import django

        django.setup()
        import redis
        from django.db import connections

        from registry.consent.models import ConsentGrant, Strike
        from registry.parties.models import Studio
        from registry.terms.models import Agreement

        load(args)
        webhook_studios = register_endpoints(args, receiver)
        announced = set(ConsentGrant.objects.filter(studio_id__in=webhook_studios).values_list("public_id", flat=True))
        n_grants = ConsentGrant.objects.count()
        baseline_runs = time_sql_baseline()
        baseline = statistics.median(baseline_runs)
        per_grant_s, per_grant_sql = time_per_grant_path(PER_GRANT_SAMPLE)
        print(
            f"  baseline, the same writes as plain SQL over the {n_grants:,} grants (rolled back): {baseline:.2f} s "
            f"(median of {', '.join(f'{x:.2f}' for x in baseline_runs)} s)"
        )
        print(
            f"  the per-grant path (before jobs), on {PER_GRANT_SAMPLE} grants (rolled back): "
            f"{per_grant_s * 1000:.2f} ms and {per_grant_sql:.1f} SQL statements a grant, "
            f"{per_grant_s * n_grants:,.0f} s for {n_grants:,} grants in one request"
        )
        # The baselines' rolled-back writes leave dead rows behind; autovacuum would clear them.
        _vacuum_analyze()
        connections.close_all()
        redis.Redis.from_url(args.redis_url).flushdb()  # the bench's own Redis database
        workers = start_workers(args.workers, env, workdir, "strikes", name="bench-strikes")
        client = staff_client()
        agreement = Agreement.objects.get(code=AGREEMENT)
        studios = list(Studio.objects.values_list("pk", flat=True))

        form = declare_form(client, agreement, studios)
        phases.append(run_phase("apply", lambda: declare(client, form), args, workers))
        strike = Strike.objects.get()
        told = check_strike(
            strike, n_grants, suspended=True, since=strike.declared_at, receiver=receiver, webhook_grants=announced
        )
        report(phases[-1], strike, told)

        # A strike is lifted days after it is declared: autovacuum has been through the tables.
        _vacuum_analyze()
        client.get("/admin/consent/strike/")  # the list the lift action is chosen from (not timed)
        phases.append(run_phase("lift", lambda: lift(client, strike), args, workers))
        strike = Strike.objects.get()
        told = check_strike(
            strike, n_grants, suspended=False, since=strike.lifted_at, receiver=receiver, webhook_grants=announced
        )
        report(phases[-1], strike, told)
    except BenchError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        for w in workers:
            print(w.output()[-3000:], file=sys.stderr)
        return 1
    finally:
        for w in workers:
            w.stop()
        receiver.shutdown()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database(args.pg, args.db)
        shutil.rmtree(workdir, ignore_errors=True)
    summary(phases, n_grants, baseline, per_grant_s)
    return 0


def report(phase: Phase, strike, told: str) -> None:
    job = phase.job
    print(f"\n== {phase.name}: strike {strike.public_id} ==")
    print(f"  request (staff console POST, in process): {phase.request_s * 1000:.0f} ms")
    print(
        f"  job: {job.processed:,} grants, {job.changed:,} changed, {job.batches} batches, "
        f"{len(job.status_lists)} status lists re-signed; done {phase.job_s:.1f} s after the request started"
    )
    print(f"  checked: grants, suspensions, tokens, every slot in the signed lists, the audit chain; {told}")
    print(
        "  CPU: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in phase.cpu.items() if k != "cores busy")
        + f"; {phase.cpu['cores busy']:.2f} cores busy; load average {phase.loadavg_before} before, "
        f"{phase.loadavg_after} after"
    )


def summary(phases: list[Phase], n_grants: int, baseline: float, per_grant_s: float) -> None:
    if len(phases) < 2:
        return
    apply, lifted = phases
    print("\n== summary ==")
    ok_apply = apply.job_s <= TARGET_APPLY_S
    ok_request = apply.request_s < TARGET_REQUEST_S
    print(
        f"strike over {n_grants:,} grants applied, lists re-signed: {apply.job_s:.1f} s "
        f"(target <= {TARGET_APPLY_S:.0f} s: {'PASS' if ok_apply else 'FAIL'}); "
        f"{apply.job_s / baseline:.1f} x the plain SQL baseline ({baseline:.2f} s); "
        f"the per-grant path would take {per_grant_s * n_grants:,.0f} s"
    )
    print(f"declaring request: {apply.request_s * 1000:.0f} ms (target < 1 s: {'PASS' if ok_request else 'FAIL'})")
    print(
        f"strike lifted, {n_grants:,} grants restored, lists re-signed: {lifted.job_s:.1f} s; "
        f"lifting request {lifted.request_s * 1000:.0f} ms"
    )
    figure = f"strike over {n_grants:,} grants: applied, status lists re-signed"
    bench_report.result(
        bench="strikes",
        figure=figure,
        value=apply.job_s,
        unit="s",
        baseline=baseline,
        baseline_label="the same writes as plain SQL",
        ratio=apply.job_s / baseline,
        target=f"<= {TARGET_APPLY_S:.0f} s",
        passed=ok_apply,
    )
    bench_report.result(
        bench="strikes",
        figure="declaring request (staff console)",
        value=apply.request_s * 1000,
        unit="ms",
        baseline=None,
        baseline_label="",
        ratio=None,
        target="< 1,000 ms",
        passed=ok_request,
    )
    bench_report.result(
        bench="strikes",
        figure=f"strike lifted over {n_grants:,} grants: restored, status lists re-signed",
        value=lifted.job_s,
        unit="s",
        baseline=baseline,
        baseline_label="the apply's plain SQL",
        ratio=lifted.job_s / baseline,
        target="recorded (correct)",
        passed=True,
    )
    bench_report.result(
        bench="strikes",
        figure="lifting request (staff console)",
        value=lifted.request_s * 1000,
        unit="ms",
        baseline=None,
        baseline_label="",
        ratio=None,
        target="< 1,000 ms",
        passed=lifted.request_s < TARGET_REQUEST_S,
    )
