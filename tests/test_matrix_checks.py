"""course_lib.matrix_checks and the helpers lesson 04 moved into course_lib.symbolic."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

from course_lib import matrix_checks, numeric, symbolic


def test_sweeps_agree_everywhere():
    assert matrix_checks.compare_with_conv2d(matrix_checks.SETTINGS_2D[::7]) == (40, 40)
    assert matrix_checks.block_rule(matrix_checks.SETTINGS_BLOCKS[::5]) == (15, 15)
    shifts = matrix_checks.row_shifts(matrix_checks.SETTINGS_1D[::9])
    assert shifts["pairs"] == shifts["shifted"] and shifts["cut_without_padding"] == 0


def test_rule_matches_conv_matrix_and_rejects_bad_input():
    w = sympy.symbols("w0:3")
    for i, k, s, p, d in matrix_checks.SETTINGS_1D[::11]:
        assert symbolic.conv_matrix_by_rule(i, w[:k], s, p, d) == symbolic.conv_matrix(i, w[:k], stride=s,
                                                                                       padding=p, dilation=d)
    with pytest.raises(ValueError, match="fit"):
        symbolic.conv_matrix_by_rule(2, [1, 2, 3])
    with pytest.raises(ValueError, match="stride"):
        symbolic.conv_matrix_by_rule(5, [1, 2], stride=0)
    with pytest.raises(TypeError, match="kernel"):
        symbolic.conv_matrix_by_rule(5, 3)


def test_toeplitz_and_as_array():
    assert symbolic.is_toeplitz(symbolic.conv_matrix(6, [1, 2, 3], padding=1))
    assert not symbolic.is_toeplitz(symbolic.conv_matrix(6, [1, 2, 3], stride=2))
    assert symbolic.as_array(symbolic.conv_matrix(3, [1, 2]), int).tolist() == [[1, 2, 0], [0, 1, 2]]
    with pytest.raises(TypeError, match="M must be"):
        symbolic.is_toeplitz([[1]])
    with pytest.raises(ValueError, match="numeric"):
        symbolic.as_array(symbolic.kernel_symbols(2))


def test_finite_differences_are_the_transposed_convolution_and_the_correlation():
    rng = np.random.RandomState(0)
    x, w = rng.randint(-3, 4, (6, 6)), rng.randint(-3, 4, (3, 3))
    g = rng.randint(-3, 4, numeric.conv2d(x, w, stride=2, padding=1).shape)
    dx, dw = matrix_checks.finite_differences(x, w, g, s=2, p=1)
    assert np.array_equal(dx, numeric.conv_transpose2d(g, w, stride=2, padding=1, output_padding=1))
    assert np.array_equal(dw, numeric.conv2d(x, g, padding=1, dilation=2)[:3, :3])
    with pytest.raises(ValueError, match="g must have"):
        matrix_checks.finite_differences(x, w, g[:1], s=2, p=1)


def test_counts_and_ranks():
    assert matrix_checks.layer_counts(84, 4, 16, 8, 4) == {
        "rows": 6400, "cols": 28224, "entries": 6400 * 28224, "nonzeros": 1_638_400, "distinct": 4096}
    assert matrix_checks.multiply_adds(224, 3, 1)["sparse"] == 448_900
    assert matrix_checks.ranks([(7, 3, 1, 0)]) == [(7, 3, 1, 0, 5, 5)]
    with pytest.raises(ValueError):
        matrix_checks.ranks([(7, 3, 1)])
    with pytest.raises(TypeError):
        matrix_checks.compare_with_conv2d(5)
    with pytest.raises(ValueError, match="f_in"):
        matrix_checks.layer_counts(8, 0, 1, 3)


def test_strided_rows_are_the_unit_stride_rows_and_not_toeplitz():
    found = matrix_checks.strided_rows()
    assert found["subsampled"] == found["strided"] > 0
    assert found["one_line"] + found["not_toeplitz"] == found["strided"]        # the sweep has p < k
    assert matrix_checks.strided_rows([(6, 3, 1, 0, 1)]) == {"strided": 0, "subsampled": 0, "one_line": 0,
                                                              "not_toeplitz": 0}
    with pytest.raises(ValueError):
        matrix_checks.strided_rows([(6, 3, 2, 0)])
    with pytest.raises(TypeError):
        matrix_checks.strided_rows("6, 3, 2, 0, 1")


def test_nnz_counts_over_the_square_sweep():
    counts = matrix_checks.nnz_counts()
    assert counts["shape_ok"] == counts["product"] == counts["settings"] == len(matrix_checks.SETTINGS_SQUARE)
    assert counts["full_rows"] == counts["unpadded"] > 0
    with pytest.raises(ValueError):
        matrix_checks.nnz_counts([(4, 3, 1)])


def test_transposed_views_agree_and_restore_the_input_size():
    views = matrix_checks.transposed_views([(4, 3, 1, 0), (6, 3, 2, 1), (7, 3, 2, 1)], seed=5)
    assert all(v["agree"] and v["shape"] == (v["i"], v["i"]) for v in views)
    assert [v["a"] for v in views] == [0, 1, 0]
    with pytest.raises(ValueError):
        matrix_checks.transposed_views([(4, 3, 1, 0)], seed=-1)
    with pytest.raises(TypeError):
        matrix_checks.transposed_views(5)
