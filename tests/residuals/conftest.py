"""A small residuals_world for the residuals API tests, built through the services at today's date.

Northlight (studio) streams Harbour Lights with Maya (performer) and Ada (no login) in the cast;
Rival (other_studio) streams Tidewater with Leo (other_performer). Each title has a qualifying
viewing report (so a bonus distribution) and a training licence to Lumen Labs: Maya consented to
it, Ada and Leo did not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from registry.consent import rules as consent_rules
from registry.core.vocabulary.parties import ApiScope
from registry.parties.models import Performer, all_scopes
from registry.parties.services import api_key_issue
from registry.residuals.models import BonusDistribution, Title, TrainingLicence, ViewingReport
from tests.conftest import SYSTEM
from tests.residuals.builders import record_licence, register_title, report_viewing, training_grant

TIDEWATER = consent_rules.Project(kind="picture", title="Tidewater", production_number="TW-1")


@dataclass
class World:
    title: Title  # Northlight's
    report: ViewingReport
    distribution: BonusDistribution
    licence: TrainingLicence
    rival_title: Title
    rival_report: ViewingReport
    rival_distribution: BonusDistribution
    rival_licence: TrainingLicence
    ada: Performer


def licence_term() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today + dt.timedelta(days=7), today + dt.timedelta(days=365)


@pytest.fixture
def residuals_world(agreement, studio, other_studio, performer, other_performer) -> World:
    now = timezone.now()
    released = timezone.localdate() - dt.timedelta(days=200)
    ada = Performer.objects.create(member_number="SAG-9", legal_name="Ada Quist", date_of_birth=dt.date(1990, 1, 1))
    title = register_title(
        studio.studio, agreement, [(performer.performer, "3000.00"), (ada, "1000.00")], release_date=released
    )
    rival_title = register_title(
        other_studio.studio,
        agreement,
        [(other_performer.performer, "2000.00")],
        project=TIDEWATER,
        release_date=released,
    )
    training_grant(studio.studio, performer.performer, agreement, at=now - dt.timedelta(hours=1))
    report = report_viewing(title, "200000", now=now)
    rival_report = report_viewing(rival_title, "250000", now=now)
    start, end = licence_term()
    return World(
        title=title,
        report=report,
        distribution=report.distribution,
        licence=record_licence(title, start=start, end=end),
        rival_title=rival_title,
        rival_report=rival_report,
        rival_distribution=rival_report.distribution,
        rival_licence=record_licence(rival_title, start=start, end=end),
        ada=ada,
    )


@pytest.fixture
def key_without(studio):
    """Northlight's own key lacking one scope, so only the scope can refuse it."""

    def make(scope: ApiScope) -> APIClient:
        scopes = [s for s in all_scopes() if s != scope]
        _, secret = api_key_issue(studio=studio.studio, name=f"without {scope}", scopes=scopes, actor=SYSTEM)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make
