"""Erasure: refused while the registry must keep the data (each rule, with its problem details),
and carried out: personal data gone from every table but the audit log, signed records intact,
the audit chain verifying, the ledger reconciling, the tokens verifying as before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models, transaction
from django.db.models.functions import Cast
from django.test import Client

from registry.audit.models import AuditEvent
from registry.audit.selectors import verify_audit_chain
from registry.billing import services as billing
from registry.billing.models import Invoice, InvoiceLine, JournalEntry, Posting
from registry.cases.services import case_open
from registry.consent.models import ConsentGrant, ConsentRequest, DescriptionVersion, GrantStatusChange, Signature
from registry.consent.services import grants_expire_due
from registry.consent.verification import verify_online
from registry.core.errors import NotPermittedError
from registry.core.vocabulary.privacy import ErasureStatus
from registry.parties.models import Performer, Representative
from registry.privacy import services
from registry.privacy.models import ErasureRequest
from registry.tokens.models import ConsentToken
from registry.usage.models import UsageLine
from tests.api.conftest import assert_problem
from tests.billing.conftest import replica_line, report
from tests.conftest import SYSTEM
from tests.consent.factories import create_request, grant_for, request_body
from tests.privacy.conftest import MAYA_EMAIL, MAYA_IP, signed_past_grant

pytestmark = pytest.mark.django_db

STAFF = SYSTEM  # services take an actor; the admin passes the signed-in union admin's

# What identifies Maya (and her lawyer, whose record is part of her file) anywhere in the database.
PERSONAL = ["Okafor", MAYA_EMAIL, "1988-03-14", "SAG-1", MAYA_IP, "MayaPhone", "Lena Ortiz", "ortiz-law"]
MAYA_DOB = dt.date(1988, 3, 14)
# The one table that keeps them: append-only and hash-chained (README, "Privacy").
KEPT_AS_IS = {"audit_auditevent"}
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.GenericIPAddressField)


def rows_mentioning(needle: str) -> dict[str, int]:
    """Table -> rows whose text columns contain `needle` (any case), over every installed model."""
    found: dict[str, int] = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        q = models.Q()
        annotations = {}
        for f in model._meta.concrete_fields:
            if isinstance(f, TEXT_FIELDS):
                alias = f"_t_{f.attname}"
                annotations[alias] = Cast(f.attname, models.TextField())
                q |= models.Q(**{f"{alias}__icontains": needle})
        if annotations:
            n = model._default_manager.annotate(**annotations).filter(q).count()
            if n:
                found[model._meta.db_table] = n
    return found


def rows_dated(day: dt.date) -> dict[str, int]:
    found: dict[str, int] = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        q = models.Q()
        for f in model._meta.concrete_fields:
            if type(f) is models.DateField:
                q |= models.Q(**{f.attname: day})
        if q:
            n = model._default_manager.filter(q).count()
            if n:
                found[model._meta.db_table] = n
    return found


def ask(client, performer):
    return client.post(f"/api/v1/performers/{performer.public_id}/erasure-requests", {}, format="json")


def refused_codes(response) -> list[str]:
    problem = assert_problem(response, 422, "erasure-refused")
    assert all(e["field"] is None for e in problem["errors"])
    return [e["code"] for e in problem["errors"]]


# --- Refused while the data must be kept --------------------------------------------------------
def test_a_live_consent_refuses_it(privacy_world, privacy_clients, agreement, billed_studio):
    live = grant_for(billed_studio.studio, privacy_world.maya, agreement)
    before = AuditEvent.objects.count()

    response = ask(privacy_clients["owner"], privacy_world.maya)

    assert refused_codes(response) == ["live_grants"]
    assert live.public_id in response.json()["errors"][0]["message"]
    assert (ErasureRequest.objects.count(), AuditEvent.objects.count()) == (0, before)


def test_a_pending_request_refuses_it(privacy_world, privacy_clients, agreement, billed_studio):
    pending = create_request(billed_studio.studio, privacy_world.maya, agreement)

    response = ask(privacy_clients["owner"], privacy_world.maya)

    assert refused_codes(response) == ["pending_requests"]
    assert pending.public_id in response.json()["detail"]
    assert ErasureRequest.objects.count() == 0


def test_an_open_case_refuses_it(privacy_world, privacy_clients, billed_studio):
    with transaction.atomic():
        case = case_open(
            actor=SYSTEM,
            kind="violation",
            studio=billed_studio.studio,
            performer=privacy_world.maya,
            reason_code="x",
            summary="s",
        )

    assert refused_codes(ask(privacy_clients["lawyer"], privacy_world.maya)) == ["open_cases"]
    assert ErasureRequest.objects.count() == 0
    assert case.public_id


def test_usage_not_yet_billed_refuses_it(privacy_world, privacy_clients, billed_studio):
    report(billed_studio.studio, [replica_line("L-2", privacy_world.grant, dt.date(2025, 9, 10))], ref="r-2")

    assert refused_codes(ask(privacy_clients["owner"], privacy_world.maya)) == ["unbilled_usage"]


def test_money_not_yet_paid_out_refuses_it(
    privacy_world, privacy_clients, billed_studio, django_capture_on_commit_callbacks
):
    report(billed_studio.studio, [replica_line("L-2", privacy_world.grant, dt.date(2025, 9, 10))], ref="r-2")
    with django_capture_on_commit_callbacks(execute=True):
        billing.billing_run_start(period=dt.date(2025, 9, 1), actor=SYSTEM)

    response = ask(privacy_clients["owner"], privacy_world.maya)

    assert refused_codes(response) == ["unpaid_earnings"]
    assert "3738.00 USD" in response.json()["errors"][0]["message"]


def test_a_reason_appearing_after_the_request_refuses_the_carrying_out_on_record(
    privacy_world, privacy_clients, billed_studio
):
    assert ask(privacy_clients["owner"], privacy_world.maya).status_code == 201
    erasure = ErasureRequest.objects.get()
    with transaction.atomic():
        case_open(
            actor=SYSTEM,
            kind="violation",
            studio=billed_studio.studio,
            performer=privacy_world.maya,
            reason_code="x",
            summary="s",
        )

    with pytest.raises(services.ErasureRefusedError) as refused:
        services.erasure_carry_out(request=erasure, actor=STAFF)

    assert [p.code for p in refused.value.problems] == ["open_cases"]
    erasure.refresh_from_db()
    assert (erasure.status, erasure.refusal_codes, erasure.decided_by) == (
        ErasureStatus.REFUSED,
        ["open_cases"],
        "tests",
    )
    assert AuditEvent.objects.order_by("-id").values_list("action", flat=True)[0] == "erasure.refused"
    assert Performer.objects.get(pk=privacy_world.maya.pk).legal_name == "Maya Okafor"


def test_staff_refuse_with_a_reason_and_a_refused_request_is_not_carried_out(privacy_world, privacy_clients):
    ask(privacy_clients["owner"], privacy_world.maya)
    erasure = ErasureRequest.objects.get()

    services.erasure_request_refuse(request=erasure, reason="Identity not verified.", actor=STAFF)

    erasure.refresh_from_db()
    assert (erasure.status, erasure.refusal_detail) == (ErasureStatus.REFUSED, "Identity not verified.")
    with pytest.raises(services.StateConflictError):
        services.erasure_carry_out(request=erasure, actor=STAFF)
    listed = privacy_clients["owner"].get(f"/api/v1/performers/{privacy_world.maya.public_id}/erasure-requests").json()
    assert listed["results"][0]["refusal"] == {"codes": ["refused_by_staff"], "detail": "Identity not verified."}


# --- Carried out -------------------------------------------------------------------------------
def signed_records() -> dict:
    """Everything erasure must leave exactly as it was."""
    return {
        "grants": list(ConsentGrant.objects.order_by("id").values()),
        "status_changes": list(
            GrantStatusChange.objects.order_by("id").values("grant_id", "from_status", "to_status", "at")
        ),
        "descriptions": list(DescriptionVersion.objects.order_by("id").values()),
        "signatures": list(
            Signature.objects.order_by("id").values(
                "request_id", "description_version_id", "description_sha256", "signer_role", "signed_at", "method"
            )
        ),
        "tokens": list(ConsentToken.objects.order_by("id").values()),
        "usage_lines": list(
            UsageLine.objects.order_by("id").values("line_ref", "status", "units", "use_date", "grant_id")
        ),
        "invoices": list(Invoice.objects.order_by("id").values()),
        "invoice_lines": list(
            InvoiceLine.objects.order_by("id").values(
                "invoice_id", "usage_line_id", "performer_id", "performer_pay", "total"
            )
        ),
        "entries": list(JournalEntry.objects.order_by("id").values()),
        "postings": list(Posting.objects.order_by("id").values()),
        "audit": list(AuditEvent.objects.order_by("id").values_list("id", "content_hash")),
    }


@pytest.fixture
def erased(privacy_world, privacy_clients):
    """Maya asks, a union admin carries it out; returns what stood before."""
    before = {
        "records": signed_records(),
        "tokens": {t.pk: verify_online(t.jws) for t in ConsentToken.objects.all()},
        "leo": Performer.objects.filter(pk=privacy_world.leo.pk).values().get(),
    }
    assert ask(privacy_clients["owner"], privacy_world.maya).status_code == 201
    done = services.erasure_carry_out(request=ErasureRequest.objects.get(), actor=STAFF)
    return done, before


def test_personal_data_is_gone_from_every_table_but_the_audit_log(privacy_world, erased):
    for needle in PERSONAL:
        assert set(rows_mentioning(needle)) <= KEPT_AS_IS, needle
    assert set(rows_dated(MAYA_DOB)) == set()


def test_the_audit_log_still_holds_the_copies_it_was_given(privacy_world, erased):
    # The known limit, asserted so that a change to it is noticed: entries written before the
    # erasure keep the names, addresses and browsers they copied (README, "Privacy").
    assert rows_mentioning("Okafor").get("audit_auditevent", 0) > 0
    assert rows_mentioning(MAYA_IP).get("audit_auditevent", 0) > 0


def test_the_performer_is_a_pseudonym_linked_by_the_same_public_id(privacy_world, erased):
    done, _ = erased
    maya = Performer.objects.get(pk=privacy_world.maya.pk)
    assert (maya.public_id, maya.legal_name, maya.professional_name, maya.email) == (
        privacy_world.maya.public_id,
        f"Erased performer {privacy_world.maya.public_id}",
        "",
        "",
    )
    assert (maya.member_number, maya.date_of_birth, maya.date_of_death) == (
        "E-" + privacy_world.maya.public_id[4:],
        dt.date(1900, 1, 1),
        None,
    )
    sig = Signature.objects.get(request__performer=maya)
    assert (sig.signer_name, sig.client_ip, sig.user_agent) == (maya.legal_name, None, "")
    assert sig.attestation_text == f"I, {maya.legal_name}, have read the description and consent."
    assert maya.grants.get().public_id == privacy_world.grant.public_id
    assert done.status == ErasureStatus.COMPLETED and done.decided_by == "tests"
    assert done.changes["parties_performer"] == 1 and done.changes["consent_signature"] == 1
    assert done.changes["auth_user"] == 1 and done.changes["api_idempotencyrecord"] == 1


def test_representatives_lose_their_authority_and_their_names(privacy_world, erased, privacy_clients):
    reps = list(Representative.objects.filter(performer=privacy_world.maya).order_by("id"))
    assert all(r.revoked_at is not None for r in reps)
    assert [r.name for r in reps] == [f"Representative {r.pk} of {privacy_world.maya.public_id}" for r in reps]
    assert_problem(
        privacy_clients["lawyer"].get(f"/api/v1/performers/{privacy_world.maya.public_id}/export"),
        403,
        "permission-denied",
    )


def test_the_login_is_gone(privacy_world, erased):
    user = get_user_model().objects.get(pk=privacy_world.maya.user_id)
    assert (user.username, user.first_name, user.last_name, user.email, user.is_active) == (
        f"erased-{privacy_world.maya.public_id}",
        "",
        "",
        "",
        False,
    )
    assert user.has_usable_password() is False
    assert Client().login(username="maya", password="pw-for-tests-1") is False


def test_signed_and_financial_records_are_intact(privacy_world, erased):
    _, before = erased
    assert signed_records() | {"audit": before["records"]["audit"]} == before["records"] | {
        "audit": before["records"]["audit"]
    }
    # The audit log only grew: every earlier entry is unchanged.
    after_audit = signed_records()["audit"]
    assert after_audit[: len(before["records"]["audit"])] == before["records"]["audit"]


def test_the_audit_chain_verifies_and_records_the_erasure(privacy_world, erased, capsys):
    done, _ = erased
    report = verify_audit_chain()
    assert report.ok is True
    call_command("verify_audit_log")
    assert "Audit chain intact" in capsys.readouterr().out
    event = AuditEvent.objects.filter(action="performer.erased").get()
    assert (event.subject_id, event.data["erasure_request"], event.actor_name) == (
        privacy_world.maya.public_id,
        done.public_id,
        "tests",
    )
    assert event.data["changes"] == done.changes


def test_the_ledger_reconciles(privacy_world, erased, capsys):
    call_command("reconcile_ledger")
    assert "Ledger reconciles" in capsys.readouterr().out


def test_tokens_verify_exactly_as_before(privacy_world, erased):
    _, before = erased
    after = {t.pk: verify_online(t.jws) for t in ConsentToken.objects.all()}
    assert after == before["tokens"]
    assert all("bad_signature" not in r.reasons for r in after.values())


def test_the_other_performer_is_untouched(privacy_world, erased):
    _, before = erased
    assert Performer.objects.filter(pk=privacy_world.leo.pk).values().get() == before["leo"]
    assert rows_mentioning("Leo Brandt")


def test_asking_again_says_already_erased(privacy_world, erased, privacy_clients, staff):
    # Her own login is gone; staff cannot ask; what remains is the export read by staff.
    export = privacy_clients["staff"].get(f"/api/v1/performers/{privacy_world.maya.public_id}/export").json()
    assert export["performer"]["erased"] is True
    assert export["performer"]["legal_name"] == f"Erased performer {privacy_world.maya.public_id}"
    holdings = services.selectors.holdings(Performer.objects.get(pk=privacy_world.maya.pk))
    assert [b.code for b in services.rules.erasure_blockers(holdings)] == ["already_erased"]
    with pytest.raises(NotPermittedError, match="Union staff do not ask for erasure"):
        services.erasure_request_submit(performer=privacy_world.maya, acting_user=staff.user)


def test_a_guardian_erases_a_minors_data_and_their_own_name_goes_with_it(minor_with_guardian, billed_studio, tvth):
    sam = minor_with_guardian.performer
    signed_past_grant(billed_studio.studio, sam, tvth, user=minor_with_guardian.user, ip="192.0.2.9")
    grants_expire_due()  # the term ended on 2026-06-30
    assert ask(minor_with_guardian.client, sam).status_code == 201

    services.erasure_carry_out(request=ErasureRequest.objects.get(), actor=STAFF)

    for needle in ["Sam Rivera", "Elena Rivera", "2014-06-30", "192.0.2.9"]:
        assert set(rows_mentioning(needle)) <= KEPT_AS_IS, needle
    sig = Signature.objects.get(request__performer=sam)
    assert (sig.signer_role, sig.signer_name) == ("guardian", f"guardian for {sam.public_id}")
    assert verify_audit_chain().ok is True


def test_studios_no_longer_find_her_by_her_old_member_number(privacy_world, erased, billed_studio):
    response = billed_studio.client.post(
        "/api/v1/consent-checks/",
        {
            "performer": "SAG-1",
            "use": "replica_use",
            "project": {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2025-004"},
            "media": ["streaming"],
            "territory": ["US"],
        },
        format="json",
    )

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("performer", "unknown_performer")]


def test_studios_can_no_longer_ask_her_for_consent(privacy_world, erased, billed_studio, agreement):
    """Her public id still names her pseudonym (signed records point to it), but the registry
    takes no new request for a performer whose data was erased: nobody could ever answer it."""
    billed_studio.studio.agreements.add(agreement)  # one in force today
    requests_before = ConsentRequest.objects.count()
    response = billed_studio.client.post(
        "/api/v1/consent-requests/", request_body(privacy_world.maya, agreement), format="json"
    )

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("performer", "performer_erased")]
    assert "erased at their request" in problem["detail"]
    assert ConsentRequest.objects.count() == requests_before
    # Leo, who asked for nothing, still can be asked, by the same body.
    leo = billed_studio.client.post(
        "/api/v1/consent-requests/", request_body(privacy_world.leo, agreement), format="json"
    )
    assert leo.status_code == 201, leo.json()
