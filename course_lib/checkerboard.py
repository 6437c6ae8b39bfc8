"""Checkerboard artifacts of transposed convolutions: overlap counts, phase sums and the fixes.

A stride-``s`` transposed convolution scatters one copy of its kernel per input unit, the copies
``s`` units apart (lesson 05). Output unit ``m`` has the **phase** ``r = m mod s`` and only meets
the taps ``t ≡ r (mod s)`` (lesson 06, polyphase). So

* the number of copies that cover it (its **overlap count**) is, away from the borders,
  ``ceil((k − r)/s)``: equal for every phase exactly when ``s`` divides ``k`` (:func:`phase_counts`);
* on a constant input of ones it holds the **phase sum** ``Σ_{t ≡ r} w_t`` (:func:`phase_sums`):
  equal for every phase only when the weights make them equal (:func:`has_even_overlap`), which
  a kernel size divisible by the stride does not guarantee.

The fixes are transposed convolutions with kernels whose phase sums are equal: resize (nearest
or bilinear) then convolve (:func:`resize_layer`, :func:`resize_conv_layer`), and sub-pixel
convolutions initialised with ICNR (:func:`icnr`; Aitken et al. 2017, arXiv 1707.02937) in
PyTorch's ("CRD") or TensorFlow's ("DCR") channel order. Odena, Dumoulin & Olah 2016
(https://distill.pub/2016/deconv-checkerboard/) describe the uneven overlap and resize-convolution.

Notation: ``n`` is the transposed layer's input size along one axis (lesson 00's i′), ``k`` its
kernel size, ``s`` its stride, ``p`` its ``padding`` (the crop of the full scatter output) and
``a`` its ``output_padding``. Weights are in :mod:`course_lib.numeric`'s layouts.

This is a math module: numpy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_lib import numeric, upsampling
from course_lib._validate import _describe, check_int

__all__ = [
    "overlap_counts",
    "stack_overlap_counts",
    "phase_counts",
    "phase_sums",
    "has_even_overlap",
    "compose_transposed",
    "interior_ratio",
    "ResizeLayer",
    "resize_layer",
    "resize_conv_layer",
    "icnr",
]

_MODES = ("nearest", "bilinear")
_ORDERS = ("CRD", "DCR")


def _check_ndim(ndim) -> int:
    ndim = check_int("ndim", ndim)
    if ndim not in (1, 2):
        raise ValueError(f"ndim must be 1 or 2, got {ndim}")
    return ndim


def _kernel(name: str, w, ndims=(1, 2)) -> np.ndarray:
    if isinstance(w, (str, bytes)) or w is None:
        raise TypeError(f"{name} must be an array of numbers, got {_describe(w)}")
    array = np.asarray(w)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim not in ndims:
        allowed = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {allowed}, got {array.ndim}-D shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    return array


def _transpose_op(ndim):
    return numeric.conv_transpose1d if ndim == 1 else numeric.conv_transpose2d


def overlap_counts(n, k, s, p=0, a=0, ndim=1) -> np.ndarray:
    """How many kernel copies cover each output unit of one transposed convolution.

    It is the layer's output for an input of ones and a kernel of ones (``n`` units and ``k``
    taps per axis): the scatter view counts the copies directly. In 2-D the count is the product
    of the two axes' counts.

    Parameters
    ----------
    n, k, s : int, >= 1
        Input size, kernel size and stride (per axis).
    p : int, >= 0
        ``padding``: units cropped from each end of the full scatter output.
    a : int, 0 <= a < s
        ``output_padding``: units added at the end.
    ndim : {1, 2}

    Returns
    -------
    numpy.ndarray of int, shape (o,) or (o, o), o = (n − 1)s + k − 2p + a

    Raises
    ------
    TypeError
        If a parameter is not an integer.
    ValueError
        If a parameter is out of range or the crop leaves no output.

    Examples
    --------
    >>> overlap_counts(4, 3, 2).tolist()
    [1, 1, 2, 1, 2, 1, 2, 1, 1]
    >>> overlap_counts(4, 4, 2, p=1).tolist()          # k divisible by s: even inside, not at the ends
    [1, 2, 2, 2, 2, 2, 2, 1]
    >>> overlap_counts(2, 3, 2, ndim=2)
    array([[1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1],
           [2, 2, 4, 2, 2],
           [1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1]])
    """
    n, k, s = (check_int(name, v, minimum=1) for name, v in (("n", n), ("k", k), ("s", s)))
    p = check_int("p", p, minimum=0)
    a = check_int("a", a, minimum=0, maximum=s - 1)
    ndim = _check_ndim(ndim)
    full = (n - 1) * s + k
    if full - 2 * p + a < 1:
        raise ValueError(f"p = {p} crops the whole output: (n - 1)s + k - 2p + a = {full - 2 * p + a} must be >= 1")
    line = numeric.conv_transpose1d(np.ones(n, dtype=np.int64), np.ones(k, dtype=np.int64),
                                    stride=s, padding=p, output_padding=a)
    return line if ndim == 1 else np.outer(line, line)


def _layers(layers) -> list[tuple[int, int, int]]:
    if isinstance(layers, (str, bytes)):
        raise TypeError(f"layers must be a sequence of (k, s) or (k, s, p) tuples, got {_describe(layers)}")
    try:
        items = list(layers)
    except TypeError:
        raise TypeError(f"layers must be a sequence of (k, s) or (k, s, p) tuples, got {_describe(layers)}") from None
    if not items:
        raise ValueError("layers must hold at least one (k, s) or (k, s, p) tuple, got none")
    checked = []
    for index, layer in enumerate(items):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (2, 3):
            raise ValueError(f"layers[{index}] must be a (k, s) or (k, s, p) tuple, got {_describe(layer)}")
        k = check_int(f"layers[{index}] k", layer[0], minimum=1)
        s = check_int(f"layers[{index}] s", layer[1], minimum=1)
        p = check_int(f"layers[{index}] p", layer[2], minimum=0) if len(layer) == 3 else 0
        checked.append((k, s, p))
    return checked


def stack_overlap_counts(n, layers, ndim=1) -> np.ndarray:
    """Overlap counts through a stack of transposed convolutions (paths from the input to each unit).

    Each layer is a transposed convolution with a kernel of ones; the first reads ``n`` ones per
    axis. Each unit's value counts the paths from an input unit to it, so uneven counts of one
    layer are multiplied by the next layer's.

    Parameters
    ----------
    n : int, >= 1
    layers : sequence of (k, s) or (k, s, p)
        Kernel size, stride and (optional) padding of each layer, first layer first.
    ndim : {1, 2}

    Returns
    -------
    numpy.ndarray of int

    Raises
    ------
    TypeError, ValueError
        For a bad ``n``, ``ndim`` or layer, or a padding that crops a whole output.

    Examples
    --------
    >>> stack_overlap_counts(3, [(3, 2)]).tolist()
    [1, 1, 2, 1, 2, 1, 1]
    >>> stack_overlap_counts(3, [(3, 2), (4, 2)]).tolist()   # the second layer evens the first's interior
    [1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 1, 1]
    >>> stack_overlap_counts(2, [(3, 2), (3, 2)], ndim=2).shape
    (11, 11)
    """
    n = check_int("n", n, minimum=1)
    ndim = _check_ndim(ndim)
    counts = np.ones((n,) * ndim, dtype=np.int64)
    for index, (k, s, p) in enumerate(_layers(layers)):
        size = (counts.shape[0] - 1) * s + k - 2 * p
        if size < 1:
            raise ValueError(f"layers[{index}]: p = {p} crops the whole output of length {size + 2 * p}")
        counts = _transpose_op(ndim)(counts, np.ones((k,) * ndim, dtype=np.int64), stride=s, padding=p)
    return counts


def phase_counts(k, s) -> tuple[int, ...]:
    """The interior overlap count of each output phase ``r = 0 … s−1``: ``ceil((k − r)/s)``.

    Phase ``r`` meets the taps ``r, r + s, r + 2s, … < k``. The counts are equal exactly when
    ``s`` divides ``k``; a phase with count 0 (``k < s``) is never written. In 2-D, phase
    ``(r₁, r₂)`` has the product of the two counts.

    Parameters
    ----------
    k, s : int, >= 1

    Returns
    -------
    tuple of int, length s

    Raises
    ------
    TypeError, ValueError
        If ``k`` or ``s`` is not an integer >= 1.

    Examples
    --------
    >>> phase_counts(3, 2), phase_counts(4, 2), phase_counts(5, 3), phase_counts(1, 2)
    ((2, 1), (2, 2), (2, 2, 1), (1, 0))
    """
    k, s = check_int("k", k, minimum=1), check_int("s", s, minimum=1)
    return tuple(-(-(k - r) // s) if r < k else 0 for r in range(s))


def phase_sums(w, s) -> np.ndarray:
    """The sum of each phase of a kernel: what a constant input of ones gives at each output phase.

    Away from the borders, a stride-``s`` transposed convolution of ones with kernel ``w`` holds
    ``phase_sums(w, s)[r]`` at every output unit of phase ``r`` (in 2-D, ``[r₁, r₂]``): the
    period-``s`` pattern of the layer. With ``w`` all ones these are :func:`phase_counts`.

    Parameters
    ----------
    w : array_like, 1-D or 2-D
        The transposed convolution's kernel.
    s : int, >= 1

    Returns
    -------
    numpy.ndarray, shape (s,) or (s, s)

    Raises
    ------
    TypeError, ValueError
        For a kernel that is not a non-empty 1-D or 2-D array of numbers, or a bad ``s``.

    Examples
    --------
    >>> phase_sums([1, 2, 3, 4], 2).tolist()     # k divisible by s, yet 1 + 3 != 2 + 4
    [4, 6]
    >>> phase_sums(np.ones((3, 3)), 2).tolist()
    [[4.0, 2.0], [2.0, 1.0]]
    """
    array = _kernel("w", w)
    s = check_int("s", s, minimum=1)
    if array.ndim == 1:
        return np.array([array[r::s].sum() for r in range(s)])
    return np.array([[array[r1::s, r2::s].sum() for r2 in range(s)] for r1 in range(s)])


def has_even_overlap(w, s, rtol=1e-9) -> bool:
    """Whether every phase of ``w`` has the same sum (no period-``s`` pattern on a constant input).

    This is the even-overlap test for a kernel of weights; for the counts alone use a kernel of
    ones (then it holds exactly when ``s`` divides ``k``). It says nothing about the borders.

    Parameters
    ----------
    w : array_like, 1-D or 2-D
    s : int, >= 1
    rtol : float, >= 0
        Relative tolerance, against the largest absolute phase sum.

    Returns
    -------
    bool

    Raises
    ------
    TypeError, ValueError
        As :func:`phase_sums`; also for a negative ``rtol``.

    Examples
    --------
    >>> has_even_overlap(np.ones(4), 2), has_even_overlap(np.ones(3), 2), has_even_overlap([1, 2, 3, 4], 2)
    (True, False, False)
    """
    sums = phase_sums(w, s).astype(float)
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float, np.floating, np.integer)):
        raise TypeError(f"rtol must be a number, got {_describe(rtol)}")
    if rtol < 0:
        raise ValueError(f"rtol must be >= 0, got {rtol}")
    scale = max(float(np.abs(sums).max()), 1e-300)
    return bool(np.all(np.abs(sums - sums.flat[0]) <= rtol * scale))


def compose_transposed(layers) -> tuple[np.ndarray, int]:
    """One transposed convolution equal to a stack of them (no padding): its kernel and stride.

    Layer 2 after layer 1 is ``w₂ ∗ ↑s₂(w₁ ∗ ↑s₁ x) = ((↑s₂ w₁) ∗ w₂) ∗ ↑(s₁s₂) x`` (noble identity,
    lesson 06): the stride multiplies and the first kernel is stretched by the second stride.
    So a stack's pattern has period ``s₁ s₂ …`` and :func:`has_even_overlap` applies to the
    composed kernel.

    Parameters
    ----------
    layers : sequence of (w, s)
        Kernel (1-D or 2-D, all of one dimension) and stride of each layer, first layer first.

    Returns
    -------
    (numpy.ndarray, int)
        The composed kernel, of length ``(k₁ − 1)s₂ + k₂`` per axis for two layers, and the stride.

    Raises
    ------
    TypeError, ValueError
        For an empty stack, a bad kernel or stride, or kernels of different dimensions.

    Examples
    --------
    >>> kernel, stride = compose_transposed([(np.ones(3, int), 2), (np.ones(4, int), 2)])
    >>> kernel.tolist(), stride
    ([1, 1, 2, 2, 2, 2, 1, 1], 4)
    """
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a sequence of (w, s) pairs, got {_describe(layers)}")
    items = list(layers)
    if not items:
        raise ValueError("layers must hold at least one (w, s) pair, got none")
    kernel, stride = None, 1
    for index, layer in enumerate(items):
        if not isinstance(layer, (tuple, list)) or len(layer) != 2:
            raise ValueError(f"layers[{index}] must be a (w, s) pair, got {_describe(layer)}")
        w = _kernel(f"layers[{index}] w", layer[0])
        s = check_int(f"layers[{index}] s", layer[1], minimum=1)
        if kernel is None:
            kernel, stride = w, s
            continue
        if w.ndim != kernel.ndim:
            raise ValueError(f"layers[{index}] w must be {kernel.ndim}-D like the first kernel, got {w.ndim}-D")
        # (↑s kernel) ∗ w: a transposed convolution at stride s scatters w at the stretched taps
        kernel = _transpose_op(kernel.ndim)(kernel, w, stride=s)
        stride *= s
    return kernel, stride


def interior_ratio(layers, ndim=2) -> float:
    """Max/min overlap count away from the borders, for a stack of transposed layers of ones.

    The stack is one transposed convolution (:func:`compose_transposed`) whose kernel of counts
    has one phase sum per output phase: these are the interior counts, and their max/min is the
    ratio :func:`course_lib.widgets.checkerboard_explorer` shows for its boxed interior. In 2-D
    it is the square of the 1-D ratio.

    Parameters
    ----------
    layers : sequence of (k, s)
        Kernel size and stride of each layer, first layer first.
    ndim : {1, 2}

    Returns
    -------
    float
        ``inf`` when some phase gets no copy at all.

    Raises
    ------
    TypeError, ValueError
        For an empty stack or a bad ``k``, ``s`` or ``ndim``.

    Examples
    --------
    >>> interior_ratio([(3, 2)]), interior_ratio([(3, 2)], ndim=1), interior_ratio([(3, 2), (4, 2)])
    (4.0, 2.0, 1.0)
    >>> interior_ratio([(2, 3)])
    inf
    """
    ndim = _check_ndim(ndim)
    checked = _layers(layers)
    if any(p for _, _, p in checked):
        raise ValueError("layers must be (k, s) pairs: the interior does not depend on the padding")
    kernel, stride = compose_transposed([(np.ones((k,) * ndim, dtype=np.int64), s) for k, s, _ in checked])
    sums = phase_sums(kernel, stride)
    low = sums.min()
    return float("inf") if low == 0 else float(sums.max() / low)


class ResizeLayer(NamedTuple):
    """A transposed convolution with a fixed kernel: ``conv_transpose(x, kernel, stride, padding)``."""

    kernel: np.ndarray
    stride: int
    padding: int


def _check_mode(mode) -> str:
    if not isinstance(mode, str):
        raise TypeError(f"mode must be 'nearest' or 'bilinear', got {_describe(mode)}")
    if mode not in _MODES:
        raise ValueError(f"mode must be 'nearest' or 'bilinear', got {mode!r}")
    return mode


def resize_layer(s, mode="nearest", ndim=2) -> ResizeLayer:
    """Nearest or bilinear upsampling by ``s``, written as a transposed convolution.

    ``"nearest"``: kernel of ones (``s`` per axis), padding 0: it copies each unit ``s`` times
    (``np.repeat``). ``"bilinear"``: the bilinear kernel and padding of
    :mod:`course_lib.upsampling` (FCN's and Caffe's recipe); away from the borders it is
    bilinear interpolation, at the borders its missing neighbours are zeros. Both map ``n``
    units to ``n·s``.

    Parameters
    ----------
    s : int, >= 1
        Upsampling factor (the stride).
    mode : {"nearest", "bilinear"}
    ndim : {1, 2}

    Returns
    -------
    ResizeLayer

    Raises
    ------
    TypeError, ValueError
        For a bad ``s``, ``mode`` or ``ndim``.

    Examples
    --------
    >>> layer = resize_layer(2, "nearest", ndim=1)
    >>> numeric.conv_transpose1d([1, 5], layer.kernel, stride=layer.stride, padding=layer.padding).tolist()
    [1.0, 1.0, 5.0, 5.0]
    >>> layer = resize_layer(2, "bilinear", ndim=1)
    >>> layer.kernel.tolist(), layer.padding
    ([0.25, 0.75, 0.75, 0.25], 1)
    """
    s = check_int("s", s, minimum=1)
    mode, ndim = _check_mode(mode), _check_ndim(ndim)
    if mode == "nearest":
        return ResizeLayer(np.ones((s,) * ndim), s, 0)
    tent = upsampling.bilinear_kernel_1d(s)
    kernel = tent if ndim == 1 else upsampling.bilinear_kernel(s)
    return ResizeLayer(kernel, s, upsampling.bilinear_padding(s))


def resize_conv_layer(q, s, mode="nearest", padding=None) -> ResizeLayer:
    """Resize by ``s``, then ``conv(·, q, padding)``, written as one transposed convolution.

    ``conv`` is :func:`course_lib.numeric.conv1d`/``conv2d`` (a cross-correlation, like PyTorch's).
    The composed kernel is the resize kernel convolved (fully) with ``q`` rotated by 180°, and
    the padding is the resize's plus ``k_q − 1 − padding``. For ``"nearest"`` the two are equal
    everywhere; for ``"bilinear"`` they are equal away from the borders (the resize's crop
    removes units that the convolution's zero padding replaces).

    Parameters
    ----------
    q : array_like, 1-D or 2-D (square)
        The convolution's weights.
    s : int, >= 1
    mode : {"nearest", "bilinear"}
    padding : int, 0 <= padding <= k_q − 1 + (resize padding), optional
        The convolution's padding; default ``(k_q − 1) // 2`` ("same" for odd ``k_q``).

    Returns
    -------
    ResizeLayer

    Raises
    ------
    TypeError, ValueError
        For a bad kernel, ``s``, ``mode`` or ``padding``.

    Examples
    --------
    >>> layer = resize_conv_layer([1, 2, 3], 2, padding=1)
    >>> layer.kernel.tolist(), layer.stride, layer.padding
    ([3.0, 5.0, 3.0, 1.0], 2, 1)
    >>> x = np.array([1.0, -2.0, 4.0])
    >>> bool(np.array_equal(numeric.conv1d(np.repeat(x, 2), [1, 2, 3], padding=1),
    ...                     numeric.conv_transpose1d(x, layer.kernel, stride=2, padding=1)))
    True
    """
    array = _kernel("q", q)
    if array.ndim == 2 and array.shape[0] != array.shape[1]:
        raise ValueError(f"q must be square in 2-D, got shape {array.shape}")
    resize = resize_layer(s, mode, ndim=array.ndim)
    k_q = array.shape[0]
    limit = k_q - 1 + resize.padding
    padding = (k_q - 1) // 2 if padding is None else check_int("padding", padding, minimum=0, maximum=limit)
    rotated = array[::-1] if array.ndim == 1 else array[::-1, ::-1]
    kernel = _transpose_op(array.ndim)(resize.kernel, rotated)          # full convolution at stride 1
    return ResizeLayer(kernel, resize.stride, resize.padding + k_q - 1 - padding)


def icnr(weight, s, order="CRD") -> np.ndarray:
    """ICNR: a sub-pixel convolution weight whose ``s²`` sub-kernels per output map are copies.

    ``weight`` holds one kernel per output map, ``(C, C_in, kH, kW)`` (``numeric.conv2d``'s and
    PyTorch's layout). The result has ``C·s²`` output channels placed so that the pixel shuffle
    of that order sends all copies of map ``c``'s kernel to map ``c``: ``"CRD"`` (PyTorch's
    ``pixel_shuffle``) puts them in channels ``c·s² … c·s² + s² − 1`` (``repeat_interleave``);
    ``"DCR"`` (TensorFlow's ``depth_to_space``) in channels ``c, c + C, c + 2C, …`` (tiling).
    Then ``pixel_shuffle(conv2d(x, icnr(w, s, order)), s, order)`` is ``conv2d(x, w)`` upsampled by
    nearest neighbour (Aitken et al. 2017, arXiv 1707.02937: "convolution NN resize").

    Parameters
    ----------
    weight : array_like, shape (C, C_in, kH, kW)
    s : int, >= 1
        Upscaling factor of the pixel shuffle.
    order : {"CRD", "DCR"}

    Returns
    -------
    numpy.ndarray, shape (C·s², C_in, kH, kW)

    Raises
    ------
    TypeError, ValueError
        For a weight that is not a 4-D array of numbers, a bad ``s`` or an unknown ``order``.

    Examples
    --------
    >>> w = np.arange(2).reshape(2, 1, 1, 1)          # two output maps, kernels [[0]] and [[1]]
    >>> icnr(w, 2, "CRD")[:, 0, 0, 0].tolist(), icnr(w, 2, "DCR")[:, 0, 0, 0].tolist()
    ([0, 0, 0, 0, 1, 1, 1, 1], [0, 1, 0, 1, 0, 1, 0, 1])
    """
    array = _kernel("weight", weight, ndims=(4,))
    s = check_int("s", s, minimum=1)
    if not isinstance(order, str):
        raise TypeError(f"order must be 'CRD' or 'DCR', got {_describe(order)}")
    if order not in _ORDERS:
        raise ValueError(f"order must be 'CRD' or 'DCR', got {order!r}")
    if order == "CRD":
        return np.repeat(array, s * s, axis=0)
    return np.tile(array, (s * s, 1, 1, 1))
