"""Tests of course_lib.symbolic: the convolution matrix C, its transpose, and their errors."""

from __future__ import annotations


import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import arithmetic, connectivity, numeric
from course_lib.symbolic import (
    ConvMatrixPattern,
    conv_matrix,
    conv_matrix_pattern,
    kernel_symbols,
    transposed_conv_matrix,
)


def to_numpy(matrix: sympy.SparseMatrix) -> np.ndarray:
    """A SymPy matrix of integers as an int64 array (via its nonzeros only)."""
    dense = np.zeros(matrix.shape, dtype=np.int64)
    for (r, c), value in matrix.todok().items():
        dense[r, c] = int(value)
    return dense


def w(a, b=None):
    return sympy.Symbol(f"w_{{{a}}}" if b is None else f"w_{{{a},{b}}}")


@st.composite
def conv_case(draw, max_size=6):
    """A 1-D or 2-D single-channel convolution that fits; padding int, per-side or string."""
    nd = draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    s = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    d = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    kind = draw(st.sampled_from(["int", "pairs", "same", "valid", "full"]))
    if kind == "int":
        padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
        pads = [(p, p) for p in padding]
    elif kind == "pairs":
        pads = padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(nd))
    else:
        padding, pads = kind, None
    k_hat = [(kk - 1) * dd + 1 for kk, dd in zip(k, d)]
    if pads is None or kind == "valid":
        low = k_hat if kind == "valid" else [1] * nd
    else:
        low = [max(1, kh - b - a) for kh, (b, a) in zip(k_hat, pads)]
    i = tuple(draw(st.integers(lo, max(lo, max_size))) for lo in low)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kernel = rng.integers(-5, 6, size=k)
    x = rng.integers(-5, 6, size=i)
    return x, kernel, s, padding, d


CONV = {1: numeric.conv1d, 2: numeric.conv2d}
CONV_T = {1: numeric.conv_transpose1d, 2: numeric.conv_transpose2d}


# --- kernel_symbols ---------------------------------------------------------------------------


def test_kernel_symbols_2d():
    K = kernel_symbols((2, 3))
    assert isinstance(K, sympy.MatrixBase)
    assert K.shape == (2, 3)
    assert K[1, 2] == w(1, 2)
    assert str(K[0, 1]) == "w_{0,1}"
    assert sympy.latex(K[0, 1]) == "w_{0,1}"


def test_kernel_symbols_1d_is_one_row():
    for shape in (3, (3,), np.int64(3)):
        K = kernel_symbols(shape)
        assert K.shape == (1, 3)
        assert list(K) == [w(0), w(1), w(2)]
    assert kernel_symbols(2, name="q")[1] == sympy.Symbol("q_{1}")


@pytest.mark.parametrize(
    "args, error, match",
    [
        (((0, 3),), ValueError, r"shape\[0\] must be >= 1, got 0"),
        (((2, 2, 2),), ValueError, r"shape must be an integer or a sequence of 1 or 2 integers, got tuple \(2, 2, 2\)"),
        ((2.0,), TypeError, r"shape must be an integer or a sequence of 1 or 2 integers, got float 2.0"),
        ((True,), TypeError, r"shape must be an integer or a sequence of 1 or 2 integers, got bool True"),
        (((2, "3"),), TypeError, r"shape\[1\] must be an integer, got str '3'"),
        ((3, 1), TypeError, r"name must be a string, got int 1"),
        ((3, ""), ValueError, r"name must be a non-empty string"),
    ],
)
def test_kernel_symbols_errors(args, error, match):
    with pytest.raises(error, match=match):
        kernel_symbols(*args)


# --- the guide's matrix -----------------------------------------------------------------------


def test_the_guides_4x16_matrix_entry_by_entry():
    C = conv_matrix((4, 4), kernel_symbols((3, 3)))
    assert isinstance(C, sympy.SparseMatrix)
    zero = sympy.Integer(0)
    row0 = [w(0, 0), w(0, 1), w(0, 2), zero, w(1, 0), w(1, 1), w(1, 2), zero,
            w(2, 0), w(2, 1), w(2, 2), zero, zero, zero, zero, zero]
    expected = [
        row0,
        [zero] + row0[:-1],  # one step right
        [zero] * 4 + row0[:-4],  # one step down
        [zero] * 5 + row0[:-5],
    ]
    assert C.shape == (4, 16)
    for r in range(4):
        for c in range(16):
            assert C[r, c] == expected[r][c], (r, c)


