"""Consent tokens end to end: issued on grant, verified by PyJWT as a studio would, status list
reflecting revocation, suspension and strikes, key rotation and compromise."""

from __future__ import annotations

import datetime as dt
import json
import time

import jwt as pyjwt
import pytest
from django.utils import timezone
from jwt import PyJWK

from registry.audit.models import AuditEvent
from registry.consent.services import grant_revoke, grant_suspend, grants_expire_due, strike_declare, strike_lift
from registry.core.vocabulary.tokens import KeyStatus
from registry.tokens import selectors, services, statuslist
from registry.tokens.models import ConsentToken, SigningKey
from registry.tokens.verifier import verify
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import grant_for
from tests.tokens.conftest import BASE, fetch_token, in_term_today, jwks

pytestmark = pytest.mark.django_db


def pyjwt_decode(token: str, keyset: dict, audience: str) -> dict:
    """Verify exactly as an outside studio would, with PyJWT and the published JWKS."""
    header = pyjwt.get_unverified_header(token)
    jwk = next(k for k in keyset["keys"] if k["kid"] == header["kid"])
    key = PyJWK(jwk).key
    return pyjwt.decode(
        token, key, algorithms=["EdDSA"], audience=audience, issuer=BASE, options={"verify_nbf": False}
    )


def status_of(client, token_claims: dict) -> int:
    """Fetch the token's status list over HTTP, verify it with PyJWT, read the 2-bit slot."""
    ref = token_claims["status"]["status_list"]
    path = ref["uri"].removeprefix(BASE)
    response = client.get(path)
    assert response["Content-Type"] == "application/statuslist+jwt"
    keyset = jwks(client)
    header = pyjwt.get_unverified_header(response.content.decode())
    assert header["typ"] == "statuslist+jwt"
    key = PyJWK(next(k for k in keyset["keys"] if k["kid"] == header["kid"])).key
    claims = pyjwt.decode(response.content, key, algorithms=["EdDSA"])
    assert claims["sub"] == ref["uri"]
    assert claims["status_list"]["bits"] == 2
    return statuslist.status_at(statuslist.decode_lst(claims["status_list"]["lst"]), ref["idx"])


def test_issued_token_follows_the_contract_and_verifies_with_pyjwt(client, studio, grant):
    token = fetch_token(studio, grant)
    header = pyjwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "kid": header["kid"], "typ": "consent+jwt"}
    claims = pyjwt_decode(token, jwks(client), audience=studio.studio.public_id)
    assert claims["iss"] == BASE
    assert claims["sub"] == grant.performer.public_id
    assert claims["aud"] == studio.studio.public_id
    assert claims["jti"] == grant.public_id
    assert claims["exp"] == int(
        dt.datetime.combine(grant.term_end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC).timestamp()
    )
    assert claims["consent"]["use"] == "replica_use"
    assert claims["consent"]["description_sha256"] == grant.description_sha256
    assert claims["consent"]["signer_role"] == "performer"
    # Added by issue 18 (the contract only gains claims): what was signed binds the price.
    assert claims["consent"]["replica_origin"] == "employment_based"
    assert claims["consent"]["compensation"] == {
        "amount": "1283.00",
        "currency": "USD",
        "unit": "day",
        "negotiated_per_use": False,
    }
    assert claims["status"]["status_list"]["uri"].startswith(f"{BASE}/statuslists/sl_")
    assert status_of(client, claims) == statuslist.VALID


def test_jwks_shape_and_kid_is_the_rfc7638_thumbprint(client, grant):
    from registry.tokens.jose import thumbprint

    response = client.get("/.well-known/jwks.json")
    assert "max-age=300" in response["Cache-Control"]
    (key,) = response.json()["keys"]
    assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert key["kid"] == thumbprint(key)


def test_thumbprint_matches_the_rfc_8037_example():
    from registry.tokens.jose import thumbprint

    # RFC 8037 appendix A.3: the thumbprint of the example Ed25519 public key.
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_private_key_is_stored_encrypted(grant):
    key = SigningKey.objects.get(status=KeyStatus.ACTIVE)
    from cryptography.hazmat.primitives import serialization

    from registry.tokens.keys import decrypt_private_key

    raw = decrypt_private_key(key.private_encrypted).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    assert raw not in bytes(key.private_encrypted)
    assert len(bytes(key.private_encrypted)) > 32


@pytest.mark.parametrize(("action", "expected"), [("revoke", statuslist.INVALID), ("suspend", statuslist.SUSPENDED)])
def test_status_list_reflects_performer_changes(
    client, studio, grant, action, expected, django_capture_on_commit_callbacks
):
    token = fetch_token(studio, grant)
    claims = pyjwt_decode(token, jwks(client), audience=studio.studio.public_id)
    with django_capture_on_commit_callbacks(execute=True):
        if action == "revoke":
            grant_revoke(grant=grant, reason="no longer", acting_user=login_of(grant.performer))
        else:
            grant_suspend(grant=grant, reason="pause", acting_user=login_of(grant.performer))
    assert status_of(client, claims) == expected


