"""The convolution matrix C (or Cᵀ) drawn for a lesson page, with a legend that says what it shows.

Built on :func:`course_lib.draw.scenes.matrix_scene` (C's nonzeros in the colours of their kernel
weights) and :func:`course_lib.draw.render.new_figure`. Every text is 13 pt at 100 dpi and the
figure at most 8 inches wide, so that shown at notebook width (about 800 px) even a lowercase
letter is at least 9 px high (weights are written ``w00``, ``w01``, … without subscripts, which
would be smaller); the layout engine keeps titles, axis labels and the legend inside the
figure. The title and caption are computed from :mod:`course_lib.arithmetic`.

Examples
--------
>>> fig = draw_matrix(4, 3, transposed=True, unit=0)
>>> bool(fig.get_size_inches()[0] <= 8), fig.course_matrix["shape"]
(True, (16, 4))
"""

from __future__ import annotations

import numpy as np

from course_lib import arithmetic, connectivity
from course_lib._validate import _describe, check_int
from course_lib.draw.render import new_figure
from course_lib.draw.scenes import matrix_scene

__all__ = ["draw_matrix", "matrix_caption", "FONT_SIZE", "MAX_WIDTH"]

FONT_SIZE = 13.0  #: points; at 100 dpi a 13 pt lowercase "w" is about 10 px high
MAX_WIDTH = 8.0  #: inches: the figure fits a notebook column of about 800 px at 100 %

def matrix_caption(i, k, s=1, p=0, *, transposed=False) -> str:
    """The caption of :func:`draw_matrix`: which layer, and C's shape, computed.

    Examples
    --------
    >>> matrix_caption(4, 3)
    'C of the 3×3 convolution of a 4×4 input (s = 1, p = 0): 4 × 16'
    >>> matrix_caption(4, 3, transposed=True)
    'Cᵀ of the 3×3 convolution of a 4×4 input (s = 1, p = 0): 16 × 4'
    """
    o = arithmetic.conv_output_size(i, k, s, p)
    rows, cols = (i * i, o * o) if transposed else (o * o, i * i)
    name = "Cᵀ" if transposed else "C"
    return f"{name} of the {k}×{k} convolution of a {i}×{i} input (s = {s}, p = {p}): {rows} × {cols}"


