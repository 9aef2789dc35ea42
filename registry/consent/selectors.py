"""Reads for consent, scoped to the caller before anything else, and the consent check."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

from django.db import connection, connections
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from registry.consent import rules
from registry.consent.models import (
    ConsentCheckRecord,
    ConsentGrant,
    ConsentRequest,
    GrantStatusChange,
    PerformerPreferences,
    Strike,
    Suspension,
)
from registry.core.replica import read_alias
from registry.core.vocabulary.consent import LIVE_GRANT_STATUSES, SuspensionCause
from registry.parties import selectors as parties_selectors
from registry.parties.callers import Caller, visible_to
from registry.parties.models import Performer


def consent_requests_visible_to(caller: Caller) -> QuerySet[ConsentRequest]:
    # Everything a request's body names, read with the page: an accepted request names its grant
    # (the reverse one-to-one), which was a query per row (502 queries for a page of 500).
    qs = ConsentRequest.objects.select_related(
        "studio", "performer", "agreement", "amends", "held_by_strike", "signature__estate_search", "grant"
    ).prefetch_related("description_versions")
    return visible_to(caller, qs)


def check_records_visible_to(caller: Caller) -> QuerySet[ConsentCheckRecord]:
    """Rule 2.14: the checks kept as evidence; staff all, a studio its own checks, the performer
    side the checks about its performers."""
    return visible_to(caller, ConsentCheckRecord.objects.select_related("studio", "performer"))


def grants_visible_to(caller: Caller) -> QuerySet[ConsentGrant]:
    return visible_to(caller, ConsentGrant.objects.select_related("studio", "performer", "agreement", "supersedes"))


def strikes_visible_to(caller: Caller) -> QuerySet[Strike]:
    qs = Strike.objects.select_related("agreement").prefetch_related("studios")
    return visible_to(caller, qs, studio="studios", performer=None)


def strikes_in_force(at: dt.datetime) -> QuerySet[Strike]:
    """Strikes in force at `at`: started and not lifted by then. A strike suspends every live
    grant of its studios under its agreement from its start, whether or not its job has reached
    the grant yet (Strike.in_force_at says the same for one strike)."""
    return Strike.objects.filter(starts_at__lte=at).filter(Q(lifted_at__isnull=True) | Q(lifted_at__gt=at))


def _held_by_performer() -> Exists:
    return Exists(
        Suspension.objects.filter(grant=OuterRef("pk"), cause=SuspensionCause.PERFORMER, ended_at__isnull=True)
    )


def _held_by_strike(at: dt.datetime) -> Exists:
    return Exists(strikes_in_force(at).filter(agreement=OuterRef("agreement_id"), studios=OuterRef("studio_id")))


def grants_active_at(grants: QuerySet[ConsentGrant], at: dt.datetime) -> QuerySet[ConsentGrant]:
    """Those of `grants` a check calls active at `at` (`rules.live_status`): live, not held by
    the performer's own suspension, and under no strike in force, whether or not the strike's
    job has written their status yet."""
    return grants.filter(status__in=LIVE_GRANT_STATUSES).exclude(_held_by_performer()).exclude(_held_by_strike(at))


def grant_live_status(grant_pk: int, *, now: dt.datetime | None = None) -> str | None:
    """A grant's status as a check sees it now (`rules.live_status`): a live grant is suspended
    while the performer's suspension is open or a strike against its studio is in force; a
    strike's job may not have written either yet. None for an unknown grant."""
    row = (
        ConsentGrant.objects.filter(pk=grant_pk)
        .annotate(by_performer=_held_by_performer(), by_strike=_held_by_strike(now or timezone.now()))
        .values_list("status", "by_performer", "by_strike")
        .first()
    )
    if row is None:
        return None
    status, by_performer, by_strike = row
    return rules.live_status(status, _causes(by_performer=by_performer, by_strike=by_strike))


def _causes(*, by_performer: bool, by_strike: bool) -> tuple[SuspensionCause, ...]:
    """The causes holding a grant, from whether each holds it."""
    return tuple(
        cause for cause, on in ((SuspensionCause.PERFORMER, by_performer), (SuspensionCause.STRIKE, by_strike)) if on
    )


