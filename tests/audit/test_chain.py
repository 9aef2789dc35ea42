"""The hash chain rules, without a database."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from registry.audit.chain import (
    GENESIS_HASH,
    BreakReason,
    ChainEntry,
    ChainReport,
    canonical_json,
    entry_hash,
    verify_chain,
)


def build_chain(length: int) -> list[ChainEntry]:
    entries = []
    prev = GENESIS_HASH
    for seq in range(1, length + 1):
        content = {"action": "thing.happened", "n": seq}
        digest = entry_hash(content, prev)
        entries.append(ChainEntry(seq=seq, content=content, prev_hash=prev, content_hash=digest))
        prev = digest
    return entries


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_unicode() -> None:
    assert canonical_json({"b": [1, 2], "a": "Zoë"}) == '{"a":"Zoë","b":[1,2]}'.encode()


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        canonical_json({"x": float("nan")})


def test_entry_hash_is_sha256_of_the_canonical_envelope() -> None:
    # Pinned: an auditor re-implementing the chain relies on this exact byte layout.
    expected = hashlib.sha256(b'{"content":{"a":1,"b":"\xc3\xa9"},"prev_hash":"' + b"0" * 64 + b'"}').hexdigest()

    assert entry_hash({"b": "é", "a": 1}, GENESIS_HASH) == expected


def test_entry_hash_depends_on_prev_hash() -> None:
    assert entry_hash({"a": 1}, GENESIS_HASH) != entry_hash({"a": 1}, "1" * 64)


def test_intact_chain_verifies() -> None:
    entries = build_chain(5)

    report = verify_chain(entries)

    assert report == ChainReport(ok=True, entries_checked=5, last_hash=entries[-1].content_hash)


def test_empty_chain_is_ok() -> None:
    assert verify_chain([]) == ChainReport(ok=True, entries_checked=0, last_hash=GENESIS_HASH)


def test_edited_content_is_reported_at_the_edited_entry() -> None:
    # given entry 3 edited after it was written
    entries = build_chain(5)
    original = entries[2]
    entries[2] = ChainEntry(
        seq=3,
        content={"action": "thing.happened", "n": 999},
        prev_hash=original.prev_hash,
        content_hash=original.content_hash,
    )

    # when
    report = verify_chain(entries)

    # then
    assert report.ok is False
    assert report.broken_seq == 3
    assert report.reason is BreakReason.CONTENT_HASH_MISMATCH
    assert report.entries_checked == 3
    assert report.last_hash == entries[1].content_hash
    assert report.detail.startswith(f"content_hash {original.content_hash} does not match")


def test_edited_content_with_recomputed_hash_is_reported_at_the_next_entry() -> None:
    # given a forger who also recomputed entry 3's hash
    entries = build_chain(5)
    forged_content = {"action": "thing.happened", "n": 999}
    entries[2] = ChainEntry(
        seq=3,
        content=forged_content,
        prev_hash=entries[2].prev_hash,
        content_hash=entry_hash(forged_content, entries[2].prev_hash),
    )

    report = verify_chain(entries)

    assert (report.ok, report.broken_seq, report.reason) == (
        False,
        4,
        BreakReason.PREV_HASH_MISMATCH,
    )


def test_deleted_middle_entry_is_reported_at_the_entry_after_the_gap() -> None:
    entries = build_chain(5)
    del entries[2]

    report = verify_chain(entries)

    assert report.ok is False
    assert report.broken_seq == 4
    assert report.reason is BreakReason.PREV_HASH_MISMATCH
    assert report.entries_checked == 3
    assert report.detail == (
        f"prev_hash {entries[2].prev_hash} does not match the previous entry's hash "
        f"{entries[1].content_hash} (an entry was deleted, inserted or reordered)"
    )


def test_deleted_first_entry_is_reported() -> None:
    entries = build_chain(3)[1:]

    report = verify_chain(entries)

    assert (report.broken_seq, report.reason) == (2, BreakReason.PREV_HASH_MISMATCH)


def test_reordered_entries_are_reported_at_the_first_out_of_place() -> None:
    entries = build_chain(5)
    entries[1], entries[2] = entries[2], entries[1]

    report = verify_chain(entries)

    assert (report.ok, report.broken_seq, report.reason) == (
        False,
        3,
        BreakReason.PREV_HASH_MISMATCH,
    )


def test_inserted_entry_is_reported_at_the_entry_after_it() -> None:
    entries = build_chain(4)
    content = {"action": "thing.forged"}
    forged = ChainEntry(
        seq=99,
        content=content,
        prev_hash=entries[1].content_hash,
        content_hash=entry_hash(content, entries[1].content_hash),
    )
    entries.insert(2, forged)

    report = verify_chain(entries)

    assert (report.broken_seq, report.reason) == (3, BreakReason.PREV_HASH_MISMATCH)


def test_verify_chain_consumes_a_generator_in_one_pass() -> None:
    consumed = []

    def stream() -> Iterator[ChainEntry]:
        for entry in build_chain(1000):
            consumed.append(entry.seq)
            yield entry

    report = verify_chain(stream())

    assert (report.ok, report.entries_checked) == (True, 1000)
    assert consumed == list(range(1, 1001))
