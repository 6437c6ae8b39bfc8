"""Explorers: thin ipywidgets wrappers around :mod:`course_lib.draw`.

Each explorer is a ``VBox`` of controls, one image and a readout. The drawing logic lives in
pure functions (:func:`conv_state`, :func:`transposed_state`, :func:`sampling_state`,
:func:`checkerboard_state`) that turn control values into scenes and readout text; they are
unit-tested without a browser. The wrapper owns one matplotlib figure (not registered with
pyplot), redraws its artists in place on every change and pushes the PNG bytes into an
``ipywidgets.Image``: no flicker, no new figures, no growing output list.

Sized for a 1366 × 768 screen with JupyterLab's file browser open (an output area about 920 px
wide, a notebook about 650 px high): controls in rows of two or three, a picture at most 900 px
wide shown at its own size, every text in it at least 9 px high, and a readout of a few lines.
Where an explorer cannot run (a committed notebook opened for the first time is not trusted, so
JupyterLab shows no widget view; GitHub; nbconvert), its output shows a picture of its starting
state and "Run this cell to move the sliders." instead of a Python repr.

In a notebook::

    from course_lib.widgets import conv_explorer
    conv_explorer()
"""

from __future__ import annotations

import base64
import dataclasses
import html
import re
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import sympy

from course_lib import arithmetic, checkerboard, draw, frameworks, sampling
from course_lib.draw.geometry import _fmt_pair, _pair
from course_lib.draw.render import encode_png
from course_lib.draw.scenes import _DARK, _applicable
from course_lib._validate import check_int

__all__ = [
    "ConvState",
    "conv_state",
    "unfit_scene",
    "TransposedState",
    "transposed_state",
    "framework_arguments",
    "SamplingState",
    "STAGE_CHOICES",
    "sampling_state",
    "CheckerboardState",
    "contribution_counts",
    "checkerboard_state",
    "encode_png",
    "Explorer",
    "conv_explorer",
    "transposed_explorer",
    "sampling_explorer",
    "checkerboard_explorer",
]

_DPI = 80


# --- text helpers -----------------------------------------------------------------------------


def _unicode_equation(n: int) -> str:
    """Relationship ``n``'s equation as plain Unicode text (floor as ⌊…⌋), primes as ``'``.

    Examples
    --------
    >>> _unicode_equation(6)
    'o = ⌊(i − k + 2p)/s⌋ + 1'
    >>> _unicode_equation(14)
    "o' = a + k − 2p + s(i' − 1)"
    """
    from course_lib.draw.scenes import _inline  # the drawings' one-line equation

    return _inline(n).replace("′", "'")


def _fmt(values) -> str:
    return _fmt_pair(values)


def _relationships_in_words(numbers, a=None) -> str:
    """Which of the guide's relationships give the size, as a sentence (``a`` shown with R14).

    Examples
    --------
    >>> _relationships_in_words((6, 15))
    'Relationships 6 and 15 give this size'
    >>> _relationships_in_words((1, 2, 5, 6, 15))
    'Relationships 1, 2, 5, 6 and 15 give this size'
    >>> _relationships_in_words((14,), a=1)
    'Relationship 14 gives this size (a = 1)'
    >>> _relationships_in_words(())
    'No relationship of the guide gives this size'
    """
    numbers = [int(n) for n in numbers]
    if not numbers:
        return "No relationship of the guide gives this size"
    extra = f" (a = {a})" if a is not None and 14 in numbers else ""
    if len(numbers) == 1:
        return f"Relationship {numbers[0]} gives this size{extra}"
    listed = ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
    return f"Relationships {listed} give this size{extra}"


def _relationship_lines(per_axis, a=None) -> list:
    """Readout lines: the most specific relationship with its equation, then all that apply.

    ``per_axis`` holds :func:`course_lib.arithmetic.applicable_relationships` for the rows and
    the columns; ``a`` (per axis) is Relationship 14's ``a``. Axes that differ get a line each.

    Examples
    --------
    >>> _relationship_lines([(6, 15), (6, 15)])
    ['Relationship 6 (zero padding, non-unit strides): o = ⌊(i − k + 2p)/s⌋ + 1', 'Relationships 6 and 15 give this size.']
    """
    same = per_axis[0] == per_axis[1] and (a is None or a[0] == a[1])
    lines = []
    for axis, prefix in ((0, ""),) if same else ((0, "rows: "), (1, "columns: ")):
        numbers = per_axis[axis]
        if numbers:
            n = numbers[0]
            title = html.escape(arithmetic.relationship(n).title)
            lines.append(f"{prefix}Relationship {n} ({title}): {html.escape(_unicode_equation(n))}")
        lines.append(prefix + _relationships_in_words(numbers, None if a is None else a[axis]) + ".")
    return lines


def _html_block(lines) -> str:
    return "<div style='font-family: sans-serif; font-size: 13px; line-height: 1.4'>" + "<br>".join(lines) + "</div>"


def _warning(text: str) -> str:
    return f"<span style='color: #b58900; font-weight: bold'>⚠ {html.escape(text)}</span>"


# --- conv_explorer: pure state ----------------------------------------------------------------


@dataclass(frozen=True)
class ConvState:
    """What :func:`conv_explorer` shows for one set of control values.

    ``scene`` is drawn; ``positions`` is the number of kernel positions (the step slider's
    range), ``step`` the position shown (clamped into range), ``warning`` is empty unless the
    kernel does not fit.
    """

    scene: draw.Scene
    readout: str
    positions: int
    step: int
    output_size: tuple | None
    relationships: tuple
    warning: str = ""


def unfit_scene(i, k, p, d, message: str) -> draw.Scene:
    """The padded input and the kernel, without output: what to show when the kernel does not fit.

    Examples
    --------
    >>> scene = unfit_scene(3, 5, 0, 1, "too big")
    >>> [grid.name for grid in scene.grids], scene.grid("input").shape
    (['input', 'kernel'], (3, 3))
    """
    i, k, p, d = (_pair(name, v, m) for name, v, m in (("i", i, 1), ("k", k, 1), ("p", p, 0), ("d", d, 1)))
    kinds = np.full((i[0] + 2 * p[0], i[1] + 2 * p[1]), draw.PAD, dtype=np.int8)
    kinds[p[0]:p[0] + i[0], p[1]:p[1] + i[1]] = draw.UNIT
    k_hat = tuple(arithmetic.effective_kernel_size(kk, dd) for kk, dd in zip(k, d))
    inp = draw.Grid(name="input", label=f"input {_fmt(i)}" + (f", padding p = {_fmt(p)}" if any(p) else ""),
                    kinds=kinds)
    kernel = draw.Grid(name="kernel", label=f"kernel {_fmt(k)}" + (f" (k̂ = {_fmt(k_hat)})" if any(x > 1 for x in d) else ""),
                       kinds=np.full(k, draw.KERNEL, dtype=np.int8))
    width = kinds.shape[1] + draw.SceneArtist.GAP + k[1]
    warning = (width / 2, -2.4, f"⚠ the kernel ({_fmt(k_hat)}) does not fit the padded input ({_fmt(kinds.shape)})", 11)
    return draw.Scene(title="The kernel does not fit", grids=(inp, kernel), connectors=("∗",), note=message,
                      annotations=(warning,))


