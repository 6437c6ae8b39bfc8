"""Tests for course_lib.sampling: operator matrices against numpy and brute-force index formulas,
and every identity of the course's operator algebra (true and false ones)."""

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import sampling as sm
from course_lib.sampling import (
    Compose,
    Conv,
    Down,
    Identity,
    Shift,
    StridedConv,
    Sum,
    Transpose,
    TransposedConv,
    UndefinedLengthError,
    Up,
    operators_agree,
)

Q3 = sympy.symbols("q0:3")
q0, q1, q2 = Q3
FAST = settings(max_examples=40, deadline=None)

kernels = st.lists(st.integers(-9, 9), min_size=1, max_size=5)
factors = st.integers(1, 4)
lengths = st.integers(1, 12)


def symbolic(size, name="q"):
    return sympy.symbols(f"{name}0:{size}")


def as_column(values):
    return sympy.Matrix([int(v) for v in values])


# ---------------------------------------------------------------------------------------------
# down, up


def test_down_keeps_every_kth_sample():
    x = sympy.Matrix(sympy.symbols("x0:7"))
    assert list(sm.down(3, 7) * x) == [x[0], x[3], x[6]]
    assert sm.down(3, 7).shape == (3, 7)
    assert sm.down(1, 4) == sympy.eye(4)


def test_up_inserts_k_minus_1_zeros_after_every_sample():
    x0, x1 = sympy.symbols("x0:2")
    assert list(sm.up(3, 2) * sympy.Matrix([x0, x1])) == [x0, 0, 0, x1, 0, 0]


