"""The webhook endpoints API: every endpoint with each kind of caller, bad input refused with
the field named and nothing stored, and the secret shown once."""

from __future__ import annotations

import pytest
import standardwebhooks

from registry.audit.models import AuditEvent
from registry.webhooks import services
from registry.webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from tests.api.conftest import assert_problem
from tests.conftest import SYSTEM
from tests.consent.factories import grant_for

pytestmark = pytest.mark.django_db

BASE = "/api/v1/webhook-endpoints/"


@pytest.fixture
def webhook_clients(studio, other_studio, make_studio_caller, performer, staff, analyst, anonymous):
    return {
        "owner": studio.client,
        "other_studio": other_studio.client,
        "no_scope": make_studio_caller("Scopeless Films", scopes=["profile", "consent:read"]).client,
        "performer": performer.client,
        "staff": staff.client,
        "analyst": analyst.client,
        "anonymous": anonymous,
    }


@pytest.fixture
def delivered(endpoint, studio, performer, agreement, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        grant_for(studio.studio, performer.performer, agreement)
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id").first()


def _snapshot() -> tuple:
    return (
        list(WebhookEndpoint.objects.order_by("pk").values_list("public_id", "url", "status", "event_types")),
        WebhookDelivery.objects.count(),
        DeliveryAttempt.objects.count(),
        AuditEvent.objects.count(),
    )


# (status, problem slug) refused to each caller; None = allowed, checked separately.
REFUSALS_READ = {
    "other_studio": (404, "not-found"),
    "no_scope": (403, "missing-scope"),
    "performer": (403, "permission-denied"),
    "anonymous": (401, "not-authenticated"),
}
REFUSALS_WRITE = {**REFUSALS_READ, "staff": (403, "permission-denied"), "analyst": (403, "permission-denied")}


@pytest.mark.parametrize("caller", ["owner", "other_studio", "no_scope", "performer", "staff", "analyst", "anonymous"])
def test_list_endpoints(endpoint, webhook_clients, caller):
    response = webhook_clients[caller].get(BASE)
    expected = {"owner": [endpoint.public_id], "staff": [endpoint.public_id], "analyst": [endpoint.public_id]}
    if caller == "other_studio":
        assert response.status_code == 200
        assert response.json()["results"] == []  # its own: none
    elif caller in expected:
        assert response.status_code == 200, response.content
        body = response.json()
        assert [e["id"] for e in body["results"]] == expected[caller]
        assert "secret" not in body["results"][0]
        assert set(body) == {"next", "previous", "results"}
    else:
        assert_problem(response, *REFUSALS_READ[caller])


@pytest.mark.parametrize("caller", ["owner", "other_studio", "no_scope", "performer", "staff", "analyst", "anonymous"])
def test_get_endpoint(endpoint, webhook_clients, caller):
    response = webhook_clients[caller].get(f"{BASE}{endpoint.public_id}")
    if caller in ("owner", "staff", "analyst"):
        assert response.status_code == 200, response.content
        assert response.json()["url"] == endpoint.url
        assert response.json()["status"] == "enabled"
    else:
        assert_problem(response, *REFUSALS_READ[caller])


@pytest.mark.parametrize("caller", ["owner", "other_studio", "no_scope", "performer", "staff", "analyst", "anonymous"])
def test_register_endpoint(webhook_clients, caller, studio, allow_loopback):
    before = _snapshot()
    body = {"url": "https://hooks.northlight.example/registry", "event_types": ["grant.revoked", "invoice.paid"]}
    response = webhook_clients[caller].post(BASE, body, format="json")
    if caller == "owner":
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["secret"].startswith("whsec_")
        endpoint = WebhookEndpoint.objects.get(public_id=data["id"])
        assert endpoint.studio == studio.studio
        assert services.endpoint_secret(endpoint) == data["secret"]
        assert data["secret"].encode() not in bytes(endpoint.secret_encrypted)  # stored encrypted
        # Shown once: reading it again never includes it.
        assert "secret" not in webhook_clients[caller].get(f"{BASE}{data['id']}").json()
        standardwebhooks.Webhook(data["secret"])  # the library accepts the format
    else:
        status, slug = REFUSALS_WRITE[caller] if caller != "other_studio" else (201, None)
        if caller == "other_studio":
            assert response.status_code == 201  # registers its own, never Northlight's
            assert WebhookEndpoint.objects.get(public_id=response.json()["id"]).studio != studio.studio
            return
        assert_problem(response, status, slug)
        assert _snapshot() == before


@pytest.mark.parametrize("caller", ["owner", "other_studio", "no_scope", "performer", "staff", "analyst", "anonymous"])
def test_update_endpoint(endpoint, webhook_clients, caller):
    before = _snapshot()
    response = webhook_clients[caller].patch(
        f"{BASE}{endpoint.public_id}", {"event_types": ["invoice.paid"], "enabled": False}, format="json"
    )
    if caller == "owner":
        assert response.status_code == 200, response.content
        assert (response.json()["event_types"], response.json()["status"]) == (["invoice.paid"], "disabled")
    else:
        assert_problem(response, *REFUSALS_WRITE[caller])
        assert _snapshot() == before


@pytest.mark.parametrize("caller", ["owner", "other_studio", "no_scope", "performer", "staff", "analyst", "anonymous"])
def test_delete_endpoint(delivered, endpoint, webhook_clients, caller):
    before = _snapshot()
    response = webhook_clients[caller].delete(f"{BASE}{endpoint.public_id}")
    if caller == "owner":
        assert response.status_code == 204
        assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
        assert not WebhookDelivery.objects.filter(endpoint_id=endpoint.pk).exists()
        assert AuditEvent.objects.filter(action="webhook_endpoint.deleted").count() == 1
    else:
        assert_problem(response, *REFUSALS_WRITE[caller])
        assert _snapshot() == before


@pytest.mark.parametrize("caller", ["owner", "other_studio", "no_scope", "performer", "staff", "analyst", "anonymous"])
def test_rotate_secret(endpoint, webhook_clients, caller):
    old = services.endpoint_secret(endpoint)
    response = webhook_clients[caller].post(f"{BASE}{endpoint.public_id}/rotate-secret")
    endpoint.refresh_from_db()
    if caller == "owner":
        assert response.status_code == 200, response.content
        assert response.json()["secret"] == services.endpoint_secret(endpoint) != old
    else:
        assert_problem(response, *REFUSALS_WRITE[caller])
        assert services.endpoint_secret(endpoint) == old


@pytest.mark.parametrize("caller", ["owner", "other_studio", "no_scope", "performer", "staff", "analyst", "anonymous"])
def test_list_deliveries(delivered, endpoint, webhook_clients, caller):
    response = webhook_clients[caller].get(f"{BASE}{endpoint.public_id}/deliveries")
    if caller in ("owner", "staff", "analyst"):
        assert response.status_code == 200, response.content
        rows = response.json()["results"]
        assert {r["event_type"] for r in rows} == {"grant.activated", "consent_request.answered"}
        attempt = rows[0]["attempts"][0]
        assert (attempt["number"], attempt["status_code"], attempt["succeeded"]) == (1, 204, True)
        assert attempt["latency_ms"] >= 0 and attempt["started_at"]
    else:
        assert_problem(response, *REFUSALS_READ[caller])


def test_deliveries_filter_by_event_type_and_status(delivered, endpoint, studio):
    url = f"{BASE}{endpoint.public_id}/deliveries"
    rows = studio.client.get(url, {"event_type": "grant.activated", "status": "succeeded"}).json()["results"]
    assert [r["event_type"] for r in rows] == ["grant.activated"]
    assert studio.client.get(url, {"status": "failed"}).json()["results"] == []
    body = assert_problem(studio.client.get(url, {"event_type": "grant.exploded"}), 400, "validation-error")
    assert body["errors"][0]["field"] == "event_type"


@pytest.mark.parametrize("caller", ["owner", "other_studio", "no_scope", "performer", "staff", "analyst", "anonymous"])
def test_redeliver(delivered, endpoint, webhook_clients, caller, receiver, django_capture_on_commit_callbacks):
    before = len(receiver.received)
    with django_capture_on_commit_callbacks(execute=True):
        response = webhook_clients[caller].post(
            f"{BASE}{endpoint.public_id}/deliveries/{delivered.public_id}/redeliver"
        )
    if caller == "owner":
        assert response.status_code == 202, response.content
        assert len(receiver.received) == before + 1
    else:
        assert_problem(response, *REFUSALS_WRITE[caller])
        assert len(receiver.received) == before


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"event_types": ["grant.revoked"]}, "url", "required"),
        ({"url": "not a url", "event_types": ["grant.revoked"]}, "url", "invalid"),
        ({"url": "https://hooks.example/x"}, "event_types", "required"),
        ({"url": "https://hooks.example/x", "event_types": []}, "event_types", "min_length"),
        ({"url": "https://hooks.example/x", "event_types": ["grant.exploded"]}, "event_types.0", "invalid_choice"),
    ],
)
def test_malformed_registrations_are_a_400_naming_the_field(studio, body, field, code):
    before = _snapshot()
    response = studio.client.post(BASE, body, format="json")
    problem = assert_problem(response, 400, "validation-error")
    assert (problem["errors"][0]["field"], problem["errors"][0]["code"]) == (field, code)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://hooks.example/x", "scheme_not_allowed"),
        ("https://" + "a" * 63 + (".b" + "c" * 62) * 4 + ".example/x", "invalid"),  # a host over 253 characters
        ("http://999.1.1.1/x", "invalid"),
        ("http://127.0.0.1:8080/x", "address_not_allowed"),
        ("http://10.0.0.5/x", "address_not_allowed"),
        ("http://169.254.169.254/latest", "address_not_allowed"),
        ("http://[::1]/x", "address_not_allowed"),
        ("http://[::127.0.0.1]/x", "address_not_allowed"),
        ("http://[64:ff9b::7f00:1]/x", "address_not_allowed"),
        ("http://[2002:7f00:1::]/x", "address_not_allowed"),
        ("http://[::ffff:0:7f00:1]/x", "address_not_allowed"),
        ("http://localhost:9000/x", "address_not_allowed"),
        ("https://u:p@hooks.example/x", "credentials_in_url"),
    ],
)
def test_urls_webhooks_may_not_use_are_a_422_rule_violation(studio, url, code):
    # well-formed URIs, as the schema says a url is: a rule refuses them, not the schema
    before = _snapshot()
    response = studio.client.post(BASE, {"url": url, "event_types": ["grant.revoked"]}, format="json")
    problem = assert_problem(response, 422, "rule-violation")
    assert (problem["errors"][0]["field"], problem["errors"][0]["code"]) == ("url", code)
    assert _snapshot() == before


