"""The layers of registry/ (docs/concepts/architecture.md), held by reading every module's imports.

Each domain folder sits in one layer and imports only its own folder and the layers below; the
edges (outbox, webhooks) sit low so that every domain may call them. Imports under
`if TYPE_CHECKING:` are annotations, never run, and may name a layer above (tokens names the
grant it signs). An import of another domain inside a function is refused whatever the layers
say: it is how a circle hides. registry/privacy loads each domain's privacy.py by name from
settings.PERFORMER_DATA_MODULES, a plug-in list like AUTHENTICATION_BACKENDS, not an import.

A layer may have no folder yet (tlog, media: built on other branches); a folder must have a layer.
"""

from __future__ import annotations

import ast
import pathlib
import re
import subprocess
import sys

import pytest

REGISTRY = pathlib.Path(__file__).resolve().parent.parent / "registry"
ARCHITECTURE = REGISTRY.parent / "docs" / "concepts" / "architecture.md"

# Lowest first. A domain may import its own layer only where the set says so (one folder each).
LAYERS: list[tuple[str, ...]] = [
    ("core",),  # the shared kernel: errors, ids, actors, vocabularies, problem types, limits
    ("outbox",),  # an edge: work owed after a commit, which every domain may enqueue
    ("tlog",),  # the transparency log: what the audit trail and the tokens publish
    ("audit",),
    ("parties",),
    ("webhooks",),  # an edge: outbound events, which every domain may announce
    ("terms",),
    ("tokens",),
    ("consent",),
    ("cases",),
    ("media",),
    ("usage",),
    ("billing",),
    ("residuals",),
    ("privacy",),  # orchestrates each domain's privacy.py
    ("portal",),
    ("api", "console", "site"),  # the faces on top; none imports another
    ("demo",),  # demo data, outside the product
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def _imports(path: pathlib.Path, *, whole: bool = False):
    """(line, imported registry domain, inside a function) for each import of registry.*,
    except those under `if TYPE_CHECKING:` (annotations only, never run); with `whole`, the
    imported module's whole dotted name instead of its domain."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        if isinstance(node, ast.ImportFrom):
            modules += [f"{node.module}.{alias.name}" for alias in node.names]
        for module in modules:
            parts = module.split(".")
            if parts[0] == "registry" and len(parts) > 1:
                yield node.lineno, module if whole else parts[1], id(node) in in_function


def _modules():
    for path in sorted(REGISTRY.rglob("*.py")):
        rel = path.relative_to(REGISTRY)
        if "migrations" in rel.parts or len(rel.parts) < 2:
            continue
        yield rel, rel.parts[0]


def _folders() -> set[str]:
    return {p.name for p in REGISTRY.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def test_every_domain_folder_has_a_layer():
    assert _folders() - set(LAYER_OF) == set(), "add the new folder to LAYERS and to docs/concepts/architecture.md"


def test_the_architecture_page_names_the_layers_in_their_order():
    section = ARCHITECTURE.read_text(encoding="utf-8").split("\n", 1)[1].split("\n## ", 1)[0]
    order = section.split("\n\n", 2)[1]  # the paragraph after the heading's first: the layer order
    named = [name for name in re.findall(r"`(\w+)`", order) if name in LAYER_OF]

    assert sorted(set(named), key=named.index) == [name for names in LAYERS for name in names]


def test_imports_point_down_the_layers():
    wrong = []
    for rel, domain in _modules():
        for line, target, _ in _imports(REGISTRY / rel):
            if target != domain and LAYER_OF[target] >= LAYER_OF[domain]:
                wrong.append(f"registry/{rel}:{line} {domain} imports {target}")
    assert sorted(set(wrong)) == []


def test_no_module_imports_a_tasks_module():
    """Tasks are entry points Celery loads: each imports its services, and services enqueue
    through the outbox by the task's name, so nothing imports a task to call it."""
    importing = sorted(
        {
            f"registry/{rel}:{line} imports {module}"
            for rel, _ in _modules()
            for line, module, _ in _imports(REGISTRY / rel, whole=True)
            if re.fullmatch(r"registry\.\w+\.tasks(\..*)?", module) and rel.name != "tasks.py"
        }
    )
    assert importing == []


def test_no_import_hides_inside_a_function():
    hidden = [
        f"registry/{rel}:{line} imports registry.{target} inside a function"
        for rel, domain in _modules()
        for line, target, inside in _imports(REGISTRY / rel)
        if inside and target != domain
    ]
    assert sorted(set(hidden)) == []


# Modules that decide without the ORM or Django: the rules, the money and period arithmetic, the
# vocabularies and catalogues they read, and the offline verifier studios copy out.
PURE = sorted(
    {p.relative_to(REGISTRY.parent) for p in REGISTRY.glob("*/rules.py")}
    | {p.relative_to(REGISTRY.parent) for p in (REGISTRY / "core" / "vocabulary").glob("*.py")}
    | {
        pathlib.Path(f"registry/{name}.py")
        for name in [
            "billing/rating",
            "billing/money",
            "core/money",
            "terms/pricing",
            "billing/periods",
            "audit/catalogue",
            "core/problems",
            "core/errors",
            "tokens/verifier",
        ]
    }
)


@pytest.mark.parametrize("path", PURE, ids=str)
def test_pure_modules_import_no_django(path):
    parts = path.with_suffix("").parts
    module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    frameworks = "{'django', 'rest_framework'}"
    probe = f"import sys, {module}; print(sorted({{m.split('.')[0] for m in sys.modules}} & {frameworks}))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=REGISTRY.parent, capture_output=True, text=True, check=True
    ).stdout.strip()

    assert loaded == "[]"