@FAST
@given(factors, lengths)
def test_up_is_down_transposed(k, n):
    assert sm.up(k, n) == sm.down(k, n * k).T
    assert sm.down(k, n).shape == (-(-n // k), n)


@pytest.mark.parametrize("function", [sm.down, sm.up])
@pytest.mark.parametrize(
    "k, n, error, message",
    [
        (0, 3, ValueError, "k must be >= 1, got 0"),
        (2, 0, ValueError, "n must be >= 1, got 0"),
        (2.0, 3, TypeError, "k must be an integer, got float 2.0"),
        (True, 3, TypeError, "k must be an integer, got bool True"),
        (2, "3", TypeError, "n must be an integer, got str '3'"),
    ],
)
def test_down_up_reject_bad_arguments(function, k, n, error, message):
    with pytest.raises(error, match=message):
        function(k, n)


def test_down_up_accept_numpy_integers():
    assert sm.down(np.int64(2), np.int32(4)) == sm.down(2, 4)


# ---------------------------------------------------------------------------------------------
# conv_op and kernel handling


def test_conv_op_same_is_the_qa_matrix():
    expected = sympy.Matrix(
        [[q1, q0, 0, 0], [q2, q1, q0, 0], [0, q2, q1, q0], [0, 0, q2, q1]]
    )
    assert sm.conv_op(Q3, 4, "same") == expected


def test_conv_op_shapes():
    assert sm.conv_op(Q3, 5).shape == (7, 5)
    assert sm.conv_op(Q3, 5, "same").shape == (5, 5)
    assert sm.conv_op(Q3, 5, "valid").shape == (3, 5)


@FAST
@given(kernels, st.integers(1, 10), st.sampled_from(["full", "same", "valid"]), st.data())
def test_conv_op_matches_numpy_convolve(q, n, mode, data):
    x = data.draw(st.lists(st.integers(-9, 9), min_size=n, max_size=n))
    if mode != "full" and n < len(q):
        with pytest.raises(UndefinedLengthError):
            sm.conv_op(q, n, mode)
        return
    assert sm.conv_op(q, n, mode) * as_column(x) == as_column(np.convolve(x, q, mode))


def test_conv_op_accepts_arrays_fractions_floats_and_sympy_matrices():
    assert sm.conv_op(np.array([1, 2]), 2) == sm.conv_op((1, 2), 2)
    assert sm.conv_op(np.array([q0, q1], dtype=object), 2) == sm.conv_op([q0, q1], 2)
    assert sm.conv_op(sympy.Matrix([[1, 2]]), 2) == sm.conv_op((1, 2), 2)
    assert sm.conv_op((0.5, Fraction(1, 3)), 1) == sympy.Matrix([sympy.Rational(1, 2), sympy.Rational(1, 3)])
    # floats are converted to their exact binary value, never rounded
    assert sm.conv_op((0.1,), 1)[0, 0] == sympy.Rational(0.1) != sympy.Rational(1, 10)
    assert sm.conv_op(np.array([0.25]), 1)[0, 0] == sympy.Rational(1, 4)


@pytest.mark.parametrize(
    "q, error, message",
    [
        ((), ValueError, r"q must have at least 1 entry"),
        (np.zeros((2, 2)), ValueError, r"q must be 1-D, got an array of shape \(2, 2\)"),
        (sympy.ones(2, 2), ValueError, r"q must be 1-D, got a SymPy matrix of shape \(2, 2\)"),
        (3, TypeError, r"q must be a tuple, list or 1-D numpy array .*got int 3"),
        ("abc", TypeError, r"q must be a tuple, list or 1-D numpy array .*got str 'abc'"),
        ((1, True), TypeError, r"q\[1\] must be a number or a SymPy expression, got bool True"),
        ((1, "2"), TypeError, r"q\[1\] must be a real number or a SymPy expression, got str '2'"),
        ((1j,), TypeError, r"q\[0\] must be a real number"),
        ((float("nan"),), ValueError, r"q\[0\] must be finite, got float nan"),
        ((sympy.Eq(q0, 1),), TypeError, r"q\[0\] must be a number or a SymPy expression"),
    ],
)
def test_conv_op_rejects_bad_kernels(q, error, message):
    with pytest.raises(error, match=message):
        sm.conv_op(q, 3)


@pytest.mark.parametrize(
    "mode, error, message",
    [
        ("Full", ValueError, r"mode must be one of 'full', 'same', 'valid', got 'Full'"),
        (None, TypeError, r"mode must be one of 'full', 'same', 'valid', got NoneType None"),
    ],
)
def test_conv_op_rejects_bad_modes(mode, error, message):
    with pytest.raises(error, match=message):
        sm.conv_op(Q3, 3, mode)


@pytest.mark.parametrize("mode", ["same", "valid"])
def test_conv_op_same_and_valid_need_n_at_least_kernel_size(mode):
    with pytest.raises(UndefinedLengthError, match=rf"n must be >= len\(q\) = 3 for mode '{mode}', got 2"):
        sm.conv_op(Q3, 2, mode)
    assert issubclass(UndefinedLengthError, ValueError)


def test_conv_op_rejects_bad_length():
    with pytest.raises(ValueError, match="n must be >= 1, got 0"):
        sm.conv_op(Q3, 0)


def test_kernel_helpers():
    assert sm.flip(Q3) == (q2, q1, q0)
    assert sm.convolve_kernels((1, 1), Q3) == (q0, q0 + q1, q1 + q2, q2)
    assert sm.upsample_kernel(Q3, 3) == (q0, 0, 0, q1, 0, 0, q2)
    assert sm.upsample_kernel(Q3, 1) == Q3
    assert sm.kernel_phases(symbolic(5, "w"), 3) == [
        (sympy.Symbol("w0"), sympy.Symbol("w3")),
        (sympy.Symbol("w1"), sympy.Symbol("w4")),
        (sympy.Symbol("w2"), 0),
    ]
    assert sm.kernel_phases((7,), 3) == [(7,), (0,), (0,)]


@FAST
@given(kernels, kernels)
def test_convolve_kernels_matches_numpy(a, b):
    assert sm.convolve_kernels(a, b) == tuple(np.convolve(a, b).tolist())


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: sm.flip([]), ValueError, "q must have at least 1 entry"),
        (lambda: sm.convolve_kernels((1,), 2), TypeError, "b must be a tuple"),
        (lambda: sm.upsample_kernel(Q3, 0), ValueError, "M must be >= 1, got 0"),
        (lambda: sm.upsample_kernel("h", 2), TypeError, "h must be a tuple"),
        (lambda: sm.kernel_phases(Q3, 0), ValueError, "s must be >= 1, got 0"),
        (lambda: sm.kernel_phases(Q3, 1.5), TypeError, "s must be an integer, got float 1.5"),
    ],
)
def test_kernel_helpers_reject_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------------------------------------
# Primitive operators


def test_primitive_matrices():
    assert Identity().matrix(3) == sympy.eye(3)
    assert Down(2).matrix(5) == sm.down(2, 5)
    assert Up(2).matrix(3) == sm.up(2, 3)
    assert Conv(Q3, "same").matrix(4) == sm.conv_op(Q3, 4, "same")
    x = sympy.symbols("x0:4")
    assert list(Shift(2).apply(x)) == [0, 0, x[0], x[1]]
    assert list(Shift(-1).apply(x)) == [x[1], x[2], x[3], 0]
    assert Shift(0).matrix(3) == sympy.eye(3)


