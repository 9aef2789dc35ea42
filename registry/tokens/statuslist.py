"""The IETF OAuth Token Status List encoding, pure: 2 bits per token, LSB first, zlib, base64url.

Status values: 0 valid, 1 invalid (revoked), 2 suspended (3 is reserved).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from registry.tokens.jose import b64url_decode, b64url_encode

BITS = 2
VALID, INVALID, SUSPENDED = 0, 1, 2
PER_BYTE = 8 // BITS
MASK = (1 << BITS) - 1


def pack(size: int, statuses: Iterable[tuple[int, int]]) -> bytes:
    """A byte array for `size` entries with the given (index, status) pairs set; others 0."""
    data = bytearray((size * BITS + 7) // 8)
    for index, status in statuses:
        if not 0 <= index < size:
            raise IndexError(f"index {index} outside a list of {size}")
        if not 0 <= status <= MASK:
            raise ValueError(f"status {status} does not fit in {BITS} bits")
        byte, slot = divmod(index, PER_BYTE)
        shift = slot * BITS
        data[byte] = (data[byte] & ~(MASK << shift)) | (status << shift)
    return bytes(data)


def status_at(data: bytes, index: int) -> int:
    byte, slot = divmod(index, PER_BYTE)
    if index < 0 or byte >= len(data):
        raise IndexError(f"index {index} outside the list")
    return (data[byte] >> (slot * BITS)) & MASK


def encode_lst(data: bytes) -> str:
    return b64url_encode(zlib.compress(data, 9))


def decode_lst(lst: str) -> bytes:
    return zlib.decompress(b64url_decode(lst))
