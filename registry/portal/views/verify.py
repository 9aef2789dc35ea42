"""The public verification page: anyone (a studio, a crew member, a journalist) can see whether
a consent token holds and what it covers. It shows the token's own claims and nothing else:
no names, no contact details, nothing from the registry beyond the status (and, for a
suspension, whether a strike is its cause: strikes are public). Said in the same words as the
portal; identifiers and the checks' codes sit behind "Technical details"."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from registry.consent.models import ConsentGrant
from registry.consent.selectors import strikes_in_force
from registry.consent.verification import verify_online, verify_presentation_online
from registry.core.limits import MEDIA_UPLOAD_MAX_BYTES, MEDIA_UPLOAD_MAX_TEXT
from registry.media.errors import MediaRefused
from registry.media.selectors import media_verify
from registry.portal import wording
from registry.terms.models import Agreement
from registry.tokens.selectors import current_token, shared_presentation
from registry.tokens.verifier import VerificationStatus

# What each status means for a use, said after the headline.
EXPLANATIONS = {
    VerificationStatus.VALID: "The consent is in force: the use it describes is consented, and nothing beyond it.",
    VerificationStatus.NOT_YET_VALID: (
        "The consent is signed, but its term has not begun: no use is consented before then."
    ),
    VerificationStatus.SUSPENDED: "The consent is paused: no use is consented while it is suspended.",
    VerificationStatus.REVOKED: "The consent was withdrawn: it covers no new use.",
    VerificationStatus.EXPIRED: "The consent's term has ended: it covers no new use.",
    VerificationStatus.SUPERSEDED: "A newer version of this consent replaced this one: this token covers no new use.",
    VerificationStatus.INVALID: "This is not a consent token signed by this registry.",
}

# Why a check failed, in words (registry/tokens/verifier.py names them).
CHECK_WORDS = {
    "malformed": "It is not written as a consent token is.",
    "wrong_typ": "It is another kind of signed document, not a consent token.",
    "unsupported_crit": "It asks for features this registry does not use.",
    "unknown_kid": "It was not signed with any of this registry's published keys.",
    "bad_signature": "Its signature does not match its contents: it was changed after signing, or forged.",
    "missing_exp": "It has no end date.",
    "expired": "Its term has ended.",
    "not_yet_valid": "Its term has not begun.",
    "revoked": "The consent was revoked.",
    "suspended": "The consent is suspended.",
    "superseded": "A newer version of the consent replaced it.",
    "status_invalid": "The registry marks it as no longer valid.",
}
STATUS_UNCHECKED = "Its current status could not be checked against the registry."


def check_words(code: str) -> str:
    if code.startswith("alg_not_allowed"):
        return "It is signed with an algorithm this registry does not use."
    return CHECK_WORDS.get(code, STATUS_UNCHECKED)


class VerifyForm(forms.Form):
    token = forms.CharField(
        label="Consent token",
        help_text="Paste the whole token (three parts separated by dots).",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        error_messages={"required": "Paste a consent token to check it."},
    )


def _suspended_by_strike(grant_id: str) -> bool:
    grant = ConsentGrant.objects.filter(public_id=grant_id).values("agreement_id", "studio_id").first()
    if grant is None:
        return False
    return (
        strikes_in_force(timezone.now())
        .filter(agreement_id=grant["agreement_id"], studios=grant["studio_id"])
        .exists()
    )


def _headline(status: str, claims: dict) -> str:
    consent = claims.get("consent") or {}
    if status == VerificationStatus.VALID:
        return wording.IN_FORCE
    if status == VerificationStatus.NOT_YET_VALID:
        start = (consent.get("term") or {}).get("start")
        try:
            return wording.signed_starts(dt.date.fromisoformat(start))
        except (TypeError, ValueError):
            return "Signed, not yet in force"
    if status == VerificationStatus.SUSPENDED:
        return wording.SUSPENDED_BY_STRIKE if _suspended_by_strike(str(claims.get("jti", ""))) else wording.SUSPENDED
    if status == VerificationStatus.REVOKED:
        return wording.REVOKED
    if status in (VerificationStatus.EXPIRED, VerificationStatus.SUPERSEDED):
        return wording.ENDED
    return "Not a valid token"


def _result_context(jws: str) -> dict:
    result = verify_online(jws.strip())
    status = result.status if result.status in EXPLANATIONS else VerificationStatus.INVALID
    claims = result.claims if status != VerificationStatus.INVALID else {}
    consent = claims.get("consent", {}) if isinstance(claims, dict) else {}
    agreement = Agreement.objects.filter(code=str(consent.get("agreement", ""))).values_list("name", flat=True).first()
    term = consent.get("term") or {}
    return {
        "result": result,
        "status": status,
        "headline": _headline(status, claims),
        "explanation": EXPLANATIONS[status],
        "failed_checks": [check_words(code) for code in result.reasons]
        if status == VerificationStatus.INVALID
        else [],
        "claims": claims,
        "consent": consent,
        "agreement_name": agreement or consent.get("agreement", ""),
        "term_start": _date(term.get("start")),
        "term_end": _date(term.get("end")),
    }


def _date(text) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


@require_http_methods(["GET", "POST"])
def verify_token(request):
    """Paste a token. POSTed, so the token never lands in a URL or an access log."""
    form = VerifyForm(request.POST or None)
    context = {"form": form, "media_form": MediaForm()}
    if request.method == "POST" and form.is_valid():
        context.update(_result_context(form.cleaned_data["token"]))
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "portal/verify.html", context, status=status)


def verify_grant(request, token_id: str):
    """What the QR code opens: the current token of this consent, verified now."""
    grant = ConsentGrant.objects.filter(public_id=token_id).first()
    token = current_token(grant) if grant is not None else None
    if token is None:
        return render(
            request,
            "portal/verify.html",
            {"form": VerifyForm(), "media_form": MediaForm(), "unknown": token_id},
            status=404,
        )
    return render(
        request,
        "portal/verify.html",
        {"form": VerifyForm(), "media_form": MediaForm(), "token_id": token_id, **_result_context(token.jws)},
    )


# What a presentation link's page calls each claim a performer may choose to show.
CLAIM_NAMES = {
    "use": "Use",
    "project": "Project",
    "agreement": "Agreement",
    "media": "Media and platforms",
    "territory": "Territory",
    "term": "Term",
    "future_spots": "Covers later spots",
    "description_sha256": "Description SHA-256",
    "signer_role": "Signed by",
    "lineage": "Consent lineage",
    "version": "Version",
    "compensation": "Compensation",
    "performer": "Performer id",
    "studio": "Studio id",
    "jti": "Token id",
}


def verify_presentation_link(request, presentation_id: str):
    """What a presentation link opens: the presentation a performer made for someone, verified
    now, showing what it discloses and naming what it keeps hidden."""
    shared = shared_presentation(presentation_id)
    if shared is None:
        return render(request, "portal/proof.html", {"unknown": True}, status=404)
    now = timezone.now()
    # The link is the recipient's fresh answer: its key binding counts as fresh while the link lives.
    age = int((now - shared.created_at).total_seconds())
    result = verify_presentation_online(
        shared.presentation, audience=shared.audience, nonce=shared.nonce, max_kb_age=max(age, 0) + 60
    )
    status = result.status if result.status in EXPLANATIONS else VerificationStatus.INVALID
    headline, explanation = _headline(status, result.claims), EXPLANATIONS[status]
    consent = result.claims.get("consent", {}) if status != VerificationStatus.INVALID else {}
    shown = {path.removeprefix("consent.") for path in result.disclosed}
    return render(
        request,
        "portal/proof.html",
        {
            "shared": shared,
            "result": result,
            "headline": headline,
            "explanation": explanation,
            "consent": consent,
            "token_id": result.claims.get("jti"),
            "hidden": [label for name, label in CLAIM_NAMES.items() if name not in shown],
        },
    )


class MediaForm(forms.Form):
    file = forms.FileField(
        label="A generated image, sound or video",
        help_text=f"PNG, JPEG, WAV or MP4, at most {MEDIA_UPLOAD_MAX_TEXT}. We read its content credentials "
        "(C2PA) and keep nothing.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MEDIA_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MEDIA_UPLOAD_MAX_TEXT}.")
        return upload


MEDIA_VERDICTS = {
    "valid": ("Consented", "The consent this file names covered its use when it was signed, and still does."),
    "revoked_since": (
        "Revoked since",
        "The consent covered this file when it was signed; the performer has since withdrawn it.",
    ),
    "suspended_since": ("Suspended since", "The consent covered this file when it was signed; it is paused now."),
    "expired_since": ("Expired since", "The consent covered this file when it was signed; its term has ended."),
    "superseded_since": (
        "Superseded since",
        "The consent covered this file when it was signed; a newer version replaced it.",
    ),
    "outside_scope": ("Outside the consent", "The file is for a use or medium the consent it names does not cover."),
    "not_valid_when_signed": ("Not consented when signed", "The consent did not cover this file when it was signed."),
}


@require_http_methods(["POST"])
def verify_media(request):
    """A file uploaded on the verification page: its content credentials, answered in words."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    too_large = declared.isdigit() and int(declared) > MEDIA_UPLOAD_MAX_BYTES + 65536
    # Too large by its own account: refused before the body is read.
    form = MediaForm() if too_large else MediaForm(request.POST, request.FILES)
    context = {"form": VerifyForm(), "media_form": form, "media_too_large": too_large}
    if form.is_bound and form.is_valid():
        try:
            answer = media_verify(form.cleaned_data["file"].read())
        except MediaRefused as refusal:
            form.add_error("file", refusal.message)
        else:
            headline, explanation = MEDIA_VERDICTS[answer.verdict]
            context.update({"media": answer, "media_headline": headline, "media_explanation": explanation})
            return render(request, "portal/verify.html", context)
    return render(request, "portal/verify.html", context, status=413 if too_large else 400)
