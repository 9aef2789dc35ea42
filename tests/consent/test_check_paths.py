"""The one-statement path of a check (grants' own status and open suspensions) answers exactly as
the history path does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from registry.consent import rules, selectors, services
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import grant_for

pytestmark = pytest.mark.django_db


def test_current_candidates_match_the_history(studio, performer, agreement):
    grants = [
        grant_for(studio.studio, performer.performer, agreement, project={"production_number": f"P-{n}"})
        for n in range(5)
    ]
    services.grant_revoke(grant=grants[0], reason="no", acting_user=login_of(grants[0].performer))
    services.grant_suspend(grant=grants[1], reason="pause", acting_user=login_of(grants[1].performer))
    services.strike_declare(agreement=agreement, studios=[studio.studio], reason="strike", actor=SYSTEM)
    services.grant_suspend(grant=grants[2], reason="pause too", acting_user=login_of(grants[2].performer))
    now = timezone.now()

    def answer(current: bool):
        if current:
            _, _, found = selectors._check_sql().read(
                studio_id=studio.studio.pk, performer_reference=performer.performer.public_id, as_of=now
            )
            found = [candidate for _, candidate in found]
        else:
            histories = selectors.grant_histories(studio_id=studio.studio.pk, performer_ids=[performer.performer.pk])
            found = selectors.candidates_as_of(histories[performer.performer.pk], now)
        # The whole scope too (rule 2.4): the statement reads the description's columns as the ORM does.
        return sorted(((c.grant_id, c.status, c.suspension_causes), repr(c.scope)) for c in found)

    assert answer(current=True) == answer(current=False)
    assert {status for (_, status, _), _ in answer(current=True)} == {"revoked", "suspended"}


def _varied_world(studio, performer, agreement):
    """Grants in every state a check can meet, and preferences that decline a use."""
    grants = [
        grant_for(studio.studio, performer.performer, agreement, project={"production_number": f"P-{n}"})
        for n in range(4)
    ]
    services.grant_revoke(grant=grants[0], reason="no", acting_user=login_of(grants[0].performer))
    services.grant_suspend(grant=grants[1], reason="pause", acting_user=login_of(grants[1].performer))
    services.strike_declare(agreement=agreement, studios=[studio.studio], reason="strike", actor=SYSTEM)
    services.preferences_update(
        performer=performer.performer,
        acting_user=login_of(performer.performer),
        do_not_train=True,
        opt_out_categories=["political"],
        declined_uses=["real_time_generation"],
        rate_floor_amount=Decimal("900.00"),
        rate_floor_currency="USD",
        rate_floor_unit="day",
    )
    return grants


def _queries(grants) -> list[rules.UseQuery]:
    on = timezone.localdate() + dt.timedelta(days=60)
    out = []
    for grant in grants:
        for use in ("replica_use", "training", "real_time_generation"):
            for media, territory in ((("streaming",), ("US",)), (("radio",), ("FR",))):
                out.append(rules.UseQuery(use=use, project=grant.project(), on=on, media=media, territory=territory))
        # Rule 2.4: the rest of the description, inside and outside it.
        for role, intended, flags, realtime in (
            ("Ana Reyes", "Replica performs the rooftop stunt sequence in place of a double", (), False),
            ("Captain Lee", "Trailer", ("nudity",), True),
        ):
            out.append(
                rules.UseQuery(
                    use="replica_use",
                    project=grant.project(),
                    on=on,
                    media=("streaming",),
                    territory=("US",),
                    role=role,
                    intended_use=intended,
                    sensitive_content=flags,
                    realtime_generation=realtime,
                )
            )
    return out


def test_one_statement_check_answers_as_the_orm_path(studio, other_studio, performer, agreement):
    grants = _varied_world(studio, performer, agreement)
    now = timezone.now()
    fresh = selectors.performer_by_reference(performer.performer.public_id)
    seen = set()
    # The other studio has no grant from this performer: its checks meet the preferences.
    for studio_id in (studio.studio.pk, other_studio.studio.pk):
        for query in _queries(grants):
            expected = selectors.consent_check(studio_id=studio_id, performer=fresh, query=query, now=now)
            seen.update(r.code for r in expected.reasons)
            for reference in (performer.performer.public_id, performer.performer.member_number):
                found = selectors.consent_check_by_reference(
                    studio_id=studio_id, performer_reference=f" {reference} ", query=query, now=now
                )
                assert found is not None
                checked, outcome = found
                assert (checked.pk, checked.public_id) == (performer.performer.pk, performer.performer.public_id)
                assert outcome == expected, query
    # The world exercises every way a grant and a preference can answer.
    assert {"revoked", "suspended_by_performer", "suspended_by_strike", "preference", "outside_scope"} <= seen


def test_one_statement_check_reads_one_statement(studio, performer, agreement, django_assert_num_queries):
    grants = _varied_world(studio, performer, agreement)
    query = _queries(grants)[0]
    with django_assert_num_queries(1):
        selectors.consent_check_by_reference(
            studio_id=studio.studio.pk, performer_reference=performer.performer.public_id, query=query
        )


def test_one_statement_check_without_grants_or_preferences(studio, other_performer, agreement):
    query = rules.UseQuery(
        use="replica_use",
        project=rules.Project(kind="picture", title="T", production_number="P-1"),
        on=timezone.localdate(),
    )
    checked, outcome = selectors.consent_check_by_reference(
        studio_id=studio.studio.pk, performer_reference=other_performer.performer.public_id, query=query
    )
    assert checked.public_id == other_performer.performer.public_id
    assert (outcome.allowed, [r.code for r in outcome.reasons]) == (False, ["no_grant"])


@pytest.mark.parametrize("reference", ["", "   ", "prf_nobody", "M-0000000"])
def test_one_statement_check_for_an_unknown_performer_is_none(studio, performer, agreement, reference):
    grant_for(studio.studio, performer.performer, agreement)
    query = rules.UseQuery(
        use="replica_use",
        project=rules.Project(kind="picture", title="T", production_number="P-1"),
        on=timezone.localdate(),
    )
    assert (
        selectors.consent_check_by_reference(studio_id=studio.studio.pk, performer_reference=reference, query=query)
        is None
    )


def test_a_past_date_check_answers_as_the_history_path(studio, performer, agreement):
    grants = _varied_world(studio, performer, agreement)
    later = timezone.now() + dt.timedelta(days=400)  # every query's date is now in the past
    fresh = selectors.performer_by_reference(performer.performer.public_id)
    for query in _queries(grants):
        expected = selectors.consent_check(studio_id=studio.studio.pk, performer=fresh, query=query, now=later)
        _, outcome = selectors.consent_check_by_reference(
            studio_id=studio.studio.pk, performer_reference=performer.performer.public_id, query=query, now=later
        )
        assert outcome == expected, query


@pytest.mark.postgres
def test_on_postgresql_the_check_statement_is_prepared_once_per_connection(
    require_postgres, studio, performer, agreement
):
    """Planning the statement cost PostgreSQL five times what running it does; a setting that
    silently turned preparation off (Django's default) would cost that on every check."""
    from django.db import connection

    grants = _varied_world(studio, performer, agreement)
    query = _queries(grants)[0]
    for _ in range(3):
        selectors.consent_check_by_reference(
            studio_id=studio.studio.pk, performer_reference=performer.performer.public_id, query=query
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = [row[0] for row in cursor.fetchall()]
    check_sql = selectors._check_sql().by_field["public_id"].replace("%s", "$")
    assert sum(1 for text in prepared if text.split("$")[0] == check_sql.split("$")[0]) == 1
