"""Writes for privacy: recording an export, asking for erasure, refusing it, carrying it out.

Carrying out is one transaction under the performer's row lock: the rules are checked again
(the state may have changed since the request), then every column that holds the performer's
personal data is replaced by a pseudonym, and one `performer.erased` audit event records which
tables changed and how many rows (never the values). Signed and financial records keep their
rows, hashes, amounts and links; only the names in them change. The audit log is append-only
and hash-chained, so its entries are not touched: see README "Privacy: export and erasure".
"""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from registry.api.models import IdempotencyRecord
from registry.audit.services import audit_record
from registry.billing.models import InvoiceLine, LedgerAccount
from registry.cases.models import Case
from registry.consent.models import ConsentRequest, GrantStatusChange, Signature, Suspension
from registry.core.actors import Actor, ActorKind
from registry.core.errors import DomainError, FieldProblem, NotPermittedError, StateConflictError
from registry.parties.authority import require_authority
from registry.parties.models import Performer, Representative
from registry.parties.roles import staff_role
from registry.parties.rules import Act
from registry.parties.services import representative_revoke
from registry.portal.models import JoinRequest, PortalInvitation
from registry.privacy import rules, selectors
from registry.privacy.models import ErasureRequest, ErasureStatus
from registry.usage.models import UsageLine

# What a pseudonymised date of birth becomes: a fixed, obviously artificial day, so no age or
# minority can be read from it (the column is NOT NULL and checked against the date of death).
ERASED_DATE_OF_BIRTH = dt.date(1900, 1, 1)


class ErasureRefusedError(DomainError):
    """The registry must keep the data for now; `problems` names each reason."""

    slug = "erasure-refused"


def _refusal(blockers: list[rules.Blocker]) -> ErasureRefusedError:
    return ErasureRefusedError(
        "Erasure is not possible now: " + " ".join(b.message for b in blockers),
        problems=[FieldProblem(None, str(b.code), b.message) for b in blockers],
    )


def privacy_actor(actor: Actor) -> Actor:
    """The actor as privacy events record it. The audit log keeps every name it is given for
    ever, so a performer-side person asking for their data or its erasure is recorded by id
    only; staff are recorded as usual."""
    if actor.kind in (ActorKind.PERFORMER, ActorKind.REPRESENTATIVE):
        return Actor(actor.kind, actor.id, f"{actor.kind} {actor.id}")
    return actor


def _privacy_rights_actor(acting_user, performer: Performer, now: dt.datetime) -> Actor:
    """The actor for an export or an erasure request: union staff read as themselves; on the
    performer side the user must hold the performer's privacy rights today (the performer, or
    their lawyer, guardian or estate)."""
    if staff_role(acting_user) is not None:
        return Actor(ActorKind.STAFF, str(acting_user.pk), acting_user.get_username())
    authority = require_authority(
        user=acting_user, performer=performer, act=Act.PRIVACY_RIGHTS, on=timezone.localdate(now)
    )
    return privacy_actor(authority.actor())


# --- Export ----------------------------------------------------------------------------------
def performer_export(*, performer: Performer, acting_user, now: dt.datetime | None = None) -> dict:
    """The export document, with an audit event saying who took it (each export is audited)."""
    now = now or timezone.now()
    actor = _privacy_rights_actor(acting_user, performer, now)
    with transaction.atomic():
        document = selectors.performer_export(performer, now=now)
        audit_record(
            actor=actor,
            action="performer.exported",
            subject_type="performer",
            subject_id=performer.public_id,
            performer_id=performer.public_id,
            data={"format": selectors.EXPORT_FORMAT, "version": selectors.EXPORT_VERSION},
        )
    return document


# --- Asking ----------------------------------------------------------------------------------
def erasure_request_submit(
    *, performer: Performer, acting_user, reason: str = "", now: dt.datetime | None = None
) -> ErasureRequest:
    """Queue a request for staff, or refuse it at once when the rules already say no (nothing
    is stored then, so the performer can ask again once the reasons are gone). Only the
    performer side asks: the performer, or their lawyer, guardian or estate."""
    now = now or timezone.now()
    if staff_role(acting_user) is not None:
        raise NotPermittedError("Union staff do not ask for erasure; the performer or their representative does.")
    actor = _privacy_rights_actor(acting_user, performer, now)
    with transaction.atomic():
        performer = Performer.objects.select_for_update().get(pk=performer.pk)
        blockers = rules.erasure_blockers(selectors.holdings(performer, now=now))
        if blockers:
            raise _refusal(blockers)
        if ErasureRequest.objects.filter(performer=performer, status=ErasureStatus.PENDING).exists():
            raise StateConflictError("An erasure request for this performer is already waiting for union staff.")
        try:
            with transaction.atomic():
                request = ErasureRequest.objects.create(
                    performer=performer,
                    requested_at=now,
                    requested_by_kind=str(actor.kind),
                    requested_by_id=actor.id,
                    reason=reason.strip(),
                )
        except IntegrityError as exc:  # a concurrent request won the unique constraint
            raise StateConflictError("An erasure request for this performer is already waiting.") from exc
        audit_record(
            actor=actor,
            action="erasure.requested",
            subject_type="erasure_request",
            subject_id=request.public_id,
            performer_id=performer.public_id,
            data={},
        )
    return request