def test_strike_suspension_shows_in_the_list_and_is_lifted(
    client, studio, grant, agreement, django_capture_on_commit_callbacks
):
    claims = pyjwt_decode(fetch_token(studio, grant), jwks(client), audience=studio.studio.public_id)
    with django_capture_on_commit_callbacks(execute=True):
        strike = strike_declare(agreement=agreement, studios=[studio.studio], reason="Strike", actor=SYSTEM)
    assert status_of(client, claims) == statuslist.SUSPENDED
    with django_capture_on_commit_callbacks(execute=True):
        strike_lift(strike=strike, actor=SYSTEM)
    assert status_of(client, claims) == statuslist.VALID


def test_status_list_history_by_time(client, studio, grant, django_capture_on_commit_callbacks):
    claims = pyjwt_decode(fetch_token(studio, grant), jwks(client), audience=studio.studio.public_id)
    path = claims["status"]["status_list"]["uri"].removeprefix(BASE)
    client.get(path)  # first snapshot: valid
    before = int(time.time()) + 1
    time.sleep(1.1)
    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(grant=grant, reason="no longer", acting_user=login_of(grant.performer))
    old = client.get(f"{path}?time={before}")
    new = client.get(path)

    def decode(response) -> bytes:
        claims = pyjwt.decode(response.content, options={"verify_signature": False})
        return statuslist.decode_lst(claims["status_list"]["lst"])

    idx = claims["status"]["status_list"]["idx"]
    assert statuslist.status_at(decode(old), idx) == statuslist.VALID
    assert statuslist.status_at(decode(new), idx) == statuslist.INVALID
    assert client.get(f"{path}?time=not-a-number").status_code == 400


