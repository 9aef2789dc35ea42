"""Who is calling: one object the views, selectors and services agree on.

Six kinds of caller matter for permissions: the performer concerned (or someone acting for
them), another performer, the studio concerned, another studio, union staff, and anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from registry.core.actors import Actor, ActorKind
from registry.parties import roles
from registry.parties.authority import reach
from registry.parties.models import Performer, Studio


class CallerKind(StrEnum):
    STUDIO = "studio"
    PERFORMER_SIDE = "performer_side"  # a performer and/or a representative
    STAFF = "staff"
    ANONYMOUS = "anonymous"
    UNKNOWN = "unknown"  # signed in, but neither staff nor performer nor representative


@dataclass(frozen=True)
class Caller:
    kind: CallerKind
    user: object | None = None
    studio: Studio | None = None
    api_key_prefix: str | None = None
    performer: Performer | None = None  # their own performer record, if any
    represented_ids: frozenset[int] = field(default_factory=frozenset)  # performer pks
    staff_role: str | None = None

    @property
    def is_studio(self) -> bool:
        return self.kind == CallerKind.STUDIO

    @property
    def is_staff(self) -> bool:
        return self.kind == CallerKind.STAFF

    @property
    def is_union_admin(self) -> bool:
        return self.staff_role == roles.UNION_ADMIN

    @property
    def is_performer_side(self) -> bool:
        return self.kind == CallerKind.PERFORMER_SIDE

    def performer_ids(self) -> frozenset[int]:
        """Performer pks this caller may see today: themself and whom they represent (what
        they may *do* for each is asked of registry.parties.authority act by act)."""
        own = {self.performer.pk} if self.performer is not None else set()
        return frozenset(own) | self.represented_ids

    def may_view(self, performer: Performer) -> bool:
        return performer.pk in self.performer_ids()

    def actor(self, *, on_behalf_of: Performer | None = None) -> Actor:
        """The audit actor: a representative is recorded as themself, not as the performer."""
        if self.kind == CallerKind.STUDIO:
            return Actor(
                ActorKind.STUDIO,
                f"{self.studio.public_id}/{self.api_key_prefix}",
                self.studio.legal_name,
            )
        if self.kind == CallerKind.STAFF:
            return Actor(ActorKind.STAFF, str(self.user.pk), self.user.get_username())
        if self.kind == CallerKind.PERFORMER_SIDE:
            if self.performer is not None and (on_behalf_of is None or on_behalf_of.pk == self.performer.pk):
                return Actor(ActorKind.PERFORMER, self.performer.public_id, self.performer.legal_name)
            return Actor(
                ActorKind.REPRESENTATIVE,
                str(self.user.pk),
                self.user.get_full_name() or self.user.get_username(),
            )
        return Actor(ActorKind.PUBLIC, "anonymous", "anonymous")


def caller_for_user(user) -> Caller:
    """Build the caller for `request.user` (a Django user, a StudioPrincipal, or anonymous).

    Whom a performer-side caller may see is derived here from today's facts (age, death,
    mandates: registry.parties.authority), once per request, never stored."""

    if user is None or not getattr(user, "is_authenticated", False):
        return Caller(kind=CallerKind.ANONYMOUS)
    studio = getattr(user, "studio", None)
    if isinstance(studio, Studio) and getattr(user, "api_key", None) is not None:
        return Caller(kind=CallerKind.STUDIO, studio=studio, api_key_prefix=user.api_key.prefix)
    role = roles.staff_role(user)
    if role is not None:
        return Caller(kind=CallerKind.STAFF, user=user, staff_role=role)
    in_reach = reach(user)
    own = next((a.performer for a in in_reach if a.is_self), None)
    represented = frozenset(a.performer.pk for a in in_reach if not a.is_self)
    if own is not None or represented:
        return Caller(kind=CallerKind.PERFORMER_SIDE, user=user, performer=own, represented_ids=represented)
    return Caller(kind=CallerKind.UNKNOWN, user=user)


def visible_to(caller: Caller, qs, *, studio: str | None = "studio", performer: str | None = "performer"):
    """Scope a queryset to what `caller` may see, before anything else: staff everything, a
    studio its own rows (`studio` names the lookup), the performer side the rows about the
    performers it acts for (`performer` names the lookup); None closes a kind of caller out."""
    if caller.is_staff:
        return qs
    if caller.is_studio and studio is not None:
        return qs.filter(**{studio: caller.studio})
    if caller.is_performer_side and performer is not None:
        return qs.filter(**{f"{performer}_id__in": caller.performer_ids()})
    return qs.none()
