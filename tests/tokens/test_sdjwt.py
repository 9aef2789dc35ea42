"""The SD-JWT library (registry/tokens/sdjwt.py) on its own, without Django: RFC 9901's own
examples, and our issue, present and verify with Ed25519 and with ES256 keys on both sides."""

from __future__ import annotations

import json

import pytest

from registry.tokens import jose, keys, sdjwt, statuslist
from registry.tokens.jose import b64url_decode, b64url_encode
from tests.tokens import rfc9901_examples as rfc

NOW = 1_800_000_000
AUD = "https://verifier.example"
NONCE = "n-0S6_WzA2Mj"
SLOT = 7


class OneKey:
    """A key set of one key, found whatever the kid (RFC 9901's examples carry none)."""

    def __init__(self, jwk: dict) -> None:
        self.key = jose.public_key_from_jwk(jwk)

    def get(self, kid):
        return self.key


def _jwks(private_key, kid: str) -> dict:
    return {"keys": [{**jose.public_jwk(private_key.public_key()), "kid": kid, "use": "sig"}]}


def _claims(holder_key) -> dict:
    return {
        "iss": "https://registry.example",
        "iat": NOW - 100,
        "nbf": NOW - 100,
        "exp": NOW + 86_400,
        "vct": sdjwt.VCT,
        "jti": "gr_example",
        "cnf": {"jwk": jose.public_jwk(holder_key.public_key())},
        "status": {"status_list": {"idx": SLOT, "uri": "https://registry.example/statuslists/sl_1"}},
        "consent": {
            "use": "voice_replica",
            "project": {"kind": "picture", "title": "The Long Night"},
            "compensation": {"amount": "3738.00", "currency": "USD", "unit": "flat"},
            "performer": "prf_maya",
            "studio": "std_northlight",
        },
    }


DISCLOSABLE = ["jti", "consent.use", "consent.project", "consent.compensation", "consent.performer", "consent.studio"]
VALID = statuslist.pack(16, [])
REVOKED = statuslist.pack(16, [(SLOT, statuslist.INVALID)])


@pytest.fixture(params=[jose.ISSUED_ALG, jose.ES256], ids=["issuer-EdDSA", "issuer-ES256"])
def issuer(request):
    return keys.new_private_key(request.param)


@pytest.fixture(params=[jose.ISSUED_ALG, jose.ES256], ids=["holder-EdDSA", "holder-ES256"])
def holder(request):
    return keys.new_private_key(request.param)


def _issued(issuer, holder) -> str:
    return sdjwt.issue(_claims(holder), DISCLOSABLE, issuer, kid="issuer-1")


def _present(sd_jwt: str, holder, disclose=("consent.use", "consent.project")) -> str:
    return sdjwt.present(sd_jwt, disclose, holder_key=holder, audience=AUD, nonce=NONCE, issued_at=NOW - 5)


def _verify(presentation: str, issuer, status=VALID, **options) -> sdjwt.Result:
    options.setdefault("audience", AUD)
    options.setdefault("nonce", NONCE)
    return sdjwt.verify_presentation(presentation, _jwks(issuer, "issuer-1"), now=NOW, status_bytes=status, **options)


# --- RFC 9901's examples ----------------------------------------------------------------------
def test_the_rfc_sd_jwt_vc_presentation_with_key_binding_verifies():
    result = sdjwt.verify_presentation(
        rfc.A3_PRESENTATION, OneKey(rfc.ISSUER_JWK), audience=rfc.AUDIENCE, nonce=rfc.NONCE, now=rfc.NOW
    )

    # Signature, disclosures and key binding hold; the example has no status slot, which our
    # credentials always carry, so that alone is reported.
    assert result.reasons == ["missing_status"]
    assert result.holder == jose.thumbprint(rfc.HOLDER_JWK)
    assert result.key_binding == {"aud": rfc.AUDIENCE, "nonce": rfc.NONCE, "iat": 1748454271}
    assert result.claims["vct"] == "urn:eudi:pid:de:1"
    assert result.claims["age_equal_or_over"] == {"18": True}
    assert result.claims["nationalities"] == ["DE"]
    assert sorted(result.disclosed) == ["age_equal_or_over", "age_equal_or_over.18", "nationalities"]
    assert "given_name" not in result.claims and "_sd" not in json.dumps(result.claims)


def test_the_rfc_w3c_presentation_discloses_nested_claims():
    result = sdjwt.verify_presentation(
        rfc.A4_PRESENTATION,
        OneKey(rfc.ISSUER_JWK),
        audience=rfc.AUDIENCE,
        nonce=rfc.NONCE,
        now=rfc.NOW,
        expected_typ="example+sd-jwt",
    )

    assert result.reasons == ["missing_exp", "missing_status"]
    assert result.claims["credentialSubject"]["vaccine"] == {
        "type": "Vaccine",
        "atcCode": "J07BX03",
        "medicinalProductName": "COVID-19 Vaccine Moderna",
    }
    assert result.claims["credentialSubject"]["order"] == "3/3"


