"""bench/consent_check measures each endpoint in alternating runs and merges them: the merged
figures must be those of one run holding every request (counts summed, percentiles from the
merged latency histograms, CPU averaged over the wall time)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.consent_check.runner import LUA, RunResult, histogram, merge_runs, percentile_us
from tests.conftest import service_missing


def _run(hist: dict[int, int], seconds: float, gunicorn_cores: float, max_us: int) -> RunResult:
    requests = sum(hist.values())
    data = {
        "requests": requests,
        "duration_us": int(seconds * 1e6),
        "bytes": 100 * requests,
        "ok": requests,
        "not_ok": 0,
        "s4xx": 0,
        "s5xx": 0,
        "allowed": requests // 2,
        "connect_errors": 0,
        "read_errors": 0,
        "write_errors": 0,
        "timeouts": 0,
        "status_errors": 0,
        "mean_us": sum(b * n for b, n in hist.items()) / requests,
        "max_us": max_us,
        "hist": ",".join(f"{b}:{n}" for b, n in hist.items()),
    }
    cpu = {"gunicorn": gunicorn_cores, "postgres": 0.2, "wrk": 0.1, "all": 1.9, "other": 0.0, "wall": seconds}
    return RunResult("checks", "/x", data, "", cpu)


def test_histogram_reads_the_lua_scripts_buckets():
    assert histogram({"hist": "10:3,20000:1"}) == Counter({10: 3, 20000: 1})
    assert histogram({"hist": ""}) == Counter()


def test_percentiles_rank_as_wrk_does():
    """wrk's p-th percentile of n requests is the one of rank round(p % of n + 0.5)."""
    hist = Counter({1000: 90, 2000: 9, 50000: 1})
    assert percentile_us(hist, 50) == 1000
    assert percentile_us(hist, 89) == 1000
    assert percentile_us(hist, 90) == 2000  # the 91st
    assert percentile_us(hist, 98) == 2000
    assert percentile_us(hist, 99) == 50000  # the 100th
    assert percentile_us(Counter(), 99) == 0


def test_merged_runs_are_one_run_holding_every_request():
    fast = _run({1000: 980, 2000: 20}, seconds=5, gunicorn_cores=1.0, max_us=2005)
    slow = _run({3000: 900, 60000: 100}, seconds=5, gunicorn_cores=1.6, max_us=60009)
    merged = merge_runs("checks", [fast, slow])
    assert merged.data["requests"] == 2000
    assert merged.rps == pytest.approx(200.0)
    # 2000 requests: the 99th percentile is the 1981st fastest, in the slow run's tail.
    assert merged.data["p99_us"] == 60000
    assert merged.data["p50_us"] == 3000  # the 1001st: past the fast run's 1000
    assert merged.data["max_us"] == 60009
    assert merged.cpu["gunicorn"] == pytest.approx(1.3)
    assert merged.cpu_ms_per_request("gunicorn") == pytest.approx(1.3 * 10 / 2000 * 1000)
    assert merged.data["allowed"] == 1000


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"allowed":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_wrk_script_reports_a_histogram_of_every_request(tmp_path):
    """checks.lua under a real wrk: its histogram holds every request, and the percentiles read
    from it agree with wrk's own to the bucket."""
    if shutil.which("wrk") is None:
        service_missing("wrk (apt-get install wrk)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bodies = tmp_path / "bodies.tsv"
    bodies.write_text('secret-one\t{"performer":"p1"}\nsecret-two\t{"performer":"p2"}\n')
    url = f"http://127.0.0.1:{server.server_address[1]}/x"
    try:
        out = subprocess.run(
            ["wrk", "-t1", "-c2", "-d1s", "--latency", f"-s{LUA}", url, "--", str(bodies), "/x"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    finally:
        server.shutdown()
        server.server_close()
    data = json.loads(re.search(r"^BENCH_JSON (.+)$", out, re.M).group(1))
    hist = histogram(data)
    assert data["requests"] > 0
    assert sum(hist.values()) == data["requests"] == data["ok"] == data["allowed"]
    for p in (50, 90, 99):
        assert data[f"p{p}_us"] - 10 < percentile_us(hist, p) <= data[f"p{p}_us"], p
