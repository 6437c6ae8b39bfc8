"""Lesson 04's statements about the convolution matrix C, checked over sweeps of settings.

Each function builds C with :mod:`course_lib.symbolic` (or its pattern with
:mod:`course_lib.connectivity`) and compares it with an independent construction —
:mod:`course_lib.numeric`'s loops, a rule written entry by entry, finite differences — returning
counts a lesson cell can print and assert. The sweeps are small (a second or less in all).

Examples
--------
>>> compare_with_conv2d(SETTINGS_2D[:5])
(5, 5)
>>> multiply_adds(4, 3, 0)
{'dense': 64, 'sparse': 36, 'loop': 36}
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy

from course_lib import arithmetic, connectivity, numeric, symbolic
from course_lib._validate import _describe, check_int

__all__ = [
    "SETTINGS_1D",
    "SETTINGS_2D",
    "SETTINGS_BLOCKS",
    "SETTINGS_SQUARE",
    "compare_with_conv2d",
    "row_shifts",
    "strided_rows",
    "nnz_counts",
    "transposed_views",
    "block_rule",
    "layer_counts",
    "finite_differences",
    "ranks",
    "multiply_adds",
]


def _fits(k, d, i, p):
    return (k - 1) * d + 1 <= i + 2 * p


#: 1-D settings (i, k, s, p, d): i ≤ 8, k ≤ 4, s ≤ 3, p < k, d ≤ 2, where the dilated kernel fits.
SETTINGS_1D = [(i, k, s, p, d) for i in range(1, 9) for k in range(1, 5) for s in (1, 2, 3)
               for p in range(k) for d in (1, 2) if _fits(k, d, i, p)]

#: 2-D settings (h, w, kh, kw, s, p, d): rectangular inputs and kernels, where the kernel fits.
SETTINGS_2D = [(h, w, kh, kw, s, p, d) for h, w in [(3, 5), (5, 4), (6, 6), (7, 3)]
               for kh, kw in [(1, 2), (2, 2), (3, 2), (3, 3)] for s in (1, 2, 3) for p in (0, 1, 2)
               for d in (1, 2) if _fits(kh, d, h, p) and _fits(kw, d, w, p)]

#: 2-D settings (h, w, k, s, p, d) with a square k × k kernel, for the block structure of C.
SETTINGS_BLOCKS = [(h, w, k, s, p, d) for h, w in [(4, 4), (5, 3), (3, 6), (6, 6)] for k in (2, 3)
                   for s in (1, 2) for p in range(k) for d in (1, 2) if _fits(k, d, min(h, w), p)]

#: Square settings (i, k, s, p): i ≤ 8, k ≤ 4, s ≤ 3, p < k, where the kernel fits.
SETTINGS_SQUARE = [(i, k, s, p) for i in range(1, 9) for k in range(1, 5) for s in (1, 2, 3)
                   for p in range(k) if k <= i + 2 * p]


def _settings(name, settings, width):
    if isinstance(settings, (str, bytes)) or not hasattr(settings, "__iter__"):
        raise TypeError(f"{name} must be a list of {width}-tuples of integers, got {_describe(settings)}")
    settings = [tuple(entry) for entry in settings]
    if any(len(entry) != width for entry in settings):
        raise ValueError(f"{name} must hold {width}-tuples, got {_describe(settings)}")
    return settings


def compare_with_conv2d(settings=SETTINGS_2D, seed=0) -> tuple[int, int]:
    """In how many 2-D settings ``C @ x.ravel()`` equals ``numeric.conv2d(x, kernel)`` flattened.

    Random integer inputs and kernels in -3..3 (``seed``); returns ``(agreeing, total)``.

    Parameters
    ----------
    settings : list of (h, w, kh, kw, s, p, d)
    seed : int

    Raises
    ------
    TypeError, ValueError
        If ``settings`` is not a list of 7-tuples, or a setting is out of range.

    Examples
    --------
    >>> compare_with_conv2d([(4, 4, 3, 3, 1, 0, 1), (5, 4, 2, 2, 2, 1, 2)])
    (2, 2)
    """
    settings = _settings("settings", settings, 7)
    rng = np.random.RandomState(check_int("seed", seed, minimum=0))
    agree = 0
    for h, w, kh, kw, s, p, d in settings:
        x, kernel = rng.randint(-3, 4, (h, w)), rng.randint(-3, 4, (kh, kw))
        C = symbolic.as_array(symbolic.conv_matrix((h, w), kernel, stride=s, padding=p, dilation=d), int)
        agree += np.array_equal(C @ x.ravel(), numeric.conv2d(x, kernel, stride=s, padding=p, dilation=d).ravel())
    return agree, len(settings)


def row_shifts(settings=SETTINGS_1D) -> dict:
    """How the rows of the 1-D C follow each other, over ``settings``.

    A row is *whole* when it holds all k weights. Returns a dict: ``settings``; ``pairs``, the
    pairs of consecutive whole rows; ``shifted``, those in which the second row is the first
    shifted right by s columns; ``cut_rows``, the rows that are not whole; ``cut_without_padding``,
    those among them in settings with p = 0.

    Parameters
    ----------
    settings : list of (i, k, s, p, d)

    Raises
    ------
    TypeError, ValueError
        If ``settings`` is not a list of 5-tuples, or a setting is out of range.

    Examples
    --------
    >>> row_shifts([(6, 3, 2, 0, 1), (6, 3, 1, 1, 1)])
    {'settings': 2, 'pairs': 4, 'shifted': 4, 'cut_rows': 2, 'cut_without_padding': 0}
    """
    settings = _settings("settings", settings, 5)
    pairs = shifted = cut = cut_unpadded = 0
    for i, k, s, p, d in settings:
        M = symbolic.conv_matrix(i, sympy.symbols(f"w0:{k}"), stride=s, padding=p, dilation=d)
        whole = [sum(e != 0 for e in M.row(r)) == k for r in range(M.rows)]
        cut += whole.count(False)
        cut_unpadded += whole.count(False) if p == 0 else 0
        for r in range(M.rows - 1):
            if whole[r] and whole[r + 1]:
                pairs += 1
                shifted += list(M.row(r + 1)) == ([0] * s + list(M.row(r)))[:i]
    return {"settings": len(settings), "pairs": pairs, "shifted": shifted, "cut_rows": cut,
            "cut_without_padding": cut_unpadded}


def strided_rows(settings=SETTINGS_1D) -> dict:
    """The strided 1-D C against the unit-stride C, over the settings of ``settings`` with s > 1.

    Returns a dict: ``strided``, the settings with s > 1; ``subsampled``, those in which C is
    rows 0, s, 2s, … of the unit-stride C (same k, p, d); ``one_line``, those whose C has a single
    row or a single column (Toeplitz trivially); ``not_toeplitz``, those whose C is not Toeplitz.

    Parameters
    ----------
    settings : list of (i, k, s, p, d)

    Raises
    ------
    TypeError, ValueError
        If ``settings`` is not a list of 5-tuples, or a setting is out of range.

    Examples
    --------
    >>> strided_rows([(6, 3, 2, 0, 1), (3, 3, 2, 0, 1), (6, 3, 1, 0, 1)])
    {'strided': 2, 'subsampled': 2, 'one_line': 1, 'not_toeplitz': 1}
    """
    settings = _settings("settings", settings, 5)
    strided = subsampled = one_line = not_toeplitz = 0
    for i, k, s, p, d in settings:
        if s == 1:
            continue
        w = sympy.symbols(f"w0:{k}")
        M = symbolic.conv_matrix(i, w, stride=s, padding=p, dilation=d)
        unit = symbolic.conv_matrix(i, w, padding=p, dilation=d)
        strided += 1
        subsampled += M == unit.extract(list(range(0, unit.rows, s)), list(range(i)))
        one_line += M.rows == 1 or M.cols == 1
        not_toeplitz += not symbolic.is_toeplitz(M)
    return {"strided": strided, "subsampled": subsampled, "one_line": one_line, "not_toeplitz": not_toeplitz}


def nnz_counts(settings=SETTINGS_SQUARE) -> dict:
    """The nonzeros of the 2-D C (square input and kernel, one pair of maps) against three counts.

    Returns a dict: ``settings``; ``shape_ok``, the settings whose C is o² × i²; ``product``, those
    with nnz(2-D C) = nnz(1-D C)²; ``unpadded``, the settings with p = 0; ``full_rows``, those among
    them with nnz = o² k² and all k² weights present.

    Parameters
    ----------
    settings : list of (i, k, s, p)

    Raises
    ------
    TypeError, ValueError
        If ``settings`` is not a list of 4-tuples, or a setting is out of range.

    Examples
    --------
    >>> nnz_counts([(4, 3, 1, 0), (5, 3, 2, 1)])
    {'settings': 2, 'shape_ok': 2, 'product': 2, 'unpadded': 1, 'full_rows': 1}
    """
    settings = _settings("settings", settings, 4)
    shape_ok = product = unpadded = full_rows = 0
    for i, k, s, p in settings:
        o = arithmetic.conv_output_size(i, k, s, p)
        two_d = connectivity.conv_matrix_pattern((i, i), (k, k), s, p)
        shape_ok += two_d.shape == (o * o, i * i)
        product += len(two_d.rows) == len(connectivity.conv_matrix_pattern(i, k, s, p).rows) ** 2
        if p == 0:
            unpadded += 1
            full_rows += len(two_d.rows) == o * o * k * k and len(set(two_d.kernel_index.tolist())) == k * k
    return {"settings": len(settings), "shape_ok": shape_ok, "product": product, "unpadded": unpadded,
            "full_rows": full_rows}


def transposed_views(cases=((4, 3, 1, 0), (6, 3, 2, 1)), seed=5) -> list[dict]:
    """The transposed convolution of a random o × o map computed three ways and by the symbolic Cᵀ.

    For each case (i, k, s, p) a random integer kernel and map (values -3..3, ``seed``) go through
    :func:`course_lib.numeric.conv_transpose2d` with ``method`` "scatter", "equivalent" and
    "matrix" (``output_padding`` a = (i + 2p − k) mod s, so the result is i × i) and through
    :func:`course_lib.symbolic.transposed_conv_matrix`. Returns one dict per case: ``i, k, s, p,
    a``, ``o`` (the map's size), ``shape`` (the result's) and ``agree`` (all four equal).

    Parameters
    ----------
    cases : list of (i, k, s, p)
    seed : int (>= 0)

    Raises
    ------
    TypeError, ValueError
        If ``cases`` is not a list of 4-tuples, or a case is out of range.

    Examples
    --------
    >>> [(v["a"], v["shape"], v["agree"]) for v in transposed_views([(6, 3, 2, 1)])]
    [(1, (6, 6), True)]
    """
    cases = _settings("cases", cases, 4)
    rng = np.random.RandomState(check_int("seed", seed, minimum=0))
    found = []
    for i, k, s, p in cases:
        kernel = rng.randint(-3, 4, (k, k))
        o = arithmetic.conv_output_size(i, k, s, p)
        y = rng.randint(-3, 4, (o, o))
        a = (i + 2 * p - k) % s
        C_T = symbolic.as_array(symbolic.transposed_conv_matrix((i, i), kernel, stride=s, padding=p))
        views = [numeric.conv_transpose2d(y, kernel, stride=s, padding=p, output_padding=a, method=m)
                 for m in ("scatter", "equivalent", "matrix")]
        agree = all(v.shape == (i, i) and np.array_equal(v.ravel(), C_T @ y.ravel()) for v in views)
        found.append({"i": i, "k": k, "s": s, "p": p, "a": a, "o": o, "shape": views[0].shape, "agree": agree})
    return found


def block_rule(settings=SETTINGS_BLOCKS) -> tuple[int, int]:
    """In how many 2-D settings every block of C follows the rule between rows.

    Cut C into blocks of o_w rows (one output row R) by i_w columns (one input row Q). The rule:
    block (R, Q) is the 1-D C (along the width, same s, p, d) of kernel row m where
    ``Q = R s - p + m d``, and 0 where no m fits. Returns ``(agreeing, total)``.

    Parameters
    ----------
    settings : list of (h, w, k, s, p, d)

    Raises
    ------
    TypeError, ValueError
        If ``settings`` is not a list of 6-tuples, or a setting is out of range.

    Examples
    --------
    >>> block_rule([(5, 5, 3, 1, 1, 1), (4, 4, 2, 2, 1, 2)])
    (2, 2)
    """
    settings = _settings("settings", settings, 6)
    agree = 0
    for h, w, k, s, p, d in settings:
        kernel = symbolic.kernel_symbols((k, k))
        M = symbolic.conv_matrix((h, w), kernel, stride=s, padding=p, dilation=d)
        row_C = [symbolic.conv_matrix(w, kernel.row(m), stride=s, padding=p, dilation=d) for m in range(k)]
        o_w = row_C[0].rows
        ok = True
        for R, Q in itertools.product(range(M.rows // o_w), range(h)):
            m, rest = divmod(Q - R * s + p, d)
            want = row_C[m] if rest == 0 and 0 <= m < k else sympy.zeros(o_w, w)
            ok &= M[R * o_w:(R + 1) * o_w, Q * w:(Q + 1) * w] == want
        agree += ok
    return agree, len(settings)


def layer_counts(i, f_in, f_out, k, s=1, p=0) -> dict:
    """The size of C for a layer with square inputs and kernels, and what it holds.

    Returns a dict: ``rows`` and ``cols`` of C, ``entries`` (rows × cols, the dense matrix),
    ``nonzeros`` (from C's pattern, padding taps left out) and ``distinct`` (the weights:
    f_out · f_in · k², no bias).

    Parameters
    ----------
    i, k : int (>= 1)
        Input size and kernel size along each axis.
    f_in, f_out : int (>= 1)
        Numbers of input and output maps.
    s : int (>= 1)
    p : int (>= 0)

    Raises
    ------
    TypeError, ValueError
        As :func:`course_lib.arithmetic.conv_output_size`, or for f_in, f_out < 1.

    Examples
    --------
    >>> layer_counts(4, 1, 1, 3)
    {'rows': 4, 'cols': 16, 'entries': 64, 'nonzeros': 36, 'distinct': 9}
    """
    f_in, f_out = check_int("f_in", f_in, minimum=1), check_int("f_out", f_out, minimum=1)
    o = arithmetic.conv_output_size(i, k, s, p)
    rows, cols = f_out * o * o, f_in * i * i
    nonzeros = f_in * f_out * len(connectivity.conv_matrix_pattern((i, i), (k, k), s, p).rows)
    distinct = arithmetic.conv_parameter_count(f_in, f_out, (k, k), bias=False)
    return {"rows": rows, "cols": cols, "entries": rows * cols, "nonzeros": nonzeros, "distinct": distinct}


def finite_differences(x, kernel, g, s=1, p=0) -> tuple[np.ndarray, np.ndarray]:
    """The gradients of ``L = sum(g * conv2d(x, kernel))`` by steps of 1, one unit at a time.

    L is linear in x for a fixed kernel and in the kernel for a fixed x, so on integer arrays a
    step of 1 in one unit changes L by exactly that partial derivative. Returns
    ``(dL/dx, dL/dkernel)``, shaped like ``x`` and ``kernel``.

    Parameters
    ----------
    x, kernel : 2-D integer arrays
    g : 2-D integer array shaped like the output of ``conv2d(x, kernel, stride=s, padding=p)``
    s, p : int

    Raises
    ------
    ValueError
        If ``g`` does not have the output's shape (or as :func:`course_lib.numeric.conv2d`).

    Examples
    --------
    >>> dx, dw = finite_differences([[1, 2], [3, 4]], [[1]], [[1, 0], [0, 1]])
    >>> dx.tolist(), dw.tolist()
    ([[1, 0], [0, 1]], [[5]])
    """
    x, kernel, g = np.asarray(x), np.asarray(kernel), np.asarray(g)
    out = numeric.conv2d(x, kernel, stride=s, padding=p)
    if g.shape != out.shape:
        raise ValueError(f"g must have the output's shape {out.shape}, got {g.shape}")
    base = np.sum(g * out)

    def gradient(array, loss):
        steps = np.eye(array.size, dtype=array.dtype).reshape(array.size, *array.shape)
        return np.array([loss(array + step) - base for step in steps]).reshape(array.shape)

    dx = gradient(x, lambda xx: np.sum(g * numeric.conv2d(xx, kernel, stride=s, padding=p)))
    dw = gradient(kernel, lambda kk: np.sum(g * numeric.conv2d(x, kk, stride=s, padding=p)))
    return dx, dw


def ranks(settings=SETTINGS_SQUARE, seed=6) -> list[tuple[int, int, int, int, int, int]]:
    """The exact rank of the 1-D C with a random nonzero integer kernel, for each setting.

    Returns ``(i, k, s, p, o, rank)`` per setting (kernels with entries in -3..3, not all 0).

    Parameters
    ----------
    settings : list of (i, k, s, p)
    seed : int

    Raises
    ------
    TypeError, ValueError
        If ``settings`` is not a list of 4-tuples, or a setting is out of range.

    Examples
    --------
    >>> ranks([(7, 3, 1, 0), (7, 3, 1, 2)])
    [(7, 3, 1, 0, 5, 5), (7, 3, 1, 2, 9, 7)]
    """
    settings = _settings("settings", settings, 4)
    rng = np.random.RandomState(check_int("seed", seed, minimum=0))
    found = []
    for i, k, s, p in settings:
        kernel = rng.randint(-3, 4, k)
        while not kernel.any():
            kernel = rng.randint(-3, 4, k)
        M = symbolic.conv_matrix(i, kernel.tolist(), stride=s, padding=p)
        found.append((i, k, s, p, M.rows, M.rank()))
    return found


def multiply_adds(i, k, p=0) -> dict:
    """Multiply-adds of one i × i → o × o convolution (stride 1), computed three ways.

    ``dense``: every entry of C (o² i²); ``sparse``: one per nonzero of C; ``loop``: one per
    kernel tap and output unit (o² k², padded zeros included), as :func:`numeric.conv2d` does.

    Parameters
    ----------
    i, k : int (>= 1)
    p : int (>= 0)

    Raises
    ------
    TypeError, ValueError
        As :func:`course_lib.arithmetic.conv_output_size`.

    Examples
    --------
    >>> multiply_adds(32, 3, 1)
    {'dense': 1048576, 'sparse': 8836, 'loop': 9216}
    """
    o = arithmetic.conv_output_size(i, k, 1, p)
    pattern = connectivity.conv_matrix_pattern((i, i), (k, k), 1, p)
    return {"dense": o * o * i * i, "sparse": len(pattern.rows), "loop": o * o * k * k}
