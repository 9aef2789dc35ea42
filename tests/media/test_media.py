"""Content credentials (C2PA): the registry signs a studio's generated file for a grant, the file
reads back valid with c2pa-python itself, and the verify endpoint and the offline verifier answer
for the consent it names; bad files are clear 4xx problems."""

from __future__ import annotations

import io
import json

import c2pa
import pytest

from registry.audit.models import AuditEvent
from registry.consent import services as consent_services
from registry.consent.models import PerformerPreferences
from registry.media import credentials
from registry.media import verify as offline
from registry.media.models import MediaCredential
from registry.tlog import selectors as log_selectors
from registry.tlog.models import LeafKind
from registry.tlog.services import log_sequence
from tests.api.conftest import assert_problem
from tests.conftest import login_of
from tests.media.samples import SAMPLES, png, wav
from tests.tokens.conftest import BASE, jwks

pytestmark = pytest.mark.django_db


def sign(studio, grant, data: bytes, **fields):
    return studio.client.post(
        "/api/v1/media/sign", {"file": io.BytesIO(data), "grant": grant.public_id, **fields}, format="multipart"
    )


def verify(client, data: bytes):
    return client.post("/api/v1/media/verify", {"file": io.BytesIO(data)}, format="multipart")


def signed(studio, grant, data: bytes, **fields) -> bytes:
    response = sign(studio, grant, data, **fields)
    assert response.status_code == 201, response.content
    return response.content


@pytest.mark.parametrize("mime", list(SAMPLES))
def test_a_signed_file_reads_back_valid_with_c2pa_python(registry_chain, studio, grant, mime):
    response = sign(studio, grant, SAMPLES[mime]())

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == mime
    reader = c2pa.Reader(mime, io.BytesIO(response.content))
    # No trust list given: c2pa-python says Valid (signed intact), not Trusted.
    assert reader.get_validation_state() == "Valid"
    manifest = reader.get_active_manifest()
    assertions = {a["label"]: a["data"] for a in manifest["assertions"]}
    consent = assertions[credentials.CONSENT_LABEL]
    token = grant.tokens.get()
    assert consent["token_id"] == grant.public_id
    assert consent["token_sha256"] == credentials.token_sha256(token.jws)
    assert consent["status"] == {"status_list": {"idx": token.status_index, "uri": token.status_list.uri}}
    # The grant's token was issued before the log sequenced anything here (no beat in tests).
    assert consent["log_leaf"] is None
    assert consent["use"] == grant.use
    # c2pa-python writes C2PA 2 claims, where the actions assertion is labelled `c2pa.actions.v2`.
    action = assertions["c2pa.actions.v2"]["actions"][0]
    assert (action["action"], action["digitalSourceType"]) == ("c2pa.created", credentials.TRAINED_ALGORITHMIC_MEDIA)
    assert assertions["cawg.training-mining"]["entries"]["cawg.ai_training"]["use"] == "constrained"
    record = MediaCredential.objects.get(public_id=response["Media-Credential"])
    assert (record.manifest_label, record.mime_type) == (manifest["label"], mime)
    assert AuditEvent.objects.filter(action="media.signed", subject_id=grant.public_id).count() == 1


def test_do_not_train_is_carried_as_not_allowed(registry_chain, studio, performer, grant):
    PerformerPreferences.objects.update_or_create(performer=performer.performer, defaults={"do_not_train": True})

    reading = credentials.read(signed(studio, grant, png()), trust_anchors_pem=registry_chain.root_pem)

    assert {entry["use"] for entry in reading.training["entries"].values()} == {"notAllowed"}


@pytest.mark.parametrize("sample", [png, wav], ids=["png", "wav"])
def test_valid_when_signed_and_revoked_now(registry_chain, anonymous, studio, performer, grant, sample):
    data = signed(studio, grant, sample())
    before = verify(anonymous, data).json()
    assert before["verdict"] == "valid"
    assert before["manifest"]["validation_state"] == "Trusted"

    consent_services.grant_revoke(grant=grant, reason="withdrawn", acting_user=login_of(performer.performer))
    answer = verify(anonymous, data).json()

    assert answer["verdict"] == "revoked_since"
    assert answer["signed_by_registry"] is True
    assert (answer["at_signing"]["allowed"], answer["at_signing"]["status"]) == (True, "active")
    assert (answer["now"]["allowed"], answer["now"]["status"]) == (False, "revoked")
    assert [r["code"] for r in answer["now"]["reasons"]] == ["revoked"]


