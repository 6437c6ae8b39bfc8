"""What a drawing shows: scenes built from course_lib's math modules, and their colours.

The middle layer of :mod:`course_lib.draw`. Scene builders (:func:`conv_scene`,
:func:`pool_scene`, :func:`scatter_scene`, :func:`equivalent_scene`, :func:`matrix_scene`, ...)
are pure functions: they take the parameters of a convolution and a kernel position and return
a :class:`Scene` (grids of cell kinds from :mod:`course_lib.draw.geometry`, the kernel window's
cells, values, labels, title and note) or a :class:`MatrixScene`. Every size, position and
value in them comes from :mod:`course_lib.arithmetic`, :mod:`course_lib.numeric` or
:mod:`course_lib.symbolic`. Importing this module imports no matplotlib (only
:func:`values_matrix_scene` reads a matplotlib colormap, when called).

The colours are the guide's (Dumoulin & Visin, arXiv 1603.07285; MIT licensed, Solarized):
input blue, output cyan, plus one colour per kernel weight.
"""

from __future__ import annotations

import colorsys
import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

from course_lib import arithmetic, numeric, symbolic
from course_lib._validate import check_int, check_int_tuple
from course_lib.draw.geometry import (  # EXTRA and ZERO: for the doctests
    CROPPED, DISCARDED, EXTRA, KERNEL, OUTPUT, OUTPUT_EXTRA, OUTPUT_ZERO, PAD, UNIT, ZERO, ConvGeometry,
    TransposedGeometry,
    _axis_kinds_stretched, _combine_kinds, _fmt_pair, _pair, _per_axis, conv_geometry, transposed_geometry,
)

__all__ = [
    "INPUT_BLUE",
    "OUTPUT_CYAN",
    "weight_colors",
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
    "reach_scene",
]

# --- colours ----------------------------------------------------------------------------------

INPUT_BLUE = (38 / 255, 139 / 255, 210 / 255)
"""The guide's input colour (Solarized blue, RGB 38, 139, 210)."""
OUTPUT_CYAN = (42 / 255, 161 / 255, 152 / 255)
"""The guide's output colour (Solarized cyan, RGB 42, 161, 152)."""
_ORANGE = (203 / 255, 75 / 255, 22 / 255)  # Solarized orange: the `a` / output_padding units
_VIOLET = (108 / 255, 113 / 255, 196 / 255)  # Solarized violet: a transposed output unit in C and Cᵀ
_GREY = (0.55, 0.55, 0.55)
_DARK = (0.1, 0.1, 0.1)


def _fmt_size(values) -> str:
    """A grid's size as rows×columns, also when square (``5×5``): a bare ``5`` reads like a value."""
    return f"{values[0]}×{values[1]}"


def _tint(rgb, amount: float) -> tuple:
    """``rgb`` mixed with white: amount 0 keeps it, 1 gives white."""
    return tuple(c + (1 - c) * amount for c in rgb)


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


GAP = 1.6
"""Cells between neighbouring grids of a scene."""


def _place(scene: Scene) -> tuple[dict, float, float]:
    """Top-left corner of each grid in data coordinates (cells), and the grids' total size."""
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
            y += grid.shape[0] + GAP
        width = max(grid.shape[1] for grid in scene.grids)
        height = y - GAP
    else:
        height = max(grid.shape[0] for grid in scene.grids)
        x = 0.0
        for grid in scene.grids:
            places[grid.name] = (x, (height - grid.shape[0]) / 2)
            x += grid.shape[1] + GAP
        width = x - GAP
    return places, width, height


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


