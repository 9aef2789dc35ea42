"""The API's JSON parser: DRF's, with nesting bounded before the text is parsed.

Python's parser recurses once per level, so a couple of kilobytes of brackets exhaust its stack
(a RecursionError); registry.core.limits refuses them first, as a 400 problem.
"""

from __future__ import annotations

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
