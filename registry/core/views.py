"""Site-level pages: the landing page, problem-type docs and error handlers."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.defaults import page_not_found, server_error

from registry.api.problems import PROBLEM_TYPES, json_problem


def home(request):
    return render(request, "core/home.html")


def problem_type(request, slug: str):
    ptype = PROBLEM_TYPES.get(slug)
    if ptype is None:
        raise Http404("No such problem type")
    return render(request, "core/problem_type.html", {"problem": ptype, "all": PROBLEM_TYPES.values()})


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _is_api(request):
        return json_problem("not-found", detail="No API resource at this address.")
    return page_not_found(request, exception)


def handler500(request):
    if _is_api(request):
        return json_problem("server-error")
    return server_error(request)
