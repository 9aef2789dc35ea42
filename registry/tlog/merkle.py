"""RFC 6962 / RFC 9162 Merkle tree math and the C2SP tlog-tiles layout. Standard library only.

- hashing: leaf `SHA-256(0x00 || data)`, node `SHA-256(0x01 || left || right)`;
- tile paths (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`, N as `x001/x234/067`);
- the tiles a batch of leaves writes, and tree hashes read back from tiles;
- inclusion and consistency proofs, and their verification (RFC 9162, 2.1.3 and 2.1.4);
- a compact range: the O(log n) right edge of a tree, which a monitor extends entry by entry.

A complete subtree ("node") is named (k, i): the 2**k leaves from i * 2**k. A level-L tile holds,
side by side, the hashes of nodes (8 * L, ...); every other node is hashed from at most 128 of them.
Proofs name the nodes they need first (cheap, no hashing) so a caller fetches every tile in one go.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # hashes in a full tile
TILE_BYTES = TILE_WIDTH * HASH_SIZE
# Entry bundles prefix each entry with a big-endian uint16 length.
MAX_ENTRY_SIZE = 0xFFFF
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]  # (height k, index i): leaves [i * 2**k, (i + 1) * 2**k)
Range = tuple[int, int]  # leaves [lo, hi)
NodeReader = Callable[[Sequence[Node]], Sequence[bytes]]


class ProofError(ValueError):
    """A proof that does not verify, or a request no proof can answer."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


# --- Tile paths ---------------------------------------------------------------------------------
def encode_index(n: int) -> str:
    """tlog-tiles' `<N>`: zero-padded 3-digit path elements, all but the last prefixed `x`."""
    if n < 0:
        raise ValueError("a tile index is not negative")
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def tile_path(level: int | None, n: int, width: int = TILE_WIDTH) -> str:
    """`tile/<L>/<N>[.p/<W>]`, or `tile/entries/<N>[.p/<W>]` for level None (entry bundles)."""
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"a tile is 1 to {TILE_WIDTH} hashes wide")
    name = "entries" if level is None else str(level)
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{name}/{encode_index(n)}{suffix}"


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """(level or None for an entry bundle, index, width) from a path `tile_path` would write;
    ValueError for anything else (leading zeroes, `x` in the wrong place, widths out of range)."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise ValueError("a tile path starts with tile/<L>/")
    level: int | None
    if parts[1] == "entries":
        level = None
    elif parts[1].isdigit() and str(int(parts[1])) == parts[1] and int(parts[1]) <= 63:
        level = int(parts[1])
    else:
        raise ValueError("the level is a decimal from 0 to 63 without leading zeroes, or `entries`")
    rest = parts[2:]
    width = TILE_WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        if not rest[-1].isdigit() or str(int(rest[-1])) != rest[-1] or not 1 <= int(rest[-1]) < TILE_WIDTH:
            raise ValueError(f"a partial tile's width is a decimal from 1 to {TILE_WIDTH - 1}")
        width = int(rest[-1])
        rest = [*rest[:-2], rest[-2][: -len(".p")]]
    n = 0
    for position, element in enumerate(rest):
        last = position == len(rest) - 1
        digits = element if last else element.removeprefix("x")
        if (not last and not element.startswith("x")) or len(digits) != 3 or not digits.isdigit():
            raise ValueError("the index is written as x001/x234/067")
        n = n * 1000 + int(digits)
    if tile_path(level, n, width) != path:  # e.g. x000/001: the same number written two ways
        raise ValueError("the index is not in its canonical form")
    return level, n, width


# --- Nodes, ranges and tiles ----------------------------------------------------------------------
def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): where RFC 6962 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(lo: int, hi: int) -> list[Node]:
    """The complete subtrees making up [lo, hi), largest first. Every range a proof or a tree
    hash names is aligned so that this is exact (lo is a multiple of each subtree's size)."""
    nodes = []
    while lo < hi:
        k = (hi - lo).bit_length() - 1
        while lo & ((1 << k) - 1):
            k -= 1
        nodes.append((k, lo >> k))
        lo += 1 << k
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its complete subtrees, largest (leftmost) first: a right fold."""
    root = hashes[-1]
    for h in reversed(hashes[:-1]):
        root = node_hash(h, root)
    return root


def subtree_hash(hashes: bytes) -> bytes:
    """The root of a complete subtree over 2**j concatenated hashes."""
    level = [hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)]
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def node_tile(node: Node) -> tuple[int, int, int, int]:
    """(tile level, tile index, first hash, hash count) of the tile hashes a node is made of."""
    k, i = node
    level, height = divmod(k, TILE_HEIGHT)
    first = i << height  # its first hash in the row of level-`level` hashes
    return level, first >> TILE_HEIGHT, first & (TILE_WIDTH - 1), 1 << height


def tiles_for(nodes: Iterable[Node]) -> set[tuple[int, int]]:
    return {node_tile(node)[:2] for node in nodes}


def node_from_tiles(node: Node, tiles: Mapping[tuple[int, int], bytes]) -> bytes:
    level, n, first, count = node_tile(node)
    data = tiles.get((level, n))
    if data is None or len(data) < (first + count) * HASH_SIZE:
        raise ProofError(f"tile {level}/{n} is missing or too short for node {node}")
    return subtree_hash(data[first * HASH_SIZE : (first + count) * HASH_SIZE])


def tile_reader(tiles: Mapping[tuple[int, int], bytes]) -> NodeReader:
    return lambda nodes: [node_from_tiles(node, tiles) for node in nodes]


def edge_tiles(size: int) -> list[tuple[int, int, int]]:
    """(level, index, width) of the partial tiles at the right edge of a tree of `size` leaves:
    the only tiles a batch appends to, and all that its tree hash needs."""
    edge = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        width = (size >> (TILE_HEIGHT * level)) & (TILE_WIDTH - 1)
        if width:
            edge.append((level, size >> (TILE_HEIGHT * (level + 1)), width))
        level += 1
    return edge


def extend_tiles(
    size: int, edge: Mapping[int, bytes], leaf_hashes: Iterable[bytes]
) -> tuple[int, dict[tuple[int, int], bytes]]:
    """Append leaf hashes to a tree of `size` leaves whose partial edge tiles are `edge`
    ({level: hashes}). Returns the new size and every tile written ({(level, index): hashes}):
    each tile filled on the way, and the new edge. Memory: the edge (log256 n tiles) and what is
    written, never the tree."""
    rows = {level: bytearray(data) for level, data in edge.items()}
    written: dict[tuple[int, int], bytes] = {}
    changed: set[int] = set()
    for h in leaf_hashes:
        size += 1
        level, carry = 0, h
        while True:
            row = rows.setdefault(level, bytearray())
            row += carry
            changed.add(level)
            if len(row) < TILE_BYTES:
                break
            full = bytes(row)
            written[(level, (size >> (TILE_HEIGHT * (level + 1))) - 1)] = full
            row.clear()
            level, carry = level + 1, subtree_hash(full)
    for level in changed:
        if rows[level]:
            written[(level, size >> (TILE_HEIGHT * (level + 1)))] = bytes(rows[level])
    return size, written


# --- Tree hashes and proofs ----------------------------------------------------------------------
def _hash_ranges(ranges: Sequence[Range], read: NodeReader) -> list[bytes]:
    """MTH of each range, reading every node they need in one call."""
    plans = [range_nodes(lo, hi) for lo, hi in ranges]
    wanted = list(dict.fromkeys(node for plan in plans for node in plan))
    known = dict(zip(wanted, read(wanted), strict=True))
    return [_fold([known[node] for node in plan]) for plan in plans]


def tree_hash(size: int, read: NodeReader) -> bytes:
    return EMPTY_ROOT if size == 0 else _hash_ranges([(0, size)], read)[0]


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes are the audit path of leaf `index` in a tree of `size` leaves
    (RFC 9162 2.1.3.1, PATH), leaf end first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    return ranges[::-1]


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """The ranges whose hashes prove a tree of `old_size` leaves is a prefix of one of
    `new_size` (RFC 9162 2.1.4.1, SUBPROOF); empty when old_size is 0 or equal to new_size."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from {old_size} to {new_size} leaves")
    if old_size in (0, new_size):
        return []
    ranges: list[Range] = []
    m, lo, hi, whole = old_size, 0, new_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            m, lo, whole = m - k, lo + k, False
    if not whole:
        ranges.append((lo, hi))
    return ranges[::-1]


