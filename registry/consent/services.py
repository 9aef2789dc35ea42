"""Writes for consent: requests, answers, grant status changes, strikes and preferences.

Each public function is one transaction that writes its audit events inside it. Its effects
are explicit calls, in the same transaction and with the change's own time: a grant's token
(registry.tokens.services), its studio's webhook (registry.webhooks.events), and work owed
after the commit through the outbox (notifications, strike jobs, status-list re-signing).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.chain import canonical_json
from registry.audit.services import audit_record
from registry.consent import rules, selectors
from registry.consent.models import (
    ConsentGrant,
    ConsentRequest,
    DescriptionVersion,
    GrantStatusChange,
    PerformerPreferences,
    Signature,
    Strike,
    StrikeJob,
    Suspension,
)
from registry.core import replica
from registry.core.actors import Actor
from registry.core.bulk import copy_insert
from registry.core.errors import (
    FieldProblem,
    NotPermittedError,
    RuleViolationError,
    StateConflictError,
    problems_summary,
)
from registry.core.problems import ProblemType
from registry.core.vocabulary.consent import (
    LIVE_GRANT_STATUSES,
    REPLICA_USES,
    TERMINAL_GRANT_STATUSES,
    GrantStatus,
    ReplicaOrigin,
    ReplicaSource,
    RequestStatus,
    SignatureMethod,
    SignerRole,
    StrikeJobKind,
    StrikeJobStatus,
    SuspensionCause,
    UseType,
)
from registry.core.vocabulary.parties import RepresentativeKind
from registry.outbox import services as outbox
from registry.parties.authority import authority_for, representatives_in_force, require_authority
from registry.parties.models import Performer, Representative, Studio
from registry.parties.rules import Act, Capacity
from registry.terms.models import Agreement
from registry.tokens import services as token_services
from registry.webhooks import events as webhook_events

# Tasks this module enqueues through the outbox, by name (registry/consent/tasks.py runs them).
NOTIFY_CONSENT_REQUEST_TASK = "consent.notify_consent_request"
RUN_STRIKE_JOB_TASK = "consent.run_strike_job"


# --- Facts for the pure rules -----------------------------------------------------------------
def agreement_terms(agreement: Agreement) -> rules.AgreementTerms:
    return rules.AgreementTerms(
        code=agreement.code,
        effective_from=agreement.effective_from,
        effective_to=agreement.effective_to,
        currency=agreement.currency,
        performer_may_revoke=agreement.performer_may_revoke,
        performer_may_suspend=agreement.performer_may_suspend,
        max_licence_years_adult=agreement.max_licence_years_adult,
        max_licence_years_minor=agreement.max_licence_years_minor,
        scan_notice_hours=agreement.scan_notice_hours,
        scan_requires_business_reason=agreement.scan_requires_business_reason,
        union_consents_for_deceased=agreement.union_consents_for_deceased,
        commercial_preconsent_same_advertiser=agreement.commercial_preconsent_same_advertiser,
        replica_from_footage_allowed=agreement.replica_from_footage_allowed,
    )


def performer_facts(performer: Performer, *, on: dt.date | None = None) -> rules.PerformerFacts:
    has_estate = any(rep.kind == RepresentativeKind.ESTATE for rep in representatives_in_force(performer, on=on))
    return rules.PerformerFacts(
        date_of_birth=performer.date_of_birth,
        date_of_death=performer.date_of_death,
        has_estate_representative=has_estate,
        estate_search_on_record=performer.date_of_death is not None and performer.estate_searches.exists(),
        erased=performer.is_erased,
    )


def description_content(d: rules.Description) -> dict:
    """The stored (and hashed) form of a description: JSON types only, every field present."""
    return {
        "role_or_scenes": d.role_or_scenes,
        "intended_uses": list(d.intended_uses),
        "media": sorted(d.media),
        "territory": sorted(t.upper() for t in d.territory),
        "term_start": d.term_start.isoformat(),
        "term_end": d.term_end.isoformat(),
        "sensitive_content": sorted(d.sensitive_content),
        "content_categories": sorted(d.content_categories),
        "realtime_generation": d.realtime_generation,
        "depicts_minor": d.depicts_minor,
        "future_spots": d.future_spots,
        "detail": d.detail,
        # Only when stated, so descriptions without it keep the form (and hash) they always had.
        **({"depicted_age": d.depicted_age} if d.depicted_age is not None else {}),
        **({"lifetime_only": True} if d.lifetime_only else {}),
    }


def signed_terms_content(compensation: rules.Compensation, replica_origin: str) -> dict:
    """What the performer signs beside the description, hashed with it (DOMAIN.md section 6):
    the compensation, which binds the price of every use, and the replica's origin, which
    decides the formula (EBDR or ICDR)."""
    return {
        "compensation": {
            "amount": str(compensation.amount),
            "currency": compensation.currency,
            "unit": compensation.unit,
            "estimated_days": str(compensation.estimated_days) if compensation.estimated_days is not None else None,
            "negotiated_per_use": compensation.negotiated_per_use,
        },
        "replica_origin": replica_origin,
    }


def replica_origin_of(use: str, stated: str) -> str:
    """The origin a replica use is signed with: as the studio states it, else employment-based
    (the formula of DOMAIN.md 3.1, which never pays below scale); none for other uses."""
    if use not in REPLICA_USES:
        return stated
    return stated or ReplicaOrigin.EMPLOYMENT_BASED


def description_sha256(content: dict) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def _problems(violations: Iterable[rules.RuleViolation]) -> list[FieldProblem]:
    return [FieldProblem(v.field, v.code, v.message) for v in violations]


# --- Requests ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewRequest:
    studio: Studio
    performer: Performer
    agreement: Agreement
    use: str
    project: rules.Project
    description: rules.Description
    compensation: rules.Compensation
    scan_at: dt.datetime | None = None
    engaged_at: dt.datetime | None = None
    business_reason: str = ""
    amends: ConsentGrant | None = None
    replica_origin: str = ""
    replica_source: str = ReplicaSource.SCAN_SESSION
    footage_from: dt.date | None = None
    footage_to: dt.date | None = None


def consent_request_create(*, new: NewRequest, actor: Actor, now: dt.datetime | None = None) -> ConsentRequest:
    """Validate a studio's request against the rules, store it, and tell the performer.

    Refused outright (RuleViolationError, nothing stored) when it breaks a rule; stored but
    declined at once when it conflicts with the performer's standing preferences.
    """
    now = now or timezone.now()
    problems = _request_problems(new, now)
    if problems:
        raise RuleViolationError(problems_summary(problems), problems=problems)
    strike = _strike_against_request(new, now)
    conflicts = rules.preference_conflicts(
        selectors.preferences_of(new.performer).as_rules(), new.use, new.description, new.compensation
    )
    with transaction.atomic():
        request, version = _request_store(new, now, held_by_strike=strike)
        _audit_request(request, actor, AuditAction.CONSENT_REQUEST_CREATED, _request_created_data(request, new))
        _audit_request(
            request,
            actor,
            AuditAction.DESCRIPTION_VERSION_CREATED,
            {"version": version.version, "sha256": version.sha256, "content": version.content},
        )
        if conflicts:
            _request_auto_decline(request, conflicts, now)
        else:
            outbox.enqueue(NOTIFY_CONSENT_REQUEST_TASK, request.pk)
    return request


class StudioOnStrikeError(StateConflictError):
    """Rule 2.10: a new request to a studio on strike under the agreement is refused."""

    slug = ProblemType.STUDIO_ON_STRIKE


def _strike_against_request(new: NewRequest, now: dt.datetime) -> Strike | None:
    """Rule 2.10: the strike in force against the studio under the request's agreement, if any.
    Refused (StudioOnStrikeError) unless the agreement holds such requests suspended; then the
    strike is returned, and the request records it."""
    strike = _strikes_in_force(new.agreement.pk, new.studio.pk, now).order_by("starts_at", "pk").first()
    if strike is None:
        return None
    if not new.agreement.strike_requests_held:
        raise StudioOnStrikeError(
            f"{new.studio.legal_name} is on strike under {new.agreement.code} since "
            f"{strike.starts_at:%Y-%m-%d}; new consent requests are refused until the strike is lifted.",
            strike=strike.public_id,
        )
    return strike


def _request_problems(new: NewRequest, now: dt.datetime) -> list[FieldProblem]:
    """Every rule the request breaks: the studio's signature on the agreement, an amendment's
    own rules, and the consent rules of DOMAIN.md section 2."""
    today = timezone.localdate(now)
    problems: list[FieldProblem] = []
    if not new.studio.agreements.filter(pk=new.agreement.pk).exists():
        problems.append(
            FieldProblem(
                "agreement",
                "studio_not_signatory",
                f"{new.studio.legal_name} is not a signatory to agreement {new.agreement.code}.",
            )
        )
    if new.amends is not None:
        problems += _amendment_problems(new)
    facts = rules.RequestFacts(
        use=new.use,
        project=new.project,
        description=new.description,
        compensation=new.compensation,
        requested_at=now,
        scan_at=new.scan_at,
        engaged_at=new.engaged_at,
        business_reason=new.business_reason,
        replica_origin=new.replica_origin,
        replica_source=new.replica_source,
        footage_from=new.footage_from,
        footage_to=new.footage_to,
    )
    problems += _problems(
        rules.request_violations(
            facts, performer_facts(new.performer, on=today), agreement_terms(new.agreement), today
        )
    )
    return problems


def _request_store(
    new: NewRequest, now: dt.datetime, *, held_by_strike: Strike | None = None
) -> tuple[ConsentRequest, DescriptionVersion]:
    request = ConsentRequest.objects.create(
        held_by_strike=held_by_strike,
        studio=new.studio,
        performer=new.performer,
        agreement=new.agreement,
        use=new.use,
        amends=new.amends,
        project_kind=new.project.kind,
        project_title=new.project.title,
        production_number=new.project.production_number,
        advertiser=new.project.advertiser,
        product_line=new.project.product_line,
        requested_at=now,
        expires_at=now + dt.timedelta(days=new.agreement.request_expiry_days),
        scan_at=new.scan_at,
        engaged_at=new.engaged_at,
        business_reason=new.business_reason,
        replica_source=new.replica_source if new.use == UseType.REPLICA_CREATION else "",
        footage_from=new.footage_from,
        footage_to=new.footage_to,
        compensation_amount=new.compensation.amount,
        compensation_currency=new.compensation.currency,
        compensation_unit=new.compensation.unit,
        compensation_negotiated_per_use=new.compensation.negotiated_per_use,
        replica_origin=replica_origin_of(new.use, new.replica_origin),
        estimated_days=new.compensation.estimated_days,
    )
    content = {
        **description_content(new.description),
        **signed_terms_content(new.compensation, request.replica_origin),
    }
    version = DescriptionVersion.objects.create(
        request=request, version=1, content=content, sha256=description_sha256(content), created_at=now
    )
    return request, version


def _request_created_data(request: ConsentRequest, new: NewRequest) -> dict:
    """What the audit trail keeps of a new request (its description is in its own entry)."""
    return {
        "use": request.use,
        "agreement": new.agreement.code,
        "project": {
            "kind": request.project_kind,
            "title": request.project_title,
            "production_number": request.production_number,
        },
        "amends": new.amends.public_id if new.amends else None,
        "compensation": {
            "amount": request.compensation_amount,
            "currency": request.compensation_currency,
            "unit": request.compensation_unit,
            "estimated_days": request.estimated_days,
            "negotiated_per_use": request.compensation_negotiated_per_use,
        },
        "replica_origin": request.replica_origin,
        "scan_at": request.scan_at,
        "business_reason": request.business_reason,
        "expires_at": request.expires_at,
        "held_by_strike": request.held_by_strike.public_id if request.held_by_strike_id else None,
    }


def _request_auto_decline(
    request: ConsentRequest, conflicts: list[rules.PreferenceConflict], now: dt.datetime
) -> None:
    """Declined for the performer by their standing preferences, naming each conflict."""
    request.status = RequestStatus.DECLINED
    request.answered_at = now
    request.auto_declined = True
    request.decline_codes = [c.code for c in conflicts]
    request.decline_reason = " ".join(c.message for c in conflicts)
    request.save(update_fields=["status", "answered_at", "auto_declined", "decline_codes", "decline_reason"])
    _audit_request(
        request,
        Actor.system("standing preferences"),
        AuditAction.CONSENT_REQUEST_AUTO_DECLINED,
        {"codes": request.decline_codes, "reason": request.decline_reason},
    )


def _amendment_problems(new: NewRequest) -> list[FieldProblem]:
    grant = new.amends
    out = []
    if grant.studio_id != new.studio.pk or grant.performer_id != new.performer.pk:
        out.append(
            FieldProblem(
                "amends",
                "not_your_grant",
                "Only the studio's own grant with this performer can be amended.",
            )
        )
    elif not grant.is_live:
        out.append(
            FieldProblem(
                "amends",
                "grant_not_live",
                f"Grant {grant.public_id} is {grant.status}; it cannot be amended.",
            )
        )
    elif grant.use != new.use or grant.project().identity() != new.project.identity():
        out.append(
            FieldProblem(
                "amends",
                "amendment_changes_use_or_project",
                "An amendment keeps the use and the project; request a new consent instead.",
            )
        )
    return out


def _audit_request(request: ConsentRequest, actor: Actor, action: AuditAction, data: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject_type=AuditSubject.CONSENT_REQUEST,
        subject_id=request.public_id,
        performer_id=request.performer.public_id,
        studio_id=request.studio.public_id,
        data=data,
    )


def _lock_request(request: ConsentRequest) -> ConsentRequest:
    return (
        ConsentRequest.objects.select_for_update(of=("self",))
        .select_related("performer", "studio", "agreement", "amends")
        .get(pk=request.pk)
    )


def _require_pending(request: ConsentRequest, now: dt.datetime) -> None:
    if request.status != RequestStatus.PENDING:
        raise StateConflictError(f"Request {request.public_id} is already {request.status}.")
    if request.expires_at <= now:
        raise StateConflictError(f"Request {request.public_id} expired on {request.expires_at.isoformat()}.")


@dataclass(frozen=True)
class Signer:
    """Who signs, as established from the caller (never taken from the request body)."""

    role: str
    name: str
    user: object | None = None
    representative: Representative | None = None


_SIGNER_ROLE_OF = {
    Capacity.SELF: SignerRole.PERFORMER,
    Capacity.GUARDIAN: SignerRole.GUARDIAN,
    Capacity.ESTATE: SignerRole.ESTATE,
    Capacity.AGENT: SignerRole.REPRESENTATIVE,
    Capacity.LAWYER: SignerRole.REPRESENTATIVE,
}


def signer_for(*, user, performer: Performer, is_union_admin: bool, name: str, on: dt.date) -> Signer:
    """The role in which `user` may sign for `performer` on `on`, or NotPermittedError.

    The user's authority comes from registry.parties.authority (today's facts); the union
    signs only where rule 2.8 lets it and nobody else may."""
    allowed = rules.allowed_signer_roles(performer_facts(performer, on=on), on)
    authority = authority_for(user, performer, Act.ANSWER_REQUESTS, on=on)
    if not isinstance(authority, str):
        role, rep = _SIGNER_ROLE_OF[authority.capacity], authority.representative
    elif is_union_admin:
        role, rep = SignerRole.UNION, None
    else:
        raise NotPermittedError(authority)
    if role not in allowed:
        explain = {
            SignerRole.UNION: (
                "The union consents only for a deceased performer with no estate on record, once staff "
                "have recorded a diligent search for one."
            ),
        }.get(role, f"A {role} may not sign for this performer.")
        raise NotPermittedError(explain)
    return Signer(role=role, name=name, user=user, representative=rep)


def consent_request_accept(
    *,
    request: ConsentRequest,
    signer: Signer,
    description_sha256: str,
    attestation_text: str,
    actor: Actor,
    client_ip: str | None = None,
    user_agent: str = "",
    method: str = SignatureMethod.PORTAL_ATTESTATION,
    represented_by: str = "",
    now: dt.datetime | None = None,
) -> ConsentGrant:
    """Record the signature and create the grant (a new version when the request amends one)."""
    now = now or timezone.now()
    if not attestation_text.strip():
        raise RuleViolationError(
            "Sign with an attestation.",
            problems=[FieldProblem("attestation_text", "required", "The attestation text is required.")],
        )
    with transaction.atomic():
        request = _lock_request(request)
        _lock_strikes_in_force(request, now)
        _require_pending(request, now)
        version = request.current_description
        if description_sha256 != version.sha256:
            raise StateConflictError(
                "The description you saw is not the current one; review it again before signing.",
                current_sha256=version.sha256,
            )
        signature = Signature.objects.create(
            request=request,
            description_version=version,
            description_sha256=version.sha256,
            signer_role=signer.role,
            signer_name=signer.name,
            signer_user=signer.user if getattr(signer.user, "pk", None) else None,
            representative=signer.representative,
            method=method,
            attestation_text=attestation_text,
            represented_by=represented_by,
            signed_at=now,
            client_ip=client_ip,
            user_agent=(user_agent or "")[:500],
            # Rule 2.8: the union signs on the strength of the latest diligent search for an estate.
            estate_search=(
                request.performer.estate_searches.order_by("-searched_on", "-id").first()
                if signer.role == SignerRole.UNION
                else None
            ),
        )
        request.status = RequestStatus.ACCEPTED
        request.answered_at = now
        request.save(update_fields=["status", "answered_at"])
        _audit_request(
            request,
            actor,
            AuditAction.CONSENT_REQUEST_SIGNED,
            {
                "signer_role": signer.role,
                "signer_name": signer.name,
                "description_version": version.version,
                "description_sha256": version.sha256,
                "attestation_text": attestation_text,
                "method": method,
                "represented_by": represented_by,
                "estate_search": signature.estate_search_id,
                "client_ip": client_ip,
                "user_agent": (user_agent or "")[:500],
            },
        )
        grant = _grant_create(request, version, signer.role, actor, now)
        webhook_events.consent_request_answered(request, grant)
    return grant


def _grant_create(
    request: ConsentRequest,
    version: DescriptionVersion,
    signer_role: str,
    actor: Actor,
    now: dt.datetime,
) -> ConsentGrant:
    d = version.description()
    previous = None
    if request.amends_id is not None:
        previous = ConsentGrant.objects.select_for_update().get(pk=request.amends_id)
        if not previous.is_live:
            raise StateConflictError(f"Grant {previous.public_id} is {previous.status}; it can no longer be amended.")
        # The old version's suspensions end with it; a strike still in force suspends the new one below.
        _end_all_suspensions(previous, now)
        _transition(
            previous,
            GrantStatus.SUPERSEDED,
            actor=actor,
            at=now,
            reason=f"Amended by request {request.public_id}",
            action=AuditAction.GRANT_SUPERSEDED,
        )
    lineage = {"lineage_id": previous.lineage_id, "version": previous.version + 1} if previous else {}
    grant = ConsentGrant.objects.create(
        **lineage,
        supersedes=previous,
        request=request,
        studio=request.studio,
        performer=request.performer,
        agreement=request.agreement,
        use=request.use,
        project_kind=request.project_kind,
        project_title=request.project_title,
        production_number=request.production_number,
        advertiser=request.advertiser,
        product_line=request.product_line,
        media=list(d.media),
        territory=list(d.territory),
        term_start=d.term_start,
        term_end=d.term_end,
        future_spots=d.future_spots,
        ends_at_death=d.lifetime_only,
        role_or_scenes=d.role_or_scenes,
        intended_uses=list(d.intended_uses),
        sensitive_content=sorted(d.sensitive_content),
        realtime_generation=d.realtime_generation,
        description_sha256=version.sha256,
        signer_role=signer_role,
        status=GrantStatus.ACTIVE,
        activated_at=now,
    )
    GrantStatusChange.objects.create(
        grant=grant,
        from_status="",
        to_status=GrantStatus.ACTIVE,
        at=now,
        reason=f"Signed by the {signer_role}",
    )
    _audit_grant(
        grant,
        actor,
        AuditAction.GRANT_ACTIVATED if previous is None else AuditAction.GRANT_AMENDED,
        {
            "version": grant.version,
            "supersedes": previous.public_id if previous else None,
            "request": request.public_id,
            "use": grant.use,
            "term_start": grant.term_start,
            "term_end": grant.term_end,
            "media": grant.media,
            "territory": grant.territory,
            "description_sha256": grant.description_sha256,
            "signer_role": signer_role,
        },
    )
    token_services.token_issue(grant=grant, at=now)
    webhook_events.grant_status_changed(grant, from_status="", to_status=GrantStatus.ACTIVE)
    # A grant accepted while a strike against this studio is in force starts suspended (the
    # strikes were locked when the request was: see _lock_strikes_in_force).
    for strike in _strikes_in_force(grant.agreement_id, grant.studio_id, now).order_by("pk"):
        _suspend(
            grant,
            cause=SuspensionCause.STRIKE,
            strike=strike,
            reason=strike.reason,
            actor=actor,
            at=now,
        )
    return grant


def consent_request_decline(
    *, request: ConsentRequest, reason: str, acting_user, now: dt.datetime | None = None
) -> ConsentRequest:
    """Decline for the performer: `acting_user` must be able to answer for them today."""
    now = now or timezone.now()
    actor = require_authority(
        user=acting_user, performer=request.performer, act=Act.ANSWER_REQUESTS, on=timezone.localdate(now)
    ).actor()
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolationError(
            "Give a reason for declining.",
            problems=[FieldProblem("reason", "required", "Say why you decline; the studio sees it.")],
        )
    with transaction.atomic():
        request = _lock_request(request)
        _require_pending(request, now)
        request.status = RequestStatus.DECLINED
        request.answered_at = now
        request.decline_reason = reason[:2000]
        request.save(update_fields=["status", "answered_at", "decline_reason"])
        _audit_request(request, actor, AuditAction.CONSENT_REQUEST_DECLINED, {"reason": request.decline_reason})
        webhook_events.consent_request_answered(request)
    return request


def consent_requests_expire_due(*, now: dt.datetime | None = None) -> int:
    """Mark unanswered requests past their expiry as expired (run by beat)."""
    now = now or timezone.now()
    expired = 0
    due = ConsentRequest.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            request = (
                ConsentRequest.objects.select_for_update(of=("self",)).select_related("performer", "studio").get(pk=pk)
            )
            if request.status != RequestStatus.PENDING:
                continue
            request.status = RequestStatus.EXPIRED
            request.answered_at = now
            request.save(update_fields=["status", "answered_at"])
            _audit_request(
                request,
                Actor.system("expiry"),
                AuditAction.CONSENT_REQUEST_EXPIRED,
                {"expires_at": request.expires_at},
            )
            expired += 1
    return expired


# --- Grant status -----------------------------------------------------------------------------
_ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    GrantStatus.ACTIVE: frozenset(
        {GrantStatus.SUSPENDED, GrantStatus.REVOKED, GrantStatus.EXPIRED, GrantStatus.SUPERSEDED}
    ),
    GrantStatus.SUSPENDED: frozenset(
        {GrantStatus.ACTIVE, GrantStatus.REVOKED, GrantStatus.EXPIRED, GrantStatus.SUPERSEDED}
    ),
}


def _transition(
    grant: ConsentGrant,
    to: str,
    *,
    actor: Actor,
    at: dt.datetime,
    reason: str = "",
    action: AuditAction,
    strike: Strike | None = None,
    data: dict | None = None,
) -> None:
    """The one place a grant's status changes: guarded, recorded, audited, announced."""
    if to not in _ALLOWED_TRANSITIONS.get(grant.status, frozenset()):
        raise StateConflictError(f"Grant {grant.public_id} is {grant.status}; it cannot become {to}.")
    from_status = grant.status
    grant.status = to
    fields = ["status"]
    if to in TERMINAL_GRANT_STATUSES:
        grant.ended_at = at
        fields.append("ended_at")
    grant.save(update_fields=fields)
    GrantStatusChange.objects.create(
        grant=grant,
        from_status=from_status,
        to_status=to,
        at=at,
        reason=reason[:2000],
        strike=strike,
    )
    _audit_grant(
        grant,
        actor,
        action,
        {
            "from": from_status,
            "to": to,
            "reason": reason,
            "strike": strike.public_id if strike else None,
            **(data or {}),
        },
    )
    # The effects, in this transaction: the token's slot follows the grant, and its studio is told.
    token_services.token_follow_grant(grant=grant)
    webhook_events.grant_status_changed(grant, from_status=from_status, to_status=to)
    _studios_read_primary([grant.studio_id])


