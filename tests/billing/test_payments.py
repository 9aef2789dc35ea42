"""Payouts: an amount that is not positive is a field error and posts nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry.billing.models import JournalEntry
from registry.billing.payments import payout_record
from registry.core.errors import InvalidInputError
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-10.00")])
def test_a_payout_is_a_positive_amount(performer, amount):
    with pytest.raises(InvalidInputError, match="a payout is a positive amount") as refused:
        payout_record(performer=performer.performer, amount=amount, currency="USD", actor=SYSTEM)

    assert [(p.field, p.code) for p in refused.value.problems] == [("amount", "not_positive")]
    assert not JournalEntry.objects.exists()