def _size_formula(i, k, s, p, d, o) -> str:
    """o = ⌊(i + 2p − k̂)/s⌋ + 1 with the numbers filled in (one axis)."""
    k_hat = arithmetic.effective_kernel_size(k, d)
    k_text = f"{k}" if d == 1 else f"{k_hat}"
    return f"o = ⌊({i} + 2·{p} − {k_text})/{s}⌋ + 1 = {o}"


def conv_state(i, k, s=1, p=0, d=1, step=0, *, numbers=False) -> ConvState:
    """Scene and readout of :func:`conv_explorer` for the given control values.

    Never raises for parameters the sliders can produce: when the kernel does not fit, the
    state carries a warning and a scene without output.

    Parameters
    ----------
    i, k, s, p, d : int or (int, int)
        Input size, kernel size, stride, padding, dilation.
    step : int
        Kernel position; clamped into ``0 .. positions - 1``.
    numbers : bool
        Show seeded values in the cells.

    Returns
    -------
    ConvState

    Examples
    --------
    >>> state = conv_state(5, 3, s=2, p=1, step=20)
    >>> state.output_size, state.positions, state.step, state.relationships
    ((3, 3), 9, 8, (6, 15))
    >>> bad = conv_state(3, 5)
    >>> bad.output_size is None, "does not fit" in bad.warning or "must not exceed" in bad.warning
    (True, True)
    """
    try:
        geometry = draw.conv_geometry(i, k, s, p, d)
    except ValueError as err:
        g_i, g_k, g_p, g_d = i, k, p, d
        message = f"The kernel does not fit: {err}"
        scene = unfit_scene(g_i, g_k, g_p, g_d, message)
        return ConvState(scene=scene, readout=_html_block([_warning(message)]), positions=1, step=0,
                         output_size=None, relationships=(), warning=message)
    step = int(min(max(step, 0), geometry.positions - 1))
    scene = draw.conv_scene(i, k, s, p, d, step, numbers=numbers)
    g = geometry
    per_axis = [_applicable(g.i[a], g.k[a], g.s[a], g.p[a], g.d[a]) for a in range(2)]
    relationships = per_axis[0]
    lines = [f"<b>{html.escape(scene.title.splitlines()[0])}</b>"]
    for axis, name in enumerate(("rows", "columns")):
        if axis == 1 and g.i[0] == g.i[1] and g.k[0] == g.k[1] and g.s[0] == g.s[1] and g.p[0] == g.p[1] and g.d[0] == g.d[1]:
            break
        prefix = "" if axis == 0 and g.i[0] == g.i[1] else f"{name}: "
        lines.append(prefix + _size_formula(g.i[axis], g.k[axis], g.s[axis], g.p[axis], g.d[axis], g.o[axis]))
    lines += _relationship_lines(per_axis)
    r, c = g.unit(step)
    lines.append(f"kernel position {step + 1} of {g.positions}: output unit ({r}, {c})")
    if scene.note:  # the image leaves the note out (title_size=0): the readout carries it
        lines.append(html.escape(scene.note))
    return ConvState(scene=scene, readout=_html_block(lines), positions=g.positions, step=step,
                     output_size=g.o, relationships=relationships)


# --- transposed_explorer: pure state ----------------------------------------------------------


def _keras_options(i_prime, k, s, d, o_prime) -> tuple:
    """Keras ``(padding, output_padding)`` pairs whose output is o′ on every axis (None first)."""
    options = []
    for mode in ("valid", "same"):
        per_axis = []
        for n, kh, st, dl, target in zip(i_prime, k, s, d, o_prime):
            found = []
            for a in (None, *range(st)):
                try:
                    if frameworks.keras_conv_transpose_length(n, kh, st, mode, a, dl) == target:
                        found.append(a)
                except frameworks.FrameworkRefusal:
                    continue
            per_axis.append(found)
        if all(per_axis):
            if all(None in found for found in per_axis):
                options.append((mode, None))
            else:
                options.append((mode, tuple(next(a for a in found if a is not None) for found in per_axis)))
    return tuple(options)


def framework_arguments(i, k, s=1, p=0, d=1, output_padding=None) -> dict:
    """PyTorch, TensorFlow and Keras arguments of the transposed convolution drawn for these parameters.

    Returns the transposed input size i′, the output size o′, PyTorch's ``padding`` and
    ``output_padding`` (``o′ = (i′-1)s - 2p + d(k-1) + output_padding + 1``, from
    :func:`course_lib.frameworks.torch_conv_transpose_length`); ``tensorflow``: the padding
    strings for which ``tf.nn.conv2d_transpose`` accepts ``output_shape`` o′
    (:func:`course_lib.frameworks.tf_conv_transpose_output_sizes`); ``keras``: the
    ``(padding, output_padding)`` pairs of ``Conv2DTranspose`` that give o′
    (:func:`course_lib.frameworks.keras_conv_transpose_length`); and ``crop_before``: per padding
    string, the units TensorFlow (and Keras, its backend) crops at the start, which equal
    PyTorch's ``padding`` exactly when the values agree too.

    Examples
    --------
    >>> args = framework_arguments(5, 3, s=2, p=1)
    >>> args["i_prime"], args["o_prime"], args["padding"], args["output_padding"]
    ((3, 3), (5, 5), (1, 1), (0, 0))
    >>> args["tensorflow"], args["keras"], args["crop_before"]
    (('SAME',), (('same', (0, 0)),), {'SAME': (1, 1)})
    """
    t = draw.transposed_geometry(i, k, s, p, d, output_padding)
    g = t.direct
    for n, kh, st, pd, dl, a in zip(t.i_prime, g.k, g.s, g.p, g.d, t.output_padding):
        frameworks.torch_conv_transpose_length(n, kh, st, pd, a, dl)  # PyTorch accepts the layer drawn
    tensorflow, crop_before = [], {}
    for mode in ("SAME", "VALID"):
        if all(o in frameworks.tf_conv_transpose_output_sizes(n, kh, st, mode, dl)
               for n, kh, st, dl, o in zip(t.i_prime, g.k, g.s, g.d, t.o_t)):
            tensorflow.append(mode)
            crop_before[mode] = tuple(frameworks.tf_same_padding(o, kh, st, dl)[0] if mode == "SAME" else 0
                                      for o, kh, st, dl in zip(t.o_t, g.k, g.s, g.d))
    full = tuple((ip - 1) * st + kh for ip, st, kh in zip(t.i_prime, g.s, g.k_hat))
    return {
        "i_prime": t.i_prime, "o_prime": t.o_t, "padding": g.p, "output_padding": t.output_padding,
        "a": t.a, "full": full, "tensorflow": tuple(tensorflow),
        "keras": _keras_options(t.i_prime, g.k, g.s, g.d, t.o_t), "crop_before": crop_before,
    }