def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_kid(
    client, studio, performer, agreement, grant, django_capture_on_commit_callbacks
):
    old_token = fetch_token(studio, grant)
    old_kid = pyjwt.get_unverified_header(old_token)["kid"]
    new_key = services.signing_key_rotate(actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        second = grant_for(
            studio.studio,
            performer.performer,
            agreement,
            project={"production_number": "NLP-2027-005"},
            description=in_term_today(),
        )
    new_token = fetch_token(studio, second)
    assert pyjwt.get_unverified_header(new_token)["kid"] == new_key.kid != old_kid
    keyset = jwks(client)
    assert {k["kid"] for k in keyset["keys"]} == {old_kid, new_key.kid}
    pyjwt_decode(old_token, keyset, audience=studio.studio.public_id)
    pyjwt_decode(new_token, keyset, audience=studio.studio.public_id)


def test_retired_key_leaves_the_jwks_once_its_tokens_have_expired(grant):
    old_kid = SigningKey.objects.get(status=KeyStatus.ACTIVE).kid
    services.signing_key_rotate(actor=SYSTEM)
    token = ConsentToken.objects.get(grant=grant)
    assert old_kid in {k["kid"] for k in selectors.jwks()["keys"]}
    after_expiry = token.expires_at + dt.timedelta(seconds=1)
    assert old_kid not in {k["kid"] for k in selectors.jwks(now=after_expiry)["keys"]}


def test_compromise_invalidates_old_tokens_and_reissues_verifiable_ones(
    client, studio, grant, django_capture_on_commit_callbacks
):
    old_token = fetch_token(studio, grant)
    old_kid = pyjwt.get_unverified_header(old_token)["kid"]
    with django_capture_on_commit_callbacks(execute=True):
        count = services.signing_key_compromise(kid=old_kid, actor=SYSTEM)
    assert count == 1
    keyset = jwks(client)
    assert old_kid not in {k["kid"] for k in keyset["keys"]}
    with pytest.raises(StopIteration):
        pyjwt_decode(old_token, keyset, audience=studio.studio.public_id)
    assert verify(old_token, keyset, None).reasons == ["unknown_kid"]
    new_token = fetch_token(studio, grant)
    claims = pyjwt_decode(new_token, keyset, audience=studio.studio.public_id)
    assert claims["jti"] == grant.public_id
    assert status_of(client, claims) == statuslist.VALID
    old_row = ConsentToken.objects.get(jws=old_token)
    assert old_row.status == statuslist.INVALID
    assert AuditEvent.objects.filter(action="token.reissued", subject_id=grant.public_id).count() == 1


def test_slots_are_random_and_never_reused(studio, performer, agreement):
    indices = set()
    for n in range(6):
        g = grant_for(studio.studio, performer.performer, agreement, project={"production_number": f"P-{n}"})
        indices.add(ConsentToken.objects.get(grant=g).status_index)
    assert len(indices) == 6
    assert max(indices) > 100  # random over 131,072 slots, not sequential from 0


def test_online_verify_endpoint(anonymous, studio, grant, django_capture_on_commit_callbacks):
    token = fetch_token(studio, grant)
    ok = anonymous.post("/api/v1/tokens/verify", {"token": token}, format="json").json()
    assert ok["valid"] is True and ok["status"] == "valid" and ok["claims"]["jti"] == grant.public_id
    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(grant=grant, reason="no", acting_user=login_of(grant.performer))
    revoked = anonymous.post("/api/v1/tokens/verify", {"token": token}, format="json").json()
    assert (revoked["valid"], revoked["status"], revoked["reasons"]) == (False, "revoked", ["revoked"])
    garbage = anonymous.post("/api/v1/tokens/verify", {"token": "abc"}, format="json").json()
    assert (garbage["valid"], garbage["reasons"]) == (False, ["malformed"])


def test_online_verify_names_an_expired_grants_token_expired(
    anonymous, studio, grant, django_capture_on_commit_callbacks
):
    token = fetch_token(studio, grant)
    # The hourly expiry task, the day after the term's last day: the slot turns invalid (1).
    with django_capture_on_commit_callbacks(execute=True):
        expired = grants_expire_due(now=timezone.now() + dt.timedelta(days=367))
    assert expired == 1
    assert ConsentToken.objects.get(grant=grant).status == statuslist.INVALID
    result = anonymous.post("/api/v1/tokens/verify", {"token": token}, format="json").json()
    assert (result["valid"], result["status"], result["reasons"]) == (False, "expired", ["expired"])


def test_online_verify_names_a_superseded_versions_token_superseded(
    anonymous, studio, performer, agreement, grant, django_capture_on_commit_callbacks
):
    token = fetch_token(studio, grant)
    with django_capture_on_commit_callbacks(execute=True):
        newer = grant_for(
            studio.studio, performer.performer, agreement, amends_grant=grant, description=in_term_today()
        )
    old = anonymous.post("/api/v1/tokens/verify", {"token": token}, format="json").json()
    assert (old["valid"], old["status"], old["reasons"]) == (False, "superseded", ["superseded"])
    current = anonymous.post("/api/v1/tokens/verify", {"token": fetch_token(studio, newer)}, format="json").json()
    assert (current["valid"], current["status"]) == (True, "valid")


def test_offline_the_lists_invalid_reads_revoked_whatever_ended_the_grant(client, studio, grant):
    token = fetch_token(studio, grant)
    grants_expire_due(now=timezone.now() + dt.timedelta(days=367))
    status_list = client.get(ConsentToken.objects.get(grant=grant).status_list.uri.removeprefix(BASE))
    result = verify(token, jwks(client), status_list.content.decode())
    assert (result.status, result.reasons) == ("revoked", ["revoked"])


def test_token_of_a_term_not_yet_begun_is_not_yet_valid(anonymous, studio, performer, agreement):
    future = grant_for(studio.studio, performer.performer, agreement)  # term starts in 30 days
    result = anonymous.post("/api/v1/tokens/verify", {"token": fetch_token(studio, future)}, format="json").json()
    assert (result["valid"], result["status"], result["reasons"]) == (False, "not_yet_valid", ["not_yet_valid"])


def test_token_fetch_permissions_and_etag(studio, other_studio, performer, other_performer, staff, anonymous, grant):
    url = f"/api/v1/grants/{grant.public_id}/token"
    first = studio.client.get(url)
    assert first.status_code == 200
    assert studio.client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert performer.client.get(url).status_code == 200
    download = performer.client.get(url + "?download=1")
    assert download["Content-Type"] == "application/jwt"
    assert download.content.decode() == first.json()["token"]
    assert staff.client.get(url).status_code == 200
    assert other_studio.client.get(url).status_code == 404
    assert other_performer.client.get(url).status_code == 404
    assert anonymous.get(url).status_code == 401


def test_cli_verifies_from_files(tmp_path, client, studio, grant):
    import subprocess
    import sys

    token = fetch_token(studio, grant)
    claims = pyjwt.decode(token, options={"verify_signature": False})
    (tmp_path / "jwks.json").write_text(json.dumps(jwks(client)))
    (tmp_path / "list.jwt").write_text(
        client.get(claims["status"]["status_list"]["uri"].removeprefix(BASE)).content.decode()
    )
    (tmp_path / "token.jwt").write_text(token)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "registry.tokens.verifier",
            "@" + str(tmp_path / "token.jwt"),
            "--jwks",
            str(tmp_path / "jwks.json"),
            "--status-list",
            str(tmp_path / "list.jwt"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["status"] == "valid"
