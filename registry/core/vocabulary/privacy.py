"""The vocabulary of privacy requests: erasure statuses."""

from registry.core.vocabulary import Vocabulary


class ErasureStatus(Vocabulary):
    PENDING = "pending", "Waiting for union staff"
    REFUSED = "refused", "Refused: the data must be kept for now"
    COMPLETED = "completed", "Carried out: personal data pseudonymised"
