"""Drawings of lesson 03's objects: ceil_mode's extra window, switches and unpooling, a receptive field.

Each drawing has a scene builder (pure data, no matplotlib: :func:`ceil_mode_scene`,
:func:`unpooling_scene`, :func:`receptive_field_scene`) and a ``draw_*`` function that renders it
with :class:`course_lib.draw.render.SceneArtist` into a figure at most 8 inches wide, with grid
labels of at least 10 points. Every size, window, value and caption comes from
:mod:`course_lib.arithmetic`, :mod:`course_lib.numeric` and :mod:`course_lib.connectivity`; the
caption (the scene's note) is computed, never typed. Colours are the guide's (input blue, output
cyan; Dumoulin & Visin, arXiv 1603.07285, figure code MIT licensed).
"""

from __future__ import annotations

import numpy as np

from course_lib import arithmetic, connectivity, numeric
from course_lib._validate import _describe, check_int
from course_lib.draw.geometry import CROPPED, OUTPUT, PAD, UNIT
from course_lib.draw.scenes import Grid, Scene

__all__ = [
    "ceil_mode_scene",
    "unpooling_scene",
    "receptive_field_scene",
    "draw_ceil_mode",
    "draw_unpooling",
    "draw_receptive_field",
    "MAX_WIDTH",
]

MAX_WIDTH = 8.0
"""Widest figure (inches) the drawings make: notebook width at 100 dpi."""

_ROW_STEP = 1.5  # cells from one row of a drawing to the next


def _row(kinds, name, label, values=None, highlight=(), unused=None) -> Grid:
    kinds = np.asarray(kinds, dtype=np.int8).reshape(1, -1)
    if values is not None:
        values = np.asarray(values).reshape(1, -1)
    return Grid(name=name, label=label, kinds=kinds, values=values, highlight=tuple((0, c) for c in highlight),
                unused=None if unused is None else np.asarray(unused, dtype=bool).reshape(1, -1))


def _as_row_values(x, i):
    values = np.arange(1, i + 1) if x is None else np.asarray(x)
    if values.ndim != 1 or values.size != i or values.dtype.kind not in "iu":
        raise ValueError(f"x must be a 1-D list of {i} integers (one per input unit), got {_describe(x)}")
    return values


# --- (1) ceil_mode's extra window --------------------------------------------------------------


