"""Which input unit meets which kernel weight for each output unit of a convolution.

This is the sparse connectivity pattern of the convolution matrix C (the guide's Section 4.1),
found with numpy index arithmetic, together with the padding and output-size rules it rests on.
It sits below both :mod:`course_lib.numeric`, whose ``"matrix"`` transposed convolution
computes Cᵀy from the pattern, and :mod:`course_lib.symbolic`, which fills the pattern with
SymPy kernel symbols. It needs only numpy, so the numeric path never loads SymPy.

``padding`` is an integer, one integer per spatial axis, one ``(before, after)`` pair per axis,
or one of TensorFlow's strings ``"valid"``, ``"same"``, ``"full"`` (the odd unit at the end).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from course_lib import arithmetic
from course_lib._validate import _describe, check_int, check_int_tuple

__all__ = ["ConvMatrixPattern", "conv_matrix_pattern"]

_PADDING_MODES = ("valid", "same", "full")


# --- shapes, padding and output sizes (shared by numeric and symbolic) ------------------------


def _shape(name: str, value) -> tuple[int, ...]:
    """An int (1-D) or a sequence of 1 or 2 positive ints, as a tuple.

    Examples
    --------
    >>> _shape("input_shape", 4), _shape("input_shape", [4, 5])
    ((4,), (4, 5))
    """
    if isinstance(value, (tuple, list)):
        if len(value) not in (1, 2):
            raise ValueError(f"{name} must be an integer or a sequence of 1 or 2 integers, got {_describe(value)}")
        return tuple(check_int(f"{name}[{axis}]", v, minimum=1) for axis, v in enumerate(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return (check_int(name, value, minimum=1),)
    raise TypeError(f"{name} must be an integer or a sequence of 1 or 2 integers, got {_describe(value)}")


def _padding_mode(padding: str) -> str:
    """One of ``"valid"``, ``"same"``, ``"full"``, case-insensitively.

    Examples
    --------
    >>> _padding_mode("SAME")
    'same'
    """
    mode = padding.lower()
    if mode not in _PADDING_MODES:
        raise ValueError(f"padding must be an integer, a tuple or one of {_PADDING_MODES}, got {padding!r}")
    return mode


def _explicit_padding(padding, nd: int) -> list[tuple[int, int]]:
    """Integer / per-axis / per-side padding as one (before, after) pair per axis.

    Examples
    --------
    >>> _explicit_padding(1, 2), _explicit_padding(((0, 1), (2, 3)), 2)
    ([(1, 1), (1, 1)], [(0, 1), (2, 3)])
    """
    if isinstance(padding, (tuple, list)) and any(isinstance(v, (tuple, list)) for v in padding):
        if len(padding) != nd:
            raise ValueError(
                f"padding given per side must have one (before, after) pair per axis ({nd}), "
                f"got {_describe(padding)}"
            )
        pairs = []
        for axis, pair in enumerate(padding):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(
                    f"padding[{axis}] must be a (before, after) pair of integers, got {_describe(pair)}"
                )
            pairs.append(tuple(check_int(f"padding[{axis}][{side}]", v, minimum=0) for side, v in enumerate(pair)))
        return pairs
    if not isinstance(padding, (tuple, list, int, np.integer)) or isinstance(padding, (bool, np.bool_)):
        raise TypeError(
            f"padding must be an integer, a sequence of {nd} integers, a sequence of {nd} "
            f"(before, after) pairs or one of {_PADDING_MODES}, got {_describe(padding)}"
        )
    return [(p, p) for p in check_int_tuple("padding", padding, nd, minimum=0)]


def _conv_padding(padding, nd, in_sizes, kernel_sizes, stride, dilation) -> list[tuple[int, int]]:
    """The (before, after) zero padding of a direct convolution along each axis.

    Examples
    --------
    TensorFlow's "same" at stride 2 keeps ceil(5 / 2) = 3 units; the odd unit goes at the end:

    >>> _conv_padding("same", 1, (5,), (2,), (2,), (1,))
    [(0, 1)]
    >>> _conv_padding("full", 2, (5, 5), (3, 3), (1, 1), (1, 2))
    [(2, 2), (4, 4)]
    """
    if not isinstance(padding, str):
        return _explicit_padding(padding, nd)
    mode = _padding_mode(padding)
    pads = []
    for i, k, s, d in zip(in_sizes, kernel_sizes, stride, dilation):
        k_hat = arithmetic.effective_kernel_size(k, d)
        if mode == "valid":
            pads.append((0, 0))
        elif mode == "full":
            pads.append((k_hat - 1, k_hat - 1))
        else:  # TensorFlow's "same": output ceil(i / s), the odd unit of padding at the end
            total = max((-(-i // s) - 1) * s + k_hat - i, 0)
            pads.append((total // 2, total - total // 2))
    return pads


def _axis_error(err: Exception, axis: int, nd: int) -> Exception:
    """An arithmetic error of the same type that says which spatial axis it concerns.

    Examples
    --------
    >>> _axis_error(ValueError("k must be >= 1, got 0"), 1, 2)
    ValueError('k must be >= 1, got 0 (spatial axis 1)')
    """
    return type(err)(f"{err} (spatial axis {axis})" if nd > 1 else str(err))


def _conv_output_sizes(in_sizes, kernel_sizes, stride, pads, dilation) -> tuple[int, ...]:
    """Output size per axis of a direct convolution with (before, after) padding.

    Examples
    --------
    >>> _conv_output_sizes((5, 6), (3, 3), (2, 1), [(1, 1), (0, 1)], (1, 1))
    (3, 5)
    """
    nd = len(in_sizes)
    sizes = []
    for axis, (i, k, s, (before, after), d) in enumerate(zip(in_sizes, kernel_sizes, stride, pads, dilation)):
        if before == after:
            try:
                sizes.append(arithmetic.conv_output_size(i, k, s, before, d))
            except ValueError as err:
                raise _axis_error(err, axis, nd) from None
            continue
        # arithmetic only knows symmetric padding; (before, after) acts like i + before + after, p = 0
        k_hat = arithmetic.effective_kernel_size(k, d)
        if k_hat > i + before + after:
            raise ValueError(
                f"kernel of effective size {k_hat} must not exceed the padded input size "
                f"i + before + after = {i + before + after} (i={i}, padding=({before}, {after}))"
                + (f" (spatial axis {axis})" if nd > 1 else "")
            )
        sizes.append(arithmetic.conv_output_size(i + before + after, k, s, 0, d))
    return tuple(sizes)


# --- the sparse connectivity pattern of C ---------------------------------------------------


class ConvMatrixPattern(NamedTuple):
    """Where the nonzeros of a convolution matrix C are, and which kernel weight each one holds.

    ``C[rows[n], cols[n]] = kernel.ravel()[kernel_index[n]]``; all other entries are 0. The
    arrays are sorted by row, then column. ``shape == (prod(output_shape), prod(input_shape))``.

    Examples
    --------
    >>> pattern = conv_matrix_pattern((2, 2), (2, 2))
    >>> pattern.shape, pattern.cols.tolist(), pattern.kernel_index.tolist()
    ((1, 4), [0, 1, 2, 3], [0, 1, 2, 3])
    """

    input_shape: tuple
    output_shape: tuple
    rows: np.ndarray
    cols: np.ndarray
    kernel_index: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(number of output units, number of input units)."""
        return math.prod(self.output_shape), math.prod(self.input_shape)


