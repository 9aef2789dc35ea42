"""Compact JWS with Ed25519 or ECDSA P-256, and the RFC 7638 JWK thumbprint. Standard library +
cryptography only: the offline verifier imports this, and studios run it without Django.

Two signature algorithms, each tied to its key type: Ed25519 (`EdDSA`, what consent tokens and
status lists carry) and ECDSA P-256 with SHA-256 (`ES256`, which SD-JWT VC wallets profiled by
HAIP require). A key signs and verifies only under its own algorithm, so a general JOSE library's
negotiation (and its `none` and HMAC confusions) never arises; tests check our output with PyJWT,
joserfc and the OpenWallet Foundation's SD-JWT library, independent implementations.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# Both spellings name Ed25519 signatures: "EdDSA" (RFC 8037) and "Ed25519" (RFC 9864, which
# deprecates "EdDSA"). We accept both, and issue (in token and status-list headers and in the
# JWKS) the one every common verifier knows: PyJWT 2.x accepts only "EdDSA", and joserfc accepts
# it when asked to (with a deprecation warning). The pinned interop contract says "EdDSA" too.
ISSUED_ALG = "EdDSA"
ED25519_ALGS = frozenset({"EdDSA", "Ed25519"})
ES256 = "ES256"
# The algorithms a signing key may have (SigningKey.alg, HolderKey.alg): the name each issues.
KEY_ALGS = (ISSUED_ALG, ES256)

PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey
_P256_BYTES = 32


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "=+/ \n"):
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _json(obj: Any) -> bytes:
    return _ENCODER.encode(obj).encode("utf-8")


def sign(private_key: PrivateKey, signing_input: bytes) -> bytes:
    """The JWS signature: Ed25519's 64 bytes, or ECDSA's r and s as two 32-byte integers (RFC 7518
    section 3.4: not the DER that `cryptography` produces)."""
    if isinstance(private_key, Ed25519PrivateKey):
        return private_key.sign(signing_input)
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(private_key.curve, ec.SECP256R1):
        r, s = decode_dss_signature(private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")
    raise TypeError(f"no JWS algorithm for a {type(private_key).__name__}")


def signature_valid(public_key: PublicKey, alg: str, signing_input: bytes, signature: bytes) -> bool:
    """Whether `signature` is this key's, under `alg`. The algorithm must be the key's own: an
    Ed25519 key verifies only EdDSA/Ed25519, a P-256 key only ES256."""
    try:
        if isinstance(public_key, Ed25519PublicKey):
            if alg not in ED25519_ALGS:
                return False
            public_key.verify(signature, signing_input)
            return True
        if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1):
            if alg != ES256 or len(signature) != 2 * _P256_BYTES:
                return False
            r = int.from_bytes(signature[:_P256_BYTES], "big")
            s = int.from_bytes(signature[_P256_BYTES:], "big")
            public_key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    return False


def alg_of(key: PrivateKey | PublicKey) -> str:
    """The algorithm name a key signs under."""
    if isinstance(key, Ed25519PrivateKey | Ed25519PublicKey):
        return ISSUED_ALG
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return ES256
    raise TypeError(f"no JWS algorithm for a {type(key).__name__}")


def sign_compact(header: dict, claims: dict, private_key: PrivateKey) -> str:
    signing_input = f"{b64url_encode(_json(header))}.{b64url_encode(_json(claims))}".encode("ascii")
    return f"{signing_input.decode('ascii')}.{b64url_encode(sign(private_key, signing_input))}"


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


def public_jwk(public_key: PublicKey) -> dict[str, str]:
    """The public JWK (RFC 8037 for Ed25519, RFC 7518 for P-256), without kid, alg or use."""
    if isinstance(public_key, Ed25519PublicKey):
        raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1):
        numbers = public_key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(numbers.x.to_bytes(_P256_BYTES, "big")),
            "y": b64url_encode(numbers.y.to_bytes(_P256_BYTES, "big")),
        }
    raise TypeError(f"no JWK for a {type(public_key).__name__}")


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace."""
    members = ("crv", "kty", "x", "y") if jwk.get("kty") == "EC" else ("crv", "kty", "x")
    required = {name: jwk[name] for name in members}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return b64url_encode(hashlib.sha256(canonical).digest())


def public_key_from_jwk(jwk: dict) -> PublicKey:
    """An Ed25519 (OKP) or P-256 (EC) public key; ValueError for any other or a malformed one."""
    if not isinstance(jwk, dict):
        raise ValueError("a JWK is a JSON object")
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        raw = b64url_decode(jwk.get("x"))
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        return Ed25519PublicKey.from_public_bytes(raw)
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        x, y = b64url_decode(jwk.get("x")), b64url_decode(jwk.get("y"))
        if len(x) != _P256_BYTES or len(y) != _P256_BYTES:
            raise ValueError("a P-256 coordinate is 32 bytes")
        # Refuses a point that is not on the curve.
        return ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
        ).public_key()
    raise ValueError("not an Ed25519 (OKP) or P-256 (EC) key")
