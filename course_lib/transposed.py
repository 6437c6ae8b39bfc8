"""Lesson 05's constructions of a transposed convolution, each short enough to read in one go.

Three independent ways to compute the same array: :func:`scatter` (every input unit adds a weighted
copy of the kernel, then the padding is cropped), :func:`emulate` (the guide's emulating direct
convolution: stretched input, padding p′ = k̂ − p − 1 plus a zeros at the end, kernel rotated by
180°) and :func:`by_matrix` (Cᵀy, with C built column by column from unit inputs). The sweeps
:func:`compare_three_ways` and :func:`check_relationships` hold them against each other, against
``numeric.conv_transpose2d`` and against the guide's Relationships 8–14; :func:`relationship_value`
evaluates a relationship even where its conditions fail, :func:`round_trip` gives the size a
same-settings transposed convolution returns (``arithmetic.inputs_sharing_output`` gives the input
sizes that share one output size), :func:`useful_share` counts the multiplications of the emulation
that touch a real input unit and :func:`scatter_landing` where the scatter's products land. The sweeps
:func:`check_round_trips`, :func:`check_output_padding_units`, :func:`check_dilated`,
:func:`check_keras_formulas` and :func:`keras_none_equals_zero` hold lesson 05's statements about
sizes, ``output_padding``, dilation and Keras's length rules against ``numeric`` and
``frameworks``. Numpy only (SymPy inside :func:`relationship_value`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_lib import arithmetic, frameworks, numeric
from course_lib._validate import check_int
from course_lib.conventions import take_window

__all__ = ["scatter", "emulate", "by_matrix", "relationship_value", "round_trip",
           "useful_share", "scatter_landing", "compare_three_ways", "check_relationships", "check_round_trips",
           "check_output_padding_units", "DilationSweep", "check_dilated", "check_keras_formulas",
           "keras_none_equals_zero"]


def _arrays(y, w) -> tuple[np.ndarray, np.ndarray]:
    y_arr, w_arr = np.asarray(y), np.asarray(w)
    for name, arr in (("y", y_arr), ("w", w_arr)):
        if arr.dtype.kind not in "iuf" or arr.ndim not in (1, 2) or arr.size == 0:
            raise TypeError(f"{name} must be a non-empty 1-D or 2-D array of numbers, got {arr.dtype} of shape {arr.shape}")
    if y_arr.ndim != w_arr.ndim:
        raise ValueError(f"y and w must have the same number of axes, got {y_arr.ndim} and {w_arr.ndim}")
    return y_arr, w_arr


def _settings(s, p, a, d) -> tuple[int, int, int, int]:
    return (check_int("s", s, minimum=1), check_int("p", p, minimum=0), check_int("a", a, minimum=0),
            check_int("d", d, minimum=1))


def scatter(y, w, s=1, p=0, a=0, d=1) -> np.ndarray:
    """The transposed convolution as a scatter: y[r]·w added at r·s, crop p per side, a more at the end.

    Parameters
    ----------
    y, w : array_like
        Input and kernel, both 1-D or both 2-D (the same s, p, a, d on every axis).
    s, p, a, d : int
        Stride >= 1, the direct convolution's padding p >= 0, a >= 0 units given back at the end
        (zeros past the full output), dilation d >= 1.

    Returns
    -------
    numpy.ndarray
        (n − 1)s + d(k − 1) + 1 − 2p + a units per axis.

    Raises
    ------
    TypeError, ValueError
        If y or w is not a 1-D/2-D numeric array, their axes differ, a setting is out of range, or
        the crop leaves nothing.

    Examples
    --------
    >>> scatter([1, 2], [1, 2, 3], s=2).tolist()
    [1, 2, 5, 4, 6]
    >>> scatter([1, 2], [1, 2, 3], s=2, p=1, a=1).tolist()
    [2, 5, 4, 6]
    """
    y, w = _arrays(y, w)
    s, p, a, d = _settings(s, p, a, d)
    spans = [(kk - 1) * d + 1 for kk in w.shape]
    full_sizes = [(n - 1) * s + span + a for n, span in zip(y.shape, spans)]
    out_sizes = [size - 2 * p for size in full_sizes]
    if min(out_sizes) < 1:
        raise ValueError(f"p = {p} crops the whole output (full output {full_sizes}); use a smaller p")
    full = np.zeros(full_sizes, dtype=np.result_type(y, w))
    for r in np.ndindex(y.shape):
        window = tuple(slice(ri * s, ri * s + span, d) for ri, span in zip(r, spans))
        full[window] += y[r] * w
    return full[tuple(slice(p, p + o) for o in out_sizes)]


def emulate(y, w, s=1, p=0, a=0, d=1, *, rotate=True) -> np.ndarray:
    """The guide's emulating direct convolution: stretch y, pad p′ = k̂ − p − 1 (+ a at the end), slide w rotated.

    A negative p′ (when p > k̂ − 1) crops −p′ units from each side of the stretched input instead.

    Parameters
    ----------
    y, w : array_like
        Input and kernel, both 1-D or both 2-D.
    s, p, a, d : int
        As in :func:`scatter`.
    rotate : bool
        Rotate the kernel by 180° (the right emulation); False slides it as it is (the common mistake).

    Returns
    -------
    numpy.ndarray
        The same array as :func:`scatter` when ``rotate`` is True.

    Raises
    ------
    TypeError, ValueError
        As :func:`scatter`; also if ``rotate`` is not a bool.

    Examples
    --------
    >>> emulate([1, 2], [1, 2, 3], s=2).tolist(), emulate([1, 2], [1, 2, 3], s=2, rotate=False).tolist()
    ([1, 2, 5, 4, 6], [3, 2, 7, 4, 2])
    """
    y, w = _arrays(y, w)
    s, p, a, d = _settings(s, p, a, d)
    if not isinstance(rotate, bool):
        raise TypeError(f"rotate must be True or False, got {rotate!r}")
    stretched = np.zeros([n + (n - 1) * (s - 1) for n in y.shape], dtype=y.dtype)
    stretched[tuple(slice(None, None, s) for _ in y.shape)] = y
    windows = []
    for size, kk in zip(stretched.shape, w.shape):
        p_prime = (kk - 1) * d - p              # k̂ − p − 1
        length = size + 2 * p_prime + a
        if length < (kk - 1) * d + 1:
            raise ValueError(f"p = {p} crops the whole output; use a smaller p")
        windows.append((-p_prime, length))
    padded = take_window(stretched, *windows)
    kernel = np.flip(w) if rotate else w
    conv = numeric.conv1d if y.ndim == 1 else numeric.conv2d
    return conv(padded, kernel, dilation=d)


def by_matrix(y, w, i, s=1, p=0) -> np.ndarray:
    """Cᵀy: C built from unit inputs (the convolution of unit j alone is column j of C), then transposed.

    Parameters
    ----------
    y, w : array_like
        Input (the direct convolution's output shape) and kernel, both 1-D or both 2-D.
    i : int
        The direct convolution's input size (the same on every axis); it fixes a.
    s, p : int
        Stride >= 1 and padding >= 0 of the direct convolution.

    Returns
    -------
    numpy.ndarray
        i units per axis.

    Raises
    ------
    TypeError, ValueError
        As :func:`scatter`; also if y's shape is not the direct convolution's output shape.

    Examples
    --------
    >>> by_matrix([1, 2], [1, 2, 3], i=5, s=2).tolist()
    [1, 2, 5, 4, 6]
    """
    y, w = _arrays(y, w)
    i, s, p = check_int("i", i, minimum=1), check_int("s", s, minimum=1), check_int("p", p, minimum=0)
    shape = (i,) * y.ndim
    conv = numeric.conv1d if y.ndim == 1 else numeric.conv2d
    units = np.eye(i ** y.ndim, dtype=y.dtype)
    columns = [conv(unit.reshape(shape), w, stride=s, padding=p).ravel() for unit in units]
    expected = conv(units[0].reshape(shape), w, stride=s, padding=p).shape
    if y.shape != expected:
        raise ValueError(f"y must have the direct convolution's output shape {expected}, got {y.shape}")
    return (np.array(columns) @ y.ravel()).reshape(shape)


def relationship_value(n, i, k, s=1, p=0) -> int:
    """Relationship n's o′, evaluated at i′ = o of the direct convolution, even where its conditions fail.

    Parameters
    ----------
    n : int
        A transposed relationship, 8 to 14.
    i, k, s, p : int
        The direct convolution (the kernel must fit: k <= i + 2p).

    Returns
    -------
    int
        The formula's value; it equals i wherever the relationship applies.

    Raises
    ------
    TypeError, ValueError
        If n is not 8..14 or the direct convolution's settings are invalid.

    Examples
    --------
    >>> relationship_value(8, 5, 3, s=1, p=1), relationship_value(9, 5, 3, s=1, p=1)
    (7, 5)
    """
    n = check_int("n", n, minimum=8, maximum=14)
    i_prime = arithmetic.conv_output_size(i, k, s, p)
    values = dict(i_prime=i_prime, k=k, s=s, p=p, a=(i + 2 * p - k) % s)
    rhs = arithmetic.relationship(n).equation.rhs
    return int(rhs.subs({arithmetic.SYMBOLS[name]: v for name, v in values.items()}))


def round_trip(i, k, s=1, p=0, output_padding=0) -> int:
    """The size a transposed convolution with the same k, s, p gives back for a direct convolution's input i.

    Parameters
    ----------
    i, k, s, p : int
        The direct convolution.
    output_padding : int
        The transposed layer's output_padding (>= 0).

    Returns
    -------
    int
        s(o − 1) + k − 2p + output_padding, with o the direct convolution's output size.

    Examples
    --------
    >>> round_trip(16, 3, 2, 1), round_trip(16, 3, 2, 1, output_padding=1)
    (15, 16)
    """
    o = arithmetic.conv_output_size(i, k, s, p)
    return arithmetic.transposed_output_size(o, k, s, p, a=check_int("output_padding", output_padding, minimum=0))


def useful_share(i, k, s=1, p=0) -> tuple[int, int]:
    """(multiplications that touch a real input unit, all multiplications) of the 2-D emulating convolution.

    Parameters
    ----------
    i, k, s, p : int
        The direct convolution whose transpose is emulated (p <= k − 1).

    Returns
    -------
    tuple of int
        The emulation computes i² outputs with k² multiplications each; the first number counts
        those whose input is a unit of y rather than an inserted or padding zero.

    Examples
    --------
    >>> useful_share(6, 3, 2, 1)
    (64, 324)
    """
    eq = arithmetic.transposed_equivalent(i, k, s, p)
    if eq.p_prime < 0:
        raise ValueError(f"p must be at most k - 1 = {k - 1}, got {p}")
    mark = np.ones((eq.i_prime,) * 2, dtype=int)                 # 1 marks a real unit of y
    useful = emulate(mark, np.ones((k, k), dtype=int), s, p, eq.a).sum()
    return int(useful), i * i * k * k


def compare_three_ways(i_max=7, k_max=4, s_max=3, seed=5) -> tuple[int, int]:
    """(settings where all agree, settings tried): scatter, emulate, by_matrix and numeric's three methods.

    Every 2-D setting i <= i_max, k <= k_max, s <= s_max, p <= k − 1 with k <= i + 2p, on random
    integer inputs and kernels (a = (i + 2p − k) mod s, so every output is i × i).

    Examples
    --------
    >>> compare_three_ways(4, 3, 2)
    (42, 42)
    """
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    settings = [(i, k, s, p) for i in range(1, check_int("i_max", i_max, minimum=1) + 1)
                for k in range(1, check_int("k_max", k_max, minimum=1) + 1)
                for s in range(1, check_int("s_max", s_max, minimum=1) + 1) for p in range(k) if k <= i + 2 * p]
    agree = 0
    for i, k, s, p in settings:
        eq = arithmetic.transposed_equivalent(i, k, s, p)
        y, w = rng.integers(-3, 4, (eq.i_prime,) * 2), rng.integers(-3, 4, (k, k))
        ref = scatter(y, w, s, p, eq.a)
        others = [emulate(y, w, s, p, eq.a), by_matrix(y, w, i, s, p)]
        others += [numeric.conv_transpose2d(y, w, stride=s, padding=p, output_padding=eq.a, method=m)
                   for m in ("scatter", "equivalent", "matrix")]
        agree += ref.shape == (i, i) and all(np.array_equal(ref, other) for other in others)
    return agree, len(settings)


def check_relationships(i_max=9, k_max=4, s_max=3) -> dict[int, tuple[int, int]]:
    """For n = 8..14: (settings where o′ = i, settings where Relationship n applies), 1-D.

    o′ is the relationship's value, the length of ``numeric.conv_transpose1d`` (output_padding = a)
    and the length of :func:`emulate`; all three must equal the direct convolution's input i.

    Examples
    --------
    >>> check_relationships(4, 2, 2)[8]
    (7, 7)
    """
    relationships = {n: arithmetic.relationship(n) for n in range(8, 15)}
    counts = {n: [0, 0] for n in relationships}
    for i in range(1, check_int("i_max", i_max, minimum=1) + 1):
        for k in range(1, check_int("k_max", k_max, minimum=1) + 1):
            for s in range(1, check_int("s_max", s_max, minimum=1) + 1):
                for p in (p for p in range(k) if k <= i + 2 * p):
                    eq = arithmetic.transposed_equivalent(i, k, s, p)
                    y, w = np.ones(eq.i_prime, dtype=int), np.ones(k, dtype=int)
                    lengths = {len(numeric.conv_transpose1d(y, w, stride=s, padding=p, output_padding=eq.a)),
                               len(emulate(y, w, s, p, eq.a))}
                    for n, rel in relationships.items():
                        if rel.applies(i, k, s, p):
                            counts[n][1] += 1
                            counts[n][0] += lengths == {i} and rel.evaluate(i, k, s, p) == i
    return {n: (good, total) for n, (good, total) in counts.items()}


def scatter_landing(i, k, s=1, p=0) -> tuple[int, int]:
    """(products landing inside the i × i output, all products) of the 2-D scatter for a direct convolution.

    The transposed input has i′ = o units per axis; each of its i′² units multiplies k² weights,
    and the product of unit r with tap m lands at r·s + m of the full output, which the crop by p
    turns into the i × i output.

    Parameters
    ----------
    i, k, s, p : int
        The direct convolution (the kernel must fit: k <= i + 2p).

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> scatter_landing(6, 3, 2, 1)
    (64, 81)
    """
    i_prime = arithmetic.conv_output_size(i, k, s, p)
    inside = sum(p <= r * s + m < p + i for r in range(i_prime) for m in range(k))   # per axis
    return inside ** 2, (i_prime * k) ** 2


def _fitting(i_max, k_max, s_range):
    """(i, k, s, p) with 1 <= i <= i_max, k <= k_max, s in s_range, p <= k − 1, the kernel fitting."""
    i_max, k_max = check_int("i_max", i_max, minimum=1), check_int("k_max", k_max, minimum=1)
    return [(i, k, s, p) for i in range(1, i_max + 1) for k in range(1, k_max + 1) for s in s_range
            for p in range(k) if k <= i + 2 * p]


def check_round_trips(i_max=39, k_max=6, s_max=4) -> tuple[int, int]:
    """(settings where both hold, settings tried): the same settings give back i − a; output_padding = a gives i.

    a = (i + 2p − k) mod s. Tried: i <= i_max, k <= k_max, s <= s_max, p <= k − 1, wherever the
    kernel fits and something comes back (i − a >= 1).

    Examples
    --------
    >>> check_round_trips(10, 3, 2)
    (113, 113)
    """
    settings = [(i, k, s, p) for i, k, s, p in _fitting(i_max, k_max, range(1, check_int("s_max", s_max, minimum=1) + 1))
                if i - (i + 2 * p - k) % s >= 1]
    agree = 0
    for i, k, s, p in settings:
        a = (i + 2 * p - k) % s
        agree += round_trip(i, k, s, p) == i - a and round_trip(i, k, s, p, output_padding=a) == i
    return agree, len(settings)


def check_output_padding_units(n_max=4, k_max=4, s_max=3, p_max=2, seed=7) -> tuple[int, int]:
    """(settings where it holds, settings tried): the units output_padding adds, on random integer inputs.

    The first ``output_padding`` − max(output_padding − p, 0) of them are the full scatter output's
    units that the crop by p had removed; the last max(output_padding − p, 0) lie past the full
    output and are zeros (no bias). Tried, in 1-D: input length n <= n_max, k <= k_max,
    2 <= s <= s_max, p <= p_max, every output_padding < s, wherever the crop leaves something.

    Examples
    --------
    >>> check_output_padding_units(2, 2, 2, 1)
    (12, 12)
    """
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    n_max, k_max = check_int("n_max", n_max, minimum=1), check_int("k_max", k_max, minimum=1)
    s_max, p_max = check_int("s_max", s_max, minimum=2), check_int("p_max", p_max, minimum=0)
    settings = [(n, k, s, p, op) for n in range(1, n_max + 1) for k in range(1, k_max + 1)
                for s in range(2, s_max + 1) for p in range(p_max + 1) for op in range(s)
                if (n - 1) * s + k - 2 * p >= 1]
    agree = 0
    for n, k, s, p, op in settings:
        y, w = rng.integers(1, 5, n), rng.integers(1, 5, k)
        full = numeric.conv_transpose1d(y, w, stride=s)
        out = numeric.conv_transpose1d(y, w, stride=s, padding=p, output_padding=op)
        kept = len(out) - max(op - p, 0)                       # the units before those past the full output
        agree += np.array_equal(out[:kept], full[p:p + kept]) and not out[kept:].any()
    return agree, len(settings)


class DilationSweep(NamedTuple):
    """What :func:`check_dilated` found."""

    tried: int
    """Settings tried (dilated and undilated)."""
    agree: int
    """Settings where every statement held (see :func:`check_dilated`)."""
    dilated: int
    """Settings with d > 1 and k > 1."""
    undilated_wrong: int
    """Settings where the undilated p′ = k − p − 1 gives a size other than i."""


def check_dilated(i_max=13, k_max=4, s_max=3, d_max=3, seed=11) -> DilationSweep:
    """Dilated transposed convolutions: p′ = k̂ − p − 1, the emulation and PyTorch's size rule agree.

    For every i <= i_max, k <= k_max, s <= s_max, d <= d_max, p <= k̂ − 1 with k̂ <= i + 2p
    (k̂ = k + (k − 1)(d − 1)), on random integer inputs: ``transposed_equivalent``'s p′ is
    k̂ − p − 1; ``numeric.conv_transpose1d`` (output_padding = a, dilation d) has i units, equals
    :func:`emulate` and has ``frameworks.torch_conv_transpose_length``'s length; and the undilated
    p′ = k − p − 1 gives i units exactly when d = 1 or k = 1.

    Examples
    --------
    >>> check_dilated(5, 2, 2, 2)
    DilationSweep(tried=64, agree=64, dilated=26, undilated_wrong=26)
    """
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    i_max, k_max = check_int("i_max", i_max, minimum=1), check_int("k_max", k_max, minimum=1)
    s_max, d_max = check_int("s_max", s_max, minimum=1), check_int("d_max", d_max, minimum=1)
    tried = agree = dilated = undilated_wrong = 0
    for i in range(1, i_max + 1):
        for k in range(1, k_max + 1):
            for s in range(1, s_max + 1):
                for d in range(1, d_max + 1):
                    k_hat = arithmetic.effective_kernel_size(k, d)
                    for p in (p for p in range(k_hat) if k_hat <= i + 2 * p):
                        eq = arithmetic.transposed_equivalent(i, k, s, p, d)
                        y, w = rng.integers(-3, 4, eq.i_prime), rng.integers(-3, 4, k)
                        got = numeric.conv_transpose1d(y, w, stride=s, padding=p, output_padding=eq.a, dilation=d)
                        undilated = eq.i_stretched + 2 * (k - p - 1) + eq.a - k_hat + 1   # size with p' = k - p - 1
                        tried += 1
                        dilated += d > 1 and k > 1
                        undilated_wrong += undilated != i
                        agree += (eq.p_prime == k_hat - p - 1 and len(got) == i
                                  and np.array_equal(got, emulate(y, w, s, p, eq.a, d))
                                  and len(got) == frameworks.torch_conv_transpose_length(eq.i_prime, k, s, p, eq.a, d)
                                  and (undilated == i) == (d == 1 or k == 1))
    return DilationSweep(tried, agree, dilated, undilated_wrong)


def _keras_settings(n_max, k_max, s_max):
    n_max, k_max = check_int("n_max", n_max, minimum=1), check_int("k_max", k_max, minimum=1)
    s_max = check_int("s_max", s_max, minimum=1)
    return [(n, k, s) for n in range(1, n_max + 1) for k in range(1, k_max + 1) for s in range(1, s_max + 1)]


def _keras_or_refusal(*args, **kwargs):
    try:
        return frameworks.keras_conv_transpose_length(*args, **kwargs)
    except frameworks.FrameworkRefusal:
        return "refused"


def check_keras_formulas(n_max=5, k_max=6, s_max=4) -> tuple[int, int]:
    """(settings where all four hold, settings tried): Keras's transposed lengths for input length n.

    ``frameworks.keras_conv_transpose_length`` against the formulas lesson 05 states: 'same' gives
    ns with output_padding=None and (n − 1)s + (k mod 2) + output_padding with a number (refused
    for an even k with 0); 'valid' gives ns + max(k − s, 0) with None and (n − 1)s + k +
    output_padding with a number. Every output_padding < s is tried.

    Examples
    --------
    >>> check_keras_formulas(2, 3, 2)
    (12, 12)
    """
    settings, agree = _keras_settings(n_max, k_max, s_max), 0
    for n, k, s in settings:
        same = [_keras_or_refusal(n, k, s, "same", output_padding=op) for op in range(s)]
        valid = [_keras_or_refusal(n, k, s, "valid", output_padding=op) for op in range(s)]
        agree += (_keras_or_refusal(n, k, s, "same") == n * s
                  and same == ["refused" if k % 2 == 0 and op == 0 else (n - 1) * s + k % 2 + op for op in range(s)]
                  and _keras_or_refusal(n, k, s, "valid") == n * s + max(k - s, 0)
                  and valid == [(n - 1) * s + k + op for op in range(s)])
    return agree, len(settings)


def keras_none_equals_zero(n_max=5, k_max=6, s_max=4) -> list[tuple[int, int]]:
    """The (k mod 2, s) where Keras 'same' gives the same length with output_padding=None and =0.

    Over input lengths n <= n_max, kernels k <= k_max, strides s <= s_max (an even k with 0 is
    refused, so it never counts).

    Examples
    --------
    >>> keras_none_equals_zero()
    [(1, 1)]
    """
    return sorted({(k % 2, s) for n, k, s in _keras_settings(n_max, k_max, s_max)
                   if _keras_or_refusal(n, k, s, "same") == _keras_or_refusal(n, k, s, "same", output_padding=0)})
