"""The vocabulary of privacy requests: erasure statuses, and why an erasure is refused."""

from registry.core.vocabulary import Vocabulary


class ErasureStatus(Vocabulary):
    PENDING = "pending", "Waiting for union staff"
    REFUSED = "refused", "Refused: the data must be kept for now"
    COMPLETED = "completed", "Carried out: personal data pseudonymised"


class BlockerCode(Vocabulary):
    """Why erasure is refused now; the API sends these as `errors[].code`."""

    ALREADY_ERASED = "already_erased", "The performer's data was already erased"
    LIVE_GRANTS = "live_grants", "A consent is still live: a studio relies on it"
    PENDING_REQUESTS = "pending_requests", "A consent request awaits an answer"
    OPEN_CASES = "open_cases", "A case is open: the records are evidence"
    UNBILLED_USAGE = "unbilled_usage", "Usage is not billed yet"
    UNPAID_EARNINGS = "unpaid_earnings", "The performer is owed money not yet paid out"
