"""The reference rates of DOMAIN.md section 4 as shipped data, with their source confidence.

TV/Theatrical day-performer rates are M-H; the others are derived (M/L). Staff edit them in
the admin; rates change on 1 July (TV/Theatrical) and 1 April (commercials).
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

D = dt.date
TVTH_PERIODS = [
    # (agreement, from, to, day, weekly, background, stand-in)
    ("tvth-2023", D(2023, 11, 9), D(2024, 6, 30), "1158", "4019", "208", "243"),
    ("tvth-2023", D(2024, 7, 1), D(2025, 6, 30), "1204", "4180", "216", "253"),
    ("tvth-2023", D(2025, 7, 1), D(2026, 6, 30), "1246", "4326", "224", "262"),
    ("tvth-2026", D(2026, 7, 1), D(2027, 6, 30), "1283", "4456", None, None),
    ("tvth-2026", D(2027, 7, 1), None, "1321", "4590", None, None),
]
COMMERCIAL_SESSION = [
    ("commercials-2025", D(2025, 4, 1), D(2026, 3, 31), "822.30"),
    ("commercials-2025", D(2026, 4, 1), None, "855.20"),
]


def rows():
    for code, start, end, day, weekly, background, stand_in in TVTH_PERIODS:
        yield code, "day_performer", "day", day, start, end, "H", "Day performer scale (published summaries)"
        yield code, "weekly_performer", "week", weekly, start, end, "M", "Weekly performer scale"
        if background:
            yield code, "background_actor", "day", background, start, end, "L", "Background actor (derived)"
        if stand_in:
            yield code, "stand_in", "day", stand_in, start, end, "L", "Stand-in (derived)"
    for code, start, end, amount in COMMERCIAL_SESSION:
        yield code, "commercial_session", "session", amount, start, end, "M", "On-camera principal session fee"


def load(apps, schema_editor):
    Agreement = apps.get_model("terms", "Agreement")
    RateCard = apps.get_model("terms", "RateCard")
    for code, role, unit, amount, start, end, confidence, note in rows():
        agreement = Agreement.objects.filter(code=code).first()
        if agreement is None:
            continue
        RateCard.objects.update_or_create(
            agreement=agreement, role_category=role, unit=unit, effective_from=start,
            defaults={"amount": Decimal(amount), "currency": agreement.currency, "effective_to": end,
                      "source_confidence": confidence, "source_note": note},
        )


def unload(apps, schema_editor):
    """Remove only the rows this migration shipped; rows staff added stay."""
    RateCard = apps.get_model("terms", "RateCard")
    for code, role, unit, amount, start, _end, _confidence, _note in rows():
        RateCard.objects.filter(agreement__code=code, role_category=role, unit=unit, effective_from=start,
                                amount=Decimal(amount)).delete()


class Migration(migrations.Migration):
    dependencies = [("terms", "0003_rate_cards")]

    operations = [migrations.RunPython(load, unload)]
