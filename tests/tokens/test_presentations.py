"""SD-JWTs issued by the registry over the API, presented by their holder, verified online, by the
offline command and after the consent changes; holder keys; presentation links."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from registry.audit.models import AuditEvent
from registry.consent import services as consent_services
from registry.core.vocabulary.tokens import KeyStatus
from registry.tokens import jose, keys, sdjwt, services
from registry.tokens.models import HolderKey, SigningKey
from tests.conftest import SYSTEM, login_of
from tests.tokens.conftest import BASE, jwks

pytestmark = pytest.mark.django_db

AUD = "https://festival.example"
NONCE = "n-0S6_WzA2Mj"


def register(caller, private_key) -> str:
    response = caller.client.post(
        "/api/v1/holder-keys/", {"jwk": jose.public_jwk(private_key.public_key()), "name": "farm"}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def issue(caller, grant, key_id: str, alg: str = "EdDSA") -> dict:
    response = caller.client.post(
        f"/api/v1/grants/{grant.public_id}/sd-jwt", {"holder_key": key_id, "alg": alg}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def verify_online(client, presentation: str, audience: str = AUD, nonce: str = NONCE) -> dict:
    response = client.post(
        "/api/v1/presentations/verify",
        {"presentation": presentation, "audience": audience, "nonce": nonce},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture(params=["EdDSA", "ES256"])
def alg(request) -> str:
    return request.param


def test_a_studio_presents_use_and_project_and_the_registry_verifies_it(anonymous, studio, grant, alg):
    holder = keys.new_private_key(alg)
    issued = issue(studio, grant, register(studio, holder), alg)

    presentation = sdjwt.present(
        issued["sd_jwt"], ["consent.use", "consent.project"], holder_key=holder, audience=AUD, nonce=NONCE
    )
    result = verify_online(anonymous, presentation)

    assert result["valid"] is True, result["reasons"]
    assert result["status"] == "valid"
    assert set(result["claims"]["consent"]) == {"use", "project"}
    assert result["claims"]["consent"]["use"] == grant.use
    assert result["holder"] == jose.thumbprint(jose.public_jwk(holder.public_key()))
    assert issued["alg"] == alg
    assert jose.parse_compact(issued["sd_jwt"].split("~")[0])[0]["alg"] == alg


def test_the_sd_jwt_shares_the_consent_tokens_status_slot_and_discloses_every_consent_claim(studio, grant):
    holder = keys.new_private_key()
    issued = issue(studio, grant, register(studio, holder))
    token = grant.tokens.get()

    payload = jose.parse_compact(issued["sd_jwt"].split("~")[0])[1]
    assert payload["status"] == {"status_list": {"idx": token.status_index, "uri": token.status_list.uri}}
    assert payload["cnf"] == {"jwk": jose.public_jwk(holder.public_key())}
    assert payload["vct"] == sdjwt.VCT
    assert {d["claim"] for d in issued["disclosures"]} == set(services.DISCLOSABLE)
    by_claim = {d["claim"]: d["disclosure"] for d in issued["disclosures"]}
    compensation = json.loads(jose.b64url_decode(by_claim["consent.compensation"]))[2]
    assert compensation == {
        "amount": str(grant.request.compensation_amount),
        "currency": grant.request.compensation_currency,
        "unit": grant.request.compensation_unit,
        "negotiated_per_use": False,
    }
    # The replica's origin is a disclosure of its own (issue 18).
    assert json.loads(jose.b64url_decode(by_claim["consent.replica_origin"]))[2] == "employment_based"
    assert AuditEvent.objects.filter(action="sd_jwt.issued", subject_id=grant.public_id).count() == 1


def test_after_the_grant_is_revoked_the_presentation_is_revoked(anonymous, studio, performer, grant):
    holder = keys.new_private_key()
    presentation = sdjwt.present(
        issue(studio, grant, register(studio, holder))["sd_jwt"],
        ["consent.use"],
        holder_key=holder,
        audience=AUD,
        nonce=NONCE,
    )
    consent_services.grant_revoke(grant=grant, reason="changed my mind", acting_user=login_of(performer.performer))

    result = verify_online(anonymous, presentation)

    assert result["valid"] is False
    assert result["status"] == "revoked"
    assert result["reasons"] == ["revoked"]


def test_tampering_fails_online(anonymous, studio, grant):
    holder = keys.new_private_key()
    presentation = sdjwt.present(
        issue(studio, grant, register(studio, holder))["sd_jwt"],
        ["consent.use"],
        holder_key=holder,
        audience=AUD,
        nonce=NONCE,
    )
    parsed = sdjwt.split(presentation)

    assert verify_online(anonymous, parsed.without_kb)["reasons"] == ["key_binding_missing"]
    assert verify_online(anonymous, presentation, nonce="another-nonce")["reasons"] == ["key_binding_wrong_nonce"]
    assert verify_online(anonymous, "not a presentation")["reasons"] == ["malformed"]


def test_the_offline_command_verifies_against_the_published_keys_and_status_list(
    tmp_path, client, studio, grant, alg, capsys
):
    holder = keys.new_private_key()
    issued = issue(studio, grant, register(studio, holder), alg)
    presentation = sdjwt.present(issued["sd_jwt"], ["consent.use"], holder_key=holder, audience=AUD, nonce=NONCE)
    uri = jose.parse_compact(issued["sd_jwt"].split("~")[0])[1]["status"]["status_list"]["uri"]
    (tmp_path / "jwks.json").write_text(json.dumps(jwks(client)))
    (tmp_path / "list.jwt").write_text(client.get(uri.removeprefix(BASE)).content.decode())

    files = ["--jwks", str(tmp_path / "jwks.json"), "--status-list", str(tmp_path / "list.jwt")]
    code = sdjwt.main(["verify", presentation, *files, "--aud", AUD, "--nonce", NONCE])

    out = json.loads(capsys.readouterr().out)
    assert (code, out["status"], out["reasons"]) == (0, "valid", [])


def test_the_jwks_publishes_an_es256_key_once_one_signed(client, studio, grant):
    issue(studio, grant, register(studio, keys.new_private_key()), "ES256")

    published = {key["alg"]: key for key in jwks(client)["keys"]}

    assert set(published) == {"EdDSA", "ES256"}
    es256 = published["ES256"]
    assert (es256["kty"], es256["crv"], es256["use"]) == ("EC", "P-256", "sig")
    assert es256["kid"] == jose.thumbprint(es256)


def test_a_retired_key_stays_published_while_its_sd_jwts_can_be_valid(client, studio, grant):
    issue(studio, grant, register(studio, keys.new_private_key()), "ES256")
    old = SigningKey.objects.get(alg="ES256", status=KeyStatus.ACTIVE)

    services.signing_key_rotate(actor=SYSTEM, alg="ES256")

    kids = {key["kid"] for key in jwks(client)["keys"]}
    assert old.kid in kids
    assert SigningKey.objects.get(pk=old.pk).signed_until == grant.tokens.get().expires_at
    assert SigningKey.objects.filter(alg="EdDSA", status=KeyStatus.ACTIVE).count() == 1


def test_a_private_jwk_is_refused_and_nothing_is_stored(studio):
    private = keys.new_private_key()
    jwk = {**jose.public_jwk(private.public_key()), "d": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U"}

    response = studio.client.post("/api/v1/holder-keys/", {"jwk": jwk}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "jwk.d"
    assert HolderKey.objects.count() == 0


@pytest.mark.parametrize(
    ("jwk", "status"),
    [
        # well-formed JWKs a rule refuses: not a point on the curve, a curve of another key type
        ({"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "A" * 43}, 422),
        ({"kty": "OKP", "crv": "P-256", "x": "A" * 43}, 422),
        # malformed ones: a key type or a length the schema refuses
        ({"kty": "RSA", "crv": "Ed25519", "x": "A" * 43}, 400),
        ({"kty": "OKP", "crv": "Ed25519", "x": "short"}, 400),
    ],
)
def test_a_key_that_is_not_ed25519_or_p256_is_refused(studio, jwk, status):
    response = studio.client.post("/api/v1/holder-keys/", {"jwk": jwk}, format="json")

    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert HolderKey.objects.count() == 0


def test_a_key_registered_twice_is_a_409(studio):
    private = keys.new_private_key()
    register(studio, private)

    response = studio.client.post(
        "/api/v1/holder-keys/", {"jwk": jose.public_jwk(private.public_key())}, format="json"
    )

    assert response.status_code == 409
    assert HolderKey.objects.count() == 1


def test_a_revoked_holder_key_gets_no_more_sd_jwts(studio, grant):
    key_id = register(studio, keys.new_private_key())
    assert studio.client.post(f"/api/v1/holder-keys/{key_id}/revoke").status_code == 200

    response = studio.client.post(f"/api/v1/grants/{grant.public_id}/sd-jwt", {"holder_key": key_id}, format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == "This holder key was revoked; register a new one."


def test_an_ended_consent_gets_no_sd_jwt(studio, performer, grant):
    key_id = register(studio, keys.new_private_key())
    consent_services.grant_revoke(grant=grant, reason="no", acting_user=login_of(performer.performer))

    response = studio.client.post(f"/api/v1/grants/{grant.public_id}/sd-jwt", {"holder_key": key_id}, format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == "This consent is revoked: no credential is issued for it."


def test_a_performer_shares_a_link_that_shows_use_and_project_and_hides_the_fee(client, performer, grant):
    response = performer.client.post(
        f"/api/v1/grants/{grant.public_id}/presentations",
        {"disclose": ["use", "project"], "audience": "Festival Intake Desk"},
        format="json",
    )
    assert response.status_code == 201, response.content
    shared = response.json()

    page = client.get(shared["url"].removeprefix(BASE))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-status="valid"' in html
    assert grant.project_title in html
    assert str(grant.request.compensation_amount) not in html
    assert "Kept hidden: Agreement, Media and platforms" in html
    assert shared["disclosed"] == ["consent.project", "consent.use"]
    assert HolderKey.objects.get(performer=performer.performer).private_encrypted is not None


def test_an_unknown_or_expired_link_is_a_404(client, performer, grant):
    shared = services.presentation_share(grant=grant, disclose=["use"], audience="Desk", actor=SYSTEM)
    type(shared).objects.filter(pk=shared.pk).update(expires_at=timezone.now())

    assert client.get(f"/proofs/{shared.public_id}").status_code == 404
    assert client.get("/proofs/prs_unknown").status_code == 404
