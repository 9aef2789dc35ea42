"""Offline verification of consent tokens, for studios and anyone else: no Django, only files.

    python -m registry.tokens.verifier TOKEN --jwks jwks.json --status-list list.jwt [--now UNIX]

Checks the signature against the published keys, `typ`, `alg`, `kid`, the time claims, and the
token's slot in the status list (itself a signed JWT, checked the same way). Prints a JSON
result; exits 0 when the token is valid, 1 when it is not, 2 on unusable input files.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from registry.tokens import jose, statuslist
from registry.tokens.jose import ED25519_ALGS, MalformedJWS, parse_compact, public_key_from_jwk

CONSENT_TYP = "consent+jwt"
STATUS_LIST_TYP = "statuslist+jwt"
# What a slot's value is reported as. Offline, the list's value 1 (the IETF draft's INVALID)
# does not say why a token stopped holding: it is reported as `revoked`. The registry's online
# check knows the grant's history and names it (`invalid_as`): revoked, expired or superseded.
STATUS_NAMES = {statuslist.VALID: "valid", statuslist.INVALID: "revoked", statuslist.SUSPENDED: "suspended"}
INVALID_AS = ("revoked", "expired", "superseded")
# Every status a verification ends in (the API's schema and the verification page use this).
RESULT_STATUSES = ("valid", *INVALID_AS, "suspended", "not_yet_valid", "invalid")
# Allowance for clocks that disagree a little.
DEFAULT_LEEWAY = 60
# Every JWS algorithm a registry key may sign with; each key verifies only under its own.
VERIFIED_ALGS = ED25519_ALGS | {jose.ES256}


@dataclass
class Result:
    valid: bool
    status: str  # valid, revoked, suspended, invalid, unknown
    claims: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


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
    invalid_as: str = STATUS_NAMES[statuslist.INVALID],
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
        return Result(valid=False, status="invalid", claims={}, reasons=reasons)
    list_status = status_from_list(claims, keyset, status_list_jwt, status_bytes, now, leeway, reasons, invalid_as)
    if not reasons:
        return Result(valid=True, status="valid", claims=claims, reasons=[])
    if list_status in (*INVALID_AS, "suspended"):
        status = list_status
    elif "expired" in reasons:
        status = "expired"
    elif "not_yet_valid" in reasons:
        status = "not_yet_valid"
    else:
        status = "invalid"
    return Result(valid=False, status=status, claims=claims, reasons=reasons)


def status_from_list(
    claims: dict,
    keyset: KeySet,
    status_list_jwt: str | None,
    status_bytes: bytes | None,
    now: float,
    leeway: int,
    reasons: list[str],
    invalid_as: str,
) -> str | None:
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
    name = invalid_as if code == statuslist.INVALID else STATUS_NAMES.get(code, "invalid")
    reason = name if name != "invalid" else "status_invalid"
    if code != statuslist.VALID and reason not in reasons:  # `expired` may come from `exp` too
        reasons.append(reason)
    return name


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
    args = parser.parse_args(argv)
    try:
        token = _read(args.token[1:]) if args.token.startswith("@") else args.token.strip()
        jwks = json.loads(_read(args.jwks))
        status_jwt = _read(args.status_list) if args.status_list else None
    except (OSError, ValueError) as exc:
        print(json.dumps({"error": f"cannot read input: {exc}"}), file=sys.stderr)
        return 2
    result = verify(token, jwks, status_jwt, now=args.now, leeway=args.leeway)
    print(json.dumps(asdict(result), indent=2, sort_keys=True))
    return 0 if result.valid else 1


if __name__ == "__main__":
    sys.exit(main())