@FAST
@given(kernels, st.integers(1, 4), st.integers(1, 12))
def test_strided_conv_follows_its_index_formula(q, s, n):
    size = len(q)
    if n < size:
        with pytest.raises(UndefinedLengthError, match=rf"n must be >= len\(q\) = {size}"):
            StridedConv(q, s).matrix(n)
        return
    matrix = StridedConv(q, s).matrix(n)
    assert matrix.shape == ((n - size) // s + 1, n)
    for j in range(matrix.rows):
        for i in range(n):
            t = j * s + size - 1 - i
            assert matrix[j, i] == (q[t] if 0 <= t < size else 0)


@FAST
@given(kernels, st.integers(1, 4), st.data(), st.integers(1, 8))
def test_transposed_conv_is_a_scatter(q, s, data, n):
    a = data.draw(st.integers(0, s - 1))
    x = data.draw(st.lists(st.integers(-9, 9), min_size=n, max_size=n))
    expected = [0] * ((n - 1) * s + len(q) + a)
    for j, value in enumerate(x):
        for t, tap in enumerate(q):
            expected[j * s + t] += tap * value
    assert TransposedConv(q, s, output_padding=a).matrix(n) * as_column(x) == as_column(expected)


primitives = st.one_of(
    st.just(Identity()),
    factors.map(Down),
    factors.map(Up),
    st.integers(-3, 3).map(Shift),
    st.builds(Conv, kernels, st.sampled_from(["full", "same", "valid"])),
    st.builds(StridedConv, kernels, factors),
    st.builds(lambda q, s, a: TransposedConv(q, s, output_padding=a % s), kernels, factors, st.integers(0, 3)),
)


@FAST
@given(primitives, lengths)
def test_in_len_is_a_right_inverse_of_out_len(op, m):
    try:
        n = op.in_len(m)
    except UndefinedLengthError:
        return
    assert op.out_len(n) == m
    assert op.matrix(n).shape == (m, n)


@FAST
@given(primitives, primitives, lengths)
def test_generic_transpose_of_compositions(a, b, m):
    composite = a @ b
    try:
        n = composite.in_len(m)
    except UndefinedLengthError:
        with pytest.raises(UndefinedLengthError):
            composite.T.matrix(m)
        return
    assert composite.T.matrix(m) == (a.matrix(b.out_len(n)) * b.matrix(n)).T


def test_lengths_and_preimages():
    assert Down(3).out_len(7) == 3 and Down(3).in_len(3) == 9
    assert Up(3).out_len(2) == 6 and Up(3).in_len(6) == 2
    assert Conv(Q3).out_len(4) == 6 and Conv(Q3).in_len(6) == 4
    assert Conv(Q3, "valid").out_len(4) == 2 and Conv(Q3, "valid").in_len(2) == 4
    assert Conv(Q3, "same").in_len(4) == 4
    assert StridedConv(Q3, 2).out_len(6) == 2 and StridedConv(Q3, 2).in_len(2) == 5
    assert TransposedConv(Q3, 2, 1).out_len(2) == 6 and TransposedConv(Q3, 2, 1).in_len(6) == 2
    assert Shift(1).in_len(4) == 4 and Identity().in_len(4) == 4


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: Up(3).in_len(7), "must be a multiple of 3"),
        (lambda: Conv(Q3).in_len(2), "must be >= 3"),
        (lambda: Conv(Q3, "same").in_len(2), "must be >= 3"),
        (lambda: Conv(Q3, "valid").out_len(2), r"n must be >= len\(q\) = 3"),
        (lambda: TransposedConv(Q3, 2).in_len(4), r"must be 3 \+ a multiple of 2"),
        (lambda: TransposedConv(Q3, 2).in_len(2), r"must be 3 \+ a multiple of 2"),
        (lambda: Down(2).T.in_len(3), "whose canonical preimage is not 3"),
    ],
)
def test_undefined_lengths(call, message):
    with pytest.raises(UndefinedLengthError, match=message):
        call()


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: Down(0), ValueError, "k must be >= 1, got 0"),
        (lambda: Up(1.0), TypeError, "k must be an integer, got float 1.0"),
        (lambda: Shift(0.5), TypeError, "r must be an integer, got float 0.5"),
        (lambda: Conv(Q3, "circular"), ValueError, "mode must be one of"),
        (lambda: Conv((), "full"), ValueError, "q must have at least 1 entry"),
        (lambda: Conv(Q3, name=3), TypeError, "name must be a string or None, got int 3"),
        (lambda: Conv(Q3, name=" "), ValueError, "name must be a non-empty string"),
        (lambda: StridedConv(Q3, 0), ValueError, "s must be >= 1, got 0"),
        (lambda: TransposedConv(Q3, 2, output_padding=2), ValueError, "output_padding must be <= 1, got 2"),
        (lambda: TransposedConv(Q3, 2, output_padding=-1), ValueError, "output_padding must be >= 0, got -1"),
        (lambda: TransposedConv(Q3, 1, output_padding=1), ValueError, "output_padding must be <= 0, got 1"),
        (lambda: Down(2).matrix(0), ValueError, "n must be >= 1, got 0"),
        (lambda: Down(2).matrix(2.0), TypeError, "n must be an integer, got float 2.0"),
        (lambda: Down(2).out_len(0), ValueError, "n must be >= 1, got 0"),
        (lambda: Down(2).in_len(0), ValueError, "m must be >= 1, got 0"),
        (lambda: Down(2).apply("ab"), TypeError, "x must be a tuple"),
        (lambda: Compose(Down(2), 3), TypeError, "inner must be an Operator"),
        (lambda: Sum(3, Down(2)), TypeError, "left must be an Operator"),
        (lambda: Transpose([1]), TypeError, "op must be an Operator"),
    ],
)
def test_operators_reject_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_operator_arithmetic_rejects_non_operators():
    with pytest.raises(TypeError, match="right operand of @ must be an Operator"):
        Down(2) @ np.eye(2)
    with pytest.raises(TypeError, match="left operand of @ must be an Operator"):
        np.eye(2) @ Down(2)
    with pytest.raises(TypeError, match="right operand of \\+ must be an Operator"):
        Down(2) + 1
    with pytest.raises(TypeError, match=r"left operand of \+ must be an Operator .*got int 0"):
        sum([Down(2), Down(2)])


