"""The vocabulary of the staff console: export files' and audit chain checks' statuses."""

from registry.core.vocabulary import Vocabulary


class ExportStatus(Vocabulary):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Being written"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Deleted after its retention period"


class ChainCheckStatus(Vocabulary):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Checking"
    DONE = "done", "Finished"
    FAILED = "failed", "Stopped by an error"
