"""Helpers for the fault tests (test_faults.py): a Redis server of the test's own to kill and
restart, the test process's Celery app pointed at it, a relay process, and a webhook receiver
that counts what it gets by webhook-id and can hold a request open.

The shared Redis (REDIS_URL) is never stopped: other engineers' tests and workers use it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import redis
from kombu import pools

from tests.conftest import service_missing
from tests.integration.billing_stack import ROOT, database_env, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """`redis-server` on a free loopback port. Append-only file with fsync on every write, as
    production should run the broker: a message the broker accepted survives its restart (the
    outbox covers what it never accepted)."""

    def __init__(self, workdir: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            service_missing("redis-server (apt install redis-server)")
        self.port = free_port()
        self.dir = workdir / "redis"
        self.dir.mkdir(exist_ok=True)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(up, timeout=10, what=f"redis-server on port {self.port}")

    def kill(self) -> None:
        """SIGKILL: the broker is gone, connections are refused until it is started again."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1)


@contextlib.contextmanager
def broker(url: str) -> Iterator[None]:
    """This process's Celery app publishes to `url` (not eager) while inside; its connection
    pools are dropped on the way in and out so no connection to another broker is reused."""
    from config.celery import app

    def reset_pools() -> None:
        # kombu keeps producer pools in a global registry keyed by connection: reset it too, or a
        # later test gets this one's pool (closed, or connected to a dead server).
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    reset_pools()
    app.conf.broker_url, app.conf.task_always_eager = url, False
    try:
        yield
    finally:
        reset_pools()
        app.conf.broker_url, app.conf.task_always_eager = saved


class RelayProcess:
    """`manage.py relay_outbox --interval …`: the outbox relay as its own process."""

    def __init__(self, redis_url: str, log_dir: Path, interval: float = 0.5) -> None:
        self.log = log_dir / "relay.log"
        env = dict(
            os.environ, **database_env(), REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url, PYTHONUNBUFFERED="1"
        )
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "relay_outbox", "--interval", str(interval)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


class CountingReceiver:
    """A webhook receiver on loopback that counts requests by webhook-id. With `stall` set, it
    holds every request open (without answering) until `release()`."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stall = False
        self.stalled = threading.Event()  # a request arrived and is being held
        self.released = threading.Event()
        box = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with box.lock:
                    box.ids[self.headers["webhook-id"]] += 1
                if box.stall:
                    box.stalled.set()
                    box.released.wait(timeout=60)
                with contextlib.suppress(OSError):  # the sender may be dead by now
                    self.send_response(204)
                    self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(self.ids)

    def release(self) -> None:
        self.stall = False
        self.released.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
