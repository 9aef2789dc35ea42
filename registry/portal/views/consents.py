"""My consents: what is in force, each consent's page with its token and QR code, and the
performer's own revoke, suspend and resume, each behind a page that states the effect."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from registry.consent import services
from registry.consent.models import ConsentGrant
from registry.consent.selectors import grants_visible_to
from registry.core.caching import no_store
from registry.core.errors import DomainError
from registry.core.vocabulary.consent import GrantStatus, SuspensionCause
from registry.parties.authority import Authority
from registry.parties.rules import Act
from registry.portal import selectors
from registry.portal.access import portal_page, whom_of
from registry.portal.forms import GrantActionForm, ShareProofForm, add_service_error
from registry.tokens import services as token_services
from registry.tokens.models import SharedPresentation
from registry.tokens.selectors import current_token


@portal_page
def consent_list(request):
    caller = request.portal.caller
    return render(
        request,
        "portal/consent_list.html",
        {"live": selectors.live_grants(caller), "ended": selectors.ended_grants(caller)[:100]},
    )


def _get_grant(request, grant_id: str) -> ConsentGrant:
    qs = grants_visible_to(request.portal.caller).select_related("request").prefetch_related("suspensions")
    return get_object_or_404(qs, public_id=grant_id)


def verification_url(grant: ConsentGrant) -> str:
    """The public page that says whether this consent's token holds (what the QR code opens)."""
    return settings.REGISTRY_BASE_URL + reverse("verify-grant", args=[grant.public_id])


def qr_svg(url: str, title: str = "QR code: opens the verification page") -> str:
    # segno escapes nothing it is not given: the URL is ours (base URL + a public id).
    return mark_safe(  # noqa: S308
        segno.make(url, error="m").svg_inline(
            scale=4,
            border=4,
            dark="#111111",
            light="#ffffff",
            omitsize=True,
            title=title,
        )
    )


def open_suspension_causes(grant: ConsentGrant) -> set[str]:
    return {s.cause for s in grant.suspensions.all() if s.ended_at is None}


def allowed_actions(grant: ConsentGrant, acting: Authority) -> dict[str, bool]:
    """What the caller may do to this grant now, as the services will judge it."""
    if acting.refusal(Act.CHANGE_CONSENT) is not None:
        return {"revoke": False, "suspend": False, "resume": False}
    causes = open_suspension_causes(grant)
    return {
        "revoke": grant.is_live and grant.agreement.performer_may_revoke,
        "suspend": grant.is_live and grant.agreement.performer_may_suspend and SuspensionCause.PERFORMER not in causes,
        "resume": grant.is_live and SuspensionCause.PERFORMER in causes,
    }


@portal_page
def consent_detail(request, grant_id: str):
    grant = _get_grant(request, grant_id)
    acting = request.portal.acting_for(grant.performer)
    token = current_token(grant)
    url = verification_url(grant)
    return render(
        request,
        "portal/consent_detail.html",
        {
            "grant": grant,
            "acting": acting,
            "whom": whom_of(acting),
            "may_not_change": acting.refusal(Act.CHANGE_CONSENT),
            "token": token,
            "verification_url": url,
            "qr": qr_svg(url) if token is not None else "",
            "actions": allowed_actions(grant, acting),
            "causes": open_suspension_causes(grant),
            "history": grant.status_changes.order_by("at", "id"),
            "versions": ConsentGrant.objects.filter(lineage_id=grant.lineage_id).order_by("version"),
        },
    )


@no_store
@portal_page
def consent_token_download(request, grant_id: str):
    grant = _get_grant(request, grant_id)
    token = current_token(grant)
    if token is None:
        raise Http404("This consent has no token.")
    return HttpResponse(
        token.jws,
        content_type="application/jwt",
        headers={"Content-Disposition": f'attachment; filename="consent-{grant.public_id}.jwt"'},
    )


ACTIONS = {
    "revoke": {
        "title": "Revoke this consent",
        "button": "Revoke consent",
        "reason_required": True,
        "reason_for": "revoking",
        "done": "Consent revoked. Its token now verifies as revoked.",
    },
    "suspend": {
        "title": "Suspend this consent",
        "button": "Suspend consent",
        "reason_required": False,
        "reason_for": "suspending",
        "done": "Consent suspended. Its token now verifies as suspended until it is resumed.",
    },
    "resume": {
        "title": "Resume this consent",
        "button": "Resume consent",
        "reason_required": False,
        "reason_for": "resuming",
        "done": "The suspension has ended.",
    },
}