def _framework_lines(args) -> list:
    """The readout's TensorFlow and Keras lines: which arguments give o′, and whether the values match."""
    def values(mode):
        return ("the same values as PyTorch" if args["crop_before"][mode.upper()] == args["padding"] else
                f"the same size, other values: it crops {_fmt(args['crop_before'][mode.upper()])} at the start, "
                f"PyTorch {_fmt(args['padding'])}")
    o = _fmt(args["o_prime"])
    if args["tensorflow"]:
        modes = " / ".join(f"'{m}' ({values(m)})" for m in args["tensorflow"])
        tf_line = f"TensorFlow <code>tf.nn.conv2d_transpose</code> with <code>output_shape</code> {o}: {modes}."
    else:
        tf_line = f"TensorFlow <code>tf.nn.conv2d_transpose</code> refuses <code>output_shape</code> {o} with 'SAME' and 'VALID'."
    if args["keras"]:
        pairs = " or ".join(f"<code>padding='{mode}', output_padding={_fmt(a) if a is not None else 'None'}</code>"
                            f" ({values(mode)})" for mode, a in args["keras"])
        keras_line = f"Keras <code>Conv2DTranspose</code> gives {o} with {pairs}."
    else:
        keras_line = f"Keras <code>Conv2DTranspose</code>: no padding and output_padding give {o}."
    return [tf_line, keras_line]


@dataclass(frozen=True)
class TransposedState:
    """What :func:`transposed_explorer` shows: three scenes, two matrices and a readout."""

    direct: draw.Scene | None
    scatter: draw.Scene | None
    equivalent: draw.Scene | None
    matrix: draw.MatrixScene | None
    matrix_t: draw.MatrixScene | None
    readout: str
    units: int
    out_units: int
    unit: int
    out_unit: int
    a: tuple | None
    warning: str = ""


def _panel(scene: draw.Scene, title: str) -> draw.Scene:
    """A scene as one of three small panels: short title, no side labels (the readout explains)."""
    grids = tuple(dataclasses.replace(grid, marks=()) for grid in scene.grids)
    return dataclasses.replace(scene, title=title, grids=grids, note="")


TRANSPOSED_LEGEND = (
    (draw.UNIT, "input"), (draw.PAD, "zero padding"), (draw.ZERO, "inserted zero"), (draw.EXTRA, "extra zero a"),
    (draw.OUTPUT, "output (computed)"), (draw.OUTPUT_EXTRA, "output_padding row: computed"),
    (draw.OUTPUT_ZERO, "output_padding row: zeros only"), (draw.CROPPED, "cropped by padding"),
)
"""The transposed explorer's legend: (cell kind, name), drawn under its panels."""


def _output_padding_lines(t, slider_i) -> list:
    """Why the direct convolution drawn has i + output_padding − a units, and what the extra rows hold."""
    g = t.direct
    lines = []
    if g.i != tuple(slider_i):
        lines.append(
            f"<b>Why i = {_fmt(g.i)} in panel 1:</b> output_padding = {_fmt(t.output_padding)} adds rows/columns "
            f"at the bottom/right: the transpose outputs o′ = {_fmt(t.o_t)}, not the slider's i = {_fmt(slider_i)}, so "
            f"the matching direct convolution runs on i + output_padding = {_fmt(g.i)} (its a = "
            f"{_fmt(t.output_padding)}), still with {_fmt(g.o)} outputs (i′ stays {_fmt(t.i_prime)}). Panel 3: "
            f"ĩ′ = {_fmt(t.i_stretched)} plus the a extra rows.")
    if any(t.output_padding):
        beyond = [max(0, op - p) for op, p in zip(t.output_padding, g.p)]
        computed = [op - b for op, b in zip(t.output_padding, beyond)]
        if any(beyond):
            others = (" The other output_padding rows/columns are computed outputs the crop by p had removed "
                      "(filled)." if any(computed) else "")
            lines.append(f"The last {_fmt(tuple(beyond))} output_padding rows/columns lie past the full scatter "
                         f"output {_fmt(t.full)}: no kernel copy reaches them, they are zeros (empty, dashed "
                         f"orange).{others}")
        else:
            lines.append(f"The output_padding rows/columns lie inside the full scatter output {_fmt(t.full)}: "
                         f"computed outputs the crop by p had removed (filled, orange edge), not zeros.")
    return lines


def transposed_state(i, k, s=1, p=0, d=1, output_padding=None, unit=0, out_unit=0, *, numbers=False) -> TransposedState:
    """Scenes and readout of :func:`transposed_explorer` for the given control values.

    Parameters
    ----------
    i, k, s, p, d : int or (int, int)
        The direct convolution.
    output_padding : int, optional
        PyTorch's ``output_padding``; by default ``a`` (which restores ``i``). Values outside
        ``0 .. s-1`` give a warning.
    unit : int
        Output unit of the direct convolution = input unit of the transpose (row of C, column
        of Cᵀ); clamped into range.
    out_unit : int
        Output unit of the transpose = input unit of the direct convolution (column of C, row
        of Cᵀ); clamped into range.
    numbers : bool
        Show seeded values in the cells.

    Returns
    -------
    TransposedState

    Examples
    --------
    >>> state = transposed_state(6, 3, s=2, p=1)
    >>> state.units, state.out_units, state.a, state.matrix.shape, state.matrix_t.shape
    (9, 36, (1, 1), (9, 36), (36, 9))
    >>> transposed_state(2, 4).warning.startswith("The kernel does not fit")
    True
    """
    try:
        t = draw.transposed_geometry(i, k, s, p, d, output_padding)
    except ValueError as err:
        fits = True
        try:
            draw.conv_geometry(i, k, s, p, d)
        except ValueError:
            fits = False
        message = (f"The kernel does not fit: {err}" if not fits else f"output_padding: {err}")
        scene = unfit_scene(i, k, p, d, message)
        return TransposedState(direct=scene, scatter=None, equivalent=None, matrix=None, matrix_t=None,
                               readout=_html_block([_warning(message)]), units=1, out_units=1, unit=0,
                               out_unit=0, a=None, warning=message)
    g = t.direct
    slider_i = _pair("i", i, 1)
    unit = int(min(max(unit, 0), t.inputs - 1))
    out_unit = int(min(max(out_unit, 0), t.positions - 1))
    # one set of parameters drives every panel: the direct convolution over o′ (= i when
    # output_padding = a), its transpose as a scatter, and as the emulating direct convolution
    direct = draw.conv_scene(g.i, g.k, g.s, g.p, g.d, unit, numbers=numbers)
    scatter = draw.scatter_scene(g.i, g.k, g.s, g.p, g.d, unit, numbers=numbers)
    equivalent = draw.equivalent_scene(g.i, g.k, g.s, g.p, g.d, out_unit, numbers=numbers)
    matrix = draw.matrix_scene(g.i, g.k, g.s, g.p, g.d, unit=unit, other=out_unit, labels=False)
    rows, cols = matrix.shape
    # titles name no unit, so that they stay the same while only the units move (faster redraws);
    # no caption (short labels): the readout says which row and column are marked
    matrix_t = draw.MatrixScene(  # Cᵀ: the same entries, transposed (the boxes swap too)
        title=f"Cᵀ  {cols}×{rows}", rgba=matrix.rgba.transpose(1, 0, 2),
        boxes=tuple((c0, r0, w_, h, color) for r0, c0, h, w_, color in matrix.boxes),
        xlabel=f"{rows}", ylabel=f"{cols}",
    )
    matrix = dataclasses.replace(matrix, title=f"C  {rows}×{cols}", xlabel=f"{cols}", ylabel=f"{rows}")
    args = framework_arguments(g.i, g.k, g.s, g.p, g.d, t.output_padding)
    lines = [
        f"<b>{html.escape(direct.title.splitlines()[0])}</b>",
        html.escape(equivalent.title.splitlines()[0]),
    ]
    per_axis = [_applicable(g.i[a], g.k[a], g.s[a], g.p[a], g.d[a], transposed=True) for a in range(2)]
    lines.append(" · ".join(_relationship_lines(per_axis, a=t.output_padding)))  # one line: room for the rest
    if not any(per_axis):  # dilated: beyond the guide's Relationships 8-14
        lines.append("The dilated transpose: o′ = s(i′ − 1) + a + d(k − 1) + 1 − 2p.")
    requested = t.output_padding
    if requested == t.a and t.o_t == g.i:
        lines.append(f"output_padding = a = (i + 2p − k̂) mod s = {_fmt(t.a)} restores the input size {_fmt(g.i)}.")
    lines += _output_padding_lines(t, slider_i)
    lines.append(
        f"PyTorch: <code>nn.ConvTranspose2d(..., kernel_size={_fmt(g.k)}, stride={_fmt(g.s)}, "
        f"padding={_fmt(args['padding'])}, output_padding={_fmt(args['output_padding'])}"
        + (f", dilation={_fmt(g.d)}" if g.d != (1, 1) else "")
        + f")</code> maps {_fmt(args['i_prime'])} → {_fmt(args['o_prime'])}."
    )
    details = [
        f"The padding you pass is p, which crops p units from each end of the full {_fmt(args['full'])} scatter "
        f"output (panel 2): the same output as padding the stretched input by p′ = k̂ − p − 1 (panel 3).",
        *_framework_lines(args),
        f"Black: unit {unit} (direct output = transposed input): row {unit} of C, column {unit} of Cᵀ. "
        f"Violet: unit {out_unit} (transposed output): column {out_unit} of C, row {out_unit} of Cᵀ. "
        f"One colour per kernel weight; crossed out: never covered by the kernel.",
    ]
    lines.append("<details><summary>TensorFlow, Keras, the crop, and the black and violet units</summary>"
                 + "<br>".join(details) + "</details>")
    panel_1 = "1 · direct convolution" + (f", i = {_fmt(g.i)} (see below)" if g.i != slider_i else "")
    return TransposedState(
        direct=_panel(direct, panel_1),
        scatter=_panel(scatter, "2 · its transpose: kernel copies scattered"),
        equivalent=_panel(equivalent, "3 · the transpose as a direct convolution"),
        matrix=matrix, matrix_t=matrix_t, readout=_html_block(lines),
        units=t.inputs, out_units=t.positions, unit=unit, out_unit=out_unit, a=t.a,
    )


