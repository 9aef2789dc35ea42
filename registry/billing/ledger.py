"""The double-entry ledger: every entry's postings sum to zero, enforced here and re-checked by
`manage.py reconcile_ledger`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from registry.billing.models import Invoice, JournalEntry, LedgerAccount, Posting
from registry.core.vocabulary.billing import AccountKind
from registry.parties.models import Performer, Studio


class UnbalancedEntryError(ValueError):
    pass


@dataclass(frozen=True)
class AccountSpec:
    """An account by its code, with what it is created with the first time it is used."""

    code: str
    kind: str
    name: str
    currency: str
    studio: Studio | None = None
    performer: Performer | None = None


def studio_receivable(studio: Studio, currency: str) -> AccountSpec:
    return _of_studio(studio, currency, "receivable", AccountKind.RECEIVABLE, f"Receivable from {studio.legal_name}")


def studio_credit(studio: Studio, currency: str) -> AccountSpec:
    """Money a studio paid that no document has taken yet: the registry owes it back or applies it."""
    return _of_studio(studio, currency, "credit", AccountKind.STUDIO_CREDIT, f"Credit of {studio.legal_name}")


def _of_studio(studio: Studio, currency: str, prefix: str, kind: AccountKind, name: str) -> AccountSpec:
    return AccountSpec(f"{prefix}:{studio.public_id}:{currency}", kind, name, currency, studio=studio)


def performer_payable(performer: Performer, currency: str) -> AccountSpec:
    return AccountSpec(
        f"payable:{performer.public_id}:{currency}",
        AccountKind.PAYABLE,
        f"Payable to {performer.legal_name}",
        currency,
        performer=performer,
    )


def fund(name: str, currency: str) -> AccountSpec:
    return AccountSpec(f"fund:{name}:{currency}", AccountKind.FUND, name.replace("_", " ").title(), currency)


def named(kind: AccountKind, currency: str) -> AccountSpec:
    """The registry's own clearing or cash account for a currency."""
    return AccountSpec(f"{kind}:{currency}", kind, f"Registry {kind}", currency)


def accounts(specs: Iterable[AccountSpec]) -> dict[str, LedgerAccount]:
    """Code -> account for every spec, in one query when they all exist and three when some do
    not (a document posts to its studio, hundreds of performers and a few funds): what exists
    is read, the rest inserted in one statement. ON CONFLICT DO NOTHING waits for a concurrent
    transaction inserting the same account and then leaves its row, which the final read sees
    once it is committed."""
    wanted = {spec.code: spec for spec in specs}
    found = {a.code: a for a in LedgerAccount.objects.filter(code__in=list(wanted))}
    missing = [spec for code, spec in wanted.items() if code not in found]
    if missing:
        LedgerAccount.objects.bulk_create(
            [
                LedgerAccount(
                    code=spec.code,
                    kind=spec.kind,
                    name=spec.name,
                    currency=spec.currency,
                    studio=spec.studio,
                    performer=spec.performer,
                )
                for spec in missing
            ],
            ignore_conflicts=True,
        )
        found.update((a.code, a) for a in LedgerAccount.objects.filter(code__in=[spec.code for spec in missing]))
    return found


def account(spec: AccountSpec) -> LedgerAccount:
    return accounts([spec])[spec.code]


def account_for_studio(studio: Studio, currency: str) -> LedgerAccount:
    return account(studio_receivable(studio, currency))


def account_for_studio_credit(studio: Studio, currency: str) -> LedgerAccount:
    return account(studio_credit(studio, currency))


def account_for_performer(performer: Performer, currency: str) -> LedgerAccount:
    return account(performer_payable(performer, currency))


def account_named(kind: AccountKind, currency: str) -> LedgerAccount:
    return account(named(kind, currency))


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
