"""What makes a usage report's line well formed, and how a refusal or a violation is named.
Pure: no ORM import. The service looks the references up (registry.usage.selectors
report_references), asks these rules line by line, and writes what they decide."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from registry.consent import rules as consent_rules
from registry.core.errors import FieldProblem
from registry.core.vocabulary.consent import UseType
from registry.core.vocabulary.usage import UsageKind, UsageUnit, ViolationCode

MAX_LINES = 10_000

# The consent each kind of use relies on (DOMAIN.md 2.5: separate scopes).
CONSENT_FOR_KIND = {
    UsageKind.SCAN_SESSION: UseType.REPLICA_CREATION,
    UsageKind.REPLICA_USE: UseType.REPLICA_USE,
    UsageKind.VOICE_REPLICA_USE: UseType.VOICE_REPLICA,
    UsageKind.DIGITAL_ALTERATION: UseType.DIGITAL_ALTERATION,
    UsageKind.REALTIME_GENERATION: UseType.REALTIME_GENERATION,
    UsageKind.TRAINING_USE: UseType.TRAINING,
}
SYNTHETIC_KINDS = frozenset({UsageKind.SYNTHETIC_STANDIN, UsageKind.SYNTHETIC_VOICE_TRACK})
UNITS_FOR_KIND = {
    UsageKind.SCAN_SESSION: {UsageUnit.SESSIONS, UsageUnit.DAYS},
    UsageKind.REPLICA_USE: {UsageUnit.DAYS, UsageUnit.USES},
    UsageKind.VOICE_REPLICA_USE: {UsageUnit.DAYS, UsageUnit.USES},
    UsageKind.DIGITAL_ALTERATION: {UsageUnit.DAYS, UsageUnit.SESSIONS},
    UsageKind.REALTIME_GENERATION: {UsageUnit.DAYS, UsageUnit.SESSIONS},
    UsageKind.TRAINING_USE: {UsageUnit.RUNS, UsageUnit.DAYS},
    UsageKind.SYNTHETIC_STANDIN: {UsageUnit.DAYS, UsageUnit.SESSIONS},
    UsageKind.SYNTHETIC_VOICE_TRACK: {UsageUnit.TRACKS},
    UsageKind.STREAMING_VIEWS: {UsageUnit.HOURS_VIEWED},
}


@dataclass(frozen=True)
class LineInput:
    line_ref: str
    kind: str
    project: consent_rules.Project
    use_date: dt.date
    units: Decimal
    unit: str
    grant_ref: str | None = None
    performer_ref: str | None = None
    synthetic_ref: str | None = None
    agreement_code: str | None = None
    role_category: str = ""
    estimated_days: Decimal | None = None
    negotiated_amount: Decimal | None = None
    currency: str | None = None
    media: tuple[str, ...] = ()
    territory: tuple[str, ...] = ()
    alteration_exemption: str | None = None
    exemption_justification: str = ""
    justification: str = ""
    # What the use is beyond media and territory (rule 2.4), compared with the signed description.
    role: str = ""
    intended_use: str = ""
    sensitive_content: tuple[str, ...] = ()
    realtime_generation: bool = False
    # Lines of one report with the same shape differ in nothing but their id: the parser numbers
    # the distinct ones (parse_report_json), and the service judges, prices and writes a shape
    # once however many lines repeat it. None: a line of its own (built another way).
    shape: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class References:
    """What a report's lines name, looked up in one go: the studio's line ids already stored,
    its grants, the performers, its synthetic performers and the agreements, by reference, and
    the agreements the studio signed. Values are whatever the service reads (rows); the rules
    only ask the few attributes named below."""

    stored_line_refs: frozenset[str]
    grants: Mapping[str, Any]  # .performer, .agreement
    performers: Mapping[str, Any]
    synthetics: Mapping[str, Any]
    agreements: Mapping[str, Any]  # .pk, .code, .currency
    signed_agreement_ids: frozenset[int]


@dataclass(frozen=True)
class LineReferences:
    """What one well-formed line refers to."""

    agreement: Any
    grant: Any = None
    performer: Any = None
    synthetic: Any = None


@dataclass(frozen=True)
class Violation:
    """Why a stored line is not covered by consent, and whose consent it lacked."""

    performer: Any
    code: str
    message: str


def problem(index: int, name: str, code: str, message: str) -> FieldProblem:
    return FieldProblem(f"lines.{index}.{name}" if name else f"lines.{index}", code, message)


def report_size_problems(lines: Sequence[LineInput]) -> list[FieldProblem]:
    """What refuses the report before any line is read: no line, or too many."""
    if not lines:
        return [FieldProblem("lines", "required", "Report at least one line.")]
    if len(lines) > MAX_LINES:
        return [FieldProblem("lines", "too_many_lines", f"{len(lines):,} lines; at most {MAX_LINES:,} per report.")]
    return []


def duplicate_line_problems(lines: Sequence[LineInput]) -> list[FieldProblem]:
    """A line id used twice in the report: each later use, naming the first."""
    problems, seen = [], {}
    for i, line in enumerate(lines):
        if line.line_ref in seen:
            problems.append(
                problem(
                    i,
                    "line_id",
                    "duplicate_line_id",
                    f"Line id {line.line_ref!r} also appears at line {seen[line.line_ref]}.",
                )
            )
        seen.setdefault(line.line_ref, i)
    return problems


def line_problems(i: int, line: LineInput, refs: References) -> tuple[list[FieldProblem], LineReferences | None]:
    """Every reason line `i` is malformed, or what it refers to when it is well formed."""
    problems: list[FieldProblem] = []
    if line.line_ref in refs.stored_line_refs:
        problems.append(
            problem(
                i, "line_id", "line_id_reused", f"Line id {line.line_ref!r} was reported before; retract it instead."
            )
        )
    if line.unit not in UNITS_FOR_KIND[line.kind]:
        allowed = ", ".join(sorted(UNITS_FOR_KIND[line.kind]))
        problems.append(problem(i, "unit", "unit_not_allowed", f"A {line.kind} line counts {allowed}."))
    if line.units <= 0:
        problems.append(problem(i, "units", "not_positive", "Units must be positive."))
    grant = performer = synthetic = agreement = None
    if line.grant_ref:
        # Only the studio's own grants were looked up: another studio's grant id reads exactly as
        # an id that does not exist, so a report cannot probe which ids exist.
        grant = refs.grants.get(line.grant_ref)
        if grant is None:
            problems.append(
                problem(i, "grant", "unknown_grant", f"None of your grants has the id {line.grant_ref!r}.")
            )
        else:
            performer, agreement = grant.performer, grant.agreement
    if line.performer_ref and performer is None:
        performer = refs.performers.get(line.performer_ref)
        if performer is None:
            problems.append(problem(i, "performer", "unknown_performer", "No performer has this id or member number."))
    if line.kind in CONSENT_FOR_KIND and grant is None and performer is None and not line.grant_ref:
        problems.append(
            problem(
                i,
                "grant",
                "grant_or_performer_required",
                "A use of a performer names the grant it relies on (or at least the performer).",
            )
        )
    if line.kind in SYNTHETIC_KINDS:
        synthetic = refs.synthetics.get(line.synthetic_ref or "")
        if synthetic is None:
            problems.append(
                problem(
                    i,
                    "synthetic_performer",
                    "unknown_synthetic_performer",
                    "Register the synthetic performer first; none of yours has this id.",
                )
            )
        if line.kind == UsageKind.SYNTHETIC_STANDIN and not line.role_category:
            problems.append(
                problem(i, "role_category", "required", "Name the union role the synthetic performer stands in for.")
            )
    if agreement is None and not line.grant_ref:
        agreement = refs.agreements.get(line.agreement_code or "")
        if agreement is None:
            problems.append(
                problem(
                    i,
                    "agreement",
                    "unknown_agreement" if line.agreement_code else "required",
                    "Name the agreement the use falls under (its code).",
                )
            )
    if agreement is not None and agreement.pk not in refs.signed_agreement_ids:
        problems.append(
            problem(i, "agreement", "studio_not_signatory", f"You are not a signatory to agreement {agreement.code}.")
        )
    if agreement is not None and line.currency and line.currency != agreement.currency:
        problems.append(
            problem(i, "currency", "wrong_currency", f"Agreement {agreement.code} pays in {agreement.currency}.")
        )
    if line.kind in CONSENT_FOR_KIND and line.kind != UsageKind.SCAN_SESSION:
        # Rule 2.4: a use of a performer says where and in what media it is shown (a scan session
        # makes the replica and shows nothing: its media and territory are compared when given).
        if not line.media:
            problems.append(problem(i, "media", "required", "State the media of the use (rule 2.4)."))
        if not line.territory:
            problems.append(problem(i, "territory", "required", "State the territory of the use, or WW (rule 2.4)."))
    if line.alteration_exemption:
        # DOMAIN.md 2.7: a claim names its category and says why; only an alteration can claim one.
        if line.kind != UsageKind.DIGITAL_ALTERATION:
            problems.append(
                problem(
                    i,
                    "alteration_exemption",
                    "not_an_alteration",
                    "Only a digital_alteration line can claim an alteration exemption.",
                )
            )
        if not line.exemption_justification:
            problems.append(
                problem(
                    i,
                    "exemption_justification",
                    "required",
                    "Say briefly why the alteration is exempt (it is reviewed by the union).",
                )
            )
    if line.negotiated_amount is not None and line.negotiated_amount <= 0:
        problems.append(problem(i, "negotiated_amount", "not_positive", "The amount must be positive."))
    if problems:
        return problems, None
    return [], LineReferences(agreement=agreement, grant=grant, performer=performer, synthetic=synthetic)


def norm_production(project: consent_rules.Project) -> str:
    return " ".join(project.production_number.split()).casefold()


def notice_violations(notice: Any, use_date: dt.date, name: str) -> list[Violation]:
    """Rule 2.12: a synthetic performer's use against the notice its studio filed for the project
    (None: never filed; the after-the-fact notice case covers that). `notice` has `.filed_at`,
    `.bargaining_ends_on` and `.agreement.synthetic_use_waits_for_bargaining`."""
    if notice is None:
        return []
    if use_date < notice.filed_at.date():
        return [
            Violation(
                None,
                ViolationCode.SYNTHETIC_BEFORE_NOTICE,
                f"{name} was used on {use_date.isoformat()}, before its notice was filed on "
                f"{notice.filed_at.date().isoformat()}.",
            )
        ]
    if notice.agreement.synthetic_use_waits_for_bargaining and use_date < notice.bargaining_ends_on:
        return [
            Violation(
                None,
                ViolationCode.SYNTHETIC_DURING_BARGAINING,
                f"{name} was used on {use_date.isoformat()}, before the bargaining window ends on "
                f"{notice.bargaining_ends_on.isoformat()}.",
            )
        ]
    return []
