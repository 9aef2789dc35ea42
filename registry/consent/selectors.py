"""Reads for consent, scoped to the caller before anything else, and the consent check."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from registry.consent import rules
from registry.consent.choices import SuspensionCause
from registry.consent.models import (
    ConsentGrant,
    ConsentRequest,
    GrantStatusChange,
    PerformerPreferences,
    Strike,
    Suspension,
)
from registry.parties.callers import Caller, visible_to
from registry.parties.models import Performer


def consent_requests_visible_to(caller: Caller) -> QuerySet[ConsentRequest]:
    qs = ConsentRequest.objects.select_related("studio", "performer", "agreement", "amends").prefetch_related(
        "description_versions"
    )
    return visible_to(caller, qs)


def grants_visible_to(caller: Caller) -> QuerySet[ConsentGrant]:
    return visible_to(caller, ConsentGrant.objects.select_related("studio", "performer", "agreement", "supersedes"))


def strikes_visible_to(caller: Caller) -> QuerySet[Strike]:
    qs = Strike.objects.select_related("agreement").prefetch_related("studios")
    return visible_to(caller, qs, studio="studios", performer=None)


def performer_by_reference(reference: str) -> Performer | None:
    """A performer by public id (`prf_…`) or by union member number."""
    reference = (reference or "").strip()
    if not reference:
        return None
    field = "public_id" if reference.startswith("prf_") else "member_number"
    try:
        # get(), not first(): the field is unique, and first() adds the model's ORDER BY.
        # The preferences come along in one LEFT JOIN: a check reads them.
        return Performer.objects.select_related("preferences").get(**{field: reference})
    except Performer.DoesNotExist:
        return None


def as_of_moment(on: dt.date, now: dt.datetime) -> dt.datetime:
    """The moment a check on `on` answers for: now for today or later, else the end of that day.

    Ending the day is deliberate: consent revoked during the day of use does not cover it.
    """
    if on >= timezone.localdate(now):
        return now
    end = dt.datetime.combine(on, dt.time.max)
    return timezone.make_aware(end, timezone.get_current_timezone())


@dataclass(frozen=True)
class GrantHistory:
    """A grant version with everything needed to say how it stood at any moment."""

    grant: ConsentGrant
    scope: rules.GrantScope
    changes: tuple[rules.StatusChange, ...]
    spans: tuple[rules.SuspensionSpan, ...]

    def candidate_at(self, as_of: dt.datetime) -> rules.GrantCandidate:
        return rules.GrantCandidate(
            grant_id=self.grant.public_id,
            scope=self.scope,
            status=rules.status_as_of(self.changes, as_of),
            suspension_causes=tuple(rules.suspension_causes_at(self.spans, as_of)),
        )


def _histories(grants) -> list[GrantHistory]:
    """Grants with their status changes and suspensions, read as plain values in two more
    queries (model instances and prefetch managers cost more than the checks themselves)."""
    grants = list(grants.order_by("-activated_at"))
    ids = [g.pk for g in grants]
    changes: dict[int, list[rules.StatusChange]] = defaultdict(list)
    rows = GrantStatusChange.objects.filter(grant_id__in=ids).order_by("at", "id")
    for grant_id, at, to_status in rows.values_list("grant_id", "at", "to_status"):
        changes[grant_id].append(rules.StatusChange(at=at, status=to_status))
    spans: dict[int, list[rules.SuspensionSpan]] = defaultdict(list)
    for grant_id, cause, started, ended in Suspension.objects.filter(grant_id__in=ids).values_list(
        "grant_id", "cause", "started_at", "ended_at"
    ):
        spans[grant_id].append(rules.SuspensionSpan(cause=cause, started_at=started, ended_at=ended))
    return [
        GrantHistory(grant=g, scope=g.scope(), changes=tuple(changes[g.pk]), spans=tuple(spans[g.pk])) for g in grants
    ]


def grant_histories(*, studio_id: int, performer_ids: list[int]) -> dict[int, list[GrantHistory]]:
    """Every grant version of this studio with these performers, with its status history, in
    three queries whatever the number of performers (a usage report checks thousands of lines)."""
    out: dict[int, list[GrantHistory]] = {pk: [] for pk in performer_ids}
    for history in _histories(ConsentGrant.objects.filter(studio_id=studio_id, performer_id__in=performer_ids)):
        out[history.grant.performer_id].append(history)
    return out


def candidates_as_of(histories: list[GrantHistory], as_of: dt.datetime) -> list[rules.GrantCandidate]:
    return [h.candidate_at(as_of) for h in histories if h.grant.activated_at <= as_of]


def _current_candidates(grants: QuerySet[ConsentGrant]) -> list[rules.GrantCandidate]:
    """How these grants stand now, in one query: a grant's own status is its latest change (both
    are written in one transaction), and the suspensions in force are the open ones."""
    open_suspensions = Suspension.objects.filter(grant=OuterRef("pk"), ended_at__isnull=True)
    grants = grants.annotate(
        by_performer=Exists(open_suspensions.filter(cause=SuspensionCause.PERFORMER)),
        by_strike=Exists(open_suspensions.filter(cause=SuspensionCause.STRIKE)),
    ).order_by("-activated_at")
    return [
        rules.GrantCandidate(
            grant_id=grant.public_id,
            scope=grant.scope(),
            status=grant.status,
            suspension_causes=tuple(
                cause for cause, on in (("performer", grant.by_performer), ("strike", grant.by_strike)) if on
            ),
        )
        for grant in grants
    ]


def grant_candidates(
    *, studio_id: int, performer_id: int, as_of: dt.datetime, current: bool = False
) -> list[rules.GrantCandidate]:
    """Every grant version of this studio and performer as it stood at `as_of`. `current`: `as_of`
    is now, so the grants' own status answers, without reading their history (1 query, not 3)."""
    grants = ConsentGrant.objects.filter(studio_id=studio_id, performer_id=performer_id, activated_at__lte=as_of)
    if current:
        return _current_candidates(grants)
    return [history.candidate_at(as_of) for history in _histories(grants)]


def consent_check(
    *,
    studio_id: int,
    performer: Performer,
    query: rules.UseQuery,
    claimed_exemption: str | None = None,
    now: dt.datetime | None = None,
) -> rules.CheckOutcome:
    """Is `query` covered by a grant of this studio, as things stood on `query.on`?"""
    now = now or timezone.now()
    as_of = as_of_moment(query.on, now)
    candidates = grant_candidates(studio_id=studio_id, performer_id=performer.pk, as_of=as_of, current=as_of == now)
    try:
        prefs_row = performer.preferences  # loaded by performer_by_reference; otherwise one query
    except PerformerPreferences.DoesNotExist:
        prefs_row = None
    prefs = prefs_row.as_rules() if prefs_row else None
    return rules.decide_check(query, candidates, prefs, claimed_exemption)
