"""The parties' constraints: member numbers, public ids, representatives' authority."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from registry.parties.authority import authority_for, reach
from registry.parties.callers import CallerKind, caller_for_user
from registry.parties.models import Performer, Representative
from registry.parties.rules import Act
from registry.parties.services import representative_authorise, representative_revoke
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


def make_performer(member_number: str, **extra) -> Performer:
    fields = {"legal_name": "P " + member_number, "date_of_birth": dt.date(1990, 1, 1)}
    fields.update(extra)
    return Performer.objects.create(member_number=member_number, **fields)


def test_duplicate_member_number_is_refused_by_the_database():
    make_performer("SAG-9")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_performer("SAG-9")
    assert Performer.objects.filter(member_number="SAG-9").count() == 1


def test_public_id_is_opaque_and_not_the_database_key():
    performer = make_performer("SAG-9")
    assert performer.public_id.startswith("prf_")
    assert len(performer.public_id) == 30
    assert str(performer.pk) not in performer.public_id.removeprefix("prf_")


def test_death_before_birth_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_performer("SAG-9", date_of_birth=dt.date(1990, 1, 1), date_of_death=dt.date(1980, 1, 1))


def test_minor_flag_is_derived_from_date_of_birth():
    performer = make_performer("SAG-9", date_of_birth=dt.date(2010, 6, 15))
    assert performer.is_minor_on(dt.date(2028, 6, 14)) is True
    assert performer.is_minor_on(dt.date(2028, 6, 15)) is False


def test_guardian_for_an_adult_is_refused(performer):
    with pytest.raises(ValidationError) as excinfo:
        representative_authorise(
            performer=performer.performer,
            kind="guardian",
            name="G",
            valid_from=dt.date(2026, 1, 1),
            authority_document="doc",
            actor=SYSTEM,
        )
    assert excinfo.value.message_dict == {
        "kind": ["A guardian acts only for a minor; the performer came of age on 14 Mar 2006."]
    }
    assert Representative.objects.count() == 0


def test_estate_for_a_living_performer_is_refused(performer):
    with pytest.raises(ValidationError) as excinfo:
        representative_authorise(
            performer=performer.performer,
            kind="estate",
            name="E",
            valid_from=dt.date(2026, 1, 1),
            authority_document="doc",
            actor=SYSTEM,
        )
    assert excinfo.value.message_dict == {"kind": ["An estate acts only for a deceased performer."]}


def test_agent_after_death_is_refused():
    deceased = make_performer("SAG-9", date_of_death=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError):
        representative_authorise(
            performer=deceased,
            kind="agent",
            name="A",
            valid_from=dt.date(2021, 1, 1),
            authority_document="doc",
            actor=SYSTEM,
        )


def test_representative_without_authority_document_is_refused(performer):
    with pytest.raises(ValidationError) as excinfo:
        representative_authorise(
            performer=performer.performer,
            kind="agent",
            name="A",
            valid_from=dt.date(2026, 1, 1),
            authority_document="  ",
            actor=SYSTEM,
        )
    assert "authority_document" in excinfo.value.message_dict


def test_representative_acts_for_their_performer_only(minor_with_guardian, other_performer):
    guardian = minor_with_guardian.user
    assert authority_for(guardian, minor_with_guardian.performer, Act.VIEW).capacity == "guardian"
    assert authority_for(guardian, other_performer.performer, Act.VIEW) == "You may not see this performer's records."
    assert [a.performer for a in reach(guardian)] == [minor_with_guardian.performer]
    caller = caller_for_user(guardian)
    assert caller.kind == CallerKind.PERFORMER_SIDE
    assert caller.may_view(minor_with_guardian.performer) is True
    assert caller.may_view(other_performer.performer) is False


def test_representation_outside_its_period_gives_no_authority(minor_with_guardian):
    rep = Representative.objects.get(user=minor_with_guardian.user)
    assert authority_for(rep.user, rep.performer, Act.VIEW, on=dt.date(2019, 12, 31)) == (
        "The authority starts on 1 Jan 2020."
    )
    assert authority_for(rep.user, rep.performer, Act.VIEW, on=dt.date(2020, 1, 1)).representative == rep


def test_revoked_representation_gives_no_authority(minor_with_guardian):
    rep = Representative.objects.get(user=minor_with_guardian.user)
    representative_revoke(representative=rep, actor=SYSTEM)
    assert authority_for(rep.user, rep.performer, Act.VIEW) == "The authority was revoked."
    assert caller_for_user(rep.user).kind == CallerKind.UNKNOWN


def test_representative_acts_as_themself_in_the_audit(minor_with_guardian):
    caller = caller_for_user(minor_with_guardian.user)
    actor = caller.actor(on_behalf_of=minor_with_guardian.performer)
    assert actor.kind == "representative"
    assert actor.name == "Elena Rivera"


def test_staff_roles(staff, analyst, performer):
    assert caller_for_user(staff.user).staff_role == "union_admin"
    assert caller_for_user(analyst.user).staff_role == "union_analyst"
    assert caller_for_user(analyst.user).is_union_admin is False
    assert caller_for_user(performer.user).kind == CallerKind.PERFORMER_SIDE


def test_analyst_group_has_only_view_permissions(analyst):
    perms = analyst.user.get_all_permissions()
    assert "parties.view_performer" in perms
    assert not [p for p in perms if not p.split(".")[1].startswith("view_")]
