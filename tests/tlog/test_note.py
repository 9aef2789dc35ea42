"""Signed notes, checkpoints and cosignatures, checked against the C2SP specifications' examples."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.tlog import note

# signed-note.md, "Verifier keys", Example.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_the_specification_example_verifies():
    verifier = note.parse_vkey(SPEC_VKEY)

    opened, signers = note.open_note(SPEC_NOTE, [verifier])

    assert opened.text == "This is an example message.\n"
    assert signers == [verifier]
    assert verifier.vkey == SPEC_VKEY


def test_a_changed_text_or_another_key_is_refused():
    verifier = note.parse_vkey(SPEC_VKEY)
    other = note.verifier_for("example.com/foo", Ed25519PrivateKey.generate().public_key().public_bytes_raw())

    with pytest.raises(note.NoteError, match="does not verify"):
        note.open_note(SPEC_NOTE.replace("example message", "exemplary message"), [verifier])
    with pytest.raises(note.NoteError, match="no known key"):
        note.open_note(SPEC_NOTE, [other])


def test_a_verifier_key_whose_base64_holds_a_plus_sign_is_read_whole():
    # 0x01 followed by 0xfb... encodes to "Afv..." and later "+" appears in the base64 of these bytes.
    public = bytes.fromhex("fbef" * 16)
    verifier = note.verifier_for("log.example/log", public)

    assert "+" in verifier.vkey.split("+", 2)[2]
    assert note.parse_vkey(verifier.vkey) == verifier


@pytest.mark.parametrize(
    "vkey",
    [
        "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # wrong id
        "example.com/foo+530d903a",
        "example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "example.com/foo+530d903a+AkyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # type 0x02
        "example.com/foo+530d903a+not base64",
    ],
)
def test_malformed_verifier_keys_are_refused(vkey):
    with pytest.raises(note.NoteError):
        note.parse_vkey(vkey)


def test_a_checkpoint_signed_and_cosigned_round_trips():
    log_key, witness_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    checkpoint = note.Checkpoint(origin="registry.example/log", size=20852163, root=bytes(range(32)))
    text = checkpoint.text()
    signed = text + "\n" + note.sign(text, "registry.example/log", log_key)
    cosigned = signed + note.cosign(text, "witness.example/w1", witness_key, 1679315147)
    log = note.verifier_for("registry.example/log", log_key.public_key().public_bytes_raw())
    witness = note.verifier_for("witness.example/w1", witness_key.public_key().public_bytes_raw(), note.COSIGNATURE_V1)

    opened, parsed = note.open_checkpoint(cosigned, [log], origin="registry.example/log")

    assert opened == checkpoint
    assert note.cosigners(parsed, [witness]) == [(witness, 1679315147)]
    # The witness signs "cosignature/v1\ntime T\n" + the checkpoint text, as tlog-cosignature says.
    raw = base64.b64decode(parsed.signatures[1].line.split(" ")[2])
    assert raw[4:12] == (1679315147).to_bytes(8, "big")
    witness_key.public_key().verify(raw[12:], b"cosignature/v1\ntime 1679315147\n" + text.encode())


def test_a_checkpoint_of_another_origin_or_malformed_is_refused():
    key = Ed25519PrivateKey.generate()
    log = note.verifier_for("a.example/log", key.public_key().public_bytes_raw())
    text = note.Checkpoint("a.example/log", 3, bytes(32)).text()

    with pytest.raises(note.NoteError, match=r"not 'b\.example/log'"):
        note.open_checkpoint(text + "\n" + note.sign(text, "a.example/log", key), [log], origin="b.example/log")
    for bad in ("a.example/log\n03\nAAAA\n", "a.example/log\n3\n", "a.example/log\n3\nAAAA\n"):
        with pytest.raises(note.NoteError):
            note.parse_checkpoint(bad)


@pytest.mark.parametrize(
    "message",
    [
        "no blank line\n— a AAAAAAA=\n",
        "text\n\n— a AAAAAAA=",
        "text\n\nnot a signature\n",
        "te\x07xt\n\n— a AAAAAAA=\n",
    ],
)
def test_malformed_notes_are_refused(message):
    with pytest.raises(note.NoteError):
        note.parse(message)