def test_operators_refuse_equality_but_stay_hashable():
    with pytest.raises(TypeError, match="use operators_agree"):
        Up(2) == Down(2).T  # noqa: B015
    op = Up(2)
    assert op in {op} and op in [op]


def test_sum_requires_equal_output_lengths():
    with pytest.raises(ValueError, match="different output lengths: I gives 3 and ↓₂ gives 2") as info:
        (Identity() + Down(2)).matrix(3)
    assert not isinstance(info.value, UndefinedLengthError)  # a real error, never skipped
    with pytest.raises(ValueError, match="different output lengths"):
        operators_agree(Identity() + Down(2), Identity(), lengths=[2])


def test_sum_and_composition_matrices():
    assert (Shift(1) + Shift(2)).matrix(3) == sympy.Matrix([[0, 0, 0], [1, 0, 0], [1, 1, 0]])
    assert (Down(2) @ Up(2) @ Down(2)).matrix(4) == sm.down(2, 4)
    # a sum undefined for one term is undefined
    with pytest.raises(UndefinedLengthError):
        (Conv(Q3, "same") + Identity()).matrix(2)
    # the sum's preimage can come from either term
    assert (Conv(Q3, "valid") + StridedConv(Q3, 1)).in_len(2) == 4
    with pytest.raises(UndefinedLengthError, match="has no input length giving output length 3"):
        (Up(2) + Up(2)).in_len(3)


def test_apply():
    x = sympy.symbols("x0:3")
    assert list(Conv((1, 1)).apply(x)) == [x[0], x[0] + x[1], x[1] + x[2], x[2]]


def test_transpose_is_generic_not_definitional():
    # Down(2).T is computed from Down's own matrices; Up is built separately
    assert isinstance(Down(2).T, Transpose)
    assert Down(2).T.matrix(3) == sm.down(2, 6).T == Up(2).matrix(3)
    assert Up(2).T.matrix(6) == sm.up(2, 3).T
    with pytest.raises(UndefinedLengthError):
        Up(2).T.matrix(5)
    # double transpose: the original wherever the canonical preimage is n itself
    assert Down(2).T.T.matrix(4) == Down(2).matrix(4)
    with pytest.raises(UndefinedLengthError):
        Down(2).T.T.matrix(5)


# ---------------------------------------------------------------------------------------------
# Display