def preferences_of(performer: Performer) -> PerformerPreferences:
    """The performer's standing preferences as stored, or the defaults (unsaved) if they set none."""
    return PerformerPreferences.objects.filter(performer=performer).first() or PerformerPreferences(
        performer=performer
    )


def performer_by_reference(reference: str) -> Performer | None:
    """A performer by public id (`prf_…`) or by union member number, with their preferences in
    the same query (one LEFT JOIN): a check reads them."""
    return parties_selectors.performer_by_reference(
        reference, queryset=Performer.objects.select_related("preferences")
    )


def as_of_moment(on: dt.date, now: dt.datetime) -> dt.datetime:
    """The moment a check on `on` answers for: now for today or later, else the end of that day.

    Ending the day is deliberate: consent revoked during the day of use does not cover it.
    """
    if on >= timezone.localdate(now):
        return now
    end = dt.datetime.combine(on, dt.time.max)
    return timezone.make_aware(end, timezone.get_current_timezone())


@dataclass(frozen=True)
class HistoryGrant:
    """The facts of a grant version that reading its history needs (which performer, lineage and
    use, when it took effect), not the model: a usage report reads hundreds of grants, and
    building their model instances cost more than the query and the whole history after it."""

    pk: int
    public_id: str
    lineage_id: str
    performer_id: int
    activated_at: dt.datetime
    use: str


@dataclass(frozen=True)
class GrantHistory:
    """A grant version with everything needed to say how it stood at any moment."""

    grant: HistoryGrant
    scope: rules.GrantScope
    changes: tuple[rules.StatusChange, ...]
    spans: tuple[rules.SuspensionSpan, ...]

    def candidate_at(self, as_of: dt.datetime) -> rules.GrantCandidate:
        status, causes = _standing_at(self.changes, self.spans, as_of)
        return rules.GrantCandidate(
            grant_id=self.grant.public_id, scope=self.scope, status=status, suspension_causes=causes
        )


def _standing_at(
    changes: Iterable[rules.StatusChange], spans: Iterable[rules.SuspensionSpan], as_of: dt.datetime
) -> tuple[str | None, tuple[str, ...]]:
    """A grant's status and what suspended it at a moment, from its history."""
    causes = tuple(rules.suspension_causes_at(spans, as_of))
    return rules.live_status(rules.status_as_of(changes, as_of), causes), causes


# A grant's scope as its columns, in the order `_scope` takes them: the history's read and the
# check's one statement (`_CheckSQL`) both select these.
SCOPE_COLUMNS = (
    "use",
    "project_kind",
    "project_title",
    "production_number",
    "advertiser",
    "product_line",
    "term_start",
    "term_end",
    "media",
    "territory",
    "future_spots",
    "role_or_scenes",
    "intended_uses",
    "sensitive_content",
    "realtime_generation",
)


def _scope(row) -> rules.GrantScope:
    """A grant's scope from its SCOPE_COLUMNS values, as the ORM or a plain cursor returns them
    (JSON as lists or as text, dates as dates or ISO text, booleans as bools or 0/1)."""
    (use, kind, title, number, advertiser, product_line, term_start, term_end, media, territory) = row[:10]
    future_spots, role_or_scenes, intended_uses, sensitive_content, realtime = row[10:15]
    return rules.GrantScope(
        use=use,
        project=rules.Project(
            kind=kind, title=title, production_number=number, advertiser=advertiser, product_line=product_line
        ),
        term_start=_date(term_start),
        term_end=_date(term_end),
        media=tuple(_json(media)),
        territory=tuple(_json(territory)),
        future_spots=bool(future_spots),
        role_or_scenes=role_or_scenes or "",
        intended_uses=tuple(_json(intended_uses)),
        sensitive_content=tuple(_json(sensitive_content)),
        realtime_generation=None if realtime is None else bool(realtime),
    )


# HistoryGrant's fields before its `use`, which the scope's columns begin with.
_HISTORY_GRANT_COLUMNS = ("pk", "public_id", "lineage_id", "performer_id", "activated_at")


def _histories(grants: QuerySet[ConsentGrant]) -> list[GrantHistory]:
    """Grants with their status changes and suspensions, read as plain values in two more
    queries (model instances and prefetch managers cost more than the checks themselves)."""
    return _with_status_histories(
        grants.order_by("-activated_at", "-id").values_list(*_HISTORY_GRANT_COLUMNS, *SCOPE_COLUMNS)
    )


