"""Writes for usage: reports of use (validated against consent as it stood on each use date),
retractions, and synthetic performers.

A report is taken whole or not at all: any malformed line refuses it with line-by-line
errors and nothing is stored. Lines that are well formed but not covered by valid consent are
stored as violations, each with a case for union staff; they are never billed as normal use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.chain import canonical_json
from registry.audit.services import audit_record
from registry.cases.models import Case
from registry.cases.services import case_open
from registry.consent import rules
from registry.consent import selectors as consent_selectors
from registry.consent.models import ConsentGrant
from registry.core.actors import Actor
from registry.core.bulk import copy_insert
from registry.core.errors import FieldProblem, RuleViolationError, StateConflictError, problems_summary
from registry.core.problems import ProblemType
from registry.core.vocabulary.cases import CaseKind, CaseStatus
from registry.core.vocabulary.consent import CheckReasonCode, UseType
from registry.core.vocabulary.usage import ExemptionReview, LineStatus, UsageKind, ViolationCode
from registry.parties.locks import lock_studio
from registry.parties.models import Performer, Studio
from registry.terms import pricing
from registry.terms.models import Agreement
from registry.terms.selectors import PriceBook
from registry.usage import rules as usage_rules
from registry.usage import selectors
from registry.usage.models import (
    FeatureBorrowing,
    Retraction,
    SyntheticNotice,
    SyntheticPerformer,
    UsageLine,
    UsageLineKey,
    UsageReport,
)
from registry.usage.rules import CONSENT_FOR_KIND, SYNTHETIC_KINDS, LineInput
from registry.webhooks import events as webhook_events


class UsageRejectedError(RuleViolationError):
    """The report is refused as a whole; nothing from it is stored."""

    slug = ProblemType.USAGE_REPORT_REJECTED


# Which units make sense for each kind of line.
@dataclass
class _Resolved:
    """A well-formed line, what it refers to, and what judging it against consent decided."""

    given: LineInput
    agreement: Agreement
    grant: ConsentGrant | None = None
    performer: Performer | None = None
    synthetic: SyntheticPerformer | None = None
    status: str = LineStatus.ACCEPTED
    covering_grant_id: str | None = None
    violations: list[usage_rules.Violation] = field(default_factory=list)
    notice: SyntheticNotice | None = None


def _resolve(studio: Studio, lines: Sequence[LineInput], *, look_up_reused_ids: bool = True) -> list[_Resolved]:
    """Every line's references, or the report refused with each line's problems. Without
    `look_up_reused_ids`, a line id the studio reported before is not looked for: storing finds it."""
    problems = usage_rules.report_size_problems(lines)
    if problems:
        raise UsageRejectedError(problems_summary(problems), problems=problems)
    problems = usage_rules.duplicate_line_problems(lines)
    refs = selectors.report_references(studio, list(lines), stored_line_refs=look_up_reused_ids)
    resolved: list[_Resolved] = []
    # A well-formed shape's references serve each line repeating it, unless its id was reported
    # before (then the line is asked in full, to name that).
    found_by_shape: dict[int, usage_rules.LineReferences] = {}
    for i, line in enumerate(lines):
        found = found_by_shape.get(line.shape) if line.shape is not None else None
        if found is None or line.line_ref in refs.stored_line_refs:
            line_problems, found = usage_rules.line_problems(i, line, refs)
            problems += line_problems
            if found is not None and line.shape is not None:
                found_by_shape[line.shape] = found
        if found is not None:
            resolved.append(
                _Resolved(
                    given=line,
                    agreement=found.agreement,
                    grant=found.grant,
                    performer=found.performer,
                    synthetic=found.synthetic,
                )
            )
    if problems:
        raise UsageRejectedError(problems_summary(problems), problems=problems)
    return resolved


def _judge(studio: Studio, resolved: list[_Resolved], now: dt.datetime) -> None:
    """Decide each line against consent as it stood on its use date (never as it stands now)."""
    borrowings: dict[int, list[FeatureBorrowing]] = defaultdict(list)
    synthetic_ids = {r.synthetic.pk for r in resolved if r.synthetic}
    for b in FeatureBorrowing.objects.filter(synthetic_performer_id__in=synthetic_ids).select_related("performer"):
        borrowings[b.synthetic_performer_id].append(b)
    performer_ids = {r.performer.pk for r in resolved if r.performer} | {
        b.performer_id for bs in borrowings.values() for b in bs
    }
    histories = consent_selectors.grant_histories(studio_id=studio.pk, performer_ids=sorted(performer_ids))
    notices = selectors.synthetic_notices_by_project(synthetic_ids)

    # Lines of a report share performers and dates: build each (pool, moment) candidate list once.
    candidate_cache: dict[tuple, list[rules.GrantCandidate]] = {}

    def candidates(performer_id: int, lineage: str | None, as_of: dt.datetime) -> list[rules.GrantCandidate]:
        key = (performer_id, lineage, as_of)
        if key not in candidate_cache:
            pool = histories.get(performer_id, [])
            if lineage is not None:
                pool = [h for h in pool if h.grant.lineage_id == lineage]
            candidate_cache[key] = consent_selectors.candidates_as_of(pool, as_of)
        return candidate_cache[key]

    # A report's lines share few dates; the moment each answers for is worked out once a date.
    as_of_by_date: dict[dt.date, dt.datetime] = {}
    decisions: dict[tuple, tuple] = {}
    struck_cache: dict[tuple, bool] = {}
    # A line repeating a judged line's shape (all but its id) is judged as that line was.
    judged: dict[int, _Resolved] = {}

    for r in resolved:
        line = r.given
        if line.shape is not None:
            same = judged.get(line.shape)
            if same is not None:
                r.status, r.covering_grant_id, r.notice = same.status, same.covering_grant_id, same.notice
                r.violations = list(same.violations)
                continue
            judged[line.shape] = r
        as_of = as_of_by_date.get(line.use_date)
        if as_of is None:
            as_of = as_of_by_date[line.use_date] = consent_selectors.as_of_moment(line.use_date, now)
        if line.kind in CONSENT_FOR_KIND:
            # A line relying on a grant is answered by that grant's lineage (an amendment's versions).
            lineage = r.grant.lineage_id if r.grant is not None else None
            claim = _claim(studio, r, as_of, struck_cache)
            # The check is a pure function of the use (what the query below is made of), the
            # candidates and the claim: lines with the same facts (most of a report) are decided once.
            key = (
                r.performer.pk,
                lineage,
                as_of,
                line.kind,
                line.project,
                line.use_date,
                line.media,
                line.territory,
                line.role,
                line.intended_use,
                line.sensitive_content,
                line.realtime_generation,
                claim,
            )
            decision = decisions.get(key)
            if decision is None:
                query = rules.UseQuery(
                    use=CONSENT_FOR_KIND[line.kind],
                    project=line.project,
                    on=line.use_date,
                    media=line.media,
                    territory=line.territory,
                    role=line.role,
                    intended_use=line.intended_use,
                    sensitive_content=line.sensitive_content,
                    realtime_generation=line.realtime_generation,
                )
                outcome = rules.decide_check(query, candidates(r.performer.pk, lineage, as_of), None, claim)
                decision = decisions[key] = _decision(outcome)
            status, covering_grant_id, violation = decision
            if status == LineStatus.EXEMPT:
                r.status = LineStatus.EXEMPT  # rule 2.7: kept, not billed, reviewed by the union
            elif status == LineStatus.ACCEPTED:
                r.covering_grant_id = covering_grant_id
            else:
                code, detail = violation
                r.violations.append(usage_rules.Violation(r.performer, code, detail))
        elif line.kind in SYNTHETIC_KINDS:
            if line.kind == UsageKind.SYNTHETIC_STANDIN:
                r.notice = notices.get((r.synthetic.pk, usage_rules.norm_production(line.project)))
                r.violations.extend(usage_rules.notice_violations(r.notice, line.use_date, r.synthetic.name))
            # Rule 2.12: each real performer whose feature it borrows must have consented.
            for b in borrowings.get(r.synthetic.pk, []):
                query = rules.UseQuery(use=UseType.SYNTHETIC_FEATURE, project=line.project, on=line.use_date)
                outcome = rules.decide_check(query, candidates(b.performer_id, None, as_of), None)
                if not outcome.allowed:
                    r.violations.append(
                        usage_rules.Violation(
                            b.performer,
                            "no_feature_consent",
                            f"{r.synthetic.name} borrows the {b.feature} of a performer whose "
                            f"feature-borrowing consent does not cover this use: "
                            f"{outcome.reasons[0].message}"[:500],
                        )
                    )
        if r.violations:
            r.status = LineStatus.VIOLATION


def _refuse_unpriceable(resolved: list[_Resolved], signed: dict[str, dict]) -> None:
    """Price every covered line now, as billing will (DOMAIN.md 3 and 6): a line that cannot be
    priced (no rule or rate for its kind, role and date, an amount below what the performer
    signed) refuses the report, naming the line, what is missing and who must add it, instead
    of being accepted and never billed. Lines with identical facts are priced once (a report's
    lines share kinds, dates and grants), so ten thousand lines cost a few hundred ratings."""
    book = PriceBook()
    seen: dict[tuple, pricing.RatingError | None] = {}
    problems: list[FieldProblem] = []
    # The facts are a function of these (the terms come with the covering grant), or of the
    # line's shape: lines repeating them are answered without building their facts again.
    by_inputs: dict[object, pricing.RatingError | None] = {}
    for i, r in enumerate(resolved):
        if r.status != LineStatus.ACCEPTED or r.given.kind not in pricing.RATERS:
            continue
        line = r.given
        inputs = (
            line.shape
            if line.shape is not None
            else (
                r.agreement.pk,
                line.kind,
                line.use_date,
                line.units,
                line.role_category,
                line.estimated_days,
                line.negotiated_amount,
                r.covering_grant_id,
            )
        )
        if inputs in by_inputs:
            error = by_inputs[inputs]
            if error is not None:
                problems.append(_unpriceable(i, line, error))
            continue
        terms = signed.get(r.covering_grant_id or "", {})
        facts = pricing.line_facts(
            kind=line.kind,
            use_date=line.use_date,
            units=line.units,
            role_category=line.role_category,
            estimated_days=line.estimated_days,
            stated_amount=line.negotiated_amount,
            compensation_amount=terms.get("request__compensation_amount"),
            compensation_unit=terms.get("request__compensation_unit", ""),
            negotiated_per_use=terms.get("request__compensation_negotiated_per_use", False),
            replica_origin=terms.get("request__replica_origin", ""),
        )
        key = (r.agreement.pk, facts)
        if key not in seen:
            seen[key] = None
            try:
                in_force = book.in_force(r.agreement.pk, line.use_date)
                pricing.rate_line(facts, in_force.pricing.terms, in_force.pricing.scale)
            except pricing.RatingError as exc:
                seen[key] = exc
        error = by_inputs[inputs] = seen[key]
        if error is not None:
            problems.append(_unpriceable(i, line, error))
    if problems:
        raise UsageRejectedError(problems_summary(problems), problems=problems)


def _unpriceable(i: int, line: LineInput, error: pricing.RatingError) -> FieldProblem:
    return FieldProblem(
        f"lines.{i}",
        error.code,
        f"Line {line.line_ref!r} ({line.kind}, {line.use_date.isoformat()}) cannot be priced: {error}",
    )


def _decision(outcome: rules.CheckOutcome) -> tuple[str, str | None, tuple[str, str] | None]:
    """What a check's outcome makes of a line: (status, covering grant, (code, detail) of the
    violation)."""
    if outcome.exemption:
        return LineStatus.EXEMPT, None, None
    if outcome.allowed:
        return LineStatus.ACCEPTED, outcome.grant_id, None
    reasons = _most_relevant_first(outcome.reasons)
    # The case names each dimension the use fell outside of (rule 2.4).
    detail = "; ".join(_reason_text(x) for x in reasons)[:500]
    return LineStatus.VIOLATION, None, (reasons[0].code, detail)


def _claim(
    studio: Studio, r: _Resolved, as_of: dt.datetime, struck_cache: dict[tuple, bool]
) -> rules.ExemptionClaim | None:
    """Rule 2.7: the line's exemption claim, weighed against its agreement's exempt categories
    and any strike against the studio under that agreement at the time of use (asked once per
    agreement and moment in a report)."""
    category = r.given.alteration_exemption
    if not category:
        return None
    key = (r.agreement.pk, as_of)
    struck = struck_cache.get(key)
    if struck is None:
        struck = struck_cache[key] = (
            consent_selectors.strikes_in_force(as_of).filter(agreement_id=r.agreement.pk, studios=studio.pk).exists()
        )
    return rules.ExemptionClaim(category=category, allowed=frozenset(r.agreement.alteration_exemptions), struck=struck)


def _reason_text(reason: rules.CheckReason) -> str:
    if reason.code == CheckReasonCode.OUTSIDE_SCOPE and reason.field:
        return f"Outside scope ({reason.field}): {reason.message}"
    return reason.message


def _most_relevant_first(reasons: tuple[rules.CheckReason, ...]) -> list[rules.CheckReason]:
    """The reason a case is filed under: what happened to a grant for this use (revoked,
    suspended, expired) before another grant's scope not matching. The sort is stable."""
    return sorted(reasons, key=lambda r: r.code == CheckReasonCode.OUTSIDE_SCOPE)


