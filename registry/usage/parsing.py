"""Parsing of usage report bodies, fast.

A report may carry 10,000 lines; DRF's field machinery costs ~150 µs a line, so lines are parsed
here with the same rules and messages. The serializers in registry.api.serializers.usage describe
the same shape for the OpenAPI schema.

Two paths, as the consent check has (`check_body_fast`):

- `parse_report_json` reads the body's bytes with msgspec into typed structs and accepts only a
  plainly well-formed report: every field of the expected JSON type, no field it does not know.
  Lines repeating the same fields (all but their id) are validated once, by `parse_line` itself,
  so the rules and their results are those of the path below by construction. It returns None
  for anything else, without wording why.
- `parse_report` reads the decoded JSON value and words every problem (field path, code,
  message); the API uses it whenever the typed path returns None.

tests/usage/test_parsing.py holds the two paths to the same lines and the same fingerprint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

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


def _positive(name: str, message: str):
    def check(line: _Line, value: Decimal | None) -> None:
        if value is not None and value <= 0:
            line.fail(name, "not_positive", message)

    return check


def _iso_currency(line: _Line, value: str | None) -> None:
    if value is not None and not _CURRENCY.fullmatch(value):
        line.fail("currency", "invalid", "Use an ISO 4217 code such as USD.")


# How a line is read: (LineInput field, the JSON field it comes from, its reader), in the order
# problems are reported; each reader reads its one JSON field. Then the checks of a field's
# value, reported after every field was read.
_FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("line_ref", "line_id", lambda line: line.text("line_id", 64)),
    ("kind", "kind", lambda line: line.choice("kind", USAGE_KINDS)),
    ("project", "project", _project),
    ("use_date", "use_date", lambda line: line.date("use_date")),
    ("units", "units", lambda line: line.decimal("units", _AMOUNT)),
    ("unit", "unit", lambda line: line.choice("unit", UNITS)),
    ("grant_ref", "grant", lambda line: line.text("grant", 40, required=False)),
    ("performer_ref", "performer", lambda line: line.text("performer", 64, required=False)),
    ("synthetic_ref", "synthetic_performer", lambda line: line.text("synthetic_performer", 40, required=False)),
    ("agreement_code", "agreement", lambda line: line.text("agreement", 40, required=False)),
    (
        "role_category",
        "role_category",
        lambda line: line.choice("role_category", ROLE_CATEGORIES, required=False) or "",
    ),
    ("estimated_days", "estimated_days", lambda line: line.decimal("estimated_days", _DAYS, required=False)),
    (
        "negotiated_amount",
        "negotiated_amount",
        lambda line: line.decimal("negotiated_amount", _AMOUNT, required=False),
    ),
    ("currency", "currency", lambda line: line.text("currency", 3, required=False)),
    ("media", "media", lambda line: line.string_list("media", MEDIA, None)),
    ("territory", "territory", lambda line: line.string_list("territory", None, _TERRITORY)),
    (
        "alteration_exemption",
        "alteration_exemption",
        lambda line: line.choice("alteration_exemption", EXEMPTIONS, required=False),
    ),
    (
        "exemption_justification",
        "exemption_justification",
        lambda line: line.text("exemption_justification", 500, required=False) or "",
    ),
    ("justification", "justification", lambda line: line.text("justification", 4000, required=False) or ""),
    ("role", "role", lambda line: line.text("role", limits.USE_ROLE_MAX, required=False) or ""),
    ("intended_use", "intended_use", lambda line: line.text("intended_use", 500, required=False) or ""),
    (
        "sensitive_content",
        "sensitive_content",
        lambda line: tuple(sorted(set(line.string_list("sensitive_content", SENSITIVE_FLAGS, None)))),
    ),
    ("realtime_generation", "realtime_generation", lambda line: line.boolean("realtime_generation")),
)
_CHECKS: dict[str, Any] = {
    "currency": _iso_currency,
    "units": _positive("units", "Units must be positive."),
    "estimated_days": _positive("estimated_days", "The day estimate must be positive."),
}


def parse_line(index: int, raw: Any, problems: list[FieldProblem]) -> LineInput | None:
    line = _Line(index, raw, problems)
    if not isinstance(raw, dict):
        return None  # the problem is already recorded; an empty object fails field by field below
    before = len(problems)
    values = {name: read(line) for name, _, read in _FIELDS}
    for name, check in _CHECKS.items():
        check(line, values[name])
    if len(problems) > before:
        return None
    return LineInput(**values)


def parse_report(body: Any) -> tuple[str | None, list[LineInput], list[FieldProblem]]:
    """(report_ref, lines, problems): lines are only complete when problems is empty."""
    problems: list[FieldProblem] = []
    if not isinstance(body, dict):
        return None, [], [FieldProblem(None, "invalid", "The body is a JSON object with report_id and lines.")]
    report_ref = body.get("report_id")
    problem = _report_ref_problem(report_ref)
    if problem is not None:
        problems.append(problem)
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


def _report_ref_problem(report_ref: Any) -> FieldProblem | None:
    fault = limits.text_fault(report_ref) if isinstance(report_ref, str) else None
    if fault is not None:
        return FieldProblem("report_id", fault.code, str(fault))
    if not isinstance(report_ref, str) or not report_ref.strip() or len(report_ref) > 64:
        return FieldProblem("report_id", "required", "Give your own id for the report (1-64 characters).")
    return None


# --- The typed path -------------------------------------------------------------------------------
# Each field takes only its JSON type (a string, a boolean, a list of strings, or null where the
# rules allow a field to be left out); UNSET is a field not sent. What the values may be (choices,
# lengths, patterns, text rules) is left to parse_line. The structs are never part of a cycle, so
# the garbage collector does not track them (gc=False); the project is frozen so that a line's
# fields can key the memo of validated lines.
_Text = str | UnsetType | None
_Texts = tuple[str, ...] | UnsetType | None


class _ProjectBody(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    kind: str
    title: str
    production_number: str
    advertiser: _Text = UNSET
    product_line: _Text = UNSET


class _LineBody(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    line_id: str
    kind: str
    project: _ProjectBody
    use_date: str
    units: str
    unit: str
    grant: _Text = UNSET
    performer: _Text = UNSET
    synthetic_performer: _Text = UNSET
    agreement: _Text = UNSET
    role_category: _Text = UNSET
    estimated_days: _Text = UNSET
    negotiated_amount: _Text = UNSET
    currency: _Text = UNSET
    media: _Texts = UNSET
    territory: _Texts = UNSET
    alteration_exemption: _Text = UNSET
    exemption_justification: _Text = UNSET
    justification: _Text = UNSET
    role: _Text = UNSET
    intended_use: _Text = UNSET
    sensitive_content: _Texts = UNSET
    realtime_generation: bool | UnsetType | None = UNSET


class _ReportBody(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    report_id: str
    lines: list[_LineBody]


_DECODER = msgspec.json.Decoder(_ReportBody)
# Sorted keys, no whitespace, UTF-8, strings escaped as json.dumps(ensure_ascii=False) escapes them:
# byte for byte registry.audit.chain.canonical_json of the same JSON value, for a body of
# strings, booleans, nulls, lists and objects (which is all the structs hold; tests check it).
_ENCODER = msgspec.json.Encoder(order="sorted")
# The fields but the line's id, with the check each has after it is read.
_VALUE_FIELDS = tuple((name, source, read, _CHECKS.get(name)) for name, source, read in _FIELDS if name != "line_ref")
_NOT_YET = object()
_REFUSED = object()


def parse_report_json(raw: bytes) -> tuple[str, list[LineInput], str] | None:
    """(report_ref, lines, fingerprint) of a plainly well-formed report read from its JSON bytes,
    or None: then `parse_report` reads the body and words its problems. The lines are those
    `parse_report` gives, and the fingerprint is `report_fingerprint` of the same body (the
    SHA-256 of its canonical JSON)."""
    try:
        body = _DECODER.decode(raw)
    except (msgspec.MsgspecError, ValueError):  # not JSON, not UTF-8, a lone surrogate, a field of another type
        return None
    if _report_ref_problem(body.report_id) is not None or not 0 < len(body.lines) <= MAX_LINES:
        return None
    # A report's lines repeat most of their fields: each distinct value of a field is read once,
    # by the field's own reader in parse_line's table, and each distinct line (but its id) once.
    lines_read: dict[tuple, dict | None] = {}
    values_read: dict[tuple, Any] = {}
    lines = []
    astuple = msgspec.structs.astuple
    for line in body.lines:
        key = astuple(line)[1:]  # every field but line_id, the first
        values = lines_read.get(key, _NOT_YET)
        if values is _NOT_YET:
            values = lines_read[key] = _line_values(line, values_read)
            if values is not None:
                values["shape"] = len(lines_read)
        line_ref = _plain_line_ref(line.line_id)
        if values is None or line_ref is None:
            return None
        lines.append(_line_input(values, line_ref))
    return body.report_id, lines, hashlib.sha256(_ENCODER.encode(body)).hexdigest()


def _plain_line_ref(value: str) -> str | None:
    """A line id parse_line takes as it is (1-64 characters, no NUL or lone surrogate, nothing to
    trim), else None."""
    if 0 < len(value) <= 64 and limits.text_fault(value) is None and value == value.strip():
        return value
    return None


def _line_values(line: _LineBody, values_read: dict[tuple, Any]) -> dict | None:
    """What parse_line reads from this line's fields but its id, or None if any has a problem."""
    values = {}
    for name, source, read, check in _VALUE_FIELDS:
        sent = getattr(line, source)
        key = (source, sent)
        value = values_read.get(key, _NOT_YET)
        if value is _NOT_YET:
            value = values_read[key] = _read_field(source, sent, read, check)
        if value is _REFUSED:
            return None
        values[name] = value
    return values