def test_the_rfc_issued_sd_jwt_discloses_every_claim_and_its_array_elements():
    result = sdjwt.verify_presentation(
        rfc.SECTION_5_1,
        OneKey(rfc.ISSUER_JWK),
        audience=None,
        nonce=None,
        now=rfc.NOW,
        expected_typ="example+sd-jwt",
        require_key_binding=False,
    )

    assert result.reasons == ["missing_status"]
    assert result.claims["nationalities"] == ["US", "DE"]
    assert result.claims["address"]["locality"] == "Anytown"
    assert len(result.disclosed) == 10


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("nonce", "key_binding_wrong_nonce"),
        ("aud", "key_binding_wrong_audience"),
        ("drop_kb", "key_binding_missing"),
        ("drop_disclosure", "key_binding_sd_hash_mismatch"),
    ],
)
def test_the_rfc_presentation_changed_fails(change, reason):
    presentation, audience, nonce = rfc.A3_PRESENTATION, rfc.AUDIENCE, rfc.NONCE
    parsed = sdjwt.split(presentation)
    if change == "nonce":
        nonce = "another"
    elif change == "aud":
        audience = "https://other.example"
    elif change == "drop_kb":
        presentation = parsed.without_kb
    else:
        presentation = sdjwt.Parsed(parsed.jwt, parsed.disclosures[:-1], None).without_kb + parsed.kb_jwt

    result = sdjwt.verify_presentation(
        presentation, OneKey(rfc.ISSUER_JWK), audience=audience, nonce=nonce, now=rfc.NOW
    )

    assert result.valid is False
    assert reason in result.reasons


def test_a_disclosure_of_the_rfc_example_changed_by_one_character_is_refused():
    parsed = sdjwt.split(rfc.SECTION_5_1)
    content = json.loads(b64url_decode(parsed.disclosures[1]))  # ["…", "family_name", "Doe"]
    forged = b64url_encode(json.dumps([content[0], content[1], "Doe!"]).encode())
    tampered = sdjwt.Parsed(parsed.jwt, (parsed.disclosures[0], forged), None).without_kb

    result = sdjwt.verify_presentation(
        tampered, OneKey(rfc.ISSUER_JWK), audience=None, nonce=None, now=rfc.NOW, expected_typ="example+sd-jwt"
    )

    assert result.status == "invalid"
    assert result.reasons == ["disclosure_not_referenced"]


# --- Ours, with each algorithm on each side ---------------------------------------------------
def test_a_presentation_discloses_only_what_the_holder_chose(issuer, holder):
    result = _verify(_present(_issued(issuer, holder), holder), issuer)

    assert result.valid is True, result.reasons
    assert result.status == "valid"
    project = {"kind": "picture", "title": "The Long Night"}
    assert result.claims["consent"] == {"use": "voice_replica", "project": project}
    assert "jti" not in result.claims
    assert sorted(result.disclosed) == ["consent.project", "consent.use"]
    assert result.holder == jose.thumbprint(jose.public_jwk(holder.public_key()))
    assert result.claims["status"]["status_list"]["idx"] == SLOT


def test_the_issuer_header_names_its_algorithm_and_typ(issuer, holder):
    header, payload, _, _ = jose.parse_compact(sdjwt.split(_issued(issuer, holder)).jwt)

    assert header == {"alg": jose.alg_of(issuer), "kid": "issuer-1", "typ": "dc+sd-jwt"}
    assert payload["_sd_alg"] == "sha-256"
    assert set(payload) == {"iss", "iat", "nbf", "exp", "vct", "cnf", "status", "consent", "_sd", "_sd_alg"}
    assert set(payload["consent"]) == {"_sd"}


def test_a_changed_disclosure_fails(issuer, holder):
    parsed = sdjwt.split(_present(_issued(issuer, holder), holder))
    salt, name, _ = json.loads(b64url_decode(parsed.disclosures[0]))
    forged = b64url_encode(json.dumps([salt, name, "training"]).encode())
    unbound = sdjwt.Parsed(parsed.jwt, (forged, *parsed.disclosures[1:]), None).without_kb

    result = _verify(unbound + parsed.kb_jwt, issuer)

    assert result.valid is False
    assert result.reasons == ["disclosure_not_referenced"]


def test_a_dropped_key_binding_fails(issuer, holder):
    result = _verify(sdjwt.split(_present(_issued(issuer, holder), holder)).without_kb, issuer)

    assert result.valid is False
    assert result.reasons == ["key_binding_missing"]


def test_a_revoked_status_fails(issuer, holder):
    result = _verify(_present(_issued(issuer, holder), holder), issuer, status=REVOKED)

    assert result.valid is False
    assert result.status == "revoked"
    assert result.reasons == ["revoked"]


