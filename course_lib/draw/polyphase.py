"""Drawings of lesson 06: polyphase interleaving and the two pixel-shuffle channel orders.

Two pure functions, each returning a matplotlib Figure drawn with :class:`~course_lib.draw.render.SceneArtist`
from :class:`~course_lib.draw.scenes.Scene` objects, and a caption function for each that computes its text
from :mod:`course_lib.arithmetic`, :mod:`course_lib.numeric`, :mod:`course_lib.sampling` and
:mod:`course_lib.frameworks` (never typed by hand):

* :func:`polyphase_figure` — a stride-``s`` transposed convolution as ``s`` small convolutions: tap ``t`` of
  the kernel belongs to phase ``t mod s`` (one colour per phase), phase ``r`` convolves the input, and its
  outputs land at positions ``r, r + s, r + 2s, ...`` of the output (the other positions of its row, drawn
  dotted, belong to the other phases); the output is the sum of the rows, i.e. the phase outputs interleaved.
  Phase ``r`` is named ``g_r`` (lesson 06's letter), so that ``w_t`` stays a single tap.
* :func:`pixel_shuffle_figure` — the same stack of ``C_out·s²`` channels put into ``C_out`` maps by the CRD and
  the DCR order side by side: each output pixel shows the number (and colour) of the channel it came from.

Every label is at least 10 pt at dpi 100 (the cells are 0.43 in), and no figure is wider than 8 in.
"""

from __future__ import annotations

import numpy as np

from course_lib import arithmetic, frameworks, numeric, sampling
from course_lib._validate import check_int
from course_lib.draw.geometry import KERNEL, OUTPUT, UNIT, ZERO
from course_lib.draw.scenes import Grid, Scene, Tiles, weight_colors

__all__ = [
    "PHASE_COLORS",
    "polyphase_scene",
    "polyphase_figure",
    "polyphase_caption",
    "pixel_shuffle_scene",
    "pixel_shuffle_figure",
    "pixel_shuffle_caption",
]

PER_CELL = 0.43
"""Inches per cell: cells of 31 pt, so that grid labels are 10.5 pt and values 13 pt (SceneArtist's rules)."""
MAX_WIDTH = 8.0
"""No figure of this module is wider than this (inches): it fits a notebook at 100 % without shrinking."""

PHASE_COLORS = (
    (203 / 255, 75 / 255, 22 / 255, 1.0),     # Solarized orange: phase 0
    (108 / 255, 113 / 255, 196 / 255, 1.0),   # Solarized violet: phase 1
    (133 / 255, 153 / 255, 0 / 255, 1.0),     # Solarized green: phase 2
    (211 / 255, 54 / 255, 130 / 255, 1.0),    # Solarized magenta: phase 3
)
"""One colour per phase ``r`` (up to four phases)."""

_LABEL_CELLS = 7.6   # room left of the grids for the row labels (cells)


def _numbers(name: str, values, max_length: int) -> np.ndarray:
    """A 1-D integer array of 1..max_length entries."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of integers, got {values!r}")
    array = np.asarray(values)
    if array.ndim == 1 and array.size == 0:
        raise ValueError(f"{name} must have 1 to {max_length} entries, got none")
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must be a 1-D sequence of integers, got {values!r}")
    if not 1 <= array.size <= max_length:
        raise ValueError(f"{name} must have 1 to {max_length} entries, got {array.size}")
    return array.astype(int)


def _check_polyphase(x, w, s):
    s = check_int("s", s, minimum=2, maximum=len(PHASE_COLORS))
    x = _numbers("x", x, 4)
    w = _numbers("w", w, 8)
    if w.size < s:
        raise ValueError(f"w must have at least s = {s} taps (one per phase), got {w.size}")
    length = arithmetic.transposed_output_size(x.size, w.size, s)
    if _LABEL_CELLS + length + 0.3 > MAX_WIDTH / PER_CELL:
        raise ValueError(f"the output (x.size - 1)·s + w.size = {length} must be at most "
                         f"{int(MAX_WIDTH / PER_CELL - _LABEL_CELLS - 0.3)} units to fit the figure; "
                         "use a shorter x, w or a smaller s")
    return x, w, s


def _phase_parts(x, w, s):
    """Each phase's taps, its output ``w_r ∗ x`` and the interleaved output (checked against numeric)."""
    phases = [w[r::s] for r in range(s)]
    outputs = [np.convolve(x, phase) for phase in phases]
    y = sampling.interleave(outputs, s)
    assert np.array_equal(y, numeric.conv_transpose1d(x, w, stride=s))
    return phases, outputs, y


