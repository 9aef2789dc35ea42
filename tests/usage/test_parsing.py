"""Usage report parsing: the typed path (msgspec, straight from the body's bytes) gives the lines
and the fingerprint the worded path gives, takes only what that path accepts, and every body it
declines is answered by the worded path with the same problem details as before."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.audit.chain import canonical_json
from registry.core.limits import MAX_JSON_DEPTH
from registry.usage import parsing
from registry.usage.models import UsageReport
from registry.usage.parsing import parse_report, parse_report_json
from registry.usage.services import report_fingerprint
from tests.api.conftest import assert_problem
from tests.usage.builders import granted, line, report, row_counts

URL = "/api/v1/usage-reports/"


def both_paths(body) -> tuple:
    """(typed, worded) of the same body as a client sends it."""
    raw = json.dumps(body).encode()
    return parse_report_json(raw), parse_report(json.loads(raw))


def assert_same(body) -> None:
    typed, (report_ref, lines, problems) = both_paths(body)
    assert problems == []
    assert typed is not None, "a well-formed report took the worded path"
    assert typed == (report_ref, lines, report_fingerprint(body))


# --- The typed path gives what the worded path gives ----------------------------------------------
FULL_LINE = {
    "line_id": "NLP-001",
    "kind": "replica_use",
    "grant": "cgr_tfp2aeozqluh2umeqhcaeqtcbu",
    "performer": "SAG-1",
    "synthetic_performer": None,
    "agreement": "tvth-2026",
    "project": {
        "kind": "commercial",
        "title": "  Spot  ",
        "production_number": "C-1",
        "advertiser": "Acme",
        "product_line": "",
    },
    "use_date": "2026-08-12",
    "units": "2.50",
    "unit": "days",
    "role_category": "day_performer",
    "estimated_days": "3",
    "negotiated_amount": "1200.00",
    "currency": "USD",
    "media": ["streaming", "theatrical"],
    "territory": ["us", "CA"],
    "alteration_exemption": None,
    "exemption_justification": "",
    "justification": "because",
    "role": "Detective",
    "intended_use": " chase ",
    "sensitive_content": ["violence", "nudity", "violence"],
    "realtime_generation": True,
}


def test_a_report_with_every_field_reads_the_same_on_both_paths():
    # trimmed text, upper-cased territories, sorted and deduplicated flags, empty and null fields
    assert_same({"report_id": "R-1", "lines": [FULL_LINE, dict(FULL_LINE, line_id="NLP-002", media=None)]})


def test_lines_sharing_fields_share_their_read_values_but_keep_their_ids():
    body = {"report_id": "R-1", "lines": [line(f"L-{i}", grant=f"cgr_{i % 3}") for i in range(50)]}

    _, lines, _ = parse_report_json(json.dumps(body).encode())

    assert [x.line_ref for x in lines] == [f"L-{i}" for i in range(50)]
    assert [x.grant_ref for x in lines[:4]] == ["cgr_0", "cgr_1", "cgr_2", "cgr_0"]
    assert_same(body)


def test_the_fingerprint_is_the_canonical_json_of_the_body_whatever_its_key_order_and_spacing():
    text = '{ "lines": [{"unit": "days", "line_id": "L-1", "kind": "replica_use", "grant": "cgr_x", '
    text += '"project": {"production_number": "N", "title": "T\\u00e9 \\"q\\" \\n", "kind": "picture"}, '
    text += '"use_date": "2026-08-12", "units": "1", "media": ["streaming"], "territory": ["US"]}], '
    text += '"report_id": "R-\u00e9"}\n'

    typed = parse_report_json(text.encode())

    assert typed is not None
    assert typed[2] == report_fingerprint(json.loads(text))


def test_the_typed_encoding_escapes_every_character_as_canonical_json_does():
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    singles = {f"k{c:x}": chr(c) for c in (*range(0x80), 0x85, 0xA0, 0x2028, 0x2029, 0xFEFF, 0x10FFFF)}

    assert parsing._ENCODER.encode({"every": every, **singles}) == canonical_json({"every": every, **singles})


# Values each field may be sent with: ones the rules take (some to trim, upper-case, sort, or
# leave out), and every kind the worded path refuses and words.
TEXT = st.sampled_from(["x", " x ", "", "   ", "L-\x001", "a\ud800", "é", "x" * 65, "x" * 4001, "\x85x"])
ANY = st.one_of(TEXT, st.none(), st.integers(-2, 2), st.floats(allow_nan=False), st.booleans(), st.just([]))
TAKEN = {
    "line_id": st.sampled_from(["L-1", "L-2", " L-3", "L-4\t", "é"]),
    "kind": st.sampled_from(["replica_use", " replica_use", "training_use"]),
    "use_date": st.sampled_from(["2026-08-12", "1850-01-01", "2199-12-31", "2028-02-29"]),
    "units": st.sampled_from(["1", "0.01", "12.5", "9999999999.99"]),
    "unit": st.sampled_from(["days", "uses", "runs"]),
    "grant": st.sampled_from(["cgr_x", " cgr_y ", None, ""]),
    "performer": st.sampled_from(["SAG-1", None, "   "]),
    "agreement": st.sampled_from(["tvth-2026", None]),
    "role_category": st.sampled_from(["day_performer", "", None]),
    "estimated_days": st.sampled_from(["3", "0.5", None, ""]),
    "negotiated_amount": st.sampled_from(["1200.00", None]),
    "currency": st.sampled_from(["USD", "", None]),
    "media": st.lists(st.sampled_from(["streaming", "theatrical"]), max_size=3) | st.none(),
    "territory": st.lists(st.sampled_from(["US", "ca"]), max_size=3) | st.none(),
    "alteration_exemption": st.sampled_from([None, "", "cosmetic"]),
    "justification": st.sampled_from(["", " why ", None]),
    "role": st.sampled_from(["Detective", None]),
    "sensitive_content": st.lists(st.sampled_from(["violence", "nudity"]), max_size=3) | st.none(),
    "realtime_generation": st.sampled_from([True, False, None]),
    "project": st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["picture", "commercial"]),
            "title": st.sampled_from(["T", " T "]),
            "production_number": st.sampled_from(["N", " N"]),
        },
        optional={"advertiser": st.sampled_from(["A", "", None])},
    ),
}
REFUSED = {
    **dict.fromkeys(TAKEN, ANY),
    "use_date": st.sampled_from(["2026-02-30", "9999-12-31", "20261001", " 2026-08-12"]),
    "units": st.sampled_from(["0", "-1", "1.005", "1e5", "1_000", "+1", "1\n", "123456789012.00"]),
    "unit": st.sampled_from(["tracks", "Days"]),
    "currency": st.sampled_from(["usd", "US", " USD"]),
    "media": st.lists(st.sampled_from(["radio", 1, None]), min_size=1, max_size=2),
    "territory": st.lists(st.sampled_from(["USA", "U1", ""]), min_size=1, max_size=2),
    "unknown_field": ANY,
}
ONE_LINE = st.tuples(
    st.fixed_dictionaries({}, optional=TAKEN),
    # a line refused for one field now and then (repeated branches weigh the draw)
    st.one_of(
        *[st.just({})] * 3,
        st.sampled_from(sorted(REFUSED)).flatmap(lambda name: st.fixed_dictionaries({name: REFUSED[name]})),
    ),
).map(lambda changes: {**line(), **changes[0], **changes[1]})
LINES = st.lists(ONE_LINE, min_size=1, max_size=3)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # bodies that are no report at all are in test_bad_input_gets_the_problem_details_...
    report_id=st.sampled_from(["R-1", " R-1 ", "é", "R-2", "", "x" * 65, "R-\x00"]),
    lines=LINES,
    extra=st.dictionaries(st.sampled_from(["note", "lines_", "report"]), ANY, max_size=1),
)
def test_the_typed_path_takes_only_what_the_worded_path_accepts_and_reads_it_the_same(report_id, lines, extra):
    body = {"report_id": report_id, "lines": lines, **extra}
    typed, (report_ref, parsed, problems) = both_paths(body)

    if problems:
        assert typed is None
    elif typed is not None:
        assert typed == (report_ref, parsed, report_fingerprint(body))
    elif not extra:
        # the worded path took it: only a field the structs do not know, or a line id to trim,
        # may send it there
        assert any(
            set(x) - set(FULL_LINE)
            or set(x["project"]) - set(FULL_LINE["project"])
            or x["line_id"] != parsed[i].line_ref
            for i, x in enumerate(lines)
        )


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"[]",
        b'{"report_id": "R-1"}',
        b'{"report_id": "R-1", "lines": []}',
        b'{"report_id": "R-1", "lines": [{}]}',
        b'{"report_id": "R-1", "lines": [' + json.dumps(line()).encode() + b"], " + b'"x": 1}',  # unknown field
        b'{"report_id": "R-\\ud800", "lines": [' + json.dumps(line()).encode() + b"]}",  # lone surrogate
        b'{"report_id": "R-\xff", "lines": [' + json.dumps(line()).encode() + b"]}",  # not UTF-8
        b'{"report_id": "R-1", "lines": [' + json.dumps(line()).encode() + b"]} trailing",
        b'{"report_id": "R-1", "lines": [' + json.dumps(line(units=1)).encode() + b"]}",  # a number
        b'{"report_id": "R-1", "lines": [' + json.dumps(line(line_id=" L-1")).encode() + b"]}",  # trimmed id
        b'{"report_id": "R-1", "lines": ' + b"[" * (MAX_JSON_DEPTH + 5) + b"]" * (MAX_JSON_DEPTH + 5) + b"}",
    ],
)
def test_the_typed_path_declines_what_it_does_not_plainly_take(raw):
    assert parse_report_json(raw) is None


def test_the_typed_path_declines_more_than_max_lines():
    body = {"report_id": "R-1", "lines": [line(f"L-{i}") for i in range(parsing.MAX_LINES + 1)]}

    assert parse_report_json(json.dumps(body).encode()) is None


# --- Through the API ------------------------------------------------------------------------------
def post_raw(caller, raw: bytes, content_type: str = "application/json"):
    return caller.client.post(URL, raw, content_type=content_type)


@pytest.mark.django_db
def test_the_api_reads_a_plain_report_on_the_typed_path(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    body = report("R-1", line("L-1", grant=grant.public_id), line("L-2", grant=grant.public_id))

    with mock.patch("registry.api.v1.usage.parse_report", side_effect=AssertionError("worded path")):
        response = post_raw(studio, json.dumps(body).encode())

    assert response.status_code == 201, response.content
    assert UsageReport.objects.get().fingerprint == report_fingerprint(body)
    # the same body again (spaced and ordered otherwise) replays it: the same fingerprint
    again = post_raw(studio, json.dumps(body, indent=2, sort_keys=True).encode())
    assert again.status_code == 200
    assert again.json()["id"] == response.json()["id"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"note": "an unknown field"},
        {"note": "a lone surrogate \ud800 in an unknown field"},  # was a 500 (the fingerprint)
        {"note": 1.5},
    ],
)
def test_a_report_the_typed_path_declines_is_read_as_before(studio, performer, agreement, changes):
    grant = granted(studio.studio, performer.performer, agreement)
    body = {**report("R-1", line("L-1", grant=grant.public_id)), **changes}

    response = post_raw(studio, json.dumps(body).encode())

    assert response.status_code == 201, response.content
    assert UsageReport.objects.get().fingerprint == report_fingerprint(json.loads(json.dumps(body)))
    assert post_raw(studio, json.dumps(body).encode()).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        ('{"report_id": "R-1", "lines": [__LINE__]}'.encode("latin-1"), "application/json; charset=latin-1"),
        (b'{"report_id": "R-1", "lines": [__LINE__]}', "application/json; charset=UTF-8"),
    ],
)
def test_a_stated_charset_is_read_as_before(studio, performer, agreement, raw, content_type):
    grant = granted(studio.studio, performer.performer, agreement)
    raw = raw.replace(b"__LINE__", json.dumps(line("L-1", grant=grant.public_id)).encode())

    response = post_raw(studio, raw, content_type)

    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_refused_as_too_large(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    raw = json.dumps(report("R-1", line("L-1", grant=grant.public_id))).encode()
    before = row_counts()

    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=len(raw) - 1):
        response = post_raw(studio, raw)

    assert_problem(response, 413, "payload-too-large")
    assert row_counts() == before


BAD_BODIES = [
    # wrong types
    {"report_id": 7, "lines": [line()]},
    {"report_id": "R-1", "lines": {"0": line()}},
    {
        "report_id": "R-1",
        "lines": [line(units=1), line("L-2", media="streaming"), line("L-3", realtime_generation="yes")],
    },
    {"report_id": "R-1", "lines": [line(project=["picture"]), line("L-2", project=None)]},
    # missing fields
    {"lines": [line()]},
    {"report_id": "R-1", "lines": [{"line_id": "L-1"}]},
    {"report_id": "R-1", "lines": [{k: v for k, v in line().items() if k != "project"}]},
    # bad values
    {
        "report_id": "R-1",
        "lines": [line(line_id=""), line(line_id="x" * 65), line(kind="x"), line(use_date="2026-02-30")],
    },
    {"report_id": "R-1", "lines": [line(line_id="L-\x00"), line(line_id="L-\ud800"), line(territory=["USA"])]},
    # oversized: more lines than a report may have
    {"report_id": "R-1", "lines": [{}] * (parsing.MAX_LINES + 1)},
    # more than 200 errors
    {"report_id": "R-1", "lines": [{"line_id": f"L-{i}"} for i in range(100)]},
]


@pytest.mark.django_db
@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_input_gets_the_problem_details_the_worded_path_gives(studio, body):
    before = row_counts()
    _, _, problems = parse_report(json.loads(json.dumps(body)))

    response = post_raw(studio, json.dumps(body).encode())

    problem = assert_problem(response, 400, "validation-error")
    assert problem["errors"] == [{"field": p.field, "code": p.code, "message": p.message} for p in problems]
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        b'{"report_id": "R-1", "lines": [' + b"[" * 40 + b"]" * 40 + b"]}",  # deeper than MAX_JSON_DEPTH
        b'{"report_id": "R-1", "lines": [{"line_id": "\xff"}]}',  # not UTF-8
        b'{"report_id": "R-1", "lines": []',  # cut short
        b'{"report_id": "R-1", "lines": [{"units": NaN}]}',  # not JSON
    ],
)
def test_a_body_that_is_not_json_is_a_malformed_request(studio, raw):
    before = row_counts()

    response = post_raw(studio, raw)

    assert_problem(response, 400, "malformed-request")
    assert row_counts() == before
