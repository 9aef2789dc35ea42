"""Tokens issued before the transparency log began become leaves: one `token_issued` per token,
in the order they were issued, with their issue time, and with the status their slot holds when
the log begins (the status each had at issue is not recorded anywhere; `logged_from` says so).
Later changes are leaves of their own, appended as they happen."""

from django.db import migrations
from django.utils import timezone

from registry.tlog import leaves
from registry.tokens.transparency import ISSUE_LEAF, token_record

CHUNK = 2000


def log_existing_tokens(apps, schema_editor):
    ConsentToken = apps.get_model("tokens", "ConsentToken")
    LogLeaf = apps.get_model("tlog", "LogLeaf")
    logged = set(LogLeaf.objects.filter(kind=ISSUE_LEAF).values_list("ref", flat=True))
    now = timezone.now()
    rows = ConsentToken.objects.order_by("issued_at", "id").values_list(
        "pk", "jws", "status", "status_index", "issued_at", "grant__public_id", "status_list__uri"
    )
    batch = []
    for pk, jws, status, index, issued_at, jti, uri in rows.iterator(chunk_size=CHUNK):
        if str(pk) in logged:
            continue
        record = token_record(ISSUE_LEAF, jti=jti, jws=jws, status_list_uri=uri, index=index, status=status, at=issued_at)
        record["logged_from"] = leaves.timestamp(now)
        batch.append(LogLeaf(kind=ISSUE_LEAF, ref=str(pk), data=leaves.encode(record), created_at=now))
        if len(batch) == CHUNK:
            LogLeaf.objects.bulk_create(batch)
            batch = []
    LogLeaf.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("tokens", "0002_status_list_uri"), ("tlog", "0001_initial")]
    operations = [migrations.RunPython(log_existing_tokens, migrations.RunPython.noop)]
