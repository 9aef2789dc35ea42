"""Billing periods: what is not a month, or not the first day of one, is a field error (400 on
the API, a form error in the admin, a command error), never a ValueError, and starts nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from registry.billing.models import BillingRun
from registry.billing.periods import parse_period, period_end, previous_period
from registry.billing.runs import billing_run_start
from registry.core.errors import InvalidInputError
from tests.conftest import SYSTEM


def test_a_period_is_a_month_named_by_its_first_day():
    assert parse_period("2026-02") == dt.date(2026, 2, 1)
    assert period_end(dt.date(2028, 2, 1)) == dt.date(2028, 2, 29)
    assert previous_period(dt.date(2026, 1, 15)) == dt.date(2025, 12, 1)


@pytest.mark.parametrize("text", ["2025-13", "August", "2025-08-01", "", "2025-", "0-01"])
def test_what_is_not_a_month_is_a_period_field_error(text):
    with pytest.raises(InvalidInputError, match=r"is not a month written YYYY-MM, e\.g\. 2026-10") as refused:
        parse_period(text)

    assert [(p.field, p.code) for p in refused.value.problems] == [("period", "invalid")]


@pytest.mark.django_db
def test_a_run_starts_on_the_first_day_of_a_month_or_not_at_all():
    with pytest.raises(InvalidInputError, match="first day of a month") as refused:
        billing_run_start(period=dt.date(2025, 8, 15), actor=SYSTEM)

    assert [(p.field, p.code) for p in refused.value.problems] == [("period", "not_first_day")]
    assert not BillingRun.objects.exists()


@pytest.mark.django_db
def test_staff_starting_a_run_for_a_bad_period_get_a_form_error(staff):
    admin = Client()
    admin.force_login(staff.user)

    response = admin.post("/admin/billing/billingrun/start/", {"period": "2025-13"})

    assert response.status_code == 200
    assert "is not a month written YYYY-MM, e.g. 2026-10." in response.text
    assert not BillingRun.objects.exists()
