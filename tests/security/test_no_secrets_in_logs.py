"""No secret, token or API key reaches a log line, through a whole flow with its error paths.

Every logger is captured at DEBUG (handlers attached directly, whatever `propagate` says), and
each record is formatted in full (message, arguments, traceback) before searching it.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings

from registry.parties.models import ApiKey
from registry.parties.services import api_key_issue
from registry.tokens.keys import decrypt_private_key
from registry.tokens.services import active_signing_key
from tests.conftest import SYSTEM
from tests.consent.factories import request_body

pytestmark = pytest.mark.django_db

ATTESTATION = "I have read the description and I consent to this use."


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        self.lines.append(f"{text} {record.args!r} {getattr(record, 'request', '')!r}")


@pytest.fixture
def captured_logs() -> Iterator[Everything]:
    handler = Everything()
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict) if isinstance(name, str)
    ]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for lg, level in saved:
            lg.removeHandler(handler)
            lg.setLevel(level)


def test_a_full_flow_logs_no_secret(studio, performer, agreement, anonymous, captured_logs):
    secrets = {"API key": studio.secret, "SECRET_KEY": settings.SECRET_KEY}
    # A request, its acceptance, the token, checks, a revocation and usage; then the error paths.
    created = studio.client.post(
        "/api/v1/consent-requests/", request_body(performer.performer, agreement), format="json"
    )
    request_id = created.json()["id"]
    seen = performer.client.get(f"/api/v1/consent-requests/{request_id}").json()
    accepted = performer.client.post(
        f"/api/v1/consent-requests/{request_id}/accept",
        {
            "description_sha256": seen["description"]["sha256"],
            "signer_name": "Maya Okafor",
            "attestation_text": ATTESTATION,
            "confirm": True,
        },
        format="json",
    )
    grant_id = accepted.json()["grant"]
    token = studio.client.get(f"/api/v1/grants/{grant_id}/token").json()["token"]
    secrets["consent token"] = token
    secrets["token signature"] = token.rsplit(".", 1)[1]
    private = decrypt_private_key(bytes(active_signing_key().private_encrypted))
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    secrets["signing key (hex)"] = raw.hex()
    secrets["signing key (base64url)"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    studio.client.post(
        "/api/v1/consent-checks/",
        {
            "performer": performer.performer.public_id,
            "use": "replica_use",
            "project": request_body(performer.performer, agreement)["project"],
            "on": (dt.date.today() + dt.timedelta(days=40)).isoformat(),
            "record": True,
        },
        format="json",
    )
    anonymous.post("/api/v1/tokens/verify", {"token": token}, format="json")
    anonymous.post("/api/v1/tokens/verify", {"token": token[:-4] + "AAAA"}, format="json")
    performer.client.post(f"/api/v1/grants/{grant_id}/revoke", {"reason": "Changed my mind."}, format="json")

    # Wrong and revoked keys: refused, and the secret they carried is not logged either.
    wrong = studio.secret[:-6] + "zzzzzz"
    secrets["a wrong key"] = wrong
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {wrong}")
    assert anonymous.get("/api/v1/me").status_code == 401
    revoked_key, revoked_secret = api_key_issue(studio=studio.studio, name="old", scopes=None, actor=SYSTEM)
    secrets["a revoked key"] = revoked_secret
    ApiKey.objects.filter(pk=revoked_key.pk).update(revoked_at=dt.datetime.now(dt.UTC))
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {revoked_secret}")
    assert anonymous.get("/api/v1/me").status_code == 401

    assert captured_logs.lines, "the flow should have logged something (401s, at least)"
    leaks = [(name, line) for name, value in secrets.items() for line in captured_logs.lines if value in line]
    assert leaks == []
