"""Reconciliation of the ledger with the documents: what `manage.py reconcile_ledger` proves.

1. Every journal entry balances (its postings sum to zero), and so do the books.
2. Each document's balance is its total less the payments applied to it (zero once void).
3. Each studio's receivable equals the open balances of its documents, and its credit account
   the parts of its payments not yet applied.
4. Each performer's payable equals their pay on standing documents less what was paid out to
   them, each fund's account likewise, and the interest account the interest on standing notes.

Sums are taken in Python with Decimal, not with SQL SUM: SQLite adds decimals as floats.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from registry.billing.documents import totals_from_lines
from registry.billing.models import (
    Invoice,
    JournalEntry,
    LedgerAccount,
    Payment,
    PaymentApplication,
    Payout,
    Posting,
)
from registry.core.vocabulary.billing import AccountKind, InvoiceStatus

ZERO = Decimal("0.00")
STANDING = (InvoiceStatus.FINALIZED, InvoiceStatus.PAID)


@dataclass
class Reconciliation:
    entries: int = 0
    documents: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _account_balances() -> dict[str, Decimal]:
    balances: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for code, amount in Posting.objects.values_list("account__code", "amount").iterator(chunk_size=5000):
        balances[code] += amount
    return balances


def _compare(result: Reconciliation, what: str, ledger: Decimal, documents: Decimal) -> None:
    if ledger != documents:
        result.problems.append(f"{what}: the ledger says {ledger}, the documents say {documents}")


def reconcile_ledger() -> Reconciliation:
    result = Reconciliation(entries=JournalEntry.objects.count())
    # 1. Entries balance.
    by_entry: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for entry_id, amount in Posting.objects.values_list("entry_id", "amount").iterator(chunk_size=5000):
        by_entry[entry_id] += amount
    bad = {pk: total for pk, total in by_entry.items() if total != 0}
    for public_id, memo, pk in JournalEntry.objects.filter(pk__in=list(bad)).values_list("public_id", "memo", "pk"):
        result.problems.append(f"UNBALANCED {public_id} ({memo}): postings sum to {bad[pk]}")
    grand = sum(by_entry.values(), ZERO)
    if grand != 0:
        result.problems.append(f"The books sum to {grand}, not zero")

    balances = _account_balances()
    accounts = {a.code: a for a in LedgerAccount.objects.select_related("studio", "performer")}

    # 2. Each document's balance from its payments.
    applied: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for invoice_id, amount in PaymentApplication.objects.values_list("invoice_id", "amount").iterator(chunk_size=5000):
        applied[invoice_id] += amount
    receivable: dict[str, Decimal] = defaultdict(lambda: ZERO)
    owed_performer: dict[str, Decimal] = defaultdict(lambda: ZERO)
    owed_fund: dict[str, Decimal] = defaultdict(lambda: ZERO)
    interest: dict[str, Decimal] = defaultdict(lambda: ZERO)
    performer_ids: dict[int, str] = {}
    for invoice in (
        Invoice.objects.filter(status__in=[*STANDING, InvoiceStatus.VOID])
        .select_related("studio")
        .order_by("pk")
        .iterator(chunk_size=500)
    ):
        result.documents += 1
        expected = ZERO if invoice.status == InvoiceStatus.VOID else invoice.total - applied[invoice.pk]
        if invoice.balance != expected:
            result.problems.append(
                f"{invoice.number}: balance {invoice.balance}, but total {invoice.total} less payments "
                f"{applied[invoice.pk]} is {expected}"
            )
        if invoice.status == InvoiceStatus.VOID:
            continue  # its finalization and its reversal cancel out on every account
        receivable[f"receivable:{invoice.studio.public_id}:{invoice.currency}"] += invoice.balance
        totals = totals_from_lines(invoice)
        for performer_id, amount in totals.by_performer.items():
            performer_ids.setdefault(performer_id, "")
            owed_performer[f"{performer_id}:{invoice.currency}"] += amount
        for fund, amount in totals.by_fund(invoice.public_id).items():
            owed_fund[f"fund:{fund}:{invoice.currency}"] += amount
        interest[f"{AccountKind.INTEREST}:{invoice.currency}"] += totals.interest

    # 3. Receivables and studio credits.
    for code, account in accounts.items():
        if account.kind == AccountKind.RECEIVABLE:
            _compare(result, code, balances.get(code, ZERO), receivable.pop(code, ZERO))
    for code, amount in receivable.items():
        _compare(result, code, ZERO, amount)
    credit: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for studio_public_id, currency, unapplied in Payment.objects.values_list(
        "studio__public_id", "currency", "unapplied"
    ).iterator(chunk_size=5000):
        credit[f"credit:{studio_public_id}:{currency}"] += unapplied
    for code, account in accounts.items():
        if account.kind == AccountKind.STUDIO_CREDIT:
            _compare(result, code, -balances.get(code, ZERO), credit.pop(code, ZERO))
    for code, amount in credit.items():
        _compare(result, code, ZERO, amount)

    # 4. Payables: earned on standing documents, less paid out.
    for performer_id, fund, currency, amount in Payout.objects.values_list(
        "performer_id", "fund", "currency", "amount"
    ).iterator(chunk_size=5000):
        if performer_id:
            owed_performer[f"{performer_id}:{currency}"] -= amount
        else:
            owed_fund[f"fund:{fund}:{currency}"] -= amount
    for code, account in accounts.items():
        if account.kind == AccountKind.PAYABLE:
            key = f"{account.performer_id}:{account.currency}"
            _compare(result, code, -balances.get(code, ZERO), owed_performer.pop(key, ZERO))
        elif account.kind == AccountKind.FUND:
            _compare(result, code, -balances.get(code, ZERO), owed_fund.pop(code, ZERO))
        elif account.kind == AccountKind.INTEREST:
            _compare(result, code, -balances.get(code, ZERO), interest.pop(code, ZERO))
    for key, amount in [*owed_performer.items(), *owed_fund.items(), *interest.items()]:
        if amount:
            result.problems.append(f"{key}: the documents say {amount} is owed, but there is no account")
    return result