@pytest.mark.parametrize(
    "op, latex, text",
    [
        (Down(2) @ Conv(Q3), r"\downarrow_{2} \circ (q \ast)", "↓₂ ∘ (q∗)"),
        (Up(12), r"\uparrow_{12}", "↑₁₂"),
        (Down(2).T, r"\downarrow_{2}^{T}", "↓₂ᵀ"),
        (Conv(Q3, "valid").T, r"(q \ast)_{\mathrm{valid}}^{T}", "(q∗)[valid]ᵀ"),
        ((Down(2) @ Conv(Q3)).T, r"(\downarrow_{2} \circ (q \ast))^{T}", "(↓₂ ∘ (q∗))ᵀ"),
        (Down(2).T.T, r"(\downarrow_{2}^{T})^{T}", "(↓₂ᵀ)ᵀ"),
        (Conv((1, 1)), r"((1, 1) \ast)", "((1, 1)∗)"),
        (Conv(sympy.symbols("h_0:2")), r"(h \ast)", "(h∗)"),
        (Conv((q1, q0)), r"((q_{1}, q_{0}) \ast)", "((q1, q0)∗)"),
        (Conv(Q3, "same", name=r"\mathbf{q}"), r"(\mathbf{q} \ast)_{\mathrm{same}}", r"(\mathbf{q}∗)[same]"),
        (Shift(1), "z^{-1}", "z⁻¹"),
        (Shift(-2), "z^{2}", "z²"),
        (Identity(), "I", "I"),
        (StridedConv(Q3, 2), r"\mathrm{sconv}_{2}(q)", "sconv[s=2](q)"),
        (StridedConv((1, 2), 2), r"\mathrm{sconv}_{2}(1, 2)", "sconv[s=2](1, 2)"),
        (TransposedConv(Q3, 3, 2), r"\mathrm{tconv}_{3,\,a=2}(q)", "tconv[s=3, a=2](q)"),
        (TransposedConv(Q3, 3, name="w"), r"\mathrm{tconv}_{3}(w)", "tconv[s=3](w)"),
        (Up(2) @ (Identity() + Shift(1)), r"\uparrow_{2} \circ \left(I + z^{-1}\right)", "↑₂ ∘ (I + z⁻¹)"),
        (Up(2) @ Down(2) + Identity(), r"\uparrow_{2} \circ \downarrow_{2} + I", "↑₂ ∘ ↓₂ + I"),
        ((Identity() + Shift(1)).T, r"(I + z^{-1})^{T}", "(I + z⁻¹)ᵀ"),
    ],
)
def test_display(op, latex, text):
    assert op.latex() == latex
    assert op._repr_latex_() == f"${latex}$"
    assert str(op) == text == repr(op)


# ---------------------------------------------------------------------------------------------
# operators_agree


def test_operators_agree_true_result():
    result = operators_agree(Up(3), Down(3).T)
    assert result and result.holds and result.compared == tuple(range(1, 13))
    assert result.n is None and result.reason is None
    assert str(result) == "both sides have equal matrices for every input length n = 1 to 12"
    assert repr(result) == "<Agreement: both sides have equal matrices for every input length n = 1 to 12>"


def test_operators_agree_reports_skipped_lengths():
    result = operators_agree(StridedConv(Q3, 2), Down(2) @ Conv(Q3, "valid"), lengths=[1, 2, 3, 5])
    assert result and result.compared == (3, 5) and result.skipped == (1, 2)
    assert str(result).startswith("both sides have equal matrices for every input length n = 3 and 5; n = 1 and 2 "
                                  "are not compared, because neither side is defined there (a convolution in the left side would get an "
                                  "input shorter than its kernel)")
    assert sm._plain_reason("no input length giving output length 3") == (
        "the left side says: no input length giving output length 3")


def test_operators_agree_shape_difference():
    result = operators_agree(Up(2) @ Down(2), Identity())
    assert not result
    assert (result.n, result.reason) == (1, "shape")
    assert result.detail == "the left side is a 2×1 matrix, the right side 1×1"
    assert result.lhs_matrix.shape == (2, 1) and result.rhs_matrix == sympy.eye(1)


def test_operators_agree_entry_difference():
    result = operators_agree(Conv(Q3), Conv(sm.flip(Q3)), lengths=[3, 4])
    assert not result and (result.n, result.reason) == (3, "entries")
    assert str(result) == ("the two sides differ at input length n = 3: entry (0, 0) is q0 on the left side and q2 "
                           "on the right side")
    assert result.compared == ()


def test_operators_agree_compares_exactly_after_expansion():
    expanded = Conv((q0 * (q1 + 1),))
    factored = Conv((q0 * q1 + q0,))
    assert operators_agree(expanded, factored)
    assert not operators_agree(Conv((sympy.Rational(1, 3),)), Conv((0.3333333333333333,)))


