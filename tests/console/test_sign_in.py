"""The password step of staff sign-in at /admin/login/: throttled like the portal's sign-in, on
the same counters, and still followed by the second factor where it is required."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from registry.core import throttle

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = reverse("admin:login")
PORTAL_SIGN_IN = reverse("portal:sign-in")
RIGHT = "pw-for-tests-1"
LOCKED = "Too many failed attempts to sign in to this account"


def admin_sign_in(client: Client, password: str):
    return client.post(ADMIN_LOGIN, {"username": "ada", "password": password, "next": "/admin/"})


def test_the_right_password_signs_staff_in(staff):
    client = Client()

    response = admin_sign_in(client, RIGHT)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(staff.user.pk)


def test_after_repeated_failures_even_the_right_password_is_refused(staff):
    client = Client()
    for _ in range(throttle.SIGN_IN.per_account):
        failed = admin_sign_in(client, "wrong-password")
        assert failed.status_code == 200 and "_auth_user_id" not in client.session
        assert LOCKED not in failed.text

    response = admin_sign_in(Client(REMOTE_ADDR="198.51.100.9"), RIGHT)

    assert response.status_code == 200
    assert LOCKED in response.text
    assert "_auth_user_id" not in client.session


def test_the_portal_and_the_admin_count_the_same_failures(staff):
    """Trying passwords on both pages does not double the guesses."""
    half = throttle.SIGN_IN.per_account // 2
    for _ in range(half):
        Client().post(PORTAL_SIGN_IN, {"username": "ada", "password": "wrong-password"})
    for _ in range(throttle.SIGN_IN.per_account - half):
        admin_sign_in(Client(), "wrong-password")

    assert LOCKED in admin_sign_in(Client(), RIGHT).text
    assert b"Too many failed attempts" in Client().post(PORTAL_SIGN_IN, {"username": "ada", "password": RIGHT}).content


@pytest.mark.redis
def test_failures_are_counted_in_redis_so_every_worker_sees_them(staff):
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["throttle"], RedisCache)
    for _ in range(throttle.SIGN_IN.per_account):
        admin_sign_in(Client(), "wrong-password")
    # Another worker knows only what Redis holds: a new connection to it sees the lock.
    caches["throttle"].close()

    assert LOCKED in admin_sign_in(Client(), RIGHT).text


def test_the_password_is_bounded(staff):
    response = admin_sign_in(Client(), "x" * 1025)

    assert response.status_code == 200
    assert "_auth_user_id" not in response.client.session
    assert "Ensure this value has at most 1024 characters" in response.text


def test_where_two_factor_is_required_the_password_alone_reaches_only_the_second_step(settings, staff):
    settings.STAFF_OTP_REQUIRED = True
    client = Client()

    assert admin_sign_in(client, RIGHT).status_code == 302
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:two-factor"))
    assert client.get("/api/v1/cases/").status_code == 403
