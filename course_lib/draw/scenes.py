"""Drawings of convolution arithmetic with matplotlib: grids, kernel windows and matrices.

Two layers, kept apart so that the logic is testable without pixels:

* **Scene builders** (:func:`conv_scene`, :func:`pool_scene`, :func:`scatter_scene`,
  :func:`equivalent_scene`, :func:`matrix_scene`, ...) are pure functions. They take the
  parameters of a convolution and a kernel position and return a :class:`Scene` (grids of cell
  kinds, the kernel window's cells, values) or a :class:`MatrixScene`. Every size, position and
  value in them comes from :mod:`course_lib.arithmetic`, :mod:`course_lib.numeric` or
  :mod:`course_lib.symbolic`.
* **Artists** (:class:`SceneArtist`, :class:`MatrixArtist`) draw a scene into a matplotlib
  ``Axes`` and redraw the next scene *in place*: they keep a fixed set of collections and reuse
  their text objects, so an animation or a widget never piles up artists or figures.

The visual language is the guide's (Dumoulin & Visin, arXiv 1603.07285; MIT licensed, Solarized
colours): input blue, output cyan, zero padding dashed, the kernel window shaded. Added here:
"input"/"output" labels, the parameters and the relationship used in the title, one colour per
kernel weight (so the 180° rotation in the emulation of a transposed convolution is visible),
inserted zeros dotted, the extra ``a`` (output_padding) row and column in orange, input cells
the kernel never covers hatched, and optional numbers in the cells.

Convenience functions (:func:`draw_conv`, :func:`draw_transposed`, :func:`draw_conv_matrix`,
:func:`animate_conv`, :func:`animate_transposed`) build a figure in one call. No figure is
registered with pyplot, and importing this module sets no backend.
"""

from __future__ import annotations

import colorsys
import functools
import dataclasses
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

from course_lib import arithmetic, numeric, symbolic
from course_lib._validate import check_int, check_int_tuple

__all__ = [
    "INPUT_BLUE",
    "OUTPUT_CYAN",
    "UNIT", "PAD", "ZERO", "EXTRA", "CROPPED", "OUTPUT", "OUTPUT_EXTRA", "KERNEL", "DISCARDED",
    "KIND_NAMES",
    "weight_colors",
    "ConvGeometry",
    "conv_geometry",
    "TransposedGeometry",
    "transposed_geometry",
    "Tiles",
    "Grid",
    "Scene",
    "MatrixScene",
    "guide_values",
    "conv_scene",
    "pool_scene",
    "scatter_scene",
    "equivalent_scene",
    "matrix_scene",
    "values_matrix_scene",
    "sequence_scene",
    "counting_scene",
    "subsampling_scenes",
    "channels_scene",
    "combine_scenes",
    "conv_title",
    "transposed_title",
    "SceneArtist",
    "MatrixArtist",
    "DrawingFigure",
    "new_figure",
    "figure_for_scene",
    "draw_conv",
    "draw_transposed",
    "draw_conv_matrix",
    "animate_conv",
    "animate_transposed",
    "Animation",
]

# --- colours and cell kinds -----------------------------------------------------------------

INPUT_BLUE = (38 / 255, 139 / 255, 210 / 255)
"""The guide's input colour (Solarized blue, RGB 38, 139, 210)."""
OUTPUT_CYAN = (42 / 255, 161 / 255, 152 / 255)
"""The guide's output colour (Solarized cyan, RGB 42, 161, 152)."""
_ORANGE = (203 / 255, 75 / 255, 22 / 255)  # Solarized orange: the `a` / output_padding units
_GREY = (0.55, 0.55, 0.55)
_DARK = (0.1, 0.1, 0.1)

UNIT, PAD, ZERO, EXTRA, CROPPED, OUTPUT, OUTPUT_EXTRA, KERNEL, DISCARDED = range(9)
KIND_NAMES = {
    UNIT: "input unit",
    PAD: "zero padding",
    ZERO: "inserted zero",
    EXTRA: "extra zero (a)",
    CROPPED: "cropped",
    OUTPUT: "output unit",
    OUTPUT_EXTRA: "output_padding unit",
    KERNEL: "kernel weight",
    DISCARDED: "discarded output",
}
"""What each cell kind code means (the codes are the module constants ``UNIT``, ``PAD``, ...)."""


def _tint(rgb, amount: float) -> tuple:
    """``rgb`` mixed with white: amount 0 keeps it, 1 gives white."""
    return tuple(c + (1 - c) * amount for c in rgb)


_STYLES = {
    UNIT: dict(facecolor=_tint(INPUT_BLUE, 0.45), edgecolor=INPUT_BLUE, linestyle="-", linewidth=1.0),
    PAD: dict(facecolor="white", edgecolor=_GREY, linestyle="--", linewidth=0.9),
    # no hatching: Agg draws hatches slowly; inserted zeros get a dot, `a` cells a diagonal
    ZERO: dict(facecolor=_tint(INPUT_BLUE, 0.88), edgecolor=INPUT_BLUE, linestyle=":", linewidth=1.0),
    EXTRA: dict(facecolor=_tint(_ORANGE, 0.78), edgecolor=_ORANGE, linestyle="--", linewidth=1.0),
    CROPPED: dict(facecolor=(0.94, 0.94, 0.94), edgecolor=_GREY, linestyle=":", linewidth=0.8),
    OUTPUT: dict(facecolor=_tint(OUTPUT_CYAN, 0.45), edgecolor=OUTPUT_CYAN, linestyle="-", linewidth=1.0),
    OUTPUT_EXTRA: dict(facecolor=_tint(OUTPUT_CYAN, 0.45), edgecolor=_ORANGE, linestyle="-", linewidth=1.6),
    KERNEL: dict(facecolor="white", edgecolor=_DARK, linestyle="-", linewidth=0.8),
    DISCARDED: dict(facecolor=(0.9, 0.9, 0.9), edgecolor=_GREY, linestyle="-", linewidth=0.8),
}


def weight_colors(shape) -> np.ndarray:
    """One distinct colour per kernel weight, in row-major order of the weights.

    Hues are spread evenly around the colour wheel starting at red, with alternating lightness
    so that neighbouring weights differ even for large kernels.

    Parameters
    ----------
    shape : int or (int, int)
        Kernel shape (an int means square).

    Returns
    -------
    numpy.ndarray, shape (kh, kw, 4)
        RGBA colours; ``colors[a, b]`` belongs to weight ``w[a, b]``.

    Examples
    --------
    >>> colors = weight_colors(3)
    >>> colors.shape
    (3, 3, 4)
    >>> len({tuple(c) for c in colors.reshape(-1, 4).round(3)})
    9
    """
    kh, kw = check_int_tuple("shape", shape, 2, minimum=1)
    n = kh * kw
    rgba = np.empty((n, 4))
    for index in range(n):
        lightness = (0.50, 0.68)[index % 2] if n > 6 else 0.55
        rgba[index, :3] = colorsys.hls_to_rgb(index / n, lightness, 0.85)
        rgba[index, 3] = 1.0
    return rgba.reshape(kh, kw, 4)


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


# --- scenes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tiles:
    """Coloured inset squares over grid cells: the kernel's weights where they sit."""

    rows: np.ndarray
    cols: np.ndarray
    colors: np.ndarray
    labels: tuple | None = None


@dataclass(frozen=True)
class Grid:
    """One grid of a scene, in its own cell coordinates (row 0 at the top).

    ``kinds`` holds a kind code per cell (``UNIT``, ``PAD``, ...). ``values`` (optional) are
    the numbers written in the cells, ``tiles`` the kernel weights drawn over cells,
    ``highlight`` cells outlined in bold, ``box`` a dashed rectangle ``(row, col, height,
    width)``, ``unused`` a mask of cells crossed out as never covered, ``marks`` labels beside
    rows or below columns: ``(text, "row" or "col", index)``, ``ghosts`` dotted rectangles
    ``(row, col, height, width)`` (other kernel positions).
    """

    name: str
    label: str
    kinds: np.ndarray
    values: np.ndarray | None = None
    tiles: Tiles | None = None
    highlight: tuple = ()
    box: tuple | None = None
    unused: np.ndarray | None = None
    marks: tuple = ()
    ghosts: tuple = ()

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return tuple(int(n) for n in self.kinds.shape)

    def count(self, *kinds) -> int:
        """How many cells have one of ``kinds``."""
        return int(np.isin(self.kinds, kinds).sum())


@dataclass(frozen=True)
class Scene:
    """A drawing: titled grids laid out left to right (or top to bottom with ``rows=True``).

    ``connectors`` are symbols written between consecutive grids. ``places`` overrides the
    layout: ``((name, x, y), ...)``, the top-left corner of each grid in cells; then
    ``annotations`` ``((x, y, text), ...)`` add free text (a fourth entry sets its size in
    points).
    """

    title: str
    grids: tuple
    connectors: tuple = ()
    note: str = ""
    rows: bool = False
    places: tuple | None = None
    annotations: tuple = ()

    def grid(self, name: str) -> Grid:
        """The grid called ``name`` ("input", "kernel", "output", ...)."""
        for grid in self.grids:
            if grid.name == name:
                return grid
        raise KeyError(f"no grid named {name!r}; have {[g.name for g in self.grids]}")


@dataclass(frozen=True)
class MatrixScene:
    """A matrix drawn as coloured cells; ``boxes`` are outlines ``(row, col, h, w, colour)``."""

    title: str
    rgba: np.ndarray
    boxes: tuple = ()
    labels: np.ndarray | None = None
    xlabel: str = ""
    ylabel: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(int(n) for n in self.rgba.shape[:2])


def guide_values(i=5, k=3, seed=1234) -> tuple[np.ndarray, np.ndarray]:
    """The guide's numerical input and kernel: its generator's draws for ``seed``.

    The guide draws the input (integers 0-3) first, then the kernel (integers 0-2), from
    numpy's legacy generator seeded with 1234.

    Examples
    --------
    >>> x, w = guide_values()
    >>> x[0].tolist(), w.tolist()
    ([3, 3, 2, 1, 0], [[0, 1, 2], [2, 2, 0], [0, 1, 2]])
    """
    i = _pair("i", i, 1)
    k = _pair("k", k, 1)
    rng = np.random.RandomState(check_int("seed", seed, minimum=0))
    x = rng.randint(0, 4, size=i)
    w = rng.randint(0, 3, size=k)
    return x, w


