"""Reads for privacy: everything the registry holds about one performer (the export, gathered
from each domain's privacy module), what obliges it to keep their data (the erasure rules'
input), what erasure needs to know before it starts, and the erasure requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone

from registry.audit.selectors import audit_events_for_performer
from registry.billing import rating
from registry.billing.billable import without_standing_charge
from registry.billing.models import Posting
from registry.billing.money import round_money
from registry.cases.models import Case
from registry.consent.models import ConsentGrant, ConsentRequest
from registry.core.actors import Actor
from registry.core.personal_data import Erasure, iso
from registry.core.vocabulary.billing import AccountKind
from registry.core.vocabulary.cases import CaseStatus
from registry.core.vocabulary.consent import LIVE_GRANT_STATUSES, RequestStatus
from registry.core.vocabulary.usage import LineStatus
from registry.parties.models import Performer, Representative
from registry.privacy import rules
from registry.privacy.domains import performer_data_modules
from registry.privacy.models import ErasureRequest
from registry.usage.models import UsageLine

EXPORT_FORMAT = "registry-performer-export"
EXPORT_VERSION = 1


def erasure_requests_of(performer: Performer) -> QuerySet[ErasureRequest]:
    return ErasureRequest.objects.filter(performer=performer)


# --- What obliges the registry to keep the data ------------------------------------------------
def unbilled_lines(performer: Performer) -> QuerySet[UsageLine]:
    """Accepted, billable lines about the performer with no standing charge yet (billing's own
    test of a standing charge)."""
    return without_standing_charge(
        UsageLine.objects.filter(performer=performer, status=LineStatus.ACCEPTED, kind__in=list(rating.RATERS))
    )


def owed_to(performer: Performer) -> dict[str, Decimal]:
    """Currency -> the balance of the performer's payable accounts, as money owed to them
    (credits are negative postings, so the amount owed is minus the sum)."""
    rows = (
        Posting.objects.filter(account__performer=performer, account__kind=AccountKind.PAYABLE)
        .values("currency")
        .annotate(total=Sum("amount"))
    )
    # SQLite sums decimals without their scale; round_money gives "3738.00" on both databases.
    return {row["currency"]: round_money(-row["total"]) for row in rows if row["total"]}


def holdings(performer: Performer, *, now: dt.datetime | None = None) -> rules.Holdings:
    now = now or timezone.now()
    return rules.Holdings(
        already_erased=performer.is_erased,
        live_grant_ids=list(
            ConsentGrant.objects.filter(performer=performer, status__in=LIVE_GRANT_STATUSES)
            .order_by("id")
            .values_list("public_id", flat=True)
        ),
        # A pending request past its expiry can no longer be answered; the sweep marks it soon.
        pending_request_ids=list(
            ConsentRequest.objects.filter(performer=performer, status=RequestStatus.PENDING, expires_at__gt=now)
            .order_by("id")
            .values_list("public_id", flat=True)
        ),
        open_case_ids=list(
            Case.objects.filter(performer=performer)
            .exclude(status=CaseStatus.RESOLVED)
            .order_by("id")
            .values_list("public_id", flat=True)
        ),
        unbilled_line_refs=list(unbilled_lines(performer).order_by("id").values_list("line_ref", flat=True)),
        owed=owed_to(performer),
    )


def erasure_of(performer: Performer, *, actor: Actor, at: dt.datetime) -> Erasure:
    """What every domain needs to pseudonymise the performer, read before any row changes."""
    return Erasure.of(
        public_id=performer.public_id,
        legal_name=performer.legal_name,
        professional_name=performer.professional_name,
        email=performer.email,
        member_number=performer.member_number,
        date_of_birth=performer.date_of_birth,
        representative_names=Representative.objects.filter(performer=performer).values_list("name", flat=True),
        actor=actor,
        at=at,
    )


# --- The export ------------------------------------------------------------------------------
def _erasure_requests(performer: Performer) -> list[dict]:
    return [erasure_request_view(e) for e in erasure_requests_of(performer).order_by("id")]


def erasure_request_view(e: ErasureRequest) -> dict:
    return {
        "id": e.public_id,
        "performer": e.performer.public_id,
        "status": e.status,
        "requested_at": iso(e.requested_at),
        "requested_by": {"kind": e.requested_by_kind, "id": e.requested_by_id},
        "reason": e.reason,
        "decided_at": iso(e.decided_at),
        "refusal": {"codes": list(e.refusal_codes), "detail": e.refusal_detail} if e.refusal_codes else None,
        "changes": e.changes or None,
    }


def _audit(performer: Performer) -> list[dict]:
    return [
        {
            "seq": e.id,
            "occurred_at": iso(e.occurred_at),
            "action": e.action,
            "actor": {"kind": e.actor_kind, "id": e.actor_id, "name": e.actor_name},
            "subject": {"type": e.subject_type, "id": e.subject_id},
            "studio": e.studio_id,
            "data": e.data,
            "content_hash": e.content_hash,
        }
        for e in audit_events_for_performer(performer.public_id).order_by("id").iterator(chunk_size=500)
    ]


def performer_export(performer: Performer, *, now: dt.datetime | None = None) -> dict:
    """One JSON document with everything the registry holds about the performer: each domain's
    sections in the order of settings.PERFORMER_DATA_MODULES, then privacy's own and the audit
    trail. The shape is versioned (`version`); a new key may be added, none removed or renamed
    within a version."""
    document: dict = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "generated_at": iso(now or timezone.now())}
    for module in performer_data_modules():
        document.update(module.export_performer(performer))
    document["erasure_requests"] = _erasure_requests(performer)
    document["audit_events"] = _audit(performer)
    return document


EXPORT_SECTIONS = (
    "performer",
    "representatives",
    "preferences",
    "consent_requests",
    "grants",
    "usage_lines",
    "earnings",
    "residuals",
    "cases",
    "portal",
    "erasure_requests",
    "audit_events",
)
