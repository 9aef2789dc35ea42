"""The erasure rules: pure, no database. (Scrubbing free text: tests/core/test_personal_data.py.)"""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry.core.vocabulary.privacy import BlockerCode
from registry.privacy import rules
from registry.privacy.rules import Holdings


def test_nothing_held_means_erase_now():
    assert rules.erasure_blockers(Holdings()) == []


@pytest.mark.parametrize(
    ("holdings", "code", "ids"),
    [
        (Holdings(live_grant_ids=["cgr_1"]), BlockerCode.LIVE_GRANTS, ("cgr_1",)),
        (Holdings(pending_request_ids=["crq_1", "crq_2"]), BlockerCode.PENDING_REQUESTS, ("crq_1", "crq_2")),
        (Holdings(open_case_ids=["case_1"]), BlockerCode.OPEN_CASES, ("case_1",)),
        (Holdings(unbilled_line_refs=["L-9"]), BlockerCode.UNBILLED_USAGE, ("L-9",)),
        (Holdings(owed={"USD": Decimal("12.50")}), BlockerCode.UNPAID_EARNINGS, ("USD",)),
    ],
    ids=["live_grants", "pending_requests", "open_cases", "unbilled_usage", "unpaid_earnings"],
)
def test_each_holding_blocks_with_its_code_and_ids(holdings, code, ids):
    blockers = rules.erasure_blockers(holdings)

    assert [(b.code, b.ids) for b in blockers] == [(code, ids)]


def test_every_reason_is_given_at_once_in_a_fixed_order():
    holdings = Holdings(
        live_grant_ids=["g"], pending_request_ids=["r"], open_case_ids=["c"], unbilled_line_refs=["l"], owed={"EUR": 1}
    )

    assert [b.code for b in rules.erasure_blockers(holdings)] == [
        BlockerCode.LIVE_GRANTS,
        BlockerCode.PENDING_REQUESTS,
        BlockerCode.OPEN_CASES,
        BlockerCode.UNBILLED_USAGE,
        BlockerCode.UNPAID_EARNINGS,
    ]


def test_money_owed_names_each_currency_and_ignores_settled_ones():
    blockers = rules.erasure_blockers(Holdings(owed={"USD": Decimal("0.00"), "EUR": Decimal("3.10")}))

    assert [(b.code, b.ids) for b in blockers] == [(BlockerCode.UNPAID_EARNINGS, ("EUR",))]
    assert "3.10 EUR" in blockers[0].message and "USD" not in blockers[0].message


def test_an_erased_performer_gives_only_that_reason():
    blockers = rules.erasure_blockers(Holdings(already_erased=True, live_grant_ids=["g"]))

    assert [b.code for b in blockers] == [BlockerCode.ALREADY_ERASED]


def test_long_id_lists_are_shortened_in_the_message_but_kept_whole():
    ids = [f"cgr_{i}" for i in range(25)]

    (blocker,) = rules.erasure_blockers(Holdings(live_grant_ids=ids))

    assert "and 5 more" in blocker.message and len(blocker.ids) == 25
