"""Checks over many settings that lessons 01 and 02 run, each reported as a sentence.

A lesson states a rule ("the loop and ``conv2d`` agree", "Relationship 3 holds wherever its
conditions do") and then checks it over a sweep of sizes or random arrays. The loops live here so
that a teaching cell is one call and one assert; every function returns a :class:`Sweep` (or a
:class:`Table`) that prints as a sentence a student can hold the rule against, never as a repr.
Needs numpy, :mod:`course_lib.arithmetic`, :mod:`course_lib.numeric` and
:mod:`course_lib.frameworks` (SymPy only through :func:`bare_formula`, :mod:`course_lib.recordings`
only through :func:`recorded_lengths`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Callable

import numpy as np

from course_lib import arithmetic, frameworks, numeric
from course_lib._validate import check_int

__all__ = [
    "Sweep", "Table", "compare_on_random", "strided_equals_subsampled", "transpose_as_flip",
    "layer_matrix", "bare_formula", "relationships_against_counts", "outside_conditions",
    "symmetric_padding_matches_same", "same_padding_against_recording", "sharing_groups",
    "unread_tail", "odd_kernel_sizes", "halving_chain", "unread_sentence",
    "LengthRecords", "recorded_lengths",
]


@dataclass(frozen=True, repr=False)
class Sweep:
    """The result of checking one claim over many cases: ``holds`` is True when no case failed.

    ``claim`` is the sentence checked, ``cases`` how many settings were tried, ``failures`` the
    settings where the claim failed, ``details`` an extra sentence (counts found on the way).

    Examples
    --------
    >>> print(Sweep("the two agree", 12))
    Checked on 12 cases: the two agree.
    >>> Sweep("the two agree", 3, failures=((1, 2),)).holds
    False
    """

    claim: str
    cases: int
    failures: tuple = ()
    details: str = ""
    counts: dict = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        return self.cases > 0 and not self.failures

    def __str__(self) -> str:
        if self.holds:
            text = f"Checked on {self.cases} cases: {self.claim}."
        elif not self.cases:
            text = f"No case was checked for the claim that {self.claim}."
        else:
            shown = ", ".join(map(str, self.failures[:3]))
            text = f"The claim that {self.claim} FAILS in {len(self.failures)} of {self.cases} cases, e.g. {shown}."
        return f"{text} {self.details}".strip()

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return str(self)


@dataclass(frozen=True, repr=False)
class Table:
    """Rows under column headings; shows as a markdown table in a notebook, as text when printed.

    Examples
    --------
    >>> print(Table(("n", "o"), ((1, 3), (2, 5))))
    n | o
    1 | 3
    2 | 5
    """

    columns: tuple
    rows: tuple

    def __str__(self) -> str:
        return "\n".join(" | ".join(map(str, row)) for row in (self.columns, *self.rows))

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        head = "| " + " | ".join(map(str, self.columns)) + " |\n|" + "---|" * len(self.columns)
        return head + "".join("\n| " + " | ".join(map(str, row)) + " |" for row in self.rows)


def _sides(name, value) -> tuple[int, int]:
    if not isinstance(value, tuple) or len(value) != 2:
        raise TypeError(f"{name} must be a (smallest, largest) pair of side lengths, got {value!r}")
    lo, hi = (check_int(name, v, minimum=1) for v in value)
    if lo > hi:
        raise ValueError(f"{name} must have smallest <= largest, got {value!r}")
    return lo, hi


def compare_on_random(f: Callable, g: Callable, *, trials=300, input_sides=(1, 7), kernel_sides=(1, 7),
                      seed=0, claim="the two computations give the same output") -> Sweep:
    """Run ``f(x, w)`` and ``g(x, w)`` on random integer inputs and kernels and compare the outputs.

    Each trial draws a rectangular input and kernel, sides in ``input_sides`` and ``kernel_sides``
    (inclusive), entries in -3..3; a kernel larger than its input is skipped (no output). The
    sentence says how many draws were skipped and how many distinct pairs of input shape and kernel
    shape the cases cover, out of all the pairs that fit (``counts`` holds the same numbers).

    Examples
    --------
    >>> print(compare_on_random(numeric.conv2d, numeric.conv2d, trials=20, claim="conv2d equals itself"))
    Checked on 9 cases: conv2d equals itself. (20 random draws of an input with sides of 1 to 7 units and a kernel with sides of 1 to 7, rectangular ones included; the 11 draws whose kernel was larger than its input were skipped. The 9 cases cover 9 of the 784 pairs of input shape and kernel shape that fit.)
    >>> compare_on_random(numeric.conv2d, numeric.conv2d, trials=0)
    Traceback (most recent call last):
    ...
    ValueError: trials must be >= 1, got 0
    """
    trials = check_int("trials", trials, minimum=1)
    (ilo, ihi), (klo, khi) = _sides("input_sides", input_sides), _sides("kernel_sides", kernel_sides)
    rng, cases, failures, shapes = np.random.default_rng(seed), 0, [], set()
    for _ in range(trials):
        shape_x, shape_w = tuple(rng.integers(ilo, ihi + 1, 2)), tuple(rng.integers(klo, khi + 1, 2))
        if shape_w[0] > shape_x[0] or shape_w[1] > shape_x[1]:
            continue
        x, w = rng.integers(-3, 4, size=shape_x), rng.integers(-3, 4, size=shape_w)
        cases += 1
        shapes.add((shape_x, shape_w))
        if not np.array_equal(f(x, w), g(x, w)):
            failures.append(f"input {shape_x[0]}×{shape_x[1]}, kernel {shape_w[0]}×{shape_w[1]}")
    fitting = sum(max(0, min(side, khi) - klo + 1) for side in range(ilo, ihi + 1)) ** 2
    counts = {"trials": trials, "skipped": trials - cases, "shape_pairs": len(shapes), "fitting_pairs": fitting}
    skipped = (f"the {trials - cases} draws whose kernel was larger than its input were skipped" if cases < trials
               else "every kernel drawn fitted its input")
    return Sweep(claim, cases, tuple(failures),
                 f"({trials} random draws of an input with sides of {ilo} to {ihi} units and a kernel with "
                 f"sides of {klo} to {khi}, rectangular ones included; {skipped}. The {cases} cases cover "
                 f"{len(shapes)} of the {fitting} pairs of input shape and kernel shape that fit.)", counts)


def strided_equals_subsampled(*, trials=400, seed=1) -> Sweep:
    """Check that a stride-s convolution keeps every s-th output of the unit-stride one, ``[::s, ::s]``.

    Sizes i = 1..11, k = 1..5, s = 1..4, p = 0..2 are drawn at random (square arrays); a kernel that
    does not fit the padded input is skipped.

    Examples
    --------
    >>> strided_equals_subsampled(trials=50).holds
    True
    """
    trials = check_int("trials", trials, minimum=1)
    rng, cases, failures = np.random.default_rng(seed), 0, []
    for i, k, s, p in zip(rng.integers(1, 12, trials), rng.integers(1, 6, trials), rng.integers(1, 5, trials),
                          rng.integers(0, 3, trials)):
        if k > i + 2 * p:
            continue
        x, w = rng.integers(-3, 4, size=(i, i)), rng.integers(-3, 4, size=(k, k))
        cases += 1
        unit = numeric.conv2d(x, w, padding=int(p))
        if not np.array_equal(numeric.conv2d(x, w, stride=int(s), padding=int(p)), unit[::s, ::s]):
            failures.append(f"i={i}, k={k}, s={s}, p={p}")
    return Sweep("the stride-s output is the unit-stride output with every s-th unit kept, [::s, ::s]",
                 cases, tuple(failures), "(Random sizes i ≤ 11, k ≤ 5, s ≤ 4, p ≤ 2.)")


def transpose_as_flip(true_convolution: Callable, *, trials=200, seed=4) -> Sweep:
    """Check on random 3×3 kernels that ``conv2d(x, w.T)`` is the true convolution exactly when w is
    symmetric about its anti-diagonal (about half of the kernels are made so).

    ``true_convolution(x, w)`` must compute signal processing's convolution ("valid" part).

    Examples
    --------
    >>> flip = lambda x, w: numeric.conv2d(x, np.rot90(w, 2))
    >>> sweep = transpose_as_flip(flip, trials=40)
    >>> sweep.holds, 0 < sweep.counts["symmetric"] < 40
    (True, True)
    """
    if not callable(true_convolution):
        raise TypeError(f"true_convolution must be a function of (x, w), got {true_convolution!r}")
    trials = check_int("trials", trials, minimum=1)
    rng, symmetric, failures = np.random.default_rng(seed), 0, []
    for n in range(trials):
        x, w = rng.integers(-3, 4, size=(6, 6)), rng.integers(-3, 4, size=(3, 3))
        if rng.random() < 0.5:
            w = w + w[::-1, ::-1].T                 # add the mirror image across the anti-diagonal
        about_anti_diagonal = np.array_equal(w.T, np.rot90(w, 2))
        symmetric += about_anti_diagonal
        if np.array_equal(numeric.conv2d(x, w.T), true_convolution(x, w)) != about_anti_diagonal:
            failures.append(f"kernel {n}")
    return Sweep("w.T gives the true convolution exactly for the kernels symmetric about the anti-diagonal",
                 trials, tuple(failures), f"({symmetric} of the {trials} random kernels are symmetric about it.)",
                 {"symmetric": symmetric})


def layer_matrix(input_shape, weight, padding=0) -> np.ndarray:
    """The matrix of a convolution layer without bias: column j is its output for the unit input e_j.

    ``input_shape`` is (C_in, i1, i2), ``weight`` has shape (C_out, C_in, k1, k2); the matrix has one
    row per output unit and one column per input unit. Each nonzero entry is one weight meeting one
    input unit (with ``weight`` all ones, the nonzeros count the multiply-adds that meet real input).

    Examples
    --------
    >>> layer_matrix((1, 3, 3), np.ones((1, 1, 2, 2), dtype=int)).shape
    (4, 9)
    >>> layer_matrix((3, 3), np.ones((1, 1, 2, 2)))
    Traceback (most recent call last):
    ...
    ValueError: input_shape must be (C_in, i1, i2), got (3, 3)
    """
    shape = tuple(input_shape)
    if len(shape) != 3:
        raise ValueError(f"input_shape must be (C_in, i1, i2), got {shape!r}")
    shape = tuple(check_int("input_shape", n, minimum=1) for n in shape)
    padding = check_int("padding", padding, minimum=0)
    size = int(np.prod(shape))
    basis = np.eye(size, dtype=int).reshape(-1, *shape)
    return np.stack([numeric.conv2d(e, weight, padding=padding).ravel() for e in basis], axis=1)


def bare_formula(n, i, k, s=1, p=0) -> int:
    """The right-hand side of Relationship ``n`` at (i, k, s, p), its conditions ignored.

    :meth:`arithmetic.Relationship.evaluate` refuses settings outside the conditions; this is the
    formula a student would apply anyway (SymPy's ``subs``), to show where it goes wrong.

    Examples
    --------
    >>> bare_formula(1, 5, 3, s=1, p=1)       # Relationship 1 ignores the padding
    3
    >>> bare_formula(0, 5, 3)
    Traceback (most recent call last):
    ...
    ValueError: n must be between 1 and 7 (the direct convolution's relationships), got 0
    """
    n = check_int("n", n)
    if not 1 <= n <= 7:
        raise ValueError(f"n must be between 1 and 7 (the direct convolution's relationships), got {n}")
    values = {"i": check_int("i", i, minimum=1), "k": check_int("k", k, minimum=1),
              "s": check_int("s", s, minimum=1), "p": check_int("p", p, minimum=0)}
    symbols = arithmetic.SYMBOLS
    rhs = arithmetic.relationship(n).equation.rhs
    return int(rhs.subs({symbols[name]: value for name, value in values.items()}))


def relationships_against_counts(i_max=10, k_max=6, s_max=3, p_max=5) -> Sweep:
    """Check Relationships 1-6 against the placement count wherever their conditions hold.

    Every i ≤ i_max, k ≤ k_max, s ≤ s_max, p ≤ p_max with the kernel inside the padded input.
    ``counts`` holds how many settings each relationship was checked on.

    Examples
    --------
    >>> sweep = relationships_against_counts(4, 3, 2, 1)
    >>> sweep.holds, sweep.counts[1]
    (True, 9)
    """
    i_max, k_max = check_int("i_max", i_max, minimum=1), check_int("k_max", k_max, minimum=1)
    s_max, p_max = check_int("s_max", s_max, minimum=1), check_int("p_max", p_max, minimum=0)
    import sympy

    symbols = [arithmetic.SYMBOLS[name] for name in "iksp"]
    compiled = {}  # the relationships' own SymPy conditions and equations, compiled once (plain Python)
    for n in range(1, 7):
        relation = arithmetic.relationship(n)
        compiled[n] = (sympy.lambdify(symbols, sympy.And(*relation.conditions), "math"),
                       sympy.lambdify(symbols, relation.equation.rhs, "math"))
    counts, failures, settings = {n: 0 for n in range(1, 7)}, [], 0
    for i, k, s, p in product(range(1, i_max + 1), range(1, k_max + 1), range(1, s_max + 1), range(p_max + 1)):
        if k > i + 2 * p:
            continue
        settings += 1
        counted = len(arithmetic.kernel_placements(i, k, s, p))
        for n, (applies, formula) in compiled.items():
            if applies(i, k, s, p):
                counts[n] += 1
                if formula(i, k, s, p) != counted:
                    failures.append(f"Relationship {n} at i={i}, k={k}, s={s}, p={p}")
    per = ", ".join(f"{n} on {c}" for n, c in counts.items())
    return Sweep("each relationship equals the number of kernel placements wherever its conditions hold",
                 settings, tuple(failures),
                 f"(Settings i ≤ {i_max}, k ≤ {k_max}, s ≤ {s_max}, p ≤ {p_max}; Relationship {per}.)", counts)


def outside_conditions(cases) -> Table:
    """For each (n, broken condition, i, k, s, p): Relationship n's bare formula next to the true count.

    Raises ValueError for a case where the relationship does apply (nothing would be broken).

    Examples
    --------
    >>> print(outside_conditions([(1, "p = 1 > 0", 5, 3, 1, 1)]))
    relationship | condition broken | i, k, s, p | formula gives | kernel placements
    1 | p = 1 > 0 | 5, 3, 1, 1 | 3 | 5
    """
    rows = []
    for n, broken, i, k, s, p in cases:
        if arithmetic.relationship(n).applies(i, k, s, p):
            raise ValueError(f"cases: Relationship {n} applies to i={i}, k={k}, s={s}, p={p}; break one condition")
        rows.append((n, broken, f"{i}, {k}, {s}, {p}", bare_formula(n, i, k, s, p),
                     len(arithmetic.kernel_placements(i, k, s, p))))
    return Table(("relationship", "condition broken", "i, k, s, p", "formula gives", "kernel placements"),
                 tuple(rows))


def symmetric_padding_matches_same(i_max=20, k_max=5, s_max=3) -> Sweep:
    """Check that a symmetric padding p gives the values of TensorFlow's "SAME" exactly when
    TensorFlow's total padding P is even, with p = P/2 (every p from 0 to k is tried), and that for
    an odd P the padding p = ⌊P/2⌋ gives one output unit fewer than "SAME" (P is the smallest total
    padding that holds the last window, and 2⌊P/2⌋ = P − 1 is one unit short).

    ``counts["odd"]`` is the number of settings with an odd P.

    Examples
    --------
    >>> sweep = symmetric_padding_matches_same(6, 3, 2)
    >>> sweep.holds, sweep.counts["odd"] > 0
    (True, True)
    >>> symmetric_padding_matches_same(0)
    Traceback (most recent call last):
    ...
    ValueError: i_max must be >= 1, got 0
    """
    i_max, k_max, s_max = (check_int(n, v, minimum=1) for n, v in (("i_max", i_max), ("k_max", k_max),
                                                                    ("s_max", s_max)))
    cases, odd, failures = 0, 0, []
    for i, k, s in product(range(1, i_max + 1), range(1, k_max + 1), range(1, s_max + 1)):
        x, w = np.arange(1, i + 1), np.arange(1, k + 1)
        total = sum(frameworks.tf_same_padding(i, k, s))
        same = numeric.conv1d(x, w, stride=s, padding="same")
        matching = [p for p in range(k + 1) if k <= i + 2 * p
                    and np.array_equal(numeric.conv1d(x, w, stride=s, padding=p), same)]
        cases += 1
        short = False
        if total % 2:
            odd += 1
            short = k <= i + total - 1 and arithmetic.conv_output_size(i, k, s, total // 2) != len(same) - 1
        if matching != ([total // 2] if total % 2 == 0 else []) or short:
            failures.append(f"i={i}, k={k}, s={s}")
    return Sweep('a symmetric padding p gives the values of "SAME" exactly when TensorFlow\'s total padding P '
                 "is even, and then only p = P/2; when P is odd, p = ⌊P/2⌋ gives one output unit fewer",
                 cases, tuple(failures), f"(i ≤ {i_max}, k ≤ {k_max}, s ≤ {s_max}; P is odd in {odd} of them.)",
                 {"odd": odd})


def same_padding_against_recording(rows) -> Sweep:
    """Hold ``frameworks.tf_same_padding`` against recorded TensorFlow "SAME" lengths.

    ``rows`` are (i, k, s, "VALID" length, "SAME" length), as in the recording
    "tensorflow conv1d VALID and SAME lengths". Checked per row: the total padding is
    P = max((⌈i/s⌉ - 1)s + k - i, 0), ⌊P/2⌋ of it before; the length is ⌈i/s⌉, which is
    Relationship 6 with P in place of 2p; ``numeric.conv1d(..., padding="same")`` gives it.

    Examples
    --------
    >>> same_padding_against_recording([(8, 3, 2, 3, 4)]).holds
    True
    """
    cases, failures = 0, []
    for i, k, s, _valid, same_length in rows:
        before, after = frameworks.tf_same_padding(i, k, s)
        total = max((-(-i // s) - 1) * s + k - i, 0)
        out = numeric.conv1d(np.arange(1, i + 1), np.arange(1, k + 1), stride=s, padding="same")
        cases += 1
        if not (before + after == total and before == total // 2
                and same_length == -(-i // s) == (i + total - k) // s + 1 == len(out)):
            failures.append(f"i={i}, k={k}, s={s}")
    return Sweep("TensorFlow's recorded \"SAME\" length is ⌈i/s⌉ = ⌊(i + P − k)/s⌋ + 1, with the total "
                 "padding P of tf_same_padding (⌊P/2⌋ before), and numeric's \"same\" gives that length",
                 cases, tuple(failures))


def sharing_groups(i_max=14, k_max=4, s_max=3, p_max=2) -> Sweep:
    """Check that when s divides i + 2p - k, exactly the s sizes i, ..., i + s - 1 share i's output size.

    Examples
    --------
    >>> sharing_groups(6, 3, 2, 1).holds
    True
    """
    cases, failures = 0, []
    for i, k, s, p in product(range(1, i_max + 1), range(1, k_max + 1), range(1, s_max + 1), range(p_max + 1)):
        if k <= i + 2 * p and (i + 2 * p - k) % s == 0:
            cases += 1
            if arithmetic.inputs_sharing_output(i, k, s, p) != list(range(i, i + s)):
                failures.append(f"i={i}, k={k}, s={s}, p={p}")
    return Sweep("whenever s divides i + 2p − k, the input sizes sharing i's output size are i, i + 1, …, "
                 "i + s − 1", cases, tuple(failures), f"(i ≤ {i_max}, k ≤ {k_max}, s ≤ {s_max}, p ≤ {p_max}.)")


def unread_tail(i_max=14, k_max=5, s_max=3, p_max=2) -> Sweep:
    """Check that for k ≥ s the unread units are exactly the last (i + 2p − k) mod s of the padded input.

    Examples
    --------
    >>> unread_tail(6, 3, 2, 1).holds
    True
    """
    cases, failures = 0, []
    for i, k, s, p in product(range(1, i_max + 1), range(1, k_max + 1), range(1, s_max + 1), range(p_max + 1)):
        if k <= i + 2 * p and k >= s:
            cases += 1
            remainder = (i + 2 * p - k) % s
            if arithmetic.unread_positions(i, k, s, p) != list(range(i + 2 * p - remainder, i + 2 * p)):
                failures.append(f"i={i}, k={k}, s={s}, p={p}")
    return Sweep("when the kernel is at least as long as the stride, the units never read are exactly the "
                 "last (i + 2p − k) mod s of the padded input", cases, tuple(failures),
                 f"(i ≤ {i_max}, k ≤ {k_max}, s ≤ {s_max}, p ≤ {p_max}.)")


def odd_kernel_sizes(i_max=40, kernels=(1, 3, 5, 7), strides=(1, 2, 3, 4)) -> Sweep:
    """Check that an odd kernel with p = (k − 1)/2 gives the output size ⌈i/s⌉ (at s = 1: the input size).

    Examples
    --------
    >>> print(odd_kernel_sizes(5, (3,), (1,)))
    Checked on 5 cases: an odd kernel with p = (k − 1)/2 gives o = ⌈i/s⌉ (at s = 1: o = i, the size is kept). (i ≤ 5; k = 3; s = 1.)
    >>> odd_kernel_sizes(5, (2,), (1,))
    Traceback (most recent call last):
    ...
    ValueError: kernels must all be odd, got (2,)
    """
    i_max = check_int("i_max", i_max, minimum=1)
    kernels, strides = tuple(kernels), tuple(strides)
    if any(check_int("kernels", k, minimum=1) % 2 == 0 for k in kernels):
        raise ValueError(f"kernels must all be odd, got {kernels}")
    cases, failures = 0, []
    for i, k, s in product(range(1, i_max + 1), kernels, strides):
        cases += 1
        if arithmetic.conv_output_size(i, k, s, (k - 1) // 2) != -(-i // s):
            failures.append(f"i={i}, k={k}, s={s}")
    listed = lambda values: ", ".join(map(str, values))  # noqa: E731
    return Sweep("an odd kernel with p = (k − 1)/2 gives o = ⌈i/s⌉ (at s = 1: o = i, the size is kept)", cases,
                 tuple(failures), f"(i ≤ {i_max}; k = {listed(kernels)}; s = {listed(strides)}.)")


def halving_chain(i, k=3, s=2, p=1) -> list[int]:
    """The sizes a stack of identical conv(k, s, p) layers makes from ``i``, until the size stops shrinking.

    Examples
    --------
    >>> halving_chain(224)
    [224, 112, 56, 28, 14, 7, 4, 2, 1]
    >>> halving_chain(10, k=3, s=1, p=1)
    [10]
    """
    chain = [check_int("i", i, minimum=1)]
    while chain[-1] >= k - 2 * p:
        nxt = arithmetic.conv_output_size(chain[-1], k, s, p)
        if nxt >= chain[-1]:
            break
        chain.append(nxt)
    return chain


def unread_sentence(i, k, s=1, p=0) -> str:
    """Which units of the padded input a conv(i, k, s, p) never reads, as a sentence.

    Examples
    --------
    >>> unread_sentence(6, 3, 2, 1)
    'i = 6, k = 3, s = 2, p = 1: the kernel never reads position 7 (padding) of the padded input.'
    >>> unread_sentence(5, 3, 2, 1)
    'i = 5, k = 3, s = 2, p = 1: the kernel reads every unit of the padded input.'
    """
    unread = arithmetic.unread_positions(i, k, s, p, labelled=True)
    head = f"i = {i}, k = {k}, s = {s}, p = {p}: "
    if not unread:
        return head + "the kernel reads every unit of the padded input."
    word = "position" if len(unread) == 1 else "positions"
    listed = ", ".join(f"{n} ({label})" for n, label in unread)
    return head + f"the kernel never reads {word} {listed} of the padded input."


@dataclass(frozen=True, repr=False)
class LengthRecords:
    """Output lengths recorded from a framework over a sweep of settings, looked up by name.

    ``settings`` names the leading columns of ``rows`` (e.g. ``("i", "k", "s")``), ``lengths`` the
    columns after them (e.g. ``("VALID", "SAME")``); ``described`` says what was recorded. Prints as
    a sentence with the number of settings and the range of each setting, read from the rows.

    Examples
    --------
    >>> table = LengthRecords("TensorFlow 2.21.0", ("i", "k", "s"), ("VALID", "SAME"),
    ...                       ((8, 3, 2, 3, 4), (9, 3, 2, 4, 5)), "conv1d output lengths")
    >>> table.length("SAME", i=8, k=3, s=2)
    4
    >>> table.ranges()
    'i = 8..9, k = 3, s = 2'
    >>> print(table)
    TensorFlow 2.21.0 (recorded): conv1d output lengths for 2 settings, i = 8..9, k = 3, s = 2.
    >>> table.length("FULL", i=8, k=3, s=2)
    Traceback (most recent call last):
    ...
    ValueError: which must be one of ('VALID', 'SAME'), got 'FULL'
    """

    framework: str
    settings: tuple
    lengths: tuple
    rows: tuple
    described: str = "output lengths"

    def ranges(self) -> str:
        """Each setting's values over the rows: ``lo..hi`` when they run without a gap, else listed."""
        parts = []
        for column, name in enumerate(self.settings):
            values = sorted({row[column] for row in self.rows})
            if len(values) == 1:
                parts.append(f"{name} = {values[0]}")
            elif values == list(range(values[0], values[-1] + 1)):
                parts.append(f"{name} = {values[0]}..{values[-1]}")
            else:
                parts.append(f"{name} = " + ", ".join(map(str, values)))
        return ", ".join(parts)

    def length(self, which, **setting) -> int:
        """The length in column ``which`` recorded at ``setting`` (every setting named, e.g. i=5, k=1, s=3)."""
        if which not in self.lengths:
            raise ValueError(f"which must be one of {self.lengths}, got {which!r}")
        if set(setting) != set(self.settings):
            raise TypeError(f"name every setting {', '.join(self.settings)} (and no other), got {sorted(setting)}")
        key = tuple(setting[name] for name in self.settings)
        for row in self.rows:
            if tuple(row[:len(self.settings)]) == key:
                return row[len(self.settings) + self.lengths.index(which)]
        raise ValueError(f"setting {setting} was not recorded; the recording covers {self.ranges()}")

    def __str__(self) -> str:
        return f"{self.framework} (recorded): {self.described} for {len(self.rows)} settings, {self.ranges()}."

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return str(self)


_LENGTH_RECORDINGS = {  # recording name -> (setting columns, length columns, what was recorded)
    "pytorch conv1d output lengths": (("i", "k", "s", "p"), ("padding=p",), "F.conv1d output lengths with padding=p"),
    "tensorflow conv1d VALID and SAME lengths": (("i", "k", "s"), ("VALID", "SAME"),
                                                 "tf.nn.conv1d output lengths with padding 'VALID' and 'SAME'"),
}


def recorded_lengths(name) -> LengthRecords:
    """A recording of output lengths over a sweep of settings, as :class:`LengthRecords`.

    ``name`` is one of the recordings of :mod:`course_lib.recordings` that hold one row per setting:
    "pytorch conv1d output lengths" (columns i, k, s, p and the length with ``padding=p``) or
    "tensorflow conv1d VALID and SAME lengths" (columns i, k, s and the lengths with "VALID" and "SAME").

    Examples
    --------
    >>> recorded_lengths("tensorflow conv1d VALID and SAME lengths").length("SAME", i=5, k=1, s=3)
    2
    >>> recorded_lengths("pytorch conv1d output lengths").ranges()
    'i = 7..10, k = 2..4, s = 1..3, p = 0..2'
    >>> recorded_lengths("keras Conv1D padding=1")
    Traceback (most recent call last):
    ...
    ValueError: name must be one of ['pytorch conv1d output lengths', 'tensorflow conv1d VALID and SAME lengths'], got 'keras Conv1D padding=1'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__} {name!r}")
    if name not in _LENGTH_RECORDINGS:
        raise ValueError(f"name must be one of {list(_LENGTH_RECORDINGS)}, got {name!r}")
    from course_lib.recordings import recorded

    settings, lengths, described = _LENGTH_RECORDINGS[name]
    recording = recorded(name)
    return LengthRecords(recording.framework, settings, lengths, tuple(map(tuple, recording.output)), described)
