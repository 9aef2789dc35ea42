"""C2SP signed notes, checkpoints and Ed25519 cosignatures. Standard library + `cryptography`.

- signed-note: text, a blank line, then `— <name> base64(key id || signature)` lines; Ed25519
  key ids are SHA-256(name || "\\n" || 0x01 || public key)[:4]; verifier keys read
  `<name>+<hex key id>+base64(0x01 || public key)`;
- tlog-checkpoint: origin, tree size and base64 root hash, one per line;
- tlog-cosignature (Ed25519, type 0x04): a witness signs "cosignature/v1\\ntime <t>\\n" followed by
  the checkpoint text, and its signature is the 8-byte big-endian time then the 64-byte signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
SIGNATURE_DASH = "\u2014 "
# Verifiers must accept at least 16 signatures; more than this is refused as malformed.
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 16


class NoteError(ValueError):
    """A note that is malformed, or whose signatures do not verify."""


@dataclass(frozen=True)
class Verifier:
    """A public key a note may be signed with: its name, key id, type and raw key."""

    name: str
    key_id: int
    kind: int
    public_key: bytes

    @property
    def vkey(self) -> str:
        material = base64.b64encode(bytes([self.kind]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{material}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        if self.kind == COSIGNATURE_V1:
            if len(signature) != 8 + 64:
                return False
            (timestamp,) = struct.unpack(">Q", signature[:8])
            message, signature = cosigned_message(text, timestamp), signature[8:]
        else:
            message = text
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_id(name: str, kind: int, public_key: bytes) -> int:
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public_key).digest()[:4], "big")


def verifier_for(name: str, public_key: bytes, kind: int = ED25519) -> Verifier:
    if not _valid_name(name):
        raise NoteError(f"{name!r} is not a key name (non-empty, no spaces, no '+')")
    if len(public_key) != 32:
        raise NoteError("an Ed25519 public key is 32 bytes")
    return Verifier(name=name, key_id=key_id(name, kind, public_key), kind=kind, public_key=public_key)


def parse_vkey(vkey: str) -> Verifier:
    """A verifier key `<name>+<hex key id>+<base64(type || key)>` (Ed25519 or cosignature v1)."""
    parts = vkey.strip().split("+", 2)  # the base64 key may hold '+' itself
    if len(parts) != 3:
        raise NoteError("a verifier key reads <name>+<hex key id>+<base64 key>")
    name, hex_id, material = parts
    try:
        raw = base64.b64decode(material, validate=True)
        stated = int(hex_id, 16)
    except (binascii.Error, ValueError) as exc:
        raise NoteError("the verifier key's id or key material is not hex or base64") from exc
    if len(hex_id) != 8 or not raw or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("only Ed25519 (type 0x01) and cosignature v1 (type 0x04) keys with 8-hex-digit ids")
    verifier = verifier_for(name, raw[1:], raw[0])
    if verifier.key_id != stated:
        raise NoteError("the verifier key's id does not match its name and key")
    return verifier


def public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes_raw()


def signature_line(name: str, key: int, signature: bytes) -> str:
    return f"{SIGNATURE_DASH}{name} {base64.b64encode(key.to_bytes(4, 'big') + signature).decode()}\n"


def sign(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """One Ed25519 signature line for a note text (ending in a newline)."""
    if not text.endswith("\n"):
        raise NoteError("a note text ends with a newline")
    verifier = verifier_for(name, public_bytes(private_key))
    return signature_line(name, verifier.key_id, private_key.sign(text.encode()))


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + text


def cosign(text: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """A witness's cosignature line (tlog-cosignature, Ed25519) on a checkpoint text."""
    if not 0 <= timestamp < 1 << 63:
        raise NoteError("a cosignature's time is a POSIX time below 2**63")
    verifier = verifier_for(name, public_bytes(private_key), COSIGNATURE_V1)
    signature = struct.pack(">Q", timestamp) + private_key.sign(cosigned_message(text.encode(), timestamp))
    return signature_line(name, verifier.key_id, signature)


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    signature: bytes
    line: str

    @property
    def timestamp(self) -> int | None:
        """A cosignature's time (its first 8 bytes), for cosignature-sized signatures."""
        return struct.unpack(">Q", self.signature[:8])[0] if len(self.signature) == 72 else None


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]


