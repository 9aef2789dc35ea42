"""The API's JSON parser: DRF's, with nesting bounded before the text is parsed.

Python's parser recurses once per level, so a couple of kilobytes of brackets exhaust its stack
(a RecursionError); registry.core.limits refuses them first, as a 400 problem.
"""

from __future__ import annotations

import codecs

import msgspec
from django.conf import settings
from django.http.request import RawPostDataException
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from registry.core import limits


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return limits.json_loads(stream.read().decode(encoding))
        except ValueError as exc:  # bad JSON, too deep, or bytes the charset cannot decode
            raise ParseError(f"JSON parse error - {exc}") from exc


def raw_json_body(request) -> bytes | None:
    """The body's bytes when this parser would read it (JSON, UTF-8) and no one has read it yet,
    for a view that decodes them itself; None otherwise, and then `request.data` as usual.

    A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE, or of unstated length, is left to
    `request.data` too (Django refuses such a body read whole, and this parser never did)."""
    django_request = request._request
    if django_request.content_type != "application/json":
        return None
    charset = django_request.content_params.get("charset")
    try:
        if charset is not None and codecs.lookup(charset).name != "utf-8":
            return None
        length = int(django_request.META.get("CONTENT_LENGTH") or 0)
    except (LookupError, ValueError):
        return None
    if not 0 < length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return None
    try:
        return django_request.body
    except RawPostDataException:  # already read as a stream (request.data)
        return None


def json_object_from(raw: bytes) -> dict | None:
    """The JSON object these bytes hold, read by msgspec (a small body in a thirtieth of the time
    of `request.data` through DRF), when it reads as `JSONParser` would read it; None for anything
    else, and then `request.data` reads it and words any error: a body nested deeper than
    MAX_JSON_DEPTH (measured as the parser measures it), text msgspec refuses where Python's
    parser does not (a lone surrogate escape, a number beyond a float) or where it refuses too
    (NaN, bad JSON), and a body that is not an object. tests/api/test_check_body.py holds the two
    readings to each other."""
    if limits.json_nesting_exceeds(raw):
        return None
    try:
        data = msgspec.json.decode(raw)
    except (msgspec.MsgspecError, RecursionError, ValueError):
        return None
    return data if type(data) is dict else None