def _geometry(input_shape, kernel_shape, stride, padding, dilation):
    """Validated shapes, strides, (before, after) pads, dilations and the output shape."""
    input_shape = _shape("input_shape", input_shape)
    nd = len(input_shape)
    if isinstance(kernel_shape, (int, np.integer)) and not isinstance(kernel_shape, (bool, np.bool_)):
        kernel_shape = (kernel_shape,)
    if not isinstance(kernel_shape, (tuple, list)):
        raise TypeError(f"kernel_shape must be an integer or a sequence of integers, got {_describe(kernel_shape)}")
    if len(kernel_shape) != nd:
        raise ValueError(
            f"kernel_shape must have {nd} entries like input_shape {input_shape}, got {_describe(kernel_shape)}"
        )
    kernel_shape = tuple(check_int(f"kernel_shape[{axis}]", k, minimum=1) for axis, k in enumerate(kernel_shape))
    stride = check_int_tuple("stride", stride, nd, minimum=1)
    dilation = check_int_tuple("dilation", dilation, nd, minimum=1)
    pads = _conv_padding(padding, nd, input_shape, kernel_shape, stride, dilation)
    output_shape = _conv_output_sizes(input_shape, kernel_shape, stride, pads, dilation)
    return input_shape, kernel_shape, stride, pads, dilation, output_shape


