"""Which usage lines billing still owes a document for: accepted lines with no standing charge,
and retracted lines charged on an issued document and not yet credited; and from where a
studio's run reads them (`UnbilledMark`: a use date for charges, a retraction for credits), so
that a run reads its month and its new retractions, not the history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    IntegerField,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Least, TruncMonth

from registry.billing import rating
from registry.billing.models import STANDING, Invoice, InvoiceLine, UnbilledMark
from registry.billing.periods import period_end
from registry.core.vocabulary.billing import InvoiceStatus
from registry.core.vocabulary.usage import LineStatus
from registry.parties.models import Studio
from registry.usage.models import Retraction, UsageLine


def _standing(*, credit: bool, line: str = "pk", use_date: str = "use_date", **filters) -> QuerySet[InvoiceLine]:
    """The standing charges (or credits) of the outer row's usage line, which the row names by
    its `line` and `use_date` columns (a usage line's own, or a retraction's), in the month they
    are kept under (its month of use): on PostgreSQL a probe then reads that month's partition,
    not every month's."""
    used = ExpressionWrapper(OuterRef(use_date), output_field=DateField())
    # Cast: PostgreSQL's date_trunc gives a timestamp, and only a date prunes partitions by month.
    month = Cast(TruncMonth(used), DateField())
    return InvoiceLine.objects.filter(usage_line=OuterRef(line), month=month, is_credit=credit, **STANDING, **filters)


def without_standing_charge(lines: QuerySet[UsageLine]) -> QuerySet[UsageLine]:
    """Lines with no standing charge, probed line by line through the partial unique index.

    Written as a scalar subquery, not NOT EXISTS: while its statistics take the invoice line
    table for small (as in a run on a new database, where it grows within the run), PostgreSQL
    plans NOT EXISTS as a hash anti join that reads every standing charge, for every studio. A
    scalar subquery stays a per-line index probe, whatever the statistics say."""
    probe = Subquery(_standing(credit=False).order_by().values("pk")[:1])
    return lines.alias(standing_charge=probe).filter(standing_charge__isnull=True)


@dataclass(frozen=True)
class Reading:
    """Where a run starts reading a studio's lines: `read_from` (None: from its first line), and
    the studio's newest line id at that moment, which the run's mark will account for; and its
    retractions: those after `retractions_after`, up to the newest, `retractions_through`."""

    read_from: dt.date | None
    lines_through: int
    retractions_after: int = 0
    retractions_through: int = 0


def reading(studio_id: int) -> Reading:
    """The studio's mark, lowered to the oldest use date among lines stored since it was set.

    Taken under the studio's lock (`lock_studio`), which storing a report takes too: no line of
    the studio is stored while the run reads, and every line stored after has a larger id."""
    mark = (
        UnbilledMark.objects.filter(studio_id=studio_id)
        .values_list("unbilled_from", "lines_through", "retractions_through")
        .first()
    )
    retractions_after = mark[2] if mark else 0
    newest_retraction = Retraction.objects.filter(studio_id=studio_id, pk__gt=retractions_after).aggregate(
        newest=Max("pk")
    )["newest"]
    retractions = {
        "retractions_after": retractions_after,
        "retractions_through": newest_retraction or retractions_after,
    }
    if mark is None:
        newest = UsageLine.objects.filter(studio_id=studio_id).aggregate(newest=Max("pk"))["newest"]
        return Reading(None, newest or 0, **retractions)
    unbilled_from, lines_through, _ = mark
    since = UsageLine.objects.filter(studio_id=studio_id, pk__gt=lines_through).aggregate(
        oldest=Min("use_date"), newest=Max("pk")
    )
    if since["newest"] is None:
        return Reading(unbilled_from, lines_through, **retractions)
    return Reading(min(unbilled_from, since["oldest"]), since["newest"], **retractions)


def studios_to_bill(period: dt.date) -> list[tuple[int, int, bool]]:
    """Every studio's unbilled lines used by the end of the period, counted from where its run
    would start reading (`reading`), and whether it has retracted lines to credit: (studio id,
    lines, retractions), in id order. One query, a probe per studio: a run with nothing to bill
    costs what its studios cost, not what their history holds."""
    mark = UnbilledMark.objects.filter(studio=OuterRef("pk"))
    since = (
        UsageLine.objects.filter(studio=OuterRef("pk"), pk__gt=OuterRef("lines_through"))
        .order_by()
        .values("studio")
        .annotate(oldest=Min("use_date"))
        .values("oldest")
    )
    unbilled = (
        unbilled_lines(period)
        .filter(studio=OuterRef("pk"), use_date__gte=OuterRef("read_from"))
        .order_by()
        .values("studio")
        .annotate(n=Count("pk"))
        .values("n")
    )
    studios = (
        Studio.objects.annotate(
            unbilled_from=Subquery(mark.values("unbilled_from")),
            lines_through=Subquery(mark.values("lines_through")),
        )
        .annotate(
            # No mark: from the first line; else the mark, or an older line stored since.
            read_from=Coalesce(Least("unbilled_from", Coalesce(Subquery(since), "unbilled_from")), Value(dt.date.min))
        )
        .annotate(
            retractions_after=Coalesce(Subquery(mark.values("retractions_through")), 0),
        )
        .annotate(
            lines=Coalesce(Subquery(unbilled, output_field=IntegerField()), 0),
            retractions=Exists(owed_credits(OuterRef("pk"), after=OuterRef("retractions_after"))),
        )
    )
    return list(studios.order_by("pk").values_list("pk", "lines", "retractions"))


