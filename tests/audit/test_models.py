"""Normalising audit data and the hashed content, without a database."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from registry.audit.models import hashed_content, normalise_data


def test_normalise_data_turns_decimals_dates_and_uuids_into_strings() -> None:
    data = {
        "amount": Decimal("3738.00"),
        "day": dt.date(2025, 3, 1),
        "at": dt.datetime(2025, 3, 1, 12, 30, tzinfo=dt.UTC),
        "ref": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "nested": [{"n": 1, "ok": True, "none": None}],
    }

    assert normalise_data(data) == {
        "amount": "3738.00",
        "day": "2025-03-01",
        "at": "2025-03-01T12:30:00Z",
        "ref": "12345678-1234-5678-1234-567812345678",
        "nested": [{"n": 1, "ok": True, "none": None}],
    }


def test_normalise_data_of_none_is_an_empty_object() -> None:
    assert normalise_data(None) == {}


def test_normalise_data_refuses_floats_with_the_path() -> None:
    with pytest.raises(TypeError, match=r"data\.rates\[1\] is a float \(0\.5\)"):
        normalise_data({"rates": [1, 0.5]})


def test_hashed_content_writes_occurred_at_in_utc_with_microseconds() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))

    content = hashed_content(
        occurred_at=dt.datetime(2025, 3, 1, 14, 0, tzinfo=plus_two),
        actor_kind="staff",
        actor_id="42",
        actor_name="Sam",
        action="thing.done",
        subject_type="thing",
        subject_id="thg_1",
        performer_id=None,
        studio_id="std_1",
        data={},
    )

    assert content["occurred_at"] == "2025-03-01T12:00:00.000000+00:00"


def test_hashed_content_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="occurred_at must be an aware datetime"):
        hashed_content(
            occurred_at=dt.datetime(2025, 3, 1),
            actor_kind="staff",
            actor_id="42",
            actor_name="Sam",
            action="thing.done",
            subject_type="thing",
            subject_id="thg_1",
            performer_id=None,
            studio_id=None,
            data={},
        )
