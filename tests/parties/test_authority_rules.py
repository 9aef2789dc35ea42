"""The one decision on authority (registry.parties.rules), table by table: who may act for a
performer, in what capacity, on a given day. Pure: no database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.core.people import add_years, is_minor_on
from registry.parties.rules import Act, Capacity, Mandate, PersonFacts, mandate_refusal, no_capacity, refusal

D = dt.date
CHILD = PersonFacts(date_of_birth=D(2014, 6, 30))  # 12 on 2026-12-06, of age on 2032-06-30
ADULT = PersonFacts(date_of_birth=D(1988, 3, 14))
DIED_2025 = PersonFacts(date_of_birth=D(1941, 2, 3), date_of_death=D(2025, 5, 1))
CALIFORNIAN_DIED_1950 = PersonFacts(date_of_birth=D(1900, 1, 1), date_of_death=D(1950, 8, 15), post_mortem_years=70)
TODAY = D(2026, 12, 6)
MINOR_SELF = "A minor may see their records; their guardian acts for them."

EVERY_ACT = list(Act)
ACTS = [a for a in Act if a != Act.VIEW]


@pytest.mark.parametrize(
    ("capacity", "person", "day", "expected"),
    [
        # a guardian: only while the performer is a minor and alive
        (Capacity.GUARDIAN, CHILD, TODAY, None),
        (Capacity.GUARDIAN, CHILD, D(2032, 6, 29), None),
        (
            Capacity.GUARDIAN,
            CHILD,
            D(2032, 6, 30),
            "A guardian acts only for a minor; the performer came of age on 30 Jun 2032.",
        ),
        (
            Capacity.GUARDIAN,
            PersonFacts(D(2014, 6, 30), date_of_death=D(2026, 1, 2)),
            TODAY,
            "A guardian's authority ended at the performer's death on 2 Jan 2026.",
        ),
        # an agent or a lawyer: only while the performer lives (the estate acts from the day of death)
        (Capacity.AGENT, DIED_2025, D(2025, 4, 30), None),
        (
            Capacity.AGENT,
            DIED_2025,
            D(2025, 5, 1),
            "An agent's authority ended at the performer's death on 1 May 2025; the estate acts now.",
        ),
        (
            Capacity.LAWYER,
            DIED_2025,
            TODAY,
            "A lawyer's authority ended at the performer's death on 1 May 2025; the estate acts now.",
        ),
        # an estate: only after death, and within the post-mortem period where one applies
        (Capacity.ESTATE, ADULT, TODAY, "An estate acts only for a deceased performer."),
        (Capacity.ESTATE, DIED_2025, D(2025, 4, 30), "An estate acts only for a deceased performer."),
        (Capacity.ESTATE, DIED_2025, D(2025, 5, 1), None),
        (Capacity.ESTATE, DIED_2025, D(2125, 5, 1), None),  # no jurisdiction recorded: no limit
        (Capacity.ESTATE, CALIFORNIAN_DIED_1950, D(2020, 8, 14), None),
        (
            Capacity.ESTATE,
            CALIFORNIAN_DIED_1950,
            D(2020, 8, 15),
            "The post-mortem protection of the performer's likeness ended on 14 Aug 2020.",
        ),
        # the performer themself: not after death
        (Capacity.SELF, ADULT, TODAY, None),
        (Capacity.SELF, CHILD, TODAY, None),
        (Capacity.SELF, DIED_2025, TODAY, "The performer died on 1 May 2025; their estate acts for them."),
    ],
)
def test_who_may_see_a_performer_on_a_day(capacity, person, day, expected):
    assert refusal(capacity, Act.VIEW, person, day) == expected


@pytest.mark.parametrize("act", ACTS)
def test_a_minor_sees_but_acts_only_through_the_guardian(act):
    assert refusal(Capacity.SELF, Act.VIEW, CHILD, TODAY) is None
    assert refusal(Capacity.SELF, act, CHILD, TODAY) == MINOR_SELF
    assert refusal(Capacity.GUARDIAN, act, CHILD, TODAY) is None
    expected = "The performer is a minor: their guardian acts for them, not their agent."
    assert refusal(Capacity.AGENT, act, CHILD, TODAY) == expected


@pytest.mark.parametrize("act", ACTS)
def test_on_coming_of_age_the_acts_pass_from_the_guardian_to_the_performer(act):
    birthday = D(2032, 6, 30)
    assert refusal(Capacity.SELF, act, CHILD, birthday - dt.timedelta(days=1)) == MINOR_SELF
    assert refusal(Capacity.SELF, act, CHILD, birthday) is None
    assert refusal(Capacity.GUARDIAN, act, CHILD, birthday - dt.timedelta(days=1)) is None
    assert refusal(Capacity.GUARDIAN, act, CHILD, birthday) is not None


@pytest.mark.parametrize(
    ("capacity", "allowed"),
    [
        (Capacity.SELF, True),
        (Capacity.LAWYER, True),
        (Capacity.AGENT, False),
    ],
)
def test_an_agents_authority_is_commercial_not_personal(capacity, allowed):
    assert (refusal(capacity, Act.PRIVACY_RIGHTS, ADULT, TODAY) is None) is allowed
    assert refusal(capacity, Act.ANSWER_REQUESTS, ADULT, TODAY) is None
    assert refusal(capacity, Act.CHANGE_CONSENT, ADULT, TODAY) is None


def test_the_estate_and_the_guardian_hold_the_personal_rights():
    assert refusal(Capacity.ESTATE, Act.PRIVACY_RIGHTS, DIED_2025, TODAY) is None
    assert refusal(Capacity.GUARDIAN, Act.PRIVACY_RIGHTS, CHILD, TODAY) is None


@pytest.mark.parametrize(
    ("capacity", "person", "allowed"),
    [
        (Capacity.SELF, ADULT, True),
        (Capacity.GUARDIAN, CHILD, True),
        (Capacity.AGENT, ADULT, False),
        (Capacity.LAWYER, ADULT, False),
        (Capacity.ESTATE, DIED_2025, False),
    ],
)
def test_who_changes_who_acts_for_the_performer(capacity, person, allowed):
    assert (refusal(capacity, Act.MANAGE_REPRESENTATIVES, person, TODAY) is None) is allowed


def test_a_mandate_is_in_force_only_within_its_period_and_until_revoked():
    mandate = Mandate(Capacity.AGENT, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))
    assert mandate_refusal(mandate, ADULT, D(2025, 12, 31)) == "The authority starts on 1 Jan 2026."
    assert mandate_refusal(mandate, ADULT, D(2026, 1, 1)) is None
    assert mandate_refusal(mandate, ADULT, D(2026, 12, 31)) is None
    assert mandate_refusal(mandate, ADULT, D(2027, 1, 1)) == "The authority ended on 31 Dec 2026."
    revoked = Mandate(Capacity.AGENT, valid_from=D(2026, 1, 1), revoked=True)
    assert mandate_refusal(revoked, ADULT, TODAY) == "The authority was revoked."


def test_a_valid_period_does_not_outlast_the_facts():
    # recorded for a minor with no end date: the period is open, the authority is not
    guardian = Mandate(Capacity.GUARDIAN, valid_from=D(2015, 1, 1))
    assert mandate_refusal(guardian, CHILD, TODAY) is None
    assert mandate_refusal(guardian, CHILD, D(2032, 7, 1)) is not None


def test_someone_with_no_capacity_is_told_what_they_may_not_do():
    assert no_capacity(Act.ANSWER_REQUESTS) == "You may not answer requests for this performer."
    assert len({no_capacity(a) for a in Act}) == len(Act)  # one sentence for each act


@given(
    born=st.dates(min_value=D(1900, 1, 1), max_value=D(2030, 12, 31)),
    day=st.dates(min_value=D(1900, 1, 1), max_value=D(2060, 12, 31)),
)
def test_coming_of_age_agrees_with_the_age_rule(born, day):
    # adult_from (the day the guardian's authority ends) is the first day is_minor_on says no
    person = PersonFacts(date_of_birth=born)
    if day < born:
        return
    assert (day >= person.adult_from) is (not is_minor_on(born, day))


def test_a_leap_day_anniversary_falls_on_the_first_of_march():
    assert add_years(D(2008, 2, 29), 18) == D(2026, 3, 1)
    assert add_years(D(2008, 2, 29), 20) == D(2028, 2, 29)
    assert PersonFacts(D(2008, 2, 29)).adult_from == D(2026, 3, 1)


@given(
    capacity=st.sampled_from(list(Capacity)),
    act=st.sampled_from(EVERY_ACT),
    born=st.dates(min_value=D(1920, 1, 1), max_value=D(2025, 1, 1)),
    died_after_days=st.one_of(st.none(), st.integers(min_value=0, max_value=40000)),
    years=st.one_of(st.none(), st.integers(min_value=1, max_value=100)),
    day=st.dates(min_value=D(1920, 1, 1), max_value=D(2100, 1, 1)),
)
def test_no_one_acts_who_may_not_see(capacity, act, born, died_after_days, years, day):
    died = None if died_after_days is None else born + dt.timedelta(days=died_after_days)
    person = PersonFacts(date_of_birth=born, date_of_death=died, post_mortem_years=years)
    if refusal(capacity, Act.VIEW, person, day) is not None:
        assert refusal(capacity, act, person, day) is not None
    # at most one of guardian, agent/lawyer and estate sees the performer on any day
    seeing = {
        c for c in (Capacity.GUARDIAN, Capacity.AGENT, Capacity.ESTATE) if refusal(c, Act.VIEW, person, day) is None
    }
    assert not ({Capacity.GUARDIAN, Capacity.ESTATE} <= seeing or {Capacity.AGENT, Capacity.ESTATE} <= seeing)
