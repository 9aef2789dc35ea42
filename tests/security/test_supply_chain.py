"""The supply-chain audit (.ci/audit.py) judges pip-audit's report: a known vulnerability fails
the run and names its fix; a package the vulnerability service could not look up is counted and
said, and fails the run when AUDIT_REQUIRED=1. pip-audit itself reports such a package as
skipped and exits 0, which is what this guards against. Requirements are pinned exactly."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
VULNERABLE = {
    "name": "django",
    "version": "4.2.0",
    "vulns": [
        {"id": "PYSEC-2023-100", "fix_versions": ["3.2.19", "4.1.9", "4.2.1"], "aliases": ["CVE-2023-31047"]},
        {"id": "GHSA-xxxx-0000-0000", "fix_versions": [], "aliases": []},
    ],
}
UNREACHABLE = {
    "name": "celery",
    "skip_reason": "Dependency not found on PyPI and could not be audited: celery (5.7.0)",
}


def audit(tmp_path, dependencies: list[dict], **env) -> subprocess.CompletedProcess:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    environ = {k: v for k, v in os.environ.items() if k != "AUDIT_REQUIRED"} | env
    return subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "audit.py"), "--from-json", str(report)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=30,
    )


def test_a_clean_report_passes(tmp_path):
    done = audit(tmp_path, [CLEAN, {**CLEAN, "name": "celery", "version": "5.7.0"}])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 pinned packages, 2 audited" in done.stdout
    assert "no known vulnerabilities" in done.stdout


def test_a_known_vulnerability_fails_and_says_what_fixes_it(tmp_path):
    done = audit(tmp_path, [VULNERABLE, CLEAN])
    assert done.returncode == 1
    assert "VULNERABLE: 2 known vulnerabilities" in done.stdout
    assert "django 4.2.0: PYSEC-2023-100 (fixed in 3.2.19, 4.1.9, 4.2.1)" in done.stdout
    assert "django 4.2.0: GHSA-xxxx-0000-0000 (fixed in no fixed release yet)" in done.stdout


@pytest.mark.parametrize(("required", "code"), [({}, 0), ({"AUDIT_REQUIRED": "1"}, 1)])
def test_packages_that_could_not_be_looked_up_are_said_and_fail_when_required(tmp_path, required, code):
    done = audit(tmp_path, [CLEAN, UNREACHABLE], **required)
    assert done.returncode == code
    assert "NOT AUDITED: 1 of 2 packages could not be looked up" in done.stdout
    assert "celery: Dependency not found on PyPI" in done.stdout


def test_a_vulnerability_fails_even_when_other_packages_could_not_be_looked_up(tmp_path):
    assert audit(tmp_path, [VULNERABLE, UNREACHABLE]).returncode == 1


@pytest.mark.parametrize(
    "name", ["requirements.txt", "requirements-dev.txt", "requirements-docs.txt", "requirements-audit.txt"]
)
def test_every_requirement_is_pinned_to_one_version(name):
    lines = [line.strip() for line in (ROOT / name).read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith(("#", "-r "))]
    assert requirements
    loose = [line for line in requirements if not re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,]+\])?==[0-9][^\s;]*", line)]
    assert loose == []
