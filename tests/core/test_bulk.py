"""copy_insert: the rows stored are the rows given, through COPY (PostgreSQL) or bulk_create."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from registry.core.bulk import EncodedJson, copy_insert
from registry.outbox.models import OutboxMessage
from registry.usage.models import UsageLineKey

pytestmark = pytest.mark.django_db


def _row(args) -> dict:
    return {
        "task": "test.bulk",
        "args": args,
        "dedupe_key": None,
        "created_at": timezone.now(),
        "sent_at": timezone.now(),
        "attempts": 0,
        "last_error": "",
    }


@pytest.mark.parametrize("vendor", ["as configured", "sqlite"])
def test_a_value_encoded_once_is_stored_as_the_value_it_encodes(monkeypatch, vendor):
    """A JSON value many rows share is encoded once (EncodedJson): each row stores the value,
    not its text as a JSON string, beside rows that give plain values."""
    if vendor == "sqlite":  # bulk_create's path, whichever database the suite runs on
        monkeypatch.setattr(connection, "vendor", "sqlite")
    shared = EncodedJson.of(["a", {"b": "1.00", "c": None}])
    with transaction.atomic():
        assert copy_insert(OutboxMessage, [_row(shared), _row(["plain", 2]), _row(shared)]) == 3
    stored = list(OutboxMessage.objects.filter(task="test.bulk").order_by("pk").values_list("args", flat=True))
    assert stored == [["a", {"b": "1.00", "c": None}], ["plain", 2], ["a", {"b": "1.00", "c": None}]]


@pytest.mark.parametrize("vendor", ["as configured", "sqlite"])
def test_a_duplicate_key_is_djangos_integrity_error(monkeypatch, vendor):
    """What a caller catches is Django's IntegrityError, whichever path wrote (COPY raises
    psycopg's own otherwise): usage reports catch it when a line id was stored meanwhile."""
    if vendor == "sqlite":
        monkeypatch.setattr(connection, "vendor", "sqlite")
    key = {"studio_id": 1, "line_ref": "L-1"}
    with transaction.atomic():
        copy_insert(UsageLineKey, [key])
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_insert(UsageLineKey, [{"studio_id": 1, "line_ref": "L-2"}, key])
    assert list(UsageLineKey.objects.values_list("line_ref", flat=True)) == ["L-1"]
