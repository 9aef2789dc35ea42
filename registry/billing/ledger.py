"""The double-entry ledger: every entry's postings sum to zero, enforced here and re-checked by
`manage.py reconcile_ledger`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from registry.billing.models import Invoice, JournalEntry, LedgerAccount, Posting
from registry.core.vocabulary.billing import AccountKind
from registry.parties.models import Performer, Studio


class UnbalancedEntryError(ValueError):
    pass


def account_for_studio(studio: Studio, currency: str) -> LedgerAccount:
    return LedgerAccount.objects.get_or_create(
        code=f"receivable:{studio.public_id}:{currency}",
        defaults={
            "kind": AccountKind.RECEIVABLE,
            "name": f"Receivable from {studio.legal_name}",
            "currency": currency,
            "studio": studio,
        },
    )[0]


def account_for_studio_credit(studio: Studio, currency: str) -> LedgerAccount:
    """Money a studio paid that no document has taken yet: the registry owes it back or applies it."""
    return LedgerAccount.objects.get_or_create(
        code=f"credit:{studio.public_id}:{currency}",
        defaults={
            "kind": AccountKind.STUDIO_CREDIT,
            "name": f"Credit of {studio.legal_name}",
            "currency": currency,
            "studio": studio,
        },
    )[0]


def account_for_performer(performer: Performer, currency: str) -> LedgerAccount:
    return LedgerAccount.objects.get_or_create(
        code=f"payable:{performer.public_id}:{currency}",
        defaults={
            "kind": AccountKind.PAYABLE,
            "name": f"Payable to {performer.legal_name}",
            "currency": currency,
            "performer": performer,
        },
    )[0]


def accounts_for_performers(performers: Iterable[Performer], currency: str) -> dict[int, LedgerAccount]:
    """Performer id -> payable account, for many performers in three queries whatever their
    number (an invoice pays hundreds): what exists is read, the rest inserted in one statement.
    ON CONFLICT DO NOTHING waits for a concurrent transaction inserting the same account and
    then leaves its row, which the final read sees once it is committed."""
    wanted = {f"payable:{p.public_id}:{currency}": p for p in performers}
    found = {a.code: a for a in LedgerAccount.objects.filter(code__in=list(wanted))}
    missing = [code for code in wanted if code not in found]
    if missing:
        LedgerAccount.objects.bulk_create(
            [
                LedgerAccount(
                    code=code,
                    kind=AccountKind.PAYABLE,
                    name=f"Payable to {wanted[code].legal_name}",
                    currency=currency,
                    performer=wanted[code],
                )
                for code in missing
            ],
            ignore_conflicts=True,
        )
        found.update((a.code, a) for a in LedgerAccount.objects.filter(code__in=missing))
    return {performer.pk: found[code] for code, performer in wanted.items()}


def account_for_fund(fund: str, currency: str) -> LedgerAccount:
    return LedgerAccount.objects.get_or_create(
        code=f"fund:{fund}:{currency}",
        defaults={"kind": AccountKind.FUND, "name": fund.replace("_", " ").title(), "currency": currency},
    )[0]


def account_named(kind: AccountKind, currency: str) -> LedgerAccount:
    """The registry's own clearing or cash account for a currency."""
    return LedgerAccount.objects.get_or_create(
        code=f"{kind}:{currency}", defaults={"kind": kind, "name": f"Registry {kind}", "currency": currency}
    )[0]


def post_entry(
    *,
    memo: str,
    legs: Iterable[tuple[LedgerAccount, Decimal]],
    currency: str,
    posted_at: dt.datetime,
    posted_by: str,
    invoice: Invoice | None = None,
) -> JournalEntry:
    """Write one balanced entry (call inside a transaction). Legs on the same account are
    merged; zero legs are dropped; an unbalanced entry is refused before anything is written."""
    merged: dict[int, tuple[LedgerAccount, Decimal]] = {}
    for account, amount in legs:
        if account.currency != currency:
            raise UnbalancedEntryError(f"{account.code} is in {account.currency}, not {currency}")
        previous = merged.get(account.pk, (account, Decimal(0)))[1]
        merged[account.pk] = (account, previous + amount)
    total = sum((amount for _, amount in merged.values()), Decimal(0))
    if total != 0:
        raise UnbalancedEntryError(f"entry {memo!r} does not balance: legs sum to {total}")
    entry = JournalEntry.objects.create(posted_at=posted_at, memo=memo[:500], invoice=invoice, posted_by=posted_by)
    Posting.objects.bulk_create(
        [
            Posting(entry=entry, account=account, amount=amount, currency=currency)
            for account, amount in merged.values()
            if amount != 0
        ]
    )
    return entry