def _format_value(value) -> str:
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.1f}"


def _check_step(step, positions: int) -> int:
    return check_int("step", step, minimum=0, maximum=positions - 1)


def _weight_labels(w: np.ndarray | None, order: np.ndarray) -> tuple | None:
    if w is None:
        return None
    flat = np.asarray(w).ravel()
    return tuple(_format_value(flat[j]) for j in order)


def _kernel_grid(k, w, colors, rotated: bool, d=(1, 1)) -> Grid:
    """The kernel legend: its k×k weights in their colours (rotated by 180° if asked)."""
    kh, kw = k
    order = np.arange(kh * kw).reshape(kh, kw)
    if rotated:
        order = order[::-1, ::-1]
    rows, cols = np.meshgrid(np.arange(kh), np.arange(kw), indexing="ij")
    label = "kernel w\nrotated 180°" if rotated else "kernel w"
    if d != (1, 1):
        label += f"\n(dilated by d = {_fmt_pair(d)})"
    return Grid(
        name="kernel",
        label=label,
        kinds=np.full((kh, kw), KERNEL, dtype=np.int8),
        tiles=Tiles(rows.ravel(), cols.ravel(), colors.reshape(-1, 4)[order.ravel()],
                    _weight_labels(w, order.ravel())),
    )


@functools.lru_cache(maxsize=1024)
def _applicable(i, k, s, p, d, transposed=False) -> tuple:
    """Cached :func:`course_lib.arithmetic.applicable_relationships` (SymPy makes it slow)."""
    return arithmetic.applicable_relationships(i, k, s, p, d, transposed=transposed)


@functools.lru_cache(maxsize=32)
def _latex(n: int) -> str:
    import sympy  # already imported by arithmetic

    return sympy.latex(arithmetic.relationship(n).equation)


def _relationship_line(numbers: tuple, transposed: bool) -> str:
    """"Relationship n: $equation$", or per axis when the two axes differ."""
    if numbers[0] == numbers[1]:
        n = numbers[0]
        if n is None:
            return ""
        return f"Relationship {n}: ${_latex(n)}$"
    named = [f"{n} ({axis})" for n, axis in zip(numbers, ("rows", "columns")) if n is not None]
    return "Relationships " + ", ".join(named) if named else ""


def conv_title(geometry: ConvGeometry, name="Convolution") -> str:
    """Two-line title: the parameters with the output size, then the relationship that applies.

    The relationship is the most specific one :func:`course_lib.arithmetic.applicable_relationships`
    lists for each axis.

    Examples
    --------
    >>> print(conv_title(conv_geometry(5, 3, s=2, p=1)))
    Convolution  i = 5, k = 3, s = 2, p = 1  →  o = 3
    Relationship 6: $o = \\left\\lfloor{\\frac{i - k + 2 p}{s}}\\right\\rfloor + 1$
    """
    g = geometry
    parts = [f"i = {_fmt_pair(g.i)}", f"k = {_fmt_pair(g.k)}", f"s = {_fmt_pair(g.s)}", f"p = {_fmt_pair(g.p)}"]
    if g.d != (1, 1):
        parts.append(f"d = {_fmt_pair(g.d)}")
    numbers = tuple(
        _applicable(g.i[a], g.k[a], g.s[a], g.p[a], g.d[a])[0] for a in range(2)
    )
    head = f"{name}  {', '.join(parts)}  →  o = {_fmt_pair(g.o)}"
    return head + "\n" + _relationship_line(numbers, transposed=False)


def transposed_title(geometry: TransposedGeometry, view: str) -> str:
    """Title of a transposed-convolution drawing: the direct convolution, i′ → o′, the relationship.

    Examples
    --------
    >>> print(transposed_title(transposed_geometry(6, 3, s=2, p=1), "equivalent").splitlines()[0])
    Transpose of conv i = 6, k = 3, s = 2, p = 1  ≡  conv over ĩ′ = 5, k′ = 3, s′ = 1, p′ = 1, a = 1  →  o′ = 6
    """
    t = geometry
    g = t.direct
    parts = [f"i = {_fmt_pair(g.i)}", f"k = {_fmt_pair(g.k)}", f"s = {_fmt_pair(g.s)}", f"p = {_fmt_pair(g.p)}"]
    if g.d != (1, 1):
        parts.append(f"d = {_fmt_pair(g.d)}")
    head = f"Transpose of conv {', '.join(parts)}"
    a_text = f"a = {_fmt_pair(t.output_padding)}"
    if view == "equivalent":
        primes = [f"ĩ′ = {_fmt_pair(t.i_stretched)}" if g.s != (1, 1) else f"i′ = {_fmt_pair(t.i_prime)}",
                  f"k′ = {_fmt_pair(g.k)}", "s′ = 1", f"p′ = {_fmt_pair(t.p_prime)}"]
        if g.d != (1, 1):
            primes.append(f"d′ = {_fmt_pair(g.d)}")
        if any(t.output_padding):
            primes.append(a_text)
        head += f"  ≡  conv over {', '.join(primes)}  →  o′ = {_fmt_pair(t.o_t)}"
    else:
        head += f"  (scatter)  i′ = {_fmt_pair(t.i_prime)}  →  o′ = {_fmt_pair(t.o_t)}"
        if any(t.output_padding):
            head += f", output_padding = {_fmt_pair(t.output_padding)}"
    numbers = []
    for axis in range(2):
        found = _applicable(g.i[axis], g.k[axis], g.s[axis], g.p[axis], g.d[axis], transposed=True)
        numbers.append(found[0] if found else None)
    line = _relationship_line(tuple(numbers), transposed=True)
    if not line:  # dilated: beyond the guide's Relationships 8-14
        line = "dilated transpose (not in the guide): $o' = s(i'-1) + a + d(k-1) + 1 - 2p$"
    return head + "\n" + line


def _as_values(name: str, values, shape) -> np.ndarray:
    array = np.asarray(values)
    if array.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {array.shape}")
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return array


def _numbers(numbers, x, w, x_shape, k):
    """Resolve the ``numbers`` switch: (input values, kernel values) or (None, None)."""
    if not numbers and x is None and w is None:
        return None, None
    if x is None or w is None:
        seeded_x, seeded_w = guide_values(x_shape, k)
        x = seeded_x if x is None else x
        w = seeded_w if w is None else w
    return _as_values("x", x, x_shape), _as_values("w", w, k)


def conv_scene(i, k, s=1, p=0, d=1, step=0, *, numbers=False, x=None, w=None) -> Scene:
    """The kernel of conv(i, k, s, p, d) at one position: padded input, kernel, output.

    Parameters
    ----------
    i, k, s, p, d : int or (int, int)
        Input size, kernel size, stride, zero padding, dilation.
    step : int
        Kernel position, ``0 <= step < o_rows * o_cols``, row-major over the output units.
    numbers : bool
        Write values in the cells: ``x`` and ``w`` if given, else the guide's seeded draws
        (:func:`guide_values`); the output comes from :func:`course_lib.numeric.conv2d`.
    x, w : array_like, optional
        Input (shape ``i``) and kernel (shape ``k``) values; giving either turns numbers on.

    Returns
    -------
    Scene
        Grids "input" (``i + 2p`` per axis), "kernel" and "output" (``o`` per axis).

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_geometry`, or for a ``step`` out of range.

    Examples
    --------
    >>> scene = conv_scene(5, 3, s=2, p=1, step=4)
    >>> scene.grid("input").shape, scene.grid("output").shape, scene.grid("output").highlight
    ((7, 7), (3, 3), ((1, 1),))
    >>> conv_scene(5, 3, numbers=True).grid("output").values.tolist()
    [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    """
    g = conv_geometry(i, k, s, p, d)
    step = _check_step(step, g.positions)
    xv, wv = _numbers(numbers, x, w, g.i, g.k)
    out_values = None
    padded_values = None
    if xv is not None:
        out_values = numeric.conv2d(xv, wv, stride=g.s, padding=g.p, dilation=g.d)
        padded_values = np.pad(xv, [(g.p[0],) * 2, (g.p[1],) * 2])
    return _sliding_scene(g, step, padded_values, wv, out_values, conv_title(g), colors=weight_colors(g.k))


def _input_grid(g: ConvGeometry, values, label="input") -> Grid:
    kinds = np.full((g.i[0] + 2 * g.p[0], g.i[1] + 2 * g.p[1]), PAD, dtype=np.int8)
    kinds[g.p[0]:g.p[0] + g.i[0], g.p[1]:g.p[1] + g.i[1]] = UNIT
    return Grid(name="input", label=label, kinds=kinds, values=values, unused=~g.covered())


def _sliding_scene(g: ConvGeometry, step, padded_values, w, out_values, title, colors, note="") -> Scene:
    """Direct convolution or pooling: padded input with the window, kernel legend, output."""
    r, c = g.unit(step)
    rows, cols = g.taps(step)
    label = f"input {_fmt_pair(g.i)}" + (f", padding p = {_fmt_pair(g.p)}" if any(g.p) else "")
    base = _input_grid(g, padded_values, label)
    order = np.arange(g.k[0] * g.k[1])
    if colors is None:  # pooling: one shade for the whole window
        tile_colors = np.tile(np.array([[0.35, 0.35, 0.35, 0.55]]), (order.size, 1))
    else:
        tile_colors = colors.reshape(-1, 4)
    inp = Grid(
        name="input", label=base.label, kinds=base.kinds, values=base.values, unused=base.unused,
        tiles=Tiles(rows, cols, tile_colors, _weight_labels(w, order) if colors is not None else None),
        box=(r * g.s[0], c * g.s[1], g.k_hat[0], g.k_hat[1]),
    )
    out = Grid(
        name="output", label=f"output {_fmt_pair(g.o)}",
        kinds=np.full(g.o, OUTPUT, dtype=np.int8), values=out_values, highlight=((r, c),),
    )
    grids = (inp, _kernel_grid(g.k, w, colors, rotated=False, d=g.d), out) if colors is not None else (inp, out)
    connectors = ("∗", "=") if colors is not None else ("→",)
    if not note:
        notes = []
        if any(g.p):
            notes.append("dashed: zero padding")
        if (~g.covered()).any():
            notes.append("crossed out: never covered by the kernel")
        note = " · ".join(notes)
    return Scene(title=title, grids=grids, connectors=connectors, note=note)


