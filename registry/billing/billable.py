"""Which usage lines billing still owes a document for: accepted lines with no standing charge,
and retracted lines charged on an issued document and not yet credited."""

from __future__ import annotations

import datetime as dt

from django.db.models import DateField, Exists, ExpressionWrapper, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast, TruncMonth

from registry.billing import rating
from registry.billing.models import InvoiceLine
from registry.billing.periods import period_end
from registry.core.vocabulary.billing import InvoiceStatus
from registry.core.vocabulary.usage import LineStatus
from registry.usage.models import UsageLine

# Charges and credits that stand: a voided document's lines are released, and a debit note's
# lines add to a charge rather than make one. The same predicate as the partial unique index
# usage_line_billed_once, so these lookups are answered from it.
STANDING = {"released": False, "corrects__isnull": True}


def _of_the_line() -> dict:
    """The outer usage line's invoice lines, in the month they are kept under (its month of use):
    on PostgreSQL a probe then reads that month's partition, not every month's."""
    use_date = ExpressionWrapper(OuterRef("use_date"), output_field=DateField())
    # Cast: PostgreSQL's date_trunc gives a timestamp, and only a date prunes partitions by month.
    return {"usage_line": OuterRef("pk"), "month": Cast(TruncMonth(use_date), DateField())}


def _charged(**filters) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(**_of_the_line(), is_credit=False, **STANDING, **filters)


def _credited() -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(**_of_the_line(), is_credit=True, **STANDING)


def without_standing_charge(lines: QuerySet[UsageLine]) -> QuerySet[UsageLine]:
    """Lines with no standing charge, probed line by line through the partial unique index.

    Written as a scalar subquery, not NOT EXISTS: while its statistics take the invoice line
    table for small (as in a run on a new database, where it grows within the run), PostgreSQL
    plans NOT EXISTS as a hash anti join that reads every standing charge, for every studio. A
    scalar subquery stays a per-line index probe, whatever the statistics say."""
    probe = Subquery(_charged().order_by().values("pk")[:1])
    return lines.alias(standing_charge=probe).filter(standing_charge__isnull=True)


def billable_lines(period: dt.date, *, studio_id: int | None = None) -> QuerySet[UsageLine]:
    """Accepted lines of a kind billing rates, used by the end of the period, charged or not
    (all studios' when no studio is named): `unbilled_lines` without its per-line probe, which
    a billing run pages through by id before probing each page (`rating_inputs.uses`)."""
    of_studio = {} if studio_id is None else {"studio_id": studio_id}
    return UsageLine.objects.filter(
        **of_studio, status=LineStatus.ACCEPTED, use_date__lte=period_end(period), kind__in=list(rating.RATERS)
    )


def unbilled_lines(period: dt.date, *, studio_id: int | None = None) -> QuerySet[UsageLine]:
    """Accepted lines of a kind billing rates, used by the end of the period and not charged
    yet (all studios' when no studio is named)."""
    return without_standing_charge(billable_lines(period, studio_id=studio_id))


def uncredited_retractions(studio_id: int) -> QuerySet[UsageLine]:
    """The studio's retracted lines charged on an issued document and not credited yet."""
    charged = _charged(invoice__status__in=[InvoiceStatus.FINALIZED, InvoiceStatus.PAID])
    credited = _credited()
    return UsageLine.objects.filter(studio_id=studio_id, status=LineStatus.RETRACTED).filter(
        Exists(charged), ~Exists(credited)
    )
