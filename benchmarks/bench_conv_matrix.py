"""Benchmark: building the convolution matrix C of a 32x32 input and a 3x3 symbolic kernel.

Compares course_lib.symbolic.conv_matrix (sparse, nonzeros found with numpy index arithmetic)
with a naive construction that visits every one of the 900 x 1024 entries in Python.
"""

from __future__ import annotations


import sympy

from course_lib.symbolic import conv_matrix, kernel_symbols
from _timing import median_time

INPUT_SHAPE = (32, 32)
KERNEL_SHAPE = (3, 3)
REPEATS = 5


def naive_conv_matrix(input_shape, kernel, stride=1, padding=0):
    """Entry by entry: for every (output unit, input unit) pair, which kernel tap joins them."""
    (ih, iw), (kh, kw) = input_shape, kernel.shape
    oh, ow = (ih + 2 * padding - kh) // stride + 1, (iw + 2 * padding - kw) // stride + 1
    entries = []
    for row in range(oh * ow):
        t0, t1 = divmod(row, ow)
        for col in range(ih * iw):
            x0, x1 = divmod(col, iw)
            j0, j1 = x0 + padding - t0 * stride, x1 + padding - t1 * stride
            entries.append(kernel[j0, j1] if 0 <= j0 < kh and 0 <= j1 < kw else 0)
    return sympy.Matrix(oh * ow, ih * iw, entries)


def main():
    kernel = kernel_symbols(KERNEL_SHAPE)
    fast = conv_matrix(INPUT_SHAPE, kernel)
    naive = naive_conv_matrix(INPUT_SHAPE, kernel)
    assert fast.shape == naive.shape == (900, 1024)
    assert fast.todok() == {key: value for key, value in naive.todok().items() if value != 0}, "results differ"

    fast_time = median_time(lambda: conv_matrix(INPUT_SHAPE, kernel), REPEATS, warmup=False)
    naive_time = median_time(lambda: naive_conv_matrix(INPUT_SHAPE, kernel), REPEATS, warmup=False)
    print(f"conv_matrix {INPUT_SHAPE} input, {KERNEL_SHAPE} symbolic kernel -> {fast.shape[0]}x{fast.shape[1]}, "
          f"median of {REPEATS}")
    print(f"  sparse (course_lib.symbolic.conv_matrix): {fast_time * 1e3:9.1f} ms")
    print(f"  naive entry-by-entry construction:        {naive_time * 1e3:9.1f} ms")
    print(f"  ratio naive / sparse:                     {naive_time / fast_time:9.1f}x")


if __name__ == "__main__":
    main()