def pool_scene(i, k, s=1, step=0, *, mode="max", numbers=True, x=None) -> Scene:
    """A pooling window at one position (Figures 1.5 and 1.6), without padding.

    Parameters
    ----------
    i, k, s : int or (int, int)
        Input size, window size, stride.
    step : int
        Window position, row-major over the output units.
    mode : {"max", "average"}
    numbers : bool
        Write values: ``x`` if given, else the guide's seeded input.
    x : array_like, optional

    Returns
    -------
    Scene
        Grids "input" and "output"; output values from :func:`course_lib.numeric.max_pool2d`
        or :func:`course_lib.numeric.avg_pool2d`.

    Raises
    ------
    TypeError, ValueError
        For bad sizes, a bad ``mode`` or a ``step`` out of range.

    Examples
    --------
    >>> pool_scene(5, 3, mode="max").grid("output").values.tolist()
    [[3, 3, 3], [3, 3, 3], [3, 2, 3]]
    """
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
    i, k, s = _pair("i", i, 1), _pair("k", k, 1), _pair("s", s, 1)
    o = _per_axis(arithmetic.pool_output_size, i, k, s)
    g = ConvGeometry(i=i, k=k, s=s, p=(0, 0), d=(1, 1), k_hat=k, o=o)
    step = _check_step(step, g.positions)
    xv = None
    out_values = None
    if numbers or x is not None:
        xv = _as_values("x", guide_values(i, k)[0] if x is None else x, i)
        pool = numeric.max_pool2d if mode == "max" else numeric.avg_pool2d
        out_values = pool(xv, kernel_size=k, stride=s)
    title = (
        f"{'Max' if mode == 'max' else 'Average'} pooling  i = {_fmt_pair(i)}, k = {_fmt_pair(k)}, "
        f"s = {_fmt_pair(s)}  →  o = {_fmt_pair(o)}\n"
        f"Relationship 7: ${_latex(7)}$"
    )
    return _sliding_scene(g, step, xv, None, out_values, title, colors=None)


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


def _transposed_values(numbers, y, w, t: TransposedGeometry):
    if not numbers and y is None and w is None:
        return None, None
    if y is None or w is None:
        seeded_y, seeded_w = guide_values(t.i_prime, t.direct.k)
        y = seeded_y if y is None else y
        w = seeded_w if w is None else w
    return _as_values("y", y, t.i_prime), _as_values("w", w, t.direct.k)


def scatter_scene(i, k, s=1, p=0, d=1, step=0, *, output_padding=None, numbers=False, y=None, w=None) -> Scene:
    """The transpose of conv(i, k, s, p, d) as a scatter: one input unit adds a weighted kernel copy.

    The output grid is the full scatter result, ``(i′-1)s + k̂`` per axis; the ``p`` rows and
    columns on each side that ``padding`` crops are drawn grey and dotted, and the last
    ``output_padding`` rows/columns of the kept output have orange edges (they are computed
    outputs, not zeros).

    Parameters
    ----------
    i, k, s, p, d : int or (int, int)
        The direct convolution (as in the guide's captions).
    step : int
        Input unit of the transposed convolution, row-major over its ``i′`` units.
    output_padding : int or (int, int), optional
        See :func:`transposed_geometry`.
    numbers : bool
        Write values: ``y`` (shape ``i′``) and ``w`` if given, else seeded draws. The output
        shows the partial sum after the units ``0 .. step``, from
        :func:`course_lib.numeric.conv_transpose2d`.
    y, w : array_like, optional

    Returns
    -------
    Scene
        Grids "input" (``i′``), "kernel" and "output" (full scatter size).

    Raises
    ------
    TypeError, ValueError
        As :func:`transposed_geometry`, or for a ``step`` out of range.

    Examples
    --------
    >>> scene = scatter_scene(6, 3, s=2, p=1, step=1)
    >>> scene.grid("input").shape, scene.grid("output").shape
    ((3, 3), (7, 7))
    >>> scene.grid("output").count(OUTPUT, OUTPUT_EXTRA), scene.grid("output").count(OUTPUT_EXTRA)
    (36, 11)
    """
    t = transposed_geometry(i, k, s, p, d, output_padding)
    g = t.direct
    step = check_int("step", step, minimum=0, maximum=t.inputs - 1)
    r, c = divmod(step, t.i_prime[1])
    yv, wv = _transposed_values(numbers, y, w, t)
    extension = tuple(max(op - pp, 0) for op, pp in zip(t.output_padding, g.p))
    size = tuple(f + e for f, e in zip(t.full, extension))
    axis_kinds = []
    for axis in range(2):
        x = np.arange(size[axis])
        kinds = np.full(size[axis], OUTPUT, dtype=np.int8)
        kept_end = g.p[axis] + t.o_t[axis]
        kinds[(x >= kept_end - t.output_padding[axis]) & (x < kept_end)] = OUTPUT_EXTRA
        kinds[(x < g.p[axis]) | (x >= kept_end)] = CROPPED
        axis_kinds.append(kinds)
    rk, ck = axis_kinds[0][:, None], axis_kinds[1][None, :]
    kinds = np.full(size, OUTPUT, dtype=np.int8)
    kinds[(rk == OUTPUT_EXTRA) | (ck == OUTPUT_EXTRA)] = OUTPUT_EXTRA
    kinds[(rk == CROPPED) | (ck == CROPPED)] = CROPPED
    a, b = np.meshgrid(np.arange(g.k[0]), np.arange(g.k[1]), indexing="ij")
    rows = (r * g.s[0] + a * g.d[0]).ravel()
    cols = (c * g.s[1] + b * g.d[1]).ravel()
    colors = weight_colors(g.k)
    in_values = out_values = None
    if yv is not None:
        mask = (np.arange(t.inputs) <= step).reshape(t.i_prime)
        partial = numeric.conv_transpose2d(np.where(mask, yv, 0), wv, stride=g.s, dilation=g.d)
        out_values = np.pad(partial, [(0, extension[0]), (0, extension[1])])
        in_values = yv
    marks = []
    if any(g.p):
        marks.append(("cropped by padding p", "row", 0))
    if any(t.output_padding):
        marks.append((f"output_padding = {_fmt_pair(t.output_padding)}", "row", g.p[0] + t.o_t[0] - 1))
    inp = Grid(
        name="input", label=f"input {_fmt_pair(t.i_prime)}", kinds=np.full(t.i_prime, UNIT, dtype=np.int8),
        values=in_values, highlight=((r, c),),
    )
    out = Grid(
        name="output", label=f"output {_fmt_pair(t.o_t)}" + (f" (full {_fmt_pair(t.full)})" if size != t.o_t else ""),
        kinds=kinds, values=out_values,
        tiles=Tiles(rows, cols, colors.reshape(-1, 4), _weight_labels(wv, np.arange(rows.size))),
        box=(r * g.s[0], c * g.s[1], g.k_hat[0], g.k_hat[1]), marks=tuple(marks),
    )
    note = (f"input unit ({r}, {c}) adds w × its value from output row {r}·{g.s[0]} = {r * g.s[0]}, "
            f"column {c}·{g.s[1]} = {c * g.s[1]}")
    if any(g.p):
        note += " · grey: cropped by padding"
    return Scene(
        title=transposed_title(t, "scatter"),
        grids=(inp, _kernel_grid(g.k, wv, colors, rotated=False, d=g.d), out),
        connectors=("×", "→"), note=note,
    )


def equivalent_scene(i, k, s=1, p=0, d=1, step=0, *, output_padding=None, numbers=False, y=None, w=None) -> Scene:
    """The transpose of conv(i, k, s, p, d) as its emulating direct convolution (the guide's 4.x).

    The input is stretched (``s - 1`` inserted zeros between units, dotted), padded with ``p′``
    zeros (dashed; a negative ``p′`` crops, grey) plus ``a`` = ``output_padding`` extra zeros at
    the bottom and right (orange), and convolved at stride 1 with the kernel **rotated by 180°**.

    Parameters
    ----------
    i, k, s, p, d : int or (int, int)
        The direct convolution (as in the guide's captions).
    step : int
        Output unit of the transposed convolution, row-major over its ``o′`` units.
    output_padding : int or (int, int), optional
        See :func:`transposed_geometry`.
    numbers : bool
        Write values: ``y`` (shape ``i′``) and ``w`` if given, else seeded draws; the output
        from :func:`course_lib.numeric.conv_transpose2d` with ``method="equivalent"``.
    y, w : array_like, optional

    Returns
    -------
    Scene
        Grids "input" (``ĩ′ + 2p′ + a`` per axis), "kernel" (rotated) and "output" (``o′``).

    Raises
    ------
    TypeError, ValueError
        As :func:`transposed_geometry`, or for a ``step`` out of range.

    Examples
    --------
    >>> scene = equivalent_scene(6, 3, s=2, p=1)  # Figure 4.7
    >>> scene.grid("input").shape, scene.grid("output").shape
    ((8, 8), (6, 6))
    >>> [scene.grid("input").count(kind) for kind in (UNIT, ZERO, EXTRA)]
    [9, 16, 15]
    """
    t = transposed_geometry(i, k, s, p, d, output_padding)
    g = t.direct
    step = check_int("step", step, minimum=0, maximum=t.positions - 1)
    r, c = divmod(step, t.o_t[1])
    yv, wv = _transposed_values(numbers, y, w, t)
    (row_kinds, row0), (col_kinds, col0) = _axis_kinds_stretched(t, 0), _axis_kinds_stretched(t, 1)
    kinds = _combine_kinds(row_kinds, col_kinds)
    # window tap (a, b) reads padded position r + a·d, i.e. stretched coordinate r + a·d - p′
    a, b = np.meshgrid(np.arange(g.k[0]), np.arange(g.k[1]), indexing="ij")
    start = [t.padded_range(axis)[0] for axis in range(2)]
    rows = (r + a * g.d[0] + start[0] - row0).ravel()
    cols = (c + b * g.d[1] + start[1] - col0).ravel()
    colors = weight_colors(g.k)
    rotated = colors[::-1, ::-1].reshape(-1, 4)  # tap (a, b) multiplies w[k-1-a, k-1-b]
    order = np.arange(g.k[0] * g.k[1]).reshape(g.k)[::-1, ::-1].ravel()
    in_values = out_values = None
    if yv is not None:
        in_values = np.zeros(kinds.shape, dtype=np.result_type(yv, np.int64))
        units = np.argwhere(kinds == UNIT)
        stretched = (units[:, 0] + row0) // g.s[0], (units[:, 1] + col0) // g.s[1]
        in_values[units[:, 0], units[:, 1]] = yv[stretched]
        out_values = numeric.conv_transpose2d(
            yv, wv, stride=g.s, padding=g.p, output_padding=t.output_padding, dilation=g.d, method="equivalent"
        )
    marks = []
    if any(t.output_padding):
        marks.append((f"a = {_fmt_pair(t.output_padding)}", "row", kinds.shape[0] - 1))
    label = f"input {_fmt_pair(t.i_prime)}"
    if g.s != (1, 1):
        label += f", stretched to {_fmt_pair(t.i_stretched)}"
    inp = Grid(
        name="input", label=label, kinds=kinds, values=in_values,
        tiles=Tiles(rows, cols, rotated, _weight_labels(wv, order)),
        box=(r + start[0] - row0, c + start[1] - col0, g.k_hat[0], g.k_hat[1]), marks=tuple(marks),
    )
    out = Grid(
        name="output", label=f"output {_fmt_pair(t.o_t)}", kinds=np.full(t.o_t, OUTPUT, dtype=np.int8),
        values=out_values, highlight=((r, c),),
    )
    notes = ["kernel rotated by 180°"]
    if g.s != (1, 1):
        notes.append("dotted: inserted zeros")
    if any(p_ > 0 for p_ in t.p_prime):
        notes.append("dashed: padding p′")
    if any(p_ < 0 for p_ in t.p_prime):
        notes.append("grey: cropped (p′ < 0)")
    if any(t.output_padding):
        notes.append("orange: the extra a row/column (bottom/right)")
    return Scene(
        title=transposed_title(t, "equivalent"),
        grids=(inp, _kernel_grid(g.k, wv, colors, rotated=True, d=g.d), out),
        connectors=("∗", "="), note=" · ".join(notes),
    )


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_MATRIX_BACKGROUND = (0.98, 0.98, 0.98, 1.0)  # the colour of a matrix's zero entries


