"""RFC 9457 problem details for the API: every error a view raises, in one shape.

The types and the body are registry.core.problems'; this module turns DRF's, Django's and the
domain's exceptions into them.
"""

from __future__ import annotations

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from registry.core.errors import DomainError, FieldProblem, problems_summary
from registry.core.problem_details import PROBLEM_CONTENT_TYPE, problem_body
from registry.core.problems import ProblemType

logger = logging.getLogger(__name__)


def problem_response(
    slug: ProblemType,
    *,
    detail: str | None = None,
    status_code: int | None = None,
    headers: dict | None = None,
    **extra,
) -> Response:
    body = problem_body(slug, detail=detail, status_code=status_code, **extra)
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


class ProblemError(exceptions.APIException):
    """Raise from views or services to answer with a specific problem type."""

    def __init__(self, slug: ProblemType, detail: str | None = None, *, errors: list | None = None, **extra) -> None:
        self.slug = ProblemType(slug)
        self.status_code = self.slug.status
        self.extra = dict(extra)
        if errors is not None:
            self.extra["errors"] = errors
        super().__init__(detail or self.slug.description)


def flatten_errors(detail, path: str = "") -> list[dict]:
    """DRF's nested error dicts/lists to a flat list of {field, code, message}."""
    out: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            child = key if not path else f"{path}.{key}"
            if key in ("non_field_errors", "__all__"):
                child = path or ""
            out.extend(flatten_errors(value, child))
    elif isinstance(detail, list):
        all_strings = all(isinstance(item, exceptions.ErrorDetail | str) for item in detail)
        for index, item in enumerate(detail):
            child = path if all_strings else f"{path}.{index}" if path else str(index)
            out.extend(flatten_errors(item, child))
    else:
        code = getattr(detail, "code", None) or "invalid"
        out.append({"field": path or None, "code": code, "message": str(detail)})
    return out


def django_validation_detail(exc: DjangoValidationError) -> dict | list:
    """Django's ValidationError as DRF detail, keeping each error's code."""

    def details(errors) -> list:
        return [exceptions.ErrorDetail(str(m), code=e.code or "invalid") for e in errors for m in e.messages]

    if hasattr(exc, "error_dict"):
        return {field: details(errors) for field, errors in exc.error_dict.items()}
    return details(exc.error_list)


_DRF_EXCEPTION_SLUGS: list[tuple[type[exceptions.APIException], ProblemType]] = [
    (exceptions.ParseError, ProblemType.MALFORMED_REQUEST),
    (exceptions.NotAuthenticated, ProblemType.NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, ProblemType.INVALID_API_KEY),
    (exceptions.PermissionDenied, ProblemType.PERMISSION_DENIED),
    (exceptions.NotFound, ProblemType.NOT_FOUND),
    (exceptions.MethodNotAllowed, ProblemType.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, ProblemType.NOT_ACCEPTABLE),
    (exceptions.UnsupportedMediaType, ProblemType.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, ProblemType.THROTTLED),
]


def _response_for_api_exception(exc: exceptions.APIException) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, ProblemError):
        return problem_response(exc.slug, detail=str(exc.detail), **exc.extra)
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = problems_summary([FieldProblem(**e) for e in errors]) if errors else "Invalid input."
        return problem_response(ProblemType.VALIDATION_ERROR, detail=detail, errors=errors)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(math.ceil(exc.wait))
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    slug = next((s for cls, s in _DRF_EXCEPTION_SLUGS if isinstance(exc, cls)), None)
    if slug is None:
        slug = ProblemType.SERVER_ERROR if exc.status_code >= 500 else ProblemType.CONFLICT
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(
        slug,
        detail=str(detail) if detail else None,
        status_code=exc.status_code,
        headers=headers or None,
    )


def problem_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: nothing leaves the API except as problem details."""
    if isinstance(exc, DomainError):
        exc = ProblemError(
            exc.slug,
            exc.message,
            errors=[{"field": p.field, "code": p.code, "message": p.message} for p in exc.problems] or None,
            **exc.extra,
        )
    elif isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError; the API shows it like any field error.
        exc = exceptions.ValidationError(django_validation_detail(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = ProblemError(ProblemType.PAYLOAD_TOO_LARGE)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        response = _response_for_api_exception(exc)
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", type(exc).__name__)
        response = problem_response(
            ProblemType.SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
            detail="The database is unreachable; retry shortly.",
        )
    else:
        view = context.get("view")
        logger.exception("unhandled error in %s", type(view).__name__ if view else "API view", exc_info=exc)
        # A failed statement leaves the transaction unusable; roll back what was done.
        if isinstance(exc, DatabaseError) and transaction.get_connection().in_atomic_block:
            transaction.set_rollback(True)
        response = problem_response(ProblemType.SERVER_ERROR)
    return response
