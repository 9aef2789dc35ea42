"""Reads for usage, scoped to the caller."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Q, QuerySet

from registry.consent.models import ConsentGrant
from registry.core.vocabulary.usage import LineStatus
from registry.parties.callers import Caller, visible_to
from registry.parties.models import Performer, Studio
from registry.parties.selectors import performers_by_reference
from registry.terms.models import Agreement
from registry.usage.models import SyntheticNotice, SyntheticPerformer, UsageLine, UsageLineKey, UsageReport
from registry.usage.rules import LineInput, References


def usage_reports_visible_to(caller: Caller) -> QuerySet[UsageReport]:
    return visible_to(caller, UsageReport.objects.select_related("studio"), performer=None)


def usage_lines_visible_to(caller: Caller) -> QuerySet[UsageLine]:
    qs = UsageLine.objects.select_related(
        "report", "grant", "covering_grant", "performer", "synthetic_performer", "agreement"
    )
    return visible_to(caller, qs)


def synthetic_performers_visible_to(caller: Caller) -> QuerySet[SyntheticPerformer]:
    return visible_to(caller, SyntheticPerformer.objects.all(), performer=None)


def covering_grant_terms(public_ids: set[str]) -> dict[str, dict]:
    """What each covering grant was signed with, by public id: the pricing facts of its lines."""
    rows = ConsentGrant.objects.filter(public_id__in=public_ids).values(
        "public_id",
        "pk",
        "request__compensation_amount",
        "request__compensation_unit",
        "request__compensation_negotiated_per_use",
        "request__replica_origin",
    )
    return {r["public_id"]: r for r in rows}


@dataclass(frozen=True, slots=True)
class PerformerRef:
    """A performer a line names, as much of it as judging a report needs (its id). Cases about
    a line are opened with the performer itself (`report_parties`)."""

    pk: int


@dataclass(frozen=True, slots=True)
class GrantRef:
    """One of the studio's grants a line names, read as plain values: what the rules and the
    judging ask of it (`.performer`, `.agreement`, `.lineage_id`) and what the line stores (`.pk`)."""

    pk: int
    public_id: str
    lineage_id: str
    performer: PerformerRef
    agreement: Agreement


def report_references(studio: Studio, lines: list[LineInput], *, stored_line_refs: bool = True) -> References:
    """Every reference a report's lines make, looked up in a handful of queries (not per line).
    `stored_line_refs=False` leaves out which line ids the studio already reported (an empty set):
    storing a report's lines finds those by the key table's primary key, and only a refused
    report looks them up, to name them (services.usage_report_submit).

    Grants are read as values (one row each, with their agreement from a dict of the few
    agreements they name), not model instances: a report names hundreds of grants, and building
    each grant, its performer and its agreement cost more than judging the lines."""
    refs = list({line.line_ref for line in lines})
    grant_refs = {line.grant_ref for line in lines if line.grant_ref}
    synthetic_refs = {line.synthetic_ref for line in lines if line.synthetic_ref}
    agreement_codes = {line.agreement_code for line in lines if line.agreement_code}
    grant_rows = list(
        ConsentGrant.objects.filter(studio=studio, public_id__in=grant_refs).values_list(
            "pk", "public_id", "lineage_id", "performer_id", "agreement_id"
        )
    )
    agreement_ids = {row[4] for row in grant_rows}
    agreements = list(Agreement.objects.filter(Q(code__in=agreement_codes) | Q(pk__in=agreement_ids)))
    agreements_by_id = {a.pk: a for a in agreements}
    performers: dict[int, PerformerRef] = {}
    grants = {}
    for pk, public_id, lineage_id, performer_id, agreement_id in grant_rows:
        performer = performers.get(performer_id) or performers.setdefault(performer_id, PerformerRef(performer_id))
        grants[public_id] = GrantRef(pk, public_id, lineage_id, performer, agreements_by_id[agreement_id])
    return References(
        stored_line_refs=_stored_line_refs(studio, refs) if stored_line_refs else frozenset(),
        # The studio's own grants only: another studio's grant id is unknown to it.
        grants=grants,
        performers=performers_by_reference({line.performer_ref for line in lines if line.performer_ref}),
        synthetics={
            s.public_id: s for s in SyntheticPerformer.objects.filter(studio=studio, public_id__in=synthetic_refs)
        },
        agreements={a.code: a for a in agreements if a.code in agreement_codes},
        signed_agreement_ids=frozenset(studio.agreements.values_list("pk", flat=True)),
    )


def _stored_line_refs(studio: Studio, refs: list[str]) -> frozenset[str]:
    """Which of these line ids the studio already reported (UsageLineKey: a line id is the
    studio's once, whatever its use date). On PostgreSQL the ids go as one array parameter, each
    looked up as the first (studio, line_ref) at or after its own, which only the key's primary
    key answers without sorting: a probe per id whatever the statistics say. With
    `line_ref IN (...)`, or a plain equality probe, a table whose statistics lag its growth
    (autovacuum off, a studio's first big reports) was read as every line of the studio filtered
    by the list, once per report or once per id."""
    connection = connections[router.db_for_read(UsageLineKey)]
    if connection.vendor != "postgresql":
        keys = UsageLineKey.objects.filter(studio=studio, line_ref__in=refs)
        return frozenset(keys.values_list("line_ref", flat=True))
    table = connection.ops.quote_name(UsageLineKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.ref FROM unnest(%s::text[]) AS r(ref) CROSS JOIN LATERAL ("  # noqa: S608 (the model's own table)
            f"SELECT u.studio_id, u.line_ref FROM {table} u WHERE (u.studio_id, u.line_ref) >= (%s, r.ref) "
            "ORDER BY u.studio_id, u.line_ref LIMIT 1) AS found "
            "WHERE found.studio_id = %s AND found.line_ref = r.ref",
            [refs, studio.pk, studio.pk],
        )
        return frozenset(ref for (ref,) in cursor.fetchall())


def report_parties(
    performer_ids: set[int], grant_ids: set[int]
) -> tuple[dict[int, Performer], dict[int, ConsentGrant]]:
    """The performers and grants of the lines that open cases, as model instances, in two
    queries: a case is opened with them as it always was."""
    return Performer.objects.in_bulk(performer_ids), ConsentGrant.objects.in_bulk(grant_ids)


def exemption_claims_awaiting_review(*, after: int | None = None) -> QuerySet[UsageLine]:
    """DOMAIN.md 2.7: lines claimed exempt that union staff have not reviewed, oldest first."""
    qs = (
        UsageLine.objects.filter(status=LineStatus.EXEMPT, exemption_review="")
        .select_related("studio", "performer", "agreement")
        .order_by("id")
    )
    return qs.filter(id__gt=after) if after is not None else qs


def synthetic_notices_by_project(synthetic_ids) -> dict[tuple[int, str], SyntheticNotice]:
    """The notices filed for these synthetic performers, by (synthetic id, production number as
    compared), in one query (rule 2.12)."""
    found = SyntheticNotice.objects.filter(synthetic_performer_id__in=list(synthetic_ids)).select_related("agreement")
    return {(n.synthetic_performer_id, " ".join(n.production_number.split()).casefold()): n for n in found}


def synthetic_notices_visible_to(caller: Caller) -> QuerySet[SyntheticNotice]:
    return visible_to(
        caller,
        SyntheticNotice.objects.select_related("studio", "synthetic_performer", "agreement", "case"),
        performer=None,
    )
