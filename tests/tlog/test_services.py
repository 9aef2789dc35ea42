"""Appending and sequencing: indices in order, tiles and checkpoints that RFC 6962 agrees with."""

from __future__ import annotations

import pytest
from django.db import transaction

from registry.tlog import merkle, note, selectors, services
from registry.tlog.models import Checkpoint, LeafKind, LogLeaf, LogTile
from tests.tlog.conftest import append, leaf_bytes
from tests.tlog.test_merkle import mth

pytestmark = pytest.mark.django_db


def test_leaves_are_pending_until_sequenced_then_indexed_in_order_under_a_signed_checkpoint():
    append(600)
    assert LogLeaf.objects.filter(index__isnull=True).count() == 600

    assert services.log_sequence(batch_size=250) == 600

    assert list(LogLeaf.objects.order_by("id").values_list("index", flat=True)) == list(range(600))
    sizes = list(Checkpoint.objects.order_by("size").values_list("size", flat=True))
    assert sizes == [250, 500, 600]
    latest = selectors.latest_checkpoint()
    assert bytes(latest.root_hash) == mth([leaf_bytes(n) for n in range(600)])
    key = services.log_key_active()
    checkpoint, _ = note.open_checkpoint(latest.note, [selectors.verifier(key)], origin=key.name)
    assert (checkpoint.size, checkpoint.root) == (600, bytes(latest.root_hash))
    # Two full level-0 tiles, the partial third at width 88, and the level-1 tile over the two.
    assert {(t.level, t.number, len(t.hashes) // 32) for t in LogTile.objects.all()} == {
        (0, 0, 256),
        (0, 1, 256),
        (0, 2, 88),
        (1, 0, 2),
    }


def test_proofs_read_from_the_tiles_verify_against_the_checkpoints():
    append(300)
    services.log_sequence(batch_size=100)
    old = selectors.checkpoint_of_size(100)
    new = selectors.latest_checkpoint()

    proof = selectors.inclusion_proof(123, 300)
    merkle.verify_inclusion(123, 300, merkle.leaf_hash(leaf_bytes(123)), proof, bytes(new.root_hash))
    merkle.verify_consistency(
        100, 300, bytes(old.root_hash), bytes(new.root_hash), selectors.consistency_proof(100, 300)
    )


def test_an_empty_log_publishes_the_empty_tree():
    assert services.log_sequence() == 0
    assert bytes(selectors.latest_checkpoint().root_hash) == merkle.EMPTY_ROOT
    assert services.log_sequence() == 0
    assert Checkpoint.objects.count() == 1


def test_a_leaf_rolled_back_with_its_transaction_is_never_logged():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        services.leaf_append(kind=LeafKind.AUDIT_EVENT, ref="x", record={"type": "test", "n": -1})
        1 / 0  # noqa: B018

    assert not LogLeaf.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_appending_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        services.leaf_append(kind=LeafKind.AUDIT_EVENT, ref="x", record={"type": "test"})
