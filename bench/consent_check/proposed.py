"""A prototype of the changes the benchmark report proposes for the check path, for measuring only.

Nothing here changes application code on disk: `apply()` swaps the proposed functions in, in this
process. It lets the same benchmark measure the proposal and prove it answers identically:

    .venv/bin/python -m bench.consent_check --app bench.consent_check.proposed:application
    .venv/bin/python -m bench.consent_check.proposed          # same answers for every bench body?

The functions are written as they would read in registry/ (see the report for the diff).

Stage 1 (ORM, 7 -> 4 statements per check; now in registry/, so `apply(1)` changes nothing):
- `performer_by_reference`: the performer and their preferences in one query (LEFT JOIN on a
  one-to-one), no ORDER BY on a unique lookup;
- `grant_candidates`: for a check about today (the common case), one query, with the current
  status and the open suspensions' causes as EXISTS columns, instead of three (grants, status
  history, suspensions); a past date still reads the history;
- `consent_check`: takes the preferences loaded with the performer;
- `api_key_authenticate`: no ORDER BY on the unique prefix lookup.

Stage 2 (`apply(stage=2)`, `application_fast`): the same three reads as SQL written once and run
with a cursor, rows converted by the fields' own converters. Django compiles each queryset anew
on every call, which costs 0.5-2 ms of CPU per query here, several times what PostgreSQL spends
answering it; the SQL is plain (EXISTS, LEFT JOIN, %s parameters), so SQLite runs it too.
"""

from __future__ import annotations

import datetime as dt
import os
import sys


def apply(stage: int = 1) -> None:
    """Stage 1 has landed in registry/ (consent.selectors and parties.services), so it is the
    application as it stands; stage 2 is swapped in on top of it."""
    if stage >= 2:
        apply_stage2()


def apply_stage2() -> None:
    import functools

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    import registry.api.authentication as authentication
    import registry.parties.services as party_services
    from registry.consent import rules, selectors
    from registry.consent.models import ConsentGrant, PerformerPreferences, Suspension
    from registry.parties import keys
    from registry.parties.models import ApiKey, Performer, Studio

    # --- what would be registry/core/rawsql.py --------------------------------------------------
    class Columns:
        """Some concrete columns of a model: their SQL, and the ORM's converters for their values."""

        def __init__(self, model, alias: str, names: list[str] | None = None):
            fields = [f for f in model._meta.concrete_fields if names is None or f.attname in names]
            self.model, self.alias = model, alias
            self.attnames = [f.attname for f in fields]
            self.cols = [f.get_col(alias) for f in fields]

        def sql(self, connection) -> str:
            q = connection.ops.quote_name
            return ", ".join(f"{q(self.alias)}.{q(c.target.column)}" for c in self.cols)

        def converters(self, connection) -> list:
            by_vendor = self.__dict__.setdefault("_converters", {})
            if connection.vendor not in by_vendor:
                by_vendor[connection.vendor] = [
                    connection.ops.get_db_converters(c) + c.get_db_converters(connection) for c in self.cols
                ]
            return by_vendor[connection.vendor]

        def instance(self, connection, values):
            """The model instance the ORM would have built from these values (other fields deferred)."""
            converted = []
            for col, fns, value in zip(self.cols, self.converters(connection), values, strict=True):
                for fn in fns:
                    value = fn(value, col, connection)
                converted.append(value)
            return self.model.from_db(connection.alias, self.attnames, converted)

    def table(model, connection) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    # --- parties.services.api_key_authenticate ---------------------------------------------------
    key_cols = Columns(ApiKey, "k")
    studio_cols = Columns(Studio, "s")

    @functools.cache
    def key_sql(vendor: str) -> str:
        return (
            f"SELECT {key_cols.sql(connection)}, {studio_cols.sql(connection)} "  # noqa: S608 (names from _meta)
            f"FROM {table(ApiKey, connection)} k "
            f"JOIN {table(Studio, connection)} s ON s.id = k.studio_id WHERE k.prefix = %s"
        )

    def api_key_authenticate(secret: str) -> ApiKey | None:
        """The active key matching `secret`, or None. Never says which part was wrong."""
        prefix = keys.parse_prefix(secret)
        if prefix is None:
            return None
        with connection.cursor() as cursor:
            cursor.execute(key_sql(connection.vendor), [prefix])
            row = cursor.fetchone()
        if row is None:
            return None
        n = len(key_cols.attnames)
        api_key = key_cols.instance(connection, row[:n])
        api_key.studio = studio_cols.instance(connection, row[n:])
        if not keys.key_matches(secret, api_key.secret_hash):
            return None
        if api_key.revoked_at is not None:
            return None
        now = timezone.now()
        stale = api_key.last_used_at is None or now - api_key.last_used_at >= settings.API_KEY_LAST_USED_RESOLUTION
        if stale:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
            api_key.last_used_at = now
        return api_key

    # --- consent.selectors.performer_by_reference --------------------------------------------------
    performer_cols = Columns(Performer, "p")
    prefs_cols = Columns(PerformerPreferences, "pr")

    @functools.cache
    def performer_sql(vendor: str, field: str) -> str:
        return (
            f"SELECT {performer_cols.sql(connection)}, {prefs_cols.sql(connection)} "  # noqa: S608
            f"FROM {table(Performer, connection)} p LEFT JOIN {table(PerformerPreferences, connection)} pr "
            f"ON pr.performer_id = p.id WHERE p.{connection.ops.quote_name(field)} = %s"
        )

    def performer_by_reference(reference: str) -> Performer | None:
        """A performer by public id (`prf_…`) or by union member number, with their preferences."""
        reference = (reference or "").strip()
        if not reference:
            return None
        field = "public_id" if reference.startswith("prf_") else "member_number"
        with connection.cursor() as cursor:
            cursor.execute(performer_sql(connection.vendor, field), [reference])
            row = cursor.fetchone()
        if row is None:
            return None
        n = len(performer_cols.attnames)
        performer = performer_cols.instance(connection, row[:n])
        prefs = prefs_cols.instance(connection, row[n:]) if row[n] is not None else None
        Performer.preferences.related.set_cached_value(performer, prefs)  # None: "has no preferences"
        return performer

    # --- consent.selectors.grant_candidates, for now --------------------------------------------------
    scope_cols = Columns(
        ConsentGrant,
        "g",
        [
            "public_id",
            "status",
            "use",
            "project_kind",
            "project_title",
            "production_number",
            "advertiser",
            "product_line",
            "term_start",
            "term_end",
            "media",
            "territory",
            "future_spots",
        ],
    )

    @functools.cache
    def candidates_sql(vendor: str) -> str:
        suspension = table(Suspension, connection)
        open_ = f"SELECT 1 FROM {suspension} su WHERE su.grant_id = g.id AND su.ended_at IS NULL AND su.cause = %s"  # noqa: S608
        return (
            f"SELECT {scope_cols.sql(connection)}, EXISTS ({open_}), EXISTS ({open_}) "  # noqa: S608
            f"FROM {table(ConsentGrant, connection)} g "
            "WHERE g.studio_id = %s AND g.performer_id = %s AND g.activated_at <= %s "
            "ORDER BY g.activated_at DESC"
        )

    history_candidates = selectors.grant_candidates  # the application's: history for past dates

    def grant_candidates(
        *, studio_id: int, performer_id: int, as_of: dt.datetime, current: bool = False
    ) -> list[rules.GrantCandidate]:
        if not current:
            return history_candidates(studio_id=studio_id, performer_id=performer_id, as_of=as_of)
        with connection.cursor() as cursor:
            cursor.execute(
                candidates_sql(connection.vendor),
                ["performer", "strike", studio_id, performer_id, connection.ops.adapt_datetimefield_value(as_of)],
            )
            rows = cursor.fetchall()
        out = []
        for row in rows:
            g = scope_cols.instance(connection, row[:-2])
            causes = tuple(c for c, on in (("performer", row[-2]), ("strike", row[-1])) if on)
            out.append(
                rules.GrantCandidate(grant_id=g.public_id, scope=g.scope(), status=g.status, suspension_causes=causes)
            )
        return out

    selectors.performer_by_reference = performer_by_reference
    selectors.grant_candidates = grant_candidates
    party_services.api_key_authenticate = api_key_authenticate
    authentication.api_key_authenticate = api_key_authenticate


