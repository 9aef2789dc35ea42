"""TV/Theatrical 2026: an independently created replica pays at least day-performer scale (M)."""

from django.db import migrations


def set_floor(apps, schema_editor):
    apps.get_model("terms", "Agreement").objects.filter(code="tvth-2026").update(icdr_floor_day_scale=True)


class Migration(migrations.Migration):
    dependencies = [("terms", "0005_agreement_icdr_floor_day_scale")]

    operations = [migrations.RunPython(set_floor, migrations.RunPython.noop)]
