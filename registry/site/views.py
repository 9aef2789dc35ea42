"""Site-level pages: the landing page, problem-type docs and error handlers."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.shortcuts import render
from django.views.defaults import page_not_found, server_error

from registry.core.problem_details import json_problem
from registry.core.problems import ProblemType

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "site/home.html")


def problem_type(request, slug: str):
    if slug not in ProblemType.values:
        raise Http404("No such problem type")
    return render(request, "site/problem_type.html", {"problem": ProblemType(slug), "all": list(ProblemType)})


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _is_api(request):
        return json_problem(ProblemType.NOT_FOUND, detail="No API resource at this address.")
    return page_not_found(request, exception)


def handler500(request):
    """Django calls this while handling the exception, so `sys.exc_info()` names it. The database
    being unreachable is not our error but an outage: 503 with Retry-After, for pages and the API
    alike (errors raised in DRF views are answered the same way by the API's exception handler)."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", type(sys.exc_info()[1]).__name__)
        if _is_api(request):
            response = json_problem(
                ProblemType.SERVICE_UNAVAILABLE, detail="The database is unreachable; retry shortly."
            )
        else:
            response = render(request, "site/unavailable.html", status=503)
        response["Retry-After"] = "5"
        return response
    if _is_api(request):
        return json_problem(ProblemType.SERVER_ERROR)
    return server_error(request)
