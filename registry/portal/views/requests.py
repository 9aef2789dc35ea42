"""Reviewing a consent request and answering it: accept with a signed attestation, or decline."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from registry.consent import services
from registry.consent.models import ConsentGrant, ConsentRequest
from registry.consent.selectors import consent_requests_visible_to
from registry.core.addresses import client_address
from registry.core.errors import DomainError, NotPermittedError
from registry.core.vocabulary.consent import RequestStatus, UseType
from registry.parties.authority import Authority
from registry.portal import drafts, selectors
from registry.portal.access import answerer_for, portal_page, whom_of
from registry.portal.forms import AcceptForm, DeclineForm, service_errors
from registry.portal.wording import Whom


@portal_page
def request_list(request):
    caller = request.portal.caller
    return render(
        request,
        "portal/request_list.html",
        {
            "pending": selectors.pending_requests(caller),
            "answered": selectors.answered_requests(caller)[:50],
            "pending_heading": request.portal.pending_heading,
        },
    )


def _get_request(request, request_id: str) -> ConsentRequest:
    return get_object_or_404(consent_requests_visible_to(request.portal.caller), public_id=request_id)


def signer_names(request, acting: Authority) -> list[str]:
    """The names a signer may type: a performer's legal (or professional) name; a
    representative's name on record or their login's full name."""
    if acting.is_self:
        return [n for n in (acting.performer.legal_name, acting.performer.professional_name) if n]
    return [n for n in (acting.representative.name, request.user.get_full_name()) if n]


def attestation_parts(consent_request: ConsentRequest, acting: Authority, signer_name: str) -> tuple[str, str]:
    """What the signer attests, in plain words, and the reference that pins it to the exact
    description (request id, version, SHA-256). Both are stored together, word for word."""
    version = consent_request.current_description
    who = f"I, {signer_name}, the performer"
    if not acting.is_self:
        who = f"I, {signer_name}, acting as {acting.capacity_words} for {acting.performer.legal_name}"
    words = (
        f"{who}, have read the description and consent to exactly the use it describes: "
        f"{consent_request.get_use_display()} for {consent_request.studio.legal_name}, project "
        f'"{consent_request.project_title}" ({consent_request.production_number}), under '
        f"{consent_request.agreement.name}, for {compensation_words(consent_request)}{origin_words(consent_request)}."
    )
    reference = (
        f"Description of consent request {consent_request.public_id}, version {version.version}, "
        f"SHA-256 {version.sha256}."
    )
    return words, reference


def compensation_words(consent_request: ConsentRequest) -> str:
    """The signed compensation in words: it binds the price of every use."""
    amount = f"{consent_request.compensation_amount:,.2f} {consent_request.compensation_currency}"
    unit = consent_request.get_compensation_unit_display().lower()
    if consent_request.compensation_negotiated_per_use:
        return f"a price negotiated per use, at least {amount} {unit}"
    return f"{amount} {unit}"


def origin_words(consent_request: ConsentRequest) -> str:
    """The replica's origin as signed, for a replica use."""
    if not consent_request.replica_origin:
        return ""
    label = consent_request.get_replica_origin_display().split(":")[0]
    return f", the replica being {label[0].lower()}{label[1:]}"


def attestation_text(consent_request: ConsentRequest, acting: Authority, signer_name: str) -> str:
    """What the signer attests, stored word for word with the signature."""
    return " ".join(attestation_parts(consent_request, acting, signer_name))


def guarantees(consent_request: ConsentRequest, whom: Whom) -> list[str]:
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
        out.append(f"Training an AI model on {whom.poss} work is never implied: it would need its own consent.")
    if agreement.performer_may_revoke:
        out.append("This consent can be revoked later for future use. Use already billed stays billed.")
    else:
        out.append(f"{agreement.name} does not let performers revoke this consent once given.")
    if agreement.performer_may_suspend:
        out.append("It can be suspended for a while and resumed later.")
    out.append(
        f"A licence under {agreement.name} lasts at most {agreement.max_licence_years_adult} years "
        f"({agreement.max_licence_years_minor} for a minor)."
    )
    return out


def _forms_for(request, consent_request: ConsentRequest, names: list[str]):
    """The accept and decline forms of the review page: fresh, or holding a draft kept in the
    session (what was typed, with what was refused) after a POST or a new sign-in."""
    version = consent_request.current_description
    accept_form = AcceptForm(initial={"description_sha256": version.sha256}, accepted_names=names)
    decline_form = DeclineForm()
    draft = drafts.load(request.session, consent_request.public_id)
    if draft is None:
        return accept_form, decline_form, None
    if draft.form == "accept":
        if draft.after_sign_in:
            accept_form = AcceptForm(initial=draft.data, accepted_names=names)
        else:
            accept_form = AcceptForm(draft.data, accepted_names=names)
            accept_form.is_valid()
            for field, message in draft.errors:
                accept_form.add_error(field, message)
    elif draft.after_sign_in:
        decline_form = DeclineForm(initial=draft.data)
    else:
        decline_form = DeclineForm(draft.data)
        decline_form.is_valid()
        for field, message in draft.errors:
            decline_form.add_error(field, message)
    return accept_form, decline_form, draft


