"""Offline verification of consent tokens, for studios and anyone else: no Django, only files.

    python -m registry.tokens.verifier TOKEN --jwks jwks.json --status-list list.jwt [--now UNIX]
        [--checkpoint checkpoint.txt --log-key VKEY|@transparency-log.json --log-proof token.json
         [--earlier-checkpoint old.txt --consistency-proof consistency.json]]

Checks the signature against the published keys, `typ`, `alg`, `kid`, the time claims, and the
token's slot in the status list (itself a signed JWT, checked the same way). With `--checkpoint`
it also checks that the token is in the registry's transparency log: the checkpoint is signed by
the log's key, the proof (the token endpoint's answer saved to a file, or its `log` object, or
/api/v1/log/proofs/inclusion's) leads from the token's leaf to the checkpoint's root, and the
leaf is this token's issue. With `--earlier-checkpoint`, that the later checkpoint extends the
earlier one (the consistency proof of /api/v1/log/proofs/consistency). Prints a JSON result;
exits 0 when the token is valid (and in the log, when asked), 1 when it is not, 2 on unusable
input files.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from registry.tlog import merkle, note
from registry.tokens import jose, statuslist, transparency
from registry.tokens.jose import ED25519_ALGS, MalformedJWS, parse_compact, public_key_from_jwk

CONSENT_TYP = "consent+jwt"
STATUS_LIST_TYP = "statuslist+jwt"


class VerificationStatus(StrEnum):
    """Every status a verification ends in (the API's schema and the verification page use these).
    Declared here, not in registry.core.vocabulary: this module runs copied out on its own."""

    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    SUSPENDED = "suspended"
    NOT_YET_VALID = "not_yet_valid"
    INVALID = "invalid"


# What a slot's value is reported as. Offline, the list's value 1 (the IETF draft's INVALID)
# does not say why a token stopped holding: it is reported as `revoked`. The registry's online
# check knows the grant's history and names it (`invalid_as`): revoked, expired or superseded.
STATUS_NAMES = {
    statuslist.VALID: VerificationStatus.VALID,
    statuslist.INVALID: VerificationStatus.REVOKED,
    statuslist.SUSPENDED: VerificationStatus.SUSPENDED,
}
INVALID_AS = (VerificationStatus.REVOKED, VerificationStatus.EXPIRED, VerificationStatus.SUPERSEDED)
RESULT_STATUSES = tuple(VerificationStatus)
# Allowance for clocks that disagree a little.
DEFAULT_LEEWAY = 60
# Every JWS algorithm a registry key may sign with; each key verifies only under its own.
VERIFIED_ALGS = ED25519_ALGS | {jose.ES256}


@dataclass
class Result:
    valid: bool
    status: VerificationStatus
    claims: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    # With --checkpoint: whether the token is in the transparency log (LogResult as a dict).
    log: dict[str, Any] | None = None


@dataclass
class LogResult:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    leaf_index: int | None = None
    tree_size: int | None = None
    consistent_with: int | None = None


class KeySet:
    """Public keys by kid, parsed once (verifying many tokens should not re-parse the JWKS)."""

    def __init__(self, jwks: dict) -> None:
        self.keys: dict[str, jose.PublicKey] = {}
        for jwk in jwks.get("keys", []) if isinstance(jwks, dict) else []:
            kid = jwk.get("kid")
            if not kid or jwk.get("use", "sig") != "sig":
                continue
            try:
                self.keys[kid] = public_key_from_jwk(jwk)
            except (ValueError, KeyError):
                continue  # an unusable entry is skipped, not fatal for the others

    def get(self, kid: Any) -> jose.PublicKey | None:
        return self.keys.get(kid) if isinstance(kid, str) else None


def check_signature(header: dict, signing_input: bytes, signature: bytes, key: jose.PublicKey | None) -> list[str]:
    """Why this header and signature are not the key's (empty when they are): the algorithm
    first, so `none`, HS256 (a public key used as an HMAC secret) and an algorithm that is not
    the key's own are refused before any signature is computed."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in VERIFIED_ALGS:
        return [f"alg_not_allowed:{alg}"]
    if "crit" in header:
        return ["unsupported_crit"]
    if key is None:
        return ["unknown_kid"]
    if (alg in ED25519_ALGS) != (jose.alg_of(key) == jose.ISSUED_ALG):
        return [f"alg_not_allowed:{alg}"]
    if not jose.signature_valid(key, alg, signing_input, signature):
        return ["bad_signature"]
    return []


def _check_jws(token: str, keyset: KeySet, expected_typ: str, now: float, leeway: int) -> tuple[dict, list[str]]:
    """Signature, header and time checks shared by tokens and status lists."""
    try:
        header, claims, signing_input, signature = parse_compact(token)
    except MalformedJWS:
        return {}, ["malformed"]
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in VERIFIED_ALGS:
        return claims, [f"alg_not_allowed:{alg}"]
    if header.get("typ") != expected_typ:
        return claims, ["wrong_typ"]
    failures = check_signature(header, signing_input, signature, keyset.get(header.get("kid")))
    if failures:
        return claims, failures
    reasons = check_times(claims, now, leeway)
    return claims, reasons


def check_times(claims: dict, now: float, leeway: int) -> list[str]:
    """`exp` (required) and `nbf` against now, with the leeway."""
    reasons = []
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, int | float):
        reasons.append("missing_exp")
    elif now > exp + leeway:
        reasons.append("expired")
    if isinstance(nbf, int | float) and now + leeway < nbf:
        reasons.append("not_yet_valid")
    return reasons


