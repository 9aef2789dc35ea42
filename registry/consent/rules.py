"""The consent rules of DOMAIN.md section 2, as pure functions over plain data.

No ORM import: services turn rows into these dataclasses, call the rules, and act on the
answers; the words rules and models share are the vocabularies of registry.core.vocabulary.
Every refusal is a `RuleViolation` naming the field, a stable code and the rule in words, so
the API can return it as a problem-details field error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from registry.core.people import is_minor_on
from registry.core.vocabulary.consent import (
    LIVE_GRANT_STATUSES,
    REPLICA_USES,
    AlterationExemption,
    CheckReasonCode,
    CompensationUnit,
    ContentCategory,
    GrantStatus,
    Medium,
    PreferenceConflictCode,
    ProjectKind,
    ReplicaSource,
    SensitiveFlag,
    SignerRole,
    SuspensionCause,
    UseType,
)

# Flags a minor's replica may never carry (rule 2.9).
ADULT_AGE = 18
MINOR_REFUSED_FLAGS = frozenset({SensitiveFlag.NUDITY, SensitiveFlag.SEXUAL_CONTENT})
ALTERATION_EXEMPTIONS = frozenset(AlterationExemption)
# The territory code that covers every territory.
WORLDWIDE = "WW"

# Words that describe everything and therefore nothing (DOMAIN.md 2.2 and 2.3).
_VAGUE_PHRASES = frozenset(
    {
        "any",
        "all",
        "anything",
        "everything",
        "any use",
        "any uses",
        "all uses",
        "any and all uses",
        "any purpose",
        "all purposes",
        "any and all purposes",
        "as needed",
        "as required",
        "tbd",
        "tba",
        "to be determined",
        "various",
        "misc",
        "miscellaneous",
        "n/a",
        "na",
        "none",
        "other",
        "general",
        "unspecified",
        "future projects",
        "all projects",
        "any project",
        "any projects",
        "all future projects",
        "all productions",
        "any production",
        "multiple projects",
        "multiple",
        "*",
    }
)
_BLANKET_PROJECT_PATTERN = re.compile(
    r"\b(all|any|every|future|multiple|various|other)\s+(projects?|productions?|titles?|pictures?|"
    r"films?|series|games?|commercials?|spots?|works?)\b",
    re.IGNORECASE,
)
MIN_SPECIFIC_LENGTH = 10
MIN_BUSINESS_REASON_LENGTH = 15


@dataclass(frozen=True)
class RuleViolation:
    field: str
    code: str
    message: str


# --- Facts the rules read ---------------------------------------------------------------------
@dataclass(frozen=True)
class AgreementTerms:
    code: str
    effective_from: dt.date
    effective_to: dt.date | None
    currency: str = "USD"
    performer_may_revoke: bool = True
    performer_may_suspend: bool = True
    max_licence_years_adult: int = 10
    max_licence_years_minor: int = 5
    scan_notice_hours: int = 48
    scan_requires_business_reason: bool = True
    union_consents_for_deceased: bool = True
    commercial_preconsent_same_advertiser: bool = False
    replica_from_footage_allowed: bool = False

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True)
class PerformerFacts:
    date_of_birth: dt.date
    date_of_death: dt.date | None = None
    has_estate_representative: bool = False
    # Rule 2.8: staff recorded a diligent search for an estate (the union may then consent).
    estate_search_on_record: bool = False
    # Their personal data was erased at their request (registry.privacy); what is left is a
    # pseudonym, and the date of birth a placeholder.
    erased: bool = False

    @property
    def is_deceased(self) -> bool:
        return self.date_of_death is not None

    def is_minor_on(self, day: dt.date) -> bool:
        return is_minor_on(self.date_of_birth, day, self.date_of_death)

    def is_minor_during(self, start: dt.date, end: dt.date) -> bool:
        """A minor on any day of the period: i.e. on its first day."""
        return self.is_minor_on(start)


@dataclass(frozen=True)
class Project:
    kind: ProjectKind
    title: str
    production_number: str
    advertiser: str = ""
    product_line: str = ""

    def identity(self) -> tuple[str, str]:
        return (self.kind, _norm(self.production_number))

    def advertiser_line(self) -> tuple[str, str]:
        return (_norm(self.advertiser), _norm(self.product_line))


@dataclass(frozen=True)
class Description:
    """The reasonably specific description a performer consents to (DOMAIN.md 2.2)."""

    role_or_scenes: str
    intended_uses: tuple[str, ...]
    media: tuple[Medium, ...]
    territory: tuple[str, ...]
    term_start: dt.date
    term_end: dt.date
    sensitive_content: tuple[SensitiveFlag, ...] = ()
    content_categories: tuple[ContentCategory, ...] = ()
    realtime_generation: bool | None = None
    depicts_minor: bool = False
    future_spots: bool = False
    detail: str = ""
    # Rule 2.9: the age the replica shows the performer at, when not their own (aging, de-aging).
    depicted_age: int | None = None
    # Rule 2.8: the consent ends at the performer's death (never passes to the estate).
    lifetime_only: bool = False

    @property
    def shows_a_minor(self) -> bool:
        """The replica depicts a minor: said outright, or by the age it is shown at."""
        return self.depicts_minor or (self.depicted_age is not None and self.depicted_age < ADULT_AGE)


@dataclass(frozen=True)
class Compensation:
    amount: Decimal
    currency: str
    unit: CompensationUnit
    estimated_days: Decimal | None = None
    negotiated_per_use: bool = False


@dataclass(frozen=True)
class RequestFacts:
    use: UseType
    project: Project
    description: Description
    compensation: Compensation
    requested_at: dt.datetime
    scan_at: dt.datetime | None = None
    engaged_at: dt.datetime | None = None
    business_reason: str = ""
    replica_origin: str = ""
    replica_source: ReplicaSource = ReplicaSource.SCAN_SESSION
    footage_from: dt.date | None = None
    footage_to: dt.date | None = None


@dataclass(frozen=True)
class Preferences:
    do_not_train: bool = False
    opt_out_categories: frozenset[ContentCategory] = frozenset()
    rate_floor: Compensation | None = None
    declined_uses: frozenset[UseType] = frozenset()


# --- Helpers ----------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


# Contract boilerplate that grants everything, wherever it appears in a sentence:
# "any and all uses now known or hereafter devised", "all uses in all media throughout the universe".
_BLANKET_USE_PATTERN = re.compile(
    r"\b(any|all)\s+(and\s+all\s+)?(uses?|purposes?|media)\b|\bhereafter\s+(devised|known)\b"
    r"|\bthroughout\s+the\s+universe\b|\bin\s+perpetuity\b",
    re.IGNORECASE,
)


def is_vague(text: str) -> bool:
    cleaned = _norm(text).strip(" .!-")
    return (
        len(cleaned) < MIN_SPECIFIC_LENGTH or cleaned in _VAGUE_PHRASES or bool(_BLANKET_USE_PATTERN.search(cleaned))
    )


def is_blanket_project(project: Project) -> bool:
    title, number = _norm(project.title), _norm(project.production_number)
    if title in _VAGUE_PHRASES or number in _VAGUE_PHRASES:
        return True
    if any(sep in project.production_number for sep in (",", ";", "*")):
        return True
    return bool(_BLANKET_PROJECT_PATTERN.search(project.title))


# --- Request rules ----------------------------------------------------------------------------
def description_violations(use: UseType, project: Project, d: Description) -> list[RuleViolation]:
    """Rule 2.2: every field of the description is present and specific."""
    out: list[RuleViolation] = []
    if is_vague(d.role_or_scenes):
        out.append(
            RuleViolation(
                "description.role_or_scenes",
                "vague_description",
                "Describe the role or the scenes specifically (at least 10 characters, not 'any'/'all'/'TBD').",
            )
        )
    if not d.intended_uses:
        out.append(
            RuleViolation(
                "description.intended_uses",
                "vague_description",
                "List at least one intended use.",
            )
        )
    for i, intended in enumerate(d.intended_uses):
        if is_vague(intended):
            out.append(
                RuleViolation(
                    f"description.intended_uses.{i}",
                    "vague_description",
                    f"The intended use {intended!r} is too vague; say what the replica will do, where.",
                )
            )
    if not d.media:
        out.append(
            RuleViolation(
                "description.media",
                "vague_description",
                "Name the media and platforms.",
            )
        )
    if not d.territory:
        out.append(
            RuleViolation(
                "description.territory",
                "vague_description",
                "Name the territory.",
            )
        )
    if d.term_end < d.term_start:
        out.append(
            RuleViolation(
                "description.term_end",
                "term_reversed",
                "The term must end on or after it starts.",
            )
        )
    if project.kind == ProjectKind.GAME and d.realtime_generation is None:
        out.append(
            RuleViolation(
                "description.realtime_generation",
                "realtime_flag_required",
                "For a game, state whether real-time generation is used.",
            )
        )
    if use == UseType.REALTIME_GENERATION and d.realtime_generation is False:
        out.append(
            RuleViolation(
                "description.realtime_generation",
                "realtime_flag_contradicts_use",
                "A real-time generation request must set realtime_generation to true.",
            )
        )
    return out


def project_violations(project: Project, d: Description, terms: AgreementTerms) -> list[RuleViolation]:
    """Rule 2.3: one project; commercials may pre-consent future spots of the same line."""
    out: list[RuleViolation] = []
    if is_blanket_project(project):
        out.append(
            RuleViolation(
                "project",
                "blanket_scope",
                "Consent is scoped to one project; another project needs a new consent at the time of use.",
            )
        )
    if project.kind == ProjectKind.COMMERCIAL:
        if not project.advertiser.strip():
            out.append(
                RuleViolation(
                    "project.advertiser",
                    "required",
                    "A commercial names its advertiser.",
                )
            )
        if not project.product_line.strip():
            out.append(
                RuleViolation(
                    "project.product_line",
                    "required",
                    "A commercial names its product line.",
                )
            )
    if d.future_spots:
        if project.kind != ProjectKind.COMMERCIAL:
            out.append(
                RuleViolation(
                    "description.future_spots",
                    "blanket_scope",
                    "Only commercials may pre-consent future spots.",
                )
            )
        elif not terms.commercial_preconsent_same_advertiser:
            out.append(
                RuleViolation(
                    "description.future_spots",
                    "not_allowed_by_agreement",
                    f"Agreement {terms.code} does not allow pre-consent to future spots.",
                )
            )
    return out


def term_violations(
    d: Description, performer: PerformerFacts, terms: AgreementTerms, today: dt.date
) -> list[RuleViolation]:
    """Rule 2.13: the licence term is capped (adults and minors differ)."""
    out: list[RuleViolation] = []
    if d.term_start < today:
        out.append(
            RuleViolation(
                "description.term_start",
                "term_in_past",
                "Consent must predate use: the term cannot start before today.",
            )
        )
    minor = performer.is_minor_during(d.term_start, d.term_end)
    years = terms.max_licence_years_minor if minor else terms.max_licence_years_adult
    if d.term_end > add_years(d.term_start, years):
        who = "a minor" if minor else "an adult"
        out.append(
            RuleViolation(
                "description.term_end",
                "term_too_long",
                f"Agreement {terms.code} caps a licence for {who} at {years} years "
                f"(until {add_years(d.term_start, years).isoformat()}).",
            )
        )
    return out


def minor_violations(d: Description, performer: PerformerFacts) -> list[RuleViolation]:
    """Rule 2.9: no sexual or nude depiction of a minor's replica, including by (de-)aging; a
    replica shown at another age says so (the aging flag), so the age is never left to a box."""
    if d.depicted_age is not None and SensitiveFlag.AGING not in d.sensitive_content:
        unflagged = RuleViolation(
            "description.sensitive_content",
            "aging_not_flagged",
            "A replica shown at another age than the performer's own is flagged 'aging'.",
        )
        flagged = replace(d, sensitive_content=(*d.sensitive_content, SensitiveFlag.AGING))
        return [unflagged, *minor_violations(flagged, performer)]
    flagged = MINOR_REFUSED_FLAGS.intersection(d.sensitive_content)
    if not flagged:
        return []
    if performer.is_minor_during(d.term_start, d.term_end) or d.shows_a_minor:
        return [
            RuleViolation(
                "description.sensitive_content",
                "minor_sensitive_content",
                "Sexual or nude depiction of a minor's replica (including by aging or de-aging) is refused.",
            )
        ]
    return []


def scan_violations(req: RequestFacts, terms: AgreementTerms) -> list[RuleViolation]:
    """Rule 2.6: 48 hours' notice (or notice at engagement) and a business reason."""
    if req.use != UseType.REPLICA_CREATION:
        return []
    if req.replica_source == ReplicaSource.PRODUCTION_FOOTAGE:
        return footage_violations(req, terms)
    out: list[RuleViolation] = []
    if req.scan_at is None:
        return [RuleViolation("scan_at", "required", "A scan request gives the scan time.")]
    notice = dt.timedelta(hours=terms.scan_notice_hours)
    hired_late = req.engaged_at is not None and req.engaged_at > req.scan_at - notice
    if req.requested_at >= req.scan_at:
        out.append(
            RuleViolation("scan_at", "scan_notice_too_short", "The scan time has passed: notice must precede it.")
        )
    elif hired_late:
        # Hired inside the notice window: notice is due at engagement, not 48 hours ahead.
        if req.requested_at.date() > req.engaged_at.date():
            out.append(
                RuleViolation(
                    "scan_at",
                    "scan_notice_too_short",
                    "The performer was engaged inside the notice window, so notice was due at engagement.",
                )
            )
    elif req.scan_at - req.requested_at < notice:
        out.append(
            RuleViolation(
                "scan_at",
                "scan_notice_too_short",
                f"A scan needs at least {terms.scan_notice_hours} hours' notice.",
            )
        )
    reason = " ".join(req.business_reason.split())
    if terms.scan_requires_business_reason and len(reason) < MIN_BUSINESS_REASON_LENGTH:
        out.append(
            RuleViolation(
                "business_reason",
                "business_reason_required",
                f"Agreement {terms.code} requires an articulable business reason for a scan.",
            )
        )
    return out