def test_transposed_conv_matrix_is_the_transpose():
    K = kernel_symbols((3, 3))
    C = conv_matrix((5, 5), K, stride=2, padding=1)
    CT = transposed_conv_matrix((5, 5), K, stride=2, padding=1)
    assert CT.shape == (25, 9)
    assert CT == C.T


def test_1d_matrix_and_kernel_forms():
    expected = sympy.Matrix([[w(0), w(1), w(2), 0, 0], [0, w(0), w(1), w(2), 0], [0, 0, w(0), w(1), w(2)]])
    row = kernel_symbols(3)
    for kernel in (row, row.T, list(row), np.array(list(row), dtype=object)):
        assert conv_matrix(5, kernel) == expected
        assert conv_matrix((5,), kernel) == expected


@pytest.mark.parametrize(
    "kernel",
    [[[1, 2], [3, 4]], np.array([[1, 2], [3, 4]]), sympy.Matrix([[1, 2], [3, 4]]), np.array([[1.0, 2.0], [3.0, 4.0]])],
)
def test_numeric_kernels_of_every_kind(kernel):
    C = conv_matrix((3, 3), kernel)
    x = np.arange(9).reshape(3, 3)
    np.testing.assert_allclose(
        np.array((C * sympy.Matrix(x.ravel())).evalf(), dtype=float).ravel(),
        numeric.conv2d(x, np.array([[1, 2], [3, 4]])).ravel(),
    )


def test_padded_positions_have_no_columns():
    C = conv_matrix((3, 3), kernel_symbols((3, 3)), padding=1)
    assert C.shape == (9, 9)  # 3x3 output, 3x3 input: the padding ring is not an input
    assert C[0, :] == sympy.Matrix([[w(1, 1), w(1, 2), 0, w(2, 1), w(2, 2), 0, 0, 0, 0]])


def test_padding_forms_and_dilation():
    K = kernel_symbols(3)
    assert conv_matrix(5, K, padding="same") == conv_matrix(5, K, padding=1)
    assert conv_matrix(5, K, padding="full") == conv_matrix(5, K, padding=2)
    assert conv_matrix(5, K, padding="valid") == conv_matrix(5, K)
    assert conv_matrix(4, K, padding=((0, 2),)).shape == (4, 4)
    assert conv_matrix(5, K, dilation=2) == sympy.Matrix([[w(0), 0, w(1), 0, w(2)]])
    assert conv_matrix((5, 5), kernel_symbols((3, 3)), stride=(1, 2), padding=(0, 1)).shape == (3 * 3, 25)


def test_symbolic_entries_can_be_expressions():
    x = sympy.Symbol("x")
    C = conv_matrix(3, [x, x**2])
    assert C == sympy.Matrix([[x, x**2, 0], [0, x, x**2]])


# --- the pattern ------------------------------------------------------------------------------


def test_pattern_is_the_one_numeric_uses():
    """symbolic keeps the pattern's public names; the one definition lives in connectivity."""
    assert conv_matrix_pattern is connectivity.conv_matrix_pattern
    assert ConvMatrixPattern is connectivity.ConvMatrixPattern


def test_pattern_fields_and_order():
    pattern = conv_matrix_pattern((4, 4), (3, 3))
    assert isinstance(pattern, ConvMatrixPattern)
    assert pattern.input_shape == (4, 4) and pattern.output_shape == (2, 2) and pattern.shape == (4, 16)
    assert len(pattern.rows) == 4 * 9
    order = np.lexsort((pattern.cols, pattern.rows))
    np.testing.assert_array_equal(order, np.arange(len(order)))
    np.testing.assert_array_equal(pattern.kernel_index[:9], np.arange(9))
    np.testing.assert_array_equal(pattern.cols[:9], [0, 1, 2, 4, 5, 6, 8, 9, 10])


@settings(max_examples=60, deadline=None)
@given(case=conv_case())
def test_pattern_counts_and_output_shape(case):
    x, kernel, s, padding, d = case
    pattern = conv_matrix_pattern(x.shape, kernel.shape, s, padding, d)
    assert pattern.output_shape == CONV[x.ndim](x, kernel, stride=s, padding=padding, dilation=d).shape
    # every (row, col) pair appears at most once: one kernel tap connects two units
    assert len(set(zip(pattern.rows.tolist(), pattern.cols.tolist()))) == len(pattern.rows)
    assert pattern.rows.max(initial=-1) < pattern.shape[0] and pattern.cols.max(initial=-1) < pattern.shape[1]