def _lock_pending(request: ErasureRequest) -> ErasureRequest:
    request = ErasureRequest.objects.select_for_update().select_related("performer").get(pk=request.pk)
    if request.status != ErasureStatus.PENDING:
        raise StateConflictError(f"Erasure request {request.public_id} is {request.status}, not pending.")
    return request


def _refuse(request: ErasureRequest, *, codes: list[str], detail: str, actor: Actor, now: dt.datetime) -> None:
    request.status = ErasureStatus.REFUSED
    request.decided_at = now
    request.decided_by = actor.name
    request.refusal_codes = codes
    request.refusal_detail = detail
    request.save(update_fields=["status", "decided_at", "decided_by", "refusal_codes", "refusal_detail"])
    audit_record(
        actor=actor,
        action="erasure.refused",
        subject_type="erasure_request",
        subject_id=request.public_id,
        performer_id=request.performer.public_id,
        data={"codes": codes},
    )


def erasure_request_refuse(
    *, request: ErasureRequest, reason: str, actor: Actor, now: dt.datetime | None = None
) -> ErasureRequest:
    """Staff refuse for a reason of their own (e.g. the requester's identity is not verified)."""
    reason = (reason or "").strip()
    if not reason:
        raise StateConflictError("Give the reason for refusing.")
    with transaction.atomic():
        request = _lock_pending(request)
        _refuse(request, codes=["refused_by_staff"], detail=reason, actor=actor, now=now or timezone.now())
    return request