def conv_matrix_pattern(input_shape, kernel_shape, stride=1, padding=0, dilation=1) -> ConvMatrixPattern:
    """The sparsity pattern of the convolution matrix C, computed with numpy index arithmetic.

    Output unit ``t`` (per axis) reads input unit ``t·s - before + j·d`` through kernel tap
    ``j``; taps that land on padding are dropped.

    Parameters
    ----------
    input_shape : int or (int,) or (int, int)
        Unpadded input size; an int means 1-D.
    kernel_shape : int or tuple of ints
        One entry per axis of ``input_shape``.
    stride, dilation : int or tuple of ints
    padding : int, tuple, one (before, after) pair per axis, or "valid" / "same" / "full"
        As in :func:`course_lib.numeric.conv2d`.

    Returns
    -------
    ConvMatrixPattern

    Raises
    ------
    TypeError
        If a parameter is not an integer, a sequence of integers or (``padding``) a mode string.
    ValueError
        If a size, stride or dilation is < 1, a padding is < 0 or an unknown mode, the number
        of entries does not match ``input_shape`` (1 or 2 axes), or the (dilated) kernel does
        not fit in the padded input.

    Examples
    --------
    >>> pattern = conv_matrix_pattern(4, 3, padding=1)
    >>> pattern.shape
    (4, 4)
    >>> pattern.rows, pattern.cols, pattern.kernel_index
    (array([0, 0, 1, 1, 1, 2, 2, 2, 3, 3]), array([0, 1, 0, 1, 2, 1, 2, 3, 2, 3]), array([1, 2, 0, 1, 2, 0, 1, 2, 0, 1]))
    >>> conv_matrix_pattern(4, 5)
    Traceback (most recent call last):
    ...
    ValueError: kernel size k = 5 must not exceed the padded input size i + 2p = 4 (i=4, p=0); use a smaller kernel or more padding
    """
    input_shape, kernel_shape, stride, pads, dilation, output_shape = _geometry(
        input_shape, kernel_shape, stride, padding, dilation
    )
    nd = len(input_shape)
    # Broadcast over axes (t_0, ..., t_{nd-1}, j_0, ..., j_{nd-1}): row-major in t, then j,
    # so the flattened nonzeros come sorted by row and, within a row, by column.
    row = col = tap = np.zeros((1,) * (2 * nd), dtype=np.int64)
    inside = np.ones((1,) * (2 * nd), dtype=bool)
    for axis, (i, k, s, (before, _), d, o) in enumerate(zip(input_shape, kernel_shape, stride, pads, dilation, output_shape)):
        t = np.arange(o).reshape([-1 if a == axis else 1 for a in range(2 * nd)])
        j = np.arange(k).reshape([-1 if a == nd + axis else 1 for a in range(2 * nd)])
        position = t * s - before + j * d
        inside = inside & (position >= 0) & (position < i)
        row, col, tap = row * o + t, col * i + position, tap * k + j
    full = np.broadcast_shapes(row.shape, col.shape, inside.shape)
    inside = np.broadcast_to(inside, full)
    return ConvMatrixPattern(
        input_shape=input_shape,
        output_shape=output_shape,
        rows=np.broadcast_to(row, full)[inside],
        cols=np.broadcast_to(col, full)[inside],
        kernel_index=np.broadcast_to(tap, full)[inside],
    )


# --- what one output unit of a stack of layers reaches: receptive fields and holes -------------