def replica_origin_violations(use: str, origin: str) -> list[RuleViolation]:
    """A replica's origin (EBDR or ICDR) is a fact of the replica, signed with its use
    (DOMAIN.md 1, 3.1-3.3); other uses have no replica to describe."""
    if origin and use not in REPLICA_USES:
        return [
            RuleViolation(
                "replica_origin",
                "not_a_replica_use",
                "Only a replica use (replica use, voice replica, real-time generation) states a replica origin.",
            )
        ]
    return []


def footage_violations(req: RequestFacts, terms: AgreementTerms) -> list[RuleViolation]:
    """Rule 2.6 and DOMAIN.md section 1 (EBDR): a replica from footage shot on the job, where the
    agreement allows it, states the footage's dates; no scan, so no scan notice."""
    if not terms.replica_from_footage_allowed:
        return [
            RuleViolation(
                "replica_source",
                "footage_not_allowed",
                f"Agreement {terms.code} does not allow replicas made from production footage; schedule a scan.",
            )
        ]
    out: list[RuleViolation] = []
    if req.footage_from is None or req.footage_to is None:
        out.append(
            RuleViolation(
                "footage_from", "required", "Give the dates the footage was shot (footage_from, footage_to)."
            )
        )
    elif req.footage_to < req.footage_from:
        out.append(RuleViolation("footage_to", "dates_reversed", "The footage cannot end before it starts."))
    elif req.footage_to > req.requested_at.date():
        out.append(RuleViolation("footage_to", "footage_not_shot", "The footage must already have been shot."))
    if req.scan_at is not None:
        out.append(RuleViolation("scan_at", "not_a_scan", "A replica from production footage has no scan time."))
    reason = " ".join(req.business_reason.split())
    if terms.scan_requires_business_reason and len(reason) < MIN_BUSINESS_REASON_LENGTH:
        out.append(
            RuleViolation(
                "business_reason",
                "business_reason_required",
                f"Agreement {terms.code} requires an articulable business reason for a replica.",
            )
        )
    return out


