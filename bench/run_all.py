"""`bench/run`: every benchmark, one after another, then one table of their BENCH_RESULT lines.

Each benchmark runs as its own process with its own output kept in var/bench/<name>.log; the
table is printed as Markdown (ready for docs/operators/benchmarks.md) with the date and the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench.report import results

BENCHMARKS = {
    "tokens": ["-m", "bench.tokens"],
    "usage_ingest": ["-m", "bench.usage_ingest"],
    "consent_check": ["-m", "bench.consent_check"],
    "billing": ["-m", "bench.billing", "--scaling", "1,2,4"],
    "load_mix": ["-m", "bench.load_mix"],
    "strikes": ["-m", "bench.strikes"],
    "log": ["-m", "bench.log"],
    "pages": ["-m", "bench.pages"],
}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return f"{text} {unit}".strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"some of: {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    logs = Path("var/bench")
    logs.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    failures: list[str] = []
    for name in names:
        log = logs / f"{name}.log"
        print(f"==> {name} (output in {log})", flush=True)
        started = time.monotonic()
        with log.open("w") as out:
            proc = subprocess.run([sys.executable, *BENCHMARKS[name]], stdout=subprocess.PIPE, stderr=out, text=True)
            out.write(proc.stdout)
        found = results(proc.stdout)
        print(f"    {len(found)} figures in {time.monotonic() - started:.0f} s, exit status {proc.returncode}")
        if proc.returncode != 0 or not found:
            failures.append(f"{name} (exit status {proc.returncode}, {len(found)} figures; see {log})")
        rows.extend(found)

    print()
    print(f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} on {machine()}; the benchmarks share these cores")
    print("with their load generators and PostgreSQL.")
    print()
    print("| benchmark | figure | value | baseline | ratio | target | result |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        baseline = f"{r['baseline_label']} {number(r['baseline'], r['unit'])}" if r["baseline"] is not None else ""
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else ""
        verdict = {True: "pass", False: "**fail**", None: ""}[r["passed"]]
        print(
            f"| {r['bench']} | {r['figure']} | {number(r['value'], r['unit'])} | {baseline} | {ratio} "
            f"| {r['target']} | {verdict} |"
        )
    for failure in failures:
        print(f"\nDID NOT COMPLETE: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
