"""The convolution matrix C and its transpose Cᵀ, with SymPy.

A convolution is linear, so it is a matrix: flatten the input and the output row-major, and
``C[r, c]`` is the kernel weight that connects input unit ``c`` to output unit ``r`` (0 where
they are not connected). Zero padding has no columns: padded units are constants, not inputs.
The transposed convolution is ``Cᵀ`` — hence its name (the guide's Section 4.1).

Like :mod:`course_lib.numeric` (and every deep-learning framework), C computes a
cross-correlation: ``C @ x.ravel() == numeric.conv2d(x, kernel, ...).ravel()``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import sympy

from course_lib._validate import _describe, check_int, check_int_tuple
from course_lib.numeric import _conv_output_sizes, _conv_padding

__all__ = [
    "kernel_symbols",
    "ConvMatrixPattern",
    "conv_matrix_pattern",
    "conv_matrix",
    "transposed_conv_matrix",
]


def _shape(name: str, value) -> tuple[int, ...]:
    """An int (1-D) or a sequence of 1 or 2 positive ints, as a tuple."""
    if isinstance(value, (tuple, list)):
        if len(value) not in (1, 2):
            raise ValueError(f"{name} must be an integer or a sequence of 1 or 2 integers, got {_describe(value)}")
        return tuple(check_int(f"{name}[{axis}]", v, minimum=1) for axis, v in enumerate(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return (check_int(name, value, minimum=1),)
    raise TypeError(f"{name} must be an integer or a sequence of 1 or 2 integers, got {_describe(value)}")


def kernel_symbols(shape, name="w") -> sympy.Matrix:
    """A kernel of SymPy symbols: ``w_{0,0}, w_{0,1}, ...`` (2-D) or ``w_{0}, w_{1}, ...`` (1-D).

    Parameters
    ----------
    shape : int or (int,) or (int, int)
        An int or a 1-tuple gives a 1-D kernel, returned as a 1-row Matrix (as it is drawn);
        :func:`conv_matrix` accepts it for a 1-D ``input_shape``.
    name : str
        Base name of the symbols.

    Returns
    -------
    sympy.Matrix

    Raises
    ------
    TypeError
        If ``shape`` is not an int or a sequence of ints, or ``name`` is not a string.
    ValueError
        If a size is < 1, ``shape`` has more than 2 entries or ``name`` is empty.

    Examples
    --------
    >>> kernel_symbols((2, 2))
    Matrix([
    [w_{0,0}, w_{0,1}],
    [w_{1,0}, w_{1,1}]])
    >>> kernel_symbols(3, name="q")
    Matrix([[q_{0}, q_{1}, q_{2}]])
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {_describe(name)}")
    if not name:
        raise ValueError("name must be a non-empty string, got ''")
    shape = _shape("shape", shape)
    if len(shape) == 1:
        return sympy.Matrix(1, shape[0], [sympy.Symbol(f"{name}_{{{j}}}") for j in range(shape[0])])
    rows, cols = shape
    return sympy.Matrix(rows, cols, [sympy.Symbol(f"{name}_{{{a},{b}}}") for a in range(rows) for b in range(cols)])


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
    TypeError, ValueError
        As :func:`conv_matrix`.

    Examples
    --------
    >>> pattern = conv_matrix_pattern(4, 3, padding=1)
    >>> pattern.shape
    (4, 4)
    >>> pattern.rows, pattern.cols, pattern.kernel_index
    (array([0, 0, 1, 1, 1, 2, 2, 2, 3, 3]), array([0, 1, 0, 1, 2, 1, 2, 3, 2, 3]), array([1, 2, 0, 1, 2, 0, 1, 2, 0, 1]))
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


