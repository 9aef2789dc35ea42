"""Supply-chain audit: every package pinned in the project's environment (.venv, runtime and
development, transitive ones included) against the known-vulnerability database, with pip-audit.

    .venv/bin/python .ci/audit.py                 audit (CI runs this)
    .venv/bin/python .ci/audit.py --from-json F   judge a report pip-audit already wrote

Exit 1 when a pinned package has a known vulnerability (each is named with the versions that
fix it). pip-audit reports a package it could not look up as skipped, and exits 0 for it; here
it is counted and said: "NOT AUDITED: n of N". That is a failure too when AUDIT_REQUIRED=1 (set
it where the vulnerability service is reachable); otherwise a warning, because this project's
own CI machine reaches no vulnerability database (PyPI's JSON API answers 404 through its
package proxy and OSV does not connect), and the run says so in every log rather than passing
in silence.

pip-audit lives in a virtualenv of its own (.venv-audit, pinned in requirements-audit.txt) so
its dependencies neither enter the audited set nor the application's environment. Standard
library only: this runs before anything else is known to work.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
AUDIT_VENV = ROOT / ".venv-audit"
AUDIT_REQUIREMENTS = ROOT / "requirements-audit.txt"


@dataclass
class Verdict:
    vulnerable: list[str] = field(default_factory=list)  # "django 4.2.0: PYSEC-… (fixed in 4.2.1)"
    not_audited: list[str] = field(default_factory=list)
    audited: int = 0

    @property
    def total(self) -> int:
        return self.audited + len(self.not_audited)


def judge(report: dict) -> Verdict:
    """Read pip-audit's JSON report (`-f json`)."""
    verdict = Verdict()
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            verdict.not_audited.append(f"{dep['name']}: {dep['skip_reason']}")
            continue
        verdict.audited += 1
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            verdict.vulnerable.append(f"{dep['name']} {dep.get('version', '?')}: {vuln['id']} (fixed in {fixes})")
    return verdict


def exit_code(verdict: Verdict, *, required: bool) -> int:
    if verdict.vulnerable:
        return 1
    if verdict.not_audited and required:
        return 1
    return 0


def summary(verdict: Verdict, *, required: bool) -> str:
    lines = [f"supply-chain audit: {verdict.total} pinned packages, {verdict.audited} audited"]
    if verdict.vulnerable:
        lines.append(f"VULNERABLE: {len(verdict.vulnerable)} known vulnerabilities")
        lines += [f"  {v}" for v in verdict.vulnerable]
    if verdict.not_audited:
        lines.append(
            f"NOT AUDITED: {len(verdict.not_audited)} of {verdict.total} packages could not be looked up"
            + ("" if required else " (a warning: set AUDIT_REQUIRED=1 where the vulnerability service is reachable)")
        )
        lines += [f"  {v}" for v in verdict.not_audited[:5]]
        if len(verdict.not_audited) > 5:
            lines.append(f"  … and {len(verdict.not_audited) - 5} more")
    if not verdict.vulnerable and not verdict.not_audited:
        lines.append("no known vulnerabilities")
    return "\n".join(lines)


def _audit_tool() -> Path:
    """pip-audit in its own virtualenv, installed again when requirements-audit.txt changes."""
    tool = AUDIT_VENV / "bin" / "pip-audit"
    stamp = AUDIT_VENV / ".requirements.sha256"
    want = hashlib.sha256(AUDIT_REQUIREMENTS.read_bytes()).hexdigest()
    if not tool.exists() or not stamp.exists() or stamp.read_text() != want:
        subprocess.run([sys.executable, "-m", "venv", str(AUDIT_VENV)], check=True)
        install = subprocess.run(
            [str(AUDIT_VENV / "bin" / "pip"), "install", "--quiet", "-r", str(AUDIT_REQUIREMENTS)],
            capture_output=True,
            text=True,
        )
        if install.returncode:
            sys.stderr.write(install.stdout + install.stderr)
            raise SystemExit(f"could not install pip-audit (exit {install.returncode})")
        stamp.write_text(want)
    return tool


def run_pip_audit() -> dict:
    frozen = subprocess.run(
        [str(APP_PYTHON), "-m", "pip", "freeze", "--exclude-editable"], check=True, capture_output=True, text=True
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as pins:
        pins.write(frozen)
        pins.flush()
        # --no-deps --disable-pip: audit exactly these pins (the whole environment, frozen), no
        # resolving; pip-audit exits 1 when it finds something, which judge() reads from the report.
        done = subprocess.run(
            [
                str(_audit_tool()),
                "-r",
                pins.name,
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "-f",
                "json",
            ],
            capture_output=True,
            text=True,
        )
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"pip-audit wrote no report (exit {done.returncode})") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-json", type=Path, help="judge this pip-audit JSON report instead of running pip-audit")
    args = parser.parse_args(argv)
    report = json.loads(args.from_json.read_text()) if args.from_json else run_pip_audit()
    required = os.environ.get("AUDIT_REQUIRED", "") in {"1", "true", "yes"}
    verdict = judge(report)
    print(summary(verdict, required=required))
    return exit_code(verdict, required=required)


if __name__ == "__main__":
    raise SystemExit(main())
