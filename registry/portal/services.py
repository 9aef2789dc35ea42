"""Writes for the portal's own records: join requests, invitations and accepting them.

Each function is one transaction with its audit row inside it; emails are owed through the outbox.
Consent, preferences and representatives are written by their own apps' services.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.core.actors import Actor, ActorKind
from registry.core.errors import FieldProblem, InvalidInputError, StateConflictError
from registry.core.people import age_on
from registry.core.vocabulary.parties import RepresentativeKind
from registry.core.vocabulary.portal import JoinRequestStatus
from registry.outbox import services as outbox
from registry.parties.authority import mandate_refusal, representatives_in_force
from registry.parties.models import Performer, Representative
from registry.portal.models import JoinRequest, PortalInvitation

# The task this module enqueues through the outbox, by name (registry/portal/tasks.py runs it).
SEND_INVITATION_TASK = "portal.send_invitation"


def normalise_name(name: str) -> str:
    """Names compared the way a person would: case, accents' composition and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())


# --- Joining with a member number -------------------------------------------------------------
def join_request_submit(
    *, member_number: str, legal_name: str, email: str, date_of_birth: dt.date, now: dt.datetime | None = None
) -> JoinRequest:
    """Store the request for staff. Nothing is checked against the registry here, so the answer
    never tells a stranger whether a member number exists."""
    return JoinRequest.objects.create(
        member_number=member_number.strip(),
        legal_name=" ".join(legal_name.split()),
        email=email.strip().lower(),
        date_of_birth=date_of_birth,
        submitted_at=now or timezone.now(),
    )


def join_request_mismatches(join_request: JoinRequest) -> list[FieldProblem]:
    """What does not match the union's record (empty when it all does)."""
    performer = Performer.objects.filter(member_number=join_request.member_number).first()
    if performer is None:
        return [FieldProblem("member_number", "unknown_member", "No performer has this member number.")]
    problems = []
    if normalise_name(performer.legal_name) != normalise_name(join_request.legal_name):
        problems.append(FieldProblem("legal_name", "name_mismatch", "The legal name differs from the record."))
    if performer.date_of_birth != join_request.date_of_birth:
        problems.append(
            FieldProblem("date_of_birth", "birth_date_mismatch", "The date of birth differs from the record.")
        )
    return problems


def join_request_approve(*, join_request: JoinRequest, actor: Actor, now: dt.datetime | None = None):
    """Staff approve: the details must match the performer's record; an invitation goes to the
    email the performer gave."""
    now = now or timezone.now()
    with transaction.atomic():
        join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
        if join_request.status != JoinRequestStatus.PENDING:
            raise StateConflictError(f"This request was already {join_request.status}.")
        problems = join_request_mismatches(join_request)
        if problems:
            raise InvalidInputError("; ".join(p.message for p in problems), problems=problems)
        performer = Performer.objects.get(member_number=join_request.member_number)
        invitation = performer_invite(
            performer=performer, email=join_request.email, actor=actor, join_request=join_request, now=now
        )
        join_request.status = JoinRequestStatus.APPROVED
        join_request.decided_at = now
        join_request.decided_by = actor.name
        join_request.save(update_fields=["status", "decided_at", "decided_by"])
    return invitation


def join_request_reject(
    *, join_request: JoinRequest, note: str, actor: Actor, now: dt.datetime | None = None
) -> JoinRequest:
    with transaction.atomic():
        join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
        if join_request.status != JoinRequestStatus.PENDING:
            raise StateConflictError(f"This request was already {join_request.status}.")
        join_request.status = JoinRequestStatus.REJECTED
        join_request.decided_at = now or timezone.now()
        join_request.decided_by = actor.name
        join_request.decision_note = note[:2000]
        join_request.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    return join_request


# --- Invitations ------------------------------------------------------------------------------
def _login_for(*, email: str, existing, name: str, for_performer: bool):
    """The user the invitation is for: the party's own login when it has one that was never
    used, else a login with this email (one person may be a performer and an agent), else a new
    login with no usable password until the invitation is accepted."""
    User = get_user_model()
    if existing is not None:
        if existing.has_usable_password():
            raise StateConflictError(
                f"{name} already has a portal login; they can reset their password from the sign-in page."
            )
        return existing
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is not None:
        if user.is_staff:
            raise StateConflictError(f"{email} belongs to a union staff login; use another address.")
        if for_performer and Performer.objects.filter(user=user).exists():
            raise StateConflictError(f"{email} is already the login of another performer.")
        return user
    username = email
    if User.objects.filter(username__iexact=username).exists():
        username = f"{email}+{User.objects.count()}"[:150]
    user = User(username=username[:150], email=email, first_name=name[:150])
    user.set_unusable_password()
    user.save()
    return user