def test_operators_agree_domain_difference():
    result = operators_agree(Conv(Q3, "same"), Identity(), lengths=[2, 3])
    assert not result and (result.n, result.reason) == (2, "domain")
    assert result.detail.startswith("only one side is defined there; the left side says: n must be >= len(q) = 3")
    assert result.lhs_matrix is None and result.rhs_matrix == sympy.eye(2)


def test_operators_agree_needs_a_compared_length():
    with pytest.raises(ValueError, match="neither side is defined for any of \\[1, 2\\]"):
        operators_agree(Conv(Q3, "same"), Conv(Q3, "valid"), lengths=range(1, 3))


@pytest.mark.parametrize(
    "lhs, rhs, lengths, error, message",
    [
        (Up(2), np.eye(2), range(1, 3), TypeError, "rhs must be an Operator"),
        ("↑", Up(2), range(1, 3), TypeError, "lhs must be an Operator"),
        (Up(2), Up(2), 5, TypeError, "lengths must be an iterable of integers >= 1, got int 5"),
        (Up(2), Up(2), "12", TypeError, "lengths must be an iterable"),
        (Up(2), Up(2), [], ValueError, "lengths must contain at least one length"),
        (Up(2), Up(2), [1, 0], ValueError, r"lengths\[1\] must be >= 1, got 0"),
        (Up(2), Up(2), [1.0], TypeError, r"lengths\[0\] must be an integer, got float 1.0"),
    ],
)
def test_operators_agree_rejects_bad_arguments(lhs, rhs, lengths, error, message):
    with pytest.raises(error, match=message):
        operators_agree(lhs, rhs, lengths)


# ---------------------------------------------------------------------------------------------
# The identities, stated directly


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_identities_with_symbolic_kernels(size, k):
    q = symbolic(size)
    claims = sm.identities(q, k)
    assert len(claims) == 18
    for claim in claims:
        result = claim.check()
        if claim.holds:
            assert result, f"{claim}: {result}"
        elif size >= 2:
            assert not result, f"{claim}: {result}"


@pytest.mark.parametrize("k", [2, 3])
def test_up_is_down_transposed_and_one_sided_inverse(k):
    assert operators_agree(Up(k), Down(k).T)
    assert operators_agree(Down(k) @ Up(k), Identity())
    not_inverse = operators_agree(Up(k) @ Down(k), Identity(), lengths=[k, 2 * k])
    assert not not_inverse and not_inverse.reason == "entries"


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("size", [2, 3, 4])
def test_strided_and_transposed_strided_convolution(size, k):
    q = symbolic(size)
    strided = Down(k) @ Conv(q, "valid")
    assert operators_agree(StridedConv(q, k), strided)
    assert operators_agree(strided.T, Conv(sm.flip(q)) @ Up(k))
    assert operators_agree(strided.T, TransposedConv(sm.flip(q), k, output_padding=k - 1))
    assert operators_agree(StridedConv(q, k).T, TransposedConv(sm.flip(q), k))
    # equal operators, different canonical preimages, different transposes
    assert operators_agree(StridedConv(q, k).T, strided.T).reason == "shape"
    # the flip is needed
    assert operators_agree(strided.T, Conv(q) @ Up(k)).reason == "entries"


@pytest.mark.parametrize("M", [2, 3])
@pytest.mark.parametrize("size", [1, 2, 3])
def test_noble_identities_symbolic(size, M):
    h = symbolic(size, "h")
    stretched = sm.upsample_kernel(h, M)
    assert operators_agree(Conv(h) @ Down(M), Down(M) @ Conv(stretched))
    assert operators_agree(Conv(stretched) @ Up(M), Up(M) @ Conv(h))


@FAST
@given(kernels, st.integers(1, 4))
def test_noble_identities_random_integer_kernels(h, M):
    stretched = sm.upsample_kernel(h, M)
    assert operators_agree(Conv(h) @ Down(M), Down(M) @ Conv(stretched), range(1, 9))
    assert operators_agree(Conv(stretched) @ Up(M), Up(M) @ Conv(h), range(1, 9))


def test_noble_identity_fails_without_stretching():
    assert not operators_agree(Conv(Q3) @ Down(2), Down(2) @ Conv(Q3))


@pytest.mark.parametrize("s", [1, 2, 3, 4])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 6])
def test_polyphase_symbolic(size, s):
    w = symbolic(size, "w")
    phases = sm.polyphase(w, s)
    assert str(phases).count("↑") == s
    assert operators_agree(TransposedConv(w, s, output_padding=(-size) % s), phases, range(1, 7))


