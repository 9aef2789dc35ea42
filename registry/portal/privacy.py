"""Portal invitations and requests to join, for privacy's export and erasure (the contract is in
registry/core/personal_data.py). registry.privacy reaches this module through
settings.PERFORMER_DATA_MODULES: the portal sits above privacy and may call it, not the reverse."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from registry.core.personal_data import ERASED_DATE_OF_BIRTH, Erasure, RowsChanged, iso
from registry.parties.models import Performer
from registry.portal.models import JoinRequest, PortalInvitation

PSEUDONYMISED = (PortalInvitation, JoinRequest)


def pseudonymise_performer(performer: Performer, erasure: Erasure) -> RowsChanged:
    """Invitations sent to them or their representatives, and requests to join made with their
    member number or email."""
    changes = RowsChanged()
    changes[PortalInvitation] += (
        PortalInvitation.objects.filter(Q(performer=performer) | Q(representative__performer=performer))
        .exclude(email="")
        .update(email="")
    )
    joins = JoinRequest.objects.filter(member_number=erasure.former_member_number)
    if erasure.former_email:
        joins = joins | JoinRequest.objects.filter(email__iexact=erasure.former_email)
    for join in joins.distinct():
        join.legal_name = erasure.pseudonym
        join.email = f"erased-{join.pk}@invalid"  # EmailField: a syntactically valid placeholder
        join.member_number = erasure.member_number
        join.date_of_birth = ERASED_DATE_OF_BIRTH
        join.decision_note = erasure.scrub(join.decision_note)
        join.save(update_fields=["legal_name", "email", "member_number", "date_of_birth", "decision_note"])
        changes[JoinRequest] += 1
    return changes


def export_performer(performer: Performer) -> dict[str, Any]:
    """`portal`: invitations, and requests to join made with their member number."""
    return {
        "portal": {
            "invitations": [
                {"email": i.email, "sent_at": iso(i.sent_at), "accepted_at": iso(i.accepted_at)}
                for i in PortalInvitation.objects.filter(performer=performer).order_by("id")
            ],
            "join_requests": [
                {
                    "member_number": j.member_number,
                    "legal_name": j.legal_name,
                    "email": j.email,
                    "date_of_birth": iso(j.date_of_birth),
                    "status": j.status,
                    "submitted_at": iso(j.submitted_at),
                    "decided_at": iso(j.decided_at),
                }
                for j in JoinRequest.objects.filter(member_number=performer.member_number).order_by("id")
            ],
        }
    }