def proof_nodes(ranges: Sequence[Range]) -> list[Node]:
    return list(dict.fromkeys(node for lo, hi in ranges for node in range_nodes(lo, hi)))


def prove(ranges: Sequence[Range], read: NodeReader) -> list[bytes]:
    return _hash_ranges(ranges, read) if ranges else []


# --- Verification (RFC 9162) -----------------------------------------------------------------------
def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 2.1.3.2); ProofError if malformed."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"leaf {index} is not included in the tree of {size} leaves with this root")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 2.1.4.2: the tree (old_size, old_root) is a prefix of (new_size, new_root)."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"a tree of {old_size} leaves cannot be a prefix of one of {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("a proof between trees of the same size is empty")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same size {new_size}: a fork")
        return
    if old_size == 0:
        if proof:
            raise ProofError("a proof from the empty tree is empty")
        return
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    if not path:
        raise ProofError("the consistency proof is empty")
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise ProofError(f"the tree of {new_size} leaves does not extend the tree of {old_size}: a fork")


class CompactRange:
    """The right edge of a tree [0, size): one hash per set bit of `size`, largest subtree first.
    Appending a leaf costs one hash plus one per carry; `root()` costs one per set bit."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError("a compact range holds one hash per set bit of its size")
        self.size, self.hashes = size, list(hashes)

    def append(self, leaf: bytes) -> None:
        h, carry = leaf, self.size
        while carry & 1:
            h = node_hash(self.hashes.pop(), h)
            carry >>= 1
        self.hashes.append(h)
        self.size += 1

    def root(self) -> bytes:
        return _fold(self.hashes) if self.hashes else EMPTY_ROOT
