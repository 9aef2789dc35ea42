"""Content credentials (C2PA) that tie a generated image, sound or video to the consent it was made
under. Pure: no Django, only the standard library, `cryptography` and `c2pa-python`, so a studio
can sign with its own certificate and anyone can read a file offline.

The manifest carries three assertions:
- `c2pa.actions`: the asset was created (`c2pa.created`) by a trained model
  (`digitalSourceType` trainedAlgorithmicMedia, IPTC's term for AI-generated media);
- `cawg.training-mining`: whether the asset may be used to train or mine, from the performer's
  do-not-train preference (CAWG's training-and-data-mining assertion);
- ours, `org.performer-consent-registry.likeness-consent` (CONSENT_LABEL), documented in
  docs/studios/content-credentials.md: the consent token's id and SHA-256, its status-list slot,
  the use and media the asset is
  for, when it was signed, and `log_leaf`, the index of the token's issue in the transparency log
  (null only when the log had not sequenced it yet: the token endpoint then gives its proof).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

import c2pa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

CONSENT_LABEL = "org.performer-consent-registry.likeness-consent"
ASSERTION_VERSION = 1
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
CLAIM_GENERATOR = {"name": "Performer Consent Registry", "version": "1"}
# The CAWG training-and-data-mining entries the performer's preference answers.
TRAINING_ENTRIES = ("cawg.ai_training", "cawg.ai_generative_training", "cawg.data_mining")

# The formats we sign and read, by their first bytes; c2pa-python reads more, but these are the
# ones the registry tests and promises.
MIME_TYPES = ("image/png", "image/jpeg", "audio/wav", "video/mp4")
KINDS = {"image/png": "image", "image/jpeg": "image", "audio/wav": "audio", "video/mp4": "video"}


class MediaFault(ValueError):
    """Why a file cannot be signed or believed; `code` says which (the API's problem types and the
    verification page word it)."""

    def __init__(self, code: str, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reasons = reasons or []


def sniff_mime(head: bytes) -> str:
    """The media type from a file's first bytes: MediaFault `not_media` for anything else."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    raise MediaFault("not_media", "This is not a PNG, JPEG, WAV or MP4 file.")


def token_sha256(token_jws: str) -> str:
    return hashlib.sha256(token_jws.encode("ascii")).hexdigest()


def training_assertion(do_not_train: bool, registry: str) -> dict:
    """CAWG's training-and-data-mining assertion: not allowed when the performer said do-not-train;
    otherwise constrained, since training needs a consent of its own (never implied by another)."""
    if do_not_train:
        entry: dict[str, Any] = {"use": "notAllowed"}
    else:
        entry = {"use": "constrained", "constraint_info": f"Needs a training consent recorded at {registry}"}
    return {"entries": {name: dict(entry) for name in TRAINING_ENTRIES}}


def manifest_definition(
    *,
    token_jws: str,
    token_id: str,
    status: dict,
    registry: str,
    use: str,
    media: list[str],
    do_not_train: bool,
    signed_at: str,
    title: str,
    log_leaf: int | None = None,
) -> dict:
    """The C2PA manifest definition for an asset made under a consent token."""
    consent = {
        "version": ASSERTION_VERSION,
        "registry": registry,
        "token_id": token_id,
        "token_sha256": token_sha256(token_jws),
        "status": status,
        "use": use,
        "media": list(media),
        "signed_at": signed_at,
        "log_leaf": log_leaf,
    }
    return {
        "claim_generator_info": [CLAIM_GENERATOR],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                            "softwareAgent": CLAIM_GENERATOR,
                        }
                    ]
                },
            },
            {"label": "cawg.training-mining", "data": training_assertion(do_not_train, registry)},
            {"label": CONSENT_LABEL, "data": consent},
        ],
    }


def _signing_alg(private_key) -> c2pa.C2paSigningAlg:
    if isinstance(private_key, Ed25519PrivateKey):
        return c2pa.C2paSigningAlg.ED25519
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(private_key.curve, ec.SECP256R1):
        return c2pa.C2paSigningAlg.ES256
    raise ValueError("the C2PA signing key must be Ed25519 or P-256")


def _context(settings: dict) -> c2pa.Context:
    return c2pa.Context.from_dict(settings)


