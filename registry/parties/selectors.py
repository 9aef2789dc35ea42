"""Reads for the parties, scoped to who asks."""

from __future__ import annotations

from django.db.models import QuerySet

from registry.parties.models import Studio, StudioContact


def studio_contacts(studio: Studio) -> QuerySet[StudioContact]:
    return StudioContact.objects.filter(studio=studio)
