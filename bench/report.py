"""One machine-readable line per benchmark figure, for `bench/run` to gather into one table.

Each benchmark still prints its own detail; it also calls `result(...)` once per figure with a
target (or none: a figure shown for what it tells, such as a speed-up), which prints
`BENCH_RESULT {json}`.
"""

from __future__ import annotations

import json

PREFIX = "BENCH_RESULT "


def result(
    *,
    bench: str,
    figure: str,
    value: float,
    unit: str,
    baseline: float | None,
    baseline_label: str,
    ratio: float | None,
    target: str,
    passed: bool | None,
) -> None:
    """`passed` is None for a figure that has no target (it is reported, not judged)."""
    print(
        PREFIX
        + json.dumps(
            {
                "bench": bench,
                "figure": figure,
                "value": round(value, 3),
                "unit": unit,
                "baseline": None if baseline is None else round(baseline, 3),
                "baseline_label": baseline_label,
                "ratio": None if ratio is None else round(ratio, 4),
                "target": target,
                "passed": passed,
            }
        ),
        flush=True,
    )


def results(output: str) -> list[dict]:
    """The figures a benchmark printed with `result`, read back from its output."""
    return [json.loads(line[len(PREFIX) :]) for line in output.splitlines() if line.startswith(PREFIX)]
