"""The guide's figures, from one declarative table, as PNG figures and GIF animations.

:data:`FIGURES` lists every figure of Dumoulin & Visin, *A guide to convolution arithmetic for
deep learning* (arXiv 1603.07285; its figures' source is MIT licensed) by its number, with the
parameters it draws, plus a numerical transposed-convolution figure the guide never had. Every
size and value is computed by :mod:`course_lib` (see :mod:`course_lib.draw`); the numerical
figures use the guide's seed 1234. Captions are generated from the computed sizes, which also
corrects the guide's Figure 4.7 caption (its input is 3×3, not 2×2).

In a notebook::

    from course_lib import figures
    figures.render("4.7")            # the static figure
    figures.animation("4.7")         # every kernel position, as animated HTML

From the shell (``make figures``)::

    python -m course_lib.figures --out build/figures
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_lib import arithmetic, draw

__all__ = [
    "FigureSpec",
    "FIGURES",
    "GUIDE_NUMBERS",
    "spec",
    "caption",
    "describe",
    "scenes",
    "render",
    "shown_scale",
    "png_width",
    "min_font_points",
    "animation_views",
    "animation",
    "write_all",
    "main",
]


@dataclass(frozen=True)
class FigureSpec:
    """One figure: its number, what it draws and with which parameters.

    ``kind`` is one of "numerical" (convolution with values), "pooling", "channels",
    "subsampling", "arithmetic" (direct convolution), "counting", "transposed" (the emulating
    direct convolution, the guide's Chapter 4 style) and "transposed-numerical".
    ``steps`` are the kernel positions shown side by side in the static figure.
    ``erratum`` says what the guide's own caption gets wrong, if anything.
    """

    number: str
    kind: str
    params: dict = field(default_factory=dict)
    steps: tuple = (0, 1, 2, 3)
    heading: str = ""
    erratum: str = ""

    @property
    def in_guide(self) -> bool:
        """Whether the guide has this figure (the numerical transposed one is ours)."""
        return self.number in GUIDE_NUMBERS


def _specs() -> tuple:
    p = dict
    all9 = tuple(range(9))
    return (
        FigureSpec("1.1", "numerical", p(i=5, k=3, s=1, p=0), all9, "Computing the output values of a discrete convolution"),
        FigureSpec("1.2", "numerical", p(i=5, k=3, s=2, p=1), all9,
                   "Computing the output values of a discrete convolution with padding and strides"),
        FigureSpec("1.3", "channels", p(i=5, k=3, n_in=2, n_out=3), (), "Two input feature maps to three output feature maps"),
        FigureSpec("1.4", "subsampling", p(i=5, k=3, s=2), (0, 1), "Strides as subsampling"),
        FigureSpec("1.5", "pooling", p(i=5, k=3, s=1, mode="average"), all9, "Average pooling"),
        FigureSpec("1.6", "pooling", p(i=5, k=3, s=1, mode="max"), all9, "Max pooling"),
        FigureSpec("2.1", "arithmetic", p(i=4, k=3, s=1, p=0), heading="No padding, unit strides"),
        FigureSpec("2.2", "arithmetic", p(i=5, k=4, s=1, p=2), heading="Arbitrary padding, unit strides"),
        FigureSpec("2.3", "arithmetic", p(i=5, k=3, s=1, p=1), heading="Half padding, unit strides"),
        FigureSpec("2.4", "arithmetic", p(i=5, k=3, s=1, p=2), heading="Full padding, unit strides"),
        FigureSpec("2.5", "arithmetic", p(i=5, k=3, s=2, p=0), heading="No zero padding, arbitrary strides"),
        FigureSpec("2.6", "arithmetic", p(i=5, k=3, s=2, p=1), heading="Arbitrary padding and strides"),
        FigureSpec("2.7", "arithmetic", p(i=6, k=3, s=2, p=1),
                   heading="Arbitrary padding and strides, with the last row and column never covered"),
        FigureSpec("2.8", "counting", p(i=5, k=3, strides=(1, 2)), (), "Counting kernel positions"),
        FigureSpec("4.1", "transposed", p(i=4, k=3, s=1, p=0), heading="No padding, unit strides, transposed"),
        FigureSpec("4.2", "transposed", p(i=5, k=4, s=1, p=2), heading="Arbitrary padding, unit strides, transposed"),
        FigureSpec("4.3", "transposed", p(i=5, k=3, s=1, p=1), heading="Half padding, transposed"),
        FigureSpec("4.4", "transposed", p(i=5, k=3, s=1, p=2), heading="Full padding, transposed"),
        FigureSpec("4.5", "transposed", p(i=5, k=3, s=2, p=0), heading="No zero padding, non-unit strides, transposed"),
        FigureSpec("4.6", "transposed", p(i=5, k=3, s=2, p=1), heading="Zero padding, non-unit strides, transposed"),
        FigureSpec("4.7", "transposed", p(i=6, k=3, s=2, p=1),
                   heading="Zero padding, non-unit strides, transposed, with the extra a = 1",
                   erratum="The guide's caption says the equivalent convolution runs over a 2×2 input; "
                           "its input is 3×3 (i′ = 3), stretched to 5×5."),
        FigureSpec("5.1", "arithmetic", p(i=7, k=3, s=1, p=0, d=2), heading="Dilated convolution"),
        FigureSpec("4.7-numerical", "transposed-numerical", p(i=6, k=3, s=2, p=1), (0, 1, 2, 8),
                   "Numerical transposed convolution (not in the guide): Figure 4.7's geometry, "
                   "Figure 1.2's output as input, the guide's kernel"),
    )


FIGURES = {figure.number: figure for figure in _specs()}
"""Every figure by its number: the guide's 1.1-1.6, 2.1-2.8, 4.1-4.7, 5.1 and "4.7-numerical"."""

GUIDE_NUMBERS = (
    "1.1", "1.2", "1.3", "1.4", "1.5", "1.6",
    "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8",
    "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "5.1",
)
"""The guide's figure numbers, in order."""


def spec(number) -> FigureSpec:
    """The table entry for figure ``number``.

    Raises
    ------
    TypeError
        If ``number`` is not a string.
    ValueError
        If there is no such figure.

    Examples
    --------
    >>> spec("4.7").params
    {'i': 6, 'k': 3, 's': 2, 'p': 1}
    >>> spec("3.1")
    Traceback (most recent call last):
    ...
    ValueError: number must be one of 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7, 2.8, 4.1, 4.2, 4.3, 4.4, 4.5, 4.6, 4.7, 5.1, 4.7-numerical; got '3.1'
    """
    if not isinstance(number, str):
        raise TypeError(f"number must be a string such as '2.1', got {type(number).__name__} {number!r}")
    if number not in FIGURES:
        raise ValueError(f"number must be one of {', '.join(FIGURES)}; got {number!r}")
    return FIGURES[number]


def _conv_args(params) -> tuple:
    return params["i"], params["k"], params.get("s", 1), params.get("p", 0), params.get("d", 1)


def _square(n) -> str:
    return f"{n}×{n}"


def _units(n: int) -> str:
    return f"{n} unit{'s' if n != 1 else ''}"


def _direct(i, k, s, p, d) -> str:
    """The direct convolution in words: "a 3×3 kernel slides over a 5×5 input ..., 2 units at a time"."""
    kernel = f"a {_square(k)} kernel"
    if d > 1:
        k_hat = arithmetic.effective_kernel_size(k, d)
        kernel += f" with its weights {d} units apart (dilation d = {d}, so it spans {_square(k_hat)})"
    where = f"a {_square(i)} input"
    if p:
        where += f" with a border of zeros {_units(p)} wide"
    step = "one unit at a time" if s == 1 else f"{s} units at a time"
    return f"{kernel} slides over {where}, {step}"


def _values(i, k, s, p, d) -> str:
    return f"i = {i}, k = {k}" + (f", d = {d}" if d > 1 else "") + f", s = {s}, p = {p}"


def _map_terms(n_in: int) -> str:
    """"input map 1 convolved with wⱼ,₁ plus input map 2 convolved with wⱼ,₂" (Unicode subscripts)."""
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    term = [f"input map {c} convolved with kernel wⱼ,{str(c).translate(sub)}" for c in range(1, n_in + 1)]
    return " plus ".join(term) if n_in <= 3 else f"{term[0]} plus … plus {term[-1]}"


def _summary(number) -> str:
    """The first sentence of :func:`caption` (no final full stop): what the figure shows."""
    figure = spec(number)
    params = figure.params
    if figure.kind in ("arithmetic", "transposed", "transposed-numerical", "numerical"):
        args = _conv_args(params)
        if figure.kind == "numerical":
            direct = _direct(*args)
            return f"{direct[0].upper()}{direct[1:]} ({_values(*args)})"
        direct = _direct(*args)
        if figure.kind == "arithmetic":
            return f"{figure.heading}. {direct[0].upper()}{direct[1:]} ({_values(*args)})"
        if figure.kind == "transposed":
            return f"{figure.heading}. The transpose of the convolution in which {direct} ({_values(*args)})"
        return figure.heading
    if figure.kind == "pooling":
        mode = "Max" if params["mode"] == "max" else "Average"
        step = "one unit at a time" if params["s"] == 1 else f"{params['s']} units at a time"
        return (f"{mode} pooling: a {_square(params['k'])} window slides over a {_square(params['i'])} input, "
                f"{step} (i = {params['i']}, k = {params['k']}, s = {params['s']})")
    if figure.kind == "channels":
        n_in, n_out, k = params["n_in"], params["n_out"], params["k"]
        return (f"A convolution from {n_in} input maps ({_square(params['i'])} each) to {n_out} output maps, "
                f"with {n_in * n_out} kernels of size {_square(k)}: one for each pair of output map and input map")
    if figure.kind == "subsampling":
        return (f"A stride of {params['s']} seen as subsampling: a {_square(params['k'])} kernel on a "
                f"{_square(params['i'])} input")
    if figure.kind == "counting":
        return (f"Counting the positions of a {_square(params['k'])} kernel on a {_square(params['i'])} input "
                f"without padding")
    raise AssertionError(f"unknown kind {figure.kind!r}")  # pragma: no cover - the table is fixed


def describe(number) -> str:
    """A one-sentence plain-text description of figure ``number``: the text fallback of :func:`render`.

    Examples
    --------
    >>> print(describe("1.1"))
    Figure 1.1 (the guide's, redrawn): A 3×3 kernel slides over a 5×5 input, one unit at a time (i = 5, k = 3, s = 1, p = 0).
    """
    figure = spec(number)
    origin = "the guide's, redrawn" if figure.in_guide else "not in the guide"
    return f"Figure {figure.number} ({origin}): {_summary(number).replace(' (not in the guide)', '')}."


def caption(number) -> str:
    """The figure's caption, in the course's words, written from the sizes :mod:`course_lib.arithmetic` computes.

    Examples
    --------
    >>> print(caption("4.7"))
    Zero padding, non-unit strides, transposed, with the extra a = 1. The transpose of the convolution in which a 3×3 kernel slides over a 6×6 input with a border of zeros 1 unit wide, 2 units at a time (i = 6, k = 3, s = 2, p = 1). The figure draws the direct convolution that computes it: the kernel, rotated by 180°, slides one unit at a time over the 3×3 input stretched to 5×5 by 1 zero between neighbouring units, with a border of zeros 1 unit wide and 1 extra row and column of zeros at the bottom and right (i′ = 3, ĩ′ = 5, a = 1, k′ = k, s′ = 1, p′ = 1). Its output is 6×6, the size of the direct convolution's input.
    """
    figure = spec(number)
    params = figure.params
    text = _summary(number) + "."
    if figure.kind in ("arithmetic", "transposed", "transposed-numerical", "numerical"):
        i, k, s, p, d = _conv_args(params)
        o = arithmetic.conv_output_size(i, k, s, p, d)
        if figure.kind == "numerical":
            return (f"{text} At each position the {k * k} weights multiply the input values under them and the "
                    f"products add up to one output value; the {o * o} positions give a {_square(o)} output.")
        if figure.kind == "arithmetic":
            text += f" The kernel fits in {o} positions along each axis, so the output is {_square(o)}."
            covered = draw.conv_geometry(i, k, s, p, d).covered()
            missed = int((~covered[-1::-1, 0]).cumprod().sum()) if not covered.all() else 0
            if missed:
                rows = "row and column" if missed == 1 else f"{missed} rows and columns"
                text += f" The last {rows} of the padded input are never reached (crossed out)."
            return text
        eq = arithmetic.transposed_equivalent(i, k, s, p, d)
        over = f"the {_square(eq.i_prime)} input"
        if s > 1:
            over += (f" stretched to {_square(eq.i_stretched)} by {s - 1} zero{'s' if s > 2 else ''} "
                     f"between neighbouring units")
        extras = []
        if eq.p_prime > 0:
            extras.append(f"a border of zeros {_units(eq.p_prime)} wide")
        elif eq.p_prime < 0:
            extras.append(f"{_units(-eq.p_prime)} cropped from each side")
        if eq.a:
            extras.append(f"{eq.a} extra row{'s' if eq.a > 1 else ''} and column{'s' if eq.a > 1 else ''} "
                          f"of zeros at the bottom and right")
        if extras:
            over += ", with " + " and ".join(extras)
        primes = f"i′ = {eq.i_prime}" + (f", ĩ′ = {eq.i_stretched}" if s > 1 else "")
        primes += (f", a = {eq.a}" if eq.a else "") + f", k′ = k, s′ = 1, p′ = {eq.p_prime}"
        emulation = (f"the kernel, rotated by 180°, slides one unit at a time over {over} ({primes}). Its output "
                     f"is {_square(i)}, the size of the direct convolution's input.")
        if figure.kind == "transposed":
            return f"{text} The figure draws the direct convolution that computes it: {emulation}"
        return (f"{text} It is the transpose of the convolution in which {_direct(i, k, s, p, d)} "
                f"({_values(i, k, s, p, d)}). Left: the scatter view, in which every input unit adds a copy of the "
                f"kernel scaled by its value (each panel shows the running sum). Right: the direct convolution that "
                f"computes the same output: {emulation}")
    if figure.kind == "pooling":
        o = arithmetic.pool_output_size(params["i"], params["k"], params["s"])
        what = "the largest" if params["mode"] == "max" else "the mean"
        return (f"{text} Each output value is {what} of the {params['k'] ** 2} input values inside the window; "
                f"the {o * o} positions give a {_square(o)} output.")
    if figure.kind == "channels":
        o = arithmetic.conv_output_size(params["i"], params["k"])
        return f"{text} Output map j is {_map_terms(params['n_in'])}; each output map is {_square(o)}."
    if figure.kind == "subsampling":
        s = params["s"]
        o = arithmetic.conv_output_size(params["i"], params["k"], s)
        dense = arithmetic.conv_output_size(params["i"], params["k"])
        return (f"{text} Left: the kernel moves {s} units at a time and gives a {_square(o)} output. Right: it "
                f"moves one unit at a time, which gives a {_square(dense)} output, and only one row in {s} and one "
                f"column in {s} of that output are kept (grey: skipped); the kept values are the left output.")
    if figure.kind == "counting":
        parts = []
        for label, s in zip("ab", params["strides"]):
            o = arithmetic.conv_output_size(params["i"], params["k"], s)
            parts.append(f"({label}) with s = {s}, the kernel takes {o - 1} step{'s' if o != 2 else ''} of {s} from "
                         f"its first position to the right edge: {o} positions per axis, a {_square(o)} output")
        return f"{text} " + "; ".join(parts) + "."
    raise AssertionError(f"unknown kind {figure.kind!r}")  # pragma: no cover - the table is fixed


def _numbers_1_2() -> np.ndarray:
    """Figure 1.2's output (the numerical transposed figure's input)."""
    x, w = draw.guide_values(5, 3)
    return draw.conv_scene(5, 3, 2, 1, 1, 0, x=x, w=w).grid("output").values


def scenes(number) -> list:
    """The scenes figure ``number`` shows, panel by panel (row-major).

    Examples
    --------
    >>> [scene.grid("output").shape for scene in scenes("2.7")]
    [(3, 3), (3, 3), (3, 3), (3, 3)]
    >>> len(scenes("1.1")), len(scenes("4.7-numerical"))
    (9, 8)
    """
    figure = spec(number)
    params = figure.params
    if figure.kind == "numerical":
        return [draw.conv_scene(*_conv_args(params), step, numbers=True) for step in figure.steps]
    if figure.kind == "pooling":
        return [draw.pool_scene(params["i"], params["k"], params["s"], step, mode=params["mode"]) for step in figure.steps]
    if figure.kind == "arithmetic":
        return [draw.conv_scene(*_conv_args(params), step) for step in figure.steps]
    if figure.kind == "transposed":
        return [draw.equivalent_scene(*_conv_args(params), step) for step in figure.steps]
    if figure.kind == "transposed-numerical":
        y = _numbers_1_2()
        w = draw.guide_values(5, 3)[1]
        args = _conv_args(params)
        t = draw.transposed_geometry(*args)
        scatter_steps = [s for s in figure.steps if s < t.inputs]
        equivalent_steps = list(figure.steps[:-1]) + [t.positions - 1]
        return ([draw.scatter_scene(*args, step, y=y, w=w) for step in scatter_steps]
                + [draw.equivalent_scene(*args, step, y=y, w=w) for step in equivalent_steps])
    if figure.kind == "channels":
        return [draw.channels_scene(params["i"], params["k"], params["n_in"], params["n_out"])]
    if figure.kind == "subsampling":
        pairs = [draw.subsampling_scenes(params["i"], params["k"], params["s"], step) for step in figure.steps]
        return [pair[0] for pair in pairs] + [pair[1] for pair in pairs]
    if figure.kind == "counting":
        return [draw.counting_scene(params["i"], params["k"], s, f"({label})")
                for label, s in zip("ab", params["strides"])]
    raise AssertionError(f"unknown kind {figure.kind!r}")  # pragma: no cover


def _layout(figure: FigureSpec, count: int, max_cols=None) -> tuple[int, int, list]:
    """Rows, columns and the (row, column) of each panel; at most ``max_cols`` columns."""
    if figure.kind in ("transposed-numerical", "subsampling"):
        half = count // 2  # two views side by side, one kernel position per row
        return half, 2, [(index % half, index // half) for index in range(count)]
    cols = {9: 3, 4: 2}.get(count, count)
    if max_cols is not None:
        cols = max(1, min(cols, max_cols))
    rows = -(-count // cols)
    return rows, cols, [divmod(index, cols) for index in range(count)]


_CAPTION_SIZE = 10.0  # points: the smallest caption under a figure
NOTEBOOK_PX = 800
"""Width (px) a notebook gives a figure at 100 % zoom: wider figures are shown scaled down."""
MIN_PX = 9.0
"""The smallest text (px) a figure shows at :data:`NOTEBOOK_PX`."""
_DPI = 100  # draw.new_figure's, which Jupyter's inline PNG uses
_PAD_IN = 0.1  # the margin savefig(bbox_inches="tight") adds on each side: the PNG is 0.2 in wider
_WIDEST_PX = 1400  # fewer columns of panels rather than a wider figure (and smaller text)


def shown_scale(figure) -> float:
    """How much a notebook :data:`NOTEBOOK_PX` wide scales ``figure`` down (1: not at all).

    Examples
    --------
    >>> shown_scale(render("2.8")), round(shown_scale(render("4.7-numerical")), 2)
    (1.0, 0.5)
    """
    return min(1.0, NOTEBOOK_PX / png_width(figure.get_size_inches()[0], figure.dpi))


def png_width(width_inches: float, dpi: float = _DPI) -> int:
    """Width (px) of the PNG a notebook shows for a figure this wide: the figure plus savefig's margins.

    Every text of a :func:`render` figure lies inside it, so the tight bounding box is the figure.

    Examples
    --------
    >>> png_width(7.8)
    800
    """
    return int(round((width_inches + 2 * _PAD_IN) * dpi, 6))  # Agg truncates to whole pixels


def min_font_points(width_inches: float, dpi: float = _DPI) -> float:
    """The smallest font (points) that shows :data:`MIN_PX` high in a figure this wide.

    Examples
    --------
    >>> min_font_points(7.0), min_font_points(16.0)
    (6.48, 13.13)
    """
    scale = min(1.0, NOTEBOOK_PX / png_width(width_inches, dpi))
    return math.ceil(MIN_PX * 72 / dpi / scale * 100) / 100  # rounded up: text sizes keep 2 decimals


def _fit_lines(lines, size, width_in, weight_factor=1.0) -> list:
    """``lines`` joined side by side ("    ") when they fit ``width_in``, else one per line, each
    wrapped at ", " or spaces so that no line is wider than ``width_in`` at font ``size``."""
    from course_lib.draw.render import _text_width

    limit = width_in * 72

    def fits(text):
        return _text_width(text, size) * weight_factor <= limit

    joined = "    ".join(lines)
    if fits(joined):
        return [joined]
    out = []
    for line in lines:
        words, current = line.split(" "), ""
        for word in words:
            candidate = f"{current} {word}" if current else word
            if current and not fits(candidate):
                out.append(current)
                current = word
            else:
                current = candidate
        out.append(current)
    return out


def _layout_for(figure, panels, per_cell):
    extents = [draw.SceneArtist.extent(scene) for scene in panels]
    cell_w = max(right - left for left, right, _, _ in extents)
    cell_h = max(bottom - top for _, _, bottom, top in extents)
    return cell_w, cell_h


def render(number, *, per_cell=0.3):
    """Figure ``number`` as a matplotlib Figure (not registered with pyplot).

    Panels show the figure's kernel positions; the heading gives the number and the
    parameters with the relationship used, the caption comes from :func:`caption`. Every text
    is at least :data:`MIN_PX` high when a notebook shows the PNG at most :data:`NOTEBOOK_PX`
    wide (a wider figure gets larger fonts, and fewer panels per row rather than tiny text).
    The figure keeps its scenes, artists and caption text as ``figure.course_scenes``,
    ``figure.course_artists`` and ``figure.course_caption`` (what the tests check); its plain-text
    form is :func:`describe`.

    Examples
    --------
    >>> fig = render("2.1")
    >>> len(fig.course_artists), fig.course_artists[0].scene.grid("output").shape
    (4, (2, 2))
    >>> fig
    Figure 2.1 (the guide's, redrawn): No padding, unit strides. A 3×3 kernel slides over a 4×4 input, one unit at a time (i = 4, k = 3, s = 1, p = 0).
    """
    figure = spec(number)
    panels = scenes(number)
    cell_w, cell_h = _layout_for(figure, panels, per_cell)
    # fewer columns rather than a figure so wide that a notebook shrinks its text below 9 px
    # numerical figures keep room for the weights written in the window's corners (2.6 × their size)
    widest = 1010 if figure.kind == "numerical" else _WIDEST_PX
    max_cols = max(1, int(widest / _DPI // (cell_w * per_cell)))
    rows, cols, positions = _layout(figure, len(panels), max_cols=max_cols)
    if NOTEBOOK_PX < png_width(cell_w * per_cell * cols) <= 1.2 * NOTEBOOK_PX:
        # a little too wide: slightly smaller cells make it fit, shown unscaled (same cells on screen)
        per_cell = math.floor((NOTEBOOK_PX / _DPI - 2 * _PAD_IN) / (cell_w * cols) * 1000) / 1000
    if figure.kind == "numerical":
        # those weights need cells 2.6 times their shown size: larger cells, same columns (the text
        # grows with the figure, slower than the cells while a notebook row holds 30+ cells); else
        # one column fewer
        base = per_cell
        while per_cell * 72 < 2.6 * min_font_points(max(cell_w * per_cell * cols, 7.0)):
            per_cell = round(per_cell + 0.01, 2)
            if per_cell > 2 * base and cols > 1:
                per_cell, max_cols = base, cols - 1
                rows, cols, positions = _layout(figure, len(panels), max_cols=max_cols)
    panel_w = cell_w * per_cell
    width = max(panel_w * cols, 7.0)
    min_font = min_font_points(width)  # every text at least this large: MIN_PX high when shown
    # notes wrap to their panel's width at the size they are written
    note_size = max(min_font, draw.SceneArtist.note_size(per_cell * 72))
    note_wrap = max(20, int(panel_w * 72 / (0.6 * note_size)))
    panels = [dataclasses.replace(scene, note=textwrap.fill(scene.note, note_wrap)) if scene.note else scene
              for scene in panels]
    note_lines = max([_panel_scene(figure, scene, index, len(panels)).note.count("\n") + 1
                      for index, scene in enumerate(panels)])
    title_size = max(8.5, min_font)
    title_in = max(0.55, (title_size * 1.3 + 6) / 72)
    note_in = max(0.3, (note_lines * note_size * 1.3 + 4) / 72)
    panel_h = cell_h * per_cell + title_in + note_in
    # the caption is never smaller than the grid labels (which grow with the cells), nor than 10 pt
    caption_size = max(_CAPTION_SIZE, draw.SceneArtist.label_size(per_cell * 72), min_font)
    # DejaVu Sans averages about 0.55 em per character: 0.6 em leaves a margin
    wrap = int((width - 0.5) * 72 / (0.6 * caption_size))
    wrapped = textwrap.fill(caption(number), width=wrap)
    if figure.erratum:
        wrapped += "\n" + textwrap.fill("Corrected: " + figure.erratum, width=wrap)
    # heading and parameter lines: wrapped to the figure's width, never wider (a wider text would
    # widen the PNG and shrink everything when shown)
    heading_size, sub_size = max(12, min_font), max(9.5, min_font)
    heading = f"Figure {figure.number}" + (f" · {figure.heading}" if figure.heading else "")
    heading_lines = _fit_lines([heading], heading_size, width - 0.4, weight_factor=1.12)
    titled = {"arithmetic": 0, "transposed": 0, "numerical": 0, "pooling": 0, "transposed-numerical": -1}
    sub_lines = (_fit_lines(panels[titled[figure.kind]].title.splitlines(), sub_size, width - 0.4)
                 if figure.kind in titled else [])
    head_in = (0.15 + len(heading_lines) * 1.3 * heading_size / 72 + 0.08
               + len(sub_lines) * 1.3 * sub_size / 72 + 0.2)
    foot_in = 0.25 + (wrapped.count("\n") + 1) * 1.3 * caption_size / 72
    height = panel_h * rows + head_in + foot_in
    fig = draw.new_figure((width, height))
    artists = []
    for index, scene in enumerate(panels):
        row, col = positions[index]
        left = (width - panel_w * cols) / 2 + col * panel_w
        bottom = foot_in + (rows - 1 - row) * panel_h + note_in
        ax = fig.add_axes((left / width, bottom / height, panel_w / width, (cell_h * per_cell) / height))
        artist = draw.SceneArtist(ax, title_size=title_size, min_font=min_font)
        artist.draw(_panel_scene(figure, scene, index, len(panels)))
        artists.append(artist)
    fig.text(0.5, 1 - 0.15 / height, "\n".join(heading_lines), ha="center", va="top", fontsize=heading_size,
             fontweight="bold", linespacing=1.3)
    if sub_lines:
        top = 0.15 + len(heading_lines) * 1.3 * heading_size / 72 + 0.08
        fig.text(0.5, 1 - top / height, "\n".join(sub_lines), ha="center", va="top", fontsize=sub_size,
                 linespacing=1.3)
    fig.course_caption = fig.text(0.5, (foot_in - 0.08) / height, wrapped, ha="center", va="top",
                                  fontsize=caption_size, color="0.25", linespacing=1.3)
    fig.course_scenes = panels
    fig.course_artists = artists
    fig.course_min_font = min_font
    fig.course_description = describe(number)
    return fig


def _panel_scene(figure: FigureSpec, scene, index: int, count: int):
    """The scene with a short per-panel title (the figure's heading carries the parameters)."""
    keep_note = index == 0 or (figure.kind in ("transposed-numerical", "subsampling") and index == count // 2)
    note = scene.note if keep_note else ""
    if figure.kind in ("arithmetic", "transposed", "numerical", "pooling"):
        return dataclasses.replace(scene, title=f"position {figure.steps[index] + 1}", note=note)
    if figure.kind == "transposed-numerical":
        t = draw.transposed_geometry(*_conv_args(figure.params))
        half = count // 2
        if index < half:
            title = f"scatter: sum after input unit {figure.steps[index] + 1} of {t.inputs}"
        else:
            steps = list(figure.steps[:-1]) + [t.positions - 1]
            title = f"emulating convolution: output unit {steps[index - half] + 1} of {t.positions}"
        return dataclasses.replace(scene, title=title, note=note)
    if figure.kind == "subsampling":
        return dataclasses.replace(scene, title=f"{scene.title}: position {figure.steps[index % (count // 2)] + 1}",
                                   note=note)
    return scene


def animation_views(number) -> tuple:
    """The animations figure ``number`` has: "conv", "equivalent" and/or "scatter"; () if static.

    Examples
    --------
    >>> animation_views("2.1"), animation_views("4.1"), animation_views("1.3")
    (('conv',), ('equivalent', 'scatter'), ())
    """
    kind = spec(number).kind
    if kind in ("numerical", "arithmetic", "pooling"):
        return ("conv",)
    if kind in ("transposed", "transposed-numerical"):
        return ("equivalent", "scatter")
    return ()


def animation(number, view=None, *, interval=700) -> draw.Animation:
    """The kernel of figure ``number`` moving through every position.

    Parameters
    ----------
    number : str
    view : str, optional
        One of :func:`animation_views` (default: the first).
    interval : int
        Milliseconds per frame.

    Returns
    -------
    course_lib.draw.Animation
        Shown as animated HTML in a notebook; ``.save(path)`` writes a GIF.

    Examples
    --------
    >>> len(animation("2.1")), len(animation("4.7", "scatter"))
    (4, 9)
    """
    figure = spec(number)
    views = animation_views(number)
    if not views:
        raise ValueError(f"figure {number} is static; animated figures: "
                         f"{', '.join(n for n in FIGURES if animation_views(n))}")
    view = views[0] if view is None else view
    if view not in views:
        raise ValueError(f"view must be one of {views} for figure {number}, got {view!r}")
    params = figure.params
    if figure.kind == "pooling":
        o = arithmetic.pool_output_size(params["i"], params["k"], params["s"])
        frames = [draw.pool_scene(params["i"], params["k"], params["s"], step, mode=params["mode"])
                  for step in range(o * o)]
        return draw.Animation(frames, interval)
    args = _conv_args(params)
    if figure.kind in ("numerical", "arithmetic"):
        return draw.animate_conv(*args, numbers=figure.kind == "numerical", interval=interval)
    if figure.kind == "transposed-numerical":
        y, w = _numbers_1_2(), draw.guide_values(5, 3)[1]
        return draw.animate_transposed(*args, view=view, y=y, w=w, interval=interval)
    return draw.animate_transposed(*args, view=view, interval=interval)


def write_all(out, *, numbers=None, gifs=True, log=print) -> list:
    """Write every figure as ``figure-N.png`` and every animation as ``figure-N[-view].gif``.

    Parameters
    ----------
    out : str or Path
        Output folder (created if needed).
    numbers : iterable of str, optional
        Only these figures (default: all of :data:`FIGURES`).
    gifs : bool
        Also write the animations.
    log : callable
        Called with one line per file written.

    Returns
    -------
    list of Path

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out:
    ...     [path.name for path in write_all(out, numbers=["2.5"], log=lambda line: None)]
    ['figure-2.5.png', 'figure-2.5.gif']
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for number in (numbers or FIGURES):
        fig = render(number)
        path = out / f"figure-{number}.png"
        fig.savefig(path, dpi=110)
        written.append(path)
        log(str(path))
        if not gifs:
            continue
        for index, view in enumerate(animation_views(number)):
            suffix = "" if index == 0 else f"-{view}"
            path = out / f"figure-{number}{suffix}.gif"
            animation(number, view).save(path)
            written.append(path)
            log(str(path))
    return written


def main(argv=None) -> int:
    """Command line: ``python -m course_lib.figures --out DIR [--only 2.1 4.7] [--no-gifs]``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out:
    ...     main(["--out", out, "--only", "2.5", "--no-gifs"])  # doctest: +ELLIPSIS
    /...figure-2.5.png
    wrote 1 files to ...
    0
    """
    parser = argparse.ArgumentParser(prog="python -m course_lib.figures", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder, e.g. build/figures")
    parser.add_argument("--only", nargs="+", metavar="NUMBER", help="figure numbers to write (default: all)")
    parser.add_argument("--no-gifs", action="store_true", help="write the PNG figures only")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")  # headless; our figures never go through pyplot anyway
    try:
        numbers = [spec(number).number for number in args.only] if args.only else None
    except (TypeError, ValueError) as err:
        parser.error(str(err))
    written = write_all(args.out, numbers=numbers, gifs=not args.no_gifs)
    print(f"wrote {len(written)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
