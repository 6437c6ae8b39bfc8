"""NumPy reference implementations of convolution, transposed convolution and pooling.

The functions follow the semantics of ``torch.nn.functional`` without the batch axis: an input
has shape ``(C, L)`` or ``(C, H, W)``; a convolution weight has shape ``(C_out, C_in, k...)`` and
a transposed-convolution weight ``(C_in, C_out, k...)``. Like every deep-learning framework they
compute a *cross-correlation* (the kernel is not flipped).

Shorthand: a single-channel input may be given without its channel axis (``(L,)`` or
``(H, W)``) and a single-channel kernel as just the kernel (``(k,)`` or ``(kh, kw)``); when both
are given that way the output has no channel axis either.

``stride``, ``padding``, ``dilation`` and ``output_padding`` take an integer or one integer per
spatial axis. ``padding`` also takes one ``(before, after)`` pair per axis, or one of
TensorFlow's strings ``"valid"``, ``"same"``, ``"full"`` (the odd unit goes at the end).

Everything is vectorised: the only Python loops run over kernel offsets (and, in the
``"matrix"`` method of the transposed convolutions, over channel pairs).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from course_lib import arithmetic
from course_lib._validate import _describe, check_int, check_int_tuple
from course_lib.connectivity import (
    _axis_error,
    _conv_output_sizes,
    _conv_padding,
    _explicit_padding,
    _padding_mode,
    conv_matrix_pattern,
)

__all__ = [
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "global_avg_pool2d",
    "max_unpool2d",
    "pool_windows",
    "pool_unread_units",
    "pool_padding_only_windows",
    "receptive_field_by_impulses",
    "gap_layers",
    "pixel_shuffle",
    "pixel_unshuffle",
    "subpixel_weight",
]

_TRANSPOSED_METHODS = ("scatter", "equivalent", "matrix")
_AXIS_NAMES = {1: "(L,)", 2: "(H, W)"}
_CHANNEL_AXIS_NAMES = {1: "(C, L)", 2: "(C, H, W)"}


# --- argument normalisation -----------------------------------------------------------------


def _as_array(name: str, value, kinds: str = "iufc") -> np.ndarray:
    """``np.asarray(value)``, insisting on a rectangular array of numbers."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name} must be a rectangular array of numbers ({err})") from None
    if array.dtype.kind not in kinds:
        allowed = {"iufc": "integer, float or complex", "iuf": "integer or float", "iu": "integer"}[kinds]
        raise TypeError(f"{name} must hold {allowed} numbers, got an array of dtype {array.dtype}")
    return array


def _accumulator_dtype(*arrays: np.ndarray) -> np.dtype:
    """numpy's result dtype, with small integers widened to int64 so that sums cannot overflow."""
    dtype = np.result_type(*arrays)
    if dtype.kind in "iu" and dtype.itemsize < 8:
        dtype = np.promote_types(dtype, np.int64)
    return dtype


def _check_nonempty(name: str, array: np.ndarray) -> None:
    if 0 in array.shape:
        raise ValueError(f"{name} must not have an empty axis, got shape {array.shape}")


def _with_channels(name: str, array: np.ndarray, nd: int) -> tuple[np.ndarray, bool]:
    """Add the channel axis to a shorthand single-channel input; return (array, was_shorthand)."""
    if array.ndim == nd:
        return array[np.newaxis], True
    if array.ndim == nd + 1:
        return array, False
    raise ValueError(
        f"{name} must have shape {_AXIS_NAMES[nd]} or {_CHANNEL_AXIS_NAMES[nd]}, "
        f"got {array.ndim}-D shape {array.shape}"
    )


def _prepare_conv_arrays(input, weight, bias, nd: int, transposed: bool):
    """Validate input, weight and bias; return them in full form with the common dtype."""
    x, input_shorthand = _with_channels("input", _as_array("input", input), nd)
    w = _as_array("weight", weight)
    layout = "(C_in, C_out" if transposed else "(C_out, C_in"
    layout += ", kL)" if nd == 1 else ", kH, kW)"
    if w.ndim == nd:
        w, weight_shorthand = w[np.newaxis, np.newaxis], True
    elif w.ndim == nd + 2:
        weight_shorthand = False
    else:
        kernel = "(k,)" if nd == 1 else "(kH, kW)"
        raise ValueError(f"weight must have shape {kernel} or {layout}, got {w.ndim}-D shape {w.shape}")
    _check_nonempty("input", x)
    _check_nonempty("weight", w)
    c_in, c_out = (w.shape[0], w.shape[1]) if transposed else (w.shape[1], w.shape[0])
    if c_in != x.shape[0]:
        raise ValueError(
            f"weight has C_in={c_in} (weight layout {layout}) but input has {x.shape[0]} channels"
        )
    arrays = [x, w]
    if bias is not None:
        b = _as_array("bias", bias)
        if b.shape != (c_out,):
            raise ValueError(f"bias must have shape (C_out,) = ({c_out},), got shape {b.shape}")
        arrays.append(b)
    dtype = _accumulator_dtype(*arrays)
    b = arrays[2].astype(dtype, copy=False) if bias is not None else None
    squeeze = input_shorthand and weight_shorthand
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b, dtype, squeeze


def _transposed_geometry(in_sizes, kernel_sizes, stride, padding, output_padding, dilation):
    """Crop per axis of a transposed convolution's full scatter output, and the output size.

    Returns ``crops``, one ``(before, end)`` pair per axis, and ``out_sizes``: the output is
    ``full[before : full - end]`` where ``full = (i - 1)s + k̂``; a negative ``end`` extends the
    full output with zeros at the end (output_padding beyond the scatter's reach).
    """
    nd = len(in_sizes)
    output_padding = check_int_tuple("output_padding", output_padding, nd, minimum=0)
    if isinstance(padding, str):
        mode = _padding_mode(padding)
        if mode != "full" and any(output_padding):
            raise ValueError(f"output_padding must be 0 with padding={padding!r}, got {output_padding!r}")
        if mode == "full":
            pads = [(k_hat - 1,) * 2 for k_hat in map(arithmetic.effective_kernel_size, kernel_sizes, dilation)]
        else:
            crops, out_sizes = [], []
            for i, k, s, d in zip(in_sizes, kernel_sizes, stride, dilation):
                excess = arithmetic.effective_kernel_size(k, d) - s  # full size minus i*s
                if mode == "same":  # output i*s: crop the excess, its odd unit at the end
                    before = max(excess, 0) // 2
                    crops.append((before, excess - before))
                    out_sizes.append(i * s)
                else:  # "valid": the whole scatter output, at least i*s long
                    crops.append((0, min(excess, 0)))
                    out_sizes.append(i * s + max(excess, 0))
            return crops, tuple(out_sizes)
    else:
        pads = _explicit_padding(padding, nd)
    crops, out_sizes = [], []
    for axis, (i, k, s, (before, after), d, a) in enumerate(
        zip(in_sizes, kernel_sizes, stride, pads, dilation, output_padding)
    ):
        try:
            if before == after:
                size = arithmetic.transposed_output_size(i, k, s, before, d, a)
            else:
                size = arithmetic.transposed_output_size(i, k, s, 0, d, a) - before - after
        except ValueError as err:
            raise _axis_error(err, axis, nd) from None
        if size < 1:
            raise ValueError(
                f"padding ({before}, {after}) crops the whole transposed output: "
                f"(i-1)s + d(k-1) + 1 + output_padding - before - after = {size} must be >= 1 "
                f"(i={i}, k={k}, s={s}, d={d}, output_padding={a})" + (f" (spatial axis {axis})" if nd > 1 else "")
            )
        crops.append((before, after - a))
        out_sizes.append(size)
    return crops, tuple(out_sizes)


