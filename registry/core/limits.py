"""What the registry accepts from outside, each bound stated once: how deeply JSON may nest,
which dates it takes and how dates, months and amounts are written, and which characters text
may hold.

The API's JSON parser and request fields, the usage-report parser, the consent-check fast path,
query parameters and the portal's and console's forms all read them here. No Django: the
rules are plain functions, and each caller words its own error around `InputFault.code`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from array import array
from decimal import Decimal
from itertools import accumulate
from typing import Any


class InputFault(ValueError):
    """Input the registry refuses; `code` is the error code the API reports for it."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


# --- JSON nesting ---------------------------------------------------------------------------------
# Our deepest body nests four levels (a usage report: the body, its lines, a line, its project).
# Python's parser recurses once per level and overflows the interpreter's stack below 1,000 levels,
# fewer the deeper the stack it starts from: so bodies are measured before they are parsed.
MAX_JSON_DEPTH = 32

_ALL_BUT_QUOTES_AND_BRACKETS = bytes(b for b in range(256) if b not in b'"[]{}')
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and, read as signed bytes, -1


def json_nesting_exceeds(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text (or its UTF-8 bytes) nests arrays and objects deeper than `limit`,
    judged before parsing, in time linear in its brackets (a 10,000-line usage report takes
    about 10 ms)."""
    # UTF-8 never puts a quote or bracket byte inside a character.
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # it cannot nest deeper than the containers it opens
    if b"\\" in raw:  # escaped backslashes and quotes are text, not string delimiters
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Every quote left opens or closes a string: keep the brackets between strings, each a step
    # into (+1) or out of (-1) a container; the deepest point is the largest running total.
    quotes_and_brackets = raw.translate(None, _ALL_BUT_QUOTES_AND_BRACKETS)
    steps = array("b", b"".join(quotes_and_brackets.split(b'"')[::2]).translate(_STEPS))
    return max(accumulate(steps), default=0) > limit


def _no_constants(name: str):
    raise InputFault(f"{name} is not a JSON value")


def json_loads(text: str) -> Any:
    """`json.loads` for text from outside: InputFault (a ValueError) for JSON nested deeper than
    MAX_JSON_DEPTH, and for NaN and Infinity, which JSON does not have."""
    if json_nesting_exceeds(text):
        raise InputFault(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", "too_deep")
    return json.loads(text, parse_constant=_no_constants)


# --- Text -----------------------------------------------------------------------------------------
# The rules DRF's CharField applies (Django's ProhibitNullCharactersValidator and DRF's
# ProhibitSurrogateCharactersValidator, with their codes and messages), for the parsers that skip
# DRF's fields for speed. PostgreSQL cannot store NUL in text, and a lone surrogate is not Unicode
# that UTF-8 can encode. tests/core/test_limits.py holds this to DRF's validators.
_FORBIDDEN_CHARACTER = re.compile("[\x00\ud800-\udfff]")
# The rules as OpenAPI patterns, for text with no other pattern (JSON Schema's strings are Unicode
# text already, so lone surrogates need no pattern). Text is trimmed first, so required text must
# hold something besides what Python's str.strip() removes, listed here for any regex engine.
NO_NUL_PATTERN = "^[^\\u0000]*$"
_STRIPPED = (
    "\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
NOT_BLANK_PATTERN = f"^[{_STRIPPED}]*[^{_STRIPPED}\\u0000][^\\u0000]*$"


def text_fault(value: str) -> InputFault | None:
    """Why DRF's CharField would refuse this text, or None."""
    if value.isascii():  # the common case, and surrogates are never ASCII
        return (
            InputFault("Null characters are not allowed.", "null_characters_not_allowed") if "\x00" in value else None
        )
    found = _FORBIDDEN_CHARACTER.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return InputFault("Null characters are not allowed.", "null_characters_not_allowed")
    return InputFault(
        f"Surrogate characters are not allowed: U+{ord(found.group()):X}.", "surrogate_characters_not_allowed"
    )


def has_nul(value: str) -> bool:
    """A NUL in a path or query parameter: no stored text holds one, and PostgreSQL refuses it."""
    return "\x00" in value


# --- Dates ----------------------------------------------------------------------------------------
# Every date accepted from outside, in requests, reports, query parameters and forms. The earliest
# is before the birth of anyone whose likeness can still be protected (70 years after death in
# California, DOMAIN.md); the latest is past any term a consent or licence states. Both keep date
# arithmetic (a term plus decades, twelve months back for a chart, the end of a month) far from
# the years 1 and 9999, where Python's dates end.
EARLIEST_DATE = dt.date(1850, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
DATE_RANGE_TEXT = f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"

# The same set as an OpenAPI pattern, so generated clients and schemathesis know it: a real
# calendar date from 1850-01-01 to 2199-12-31 (29 February only in leap years; 1900 and 2100 are
# not). Move the range and this must move with it; tests/core/test_limits.py checks every day.
_YEAR = r"(?:18[5-9][0-9]|19[0-9]{2}|2[01][0-9]{2})"
_LEAP_YEAR = (
    r"(?:18(?:5[26]|[68][048]|[79][26])|(?:19|21)(?:0[48]|[2468][048]|[13579][26])|20(?:[02468][048]|[13579][26]))"
)
_MONTH_DAY = r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
DATE_PATTERN = rf"^(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)$"
MONTH_PATTERN = rf"^{_YEAR}-(?:0[1-9]|1[0-2])$"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
DATETIME_PATTERN = rf"^(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)T{_TIME}$"

_DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_FORM = re.compile(r"[0-9]{4}-[0-9]{2}")
_DATETIME_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T" + _TIME)


def check_date(value: dt.date) -> dt.date:
    """The date itself, or InputFault (code `date_out_of_range`) outside the accepted range."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise InputFault(
            f"{day.isoformat()} is outside the dates the registry accepts ({DATE_RANGE_TEXT}).", "date_out_of_range"
        )
    return value


def parse_date(text: Any) -> dt.date:
    """A calendar date written YYYY-MM-DD (ISO 8601's calendar form only: no week or ordinal
    dates, no basic form), within the accepted range."""
    if not isinstance(text, str) or not _DATE_FORM.fullmatch(text):
        raise InputFault(f"{_shown(text)} is not a date written YYYY-MM-DD, e.g. 2026-10-31.")
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        raise InputFault(f"{_shown(text)} is not a date on the calendar.") from None
    return check_date(value)


def parse_month(text: Any) -> dt.date:
    """A month written YYYY-MM, as its first day, within the accepted range."""
    if not isinstance(text, str) or not _MONTH_FORM.fullmatch(text) or not 1 <= int(text[5:]) <= 12:
        raise InputFault(f"{_shown(text)} is not a month written YYYY-MM, e.g. 2026-10.")
    return check_date(dt.date(int(text[:4]), int(text[5:]), 1))


def parse_datetime(text: Any) -> dt.datetime:
    """An RFC 3339 date and time with its offset (2027-01-15T09:30:00Z), its date within the
    accepted range."""
    if not isinstance(text, str) or not _DATETIME_FORM.fullmatch(text):
        raise InputFault(f"{_shown(text)} is not a date and time written like 2027-01-15T09:30:00Z.")
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputFault(f"{_shown(text)} is not a date on the calendar.") from None
    return check_date(value)


def _shown(value: Any) -> str:
    return repr(value[:40] if isinstance(value, str) else value)


# --- Amounts --------------------------------------------------------------------------------------
# Amounts and quantities are decimal strings, as the interop contract says ("3738.00"): digits, at
# most one point, an optional minus sign. No exponent (1e5), no digit separators (1_000), no
# leading "+" or ".", no spaces: Python's Decimal takes all of those, and a JSON float has lost
# the exact value before it is read.
def decimal_pattern(max_digits: int, decimal_places: int, *, minimum: Decimal | None = None) -> str:
    """The written form of a decimal with at most `max_digits` digits, `decimal_places` of them
    after the point, as a regular expression (also used as the OpenAPI pattern). `minimum` may be
    None (any sign), 0 (no minus sign) or the smallest positive step (no minus sign, not zero)."""
    whole = max_digits - decimal_places
    integer = f"(?:0|[1-9][0-9]{{0,{whole - 1}}})"
    fraction = f"(?:\\.[0-9]{{1,{decimal_places}}})?" if decimal_places else ""
    if minimum is None:
        return f"^-?{integer}{fraction}$"
    if minimum == 0:  # "-0" is zero too
        zero = f"-0(?:\\.0{{1,{decimal_places}}})?|" if decimal_places else "-0|"
        return f"^(?:{zero}{integer}{fraction})$"
    if decimal_places == 0 or minimum != Decimal(1).scaleb(-decimal_places):
        raise ValueError(f"no written form for a minimum of {minimum} with {decimal_places} decimal places")
    # Not zero: a whole part from 1, or "0." and a fraction with a non-zero digit in its places.
    nonzero_fractions = "|".join(
        "0" * zeros + "[1-9]" + (f"[0-9]{{0,{decimal_places - zeros - 1}}}" if zeros < decimal_places - 1 else "")
        for zeros in range(decimal_places)
    )
    return f"^(?:[1-9][0-9]{{0,{whole - 1}}}{fraction}|0\\.(?:{nonzero_fractions}))$"


_DECIMAL_FORM = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def parse_decimal(text: Any) -> Decimal:
    """The Decimal a string in the written form stands for; the caller bounds its digits (DRF's
    DecimalField, or a pattern from decimal_pattern) and its value."""
    if not isinstance(text, str):
        raise InputFault('Send numbers as decimal strings, e.g. "3000.00".', "not_a_string")
    if len(text) > 40 or not _DECIMAL_FORM.fullmatch(text):
        raise InputFault(f"{_shown(text)} is not a number written like 3000.00.")
    return Decimal(text)


# --- Media ----------------------------------------------------------------------------------------
# A media file sent to be signed or verified (POST /api/v1/media/sign and /verify, the public
# verification page). Generated stills, voice tracks and short clips fit well inside it; longer
# video is signed where it is made, with the studio's own certificate (registry.media.credentials),
# and verified offline. The file is read whole into memory to be parsed, so the bound is memory.
# A use's role or scene as a check or a usage line states it (rule 2.4); compared by containment
# with the signed role or scenes (at most 2,000 characters), so never longer than that.
USE_ROLE_MAX = 200

MEDIA_UPLOAD_MAX_BYTES = 32 * 1024 * 1024
MEDIA_UPLOAD_MAX_TEXT = "32 MiB"


# --- Receivables ----------------------------------------------------------------------------------
# A payment's amount: below the 14-digit money columns (12 whole digits), far above any real one.
MAX_MONEY_AMOUNT = Decimal("999999999999.99")
# Documents one payment may be applied to by name (a remittance advice lists a few dozen at most).
MAX_PAYMENT_DOCUMENTS = 200
# A statement of account covers at most this many days (longer: ask for several).
MAX_STATEMENT_DAYS = 3660