def sign(data: bytes, manifest: dict, *, chain_pem: str, private_key) -> bytes:
    """The asset with the manifest embedded, signed with `private_key` under the certificate
    chain (PEM, leaf first). MediaFault for a file that is not one of MIME_TYPES or cannot be
    parsed."""
    mime = sniff_mime(data[:16])
    alg = _signing_alg(private_key)

    def signature(payload: bytes) -> bytes:
        if alg == c2pa.C2paSigningAlg.ED25519:
            return private_key.sign(payload)
        return private_key.sign(payload, ec.ECDSA(hashes.SHA256()))

    signer = c2pa.Signer.from_callback(signature, alg, chain_pem, None)
    # No thumbnail: the registry does not decode pictures it is sent.
    builder = c2pa.Builder(manifest, _context({"builder": {"thumbnail": {"enabled": False}}}))
    out = io.BytesIO()
    try:
        builder.sign(signer, mime, io.BytesIO(data), out)
    except c2pa.C2paError as exc:
        raise MediaFault("unreadable", f"The {mime} file could not be parsed: {_short(exc)}") from exc
    finally:
        signer.close()
    return out.getvalue()


@dataclass
class Reading:
    """What a file's active manifest says, once its signature and chain have been checked."""

    mime: str
    label: str
    validation_state: str  # Trusted (chain to an anchor), Valid, Invalid
    issuer: str  # the signing certificate's organisation, as c2pa reports it
    common_name: str
    signing_alg: str
    consent: dict[str, Any] | None
    training: dict[str, Any] | None
    actions: list[dict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def read(data: bytes, *, trust_anchors_pem: str | None) -> Reading:
    """Read and validate a file's manifest: its signature, its hard binding to these bytes and,
    with `trust_anchors_pem`, the certificate chain up to one of those anchors. MediaFault
    `not_media`, `unreadable` (truncated or damaged) or `no_manifest`."""
    mime = sniff_mime(data[:16])
    settings: dict[str, Any] = {"verify": {"verify_trust": bool(trust_anchors_pem)}}
    if trust_anchors_pem:
        settings["trust"] = {"trust_anchors": trust_anchors_pem}
    try:
        reader = c2pa.Reader(mime, io.BytesIO(data), context=_context(settings))
    except c2pa.C2paError as exc:
        if "ManifestNotFound" in type(exc).__name__ or "no JUMBF" in str(exc):
            raise MediaFault("no_manifest", "The file carries no content credentials (no C2PA manifest).") from exc
        raise MediaFault("unreadable", f"The {mime} file could not be read: {_short(exc)}") from exc
    with reader:
        try:
            store = json.loads(reader.json())
        except (ValueError, RecursionError) as exc:  # a manifest nested past the JSON parser's stack
            raise MediaFault("unreadable", "The file's manifest could not be read.") from exc
        state = reader.get_validation_state() or "Invalid"
        results = reader.get_validation_results() or {}
    label = store.get("active_manifest")
    manifest = store.get("manifests", {}).get(label, {}) if label else {}
    if not manifest:
        raise MediaFault("no_manifest", "The file carries no active C2PA manifest.")
    assertions = {a.get("label"): a.get("data") for a in manifest.get("assertions", [])}
    signature = manifest.get("signature_info", {})
    failures = sorted({f.get("code", "") for f in results.get("activeManifest", {}).get("failure", [])} - {""})
    actions = (assertions.get("c2pa.actions") or assertions.get("c2pa.actions.v2") or {}).get("actions", [])
    return Reading(
        mime=mime,
        label=label,
        validation_state=state,
        issuer=signature.get("issuer", ""),
        common_name=signature.get("common_name", ""),
        signing_alg=signature.get("alg", ""),
        consent=assertions.get(CONSENT_LABEL),
        training=assertions.get("cawg.training-mining"),
        actions=actions,
        failures=failures,
    )


def believe(reading: Reading) -> dict:
    """The consent assertion of a manifest that may be believed: signed intact by a certificate
    that chains to a trust anchor. MediaFault `untrusted`, `tampered` or `no_consent` otherwise,
    with c2pa's failure codes as the reasons."""
    if reading.validation_state == "Invalid" or any(
        not f.startswith("signingCredential.untrusted") for f in reading.failures
    ):
        raise MediaFault(
            "tampered",
            "The file's content credentials do not match it: the file or its manifest was changed after signing.",
            reading.failures,
        )
    if reading.validation_state != "Trusted":
        raise MediaFault(
            "untrusted",
            f"The manifest is signed by {reading.common_name or 'a certificate'} "
            f"({reading.issuer or 'unknown issuer'}), which does not chain to a certificate this registry trusts.",
            reading.failures or ["signingCredential.untrusted"],
        )
    consent = reading.consent
    if not isinstance(consent, dict) or not isinstance(consent.get("token_id"), str):
        raise MediaFault(
            "no_consent", f"The manifest names no consent of this registry (no `{CONSENT_LABEL}` assertion)."
        )
    return consent
