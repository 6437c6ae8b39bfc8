"""Tests for course_lib.arithmetic: every size formula against brute-force kernel placements."""

import itertools

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from course_lib import arithmetic as ar


def placements(length, window, step):
    """Brute force: count the positions where a window fits in a line, moving by ``step``."""
    return sum(1 for start in range(0, length, step) if start + window <= length)


def brute_conv(i, k, s=1, p=0, d=1):
    return placements(i + 2 * p, k + (k - 1) * (d - 1), s)


def brute_transposed(i, k, s=1, p=0, d=1, a=0):
    """Scatter each input unit's dilated kernel copy, crop p each side, append a: count units."""
    touched = {j * s + t * d for j in range(i) for t in range(k)}
    full = max(touched) + 1
    return full - 2 * p + a


params = st.tuples(
    st.integers(1, 30), st.integers(1, 7), st.integers(1, 5), st.integers(0, 6), st.integers(1, 4)
)


@settings(max_examples=400, deadline=None)
@given(params)
def test_conv_output_size_counts_kernel_placements(args):
    i, k, s, p, d = args
    assume(k + (k - 1) * (d - 1) <= i + 2 * p)
    assert ar.conv_output_size(i, k, s, p, d) == brute_conv(i, k, s, p, d)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 30), st.integers(1, 7), st.integers(1, 5))
def test_pool_output_size_counts_window_placements(i, k, s):
    assume(k <= i)
    assert ar.pool_output_size(i, k, s) == placements(i, k, s)


@settings(max_examples=400, deadline=None)
@given(params, st.integers(0, 4))
def test_transposed_output_size_counts_scattered_units(args, a):
    i, k, s, p, d = args
    assume(a < max(s, d))
    o = brute_transposed(i, k, s, p, d, a)
    if o >= 1:
        assert ar.transposed_output_size(i, k, s, p, d, a) == o
    else:
        with pytest.raises(ValueError, match="transposed output size"):
            ar.transposed_output_size(i, k, s, p, d, a)


@settings(max_examples=400, deadline=None)
@given(params)
def test_transposed_equivalent_restores_input_size(args):
    i, k, s, p, d = args
    k_hat = k + (k - 1) * (d - 1)
    assume(k_hat <= i + 2 * p)
    eq = ar.transposed_equivalent(i, k, s, p, d)
    assert eq.i_prime == brute_conv(i, k, s, p, d)
    assert eq.i_stretched == eq.i_prime + (eq.i_prime - 1) * (s - 1)
    assert (eq.k_prime, eq.s_prime, eq.d_prime) == (k, 1, d)
    assert eq.p_prime == k_hat - p - 1
    # The emulating convolution, counted by brute force, gives back the input size i ...
    emulated = placements(eq.i_stretched + 2 * eq.p_prime + eq.a, k_hat, 1)
    assert emulated == eq.o_prime == i
    # ... and a is exactly PyTorch's output_padding for the transposed layer.
    assert ar.transposed_output_size(eq.i_prime, k, s, p, d, eq.a) == i


@pytest.mark.parametrize(
    "i, k, s, p, i_prime, i_stretched, p_prime, a",
    [  # The guide's Figures 4.1-4.7.
        (4, 3, 1, 0, 2, 2, 2, 0),
        (5, 4, 1, 2, 6, 6, 1, 0),
        (5, 3, 1, 1, 5, 5, 1, 0),
        (5, 3, 1, 2, 7, 7, 0, 0),
        (5, 3, 2, 0, 2, 3, 2, 0),
        (5, 3, 2, 1, 3, 5, 1, 0),
        (6, 3, 2, 1, 3, 5, 1, 1),
    ],
)
def test_transposed_equivalent_matches_the_guides_figures(i, k, s, p, i_prime, i_stretched, p_prime, a):
    eq = ar.transposed_equivalent(i, k, s, p)
    assert (eq.i_prime, eq.i_stretched, eq.p_prime, eq.a, eq.o_prime) == (i_prime, i_stretched, p_prime, a, i)