def _read_field(source: str, sent: Any, read, check) -> Any:
    """One field read by its reader from parse_line's table (and checked), alone in a line."""
    problems: list[FieldProblem] = []
    line = _Line(0, {} if sent is UNSET else {source: _as_sent(sent)}, problems)
    value = read(line)
    if check is not None:
        check(line, value)
    return _REFUSED if problems else value


def _as_sent(value: Any) -> Any:
    """A decoded value as json.loads gives it: a struct as a dict of the fields sent, a tuple
    as a list."""
    if isinstance(value, msgspec.Struct):
        return {name: _as_sent(v) for name in value.__struct_fields__ if (v := getattr(value, name)) is not UNSET}
    if isinstance(value, tuple):
        return list(value)
    return value


# LineInput is a frozen dataclass: its __init__ stores each of its 23 fields through
# object.__setattr__, which costs more than reading a line here. The values are exactly what
# __init__ would store (parse_line built them into a LineInput), so they are set directly;
# a LineInput that gained __post_init__ or __slots__ would need its __init__ (refused here).
if hasattr(LineInput, "__post_init__") or hasattr(LineInput, "__slots__"):
    raise ImportError("LineInput must be a plain frozen dataclass for parse_report_json")


def _line_input(values: dict, line_ref: str) -> LineInput:
    line = object.__new__(LineInput)
    fields = line.__dict__
    fields["line_ref"] = line_ref
    fields.update(values)
    return line
