"""The vocabulary of the parties: representatives' kinds, studios' standing, contacts, API scopes."""

from registry.core.vocabulary import Vocabulary


class RepresentativeKind(Vocabulary):
    AGENT = "agent", "Agent"
    LAWYER = "lawyer", "Lawyer"
    GUARDIAN = "guardian", "Guardian (of a minor)"
    ESTATE = "estate", "Estate executor"


class SignatoryStatus(Vocabulary):
    SIGNATORY = "signatory", "Signatory"
    PENDING = "pending", "Signatory application pending"
    NON_SIGNATORY = "non_signatory", "Not a signatory"


class StudioStatus(Vocabulary):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"


class ContactRole(Vocabulary):
    TECHNICAL = "technical", "Technical"
    BILLING = "billing", "Billing"
    LEGAL = "legal", "Legal"
    PRODUCTION = "production", "Production"


class ApiScope(Vocabulary):
    """What a studio API key may do. Declared once; views name the scope they require."""

    PROFILE = "profile", "Read and manage the studio profile"
    CONSENT_READ = "consent:read", "Read consent requests, grants and tokens; check consent"
    CONSENT_WRITE = "consent:write", "Request consent"
    USAGE_WRITE = "usage:write", "Report usage"
    BILLING_READ = "billing:read", "Read invoices"
    WEBHOOKS = "webhooks", "Manage webhook endpoints"
