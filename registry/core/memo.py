"""A memo of bounded size, for answers a long stream of rows repeats (billing's ratings and terms
snapshots): memory stays bounded however long the stream."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
_MISSING = object()


class BoundedMemo(Generic[V]):
    """Answers by key, at most `limit` of them. When full it forgets them all and starts again:
    simpler than evicting one by one, and the rows that repeat an answer mostly come close
    together (a studio's lines in id order)."""

    def __init__(self, limit: int) -> None:
        self._known: dict[Hashable, V] = {}
        self.limit = limit

    def __len__(self) -> int:
        return len(self._known)

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The answer remembered for `key`, else `make()`'s, remembered. Nothing is remembered
        when `make` raises."""
        known = self._known.get(key, _MISSING)
        if known is _MISSING:
            known = make()
            if len(self._known) >= self.limit:
                self._known.clear()
            self._known[key] = known
        return known
