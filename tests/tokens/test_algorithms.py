"""RFC 9864 renamed the JOSE algorithm `EdDSA` (for Ed25519 keys) to `Ed25519`. The registry
issues `EdDSA`, which independent libraries verify, and accepts both names wherever it verifies:
its offline verifier, the verifier's command line, the online endpoint and the example client."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import warnings

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import OKPAlgorithm

from registry.core.vocabulary.tokens import KeyStatus
from registry.tokens import keys
from registry.tokens.jose import ED25519_ALGS, ISSUED_ALG, parse_compact
from registry.tokens.models import ConsentToken, SigningKey
from registry.tokens.verifier import verify
from tests.tokens.conftest import BASE, ROOT, fetch_token, jwks

pytestmark = pytest.mark.django_db

EXAMPLE_CLIENT = ROOT / "docs" / "examples" / "studio_client.py"


def resign(token: str, alg: str) -> str:
    """The registry's token, signed again with the registry's key by PyJWT (an independent
    implementation) under the algorithm name `alg`. PyJWT 2.x knows only `EdDSA`: it learns the
    RFC 9864 name here, for the same Ed25519 signature."""
    header, claims, _, _ = parse_compact(token)
    key = SigningKey.objects.get(kid=header["kid"], status=KeyStatus.ACTIVE)
    signer = pyjwt.PyJWS()
    signer.register_algorithm("Ed25519", OKPAlgorithm())
    return signer.encode(
        json.dumps(claims).encode(),
        keys.decrypt_private_key(key.private_encrypted),
        algorithm=alg,
        headers={"kid": header["kid"], "typ": header["typ"]},
    )


def status_list_of(client, token: str) -> str:
    uri = parse_compact(token)[1]["status"]["status_list"]["uri"]
    return client.get(uri.removeprefix(BASE)).content.decode()


def test_the_registry_issues_the_name_the_contract_pins(client, studio, grant):
    token = fetch_token(studio, grant)
    assert ISSUED_ALG == "EdDSA"
    assert parse_compact(token)[0]["alg"] == "EdDSA"
    assert parse_compact(status_list_of(client, token))[0]["alg"] == "EdDSA"
    assert {key["alg"] for key in jwks(client)["keys"]} == {"EdDSA"}


@pytest.mark.parametrize("alg", sorted(ED25519_ALGS))
def test_the_verify_endpoint_accepts_both_names(anonymous, studio, grant, alg):
    token = resign(fetch_token(studio, grant), alg)
    assert pyjwt.get_unverified_header(token)["alg"] == alg
    result = anonymous.post("/api/v1/tokens/verify", {"token": token}, format="json").json()
    assert (result["valid"], result["status"], result["reasons"]) == (True, "valid", [])


@pytest.mark.parametrize("alg", sorted(ED25519_ALGS))
def test_the_verifier_command_accepts_both_names(tmp_path, client, studio, grant, alg):
    token = resign(fetch_token(studio, grant), alg)
    (tmp_path / "jwks.json").write_text(json.dumps(jwks(client)))
    (tmp_path / "list.jwt").write_text(status_list_of(client, token))
    (tmp_path / "token.jwt").write_text(token)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "registry.tokens.verifier",
            f"@{tmp_path / 'token.jwt'}",
            "--jwks",
            str(tmp_path / "jwks.json"),
            "--status-list",
            str(tmp_path / "list.jwt"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["status"] == "valid"


@pytest.mark.parametrize("alg", sorted(ED25519_ALGS))
def test_the_example_client_accepts_both_names(client, studio, grant, alg):
    spec = importlib.util.spec_from_file_location("studio_client", EXAMPLE_CLIENT)
    studio_client = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(studio_client)
    token = resign(fetch_token(studio, grant), alg)
    assert studio_client.verify_jws(token, jwks(client), "consent+jwt")["jti"] == grant.public_id
    with pytest.raises(ValueError, match="unexpected header"):
        studio_client.verify_jws(resign_with_hmac(token), jwks(client), "consent+jwt")


def resign_with_hmac(token: str) -> str:
    header, claims, _, _ = parse_compact(token)
    secret = "a shared secret, which no key of the registry is"
    return pyjwt.encode(claims, secret, algorithm="HS256", headers={"kid": header["kid"]})


def test_joserfc_verifies_what_the_registry_issues_and_it_verifies_joserfcs_ed25519(client, studio, grant):
    pytest.importorskip("joserfc", reason="joserfc is not installed (add it to requirements-dev.txt)")
    from joserfc import jws
    from joserfc import jwt as joserfc_jwt
    from joserfc.errors import SecurityWarning
    from joserfc.jwk import KeySet, OKPKey

    token = fetch_token(studio, grant)
    keyset = KeySet.import_key_set(jwks(client))
    with warnings.catch_warnings():
        # joserfc accepts `EdDSA` when asked to, with a SecurityWarning about RFC 9864.
        warnings.simplefilter("ignore", SecurityWarning)
        issued = joserfc_jwt.decode(token, keyset, algorithms=["EdDSA"])
        status_list = joserfc_jwt.decode(status_list_of(client, token), keyset, algorithms=["EdDSA"])
    assert issued.header["typ"] == "consent+jwt"
    joserfc_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": BASE}, aud={"essential": True, "value": studio.studio.public_id}
    ).validate(issued.claims)
    assert status_list.claims["sub"] == issued.claims["status"]["status_list"]["uri"]

    # The other way: joserfc signs under the RFC 9864 name, with the registry's key.
    key = SigningKey.objects.get(status=KeyStatus.ACTIVE)
    pem = keys.decrypt_private_key(key.private_encrypted).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    renamed = jws.serialize_compact(
        {"alg": "Ed25519", "kid": key.kid, "typ": "consent+jwt"},
        json.dumps(issued.claims).encode(),
        OKPKey.import_key(pem),
        algorithms=["Ed25519"],
    )
    result = verify(renamed, jwks(client), status_list_of(client, token))
    assert (result.valid, result.reasons) == (True, [])
    assert ConsentToken.objects.get(grant=grant).jws == token  # the registry's own token is unchanged
