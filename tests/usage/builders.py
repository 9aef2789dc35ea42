"""Builders for usage and case tests: grants placed in the past, report bodies, and row counts.

Consent must predate use, and a request's term cannot start before the day it is made, so
grants for past use dates are requested and signed at fixed past moments (T0 onwards).
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

from registry.audit.models import AuditEvent
from registry.cases.models import Case
from registry.consent import rules, services
from registry.consent.models import ConsentGrant
from registry.core.vocabulary.consent import UseType
from registry.parties.models import Performer, Studio
from registry.terms.models import Agreement
from registry.usage.models import FeatureBorrowing, SyntheticPerformer, UsageLine, UsageReport
from tests.conftest import SYSTEM

T0 = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
D0 = T0.date()
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
PICTURE = rules.Project(kind="picture", title="The Long Night", production_number="NLP-2027-004")
SEQUEL = rules.Project(kind="picture", title="The Long Night II", production_number="NLP-2029-001")
PAY = rules.Compensation(amount=Decimal("1283.00"), currency="USD", unit="day", estimated_days=Decimal("3"))
ATTESTATION = "I have read the description and I consent to this use."


def granted(
    studio: Studio,
    performer: Performer,
    agreement: Agreement,
    *,
    at: dt.datetime = T0,
    use: str = UseType.REPLICA_USE,
    project: rules.Project = PICTURE,
    days: int = 365,
) -> ConsentGrant:
    """A grant requested at `at` (its term starting that day) and signed by the performer an hour later."""
    description = rules.Description(
        role_or_scenes="Detective Ana Reyes, rooftop chase in scenes 41-44",
        intended_uses=("Replica performs the rooftop stunt sequence in place of a double",),
        media=("theatrical", "streaming"),
        territory=("US", "CA"),
        term_start=at.date(),
        term_end=at.date() + dt.timedelta(days=days),
    )
    new = services.NewRequest(
        studio=studio,
        performer=performer,
        agreement=agreement,
        use=use,
        project=project,
        description=description,
        compensation=PAY,
    )
    request = services.consent_request_create(new=new, actor=SYSTEM, now=at)
    signer = services.signer_for(
        user=performer.user, performer=performer, is_union_admin=False, name=performer.legal_name, on=at.date()
    )
    return services.consent_request_accept(
        request=request,
        signer=signer,
        description_sha256=request.current_description.sha256,
        attestation_text=ATTESTATION,
        actor=SYSTEM,
        now=at + HOUR,
    )


def line(line_id: str = "L-1", **overrides) -> dict:
    """A replica-use line as a studio sends it; override any key (None removes it)."""
    body = {
        "line_id": line_id,
        "kind": "replica_use",
        "project": {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"},
        "use_date": (D0 + 30 * DAY).isoformat(),
        "units": "1",
        "unit": "days",
        "role_category": "day_performer",
        "estimated_days": "3",
        "media": ["streaming"],
        "territory": ["US"],
    }
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = copy.deepcopy(value)
    return body


def report(report_id: str = "R-1", *lines: dict) -> dict:
    return {"report_id": report_id, "lines": list(lines) or [line()]}


def row_counts() -> dict[str, int]:
    """Everything a usage or case write could add."""
    return {
        "reports": UsageReport.objects.count(),
        "lines": UsageLine.objects.count(),
        "cases": Case.objects.count(),
        "synthetic_performers": SyntheticPerformer.objects.count(),
        "borrowings": FeatureBorrowing.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def error_fields(response) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


REPORTED_AT = T0 + 60 * DAY  # when the service tests' reports arrive: every use date before it is past
USE_DATE = D0 + 30 * DAY


def submit(studio: Studio, *lines: dict, report_id: str = "R-1", now: dt.datetime = REPORTED_AT) -> UsageReport:
    """Submit a report through the parser and the service, the way the API does, at `now`."""
    from registry.usage.parsing import parse_report
    from registry.usage.services import report_fingerprint, usage_report_submit

    body = report(report_id, *lines)
    report_ref, inputs, problems = parse_report(body)
    assert problems == [], problems
    stored, _ = usage_report_submit(
        studio=studio,
        report_ref=report_ref,
        lines=inputs,
        fingerprint=report_fingerprint(body),
        actor=SYSTEM,
        now=now,
    )
    return stored


def exempt_alteration_line(line_id="L-1", **overrides):
    """A digital alteration claimed exempt (DOMAIN.md 2.7), as a studio sends it."""
    claimed = {
        "kind": "digital_alteration",
        "performer": "SAG-1",
        "agreement": "test-tvth",
        "alteration_exemption": "cosmetic",
        "exemption_justification": "Blemish removed in scene 12.",
    }
    return line(line_id, **{**claimed, **overrides})
