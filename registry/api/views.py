"""API-wide views that belong to no resource."""

from registry.core.problems import ProblemType, json_problem


def api_not_found(request, *args, **kwargs):
    return json_problem(ProblemType.NOT_FOUND, detail=f"No API resource at {request.path}.")
