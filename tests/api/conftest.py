"""Fixtures for the consent API tests: a small consent_world of requests and grants, and DB snapshots."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from registry.audit.models import AuditEvent
from registry.consent.models import (
    ConsentGrant,
    ConsentRequest,
    DescriptionVersion,
    GrantStatusChange,
    PerformerPreferences,
    Signature,
    Strike,
    Suspension,
)
from registry.parties.models import Performer
from registry.parties.services import estate_search_record
from tests.conftest import SYSTEM
from tests.consent.factories import accept, create_request, grant_for

PROBLEM_CONTENT_TYPE = "application/problem+json"


def assert_problem(response, status: int, slug: str, detail: str | None = None) -> dict:
    """An RFC 9457 problem with this status and type (and detail, when given)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"].endswith(f"/problems/{slug}")
    assert body["status"] == status
    if detail is not None:
        assert body["detail"] == detail
    return body


def db_snapshot() -> dict:
    """Everything a consent endpoint could write, in a comparable form."""
    return {
        "requests": list(
            ConsentRequest.objects.order_by("pk").values_list("public_id", "status", "answered_at", "decline_reason")
        ),
        "description_versions": DescriptionVersion.objects.count(),
        "signatures": Signature.objects.count(),
        "grants": list(ConsentGrant.objects.order_by("pk").values_list("public_id", "status", "ended_at")),
        "status_changes": GrantStatusChange.objects.count(),
        "suspensions": list(Suspension.objects.order_by("pk").values_list("pk", "cause", "ended_at")),
        "strikes": list(Strike.objects.order_by("pk").values_list("public_id", "lifted_at")),
        "preferences": list(
            PerformerPreferences.objects.order_by("pk").values_list(
                "performer_id", "do_not_train", "opt_out_categories", "declined_uses", "rate_floor_amount"
            )
        ),
        "audit_events": AuditEvent.objects.count(),
    }


def result_ids(response) -> list[str]:
    """The ids on one page of a (cursor-paginated) list response."""
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None
    return [row["id"] for row in body["results"]]


@dataclass
class World:
    """Maya (performer) and Sam (a minor, signed for by the guardian) deal with Northlight
    (studio); Leo (other_performer) deals with Rival (other_studio)."""

    maya: Performer
    sam: Performer
    maya_grant: ConsentGrant
    maya_pending: ConsentRequest
    sam_grant: ConsentGrant
    sam_pending: ConsentRequest
    leo_grant: ConsentGrant
    # caller -> (grant, pending request) of the performer a lapsed mandate was for
    lapsed: dict[str, tuple[ConsentGrant, ConsentRequest]]

    def requests(self) -> list[ConsentRequest]:
        return [
            self.maya_grant.request,
            self.maya_pending,
            self.sam_grant.request,
            self.sam_pending,
            self.leo_grant.request,
            *(r for grant, pending in self.lapsed.values() for r in (grant.request, pending)),
        ]


LAPSED = ["former_guardian", "agent_of_deceased", "estate_of_living"]


@pytest.fixture
def consent_world(
    agreement,
    studio,
    other_studio,
    performer,
    other_performer,
    minor_with_guardian,
    minor_self,
    former_guardian,
    agent_of_deceased,
    estate_of_living,
    staff,
) -> World:
    maya, sam = performer.performer, minor_with_guardian.performer
    lapsed = {}
    for caller, once_represented in zip(LAPSED, (former_guardian, agent_of_deceased, estate_of_living), strict=True):
        represented = once_represented.performer
        request = create_request(studio.studio, represented, agreement)
        # Harold Vance died with no estate on record: after a diligent search, the union signs for him.
        by_union = represented.date_of_death is not None
        if by_union:
            estate_search_record(
                performer=represented,
                searcher="Ada Admin",
                searched_on=represented.date_of_death,
                steps="Probate records, the former agent and the family: no executor was found.",
                actor=SYSTEM,
            )
        grant = accept(request, user=staff.user if by_union else None, name="Ada Admin", union_admin=by_union)
        lapsed[caller] = (grant, create_request(studio.studio, represented, agreement, use="voice_replica"))
    return World(
        maya=maya,
        sam=sam,
        maya_grant=grant_for(studio.studio, maya, agreement),
        maya_pending=create_request(studio.studio, maya, agreement, use="voice_replica"),
        sam_grant=accept(
            create_request(studio.studio, sam, agreement), user=minor_with_guardian.user, name="Elena Rivera"
        ),
        sam_pending=create_request(studio.studio, sam, agreement, use="voice_replica"),
        leo_grant=grant_for(other_studio.studio, other_performer.performer, agreement),
        lapsed=lapsed,
    )


# The kinds of caller; a guardian appears twice: acting for their own minor, and for someone else.
# The minor signed in themself may see but not act; the last three once held a mandate that
# gives no authority today (issue 16).
CALLERS = [
    "owner",
    "other_performer",
    "studio",
    "other_studio",
    "staff",
    "analyst",
    "anonymous",
    "guardian_own",
    "guardian_other",
    "minor_self",
    *LAPSED,
]


@pytest.fixture
def consent_clients(
    api_clients, minor_with_guardian, minor_self, former_guardian, agent_of_deceased, estate_of_living
) -> dict:
    """The common callers (the performer is the owner of the records here), and the guardian,
    the minor and the lapsed mandates the consent matrix adds."""
    common = {("owner" if kind == "performer" else kind): client for kind, client in api_clients.items()}
    return {
        **common,
        "guardian_own": minor_with_guardian.client,
        "guardian_other": minor_with_guardian.client,
        "minor_self": minor_self.client,
        "former_guardian": former_guardian.client,
        "agent_of_deceased": agent_of_deceased.client,
        "estate_of_living": estate_of_living.client,
    }
