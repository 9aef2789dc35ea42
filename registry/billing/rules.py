"""Receivables, pure: due dates, late-payment interest, aging buckets and how a payment is spread
over open documents. No Django: the services feed these plain values and store what they return.

Interest is simple and daily (DOMAIN.md 6): each day from the day after the due date bears
balance x monthly rate x 12 / 365, on the balance left at the end of that day (a payment
received on a day stops interest on what it paid from that day). A leap day is one more day at
the same daily rate. The month's interest on a document is added up unrounded over its days
and rounded once, by money.round_money.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from registry.billing.money import round_money
from registry.core.vocabulary.billing import AgingBucket

ZERO = Decimal("0.00")
MONTHS_A_YEAR = Decimal(12)
DAYS_A_YEAR = Decimal(365)


def due_date(issue_date: dt.date, terms_days: int) -> dt.date:
    """`terms_days` net: due that many days after the issue date (0: due on issue)."""
    return issue_date + dt.timedelta(days=terms_days)


# --- Interest ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class InterestSpan:
    """Consecutive days on which the overdue balance stood still."""

    first: dt.date
    last: dt.date
    balance: Decimal

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Interest:
    amount: Decimal  # rounded to the cent
    spans: tuple[InterestSpan, ...]
    monthly_rate: Decimal

    @property
    def days(self) -> int:
        return sum(span.days for span in self.spans)

    def explanation(self, currency: str) -> str:
        """The arithmetic, in words a studio can check with a calculator."""
        rate = f"{(self.monthly_rate * 100).normalize():f}%"
        parts = [
            f"{span.balance:,.2f} x {rate} x 12/365 x {span.days} day{'s' if span.days != 1 else ''} "
            f"({span.first.isoformat()} to {span.last.isoformat()})"
            for span in self.spans
        ]
        return f"{' + '.join(parts)} = {self.amount:,.2f} {currency}"


def late_interest(
    *,
    total: Decimal,
    payments: Sequence[tuple[dt.date, Decimal]],
    due: dt.date,
    first: dt.date,
    last: dt.date,
    monthly_rate: Decimal,
) -> Interest:
    """Interest a document bears from `first` to `last` (inclusive): `total` less what was paid
    by the end of each day (`payments`: (day, amount)), on each day after `due`."""
    start = max(first, due + dt.timedelta(days=1))
    if start > last or monthly_rate <= 0:
        return Interest(ZERO, (), monthly_rate)
    changes = sorted(payments)
    # The balance at the end of each day changes only on days something was paid.
    balance = total - sum((amount for day, amount in changes if day < start), ZERO)
    cuts = sorted({day for day, _ in changes if start <= day <= last})
    spans: list[InterestSpan] = []
    day = start
    for cut in [*cuts, None]:
        if cut is not None:
            if cut > day:
                spans.append(InterestSpan(day, cut - dt.timedelta(days=1), balance))
            balance -= sum((amount for d, amount in changes if d == cut), ZERO)
            day = cut
        else:
            spans.append(InterestSpan(day, last, balance))
    spans = [s for s in spans if s.balance > 0 and s.days > 0]
    exact = sum((s.balance * monthly_rate * MONTHS_A_YEAR * s.days / DAYS_A_YEAR for s in spans), Decimal(0))
    return Interest(round_money(exact), tuple(spans), monthly_rate)


# --- Aging ------------------------------------------------------------------------------------
def aging_bucket(due: dt.date, as_of: dt.date) -> AgingBucket:
    """Days past the due date: not yet due; 0-30 (0 is the due date itself); 31-60; 61-90; over 90."""
    late = (as_of - due).days
    if late < 0:
        return AgingBucket.CURRENT
    if late <= 30:
        return AgingBucket.DAYS_0_30
    if late <= 60:
        return AgingBucket.DAYS_31_60
    if late <= 90:
        return AgingBucket.DAYS_61_90
    return AgingBucket.DAYS_90_PLUS


def days_overdue(due: dt.date, as_of: dt.date) -> int:
    """Whole days a document is overdue on `as_of` (0 when not yet overdue)."""
    return max(0, (as_of - due).days)


# --- Applying money ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Allocation:
    applied: tuple[tuple[object, Decimal], ...]  # (document key, amount), in order
    left: Decimal  # what no document took: kept as the studio's credit


def allocate(amount: Decimal, open_balances: Sequence[tuple[object, Decimal]]) -> Allocation:
    """Spread `amount` over documents in the order given (oldest first, or the order staff
    chose), each taking at most its open balance; what is left over stays as credit."""
    if amount < 0:
        raise ValueError("an amount applied is not negative")
    left = amount
    applied = []
    for key, balance in open_balances:
        if left <= 0:
            break
        if balance <= 0:
            continue
        take = min(left, balance)
        applied.append((key, take))
        left -= take
    return Allocation(tuple(applied), left)
