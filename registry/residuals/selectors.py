"""Reads for residuals, scoped to the caller before anything else: titles, qualification
decisions, bonus distributions, training licences, a performer's residual earnings, and the
what-if recomputation of a past year's bonuses (which writes nothing)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from registry.billing.selectors import performer_statement
from registry.consent import selectors as consent_selectors
from registry.consent.models import ConsentGrant, Signature
from registry.core.vocabulary.consent import UseType
from registry.parties.callers import Caller, visible_to
from registry.parties.models import Performer
from registry.residuals import rules
from registry.residuals.models import (
    BonusDistribution,
    BonusShare,
    CastMember,
    LicenceShare,
    Title,
    TrainingLicence,
    ViewingReport,
)

BONUS_USE = "streaming_success_bonus"
LICENCE_USE = "training_licence"


def titles_visible_to(caller: Caller) -> QuerySet[Title]:
    """Studios their own titles, staff all. Performers see what concerns them through their
    earnings, not the cast list with everyone's residual base."""
    qs = Title.objects.select_related("studio", "agreement").prefetch_related(
        Prefetch("cast", queryset=CastMember.objects.select_related("performer").order_by("id"))
    )
    return visible_to(caller, qs, studio="studio", performer=None)


def viewing_reports_visible_to(caller: Caller) -> QuerySet[ViewingReport]:
    qs = ViewingReport.objects.select_related("title", "title__studio", "distribution")
    return visible_to(caller, qs, studio="title__studio", performer=None)


def bonus_distributions_visible_to(caller: Caller) -> QuerySet[BonusDistribution]:
    """Studios their own, staff all, the performer side those that pay someone they act for."""
    qs = BonusDistribution.objects.select_related(
        "title", "title__studio", "viewing_report", "journal_entry"
    ).prefetch_related(Prefetch("shares", queryset=BonusShare.objects.select_related("performer").order_by("id")))
    return visible_to(caller, qs, studio="title__studio", performer="shares__performer").distinct()


def training_licences_visible_to(caller: Caller) -> QuerySet[TrainingLicence]:
    """Studios their own, staff all, the performer side those whose cast includes someone they
    act for."""
    qs = TrainingLicence.objects.select_related(
        "title", "title__studio", "notice_case", "journal_entry"
    ).prefetch_related(
        Prefetch(
            "shares",
            queryset=LicenceShare.objects.select_related("performer", "grant", "violation_case").order_by("id"),
        )
    )
    return visible_to(caller, qs, studio="title__studio", performer="shares__performer").distinct()


def shares_visible_to(caller: Caller, shares) -> list:
    """The shares of a distribution or licence a caller may see: all for its studio and staff,
    only the performers they act for on the performer side."""
    if caller.is_performer_side:
        allowed = caller.performer_ids()
        return [s for s in shares if s.performer_id in allowed]
    return list(shares)


# --- Titles' casts and training consent ------------------------------------------------------
def cast_of(title: Title) -> list[CastMember]:
    """The title's cast with their performers, in the order registered."""
    return list(title.cast.select_related("performer").order_by("id"))


def training_licence_recorded(*, title: Title, licensee_key: str, term_start: dt.date) -> bool:
    return TrainingLicence.objects.filter(title=title, licensee_key=licensee_key, term_start=term_start).exists()


@dataclass(frozen=True)
class TrainingGrants:
    """Each performer's training grants with a studio as they stood at a moment, and the grant
    rows by public id (what a licence share that rests on one links to)."""

    by_performer: dict[int, list[rules.TrainingGrant]]
    rows: dict[str, ConsentGrant]


def training_grants_for(*, studio_id: int, performer_ids: list[int], as_of: dt.datetime) -> TrainingGrants:
    """Each performer's training grants with this studio as they stood at `as_of`, with the texts
    of the signed description that can name a licensee. Five queries, whatever the cast size."""
    histories = consent_selectors.grant_histories(studio_id=studio_id, performer_ids=performer_ids)
    training = {
        performer_id: [h for h in found if h.grant.use == UseType.TRAINING and h.grant.activated_at <= as_of]
        for performer_id, found in histories.items()
    }
    training_grants = [h.grant for found in training.values() for h in found]
    grant_pks = [g.pk for g in training_grants]
    texts: dict[int, tuple[str, ...]] = {}
    signed = Signature.objects.filter(request__grant__pk__in=grant_pks).values_list(
        "request__grant__pk", "description_version__content"
    )
    for grant_pk, content in signed:
        texts[grant_pk] = (*content.get("intended_uses", ()), content.get("detail", "") or "")
    return TrainingGrants(
        by_performer={
            performer_id: [rules.TrainingGrant(h.candidate_at(as_of), texts.get(h.grant.pk, ())) for h in found]
            for performer_id, found in training.items()
        },
        # The rows themselves (histories carry a grant's facts, not its model): a share links to one.
        rows=ConsentGrant.objects.in_bulk([g.public_id for g in training_grants], field_name="public_id"),
    )


