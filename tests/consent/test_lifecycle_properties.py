"""Random sequences of consent actions keep the lifecycle's invariants.

A hypothesis state machine drives the services (request, accept, decline, amend, revoke,
suspend, resume, strike declare and lift) across two studios and two performers, keeps its own
model of what every grant's status should be, and checks the database against it after every
step. Refusals are legitimate only where the model says the action is not allowed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from registry.audit.selectors import verify_audit_chain
from registry.consent import services
from registry.consent.models import ConsentGrant, ConsentRequest, GrantStatusChange, Strike, Suspension
from registry.consent.services import StudioOnStrikeError
from registry.core.errors import NotPermittedError, RuleViolationError, StateConflictError
from registry.core.vocabulary.consent import LIVE_GRANT_STATUSES
from registry.parties.models import Performer, Studio
from registry.terms.models import Agreement
from tests.conftest import SYSTEM, login_of
from tests.consent import factories
from tests.consent.factories import audited_status_changes, run_strike_jobs

REFUSALS = (StateConflictError, NotPermittedError, RuleViolationError)


@dataclass
class RequestModel:
    studio: int
    performer: int
    use: str
    amends: int | None = None  # grant pk
    status: str = "pending"


@dataclass
class GrantModel:
    public_id: str
    lineage: str
    studio: int
    ended: str | None = None  # revoked | superseded
    by_performer: bool = False  # an open suspension by the performer
    strikes: set[int] = field(default_factory=set)  # strikes with an open suspension

    @property
    def expected_status(self) -> str:
        if self.ended:
            return self.ended
        return "suspended" if self.by_performer or self.strikes else "active"

    def expected_open_suspensions(self) -> set[tuple[str, int | None]]:
        opened = {("strike", pk) for pk in self.strikes}
        return opened | ({("performer", None)} if self.by_performer else set())


@dataclass
class StrikeModel:
    studios: frozenset[int]
    lifted: bool = False


class ConsentLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # A clean slate per example: our own agreement, studios and performers, nothing shared.
        tag = uuid.uuid4().hex[:12]
        self.agreement = Agreement.objects.create(
            code=f"prop-{tag}",
            name=f"Property agreement {tag}",
            sector="tv_theatrical",
            effective_from=dt.date(2023, 11, 9),
            effective_to=dt.date(2030, 6, 30),
        )
        self.studios = []
        for i in range(2):
            studio = Studio.objects.create(legal_name=f"Studio {i} {tag}")
            studio.agreements.add(self.agreement)
            self.studios.append(studio)
        self.performers = []
        for i in range(2):
            user = get_user_model().objects.create_user(username=f"performer-{i}-{tag}")
            self.performers.append(
                Performer.objects.create(
                    member_number=f"P{i}-{tag}",
                    legal_name=f"Performer {i} {tag}",
                    date_of_birth=dt.date(1980 + i, 1, 15),
                    user=user,
                )
            )
        self.requests: dict[int, RequestModel] = {}
        self.grants: dict[int, GrantModel] = {}
        self.strikes: dict[int, StrikeModel] = {}
        # Rule 2.10: whether the agreement takes requests made during a strike (held suspended).
        self.held = False

    # --- helpers ---------------------------------------------------------------------------
    def _strikes_in_force_against(self, studio: int) -> set[int]:
        return {pk for pk, s in self.strikes.items() if not s.lifted and studio in s.studios}

    def _pending(self) -> list[int]:
        return sorted(pk for pk, m in self.requests.items() if m.status == "pending")

    def _answered(self) -> list[int]:
        return sorted(pk for pk, m in self.requests.items() if m.status != "pending")

    def _request(self, studio: int, performer: int, use: str) -> int | None:
        struck = bool(self._strikes_in_force_against(studio))
        try:
            created = factories.create_request(
                self.studios[studio], self.performers[performer], self.agreement, use=use
            )
        except StudioOnStrikeError:
            # Rule 2.10: refused while a strike against the studio lasts, unless the agreement holds them.
            event("request: refused, studio on strike")
            assert struck and not self.held, "a request was refused with no strike in force"
            return None
        assert not (struck and not self.held), "a request to a studio on strike was taken"
        assert (created.held_by_strike_id is not None) == (struck and self.held)
        self.requests[created.pk] = RequestModel(studio=studio, performer=performer, use=use)
        return created.pk

    def _accept(self, pk: int) -> None:
        model = self.requests[pk]
        amended = self.grants[model.amends] if model.amends is not None else None
        allowed = model.status == "pending" and (amended is None or amended.ended is None)
        try:
            grant = factories.accept(ConsentRequest.objects.get(pk=pk), name="Performer")
        except REFUSALS as refusal:
            event(f"accept: refused ({type(refusal).__name__})")
            assert not allowed, f"accepting was refused: {refusal}"
            assert isinstance(refusal, StateConflictError)
            return
        assert allowed, f"request in state {model.status} was accepted"
        model.status = "accepted"
        if amended is not None:
            # The old version's suspensions end with it; a strike in force suspends the new one.
            amended.ended, amended.by_performer, amended.strikes = "superseded", False, set()
            assert (grant.lineage_id, grant.supersedes_id) == (amended.lineage, model.amends)
        self.grants[grant.pk] = GrantModel(
            public_id=grant.public_id,
            lineage=grant.lineage_id,
            studio=model.studio,
            # A grant signed while a strike against its studio is in force starts suspended.
            strikes=self._strikes_in_force_against(model.studio),
        )
        event("accept: ok, starts suspended" if self.grants[grant.pk].strikes else "accept: ok")

    # --- requests and answers --------------------------------------------------------------------
    @initialize()
    def one_grant_per_studio(self) -> None:
        for i in range(2):
            self._accept(self._request(i, i, "replica_use"))

    @rule(
        studio=st.integers(0, 1),
        performer=st.integers(0, 1),
        use=st.sampled_from(["replica_use", "voice_replica"]),
    )
    def request(self, studio: int, performer: int, use: str) -> None:
        if self._request(studio, performer, use) is not None:
            event("request: ok")

    @rule(studio=st.integers(0, 1), performer=st.integers(0, 1))
    def request_and_accept(self, studio: int, performer: int) -> None:
        pk = self._request(studio, performer, "replica_use")
        if pk is not None:
            self._accept(pk)

    @rule(held=st.booleans())
    def set_strike_policy(self, held: bool) -> None:
        """Union staff edit the agreement: requests during a strike refused, or held (rule 2.10)."""
        self.agreement.strike_requests_held = held
        self.agreement.save(update_fields=["strike_requests_held"])
        self.held = held

    def _amend(self, pk: int) -> None:
        model = self.grants[pk]
        grant = ConsentGrant.objects.select_related("studio", "performer").get(pk=pk)
        try:
            created = factories.create_request(
                grant.studio,
                grant.performer,
                self.agreement,
                use=grant.use,
                amends_grant=grant,
                description={"detail": f"Amendment of {grant.public_id}"},
            )
        except StudioOnStrikeError:
            event("amend: refused, studio on strike")
            assert model.ended is None and self._strikes_in_force_against(model.studio) and not self.held
            return
        except REFUSALS as refusal:
            event(f"amend: refused ({type(refusal).__name__})")
            assert model.ended is not None, f"amending a live grant was refused: {refusal}"
            assert isinstance(refusal, RuleViolationError)
            assert [p.code for p in refusal.problems] == ["grant_not_live"]
            return
        assert model.ended is None, "a grant that is no longer live was amended"
        assert not (self._strikes_in_force_against(model.studio) and not self.held), "amended during a strike"
        performer = self.performers.index(grant.performer)
        self.requests[created.pk] = RequestModel(studio=model.studio, performer=performer, use=grant.use, amends=pk)
        event("amend: ok")

    @precondition(lambda self: self._pending())
    @rule(data=st.data())
    def accept(self, data) -> None:
        self._accept(data.draw(st.sampled_from(self._pending()), label="request to accept"))

    @precondition(lambda self: self._pending())
    @rule(data=st.data())
    def decline(self, data) -> None:
        pk = data.draw(st.sampled_from(self._pending()), label="request to decline")
        services.consent_request_decline(
            request=ConsentRequest.objects.get(pk=pk),
            reason="Not for me.",
            acting_user=login_of(ConsentRequest.objects.get(pk=pk).performer),
        )
        self.requests[pk].status = "declined"
        event("decline: ok")

    @precondition(lambda self: self._answered())
    @rule(data=st.data(), answer=st.sampled_from(["accept", "decline"]))
    def answer_again(self, data, answer: str) -> None:
        pk = data.draw(st.sampled_from(self._answered()), label="answered request")
        if answer == "accept":
            self._accept(pk)
            return
        with pytest.raises(StateConflictError):
            services.consent_request_decline(
                request=ConsentRequest.objects.get(pk=pk),
                reason="Not for me.",
                acting_user=login_of(ConsentRequest.objects.get(pk=pk).performer),
            )
        event("decline: refused (StateConflictError)")

    # --- grant actions by the performer --------------------------------------------------------
    def _live(self) -> list[int]:
        return sorted(pk for pk, m in self.grants.items() if m.ended is None)

    def _suspended_by_performer(self) -> list[int]:
        return sorted(pk for pk, m in self.grants.items() if m.by_performer)

    def _revoke(self, pk: int) -> None:
        model = self.grants[pk]
        try:
            services.grant_revoke(
                grant=ConsentGrant.objects.get(pk=pk),
                reason="Withdrawn.",
                acting_user=login_of(ConsentGrant.objects.get(pk=pk).performer),
            )
        except REFUSALS as refusal:
            event(f"revoke: refused ({type(refusal).__name__})")
            assert model.ended is not None, f"revoking a live grant was refused: {refusal}"
            assert isinstance(refusal, StateConflictError)
            return
        assert model.ended is None, f"a {model.ended} grant was revoked"
        event("revoke: ok, while suspended" if model.expected_status == "suspended" else "revoke: ok")
        model.ended, model.by_performer, model.strikes = "revoked", False, set()

    def _suspend(self, pk: int) -> None:
        model = self.grants[pk]
        allowed = model.ended is None and not model.by_performer
        try:
            services.grant_suspend(
                grant=ConsentGrant.objects.get(pk=pk),
                reason="A pause.",
                acting_user=login_of(ConsentGrant.objects.get(pk=pk).performer),
            )
        except REFUSALS as refusal:
            event(f"suspend: refused ({type(refusal).__name__})")
            assert not allowed, f"suspending was refused: {refusal}"
            assert isinstance(refusal, StateConflictError)
            return
        assert allowed, "a grant already suspended by the performer, or ended, was suspended again"
        event("suspend: ok, on top of a strike" if model.strikes else "suspend: ok")
        model.by_performer = True

    def _resume(self, pk: int) -> None:
        model = self.grants[pk]
        try:
            services.grant_resume(
                grant=ConsentGrant.objects.get(pk=pk), acting_user=login_of(ConsentGrant.objects.get(pk=pk).performer)
            )
        except REFUSALS as refusal:
            event(f"resume: refused ({type(refusal).__name__})")
            assert not (model.ended is None and model.by_performer), f"resuming was refused: {refusal}"
            assert isinstance(refusal, StateConflictError)
            return
        assert model.ended is None and model.by_performer, "resumed a grant the performer had not suspended"
        event("resume: ok, a strike still holds it" if model.strikes else "resume: ok")
        model.by_performer = False

    @precondition(lambda self: self._live())
    @rule(data=st.data())
    def revoke(self, data) -> None:
        self._revoke(data.draw(st.sampled_from(self._live()), label="live grant to revoke"))

    @precondition(lambda self: self._live())
    @rule(data=st.data())
    def suspend(self, data) -> None:
        self._suspend(data.draw(st.sampled_from(self._live()), label="live grant to suspend"))

    @precondition(lambda self: self._suspended_by_performer())
    @rule(data=st.data())
    def resume(self, data) -> None:
        self._resume(data.draw(st.sampled_from(self._suspended_by_performer()), label="grant to resume"))

    @precondition(lambda self: self._live())
    @rule(data=st.data())
    def amend(self, data) -> None:
        self._amend(data.draw(st.sampled_from(self._live()), label="live grant to amend"))

    @precondition(lambda self: self.grants)
    @rule(data=st.data(), action=st.sampled_from(["amend", "revoke", "suspend", "resume"]))
    def act_on_any_grant(self, data, action: str) -> None:
        # Any grant, in any state: refusals must come exactly where the model expects them.
        pk = data.draw(st.sampled_from(sorted(self.grants)), label=f"grant to {action}")
        {"amend": self._amend, "revoke": self._revoke, "suspend": self._suspend, "resume": self._resume}[action](pk)

    # --- strikes ---------------------------------------------------------------------------------
    def _strikes_where(self, lifted: bool) -> list[int]:
        return sorted(pk for pk, s in self.strikes.items() if s.lifted is lifted)

    @rule(studios=st.sets(st.integers(0, 1), min_size=1))
    def declare_strike(self, studios: set[int]) -> None:
        strike = services.strike_declare(
            agreement=self.agreement,
            studios=[self.studios[i] for i in sorted(studios)],
            reason="Strike over AI terms",
            actor=SYSTEM,
        )
        run_strike_jobs(strike)
        self.strikes[strike.pk] = StrikeModel(studios=frozenset(studios))
        event(f"declare_strike: against {len(studios)} studio(s)")
        for model in self.grants.values():
            if model.ended is None and model.studio in studios:
                model.strikes.add(strike.pk)

    @precondition(lambda self: self._strikes_where(lifted=False))
    @rule(data=st.data())
    def lift_strike(self, data) -> None:
        pk = data.draw(st.sampled_from(self._strikes_where(lifted=False)), label="strike to lift")
        held = sum(1 for g in self.grants.values() if pk in g.strikes)
        strike = services.strike_lift(strike=Strike.objects.get(pk=pk), actor=SYSTEM)
        run_strike_jobs(strike)
        self.strikes[pk].lifted = True
        event(f"lift_strike: ok ({'it held grants' if held else 'no grants held'})")
        for grant in self.grants.values():
            grant.strikes.discard(pk)

    @precondition(lambda self: self._strikes_where(lifted=True))
    @rule(data=st.data())
    def lift_strike_again(self, data) -> None:
        pk = data.draw(st.sampled_from(self._strikes_where(lifted=True)), label="lifted strike")
        with pytest.raises(StateConflictError):
            services.strike_lift(strike=Strike.objects.get(pk=pk), actor=SYSTEM)
        event("lift_strike: refused (StateConflictError)")

    # --- invariants ------------------------------------------------------------------------------
    def _our_grants(self):
        return ConsentGrant.objects.filter(agreement=self.agreement)

    @invariant()
    def at_most_one_live_version_per_lineage(self) -> None:
        crowded = (
            self._our_grants()
            .filter(status__in=LIVE_GRANT_STATUSES)
            .values("lineage_id")
            .annotate(live=Count("id"))
            .filter(live__gt=1)
        )
        assert list(crowded) == []

    @invariant()
    def requests_are_as_modelled(self) -> None:
        actual = dict(ConsentRequest.objects.filter(agreement=self.agreement).values_list("pk", "status"))
        assert actual == {pk: m.status for pk, m in self.requests.items()}

    @invariant()
    def grants_are_as_modelled(self) -> None:
        actual = dict(self._our_grants().values_list("pk", "status"))
        assert actual == {pk: m.expected_status for pk, m in self.grants.items()}

    @invariant()
    def suspended_iff_an_open_suspension(self) -> None:
        open_by_grant: dict[int, set] = defaultdict(set)
        for grant_id, cause, strike_id in Suspension.objects.filter(
            grant__agreement=self.agreement, ended_at__isnull=True
        ).values_list("grant_id", "cause", "strike_id"):
            open_by_grant[grant_id].add((cause, strike_id))
        for pk, status in self._our_grants().values_list("pk", "status"):
            assert (status == "suspended") == bool(open_by_grant[pk]), (pk, status, open_by_grant[pk])
            assert open_by_grant[pk] == self.grants[pk].expected_open_suspensions()

    @invariant()
    def a_lifted_strike_leaves_nothing_suspended(self) -> None:
        lifted = [pk for pk, s in self.strikes.items() if s.lifted]
        assert not Suspension.objects.filter(strike_id__in=lifted, ended_at__isnull=True).exists()
        # Every grant a lifted strike suspended is active again unless something else holds it.
        touched = set(Suspension.objects.filter(strike_id__in=lifted).values_list("grant_id", flat=True))
        statuses = dict(self._our_grants().filter(pk__in=touched).values_list("pk", "status"))
        for pk in touched:
            model = self.grants[pk]
            if model.ended is None and not model.by_performer and not model.strikes:
                assert statuses[pk] == "active", (pk, statuses[pk])

    @invariant()
    def every_status_change_is_audited(self) -> None:
        by_id = {m.public_id: pk for pk, m in self.grants.items()}
        changes: dict[int, list] = defaultdict(list)
        for grant_id, before, after in (
            GrantStatusChange.objects.filter(grant__agreement=self.agreement)
            .order_by("id")
            .values_list("grant_id", "from_status", "to_status")
        ):
            changes[grant_id].append((before, after))
        # A strike's changes are audited in its job's batch events, which name the grants.
        audited: dict[int, list] = defaultdict(list)
        for grant_id, before, after in audited_status_changes():
            if grant_id in by_id:
                audited[by_id[grant_id]].append((before, after))
        assert audited == changes

    def teardown(self) -> None:
        assert verify_audit_chain().ok


@pytest.mark.django_db
def test_consent_lifecycle_keeps_its_invariants():
    run_state_machine_as_test(
        ConsentLifecycle,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    assert verify_audit_chain().ok


# --- Regression: a superseded version keeps no open suspension (it once did, forever) ---------
@pytest.mark.django_db
def test_superseding_a_suspended_grant_ends_its_suspensions(agreement, studio, performer):
    old = factories.grant_for(studio.studio, performer.performer, agreement)
    services.grant_suspend(grant=old, reason="A pause.", acting_user=login_of(old.performer))
    amendment = factories.create_request(studio.studio, performer.performer, agreement, amends_grant=old)

    new = factories.accept(amendment)

    old.refresh_from_db()
    assert (old.status, new.status, new.supersedes_id) == ("superseded", "active", old.pk)
    assert list(Suspension.objects.filter(grant=old, ended_at__isnull=True)) == []