@FAST
@given(kernels, st.integers(1, 4))
def test_polyphase_random_integer_kernels(w, s):
    expected = TransposedConv(w, s, output_padding=(-len(w)) % s)
    assert operators_agree(expected, sm.polyphase(w, s), range(1, 7))


def test_polyphase_output_length():
    w = symbolic(5, "w")  # phases of length ceil(5/2) = 3
    assert sm.polyphase(w, 2).out_len(4) == (4 + 3 - 1) * 2 == TransposedConv(w, 2, 1).out_len(4)


def test_polyphase_rejects_bad_arguments():
    with pytest.raises(ValueError, match="s must be >= 1, got 0"):
        sm.polyphase(Q3, 0)
    with pytest.raises(ValueError, match="w must have at least 1 entry"):
        sm.polyphase([], 2)


def test_repeat_upsampling_then_kernel_is_one_transposed_convolution():
    merged = sm.convolve_kernels((1, 1), Q3)
    assert merged == (q0, q0 + q1, q1 + q2, q2)
    assert operators_agree(Conv(Q3) @ Conv((1, 1)) @ Up(2), TransposedConv(merged, 2, output_padding=1))
    # (1,1) ∗ ↑2 x repeats each sample (then a final 0)
    x = sympy.symbols("x0:3")
    assert list((Conv((1, 1)) @ Up(2)).apply(x)) == [x[0], x[0], x[1], x[1], x[2], x[2], 0]


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_qa_erratum(size, k):
    q = symbolic(size)
    lhs = Conv(q, "same") @ Up(k)
    assert operators_agree(lhs, (Down(k) @ Conv(q, "same").T).T)
    as_printed = (Up(k) @ Conv(q, "same").T).T
    assert not operators_agree(lhs, as_printed)
    # where both sides are defined, even the shapes differ
    for m in range(size, size + 3):
        result = operators_agree(lhs, as_printed, lengths=[k * m])
        assert result.reason == "shape"
        assert result.lhs_matrix.shape == (k * k * m, k * m)
        assert result.rhs_matrix.shape == (m, k * m)


def test_identities_table_details():
    claims = sm.identities()
    assert [claim.holds for claim in claims].count(False) == 6
    assert all(isinstance(claim.name, str) and claim.note for claim in claims)
    reasons = {claim.name: claim.check().reason for claim in claims if not claim.holds}
    assert reasons == {
        "↑M ∘ ↓M ≠ I": "shape",
        "↑M ∘ ↓M ≠ I (lengths divisible by M)": "entries",
        "sconv(q)ᵀ ≠ (↓s ∘ (q∗)valid)ᵀ": "shape",
        "no flip: (↓s ∘ (q∗)valid)ᵀ ≠ (q∗) ∘ ↑s": "entries",
        "no stretch: (h∗) ∘ ↓M ≠ ↓M ∘ (h∗)": "shape",
        "Q&A last step as printed: (q∗)same ∘ ↑M ≠ (↑M ∘ (q∗)sameᵀ)ᵀ": "shape",
    }
    assert str(claims[0]) == "↑M = ↓Mᵀ: ↑₂  vs  ↓₂ᵀ"


def test_identities_with_numeric_kernel():
    claims = sm.identities((1, -2, 5), 3)
    assert all(bool(claim.check()) == claim.holds for claim in claims)


@pytest.mark.parametrize(
    "q, k, error, message",
    [
        (None, 1, ValueError, "k must be >= 2, got 1"),
        (None, "2", TypeError, "k must be an integer, got str '2'"),
        ([], 2, ValueError, "q must have at least 1 entry"),
    ],
)
def test_identities_reject_bad_arguments(q, k, error, message):
    with pytest.raises(error, match=message):
        sm.identities(q, k)


# ---------------------------------------------------------------------------------------------
# Max pooling


def brute_max_pool(x, k, s):
    return [max(x[j : j + k]) for j in range(0, len(x) - k + 1, s)]


@FAST
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=10), st.data())
def test_max_pool_selection_pools_and_unpools(x, data):
    k = data.draw(st.integers(1, len(x)))
    s = data.draw(st.integers(1, 3))
    selection = sm.max_pool_selection(x, k, s)
    assert list(selection * as_column(x)) == brute_max_pool(x, k, s)
    switches = [next(i for i in range(j, j + k) if x[i] == max(x[j : j + k])) for j in range(0, len(x) - k + 1, s)]
    y = list(range(1, selection.rows + 1))
    unpooled = [0] * len(x)
    for value, switch in zip(y, switches):
        unpooled[switch] += value
    assert list(selection.T * as_column(y)) == unpooled


