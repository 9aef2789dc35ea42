"""Reads for usage, scoped to the caller."""

from __future__ import annotations

from django.db.models import QuerySet

from registry.consent.models import ConsentGrant
from registry.core.vocabulary.usage import LineStatus
from registry.parties.callers import Caller, visible_to
from registry.parties.models import Studio
from registry.parties.selectors import performers_by_reference
from registry.terms.models import Agreement
from registry.usage.models import SyntheticNotice, SyntheticPerformer, UsageLine, UsageReport
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


def report_references(studio: Studio, lines: list[LineInput]) -> References:
    """Every reference a report's lines make, looked up in a handful of queries (not per line)."""
    refs = {line.line_ref for line in lines}
    grant_refs = {line.grant_ref for line in lines if line.grant_ref}
    synthetic_refs = {line.synthetic_ref for line in lines if line.synthetic_ref}
    agreement_codes = {line.agreement_code for line in lines if line.agreement_code}
    return References(
        stored_line_refs=frozenset(
            UsageLine.objects.filter(studio=studio, line_ref__in=refs).values_list("line_ref", flat=True)
        ),
        # The studio's own grants only: another studio's grant id is unknown to it.
        grants={
            g.public_id: g
            for g in ConsentGrant.objects.filter(studio=studio, public_id__in=grant_refs).select_related(
                "agreement", "performer"
            )
        },
        performers=performers_by_reference({line.performer_ref for line in lines if line.performer_ref}),
        synthetics={
            s.public_id: s for s in SyntheticPerformer.objects.filter(studio=studio, public_id__in=synthetic_refs)
        },
        agreements={a.code: a for a in Agreement.objects.filter(code__in=agreement_codes)},
        signed_agreement_ids=frozenset(studio.agreements.values_list("pk", flat=True)),
    )


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
