"""`manage.py reconcile_ledger`: every journal entry balances, and the books as a whole do."""

from django.core.management.base import BaseCommand
from django.db.models import Sum

from registry.billing.models import JournalEntry, Posting


class Command(BaseCommand):
    help = "Check that every journal entry's postings sum to zero; exit 1 naming each that does not."

    def handle(self, *args, **options):
        unbalanced = (
            JournalEntry.objects.annotate(total=Sum("postings__amount"))
            .exclude(total=0)
            .values_list("public_id", "memo", "total")
        )
        bad = list(unbalanced)
        for public_id, memo, total in bad:
            self.stderr.write(f"UNBALANCED {public_id} ({memo}): postings sum to {total}")
        grand = Posting.objects.aggregate(total=Sum("amount"))["total"] or 0
        entries = JournalEntry.objects.count()
        if bad or grand != 0:
            self.stderr.write(f"Ledger does NOT reconcile: {len(bad)} unbalanced entr(ies), books sum to {grand}.")
            raise SystemExit(1)
        self.stdout.write(f"Ledger reconciles: {entries} entries, every one balanced.")
