"""Witnesses: the registry submits each checkpoint (C2SP tlog-witness add-checkpoint), stores the
cosignature it gets back (tlog-cosignature, Ed25519) and publishes it with the checkpoint. The
witness is registry/tlog/witness.py, over HTTP on loopback."""

from __future__ import annotations

import base64
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.tlog import note, selectors, services, witness
from registry.tlog.models import Cosignature, Witness
from tests.tlog.conftest import append

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_key():
    return selectors.verifier(services.log_key_active())


@pytest.fixture
def running_witness(log_key):
    w = witness.Witness(name="witness.example/w1", key=Ed25519PrivateKey.generate(), logs={log_key.name: [log_key]})
    server = witness.serve(w)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    row = Witness.objects.create(
        name=w.name, verifier_key=w.verifier.vkey, url=f"http://127.0.0.1:{server.server_address[1]}"
    )
    yield w, row
    server.shutdown()
    server.server_close()


def body(old: int, checkpoint_note: str, proof: list[bytes] = ()) -> bytes:
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + checkpoint_note).encode()


def test_each_checkpoint_is_cosigned_and_published_with_its_cosignature(client, running_witness, log_key):
    w, row = running_witness
    append(30)
    services.log_sequence()
    assert services.witnesses_submit() == 1
    append(30, start=30)
    services.log_sequence()
    assert services.witnesses_submit() == 1

    served = client.get("/log/checkpoint").content.decode()
    checkpoint, parsed = note.open_checkpoint(served, [log_key])
    assert [v for v, _ in note.cosigners(parsed, [w.verifier])] == [w.verifier]
    row.refresh_from_db()
    assert (row.cosigned_size, row.last_error) == (checkpoint.size, "")
    assert w.state[log_key.name]["size"] == checkpoint.size
    assert Cosignature.objects.count() == 2
    description = client.get("/.well-known/transparency-log.json").json()
    assert description["witnesses"] == [{"name": "witness.example/w1", "verifier_key": w.verifier.vkey}]


def test_a_witness_that_lost_its_state_answers_409_and_is_caught_up(running_witness):
    w, row = running_witness
    append(10)
    services.log_sequence()
    Witness.objects.filter(pk=row.pk).update(cosigned_size=7)  # we believe it saw 7; it saw nothing

    assert services.witnesses_submit() == 1
    assert w.state[selectors.latest_checkpoint().note.split("\n")[0]]["size"] == 10


def test_a_fork_is_refused(running_witness):
    w, _ = running_witness
    append(10)
    services.log_sequence()
    services.witnesses_submit()
    key = services.log_key_active()
    text = note.Checkpoint(origin=key.name, size=10, root=bytes(32)).text()  # the same size, another root
    fork = text + "\n" + note.sign(text, key.name, services.private_key(key))
    cosigned = dict(w.state[key.name])

    answer = w.add_checkpoint(body(10, fork))

    assert (answer.status, answer.body) == (422, "two different roots for the same size 10: a fork\n")
    assert w.state[key.name] == cosigned


@pytest.mark.parametrize(
    ("request_body", "status"),
    [
        (b"nonsense", 400),
        (b"old x\n\n", 400),
        (b"old 0\nnot base64!\n\n", 400),
    ],
)
def test_malformed_submissions_are_400(running_witness, request_body, status):
    assert running_witness[0].add_checkpoint(request_body).status == status


def test_another_logs_checkpoint_is_404_and_a_wrong_signature_403(running_witness, log_key):
    w, _ = running_witness
    other = Ed25519PrivateKey.generate()
    text = note.Checkpoint(origin="other.example/log", size=0, root=bytes(32)).text()
    unknown = w.add_checkpoint(body(0, text + "\n" + note.sign(text, "other.example/log", other)))
    text = note.Checkpoint(origin=log_key.name, size=0, root=bytes(32)).text()
    forged = w.add_checkpoint(body(0, text + "\n" + note.sign(text, log_key.name, other)))

    assert (unknown.status, forged.status) == (404, 403)


def test_an_unreachable_witness_is_recorded_and_tried_again_later(running_witness):
    _, row = running_witness
    Witness.objects.filter(pk=row.pk).update(url="http://127.0.0.1:9")
    append(5)
    services.log_sequence()

    url = row.url
    Witness.objects.filter(pk=row.pk).update(url="http://127.0.0.1:9")
    append(5)
    services.log_sequence()

    assert services.witnesses_submit() == 0
    row.refresh_from_db()
    assert row.last_error.startswith("unreachable")
    assert not Cosignature.objects.exists()
    # Beat's tlog.submit_to_witnesses tries again; the witness is back.
    Witness.objects.filter(pk=row.pk).update(url=url)
    assert services.witnesses_submit() == 1
