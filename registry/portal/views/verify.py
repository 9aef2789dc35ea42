"""The public verification page: anyone (a studio, a crew member, a journalist) can see whether
a consent token holds and what it covers. It shows the token's own claims and nothing else:
no names, no contact details, nothing from the registry beyond the status."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from registry.consent.models import ConsentGrant
from registry.consent.verification import verify_online
from registry.tokens.selectors import current_token
from registry.tokens.verifier import VerificationStatus

HEADLINES = {
    VerificationStatus.VALID: ("Valid", "This consent is in force: the use it describes is consented."),
    VerificationStatus.REVOKED: ("Revoked", "This consent was withdrawn: it covers no new use."),
    VerificationStatus.SUPERSEDED: (
        "Superseded",
        "A newer version of this consent replaced this one: this token covers no new use.",
    ),
    VerificationStatus.SUSPENDED: ("Suspended", "This consent is paused: no use is consented while it is suspended."),
    VerificationStatus.EXPIRED: ("Expired", "The consent's term has ended: it covers no new use."),
    VerificationStatus.NOT_YET_VALID: ("Not yet in force", "The consent's term has not started yet."),
    VerificationStatus.INVALID: ("Not a valid token", "This is not a consent token signed by this registry."),
}


class VerifyForm(forms.Form):
    token = forms.CharField(
        label="Consent token",
        help_text="Paste the whole token (three parts separated by dots).",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
    )


def _result_context(jws: str) -> dict:
    result = verify_online(jws.strip())
    headline, explanation = HEADLINES.get(result.status, HEADLINES[VerificationStatus.INVALID])
    claims = result.claims if result.status != VerificationStatus.INVALID else {}
    return {
        "result": result,
        "headline": headline,
        "explanation": explanation,
        "claims": claims,
        "consent": claims.get("consent", {}) if isinstance(claims, dict) else {},
    }


@require_http_methods(["GET", "POST"])
def verify_token(request):
    """Paste a token. POSTed, so the token never lands in a URL or an access log."""
    form = VerifyForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        context.update(_result_context(form.cleaned_data["token"]))
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "portal/verify.html", context, status=status)


def verify_grant(request, token_id: str):
    """What the QR code opens: the current token of this consent, verified now."""
    grant = ConsentGrant.objects.filter(public_id=token_id).first()
    token = current_token(grant) if grant is not None else None
    if token is None:
        return render(request, "portal/verify.html", {"form": VerifyForm(), "unknown": token_id}, status=404)
    return render(
        request, "portal/verify.html", {"form": VerifyForm(), "token_id": token_id, **_result_context(token.jws)}
    )
