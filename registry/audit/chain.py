"""The audit log's hash chain: canonical JSON, entry hashes and a streaming verifier.

Pure (stdlib only), so the rules are tested without a database and an auditor can re-run them
on an export.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any, *, errors: str = "strict") -> bytes:
    """One byte sequence per JSON value: sorted keys, no whitespace, UTF-8.

    NaN and infinities are refused: they are not JSON and databases do not store them. A lone
    surrogate cannot be UTF-8 and is refused too, unless `errors` ("surrogatepass") says how to
    write it.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8", errors
    )


def entry_hash(content: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 (hex) of an entry's content together with its predecessor's hash."""
    # An envelope rather than merging prev_hash into content, so no content key can collide.
    document = {"content": dict(content), "prev_hash": prev_hash}
    return hashlib.sha256(canonical_json(document)).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainEntry:
    seq: int
    content: Mapping[str, Any]
    prev_hash: str
    content_hash: str


class BreakReason(StrEnum):
    # The link is wrong: a row before this one was deleted, inserted or moved.
    PREV_HASH_MISMATCH = "prev_hash_mismatch"
    # The row itself was edited after it was written.
    CONTENT_HASH_MISMATCH = "content_hash_mismatch"


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    entries_checked: int
    # content_hash of the last entry that verified: record it elsewhere to detect a cut tail.
    last_hash: str = GENESIS_HASH
    broken_seq: int | None = None
    reason: BreakReason | None = None
    detail: str = ""


def verify_chain(entries: Iterable[ChainEntry], *, prev_hash: str = GENESIS_HASH) -> ChainReport:
    """Walk the entries in order and stop at the first one that breaks the chain.

    Streams: holds one entry and the previous hash, so it works on a generator of any length.
    `prev_hash` is the hash the first entry must link to: the genesis hash for the whole chain,
    or the last hash verified, to go on from where an earlier walk stopped.
    """
    expected_prev = prev_hash
    checked = 0
    for entry in entries:
        checked += 1
        if entry.prev_hash != expected_prev:
            return ChainReport(
                ok=False,
                entries_checked=checked,
                last_hash=expected_prev,
                broken_seq=entry.seq,
                reason=BreakReason.PREV_HASH_MISMATCH,
                detail=(
                    f"prev_hash {entry.prev_hash} does not match the previous entry's hash "
                    f"{expected_prev} (an entry was deleted, inserted or reordered)"
                ),
            )
        computed = entry_hash(entry.content, entry.prev_hash)
        if computed != entry.content_hash:
            return ChainReport(
                ok=False,
                entries_checked=checked,
                last_hash=expected_prev,
                broken_seq=entry.seq,
                reason=BreakReason.CONTENT_HASH_MISMATCH,
                detail=(
                    f"content_hash {entry.content_hash} does not match the content, which "
                    f"hashes to {computed} (the entry was edited)"
                ),
            )
        expected_prev = entry.content_hash
    return ChainReport(ok=True, entries_checked=checked, last_hash=expected_prev)
