"""Selective disclosure of consent: SD-JWT (RFC 9901) in the SD-JWT VC shape (`typ: dc+sd-jwt`),
with key binding. Standard library + cryptography only, like the offline verifier: the registry
issues with it, holders present with it, and anyone verifies with it, without Django.

    python -m registry.tokens.sdjwt verify PRESENTATION --jwks jwks.json --status-list list.jwt \\
        --aud https://verifier.example --nonce n-0S6_WzA2Mj
    python -m registry.tokens.sdjwt present SD_JWT --key holder.pem --aud … --nonce … \\
        --disclose consent.use,consent.project

An SD-JWT is `<issuer-signed JWT>~<disclosure>~…~`; a presentation keeps the disclosures the
holder chose and ends with a KB-JWT, signed by the key in `cnf`, over the verifier's `aud` and
`nonce` and the SHA-256 (`sd_hash`) of everything before it. Verification ends in a JSON
result; the command exits 0 when the presentation is valid, 1 when it is not, 2 on unusable
input files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from registry.tokens import jose, statuslist
from registry.tokens.jose import MalformedJWS, b64url_decode, b64url_encode, parse_compact
from registry.tokens.verifier import (
    DEFAULT_LEEWAY,
    INVALID_AS,
    STATUS_NAMES,
    KeySet,
    VerificationStatus,
    check_signature,
    check_times,
    status_from_list,
)

SD_JWT_TYP = "dc+sd-jwt"
KB_JWT_TYP = "kb+jwt"
SD_ALG = "sha-256"
# The credential type (SD-JWT VC `vct`): a name, not an address; nothing needs to fetch it.
VCT = "urn:performer-consent-registry:likeness-consent:1"
# A KB-JWT older than this is refused unless the verifier says otherwise (`max_kb_age`): key
# binding proves a fresh answer to the verifier's nonce, not a reusable credential.
DEFAULT_MAX_KB_AGE = 300
# Each salt carries 128 bits, as RFC 9901 section 9.3 recommends.
SALT_BYTES = 16
_RESERVED_NAMES = frozenset({"_sd", "...", "_sd_alg"})

# What a holder may disclose claim by claim; everything else (iss, iat, nbf, exp, vct, cnf and the
# status slot) stays visible, so any verifier can check validity and status without learning more.
DISCLOSABLE_CONSENT_CLAIMS = (
    "use",
    "project",
    "agreement",
    "media",
    "territory",
    "term",
    "future_spots",
    "description_sha256",
    "signer_role",
    "lineage",
    "version",
    "compensation",
    "replica_origin",
    "performer",
    "studio",
)
DISCLOSABLE = ("jti", *(f"consent.{name}" for name in DISCLOSABLE_CONSENT_CLAIMS))


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def digest(text: str) -> str:
    """The base64url SHA-256 of an ASCII string (a disclosure, or a presentation for sd_hash)."""
    return b64url_encode(hashlib.sha256(text.encode("ascii")).digest())


def make_disclosure(name: str | None, value: Any, salt: str | None = None) -> str:
    """A disclosure: `[salt, name, value]` for an object property, `[salt, value]` for an array
    element (name None)."""
    salt = salt or secrets.token_urlsafe(SALT_BYTES)  # base64url without padding
    content = [salt, value] if name is None else [salt, name, value]
    return b64url_encode(_ENCODER.encode(content).encode("utf-8"))


# --- Issuing ----------------------------------------------------------------------------------
def conceal(claims: dict, disclosable: Iterable[str]) -> tuple[dict, list[str]]:
    """The payload with each claim named in `disclosable` (a dotted path: `jti`,
    `consent.use`) replaced by its digest in the `_sd` of the object that held it, and the
    disclosures. Nested paths are concealed first, so a disclosable object may hold disclosable
    claims of its own (RFC 9901 section 4.2.6)."""
    paths = {tuple(p.split(".")) for p in disclosable}
    disclosures: list[str] = []
    concealed_paths: set[tuple[str, ...]] = set()

    def walk(obj: dict, prefix: tuple[str, ...]) -> dict:
        out: dict = {}
        digests: list[str] = []
        for name, value in obj.items():
            if name in _RESERVED_NAMES:
                raise ValueError(f"{name!r} is reserved by SD-JWT")
            here = (*prefix, name)
            if isinstance(value, dict):
                value = walk(value, here)
            if here in paths:
                concealed_paths.add(here)
                disclosure = make_disclosure(name, value)
                disclosures.append(disclosure)
                digests.append(digest(disclosure))
            else:
                out[name] = value
        if digests:
            # Sorted, so a digest's place tells nothing about which claim it stands for.
            out["_sd"] = sorted(digests)
        return out

    concealed = walk(claims, ())
    missing = paths - concealed_paths
    if missing:
        raise ValueError(f"no such claims to conceal: {sorted('.'.join(p) for p in missing)}")
    concealed["_sd_alg"] = SD_ALG
    return concealed, disclosures


def issue(
    claims: dict,
    disclosable: Iterable[str],
    private_key: jose.PrivateKey,
    *,
    kid: str,
    typ: str = SD_JWT_TYP,
) -> str:
    """An SD-JWT with every disclosure, as issued to its holder (ends with `~`)."""
    payload, disclosures = conceal(claims, disclosable)
    header = {"alg": jose.alg_of(private_key), "kid": kid, "typ": typ}
    jwt = jose.sign_compact(header, payload, private_key)
    return "~".join([jwt, *disclosures]) + "~"


# --- Presenting -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Parsed:
    jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None

    @property
    def without_kb(self) -> str:
        """What `sd_hash` covers: the issuer-signed JWT and the disclosures, each followed by `~`."""
        return "".join(f"{part}~" for part in (self.jwt, *self.disclosures))


def split(sd_jwt: str) -> Parsed:
    """An SD-JWT or a presentation in its parts; MalformedJWS when it is neither."""
    if not isinstance(sd_jwt, str) or "~" not in sd_jwt:
        raise MalformedJWS("an SD-JWT is an issuer-signed JWT followed by `~`")
    parts = sd_jwt.strip().split("~")
    jwt, disclosures, last = parts[0], parts[1:-1], parts[-1]
    if not jwt or any(not d for d in disclosures):
        raise MalformedJWS("an empty part between `~` separators")
    return Parsed(jwt=jwt, disclosures=tuple(disclosures), kb_jwt=last or None)


def disclosure_paths(sd_jwt: str) -> dict[str, str]:
    """Each disclosure of an SD-JWT by the dotted path of the claim it discloses."""
    parsed = split(sd_jwt)
    _, payload, _, _ = parse_compact(parsed.jwt)
    by_digest = {digest(d): d for d in parsed.disclosures}
    found: dict[str, str] = {}

    def walk(obj: Any, prefix: tuple[str, ...]) -> None:
        if isinstance(obj, dict):
            for d in obj.get("_sd", []) if isinstance(obj.get("_sd"), list) else []:
                disclosure = by_digest.get(d)
                if disclosure is None:
                    continue
                content = json.loads(b64url_decode(disclosure))
                if isinstance(content, list) and len(content) == 3:
                    found[".".join((*prefix, content[1]))] = disclosure
                    walk(content[2], (*prefix, content[1]))
            for name, value in obj.items():
                if name not in _RESERVED_NAMES:
                    walk(value, (*prefix, name))

    walk(payload, ())
    return found


def present(
    sd_jwt: str,
    disclose: Iterable[str],
    *,
    holder_key: jose.PrivateKey,
    audience: str,
    nonce: str,
    issued_at: int | None = None,
) -> str:
    """A presentation of the claims named in `disclose` (dotted paths; a nested claim brings the
    disclosure of each object around it), bound to this verifier's `aud` and `nonce` by a KB-JWT
    signed with the holder's key."""
    by_path = disclosure_paths(sd_jwt)
    wanted = set(disclose)
    unknown = wanted - set(by_path)
    if unknown:
        raise ValueError(f"no disclosure for {sorted(unknown)}; these are disclosable: {sorted(by_path)}")
    chosen = {path for path in by_path if any(w == path or w.startswith(path + ".") for w in wanted)}
    parsed = split(sd_jwt)
    kept = tuple(d for path, d in by_path.items() if path in chosen)
    # Keep the issued order, which the holder received; it carries no meaning.
    kept = tuple(d for d in parsed.disclosures if d in kept)
    unbound = Parsed(jwt=parsed.jwt, disclosures=kept, kb_jwt=None).without_kb
    kb_payload = {
        "iat": int(time.time()) if issued_at is None else issued_at,
        "aud": audience,
        "nonce": nonce,
        "sd_hash": digest(unbound),
    }
    kb = jose.sign_compact({"alg": jose.alg_of(holder_key), "typ": KB_JWT_TYP}, kb_payload, holder_key)
    return unbound + kb


