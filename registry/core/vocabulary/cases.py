"""The vocabulary of cases: their kinds and statuses."""

from registry.core.vocabulary import Vocabulary


class CaseKind(Vocabulary):
    VIOLATION = "violation", "Violation: use without valid consent"
    SYNTHETIC_NOTICE = "synthetic_notice", "Synthetic performer: notice and bargaining"
    TRAINING_NOTICE = "training_notice", "Training licence: notice to the union"


class CaseStatus(Vocabulary):
    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Investigating"
    RESOLVED = "resolved", "Resolved"