def test_production_requires_https(studio, settings):
    settings.WEBHOOK_REQUIRE_HTTPS = True
    response = studio.client.post(BASE, {"url": "http://hooks.example/x", "event_types": ["invoice.paid"]})
    problem = assert_problem(response, 422, "rule-violation")
    assert problem["errors"][0]["code"] == "scheme_not_allowed"


def test_registration_is_idempotent(studio):
    body = {"url": "https://hooks.example/x", "event_types": ["invoice.paid"]}
    first = studio.client.post(BASE, body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    again = studio.client.post(BASE, body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert WebhookEndpoint.objects.count() == 1


def test_enabling_a_disabled_endpoint_clears_its_failures(endpoint, studio):
    services.endpoint_update(endpoint=endpoint, enabled=False, actor=SYSTEM)
    response = studio.client.patch(f"{BASE}{endpoint.public_id}", {"enabled": True}, format="json")
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert (endpoint.status, endpoint.disabled_at, endpoint.failing_since) == ("enabled", None, None)


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("patch", "", {"enabled": False}), ("delete", "", None), ("post", "/rotate-secret", None)],
)
def test_an_endpoint_deleted_while_the_request_ran_is_a_404_not_a_500(
    endpoint, studio, monkeypatch, method, suffix, body
):
    """schemathesis's two workers found it: a PATCH read the endpoint, a DELETE committed, and
    the PATCH's service then found no row to lock."""
    from registry.api.v1 import webhooks as views

    read = views._endpoint

    def read_then_lose_the_race(request, endpoint_id):
        found = read(request, endpoint_id)
        WebhookEndpoint.objects.filter(pk=found.pk).delete()  # the other request's delete
        return found

    monkeypatch.setattr(views, "_endpoint", read_then_lose_the_race)
    call = getattr(studio.client, method)
    response = (
        call(f"{BASE}{endpoint.public_id}{suffix}", body, format="json")
        if body
        else call(f"{BASE}{endpoint.public_id}{suffix}")
    )
    assert_problem(response, 404, "not-found", "This webhook endpoint was deleted.")
    assert (
        not AuditEvent.objects.filter(action__startswith="webhook_endpoint.")
        .exclude(action="webhook_endpoint.created")
        .exists()
    )
