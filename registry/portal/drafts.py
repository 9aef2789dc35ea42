"""What a person typed into an answer to a request, kept in their session between a POST and
the page that shows it (post/redirect/get), and across signing in again when the session ended
mid-signature. Only the form's own fields are kept, each cut to its form's bound; a draft
fills a form, it never submits one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

SESSION_KEY = "portal_drafts"
KEEP_FOR = dt.timedelta(hours=2)
MAX_DRAFTS = 5
MAX_VALUE = 2000  # the longest answer field (a decline's reason)

FIELDS = {
    "accept": ("description_sha256", "full_name", "represented_by", "confirm"),
    "decline": ("reason",),
}


@dataclass(frozen=True)
class Draft:
    form: str  # "accept" or "decline"
    data: dict[str, str]
    errors: list[tuple[str | None, str]]  # what a service refused (validation errors are found again)
    after_sign_in: bool  # typed before the session ended: shown, not checked


def save(session, request_id: str, form: str, data, *, errors=(), after_sign_in: bool = False) -> None:
    drafts = _fresh(session)
    drafts[request_id] = {
        "form": form,
        "data": {name: str(data[name])[:MAX_VALUE] for name in FIELDS[form] if name in data},
        "errors": [[field, str(message)] for field, message in errors],
        "after_sign_in": after_sign_in,
        "saved_at": timezone.now().isoformat(),
    }
    # The newest few only: a session is not a store.
    for old in sorted(drafts, key=lambda key: drafts[key]["saved_at"])[:-MAX_DRAFTS]:
        del drafts[old]
    session[SESSION_KEY] = drafts


def load(session, request_id: str) -> Draft | None:
    found = _fresh(session).get(request_id)
    if found is None or found["form"] not in FIELDS:
        return None
    return Draft(
        form=found["form"],
        data=found["data"],
        errors=[(field, message) for field, message in found["errors"]],
        after_sign_in=found["after_sign_in"],
    )


def clear(session, request_id: str) -> None:
    drafts = _fresh(session)
    if drafts.pop(request_id, None) is not None:
        session[SESSION_KEY] = drafts


def _fresh(session) -> dict:
    cutoff = timezone.now() - KEEP_FOR
    drafts = session.get(SESSION_KEY) or {}
    return {key: d for key, d in drafts.items() if dt.datetime.fromisoformat(d["saved_at"]) > cutoff}