def _invite(*, party, email: str, actor: Actor, now: dt.datetime, **link) -> PortalInvitation:

    email = (email or "").strip().lower()
    if not email:
        raise InvalidInputError(
            "An invitation needs an email address.",
            problems=[FieldProblem("email", "required", "Give the email address the invitation goes to.")],
        )
    is_performer = isinstance(party, Performer)
    name = party.legal_name if is_performer else party.name
    user = _login_for(email=email, existing=party.user, name=name, for_performer=is_performer)
    if party.user_id != user.pk:
        party.user = user
        party.save(update_fields=["user"])
    invitation = PortalInvitation.objects.create(user=user, email=email, sent_at=now, sent_by=actor.name, **link)
    performer = party if is_performer else party.performer
    audit_record(
        actor=actor,
        action=AuditAction.PORTAL_INVITATION_SENT,
        subject_type=AuditSubject.PERFORMER if is_performer else AuditSubject.REPRESENTATIVE,
        subject_id=performer.public_id if is_performer else str(party.pk),
        performer_id=performer.public_id,
        data={"invitation": invitation.pk, "email": email, "for": "performer" if is_performer else "representative"},
    )
    # Through the outbox: the email is owed once the invitation commits, even if Redis is down.
    outbox.enqueue(SEND_INVITATION_TASK, invitation.pk)
    return invitation


def performer_invite(
    *,
    performer: Performer,
    actor: Actor,
    email: str = "",
    join_request: JoinRequest | None = None,
    now: dt.datetime | None = None,
) -> PortalInvitation:
    """Invite a performer to the portal. A deceased performer's estate is invited instead (by
    staff); a minor acts only through their guardian (DOMAIN.md 2.9), so inviting a minor
    invites the guardian on record, at the guardian's own address."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if performer.is_deceased:
        raise StateConflictError(f"{performer.legal_name} is deceased; invite the estate's representative instead.")
    if performer.is_minor_on(today):
        guardians = [r for r in representatives_in_force(performer, on=today) if r.kind == RepresentativeKind.GUARDIAN]
        age = age_on(performer.date_of_birth, today)
        if not guardians:
            raise StateConflictError(
                f"{performer.legal_name} is a minor ({age}) and no guardian is on record. A minor acts only "
                "through their guardian: record the guardian under Representatives, then invite them."
            )
        return representative_invite(representative=guardians[0], actor=actor, now=now)
    with transaction.atomic():
        performer = Performer.objects.select_for_update().get(pk=performer.pk)
        return _invite(
            party=performer,
            email=email or performer.email,
            actor=actor,
            now=now,
            performer=performer,
            join_request=join_request,
        )


def representative_invite(
    *, representative: Representative, actor: Actor, email: str = "", now: dt.datetime | None = None
) -> PortalInvitation:
    """Invite an agent, lawyer, guardian or estate executor to act for their performer."""
    now = now or timezone.now()
    with transaction.atomic():
        representative = (
            Representative.objects.select_for_update(of=("self",))
            .select_related("performer__jurisdiction")
            .get(pk=representative.pk)
        )
        why = mandate_refusal(representative, on=timezone.localdate(now))
        if why is not None:
            raise StateConflictError(f"{representative.name}'s authority is not in force today. {why}")
        return _invite(
            party=representative,
            email=email or representative.email,
            actor=actor,
            now=now,
            representative=representative,
        )


def open_invitation_for(user) -> PortalInvitation | None:
    return (
        PortalInvitation.objects.filter(user=user, accepted_at__isnull=True)
        .select_related("performer", "representative", "representative__performer")
        .order_by("-sent_at")
        .first()
    )


def invitation_accept(*, invitation: PortalInvitation, password: str, now: dt.datetime | None = None):
    """Set the invited person's password (which also voids the link) and record it."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = PortalInvitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise StateConflictError("This invitation was already used.")
        user = invitation.user
        user.set_password(password)
        user.save(update_fields=["password"])
        PortalInvitation.objects.filter(user=user, accepted_at__isnull=True).update(accepted_at=now)
        invitation.accepted_at = now
        performer = invitation.performer or invitation.representative.performer
        name = invitation.performer.legal_name if invitation.performer_id else invitation.representative.name
        audit_record(
            actor=Actor(
                ActorKind.PERFORMER if invitation.performer_id else ActorKind.REPRESENTATIVE,
                performer.public_id if invitation.performer_id else str(user.pk),
                name,
            ),
            action=AuditAction.PORTAL_INVITATION_ACCEPTED,
            subject_type=AuditSubject.PERFORMER if invitation.performer_id else AuditSubject.REPRESENTATIVE,
            subject_id=performer.public_id if invitation.performer_id else str(invitation.representative_id),
            performer_id=performer.public_id,
            data={"invitation": invitation.pk},
        )
    return user
