"""`manage.py reconcile_ledger`: the books balance, and agree with the documents (registry.billing.reconcile)."""

from django.core.management.base import BaseCommand

from registry.billing.reconcile import reconcile_ledger


class Command(BaseCommand):
    help = (
        "Check that every journal entry balances, that each studio's receivable equals its documents' open "
        "balances, and that performer and fund payables equal what documents owe them less payouts; "
        "exit 1 naming each difference."
    )

    def handle(self, *args, **options):
        result = reconcile_ledger()
        for problem in result.problems:
            self.stderr.write(problem)
        if not result.ok:
            self.stderr.write(f"Ledger does NOT reconcile: {len(result.problems)} difference(s).")
            raise SystemExit(1)
        self.stdout.write(
            f"Ledger reconciles: {result.entries} entries, every one balanced; "
            f"{result.documents} documents agree with the receivables and payables."
        )