def compensation_violations(c: Compensation, terms: AgreementTerms) -> list[RuleViolation]:
    out: list[RuleViolation] = []
    if c.negotiated_per_use and c.unit in {CompensationUnit.FLAT, CompensationUnit.REVENUE_SHARE}:
        out.append(
            RuleViolation(
                "compensation.negotiated_per_use",
                "not_negotiable_per_use",
                "A price negotiated per use states a minimum per unit (day, session, use, run), not a flat fee "
                "or a revenue share.",
            )
        )
    if c.amount <= 0:
        out.append(RuleViolation("compensation.amount", "not_positive", "Propose a positive amount."))
    if c.currency != terms.currency:
        out.append(
            RuleViolation(
                "compensation.currency",
                "wrong_currency",
                f"Agreement {terms.code} pays in {terms.currency}.",
            )
        )
    if c.estimated_days is not None and c.estimated_days <= 0:
        out.append(
            RuleViolation(
                "compensation.estimated_days",
                "not_positive",
                "The day estimate must be positive.",
            )
        )
    return out


def request_violations(
    req: RequestFacts, performer: PerformerFacts, terms: AgreementTerms, today: dt.date
) -> list[RuleViolation]:
    """Everything that refuses a consent request before the performer ever sees it."""
    if performer.erased:
        # Alone: the other rules would read the placeholder date of birth.
        return [
            RuleViolation(
                "performer",
                "performer_erased",
                "This performer's personal data was erased at their request: the registry takes no new "
                "consent requests for them.",
            )
        ]
    out: list[RuleViolation] = []
    if not terms.in_force_on(today):
        out.append(
            RuleViolation(
                "agreement",
                "agreement_not_in_force",
                f"Agreement {terms.code} is not in force on {today.isoformat()}.",
            )
        )
    if performer.is_deceased and not performer.has_estate_representative and not terms.union_consents_for_deceased:
        out.append(
            RuleViolation(
                "performer",
                "no_one_can_consent",
                "The performer is deceased, no estate is on record and the agreement does not let the union consent.",
            )
        )
    out += description_violations(req.use, req.project, req.description)
    out += project_violations(req.project, req.description, terms)
    out += term_violations(req.description, performer, terms, today)
    out += minor_violations(req.description, performer)
    if req.description.lifetime_only and performer.is_deceased:
        out.append(
            RuleViolation(
                "description.lifetime_only",
                "performer_deceased",
                "The performer has died: a consent limited to their lifetime cannot be given.",
            )
        )
    out += scan_violations(req, terms)
    out += compensation_violations(req.compensation, terms)
    out += replica_origin_violations(req.use, req.replica_origin)
    return out


