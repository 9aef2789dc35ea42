"""The usage line rules, pure: decided from looked-up references without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from registry.consent.rules import Project
from registry.usage.rules import (
    MAX_LINES,
    LineInput,
    References,
    duplicate_line_problems,
    line_problems,
    report_size_problems,
)

TVTH = SimpleNamespace(pk=1, code="tvth-2026", currency="USD")
MAYA = SimpleNamespace(pk=7, public_id="prf_maya")
GRANT = SimpleNamespace(performer=MAYA, agreement=TVTH)
REFS = References(
    stored_line_refs=frozenset({"L-old"}),
    grants={"cgr_ours": GRANT},
    performers={"SAG-1": MAYA},
    synthetics={},
    agreements={"tvth-2026": TVTH},
    signed_agreement_ids=frozenset({1}),
)


def line(**changes) -> LineInput:
    values = {
        "line_ref": "L-1",
        "kind": "replica_use",
        "project": Project(kind="picture", title="The Long Night", production_number="NLP-1"),
        "use_date": dt.date(2027, 2, 1),
        "units": Decimal("1"),
        "unit": "days",
        "grant_ref": "cgr_ours",
        "media": ("streaming",),
        "territory": ("US",),
    }
    return LineInput(**{**values, **changes})


def test_a_use_of_a_performer_states_media_and_territory():
    # Rule 2.4: where and in what media the use is shown is part of what it is.
    problems, found = line_problems(2, line(media=(), territory=()), REFS)
    assert found is None
    assert [(p.field, p.code, p.message) for p in problems] == [
        ("lines.2.media", "required", "State the media of the use (rule 2.4)."),
        ("lines.2.territory", "required", "State the territory of the use, or WW (rule 2.4)."),
    ]


def test_a_scan_session_shows_nothing_and_need_not_state_media_or_territory():
    problems, found = line_problems(0, line(kind="scan_session", unit="sessions", media=(), territory=()), REFS)
    assert (problems, found.grant) == ([], GRANT)


def test_a_well_formed_line_names_what_it_refers_to():
    problems, found = line_problems(0, line(), REFS)
    assert problems == []
    assert (found.grant, found.performer, found.agreement) == (GRANT, MAYA, TVTH)


def test_each_fault_of_a_line_is_named_with_its_field():
    problems, found = line_problems(
        3, line(line_ref="L-old", unit="tracks", units=Decimal("0"), grant_ref="cgr_theirs", currency="EUR"), REFS
    )
    assert found is None
    assert [(p.field, p.code) for p in problems] == [
        ("lines.3.line_id", "line_id_reused"),
        ("lines.3.unit", "unit_not_allowed"),
        ("lines.3.units", "not_positive"),
        ("lines.3.grant", "unknown_grant"),
    ]


def test_an_agreement_the_studio_did_not_sign_and_its_currency():
    other = SimpleNamespace(pk=2, code="cm-2025", currency="USD")
    refs = References(**{**REFS.__dict__, "agreements": {"cm-2025": other}})
    problems, _ = line_problems(0, line(grant_ref=None, performer_ref="SAG-1", agreement_code="cm-2025"), refs)
    assert [(p.field, p.code) for p in problems] == [("lines.0.agreement", "studio_not_signatory")]


def test_a_report_is_refused_whole_when_empty_or_too_long_and_names_repeated_ids():
    assert [p.code for p in report_size_problems([])] == ["required"]
    assert [p.code for p in report_size_problems([line()] * (MAX_LINES + 1))] == ["too_many_lines"]
    assert [(p.field, p.message) for p in duplicate_line_problems([line(), line(), line(line_ref="L-2")])] == [
        ("lines.1.line_id", "Line id 'L-1' also appears at line 0.")
    ]
