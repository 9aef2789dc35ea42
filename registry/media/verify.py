"""Offline verification of a media file's content credentials, for anyone: no Django, only files.

    python -m registry.media.verify FILE --trust-anchors anchors.pem \\
        [--jwks jwks.json --status-list list.jwt] [--token consent.jwt]

Reads the file's C2PA manifest and checks its signature, its binding to the file and its chain up
to one of the trust anchors (the registry publishes its root; add a studio's if you trust it). For
the consent the manifest names, the status list (with the JWKS that signs it) says whether it
holds now; with the consent token itself, its SHA-256 must be the manifest's and the file's use
and media must be inside the token's scope. How the consent stood when the file was signed needs
the consent's history: ask the registry (`POST /api/v1/media/verify`).

Prints a JSON result; exits 0 when the credentials are believed, the consent holds now and (given
the token) covers the file, 1 when not, 2 on unusable input files.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from registry.media import credentials
from registry.tokens import statuslist
from registry.tokens.verifier import STATUS_NAMES, KeySet, VerificationStatus, verify, verify_status_list


def verify_file(
    data: bytes,
    *,
    trust_anchors_pem: str,
    jwks: dict | None = None,
    status_list_jwt: str | None = None,
    token: str | None = None,
    now: float | None = None,
) -> dict:
    """The result `main` prints; raises nothing for a bad file (its fault is the result)."""
    now = time.time() if now is None else now
    try:
        reading = credentials.read(data, trust_anchors_pem=trust_anchors_pem)
        consent = credentials.believe(reading)
    except credentials.MediaFault as fault:
        return {"valid": False, "code": fault.code, "detail": fault.message, "reasons": fault.reasons}
    result: dict = {
        "valid": True,
        "code": "believed",
        "manifest": {"label": reading.label, "issuer": reading.issuer, "common_name": reading.common_name},
        "consent": consent,
        "training": reading.training,
        "status": "not_checked",
        "reasons": [],
    }
    ref = consent.get("status", {}).get("status_list", {}) if isinstance(consent.get("status"), dict) else {}
    if jwks is not None and status_list_jwt is not None and isinstance(ref.get("idx"), int):
        data_bytes, list_reasons = verify_status_list(status_list_jwt, KeySet(jwks), uri=ref.get("uri"), now=now)
        if data_bytes is None:
            result["reasons"].extend(list_reasons)
        else:
            try:
                result["status"] = STATUS_NAMES.get(
                    statuslist.status_at(data_bytes, ref["idx"]), VerificationStatus.INVALID
                )
            except IndexError:
                result["reasons"].append("status_index_out_of_range")
        if result["status"] != VerificationStatus.VALID:
            result["reasons"].append(f"status_{result['status']}")
    if token is not None:
        if credentials.token_sha256(token) != consent.get("token_sha256"):
            result["reasons"].append("token_mismatch")
        elif jwks is not None:
            checked = verify(token, jwks, status_list_jwt, now=now)
            scope = checked.claims.get("consent", {})
            if consent.get("use") != scope.get("use"):
                result["reasons"].append("outside_scope:use")
            if set(consent.get("media") or []) - set(scope.get("media") or []):
                result["reasons"].append("outside_scope:media")
    result["valid"] = not result["reasons"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.media.verify", description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path, help="the PNG, JPEG, WAV or MP4 file")
    parser.add_argument("--trust-anchors", required=True, type=Path, help="PEM certificates to trust")
    parser.add_argument("--jwks", type=Path, help="the registry's /.well-known/jwks.json saved to a file")
    parser.add_argument("--status-list", type=Path, help="the status list JWT the manifest's slot names")
    parser.add_argument("--token", type=Path, help="the consent token the manifest names (its compact JWS)")
    args = parser.parse_args(argv)
    try:
        data = args.file.read_bytes()
        anchors = args.trust_anchors.read_text()
        jwks = json.loads(args.jwks.read_text()) if args.jwks else None
        status_jwt = args.status_list.read_text().strip() if args.status_list else None
        token = args.token.read_text().strip() if args.token else None
    except (OSError, ValueError) as exc:
        print(json.dumps({"error": f"cannot read input: {exc}"}), file=sys.stderr)
        return 2
    result = verify_file(data, trust_anchors_pem=anchors, jwks=jwks, status_list_jwt=status_jwt, token=token)
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
