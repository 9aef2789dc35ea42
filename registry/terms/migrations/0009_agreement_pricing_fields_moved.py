"""The agreement's single P&H rate and its two multipliers now live in PhRate and PricingRule
rows (0008 copied them there); a separate migration, so the copy commits before the columns go."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("terms", "0008_pricing_rules")]

    operations = [
        migrations.RemoveField(
            model_name='agreement',
            name='ph_contribution_rate',
        ),
        migrations.RemoveField(
            model_name='agreement',
            name='realtime_generation_multiplier',
        ),
        migrations.RemoveField(
            model_name='agreement',
            name='synthetic_royalty_multiplier',
        ),
    ]