# --- sampling_explorer: pure state ------------------------------------------------------------

STAGE_CHOICES = ("none", "↓M", "↑M", "q∗ (full)", "q∗ (same)", "q∗ (valid)")
"""The stages a :func:`sampling_explorer` chain can hold: downsample, upsample, convolve."""


@dataclass(frozen=True)
class SamplingState:
    """Sequences after each stage, the composed operator and its matrix."""

    scene: draw.Scene
    matrix: draw.MatrixScene | None
    operator: sampling.Operator | None
    stages: tuple
    readout: str
    warning: str = ""


def _parse_kernel(text) -> tuple:
    """Parse "1, 2, 1" into a kernel of SymPy rationals.

    Examples
    --------
    >>> _parse_kernel("1, -1/2")
    (1, -1/2)
    """
    if not isinstance(text, str):
        raise TypeError(f"q must be a string of comma-separated numbers, got {type(text).__name__}")
    parts = [part for part in re.split(r"[,\s]+", text.strip()) if part]
    if not parts:
        raise ValueError("q must hold at least one number, e.g. '1, 1'")
    try:
        return tuple(sympy.Rational(part) for part in parts)
    except (TypeError, ValueError):
        raise ValueError(f"q must be comma-separated numbers like '1, 2, 1', got {text!r}") from None


def _stage_operator(choice: str, M: int, q: tuple) -> sampling.Operator | None:
    if choice == "none":
        return None
    if choice == "↓M":
        return sampling.Down(M)
    if choice == "↑M":
        return sampling.Up(M)
    mode = choice[choice.index("(") + 1:-1]
    return sampling.Conv(q, mode, name="q")


def sampling_state(n, stages=("↑M", "q∗ (full)", "↓M"), M=2, q="1, 1", seed=1234) -> SamplingState:
    """A 1-D chain of ↓M, ↑M and convolutions applied to a sample sequence.

    The sample is ``n`` integers 1-9 drawn with ``seed``. Each stage's output comes from the
    stage's matrix in :mod:`course_lib.sampling` applied to the previous sequence; the composed
    operator (``stage_last @ ... @ stage_1``) and its matrix too.

    Parameters
    ----------
    n : int
        Length of the sample sequence.
    stages : sequence of str
        Entries of :data:`STAGE_CHOICES`, applied left to right; "none" is skipped.
    M : int
        Factor of ↓M and ↑M.
    q : str
        Kernel, comma-separated numbers (fractions allowed).
    seed : int

    Returns
    -------
    SamplingState
        With a warning (never an exception) when a stage is undefined for its input length or
        ``q`` cannot be parsed.

    Examples
    --------
    >>> state = sampling_state(3, ("↑M", "q∗ (full)"), M=2, q="1, 1")
    >>> [values.astype(int).tolist() for _, values in state.stages]
    [[4, 7, 6], [4, 0, 7, 0, 6, 0], [4, 4, 7, 7, 6, 6, 0]]
    >>> state.matrix.shape
    (7, 3)
    """
    x = np.random.RandomState(seed).randint(1, 10, size=n)
    sequences = [("x", [int(v) for v in x])]
    try:
        kernel = _parse_kernel(q)
    except (TypeError, ValueError) as err:
        return _sampling_failure(sequences, str(err))
    operators = []
    current = sympy.Matrix([int(v) for v in x])
    for choice in stages:
        if choice not in STAGE_CHOICES:
            raise ValueError(f"stages must be among {STAGE_CHOICES}, got {choice!r}")
        op = _stage_operator(choice, M, kernel)
        if op is None:
            continue
        try:
            current = op.matrix(current.rows) * current
        except ValueError as err:
            return _sampling_failure(sequences, f"{op} is undefined for length {current.rows}: {err}")
        operators.append(op)
        sequences.append((f"{op}  ({len(operators)})", list(current)))
    if not operators:
        composed = sampling.Identity()
    else:
        composed = operators[0]
        for op in operators[1:]:
            composed = op @ composed
    matrix = np.array(composed.matrix(n).evalf(), dtype=float)
    labels = [f"{label}" for label, _ in sequences]
    stages_out = tuple((label, np.array([float(v) for v in values])) for label, values in sequences)
    scene = draw.sequence_scene(
        [(label, values) for label, values in stages_out],
        title="", note="each row: the sequence after one more stage",
    )
    mscene = draw.values_matrix_scene(
        matrix, f"{composed}  ({matrix.shape[0]}×{matrix.shape[1]})", xlabel=f"{n} inputs",
        ylabel=f"{matrix.shape[0]} outputs",
    )
    lines = [
        f"<b>composed operator: {html.escape(str(composed))}</b> (apply right to left), a "
        f"{matrix.shape[0]}×{matrix.shape[1]} matrix",
        "stages: " + " → ".join(html.escape(label) for label in labels),
        "↓M keeps x₀, x_M, x_2M, …; ↑M puts M−1 zeros after every sample; q∗ is true convolution "
        "(numpy.convolve's modes).",
    ]
    return SamplingState(scene=scene, matrix=mscene, operator=composed, stages=stages_out, readout=_html_block(lines))