def verify_status_list(
    status_list_jwt: str,
    keyset: KeySet,
    *,
    uri: str | None = None,
    now: float | None = None,
    leeway: int = DEFAULT_LEEWAY,
) -> tuple[bytes | None, list[str]]:
    """The decoded status bytes of a signed list, or None with the reasons it is unusable."""
    now = time.time() if now is None else now
    claims, reasons = _check_jws(status_list_jwt, keyset, STATUS_LIST_TYP, now, leeway)
    if reasons:
        return None, [f"status_list_{r}" for r in reasons]
    if uri is not None and claims.get("sub") != uri:
        return None, ["status_list_mismatch"]
    lst = claims.get("status_list", {})
    if not isinstance(lst, dict) or lst.get("bits") != statuslist.BITS or not isinstance(lst.get("lst"), str):
        return None, ["status_list_malformed"]
    try:
        return statuslist.decode_lst(lst["lst"]), []
    except Exception:
        return None, ["status_list_malformed"]


def verify(
    token: str,
    jwks: dict | KeySet,
    status_list_jwt: str | None = None,
    *,
    now: float | None = None,
    leeway: int = DEFAULT_LEEWAY,
    status_bytes: bytes | None = None,
    invalid_as: VerificationStatus = STATUS_NAMES[statuslist.INVALID],
) -> Result:
    """Verify a consent token. Give the status list as its signed JWT (checked here), or as
    already-verified bytes (`status_bytes`, for callers that verified the list once).
    `invalid_as` names the list's value 1 for this token, when the caller knows why (one of
    INVALID_AS)."""
    if invalid_as not in INVALID_AS:
        raise ValueError(f"invalid_as must be one of {INVALID_AS}, not {invalid_as!r}")
    keyset = jwks if isinstance(jwks, KeySet) else KeySet(jwks)
    now = time.time() if now is None else now
    claims, reasons = _check_jws(token, keyset, CONSENT_TYP, now, leeway)
    if reasons and reasons[0] not in {"expired", "not_yet_valid", "missing_exp"}:
        # Not signed by the registry as a consent token: nothing in it can be trusted.
        return Result(valid=False, status=VerificationStatus.INVALID, claims={}, reasons=reasons)
    list_status = status_from_list(claims, keyset, status_list_jwt, status_bytes, now, leeway, reasons, invalid_as)
    if not reasons:
        return Result(valid=True, status=VerificationStatus.VALID, claims=claims, reasons=[])
    if list_status in (*INVALID_AS, VerificationStatus.SUSPENDED):
        status = list_status
    elif "expired" in reasons:
        status = VerificationStatus.EXPIRED
    elif "not_yet_valid" in reasons:
        status = VerificationStatus.NOT_YET_VALID
    else:
        status = VerificationStatus.INVALID
    return Result(valid=False, status=status, claims=claims, reasons=reasons)