def _subscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def polyphase_scene(x=(2, -1), w=(1, 2, 3, 4, 5), s=3) -> Scene:
    """The scene of :func:`polyphase_figure`: rows x, w, one row per phase output, y.

    Parameters
    ----------
    x : sequence of int
        Input, 1 to 4 samples.
    w : sequence of int
        Kernel (taps as a library layer's weights), ``s`` to 8 taps.
    s : int
        Stride = number of phases, 2 to 4.

    Returns
    -------
    Scene
        Grids "input", "kernel", "phase 0", ..., "phase s-1", "output". In phase row ``r`` the cells
        ``r, r + s, ...`` hold ``g_r ∗ x`` (kind OUTPUT), with ``g_r = w[r::s]``; the others are the other
        phases' positions, where phase ``r`` writes nothing (kind ZERO, drawn dotted).

    Raises
    ------
    TypeError
        If ``x`` or ``w`` is not a 1-D sequence of integers, or ``s`` is not an integer.
    ValueError
        If a size is out of range or the output would not fit in 8 inches.

    Examples
    --------
    >>> scene = polyphase_scene()
    >>> [grid.name for grid in scene.grids]
    ['input', 'kernel', 'phase 0', 'phase 1', 'phase 2', 'output']
    >>> scene.grid("output").values[0].astype(int).tolist()
    [2, 4, 6, 7, 8, -3, -4, -5]
    >>> scene.grid("phase 2").count(ZERO), scene.grid("phase 2").count(OUTPUT)
    (6, 2)
    """
    x, w, s = _check_polyphase(x, w, s)
    phases, outputs, y = _phase_parts(x, w, s)
    length = y.size
    colors = np.array(PHASE_COLORS[:s])
    grids = [
        Grid("input", "input x", np.full((1, x.size), UNIT, dtype=np.int8), values=x[None].astype(float)),
        Grid("kernel", "kernel w (colour: phase)", np.full((1, w.size), KERNEL, dtype=np.int8),
             values=w[None].astype(float),
             tiles=Tiles(np.zeros(w.size, dtype=int), np.arange(w.size), colors[np.arange(w.size) % s])),
    ]
    for r in range(s):
        kinds = np.full((1, length), ZERO, dtype=np.int8)
        values = np.zeros((1, length))
        kinds[0, r::s] = OUTPUT
        values[0, r::s] = outputs[r]
        taps = ", ".join(str(int(v)) for v in phases[r])
        grids.append(Grid(f"phase {r}", f"g{_subscript(r)} = ({taps}): g{_subscript(r)} ∗ x", kinds, values=values,
                          tiles=Tiles(np.zeros(outputs[r].size, dtype=int), np.arange(r, length, s),
                                      np.repeat(colors[r:r + 1], outputs[r].size, axis=0))))
    grids.append(Grid("output", "y = sum of the rows", np.full((1, length), OUTPUT, dtype=np.int8),
                      values=y[None].astype(float),
                      tiles=Tiles(np.zeros(length, dtype=int), np.arange(length), colors[np.arange(length) % s])))
    places = tuple((grid.name, _LABEL_CELLS - 3.6, index * 1.55) for index, grid in enumerate(grids))
    return Scene(title=f"Stride {s}: {s} phase convolutions, interleaved",
                 grids=tuple(grids), rows=True, places=places,
                 note="dotted cells: the other phases' positions (this row's phase writes nothing there)")


def _draw(scene: Scene):
    # imported here: importing this module (like course_lib.draw) loads no matplotlib
    from course_lib.draw.render import SceneArtist, _attach, figure_for_scene

    fig, ax = figure_for_scene(scene, per_cell=PER_CELL, title_inches=0.55, note_inches=0.4)
    artist = SceneArtist(ax, zeros=False)
    artist.draw(scene)
    return _attach(fig, artist)


