"""schemathesis against the live server, run as its CLI runs: `--checks all` (no 5xx, every status,
header, content type and body as the schema documents, schema-valid requests accepted and
schema-invalid ones refused, auth not ignored, unsupported methods refused...) over every phase
(the schema's examples, the coverage phase's boundary values, fuzzing, stateful sequences), as a
studio. Any finding fails the test and prints schemathesis's report.

Two things the schema cannot say are set in the run's configuration, each for a reason:
- a 422 answers a schema-valid request that a rule refused (an unknown performer, an address
  webhooks may not use): every operation that can give one documents it, and the
  status_code_conformance check holds them to that;
- path parameters draw half the time from ids of real objects, so operations reach their logic
  and not only their 404s.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from registry.webhooks import services as webhook_services
from tests.conftest import SYSTEM
from tests.consent.factories import create_request, grant_for

# Fixed, so CI runs the same cases each time; set SCHEMATHESIS_SEED and SCHEMATHESIS_MAX_EXAMPLES
# to explore further (a longer run: SCHEMATHESIS_MAX_EXAMPLES=100 takes about ten minutes).
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261206"))
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))  # per operation and mode when fuzzing
STATEFUL_STEPS = 8
CONFIG = """
[generation]
max-examples = {max_examples}

[phases.stateful]
max-steps = {steps}

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

{dictionaries}
"""


def _id_parameters(known: dict[str, str]) -> str:
    lines = ["[dictionaries]"]
    lines += [f'{name} = {{ values = ["{value}"] }}' for name, value in known.items()]
    lines += ["", "[parameters]"]
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}' for name in known]
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.fuzz
@pytest.mark.django_db(transaction=True)
def test_schemathesis_with_every_check_finds_nothing(live_server, studio, performer, agreement, settings, tmp_path):
    settings.WEBHOOK_REQUIRE_HTTPS = False
    grant = grant_for(studio.studio, performer.performer, agreement)
    pending = create_request(studio.studio, performer.performer, agreement, use="voice_replica")
    endpoint, _ = webhook_services.endpoint_create(
        studio=studio.studio, url="https://hooks.northlight.example/x", event_types=["grant.revoked"], actor=SYSTEM
    )
    known = {
        "grant_id": grant.public_id,
        "request_id": pending.public_id,
        "endpoint_id": endpoint.public_id,
        "performer_id": performer.performer.public_id,
    }
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        CONFIG.format(max_examples=MAX_EXAMPLES, steps=STATEFUL_STEPS, dictionaries=_id_parameters(known))
    )
    st = Path(sys.executable).with_name("st")
    command = [
        str(st), "--config-file", str(config), "--no-color", "run", f"{live_server.url}/api/schema/",
        "--checks", "all", "--seed", str(SEED), "--workers", "2", "--generation-database", "none",
        "--header", f"Authorization: Bearer {studio.secret}",
    ]  # fmt: skip

    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    report = run.stdout + run.stderr
    if run.returncode != 0 and _only_tool_errors(report):
        # schemathesis itself crashed (a "Runtime Error" inside its generators, seen once in CI and
        # not reproduced with the same seed) and found nothing against the API: one more run decides.
        # A finding never gets a second chance.
        first = _errors_section(report)
        run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
        report = f"(first run: schemathesis error, no finding)\n{first}\n(second run)\n" + run.stdout + run.stderr

    assert run.returncode == 0, _errors_section(report) + report[-12_000:]
    tested = re.search(r"Tested: (\d+)", report)
    generated = re.search(r"(\d+) generated", report)
    assert tested and int(tested.group(1)) >= 55, report[-3_000:]  # every operation was reached
    assert generated and int(generated.group(1)) >= 2_000, report[-3_000:]


def _only_tool_errors(report: str) -> bool:
    """True when the run failed on schemathesis's own errors and no check found anything."""
    summary = report[report.rfind("SUMMARY") :]
    return "Errors:" in summary and "Failures:" not in summary and "FAILURES" not in report


def _errors_section(report: str, width: int = 300) -> str:
    """The ERRORS section with each line cut to `width` characters, so the exception's own words
    are not pushed out of the assertion message by a long repr."""
    start = report.find("= ERRORS =")
    if start < 0:
        return ""
    end = report.find("= WARNINGS =", start)
    end = report.find("= SUMMARY =", start) if end < 0 else end
    lines = report[start:end].splitlines()
    return "\n".join(line[:width] for line in lines[:80]) + "\n"
