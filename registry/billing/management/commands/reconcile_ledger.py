"""`manage.py reconcile_ledger`: every journal entry balances, and the books as a whole do.

Sums are taken in Python with Decimal, not with SQL SUM: SQLite adds decimals as floats.
"""

from collections import defaultdict
from decimal import Decimal

from django.core.management.base import BaseCommand

from registry.billing.models import JournalEntry, Posting


class Command(BaseCommand):
    help = "Check that every journal entry's postings sum to zero; exit 1 naming each that does not."

    def handle(self, *args, **options):
        by_entry: dict[int, Decimal] = defaultdict(Decimal)
        for entry_id, amount in Posting.objects.values_list("entry_id", "amount").iterator(chunk_size=5000):
            by_entry[entry_id] += amount
        bad = {pk: total for pk, total in by_entry.items() if total != 0}
        for public_id, memo, pk in JournalEntry.objects.filter(pk__in=list(bad)).values_list(
            "public_id", "memo", "pk"
        ):
            self.stderr.write(f"UNBALANCED {public_id} ({memo}): postings sum to {bad[pk]}")
        grand = sum(by_entry.values(), Decimal(0))
        entries = JournalEntry.objects.count()
        if bad or grand != 0:
            self.stderr.write(f"Ledger does NOT reconcile: {len(bad)} unbalanced entr(ies), books sum to {grand}.")
            raise SystemExit(1)
        self.stdout.write(f"Ledger reconciles: {entries} entries, every one balanced.")
