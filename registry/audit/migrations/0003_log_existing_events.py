"""Audit events recorded before the transparency log began become its first leaves, in chain
order, exactly as audit_record appends later ones; the sequencer gives them their indices."""

from django.db import migrations
from django.utils import timezone

from registry.audit.services import log_record
from registry.tlog import leaves

CHUNK = 2000


def log_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    LogLeaf = apps.get_model("tlog", "LogLeaf")
    logged = set(LogLeaf.objects.filter(kind="audit_event").values_list("ref", flat=True))
    now = timezone.now()
    batch = []
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=CHUNK):
        if str(event.pk) in logged:
            continue
        batch.append(LogLeaf(kind="audit_event", ref=str(event.pk), data=leaves.encode(log_record(event)), created_at=now))
        if len(batch) == CHUNK:
            LogLeaf.objects.bulk_create(batch)
            batch = []
    LogLeaf.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers"), ("tlog", "0001_initial")]
    operations = [migrations.RunPython(log_existing_events, migrations.RunPython.noop)]
