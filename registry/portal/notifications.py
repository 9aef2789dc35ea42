"""Portal emails, sent through Django's email backend (console in the embedded default)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from registry.portal.models import PortalInvitation
from registry.portal.tokens import invitation_tokens


def invitation_url(invitation: PortalInvitation) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(invitation.user.pk))
    token = invitation_tokens.make_token(invitation.user)
    return settings.REGISTRY_BASE_URL + reverse("portal:welcome", args=[uidb64, token])


def send_invitation(invitation_pk: int) -> int:
    """Idempotent enough for a retried task: an accepted invitation sends nothing."""
    invitation = PortalInvitation.objects.select_related(
        "user", "performer", "representative", "representative__performer"
    ).get(pk=invitation_pk)
    if invitation.accepted_at is not None or invitation.user.has_usable_password():
        return 0
    context = {
        "invitation": invitation,
        "name": invitation.party_name,
        "representative": invitation.representative,
        "url": invitation_url(invitation),
        "portal_url": settings.REGISTRY_BASE_URL + reverse("portal:dashboard"),
    }
    body = render_to_string("portal/email/invitation.txt", context)
    return send_mail(
        "Your invitation to the Performer Consent Registry", body, settings.DEFAULT_FROM_EMAIL, [invitation.email]
    )
