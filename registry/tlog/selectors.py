"""Reads of the transparency log: checkpoints, tiles, entry bundles and proofs.

Proofs and tree hashes read only the tiles they need (a handful, in one query): their cost grows
with log2 of the log's size, never with the size.
"""

from __future__ import annotations

import functools
import operator
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q

from registry.tlog import merkle, note
from registry.tlog.models import Checkpoint, LeafKind, LogKey, LogKeyStatus, LogLeaf, LogTile, Witness


def configured_origin() -> str:
    """TLOG_ORIGIN, else the registry's address without its scheme, followed by /log. The
    first log key is named after it, and the origin stays that key's name from then on."""
    if settings.TLOG_ORIGIN:
        return settings.TLOG_ORIGIN
    parts = urlsplit(settings.REGISTRY_BASE_URL)
    return f"{parts.netloc}{parts.path.rstrip('/')}/log"


def active_log_key() -> LogKey | None:
    return LogKey.objects.filter(status=LogKeyStatus.ACTIVE).first()


def verifier(key: LogKey) -> note.Verifier:
    return note.verifier_for(key.name, bytes(key.public_key))


def log_keys() -> list[LogKey]:
    """Every key the log ever had, newest first: checkpoints of the past verify with theirs."""
    return list(LogKey.objects.order_by("-created_at"))


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def checkpoint_of_size(size: int) -> Checkpoint | None:
    return Checkpoint.objects.filter(size=size).first()


def published_note(checkpoint: Checkpoint) -> str:
    """The checkpoint as the log signed it, followed by the cosignatures witnesses returned."""
    lines = checkpoint.cosignatures.order_by("witness__name").values_list("line", flat=True)
    return checkpoint.note + "".join(lines)


def has_pending() -> bool:
    return LogLeaf.objects.filter(index__isnull=True).exists()


def leaf_for(kind: LeafKind, ref: str) -> LogLeaf | None:
    """The first leaf recording this thing (a token's issue, an audit event)."""
    return LogLeaf.objects.filter(kind=kind, ref=ref).order_by("id").first()


def leaves_for(kind: LeafKind, ref: str) -> list[LogLeaf]:
    return list(LogLeaf.objects.filter(kind=kind, ref=ref).order_by("id"))


# --- Tiles and entries -------------------------------------------------------------------------------
def _tiles(keys: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not keys:
        return {}
    match = functools.reduce(operator.or_, (Q(level=level, number=number) for level, number in keys))
    return {(t.level, t.number): bytes(t.hashes) for t in LogTile.objects.filter(match)}


def edge_tiles(size: int) -> dict[tuple[int, int], bytes]:
    """The partial tiles at the right edge of the tree of `size` leaves, at exactly their width."""
    edge = merkle.edge_tiles(size)
    stored = _tiles({(level, number) for level, number, _ in edge})
    found = {}
    for level, number, width in edge:
        data = stored.get((level, number), b"")
        if len(data) < width * merkle.HASH_SIZE:
            raise RuntimeError(f"tile {level}/{number} holds fewer than the {width} hashes the log's size needs")
        found[(level, number)] = data[: width * merkle.HASH_SIZE]
    return found


def read_nodes(nodes: Sequence[merkle.Node]) -> list[bytes]:
    """A merkle.NodeReader over the stored tiles: one query for all the tiles the nodes need."""
    return merkle.tile_reader(_tiles(merkle.tiles_for(nodes)))(nodes)


def tile(level: int, number: int, width: int) -> bytes | None:
    """A tile's first `width` hashes, if the log has that many there."""
    hashes = LogTile.objects.filter(level=level, number=number).values_list("hashes", flat=True).first()
    if hashes is None or len(hashes) < width * merkle.HASH_SIZE:
        return None
    return bytes(hashes[: width * merkle.HASH_SIZE])


def entry_bundle(number: int, width: int) -> bytes | None:
    """The entries [number * 256, number * 256 + width), each as a big-endian uint16 length and
    its bytes; None unless all of them are sequenced."""
    start = number * merkle.TILE_WIDTH
    rows = list(
        LogLeaf.objects.filter(index__gte=start, index__lt=start + width)
        .order_by("index")
        .values_list("data", flat=True)
    )
    if len(rows) != width:
        return None
    return b"".join(struct.pack(">H", len(data)) + bytes(data) for data in rows)


# --- Proofs ------------------------------------------------------------------------------------------
def inclusion_proof(index: int, size: int) -> list[bytes]:
    return merkle.prove(merkle.inclusion_ranges(index, size), read_nodes)


def consistency_proof(old_size: int, new_size: int) -> list[bytes]:
    return merkle.prove(merkle.consistency_ranges(old_size, new_size), read_nodes)


def tree_root(size: int) -> bytes:
    return merkle.tree_hash(size, read_nodes)


def leaf_at(index: int) -> LogLeaf | None:
    return LogLeaf.objects.filter(index=index).first()


@dataclass(frozen=True)
class LeafInclusion:
    """A leaf, and (once sequenced) its inclusion proof against the latest checkpoint."""

    leaf: LogLeaf
    tree_size: int | None = None
    proof: tuple[bytes, ...] = ()
    checkpoint: str | None = None

    @property
    def sequenced(self) -> bool:
        return self.tree_size is not None


def leaf_inclusion(leaf: LogLeaf) -> LeafInclusion:
    latest = latest_checkpoint()
    if leaf.index is None or latest is None or leaf.index >= latest.size:
        return LeafInclusion(leaf=leaf)
    return LeafInclusion(
        leaf=leaf,
        tree_size=latest.size,
        proof=tuple(inclusion_proof(leaf.index, latest.size)),
        checkpoint=published_note(latest),
    )


# --- What verifiers pin --------------------------------------------------------------------------------
def log_description() -> dict:
    """/.well-known/transparency-log.json: the origin and verifier key (the pinned contract),
    plus keys of the past, the URL prefix of the tiles, and the witnesses that cosign."""
    keys = log_keys()
    active = next((k for k in keys if k.status == LogKeyStatus.ACTIVE), None)
    return {
        "origin": active.name if active else configured_origin(),
        "verifier_key": verifier(active).vkey if active else None,
        "previous_verifier_keys": [verifier(k).vkey for k in keys if k.status == LogKeyStatus.RETIRED],
        "prefix": settings.REGISTRY_BASE_URL + "/log",
        "witnesses": [
            {"name": w.name, "verifier_key": w.verifier_key}
            for w in Witness.objects.filter(enabled=True).order_by("name")
        ],
    }