def _check_method(method) -> str:
    if not isinstance(method, str):
        raise TypeError(f"method must be one of {_TRANSPOSED_METHODS}, got {_describe(method)}")
    if method not in _TRANSPOSED_METHODS:
        raise ValueError(f"method must be one of {_TRANSPOSED_METHODS}, got {method!r}")
    return method


# --- the computations -----------------------------------------------------------------------


def _offsets(kernel_sizes):
    return itertools.product(*(range(k) for k in kernel_sizes))


def _correlate(x, w, stride, pads, dilation, out_sizes, dtype) -> np.ndarray:
    """Multi-channel cross-correlation; x (C_in, *I), w (C_out, C_in, *K) -> (C_out, *O)."""
    if any(before or after for before, after in pads):
        x = np.pad(x, [(0, 0), *pads])
    out = np.zeros((w.shape[0], *out_sizes), dtype=dtype)
    for offset in _offsets(w.shape[2:]):
        # the input units under kernel tap `offset`, for every output unit at once
        window = tuple(slice(j * d, j * d + (o - 1) * s + 1, s) for j, d, o, s in zip(offset, dilation, out_sizes, stride))
        out += np.einsum("oc,c...->o...", w[(slice(None), slice(None), *offset)], x[(slice(None), *window)])
    return out


def _scatter(y, w, stride, dilation, crops, out_sizes, dtype) -> np.ndarray:
    """Transposed convolution by scattering: every input unit adds a weighted kernel copy."""
    in_sizes = y.shape[1:]
    full = [(i - 1) * s + d * (k - 1) + 1 for i, s, d, k in zip(in_sizes, stride, dilation, w.shape[2:])]
    # room for the full result and for output_padding beyond it (those units stay zero)
    buffer_sizes = [max(f, before + o) for f, (before, _), o in zip(full, crops, out_sizes)]
    out = np.zeros((w.shape[1], *buffer_sizes), dtype=dtype)
    for offset in _offsets(w.shape[2:]):
        targets = tuple(slice(j * d, j * d + (i - 1) * s + 1, s) for j, d, i, s in zip(offset, dilation, in_sizes, stride))
        out[(slice(None), *targets)] += np.einsum("co,c...->o...", w[(slice(None), slice(None), *offset)], y)
    return out[(slice(None), *(slice(before, before + o) for (before, _), o in zip(crops, out_sizes)))]


def _equivalent(y, w, stride, dilation, crops, out_sizes, dtype) -> np.ndarray:
    """Transposed convolution as a direct one (Relationship 14 generalised to dilation).

    The input is stretched (s - 1 zeros between units), padded by p' = k̂ - 1 - before at the
    start and k̂ - 1 - end at the end (negative: cropped), and correlated at stride 1 with the
    kernel rotated by 180° and its channel axes swapped.
    """
    nd = y.ndim - 1
    in_sizes = y.shape[1:]
    stretched = np.zeros((y.shape[0], *((i - 1) * s + 1 for i, s in zip(in_sizes, stride))), dtype=dtype)
    stretched[(slice(None), *(slice(None, None, s) for s in stride))] = y
    k_hats = [arithmetic.effective_kernel_size(k, d) for k, d in zip(w.shape[2:], dilation)]
    new_pads = [(k_hat - 1 - before, k_hat - 1 - end) for k_hat, (before, end) in zip(k_hats, crops)]
    # negative p' crops; np.pad only pads
    crop = tuple(slice(max(-before, 0), n - max(-after, 0)) for n, (before, after) in zip(stretched.shape[1:], new_pads))
    stretched = stretched[(slice(None), *crop)]
    pads = [(max(before, 0), max(after, 0)) for before, after in new_pads]
    rotated = np.flip(w, axis=tuple(range(2, 2 + nd))).swapaxes(0, 1)
    return _correlate(stretched, rotated, (1,) * nd, pads, dilation, out_sizes, dtype)


def _matrix(y, w, stride, dilation, crops, out_sizes, dtype) -> np.ndarray:
    """Transposed convolution as Cᵀy, with C from :func:`course_lib.connectivity.conv_matrix_pattern`.

    C is the direct convolution whose input has the transposed output's size, padded by
    (before, max(end, 0)); only its rows for the first i output units per axis are kept (with
    output_padding beyond the scatter's reach, that convolution has more output units).
    """
    in_sizes = y.shape[1:]
    kernel_sizes = w.shape[2:]
    pattern = conv_matrix_pattern(
        out_sizes, kernel_sizes, stride, [(before, max(end, 0)) for before, end in crops], dilation
    )
    row_units = np.unravel_index(pattern.rows, pattern.output_shape)
    keep = np.logical_and.reduce([u < i for u, i in zip(row_units, in_sizes)])
    rows = np.ravel_multi_index(tuple(u[keep] for u in row_units), in_sizes)
    cols = pattern.cols[keep]
    taps = pattern.kernel_index[keep]
    y_flat = y.reshape(y.shape[0], -1)
    w_flat = w.reshape(w.shape[0], w.shape[1], -1)
    out = np.zeros((w.shape[1], math.prod(out_sizes)), dtype=dtype)
    for c_in, c_out in itertools.product(range(w.shape[0]), range(w.shape[1])):
        # (Cᵀ y)[col] = sum over the nonzeros C[row, col] = w[tap] of w[tap] * y[row]
        np.add.at(out[c_out], cols, w_flat[c_in, c_out, taps] * y_flat[c_in, rows])
    return out.reshape(w.shape[1], *out_sizes)


