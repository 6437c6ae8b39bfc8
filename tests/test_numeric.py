"""Tests of course_lib.numeric: values, shapes, dtypes, errors and the adjoint relationships."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from course_lib import arithmetic, numeric
from course_lib.numeric import (
    avg_pool2d,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    max_pool2d,
    max_unpool2d,
)

METHODS = ("scatter", "equivalent", "matrix")

# The guide's numerical figures 1.1, 1.2, 1.5 and 1.6: this 5x5 input and (1.1, 1.2) the kernel
# [[0, 1, 2], [2, 2, 0], [0, 1, 2]] (seed 1234).
FIGURE_INPUT = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
FIGURE_KERNEL = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])


# --- brute-force oracles (loops over every output unit; only for tiny inputs) ----------------


def naive_conv(x, w, stride, pads, dilation):
    """Direct convolution by the definition: x (C_in, *I), w (C_out, C_in, *K), per-side pads."""
    xp = np.pad(x, [(0, 0), *pads])
    k_hat = [(k - 1) * d + 1 for k, d in zip(w.shape[2:], dilation)]
    out_sizes = [(n - kh) // s + 1 for n, kh, s in zip(xp.shape[1:], k_hat, stride)]
    out = np.zeros((w.shape[0], *out_sizes), dtype=np.result_type(x, w))
    for c_out in range(w.shape[0]):
        for t in np.ndindex(*out_sizes):
            for j in np.ndindex(*w.shape[2:]):
                position = tuple(tt * s + jj * d for tt, s, jj, d in zip(t, stride, j, dilation))
                out[(c_out, *t)] += w[(c_out, slice(None), *j)] @ xp[(slice(None), *position)]
    return out


def placements(length, k_hat, s):
    """Count the positions where a kernel of size k_hat fits, stepping by s."""
    return sum(1 for start in range(0, length, s) if start + k_hat <= length)


# --- hypothesis strategies --------------------------------------------------------------------


@st.composite
def conv_case(draw, nd, max_channels=2, max_size=7):
    """A direct convolution that fits: arrays of small ints and per-side padding."""
    c_in = draw(st.integers(1, max_channels))
    c_out = draw(st.integers(1, max_channels))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    s = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    d = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    pads = [(draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(nd)]
    k_hat = [(kk - 1) * dd + 1 for kk, dd in zip(k, d)]
    i = tuple(draw(st.integers(max(1, kh - b - a), max_size)) for kh, (b, a) in zip(k_hat, pads))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-5, 6, size=(c_in, *i))
    w = rng.integers(-5, 6, size=(c_out, c_in, *k))
    return x, w, s, pads, d


@st.composite
def transposed_case(draw, nd, max_channels=2, kinds=("int", "pairs", "same", "valid", "full")):
    """A transposed convolution: input, weight (C_in, C_out, k...) and keyword arguments."""
    c_in = draw(st.integers(1, max_channels))
    c_out = draw(st.integers(1, max_channels))
    i = tuple(draw(st.integers(1, 4)) for _ in range(nd))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    s = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    d = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    kind = draw(st.sampled_from(kinds))
    if kind in ("same", "valid"):
        padding, output_padding = kind, 0
    else:
        if kind == "int":
            padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
        elif kind == "pairs":
            padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(nd))
        else:
            padding = "full"
        output_padding = tuple(draw(st.integers(0, max(ss, dd) - 1)) for ss, dd in zip(s, d))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.integers(-5, 6, size=(c_in, *i))
    w = rng.integers(-5, 6, size=(c_in, c_out, *k))
    kwargs = dict(stride=s, padding=padding, output_padding=output_padding, dilation=d)
    return y, w, kwargs


CONV = {1: conv1d, 2: conv2d}
CONV_T = {1: conv_transpose1d, 2: conv_transpose2d}


# --- direct convolution -----------------------------------------------------------------------


def test_conv2d_reproduces_figure_1_1():
    expected = np.array([[12, 12, 17], [10, 17, 19], [9, 6, 14]])
    np.testing.assert_array_equal(conv2d(FIGURE_INPUT, FIGURE_KERNEL), expected)


def test_conv2d_reproduces_figure_1_2_padding_and_strides():
    expected = np.array([[6, 17, 3], [8, 17, 13], [6, 4, 4]])
    np.testing.assert_array_equal(conv2d(FIGURE_INPUT, FIGURE_KERNEL, stride=2, padding=1), expected)


def test_conv2d_stride_is_subsampling_of_unit_stride_figure_1_4():
    x = np.arange(25).reshape(5, 5)
    np.testing.assert_array_equal(conv2d(x, FIGURE_KERNEL, stride=2), conv2d(x, FIGURE_KERNEL)[::2, ::2])


def test_conv2d_multichannel_sums_over_input_channels_figure_1_3():
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, size=(2, 5, 5))
    w = rng.integers(-3, 4, size=(3, 2, 3, 3))
    out = conv2d(x, w)
    assert out.shape == (3, 3, 3)
    for c_out in range(3):
        expected = sum(conv2d(x[c_in], w[c_out, c_in]) for c_in in range(2))
        np.testing.assert_array_equal(out[c_out], expected)


def test_conv1d_values_and_bias():
    np.testing.assert_array_equal(conv1d([1, 2, 3, 4, 5], [1, 0, -1]), [-2, -2, -2])
    out = conv1d([[1, 2, 3, 4]], [[[1, 1]], [[1, -1]]], bias=[10, 20])
    np.testing.assert_array_equal(out, [[13, 15, 17], [19, 19, 19]])


def test_conv2d_bias_is_added_per_output_channel():
    x = np.ones((1, 3, 3))
    w = np.ones((2, 1, 2, 2))
    np.testing.assert_array_equal(conv2d(x, w, bias=np.array([1.0, -1.0])), [np.full((2, 2), 5.0), np.full((2, 2), 3.0)])


def test_shorthand_controls_the_channel_axis():
    x = np.arange(16).reshape(4, 4)
    assert conv2d(x, np.ones((2, 2))).shape == (3, 3)
    assert conv2d(x, np.ones((1, 1, 2, 2))).shape == (1, 3, 3)
    assert conv2d(x[None], np.ones((2, 2))).shape == (1, 3, 3)
    assert conv1d(np.arange(5), np.ones(2)).shape == (4,)
    assert conv_transpose2d(x, np.ones((2, 2))).shape == (5, 5)
    assert conv_transpose2d(x, np.ones((1, 3, 2, 2))).shape == (3, 5, 5)


@pytest.mark.parametrize(
    "x, w, dtype",
    [
        ([[1, 2], [3, 4]], [[1]], np.int64),
        (np.ones((3, 3), dtype=np.int8), np.ones((2, 2), dtype=np.int8), np.int64),
        (np.ones((3, 3), dtype=np.float32), np.ones((2, 2), dtype=np.float32), np.float32),
        (np.ones((3, 3)), np.ones((2, 2), dtype=int), np.float64),
        (np.ones((3, 3), dtype=complex), np.ones((2, 2)), np.complex128),
    ],
)
def test_result_dtype(x, w, dtype):
    assert conv2d(x, w).dtype == dtype
    for method in METHODS:
        assert conv_transpose2d(x, w, method=method).dtype == dtype


def test_small_integers_do_not_overflow():
    x = np.full((1, 4), 100, dtype=np.int8)
    np.testing.assert_array_equal(conv1d(x, np.full((1, 1, 4), 100, dtype=np.int8)), [[40000]])


@pytest.mark.parametrize("i, k, s, d", [(5, 3, 1, 1), (5, 3, 2, 1), (6, 3, 2, 1), (7, 2, 3, 1), (7, 3, 2, 2), (1, 4, 2, 1)])
def test_same_padding_follows_tensorflow(i, k, s, d):
    x = np.arange(1, i + 1)
    out = conv1d(x, np.ones(k, dtype=int), stride=s, padding="same", dilation=d)
    assert out.shape == (-(-i // s),)
    k_hat = (k - 1) * d + 1
    total = max((-(-i // s) - 1) * s + k_hat - i, 0)
    explicit = conv1d(x, np.ones(k, dtype=int), stride=s, padding=((total // 2, total - total // 2),), dilation=d)
    np.testing.assert_array_equal(out, explicit)


def test_padding_strings_valid_full_and_case():
    x = np.arange(25).reshape(5, 5)
    np.testing.assert_array_equal(conv2d(x, FIGURE_KERNEL, padding="valid"), conv2d(x, FIGURE_KERNEL))
    np.testing.assert_array_equal(conv2d(x, FIGURE_KERNEL, padding="full"), conv2d(x, FIGURE_KERNEL, padding=2))
    np.testing.assert_array_equal(conv2d(x, FIGURE_KERNEL, padding="SAME"), conv2d(x, FIGURE_KERNEL, padding="same"))
    assert conv2d(x, FIGURE_KERNEL, padding="full", dilation=2).shape == (9, 9)  # i + k̂ - 1


def test_same_padding_puts_the_odd_unit_at_the_end():
    # k=2, s=1: one unit of padding in total, at the end
    np.testing.assert_array_equal(conv1d([1, 2, 3], [1, 1], padding="same"), [3, 5, 3])


def test_per_side_padding_equals_explicit_zero_padding():
    x = np.arange(20).reshape(4, 5)
    padded = np.pad(x, ((1, 0), (2, 3)))
    np.testing.assert_array_equal(conv2d(x, FIGURE_KERNEL, padding=((1, 0), (2, 3))), conv2d(padded, FIGURE_KERNEL))
    np.testing.assert_array_equal(conv2d(x, FIGURE_KERNEL, padding=[[1, 0], [2, 3]]), conv2d(padded, FIGURE_KERNEL))


def test_per_axis_stride_padding_dilation():
    rng = np.random.default_rng(1)
    x = rng.integers(-5, 6, size=(2, 7, 8))
    w = rng.integers(-5, 6, size=(3, 2, 2, 3))
    out = conv2d(x, w, stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    np.testing.assert_array_equal(out, naive_conv(x, w, (2, 1), [(1, 1), (0, 0)], (1, 2)))


def test_dilation_figure_5_1():
    x = np.arange(49).reshape(7, 7)
    out = conv2d(x, np.ones((3, 3), dtype=int), dilation=2)
    assert out.shape == (3, 3)
    assert out[0, 0] == x[::2, ::2][:3, :3].sum()


@settings(max_examples=60, deadline=None)
@given(case=conv_case(nd=2))
def test_conv2d_equals_brute_force(case):
    x, w, s, pads, d = case
    np.testing.assert_array_equal(conv2d(x, w, stride=s, padding=pads, dilation=d), naive_conv(x, w, s, pads, d))


@settings(max_examples=60, deadline=None)
@given(case=conv_case(nd=1, max_size=10))
def test_conv1d_equals_brute_force(case):
    x, w, s, pads, d = case
    np.testing.assert_array_equal(conv1d(x, w, stride=s, padding=pads, dilation=d), naive_conv(x, w, s, pads, d))


@settings(max_examples=100, deadline=None)
@given(
    i=st.integers(1, 12), k=st.integers(1, 5), s=st.integers(1, 4), p=st.integers(0, 3), d=st.integers(1, 3),
    extra=st.integers(0, 2),
)
def test_output_size_equals_count_of_kernel_placements(i, k, s, p, d, extra):
    k_hat = (k - 1) * d + 1
    assume(k_hat <= i + 2 * p + extra)
    out = conv1d(np.ones(i), np.ones(k), stride=s, padding=((p, p + extra),), dilation=d)
    assert out.shape == (placements(i + 2 * p + extra, k_hat, s),)
    if extra == 0:
        assert out.shape == (arithmetic.conv_output_size(i, k, s, p, d),)


# --- transposed convolution -------------------------------------------------------------------


def test_tensorflow_same_example_from_the_qa():
    expected = [[1, 1, 3, 2], [1, 1, 3, 2], [4, 4, 10, 6], [3, 3, 7, 4]]
    for method in METHODS:
        out = conv_transpose2d([[1, 2], [3, 4]], np.ones((3, 3)), stride=2, padding="same", method=method)
        np.testing.assert_array_equal(out, expected)


def test_scatter_adds_a_weighted_kernel_copy_per_input_unit():
    out = conv_transpose1d([1, 10], [1, 2, 3], stride=2)
    np.testing.assert_array_equal(out, [1, 2, 3 + 10, 20, 30])
    out = conv_transpose1d([1, 10], [1, 2, 3], stride=1, dilation=2)
    np.testing.assert_array_equal(out, [1, 10, 2, 20, 3, 30])


def test_padding_crops_and_output_padding_extends():
    full = conv_transpose1d([1, 10], [1, 2, 3], stride=2)
    np.testing.assert_array_equal(conv_transpose1d([1, 10], [1, 2, 3], stride=2, padding=1), full[1:-1])
    np.testing.assert_array_equal(
        conv_transpose1d([1, 10], [1, 2, 3], stride=2, padding=1, output_padding=1), full[1:]
    )
    np.testing.assert_array_equal(conv_transpose1d([1, 10], [1, 2, 3], stride=2, padding=((0, 2),)), full[:-2])


@pytest.mark.parametrize("method", METHODS)
def test_output_padding_beyond_the_scatter_is_zero(method):
    # d=3 > s=1 allows output_padding 2: those units receive no contribution
    out = conv_transpose1d([1, 2], [1, 1], dilation=3, output_padding=2, method=method)
    np.testing.assert_array_equal(out, [1, 2, 0, 1, 2, 0, 0])
    out = conv_transpose1d([[1, 2]], [[[1, 1]]], bias=[5], dilation=3, output_padding=2, method=method)
    np.testing.assert_array_equal(out, [[6, 7, 5, 6, 7, 5, 5]])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("i, k, s, d", [(3, 3, 2, 1), (2, 3, 2, 1), (3, 1, 3, 1), (2, 2, 4, 1), (3, 3, 2, 2), (4, 4, 2, 1)])
def test_transposed_padding_strings(method, i, k, s, d):
    y = np.arange(1, i + 1)
    w = np.arange(1, k + 1)
    k_hat = (k - 1) * d + 1
    full = conv_transpose1d(y, w, stride=s, dilation=d)
    assert full.shape == ((i - 1) * s + k_hat,)
    same = conv_transpose1d(y, w, stride=s, padding="same", dilation=d, method=method)
    valid = conv_transpose1d(y, w, stride=s, padding="valid", dilation=d, method=method)
    assert same.shape == (i * s,)
    assert valid.shape == (i * s + max(k_hat - s, 0),)
    if k_hat >= s:
        before = (k_hat - s) // 2
        np.testing.assert_array_equal(same, full[before : before + i * s])
        np.testing.assert_array_equal(valid, full)
    else:  # the full result, extended with zeros at the end
        np.testing.assert_array_equal(same, np.concatenate([full, np.zeros(s - k_hat, dtype=int)]))
        np.testing.assert_array_equal(valid, same)
    if (i - 1) * s - k_hat + 2 >= 1:
        out = conv_transpose1d(y, w, stride=s, padding="full", dilation=d, method=method)
        np.testing.assert_array_equal(out, conv_transpose1d(y, w, stride=s, padding=k_hat - 1, dilation=d))


def test_transposed_same_is_the_adjoint_of_same_when_s_divides_i():
    rng = np.random.default_rng(2)
    x = rng.integers(-5, 6, size=(6, 8))
    w = rng.integers(-5, 6, size=(3, 3))
    y = rng.integers(-5, 6, size=(3, 4))
    forward = conv2d(x, w, stride=2, padding="same")
    backward = conv_transpose2d(y, w, stride=2, padding="same")
    assert forward.shape == y.shape and backward.shape == x.shape
    assert np.sum(forward * y) == np.sum(x * backward)


@pytest.mark.parametrize(
    "figure, i, k, s, p",
    [("4.1", 4, 3, 1, 0), ("4.2", 5, 4, 1, 2), ("4.3", 5, 3, 1, 1), ("4.4", 5, 3, 1, 2),
     ("4.5", 5, 3, 2, 0), ("4.6", 5, 3, 2, 1), ("4.7", 6, 3, 2, 1)],
)
def test_relationship_14_emulation_of_the_guides_figures(figure, i, k, s, p):
    """Stretch, pad by p' (+ a at the bottom/right), convolve with the rotated kernel."""
    eq = arithmetic.transposed_equivalent(i, k, s, p)
    rng = np.random.default_rng(3)
    y = rng.integers(-5, 6, size=(eq.i_prime, eq.i_prime))
    w = rng.integers(-5, 6, size=(k, k))
    stretched = np.zeros((eq.i_stretched, eq.i_stretched), dtype=int)
    stretched[::s, ::s] = y
    emulated = conv2d(np.pad(stretched, ((eq.p_prime, eq.p_prime + eq.a),) * 2), w[::-1, ::-1])
    assert emulated.shape == (i, i)
    for method in METHODS:
        out = conv_transpose2d(y, w, stride=s, padding=p, output_padding=eq.a, method=method)
        np.testing.assert_array_equal(out, emulated)