def _review(request, consent_request: ConsentRequest):
    acting = request.portal.acting_for(consent_request.performer)
    whom = whom_of(acting)
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
    accept_form, decline_form, draft = _forms_for(request, consent_request, names)
    try:
        grant = consent_request.grant
    except ConsentGrant.DoesNotExist:
        grant = None
    is_open = consent_request.status == RequestStatus.PENDING and consent_request.expires_at > timezone.now()
    # A refused answer on a request no longer open has no form left to show its error on.
    late_errors = (
        [] if is_open else [e for f in (accept_form, decline_form) if f.is_bound for e in f.non_field_errors()]
    )
    words, reference = attestation_parts(consent_request, acting, names[0] if names else "[your name]")
    context = {
        "req": consent_request,
        "late_errors": late_errors,
        "acting": acting,
        "whom": whom,
        "answerer": answerer_for(request.portal, consent_request.performer),
        "version": version,
        "description": version.content,
        "guarantees": guarantees(consent_request, whom),
        "refusal": refusal,
        "is_open": is_open,
        "attestation_words": words,
        "attestation_reference": reference,
        "accept_form": accept_form,
        "decline_form": decline_form,
        "restored": draft is not None and draft.after_sign_in,
        "grant": grant,
        "signature": getattr(consent_request, "signature", None)
        if consent_request.status == RequestStatus.ACCEPTED
        else None,
    }
    return render(request, "portal/request_review.html", context)


def _see_review(consent_request: ConsentRequest) -> HttpResponseRedirect:
    """Post/redirect/get: after an answer the address is the review page's, so reloading,
    restoring the tab or going back never re-posts nor lands on a bare error."""
    response = HttpResponseRedirect(reverse("portal:request", args=[consent_request.public_id]))
    response.status_code = 303
    return response


def keeps_typed_answer(form_name: str):
    """An answer posted after the session ended: keep what was typed in the new session, and
    bring the person back to the review page once they have signed in again."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, request_id: str, *args, **kwargs):
            if request.method == "POST" and not request.user.is_authenticated:
                drafts.save(request.session, request_id, form_name, request.POST, after_sign_in=True)
                messages.info(
                    request,
                    "You were signed out before your answer was sent. Sign in again: "
                    "what you typed is kept, and nothing was sent.",
                )
                return redirect_to_login(reverse("portal:request", args=[request_id]))
            return view(request, request_id, *args, **kwargs)

        return wrapper

    return decorate


@portal_page
def request_review(request, request_id: str):
    return _review(request, _get_request(request, request_id))


@keeps_typed_answer("accept")
@portal_page
@require_http_methods(["GET", "POST"])
def request_accept(request, request_id: str):
    consent_request = _get_request(request, request_id)
    if request.method == "GET":
        return _see_review(consent_request)
    acting = request.portal.acting_for(consent_request.performer)
    form = AcceptForm(request.POST, accepted_names=signer_names(request, acting))
    refused: list = []
    data = request.POST.copy()
    if form.is_valid():
        typed = form.cleaned_data
        try:
            signer = services.signer_for(
                user=request.user,
                performer=consent_request.performer,
                is_union_admin=False,
                name=typed["full_name"],
                on=timezone.localdate(),
            )
            grant = services.consent_request_accept(
                request=consent_request,
                signer=signer,
                description_sha256=typed["description_sha256"],
                attestation_text=attestation_text(consent_request, acting, typed["full_name"]),
                represented_by=typed["represented_by"].strip(),
                actor=request.portal.caller.actor(on_behalf_of=consent_request.performer),
                client_ip=client_address(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except DomainError as error:
            refused = service_errors(form, error, {"signer_name": "full_name", "attestation_text": None})
            if "current_sha256" in error.extra:
                # The description changed: the page shows the new one, and signing now signs it.
                data["description_sha256"] = error.extra["current_sha256"]
        else:
            drafts.clear(request.session, consent_request.public_id)
            messages.success(
                request,
                f"You signed. {consent_request.studio.legal_name} may now use this consent, "
                "exactly as described, and nothing more.",
            )
            return redirect("portal:consent", grant_id=grant.public_id)
    drafts.save(request.session, consent_request.public_id, "accept", data, errors=refused)
    return _see_review(consent_request)


@keeps_typed_answer("decline")
@portal_page
@require_http_methods(["GET", "POST"])
def request_decline(request, request_id: str):
    consent_request = _get_request(request, request_id)
    if request.method == "GET":
        return _see_review(consent_request)
    form = DeclineForm(request.POST)
    refused: list = []
    if form.is_valid():
        try:
            services.consent_request_decline(
                request=consent_request,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except DomainError as error:
            refused = service_errors(form, error)
        else:
            drafts.clear(request.session, consent_request.public_id)
            messages.success(
                request, f"You declined the request. {consent_request.studio.legal_name} sees your reason."
            )
            return _see_review(consent_request)
    drafts.save(request.session, consent_request.public_id, "decline", request.POST, errors=refused)
    return _see_review(consent_request)
