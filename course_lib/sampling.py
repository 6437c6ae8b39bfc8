"""The 1-D operator algebra of strided and transposed convolution, with exact SymPy matrices.

Signals are finite column vectors ``x = (x0, ..., x_{n-1})``. Every linear operator on them is a
matrix, so an identity between operators can be *proved* for a symbolic kernel
``q = (q0, q1, q2)`` by comparing matrices entry by entry for each input length ``n``.

Conventions (digital signal processing, as in André Bergner's answer to "What are deconvolutional
layers?" on Data Science Stack Exchange):

* ``(q∗)`` is **true** convolution ``y[i] = Σ_t q[t] x[i-t]`` (numpy.convolve), not the
  cross-correlation that deep-learning libraries call convolution.
* ``↓k`` keeps ``x0, xk, x2k, ...``; ``↑k`` puts ``k-1`` zeros after every sample (trailing
  ones included), so ``↑k x`` has length ``n k``.
* ``A @ B`` means "apply ``B`` first", written ``A ∘ B``.
* ``op.T`` is computed generically from ``op``'s matrices (see :class:`Transpose`), so a claim
  such as ``Up(k) == Down(k).T`` is checked, not assumed.

Compare operators with :func:`operators_agree`; :func:`identities` lists the course's claims
(true and false ones) ready to be checked.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
import functools

import numpy as np
import sympy

from course_lib._validate import _describe, check_int

__all__ = [
    "UndefinedLengthError",
    "down",
    "up",
    "conv_op",
    "flip",
    "convolve_kernels",
    "upsample_kernel",
    "kernel_phases",
    "Operator",
    "Identity",
    "Down",
    "Up",
    "Conv",
    "Shift",
    "StridedConv",
    "TransposedConv",
    "Compose",
    "Sum",
    "Transpose",
    "polyphase",
    "interleave",
    "Agreement",
    "operators_agree",
    "Claim",
    "identities",
    "max_pool_selection",
]

_MODES = ("full", "same", "valid")
_ZERO, _ONE = sympy.S.Zero, sympy.S.One
_SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class UndefinedLengthError(ValueError):
    """An operator is not defined for the requested input (or output) length.

    A subclass of ``ValueError``; :func:`operators_agree` skips lengths where it is raised.
    """


# ---------------------------------------------------------------------------------------------
# Argument checks


def _check_kernel(name: str, q) -> tuple:
    """Return ``q`` as a non-empty tuple of exact SymPy expressions.

    Python/numpy floats are converted to the exact rational value of their binary
    representation (0.5 -> 1/2), so that matrix comparisons stay exact.
    """
    if isinstance(q, sympy.MatrixBase):
        if min(q.shape) > 1:
            raise ValueError(f"{name} must be 1-D, got a SymPy matrix of shape {q.shape}")
        entries = list(q)
    elif isinstance(q, np.ndarray):
        if q.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got an array of shape {q.shape}")
        entries = q.tolist()
    elif isinstance(q, (tuple, list)):
        entries = list(q)
    else:
        raise TypeError(
            f"{name} must be a tuple, list or 1-D numpy array of numbers or SymPy expressions, "
            f"got {_describe(q)}"
        )
    if not entries:
        raise ValueError(f"{name} must have at least 1 entry, got {_describe(q)}")
    return tuple(_check_entry(f"{name}[{index}]", value) for index, value in enumerate(entries))


def _check_entry(name: str, value) -> sympy.Expr:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number or a SymPy expression, got {_describe(value)}")
    if isinstance(value, sympy.Basic):
        if not isinstance(value, sympy.Expr):
            raise TypeError(f"{name} must be a number or a SymPy expression, got {_describe(value)}")
        return value
    if isinstance(value, (numbers.Integral, np.integer)):
        return sympy.Integer(int(value))
    if isinstance(value, numbers.Rational):  # fractions.Fraction
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, (numbers.Real, np.floating)):
        if not math.isfinite(float(value)):
            raise ValueError(f"{name} must be finite, got {_describe(value)}")
        return sympy.Rational(float(value))
    raise TypeError(f"{name} must be a real number or a SymPy expression, got {_describe(value)}")


def _check_mode(mode) -> str:
    if not isinstance(mode, str):
        raise TypeError(f"mode must be one of 'full', 'same', 'valid', got {_describe(mode)}")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of 'full', 'same', 'valid', got {mode!r}")
    return mode


def _check_operator(name: str, op) -> Operator:
    if not isinstance(op, Operator):
        raise TypeError(f"{name} must be an Operator (e.g. Down(2) @ Conv(q)), got {_describe(op)}")
    return op


# ---------------------------------------------------------------------------------------------
# Matrices


def down(k, n) -> sympy.Matrix:
    """Matrix of downsampling ``↓k`` on length ``n``: keeps ``x0, xk, x2k, ...``.

    Parameters
    ----------
    k : int
        Factor, ``k >= 1``.
    n : int
        Input length, ``n >= 1``.

    Returns
    -------
    sympy.Matrix
        Shape ``ceil(n/k) x n``.

    Raises
    ------
    TypeError, ValueError
        If ``k`` or ``n`` is not an integer >= 1.

    Examples
    --------
    >>> down(2, 4)
    Matrix([
    [1, 0, 0, 0],
    [0, 0, 1, 0]])
    >>> down(2, 5).shape
    (3, 5)
    """
    k = check_int("k", k, minimum=1)
    n = check_int("n", n, minimum=1)
    return sympy.Matrix(_down_table(k, n))


def up(k, n) -> sympy.Matrix:
    """Matrix of zero-insertion upsampling ``↑k`` on length ``n``.

    Every sample is followed by ``k-1`` zeros, the last one included, so ``up(k, n)`` equals
    ``down(k, n*k).T``.

    Parameters
    ----------
    k : int
        Factor, ``k >= 1``.
    n : int
        Input length, ``n >= 1``.

    Returns
    -------
    sympy.Matrix
        Shape ``n*k x n``.

    Raises
    ------
    TypeError, ValueError
        If ``k`` or ``n`` is not an integer >= 1.

    Examples
    --------
    >>> up(2, 2)
    Matrix([
    [1, 0],
    [0, 0],
    [0, 1],
    [0, 0]])
    >>> up(3, 4) == down(3, 12).T
    True
    """
    k = check_int("k", k, minimum=1)
    n = check_int("n", n, minimum=1)
    return sympy.Matrix(_up_table(k, n))


def _conv_lengths(kernel_size: int, n: int, mode: str) -> tuple[int, int]:
    """Output length and the offset of the kept part of the full convolution."""
    if mode == "full":
        return n + kernel_size - 1, 0
    if n < kernel_size:
        raise UndefinedLengthError(
            f"n must be >= len(q) = {kernel_size} for mode {mode!r}, got {n} "
            "(numpy.convolve would swap the roles of x and q)"
        )
    if mode == "same":
        return n, (kernel_size - 1) // 2
    return n - kernel_size + 1, kernel_size - 1


# Matrices are built internally as "tables" (lists of rows of SymPy objects): creating and
# indexing sympy.Matrix entry by entry is two orders of magnitude slower.


def _table(rows: int, cols: int, entry) -> list[list]:
    return [[entry(i, j) for j in range(cols)] for i in range(rows)]


def _down_table(k: int, n: int) -> list[list]:
    return _table(-(-n // k), n, lambda i, j: _ONE if j == i * k else _ZERO)


def _up_table(k: int, n: int) -> list[list]:
    return _table(n * k, n, lambda i, j: _ONE if i == j * k else _ZERO)


def _conv_table(kernel: tuple, n: int, mode: str) -> list[list]:
    size = len(kernel)
    rows, offset = _conv_lengths(size, n, mode)

    def entry(i, j):
        t = i + offset - j
        return kernel[t] if 0 <= t < size else _ZERO

    return _table(rows, n, entry)


def conv_op(q, n, mode="full") -> sympy.Matrix:
    """Matrix of true convolution with kernel ``q`` on length ``n`` (numpy.convolve's modes).

    ``conv_op(q, n, mode) @ x`` equals ``numpy.convolve(x, q, mode)``. Modes ``'same'`` and
    ``'valid'`` need ``n >= len(q)`` (numpy would swap the roles of ``x`` and ``q``).

    Parameters
    ----------
    q : tuple, list or 1-D numpy array
        Kernel of numbers or SymPy expressions (floats are converted exactly).
    n : int
        Input length, ``n >= 1``.
    mode : {'full', 'same', 'valid'}
        Output length ``n+K-1``, ``n`` (centred like numpy) or ``n-K+1``; ``K = len(q)``.

    Returns
    -------
    sympy.Matrix

    Raises
    ------
    TypeError, ValueError
        For a bad kernel, length or mode; :class:`UndefinedLengthError` (a ``ValueError``)
        when ``n < len(q)`` in modes ``'same'`` and ``'valid'``.

    Examples
    --------
    >>> q = sympy.symbols("q0:3")
    >>> conv_op(q, 4, "same")
    Matrix([
    [q1, q0,  0,  0],
    [q2, q1, q0,  0],
    [ 0, q2, q1, q0],
    [ 0,  0, q2, q1]])
    >>> conv_op((1, 2), 2)
    Matrix([
    [1, 0],
    [2, 1],
    [0, 2]])
    """
    kernel = _check_kernel("q", q)
    n = check_int("n", n, minimum=1)
    return sympy.Matrix(_conv_table(kernel, n, _check_mode(mode)))


# ---------------------------------------------------------------------------------------------
# Kernel helpers


def flip(q) -> tuple:
    """The kernel reversed (rotated by 180° in 1-D).

    Examples
    --------
    >>> flip(sympy.symbols("q0:3"))
    (q2, q1, q0)
    """
    return _check_kernel("q", q)[::-1]


def convolve_kernels(a, b) -> tuple:
    """Exact full convolution ``a ∗ b`` of two kernels.

    Examples
    --------
    >>> convolve_kernels((1, 1), sympy.symbols("q0:3"))
    (q0, q0 + q1, q1 + q2, q2)
    """
    a = _check_kernel("a", a)
    b = _check_kernel("b", b)
    return tuple(
        sympy.Add(*(a[t] * b[i - t] for t in range(len(a)) if 0 <= i - t < len(b)))
        for i in range(len(a) + len(b) - 1)
    )


def upsample_kernel(h, M) -> tuple:
    """The kernel ``h↑M``: ``M-1`` zeros between consecutive taps (none after the last).

    In z-transform terms this is ``H(z^M)``, the kernel of the noble identities.

    Examples
    --------
    >>> upsample_kernel(sympy.symbols("h0:3"), 2)
    (h0, 0, h1, 0, h2)
    """
    kernel = _check_kernel("h", h)
    M = check_int("M", M, minimum=1)
    stretched = [sympy.S.Zero] * ((len(kernel) - 1) * M + 1)
    stretched[::M] = kernel
    return tuple(stretched)


def kernel_phases(w, s) -> list[tuple]:
    """The ``s`` polyphase components ``w[r::s]``, zero-padded to a common length ``ceil(K/s)``.

    Examples
    --------
    >>> kernel_phases(sympy.symbols("w0:5"), 2)
    [(w0, w2, w4), (w1, w3, 0)]
    """
    kernel = _check_kernel("w", w)
    s = check_int("s", s, minimum=1)
    length = -(-len(kernel) // s)
    return [
        kernel[r::s] + (sympy.S.Zero,) * (length - len(kernel[r::s])) for r in range(s)
    ]


def _kernel_name(kernel: tuple) -> str | None:
    """``'q'`` for the kernel ``(q0, q1, ...)`` or ``(q_0, q_1, ...)`` of plain symbols."""
    base = None
    for index, entry in enumerate(kernel):
        if not isinstance(entry, sympy.Symbol):
            return None
        match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", entry.name)
        if match is None or int(match.group(2)) != index or base not in (None, match.group(1)):
            return None
        base = match.group(1)
    return base


# ---------------------------------------------------------------------------------------------
# Operators


def _matmul(a: list[list], b: list[list]) -> list[list]:
    """Product of two sparse symbolic tables, skipping zeros."""
    cols = len(b[0])
    sparse_b = [[(col, value) for col, value in enumerate(row) if value != 0] for row in b]
    result = []
    for row in a:
        terms: dict[int, list] = {}
        for j, left in enumerate(row):
            if left != 0:
                for col, right in sparse_b[j]:
                    terms.setdefault(col, []).append(left * right)
        result.append([sympy.Add(*terms[col]) if col in terms else _ZERO for col in range(cols)])
    return result


class Operator:
    """A length-generic linear operator on 1-D signals.

    Subclasses define ``out_len(n)``, ``in_len(m)`` (a canonical input length whose output has
    length ``m``, used by :class:`Transpose`), ``_table(n)`` and their display. Operators
    compose with ``@`` (``A @ B`` applies ``B`` first), add with ``+`` and transpose with
    ``.T``. Compare them with :func:`operators_agree`, not ``==``.
    """

    _atomic = True  # whether the display needs no parentheses inside a composition
    __array_ufunc__ = None  # make numpy defer to our reflected operators (and their errors)

    def out_len(self, n) -> int:  # pragma: no cover - overridden
        """Output length for input length ``n``.

        Raises
        ------
        UndefinedLengthError
            If the operator is not defined for length ``n``.

        Examples
        --------
        >>> Down(2).out_len(5)
        3
        """
        raise NotImplementedError

    def in_len(self, m) -> int:  # pragma: no cover - overridden
        """The canonical input length whose output has length ``m`` (used by ``.T``).

        Raises
        ------
        UndefinedLengthError
            If no input length gives output length ``m``.

        Examples
        --------
        >>> Down(2).in_len(3)
        6
        """
        raise NotImplementedError

    def _table(self, n: int) -> list[list]:  # pragma: no cover - overridden
        raise NotImplementedError

    def matrix(self, n) -> sympy.Matrix:
        """The operator's exact matrix for input length ``n``.

        Parameters
        ----------
        n : int
            Input length, ``n >= 1``.

        Returns
        -------
        sympy.Matrix
            Shape ``out_len(n) x n``.

        Raises
        ------
        UndefinedLengthError
            If the operator is not defined for length ``n``.

        Examples
        --------
        >>> (Down(2) @ Up(2)).matrix(2)
        Matrix([
        [1, 0],
        [0, 1]])
        """
        return sympy.Matrix(self._checked_table(check_int("n", n, minimum=1)))

    def _checked_table(self, n: int) -> list[list]:
        table = self._table(n)
        shape = (len(table), len(table[0]))
        if shape != (self.out_len(n), n):  # an internal invariant, checked cheaply
            raise RuntimeError(f"{self}: matrix shape {shape} != ({self.out_len(n)}, {n})")
        return table

    def apply(self, x) -> sympy.Matrix:
        """Apply the operator to a signal, returning a column vector.

        Examples
        --------
        >>> Up(2).apply(sympy.symbols("x0:2")).T
        Matrix([[x0, 0, x1, 0]])
        """
        signal = _check_kernel("x", x)
        return self.matrix(len(signal)) * sympy.Matrix(signal)

    def __matmul__(self, other):
        _check_operator("right operand of @", other)
        return Compose(self, other)

    def __rmatmul__(self, other):
        # Only reached when the left operand is not an Operator, so this always raises.
        return Compose(_check_operator("left operand of @", other), self)

    def __add__(self, other):
        _check_operator("right operand of +", other)
        return Sum(self, other)

    def __radd__(self, other):
        # Only reached when the left operand is not an Operator, so this always raises.
        return Sum(_check_operator("left operand of +", other), self)

    def __eq__(self, other):
        raise TypeError(
            "operators are not compared with ==; use operators_agree(lhs, rhs), which compares "
            "their matrices for a range of input lengths"
        )

    __hash__ = object.__hash__

    @property
    def T(self) -> Transpose:
        """The transposed operator (generic; see :class:`Transpose`)."""
        return Transpose(self)

    def latex(self) -> str:  # pragma: no cover - overridden
        """LaTeX of the operator, without dollar signs (``_repr_latex_`` adds them).

        Examples
        --------
        >>> print((Down(2) @ Conv(sympy.symbols("q0:3"))).latex())
        \\downarrow_{2} \\circ (q \\ast)
        """
        raise NotImplementedError

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __str__(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self) -> str:
        return str(self)


def _length(name: str, value) -> int:
    return check_int(name, value, minimum=1)


class Identity(Operator):
    """The identity ``I`` on any length.

    Examples
    --------
    >>> Identity().matrix(2)
    Matrix([
    [1, 0],
    [0, 1]])
    """

    def out_len(self, n) -> int:
        return _length("n", n)

    def in_len(self, m) -> int:
        return _length("m", m)

    def _table(self, n):
        return _table(n, n, lambda i, j: _ONE if i == j else _ZERO)

    def latex(self):
        return "I"

    def __str__(self):
        return "I"


class Down(Operator):
    """Downsampling ``↓k``: keeps every ``k``-th sample starting with ``x0``.

    ``out_len(n) = ceil(n/k)``; the canonical preimage of length ``m`` is ``m*k``.

    Examples
    --------
    >>> Down(2)
    ↓₂
    >>> Down(2).out_len(5), Down(2).in_len(3)
    (3, 6)
    """

    def __init__(self, k):
        self.k = check_int("k", k, minimum=1)

    def out_len(self, n):
        return -(-_length("n", n) // self.k)

    def in_len(self, m):
        return _length("m", m) * self.k

    def _table(self, n):
        return _down_table(self.k, n)

    def latex(self):
        return rf"\downarrow_{{{self.k}}}"

    def __str__(self):
        return "↓" + str(self.k).translate(_SUBSCRIPTS)


class Up(Operator):
    """Zero-insertion upsampling ``↑k`` (``k-1`` zeros after every sample).

    ``out_len(n) = n*k``; a length ``m`` has a preimage only when ``k`` divides ``m``.

    Examples
    --------
    >>> Up(3).out_len(2)
    6
    >>> Up(3).in_len(7)
    Traceback (most recent call last):
    ...
    course_lib.sampling.UndefinedLengthError: ↑₃ has no input length giving output length 7 (must be a multiple of 3)
    """

    def __init__(self, k):
        self.k = check_int("k", k, minimum=1)

    def out_len(self, n):
        return _length("n", n) * self.k

    def in_len(self, m):
        m = _length("m", m)
        if m % self.k:
            raise UndefinedLengthError(
                f"{self} has no input length giving output length {m} (must be a multiple of {self.k})"
            )
        return m // self.k

    def _table(self, n):
        return _up_table(self.k, n)

    def latex(self):
        return rf"\uparrow_{{{self.k}}}"

    def __str__(self):
        return "↑" + str(self.k).translate(_SUBSCRIPTS)


def _kernel_text(kernel: tuple, name: str | None, latex: bool) -> str:
    if name is not None:
        return name
    auto = _kernel_name(kernel)
    if auto is not None:
        return auto
    show = sympy.latex if latex else str
    return "(" + ", ".join(show(entry) for entry in kernel) + ")"


def _argument_text(kernel: tuple, name: str | None, latex: bool) -> str:
    """The kernel as a function argument: ``(q)`` or ``(q2, q1, q0)`` (no double parentheses)."""
    text = _kernel_text(kernel, name, latex)
    return text if name is None and text.startswith("(") else f"({text})"


def _check_name(name):
    if name is not None:
        if not isinstance(name, str):
            raise TypeError(f"name must be a string or None, got {_describe(name)}")
        if not name.strip():
            raise ValueError(f"name must be a non-empty string, got {name!r}")
    return name


class Conv(Operator):
    """True convolution ``(q∗)`` with numpy.convolve's ``mode`` (see :func:`conv_op`).

    Parameters
    ----------
    q : tuple, list or 1-D numpy array
        Kernel of numbers or SymPy expressions.
    mode : {'full', 'same', 'valid'}
    name : str, optional
        How to display the kernel (used verbatim in LaTeX). By default a kernel of symbols
        ``q0, q1, ...`` shows as ``q`` and any other kernel as its tuple of entries.

    Notes
    -----
    Canonical preimage of output length ``m``: ``m-K+1`` (full), ``m`` (same), ``m+K-1``
    (valid).

    Examples
    --------
    >>> q = sympy.symbols("q0:3")
    >>> Down(2) @ Conv(q)
    ↓₂ ∘ (q∗)
    >>> Conv((1, 1), "valid")
    ((1, 1)∗)[valid]
    >>> Conv(q, "same").out_len(2)
    Traceback (most recent call last):
    ...
    course_lib.sampling.UndefinedLengthError: n must be >= len(q) = 3 for mode 'same', got 2 (numpy.convolve would swap the roles of x and q)
    """

    def __init__(self, q, mode="full", name=None):
        self.q = _check_kernel("q", q)
        self.mode = _check_mode(mode)
        self.name = _check_name(name)

    def out_len(self, n):
        return _conv_lengths(len(self.q), _length("n", n), self.mode)[0]

    def in_len(self, m):
        m = _length("m", m)
        size = len(self.q)
        if self.mode == "full":
            if m < size:
                raise UndefinedLengthError(
                    f"{self} has no input length giving output length {m} (must be >= {size})"
                )
            return m - size + 1
        if self.mode == "same":
            if m < size:
                raise UndefinedLengthError(
                    f"{self} has no input length giving output length {m} (must be >= {size})"
                )
            return m
        return m + size - 1

    def _table(self, n):
        return _conv_table(self.q, n, self.mode)

    def latex(self):
        body = rf"({_kernel_text(self.q, self.name, True)} \ast)"
        return body if self.mode == "full" else body + rf"_{{\mathrm{{{self.mode}}}}}"

    def __str__(self):
        body = f"({_kernel_text(self.q, self.name, False)}∗)"
        return body if self.mode == "full" else f"{body}[{self.mode}]"


class Shift(Operator):
    """Same-length delay by ``r``: ``y[m] = x[m-r]`` (zero where ``m-r`` is out of range).

    Written ``z^{-r}`` as in DSP. A negative ``r`` advances the signal.

    Examples
    --------
    >>> Shift(1).apply(sympy.symbols("x0:3")).T
    Matrix([[0, x0, x1]])
    >>> Shift(1)
    z⁻¹
    """

    def __init__(self, r):
        self.r = check_int("r", r)

    def out_len(self, n):
        return _length("n", n)

    def in_len(self, m):
        return _length("m", m)

    def _table(self, n):
        return _table(n, n, lambda i, j: _ONE if i - j == self.r else _ZERO)

    def latex(self):
        return f"z^{{{-self.r}}}"

    def __str__(self):
        return "z" + str(-self.r).translate(_SUPERSCRIPTS)


class StridedConv(Operator):
    """A deep-learning strided convolution without padding, built from its own index formula.

    ``y[j] = Σ_t q[t] x[j*s + K-1-t]``: torch's ``conv1d`` (a cross-correlation) with the
    flipped kernel, stride ``s`` and no padding, so ``out_len(n) = (n-K)//s + 1`` for
    ``n >= K``. The canonical preimage of ``m`` is the shortest one, ``(m-1)s + K``.

    Examples
    --------
    >>> StridedConv(sympy.symbols("q0:3"), 2).matrix(5)
    Matrix([
    [q2, q1, q0,  0,  0],
    [ 0,  0, q2, q1, q0]])
    """

    def __init__(self, q, s, name=None):
        self.q = _check_kernel("q", q)
        self.s = check_int("s", s, minimum=1)
        self.name = _check_name(name)

    def out_len(self, n):
        n = _length("n", n)
        if n < len(self.q):
            raise UndefinedLengthError(f"n must be >= len(q) = {len(self.q)} for {self}, got {n}")
        return (n - len(self.q)) // self.s + 1

    def in_len(self, m):
        return (_length("m", m) - 1) * self.s + len(self.q)

    def _table(self, n):
        size = len(self.q)

        def entry(j, i):
            t = j * self.s + size - 1 - i
            return self.q[t] if 0 <= t < size else _ZERO

        return _table(self.out_len(n), n, entry)

    def latex(self):
        return rf"\mathrm{{sconv}}_{{{self.s}}}{_argument_text(self.q, self.name, True)}"

    def __str__(self):
        return f"sconv[s={self.s}]{_argument_text(self.q, self.name, False)}"


class TransposedConv(Operator):
    """A transposed convolution as a scatter, built from its own index formula.

    ``y[j*s + t] += q[t] x[j]``; ``out_len(n) = (n-1)s + K + output_padding`` (the last
    ``output_padding`` entries are computed, not appended zeros; like PyTorch,
    ``output_padding < s``).

    Examples
    --------
    >>> q = sympy.symbols("q0:3")
    >>> TransposedConv(q, 2).matrix(2)
    Matrix([
    [q0,  0],
    [q1,  0],
    [q2, q0],
    [ 0, q1],
    [ 0, q2]])
    >>> TransposedConv(q, 2, output_padding=1)
    tconv[s=2, a=1](q)
    """

    def __init__(self, q, s, output_padding=0, name=None):
        self.q = _check_kernel("q", q)
        self.s = check_int("s", s, minimum=1)
        self.output_padding = check_int("output_padding", output_padding, minimum=0, maximum=self.s - 1)
        self.name = _check_name(name)

    def out_len(self, n):
        return (_length("n", n) - 1) * self.s + len(self.q) + self.output_padding

    def in_len(self, m):
        m = _length("m", m)
        extra = m - len(self.q) - self.output_padding
        if extra < 0 or extra % self.s:
            raise UndefinedLengthError(
                f"{self} has no input length giving output length {m} "
                f"(must be {len(self.q) + self.output_padding} + a multiple of {self.s})"
            )
        return extra // self.s + 1

    def _table(self, n):
        size = len(self.q)

        def entry(i, j):
            t = i - j * self.s
            return self.q[t] if 0 <= t < size else _ZERO

        return _table(self.out_len(n), n, entry)

    def latex(self):
        sub = f"{self.s}" if not self.output_padding else rf"{self.s},\,a={self.output_padding}"
        return rf"\mathrm{{tconv}}_{{{sub}}}{_argument_text(self.q, self.name, True)}"

    def __str__(self):
        sub = f"s={self.s}" + (f", a={self.output_padding}" if self.output_padding else "")
        return f"tconv[{sub}]{_argument_text(self.q, self.name, False)}"


class Compose(Operator):
    """``outer ∘ inner``: apply ``inner`` first. Usually written ``outer @ inner``.

    Examples
    --------
    >>> op = Down(2) @ Conv(sympy.symbols("q0:3"))
    >>> op.out_len(4), op.in_len(3)
    (3, 4)
    """

    _atomic = False

    def __init__(self, outer, inner):
        self.outer = _check_operator("outer", outer)
        self.inner = _check_operator("inner", inner)

    def out_len(self, n):
        return self.outer.out_len(self.inner.out_len(n))

    def in_len(self, m):
        return self.inner.in_len(self.outer.in_len(m))

    def _table(self, n):
        return _matmul(self.outer._table(self.inner.out_len(n)), self.inner._table(n))

    def _factors(self):
        for part in (self.outer, self.inner):
            yield from part._factors() if isinstance(part, Compose) else (part,)

    def latex(self):
        return r" \circ ".join(
            part.latex() if not isinstance(part, Sum) else rf"\left({part.latex()}\right)"
            for part in self._factors()
        )

    def __str__(self):
        return " ∘ ".join(
            str(part) if not isinstance(part, Sum) else f"({part})" for part in self._factors()
        )


class Sum(Operator):
    """``left + right``; both must give the same output length for each input length.

    Examples
    --------
    >>> (Identity() + Shift(1)).matrix(3)
    Matrix([
    [1, 0, 0],
    [1, 1, 0],
    [0, 1, 1]])
    >>> (Identity() + Down(2)).matrix(3)
    Traceback (most recent call last):
    ...
    ValueError: cannot add operators with different output lengths: I gives 3 and ↓₂ gives 2 for input length n=3
    """

    _atomic = False

    def __init__(self, left, right):
        self.left = _check_operator("left", left)
        self.right = _check_operator("right", right)

    def out_len(self, n):
        left, right = self.left.out_len(n), self.right.out_len(n)
        if left != right:
            raise ValueError(
                "cannot add operators with different output lengths: "
                f"{self.left} gives {left} and {self.right} gives {right} for input length n={n}"
            )
        return left

    def in_len(self, m):
        m = _length("m", m)
        for term in (self.left, self.right):
            try:
                candidate = term.in_len(m)
                if self.out_len(candidate) == m:
                    return candidate
            except UndefinedLengthError:
                continue
        raise UndefinedLengthError(f"{self} has no input length giving output length {m}")

    def _table(self, n):
        self.out_len(n)
        return [
            [a + b for a, b in zip(left, right)]
            for left, right in zip(self.left._table(n), self.right._table(n))
        ]

    def latex(self):
        return f"{self.left.latex()} + {self.right.latex()}"

    def __str__(self):
        return f"{self.left} + {self.right}"


class Transpose(Operator):
    """The transpose of an operator, computed from the operator's own matrices.

    ``Transpose(op).matrix(n) = op.matrix(op.in_len(n)).T``: a length-generic operator maps
    several input lengths to the same output length (``↓2`` maps 5 and 6 to 3), so its
    transpose needs a choice, the canonical preimage ``op.in_len``. Different but equal-valued
    operators may choose differently, and then their transposes differ (this is PyTorch's
    ``output_padding``).

    Examples
    --------
    >>> Down(2).T.matrix(2) == up(2, 2)
    True
    >>> (Down(2) @ Conv(sympy.symbols("q0:3"))).T
    (↓₂ ∘ (q∗))ᵀ
    >>> Down(2).T.latex()
    '\\\\downarrow_{2}^{T}'
    """

    def __init__(self, op):
        self.op = _check_operator("op", op)

    def out_len(self, n):
        return self.op.in_len(n)

    def in_len(self, m):
        candidate = self.op.out_len(m)
        if self.op.in_len(candidate) != m:
            raise UndefinedLengthError(
                f"{self} has no input length giving output length {m} "
                f"({self.op} maps {m} to {candidate}, whose canonical preimage is not {m})"
            )
        return candidate

    def _table(self, n):
        return [list(column) for column in zip(*self.op._table(self.op.in_len(n)))]

    def latex(self):
        inner = self.op.latex()
        if self.op._atomic and not isinstance(self.op, Transpose):
            return inner + "^{T}"
        return f"({inner})^{{T}}"

    def __str__(self):
        inner = str(self.op)
        if self.op._atomic and not isinstance(self.op, Transpose):
            return inner + "ᵀ"
        return f"({inner})ᵀ"


def polyphase(w, s) -> Operator:
    """A stride-``s`` transposed convolution written as ``s`` interleaved convolutions.

    Returns ``Σ_r z^{-r} ∘ ↑s ∘ (w_r∗)`` with the phases ``w_r = w[r::s]`` of
    :func:`kernel_phases` (all of length ``L = ceil(K/s)``). On input length ``n`` it has
    output length ``(n+L-1)s``, which equals ``TransposedConv(w, s, output_padding=(-K) % s)``;
    the two agree entry by entry (sub-pixel convolution, Shi et al. 2016).

    Parameters
    ----------
    w : tuple, list or 1-D numpy array
        Kernel.
    s : int
        Stride, ``s >= 1``.

    Returns
    -------
    Operator

    Examples
    --------
    >>> w = sympy.symbols("w0:3")
    >>> polyphase(w, 2)
    ↑₂ ∘ ((w0, w2)∗) + z⁻¹ ∘ ↑₂ ∘ ((w1, 0)∗)
    >>> bool(operators_agree(polyphase(w, 2), TransposedConv(w, 2, output_padding=1)))
    True
    """
    phases = kernel_phases(w, s)
    s = check_int("s", s, minimum=1)
    terms = [
        (Up(s) @ Conv(phase)) if r == 0 else (Shift(r) @ Up(s) @ Conv(phase))
        for r, phase in enumerate(phases)
    ]
    return functools.reduce(Sum, terms)


def interleave(outputs, s) -> np.ndarray:
    """Interleave ``s`` phase outputs: ``outputs[r]`` fills positions ``r, r + s, r + 2s, ...``.

    The numeric counterpart of :func:`polyphase`: with ``outputs[r] = numpy.convolve(x, w_r)`` for
    the phases ``w_r`` of a kernel (:func:`kernel_phases`), the result is the stride-``s``
    transposed convolution of ``x`` with the kernel. The output has ``sum(len(o) for o in outputs)``
    samples, so phase ``r`` must have ``ceil((total - r) / s)`` of them.

    Parameters
    ----------
    outputs : sequence of 1-D array_like
        One output per phase, ``len(outputs) == s``.
    s : int
        Stride (number of phases), ``s >= 1``.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError
        If ``s`` is not an integer or ``outputs`` is not a sequence of 1-D sequences of numbers.
    ValueError
        If ``len(outputs) != s``, or an output does not have the length its phase needs.

    Examples
    --------
    >>> interleave([[1, 2, 3], [10, 20]], 2).tolist()
    [1, 10, 2, 20, 3]
    """
    s = check_int("s", s, minimum=1)
    if isinstance(outputs, (str, bytes)) or not hasattr(outputs, "__len__"):
        raise TypeError(f"outputs must be a sequence of {s} 1-D sequences, got {_describe(outputs)}")
    if len(outputs) != s:
        raise ValueError(f"outputs must hold one output per phase (s = {s}), got {len(outputs)}")
    arrays = []
    for r, output in enumerate(outputs):
        array = np.asarray(output)
        if array.ndim != 1 or not (np.issubdtype(array.dtype, np.number) or array.dtype == object):
            raise TypeError(f"outputs[{r}] must be a 1-D sequence of numbers, got {_describe(output)}")
        arrays.append(array)
    total = sum(len(a) for a in arrays)
    for r, array in enumerate(arrays):
        needed = len(range(r, total, s))
        if len(array) != needed:
            raise ValueError(f"outputs[{r}] must have {needed} samples (positions {r}, {r} + {s}, ... "
                             f"of {total}), got {len(array)}")
    result = np.zeros(total, dtype=np.result_type(*arrays))
    for r, array in enumerate(arrays):
        result[r::s] = array
    return result


# ---------------------------------------------------------------------------------------------
# Comparing operators


@dataclass(frozen=True)
class Agreement:
    """Result of :func:`operators_agree`; truthy when the operators agree.

    Attributes
    ----------
    holds : bool
    compared : tuple of int
        Lengths where both sides were defined and compared (up to the first difference).
    skipped : tuple of int
        Lengths where neither side is defined.
    n : int or None
        First length that differs.
    reason : {'domain', 'shape', 'entries'} or None
        ``'domain'``: only one side is defined for ``n``.
    detail : str
        What differs, as a sentence ("the left side is a 2×1 matrix, the right side 1×1").
    lhs_matrix, rhs_matrix : sympy.Matrix or None
        The two matrices at ``n`` (when both are defined).
    skipped_reason : str
        Why the left side is undefined at the first skipped length ("" when none is skipped).

    Examples
    --------
    >>> print(operators_agree(Up(2), Down(2).T, lengths=range(1, 5)))
    both sides have equal matrices for every input length n = 1 to 4
    """

    holds: bool
    compared: tuple
    skipped: tuple
    n: int | None = None
    reason: str | None = None
    detail: str = ""
    lhs_matrix: sympy.Matrix | None = None
    rhs_matrix: sympy.Matrix | None = None
    skipped_reason: str = ""

    def __bool__(self) -> bool:
        return self.holds

    def __str__(self) -> str:
        if self.holds:
            text = f"both sides have equal matrices for every input length {_lengths_text(self.compared)}"
            if self.skipped:
                text += (f"; {_lengths_text(self.skipped)} {'is' if len(self.skipped) == 1 else 'are'} not "
                         "compared, because neither side is defined there")
                if self.skipped_reason:
                    text += f" ({self.skipped_reason})"
            return text
        return f"the two sides differ at input length n = {self.n}: {self.detail}"

    def __repr__(self) -> str:
        return f"<Agreement: {self}>"


def _lengths_text(lengths: tuple) -> str:
    """``(1, ..., 12)`` -> ``'n = 1 to 12'``; ``(3, 5)`` -> ``'n = 3 and 5'``; runs of 3 or more as "a to b"."""
    parts, start = [], None
    for index, value in enumerate(lengths):
        if start is None:
            start = value
        if index + 1 == len(lengths) or lengths[index + 1] != value + 1:
            if value - start >= 2:
                parts.append(f"{start} to {value}")
            else:
                parts += [str(v) for v in range(start, value + 1)]
            start = None
    if len(parts) > 1:
        parts = [", ".join(parts[:-1]), parts[-1]]
    return "n = " + " and ".join(parts)


def _plain_reason(error: str) -> str:
    """Why an operator is undefined, in words: most often a convolution inside it gets an input shorter
    than its kernel (its error message then names ``len(q)``)."""
    if "len(q)" in error:
        return "a convolution in the left side would get an input shorter than its kernel"
    return f"the left side says: {error}"


def _maybe_matrix(table):
    return None if table is None else sympy.Matrix(table)


def _try_table(op: Operator, n: int):
    try:
        return op._checked_table(n), None
    except UndefinedLengthError as error:
        return None, str(error)


def operators_agree(lhs, rhs, lengths=range(1, 13)) -> Agreement:
    """Whether two operators have equal matrices for every input length in ``lengths``.

    Lengths where neither side is defined are skipped; a length where exactly one side is
    defined is a difference. Entries are compared exactly (``sympy.expand`` of the difference
    is 0), so a symbolic kernel proves the identity for all kernels of its length.

    Parameters
    ----------
    lhs, rhs : Operator
    lengths : iterable of int
        Input lengths (each >= 1) to compare.

    Returns
    -------
    Agreement
        Truthy when they agree; otherwise it names the first differing length and why.

    Raises
    ------
    TypeError
        If ``lhs``/``rhs`` are not operators or ``lengths`` is not an iterable of integers.
    ValueError
        If ``lengths`` is empty or no length could be compared (both sides undefined
        everywhere), or if an operator is ill-formed (e.g. a sum of mismatched lengths).

    Examples
    --------
    >>> operators_agree(Up(2), Down(2).T)
    <Agreement: both sides have equal matrices for every input length n = 1 to 12>
    >>> operators_agree(Up(2) @ Down(2), Identity())
    <Agreement: the two sides differ at input length n = 1: the left side is a 2×1 matrix, the right side 1×1>
    >>> print(operators_agree(Up(2) @ Down(2), Identity(), lengths=[2]))
    the two sides differ at input length n = 2: entry (1, 1) is 0 on the left side and 1 on the right side
    """
    _check_operator("lhs", lhs)
    _check_operator("rhs", rhs)
    if isinstance(lengths, (str, bytes)) or not hasattr(lengths, "__iter__"):
        raise TypeError(f"lengths must be an iterable of integers >= 1, got {_describe(lengths)}")
    lengths = [check_int("lengths[{}]".format(i), n, minimum=1) for i, n in enumerate(lengths)]
    if not lengths:
        raise ValueError("lengths must contain at least one length, got an empty iterable")
    compared, skipped, skipped_reason = [], [], ""
    for n in lengths:
        left, left_error = _try_table(lhs, n)
        right, right_error = _try_table(rhs, n)
        if left is None and right is None:
            if not skipped:
                skipped_reason = _plain_reason(left_error)
            skipped.append(n)
            continue
        found = functools.partial(Agreement, False, tuple(compared), tuple(skipped), n)
        if left is None or right is None:
            side, error = ("left", left_error) if left is None else ("right", right_error)
            return found("domain", f"only one side is defined there; the {side} side says: {error}",
                         _maybe_matrix(left), _maybe_matrix(right))
        left_shape, right_shape = (len(left), len(left[0])), (len(right), len(right[0]))
        if left_shape != right_shape:
            return found("shape", "the left side is a {}×{} matrix, the right side {}×{}".format(*left_shape, *right_shape),
                         sympy.Matrix(left), sympy.Matrix(right))
        for i, (left_row, right_row) in enumerate(zip(left, right)):
            for j, (a, b) in enumerate(zip(left_row, right_row)):
                if a != b and sympy.expand(a - b) != 0:
                    return found("entries", f"entry ({i}, {j}) is {a} on the left side and {b} on the right side",
                                 sympy.Matrix(left), sympy.Matrix(right))
        compared.append(n)
    if not compared:
        raise ValueError(
            f"lengths: neither side is defined for any of {lengths}; pass longer lengths"
        )
    return Agreement(True, tuple(compared), tuple(skipped), skipped_reason=skipped_reason)


# ---------------------------------------------------------------------------------------------
# The course's claims


@dataclass(frozen=True)
class Claim:
    """A named claim ``lhs == rhs`` and whether it is expected to hold.

    Attributes
    ----------
    name : str
        Short statement, e.g. ``'↑k = ↓kᵀ'``.
    lhs, rhs : Operator
    holds : bool
        Expected outcome for a generic kernel of length >= 2 (a special kernel can make a false
        claim true: a symmetric one needs no flip, one of length 1 commutes with ↓M).
    note : str
        Why it holds or fails.
    lengths : tuple of int
        Input lengths to compare.
    """

    name: str
    lhs: Operator
    rhs: Operator
    holds: bool
    note: str = ""
    lengths: tuple = tuple(range(1, 13))

    def check(self) -> Agreement:
        """Compare ``lhs`` and ``rhs`` with :func:`operators_agree` on ``lengths``.

        Examples
        --------
        >>> Claim("↑2 = ↓2ᵀ", Up(2), Down(2).T, True).check()
        <Agreement: both sides have equal matrices for every input length n = 1 to 12>
        """
        return operators_agree(self.lhs, self.rhs, self.lengths)

    def __str__(self) -> str:
        return f"{self.name}: {self.lhs}  vs  {self.rhs}"


def identities(q=None, k=2) -> list[Claim]:
    """The course's operator claims (true and false) for kernel ``q`` and factor ``k``.

    The claims' names write the factor of ↓ and ↑ as M and the stride as s (both are ``k`` here).

    Parameters
    ----------
    q : tuple, list or 1-D numpy array, optional
        Kernel; default the symbolic ``(q0, q1, q2)``. Use a symbolic kernel to prove the
        identities for all kernels of that length. The claims marked false are false for a
        generic kernel of length >= 2; a length-1 or symmetric kernel makes some of them true.
    k : int
        Up/downsampling factor and stride, ``k >= 2`` (with ``k = 1`` the false claims hold).

    Returns
    -------
    list of Claim
        Check each with ``claim.check()``; ``bool(claim.check()) == claim.holds``.

    Examples
    --------
    >>> claims = identities()
    >>> all(bool(claim.check()) == claim.holds for claim in claims)
    True
    >>> print(claims[0])
    ↑M = ↓Mᵀ: ↑₂  vs  ↓₂ᵀ
    """
    q = sympy.symbols("q0:3") if q is None else _check_kernel("q", q)
    k = check_int("k", k, minimum=2)
    size = len(q)
    ones = (1,) * k
    strided = Down(k) @ Conv(q, "valid")
    claims = [
        Claim("↑M = ↓Mᵀ", Up(k), Down(k).T, True, "zero insertion is the adjoint of decimation"),
        Claim("↓M ∘ ↑M = I", Down(k) @ Up(k), Identity(), True, "decimation undoes zero insertion"),
        Claim("↑M ∘ ↓M ≠ I", Up(k) @ Down(k), Identity(), False,
              "decimation loses samples (and n -> k·ceil(n/k) changes the length)"),
        Claim("↑M ∘ ↓M ≠ I (lengths divisible by M)", Up(k) @ Down(k), Identity(), False,
              "same lengths, but the dropped samples become zeros", tuple(range(k, 13, k))),
        Claim("strided conv = ↓s ∘ (q∗)valid", StridedConv(q, k), strided, True,
              "a stride-s conv computes every s-th output of the unit-stride one"),
        Claim("(↓s ∘ (q∗)valid)ᵀ = (flip(q)∗) ∘ ↑s", strided.T, Conv(flip(q)) @ Up(k), True,
              "transposed strided conv = zero insertion, then full conv with the flipped kernel"),
        Claim("(↓s ∘ (q∗)valid)ᵀ = tconv(flip(q), s, a=s-1)", strided.T,
              TransposedConv(flip(q), k, output_padding=k - 1), True,
              "the canonical preimage ms+K-1 of ↓s ∘ (q∗)valid needs output_padding s-1"),
        Claim("sconv(q)ᵀ = tconv(flip(q), s, a=0)", StridedConv(q, k).T, TransposedConv(flip(q), k),
              True, "StridedConv's canonical preimage is the shortest, (m-1)s+K"),
        Claim("sconv(q)ᵀ ≠ (↓s ∘ (q∗)valid)ᵀ", StridedConv(q, k).T, strided.T, False,
              "equal operators, different transposes: they pick different input lengths "
              "(output_padding 0 vs s-1)"),
        Claim("no flip: (↓s ∘ (q∗)valid)ᵀ ≠ (q∗) ∘ ↑s", strided.T, Conv(q) @ Up(k), False,
              "without rotating the kernel the transpose is wrong"),
        Claim("noble identity ↓: (h∗) ∘ ↓M = ↓M ∘ (h↑M∗)", Conv(q) @ Down(k),
              Down(k) @ Conv(upsample_kernel(q, k)), True, "H(z) ∘ ↓M = ↓M ∘ H(z^M)"),
        Claim("noble identity ↑: (h↑M∗) ∘ ↑M = ↑M ∘ (h∗)", Conv(upsample_kernel(q, k)) @ Up(k),
              Up(k) @ Conv(q), True, "H(z^M) ∘ ↑M = ↑M ∘ H(z)"),
        Claim("no stretch: (h∗) ∘ ↓M ≠ ↓M ∘ (h∗)", Conv(q) @ Down(k), Down(k) @ Conv(q), False,
              "the kernel must be stretched to H(z^M) to move across ↓M"),
        Claim("polyphase: tconv(w, s) = Σ_r z^-r ∘ ↑s ∘ (w[r::s]∗)",
              TransposedConv(q, k, output_padding=(-size) % k), polyphase(q, k), True,
              "a stride-s transposed conv is s interleaved convolutions with the kernel's phases"),
        Claim("repeat-upsampling then q = tconv((1,…,1)∗q, s, a=s-1)",
              Conv(q) @ Conv(ones) @ Up(k),
              TransposedConv(convolve_kernels(ones, q), k, output_padding=k - 1), True,
              "↑M then (1,…,1)∗ repeats samples; merging the kernels gives one transposed conv"),
        Claim("Q&A step: (q∗)same ∘ ↑M = (q∗)same ∘ ↓Mᵀ", Conv(q, "same") @ Up(k),
              Conv(q, "same") @ Down(k).T, True, "substitutes ↑M = ↓Mᵀ"),
        Claim("Q&A last step, corrected: (q∗)same ∘ ↑M = (↓M ∘ (q∗)sameᵀ)ᵀ",
              Conv(q, "same") @ Up(k), (Down(k) @ Conv(q, "same").T).T, True,
              "(C ↓Mᵀ) = (↓M Cᵀ)ᵀ"),
        Claim("Q&A last step as printed: (q∗)same ∘ ↑M ≠ (↑M ∘ (q∗)sameᵀ)ᵀ",
              Conv(q, "same") @ Up(k), (Up(k) @ Conv(q, "same").T).T, False,
              "with ↑ the shapes do not even match (compared where both sides are defined)",
              tuple(k * m for m in range(size, size + 4))),
    ]
    return claims


# ---------------------------------------------------------------------------------------------
# Max pooling


def max_pool_selection(x, k, stride=None) -> sympy.Matrix:
    """The 0/1 matrix ``S`` that max pooling applies to ``x``; ``S.T`` is max-unpooling.

    Row ``j`` selects the largest entry of window ``j`` (the first one on ties), so
    ``S @ x`` is max pooling and ``S.T @ y`` puts each ``y[j]`` back at its "switch"
    position, zeros elsewhere (summing where windows share a maximum).

    Parameters
    ----------
    x : tuple, list or 1-D numpy array of real numbers
    k : int
        Window size, ``1 <= k <= len(x)``.
    stride : int, optional
        Default ``k``.

    Returns
    -------
    sympy.Matrix
        Shape ``((len(x)-k)//stride + 1) x len(x)``.

    Raises
    ------
    TypeError, ValueError
        For non-numeric ``x`` or bad ``k``/``stride``.

    Examples
    --------
    >>> S = max_pool_selection([1, 3, 2, 0], 2)
    >>> S
    Matrix([
    [0, 1, 0, 0],
    [0, 0, 1, 0]])
    >>> (S * sympy.Matrix([1, 3, 2, 0])).T, (S.T * sympy.Matrix([7, 8])).T
    (Matrix([[3, 2]]), Matrix([[0, 7, 8, 0]]))
    """
    signal = _check_kernel("x", x)
    for index, value in enumerate(signal):
        if not (value.is_number and value.is_extended_real):
            raise TypeError(f"x[{index}] must be a real number, got {_describe(value)}")
    k = check_int("k", k, minimum=1, maximum=len(signal))
    stride = k if stride is None else check_int("stride", stride, minimum=1)
    rows = (len(signal) - k) // stride + 1
    selection = sympy.zeros(rows, len(signal))
    for j in range(rows):
        best = j * stride
        for i in range(j * stride + 1, j * stride + k):
            if signal[i] > signal[best]:  # strict: the first maximum wins ties
                best = i
        selection[j, best] = 1
    return selection
