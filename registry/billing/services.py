"""The index of billing's writes, for callers outside billing; each lives in the module of its
responsibility: runs (start, plan, bill a studio), documents (finalize), corrections (void,
debit notes) and payments (payments received, payouts)."""

from registry.billing.corrections import Correction, debit_note_issue, invoice_void
from registry.billing.documents import invoice_finalize
from registry.billing.payments import invoice_mark_paid, payout_record
from registry.billing.runs import bill_studio, billing_run_plan, billing_run_start

__all__ = [
    "Correction",
    "bill_studio",
    "billing_run_plan",
    "billing_run_start",
    "debit_note_issue",
    "invoice_finalize",
    "invoice_mark_paid",
    "invoice_void",
    "payout_record",
]
