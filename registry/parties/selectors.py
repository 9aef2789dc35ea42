"""Reads for the parties, scoped to who asks."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from registry.parties.models import PERFORMER_ID_PREFIX, Performer, Studio, StudioContact


def studio_contacts(studio: Studio) -> QuerySet[StudioContact]:
    return StudioContact.objects.filter(studio=studio)


def performer_reference_field(reference: str) -> str:
    """The Performer field a reference names: `public_id` for a public id (`prf_…`), else
    `member_number`. Studios name performers either way; this is the one place that decides."""
    return "public_id" if reference.startswith(f"{PERFORMER_ID_PREFIX}_") else "member_number"


def performer_by_reference(reference: str, *, queryset: QuerySet[Performer] | None = None) -> Performer | None:
    """The performer a reference names (None for none, or a blank reference); `queryset` adds
    what the caller reads with it (e.g. a select_related)."""
    reference = (reference or "").strip()
    if not reference:
        return None
    queryset = Performer.objects.all() if queryset is None else queryset
    try:
        # get(), not first(): the field is unique, and first() adds the model's ORDER BY.
        return queryset.get(**{performer_reference_field(reference): reference})
    except Performer.DoesNotExist:
        return None


def performers_by_reference(references: Iterable[str]) -> dict[str, Performer]:
    """The performers these references name, in one query, each under both its public id and
    its member number (so a caller looks one up by whichever reference it was given)."""
    fields: dict[str, set[str]] = {"public_id": set(), "member_number": set()}
    for reference in references:
        fields[performer_reference_field(reference)].add(reference)
    found = Performer.objects.filter(
        Q(public_id__in=fields["public_id"]) | Q(member_number__in=fields["member_number"])
    )
    return {ref: performer for performer in found for ref in (performer.public_id, performer.member_number)}


# --- Staff searches -------------------------------------------------------------------------------
# The admin finds grants, requests and usage lines by the performer or studio they concern. These
# resolve a search term to the parties first, from their own small indexed tables (ids and
# member numbers exactly; names by part on a trigram index on PostgreSQL, migration
# 0005_party_name_trigram), so the large table is then read by its index on the party's id.


def performer_ids_matching(term: str) -> QuerySet:
    """The ids of the performers a staff search names: by public id or member number exactly,
    or by part of the legal name."""
    return (
        Performer.objects.filter(Q(public_id=term) | Q(member_number=term) | Q(legal_name__icontains=term))
        .order_by()
        .values("pk")
    )


def studio_ids_matching(term: str) -> QuerySet:
    """The ids of the studios a staff search names: by public id exactly, or by part of the name."""
    return Studio.objects.filter(Q(public_id=term) | Q(legal_name__icontains=term)).order_by().values("pk")


def party_search_arms(model, term: str, *, through: str = "") -> list[QuerySet]:
    """`model`'s rows concerning the performers, then the studios, a staff search names, each
    read by its index on the party's id; `through` is the path to the row that names them
    ("grant__" for a token)."""
    return [
        model.objects.filter(**{f"{through}performer__in": performer_ids_matching(term)}),
        model.objects.filter(**{f"{through}studio__in": studio_ids_matching(term)}),
    ]