# --- Earnings ---------------------------------------------------------------------------------
def _month_bounds(period: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(period.replace(day=1), dt.time.min)
    following = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    end = dt.datetime.combine(following, dt.time.min)
    zone = timezone.get_current_timezone()
    return timezone.make_aware(start, zone), timezone.make_aware(end, zone)


def performer_residual_lines(performer: Performer, period: dt.date) -> list[dict]:
    """What the performer earned in the month from streaming success bonuses and AI training
    licences, one row per payment, in the order paid."""
    start, end = _month_bounds(period)
    rows: list[tuple[dt.datetime, int, dict]] = []
    bonus = (
        BonusShare.objects.filter(
            performer=performer, distribution__created_at__gte=start, distribution__created_at__lt=end
        )
        .exclude(amount=0)
        .select_related("distribution", "distribution__title", "distribution__title__studio")
    )
    for share in bonus:
        d = share.distribution
        rows.append(
            (
                d.created_at,
                share.pk,
                {
                    "document": d.public_id,
                    "studio": d.title.studio.legal_name,
                    "project": f"{d.title.name} ({d.title.production_number})",
                    "use": BONUS_USE,
                    "date": timezone.localdate(d.created_at),
                    "amount": share.amount,
                    "currency": d.currency,
                    "explanation": f"Streaming success bonus, exhibition year {d.exhibition_year}: your residual "
                    f"base {share.residual_base} of the cast's {d.fixed_residual_total}; {d.explanation}",
                },
            )
        )
    licences = (
        LicenceShare.objects.filter(performer=performer, licence__recorded_at__gte=start, licence__recorded_at__lt=end)
        .exclude(amount=0)
        .select_related("licence", "licence__title", "licence__title__studio")
    )
    for share in licences:
        lic = share.licence
        rows.append(
            (
                lic.recorded_at,
                share.pk,
                {
                    "document": lic.public_id,
                    "studio": lic.title.studio.legal_name,
                    "project": f"{lic.title.name} ({lic.title.production_number})",
                    "use": LICENCE_USE,
                    "date": timezone.localdate(lic.recorded_at),
                    "amount": share.amount,
                    "currency": lic.currency,
                    "explanation": f"AI training licence to {lic.licensee}: {lic.performer_share * 100:.2f}% of the "
                    f"fee {lic.fee} = {lic.performers_total}, pro rata to residual base "
                    f"({share.residual_base}); consent: {share.consent_basis}",
                },
            )
        )
    return [row for _, _, row in sorted(rows, key=lambda r: (r[0], r[2]["use"], r[1]))]


def performer_statement_with_residuals(performer: Performer, period: dt.date) -> dict:
    """The performer's billing statement for the period, with what they earned in the month
    from streaming success bonuses and AI training licences beside the usage lines, and the
    totals of both."""
    statement = performer_statement(performer, period)
    residuals = performer_residual_lines(performer, period)
    residual_totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in residuals:
        residual_totals[row["currency"]] += row["amount"]
    grand_totals: dict[str, Decimal] = defaultdict(Decimal, statement["totals"])
    for currency, amount in residual_totals.items():
        grand_totals[currency] += amount
    return {
        **statement,
        "residuals": residuals,
        "residual_totals": dict(residual_totals),
        "grand_totals": dict(grand_totals),
    }


# --- What-if ----------------------------------------------------------------------------------
def bonus_what_if(*, year: int, overrides: Mapping[str, Decimal] | None = None) -> rules.WhatIf:
    """Recompute the streaming success bonuses of exhibition windows that began in `year` under
    other terms (threshold, bonus share, performer share), from the stored viewing reports, and
    set them beside what was actually paid. Reads only: nothing is written, no ledger account is
    even created."""
    overrides = rules.what_if_overrides(overrides)
    return rules.bonus_what_if(year, _title_years(year), overrides)


def _title_years(year: int) -> list[rules.TitleYear]:
    """Each title's exhibition year whose window began in `year`, as stored: its reports in the
    order received, its cast and what was paid. Four queries, whatever the number of titles."""
    reports = list(
        ViewingReport.objects.filter(window_start__year=year)
        .select_related("title", "title__studio")
        .order_by("reported_at", "id")
    )
    groups: dict[tuple[int, int], list[ViewingReport]] = defaultdict(list)
    for report in reports:
        groups[(report.title_id, report.exhibition_year)].append(report)
    title_ids = {title_id for title_id, _ in groups}
    casts: dict[int, list[CastMember]] = defaultdict(list)
    for member in CastMember.objects.filter(title_id__in=title_ids).select_related("performer").order_by("id"):
        casts[member.title_id].append(member)
    people = {
        m.performer_id: rules.Person(m.performer.public_id, m.performer.display_name)
        for members in casts.values()
        for m in members
    }
    paid = {
        (d.title_id, d.exhibition_year): d
        for d in BonusDistribution.objects.filter(title_id__in=title_ids).prefetch_related(
            Prefetch("shares", queryset=BonusShare.objects.order_by("id"))
        )
    }
    out = []
    for (title_id, exhibition_year), group in groups.items():
        title = group[0].title
        distribution = paid.get((title_id, exhibition_year))
        out.append(
            rules.TitleYear(
                title=title.public_id,
                name=title.name,
                production_number=title.production_number,
                studio=title.studio.legal_name,
                currency=title.currency,
                exhibition_year=exhibition_year,
                window_start=group[0].window_start,
                reports=tuple(
                    rules.ReportedViewing(
                        report=r.public_id,
                        title=rules.TitleFacts(title.release_date, r.runtime_minutes, title.high_budget_svod),
                        viewing=rules.Viewing(r.exhibition_year, r.hours_streamed, r.domestic_subscribers),
                        terms=rules.BonusTerms.from_dict(r.terms_used),
                    )
                    for r in group
                ),
                cast=tuple(rules.CastShare(people[m.performer_id], m.residual_base) for m in casts[title_id]),
                paid=_paid_bonus(distribution, people) if distribution else None,
            )
        )
    return out


def _paid_bonus(distribution: BonusDistribution, people: Mapping[int, rules.Person]) -> rules.PaidBonus:
    return rules.PaidBonus(
        distribution=distribution.public_id,
        bonus_total=distribution.bonus_total,
        performers_total=distribution.performers_total,
        fund_amount=distribution.fund_amount,
        shares=tuple(
            rules.PerformerAmount(people[s.performer_id], s.residual_base, s.amount) for s in distribution.shares.all()
        ),
    )
