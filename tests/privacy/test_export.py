"""The export: every section present with the performer's records, another performer's absent."""

from __future__ import annotations

import json

import pytest

from registry.audit.models import AuditEvent
from registry.privacy.selectors import EXPORT_SECTIONS
from tests.privacy.conftest import MAYA_AGENT, MAYA_EMAIL, MAYA_IP

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(privacy_world, privacy_clients) -> dict:
    response = privacy_clients["owner"].get(f"/api/v1/performers/{privacy_world.maya.public_id}/export")
    assert response.status_code == 200
    return response.json()


def test_every_section_is_present_in_a_stable_order(export):
    assert list(export) == ["format", "version", "generated_at", *EXPORT_SECTIONS]


def test_profile_and_login(privacy_world, export):
    p = export["performer"]
    assert (p["id"], p["member_number"], p["legal_name"], p["professional_name"]) == (
        privacy_world.maya.public_id,
        "SAG-1",
        "Maya Okafor",
        "Maya O",
    )
    assert (p["email"], p["date_of_birth"], p["date_of_death"], p["erased"]) == (MAYA_EMAIL, "1988-03-14", None, False)
    assert (p["portal_login"]["username"], p["portal_login"]["is_active"]) == ("maya", True)


def test_representatives_and_preferences(export):
    assert [(r["kind"], r["name"]) for r in export["representatives"]] == [
        ("lawyer", "Lena Ortiz"),
        ("agent", "Otto Agent"),
    ]
    assert (export["preferences"]["do_not_train"], export["preferences"]["declined_uses"]) == (True, ["training"])


def test_requests_with_description_versions_and_signature(privacy_world, export):
    (request,) = export["consent_requests"]
    assert request["id"] == privacy_world.grant.request.public_id
    (version,) = request["description_versions"]
    assert version["sha256"] == privacy_world.grant.description_sha256
    assert version["content"]["role_or_scenes"].startswith("Detective Ana Reyes")
    sig = request["signature"]
    assert (sig["signer_role"], sig["signer_name"], sig["client_ip"], sig["user_agent"]) == (
        "performer",
        "Maya Okafor",
        MAYA_IP,
        MAYA_AGENT,
    )
    assert sig["description_sha256"] == version["sha256"]


def test_grants_with_history_and_tokens(privacy_world, export):
    (grant,) = export["grants"]
    assert (grant["id"], grant["status"]) == (privacy_world.grant.public_id, "expired")
    assert [(c["from"], c["to"]) for c in grant["status_history"]] == [("", "active"), ("active", "expired")]
    (token,) = grant["tokens"]
    assert token["token"] == privacy_world.grant.tokens.get().jws


def test_usage_earnings_residuals_cases_portal_audit(privacy_world, export):
    assert [u["line_id"] for u in export["usage_lines"]] == ["L-1"]
    (line,) = export["earnings"]["document_lines"]
    assert (line["document"], line["performer_pay"], line["usage_line"]) == (
        privacy_world.invoice.number,
        "3738.00",
        "L-1",
    )
    (account,) = export["earnings"]["ledger_accounts"]
    assert (account["currency"], account["owed"]) == ("USD", "0.00")
    assert [p["amount"] for p in account["postings"]] == ["-3738.00", "3738.00"]
    assert [(c["role"], c["residual_base"]) for c in export["residuals"]["cast_roles"]] == [
        ("Captain Ines Moreau", "4326.00")
    ]
    assert export["residuals"]["bonus_shares"] == [] and export["residuals"]["licence_shares"] == []
    (case,) = export["cases"]
    assert (case["status"], case["outcome"]) == ("resolved", "settled")
    assert "notes" not in case  # staff working notes are not exported (README)
    assert [i["email"] for i in export["portal"]["invitations"]] == [MAYA_EMAIL]
    assert [j["legal_name"] for j in export["portal"]["join_requests"]] == ["Maya Okafor"]
    assert export["erasure_requests"] == []
    actions = {e["action"] for e in export["audit_events"]}
    assert {"consent_request.created", "grant.activated", "payout.recorded", "case.resolved"} <= actions
    ids = set(AuditEvent.objects.filter(performer_id=privacy_world.maya.public_id).values_list("id", flat=True))
    assert {e["seq"] for e in export["audit_events"]} <= ids


def test_another_performers_data_is_absent(privacy_world, export):
    text = json.dumps(export)

    assert privacy_world.leo.public_id not in text
    assert privacy_world.leo_grant.public_id not in text
    assert "Leo Brandt" not in text and "Leo's Picture" not in text


def test_the_download_is_a_json_file(privacy_world, privacy_clients):
    response = privacy_clients["lawyer"].get(f"/api/v1/performers/{privacy_world.maya.public_id}/export?download=1")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="registry-export-{privacy_world.maya.public_id}.json"'
    )
    assert json.loads(response.content)["performer"]["id"] == privacy_world.maya.public_id


def test_each_export_is_audited_without_copying_the_performers_name(privacy_world, privacy_clients):
    privacy_clients["owner"].get(f"/api/v1/performers/{privacy_world.maya.public_id}/export")
    privacy_clients["staff"].get(f"/api/v1/performers/{privacy_world.maya.public_id}/export")

    events = list(AuditEvent.objects.filter(action="performer.exported").order_by("id"))
    assert [(e.actor_kind, e.performer_id) for e in events] == [
        ("performer", privacy_world.maya.public_id),
        ("staff", privacy_world.maya.public_id),
    ]
    assert events[0].actor_name == f"performer {privacy_world.maya.public_id}"
