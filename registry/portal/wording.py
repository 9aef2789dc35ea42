"""Plain words for recorded actions, for a person reading their own history."""

from __future__ import annotations

# What each recorded action means, for a person reading their own history.
ACTION_TEXT = {
    "consent_request.created": "A studio asked for consent",
    "description_version.created": "The request's description was recorded",
    "consent_request.auto_declined": "A request was declined automatically by your preferences",
    "consent_request.signed": "Consent was signed",
    "consent_request.declined": "A request was declined",
    "consent_request.expired": "A request expired unanswered",
    "grant.activated": "A consent came into force",
    "grant.amended": "A consent was amended (a new version)",
    "grant.superseded": "A consent version was replaced by a newer one",
    "grant.revoked": "A consent was revoked",
    "grant.suspended": "A consent was suspended",
    "grant.suspended_by_strike": "A consent was suspended by a strike",
    "grant.suspension_added": "Another suspension was added to a consent",
    "grant.suspension_ended": "A suspension of a consent ended",
    "grant.resumed": "A consent was resumed",
    "grant.resumed_after_strike": "A consent was restored when a strike ended",
    "grant.expired": "A consent's term ended",
    "preferences.updated": "Standing preferences were changed",
    "representative.authorised": "Someone was authorised to act for you",
    "representative.revoked": "Someone's authority to act for you ended",
    "consent_check.recorded": "A studio checked consent before a use",
    "portal.invitation_sent": "A portal invitation was sent",
    "portal.invitation_accepted": "A portal invitation was accepted",
}


def describe(action: str) -> str:
    return ACTION_TEXT.get(action, action.replace("_", " ").replace(".", ": ").capitalize())