def matrix_scene(i, k, s=1, p=0, d=1, *, transposed=False, unit=None, other=None, w=None, labels="auto") -> MatrixScene:
    """C (or Cᵀ) of conv(i, k, s, p, d), coloured by kernel weight, with units highlighted.

    The nonzero pattern comes from :func:`course_lib.symbolic.conv_matrix_pattern`: rows are
    output units, columns input units, both flattened row-major. Each nonzero has the colour of
    its kernel weight, as in the grid drawings.

    Parameters
    ----------
    i, k, s, p, d : int or (int, int)
        The direct convolution.
    transposed : bool
        Draw Cᵀ (the transposed convolution) instead of C.
    unit : int, optional
        Output unit of the direct convolution (= input unit of its transpose): its row of C,
        or its column of Cᵀ, is outlined in black.
    other : int, optional
        Input unit of the direct convolution (= output unit of its transpose): its column of C,
        or its row of Cᵀ, is outlined in orange.
    w : array_like, optional
        Kernel values to write in the nonzero cells; else weight names ``w₀₀`` ...
    labels : "auto", bool
        Write labels in the cells ("auto": when the matrix has at most 400 cells).

    Returns
    -------
    MatrixScene

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_geometry`, or for ``unit`` / ``other`` out of range.

    Examples
    --------
    >>> scene = matrix_scene(4, 3, unit=0)  # Section 4.1: C is 4×16
    >>> scene.shape, scene.boxes[0][:4]
    ((4, 16), (0, 0, 1, 16))
    >>> scene.labels[0, :4].tolist()
    ['w₀₀', 'w₀₁', 'w₀₂', '']
    """
    g = conv_geometry(i, k, s, p, d)
    pattern = symbolic.conv_matrix_pattern(g.i, g.k, stride=g.s, padding=g.p, dilation=g.d)
    n_out, n_in = pattern.shape
    rgba = np.tile(np.array(_MATRIX_BACKGROUND), (n_out, n_in, 1))
    colors = weight_colors(g.k).reshape(-1, 4).copy()
    colors[:, :3] = colors[:, :3] + (1 - colors[:, :3]) * 0.3  # lighter, so labels stay readable
    rgba[pattern.rows, pattern.cols] = colors[pattern.kernel_index]
    show = (n_out * n_in <= 400) if labels == "auto" else bool(labels)
    text = None
    if show:
        text = np.full((n_out, n_in), "", dtype=object)
        if w is not None:
            flat = _as_values("w", w, g.k).ravel()
            names = [_format_value(v) for v in flat]
        else:
            names = [f"w{a}{b}".translate(_SUBSCRIPT) if max(g.k) <= 10 else f"w{a},{b}"
                     for a in range(g.k[0]) for b in range(g.k[1])]
        text[pattern.rows, pattern.cols] = [names[j] for j in pattern.kernel_index]
    boxes = []
    if unit is not None:
        unit = check_int("unit", unit, minimum=0, maximum=n_out - 1)
        boxes.append((unit, 0, 1, n_in, _DARK))
    if other is not None:
        other = check_int("other", other, minimum=0, maximum=n_in - 1)
        boxes.append((0, other, n_out, 1, _ORANGE))
    name, xlabel, ylabel = "C", f"{n_in} input units", f"{n_out} output units"
    if transposed:
        rgba = rgba.transpose(1, 0, 2)
        text = None if text is None else text.T
        boxes = [(c0, r0, w_, h, color) for r0, c0, h, w_, color in boxes]
        name, xlabel, ylabel = "Cᵀ", f"{n_out} input units", f"{n_in} output units"
    shape = rgba.shape[:2]
    title = f"{name}  ({shape[0]} × {shape[1]})"
    if unit is not None:
        title += f"\n{'row' if not transposed else 'column'} {unit}: unit {divmod(unit, g.o[1])}"
        title += " of the output" if not transposed else " of the input"
    return MatrixScene(title=title, rgba=rgba, boxes=tuple(boxes), labels=text, xlabel=xlabel, ylabel=ylabel)


def values_matrix_scene(values, title="", *, cmap="coolwarm", boxes=(), labels="auto",
                        xlabel="", ylabel="", symmetric=True) -> MatrixScene:
    """A numeric matrix as a :class:`MatrixScene`: colours from ``cmap``, zeros white.

    Parameters
    ----------
    values : array_like, 2-D
    title, xlabel, ylabel : str
    cmap : str
        A matplotlib colormap name.
    boxes : tuple of (row, col, h, w, colour)
    labels : "auto", bool
        Write the values ("auto": at most 600 cells).
    symmetric : bool
        Centre the colour scale on 0 (for signed values); else scale from 0 to the maximum.

    Returns
    -------
    MatrixScene

    Examples
    --------
    >>> scene = values_matrix_scene([[1, 0], [0, 2]], "M")
    >>> scene.shape, scene.labels.tolist()
    ((2, 2), [['1', '0'], ['0', '2']])
    """
    from matplotlib import colormaps

    array = np.asarray(values, dtype=float)
    if array.ndim != 2:
        raise ValueError(f"values must be 2-D, got shape {array.shape}")
    top = float(np.abs(array).max()) or 1.0
    if symmetric:
        scaled = 0.5 + 0.5 * array / top
    else:
        scaled = array / top
    rgba = colormaps[cmap](scaled)
    rgba[array == 0] = _MATRIX_BACKGROUND
    show = (array.size <= 600) if labels == "auto" else bool(labels)
    text = np.vectorize(_format_value, otypes=[object])(array) if show else None
    return MatrixScene(title=title, rgba=rgba, boxes=tuple(boxes), labels=text, xlabel=xlabel, ylabel=ylabel)


def sequence_scene(stages, title="", note="") -> Scene:
    """1-D sequences stacked top to bottom, one labelled row of cells each.

    Parameters
    ----------
    stages : sequence of (label, values)
    title, note : str

    Returns
    -------
    Scene
        One grid per stage, named "stage 0", "stage 1", ...

    Examples
    --------
    >>> scene = sequence_scene([("x", [1, 2, 3]), ("↓2 x", [1, 3])])
    >>> [grid.shape for grid in scene.grids]
    [(1, 3), (1, 2)]
    """
    grids = []
    for index, (label, values) in enumerate(stages):
        values = np.asarray(values, dtype=float).reshape(1, -1)
        kinds = np.full(values.shape, UNIT if index == 0 else OUTPUT, dtype=np.int8)
        grids.append(Grid(name=f"stage {index}", label=str(label), kinds=kinds, values=values))
    return Scene(title=title, grids=tuple(grids), note=note, rows=True)


def counting_scene(i, k, s=1, label="") -> Scene:
    """Counting kernel positions (Figure 2.8): the kernel's first position and its other positions.

    The input (no padding) shows the window at the top-left, dotted outlines where it can move
    along the first row and the first column, and the output whose size is their count.

    Parameters
    ----------
    i, k, s : int
        Input size, kernel size, stride (square).
    label : str
        Prefix of the title, e.g. "(a)".

    Returns
    -------
    Scene

    Examples
    --------
    >>> scene = counting_scene(5, 3, 2)
    >>> len(scene.grid("input").ghosts), scene.grid("output").shape
    (2, (2, 2))
    """
    g = conv_geometry(i, k, s)
    n = g.o[0]
    ghosts = tuple((0, t * g.s[1], g.k[0], g.k[1]) for t in range(1, g.o[1]))
    ghosts += tuple((t * g.s[0], 0, g.k[0], g.k[1]) for t in range(1, n))
    inp = Grid(name="input", label=f"input {_fmt_pair(g.i)}", kinds=np.full(g.i, UNIT, dtype=np.int8),
               box=(0, 0, g.k[0], g.k[1]), ghosts=ghosts, unused=~g.covered())
    out = Grid(name="output", label=f"output {_fmt_pair(g.o)}", kinds=np.full(g.o, OUTPUT, dtype=np.int8),
               highlight=((0, 0),))
    steps = n - 1
    title = (f"{label} k = {_fmt_pair(g.k)}, s = {_fmt_pair(g.s)}: o = {n}\n"
             f"{steps} step{'s' if steps != 1 else ''} of {g.s[0]} (each way) + the first position").strip()
    return Scene(title=title, grids=(inp, out), connectors=("→",),
                 note=f"o = ⌊({g.i[0]} − {g.k[0]})/{g.s[0]}⌋ + 1 = {n}")


