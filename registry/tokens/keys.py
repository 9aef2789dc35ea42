"""Signing keys: generated here, stored encrypted at rest (registry.core.encryption)."""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.core.encryption import fernet
from registry.tokens import jose


def encrypt_private_key(private_key: jose.PrivateKey) -> bytes:
    """Ed25519 keys as their raw 32 bytes (as stored since the first release), P-256 keys as
    PKCS #8 DER; `decrypt_private_key` tells them apart by length."""
    if isinstance(private_key, Ed25519PrivateKey):
        raw = private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
    else:
        raw = private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    return fernet().encrypt(raw)


@functools.lru_cache(maxsize=16)
def decrypt_private_key(encrypted: bytes) -> jose.PrivateKey:
    """Cached: decrypting on every signature would cost more than the signature."""
    raw = fernet().decrypt(bytes(encrypted))
    if len(raw) == 32:
        return Ed25519PrivateKey.from_private_bytes(raw)
    return serialization.load_der_private_key(raw, password=None)


def new_private_key(alg: str = jose.ISSUED_ALG) -> jose.PrivateKey:
    if alg == jose.ISSUED_ALG:
        return Ed25519PrivateKey.generate()
    if alg == jose.ES256:
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"no key type signs {alg}")


def new_key_material(alg: str = jose.ISSUED_ALG) -> tuple[str, dict[str, str], bytes]:
    """(kid, public JWK, encrypted private key) for a fresh key signing under `alg`."""
    private_key = new_private_key(alg)
    jwk = jose.public_jwk(private_key.public_key())
    return jose.thumbprint(jwk), jwk, encrypt_private_key(private_key)
