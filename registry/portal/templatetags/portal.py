"""Template helpers for the portal: labels from the declared vocabularies, money, badges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone

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
from registry.portal import wording
from registry.portal.access import answerer_for

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


@register.inclusion_tag("portal/_badge.html")
def badge(tone: str, text: str) -> dict:
    """A badge: colour and words, never colour alone."""
    return {"tone": tone, "text": text}


def _badge(words: wording.StatusWords) -> dict:
    return {"tone": words.tone, "text": words.text}


@register.inclusion_tag("portal/_badge.html")
def grant_badge(grant) -> dict:
    """A consent's state in the one vocabulary ("Signed, starts 27 Dec 2026", "In force",
    "Suspended (strike)", "Revoked", "Ended"). Reads `grant.suspensions`: prefetch them in lists."""
    causes = (
        {s.cause for s in grant.suspensions.all() if s.ended_at is None}
        if grant.status == GrantStatus.SUSPENDED
        else ()
    )
    return _badge(
        wording.grant_words(
            grant.status,
            today=timezone.localdate(),
            term_start=grant.term_start,
            term_end=grant.term_end,
            causes=causes,
        )
    )


@register.inclusion_tag("portal/_badge.html")
def history_badge(change) -> dict:
    """A status a consent took, from its history."""
    return _badge(wording.history_words(change.from_status, change.to_status))


@register.inclusion_tag("portal/_badge.html", takes_context=True)
def request_badge(context, req) -> dict:
    """A request's state, with who answers it named as the reader stands to them."""
    portal = getattr(context.get("request"), "portal", None)
    return _badge(
        wording.request_words(
            req.status, answerer=answerer_for(portal, req.performer), auto_declined=req.auto_declined
        )
    )


@register.inclusion_tag("portal/_badge.html")
def case_badge(case) -> dict:
    return _badge(wording.CASE_STATUS_WORDS.get(case.status, wording.StatusWords(case.get_status_display(), "muted")))


@register.filter
def action_text(action: str, whom=None) -> str:
    return wording.describe(action, whom)


@register.filter
def actor_words(kind: str) -> str:
    return wording.ACTOR_WORDS.get(kind, kind)


@register.inclusion_tag("portal/_error_summary.html")
def error_summary(*forms) -> dict:
    """The GOV.UK error summary: every error of the page's forms at the top, each linked to its
    field; it takes focus when the page loads (autofocus, and portal.js where that is ignored)."""
    errors: list[tuple[str, str]] = []
    for form in forms:
        if not form or not form.is_bound or not form.errors:
            continue
        errors += [("", str(message)) for message in form.non_field_errors()]
        for field in form:
            widget = field.field.widget
            # A group of checkboxes is reached through its first box.
            target = f"{field.auto_id}_0" if getattr(widget, "allow_multiple_selected", False) else field.auto_id
            if field.is_hidden:
                target = ""
            errors += [(target, str(message)) for message in field.errors]
    return {"errors": errors}


@register.filter
def as_date(value):
    """An ISO date written in a stored document ("2027-01-15") as a date, for `|date`."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value
