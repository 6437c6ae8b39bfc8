"""How a drawing is rendered: matplotlib artists, glyph-outline text, figures, animations, PNG.

The top layer of :mod:`course_lib.draw`. The artists (:class:`SceneArtist`,
:class:`MatrixArtist`) draw a scene from :mod:`course_lib.draw.scenes` into a matplotlib
``Axes`` and redraw the next scene *in place*: they keep a fixed set of collections and reuse
their text objects, so an animation or a widget never piles up artists or figures. Text is drawn
as cached glyph outlines (far faster than matplotlib Text objects), and :func:`encode_png`
turns a rendered canvas into PNG bytes quickly.

The visual language is the guide's: input blue, output cyan, zero padding dashed, the kernel
window shaded; added here: "input"/"output" labels, the parameters and the relationship used in
the title, one colour per kernel weight, inserted zeros dotted, the extra ``a``
(output_padding) row and column in orange, input cells the kernel never covers crossed out,
and optional numbers in the cells.

Convenience functions (:func:`draw_conv`, :func:`draw_transposed`, :func:`draw_conv_matrix`,
:func:`animate_conv`, :func:`animate_transposed`) build a figure in one call. No figure is
registered with pyplot, and importing this module sets no backend.
"""

from __future__ import annotations

import functools
import struct
import zlib

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

from course_lib._validate import check_int
from course_lib.draw.geometry import (
    CROPPED, DISCARDED, EXTRA, KERNEL, KIND_NAMES, OUTPUT, OUTPUT_EXTRA, OUTPUT_ZERO, PAD, UNIT, ZERO, conv_geometry,
    transposed_geometry,
)
from course_lib.draw.scenes import (
    _DARK, _GREY, _MATRIX_BACKGROUND, _ORANGE, INPUT_BLUE, OUTPUT_CYAN, MatrixScene, Scene, _format_value, _place,
    _tint, conv_scene, equivalent_scene, matrix_scene, scatter_scene,
)
from course_lib.draw.scenes import GAP as _GAP

__all__ = [
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
    "encode_png",
    "MIN_FONT",
    "LegendArtist",
    "kind_legend",
]

MIN_FONT = 9.0
"""The smallest font size (points) any artist writes unless told otherwise: 9 px at 72 dpi."""

