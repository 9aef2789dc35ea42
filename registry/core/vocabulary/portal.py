"""The vocabulary of the portal: join requests' statuses."""

from registry.core.vocabulary import Vocabulary


class JoinRequestStatus(Vocabulary):
    PENDING = "pending", "Waiting for union staff"
    APPROVED = "approved", "Approved: invitation sent"
    REJECTED = "rejected", "Rejected"
