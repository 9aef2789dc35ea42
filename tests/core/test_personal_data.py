"""What every domain's privacy module shares: finding a performer in free text, scrubbing it,
and the pseudonyms. Pure, no database."""

from __future__ import annotations

import datetime as dt

from registry.core import personal_data
from registry.core.actors import Actor


def test_needles_are_longest_first_without_short_words():
    found = personal_data.needles(
        names=["Maya Okafor", "Mo Li"], email="maya@example.org", member_number="SAG-1", date_of_birth="1988-03-14"
    )

    assert found == ["maya@example.org", "Maya Okafor", "1988-03-14", "Okafor", "Mo Li", "SAG-1", "Maya"]


def test_scrub_replaces_whole_words_in_any_case():
    targets = personal_data.needles(names=["Maya Okafor"], email="", member_number="", date_of_birth="")

    text = personal_data.scrub(
        "maya okafor called; MAYA said the Mayan temple scene is fine. Okafor's call.", targets, "X"
    )

    assert text == "X called; X said the Mayan temple scene is fine. X's call."


def test_scrub_json_reaches_nested_strings_and_keys():
    value = {"who": ["Maya Okafor", {"Maya": 1}], "n": 3, "none": None}

    assert personal_data.scrub_json(value, ["Maya Okafor", "Maya"], "X") == {
        "who": ["X", {"X": 1}],
        "n": 3,
        "none": None,
    }


def test_pseudonyms_are_derived_from_the_public_id_and_fit_their_columns():
    public_id = "prf_" + "a" * 26

    assert personal_data.pseudonym(public_id) == f"Erased performer {public_id}"
    assert personal_data.pseudonymous_member_number(public_id) == "E-" + "a" * 26
    assert len(personal_data.pseudonymous_member_number(public_id)) <= 32


def test_an_erasure_captures_every_identifying_string_before_anything_changes():
    erasure = personal_data.Erasure.of(
        public_id="prf_abc",
        legal_name="Sam Rivera",
        professional_name="",
        email="",
        member_number="SAG-9",
        date_of_birth=dt.date(2014, 6, 30),
        representative_names=["Elena Rivera", ""],
        actor=Actor.system("tests"),
        at=dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC),
    )

    assert (erasure.pseudonym, erasure.member_number, erasure.former_member_number) == (
        "Erased performer prf_abc",
        "E-abc",
        "SAG-9",
    )
    assert erasure.needles == ("2014-06-30", "Sam Rivera", "Rivera", "SAG-9", "Sam")
    assert erasure.needles_with_representatives == (
        "Elena Rivera",
        "2014-06-30",
        "Sam Rivera",
        "Rivera",
        "SAG-9",
        "Sam",
    )
    assert erasure.identifiers == ("Sam Rivera",)  # whole identifiers only, empty ones left out
    assert erasure.scrub("Sam Rivera's guardian") == "Erased performer prf_abc's guardian"
    assert erasure.scrub_with_representatives("Signed by Elena Rivera") == "Signed by Erased performer prf_abc"
