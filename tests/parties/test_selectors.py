"""Performers named by reference: a public id (`prf_…`) or a union member number, one rule."""

from __future__ import annotations

import pytest

from registry.parties.selectors import performer_by_reference, performer_reference_field, performers_by_reference


def test_a_reference_names_the_public_id_or_else_the_member_number():
    assert performer_reference_field("prf_abc") == "public_id"
    assert performer_reference_field("SAG-100001") == "member_number"
    assert performer_reference_field("prf") == "member_number"  # no separator: not a public id


def test_one_performer_by_either_reference(performer):
    found = performer.performer

    assert performer_by_reference(found.public_id) == found
    assert performer_by_reference(f"  {found.member_number} ") == found
    assert performer_by_reference("prf_nobody") is None
    assert performer_by_reference("   ") is None


def test_many_performers_in_one_query_under_both_references(performer, other_performer, django_assert_num_queries):
    one, two = performer.performer, other_performer.performer

    with django_assert_num_queries(1):
        found = performers_by_reference([one.public_id, two.member_number, "SAG-000000"])

    assert found == {
        one.public_id: one,
        one.member_number: one,
        two.public_id: two,
        two.member_number: two,
    }


@pytest.mark.django_db
def test_no_references_find_no_one():
    assert performers_by_reference([]) == {}
