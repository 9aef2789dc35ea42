"""Pricing as data (issue 18): each agreement names its successor, P&H rates are effective-dated
rows, and a pricing rule per agreement, kind of use and role says which scale row prices it.
Then the reference data of DOMAIN.md section 6, each row with its source and confidence, and
the agreements' former single P&H rate and multipliers carried into rows (0009 drops them)."""

import django.core.validators
import django.db.models.deletion
import registry.core.vocabulary.reference
from decimal import Decimal
from django.db import migrations, models


import datetime as dt

D = dt.date
H, M, L = "H", "M", "L"
TVTH = ("tvth-2023", "tvth-2026")
SUCCESSORS = [("tvth-2023", "tvth-2026")]

# (agreement, rate, from, to, confidence, source)
PH_RATES = [
    ("tvth-2023", "0.21", D(2023, 11, 9), D(2026, 6, 30), L,
     "21% of performer pay (public rate summaries; confirm against the rate sheet)"),
    ("tvth-2026", "0.21", D(2026, 7, 1), None, L,
     "21% of performer pay (public rate summaries; confirm against the rate sheet)"),
    ("commercials-2025", "0.235", D(2025, 4, 1), None, M, "23.5% from 2025 (published summary)"),
    ("interactive-2025", "0.17", D(2025, 7, 9), D(2026, 9, 30), M,
     "Health and retirement 17% from ratification (trade press on the 2025 deal)"),
    ("interactive-2025", "0.175", D(2026, 10, 1), None, M,
     "17.5% from 2026-10-01 (trade press on the 2025 deal; section 4's 'Nov 2026' is the earlier reading)"),
]

# (agreement, role, unit, amount, from, to, confidence, source, carried forward)
RATES = [
    ("interactive-2025", "day_performer", "day", "1269.17", D(2025, 7, 9), D(2025, 10, 31), L,
     "A 2024 summary's 1,102.00 plus the 15.17% ratification increase (derived)", False),
    ("interactive-2025", "day_performer", "day", "1307.25", D(2025, 11, 1), D(2026, 10, 31), L,
     "+3% in November 2025 (derived)", False),
    ("interactive-2025", "day_performer", "day", "1346.47", D(2026, 11, 1), D(2027, 10, 31), L,
     "+3% in November 2026 (derived)", False),
    ("interactive-2025", "day_performer", "day", "1386.86", D(2027, 11, 1), None, L,
     "+3% in November 2027 (derived)", False),
    ("tvth-2026", "background_actor", "day", "224", D(2026, 7, 1), None, L,
     "No published figure: the 2025-07-01 row carried until the union enters the 2026 one", True),
    ("tvth-2026", "stand_in", "day", "262", D(2026, 7, 1), None, L,
     "No published figure: the 2025-07-01 row carried until the union enters the 2026 one", True),
]

DAY = ("day_performer", "day", "1")
WEEK_TO_DAY = ("weekly_performer", "week", "5")
BACKGROUND = ("background_actor", "day", "1")
STAND_IN = ("stand_in", "day", "1")
SESSION = ("commercial_session", "session", "1")
NONE = ("", "", "1")