# --- cell styles --------------------------------------------------------------------------------

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
    # output_padding units no kernel copy reaches: empty (white), orange dashed, unlike computed ones
    OUTPUT_ZERO: dict(facecolor="white", edgecolor=_ORANGE, linestyle="--", linewidth=1.4),
}


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
        # points -> pixels through the figure's dpi transform, so savefig(dpi=...) scales text too
        self.collection.set_transform(Affine2D().scale(1 / 72) + ax.figure.dpi_scale_trans)
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

    GAP = _GAP  # cells between grids (course_lib.draw.scenes.GAP)
    TITLE_SIZE = 10.5
    NOTE_SIZE = MIN_FONT  # the smallest note; never smaller than the grid labels (:meth:`note_size`)
    LABEL_SIZES = (MIN_FONT, 11.0)  # grid labels grow with the cells between these sizes (points)

    @classmethod
    def label_size(cls, cell_points: float) -> float:
        """Font size (points) of the grid labels ("input 5", "kernel w", ...) for cells this large.

        Examples
        --------
        >>> SceneArtist.label_size(10), SceneArtist.label_size(30), SceneArtist.label_size(60)
        (9.0, 10.2, 11.0)
        """
        low, high = cls.LABEL_SIZES
        return round(float(np.clip(cell_points * 0.34, low, high)), 2)

    @classmethod
    def note_size(cls, cell_points: float) -> float:
        """Font size (points) of the note under a scene: at least that of its grid labels.

        Examples
        --------
        >>> SceneArtist.note_size(10), SceneArtist.note_size(60)
        (9.0, 11.0)
        """
        return max(cls.NOTE_SIZE, cls.label_size(cell_points))

    def __init__(self, ax, title_size=TITLE_SIZE, zeros=True, min_font=MIN_FONT):
        self.ax = ax
        self.min_font = float(min_font)
        self.title_size = max(title_size, self.min_font) if title_size else 0
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

    @staticmethod
    def _place(scene: Scene) -> tuple[dict, float, float]:
        """Top-left corner of each grid in data coordinates, and the grids' total size."""
        return _place(scene)

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
        mark_texts = [text for grid in scene.grids for text, where, _ in grid.marks if where == "row"]
        if mark_texts:  # room on the right for the row marks at the size they are written
            size = max(self.min_font, self.label_size(cell) * 0.95)
            needed = width + max(_text_width(text, size) for text in mark_texts) / cell + 0.6
            if needed > right:
                right = needed
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
        # font sizes in points, never below min_font; numbers too large for their cells are left
        # out rather than written smaller (a student cannot read them anyway)
        text = self.text
        low = self.min_font
        value_size = max(low, float(np.clip(cell * 0.42, 5, 14)))
        value_size = value_size if values and cell >= 1.35 * value_size else None
        text.add(values if value_size else [], value_size or low)
        weight_size = max(low, float(np.clip(cell * 0.27, 4, 9)))
        weight_size = weight_size if tile_labels and cell >= 2.6 * weight_size else None
        text.add(tile_labels if weight_size else [], weight_size or low, ha="right", va="bottom",
                 color="black", weight="bold")
        label_size = max(low, self.label_size(cell))
        if scene.rows:
            text.add(labels, label_size, ha="right", va="center")
        else:
            text.add(labels, label_size, ha="center", va="bottom")
        mark_size = max(low, label_size * 0.95)
        text.add(marks, mark_size, ha="left", va="center", color=_ORANGE)
        connectors = []
        if not scene.rows:
            for index, symbol in enumerate(scene.connectors[: len(scene.grids) - 1]):
                grid = scene.grids[index]
                x = places[grid.name][0] + grid.shape[1] + self.GAP / 2
                connectors.append((x, height / 2, symbol))
        connector_size = max(low, float(np.clip(cell * 0.6, 10, 18)))
        text.add(connectors, connector_size)
        sized = [item for item in scene.annotations if len(item) == 4]
        plain = [item for item in scene.annotations if len(item) == 3]
        text.add(plain, max(low, float(np.clip(cell * 0.5, 9, 16))))
        for points in sorted({item[3] for item in sized}):
            text.add([item[:3] for item in sized if item[3] == points], max(low, points))
        text.apply()
        # what this image shows, in points (the tests compare them); None: nothing of that kind
        sizes = {"label": label_size, "value": value_size, "weight": weight_size,
                 "mark": mark_size if marks else None, "connector": connector_size if connectors else None,
                 "annotation": min([max(low, float(np.clip(cell * 0.5, 9, 16)))] * bool(plain)
                                   + [max(low, item[3]) for item in sized], default=None)}
        if self.title_size:
            note_size = max(low, self.note_size(cell))
            self.heading.add([(0.5, 1.0, scene.title)], self.title_size, va="bottom", pad=4)
            self.heading.add([(0.5, 0.0, scene.note)], note_size, va="top", color=(0.3, 0.3, 0.3))
            sizes.update(title=self.title_size, note=note_size if scene.note else None)
        self.heading.apply()
        self.ax.set_xlim(left, right)
        self.ax.set_ylim(bottom, top)  # row 0 at the top
        self.scene = scene
        self.layout = {"places": places, "extent": (left, right, bottom, top), "cell_points": cell,
                       "font_sizes": sizes}


class MatrixArtist:
    """Draws :class:`MatrixScene` objects into one Axes, redrawing in place.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    title_size : float
        Font size of the title in points (0: no title, no caption).
    caption_size : float
        Font size of the caption under the matrix ("rows: ... · columns: ..."); by default as
        large as the largest grid label a :class:`SceneArtist` writes, so that a caption next to
        a scene is never the smaller text.

    Examples
    --------
    >>> fig = new_figure((4, 3))
    >>> artist = MatrixArtist(fig.add_subplot())
    >>> artist.draw(matrix_scene(4, 3, unit=1))
    >>> len(artist.nonzeros.get_paths())  # 4 rows of 9 weights
    36
    """

    SPARSE_LIMIT = 3000  # up to this many non-background cells, draw squares instead of an image

    def __init__(self, ax, title_size=11.0, caption_size=SceneArtist.LABEL_SIZES[1], min_font=MIN_FONT):
        self.ax = ax
        self.min_font = float(min_font)
        self.title_size = max(title_size, self.min_font) if title_size else 0
        self.caption_size = max(caption_size, self.min_font)
        self.scene = None
        self.layout = {}
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
            size = max(self.min_font, float(np.clip(cell * 0.3, 3, 10)))
            if cell < 1.6 * size:  # too small to hold a readable number: the colour says it
                rr, cc = rr[:0], cc[:0]
            # dark text on light cells, white on dark ones (relative luminance)
            luminance = scene.rgba[rr, cc, :3] @ np.array([0.2126, 0.7152, 0.0722])
            for light, color in ((True, _DARK), (False, "white")):
                pick = (luminance > 0.45) == light
                self.cell_text.add([(c + 0.5, r + 0.5, scene.labels[r, c]) for r, c in zip(rr[pick], cc[pick])],
                                   size, color=color)
        self.cell_text.apply()
        sizes = {"value": size if scene.labels is not None and len(rr) else None}
        if self.title_size:
            self.heading.add([(0.5, 1.0, scene.title)], self.title_size, va="bottom", pad=4)
            caption = f"rows: {scene.ylabel} · columns: {scene.xlabel}" if len(scene.xlabel) > 4 else ""
            self.heading.add([(0.5, 0.0, caption)], self.caption_size, va="top", pad=3, color=(0.3, 0.3, 0.3))
            sizes.update(title=self.title_size, caption=self.caption_size if caption else None)
        self.heading.apply()
        self.ax.set_xlim(0, cols)
        self.ax.set_ylim(rows, 0)
        self.scene = scene
        self.layout = {"font_sizes": sizes}


