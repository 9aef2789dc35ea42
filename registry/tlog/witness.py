"""A minimal witness (C2SP tlog-witness, Ed25519 cosignatures of tlog-cosignature): it cosigns a
log's checkpoint only if it is consistent with the last one it cosigned for that log. Standard
library + `cryptography`; the registry's tests run it, and anyone may run it for a log they watch:

    python -m registry.tlog.witness --generate witness.example/w1 > witness.key
    python -m registry.tlog.witness --key-file witness.key --log '<log verifier key>' \\
        --state witness.json --port 8081

Prints its cosignature verifier key at start: give it (with the URL) to the log's operator. A
public deployment would rather join an established witness network; this one keeps its state in
one JSON file, written before it answers, under one lock (the check of the old size and the
update are atomic, as tlog-witness requires).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.tlog.merkle import EMPTY_ROOT, ProofError, verify_consistency
from registry.tlog.note import (
    COSIGNATURE_V1,
    NoteError,
    Verifier,
    cosign,
    open_checkpoint,
    parse,
    parse_checkpoint,
    parse_vkey,
    public_bytes,
    verifier_for,
)

MAX_BODY = 64 * 1024
MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"


@dataclass
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


@dataclass
class Witness:
    name: str
    key: Ed25519PrivateKey
    logs: dict[str, list[Verifier]]  # origin -> the log's keys
    state_file: Path | None = None
    # origin -> {"size": N, "root": base64}: the latest checkpoint cosigned for each log.
    state: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.state_file is not None and self.state_file.exists():
            self.state = json.loads(self.state_file.read_text())

    @property
    def verifier(self) -> Verifier:
        return verifier_for(self.name, public_bytes(self.key), COSIGNATURE_V1)

    def add_checkpoint(self, body: bytes, *, now: float | None = None) -> Answer:
        """The add-checkpoint call: old size line, consistency proof lines, a blank line, the checkpoint."""
        try:
            text = body.decode("utf-8")
            head, _, message = text.partition("\n\n")
            lines = head.split("\n")
            if not lines[0].startswith("old ") or not lines[0][4:].isdigit() or len(lines) - 1 > MAX_PROOF_LINES:
                return Answer(400, "the body starts with `old <size>` and at most 63 proof lines\n")
            old_size = int(lines[0][4:])
            proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
            if any(len(h) != 32 for h in proof):
                return Answer(400, "each proof line is a base64 SHA-256 hash\n")
            origin = parse_checkpoint(parse(message).text).origin
        except (UnicodeDecodeError, binascii.Error, NoteError, ValueError):
            return Answer(400, "not an add-checkpoint request\n")
        keys = self.logs.get(origin)
        if keys is None:
            return Answer(404, f"this witness does not witness {origin}\n")
        try:
            checkpoint, _ = open_checkpoint(message, keys, origin=origin)
        except NoteError as exc:
            return Answer(403, f"{exc}\n")
        if old_size > checkpoint.size:
            return Answer(400, "the old size is larger than the checkpoint's\n")
        with self.lock:
            known = self.state.get(origin, {"size": 0, "root": base64.b64encode(EMPTY_ROOT).decode()})
            if old_size != known["size"]:
                return Answer(409, f"{known['size']}\n", SIZE_CONTENT_TYPE)
            if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
                return Answer(422, "a checkpoint of size 0 has the empty tree's root\n")
            try:
                verify_consistency(old_size, checkpoint.size, base64.b64decode(known["root"]), checkpoint.root, proof)
            except ProofError as exc:
                return Answer(422, f"{exc}\n")
            self.state[origin] = {"size": checkpoint.size, "root": base64.b64encode(checkpoint.root).decode()}
            if self.state_file is not None:
                self.state_file.write_text(json.dumps(self.state))
        timestamp = int(time.time() if now is None else now)
        return Answer(200, cosign(checkpoint.text(), self.name, self.key, timestamp))


def serve(witness: Witness, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server answering POST /add-checkpoint (call serve_forever, or run it in a thread)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if self.path.rstrip("/") != "/add-checkpoint":
                answer = Answer(404, "POST /add-checkpoint\n")
            elif length > MAX_BODY:
                answer = Answer(400, "the request is too large\n")
            else:
                answer = witness.add_checkpoint(self.rfile.read(length))
            data = answer.body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:  # quiet: the log's operator sees the answers
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A minimal tlog-witness (Ed25519 cosignatures).")
    parser.add_argument("--generate", metavar="NAME", help="print a new witness key file for NAME and exit")
    parser.add_argument("--key-file", help="the witness key file (from --generate)")
    parser.add_argument("--log", action="append", default=[], help="a log's verifier key (repeat for more logs)")
    parser.add_argument("--state", help="the JSON file of the latest checkpoint cosigned per log")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    if args.generate:
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        print(json.dumps({"name": args.generate, "seed": base64.b64encode(seed).decode()}))
        return 0
    if not args.key_file or not args.log:
        parser.error("--key-file and at least one --log are needed")
    key_file = json.loads(Path(args.key_file).read_text())
    logs: dict[str, list[Verifier]] = {}
    for vkey in args.log:
        log_key = parse_vkey(vkey)
        logs.setdefault(log_key.name, []).append(log_key)
    witness = Witness(
        name=key_file["name"],
        key=Ed25519PrivateKey.from_private_bytes(base64.b64decode(key_file["seed"])),
        logs=logs,
        state_file=Path(args.state) if args.state else None,
    )
    server = serve(witness, args.host, args.port)
    print(f"witness {witness.name} on http://{args.host}:{server.server_address[1]}", flush=True)
    print(f"verifier key: {witness.verifier.vkey}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