def report_fingerprint(body: dict) -> str:
    """SHA-256 of the body's canonical JSON (registry/usage/parsing.py computes the same from the
    typed body). A lone surrogate can only be in a field the report does not read (the read
    ones refuse it): it is hashed as its UTF-8-style bytes instead of failing the request."""
    return hashlib.sha256(canonical_json(body, errors="surrogatepass")).hexdigest()


def usage_report_submit(
    *,
    studio: Studio,
    report_ref: str,
    lines: Sequence[LineInput],
    fingerprint: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> tuple[UsageReport, bool]:
    """Store a report; returns (report, created). The same report id with the same body returns
    the stored report (created False); with another body it is refused.

    The lines are resolved, judged and priced before the studio's lock is taken, from what is
    committed, so a studio's reports (a pipeline sends several at once) are judged side by side;
    only storing them waits its turn. Storing is one report of a studio at a time: a retry
    racing its original replays instead of colliding, line ids are the studio's once, and a
    billing run reads the studio's lines by id under the same lock (billing.billable.reading)."""
    now = now or timezone.now()
    stored = _stored_report(studio, report_ref, fingerprint)
    if stored is not None:
        return stored, False  # a resent report is answered without judging it again
    # Line ids reported before are not looked up for a report that is stored (a probe per line
    # that is a tenth of its database time): storing the ids meets the key table's primary key.
    # A refused report looks them up, so that its refusal is the one it always was: a reused
    # line id is named with the lines' other problems, before pricing is tried.
    try:
        resolved = _resolve(studio, lines, look_up_reused_ids=False)
        _judge(studio, resolved, now)
        covering = {r.covering_grant_id for r in resolved if r.covering_grant_id}
        signed = selectors.covering_grant_terms(covering)
        _refuse_unpriceable(resolved, signed)
    except UsageRejectedError:
        _resolve(studio, lines)
        raise
    grant_pks = {public_id: row["pk"] for public_id, row in signed.items()}
    with transaction.atomic():
        lock_studio(studio.pk)
        stored = _stored_report(studio, report_ref, fingerprint)  # its original, stored while this one was judged
        if stored is not None:
            return stored, False
        report = UsageReport.objects.create(
            studio=studio,
            report_ref=report_ref,
            fingerprint=fingerprint,
            received_at=now,
            line_count=len(resolved),
            accepted_count=sum(r.status == LineStatus.ACCEPTED for r in resolved),
            violation_count=sum(r.status == LineStatus.VIOLATION for r in resolved),
        )
        ids = _store_lines(studio, lines, _lines_values(report, studio, resolved, grant_pks))
        # Cases are opened with the performers and grants themselves (the lines were judged
        # from plain values), read in one query each for the lines that open cases.
        performers, grants = selectors.report_parties(
            {v.performer.pk for r in resolved for v in r.violations if v.performer is not None},
            {r.grant.pk for r in resolved if r.violations and r.grant is not None},
        )
        cases = []
        for r in resolved:
            for violation in r.violations:
                cases.append(
                    case_open(
                        actor=Actor.system("usage validation"),
                        now=now,
                        kind=CaseKind.VIOLATION,
                        studio=studio,
                        performer=performers[violation.performer.pk] if violation.performer is not None else None,
                        usage_line_id=ids[r.given.line_ref],
                        usage_line_use_date=r.given.use_date,
                        grant=grants[r.grant.pk] if r.grant is not None else None,
                        synthetic_performer=r.synthetic,
                        production_number=r.given.project.production_number,
                        reason_code=violation.code,
                        summary=(
                            f"Line {r.given.line_ref} ({r.given.kind}, {r.given.use_date.isoformat()}): "
                            f"{violation.message}"
                        ),
                    ).public_id
                )
            if r.given.kind == UsageKind.SYNTHETIC_STANDIN:
                _synthetic_notice(studio, r, ids[r.given.line_ref], now)
        audit_record(
            actor=actor,
            action=AuditAction.USAGE_REPORT_RECEIVED,
            subject_type=AuditSubject.USAGE_REPORT,
            subject_id=report.public_id,
            studio_id=studio.public_id,
            data={
                "report_ref": report_ref,
                "fingerprint": fingerprint,
                "lines": report.line_count,
                "accepted": report.accepted_count,
                "violations": report.violation_count,
                "cases": cases,
            },
        )
        webhook_events.usage_report_processed(report)
    return report, True


def _stored_report(studio: Studio, report_ref: str, fingerprint: str) -> UsageReport | None:
    """The studio's report of this id if it was stored with this body; refused with another."""
    existing = UsageReport.objects.filter(studio=studio, report_ref=report_ref).first()
    if existing is not None and existing.fingerprint != fingerprint:
        raise StateConflictError(
            f"Report id {report_ref!r} was already used for a different report; use a new id.",
            report=existing.public_id,
        )
    return existing


def _store_lines(studio: Studio, lines: Sequence[LineInput], values: list[dict]) -> dict[str, int]:
    """Insert the lines (COPY on PostgreSQL); return the ids of those that cases or notices point
    to, by line ref. Their ids first: a line id the studio reported before (in an earlier
    report, or in one stored while this one was judged) meets the key table's primary key, and
    the report is refused naming each such line, nothing of it kept."""
    try:
        with transaction.atomic():
            copy_insert(UsageLineKey, ({"studio_id": v["studio_id"], "line_ref": v["line_ref"]} for v in values))
    except IntegrityError:
        _resolve(studio, lines)  # raises UsageRejectedError: those lines are now stored
        raise
    copy_insert(UsageLine, values)
    wanted = [v["line_ref"] for v in values if v["status"] == LineStatus.VIOLATION or v["kind"] in SYNTHETIC_KINDS]
    if not wanted:
        return {}
    found = UsageLine.objects.filter(report_id=values[0]["report_id"], line_ref__in=wanted)
    return {line_ref: pk for pk, line_ref in found.values_list("pk", "line_ref")}


def _lines_values(
    report: UsageReport, studio: Studio, resolved: list[_Resolved], grant_pks: dict[str, int]
) -> list[dict]:
    """The lines' rows: a shape's row is built once, and each line repeating it is that row with
    its own id."""
    rows: list[dict] = []
    by_shape: dict[int, dict] = {}
    for r in resolved:
        shape = r.given.shape
        if shape is None:
            rows.append(_line_values(report, studio, r, grant_pks))
            continue
        row = by_shape.get(shape)
        if row is None:
            row = by_shape[shape] = _line_values(report, studio, r, grant_pks)
            rows.append(row)
        else:
            rows.append({**row, "line_ref": r.given.line_ref})
    return rows


def _line_values(report: UsageReport, studio: Studio, r: _Resolved, grant_pks: dict[str, int]) -> dict:
    line = r.given
    first = r.violations[0] if r.violations else usage_rules.Violation(None, "", "")
    return {
        "report_id": report.pk,
        "studio_id": studio.pk,
        "line_ref": line.line_ref,
        "kind": line.kind,
        "status": r.status,
        "grant_id": r.grant.pk if r.grant else None,
        "covering_grant_id": grant_pks.get(r.covering_grant_id or ""),
        "performer_id": r.performer.pk if r.performer else None,
        "synthetic_performer_id": r.synthetic.pk if r.synthetic else None,
        "agreement_id": r.agreement.pk,
        "project_kind": line.project.kind,
        "project_title": line.project.title,
        "production_number": line.project.production_number,
        "use_date": line.use_date,
        "units": line.units,
        "unit": line.unit,
        "role_category": line.role_category,
        "estimated_days": line.estimated_days,
        "negotiated_amount": line.negotiated_amount,
        "currency": line.currency or r.agreement.currency,
        "media": list(line.media),
        "territory": list(line.territory),
        "alteration_exemption": line.alteration_exemption or "",
        "exemption_justification": line.exemption_justification,
        "exemption_review": "",
        "exemption_reviewed_at": None,
        "exemption_reviewed_by": "",
        "role": line.role,
        "intended_use": line.intended_use,
        "sensitive_content": list(line.sensitive_content),
        "realtime_generation": line.realtime_generation,
        "violation_code": first.code,
        "violation_detail": first.message,
        "retracted_at": None,
        "retraction_reason": "",
        "unrateable_reason": "",
        "unrateable_since": None,
    }


def _synthetic_notice(studio: Studio, r: _Resolved, usage_line_id: int, now: dt.datetime) -> None:
    """A synthetic performer in a union role opens one notice-and-bargaining case per project:
    after the fact, when the studio never filed notice before use (rule 2.12)."""
    if r.notice is not None:
        return  # the notice filed before use opened its own case
    open_case = (
        Case.objects.filter(
            kind=CaseKind.SYNTHETIC_NOTICE,
            studio=studio,
            synthetic_performer=r.synthetic,
            production_number=r.given.project.production_number,
        )
        .exclude(status=CaseStatus.RESOLVED)
        .first()
    )
    if open_case is not None:
        return
    case_open(
        actor=Actor.system("usage validation"),
        now=now,
        kind=CaseKind.SYNTHETIC_NOTICE,
        studio=studio,
        synthetic_performer=r.synthetic,
        usage_line_id=usage_line_id,
        usage_line_use_date=r.given.use_date,
        production_number=r.given.project.production_number,
        reason_code="synthetic_in_union_role",
        justification=r.given.justification,
        summary=(
            f"{r.synthetic.name} stands in for a {r.given.role_category.replace('_', ' ')} in "
            f"{r.given.project.title} ({r.given.project.production_number}) from {r.given.use_date.isoformat()}."
        ),
    )


def usage_line_retract(*, line: UsageLine, reason: str, actor: Actor, now: dt.datetime | None = None) -> UsageLine:
    """A line reported by error is marked retracted (never deleted); billing credits it if billed."""
    if not (reason or "").strip():
        raise RuleViolationError(
            "Say why the line is retracted.",
            problems=[FieldProblem("reason", "required", "Give the reason for the retraction.")],
        )
    with transaction.atomic():
        # The studio first, as a billing run and a report take it: a run reads the studio's
        # retractions under this lock, so none is written while it reads (see Retraction).
        lock_studio(line.studio_id)
        line = UsageLine.objects.select_for_update(of=("self",)).select_related("studio").get(pk=line.pk)
        if line.status == LineStatus.RETRACTED:
            raise StateConflictError(f"Line {line.line_ref} was already retracted.")
        previous = line.status
        line.status = LineStatus.RETRACTED
        line.retracted_at = now or timezone.now()
        line.retraction_reason = reason.strip()[:500]
        line.save(update_fields=["status", "retracted_at", "retraction_reason"])
        Retraction.objects.create(
            studio_id=line.studio_id, usage_line=line, usage_line_use_date=line.use_date, at=line.retracted_at
        )
        audit_record(
            actor=actor,
            action=AuditAction.USAGE_LINE_RETRACTED,
            subject_type=AuditSubject.USAGE_LINE,
            subject_id=line.line_ref,
            studio_id=line.studio.public_id,
            performer_id=line.performer.public_id if line.performer_id else None,
            data={"report": line.report_id, "previous_status": previous, "reason": line.retraction_reason},
        )
    return line


def _exemption_under_review(line: UsageLine) -> UsageLine:
    line = UsageLine.objects.select_for_update(of=("self",)).select_related("studio", "performer").get(pk=line.pk)
    if line.status != LineStatus.EXEMPT or line.exemption_review:
        raise StateConflictError(f"Line {line.line_ref} has no exemption claim awaiting review.")
    return line


def _audit_review(line: UsageLine, actor: Actor, action: AuditAction, data: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject_type=AuditSubject.USAGE_LINE,
        subject_id=line.line_ref,
        studio_id=line.studio.public_id,
        performer_id=line.performer.public_id if line.performer_id else None,
        data={"report": line.report_id, "exemption": line.alteration_exemption, **data},
    )


def exemption_claim_uphold(*, line: UsageLine, actor: Actor, now: dt.datetime | None = None) -> UsageLine:
    """DOMAIN.md 2.7: union staff agree the alteration needed no consent; the line stays exempt
    (kept for the record, never billed)."""
    with transaction.atomic():
        line = _exemption_under_review(line)
        line.exemption_review = ExemptionReview.UPHELD
        line.exemption_reviewed_at = now or timezone.now()
        line.exemption_reviewed_by = actor.name
        line.save(update_fields=["exemption_review", "exemption_reviewed_at", "exemption_reviewed_by"])
        _audit_review(line, actor, AuditAction.EXEMPTION_UPHELD, {})
    return line


def exemption_claim_reject(
    *, line: UsageLine, reason: str, actor: Actor, now: dt.datetime | None = None
) -> tuple[UsageLine, Case]:
    """DOMAIN.md 2.7: union staff reject the claim; the use was not consented, so the line becomes
    a violation with a case, as any use outside consent does."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolationError(
            "Say why the exemption is rejected.",
            problems=[FieldProblem("reason", "required", "Give the reason for rejecting the exemption.")],
        )
    now = now or timezone.now()
    with transaction.atomic():
        line = _exemption_under_review(line)
        line.status = LineStatus.VIOLATION
        line.exemption_review = ExemptionReview.REJECTED
        line.exemption_reviewed_at = now
        line.exemption_reviewed_by = actor.name
        line.violation_code = ViolationCode.EXEMPTION_REJECTED
        line.violation_detail = f"The {line.alteration_exemption} exemption was rejected: {reason}"[:500]
        line.save(
            update_fields=[
                "status",
                "exemption_review",
                "exemption_reviewed_at",
                "exemption_reviewed_by",
                "violation_code",
                "violation_detail",
            ]
        )
        case = case_open(
            actor=actor,
            now=now,
            kind=CaseKind.VIOLATION,
            studio=line.studio,
            performer=line.performer,
            usage_line_id=line.pk,
            usage_line_use_date=line.use_date,
            grant=line.grant,
            production_number=line.production_number,
            reason_code=ViolationCode.EXEMPTION_REJECTED,
            summary=f"Line {line.line_ref} ({line.kind}, {line.use_date.isoformat()}): {line.violation_detail}"[:500],
        )
        _audit_review(line, actor, AuditAction.EXEMPTION_REJECTED, {"reason": reason[:500], "case": case.public_id})
    return line, case


@dataclass(frozen=True)
class NewSyntheticNotice:
    studio: Studio
    synthetic: SyntheticPerformer
    agreement: Agreement
    project: rules.Project
    role_category: str
    role: str
    starts_on: dt.date
    ends_on: dt.date
    justification: str
    borrows_real_features: bool


def synthetic_notice_file(*, new: NewSyntheticNotice, actor: Actor, now: dt.datetime | None = None) -> SyntheticNotice:
    """Rule 2.12: notice, before first use, of a synthetic performer in a role a union performer
    could have played. Opens the union's notice-and-bargaining case; the bargaining window is the
    agreement's (days from filing)."""
    now = now or timezone.now()
    problems = _notice_problems(new, now)
    if problems:
        raise RuleViolationError(problems_summary(problems), problems=problems)
    with transaction.atomic():
        lock_studio(new.studio.pk)
        if SyntheticNotice.objects.filter(
            synthetic_performer=new.synthetic, production_number=new.project.production_number
        ).exists():
            raise StateConflictError(
                f"Notice for {new.synthetic.name} in {new.project.production_number} was already filed."
            )
        filed_on = timezone.localdate(now)
        notice = SyntheticNotice.objects.create(
            studio=new.studio,
            synthetic_performer=new.synthetic,
            agreement=new.agreement,
            project_kind=new.project.kind,
            project_title=new.project.title,
            production_number=new.project.production_number,
            role_category=new.role_category,
            role=new.role,
            starts_on=new.starts_on,
            ends_on=new.ends_on,
            justification=new.justification,
            borrows_real_features=new.borrows_real_features,
            filed_at=now,
            bargaining_ends_on=filed_on + dt.timedelta(days=new.agreement.synthetic_bargaining_days),
        )
        notice.case = case_open(
            actor=actor,
            now=now,
            kind=CaseKind.SYNTHETIC_NOTICE,
            studio=new.studio,
            synthetic_performer=new.synthetic,
            production_number=new.project.production_number,
            reason_code=ViolationCode.SYNTHETIC_NOTICE_FILED,
            justification=new.justification,
            summary=(
                f"{new.synthetic.name} will play {new.role} (a {new.role_category.replace('_', ' ')} role) in "
                f"{new.project.title} ({new.project.production_number}) from {new.starts_on.isoformat()} to "
                f"{new.ends_on.isoformat()}; bargaining until {notice.bargaining_ends_on.isoformat()}"
                f"{'; it borrows a real performer' + chr(39) + 's feature' if new.borrows_real_features else ''}."
            ),
        )
        notice.save(update_fields=["case"])
        audit_record(
            actor=actor,
            action=AuditAction.SYNTHETIC_NOTICE_FILED,
            subject_type=AuditSubject.SYNTHETIC_PERFORMER,
            subject_id=new.synthetic.public_id,
            studio_id=new.studio.public_id,
            data={
                "notice": notice.public_id,
                "agreement": new.agreement.code,
                "production_number": notice.production_number,
                "role": notice.role,
                "starts_on": notice.starts_on,
                "ends_on": notice.ends_on,
                "bargaining_ends_on": notice.bargaining_ends_on,
                "borrows_real_features": notice.borrows_real_features,
                "case": notice.case.public_id,
            },
        )
    return notice


def _notice_problems(new: NewSyntheticNotice, now: dt.datetime) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not new.studio.agreements.filter(pk=new.agreement.pk).exists():
        problems.append(
            FieldProblem("agreement", "studio_not_signatory", f"You are not a signatory to {new.agreement.code}.")
        )
    if new.ends_on < new.starts_on:
        problems.append(FieldProblem("ends_on", "dates_reversed", "The last use must be on or after the first."))
    if new.starts_on < timezone.localdate(now):
        problems.append(
            FieldProblem("starts_on", "not_before_use", "Notice comes before first use: the first use cannot be past.")
        )
    if new.agreement.synthetic_notice_justification_required and len(new.justification.strip()) < 15:
        problems.append(
            FieldProblem(
                "justification",
                "required",
                f"{new.agreement.code} requires a justification of the significant additional value "
                "(at least 15 characters).",
            )
        )
    borrows = FeatureBorrowing.objects.filter(synthetic_performer=new.synthetic).exists()
    if borrows and not new.borrows_real_features:
        problems.append(
            FieldProblem(
                "borrows_real_features",
                "contradicts_registration",
                f"{new.synthetic.name} was registered as borrowing a real performer's feature.",
            )
        )
    return problems


def synthetic_performer_register(
    *,
    studio: Studio,
    name: str,
    description: str,
    borrowings: Sequence[tuple[Performer, str]],
    actor: Actor,
    now: dt.datetime | None = None,
) -> SyntheticPerformer:
    """Register a synthetic performer. Each real performer it borrows a feature from must have a
    live feature-borrowing grant with this studio (DOMAIN.md 2.12)."""
    now = now or timezone.now()
    problems: list[FieldProblem] = []
    grants: list[ConsentGrant] = []
    if SyntheticPerformer.objects.filter(studio=studio, name=name).exists():
        problems.append(
            FieldProblem("name", "duplicate", f"You already registered a synthetic performer named {name!r}.")
        )
    seen: set[tuple[int, str]] = set()
    for i, (performer, feature) in enumerate(borrowings):
        if (performer.pk, feature.casefold()) in seen:
            problems.append(
                FieldProblem(
                    f"borrowings.{i}.feature", "duplicate", f"The {feature} of this performer is listed twice."
                )
            )
        seen.add((performer.pk, feature.casefold()))
        grant = (
            consent_selectors.grants_active_at(
                ConsentGrant.objects.filter(
                    studio=studio,
                    performer=performer,
                    use=UseType.SYNTHETIC_FEATURE,
                    term_end__gte=timezone.localdate(now),
                ),
                now,
            )
            .order_by("-activated_at")
            .first()
        )
        if grant is None:
            problems.append(
                FieldProblem(
                    f"borrowings.{i}.performer",
                    "no_feature_consent",
                    f"{performer.display_name} has not consented to a synthetic performer "
                    f"borrowing their {feature}; request synthetic_feature consent first.",
                )
            )
        grants.append(grant)
    if problems:
        raise RuleViolationError(problems[0].message, problems=problems)
    with transaction.atomic():
        synthetic = SyntheticPerformer.objects.create(
            studio=studio, name=name, description=description, created_at=now
        )
        for (performer, feature), grant in zip(borrowings, grants, strict=True):
            FeatureBorrowing.objects.create(
                synthetic_performer=synthetic, performer=performer, feature=feature, grant=grant
            )
        audit_record(
            actor=actor,
            action=AuditAction.SYNTHETIC_PERFORMER_REGISTERED,
            subject_type=AuditSubject.SYNTHETIC_PERFORMER,
            subject_id=synthetic.public_id,
            studio_id=studio.public_id,
            data={
                "name": name,
                "borrowings": [
                    {"performer": p.public_id, "feature": f, "grant": g.public_id}
                    for (p, f), g in zip(borrowings, grants, strict=True)
                ],
            },
        )
    return synthetic