def _per_layer(name: str, value, layers: int) -> tuple[int, ...]:
    """An int (the same for every layer) or one int >= 1 per layer, as a tuple."""
    if isinstance(value, (tuple, list)):
        if len(value) != layers:
            raise ValueError(
                f"{name} must be an integer or a sequence of {layers} integers (one per layer), got {_describe(value)}"
            )
        return tuple(check_int(f"{name}[{n}]", v, minimum=1) for n, v in enumerate(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return (check_int(name, value, minimum=1),) * layers
    raise TypeError(f"{name} must be an integer or a sequence of {layers} integers (one per layer), got {_describe(value)}")


def _stack(kernel_sizes, dilations, strides) -> list[tuple[int, int, int]]:
    """Validated (k, d, s) per layer, first layer (the one reading the input) first."""
    if not isinstance(kernel_sizes, (tuple, list)):
        raise TypeError(f"kernel_sizes must be a sequence of integers (one per layer), got {_describe(kernel_sizes)}")
    if not kernel_sizes:
        raise ValueError("kernel_sizes must hold at least one layer, got an empty sequence")
    ks = tuple(check_int(f"kernel_sizes[{n}]", k, minimum=1) for n, k in enumerate(kernel_sizes))
    return list(zip(ks, _per_layer("dilations", dilations, len(ks)), _per_layer("strides", strides, len(ks))))


def stack_receptive_field(kernel_sizes, dilations=1, strides=1) -> int:
    """Receptive field (span, in input units) of one output unit of a stack of 1-D layers.

    Layer l (kernel k_l, dilation d_l, stride s_l; layer 1 reads the input) adds
    (k_l - 1)·d_l steps of its input's units, which lie J = s_1·…·s_(l-1) input units apart:
    r = 1 + Σ_l (k_l - 1)·d_l·s_1·…·s_(l-1). Padding moves the field, not its span.

    Parameters
    ----------
    kernel_sizes : sequence of int
        One kernel size (>= 1) per layer, the layer reading the input first.
    dilations, strides : int or sequence of int
        One value for every layer, or one per layer (>= 1).

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If a parameter is not an integer or a sequence of integers.
    ValueError
        If a value is < 1 or a sequence has not one entry per layer.

    Examples
    --------
    Three 3-tap layers with dilations 1, 2, 4; the same with strides 2 (no dilation):

    >>> stack_receptive_field([3, 3, 3], [1, 2, 4]), stack_receptive_field([3, 3, 3], strides=2)
    (15, 15)
    >>> stack_receptive_field([3, 3], dilations=[1, 0])
    Traceback (most recent call last):
    ...
    ValueError: dilations[1] must be >= 1, got 0
    """
    field, jump = 1, 1
    for k, d, s in _stack(kernel_sizes, dilations, strides):
        field += (k - 1) * d * jump
        jump *= s
    return field


def _reached_1d(stack) -> np.ndarray:
    """Sorted offsets Σ t_l·d_l·J_(l-1), 0 <= t_l < k_l, from the first unit of the field."""
    offsets, jump = np.zeros(1, dtype=np.int64), 1
    for k, d, s in stack:
        offsets = np.unique((offsets[:, None] + np.arange(k) * d * jump).ravel())
        jump *= s
    return offsets


def reached_units(kernel_sizes, dilations=1, strides=1) -> np.ndarray:
    """Which input units of its receptive field one output unit of a stack of 1-D layers reads.

    Each layer's tap t (0 <= t < k_l) reads the unit t·d_l units further along its input, whose
    units lie J = s_1·…·s_(l-1) input units apart. A path from the output unit down to the input
    picks one tap per layer, so input unit n of the field (counted from its first unit) is
    reached exactly when n = Σ_l t_l·d_l·J for some choice of taps. Units of the span reached by
    no path are *holes*: dilations with a common factor > 1 leave them (gridding), and so do
    strides larger than the kernel before a wider layer.

    Parameters
    ----------
    kernel_sizes : sequence of int
        One kernel size (>= 1) per layer, the layer reading the input first.
    dilations, strides : int or sequence of int
        One value for every layer, or one per layer (>= 1).

    Returns
    -------
    numpy.ndarray of bool, shape (r,)
        Entry n is True when the output unit depends on unit n of its field; r is
        :func:`stack_receptive_field`.

    Raises
    ------
    TypeError, ValueError
        As :func:`stack_receptive_field`.

    Examples
    --------
    >>> reached_units([3, 3], [1, 2]).astype(int)      # 1, 2: every unit of the 7
    array([1, 1, 1, 1, 1, 1, 1])
    >>> reached_units([3, 3], [2, 2]).astype(int)      # a common factor 2: every other unit
    array([1, 0, 1, 0, 1, 0, 1, 0, 1])
    """
    stack = _stack(kernel_sizes, dilations, strides)
    mask = np.zeros(stack_receptive_field(kernel_sizes, dilations, strides), dtype=bool)
    mask[_reached_1d(stack)] = True
    return mask


def reached_units_2d(kernel_sizes, dilations=1, strides=1) -> np.ndarray:
    """Which units of its 2-D receptive field one output unit of a stack of 2-D layers reads.

    The taps of a 2-D kernel are all (row, column) pairs, so a unit is reached exactly when its
    row offset is reached along the rows and its column offset along the columns: the mask is
    the outer AND of the two axes' :func:`reached_units`.

    Parameters
    ----------
    kernel_sizes : sequence of int or (int, int)
        One kernel size per layer (an int means square), the layer reading the input first.
    dilations, strides : int, or a sequence with one int or (int, int) pair per layer
        A single int applies to both axes of every layer; a sequence always has one entry per
        layer (so a pair for every layer is written once per layer).

    Returns
    -------
    numpy.ndarray of bool, shape (r_rows, r_cols)

    Raises
    ------
    TypeError, ValueError
        If a value is not an integer >= 1 or an (h, w) pair of them, or a sequence has not one
        entry per layer.

    Examples
    --------
    >>> int(reached_units_2d([3, 3], [2, 2]).sum()), int(reached_units_2d([3, 3], [1, 2]).sum())
    (25, 49)
    >>> reached_units_2d([(3, 1), 3], [1, (2, 1)]).shape
    (7, 3)
    """
    if not isinstance(kernel_sizes, (tuple, list)):
        raise TypeError(f"kernel_sizes must be a sequence (one entry per layer), got {_describe(kernel_sizes)}")
    if not kernel_sizes:
        raise ValueError("kernel_sizes must hold at least one layer, got an empty sequence")
    layers = len(kernel_sizes)

    def per_axis(name, value):
        # a sequence always holds one entry per layer; a single int applies to every layer
        if isinstance(value, (tuple, list)):
            if len(value) != layers:
                raise ValueError(f"{name} must be an integer or a sequence of {layers} entries (one per layer), "
                                 f"got {_describe(value)}")
            entries = value
        else:
            entries = [check_int(name, value, minimum=1)] * layers
        pairs = [check_int_tuple(f"{name}[{n}]", v, 2, minimum=1) for n, v in enumerate(entries)]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    k_rows, k_cols = per_axis("kernel_sizes", kernel_sizes)
    d_rows, d_cols = per_axis("dilations", dilations)
    s_rows, s_cols = per_axis("strides", strides)
    return np.logical_and.outer(reached_units(k_rows, d_rows, s_rows), reached_units(k_cols, d_cols, s_cols))


def holes(kernel_sizes, dilations=1, strides=1, *, centred=False) -> list[int]:
    """The units of a 1-D receptive field that its output unit never reads (see :func:`reached_units`).

    Parameters
    ----------
    kernel_sizes, dilations, strides
        As :func:`reached_units`.
    centred : bool
        Count from the field's centre unit, (r - 1) // 2, instead of its first unit; for odd
        kernels with stride 1 the taps then sit at -d, 0, +d around it.

    Returns
    -------
    list of int
        Increasing offsets; empty when every unit of the field is reached.

    Raises
    ------
    TypeError, ValueError
        As :func:`reached_units`; TypeError if ``centred`` is not a bool.

    Examples
    --------
    >>> holes([3, 3, 3], [2, 2, 3], centred=True)
    [-6, 6]
    >>> holes([3, 3, 3], [1, 2, 9], centred=True), holes([3, 3, 3], [1, 2, 5])
    ([-5, -4, 4, 5], [])
    """
    if not isinstance(centred, (bool, np.bool_)):
        raise TypeError(f"centred must be True or False, got {_describe(centred)}")
    mask = reached_units(kernel_sizes, dilations, strides)
    shift = (mask.size - 1) // 2 if centred else 0
    return [int(n) - shift for n in np.flatnonzero(~mask)]


def hole_count(kernel_sizes, dilations=1, strides=1, *, ndim=1) -> int:
    """How many units of the receptive field one output unit never reads, in 1-D or 2-D.

    Parameters
    ----------
    kernel_sizes, dilations, strides
        As :func:`reached_units` (``ndim=1``) or :func:`reached_units_2d` (``ndim=2``).
    ndim : {1, 2}

    Returns
    -------
    int

    Raises
    ------
    TypeError, ValueError
        As :func:`reached_units`; ValueError if ``ndim`` is not 1 or 2.

    Examples
    --------
    Three 3×3 layers with dilation 2 reach a 13-unit span, every other unit along each axis:

    >>> hole_count([3, 3, 3], 2), hole_count([3, 3, 3], 2, ndim=2)
    (6, 120)
    """
    if check_int("ndim", ndim) not in (1, 2):
        raise ValueError(f"ndim must be 1 or 2, got {ndim}")
    mask = reached_units(kernel_sizes, dilations, strides) if ndim == 1 else reached_units_2d(
        kernel_sizes, dilations, strides)
    return int(mask.size - mask.sum())


__all__ += ["stack_receptive_field", "reached_units", "reached_units_2d", "holes", "hole_count"]
