"""The Merkle math against RFC 6962's definitions written out naively, without a database."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.tlog import merkle


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 2.1, literally."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return merkle.leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def entries(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


def tiles_of(n: int) -> dict[tuple[int, int], bytes]:
    """Every tile of a tree of n leaves, written by extend_tiles in uneven batches."""
    tiles: dict[tuple[int, int], bytes] = {}
    size = 0
    data = entries(n)
    step = 1
    while size < n:
        batch = data[size : size + step]
        edge = {level: tiles[(level, index)][: width * 32] for level, index, width in merkle.edge_tiles(size)}
        size, written = merkle.extend_tiles(size, edge, [merkle.leaf_hash(d) for d in batch])
        tiles.update(written)
        step = step * 3 + 1
    return tiles


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 8, 255, 256, 257, 511, 513, 65536 + 300])
def test_tree_hash_from_tiles_equals_the_definition(n):
    read = merkle.tile_reader(tiles_of(n))

    assert merkle.tree_hash(n, read) == mth(entries(n))


def test_a_full_tile_is_256_leaf_hashes_and_its_root_goes_one_level_up():
    tiles = tiles_of(513)
    leaves = entries(513)

    assert tiles[(0, 0)] == b"".join(merkle.leaf_hash(d) for d in leaves[:256])
    assert tiles[(0, 2)] == merkle.leaf_hash(leaves[512])  # partial, width 1
    assert tiles[(1, 0)] == mth(leaves[:256]) + mth(leaves[256:512])


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_inclusion_and_consistency_proofs_match_the_definitions_and_verify(data):
    n = data.draw(st.integers(1, 700))
    index = data.draw(st.integers(0, n - 1))
    old = data.draw(st.integers(1, n))
    leaves = entries(n)
    read = merkle.tile_reader(tiles_of(n))

    inclusion = merkle.prove(merkle.inclusion_ranges(index, n), read)
    consistency = merkle.prove(merkle.consistency_ranges(old, n), read)

    assert inclusion == path(index, leaves)
    assert consistency == subproof(old, leaves, True)
    merkle.verify_inclusion(index, n, merkle.leaf_hash(leaves[index]), inclusion, mth(leaves))
    merkle.verify_consistency(old, n, mth(leaves[:old]), mth(leaves), consistency)


def test_a_tampered_leaf_or_proof_does_not_verify():
    leaves = entries(100)
    read = merkle.tile_reader(tiles_of(100))
    root = mth(leaves)
    proof = merkle.prove(merkle.inclusion_ranges(37, 100), read)

    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(37, 100, merkle.leaf_hash(b"entry 37 changed"), proof, root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(37, 100, merkle.leaf_hash(leaves[37]), proof[:-1], root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(38, 100, merkle.leaf_hash(leaves[37]), proof, root)


def test_a_fork_fails_the_consistency_proof():
    leaves = entries(90)
    forked = [*leaves[:40], b"rewritten", *leaves[41:]]
    read = merkle.tile_reader(tiles_of(90))
    proof = merkle.prove(merkle.consistency_ranges(50, 90), read)

    with pytest.raises(merkle.ProofError, match="fork"):
        merkle.verify_consistency(50, 90, mth(forked[:50]), mth(leaves), proof)
    with pytest.raises(merkle.ProofError, match="fork"):
        merkle.verify_consistency(90, 90, mth(forked), mth(leaves), [])


def test_the_compact_range_follows_the_tree():
    compact = merkle.CompactRange()
    leaves = entries(300)
    for n, data in enumerate(leaves, start=1):
        compact.append(merkle.leaf_hash(data))
        if n in (1, 2, 3, 64, 255, 256, 300):
            assert compact.root() == mth(leaves[:n])
    assert len(compact.hashes) == (300).bit_count()


@pytest.mark.parametrize(
    ("level", "n", "width", "path"),
    [
        (0, 0, 256, "tile/0/000"),
        (4, 1234067, 1, "tile/4/x001/x234/067.p/1"),
        (1, 1000, 256, "tile/1/x001/000"),
        (None, 5, 17, "tile/entries/005.p/17"),
    ],
)
def test_tile_paths_are_written_and_read_as_tlog_tiles_says(level, n, width, path):
    assert merkle.tile_path(level, n, width) == path
    assert merkle.parse_tile_path(path) == (level, n, width)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/00/000",
        "tile/64/000",
        "tile/0/x000/001",
        "tile/0/001.p/0",
        "tile/0/001.p/256",
        "tile/0/001.p/07",
        "tile/0/001/002",
        "tile/data/000",
        "tile/0/x1/000",
    ],
)
def test_other_tile_paths_are_refused(path):
    with pytest.raises(ValueError):
        merkle.parse_tile_path(path)


def test_edge_tiles_of_70000_leaves_are_those_tlog_tiles_lists():
    # "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
    # tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
    # partial level 2 tile of width 1."
    assert merkle.edge_tiles(70000) == [(0, 273, 112), (1, 1, 17), (2, 0, 1)]
