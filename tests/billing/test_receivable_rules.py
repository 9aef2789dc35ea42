"""Receivables' pure rules, hand-computed: due dates, simple daily late interest across a month
boundary, a leap day and a part payment, aging buckets on fixed dates, and spreading a payment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry.billing import rules
from registry.core.vocabulary.billing import AgingBucket

D = Decimal
ONE_PERCENT = D("0.0100")


def test_thirty_days_net():
    # Issued 2028-01-01, 30 days net: due 2028-01-31. Issued 2028-02-15: due 2028-03-16 (29-day February).
    assert rules.due_date(dt.date(2028, 1, 1), 30) == dt.date(2028, 1, 31)
    assert rules.due_date(dt.date(2028, 2, 15), 30) == dt.date(2028, 3, 16)
    assert rules.due_date(dt.date(2028, 2, 15), 0) == dt.date(2028, 2, 15)


def interest(total, due, first, last, payments=()):
    return rules.late_interest(
        total=D(total), payments=list(payments), due=due, first=first, last=last, monthly_rate=ONE_PERCENT
    )


def test_interest_starts_the_day_after_the_due_date_and_stops_at_the_month_end():
    # Due 2027-01-15; January bears 16 days (16th to 31st):
    # 1,000.00 x 1% x 12/365 x 16 = 1,920/365 = 5.260... -> 5.26
    january = interest("1000.00", dt.date(2027, 1, 15), dt.date(2027, 1, 1), dt.date(2027, 1, 31))
    assert (january.amount, january.days) == (D("5.26"), 16)
    assert january.spans == (rules.InterestSpan(dt.date(2027, 1, 16), dt.date(2027, 1, 31), D("1000.00")),)
    # February 2027 (28 days): 1,000.00 x 0.12 x 28/365 = 3,360/365 = 9.205... -> 9.21
    february = interest("1000.00", dt.date(2027, 1, 15), dt.date(2027, 2, 1), dt.date(2027, 2, 28))
    assert (february.amount, february.days) == (D("9.21"), 28)
    assert february.explanation("USD") == ("1,000.00 x 1% x 12/365 x 28 days (2027-02-01 to 2027-02-28) = 9.21 USD")


def test_a_leap_day_is_one_more_day_of_interest():
    # February 2028 has 29 days: 1,000.00 x 0.12 x 29/365 = 3,480/365 = 9.534... -> 9.53
    leap = interest("1000.00", dt.date(2028, 1, 31), dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert (leap.amount, leap.days) == (D("9.53"), 29)
    # Due on the leap day itself: interest from 2028-03-01, none in February.
    assert interest("1000.00", dt.date(2028, 2, 29), dt.date(2028, 2, 1), dt.date(2028, 2, 29)).amount == D("0.00")
    # Due 2028-02-28: the leap day alone bears interest: 1,000.00 x 0.12 / 365 = 0.3287... -> 0.33
    assert interest("1000.00", dt.date(2028, 2, 28), dt.date(2028, 2, 1), dt.date(2028, 2, 29)).amount == D("0.33")


def test_a_part_payment_lowers_the_balance_from_the_day_it_is_received():
    # 3,738.00 due 2028-01-31; 1,738.00 received 2028-02-10.
    # 1 to 9 February on 3,738.00: 3,738 x 0.12 x 9/365 = 4,037.04/365 = 11.0604...
    # 10 to 29 February on 2,000.00: 2,000 x 0.12 x 20/365 = 4,800/365 = 13.1507...
    # 11.0604 + 13.1507 = 24.2111 -> 24.21 (rounded once, not per span)
    result = interest(
        "3738.00",
        dt.date(2028, 1, 31),
        dt.date(2028, 2, 1),
        dt.date(2028, 2, 29),
        [(dt.date(2028, 2, 10), D("1738.00"))],
    )
    assert result.amount == D("24.21")
    assert [(s.first.day, s.last.day, s.balance) for s in result.spans] == [
        (1, 9, D("3738.00")),
        (10, 29, D("2000.00")),
    ]


def test_a_document_paid_before_the_month_bears_nothing():
    paid = [(dt.date(2028, 1, 20), D("1000.00"))]
    assert interest("1000.00", dt.date(2027, 12, 31), dt.date(2028, 2, 1), dt.date(2028, 2, 29), paid).amount == 0


def test_paid_on_the_first_overdue_day_bears_nothing():
    paid = [(dt.date(2028, 2, 1), D("1000.00"))]
    assert interest("1000.00", dt.date(2028, 1, 31), dt.date(2028, 2, 1), dt.date(2028, 2, 29), paid).amount == 0


AS_OF = dt.date(2028, 3, 31)


@pytest.mark.parametrize(
    ("due", "bucket"),
    [
        (dt.date(2028, 4, 1), AgingBucket.CURRENT),  # due tomorrow
        (dt.date(2028, 3, 31), AgingBucket.DAYS_0_30),  # due today: 0 days past due
        (dt.date(2028, 3, 1), AgingBucket.DAYS_0_30),  # 30 days
        (dt.date(2028, 2, 29), AgingBucket.DAYS_31_60),  # 31 days (the leap day counts)
        (dt.date(2028, 1, 31), AgingBucket.DAYS_31_60),  # 29 + 31 = 60 days
        (dt.date(2028, 1, 30), AgingBucket.DAYS_61_90),  # 61 days
        (dt.date(2028, 1, 1), AgingBucket.DAYS_61_90),  # 30 + 29 + 31 = 90 days
        (dt.date(2027, 12, 31), AgingBucket.DAYS_90_PLUS),  # 91 days
    ],
)
def test_aging_buckets_on_fixed_dates(due, bucket):
    assert rules.aging_bucket(due, AS_OF) == bucket


def test_a_payment_is_spread_oldest_first_and_the_rest_kept():
    # 5,000.00 over 3,738.00 then 1,000.00 then 800.00: 3,738.00 + 1,000.00 + 262.00, nothing left.
    spread = rules.allocate(D("5000.00"), [("a", D("3738.00")), ("b", D("1000.00")), ("c", D("800.00"))])
    assert spread.applied == (("a", D("3738.00")), ("b", D("1000.00")), ("c", D("262.00")))
    assert spread.left == D("0.00")
    # 6,000.00 over the same: all three paid, 6,000 - 5,538 = 462.00 kept as credit.
    over = rules.allocate(D("6000.00"), [("a", D("3738.00")), ("b", D("1000.00")), ("c", D("800.00"))])
    assert over.left == D("462.00")
    assert sum(amount for _, amount in over.applied) + over.left == D("6000.00")
