"""The log monitor: verifies each checkpoint, the log's consistency over time and every entry;
alerts on a fork, changed entries and a token missing from the log. In process (the registry's
answers through Django's test client) and, once, as the standalone script and the management
command against a live server."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client

from registry.tlog import bundle, monitor, note, selectors, services
from registry.tlog.models import Checkpoint
from tests.tlog.conftest import append
from tests.tokens.conftest import ROOT, in_term_today

SCRIPT = ROOT / "docs" / "examples" / "log_monitor.py"


def test_the_standalone_script_is_the_bundle_of_the_registrys_modules():
    assert SCRIPT.read_text() == bundle.render(), "run: python -m registry.tlog.bundle > docs/examples/log_monitor.py"


def client_fetch(client: Client):
    def fetch(path: str) -> bytes:
        response = client.get(path)
        if response.status_code != 200:
            raise monitor.Unreadable(f"GET {path}: {response.status_code}")
        return response.content

    return fetch


def forged(size: int, root: bytes = bytes(32)) -> str:
    """A checkpoint the log's own key signed for another tree: what a log showing two histories does."""
    key = services.log_key_active()
    text = note.Checkpoint(origin=key.name, size=size, root=root).text()
    return text + "\n" + note.sign(text, key.name, services.private_key(key))


@pytest.fixture
def watcher(client, db):
    append(40)
    services.log_sequence()
    keys = [selectors.verifier(services.log_key_active())]
    return monitor.Monitor(client_fetch(client), keys)


@pytest.mark.django_db
def test_rounds_verify_every_entry_and_the_consistency_between_checkpoints(watcher, capsys):
    watcher.round()
    append(300, start=40)
    services.log_sequence(batch_size=128)
    watcher.round()

    assert not watcher.alerted
    latest = selectors.latest_checkpoint()
    assert (watcher.size, watcher.root) == (latest.size, bytes(latest.root_hash))
    assert [f.get("checkpoint") for f in watcher.findings if f.get("note") == "entries verified"] == [40, latest.size]
    # What it keeps is the compact range: one hash per set bit of the size, never the entries.
    assert len(watcher.state()["compact_range"]) == latest.size.bit_count()


@pytest.mark.django_db
def test_two_checkpoints_of_the_same_size_with_different_roots_are_a_fork(watcher, tmp_path):
    watcher.round()
    (tmp_path / "elsewhere.txt").write_text(forged(40))

    watcher.round(also=[str(tmp_path / "elsewhere.txt")])

    fork = [f for f in watcher.findings if f.get("alert") == "fork"]
    assert len(fork) == 1 and fork[0]["size"] == fork[0]["verified_size"] == 40
    assert fork[0]["root"] != fork[0]["verified_root"]


@pytest.mark.django_db
def test_a_log_that_rewrites_its_history_is_caught(watcher):
    watcher.round()
    append(10, start=40)
    services.log_sequence()
    # The log now serves a bigger checkpoint whose tree does not extend the one verified before.
    Checkpoint.objects.filter(size=50).update(note=forged(50), root_hash=bytes(32))

    watcher.round()

    assert [f["alert"] for f in watcher.findings if "alert" in f] == ["fork"]
    assert watcher.size == 40  # nothing adopted from a fork


@pytest.mark.django_db
def test_an_entry_changed_after_it_was_logged_is_caught(watcher):
    watcher.round()
    append(10, start=40)
    services.log_sequence()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tlog_logleaf SET data = %s WHERE index = 45", [b'{"n":-45,"type":"test"}'])

    watcher.round()

    assert [f["alert"] for f in watcher.findings if "alert" in f] == ["entries_do_not_match"]


@pytest.mark.django_db
def test_a_token_is_found_in_the_log_or_reported_missing(client, studio, performer, agreement):
    from tests.consent.factories import grant_for

    grant = grant_for(studio.studio, performer.performer, agreement, description=in_term_today())
    services.log_sequence()
    watcher = monitor.Monitor(client_fetch(client), [selectors.verifier(services.log_key_active())], grace=0)
    watcher.watch(grant.tokens.get().jws)
    header, claims, signature = grant.tokens.get().jws.split(".")
    stranger = f"{header}.{claims}.{signature[:-4]}AAAA"  # the same claims, a token the registry never issued
    watcher.watch(stranger)

    watcher.round()

    included = [f for f in watcher.findings if "token_included" in f]
    missing = [f for f in watcher.findings if f.get("alert") == "token_missing"]
    assert [f["leaf_index"] for f in included] == [
        selectors.leaf_for("token_issued", str(grant.tokens.get().pk)).index
    ]
    assert len(missing) == 1 and missing[0]["token"] != included[0]["token_included"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_script_and_the_command_run_against_a_live_registry(live_server, settings, tmp_path):
    settings.REGISTRY_BASE_URL = live_server.url
    append(300)
    services.log_sequence(batch_size=200)
    vkey = selectors.log_description()["verifier_key"]
    (tmp_path / "fork.txt").write_text(forged(selectors.latest_checkpoint().size))
    state = tmp_path / "state.json"

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *argv], cwd=tmp_path, capture_output=True, text=True, timeout=60)

    command = run(str(ROOT / "manage.py"), "log_monitor", live_server.url, "--key", vkey, "--state", str(state))
    script = run(
        str(SCRIPT), live_server.url, "--state", str(state), "--key", vkey, "--also", str(tmp_path / "fork.txt")
    )

    assert command.returncode == 0, command.stdout + command.stderr
    assert json.loads(state.read_text())["size"] == 300
    assert script.returncode == 3, script.stdout + script.stderr
    assert "ALERT fork: " in script.stderr
    assert [json.loads(line).get("alert") for line in script.stdout.splitlines()] == ["fork"]


def test_the_command_line_refuses_a_malformed_key(capsys):
    args = argparse.Namespace(
        url="http://127.0.0.1:9", key="not a key", state=None, token=[], also=[], interval=0, rounds=1, grace=0
    )

    assert monitor.run(args, fetch=lambda path: b"") == monitor.EXIT_UNREADABLE
    assert "NoteError" in capsys.readouterr().err


def test_a_state_of_another_log_is_refused(tmp_path):
    key = note.verifier_for("a.example/log", bytes(range(32)))
    with pytest.raises(monitor.Unreadable, match=r"b\.example/log"):
        monitor.Monitor(lambda path: b"", [key], state={"origin": "b.example/log", "size": 0})
