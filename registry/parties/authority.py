"""Authority over a performer, derived for every act and every read from the facts on that day.

The decision is `rules.refusal` (pure); this module gathers its facts from the database: the
person's own login, the representatives' mandates, birth, death and the jurisdiction's
post-mortem period. Views, selectors and services all come here; none keeps its own notion of
who may act for whom.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from registry.core.actors import Actor, ActorKind
from registry.core.errors import NotPermittedError
from registry.parties import rules
from registry.parties.models import Performer, Representative
from registry.parties.rules import Act, Capacity


@dataclass(frozen=True)
class Authority:
    """One capacity in which a user stands to a performer on a day, in force on that day."""

    performer: Performer
    capacity: Capacity
    representative: Representative | None  # None: the user is the performer
    on: dt.date
    user: object | None = None  # who holds it (None when listed for the performer, not asked by a user)

    @property
    def is_self(self) -> bool:
        return self.capacity == Capacity.SELF

    @property
    def capacity_words(self) -> str:
        """How the user stands to the performer, in words: "yourself", "guardian", "estate executor"."""
        if self.representative is None:
            return "yourself"
        return self.representative.get_kind_display().split(" (")[0].lower()

    def refusal(self, act: Act) -> str | None:
        return rules.refusal(self.capacity, act, person_facts(self.performer), self.on)

    def actor(self) -> Actor:
        """The audit actor: a representative is recorded as themself, not as the performer."""
        if self.is_self:
            return Actor(ActorKind.PERFORMER, self.performer.public_id, self.performer.legal_name)
        return Actor(
            ActorKind.REPRESENTATIVE,
            str(self.user.pk),
            self.user.get_full_name() or self.user.get_username(),
        )


def person_facts(performer: Performer) -> rules.PersonFacts:
    jurisdiction = performer.jurisdiction if performer.jurisdiction_id else None
    return rules.PersonFacts(
        date_of_birth=performer.date_of_birth,
        date_of_death=performer.date_of_death,
        post_mortem_years=jurisdiction.post_mortem_protection_years if jurisdiction else None,
    )


def mandate_of(representative: Representative) -> rules.Mandate:
    return rules.Mandate(
        capacity=Capacity(representative.kind),
        valid_from=representative.valid_from,
        valid_to=representative.valid_to,
        revoked=representative.revoked_at is not None,
    )


def mandate_refusal(representative: Representative, *, on: dt.date | None = None) -> str | None:
    """Why this representative may not act for their performer on `on` (default today)."""
    day = on or timezone.localdate()
    return rules.mandate_refusal(mandate_of(representative), person_facts(representative.performer), day)


def _authorities(user, *, on: dt.date, performer: Performer | None = None) -> list[Authority]:
    """Every capacity `user` holds in force on `on` (for one performer when given), in
    CAPACITY_ORDER for each performer."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return []
    own = Performer.objects.filter(user=user).select_related("jurisdiction")
    # Revoked mandates never give authority again; everything else is the rule's to decide.
    mandates = Representative.objects.filter(user=user, revoked_at__isnull=True).select_related(
        "performer__jurisdiction"
    )
    if performer is not None:
        own, mandates = own.filter(pk=performer.pk), mandates.filter(performer=performer)
    found = [
        Authority(p, Capacity.SELF, None, on, user)
        for p in own
        if rules.capacity_refusal(Capacity.SELF, person_facts(p), on) is None
    ]
    found += [
        Authority(rep.performer, Capacity(rep.kind), rep, on, user)
        for rep in mandates
        if rules.mandate_refusal(mandate_of(rep), person_facts(rep.performer), on) is None
    ]
    found.sort(key=lambda a: (a.performer.pk, rules.CAPACITY_ORDER.index(a.capacity)))
    return found


def lapsed_mandates(user, *, on: dt.date | None = None) -> list[tuple[Representative, str]]:
    """The user's mandates that give no authority on `on`, each with the reason in words (what
    a former guardian or an agent of a deceased performer is told when they sign in)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return []
    day = on or timezone.localdate()
    out = []
    for rep in Representative.objects.filter(user=user).select_related("performer__jurisdiction").order_by("pk"):
        why = rules.mandate_refusal(mandate_of(rep), person_facts(rep.performer), day)
        if why is not None:
            out.append((rep, why))
    return out


def reach(user, *, on: dt.date | None = None) -> list[Authority]:
    """The performers `user` may see on `on` (default today), one Authority each: their own
    record first, then those they represent by name."""
    seen: dict[int, Authority] = {}
    for authority in _authorities(user, on=on or timezone.localdate()):
        seen.setdefault(authority.performer.pk, authority)
    return sorted(seen.values(), key=lambda a: (not a.is_self, a.performer.legal_name, a.performer.pk))


def authority_for(user, performer: Performer, act: Act, *, on: dt.date | None = None) -> Authority | str:
    """The capacity in which `user` may do `act` for `performer` on `on`, or why not."""
    day = on or timezone.localdate()
    held = _authorities(user, on=day, performer=performer)
    if not held:
        # Someone whose mandate has lapsed is told why; anyone else only that they may not.
        lapsed = [why for rep, why in lapsed_mandates(user, on=day) if rep.performer_id == performer.pk]
        return lapsed[0] if lapsed else rules.no_capacity(act)
    reasons = []
    for authority in held:
        why = authority.refusal(act)
        if why is None:
            return authority
        reasons.append(why)
    return reasons[0]


def require_authority(*, user, performer: Performer, act: Act, on: dt.date | None = None) -> Authority:
    """`authority_for`, raising NotPermittedError with the reason in words when refused."""
    found = authority_for(user, performer, act, on=on)
    if isinstance(found, str):
        raise NotPermittedError(found)
    return found


def representatives_in_force(performer: Performer, *, on: dt.date | None = None) -> list[Representative]:
    """The representatives whose mandate for `performer` is in force on `on` (default today)."""
    day = on or timezone.localdate()
    facts = person_facts(performer)
    mandates = Representative.objects.filter(performer=performer, revoked_at__isnull=True).order_by("pk")
    return [rep for rep in mandates if rules.mandate_refusal(mandate_of(rep), facts, day) is None]


def who_may(performer: Performer, act: Act, *, on: dt.date | None = None) -> list[Authority]:
    """Everyone who may do `act` for `performer` on `on`: the performer themself (when their
    own login may) and each representative whose mandate permits it, in that order."""
    day = on or timezone.localdate()
    facts = person_facts(performer)
    found = []
    if rules.refusal(Capacity.SELF, act, facts, day) is None:
        found.append(Authority(performer, Capacity.SELF, None, day, performer.user))
    for rep in representatives_in_force(performer, on=day):
        if rules.refusal(Capacity(rep.kind), act, facts, day) is None:
            found.append(Authority(performer, Capacity(rep.kind), rep, day, rep.user))
    return found