# (agreement codes, kind, role, scale, multiplier, P&H applies, confidence, source)
RULES = [
    (TVTH, "replica_use", "", DAY, "1", True, H,
     "3.1 EBDR: max(own daily rate, day-performer scale) × good-faith days; a background replica "
     "used as a principal at principal day scale (3.2); ICDR floor per the agreement (3.3)"),
    (TVTH, "scan_session", "", DAY, "1", True, H, "3.2 scan time is work time: at least one day at scale"),
    (TVTH, "scan_session", "background_actor", BACKGROUND, "1", True, H,
     "3.2 a background actor called only to be scanned: one full background day"),
    (TVTH, "realtime_generation", "", DAY, "1", True, L, "No published figure: the registry's default, day scale"),
    (TVTH, "digital_alteration", "", DAY, "1", True, L,
     "No published figure: the registry's default floor, a day at scale per unit"),
    (TVTH, "training_use", "", NONE, "1", True, M, "3.6 the consent's negotiated terms; no scale floor"),
    (TVTH, "synthetic_standin", "day_performer", DAY, "1", True, L,
     "3.5 registry default: what a day performer would be paid at scale, × 1"),
    (TVTH, "synthetic_standin", "weekly_performer", WEEK_TO_DAY, "1", True, L,
     "3.5 registry default: weekly scale ÷ 5 a day (the registry's stated divisor, section 6)"),
    (TVTH, "synthetic_standin", "background_actor", BACKGROUND, "1", True, L,
     "3.5 registry default: a background day at scale"),
    (TVTH, "synthetic_standin", "stand_in", STAND_IN, "1", True, L, "3.5 registry default: a stand-in day at scale"),
    (("commercials-2025",), "replica_use", "", SESSION, "1", True, M,
     "Section 6: a replica used in a commercial is paid as if performed: the session fee in force per spot (M-L)"),
    (("commercials-2025",), "scan_session", "", SESSION, "1", True, L, "Registry default: a scan paid as a session"),
    (("commercials-2025",), "realtime_generation", "", SESSION, "1", True, L,
     "No published figure: the registry's default, the session fee"),
    (("commercials-2025",), "digital_alteration", "", SESSION, "1", True, L,
     "No published figure: the registry's default floor, a session fee"),
    (("commercials-2025",), "training_use", "", NONE, "1", True, M, "3.6 the consent's negotiated terms"),
    (("commercials-2025",), "synthetic_standin", "", SESSION, "1.5", True, M,
     "3.5 Commercials 2025: 1.5 × the session fee plus contributions (M-L)"),
    (("interactive-2025",), "replica_use", "", DAY, "1", True, L, "Day-performer scale × days (registry default)"),
    (("interactive-2025",), "scan_session", "", DAY, "1", True, L, "Scan time is work time: a day at scale"),
    (("interactive-2025",), "realtime_generation", "", DAY, "7.5", True, M,
     "3.4 real-time generation: at least 7.5 × the day-performer scale"),
    (("interactive-2025",), "digital_alteration", "", DAY, "1", True, L, "Registry default floor: a day at scale"),
    (("interactive-2025",), "training_use", "", NONE, "1", True, M, "3.6 the consent's negotiated terms"),
    (("interactive-2025",), "synthetic_standin", "", DAY, "1", True, L,
     "3.5 registry default: what a day performer would be paid at scale"),
    (("sound-recordings-2021",), "synthetic_voice_track", "", NONE, "1", False, M,
     "3.5 a synthetic voice track pays what a human vocal would: the label states it per track"),
    (("sound-recordings-2021",), "replica_use", "", NONE, "1", False, L,
     "No published scale: the consent's signed compensation, no P&H figure known"),
    (("sound-recordings-2021",), "realtime_generation", "", NONE, "1", False, L,
     "No published scale: the consent's signed compensation"),
    (("sound-recordings-2021",), "digital_alteration", "", NONE, "1", False, L,
     "No published scale: the consent's signed compensation"),
    (("sound-recordings-2021",), "scan_session", "", NONE, "1", False, L,
     "No published scale: the consent's signed compensation"),
    (("sound-recordings-2021",), "training_use", "", NONE, "1", False, M, "3.6 the consent's negotiated terms"),
]
REFERENCE = {"tvth-2023", "tvth-2026", "commercials-2025", "interactive-2025", "sound-recordings-2021"}


