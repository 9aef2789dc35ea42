"""The review queue of claimed alteration exemptions (DOMAIN.md 2.7): staff read it, a union
admin upholds or rejects a claim (a rejection opens a violation case); no one else gets in."""

from __future__ import annotations

import pytest

from registry.cases.models import Case
from registry.core.vocabulary.usage import LineStatus
from registry.usage.models import UsageLine
from tests.usage.builders import exempt_alteration_line, submit

pytestmark = pytest.mark.django_db

CONSOLE = "/admin/console/exemptions/"


@pytest.fixture
def claim(studio, performer, agreement) -> UsageLine:
    return submit(studio.studio, exempt_alteration_line()).lines.get()


def test_the_queue_shows_the_claim_to_staff(console_clients, claim):
    for who in ("admin", "analyst"):
        page = console_clients[who].get(CONSOLE)
        assert page.status_code == 200
        assert "Blemish removed in scene 12." in page.text and "Northlight Pictures" in page.text
    assert ">Uphold</button>" in console_clients["admin"].get(CONSOLE).text
    assert ">Uphold</button>" not in console_clients["analyst"].get(CONSOLE).text


def test_an_admin_upholds_a_claim(console_clients, claim):
    response = console_clients["admin"].post(CONSOLE, {"line": claim.pk, "decision": "upheld"})

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.exemption_review, Case.objects.count()) == (LineStatus.EXEMPT, "upheld", 0)
    assert "No exemption claim awaits review." in console_clients["admin"].get(CONSOLE).text


def test_an_admin_rejects_a_claim_and_a_violation_case_opens(console_clients, claim, studio, performer):
    response = console_clients["admin"].post(
        CONSOLE, {"line": claim.pk, "decision": "rejected", "reason": "The face was reshaped, not retouched."}
    )

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.exemption_review, claim.violation_code) == (
        LineStatus.VIOLATION,
        "rejected",
        "exemption_rejected",
    )
    assert claim.violation_detail == "The cosmetic exemption was rejected: The face was reshaped, not retouched."
    case = Case.objects.get(usage_line=claim)
    assert (case.kind, case.status, case.reason_code, case.studio, case.performer) == (
        "violation",
        "open",
        "exemption_rejected",
        studio.studio,
        performer.performer,
    )


def test_a_rejection_needs_a_reason(console_clients, claim):
    response = console_clients["admin"].post(CONSOLE, {"line": claim.pk, "decision": "rejected", "reason": ""})

    assert response.status_code == 400
    assert "Say why the exemption is rejected" in response.text
    claim.refresh_from_db()
    assert (claim.status, claim.exemption_review) == (LineStatus.EXEMPT, "")


@pytest.mark.parametrize("who", ["analyst"])
def test_an_analyst_cannot_decide(console_clients, claim, who):
    response = console_clients[who].post(CONSOLE, {"line": claim.pk, "decision": "upheld"})

    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.exemption_review == ""


@pytest.mark.parametrize("who", ["performer", "anonymous"])
def test_others_are_sent_to_the_staff_sign_in(console_clients, claim, who):
    for response in (
        console_clients[who].get(CONSOLE),
        console_clients[who].post(CONSOLE, {"line": claim.pk, "decision": "upheld"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    claim.refresh_from_db()
    assert claim.exemption_review == ""


def test_a_studio_key_does_not_open_the_console(client, studio, claim):
    response = client.get(CONSOLE, HTTP_AUTHORIZATION=f"Bearer {studio.secret}")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