# --- Verifying --------------------------------------------------------------------------------
@dataclass
class Result:
    valid: bool
    # valid, revoked, expired, superseded, suspended, not_yet_valid, invalid
    status: str
    claims: dict[str, Any] = field(default_factory=dict)
    disclosed: list[str] = field(default_factory=list)
    holder: str | None = None  # the RFC 7638 thumbprint of the key in `cnf`
    key_binding: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


class _Undisclosable(ValueError):
    pass


def _disclose(payload: dict, disclosures: tuple[str, ...]) -> tuple[dict, list[str]]:
    """RFC 9901 section 7.1, steps 3-5: the payload with each disclosed claim in place of its
    digest and every undisclosed one left out, and the dotted paths disclosed. Refuses a
    disclosure that is malformed, repeated, names a reserved or existing claim, or whose digest
    appears nowhere (or twice)."""
    by_digest: dict[str, list] = {}
    for d in disclosures:
        try:
            content = json.loads(b64url_decode(d))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise _Undisclosable("disclosure_malformed") from exc
        if not isinstance(content, list) or len(content) not in (2, 3) or not isinstance(content[0], str):
            raise _Undisclosable("disclosure_malformed")
        if len(content) == 3 and (not isinstance(content[1], str) or content[1] in _RESERVED_NAMES):
            raise _Undisclosable("disclosure_malformed")
        key = digest(d)
        if key in by_digest:
            raise _Undisclosable("disclosure_repeated")
        by_digest[key] = content
    used: set[str] = set()
    disclosed: list[str] = []

    def claim(key: str) -> list:
        if key in used:
            raise _Undisclosable("digest_repeated")
        used.add(key)
        return by_digest[key]

    def walk(value: Any, prefix: tuple[str, ...]) -> Any:
        if isinstance(value, dict):
            out: dict = {}
            sd = value.get("_sd", [])
            if not isinstance(sd, list) or not all(isinstance(x, str) for x in sd):
                raise _Undisclosable("sd_malformed")
            for name, item in value.items():
                if name in ("_sd", "_sd_alg"):
                    continue
                out[name] = walk(item, (*prefix, name))
            for key in sd:
                if key not in by_digest:
                    continue  # undisclosed, or a decoy
                content = claim(key)
                if len(content) != 3:
                    raise _Undisclosable("disclosure_malformed")
                _, name, item = content
                if name in out:
                    raise _Undisclosable("disclosure_overwrites_claim")
                out[name] = walk(item, (*prefix, name))
                disclosed.append(".".join((*prefix, name)))
            return out
        if isinstance(value, list):
            out_list = []
            for index, item in enumerate(value):
                if isinstance(item, dict) and set(item) == {"..."}:
                    key = item["..."]
                    if not isinstance(key, str):
                        raise _Undisclosable("sd_malformed")
                    if key not in by_digest:
                        continue
                    content = claim(key)
                    if len(content) != 2:
                        raise _Undisclosable("disclosure_malformed")
                    out_list.append(walk(content[1], (*prefix, str(index))))
                    disclosed.append(".".join((*prefix, str(index))))
                else:
                    out_list.append(walk(item, (*prefix, str(index))))
            return out_list
        return value

    processed = walk(payload, ())
    if used != set(by_digest):
        raise _Undisclosable("disclosure_not_referenced")
    return processed, disclosed