def _sampling_failure(sequences, message) -> SamplingState:
    stages = tuple((label, np.array([float(v) for v in values])) for label, values in sequences)
    scene = draw.sequence_scene(stages, title="", note=message)
    return SamplingState(scene=scene, matrix=None, operator=None, stages=stages,
                         readout=_html_block([_warning(message)]), warning=message)


# --- checkerboard_explorer: pure state --------------------------------------------------------


def contribution_counts(i, layers) -> np.ndarray:
    """How many kernel contributions each output unit of a stack of transposed convolutions gets.

    Every layer is a stride-``s`` transposed convolution with a ``k × k`` kernel of ones applied
    to the previous map, starting from an ``i × i`` map of ones: the result counts the paths
    from input units to each output unit (:func:`course_lib.checkerboard.stack_overlap_counts`
    in 2-D, which the explorer shows).

    Parameters
    ----------
    i : int
    layers : sequence of (k, s)

    Returns
    -------
    numpy.ndarray of int

    Examples
    --------
    >>> contribution_counts(3, [(3, 2)])[0].tolist()
    [1, 1, 2, 1, 2, 1, 1]
    >>> contribution_counts(3, [(3, 2)]).max(), contribution_counts(3, [(4, 2)])[3].tolist()
    (np.int64(4), [2, 2, 4, 4, 4, 4, 2, 2])
    """
    return checkerboard.stack_overlap_counts(i, layers, ndim=2)


def _interior(i, layers) -> np.ndarray:
    """Units whose count would not change if the input were larger on every side.

    Compares with the same stack applied to an input grown by ``m`` units per side; the
    original output then sits ``m · s₁ s₂ …`` units in.
    """
    shift_per_unit = 1
    reach = 1
    for k, s in layers:
        shift_per_unit *= s
        reach = (reach - 1) * s + k
    margin = reach // shift_per_unit + 2
    counts = contribution_counts(i, layers)
    grown = contribution_counts(i + 2 * margin, layers)
    offset = margin * shift_per_unit
    window = grown[offset:offset + counts.shape[0], offset:offset + counts.shape[1]]
    return counts == window


@dataclass(frozen=True)
class CheckerboardState:
    """Contribution counts of a stack of transposed convolutions, with max/min ratios."""

    counts: np.ndarray
    interior: np.ndarray
    ratio: float
    interior_ratio: float | None
    matrix: draw.MatrixScene
    readout: str


def _ratio(values: np.ndarray) -> float:
    low = values.min()
    return float("inf") if low == 0 else float(values.max() / low)


def checkerboard_state(i, layers) -> CheckerboardState:
    """The 2-D map of contribution counts and its max/min ratio (whole map and interior).

    Parameters
    ----------
    i : int
        Input size of the first layer.
    layers : sequence of (k, s)
        Kernel size and stride of each transposed convolution.

    Returns
    -------
    CheckerboardState

    Examples
    --------
    >>> checkerboard_state(4, [(3, 2)]).interior_ratio  # k not divisible by s: 4 in 2-D
    4.0
    >>> checkerboard_state(4, [(4, 2)]).interior_ratio  # k divisible by s: even interior
    1.0
    """
    i = check_int("i", i, minimum=1)
    layers = tuple((check_int("k", k, minimum=1), check_int("s", s, minimum=1)) for k, s in layers)
    if not layers:
        raise ValueError("layers must hold at least one (k, s) pair")
    counts = contribution_counts(i, layers)
    interior = _interior(i, layers)
    ratio = _ratio(counts)
    interior_ratio = _ratio(counts[interior]) if interior.any() else None
    boxes = ()
    if interior.any():
        rows, cols = np.nonzero(interior)
        boxes = ((rows.min(), cols.min(), rows.max() - rows.min() + 1, cols.max() - cols.min() + 1, _DARK),)
    stack = " → ".join(f"(k={k}, s={s})" for k, s in layers)
    matrix = draw.values_matrix_scene(
        counts, f"contributions per output unit, {counts.shape[0]}×{counts.shape[1]}", cmap="viridis",
        symmetric=False, boxes=boxes, labels=counts.size <= 400,
    )

    def show(value):
        return "∞ (some units get no contribution: k < s)" if value == float("inf") else f"{value:g}"

    lines = [
        f"<b>input {i}×{i} → {stack} → output {counts.shape[0]}×{counts.shape[1]}</b>",
        f"max/min contributions: {show(ratio)} over the whole map (borders included)",
        (f"interior (boxed; counts unaffected by the borders): max/min = {show(interior_ratio)}"
         if interior_ratio is not None else "no interior: every unit is affected by a border"),
        "Uneven counts (ratio > 1) are the checkerboard pattern. In one layer, k divisible by s evens out the "
        "interior counts; in a stack, each layer's kernel meets the pattern of the layers before it.",
    ]
    return CheckerboardState(counts=counts, interior=interior, ratio=ratio, interior_ratio=interior_ratio,
                             matrix=matrix, readout=_html_block(lines))


# --- the widget wrapper -----------------------------------------------------------------------


