"""What rating needs, read from the database: usage lines as plain values (with what their grant
was signed with), and each agreement's pricing terms, loaded once per studio bill."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from registry.billing import rating
from registry.billing.models import InvoiceLine
from registry.core.bulk import EncodedJson
from registry.core.vocabulary.usage import LineStatus
from registry.terms import pricing
from registry.terms.selectors import AgreementPricing, InForce, PriceBook
from registry.usage.models import UsageLine

CHUNK = 2000


class TermsByAgreement:
    """The agreements' pricing terms, each loaded once per studio bill, and the agreement in
    force on a use date (a successor, when the grant's agreement has ended)."""

    def __init__(self) -> None:
        self.book = PriceBook()

    def __getitem__(self, agreement_id: int) -> AgreementPricing:
        return self.book[agreement_id]

    def in_force(self, use: Use) -> InForce:
        return self.book.in_force(use.agreement_id, use.use_date)


# Billing reads the pricing terms as terms' selectors load them.
AgreementTerms = AgreementPricing


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
    negotiated_per_use: bool
    replica_origin: str
    compensation_currency: str
    unrateable: bool


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
    "covering_grant__request__compensation_negotiated_per_use",
    "covering_grant__request__replica_origin",
    "covering_grant__request__compensation_currency",
    "grant_id",
    "grant__public_id",
    "grant__request__compensation_amount",
    "grant__request__compensation_unit",
    "grant__request__compensation_negotiated_per_use",
    "grant__request__replica_origin",
    "grant__request__compensation_currency",
    "unrateable_since",
)


def uses(
    lines: QuerySet[UsageLine],
    *,
    refine: Callable[[QuerySet[UsageLine]], QuerySet[UsageLine]] | None = None,
    chunk_size: int = CHUNK,
) -> Iterator[Use]:
    """Stream a usage-line queryset as Use values in id order, `chunk_size` rows at a time, so
    memory does not grow with the lines; `refine` narrows each chunk (billing's "not charged
    yet" probe).

    Each chunk is two queries. First the next `chunk_size` ids of `lines` (keyset: ids above the
    last one seen), read along the (studio, id) index and stopped at the chunk's size; then the
    chunk's rows, refined and joined, between its first and last id. Asked in one query, with the
    probe among its conditions, PostgreSQL could not tell how many lines the probe keeps (it
    guessed 0.5 %), so it joined all of a studio's lines and sorted them for every chunk: a
    studio of 68,000 lines spent 13 of its 20 seconds there, growing with the square of its
    lines. Each chunk is its own query, not one long server-side cursor, so the probe is planned
    for the invoice line table as it is at that moment (a cursor opened while the table was
    empty once kept a plan that scanned all of it for every line)."""
    last = None
    while True:
        window = lines if last is None else lines.filter(pk__gt=last)
        ids = list(window.order_by("pk").values_list("pk", flat=True)[:chunk_size])
        if not ids:
            return
        chunk = lines.filter(pk__gte=ids[0], pk__lte=ids[-1])
        if refine is not None:
            chunk = refine(chunk)
        for row in chunk.order_by("pk").values_list(*_USE_VALUES):
            yield _use_of(row)
        if len(ids) < chunk_size:
            return
        last = ids[-1]


def _use_of(row: tuple) -> Use:
    (pk, ref, kind, day, units, role, days, negotiated, agreement_id, performer_id, pro_name, legal_name,
     title, number, cg_id, cg_public, cg_amount, cg_unit, cg_per_use, cg_origin, cg_currency,
     g_id, g_public, g_amount, g_unit, g_per_use, g_origin, g_currency, unrateable_since) = row  # fmt: skip
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
        negotiated_per_use=bool(cg_per_use if covering else g_per_use),
        replica_origin=(cg_origin if covering else g_origin) or "",
        compensation_currency=(cg_currency if covering else g_currency) or "",
        unrateable=unrateable_since is not None,
    )


def facts_of(use: Use, *, flat_fee_charged: bool = False) -> rating.LineFacts:
    return pricing.line_facts(
        kind=use.kind,
        use_date=use.use_date,
        units=use.units,
        role_category=use.role_category,
        estimated_days=use.estimated_days,
        stated_amount=use.negotiated_amount,
        compensation_amount=use.compensation_amount,
        compensation_unit=use.compensation_unit,
        negotiated_per_use=use.negotiated_per_use,
        replica_origin=use.replica_origin,
        flat_fee_charged=flat_fee_charged,
    )


def signed_terms(use: Use) -> dict:
    """What the performer signed, as the invoice line's provenance keeps it."""
    if use.compensation_amount is None:
        return {}
    return {
        "compensation": {
            "amount": str(use.compensation_amount),
            "currency": use.compensation_currency,
            "unit": use.compensation_unit,
            "negotiated_per_use": use.negotiated_per_use,
        },
        "replica_origin": use.replica_origin,
    }


def provenance(in_force: InForce, rated: rating.Rated, use: Use) -> dict:
    """The terms an invoice line was priced by, copied onto it: the agreement in force (and the
    one the grant was signed under, when a successor priced it), the rule, the P&H rate, the
    signed compensation and the replica's origin. A later change of any of them never reprices it."""
    return {
        **in_force.pricing.snapshot,
        "signed_under": in_force.signed_under,
        "successor_note": in_force.note,
        "rule": rated.rule,
        "ph_contribution_rate": str(rated.ph_rate),
        "flat_fee": rated.flat_fee,
        **signed_terms(use),
    }


class Provenances:
    """Each distinct provenance (`provenance`) once, with its JSON text: a studio's lines share
    a handful, and encoding one a line cost more than rating it. Bounded like GroupRating."""

    def __init__(self, limit: int = 4096) -> None:
        self._known: dict[tuple, EncodedJson] = {}
        self.limit = limit

    def of(self, in_force: InForce, rated: rating.Rated, use: Use) -> EncodedJson:
        key = (
            in_force.pricing.agreement.pk,
            in_force.signed_under,
            in_force.note,
            tuple(rated.rule.values()),
            str(rated.ph_rate),
            rated.flat_fee,
            None if use.compensation_amount is None else str(use.compensation_amount),
            use.compensation_currency,
            use.compensation_unit,
            use.negotiated_per_use,
            use.replica_origin,
        )
        known = self._known.get(key)
        if known is None:
            if len(self._known) >= self.limit:
                self._known.clear()
            known = self._known[key] = EncodedJson.of(provenance(in_force, rated, use))
        return known


def grants_with_flat_fee_charged(studio_id: int) -> set[int]:
    """The studio's grants whose flat fee a standing charge already carries (a flat fee is owed
    once per grant; when the line that carried it is retracted, the next line carries it)."""
    return set(
        InvoiceLine.objects.filter(
            invoice__studio_id=studio_id,
            is_credit=False,
            released=False,
            corrects__isnull=True,
            terms_used__flat_fee=True,
        )
        .exclude(usage_line__status=LineStatus.RETRACTED)
        .values_list("grant_id", flat=True)
    )
