"""The API reference, rendered from the committed OpenAPI schema (docs/studios/openapi.json).

The schema file is what `manage.py spectacular --format openapi-json` prints; a test
(tests/docs/test_site.py) fails when the code's schema and the committed file differ, so the
reference cannot drift from the code. Rendered as Markdown here (no extra Sphinx package): one
section per operation, grouped by tag, and one per component schema.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .text import cell, plain

SCHEMA = Path(__file__).resolve().parents[2] / "studios" / "openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")


def load(path: Path = SCHEMA) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def schema_label(name: str) -> str:
    """The anchor of a component schema: lower case, as docutils writes ids (`_Refusal` -> `refusal`)."""
    return "schema-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def operation_label(operation: dict) -> str:
    return f"op-{operation['operationId'].lower().replace('_', '-')}"


def type_of(schema: dict | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"{{ref}}`{name} <{schema_label(name)}>`"
    for combiner, word in (("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")):
        if combiner in schema:
            return word.join(type_of(part) for part in schema[combiner])
    kind = schema.get("type", "object")
    if kind == "array":
        text = f"array of {type_of(schema.get('items'))}"
    elif "enum" in schema:
        values = [v for v in schema["enum"] if v not in ("", None)]
        text = "one of " + ", ".join(f"`{v}`" for v in values[:12]) + (", …" if len(values) > 12 else "")
    else:
        text = kind + (f" ({schema['format']})" if "format" in schema else "")
    if schema.get("nullable"):
        text += ", or null"
    return text


def _security(operation: dict) -> str:
    schemes = sorted({name for requirement in operation.get("security", []) for name in requirement})
    anonymous = any(requirement == {} for requirement in operation.get("security", []))
    words = ", ".join(f"`{name}`" for name in schemes) or "none"
    return words + (" (or none: public)" if anonymous and schemes else "")


def reference() -> str:
    schema = load()
    by_tag: dict[str, list] = {}
    for path, method, operation in operations(schema):
        by_tag.setdefault((operation.get("tags") or ["other"])[0], []).append((path, method, operation))
    lines = [
        f"The schema's own version: `{schema['info']['version']}`, OpenAPI `{schema['openapi']}`; "
        f"{sum(len(ops) for ops in by_tag.values())} operations.",
        "",
    ]
    for tag in sorted(by_tag):
        lines += [f"## {tag.capitalize()}", ""]
        for path, method, operation in by_tag[tag]:
            lines += _operation(path, method, operation)
    return "\n".join(lines)


def _operation(path: str, method: str, operation: dict) -> list[str]:
    lines = [
        f"({operation_label(operation)})=",
        f"### `{method.upper()} {path}`",
        "",
    ]
    if operation.get("summary"):
        lines += [f"**{plain(operation['summary'])}**", ""]
    if operation.get("description"):
        lines += [plain(operation["description"]), ""]
    lines += [f"Operation id `{operation['operationId']}`; authentication: {_security(operation)}.", ""]
    parameters = operation.get("parameters", [])
    if parameters:
        lines += ["| parameter | type | description |", "|---|---|---|"]
        for parameter in parameters:
            where = parameter["in"] + (", required" if parameter.get("required") else "")
            lines.append(
                f"| `{parameter['name']}` ({where}) | {type_of(parameter.get('schema'))} | "
                f"{cell(parameter.get('description', ''))} |"
            )
        lines.append("")
    body = operation.get("requestBody")
    if body:
        kinds = "; ".join(f"`{kind}`: {type_of(content.get('schema'))}" for kind, content in body["content"].items())
        lines += [f"Request body{' (required)' if body.get('required') else ''}: {kinds}.", ""]
    answers = operation["responses"].items()
    lines += ["| status | meaning | body |", "|---|---|---|"]
    for code, response in answers:
        if code[0] in "45":
            continue
        content = response.get("content") or {}
        shape = "; ".join(f"`{kind}` {type_of(item.get('schema'))}" for kind, item in content.items())
        lines.append(f"| {code} | {cell(response.get('description', ''))} | {shape} |")
    lines.append("")
    errors = [(code, response) for code, response in answers if code[0] in "45"]
    if errors:
        # Every error is a problem-details body (a test in tests/docs/test_openapi.py holds the schema to it).
        lines += [f"Errors, each `application/problem+json` {type_of({'$ref': '#/components/schemas/Problem'})}:", ""]
        lines += [f"- **{code}**: {cell(response.get('description', ''))}" for code, response in errors]
        lines.append("")
    return lines


def schemas() -> str:
    lines = []
    for name, schema in sorted(load()["components"]["schemas"].items()):
        lines += [f"({schema_label(name)})=", f"## `{name}`", ""]
        if schema.get("description"):
            lines += [plain(schema["description"]), ""]
        properties = schema.get("properties")
        if properties:
            required = set(schema.get("required", []))
            lines += ["| field | type | required | description |", "|---|---|---|---|"]
            for field, spec in properties.items():
                flags = "read-only" if spec.get("readOnly") else ("yes" if field in required else "no")
                lines.append(f"| `{field}` | {type_of(spec)} | {flags} | {cell(spec.get('description', ''))} |")
            lines.append("")
        else:
            lines += [f"Type: {type_of(schema)}.", ""]
    return "\n".join(lines)
