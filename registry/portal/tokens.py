"""The invitation link's token: Django's password-reset token with its own salt, so a reset
link can never be replayed as an invitation (or the other way round).

Like a reset token it is bound to the user's password hash and last login: once the invited
person sets a password the link stops working. It lasts PASSWORD_RESET_TIMEOUT (3 days by
default); staff send a new invitation after that.
"""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "registry.portal.tokens.InvitationTokenGenerator"


invitation_tokens = InvitationTokenGenerator()
