"""The portal's words for people: one status vocabulary for consents and requests (used by the
portal and the public verification page alike), recorded actions in plain words, and the
grammatical person a page speaks in ("your work" to the performer, "Sam Rivera's work" to the
guardian who acts for Sam). Pure: no ORM import; callers pass what they read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from registry.audit.catalogue import AuditAction, FormerAuditAction
from registry.core.vocabulary.consent import GrantStatus, RequestStatus, SuspensionCause


def on_day(day: dt.date) -> str:
    """A date as people write it: "27 Dec 2026"."""
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True)
class StatusWords:
    text: str
    tone: str  # ok, wait, warn, stop or muted: a badge's colour, always beside its words


# --- Consents -----------------------------------------------------------------------------------
IN_FORCE = "In force"
SUSPENDED = "Suspended"
SUSPENDED_BY_STRIKE = "Suspended (strike)"
REVOKED = "Revoked"
ENDED = "Ended"


def signed_starts(term_start: dt.date) -> str:
    return f"Signed, starts {on_day(term_start)}"


def grant_words(
    status: str,
    *,
    today: dt.date,
    term_start: dt.date | None = None,
    term_end: dt.date | None = None,
    causes: Iterable[str] = (),
) -> StatusWords:
    """A consent's state as a person reads it, from its recorded status, its term and what
    suspends it. A consent signed for a term that has not begun is not "in force" yet."""
    causes = set(causes)
    if status == GrantStatus.SUSPENDED:
        return StatusWords(SUSPENDED_BY_STRIKE if SuspensionCause.STRIKE in causes else SUSPENDED, "warn")
    if status == GrantStatus.REVOKED:
        return StatusWords(REVOKED, "stop")
    if status in (GrantStatus.EXPIRED, GrantStatus.SUPERSEDED):
        return StatusWords(ENDED, "muted")
    if term_end is not None and term_end < today:
        return StatusWords(ENDED, "muted")
    if term_start is not None and term_start > today:
        return StatusWords(signed_starts(term_start), "wait")
    return StatusWords(IN_FORCE, "ok")


# A consent's history records each status it took; these are the same words without a term
# (a consent signed for a later term is not "in force" on the day it was signed).
SIGNED = StatusWords("Signed", "ok")
RESUMED = StatusWords("Resumed", "ok")
HISTORY_WORDS = {
    GrantStatus.ACTIVE: RESUMED,
    GrantStatus.SUSPENDED: StatusWords(SUSPENDED, "warn"),
    GrantStatus.REVOKED: StatusWords(REVOKED, "stop"),
    GrantStatus.EXPIRED: StatusWords(ENDED, "muted"),
    GrantStatus.SUPERSEDED: StatusWords(f"{ENDED} (replaced by a newer version)", "muted"),
}


# --- Requests -----------------------------------------------------------------------------------
def history_words(from_status: str, to_status: str) -> StatusWords:
    if to_status == GrantStatus.ACTIVE and not from_status:
        return SIGNED
    return HISTORY_WORDS.get(to_status, StatusWords(str(to_status).replace("_", " "), "muted"))


def request_words(status: str, *, answerer: str | None, auto_declined: bool = False) -> StatusWords:
    """A request's state. `answerer` names who answers a pending request, in the reader's
    person: None when the reader may answer it themself ("your answer")."""
    if status == RequestStatus.PENDING:
        whose = "your" if answerer is None else f"{answerer}'s"
        return StatusWords(f"Waiting for {whose} answer", "wait")
    if status == RequestStatus.ACCEPTED:
        return StatusWords("Signed", "ok")
    if status == RequestStatus.DECLINED:
        return StatusWords("Declined automatically" if auto_declined else "Declined", "stop")
    return StatusWords("Expired unanswered", "muted")


# --- Who a page speaks to and about -----------------------------------------------------------------
@dataclass(frozen=True)
class Whom:
    """The performer a page is about, named as the reader should read it: "you" to the
    performer, their name to whoever acts for them."""

    is_self: bool
    name: str

    @property
    def obj(self) -> str:  # "about you" / "about Sam Rivera"
        return "you" if self.is_self else self.name

    @property
    def poss(self) -> str:  # "your work" / "Sam Rivera's work"
        return "your" if self.is_self else f"{self.name}'s"

    @property
    def Poss(self) -> str:
        return "Your" if self.is_self else f"{self.name}'s"


# --- Recorded actions -------------------------------------------------------------------------------
# What each recorded action means, for a person reading a performer's history; {whom} is "you" or
# the performer's name, as the reader stands to them.
ACTION_TEXT = {
    AuditAction.CONSENT_REQUEST_CREATED: "A studio asked for consent",
    AuditAction.DESCRIPTION_VERSION_CREATED: "The request's description was recorded",
    AuditAction.CONSENT_REQUEST_AUTO_DECLINED: "A request was declined automatically by the standing preferences",
    AuditAction.CONSENT_REQUEST_SIGNED: "Consent was signed",
    AuditAction.CONSENT_REQUEST_DECLINED: "A request was declined",
    AuditAction.CONSENT_REQUEST_EXPIRED: "A request expired unanswered",
    AuditAction.GRANT_ACTIVATED: "A consent was signed and recorded",
    AuditAction.GRANT_AMENDED: "A consent was amended (a new version)",
    AuditAction.GRANT_SUPERSEDED: "A consent version was replaced by a newer one",
    AuditAction.GRANT_REVOKED: "A consent was revoked",
    AuditAction.GRANT_SUSPENDED: "A consent was suspended",
    AuditAction.GRANT_SUSPENDED_BY_STRIKE: "A consent was suspended by a strike",
    AuditAction.GRANT_SUSPENSION_ADDED: "Another suspension was added to a consent",
    AuditAction.GRANT_SUSPENSION_ENDED: "A suspension of a consent ended",
    AuditAction.GRANT_RESUMED: "A consent was resumed",
    FormerAuditAction.GRANT_RESUMED_AFTER_STRIKE: "A consent was restored when a strike ended",
    AuditAction.GRANT_EXPIRED: "A consent's term ended",
    AuditAction.PREFERENCES_UPDATED: "Standing preferences were changed",
    AuditAction.REPRESENTATIVE_AUTHORISED: "Someone was authorised to act for {whom}",
    AuditAction.REPRESENTATIVE_REVOKED: "Someone's authority to act for {whom} ended",
    AuditAction.CONSENT_CHECK_RECORDED: "A studio checked consent before a use",
    AuditAction.PORTAL_INVITATION_SENT: "A portal invitation was sent",
    AuditAction.PORTAL_INVITATION_ACCEPTED: "A portal invitation was accepted",
    AuditAction.CASE_OPENED: "A case was opened: a studio's reported use was not covered by consent",
    AuditAction.CASE_ASSIGNED: "Union staff took up a case",
    AuditAction.CASE_INVESTIGATING: "Union staff are investigating a case",
    AuditAction.CASE_RESOLVED: "A case was resolved",
    AuditAction.TOKEN_ISSUED: "A proof of consent (a signed token) was issued",
    AuditAction.TOKEN_REISSUED: "The proof of consent (a signed token) was issued again",
    AuditAction.STRIKE_GRANTS_SUSPENDED: "A strike suspended consents",
    AuditAction.STRIKE_GRANTS_RESTORED: "Consents were restored when a strike ended",
    AuditAction.SUCCESS_BONUS_DISTRIBUTED: "A streaming success bonus was shared among the cast",
    AuditAction.TRAINING_LICENCE_RECORDED: "A studio licensed a title for AI training",
    AuditAction.USAGE_LINE_RETRACTED: "A studio withdrew a reported use",
    AuditAction.PERFORMER_ERASED: "The personal data was erased",
    AuditAction.PERFORMER_EXPORTED: "A copy of all the data was downloaded",
    AuditAction.ERASURE_REQUESTED: "Erasure of the personal data was asked for",
    AuditAction.ERASURE_REFUSED: "Erasure was refused for now",
}


def describe(action: str, whom: Whom | None = None) -> str:
    text = ACTION_TEXT.get(action)
    if text is None:
        return action.replace("_", " ").replace(".", ": ").capitalize()
    return text.format(whom=whom.obj if whom else "the performer")


def actor_name(kind: str, name: str) -> str:
    """Who did it, as a history names them: the registry's own processes are "the registry"."""
    return "the registry" if kind == "system" else name


