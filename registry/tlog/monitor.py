"""A monitor of the registry's transparency log: standard library + `cryptography`, nothing else.

    python docs/examples/log_monitor.py https://registry.example.org --key '<vkey>' \\
        --state monitor.json [--token token.jwt ...] [--also checkpoint.txt ...] [--interval 60]

(`manage.py log_monitor` is the same program; docs/examples/log_monitor.py is this module and the
ones it uses, bundled into one file by `python -m registry.tlog.bundle`.)

Each round it fetches the log's checkpoint and verifies its signature with the log's key; checks
the new checkpoint against the last one it verified (a consistency proof from the registry,
verified here; the same size with another root, or a smaller one that does not prefix it, is a
fork); reads every new entry from the entry bundles and rebuilds the tree's root from them and
the compact range it keeps (so every entry is checked, in memory bounded by log2 of the size);
looks for the tokens it was shown among the entries; and checks the checkpoints it is given from
elsewhere (`--also`: files or URLs, e.g. what a witness or a studio was shown) against its own.

Every finding is one JSON line on stdout. An alert (`"alert": "fork"`, `"bad_checkpoint"`,
`"entries_do_not_match"`, `"token_missing"`) also goes to stderr and the exit status is 3; 0 when
every round was clean, 2 when the log could not be read.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import struct
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from registry.tlog.leaves import LeafError, decode
from registry.tlog.merkle import TILE_WIDTH, CompactRange, ProofError, leaf_hash, tile_path, verify_consistency
from registry.tlog.note import NoteError, Verifier, open_checkpoint, parse_vkey

# Seconds a token may wait for the sequencer before its absence is an alert.
DEFAULT_GRACE = 600
EXIT_OK, EXIT_UNREADABLE, EXIT_ALERT = 0, 2, 3

Fetch = Callable[[str], bytes]


class Unreadable(Exception):
    """The log (or a file) could not be read: not a finding about the log."""


def http_fetch(base_url: str, timeout: float = 30) -> Fetch:
    """GET base_url + path; gzip-encoded answers are decoded."""

    def fetch(path: str) -> bytes:
        url = path if path.startswith(("http://", "https://")) else base_url.rstrip("/") + path
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, identity"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                body = response.read()
                return gzip.decompress(body) if response.headers.get("Content-Encoding") == "gzip" else body
        except (urllib.error.URLError, OSError) as exc:
            raise Unreadable(f"GET {url}: {exc}") from exc

    return fetch


def bundle_entries(bundle: bytes) -> list[bytes]:
    """The entries of a tlog-tiles entry bundle (big-endian uint16 length, then the bytes)."""
    entries, at = [], 0
    while at < len(bundle):
        if at + 2 > len(bundle):
            raise ProofError("an entry bundle ends inside a length")
        (length,) = struct.unpack(">H", bundle[at : at + 2])
        if at + 2 + length > len(bundle):
            raise ProofError("an entry bundle ends inside an entry")
        entries.append(bundle[at + 2 : at + 2 + length])
        at += 2 + length
    return entries


class Monitor:
    """What the monitor has verified so far (its state) and one round of checks."""

    def __init__(self, fetch: Fetch, keys: list[Verifier], *, state: dict | None = None, grace: int = DEFAULT_GRACE):
        self.fetch, self.keys, self.grace = fetch, keys, grace
        state = state or {}
        self.origin = keys[0].name
        if state and state.get("origin") != self.origin:
            raise Unreadable(f"the state is of {state.get('origin')!r}, not {self.origin!r}")
        self.size = state.get("size", 0)
        self.root = base64.b64decode(state["root"]) if "root" in state else None
        self.compact = CompactRange(self.size, [base64.b64decode(h) for h in state.get("compact_range", [])])
        self.tokens: dict[str, dict] = state.get("tokens", {})  # jws sha256 -> {"iat", "leaf_index"}
        self.findings: list[dict] = []

    def state(self) -> dict:
        return {
            "origin": self.origin,
            "size": self.size,
            "root": None if self.root is None else base64.b64encode(self.root).decode(),
            "compact_range": [base64.b64encode(h).decode() for h in self.compact.hashes],
            "tokens": self.tokens,
        }

    def watch(self, jws: str) -> None:
        digest = hashlib.sha256(jws.encode("ascii")).hexdigest()
        try:
            claims = json.loads(base64.urlsafe_b64decode(jws.split(".")[1] + "=="))
        except (IndexError, ValueError) as exc:
            raise Unreadable("a token to watch is not a compact JWS") from exc
        self.tokens.setdefault(digest, {"iat": claims.get("iat", 0), "leaf_index": None})

    def report(self, **finding: Any) -> None:
        self.findings.append(finding)
        print(json.dumps(finding, sort_keys=True), flush=True)
        if "alert" in finding:
            print(f"ALERT {finding['alert']}: {finding.get('detail', '')}", file=sys.stderr, flush=True)

    @property
    def alerted(self) -> bool:
        return any("alert" in f for f in self.findings)

    # --- One round -------------------------------------------------------------------------------
    def round(self, also: list[str] = ()) -> None:
        head = self._checkpoint(self.fetch("/log/checkpoint"), "the log")
        if head is None:
            return
        if self._compare(head, "the log") and head.size > self.size:
            self._read_entries(head)
        self._check_tokens()
        for source in also:
            remote = source.startswith(("http://", "https://"))
            try:
                message = self.fetch(source) if remote else Path(source).read_bytes()
            except OSError as exc:
                raise Unreadable(f"{source}: {exc}") from exc
            other = self._checkpoint(message, source)
            if other is not None:
                self._compare(other, source, adopt=False)

    def _checkpoint(self, message: bytes, source: str):
        try:
            checkpoint, _ = open_checkpoint(message, self.keys, origin=self.origin)
        except NoteError as exc:
            self.report(alert="bad_checkpoint", source=source, detail=str(exc))
            return None
        return checkpoint

    def _consistency(self, old_size: int, new_size: int) -> list[bytes]:
        if old_size == new_size:
            return []  # nothing to prove: the roots must be equal
        answer = json.loads(self.fetch(f"/api/v1/log/proofs/consistency?from={old_size}&to={new_size}"))
        return [base64.b64decode(h) for h in answer["hashes"]]

    def _compare(self, head, source: str, *, adopt: bool = True) -> bool:
        """Is `head` consistent with the last checkpoint verified? Adopts it when it is newer."""
        if self.root is None:
            if adopt:
                self.report(checkpoint=head.size, source=source, note="first checkpoint seen")
            return True
        old_size, old_root = (self.size, self.root)
        try:
            if head.size >= old_size:
                verify_consistency(old_size, head.size, old_root, head.root, self._consistency(old_size, head.size))
            else:
                verify_consistency(head.size, old_size, head.root, old_root, self._consistency(head.size, old_size))
        except (ProofError, ValueError, KeyError) as exc:
            self.report(
                alert="fork",
                source=source,
                detail=f"{source}'s checkpoint of {head.size} leaves is not consistent with the one of {old_size} "
                f"verified before ({exc})",
                size=head.size,
                root=base64.b64encode(head.root).decode(),
                verified_size=old_size,
                verified_root=base64.b64encode(old_root).decode(),
            )
            return False
        if head.size < old_size:
            self.report(stale=head.size, source=source, note=f"older than the {old_size} leaves verified, consistent")
        elif source != "the log":
            self.report(consistent=head.size, source=source)
        return True

    def _read_entries(self, head) -> None:
        """Extend the compact range with every entry from self.size to head.size; the root must
        come out as the checkpoint's."""
        compact = CompactRange(self.compact.size, self.compact.hashes)
        found: dict[str, int] = {}
        index = self.size
        while index < head.size:
            number = index // TILE_WIDTH
            width = min(head.size - number * TILE_WIDTH, TILE_WIDTH)
            entries = bundle_entries(self.fetch("/log/" + tile_path(None, number, width)))
            if len(entries) != width:
                detail = f"entry bundle {number} holds {len(entries)} entries, not {width}"
                self.report(alert="entries_do_not_match", detail=detail)
                return
            for entry in entries[index - number * TILE_WIDTH :]:
                compact.append(leaf_hash(entry))
                self._note_token(entry, index, found)
                index += 1
        if compact.root() != head.root:
            self.report(
                alert="entries_do_not_match",
                detail=f"the entries up to {head.size} do not hash to the checkpoint's root (a changed entry)",
            )
            return
        self.compact, self.size, self.root = compact, head.size, head.root
        for digest, leaf_index in found.items():
            self.tokens[digest]["leaf_index"] = leaf_index
            self.report(token_included=digest, leaf_index=leaf_index)
        self.report(checkpoint=head.size, root=base64.b64encode(head.root).decode(), note="entries verified")

    def _note_token(self, entry: bytes, index: int, found: dict[str, int]) -> None:
        if not self.tokens:
            return
        try:
            record = decode(entry)
        except LeafError:
            return
        digest = record.get("jws_sha256")
        if record.get("type") == "token_issued" and digest in self.tokens and digest not in found:
            found[digest] = index

    def _check_tokens(self) -> None:
        now = time.time()
        for digest, seen in self.tokens.items():
            if seen["leaf_index"] is None and now - seen["iat"] > self.grace:
                self.report(alert="token_missing", token=digest, detail=f"token {digest} is not in the log")


