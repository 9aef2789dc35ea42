"""No status, cause, reason, kind, audit action or problem type is written as a bare string in
registry/ outside the module that declares it (migrations excluded).

The vocabularies are the `Vocabulary` enums of registry/core/vocabulary/, the audit catalogue
(registry/audit/catalogue.py), the problem types (registry/core/problems.py) and the offline
verifier's result statuses (registry/tokens/verifier.py, which runs copied out on its own). The
modules that only declare are exempt. The test reads every other module with `ast` and refuses:

1. An audit action anywhere as a string: actions are dotted (`grant.revoked`), so a string equal
   to one is that action, wherever it stands. An f-string passed as an audit `action` or
   `subject_type` is refused too: it builds an action the catalogue cannot list.
2. A string that is a value of the vocabulary a name stands for, where it meets that name:
   - compared with it: `x.status == "active"`, `status in ("active", "suspended")`,
     `"strike" in causes`, `row["status"] != "x"`, `d.get("kind") == "x"`;
   - assigned to it: `x.status = "x"`, `status = "x"`, `status: str = "x"`, a parameter's
     default, a class attribute (`slug = "conflict"` in a DomainError);
   - passed as it: a keyword `status="x"` (`.filter(...)`, `Q(...)`, `.create(...)`, a service),
     an ORM lookup `grant__status__in=["x"]` (the field before the lookup), a positional
     argument of a registry function or dataclass whose parameter is that name
     (`CheckReason("no_grant", ...)`, `json_problem("not-found")`);
   - keyed by it in a dict display: `{"status": "x"}`;
   - returned from a function annotated to return a vocabulary.
   Tuples, lists, sets and both arms of `a if c else b` are looked into.

What a name stands for is read from the code, never listed here: a model field whose choices
are a vocabulary's (`ConsentGrant.status` -> GrantStatus), and a name annotated with a vocabulary
anywhere in registry/ (`code: CheckReasonCode` in a rules dataclass, `action: AuditAction` and
`slug: ProblemType` in signatures). A name stands for every vocabulary it is given anywhere
(`status`: all the statuses), and a string is refused only where it is one of their values: so
`action == "apply"` (an admin button) passes, since "apply" is no audit action, and a free-text
`reason="..."` passes, since no vocabulary is named `reason`. Strings in templates are not read.
"""

from __future__ import annotations

import ast
import enum
import functools
import importlib
import pathlib
from collections import defaultdict
from collections.abc import Iterator

import pytest
from django.apps import apps

REGISTRY = pathlib.Path(__file__).resolve().parent.parent / "registry"
# Where vocabularies are declared: the shared ones, the audit catalogue, the problem types, and the
# offline verifier's result statuses (declared in that module, which runs copied out on its own).
VOCABULARY_MODULES = [
    "registry.audit.catalogue",
    "registry.core.problems",
    "registry.tokens.verifier",
    *sorted(f"registry.core.vocabulary.{p.stem}" for p in (REGISTRY / "core" / "vocabulary").glob("[!_]*.py")),
]
# Modules that only declare: the strings in them are the declarations.
EXEMPT = {
    REGISTRY.parent / (m.replace(".", "/") + ".py") for m in VOCABULARY_MODULES if m != "registry.tokens.verifier"
}
ORM_LOOKUPS = {"in", "exact", "iexact", "ne", "contains", "icontains", "startswith", "istartswith"}


def _vocabularies() -> dict[str, frozenset[str]]:
    """Each vocabulary's class name and values."""
    found: dict[str, frozenset[str]] = {}
    for name in VOCABULARY_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, enum.EnumType) and value.__module__ == name and issubclass(value, str):
                found[value.__name__] = frozenset(member.value for member in value)
    return found


VOCABULARIES = _vocabularies()


def _names_in(annotation: ast.expr | None) -> set[str]:
    if annotation is None:
        return set()
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return set()
    return {
        node.id if isinstance(node, ast.Name) else node.attr
        for node in ast.walk(annotation)
        if isinstance(node, ast.Name | ast.Attribute)
    } & set(VOCABULARIES)


