"""The sign-in form both doors share: the portal's page and the admin's /admin/login/.

Failures are counted per account and per client address in one set of counters
(`throttle.SIGN_IN`), so trying passwords on both pages gains an attacker nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError

from registry.core import throttle
from registry.core.addresses import client_address

# Hashing a password costs in proportion to its length: a megabyte-long one would tie a worker up.
PASSWORD_MAX_LENGTH = 1024

THROTTLED_MESSAGE = (
    "Too many failed attempts to sign in to this account. For your security, wait %(minutes)s "
    "minutes before trying again, or reset your password."
)


class ThrottledSignInForm(AuthenticationForm):
    """Django's sign-in form, refused for a while after repeated failures."""

    username = UsernameField(max_length=254, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label="Password", strip=False, max_length=PASSWORD_MAX_LENGTH, widget=forms.PasswordInput
    )

    error_messages = {**AuthenticationForm.error_messages, "throttled": THROTTLED_MESSAGE}

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else None
        lock = throttle.lock_for(throttle.SIGN_IN, account=username, address=address)
        if lock is not None:
            # Refused before the password is even checked, so guessing gains nothing.
            raise ValidationError(self.error_messages["throttled"], code="throttled", params={"minutes": lock.minutes})
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if username and self.cleaned_data.get("password"):
                throttle.record(throttle.SIGN_IN, account=username, address=address)
            raise error
        throttle.clear(throttle.SIGN_IN, account=username)
        return cleaned
