"""The guide's and the README's curl commands, run as written against a live server.

Each `curl` command in a code block of docs/**/*.md or README.md is either run here (its host and
placeholders replaced by the test server's address and real values) or listed in NOT_RUN with the
reason; a new command that is neither fails the first test, so an example cannot be added unchecked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.consent.factories import grant_for
from tests.tokens.conftest import in_term_today

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"(?ms)^[ \t]*```[a-z]*\n(.*?)^[ \t]*```")

# (file, the start of the command) -> why it is not run here
NOT_RUN = {
    ("docs/integration-guide.md", 'curl -sf -H "Authorization: Bearer $API_KEY" -F file=@voice.wav'): (
        "signs media: needs a C2PA signing certificate and a generated WAV file (tests/media signs and verifies)"
    ),
    ("docs/integration-guide.md", "curl -sf -F file=@voice.signed.wav"): (
        "verifies the file the command above signs (tests/media covers the endpoint)"
    ),
}
# (file, the start of the command) -> what its output must contain
RUN = {
    ("README.md", 'curl -H "Authorization: Bearer <key printed by ./run demo>"'): '"legal_name":"',
    ("docs/demo.md", 'curl -H "Authorization: Bearer <key printed by ./run demo>"'): '"legal_name":"',
    ("docs/integration-guide.md", 'curl -H "Authorization: Bearer $STUDIO_API_KEY"'): '"legal_name":"',
    ("docs/studios/tokens.md", "curl -s https://registry.example/.well-known/jwks.json > jwks.json"): "",
    ("docs/studios/tokens.md", 'curl -s "$STATUS_URI" > list.jwt'): "",
    ("docs/operators/deployment.md", "curl -s http://127.0.0.1:8000/readyz"): '"status"',
}


def curl_commands() -> list[tuple[str, str]]:
    """(file, command) for every curl command in a code block, continuation lines joined."""
    found = []
    for path in SOURCES:
        for block in FENCE.findall(path.read_text(encoding="utf-8")):
            lines = [line.strip() for line in block.replace("\\\n", " ").splitlines()]
            found += [(str(path.relative_to(ROOT)), line) for line in lines if line.startswith("curl ")]
    return found


def _key(file: str, command: str):
    for known in (*RUN, *NOT_RUN):
        if known[0] == file and command.startswith(known[1]):
            return known
    return None


def test_every_curl_example_is_run_or_says_why_not():
    commands = curl_commands()
    assert len(commands) >= len(RUN) + len(NOT_RUN)
    unclassified = [f"{file}: {command}" for file, command in commands if _key(file, command) is None]
    assert unclassified == [], "run it in tests/docs/test_examples.py, or list it in NOT_RUN with the reason"
    seen = {_key(file, command) for file, command in commands}
    assert set(RUN) | set(NOT_RUN) <= seen, "an example listed here is no longer in the docs"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_curl_examples_run_against_a_live_server(live_server, settings, studio, performer, agreement, tmp_path):
    if not shutil.which("curl"):
        pytest.fail("curl is not installed")
    settings.REGISTRY_BASE_URL = live_server.url
    grant = grant_for(studio.studio, performer.performer, agreement, description=in_term_today())
    request = urllib.request.Request(  # noqa: S310 (the live server's http URL)
        f"{live_server.url}/api/v1/grants/{grant.public_id}/token",
        headers={"Authorization": f"Bearer {studio.secret}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        token = json.load(answer)
    (tmp_path / "token.jwt").write_text(token["token"])
    env = {
        **os.environ,
        "STUDIO_API_KEY": studio.secret,
        "API_KEY": studio.secret,
        "REGISTRY": live_server.url,
        "GRANT": grant.public_id,
        "STATUS_URI": token["status"]["status_list"]["uri"],
        "PYTHONPATH": str(ROOT),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    ran = 0
    for file, command in curl_commands():
        key = _key(file, command)
        if key not in RUN:
            continue
        live = (
            command.replace("https://registry.example", live_server.url)
            .replace("http://127.0.0.1:8000", live_server.url)
            .replace("<key printed by ./run demo>", studio.secret)
        )
        done = subprocess.run(
            ["bash", "-c", f"set -e; {live}"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, (file, command, done.stderr)
        assert RUN[key] in done.stdout, (file, command, done.stdout[:500])
        ran += 1
    assert ran == len(RUN)

    # tokens.md's block ends with the offline verifier over the two files the curls fetched.
    assert json.loads((tmp_path / "jwks.json").read_text())["keys"]
    verified = subprocess.run(
        ["bash", "-c", "python -m registry.tokens.verifier @token.jwt --jwks jwks.json --status-list list.jwt"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