# --- Standing preferences ---------------------------------------------------------------------
@dataclass(frozen=True)
class PreferenceConflict:
    code: PreferenceConflictCode
    message: str


def preference_conflicts(
    prefs: Preferences, use: UseType, d: Description, c: Compensation | None
) -> list[PreferenceConflict]:
    """Rule: a request that conflicts with standing preferences is declined automatically."""
    out: list[PreferenceConflict] = []
    if prefs.do_not_train and use == UseType.TRAINING:
        out.append(
            PreferenceConflict(PreferenceConflictCode.DO_NOT_TRAIN, "The performer does not consent to training use.")
        )
    if use in prefs.declined_uses:
        out.append(
            PreferenceConflict(
                PreferenceConflictCode.DECLINES_USE_TYPE,
                f"The performer declines every {use.replace('_', ' ')} request.",
            )
        )
    categories = set(d.content_categories)
    if SensitiveFlag.SEXUAL_CONTENT in d.sensitive_content:
        categories.add(ContentCategory.SEXUAL_CONTENT)
    opted = sorted(categories & prefs.opt_out_categories)
    if opted:
        out.append(
            PreferenceConflict(
                PreferenceConflictCode.OPTED_OUT_CATEGORY,
                f"The performer has opted out of: {', '.join(opted)}.",
            )
        )
    floor = prefs.rate_floor
    # Only like can be compared with like: a day-rate floor says nothing about a flat fee.
    comparable = floor is not None and c is not None and floor.currency == c.currency and floor.unit == c.unit
    if comparable and c.amount < floor.amount:
        out.append(
            PreferenceConflict(
                PreferenceConflictCode.BELOW_RATE_FLOOR,
                f"The proposed {c.amount} {c.currency} per {c.unit} is below the performer's floor of {floor.amount}.",
            )
        )
    return out