def load(apps, schema_editor):
    Agreement = apps.get_model("terms", "Agreement")
    PhRate = apps.get_model("terms", "PhRate")
    PricingRule = apps.get_model("terms", "PricingRule")
    RateCard = apps.get_model("terms", "RateCard")
    by_code = {a.code: a for a in Agreement.objects.all()}
    for code, successor in SUCCESSORS:
        if code in by_code and successor in by_code:
            Agreement.objects.filter(pk=by_code[code].pk).update(successor=by_code[successor])
    for code, rate, start, end, confidence, note in PH_RATES:
        if code in by_code:
            PhRate.objects.update_or_create(
                agreement=by_code[code], effective_from=start,
                defaults={"rate": Decimal(rate), "effective_to": end, "source_confidence": confidence,
                          "source_note": note},
            )
    for code, role, unit, amount, start, end, confidence, note, carried in RATES:
        if code in by_code:
            RateCard.objects.update_or_create(
                agreement=by_code[code], role_category=role, unit=unit, effective_from=start,
                defaults={"amount": Decimal(amount), "currency": by_code[code].currency, "effective_to": end,
                          "source_confidence": confidence, "source_note": note, "carried_forward": carried},
            )
    for codes, kind, role, (scale_role, scale_unit, divisor), multiplier, ph, confidence, note in RULES:
        for code in codes:
            if code in by_code:
                PricingRule.objects.update_or_create(
                    agreement=by_code[code], usage_kind=kind, role_category=role,
                    defaults={"scale_role": scale_role, "scale_unit": scale_unit, "scale_divisor": Decimal(divisor),
                              "multiplier": Decimal(multiplier), "ph_applies": ph,
                              "source_confidence": confidence, "source_note": note},
                )
    # Agreements staff added: their single P&H rate and multipliers become rows, as they priced.
    # (Only while those columns exist: tests reload the reference data above with today's models.)
    if "ph_contribution_rate" not in {f.name for f in Agreement._meta.get_fields()}:
        return
    for agreement in Agreement.objects.exclude(code__in=REFERENCE):
        PhRate.objects.get_or_create(
            agreement=agreement, effective_from=agreement.effective_from,
            defaults={"rate": agreement.ph_contribution_rate, "effective_to": agreement.effective_to,
                      "source_confidence": agreement.source_confidence,
                      "source_note": "The agreement's single P&H rate before rates were effective-dated"},
        )
        former = [
            ("replica_use", "", DAY, "1"), ("scan_session", "", DAY, "1"),
            ("scan_session", "background_actor", BACKGROUND, "1"),
            ("realtime_generation", "", DAY, agreement.realtime_generation_multiplier),
            ("digital_alteration", "", DAY, "1"), ("training_use", "", NONE, "1"),
            ("synthetic_standin", "day_performer", DAY, agreement.synthetic_royalty_multiplier),
            ("synthetic_standin", "background_actor", BACKGROUND, agreement.synthetic_royalty_multiplier),
            ("synthetic_standin", "stand_in", STAND_IN, agreement.synthetic_royalty_multiplier),
            ("synthetic_standin", "weekly_performer", WEEK_TO_DAY, agreement.synthetic_royalty_multiplier),
            ("synthetic_standin", "commercial_session", SESSION, agreement.synthetic_royalty_multiplier),
            ("synthetic_voice_track", "", NONE, "1"),
        ]
        for kind, role, (scale_role, scale_unit, divisor), multiplier in former:
            PricingRule.objects.get_or_create(
                agreement=agreement, usage_kind=kind, role_category=role,
                defaults={"scale_role": scale_role, "scale_unit": scale_unit, "scale_divisor": Decimal(divisor),
                          "multiplier": Decimal(str(multiplier)), "ph_applies": True,
                          "source_confidence": "L", "source_note": "As the agreement was priced before rules"},
            )


def unload(apps, schema_editor):
    """Rows this migration shipped go with the tables; the successor links with the column."""


