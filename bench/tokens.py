"""bench/tokens: consent-token and SD-JWT issue and offline-verify throughput against raw Ed25519.

    .venv/bin/python -m bench.tokens [--seconds 3]

Baselines measured in the same run, on the same message sizes:
- issue  = building the JWS (JSON, base64url, signing input) and signing  vs  raw `private_key.sign`
- verify = the offline verifier (parse, header checks, key lookup, signature, time claims,
           status slot)  vs  raw `public_key.verify`
- SD-JWT issue = the same consent as an SD-JWT VC: 15 disclosures (a fresh 128-bit salt, JSON,
           base64url and SHA-256 each) and the issuer's signature  vs  raw `private_key.sign`
- SD-JWT verify = a presentation disclosing use and project with a KB-JWT: both signatures
           (issuer's and holder's), the digests, sd_hash, time claims and status slot  vs  raw
           `public_key.verify` (one signature: the presentation needs two, so 0.5 is the ceiling)
Targets: verify >= 0.75 of raw verify, issue >= 0.5 of raw sign, SD-JWT issue >= 0.2 of raw
sign, SD-JWT verify >= 0.3 of raw verify. Pure CPU; no database.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench import report
from registry.tokens import jose, sdjwt, statuslist
from registry.tokens.verifier import KeySet, verify

TARGET_ISSUE = 0.5
TARGET_VERIFY = 0.75
# An SD-JWT costs a salt, a JSON encoding, two base64url encodings and a SHA-256 for each of its
# 15 disclosable claims before its one signature (0.25 of raw sign measured on the 2-core CI
# machine; the floor leaves room for that machine's noise and catches a walk gone quadratic). It is
# signed once per holder request, never per consent check. A presentation costs two signature
# checks (issuer and holder) and a hash per disclosure, so 0.5 of raw verify is its ceiling.
TARGET_SD_ISSUE = 0.2
TARGET_SD_VERIFY = 0.3


def sample_claims(i: int) -> dict:
    """A token shaped like the registry's (same claim set and sizes)."""
    now = int(time.time())
    return {
        "iss": "https://registry.example.org",
        "sub": "prf_3uljzss5ba7xvsxfs54b2ont74",
        "aud": "std_2mqx2cybo7pbnvubmb6s7ie6ii",
        "jti": f"cgr_tfp2aeozqluh2umeqhcae{i:06d}",
        "iat": now,
        "nbf": now - 60,
        "exp": now + 86400 * 365,
        "consent": {
            "use": "replica_use",
            "project": {
                "kind": "picture",
                "title": "The Long Night",
                "production_number": "NLP-2027-004",
                "advertiser": "",
                "product_line": "",
            },
            "agreement": "tvth-2026",
            "media": ["streaming", "theatrical"],
            "territory": ["CA", "US"],
            "term": {"start": "2026-12-27", "end": "2028-12-26"},
            "future_spots": False,
            "description_sha256": "36d4a8ef25971cc0a8b6dbbc4f463526513a494180f0d275ad143cbc13bb9e67",
            "signer_role": "performer",
            "lineage": "cgl_2cqekqr2wpafublgyk2mpcdu3i",
            "version": 1,
            "replica_origin": "employment_based",
            "compensation": {"amount": "3738.00", "currency": "USD", "unit": "flat", "negotiated_per_use": None},
        },
        "status": {"status_list": {"idx": 4242, "uri": "https://registry.example.org/statuslists/sl_abc"}},
    }


def sd_claims(claims: dict, holder_jwk: dict) -> dict:
    """The same consent in the SD-JWT VC shape the registry issues (tokens.services.sd_jwt_claims)."""
    return {
        **{k: claims[k] for k in ("iss", "iat", "nbf", "exp", "jti", "status")},
        "vct": sdjwt.VCT,
        "cnf": {"jwk": holder_jwk},
        "consent": {
            **claims["consent"],
            "performer": claims["sub"],
            "studio": claims["aud"],
        },
    }


