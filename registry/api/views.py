"""API-wide views that belong to no resource."""

from registry.api.problems import json_problem


def api_not_found(request, *args, **kwargs):
    return json_problem("not-found", detail=f"No API resource at {request.path}.")