def test_the_kernel_must_be_rotated_for_the_emulation():
    eq = arithmetic.transposed_equivalent(5, 3, 2, 1)
    y = np.arange(1, 10).reshape(3, 3)
    stretched = np.zeros((5, 5), dtype=int)
    stretched[::2, ::2] = y
    unrotated = conv2d(np.pad(stretched, eq.p_prime), FIGURE_KERNEL)
    assert not np.array_equal(unrotated, conv_transpose2d(y, FIGURE_KERNEL, stride=2, padding=1))


@settings(max_examples=80, deadline=None)
@given(case=transposed_case(nd=2))
def test_transposed_methods_agree_2d(case):
    y, w, kwargs = case
    try:
        reference = conv_transpose2d(y, w, **kwargs, method="scatter")
    except ValueError:
        for method in ("equivalent", "matrix"):
            with pytest.raises(ValueError):
                conv_transpose2d(y, w, **kwargs, method=method)
        return
    for method in ("equivalent", "matrix"):
        np.testing.assert_array_equal(conv_transpose2d(y, w, **kwargs, method=method), reference)


@settings(max_examples=80, deadline=None)
@given(case=transposed_case(nd=1, max_channels=3))
def test_transposed_methods_agree_1d(case):
    y, w, kwargs = case
    try:
        reference = conv_transpose1d(y, w, **kwargs, method="scatter")
    except ValueError:
        return
    bias = np.arange(w.shape[1])
    for method in METHODS:
        np.testing.assert_array_equal(conv_transpose1d(y, w, **kwargs, method=method), reference)
        np.testing.assert_array_equal(
            conv_transpose1d(y, w, bias, **kwargs, method=method), reference + bias[:, None]
        )