def _conv(input, weight, bias, nd, stride, padding, dilation) -> np.ndarray:
    x, w, b, dtype, squeeze = _prepare_conv_arrays(input, weight, bias, nd, transposed=False)
    stride = check_int_tuple("stride", stride, nd, minimum=1)
    dilation = check_int_tuple("dilation", dilation, nd, minimum=1)
    pads = _conv_padding(padding, nd, x.shape[1:], w.shape[2:], stride, dilation)
    out_sizes = _conv_output_sizes(x.shape[1:], w.shape[2:], stride, pads, dilation)
    out = _correlate(x, w, stride, pads, dilation, out_sizes, dtype)
    if b is not None:
        out += b.reshape(-1, *(1,) * nd)
    return out[0] if squeeze else out


def _conv_transpose(input, weight, bias, nd, stride, padding, output_padding, dilation, method) -> np.ndarray:
    method = _check_method(method)
    y, w, b, dtype, squeeze = _prepare_conv_arrays(input, weight, bias, nd, transposed=True)
    stride = check_int_tuple("stride", stride, nd, minimum=1)
    dilation = check_int_tuple("dilation", dilation, nd, minimum=1)
    crops, out_sizes = _transposed_geometry(y.shape[1:], w.shape[2:], stride, padding, output_padding, dilation)
    compute = {"scatter": _scatter, "equivalent": _equivalent, "matrix": _matrix}[method]
    out = compute(y, w, stride, dilation, crops, out_sizes, dtype)
    if b is not None:
        out += b.reshape(-1, *(1,) * nd)
    return out[0] if squeeze else out


# --- public API -----------------------------------------------------------------------------


def conv1d(input, weight, bias=None, *, stride=1, padding=0, dilation=1) -> np.ndarray:
    """1-D convolution (cross-correlation), like ``torch.nn.functional.conv1d`` without batch.

    Parameters
    ----------
    input : array_like, shape (C_in, L) or (L,)
    weight : array_like, shape (C_out, C_in, k) or (k,)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or tuple of 1 int
    padding : int, tuple of 1 int, ((before, after),), or "valid" / "same" / "full"
        "same" follows TensorFlow: output ceil(L / stride), the odd unit of padding at the end.

    Returns
    -------
    numpy.ndarray, shape (C_out, o) or (o,) if input and weight were both given without channels
        Integer inputs give int64 results.

    Raises
    ------
    TypeError
        If an array does not hold numbers or a parameter has the wrong type.
    ValueError
        If shapes or channel counts do not match, a parameter is out of range, or the (dilated)
        kernel does not fit in the padded input.

    Examples
    --------
    >>> conv1d([1, 2, 3, 4, 5], [1, 0, -1])
    array([-2, -2, -2])
    >>> conv1d([1, 2, 3, 4, 5], [1, 1], stride=2, padding="same")
    array([3, 7, 5])
    """
    return _conv(input, weight, bias, 1, stride, padding, dilation)


def conv2d(input, weight, bias=None, *, stride=1, padding=0, dilation=1) -> np.ndarray:
    """2-D convolution (cross-correlation), like ``torch.nn.functional.conv2d`` without batch.

    Parameters
    ----------
    input : array_like, shape (C_in, H, W) or (H, W)
    weight : array_like, shape (C_out, C_in, kH, kW) or (kH, kW)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or (int, int)
    padding : int, (int, int), ((top, bottom), (left, right)), or "valid" / "same" / "full"
        "same" follows TensorFlow: output ceil(i / s) per axis, the odd unit at the bottom/right.

    Returns
    -------
    numpy.ndarray, shape (C_out, oH, oW) or (oH, oW) if input and weight were both given
    without channels. Integer inputs give int64 results.

    Raises
    ------
    TypeError
        If an array does not hold numbers or a parameter has the wrong type.
    ValueError
        If shapes or channel counts do not match, a parameter is out of range, or the (dilated)
        kernel does not fit in the padded input.

    Examples
    --------
    >>> x = np.arange(16).reshape(4, 4)
    >>> conv2d(x, np.ones((3, 3), dtype=int))
    array([[45, 54],
           [81, 90]])
    >>> conv2d(x, [[1, 0], [0, -1]], stride=2, padding=1).shape
    (3, 3)
    >>> conv2d(np.ones((2, 5, 5)), np.ones((3, 3, 3, 3)))
    Traceback (most recent call last):
    ...
    ValueError: weight has C_in=3 (weight layout (C_out, C_in, kH, kW)) but input has 2 channels
    """
    return _conv(input, weight, bias, 2, stride, padding, dilation)


def conv_transpose1d(
    input, weight, bias=None, *, stride=1, padding=0, output_padding=0, dilation=1, method="scatter"
) -> np.ndarray:
    """1-D transposed convolution, like ``torch.nn.functional.conv_transpose1d`` without batch.

    Parameters
    ----------
    input : array_like, shape (C_in, L) or (L,)
    weight : array_like, shape (C_in, C_out, k) or (k,)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or tuple of one int per axis
    padding : int, tuple, one (before, after) pair per axis, or "valid" / "same" / "full"
        An integer or pair crops the full scatter output (it is not input padding). "same"
        gives i * stride, "valid" the full scatter output (at least i * stride long),
        "full" is padding k̂ - 1 (the transpose of a full-padded convolution); odd units of
        cropping go at the end.
    output_padding : int or tuple, 0 <= output_padding < max(stride, dilation)
        Extra output units at the end (must be 0 with "same"/"valid").
    method : {"scatter", "equivalent", "matrix"}
        "scatter": each input unit adds a weighted copy of the kernel to the output.
        "equivalent": a direct convolution of the stretched, padded input with the kernel
        rotated by 180° (Relationship 14). "matrix": Cᵀ applied to the input, with C's
        sparsity pattern from :mod:`course_lib.connectivity`. All three give the same result.

    Returns
    -------
    numpy.ndarray, shape (C_out, o) or (o,), o = (L - 1)s - 2p + d(k - 1) + output_padding + 1

    Raises
    ------
    TypeError
        If an array does not hold numbers or a parameter has the wrong type.
    ValueError
        If shapes or channel counts do not match, a parameter is out of range, or the padding
        crops the whole output.

    Examples
    --------
    >>> conv_transpose1d([1, 2], [1, 1, 1], stride=2)
    array([1, 1, 3, 2, 2])
    >>> conv_transpose1d([1, 2], [1, 1, 1], stride=2, padding=1, output_padding=1, method="equivalent")
    array([1, 3, 2, 2])
    """
    return _conv_transpose(input, weight, bias, 1, stride, padding, output_padding, dilation, method)


