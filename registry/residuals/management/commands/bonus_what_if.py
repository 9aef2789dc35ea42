"""`manage.py bonus_what_if --year 2025 --threshold 0.15`: a past year's streaming success
bonuses recomputed under other terms, beside what was paid. Reads only: nothing is written."""

import argparse
import dataclasses
import json
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from registry.residuals.selectors import bonus_what_if

BOUNDS = {"threshold": (0, 1), "bonus_share": (0, 99), "performer_share": (0, 1)}


def _share(name: str):
    low, high = BOUNDS[name]

    def parse(text: str) -> Decimal:
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise argparse.ArgumentTypeError(f"{text!r} is not a decimal number") from exc
        if not value.is_finite() or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is outside {low} to {high}")
        return value

    return parse


class Command(BaseCommand):
    help = (
        "Recompute the streaming success bonuses of exhibition windows that began in YEAR under other "
        "terms (threshold, bonus share, performer share) and print them beside what was paid. Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--threshold", type=_share("threshold"), help="e.g. 0.15 for 15%% of subscribers")
        parser.add_argument("--bonus-share", type=_share("bonus_share"), help="e.g. 1.25 for 125%% of the residual")
        parser.add_argument("--performer-share", type=_share("performer_share"), help="e.g. 0.8 for 80%% to the cast")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the whole result as JSON")

    def handle(self, *args, year: int, as_json: bool = False, **options):
        overrides = {name: options[name] for name in BOUNDS if options.get(name) is not None}
        try:
            result = bonus_what_if(year=year, overrides=overrides)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(json.dumps(dataclasses.asdict(result), cls=DjangoJSONEncoder, indent=2))
            return
        changed = ", ".join(f"{k} {v}" for k, v in result.overrides.items()) or "no change (terms as recorded)"
        self.stdout.write(f"Streaming success bonuses for windows that began in {year}; what if: {changed}")
        for row in result.titles:
            self.stdout.write(
                f"  {row.name} ({row.production_number}), {row.studio}, year {row.exhibition_year}: "
                f"paid {row.actual.bonus_total} {row.currency}, what if {row.what_if.bonus_total} "
                f"({row.difference:+})"
            )
            for share in row.what_if.shares:
                self.stdout.write(f"      {share.name} ({share.performer}): {share.amount}")
        if not result.titles:
            self.stdout.write("  No viewing reports for those windows.")
        for total in result.totals:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Total {total.currency}: paid {total.actual_bonus} on {total.titles_qualified_actual} "
                    f"title(s), what if {total.what_if_bonus} on {total.titles_qualified_what_if} "
                    f"({total.difference:+}); to the fund {total.actual_to_fund} -> {total.what_if_to_fund}"
                )
            )
