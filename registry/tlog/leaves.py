"""What a leaf is: one JSON object, in one byte form, small enough for an entry bundle.
Standard library only: the offline verifier and monitors read leaves with it.

Keys sorted, no whitespace, UTF-8, so that whoever rebuilds a leaf from the record it describes
gets the same bytes (and the same hash). `type` says what the leaf records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from registry.tlog.merkle import MAX_ENTRY_SIZE


class LeafError(ValueError):
    pass


def encode(record: Mapping[str, Any]) -> bytes:
    if not isinstance(record.get("type"), str):
        raise LeafError("a leaf names its type")
    data = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    if len(data) > MAX_ENTRY_SIZE:
        raise LeafError(f"a leaf is at most {MAX_ENTRY_SIZE} bytes (an entry bundle's uint16 length)")
    return data


def decode(data: bytes) -> dict[str, Any]:
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise LeafError("a leaf is a UTF-8 JSON object") from exc
    if not isinstance(record, dict) or not isinstance(record.get("type"), str):
        raise LeafError("a leaf is a JSON object with a type")
    return record


def timestamp(at: dt.datetime) -> str:
    """RFC 3339 in UTC with microseconds: one spelling per instant."""
    if at.tzinfo is None:
        raise LeafError("leaf times are aware datetimes")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