def _with_status_histories(rows: Iterable[tuple]) -> list[GrantHistory]:
    """Rows of _HISTORY_GRANT_COLUMNS + SCOPE_COLUMNS, each with its status history."""
    found = [(HistoryGrant(*row[:6]), _scope(row[5:])) for row in rows]
    changes, spans = _status_histories([g.pk for g, _ in found])
    return [
        GrantHistory(grant=g, scope=scope, changes=tuple(changes[g.pk]), spans=tuple(spans[g.pk]))
        for g, scope in found
    ]


def _status_histories(
    grant_ids: list[int],
) -> tuple[dict[int, list[rules.StatusChange]], dict[int, list[rules.SuspensionSpan]]]:
    """The status changes and suspension spans of these grants, oldest first, by grant id.

    A strike's span is the strike's own (from its start to its lift), read from the strike for
    every grant of its studios under its agreement, not from the grant's suspension rows: those
    are written by the strike's job, after the strike took effect.
    """
    changes: dict[int, list[rules.StatusChange]] = defaultdict(list)
    spans: dict[int, list[rules.SuspensionSpan]] = defaultdict(list)
    if not grant_ids:
        return changes, spans
    if connection.vendor == "postgresql":
        # One prepared statement instead of three querysets: a check about a past date asks this
        # for a handful of grants, and compiling the querysets cost more than the answer.
        rows = _prepared(_check_sql().history, [grant_ids, grant_ids, grant_ids], alias=read_alias(ConsentGrant))
        for kind, grant_id, at, status_or_cause, ended, _ in rows:
            if kind == "change":
                changes[grant_id].append(rules.StatusChange(at=at, status=status_or_cause))
            else:
                spans[grant_id].append(rules.SuspensionSpan(cause=status_or_cause, started_at=at, ended_at=ended))
        return changes, spans
    rows = GrantStatusChange.objects.filter(grant_id__in=grant_ids).order_by("at", "id")
    for grant_id, at, to_status in rows.values_list("grant_id", "at", "to_status"):
        changes[grant_id].append(rules.StatusChange(at=at, status=to_status))
    suspensions = Suspension.objects.filter(grant_id__in=grant_ids, cause=SuspensionCause.PERFORMER)
    for grant_id, cause, started, ended in suspensions.order_by("started_at", "id").values_list(
        "grant_id", "cause", "started_at", "ended_at"
    ):
        spans[grant_id].append(rules.SuspensionSpan(cause=cause, started_at=started, ended_at=ended))
    scopes = ConsentGrant.objects.filter(pk__in=grant_ids).values_list("pk", "agreement_id", "studio_id")
    struck: dict[tuple[int, int], list[rules.SuspensionSpan]] = defaultdict(list)
    for agreement_id, studio_id, starts_at, lifted_at in (
        Strike.objects.filter(studios__in={studio for _, _, studio in scopes})
        .order_by("starts_at", "id")
        .values_list("agreement_id", "studios", "starts_at", "lifted_at")
    ):
        struck[agreement_id, studio_id].append(
            rules.SuspensionSpan(cause=SuspensionCause.STRIKE, started_at=starts_at, ended_at=lifted_at)
        )
    for grant_id, agreement_id, studio_id in scopes:
        spans[grant_id].extend(struck.get((agreement_id, studio_id), ()))
    return changes, spans


def grant_histories(*, studio_id: int, performer_ids: list[int]) -> dict[int, list[GrantHistory]]:
    """Every grant version of this studio with these performers, with its status history, in
    three queries whatever the number of performers (a usage report checks thousands of lines)."""
    out: dict[int, list[GrantHistory]] = {pk: [] for pk in performer_ids}
    if connection.vendor == "postgresql":
        # Prepared, as the check's statements are: a report reads hundreds of grants, and the
        # queryset's compiling and per-value converters cost as much as PostgreSQL's answer.
        rows = _prepared(_check_sql().performers_grants, [studio_id, performer_ids], alias=read_alias(ConsentGrant))
        histories = _with_status_histories(rows)
    else:
        histories = _histories(ConsentGrant.objects.filter(studio_id=studio_id, performer_id__in=performer_ids))
    for history in histories:
        out[history.grant.performer_id].append(history)
    return out


