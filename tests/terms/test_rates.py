"""Rates: the shipped reference figures, looked up on each side of every change, and rate card
rows added, closed and refused (overlaps) through the services and the staff admin."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from registry.audit.models import AuditEvent
from registry.terms.models import Agreement, RateCard
from registry.terms.selectors import RateNotFoundError, rate_in_force
from registry.terms.services import rate_card_add, rate_card_close
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def agreement(db) -> Agreement:
    """A bare agreement, with no scale rows yet (these tests add them)."""
    return Agreement.objects.create(
        code="test-tvth",
        name="Test TV/Theatrical",
        sector="tv_theatrical",
        effective_from=D(2023, 11, 9),
        effective_to=D(2030, 6, 30),
    )


def rate(code: str, role: str, unit: str, on: dt.date) -> Decimal:
    return rate_in_force(agreement=Agreement.objects.get(code=code), role_category=role, unit=unit, on=on).amount


def snapshot() -> dict:
    return {
        "rate_cards": list(
            RateCard.objects.order_by("pk").values_list(
                "pk", "agreement__code", "role_category", "unit", "amount", "effective_from", "effective_to"
            )
        ),
        "audit_events": AuditEvent.objects.count(),
    }


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Lookup on each side of a change (DOMAIN.md section 4) ----------------------------------------
@pytest.mark.parametrize(
    ("code", "role", "unit", "on", "amount"),
    [
        ("tvth-2023", "day_performer", "day", D(2023, 11, 9), "1158.00"),
        ("tvth-2023", "day_performer", "day", D(2024, 6, 30), "1158.00"),
        ("tvth-2023", "day_performer", "day", D(2024, 7, 1), "1204.00"),
        ("tvth-2023", "day_performer", "day", D(2024, 7, 2), "1204.00"),
        ("tvth-2023", "day_performer", "day", D(2025, 6, 30), "1204.00"),
        ("tvth-2023", "day_performer", "day", D(2025, 7, 1), "1246.00"),
        ("tvth-2023", "day_performer", "day", D(2026, 6, 30), "1246.00"),
        ("tvth-2026", "day_performer", "day", D(2026, 7, 1), "1283.00"),
        ("tvth-2026", "day_performer", "day", D(2026, 7, 2), "1283.00"),
        ("tvth-2026", "day_performer", "day", D(2027, 6, 30), "1283.00"),
        ("tvth-2026", "day_performer", "day", D(2027, 7, 1), "1321.00"),
        ("tvth-2023", "weekly_performer", "week", D(2024, 6, 30), "4019.00"),
        ("tvth-2023", "weekly_performer", "week", D(2024, 7, 1), "4180.00"),
        ("tvth-2023", "weekly_performer", "week", D(2025, 7, 1), "4326.00"),
        ("tvth-2026", "weekly_performer", "week", D(2026, 7, 1), "4456.00"),
        ("tvth-2026", "weekly_performer", "week", D(2027, 7, 1), "4590.00"),
        ("tvth-2023", "background_actor", "day", D(2024, 6, 30), "208.00"),
        ("tvth-2023", "background_actor", "day", D(2024, 7, 1), "216.00"),
        ("tvth-2023", "background_actor", "day", D(2025, 7, 1), "224.00"),
        ("tvth-2023", "stand_in", "day", D(2024, 6, 30), "243.00"),
        ("tvth-2023", "stand_in", "day", D(2024, 7, 1), "253.00"),
        ("tvth-2023", "stand_in", "day", D(2025, 7, 1), "262.00"),
        # No published 2026 figure: the 2025 rows carried forward (flagged), DOMAIN.md section 6.
        ("tvth-2026", "background_actor", "day", D(2026, 7, 1), "224.00"),
        ("tvth-2026", "stand_in", "day", D(2027, 7, 1), "262.00"),
        ("interactive-2025", "day_performer", "day", D(2025, 7, 9), "1269.17"),
        ("interactive-2025", "day_performer", "day", D(2025, 11, 1), "1307.25"),
        ("interactive-2025", "day_performer", "day", D(2026, 11, 1), "1346.47"),
        ("interactive-2025", "day_performer", "day", D(2027, 11, 1), "1386.86"),
    ],
)
def test_tv_theatrical_rate_on_each_side_of_a_change(code, role, unit, on, amount):
    # given the shipped reference rates; when looked up on that day
    # then the schedule in force that day answers
    assert rate(code, role, unit, on) == Decimal(amount)


def test_worked_example_rates():
    # DOMAIN.md section 5: EBDR on 2025-08-12 at day scale 1,246; the synthetic stand-in on 2024-09-03 at 1,204
    assert rate("tvth-2023", "day_performer", "day", D(2025, 8, 12)) == Decimal("1246.00")
    assert max(Decimal("1100"), rate("tvth-2023", "day_performer", "day", D(2025, 8, 12))) * 3 == Decimal("3738.00")
    assert rate("tvth-2023", "day_performer", "day", D(2024, 9, 3)) * 2 == Decimal("2408.00")


@pytest.mark.parametrize(
    ("on", "amount"),
    [
        (D(2025, 4, 1), "822.30"),
        (D(2026, 3, 31), "822.30"),
        (D(2026, 4, 1), "855.20"),
        (D(2026, 4, 2), "855.20"),
        (D(2028, 3, 31), "855.20"),
    ],
)
def test_commercials_session_fee_changes_on_1_april_2026(on, amount):
    assert rate("commercials-2025", "commercial_session", "session", on) == Decimal(amount)


def test_the_row_in_force_carries_its_period_currency_and_confidence():
    row = rate_in_force(
        agreement=Agreement.objects.get(code="tvth-2023"), role_category="day_performer", unit="day", on=D(2024, 7, 1)
    )
    assert (row.effective_from, row.effective_to, row.currency, row.source_confidence) == (
        D(2024, 7, 1),
        D(2025, 6, 30),
        "USD",
        "H",
    )


@pytest.mark.parametrize(
    ("code", "role", "unit", "on"),
    [
        ("tvth-2023", "day_performer", "day", D(2023, 11, 8)),  # the day before the first schedule
        ("tvth-2023", "day_performer", "day", D(2026, 7, 1)),  # the 2023 agreement's last row ended the day before
        ("tvth-2026", "day_performer", "day", D(2026, 6, 30)),  # the 2026 agreement starts the next day
        ("tvth-2026", "background_actor", "day", D(2026, 6, 30)),  # the carried row starts 2026-07-01
        ("interactive-2025", "day_performer", "day", D(2025, 7, 8)),  # the day before ratification
        ("commercials-2025", "commercial_session", "session", D(2025, 3, 31)),
        ("commercials-2025", "day_performer", "day", D(2026, 4, 1)),  # a role commercials has no row for
    ],
)
def test_no_rate_in_force_raises_rate_not_found(code, role, unit, on):
    with pytest.raises(RateNotFoundError) as excinfo:
        rate_in_force(agreement=Agreement.objects.get(code=code), role_category=role, unit=unit, on=on)

    error = excinfo.value
    assert error.message == f"Agreement {code} has no {role} rate per {unit} in force on {on.isoformat()}."
    assert error.extra == {"agreement": code, "role_category": role, "unit": unit, "on": on.isoformat()}
    assert error.slug == "rate-not-found"


def test_test_agreement_without_rate_cards_has_no_rate(agreement):
    with pytest.raises(RateNotFoundError, match=r"^Agreement test-tvth has no day_performer rate per day in force"):
        rate_in_force(agreement=agreement, role_category="day_performer", unit="day", on=D(2025, 8, 12))


# --- Shipped data carries its source confidence -------------------------------------------------
def test_shipped_agreements_carry_source_confidence_and_notes():
    shipped = {
        a.code: (a.sector, a.effective_from, a.effective_to, a.source_confidence)
        for a in Agreement.objects.exclude(code="test-tvth")
    }
    assert shipped == {
        "tvth-2023": ("tv_theatrical", D(2023, 11, 9), D(2026, 6, 30), "H"),
        "tvth-2026": ("tv_theatrical", D(2026, 7, 1), D(2030, 6, 30), "M"),
        "commercials-2025": ("commercials", D(2025, 4, 1), D(2028, 3, 31), "M"),
        "interactive-2025": ("interactive", D(2025, 7, 9), D(2028, 10, 31), "M"),
        "sound-recordings-2021": ("sound_recordings", D(2021, 1, 1), D(2026, 12, 31), "L"),
    }
    assert all(a.source_note.strip() for a in Agreement.objects.all())


def test_shipped_compensation_terms():
    commercials = Agreement.objects.get(code="commercials-2025")
    interactive = Agreement.objects.get(code="interactive-2025")
    tvth = Agreement.objects.get(code="tvth-2023")
    assert list(commercials.ph_rates.values_list("rate", "effective_from")) == [(Decimal("0.2350"), D(2025, 4, 1))]
    assert commercials.pricing_rules.get(usage_kind="synthetic_standin").multiplier == Decimal("1.500")
    assert commercials.commercial_preconsent_same_advertiser is True
    assert list(interactive.ph_rates.values_list("rate", "effective_from", "effective_to")) == [
        (Decimal("0.1700"), D(2025, 7, 9), D(2026, 9, 30)),
        (Decimal("0.1750"), D(2026, 10, 1), None),
    ]
    assert interactive.pricing_rules.get(usage_kind="realtime_generation").multiplier == Decimal("7.500")
    assert tvth.successor.code == "tvth-2026"
    assert all(rule.source_note for rule in tvth.pricing_rules.all())
    assert (
        tvth.streaming_bonus_threshold,
        tvth.streaming_bonus_window_days,
        tvth.streaming_bonus_performer_share,
    ) == (Decimal("0.2000"), 90, Decimal("0.7500"))


def test_shipped_rate_cards_carry_source_confidence():
    confidence = {
        (row.role_category, row.source_confidence)
        for row in RateCard.objects.filter(agreement__code__in=["tvth-2023", "tvth-2026", "commercials-2025"])
    }
    assert confidence == {
        ("day_performer", "H"),
        ("weekly_performer", "M"),
        ("background_actor", "L"),
        ("stand_in", "L"),
        ("commercial_session", "M"),
    }
    # 3 x 4 + 2 x 2 TV/Theatrical, 2 carried 2026 rows, 2 commercials, 4 interactive
    assert RateCard.objects.count() == 24
    carried = RateCard.objects.filter(carried_forward=True)
    assert {(r.agreement.code, r.role_category, r.amount) for r in carried} == {
        ("tvth-2026", "background_actor", Decimal("224.00")),
        ("tvth-2026", "stand_in", Decimal("262.00")),
    }
    assert not RateCard.objects.filter(source_note="").exists()


def test_shipped_rows_do_not_overlap():
    assert [str(row) for row in RateCard.objects.all() if row.overlapping().exists()] == []


# --- Adding rows through the service --------------------------------------------------------------
def test_rate_card_add_stores_the_row_and_audits_it(agreement):
    row = rate_card_add(
        agreement=agreement,
        role_category="day_performer",
        unit="day",
        amount=Decimal("1283.00"),
        effective_from=D(2026, 7, 1),
        effective_to=D(2027, 6, 30),
        source_note="Test schedule",
        actor=SYSTEM,
    )

    stored = RateCard.objects.get(pk=row.pk)
    assert (stored.amount, stored.currency, stored.effective_from, stored.effective_to, stored.source_confidence) == (
        Decimal("1283.00"),
        "USD",
        D(2026, 7, 1),
        D(2027, 6, 30),
        "M",
    )
    event = AuditEvent.objects.get(action="rate_card.added")
    assert (event.subject_type, event.subject_id, event.actor_name) == ("agreement", "test-tvth", "tests")
    assert event.data == {
        "role_category": "day_performer",
        "unit": "day",
        "amount": "1283.00",
        "currency": "USD",
        "effective_from": "2026-07-01",
        "effective_to": "2027-06-30",
    }
    assert rate_in_force(agreement=agreement, role_category="day_performer", unit="day", on=D(2027, 6, 30)) == row


def _add(agreement, start, end=None, amount="1000.00", **extra) -> RateCard:
    return rate_card_add(
        agreement=agreement,
        role_category="day_performer",
        unit="day",
        amount=Decimal(amount),
        effective_from=start,
        effective_to=end,
        actor=SYSTEM,
        **extra,
    )


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        # an open-ended row meets any later start
        ((D(2026, 7, 1), None), (D(2027, 7, 1), None)),
        ((D(2026, 7, 1), None), (D(2027, 7, 1), D(2028, 6, 30))),
        # a new open-ended row starting before a closed one overlaps it
        ((D(2026, 7, 1), D(2027, 6, 30)), (D(2025, 7, 1), None)),
        # closed rows sharing one day, at either end
        ((D(2026, 7, 1), D(2027, 6, 30)), (D(2027, 6, 30), D(2028, 6, 30))),
        ((D(2026, 7, 1), D(2027, 6, 30)), (D(2025, 7, 1), D(2026, 7, 1))),
        # inside and around
        ((D(2026, 7, 1), D(2027, 6, 30)), (D(2026, 9, 1), D(2026, 12, 31))),
        ((D(2026, 7, 1), D(2027, 6, 30)), (D(2025, 1, 1), D(2028, 1, 1))),
        # the same start
        ((D(2026, 7, 1), D(2027, 6, 30)), (D(2026, 7, 1), D(2026, 7, 1))),
    ],
)
def test_overlapping_row_is_refused_and_nothing_is_stored(agreement, existing, new):
    first = _add(agreement, *existing)
    before = snapshot()

    with pytest.raises(ValidationError) as excinfo:
        _add(agreement, *new, amount="2000.00")

    errors = excinfo.value.error_dict
    assert list(errors) == ["__all__"]
    assert errors["__all__"][0].code == "rate_overlap"
    assert errors["__all__"][0].message == (
        f"Overlaps {first}: rows for the same agreement, role and unit must not overlap."
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ((D(2026, 7, 1), D(2027, 6, 30)), (D(2027, 7, 1), None)),  # the day after
        ((D(2026, 7, 1), D(2027, 6, 30)), (D(2025, 7, 1), D(2026, 6, 30))),  # the day before
    ],
)
def test_adjacent_row_is_accepted(agreement, existing, new):
    _add(agreement, *existing)

    _add(agreement, *new, amount="2000.00")

    assert RateCard.objects.filter(agreement=agreement).count() == 2
    assert rate_in_force(agreement=agreement, role_category="day_performer", unit="day", on=new[0]).amount == Decimal(
        "2000.00"
    )


def test_same_period_for_another_role_unit_or_agreement_is_not_an_overlap(agreement):
    _add(agreement, D(2026, 7, 1))
    other = Agreement.objects.get(code="tvth-2026")

    rate_card_add(
        agreement=agreement,
        role_category="day_performer",
        unit="week",
        amount=Decimal("4456"),
        effective_from=D(2026, 7, 1),
        actor=SYSTEM,
    )
    rate_card_add(
        agreement=agreement,
        role_category="stand_in",
        unit="day",
        amount=Decimal("270"),
        effective_from=D(2026, 7, 1),
        actor=SYSTEM,
    )
    rate_card_add(
        agreement=other,
        role_category="background_actor",
        unit="week",
        amount=Decimal("1120"),
        effective_from=D(2026, 7, 1),
        actor=SYSTEM,
    )

    assert RateCard.objects.filter(agreement=agreement).count() == 3
    assert AuditEvent.objects.filter(action="rate_card.added").count() == 4


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"currency": "EUR"}, "currency"),
        ({"effective_to": D(2026, 6, 30)}, "effective_to"),
        ({"amount": Decimal("0.00")}, "amount"),
    ],
)
def test_invalid_row_is_refused_and_nothing_is_stored(agreement, changes, field):
    before = snapshot()
    values = {
        "agreement": agreement,
        "role_category": "day_performer",
        "unit": "day",
        "amount": Decimal("1000.00"),
        "effective_from": D(2026, 7, 1),
        "actor": SYSTEM,
        **changes,
    }

    with pytest.raises(ValidationError) as excinfo:
        rate_card_add(**values)

    assert list(excinfo.value.message_dict) == [field]
    assert snapshot() == before


# --- Closing a row --------------------------------------------------------------------------------
def test_rate_card_close_sets_the_end_and_the_next_period_can_follow(agreement):
    row = _add(agreement, D(2026, 7, 1))
    with pytest.raises(ValidationError):
        _add(agreement, D(2027, 7, 1), amount="1321.00")

    closed = rate_card_close(row=row, effective_to=D(2027, 6, 30), actor=SYSTEM)
    nxt = _add(agreement, D(2027, 7, 1), amount="1321.00")

    assert RateCard.objects.get(pk=row.pk).effective_to == D(2027, 6, 30)
    assert closed.effective_to == D(2027, 6, 30)
    on = {
        day: rate_in_force(agreement=agreement, role_category="day_performer", unit="day", on=day)
        for day in (
            D(2027, 6, 30),
            D(2027, 7, 1),
        )
    }
    assert on == {D(2027, 6, 30): row, D(2027, 7, 1): nxt}
    event = AuditEvent.objects.get(action="rate_card.period_changed")
    assert event.subject_id == "test-tvth"
    assert event.data == {
        "rate_card": row.pk,
        "role_category": "day_performer",
        "unit": "day",
        "effective_to": {"from": None, "to": "2027-06-30"},
    }


def test_rate_card_close_before_the_start_is_refused_and_nothing_changes(agreement):
    row = _add(agreement, D(2026, 7, 1))
    before = snapshot()

    with pytest.raises(ValidationError) as excinfo:
        rate_card_close(row=row, effective_to=D(2026, 6, 30), actor=SYSTEM)

    assert excinfo.value.message_dict == {"effective_to": ["The period must end on or after it starts."]}
    assert snapshot() == before


def test_reopening_a_closed_row_into_the_next_period_is_refused(agreement):
    first = _add(agreement, D(2026, 7, 1), D(2027, 6, 30))
    second = _add(agreement, D(2027, 7, 1), amount="1321.00")
    before = snapshot()

    with pytest.raises(ValidationError) as excinfo:
        rate_card_close(row=first, effective_to=None, actor=SYSTEM)

    assert excinfo.value.message_dict == {
        "__all__": [f"Overlaps {second}: rows for the same agreement, role and unit must not overlap."]
    }
    assert snapshot() == before


# --- The staff admin adds and closes through the services ----------------------------------------
def _admin_form(agreement, **changes) -> dict:
    form = {
        "agreement": agreement.pk,
        "role_category": "day_performer",
        "unit": "day",
        "amount": "1283.00",
        "currency": "USD",
        "effective_from": "2026-07-01",
        "effective_to": "",
        "source_confidence": "M",
        "source_note": "Added by staff",
    }
    form.update(changes)
    return form


def test_admin_add_goes_through_the_service(staff, agreement):
    response = admin_client(staff.user).post("/admin/terms/ratecard/add/", _admin_form(agreement))

    assert response.status_code == 302, response.content
    row = RateCard.objects.get(agreement=agreement)
    assert (row.amount, row.effective_from, row.effective_to, row.source_note) == (
        Decimal("1283.00"),
        D(2026, 7, 1),
        None,
        "Added by staff",
    )
    event = AuditEvent.objects.get(action="rate_card.added")
    assert (event.subject_id, event.actor_kind, event.actor_name) == ("test-tvth", "staff", "ada")


def test_admin_add_of_an_overlapping_row_shows_the_error_and_stores_nothing(staff, agreement):
    first = _add(agreement, D(2026, 7, 1))
    before = snapshot()

    response = admin_client(staff.user).post(
        "/admin/terms/ratecard/add/", _admin_form(agreement, effective_from="2027-07-01")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        f"Overlaps {first}: rows for the same agreement, role and unit must not overlap."
    ]
    assert snapshot() == before


def test_admin_change_closes_the_row_through_the_service(staff, agreement):
    row = _add(agreement, D(2026, 7, 1), amount="1283.00")

    response = admin_client(staff.user).post(f"/admin/terms/ratecard/{row.pk}/change/", {"effective_to": "2027-06-30"})

    assert response.status_code == 302, response.content
    row.refresh_from_db()
    assert (row.amount, row.effective_to) == (Decimal("1283.00"), D(2027, 6, 30))
    event = AuditEvent.objects.get(action="rate_card.period_changed")
    assert (event.actor_name, event.data["effective_to"]) == ("ada", {"from": None, "to": "2027-06-30"})


def test_analyst_cannot_add_a_rate_card(analyst, agreement):
    client = admin_client(analyst.user)
    before = snapshot()

    assert client.get("/admin/terms/ratecard/add/").status_code == 403
    assert client.post("/admin/terms/ratecard/add/", _admin_form(agreement)).status_code == 403

    assert snapshot() == before
    assert client.get("/admin/terms/ratecard/").status_code == 200


def test_analyst_cannot_close_a_rate_card(analyst, agreement):
    row = _add(agreement, D(2026, 7, 1))
    before = snapshot()

    response = admin_client(analyst.user).post(
        f"/admin/terms/ratecard/{row.pk}/change/", {"effective_to": "2027-06-30"}
    )

    assert response.status_code == 403
    assert snapshot() == before


def test_rate_not_found_is_a_422_problem_naming_what_is_missing():
    from registry.api.problems import problem_exception_handler

    with pytest.raises(RateNotFoundError) as excinfo:
        rate_in_force(
            agreement=Agreement.objects.get(code="tvth-2026"),
            role_category="stand_in",
            unit="day",
            on=D(2026, 6, 30),
        )

    response = problem_exception_handler(excinfo.value, {})
    assert response.status_code == 422
    assert response.data["type"].endswith("/problems/rate-not-found")
    assert response.data["detail"] == "Agreement tvth-2026 has no stand_in rate per day in force on 2026-06-30."
    assert (
        response.data["agreement"],
        response.data["role_category"],
        response.data["unit"],
        response.data["on"],
    ) == (
        "tvth-2026",
        "stand_in",
        "day",
        "2026-06-30",
    )


def test_reversing_the_reference_rates_keeps_rows_staff_added(agreement):
    from django.apps import apps

    reference_rates = importlib.import_module("registry.terms.migrations.0004_reference_rates")
    staff_row = _add(agreement, D(2026, 7, 1))

    reference_rates.unload(apps, None)

    assert not RateCard.objects.filter(agreement__code="tvth-2023").exists()
    # What 0004 shipped goes; rows staff added (and the second pass's, 0008) stay.
    assert staff_row in RateCard.objects.all()
    assert not RateCard.objects.filter(agreement__code__in=["tvth-2023", "commercials-2025"]).exists()
