"""RFC 9457 problem details: the body every error answers with, outside DRF as well as in it.

The pages and probes outside the API (registry/site, core's middleware, the token views) answer
with `json_problem`, so none of them imports the API. Field errors go in `errors`: a list of
{field, code, message}, where `field` is a JSON-pointer-like dotted path (`description.territory`).
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

from registry.core.problems import ProblemType

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_type_uri(slug: ProblemType) -> str:
    return f"{settings.REGISTRY_BASE_URL}/problems/{ProblemType(slug).value}"


def problem_body(
    slug: ProblemType,
    *,
    detail: str | None = None,
    status_code: int | None = None,
    instance: str | None = None,
    **extra,
) -> dict:
    ptype = ProblemType(slug)
    body = {
        "type": problem_type_uri(ptype),
        "title": ptype.title,
        "status": status_code or ptype.status,
        "detail": detail or ptype.description,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def json_problem(slug: ProblemType, *, status_code: int | None = None, detail: str | None = None) -> JsonResponse:
    """A problem response outside DRF: URL-level 404/500 handlers, middleware, plain views."""
    body = problem_body(slug, status_code=status_code, detail=detail)
    return JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