class Explorer(widgets.VBox):
    """A VBox of controls, one image and a readout that redraws in place on every change.

    Subclasses set ``self.controls`` (a dict of value widgets), create their artists on
    ``self.figure`` and implement ``_update()``. The figure's PNG in ``self.image`` is the only
    output: nothing is printed, nothing is displayed twice, no figure is created after the
    first.

    Changes of the controls named in ``STEP_CONTROLS`` (kernel positions) only move the
    window, highlights and text: the rest of the picture is restored from a cached background
    and only those artists (``_dynamic_artists()``) are drawn again (matplotlib's blitting).

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The one figure, never registered with pyplot.
    image : ipywidgets.Image
    readout : ipywidgets.HTML
    controls : dict of str to ipywidgets.Widget
    renders : int
        How many times the image was redrawn; ``blits`` how many of those were partial.
    """

    STEP_CONTROLS = ()

    def __init__(self, rows, figsize, css_class: str, dpi=_DPI):
        self.figure = draw.new_figure(figsize, dpi=dpi)
        width = round(figsize[0] * dpi)
        # shown at its own size (a VBox would stretch it to the output's width, text and all), or
        # smaller in an output area narrower than the picture
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            width=f"{width}px", max_width="100%", height="auto", align_self="flex-start"))
        self.readout = widgets.HTML()
        self.renders = self.blits = 0
        self._busy = False
        self._background = self._static_key = None
        super().__init__(list(rows) + [self.image, self.readout])
        self.add_class("course-explorer")
        self.add_class(css_class)

    def _watch(self) -> None:
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    def _on_change(self, _change) -> None:
        if not self._busy:
            self.refresh()

    def _dynamic_artists(self) -> list:
        return []

    def refresh(self) -> None:
        """Recompute the state from the controls and redraw the image in place."""
        self._busy = True
        try:
            self._update()
        finally:
            self._busy = False
        canvas = self.figure.canvas
        dynamic = [a for a in self._dynamic_artists() if a.axes is None or a.axes.get_visible()]
        key = tuple((name, control.value) for name, control in self.controls.items()
                    if name not in self.STEP_CONTROLS)
        if dynamic and key == self._static_key and self._background is not None:
            canvas.restore_region(self._background)
            self.blits += 1
        else:
            for artist in dynamic:
                artist.set_animated(True)  # left out of the full draw, drawn on top below
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox) if dynamic else None
            self._static_key = key
        for artist in dynamic:
            artist.axes.draw_artist(artist)
        self.image.value = encode_png(np.asarray(canvas.buffer_rgba()))
        self.renders += 1

    def _update(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    STATIC_HINT = "Run this cell to move the sliders."

    def static_png(self) -> bytes:
        """The explorer's current picture as a PNG, with a line over it saying to run the cell.

        What a notebook shows before its cell is run (see :meth:`_repr_mimebundle_`).
        """
        return static_picture(self.image.value, self.STATIC_HINT)

    def _repr_mimebundle_(self, **kwargs):
        """The widget view, plus a static picture and a plain-text line for where widgets do not run.

        JupyterLab shows the live widget for output it trusts (a cell run in this session) and
        the ``image/png`` otherwise: a committed notebook opened for the first time is not
        trusted, and the widget view would fall back to the plain text, the Python repr.
        """
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = self.STATIC_HINT
        data["image/png"] = base64.b64encode(self.static_png()).decode("ascii")
        return data


def static_picture(png: bytes, hint: str) -> bytes:
    """``png`` with a band above it holding ``hint`` in 13 px text (DejaVu Sans, matplotlib's font).

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> image = Image.open(io.BytesIO(static_picture(encode_png(np.full((40, 200, 4), 255, np.uint8)), "Run")))
    >>> image.size
    (200, 64)
    """
    import io

    from matplotlib import font_manager
    from PIL import Image, ImageDraw, ImageFont

    picture = Image.open(io.BytesIO(png)).convert("RGBA")
    band = 24
    out = Image.new("RGBA", (picture.width, picture.height + band), (255, 255, 255, 255))
    out.paste(picture, (0, band))
    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), 13)
    ImageDraw.Draw(out).text((6, 4), "▶ " + hint, fill=(90, 90, 90, 255), font=font)
    buffer = io.BytesIO()  # stored in the notebook: compressed well (once per display, ~0.1 s)
    out.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _scene_dynamic(artist) -> list:
    """The artists of a SceneArtist that change when only the kernel position moves."""
    return [artist.overlay.collection, artist.text.collection, artist.heading.collection]


def _matrix_dynamic(artist) -> list:
    return [artist.boxes.collection, artist.heading.collection]


def _check_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _sync(widget, **attributes) -> None:
    """Set a control's attributes (in the given order), skipping those already equal.

    Every trait change of a widget is a message to the browser; unchanged ones are skipped.
    """
    changed = {name: value for name, value in attributes.items() if getattr(widget, name) != value}
    if changed:
        with widget.hold_trait_notifications():
            for name, value in changed.items():
                setattr(widget, name, value)


# A horizontal slider in ipywidgets 8 is description | track | readout, and its CSS takes, besides
# the description: 8 px right of it, 6 px each side of the track, and the readout's min-width of
# 72 px (a quarter of --jp-widgets-inline-width, 300 px, less margins) plus 4 px. A 210 px wide
# slider with a 70 px description therefore had a 44 px track.
_SLIDER_CHROME_PX = 8 + 2 * 6 + 72 + 4
_TRACK_PX = 160  # what a student drags along: at least 150 px


def _fixed(width_px: int) -> widgets.Layout:
    """A control exactly ``width_px`` wide: it never shrinks in a narrow notebook (rows wrap)."""
    return widgets.Layout(width=f"{width_px}px", flex="0 0 auto")


def _row(children) -> widgets.HBox:
    """Controls side by side, wrapping onto the next line rather than squeezing them."""
    return widgets.HBox(list(children), layout=widgets.Layout(flex_flow="row wrap"))


def _slider(description, value, low, high, *, label_px=80, track_px=_TRACK_PX, tooltip=None):
    # descriptions are short enough for label_px (13 px text: about 7 px a character); the
    # tooltip says the rest
    return widgets.IntSlider(value=value, min=low, max=high, description=description, continuous_update=True,
                             layout=_fixed(label_px + _SLIDER_CHROME_PX + track_px),
                             style={"description_width": f"{label_px}px"}, tooltip=tooltip or description)


def _step_row(name, description, maximum, tooltip=None):
    slider = _slider(description, 0, 0, maximum, tooltip=tooltip)
    play = widgets.Play(value=0, min=0, max=maximum, interval=600, tooltip=f"play: move {name} step by step",
                        layout=_fixed(_PLAY_PX))
    widgets.jslink((play, "value"), (slider, "value"))
    return slider, play


_PLAY_PX = 120  # ipywidgets' Play: four buttons


class _ConvExplorer(Explorer):
    STEP_CONTROLS = ("step",)

    def __init__(self, i, k, s, p, d, numbers):
        self.controls = {
            "i": _slider("input i", i, 1, 8, tooltip="input size i"),
            "k": _slider("kernel k", k, 1, 6, tooltip="kernel size k"),
            "s": _slider("stride s", s, 1, 4, tooltip="stride s"),
            "p": _slider("padding p", p, 0, 4, tooltip="zero padding p on each side"),
            "d": _slider("dilation d", d, 1, 3, tooltip="dilation d"),
            "numbers": widgets.Checkbox(value=numbers, description="numbers", indent=False, layout=_fixed(100)),
        }
        self.controls["step"], self.play = _step_row("the kernel", "position", 0,
                                                     tooltip="kernel position (one per output unit)")
        # three rows that fit a 920 px output area (1366 px screen, file browser open)
        rows = [
            _row(self.controls[n] for n in ("i", "k", "numbers")),
            _row(self.controls[n] for n in ("s", "p")),
            _row([self.controls["d"], self.controls["step"], self.play]),
        ]
        super().__init__(rows, figsize=(9.0, 4.2), css_class="course-conv-explorer")
        self.artist = draw.SceneArtist(self.figure.add_axes((0.01, 0.02, 0.98, 0.96)), title_size=0, zeros=False)
        self._watch()
        self.refresh()

    def _dynamic_artists(self):
        return _scene_dynamic(self.artist)

    def _update(self):
        c = self.controls
        state = conv_state(c["i"].value, c["k"].value, c["s"].value, c["p"].value, c["d"].value,
                           c["step"].value, numbers=c["numbers"].value)
        for widget in (c["step"], self.play):
            _sync(widget, max=max(state.positions - 1, 0), value=state.step)
        self.artist.draw(state.scene)
        self.readout.value = state.readout
        self.state = state