def _kernel_entries(kernel, nd: int) -> tuple[tuple[int, ...], list]:
    """The kernel's shape and its entries (row-major) as SymPy expressions."""
    if isinstance(kernel, sympy.MatrixBase):
        shape, entries = kernel.shape, list(kernel)
        if nd == 1:
            if 1 not in shape:
                raise ValueError(
                    f"a 1-D input_shape needs a 1-D kernel (a one-row or one-column Matrix), got shape {shape}"
                )
            shape = (len(entries),)
    else:
        if isinstance(kernel, (str, bytes)) or kernel is None:
            raise TypeError(f"kernel must be an array of numbers or SymPy expressions, got {_describe(kernel)}")
        try:
            array = np.array(kernel, dtype=object)
        except (ValueError, TypeError) as err:
            raise ValueError(f"kernel must be a rectangular array ({err})") from None
        shape, entries = array.shape, list(array.ravel())
        if any(isinstance(entry, (list, tuple, np.ndarray, sympy.MatrixBase)) for entry in entries):
            raise ValueError(f"kernel must be a rectangular array, got ragged nesting: {_describe(kernel)}")
    if len(shape) != nd:
        raise ValueError(f"kernel must be {nd}-D like input_shape, got shape {tuple(shape)}")
    if 0 in shape:
        raise ValueError(f"kernel must not be empty, got shape {tuple(shape)}")
    converted = []
    for entry in entries:
        if isinstance(entry, (bool, np.bool_, str, bytes)):
            raise TypeError(f"kernel entries must be numbers or SymPy expressions, got {_describe(entry)}")
        try:
            value = sympy.sympify(entry, strict=True)
        except (sympy.SympifyError, TypeError, ValueError):
            raise TypeError(f"kernel entries must be numbers or SymPy expressions, got {_describe(entry)}") from None
        if not isinstance(value, sympy.Expr):
            raise TypeError(f"kernel entries must be numbers or SymPy expressions, got {_describe(entry)}")
        converted.append(value)
    return tuple(shape), converted


def conv_matrix(input_shape, kernel, stride=1, padding=0, dilation=1) -> sympy.SparseMatrix:
    """The convolution as a sparse SymPy matrix C: ``C @ x.ravel()`` is the output, flattened.

    Rows are output units and columns input units, both flattened row-major; padded positions
    have no columns. Cross-correlation, like :func:`course_lib.numeric.conv2d`.

    Parameters
    ----------
    input_shape : int or (int,) or (int, int)
        Unpadded input size; an int means 1-D.
    kernel : sympy Matrix, list, or numpy array of numbers or SymPy expressions
        E.g. :func:`kernel_symbols`. For a 1-D input, a one-row or one-column Matrix or a flat list.
    stride, dilation : int or tuple of ints
    padding : int, tuple, one (before, after) pair per axis, or "valid" / "same" / "full"
        As in :func:`course_lib.numeric.conv2d`.

    Returns
    -------
    sympy.SparseMatrix, shape (number of output units, number of input units)

    Raises
    ------
    TypeError
        If a parameter has the wrong type or a kernel entry is not a number or expression.
    ValueError
        If a parameter is out of range, the kernel's dimensionality does not match
        ``input_shape``, or the (dilated) kernel does not fit in the padded input.

    Examples
    --------
    The guide's Section 4.1 (Figure 2.1: 4×4 input, 3×3 kernel, no padding, unit strides):

    >>> C = conv_matrix((4, 4), kernel_symbols((3, 3)))
    >>> C.shape
    (4, 16)
    >>> C[0, :]
    Matrix([[w_{0,0}, w_{0,1}, w_{0,2}, 0, w_{1,0}, w_{1,1}, w_{1,2}, 0, w_{2,0}, w_{2,1}, w_{2,2}, 0, 0, 0, 0, 0]])
    >>> conv_matrix(4, [1, 2], stride=2)
    Matrix([
    [1, 2, 0, 0],
    [0, 0, 1, 2]])
    """
    input_shape = _shape("input_shape", input_shape)
    kernel_shape, entries = _kernel_entries(kernel, len(input_shape))
    pattern = conv_matrix_pattern(input_shape, kernel_shape, stride, padding, dilation)
    values = {
        (r, c): entries[tap]
        for r, c, tap in zip(pattern.rows.tolist(), pattern.cols.tolist(), pattern.kernel_index.tolist())
    }
    return sympy.SparseMatrix(*pattern.shape, values)


def transposed_conv_matrix(input_shape, kernel, stride=1, padding=0, dilation=1) -> sympy.SparseMatrix:
    """Cᵀ: the transposed convolution of conv(input_shape, kernel, ...) as a sparse matrix.

    The parameters describe the *direct* convolution, as in :func:`conv_matrix`; ``Cᵀ @ y``
    maps its output back to the shape of its input: it equals
    ``numeric.conv_transpose2d(y, kernel, stride=s, padding=p, output_padding=a)`` flattened,
    with ``a = (i + 2p - k̂) mod s``.

    Parameters
    ----------
    input_shape, kernel, stride, padding, dilation
        As :func:`conv_matrix`.

    Returns
    -------
    sympy.SparseMatrix, shape (number of input units, number of output units)

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_matrix`.

    Examples
    --------
    >>> transposed_conv_matrix(4, kernel_symbols(2), stride=2)
    Matrix([
    [w_{0},     0],
    [w_{1},     0],
    [    0, w_{0}],
    [    0, w_{1}]])
    """
    return conv_matrix(input_shape, kernel, stride, padding, dilation).T
