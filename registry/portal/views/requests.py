"""Reviewing a consent request and answering it: accept with a signed attestation, or decline."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from registry.consent import services
from registry.consent.models import ConsentGrant, ConsentRequest
from registry.consent.selectors import consent_requests_visible_to
from registry.core.addresses import client_address
from registry.core.errors import DomainError, NotPermittedError
from registry.core.vocabulary.consent import RequestStatus, UseType
from registry.parties.authority import Authority
from registry.portal import selectors
from registry.portal.access import portal_page
from registry.portal.forms import AcceptForm, DeclineForm, add_service_error


@portal_page
def request_list(request):
    caller = request.portal.caller
    return render(
        request,
        "portal/request_list.html",
        {"pending": selectors.pending_requests(caller), "answered": selectors.answered_requests(caller)[:50]},
    )


def _get_request(request, request_id: str) -> ConsentRequest:
    return get_object_or_404(consent_requests_visible_to(request.portal.caller), public_id=request_id)


def signer_names(request, acting: Authority) -> list[str]:
    """The names a signer may type: a performer's legal (or professional) name; a
    representative's name on record or their login's full name."""
    if acting.is_self:
        return [n for n in (acting.performer.legal_name, acting.performer.professional_name) if n]
    return [n for n in (acting.representative.name, request.user.get_full_name()) if n]


def attestation_text(consent_request: ConsentRequest, acting: Authority, signer_name: str) -> str:
    """What the signer attests, stored word for word with the signature."""
    version = consent_request.current_description
    who = f"I, {signer_name}, the performer"
    if not acting.is_self:
        who = f"I, {signer_name}, acting as {acting.capacity_words} for {acting.performer.legal_name}"
    return (
        f"{who}, have read the description of consent request {consent_request.public_id} "
        f"(version {version.version}, SHA-256 {version.sha256}) and consent to exactly the use it describes: "
        f"{consent_request.get_use_display()} for {consent_request.studio.legal_name}, project "
        f'"{consent_request.project_title}" ({consent_request.production_number}), under '
        f"{consent_request.agreement.name}."
    )


def guarantees(consent_request: ConsentRequest) -> list[str]:
    """What the agreement and the registry's rules guarantee, in plain words."""
    agreement = consent_request.agreement
    out = [
        f'This consent covers only the project "{consent_request.project_title}" '
        f"({consent_request.production_number}). Any other project needs a new consent, asked for at the time.",
        f"It covers only this use ({consent_request.get_use_display().lower()}) within the media, territory and "
        "term described. Anything outside the description is not consented, and reported use outside it "
        "opens a violation case.",
    ]
    if consent_request.use != UseType.TRAINING:
        out.append("Training an AI model on your work is never implied: it would need its own consent.")
    if agreement.performer_may_revoke:
        out.append("You may revoke this consent later for future use. Use already billed stays billed.")
    else:
        out.append(f"{agreement.name} does not let performers revoke this consent once given.")
    if agreement.performer_may_suspend:
        out.append("You may suspend it for a while and resume it later.")
    out.append(
        f"A licence under {agreement.name} lasts at most {agreement.max_licence_years_adult} years "
        f"({agreement.max_licence_years_minor} for a minor)."
    )
    return out


def _review(request, consent_request: ConsentRequest, *, accept_form=None, decline_form=None, status=200):
    acting = request.portal.acting_for(consent_request.performer)
    refusal = None
    if consent_request.status == RequestStatus.PENDING:
        try:
            services.signer_for(
                user=request.user,
                performer=consent_request.performer,
                is_union_admin=False,
                name="",
                on=timezone.localdate(),
            )
        except NotPermittedError as error:
            refusal = error.message
    version = consent_request.current_description
    names = signer_names(request, acting)
    try:
        grant = consent_request.grant
    except ConsentGrant.DoesNotExist:
        grant = None
    is_open = consent_request.status == RequestStatus.PENDING and consent_request.expires_at > timezone.now()
    # A refused answer on a request no longer open has no form left to show its error on.
    late_errors = (
        [] if is_open else [e for f in (accept_form, decline_form) if f is not None for e in f.non_field_errors()]
    )
    context = {
        "req": consent_request,
        "late_errors": late_errors,
        "acting": acting,
        "version": version,
        "description": version.content,
        "guarantees": guarantees(consent_request),
        "refusal": refusal,
        "is_open": is_open,
        "attestation_preview": attestation_text(consent_request, acting, names[0] if names else "[your name]"),
        "accept_form": accept_form or AcceptForm(initial={"description_sha256": version.sha256}),
        "decline_form": decline_form or DeclineForm(),
        "grant": grant,
        "signature": getattr(consent_request, "signature", None)
        if consent_request.status == RequestStatus.ACCEPTED
        else None,
    }
    return render(request, "portal/request_review.html", context, status=status)


@portal_page
def request_review(request, request_id: str):
    return _review(request, _get_request(request, request_id))


@portal_page
@require_POST
def request_accept(request, request_id: str):
    consent_request = _get_request(request, request_id)
    acting = request.portal.acting_for(consent_request.performer)
    form = AcceptForm(request.POST, accepted_names=signer_names(request, acting))
    if form.is_valid():
        data = form.cleaned_data
        try:
            signer = services.signer_for(
                user=request.user,
                performer=consent_request.performer,
                is_union_admin=False,
                name=data["full_name"],
                on=timezone.localdate(),
            )
            grant = services.consent_request_accept(
                request=consent_request,
                signer=signer,
                description_sha256=data["description_sha256"],
                attestation_text=attestation_text(consent_request, acting, data["full_name"]),
                represented_by=data["represented_by"].strip(),
                actor=request.portal.caller.actor(on_behalf_of=consent_request.performer),
                client_ip=client_address(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except DomainError as error:
            add_service_error(form, error, {"signer_name": "full_name", "attestation_text": None})
            if "current_sha256" in error.extra:
                # The description changed: the page shows the new one, and signing now signs it.
                form.data = form.data.copy()
                form.data["description_sha256"] = error.extra["current_sha256"]
        else:
            messages.success(
                request,
                f"You signed. {consent_request.studio.legal_name} may now use this consent, "
                "exactly as described, and nothing more.",
            )
            return redirect("portal:consent", grant_id=grant.public_id)
    consent_request.refresh_from_db()
    return _review(request, consent_request, accept_form=form, status=400)


@portal_page
@require_POST
def request_decline(request, request_id: str):
    consent_request = _get_request(request, request_id)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.consent_request_decline(
                request=consent_request,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"You declined the request. {consent_request.studio.legal_name} sees your reason."
            )
            return redirect("portal:request", request_id=consent_request.public_id)
    consent_request.refresh_from_db()
    return _review(request, consent_request, decline_form=form, status=400)