@functools.lru_cache(maxsize=32)
def _inline(n: int) -> str:
    """Relationship ``n``'s equation on one line, in plain Unicode (floor as ⌊…⌋, no stacked fraction).

    Drawings write equations inline: mathtext's stacked fraction shrinks the numerator and
    denominator to 70 % of the font size, too small to read in a figure a notebook scales down.

    Examples
    --------
    >>> _inline(6), _inline(14)
    ('o = ⌊(i − k + 2p)/s⌋ + 1', 'o′ = a + k − 2p + s(i′ − 1)')
    """
    import sympy  # already imported by arithmetic

    equation = arithmetic.relationship(n).equation
    text = f"{sympy.sstr(equation.lhs)} = {sympy.sstr(equation.rhs)}"
    while "floor(" in text:  # floor(...) -> ⌊...⌋, matching the parentheses
        start = text.index("floor(")
        depth, end = 0, start + 5
        for end in range(start + 5, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[:start] + "⌊" + text[start + 6:end] + "⌋" + text[end + 1:]
    return text.replace("*", "").replace(" - ", " − ").replace("'", "′")


def _relationship_line(numbers: tuple, transposed: bool) -> str:
    """"Relationship n: equation" (inline Unicode), or per axis when the two axes differ."""
    if numbers[0] == numbers[1]:
        n = numbers[0]
        if n is None:
            return ""
        return f"Relationship {n}: {_inline(n)}"
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
    Relationship 6: o = ⌊(i − k + 2p)/s⌋ + 1
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
        line = "dilated transpose (not in the guide): o′ = s(i′ − 1) + a + d(k − 1) + 1 − 2p"
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
    label = f"input {_fmt_size(g.i)}" + (f", padding p = {_fmt_pair(g.p)}" if any(g.p) else "")
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
        name="output", label=f"output {_fmt_size(g.o)}",
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
        f"Relationship 7: {_inline(7)}"
    )
    return _sliding_scene(g, step, xv, None, out_values, title, colors=None)


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

    The output grid is the full scatter result, ``(i′-1)s + k̂`` per axis, extended by
    ``max(output_padding - p, 0)``; the ``p`` rows and columns on each side that ``padding`` crops
    are drawn grey and dotted, and the last ``output_padding`` rows/columns of the kept output have
    orange edges. What those rows hold depends on the padding: while ``output_padding <= p`` they
    are computed outputs that the crop had removed (not zeros: kind ``OUTPUT_EXTRA``, filled);
    rows past the end of the full scatter output (``output_padding > p``, e.g. ``p = 0``) are
    zeros, and the grid's extension holds them (kind ``OUTPUT_ZERO``, drawn empty).

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
    >>> scatter_scene(7, 3, s=2, p=0, output_padding=1).grid("output").count(OUTPUT_ZERO)  # p = 0: zeros only
    15
    >>> zero_row = scatter_scene(6, 3, s=2, p=0, output_padding=1, numbers=True, y=np.ones((2, 2)), w=np.ones((3, 3)),
    ...                          step=3).grid("output")
    >>> zero_row.shape, zero_row.values[-1].tolist()  # p = 0: the output_padding row lies past the 5x5 scatter
    ((6, 6), [0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
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
        kinds[(x >= t.full[axis]) & (x < kept_end)] = OUTPUT_ZERO  # past the scatter: no copy reaches it
        kinds[(x < g.p[axis]) | (x >= kept_end)] = CROPPED
        axis_kinds.append(kinds)
    rk, ck = axis_kinds[0][:, None], axis_kinds[1][None, :]
    kinds = np.full(size, OUTPUT, dtype=np.int8)
    kinds[(rk == OUTPUT_EXTRA) | (ck == OUTPUT_EXTRA)] = OUTPUT_EXTRA
    kinds[(rk == OUTPUT_ZERO) | (ck == OUTPUT_ZERO)] = OUTPUT_ZERO
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
        name="input", label=f"input {_fmt_size(t.i_prime)}", kinds=np.full(t.i_prime, UNIT, dtype=np.int8),
        values=in_values, highlight=((r, c),),
    )
    out = Grid(
        name="output", label=f"output {_fmt_size(t.o_t)}" + (f" (full {_fmt_size(t.full)})" if size != t.o_t else ""),
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
    label = f"input {_fmt_size(t.i_prime)}"
    if g.s != (1, 1):
        label += f", stretched to {_fmt_size(t.i_stretched)}"
    inp = Grid(
        name="input", label=label, kinds=kinds, values=in_values,
        tiles=Tiles(rows, cols, rotated, _weight_labels(wv, order)),
        box=(r + start[0] - row0, c + start[1] - col0, g.k_hat[0], g.k_hat[1]), marks=tuple(marks),
    )
    out = Grid(
        name="output", label=f"output {_fmt_size(t.o_t)}", kinds=np.full(t.o_t, OUTPUT, dtype=np.int8),
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
        or its row of Cᵀ, is outlined in violet (orange is kept for a and output_padding).
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
        boxes.append((0, other, n_out, 1, _VIOLET))
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
    inp = Grid(name="input", label=f"input {_fmt_size(g.i)}", kinds=np.full(g.i, UNIT, dtype=np.int8),
               box=(0, 0, g.k[0], g.k[1]), ghosts=ghosts, unused=~g.covered())
    out = Grid(name="output", label=f"output {_fmt_size(g.o)}", kinds=np.full(g.o, OUTPUT, dtype=np.int8),
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
    kept = Grid(name="kept", label="kept", kinds=np.full(g.o, OUTPUT, dtype=np.int8),
                values=kept_values, highlight=((r, c),))
    out = Grid(name="output", label=f"stride 1: output {_fmt_size(dense.o)}", kinds=kinds,
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

    Output map ``j`` is the sum over the input maps ``c`` of input map ``c`` convolved with
    kernel ``w[j, c]`` (labelled w₁,₁, w₁,₂, … with Unicode subscripts); the
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
    annotations.append((width / 2, g.i[0] + 1.0, "each input map ∗ its own kernel; the results are added"))
    terms = " + ".join(f"input map {c} ∗ wⱼ,{str(c).translate(_SUBSCRIPT)}" for c in range(1, n_in + 1))
    if n_in > 3:
        terms = " + … + ".join(f"input map {c} ∗ wⱼ,{str(c).translate(_SUBSCRIPT)}" for c in (1, n_in))
    return Scene(
        title=f"{n_in} input maps → {n_out} output maps with a {n_out}×{n_in}×{g.k[0]}×{g.k[1]} set of kernels",
        grids=tuple(grids), places=tuple(places), annotations=tuple(annotations),
        note=f"output map j = {terms}   (each {_fmt_size(g.o)}, Relationship 1)",
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
    layouts = [_place(scene) for scene in scenes]
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
                cx = x + local[grid.name][0] + grid.shape[1] + GAP / 2
                annotations.append((cx, y + h / 2, symbol))
        annotations += [(x + ax_, y + ay_, *rest) for ax_, ay_, *rest in scene.annotations]
        if title:
            annotations.append((x + width / 2, -1.8, title, 10.0))
        x += width + gap
    notes = " · ".join(scene.note for scene in scenes if scene.note)
    return Scene(title="", grids=tuple(grids), note=notes, places=tuple(places), annotations=tuple(annotations))


def reach_scene(kernel_sizes, dilations=1, *, two_d=False, label="") -> Scene:
    """Which input units one output unit of a stack of stride-1 dilated layers reaches (gridding).

    1-D (``two_d=False``): one row per level, the output unit at the top, each layer's reached
    units below it (each unit drawn under the centre of its own field), the input at the
    bottom; input units of the field that no path reaches (holes) are crossed out. 2-D: the
    field as a square grid, holes crossed out, its centre outlined (the title counts the units
    reached). Sizes and reached units
    come from :func:`course_lib.connectivity.reached_units` and
    :func:`~course_lib.connectivity.reached_units_2d`.

    Parameters
    ----------
    kernel_sizes : sequence of int
        One kernel size per layer (>= 1), the layer reading the input first.
    dilations : int or sequence of int
        One dilation for every layer, or one per layer (>= 1).
    two_d : bool
        Draw the 2-D field of square kernels instead of the 1-D levels.
    label : str
        Prefix of the title, e.g. "(a)".

    Returns
    -------
    Scene
        1-D: grids "output", "level L-1", ..., "level 1", "input"; 2-D: one grid "input".

    Raises
    ------
    TypeError, ValueError
        As :func:`course_lib.connectivity.reached_units`; TypeError if ``two_d`` is not a bool.

    Examples
    --------
    >>> scene = reach_scene([3, 3, 3], [2, 2, 3])
    >>> [grid.name for grid in scene.grids]
    ['output', 'level 2', 'level 1', 'input']
    >>> int(scene.grid("input").unused.sum()), scene.grid("input").shape
    (2, (1, 15))
    >>> square = reach_scene([3, 3], 2, two_d=True)
    >>> square.grid("input").shape, int(square.grid("input").unused.sum())
    ((9, 9), 56)
    """
    from course_lib import connectivity

    if not isinstance(two_d, (bool, np.bool_)):
        raise TypeError(f"two_d must be True or False, got {type(two_d).__name__} {two_d!r}")
    mask = connectivity.reached_units(kernel_sizes, dilations)  # validates both arguments
    ks = [int(k) for k in kernel_sizes]
    ds = [int(d) for d in dilations] if isinstance(dilations, (tuple, list)) else [int(dilations)] * len(ks)
    r = mask.size
    rates = ", ".join(map(str, ds))
    kernel = ", ".join(map(str, ks)) if len(set(ks)) > 1 else str(ks[0])
    if two_d:
        square = connectivity.reached_units_2d(ks, ds)
        reached = int(square.sum())
        grid = Grid(name="input", label=f"input field {r}×{r}",
                    kinds=np.where(square, UNIT, CROPPED).astype(np.int8), unused=~square,
                    highlight=(((r - 1) // 2, (r - 1) // 2),))
        title = f"{label} k = {kernel}, dilations {rates}: {reached} of {r * r} units reached".strip()
        return Scene(title=title, grids=(grid,))
    grids, places = [], []
    for level in range(len(ks), -1, -1):  # top (the output unit) first
        below = connectivity.stack_receptive_field(ks[:level], ds[:level]) if level else 1
        if level == len(ks):
            grids.append(Grid(name="output", label="output", kinds=np.full((1, 1), OUTPUT, dtype=np.int8),
                              highlight=((0, 0),)))
            places.append(("output", (below - 1) // 2, 0.0))
            continue
        offsets = np.flatnonzero(connectivity.reached_units(ks[level:], ds[level:]))
        row = np.zeros((1, r), dtype=bool)
        row[0, offsets + (below - 1) // 2] = True
        name = f"level {level}" if level else "input"
        text = f"layer {level} (d = {ds[level - 1]})" if level else "input"
        grids.append(Grid(name=name, label=text, kinds=np.where(row, UNIT, CROPPED).astype(np.int8),
                          unused=~row if level == 0 else None))
        places.append((name, 0.0, (len(ks) - level) * 2.0))
    top = grids[0]
    grids[0] = dataclasses.replace(top, label=f"output: layer {len(ks)} (d = {ds[-1]})")
    holes = int((~mask).sum())
    title = f"{label} k = {kernel}, dilations {rates}: {r - holes} of the field's {r} input units reached".strip()
    return Scene(title=title, grids=tuple(grids), places=tuple(places), rows=True,
                 note=f"crossed out: {holes} hole{'s' if holes != 1 else ''}; "
                      "each unit sits under the centre of its own field")
