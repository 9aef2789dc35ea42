"""The system check on key-encryption keys: every key Fernet refuses is named by its place."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from registry.core.checks import key_encryption_keys_are_fernet_keys

GOOD = Fernet.generate_key().decode()


@pytest.mark.parametrize(
    ("keys", "refused"),
    [
        ([], []),  # development derives one from SECRET_KEY
        ([GOOD], []),
        ([GOOD, Fernet.generate_key().decode()], []),
        (["short"], [1]),
        ([GOOD[:-1]], [1]),  # padding cut off
        ([GOOD[:-4] + "!!!="], [1]),  # not URL-safe base64
        (["é" * 44], [1]),
        ([GOOD, "x" * 44, GOOD, ""], [2, 4]),
    ],
)
def test_each_key_fernet_refuses_is_an_error_naming_its_place(settings, keys, refused):
    settings.REGISTRY_KEY_ENCRYPTION_KEYS = keys

    errors = key_encryption_keys_are_fernet_keys()

    assert [e.id for e in errors] == ["encryption.E001"] * len(refused)
    assert [e.msg.split(" is not")[0] for e in errors] == [
        f"REGISTRY_KEY_ENCRYPTION_KEY: key {n} of {len(keys)}" for n in refused
    ]
    assert all(GOOD not in e.msg for e in errors)
