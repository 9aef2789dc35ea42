"""The vocabulary of billing: run statuses, document types and statuses, ledger accounts."""

from registry.core.vocabulary import Vocabulary


class RunStatus(Vocabulary):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"


class DocumentType(Vocabulary):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"
    DEBIT_NOTE = "debit_note", "Debit note"
    # Streaming success bonuses and AI training-licence shares, billed when they arise.
    RESIDUALS = "residuals", "Residuals invoice"


class LineCharge(Vocabulary):
    """What a document line bills: a reported use, a residual (bonus or licence share), or
    late-payment interest on another document. Read from the line's links, never stored."""

    USAGE = "usage", "Usage"
    RESIDUALS = "residuals", "Residuals"
    INTEREST = "interest", "Late-payment interest"


class InvoiceStatus(Vocabulary):
    DRAFT = "draft", "Draft"
    FINALIZED = "finalized", "Finalized"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


class AccountKind(Vocabulary):
    RECEIVABLE = "receivable", "Studio receivable"
    PAYABLE = "payable", "Performer payable"
    FUND = "fund", "Union fund"
    CLEARING = "clearing", "Registry clearing"
    CASH = "cash", "Cash"
    STUDIO_CREDIT = "studio_credit", "Studio credit (money received, not yet applied)"
    INTEREST = "interest", "Late-payment interest"


class PaymentMethod(Vocabulary):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CHEQUE = "cheque", "Cheque"
    CARD = "card", "Card"
    OTHER = "other", "Other"


class AgingBucket(Vocabulary):
    """How long an open balance has been due, in days past its due date."""

    CURRENT = "current", "Not yet due"
    DAYS_0_30 = "0-30", "0-30 days overdue"
    DAYS_31_60 = "31-60", "31-60 days overdue"
    DAYS_61_90 = "61-90", "61-90 days overdue"
    DAYS_90_PLUS = "90+", "Over 90 days overdue"


class PayeeKind(Vocabulary):
    PERFORMER = "performer", "Performer"
    FUND = "fund", "Union fund"