def grant_standing(
    grant: ConsentGrant, query: rules.UseQuery, as_of: dt.datetime
) -> tuple[str | None, rules.CheckOutcome]:
    """How one grant version stood at a moment, and the check of `query` against it alone, read
    from its history as every check reads it: what a file's content credentials are answered with
    (they name one grant, not a performer)."""
    history = _histories(ConsentGrant.objects.filter(pk=grant.pk))[0]
    candidates = candidates_as_of([history], as_of)
    status = candidates[0].status if candidates else None
    return status, rules.decide_check(query, candidates, None)


def candidates_as_of(histories: list[GrantHistory], as_of: dt.datetime) -> list[rules.GrantCandidate]:
    return [h.candidate_at(as_of) for h in histories if h.grant.activated_at <= as_of]


def consent_check(
    *,
    studio_id: int,
    performer: Performer,
    query: rules.UseQuery,
    claim: rules.ExemptionClaim | None = None,
    now: dt.datetime | None = None,
) -> rules.CheckOutcome:
    """Is `query` covered by a grant of this studio, as things stood on `query.on`? Read through
    the grants' whole history, as usage reports read it; the API's one-statement path
    (`consent_check_by_reference`) is held to the same answers by tests."""
    now = now or timezone.now()
    as_of = as_of_moment(query.on, now)
    histories = grant_histories(studio_id=studio_id, performer_ids=[performer.pk])[performer.pk]
    candidates = candidates_as_of(histories, as_of)
    try:
        prefs_row = performer.preferences  # loaded by performer_by_reference; otherwise one query
    except PerformerPreferences.DoesNotExist:
        prefs_row = None
    prefs = prefs_row.as_rules() if prefs_row else None
    return rules.decide_check(query, candidates, prefs, claim)


@dataclass(frozen=True)
class CheckedPerformer:
    """The performer a check named, as much of them as a check needs."""

    pk: int
    public_id: str


def consent_check_by_reference(
    *,
    studio_id: int,
    performer_reference: str,
    query: rules.UseQuery,
    claim: rules.ExemptionClaim | None = None,
    now: dt.datetime | None = None,
) -> tuple[CheckedPerformer, rules.CheckOutcome] | None:
    """`consent_check` for a performer named by public id or member number, as the API asks it;
    None when no performer has that reference.

    One SQL statement reads the performer, their preferences and this studio's grants
    (`_CheckSQL`); that answers a check about today, the studios' hot path. A check about a past
    date then reads those grants' status history (one more statement on PostgreSQL).
    """
    now = now or timezone.now()
    as_of = as_of_moment(query.on, now)
    found = _check_sql().read(studio_id=studio_id, performer_reference=performer_reference, as_of=as_of)
    if found is None:
        return None
    performer, prefs, grants = found
    if as_of == now:
        candidates = [candidate for _, candidate in grants]
    else:
        changes, spans = _status_histories([pk for pk, _ in grants])
        candidates = []
        for pk, candidate in grants:
            status, causes = _standing_at(changes[pk], spans[pk], as_of)
            candidates.append(replace(candidate, status=status, suspension_causes=causes))
    return performer, rules.decide_check(query, candidates, prefs, claim)


