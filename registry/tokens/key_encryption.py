"""What makes a key-encryption key (REGISTRY_KEY_ENCRYPTION_KEY) valid. Imports no Django:
config/settings.py reads it at start-up, and the system check in registry/tokens/checks.py."""

from __future__ import annotations

from cryptography.fernet import Fernet

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
