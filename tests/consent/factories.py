"""Builders for consent tests: a valid request body and the objects behind it."""

from __future__ import annotations

import copy
import datetime as dt

from django.utils import timezone

from registry.audit.models import AuditEvent
from registry.consent import services
from registry.consent.models import ConsentGrant, ConsentRequest
from registry.parties.models import Performer, Studio
from registry.terms.models import Agreement
from tests.conftest import SYSTEM


def request_body(performer: Performer, agreement: Agreement, **overrides) -> dict:
    """A request that passes every rule; override any top-level key."""
    start = timezone.localdate() + dt.timedelta(days=30)
    body = {
        "performer": performer.public_id,
        "agreement": agreement.code,
        "use": "replica_use",
        "project": {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"},
        "description": {
            "role_or_scenes": "Detective Ana Reyes, rooftop chase in scenes 41-44",
            "intended_uses": ["Replica performs the rooftop stunt sequence in place of a double"],
            "media": ["theatrical", "streaming"],
            "territory": ["US", "CA"],
            "term_start": start.isoformat(),
            "term_end": (start + dt.timedelta(days=730)).isoformat(),
            "sensitive_content": [],
            "content_categories": [],
            "detail": "Face and body replica from the November scan.",
        },
        "compensation": {"amount": "1283.00", "currency": "USD", "unit": "day", "estimated_days": "3"},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            merged = copy.deepcopy(body[key])
            merged.update(value)
            body[key] = merged
        else:
            body[key] = value
    return body


def create_request(studio: Studio, performer: Performer, agreement: Agreement, **overrides) -> ConsentRequest:
    """Create a request through the service, the way the API does."""
    from registry.api.serializers.consent import (
        ConsentRequestCreateSerializer,
        compensation_from,
        description_from,
        project_from,
    )

    body = ConsentRequestCreateSerializer(data=request_body(performer, agreement, **overrides))
    body.is_valid(raise_exception=True)
    data = body.validated_data
    new = services.NewRequest(
        studio=studio,
        performer=performer,
        agreement=agreement,
        use=data["use"],
        project=project_from(data["project"]),
        description=description_from(data["description"]),
        compensation=compensation_from(data["compensation"]),
        scan_at=data["scan_at"],
        engaged_at=data["engaged_at"],
        business_reason=data["business_reason"],
        amends=overrides.get("amends_grant"),
        replica_origin=data["replica_origin"],
    )
    return services.consent_request_create(new=new, actor=SYSTEM)


def accept(
    request: ConsentRequest, *, user=None, name: str = "Maya Okafor", union_admin: bool = False
) -> ConsentGrant:
    """Sign as `user` (default: the performer's own login)."""
    user = user or request.performer.user
    signer = services.signer_for(
        user=user, performer=request.performer, is_union_admin=union_admin, name=name, on=timezone.localdate()
    )
    return services.consent_request_accept(
        request=request,
        signer=signer,
        description_sha256=request.current_description.sha256,
        attestation_text="I have read the description and I consent to this use.",
        actor=SYSTEM,
    )


def grant_for(studio: Studio, performer: Performer, agreement: Agreement, **overrides) -> ConsentGrant:
    return accept(create_request(studio, performer, agreement, **overrides))


def run_strike_jobs(strike, *, now: dt.datetime | None = None, **options) -> list:
    """Run a strike's jobs as a worker does once its declaration (or lift) has committed; unit
    tests never commit, so the outbox never sends them."""
    return [
        services.strike_job_run(job_id=pk, now=now, **options)
        for pk in strike.jobs.order_by("pk").values_list("pk", flat=True)
    ]


# Audit actions that record one grant's change of status (activated and amended: a new version
# starts active), and the batches of a strike's job, each naming the grants it changed.
GRANT_STATUS_ACTIONS = {
    "grant.activated",
    "grant.amended",
    "grant.suspended",
    "grant.suspended_by_strike",
    "grant.resumed",
    "grant.resumed_after_strike",
    "grant.revoked",
    "grant.superseded",
    "grant.expired",
}
STRIKE_BATCH_ACTIONS = {
    "strike.grants_suspended": ("suspended", "active", "suspended"),
    "strike.grants_restored": ("restored", "suspended", "active"),
}


def audited_status_changes() -> list[tuple[str, str, str]]:
    """Every change of a grant's status the audit trail records, oldest first, as
    (grant public id, from, to)."""
    out = []
    events = AuditEvent.objects.filter(action__in=GRANT_STATUS_ACTIONS | set(STRIKE_BATCH_ACTIONS)).order_by("id")
    for subject_id, action, data in events.values_list("subject_id", "action", "data"):
        if action in STRIKE_BATCH_ACTIONS:
            key, before, after = STRIKE_BATCH_ACTIONS[action]
            out.extend((grant_id, before, after) for grant_id in data[key])
        elif action in ("grant.activated", "grant.amended"):
            out.append((subject_id, "", "active"))
        else:
            out.append((subject_id, data["from"], data["to"]))
    return out