def rate(fn, seconds: float) -> float:
    """Operations per second of `fn` over about `seconds`."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(100):
            fn()
        count += 100
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def paired_rates(fn, baseline, seconds: float, rounds: int = 6) -> tuple[float, float]:
    """Best rate of each over alternating short rounds: the machine is shared and noisy, and
    alternating exposes both to the same noise; the best round is the least disturbed one."""
    for _ in range(300):
        fn()
        baseline()
    ours, base = [], []
    for _ in range(rounds):
        ours.append(rate(fn, seconds / rounds))
        base.append(rate(baseline, seconds / rounds))
    return max(ours), max(base)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="measuring time per figure")
    args = parser.parse_args(argv)

    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    jwk = jose.public_jwk(public)
    kid = jose.thumbprint(jwk)
    keyset = KeySet({"keys": [{**jwk, "kid": kid, "alg": "EdDSA", "use": "sig"}]})
    header = {"alg": "EdDSA", "kid": kid, "typ": "consent+jwt"}
    claims = sample_claims(1)
    token = jose.sign_compact(header, claims, key)
    message = token.rsplit(".", 1)[0].encode("ascii")
    signature = key.sign(message)
    status_bytes = statuslist.pack(131072, [(7, 1)])

    issue, raw_sign = paired_rates(
        lambda: jose.sign_compact(header, claims, key), lambda: key.sign(message), args.seconds
    )
    offline, raw_verify = paired_rates(
        lambda: verify(token, keyset, status_bytes=status_bytes),
        lambda: public.verify(signature, message),
        args.seconds,
    )
    assert verify(token, keyset, status_bytes=status_bytes).valid  # the measured path is the valid one

    holder = Ed25519PrivateKey.generate()
    credential = sd_claims(claims, jose.public_jwk(holder.public_key()))
    sd_jwt = sdjwt.issue(credential, sdjwt.DISCLOSABLE, key, kid=kid)
    presentation = sdjwt.present(
        sd_jwt, ["consent.use", "consent.project"], holder_key=holder, audience="https://verifier.example", nonce="n"
    )

    def sd_verify():
        return sdjwt.verify_presentation(
            presentation, keyset, audience="https://verifier.example", nonce="n", status_bytes=status_bytes
        )

    sd_issue, raw_sign_2 = paired_rates(
        lambda: sdjwt.issue(credential, sdjwt.DISCLOSABLE, key, kid=kid), lambda: key.sign(message), args.seconds
    )
    sd_offline, raw_verify_2 = paired_rates(sd_verify, lambda: public.verify(signature, message), args.seconds)
    assert sd_verify().valid, sd_verify().reasons  # the measured path is the valid one

    rows = [
        ("issue (sign + serialise)", issue, raw_sign, TARGET_ISSUE),
        ("offline verify", offline, raw_verify, TARGET_VERIFY),
        ("SD-JWT issue", sd_issue, raw_sign_2, TARGET_SD_ISSUE),
        ("SD-JWT verify (with KB)", sd_offline, raw_verify_2, TARGET_SD_VERIFY),
    ]
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} cores={os.cpu_count()} "
        f"python={platform.python_version()}  token={len(token)} bytes  SD-JWT={len(sd_jwt)} bytes  "
        f"presentation={len(presentation)} bytes"
    )
    print(f"{'figure':<28}{'ops/s':>12}{'baseline ops/s':>16}{'ratio':>8}{'target':>8}  result")
    for name, value, base, target in rows:
        ratio = value / base
        verdict = "PASS" if ratio >= target else "FAIL"
        print(f"{name:<28}{value:>12,.0f}{base:>16,.0f}{ratio:>8.2f}{target:>8.2f}  {verdict}")
        raw = "raw Ed25519 sign" if "issue" in name else "raw Ed25519 verify"
        report.result(
            bench="tokens",
            figure=name if name.startswith("SD-JWT") else f"token {name}",
            value=value,
            unit="presentations/s" if "SD-JWT verify" in name else "tokens/s",
            baseline=base,
            baseline_label=raw,
            ratio=ratio,
            target=f"ratio >= {target}",
            passed=ratio >= target,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
