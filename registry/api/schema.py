"""OpenAPI pieces shared by every view: the problem-details error responses, and the forms of
values the server enforces but drf-spectacular does not state."""

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer
from drf_spectacular.utils import OpenApiResponse

from registry.api.idempotency import KEY_PATTERN
from registry.api.serializers.common import ProblemSerializer
from registry.core import limits
from registry.core.vocabulary.consent import Medium, ProjectKind, UseType
from registry.core.vocabulary.terms import RoleCategory
from registry.core.vocabulary.usage import UsageKind, UsageUnit


def _free_text(field, schema: dict) -> bool:
    """Text whose schema states no other form (a pattern, a choice, a format)."""
    if schema.get("type") != "string" or {"pattern", "enum", "format"} & set(schema):
        return False
    return not any(isinstance(v, RegexValidator) for v in field.validators)


class RegistryAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus what DRF enforces but drf-spectacular does not state: the
    item limits of nested lists (`Serializer(many=True, max_length=…)`: a studio's client should
    know a usage report holds at most 10,000 lines before it is refused), and the written forms of
    what a client writes (registry.api.fields and registry.core.limits: a date in range, "3738.00"
    but not "1e5", text with no NUL and, where required, not blank), so that a request the schema
    allows is never refused as malformed."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(schema, dict):
            written_form = getattr(field, "written_form", None)
            if written_form is not None:
                schema["pattern"] = written_form
            elif direction == "request" and _free_text(field, schema):
                # DRF's text fields refuse NUL, and blank text once trimmed unless blank is allowed
                blank = getattr(field, "allow_blank", False)
                schema["pattern"] = limits.NO_NUL_PATTERN if blank else limits.NOT_BLANK_PATTERN
        if is_list_serializer(field) and isinstance(schema, dict) and schema.get("type") == "array":
            if getattr(field, "max_length", None) is not None:
                schema["maxItems"] = field.max_length
            if getattr(field, "min_length", None) is not None:
                schema["minItems"] = field.min_length
            elif getattr(field, "allow_empty", True) is False:
                schema["minItems"] = 1
        return schema


_problem = OpenApiResponse(ProblemSerializer, description="RFC 9457 problem details")

PROBLEM_RESPONSES = {
    400: OpenApiResponse(ProblemSerializer, description="Validation error (problem details)"),
    401: OpenApiResponse(ProblemSerializer, description="Missing, unknown or revoked API key"),
    403: OpenApiResponse(ProblemSerializer, description="Not permitted, or the key lacks a scope"),
    404: OpenApiResponse(ProblemSerializer, description="Not found or not yours"),
    429: OpenApiResponse(ProblemSerializer, description="Throttled"),
}


# --- Completing the schema -----------------------------------------------------------------------
# Every operation can fail the same few ways (bad input, no or wrong key, a missing scope, not
# yours, throttled, database down), whatever its view declares; a hook states them once, so a
# studio's generated client knows every error is a problem-details body.
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_COMMON_ERRORS = {
    "400": "Validation error: `errors` names each field (problem details)",
    "401": "Missing, unknown or revoked API key",
    "403": "Not permitted, or the key lacks a scope (`required_scope` names it)",
    "404": "Not found, or not visible to the caller",
    "429": "Too many requests for this API key; retry after `Retry-After` seconds",
    "503": "The database or broker is unreachable; retry after `Retry-After` seconds",
}
_WRITE_ERRORS = {
    "409": "Conflicts with the current state, or the same Idempotency-Key is still in flight",
    "422": "A rule refused the request, or the Idempotency-Key was used with another body",
}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}}

# Examples on the operations a studio calls most (the consent request has its own in the view).
_EXAMPLES = {
    "consent_checks_create": {
        "Replica use in a picture, today": {
            "value": {
                "performer": "SAG-100001",
                "use": UseType.REPLICA_USE,
                "project": {
                    "kind": ProjectKind.PICTURE,
                    "title": "The Long Night",
                    "production_number": "NLP-2027-004",
                },
                "media": [Medium.THEATRICAL],
                "territory": ["US"],
                "record": True,
            }
        }
    },
    "usage_reports_create": {
        "Three days of replica use": {
            "value": {
                "report_id": "northlight-2027-01",
                "lines": [
                    {
                        "line_id": "NLP-2027-004-0001",
                        "kind": UsageKind.REPLICA_USE,
                        "grant": "grt_…",
                        "project": {
                            "kind": ProjectKind.PICTURE,
                            "title": "The Long Night",
                            "production_number": "NLP-2027-004",
                        },
                        "use_date": "2027-01-20",
                        "units": "1",
                        "unit": UsageUnit.DAYS,
                        "role_category": RoleCategory.DAY_PERFORMER,
                        "estimated_days": "3",
                        "media": [Medium.THEATRICAL],
                        "territory": ["US"],
                    }
                ],
            }
        }
    },
}


# Media types a view returns beside JSON (its decorator documents only the JSON one).
_EXTRA_CONTENT = {
    "grants_token_retrieve": {"application/jwt": {}},  # ?download=1: the bare compact JWS
}


def complete_operations(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: problem responses, Retry-After and Idempotency-Key
    on every operation that can meet them, and examples on the main operations."""
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            secured = any(requirement for requirement in operation.get("security", [{}]))
            errors = dict(_COMMON_ERRORS)
            if not secured:
                for code in ("401", "403", "429"):
                    errors.pop(code)
            if secured and method in ("post", "put", "patch", "delete"):
                errors.update(_WRITE_ERRORS)
            for code, description in errors.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code[0] in "45":
                    # The API answers every error as application/problem+json.
                    response["content"] = {"application/problem+json": {"schema": _PROBLEM_REF}}
                if code in ("429", "503"):
                    response.setdefault("headers", {}).update(_RETRY_AFTER)
            creates = method == "post" and "201" in responses
            parameters = operation.setdefault("parameters", [])
            for parameter in parameters:
                text = parameter.get("schema", {})
                if parameter["in"] == "query" and text.get("type") == "string" and not {"pattern", "enum"} & set(text):
                    text["pattern"] = limits.NO_NUL_PATTERN  # registry.core.middleware refuses a NUL
            if creates and not any(p.get("name") == "Idempotency-Key" for p in parameters):
                parameters.append(
                    {
                        "in": "header",
                        "name": "Idempotency-Key",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 255, "pattern": KEY_PATTERN},
                        "description": "1 to 255 printable ASCII characters, no spaces (a UUID is ideal). "
                        "Same key and body replay the first response; another body is 422.",
                    }
                )
            if not parameters:
                operation.pop("parameters")
            extra = _EXTRA_CONTENT.get(operation.get("operationId"))
            if extra and "200" in responses:
                responses["200"].setdefault("content", {}).update(extra)
            examples = _EXAMPLES.get(operation.get("operationId"))
            if examples:
                body = operation.get("requestBody", {}).get("content", {}).get("application/json")
                if body is not None:
                    body.setdefault("examples", {}).update(examples)
    return result
