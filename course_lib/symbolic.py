"""The convolution matrix C and its transpose Cᵀ, with SymPy.

A convolution is linear, so it is a matrix: flatten the input and the output row-major, and
``C[r, c]`` is the kernel weight that connects input unit ``c`` to output unit ``r`` (0 where
they are not connected). Zero padding has no columns: padded units are constants, not inputs.
The transposed convolution is ``Cᵀ`` — hence its name (the guide's Section 4.1).

Like :mod:`course_lib.numeric` (and every deep-learning framework), C computes a
cross-correlation: ``C @ x.ravel() == numeric.conv2d(x, kernel, ...).ravel()``.

Where C's nonzeros are, and which kernel weight each one holds, is
:func:`course_lib.connectivity.conv_matrix_pattern` (re-exported here); this module fills that
pattern with SymPy expressions.
"""

from __future__ import annotations

import numpy as np
import sympy

from course_lib._validate import _describe, check_int
from course_lib.arithmetic import effective_kernel_size
from course_lib.connectivity import ConvMatrixPattern, _shape, conv_matrix_pattern

__all__ = [
    "kernel_symbols",
    "ConvMatrixPattern",
    "conv_matrix_pattern",
    "conv_matrix",
    "transposed_conv_matrix",
    "conv_matrix_by_rule",
    "is_toeplitz",
    "as_array",
]


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


def conv_matrix_by_rule(i, kernel, stride=1, padding=0, dilation=1) -> sympy.Matrix:
    """The 1-D C built entry by entry from the rule ``C[r, c] = w_j`` where ``c = r s - p + j d``.

    An independent construction (no connectivity pattern) to check :func:`conv_matrix` against.

    Parameters
    ----------
    i : int
        Input size (>= 1).
    kernel : sequence of numbers or SymPy expressions
        The taps ``w_0 ... w_{k-1}`` (k >= 1).
    stride, dilation : int (>= 1)
    padding : int (>= 0)

    Returns
    -------
    sympy.Matrix, shape (o, i) with ``o = floor((i + 2p - (k - 1) d - 1) / s) + 1``

    Raises
    ------
    TypeError
        If a size is not an integer or ``kernel`` is not a sequence.
    ValueError
        If a size is out of range or the dilated kernel does not fit in the padded input.

    Examples
    --------
    >>> conv_matrix_by_rule(4, [1, 2], stride=2)
    Matrix([
    [1, 2, 0, 0],
    [0, 0, 1, 2]])
    >>> conv_matrix_by_rule(5, [1, 2, 3], stride=2, padding=1) == conv_matrix(5, [1, 2, 3], stride=2, padding=1)
    True
    """
    i = check_int("i", i, minimum=1)
    s = check_int("stride", stride, minimum=1)
    p = check_int("padding", padding, minimum=0)
    d = check_int("dilation", dilation, minimum=1)
    if isinstance(kernel, (str, bytes)) or not hasattr(kernel, "__len__"):
        raise TypeError(f"kernel must be a sequence of taps, got {_describe(kernel)}")
    taps = [sympy.sympify(w) for w in kernel]
    k = len(taps)
    if k < 1:
        raise ValueError("kernel must have at least 1 tap, got 0")
    k_hat = effective_kernel_size(k, d)
    if k_hat > i + 2 * p:
        raise ValueError(f"the dilated kernel ({k_hat} units) must fit in the padded input (i + 2p = {i + 2 * p})")
    o = (i + 2 * p - k_hat) // s + 1
    return sympy.Matrix(o, i, lambda r, c: sum((taps[j] for j in range(k) if c == r * s - p + j * d), sympy.S.Zero))


def is_toeplitz(M) -> bool:
    """Whether every diagonal of ``M`` is constant: ``M[r, c] == M[r + 1, c + 1]`` everywhere.

    Parameters
    ----------
    M : sympy.MatrixBase

    Raises
    ------
    TypeError
        If ``M`` is not a SymPy matrix.

    Examples
    --------
    >>> is_toeplitz(conv_matrix(5, [1, 2, 3])), is_toeplitz(conv_matrix(5, [1, 2, 3], stride=2))
    (True, False)
    """
    if not isinstance(M, sympy.MatrixBase):
        raise TypeError(f"M must be a SymPy matrix, got {_describe(M)}")
    return all(M[r, c] == M[r + 1, c + 1] for r in range(M.rows - 1) for c in range(M.cols - 1))


def as_array(M, dtype=float) -> np.ndarray:
    """A SymPy matrix with numeric entries as a numpy array (for small matrices).

    Parameters
    ----------
    M : sympy.MatrixBase
        Every entry a number (no free symbols).
    dtype : numpy dtype
        ``float`` (default) or ``int``.

    Raises
    ------
    TypeError
        If ``M`` is not a SymPy matrix.
    ValueError
        If an entry is not a number (it still holds a symbol).

    Examples
    --------
    >>> as_array(conv_matrix(3, [1, 2]), dtype=int).tolist()
    [[1, 2, 0], [0, 1, 2]]
    """
    if not isinstance(M, sympy.MatrixBase):
        raise TypeError(f"M must be a SymPy matrix, got {_describe(M)}")
    if M.free_symbols:
        raise ValueError(f"M must have numeric entries, but it holds the symbols {sorted(map(str, M.free_symbols))}")
    return np.array(M.tolist(), dtype=dtype).reshape(M.shape)
