"""Staff console for consent: strikes declared with a preview and lifted through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from registry.audit.models import AuditEvent
from registry.consent.models import Strike
from registry.outbox.models import OutboxMessage
from tests.consent.factories import grant_for, run_strike_jobs

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_declare_previews_then_suspends(staff, studio, other_studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    client = admin_client(staff.user)
    form = {"agreement": agreement.pk, "studios": [studio.studio.pk], "reason": "Contract expired"}

    preview = client.post("/admin/consent/strike/declare/", {**form, "preview": "1"})
    assert preview.status_code == 200
    assert preview.context["preview"].grants == 1
    assert Strike.objects.count() == 0

    declared = client.post("/admin/consent/strike/declare/", {**form, "confirm": "1"})
    assert declared.status_code == 302
    strike = Strike.objects.get()
    assert AuditEvent.objects.filter(action="strike.declared", subject_id=strike.public_id).exists()
    # The request declared it and left the suspending to the job, which waits in the outbox.
    grant.refresh_from_db()
    assert grant.status == "active"
    job = strike.jobs.get()
    assert list(OutboxMessage.objects.filter(task="consent.run_strike_job").values_list("args", flat=True)) == [
        [job.pk]
    ]
    run_strike_jobs(strike)
    grant.refresh_from_db()
    assert grant.status == "suspended"
    page = client.get(f"/admin/consent/strike/{strike.pk}/change/")
    assert "1 of 1 grants (100%)" in page.content.decode()


def test_lift_action_leads_to_a_confirmation_page_that_restores_through_the_service(
    staff, studio, performer, agreement
):
    from registry.consent.services import strike_declare
    from tests.conftest import SYSTEM

    grant = grant_for(studio.studio, performer.performer, agreement)
    strike = strike_declare(agreement=agreement, studios=[studio.studio], reason="Strike", actor=SYSTEM)
    run_strike_jobs(strike)
    client = admin_client(staff.user)

    chosen = client.post("/admin/consent/strike/", {"action": "lift", "_selected_action": [strike.pk]})
    assert chosen.status_code == 302 and chosen["Location"] == f"/admin/consent/strike/{strike.pk}/lift/"
    page = client.get(chosen["Location"])
    assert "restores <strong>1 consent</strong>" in page.content.decode()
    strike.refresh_from_db()
    assert strike.lifted_at is None  # nothing happens before the confirmation

    no_reason = client.post(chosen["Location"], {"reason": " "})
    assert no_reason.status_code == 400 and b"State why the strike is lifted" in no_reason.content
    strike.refresh_from_db()
    assert strike.lifted_at is None

    done = client.post(chosen["Location"], {"reason": "The agreement was ratified."})
    assert done.status_code == 302
    run_strike_jobs(strike)
    grant.refresh_from_db()
    assert grant.status == "active"
    event = AuditEvent.objects.get(action="strike.lifted", actor_name="ada")
    assert event.data["reason"] == "The agreement was ratified."


def test_analyst_cannot_declare_or_lift(analyst, studio, performer, agreement):
    from registry.consent.services import strike_declare
    from tests.conftest import SYSTEM

    grant = grant_for(studio.studio, performer.performer, agreement)
    client = admin_client(analyst.user)
    refused = client.post(
        "/admin/consent/strike/declare/",
        {"agreement": agreement.pk, "studios": [studio.studio.pk], "reason": "x", "confirm": "1"},
    )
    assert refused.status_code == 403
    strike = strike_declare(agreement=agreement, studios=[studio.studio], reason="Strike", actor=SYSTEM)
    run_strike_jobs(strike)
    client.post("/admin/consent/strike/", {"action": "lift", "_selected_action": [strike.pk]})
    assert client.post(f"/admin/consent/strike/{strike.pk}/lift/", {"reason": "x"}).status_code == 403
    strike.refresh_from_db()
    grant.refresh_from_db()
    assert strike.lifted_at is None
    assert grant.status == "suspended"
    assert Strike.objects.count() == 1


@pytest.mark.parametrize(
    "path", ["/admin/consent/consentgrant/", "/admin/consent/consentrequest/", "/admin/consent/strike/"]
)
def test_analyst_can_read(analyst, path, studio, performer, agreement):
    grant_for(studio.studio, performer.performer, agreement)
    assert admin_client(analyst.user).get(path).status_code == 200


def test_grants_are_read_only_in_the_admin(staff, studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    client = admin_client(staff.user)
    page = client.get(f"/admin/consent/consentgrant/{grant.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content
    assert client.post(f"/admin/consent/consentgrant/{grant.pk}/delete/").status_code == 403


def test_the_lift_page_is_for_union_admins_only(staff, analyst, performer, studio, agreement):
    from registry.consent.services import strike_declare
    from tests.conftest import SYSTEM

    strike = strike_declare(agreement=agreement, studios=[studio.studio], reason="Strike", actor=SYSTEM)
    url = f"/admin/consent/strike/{strike.pk}/lift/"
    assert admin_client(staff.user).get(url).status_code == 200
    refused = admin_client(analyst.user).get(url)
    assert refused.status_code == 403 and b"This action needs a union admin" in refused.content
    for client in (admin_client(performer.user), Client()):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    strike.refresh_from_db()
    assert strike.lifted_at is None
