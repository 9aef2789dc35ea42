"""Who may see which portal page, decided once per request.

The portal is for the performer side: performers and the representatives authorised for
them. Anonymous visitors are sent to sign in; any other signed-in account (union staff, a
login with no performer behind it) gets 403. Records are then read through the consent and
billing selectors scoped to the caller, so another performer's request, grant or statement
is a 404, never a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from registry.parties.authority import Authority, lapsed_mandates, person_facts, reach
from registry.parties.callers import Caller, caller_for_user
from registry.parties.models import Performer
from registry.parties.rules import Act
from registry.portal.wording import Whom


@dataclass(frozen=True)
class PortalContext:
    caller: Caller
    # Whom the caller may act for, and in what capacity, on today's facts (read afresh on every
    # request): own record first, then those represented.
    acting: tuple[Authority, ...]

    @classmethod
    def for_caller(cls, caller: Caller) -> PortalContext:
        return cls(caller=caller, acting=tuple(reach(caller.user, on=timezone.localdate())))

    def acting_for(self, performer: Performer) -> Authority:
        for item in self.acting:
            if item.performer.pk == performer.pk:
                return item
        # Callers reach this only with a performer a scoped selector returned; a miss is a 404.
        raise Http404("No such performer.")

    def choose(self, public_id: str | None) -> Authority:
        """The performer a per-performer page is about: `?for=` when given (404 when the caller
        may not act for it), else the caller's own record, else the first one represented."""
        if public_id:
            for item in self.acting:
                if item.performer.public_id == public_id:
                    return item
            raise Http404("No such performer.")
        return self.acting[0]

    @property
    def represents_others(self) -> bool:
        return any(not item.is_self for item in self.acting)

    @property
    def answers_requests(self) -> bool:
        """Whether the caller answers anyone's requests (a minor signed in themself does not)."""
        return any(item.refusal(Act.ANSWER_REQUESTS) is None for item in self.acting)

    @property
    def pending_heading(self) -> str:
        return "Waiting for your answer" if self.answers_requests else "Waiting for an answer"


def portal_page(view):
    """Require a signed-in performer or representative; put the PortalContext on the request."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        caller = caller_for_user(request.user)
        if not caller.is_performer_side:
            return render(
                request,
                "portal/not_for_you.html",
                {"is_staff": caller.is_staff, "lapsed": lapsed_mandates(request.user)},
                status=403,
            )
        request.portal = PortalContext.for_caller(caller)
        return view(request, *args, **kwargs)

    return wrapper


def whom_of(acting: Authority) -> Whom:
    """The performer a page is about, named for the person reading it."""
    return Whom(is_self=acting.is_self, name=acting.performer.legal_name)


def answerer_for(portal: PortalContext | None, performer: Performer) -> str | None:
    """Who answers `performer`'s requests, as the reader of the page stands to them: None when
    the reader may answer themself, else "your guardian", "the estate", "Maya Okafor"."""
    acting = next((a for a in portal.acting if a.performer.pk == performer.pk), None) if portal else None
    if acting is not None and acting.refusal(Act.ANSWER_REQUESTS) is None:
        return None
    facts = person_facts(performer)
    today = timezone.localdate()
    if facts.has_died_by(today):
        return "the estate"
    if facts.is_minor_on(today):
        return "your guardian" if acting is not None and acting.is_self else "the guardian"
    return performer.legal_name
