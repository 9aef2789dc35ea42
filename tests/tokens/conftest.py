"""What the token tests share: a grant in its term, and fetching its token and the keys over HTTP."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.consent.factories import grant_for

BASE = "http://127.0.0.1:8000"
ROOT = Path(__file__).resolve().parents[2]


def jwks(client) -> dict:
    return client.get("/.well-known/jwks.json").json()


def in_term_today() -> dict:
    today = dt.date.today()
    return {"term_start": today.isoformat(), "term_end": (today + dt.timedelta(days=365)).isoformat()}


@pytest.fixture
def grant(studio, performer, agreement, django_capture_on_commit_callbacks):
    """A grant whose term has begun, so its token is valid now."""
    with django_capture_on_commit_callbacks(execute=True):
        return grant_for(studio.studio, performer.performer, agreement, description=in_term_today())


def fetch_token(caller, grant) -> str:
    response = caller.client.get(f"/api/v1/grants/{grant.public_id}/token")
    assert response.status_code == 200, response.content
    return response.json()["token"]
