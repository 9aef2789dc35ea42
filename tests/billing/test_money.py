"""Money's one rounding rule and exact splits (rating's cases are in test_rating.py)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.billing.money import Money, round_money, split_largest_remainder


def test_round_money_is_half_up_to_the_cent():
    assert [round_money(D(x)) for x in ("0.005", "0.004", "1.115", "-0.005", "2.675")] == [
        D("0.01"),
        D("0.00"),
        D("1.12"),
        D("-0.01"),
        D("2.68"),
    ]


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot mix USD and EUR"):
        Money(D("1"), "USD") + Money(D("1"), "EUR")


@given(
    total=st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda c: D(c) / 100),
    weights=st.lists(st.integers(min_value=0, max_value=1000).map(D), min_size=1, max_size=8).filter(
        lambda w: sum(w) > 0
    ),
)
def test_splits_add_up_exactly(total, weights):
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    assert all(round_money(p) == p for p in parts)
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)