def conv_transpose2d(
    input, weight, bias=None, *, stride=1, padding=0, output_padding=0, dilation=1, method="scatter"
) -> np.ndarray:
    """2-D transposed convolution, like ``torch.nn.functional.conv_transpose2d`` without batch.

    Parameters
    ----------
    input : array_like, shape (C_in, H, W) or (H, W)
    weight : array_like, shape (C_in, C_out, kH, kW) or (kH, kW)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or tuple of one int per axis
    padding : int, tuple, one (before, after) pair per axis, or "valid" / "same" / "full"
        An integer or pair crops the full scatter output (it is not input padding). "same"
        gives i * stride, "valid" the full scatter output (at least i * stride long),
        "full" is padding k̂ - 1 (the transpose of a full-padded convolution); odd units of
        cropping go at the end.
    output_padding : int or tuple, 0 <= output_padding < max(stride, dilation)
        Extra output units at the end (must be 0 with "same"/"valid").
    method : {"scatter", "equivalent", "matrix"}
        "scatter": each input unit adds a weighted copy of the kernel to the output.
        "equivalent": a direct convolution of the stretched, padded input with the kernel
        rotated by 180° (Relationship 14). "matrix": Cᵀ applied to the input, with C's
        sparsity pattern from :mod:`course_lib.connectivity`. All three give the same result.

    Returns
    -------
    numpy.ndarray, shape (C_out, oH, oW) or (oH, oW),
    o = (i - 1)s - 2p + d(k - 1) + output_padding + 1 per axis

    Raises
    ------
    TypeError
        If an array does not hold numbers or a parameter has the wrong type.
    ValueError
        If shapes or channel counts do not match, a parameter is out of range, or the padding
        crops the whole output.

    Examples
    --------
    TensorFlow's ``conv2d_transpose(..., padding='SAME')``: the full 5×5 result, last row and
    column cropped.

    >>> conv_transpose2d([[1, 2], [3, 4]], np.ones((3, 3), dtype=int), stride=2, padding="same")
    array([[ 1,  1,  3,  2],
           [ 1,  1,  3,  2],
           [ 4,  4, 10,  6],
           [ 3,  3,  7,  4]])
    >>> y = np.arange(9).reshape(3, 3)
    >>> a = conv_transpose2d(y, np.ones((3, 3)), stride=2, padding=1, output_padding=1)
    >>> a.shape  # Figure 4.7: back to the 6x6 input of a 6, 3, 2, 1 convolution
    (6, 6)
    >>> bool(np.array_equal(a, conv_transpose2d(y, np.ones((3, 3)), stride=2, padding=1,
    ...                                         output_padding=1, method="matrix")))
    True
    """
    return _conv_transpose(input, weight, bias, 2, stride, padding, output_padding, dilation, method)


def _prepare_pool(input, kernel_size, stride, name="input"):
    x, shorthand = _with_channels(name, _as_array(name, input, kinds="iuf"), 2)
    _check_nonempty(name, x)
    kernel = check_int_tuple("kernel_size", kernel_size, 2, minimum=1)
    stride = kernel if stride is None else check_int_tuple("stride", stride, 2, minimum=1)
    return x, shorthand, kernel, stride


def _pool_output_sizes(in_sizes, kernel, stride, padding=(0, 0), ceil_mode=False) -> tuple[int, ...]:
    sizes = []
    for axis, (i, k, s, p) in enumerate(zip(in_sizes, kernel, stride, padding)):
        try:
            sizes.append(arithmetic.pool_output_size(i, k, s, p, ceil_mode))
        except ValueError as err:
            raise _axis_error(err, axis, 2) from None
    return tuple(sizes)


def _check_flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {_describe(value)}")
    return bool(value)


def _prepare_padded_pool(input, kernel_size, stride, padding, ceil_mode):
    """Validate a pooling call; return what the window loop needs.

    Returns ``(x, shorthand, kernel, stride, padding, out_sizes, padded, inside)``: ``padded``
    is the input with ``padding`` zeros before each spatial axis and enough after it for the
    last ceil-mode window, which may run past the padded input; ``inside[axis]`` marks which
    positions of ``padded`` along that axis are input units (not padding, not past the end).
    """
    x, shorthand, kernel, stride = _prepare_pool(input, kernel_size, stride)
    padding = check_int_tuple("padding", padding, 2, minimum=0)
    ceil_mode = _check_flag("ceil_mode", ceil_mode)
    out_sizes = _pool_output_sizes(x.shape[1:], kernel, stride, padding, ceil_mode)
    after = [max(p, (o - 1) * s + k - p - i) for i, k, s, p, o in zip(x.shape[1:], kernel, stride, padding, out_sizes)]
    padded = np.pad(x, ((0, 0), (padding[0], after[0]), (padding[1], after[1])))
    inside = [np.arange(n) - p for n, p in zip(padded.shape[1:], padding)]
    inside = [(0 <= pos) & (pos < i) for pos, i in zip(inside, x.shape[1:])]
    return x, shorthand, kernel, stride, padding, out_sizes, padded, inside


def _pool_windows(x, kernel, stride, out_sizes):
    """Yield (offset, the units under window tap ``offset`` for every output unit)."""
    for offset in _offsets(kernel):
        window = tuple(slice(j, j + (o - 1) * s + 1, s) for j, o, s in zip(offset, out_sizes, stride))
        yield offset, x[(slice(None), *window)]