def effect_of(action: str, grant: ConsentGrant) -> list[str]:
    """The consequences of an action, stated before the performer confirms it."""
    who, project = grant.studio.legal_name, f'"{grant.project_title}" ({grant.production_number})'
    if action == "revoke":
        return [
            f"From now on {who} may not make any new use of this consent in {project}.",
            "Its token will verify as revoked everywhere, at once.",
            "Use before now that was already billed stays billed and paid.",
            "This cannot be undone: using it again would need a new request and a new signature.",
        ]
    if action == "suspend":
        return [
            f"While it is suspended, {who} may not use this consent in {project}: when they ask the registry "
            "before a use, the answer is no.",
            "Its token will verify as suspended.",
            "It can be resumed at any time from this page. Past billed use stays billed.",
        ]
    still = (
        " A strike still suspends it until union staff lift the strike."
        if SuspensionCause.STRIKE in open_suspension_causes(grant)
        else ""
    )
    return [f"{who} may again use this consent in {project}, exactly as described.{still}"]


@portal_page
@require_http_methods(["GET", "POST"])
def consent_action(request, grant_id: str, action: str):
    grant = _get_grant(request, grant_id)
    spec = ACTIONS[action]
    form = GrantActionForm(
        request.POST or None, reason_required=spec["reason_required"], action_words=spec["reason_for"]
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            reason = form.cleaned_data["reason"].strip()
            try:
                if action == "revoke":
                    services.grant_revoke(grant=grant, reason=reason, acting_user=request.user)
                elif action == "suspend":
                    services.grant_suspend(grant=grant, reason=reason, acting_user=request.user)
                else:
                    services.grant_resume(grant=grant, acting_user=request.user)
            except DomainError as error:
                add_service_error(form, error)
            else:
                messages.success(request, spec["done"])
                return redirect("portal:consent", grant_id=grant.public_id)
        status = 400
        grant = _get_grant(request, grant_id)
    acting = request.portal.acting_for(grant.performer)
    return render(
        request,
        "portal/consent_action.html",
        {
            "grant": grant,
            "acting": acting,
            "whom": whom_of(acting),
            "may_not_change": acting.refusal(Act.CHANGE_CONSENT),
            "action": action,
            "spec": spec,
            "effects": effect_of(action, grant),
            "allowed": allowed_actions(grant, acting)[action],
            "form": form,
            "is_revoked": grant.status == GrantStatus.REVOKED,
        },
        status=status,
    )


@portal_page
@require_http_methods(["GET", "POST"])
def consent_share(request, grant_id: str):
    """Share a proof of this consent showing only what the performer chooses: a presentation link
    and its QR code for one recipient."""
    grant = _get_grant(request, grant_id)
    acting = request.portal.acting_for(grant.performer)
    may_not = acting.refusal(Act.CHANGE_CONSENT)
    form = ShareProofForm(request.POST or None)
    status = 200
    if request.method == "POST" and may_not is None and grant.is_live:
        if form.is_valid():
            try:
                shared = token_services.presentation_share(
                    grant=grant,
                    disclose=form.cleaned_data["disclose"],
                    audience=form.cleaned_data["audience"].strip(),
                    nonce=form.cleaned_data["nonce"],
                    actor=request.portal.caller.actor(on_behalf_of=grant.performer),
                )
            except DomainError as error:
                add_service_error(form, error)
            else:
                return redirect("portal:consent-shared", grant_id=grant.public_id, presentation_id=shared.public_id)
        status = 400
    return render(
        request,
        "portal/consent_share.html",
        {"grant": grant, "acting": acting, "may_not_change": may_not, "form": form},
        status=status,
    )


@no_store
@portal_page
def consent_shared(request, grant_id: str, presentation_id: str):
    """A presentation the performer made: its link, its QR code, what it shows and until when."""
    grant = _get_grant(request, grant_id)
    shared = get_object_or_404(SharedPresentation, public_id=presentation_id, token__grant=grant)
    url = settings.REGISTRY_BASE_URL + reverse("proof", args=[shared.public_id])
    return render(
        request,
        "portal/consent_shared.html",
        {
            "grant": grant,
            "acting": request.portal.acting_for(grant.performer),
            "shared": shared,
            "url": url,
            "qr": qr_svg(url, title="QR code: opens the shared proof"),
            "shown": [label for name, label in SHAREABLE if f"consent.{name}" in shared.disclosed],
        },
    )


SHAREABLE = ShareProofForm.base_fields["disclose"].choices