def conv_explorer(i=5, k=3, s=1, p=0, d=1, *, numbers=False) -> Explorer:
    """Sliders for i, k, s, p, d and a kernel-position slider with a Play button.

    Shows the padded input with the kernel window, the kernel and the output, the output size
    with its formula and the relationship that applies; warns (without failing) when the kernel
    does not fit.

    Parameters
    ----------
    i, k, s, p, d : int
        Initial input size (1-8), kernel size (1-6), stride (1-4), padding (0-4), dilation (1-3).
    numbers : bool
        Start with values in the cells.

    Returns
    -------
    Explorer
        Display it as the last expression of a cell.

    Examples
    --------
    >>> explorer = conv_explorer(5, 3, s=2, p=1)
    >>> explorer.controls["step"].max, explorer.state.output_size
    (8, (3, 3))
    >>> conv_explorer(i=9)
    Traceback (most recent call last):
    ...
    ValueError: i must be <= 8, got 9
    """
    ranges = {"i": (i, 1, 8), "k": (k, 1, 6), "s": (s, 1, 4), "p": (p, 0, 4), "d": (d, 1, 3)}
    values = {name: check_int(name, value, low, high) for name, (value, low, high) in ranges.items()}
    return _ConvExplorer(*values.values(), _check_bool("numbers", numbers))


class _TransposedExplorer(Explorer):
    STEP_CONTROLS = ("unit", "out_unit")

    def __init__(self, i, k, s, p, d, numbers):
        self.controls = {
            "i": _slider("input i", i, 1, 8, tooltip="input size i of the direct convolution"),
            "k": _slider("kernel k", k, 1, 5, tooltip="kernel size k"),
            "s": _slider("stride s", s, 1, 3, tooltip="stride s of the direct convolution"),
            "p": _slider("padding p", p, 0, 3, tooltip="padding p of the direct convolution (PyTorch's padding)"),
            "d": _slider("dilation d", d, 1, 3, tooltip="dilation d"),
            "auto": widgets.Checkbox(value=True, description="output_padding = a", indent=False, layout=_fixed(160)),
            "output_padding": _slider("output_padding", 0, 0, 2, label_px=115,
                                      tooltip="PyTorch's output_padding (untick 'output_padding = a' to set it)"),
            "numbers": widgets.Checkbox(value=numbers, description="numbers", indent=False, layout=_fixed(100)),
        }
        self.controls["unit"], self.play = _step_row(
            "the black unit", "black unit", 0, tooltip="black: an output unit of the direct convolution "
            "= an input unit of the transpose (row of C, column of Cᵀ)")
        self.controls["out_unit"], self.play_out = _step_row(
            "the violet unit", "violet unit", 0, tooltip="violet: an output unit of the transpose "
            "(column of C, row of Cᵀ)")
        # four rows that fit a 920 px output area (1366 px screen, file browser open)
        rows = [
            _row(self.controls[n] for n in ("i", "k", "numbers")),
            _row(self.controls[n] for n in ("s", "p", "auto")),
            _row(self.controls[n] for n in ("d", "output_padding")),
            _row([self.controls["unit"], self.play, self.controls["out_unit"], self.play_out]),
        ]
        super().__init__(rows, figsize=TRANSPOSED_FIGSIZE, css_class="course-transposed-explorer", dpi=72)
        self.artists = transposed_artists(self.figure)
        self.panels, self.panel_3, self.legend = (self.artists[n] for n in ("panels", "panel_3", "legend"))
        self.matrix_artists = {n: self.artists[n] for n in ("matrix", "matrix_t")}
        self.legend.draw(TRANSPOSED_LEGEND)
        self._watch()
        self.refresh()

    def _dynamic_artists(self):
        return (_scene_dynamic(self.panels) + _scene_dynamic(self.panel_3)
                + [a for artist in self.matrix_artists.values() for a in _matrix_dynamic(artist)])

    def _update(self):
        c = self.controls
        s = c["s"].value
        op_max = max(s - 1, 0)
        output_padding = None if c["auto"].value else min(c["output_padding"].value, op_max)
        state = transposed_state(c["i"].value, c["k"].value, s, c["p"].value, c["d"].value, output_padding,
                                 c["unit"].value, c["out_unit"].value, numbers=c["numbers"].value)
        shown_op = state.a[0] if (output_padding is None and state.a) else (output_padding or 0)
        _sync(c["output_padding"], max=op_max, value=min(shown_op, op_max), disabled=c["auto"].value)
        for widget, count, value in ((c["unit"], state.units, state.unit), (self.play, state.units, state.unit),
                                     (c["out_unit"], state.out_units, state.out_unit),
                                     (self.play_out, state.out_units, state.out_unit)):
            _sync(widget, max=max(count - 1, 0), value=value)
        draw_transposed_state(self.artists, state)
        self.readout.value = state.readout
        self.state = state


TRANSPOSED_FIGSIZE = (12.5, 5.0)
"""Inches at 72 dpi: 900 × 360 px, shown unscaled in a 920 px output area."""


def transposed_artists(figure) -> dict:
    """The transposed explorer's artists on ``figure`` (:data:`TRANSPOSED_FIGSIZE` at 72 dpi).

    Panels 1 and 2 (direct convolution, scatter) share the top row; panel 3 (the emulating
    direct convolution), C and Cᵀ the bottom row; the legend of cell kinds runs along the bottom.
    """
    w, h = (v * figure.dpi for v in figure.get_size_inches())

    def box(x, y, width, height):  # pixels from the bottom left
        return (x / w, y / h, width / w, height / h)

    return {
        "panels": draw.SceneArtist(figure.add_axes(box(0, 200, w, h - 202)), title_size=0, zeros=False),
        "panel_3": draw.SceneArtist(figure.add_axes(box(0, 26, 0.48 * w, 172)), title_size=0, zeros=False),
        "matrix": draw.MatrixArtist(figure.add_axes(box(0.5 * w, 34, 0.36 * w, 140)), title_size=10),
        "matrix_t": draw.MatrixArtist(figure.add_axes(box(0.88 * w, 34, 0.11 * w, 140)), title_size=10),
        "legend": draw.LegendArtist(figure.add_axes(box(0, 0, w, 24))),
    }


def draw_transposed_state(artists: dict, state: TransposedState) -> None:
    """Draw ``state`` with :func:`transposed_artists` (the legend is drawn once, by the caller)."""
    top = [state.direct] + ([state.scatter] if state.scatter is not None else [])
    artists["panels"].draw(draw.combine_scenes(top))  # only the first when the kernel does not fit
    artists["panel_3"].ax.set_visible(state.equivalent is not None)
    if state.equivalent is not None:
        artists["panel_3"].draw(draw.combine_scenes([state.equivalent]))
    for name in ("matrix", "matrix_t"):
        scene = getattr(state, name)
        artists[name].ax.set_visible(scene is not None)
        if scene is not None:
            artists[name].draw(scene)