def test_key_binding_is_for_one_verifier_and_one_nonce(issuer, holder):
    presentation = _present(_issued(issuer, holder), holder)

    assert _verify(presentation, issuer, audience="https://other.example").reasons == ["key_binding_wrong_audience"]
    assert _verify(presentation, issuer, nonce="replayed").reasons == ["key_binding_wrong_nonce"]


def test_a_key_binding_signed_by_another_key_fails(issuer, holder):
    thief = keys.new_private_key(jose.alg_of(holder))

    result = _verify(_present(_issued(issuer, holder), thief), issuer)

    assert result.reasons == ["key_binding_bad_signature"]


def test_an_old_key_binding_fails(issuer, holder):
    stale = sdjwt.present(
        _issued(issuer, holder), ["consent.use"], holder_key=holder, audience=AUD, nonce=NONCE, issued_at=NOW - 3600
    )

    assert _verify(stale, issuer).reasons == ["key_binding_too_old"]
    assert _verify(stale, issuer, max_kb_age=7200).valid is True


def test_a_disclosure_added_after_the_key_binding_fails(issuer, holder):
    issued = _issued(issuer, holder)
    parsed = sdjwt.split(_present(issued, holder, ["consent.use"]))
    extra = sdjwt.disclosure_paths(issued)["consent.compensation"]

    result = _verify(sdjwt.Parsed(parsed.jwt, (*parsed.disclosures, extra), None).without_kb + parsed.kb_jwt, issuer)

    assert result.reasons == ["key_binding_sd_hash_mismatch"]


def test_a_repeated_disclosure_fails(issuer, holder):
    parsed = sdjwt.split(_present(_issued(issuer, holder), holder))
    unbound = sdjwt.Parsed(parsed.jwt, (parsed.disclosures[0], parsed.disclosures[0]), None).without_kb

    assert _verify(unbound, issuer, require_key_binding=False).reasons == ["disclosure_repeated"]


def test_an_issuer_jwt_under_another_algorithm_name_fails(issuer, holder):
    parsed = sdjwt.split(_issued(issuer, holder))
    header, _, _, signature = jose.parse_compact(parsed.jwt)
    wrong = jose.ES256 if jose.alg_of(issuer) == jose.ISSUED_ALG else "EdDSA"
    new_header = b64url_encode(json.dumps({**header, "alg": wrong}).encode())
    relabelled = ".".join([new_header, parsed.jwt.split(".")[1], b64url_encode(signature)])

    result = _verify(sdjwt.Parsed(relabelled, parsed.disclosures, None).without_kb, issuer, require_key_binding=False)

    assert result.reasons == [f"alg_not_allowed:{wrong}"]


DEEP = b64url_encode(b"[" * 5000)


@pytest.mark.parametrize(
    "text",
    ["", "no tilde", "a.b.c", "~~", "x.y.z~~", "e30.e30.AA~bm90LWpzb24~", f"e30.{DEEP}.AA~", f"e30.e30.AA~{DEEP}~"],
)
def test_garbage_is_refused_without_an_exception(issuer, text):
    result = _verify(text, issuer)

    assert result.valid is False
    assert result.status == "invalid"
    assert result.reasons


def test_present_refuses_a_claim_the_sd_jwt_cannot_disclose(issuer, holder):
    with pytest.raises(ValueError, match=r"consent\.fee"):
        _present(_issued(issuer, holder), holder, ["consent.fee"])


def test_the_command_line_verifies_and_presents(tmp_path, issuer, holder, capsys):
    from cryptography.hazmat.primitives import serialization

    issued = _issued(issuer, holder)
    (tmp_path / "jwks.json").write_text(json.dumps(_jwks(issuer, "issuer-1")))
    (tmp_path / "holder.pem").write_bytes(
        holder.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (tmp_path / "sd.txt").write_text(issued)

    present = ["present", f"@{tmp_path / 'sd.txt'}", "--key", str(tmp_path / "holder.pem")]
    assert sdjwt.main([*present, "--aud", AUD, "--nonce", NONCE, "--disclose", "consent.use"]) == 0
    presentation = capsys.readouterr().out.strip()
    args = ["verify", presentation, "--jwks", str(tmp_path / "jwks.json"), "--aud", AUD, "--nonce", NONCE]
    # The KB-JWT was made now, the credential is checked as of NOW: let the KB-JWT's age pass.
    assert sdjwt.main([*args, "--now", str(NOW), "--max-kb-age", "100000000"]) == 1  # no status list given
    out = json.loads(capsys.readouterr().out)
    assert out["reasons"] == ["status_not_checked"]
    assert out["claims"]["consent"] == {"use": "voice_replica"}


@pytest.mark.parametrize("module", ["registry.tokens.sdjwt", "registry.media.verify"])
def test_the_offline_verifiers_import_no_django(module):
    import subprocess
    import sys

    from tests.tokens.conftest import ROOT

    loaded = "{m.split('.')[0] for m in sys.modules}"
    probe = f"import sys, {module}; print(sorted({loaded} & {{'django', 'rest_framework'}}))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, env={"PATH": ""}
    )

    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
