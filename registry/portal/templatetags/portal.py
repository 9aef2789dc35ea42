"""Template helpers for the portal: labels from the declared vocabularies, money, badges."""

from __future__ import annotations

from decimal import Decimal

from django import template

from registry.core.vocabulary.consent import (
    CompensationUnit,
    ContentCategory,
    GrantStatus,
    Medium,
    ProjectKind,
    RequestStatus,
    SensitiveFlag,
    SignerRole,
    UseType,
)
from registry.core.vocabulary.usage import UsageKind
from registry.portal.wording import describe
from registry.tokens.verifier import VerificationStatus

register = template.Library()

VOCABULARIES = {
    "use": UseType,
    "medium": Medium,
    "category": ContentCategory,
    "sensitive": SensitiveFlag,
    "unit": CompensationUnit,
    "project_kind": ProjectKind,
    "signer_role": SignerRole,
    "grant_status": GrantStatus,
    "request_status": RequestStatus,
    "usage_kind": UsageKind,
}

TERRITORY_NAMES = {"WW": "Worldwide", "US": "United States", "CA": "Canada", "GB": "United Kingdom"}


@register.filter
def label(value, vocabulary: str) -> str:
    """The human label of a code, e.g. `"in_game"|label:"medium"` → "Inside a game"."""
    choices = VOCABULARIES[vocabulary]
    try:
        return choices(value).label
    except ValueError:
        return str(value).replace("_", " ")


@register.filter
def labels(values, vocabulary: str) -> str:
    return ", ".join(label(v, vocabulary) for v in values or [])


@register.filter
def territory(codes) -> str:
    return ", ".join(f"{TERRITORY_NAMES.get(c, c)}" for c in codes or [])


@register.filter
def money(amount, currency: str = "") -> str:
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount))
    text = f"{value:,.2f}"
    return f"{text} {currency}".strip()


BADGE_TONES = {
    GrantStatus.ACTIVE: "ok",
    RequestStatus.ACCEPTED: "ok",
    VerificationStatus.VALID: "ok",
    RequestStatus.PENDING: "wait",
    GrantStatus.SUSPENDED: "warn",
    VerificationStatus.NOT_YET_VALID: "wait",
    GrantStatus.REVOKED: "stop",
    RequestStatus.DECLINED: "stop",
    VerificationStatus.INVALID: "stop",
    GrantStatus.EXPIRED: "muted",
    GrantStatus.SUPERSEDED: "muted",
}


@register.inclusion_tag("portal/_badge.html")
def badge(status: str, text: str = "") -> dict:
    """A status badge: colour and words, never colour alone."""
    return {
        "tone": BADGE_TONES.get(str(status), "muted"),
        "text": (text or str(status).replace("_", " ")).capitalize(),
    }


@register.filter
def action_text(action: str) -> str:
    return describe(action)
