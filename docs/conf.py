"""Sphinx configuration of the registry's guide (`./run docs` builds and serves it).

Markdown with MyST, the furo theme, no asset from the network. The build must pass with `-W`
(tests/docs/test_site.py runs it): every broken reference is an error.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "Performer Consent Registry"
author = "the registry's engineers"
copyright = "2026, the union"

extensions = ["myst_parser", "registry_docs"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "examples/**", "screenshots/**", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["colon_fence", "deflist"]
# Headings of levels 1-3 get anchors, so `page.md#a-heading` links are checked too.
myst_heading_anchors = 3
myst_links_external_new_tab = False

html_theme = "furo"
html_title = "Performer Consent Registry"
html_static_path: list[str] = []
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
# A server with no network: furo ships its fonts and scripts; nothing is fetched from a CDN.
html_theme_options = {"navigation_with_keys": True}
# The search index reads the pages; keep Sphinx's language for its stemmer.
language = "en"