def subsampling_scenes(i=5, k=3, s=2, step=0, *, numbers=True, x=None, w=None) -> tuple[Scene, Scene]:
    """Strides as subsampling (Figure 1.4): stride ``s``, and stride 1 keeping one output in ``s``.

    Returns two scenes: conv(i, k, s) at ``step``, and conv(i, k, 1) at the matching position,
    whose output marks the discarded units grey and shows the kept ones as a third grid. The
    kept values equal the strided output (both from :func:`course_lib.numeric.conv2d`).

    Examples
    --------
    >>> strided, unit = subsampling_scenes()
    >>> strided.grid("output").shape, unit.grid("output").shape, unit.grid("kept").shape
    ((2, 2), (3, 3), (2, 2))
    >>> bool((strided.grid("output").values == unit.grid("kept").values).all())
    True
    """
    strided = conv_scene(i, k, s, 0, 1, step, numbers=numbers, x=x, w=w)
    g = conv_geometry(i, k, s)
    dense = conv_geometry(i, k, 1)
    r, c = g.unit(step)
    dense_step = (r * g.s[0]) * dense.o[1] + c * g.s[1]
    unit = conv_scene(i, k, 1, 0, 1, dense_step, numbers=numbers, x=x, w=w)
    out = unit.grid("output")
    kinds = np.full(out.shape, DISCARDED, dtype=np.int8)
    kinds[::g.s[0], ::g.s[1]] = OUTPUT
    kept_values = None if out.values is None else out.values[::g.s[0], ::g.s[1]]
    kept = Grid(name="kept", label=f"kept: 1 in {_fmt_pair(g.s)}", kinds=np.full(g.o, OUTPUT, dtype=np.int8),
                values=kept_values, highlight=((r, c),))
    out = Grid(name="output", label=f"stride 1: output {_fmt_pair(dense.o)}", kinds=kinds,
               values=out.values, highlight=out.highlight)
    unit = Scene(
        title=f"Stride 1, then keep one output in {_fmt_pair(g.s)}",
        grids=(unit.grid("input"), unit.grid("kernel"), out, kept), connectors=("∗", "=", "→"),
        note="grey: outputs the stride skips",
    )
    strided = dataclasses.replace(strided, title=f"Stride {_fmt_pair(g.s)}")
    return strided, unit


def channels_scene(i=5, k=3, n_in=2, n_out=3, *, numbers=True, seed=1234) -> Scene:
    """Two input maps to three output maps (Figure 1.3): one kernel per (output, input) pair.

    Pathway ``j`` convolves input map ``c`` with kernel ``w[j, c]`` and sums over ``c``; the
    values come from :func:`course_lib.numeric.conv2d` on a seeded input and kernel set.

    Examples
    --------
    >>> scene = channels_scene()
    >>> [g.shape for g in scene.grids if g.name.startswith("output")]
    [(3, 3), (3, 3), (3, 3)]
    >>> len([g for g in scene.grids if g.name.startswith("w")])
    6
    """
    n_in = check_int("n_in", n_in, minimum=1)
    n_out = check_int("n_out", n_out, minimum=1)
    g = conv_geometry(i, k)
    rng = np.random.RandomState(check_int("seed", seed, minimum=0))
    x = rng.randint(0, 4, size=(n_in, *g.i))
    w = rng.randint(0, 3, size=(n_out, n_in, *g.k))
    y = numeric.conv2d(x, w)
    colors = weight_colors(g.k).reshape(-1, 4)
    rows, cols = np.meshgrid(np.arange(g.k[0]), np.arange(g.k[1]), indexing="ij")
    grids, places, annotations = [], [], []
    gap = 1.6
    pathway = n_in * g.k[1] + (n_in - 1) * gap
    width = max(n_out * pathway + (n_out - 1) * 2 * gap, n_in * g.i[1] + (n_in - 1) * gap)
    x_in = (width - (n_in * g.i[1] + (n_in - 1) * gap)) / 2
    for c in range(n_in):
        grids.append(Grid(name=f"input {c + 1}", label=f"input map {c + 1}",
                          kinds=np.full(g.i, UNIT, dtype=np.int8), values=x[c] if numbers else None))
        places.append((f"input {c + 1}", x_in + c * (g.i[1] + gap), 0))
    y_kernel = g.i[0] + 3.0
    y_out = y_kernel + g.k[0] + 3.0
    for j in range(n_out):
        x0 = j * (pathway + 2 * gap)
        for c in range(n_in):
            name = f"w{j + 1},{c + 1}"
            grids.append(Grid(name=name, label=f"w{j + 1},{c + 1}".translate(_SUBSCRIPT),
                              kinds=np.full(g.k, KERNEL, dtype=np.int8),
                              tiles=Tiles(rows.ravel(), cols.ravel(), colors,
                                          tuple(str(v) for v in w[j, c].ravel()) if numbers else None)))
            places.append((name, x0 + c * (g.k[1] + gap), y_kernel))
            if c:
                annotations.append((x0 + c * (g.k[1] + gap) - gap / 2, y_kernel + g.k[0] / 2, "+"))
        x_out = x0 + (pathway - g.o[1]) / 2
        grids.append(Grid(name=f"output {j + 1}", label=f"output map {j + 1}",
                          kinds=np.full(g.o, OUTPUT, dtype=np.int8), values=y[j] if numbers else None))
        places.append((f"output {j + 1}", x_out, y_out))
        annotations.append((x0 + pathway / 2, y_kernel + g.k[0] + 1.0, "↓"))
    annotations.append((width / 2, g.i[0] + 1.0, f"each input map ∗ its kernel w_j,c, summed over c"))
    return Scene(
        title=f"{n_in} input maps → {n_out} output maps with a {n_out}×{n_in}×{g.k[0]}×{g.k[1]} set of kernels",
        grids=tuple(grids), places=tuple(places), annotations=tuple(annotations),
        note=f"output map j = Σ_c input map c ∗ w_j,c   (o = {_fmt_pair(g.o)}, from Relationship 1)",
    )



def combine_scenes(scenes, titles=None, gap=3.0) -> Scene:
    """Several scenes side by side as one scene (one Axes, one set of collections: faster).

    Grids are renamed ``"<panel>:<name>"`` (panels counted from 1); each panel keeps its
    layout, its connectors become annotations, and its title (or ``titles[n]``) is written
    above it.

    Examples
    --------
    >>> both = combine_scenes([conv_scene(4, 3), conv_scene(5, 3, p=1)], titles=["a", "b"])
    >>> [grid.name for grid in both.grids]
    ['1:input', '1:kernel', '1:output', '2:input', '2:kernel', '2:output']
    >>> both.grid("2:input").shape
    (7, 7)
    """
    scenes = list(scenes)
    titles = [scene.title for scene in scenes] if titles is None else list(titles)
    layouts = [SceneArtist._place(scene) for scene in scenes]
    height = max(h for _, _, h in layouts)
    grids, places, annotations = [], [], []
    x = 0.0
    for number, (scene, title, (local, width, h)) in enumerate(zip(scenes, titles, layouts), start=1):
        y = (height - h) / 2
        for grid in scene.grids:
            name = f"{number}:{grid.name}"
            grids.append(dataclasses.replace(grid, name=name))
            places.append((name, x + local[grid.name][0], y + local[grid.name][1]))
        if not scene.rows and scene.places is None:
            for index, symbol in enumerate(scene.connectors[: len(scene.grids) - 1]):
                grid = scene.grids[index]
                cx = x + local[grid.name][0] + grid.shape[1] + SceneArtist.GAP / 2
                annotations.append((cx, y + h / 2, symbol))
        annotations += [(x + ax_, y + ay_, *rest) for ax_, ay_, *rest in scene.annotations]
        if title:
            annotations.append((x + width / 2, -2.2, title, 10.0))
        x += width + gap
    notes = " · ".join(scene.note for scene in scenes if scene.note)
    return Scene(title="", grids=tuple(grids), note=notes, places=tuple(places), annotations=tuple(annotations))


# --- artists ----------------------------------------------------------------------------------


def _squares(rows, cols, x0, y0, inset=0.0) -> np.ndarray:
    """Vertices (N, 4, 2) of unit cells at (row, col), shifted by (x0, y0), inset on each side."""
    x = np.asarray(cols, dtype=float) + x0
    y = np.asarray(rows, dtype=float) + y0
    lo, hi = inset, 1 - inset
    return np.stack(
        [np.stack([x + lo, y + lo], -1), np.stack([x + hi, y + lo], -1),
         np.stack([x + hi, y + hi], -1), np.stack([x + lo, y + hi], -1)], axis=1,
    )


def _rect(r, c, h, w, x0, y0) -> np.ndarray:
    return np.array([[x0 + c, y0 + r], [x0 + c + w, y0 + r], [x0 + c + w, y0 + r + h], [x0 + c, y0 + r + h]])


def _diagonals(rows, cols, x0, y0) -> np.ndarray:
    """Segments (N, 2, 2) from the bottom-left to the top-right corner of each cell."""
    x = np.asarray(cols, dtype=float) + x0
    y = np.asarray(rows, dtype=float) + y0
    return np.stack([np.stack([x + 0.12, y + 0.88], -1), np.stack([x + 0.88, y + 0.12], -1)], axis=1)


def _rgba_rows(color) -> np.ndarray:
    """Colours as an (n, 4) array; numeric RGBA input passes through without conversion."""
    if isinstance(color, np.ndarray) and color.dtype.kind == "f" and color.shape[-1] == 4:
        return color.reshape(-1, 4)
    if isinstance(color, str) and color == "none":  # to_rgba_array("none") has no rows at all
        return np.zeros((1, 4))
    from matplotlib.colors import to_rgba_array

    return to_rgba_array(color)


