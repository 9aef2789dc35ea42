"""`./run demo` on another port: the addresses the registry writes into tokens, status lists and
problem types name the port it serves on, and a token it issued verifies against what it serves."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from registry.tokens.jose import parse_compact
from registry.tokens.verifier import verify
from tests.integration.billing_stack import ROOT, wait_for
from tests.integration.fault_stack import free_port

pytestmark = pytest.mark.slow

# What the service sees from the caller's shell: the embedded default (SQLite, tasks in process).
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "THROTTLE_REDIS_URL",
    "REGISTRY_BASE_URL",
    "DJANGO_SETTINGS_MODULE",
)


def get(url: str, api_key: str | None = None) -> tuple[int, bytes]:
    # Only ever our own server on the loopback address (S310 guards against file: and other schemes).
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {api_key}"} if api_key else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def start_demo(tmp_path: Path, **env_overrides: str) -> tuple[subprocess.Popen, Path]:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(REGISTRY_VAR_DIR=str(tmp_path / "var"), **env_overrides)
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", str(ROOT / "run"), "demo"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return proc, log


@pytest.fixture
def demo_on_another_port(tmp_path):
    port = free_port()
    proc, log = start_demo(tmp_path, PORT=str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(
            lambda: proc.poll() is not None or get(f"{base}/healthz")[0] == 200,
            timeout=180,
            what=lambda: f"./run demo on port {port}: {log.read_text()[-2000:]}",
        )
        assert proc.poll() is None, log.read_text()[-2000:]
        yield base, log.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def test_demo_on_another_port_writes_that_port_into_tokens_lists_and_problems(demo_on_another_port):
    base, output = demo_on_another_port
    # Pixelforge's grant in force is for a term that begins in three weeks (its other one, for
    # the demo's past, has ended).
    api_key = re.search(r"Pixelforge Games \(std_\w+\): (crk_\S+)", output).group(1)

    status, body = get(f"{base}/api/v1/grants/", api_key)
    assert status == 200, body
    grant_id = next(g["id"] for g in json.loads(body)["results"] if g["status"] == "active")
    status, body = get(f"{base}/api/v1/grants/{grant_id}/token", api_key)
    assert status == 200, body
    served = json.loads(body)
    _, claims, _, _ = parse_compact(served["token"])
    status_uri = claims["status"]["status_list"]["uri"]
    assert claims["iss"] == base
    assert status_uri.startswith(f"{base}/statuslists/")
    assert served["status"]["status_list"]["uri"] == status_uri

    # The token's own status address answers, and the token verifies offline against it: every
    # check passes (signature, key, list signature, list `sub`) but the term, not begun yet.
    _, jwks = get(f"{base}/.well-known/jwks.json")
    list_status, status_list = get(status_uri)
    assert list_status == 200
    result = verify(served["token"], json.loads(jwks), status_list.decode())
    assert result.reasons == ["not_yet_valid"]

    # The server process names it too: problem types are absolute URIs under the base URL.
    status, body = get(f"{base}/api/v1/me")
    assert status == 401
    assert json.loads(body)["type"].startswith(f"{base}/problems/")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, "http://127.0.0.1:8101"),
        ({"REGISTRY_BASE_URL": "https://registry.example.org"}, "https://registry.example.org"),
    ],
)
def test_run_derives_the_base_url_from_the_port_unless_it_is_set(tmp_path, given, expected):
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(REGISTRY_VAR_DIR=str(tmp_path), PORT="8101", **given)
    result = subprocess.run(
        [
            "bash",
            str(ROOT / "run"),
            "manage",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.REGISTRY_BASE_URL)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
