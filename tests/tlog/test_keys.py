"""The log's key: its own Ed25519 key, encrypted at rest; rotation keeps the origin, the old key
co-signs during the overlap, and the rotation is a leaf of the log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from registry.core.encryption import fernet
from registry.tlog import leaves, note, selectors, services
from registry.tlog.models import LeafKind, LogKey, LogLeaf
from tests.tlog.conftest import append

pytestmark = pytest.mark.django_db


def test_the_private_key_is_stored_encrypted_with_the_key_encryption_key():
    key = services.log_key_active()

    raw = fernet().decrypt(bytes(key.private_encrypted))
    assert len(raw) == 32 and raw not in bytes(key.private_encrypted)
    assert note.public_bytes(services.private_key(key)) == bytes(key.public_key)


def test_rotation_keeps_the_origin_and_the_old_key_cosigns_during_the_overlap(client, settings, capsys):
    settings.TLOG_KEY_OVERLAP_DAYS = 30
    old = services.log_key_active()
    append(3)
    services.log_sequence()

    call_command("rotate_log_key")
    append(3, start=3)
    services.log_sequence()

    new = services.log_key_active()
    assert new.pk != old.pk and new.name == old.name
    assert selectors.verifier(new).vkey in capsys.readouterr().out
    latest = selectors.latest_checkpoint().note
    for key in (old, new):  # a verifier pinned to either key accepts the checkpoint
        note.open_checkpoint(latest, [selectors.verifier(key)], origin=old.name)
    description = client.get("/.well-known/transparency-log.json").json()
    assert description["verifier_key"] == selectors.verifier(new).vkey
    assert description["previous_verifier_keys"] == [selectors.verifier(old).vkey]
    record = leaves.decode(bytes(LogLeaf.objects.get(kind=LeafKind.LOG_KEY).data))
    assert (record["verifier_key"], record["retired"]) == (
        selectors.verifier(new).vkey,
        [selectors.verifier(old).vkey],
    )


def test_after_the_overlap_only_the_new_key_signs(settings):
    old = services.log_key_active()
    services.log_key_rotate(now=timezone.now() - dt.timedelta(days=31))
    append(1)
    services.log_sequence()

    latest = selectors.latest_checkpoint().note
    with pytest.raises(note.NoteError, match="no known key"):
        note.open_checkpoint(latest, [selectors.verifier(old)])
    assert LogKey.objects.count() == 2


def test_log_sequence_command_reports_what_it_did(capsys):
    append(4)

    call_command("log_sequence")

    assert "Sequenced 4 leaves; the log has 4." in capsys.readouterr().out
