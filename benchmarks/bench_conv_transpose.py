"""Benchmark: conv_transpose2d (16 -> 16 channels, 64x64 input, 3x3 kernel, stride 2).

Times the three methods of course_lib.numeric.conv_transpose2d (float64) and, when PyTorch is
installed, torch.nn.functional.conv_transpose2d on the CPU, in the same process.
"""

from __future__ import annotations


import numpy as np

from course_lib.numeric import conv_transpose2d
from _timing import median_time

CHANNELS_IN, CHANNELS_OUT, SIZE, KERNEL, STRIDE = 16, 16, 64, 3, 2
METHODS = ("scatter", "equivalent", "matrix")
REPEATS = 7


def main():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((CHANNELS_IN, SIZE, SIZE))
    w = rng.standard_normal((CHANNELS_IN, CHANNELS_OUT, KERNEL, KERNEL))
    results = {method: conv_transpose2d(y, w, stride=STRIDE, method=method) for method in METHODS}
    for method in METHODS:
        np.testing.assert_allclose(results[method], results["scatter"], rtol=1e-10, atol=1e-10)
    times = {method: median_time(lambda: conv_transpose2d(y, w, stride=STRIDE, method=method), REPEATS) for method in METHODS}

    print(f"conv_transpose2d {CHANNELS_IN}->{CHANNELS_OUT} channels, {SIZE}x{SIZE} input, k={KERNEL}, "
          f"s={STRIDE} -> {results['scatter'].shape}, float64, median of {REPEATS}")
    try:
        import torch
    except ImportError:
        torch = None
    torch_time = None
    if torch is None:
        print("  torch not installed")
    else:
        yt, wt = torch.from_numpy(y)[None], torch.from_numpy(w)
        with torch.no_grad():
            reference = torch.nn.functional.conv_transpose2d(yt, wt, stride=STRIDE)[0].numpy()
            np.testing.assert_allclose(results["scatter"], reference, rtol=1e-10, atol=1e-10)
            torch_time = median_time(lambda: torch.nn.functional.conv_transpose2d(yt, wt, stride=STRIDE), REPEATS)
    for method in METHODS:
        line = f"  numeric, method={method!r:13} {times[method] * 1e3:8.2f} ms   x{times[method] / times['scatter']:5.2f} vs scatter"
        if torch_time is not None:
            line += f"   x{times[method] / torch_time:6.1f} vs torch"
        print(line)
    if torch_time is not None:
        print(f"  torch {torch.__version__} CPU ({torch.get_num_threads()} threads) {torch_time * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