# --- C against numeric ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(case=conv_case())
def test_C_times_x_is_the_convolution(case):
    x, kernel, s, padding, d = case
    C = to_numpy(conv_matrix(x.shape, kernel, s, padding, d))
    expected = CONV[x.ndim](x, kernel, stride=s, padding=padding, dilation=d)
    np.testing.assert_array_equal(C @ x.ravel(), expected.ravel())


@settings(max_examples=60, deadline=None)
@given(case=conv_case(), seed=st.integers(0, 2**32 - 1))
def test_inner_products_and_the_transposed_convolution(case, seed):
    """<Cx, y> == <x, Cᵀy>, and Cᵀy is numeric.conv_transpose with output_padding a."""
    x, kernel, s, padding, d = case
    C = conv_matrix(x.shape, kernel, s, padding, d)
    CT = transposed_conv_matrix(x.shape, kernel, s, padding, d)
    y = np.random.default_rng(seed).integers(-5, 6, size=C.shape[0])
    Cx = C * sympy.Matrix(x.ravel())
    CTy = CT * sympy.Matrix(y)
    assert Cx.dot(sympy.Matrix(y)) == sympy.Matrix(x.ravel()).dot(CTy)
    if not isinstance(padding, str):
        pads = [(p, p) for p in padding] if isinstance(padding[0], int) else padding
        k_hat = [(k - 1) * dd + 1 for k, dd in zip(kernel.shape, d)]
        a = tuple((i + b + e - kh) % ss for i, (b, e), kh, ss in zip(x.shape, pads, k_hat, s))
        out_shape = CONV[x.ndim](x, kernel, stride=s, padding=padding, dilation=d).shape
        for method in ("scatter", "equivalent", "matrix"):
            back = CONV_T[x.ndim](y.reshape(out_shape), kernel, stride=s, padding=padding, output_padding=a,
                                  dilation=d, method=method)
            np.testing.assert_array_equal(np.array(CTy, dtype=np.int64).ravel(), back.ravel())


def test_adjoint_identity_holds_symbolically():
    K = kernel_symbols((2, 2))
    C = conv_matrix((3, 4), K, stride=(2, 1), padding=((1, 0), (0, 1)))
    x = sympy.Matrix(sympy.symbols("x0:12"))
    y = sympy.Matrix(sympy.symbols(f"y0:{C.shape[0]}"))
    assert sympy.expand((C * x).dot(y) - x.dot(transposed_conv_matrix((3, 4), K, (2, 1), ((1, 0), (0, 1))) * y)) == 0


def test_tensorflow_same_example_as_a_matrix():
    # The Q&A's 2x2 -> 4x4 example is Cᵀ of a 4x4 "same" convolution with stride 2.
    CT = transposed_conv_matrix((4, 4), np.ones((3, 3), dtype=int), stride=2, padding="same")
    out = np.array(CT * sympy.Matrix([1, 2, 3, 4]), dtype=np.int64).reshape(4, 4)
    np.testing.assert_array_equal(out, [[1, 1, 3, 2], [1, 1, 3, 2], [4, 4, 10, 6], [3, 3, 7, 4]])


def test_matrix_method_uses_the_pattern_of_conv_matrix():
    kernel = np.arange(1, 10).reshape(3, 3)
    dense = to_numpy(conv_matrix((6, 6), kernel, stride=2, padding=1))
    y = np.arange(9).reshape(3, 3)
    eq = arithmetic.transposed_equivalent(6, 3, 2, 1)
    out = numeric.conv_transpose2d(y, kernel, stride=2, padding=1, output_padding=eq.a, method="matrix")
    np.testing.assert_array_equal(out.ravel(), dense.T @ y.ravel())


