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
