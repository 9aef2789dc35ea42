"""Who may act for a performer, in what capacity, on a given day. Pure: no ORM import.

Authority is never a fact stored once: it follows from the facts about the person on the day
of the act (DOMAIN.md 1 and rules 2.8, 2.9). A guardian acts only while the performer is a
minor; an agent or a lawyer only while the performer lives; an estate only after death, and
only within the post-mortem protection period where the performer's jurisdiction sets one. A
minor may see their own records but acts only through their guardian. `refusal` is the one
function that decides; everything else (the callers' reach, the portal, the API, the
services) asks it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from registry.core.people import MINOR_AGE_YEARS, add_years, is_minor_on


class Capacity(StrEnum):
    """How someone stands to a performer. The representative kinds share their names."""

    SELF = "self"
    GUARDIAN = "guardian"
    AGENT = "agent"
    LAWYER = "lawyer"
    ESTATE = "estate"


# When one person holds several capacities for the same performer, the first that permits the
# act is the one recorded: standing in for the person comes before a commercial mandate.
CAPACITY_ORDER = (Capacity.SELF, Capacity.GUARDIAN, Capacity.ESTATE, Capacity.LAWYER, Capacity.AGENT)


class Act(StrEnum):
    """What someone does for a performer; each is permitted or refused by `refusal`."""

    VIEW = "view"  # read the performer's requests, consents, statements and activity
    ANSWER_REQUESTS = "answer_requests"  # sign or decline a consent request
    CHANGE_CONSENT = "change_consent"  # suspend, resume or revoke a consent
    SET_PREFERENCES = "set_preferences"
    MANAGE_REPRESENTATIVES = "manage_representatives"  # authorise or end an agent or lawyer
    PRIVACY_RIGHTS = "privacy_rights"  # take the export of the data, ask for erasure


# An agent's authority is commercial (negotiating and answering consents); a lawyer, a guardian
# (minor) or an estate (deceased) stand in for the person themself.
_PERSONAL_ACTS = frozenset({Act.PRIVACY_RIGHTS})
_STANDS_IN_FOR_THE_PERSON = frozenset({Capacity.SELF, Capacity.GUARDIAN, Capacity.LAWYER, Capacity.ESTATE})
# Who may appoint or end an agent's or lawyer's authority: the person, or a minor's guardian.
_APPOINTS_REPRESENTATIVES = frozenset({Capacity.SELF, Capacity.GUARDIAN})


@dataclass(frozen=True)
class PersonFacts:
    """What authority depends on: birth, death, and the post-mortem protection period of the
    jurisdiction whose law governs the performer's likeness (None: no limit applies)."""

    date_of_birth: dt.date
    date_of_death: dt.date | None = None
    post_mortem_years: int | None = None

    def has_died_by(self, day: dt.date) -> bool:
        return self.date_of_death is not None and self.date_of_death <= day

    def is_minor_on(self, day: dt.date) -> bool:
        return is_minor_on(self.date_of_birth, day, self.date_of_death)

    @property
    def adult_from(self) -> dt.date:
        return add_years(self.date_of_birth, MINOR_AGE_YEARS)

    @property
    def post_mortem_protection_ends(self) -> dt.date | None:
        """The last day the estate may act, or None while alive or where no limit applies."""
        if self.date_of_death is None or self.post_mortem_years is None:
            return None
        return add_years(self.date_of_death, self.post_mortem_years) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Mandate:
    """A representative's documented authority: its kind, period and whether it was revoked
    (revocation ends it at once, for every act from then on)."""

    capacity: Capacity
    valid_from: dt.date
    valid_to: dt.date | None = None
    revoked: bool = False


def _d(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _a(capacity: Capacity) -> str:
    return f"{'An' if capacity[0] in 'aeiou' else 'A'} {capacity}"


def capacity_refusal(capacity: Capacity, person: PersonFacts, day: dt.date) -> str | None:
    """Why `capacity` gives no authority over `person` on `day`, or None when it does."""
    died = person.has_died_by(day)
    if capacity == Capacity.SELF:
        return f"The performer died on {_d(person.date_of_death)}; their estate acts for them." if died else None
    if capacity == Capacity.GUARDIAN:
        if died:
            return f"A guardian's authority ended at the performer's death on {_d(person.date_of_death)}."
        if not person.is_minor_on(day):
            return f"A guardian acts only for a minor; the performer came of age on {_d(person.adult_from)}."
        return None
    if capacity in (Capacity.AGENT, Capacity.LAWYER):
        if died:
            return (
                f"{_a(capacity)}'s authority ended at the performer's death on {_d(person.date_of_death)}; "
                "the estate acts now."
            )
        return None
    if capacity == Capacity.ESTATE:
        if not died:
            return "An estate acts only for a deceased performer."
        ends = person.post_mortem_protection_ends
        if ends is not None and day > ends:
            return f"The post-mortem protection of the performer's likeness ended on {_d(ends)}."
        return None
    return f"Unknown capacity {capacity!r}."


def mandate_refusal(mandate: Mandate, person: PersonFacts, day: dt.date) -> str | None:
    """Why a representative's mandate is not in force on `day`, or None when it is."""
    if mandate.revoked:
        return "The authority was revoked."
    if day < mandate.valid_from:
        return f"The authority starts on {_d(mandate.valid_from)}."
    if mandate.valid_to is not None and day > mandate.valid_to:
        return f"The authority ended on {_d(mandate.valid_to)}."
    return capacity_refusal(mandate.capacity, person, day)


def refusal(capacity: Capacity, act: Act, person: PersonFacts, day: dt.date) -> str | None:
    """The one decision: why someone in `capacity` may not do `act` for `person` on `day`
    (None: they may). A representative's own mandate is checked by `mandate_refusal` first."""
    why = capacity_refusal(capacity, person, day)
    if why is not None:
        return why
    if act == Act.VIEW:
        return None
    if person.is_minor_on(day) and capacity != Capacity.GUARDIAN:
        # Rule 2.9: a minor's consents, preferences and data are the guardian's to act on.
        if capacity == Capacity.SELF:
            return "A minor may see their records; their guardian acts for them."
        return f"The performer is a minor: their guardian acts for them, not their {capacity}."
    if act in _PERSONAL_ACTS and capacity not in _STANDS_IN_FOR_THE_PERSON:
        return (
            f"{_a(capacity)}'s authority is commercial; the performer, a lawyer, a guardian or the estate "
            "exercise these rights."
        )
    if act == Act.MANAGE_REPRESENTATIVES and capacity not in _APPOINTS_REPRESENTATIVES:
        return "Only the performer (or a minor's guardian) can change who acts for them."
    return None


_NO_CAPACITY = {
    Act.VIEW: "You may not see this performer's records.",
    Act.ANSWER_REQUESTS: "You may not answer requests for this performer.",
    Act.CHANGE_CONSENT: "You may not change this performer's consents.",
    Act.SET_PREFERENCES: "You may not change this performer's preferences.",
    Act.MANAGE_REPRESENTATIVES: "You may not change who acts for this performer.",
    Act.PRIVACY_RIGHTS: "You may not exercise this performer's privacy rights.",
}


def no_capacity(act: Act) -> str:
    """The refusal for someone who holds no capacity at all for the performer."""
    return _NO_CAPACITY[act]


def permitted(capacity: Capacity, act: Act, person: PersonFacts, day: dt.date) -> bool:
    return refusal(capacity, act, person, day) is None