@settings(max_examples=80, deadline=None)
@given(case=transposed_case(nd=2, kinds=("int",)))
def test_transposed_output_size_matches_arithmetic(case):
    y, w, kwargs = case
    try:
        out = conv_transpose2d(y, w, **kwargs)
    except ValueError:
        with pytest.raises(ValueError):
            for axis in range(2):
                arithmetic.transposed_output_size(
                    y.shape[1 + axis], w.shape[2 + axis], kwargs["stride"][axis], kwargs["padding"][axis],
                    kwargs["dilation"][axis], kwargs["output_padding"][axis],
                )
        return
    for axis in range(2):
        assert out.shape[1 + axis] == arithmetic.transposed_output_size(
            y.shape[1 + axis], w.shape[2 + axis], kwargs["stride"][axis], kwargs["padding"][axis],
            kwargs["dilation"][axis], kwargs["output_padding"][axis],
        )


@pytest.mark.parametrize("nd", [1, 2])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_conv_transpose_is_the_adjoint_of_conv(nd, data):
    """<conv(x), y> == <x, conv_transpose(y)>, with output_padding a = (i + b + a' - k̂) mod s."""
    x, w, s, pads, d = data.draw(conv_case(nd=nd))
    forward = CONV[nd](x, w, stride=s, padding=pads, dilation=d)
    y = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))).integers(-5, 6, size=forward.shape)
    k_hat = [(k - 1) * dd + 1 for k, dd in zip(w.shape[2:], d)]
    a = tuple((i + b + e - kh) % ss for i, (b, e), kh, ss in zip(x.shape[1:], pads, k_hat, s))
    for method in METHODS:
        backward = CONV_T[nd](y, w, stride=s, padding=pads, output_padding=a, dilation=d, method=method)
        assert backward.shape == x.shape
        assert np.sum(forward * y) == np.sum(x * backward)


