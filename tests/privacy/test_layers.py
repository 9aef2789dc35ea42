"""Privacy sits below the API, the portal and the console, which call it: none of its modules
imports them, at the top or inside a function. It reaches their data through
settings.PERFORMER_DATA_MODULES (registry/privacy/domains.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import registry.privacy

ABOVE = ("registry.api", "registry.portal", "registry.console")


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_privacy_imports_nothing_from_the_layers_above_it():
    root = Path(registry.privacy.__path__[0])
    upward = {
        f"{path.relative_to(root)}: {name}"
        for path in sorted(root.rglob("*.py"))
        for name in _imported(path)
        if name.startswith(tuple(f"{layer}." for layer in ABOVE)) or name in ABOVE
    }

    assert upward == set()