def status_from_list(
    claims: dict,
    keyset: KeySet,
    status_list_jwt: str | None,
    status_bytes: bytes | None,
    now: float,
    leeway: int,
    reasons: list[str],
    invalid_as: VerificationStatus,
) -> VerificationStatus | None:
    """The token's status name from its list slot; appends to `reasons` what is wrong."""
    status = claims.get("status")
    ref = status.get("status_list") if isinstance(status, dict) else None
    idx = ref.get("idx") if isinstance(ref, dict) else None
    uri = ref.get("uri") if isinstance(ref, dict) else None
    if not isinstance(idx, int) or not isinstance(uri, str):
        reasons.append("missing_status")
        return None
    if status_bytes is None:
        if status_list_jwt is None:
            reasons.append("status_not_checked")
            return None
        status_bytes, list_reasons = verify_status_list(status_list_jwt, keyset, uri=uri, now=now, leeway=leeway)
        if status_bytes is None:
            reasons.extend(list_reasons)
            return None
    try:
        code = statuslist.status_at(status_bytes, idx)
    except IndexError:
        reasons.append("status_index_out_of_range")
        return None
    name = invalid_as if code == statuslist.INVALID else STATUS_NAMES.get(code, VerificationStatus.INVALID)
    reason = name if name != VerificationStatus.INVALID else "status_invalid"
    if code != statuslist.VALID and reason not in reasons:  # `expired` may come from `exp` too
        reasons.append(reason)
    return name


def log_keys_from(text: str) -> list[note.Verifier]:
    """The log's keys from a verifier key, or from /.well-known/transparency-log.json."""
    text = text.strip()
    if text.startswith("{"):
        description = json.loads(text)
        vkeys = [description.get("verifier_key"), *description.get("previous_verifier_keys", [])]
        return [note.parse_vkey(v) for v in vkeys if isinstance(v, str)]
    return [note.parse_vkey(text)]


def _proof_fields(proof: dict) -> tuple[int, int, bytes, list[bytes]]:
    """(leaf index, tree size, leaf bytes, audit path) from the token endpoint's answer (or its
    `log` object) or /api/v1/log/proofs/inclusion's."""
    proof = proof.get("log") or proof
    hashes = proof.get("inclusion_proof", proof.get("hashes"))
    index, size, leaf = proof.get("leaf_index"), proof.get("tree_size"), proof.get("leaf")
    if (
        not isinstance(index, int)
        or not isinstance(size, int)
        or not isinstance(leaf, str)
        or not isinstance(hashes, list)
    ):
        raise ValueError(
            "the proof names no leaf_index, tree_size, leaf and inclusion proof (is the leaf still pending?)"
        )
    return index, size, base64.b64decode(leaf, validate=True), [base64.b64decode(h, validate=True) for h in hashes]


def verify_in_log(
    token: str,
    checkpoint: str,
    log_keys: list[note.Verifier],
    proof: dict,
    *,
    earlier_checkpoint: str | None = None,
    consistency: dict | None = None,
) -> LogResult:
    """Is this token's issue a leaf of the log under this checkpoint (and, given an earlier
    checkpoint and a consistency proof, does the checkpoint extend the earlier one)?"""
    origin = log_keys[0].name if log_keys else None
    try:
        head, _ = note.open_checkpoint(checkpoint, log_keys, origin=origin)
    except note.NoteError:
        return LogResult(ok=False, reasons=["log_checkpoint_not_signed_by_the_log"])
    index, size, leaf, path = _proof_fields(proof)
    result = LogResult(ok=True, leaf_index=index, tree_size=head.size)
    result.reasons.extend(transparency.leaf_problems(leaf, token))
    if size != head.size:
        result.reasons.append("log_proof_for_another_checkpoint")
    else:
        try:
            merkle.verify_inclusion(index, size, merkle.leaf_hash(leaf), path, head.root)
        except merkle.ProofError:
            result.reasons.append("log_not_included")
    if earlier_checkpoint is not None:
        result.reasons.extend(_consistency_problems(earlier_checkpoint, head, log_keys, origin, consistency or {}))
        result.consistent_with = (
            None if result.reasons else note.parse_checkpoint(note.parse(earlier_checkpoint).text).size
        )
    result.ok = not result.reasons
    return result