def test_32x32_with_3x3_is_sparse():
    """Speed is measured in benchmarks/bench_conv_matrix.py; here only the structure."""
    C = conv_matrix((32, 32), kernel_symbols((3, 3)))
    assert C.shape == (900, 1024)
    assert len(C.todok()) == 900 * 9


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: conv_matrix((4, 4), np.ones((2, 2, 2))), ValueError, r"kernel must be 2-D like input_shape, got shape \(2, 2, 2\)"),
        (lambda: conv_matrix(4, kernel_symbols((2, 2))), ValueError, r"a 1-D input_shape needs a 1-D kernel .* got shape \(2, 2\)"),
        (lambda: conv_matrix(4, [[1, 2], [3, 4]]), ValueError, r"kernel must be 1-D like input_shape, got shape \(2, 2\)"),
        (lambda: conv_matrix(4, []), ValueError, r"kernel must not be empty, got shape \(0,\)"),
        (lambda: conv_matrix((4, 4), [[1, 2], [3]]), ValueError, r"kernel must be a rectangular array, got ragged nesting"),
        (lambda: conv_matrix(4, ["a", "b"]), TypeError, r"kernel entries must be numbers or SymPy expressions, got str 'a'"),
        (lambda: conv_matrix(4, [True, 1]), TypeError, r"kernel entries must be numbers or SymPy expressions, got bool True"),
        (lambda: conv_matrix(4, [None, 1]), TypeError, r"kernel entries must be numbers or SymPy expressions, got NoneType None"),
        (lambda: conv_matrix(4, [sympy.Eq(sympy.Symbol("x"), 1)]), TypeError, r"kernel entries must be numbers or SymPy expressions"),
        (lambda: conv_matrix(4, "ab"), TypeError, r"kernel must be an array of numbers or SymPy expressions, got str 'ab'"),
        (lambda: conv_matrix(4, None), TypeError, r"kernel must be an array of numbers or SymPy expressions, got NoneType None"),
        (lambda: conv_matrix(2, [1, 2, 3]), ValueError, r"kernel size k = 3 must not exceed the padded input size i \+ 2p = 2"),
        (lambda: conv_matrix((5, 5), np.ones((3, 3)), dilation=(1, 3)), ValueError, r"effective kernel size .* = 7 must not exceed .* \(spatial axis 1\)"),
        (lambda: conv_matrix(0, [1]), ValueError, r"input_shape must be >= 1, got 0"),
        (lambda: conv_matrix((4, 4, 4), [1]), ValueError, r"input_shape must be an integer or a sequence of 1 or 2 integers"),
        (lambda: conv_matrix(4.0, [1]), TypeError, r"input_shape must be an integer or a sequence of 1 or 2 integers, got float 4.0"),
        (lambda: conv_matrix((4, 4.0), [[1]]), TypeError, r"input_shape\[1\] must be an integer, got float 4.0"),
        (lambda: conv_matrix(4, [1], stride=0), ValueError, r"stride must be >= 1, got 0"),
        (lambda: conv_matrix(4, [1], dilation="2"), TypeError, r"dilation must be an integer or a sequence of 1 integers"),
        (lambda: conv_matrix(4, [1], padding=-1), ValueError, r"padding must be >= 0, got -1"),
        (lambda: conv_matrix(4, [1], padding="half"), ValueError, r"padding must be an integer, a tuple or one of"),
        (lambda: conv_matrix(4, [1], padding=((1, 2, 3),)), ValueError, r"padding\[0\] must be a \(before, after\) pair"),
        (lambda: conv_matrix(4, [1, 1, 1], padding=((0, 0),), stride=(1, 1)), ValueError, r"stride must be an integer or a sequence of 1 integers"),
        (lambda: transposed_conv_matrix(4, [1, 2, 3, 4, 5]), ValueError, r"kernel size k = 5 must not exceed"),
        (lambda: conv_matrix_pattern(4, (2, 2)), ValueError, r"kernel_shape must have 1 entries like input_shape \(4,\), got tuple \(2, 2\)"),
        (lambda: conv_matrix_pattern(4, 2.5), TypeError, r"kernel_shape must be an integer or a sequence of integers, got float 2.5"),
        (lambda: conv_matrix_pattern(4, (0,)), ValueError, r"kernel_shape\[0\] must be >= 1, got 0"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


ANYTHING = st.one_of(
    st.integers(-3, 5),
    st.floats(),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
    st.sampled_from(["same", "valid", "full"]),
    st.lists(st.integers(-2, 4), max_size=3).map(tuple),
    st.lists(st.tuples(st.integers(-1, 3), st.integers(-1, 3)), max_size=3),
    st.lists(st.one_of(st.integers(-2, 3), st.text(max_size=1), st.none(), st.floats()), max_size=4),
    st.lists(st.lists(st.integers(-2, 2), max_size=3), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(
    function=st.sampled_from([conv_matrix, transposed_conv_matrix, conv_matrix_pattern]),
    input_shape=ANYTHING, kernel=ANYTHING, stride=ANYTHING, padding=ANYTHING, dilation=ANYTHING,
)
def test_random_bad_input_raises_only_value_or_type_error(function, input_shape, kernel, stride, padding, dilation):
    try:
        function(input_shape, kernel, stride, padding, dilation)
    except (ValueError, TypeError) as err:
        assert str(err)


@settings(max_examples=100, deadline=None)
@given(shape=ANYTHING, name=st.one_of(st.text(max_size=3), ANYTHING))
def test_random_bad_input_to_kernel_symbols(shape, name):
    try:
        kernel_symbols(shape, name)
    except (ValueError, TypeError) as err:
        assert str(err)
