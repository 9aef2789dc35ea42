"""API key format and hashing, apart from the ORM.

A key reads `crk_<prefix>_<secret>`: the prefix (10 characters) is stored in clear to find
the row and to show staff which key is which; only the SHA-256 of the whole key is stored.
Keys carry 160 random bits, so a fast hash is enough (a slow KDF protects guessable passwords).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_SCHEME = "crk"
PREFIX_LENGTH = 10


def _random_base32(n_bytes: int) -> str:
    return base64.b32encode(secrets.token_bytes(n_bytes)).decode("ascii").rstrip("=").lower()


@dataclass(frozen=True)
class NewKey:
    prefix: str
    secret: str  # the whole key, shown once
    secret_hash: str


def generate_key() -> NewKey:
    prefix = _random_base32(10)[:PREFIX_LENGTH]
    secret = f"{KEY_SCHEME}_{prefix}_{_random_base32(20)}"
    return NewKey(prefix=prefix, secret=secret, secret_hash=hash_key(secret))


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_prefix(secret: str) -> str | None:
    """The prefix of a well-formed key, or None for anything else."""
    parts = secret.split("_")
    if len(parts) != 3 or parts[0] != KEY_SCHEME or len(parts[1]) != PREFIX_LENGTH:
        return None
    return parts[1]


def hash_matches(secret_hash: str, stored_hash: str) -> bool:
    """Constant-time comparison, so response timing says nothing about the stored hash."""
    return hmac.compare_digest(secret_hash, stored_hash)
