"""Where the time of one consent check goes: in process, through Django's WSGI handler, no network.

    .venv/bin/python -m bench.consent_check --keep-db           # once: database + bodies
    .venv/bin/python -m bench.consent_check.profile_check        # phases, SQL per request
    .venv/bin/python -m bench.consent_check.profile_check --cprofile 40

Each request goes through `WSGIHandler` exactly as gunicorn calls it (signals, middleware, DRF),
with timers wrapped around the application's functions in this process only (nothing is changed
on disk). SQL is timed with a connection execute wrapper, which sees the ORM's statements but
not the check's prepared statement (its phase, `_CheckSQL.read`, times it) nor the health check
of CONN_HEALTH_CHECKS (timed separately; it sends `SELECT 1` only when the socket is readable).
Phases are wall-clock time, including the database round trips made inside them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

STACK: list[str] = []
PHASE_TIME: dict[str, float] = defaultdict(float)
PHASE_CPU: dict[str, float] = defaultdict(float)
SQL_BY_PHASE: dict[str, list[tuple[str, float]]] = defaultdict(list)


def timed(name, fn):
    def wrapper(*args, **kwargs):
        STACK.append(name)
        t, c = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            PHASE_TIME[name] += time.perf_counter() - t
            PHASE_CPU[name] += time.process_time() - c
            STACK.pop()

    wrapper.__wrapped__ = fn
    return wrapper


def sql_wrapper(execute, sql, params, many, context):
    t = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        SQL_BY_PHASE[STACK[-1] if STACK else "(outside phases)"].append((sql, time.perf_counter() - t))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.consent_check.profile_check", description=__doc__)
    p.add_argument("--db", default="registry_bench")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--cprofile", type=int, default=0, metavar="N", help="also print the top N functions (cProfile)")
    p.add_argument("--bare", action="store_true", help="time the bare endpoint too, for comparison")
    args = p.parse_args(argv)
    bodies_file = Path(tempfile.gettempdir()) / f"consent_check_{args.db}" / "bodies.tsv"
    if not bodies_file.exists():
        print(f"{bodies_file} is missing: run `python -m bench.consent_check --keep-db` first", file=sys.stderr)
        return 1
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=f"{args.pg}/{args.db}",
        REDIS_URL="redis://127.0.0.1:6379/0",
        REGISTRY_MODE="development",
        DJANGO_DEBUG="false",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from rest_framework.renderers import JSONRenderer

    import registry.api.authentication as authentication
    import registry.api.permissions as permissions
    from registry.api.serializers.consent import ConsentCheckSerializer
    from registry.consent import rules, selectors

    # Wrap the phases of ConsentCheckView.post (looked up through module attributes at call time).
    authentication.api_key_authenticate = timed("auth: api_key_authenticate", authentication.api_key_authenticate)
    access = permissions.CallerAccess
    access.has_permission = timed("permission: CallerAccess", access.has_permission)
    import registry.api.v1.consent as check_view

    check_view.check_body_fast = timed("body: check_body_fast", check_view.check_body_fast)
    ConsentCheckSerializer.run_validation = timed(
        "body: serializer (unusual bodies)", ConsentCheckSerializer.run_validation
    )
    selectors.consent_check_by_reference = timed(
        "selector: consent_check_by_reference", selectors.consent_check_by_reference
    )
    selectors._CheckSQL.read = timed("  the one statement (_CheckSQL.read)", selectors._CheckSQL.read)
    selectors._status_histories = timed("  history for a past date", selectors._status_histories)
    rules.decide_check = timed("  rules.decide_check", rules.decide_check)
    JSONRenderer.render = timed("render: JSONRenderer", JSONRenderer.render)
    health = {"n": 0, "t": 0.0}

    handler = WSGIHandler()
    lines = [line.split("\t") for line in bodies_file.read_text().splitlines()]

    def environ(path: str, secret: str, body: bytes) -> dict:
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT": "application/json",
            "HTTP_AUTHORIZATION": f"Bearer {secret}",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }

    statuses = defaultdict(int)

    def start_response(status, headers, exc_info=None):
        statuses[status.split()[0]] += 1

    def call(i: int, path: str = "/api/v1/consent-checks/") -> None:
        secret, body, _ = lines[i % len(lines)]
        result = handler(environ(path, secret, body.encode()), start_response)
        b"".join(result)
        result.close()  # request_finished: what gunicorn does after sending

    def install_health_timer() -> None:
        from django.db import connections

        cls = type(connections["default"])
        original = cls.is_usable

        def is_usable(self):
            t = time.perf_counter()
            try:
                return original(self)
            finally:
                health["n"] += 1
                health["t"] += time.perf_counter() - t

        cls.is_usable = is_usable

    for i in range(200):  # warm-up: connection, caches, code paths
        call(i)
    if args.bare:
        t = time.perf_counter()
        for i in range(args.requests):
            call(i, "/bench/bare")
        bare_ms = (time.perf_counter() - t) / args.requests * 1000
    PHASE_TIME.clear()
    PHASE_CPU.clear()
    SQL_BY_PHASE.clear()
    statuses.clear()
    install_health_timer()
    n = args.requests
    cpu0, t0 = time.process_time(), time.perf_counter()
    with connection.execute_wrapper(sql_wrapper):
        for i in range(n):
            call(i)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0

    print(f"{n} consent checks in process (WSGIHandler, no network): statuses {dict(statuses)}")
    print(f"  wall {wall / n * 1000:.2f} ms/request, this process's CPU {cpu / n * 1000:.2f} ms/request")
    if args.bare:
        print(f"  bare endpoint: {bare_ms:.2f} ms/request (same path minus authentication, view and SQL)")
    print("phases, ms per request (nested phases are indented and included in their parent):")
    print(f"  {'':<38} {'wall':>6} {'CPU':>6}   SQL statements, wall ms inside execute()")
    for name, total in PHASE_TIME.items():
        sqls = SQL_BY_PHASE.get(name, [])
        sql_ms = sum(t for _, t in sqls) / n * 1000
        print(
            f"  {name:<38} {total / n * 1000:6.2f} {PHASE_CPU[name] / n * 1000:6.2f}"
            f"   SQL {len(sqls) / n:4.2f} statements, {sql_ms:5.2f} ms"
        )
    accounted = sum(t for k, t in PHASE_TIME.items() if not k.startswith("  "))
    accounted_cpu = sum(t for k, t in PHASE_CPU.items() if not k.startswith("  "))
    print(f"  {'CONN_HEALTH_CHECKS SELECT 1':<38} {health['t'] / n * 1000:6.2f}   ({health['n'] / n:.2f} per request)")
    print(
        f"  {'rest: WSGI, middleware, DRF, view':<38} {(wall - accounted - health['t']) / n * 1000:6.2f}"
        f" {(cpu - accounted_cpu) / n * 1000:6.2f}   (CPU includes the health check)"
    )
    total_sql = sum(len(v) for v in SQL_BY_PHASE.values()) / n + health["n"] / n
    total_sql_ms = (sum(t for v in SQL_BY_PHASE.values() for _, t in v) + health["t"]) / n * 1000
    print(f"SQL: {total_sql:.2f} statements per request, {total_sql_ms:.2f} ms per request including the driver")
    print("statements (per request, by phase; first 160 characters):")
    for phase, sqls in SQL_BY_PHASE.items():
        by_sql: dict[str, list[float]] = defaultdict(list)
        for sql, t in sqls:
            key = re.sub(r"IN \((%s, )*%s\)", "IN (...)", sql)
            if " WHERE " in key:
                head, tail = key.split(" WHERE ", 1)
                key = f"{head[:60]} ... WHERE {tail[:90]}"
            by_sql[key].append(t)
        for key, times in by_sql.items():
            print(f"  [{phase.strip()}] {len(times) / n:.2f}x {sum(times) / len(times) * 1000:.2f} ms  {key[:160]}")

    if args.cprofile:
        prof = cProfile.Profile()
        prof.enable()
        for i in range(min(n, 1000)):
            call(i)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(args.cprofile)
        print(out.getvalue())
    print(json.dumps({"ms_per_request": wall / n * 1000, "sql_per_request": total_sql}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