def max_pool2d(input, kernel_size, stride=None, *, padding=0, ceil_mode=False, return_indices=False):
    """2-D max pooling, like ``torch.nn.functional.max_pool2d`` without batch (and dilation).

    Padding never wins (PyTorch pads with -inf), and with ``ceil_mode`` the last window may run
    past the padded input: it is clipped to the units that exist.

    Parameters
    ----------
    input : array_like, shape (C, H, W) or (H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        Implicit -inf padding on each side, at most half the window along each axis.
    ceil_mode : bool
        Round the output size up (see :func:`course_lib.arithmetic.pool_output_size`).
    return_indices : bool
        Also return the switches: for each output unit, the flat index ``row * W + col`` of the
        maximum within its channel of the *unpadded* input (PyTorch's convention). Ties go to
        the first maximum in row-major window order; a NaN always wins (as on PyTorch's CPU).

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, numpy.ndarray of int64) with ``return_indices=True``
        Same dtype as the input.

    Raises
    ------
    TypeError
        If the input is not real numbers or a parameter has the wrong type.
    ValueError
        If the input has the wrong number of dimensions, the padding exceeds half the window
        or the window does not fit in the padded input.

    Examples
    --------
    >>> x = np.array([[1, 5, 2, 0], [3, 4, 6, 6], [0, 0, 1, 2], [7, 0, 3, 4]])
    >>> values, indices = max_pool2d(x, 2, return_indices=True)
    >>> values
    array([[5, 6],
           [7, 4]])
    >>> indices
    array([[ 1,  6],
           [12, 15]])
    >>> max_pool2d(-x, 2, padding=1)          # padding is -inf: negative values still win
    array([[-1, -2,  0],
           [ 0,  0, -2],
           [-7,  0, -4]])
    >>> max_pool2d([[0, 1, 2, 3, 4]], (1, 2), ceil_mode=True)   # the last window holds one unit
    array([[1, 3, 4]])
    """
    return_indices = _check_flag("return_indices", return_indices)
    x, shorthand, kernel, stride, padding, out_sizes, padded, inside = _prepare_padded_pool(
        input, kernel_size, stride, padding, ceil_mode
    )
    width = x.shape[2]
    # flat index (in the unpadded input) of each output unit's window corner; tap (j0, j1) adds j0 * W + j1
    corner = ((np.arange(out_sizes[0]) * stride[0] - padding[0]) * width)[:, None] + (
        np.arange(out_sizes[1]) * stride[1] - padding[1]
    )
    best = np.zeros((x.shape[0], *out_sizes), dtype=x.dtype)
    indices = np.zeros(best.shape, dtype=np.int64)
    seen = np.zeros(out_sizes, dtype=bool)
    rows, cols = inside
    for (j0, j1), candidate in _pool_windows(padded, kernel, stride, out_sizes):
        real = rows[j0::stride[0]][: out_sizes[0], None] & cols[j1::stride[1]][: out_sizes[1]]
        # the first unit that exists starts the window; after that strict > keeps the first
        # maximum, and NaN wins, as in PyTorch's CPU kernel
        better = candidate > best
        if x.dtype.kind == "f":
            better |= np.isnan(candidate)
        better = real & (better | ~seen)
        best = np.where(better, candidate, best)
        indices = np.where(better, corner + (j0 * width + j1), indices)
        seen |= real
    if shorthand:
        best, indices = best[0], indices[0]
    return (best, indices) if return_indices else best


def avg_pool2d(input, kernel_size, stride=None, *, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None) -> np.ndarray:
    """2-D average pooling, like ``torch.nn.functional.avg_pool2d`` without batch.

    The sum runs over the window's input units (padding adds zeros). Its divisor is PyTorch's:

    - ``count_include_pad=True``: the window clipped to the padded input, so zero padding
      counts but the part of a ceil-mode window past the padded input does not;
    - ``count_include_pad=False``: only the input units in the window;
    - ``divisor_override``: that number, for every window.

    Parameters
    ----------
    input : array_like, shape (C, H, W) or (H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        Zero padding on each side, at most half the window along each axis.
    ceil_mode : bool
        Round the output size up (see :func:`course_lib.arithmetic.pool_output_size`).
    count_include_pad : bool
        Whether zero padding counts in the divisor.
    divisor_override : int, optional
        Divide every sum by this (>= 1) instead.

    Returns
    -------
    numpy.ndarray
        Floating point (float64 for integer input).

    Raises
    ------
    TypeError
        If the input is not real numbers or a parameter has the wrong type.
    ValueError
        If the input has the wrong number of dimensions, the padding exceeds half the window
        or the window does not fit in the padded input.

    Examples
    --------
    >>> avg_pool2d(np.arange(16).reshape(4, 4), 2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    >>> ones = np.ones((3, 3))
    >>> avg_pool2d(ones, 2, padding=1)                           # corners: 1 unit of 4
    array([[0.25, 0.5 ],
           [0.5 , 1.  ]])
    >>> avg_pool2d(ones, 2, padding=1, count_include_pad=False)
    array([[1., 1.],
           [1., 1.]])
    >>> avg_pool2d(ones, 2, ceil_mode=True)                      # past the end never counts
    array([[1., 1.],
           [1., 1.]])
    """
    count_include_pad = _check_flag("count_include_pad", count_include_pad)
    if divisor_override is not None:
        divisor_override = check_int("divisor_override", divisor_override, minimum=1)
    x, shorthand, kernel, stride, padding, out_sizes, padded, inside = _prepare_padded_pool(
        input, kernel_size, stride, padding, ceil_mode
    )
    dtype = np.float64 if x.dtype.kind in "iu" else x.dtype
    total = np.zeros((x.shape[0], *out_sizes), dtype=dtype)
    for _, window in _pool_windows(padded, kernel, stride, out_sizes):
        total += window
    if divisor_override is not None:
        out = total / divisor_override
    else:
        counts = []
        for i, k, s, p, o in zip(x.shape[1:], kernel, stride, padding, out_sizes):
            start = np.arange(o) * s - p  # in input coordinates; padding lies before 0 and from i on
            end = np.minimum(start + k, i + p)
            counts.append(end - start if count_include_pad else np.minimum(end, i) - np.maximum(start, 0))
        out = total / (counts[0][:, None] * counts[1]).astype(dtype)
    return out[0] if shorthand else out


def global_avg_pool2d(input) -> np.ndarray:
    """Global average pooling: one window as large as the input, shape (C, 1, 1) or (1, 1).

    The same as ``avg_pool2d(input, (H, W))`` and PyTorch's ``adaptive_avg_pool2d(x, 1)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`avg_pool2d` for a malformed input.

    Examples
    --------
    >>> global_avg_pool2d(np.arange(8).reshape(2, 2, 2))
    array([[[1.5]],
    <BLANKLINE>
           [[5.5]]])
    """
    x, _ = _with_channels("input", _as_array("input", input, kinds="iuf"), 2)
    _check_nonempty("input", x)
    return avg_pool2d(input, x.shape[1:])


