"""Our SD-JWT presentations verified by an implementation no one here wrote: the OpenWallet
Foundation's TypeScript `@sd-jwt/sd-jwt-vc`, run under Node (tests/tokens/interop, installed by
`npm ci` in .ci/run). A presentation disclosing only use and project verifies with it and with
ours; a changed disclosure, a dropped KB-JWT and a revoked status fail in both."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from registry.consent import services as consent_services
from registry.consent.verification import verify_presentation_online
from registry.tokens import jose, keys, sdjwt
from tests.conftest import login_of, service_missing
from tests.tokens.conftest import BASE, ROOT, jwks

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

INTEROP = ROOT / "tests" / "tokens" / "interop"
AUD = "https://festival.example"
NONCE = "n-0S6_WzA2Mj"


@pytest.fixture(scope="module")
def node() -> str:
    node = shutil.which("node")
    if node is None:
        service_missing("Node.js (`node` on PATH)")
    if not (INTEROP / "node_modules" / "@sd-jwt" / "sd-jwt-vc").is_dir():
        service_missing("@sd-jwt/sd-jwt-vc (run `npm ci` in tests/tokens/interop)")
    return node


def owf_verify(node: str, client, cases: dict[str, str]) -> dict:
    """Each presentation verified by the OWF library, with our JWKS and the status lists they name."""
    lists = {}
    for presentation in cases.values():
        uri = jose.parse_compact(presentation.split("~")[0])[1]["status"]["status_list"]["uri"]
        lists[uri] = client.get(uri.removeprefix(BASE)).content.decode()
    document = {
        "jwks": jwks(client),
        "status_lists": lists,
        "cases": [{"name": n, "presentation": p, "audience": AUD, "nonce": NONCE} for n, p in cases.items()],
    }
    done = subprocess.run(
        [node, "verify.mjs"], cwd=INTEROP, input=json.dumps(document), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _issued(studio, grant, holder, alg: str) -> str:
    jwk = jose.public_jwk(holder.public_key())
    key_id = studio.client.post("/api/v1/holder-keys/", {"jwk": jwk}, format="json").json()["id"]
    response = studio.client.post(
        f"/api/v1/grants/{grant.public_id}/sd-jwt", {"holder_key": key_id, "alg": alg}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["sd_jwt"]


def _changed_disclosure(presentation: str) -> str:
    parsed = sdjwt.split(presentation)
    salt, name, _ = json.loads(jose.b64url_decode(parsed.disclosures[0]))
    forged = jose.b64url_encode(json.dumps([salt, name, "training"]).encode())
    return sdjwt.Parsed(parsed.jwt, (forged, *parsed.disclosures[1:]), None).without_kb + parsed.kb_jwt


@pytest.mark.parametrize(("issuer_alg", "holder_alg"), [("EdDSA", "EdDSA"), ("ES256", "ES256"), ("ES256", "EdDSA")])
def test_the_owf_verifier_and_ours_agree(
    node, client, studio, performer, grant, issuer_alg, holder_alg, django_capture_on_commit_callbacks
):
    holder = keys.new_private_key(holder_alg)
    genuine = sdjwt.present(
        _issued(studio, grant, holder, issuer_alg),
        ["consent.use", "consent.project"],
        holder_key=holder,
        audience=AUD,
        nonce=NONCE,
    )
    cases = {
        "genuine": genuine,
        "changed_disclosure": _changed_disclosure(genuine),
        "dropped_kb": sdjwt.split(genuine).without_kb,
    }

    theirs = owf_verify(node, client, cases)
    ours = {name: verify_presentation_online(p, audience=AUD, nonce=NONCE) for name, p in cases.items()}

    assert theirs["genuine"]["valid"] is True, theirs["genuine"]
    assert set(theirs["genuine"]["claims"]["consent"]) == {"use", "project"}
    assert theirs["genuine"]["claims"]["consent"]["use"] == grant.use
    assert ours["genuine"].valid is True
    assert theirs["changed_disclosure"]["valid"] is False
    assert ours["changed_disclosure"].reasons == ["disclosure_not_referenced"]
    assert theirs["dropped_kb"] == {"valid": False, "error": "Key Binding JWT not exist"}
    assert ours["dropped_kb"].reasons == ["key_binding_missing"]

    with django_capture_on_commit_callbacks(execute=True):  # the list is re-signed after the commit
        consent_services.grant_revoke(grant=grant, reason="withdrawn", acting_user=login_of(performer.performer))

    assert owf_verify(node, client, {"revoked": genuine})["revoked"] == {
        "valid": False,
        "error": "Status is not valid",
    }
    after = verify_presentation_online(genuine, audience=AUD, nonce=NONCE)
    assert (after.valid, after.status) == (False, "revoked")
