"""The fast reading of a consent-check body accepts only what ConsentCheckSerializer accepts, and
reads it the same; everything else is left to the serializer."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.api.parsers import JSONParser, json_object_from
from registry.api.serializers.consent import ConsentCheckSerializer, check_body_fast
from registry.core.limits import EARLIEST_DATE, LATEST_DATE
from registry.core.vocabulary.consent import AlterationExemption, Medium, ProjectKind, SensitiveFlag, UseType

TYPICAL = {
    "performer": "prf_01HZX3",
    "use": "replica_use",
    "project": {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"},
    "on": "2027-03-01",
    "media": ["streaming", "theatrical"],
    "territory": ["US", "ca"],
}


def serializer_reading(body):
    serializer = ConsentCheckSerializer(data=body)
    return serializer.validated_data if serializer.is_valid() else None


def as_plain(data) -> dict:
    """validated_data as plain dicts and lists, to compare with the fast reading."""
    if isinstance(data, dict):
        return {k: as_plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [as_plain(v) for v in data]
    return data


@pytest.mark.parametrize(
    "body",
    [
        TYPICAL,
        {**TYPICAL, "on": None, "record": True},
        {k: v for k, v in TYPICAL.items() if k != "on"},
        {
            **TYPICAL,
            "role": " Detective Mara Quinn ",
            "intended_use": "Crowd scene in episode 3",
            "sensitive_content": ["violence"],
            "realtime_generation": True,
        },
        {**TYPICAL, "performer": "  M-1234567 ", "unknown_key": {"ignored": True}},
        {**TYPICAL, "project": {**TYPICAL["project"], "advertiser": " Acme ", "product_line": ""}},
    ],
)
def test_typical_bodies_take_the_fast_reading_and_read_as_the_serializer_does(body):
    fast = check_body_fast(body)
    assert fast is not None
    assert fast == as_plain(serializer_reading(body))


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "text",
        {**TYPICAL, "performer": ""},
        {**TYPICAL, "performer": "x" * 65},
        {**TYPICAL, "performer": " " + "x" * 64},
        {**TYPICAL, "performer": "prf_\x00"},
        {**TYPICAL, "use": "everything"},
        {**TYPICAL, "project": "NLP-2027-004"},
        {**TYPICAL, "project": {**TYPICAL["project"], "kind": "opera"}},
        {**TYPICAL, "project": {**TYPICAL["project"], "title": "   "}},
        {**TYPICAL, "on": "2027-02-30"},
        {**TYPICAL, "on": "03/01/2027"},
        {**TYPICAL, "on": "2027-W09-1"},
        {**TYPICAL, "on": "9999-12-31"},
        {**TYPICAL, "media": "streaming"},
        {**TYPICAL, "media": ["carrier_pigeon"]},
        {**TYPICAL, "territory": ["USA"]},
        {**TYPICAL, "record": "yes"},
        # Rule 2.4: media and territory are required, and the serializer words the error.
        {k: v for k, v in TYPICAL.items() if k != "media"},
        {k: v for k, v in TYPICAL.items() if k != "territory"},
        {**TYPICAL, "media": []},
        {**TYPICAL, "territory": []},
        {**TYPICAL, "role": "x" * 201},
        {**TYPICAL, "role": 7},
        {**TYPICAL, "intended_use": ["trailer"]},
        {**TYPICAL, "sensitive_content": ["gore"]},
        {**TYPICAL, "sensitive_content": "nudity"},
        {**TYPICAL, "realtime_generation": "yes"},
        {**TYPICAL, "alteration_exemption": "because"},
        # A claimed exemption (rule 2.7) names its agreement and justification: the serializer's path.
        {
            **TYPICAL,
            "alteration_exemption": "cosmetic",
            "agreement": "tvth-2026",
            "exemption_justification": "Blemish",
        },
    ],
)
def test_anything_unusual_is_left_to_the_serializer(body):
    assert check_body_fast(body) is None


def test_a_missing_date_means_today():
    body = {k: v for k, v in TYPICAL.items() if k != "on"}
    assert check_body_fast(body)["on"] == timezone.localdate()


text = st.one_of(
    st.text(max_size=70),
    st.sampled_from(["prf_abc", " M-1 ", "", "  ", "x" * 64, "x" * 65, "a\x00b", "\ud800"]),
    st.integers(),
    st.none(),
    st.booleans(),
)
bodies = st.fixed_dictionaries(
    {
        "performer": text,
        "use": st.one_of(st.sampled_from(UseType.values), text),
        "project": st.one_of(
            st.fixed_dictionaries(
                {
                    "kind": st.one_of(st.sampled_from(ProjectKind.values), text),
                    "title": text,
                    "production_number": text,
                },
                optional={"advertiser": text, "product_line": text},
            ),
            text,
        ),
    },
    optional={
        "on": st.one_of(
            st.dates(min_value=dt.date(1000, 1, 1)).map(dt.date.isoformat),
            st.sampled_from(["2027-02-30", "20270301", "2027-3-1", "2027-03-01T00:00:00", "2027-W09-1", "9990-01-01"]),
            text,
        ),
        "media": st.one_of(st.lists(st.one_of(st.sampled_from(Medium.values), text), max_size=12), text),
        "territory": st.one_of(
            st.lists(st.one_of(st.sampled_from(["US", "ww", "Gb", " US", "USA", "U1"]), text), max_size=4), text
        ),
        "alteration_exemption": st.one_of(st.sampled_from(AlterationExemption.values), text),
        "record": st.one_of(st.booleans(), text),
        "role": text,
        "intended_use": text,
        "sensitive_content": st.one_of(
            st.lists(st.one_of(st.sampled_from(SensitiveFlag.values), text), max_size=5), text
        ),
        "realtime_generation": st.one_of(st.booleans(), text),
    },
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_the_fast_reading_never_accepts_what_the_serializer_refuses_nor_reads_it_differently(body):
    fast = check_body_fast(body)
    if fast is not None:
        assert fast == as_plain(serializer_reading(body))


plain = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=60).filter(str.strip)
good_bodies = st.fixed_dictionaries(
    {
        "performer": plain,
        "use": st.sampled_from(UseType.values),
        "project": st.fixed_dictionaries(
            {"kind": st.sampled_from(ProjectKind.values), "title": plain, "production_number": plain},
            optional={"advertiser": st.just("") | plain, "product_line": st.just("") | plain},
        ),
        "media": st.lists(st.sampled_from(Medium.values), min_size=1, max_size=len(Medium)),
        "territory": st.lists(st.sampled_from(["US", "ww", "Gb", "FR"]), min_size=1, max_size=5),
    },
    optional={
        "on": st.none() | st.dates(min_value=EARLIEST_DATE, max_value=LATEST_DATE).map(dt.date.isoformat),
        "role": st.just("") | plain,
        "intended_use": st.just("") | plain,
        "sensitive_content": st.lists(st.sampled_from(SensitiveFlag.values), max_size=len(SensitiveFlag)),
        "realtime_generation": st.booleans(),
        "record": st.booleans(),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=good_bodies)
def test_well_formed_bodies_take_the_fast_reading_with_the_serializers_result(body):
    fast = check_body_fast(body)
    assert fast is not None
    assert fast == as_plain(serializer_reading(body))


# --- The body's bytes: read by msgspec only where it reads as the API's JSON parser does ------------
def parser_reading(raw: bytes):
    import io

    try:
        return JSONParser().parse(io.BytesIO(raw), "application/json", {})
    except Exception:  # what the parser refuses, the fast reading must not accept
        return "refused"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, spaces=st.booleans())
def test_the_bytes_are_read_as_the_parser_reads_them_or_left_to_it(body, spaces):
    raw = json.dumps(body, ensure_ascii=spaces, indent=1 if spaces else None).encode("utf-8", "surrogatepass")
    read = json_object_from(raw)
    if read is not None:
        assert read == parser_reading(raw)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b'{"performer": "prf_1", "x": "\\ud800"}', "a lone surrogate: Python's parser reads it, msgspec does not"),
        (b'{"performer": "prf_1", "x": 1e400}', "a number beyond a float"),
        (b'{"performer": NaN}', "not JSON (the parser refuses it too, in words)"),
        (b"[" * 40 + b"]" * 40, "an array nested deeper than the bound"),
        (b'{"x": ' + b"[" * 33 + b"]" * 33 + b"}", "an object's value nested deeper than the bound"),
        (b'["not", "an", "object"]', "not an object"),
        (b"\xef\xbb\xbf{}", "a byte-order mark"),
        (b'{"performer": "prf_\xff"}', "not UTF-8"),
    ],
)
def test_bytes_the_fast_reading_leaves_to_the_parser(raw, why):
    assert json_object_from(raw) is None, why


def test_the_typical_body_is_read_from_its_bytes():
    assert json_object_from(json.dumps(TYPICAL).encode()) == TYPICAL


def test_many_shallow_containers_are_read_from_the_bytes_too():
    body = {**TYPICAL, "x": [[] for _ in range(40)]}  # 42 containers, 3 deep
    assert json_object_from(json.dumps(body).encode()) == body
