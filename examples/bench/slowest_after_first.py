#!/usr/bin/env python3
"""Runs ../shared/bench/integratord_bench.py with the same arguments, and
adds to each integration's summary its slowest alert after the first.

The hang benchmark's target is about every alert after the first (the first
one waits out the deadline and opens the circuit breaker), which the
harness's medians do not show.

    python3 examples/bench/slowest_after_first.py --corpus /tmp/corpus-mixed \
        --alerts 200 --misp-arg=--fault=hang --impl ours=$EXE --impl true=/bin/true
"""
import os
import statistics
import sys

HARNESS = os.environ.get(
    "BENCH_DIR",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "bench"),
)
sys.path.insert(0, HARNESS)
import integratord_bench  # noqa: E402  (found through BENCH_DIR)

plain_summary = integratord_bench.summary


def summary(impl):
    walls = [seconds * 1000 for seconds in impl.walls]
    line = plain_summary(impl)
    if len(walls) < 2:
        return line
    rest = walls[1:]
    over = sum(1 for wall in rest if wall > 5)
    return (f"{line}\n{'':>12}  first {walls[0]:.1f} ms, then median "
            f"{statistics.median(rest):.2f} ms, slowest {max(rest):.2f} ms, "
            f"{over} over 5 ms")


integratord_bench.summary = summary
sys.argv[0] = "integratord_bench.py"
integratord_bench.main()
