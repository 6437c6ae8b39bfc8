"""course_lib.transposed: lesson 05's three constructions agree with numeric and with each other."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import arithmetic, numeric, transposed


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 4), k=st.integers(1, 4), s=st.integers(1, 3), d=st.integers(1, 3), data=st.data())
def test_scatter_and_emulate_match_numeric_in_1d_and_2d(n, k, s, d, data):
    k_hat = (k - 1) * d + 1
    full = (n - 1) * s + k_hat
    p = data.draw(st.integers(0, (full - 1) // 2))
    a = data.draw(st.integers(0, max(s, d) - 1))
    rng = np.random.default_rng(n * 100 + k * 10 + s)
    for shape_y, shape_w in (((n,), (k,)), ((n, n), (k, k))):
        y, w = rng.integers(-3, 4, shape_y), rng.integers(-3, 4, shape_w)
        conv_t = numeric.conv_transpose1d if len(shape_y) == 1 else numeric.conv_transpose2d
        expected = conv_t(y, w, stride=s, padding=p, output_padding=a, dilation=d)
        assert np.array_equal(transposed.scatter(y, w, s, p, a, d), expected)
        assert np.array_equal(transposed.emulate(y, w, s, p, a, d), expected)


def test_the_unrotated_kernel_is_wrong_unless_centrosymmetric():
    y = np.array([[1, 2], [3, 4]])
    w = np.array([[1, 2], [3, 4]])
    assert not np.array_equal(transposed.emulate(y, w, rotate=False), transposed.scatter(y, w))
    centro = np.array([[1, 2, 3], [4, 5, 4], [3, 2, 1]])
    assert np.array_equal(transposed.emulate(y, centro, rotate=False), transposed.scatter(y, centro))


def test_by_matrix_is_c_transpose():
    y, w = np.array([[1, 2], [3, 4]]), np.arange(9).reshape(3, 3)
    assert np.array_equal(transposed.by_matrix(y, w, i=4, s=2, p=1),
                          numeric.conv_transpose2d(y, w, stride=2, padding=1, output_padding=1))
    with pytest.raises(ValueError, match="output shape"):
        transposed.by_matrix(y, w, i=5, s=1, p=0)


def test_sweeps_find_no_disagreement():
    agree, total = transposed.compare_three_ways(5, 3, 3)
    assert agree == total > 50
    assert all(good == total > 0 for good, total in transposed.check_relationships(6, 3, 3).values())


def test_relationship_value_outside_conditions_and_inside():
    assert transposed.relationship_value(8, 5, 3, 1, 1) == 7 != 5
    for n in range(8, 15):
        for i, k, s, p in [(5, 3, 1, 0), (5, 3, 1, 1), (7, 3, 2, 1), (6, 3, 2, 1), (4, 3, 1, 2)]:
            if arithmetic.relationship(n).applies(i, k, s, p):
                assert transposed.relationship_value(n, i, k, s, p) == i


def test_round_trip_and_useful_share():
    assert [transposed.round_trip(i, 5, 3, 2) for i in (16, 17, 18)] == [16, 16, 16]
    assert transposed.round_trip(16, 3, 2, 1, output_padding=1) == 16
    useful, total = transposed.useful_share(96, 3, 2, 1)
    assert total == 96 * 96 * 9 and abs(useful / total - 0.25) < 0.01


def test_scatter_landing_inside_equals_the_useful_multiplications():
    for i in range(3, 12):
        for k in range(1, 4):
            for s in range(1, 4):
                for p in range(k):
                    inside, total = transposed.scatter_landing(i, k, s, p)
                    assert inside == transposed.useful_share(i, k, s, p)[0] and inside <= total
    assert transposed.scatter_landing(6, 3, 2, 1) == (64, 81)


def test_lesson_sweeps_hold_on_small_grids():
    agree, tried = transposed.check_round_trips(12, 4, 3)
    assert agree == tried > 100
    agree, tried = transposed.check_output_padding_units(3, 3, 3, 2)
    assert agree == tried > 50
    sweep = transposed.check_dilated(6, 3, 2, 2)
    assert sweep.agree == sweep.tried > 50 and sweep.undilated_wrong == sweep.dilated > 0
    agree, tried = transposed.check_keras_formulas(3, 4, 3)
    assert agree == tried == 36
    assert transposed.keras_none_equals_zero(3, 4, 3) == [(1, 1)]


def test_output_padding_sweep_notices_a_wrong_claim(monkeypatch):
    # if conv_transpose1d put zeros where the crop removed computed units, the sweep would say so
    real = numeric.conv_transpose1d
    def zeros_instead(y, w, stride=1, padding=0, output_padding=0, **kw):
        out = real(y, w, stride=stride, padding=padding, output_padding=output_padding, **kw)
        if output_padding:
            out[-output_padding:] = 0
        return out
    monkeypatch.setattr(numeric, "conv_transpose1d", zeros_instead)
    agree, tried = transposed.check_output_padding_units(3, 3, 3, 2)
    assert agree < tried


@pytest.mark.parametrize("call, error, words", [
    (lambda: transposed.scatter_landing(2, 5), ValueError, "kernel size"),
    (lambda: transposed.check_round_trips(i_max=0), ValueError, "i_max"),
    (lambda: transposed.check_output_padding_units(s_max=1), ValueError, "s_max"),
    (lambda: transposed.check_dilated(d_max=0), ValueError, "d_max"),
    (lambda: transposed.check_keras_formulas(n_max=1.5), TypeError, "n_max"),
    (lambda: transposed.keras_none_equals_zero(k_max=0), ValueError, "k_max"),
    (lambda: transposed.scatter([1, 2], [[1]]), ValueError, "same number of axes"),
    (lambda: transposed.scatter(["a"], [1]), TypeError, "y must be"),
    (lambda: transposed.scatter([1], [1, 2], s=0), ValueError, "s must be"),
    (lambda: transposed.scatter([1], [1, 2], p=2), ValueError, "crops the whole output"),
    (lambda: transposed.emulate([1], [1, 2], rotate=1), TypeError, "rotate"),
    (lambda: transposed.emulate([1], [1, 2], p=3), ValueError, "crops the whole output"),
    (lambda: transposed.relationship_value(7, 5, 3), ValueError, "n must be"),
    (lambda: transposed.round_trip(5, 3, output_padding=-1), ValueError, "output_padding"),
    (lambda: transposed.useful_share(5, 3, 1, 3), ValueError, "p must be at most"),
    (lambda: transposed.compare_three_ways(i_max=2.0), TypeError, "i_max"),
])
def test_bad_input_names_the_parameter(call, error, words):
    with pytest.raises(error, match=words):
        call()