def test_the_registry_signs_nothing_outside_the_consent(registry_chain, studio, grant):
    response = sign(studio, grant, png(), use="training", media=["podcast"])

    body = assert_problem(response, 422, "consent-rule-violation")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {("use", "outside_scope"), ("media", "outside_scope")}
    assert MediaCredential.objects.count() == 0


def test_a_studio_signed_file_outside_scope_says_so(
    registry_chain, other_issuer, settings, tmp_path, anonymous, grant
):
    """A studio signing with its own certificate, trusted here, for a use its consent lacks."""
    token = grant.tokens.get()
    manifest = credentials.manifest_definition(
        token_jws=token.jws,
        token_id=grant.public_id,
        status={"status_list": {"idx": token.status_index, "uri": token.status_list.uri}},
        registry=settings.REGISTRY_BASE_URL,
        use="training",
        media=[],
        do_not_train=False,
        signed_at=token.issued_at.isoformat(),
        title="Studio render",
    )
    data = credentials.sign(png(), manifest, chain_pem=other_issuer.chain_pem, private_key=other_issuer.key)
    (tmp_path / "anchors.pem").write_text(registry_chain.root_pem + other_issuer.root_pem)
    settings.C2PA_TRUST_ANCHORS_FILE = str(tmp_path / "anchors.pem")

    answer = verify(anonymous, data).json()

    assert answer["verdict"] == "outside_scope"
    assert answer["signed_by_registry"] is False
    assert {(r["field"], r["code"]) for r in answer["at_signing"]["reasons"]} == {("use", "outside_scope")}


def _foreign(other_issuer, grant, settings) -> bytes:
    token = grant.tokens.get()
    manifest = credentials.manifest_definition(
        token_jws=token.jws,
        token_id=grant.public_id,
        status={},
        registry=settings.REGISTRY_BASE_URL,
        use=grant.use,
        media=[],
        do_not_train=False,
        signed_at=token.issued_at.isoformat(),
        title="Forged",
    )
    return credentials.sign(png(), manifest, chain_pem=other_issuer.chain_pem, private_key=other_issuer.key)


def _tampered(data: bytes) -> bytes:
    # A pixel of the PNG's image data, after its manifest: the hash binding no longer matches.
    at = data.rindex(b"IDAT") + 12
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("text", "not_media"),
        ("truncated", "unreadable"),
        ("no_manifest", "no_manifest"),
        ("other_issuer", "untrusted"),
        ("tampered", "tampered"),
    ],
)
def test_bad_files_are_clear_problems(registry_chain, other_issuer, settings, anonymous, studio, grant, case, code):
    files = {
        "text": lambda: b"This is a screenplay, not a picture.",
        "truncated": lambda: signed(studio, grant, SAMPLES["video/mp4"]())[:300],
        "no_manifest": png,
        "other_issuer": lambda: _foreign(other_issuer, grant, settings),
        "tampered": lambda: _tampered(signed(studio, grant, png())),
    }

    body = assert_problem(verify(anonymous, files[case]()), 422, "media-refused")

    assert body["code"] == code
    if case == "other_issuer":
        assert "Someone Else Entirely" in body["detail"]
        assert body["reasons"] == ["signingCredential.untrusted"]


def test_a_file_over_the_limit_is_a_413(registry_chain, anonymous, monkeypatch):
    monkeypatch.setattr("registry.api.v1.media.MEDIA_UPLOAD_MAX_BYTES", 10)

    assert_problem(verify(anonymous, png()), 413, "payload-too-large")
    assert_problem(verify(anonymous, b"x" * 70_000), 413, "payload-too-large")  # refused by Content-Length


def test_signing_without_a_certificate_is_a_503(settings, tmp_path, studio, grant):
    settings.C2PA_CERT_CHAIN_FILE = str(tmp_path / "missing.pem")

    assert_problem(sign(studio, grant, png()), 503, "media-signing-unavailable")
    assert MediaCredential.objects.count() == 0


def test_a_text_file_is_not_signed(registry_chain, studio, grant):
    body = assert_problem(sign(studio, grant, b"hello"), 422, "media-refused")
    assert body["code"] == "not_media"


