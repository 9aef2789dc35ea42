"""Small helpers that turn text from the code into Markdown that MyST reads as it was meant."""

from __future__ import annotations

import re

_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def plain(text: str) -> str:
    """Escape what Markdown would take for HTML (`<api key>`) outside code spans."""
    out, last = [], 0
    for match in _CODE.finditer(text or ""):
        out.append(_escape(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_escape((text or "")[last:]))
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def cell(text: str) -> str:
    """Text for one table cell: one line, pipes escaped."""
    return plain(" ".join((text or "").split())).replace("|", "\\|")
