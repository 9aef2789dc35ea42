"""Store each status list's URI with it (it was rebuilt from REGISTRY_BASE_URL on every request,
so a change of address broke every outstanding token). Existing lists get the address in force
when this migration runs: the one their tokens were issued under, unless it has already moved."""

from django.conf import settings
from django.db import migrations, models


def fill_uris(apps, schema_editor):
    StatusList = apps.get_model("tokens", "StatusList")
    base = settings.REGISTRY_BASE_URL
    for status_list in StatusList.objects.filter(uri="").only("pk", "public_id").iterator():
        StatusList.objects.filter(pk=status_list.pk).update(uri=f"{base}/statuslists/{status_list.public_id}")


class Migration(migrations.Migration):
    dependencies = [
        ("tokens", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="statuslist",
            name="uri",
            field=models.URLField(default="", editable=False, max_length=400),
            preserve_default=False,
        ),
        migrations.RunPython(fill_uris, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="statuslist",
            name="uri",
            field=models.URLField(
                editable=False,
                help_text="Where the list is published, fixed when it is created: its tokens carry this URI and every snapshot's `sub` repeats it, even after the registry moves to another address",
                max_length=400,
            ),
        ),
        migrations.AddConstraint(
            model_name="statuslist",
            constraint=models.CheckConstraint(condition=models.Q(("uri", ""), _negated=True), name="status_list_uri_set"),
        ),
    ]
