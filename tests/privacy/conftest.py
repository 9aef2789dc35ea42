"""A performer with a whole history (Maya), another with her own (Leo), and every kind of caller
the privacy endpoints answer: the performer, another performer, her lawyer, her agent, a
guardian of someone else, two studios, staff, an analyst and anonymous."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from registry.api.models import IdempotencyRecord
from registry.billing import services as billing
from registry.billing.models import Invoice
from registry.cases.services import case_open, case_resolve
from registry.consent import rules as consent_rules
from registry.consent import services as consent
from registry.consent.models import ConsentGrant
from registry.parties.models import Performer, Representative
from registry.parties.services import representative_authorise
from registry.portal.models import PortalInvitation
from registry.portal.services import join_request_submit
from registry.residuals.models import CastMember, Title
from tests.billing.conftest import PICTURE, T0, billed_studio, replica_line, report, tvth  # noqa: F401
from tests.conftest import SYSTEM, login_of

AUGUST = dt.date(2025, 8, 1)
MAYA_EMAIL = "maya.okafor@example.org"
MAYA_IP = "203.0.113.77"
MAYA_AGENT = "Mozilla/5.0 (MayaPhone; Okafor build)"


def signed_past_grant(
    studio, performer: Performer, agreement, *, title="The Long Night", ip=MAYA_IP, agent=MAYA_AGENT, user=None
) -> ConsentGrant:
    """A grant accepted on 2025-07-01 for 2025-07-15 to 2026-06-30 (over by now), signed from
    a known address and browser."""
    project = consent_rules.Project(kind="picture", title=title, production_number=PICTURE.production_number)
    request = consent.consent_request_create(
        new=consent.NewRequest(
            studio=studio,
            performer=performer,
            agreement=agreement,
            use="replica_use",
            project=project,
            description=consent_rules.Description(
                role_or_scenes="Detective Ana Reyes, rooftop chase in scenes 41-44",
                intended_uses=("Replica performs the rooftop stunt sequence in place of a double",),
                media=("streaming", "theatrical"),
                territory=("US",),
                term_start=dt.date(2025, 7, 15),
                term_end=dt.date(2026, 6, 30),
            ),
            compensation=consent_rules.Compensation(
                amount=Decimal("1100"), currency="USD", unit="day", estimated_days=Decimal("3")
            ),
        ),
        actor=SYSTEM,
        now=T0,
    )
    signer = consent.signer_for(
        user=user or performer.user, performer=performer, is_union_admin=False, name=performer.legal_name, on=T0.date()
    )
    return consent.consent_request_accept(
        request=request,
        signer=signer,
        description_sha256=request.current_description.sha256,
        attestation_text=f"I, {performer.legal_name}, have read the description and consent.",
        actor=SYSTEM,
        client_ip=ip,
        user_agent=agent,
        now=T0,
    )


@dataclass
class World:
    maya: Performer
    leo: Performer
    grant: ConsentGrant
    leo_grant: ConsentGrant
    invoice: Invoice
    lawyer: Representative


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def privacy_world(billed_studio, tvth, performer, other_performer, staff, django_capture_on_commit_callbacks):  # noqa: F811
    """Maya's whole history: a signed, billed, paid and paid-out consent that has ended; a
    resolved case; preferences; a lawyer and an agent; a join request, an invitation, an admin
    log entry and a remembered API response quoting her name; a cast role. Leo has his own."""
    maya, leo = performer.performer, other_performer.performer
    maya.email, maya.professional_name = MAYA_EMAIL, "Maya O"
    maya.save(update_fields=["email", "professional_name"])
    studio = billed_studio.studio

    grant = signed_past_grant(studio, maya, tvth)
    leo_grant = signed_past_grant(
        studio, leo, tvth, title="Leo's Picture", ip="198.51.100.2", agent="Mozilla/5.0 (LeoTablet)"
    )
    report(studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    with django_capture_on_commit_callbacks(execute=True):
        billing.billing_run_start(period=AUGUST, actor=SYSTEM)
    invoice = Invoice.objects.get(studio=studio, period=AUGUST)
    billing.invoice_mark_paid(invoice=invoice, actor=SYSTEM)
    billing.payout_record(performer=maya, amount=Decimal("3738.00"), currency="USD", actor=SYSTEM)
    consent.grants_expire_due()  # both terms ended on 2026-06-30

    consent.preferences_update(
        performer=maya,
        acting_user=login_of(maya),
        do_not_train=True,
        opt_out_categories=[],
        declined_uses=["training"],
        rate_floor_amount=None,
        rate_floor_currency="",
        rate_floor_unit="",
    )
    with transaction.atomic():
        case = case_open(
            actor=SYSTEM,
            kind="violation",
            studio=studio,
            performer=maya,
            reason_code="outside_scope",
            summary="Maya Okafor's replica appeared in a trailer outside the consent.",
        )
    case_resolve(case=case, outcome="settled", notes="Spoke to Maya Okafor by phone.", actor=SYSTEM)

    User = get_user_model()
    lawyer = representative_authorise(
        performer=maya,
        kind="lawyer",
        name="Lena Ortiz",
        email="lena@ortiz-law.example",
        user=User.objects.create_user(username="lena", password="pw-for-tests-1"),
        valid_from=dt.date(2020, 1, 1),
        authority_document="Engagement letter signed by Maya Okafor",
        actor=SYSTEM,
    )
    representative_authorise(
        performer=maya,
        kind="agent",
        name="Otto Agent",
        user=User.objects.create_user(username="otto", password="pw-for-tests-1"),
        valid_from=dt.date(2020, 1, 1),
        authority_document="Agency contract 2020",
        actor=SYSTEM,
    )
    join_request_submit(
        member_number="SAG-1", legal_name="Maya Okafor", email=MAYA_EMAIL, date_of_birth=dt.date(1988, 3, 14)
    )
    # The invitation she accepted when she joined (her login has a password now, so the
    # service would refuse a new one).
    PortalInvitation.objects.create(
        user=performer.user, performer=maya, email=MAYA_EMAIL, sent_at=T0, sent_by="tests", accepted_at=T0
    )
    LogEntry.objects.create(
        user=staff.user,
        content_type=ContentType.objects.get_for_model(Performer),
        object_id=str(maya.pk),
        object_repr=str(maya),
        action_flag=CHANGE,
        change_message="Changed email of Maya Okafor.",
    )
    IdempotencyRecord.objects.create(
        owner=f"studio:{studio.pk}",
        key="k-1",
        method="POST",
        path="/api/v1/consent-requests/",
        fingerprint="0" * 64,
        response_status=201,
        response_body=f'{{"performer": {{"id": "{maya.public_id}", "name": "Maya Okafor"}}}}',
        expires_at=timezone.now() + dt.timedelta(hours=24),
    )
    title = Title.objects.create(
        studio=studio,
        agreement=tvth,
        project_kind="series",
        name="Harbour Lights",
        production_number="HL-S1",
        streaming_service="Streamline+",
        release_date=dt.date(2025, 8, 1),
        runtime_minutes=480,
        high_budget_svod=True,
        currency="USD",
        registered_at=T0,
        registered_by="tests",
    )
    CastMember.objects.create(
        title=title, performer=maya, role="Captain Ines Moreau", residual_base=Decimal("4326.00")
    )
    return World(maya=maya, leo=leo, grant=grant, leo_grant=leo_grant, invoice=invoice, lawyer=lawyer)


CALLERS = [
    "owner",
    "other_performer",
    "lawyer",
    "agent",
    "guardian_other",
    "studio",
    "other_studio",
    "staff",
    "analyst",
    "anonymous",
]


@pytest.fixture
def privacy_clients(
    privacy_world,
    performer,
    other_performer,
    minor_with_guardian,
    billed_studio,  # noqa: F811 - a fixture imported above
    other_studio,
    staff,
    analyst,
):
    User = get_user_model()
    return {
        "owner": performer.client,
        "other_performer": other_performer.client,
        "lawyer": _client(User.objects.get(username="lena")),
        "agent": _client(User.objects.get(username="otto")),
        "guardian_other": minor_with_guardian.client,
        "studio": billed_studio.client,
        "other_studio": other_studio.client,
        "staff": staff.client,
        "analyst": analyst.client,
        "anonymous": APIClient(),
    }