def polyphase_figure(x=(2, -1), w=(1, 2, 3, 4, 5), s=3):
    """Draw a stride-``s`` transposed convolution as ``s`` phase convolutions, interleaved.

    Parameters are those of :func:`polyphase_scene`; its caption is :func:`polyphase_caption`.

    Returns
    -------
    matplotlib.figure.Figure
        With its :class:`~course_lib.draw.render.SceneArtist` in ``fig.course_artists``.

    Examples
    --------
    >>> fig = polyphase_figure()
    >>> float(fig.get_size_inches()[0]) <= 8
    True
    >>> fig.course_artists[0].layout["font_sizes"]["label"] >= 10
    True
    """
    return _draw(polyphase_scene(x, w, s))


def polyphase_caption(x=(2, -1), w=(1, 2, 3, 4, 5), s=3) -> str:
    """The caption of :func:`polyphase_figure`, computed from the same numbers (markdown).

    Examples
    --------
    >>> print(polyphase_caption())  # doctest: +NORMALIZE_WHITESPACE
    **Figure.** x = (2, -1), w = (1, 2, 3, 4, 5), s = 3. Tap t of w belongs to phase t mod 3: g₀ = (1, 4),
    g₁ = (2, 5), g₂ = (3). Phase r convolves x and writes at positions r, r + 3, …: 3, 3 and 2 of the
    (2 − 1)·3 + 5 = 8 outputs. Their sum y = (2, 4, 6, 7, 8, -3, -4, -5) equals conv_transpose1d(x, w,
    stride=3): True.
    """
    x, w, s = _check_polyphase(x, w, s)
    phases, outputs, y = _phase_parts(x, w, s)
    length = arithmetic.transposed_output_size(x.size, w.size, s)
    fmt = lambda values: "(" + ", ".join(str(int(v)) for v in values) + ")"
    names = ", ".join(f"g{_subscript(r)} = {fmt(phases[r])}" for r in range(s))
    counts = [str(o.size) for o in outputs]
    counts = ", ".join(counts[:-1]) + " and " + counts[-1]
    equal = bool(np.array_equal(y, numeric.conv_transpose1d(x, w, stride=s)))
    return (f"**Figure.** x = {fmt(x)}, w = {fmt(w)}, s = {s}. Tap t of w belongs to phase t mod {s}: {names}. "
            f"Phase r convolves x and writes at positions r, r + {s}, …: {counts} of the "
            f"({x.size} − 1)·{s} + {w.size} = {length} outputs. Their sum y = {fmt(y)} equals "
            f"conv_transpose1d(x, w, stride={s}): {equal}.")


# --- pixel shuffle ---------------------------------------------------------------------------------


def _check_shuffle(channels_out, s):
    channels_out = check_int("channels_out", channels_out, minimum=1, maximum=2)
    s = check_int("s", s, minimum=2, maximum=3)
    if channels_out * s * s > 12:
        raise ValueError(f"channels_out·s² must be at most 12 to fit the figure, got {channels_out}·{s}² = "
                         f"{channels_out * s * s}")
    return channels_out, s


def _frameworks_of(order: str) -> list[str]:
    return [name for name, value in frameworks.PIXEL_SHUFFLE_ORDERS.items() if value == order]


