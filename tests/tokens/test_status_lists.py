"""Status lists over their life: the address each keeps when the registry moves, and the
re-signing that keeps a served list within its lifetime."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.test import Client, override_settings
from django.urls import reverse

from registry.consent.services import grant_suspend
from registry.tokens import services
from registry.tokens.jose import parse_compact
from registry.tokens.models import ConsentToken, StatusList, StatusListSnapshot
from registry.tokens.verifier import verify
from tests.conftest import login_of, second_postgres_connection
from tests.consent.factories import grant_for
from tests.tokens.conftest import BASE, fetch_token, jwks

pytestmark = pytest.mark.django_db

NEW_BASE = "https://registry.example.net"


def status_ref(token: str) -> dict:
    return parse_compact(token)[1]["status"]["status_list"]


# --- The address a list keeps -------------------------------------------------------------------
def test_after_a_move_of_address_outstanding_tokens_still_verify_offline(
    client, studio, grant, django_capture_on_commit_callbacks
):
    token = fetch_token(studio, grant)
    uri = status_ref(token)["uri"]
    assert uri.startswith(f"{BASE}/statuslists/sl_")
    with override_settings(REGISTRY_BASE_URL=NEW_BASE):
        served = studio.client.get(f"/api/v1/grants/{grant.public_id}/token").json()
        with django_capture_on_commit_callbacks(execute=True):
            grant_suspend(
                grant=grant, reason="pause", acting_user=login_of(grant.performer)
            )  # re-signed after the move
        # Served under the new host name (a redirect from the old one lands here).
        response = client.get(urlsplit(uri).path, HTTP_HOST="registry.example.net")
        result = verify(token, jwks(client), response.content.decode())
    assert served["status"]["status_list"]["uri"] == uri
    assert parse_compact(response.content.decode())[1]["sub"] == uri
    assert (result.status, result.reasons) == ("suspended", ["suspended"])


def test_lists_opened_after_a_move_are_published_under_the_new_address(studio, performer, agreement, grant):
    StatusList.objects.update(allocated=F("size"))  # the open list is full: the next token opens one
    with override_settings(REGISTRY_BASE_URL=NEW_BASE):
        later = grant_for(studio.studio, performer.performer, agreement, project={"production_number": "NLP-2027-009"})
    before, after = ConsentToken.objects.get(grant=grant), ConsentToken.objects.get(grant=later)
    assert before.status_list.uri == f"{BASE}/statuslists/{before.status_list.public_id}"
    assert after.status_list.uri == f"{NEW_BASE}/statuslists/{after.status_list.public_id}"
    assert status_ref(after.jws)["uri"] == after.status_list.uri


def test_staff_see_a_lists_address_in_the_admin(staff, grant):
    status_list = ConsentToken.objects.get(grant=grant).status_list
    admin = Client()
    admin.force_login(staff.user)
    page = admin.get(reverse("admin:tokens_statuslist_change", args=[status_list.pk])).content.decode()
    assert status_list.uri in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_lists_the_address_in_force():
    executor = MigrationExecutor(connection)
    executor.migrate([("tokens", "0001_initial")])
    old_apps = executor.loader.project_state([("tokens", "0001_initial")]).apps
    public_id = old_apps.get_model("tokens", "StatusList").objects.create(public_id="sl_before_the_move").public_id
    executor = MigrationExecutor(connection)
    with override_settings(REGISTRY_BASE_URL=NEW_BASE):
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert StatusList.objects.get(public_id=public_id).uri == f"{NEW_BASE}/statuslists/{public_id}"


# --- Re-signing on demand -----------------------------------------------------------------------
def sign_in_the_past(status_list: StatusList, *, lifetimes_ago: float) -> StatusListSnapshot:
    """The list's last snapshot, signed that long ago and not changed since (no beat ran)."""
    past = dt.datetime.now(tz=dt.UTC) - dt.timedelta(seconds=settings.STATUS_LIST_LIFETIME * lifetimes_ago)
    services.status_list_refresh(status_list_id=status_list.pk, force=True, now=past)
    return status_list.snapshots.get()


@pytest.mark.parametrize("lifetimes_ago", [0.6, 1.5])
def test_a_list_past_half_its_lifetime_is_re_signed_when_served(client, studio, grant, lifetimes_ago):
    token = fetch_token(studio, grant)
    status_list = ConsentToken.objects.get(grant=grant).status_list
    old = sign_in_the_past(status_list, lifetimes_ago=lifetimes_ago)
    response = client.get(urlsplit(status_list.uri).path)
    # A verifier that fetched it now and checks within the next half lifetime finds it in force.
    later = dt.datetime.now(tz=dt.UTC).timestamp() + settings.STATUS_LIST_LIFETIME / 2
    result = verify(token, jwks(client), response.content.decode(), now=later)
    assert (result.valid, result.reasons) == (True, [])
    assert response.content.decode() != old.jwt
    assert status_list.snapshots.count() == 2


def test_a_list_within_the_first_half_of_its_lifetime_is_served_as_signed(client, grant):
    status_list = ConsentToken.objects.get(grant=grant).status_list
    current = sign_in_the_past(status_list, lifetimes_ago=0.4)
    response = client.get(urlsplit(status_list.uri).path)
    assert response.content.decode() == current.jwt
    assert status_list.snapshots.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_while_one_request_re_signs_the_others_serve_the_still_valid_list(require_postgres, client, grant):
    status_list = ConsentToken.objects.get(grant=grant).status_list
    old = sign_in_the_past(status_list, lifetimes_ago=0.6)
    with second_postgres_connection() as resigning:  # holds the row lock a re-sign takes
        resigning.execute("SELECT 1 FROM tokens_statuslist WHERE id = %s FOR UPDATE", [status_list.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting for the lock would fail the request
        try:
            during = client.get(urlsplit(status_list.uri).path)
        finally:
            resigning.rollback()
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    assert during.status_code == 200
    assert during.content.decode() == old.jwt
    assert status_list.snapshots.count() == 1
    after = client.get(urlsplit(status_list.uri).path)
    assert after.content.decode() != old.jwt
    assert status_list.snapshots.count() == 2
