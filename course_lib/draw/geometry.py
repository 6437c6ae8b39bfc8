"""Where things lie in a drawing: cell kinds and the sizes of direct and transposed convolutions.

The bottom layer of :mod:`course_lib.draw`: pure data, no colours, no matplotlib. Every size
comes from :mod:`course_lib.arithmetic`; :class:`ConvGeometry` and :class:`TransposedGeometry`
say which padded-input cells a kernel position covers, where the transposed convolution's
inserted zeros, padding and extra ``a`` rows lie, and how large each grid is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib import arithmetic
from course_lib._validate import check_int, check_int_tuple

__all__ = [
    "UNIT", "PAD", "ZERO", "EXTRA", "CROPPED", "OUTPUT", "OUTPUT_EXTRA", "KERNEL", "DISCARDED", "OUTPUT_ZERO",
    "KIND_NAMES",
    "ConvGeometry",
    "conv_geometry",
    "TransposedGeometry",
    "transposed_geometry",
]

# --- cell kinds -------------------------------------------------------------------------------

UNIT, PAD, ZERO, EXTRA, CROPPED, OUTPUT, OUTPUT_EXTRA, KERNEL, DISCARDED = range(9)
# output_padding units past the end of the full scatter output: no kernel copy reaches them (zeros)
OUTPUT_ZERO = 9
KIND_NAMES = {
    UNIT: "input unit",
    PAD: "zero padding",
    ZERO: "inserted zero",
    EXTRA: "extra zero (a)",
    CROPPED: "cropped",
    OUTPUT: "output unit",
    OUTPUT_EXTRA: "output_padding unit (computed)",
    KERNEL: "kernel weight",
    DISCARDED: "discarded output",
    OUTPUT_ZERO: "output_padding unit (zero)",
}
"""What each cell kind code means (the codes are the module constants ``UNIT``, ``PAD``, ...)."""


# --- geometry ---------------------------------------------------------------------------------


def _pair(name, value, minimum):
    return check_int_tuple(name, value, 2, minimum=minimum)


def _per_axis(function, *columns):
    """Call ``function`` once per axis; name the axis in errors when the two axes differ."""
    results = []
    square = all(column[0] == column[1] for column in columns)
    for axis in range(2):
        try:
            results.append(function(*(column[axis] for column in columns)))
        except ValueError as err:
            where = "" if square else f" ({('rows', 'columns')[axis]})"
            raise ValueError(f"{err}{where}") from None
    return tuple(results)


def _fmt_pair(values) -> str:
    """``5`` for a square pair, ``5×6`` otherwise."""
    return str(values[0]) if values[0] == values[1] else f"{values[0]}×{values[1]}"


@dataclass(frozen=True)
class ConvGeometry:
    """Sizes of a 2-D direct convolution, one ``(rows, columns)`` pair per quantity.

    ``o`` comes from :func:`course_lib.arithmetic.conv_output_size`; ``k_hat`` is the
    effective (dilated) kernel size.
    """

    i: tuple
    k: tuple
    s: tuple
    p: tuple
    d: tuple
    k_hat: tuple
    o: tuple

    @property
    def positions(self) -> int:
        """Number of kernel positions (= output units)."""
        return self.o[0] * self.o[1]

    def unit(self, step) -> tuple[int, int]:
        """The output unit (row, column) the kernel sits on at ``step`` (row-major).

        Examples
        --------
        >>> conv_geometry(5, 3, s=2).unit(3)
        (1, 1)
        """
        step = check_int("step", step, minimum=0, maximum=self.positions - 1)
        return divmod(step, self.o[1])

    def taps(self, step) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns (in padded-input coordinates) that the kernel's weights cover.

        Returned in the row-major order of the weights ``w[a, b]``.

        Examples
        --------
        >>> rows, cols = conv_geometry(7, 3, d=2).taps(0)
        >>> rows.tolist(), cols.tolist()
        ([0, 0, 0, 2, 2, 2, 4, 4, 4], [0, 2, 4, 0, 2, 4, 0, 2, 4])
        """
        r, c = self.unit(step)
        a, b = np.meshgrid(np.arange(self.k[0]), np.arange(self.k[1]), indexing="ij")
        return (r * self.s[0] + a * self.d[0]).ravel(), (c * self.s[1] + b * self.d[1]).ravel()

    def covered(self) -> np.ndarray:
        """Boolean mask over the padded input: cells some kernel position covers."""
        masks = []
        for axis in range(2):
            size = self.i[axis] + 2 * self.p[axis]
            mask = np.zeros(size, dtype=bool)
            starts = np.arange(self.o[axis]) * self.s[axis]
            mask[(starts[:, None] + np.arange(self.k[axis]) * self.d[axis]).ravel()] = True
            masks.append(mask)
        return masks[0][:, None] & masks[1][None, :]