def pixel_shuffle_scene(channels_out=2, s=2) -> Scene:
    """The scene of :func:`pixel_shuffle_figure`: input channels on top, CRD maps left, DCR maps right.

    Parameters
    ----------
    channels_out : int
        Output maps ``C_out``, 1 or 2.
    s : int
        Upscaling factor (lesson 06 calls it s; ESPCN and ``numeric.pixel_shuffle`` call it r), 2 or 3,
        with ``C_out·s² <= 12``.

    Returns
    -------
    Scene
        Grids "input" (one 1×1 cell per channel, in a row), "CRD c" and "DCR c" (``s × s``) for each
        output map ``c``; each cell's value is the number of the input channel it holds
        (:func:`course_lib.numeric.pixel_shuffle` of the channel numbers), in that channel's colour.

    Raises
    ------
    TypeError
        If ``channels_out`` or ``s`` is not an integer.
    ValueError
        If they are out of range.

    Examples
    --------
    >>> scene = pixel_shuffle_scene()
    >>> scene.grid("CRD 0").values.astype(int).tolist(), scene.grid("DCR 0").values.astype(int).tolist()
    ([[0, 1], [2, 3]], [[0, 2], [4, 6]])
    """
    channels_out, s = _check_shuffle(channels_out, s)
    depth = channels_out * s * s
    numbers = np.arange(depth).reshape(depth, 1, 1)
    colors = weight_colors((1, depth)).reshape(depth, 4)
    grids = [Grid("input", f"input: C_out·s² = {depth} channels of 1×1",
                  np.full((1, depth), UNIT, dtype=np.int8), values=np.arange(depth, dtype=float)[None],
                  tiles=Tiles(np.zeros(depth, dtype=int), np.arange(depth), colors))]
    block = s + 1.2
    panel = channels_out * block - 1.2
    left = {"CRD": 0.0, "DCR": panel + 2.5}
    places = [("input", max(0.0, (left["DCR"] + panel - depth) / 2), 0.0)]
    annotations = []
    for order in ("CRD", "DCR"):
        shuffled = numeric.pixel_shuffle(numbers, s, order)
        names = " / ".join(_frameworks_of(order)[:1]) or order
        annotations.append((left[order] + panel / 2, 2.6, f"{order} ({names})", 10.5))
        for c in range(channels_out):
            values = shuffled[c].astype(int)
            rows, cols = np.nonzero(np.ones((s, s), dtype=bool))
            grids.append(Grid(f"{order} {c}", f"map {c}", np.full((s, s), OUTPUT, dtype=np.int8),
                              values=values.astype(float), tiles=Tiles(rows, cols, colors[values[rows, cols]])))
            places.append((f"{order} {c}", left[order] + c * block, 4.0))
    width = max(depth, left["DCR"] + panel)
    if width * PER_CELL + 0.6 > MAX_WIDTH:  # pragma: no cover - excluded by _check_shuffle
        raise ValueError("the figure would be wider than 8 inches")
    return Scene(title=f"One stack of {depth} channels, two channel orders", grids=tuple(grids),
                 places=tuple(places), annotations=tuple(annotations),
                 note="each output pixel shows the number (and colour) of the input channel it holds")


def pixel_shuffle_figure(channels_out=2, s=2):
    """Draw the CRD and DCR pixel shuffles of the same channels side by side.

    Parameters are those of :func:`pixel_shuffle_scene`; its caption is :func:`pixel_shuffle_caption`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = pixel_shuffle_figure()
    >>> float(fig.get_size_inches()[0]) <= 8
    True
    """
    return _draw(pixel_shuffle_scene(channels_out, s))


def pixel_shuffle_caption(channels_out=2, s=2) -> str:
    """The caption of :func:`pixel_shuffle_figure` (markdown), from numeric.pixel_shuffle and
    frameworks.PIXEL_SHUFFLE_ORDERS.

    Examples
    --------
    >>> print(pixel_shuffle_caption())  # doctest: +NORMALIZE_WHITESPACE
    **Figure.** CRD (pytorch pixel_shuffle, onnx DepthToSpace mode='CRD'): pixel (r₁, r₂) of each 2×2 block of
    output map c holds channel c·4 + r₁·2 + r₂; map 0 gets channels 0, 1, 2, 3. DCR (tensorflow depth_to_space,
    onnx DepthToSpace (default)): it holds channel (r₁·2 + r₂)·2 + c; map 0 gets channels 0, 2, 4, 6. The two
    images differ in 6 of 8 pixels.
    """
    channels_out, s = _check_shuffle(channels_out, s)
    depth = channels_out * s * s
    numbers = np.arange(depth).reshape(depth, 1, 1)
    crd, dcr = (numeric.pixel_shuffle(numbers, s, order) for order in ("CRD", "DCR"))
    listed = lambda image: ", ".join(str(int(v)) for v in sorted(image[0].ravel()))
    differ = int((crd != dcr).sum())
    c, r1, r2 = np.indices(crd.shape)   # the formulas the caption states, checked on the drawn numbers
    r1, r2 = r1 % s, r2 % s
    assert np.array_equal(crd, c * s * s + r1 * s + r2) and np.array_equal(dcr, (r1 * s + r2) * channels_out + c)
    return (f"**Figure.** CRD ({', '.join(_frameworks_of('CRD'))}): pixel (r₁, r₂) of each {s}×{s} block of "
            f"output map c holds channel c·{s * s} + r₁·{s} + r₂; map 0 gets channels {listed(crd)}. "
            f"DCR ({', '.join(_frameworks_of('DCR'))}): it holds channel (r₁·{s} + r₂)·{channels_out} + c; "
            f"map 0 gets channels {listed(dcr)}. The two images differ in {differ} of {crd.size} pixels.")