@pytest.mark.parametrize("method", METHODS)
def test_transposed_complex_and_float32(method):
    y = (np.arange(6) + 1j).reshape(2, 3)
    out = conv_transpose2d(y, np.ones((2, 2)), stride=2, method=method)
    np.testing.assert_array_equal(out, conv_transpose2d(y.real, np.ones((2, 2)), stride=2) + 1j * conv_transpose2d(y.imag, np.ones((2, 2)), stride=2))
    assert conv_transpose2d(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32), method=method).dtype == np.float32


# --- pooling ----------------------------------------------------------------------------------


def test_pooling_figures_1_5_and_1_6():
    np.testing.assert_allclose(
        avg_pool2d(FIGURE_INPUT, 3, 1),
        [[15 / 9, 15 / 9, 15 / 9], [9 / 9, 11 / 9, 16 / 9], [10 / 9, 7 / 9, 12 / 9]],
    )
    np.testing.assert_array_equal(max_pool2d(FIGURE_INPUT, 3, 1), [[3, 3, 3], [3, 3, 3], [3, 2, 3]])


def test_max_pool_indices_are_flat_per_channel_and_ties_go_to_the_first():
    x = np.array([[[1, 1, 0], [1, 1, 0], [2, 2, 2]], [[0, 0, 0], [0, 0, 0], [0, 0, 9]]])
    values, indices = max_pool2d(x, 2, 1, return_indices=True)
    np.testing.assert_array_equal(values, [[[1, 1], [2, 2]], [[0, 0], [0, 9]]])
    np.testing.assert_array_equal(indices, [[[0, 1], [6, 7]], [[0, 1], [3, 8]]])
    assert indices.dtype == np.int64


def test_max_pool_nan_wins_like_torch_cpu():
    x = np.array([[1.0, np.nan], [np.nan, 5.0]])
    values, indices = max_pool2d(x, 2, return_indices=True)
    assert np.isnan(values[0, 0])
    assert indices[0, 0] == 2  # the last NaN in window order, as PyTorch's CPU kernel gives


def test_pool_stride_defaults_to_kernel_and_shapes():
    x = np.arange(2 * 7 * 6).reshape(2, 7, 6)
    assert max_pool2d(x, (3, 2)).shape == (2, 2, 3)
    assert avg_pool2d(x, (3, 2), (1, 2)).shape == (2, 5, 3)
    assert avg_pool2d(x, 2).dtype == np.float64
    assert avg_pool2d(x.astype(np.float32), 2).dtype == np.float32
    assert max_pool2d(x.astype(np.float32), 2).dtype == np.float32


@settings(max_examples=60, deadline=None)
@given(
    h=st.integers(1, 7), w=st.integers(1, 7), k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    s=st.tuples(st.integers(1, 3), st.integers(1, 3)), seed=st.integers(0, 2**32 - 1),
)
def test_pooling_equals_brute_force(h, w, k, s, seed):
    assume(k[0] <= h and k[1] <= w)
    x = np.random.default_rng(seed).integers(-3, 4, size=(2, h, w))
    values, indices = max_pool2d(x, k, s, return_indices=True)
    averages = avg_pool2d(x, k, s)
    assert values.shape[1:] == (placements(h, k[0], s[0]), placements(w, k[1], s[1]))
    for c, t0, t1 in np.ndindex(*values.shape):
        window = x[c, t0 * s[0] : t0 * s[0] + k[0], t1 * s[1] : t1 * s[1] + k[1]]
        first = np.argmax(window)  # numpy's argmax also returns the first maximum
        row, col = t0 * s[0] + first // k[1], t1 * s[1] + first % k[1]
        assert values[c, t0, t1] == window.max()
        assert indices[c, t0, t1] == row * w + col
        assert averages[c, t0, t1] == pytest.approx(window.mean())


def test_max_unpool_places_values_at_the_switches():
    x = np.array([[1, 5, 2, 0], [3, 4, 6, 6], [0, 0, 1, 2], [7, 0, 3, 4]])
    values, indices = max_pool2d(x, 2, return_indices=True)
    expected = np.where(np.isin(np.arange(16).reshape(4, 4), indices), x, 0)
    np.testing.assert_array_equal(max_unpool2d(values, indices, 2), expected)
    out = max_unpool2d(values[None], indices[None], 2, output_size=(5, 5))
    assert out.shape == (1, 5, 5)
    assert out.sum() == values.sum()


def test_max_unpool_default_and_odd_sizes():
    x = np.arange(25.0).reshape(5, 5)
    values, indices = max_pool2d(x, 2, return_indices=True)  # 2x2 from a 5x5 input
    # the switches index a 5-wide grid: the default 4x4 output cannot hold them
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 16\)"):
        max_unpool2d(values, indices, 2)
    restored = max_unpool2d(values, indices, 2, output_size=[5, 5])
    assert restored.shape == (5, 5)
    np.testing.assert_array_equal(restored[[1, 1, 3, 3], [1, 3, 1, 3]], [6, 8, 16, 18])


