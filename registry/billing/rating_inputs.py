"""What rating needs, read from the database: usage lines as plain values, and each agreement's
terms and rate cards, loaded once per studio bill."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from registry.billing import rating
from registry.terms.models import Agreement, RateCard
from registry.usage.models import UsageLine

CHUNK = 2000


class ScaleTable:
    """Every rate card row of the agreements involved, loaded once per studio bill."""

    def __init__(self, agreement_ids: set[int]) -> None:
        self.rows: dict[tuple[int, str, str], list[RateCard]] = defaultdict(list)
        for row in RateCard.objects.filter(agreement_id__in=agreement_ids).order_by("effective_from"):
            self.rows[(row.agreement_id, row.role_category, row.unit)].append(row)

    def lookup(self, agreement: Agreement) -> rating.Scale:
        def scale(role: str, unit: str, on: dt.date) -> rating.ScaleRate:
            for row in reversed(self.rows.get((agreement.pk, role, unit), [])):
                if row.effective_from <= on and (row.effective_to is None or on <= row.effective_to):
                    return rating.ScaleRate(row.pk, role, unit, row.amount, row.currency)
            raise rating.RatingError(f"agreement {agreement.code} has no {role} rate per {unit} on {on.isoformat()}")

        return scale


def terms_of(agreement: Agreement) -> rating.Terms:
    return rating.Terms(
        currency=agreement.currency,
        ph_rate=agreement.ph_contribution_rate,
        fund_split={k: Decimal(str(v)) for k, v in agreement.synthetic_fund_split.items()},
        synthetic_multiplier=agreement.synthetic_royalty_multiplier,
        realtime_multiplier=agreement.realtime_generation_multiplier,
        icdr_floor_day_scale=agreement.icdr_floor_day_scale,
    )


def terms_snapshot(agreement: Agreement) -> dict:
    return {
        "agreement": agreement.code,
        "ph_contribution_rate": str(agreement.ph_contribution_rate),
        "fund_split": agreement.synthetic_fund_split,
        "synthetic_royalty_multiplier": str(agreement.synthetic_royalty_multiplier),
        "realtime_generation_multiplier": str(agreement.realtime_generation_multiplier),
        "icdr_floor_day_scale": agreement.icdr_floor_day_scale,
    }


@dataclass(frozen=True)
class AgreementTerms:
    """An agreement's rating terms, the copy of them stored on each line, and its rate cards."""

    agreement: Agreement
    terms: rating.Terms
    snapshot: dict
    scale: rating.Scale


class TermsByAgreement(dict):
    """Agreement id -> AgreementTerms, each loaded once per studio bill."""

    def __missing__(self, agreement_id: int) -> AgreementTerms:
        agreement = Agreement.objects.get(pk=agreement_id)
        value = self[agreement_id] = AgreementTerms(
            agreement, terms_of(agreement), terms_snapshot(agreement), ScaleTable({agreement_id}).lookup(agreement)
        )
        return value


@dataclass(frozen=True, slots=True)
class Use:
    """What billing needs of a usage line, read as plain values: a run reads a million lines,
    and a model instance per line (with its grant, request, performer and agreement) costs
    ten times the rating."""

    pk: int
    line_ref: str
    kind: str
    use_date: dt.date
    units: Decimal
    role_category: str
    estimated_days: Decimal | None
    negotiated_amount: Decimal | None
    agreement_id: int
    performer_id: int | None
    performer_name: str
    project_title: str
    production_number: str
    grant_id: int | None  # the grant that covered the use on its date, else the one relied on
    grant_public_id: str
    compensation_amount: Decimal | None
    compensation_unit: str


_USE_VALUES = (
    "pk",
    "line_ref",
    "kind",
    "use_date",
    "units",
    "role_category",
    "estimated_days",
    "negotiated_amount",
    "agreement_id",
    "performer_id",
    "performer__professional_name",
    "performer__legal_name",
    "project_title",
    "production_number",
    "covering_grant_id",
    "covering_grant__public_id",
    "covering_grant__request__compensation_amount",
    "covering_grant__request__compensation_unit",
    "grant_id",
    "grant__public_id",
    "grant__request__compensation_amount",
    "grant__request__compensation_unit",
)


def uses(lines: QuerySet[UsageLine], *, chunk_size: int = CHUNK) -> Iterator[Use]:
    """Stream a usage-line queryset as Use values in id order, `chunk_size` rows at a time, so
    memory does not grow with the lines.

    Each chunk is its own query (keyset: ids above the last one seen), not one long server-side
    cursor: the query's "no standing charge yet" probe of the invoice lines is then planned for
    the table as it is at that moment. A cursor opened when the table was empty kept a plan that
    scanned the whole table for every line, while this and other studios' bills filled it (one
    studio of 18,000 lines ran for over ten minutes)."""
    last = None
    while True:
        chunk = lines if last is None else lines.filter(pk__gt=last)
        rows = list(chunk.order_by("pk").values_list(*_USE_VALUES)[:chunk_size])
        for row in rows:
            yield _use_of(row)
        if len(rows) < chunk_size:
            return
        last = rows[-1][0]


def _use_of(row: tuple) -> Use:
    (pk, ref, kind, day, units, role, days, negotiated, agreement_id, performer_id, pro_name, legal_name,
     title, number, cg_id, cg_public, cg_amount, cg_unit, g_id, g_public, g_amount, g_unit) = row  # fmt: skip
    covering = cg_id is not None
    return Use(
        pk=pk,
        line_ref=ref,
        kind=kind,
        use_date=day,
        units=units,
        role_category=role,
        estimated_days=days,
        negotiated_amount=negotiated,
        agreement_id=agreement_id,
        performer_id=performer_id,
        performer_name=(pro_name or legal_name or "") if performer_id else "",
        project_title=title,
        production_number=number,
        grant_id=cg_id if covering else g_id,
        grant_public_id=(cg_public if covering else g_public) or "",
        compensation_amount=cg_amount if covering else g_amount,
        compensation_unit=(cg_unit if covering else g_unit) or "",
    )


def facts_of(use: Use) -> rating.LineFacts:
    return rating.LineFacts(
        kind=use.kind,
        use_date=use.use_date,
        units=use.units,
        role_category=use.role_category,
        estimated_days=use.estimated_days,
        own_daily_rate=rating.own_daily_rate(use.compensation_amount, use.compensation_unit),
        negotiated_amount=use.negotiated_amount,
        grant_compensation=use.compensation_amount,
        grant_compensation_unit=use.compensation_unit,
    )
