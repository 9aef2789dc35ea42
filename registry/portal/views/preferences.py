"""Standing preferences (requests that conflict are declined without asking) and who may act
for the performer."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from registry.consent import selectors as consent_selectors
from registry.consent import services as consent_services
from registry.core.errors import DomainError
from registry.core.vocabulary.consent import UseType
from registry.parties import services as party_services
from registry.parties.models import Representative
from registry.parties.rules import Act, Capacity
from registry.portal.access import portal_page, whom_of
from registry.portal.forms import PreferencesForm, RepresentativeForm, add_service_error


def _initial(performer) -> dict:
    prefs = consent_selectors.preferences_of(performer)
    return {
        # Declining training among the uses says what "Do not train" says: one box shows both.
        "do_not_train": prefs.do_not_train or UseType.TRAINING in prefs.declined_uses,
        "opt_out_categories": prefs.opt_out_categories,
        "declined_uses": [use for use in prefs.declined_uses if use != UseType.TRAINING],
        "rate_floor_amount": prefs.rate_floor_amount,
        "rate_floor_currency": prefs.rate_floor_currency or "USD",
        "rate_floor_unit": prefs.rate_floor_unit,
    }


def _page(request, acting, *, form=None, rep_form=None, status=200):
    performer = acting.performer
    whom = whom_of(acting)
    return render(
        request,
        "portal/preferences.html",
        {
            "acting": acting,
            "whom": whom,
            "form": form or PreferencesForm(initial=_initial(performer), whom=whom),
            "rep_form": rep_form or RepresentativeForm(initial={"valid_from": timezone.localdate()}),
            "representatives": Representative.objects.filter(performer=performer).order_by("-valid_from", "pk"),
            "today": timezone.localdate(),
            "may_not_set": acting.refusal(Act.SET_PREFERENCES),
            "may_not_manage": manage_refusal(acting),
            "self_managed_kinds": party_services.SELF_APPOINTED_KINDS,
        },
        status=status,
    )


def manage_refusal(acting) -> str | None:
    """Why the reader may not change who acts for the performer, said to them: the rule's own
    words speak of "the performer", which an estate or an agent reads as someone else."""
    if acting.refusal(Act.MANAGE_REPRESENTATIVES) is None:
        return None
    if acting.is_self:
        return acting.refusal(Act.MANAGE_REPRESENTATIVES)
    name = acting.performer.legal_name
    who_can = (
        "union staff record it from the documents that appoint them"
        if acting.capacity == Capacity.ESTATE
        else f"only {name} (or, for a minor, their guardian) can"
    )
    return f"As {name}'s {acting.capacity_words} you cannot give or end anyone's authority to act for them: {who_can}."


def _back(acting) -> str:
    return reverse("portal:preferences") + f"?for={acting.performer.public_id}"


@portal_page
@require_http_methods(["GET", "POST"])
def preferences(request):
    acting = request.portal.choose(request.GET.get("for") or request.POST.get("for"))
    if request.method == "GET":
        return _page(request, acting)
    form = PreferencesForm(request.POST, whom=whom_of(acting))
    if form.is_valid():
        data = form.cleaned_data
        try:
            consent_services.preferences_update(
                performer=acting.performer,
                acting_user=request.user,
                do_not_train=data["do_not_train"],
                opt_out_categories=data["opt_out_categories"],
                declined_uses=data["declined_uses"],
                rate_floor_amount=data["rate_floor_amount"],
                rate_floor_currency=data["rate_floor_currency"],
                rate_floor_unit=data["rate_floor_unit"],
            )
        except DomainError as error:
            add_service_error(form, error, {"rate_floor": "rate_floor_amount"})
        else:
            messages.success(request, "Preferences saved. New requests that conflict with them are declined for you.")
            return redirect(_back(acting))
    return _page(request, acting, form=form, status=400)


@portal_page
@require_POST
def representative_add(request):
    acting = request.portal.choose(request.POST.get("for"))
    refusal = acting.refusal(Act.MANAGE_REPRESENTATIVES)
    if refusal is not None:
        # The page offers no form to whoever this refuses; the service refuses it too.
        raise PermissionDenied(refusal)
    form = RepresentativeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            party_services.representative_appoint(performer=acting.performer, acting_user=request.user, **data)
        except (ValidationError, DomainError) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"{data['name']} may now act for {'you' if acting.is_self else acting.performer.legal_name}. "
                "Union staff will send them a portal invitation.",
            )
            return redirect(_back(acting))
    return _page(request, acting, rep_form=form, status=400)


@portal_page
@require_POST
def representative_revoke(request, representative_id: int):
    acting = request.portal.choose(request.POST.get("for"))
    representative = get_object_or_404(
        Representative,
        pk=representative_id,
        performer=acting.performer,
        kind__in=party_services.SELF_APPOINTED_KINDS,
    )
    try:
        party_services.representative_end(representative=representative, acting_user=request.user)
    except DomainError as error:
        raise PermissionDenied(error.message) from error
    messages.success(
        request,
        f"{representative.name} can no longer act for {'you' if acting.is_self else acting.performer.legal_name}.",
    )
    return redirect(_back(acting))
