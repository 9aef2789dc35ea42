from __future__ import annotations

import pytest

from registry.core.actors import Actor, ActorKind


@pytest.fixture
def performer_actor() -> Actor:
    return Actor(kind=ActorKind.PERFORMER, id="prf_alice", name="Alice Example")


@pytest.fixture
def staff_actor() -> Actor:
    return Actor(kind=ActorKind.STAFF, id="42", name="Sam Staff")
