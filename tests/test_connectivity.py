"""Tests of course_lib.connectivity: C's sparsity pattern, padding rules and output sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import arithmetic, numeric
from course_lib.connectivity import (
    ConvMatrixPattern,
    _conv_output_sizes,
    _conv_padding,
    _explicit_padding,
    conv_matrix_pattern,
)

CONV = {1: numeric.conv1d, 2: numeric.conv2d}


@st.composite
def geometry(draw):
    """input shape, kernel shape, stride, padding (int, per-side pairs or a mode), dilation."""
    nd = draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    s = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    d = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = draw(st.one_of(
        st.sampled_from(["valid", "same", "full"]),
        st.tuples(*[st.integers(0, 2)] * nd),
        st.tuples(*[st.tuples(st.integers(0, 2), st.integers(0, 2))] * nd),
    ))
    # large enough for every padding: the dilated kernel fits without any
    i = tuple(draw(st.integers((kk - 1) * dd + 1, 6)) for kk, dd in zip(k, d))
    return i, k, s, padding, d


@settings(max_examples=80, deadline=None)
@given(case=geometry())
def test_pattern_is_the_columns_of_the_convolution(case):
    """Column c of C is the convolution of the c-th unit impulse; taps valued 1..K name themselves."""
    i, k, s, padding, d = case
    pattern = conv_matrix_pattern(i, k, s, padding, d)
    taps = np.arange(1, math.prod(k) + 1).reshape(k)
    dense = np.zeros(pattern.shape, dtype=np.int64)
    for c in range(math.prod(i)):
        impulse = np.zeros(math.prod(i), dtype=np.int64)
        impulse[c] = 1
        dense[:, c] = CONV[len(i)](impulse.reshape(i), taps, stride=s, padding=padding, dilation=d).ravel()
    expected_rows, expected_cols = np.nonzero(dense)  # row-major: sorted by row, then column
    np.testing.assert_array_equal(pattern.rows, expected_rows)
    np.testing.assert_array_equal(pattern.cols, expected_cols)
    np.testing.assert_array_equal(pattern.kernel_index, dense[expected_rows, expected_cols] - 1)


def test_pattern_of_the_guide_figure_2_1():
    """4x4 input, 3x3 kernel: 4 output units, each reading 9 input units (weight sharing)."""
    pattern = conv_matrix_pattern((4, 4), (3, 3))
    assert isinstance(pattern, ConvMatrixPattern)
    assert pattern.shape == (4, 16) and pattern.output_shape == (2, 2)
    np.testing.assert_array_equal(np.bincount(pattern.rows), [9, 9, 9, 9])
    np.testing.assert_array_equal(np.bincount(pattern.kernel_index), [4] * 9)
    np.testing.assert_array_equal(pattern.cols[pattern.rows == 3], [5, 6, 7, 9, 10, 11, 13, 14, 15])


@settings(max_examples=200, deadline=None)
@given(i=st.integers(1, 12), k=st.integers(1, 4), s=st.integers(1, 4), d=st.integers(1, 3))
def test_same_padding_is_the_least_that_keeps_ceil_i_over_s(i, k, s, d):
    [(before, after)] = _conv_padding("same", 1, (i,), (k,), (s,), (d,))
    k_hat = arithmetic.effective_kernel_size(k, d)
    assert after - before in (0, 1)  # the odd unit at the end, as TensorFlow does
    assert (i + before + after - k_hat) // s + 1 == -(-i // s)
    if before + after:
        assert (i + before + after - 1 - k_hat) // s + 1 < -(-i // s)


@settings(max_examples=100, deadline=None)
@given(i=st.integers(1, 12), k=st.integers(1, 4), s=st.integers(1, 4), d=st.integers(1, 3))
def test_valid_and_full_padding(i, k, s, d):
    k_hat = arithmetic.effective_kernel_size(k, d)
    assert _conv_padding("valid", 1, (i,), (k,), (s,), (d,)) == [(0, 0)]
    assert _conv_padding("FULL", 1, (i,), (k,), (s,), (d,)) == [(k_hat - 1, k_hat - 1)]


@settings(max_examples=100, deadline=None)
@given(i=st.integers(1, 12), k=st.integers(1, 4), s=st.integers(1, 4), before=st.integers(0, 3),
       after=st.integers(0, 3))
def test_one_sided_padding_acts_like_a_longer_input(i, k, s, before, after):
    if k > i + before + after:
        with pytest.raises(ValueError, match=r"must not exceed the padded input size"):
            _conv_output_sizes((i,), (k,), (s,), [(before, after)], (1,))
    else:
        assert _conv_output_sizes((i,), (k,), (s,), [(before, after)], (1,)) == ((i + before + after - k) // s + 1,)


def test_output_size_errors_name_the_axis_only_in_2d():
    with pytest.raises(ValueError, match=r"\(spatial axis 1\)$"):
        _conv_output_sizes((5, 2), (3, 3), (1, 1), [(0, 0), (0, 0)], (1, 1))
    with pytest.raises(ValueError, match=r"more padding$"):
        _conv_output_sizes((2,), (3,), (1,), [(0, 0)], (1,))


@pytest.mark.parametrize(
    "padding, error, match",
    [
        ("half", ValueError, r"padding must be an integer, a tuple or one of \('valid', 'same', 'full'\), got 'half'"),
        (-1, ValueError, r"padding must be >= 0, got -1"),
        (1.5, TypeError, r"padding must be an integer, a sequence of 2 integers, .* got float 1.5"),
        (True, TypeError, r"got bool True"),
        (((1, 1),), ValueError, r"one \(before, after\) pair per axis \(2\)"),
        (((1, 1), (1,)), ValueError, r"padding\[1\] must be a \(before, after\) pair of integers, got tuple \(1,\)"),
        (((1, 1), (1, -2)), ValueError, r"padding\[1\]\[1\] must be >= 0, got -2"),
    ],
)
def test_bad_padding(padding, error, match):
    with pytest.raises(error, match=match):
        _conv_padding(padding, 2, (5, 5), (3, 3), (1, 1), (1, 1))


def test_explicit_padding_accepts_numpy_integers_and_lists():
    assert _explicit_padding(np.int64(2), 1) == [(2, 2)]
    assert _explicit_padding([[1, 0], [0, 2]], 2) == [(1, 0), (0, 2)]
