"""OpenAPI pieces shared by every view: the problem-details error responses."""

from drf_spectacular.utils import OpenApiResponse

from registry.api.serializers.common import ProblemSerializer

_problem = OpenApiResponse(ProblemSerializer, description="RFC 9457 problem details")

PROBLEM_RESPONSES = {
    400: OpenApiResponse(ProblemSerializer, description="Validation error (problem details)"),
    401: OpenApiResponse(ProblemSerializer, description="Missing, unknown or revoked API key"),
    403: OpenApiResponse(ProblemSerializer, description="Not permitted, or the key lacks a scope"),
    404: OpenApiResponse(ProblemSerializer, description="Not found or not yours"),
    429: OpenApiResponse(ProblemSerializer, description="Throttled"),
}