# --- Carrying out ----------------------------------------------------------------------------
def erasure_carry_out(*, request: ErasureRequest, actor: Actor, now: dt.datetime | None = None) -> ErasureRequest:
    """Pseudonymise the performer, or refuse (stored, audited) and raise ErasureRefusedError
    when the rules say the data must still be kept."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _lock_pending(request)
        performer = Performer.objects.select_for_update().get(pk=request.performer_id)
        blockers = rules.erasure_blockers(selectors.holdings(performer, now=now))
        if blockers:
            _refuse(
                request,
                codes=[str(b.code) for b in blockers],
                detail=" ".join(b.message for b in blockers),
                actor=actor,
                now=now,
            )
    if blockers:
        # Raised after the commit: the refusal is a decision on record, not a rolled-back attempt.
        raise _refusal(blockers)
    with transaction.atomic():
        request = _lock_pending(request)
        performer = Performer.objects.select_for_update().get(pk=request.performer_id)
        changes = _pseudonymise(performer, actor=actor)
        request.status = ErasureStatus.COMPLETED
        request.decided_at = now
        request.decided_by = actor.name
        request.changes = changes
        request.reason = ""  # the requester's own words may name them
        request.save(update_fields=["status", "decided_at", "decided_by", "changes", "reason"])
        audit_record(
            actor=actor,
            action="performer.erased",
            subject_type="performer",
            subject_id=performer.public_id,
            performer_id=performer.public_id,
            data={"erasure_request": request.public_id, "changes": changes},
        )
    return request


def _pseudonymise(performer: Performer, *, actor: Actor) -> dict[str, int]:
    """Replace the performer's personal data in every table that holds it; returns the number of
    rows changed per table. Called inside erasure_carry_out's transaction."""
    public_id = performer.public_id
    name = rules.pseudonym(public_id)
    targets = rules.needles(
        names=[performer.legal_name, performer.professional_name],
        email=performer.email,
        member_number=performer.member_number,
        date_of_birth=performer.date_of_birth.isoformat(),
    )
    # Whole identifiers only for the caches and logs searched by substring below; single name
    # words are for scrubbing sentences.
    identifiers = [s for s in (performer.legal_name, performer.professional_name, performer.email) if s]
    changes: dict[str, int] = {}

    def count(table: str, n: int) -> None:
        if n:
            changes[table] = changes.get(table, 0) + n

    def scrub_rows(qs, fields: list[str], table: str) -> None:
        for row in qs:
            dirty = []
            for f in fields:
                old = getattr(row, f)
                new = rules.scrub_json(old, targets, name)
                if new != old:
                    setattr(row, f, new)
                    dirty.append(f)
            if dirty:
                row.save(update_fields=dirty)
                count(table, 1)

    old_member_number = performer.member_number
    old_email = performer.email

    # Representatives: their authority ends (through the parties service, which audits it),
    # and the record of who they were goes with the performer's file: a guardian's or an
    # executor's name re-identifies the person. Their own logins are theirs and stay.
    reps = list(Representative.objects.filter(performer=performer).order_by("id"))
    rep_names = [r.name for r in reps if r.name]
    for rep in reps:
        if rep.revoked_at is None:
            representative_revoke(representative=rep, actor=actor)
    rep_targets = sorted(set(targets) | set(rep_names), key=lambda s: (-len(s), s))
    for rep in Representative.objects.filter(performer=performer).order_by("id"):
        rep.name = f"Representative {rep.pk} of {public_id}"
        rep.email = ""
        rep.authority_document = rules.scrub(rep.authority_document, rep_targets, name)
        rep.save(update_fields=["name", "email", "authority_document"])
        count("parties_representative", 1)

    # The portal login: unusable, inactive (every session ends: the password hash changed),
    # and without names. Kept as a row because signatures point at it.
    user = performer.user
    if user is not None:
        user.username = f"erased-{public_id}"[:150]
        user.first_name = ""
        user.last_name = ""
        user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        count("auth_user", 1)

    performer.legal_name = name
    performer.professional_name = ""
    performer.email = ""
    performer.member_number = rules.pseudonymous_member_number(public_id)
    performer.date_of_birth = ERASED_DATE_OF_BIRTH
    performer.date_of_death = None
    performer.save(
        update_fields=["legal_name", "professional_name", "email", "member_number", "date_of_birth", "date_of_death"]
    )
    count("parties_performer", 1)

    # Signatures: the signed facts (role, description hash, attestation, time) stay; who typed
    # the name and from which address and browser go.
    for sig in Signature.objects.filter(request__performer=performer).order_by("id"):
        sig.signer_name = name if sig.signer_role == "performer" else f"{sig.signer_role} for {public_id}"
        sig.client_ip = None
        sig.user_agent = ""
        sig.attestation_text = rules.scrub(sig.attestation_text, rep_targets, name)
        sig.represented_by = rules.scrub(sig.represented_by, rep_targets, name)
        sig.save(update_fields=["signer_name", "client_ip", "user_agent", "attestation_text", "represented_by"])
        count("consent_signature", 1)

    # Free text about the performer. Description versions are not touched: their SHA-256 is
    # what was signed and what every token carries.
    scrub_rows(
        ConsentRequest.objects.filter(performer=performer),
        ["decline_reason", "business_reason"],
        "consent_consentrequest",
    )
    scrub_rows(GrantStatusChange.objects.filter(grant__performer=performer), ["reason"], "consent_grantstatuschange")
    scrub_rows(Suspension.objects.filter(grant__performer=performer), ["reason"], "consent_suspension")
    scrub_rows(
        Case.objects.filter(performer=performer), ["summary", "justification", "outcome", "notes"], "cases_case"
    )
    scrub_rows(
        UsageLine.objects.filter(performer=performer), ["violation_detail", "retraction_reason"], "usage_usageline"
    )
    # Documents keep numbers, amounts and links; the performer's name in a line's wording is
    # replaced by the pseudonym that the line's performer link and payable account also carry.
    scrub_rows(InvoiceLine.objects.filter(performer=performer), ["description", "explanation"], "billing_invoiceline")
    for account in LedgerAccount.objects.filter(performer=performer):
        account.name = f"Payable to {public_id}"
        account.save(update_fields=["name"])
        count("billing_ledgeraccount", 1)

    # Portal records: invitations sent to them or their representatives, and requests to join
    # made with their member number or email.
    count(
        "portal_portalinvitation",
        PortalInvitation.objects.filter(Q(performer=performer) | Q(representative__performer=performer))
        .exclude(email="")
        .update(email=""),
    )
    joins = JoinRequest.objects.filter(member_number=old_member_number)
    if old_email:
        joins = joins | JoinRequest.objects.filter(email__iexact=old_email)
    for join in joins.distinct():
        join.legal_name = name
        join.email = f"erased-{join.pk}@invalid"  # EmailField: a syntactically valid placeholder
        join.member_number = performer.member_number
        join.date_of_birth = ERASED_DATE_OF_BIRTH
        join.decision_note = rules.scrub(join.decision_note, targets, name)
        join.save(update_fields=["legal_name", "email", "member_number", "date_of_birth", "decision_note"])
        count("portal_joinrequest", 1)

    # Django admin's change log repeats each object's str() and the changed values.
    for model, pks in ((Performer, [performer.pk]), (Representative, [r.pk for r in reps])):
        ct = ContentType.objects.get_for_model(model)
        for entry in LogEntry.objects.filter(content_type=ct, object_id__in=[str(pk) for pk in pks]):
            entry.object_repr = f"{model._meta.verbose_name} {public_id}"
            entry.change_message = rules.scrub(entry.change_message, rep_targets, name)
            entry.save(update_fields=["object_repr", "change_message"])
            count("django_admin_log", 1)

    # Remembered API responses (a 24-hour replay cache, not a record) that quote them.
    stale = Q()
    for text in identifiers:
        stale |= Q(response_body__icontains=text)
    if identifiers:
        count("api_idempotencyrecord", IdempotencyRecord.objects.filter(stale).delete()[0])

    return changes