def _audit_grant(grant: ConsentGrant, actor: Actor, action: AuditAction, data: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject_type=AuditSubject.GRANT,
        subject_id=grant.public_id,
        performer_id=grant.performer.public_id,
        studio_id=grant.studio.public_id,
        data={"lineage": grant.lineage_id, **data},
    )


def _lock_grant(grant: ConsentGrant) -> ConsentGrant:
    return (
        ConsentGrant.objects.select_for_update(of=("self",))
        .select_related("agreement", "performer", "studio")
        .get(pk=grant.pk)
    )


def _open_suspensions(grant: ConsentGrant):
    return Suspension.objects.filter(grant=grant, ended_at__isnull=True)


def _end_all_suspensions(grant: ConsentGrant, at: dt.datetime) -> None:
    """A grant leaving for good (revoked, expired, superseded) keeps no open suspension."""
    _open_suspensions(grant).update(ended_at=at)


def _suspend(
    grant: ConsentGrant,
    *,
    cause: str,
    strike: Strike | None,
    reason: str,
    actor: Actor,
    at: dt.datetime,
) -> None:
    Suspension.objects.create(grant=grant, cause=cause, strike=strike, reason=reason[:2000], started_at=at)
    if grant.status == GrantStatus.ACTIVE:
        action = AuditAction.GRANT_SUSPENDED_BY_STRIKE if strike else AuditAction.GRANT_SUSPENDED
        _transition(
            grant,
            GrantStatus.SUSPENDED,
            actor=actor,
            at=at,
            reason=reason,
            action=action,
            strike=strike,
        )
    else:
        # Already suspended for another cause: the new cause is recorded, the status unchanged.
        _audit_grant(
            grant,
            actor,
            AuditAction.GRANT_SUSPENSION_ADDED,
            {"cause": cause, "reason": reason, "strike": strike.public_id if strike else None},
        )