def ceil_mode_scene(i, k, s, p=0, *, x=None) -> Scene:
    """One row of input pooled with floor and with ``ceil_mode``: every window, the extra one labelled.

    Rows from the top: the input (padding dashed), one row per window at its place (windows from
    :func:`course_lib.numeric.pool_windows`), the extra window ``ceil_mode`` adds outlined in bold
    (its padding cells stay dashed) with its cells past the padded input crossed out, then the max-pooled outputs of both modes.

    Parameters
    ----------
    i, k, s : int
        Input size, window, stride (>= 1).
    p : int
        Padding on each side, 0 <= p <= k/2.
    x : list of int, optional
        The input's values (default 1, 2, ..., i).

    Returns
    -------
    Scene
        Grids "input", "window 1", ..., "floor", "ceil_mode".

    Raises
    ------
    TypeError, ValueError
        As :func:`course_lib.arithmetic.pool_output_size`; ValueError for a bad ``x``.

    Examples
    --------
    >>> scene = ceil_mode_scene(6, 3, 2)
    >>> [grid.name for grid in scene.grids]
    ['input', 'window 1', 'window 2', 'window 3', 'floor', 'ceil_mode']
    >>> scene.grid("window 3").label, int(scene.grid("window 3").unused.sum())
    ('ceil_mode adds', 1)
    """
    o_floor = arithmetic.pool_output_size(i, k, s, p)                       # validates i, k, s, p
    o_ceil = arithmetic.pool_output_size(i, k, s, p, ceil_mode=True)
    values = _as_row_values(x, i)
    windows = numeric.pool_windows(i, k, s, p, ceil_mode=True)
    end = i + 2 * p
    kinds_of = np.array([PAD] * p + [UNIT] * i + [PAD] * p)
    padded = np.concatenate([np.zeros(p, dtype=values.dtype), values, np.zeros(p, dtype=values.dtype)])
    grids = [_row(kinds_of, "input", "input", padded)]
    places = [("input", 0.0, 0.0)]
    for n, (start, _) in enumerate(windows):
        cells = np.arange(start, start + k)
        kinds = np.where(cells < end, kinds_of[np.minimum(cells, end - 1)], CROPPED)
        extra = n >= o_floor
        name = f"window {n + 1}"
        # the extra window is outlined in bold, except its padding cells: dashed, like all padding
        bold = [c for c in range(k) if kinds[c] != PAD] if extra else ()
        grids.append(_row(kinds, name, "ceil_mode adds" if extra else name, highlight=bold, unused=cells >= end))
        places.append((name, float(start), (n + 1) * _ROW_STEP))
    row = (len(windows) + 1) * _ROW_STEP + 0.4
    pooled = {mode: numeric.max_pool2d(values[None], (1, k), (1, s), padding=(0, p), ceil_mode=mode)[0]
              for mode in (False, True)}
    for n, (mode, name) in enumerate(((False, "floor"), (True, "ceil_mode"))):
        out = pooled[mode]
        grids.append(_row([OUTPUT] * out.size, name, name, out,
                          highlight=range(o_floor, o_ceil) if mode else ()))
        places.append((name, 0.0, row + n * _ROW_STEP))
    sizes = f"{i} + 2·{p} − {k}" if p else f"{i} − {k}"
    note = f"floor: ⌊({sizes})/{s}⌋ + 1 = {o_floor}   ceil_mode: ⌈({sizes})/{s}⌉ + 1"
    ceiling = -(-(end - k) // s) + 1
    note += f" = {o_ceil}" if ceiling == o_ceil else (
        f" − 1 = {o_ceil}\nthe − 1: a window at {(ceiling - 1) * s} would start in the right padding")
    legend = ["dashed: padding"] if p else []
    if any(start + k > end for start, _ in windows):
        legend.append("crossed out: past the end of the padded input (the window is clipped)")
    if legend:
        note += "\n" + "; ".join(legend)
    title = f"Max pooling  i = {i}, k = {k}, s = {s}" + (f", p = {p}" if p else "")
    title += "\nceil_mode adds one window" if o_ceil > o_floor else "\nceil_mode adds no window"
    return Scene(title=title, grids=tuple(grids), places=tuple(places), rows=True, note=note)


# --- (2) switches and unpooling ------------------------------------------------------------------


def unpooling_scene(x, k=2, s=None) -> Scene:
    """Max pooling with switches, then max-unpooling: input, pooled values, switches, unpooled map.

    The input shows every window (dotted) and outlines each window's maximum (its switch); the
    switches are flat indices ``row · W + col`` (PyTorch's ``indices``); the unpooled map has the
    maxima at their switches (outlined) and zeros (grey) everywhere else. Values from
    :func:`course_lib.numeric.max_pool2d` and :func:`course_lib.numeric.max_unpool2d`.

    Parameters
    ----------
    x : array_like of int, shape (H, W)
    k : int
        Square window (>= 1).
    s : int, optional
        Stride (default ``k``).

    Returns
    -------
    Scene
        Grids "input", "pooled", "switches", "unpooled".

    Raises
    ------
    TypeError, ValueError
        For an ``x`` that is not a 2-D integer array, or bad ``k``/``s``.

    Examples
    --------
    >>> scene = unpooling_scene([[2, 9, 4, 1], [7, 3, 8, 6], [1, 6, 0, 5], [4, 2, 3, 4]])
    >>> scene.grid("switches").values.tolist()
    [[1, 6], [9, 11]]
    >>> int((scene.grid("unpooled").values != 0).sum()), len(scene.grid("input").ghosts)
    (4, 4)
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.dtype.kind not in "iu":
        raise ValueError(f"x must be a 2-D array of integers, got {_describe(x.tolist())}")
    k = check_int("k", k, minimum=1)
    s = k if s is None else check_int("s", s, minimum=1)
    values, switches = numeric.max_pool2d(x, k, s, return_indices=True)
    unpooled = numeric.max_unpool2d(values, switches, k, s, output_size=x.shape)
    height, width = x.shape
    where = {divmod(int(n), width) for n in switches.ravel()}
    ghosts = tuple((r * s, c * s, k, k) for r in range(values.shape[0]) for c in range(values.shape[1]))
    kept = np.zeros(x.shape, dtype=bool)
    kept[tuple(np.array(sorted(where)).T)] = True
    grids = (
        Grid(name="input", label="input", kinds=np.full(x.shape, UNIT, dtype=np.int8), values=x,
             highlight=tuple(sorted(where)), ghosts=ghosts),
        Grid(name="pooled", label="max pooled", kinds=np.full(values.shape, OUTPUT, dtype=np.int8), values=values),
        Grid(name="switches", label="switches", kinds=np.full(values.shape, OUTPUT, dtype=np.int8), values=switches),
        Grid(name="unpooled", label="unpooled", kinds=np.where(kept, OUTPUT, CROPPED).astype(np.int8),
             values=unpooled, highlight=tuple(sorted(where))),
    )
    title = f"Max pooling {k}×{k}, stride {s}, then unpooling with the switches"
    note = (f"switch = row·{width} + col of each window's maximum (outlined); unpooling puts the {len(where)} "
            f"maxima back there\nand 0 in the other {x.size - len(where)} of the {height}×{width} units")
    return Scene(title=title, grids=grids, connectors=("→", "+", "→"), note=note)


# --- (3) a receptive field -----------------------------------------------------------------------


def receptive_field_scene(stack, i, unit=None) -> Scene:
    """The units one output unit of a small 1-D stack depends on, layer by layer down to the input.

    Rows from the top: the last layer (the chosen unit outlined), each layer below it, the input
    at the bottom; in every row the units the chosen unit depends on are coloured and outlined,
    the others grey. The caption gives the receptive field by the recurrence
    (:func:`course_lib.connectivity.stack_receptive_field`); the drawn input units are checked
    against :func:`course_lib.numeric.receptive_field_by_impulses`.

    Parameters
    ----------
    stack : list of (int, int, int)
        One ``(k, s, p)`` per layer, the layer reading the input first (a pooling layer is one
        too: its windows go where a kernel would).
    i : int
        Input size (>= 1).
    unit : int, optional
        The unit of the last layer (default: the middle one).

    Returns
    -------
    Scene
        Grids "layer L", ..., "layer 1", "input".

    Raises
    ------
    TypeError, ValueError
        As :func:`course_lib.numeric.receptive_field_by_impulses`.

    Examples
    --------
    >>> scene = receptive_field_scene([(3, 2, 0), (3, 1, 0)], 11)
    >>> [grid.name for grid in scene.grids], len(scene.grid("input").highlight)
    (['layer 2', 'layer 1', 'input'], 7)
    """
    layers = numeric._check_stack(stack)
    if any(d != 1 for *_, d in layers):
        raise ValueError("stack: the drawing shows undilated layers only, (k, s, p) triples")
    layers = [(k, s, p) for k, s, p, _ in layers]
    field = numeric.receptive_field_by_impulses(layers, unit=unit, n_in=check_int("i", i, minimum=1))
    sizes = [i]
    for k, s, p in layers:
        sizes.append(arithmetic.conv_output_size(sizes[-1], k, s, p))
    top = sizes[-1] // 2 if unit is None else unit
    reads = [{top}]
    for (k, s, p), below in zip(reversed(layers), reversed(sizes[:-1])):
        reads.append({u * s + t - p for u in reads[-1] for t in range(k)} & set(range(below)))
    reads.reverse()                                                       # reads[0]: input units
    assert sorted(reads[0]) == field, "the traced units must be those the impulses reach"
    grids, places = [], []
    for level in range(len(layers), -1, -1):
        size, chosen = sizes[level], sorted(reads[level])
        inside = np.isin(np.arange(size), chosen)
        kind = UNIT if level == 0 else OUTPUT
        name = f"layer {level}" if level else "input"
        label = f"layer {level}: k {layers[level - 1][0]}, s {layers[level - 1][1]}" if level else f"input {i}"
        grids.append(_row(np.where(inside, kind, CROPPED), name, label, highlight=chosen))
        places.append((name, (i - size) / 2, (len(layers) - level) * _ROW_STEP))
    ks, ss = [k for k, _, _ in layers], [s for _, s, _ in layers]
    r = connectivity.stack_receptive_field(ks, strides=ss)
    steps, field_size, jump = [], 1, 1
    for n, (k, s) in enumerate(zip(ks, ss), start=1):
        steps.append(f"r{n} = {field_size} + ({k} − 1)·{jump} = {field_size + (k - 1) * jump}")
        field_size, jump = field_size + (k - 1) * jump, jump * s
    note = "   ".join(steps) + f"\nreceptive field r = {r}: input units {field[0]}..{field[-1]}"
    if len(field) < field[-1] - field[0] + 1:
        note += f", of which {len(field)} are read"
    title = f"Receptive field of one unit of layer {len(layers)}"
    return Scene(title=title, grids=tuple(grids), places=tuple(places), rows=True, note=note)


# --- figures ---------------------------------------------------------------------------------------


def _figure(scene: Scene, zeros=True):
    from course_lib.draw.render import SceneArtist, figure_for_scene

    left, right, _, _ = SceneArtist.extent(scene)
    lines = scene.note.count("\n") + 1 if scene.note else 0          # room for every line of the caption
    fig, ax = figure_for_scene(scene, per_cell=min(0.42, (MAX_WIDTH - 0.05) / (right - left)),
                               note_inches=0.12 + 0.2 * lines)
    artist = SceneArtist(ax, zeros=zeros)
    artist.draw(scene)
    fig.course_artists = [artist]
    return fig


def draw_ceil_mode(i, k, s, p=0, *, x=None):
    """Figure of :func:`ceil_mode_scene`; returns a matplotlib Figure (``fig.course_artists[0].scene``).

    Examples
    --------
    >>> fig = draw_ceil_mode(6, 3, 2)
    >>> bool(fig.get_size_inches()[0] <= MAX_WIDTH), fig.course_artists[0].layout["font_sizes"]["label"] >= 10
    (True, True)
    """
    return _figure(ceil_mode_scene(i, k, s, p, x=x), zeros=False)


def draw_unpooling(x, k=2, s=None):
    """Figure of :func:`unpooling_scene`; returns a matplotlib Figure.

    Examples
    --------
    >>> fig = draw_unpooling([[2, 9, 4, 1], [7, 3, 8, 6], [1, 6, 0, 5], [4, 2, 3, 4]])
    >>> bool(fig.get_size_inches()[0] <= MAX_WIDTH)
    True
    """
    return _figure(unpooling_scene(x, k, s))


def draw_receptive_field(stack, i, unit=None):
    """Figure of :func:`receptive_field_scene`; returns a matplotlib Figure.

    Examples
    --------
    >>> fig = draw_receptive_field([(3, 2, 0), (3, 1, 0)], 11)
    >>> len(fig.course_artists[0].scene.grids)
    3
    """
    return _figure(receptive_field_scene(stack, i, unit))