def conv_geometry(i, k, s=1, p=0, d=1) -> ConvGeometry:
    """Validate a 2-D convolution's parameters and compute its sizes.

    Parameters
    ----------
    i, k, s, p, d : int or (int, int)
        Input size, kernel size, stride, zero padding, dilation (an int means the same on both
        axes).

    Returns
    -------
    ConvGeometry

    Raises
    ------
    TypeError
        If a parameter is not an integer or a pair of integers.
    ValueError
        If a parameter is out of range or the (dilated) kernel does not fit the padded input.

    Examples
    --------
    >>> conv_geometry(5, 3, s=2, p=1).o
    (3, 3)
    >>> conv_geometry((5, 6), 3, s=2).o
    (2, 2)
    >>> conv_geometry(3, 5)
    Traceback (most recent call last):
    ...
    ValueError: kernel size k = 5 must not exceed the padded input size i + 2p = 3 (i=3, p=0); use a smaller kernel or more padding
    """
    i, k, s = _pair("i", i, 1), _pair("k", k, 1), _pair("s", s, 1)
    p, d = _pair("p", p, 0), _pair("d", d, 1)
    o = _per_axis(arithmetic.conv_output_size, i, k, s, p, d)
    k_hat = _per_axis(arithmetic.effective_kernel_size, k, d)
    return ConvGeometry(i=i, k=k, s=s, p=p, d=d, k_hat=k_hat, o=o)


@dataclass(frozen=True)
class TransposedGeometry:
    """Sizes of the transpose of a direct convolution, one ``(rows, columns)`` pair each.

    ``direct`` is the convolution whose transpose this is (its input size is the transposed
    output size ``o_t``). ``equivalent`` holds :func:`course_lib.arithmetic.transposed_equivalent`
    per axis: i′ (``i_prime``), ĩ′ (``i_stretched``), p′ (``p_prime``) and ``a``.
    ``output_padding`` is the PyTorch argument used (``a`` unless given otherwise).
    """

    direct: ConvGeometry
    i_prime: tuple
    i_stretched: tuple
    p_prime: tuple
    a: tuple
    output_padding: tuple
    o_t: tuple
    full: tuple

    @property
    def positions(self) -> int:
        """Number of output units of the transposed convolution."""
        return self.o_t[0] * self.o_t[1]

    @property
    def inputs(self) -> int:
        """Number of input units of the transposed convolution (= direct output units)."""
        return self.i_prime[0] * self.i_prime[1]

    def padded_range(self, axis: int) -> tuple[int, int]:
        """The emulation's padded input along ``axis``, in stretched coordinates [lo, hi).

        Stretched coordinate 0 is the first input unit; the emulating convolution reads
        positions ``-p′ ... ĩ′ + p′ + output_padding - 1``.
        """
        start = -self.p_prime[axis]
        end = self.i_stretched[axis] + self.p_prime[axis] + self.output_padding[axis]
        return start, end