def _end_suspension(
    grant: ConsentGrant, suspension: Suspension, *, actor: Actor, at: dt.datetime, action: AuditAction
) -> None:
    suspension.ended_at = at
    suspension.save(update_fields=["ended_at"])
    # A strike in force holds the grant even where its job has not written its suspension yet.
    held = _open_suspensions(grant).exists() or _strikes_in_force(grant.agreement_id, grant.studio_id, at).exists()
    if grant.status == GrantStatus.SUSPENDED and not held:
        _transition(
            grant,
            GrantStatus.ACTIVE,
            actor=actor,
            at=at,
            action=action,
            strike=suspension.strike,
            reason="No suspension remains",
        )
    else:
        _audit_grant(
            grant,
            actor,
            AuditAction.GRANT_SUSPENSION_ENDED,
            {
                "cause": suspension.cause,
                "strike": suspension.strike.public_id if suspension.strike else None,
                "still_suspended": grant.status == GrantStatus.SUSPENDED,
            },
        )


def _consent_changer(grant: ConsentGrant, acting_user, now: dt.datetime) -> Actor:
    """The audit actor for a performer-side change to `grant`, once `acting_user`'s authority
    to change the performer's consents today is established (NotPermittedError otherwise)."""
    return require_authority(
        user=acting_user, performer=grant.performer, act=Act.CHANGE_CONSENT, on=timezone.localdate(now)
    ).actor()


