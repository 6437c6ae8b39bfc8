"""course_lib.sweeps: each sweep confirms a true claim, catches a false one, and rejects bad input."""

import numpy as np
import pytest

from course_lib import arithmetic, numeric, sweeps


def flipped(x, w):
    return numeric.conv2d(x, np.rot90(w, 2))


def true_convolution(x, w):
    k1, k2 = w.shape
    full = np.zeros((x.shape[0] + k1 - 1, x.shape[1] + k2 - 1), dtype=x.dtype)
    for g, h in np.ndindex(x.shape):
        full[g:g + k1, h:h + k2] += x[g, h] * w
    return full[k1 - 1:x.shape[0], k2 - 1:x.shape[1]]


def test_sweep_reads_as_a_sentence_and_never_as_a_repr():
    ok, bad = sweeps.Sweep("a holds", 4), sweeps.Sweep("a holds", 4, failures=("i=1",))
    assert ok.holds and str(ok) == repr(ok) == ok._repr_markdown_() == "Checked on 4 cases: a holds."
    assert not bad.holds and "FAILS in 1 of 4 cases, e.g. i=1" in str(bad)
    assert not sweeps.Sweep("a holds", 0).holds
    assert "Sweep(" not in repr(ok)


def test_table_shows_markdown_and_text():
    table = sweeps.Table(("a", "b"), ((1, 2),))
    assert table._repr_markdown_() == "| a | b |\n|---|---|\n| 1 | 2 |"
    assert str(table) == repr(table) == "a | b\n1 | 2"


def test_compare_on_random_finds_a_true_and_a_false_claim():
    assert sweeps.compare_on_random(true_convolution, flipped, trials=60, input_sides=(3, 6),
                                    kernel_sides=(1, 3)).holds
    wrong = sweeps.compare_on_random(true_convolution, numeric.conv2d, trials=60, input_sides=(3, 6),
                                     kernel_sides=(2, 3))
    assert not wrong.holds and wrong.failures


def test_compare_on_random_says_what_it_covered():
    result = sweeps.compare_on_random(numeric.conv2d, numeric.conv2d, trials=300, seed=0)
    counts = result.counts
    assert counts["trials"] == 300 and counts["skipped"] == 300 - result.cases and counts["fitting_pairs"] == 28 ** 2
    assert 0 < counts["shape_pairs"] <= result.cases
    assert f"the {counts['skipped']} draws whose kernel was larger" in str(result)
    assert f"cover {counts['shape_pairs']} of the 784 pairs" in str(result)
    fitting = sweeps.compare_on_random(numeric.conv2d, numeric.conv2d, trials=30, input_sides=(4, 8),
                                       kernel_sides=(1, 4))
    assert fitting.cases == 30 and fitting.counts["fitting_pairs"] == 20 ** 2
    assert "every kernel drawn fitted its input" in str(fitting)


@pytest.mark.parametrize("kwargs, error", [
    ({"trials": 0}, ValueError), ({"input_sides": (5, 2)}, ValueError), ({"input_sides": 3}, TypeError),
    ({"kernel_sides": (0, 2)}, ValueError), ({"trials": 2.5}, TypeError),
])
def test_compare_on_random_rejects_bad_input(kwargs, error):
    with pytest.raises(error):
        sweeps.compare_on_random(numeric.conv2d, numeric.conv2d, **kwargs)


def test_strided_and_transpose_sweeps_hold():
    assert sweeps.strided_equals_subsampled(trials=100).holds
    result = sweeps.transpose_as_flip(true_convolution, trials=60)
    assert result.holds and 0 < result.counts["symmetric"] < 60
    assert not sweeps.transpose_as_flip(numeric.conv2d, trials=60).holds   # the unflipped kernel is no convolution
    with pytest.raises(TypeError):
        sweeps.transpose_as_flip("not a function")


def test_layer_matrix_counts_connections():
    ones = np.ones((3, 2, 3, 3), dtype=int)
    matrix = sweeps.layer_matrix((2, 5, 5), ones)
    assert matrix.shape == (27, 50) and np.count_nonzero(matrix) == arithmetic.conv_multiply_adds(2, 3, (3, 3), (3, 3))
    padded = sweeps.layer_matrix((1, 5, 5), np.ones((1, 1, 3, 3), dtype=int), padding=1)
    assert np.count_nonzero(padded) == 169
    x = np.arange(50).reshape(2, 5, 5)
    assert np.array_equal(matrix @ x.ravel(), numeric.conv2d(x, ones).ravel())
    with pytest.raises(ValueError):
        sweeps.layer_matrix((5, 5), ones)
    with pytest.raises(ValueError):
        sweeps.layer_matrix((2, 5, 5), ones, padding=-1)


