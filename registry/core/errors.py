"""Errors the domain raises; the API turns each into a problem type, the portal into a message.

Services raise these (or Django's ValidationError for plain field errors); they never import
the web layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry.core.problems import ProblemType


@dataclass(frozen=True)
class FieldProblem:
    field: str | None
    code: str
    message: str


def and_more(items: Sequence[str], *, shown: int = 1) -> str:
    """A list cut short for a message: the first `shown` items, then how many were left out,
    as in "a, b (and 3 more)"."""
    rest = len(items) - shown
    return ", ".join(items[:shown]) + (f" (and {rest} more)" if rest > 0 else "")


def problems_summary(problems: Sequence[FieldProblem]) -> str:
    """How a list of problems reads as one message: the first ("field: message"), and how many
    more there are. The problems themselves go with it, each in full."""
    return and_more([f"{p.field}: {p.message}" if p.field else p.message for p in problems])


class DomainError(Exception):
    """Base class. `slug` is the error's problem type (registry.core.problems)."""

    slug = ProblemType.CONFLICT

    def __init__(self, message: str, *, problems: Sequence[FieldProblem] = (), **extra) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)
        self.extra = extra


class InvalidInputError(DomainError):
    """Input that is malformed (wrong type, missing field), found outside a serializer."""

    slug = ProblemType.VALIDATION_ERROR


class RuleRefusalError(DomainError):
    """Well-formed input that a rule of the registry refuses: an unknown reference, a date not yet
    reached, an address webhooks may not use. What the schema cannot say is never a 400, so a
    client can tell a request it built wrong (400) from one the registry declined (422)."""

    slug = ProblemType.RULE_VIOLATION


class RuleViolationError(DomainError):
    """A consent rule refuses the request; `problems` names each field and rule."""

    slug = ProblemType.CONSENT_RULE_VIOLATION


class StateConflictError(DomainError):
    """The record is not in a state that allows this (e.g. answering an expired request)."""

    slug = ProblemType.CONFLICT


class NotPermittedError(DomainError):
    """The caller may not do this to this record (e.g. the agreement forbids revocation)."""

    slug = ProblemType.PERMISSION_DENIED


class NotFoundError(DomainError):
    slug = ProblemType.NOT_FOUND