class _CheckSQL:
    """The performer, their preferences and this studio's grants activated by a moment, each
    with its stored status, whether the performer's own suspension is open, and whether a strike
    against its studio and agreement is in force at that moment, in one statement written once.

    Why not the ORM: a check is otherwise three querysets, and Django compiles each one anew on
    every call, which costs several times what the database spends answering. The answer is the
    same as `performer_by_reference` + the grants' history as of now + `as_rules()` (tests hold
    the two paths to the same answers); the SQL is plain, so SQLite runs it too.
    """

    def __init__(self) -> None:
        q = connection.ops.quote_name
        performer, prefs = Performer._meta.db_table, PerformerPreferences._meta.db_table
        grant, suspension = ConsentGrant._meta.db_table, Suspension._meta.db_table
        grant_columns = ["id", "public_id", "status", *SCOPE_COLUMNS]
        prefs_columns = [
            "id",
            "do_not_train",
            "opt_out_categories",
            "declined_uses",
            "rate_floor_amount",
            "rate_floor_currency",
            "rate_floor_unit",
        ]

        strike, struck = Strike._meta.db_table, Strike.studios.through._meta.db_table

        # Only quoted table and column names and enum constants are formatted in; values are bound.
        by_performer = (
            f"EXISTS (SELECT 1 FROM {q(suspension)} s WHERE s.{q('grant_id')} = g.{q('id')} "  # noqa: S608
            f"AND s.{q('ended_at')} IS NULL AND s.{q('cause')} = '{SuspensionCause.PERFORMER}')"
        )
        # A strike in force at the moment asked (bound twice): the strike itself, not the
        # suspension rows its job writes, so a check says so from the moment it is declared.
        by_strike = (
            f"EXISTS (SELECT 1 FROM {q(struck)} ks JOIN {q(strike)} k ON k.{q('id')} = ks.{q('strike_id')} "  # noqa: S608
            f"WHERE ks.{q('studio_id')} = g.{q('studio_id')} AND k.{q('agreement_id')} = g.{q('agreement_id')} "
            f"AND k.{q('starts_at')} <= %s AND (k.{q('lifted_at')} IS NULL OR k.{q('lifted_at')} > %s))"
        )

        select = ", ".join(
            [f"p.{q('id')}", f"p.{q('public_id')}"]
            + [f"pp.{q(c)}" for c in prefs_columns]
            + [f"g.{q(c)}" for c in grant_columns]
            + [by_performer, by_strike]
        )
        base = (
            f"SELECT {select} FROM {q(performer)} p "  # noqa: S608
            f"LEFT JOIN {q(prefs)} pp ON pp.{q('performer_id')} = p.{q('id')} "
            f"LEFT JOIN {q(grant)} g ON g.{q('performer_id')} = p.{q('id')} "
            f"AND g.{q('studio_id')} = %s AND g.{q('activated_at')} <= %s "
        )
        order = f" ORDER BY g.{q('activated_at')} DESC, g.{q('id')} DESC"
        # PostgreSQL only (`= ANY` of an array parameter keeps the text, and so the prepared
        # statement, the same for any number of grants).
        change, i = GrantStatusChange._meta.db_table, q("id")
        # PostgreSQL only, like `history`: a studio's grants with these performers (an array).
        self.performers_grants = (
            f"SELECT {', '.join(q(c) for c in ('id', *_HISTORY_GRANT_COLUMNS[1:], *SCOPE_COLUMNS))} "  # noqa: S608
            f"FROM {q(grant)} WHERE {q('studio_id')} = %s AND {q('performer_id')} = ANY(%s) "
            f"ORDER BY {q('activated_at')} DESC, {q('id')} DESC"
        )
        self.history = (
            f"SELECT 'change', c.{q('grant_id')}, c.{q('at')}, c.{q('to_status')}, NULL::timestamptz, c.{i} "  # noqa: S608
            f"FROM {q(change)} c WHERE c.{q('grant_id')} = ANY(%s) "
            f"UNION ALL SELECT 'suspension', s.{q('grant_id')}, s.{q('started_at')}, s.{q('cause')}, "
            f"s.{q('ended_at')}, s.{i} FROM {q(suspension)} s WHERE s.{q('grant_id')} = ANY(%s) "
            f"AND s.{q('cause')} = '{SuspensionCause.PERFORMER}' "
            # Strikes as spans of their own: from the start to the lift (see _status_histories).
            f"UNION ALL SELECT 'suspension', g.{i}, k.{q('starts_at')}, '{SuspensionCause.STRIKE}', "
            f"k.{q('lifted_at')}, k.{i} FROM {q(grant)} g "
            f"JOIN {q(struck)} ks ON ks.{q('studio_id')} = g.{q('studio_id')} "
            f"JOIN {q(strike)} k ON k.{i} = ks.{q('strike_id')} AND k.{q('agreement_id')} = g.{q('agreement_id')} "
            f"WHERE g.{i} = ANY(%s) "
            "ORDER BY 1, 3, 6"
        )
        # By the field the reference names (parties' one rule: a public id or a member number).
        self.by_field = {field: base + f"WHERE p.{q(field)} = %s" + order for field in ("public_id", "member_number")}

    def read(
        self, *, studio_id: int, performer_reference: str, as_of: dt.datetime
    ) -> tuple[CheckedPerformer, rules.Preferences | None, list[tuple[int, rules.GrantCandidate]]] | None:
        """None when no performer has this reference; else the grants as (id, candidate now)."""
        reference = (performer_reference or "").strip()
        if not reference:
            return None
        sql = self.by_field[parties_selectors.performer_reference_field(reference)]
        moment = connection.ops.adapt_datetimefield_value(as_of)
        params = [moment, moment, studio_id, moment, reference]
        alias = read_alias(ConsentGrant)  # the replica, in a check that may read it
        if connection.vendor == "postgresql":
            rows = _prepared(sql, params, alias=alias)
        else:
            with connections[alias].cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
        if not rows:
            return None
        first = rows[0]
        performer = CheckedPerformer(pk=first[0], public_id=first[1])
        prefs = None
        if first[2] is not None:
            do_not_train, opt_outs, declined, floor_amount, floor_currency, floor_unit = first[3:9]
            floor = None
            if floor_amount is not None and floor_currency and floor_unit:
                floor = rules.Compensation(amount=Decimal(str(floor_amount)), currency=floor_currency, unit=floor_unit)
            prefs = rules.Preferences(
                do_not_train=bool(do_not_train),
                opt_out_categories=frozenset(_json(opt_outs)),
                rate_floor=floor,
                declined_uses=frozenset(_json(declined)),
            )
        grants = []
        for row in rows:
            if row[9] is None:  # the LEFT JOIN found no grant
                continue
            pk, grant_id, status = row[9:12]
            scope = _scope(row[12:_SCOPE_END])
            by_performer, by_strike = row[_SCOPE_END:]
            causes = _causes(by_performer=bool(by_performer), by_strike=bool(by_strike))
            candidate = rules.GrantCandidate(
                grant_id=grant_id, scope=scope, status=rules.live_status(status, causes), suspension_causes=causes
            )
            grants.append((pk, candidate))
        return performer, prefs, grants


