"""Standing preferences and who may act for the performer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from registry.audit.models import AuditEvent
from registry.consent.models import PerformerPreferences
from registry.parties.models import Representative

pytestmark = pytest.mark.django_db

URL = reverse("portal:preferences")


def test_saving_preferences_goes_through_the_service(owner, performer):
    response = owner.post(
        URL,
        {
            "do_not_train": "on",
            "opt_out_categories": ["alcohol", "tobacco"],
            "declined_uses": ["realtime_generation"],
            "rate_floor_amount": "1500.00",
            "rate_floor_currency": "usd",
            "rate_floor_unit": "day",
        },
    )
    assert response.status_code == 302
    prefs = PerformerPreferences.objects.get(performer=performer.performer)
    assert (prefs.do_not_train, prefs.opt_out_categories, prefs.declined_uses) == (
        True,
        ["alcohol", "tobacco"],
        ["realtime_generation"],
    )
    assert (prefs.rate_floor_amount, prefs.rate_floor_currency, prefs.rate_floor_unit) == (
        Decimal("1500.00"),
        "USD",
        "day",
    )
    assert AuditEvent.objects.filter(action="preferences.updated", performer_id=performer.performer.public_id).exists()
    page = owner.get(URL).content.decode()
    assert 'name="do_not_train" id="id_do_not_train" checked' in page


@pytest.mark.parametrize(
    "body,message",
    [
        ({"rate_floor_amount": "-5", "rate_floor_currency": "USD", "rate_floor_unit": "day"}, "greater than or equal"),
        ({"rate_floor_amount": "100", "rate_floor_currency": "", "rate_floor_unit": "day"}, "Give the currency"),
        ({"rate_floor_amount": "100", "rate_floor_currency": "USD", "rate_floor_unit": ""}, "Say what the rate floor"),
        ({"rate_floor_amount": "abc"}, "Enter a number."),
        ({"opt_out_categories": ["not-a-category"]}, "Select a valid choice."),
        ({"rate_floor_currency": "US1"}, "three-letter currency code"),
    ],
    ids=["negative", "no-currency", "no-unit", "not-a-number", "unknown-category", "bad-currency"],
)
def test_bad_preferences_are_form_errors_and_change_nothing(owner, performer, body, message):
    response = owner.post(URL, body)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PerformerPreferences.objects.filter(performer=performer.performer).exists()


def test_an_agent_may_set_preferences_for_the_performer(agent, performer):
    response = agent.post(URL + f"?for={performer.performer.public_id}", {"do_not_train": "on"})
    assert response.status_code == 302
    assert PerformerPreferences.objects.get(performer=performer.performer).do_not_train is True
    event = AuditEvent.objects.get(action="preferences.updated")
    assert (event.actor_kind, event.actor_name) == ("representative", "Priya Shah")


def test_another_performer_cannot_post_preferences_for_the_owner(stranger, performer):
    response = stranger.post(URL, {"for": performer.performer.public_id, "do_not_train": "on"})
    assert response.status_code == 404
    assert not PerformerPreferences.objects.filter(performer=performer.performer).exists()


def test_the_page_lists_who_may_act_for_me(owner, agent_rep):
    page = owner.get(URL).content.decode()
    assert "Priya Shah" in page and "Agency agreement 2020-17" in page
    assert "End Priya Shah’s authority" in page


def test_the_performer_authorises_an_agent(owner, performer):
    response = owner.post(
        reverse("portal:representative-add"),
        {
            "for": performer.performer.public_id,
            "kind": "lawyer",
            "name": "Ola Counsel",
            "email": "ola@law.example",
            "valid_from": dt.date.today().isoformat(),
            "authority_document": "Engagement letter of 1 March 2026",
        },
    )
    assert response.status_code == 302
    rep = Representative.objects.get(name="Ola Counsel")
    assert (rep.kind, rep.performer, rep.user) == ("lawyer", performer.performer, None)
    assert AuditEvent.objects.filter(action="representative.authorised", subject_id=str(rep.pk)).exists()


def test_a_performer_cannot_make_themself_a_guardian_or_skip_the_document(owner, performer):
    response = owner.post(
        reverse("portal:representative-add"),
        {"for": performer.performer.public_id, "kind": "guardian", "name": "X", "email": "x@example.com",
         "valid_from": "2026-01-01", "authority_document": ""},
    )  # fmt: skip
    assert response.status_code == 400
    content = response.content.decode()
    assert "Select a valid choice." in content and "This field is required." in content
    assert not Representative.objects.filter(name="X").exists()


@pytest.mark.parametrize("valid_from", ["9999-12-31", "0001-01-01"])
def test_a_representative_from_a_date_outside_the_accepted_range_is_a_form_error(owner, performer, valid_from):
    response = owner.post(
        reverse("portal:representative-add"),
        {"for": performer.performer.public_id, "kind": "agent", "name": "Z", "email": "z@example.com",
         "valid_from": valid_from, "authority_document": "agency agreement"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "is outside the dates the registry accepts (1850-01-01 to 2199-12-31)." in response.content.decode()
    assert not Representative.objects.filter(name="Z").exists()


def test_an_agent_cannot_add_or_end_representatives(agent, agent_rep, performer):
    add = agent.post(
        reverse("portal:representative-add"),
        {"for": performer.performer.public_id, "kind": "agent", "name": "Y", "email": "y@example.com",
         "valid_from": "2026-01-01", "authority_document": "doc"},
    )  # fmt: skip
    assert add.status_code == 403
    end = agent.post(
        reverse("portal:representative-revoke", args=[agent_rep.pk]), {"for": performer.performer.public_id}
    )
    assert end.status_code == 403
    agent_rep.refresh_from_db()
    assert agent_rep.revoked_at is None and not Representative.objects.filter(name="Y").exists()


def test_the_performer_ends_an_agents_authority(owner, agent_rep, performer):
    response = owner.post(
        reverse("portal:representative-revoke", args=[agent_rep.pk]), {"for": performer.performer.public_id}
    )
    assert response.status_code == 302
    agent_rep.refresh_from_db()
    assert agent_rep.revoked_at is not None


def test_another_performer_cannot_end_someone_elses_representative(minor_with_guardian, other_performer):
    from tests.portal.conftest import client_for

    guardian = Representative.objects.get(performer=minor_with_guardian.performer)
    response = client_for(other_performer.user).post(reverse("portal:representative-revoke", args=[guardian.pk]))
    assert response.status_code == 404
    guardian.refresh_from_db()
    assert guardian.revoked_at is None