class Meaning:
    """What names stand for: from model fields' choices and from annotations in registry/."""

    def __init__(self, trees: dict[pathlib.Path, ast.Module]) -> None:
        self.of_name: dict[str, set[str]] = defaultdict(set)
        self.params: dict[str, list[list[tuple[str, set[str]]]]] = defaultdict(list)
        self.returns: dict[int, set[str]] = {}
        by_choices = {tuple(sorted(values)): name for name, values in VOCABULARIES.items()}
        for model in apps.get_models():
            if not model.__module__.startswith("registry."):
                continue
            for field in model._meta.get_fields():
                choices = getattr(field, "choices", None)
                if choices:
                    vocabulary = by_choices.get(tuple(sorted(str(value) for value, _ in choices)))
                    if vocabulary:
                        self.of_name[field.name].add(vocabulary)
        for tree in trees.values():
            self.read(tree)

    def with_tree(self, tree: ast.Module) -> Meaning:
        """A copy that also reads `tree`'s annotations."""
        copy = object.__new__(Meaning)
        copy.of_name = defaultdict(set, {name: set(v) for name, v in self.of_name.items()})
        copy.params = defaultdict(list, {name: list(v) for name, v in self.params.items()})
        copy.returns = dict(self.returns)
        copy.read(tree)
        return copy

    def read(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name | ast.Attribute):
                target = node.target.id if isinstance(node.target, ast.Name) else node.target.attr
                self.of_name[target] |= _names_in(node.annotation)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                    self.of_name[arg.arg] |= _names_in(arg.annotation)
                self.returns[id(node)] = _names_in(node.returns)
            elif isinstance(node, ast.ClassDef):
                self._read_class(node)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                positional = [*node.args.posonlyargs, *node.args.args]
                if positional and positional[0].arg in ("self", "cls"):
                    positional = positional[1:]
                self.params[node.name].append([(a.arg, _names_in(a.annotation)) for a in positional])

    def _read_class(self, node: ast.ClassDef) -> None:
        decorators = {ast.unparse(d).split("(")[0].split(".")[-1] for d in node.decorator_list}
        if "dataclass" in decorators:
            fields = [
                (item.target.id, _names_in(item.annotation))
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            ]
            self.params[node.name].append(fields)

    def vocabularies(self, name: str | None) -> set[str]:
        if not name:
            return set()
        parts = [p for p in name.split("__") if p]
        while len(parts) > 1 and parts[-1] in ORM_LOOKUPS:
            parts.pop()
        return set(self.of_name.get(parts[-1], ())) if parts else set()

    def positional(self, call: ast.Call, index: int) -> set[str]:
        """The vocabularies of the parameter at `index` of the callee, where every registry
        definition of that name agrees (a name defined twice with different parameters says nothing)."""
        callee = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)
        answers = []
        for params in self.params.get(callee, []):
            if index >= len(params):
                return set()
            name, annotated = params[index]
            answers.append(frozenset(annotated | self.vocabularies(name)))
        return set(answers[0]) if answers and len(set(answers)) == 1 else set()


