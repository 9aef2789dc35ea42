"""Plain words for recorded actions, for a person reading their own history."""

from __future__ import annotations

from registry.audit.catalogue import AuditAction, FormerAuditAction

# What each recorded action means, for a person reading their own history.
ACTION_TEXT = {
    AuditAction.CONSENT_REQUEST_CREATED: "A studio asked for consent",
    AuditAction.DESCRIPTION_VERSION_CREATED: "The request's description was recorded",
    AuditAction.CONSENT_REQUEST_AUTO_DECLINED: "A request was declined automatically by your preferences",
    AuditAction.CONSENT_REQUEST_SIGNED: "Consent was signed",
    AuditAction.CONSENT_REQUEST_DECLINED: "A request was declined",
    AuditAction.CONSENT_REQUEST_EXPIRED: "A request expired unanswered",
    AuditAction.GRANT_ACTIVATED: "A consent came into force",
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
    AuditAction.REPRESENTATIVE_AUTHORISED: "Someone was authorised to act for you",
    AuditAction.REPRESENTATIVE_REVOKED: "Someone's authority to act for you ended",
    AuditAction.CONSENT_CHECK_RECORDED: "A studio checked consent before a use",
    AuditAction.PORTAL_INVITATION_SENT: "A portal invitation was sent",
    AuditAction.PORTAL_INVITATION_ACCEPTED: "A portal invitation was accepted",
}


def describe(action: str) -> str:
    return ACTION_TEXT.get(action, action.replace("_", " ").replace(".", ": ").capitalize())
