"""The performer's own record, their representatives and their login, for privacy's export and
erasure (the contract is in registry/core/personal_data.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from registry.core.personal_data import ERASED_DATE_OF_BIRTH, Erasure, RowsChanged, iso
from registry.parties.models import Performer, Representative
from registry.parties.services import representative_revoke

PSEUDONYMISED = (Performer, Representative, get_user_model(), LogEntry)


def pseudonymise_performer(performer: Performer, erasure: Erasure) -> RowsChanged:
    changes = RowsChanged()

    # Representatives: their authority ends (through the parties service, which audits it),
    # and the record of who they were goes with the performer's file: a guardian's or an
    # executor's name re-identifies the person. Their own logins are theirs and stay.
    reps = list(Representative.objects.filter(performer=performer).order_by("id"))
    for rep in reps:
        if rep.revoked_at is None:
            representative_revoke(representative=rep, actor=erasure.actor)
    for rep in Representative.objects.filter(performer=performer).order_by("id"):
        rep.name = f"Representative {rep.pk} of {erasure.public_id}"
        rep.email = ""
        rep.authority_document = erasure.scrub_with_representatives(rep.authority_document)
        rep.save(update_fields=["name", "email", "authority_document"])
        changes[Representative] += 1

    # The portal login: unusable, inactive (every session ends: the password hash changed),
    # and without names. Kept as a row because signatures point at it.
    user = performer.user
    if user is not None:
        user.username = f"erased-{erasure.public_id}"[:150]
        user.first_name = ""
        user.last_name = ""
        user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        changes[type(user)] += 1

    performer.legal_name = erasure.pseudonym
    performer.professional_name = ""
    performer.email = ""
    performer.member_number = erasure.member_number
    performer.date_of_birth = ERASED_DATE_OF_BIRTH
    performer.date_of_death = None
    performer.erased_at = erasure.at
    performer.save(
        update_fields=[
            "legal_name",
            "professional_name",
            "email",
            "member_number",
            "date_of_birth",
            "date_of_death",
            "erased_at",
        ]
    )
    changes[Performer] += 1

    # Django admin's change log repeats each object's str() and the changed values.
    for model, pks in ((Performer, [performer.pk]), (Representative, [r.pk for r in reps])):
        content_type = ContentType.objects.get_for_model(model)
        for entry in LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in pks]):
            entry.object_repr = f"{model._meta.verbose_name} {erasure.public_id}"
            entry.change_message = erasure.scrub_with_representatives(entry.change_message)
            entry.save(update_fields=["object_repr", "change_message"])
            changes[LogEntry] += 1
    return changes


def export_performer(performer: Performer) -> dict[str, Any]:
    """`performer` and `representatives`."""
    user = performer.user
    return {
        "performer": {
            "id": performer.public_id,
            "member_number": performer.member_number,
            "legal_name": performer.legal_name,
            "professional_name": performer.professional_name,
            "email": performer.email,
            "date_of_birth": iso(performer.date_of_birth),
            "date_of_death": iso(performer.date_of_death),
            "created_at": iso(performer.created_at),
            "erased": performer.is_erased,
            "portal_login": None
            if user is None
            else {
                "username": user.get_username(),
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "is_active": user.is_active,
                "date_joined": iso(user.date_joined),
                "last_login": iso(user.last_login),
            },
        },
        "representatives": [
            {
                "id": str(rep.pk),
                "kind": rep.kind,
                "name": rep.name,
                "email": rep.email,
                "valid_from": iso(rep.valid_from),
                "valid_to": iso(rep.valid_to),
                "authority_document": rep.authority_document,
                "revoked_at": iso(rep.revoked_at),
                "created_at": iso(rep.created_at),
            }
            for rep in performer.representatives.order_by("id")
        ],
    }