def verify_presentation(
    presentation: str,
    jwks: dict | KeySet,
    status_list_jwt: str | None = None,
    *,
    audience: str | None,
    nonce: str | None,
    now: float | None = None,
    leeway: int = DEFAULT_LEEWAY,
    max_kb_age: int = DEFAULT_MAX_KB_AGE,
    status_bytes: bytes | None = None,
    invalid_as: str = STATUS_NAMES[statuslist.INVALID],
    require_key_binding: bool = True,
    expected_typ: str = SD_JWT_TYP,
) -> Result:
    """Verify an SD-JWT presentation (RFC 9901 section 7): the issuer's signature against the
    published keys, every disclosure against a digest in the signed payload, the validity
    claims, the key binding (KB-JWT signed by the key in `cnf`, for this `aud` and `nonce`,
    issued within `max_kb_age` seconds, over this very presentation) and the status slot.

    The status comes as the signed list (checked here) or as already-verified bytes, as for a
    consent token (`registry.tokens.verifier.verify`)."""
    if invalid_as not in INVALID_AS:
        raise ValueError(f"invalid_as must be one of {INVALID_AS}, not {invalid_as!r}")
    # A JWKS as published, or anything that finds a public key by kid (a KeySet).
    keyset = KeySet(jwks) if isinstance(jwks, dict) else jwks
    now = time.time() if now is None else now

    def refused(*reasons: str) -> Result:
        return Result(valid=False, status=VerificationStatus.INVALID, reasons=list(reasons))

    try:
        parsed = split(presentation)
        header, payload, signing_input, signature = parse_compact(parsed.jwt)
    except (MalformedJWS, RecursionError):  # RecursionError: JSON nested past the parser's stack
        return refused("malformed")
    if header.get("typ") != expected_typ:
        return refused("wrong_typ")
    failures = check_signature(header, signing_input, signature, keyset.get(header.get("kid")))
    if failures:
        return refused(*failures)
    if payload.get("_sd_alg", SD_ALG) != SD_ALG:
        return refused("unsupported_sd_alg")
    try:
        claims, disclosed = _disclose(payload, parsed.disclosures)
    except _Undisclosable as exc:
        return refused(str(exc))
    except RecursionError:
        return refused("disclosure_malformed")

    reasons = check_times(claims, now, leeway)
    holder, key_binding = _check_key_binding(
        parsed, claims, reasons, audience, nonce, now, leeway, max_kb_age, require_key_binding
    )
    list_status = status_from_list(claims, keyset, status_list_jwt, status_bytes, now, leeway, reasons, invalid_as)
    result = Result(
        valid=not reasons,
        status=VerificationStatus.VALID,
        claims=claims,
        disclosed=disclosed,
        holder=holder,
        key_binding=key_binding,
        reasons=reasons,
    )
    if reasons:
        if list_status in (*INVALID_AS, VerificationStatus.SUSPENDED):
            result.status = list_status
        elif VerificationStatus.EXPIRED in reasons:
            result.status = VerificationStatus.EXPIRED
        elif VerificationStatus.NOT_YET_VALID in reasons:
            result.status = VerificationStatus.NOT_YET_VALID
        else:
            result.status = VerificationStatus.INVALID
    return result


