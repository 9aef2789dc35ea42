"""The audit trail's catalogue: every action it records and the subjects it records them on.

`audit_record` refuses an action or a subject that is not here, or an action on a subject it is
not recorded on, so the catalogue is the whole list of what the trail can hold; the code names
its members (`AuditAction.GRANT_REVOKED`) and docs/audit-catalogue.md is this catalogue printed
(`python -m registry.audit.catalogue > docs/audit-catalogue.md`; a test compares them). Pure:
no Django import.
"""

from __future__ import annotations

from registry.core.vocabulary import Vocabulary


class AuditSubject(Vocabulary):
    """What an entry is about: its `subject_type`, beside the subject's public id."""

    AGREEMENT = "agreement", "An agreement (its rate cards, P&H rates, pricing rules and successor)"
    API_KEY = "api_key", "A studio's API key, by its prefix"
    BILLING_RUN = "billing_run", "A monthly billing run"
    BONUS_DISTRIBUTION = "bonus_distribution", "A streaming success bonus paid out"
    CASE = "case", "A violation or notice case"
    CONSENT_REQUEST = "consent_request", "A consent request"
    ERASURE_REQUEST = "erasure_request", "A performer's request to erase their data"
    EXPORT = "export", "An export file staff asked for"
    CHAIN_CHECK = "chain_check", "A verification of the audit chain staff asked for"
    GRANT = "grant", "A consent grant (one version)"
    HOLDER_KEY = "holder_key", "A key a studio or performer holds SD-JWTs with"
    INVOICE = "invoice", "An invoice, credit note or debit note"
    PAYMENT = "payment", "A studio's payment received"
    PAYOUT_RUN = "payout_run", "A payout run settling performer and fund payables"
    PERFORMER = "performer", "A performer"
    REPRESENTATIVE = "representative", "A performer's representative"
    SIGNING_KEY = "signing_key", "A token-signing key, by its kid"
    STRIKE = "strike", "A strike"
    STUDIO = "studio", "A studio"
    SYNTHETIC_PERFORMER = "synthetic_performer", "A synthetic performer"
    TITLE = "title", "A title (a picture or series and its cast)"
    TRAINING_LICENCE = "training_licence", "An AI training licence"
    USAGE_LINE = "usage_line", "A line of a usage report"
    USAGE_REPORT = "usage_report", "A studio's usage report"
    USER = "user", "A staff user"
    VIEWING_REPORT = "viewing_report", "A title's viewing figures for an exhibition year"
    WEBHOOK_ENDPOINT = "webhook_endpoint", "A studio's webhook endpoint"


_S = AuditSubject


