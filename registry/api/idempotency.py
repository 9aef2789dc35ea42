"""`Idempotency-Key` for POSTs that create things: a decorator any API view method can wear.

Same key, same method, path and body: the stored response is replayed (with
`Idempotent-Replayed: true`). Same key with anything else: 422. While the first request is
still running: 409. Errors raised as exceptions and 5xx answers are not remembered, so a
client can retry them with the same key.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from registry.api.models import IdempotencyRecord
from registry.api.problems import ProblemError
from registry.core.problems import ProblemType

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Printable ASCII without spaces: what a header carries unchanged through proxies. Stated in the schema.
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
_VALID_KEY = re.compile(KEY_PATTERN)
_REPLAYED_HEADERS = ("Location",)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    pattern=KEY_PATTERN,
    description=(
        "Any unique string (a UUID is ideal) of 1 to 255 printable ASCII characters, no spaces. Retrying "
        "with the same key and body returns the first response; the same key with a different body is refused (422)."
    ),
)


def _owner(request) -> str:
    api_key = getattr(request.user, "api_key", None)
    if api_key is not None:
        return f"studio:{request.user.studio.pk}"
    return f"user:{request.user.pk}"


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    material = f"{request.method}\n{request.path}\n{body}".encode()
    return hashlib.sha256(material).hexdigest()


def _claim(owner: str, key: str, request, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    """Insert the in-flight record, or return the existing one (created=False)."""
    now = timezone.now()
    for _ in range(2):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    fingerprint=fingerprint,
                    expires_at=now + settings.IDEMPOTENCY_KEY_TTL,
                )
            return record, True
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if existing is None:
                continue  # deleted between our insert and read; try once more
            if existing.expires_at <= now:
                existing.delete()
                continue
            return existing, False
    raise ProblemError(ProblemType.IDEMPOTENCY_KEY_IN_FLIGHT)


def idempotent(view_method):
    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        if not _VALID_KEY.match(key):
            raise ProblemError(ProblemType.INVALID_IDEMPOTENCY_KEY)
        fingerprint = _fingerprint(request)
        record, created = _claim(_owner(request), key, request, fingerprint)
        if not created:
            if record.fingerprint != fingerprint:
                raise ProblemError(
                    ProblemType.IDEMPOTENCY_KEY_REUSED,
                    f"Idempotency-Key {key!r} was first used with a different request "
                    f"({record.method} {record.path}).",
                )
            if not record.completed:
                raise ProblemError(ProblemType.IDEMPOTENCY_KEY_IN_FLIGHT)
            headers = dict(record.response_headers)
            headers[REPLAYED_HEADER] = "true"
            return Response(
                json.loads(record.response_body or "null"),
                status=record.response_status,
                headers=headers,
            )
        try:
            response = view_method(view, request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500:
            record.delete()
            return response
        record.response_status = response.status_code
        record.response_body = JSONRenderer().render(response.data).decode("utf-8")
        record.response_headers = {h: response[h] for h in _REPLAYED_HEADERS if response.has_header(h)}
        record.save(update_fields=["response_status", "response_body", "response_headers"])
        return response

    return wrapper
