"""Billing bench fixtures: TV/Theatrical studios, performers and grants shaped like the ones the
services write (bench.consent_check.fixtures builds them: request, description version,
signature, grant, status history, signed token), then N usage lines for one month on them.

Only grants a usage line can really rest on are used: active all along (no status change
after activation), their term covering the whole month, for a use that is billed (replica
use, scan, alteration, training). Lines are written as the usage service accepts them:
status `accepted`, the grant relied on and the covering grant, the project and agreement of
the grant. About 2 % are violations (never billable) and about 4 % are synthetic stand-ins
(no grant; the royalty goes to the union funds), so every path of rating is exercised.

Lines are streamed to COPY (registry.core.bulk.copy_insert) as they are generated: a million
rows never sit in memory. These are fixtures, not product writes: no audit rows.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from bench.consent_check import fixtures as grant_fixtures
from registry.core.bulk import copy_insert
from registry.core.partitions import monthly_tables
from registry.usage.models import SyntheticPerformer, UsageLine, UsageLineKey, UsageReport

# Grant use -> the usage kind billed against it.
KIND_FOR_USE = {
    "replica_use": "replica_use",
    "replica_creation": "scan_session",
    "digital_alteration": "digital_alteration",
    "training": "training_use",
}
VIOLATION_SHARE = 0.02
SYNTHETIC_SHARE = 0.04
TVTH_ONLY = {"film": (1.0, (("picture", 0.55), ("series", 0.45)), ("tvth-2023", "tvth-2026"))}


@dataclass
class Loaded:
    lines: int
    billable: int
    studios: int
    studios_with_lines: int
    performers: int
    grants: int
    usable_grants: int
    largest_studio_lines: int
    seconds: float


@contextlib.contextmanager
def tv_theatrical_only():
    """The grant builder's studio profiles, narrowed to film/TV: the shipped rate cards price
    TV/Theatrical work (the other agreements publish no day scale to rate a replica by)."""
    saved = grant_fixtures.PROFILES
    grant_fixtures.PROFILES = TVTH_ONLY
    try:
        yield
    finally:
        grant_fixtures.PROFILES = saved


def build_grants(*, n_grants: int, n_studios: int, n_performers: int, seed: int) -> grant_fixtures.Builder:
    with tv_theatrical_only():
        builder = grant_fixtures.Builder(
            n_grants=n_grants, n_studios=n_studios, n_performers=n_performers, seed=seed, now=timezone.now()
        )
        builder.build_parties()
        builder.build_projects()
        builder.build_grants()
        builder.build_tokens()
        builder.write()
    return builder


def usable_grants(builder: grant_fixtures.Builder, period: dt.date) -> dict[int, list]:
    """Studio index -> grants a line dated in the month can rest on."""
    end = period.replace(day=calendar.monthrange(period.year, period.month)[1])
    out: dict[int, list] = {}
    for info in builder.infos:
        g = info.grant
        if (
            info.quiet
            and g.status == "active"
            and g.use in KIND_FOR_USE
            and g.term_start <= period
            and end <= g.term_end
            and g.activated_at.date() < period
            and g.agreement.code == "tvth-2023"
        ):
            out.setdefault(info.studio_idx, []).append(info)
    return out


def load(*, n_lines: int, builder: grant_fixtures.Builder, period: dt.date, seed: int) -> Loaded:
    started = time.monotonic()
    rng = random.Random(seed)
    usable = usable_grants(builder, period)
    studios = builder.studios
    tvth = builder.agreements["tvth-2023"]
    # Lines per studio follow the studio's usable grants (its size); every studio bills something.
    weights = [len(usable.get(i, [])) + 1 for i in range(len(studios))]
    total = sum(weights)
    counts = [max(20, round(n_lines * w / total)) for w in weights]
    counts[max(range(len(counts)), key=counts.__getitem__)] += n_lines - sum(counts)
    days = calendar.monthrange(period.year, period.month)[1]
    now = timezone.now()
    billable = 0
    # The period's month has its partitions (usage lines, the invoice lines billing them) before
    # its lines arrive, as the daily task leaves them: an older month would land in the default.
    for table in monthly_tables().values():
        table.ensure_month(period)
    with transaction.atomic():
        synthetics = SyntheticPerformer.objects.bulk_create(
            SyntheticPerformer(
                studio=studio,
                name=f"Digital extra {i}",
                description="A synthetic background performer.",
                created_at=now,
            )
            for i, studio in enumerate(studios)
        )
        reports = UsageReport.objects.bulk_create(
            UsageReport(
                studio=studio,
                report_ref=f"{period:%Y-%m}",
                fingerprint=f"{i:064x}",
                received_at=now,
                line_count=counts[i],
                accepted_count=0,
                violation_count=0,
            )
            for i, studio in enumerate(studios)
        )
        tally = {"billable": 0, "violations": [0] * len(studios)}

        def rows() -> Iterator[dict]:
            for i, studio in enumerate(studios):
                grants = usable.get(i, [])
                for j in range(counts[i]):
                    day = period + dt.timedelta(days=rng.randrange(days))
                    row = _line(rng, studio, reports[i], synthetics[i], tvth, grants, j, day)
                    if row["status"] == "violation":
                        tally["violations"][i] += 1
                    else:
                        tally["billable"] += 1
                    yield row

        copy_insert(UsageLine, rows())
        # Each line id is its studio's once (UsageLineKey), as ingestion records it.
        key, line = UsageLineKey._meta.db_table, UsageLine._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {key} (studio_id, line_ref) SELECT studio_id, line_ref FROM {line} "  # noqa: S608
                "WHERE report_id = ANY(%s)",
                [[r.pk for r in reports]],
            )
        billable = tally["billable"]
        for i, report in enumerate(reports):
            violations = tally["violations"][i]
            UsageReport.objects.filter(pk=report.pk).update(
                accepted_count=counts[i] - violations, violation_count=violations
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return Loaded(
        lines=sum(counts),
        billable=billable,
        studios=len(studios),
        studios_with_lines=sum(1 for c in counts if c),
        performers=len(builder.performers),
        grants=len(builder.infos),
        usable_grants=sum(len(v) for v in usable.values()),
        largest_studio_lines=max(counts),
        seconds=time.monotonic() - started,
    )


def _line(rng: random.Random, studio, report, synthetic, tvth, grants: list, j: int, day: dt.date) -> dict:
    common = {
        "report_id": report.pk,
        "studio_id": studio.pk,
        "line_ref": f"L-{j:07d}",
        "status": "accepted",
        "use_date": day,
        "negotiated_amount": None,
        "currency": "USD",
        "alteration_exemption": "",
        "violation_code": "",
        "violation_detail": "",
        "retracted_at": None,
        "retraction_reason": "",
        "unrateable_reason": "",
        "unrateable_since": None,
        # Issue 19's columns: what the use stated (rule 2.4) and an exemption's review (2.7).
        "role": "",
        "intended_use": "",
        "sensitive_content": [],
        "realtime_generation": False,
        "exemption_justification": "",
        "exemption_review": "",
        "exemption_reviewed_at": None,
        "exemption_reviewed_by": "",
    }
    r = rng.random()
    if r < SYNTHETIC_SHARE or not grants:
        return {
            **common,
            "kind": "synthetic_standin",
            "grant_id": None,
            "covering_grant_id": None,
            "performer_id": None,
            "synthetic_performer_id": synthetic.pk,
            "agreement_id": tvth.pk,
            "project_kind": "picture",
            "project_title": "Crowd scenes",
            "production_number": f"SYN-{studio.pk}",
            "units": Decimal(rng.randint(1, 4)),
            "unit": "days",
            "role_category": "day_performer",
            "estimated_days": None,
            "media": ["streaming"],
            "territory": ["US"],
        }
    g = rng.choice(grants).grant
    kind = KIND_FOR_USE[g.use]
    background = rng.random() < 0.1
    units, unit, estimated = Decimal(1), "days", None
    if kind == "replica_use":
        estimated = Decimal(rng.randint(1, 5))
    elif kind == "scan_session":
        units, unit = Decimal(rng.choice((1, 1, 2))), "sessions" if background else "days"
    elif kind == "training_use":
        units, unit = Decimal(rng.randint(1, 3)), "runs"
    violation = r > 1 - VIOLATION_SHARE
    return {
        **common,
        "kind": kind,
        "status": "violation" if violation else "accepted",
        "violation_code": "outside_scope" if violation else "",
        "violation_detail": "Medium not covered by the grant" if violation else "",
        "grant_id": g.id,
        "covering_grant_id": None if violation else g.id,
        "performer_id": g.performer.id,
        "synthetic_performer_id": None,
        "agreement_id": g.agreement.id,
        "project_kind": g.project_kind,
        "project_title": g.project_title,
        "production_number": g.production_number,
        "units": units,
        "unit": unit,
        "role_category": "background_actor" if background else "day_performer",
        "estimated_days": estimated,
        "media": list(g.media[:1]),
        "territory": list(g.territory[:1]),
    }