def max_unpool2d(input, indices, kernel_size, stride=None, output_size=None, *, padding=0) -> np.ndarray:
    """Max unpooling, like ``torch.nn.functional.max_unpool2d`` without batch.

    Puts every input value at the position its switch (from ``max_pool2d(...,
    return_indices=True)``) names and zeros elsewhere: the transpose of the max-pool selection.
    The switches index the unpadded input, so this undoes padded and ceil-mode pooling too
    (give ``output_size`` when the default below is not the pooled input's size).

    Parameters
    ----------
    input : array_like, shape (C, h, w) or (h, w)
        Pooled values.
    indices : array_like of int, same shape as ``input``
        Flat indices ``row * W + col`` into each channel of the output.
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    output_size : (int, int), optional
        (H, W); defaults to ((h - 1)·stride - 2·padding + kernel_size) per axis and, as in
        PyTorch, must lie strictly between that default minus and plus the stride (and be
        >= 1: PyTorch returns an empty array for 0).
    padding : int or (int, int)
        The pooling's padding (it only changes the default output size).

    Returns
    -------
    numpy.ndarray, shape (C, H, W) or (H, W), dtype of ``input``

    Raises
    ------
    TypeError
        If an array or parameter has the wrong type.
    ValueError
        If shapes do not match, an index is out of range or ``output_size`` is not allowed.

    Examples
    --------
    >>> x = np.array([[1, 5, 2, 0], [3, 4, 6, 6], [0, 0, 1, 2], [7, 0, 3, 4]])
    >>> values, indices = max_pool2d(x, 2, return_indices=True)
    >>> max_unpool2d(values, indices, 2)
    array([[0, 5, 0, 0],
           [0, 0, 6, 0],
           [0, 0, 0, 0],
           [7, 0, 0, 4]])
    >>> values, indices = max_pool2d(x, 3, 2, padding=1, return_indices=True)
    >>> indices                               # the 6 at (1, 2) wins two windows
    array([[ 1,  6],
           [12,  6]])
    >>> max_unpool2d(values, indices, 3, 2, output_size=(4, 4), padding=1)   # default 3×3 is too small
    array([[0, 5, 0, 0],
           [0, 0, 6, 0],
           [0, 0, 0, 0],
           [7, 0, 0, 0]])
    """
    x, shorthand, kernel, stride = _prepare_pool(input, kernel_size, stride)
    padding = check_int_tuple("padding", padding, 2, minimum=0)
    switches = _as_array("indices", indices, kinds="iu")
    if switches.shape != (x.shape[1:] if shorthand else x.shape):
        raise ValueError(
            f"indices must have the shape of input {(x.shape[1:] if shorthand else x.shape)}, got {switches.shape}"
        )
    default = tuple((i - 1) * s - 2 * p + k for i, s, k, p in zip(x.shape[1:], stride, kernel, padding))
    if output_size is None:
        for axis, n in enumerate(default):
            if n < 1:
                raise ValueError(
                    f"the default output size (h - 1)·stride - 2·padding + kernel_size = {n} along axis {axis} "
                    f"must be >= 1; give output_size or less padding"
                )
        size = default
    else:
        if not isinstance(output_size, (tuple, list)):
            raise TypeError(f"output_size must be a sequence of 2 integers (H, W), got {_describe(output_size)}")
        size = check_int_tuple("output_size", tuple(output_size), 2, minimum=1)
        for axis, (n, n0, s) in enumerate(zip(size, default, stride)):
            if not n0 - s < n < n0 + s:
                raise ValueError(
                    f"output_size[{axis}] must be between {max(n0 - s + 1, 1)} and {n0 + s - 1} "
                    f"(default {n0} ± (stride - 1)), got {n}"
                )
    units = size[0] * size[1]
    flat = switches.reshape(x.shape[0], -1).astype(np.int64)
    if flat.size and (flat.min() < 0 or flat.max() >= units):
        bad = flat.min() if flat.min() < 0 else flat.max()
        raise ValueError(f"indices must lie in [0, {units}) for an output of size {size}, got {bad}")
    out = np.zeros((x.shape[0], units), dtype=x.dtype)
    out[np.arange(x.shape[0])[:, None], flat] = x.reshape(x.shape[0], -1)
    out = out.reshape(x.shape[0], *size)
    return out[0] if shorthand else out


# --- pooling windows and receptive fields by counting (the lessons' independent checks) ---------


def _check_pool_axis(i, k, s, p) -> tuple[int, int, int, int]:
    i, k, s = check_int("i", i, minimum=1), check_int("k", k, minimum=1), check_int("s", s, minimum=1)
    p = check_int("p", p, minimum=0)
    if k > i + 2 * p:
        raise ValueError(f"k must be <= i + 2p = {i + 2 * p} (the window must fit in the padded input), got {k}")
    return i, k, s, p


def pool_windows(i, k, s=1, p=0, ceil_mode=False) -> list[tuple[int, int]]:
    """The windows of a pooling layer along one axis, found by sliding one window at a time.

    Positions are padded positions (the input's units are p..p+i-1). Windows start at 0, s, 2s, ...
    Floor mode keeps a window while it fits in the padded input. Ceil mode adds the next window
    while the one before it has not reached the end of the padded input and the new one starts
    inside the input or the left padding (before i + p); the last one is clipped to the padded
    input. Nothing here uses a formula for the output size.

    Parameters
    ----------
    i, k, s : int
        Input size, window, stride (>= 1).
    p : int
        Padding on each side (>= 0).
    ceil_mode : bool
        Add the windows PyTorch's ``ceil_mode=True`` adds.

    Returns
    -------
    list of (int, int)
        ``(start, stop)`` of each window, ``stop`` excluded and at most i + 2p.

    Raises
    ------
    TypeError
        If a size is not an integer or ``ceil_mode`` not a bool.
    ValueError
        If i, k, s < 1, p < 0 or k > i + 2p.

    Examples
    --------
    >>> pool_windows(6, 3, 2), pool_windows(6, 3, 2, ceil_mode=True)
    ([(0, 3), (2, 5)], [(0, 3), (2, 5), (4, 6)])
    >>> pool_windows(5, 2, 2, 1, ceil_mode=True)          # a window at 6 would read only padding
    [(0, 2), (2, 4), (4, 6)]
    """
    i, k, s, p = _check_pool_axis(i, k, s, p)
    ceil_mode = _check_flag("ceil_mode", ceil_mode)
    end = i + 2 * p
    windows, start = [], 0
    while start + k <= end or (ceil_mode and start < i + p and start - s + k < end):
        windows.append((start, min(start + k, end)))
        start += s
    return windows


def pool_unread_units(i, k, s=1, p=0, ceil_mode=False) -> list[int]:
    """The input units (0..i-1, padding not counted) that no window of :func:`pool_windows` reads.

    Parameters
    ----------
    i, k, s, p, ceil_mode
        As :func:`pool_windows`.

    Returns
    -------
    list of int

    Raises
    ------
    TypeError, ValueError
        As :func:`pool_windows`.

    Examples
    --------
    >>> pool_unread_units(6, 3, 2), pool_unread_units(6, 3, 2, ceil_mode=True)
    ([5], [])
    >>> pool_unread_units(5, 1, 2, ceil_mode=True)        # a window shorter than its stride skips units
    [1, 3]
    """
    read = {n for start, stop in pool_windows(i, k, s, p, ceil_mode) for n in range(start, stop)}
    return [n for n in range(check_int("i", i, minimum=1)) if n + p not in read]