def test_bare_formula_ignores_conditions_and_checks_its_input():
    assert sweeps.bare_formula(1, 5, 3, 1, 1) == 3 and len(arithmetic.kernel_placements(5, 3, 1, 1)) == 5
    assert sweeps.bare_formula(6, 5, 3, 2, 1) == arithmetic.conv_output_size(5, 3, 2, 1)
    for bad, error in (((8, 5, 3), ValueError), ((1, 0, 3), ValueError), ((1, 5.0, 3), TypeError)):
        with pytest.raises(error):
            sweeps.bare_formula(*bad)


def test_relationship_sweep_and_outside_table():
    result = sweeps.relationships_against_counts(6, 4, 2, 2)
    assert result.holds and set(result.counts) == set(range(1, 7)) and all(result.counts.values())
    table = sweeps.outside_conditions([(3, "k = 4 even", 5, 4, 1, 2)])
    assert table.rows == ((3, "k = 4 even", "5, 4, 1, 2", 5, 6),)
    with pytest.raises(ValueError, match="applies"):
        sweeps.outside_conditions([(1, "none", 5, 3, 1, 0)])


def test_padding_and_floor_sweeps_hold():
    assert sweeps.symmetric_padding_matches_same(10, 4, 3).holds
    assert sweeps.same_padding_against_recording([(8, 3, 2, 3, 4), (5, 1, 3, 2, 2)]).holds
    assert not sweeps.same_padding_against_recording([(8, 3, 2, 3, 5)]).holds
    assert sweeps.sharing_groups(10, 4, 3, 2).holds
    assert sweeps.unread_tail(10, 4, 3, 2).holds
    assert sweeps.odd_kernel_sizes(20, (1, 3, 5), (1, 2, 3)).holds
    with pytest.raises(ValueError):
        sweeps.odd_kernel_sizes(20, (2,), (1,))


def test_halving_chain_and_unread_sentence():
    assert sweeps.halving_chain(224) == [224, 112, 56, 28, 14, 7, 4, 2, 1]
    assert sweeps.halving_chain(9, k=3, s=3, p=0) == [9, 3, 1]
    with pytest.raises(ValueError):
        sweeps.halving_chain(0)
    assert "positions 1 (input unit 1), 3 (input unit 3), 5 (input unit 5)" in sweeps.unread_sentence(6, 1, 2, 0)
    with pytest.raises(ValueError):
        sweeps.unread_sentence(2, 5, 1, 0)


def test_relationship_sweep_counts_what_relationship_applies_counts():
    from itertools import product
    result = sweeps.relationships_against_counts(5, 4, 2, 2)
    expected = {n: sum(1 for i, k, s, p in product(range(1, 6), range(1, 5), range(1, 3), range(3))
                       if k <= i + 2 * p and arithmetic.relationship(n).applies(i, k, s, p)) for n in range(1, 7)}
    assert result.counts == expected


def test_symmetric_padding_sweep_counts_odd_totals_and_the_short_output():
    result = sweeps.symmetric_padding_matches_same(10, 4, 3)
    assert result.holds and 0 < result.counts["odd"] < result.cases
    assert "TensorFlow's total padding P is even" in str(result) and "one output unit fewer" in str(result)
    # i = 8, k = 3, s = 2: P = 1 is odd; p = 0 gives one unit fewer than "SAME", p = 1 the size but other values
    assert arithmetic.conv_output_size(8, 3, 2, 0) == len(numeric.conv1d(np.arange(8), np.ones(3), stride=2, padding="same")) - 1
    with pytest.raises(ValueError):
        sweeps.symmetric_padding_matches_same(0)


def test_recorded_lengths_look_up_by_name_and_show_their_ranges():
    tf = sweeps.recorded_lengths("tensorflow conv1d VALID and SAME lengths")
    torch = sweeps.recorded_lengths("pytorch conv1d output lengths")
    assert tf.length("SAME", i=5, k=1, s=3) == 2 and tf.length("VALID", i=10, k=3, s=2) == 4
    assert torch.length("padding=p", i=10, k=3, s=2, p=0) == 4
    assert torch.ranges() == "i = 7..10, k = 2..4, s = 1..3, p = 0..2" and tf.ranges() == "i = 4..10, k = 1..4, s = 1..3"
    assert str(tf) == repr(tf) == tf._repr_markdown_() and "84 settings" in str(tf) and "LengthRecords(" not in str(tf)
    assert all(o == arithmetic.conv_output_size(i, k, s, p) for i, k, s, p, o in torch.rows)
    gapped = sweeps.LengthRecords("X", ("k",), ("o",), ((1, 1), (3, 1), (5, 1)))
    assert gapped.ranges() == "k = 1, 3, 5"
    with pytest.raises(ValueError, match="which"):
        tf.length("FULL", i=5, k=1, s=3)
    with pytest.raises(TypeError, match="every setting"):
        tf.length("SAME", i=5, k=1)
    with pytest.raises(ValueError, match="not recorded"):
        tf.length("SAME", i=50, k=1, s=3)
    with pytest.raises(ValueError, match="name must be one of"):
        sweeps.recorded_lengths("keras Conv1D padding=1")
    with pytest.raises(TypeError):
        sweeps.recorded_lengths(3)