def test_transposed_equivalent_is_frozen():
    eq = ar.transposed_equivalent(5, 3)
    with pytest.raises(AttributeError):
        eq.a = 1


def test_common_wrong_formula_for_p_prime_differs():
    """Erratum (docs/ERRATA.md): p' = k - 1 - 2p is wrong; i=5, k=3, s=2, p=1 shows it."""
    eq = ar.transposed_equivalent(5, 3, 2, 1)
    assert eq.p_prime == 1 != 3 - 1 - 2 * 1


def test_same_settings_do_not_always_restore_the_input_size():
    # i=6, k=3, s=2, p=1 gives o=3; without output_padding the transpose gives 5, not 6.
    o = ar.conv_output_size(6, 3, 2, 1)
    assert ar.transposed_output_size(o, 3, 2, 1) == 5
    assert ar.transposed_output_size(o, 3, 2, 1, a=1) == 6


def test_effective_kernel_size():
    assert ar.effective_kernel_size(3, 1) == 3
    assert ar.effective_kernel_size(3, 2) == 5
    assert ar.effective_kernel_size(1, 7) == 1


# --- Relationships ---------------------------------------------------------------------------

def satisfying(n, rng, count=60):
    """Random parameter sets (i, k, s, p, d) for which Relationship n applies."""
    rel = ar.relationship(n)
    found = []
    tries = 0
    while len(found) < count and tries < 20000:
        tries += 1
        k = int(rng.integers(1, 8))
        s = int(rng.integers(1, 5)) if rng.random() < 0.6 else 1
        p = int(rng.integers(0, 7)) if rng.random() < 0.5 else rng.choice([0, k // 2, k - 1])
        d = int(rng.integers(1, 4)) if n == 15 else 1
        i = int(rng.integers(1, 25))
        p = int(p)
        if rel.kind == "pooling":
            p = 0
            if k > i:
                continue
        elif k + (k - 1) * (d - 1) > i + 2 * p:
            continue
        if rel.applies(i, k, s, p, d):
            found.append((i, k, s, p, d))
    assert len(found) >= 10, f"too few parameter sets found for Relationship {n}"
    return found


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 15])
def test_direct_relationships_match_brute_force(n):
    rng = np.random.default_rng(n)
    for i, k, s, p, d in satisfying(n, rng):
        assert ar.relationship(n).evaluate(i, k, s, p, d) == brute_conv(i, k, s, p, d)


def test_pooling_relationship_matches_brute_force():
    rng = np.random.default_rng(7)
    for i, k, s, _, _ in satisfying(7, rng):
        assert ar.relationship(7).evaluate(i, k, s) == placements(i, k, s)


@pytest.mark.parametrize("n", range(8, 15))
def test_transposed_relationships_restore_the_input_size(n):
    rel = ar.relationship(n)
    rng = np.random.default_rng(n)
    for i, k, s, p, d in satisfying(n, rng):
        eq = ar.transposed_equivalent(i, k, s, p, d)
        values = {ar.SYMBOLS["i"]: i, ar.SYMBOLS["k"]: k, ar.SYMBOLS["s"]: s, ar.SYMBOLS["p"]: p,
                  ar.SYMBOLS["i_prime"]: eq.i_prime}
        # The relationship's description of the emulating convolution is the true one.
        for fact in rel.equivalent:
            lhs = fact.lhs.subs(values)
            expected = {
                ar.SYMBOLS["k_prime"]: eq.k_prime, ar.SYMBOLS["s_prime"]: eq.s_prime,
                ar.SYMBOLS["p_prime"]: eq.p_prime, ar.SYMBOLS["i_stretched"]: eq.i_stretched,
                ar.SYMBOLS["a"]: eq.a,
            }[lhs]
            assert int(fact.rhs.subs(values)) == expected, (n, fact, i, k, s, p)
        o_prime = rel.evaluate(i, k, s, p, d)
        assert o_prime == i
        assert o_prime == placements(eq.i_stretched + 2 * eq.p_prime + eq.a, k, 1)


