"""Every field a caller can write is bounded: API strings by a length, a choice, a format or a
bounded pattern, API lists by a number of items; portal and console form text fields by a
length. (Request bodies as a whole are capped by DATA_UPLOAD_MAX_MEMORY_SIZE.)"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms
from drf_spectacular.generators import SchemaGenerator

from registry.core.limits import NO_NUL_PATTERN, NOT_BLANK_PATTERN

UNBOUNDED_QUANTIFIER = re.compile(r"(?<!\\)[*+]|\{\d+,\}")


def _writable_fields() -> list[tuple[str, dict]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found: list[tuple[str, dict]] = []

    def resolve(node: dict) -> dict:
        return components[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node

    def walk(node: dict, path: str, seen: frozenset) -> None:
        node = resolve(node)
        if id(node) in seen:
            return
        seen = seen | {id(node)}
        for sub in node.get("allOf", []) + node.get("oneOf", []) + node.get("anyOf", []):
            walk(sub, path, seen)
        kind = node.get("type")
        if kind == "object" or "properties" in node:
            for name, prop in node.get("properties", {}).items():
                if not resolve(prop).get("readOnly"):
                    walk(prop, f"{path}.{name}", seen)
            if isinstance(node.get("additionalProperties"), dict):
                walk(node["additionalProperties"], f"{path}.*", seen)
        elif kind in ("array", "string"):
            found.append((path, node))
            if kind == "array":
                walk(node.get("items", {}), f"{path}[]", seen)

    for route, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("post", "put", "patch"):
                body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                if "schema" in body:
                    walk(body["schema"], f"{method.upper()} {route}", frozenset())
    return found


def test_every_writable_api_string_and_list_is_bounded():
    fields = _writable_fields()
    assert len(fields) > 50  # the walk reaches the request bodies
    unbounded = []
    for path, node in fields:
        if node.get("type") == "array":
            bounded = "maxItems" in node
        else:
            pattern = node.get("pattern")
            bounded = bool({"enum", "maxLength", "format"} & set(node)) or (
                pattern is not None and not UNBOUNDED_QUANTIFIER.search(pattern)
            )
        if not bounded:
            unbounded.append(path)
    assert unbounded == []


def test_every_writable_api_string_states_its_written_form():
    """What the server refuses, the schema says: a choice, a format (uri, email), or a pattern (the
    written form of a date or an amount, or at least no NUL), so a schema-valid value is never a 400."""
    # a string of at most 0 characters is the blank alternative of an optional text
    strings = [(p, n) for p, n in _writable_fields() if n.get("type") == "string" and n.get("maxLength") != 0]
    unstated = [path for path, node in strings if not {"enum", "pattern"} & set(node) and "format" not in node]
    assert unstated == []
    dates = [node for _, node in strings if node.get("format") in ("date", "date-time")]
    amounts = [node for _, node in strings if node.get("format") == "decimal"]
    assert len(dates) >= 8 and all(n["pattern"].startswith("^(?:(?:18[5-9][0-9]") for n in dates)
    assert len(amounts) >= 8 and all("e" not in n["pattern"] and "_" not in n["pattern"] for n in amounts)
    assert {n["pattern"] for _, n in strings if "pattern" in n} >= {NO_NUL_PATTERN, NOT_BLANK_PATTERN}


def _form_classes() -> list[type[forms.BaseForm]]:
    import registry

    classes = []
    for module_info in pkgutil.walk_packages(registry.__path__, "registry."):
        if ".migrations" in module_info.name or ".management" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, forms.BaseForm) and obj.__module__ == module.__name__:
                classes.append(obj)
    return classes


@pytest.mark.django_db
def test_every_text_field_of_our_forms_has_a_length_limit():
    classes = _form_classes()
    assert len(classes) >= 5
    unbounded = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in classes
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert unbounded == []
