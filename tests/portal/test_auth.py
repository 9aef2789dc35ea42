"""Joining, invitations, signing in (with throttling), signing out and password reset."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from registry.audit.models import AuditEvent
from registry.core import throttle
from registry.core.errors import InvalidInputError, StateConflictError
from registry.parties.models import Performer
from registry.portal import services
from registry.portal.models import JoinRequest, PortalInvitation
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("portal:sign-in")


@pytest.fixture
def nia(db) -> Performer:
    return Performer.objects.create(
        member_number="SAG-77",
        legal_name="Nia Okoro",
        email="nia@performers.example",
        date_of_birth=dt.date(1990, 5, 1),
    )


def invitation_link() -> str:
    return re.search(r"https?://\S+", mail.outbox[-1].body).group(0).split("testserver", 1)[-1]


def welcome_path(body_url: str) -> str:
    return "/portal/" + body_url.split("/portal/", 1)[1]


# --- Signing in -------------------------------------------------------------------------------
def test_sign_in_with_the_right_password_goes_to_the_dashboard(performer):
    client = Client()
    response = client.post(SIGN_IN, {"username": "maya", "password": "pw-for-tests-1"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:dashboard")
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_a_wrong_password_is_a_form_error(performer):
    response = Client().post(SIGN_IN, {"username": "maya", "password": "nope"})
    assert response.status_code == 400
    assert b"do not match" in response.content


def test_sign_in_is_refused_after_repeated_failures_even_with_the_right_password(performer):
    client = Client()
    for _ in range(throttle.SIGN_IN.per_account):
        assert client.post(SIGN_IN, {"username": "maya", "password": "nope"}).status_code == 400
    response = client.post(SIGN_IN, {"username": "maya", "password": "pw-for-tests-1"})
    assert response.status_code == 400
    assert b"Too many failed attempts to sign in to this account" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.redis
def test_failures_are_counted_in_redis_so_every_worker_sees_them(performer):
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["throttle"], RedisCache)
    for _ in range(throttle.SIGN_IN.per_account):
        Client().post(SIGN_IN, {"username": "maya", "password": "nope"})
    # Another worker knows only what Redis holds: a new connection to it sees the lock.
    caches["throttle"].close()
    response = Client().post(SIGN_IN, {"username": "maya", "password": "pw-for-tests-1"})
    assert response.status_code == 400
    assert b"Too many failed attempts to sign in to this account" in response.content


def test_the_lock_is_per_account(performer, other_performer):
    client = Client()
    for _ in range(throttle.SIGN_IN.per_account):
        client.post(SIGN_IN, {"username": "maya", "password": "nope"})
    assert client.post(SIGN_IN, {"username": "leo", "password": "pw-for-tests-1"}).status_code == 302


def test_a_success_clears_earlier_failures(performer):
    client = Client()
    for _ in range(throttle.SIGN_IN.per_account - 1):
        client.post(SIGN_IN, {"username": "maya", "password": "nope"})
    assert client.post(SIGN_IN, {"username": "maya", "password": "pw-for-tests-1"}).status_code == 302
    other = Client()
    for _ in range(throttle.SIGN_IN.per_account - 1):
        other.post(SIGN_IN, {"username": "maya", "password": "nope"})
    assert other.post(SIGN_IN, {"username": "maya", "password": "pw-for-tests-1"}).status_code == 302


def test_forms_need_a_csrf_token(performer):
    client = Client(enforce_csrf_checks=True)
    assert client.post(SIGN_IN, {"username": "maya", "password": "pw-for-tests-1"}).status_code == 403
    assert client.post(reverse("portal:join"), {}).status_code == 403


def test_sign_out_is_a_post(owner):
    assert owner.get(reverse("portal:sign-out")).status_code == 405
    response = owner.post(reverse("portal:sign-out"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:signed-out")
    assert owner.get(reverse("portal:dashboard")).status_code == 302


# --- Joining with a member number -------------------------------------------------------------
def test_a_join_request_is_stored_and_answered_the_same_whatever_the_number(nia):
    client = Client()
    for number in ("SAG-77", "SAG-DOES-NOT-EXIST"):
        response = client.post(
            reverse("portal:join"),
            {
                "member_number": number,
                "legal_name": "Nia Okoro",
                "email": "Nia@Example.com",
                "date_of_birth": "1990-05-01",
            },
        )
        assert response.status_code == 302 and response["Location"] == reverse("portal:join-sent")
    assert list(JoinRequest.objects.order_by("id").values_list("member_number", "email", "status")) == [
        ("SAG-77", "nia@example.com", "pending"),
        ("SAG-DOES-NOT-EXIST", "nia@example.com", "pending"),
    ]


def test_a_join_request_with_bad_input_is_a_form_error_and_stores_nothing(db):
    response = Client().post(
        reverse("portal:join"),
        {"member_number": "", "legal_name": "N", "email": "not-an-email", "date_of_birth": "2150-01-01"},
    )
    assert response.status_code == 400
    assert b"This field is required." in response.content
    assert b"Enter a valid email address." in response.content
    assert b"Give your real date of birth." in response.content
    assert not JoinRequest.objects.exists()


def test_staff_approval_invites_the_performer_at_the_email_given(nia, django_capture_on_commit_callbacks):
    join_request = services.join_request_submit(
        member_number="SAG-77", legal_name="nia  okoro", email="nia.new@example.com", date_of_birth=dt.date(1990, 5, 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.join_request_approve(join_request=join_request, actor=SYSTEM)
    join_request.refresh_from_db()
    nia.refresh_from_db()
    assert join_request.status == "approved"
    assert invitation.email == "nia.new@example.com" and nia.user == invitation.user
    assert not nia.user.has_usable_password()
    assert mail.outbox[-1].to == ["nia.new@example.com"]


def test_approval_refuses_details_that_do_not_match_the_record(nia):
    join_request = services.join_request_submit(
        member_number="SAG-77", legal_name="Someone Else", email="x@example.com", date_of_birth=dt.date(1991, 1, 1)
    )
    with pytest.raises(InvalidInputError) as refused:
        services.join_request_approve(join_request=join_request, actor=SYSTEM)
    assert [p.code for p in refused.value.problems] == ["name_mismatch", "birth_date_mismatch"]
    join_request.refresh_from_db()
    nia.refresh_from_db()
    assert join_request.status == "pending" and nia.user is None


# --- Invitations ------------------------------------------------------------------------------
def test_an_invitation_lets_the_performer_confirm_and_set_a_password(nia, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.performer_invite(performer=nia, actor=SYSTEM)
    assert mail.outbox[-1].subject == "Your invitation to the Performer Consent Registry"
    path = welcome_path(invitation_link())
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and b"Welcome, Nia Okoro" in page.content
    response = client.post(
        path,
        {
            "date_of_birth": "1990-05-01",
            "confirm_details": "on",
            "new_password1": "a-Long-test-passw0rd",
            "new_password2": "a-Long-test-passw0rd",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:dashboard")
    assert client.get(reverse("portal:dashboard")).status_code == 200
    invitation = PortalInvitation.objects.get()
    assert invitation.accepted_at is not None
    assert AuditEvent.objects.filter(action="portal.invitation_accepted", performer_id=nia.public_id).count() == 1
    # The link is single-use: the new password hash voids the token.
    assert Client().get(path).status_code == 400


def test_a_wrong_birth_date_keeps_the_invitation_open(nia, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.performer_invite(performer=nia, actor=SYSTEM)
    path = welcome_path(invitation_link())
    response = Client().post(
        path,
        {
            "date_of_birth": "1991-05-01",
            "confirm_details": "on",
            "new_password1": "a-Long-test-passw0rd",
            "new_password2": "a-Long-test-passw0rd",
        },
    )
    assert response.status_code == 400
    assert b"does not match the union&#x27;s record" in response.content
    nia.refresh_from_db()
    assert not nia.user.has_usable_password()
    assert PortalInvitation.objects.get().accepted_at is None


def test_birth_date_guesses_are_limited_per_invitation(nia, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.performer_invite(performer=nia, actor=SYSTEM)
    path = welcome_path(invitation_link())

    def answer(birth_date: str, address: str):
        return Client(REMOTE_ADDR=address).post(
            path,
            {
                "date_of_birth": birth_date,
                "confirm_details": "on",
                "new_password1": "a-Long-test-passw0rd",
                "new_password2": "a-Long-test-passw0rd",
            },
        )

    for n in range(throttle.BIRTH_DATE.per_account):
        assert answer(f"1990-05-{n + 2:02d}", f"203.0.113.{n + 1}").status_code == 400

    # Even the right date, from yet another address, is refused until the window is over.
    refused = answer("1990-05-01", "198.51.100.1")

    assert refused.status_code == 400
    assert b"Too many wrong dates of birth for this invitation" in refused.content
    nia.refresh_from_db()
    assert not nia.user.has_usable_password()
    assert PortalInvitation.objects.get().accepted_at is None


def test_a_weak_password_is_a_form_error(nia, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.performer_invite(performer=nia, actor=SYSTEM)
    response = Client().post(
        welcome_path(invitation_link()),
        {"date_of_birth": "1990-05-01", "confirm_details": "on", "new_password1": "123", "new_password2": "123"},
    )
    assert response.status_code == 400
    assert b"This password is too short" in response.content


def test_a_forged_invitation_link_is_refused(nia):
    response = Client().get(reverse("portal:welcome", args=["MQ", "abc-def"]))
    assert response.status_code == 400
    assert b"This invitation link no longer works" in response.content


def test_a_representative_is_invited_to_act_for_their_performer(
    minor_with_guardian, django_capture_on_commit_callbacks
):
    from registry.parties.models import Representative

    guardian = Representative.objects.get(performer=minor_with_guardian.performer)
    guardian.user.set_unusable_password()
    guardian.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.representative_invite(representative=guardian, email="elena@example.com", actor=SYSTEM)
    assert "to act for Sam Rivera as their guardian (of a minor)" in mail.outbox[-1].body
    page = Client().get(welcome_path(invitation_link()))
    assert page.status_code == 200
    assert b"Your date of birth" not in page.content  # a representative confirms with the box only


def test_inviting_someone_who_already_has_a_login_is_refused(performer):
    with pytest.raises(StateConflictError, match="already has a portal login"):
        services.performer_invite(performer=performer.performer, email="maya@example.com", actor=SYSTEM)
    assert not PortalInvitation.objects.exists()


def test_a_staff_email_is_never_turned_into_a_performer_login(nia, staff):
    staff.user.email = "nia@performers.example"
    staff.user.save()
    with pytest.raises(StateConflictError, match="union staff login"):
        services.performer_invite(performer=nia, actor=SYSTEM)


# --- Password reset ---------------------------------------------------------------------------
def test_password_reset_sends_a_link_that_sets_a_new_password(performer):
    performer.user.email = "maya@performers.example"
    performer.user.save()
    client = Client()
    response = client.post(reverse("portal:password-reset"), {"email": "maya@performers.example"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:password-reset-sent")
    link = re.search(re.escape(settings.REGISTRY_BASE_URL) + r"(/\S+)", mail.outbox[-1].body).group(1)
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-Long-test-passw0rd", "new_password2": "a-Long-test-passw0rd"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("portal:password-reset-complete")
    performer.user.refresh_from_db()
    assert performer.user.check_password("a-Long-test-passw0rd")


def test_password_reset_says_the_same_for_an_unknown_address(db):
    response = Client().post(reverse("portal:password-reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:password-reset-sent")
    assert mail.outbox == []


def test_a_user_created_by_an_invitation_has_no_password_until_accepted(nia):
    services.performer_invite(performer=nia, actor=SYSTEM)
    user = get_user_model().objects.get(email="nia@performers.example")
    assert not user.has_usable_password()
    assert Client().post(SIGN_IN, {"username": user.username, "password": ""}).status_code == 400


def test_the_reset_link_comes_from_the_base_url_never_from_the_host_header(performer, settings):
    settings.REGISTRY_BASE_URL = "https://registry.example.org"
    performer.user.email = "maya@performers.example"
    performer.user.save()

    response = Client().post(
        reverse("portal:password-reset"), {"email": "maya@performers.example"}, HTTP_HOST="attacker.example"
    )

    assert response.status_code == 302
    body = mail.outbox[-1].body
    assert "https://registry.example.org/portal/password-reset/" in body
    assert "attacker.example" not in body and "testserver" not in body


def reset(email: str, address: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=address).post(reverse("portal:password-reset"), {"email": email})


def test_password_reset_requests_are_limited_per_account(performer):
    performer.user.email = "maya@performers.example"
    performer.user.save()
    for n in range(throttle.PASSWORD_RESET.per_account):
        # Different addresses: only the account's count can stop the last one.
        assert reset("maya@performers.example", address=f"203.0.113.{n + 1}").status_code == 302

    refused = reset("Maya@Performers.example", address="198.51.100.1")

    assert refused.status_code == 400
    assert b"Too many password-reset requests" in refused.content
    assert len(mail.outbox) == throttle.PASSWORD_RESET.per_account
    # Another account is not affected.
    assert reset("someone.else@example.com", address="198.51.100.1").status_code == 302


def test_password_reset_requests_are_limited_per_address_whether_or_not_accounts_exist(db):
    for n in range(throttle.PASSWORD_RESET.per_address):
        assert reset(f"nobody-{n}@example.com").status_code == 302

    refused = reset("nobody-else@example.com")

    assert refused.status_code == 400
    assert b"Too many password-reset requests" in refused.content
    assert reset("nobody-else@example.com", address="198.51.100.1").status_code == 302


# --- Behind proxies ---------------------------------------------------------------------------
PROXY = "10.0.0.5"


def through_the_proxy(client_ip: str, forged: str = "") -> Client:
    forwarded = f"{forged}, {client_ip}" if forged else client_ip
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_a_proxy_each_client_is_counted_not_the_proxy(settings, performer, other_performer):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = "198.51.100.23"
    for n in range(throttle.SIGN_IN.per_address):
        # A different account name each time and a forged first hop: only the address counts.
        through_the_proxy(attacker, forged=f"192.0.2.{n}").post(
            SIGN_IN, {"username": f"guess-{n}", "password": "nope"}
        )

    locked = through_the_proxy(attacker).post(SIGN_IN, {"username": "leo", "password": "pw-for-tests-1"})
    assert locked.status_code == 400 and b"Too many failed attempts" in locked.content

    # Everyone else behind the same proxy still signs in.
    response = through_the_proxy("203.0.113.80").post(SIGN_IN, {"username": "maya", "password": "pw-for-tests-1"})
    assert response.status_code == 302