def _check_key_binding(
    parsed: Parsed,
    claims: dict,
    reasons: list[str],
    audience: str | None,
    nonce: str | None,
    now: float,
    leeway: int,
    max_kb_age: int,
    required: bool,
) -> tuple[str | None, dict]:
    """RFC 9901 section 7.3: the holder's thumbprint and the KB-JWT's claims; appends to
    `reasons` what is wrong."""
    cnf = claims.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    try:
        holder_key = jose.public_key_from_jwk(jwk)
        holder = jose.thumbprint(jwk)
    except (ValueError, KeyError, TypeError):
        holder_key, holder = None, None
    if parsed.kb_jwt is None:
        if required:
            reasons.append("key_binding_missing")
        return holder, {}
    if holder_key is None:
        reasons.append("holder_key_missing")
        return None, {}
    try:
        header, kb, signing_input, signature = parse_compact(parsed.kb_jwt)
    except (MalformedJWS, RecursionError):
        reasons.append("key_binding_malformed")
        return holder, {}
    if header.get("typ") != KB_JWT_TYP:
        reasons.append("key_binding_wrong_typ")
        return holder, {}
    failures = check_signature(header, signing_input, signature, holder_key)
    if failures:
        reasons.extend(f"key_binding_{f}" for f in failures)
        return holder, {}
    shown = {k: kb.get(k) for k in ("aud", "nonce", "iat")}
    if audience is not None and kb.get("aud") != audience:
        reasons.append("key_binding_wrong_audience")
    if nonce is not None and kb.get("nonce") != nonce:
        reasons.append("key_binding_wrong_nonce")
    iat = kb.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        reasons.append("key_binding_missing_iat")
    elif iat > now + leeway:
        reasons.append("key_binding_issued_in_future")
    elif iat < now - max_kb_age - leeway:
        reasons.append("key_binding_too_old")
    if kb.get("sd_hash") != digest(parsed.without_kb):
        reasons.append("key_binding_sd_hash_mismatch")
    return holder, shown