# --- Command line ------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="the registry's base URL, e.g. https://registry.example.org")
    parser.add_argument("--key", help="the log's verifier key (default: read /.well-known/transparency-log.json)")
    parser.add_argument("--state", help="a JSON file keeping what was verified between runs")
    parser.add_argument("--token", action="append", default=[], help="a consent token (a file) to find in the log")
    parser.add_argument("--also", action="append", default=[], help="a checkpoint (file or URL) seen elsewhere")
    parser.add_argument("--interval", type=float, default=60, help="seconds between rounds")
    parser.add_argument("--rounds", type=int, default=1, help="rounds to run (0: until an alert)")
    parser.add_argument("--grace", type=int, default=DEFAULT_GRACE, help="seconds a token may take to appear")


def run(args: argparse.Namespace, fetch: Fetch | None = None) -> int:
    fetch = fetch or http_fetch(args.url)
    try:
        if args.key:
            keys = [parse_vkey(args.key)]
        else:
            description = json.loads(fetch("/.well-known/transparency-log.json"))
            keys = [parse_vkey(description["verifier_key"])]
            trusting = "trusting the key the registry publishes; pin it with --key"
            print(json.dumps({"note": trusting, "key": keys[0].vkey}))
        state_file = Path(args.state) if args.state else None
        state = json.loads(state_file.read_text()) if state_file and state_file.exists() else None
        monitor = Monitor(fetch, keys, state=state, grace=args.grace)
        for token in args.token:
            monitor.watch(Path(token).read_text().strip())
        done = 0
        while True:
            monitor.round(args.also)
            done += 1
            if state_file and not monitor.alerted:
                state_file.write_text(json.dumps(monitor.state(), indent=1))
            if monitor.alerted or (args.rounds and done >= args.rounds):
                break
            time.sleep(args.interval)
    except (Unreadable, NoteError, OSError, ValueError, KeyError) as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_ALERT if monitor.alerted else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Monitor a consent registry's transparency log.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
