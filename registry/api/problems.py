"""RFC 9457 problem details: every API error, in one shape, with its types declared once.

A problem type is a stable URI under `<REGISTRY_BASE_URL>/problems/<slug>`; that page says what
it means. Field errors go in `errors`: a list of {field, code, message}, where `field` is a
JSON-pointer-like dotted path (`description.territory`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response

from registry.core.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    title: str
    status: int
    description: str


# The catalogue. Add a type here before raising it anywhere.
PROBLEM_TYPES: dict[str, ProblemType] = {
    p.slug: p
    for p in [
        ProblemType(
            "validation-error",
            "Your request is not valid",
            400,
            "One or more fields are missing or wrong; `errors` lists each with the rule it broke.",
        ),
        ProblemType(
            "malformed-request",
            "The request body could not be read",
            400,
            "The body is not valid JSON or not the content type the endpoint accepts.",
        ),
        ProblemType(
            "not-authenticated",
            "Authentication required",
            401,
            "Send `Authorization: Bearer <api key>` (studios) or sign in (performers, staff).",
        ),
        ProblemType(
            "invalid-api-key",
            "The API key is not valid",
            401,
            "The key is unknown, malformed or revoked. Keys are shown once when issued.",
        ),
        ProblemType(
            "permission-denied",
            "You may not do this",
            403,
            "You are authenticated but this action or resource is not yours.",
        ),
        ProblemType(
            "missing-scope",
            "The API key lacks a scope",
            403,
            "The key lacks the scope this endpoint requires; `required_scope` names it.",
        ),
        ProblemType(
            "studio-suspended",
            "The studio is suspended",
            403,
            "Union staff suspended this studio; its API keys cannot act until it is reinstated.",
        ),
        ProblemType("not-found", "Not found", 404, "No such resource, or it is not visible to you."),
        ProblemType(
            "method-not-allowed",
            "Method not allowed",
            405,
            "This endpoint does not accept that HTTP method.",
        ),
        ProblemType(
            "not-acceptable",
            "Not acceptable",
            406,
            "The endpoint cannot produce the media type asked for in Accept.",
        ),
        ProblemType(
            "payload-too-large",
            "The request body is too large",
            413,
            "Bodies are limited to 16 MiB; split a usage report into reports of at most 10,000 lines.",
        ),
        ProblemType(
            "unsupported-media-type",
            "Unsupported media type",
            415,
            "Send JSON with `Content-Type: application/json`.",
        ),
        ProblemType(
            "idempotency-key-reused",
            "Idempotency-Key reused with a different request",
            422,
            "This Idempotency-Key was first used with another body, method or path; use a new key.",
        ),
        ProblemType(
            "idempotency-key-in-flight",
            "A request with this Idempotency-Key is in progress",
            409,
            "Wait for the first request with this key to finish, then retry to get its response.",
        ),
        ProblemType(
            "invalid-idempotency-key",
            "The Idempotency-Key header is not valid",
            400,
            "Use 1 to 255 printable ASCII characters, e.g. a UUID.",
        ),
        ProblemType(
            "consent-rule-violation",
            "The request breaks a consent rule",
            422,
            "A rule of consent refuses this request; `errors` names each field and the rule.",
        ),
        ProblemType(
            "usage-report-rejected",
            "The usage report was refused",
            422,
            "Nothing from the report was stored; `errors` names each line and field at fault (lines.N.field).",
        ),
        ProblemType(
            "rate-not-found",
            "No rate in force",
            422,
            "The agreement has no rate card row for this role and unit on that date.",
        ),
        ProblemType(
            "erasure-refused",
            "Erasure is not possible now",
            422,
            "The registry must keep this performer's data for now (live consents, pending "
            "requests, open cases, usage not yet billed, money not yet paid out); `errors` "
            "names each reason with its code. Nothing was changed.",
        ),
        ProblemType(
            "media-refused",
            "The media file cannot be signed or believed",
            422,
            "`code` says why: `not_media` (not a PNG, JPEG, WAV or MP4 file), `unreadable` (damaged or "
            "truncated), `no_manifest` (no content credentials), `untrusted` (signed by a certificate that does "
            "not chain to one this registry trusts), `tampered` (changed after signing), `no_consent` (no "
            "consent assertion of this registry), `unknown_consent` (names a token this registry did not "
            "issue). `reasons` lists C2PA's failure codes where there are any.",
        ),
        ProblemType(
            "conflict",
            "The request conflicts with the current state",
            409,
            "The resource is not in a state that allows this action.",
        ),
        ProblemType(
            "throttled",
            "Too many requests",
            429,
            "Slow down; `Retry-After` says when to try again.",
        ),
        ProblemType(
            "server-error",
            "Internal server error",
            500,
            "The registry failed to handle the request. It was logged; nothing was changed.",
        ),
        ProblemType(
            "media-signing-unavailable",
            "Media signing is not set up",
            503,
            "This registry has no C2PA signing certificate configured; media can still be verified.",
        ),
        ProblemType(
            "service-unavailable",
            "Service temporarily unavailable",
            503,
            "A dependency (database or broker) is unreachable; retry later.",
        ),
    ]
}


def problem_type_uri(slug: str) -> str:
    return f"{settings.REGISTRY_BASE_URL}/problems/{slug}"


def problem_body(
    slug: str,
    *,
    detail: str | None = None,
    status_code: int | None = None,
    instance: str | None = None,
    **extra,
) -> dict:
    ptype = PROBLEM_TYPES[slug]
    body = {
        "type": problem_type_uri(slug),
        "title": ptype.title,
        "status": status_code or ptype.status,
        "detail": detail or ptype.description,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(
    slug: str,
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

    def __init__(self, slug: str, detail: str | None = None, *, errors: list | None = None, **extra) -> None:
        self.slug = slug
        self.status_code = PROBLEM_TYPES[slug].status
        self.extra = dict(extra)
        if errors is not None:
            self.extra["errors"] = errors
        super().__init__(detail or PROBLEM_TYPES[slug].description)


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


_DRF_EXCEPTION_SLUGS: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ParseError, "malformed-request"),
    (exceptions.NotAuthenticated, "not-authenticated"),
    (exceptions.AuthenticationFailed, "invalid-api-key"),
    (exceptions.PermissionDenied, "permission-denied"),
    (exceptions.NotFound, "not-found"),
    (exceptions.MethodNotAllowed, "method-not-allowed"),
    (exceptions.NotAcceptable, "not-acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported-media-type"),
    (exceptions.Throttled, "throttled"),
]


def _response_for_api_exception(exc: exceptions.APIException) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, ProblemError):
        return problem_response(exc.slug, detail=str(exc.detail), **exc.extra)
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        first = errors[0] if errors else {"field": None, "message": "Invalid input."}
        lead = f"{first['field']}: {first['message']}" if first.get("field") else first["message"]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return problem_response("validation-error", detail=f"{lead}{more}", errors=errors)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(math.ceil(exc.wait))
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    slug = next((s for cls, s in _DRF_EXCEPTION_SLUGS if isinstance(exc, cls)), None)
    if slug is None:
        slug = "server-error" if exc.status_code >= 500 else "conflict"
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
        exc = ProblemError("payload-too-large")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        response = _response_for_api_exception(exc)
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", type(exc).__name__)
        response = problem_response(
            "service-unavailable",
            headers={"Retry-After": "5"},
            detail="The database is unreachable; retry shortly.",
        )
    else:
        view = context.get("view")
        logger.exception("unhandled error in %s", type(view).__name__ if view else "API view", exc_info=exc)
        if isinstance(exc, DatabaseError):
            # A failed statement leaves the transaction unusable; roll back what was done.
            from django.db import transaction

            if transaction.get_connection().in_atomic_block:
                transaction.set_rollback(True)
        response = problem_response("server-error")
    return response


def json_problem(slug: str, *, status_code: int | None = None, detail: str | None = None) -> JsonResponse:
    """A problem response outside DRF (URL-level 404/500 handlers for /api/ paths)."""
    body = problem_body(slug, status_code=status_code, detail=detail)
    return JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