def mark_read(
    studio_id: int, read: Reading, *, through: dt.date, oldest_left: dt.date | None, now: dt.datetime
) -> None:
    """After a run billed the studio's lines read from `read` to `through` and credited its
    retractions (under the studio's lock, in the run's transaction): the next run reads from the
    oldest line this one left unbilled, else from the day after `through`; and from just before
    the oldest retraction read that is still owed a credit (its period had a credit note
    already, or its charge is on a draft), else from the newest read."""
    after = through + dt.timedelta(days=1)
    still_owed = None
    if read.retractions_through > read.retractions_after:  # it read retractions: are any still owed?
        still_owed = (
            owed_credits(studio_id, after=read.retractions_after, issued_only=False)
            .filter(pk__lte=read.retractions_through)
            .aggregate(oldest=Min("pk"))["oldest"]
        )
    mark = UnbilledMark(
        studio_id=studio_id,
        unbilled_from=after if oldest_left is None else min(oldest_left, after),
        lines_through=read.lines_through,
        retractions_through=read.retractions_through if still_owed is None else still_owed - 1,
        updated_at=now,
    )
    # One INSERT ... ON CONFLICT DO UPDATE (every studio of every run writes its mark).
    UnbilledMark.objects.bulk_create(
        [mark],
        update_conflicts=True,
        unique_fields=["studio"],
        update_fields=["unbilled_from", "lines_through", "retractions_through", "updated_at"],
    )


def mark_released(invoice: Invoice) -> None:
    """A voided document's lines are charged (or credited) no more: the studio's next run reads
    from the oldest of them, and a voided credit note's retractions are owed a credit again
    (under the studio's lock, in the void's transaction)."""
    oldest = invoice.lines.filter(usage_line__isnull=False).aggregate(oldest=Min("usage_line_use_date"))["oldest"]
    if oldest is not None:
        UnbilledMark.objects.filter(studio_id=invoice.studio_id, unbilled_from__gt=oldest).update(unbilled_from=oldest)
    credited = Retraction.objects.filter(
        usage_line__in=invoice.lines.filter(is_credit=True, usage_line__isnull=False).values("usage_line_id")
    ).aggregate(oldest=Min("pk"))["oldest"]
    if credited is not None:
        UnbilledMark.objects.filter(studio_id=invoice.studio_id, retractions_through__gte=credited).update(
            retractions_through=credited - 1
        )


def billable_lines(
    period: dt.date, *, studio_id: int | None = None, read_from: dt.date | None = None
) -> QuerySet[UsageLine]:
    """Accepted lines of a kind billing rates, used from `read_from` (see `reading`; None: ever)
    to the end of the period, charged or not (all studios' when no studio is named):
    `unbilled_lines` without its per-line probe, which a billing run pages through by id before
    probing each page (`rating_inputs.uses`). Both dates are constants, so on PostgreSQL only the
    months between them are read."""
    of_studio = {} if studio_id is None else {"studio_id": studio_id}
    since = {} if read_from is None else {"use_date__gte": read_from}
    return UsageLine.objects.filter(
        **of_studio,
        **since,
        status=LineStatus.ACCEPTED,
        use_date__lte=period_end(period),
        kind__in=list(rating.RATERS),
    )


def unbilled_lines(
    period: dt.date, *, studio_id: int | None = None, read_from: dt.date | None = None
) -> QuerySet[UsageLine]:
    """Accepted lines of a kind billing rates, used from `read_from` (None: ever) to the end of
    the period and not charged yet (all studios' when no studio is named)."""
    return without_standing_charge(billable_lines(period, studio_id=studio_id, read_from=read_from))


def owed_credits(studio_id: int | OuterRef, *, after, issued_only: bool = True) -> QuerySet[Retraction]:
    """The studio's retractions after `after` (an id, or an expression) whose line is charged on
    an issued document (`issued_only=False`: on any standing document, a draft's too) and not
    credited yet. Read from the retractions, not the retracted lines: those since the mark are
    few, the studio's retracted lines only grow."""
    issued = {"invoice__status__in": [InvoiceStatus.FINALIZED, InvoiceStatus.PAID]} if issued_only else {}
    of_the_retraction = {"line": "usage_line_id", "use_date": "usage_line_use_date"}
    charged = _standing(credit=False, **of_the_retraction, **issued)
    credited = _standing(credit=True, **of_the_retraction)
    return Retraction.objects.filter(studio_id=studio_id, pk__gt=after).filter(Exists(charged), ~Exists(credited))


def uncredited_retractions(studio_id: int, *, after: int = 0, through: int | None = None) -> QuerySet[UsageLine]:
    """The studio's retracted lines charged on an issued document and not credited yet, among
    those retracted after the retraction `after` and up to `through` (see `reading`; 0: from the
    first; None: to the newest). With none in between (most studios, most months) the answer is
    empty without a query, nor the building of one."""
    if through is not None and through <= after:
        return UsageLine.objects.none()
    owed = owed_credits(studio_id, after=after)
    if through is not None:
        owed = owed.filter(pk__lte=through)
    return UsageLine.objects.filter(
        studio_id=studio_id, status=LineStatus.RETRACTED, pk__in=owed.values("usage_line_id")
    )
