"""The log sits just above core: it imports nothing else of the registry but the outbox (which
imports nothing of the registry itself: the log's tasks go through it by name, as every domain's
do). The audit trail and tokens call the log, explicitly. Its math, notes, leaves, monitor and
witness import no Django at all, so outside verifiers run them with the standard library and
`cryptography`."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import registry.tlog

ROOT = Path(registry.tlog.__path__[0])
PURE = ("merkle.py", "note.py", "leaves.py", "monitor.py", "witness.py", "bundle.py")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_log_imports_only_core_and_the_outbox_from_the_registry():
    upward = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted(ROOT.rglob("*.py"))
        for name in imported(path)
        if name.startswith("registry.") and not name.startswith(("registry.core", "registry.outbox", "registry.tlog"))
    }

    assert upward == set()


def test_the_pure_modules_import_only_the_standard_library_cryptography_and_each_other():
    found = {
        f"{name}: {module}"
        for name in PURE
        for module in imported(ROOT / name)
        if module.split(".")[0] not in (*sys.stdlib_module_names, "cryptography")
        and not module.startswith("registry.tlog.")
    }

    assert found == set()


def test_the_outbox_imports_nothing_of_the_registry():
    import registry.outbox

    outbox = Path(registry.outbox.__path__[0])
    upward = {name for path in outbox.rglob("*.py") for name in imported(path) if name.startswith("registry.")}
    assert {name for name in upward if not name.startswith("registry.outbox")} == set()