class AuditAction(Vocabulary):
    """What happened. Each action is recorded on the subjects it names, and only on those."""

    subjects: frozenset[AuditSubject]

    def __new__(cls, value: str, label: str, *subjects: AuditSubject):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        member.subjects = frozenset(subjects)
        return member

    # Parties
    API_KEY_ISSUED = "api_key.issued", "An API key was issued to a studio", _S.API_KEY
    API_KEY_REVOKED = "api_key.revoked", "A studio's API key was revoked", _S.API_KEY
    REPRESENTATIVE_AUTHORISED = "representative.authorised", "A representative was authorised", _S.REPRESENTATIVE
    REPRESENTATIVE_REVOKED = "representative.revoked", "A representative's authority ended", _S.REPRESENTATIVE
    STUDIO_SUSPENDED = "studio.suspended", "Staff suspended a studio", _S.STUDIO
    STUDIO_REACTIVATED = "studio.reactivated", "Staff reinstated a suspended studio", _S.STUDIO
    STUDIO_CONTACT_ADDED = "studio_contact.added", "A contact was added to a studio", _S.STUDIO
    # Agreements
    RATE_CARD_ADDED = "rate_card.added", "A rate card row was added to an agreement", _S.AGREEMENT
    RATE_CARD_PERIOD_CHANGED = "rate_card.period_changed", "A rate card row's period was closed", _S.AGREEMENT
    PRICING_RULE_SET = (
        "pricing_rule.set",
        "A pricing rule (scale, divisor, multiplier, P&H) was added to an agreement or changed",
        _S.AGREEMENT,
    )
    PH_RATE_ADDED = "ph_rate.added", "A P&H contribution rate period was added to an agreement", _S.AGREEMENT
    PH_RATE_PERIOD_CHANGED = "ph_rate.period_changed", "A P&H rate period's end was set", _S.AGREEMENT
    AGREEMENT_SUCCESSOR_SET = (
        "agreement.successor_set",
        "The agreement that succeeds another was named (use after its end is priced under it)",
        _S.AGREEMENT,
    )
    # Consent requests
    CONSENT_REQUEST_CREATED = "consent_request.created", "A studio asked for consent", _S.CONSENT_REQUEST
    DESCRIPTION_VERSION_CREATED = (
        "description_version.created",
        "A request's description was recorded (content and SHA-256)",
        _S.CONSENT_REQUEST,
    )
    CONSENT_REQUEST_AUTO_DECLINED = (
        "consent_request.auto_declined",
        "The performer's standing preferences declined a request",
        _S.CONSENT_REQUEST,
    )
    CONSENT_REQUEST_SIGNED = "consent_request.signed", "A request was signed (the signature)", _S.CONSENT_REQUEST
    CONSENT_REQUEST_DECLINED = "consent_request.declined", "A request was declined", _S.CONSENT_REQUEST
    CONSENT_REQUEST_EXPIRED = "consent_request.expired", "A request expired unanswered", _S.CONSENT_REQUEST
    # Grants
    GRANT_ACTIVATED = "grant.activated", "A grant came into force", _S.GRANT
    GRANT_AMENDED = "grant.amended", "A new version of a grant came into force", _S.GRANT
    GRANT_SUPERSEDED = "grant.superseded", "A grant version was replaced by a newer one", _S.GRANT
    GRANT_REVOKED = "grant.revoked", "The performer revoked a grant", _S.GRANT
    GRANT_SUSPENDED = "grant.suspended", "The performer suspended a grant", _S.GRANT
    GRANT_SUSPENDED_BY_STRIKE = (
        "grant.suspended_by_strike",
        "A grant accepted during a strike started suspended",
        _S.GRANT,
    )
    GRANT_SUSPENSION_ADDED = "grant.suspension_added", "A suspended grant was suspended for another cause", _S.GRANT
    GRANT_SUSPENSION_ENDED = (
        "grant.suspension_ended",
        "One suspension of a grant ended; another still holds it",
        _S.GRANT,
    )
    GRANT_RESUMED = "grant.resumed", "The performer resumed a grant", _S.GRANT
    GRANT_EXPIRED = "grant.expired", "A grant's term ended", _S.GRANT
    SD_JWT_ISSUED = "sd_jwt.issued", "A selectively disclosable token (SD-JWT) was issued to a holder", _S.GRANT
    PRESENTATION_SHARED = "presentation.shared", "The performer side shared a presentation of chosen claims", _S.GRANT
    MEDIA_SIGNED = "media.signed", "A media file was signed with content credentials naming the grant", _S.GRANT
    TOKEN_ISSUED = "token.issued", "A consent token was issued for a grant", _S.GRANT
    TOKEN_REISSUED = "token.reissued", "A grant's token was issued again (its key was compromised)", _S.GRANT
    # Strikes
    STRIKE_DECLARED = "strike.declared", "A strike was declared", _S.STRIKE
    STRIKE_GRANTS_SUSPENDED = "strike.grants_suspended", "A strike's job suspended a batch of grants", _S.STRIKE
    STRIKE_APPLIED = "strike.applied", "A strike's job finished suspending its grants", _S.STRIKE
    STRIKE_LIFTED = "strike.lifted", "A strike was lifted", _S.STRIKE
    STRIKE_GRANTS_RESTORED = "strike.grants_restored", "A lifted strike's job restored a batch of grants", _S.STRIKE
    STRIKE_RESTORED = "strike.restored", "A lifted strike's job finished restoring its grants", _S.STRIKE
    # Performers
    PREFERENCES_UPDATED = "preferences.updated", "A performer's standing preferences changed", _S.PERFORMER
    CONSENT_CHECK_RECORDED = "consent_check.recorded", "A studio recorded a consent check it relies on", _S.PERFORMER
    PORTAL_INVITATION_SENT = (
        "portal.invitation_sent",
        "A portal invitation was sent",
        _S.PERFORMER,
        _S.REPRESENTATIVE,
    )
    PORTAL_INVITATION_ACCEPTED = (
        "portal.invitation_accepted",
        "A portal invitation was accepted",
        _S.PERFORMER,
        _S.REPRESENTATIVE,
    )
    PERFORMER_EXPORTED = "performer.exported", "A performer's data was exported", _S.PERFORMER
    ERASURE_REQUESTED = "erasure.requested", "A performer asked for their data to be erased", _S.ERASURE_REQUEST
    ERASURE_REFUSED = "erasure.refused", "Staff refused an erasure (the data must be kept)", _S.ERASURE_REQUEST
    PERFORMER_ERASED = "performer.erased", "A performer's personal data was erased (pseudonymised)", _S.PERFORMER
    PAYOUT_RECORDED = "payout.recorded", "A payment to a performer was recorded", _S.PERFORMER
    # Usage and cases
    USAGE_REPORT_RECEIVED = "usage_report.received", "A usage report was received", _S.USAGE_REPORT
    USAGE_LINE_RETRACTED = "usage_line.retracted", "A studio retracted a usage line", _S.USAGE_LINE
    PERFORMER_DEATH_RECORDED = (
        "performer.death_recorded",
        "Union staff recorded a performer's death; consents limited to their lifetime ended",
        _S.PERFORMER,
    )
    ESTATE_SEARCH_RECORDED = (
        "performer.estate_search_recorded",
        "Union staff recorded a diligent search for a deceased performer's estate",
        _S.PERFORMER,
    )
    SYNTHETIC_NOTICE_FILED = (
        "synthetic_performer.notice_filed",
        "A studio filed notice of a synthetic performer in a union role, before its use",
        _S.SYNTHETIC_PERFORMER,
    )
    EXEMPTION_UPHELD = (
        "usage_line.exemption_upheld",
        "Union staff upheld a claimed alteration exemption",
        _S.USAGE_LINE,
    )
    EXEMPTION_REJECTED = (
        "usage_line.exemption_rejected",
        "Union staff rejected a claimed alteration exemption; the use is a violation",
        _S.USAGE_LINE,
    )
    SYNTHETIC_PERFORMER_REGISTERED = (
        "synthetic_performer.registered",
        "A studio registered a synthetic performer",
        _S.SYNTHETIC_PERFORMER,
    )
    CASE_OPENED = "case.opened", "A case was opened", _S.CASE
    CASE_ASSIGNED = "case.assigned", "A case was assigned", _S.CASE
    CASE_INVESTIGATING = "case.investigating", "A case is being investigated", _S.CASE
    CASE_RESOLVED = "case.resolved", "A case was resolved", _S.CASE
    # Billing
    BILLING_RUN_STARTED = "billing_run.started", "A billing run started", _S.BILLING_RUN
    BILLING_RUN_RESUMED = "billing_run.resumed", "A billing run was resumed", _S.BILLING_RUN
    BILLING_RUN_FINISHED = "billing_run.finished", "A billing run finished", _S.BILLING_RUN
    INVOICE_FINALIZED = "invoice.finalized", "An invoice was finalized", _S.INVOICE
    CREDIT_NOTE_FINALIZED = "credit_note.finalized", "A credit note was finalized", _S.INVOICE
    DEBIT_NOTE_FINALIZED = "debit_note.finalized", "A debit note was issued", _S.INVOICE
    INVOICE_VOIDED = "invoice.voided", "An invoice was voided", _S.INVOICE
    CREDIT_NOTE_VOIDED = "credit_note.voided", "A credit note was voided", _S.INVOICE
    DEBIT_NOTE_VOIDED = "debit_note.voided", "A debit note was voided", _S.INVOICE
    INVOICE_PAID = "invoice.paid", "An invoice's payment was recorded", _S.INVOICE
    RESIDUALS_INVOICE_FINALIZED = (
        "residuals_invoice.finalized",
        "A residuals invoice (a success bonus or training-licence shares) was issued",
        _S.INVOICE,
    )
    PAYMENT_RECORDED = "payment.recorded", "A studio's payment received was recorded", _S.PAYMENT
    PAYMENT_APPLIED = "payment.applied", "A payment (or studio credit) was applied to documents", _S.PAYMENT
    INVOICE_OVERDUE_REMINDED = (
        "invoice.overdue_reminded",
        "A studio was reminded of an overdue document (webhook and email)",
        _S.INVOICE,
    )
    PAYOUT_RUN_COMPLETED = "payout_run.completed", "A payout run settled performer and fund payables", _S.PAYOUT_RUN
    # Residuals
    TITLE_REGISTERED = "title.registered", "A title and its cast were registered", _S.TITLE
    VIEWING_REPORT_RECEIVED = (
        "viewing_report.received",
        "Viewing figures were received and qualification decided",
        _S.VIEWING_REPORT,
    )
    SUCCESS_BONUS_DISTRIBUTED = (
        "success_bonus.distributed",
        "A streaming success bonus was split and paid",
        _S.BONUS_DISTRIBUTION,
    )
    TRAINING_LICENCE_RECORDED = (
        "training_licence.recorded",
        "An AI training licence was recorded, with each cast member's consent finding",
        _S.TRAINING_LICENCE,
    )
    # Tokens
    SIGNING_KEY_ACTIVATED = "signing_key.activated", "A signing key became the active one", _S.SIGNING_KEY
    SIGNING_KEY_COMPROMISED = (
        "signing_key.compromised",
        "A signing key was marked compromised (its tokens re-issued)",
        _S.SIGNING_KEY,
    )
    HOLDER_KEY_REGISTERED = (
        "holder_key.registered",
        "A holder key for SD-JWT key binding was registered",
        _S.HOLDER_KEY,
    )
    HOLDER_KEY_REVOKED = "holder_key.revoked", "A holder key was revoked", _S.HOLDER_KEY
    # Webhooks
    WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint.created", "A webhook endpoint was registered", _S.WEBHOOK_ENDPOINT
    WEBHOOK_ENDPOINT_UPDATED = "webhook_endpoint.updated", "A webhook endpoint was changed", _S.WEBHOOK_ENDPOINT
    WEBHOOK_ENDPOINT_SECRET_ROTATED = (
        "webhook_endpoint.secret_rotated",
        "A webhook endpoint's signing secret was rotated",
        _S.WEBHOOK_ENDPOINT,
    )
    WEBHOOK_ENDPOINT_DELETED = "webhook_endpoint.deleted", "A webhook endpoint was deleted", _S.WEBHOOK_ENDPOINT
    WEBHOOK_ENDPOINT_DISABLED = (
        "webhook_endpoint.disabled",
        "A webhook endpoint was disabled after failing too long",
        _S.WEBHOOK_ENDPOINT,
    )
    WEBHOOK_DELIVERY_REDELIVERED = (
        "webhook_delivery.redelivered",
        "A webhook delivery was sent again by hand",
        _S.WEBHOOK_ENDPOINT,
    )
    # Staff
    STAFF_TWO_FACTOR_ENROLLED = "staff.two_factor_enrolled", "A staff user enrolled a two-factor device", _S.USER
    EXPORT_REQUESTED = "export.requested", "Staff asked for an export file", _S.EXPORT
    CHAIN_CHECK_REQUESTED = (
        "chain_check.requested",
        "Staff asked for the audit chain to be verified",
        _S.CHAIN_CHECK,
    )
    CHAIN_CHECK_FINISHED = (
        "chain_check.finished",
        "A verification of the audit chain finished: intact, or broken at a named entry",
        _S.CHAIN_CHECK,
    )


