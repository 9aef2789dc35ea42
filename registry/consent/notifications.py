"""Emails about consent, sent through Django's email backend (console in the embedded default)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from registry.consent.models import ConsentRequest
from registry.core.vocabulary.consent import RequestStatus
from registry.parties.authority import who_may
from registry.parties.rules import Act


def review_url(request: ConsentRequest) -> str:
    return f"{settings.REGISTRY_BASE_URL}/portal/requests/{request.public_id}"


def send_request_received(request_pk: int) -> int:
    """One email to each person who may answer the request today (the performer, or a minor's
    guardian, or the estate, and their agents or lawyers where they may); returns how many were sent.

    Idempotent enough for a retried task: a request no longer pending sends nothing.
    """
    request = ConsentRequest.objects.select_related("performer", "studio", "agreement").get(pk=request_pk)
    if request.status != RequestStatus.PENDING:
        return 0
    recipients = []
    for authority in who_may(request.performer, Act.ANSWER_REQUESTS):
        rep = authority.representative
        email, name = (rep.email, rep.name) if rep else (request.performer.email, request.performer.display_name)
        if email:
            recipients.append((email, name, rep))
    sent = 0
    for email, name, rep in recipients:
        context = {
            "name": name,
            "request": request,
            "representative": rep,
            "review_url": review_url(request),
        }
        subject = f"Consent request from {request.studio.legal_name}: {request.get_use_display()}"
        body = render_to_string("consent/email/request_received.txt", context)
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    return sent
