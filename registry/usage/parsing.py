"""Parsing of usage report bodies, fast.

A report may carry 10,000 lines and the API must take 5,000 lines a second; DRF's field
machinery costs ~150 µs a line, so lines are parsed here (~10 µs a line) with the same rules
and messages. The serializers in registry.api.serializers.usage describe the same shape for the
OpenAPI schema; tests/usage/test_parsing.py holds the two to the same vocabulary.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from registry.consent import rules
from registry.core import limits
from registry.core.errors import FieldProblem
from registry.core.vocabulary.consent import Medium, ProjectKind, SensitiveFlag
from registry.core.vocabulary.terms import RoleCategory
from registry.core.vocabulary.usage import UsageKind, UsageUnit
from registry.usage.rules import MAX_LINES, LineInput

USAGE_KINDS = frozenset(UsageKind.values)
UNITS = frozenset(UsageUnit.values)
PROJECT_KINDS = frozenset(ProjectKind.values)
ROLE_CATEGORIES = frozenset(RoleCategory.values)
MEDIA = frozenset(Medium.values)
SENSITIVE_FLAGS = frozenset(SensitiveFlag.values)
EXEMPTIONS = rules.ALTERATION_EXEMPTIONS
_CURRENCY = re.compile(r"[A-Z]{3}")
_TERRITORY = re.compile(r"[A-Za-z]{2}")
# Written forms of the serializer's DecimalFields (max_digits 12 and 7, 2 places); the sign is
# checked after, so a zero or negative amount gets its own error.
_AMOUNT = re.compile(limits.decimal_pattern(12, 2))
_DAYS = re.compile(limits.decimal_pattern(7, 2))


class _Line:
    """Collects one line's values and problems."""

    def __init__(self, index: int, raw: Any, problems: list[FieldProblem]) -> None:
        self.prefix = f"lines.{index}"
        self.raw = raw if isinstance(raw, dict) else {}
        self.problems = problems
        if not isinstance(raw, dict):
            self.fail("", "invalid", "Each line is a JSON object.")

    def fail(self, name: str, code: str, message: str) -> None:
        self.problems.append(FieldProblem(f"{self.prefix}.{name}" if name else self.prefix, code, message))

    def text(
        self, name: str, max_length: int, *, required: bool = True, source: dict | None = None, path: str | None = None
    ) -> str | None:
        data = self.raw if source is None else source
        value = data.get(name)
        where = path or name
        if value is None or value == "":
            if required:
                self.fail(where, "required", "This field is required.")
            return None
        if not isinstance(value, str):
            self.fail(where, "invalid", "Not a valid string.")
            return None
        if len(value) > max_length:  # as sent, as the schema's maxLength counts
            self.fail(where, "max_length", f"Ensure this field has no more than {max_length} characters.")
            return None
        fault = limits.text_fault(value)
        if fault is not None:
            self.fail(where, fault.code, str(fault))
            return None
        value = value.strip()
        if not value and required:
            self.fail(where, "blank", "This field may not be blank.")
        return value or None

    def choice(
        self,
        name: str,
        choices: frozenset[str],
        *,
        required: bool = True,
        source: dict | None = None,
        path: str | None = None,
    ) -> str | None:
        value = self.text(name, 64, required=required, source=source, path=path)
        if value is not None and value not in choices:
            self.fail(path or name, "invalid_choice", f'"{value}" is not a valid choice.')
            return None
        return value

    def decimal(self, name: str, pattern: re.Pattern, *, required: bool = True) -> Decimal | None:
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, "required", "This field is required.")
            return None
        try:
            number = limits.parse_decimal(value)
        except limits.InputFault as fault:
            self.fail(name, fault.code, str(fault))
            return None
        if not pattern.fullmatch(value):
            self.fail(name, "invalid", "A valid decimal number is required (at most 2 decimal places).")
            return None
        return number

    def date(self, name: str) -> dt.date | None:
        value = self.raw.get(name)
        if value in (None, ""):
            self.fail(name, "required", "Give the date as YYYY-MM-DD.")
            return None
        try:
            return limits.parse_date(value)
        except limits.InputFault as fault:
            self.fail(name, fault.code, str(fault))
            return None

    def boolean(self, name: str) -> bool:
        value = self.raw.get(name, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(name, "invalid", "Must be a valid boolean.")
            return False
        return value

    def string_list(self, name: str, choices: frozenset[str] | None, pattern: re.Pattern | None) -> tuple[str, ...]:
        value = self.raw.get(name, [])
        if value is None:
            return ()
        if not isinstance(value, list) or len(value) > 300:
            self.fail(name, "invalid", "Expected a list of strings.")
            return ()
        out = []
        for item in value:
            if (
                not isinstance(item, str)
                or (choices is not None and item not in choices)
                or (pattern is not None and not pattern.fullmatch(item))
            ):
                self.fail(name, "invalid_choice", f'"{item}" is not a valid choice.')
                return ()
            out.append(item.upper() if pattern is _TERRITORY else item)
        return tuple(out)


def _project(line: _Line) -> rules.Project | None:
    raw = line.raw.get("project")
    if not isinstance(raw, dict):
        line.fail("project", "required" if raw is None else "invalid", "Give the project as an object.")
        return None
    kind = line.choice("kind", PROJECT_KINDS, source=raw, path="project.kind")
    title = line.text("title", 200, source=raw, path="project.title")
    number = line.text("production_number", 64, source=raw, path="project.production_number")
    advertiser = line.text("advertiser", 200, required=False, source=raw, path="project.advertiser") or ""
    product_line = line.text("product_line", 200, required=False, source=raw, path="project.product_line") or ""
    if kind is None or title is None or number is None:
        return None
    return rules.Project(
        kind=kind, title=title, production_number=number, advertiser=advertiser, product_line=product_line
    )


def parse_line(index: int, raw: Any, problems: list[FieldProblem]) -> LineInput | None:
    line = _Line(index, raw, problems)
    if not isinstance(raw, dict):
        return None  # the problem is already recorded; an empty object fails field by field below
    before = len(problems)
    values = {
        "line_ref": line.text("line_id", 64),
        "kind": line.choice("kind", USAGE_KINDS),
        "project": _project(line),
        "use_date": line.date("use_date"),
        "units": line.decimal("units", _AMOUNT),
        "unit": line.choice("unit", UNITS),
        "grant_ref": line.text("grant", 40, required=False),
        "performer_ref": line.text("performer", 64, required=False),
        "synthetic_ref": line.text("synthetic_performer", 40, required=False),
        "agreement_code": line.text("agreement", 40, required=False),
        "role_category": line.choice("role_category", ROLE_CATEGORIES, required=False) or "",
        "estimated_days": line.decimal("estimated_days", _DAYS, required=False),
        "negotiated_amount": line.decimal("negotiated_amount", _AMOUNT, required=False),
        "currency": line.text("currency", 3, required=False),
        "media": line.string_list("media", MEDIA, None),
        "territory": line.string_list("territory", None, _TERRITORY),
        "alteration_exemption": line.choice("alteration_exemption", EXEMPTIONS, required=False),
        "exemption_justification": line.text("exemption_justification", 500, required=False) or "",
        "justification": line.text("justification", 4000, required=False) or "",
        "role": line.text("role", limits.USE_ROLE_MAX, required=False) or "",
        "intended_use": line.text("intended_use", 500, required=False) or "",
        "sensitive_content": tuple(sorted(set(line.string_list("sensitive_content", SENSITIVE_FLAGS, None)))),
        "realtime_generation": line.boolean("realtime_generation"),
    }
    if values["currency"] is not None and not _CURRENCY.fullmatch(values["currency"]):
        line.fail("currency", "invalid", "Use an ISO 4217 code such as USD.")
    if values["units"] is not None and values["units"] <= 0:
        line.fail("units", "not_positive", "Units must be positive.")
    if values["estimated_days"] is not None and values["estimated_days"] <= 0:
        line.fail("estimated_days", "not_positive", "The day estimate must be positive.")
    if len(problems) > before:
        return None
    return LineInput(**values)


def parse_report(body: Any) -> tuple[str | None, list[LineInput], list[FieldProblem]]:
    """(report_ref, lines, problems): lines are only complete when problems is empty."""
    problems: list[FieldProblem] = []
    if not isinstance(body, dict):
        return None, [], [FieldProblem(None, "invalid", "The body is a JSON object with report_id and lines.")]
    report_ref = body.get("report_id")
    fault = limits.text_fault(report_ref) if isinstance(report_ref, str) else None
    if fault is not None:
        problems.append(FieldProblem("report_id", fault.code, str(fault)))
        report_ref = None
    elif not isinstance(report_ref, str) or not report_ref.strip() or len(report_ref) > 64:
        problems.append(FieldProblem("report_id", "required", "Give your own id for the report (1-64 characters)."))
        report_ref = None
    raw_lines = body.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        problems.append(FieldProblem("lines", "required", "Report at least one line."))
        return report_ref, [], problems
    if len(raw_lines) > MAX_LINES:
        problems.append(
            FieldProblem("lines", "too_many_lines", f"{len(raw_lines):,} lines; at most {MAX_LINES:,} per report.")
        )
        return report_ref, [], problems
    lines = []
    for index, raw in enumerate(raw_lines):
        parsed = parse_line(index, raw, problems)
        if parsed is not None:
            lines.append(parsed)
        if len(problems) >= 200:
            problems.append(FieldProblem("lines", "too_many_errors", "Stopped after 200 errors."))
            break
    return report_ref, lines, problems
