"""RFC 9457 problem types: every error the registry answers with is one of these, declared once.

A problem type is a stable URI under `<REGISTRY_BASE_URL>/problems/<slug>`; that page says what
it means (registry/site). Domain errors (registry.core.errors) name their type here; the bodies
are built by registry.core.problem_details (and the API's handler, registry.api.problems). Pure:
no Django import, so the pure rules may raise domain errors.
"""

from __future__ import annotations

from registry.core.vocabulary import Vocabulary


class ProblemType(Vocabulary):
    """A problem type: its slug (the member's value), HTTP status, title and what it means.
    Add a type here before raising it anywhere."""

    status: int
    description: str

    def __new__(cls, slug: str, status: int, title: str, description: str):
        member = str.__new__(cls, slug)
        member._value_ = slug
        member._label = title
        member.status = status
        member.description = description
        return member

    @property
    def slug(self) -> str:
        return self.value

    @property
    def title(self) -> str:  # a str method otherwise: a problem's title is its label
        return self.label

    VALIDATION_ERROR = (
        "validation-error",
        400,
        "Your request is not valid",
        "One or more fields are missing or wrong; `errors` lists each with the rule it broke.",
    )
    MALFORMED_REQUEST = (
        "malformed-request",
        400,
        "The request body could not be read",
        "The body is not valid JSON or not the content type the endpoint accepts.",
    )
    NOT_AUTHENTICATED = (
        "not-authenticated",
        401,
        "Authentication required",
        "Send `Authorization: Bearer <api key>` (studios) or sign in (performers, staff).",
    )
    INVALID_API_KEY = (
        "invalid-api-key",
        401,
        "The API key is not valid",
        "The key is unknown, malformed or revoked. Keys are shown once when issued.",
    )
    PERMISSION_DENIED = (
        "permission-denied",
        403,
        "You may not do this",
        "You are authenticated but this action or resource is not yours.",
    )
    MISSING_SCOPE = (
        "missing-scope",
        403,
        "The API key lacks a scope",
        "The key lacks the scope this endpoint requires; `required_scope` names it.",
    )
    STUDIO_SUSPENDED = (
        "studio-suspended",
        403,
        "The studio is suspended",
        "Union staff suspended this studio; its API keys cannot act until it is reinstated.",
    )
    NOT_FOUND = (
        "not-found",
        404,
        "Not found",
        "No such resource, or it is not visible to you.",
    )
    METHOD_NOT_ALLOWED = (
        "method-not-allowed",
        405,
        "Method not allowed",
        "This endpoint does not accept that HTTP method.",
    )
    NOT_ACCEPTABLE = (
        "not-acceptable",
        406,
        "Not acceptable",
        "The endpoint cannot produce the media type asked for in Accept.",
    )
    PAYLOAD_TOO_LARGE = (
        "payload-too-large",
        413,
        "The request body is too large",
        "Bodies are limited to 16 MiB; split a usage report into reports of at most 10,000 lines.",
    )
    UNSUPPORTED_MEDIA_TYPE = (
        "unsupported-media-type",
        415,
        "Unsupported media type",
        "Send JSON with `Content-Type: application/json`.",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency-key-reused",
        422,
        "Idempotency-Key reused with a different request",
        "This Idempotency-Key was first used with another body, method or path; use a new key.",
    )
    IDEMPOTENCY_KEY_IN_FLIGHT = (
        "idempotency-key-in-flight",
        409,
        "A request with this Idempotency-Key is in progress",
        "Wait for the first request with this key to finish, then retry to get its response.",
    )
    INVALID_IDEMPOTENCY_KEY = (
        "invalid-idempotency-key",
        400,
        "The Idempotency-Key header is not valid",
        "Use 1 to 255 printable ASCII characters, e.g. a UUID.",
    )
    STUDIO_ON_STRIKE = (
        "studio-on-strike",
        409,
        "The studio is on strike under this agreement",
        "A strike the union declared against this studio under this agreement is in force: new "
        "consent requests are refused until it is lifted (DOMAIN.md 2.10). `strike` names it.",
    )
    CONSENT_RULE_VIOLATION = (
        "consent-rule-violation",
        422,
        "The request breaks a consent rule",
        "A rule of consent refuses this request; `errors` names each field and the rule.",
    )
    RULE_VIOLATION = (
        "rule-violation",
        422,
        "A rule refuses the request",
        (
            "The request is well formed, but a rule of the registry refuses it: an unknown reference, a date not "
            "yet reached, an address webhooks may not use. `errors` names each field and the rule."
        ),
    )
    USAGE_REPORT_REJECTED = (
        "usage-report-rejected",
        422,
        "The usage report was refused",
        "Nothing from the report was stored; `errors` names each line and field at fault (lines.N.field).",
    )
    RATE_NOT_FOUND = (
        "rate-not-found",
        422,
        "No rate in force",
        "The agreement has no rate card row for this role and unit on that date.",
    )
    ERASURE_REFUSED = (
        "erasure-refused",
        422,
        "Erasure is not possible now",
        (
            "The registry must keep this performer's data for now (live consents, pending requests, open cases, "
            "usage not yet billed, money not yet paid out); `errors` names each reason with its code. Nothing was"
            " changed."
        ),
    )
    MEDIA_REFUSED = (
        "media-refused",
        422,
        "The media file cannot be signed or believed",
        "`code` says why: `not_media` (not a PNG, JPEG, WAV or MP4 file), `unreadable` (damaged or "
        "truncated), `no_manifest` (no content credentials), `untrusted` (signed by a certificate that does "
        "not chain to one this registry trusts), `tampered` (changed after signing), `no_consent` (no "
        "consent assertion of this registry), `unknown_consent` (names a token this registry did not "
        "issue). `reasons` lists C2PA's failure codes where there are any.",
    )
    CONFLICT = (
        "conflict",
        409,
        "The request conflicts with the current state",
        "The resource is not in a state that allows this action.",
    )
    THROTTLED = (
        "throttled",
        429,
        "Too many requests",
        "Slow down; `Retry-After` says when to try again.",
    )
    SERVER_ERROR = (
        "server-error",
        500,
        "Internal server error",
        "The registry failed to handle the request. It was logged; nothing was changed.",
    )
    MEDIA_SIGNING_UNAVAILABLE = (
        "media-signing-unavailable",
        503,
        "Media signing is not set up",
        "This registry has no C2PA signing certificate configured; media can still be verified.",
    )
    SERVICE_UNAVAILABLE = (
        "service-unavailable",
        503,
        "Service temporarily unavailable",
        "A dependency (database or broker) is unreachable; retry later.",
    )