def _consistency_problems(
    earlier: str, head: note.Checkpoint, keys: list, origin: str | None, proof: dict
) -> list[str]:
    try:
        old, _ = note.open_checkpoint(earlier, keys, origin=origin)
    except note.NoteError:
        return ["log_earlier_checkpoint_not_signed_by_the_log"]
    hashes = proof.get("hashes")
    if proof.get("from") != old.size or proof.get("to") != head.size or not isinstance(hashes, list):
        return ["log_consistency_proof_for_other_sizes"]
    try:
        merkle.verify_consistency(old.size, head.size, old.root, head.root, [base64.b64decode(h) for h in hashes])
    except (merkle.ProofError, ValueError):
        return ["log_inconsistent"]
    return []


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.tokens.verifier", description=__doc__.split("\n")[0])
    parser.add_argument("token", help="the compact JWS, or @FILE to read it from a file")
    parser.add_argument("--jwks", required=True, help="the registry's /.well-known/jwks.json saved to a file")
    parser.add_argument("--status-list", help="the status list JWT saved from the token's status uri")
    parser.add_argument("--now", type=float, help="verify as of this UNIX time (default: now)")
    parser.add_argument("--leeway", type=int, default=DEFAULT_LEEWAY, help="clock skew allowance in seconds")
    parser.add_argument(
        "--checkpoint", help="a checkpoint of the transparency log (GET /log/checkpoint) saved to a file"
    )
    parser.add_argument("--log-key", help="the log's verifier key, or @FILE: /.well-known/transparency-log.json saved")
    parser.add_argument("--log-proof", help="the token endpoint's answer (or an inclusion proof) saved to a file")
    parser.add_argument("--earlier-checkpoint", help="an earlier checkpoint, to check --checkpoint extends it")
    parser.add_argument("--consistency-proof", help="GET /api/v1/log/proofs/consistency?from=…&to=… saved")
    args = parser.parse_args(argv)
    if args.checkpoint and not (args.log_key and args.log_proof):
        parser.error("--checkpoint needs --log-key and --log-proof")
    if args.earlier_checkpoint and not (args.checkpoint and args.consistency_proof):
        parser.error("--earlier-checkpoint needs --checkpoint and --consistency-proof")
    try:
        token = _read(args.token[1:]) if args.token.startswith("@") else args.token.strip()
        jwks = json.loads(_read(args.jwks))
        status_jwt = _read(args.status_list) if args.status_list else None
        result = verify(token, jwks, status_jwt, now=args.now, leeway=args.leeway)
        if args.checkpoint:
            log_key = _read(args.log_key[1:]) if args.log_key.startswith("@") else args.log_key
            logged = verify_in_log(
                token,
                _read_note(args.checkpoint),
                log_keys_from(log_key),
                json.loads(_read(args.log_proof)),
                earlier_checkpoint=_read_note(args.earlier_checkpoint) if args.earlier_checkpoint else None,
                consistency=json.loads(_read(args.consistency_proof)) if args.consistency_proof else None,
            )
            result.log = asdict(logged)
    except (OSError, ValueError) as exc:
        print(json.dumps({"error": f"cannot read input: {exc}"}), file=sys.stderr)
        return 2
    print(json.dumps(asdict(result), indent=2, sort_keys=True))
    return 0 if result.valid and (result.log is None or result.log["ok"]) else 1


def _read_note(path: str) -> str:
    # A note ends with a newline, which _read strips.
    return _read(path) + "\n"


if __name__ == "__main__":
    sys.exit(main())