class _Polygons:
    """Accumulates polygons with per-polygon styles, then fills one collection in one go.

    Fewer, fuller collections render faster than many small ones: each collection costs a
    fixed ~0.2 ms in matplotlib's drawing code, more than scaling a few hundred dash patterns.
    """

    def __init__(self, ax, zorder):
        self.collection = PolyCollection([], closed=True, zorder=zorder)
        ax.add_collection(self.collection)
        self._last_verts, self._last_styles = None, None
        self._reset()

    def _reset(self):
        self.verts, self.face, self.edge, self.width, self.dashes = [], [], [], [], []

    def add(self, verts, face, edge, style) -> None:
        """Queue polygons ``verts`` (N, k, 2) with colours and a (linestyle, linewidth) style."""
        verts = np.asarray(verts, dtype=float)
        n = len(verts)
        if not n:
            return
        self.verts.append(verts)
        face, edge = _rgba_rows(face), _rgba_rows(edge)
        self.face.append(np.broadcast_to(face, (n, 4)) if len(face) == 1 else face)
        self.edge.append(np.broadcast_to(edge, (n, 4)) if len(edge) == 1 else edge)
        self.dashes += [style[0]] * n
        self.width += [style[1]] * n

    def apply(self) -> None:
        """Show the queued polygons (and only them); unchanged parts are not set again."""
        collection = self.collection
        if self.verts:
            verts = np.concatenate(self.verts)
            if self._last_verts is None or not np.array_equal(verts, self._last_verts):
                collection.set_verts(verts)
                self._last_verts = verts
            collection.set_facecolor(np.concatenate(self.face))
            collection.set_edgecolor(np.concatenate(self.edge))
            styles = (tuple(self.dashes), tuple(self.width))
            if styles != self._last_styles:
                # matplotlib broadcasts widths against dash patterns to the lcm of their
                # lengths: reset to scalars first so that old and new lengths never meet
                collection.set_linewidth(1.0)
                collection.set_linestyle("-")
                collection.set_linestyle(self.dashes)
                collection.set_linewidth(self.width)
                self._last_styles = styles
        collection.set_visible(bool(self.verts))
        self._reset()


_GLYPHS: dict = {}  # (string, weight) -> (vertices at font size 1, codes, bbox), shared cache


def _glyph_outline(string: str, weight: str):
    key = (string, weight)
    if key not in _GLYPHS:
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import TextPath

        path = TextPath((0, 0), string, size=1, prop=FontProperties(weight=weight))
        if len(path.vertices):
            # the control points' hull: a hair larger than the ink, and far cheaper to find
            low, high = path.vertices.min(axis=0), path.vertices.max(axis=0)
            bbox = (low[0], high[0], low[1], high[1])
        else:
            bbox = (0.0, 0.0, 0.0, 0.0)
        _GLYPHS[key] = (path.vertices.copy(), path.codes, bbox)
    return _GLYPHS[key]


def _text_width(string: str, size: float) -> float:
    """Width of ``string`` (its longest line) at font size ``size``, in the same units."""
    widths = [0.0]
    for line in str(string).split("\n"):
        if line:
            _, _, (x0, x1, _, _) = _glyph_outline(line, "normal")
            widths.append((x1 - x0) * size)
    return max(widths)


@functools.lru_cache(maxsize=8192)
def _text_path(string: str, size: float, ha: str, va: str, weight: str, pad: float):
    """The glyph outlines of ``string`` in points (y up), aligned on the origin; cached."""
    from matplotlib.path import Path

    lines = string.split("\n")
    step = 1.3 * size
    block = step * (len(lines) - 1)
    first = {"top": 0.0, "bottom": block, "center": block / 2}[va]  # y of the first line
    shift = {"bottom": pad, "top": -pad, "center": 0.0}[va]
    parts = []
    for index, line in enumerate(lines):
        if not line:
            continue
        vertices, codes, (x0, x1, y0, y1) = _glyph_outline(line, weight)
        if not len(vertices):
            continue
        dx = {"left": -x0, "center": -(x0 + x1) / 2, "right": -x1}[ha]
        dy = -{"top": y1, "center": (y0 + y1) / 2, "bottom": y0}[va]
        parts.append(Path((vertices + (dx, dy)) * size + (0.0, first - index * step + shift), codes))
    return Path.make_compound_path(*parts) if parts else None


class _PathText:
    """Strings drawn as glyph outlines in one PathCollection.

    Matplotlib's Text artists take milliseconds each to render. Here every distinct string is
    turned into glyph outlines once (cached, in points) and drawn at anchors given as offsets,
    like scatter markers, so a redraw only hands over a list of cached paths and an array of
    positions. ``units="data"`` anchors strings in data coordinates, ``units="points"`` in
    ``anchor_transform`` (axes coordinates by default). Sizes are font sizes in points. Every
    :meth:`add` may use its own size, alignment and colour; :meth:`apply` replaces what the
    collection showed.
    """

    def __init__(self, ax, zorder=5, units="data", anchor_transform=None):
        from matplotlib.collections import PathCollection
        from matplotlib.transforms import Affine2D

        anchors = ax.transData if units == "data" else (anchor_transform or ax.transAxes)
        self.collection = PathCollection([], edgecolors="none", zorder=zorder, offsets=np.zeros((0, 2)),
                                         offset_transform=anchors)
        self.collection.set_transform(Affine2D().scale(ax.figure.dpi / 72))
        self.collection.set_clip_on(units == "data")
        ax.add_artist(self.collection)
        self.strings = []
        self._last_key = None
        self._reset()

    def _reset(self):
        self._pending = []

    def add(self, items, size, ha="center", va="center", color=_DARK, weight="normal", pad=0.0) -> None:
        """Queue ``items`` = [(x, y, string), ...] at font ``size`` (points); ``pad`` (points) moves
        text away from its anchor."""
        self._pending.append((tuple((float(x), float(y), str(s)) for x, y, s in items),
                              round(float(size), 2), ha, va, color, weight, float(pad)))

    def apply(self) -> None:
        """Show the queued strings (and only them); nothing is rebuilt when they are unchanged."""
        key = tuple(self._pending)
        self._reset()
        if key == self._last_key:
            return
        self._last_key = key
        from matplotlib.colors import to_rgba

        paths, offsets, colors, strings = [], [], [], []
        for items, size, ha, va, color, weight, pad in key:
            rgba = to_rgba(color)
            for x, y, string in items:
                strings.append(string)
                path = _text_path(string, size, ha, va, weight, pad)
                if path is not None:
                    paths.append(path)
                    offsets.append((x, y))
                    colors.append(rgba)
        self.collection.set_paths(paths)
        self.collection.set_offsets(np.asarray(offsets, dtype=float).reshape(-1, 2))
        self.collection.set_facecolor(colors or [(0, 0, 0, 0)])
        self.collection.set_visible(bool(paths))
        self.strings = strings


def _kind_styles():
    """Per-kind lookups: face RGBA, edge RGBA and (linestyle, linewidth)."""
    from matplotlib.colors import to_rgba

    kinds = sorted(_STYLES)
    face = np.array([to_rgba(_STYLES[k]["facecolor"]) for k in kinds])
    edge = np.array([to_rgba(_STYLES[k]["edgecolor"]) for k in kinds])
    lines = [(_STYLES[k]["linestyle"], _STYLES[k]["linewidth"]) for k in kinds]
    return face, edge, lines


_BOX_STYLE, _DOT_STYLE, _TILE_STYLE, _HIGHLIGHT_STYLE = ("--", 1.4), ("-", 0.0), ("-", 2.2), ("-", 2.6)
_GHOST_STYLE = (":", 1.3)