# --- Signing ----------------------------------------------------------------------------------
def allowed_signer_roles(performer: PerformerFacts, on: dt.date) -> frozenset[SignerRole]:
    """Who may sign for this performer on this day (rules 2.1, 2.8, 2.9)."""
    if performer.is_deceased:
        roles = {SignerRole.ESTATE}
        if not performer.has_estate_representative and performer.estate_search_on_record:
            roles.add(SignerRole.UNION)
        return frozenset(roles)
    if performer.is_minor_on(on):
        return frozenset({SignerRole.GUARDIAN})
    return frozenset({SignerRole.PERFORMER, SignerRole.REPRESENTATIVE})


# --- Scope matching for checks and usage ------------------------------------------------------
@dataclass(frozen=True)
class GrantScope:
    use: UseType
    project: Project
    term_start: dt.date
    term_end: dt.date
    media: tuple[Medium, ...]
    territory: tuple[str, ...]
    future_spots: bool = False
    # The rest of the signed description a use is held to (rule 2.4: the whole description).
    role_or_scenes: str = ""
    intended_uses: tuple[str, ...] = ()
    sensitive_content: tuple[SensitiveFlag, ...] = ()
    realtime_generation: bool | None = None


@dataclass(frozen=True)
class UseQuery:
    """What a use is, as a check or a usage line states it. The API requires media and
    territory (rule 2.4); role and intended use are compared when stated; sensitive content and
    real-time generation always are (none stated: the use has none)."""

    use: UseType
    project: Project
    on: dt.date
    media: tuple[Medium, ...] = ()
    territory: tuple[str, ...] = ()
    role: str = ""
    intended_use: str = ""
    sensitive_content: tuple[SensitiveFlag, ...] = ()
    realtime_generation: bool = False