class LegendArtist:
    """A legend of cell kinds in one Axes: each kind's swatch (its style in the drawings), then its name.

    Entries run left to right and wrap onto further lines; nothing is drawn again when the
    entries do not change. Text is at least ``min_font`` points.

    Examples
    --------
    >>> fig = new_figure((6, 0.4))
    >>> legend = LegendArtist(fig.add_axes((0, 0, 1, 1)))
    >>> legend.draw([(OUTPUT, "computed output"), (OUTPUT_ZERO, "output_padding: zeros only")])
    >>> legend.layout["lines"], legend.text.strings
    (1, ['computed output', 'output_padding: zeros only'])
    """

    def __init__(self, ax, size=MIN_FONT + 0.5, min_font=MIN_FONT):
        self.ax = ax
        self.size = max(float(size), float(min_font))
        ax.axis("off")
        self._styles = _kind_styles()
        self.swatches = _Polygons(ax, zorder=1)
        self.dots = _Polygons(ax, zorder=2)
        self.text = _PathText(ax)
        self.entries = None
        self.layout = {}

    def draw(self, entries) -> None:
        """Show ``entries``, a sequence of ``(kind, text)`` with ``kind`` a cell kind code."""
        entries = tuple((int(kind), str(text)) for kind, text in entries)
        if entries == self.entries:
            return
        fig = self.ax.figure
        box = self.ax.get_position(original=True)
        w_in, h_in = fig.get_size_inches()
        width, height = box.width * w_in * 72, box.height * h_in * 72  # data units are points
        size, face, edge, styles = self.size, *self._styles
        swatch, step = 1.15 * size, 1.6 * size
        x, line, items = 2.0, 0, []
        for kind, text in entries:
            needed = swatch + 0.4 * size + _text_width(text, size)
            if x > 2.0 and x + needed > width:
                x, line = 2.0, line + 1
            items.append((x, line, kind, text))
            x += needed + 1.4 * size
        lines = line + 1
        top = (height - lines * step) / 2
        for x, line, kind, text in items:
            y = top + line * step + (step - swatch) / 2
            verts = np.array([[[x, y], [x + swatch, y], [x + swatch, y + swatch], [x, y + swatch]]])
            self.swatches.add(verts, face[kind], edge[kind], styles[kind])
            if kind == ZERO:  # the dot that marks inserted zeros
                c, r = x + swatch / 2, y + swatch / 2
                d = swatch * 0.08
                self.dots.add(np.array([[[c - d, r - d], [c + d, r - d], [c + d, r + d], [c - d, r + d]]]),
                              INPUT_BLUE, "none", _DOT_STYLE)
            self.text.add([(x + swatch + 0.4 * size, y + swatch / 2, text)], size, ha="left", va="center")
        self.swatches.apply()
        self.dots.apply()
        self.text.apply()
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(height, 0)
        self.entries = entries
        self.layout = {"font_sizes": {"legend": size}, "lines": lines,
                       "fits": top >= 0 and all(x + swatch + 0.4 * size + _text_width(t, size) <= width
                                               for x, _, _, t in items)}


def kind_legend(kinds) -> list:
    """``(kind, name)`` entries for :class:`LegendArtist` from :data:`KIND_NAMES`.

    Examples
    --------
    >>> kind_legend([UNIT, OUTPUT_ZERO])
    [(0, 'input unit'), (9, 'output_padding unit (zero)')]
    """
    return [(kind, KIND_NAMES[kind]) for kind in kinds]


# --- one-call figures and animations ----------------------------------------------------------


