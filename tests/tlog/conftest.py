"""Fixtures for the transparency log's tests."""

from __future__ import annotations

import pytest
from django.db import transaction

from registry.tlog import services
from registry.tlog.models import LeafKind


def append(count: int, *, start: int = 0, kind: LeafKind = LeafKind.AUDIT_EVENT) -> None:
    """`count` leaves of the test's own, committed together."""
    with transaction.atomic():
        services.leaves_append(
            kind=kind, records=((str(n), {"type": "test", "n": n}) for n in range(start, start + count))
        )


def leaf_bytes(n: int) -> bytes:
    return f'{{"n":{n},"type":"test"}}'.encode()


@pytest.fixture
def appended():
    return append