def _name_of(expr: ast.expr) -> str | None:
    """The name an expression reads: `x.status` -> status, `row["status"]` -> status,
    `d.get("status")` -> status."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, str):
        return expr.slice.value
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "get"
        and expr.args
        and isinstance(expr.args[0], ast.Constant)
        and isinstance(expr.args[0].value, str)
    ):
        return expr.args[0].value
    return None


def _strings(expr: ast.expr | None) -> Iterator[ast.Constant]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        yield expr
    elif isinstance(expr, ast.Tuple | ast.List | ast.Set):
        for element in expr.elts:
            yield from _strings(element)
    elif isinstance(expr, ast.IfExp):
        yield from _strings(expr.body)
        yield from _strings(expr.orelse)


def _bare_strings(tree: ast.Module, meaning: Meaning, actions: frozenset[str]) -> Iterator[tuple[int, str, str]]:
    """(line, value, what it should be) for each bare vocabulary string in `tree`."""

    def meets(name_vocabularies: set[str], expr: ast.expr | None) -> Iterator[tuple[int, str, str]]:
        for constant in _strings(expr):
            owners = sorted(v for v in name_vocabularies if constant.value in VOCABULARIES[v])
            if owners:
                yield constant.lineno, constant.value, " or ".join(owners)

    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in actions:
            yield node.lineno, node.value, "AuditAction"
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            for side in sides:
                for other in sides:
                    if other is not side:
                        yield from meets(meaning.vocabularies(_name_of(other)), side)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                yield from meets(meaning.vocabularies(_name_of(target)), node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            yield from meets(meaning.vocabularies(_name_of(node.target)) | _names_in(node.annotation), node.value)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in ("action", "subject_type") and isinstance(keyword.value, ast.JoinedStr):
                    yield keyword.value.lineno, ast.unparse(keyword.value), "a catalogue member, not an f-string"
                yield from meets(meaning.vocabularies(keyword.arg), keyword.value)
            for index, arg in enumerate(node.args):
                yield from meets(meaning.positional(node, index), arg)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    yield from meets(meaning.vocabularies(key.value), value)
        elif isinstance(node, ast.arguments):
            positional = [*node.posonlyargs, *node.args]
            for arg, default in zip(positional[len(positional) - len(node.defaults) :], node.defaults, strict=True):
                yield from meets(meaning.vocabularies(arg.arg) | _names_in(arg.annotation), default)
            for arg, default in zip(node.kwonlyargs, node.kw_defaults, strict=True):
                yield from meets(meaning.vocabularies(arg.arg) | _names_in(arg.annotation), default)
    for function in functions:
        returns = meaning.returns.get(id(function), set())
        if returns:
            for node in ast.walk(function):
                if isinstance(node, ast.Return):
                    yield from meets(returns, node.value)


@functools.cache
def _registry_trees() -> dict[pathlib.Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(REGISTRY.rglob("*.py"))
        if "migrations" not in path.relative_to(REGISTRY).parts
    }


@functools.cache
def _meaning() -> Meaning:
    return Meaning(_registry_trees())


def _findings(checked: dict[pathlib.Path, ast.Module], meaning: Meaning) -> list[str]:
    actions = VOCABULARIES.get("AuditAction", frozenset())
    return sorted(
        {
            f"{path.relative_to(REGISTRY.parent)}:{line} {value!r} is a bare string: use {what}"
            for path, tree in checked.items()
            for line, value, what in _bare_strings(tree, meaning, actions)
        }
    )


def test_no_vocabulary_value_is_a_bare_string_in_registry():
    trees = _registry_trees()
    assert _findings({p: t for p, t in trees.items() if p not in EXEMPT}, _meaning()) == []


# --- The checker itself, on snippets: each rule finds its case and passes what it should ------
def _check(source: str) -> list[str]:
    tree = ast.parse(source)
    return _findings({REGISTRY / "snippet.py": tree}, _meaning().with_tree(tree))


@pytest.mark.parametrize(
    "source",
    [
        'if grant.status == "active": pass',
        'if "superseded" != row["status"]: pass',
        'if cand.status in ("revoked", "x"): pass',
        'if "strike" in candidate.suspension_causes: pass',
        'grant.status = "revoked"',
        'ConsentGrant.objects.filter(grant__status__in=["active"])',
        'Q(cause="performer")',
        'payload = {"status": "suspended"}',
        'CheckReason("no_grant", None, "message")',
        'audit_record(actor=a, action="grant.revoked", subject_type="grant", subject_id="x")',
        'action = "grant.suspended_by_strike" if strike else "grant.suspended"',
        "def f(status: str = 'expired'): pass",
        "def live(s) -> GrantStatus:\n    return 'active'",
        'audit_record(actor=a, action=f"{kind}.voided", subject_type="invoice", subject_id="x")',
        'audit_record(actor=a, action=AuditAction.GRANT_REVOKED, subject_type="grant", subject_id="x")',
        'json_problem("not-found", detail="No such page.")',
        'class GoneError(DomainError):\n    slug = "conflict"',
        "row = {**data, 'outcome': 'qualified'}",
    ],
)
def test_the_checker_refuses_a_bare_vocabulary_string(source):
    assert _check(source) != []


@pytest.mark.parametrize(
    "source",
    [
        'if request.POST.get("action") == "apply": pass',  # an admin button, not an audit action
        "if grant.status == GrantStatus.ACTIVE: pass",
        'if payload["format"] == "json": pass',
        'FieldProblem("reason", "required", "Say why.")',
        'grant.reason = "active"',  # a free-text reason may say anything
        'note = "the grant was revoked"',
    ],
)
def test_the_checker_passes_members_and_strings_of_no_vocabulary(source):
    assert _check(source) == []