def test_relationship_3_with_even_kernel_gives_one_more():
    """The note of Relationship 3: k even with p = k/2 gives o = i + 1."""
    assert "o = i + 1" in ar.relationship(3).note
    for i in range(4, 12):
        for k in (2, 4):
            assert ar.conv_output_size(i, k, 1, k // 2) == i + 1
            assert not ar.relationship(3).applies(i, k, 1, k // 2)


def test_relationship_6_floor_ambiguity():
    """When (i + 2p - k) is a multiple of s > 1, inputs i .. i + s - 1 share one output size."""
    rng = np.random.default_rng(6)
    for i, k, s, p, d in satisfying(13, rng):  # Relationship 13's condition: a multiple of s
        o = ar.conv_output_size(i, k, s, p)
        assert {ar.conv_output_size(i + a, k, s, p) for a in range(s)} == {o}
        assert ar.conv_output_size(i + s, k, s, p) == o + 1
    assert "s input sizes" in ar.relationship(6).note


def test_relationships_are_sympy_objects():
    for n in range(1, 16):
        rel = ar.relationship(n)
        assert rel.number == n
        assert isinstance(rel.equation, sympy.Eq)
        assert all(isinstance(c, sympy.Basic) for c in rel.conditions + rel.equivalent)
        assert rel._repr_latex_().startswith(rf"$\text{{Relationship {n}}}")
        assert str(rel).startswith(f"Relationship {n} (")
    assert ar.relationship(14).transposed and not ar.relationship(6).transposed


def test_relationship_15_is_relationship_6_when_undilated():
    r6, r15 = ar.relationship(6).equation.rhs, ar.relationship(15).equation.rhs
    assert sympy.simplify(r15.subs(ar.SYMBOLS["d"], 1) - r6) == 0


def test_dilated_parameters_apply_only_to_relationship_15():
    assert ar.applicable_relationships(7, 3, 1, 0, d=2) == (15,)
    assert not ar.relationship(1).applies(7, 3, 1, 0, d=2)


def test_applicable_relationships_most_specific_first():
    assert ar.applicable_relationships(5, 3) == (1, 2, 5, 6, 15)
    assert ar.applicable_relationships(5, 3, 1, 2) == (4, 2, 6, 15)
    assert ar.applicable_relationships(5, 3, 2, 1) == (6, 15)
    assert ar.applicable_relationships(5, 3, transposed=True) == (8, 9, 12, 13, 14)
    assert ar.applicable_relationships(5, 3, 1, 1, transposed=True) == (10, 9, 13, 14)
    assert ar.applicable_relationships(6, 3, 2, 1, transposed=True) == (14,)


def test_evaluate_refuses_when_conditions_fail():
    with pytest.raises(ValueError, match="Relationship 1 does not apply"):
        ar.relationship(1).evaluate(5, 3, s=2)


@pytest.mark.parametrize("n, error", [(0, ValueError), (16, ValueError), (1.0, TypeError), ("3", TypeError)])
def test_relationship_bad_number(n, error):
    with pytest.raises(error, match="n must be"):
        ar.relationship(n)


# --- Validation ------------------------------------------------------------------------------

def test_numpy_integers_are_accepted():
    assert ar.conv_output_size(np.int64(5), np.int32(3), np.uint8(2), np.int16(1)) == 3
    assert isinstance(ar.conv_output_size(np.int64(5), 3), int)


@pytest.mark.parametrize("name, value, error, message", [
    ("i", 5.0, TypeError, "i must be an integer, got float 5.0"),
    ("k", True, TypeError, "k must be an integer, got bool True"),
    ("s", "2", TypeError, "s must be an integer, got str '2'"),
    ("p", None, TypeError, "p must be an integer, got NoneType None"),
    ("d", np.float64(1), TypeError, "d must be an integer"),
    ("i", 0, ValueError, "i must be >= 1, got 0"),
    ("k", 0, ValueError, "k must be >= 1, got 0"),
    ("s", 0, ValueError, "s must be >= 1, got 0"),
    ("p", -1, ValueError, "p must be >= 0, got -1"),
    ("d", 0, ValueError, "d must be >= 1, got 0"),
])
def test_conv_output_size_rejects_bad_parameters(name, value, error, message):
    args = dict(i=5, k=3, s=1, p=0, d=1)
    args[name] = value
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        ar.conv_output_size(**args)
    with pytest.raises(error, match=name):
        ar.transposed_equivalent(**args)


def test_kernel_must_fit_in_padded_input():
    with pytest.raises(ValueError, match=r"kernel size k = 6 must not exceed the padded input size i \+ 2p = 5"):
        ar.conv_output_size(3, 6, p=1)
    with pytest.raises(ValueError, match=r"effective kernel size k \+ \(k-1\)\(d-1\) = 5"):
        ar.conv_output_size(4, 3, d=2)
    assert ar.conv_output_size(3, 5, p=1) == 1


def test_pool_output_size_rejects_bad_parameters():
    with pytest.raises(ValueError, match="pooling window k = 4 must not exceed the input size i = 3"):
        ar.pool_output_size(3, 4)
    with pytest.raises(ValueError, match="s must be >= 1"):
        ar.pool_output_size(3, 2, 0)
    with pytest.raises(TypeError, match="k must be an integer"):
        ar.pool_output_size(3, 2.0)


def test_transposed_output_size_rejects_bad_parameters():
    with pytest.raises(ValueError, match=r"0 <= a < max\(s, d\) = 2, got 2"):
        ar.transposed_output_size(3, 3, s=2, a=2)
    with pytest.raises(ValueError, match=r"0 <= a < max\(s, d\) = 1, got -1"):
        ar.transposed_output_size(3, 3, a=-1)
    # PyTorch allows output_padding up to max(s, d) - 1, so dilation alone permits a > 0.
    assert ar.transposed_output_size(3, 3, s=1, d=3, a=2) == 3 + 6 + 2
    with pytest.raises(ValueError, match="must be >= 1"):
        ar.transposed_output_size(1, 1, p=1)
    with pytest.raises(TypeError, match="a must be an integer"):
        ar.transposed_output_size(3, 3, a=0.5)


FUNCTIONS = {
    "conv_output_size": (ar.conv_output_size, 5),
    "pool_output_size": (ar.pool_output_size, 3),
    "transposed_output_size": (ar.transposed_output_size, 6),
    "transposed_equivalent": (ar.transposed_equivalent, 5),
    "applicable_relationships": (ar.applicable_relationships, 5),
}
junk = st.one_of(
    st.integers(-50, 50), st.floats(allow_nan=True), st.booleans(), st.text(max_size=3),
    st.none(), st.lists(st.integers(), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(FUNCTIONS)), st.data())
def test_random_bad_inputs_raise_only_clear_errors(name, data):
    func, arity = FUNCTIONS[name]
    args = data.draw(st.lists(junk, min_size=arity, max_size=arity))
    try:
        result = func(*args)
    except (TypeError, ValueError) as exc:
        assert str(exc)
    else:
        # Anything accepted must be all integers in range, and then the answer is right.
        assert all(isinstance(x, int) and not isinstance(x, bool) for x in args)
        if name == "conv_output_size":
            assert result == brute_conv(*args)


# --- kernel placements, parameter and multiply-add counts --------------------------------------


@given(i=st.integers(1, 14), k=st.integers(1, 5), s=st.integers(1, 4), p=st.integers(0, 3), d=st.integers(1, 3))
def test_kernel_placements_are_the_output_units(i, k, s, p, d):
    k_hat = k + (k - 1) * (d - 1)
    if k_hat > i + 2 * p:
        with pytest.raises(ValueError, match="must not exceed the padded input"):
            ar.kernel_placements(i, k, s, p, d)
        return
    starts = ar.kernel_placements(i, k, s, p, d)
    assert len(starts) == ar.conv_output_size(i, k, s, p, d)
    assert all(start % s == 0 and start + k_hat <= i + 2 * p for start in starts)
    assert starts[-1] + s + k_hat > i + 2 * p  # one more stride would leave the padded input


@given(c_in=st.integers(1, 6), c_out=st.integers(1, 6), k1=st.integers(1, 4), k2=st.integers(1, 4),
       o1=st.integers(1, 5), o2=st.integers(1, 5), bias=st.booleans())
def test_counts_match_a_weight_tensor_and_an_explicit_loop(c_in, c_out, k1, k2, o1, o2, bias):
    weight = np.zeros((c_out, c_in, k1, k2))
    assert ar.conv_parameter_count(c_in, c_out, (k1, k2), bias=bias) == weight.size + (c_out if bias else 0)
    # one multiplication per (output map, output unit, input map, kernel offset)
    loop = sum(1 for _ in itertools.product(range(c_out), range(o1), range(o2), range(c_in), range(k1), range(k2)))
    assert ar.conv_multiply_adds(c_in, c_out, (k1, k2), (o1, o2)) == loop


def test_groups_divide_the_weights():
    assert ar.conv_parameter_count(4, 6, 3, groups=2, bias=False) == 6 * 2 * 3
    assert ar.conv_multiply_adds(4, 6, 3, 5, groups=2) == 6 * 2 * 3 * 5
    with pytest.raises(ValueError, match="groups = 4 must divide both c_in = 6 and c_out = 8"):
        ar.conv_parameter_count(6, 8, 3, groups=4)


@pytest.mark.parametrize("call, error, text", [
    (lambda: ar.conv_parameter_count(0, 3, 3), ValueError, "c_in must be >= 1"),
    (lambda: ar.conv_parameter_count(2, 3, 2.5), TypeError, "kernel_size"),
    (lambda: ar.conv_parameter_count(2, 3, ()), ValueError, "kernel_size must hold"),
    (lambda: ar.conv_parameter_count(2, 3, 3, bias="yes"), TypeError, "bias must be True or False"),
    (lambda: ar.conv_multiply_adds(2, 3, (3, 3), 4), ValueError, "output_size has 1 axes"),
    (lambda: ar.conv_multiply_adds(2, 3, 3, 0), ValueError, "output_size"),
])
def test_count_errors_name_the_parameter(call, error, text):
    with pytest.raises(error, match=text):
        call()


# --- the floor ambiguity, unread positions and the inverse problem -----------------------------


@settings(max_examples=300, deadline=None)
@given(i=st.integers(1, 30), k=st.integers(1, 6), s=st.integers(1, 5), p=st.integers(0, 4), d=st.integers(1, 3))
def test_inputs_sharing_output_are_every_size_with_as_many_placements(i, k, s, p, d):
    k_hat = k + (k - 1) * (d - 1)
    assume(k_hat <= i + 2 * p)
    o = len(ar.kernel_placements(i, k, s, p, d))
    # Brute force far past the largest candidate (i + s): every size the kernel fits in.
    brute = [n for n in range(1, i + 3 * s + 2) if k_hat <= n + 2 * p and len(ar.kernel_placements(n, k, s, p, d)) == o]
    shared = ar.inputs_sharing_output(i, k, s, p, d)
    assert shared == brute
    assert i in shared and len(shared) <= s and shared == list(range(shared[0], shared[-1] + 1))


def test_inputs_sharing_output_examples():
    assert ar.inputs_sharing_output(5, 3, s=1) == [5]
    assert ar.inputs_sharing_output(11, 3, s=3, p=1) == [10, 11, 12]
    # Below the kernel's reach the sizes stop at 1: k = 1, p = 1, s = 3 puts 1 with -1 and 0.
    assert ar.inputs_sharing_output(1, 1, s=3, p=1) == [1]
    with pytest.raises(ValueError, match="must not exceed the padded input"):
        ar.inputs_sharing_output(2, 5, s=2)


@settings(max_examples=300, deadline=None)
@given(i=st.integers(1, 25), k=st.integers(1, 6), s=st.integers(1, 5), p=st.integers(0, 4), d=st.integers(1, 3))
def test_unread_positions_are_the_taps_no_placement_reaches(i, k, s, p, d):
    k_hat = k + (k - 1) * (d - 1)
    assume(k_hat <= i + 2 * p)
    # An explicit sliding window over a marked array, independent of kernel_placements.
    read = np.zeros(i + 2 * p, dtype=bool)
    start = 0
    while start + k_hat <= i + 2 * p:
        read[start:start + k_hat:d] = True
        start += s
    assert ar.unread_positions(i, k, s, p, d) == np.flatnonzero(~read).tolist()
    if d == 1 and k >= s:  # then only the remainder the floor drops is unread
        remainder = (i + 2 * p - k) % s
        assert ar.unread_positions(i, k, s, p) == list(range(i + 2 * p - remainder, i + 2 * p))


def test_unread_positions_label_padding_and_input_units():
    assert ar.unread_positions(5, 3, s=2, p=1) == []                      # Figure 2.6
    assert ar.unread_positions(6, 3, s=2, p=1, labelled=True) == [(7, "padding")]   # Figure 2.7
    assert ar.unread_positions(224, 11, s=4, p=2, labelled=True) == [(227, "padding")]   # torchvision's AlexNet
    assert ar.unread_positions(7, 2, s=3, p=1, labelled=True) == [
        (2, "input unit 1"), (5, "input unit 4"), (8, "padding")]
    # Dilation: the gaps between taps stay unread when the stride cannot fill them.
    assert ar.unread_positions(9, 2, s=2, d=3) == [1, 6, 8]
    with pytest.raises(TypeError, match="labelled must be True or False"):
        ar.unread_positions(6, 3, s=2, labelled="yes")


@settings(max_examples=200, deadline=None)
@given(i=st.integers(1, 20), o=st.integers(1, 25), k_max=st.integers(1, 6), s_max=st.integers(1, 4),
       p_max=st.one_of(st.none(), st.integers(0, 5)))
def test_settings_for_output_are_every_setting_with_o_placements(i, o, k_max, s_max, p_max):
    brute = sorted(
        (k, s, p)
        for k, s in itertools.product(range(1, k_max + 1), range(1, s_max + 1))
        for p in range(k if p_max is None else p_max + 1)
        if k <= i + 2 * p and len(ar.kernel_placements(i, k, s, p)) == o
    )
    assert ar.settings_for_output(i, o, k_max, s_max, p_max) == brute


@pytest.mark.parametrize("call, error, text", [
    (lambda: ar.settings_for_output(0, 3, 5, 3), ValueError, "i must be >= 1, got 0"),
    (lambda: ar.settings_for_output(8, 0, 5, 3), ValueError, "o must be >= 1, got 0"),
    (lambda: ar.settings_for_output(8, 4, 2.0, 3), TypeError, "k_max must be an integer"),
    (lambda: ar.settings_for_output(8, 4, 5, 0), ValueError, "s_max must be >= 1"),
    (lambda: ar.settings_for_output(8, 4, 5, 3, p_max=-1), ValueError, "p_max must be >= 0"),
    (lambda: ar.inputs_sharing_output(6, 3, s=True), TypeError, "s must be an integer"),
    (lambda: ar.unread_positions(6, 3, p=-1), ValueError, "p must be >= 0"),
])
def test_inverse_helpers_name_the_bad_parameter(call, error, text):
    with pytest.raises(error, match=text):
        call()


# --- pooling with padding and ceil_mode ------------------------------------------------------


def brute_pool_windows(i, k, s, p, ceil_mode):
    """Window starts (in padded coordinates), counted one by one without the formula.

    Every window starts inside the input or the left padding (start < i + p). Floor mode keeps
    the windows that fit in the padded input; ceil mode keeps adding windows while the previous
    one has not reached the end of the padded input, so the last one may run past it.
    """
    kept = []
    for start in range(0, i + 2 * p + s, s):
        if start >= i + p:
            break
        if start + k <= i + 2 * p or (ceil_mode and (start == 0 or start - s + k < i + 2 * p)):
            kept.append(start)
    return kept


@settings(max_examples=500, deadline=None)
@given(st.integers(1, 30), st.integers(1, 7), st.integers(1, 6), st.integers(0, 3), st.booleans())
def test_pool_output_size_counts_window_starts(i, k, s, p, ceil_mode):
    assume(2 * p <= k and k <= i + 2 * p)
    assert ar.pool_output_size(i, k, s, p, ceil_mode) == len(brute_pool_windows(i, k, s, p, ceil_mode))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 30), st.integers(1, 7), st.integers(1, 7), st.integers(0, 3))
