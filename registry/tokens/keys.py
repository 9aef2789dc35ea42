"""Signing keys: generated here, stored encrypted at rest (registry.core.encryption)."""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.core.encryption import fernet
from registry.tokens import jose


def encrypt_private_key(private_key: Ed25519PrivateKey) -> bytes:
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return fernet().encrypt(raw)


@functools.lru_cache(maxsize=16)
def decrypt_private_key(encrypted: bytes) -> Ed25519PrivateKey:
    """Cached: decrypting on every signature would cost more than the signature."""
    return Ed25519PrivateKey.from_private_bytes(fernet().decrypt(bytes(encrypted)))


def new_key_material() -> tuple[str, str, bytes]:
    """(kid, public x, encrypted private key) for a fresh Ed25519 key."""
    private_key = Ed25519PrivateKey.generate()
    jwk = jose.public_jwk(private_key.public_key())
    return jose.thumbprint(jwk), jwk["x"], encrypt_private_key(private_key)
