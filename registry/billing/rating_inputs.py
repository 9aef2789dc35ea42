"""What rating needs, read from the database: usage lines as plain values (with what their grant
was signed with), and each agreement's pricing terms, loaded once per studio bill."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from registry.billing import rating
from registry.billing.models import FLAT_FEE_CARRIED, InvoiceLine
from registry.consent.models import ConsentGrant
from registry.core.bulk import EncodedJson
from registry.core.memo import BoundedMemo
from registry.core.vocabulary.consent import CompensationUnit
from registry.core.vocabulary.usage import LineStatus
from registry.parties.models import Performer
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


_LINE_VALUES = (
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
    "project_title",
    "production_number",
    "covering_grant_id",
    "grant_id",
    "unrateable_since",
)
_PERFORMER, _COVERING, _RELIED_ON = (_LINE_VALUES.index(n) for n in ("performer_id", "covering_grant_id", "grant_id"))
_GRANT_VALUES = (
    "pk",
    "public_id",
    "request__compensation_amount",
    "request__compensation_unit",
    "request__compensation_negotiated_per_use",
    "request__replica_origin",
    "request__compensation_currency",
)
_NO_GRANT = (None, "", None, "", False, "", "")


def uses(
    lines: QuerySet[UsageLine],
    *,
    refine: Callable[[QuerySet[UsageLine]], QuerySet[UsageLine]] | None = None,
    on_chunk: Callable[[list[Use]], None] | None = None,
    chunk_size: int = CHUNK,
) -> Iterator[Use]:
    """Stream a usage-line queryset as Use values in id order, `chunk_size` rows at a time, so
    memory does not grow with the lines; `refine` narrows each chunk (billing's "not charged
    yet" probe); `on_chunk` sees each chunk's uses before they are yielded (to read what they
    need in one query, as `FlatFeesCarried` does).

    Each chunk is two queries. First the next `chunk_size` ids of `lines` (keyset: ids above the
    last one seen), read along the (studio, id) index and stopped at the chunk's size; then the
    chunk's rows, refined, between its first and last id. Asked in one query, with the probe
    among its conditions, PostgreSQL could not tell how many lines the probe keeps (it guessed
    0.5 %), so it joined all of a studio's lines and sorted them for every chunk: a studio of
    68,000 lines spent 13 of its 20 seconds there, growing with the square of its lines. Each
    chunk is its own query, not one long server-side cursor, so the probe is planned for the
    invoice line table as it is at that moment (a cursor opened while the table was empty once
    kept a plan that scanned all of it for every line).

    What a line's grant was signed with, and its performer's name, are read once per grant and
    performer (a query per chunk for those not seen yet), not joined to every line: a studio's
    lines share their grants, and the four joins a line cost more than the line itself."""
    grants: dict[int, tuple] = {}
    names: dict[int, str] = {}
    last = None
    while True:
        window = lines if last is None else lines.filter(pk__gt=last)
        ids = list(window.order_by("pk").values_list("pk", flat=True)[:chunk_size])
        if not ids:
            return
        chunk = lines.filter(pk__gte=ids[0], pk__lte=ids[-1])
        if refine is not None:
            chunk = refine(chunk)
        rows = list(chunk.order_by("pk").values_list(*_LINE_VALUES))
        _read_missing(rows, grants, names)
        chunk_uses = [_use_of(row, grants, names) for row in rows]
        if on_chunk is not None:
            on_chunk(chunk_uses)
        yield from chunk_uses
        if len(ids) < chunk_size:
            return
        last = ids[-1]


def _read_missing(rows: list[tuple], grants: dict[int, tuple], names: dict[int, str]) -> None:
    """Add the grants and performers of `rows` not read yet (bounded: a run's worker holds at
    most a few chunks' worth, whatever the studio's size)."""
    for known in (grants, names):
        if len(known) > 4 * CHUNK:
            known.clear()
    grant_ids = {_grant_id(row) for row in rows} - grants.keys() - {None}
    performer_ids = {row[_PERFORMER] for row in rows} - names.keys() - {None}
    if grant_ids:
        for values in ConsentGrant.objects.filter(pk__in=grant_ids).values_list(*_GRANT_VALUES):
            grants[values[0]] = values
    if performer_ids:
        for pk, professional, legal in Performer.objects.filter(pk__in=performer_ids).values_list(
            "pk", "professional_name", "legal_name"
        ):
            names[pk] = professional or legal or ""


def _grant_id(row: tuple) -> int | None:
    """The grant that covered the use on its date, else the one the line relied on."""
    covering_id = row[_COVERING]
    return covering_id if covering_id is not None else row[_RELIED_ON]


def _use_of(row: tuple, grants: dict[int, tuple], names: dict[int, str]) -> Use:
    (pk, ref, kind, day, units, role, days, negotiated, agreement_id, performer_id, title, number,
     _, _, unrateable_since) = row  # fmt: skip
    grant_id = _grant_id(row)
    _, public_id, amount, unit, per_use, origin, currency = grants.get(grant_id, _NO_GRANT)
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
        performer_name=names.get(performer_id, "") if performer_id else "",
        project_title=title,
        production_number=number,
        grant_id=grant_id,
        grant_public_id=public_id or "",
        compensation_amount=amount,
        compensation_unit=unit or "",
        negotiated_per_use=bool(per_use),
        replica_origin=origin or "",
        compensation_currency=currency or "",
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
        self._known: BoundedMemo[EncodedJson] = BoundedMemo(limit)

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
        return self._known.get(key, lambda: EncodedJson.of(provenance(in_force, rated, use)))


class FlatFeesCarried:
    """Which grants' flat fee a standing charge already carries, for one studio's run: a flat
    fee is owed once per grant, and when the line that carried it is retracted, the next line
    billed carries it (terms/pricing.py `signed_price`).

    Asked chunk by chunk for the flat-fee grants of the lines at hand, each grant once, along a
    partial index of the charges that carry a fee; not by reading every charge the studio was
    ever billed, which grew with its history, a month at a time. Grants whose fee this run
    charges are added as it goes (`charge`), and nothing is forgotten during a run: forgetting
    would charge a fee twice."""

    def __init__(self) -> None:
        self._asked: set[int] = set()
        self._carried: set[int] = set()

    def learn_from(self, chunk: list[Use]) -> None:
        """`uses`' chunk hook: learn about the flat-fee grants of these lines."""
        self.learn(use.grant_id for use in chunk if use.compensation_unit == CompensationUnit.FLAT)

    def learn(self, grant_ids: Iterable[int | None]) -> None:
        new = {pk for pk in grant_ids if pk is not None} - self._asked
        if not new:
            return
        retracted = UsageLine.objects.filter(
            pk=OuterRef("usage_line_id"), use_date=OuterRef("usage_line_use_date"), status=LineStatus.RETRACTED
        )
        self._carried |= set(
            InvoiceLine.objects.filter(FLAT_FEE_CARRIED, grant_id__in=new)
            .exclude(Exists(retracted))
            .order_by()
            .values_list("grant_id", flat=True)
            .distinct()
        )
        self._asked |= new

    def carried(self, grant_id: int | None) -> bool:
        return grant_id in self._carried

    def charge(self, grant_id: int) -> None:
        self._carried.add(grant_id)
        self._asked.add(grant_id)
