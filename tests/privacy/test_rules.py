"""The erasure rules and the scrubbing of free text: pure, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry.privacy import rules
from registry.privacy.rules import BlockerCode, Holdings


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


def test_needles_are_longest_first_without_short_words():
    found = rules.needles(
        names=["Maya Okafor", "Mo Li"], email="maya@example.org", member_number="SAG-1", date_of_birth="1988-03-14"
    )

    assert found == ["maya@example.org", "Maya Okafor", "1988-03-14", "Okafor", "Mo Li", "SAG-1", "Maya"]


def test_scrub_replaces_whole_words_in_any_case():
    targets = rules.needles(names=["Maya Okafor"], email="", member_number="", date_of_birth="")

    text = rules.scrub("maya okafor called; MAYA said the Mayan temple scene is fine. Okafor's call.", targets, "X")

    assert text == "X called; X said the Mayan temple scene is fine. X's call."


def test_scrub_json_reaches_nested_strings_and_keys():
    value = {"who": ["Maya Okafor", {"Maya": 1}], "n": 3, "none": None}

    assert rules.scrub_json(value, ["Maya Okafor", "Maya"], "X") == {"who": ["X", {"X": 1}], "n": 3, "none": None}


def test_pseudonyms_are_derived_from_the_public_id_and_fit_their_columns():
    public_id = "prf_" + "a" * 26

    assert rules.pseudonym(public_id) == f"Erased performer {public_id}"
    assert rules.pseudonymous_member_number(public_id) == "E-" + "a" * 26
    assert len(rules.pseudonymous_member_number(public_id)) <= 32
