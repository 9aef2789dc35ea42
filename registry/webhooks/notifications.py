"""Email to a studio's contacts about its webhook endpoints."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from registry.core.vocabulary.parties import ContactRole
from registry.parties.models import StudioContact
from registry.webhooks.models import WebhookEndpoint


def recipients(endpoint: WebhookEndpoint) -> list[str]:
    """The studio's technical contacts, or every contact when it named none technical."""
    contacts = StudioContact.objects.filter(studio_id=endpoint.studio_id)
    technical = [c.email for c in contacts if c.role == ContactRole.TECHNICAL]
    return sorted(set(technical or [c.email for c in contacts]))


def send_endpoint_disabled(endpoint_id: int) -> int:
    endpoint = WebhookEndpoint.objects.select_related("studio").filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.is_enabled:
        return 0
    to = recipients(endpoint)
    if not to:
        return 0
    body = (
        f"The webhook endpoint {endpoint.url} ({endpoint.public_id}) of {endpoint.studio.legal_name} "
        f"was disabled on {endpoint.disabled_at:%Y-%m-%d %H:%M} UTC.\n\n"
        f"{endpoint.disabled_reason}\n\n"
        "No events are sent to it while it is disabled. Fix the receiver, then enable it again with\n"
        f"PATCH {settings.REGISTRY_BASE_URL}/api/v1/webhook-endpoints/{endpoint.public_id} "
        '{"enabled": true}\n'
        "and redeliver the events it missed from its delivery log.\n"
    )
    return send_mail(f"Webhook endpoint disabled: {endpoint.url}", body, settings.DEFAULT_FROM_EMAIL, to)