class FormerAuditAction(Vocabulary):
    """Actions earlier versions recorded, which existing chains keep: read, never written."""

    GRANT_RESUMED_AFTER_STRIKE = (
        "grant.resumed_after_strike",
        "A grant was restored when a strike was lifted (strike jobs record strike.grants_restored now)",
    )


def recorded_as(action: str, subject_type: str) -> tuple[str, str]:
    """The action and subject as stored, once the catalogue lists the action on that subject;
    ValueError otherwise (add the action to the catalogue before recording it)."""
    try:
        known_action, known_subject = AuditAction(action), AuditSubject(subject_type)
    except ValueError as exc:
        raise ValueError(f"Not in the audit catalogue (registry/audit/catalogue.py): {exc}") from None
    if known_subject not in known_action.subjects:
        allowed = ", ".join(sorted(known_action.subjects))
        raise ValueError(f"{known_action.value} is recorded on {allowed}, not on {known_subject.value}.")
    return known_action.value, known_subject.value


def as_markdown() -> str:
    """The catalogue as docs/audit-catalogue.md shows it."""
    lines = [
        "# Audit catalogue",
        "",
        "Every action the audit trail records, the subjects it is recorded on, and what it means.",
        "Printed from `registry/audit/catalogue.py` (`python -m registry.audit.catalogue`); a test",
        "keeps this file equal to it.",
        "",
        "| action | subject | what happened |",
        "|---|---|---|",
        *(
            f"| `{a.value}` | {', '.join(f'`{s}`' for s in sorted(a.subjects))} | {a.label} |"
            for a in sorted(AuditAction, key=lambda a: a.value)
        ),
        "",
        "## Subjects",
        "",
        "| subject | what it is |",
        "|---|---|",
        *(f"| `{s.value}` | {s.label} |" for s in sorted(AuditSubject, key=lambda s: s.value)),
        "",
        "## Actions no longer recorded",
        "",
        "Entries written by earlier versions keep them; nothing records them now.",
        "",
        "| action | what happened |",
        "|---|---|",
        *(f"| `{a.value}` | {a.label} |" for a in FormerAuditAction),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(as_markdown(), end="")
