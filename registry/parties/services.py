"""Writes for the parties: API keys, representatives, studio contacts.

Each function is one transaction; audit rows for these changes are written inside it.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.core.actors import Actor
from registry.core.errors import (
    FieldProblem,
    NotPermittedError,
    RuleViolationError,
    StateConflictError,
    problems_summary,
)
from registry.core.vocabulary.parties import ApiScope, RepresentativeKind, StudioStatus
from registry.parties import keys, rules
from registry.parties.authority import person_facts, require_authority
from registry.parties.locks import lock_studio
from registry.parties.models import ApiKey, EstateSearch, Performer, Representative, Studio, StudioContact
from registry.parties.rules import Act, Capacity


def api_key_issue(*, studio: Studio, name: str, scopes: list[str] | None, actor: Actor) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is never stored and never shown again."""
    scopes = sorted(set(scopes)) if scopes is not None else [s.value for s in ApiScope]
    unknown = [s for s in scopes if s not in ApiScope.values]
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope(s): {', '.join(unknown)}."})
    new = keys.generate_key()
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            studio=studio, name=name, prefix=new.prefix, secret_hash=new.secret_hash, scopes=scopes
        )
        audit_record(
            actor=actor,
            action=AuditAction.API_KEY_ISSUED,
            subject_type=AuditSubject.API_KEY,
            subject_id=api_key.prefix,
            studio_id=studio.public_id,
            data={"name": name, "scopes": scopes},
        )
    return api_key, new.secret


def api_key_revoke(*, api_key: ApiKey, actor: Actor) -> ApiKey:
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action=AuditAction.API_KEY_REVOKED,
                subject_type=AuditSubject.API_KEY,
                subject_id=locked.prefix,
                studio_id=locked.studio.public_id,
                data={},
            )
    return locked


class _RecentKeys:
    """API keys that authenticated in this process in the last `API_KEY_CACHE_SECONDS`, by the
    SHA-256 of the whole key.

    Why: a studio calls many times a second, and reading its key and studio on every call costs a
    third of a consent check. The price: a key revoked, or a studio suspended, in another
    process stops working there within that many seconds (in this process, at once). Only keys
    that matched are kept, so unknown keys cannot fill it, and it is bounded all the same. Looking
    up by the key's hash leaks nothing useful through timing: the hash cannot be turned back.
    """

    MAX_ENTRIES = 4096

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, ApiKey]] = {}

    def get(self, secret_hash: str) -> ApiKey | None:
        entry = self._entries.get(secret_hash)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._entries.pop(secret_hash, None)
            return None
        return entry[1]

    def put(self, secret_hash: str, api_key: ApiKey) -> None:
        seconds = settings.API_KEY_CACHE_SECONDS
        if seconds <= 0:
            return
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[secret_hash] = (time.monotonic() + seconds, api_key)

    def forget(self, secret_hash: str | None = None) -> None:
        """Forget one key, or every key (after a change to a studio)."""
        if secret_hash is None:
            self._entries.clear()
        else:
            self._entries.pop(secret_hash, None)


recent_keys = _RecentKeys()


def forget_recent_keys(sender, instance, **kwargs) -> None:
    """post_save of a key or a studio: serve nothing about it from the cache any more."""
    recent_keys.forget(instance.secret_hash if isinstance(instance, ApiKey) else None)


def api_key_authenticate(secret: str) -> ApiKey | None:
    """The active key matching `secret`, or None. Never says which part was wrong."""
    secret_hash = keys.hash_key(secret)
    api_key = recent_keys.get(secret_hash)
    if api_key is None:
        api_key = _api_key_from_database(secret, secret_hash)
        if api_key is None:
            return None
        recent_keys.put(secret_hash, api_key)
    now = timezone.now()
    stale = api_key.last_used_at is None or now - api_key.last_used_at >= settings.API_KEY_LAST_USED_RESOLUTION
    if stale:
        # A plain UPDATE: no lock, no audit row; last use is operational data, not a record.
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def _api_key_from_database(secret: str, secret_hash: str) -> ApiKey | None:
    prefix = keys.parse_prefix(secret)
    if prefix is None:
        return None
    try:
        # get(), not first(): the prefix is unique, and first() adds the model's ORDER BY.
        api_key = ApiKey.objects.select_related("studio").get(prefix=prefix)
    except ApiKey.DoesNotExist:
        return None
    if not keys.hash_matches(secret_hash, api_key.secret_hash):
        return None
    if api_key.revoked_at is not None:
        return None
    return api_key


def validate_representative(*, performer: Performer, kind: str, valid_from: dt.date) -> None:
    """The kind of authority must be in force for this performer when its period starts (a
    guardian for a minor, an agent or lawyer for the living, an estate after death)."""
    why = rules.capacity_refusal(Capacity(kind), person_facts(performer), valid_from)
    if why is not None:
        raise ValidationError({"kind": why})


def representative_authorise(
    *,
    performer: Performer,
    kind: str,
    name: str,
    email: str = "",
    user=None,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    authority_document: str,
    actor: Actor,
) -> Representative:
    validate_representative(performer=performer, kind=kind, valid_from=valid_from)
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": "The authority must end on or after it starts."})
    if not authority_document.strip():
        raise ValidationError({"authority_document": "Note the document that gives the authority."})
    with transaction.atomic():
        rep = Representative.objects.create(
            performer=performer,
            kind=kind,
            name=name,
            email=email,
            user=user,
            valid_from=valid_from,
            valid_to=valid_to,
            authority_document=authority_document,
        )
        audit_record(
            actor=actor,
            action=AuditAction.REPRESENTATIVE_AUTHORISED,
            subject_type=AuditSubject.REPRESENTATIVE,
            subject_id=str(rep.pk),
            performer_id=performer.public_id,
            data={
                "kind": kind,
                "name": name,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "authority_document": authority_document,
            },
        )
    return rep


