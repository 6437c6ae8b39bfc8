"""Update latency of every explorer per slider change, rendered headless (Agg), at i <= 8.

For each explorer and each of its controls, the control is moved through a cycle of values; a
change's latency is the time from setting the value to the new PNG being in the Image widget
(state, drawing, rendering, encoding: everything the kernel does before the bytes go to the
browser). The first pass warms caches and is not counted; medians over the following passes
are printed per control and per explorer, with the target of 33 ms (30 frames per second).

Reference, measured in the same process: the naive approach of building a new figure for every
change (draw.draw_conv + savefig to PNG), for the conv explorer's changes.

    .venv/bin/python benchmarks/bench_widgets.py
"""

import io
import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from course_lib import draw, widgets  # noqa: E402  (after choosing the headless backend)

TARGET_MS = 33.0
REPEATS = 5

# explorer factory, then (control, values to cycle through) for every control
CASES = {
    "conv_explorer": (
        lambda: widgets.conv_explorer(8, 3, 1, 1),
        [("step", [1, 2, 3, 9, 20, 40, 63, 0]), ("i", [7, 6, 5, 8]), ("k", [4, 5, 2, 3]), ("s", [2, 3, 1]),
         ("p", [2, 3, 0, 1]), ("d", [2, 3, 1])],
    ),
    "conv_explorer (numbers)": (
        lambda: widgets.conv_explorer(8, 3, 1, 1, numbers=True),
        [("step", [1, 2, 3, 9, 20, 40, 63, 0]), ("i", [7, 6, 5, 8]), ("k", [4, 5, 2, 3])],
    ),
    "transposed_explorer": (
        lambda: widgets.transposed_explorer(8, 3, 2, 1),
        [("unit", [1, 2, 5, 9, 15, 0]), ("out_unit", [1, 9, 30, 63, 0]), ("i", [7, 6, 5, 8]),
         ("k", [2, 4, 3]), ("s", [1, 3, 2]), ("p", [0, 2, 1]), ("d", [2, 1])],
    ),
    "transposed_explorer (numbers)": (
        lambda: widgets.transposed_explorer(8, 3, 2, 1, numbers=True),
        [("unit", [1, 2, 5, 9, 15, 0]), ("out_unit", [1, 9, 30, 63, 0]), ("i", [7, 6, 5, 8])],
    ),
    "sampling_explorer": (
        lambda: widgets.sampling_explorer(8),
        [("n", [7, 6, 5, 8]), ("k", [3, 4, 2]), ("stage1", ["↓k", "q∗ (same)", "↑k"]),
         ("stage3", ["none", "q∗ (full)", "↓k"])],
    ),
    "checkerboard_explorer": (
        lambda: widgets.checkerboard_explorer(8, [(3, 2), (3, 2)]),
        [("i", [7, 6, 5, 8]), ("k1", [4, 5, 2, 3]), ("s1", [1, 3, 2]), ("layers", [1, 3, 2])],
    ),
}


def measure(factory, controls):
    """Wall and CPU milliseconds per change, per control (first pass discarded)."""
    explorer = factory()
    wall = {name: [] for name, _ in controls}
    cpu = {name: [] for name, _ in controls}
    for repeat in range(REPEATS + 1):
        for name, values in controls:
            control = explorer.controls[name]
            for value in values:
                start, start_cpu = time.perf_counter(), time.process_time()
                control.value = value
                elapsed = (time.perf_counter() - start) * 1000
                elapsed_cpu = (time.process_time() - start_cpu) * 1000
                if repeat:
                    wall[name].append(elapsed)
                    cpu[name].append(elapsed_cpu)
    return wall, cpu


def reference_rebuild():
    """The naive update: a new figure per change, drawn and saved as PNG."""
    times = []
    for repeat in range(REPEATS + 1):
        for step in (1, 2, 3, 9, 20, 40, 63, 0):
            start = time.perf_counter()
            fig = draw.draw_conv(8, 3, 1, 1, step=step)
            fig.savefig(io.BytesIO(), format="png", dpi=80)
            elapsed = (time.perf_counter() - start) * 1000
            if repeat:
                times.append(elapsed)
    return statistics.median(times)


def main() -> None:
    reference = reference_rebuild()
    print(f"{'reference: new figure per change (draw_conv + savefig)':<58} {reference:7.1f} ms")
    print()
    print(f"load average before: {os.getloadavg()[0]:.2f} (other processes share the cores; the CPU "
          f"column is this process's own time)")
    worst = 0.0
    for explorer, (factory, controls) in CASES.items():
        wall, cpu = measure(factory, controls)
        everything = [t for values in wall.values() for t in values]
        overall = statistics.median(everything)
        overall_cpu = statistics.median([t for values in cpu.values() for t in values])
        worst = max(worst, overall)
        verdict = "ok" if overall <= TARGET_MS else "OVER TARGET"
        print(f"{explorer:<32} median {overall:6.1f} ms (CPU {overall_cpu:5.1f})  x{overall / reference:.2f} "
              f"of reference  ({len(everything)} changes)  {verdict}")
        for name in wall:
            print(f"    {name:<12} median {statistics.median(wall[name]):6.1f} ms (CPU "
                  f"{statistics.median(cpu[name]):5.1f})   max {max(wall[name]):6.1f} ms")
    print()
    print(f"worst explorer median {worst:.1f} ms; target <= {TARGET_MS:.0f} ms (30 frames per second)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
