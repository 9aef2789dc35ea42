"""What may be erased now. Pure: no ORM import. (How free text is scrubbed and what a pseudonym
looks like is shared with every domain: registry/core/personal_data.py.)

The registry keeps what a contract or the law needs until that need ends: a live consent (a
studio relies on it), a request awaiting an answer, an open case (evidence for a claim), usage
not yet billed and money not yet paid out (the performer is owed it, and an erased person
cannot be paid). Once none is left, personal data is replaced by a pseudonym.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from registry.core.errors import and_more
from registry.core.vocabulary.privacy import BlockerCode


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


# Ids a refusal names in its message (all of them are in its `ids`).
SHOWN_IDS = 20


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
                f"Consents still in force or suspended: {and_more(h.live_grant_ids, shown=SHOWN_IDS)}. Revoke "
                "them where the agreement allows, or wait until their term ends.",
                tuple(h.live_grant_ids),
            )
        )
    if h.pending_request_ids:
        out.append(
            Blocker(
                BlockerCode.PENDING_REQUESTS,
                f"Consent requests await an answer: {and_more(h.pending_request_ids, shown=SHOWN_IDS)}. Decline "
                "them or let them expire.",
                tuple(h.pending_request_ids),
            )
        )
    if h.open_case_ids:
        out.append(
            Blocker(
                BlockerCode.OPEN_CASES,
                f"Cases concerning the performer are open: {and_more(h.open_case_ids, shown=SHOWN_IDS)}. Their "
                "records are evidence until the cases are resolved.",
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