def parse(message: str | bytes) -> Note:
    """Split a note into its text and signature lines, without verifying anything."""
    raw = message.encode() if isinstance(message, str) else message
    if len(raw) > MAX_NOTE_BYTES:
        raise NoteError("the note is too long")
    try:
        message = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("a note is UTF-8") from exc
    if any(ord(ch) < 0x20 and ch != "\n" for ch in message):
        raise NoteError("a note has no control characters but newlines")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("a note's signatures follow a blank line")
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("a note ends with a signature line and a newline")
    signatures = []
    for line in block[:-1].split("\n"):
        if not line.startswith(SIGNATURE_DASH):
            raise NoteError("each signature line starts with an em dash and a space")
        name, _, encoded = line[len(SIGNATURE_DASH) :].partition(" ")
        try:
            raw_sig = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise NoteError("a signature is base64") from exc
        if not _valid_name(name) or len(raw_sig) < 5:
            raise NoteError("a signature line names a key and carries its id and a signature")
        signatures.append(Signature(name, int.from_bytes(raw_sig[:4], "big"), raw_sig[4:], line + "\n"))
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    return Note(text=text, signatures=tuple(signatures))


def open_note(message: str | bytes, known: Iterable[Verifier]) -> tuple[Note, list[Verifier]]:
    """Verify a note against known keys: signatures from unknown keys are ignored, a known key's
    bad signature rejects the note, and at least one known key must have signed. Returns the note
    and the keys whose signatures verified."""
    note = parse(message)
    keys = {(v.name, v.key_id): v for v in known}
    verified: list[Verifier] = []
    for signature in note.signatures:
        verifier = keys.get((signature.name, signature.key_id))
        if verifier is None or verifier in verified:
            continue
        if not verifier.verify(note.text.encode(), signature.signature):
            raise NoteError(f"the signature of {verifier.name}+{verifier.key_id:08x} does not verify")
        verified.append(verifier)
    if not verified:
        raise NoteError("no known key signed this note")
    return note, verified


# --- Checkpoints -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """A checkpoint's note text: origin, size (no leading zeroes) and a base64 32-byte root;
    extension lines, if any, are ignored."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
        raise NoteError("a checkpoint is at least three non-empty lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or str(int(size)) != size or int(size) >= 1 << 63:
        raise NoteError("a checkpoint's size is a decimal without leading zeroes")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error as exc:
        raise NoteError("a checkpoint's root hash is base64") from exc
    if len(root_hash) != 32:
        raise NoteError("a checkpoint's root hash is 32 bytes")
    return Checkpoint(origin=origin, size=int(size), root=root_hash)


def open_checkpoint(
    message: str | bytes, log_keys: Sequence[Verifier], *, origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """A checkpoint signed by one of the log's keys (and, when given, of this origin)."""
    note, _ = open_note(message, [key for key in log_keys if key.kind == ED25519])
    checkpoint = parse_checkpoint(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is of {checkpoint.origin!r}, not {origin!r}")
    return checkpoint, note


def cosigners(note: Note, witnesses: Iterable[Verifier]) -> list[tuple[Verifier, int]]:
    """The known witnesses whose cosignatures on this note verify, with each one's time."""
    found = []
    by_id = {(w.name, w.key_id): w for w in witnesses if w.kind == COSIGNATURE_V1}
    for signature in note.signatures:
        witness = by_id.get((signature.name, signature.key_id))
        if witness is not None and witness.verify(note.text.encode(), signature.signature):
            found.append((witness, signature.timestamp or 0))
    return found