def representative_revoke(*, representative: Representative, actor: Actor) -> Representative:
    with transaction.atomic():
        rep = Representative.objects.select_for_update().get(pk=representative.pk)
        if rep.revoked_at is None:
            rep.revoked_at = timezone.now()
            rep.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action=AuditAction.REPRESENTATIVE_REVOKED,
                subject_type=AuditSubject.REPRESENTATIVE,
                subject_id=str(rep.pk),
                performer_id=rep.performer.public_id,
                data={},
            )
    return rep


# Agents and lawyers a performer (or a minor's guardian) appoints in the portal. Guardians and
# estates are recorded by union staff from the documents that appoint them.
SELF_APPOINTED_KINDS = (RepresentativeKind.AGENT, RepresentativeKind.LAWYER)


def representative_appoint(
    *,
    performer: Performer,
    acting_user,
    kind: str,
    name: str,
    email: str = "",
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    authority_document: str,
) -> Representative:
    """The performer side appoints an agent or a lawyer: `acting_user` must be able to change
    who acts for the performer today (the performer, or a minor's guardian)."""
    authority = require_authority(user=acting_user, performer=performer, act=Act.MANAGE_REPRESENTATIVES)
    if kind not in SELF_APPOINTED_KINDS:
        raise ValidationError({"kind": "Guardians and estate executors are recorded by union staff."})
    return representative_authorise(
        performer=performer,
        kind=kind,
        name=name,
        email=email,
        valid_from=valid_from,
        valid_to=valid_to,
        authority_document=authority_document,
        actor=authority.actor(),
    )


def representative_end(*, representative: Representative, acting_user) -> Representative:
    """The performer side ends an agent's or lawyer's authority (as for `representative_appoint`)."""
    authority = require_authority(user=acting_user, performer=representative.performer, act=Act.MANAGE_REPRESENTATIVES)
    if representative.kind not in SELF_APPOINTED_KINDS:
        raise NotPermittedError("Guardians and estate executors are changed by union staff.")
    return representative_revoke(representative=representative, actor=authority.actor())


ESTATE_SEARCH_MIN_STEPS = 30


def estate_search_record(
    *,
    performer: Performer,
    searcher: str,
    searched_on: dt.date,
    steps: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> EstateSearch:
    """DOMAIN.md 2.8: record who searched for a deceased performer's estate, when, and what was
    tried; the union may consent for them only once a search is on record and no estate is."""
    now = now or timezone.now()
    steps = " ".join((steps or "").split())
    problems = []
    if performer.date_of_death is None:
        problems.append(
            FieldProblem("performer", "not_deceased", "Only a deceased performer's estate is searched for.")
        )
    elif searched_on < performer.date_of_death:
        problems.append(
            FieldProblem("searched_on", "before_death", "The search cannot predate the performer's death.")
        )
    if searched_on > timezone.localdate(now):
        problems.append(FieldProblem("searched_on", "in_future", "Record a search once it is done."))
    if len(steps) < ESTATE_SEARCH_MIN_STEPS:
        problems.append(
            FieldProblem(
                "steps",
                "too_short",
                f"Say what was tried (at least {ESTATE_SEARCH_MIN_STEPS} characters): probate records, "
                "relatives, former agents.",
            )
        )
    if problems:
        raise RuleViolationError(problems_summary(problems), problems=problems)
    with transaction.atomic():
        search = EstateSearch.objects.create(
            performer=performer,
            searcher=searcher.strip(),
            searched_on=searched_on,
            steps=steps,
            recorded_at=now,
            recorded_by=actor.name,
        )
        audit_record(
            actor=actor,
            action=AuditAction.ESTATE_SEARCH_RECORDED,
            subject_type=AuditSubject.PERFORMER,
            subject_id=performer.public_id,
            performer_id=performer.public_id,
            data={"search": search.pk, "searcher": search.searcher, "searched_on": searched_on, "steps": steps},
        )
    return search


def studio_set_status(*, studio: Studio, status: str, reason: str, actor: Actor) -> Studio:
    """Suspend a studio (its API keys are refused with a 403 naming the suspension) or
    reactivate it. Saving the studio clears the API-key cache in this process; others follow
    within API_KEY_CACHE_SECONDS."""
    if status not in StudioStatus.values:
        raise ValidationError({"status": f"Unknown studio status {status!r}."})
    with transaction.atomic():
        locked = lock_studio(studio.pk)
        if locked.status == status:
            return locked
        previous, locked.status = locked.status, status
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=AuditAction.STUDIO_SUSPENDED
            if status == StudioStatus.SUSPENDED
            else AuditAction.STUDIO_REACTIVATED,
            subject_type=AuditSubject.STUDIO,
            subject_id=locked.public_id,
            studio_id=locked.public_id,
            data={"from": previous, "to": status, "reason": reason},
        )
    return locked


def studio_contact_add(*, studio: Studio, name: str, email: str, role: str, actor: Actor) -> StudioContact:
    if StudioContact.objects.filter(studio=studio, email__iexact=email, role=role).exists():
        message = f"{email} is already a {role} contact."
        raise StateConflictError(message, problems=[FieldProblem("email", "duplicate", message)])
    with transaction.atomic():
        contact = StudioContact.objects.create(studio=studio, name=name, email=email, role=role)
        audit_record(
            actor=actor,
            action=AuditAction.STUDIO_CONTACT_ADDED,
            subject_type=AuditSubject.STUDIO,
            subject_id=studio.public_id,
            studio_id=studio.public_id,
            data={"name": name, "email": email, "role": role},
        )
    return contact
