"""Requests whose path or query string holds a NUL character are refused before any view runs.

No text the registry stores holds one (registry.core.limits' text rules), and PostgreSQL fails a
query that compares with one. A path with a NUL names nothing (404); a query parameter with one
is a bad request (400). The API answers both as problem details, and its schema states the rule
on every text query parameter.
"""

from __future__ import annotations

from django.urls import get_resolver

from registry.core.problem_details import json_problem
from registry.core.problems import ProblemType


class RefuseNulCharacters:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith("/api/")
        if "\x00" in request.path:
            return json_problem(ProblemType.NOT_FOUND) if api else _error_page(request, 404)
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            detail = "Query parameters cannot contain NUL characters."
            return json_problem(ProblemType.VALIDATION_ERROR, detail=detail) if api else _error_page(request, 400)
        return self.get_response(request)


def _error_page(request, status: int):
    """The project's own error page (the handlers config/urls.py names), in either mode."""
    return get_resolver().resolve_error_handler(status)(request, None)