class SceneArtist:
    """Draws :class:`Scene` objects into one Axes, redrawing in place.

    The artist owns five collections (cells; overlays such as the kernel's tiles, the window
    box and highlights; crossing lines; text in the cells; title and note) and :meth:`draw` only
    replaces their data: repeated calls never add artists. Text is drawn as glyph outlines,
    which renders far faster than matplotlib Text objects.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    title_size : float
        Font size of the title in points; 0 leaves the title and note out (a widget shows them
        as HTML instead).
    zeros : bool
        Write the 0 of padding, inserted and extra zeros (their style marks them anyway).

    Examples
    --------
    >>> fig = new_figure((6, 3))
    >>> artist = SceneArtist(fig.add_subplot())
    >>> artist.draw(conv_scene(4, 3, step=0))
    >>> before = len(artist.ax.get_children())
    >>> artist.draw(conv_scene(5, 3, p=1, step=7, numbers=True))
    >>> len(artist.ax.get_children()) == before
    True
    """

    GAP = 1.6  # cells between grids
    TITLE_SIZE = 10.5
    NOTE_SIZE = 8.0

    def __init__(self, ax, title_size=TITLE_SIZE, zeros=True):
        self.ax = ax
        self.title_size = title_size
        self.zeros = zeros
        self.scene = None
        self.layout = {}
        ax.set_aspect("equal")
        ax.axis("off")
        self._styles = _kind_styles()
        self.cells = _Polygons(ax, zorder=1)
        self.overlay = _Polygons(ax, zorder=3)  # drawn in the order added: box, dots, tiles, highlights
        self.lines = LineCollection([], linewidths=0.9, zorder=2)
        ax.add_collection(self.lines)
        self.text = _PathText(ax)
        self.heading = _PathText(ax, units="points")

    @classmethod
    def _place(cls, scene: Scene) -> tuple[dict, float, float]:
        """Top-left corner of each grid in data coordinates, and the grids' total size."""
        places = {}
        if scene.places is not None:
            places = {name: (float(x), float(y)) for name, x, y in scene.places}
            width = max(places[g.name][0] + g.shape[1] for g in scene.grids)
            height = max(places[g.name][1] + g.shape[0] for g in scene.grids)
            return places, width, height
        if scene.rows:
            y = 0.0
            for grid in scene.grids:
                places[grid.name] = (0.0, y)
                y += grid.shape[0] + cls.GAP
            width = max(grid.shape[1] for grid in scene.grids)
            height = y - cls.GAP
        else:
            height = max(grid.shape[0] for grid in scene.grids)
            x = 0.0
            for grid in scene.grids:
                places[grid.name] = (x, (height - grid.shape[0]) / 2)
                x += grid.shape[1] + cls.GAP
            width = x - cls.GAP
        return places, width, height

    @classmethod
    def extent(cls, scene: Scene) -> tuple[float, float, float, float]:
        """Data limits (left, right, bottom, top) that show ``scene`` with its labels."""
        _, width, height = cls._place(scene)
        has_marks = any(grid.marks for grid in scene.grids)
        left = -3.6 if scene.rows else -0.3
        right = width + (5.8 if has_marks else 0.3)
        top = -1.0 if scene.rows else -1.4
        if scene.annotations:
            top = min(top, min(float(item[1]) for item in scene.annotations) - 0.9)
        return left, right, height + 0.4, top

    def _cell_points(self, width, height) -> float:
        """Size of one cell in points, from the axes' size on the figure."""
        fig = self.ax.figure
        box = self.ax.get_position(original=True)  # before the aspect shrinks it
        w_in, h_in = fig.get_size_inches()
        return min(box.width * w_in * 72 / width, box.height * h_in * 72 / height)

    def draw(self, scene: Scene) -> None:
        """Show ``scene``, replacing what was drawn before."""
        places, width, height = self._place(scene)
        left, right, bottom, top = self.extent(scene)
        cell = self._cell_points(right - left, bottom - top)
        face, edge, line_styles = self._styles
        cells, overlay = self.cells, self.overlay
        boxes, ghosts, tiles, highlights, dots = [], [], [], [], []
        segments, segment_colors = [], []
        values, tile_labels, labels, marks = [], [], [], []
        for grid in scene.grids:
            x0, y0 = places[grid.name]
            for kind in np.unique(grid.kinds):
                where = np.nonzero(grid.kinds == kind)
                cells.add(_squares(where[0], where[1], x0, y0), face[kind], edge[kind], line_styles[kind])
            if grid.unused is not None and grid.unused.any():
                where = np.nonzero(grid.unused)
                segments.append(_diagonals(where[0], where[1], x0, y0))
                segment_colors += [(0.45, 0.45, 0.45, 1.0)] * where[0].size
            where = np.nonzero(grid.kinds == EXTRA)
            if where[0].size:
                segments.append(_diagonals(where[0], where[1], x0, y0))
                segment_colors += [(*_ORANGE, 1.0)] * where[0].size
            where = np.nonzero(grid.kinds == ZERO)
            if where[0].size:
                dots.append(_squares(where[0], where[1], x0, y0, inset=0.44))
            if grid.box is not None:
                boxes.append(_rect(*grid.box, x0, y0)[None])
            ghosts += [_rect(*ghost, x0, y0) for ghost in grid.ghosts]
            if grid.tiles is not None:
                t = grid.tiles
                tiles.append((_squares(t.rows, t.cols, x0, y0, inset=0.14), np.asarray(t.colors)))
                if t.labels is not None:
                    tile_labels += [(x0 + c + 0.96, y0 + r + 0.96, text) for r, c, text in zip(t.rows, t.cols, t.labels)]
            if grid.highlight:
                rows, cols = zip(*grid.highlight)
                highlights.append(_squares(rows, cols, x0, y0))
            if grid.values is not None:
                shown = np.ones(grid.shape, dtype=bool)
                if not self.zeros:  # padding, inserted and extra zeros: their style says 0 already
                    shown = ~np.isin(grid.kinds, (PAD, ZERO, EXTRA)) | (grid.values != 0)
                rr, cc = np.nonzero(shown)
                offset = -0.06 if grid.tiles is not None else 0.0  # leave room for the weight
                # a grid with any fractional value writes all its values with one decimal
                fractional = grid.values.dtype.kind == "f" and not np.all(np.mod(grid.values, 1) == 0)
                fmt = (lambda v: f"{float(v):.1f}") if fractional else _format_value
                values += [(x0 + c + 0.5 + offset, y0 + r + 0.5 + offset, fmt(v))
                           for r, c, v in zip(rr, cc, grid.values[rr, cc])]
            if scene.rows:
                labels.append((x0 - 0.3, y0 + grid.shape[0] / 2, grid.label))
            else:
                labels.append((x0 + grid.shape[1] / 2, y0 - 0.25, grid.label))
            for text, where, index in grid.marks:
                if where == "row":
                    marks.append((x0 + grid.shape[1] + 0.2, y0 + index + 0.5, text))
                else:
                    marks.append((x0 + index + 0.5, y0 + grid.shape[0] + 0.3, text))
        # drawn in this order within one collection: window box, dots, tiles, highlights
        for verts in boxes:
            overlay.add(verts, (0.2, 0.2, 0.2, 0.10), _DARK, _BOX_STYLE)
        if ghosts:
            overlay.add(np.array(ghosts), "none", (0.15, 0.15, 0.15, 0.8), _GHOST_STYLE)
        for verts in dots:
            overlay.add(verts, INPUT_BLUE, "none", _DOT_STYLE)
        for verts, colors in tiles:
            fill = colors.copy()
            fill[:, 3] *= 0.45  # a translucent fill keeps the value readable; the edge has the colour
            overlay.add(verts, fill, colors, _TILE_STYLE)
        for verts in highlights:
            overlay.add(verts, "none", _DARK, _HIGHLIGHT_STYLE)
        cells.apply()
        overlay.apply()
        self.lines.set_segments(np.concatenate(segments) if segments else [])
        self.lines.set_color(segment_colors or [(0, 0, 0, 0)])
        self.lines.set_visible(bool(segments))
        # font sizes in points, converted to data units (cells)
        text = self.text
        text.add(values, float(np.clip(cell * 0.42, 5, 14)))
        text.add(tile_labels, float(np.clip(cell * 0.27, 4, 9)), ha="right", va="bottom",
                 color="black", weight="bold")
        label_size = float(np.clip(cell * 0.34, 8, 11))
        if scene.rows:
            text.add(labels, label_size, ha="right", va="center")
        else:
            text.add(labels, label_size, ha="center", va="bottom")
        text.add(marks, label_size * 0.95, ha="left", va="center", color=_ORANGE)
        connectors = []
        if not scene.rows:
            for index, symbol in enumerate(scene.connectors[: len(scene.grids) - 1]):
                grid = scene.grids[index]
                x = places[grid.name][0] + grid.shape[1] + self.GAP / 2
                connectors.append((x, height / 2, symbol))
        text.add(connectors, float(np.clip(cell * 0.6, 10, 18)))
        sized = [item for item in scene.annotations if len(item) == 4]
        text.add([item for item in scene.annotations if len(item) == 3], float(np.clip(cell * 0.5, 9, 16)))
        for points in sorted({item[3] for item in sized}):
            text.add([item[:3] for item in sized if item[3] == points], points)
        text.apply()
        if self.title_size:
            self.heading.add([(0.5, 1.0, scene.title)], self.title_size, va="bottom", pad=4)
            self.heading.add([(0.5, 0.0, scene.note)], self.NOTE_SIZE, va="top", color=(0.3, 0.3, 0.3))
        self.heading.apply()
        self.ax.set_xlim(left, right)
        self.ax.set_ylim(bottom, top)  # row 0 at the top
        self.scene = scene
        self.layout = {"places": places, "extent": (left, right, bottom, top), "cell_points": cell}


class MatrixArtist:
    """Draws :class:`MatrixScene` objects into one Axes, redrawing in place.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    title_size : float
        Font size of the title in points (0: no title).

    Examples
    --------
    >>> fig = new_figure((4, 3))
    >>> artist = MatrixArtist(fig.add_subplot())
    >>> artist.draw(matrix_scene(4, 3, unit=1))
    >>> len(artist.nonzeros.get_paths())  # 4 rows of 9 weights
    36
    """

    SPARSE_LIMIT = 3000  # up to this many non-background cells, draw squares instead of an image

    def __init__(self, ax, title_size=9.5):
        self.ax = ax
        self.title_size = title_size
        self.scene = None
        ax.axis("off")
        self.image = ax.imshow(np.ones((1, 1, 4)), interpolation="nearest", aspect="equal", zorder=1)
        # a sparse matrix draws faster as one square per nonzero entry than as a resampled image
        self.background = PolyCollection([], facecolor=_MATRIX_BACKGROUND, edgecolor="none", zorder=0.5)
        self.nonzeros = PolyCollection([], edgecolor="none", antialiased=False, zorder=1)
        ax.add_collection(self.background)
        ax.add_collection(self.nonzeros)
        self.grid_lines = LineCollection([], colors=[(0.8, 0.8, 0.8)], linewidths=0.5, zorder=2)
        ax.add_collection(self.grid_lines)
        self.boxes = _Polygons(ax, zorder=3)
        self.cell_text = _PathText(ax, zorder=4)
        self.heading = _PathText(ax, units="points")

    def draw(self, scene: MatrixScene) -> None:
        """Show ``scene``, replacing what was drawn before."""
        rows, cols = scene.shape
        filled = np.nonzero((scene.rgba != _MATRIX_BACKGROUND).any(axis=-1))
        sparse = filled[0].size <= self.SPARSE_LIMIT
        if sparse:
            self.background.set_verts([_rect(0, 0, rows, cols, 0, 0)])
            self.nonzeros.set_verts(_squares(filled[0], filled[1], 0, 0))
            self.nonzeros.set_facecolor(scene.rgba[filled])
        else:
            # 8-bit colours: matplotlib resamples uint8 RGBA about three times faster than floats
            self.image.set_data(np.round(np.clip(scene.rgba, 0, 1) * 255).astype(np.uint8))
            self.image.set_extent((0, cols, rows, 0))
        self.image.set_visible(not sparse)
        self.background.set_visible(sparse)
        self.nonzeros.set_visible(sparse and filled[0].size > 0)
        fig = self.ax.figure
        box = self.ax.get_position(original=True)  # before the aspect shrinks it
        w_in, h_in = fig.get_size_inches()
        cell = min(box.width * w_in * 72 / cols, box.height * h_in * 72 / rows)
        if cell >= 4:  # grid lines only where cells are big enough to separate
            segments = np.concatenate([
                np.stack([np.stack([np.zeros(rows + 1), np.arange(rows + 1)], -1),
                          np.stack([np.full(rows + 1, cols), np.arange(rows + 1)], -1)], 1),
                np.stack([np.stack([np.arange(cols + 1), np.zeros(cols + 1)], -1),
                          np.stack([np.arange(cols + 1), np.full(cols + 1, rows)], -1)], 1),
            ])
        else:
            segments = []
        self.grid_lines.set_segments(segments)
        self.boxes.add([_rect(0, 0, rows, cols, 0, 0)], "none", _GREY, ("-", 0.8))
        for r, c, h, w, color in scene.boxes:
            self.boxes.add([_rect(r, c, h, w, 0, 0)], "none", color, ("-", 2.0))
        self.boxes.apply()
        if scene.labels is not None:
            rr, cc = np.nonzero(scene.labels != "")
            # dark text on light cells, white on dark ones (relative luminance)
            luminance = scene.rgba[rr, cc, :3] @ np.array([0.2126, 0.7152, 0.0722])
            size = float(np.clip(cell * 0.3, 3, 10))
            for light, color in ((True, _DARK), (False, "white")):
                pick = (luminance > 0.45) == light
                self.cell_text.add([(c + 0.5, r + 0.5, scene.labels[r, c]) for r, c in zip(rr[pick], cc[pick])],
                                   size, color=color)
        self.cell_text.apply()
        if self.title_size:
            self.heading.add([(0.5, 1.0, scene.title)], self.title_size, va="bottom", pad=4)
            caption = f"rows: {scene.ylabel} · columns: {scene.xlabel}" if len(scene.xlabel) > 4 else ""
            self.heading.add([(0.5, 0.0, caption)], 8.0, va="top", pad=3, color=(0.3, 0.3, 0.3))
        self.heading.apply()
        self.ax.set_xlim(0, cols)
        self.ax.set_ylim(rows, 0)
        self.scene = scene


