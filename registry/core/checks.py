"""System checks: `manage.py check` (and `check --deploy`) refuse a key-encryption key that
cannot encrypt, rather than the first token signed failing later."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from registry.core.encryption import key_encryption_key_problems


@register(Tags.security)
def key_encryption_keys_are_fernet_keys(app_configs=None, **kwargs) -> list[Error]:
    return [
        Error(problem, hint="Set REGISTRY_KEY_ENCRYPTION_KEY to keys Fernet accepts.", id="encryption.E001")
        for problem in key_encryption_key_problems(settings.REGISTRY_KEY_ENCRYPTION_KEYS)
    ]
