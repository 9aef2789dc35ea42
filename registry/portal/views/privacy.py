"""Your data: take a copy of everything the registry holds about the performer, and ask for
its erasure (registry/privacy). The services decide who may; a refusal is shown in words."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from registry.core.errors import DomainError
from registry.parties.rules import Act
from registry.portal.access import portal_page, whom_of
from registry.portal.forms import ErasureForm
from registry.portal.wording import erasure_refusal
from registry.privacy import services as privacy_services
from registry.privacy.models import ErasureRequest


def _page(request, acting, *, form=None, refusals=(), status=200):
    whom = whom_of(acting)
    return render(
        request,
        "portal/privacy.html",
        {
            "acting": acting,
            "whom": whom,
            "may_not": acting.refusal(Act.PRIVACY_RIGHTS),
            "form": form or ErasureForm(whom=whom),
            "refusals": refusals,
            "requests": ErasureRequest.objects.filter(performer=acting.performer).order_by("-requested_at")[:10],
        },
        status=status,
    )


@portal_page
@require_http_methods(["GET", "POST"])
def privacy(request):
    acting = request.portal.choose(request.GET.get("for") or request.POST.get("for"))
    if request.method == "GET":
        return _page(request, acting)
    whom = whom_of(acting)
    form = ErasureForm(request.POST, whom=whom)
    if not form.is_valid():
        return _page(request, acting, form=form, status=400)
    try:
        privacy_services.erasure_request_submit(
            performer=acting.performer, acting_user=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        # Each reason the data must be kept, said to the reader; the service's own words when
        # it names no reason (someone else's request already waiting, no authority).
        refusals = [erasure_refusal(p.code, whom, p.message) for p in error.problems] or [error.message]
        return _page(request, acting, form=form, refusals=refusals, status=400)
    messages.success(
        request,
        f"Your request is recorded. Union staff erase {whom.poss} personal data, or tell you why it must be kept.",
    )
    return redirect(reverse("portal:privacy") + f"?for={acting.performer.public_id}")
