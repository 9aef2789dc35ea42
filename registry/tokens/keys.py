"""Signing keys: generated here, stored encrypted with the key-encryption key from settings."""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from registry.tokens import jose


def _development_kek() -> bytes:
    # Only when no REGISTRY_KEY_ENCRYPTION_KEY is set, which production refuses at start-up.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"registry-kek", info=b"signing-keys").derive(
        settings.SECRET_KEY.encode("utf-8")
    )
    return base64.urlsafe_b64encode(derived)


@functools.cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    material = [k.encode("ascii") for k in keys] or [_development_kek()]
    return MultiFernet([Fernet(k) for k in material])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.REGISTRY_KEY_ENCRYPTION_KEYS))


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
