"""Opaque public identifiers: what the API and tokens show instead of database keys."""

import base64
import secrets


def new_public_id(prefix: str) -> str:
    """`<prefix>_` followed by 26 random base32 characters (128 bits)."""
    raw = base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()
    return f"{prefix}_{raw}"
