"""Two-factor sign-in for staff: required when STAFF_OTP_REQUIRED (always in production mode),
optional in development. Codes are computed with django-otp's own TOTP implementation."""

from __future__ import annotations

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.audit.models import AuditEvent
from tests.core.test_settings import production_env, run_manage

pytestmark = pytest.mark.django_db

SETUP = "/admin/console/two-factor/"


def code_for(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    # Far outside the tolerance window, so never accepted by chance.
    return code_for(device, offset_steps=100)


@pytest.fixture
def required(settings):
    settings.STAFF_OTP_REQUIRED = True


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_production_mode_requires_it():
    probe = "from django.conf import settings; print(settings.STAFF_OTP_REQUIRED)"
    production = run_manage("shell", "-c", probe, **production_env())
    development = run_manage("shell", "-c", probe, REGISTRY_MODE="development")

    assert production.stdout.strip().splitlines()[-1] == "True", production.stderr
    assert development.stdout.strip().splitlines()[-1] == "False", development.stderr


@pytest.mark.parametrize("path", ["/admin/", "/admin/console/", "/admin/cases/case/", "/admin/console/exports/"])
def test_required_refuses_the_admin_without_a_verified_device(required, console_clients, path):
    response = console_clients["admin"].get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{SETUP}?next=")


def test_required_refuses_the_api_to_an_unverified_staff_session(required, console_clients):
    response = console_clients["analyst"].get("/api/v1/cases/")

    assert response.status_code == 403
    assert b"two-factor" in response.content


def test_not_required_in_development(console_clients):
    assert console_clients["admin"].get("/admin/").status_code == 200


def test_setup_shows_a_qr_code_and_the_key(required, console_clients, staff):
    response = console_clients["admin"].get(SETUP)

    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=staff.user)
    assert not device.confirmed
    assert "<svg" in response.text and "Scan with your authenticator app" in response.text
    assert response.context["secret"].replace(" ", "") in response.text.replace(" ", "")
    # Loading the page again keeps the same secret: the QR code already scanned stays good.
    console_clients["admin"].get(SETUP)
    assert TOTPDevice.objects.filter(user=staff.user).count() == 1


def test_setup_with_the_right_code_verifies_the_session(required, console_clients, staff):
    client = console_clients["admin"]
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=staff.user)

    response = client.post(SETUP, {"otp_token": code_for(device), "next": "/admin/cases/case/"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/cases/case/"
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="staff.two_factor_enrolled", subject_id=str(staff.user.pk)).exists()
    assert client.get("/admin/").status_code == 200


def test_setup_with_a_wrong_code_is_refused(required, console_clients, staff):
    client = console_clients["admin"]
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=staff.user)

    response = client.post(SETUP, {"otp_token": wrong_code(device)})

    assert response.status_code == 400
    assert "That code is not right" in response.text
    device.refresh_from_db()
    assert not device.confirmed
    assert not AuditEvent.objects.filter(action="staff.two_factor_enrolled").exists()
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("token", ["", "abcdef", "12"])
def test_malformed_codes_are_form_errors(required, console_clients, token):
    response = console_clients["admin"].post(SETUP, {"otp_token": token})

    assert response.status_code == 400
    assert "errorlist" in response.text


def test_an_enrolled_user_signs_in_with_a_correct_code(required, console_clients, analyst):
    device = enrolled(analyst.user)
    client = console_clients["analyst"]

    shown = client.get(SETUP)
    assert shown.status_code == 200
    assert "Enter the code your authenticator app shows" in shown.text
    assert 'class="qr"' not in shown.text  # no QR code: the device exists

    response = client.post(SETUP, {"otp_token": code_for(device), "next": "/admin/console/"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/console/"
    assert client.get("/admin/console/").status_code == 200


def test_an_enrolled_user_with_a_wrong_code_stays_out(required, console_clients, analyst):
    device = enrolled(analyst.user)
    client = console_clients["analyst"]

    response = client.post(SETUP, {"otp_token": wrong_code(device)})

    assert response.status_code == 400
    assert "That code is not right" in response.text
    assert client.get("/admin/console/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp's throttling counts the failure


def test_the_next_address_must_be_on_this_site(required, console_clients, analyst):
    device = enrolled(analyst.user)

    response = console_clients["analyst"].post(SETUP, {"otp_token": code_for(device), "next": "https://evil.example/"})

    assert response["Location"] == "/admin/console/"


@pytest.mark.parametrize("who", ["performer", "anonymous"])
def test_others_are_sent_to_the_staff_sign_in(required, console_clients, who):
    response = console_clients[who].get(SETUP)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not TOTPDevice.objects.exists()


def test_sign_in_and_out_stay_reachable(required, console_clients):
    assert console_clients["admin"].get("/admin/login/").status_code in (200, 302)
    assert console_clients["admin"].post("/admin/logout/").status_code == 200
