"""Sphinx extension: the guide's generated pages, from the code, so they cannot drift from it.

A page asks for generated text with a marker on a line of its own, replaced before MyST reads the
page:

    <!-- registry:environment -->   every environment variable settings.py reads (environment.py)
    <!-- registry:problem-types --> every ProblemType (problems.py)
    <!-- registry:api-operations --> every operation of the committed OpenAPI schema (openapi.py)
    <!-- registry:api-schemas -->   every component schema of it
    <!-- registry:rule-citations --> where the code cites each domain rule (rules.py)

A variable the code reads and environment.py does not explain (or the reverse) is a warning, which
the build's -W makes an error.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[3]
logger = logging.getLogger(__name__)


def _generators():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from . import environment, openapi, problems, rules

    return {
        "environment": environment.table,
        "problem-types": problems.sections,
        "api-operations": openapi.reference,
        "api-schemas": openapi.schemas,
        "rule-citations": rules.table,
    }


def _fill(app, docname, source):
    text = source[0]
    if not re.search(r"(?m)^<!-- registry:[\w-]+ -->$", text):
        return
    for name, generate in _generators().items():
        # Only a marker on a line of its own: a page may name one in its prose.
        marker = re.compile(rf"(?m)^<!-- registry:{re.escape(name)} -->$")
        if marker.search(text):
            generated = generate()
            text = marker.sub(lambda _, generated=generated: generated, text)
    source[0] = text
    if docname.endswith("environment"):
        from . import environment

        missing, stale = environment.drift()
        for name in missing:
            logger.warning("%s is read by config/settings.py but not explained in environment.py", name)
        for name in stale:
            logger.warning("%s is explained in environment.py but config/settings.py does not read it", name)


def _always_read(app, env, added, changed, removed):
    """Pages with generated text are read on every build: their source does not change when the
    code does, so an incremental build would otherwise keep stale tables."""
    found = []
    for path in Path(app.srcdir).rglob("*.md"):
        if "_build" in path.parts or "_ext" in path.parts:
            continue
        if re.search(r"(?m)^<!-- registry:[\w-]+ -->$", path.read_text(encoding="utf-8")):
            found.append(str(path.relative_to(app.srcdir).with_suffix("")).replace("\\", "/"))
    return [name for name in found if name in env.found_docs]


def setup(app):
    app.connect("source-read", _fill)
    app.connect("env-get-outdated", _always_read)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
