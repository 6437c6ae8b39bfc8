"""Tests for course_lib.deconvolution: C, the rank test, least squares, Tikhonov, sparse coding."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from course_lib import numeric, symbolic
from course_lib.deconvolution import (
    conv_matrix,
    is_invertible,
    least_squares_deconvolve,
    regularised_deconvolve,
    sparse_code,
)

SETTINGS = [(i, k, s, p) for i in range(1, 7) for k in range(1, 4) for s in (1, 2, 3) for p in range(k)
            if k <= i + 2 * p]


@pytest.mark.parametrize("i, k, s, p", SETTINGS[::3])
def test_conv_matrix_matches_symbolic_and_numeric(i, k, s, p):
    rng = np.random.default_rng(i * 100 + k * 10 + s + p)
    w = rng.integers(-3, 4, k)
    C = conv_matrix(i, w, stride=s, padding=p)
    exact = np.array(symbolic.conv_matrix(i, w.tolist(), stride=s, padding=p), dtype=float)
    np.testing.assert_array_equal(C, exact)
    x = rng.normal(size=i)
    np.testing.assert_allclose(C @ x, numeric.conv1d(x, w, stride=s, padding=p))
    a = (i + 2 * p - k) % s                              # output_padding that restores i
    np.testing.assert_allclose(C.T @ (C @ x), numeric.conv_transpose1d(C @ x, w, stride=s, padding=p, output_padding=a))


@pytest.mark.parametrize("i, k, s, p", SETTINGS[::2])
def test_rank_test_agrees_with_exact_rank(i, k, s, p):
    w = [1, -2, 3][:k]
    exact = symbolic.conv_matrix(i, w, stride=s, padding=p).rank() == i
    assert is_invertible(i, w, stride=s, padding=p) == exact


def test_full_padding_is_always_invertible_and_valid_is_not():
    for w in ([1, 1], [1, 2, 1], [0, 0, 5]):
        assert is_invertible(6, w, padding=len(w) - 1)
    assert not is_invertible(6, [1, 2, 1])
    # lesson 04: the all-ones kernel with 'same' padding is singular exactly for i = 2 mod 3
    assert [i for i in range(2, 12) if not is_invertible(i, [1, 1, 1], padding=1)] == [2, 5, 8, 11]


def test_least_squares_recovers_when_invertible_and_is_min_norm_otherwise():
    rng = np.random.default_rng(0)
    x = rng.normal(size=10)
    w = [0.25, 0.5, 0.25]
    np.testing.assert_allclose(least_squares_deconvolve(numeric.conv1d(x, w, padding=2), w, 10, padding=2), x)
    y = numeric.conv1d(x, w, stride=2, padding=1)
    x_hat = least_squares_deconvolve(y, w, 10, stride=2, padding=1)
    np.testing.assert_allclose(numeric.conv1d(x_hat, w, stride=2, padding=1), y, atol=1e-12)
    C = conv_matrix(10, w, stride=2, padding=1)
    np.testing.assert_allclose(x_hat, np.linalg.pinv(C) @ y, atol=1e-10)
    assert np.linalg.norm(x_hat) < np.linalg.norm(x)


def test_regularised_solve_is_the_normal_equation_and_tends_to_least_squares():
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=8), [1.0, 2.0, 1.0]
    y = numeric.conv1d(x, w, padding=2)
    C = conv_matrix(8, w, padding=2)
    lam = 0.3
    x_hat = regularised_deconvolve(y, w, 8, lam, padding=2)
    np.testing.assert_allclose(C.T @ (C @ x_hat - y) + lam * x_hat, 0, atol=1e-10)
    np.testing.assert_allclose(regularised_deconvolve(y, w, 8, 1e-12, padding=2), x, atol=1e-5)


def test_regularisation_helps_with_noise():
    x = np.zeros(32); x[6:12] = 2; x[16] = 3
    w = np.array([1, 2, 1]) / 4
    y = numeric.conv1d(x, w, padding=2) + np.random.default_rng(1).normal(0, 0.02, 34)
    plain = np.linalg.norm(least_squares_deconvolve(y, w, 32, padding=2) - x)
    damped = np.linalg.norm(regularised_deconvolve(y, w, 32, 1e-3, padding=2) - x)
    assert damped < plain


def test_sparse_code_finds_the_generating_spikes():
    filters = np.array([[1., 2., 1.], [1., 0., -1.]])
    z = np.zeros((2, 10)); z[0, 2] = 2; z[1, 6] = 1; z[0, 8] = -1
    y = sum(numeric.conv_transpose1d(row, f) for row, f in zip(z, filters))
    code = sparse_code(y, filters, lam=0.1)
    assert [np.flatnonzero(np.abs(row) > 0.1).tolist() for row in code.z] == [[2, 8], [6]]
    assert all(b <= a + 1e-12 for a, b in zip(code.objective, code.objective[1:]))   # ISTA descends
    np.testing.assert_allclose(code.reconstruction, sum(numeric.conv_transpose1d(r, f) for r, f in zip(code.z, filters)))
    assert "units above 5 %" in code._repr_markdown_()
    assert repr(code) == "SparseCode(z: 2 maps of length 10, objective 17 → 0.3963 in 500 steps)"
    assert "\n" not in repr(code)


def test_sparse_code_with_zero_weight_fits_exactly():
    filters = np.array([[1., 1.]])
    y = np.array([1., 3., 2.])
    code = sparse_code(y, filters, lam=0, steps=2000)
    np.testing.assert_allclose(code.reconstruction, y, atol=1e-6)


@pytest.mark.parametrize("call, error, match", [
    (lambda: conv_matrix(0, [1]), ValueError, "i must be >= 1"),
    (lambda: conv_matrix(3, [[1, 2]]), ValueError, "w must be a non-empty 1-D"),
    (lambda: conv_matrix(3, ["a"]), TypeError, "w must be a 1-D sequence"),
    (lambda: conv_matrix(2, [1, 2, 3]), ValueError, "must fit the padded input"),
    (lambda: conv_matrix(3, [1], stride=0), ValueError, "stride must be >= 1"),
    (lambda: least_squares_deconvolve([1, 2], [1, 1], 4), ValueError, "y must have the layer's output length 3"),
    (lambda: regularised_deconvolve([1, 2], [1], 2, 0), ValueError, "lam must be a number > 0"),
    (lambda: regularised_deconvolve([1, 2], [1], 2, True), ValueError, "lam must be a number > 0"),
    (lambda: sparse_code([1, 2], [[1, 2, 3]], 0.1), ValueError, "must not be longer than y"),
    (lambda: sparse_code([1, 2, 3], [1, 2], 0.1), ValueError, "filters must be a non-empty 2-D"),
    (lambda: sparse_code([1, 2, 3], [[0, 0]], 0.1), ValueError, "must not all be zero"),
    (lambda: sparse_code([1, 2, 3], [[1, 1]], -1), ValueError, "lam must be a number >= 0"),
    (lambda: sparse_code([1, 2, 3], [[1, 1]], 0.1, steps=0), ValueError, "steps must be >= 1"),
    (lambda: sparse_code([1, 2, 3], [[1, 1]], 0.1, steps=2.0), TypeError, "steps must be an integer"),
])
def test_validation(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_no_sympy_needed():
    assert sympy  # the tests use SymPy for exact ranks; the module itself does not
    import course_lib.deconvolution as module
    assert "sympy" not in module.__dict__
