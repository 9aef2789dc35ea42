"""What may be erased now, who may ask, and how free text is scrubbed. Pure: no ORM import.

The registry keeps what a contract or the law needs until that need ends: a live consent (a
studio relies on it), a request awaiting an answer, an open case (evidence for a claim), usage
not yet billed and money not yet paid out (the performer is owed it, and an erased person
cannot be paid). Once none is left, personal data is replaced by a pseudonym.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class BlockerCode(StrEnum):
    """Why erasure is refused now. Declared once; the API sends these as `errors[].code`."""

    ALREADY_ERASED = "already_erased"
    LIVE_GRANTS = "live_grants"
    PENDING_REQUESTS = "pending_requests"
    OPEN_CASES = "open_cases"
    UNBILLED_USAGE = "unbilled_usage"
    UNPAID_EARNINGS = "unpaid_earnings"


@dataclass(frozen=True)
class Holdings:
    """What the registry holds for a performer that may oblige it to keep their data."""

    already_erased: bool = False
    live_grant_ids: Sequence[str] = ()
    pending_request_ids: Sequence[str] = ()
    open_case_ids: Sequence[str] = ()
    unbilled_line_refs: Sequence[str] = ()
    # currency -> what the registry still owes the performer (payable balance, positive)
    owed: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Blocker:
    code: BlockerCode
    message: str
    ids: tuple[str, ...] = ()


def _ids(values: Iterable[str], limit: int = 20) -> str:
    values = list(values)
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def erasure_blockers(h: Holdings) -> list[Blocker]:
    """Every reason the performer's personal data must be kept for now; empty: erase."""
    if h.already_erased:
        return [Blocker(BlockerCode.ALREADY_ERASED, "This performer's personal data has already been erased.")]
    out: list[Blocker] = []
    if h.live_grant_ids:
        # Erasure never revokes: whether a consent may be revoked is the agreement's rule and
        # the performer's decision (grant revoke), not a side effect of a privacy request.
        out.append(
            Blocker(
                BlockerCode.LIVE_GRANTS,
                f"Consents still in force or suspended ({_ids(h.live_grant_ids)}): revoke them where "
                "the agreement allows, or wait until their term ends.",
                tuple(h.live_grant_ids),
            )
        )
    if h.pending_request_ids:
        out.append(
            Blocker(
                BlockerCode.PENDING_REQUESTS,
                f"Consent requests await an answer ({_ids(h.pending_request_ids)}): decline them or let them expire.",
                tuple(h.pending_request_ids),
            )
        )
    if h.open_case_ids:
        out.append(
            Blocker(
                BlockerCode.OPEN_CASES,
                f"Cases concerning the performer are open ({_ids(h.open_case_ids)}): their records are "
                "evidence until the cases are resolved.",
                tuple(h.open_case_ids),
            )
        )
    if h.unbilled_line_refs:
        out.append(
            Blocker(
                BlockerCode.UNBILLED_USAGE,
                f"{len(h.unbilled_line_refs)} usage line(s) are not billed yet: the performer is owed "
                "pay for them; erase after the billing run.",
                tuple(h.unbilled_line_refs),
            )
        )
    owed = {cur: amount for cur, amount in sorted(h.owed.items()) if amount != 0}
    if owed:
        amounts = ", ".join(f"{amount} {cur}" for cur, amount in owed.items())
        out.append(
            Blocker(
                BlockerCode.UNPAID_EARNINGS,
                f"The registry's ledger still shows {amounts} owed to the performer: pay it out first.",
                tuple(owed),
            )
        )
    return out


def pseudonym(public_id: str) -> str:
    return f"Erased performer {public_id}"


def pseudonymous_member_number(public_id: str) -> str:
    """Unique (the public id is) and within the 32 characters of the column."""
    return f"E-{public_id.split('_', 1)[-1]}"[:32]


def needles(*, names: Iterable[str], email: str, member_number: str, date_of_birth: str) -> list[str]:
    """The strings that identify the performer in free text, longest first, so "Maya Okafor"
    is replaced whole before "Maya" alone. Single name words shorter than 3 letters are left:
    they match too much that is not the person."""
    found: set[str] = set()
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        found.add(name)
        found.update(word for word in re.split(r"[\s,]+", name) if len(word) >= 3)
    for value in (email, member_number, date_of_birth):
        if value and value.strip():
            found.add(value.strip())
    return sorted(found, key=lambda s: (-len(s), s))


def scrub(text: str, targets: Sequence[str], replacement: str) -> str:
    """`text` with every whole-word occurrence of a target (any case) replaced."""
    if not text or not targets:
        return text
    pattern = "|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in targets)
    return re.sub(pattern, replacement, text, flags=re.IGNORECASE)


def scrub_json(value, targets: Sequence[str], replacement: str):
    """`scrub` applied to every string in a JSON value (keys included)."""
    if isinstance(value, str):
        return scrub(value, targets, replacement)
    if isinstance(value, list):
        return [scrub_json(v, targets, replacement) for v in value]
    if isinstance(value, dict):
        return {scrub(k, targets, replacement): scrub_json(v, targets, replacement) for k, v in value.items()}
    return value
