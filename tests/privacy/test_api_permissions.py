"""Who may call each privacy endpoint, what they get back, and that a refusal changes nothing."""

from __future__ import annotations

import pytest

from registry.audit.models import AuditEvent
from registry.privacy.models import ErasureRequest
from tests.api.conftest import assert_problem
from tests.permissions import ANONYMOUS, CREATED, NOT_FOR_STAFF, NOT_FOR_STUDIOS, NOT_FOUND, OK, matrix
from tests.privacy.conftest import CALLERS

pytestmark = pytest.mark.django_db

NOT_AN_AUTHORITY = (
    403,
    "permission-denied",
    "An agent's authority is commercial; the performer, a lawyer, a guardian or the estate exercise these rights.",
)

READ = {
    "owner": OK,
    "other_performer": NOT_FOUND,
    "lawyer": OK,
    "agent": NOT_AN_AUTHORITY,
    "guardian_other": NOT_FOUND,
    "studio": NOT_FOR_STUDIOS,
    "other_studio": NOT_FOR_STUDIOS,
    "staff": OK,
    "analyst": OK,
    "anonymous": ANONYMOUS,
}
ASK = {**READ, "owner": CREATED, "lawyer": CREATED, "staff": NOT_FOR_STAFF, "analyst": NOT_FOR_STAFF}


def _state() -> tuple:
    return (
        AuditEvent.objects.count(),
        list(ErasureRequest.objects.values_list("public_id", "status")),
    )


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, READ))
def test_export(privacy_world, privacy_clients, caller, expected):
    audit_before = AuditEvent.objects.count()
    before = _state()

    response = privacy_clients[caller].get(f"/api/v1/performers/{privacy_world.maya.public_id}/export")

    if expected is OK:
        assert response.status_code == 200
        body = response.json()
        assert (body["format"], body["version"], body["performer"]["id"]) == (
            "registry-performer-export",
            1,
            privacy_world.maya.public_id,
        )
        # Reading is audited, and that is the only write.
        assert list(AuditEvent.objects.filter(id__gt=0).order_by("-id").values_list("action", flat=True)[:1]) == [
            "performer.exported"
        ]
        assert AuditEvent.objects.count() == audit_before + 1
    else:
        assert_problem(response, *expected)
        assert _state() == before


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, ASK))
def test_ask_for_erasure(privacy_world, privacy_clients, caller, expected):
    before = _state()

    response = privacy_clients[caller].post(
        f"/api/v1/performers/{privacy_world.maya.public_id}/erasure-requests",
        {"reason": "I left the business."},
        format="json",
    )

    if expected is CREATED:
        assert response.status_code == 201
        body = response.json()
        erasure = ErasureRequest.objects.get()
        assert body["id"] == erasure.public_id
        assert (body["performer"], body["status"], body["reason"], body["refusal"]) == (
            privacy_world.maya.public_id,
            "pending",
            "I left the business.",
            None,
        )
        expected_kind = "performer" if caller == "owner" else "representative"
        assert body["requested_by"]["kind"] == expected_kind
        event = AuditEvent.objects.order_by("-id").first()
        assert (event.action, event.subject_id, event.performer_id) == (
            "erasure.requested",
            erasure.public_id,
            privacy_world.maya.public_id,
        )
        # The immutable log is not given her name for this event: ids only.
        assert "Okafor" not in event.actor_name
    else:
        assert_problem(response, *expected)
        assert _state() == before


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, READ))
def test_list_erasure_requests(privacy_world, privacy_clients, caller, expected):
    privacy_clients["owner"].post(
        f"/api/v1/performers/{privacy_world.maya.public_id}/erasure-requests", {}, format="json"
    )
    erasure = ErasureRequest.objects.get()
    before = _state()

    response = privacy_clients[caller].get(f"/api/v1/performers/{privacy_world.maya.public_id}/erasure-requests")

    if expected is OK:
        assert response.status_code == 200
        assert [r["id"] for r in response.json()["results"]] == [erasure.public_id]
    else:
        assert_problem(response, *expected)
    assert _state() == before


@pytest.mark.parametrize("path", ["export", "erasure-requests"])
def test_an_unknown_performer_is_404_even_for_staff(privacy_clients, path):
    assert_problem(privacy_clients["staff"].get(f"/api/v1/performers/prf_nosuchperformer/{path}"), 404, "not-found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x" * 2001}, "reason"),
        ({"reason": ["not", "text"]}, "reason"),
        ({"reason": None}, "reason"),
        (["a", "list"], None),
    ],
    ids=["too_long", "a_list", "null", "body_not_an_object"],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(privacy_world, privacy_clients, body, field):
    before = _state()

    response = privacy_clients["owner"].post(
        f"/api/v1/performers/{privacy_world.maya.public_id}/erasure-requests", body, format="json"
    )

    problem = assert_problem(response, 400, "validation-error")
    assert problem["errors"][0]["field"] == field
    assert _state() == before


def test_asking_twice_while_one_waits_is_a_conflict(privacy_world, privacy_clients):
    url = f"/api/v1/performers/{privacy_world.maya.public_id}/erasure-requests"
    assert privacy_clients["owner"].post(url, {}, format="json").status_code == 201
    before = _state()

    response = privacy_clients["lawyer"].post(url, {}, format="json")

    assert_problem(
        response, 409, "conflict", "An erasure request for this performer is already waiting for union staff."
    )
    assert _state() == before


def test_the_same_idempotency_key_replays_the_first_answer(privacy_world, privacy_clients):
    url = f"/api/v1/performers/{privacy_world.maya.public_id}/erasure-requests"
    first = privacy_clients["owner"].post(url, {"reason": "r"}, format="json", HTTP_IDEMPOTENCY_KEY="erase-1")

    again = privacy_clients["owner"].post(url, {"reason": "r"}, format="json", HTTP_IDEMPOTENCY_KEY="erase-1")

    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert ErasureRequest.objects.count() == 1


def test_the_refusal_has_its_own_documented_problem_type(client):
    page = client.get("/problems/erasure-refused")

    assert page.status_code == 200
    assert "Erasure is not possible now" in page.content.decode()


def test_both_endpoints_are_in_the_openapi_schema(staff):
    schema = staff.client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    export = schema["paths"]["/api/v1/performers/{performer_id}/export"]["get"]
    asks = schema["paths"]["/api/v1/performers/{performer_id}/erasure-requests"]
    assert export["tags"] == ["privacy"] and "200" in export["responses"]
    assert {"201", "409", "422"} <= set(asks["post"]["responses"]) and "200" in asks["get"]["responses"]