def test_the_offline_verifier_reads_status_and_scope(
    registry_chain, tmp_path, client, studio, performer, grant, capsys
):
    data = signed(studio, grant, wav())
    token = grant.tokens.get()
    (tmp_path / "file.wav").write_bytes(data)
    (tmp_path / "anchors.pem").write_text(registry_chain.root_pem)
    (tmp_path / "jwks.json").write_text(json.dumps(jwks(client)))
    (tmp_path / "token.jwt").write_text(token.jws)
    args = [str(tmp_path / "file.wav"), "--trust-anchors", str(tmp_path / "anchors.pem")]
    args += ["--jwks", str(tmp_path / "jwks.json"), "--status-list", str(tmp_path / "list.jwt")]

    def status_list():
        (tmp_path / "list.jwt").write_text(client.get(token.status_list.uri.removeprefix(BASE)).content.decode())

    status_list()
    assert offline.main([*args, "--token", str(tmp_path / "token.jwt")]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "valid"

    consent_services.grant_revoke(grant=grant, reason="withdrawn", acting_user=login_of(performer.performer))
    from registry.tokens.services import status_list_refresh

    status_list_refresh(status_list_id=token.status_list_id)
    status_list()

    assert offline.main(args) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["reasons"]) == ("revoked", ["status_revoked"])
    assert offline.main([str(tmp_path / "anchors.pem"), "--trust-anchors", str(tmp_path / "anchors.pem")]) == 1
    assert json.loads(capsys.readouterr().out)["code"] == "not_media"


def test_the_public_verification_page_answers_for_an_uploaded_file(registry_chain, studio, performer, grant):
    from django.test import Client

    browser = Client()
    data = signed(studio, grant, png())
    page = browser.post("/verify/media", {"file": io.BytesIO(data)})
    assert page.status_code == 200
    assert 'data-verdict="valid"' in page.content.decode()

    consent_services.grant_revoke(grant=grant, reason="withdrawn", acting_user=login_of(performer.performer))
    page = browser.post("/verify/media", {"file": io.BytesIO(data)}).content.decode()

    assert 'data-verdict="revoked_since"' in page
    assert "The performer revoked this consent." in page


def test_the_verification_page_words_a_bad_file_as_a_form_error(registry_chain, monkeypatch):
    from django.test import Client

    browser = Client()
    page = browser.post("/verify/media", {"file": io.BytesIO(b"just words")})
    assert page.status_code == 400
    assert page.context["media_form"].errors["file"] == ["This is not a PNG, JPEG, WAV or MP4 file."]

    page = browser.post("/verify/media", {"file": io.BytesIO(png())})
    assert page.context["media_form"].errors["file"] == ["The file carries no content credentials (no C2PA manifest)."]

    monkeypatch.setattr("registry.portal.views.verify.MEDIA_UPLOAD_MAX_BYTES", 10)
    assert browser.post("/verify/media", {"file": io.BytesIO(b"x" * 70_000)}).status_code == 413


def test_the_sign_media_command_writes_the_signed_file(registry_chain, tmp_path, grant):
    from django.core.management import call_command

    (tmp_path / "in.wav").write_bytes(wav())
    call_command("sign_media", grant.public_id, str(tmp_path / "in.wav"), str(tmp_path / "out.wav"))

    reading = credentials.read((tmp_path / "out.wav").read_bytes(), trust_anchors_pem=registry_chain.root_pem)
    assert (reading.validation_state, reading.consent["token_id"]) == ("Trusted", grant.public_id)


def test_the_c2pa_certificate_command_makes_a_chain_the_registry_signs_with(settings, tmp_path, studio, grant):
    from django.core.management import call_command

    settings.C2PA_CERT_CHAIN_FILE = str(tmp_path / "c2pa" / "chain.pem")
    settings.C2PA_PRIVATE_KEY_FILE = str(tmp_path / "c2pa" / "key.pem")
    settings.C2PA_TRUST_ANCHORS_FILE = ""
    call_command("c2pa_certificate")

    assert sign(studio, grant, png()).status_code == 201
    assert oct((tmp_path / "c2pa" / "key.pem").stat().st_mode & 0o777) == "0o600"


def test_a_file_names_the_log_leaf_of_its_token_once_the_log_has_sequenced_it(registry_chain, studio, grant):
    log_sequence()  # what beat does every few seconds
    leaf = log_selectors.leaf_for(LeafKind.TOKEN_ISSUED, str(grant.tokens.get().pk))

    response = sign(studio, grant, SAMPLES["image/png"]())

    manifest = c2pa.Reader("image/png", io.BytesIO(response.content)).get_active_manifest()
    consent = {a["label"]: a["data"] for a in manifest["assertions"]}[credentials.CONSENT_LABEL]
    assert leaf.index is not None
    assert consent["log_leaf"] == leaf.index
