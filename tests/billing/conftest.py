"""Billing fixtures: a studio signatory to the shipped TV/Theatrical 2023 agreement (with its
reference rates) and a grant that was in force in August 2025."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry.consent import rules, services
from registry.terms.models import Agreement
from registry.usage.services import LineInput, report_fingerprint, usage_report_submit
from tests.conftest import SYSTEM

T0 = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
PICTURE = rules.Project(kind="picture", title="The Long Night", production_number="NLP-2025-004")


def ensure_reference_terms() -> None:
    """The shipped agreements and rates, reloaded with the data migrations' own code: a
    committing (transactional) test elsewhere flushes the tables they filled."""
    from importlib import import_module

    from django.apps import apps

    for name in ("0002_reference_agreements", "0004_reference_rates", "0006_tvth_2026_icdr_floor"):
        module = import_module(f"registry.terms.migrations.{name}")
        loader = getattr(module, "load", None) or module.set_floor
        loader(apps, None)


@pytest.fixture
def tvth(db) -> Agreement:
    ensure_reference_terms()
    return Agreement.objects.get(code="tvth-2023")


@pytest.fixture
def billed_studio(studio, tvth):
    studio.studio.agreements.add(tvth)
    return studio


def past_grant(studio, performer, agreement, *, own_daily=Decimal("1100"), use="replica_use", project=PICTURE):
    """A grant accepted on 2025-07-01 covering 2025-07-15 to 2026-06-30."""
    request = services.consent_request_create(
        new=services.NewRequest(
            studio=studio,
            performer=performer,
            agreement=agreement,
            use=use,
            project=project,
            description=rules.Description(
                role_or_scenes="Detective Ana Reyes, rooftop chase in scenes 41-44",
                intended_uses=("Replica performs the rooftop stunt sequence in place of a double",),
                media=("streaming", "theatrical"),
                territory=("US",),
                term_start=dt.date(2025, 7, 15),
                term_end=dt.date(2026, 6, 30),
            ),
            compensation=rules.Compensation(amount=own_daily, currency="USD", unit="day", estimated_days=Decimal("3")),
        ),
        actor=SYSTEM,
        now=T0,
    )
    signer = services.signer_for(
        user=performer.user, performer=performer, is_union_admin=False, name=performer.legal_name, on=T0.date()
    )
    return services.consent_request_accept(
        request=request,
        signer=signer,
        description_sha256=request.current_description.sha256,
        attestation_text="I consent.",
        actor=SYSTEM,
        now=T0,
    )


def report(studio, lines: list[LineInput], ref: str = "r-1"):
    body = {"ref": ref, "lines": [repr(line) for line in lines]}
    return usage_report_submit(
        studio=studio, report_ref=ref, lines=lines, fingerprint=report_fingerprint(body), actor=SYSTEM
    )[0]


def replica_line(ref: str, grant, day: dt.date, days: str = "3") -> LineInput:
    return LineInput(
        line_ref=ref,
        kind="replica_use",
        project=PICTURE,
        use_date=day,
        units=Decimal("1"),
        unit="days",
        grant_ref=grant.public_id,
        role_category="day_performer",
        estimated_days=Decimal(days),
        media=("streaming",),
        territory=("US",),
    )