@dataclass(frozen=True)
class ScopeMismatch:
    code: CheckReasonCode  # outside_scope, not_yet_in_term, expired
    field: str | None
    message: str


def project_covered(scope: GrantScope, project: Project) -> bool:
    if scope.project.identity() == project.identity():
        return True
    # Rule 2.3: a commercial consent may cover later spots of the same advertiser and line.
    return (
        scope.future_spots
        and scope.project.kind == ProjectKind.COMMERCIAL
        and project.kind == ProjectKind.COMMERCIAL
        and scope.project.advertiser_line() == project.advertiser_line()
    )


def territory_covered(granted: Iterable[str], asked: Iterable[str]) -> bool:
    granted_set = {t.upper() for t in granted}
    if WORLDWIDE in granted_set:
        return True
    return {t.upper() for t in asked} <= granted_set


def scope_mismatches(scope: GrantScope, q: UseQuery) -> list[ScopeMismatch]:
    """Rule 2.4: what about this use falls outside the grant (empty list = covered)."""
    out: list[ScopeMismatch] = []
    if scope.use != q.use:
        out.append(ScopeMismatch(CheckReasonCode.OUTSIDE_SCOPE, "use", f"The grant covers {scope.use}, not {q.use}."))
    if not project_covered(scope, q.project):
        out.append(
            ScopeMismatch(
                CheckReasonCode.OUTSIDE_SCOPE,
                "project",
                "The grant covers another project; a new consent is needed.",
            )
        )
    if q.on < scope.term_start:
        out.append(
            ScopeMismatch(
                CheckReasonCode.NOT_YET_IN_TERM,
                "date",
                f"The grant's term starts on {scope.term_start.isoformat()}.",
            )
        )
    elif q.on > scope.term_end:
        out.append(
            ScopeMismatch(CheckReasonCode.EXPIRED, "date", f"The grant's term ended on {scope.term_end.isoformat()}.")
        )
    extra_media = sorted(set(q.media) - set(scope.media))
    if extra_media:
        out.append(
            ScopeMismatch(CheckReasonCode.OUTSIDE_SCOPE, "media", f"Not covered media: {', '.join(extra_media)}.")
        )
    if q.territory and not territory_covered(scope.territory, q.territory):
        missing = sorted({t.upper() for t in q.territory} - {t.upper() for t in scope.territory})
        out.append(
            ScopeMismatch(CheckReasonCode.OUTSIDE_SCOPE, "territory", f"Not covered territory: {', '.join(missing)}.")
        )
    out.extend(description_mismatches(scope, q))
    return out


def role_covered(granted: str, asked: str) -> bool:
    """The role (or scenes) stated for a use must appear in the signed role or scenes text, case
    and spacing ignored: "Mara Quinn" is within "Detective Mara Quinn, scenes 12-18"."""
    asked_norm = _norm(asked)
    return bool(asked_norm) and asked_norm in _norm(granted)


def intended_use_covered(granted: Iterable[str], asked: str) -> bool:
    """The intended use stated for a use must be one of the signed intended uses, in the
    request's own words (case and spacing ignored)."""
    return _norm(asked) in {_norm(u) for u in granted}


