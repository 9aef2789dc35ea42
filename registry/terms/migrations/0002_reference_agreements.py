"""The agreements of DOMAIN.md as shipped data, each marked with its source confidence.

Union staff edit these in the admin; the figures are published summaries as of late 2026.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

AGREEMENTS = [
    {
        "code": "tvth-2023",
        "name": "TV/Theatrical 2023",
        "sector": "tv_theatrical",
        "effective_from": dt.date(2023, 11, 9),
        "effective_to": dt.date(2026, 6, 30),
        "source_confidence": "H",
        "source_note": "Published union summaries of the 2023 TV/Theatrical agreement. "
        "P&H rate left at 0: set it from the contract text.",
        "streaming_bonus_threshold": Decimal("0.20"),
        "streaming_bonus_window_days": 90,
        "streaming_bonus_share": Decimal("1"),
        "streaming_bonus_performer_share": Decimal("0.75"),
    },
    {
        "code": "tvth-2026",
        "name": "TV/Theatrical 2026",
        "sector": "tv_theatrical",
        "effective_from": dt.date(2026, 7, 1),
        "effective_to": dt.date(2030, 6, 30),
        "source_confidence": "M",
        "source_note": "2026 deal (4-year term): scans from on-the-job footage count as EBDR, "
        "scan requests state a business reason, ICDR floor at day scale, union notice on "
        "training licences. Synthetic-performer royalty is the registry's default rule (L).",
        "scan_requires_business_reason": True,
    },
    {
        "code": "commercials-2025",
        "name": "Commercials 2025",
        "sector": "commercials",
        "effective_from": dt.date(2025, 4, 1),
        "effective_to": dt.date(2028, 3, 31),
        "source_confidence": "M",
        "source_note": "P&H 23.5% from 2025 (M). Synthetic performer: 1.5 x session fee plus "
        "contributions, reported (M-L). Future spots may be pre-consented for the same "
        "advertiser and product line.",
        "ph_contribution_rate": Decimal("0.235"),
        "synthetic_royalty_multiplier": Decimal("1.5"),
        "commercial_preconsent_same_advertiser": True,
    },
    {
        "code": "interactive-2025",
        "name": "Interactive Media 2025",
        "sector": "interactive",
        "effective_from": dt.date(2025, 7, 9),
        "effective_to": dt.date(2028, 10, 31),
        "source_confidence": "M",
        "source_note": "Real-time generation at least 7.5 x scale (M). P&H 17.5% from Nov 2026 "
        "(M). Start date derived from ratification (L).",
        "ph_contribution_rate": Decimal("0.175"),
        "realtime_generation_multiplier": Decimal("7.5"),
    },
    {
        "code": "sound-recordings-2021",
        "name": "Sound Recordings 2021",
        "sector": "sound_recordings",
        "effective_from": dt.date(2021, 1, 1),
        "effective_to": dt.date(2026, 12, 31),
        "source_confidence": "L",
        "source_note": "Sound Recordings (2021-2026); exact dates derived (L). A synthetic voice "
        "track pays the same streaming royalties as a human vocal (M).",
    },
]


def load(apps, schema_editor):
    Agreement = apps.get_model("terms", "Agreement")
    # Tests reload this data with today's models: fields since moved to rows of their own
    # (P&H rates, pricing rules: 0008) are left out then, and 0008's loader sets them.
    known = {f.name for f in Agreement._meta.get_fields()}
    for fields in AGREEMENTS:
        code = fields["code"]
        Agreement.objects.update_or_create(
            code=code, defaults={k: v for k, v in fields.items() if k != "code" and k in known}
        )


def unload(apps, schema_editor):
    Agreement = apps.get_model("terms", "Agreement")
    Agreement.objects.filter(
        code__in=[a["code"] for a in AGREEMENTS], studios__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("terms", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