# Where a grant's scope ends in a row of `_CheckSQL.by_field`: after the performer (2 columns),
# the preferences (7) and the grant's id, public id and status, then the two suspension flags.
_SCOPE_END = 12 + len(SCOPE_COLUMNS)


def _prepared(sql: str, params: list, *, alias: str) -> list[tuple]:
    """Run `sql` as a prepared statement on Django's open PostgreSQL connection to `alias`.

    Why: planning this statement costs PostgreSQL as much as running it. Django binds
    parameters client-side and never prepares; a server-binding cursor on the same connection
    prepares it once per connection and then only executes it. Execute wrappers do not see it;
    the query log (DEBUG, assertNumQueries) does.
    """
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection = connections[alias]
    started = time.monotonic()
    # What connection.cursor() does first (health check, connect), then psycopg's errors as
    # Django's, as any query raises them.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors, ServerBindingCursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        rows = cursor.fetchall()
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} -- {params!r}", "time": f"{time.monotonic() - started:.3f}"})
    return rows


@cache
def _check_sql() -> _CheckSQL:
    return _CheckSQL()


def _json(value):
    """JSON columns come back as text from both backends through a plain cursor."""
    return json.loads(value) if isinstance(value, str | bytes) else (value or [])


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


@dataclass(frozen=True)
class StrikeLiftPreview:
    """What lifting a strike would restore: its open suspensions (consents and their performers),
    and how many of those consents something else still suspends (the performer, another strike)."""

    grants: int
    performers: int
    held_otherwise: int

    @property
    def restored(self) -> int:
        return self.grants - self.held_otherwise


def strike_lift_preview(strike: Strike) -> StrikeLiftPreview:
    open_ = Suspension.objects.filter(strike=strike, ended_at__isnull=True)
    other = Suspension.objects.filter(grant_id=OuterRef("grant_id"), ended_at__isnull=True).exclude(pk=OuterRef("pk"))
    counts = open_.aggregate(
        grants=Count("grant_id", distinct=True),
        performers=Count("grant__performer_id", distinct=True),
        held=Count("grant_id", distinct=True, filter=Exists(other)),
    )
    return StrikeLiftPreview(grants=counts["grants"], performers=counts["performers"], held_otherwise=counts["held"])