# Who recorded an entry, as the history names them (the audit log's actor kinds).
ACTOR_WORDS = {
    "performer": "the performer",
    "representative": "a representative",
    "studio": "the studio",
    "staff": "union staff",
    "system": "the registry",
}


# What a residual payment is (registry/residuals/selectors.py names them).
RESIDUAL_WORDS = {
    "streaming_success_bonus": "Streaming success bonus",
    "training_licence": "AI training licence",
}


# --- Cases ------------------------------------------------------------------------------------------
# What a violation case found, in the words of the performer it concerns ({poss}: "your" or
# "Sam Rivera's").
CASE_FINDINGS = {
    "no_grant": "The studio reported a use for which there is no consent from {obj}.",
    "outside_scope": "The studio reported a use outside what {poss} consent describes.",
    "not_yet_in_term": "The studio reported a use before {poss} consent's term began.",
    "expired": "The studio reported a use after {poss} consent's term ended.",
    "revoked": "The studio reported a use after {poss} consent was revoked.",
    "suspended_by_strike": "The studio reported a use while a strike suspended {poss} consent.",
    "suspended_by_performer": "The studio reported a use while {poss} consent was suspended.",
    "preference": "The studio reported a use that {poss} standing preferences decline.",
    "no_feature_consent": "A synthetic performer borrowed {poss} likeness or voice without consent.",
    "no_training_consent": "{Poss} work was licensed for AI training without consent.",
    "training_licence": "A studio licensed a title with {poss} work for AI training (a notice to the union).",
}


def case_finding(reason_code: str, whom: Whom) -> str:
    text = CASE_FINDINGS.get(reason_code, "The studio reported a use that consent does not cover.")
    return text.format(obj=whom.obj, poss=whom.poss, Poss=whom.Poss)


CASE_STATUS_WORDS = {
    "open": StatusWords("Open", "warn"),
    "investigating": StatusWords("Union staff investigating", "wait"),
    "resolved": StatusWords("Resolved", "ok"),
}


# --- Erasure ----------------------------------------------------------------------------------------
# Why erasure is refused now (registry/privacy/rules.py BlockerCode), in the reader's person.
ERASURE_REFUSALS = {
    "already_erased": "{Poss} personal data has already been erased.",
    "live_grants": "Consents are still in force or suspended. Revoke them where the agreement allows, "
    "or wait until their term ends.",
    "pending_requests": "Consent requests are waiting for an answer. Decline them, or let them expire.",
    "open_cases": "A case about a use of {poss} work is still open; its records are evidence until it is resolved.",
    "unbilled_usage": "Studios reported uses that are not billed yet: {obj} will be paid for them first.",
    "unpaid_earnings": "The registry still owes {obj} money. It must be paid out first.",
}


def erasure_refusal(code: str, whom: Whom, fallback: str) -> str:
    text = ERASURE_REFUSALS.get(code)
    return fallback if text is None else text.format(obj=whom.obj, poss=whom.poss, Poss=whom.Poss)
