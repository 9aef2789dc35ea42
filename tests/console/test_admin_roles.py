"""Roles across the whole admin: `union_analyst` sees every list and record and changes nothing
(every add, change, delete and action refused); `union_admin`'s actions go through the services,
so each leaves its audit entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from registry.audit.models import AuditEvent
from registry.billing.models import BillingRun, Invoice
from registry.cases.models import Case
from registry.consent.models import ConsentGrant, Strike
from registry.parties.models import ApiKey
from registry.parties.roles import REGISTRY_APP_LABELS
from registry.portal.models import JoinRequest
from registry.terms.models import RateCard

User = get_user_model()

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _ in MODEL_ADMINS]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def audit_count() -> int:
    return AuditEvent.objects.count()


@pytest.fixture
def join_request(db) -> JoinRequest:
    from registry.portal.services import join_request_submit

    return join_request_submit(
        member_number="SAG-1", legal_name="Maya Okafor", email="maya@example.org", date_of_birth=dt.date(1988, 3, 14)
    )


# --- union_analyst: sees everything -----------------------------------------------------------
# Groups are Django's own and left to superusers; every registry model is the roles' concern.
STAFF_MODELS = [(m, a) for m, a in MODEL_ADMINS if m._meta.app_label in REGISTRY_APP_LABELS or m is User]


@pytest.mark.parametrize(("model", "model_admin"), STAFF_MODELS, ids=[m._meta.label for m, _ in STAFF_MODELS])
def test_analyst_sees_every_list_and_record(console_world, console_clients, join_request, model, model_admin):
    client = console_clients["analyst"]

    assert client.get(url(model, "changelist")).status_code == 200
    obj = model_admin.get_queryset(RequestFactory().get("/")).first()
    if obj is not None:
        page = client.get(url(model, "change", obj.pk))
        assert page.status_code == 200
        assert 'name="_save"' not in page.text  # shown read-only


# --- union_analyst: changes nothing ------------------------------------------------------------
@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS, ids=IDS)
def test_analyst_cannot_add_change_or_delete(console_world, console_clients, join_request, model, model_admin):
    client = console_clients["analyst"]
    before = audit_count()

    assert client.get(url(model, "add"), follow=True).status_code == 403
    assert client.post(url(model, "add"), {}, follow=True).status_code == 403
    obj = model_admin.get_queryset(RequestFactory().get("/")).first()
    if obj is not None:
        assert client.post(url(model, "change", obj.pk), {}).status_code == 403
        assert client.get(url(model, "delete", obj.pk)).status_code == 403
        assert client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=obj.pk).exists()
    assert audit_count() == before


def _declared_actions():
    for model, model_admin in MODEL_ADMINS:
        for action in [*(model_admin.actions or []), "delete_selected"]:
            name = action if isinstance(action, str) else action.__name__
            yield pytest.param(model, model_admin, name, id=f"{model._meta.label}.{name}")


@pytest.mark.parametrize(("model", "model_admin", "action"), list(_declared_actions()))
def test_analyst_is_refused_every_action(
    console_world, console_clients, analyst, join_request, model, model_admin, action
):
    request = RequestFactory().get("/")
    request.user = analyst.user
    objects = list(model_admin.get_queryset(request).values_list("pk", flat=True)[:5])
    offered = action in model_admin.get_actions(request)
    if offered and not objects:
        pytest.skip("offered to the analyst, but the console_world has nothing for it to act on")
    before = audit_count()

    response = console_clients["analyst"].post(
        url(model, "changelist"), {"action": action, ACTION_CHECKBOX_NAME: objects, "apply": "1", "reason": "x"}
    )

    assert (not offered) or response.status_code == 403, f"{action} was offered and did not refuse"
    assert audit_count() == before
    assert model.objects.filter(pk__in=objects).count() == len(objects)


CUSTOM_VIEWS = [
    ("admin:consent_strike_declare", False, {"reason": "x", "confirm": "1"}),
    ("admin:cases_case_resolve", True, {"outcome": "Paid", "notes": ""}),
    ("admin:cases_case_assign", True, {}),
    ("admin:billing_billingrun_start", False, {"period": "2025-09"}),
    ("admin:portal_portalinvitation_invite", False, {}),
]


@pytest.mark.parametrize(("name", "takes_case", "form"), CUSTOM_VIEWS, ids=[c[0] for c in CUSTOM_VIEWS])
def test_analyst_is_refused_every_action_page(console_world, console_clients, analyst, name, takes_case, form):
    path = reverse(name, args=[console_world.violation.pk] if takes_case else [])
    before = (audit_count(), Strike.objects.count(), BillingRun.objects.count())
    if name == "admin:cases_case_assign":
        form = {"assignee": analyst.user.pk}

    assert console_clients["analyst"].get(path).status_code == 403
    assert console_clients["analyst"].post(path, form).status_code == 403
    assert (audit_count(), Strike.objects.count(), BillingRun.objects.count()) == before


# --- union_admin: every action through its service ------------------------------------------
def run_action(client, model, action: str, objects, **extra):
    return client.post(
        url(model, "changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra},
        follow=True,
    )


def audited(action: str, subject_id: str | None = None, **filters) -> bool:
    events = AuditEvent.objects.filter(action=action, actor_kind="staff", actor_name="ada", **filters)
    if subject_id is not None:
        events = events.filter(subject_id=subject_id)
    return events.exists()


def test_strike_declare_and_lift_are_audited(console_world, console_clients, studio, agreement):
    client = console_clients["admin"]
    form = {"agreement": agreement.pk, "studios": [studio.studio.pk], "reason": "Walkout"}

    client.post(reverse("admin:consent_strike_declare"), {**form, "confirm": "1"})
    strike = Strike.objects.exclude(pk=console_world.strike.pk).get()
    run_action(client, Strike, "lift", [strike])  # leads to the confirmation page
    assert not audited("strike.lifted", strike.public_id)
    client.post(reverse("admin:consent_strike_lift", args=[strike.pk]), {"reason": "Deal reached"})

    assert audited("strike.declared", strike.public_id)
    assert audited("strike.lifted", strike.public_id)


def test_case_investigate_assign_resolve_are_audited(console_world, console_clients, staff):
    client = console_clients["admin"]
    case = console_world.violation

    run_action(client, Case, "investigate", [case])
    client.post(reverse("admin:cases_case_assign", args=[case.pk]), {"assignee": staff.user.pk})
    client.post(reverse("admin:cases_case_resolve", args=[case.pk]), {"outcome": "Paid as use", "notes": "Settled"})

    for action in ("case.investigating", "case.assigned", "case.resolved"):
        assert audited(action, case.public_id), action
    case.refresh_from_db()
    assert (case.status, case.outcome, case.assigned_to) == ("resolved", "Paid as use", staff.user)


def test_api_key_issue_and_revoke_are_audited(console_world, console_clients, studio):
    from registry.parties.models import Studio

    client = console_clients["admin"]
    run_action(client, Studio, "issue_api_key", [studio.studio])
    key = ApiKey.objects.filter(studio=studio.studio).latest("id")
    run_action(client, ApiKey, "revoke", [key])

    assert audited("api_key.issued", studio_id=studio.studio.public_id)
    assert audited("api_key.revoked", studio_id=studio.studio.public_id)


def test_invoice_paid_and_void_are_audited(console_world, console_clients, studio):
    client = console_clients["admin"]
    invoice = console_world.invoice

    run_action(client, Invoice, "mark_paid", [invoice])

    assert audited("invoice.paid", invoice.public_id)
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_void_is_audited(console_world, console_clients):
    client = console_clients["admin"]

    response = run_action(client, Invoice, "void", [console_world.invoice], apply="1", reason="Wrong studio address")

    assert response.status_code == 200
    assert audited("invoice.voided", console_world.invoice.public_id)


def test_billing_run_start_is_audited(console_world, console_clients, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        console_clients["admin"].post(reverse("admin:billing_billingrun_start"), {"period": "2025-09"})

    run = BillingRun.objects.get(period=dt.date(2025, 9, 1))
    assert audited("billing_run.started", run.public_id)


def test_rate_card_added_through_the_service(console_world, console_clients):
    response = console_clients["admin"].post(
        url(RateCard, "add"),
        {
            "agreement": console_world.tvth.pk,
            "role_category": "day_performer",
            "unit": "day",
            "amount": "1400.00",
            "currency": "USD",
            "effective_from": "2031-07-01",
            "source_confidence": "L",
            "source_note": "Projection",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert audited("rate_card.added")


def test_portal_invitation_and_join_approval_are_audited(console_world, console_clients):
    from registry.parties.models import Performer
    from registry.portal.services import join_request_submit

    noor = Performer.objects.create(member_number="SAG-9", legal_name="Noor Haddad", date_of_birth=dt.date(1990, 1, 2))
    Performer.objects.create(member_number="SAG-8", legal_name="Omar Reyes", date_of_birth=dt.date(1980, 5, 6))
    join_request = join_request_submit(
        member_number="SAG-8", legal_name="Omar Reyes", email="omar@example.org", date_of_birth=dt.date(1980, 5, 6)
    )
    client = console_clients["admin"]
    client.post(reverse("admin:portal_portalinvitation_invite"), {"performer": noor.pk, "email": "noor@example.org"})
    run_action(client, JoinRequest, "approve", [join_request])

    assert AuditEvent.objects.filter(action="portal.invitation_sent", actor_name="ada").count() == 2
    join_request.refresh_from_db()
    assert join_request.status == "approved"


def test_grants_are_never_edited_in_the_admin(console_world, console_clients):
    grant = console_world.grant
    response = console_clients["admin"].post(url(ConsentGrant, "change", grant.pk), {"status": "revoked"})

    assert response.status_code == 403
    grant.refresh_from_db()
    assert grant.status == "active"