def grant_revoke(*, grant: ConsentGrant, reason: str, acting_user, now: dt.datetime | None = None) -> ConsentGrant:
    """The performer withdraws consent for future use; past billed use stays billed."""
    now = now or timezone.now()
    with transaction.atomic():
        grant = _lock_grant(grant)
        actor = _consent_changer(grant, acting_user, now)
        if not grant.agreement.performer_may_revoke:
            raise NotPermittedError(f"Agreement {grant.agreement.code} does not let performers revoke consent.")
        if not grant.is_live:
            raise StateConflictError(f"Grant {grant.public_id} is {grant.status}; it cannot be revoked.")
        _end_all_suspensions(grant, now)
        _transition(grant, GrantStatus.REVOKED, actor=actor, at=now, reason=reason, action=AuditAction.GRANT_REVOKED)
    return grant


def grant_suspend(*, grant: ConsentGrant, reason: str, acting_user, now: dt.datetime | None = None) -> ConsentGrant:
    """The performer pauses consent for future use until they resume it."""
    now = now or timezone.now()
    with transaction.atomic():
        grant = _lock_grant(grant)
        actor = _consent_changer(grant, acting_user, now)
        if not grant.agreement.performer_may_suspend:
            raise NotPermittedError(f"Agreement {grant.agreement.code} does not let performers suspend consent.")
        if not grant.is_live:
            raise StateConflictError(f"Grant {grant.public_id} is {grant.status}; it cannot be suspended.")
        if _open_suspensions(grant).filter(cause=SuspensionCause.PERFORMER).exists():
            raise StateConflictError(f"Grant {grant.public_id} is already suspended by the performer.")
        _suspend(grant, cause=SuspensionCause.PERFORMER, strike=None, reason=reason, actor=actor, at=now)
    return grant


