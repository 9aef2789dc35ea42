"""The vocabulary of the staff console: export files' statuses."""

from registry.core.vocabulary import Vocabulary


class ExportStatus(Vocabulary):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Being written"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Deleted after its retention period"