def description_mismatches(scope: GrantScope, q: UseQuery) -> list[ScopeMismatch]:
    """Rule 2.4 beyond use, project, term, media and territory: the role or scenes, the intended
    use, sensitive content and real-time generation of the signed description."""
    out: list[ScopeMismatch] = []
    if q.role and not role_covered(scope.role_or_scenes, q.role):
        out.append(
            ScopeMismatch(
                CheckReasonCode.OUTSIDE_SCOPE, "role", "The grant's description does not cover this role or scene."
            )
        )
    if q.intended_use and not intended_use_covered(scope.intended_uses, q.intended_use):
        out.append(
            ScopeMismatch(
                CheckReasonCode.OUTSIDE_SCOPE,
                "intended_use",
                "This intended use is not one the grant's description lists.",
            )
        )
    extra_flags = sorted(set(q.sensitive_content) - set(scope.sensitive_content))
    if extra_flags:
        out.append(
            ScopeMismatch(
                CheckReasonCode.OUTSIDE_SCOPE,
                "sensitive_content",
                f"Sensitive content the performer did not consent to: {', '.join(extra_flags)}.",
            )
        )
    if q.realtime_generation and not realtime_covered(scope):
        out.append(
            ScopeMismatch(
                CheckReasonCode.OUTSIDE_SCOPE,
                "realtime_generation",
                "The grant does not cover real-time generation.",
            )
        )
    return out


def realtime_covered(scope: GrantScope) -> bool:
    return scope.realtime_generation is True or scope.use == UseType.REALTIME_GENERATION


def alteration_exempt(use: UseType, claimed: str | None) -> bool:
    """Rule 2.7: a digital alteration in an exempt category needs no consent."""
    return use == UseType.DIGITAL_ALTERATION and claimed in ALTERATION_EXEMPTIONS


@dataclass(frozen=True)
class ExemptionClaim:
    """Rule 2.7: a studio's claim that a digital alteration needs no consent. `allowed` is the
    agreement's list of exempt categories (agreement data); `struck` says a strike against the
    studio under that agreement is in force at the time of use."""

    category: str
    allowed: frozenset[str] = ALTERATION_EXEMPTIONS
    struck: bool = False


def exemption_blockers(
    q: UseQuery, claim: ExemptionClaim, candidates: Iterable[GrantCandidate]
) -> list[CheckReason] | None:
    """Why this exemption claim does not stand (empty: it stands); None when it does not apply
    (not a digital alteration). An exemption never overrides a strike, nor a consent to this
    project that the performer revoked or suspended."""
    if q.use != UseType.DIGITAL_ALTERATION:
        return None
    if claim.category not in claim.allowed:
        return [
            CheckReason(
                CheckReasonCode.EXEMPTION_NOT_ALLOWED,
                "alteration_exemption",
                f"The agreement does not list {claim.category} as an exempt alteration.",
            )
        ]
    out: list[CheckReason] = []
    if claim.struck:
        out.append(
            CheckReason(
                CheckReasonCode.SUSPENDED_BY_STRIKE,
                "alteration_exemption",
                "No exemption holds while a strike against the studio lasts.",
            )
        )
    for cand in candidates:
        if not project_covered(cand.scope, q.project):
            continue
        if cand.status in (GrantStatus.REVOKED, GrantStatus.SUSPENDED):
            out.extend(_status_reasons(cand))
    return _dedupe(out)


# --- Grant status over time -------------------------------------------------------------------
@dataclass(frozen=True)
class StatusChange:
    at: dt.datetime
    status: GrantStatus


@dataclass(frozen=True)
class SuspensionSpan:
    cause: SuspensionCause
    started_at: dt.datetime
    ended_at: dt.datetime | None = None

    def open_at(self, t: dt.datetime) -> bool:
        return self.started_at <= t and (self.ended_at is None or t < self.ended_at)


def status_as_of(changes: Iterable[StatusChange], t: dt.datetime) -> GrantStatus | None:
    """The status in force at `t`: the last change at or before it (None: not yet granted)."""
    current = None
    for change in sorted(changes, key=lambda c: c.at):
        if change.at <= t:
            current = change.status
        else:
            break
    return current


def suspension_causes_at(spans: Iterable[SuspensionSpan], t: dt.datetime) -> list[SuspensionCause]:
    return sorted({s.cause for s in spans if s.open_at(t)})


def live_status(status: GrantStatus | None, suspension_causes: Iterable[SuspensionCause]) -> GrantStatus | None:
    """What a check weighs: a live grant is suspended exactly while a cause holds it (the
    performer's own suspension, or a strike in force against its studio), whatever its stored
    status says. A strike's job writes the stored status after the strike takes effect, and a
    lift's job restores it after the lift: checks do not wait for either."""
    if status not in LIVE_GRANT_STATUSES:
        return status
    return GrantStatus.SUSPENDED if tuple(suspension_causes) else GrantStatus.ACTIVE