def grant_resume(*, grant: ConsentGrant, acting_user, now: dt.datetime | None = None) -> ConsentGrant:
    """End the performer's own suspension. A strike's suspension stays until the strike is lifted."""
    now = now or timezone.now()
    with transaction.atomic():
        grant = _lock_grant(grant)
        actor = _consent_changer(grant, acting_user, now)
        if not grant.is_live:
            raise StateConflictError(f"Grant {grant.public_id} is {grant.status}; it cannot be resumed.")
        suspension = _open_suspensions(grant).filter(cause=SuspensionCause.PERFORMER).first()
        if suspension is None:
            raise StateConflictError(f"Grant {grant.public_id} is not suspended by the performer.")
        _end_suspension(grant, suspension, actor=actor, at=now, action=AuditAction.GRANT_RESUMED)
    return grant


def performer_death_record(
    *, performer: Performer, date_of_death: dt.date, actor: Actor, now: dt.datetime | None = None
) -> list[ConsentGrant]:
    """Staff record a performer's death (DOMAIN.md 2.8). Consents limited to the performer's
    lifetime end then: each becomes expired through `_transition` (its token's status changes and
    its studio is told by webhook); every other consent carries on, answered for by the estate.
    Returns the grants that ended."""
    now = now or timezone.now()
    problems = []
    if performer.date_of_death is not None:
        problems.append(FieldProblem("date_of_death", "already_recorded", "A date of death is already recorded."))
    if date_of_death < performer.date_of_birth or date_of_death > timezone.localdate(now):
        problems.append(FieldProblem("date_of_death", "out_of_range", "The date of death is between birth and today."))
    if problems:
        raise RuleViolationError(problems_summary(problems), problems=problems)
    ended = []
    with transaction.atomic():
        performer = Performer.objects.select_for_update().get(pk=performer.pk)
        performer.date_of_death = date_of_death
        performer.save(update_fields=["date_of_death"])
        audit_record(
            actor=actor,
            action=AuditAction.PERFORMER_DEATH_RECORDED,
            subject_type=AuditSubject.PERFORMER,
            subject_id=performer.public_id,
            performer_id=performer.public_id,
            data={"date_of_death": date_of_death},
        )
        due = ConsentGrant.objects.filter(performer=performer, ends_at_death=True, status__in=LIVE_GRANT_STATUSES)
        for pk in list(due.order_by("pk").values_list("pk", flat=True)):
            grant = _lock_grant(ConsentGrant(pk=pk))
            if not grant.is_live:
                continue
            _end_all_suspensions(grant, now)
            _transition(
                grant,
                GrantStatus.EXPIRED,
                actor=actor,
                at=now,
                reason=f"Limited to the performer's lifetime; they died on {date_of_death.isoformat()}",
                action=AuditAction.GRANT_EXPIRED,
                data={"ended_at_death": True},
            )
            ended.append(grant)
    return ended


