"""Money, pure: Decimal amounts with a currency, one rounding rule, exact splits.

In the shared kernel, since pricing (registry.terms.pricing) and billing both round and split
with it; registry.billing.money names it for billing.

Every amount the registry stores or shows is rounded by `round_money` (to the cent, half up),
and nowhere else. Splits use the largest-remainder method so the parts add up to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    """The registry's one rounding rule: to the cent, half up (0.005 -> 0.01)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money takes a Decimal, never a float")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"{self.currency!r} is not an ISO 4217 code")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def rounded(self) -> Money:
        return Money(round_money(self.amount), self.currency)


def split_largest_remainder(
    total: Decimal, weights: Sequence[Decimal], *, tie_order: Sequence[int] | None = None
) -> list[Decimal]:
    """Split a cent amount by weights so that the parts are cents and add up to `total` exactly.

    Each part gets its share rounded down; the cents left over go one each to the parts with
    the largest remainders. Among equal remainders, `tie_order` (a permutation of the parts'
    indices, e.g. drawn from a document's id) decides who goes first; without one, the earlier
    part. Deterministic either way.
    """
    if round_money(total) != total:
        raise ValueError(f"{total} is not a whole number of cents")
    if not weights:
        raise ValueError("no parts to split into")
    if any(w < 0 for w in weights):
        raise ValueError("weights cannot be negative")
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        raise ValueError("weights add up to zero")
    sign = Decimal(-1) if total < 0 else Decimal(1)
    cents = abs(total) / CENT
    exact = [cents * w / weight_sum for w in weights]
    floors = [e.to_integral_value(rounding=ROUND_DOWN) for e in exact]
    left = int(cents - sum(floors, Decimal(0)))
    rank = {i: n for n, i in enumerate(tie_order)} if tie_order is not None else {i: i for i in range(len(weights))}
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), rank[i]))
    for i in order[:left]:
        floors[i] += 1
    return [sign * f * CENT for f in floors]