@dataclass(frozen=True)
class GrantCandidate:
    """One grant version as it stood: what a check weighs."""

    grant_id: str
    scope: GrantScope
    status: GrantStatus | None
    suspension_causes: tuple[SuspensionCause, ...] = ()


@dataclass(frozen=True)
class CheckReason:
    code: CheckReasonCode
    field: str | None
    message: str
    grant_id: str | None = None


@dataclass(frozen=True)
class CheckOutcome:
    allowed: bool
    grant_id: str | None
    reasons: tuple[CheckReason, ...] = field(default_factory=tuple)
    exemption: str | None = None


def decide_check(
    q: UseQuery,
    candidates: Iterable[GrantCandidate],
    prefs: Preferences | None,
    claim: ExemptionClaim | None = None,
) -> CheckOutcome:
    """Is this use covered? An exemption that stands (rule 2.7) answers yes; else the first
    covering active grant wins; otherwise every reason."""
    candidates = list(candidates)
    reasons: list[CheckReason] = []
    if claim is not None:
        blockers = exemption_blockers(q, claim, candidates)
        if blockers == []:
            return CheckOutcome(allowed=True, grant_id=None, exemption=claim.category)
        if blockers and any(b.code != CheckReasonCode.EXEMPTION_NOT_ALLOWED for b in blockers):
            # A strike, or a consent the performer withdrew: no grant answers otherwise.
            return CheckOutcome(allowed=False, grant_id=None, reasons=tuple(blockers))
        reasons.extend(blockers or ())
    for cand in candidates:
        mismatches = scope_mismatches(cand.scope, q)
        if cand.status is None:
            continue  # not granted yet at that time
        if not mismatches and cand.status == GrantStatus.ACTIVE:
            return CheckOutcome(allowed=True, grant_id=cand.grant_id)
        if cand.status == GrantStatus.SUPERSEDED:
            continue  # its successor answers for it
        for m in mismatches:
            reasons.append(CheckReason(m.code, m.field, m.message, cand.grant_id))
        if not mismatches or all(m.code == CheckReasonCode.OUTSIDE_SCOPE for m in mismatches):
            reasons.extend(_status_reasons(cand))
    if not any(r.code != CheckReasonCode.EXEMPTION_NOT_ALLOWED for r in reasons):
        reasons.append(
            CheckReason(CheckReasonCode.NO_GRANT, None, "No consent from this performer covers this use.", None)
        )
        if prefs is not None:
            for conflict in preference_conflicts(prefs, q.use, _EMPTY_DESCRIPTION, None):
                reasons.append(CheckReason(CheckReasonCode.PREFERENCE, conflict.code, conflict.message, None))
    return CheckOutcome(allowed=False, grant_id=None, reasons=tuple(_dedupe(reasons)))


def _status_reasons(cand: GrantCandidate) -> list[CheckReason]:
    if cand.status == GrantStatus.REVOKED:
        return [CheckReason(CheckReasonCode.REVOKED, None, "The performer revoked this consent.", cand.grant_id)]
    if cand.status == GrantStatus.EXPIRED:
        return [CheckReason(CheckReasonCode.EXPIRED, None, "This consent has expired.", cand.grant_id)]
    if cand.status == GrantStatus.SUSPENDED:
        out = []
        if SuspensionCause.STRIKE in cand.suspension_causes:
            out.append(
                CheckReason(
                    CheckReasonCode.SUSPENDED_BY_STRIKE,
                    None,
                    "Suspended while a strike against the studio lasts.",
                    cand.grant_id,
                )
            )
        if SuspensionCause.PERFORMER in cand.suspension_causes or not cand.suspension_causes:
            out.append(
                CheckReason(
                    CheckReasonCode.SUSPENDED_BY_PERFORMER,
                    None,
                    "The performer suspended this consent.",
                    cand.grant_id,
                )
            )
        return out
    return []


def _dedupe(reasons: list[CheckReason]) -> list[CheckReason]:
    seen, out = set(), []
    for r in reasons:
        key = (r.code, r.field, r.grant_id)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


_EMPTY_DESCRIPTION = Description(
    role_or_scenes="",
    intended_uses=(),
    media=(),
    territory=(),
    term_start=dt.date.min,
    term_end=dt.date.min,
)
