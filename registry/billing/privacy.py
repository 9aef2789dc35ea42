"""The document lines that pay a performer and their payable accounts, for privacy's export and
erasure (the contract is in registry/core/personal_data.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from registry.billing.models import InvoiceLine, LedgerAccount, Payout, Posting
from registry.core.personal_data import Erasure, RowsChanged, iso, money, party
from registry.parties.models import Performer

PSEUDONYMISED = (InvoiceLine, LedgerAccount)


def pseudonymise_performer(performer: Performer, erasure: Erasure) -> RowsChanged:
    """Documents keep numbers, amounts and links; the performer's name in a line's wording is
    replaced by the pseudonym that the line's performer link and payable account also carry."""
    changes = RowsChanged()
    changes[InvoiceLine] += erasure.scrub_rows(
        InvoiceLine.objects.filter(performer=performer), ["description", "explanation"]
    )
    for account in LedgerAccount.objects.filter(performer=performer):
        account.name = f"Payable to {erasure.public_id}"
        account.save(update_fields=["name"])
        changes[LedgerAccount] += 1
    return changes


def export_performer(performer: Performer) -> dict[str, Any]:
    """`earnings`: the document lines that pay them and their payable accounts with every posting."""
    lines = (
        InvoiceLine.objects.filter(performer=performer)
        .select_related("invoice__studio", "usage_line")
        .order_by("invoice__period", "id")
    )
    accounts = LedgerAccount.objects.filter(performer=performer).order_by("code")
    postings = Posting.objects.filter(account__performer=performer).select_related("entry", "account")
    by_account: dict[int, list[dict]] = {}
    for p in postings.order_by("entry__posted_at", "id"):
        by_account.setdefault(p.account_id, []).append(
            {
                "entry": p.entry.public_id,
                "posted_at": iso(p.entry.posted_at),
                "memo": p.entry.memo,
                "amount": money(p.amount),
            }
        )
    payouts = [
        {
            "run": p.run.public_id if p.run_id else None,
            "paid_on": iso(p.run.paid_on) if p.run_id else None,
            "amount": money(p.amount),
            "currency": p.currency,
        }
        for p in Payout.objects.filter(performer=performer).select_related("run").order_by("id")
    ]
    return {
        "earnings": {
            "payouts": payouts,
            "document_lines": [
                {
                    "document": line.invoice.number or line.invoice.public_id,
                    "document_type": line.invoice.document_type,
                    "document_status": line.invoice.status,
                    "period": iso(line.invoice.period),
                    "studio": party(line.invoice.studio),
                    "usage_line": line.usage_line.line_ref if line.usage_line else None,
                    "is_credit": line.is_credit,
                    "description": line.description,
                    "explanation": line.explanation,
                    "performer_pay": money(line.performer_pay),
                    "currency": line.invoice.currency,
                }
                for line in lines
            ],
            "ledger_accounts": [
                {
                    "code": a.code,
                    "name": a.name,
                    "currency": a.currency,
                    # Money the registry owes the performer on this account now.
                    "owed": money(-sum((Decimal(p["amount"]) for p in by_account.get(a.pk, [])), Decimal("0"))),
                    "postings": by_account.get(a.pk, []),
                }
                for a in accounts
            ],
        }
    }
