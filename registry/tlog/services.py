"""Writes of the transparency log: leaves appended in the caller's transaction, the sequencer
that puts them in the tree and signs a checkpoint per batch, the log key and its rotation, and
the submission of checkpoints to witnesses.

Callers (the audit trail, tokens) append a pending leaf in the transaction of what it records, so
the log holds exactly what happened: nothing that rolled back, nothing that committed without it.
One sequencer at a time (a PostgreSQL advisory lock held to the commit; SQLite serialises
writers anyway) takes pending leaves in id order, gives them the next indices, writes the tiles
they change and a signed checkpoint, all in one transaction: a sequencer killed mid-batch leaves
nothing behind, and the next one does the batch again.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from registry.core.bulk import copy_insert
from registry.core.encryption import fernet
from registry.outbox import services as outbox
from registry.tlog import leaves, merkle, note, selectors
from registry.tlog.models import Checkpoint, Cosignature, LeafKind, LogKey, LogKeyStatus, LogLeaf, LogTile, Witness

logger = logging.getLogger(__name__)

# Tasks this module enqueues through the outbox, by name (registry/tlog/tasks.py runs them).
SEQUENCE_TASK = "tlog.sequence"
SUBMIT_TO_WITNESSES_TASK = "tlog.submit_to_witnesses"
# pg_try_advisory_xact_lock key of the sequencer: the bytes b"tlogseqr" read as a big-endian integer.
SEQUENCER_LOCK_ID = 0x746C6F6773657172
# A witness answers add-checkpoint with at most a few signature lines.
WITNESS_RESPONSE_LIMIT = 64 * 1024


# --- Appending ---------------------------------------------------------------------------------
def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "log leaves are appended inside transaction.atomic(), in the transaction of what they record."
        )


def leaf_append(*, kind: LeafKind, ref: str, record: Mapping[str, Any]) -> LogLeaf:
    """Append one pending leaf in the current transaction."""
    _require_transaction()
    return LogLeaf.objects.create(kind=kind, ref=ref, data=leaves.encode(record))


def leaves_append(*, kind: LeafKind, records: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
    """Append pending leaves, one per (ref, record), in one COPY (a strike job's thousands of
    token changes); returns how many."""
    _require_transaction()
    now = timezone.now()
    return copy_insert(
        LogLeaf,
        (
            {"index": None, "kind": kind, "ref": ref, "data": leaves.encode(record), "created_at": now}
            for ref, record in records
        ),
    )


# --- The log key ---------------------------------------------------------------------------------
def _encrypt(private_key: Ed25519PrivateKey) -> bytes:
    return fernet().encrypt(private_key.private_bytes_raw())


@functools.lru_cache(maxsize=8)
def _decrypt(encrypted: bytes) -> Ed25519PrivateKey:
    """Cached: decrypting per checkpoint would cost more than the signature."""
    return Ed25519PrivateKey.from_private_bytes(fernet().decrypt(encrypted))


def private_key(key: LogKey) -> Ed25519PrivateKey:
    return _decrypt(bytes(key.private_encrypted))


def _new_key(name: str, now: dt.datetime) -> LogKey:
    secret = Ed25519PrivateKey.generate()
    public = note.public_bytes(secret)
    verifier = note.verifier_for(name, public)
    return LogKey.objects.create(
        name=name, key_id=verifier.key_id, public_key=public, private_encrypted=_encrypt(secret), created_at=now
    )


def log_key_active() -> LogKey:
    """The key that signs checkpoints; made on first need, named after the configured origin."""
    key = selectors.active_log_key()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _new_key(selectors.configured_origin(), timezone.now())
    except IntegrityError:  # another process made it at the same moment
        return LogKey.objects.get(status=LogKeyStatus.ACTIVE)


def log_key_rotate(*, now: dt.datetime | None = None) -> LogKey:
    """A new active key under the same name (the origin does not change). The old key retires
    and keeps co-signing checkpoints for TLOG_KEY_OVERLAP_DAYS, so verifiers that pinned it keep
    working while they take the new one. The rotation is itself a leaf of the log."""
    now = now or timezone.now()
    with transaction.atomic():
        old = list(LogKey.objects.select_for_update().filter(status=LogKeyStatus.ACTIVE))
        for key in old:
            key.status, key.retired_at = LogKeyStatus.RETIRED, now
            key.save(update_fields=["status", "retired_at"])
        name = old[0].name if old else selectors.configured_origin()
        key = _new_key(name, now)
        leaf_append(
            kind=LeafKind.LOG_KEY,
            ref=str(key.pk),
            record={
                "type": LeafKind.LOG_KEY.value,
                "verifier_key": selectors.verifier(key).vkey,
                "retired": [selectors.verifier(k).vkey for k in old],
                "time": leaves.timestamp(now),
            },
        )
    return key


def _signing_keys(now: dt.datetime) -> list[LogKey]:
    overlap = now - dt.timedelta(days=settings.TLOG_KEY_OVERLAP_DAYS)
    return [log_key_active(), *LogKey.objects.filter(status=LogKeyStatus.RETIRED, retired_at__gt=overlap)]


def checkpoint_note(size: int, root: bytes, now: dt.datetime) -> str:
    """The checkpoint of this tree, signed by the active key and those still in their overlap."""
    keys = _signing_keys(now)
    text = note.Checkpoint(origin=keys[0].name, size=size, root=root).text()
    return text + "\n" + "".join(note.sign(text, key.name, private_key(key)) for key in keys)


# --- Sequencing --------------------------------------------------------------------------------
def _try_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite: BEGIN IMMEDIATE already serialises writers for the whole transaction
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEQUENCER_LOCK_ID])
        return bool(cursor.fetchone()[0])


def _assign_indices(pairs: list[tuple[int, int]]) -> None:
    """Give each pending leaf (id, index) its index in one statement."""
    table, q = LogLeaf._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {q(table)} AS leaf SET {q('index')} = v.idx "  # noqa: S608 (names are the model's own)
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, idx) "
                f"WHERE leaf.id = v.id AND leaf.{q('index')} IS NULL",
                [[pk for pk, _ in pairs], [index for _, index in pairs]],
            )
        else:
            values = ", ".join(["(%s, %s)"] * len(pairs))
            cursor.execute(
                f"UPDATE {q(table)} SET {q('index')} = v.column2 FROM (VALUES {values}) AS v "  # noqa: S608
                f"WHERE {q(table)}.id = v.column1 AND {q(table)}.{q('index')} IS NULL",
                [value for pair in pairs for value in pair],
            )
        if cursor.rowcount != len(pairs):
            raise RuntimeError("a pending leaf was sequenced by someone else: is the sequencer lock held?")


def _save_tiles(written: Mapping[tuple[int, int], bytes]) -> None:
    LogTile.objects.bulk_create(
        [LogTile(level=level, number=number, hashes=data) for (level, number), data in written.items()],
        update_conflicts=True,
        unique_fields=["level", "number"],
        update_fields=["hashes"],
    )


def _sequence_batch(limit: int) -> int | None:
    """One batch in one transaction: None when another sequencer holds the lock."""
    with transaction.atomic():
        if not _try_lock():
            return None
        # Read under the lock: READ COMMITTED sees the previous holder's committed checkpoint.
        head = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first()
        size = head or 0
        pending = list(LogLeaf.objects.filter(index__isnull=True).order_by("id").values_list("id", "data")[:limit])
        now = timezone.now()
        if not pending:
            if head is None:  # an empty log still publishes a checkpoint (of size 0)
                Checkpoint.objects.create(
                    size=0, root_hash=merkle.EMPTY_ROOT, note=checkpoint_note(0, merkle.EMPTY_ROOT, now)
                )
            return 0
        edge = selectors.edge_tiles(size)
        rows = {level: data for (level, _), data in edge.items()}
        new_size, written = merkle.extend_tiles(size, rows, (merkle.leaf_hash(bytes(data)) for _, data in pending))
        root = merkle.tree_hash(new_size, merkle.tile_reader({**edge, **written}))
        _assign_indices([(pk, size + offset) for offset, (pk, _) in enumerate(pending)])
        _save_tiles(written)
        Checkpoint.objects.create(
            size=new_size, root_hash=root, note=checkpoint_note(new_size, root, now), created_at=now
        )
        if Witness.objects.filter(enabled=True).exists():
            outbox.enqueue(SUBMIT_TO_WITNESSES_TASK, dedupe_key=SUBMIT_TO_WITNESSES_TASK)
    return len(pending)


def log_sequence(*, batch_size: int | None = None, max_seconds: float | None = None) -> int | None:
    """Sequence pending leaves, batch after batch, until none is left (or `max_seconds` passed).
    Returns how many were sequenced, or None when another sequencer was at work."""
    limit = batch_size or settings.TLOG_BATCH_SIZE
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    total = 0
    while True:
        done = _sequence_batch(limit)
        if done is None:
            return None if total == 0 else total
        total += done
        if done < limit or (deadline is not None and time.monotonic() > deadline):
            return total


def log_catch_up() -> None:
    """Where nothing sequences in the background (embedded mode, TLOG_SEQUENCE_ON_DEMAND), a
    reader asking for the log's state first sequences what is pending."""
    if settings.TLOG_SEQUENCE_ON_DEMAND and (selectors.has_pending() or selectors.latest_checkpoint() is None):
        log_sequence()