def grants_expire_due(*, now: dt.datetime | None = None) -> int:
    """Grants whose term has ended become expired (run by beat)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    count = 0
    due = ConsentGrant.objects.filter(status__in=LIVE_GRANT_STATUSES, term_end__lt=today).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            grant = _lock_grant(ConsentGrant(pk=pk))
            if not grant.is_live or grant.term_end >= today:
                continue
            _end_all_suspensions(grant, now)
            _transition(
                grant,
                GrantStatus.EXPIRED,
                actor=Actor.system("expiry"),
                at=now,
                reason=f"Term ended on {grant.term_end.isoformat()}",
                action=AuditAction.GRANT_EXPIRED,
            )
            count += 1
    return count


# --- Strikes ----------------------------------------------------------------------------------
# A strike takes effect when it is declared (or at its later start): checks, usage reports and
# online token verification read the strike itself (`selectors.strikes_in_force`). Writing each
# grant's suspension, status, token slot and history is a background job (StrikeJob), a batch of
# set-based statements per transaction; so is undoing it when the strike is lifted.

# Grants per batch: one transaction each, holding these grants' row locks while it runs (about
# half a second); smaller batches hold them for less but take longer in all (bench/strikes).
STRIKE_JOB_BATCH = 5000
# A job not heard from for this long (killed worker, lost message) is started again by beat.
STRIKE_JOB_STALE = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class StrikePreview:
    grants: int
    studios: int
    performers: int


def _strike_scope(agreement: Agreement | int, studio_ids: Iterable[int]):
    return ConsentGrant.objects.filter(
        agreement=agreement, studio_id__in=list(studio_ids), status__in=LIVE_GRANT_STATUSES
    )


def strike_preview(*, agreement: Agreement, studios: Iterable[Studio]) -> StrikePreview:
    """What declaring this strike would suspend, before anyone commits to it."""
    qs = _strike_scope(agreement, [s.pk for s in studios])
    return StrikePreview(
        grants=qs.count(),
        studios=qs.values("studio_id").distinct().count(),
        performers=qs.values("performer_id").distinct().count(),
    )


def _strikes_in_force(agreement_id: int, studio_id: int, at: dt.datetime):
    return selectors.strikes_in_force(at).filter(agreement_id=agreement_id, studios__id=studio_id)


def _strike_job_enqueue(job: StrikeJob, *, now: dt.datetime) -> None:

    StrikeJob.objects.filter(pk=job.pk).update(enqueued_at=now)
    # One unsent message per job: a job started again by beat before the first was sent runs once.
    outbox.enqueue(RUN_STRIKE_JOB_TASK, job.pk, dedupe_key=f"{RUN_STRIKE_JOB_TASK}:{job.pk}")


def _lock_strikes_in_force(request: ConsentRequest, at: dt.datetime) -> None:
    """Lock the strikes in force against the request's studio and agreement, for the grant its
    acceptance creates: a lift that commits first is seen (the strike is no longer in force), and
    a lift that comes later waits, then finds the grant's suspension for its job to end. Taken
    before the audit log's lock, as the lift takes the strike's before that one."""
    strikes = _strikes_in_force(request.agreement_id, request.studio_id, at)
    list(strikes.select_for_update(no_key=True, of=("self",)).order_by("pk").values_list("pk", flat=True))


def strike_declare(
    *,
    agreement: Agreement,
    studios: Iterable[Studio],
    reason: str,
    actor: Actor,
    starts_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Strike:
    """Declare a strike. It is in force from its start (now, unless later); its job suspends
    the grants it covers in the background, from then on."""
    now = now or timezone.now()
    studios = list(studios)
    if not studios:
        raise RuleViolationError(
            "Name at least one studio.",
            problems=[FieldProblem("studios", "required", "A strike is against at least one studio.")],
        )
    if not (reason or "").strip():
        raise RuleViolationError(
            "Give the strike's reason.",
            problems=[FieldProblem("reason", "required", "State the reason for the strike.")],
        )
    with transaction.atomic():
        strike = Strike.objects.create(
            agreement=agreement,
            reason=reason,
            starts_at=starts_at or now,
            declared_at=now,
            declared_by=actor.name,
        )
        strike.studios.set(studios)
        audit_record(
            actor=actor,
            action=AuditAction.STRIKE_DECLARED,
            subject_type=AuditSubject.STRIKE,
            subject_id=strike.public_id,
            data={
                "agreement": agreement.code,
                "studios": sorted(s.public_id for s in studios),
                "starts_at": strike.starts_at,
                "reason": reason,
            },
        )
        webhook_events.strike_declared(strike)
        job = StrikeJob.objects.create(strike=strike, kind=StrikeJobKind.APPLY, created_at=now)
        if strike.starts_at <= now:
            _strike_job_enqueue(job, now=now)
    return strike


def strike_lift(*, strike: Strike, actor: Actor, reason: str = "", now: dt.datetime | None = None) -> Strike:
    """End the strike now; its job restores exactly the grants it suspended that nothing else
    holds (the performer's own suspension, another strike), in the background. The reason, when
    staff give one, is kept in the audit entry."""
    now = now or timezone.now()
    with transaction.atomic():
        strike = Strike.objects.select_for_update().select_related("agreement").get(pk=strike.pk)
        if strike.lifted_at is not None:
            raise StateConflictError(f"Strike {strike.public_id} was already lifted.")
        strike.lifted_at = now
        strike.lifted_by = actor.name
        strike.save(update_fields=["lifted_at", "lifted_by"])
        # An apply job still at work stops before its next batch (which takes this row's lock
        # and finds it stopped); the lift's job ends what it had suspended, and re-signs the
        # status lists it had changed too.
        apply = StrikeJob.objects.select_for_update().filter(strike=strike, kind=StrikeJobKind.APPLY).first()
        lists: list[int] = []
        if apply is not None:
            lists = apply.status_lists
            if apply.status != StrikeJobStatus.DONE:
                apply.status = StrikeJobStatus.STOPPED
                apply.finished_at = now
                apply.save(update_fields=["status", "finished_at"])
        to_end = Suspension.objects.filter(strike=strike, ended_at__isnull=True).count()
        audit_record(
            actor=actor,
            action=AuditAction.STRIKE_LIFTED,
            subject_type=AuditSubject.STRIKE,
            subject_id=strike.public_id,
            data={"suspensions_to_end": to_end, **({"reason": reason.strip()} if reason.strip() else {})},
        )
        webhook_events.strike_lifted(strike)
        job = StrikeJob.objects.create(
            strike=strike, kind=StrikeJobKind.LIFT, created_at=now, total=to_end, status_lists=lists
        )
        _strike_job_enqueue(job, now=now)
    return strike


def strike_jobs_start_due(*, now: dt.datetime | None = None) -> int:
    """Beat: start the jobs of strikes whose later start has come, and start again any job not
    heard from in STRIKE_JOB_STALE (its worker was killed, or its message lost). Running a job
    twice is harmless: batches queue on the job's row lock and continue from its cursor."""
    now = now or timezone.now()
    stale = now - STRIKE_JOB_STALE
    due = StrikeJob.objects.filter(
        status__in=[StrikeJobStatus.PENDING, StrikeJobStatus.RUNNING], strike__starts_at__lte=now
    ).filter(
        Q(enqueued_at__isnull=True) | Q(heartbeat_at__isnull=True, enqueued_at__lt=stale) | Q(heartbeat_at__lt=stale)
    )
    started = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            job = StrikeJob.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is not None and job.status in (StrikeJobStatus.PENDING, StrikeJobStatus.RUNNING):
                _strike_job_enqueue(job, now=now)
                started += 1
    return started


def strike_job_run(
    *,
    job_id: int,
    batch_size: int = STRIKE_JOB_BATCH,
    max_batches: int | None = None,
    now: dt.datetime | None = None,
) -> StrikeJob:
    """Run a strike's job to its end: batches of `batch_size` grants, each its own transaction,
    then each status list it changed re-signed once. `max_batches` stops it early, as a killed
    worker would: running it again continues from the last committed batch."""
    ran = 0
    while max_batches is None or ran < max_batches:
        outcome = _strike_job_batch(job_id, batch_size=batch_size, now=now or timezone.now())
        if outcome is None:  # not runnable: not started yet, stopped or done
            break
        if not outcome:
            _strike_job_finish(job_id, now=now or timezone.now())
            break
        ran += 1
    return StrikeJob.objects.select_related("strike").get(pk=job_id)


def _strike_job_batch(job_id: int, *, batch_size: int, now: dt.datetime) -> bool | None:
    """One batch, in one transaction with the job's cursor and counts. True: a batch was done;
    False: nothing is left; None: the job cannot run (its strike has not started, or it is
    stopped or done)."""
    with transaction.atomic():
        job = StrikeJob.objects.select_for_update().select_related("strike__agreement").get(pk=job_id)
        strike = job.strike
        if job.status in (StrikeJobStatus.DONE, StrikeJobStatus.STOPPED):
            return None
        if job.kind == StrikeJobKind.APPLY and strike.starts_at > now:
            return None
        if job.status == StrikeJobStatus.PENDING:
            job.status, job.started_at = StrikeJobStatus.RUNNING, now
            if job.kind == StrikeJobKind.APPLY:
                job.total = _strike_scope(strike.agreement_id, strike.studios.values_list("pk", flat=True)).count()
        scanned = _strike_next_grants(job, batch_size)
        missed = not scanned and job.kind == StrikeJobKind.APPLY
        if missed:
            scanned = _strike_missed_grants(job, batch_size)
        if scanned:
            if job.kind == StrikeJobKind.APPLY:
                processed, changed, lists = _strike_apply_batch(job, scanned, now=now)
            else:
                processed, changed, lists = _strike_lift_batch(job, scanned, now=now)
            job.processed += processed
            job.changed += changed
            job.batches += 1
            if not missed:
                job.cursor_studio, job.cursor = scanned[-1].studio_id, scanned[-1].pk
            job.status_lists = sorted(set(job.status_lists) | lists)
        job.heartbeat_at = now
        job.save()
        return bool(scanned)


@dataclass(frozen=True)
class _Scanned:
    pk: int
    public_id: str
    status: str
    studio_id: int
    activated_at: dt.datetime


def _strike_next_grants(job: StrikeJob, batch_size: int) -> list[_Scanned]:
    """The next live grants the strike covers after the job's cursor, studio by studio and by id
    within a studio, locked as the grant services lock one grant (a revocation waits for the
    batch, or the batch for it, and then reads the grant as the revocation left it).

    Studio by studio, so that a batch touches few studios and each studio is told in few
    webhooks; one query per studio in the batch, on the (agreement, studio, status) index."""
    strike = job.strike
    scanned: list[_Scanned] = []
    for studio_id in sorted(strike.studios.filter(pk__gte=job.cursor_studio).values_list("pk", flat=True)):
        after = job.cursor if studio_id == job.cursor_studio else 0
        rows = (
            _strike_scope(strike.agreement_id, [studio_id])
            .filter(pk__gt=after)
            .order_by("pk")
            .select_for_update(of=("self",))
            .values_list("pk", "public_id", "status", "studio_id", "activated_at")
        )
        scanned += [_Scanned(*row) for row in rows[: batch_size - len(scanned)]]
        if len(scanned) >= batch_size:
            break
    return scanned


def _strike_missed_grants(job: StrikeJob, batch_size: int) -> list[_Scanned]:
    """Once the cursor has gone through every studio: live grants still without this strike's
    suspension. A grant whose acceptance began before the declaration committed, read no strike
    in force, and committed after the job had gone past its studio, is one; there are none
    otherwise, and this is one query at the end of the job."""
    strike = job.strike
    ours = Suspension.objects.filter(grant=OuterRef("pk"), strike=strike)
    rows = (
        _strike_scope(strike.agreement_id, strike.studios.values_list("pk", flat=True))
        .exclude(Exists(ours))
        .order_by("studio_id", "pk")
        .select_for_update(of=("self",))
        .values_list("pk", "public_id", "status", "studio_id", "activated_at")
    )
    return [_Scanned(*row) for row in rows[:batch_size]]


def _strike_apply_batch(job: StrikeJob, scanned: list[_Scanned], *, now: dt.datetime) -> tuple[int, int, set[int]]:
    """Suspend these grants: one INSERT of suspensions, one UPDATE of statuses, one INSERT of
    history rows, one UPDATE of token slots, one webhook per studio and one audit event.
    Returns (grants gone through, grants whose status changed, status lists changed)."""
    strike = job.strike
    # Accepted during the strike: suspended when signed. Probed for this batch only (a NOT
    # EXISTS in the scan is planned as a hash of the whole table while its statistics still call
    # it small, as they do when a strike starts: each batch would read every suspension).
    already = set(
        Suspension.objects.filter(strike=strike, grant_id__in=[g.pk for g in scanned]).values_list(
            "grant_id", flat=True
        )
    )
    rows = [g for g in scanned if g.pk not in already]
    reason = strike.reason[:2000]
    copy_insert(
        Suspension,
        (
            {
                "grant_id": g.pk,
                "cause": SuspensionCause.STRIKE,
                "strike_id": strike.pk,
                "reason": reason,
                "started_at": max(strike.starts_at, g.activated_at),
                "ended_at": None,
            }
            for g in rows
        ),
    )
    # Already suspended by the performer: the strike's suspension is added, the status stays.
    changed = [g for g in rows if g.status == GrantStatus.ACTIVE]
    held = [g for g in rows if g.status != GrantStatus.ACTIVE]
    lists = _strike_status_change(strike, changed, GrantStatus.ACTIVE, GrantStatus.SUSPENDED, reason=reason, at=now)
    audit_record(
        actor=Actor.system("strike job"),
        action=AuditAction.STRIKE_GRANTS_SUSPENDED,
        subject_type=AuditSubject.STRIKE,
        subject_id=strike.public_id,
        data={
            "batch": job.batches + 1,
            "suspended": [g.public_id for g in changed],
            "already_suspended": [g.public_id for g in held],
        },
    )
    return len(scanned), len(changed), lists


def _strike_lift_batch(job: StrikeJob, scanned: list[_Scanned], *, now: dt.datetime) -> tuple[int, int, set[int]]:
    """End the strike's open suspensions of these grants and restore those nothing else holds:
    one UPDATE of suspensions, one UPDATE of statuses, one INSERT of history rows, one UPDATE of
    token slots, one webhook per studio and one audit event.
    Returns (suspensions ended, grants whose status changed, status lists changed)."""
    strike = job.strike
    # Every open suspension of these grants, by grant: this strike's end now, the others hold.
    open_ones = Suspension.objects.filter(grant_id__in=[g.pk for g in scanned], ended_at__isnull=True)
    ours, ended, still_open = [], set(), set()
    for pk, grant_id, strike_id in open_ones.values_list("pk", "grant_id", "strike_id"):
        if strike_id == strike.pk:
            ours.append(pk)
            ended.add(grant_id)
        else:
            still_open.add(grant_id)
    if not ours:  # grants the apply job never reached (this lift stopped it)
        return 0, 0, set()
    Suspension.objects.filter(pk__in=ours).update(ended_at=strike.lifted_at)
    # Studios another strike in force still holds under this agreement.
    struck = set(
        selectors.strikes_in_force(now)
        .filter(agreement_id=strike.agreement_id)
        .exclude(pk=strike.pk)
        .values_list("studios", flat=True)
    )
    rows = [g for g in scanned if g.pk in ended and g.status == GrantStatus.SUSPENDED]
    held = [g for g in rows if g.pk in still_open or g.studio_id in struck]
    changed = [g for g in rows if g.pk not in still_open and g.studio_id not in struck]
    lists = _strike_status_change(
        strike, changed, GrantStatus.SUSPENDED, GrantStatus.ACTIVE, reason=f"Strike {strike.public_id} lifted", at=now
    )
    audit_record(
        actor=Actor.system("strike job"),
        action=AuditAction.STRIKE_GRANTS_RESTORED,
        subject_type=AuditSubject.STRIKE,
        subject_id=strike.public_id,
        data={
            "batch": job.batches + 1,
            "restored": [g.public_id for g in changed],
            "still_suspended": [g.public_id for g in held],
        },
    )
    return len(ended), len(changed), lists


def _strike_status_change(
    strike: Strike, grants: list[_Scanned], from_status: str, to_status: str, *, reason: str, at: dt.datetime
) -> set[int]:
    """Move these grants from one status to the other in bulk: their status, their history,
    their tokens' slots, and a webhook per studio. `_transition` tells tokens and webhooks of
    one grant at a time; this tells them in bulk instead. Returns the status lists whose slots
    changed."""
    if not grants:
        return set()
    pks = [g.pk for g in grants]
    ConsentGrant.objects.filter(pk__in=pks, status=from_status).update(status=to_status)
    copy_insert(
        GrantStatusChange,
        (
            {
                "grant_id": pk,
                "from_status": from_status,
                "to_status": to_status,
                "at": at,
                "reason": reason,
                "strike_id": strike.pk,
            }
            for pk in pks
        ),
    )
    lists = token_services.tokens_follow_grants(grant_ids=pks, grant_status=to_status)
    by_studio: dict[int, list[str]] = defaultdict(list)
    for g in grants:
        by_studio[g.studio_id].append(g.public_id)
    webhook_events.strike_grants_changed(strike, to_status=to_status, grants_by_studio=by_studio)
    _studios_read_primary(by_studio)
    return lists


def _studios_read_primary(studio_ids) -> None:
    """A studio told of a grant's change (webhook, status list) reads the primary for the status
    list's lifetime: no replica that has not yet replayed the change answers its checks."""
    for studio_id in studio_ids:
        replica.pin_studio(studio_id, seconds=settings.STATUS_LIST_TTL)


def _strike_job_finish(job_id: int, *, now: dt.datetime) -> None:
    """The job's last step: re-sign each status list it changed (each in a transaction of its
    own, before the job is marked done, so a job killed here re-signs them when run again),
    then mark it done and record the totals."""
    job = StrikeJob.objects.get(pk=job_id)
    if job.status != StrikeJobStatus.RUNNING:
        return
    token_services.status_lists_resign(status_list_ids=job.status_lists, now=now)
    with transaction.atomic():
        job = StrikeJob.objects.select_for_update().select_related("strike").get(pk=job_id)
        if job.status != StrikeJobStatus.RUNNING:
            return
        job.status, job.finished_at, job.heartbeat_at = StrikeJobStatus.DONE, now, now
        job.save(update_fields=["status", "finished_at", "heartbeat_at"])
        strike = job.strike
        if job.kind == StrikeJobKind.APPLY:
            strike.applied_at = now
            strike.save(update_fields=["applied_at"])
            action, counts = AuditAction.STRIKE_APPLIED, {"grants_suspended": job.changed}
        else:
            action, counts = AuditAction.STRIKE_RESTORED, {"grants_restored": job.changed}
        audit_record(
            actor=Actor.system("strike job"),
            action=action,
            subject_type=AuditSubject.STRIKE,
            subject_id=strike.public_id,
            data={
                **counts,
                "grants_processed": job.processed,
                "batches": job.batches,
                "status_lists_signed": len(job.status_lists),
            },
        )


# --- Preferences ------------------------------------------------------------------------------
def preferences_update(
    *,
    performer: Performer,
    acting_user,
    do_not_train: bool,
    opt_out_categories: list[str],
    declined_uses: list[str],
    rate_floor_amount: Decimal | None,
    rate_floor_currency: str,
    rate_floor_unit: str,
) -> PerformerPreferences:
    if rate_floor_amount is not None and (rate_floor_amount <= 0 or not rate_floor_currency or not rate_floor_unit):
        raise RuleViolationError(
            "A rate floor needs a positive amount, a currency and a unit.",
            problems=[FieldProblem("rate_floor", "incomplete", "Give a positive amount, a currency and a unit.")],
        )
    actor = require_authority(user=acting_user, performer=performer, act=Act.SET_PREFERENCES).actor()
    with transaction.atomic():
        prefs, _ = PerformerPreferences.objects.select_for_update().get_or_create(performer=performer)
        prefs.do_not_train = do_not_train
        prefs.opt_out_categories = sorted(set(opt_out_categories))
        prefs.declined_uses = sorted(set(declined_uses))
        prefs.rate_floor_amount = rate_floor_amount
        prefs.rate_floor_currency = rate_floor_currency if rate_floor_amount is not None else ""
        prefs.rate_floor_unit = rate_floor_unit if rate_floor_amount is not None else ""
        prefs.save()
        audit_record(
            actor=actor,
            action=AuditAction.PREFERENCES_UPDATED,
            subject_type=AuditSubject.PERFORMER,
            subject_id=performer.public_id,
            performer_id=performer.public_id,
            data={
                "do_not_train": prefs.do_not_train,
                "opt_out_categories": prefs.opt_out_categories,
                "declined_uses": prefs.declined_uses,
                "rate_floor_amount": prefs.rate_floor_amount,
                "rate_floor_currency": prefs.rate_floor_currency,
                "rate_floor_unit": prefs.rate_floor_unit,
            },
        )
    return prefs


# --- Checks of consequence --------------------------------------------------------------------
def consent_check_record(
    *,
    studio: Studio,
    performer_public_id: str,
    query: rules.UseQuery,
    outcome: rules.CheckOutcome,
    actor: Actor,
) -> int:
    """Write a check the studio relies on into the audit trail; returns the receipt (event id)."""
    with transaction.atomic():
        event = audit_record(
            actor=actor,
            action=AuditAction.CONSENT_CHECK_RECORDED,
            subject_type=AuditSubject.PERFORMER,
            subject_id=performer_public_id,
            performer_id=performer_public_id,
            studio_id=studio.public_id,
            data={
                "use": query.use,
                "on": query.on,
                "project": {
                    "kind": query.project.kind,
                    "production_number": query.project.production_number,
                },
                "media": list(query.media),
                "territory": list(query.territory),
                "role": query.role,
                "intended_use": query.intended_use,
                "sensitive_content": list(query.sensitive_content),
                "realtime_generation": query.realtime_generation,
                "allowed": outcome.allowed,
                "grant": outcome.grant_id,
                "exemption": outcome.exemption,
                "reasons": [r.code for r in outcome.reasons],
            },
        )
    return event.pk