def _application(stage: int):
    from django.core.wsgi import get_wsgi_application

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    app = get_wsgi_application()
    apply(stage)
    return app


def __getattr__(name: str):
    # gunicorn imports the application lazily, so running the checker below never builds one.
    if name == "application":
        return _application(1)
    if name == "application_fast":
        return _application(2)
    raise AttributeError(name)


def main(argv: list[str] | None = None) -> int:
    """Answer every bench body with the current code and with the proposal; report differences."""
    import argparse
    import json
    import tempfile
    from pathlib import Path

    p = argparse.ArgumentParser(prog="python -m bench.consent_check.proposed", description=main.__doc__)
    p.add_argument("--db", default="registry_bench")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--limit", type=int, default=0, help="only the first N bodies (default: all)")
    p.add_argument("--stage", type=int, default=1, choices=(1, 2))
    args = p.parse_args(argv)
    bodies_file = Path(tempfile.gettempdir()) / f"consent_check_{args.db}" / "bodies.tsv"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=f"{args.pg}/{args.db}",
        REGISTRY_MODE="development",
        DJANGO_DEBUG="false",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    lines = [line.split("\t") for line in bodies_file.read_text().splitlines()]

    lines = lines[: args.limit] if args.limit else lines
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    def answer_all(client: Client) -> tuple[list[bytes], float]:
        out = []
        statements[0] = 0
        for secret, body, _ in lines:
            with connection.execute_wrapper(count):
                r = client.post(
                    "/api/v1/consent-checks/",
                    data=body,
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {secret}",
                )
            data = json.loads(r.content)
            data.pop("on", None)  # the same day either way
            out.append(json.dumps([r.status_code, data], sort_keys=True).encode())
        return out, statements[0] / len(lines)

    before, q_before = answer_all(Client())
    apply(args.stage)
    after, q_after = answer_all(Client())
    differences = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    print(
        f"{len(lines)} bodies: {len(differences)} different answers; "
        f"SQL statements per check (excluding the health check's SELECT 1): {q_before:.2f} -> {q_after:.2f}"
    )
    for i in differences[:5]:
        print(f"  body {lines[i][1]}\n    now:      {before[i].decode()}\n    proposed: {after[i].decode()}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
