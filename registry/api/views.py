"""API-wide views that belong to no resource."""

from registry.core.problem_details import json_problem
from registry.core.problems import ProblemType


def api_not_found(request, *args, **kwargs):
    return json_problem(ProblemType.NOT_FOUND, detail=f"No API resource at {request.path}.")