class DrawingFigure(Figure):
    """A matplotlib Figure that Jupyter shows as a PNG even when pyplot was never imported.

    Examples
    --------
    >>> new_figure()._repr_png_()[1:4]
    b'PNG'
    """

    def __repr__(self) -> str:
        """A short description instead of matplotlib's sizes: the plain-text fallback of the PNG.

        ``figure.course_description`` when set (:func:`course_lib.figures.render` sets it), else
        the first line of the first drawing's title; deterministic (no pixel sizes).

        Examples
        --------
        >>> draw_conv(5, 3, s=2)
        Drawing: Convolution  i = 5, k = 3, s = 2, p = 0  →  o = 2
        >>> new_figure()
        Drawing (empty)
        """
        description = getattr(self, "course_description", None)
        if description:
            return str(description)
        for artist in getattr(self, "course_artists", []):
            title = getattr(getattr(artist, "scene", None), "title", "")
            if title:
                return f"Drawing: {title.splitlines()[0]}"
        return "Drawing (empty)" if not self.axes else f"Drawing with {len(self.axes)} panel{'s' if len(self.axes) != 1 else ''}"

    def _repr_png_(self) -> bytes:
        import io

        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()

    def get_tightbbox(self, renderer=None, **kwargs):
        """Never smaller than the figure: the course sizes every drawing for its content.

        Titles and notes are glyph outlines in offset collections, whose extents matplotlib's
        tight bounding box does not measure; without this, ``bbox_inches="tight"`` (Jupyter's
        inline display uses it) would cut them off.

        Examples
        --------
        >>> fig = new_figure((2, 1))
        >>> [round(float(v), 2) for v in fig.get_tightbbox().size]
        [2.0, 1.0]
        """
        from matplotlib.transforms import Bbox

        return Bbox.union([super().get_tightbbox(renderer, **kwargs), self.bbox_inches])


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
                     _text_width(scene.note, SceneArtist.note_size(per_cell * 72))) / 72 + 0.3
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
        # wide enough for the title and the caption, which are not wrapped (Cᵀ has few columns)
        caption = f"rows: {scene.ylabel} · columns: {scene.xlabel}" if len(scene.xlabel) > 4 else ""
        text = max(_text_width(scene.title, 11.0), _text_width(caption, SceneArtist.LABEL_SIZES[1])) / 72
        fig = new_figure((min(12.0, max(1.2 + cols * 0.32, text + 0.5)), min(9.0, 1.4 + rows * 0.32)))
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


# --- PNG for the explorers -------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(rgba) -> bytes:
    """Encode an RGBA image as PNG, quickly: no row filters, the fastest zlib level.

    Pillow's encoder tries a filter per row, which costs more than the drawing itself for a
    widget-sized image; unfiltered rows with zlib level 1 compress flat-coloured drawings
    almost as well in a third of the time. The alpha channel stays: dropping it means a
    strided copy that costs more than compressing the extra bytes.

    Parameters
    ----------
    rgba : numpy.ndarray, shape (height, width, 4), dtype uint8

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        If ``rgba`` is not a (height, width, 4) uint8 array.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> data = encode_png(np.zeros((2, 3, 4), dtype=np.uint8))
    >>> data[1:4], Image.open(io.BytesIO(data)).size
    (b'PNG', (3, 2))
    """
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"rgba must be a (height, width, 4) uint8 array, got {rgba.shape} {rgba.dtype}")
    height, width = rgba.shape[:2]
    rows = np.empty((height, 1 + 4 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "none" for every row
    rows[:, 1:] = rgba.reshape(height, -1)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", _deflate(rows.reshape(-1))) + _png_chunk(b"IEND", b""))


_POOL = []  # one thread pool, made on first use (nothing happens on import)


def _deflate_part(chunk, last: bool) -> bytes:
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)  # raw deflate: no header, no checksum
    return compressor.compress(chunk) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _deflate(data: np.ndarray) -> bytes:
    """zlib-compress ``data`` (level 1) in two halves on two threads, like pigz.

    zlib releases the GIL while compressing. The first half ends with a sync flush (byte
    aligned, not final), so the two raw deflate streams concatenate into one valid stream;
    the zlib header and the Adler-32 of the whole data frame it.
    """
    if data.size < 1 << 16:
        return zlib.compress(data, 1)
    if not _POOL:
        from concurrent.futures import ThreadPoolExecutor

        _POOL.append(ThreadPoolExecutor(max_workers=2, thread_name_prefix="course-png"))
    middle = data.size // 2
    first = _POOL[0].submit(_deflate_part, data[:middle], False)
    second = _deflate_part(data[middle:], True)
    return b"\x78\x01" + first.result() + second + struct.pack(">I", zlib.adler32(data))