def transposed_explorer(i=5, k=3, s=2, p=1, d=1, *, numbers=False) -> Explorer:
    """One set of parameters driving the direct convolution, its transpose two ways, C and Cᵀ.

    Panels: (1) conv(i, k, s, p, d) with the kernel on output unit ``unit``; (2) the transposed
    convolution as a scatter, input unit ``unit`` adding its weighted kernel copy; (3) the same
    transposed convolution as a direct convolution over the stretched, padded input with the
    kernel rotated by 180°, on output unit ``out_unit``; below, C with row ``unit`` and Cᵀ with
    column ``unit`` (black) and the ``out_unit`` column/row (violet). The readout gives the
    PyTorch arguments (padding, output_padding) and the TensorFlow padding for this shape.

    Parameters
    ----------
    i, k, s, p, d : int
        Initial input size (1-8), kernel size (1-5), stride (1-3), padding (0-3), dilation (1-3).
    numbers : bool
        Start with values in the cells.

    Returns
    -------
    Explorer

    Examples
    --------
    >>> explorer = transposed_explorer(6, 3, s=2, p=1)
    >>> explorer.controls["output_padding"].value, explorer.controls["out_unit"].max
    (1, 35)
    """
    ranges = {"i": (i, 1, 8), "k": (k, 1, 5), "s": (s, 1, 3), "p": (p, 0, 3), "d": (d, 1, 3)}
    values = {name: check_int(name, value, low, high) for name, (value, low, high) in ranges.items()}
    return _TransposedExplorer(*values.values(), _check_bool("numbers", numbers))


class _SamplingExplorer(Explorer):
    def __init__(self, n, stages, M, q):
        stages = tuple(stages) + ("none",) * (3 - len(stages))
        self.controls = {
            "n": _slider("length n", n, 1, 8),
            "M": _slider("factor M", M, 2, 4),
            "q": widgets.Text(value=q, description="kernel q", continuous_update=False,
                              layout=_fixed(240), style={"description_width": "80px"}),
        }
        for index, stage in enumerate(stages[:3]):
            self.controls[f"stage{index + 1}"] = widgets.Dropdown(
                options=STAGE_CHOICES, value=stage, description=f"stage {index + 1}",
                layout=_fixed(240), style={"description_width": "80px"},
            )
        rows = [
            _row(self.controls[n] for n in ("n", "M", "q")),
            _row(self.controls[f"stage{j}"] for j in (1, 2, 3)),
        ]
        super().__init__(rows, figsize=(11.0, 4.6), css_class="course-sampling-explorer")
        self.artist = draw.SceneArtist(self.figure.add_axes((0.01, 0.04, 0.55, 0.9)), title_size=0)
        self.matrix_artist = draw.MatrixArtist(self.figure.add_axes((0.6, 0.1, 0.38, 0.78)), title_size=11)
        self._watch()
        self.refresh()

    def _update(self):
        c = self.controls
        state = sampling_state(c["n"].value, tuple(c[f"stage{j}"].value for j in (1, 2, 3)), c["M"].value,
                               c["q"].value)
        self.artist.draw(state.scene)
        self.matrix_artist.ax.set_visible(state.matrix is not None)
        if state.matrix is not None:
            self.matrix_artist.draw(state.matrix)
        self.readout.value = state.readout
        self.state = state


def sampling_explorer(n=6, stages=("↑M", "q∗ (full)", "↓M"), M=2, q="1, 1") -> Explorer:
    """A 1-D chain of ↓M, ↑M and convolutions applied to a sample sequence.

    Shows the sequence after each stage and the composed operator's matrix (from
    :mod:`course_lib.sampling`). The defaults repeat every sample (↑2, then (1, 1)∗) and keep
    every second one (↓2): x comes back, followed by one 0.

    Parameters
    ----------
    n : int
        Sample length (1-8).
    stages : sequence of up to three str
        From :data:`STAGE_CHOICES`.
    M : int
        Factor of ↓M and ↑M (2-4).
    q : str
        Kernel, comma-separated numbers.

    Returns
    -------
    Explorer

    Examples
    --------
    >>> explorer = sampling_explorer(4)
    >>> [label for label, _ in explorer.state.stages][1:]
    ['↑₂  (1)', '(q∗)  (2)', '↓₂  (3)']
    >>> explorer.state.stages[0][1].tolist(), explorer.state.stages[-1][1].tolist()
    ([4.0, 7.0, 6.0, 5.0], [4.0, 7.0, 6.0, 5.0, 0.0])
    """
    n, M = check_int("n", n, 1, 8), check_int("M", M, 2, 4)
    stages = tuple(stages)
    if len(stages) > 3 or any(stage not in STAGE_CHOICES for stage in stages):
        raise ValueError(f"stages must be up to three of {STAGE_CHOICES}, got {stages!r}")
    if not isinstance(q, str):
        raise TypeError(f"q must be a string of comma-separated numbers, got {type(q).__name__} {q!r}")
    return _SamplingExplorer(n, stages, M, q)


class _CheckerboardExplorer(Explorer):
    def __init__(self, i, layers):
        count = max(1, min(3, len(layers)))
        layers = list(layers)[:3] + [(3, 2)] * (3 - len(layers))
        self.controls = {
            "i": _slider("input i", i, 1, 8),
            "layers": _slider("layers", count, 1, 3),
        }
        for index, (k, s) in enumerate(layers[:3]):
            self.controls[f"k{index + 1}"] = _slider(f"kernel k{index + 1}", k, 1, 8)
            self.controls[f"s{index + 1}"] = _slider(f"stride s{index + 1}", s, 1, 4)
        # one row per layer, then the input: fits a 920 px output area two sliders wide
        rows = [
            _row([self.controls["i"], self.controls["layers"]]),
            *(_row([self.controls[f"k{j}"], self.controls[f"s{j}"]]) for j in (1, 2, 3)),
        ]
        super().__init__(rows, figsize=(5.0, 4.9), css_class="course-checkerboard-explorer")
        self.matrix_artist = draw.MatrixArtist(self.figure.add_axes((0.04, 0.04, 0.92, 0.88)), title_size=11)
        self._watch()
        self.refresh()

    def _update(self):
        c = self.controls
        count = c["layers"].value
        for j in (1, 2, 3):
            c[f"k{j}"].disabled = c[f"s{j}"].disabled = j > count
        layers = [(c[f"k{j}"].value, c[f"s{j}"].value) for j in range(1, count + 1)]
        state = checkerboard_state(c["i"].value, layers)
        self.matrix_artist.draw(state.matrix)
        self.readout.value = state.readout
        self.state = state


def checkerboard_explorer(i=4, layers=((3, 2),)) -> Explorer:
    """A stack of (k, s) transposed convolutions and how many contributions each output unit gets.

    Shows the 2-D map of contribution counts (:func:`contribution_counts`), the max/min ratio
    over the whole map and over the interior (boxed).

    Parameters
    ----------
    i : int
        Input size (1-8).
    layers : sequence of (k, s)
        One to three layers; kernel sizes 1-8, strides 1-4.

    Returns
    -------
    Explorer

    Examples
    --------
    >>> explorer = checkerboard_explorer(4, [(3, 2)])
    >>> explorer.state.interior_ratio
    4.0
    """
    i = check_int("i", i, 1, 8)
    layers = list(layers)
    if not 1 <= len(layers) <= 3:
        raise ValueError(f"layers must hold 1 to 3 (k, s) pairs, got {len(layers)}")
    layers = [(check_int("k", k, 1, 8), check_int("s", s, 1, 4)) for k, s in layers]
    return _CheckerboardExplorer(i, layers)
