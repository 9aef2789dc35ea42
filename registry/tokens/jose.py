"""Compact JWS with Ed25519, and the RFC 7638 JWK thumbprint. Standard library + cryptography
only: the offline verifier imports this, and studios run it without Django.

Only one algorithm is ever produced (Ed25519 signatures), so a general JOSE library would add
negotiation we must then refuse; tests check our output with PyJWT and joserfc, independent
libraries.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# Both spellings name Ed25519 signatures: "EdDSA" (RFC 8037) and "Ed25519" (RFC 9864, which
# deprecates "EdDSA"). We accept both, and issue (in token and status-list headers and in the
# JWKS) the one every common verifier knows: PyJWT 2.x accepts only "EdDSA", and joserfc accepts
# it when asked to (with a deprecation warning). The pinned interop contract says "EdDSA" too.
ISSUED_ALG = "EdDSA"
ED25519_ALGS = frozenset({"EdDSA", "Ed25519"})


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "=+/ \n"):
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _json(obj: Any) -> bytes:
    return _ENCODER.encode(obj).encode("utf-8")


def sign_compact(header: dict, claims: dict, private_key: Ed25519PrivateKey) -> str:
    signing_input = f"{b64url_encode(_json(header))}.{b64url_encode(_json(claims))}".encode("ascii")
    return f"{signing_input.decode('ascii')}.{b64url_encode(private_key.sign(signing_input))}"


class MalformedJWS(ValueError):
    pass


def parse_compact(token: str) -> tuple[dict, dict, bytes, bytes]:
    """Split and decode without verifying: (header, claims, signing_input, signature)."""
    if not isinstance(token, str):
        raise MalformedJWS("token is not a string")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise MalformedJWS("a compact JWS has three dot-separated parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: JSON nested deeper than the parser's stack allows; no token of ours nests
        # more than four levels, and this module runs without the registry's input limits.
        raise MalformedJWS(f"undecodable part: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise MalformedJWS("header and payload must be JSON objects")
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace."""
    required = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return b64url_encode(hashlib.sha256(canonical).digest())


def public_key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("not an Ed25519 OKP key")
    raw = b64url_decode(jwk["x"])
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)
