"""What the permission-matrix tests share: the problems a refusal answers with, a table of
expected outcomes with one row for each kind of caller, and the checks each matrix test makes.

Each module keeps its own CALLERS (the kinds of caller its endpoints concern) and its own
snapshot of what a refusal must leave unchanged."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import assert_problem

OK = (200, None, None)
CREATED = (201, None, None)
ANONYMOUS = (401, "not-authenticated", "Authentication credentials were not provided.")
NOT_FOR_PERFORMERS = (403, "permission-denied", "This action is not open to performers or their representatives.")
NOT_FOR_STUDIOS = (403, "permission-denied", "This action is not open to studios.")
NOT_FOR_STAFF = (403, "permission-denied", "This action is not open to union staff.")
NOT_FOUND = (404, "not-found", "Not found.")
# A signed-in account whose every mandate has lapsed (a guardian whose ward came of age, the
# agent of a performer who has died, an estate of someone alive).
ACTS_FOR_NO_ONE = (403, "permission-denied", "This account does not act for any performer today.")
MINOR_ACTS_THROUGH_GUARDIAN = (
    403,
    "permission-denied",
    "A minor may see their records; their guardian acts for them.",
)


def matrix(callers: list[str], table: dict) -> list:
    """pytest params (caller, expected), refusing a table that misses or reorders a caller."""
    assert list(table) == callers, "every kind of caller has an expected outcome"
    return [pytest.param(caller, expected, id=caller) for caller, expected in table.items()]


def listed(response, key: str = "id") -> list[str]:
    """The sorted `key`s of a one-page list answer."""
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None
    return sorted(row[key] for row in body["results"])


def refused(response, expected, before, snapshot: Callable[[], object]) -> None:
    """The answer is the expected problem, and `snapshot()` is as it was `before` the call."""
    status, slug, detail = expected
    assert_problem(response, status, slug, detail)
    assert snapshot() == before