def pool_padding_only_windows(i, k, s=1, p=0, ceil_mode=False) -> list[tuple[int, int]]:
    """The windows of :func:`pool_windows` that read only padding, no input unit.

    A window covers padded positions ``start .. stop - 1``; the input units are positions
    ``p .. p + i - 1``, so the window reads only padding when ``stop <= p`` or ``start >= i + p``.

    Parameters
    ----------
    i, k, s, p, ceil_mode
        As :func:`pool_windows`.

    Returns
    -------
    list of (int, int)
        ``(start, stop)`` in padded positions, in order.

    Raises
    ------
    TypeError, ValueError
        As :func:`pool_windows`.

    Examples
    --------
    >>> pool_padding_only_windows(8, 3, 1, 2)              # p < k: every window reads an input unit
    []
    >>> pool_padding_only_windows(8, 3, 1, 3)              # p = k: the first and the last read only padding
    [(0, 3), (11, 14)]
    """
    return [(start, stop) for start, stop in pool_windows(i, k, s, p, ceil_mode) if stop <= p or start >= i + p]


def _check_stack(stack) -> list[tuple[int, int, int, int]]:
    """The layers as (k, s, p, d); a (k, s, p) triple has dilation d = 1."""
    if not isinstance(stack, (list, tuple)):
        raise TypeError(f"stack must be a list of (k, s, p) or (k, s, p, d) layers, got {_describe(stack)}")
    if not stack:
        raise ValueError("stack must hold at least one (k, s, p) layer, got an empty list")
    layers = []
    for n, layer in enumerate(stack):
        if not isinstance(layer, (list, tuple)) or len(layer) not in (3, 4):
            raise TypeError(f"stack[{n}] must be a (k, s, p) or (k, s, p, d) tuple of integers, got {_describe(layer)}")
        k, s, p, d = (*layer, 1) if len(layer) == 3 else layer
        layers.append((check_int(f"stack[{n}] k", k, minimum=1), check_int(f"stack[{n}] s", s, minimum=1),
                       check_int(f"stack[{n}] p", p, minimum=0), check_int(f"stack[{n}] d", d, minimum=1)))
    return layers


def receptive_field_by_impulses(stack, unit=None, n_in=120) -> list[int]:
    """The input units one output unit of a stack of 1-D layers reads, by pushing impulses through it.

    An impulse (a single 1) at input unit n goes through every layer as an all-ones kernel
    (:func:`conv2d` along one axis); nothing can cancel, so output unit u is nonzero exactly when
    n lies in u's receptive field. All ``n_in`` impulses go through at once (the rows of the
    identity matrix). A pooling layer counts as such a layer: where its windows go is all that
    matters here.

    Parameters
    ----------
    stack : list of (int, int, int) or (int, int, int, int)
        One ``(k, s, p)`` per layer, or ``(k, s, p, d)`` for a dilated one, the layer reading
        the input first.
    unit : int, optional
        The output unit (default: the middle one, ``o // 2``).
    n_in : int
        Input length (>= 1); the stack must fit in it.

    Returns
    -------
    list of int
        Increasing input units; the field's span is ``last - first + 1``, its holes the units
        of the span not listed.

    Raises
    ------
    TypeError
        If ``stack`` is not a list of integer triples or ``unit``/``n_in`` not integers.
    ValueError
        If a value is out of range or a layer's kernel does not fit in its input.

    Examples
    --------
    >>> field = receptive_field_by_impulses([(3, 2, 0), (3, 1, 0)], n_in=11)
    >>> field, len(field)                                   # 3 + (3 - 1)·2 = 7
    ([2, 3, 4, 5, 6, 7, 8], 7)
    >>> receptive_field_by_impulses([(1, 2, 0), (2, 1, 0)], unit=0, n_in=6)   # a hole at 1
    [0, 2]
    >>> receptive_field_by_impulses([(2, 1, 0, 1), (2, 1, 0, 2)], unit=0, n_in=8)   # dilation 2
    [0, 1, 2, 3]
    """
    layers = _check_stack(stack)
    n_in = check_int("n_in", n_in, minimum=1)
    x = np.eye(n_in)                                        # row n: an impulse at input unit n
    for n, (k, s, p, d) in enumerate(layers):
        if (k - 1) * d + 1 > x.shape[1] + 2 * p:
            raise ValueError(f"stack[{n}] k = {k} (dilation {d}) does not fit in its input of {x.shape[1]} "
                             f"units (padding {p}); give a larger n_in")
        x = conv2d(x, np.ones((1, k)), stride=(1, s), padding=(0, p), dilation=(1, d))
    o = x.shape[1]
    unit = o // 2 if unit is None else check_int("unit", unit, minimum=0, maximum=o - 1)
    return [n for n in range(n_in) if x[n, unit] > 0]


def gap_layers(stack) -> list[int]:
    """The layers (counted from 1) that join fields shorter than the jump between them.

    Layer l joins k_l fields of layer l - 1, each r_(l-1) input units long and starting
    j_(l-1) apart (r_0 = j_0 = 1, r_l = r_(l-1) + (k_l - 1)·j_(l-1), j_l = j_(l-1)·s_l); it
    leaves gaps between them when k_l >= 2 and r_(l-1) < j_(l-1). Padding plays no part.

    Parameters
    ----------
    stack : list of (int, int, int)
        As :func:`receptive_field_by_impulses`.

    Returns
    -------
    list of int

    Raises
    ------
    TypeError, ValueError
        As :func:`receptive_field_by_impulses`.

    Examples
    --------
    >>> gap_layers([(1, 2, 0), (2, 1, 0)]), gap_layers([(3, 1, 0), (1, 2, 0), (2, 1, 0)])
    ([2], [])
    """
    gaps, r, j = [], 1, 1
    for n, (k, s, _, _) in enumerate(_check_stack(stack), start=1):
        if k >= 2 and r < j:
            gaps.append(n)
        r, j = r + (k - 1) * j, j * s
    return gaps


# --- pixel shuffle (depth to space) -----------------------------------------------------------

_SHUFFLE_ORDERS = ("CRD", "DCR")


def _check_shuffle(name: str, x, r, order) -> tuple[np.ndarray, int, str]:
    array = _as_array(name, x)
    if array.ndim != 3:
        raise ValueError(f"{name} must have shape (C, H, W), got {array.ndim}-D shape {array.shape}")
    _check_nonempty(name, array)
    r = check_int("r", r, minimum=1)
    if not isinstance(order, str):
        raise TypeError(f"order must be 'CRD' or 'DCR', got {_describe(order)}")
    if order not in _SHUFFLE_ORDERS:
        raise ValueError(f"order must be 'CRD' or 'DCR', got {order!r}")
    return array, r, order


