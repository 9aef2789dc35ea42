"""The offline verifier: each rejection has its own reason. Pure: no database, no Django."""

from __future__ import annotations

import time

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.tokens import jose, statuslist
from registry.tokens.verifier import KeySet, verify, verify_status_list

NOW = 1_800_000_000
URI = "https://registry.example/statuslists/sl_test"


@pytest.fixture(scope="module")
def signing():
    key = Ed25519PrivateKey.generate()
    jwk = jose.public_jwk(key.public_key())
    kid = jose.thumbprint(jwk)
    return key, kid, {"keys": [{**jwk, "kid": kid, "alg": "EdDSA", "use": "sig"}]}


def claims(idx: int = 5, **overrides) -> dict:
    base = {
        "iss": "https://registry.example",
        "sub": "prf_x",
        "aud": "std_y",
        "jti": "cgr_z",
        "iat": NOW - 100,
        "nbf": NOW - 100,
        "exp": NOW + 3600,
        "consent": {"use": "replica_use"},
        "status": {"status_list": {"idx": idx, "uri": URI}},
    }
    base.update(overrides)
    return base


def sign(signing, payload: dict, *, alg: str = "EdDSA", typ: str = "consent+jwt", kid: str | None = None) -> str:
    key, default_kid, _ = signing
    return jose.sign_compact({"alg": alg, "kid": kid or default_kid, "typ": typ}, payload, key)


def status_list(signing, statuses: list[tuple[int, int]], **overrides) -> str:
    payload = {
        "sub": URI,
        "iat": NOW - 10,
        "exp": NOW + 3600,
        "ttl": 300,
        "status_list": {"bits": 2, "lst": statuslist.encode_lst(statuslist.pack(64, statuses))},
    }
    payload.update(overrides)
    return sign(signing, payload, typ="statuslist+jwt")


def test_a_valid_token(signing):
    _, _, jwks = signing
    result = verify(sign(signing, claims()), jwks, status_list(signing, []), now=NOW)
    assert (result.valid, result.status, result.reasons) == (True, "valid", [])
    assert result.claims["jti"] == "cgr_z"


@pytest.mark.parametrize("alg", ["EdDSA", "Ed25519"])
def test_both_algorithm_names_are_accepted(signing, alg):
    _, _, jwks = signing
    assert verify(sign(signing, claims(), alg=alg), jwks, status_list(signing, []), now=NOW).valid is True


def test_alg_none_is_rejected(signing):
    _, kid, jwks = signing
    token = pyjwt.encode(claims(), key=None, algorithm="none", headers={"kid": kid, "typ": "consent+jwt"})
    result = verify(token, jwks, status_list(signing, []), now=NOW)
    assert (result.valid, result.reasons) == (False, ["alg_not_allowed:none"])


def test_hmac_with_the_public_key_as_secret_is_rejected(signing):
    _, kid, jwks = signing
    secret = jose.b64url_decode(jwks["keys"][0]["x"])
    token = pyjwt.encode(claims(), secret, algorithm="HS256", headers={"kid": kid, "typ": "consent+jwt"})
    assert verify(token, jwks, status_list(signing, []), now=NOW).reasons == ["alg_not_allowed:HS256"]


def test_unknown_kid_is_rejected(signing):
    _, _, jwks = signing
    token = sign(signing, claims(), kid="some-other-kid")
    assert verify(token, jwks, status_list(signing, []), now=NOW).reasons == ["unknown_kid"]


def test_wrong_typ_is_rejected(signing):
    _, _, jwks = signing
    token = sign(signing, claims(), typ="JWT")
    assert verify(token, jwks, status_list(signing, []), now=NOW).reasons == ["wrong_typ"]


def test_a_status_list_is_not_accepted_as_a_consent_token(signing):
    _, _, jwks = signing
    assert verify(status_list(signing, []), jwks, None, now=NOW).reasons == ["wrong_typ"]


def test_expired_token_is_rejected(signing):
    _, _, jwks = signing
    result = verify(sign(signing, claims(exp=NOW - 3600)), jwks, status_list(signing, []), now=NOW)
    assert (result.valid, result.status, result.reasons) == (False, "expired", ["expired"])


