#!/usr/bin/env python3
"""A studio's integration with the Performer Consent Registry, end to end.

Standard library plus `cryptography` (for Ed25519), nothing else:

    STUDIO_API_KEY=crk_... python docs/examples/studio_client.py \\
        --base-url http://127.0.0.1:8000 --performer SAG-100001 --agreement tvth-2026

1. who am I (the API key), 2. register a webhook endpoint served by this script,
3. request consent, 4. wait for the answer (webhook, or polling as a fallback),
5. fetch the consent token and verify it offline (JWKS + status list),
6. check a use before rendering it, 7. report the usage, 8. read the invoice.

Every step prints one line; the script exits 0 when the whole flow succeeded.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


# --- HTTP -----------------------------------------------------------------------------------------
class ApiError(Exception):
    def __init__(self, status: int, problem: dict) -> None:
        super().__init__(f"{status} {problem.get('title')}: {problem.get('detail')}")
        self.status, self.problem = status, problem


class Registry:
    def __init__(self, base_url: str, api_key: str) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("the base URL must be http(s)")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def call(self, method: str, path: str, body: dict | None = None, *, idempotency_key: str | None = None):
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            # Retrying a create with the same key never creates it twice.
            headers["Idempotency-Key"] = idempotency_key
        for attempt in range(5):
            request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - http(s) base URL
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    raw = response.read()
                    kind = response.headers.get("Content-Type", "")
                    return json.loads(raw) if "json" in kind else raw.decode()
            except urllib.error.HTTPError as exc:
                problem = json.loads(exc.read() or b"{}")  # RFC 9457 problem details
                if exc.code == 429 and attempt < 4:
                    time.sleep(int(exc.headers.get("Retry-After", "1")))
                    continue
                raise ApiError(exc.code, problem) from None
        raise AssertionError("unreachable")

    def get_raw(self, url: str) -> bytes:
        # Public documents (JWKS, status lists), at URLs the registry itself published.
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
            return response.read()


# --- Webhooks: a receiver and Standard Webhooks verification -------------------------------------
def verify_webhook(secret: str, headers: dict[str, str], body: bytes, *, tolerance: int = 300) -> dict:
    """Standard Webhooks: HMAC-SHA256 over `id.timestamp.body` with the base64 secret after `whsec_`.
    (The `standardwebhooks` package does the same: `Webhook(secret).verify(body, headers)`.)"""
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        raise ValueError("webhook timestamp outside the tolerance: a replay?")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    for candidate in headers["webhook-signature"].split():
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return json.loads(body)
    raise ValueError("no valid webhook signature")


class WebhookReceiver:
    """Serves POSTs on host:port (0 = any free port) and queues verified events."""

    def __init__(self, host: str, port: int) -> None:
        self.events: queue.Queue = queue.Queue()
        self.secret = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    event = verify_webhook(receiver.secret, {k.lower(): v for k, v in self.headers.items()}, body)
                except (KeyError, ValueError):
                    self.send_response(400)
                else:
                    receiver.events.put(event)
                    self.send_response(204)  # answer fast; work happens elsewhere
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}/registry-webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, event_type: str, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=min(left, 1))
            except queue.Empty:
                continue
            if event["type"] == event_type:
                return event
        return None


# --- Offline token verification --------------------------------------------------------------------
def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# Ed25519 signatures under either name: "EdDSA" (RFC 8037, what the registry issues) or
# "Ed25519" (RFC 9864's replacement for it). Any other alg ("none", HS256 …) is refused.
ED25519_ALGS = ("EdDSA", "Ed25519")


def verify_jws(token: str, jwks: dict, typ: str) -> dict:
    """Check a compact JWS signed with Ed25519 by a key of the JWKS; return its claims."""
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(b64url(header_b64))
    if header.get("alg") not in ED25519_ALGS or header.get("typ") != typ:
        raise ValueError(f"unexpected header {header}")
    jwk = next((k for k in jwks["keys"] if k["kid"] == header["kid"]), None)
    if jwk is None or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError(f"unknown key {header['kid']}")
    try:
        Ed25519PublicKey.from_public_bytes(b64url(jwk["x"])).verify(
            b64url(signature_b64), f"{header_b64}.{claims_b64}".encode()
        )
    except InvalidSignature:
        raise ValueError("bad signature") from None
    return json.loads(b64url(claims_b64))


def verify_consent_token(registry: Registry, token: str, *, studio_id: str) -> dict:
    jwks = json.loads(registry.get_raw(f"{registry.base_url}/.well-known/jwks.json"))
    claims = verify_jws(token, jwks, "consent+jwt")
    now = time.time()
    if claims["aud"] != studio_id:
        raise ValueError("token is for another studio")
    if not claims["nbf"] - 60 <= now < claims["exp"] + 60:
        raise ValueError("token outside its validity period")
    reference = claims["status"]["status_list"]
    status_list = verify_jws(registry.get_raw(reference["uri"]).decode(), jwks, "statuslist+jwt")
    if status_list["sub"] != reference["uri"] or status_list["exp"] < now:
        raise ValueError("status list does not match or has expired")
    bits = status_list["status_list"]["bits"]
    data = zlib.decompress(b64url(status_list["status_list"]["lst"]))
    per_byte = 8 // bits
    index = reference["idx"]
    status = (data[index // per_byte] >> ((index % per_byte) * bits)) & ((1 << bits) - 1)
    if status != 0:
        raise ValueError({1: "revoked", 2: "suspended"}.get(status, f"status {status}"))
    return claims


# --- The flow -------------------------------------------------------------------------------------
def step(number: int, text: str) -> None:
    print(f"[{number}] {text}", flush=True)


def run(args) -> int:
    registry = Registry(args.base_url, args.api_key)
    me = registry.call("GET", "/api/v1/me")
    step(1, f"authenticated as {me['legal_name']} ({me['id']})")

    receiver = None
    if args.webhook_host:
        receiver = WebhookReceiver(args.webhook_host, args.webhook_port)
        endpoint = registry.call(
            "POST",
            "/api/v1/webhook-endpoints/",
            {
                "url": receiver.url,
                "event_types": ["consent_request.answered", "grant.revoked", "grant.suspended", "invoice.finalized"],
                "description": "example client",
            },
            idempotency_key=str(uuid.uuid4()),
        )
        receiver.secret = endpoint["secret"]  # shown once: keep it in your secret store
        step(2, f"webhook endpoint {endpoint['id']} registered at {receiver.url}")
    else:
        step(2, "no webhook receiver (polling only)")

    today = dt.date.today()
    project = {"kind": "picture", "title": "The Long Night", "production_number": args.production_number}
    request = registry.call(
        "POST",
        "/api/v1/consent-requests/",
        {
            "performer": args.performer,
            "agreement": args.agreement,
            "use": "replica_use",
            "project": project,
            "description": {
                "role_or_scenes": "Detective Ana Reyes, the rooftop chase in scenes 41-44",
                "intended_uses": ["Replica performs the rooftop stunt sequence in place of a stunt double"],
                "media": ["theatrical", "streaming"],
                "territory": ["US"],
                "term_start": today.isoformat(),
                "term_end": (today + dt.timedelta(days=365)).isoformat(),
                "sensitive_content": [],
                "content_categories": [],
                "detail": "Face and body replica from the November scan; no dialogue changes.",
            },
            "compensation": {"amount": "1283.00", "currency": "USD", "unit": "day", "estimated_days": "3"},
        },
        idempotency_key=str(uuid.uuid4()),
    )
    step(3, f"consent requested: {request['id']} ({request['status']})")

    # The answer comes as a webhook; poll as well, in case the receiver is unreachable.
    deadline = time.monotonic() + args.timeout
    answer = None
    while answer is None and time.monotonic() < deadline:
        event = receiver.wait_for("consent_request.answered", 2) if receiver else None
        if event and event["data"]["request"] == request["id"]:
            answer = ("webhook", event["data"]["status"], event["data"]["grant"])
        else:
            current = registry.call("GET", f"/api/v1/consent-requests/{request['id']}")
            if current["status"] != "pending":
                answer = ("polling", current["status"], current.get("grant"))
            elif not receiver:
                time.sleep(2)
    if answer is None:
        step(4, "no answer in time")
        return 1
    how, status, grant_id = answer
    step(4, f"request {status} (learned by {how}); grant {grant_id}")
    if status != "accepted":
        return 1

    token = registry.call("GET", f"/api/v1/grants/{grant_id}/token")
    claims = verify_consent_token(registry, token["token"], studio_id=me["id"])
    step(5, f"token {claims['jti']} verified offline: signature, audience, dates, status list slot valid")

    check = registry.call(
        "POST",
        "/api/v1/consent-checks/",
        {
            "performer": args.performer,
            "use": "replica_use",
            "project": project,
            "media": ["streaming"],
            "territory": ["US"],
            "record": True,
        },
    )
    step(6, f"consent check: allowed={check['allowed']} receipt={check.get('receipt')}")
    if not check["allowed"]:
        return 1

    report_id = f"example-{uuid.uuid4().hex[:12]}"
    report = registry.call(
        "POST",
        "/api/v1/usage-reports/",
        {
            "report_id": report_id,
            "lines": [
                {
                    "line_id": f"{report_id}-1",
                    "kind": "replica_use",
                    "grant": grant_id,
                    "project": project,
                    "use_date": today.isoformat(),
                    "units": "1",
                    "unit": "days",
                    "role_category": "day_performer",
                    "estimated_days": "3",
                    "media": ["streaming"],
                    "territory": ["US"],
                }
            ],
        },
        idempotency_key=report_id,
    )
    step(
        7,
        f"usage reported: {report['id']} ({report['accepted']} accepted, {report['violation_count']} violations)",
    )

    # Invoices are issued by the monthly billing run; wait for one that bills this grant.
    invoice = None
    while invoice is None and time.monotonic() < deadline:
        if receiver:
            receiver.wait_for("invoice.finalized", 2)
        else:
            time.sleep(2)
        for row in registry.call("GET", "/api/v1/invoices/?document_type=invoice")["results"]:
            detail = registry.call("GET", f"/api/v1/invoices/{row['id']}")
            if any(line.get("grant") == grant_id for line in detail["lines"]):
                invoice = detail
                break
    if invoice is None:
        step(8, "no invoice in time")
        return 1
    step(8, f"invoice {invoice['number']}: {invoice['total']} {invoice['currency']} ({invoice['status']})")
    print("integration complete", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default=os.environ.get("REGISTRY_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--api-key", default=os.environ.get("STUDIO_API_KEY"), help="default: $STUDIO_API_KEY")
    parser.add_argument("--performer", required=True, help="performer id or union member number")
    parser.add_argument("--agreement", default="tvth-2026")
    parser.add_argument("--production-number", default=f"NLP-{dt.date.today().year}-004")
    parser.add_argument("--webhook-host", default="127.0.0.1", help="where to receive webhooks; '' to poll only")
    parser.add_argument("--webhook-port", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for the answer and invoice")
    args = parser.parse_args(argv)
    if not args.api_key:
        parser.error("set STUDIO_API_KEY or pass --api-key")
    try:
        return run(args)
    except ApiError as exc:
        print(f"API error: {exc}\n{json.dumps(exc.problem, indent=2)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