def pixel_shuffle(x, r, order="CRD") -> np.ndarray:
    """Rearrange ``C·r²`` channels of ``H × W`` into ``C`` channels of ``H·r × W·r`` (depth to space).

    Output unit ``(c, h·r + i, w·r + j)`` takes input channel ``c·r² + i·r + j`` at ``(h, w)``
    with ``order="CRD"`` (``torch.nn.functional.pixel_shuffle``, ONNX ``DepthToSpace`` mode
    "CRD"), and input channel ``(i·r + j)·C + c`` with ``order="DCR"`` (TensorFlow's
    ``depth_to_space``, ONNX's default mode). The two orders agree when ``C = 1``.

    Parameters
    ----------
    x : array_like, shape (C·r², H, W)
    r : int
        Upscaling factor, ``r >= 1``.
    order : {"CRD", "DCR"}

    Returns
    -------
    numpy.ndarray, shape (C, H·r, W·r)

    Raises
    ------
    TypeError
        If ``x`` does not hold numbers or ``r``/``order`` has the wrong type.
    ValueError
        If ``x`` is not 3-D, its channel count is not a multiple of ``r²``, ``r < 1`` or
        ``order`` is unknown.

    Examples
    --------
    >>> x = np.arange(8).reshape(8, 1, 1)      # 8 channels of 1×1, r = 2: C = 2
    >>> pixel_shuffle(x, 2).tolist()   # channel c gets inputs 4c .. 4c + 3
    [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]
    >>> pixel_shuffle(x, 2, order="DCR").tolist()  # channel c gets inputs c, c + 2, c + 4, c + 6
    [[[0, 2], [4, 6]], [[1, 3], [5, 7]]]
    """
    array, r, order = _check_shuffle("x", x, r, order)
    depth, height, width = array.shape
    if depth % (r * r):
        raise ValueError(f"x must have a multiple of r² = {r * r} channels, got {depth}")
    channels = depth // (r * r)
    if order == "CRD":
        split = array.reshape(channels, r, r, height, width)            # (c, i, j, h, w)
    else:
        split = array.reshape(r, r, channels, height, width).transpose(2, 0, 1, 3, 4)
    return split.transpose(0, 3, 1, 4, 2).reshape(channels, height * r, width * r)


def pixel_unshuffle(y, r, order="CRD") -> np.ndarray:
    """The inverse of :func:`pixel_shuffle` (space to depth): ``C × H·r × W·r`` to ``C·r² × H × W``.

    Parameters
    ----------
    y : array_like, shape (C, H·r, W·r)
    r : int
        Downscaling factor, ``r >= 1``.
    order : {"CRD", "DCR"}
        The channel order of the result (see :func:`pixel_shuffle`).

    Returns
    -------
    numpy.ndarray, shape (C·r², H, W)

    Raises
    ------
    TypeError, ValueError
        As :func:`pixel_shuffle`; also if ``H·r`` or ``W·r`` is not a multiple of ``r``.

    Examples
    --------
    >>> y = np.arange(16).reshape(1, 4, 4)
    >>> x = pixel_unshuffle(y, 2)
    >>> x.shape, x[:, 0, 0].tolist()   # the 2×2 block at the top left, row by row
    ((4, 2, 2), [0, 1, 4, 5])
    >>> bool(np.array_equal(pixel_shuffle(x, 2), y))
    True
    """
    array, r, order = _check_shuffle("y", y, r, order)
    channels, tall, wide = array.shape
    if tall % r or wide % r:
        raise ValueError(f"y's height and width must be multiples of r = {r}, got shape {array.shape}")
    blocks = array.reshape(channels, tall // r, r, wide // r, r).transpose(0, 2, 4, 1, 3)  # (c, i, j, h, w)
    if order == "DCR":
        blocks = blocks.transpose(1, 2, 0, 3, 4)
    return blocks.reshape(channels * r * r, tall // r, wide // r)


def subpixel_weight(weight, stride) -> np.ndarray:
    """The direct-convolution weight of a sub-pixel layer equal to a stride-``s`` transposed one.

    A ``conv_transpose2d`` weight ``(C_in, C_out, K, K)`` is zero-padded to ``L·s`` per axis,
    ``L = ceil(K/s)``; its phase ``(a, b)``, ``w[:, c, a::s, b::s]`` rotated by 180°, becomes output
    channel ``c·s² + a·s + b`` of a ``conv2d`` weight ``(C_out·s², C_in, L, L)``. Then
    ``pixel_shuffle(conv2d(x, W, padding=L-1), s)`` (order "CRD") is the full transposed
    convolution followed by ``L·s - K`` zero rows and columns, so cropping ``p`` units at the
    start gives ``conv_transpose2d(x, weight, stride=s, padding=p, output_padding=a)`` whenever
    ``a <= p + L·s - K`` (a larger ``a`` asks for rows past the full scatter, which are zeros;
    Shi et al. 2016, arXiv 1609.07009).

    Parameters
    ----------
    weight : array_like, shape (C_in, C_out, kH, kW) or (kH, kW)
    stride : int or pair of int, >= 1

    Returns
    -------
    numpy.ndarray, shape (C_out·sH·sW, C_in, ceil(kH/sH), ceil(kW/sW))

    Raises
    ------
    TypeError, ValueError
        For a weight that is not a 2-D kernel or a 4-D array of numbers, or a bad stride.

    Examples
    --------
    >>> w = np.arange(1, 10).reshape(3, 3)
    >>> W = subpixel_weight(w, 2)
    >>> W.shape
    (4, 1, 2, 2)
    >>> W[0, 0].tolist(), W[3, 0].tolist()   # phase (0, 0): w[0::2, 0::2] rotated; phase (1, 1)
    ([[9, 7], [3, 1]], [[0, 0], [0, 5]])
    >>> x = np.array([[1, 2], [3, 4]])
    >>> y = pixel_shuffle(conv2d(x[None], W, padding=1), 2)[0]
    >>> bool(np.array_equal(y[:5, :5], conv_transpose2d(x, w, stride=2)))
    True
    """
    array = _as_array("weight", weight)
    if array.ndim == 2:
        array = array[np.newaxis, np.newaxis]
    elif array.ndim != 4:
        raise ValueError(f"weight must have shape (kH, kW) or (C_in, C_out, kH, kW), got {array.ndim}-D shape {array.shape}")
    _check_nonempty("weight", array)
    sh, sw = check_int_tuple("stride", stride, 2, minimum=1)
    c_in, c_out, kh, kw = array.shape
    lh, lw = -(-kh // sh), -(-kw // sw)
    padded = np.zeros((c_in, c_out, lh * sh, lw * sw), dtype=array.dtype)
    padded[:, :, :kh, :kw] = array
    phases = padded.reshape(c_in, c_out, lh, sh, lw, sw).transpose(1, 3, 5, 0, 2, 4)  # (c, a, b, ci, l, l)
    return np.ascontiguousarray(phases[..., ::-1, ::-1]).reshape(c_out * sh * sw, c_in, lh, lw)