def test_tampered_payload_is_rejected(signing):
    _, _, jwks = signing
    header, _payload, signature = sign(signing, claims()).split(".")
    forged = jose.b64url_encode(jose._json(claims(aud="std_attacker")))
    result = verify(f"{header}.{forged}.{signature}", jwks, status_list(signing, []), now=NOW)
    assert (result.valid, result.reasons, result.claims) == (False, ["bad_signature"], {})


@pytest.mark.parametrize(("code", "reason"), [(statuslist.INVALID, "revoked"), (statuslist.SUSPENDED, "suspended")])
def test_revoked_and_suspended_status_are_rejected(signing, code, reason):
    _, _, jwks = signing
    result = verify(sign(signing, claims(idx=5)), jwks, status_list(signing, [(5, code)]), now=NOW)
    assert (result.valid, result.status, result.reasons) == (False, reason, [reason])


def test_other_slots_do_not_affect_a_token(signing):
    _, _, jwks = signing
    lst = status_list(signing, [(4, statuslist.INVALID), (6, statuslist.SUSPENDED)])
    assert verify(sign(signing, claims(idx=5)), jwks, lst, now=NOW).valid is True


def test_expired_status_list_is_rejected(signing):
    _, _, jwks = signing
    lst = status_list(signing, [], exp=NOW - 3600)
    assert verify(sign(signing, claims()), jwks, lst, now=NOW).reasons == ["status_list_expired"]


def test_status_list_for_another_uri_is_rejected(signing):
    _, _, jwks = signing
    lst = status_list(signing, [], sub="https://elsewhere.example/list")
    assert verify(sign(signing, claims()), jwks, lst, now=NOW).reasons == ["status_list_mismatch"]


def test_status_list_signed_by_an_unknown_key_is_rejected(signing):
    _, _, jwks = signing
    other = Ed25519PrivateKey.generate()
    forged = jose.sign_compact(
        {"alg": "EdDSA", "kid": signing[1], "typ": "statuslist+jwt"},
        {
            "sub": URI,
            "iat": NOW,
            "exp": NOW + 60,
            "ttl": 60,
            "status_list": {"bits": 2, "lst": statuslist.encode_lst(bytes(16))},
        },
        other,
    )
    data, reasons = verify_status_list(forged, KeySet({"keys": []}), now=NOW)
    assert data is None and reasons == ["status_list_unknown_kid"]
    assert verify(sign(signing, claims()), jwks, forged, now=NOW).reasons == ["status_list_bad_signature"]


def test_missing_status_list_is_reported_not_assumed_valid(signing):
    _, _, jwks = signing
    result = verify(sign(signing, claims()), jwks, None, now=NOW)
    assert (result.valid, result.reasons) == (False, ["status_not_checked"])


@pytest.mark.parametrize("garbage", ["", "a.b", "a.b.c.d", "!!!.###.$$$", "eyJhbGciOiJFZERTQSJ9.e30"])
def test_malformed_input_is_rejected(signing, garbage):
    _, _, jwks = signing
    assert verify(garbage, jwks, None, now=NOW).reasons == ["malformed"]


def test_status_bits_are_lsb_first_as_the_ietf_draft_example():
    # draft-ietf-oauth-status-list, 2-bit example: statuses [1,2,0,3,0,1,0,1,1,2,3,3] -> bytes C9 44 F9.
    statuses = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
    assert statuslist.pack(12, enumerate(statuses)) == bytes([0xC9, 0x44, 0xF9])


def test_real_time_defaults_to_now(signing):
    _, _, jwks = signing
    payload = claims(iat=int(time.time()), nbf=int(time.time()), exp=int(time.time()) + 60)
    assert verify(sign(signing, payload), jwks, status_list(signing, [], exp=int(time.time()) + 60)).valid is True


def test_the_verifier_imports_no_django():
    import subprocess
    import sys

    code = (
        "import sys; import registry.tokens.verifier; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework', 'celery')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
