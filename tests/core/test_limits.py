"""The input limits: each rule agrees with the pattern the schema states for it, and the copies
made for speed agree with what DRF does."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from registry.api import fields
from registry.core import limits

DAY = dt.timedelta(days=1)


def _accepted(parse, text) -> bool:
    try:
        parse(text)
    except limits.InputFault:
        return False
    return True


# --- Dates ----------------------------------------------------------------------------------------
def test_the_date_pattern_states_exactly_the_dates_accepted():
    pattern = re.compile(limits.DATE_PATTERN)
    day, disagree, accepted = dt.date(1849, 1, 1), [], 0
    while day <= dt.date(2200, 12, 31):
        text = day.isoformat()
        if bool(pattern.fullmatch(text)) != _accepted(limits.parse_date, text):
            disagree.append(text)
        accepted += _accepted(limits.parse_date, text)
        day += DAY
    assert disagree == []
    assert accepted == (limits.LATEST_DATE - limits.EARLIEST_DATE).days + 1


@pytest.mark.parametrize(
    "text",
    ["2100-02-29", "1900-02-29", "2027-02-29", "2027-02-30", "2027-04-31", "2027-13-01", "2027-00-10", "2027-01-00",
     "2027-W03-1", "2027-018", "20270118", "2027-1-18", "2027-01-18T00:00", " 2027-01-18", "2027-01-18\n",
     "１９９０-01-01", "0001-01-01", "9999-12-31", "1849-12-31", "2200-01-01"],
)  # fmt: skip
def test_dates_written_otherwise_or_outside_the_range_are_refused_and_the_pattern_agrees(text):
    assert not _accepted(limits.parse_date, text)
    assert not re.fullmatch(limits.DATE_PATTERN, text)


def test_a_leap_day_is_a_date_in_leap_years_only():
    assert limits.parse_date("2000-02-29") == dt.date(2000, 2, 29)
    assert limits.parse_date("2028-02-29") == dt.date(2028, 2, 29)


def test_a_date_outside_the_range_says_which_range():
    with pytest.raises(limits.InputFault) as refused:
        limits.parse_date("9990-01-01")
    assert refused.value.code == "date_out_of_range"
    assert str(refused.value) == "9990-01-01 is outside the dates the registry accepts (1850-01-01 to 2199-12-31)."


def test_the_month_pattern_states_exactly_the_months_accepted():
    pattern = re.compile(limits.MONTH_PATTERN)
    texts = [f"{year:04d}-{month:02d}" for year in range(1840, 2210) for month in range(0, 14)]
    texts += ["9999-12", "0001-01", "2026-1", "2026-W03", "202610", "2026-10-01"]
    assert [t for t in texts if bool(pattern.fullmatch(t)) != _accepted(limits.parse_month, t)] == []
    assert limits.parse_month("2026-10") == dt.date(2026, 10, 1)


times = st.builds(
    "{}T{:02d}:{:02d}:{:02d}{}{}".format,
    st.dates(min_value=dt.date(1840, 1, 1), max_value=dt.date(2210, 12, 31)).map(dt.date.isoformat),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.sampled_from(["", ".5", ".123456", ".1234567"]),
    st.sampled_from(["Z", "+02:00", "-11:30", "+24:00", "", "z", "+0200"]),
)


@settings(max_examples=500, deadline=None)
@given(text=times)
def test_the_datetime_pattern_states_exactly_the_dates_and_times_accepted(text):
    assert bool(re.fullmatch(limits.DATETIME_PATTERN, text)) == _accepted(limits.parse_datetime, text)


# --- Amounts --------------------------------------------------------------------------------------
decimal_texts = st.one_of(
    st.text(alphabet="0123456789.-+e_ ", max_size=16),
    st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=3).map(str),
    st.sampled_from(["0", "0.0", "0.00", "0.01", "0.001", "-0", "-0.00", "1e5", "1_000", ".5", "5.", "+5", "007"]),
)


@pytest.mark.parametrize(
    ("max_digits", "places", "minimum"),
    [(12, 2, None), (12, 2, Decimal("0.01")), (7, 2, Decimal("0.01")), (18, 2, Decimal("0")), (14, 2, None)],
)
@settings(max_examples=300, deadline=None)
@given(text=decimal_texts)
def test_the_decimal_pattern_states_exactly_what_the_field_accepts(max_digits, places, minimum, text):
    field = fields.DecimalField(max_digits=max_digits, decimal_places=places, min_value=minimum)
    try:
        field.run_validation(text)
        accepted = True
    except serializers.ValidationError:
        accepted = False
    assert bool(re.fullmatch(field.written_form, text)) == accepted


@pytest.mark.parametrize(
    "text", ["1e5", "1E5", "1_000", "+5", ".5", "5.", " 5", "5 ", "١٢٣", "NaN", "Infinity", "0x10"]
)
def test_only_plain_decimal_strings_are_amounts(text):
    with pytest.raises(limits.InputFault):
        limits.parse_decimal(text)


def test_a_json_number_is_not_an_amount():
    with pytest.raises(limits.InputFault) as refused:
        limits.parse_decimal(3738)
    assert refused.value.code == "not_a_string"


# --- Text -----------------------------------------------------------------------------------------
def _drf_text_errors(value: str) -> list[str]:
    try:
        serializers.CharField(trim_whitespace=False).run_validation(value)
    except serializers.ValidationError as exc:
        return [str(e) for e in exc.detail]
    return []


@settings(max_examples=500, deadline=None)
@given(value=st.text(st.characters(codec=None, categories=None), min_size=1, max_size=20))
def test_text_rules_are_drfs(value):
    fault = limits.text_fault(value)
    errors = _drf_text_errors(value)
    assert (fault is None) == (errors == [])
    if fault is not None:
        assert str(fault) == errors[0]


@pytest.mark.parametrize(("value", "code"), [("a\x00b", "null_characters_not_allowed"),
                                             ("é\ud800", "surrogate_characters_not_allowed"),
                                             ("\udfff", "surrogate_characters_not_allowed")])  # fmt: skip
def test_nul_and_lone_surrogates_are_refused(value, code):
    assert limits.text_fault(value).code == code


# --- JSON nesting ---------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab', max_size=6),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\a', max_size=3), children, max_size=3)
    ),
    max_leaves=60,
)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@settings(max_examples=500, deadline=None)
@given(value=json_values, limit=st.integers(0, 8))
def test_nesting_is_measured_as_parsed(value, limit):
    assert limits.json_nesting_exceeds(json.dumps(value), limit) == (_depth(value) > limit)
    raw = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")  # a request's bytes
    assert limits.json_nesting_exceeds(raw, limit) == (_depth(value) > limit)


def test_json_deeper_than_the_limit_is_refused_before_it_is_parsed():
    with pytest.raises(limits.InputFault) as refused:
        limits.json_loads("[" * 100_000 + "]" * 100_000)
    assert refused.value.code == "too_deep"
    assert limits.json_loads("[" * limits.MAX_JSON_DEPTH + "]" * limits.MAX_JSON_DEPTH)


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}'])
def test_json_has_no_nan_or_infinity(text):
    with pytest.raises(ValueError):
        limits.json_loads(text)


@settings(max_examples=500, deadline=None)
@given(value=st.text(st.sampled_from(["\t", " ", "\x1c", "\x85", "\u3000", "\ufeff", "\x00", "a", "é"]), max_size=6))
def test_the_text_patterns_state_what_drfs_text_fields_accept(value):
    for allow_blank, pattern in ((False, limits.NOT_BLANK_PATTERN), (True, limits.NO_NUL_PATTERN)):
        try:
            serializers.CharField(allow_blank=allow_blank).run_validation(value)
            accepted = True
        except serializers.ValidationError:
            accepted = False
        assert bool(re.fullmatch(pattern, value)) == accepted, (allow_blank, value)