def test_ceil_mode_windows_read_every_input_unit_when_they_overlap_or_touch(i, k, s, p):
    """With s <= k no unit of the input is left unread in ceil mode (floor may drop up to s-1)."""
    assume(s <= k and 2 * p <= k and k <= i + 2 * p)
    o = ar.pool_output_size(i, k, s, p, ceil_mode=True)
    read = {start + t for start in range(0, o * s, s) for t in range(k)}
    assert set(range(p, p + i)) <= read
    assert o - ar.pool_output_size(i, k, s, p) in (0, 1)


def test_pool_floor_and_ceil_differ():
    assert ar.pool_output_size(6, 3, 2) == 2
    assert ar.pool_output_size(6, 3, 2, ceil_mode=True) == 3
    assert brute_pool_windows(6, 3, 2, 0, True) == [0, 2, 4]  # the last window reads units 4, 5 and past the end
    # ceil gives ⌈5/2⌉ + 1 = 4, but the fourth window would start at 6 = i + p, in the right padding
    assert ar.pool_output_size(5, 2, 2, 1, ceil_mode=True) == 3
    assert brute_pool_windows(5, 2, 2, 1, True) == [0, 2, 4]
    assert ar.pool_output_size(5, 2, 2, 1) == 3
    # "a window may run past the end" alone would keep every start inside the input: with s = 1
    # that is 10 windows, but ceil mode stops once the padded input is covered
    assert ar.pool_output_size(10, 3, 1, ceil_mode=True) == ar.pool_output_size(10, 3, 1) == 8
    # old positional calls are unchanged
    assert ar.pool_output_size(5, 3, 1) == 3
    assert ar.pool_output_size(112, 3, 2, 1) == 56  # ResNet's stem max pool


def test_pool_padding_and_ceil_mode_are_validated():
    with pytest.raises(ValueError, match=r"p must satisfy 0 <= p <= k/2 = 1.5 .*got 2"):
        ar.pool_output_size(5, 3, 1, 2)
    with pytest.raises(ValueError, match=r"p must satisfy 0 <= p <= k/2 = 1 .*got 2"):
        ar.pool_output_size(5, 2, 1, 2)
    with pytest.raises(ValueError, match=r"p must be >= 0, got -1"):
        ar.pool_output_size(5, 2, 1, -1)
    with pytest.raises(ValueError, match=r"pooling window k = 6 must not exceed the padded input size i \+ 2p = 5"):
        ar.pool_output_size(3, 6, 1, 1)
    with pytest.raises(ValueError, match=r"pooling window k = 4 must not exceed the input size i = 3"):
        ar.pool_output_size(3, 4, ceil_mode=True)
    with pytest.raises(TypeError, match=r"ceil_mode must be True or False, got int 1"):
        ar.pool_output_size(6, 3, 2, 0, 1)
    assert ar.pool_output_size(3, 5, 1, 1) == 1
