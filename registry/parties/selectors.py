"""Reads for the parties, scoped to who asks."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from registry.parties.models import Performer, Representative, Studio, StudioContact


def representatives_valid_on(day: dt.date | None = None) -> QuerySet[Representative]:
    """Representations in force on `day` (default today): not revoked, inside their period."""
    day = day or timezone.localdate()
    return Representative.objects.filter(revoked_at__isnull=True, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def active_representations(user, *, on: dt.date | None = None) -> QuerySet[Representative]:
    """The representations through which `user` may act on `on` (default today)."""
    return representatives_valid_on(on).filter(user=user).select_related("performer")


def representation_for(user, performer: Performer, *, on: dt.date | None = None) -> Representative | None:
    """The representation that lets `user` act for `performer`, or None."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    return active_representations(user, on=on).filter(performer=performer).first()


def performers_user_may_act_for(user, *, on: dt.date | None = None) -> QuerySet[Performer]:
    """A performer acts for themself; a representative for whom they are authorised."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return Performer.objects.none()
    represented = active_representations(user, on=on).values("performer_id")
    return Performer.objects.filter(Q(user=user) | Q(pk__in=represented))


def studio_contacts(studio: Studio) -> QuerySet[StudioContact]:
    return StudioContact.objects.filter(studio=studio)


def active_representatives_of(performer: Performer, *, on: dt.date | None = None) -> QuerySet[Representative]:
    """The representatives who may act for `performer` on `on` (default today)."""
    return representatives_valid_on(on).filter(performer=performer).order_by("pk")
