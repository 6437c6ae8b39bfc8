"""Checks over many settings that lesson 06 (the sampling operator algebra) runs, each reported as a sentence.

Lesson 06 states an operator identity and then checks it over kernel lengths, factors and input lengths.
The loops live here so that a teaching cell is one call and one assert. Every function returns a
:class:`course_lib.sweeps.Sweep`, which prints as a sentence ("Checked on 8 cases: ...") and whose
``holds`` is True when no case failed. Symbolic checks use :func:`course_lib.sampling.operators_agree`
(exact SymPy matrices); numeric ones compare :mod:`course_lib.numeric` with ``numpy.convolve``.
"""

from __future__ import annotations

import numpy as np
import sympy

from course_lib import numeric
from course_lib._validate import check_int
from course_lib.sampling import (
    Conv, Down, TransposedConv, Up, convolve_kernels, interleave, kernel_phases, operators_agree, polyphase, upsample_kernel,
)
from course_lib.sweeps import Sweep

__all__ = [
    "strided_is_decimated_convolution", "transposed_is_upsampled_convolution", "repeat_then_kernel",
    "noble_identities", "polyphase_equals_transposed", "interleaved_phases", "subpixel_crop",
    "chain_keeps_phase_zero",
]


def _ints(name: str, values, minimum: int) -> tuple:
    """A non-empty tuple of integers >= minimum (ValueError/TypeError naming ``name`` otherwise)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a range or sequence of integers, got {values!r}")
    values = tuple(check_int(name, v, minimum=minimum) for v in values)
    if not values:
        raise ValueError(f"{name} must hold at least one integer >= {minimum}, got none")
    return values


def _span(values: tuple) -> str:
    values = sorted(set(values))
    if len(values) > 2 and all(isinstance(v, int) for v in values) and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]} to {values[-1]}"
    return ", ".join(map(str, values[:-1])) + (" and " if len(values) > 1 else "") + str(values[-1])


def strided_is_decimated_convolution(kernel_lengths=range(1, 5), strides=(1, 2, 3), max_length=9, seed=6) -> Sweep:
    """Check ``numeric.conv1d(x, w, stride=s) == ↓s (flip(w) ∗ x)_valid`` on random integer signals.

    Every kernel length k, stride s and input length n = k .. max_length is tried once.

    Examples
    --------
    >>> print(strided_is_decimated_convolution(kernel_lengths=(2,), strides=(2,), max_length=3))
    Checked on 2 cases: numeric.conv1d(x, w, stride=s) equals ↓s applied to the valid true convolution with flip(w), for kernel lengths 2, strides 2 and every input length from k to 3.
    >>> strided_is_decimated_convolution(strides=())
    Traceback (most recent call last):
    ...
    ValueError: strides must hold at least one integer >= 1, got none
    """
    kernel_lengths, strides = _ints("kernel_lengths", kernel_lengths, 1), _ints("strides", strides, 1)
    max_length = check_int("max_length", max_length, minimum=1)
    rng, cases, failures = np.random.default_rng(seed), 0, []
    for k in kernel_lengths:
        for s in strides:
            for n in range(k, max_length + 1):
                x, w = rng.integers(-4, 5, n), rng.integers(-4, 5, k)
                cases += 1
                if not np.array_equal(numeric.conv1d(x, w, stride=s), np.convolve(x, w[::-1], "valid")[::s]):
                    failures.append(f"k = {k}, s = {s}, n = {n}")
    return Sweep(f"numeric.conv1d(x, w, stride=s) equals ↓s applied to the valid true convolution with flip(w), "
                 f"for kernel lengths {_span(kernel_lengths)}, strides {_span(strides)} and every input length "
                 f"from k to {max_length}", cases, tuple(failures))


def transposed_is_upsampled_convolution(kernel_lengths=range(1, 5), strides=(1, 2, 3), lengths=range(1, 7),
                                        seed=7) -> Sweep:
    """Check ``conv_transpose1d(y, w, stride=s, output_padding=s-1) == w ∗ (↑s y)`` (↑s with its trailing zeros).

    Examples
    --------
    >>> transposed_is_upsampled_convolution().holds
    True
    >>> print(transposed_is_upsampled_convolution(kernel_lengths=(3,), strides=(2,), lengths=(4,)))
    Checked on 1 cases: conv_transpose1d(y, w, stride=s, output_padding=s - 1) equals the true convolution of w with ↑s y (trailing zeros included), for kernel lengths 3, strides 2 and input lengths 4.
    """
    kernel_lengths, strides = _ints("kernel_lengths", kernel_lengths, 1), _ints("strides", strides, 1)
    lengths = _ints("lengths", lengths, 1)
    rng, cases, failures = np.random.default_rng(seed), 0, []
    for k in kernel_lengths:
        for s in strides:
            for n in lengths:
                y, w = rng.integers(-4, 5, n), rng.integers(-4, 5, k)
                stretched = np.zeros(n * s, dtype=int)
                stretched[::s] = y
                cases += 1
                if not np.array_equal(numeric.conv_transpose1d(y, w, stride=s, output_padding=s - 1),
                                      np.convolve(stretched, w)):
                    failures.append(f"k = {k}, s = {s}, n = {n}")
    return Sweep(f"conv_transpose1d(y, w, stride=s, output_padding=s - 1) equals the true convolution of w with "
                 f"↑s y (trailing zeros included), for kernel lengths {_span(kernel_lengths)}, strides "
                 f"{_span(strides)} and input lengths {_span(lengths)}", cases, tuple(failures))


def _symbolic_sweep(claim, factors, kernel_lengths, lengths, letter, sides) -> Sweep:
    factors, kernel_lengths = _ints("factors", factors, 1), _ints("kernel_lengths", kernel_lengths, 1)
    lengths = _ints("lengths", lengths, 1)
    cases, failures = 0, []
    for M in factors:
        for size in kernel_lengths:
            kernel = sympy.symbols(f"{letter}0:{size}")
            for lhs, rhs in sides(kernel, M, size):
                cases += 1
                if not operators_agree(lhs, rhs, lengths):
                    failures.append(f"M = {M}, kernel length {size}")
    return Sweep(f"{claim}, for symbolic kernels of length {_span(kernel_lengths)}, M = {_span(factors)} and "
                 f"input lengths {_span(lengths)}", cases, tuple(failures))


def repeat_then_kernel(factors=(2, 3), kernel_lengths=range(1, 5), lengths=range(1, 7)) -> Sweep:
    """Check that ``↑M``, then ``(1, …, 1)∗`` (M ones), then ``(q∗)`` is one stride-M transposed convolution.

    Its kernel is ``(1, …, 1) ∗ q`` and its ``output_padding`` M − 1 (↑M's trailing zeros).

    Examples
    --------
    >>> print(repeat_then_kernel(factors=(2,), kernel_lengths=(3,), lengths=(2,)))
    Checked on 1 cases: repeat-upsampling by M (↑M, then M ones), then the true convolution with q, equals the stride-M transposed convolution with kernel (1, …, 1) ∗ q and output_padding M − 1, for symbolic kernels of length 3, M = 2 and input lengths 2.
    """
    return _symbolic_sweep(
        "repeat-upsampling by M (↑M, then M ones), then the true convolution with q, equals the stride-M "
        "transposed convolution with kernel (1, …, 1) ∗ q and output_padding M − 1", factors, kernel_lengths,
        lengths, "q",
        lambda q, M, size: [(Conv(q) @ Conv((1,) * M) @ Up(M),
                             TransposedConv(convolve_kernels((1,) * M, q), M, output_padding=M - 1))])


def noble_identities(factors=(2, 3), kernel_lengths=range(1, 5), lengths=range(1, 11)) -> Sweep:
    """Check both noble identities: ``(h∗) ∘ ↓M = ↓M ∘ (h↑M∗)`` and ``(h↑M∗) ∘ ↑M = ↑M ∘ (h∗)``.

    ``h↑M`` is ``h`` with M − 1 zeros between its taps (:func:`course_lib.sampling.upsample_kernel`);
    each (factor, kernel length) counts as two cases, one per identity.

    Examples
    --------
    >>> print(noble_identities(factors=(2,), kernel_lengths=(2,), lengths=(3,)))
    Checked on 2 cases: both noble identities, (h∗) ∘ ↓M = ↓M ∘ (h↑M∗) and (h↑M∗) ∘ ↑M = ↑M ∘ (h∗), hold, for symbolic kernels of length 2, M = 2 and input lengths 3.
    """
    return _symbolic_sweep(
        "both noble identities, (h∗) ∘ ↓M = ↓M ∘ (h↑M∗) and (h↑M∗) ∘ ↑M = ↑M ∘ (h∗), hold", factors,
        kernel_lengths, lengths, "h",
        lambda h, M, size: [(Conv(h) @ Down(M), Down(M) @ Conv(upsample_kernel(h, M))),
                            (Conv(upsample_kernel(h, M)) @ Up(M), Up(M) @ Conv(h))])


def polyphase_equals_transposed(strides=(2, 3), kernel_lengths=range(1, 7), lengths=range(1, 7)) -> Sweep:
    """Check ``polyphase(w, s)`` against the transposed convolution with ``output_padding = (-k) mod s``.

    Examples
    --------
    >>> print(polyphase_equals_transposed(strides=(3,), kernel_lengths=(5,), lengths=(2,)))
    Checked on 1 cases: the sum of the interleaved phase convolutions, polyphase(w, s), equals the stride-s transposed convolution with weights w and output_padding (-k) mod s, for symbolic kernels of length 5, s = 3 and input lengths 2.
    """
    sweep = _symbolic_sweep(
        "the sum of the interleaved phase convolutions, polyphase(w, s), equals the stride-s transposed "
        "convolution with weights w and output_padding (-k) mod s", _ints("strides", strides, 1), kernel_lengths,
        lengths, "w", lambda w, s, size: [(polyphase(w, s), TransposedConv(w, s, output_padding=(-size) % s))])
    return Sweep(sweep.claim.replace(", M = ", ", s = "), sweep.cases,
                 tuple(f.replace("M = ", "s = ") for f in sweep.failures))


def interleaved_phases(padded=True, strides=(2, 3), kernel_lengths=range(1, 8), lengths=range(1, 6), seed=9) -> Sweep:
    """Interleave ``np.convolve(x, phase)`` over the phases and compare with ``numeric.conv_transpose1d``.

    With ``padded=True`` the phases are those of :func:`course_lib.sampling.kernel_phases` (zero-padded to
    ``ceil(k/s)`` taps) and the target has ``output_padding = (-k) mod s``; with ``padded=False`` they are
    ``w[r::s]`` and the target has ``output_padding = 0``. Unpadded phases need ``s <= k`` (every phase has a
    tap): the other settings are not compared, and the sentence says how many.

    Examples
    --------
    >>> print(interleaved_phases(padded=False, strides=(3,), kernel_lengths=(2, 5), lengths=(4,)))
    Checked on 1 cases: the unpadded phases w[r::s], each convolved with x and interleaved, give conv_transpose1d(x, w, stride=s) (output_padding 0), for strides 3, kernel lengths 2 and 5 (s <= k only) and input lengths 4. Not compared: 1 setting with s > k, where some phase has no tap.
    >>> interleaved_phases(strides=(0,))
    Traceback (most recent call last):
    ...
    ValueError: strides must be >= 1, got 0
    """
    strides, kernel_lengths = _ints("strides", strides, 1), _ints("kernel_lengths", kernel_lengths, 1)
    lengths = _ints("lengths", lengths, 1)
    if not isinstance(padded, bool):
        raise TypeError(f"padded must be True or False, got {padded!r}")
    rng, cases, skipped, failures = np.random.default_rng(seed), 0, 0, []
    for k in kernel_lengths:
        for s in strides:
            if not padded and s > k:
                skipped += 1
                continue
            for n in lengths:
                x, w = rng.integers(-4, 5, n), rng.integers(-4, 5, k)
                if padded:
                    phases = [np.array(p, dtype=int) for p in kernel_phases(w, s)]
                    target = numeric.conv_transpose1d(x, w, stride=s, output_padding=(-k) % s)
                else:
                    phases = [w[r::s] for r in range(s)]
                    target = numeric.conv_transpose1d(x, w, stride=s)
                y = interleave([np.convolve(x, p) for p in phases], s)
                cases += 1
                if not np.array_equal(y, target):
                    failures.append(f"k = {k}, s = {s}, n = {n}")
    if padded:
        claim = ("the phases padded to ceil(k/s) taps, each convolved with x and interleaved, give "
                 "conv_transpose1d(x, w, stride=s, output_padding=(-k) mod s)")
        scope = f"kernel lengths {_span(kernel_lengths)}"
    else:
        claim = ("the unpadded phases w[r::s], each convolved with x and interleaved, give "
                 "conv_transpose1d(x, w, stride=s) (output_padding 0)")
        scope = f"kernel lengths {_span(kernel_lengths)} (s <= k only)"
    details = (f"Not compared: {skipped} setting{'s' * (skipped != 1)} with s > k, where some phase has no tap."
               if skipped else "")
    return Sweep(f"{claim}, for strides {_span(strides)}, {scope} and input lengths {_span(lengths)}", cases,
                 tuple(failures), details)


def subpixel_crop(channel_pairs=((1, 1), (2, 3)), strides=(2, 3), kernel_sizes=range(1, 6), n=3, seed=10) -> Sweep:
    """Compare the cropped sub-pixel layer with ``numeric.conv_transpose2d`` for every ``p < k`` and ``a < s``.

    For each (C_in, C_out), stride s and kernel size k a random n×n input and weight are drawn, the layer is
    ``pixel_shuffle(conv2d(x, subpixel_weight(w, s), padding=L-1), s)`` with ``L = ceil(k/s)``, and its crop
    ``[p : p + o]`` is compared with ``conv_transpose2d(x, w, stride=s, padding=p, output_padding=a)`` whenever
    that has ``o >= 1``. The claim: the crop fits exactly when ``a <= p + Ls - k``, and then the two are equal.
    ``counts`` holds ``"equal"`` and ``"past the end"`` (crops that run past the shuffled map).

    Examples
    --------
    >>> sweep = subpixel_crop(channel_pairs=((1, 1),), strides=(3,), kernel_sizes=(2,))
    >>> sweep.holds, sweep.counts
    (True, {'equal': 5, 'past the end': 1})
    >>> subpixel_crop(n=0)
    Traceback (most recent call last):
    ...
    ValueError: n must be >= 1, got 0
    """
    strides, kernel_sizes = _ints("strides", strides, 1), _ints("kernel_sizes", kernel_sizes, 1)
    n = check_int("n", n, minimum=1)
    if isinstance(channel_pairs, (str, bytes)) or not channel_pairs:
        raise ValueError(f"channel_pairs must be a non-empty sequence of (C_in, C_out) pairs, got {channel_pairs!r}")
    pairs = [tuple(_ints("channel_pairs", pair, 1)) for pair in channel_pairs]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"channel_pairs must hold (C_in, C_out) pairs, got {channel_pairs!r}")
    rng, counts, failures = np.random.default_rng(seed), {"equal": 0, "past the end": 0}, []
    for c_in, c_out in pairs:
        for s in strides:
            for k in kernel_sizes:
                x, w = rng.integers(-3, 4, (c_in, n, n)), rng.integers(-3, 4, (c_in, c_out, k, k))
                L = -(-k // s)
                shuffled = numeric.pixel_shuffle(numeric.conv2d(x, numeric.subpixel_weight(w, s), padding=L - 1), s)
                for p in range(k):
                    for a in range(s):
                        if (n - 1) * s + k - 2 * p + a < 1:
                            continue
                        target = numeric.conv_transpose2d(x, w, stride=s, padding=p, output_padding=a)
                        o = target.shape[-1]
                        fits = p + o <= shuffled.shape[-1]
                        if fits != (a <= p + L * s - k):
                            failures.append(f"C = ({c_in}, {c_out}), s = {s}, k = {k}, p = {p}, a = {a}: bound")
                        elif not fits:
                            counts["past the end"] += 1
                        elif np.array_equal(shuffled[:, p:p + o, p:p + o], target):
                            counts["equal"] += 1
                        else:
                            failures.append(f"C = ({c_in}, {c_out}), s = {s}, k = {k}, p = {p}, a = {a}: values")
    cases = counts["equal"] + counts["past the end"] + len(failures)
    details = (f"Equal in {counts['equal']} settings; in the other {counts['past the end']} (a > p + Ls - k) the "
               f"crop [p : p + o] runs past the end of the shuffled map, so it has fewer rows than "
               f"conv_transpose2d's output and the two cannot be compared value by value.")
    return Sweep(f"the crop [p : p + o] of the shuffled sub-pixel output fits exactly when a <= p + Ls - k, and then "
                 f"equals conv_transpose2d(x, w, stride=s, padding=p, output_padding=a) (every p < k, a < s, "
                 f"(C_in, C_out) = {_span([str(pair) for pair in pairs])}, s = {_span(strides)}, k = {_span(kernel_sizes)}, a {n}×{n} input)",
                 cases, tuple(failures), details, dict(counts))


def chain_keeps_phase_zero(factors=(2, 3), kernel_lengths=range(1, 6), lengths=range(1, 7)) -> Sweep:
    """Check ``↓M ∘ (q∗) ∘ ↑M = (q[0::M]∗)``, plus one trailing 0 exactly when ``(k - 1) mod M != 0``.

    Examples
    --------
    >>> print(chain_keeps_phase_zero(factors=(2,), kernel_lengths=(2,), lengths=(3,)))
    Checked on 1 cases: ↓M ∘ (q∗) ∘ ↑M equals the true convolution with q[0::M] = (q0, qM, q2M, …), followed by one 0 exactly when (k − 1) mod M ≠ 0, for symbolic kernels of length 2, M = 2 and input lengths 3.
    """
    def sides(q, M, size):
        taps = tuple(q[::M]) + (0,) * ((size - 1) % M != 0)
        return [(Down(M) @ Conv(q) @ Up(M), Conv(taps))]

    return _symbolic_sweep("↓M ∘ (q∗) ∘ ↑M equals the true convolution with q[0::M] = (q0, qM, q2M, …), followed "
                           "by one 0 exactly when (k − 1) mod M ≠ 0", factors, kernel_lengths, lengths, "q", sides)
