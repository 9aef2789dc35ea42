"""PostgreSQL going away and coming back, on the real server and over real HTTP (Django's live
server, so connections are checked and closed between requests as under gunicorn): requests get
503 (problem details on the API, a page elsewhere), never a stack trace, and the service
recovers by itself."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import second_postgres_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _admin_connection():
    # The `postgres` database: the test database is the one being taken away.
    return second_postgres_connection(dbname="postgres", autocommit=True)


@pytest.fixture
def outage(require_postgres):
    """Callables that take the test database away (no new connections, existing ones ended) and
    bring it back; it always comes back at teardown."""
    name = connection.settings_dict["NAME"]

    def take_down() -> None:
        with _admin_connection() as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )

    def bring_back() -> None:
        with _admin_connection() as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    yield take_down, bring_back
    bring_back()
    connection.close()


def fetch(url: str, *, headers: dict | None = None, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (the live server, http)
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the live server)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_an_outage_is_a_503_everywhere_and_the_service_recovers(outage, live_server, studio, performer):
    take_down, bring_back = outage
    key = {"Authorization": f"Bearer {studio.secret}"}
    browser = Client()
    browser.force_login(performer.user)
    cookie = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    check = {
        "performer": performer.performer.public_id,
        "use": "replica_use",
        "project": {"kind": "picture", "title": "The Long Night", "production_number": "NLP-1"},
        "media": ["streaming"],
        "territory": ["US"],
    }
    assert fetch(f"{live_server.url}/api/v1/grants/", headers=key)[0] == 200
    assert fetch(f"{live_server.url}/portal/", headers=cookie)[0] == 200

    take_down()
    status, headers, body = fetch(f"{live_server.url}/api/v1/grants/", headers=key)
    assert (status, headers["Content-Type"], headers["Retry-After"]) == (503, "application/problem+json", "5")
    assert json.loads(body)["type"].endswith("/problems/service-unavailable")
    assert fetch(f"{live_server.url}/api/v1/consent-checks/", headers=key, body=check)[0] == 503
    status, headers, body = fetch(f"{live_server.url}/portal/", headers=cookie)
    assert (status, headers["Retry-After"]) == (503, "5")
    assert b"Temporarily unavailable" in body
    assert b"Traceback" not in body and b"OperationalError" not in body
    assert fetch(f"{live_server.url}/readyz")[0] == 503

    bring_back()
    # No restart: the next requests reconnect by themselves.
    assert fetch(f"{live_server.url}/api/v1/grants/", headers=key)[0] == 200
    assert fetch(f"{live_server.url}/api/v1/consent-checks/", headers=key, body=check)[0] == 200
    assert fetch(f"{live_server.url}/portal/", headers=cookie)[0] == 200