# --- Witnesses -------------------------------------------------------------------------------------
def _post(url: str, body: bytes) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=settings.TLOG_WITNESS_TIMEOUT) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read(WITNESS_RESPONSE_LIMIT)
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read(WITNESS_RESPONSE_LIMIT)


def _add_checkpoint_body(old_size: int, checkpoint: Checkpoint) -> bytes:
    proof = selectors.consistency_proof(old_size, checkpoint.size)
    lines = [f"old {old_size}\n", *(base64.b64encode(h).decode() + "\n" for h in proof), "\n"]
    return ("".join(lines) + checkpoint.note).encode()


def witness_save(*, witness: Witness, now: dt.datetime | None = None) -> Witness:
    """Add or change a witness. The change is a leaf of the log: who cosigns is public record."""
    now = now or timezone.now()
    with transaction.atomic():
        witness.save()
        leaf_append(
            kind=LeafKind.WITNESS,
            ref=str(witness.pk),
            record={
                "type": LeafKind.WITNESS.value,
                "name": witness.name,
                "verifier_key": witness.verifier_key,
                "url": witness.url,
                "enabled": witness.enabled,
                "time": leaves.timestamp(now),
            },
        )
    return witness


def witness_submit(*, witness: Witness, checkpoint: Checkpoint, now: dt.datetime | None = None) -> bool:
    """Ask one witness to cosign a checkpoint (tlog-witness add-checkpoint); store its verified
    cosignature. A 409 names the size the witness last cosigned: the request is made again from
    there, once. Returns whether a cosignature was stored; failures are recorded on the witness."""
    now = now or timezone.now()
    verifier = note.parse_vkey(witness.verifier_key)
    old_size = witness.cosigned_size
    error = ""
    for _attempt in range(2):
        if old_size > checkpoint.size:
            error = f"the witness has cosigned {old_size} leaves, more than this checkpoint's {checkpoint.size}"
            break
        try:
            status, content_type, body = _post(
                witness.url.rstrip("/") + "/add-checkpoint", _add_checkpoint_body(old_size, checkpoint)
            )
        except OSError as exc:
            error = f"unreachable: {exc}"
            break
        if status == 409 and content_type.startswith("text/x.tlog.size") and body.strip().isdigit():
            old_size = int(body.strip())
            error = f"409: the witness had cosigned {old_size}"
            continue
        if status != 200:
            error = f"{status}: {body[:200].decode('utf-8', 'replace')}"
            break
        text = checkpoint.note[: checkpoint.note.index("\n\n") + 1]
        try:
            answer = note.parse(text + "\n" + body.decode("utf-8"))
        except (note.NoteError, UnicodeDecodeError) as exc:
            error = f"unusable answer: {exc}"
            break
        mine = [
            s
            for s in answer.signatures
            if (s.name, s.key_id) == (verifier.name, verifier.key_id) and verifier.verify(text.encode(), s.signature)
        ]
        if not mine:
            error = "the answer holds no valid cosignature by the witness's key"
            break
        with transaction.atomic():
            Cosignature.objects.get_or_create(
                checkpoint=checkpoint,
                witness=witness,
                defaults={"line": mine[0].line, "timestamp": mine[0].timestamp or 0},
            )
            Witness.objects.filter(pk=witness.pk).update(
                cosigned_size=checkpoint.size, last_error="", last_cosigned_at=now
            )
        return True
    Witness.objects.filter(pk=witness.pk).update(last_error=error[:500], cosigned_size=max(old_size, 0))
    logger.warning("witness %s did not cosign checkpoint %s: %s", witness.name, checkpoint.size, error)
    return False


def witnesses_submit(*, now: dt.datetime | None = None) -> int:
    """Submit the latest checkpoint to every enabled witness that has not cosigned it; returns
    how many cosignatures were received."""
    checkpoint = selectors.latest_checkpoint()
    if checkpoint is None:
        return 0
    pending = Witness.objects.filter(enabled=True).exclude(Q(cosignatures__checkpoint=checkpoint))
    return sum(witness_submit(witness=witness, checkpoint=checkpoint, now=now) for witness in pending)
