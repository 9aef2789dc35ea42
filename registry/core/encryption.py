"""Encryption at rest with the key-encryption key(s) of REGISTRY_KEY_ENCRYPTION_KEY: the
token-signing keys (registry.tokens) and webhook signing secrets (registry.webhooks) are
stored encrypted with it. Comma-separated keys rotate: the first encrypts, all decrypt.

`key_encryption_key_problems` reads no setting: config/settings.py calls it at start-up."""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

GENERATE = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


def key_encryption_key_problems(keys: list[str]) -> list[str]:
    """One sentence for each key that Fernet refuses, naming its place in the list, never its value."""
    problems = []
    for place, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:  # wrong length, or not URL-safe base64 (binascii.Error is a ValueError)
            problems.append(
                f"REGISTRY_KEY_ENCRYPTION_KEY: key {place} of {len(keys)} is not a Fernet key (32 random bytes "
                f"in URL-safe base64: 44 characters ending in '='). Generate one with `{GENERATE}`."
            )
    return problems


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
