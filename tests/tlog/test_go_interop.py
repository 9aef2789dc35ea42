"""An implementation nobody here wrote agrees with the log: Go's golang.org/x/mod/sumdb/note and
/tlog (Debian's golang-golang-x-mod-dev) verify our checkpoints, tiles, entries, inclusion and
consistency proofs over HTTP from a live server (tests/tlog/interop/verify.go), and refuse a
tampered leaf, a forked checkpoint and a wrong key."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings as django_settings
from django.db import connection

from registry.consent.services import grant_revoke
from registry.tlog import note, selectors, services
from tests.conftest import login_of, service_missing
from tests.consent.factories import grant_for
from tests.tlog.conftest import append
from tests.tokens.conftest import in_term_today

GOPATH = Path("/usr/share/gocode")
SOURCE = Path(__file__).parent / "interop" / "verify.go"


@pytest.fixture(scope="module")
def go_verifier(tmp_path_factory) -> Path:
    """verify.go built offline against Debian's x/mod (GOPATH mode: no module download)."""
    go = shutil.which("go")
    if go is None or not (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        service_missing("Go and golang.org/x/mod (apt-get install golang-go golang-golang-x-mod-dev)")
    binary = tmp_path_factory.mktemp("go") / "verify"
    env = dict(
        os.environ,
        GOPATH=str(GOPATH),
        GO111MODULE="off",
        GOFLAGS="",
        GOCACHE=str(Path(django_settings.VAR_DIR) / "go-build-cache"),
    )
    built = subprocess.run(
        [go, "build", "-o", str(binary), str(SOURCE)], env=env, capture_output=True, text=True, timeout=300
    )
    assert built.returncode == 0, built.stderr
    return binary


def run(binary: Path, base: str, vkey: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(binary), "-base", base, "-vkey", vkey, *args], capture_output=True, text=True, timeout=120
    )


def signed_by_the_log(size: int, root: bytes) -> str:
    key = services.log_key_active()
    text = note.Checkpoint(origin=key.name, size=size, root=root).text()
    return text + "\n" + note.sign(text, key.name, services.private_key(key))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_go_sumdb_tlog_accepts_our_log_and_refuses_tampering(
    go_verifier, live_server, settings, tmp_path, studio, performer, agreement
):
    settings.REGISTRY_BASE_URL = live_server.url  # the origin: this server's host followed by /log
    # Real leaves (a token issued and revoked, their audit events), then enough to fill tiles.
    grant = grant_for(studio.studio, performer.performer, agreement, description=in_term_today())
    append(280)
    services.log_sequence()
    old = selectors.latest_checkpoint()
    grant_revoke(grant=grant, reason="withdrawn", acting_user=login_of(performer.performer))
    append(300, start=280)
    services.log_sequence(batch_size=200)
    latest = selectors.latest_checkpoint()
    assert latest.size > 512 and old.size > 256
    vkey = selectors.log_description()["verifier_key"]
    (tmp_path / "old.txt").write_text(selectors.published_note(old))

    genuine = run(go_verifier, live_server.url, vkey, "-old", str(tmp_path / "old.txt"))
    assert genuine.returncode == 0, genuine.stdout + genuine.stderr
    assert genuine.stdout.startswith(f"OK size={latest.size} ")
    assert f"consistent_from={old.size}" in genuine.stdout

    # A wrong key: the same name, another key.
    other = note.verifier_for(old.note.split("\n")[0], Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    wrong_key = run(go_verifier, live_server.url, other.vkey)
    assert (wrong_key.returncode, wrong_key.stdout) == (1, "FAIL: checkpoint: note has no verifiable signatures\n")

    # A forked checkpoint: the log signs another root for a size it published.
    (tmp_path / "fork.txt").write_text(signed_by_the_log(latest.size, bytes(32)))
    forked = run(go_verifier, live_server.url, vkey, "-checkpoint", str(tmp_path / "fork.txt"))
    assert forked.returncode == 1
    assert forked.stdout.startswith("FAIL: tree hash from the tiles: downloaded inconsistent tile"), forked.stdout
    (tmp_path / "old-fork.txt").write_text(signed_by_the_log(old.size, bytes(32)))
    forked_past = run(go_verifier, live_server.url, vkey, "-old", str(tmp_path / "old-fork.txt"))
    assert forked_past.returncode == 1
    assert forked_past.stdout.startswith(f"FAIL: consistency from {old.size} to {latest.size}"), forked_past.stdout

    # A tampered leaf: the entry served no longer hashes to the leaf hash the tiles hold.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tlog_logleaf SET data = %s WHERE index = 300", [b'{"type":"test","n":-1}'])
    tampered = run(go_verifier, live_server.url, vkey)
    assert (tampered.returncode, tampered.stdout) == (
        1,
        "FAIL: entry 300 does not hash to its leaf in the tiles (a tampered leaf)\n",
    )
