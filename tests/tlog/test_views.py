"""The log's public endpoints (tlog-tiles layout) and its proof endpoints: open to every caller,
same answer for each, problem details for bad input, and caching as tlog-tiles asks."""

from __future__ import annotations

import base64
import gzip
import struct

import pytest

from registry.tlog import merkle, note, selectors, services
from tests.api.conftest import assert_problem
from tests.tlog.conftest import append, leaf_bytes
from tests.tlog.test_merkle import mth

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "performer", "studio", "staff"]


@pytest.fixture
def log_of_300():
    append(300)
    services.log_sequence(batch_size=100)


@pytest.fixture
def callers(anonymous, performer, studio, staff):
    return {"anonymous": anonymous, "performer": performer.client, "studio": studio.client, "staff": staff.client}


def test_the_checkpoint_is_a_signed_note_of_the_latest_size_and_never_cached(client, log_of_300):
    response = client.get("/log/checkpoint")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    description = client.get("/.well-known/transparency-log.json").json()
    assert description["origin"] == "127.0.0.1:8000/log"
    key = note.parse_vkey(description["verifier_key"])
    checkpoint, _ = note.open_checkpoint(response.content, [key], origin=description["origin"])
    assert (checkpoint.size, checkpoint.root) == (300, mth([leaf_bytes(n) for n in range(300)]))


def test_tiles_and_entry_bundles_are_served_as_tlog_tiles_lays_them_out(client, log_of_300):
    full = client.get("/log/tile/0/000")
    partial = client.get("/log/tile/0/001.p/44")
    narrower = client.get("/log/tile/0/001.p/10")
    upper = client.get("/log/tile/1/000.p/1")
    bundle = client.get("/log/tile/entries/001.p/44", HTTP_ACCEPT_ENCODING="gzip")

    assert full["Content-Type"] == "application/octet-stream"
    assert full.content == b"".join(merkle.leaf_hash(leaf_bytes(n)) for n in range(256))
    assert partial.content == b"".join(merkle.leaf_hash(leaf_bytes(n)) for n in range(256, 300))
    assert narrower.content == partial.content[: 10 * 32]
    assert upper.content == mth([leaf_bytes(n) for n in range(256)])
    assert "immutable" in full["Cache-Control"] and "max-age=31536000" in full["Cache-Control"]
    assert bundle["Content-Encoding"] == "gzip"
    raw = gzip.decompress(bundle.content)
    entries, at = [], 0
    while at < len(raw):
        (length,) = struct.unpack(">H", raw[at : at + 2])
        entries.append(raw[at + 2 : at + 2 + length])
        at += 2 + length
    assert entries == [leaf_bytes(n) for n in range(256, 300)]


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/001",  # the tile is still partial (44 wide)
        "tile/0/001.p/45",  # wider than the log
        "tile/2/000.p/1",  # no level 2 yet
        "tile/0/01",  # not the canonical encoding
        "tile/x/000",
        "tile/entries/002.p/1",
    ],
)
def test_tiles_the_log_does_not_have_are_404(client, log_of_300, path):
    response = client.get(f"/log/{path}")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("caller", CALLERS)
def test_every_caller_gets_the_same_proofs(callers, caller, log_of_300):
    # The callers' own records (their accounts, API keys) are leaves too: read what the log holds.
    old, new = selectors.checkpoint_of_size(100), selectors.latest_checkpoint()
    client = callers[caller]

    inclusion = client.get(f"/api/v1/log/proofs/inclusion?leaf=150&size={new.size}")
    consistency = client.get(f"/api/v1/log/proofs/consistency?from=100&to={new.size}")

    assert inclusion.status_code == 200
    body = inclusion.json()
    leaf = bytes(selectors.leaf_at(150).data)
    assert (body["leaf_index"], body["tree_size"], base64.b64decode(body["leaf"])) == (150, new.size, leaf)
    assert body["checkpoint"] == new.note
    merkle.verify_inclusion(
        150, new.size, merkle.leaf_hash(leaf), [base64.b64decode(h) for h in body["hashes"]], bytes(new.root_hash)
    )
    assert (consistency.json()["from"], consistency.json()["to"]) == (100, new.size)
    merkle.verify_consistency(
        100,
        new.size,
        bytes(old.root_hash),
        bytes(new.root_hash),
        [base64.b64decode(h) for h in consistency.json()["hashes"]],
    )
    assert "immutable" in inclusion["Cache-Control"]


def test_a_proof_against_the_latest_size_is_not_cached(client, log_of_300):
    response = client.get("/api/v1/log/proofs/inclusion?leaf=3")

    assert response.json()["tree_size"] == 300
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("", "leaf", "This field is required."),
        ("leaf=-1", "leaf", "Ensure this value is greater than or equal to 0."),
        ("leaf=x", "leaf", "A valid integer is required."),
        ("leaf=1&size=0", "size", "Ensure this value is greater than or equal to 1."),
        ("leaf=99999999999999999999", "leaf", "Ensure this value is less than or equal to 9223372036854775807."),
    ],
)
def test_malformed_inclusion_queries_are_400s(client, log_of_300, query, field, message):
    response = client.get(f"/api/v1/log/proofs/inclusion?{query}")

    assert_problem(response, 400, "validation-error")
    assert {"field": field, "code": response.json()["errors"][0]["code"], "message": message} in response.json()[
        "errors"
    ]


def test_a_consistency_query_without_from_is_a_400(client, log_of_300):
    response = client.get("/api/v1/log/proofs/consistency?to=3")

    assert_problem(response, 400, "validation-error")
    assert "This field is required." in [e["message"] for e in response.json()["errors"] if e["field"] == "from"]


@pytest.mark.parametrize(
    ("path", "field", "code", "detail"),
    [
        ("inclusion?leaf=1&size=301", "size", "beyond_the_log", "The log has 300 leaves in its latest checkpoint."),
        ("inclusion?leaf=300", "leaf", "not_in_tree", "Leaf 300 is not in a tree of 300 leaves."),
        ("consistency?from=200&to=100", "from", "not_a_prefix", "A tree of 200 leaves is not a prefix of one of 100."),
        ("consistency?from=1&to=400", "to", "beyond_the_log", "The log has 300 leaves in its latest checkpoint."),
    ],
)
def test_well_formed_queries_the_log_cannot_answer_are_422s(client, log_of_300, path, field, code, detail):
    # The schema cannot know the log's size: a request built right but beyond the log is a rule
    # refusal (422), not a malformed request (400).
    response = client.get(f"/api/v1/log/proofs/{path}")

    problem = assert_problem(response, 422, "rule-violation", detail)
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]


def test_consistency_from_zero_or_to_the_same_size_is_empty(client, log_of_300):
    assert client.get("/api/v1/log/proofs/consistency?from=0&to=300").json()["hashes"] == []
    assert client.get("/api/v1/log/proofs/consistency?from=300").json() == {"from": 300, "to": 300, "hashes": []}
