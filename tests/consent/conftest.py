"""Fixtures for consent tests: represented, deceased and second-agreement parties."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from registry.parties.models import Performer, Representative
from registry.parties.services import representative_authorise
from registry.terms.models import Agreement
from tests.conftest import SYSTEM
from tests.pricing_data import give_reference_pricing


@dataclass
class Represented:
    performer: Performer
    user: object | None
    representative: Representative | None


def _user(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password="pw-for-tests-1", **extra)


@pytest.fixture
def agent(performer) -> Representative:
    """An agent, with a login and an email, acting for the `performer` fixture."""
    return representative_authorise(
        performer=performer.performer,
        kind="agent",
        name="Priya Agent",
        email="priya@agency.example",
        user=_user("priya"),
        valid_from=dt.date(2020, 1, 1),
        authority_document="Agency agreement 2020-17",
        actor=SYSTEM,
    )


@pytest.fixture
def deceased(db) -> Represented:
    """A deceased performer with no estate on record (the union may consent)."""
    performer = Performer.objects.create(
        member_number="SAG-9",
        legal_name="Ruth Hale",
        email="ruth@example.com",
        date_of_birth=dt.date(1941, 2, 2),
        date_of_death=dt.date(2025, 5, 1),
    )
    return Represented(performer=performer, user=None, representative=None)


@pytest.fixture
def deceased_with_estate(db) -> Represented:
    """A deceased performer whose estate executor signs in to answer."""
    performer = Performer.objects.create(
        member_number="SAG-10",
        legal_name="Walter Crane",
        email="walter@example.com",
        date_of_birth=dt.date(1938, 7, 7),
        date_of_death=dt.date(2024, 1, 15),
    )
    executor = _user("olive", first_name="Olive", last_name="Crane")
    rep = representative_authorise(
        performer=performer,
        kind="estate",
        name="Olive Crane",
        email="olive@estate.example",
        user=executor,
        valid_from=dt.date(2024, 2, 1),
        authority_document="Letters testamentary, LA County 2024-114",
        actor=SYSTEM,
    )
    return Represented(performer=performer, user=executor, representative=rep)


@pytest.fixture
def second_agreement(db, studio, other_studio) -> Agreement:
    """Another agreement both studios signed: strikes under the first must not touch it."""
    agreement = give_reference_pricing(
        Agreement.objects.create(
            code="test-comm",
            name="Test Commercials",
            sector="commercials",
            effective_from=dt.date(2025, 4, 1),
            effective_to=dt.date(2030, 3, 31),
        ),
        like="commercials-2025",
    )
    studio.studio.agreements.add(agreement)
    other_studio.studio.agreements.add(agreement)
    return agreement