def draw_matrix(i, k, s=1, p=0, *, transposed=False, unit=None, blocks=False, labels=None):
    """C (or Cᵀ) of the 2-D convolution of an i×i input with a k×k kernel, with a legend.

    Each nonzero entry has the colour of its kernel weight; the legend names the colours
    (``w00`` … by kernel row: ``wmn`` is kernel row m, column n). ``unit`` outlines one output unit of the convolution (its row of C,
    or its column of Cᵀ). ``blocks`` draws the o×i blocks of C (one output row by one input row)
    and says so in the legend.

    Parameters
    ----------
    i, k : int (>= 1)
        Input size and kernel size along each axis.
    s : int (>= 1)
    p : int (>= 0)
    transposed : bool
        Draw Cᵀ instead of C.
    unit : int, optional
        An output unit of the convolution, 0 <= unit < o².
    blocks : bool
        Outline C's blocks (not with ``transposed``).
    labels : bool, optional
        Write the weight names in the cells (default: when a cell is at least 0.3 inch wide).

    Returns
    -------
    matplotlib.figure.Figure
        Its ``course_matrix`` attribute holds ``shape``, ``legend`` (the legend's texts),
        ``caption`` (the title) and ``sentence`` (a one-sentence caption to print under the
        figure), for tests and lessons.

    Raises
    ------
    TypeError
        If a size is not an integer or a flag not a bool.
    ValueError
        If a size is out of range, ``unit`` is not an output unit, or ``blocks`` is asked for Cᵀ.

    Examples
    --------
    >>> fig = draw_matrix(5, 3, p=1, unit=12, blocks=True)
    >>> fig.course_matrix["shape"], fig.course_matrix["legend"][-1]
    ((25, 25), 'block: 5 × 5 (one output row × one input row)')
    """
    i, k = check_int("i", i, minimum=1), check_int("k", k, minimum=1)
    s, p = check_int("s", s, minimum=1), check_int("p", p, minimum=0)
    for name, flag in (("transposed", transposed), ("blocks", blocks)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {_describe(flag)}")
    if labels is not None and not isinstance(labels, bool):
        raise TypeError(f"labels must be True, False or None, got {_describe(labels)}")
    if blocks and transposed:
        raise ValueError("blocks=True draws the blocks of C; use it with transposed=False")
    o = arithmetic.conv_output_size(i, k, s, p)
    if unit is not None:
        unit = check_int("unit", unit, minimum=0, maximum=o * o - 1)
    scene = matrix_scene(i, k, s, p, transposed=transposed, unit=unit, labels=False)
    rows, cols = scene.shape
    legend_rows = k + (1 if unit is not None else 0) + (1 if blocks else 0)
    cell = min(0.42, (MAX_WIDTH - 1.3) / cols, 6.5 / rows)
    width = max(MAX_WIDTH if blocks or cols * cell < 3 else 1.3 + cols * cell, 5.0)
    width = min(width, MAX_WIDTH)
    height = rows * cell + 1.4 + 0.3 * legend_rows
    fig = new_figure((width, height))
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    ax.imshow(scene.rgba, interpolation="nearest", aspect="equal", extent=(0, cols, rows, 0))
    ax.set_xticks(np.arange(cols + 1), minor=True)
    ax.set_yticks(np.arange(rows + 1), minor=True)
    ax.grid(which="minor", color=(0.8, 0.8, 0.8), linewidth=0.5)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    for spine in ax.spines.values():
        spine.set_color((0.5, 0.5, 0.5))
    if transposed:   # name both roles: a unit of the convolution and what it is for Cᵀ
        ax.set_ylabel(f"rows: {rows} input units of the convolution\n= output units of Cᵀ", fontsize=FONT_SIZE)
        ax.set_xlabel(f"columns: {cols} output units of the convolution = input units of Cᵀ", fontsize=FONT_SIZE)
    else:
        ax.set_ylabel(f"rows: {rows} output units", fontsize=FONT_SIZE)
        ax.set_xlabel(f"columns: {cols} input units", fontsize=FONT_SIZE)
    caption = matrix_caption(i, k, s, p, transposed=transposed)
    ax.set_title(caption, fontsize=FONT_SIZE + 1)

    pattern = connectivity.conv_matrix_pattern((i, i), (k, k), s, p)
    r_idx, c_idx = (pattern.cols, pattern.rows) if transposed else (pattern.rows, pattern.cols)
    names = [f"w{m}{n}" for m in range(k) for n in range(k)]
    if labels if labels is not None else cell >= 0.3:
        for r, c, tap in zip(r_idx.tolist(), c_idx.tolist(), pattern.kernel_index.tolist()):
            ax.text(c + 0.5, r + 0.5, names[tap], ha="center", va="center", fontsize=FONT_SIZE)

    from matplotlib.patches import Patch, Rectangle

    handles, texts = [], []
    first = {}
    for r, c, tap in zip(r_idx.tolist(), c_idx.tolist(), pattern.kernel_index.tolist()):
        first.setdefault(tap, (r, c))
    for m in range(k):
        for n in range(k):
            tap = m * k + n
            color = scene.rgba[first[tap]] if tap in first else (1, 1, 1, 1)
            handles.append(Patch(facecolor=color, edgecolor=(0.6, 0.6, 0.6)))
            texts.append(f"{names[tap]}  (kernel row {m})")
    handles.append(Patch(facecolor=(0.98, 0.98, 0.98), edgecolor=(0.6, 0.6, 0.6)))
    texts.append("0: no weight connects the two units")
    if unit is not None:
        r, c = divmod(unit, o)
        if transposed:
            ax.add_patch(Rectangle((unit, 0), 1, rows, fill=False, edgecolor="black", linewidth=2))
            texts.append(f"black frame: column {unit} = output unit ({r}, {c})")
        else:
            ax.add_patch(Rectangle((0, unit), cols, 1, fill=False, edgecolor="black", linewidth=2))
            texts.append(f"black frame: row {unit} = output unit ({r}, {c})")
        handles.append(Patch(facecolor="none", edgecolor="black", linewidth=2))
    if blocks:
        for R in range(1, o):
            ax.axhline(R * o, color=(0.2, 0.2, 0.2), linewidth=1.2, linestyle="--")
        for Q in range(1, i):
            ax.axvline(Q * i, color=(0.2, 0.2, 0.2), linewidth=1.2, linestyle="--")
        handles.append(Patch(facecolor="none", edgecolor=(0.2, 0.2, 0.2), linestyle="--"))
        texts.append(f"block: {o} × {i} (one output row × one input row)")
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)
    fig.legend(handles, texts, loc="outside lower center", ncols=2 if k > 1 else 1, fontsize=FONT_SIZE,
               frameon=False, handlelength=1.4)
    nnz = len(pattern.rows)
    line = "column" if transposed else "row"
    sentence = (f"The figure: {caption}, of which {nnz} entries are kernel weights (coloured) and the other "
                f"{rows * cols - nnz} are 0 (white)")
    if unit is not None:
        framed = sum(1 for v in (c_idx if transposed else r_idx).tolist() if v == unit)
        sentence += f"; the framed {line} {unit} (output unit {divmod(unit, o)} of the convolution) holds {framed} of them"
    fig.course_matrix = {"shape": (rows, cols), "legend": texts, "caption": caption, "sentence": sentence + "."}
    return fig