def test_max_pool_selection_default_stride_and_ties():
    assert sm.max_pool_selection([2, 2, 1, 1], 2) == sympy.Matrix([[1, 0, 0, 0], [0, 0, 1, 0]])


@pytest.mark.parametrize(
    "x, k, stride, error, message",
    [
        ([1, 2], 3, None, ValueError, "k must be <= 2, got 3"),
        ([1, 2], 0, None, ValueError, "k must be >= 1, got 0"),
        ([1, 2], 1, 0, ValueError, "stride must be >= 1, got 0"),
        ([q0, 2], 1, None, TypeError, r"x\[0\] must be a real number, got Symbol q0"),
        ([], 1, None, ValueError, "x must have at least 1 entry"),
    ],
)
def test_max_pool_selection_rejects_bad_arguments(x, k, stride, error, message):
    with pytest.raises(error, match=message):
        sm.max_pool_selection(x, k, stride)


# ---------------------------------------------------------------------------------------------
# Against course_lib.numeric (PyTorch semantics, cross-correlation)


@FAST
@given(kernels, st.integers(1, 4), st.data())
def test_strided_and_transposed_conv_match_numeric(q, s, data):
    numeric = pytest.importorskip("course_lib.numeric")
    n = data.draw(st.integers(len(q), 12))
    x = data.draw(st.lists(st.integers(-9, 9), min_size=n, max_size=n))
    strided = numeric.conv1d(np.array(x), np.array(sm.flip(q), dtype=np.int64), stride=s)
    assert StridedConv(q, s).matrix(n) * as_column(x) == as_column(strided)
    a = data.draw(st.integers(0, s - 1))
    transposed = numeric.conv_transpose1d(np.array(x), np.array(q), stride=s, output_padding=a)
    assert TransposedConv(q, s, output_padding=a).matrix(n) * as_column(x) == as_column(transposed)


def test_max_pool_selection_matches_numeric_switches():
    numeric = pytest.importorskip("course_lib.numeric")
    x = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
    pooled, indices = numeric.max_pool2d(np.array([x]), (1, 3), (1, 2), return_indices=True)
    selection = sm.max_pool_selection(x, 3, 2)
    assert list(selection * as_column(x)) == pooled[0].tolist()
    assert [row.index(1) for row in selection.tolist()] == indices[0].tolist()


# ---------------------------------------------------------------------------------------------
# interleave and the wording of Agreement


def test_interleave_equals_the_transposed_convolution():
    from course_lib import numeric
    rng = np.random.default_rng(0)
    for size in range(1, 7):
        for s in (2, 3):
            x, w = rng.integers(-4, 5, 4), rng.integers(-4, 5, size)
            outputs = [np.convolve(x, np.array(phase, dtype=int)) for phase in sm.kernel_phases(w, s)]
            assert np.array_equal(sm.interleave(outputs, s),
                                  numeric.conv_transpose1d(x, w, stride=s, output_padding=(-size) % s))


def test_interleave_small_case_and_bad_input():
    assert sm.interleave([[1, 2, 3], [10, 20]], 2).tolist() == [1, 10, 2, 20, 3]
    assert sm.interleave([[5]], 1).tolist() == [5]
    with pytest.raises(ValueError, match="one output per phase"):
        sm.interleave([[1, 2]], 2)
    with pytest.raises(ValueError, match=r"outputs\[0\] must have 2 samples"):
        sm.interleave([[1], [3, 4]], 2)
    with pytest.raises(TypeError, match="outputs"):
        sm.interleave("ab", 2)
    with pytest.raises(TypeError, match="s must"):
        sm.interleave([[1], [2]], 2.0)
    with pytest.raises(TypeError, match=r"outputs\[0\]"):
        sm.interleave([[[1]], [2]], 2)


@pytest.mark.parametrize("lengths, text", [
    ((1,), "n = 1"), ((3, 5), "n = 3 and 5"), ((1, 2, 3, 5), "n = 1 to 3 and 5"),
    ((6, 8, 10, 12), "n = 6, 8, 10 and 12"), (tuple(range(1, 13)), "n = 1 to 12"), ((1, 2), "n = 1 and 2"),
])
def test_lengths_read_as_words(lengths, text):
    assert sm._lengths_text(lengths) == text