def transposed_geometry(i, k, s=1, p=0, d=1, output_padding=None) -> TransposedGeometry:
    """Sizes of the transpose of conv(i, k, s, p, d), with PyTorch's ``output_padding``.

    Parameters
    ----------
    i, k, s, p, d : int or (int, int)
        The *direct* convolution, as in the guide's captions ("the transpose of convolving a
        k×k kernel over an i×i input ...").
    output_padding : int or (int, int), optional
        Extra output rows/columns at the bottom/right, ``0 <= output_padding < max(s, d)``.
        By default Relationship 14's ``a = (i + 2p - k̂) mod s``, which restores the size ``i``.
        Another value gives output size ``o_t = i - a + output_padding``: the transpose of the
        convolution over an ``o_t`` input instead (same output size, Relationship 6).

    Returns
    -------
    TransposedGeometry

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_geometry`, or for an ``output_padding`` out of range.

    Examples
    --------
    >>> g = transposed_geometry(6, 3, s=2, p=1)  # the guide's Figure 4.7
    >>> g.i_prime, g.i_stretched, g.p_prime, g.a, g.o_t
    ((3, 3), (5, 5), (1, 1), (1, 1), (6, 6))
    >>> transposed_geometry(6, 3, s=2, p=1, output_padding=0).o_t
    (5, 5)
    """
    first = conv_geometry(i, k, s, p, d)
    eq = _per_axis(arithmetic.transposed_equivalent, first.i, first.k, first.s, first.p, first.d)
    a = tuple(e.a for e in eq)
    op = a if output_padding is None else _pair("output_padding", output_padding, 0)
    i_prime = tuple(e.i_prime for e in eq)
    o_t = _per_axis(arithmetic.transposed_output_size, i_prime, first.k, first.s, first.p, first.d, op)
    # the direct convolution whose transpose this is: same k, s, p, d over an o_t input
    direct = first if o_t == first.i else conv_geometry(o_t, first.k, first.s, first.p, first.d)
    if direct.o != i_prime:
        raise ValueError(
            f"output_padding {op} >= s gives a transposed output {_fmt_pair(o_t)} whose direct "
            f"convolution has output {_fmt_pair(direct.o)}, not {_fmt_pair(i_prime)}; "
            f"use output_padding < s = {_fmt_pair(first.s)}"
        )
    full = tuple((ip - 1) * st + kh for ip, st, kh in zip(i_prime, first.s, first.k_hat))
    return TransposedGeometry(
        direct=direct,
        i_prime=i_prime,
        i_stretched=tuple(e.i_stretched for e in eq),
        p_prime=tuple(e.p_prime for e in eq),
        a=a,
        output_padding=op,
        o_t=o_t,
        full=full,
    )


def _axis_kinds_stretched(t: TransposedGeometry, axis: int) -> tuple[np.ndarray, int]:
    """Kinds along one axis of the emulation's input, and the stretched coordinate of cell 0."""
    s = t.direct.s[axis]
    n = t.i_stretched[axis]
    start, end = t.padded_range(axis)
    lo, hi = min(0, start), max(n, end)
    x = np.arange(lo, hi)
    kinds = np.full(x.size, PAD, dtype=np.int8)
    inside = (x >= 0) & (x < n)
    kinds[inside & (x % s == 0)] = UNIT
    kinds[inside & (x % s != 0)] = ZERO
    kinds[(x >= n) & (x >= end - t.output_padding[axis])] = EXTRA
    kinds[(x < start) | (x >= end)] = CROPPED  # negative p′ crops the stretched input
    return kinds, lo


def _combine_kinds(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """2-D kinds from per-axis kinds; a cropped or `a` row/column wins over padding."""
    r, c = rows[:, None], cols[None, :]
    kinds = np.full((rows.size, cols.size), ZERO, dtype=np.int8)
    kinds[(r == UNIT) & (c == UNIT)] = UNIT
    kinds[(r == PAD) | (c == PAD)] = PAD
    kinds[(r == EXTRA) | (c == EXTRA)] = EXTRA
    kinds[(r == CROPPED) | (c == CROPPED)] = CROPPED
    return kinds