class Migration(migrations.Migration):

    dependencies = [
        ('terms', '0007_agreement_residual_terms'),
    ]

    operations = [
        migrations.AddField(
            model_name='agreement',
            name='successor',
            field=models.ForeignKey(blank=True, help_text='The agreement that follows this one in its sector: use after this one ends is priced under the successor in force on the use date (DOMAIN.md section 6).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='predecessors', to='terms.agreement'),
        ),
        migrations.AddField(
            model_name='ratecard',
            name='carried_forward',
            field=models.BooleanField(default=False, help_text="No published figure: the last known period's rate carried on until the union enters the real one (flagged on the console dashboard)."),
        ),
        migrations.CreateModel(
            name='PhRate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rate', models.DecimalField(decimal_places=4, max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))])),
                ('effective_from', models.DateField()),
                ('effective_to', models.DateField(blank=True, help_text='Inclusive; empty = until replaced', null=True)),
                ('source_confidence', models.CharField(choices=[('H', 'High: several sources agree'), ('M', 'Medium: one good source'), ('L', 'Low: weak or derived')], default=registry.core.vocabulary.reference.Confidence['MEDIUM'], max_length=1)),
                ('source_note', models.CharField(blank=True, max_length=500)),
                ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ph_rates', to='terms.agreement')),
            ],
            options={
                'verbose_name': 'P&H rate',
                'ordering': ['agreement__code', 'effective_from'],
                'constraints': [models.UniqueConstraint(fields=('agreement', 'effective_from'), name='ph_rate_start_unique'), models.CheckConstraint(condition=models.Q(('effective_to__isnull', True), ('effective_to__gte', models.F('effective_from')), _connector='OR'), name='ph_rate_period_ordered'), models.CheckConstraint(condition=models.Q(('rate__gte', 0), ('rate__lte', 1)), name='ph_rate_unit_interval')],
            },
        ),
        migrations.CreateModel(
            name='PricingRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('usage_kind', models.CharField(choices=[('scan_session', 'Scan session'), ('replica_use', 'Replica use'), ('voice_replica_use', 'Voice replica use'), ('digital_alteration', 'Digital alteration'), ('realtime_generation', 'Real-time generation'), ('training_use', 'Training use'), ('synthetic_standin', 'Synthetic performer stand-in'), ('synthetic_voice_track', 'Synthetic voice track'), ('streaming_views', 'Streaming views')], max_length=24)),
                ('role_category', models.CharField(blank=True, choices=[('day_performer', 'Day performer'), ('weekly_performer', 'Weekly performer'), ('background_actor', 'Background actor'), ('stand_in', 'Stand-in'), ('commercial_session', 'Commercial session (on-camera principal)')], help_text='Empty: the rule for any role.', max_length=24)),
                ('scale_role', models.CharField(choices=[('day_performer', 'Day performer'), ('weekly_performer', 'Weekly performer'), ('background_actor', 'Background actor'), ('stand_in', 'Stand-in'), ('commercial_session', 'Commercial session (on-camera principal)')], blank=True, help_text='The scale row that applies; empty: no scale floor, the signed price alone.', max_length=24)),
                ('scale_unit', models.CharField(blank=True, choices=[('day', 'Day'), ('week', 'Week'), ('session', 'Session')], max_length=12)),
                ('scale_divisor', models.DecimalField(decimal_places=2, default=Decimal('1'), help_text='The scale is divided by this to price one unit of use (a weekly scale / 5 = a day).', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('1'))])),
                ('multiplier', models.DecimalField(decimal_places=3, default=Decimal('1'), max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0.001'))])),
                ('ph_applies', models.BooleanField(default=True, help_text="P&H contributions are added at the agreement's rate.")),
                ('source_confidence', models.CharField(choices=[('H', 'High: several sources agree'), ('M', 'Medium: one good source'), ('L', 'Low: weak or derived')], default=registry.core.vocabulary.reference.Confidence['MEDIUM'], max_length=1)),
                ('source_note', models.CharField(blank=True, max_length=500)),
                ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pricing_rules', to='terms.agreement')),
            ],
            options={
                'ordering': ['agreement__code', 'usage_kind', 'role_category'],
                'constraints': [models.UniqueConstraint(fields=('agreement', 'usage_kind', 'role_category'), name='pricing_rule_unique_per_kind_role'), models.CheckConstraint(condition=models.Q(('scale_divisor__gte', 1)), name='pricing_rule_divisor_at_least_one'), models.CheckConstraint(condition=models.Q(('multiplier__gt', 0)), name='pricing_rule_multiplier_positive')],
            },
        ),
        migrations.RunPython(load, unload),
    ]