@settings(max_examples=50, deadline=None)
@given(h=st.integers(2, 8), w=st.integers(2, 8), k=st.integers(1, 3), extra=st.integers(0, 2), seed=st.integers(0, 2**32 - 1))
def test_max_unpool_is_the_transpose_of_the_max_pool_selection(h, w, k, extra, seed):
    """Without overlap (s >= k): <P x, y> == <x, Pᵀ y> where P x = max_pool2d(x)."""
    assume(k <= min(h, w))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, h, w))
    s = k + extra
    values, indices = max_pool2d(x, k, s, return_indices=True)
    y = rng.standard_normal(values.shape)
    back = max_unpool2d(y, indices, k, s, output_size=(h, w))
    assert np.sum(values * y) == pytest.approx(np.sum(x * back))


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: conv2d(np.ones((2, 5, 5)), np.ones((4, 3, 3, 3))), ValueError, r"weight has C_in=3 .* input has 2 channels"),
        (lambda: conv_transpose2d(np.ones((2, 5, 5)), np.ones((3, 4, 3, 3))), ValueError, r"weight has C_in=3 .*\(C_in, C_out, kH, kW\).* input has 2 channels"),
        (lambda: conv2d(np.ones(5), np.ones((3, 3))), ValueError, r"input must have shape \(H, W\) or \(C, H, W\), got 1-D shape \(5,\)"),
        (lambda: conv1d(np.ones((1, 1, 5)), np.ones(3)), ValueError, r"input must have shape \(L,\) or \(C, L\)"),
        (lambda: conv2d(np.ones((5, 5)), np.ones((1, 3, 3))), ValueError, r"weight must have shape \(kH, kW\) or \(C_out, C_in, kH, kW\), got 3-D"),
        (lambda: conv2d(np.ones((5, 0)), np.ones((3, 3))), ValueError, r"input must not have an empty axis"),
        (lambda: conv2d(np.ones((5, 5)), np.ones((0, 3))), ValueError, r"weight must not have an empty axis"),
        (lambda: conv2d(np.ones((5, 5)), np.ones((6, 3))), ValueError, r"kernel size k = 6 must not exceed the padded input size i \+ 2p = 5 .*\(spatial axis 0\)"),
        (lambda: conv1d(np.ones(5), np.ones(3), dilation=3), ValueError, r"effective kernel size k \+ \(k-1\)\(d-1\) = 7 must not exceed"),
        (lambda: conv1d(np.ones(3), np.ones(5), padding=((1, 0),)), ValueError, r"kernel of effective size 5 must not exceed the padded input size i \+ before \+ after = 4"),
        (lambda: conv2d([[1, 2], [3]], [[1]]), ValueError, r"input must be a rectangular array of numbers"),
        (lambda: conv2d([["a", "b"]], [[1]]), TypeError, r"input must hold integer, float or complex numbers, got an array of dtype <U1"),
        (lambda: conv2d(np.ones((3, 3), dtype=bool), [[1]]), TypeError, r"input must hold .* dtype bool"),
        (lambda: conv2d(np.ones((3, 3)), [[None]]), TypeError, r"weight must hold .* dtype object"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], bias=[1, 2]), ValueError, r"bias must have shape \(C_out,\) = \(1,\), got shape \(2,\)"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], bias="x"), TypeError, r"bias must hold"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], stride=0), ValueError, r"stride must be >= 1, got 0"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], stride=1.0), TypeError, r"stride must be an integer or a sequence of 2 integers, got float 1.0"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], stride=(1, True)), TypeError, r"stride\[1\] must be an integer, got bool True"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], dilation=(1, 2, 3)), ValueError, r"dilation must be an integer or a sequence of 2 integers"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], padding=-1), ValueError, r"padding must be >= 0, got -1"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], padding="half"), ValueError, r"padding must be an integer, a tuple or one of \('valid', 'same', 'full'\), got 'half'"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], padding=1.5), TypeError, r"padding must be an integer, a sequence of 2 integers, a sequence of 2 \(before, after\) pairs"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], padding=((1, 1),)), ValueError, r"padding given per side must have one \(before, after\) pair per axis \(2\)"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], padding=((1, 1), 2)), ValueError, r"padding\[1\] must be a \(before, after\) pair of integers, got int 2"),
        (lambda: conv2d(np.ones((3, 3)), [[1]], padding=((1, 1), (0, -2))), ValueError, r"padding\[1\]\[1\] must be >= 0, got -2"),
        (lambda: conv_transpose1d([1, 2], [1, 1], stride=2, output_padding=2), ValueError, r"a \(output_padding\) must satisfy 0 <= a < max\(s, d\) = 2, got 2"),
        (lambda: conv_transpose2d(np.ones((2, 2)), np.ones((3, 3)), output_padding=(0, 1)), ValueError, r"output_padding.*max\(s, d\) = 1, got 1 \(spatial axis 1\)"),
        (lambda: conv_transpose1d([1, 2], [1, 1], output_padding=-1), ValueError, r"output_padding must be >= 0, got -1"),
        (lambda: conv_transpose1d([1, 2], [1, 1], stride=2, padding="same", output_padding=1), ValueError, r"output_padding must be 0 with padding='same', got \(1,\)"),
        (lambda: conv_transpose1d([1, 2], [1, 1, 1], padding=3), ValueError, r"transposed output size .* must be >= 1"),
        (lambda: conv_transpose1d([1, 2], [1, 1, 1], padding=((3, 2),)), ValueError, r"padding \(3, 2\) crops the whole transposed output"),
        (lambda: conv_transpose1d([1, 2, 3], [1, 1, 1, 1], stride=1, padding="full"), ValueError, r"transposed output size .* must be >= 1"),
        (lambda: conv_transpose1d([1, 2], [1, 1], method="fft"), ValueError, r"method must be one of \('scatter', 'equivalent', 'matrix'\), got 'fft'"),
        (lambda: conv_transpose1d([1, 2], [1, 1], method=None), TypeError, r"method must be one of .* got NoneType None"),
        (lambda: max_pool2d(np.ones((3, 3)), 4), ValueError, r"pooling window k = 4 must not exceed the input size i = 3 \(spatial axis 0\)"),
        (lambda: max_pool2d(np.ones((3, 3)), 0), ValueError, r"kernel_size must be >= 1, got 0"),
        (lambda: max_pool2d(np.ones((3, 3)), 2, 0), ValueError, r"stride must be >= 1, got 0"),
        (lambda: max_pool2d(np.ones((3, 3)), 2, return_indices=1), TypeError, r"return_indices must be a bool, got int 1"),
        (lambda: max_pool2d(np.ones((3, 3), dtype=complex), 2), TypeError, r"input must hold integer or float numbers, got an array of dtype complex128"),
        (lambda: max_pool2d(np.ones(3), 2), ValueError, r"input must have shape \(H, W\) or \(C, H, W\), got 1-D"),
        (lambda: avg_pool2d(np.ones((3, 3)), (2, 2, 2)), ValueError, r"kernel_size must be an integer or a sequence of 2 integers"),
        (lambda: avg_pool2d(np.ones((3, 3)), 2.0), TypeError, r"kernel_size must be an integer or a sequence of 2 integers, got float 2.0"),
        (lambda: max_unpool2d(np.ones((2, 2)), np.zeros((2, 3), int), 2), ValueError, r"indices must have the shape of input \(2, 2\), got \(2, 3\)"),
        (lambda: max_unpool2d(np.ones((2, 2)), np.zeros((2, 2)), 2), TypeError, r"indices must hold integer numbers, got an array of dtype float64"),
        (lambda: max_unpool2d(np.ones((2, 2)), np.full((2, 2), 16), 2), ValueError, r"indices must lie in \[0, 16\) for an output of size \(4, 4\), got 16"),
        (lambda: max_unpool2d(np.ones((2, 2)), np.full((2, 2), -1), 2), ValueError, r"indices must lie in \[0, 16\) .* got -1"),
        (lambda: max_unpool2d(np.ones((2, 2)), np.zeros((2, 2), int), 2, output_size=(6, 4)), ValueError, r"output_size\[0\] must be between 3 and 5 \(default 4 ± \(stride - 1\)\), got 6"),
        (lambda: max_unpool2d(np.ones((2, 2)), np.zeros((2, 2), int), 2, output_size=4), TypeError, r"output_size must be a sequence of 2 integers \(H, W\), got int 4"),
        (lambda: max_unpool2d(np.ones((2, 2)), np.zeros((2, 2), int), 2, output_size=(4, 4, 4)), ValueError, r"output_size must be an integer or a sequence of 2 integers"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- random bad input -------------------------------------------------------------------------

ANYTHING = st.one_of(
    st.integers(-3, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=4),
    st.sampled_from(["same", "valid", "full", "SAME", "scatter", "matrix"]),
    st.lists(st.integers(-2, 4), max_size=3).map(tuple),
    st.lists(st.tuples(st.integers(-1, 3), st.integers(-1, 3)), max_size=3),
    st.lists(st.one_of(st.integers(-1, 3), st.text(max_size=1), st.none()), max_size=3),
)

ARRAYS = st.one_of(
    ANYTHING,
    st.builds(
        lambda shape, seed: np.random.default_rng(seed).integers(-3, 4, size=shape),
        st.lists(st.integers(0, 4), min_size=0, max_size=5).map(tuple),
        st.integers(0, 1000),
    ),
    st.lists(st.lists(st.integers(-2, 2), max_size=4), max_size=4),
)


def _raises_only_value_or_type_error(call):
    try:
        call()
    except (ValueError, TypeError) as err:
        assert str(err), f"empty message from {type(err).__name__}"


@settings(max_examples=300, deadline=None)
@given(
    function=st.sampled_from([conv1d, conv2d, conv_transpose1d, conv_transpose2d]),
    x=ARRAYS, w=ARRAYS, bias=st.one_of(st.none(), ARRAYS),
    stride=ANYTHING, padding=ANYTHING, dilation=ANYTHING, extra=st.dictionaries(
        st.sampled_from(["output_padding", "method"]), ANYTHING, max_size=2
    ),
)
def test_random_bad_input_to_convolutions(function, x, w, bias, stride, padding, dilation, extra):
    if function in (conv1d, conv2d):
        extra = {}
    _raises_only_value_or_type_error(
        lambda: function(x, w, bias, stride=stride, padding=padding, dilation=dilation, **extra)
    )


@settings(max_examples=200, deadline=None)
@given(
    x=ARRAYS, kernel=ANYTHING, stride=st.one_of(st.none(), ANYTHING), indices=ARRAYS,
    output_size=st.one_of(st.none(), ANYTHING), return_indices=ANYTHING,
)
def test_random_bad_input_to_pooling(x, kernel, stride, indices, output_size, return_indices):
    _raises_only_value_or_type_error(lambda: max_pool2d(x, kernel, stride, return_indices=return_indices))
    _raises_only_value_or_type_error(lambda: avg_pool2d(x, kernel, stride))
    _raises_only_value_or_type_error(lambda: max_unpool2d(x, indices, kernel, stride, output_size))


# --- pixel shuffle -----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(channels=st.integers(1, 3), r=st.integers(1, 3), height=st.integers(1, 4), width=st.integers(1, 4),
       order=st.sampled_from(["CRD", "DCR"]))