# --- Command line -----------------------------------------------------------------------------
def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def _arg_text(value: str) -> str:
    return _read(value[1:]) if value.startswith("@") else value.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.tokens.sdjwt", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="verify a presentation")
    check.add_argument("presentation", help="the presentation, or @FILE to read it from a file")
    check.add_argument("--jwks", required=True, help="the registry's /.well-known/jwks.json saved to a file")
    check.add_argument("--status-list", help="the status list JWT saved from the credential's status uri")
    check.add_argument("--aud", required=True, help="the audience the KB-JWT must name (you, the verifier)")
    check.add_argument("--nonce", required=True, help="the nonce you gave the holder")
    check.add_argument("--now", type=float, help="verify as of this UNIX time (default: now)")
    check.add_argument("--max-kb-age", type=int, default=DEFAULT_MAX_KB_AGE, help="oldest KB-JWT accepted, seconds")
    show = commands.add_parser("present", help="present chosen claims of an SD-JWT with a KB-JWT")
    show.add_argument("sd_jwt", help="the SD-JWT the registry issued to you, or @FILE")
    show.add_argument("--key", required=True, help="your holder private key (PEM, PKCS #8)")
    show.add_argument("--aud", required=True, help="the verifier's audience")
    show.add_argument("--nonce", required=True, help="the verifier's nonce")
    show.add_argument("--disclose", default="", help="comma-separated claims, e.g. consent.use,consent.project")
    args = parser.parse_args(argv)
    try:
        if args.command == "present":
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            with open(args.key, "rb") as handle:
                key = load_pem_private_key(handle.read(), password=None)
            claims = [c.strip() for c in args.disclose.split(",") if c.strip()]
            print(present(_arg_text(args.sd_jwt), claims, holder_key=key, audience=args.aud, nonce=args.nonce))
            return 0
        presentation = _arg_text(args.presentation)
        jwks = json.loads(_read(args.jwks))
        status_jwt = _read(args.status_list) if args.status_list else None
    except (OSError, ValueError, TypeError) as exc:
        print(json.dumps({"error": f"cannot read input: {exc}"}), file=sys.stderr)
        return 2
    result = verify_presentation(
        presentation,
        jwks,
        status_jwt,
        audience=args.aud,
        nonce=args.nonce,
        now=args.now,
        max_kb_age=args.max_kb_age,
    )
    print(json.dumps(asdict(result), indent=2, sort_keys=True))
    return 0 if result.valid else 1


if __name__ == "__main__":
    sys.exit(main())
