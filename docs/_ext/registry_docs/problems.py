"""The problem-type reference, generated from registry/core/problems.py (the one catalogue).

Each type gets a section whose anchor is its slug, so `/problems/<slug>` (the page the API's `type`
URI opens) and the guide's `studios/problems.html#<slug>` say the same words.
"""

from __future__ import annotations

from registry.core.problems import ProblemType

from .text import plain


def sections() -> str:
    lines = [
        "| type | status | title |",
        "|---|---|---|",
        *(f"| {{ref}}`{p.slug} <problem-{p.slug}>` | {p.status} | {plain(p.title)} |" for p in ProblemType),
        "",
    ]
    for problem in ProblemType:
        lines += [
            f"(problem-{problem.slug})=",
            f"## `{problem.slug}`",
            "",
            f"**{problem.status}**: {plain(problem.title)}",
            "",
            plain(problem.description),
            "",
            f"`type`: `<REGISTRY_BASE_URL>/problems/{problem.slug}` (the registry serves the same words there).",
            "",
        ]
    return "\n".join(lines)
