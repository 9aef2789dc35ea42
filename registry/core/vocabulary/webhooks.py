"""The vocabulary of webhooks: event types, endpoint and delivery statuses, attempt triggers."""

from registry.core.vocabulary import Vocabulary


class EventType(Vocabulary):
    CONSENT_REQUEST_ANSWERED = "consent_request.answered", "Consent request answered (accepted or declined)"
    GRANT_ACTIVATED = "grant.activated", "Grant activated"
    GRANT_AMENDED = "grant.amended", "Grant amended (a new version is active)"
    GRANT_REVOKED = "grant.revoked", "Grant revoked"
    GRANT_SUSPENDED = "grant.suspended", "Grant suspended (by the performer or a strike)"
    GRANT_RESUMED = "grant.resumed", "Grant resumed"
    GRANT_EXPIRED = "grant.expired", "Grant expired"
    TOKEN_REISSUED = "token.reissued", "Consent token re-issued"
    STRIKE_DECLARED = "strike.declared", "Strike declared"
    STRIKE_LIFTED = "strike.lifted", "Strike lifted"
    STRIKE_GRANTS_SUSPENDED = "strike.grants_suspended", "Grants suspended by a strike (a batch)"
    STRIKE_GRANTS_RESTORED = "strike.grants_restored", "Grants restored when a strike was lifted (a batch)"
    USAGE_REPORT_PROCESSED = "usage_report.processed", "Usage report processed"
    USAGE_LINES_UNRATEABLE = "usage_lines.unrateable", "Accepted usage lines a billing run could not price (a batch)"
    VIOLATION_OPENED = "violation.opened", "Violation case opened"
    INVOICE_FINALIZED = "invoice.finalized", "Invoice, credit or debit note finalized"
    INVOICE_PAID = "invoice.paid", "Invoice paid"
    INVOICE_OVERDUE = "invoice.overdue", "A document is overdue (sent when it falls due and on the reminder schedule)"


class EndpointStatus(Vocabulary):
    ENABLED = "enabled", "Enabled"
    DISABLED = "disabled", "Disabled"


class DeliveryStatus(Vocabulary):
    PENDING = "pending", "Pending (being retried)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (retries exhausted or endpoint disabled)"


class AttemptTrigger(Vocabulary):
    AUTOMATIC = "automatic", "Automatic"
    MANUAL = "manual", "Manual redelivery"
