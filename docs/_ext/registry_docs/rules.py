"""Where the code cites each domain rule ("DOMAIN.md 2.5", "DOMAIN.md section 3"), found in the source.

The rules page (docs/concepts/domain-rules.md) numbers the rules as the code cites them; the test
suite checks every rule the code cites exists on that page.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CITATION = re.compile(r"DOMAIN(?:\.md)?,? (?:section )?(\d+)(?:\.(\d+))?")


def citations() -> dict[str, list[str]]:
    """Rule ("2.5", or "3" for a whole section) -> the files citing it, in order."""
    found: dict[str, set[str]] = {}
    for path in [*sorted((ROOT / "registry").rglob("*.py")), ROOT / "config" / "settings.py"]:
        for match in CITATION.finditer(path.read_text(encoding="utf-8")):
            rule = match.group(1) + (f".{match.group(2)}" if match.group(2) else "")
            found.setdefault(rule, set()).add(str(path.relative_to(ROOT)))
    return {rule: sorted(files) for rule, files in sorted(found.items(), key=lambda item: _key(item[0]))}


def _key(rule: str) -> tuple[int, ...]:
    return tuple(int(part) for part in rule.split("."))


def table() -> str:
    rows = ["| rule | cited in |", "|---|---|"]
    for rule, files in citations().items():
        rows.append(f"| {rule} | {', '.join(f'`{f}`' for f in files)} |")
    return "\n".join(rows) + "\n"
