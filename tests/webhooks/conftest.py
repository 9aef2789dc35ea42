"""A real HTTP receiver on loopback for webhook tests, and an endpoint registered to it."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from registry.core.vocabulary.webhooks import EventType
from registry.webhooks import services
from tests.conftest import SYSTEM


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # Status codes to answer with, in order; 204 once they run out.
    responses: deque = field(default_factory=deque)


@pytest.fixture
def receiver():
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            box.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status = box.responses.popleft() if box.responses else 204
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/registry"
    yield box
    server.shutdown()
    server.server_close()


@pytest.fixture
def allow_loopback(settings):
    """Tests may send to a receiver on this machine; production refuses loopback."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    settings.WEBHOOK_REQUIRE_HTTPS = False


@pytest.fixture
def endpoint(studio, receiver, allow_loopback):
    """Northlight's endpoint for every event type, with its secret."""
    ep, secret = services.endpoint_create(
        studio=studio.studio, url=receiver.url, event_types=list(EventType.values), actor=SYSTEM
    )
    ep.secret = secret
    return ep