# --- one-call figures and animations ----------------------------------------------------------


class DrawingFigure(Figure):
    """A matplotlib Figure that Jupyter shows as a PNG even when pyplot was never imported.

    Examples
    --------
    >>> new_figure()._repr_png_()[1:4]
    b'PNG'
    """

    def _repr_png_(self) -> bytes:
        import io

        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def new_figure(figsize=(8, 3.6), dpi=100) -> Figure:
    """A :class:`DrawingFigure` with an Agg canvas, not registered with pyplot.

    Jupyter displays it as a PNG; creating many never grows pyplot's figure list.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> before = plt.get_fignums()
    >>> fig = new_figure()
    >>> plt.get_fignums() == before
    True
    """
    fig = DrawingFigure(figsize=figsize, dpi=dpi, layout=None)
    FigureCanvasAgg(fig)
    return fig


def figure_for_scene(scene: Scene, per_cell=0.42, title_inches=0.75, note_inches=0.3):
    """A new figure and Axes sized so that ``scene`` fills it at ``per_cell`` inches per cell.

    Examples
    --------
    >>> fig, ax = figure_for_scene(conv_scene(4, 3))
    >>> [round(float(v), 2) for v in fig.get_size_inches()]  # widened to fit the title
    [5.38, 3.49]
    """
    left, right, bottom, top = SceneArtist.extent(scene)
    width, height = (right - left) * per_cell, (bottom - top) * per_cell
    text_width = max(_text_width(scene.title, SceneArtist.TITLE_SIZE),
                     _text_width(scene.note, SceneArtist.NOTE_SIZE)) / 72 + 0.3
    if text_width > width:  # widen the figure; the axes keep their aspect and centre
        width = text_width
    fig = new_figure((width, height + title_inches + note_inches))
    total = height + title_inches + note_inches
    ax = fig.add_axes((0, note_inches / total, 1, height / total))
    return fig, ax


def _figure_for(ax, scene):
    if ax is None:
        return figure_for_scene(scene)
    return ax.figure, ax


def _attach(fig, artist):
    """Keep the artist on its figure (``fig.course_artists``), for redrawing and for tests."""
    fig.course_artists = [*getattr(fig, "course_artists", []), artist]
    return fig


def draw_conv(i, k, s=1, p=0, d=1, step=0, *, numbers=False, x=None, w=None, ax=None):
    """Draw conv(i, k, s, p, d) with the kernel at ``step``; returns the Figure.

    Parameters are those of :func:`conv_scene`; ``ax`` draws into an existing Axes. The
    figure keeps its :class:`SceneArtist` in ``fig.course_artists`` (to redraw it in place).

    Examples
    --------
    >>> fig = draw_conv(5, 3, s=2, p=1, step=4)
    >>> len(fig.axes)
    1
    """
    scene = conv_scene(i, k, s, p, d, step, numbers=numbers, x=x, w=w)
    fig, ax = _figure_for(ax, scene)
    artist = SceneArtist(ax)
    artist.draw(scene)
    return _attach(fig, artist)


def draw_transposed(i, k, s=1, p=0, d=1, step=0, *, view="equivalent", output_padding=None,
                    numbers=False, y=None, w=None, ax=None):
    """Draw the transpose of conv(i, k, s, p, d); returns the Figure.

    Parameters
    ----------
    view : {"equivalent", "scatter"}
        The emulating direct convolution (:func:`equivalent_scene`) or the scatter of kernel
        copies (:func:`scatter_scene`).
    Other parameters
        As :func:`equivalent_scene` / :func:`scatter_scene`.

    Examples
    --------
    >>> fig = draw_transposed(6, 3, s=2, p=1, view="scatter")
    >>> len(fig.axes)
    1
    """
    if view not in ("equivalent", "scatter"):
        raise ValueError(f"view must be 'equivalent' or 'scatter', got {view!r}")
    build = equivalent_scene if view == "equivalent" else scatter_scene
    scene = build(i, k, s, p, d, step, output_padding=output_padding, numbers=numbers, y=y, w=w)
    fig, ax = _figure_for(ax, scene)
    artist = SceneArtist(ax)
    artist.draw(scene)
    return _attach(fig, artist)


def draw_conv_matrix(i, k, s=1, p=0, d=1, *, transposed=False, unit=None, other=None, w=None, ax=None):
    """Draw C (or Cᵀ) of conv(i, k, s, p, d); returns the Figure. See :func:`matrix_scene`.

    Examples
    --------
    >>> fig = draw_conv_matrix(4, 3, unit=0)
    >>> fig.course_artists[0].scene.shape
    (4, 16)
    """
    scene = matrix_scene(i, k, s, p, d, transposed=transposed, unit=unit, other=other, w=w)
    if ax is None:
        rows, cols = scene.shape
        fig = new_figure((min(12.0, 1.2 + cols * 0.32), min(9.0, 1.4 + rows * 0.32)))
        ax = fig.add_subplot()
    artist = MatrixArtist(ax)
    artist.draw(scene)
    return _attach(ax.figure, artist)


class Animation:
    """Frames of a drawing, shown as animated HTML in a notebook or saved as a GIF.

    Built by :func:`animate_conv` and :func:`animate_transposed`. A notebook cell ending with an
    ``Animation`` shows it with play controls (matplotlib's ``to_jshtml``).

    Parameters
    ----------
    scenes : iterable of Scene
        One scene per frame.
    interval : int
        Milliseconds per frame.

    Examples
    --------
    >>> animation = Animation([conv_scene(4, 3, step=step) for step in range(4)], interval=500)
    >>> animation
    Animation(4 frames, 500 ms each)
    >>> next(animation.frames()).shape[2]  # RGBA
    4
    """

    def __init__(self, scenes, interval=700):
        self.scenes = list(scenes)
        if not self.scenes:
            raise ValueError("scenes must hold at least one Scene")
        self.interval = check_int("interval", interval, minimum=1)
        self.figure, ax = figure_for_scene(self.scenes[0])
        self.artist = SceneArtist(ax)
        self.artist.draw(self.scenes[0])

    def __len__(self) -> int:
        return len(self.scenes)

    def __repr__(self) -> str:
        return f"Animation({len(self.scenes)} frames, {self.interval} ms each)"

    def frames(self):
        """Yield each frame as an RGBA array (the figure is redrawn in place)."""
        canvas = self.figure.canvas
        for scene in self.scenes:
            self.artist.draw(scene)
            canvas.draw()
            yield np.asarray(canvas.buffer_rgba()).copy()

    def save(self, path) -> None:
        """Write an endlessly looping GIF to ``path``."""
        from PIL import Image

        images = [Image.fromarray(frame[..., :3]).quantize(colors=128, method=Image.Quantize.MEDIANCUT)
                  for frame in self.frames()]
        images[0].save(path, save_all=True, append_images=images[1:], duration=self.interval, loop=0,
                       optimize=False)

    def to_jshtml(self) -> str:
        """HTML with the frames and play controls (``matplotlib.animation.Animation.to_jshtml``)."""
        from matplotlib.animation import FuncAnimation

        animation = FuncAnimation(
            self.figure, lambda frame: self.artist.draw(self.scenes[frame]), frames=len(self.scenes),
            interval=self.interval, blit=False, repeat=True,
        )
        return animation.to_jshtml(default_mode="loop")

    def _repr_html_(self) -> str:
        return self.to_jshtml()


def animate_conv(i, k, s=1, p=0, d=1, *, numbers=False, x=None, w=None, interval=700):
    """An animation of the kernel of conv(i, k, s, p, d) through every position.

    Returns an :class:`Animation`: a notebook shows it as animated HTML; ``.save(path)``
    writes a GIF.

    Examples
    --------
    >>> animation = animate_conv(4, 3)
    >>> len(animation)  # one frame per output unit
    4
    """
    g = conv_geometry(i, k, s, p, d)
    return Animation(
        (conv_scene(i, k, s, p, d, step, numbers=numbers, x=x, w=w) for step in range(g.positions)), interval
    )


def animate_transposed(i, k, s=1, p=0, d=1, *, view="equivalent", output_padding=None, numbers=False,
                       y=None, w=None, interval=700):
    """An animation of the transpose of conv(i, k, s, p, d) through every position.

    ``view="equivalent"`` moves the rotated kernel over every output unit of the emulating
    convolution (the guide's GIFs); ``view="scatter"`` adds one kernel copy per input unit.

    Examples
    --------
    >>> animation = animate_transposed(4, 3, view="scatter")
    >>> len(animation.artist.scene.grids)
    3
    """
    if view not in ("equivalent", "scatter"):
        raise ValueError(f"view must be 'equivalent' or 'scatter', got {view!r}")
    t = transposed_geometry(i, k, s, p, d, output_padding)
    build = equivalent_scene if view == "equivalent" else scatter_scene
    count = t.positions if view == "equivalent" else t.inputs
    return Animation(
        (build(i, k, s, p, d, step, output_padding=output_padding, numbers=numbers, y=y, w=w)
         for step in range(count)),
        interval,
    )
