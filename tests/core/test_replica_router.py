"""The replica router's rules that need no replica (tests/core/test_replica.py has a real one)."""

from __future__ import annotations

import pytest

from registry.core import replica
from registry.parties.models import Performer


def test_positions_compare_as_numbers():
    assert replica._lsn("0/16B3748") < replica._lsn("0/16B3749") < replica._lsn("1/0")
    assert replica._lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert replica._lsn(None) is None


def test_without_a_replica_every_read_and_write_is_the_primarys(settings):
    settings.READ_REPLICA = False
    router = replica.ReplicaRouter()

    @replica.replica_reads
    def view(request):
        return router.db_for_read(Performer), router.db_for_write(Performer)

    assert view(object()) == (None, "default")
    assert replica.read_alias(Performer) == "default"


def test_migrations_run_on_the_primary_only():
    router = replica.ReplicaRouter()
    assert router.allow_migrate("default", "consent") is True
    assert router.allow_migrate("replica", "consent") is False


@pytest.mark.django_db
def test_outside_a_replica_read_view_the_router_keeps_out(settings):
    settings.READ_REPLICA = True  # even with a replica declared, only marked views read it
    assert replica.ReplicaRouter().db_for_read(Performer) is None