def test_pixel_shuffle_moves_each_unit_by_its_index_formula(channels, r, height, width, order):
    x = np.arange(channels * r * r * height * width).reshape(channels * r * r, height, width)
    y = numeric.pixel_shuffle(x, r, order=order)
    assert y.shape == (channels, height * r, width * r)
    for c in range(channels):
        for i in range(r):
            for j in range(r):
                source = c * r * r + i * r + j if order == "CRD" else (i * r + j) * channels + c
                assert np.array_equal(y[c, i::r, j::r], x[source])
    assert np.array_equal(numeric.pixel_unshuffle(y, r, order=order), x)


def test_pixel_shuffle_orders_agree_only_for_one_channel():
    one = np.arange(9 * 2 * 2).reshape(9, 2, 2)
    assert np.array_equal(numeric.pixel_shuffle(one, 3), numeric.pixel_shuffle(one, 3, order="DCR"))
    two = np.arange(8).reshape(8, 1, 1)
    assert not np.array_equal(numeric.pixel_shuffle(two, 2), numeric.pixel_shuffle(two, 2, order="DCR"))


def test_subpixel_convolution_equals_transposed_convolution():
    """s² phase convolutions stacked in CRD order and shuffled give conv_transpose2d (cropped)."""
    rng = np.random.default_rng(606)
    for _ in range(30):
        c_in, c_out, s = (int(v) for v in rng.integers(1, 4, 3))
        k, n = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        x = rng.integers(-3, 4, (c_in, n, n))
        w = rng.integers(-3, 4, (c_in, c_out, k, k))
        length = -(-k // s)
        weight = numeric.subpixel_weight(w, s)
        assert weight.shape == (c_out * s * s, c_in, length, length)
        y = numeric.pixel_shuffle(numeric.conv2d(x, weight, padding=length - 1), s)
        size = (n - 1) * s + k
        assert np.array_equal(y[:, :size, :size], numeric.conv_transpose2d(x, w, stride=s))
        assert not y[:, size:, :].any() and not y[:, :, size:].any()
        for p in range(k):
            for a in range(s):
                if (n - 1) * s + k - 2 * p + a >= 1 and a <= p + length * s - k:
                    out = numeric.conv_transpose2d(x, w, stride=s, padding=p, output_padding=a)
                    assert np.array_equal(y[:, p:p + out.shape[1], p:p + out.shape[2]], out)


def test_subpixel_weight_rejects_bad_input():
    with pytest.raises(ValueError):
        numeric.subpixel_weight(np.zeros((2, 2, 2)), 2)
    with pytest.raises(ValueError):
        numeric.subpixel_weight(np.zeros((2, 2)), 0)
    with pytest.raises(TypeError):
        numeric.subpixel_weight(np.zeros((2, 2)), 1.5)


@pytest.mark.parametrize("call, error", [
    (lambda: numeric.pixel_shuffle(np.zeros((3, 2, 2)), 2), ValueError),
    (lambda: numeric.pixel_shuffle(np.zeros((4, 2)), 2), ValueError),
    (lambda: numeric.pixel_shuffle(np.zeros((4, 2, 2)), 0), ValueError),
    (lambda: numeric.pixel_shuffle(np.zeros((4, 2, 2)), 2.0), TypeError),
    (lambda: numeric.pixel_shuffle(np.zeros((4, 2, 2)), 2, order="crd"), ValueError),
    (lambda: numeric.pixel_shuffle(np.zeros((4, 2, 2)), 2, order=1), TypeError),
    (lambda: numeric.pixel_shuffle(np.array([[["a"]]]), 1), TypeError),
    (lambda: numeric.pixel_unshuffle(np.zeros((1, 3, 4)), 2), ValueError),
])
def test_pixel_shuffle_rejects_bad_input(call, error):
    with pytest.raises(error):
        call()


# --- pooling with padding and ceil_mode -------------------------------------------------------


def brute_pool(x, k, s, p, ceil_mode, count_include_pad):
    """Loop over every output unit: its window in input coordinates, clipped to what exists.

    The output size comes from counting window starts one by one (a window starts inside the
    input or the left padding; floor mode needs it inside the padded input, ceil mode only
    needs the window before it not to reach the padded input's end).
    """
    def starts(i, k, s, p):
        kept = []
        for start in range(-p, i, s):  # input coordinates: padding lies before 0 and from i on
            if start + k <= i + p or (ceil_mode and (start == -p or start - s + k < i + p)):
                kept.append(start)
        return kept

    _, h, w = x.shape
    rows, cols = starts(h, k[0], s[0], p[0]), starts(w, k[1], s[1], p[1])
    values = np.zeros((x.shape[0], len(rows), len(cols)), dtype=x.dtype)
    indices = np.zeros(values.shape, dtype=np.int64)
    averages = np.zeros(values.shape)
    for c, (a, r0), (b, c0) in itertools.product(range(x.shape[0]), enumerate(rows), enumerate(cols)):
        r = [n for n in range(r0, r0 + k[0]) if 0 <= n < h]
        q = [n for n in range(c0, c0 + k[1]) if 0 <= n < w]
        window = x[c][np.ix_(r, q)]
        first = np.argmax(window)  # numpy's argmax returns the first maximum in row-major order
        values[c, a, b] = window.max()
        indices[c, a, b] = r[first // len(q)] * w + q[first % len(q)]
        if count_include_pad:
            # the window clipped to the padded input: padding counts, the part past it does not
            divisor = (min(r0 + k[0], h + p[0]) - r0) * (min(c0 + k[1], w + p[1]) - c0)
        else:
            divisor = window.size
        averages[c, a, b] = window.sum() / divisor
    return values, indices, averages


@settings(max_examples=200, deadline=None)
@given(
    h=st.integers(1, 8), w=st.integers(1, 8), k=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    s=st.tuples(st.integers(1, 3), st.integers(1, 3)), p=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    ceil_mode=st.booleans(), count_include_pad=st.booleans(), seed=st.integers(0, 2**32 - 1),
)
def test_padded_pooling_equals_brute_force(h, w, k, s, p, ceil_mode, count_include_pad, seed):
    assume(all(2 * pp <= kk for kk, pp in zip(k, p)) and k[0] <= h + 2 * p[0] and k[1] <= w + 2 * p[1])
    # negative values: a max that took a padding zero would show
    x = np.random.default_rng(seed).integers(-9, 0, size=(2, h, w))
    values, indices = max_pool2d(x, k, s, padding=p, ceil_mode=ceil_mode, return_indices=True)
    averages = avg_pool2d(x, k, s, padding=p, ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    want_values, want_indices, want_averages = brute_pool(x, k, s, p, ceil_mode, count_include_pad)
    assert values.shape == want_values.shape
    assert values.shape[1:] == tuple(arithmetic.pool_output_size(n, kk, ss, pp, ceil_mode)
                                     for n, kk, ss, pp in zip((h, w), k, s, p))
    np.testing.assert_array_equal(values, want_values)
    np.testing.assert_array_equal(indices, want_indices)
    np.testing.assert_allclose(averages, want_averages, rtol=1e-12)


def test_pooling_floor_and_ceil_examples():
    x = np.arange(36.0).reshape(6, 6)
    assert max_pool2d(x, 3, 2).shape == (2, 2)
    out = max_pool2d(x, 3, 2, ceil_mode=True)
    assert out.shape == (3, 3)
    assert out[2, 2] == 35  # the last window holds rows and columns 4, 5 only
    # clipped windows divide by what is inside (no padding here)
    assert avg_pool2d(x, 3, 2, ceil_mode=True)[2, 2] == pytest.approx(np.mean([28, 29, 34, 35]))
    # i = 5, k = 2, s = 2, p = 1, ceil: ⌈5/2⌉ + 1 = 4 windows would start at -1, 1, 3, 5 (in
    # input coordinates); the one at 5 starts in the right padding, so 3 remain
    assert max_pool2d(np.ones((5, 5)), 2, padding=1, ceil_mode=True).shape == (3, 3)
    # count_include_pad: the corner window of a padded 3x3 window sees 4 units of 9
    ones = np.ones((4, 4))
    assert avg_pool2d(ones, 3, 1, padding=1)[0, 0] == pytest.approx(4 / 9)
    assert avg_pool2d(ones, 3, 1, padding=1, count_include_pad=False)[0, 0] == 1
    assert avg_pool2d(ones, 3, 1, padding=1, divisor_override=2)[0, 0] == 2
    # with padding and ceil mode, the divisor counts the padding but not what runs past it
    y = avg_pool2d(np.ones((5, 5)), 3, 2, padding=1, ceil_mode=True)
    assert y.shape == (3, 3)
    np.testing.assert_allclose(y[0], [4 / 9, 6 / 9, 4 / 9])


def test_global_average_pooling_is_a_window_as_large_as_the_input():
    x = np.random.default_rng(3).standard_normal((3, 5, 7))
    out = numeric.global_avg_pool2d(x)
    assert out.shape == (3, 1, 1)
    np.testing.assert_allclose(out[:, 0, 0], x.mean(axis=(1, 2)))
    np.testing.assert_array_equal(out, avg_pool2d(x, (5, 7)))
    assert numeric.global_avg_pool2d(np.ones((2, 2))).shape == (1, 1)


@settings(max_examples=100, deadline=None)
@given(h=st.integers(2, 8), w=st.integers(2, 8), k=st.integers(1, 4), s=st.integers(1, 4), p=st.integers(0, 2),
       ceil_mode=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_max_unpool_inverts_padded_and_ceil_mode_switches(h, w, k, s, p, ceil_mode, seed):
    assume(2 * p <= k <= min(h, w) + 2 * p)
    rng = np.random.default_rng(seed)
    x = rng.permutation(2 * h * w).reshape(2, h, w).astype(float)  # distinct values: one switch each
    values, indices = max_pool2d(x, k, s, padding=p, ceil_mode=ceil_mode, return_indices=True)
    default = [(o - 1) * s - 2 * p + k for o in values.shape[1:]]
    assume(all(n - s < size < n + s for n, size in zip(default, (h, w))))  # PyTorch's allowed range
    back = max_unpool2d(values, indices, k, s, output_size=(h, w), padding=p)
    chosen = np.zeros_like(x, dtype=bool)
    for c in range(2):
        chosen[c].flat[indices[c].ravel()] = True
    np.testing.assert_array_equal(back, np.where(chosen, x, 0))
    if s < k:
        return  # overlapping windows may share a switch; unpooling writes it once, as PyTorch's does
    # without overlap, unpooling is the transpose of the selection: <P x, y> == <x, Pᵀ y>
    y = rng.standard_normal(values.shape)
    assert np.sum(values * y) == pytest.approx(np.sum(x * max_unpool2d(y, indices, k, s, output_size=(h, w), padding=p)))


@pytest.mark.parametrize("call, error, match", [
    (lambda: max_pool2d(np.ones((5, 5)), 3, padding=2), ValueError, r"p must satisfy 0 <= p <= k/2 = 1.5 .*got 2 \(spatial axis 0\)"),
    (lambda: max_pool2d(np.ones((5, 5)), 2, padding=(0, -1)), ValueError, r"padding\[1\] must be >= 0, got -1"),
    (lambda: max_pool2d(np.ones((2, 2)), 5, padding=1), ValueError, r"pooling window k = 5 must not exceed the padded input size i \+ 2p = 4"),
    (lambda: max_pool2d(np.ones((5, 5)), 2, ceil_mode=1), TypeError, r"ceil_mode must be a bool, got int 1"),
    (lambda: avg_pool2d(np.ones((5, 5)), 2, count_include_pad="no"), TypeError, r"count_include_pad must be a bool, got str 'no'"),
    (lambda: avg_pool2d(np.ones((5, 5)), 2, divisor_override=0), ValueError, r"divisor_override must be >= 1, got 0"),
    (lambda: numeric.global_avg_pool2d(np.ones(3)), ValueError, r"input must have shape \(H, W\) or \(C, H, W\)"),
    (lambda: max_unpool2d(np.ones((1, 1)), np.zeros((1, 1), dtype=int), 1, padding=1), ValueError, r"default output size .* must be >= 1"),
])
def test_padded_pooling_rejects_bad_parameters(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- pooling windows and receptive fields by counting ------------------------------------------


POOL_SETTINGS = [(i, k, s, p) for i in range(1, 16) for k in range(1, 6) for s in range(1, 5)
                 for p in range(k // 2 + 1) if k <= i + 2 * p]


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_windows_count_matches_pool_output_size(ceil_mode):
    for i, k, s, p in POOL_SETTINGS:
        windows = numeric.pool_windows(i, k, s, p, ceil_mode)
        assert len(windows) == arithmetic.pool_output_size(i, k, s, p, ceil_mode=ceil_mode)
        assert [start for start, _ in windows] == list(range(0, len(windows) * s, s))
        assert all(stop <= i + 2 * p and start < i + p for start, stop in windows)


def test_pool_windows_match_numeric_pooling():
    """The windows are those max_pool2d reads: pooling 1..i gives each window's largest unit."""
    for i, k, s, p in POOL_SETTINGS:
        row = np.arange(1, i + 1)[None]
        pooled = max_pool2d(row, (1, k), (1, s), padding=(0, p), ceil_mode=True)[0]
        expected = [max(n - p + 1 for n in range(start, stop) if 0 <= n - p < i)
                    for start, stop in numeric.pool_windows(i, k, s, p, ceil_mode=True)]
        assert pooled.tolist() == expected


def test_pool_padding_only_windows():
    assert numeric.pool_padding_only_windows(8, 3, 1, 2) == []
    assert numeric.pool_padding_only_windows(8, 3, 1, 3) == [(0, 3), (11, 14)]
    for i in range(1, 9):
        for k in range(1, 5):
            for s in (1, 2, 3):
                for p in range(2 * k):
                    if k > i + 2 * p:
                        continue
                    found = numeric.pool_padding_only_windows(i, k, s, p)
                    reads = [set(range(a, b)) & set(range(p, p + i)) for a, b in numeric.pool_windows(i, k, s, p)]
                    assert found == [w for w, r in zip(numeric.pool_windows(i, k, s, p), reads) if not r]
                    assert bool(found) == (p >= k)
    with pytest.raises(ValueError, match="k"):
        numeric.pool_padding_only_windows(3, 0)
    with pytest.raises(TypeError):
        numeric.pool_padding_only_windows(3.0, 2)


def test_pool_unread_units():
    assert numeric.pool_unread_units(6, 3, 2) == [5] == arithmetic.unread_positions(6, 3, 2)
    for i, k, s, p in POOL_SETTINGS:
        if p == 0:   # unread_positions also lists padding positions
            assert numeric.pool_unread_units(i, k, s) == arithmetic.unread_positions(i, k, s)
        assert not numeric.pool_unread_units(i, k, s, p, ceil_mode=True) or k < s


@pytest.mark.parametrize("args, error", [
    ((0, 1, 1), ValueError), ((3, 4, 1), ValueError), ((3, 2, 0), ValueError), ((3, 2, 1, -1), ValueError),
    ((3.0, 2, 1), TypeError), ((3, 2, 1, 0, 1), TypeError),
])
def test_pool_windows_errors(args, error):
    with pytest.raises(error):
        numeric.pool_windows(*args)


def test_receptive_field_by_impulses_matches_the_recurrence():
    from course_lib import connectivity

    layer_kinds = [(k, s, 0) for k in range(1, 5) for s in range(1, 4)]
    for depth in (1, 2):
        for stack in itertools.product(layer_kinds, repeat=depth):
            field = numeric.receptive_field_by_impulses(list(stack), n_in=60)
            ks, ss = [k for k, _, _ in stack], [s for _, s, _ in stack]
            assert field[-1] - field[0] + 1 == connectivity.stack_receptive_field(ks, strides=ss)
            reached = np.flatnonzero(connectivity.reached_units(ks, strides=ss)).tolist()
            assert [n - field[0] for n in field] == reached
            assert (len(field) < field[-1] - field[0] + 1) == bool(numeric.gap_layers(list(stack)))


def test_receptive_field_by_impulses_padding_and_unit():
    assert numeric.receptive_field_by_impulses([(3, 1, 1)] * 3, unit=0) == [0, 1, 2, 3]
    assert len(numeric.receptive_field_by_impulses([(8, 4, 0), (4, 2, 0)])) == 20


@pytest.mark.parametrize("stack, kwargs, error", [
    ([], {}, ValueError), ("3,1,0", {}, TypeError), ([(3, 1)], {}, TypeError), ([(0, 1, 0)], {}, ValueError),
    ([(3, 1, 0)], {"unit": 999}, ValueError), ([(3, 1, 0)], {"n_in": 2}, ValueError),
    ([(3, 1, 0)], {"n_in": 2.0}, TypeError),
])
def test_receptive_field_by_impulses_errors(stack, kwargs, error):
    with pytest.raises(error):
        numeric.receptive_field_by_impulses(stack, **kwargs)


def test_gap_layers_errors():
    with pytest.raises(ValueError):
        numeric.gap_layers([])
    with pytest.raises(TypeError):
        numeric.gap_layers([(2, 1.5, 0)])
