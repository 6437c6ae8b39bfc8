"""The one timing helper the benchmark scripts share (run them as `python benchmarks/bench_X.py`)."""

import statistics
import time


def median_time(function, repeats=7, warmup=True):
    """Median wall time in seconds of ``repeats`` calls of ``function`` (after one warm-up call)."""
    if warmup:
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
