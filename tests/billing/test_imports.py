"""Billing sits below residuals: residuals calls billing's money, ledger and selectors, and
billing imports nothing of residuals, not even inside a function. Billing's services enqueue
their tasks by name, so they never import the tasks module that calls them."""

from __future__ import annotations

import ast
from pathlib import Path

import registry

BILLING = Path(registry.__file__).parent / "billing"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or anywhere inside it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _billing_modules() -> dict[str, set[str]]:
    return {str(p.relative_to(BILLING)): _imports(p) for p in sorted(BILLING.rglob("*.py"))}


def test_billing_imports_nothing_of_residuals():
    offending = {
        name: sorted(m for m in imported if m == "registry.residuals" or m.startswith("registry.residuals."))
        for name, imported in _billing_modules().items()
    }
    assert {name: mods for name, mods in offending.items() if mods} == {}


def test_billing_services_do_not_import_its_tasks():
    importing_tasks = [
        name
        for name, imported in _billing_modules().items()
        if name != "tasks.py" and "registry.billing.tasks" in imported
    ]
    assert importing_tasks == []
