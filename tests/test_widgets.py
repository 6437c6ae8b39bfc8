"""Tests of course_lib.widgets: the pure state functions, and explorers that update in place."""

import io
import re
import itertools

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from course_lib import arithmetic, frameworks, numeric, sampling, widgets

matplotlib.use("Agg")


# --- conv_state -------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 8), st.integers(1, 6), st.integers(1, 4), st.integers(0, 4), st.integers(1, 3),
       st.integers(0, 200))
def test_conv_state_never_fails_for_slider_values(i, k, s, p, d, step):
    state = widgets.conv_state(i, k, s, p, d, step)
    k_hat = arithmetic.effective_kernel_size(k, d)
    if k_hat > i + 2 * p:
        assert state.warning and "does not fit" in state.warning
        assert state.output_size is None and state.positions == 1
        assert "⚠" in state.readout
        assert [g.name for g in state.scene.grids] == ["input", "kernel"]
    else:
        o = arithmetic.conv_output_size(i, k, s, p, d)
        assert not state.warning
        assert state.output_size == (o, o) and state.positions == o * o
        assert state.step == min(step, o * o - 1)
        assert state.relationships == arithmetic.applicable_relationships(i, k, s, p, d)
        assert f"= {o}" in state.readout
        assert f"Relationship {state.relationships[0]}" in state.readout


def test_conv_state_readout_shows_the_formula_with_numbers():
    state = widgets.conv_state(6, 3, 2, 1)
    assert "o = ⌊(6 + 2·1 − 3)/2⌋ + 1 = 3" in state.readout
    assert "Relationship 6" in state.readout and "o = ⌊(i − k + 2p)/s⌋ + 1" in state.readout


def test_unicode_equations_of_every_relationship():
    assert widgets._unicode_equation(1) == "o = i − k + 1"
    assert widgets._unicode_equation(15) == "o = ⌊(i − k + 2p − (d − 1)(k − 1))/s⌋ + 1"
    for n in range(1, 16):
        assert "floor" not in widgets._unicode_equation(n)


# --- transposed_state -------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(1, 5), st.integers(1, 3), st.integers(0, 3), st.integers(1, 3),
       st.integers(0, 80), st.integers(0, 80))
def test_transposed_state_for_slider_values(i, k, s, p, d, unit, out_unit):
    state = widgets.transposed_state(i, k, s, p, d, None, unit, out_unit)
    if arithmetic.effective_kernel_size(k, d) > i + 2 * p:
        assert "does not fit" in state.warning and state.scatter is None
        return
    eq = arithmetic.transposed_equivalent(i, k, s, p, d)
    assert state.a == (eq.a, eq.a)
    assert state.units == eq.i_prime ** 2 and state.out_units == i * i
    assert state.unit == min(unit, eq.i_prime ** 2 - 1) and state.out_unit == min(out_unit, i * i - 1)
    assert state.matrix.shape == (eq.i_prime ** 2, i * i) and state.matrix_t.shape == (i * i, eq.i_prime ** 2)
    assert state.direct.grid("output").highlight == (divmod(state.unit, eq.i_prime),)
    assert state.scatter.grid("input").highlight == (divmod(state.unit, eq.i_prime),)
    assert state.equivalent.grid("output").highlight == (divmod(state.out_unit, i),)
    # C's row and Cᵀ's column are the same unit; C's column and Cᵀ's row the other one
    assert state.matrix.boxes[0][:2] == (state.unit, 0) and state.matrix_t.boxes[0][:2] == (0, state.unit)
    assert state.matrix.boxes[1][:2] == (0, state.out_unit) and state.matrix_t.boxes[1][:2] == (state.out_unit, 0)


def test_framework_arguments_follow_the_frameworks_conventions():
    for i, k, s, p, d in itertools.product(range(3, 8), (1, 2, 3), (1, 2, 3), (0, 1), (1, 2)):
        if arithmetic.effective_kernel_size(k, d) > i + 2 * p:
            continue
        args = widgets.framework_arguments(i, k, s, p, d)
        i1, = set(args["i_prime"])
        op, = set(args["output_padding"])
        # PyTorch's documented ConvTranspose2d formula
        assert (i1 - 1) * s - 2 * p + d * (k - 1) + op + 1 == i == args["o_prime"][0]
        for mode in ("SAME", "VALID"):
            # TensorFlow's direct convolution of the requested size maps it back to i′
            pads = frameworks.tf_same_padding(i, k, s, d) if mode == "SAME" else (0, 0)
            try:
                maps_back = numeric.conv1d(np.zeros(i), np.zeros(k), stride=s, padding=(pads,), dilation=d).shape == (i1,)
            except ValueError:  # the kernel does not fit an input of size i at all
                maps_back = False
            assert (mode in args["tensorflow"]) == maps_back
        for mode, a in args["keras"]:
            a = a[0] if a is not None else None
            assert frameworks.keras_conv_transpose_length(i1, k, s, mode, a, d) == i
    # the default state of lesson 05's explorer: both TensorFlow and Keras give 5, with PyTorch's values
    default = widgets.framework_arguments(5, 3, 2, 1)
    assert default["tensorflow"] == ("SAME",) and default["keras"] == (("same", (0, 0)),)
    assert default["crop_before"]["SAME"] == default["padding"] == (1, 1)
    readout = widgets.transposed_state(5, 3, 2, 1).readout
    assert "neither" not in readout and "padding='same', output_padding=0" in readout


def test_transposed_state_with_another_output_padding_and_its_warnings():
    state = widgets.transposed_state(6, 3, 2, 1, 1, 0)
    assert state.equivalent.grid("output").shape == (5, 5)
    assert "output_padding=0" in state.readout and "5 → 5" not in state.readout
    bad = widgets.transposed_state(6, 3, 2, 1, 1, 5)
    assert bad.warning.startswith("output_padding") and bad.scatter is None


# --- sampling_state ---------------------------------------------------------------------------


def _apply(choice, x, k, q):
    if choice == "↓M":
        return x[::k]
    if choice == "↑M":
        up = np.zeros(len(x) * k)
        up[::k] = x
        return up
    return np.convolve(x, q, mode=choice[choice.index("(") + 1:-1])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.lists(st.sampled_from(widgets.STAGE_CHOICES), min_size=1, max_size=3),
       st.integers(2, 4), st.lists(st.integers(-3, 3), min_size=1, max_size=3))
def test_sampling_state_matches_numpy(n, stages, k, q):
    state = widgets.sampling_state(n, stages, k, ", ".join(map(str, q)))
    x = state.stages[0][1]
    current = x
    for choice in stages:
        if choice == "none":
            continue
        if choice in ("q∗ (same)", "q∗ (valid)") and len(current) < len(q):
            assert "undefined" in state.warning and state.matrix is None
            return
        current = _apply(choice, current, k, np.array(q, dtype=float))
    assert not state.warning
    assert np.allclose(state.stages[-1][1], current)
    assert state.matrix.shape == (len(current), n)
    composed = np.array(state.operator.matrix(n).evalf(), dtype=float)
    assert np.allclose(composed @ x, current)


def test_sampling_state_reports_a_bad_kernel():
    state = widgets.sampling_state(4, ("q∗ (full)",), 2, "1, x")
    assert "q must be comma-separated numbers" in state.warning and state.matrix is None
    assert widgets.sampling_state(4, (), 2, "1/2, 1/2").operator is not None


def test_repeat_upsampling_equals_the_transposed_convolution_with_ones():
    """FACTS: ↑2 then (1, 1)∗ repeats every sample — a stride-2 transposed convolution."""
    state = widgets.sampling_state(4, ("↑M", "q∗ (full)"), 2, "1, 1")
    x = state.stages[0][1]
    assert state.stages[-1][1][:-1].tolist() == np.repeat(x, 2).tolist()
    assert sampling.operators_agree(state.operator, sampling.TransposedConv((1, 1), 2, output_padding=1))


# --- checkerboard_state -----------------------------------------------------------------------


def test_contribution_counts_follow_facts():
    counts = widgets.contribution_counts(6, [(3, 2)])
    assert counts[counts.shape[0] // 2, :6].tolist() == [2, 2, 4, 2, 4, 2]  # 1-D pattern 1,1,2,1,2 doubled
    assert widgets.checkerboard_state(6, [(3, 2)]).interior_ratio == 4.0  # 2 in 1-D, 4 in 2-D
    assert widgets.checkerboard_state(6, [(4, 2)]).interior_ratio == 1.0  # k divisible by s
    assert widgets.checkerboard_state(3, [(1, 2)]).ratio == float("inf")  # k < s leaves gaps
    state = widgets.checkerboard_state(4, [(3, 2), (3, 2)])
    assert state.counts.shape == (arithmetic.transposed_output_size(arithmetic.transposed_output_size(4, 3, 2), 3, 2),) * 2


def test_contribution_counts_count_paths_through_the_stack():
    # brute force: ones through the stack, one scatter at a time
    layers = [(3, 2), (2, 1)]
    x = np.ones((3, 3))
    for k, s in layers:
        n = (x.shape[0] - 1) * s + k
        out = np.zeros((n, n))
        for r, c in itertools.product(range(x.shape[0]), repeat=2):
            out[r * s:r * s + k, c * s:c * s + k] += x[r, c]
        x = out
    assert (widgets.contribution_counts(3, layers) == x).all()


def test_checkerboard_state_interior_is_unaffected_by_borders():
    state = widgets.checkerboard_state(5, [(3, 2)])
    bigger = widgets.contribution_counts(9, [(3, 2)])
    rows, cols = np.nonzero(state.interior)
    assert (state.counts[rows, cols] == bigger[rows + 4, cols + 4]).all()
    with pytest.raises(ValueError, match="layers"):
        widgets.checkerboard_state(4, [])


# --- the explorers ----------------------------------------------------------------------------


def _decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.mark.parametrize("shape", [(5, 7), (300, 200)])  # small: one stream; large: two halves
def test_encode_png_round_trips(shape):
    rgba = np.random.RandomState(0).randint(0, 256, (*shape, 4)).astype(np.uint8)
    rgba[: shape[0] // 2, :, :3] = 255  # part flat, part noise, like a drawing
    assert (np.asarray(Image.open(io.BytesIO(widgets.encode_png(rgba)))) == rgba).all()
    with pytest.raises(ValueError, match="rgba must be"):
        widgets.encode_png(np.zeros((5, 7, 3), dtype=np.uint8))


EXPLORERS = {
    "conv": (lambda: widgets.conv_explorer(5, 3, 2, 1), [("step", 3), ("i", 7), ("k", 4), ("p", 2), ("numbers", True),
                                                         ("d", 2), ("s", 1), ("step", 5)]),
    "transposed": (lambda: widgets.transposed_explorer(6, 3, 2, 1),
                   [("unit", 4), ("out_unit", 9), ("i", 7), ("numbers", True), ("auto", False),
                    ("output_padding", 1), ("k", 2), ("s", 3), ("p", 0)]),
    "sampling": (lambda: widgets.sampling_explorer(5), [("n", 7), ("stage3", "none"), ("M", 3), ("q", "1, 2, 1"),
                                                        ("stage1", "q∗ (same)")]),
    "checkerboard": (lambda: widgets.checkerboard_explorer(4), [("k1", 4), ("layers", 2), ("s2", 1), ("i", 6),
                                                                ("layers", 3), ("k3", 5)]),
}


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_explorers_update_in_place(name):
    import matplotlib.pyplot as plt

    make, changes = EXPLORERS[name]
    figures_before = plt.get_fignums()
    explorer = make()
    figure, children = explorer.figure, list(explorer.children)
    artists = [len(ax.get_children()) for ax in figure.axes]
    previous = bytes(explorer.image.value)
    for control, value in changes:
        renders = explorer.renders
        explorer.controls[control].value = value
        assert explorer.renders == renders + 1  # exactly one redraw per change
        image = bytes(explorer.image.value)
        if control != "auto":  # freeing output_padding alone changes no picture
            assert image != previous, f"{control} = {value!r} did not change the picture"
        previous = image
        assert explorer.figure is figure and list(explorer.children) == children
        assert [len(ax.get_children()) for ax in figure.axes] == artists
        assert _decode(explorer.image.value).shape[:2] == tuple(int(v) for v in figure.bbox.size[::-1])
    assert plt.get_fignums() == figures_before  # no pyplot figure, nothing displayed


def test_conv_explorer_warns_instead_of_failing():
    explorer = widgets.conv_explorer(3, 3)
    explorer.controls["k"].value = 6
    assert "does not fit" in explorer.state.warning and "⚠" in explorer.readout.value
    assert explorer.controls["step"].max == 0
    explorer.controls["p"].value = 2  # 3 + 2·2 = 7 >= 6: fits again
    assert not explorer.state.warning and explorer.state.output_size == (2, 2)
    assert explorer.controls["step"].max == 3 and explorer.play.max == 3


def test_conv_explorer_step_range_follows_the_output_size():
    explorer = widgets.conv_explorer(8, 3, 1, 1)
    explorer.controls["step"].value = 60
    explorer.controls["s"].value = 3  # o = 3: the step is clamped to the last position
    assert explorer.controls["step"].max == 8 and explorer.controls["step"].value == 8
    assert explorer.state.scene.grid("output").highlight == ((2, 2),)


def test_transposed_explorer_output_padding_follows_a_until_freed():
    explorer = widgets.transposed_explorer(6, 3, 2, 1)
    op = explorer.controls["output_padding"]
    assert op.value == 1 and op.disabled
    explorer.controls["i"].value = 5  # a = 0
    assert op.value == 0
    explorer.controls["auto"].value = False
    assert not op.disabled
    op.value = 1
    assert explorer.state.equivalent.grid("output").shape == (6, 6)
    explorer.controls["k"].value = 5
    explorer.controls["i"].value = 1  # k̂ = 5 > 1 + 2p = 3: warning, no crash
    assert "does not fit" in explorer.state.warning
    assert [g.name for g in explorer.panels.scene.grids] == ["1:input", "1:kernel"]


def test_sampling_and_checkerboard_explorers_warn_instead_of_failing():
    explorer = widgets.sampling_explorer(2, ("q∗ (valid)",), 2, "1, 2, 1")
    assert "undefined" in explorer.state.warning and not explorer.matrix_artist.ax.get_visible()
    explorer.controls["n"].value = 5
    assert not explorer.state.warning and explorer.matrix_artist.ax.get_visible()
    checker = widgets.checkerboard_explorer(4, [(1, 3)])
    assert "∞" in checker.readout.value


def test_explorers_reject_values_outside_their_sliders():
    with pytest.raises(ValueError, match="i must be <= 8, got 9"):
        widgets.conv_explorer(i=9)
    with pytest.raises(TypeError, match="k must be an integer"):
        widgets.transposed_explorer(k=2.0)
    with pytest.raises(TypeError, match="numbers must be True or False"):
        widgets.conv_explorer(numbers="yes")
    with pytest.raises(ValueError, match="stages must be up to three"):
        widgets.sampling_explorer(stages=("↓k", "↓k", "↓k", "↓k"))
    with pytest.raises(ValueError, match="layers must hold 1 to 3"):
        widgets.checkerboard_explorer(layers=[])
    with pytest.raises(ValueError, match="s must be >= 1"):
        widgets.checkerboard_explorer(layers=[(3, 0)])
    with pytest.raises(ValueError, match="k must be <= 8, got 9"):
        widgets.checkerboard_explorer(layers=[(3, 2), (9, 2)])
    assert widgets.checkerboard_explorer(4, [(3, 2), (8, 2)]).controls["k2"].max == 8   # lesson 10, task 2


# --- comfort: slider lengths, text sizes, readouts in words ------------------------------------

# ipywidgets 8's CSS around a horizontal slider's track (@jupyter-widgets/controls, widgets.css):
# 8 px right of the description, 6 px each side of the track, the readout's min-width of 72 px
# (--jp-widgets-inline-width-tiny) and its 4 px margin
_CSS_AROUND_TRACK_PX = 8 + 2 * 6 + 72 + 4


def _tree(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _tree(child)


def _px(text) -> int:
    assert text and text.endswith("px"), f"expected a width in px, got {text!r}"
    return int(text[:-2])


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_every_slider_track_is_at_least_150_px_long(name):
    import ipywidgets

    explorer = EXPLORERS[name][0]()
    sliders = [w for w in _tree(explorer) if isinstance(w, (ipywidgets.IntSlider, ipywidgets.FloatSlider))]
    assert len(sliders) == sum(isinstance(c, ipywidgets.IntSlider) for c in explorer.controls.values()) >= 2
    for slider in sliders:
        track = _px(slider.layout.width) - _px(slider.style.description_width) - _CSS_AROUND_TRACK_PX
        assert track >= 150, f"{slider.description}: a {track} px track"
        assert slider.layout.flex == "0 0 auto", f"{slider.description} may shrink in a narrow notebook"
    for row in _tree(explorer):
        if isinstance(row, ipywidgets.HBox) and any(child in sliders for child in row.children):
            assert row.layout.flex_flow == "row wrap"  # a narrow notebook wraps the row instead


def _artists(explorer):
    found = []
    for value in vars(explorer).values():
        for item in (value.values() if isinstance(value, dict) else [value]):
            if type(item).__name__ in ("SceneArtist", "MatrixArtist"):
                found.append(item)
    return found


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_explorer_captions_and_notes_are_at_least_as_large_as_the_grid_labels(name):
    make, changes = EXPLORERS[name]
    explorer = make()
    readout_px = float(re.search(r"font-size: (\d+)px", explorer.readout.value).group(1))
    for control, value in [(None, None)] + changes:
        if control is not None:
            explorer.controls[control].value = value
        sizes = [artist.layout["font_sizes"] for artist in _artists(explorer) if artist.ax.get_visible()]
        labels = [s["label"] for s in sizes if "label" in s]
        captions = [s[key] for s in sizes for key in ("note", "caption") if s.get(key)]
        if labels and captions:
            assert min(captions) >= max(labels), (control, sizes)
        if labels:  # notes the image leaves out go to the readout, which is no smaller either
            assert readout_px >= max(labels) * explorer.figure.dpi / 72
    assert any(sizes for sizes in (a.layout["font_sizes"] for a in _artists(explorer)))


def _in_words(numbers) -> str:
    numbers = [str(n) for n in numbers]
    if len(numbers) == 1:
        return f"Relationship {numbers[0]} gives this size"
    return f"Relationships {', '.join(numbers[:-1])} and {numbers[-1]} give this size"


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 8), st.integers(1, 6), st.integers(1, 4), st.integers(0, 4), st.integers(1, 3))
def test_readouts_say_in_words_which_relationships_give_the_size(i, k, s, p, d):
    if arithmetic.effective_kernel_size(k, d) > i + 2 * p:
        return
    readout = widgets.conv_state(i, k, s, p, d).readout
    assert _in_words(arithmetic.applicable_relationships(i, k, s, p, d)) + "." in readout
    assert "also true here" not in readout
    transposed = widgets.transposed_state(i, min(k, 5), min(s, 3), min(p, 3), d)
    if transposed.warning:
        return
    numbers = arithmetic.applicable_relationships(i, min(k, 5), min(s, 3), min(p, 3), d, transposed=True)
    if numbers:
        a = arithmetic.transposed_equivalent(i, min(k, 5), min(s, 3), min(p, 3), d).a
        assert _in_words(numbers) + (f" (a = {a})" if 14 in numbers else "") + "." in transposed.readout
    else:
        assert "No relationship of the guide gives this size." in transposed.readout
    assert "\\left" not in transposed.readout and "$" not in transposed.readout  # no LaTeX in HTML


def test_readouts_of_the_guides_examples():
    assert "Relationships 6 and 15 give this size." in widgets.conv_state(5, 3, 2, 1).readout
    assert "Relationship 14 gives this size (a = 1)." in widgets.transposed_state(6, 3, 2, 1).readout  # Fig. 4.7
    state = widgets.conv_state((5, 6), (3, 2), (2, 1), (1, 0))  # the axes differ: one line each
    assert "rows: Relationships 6 and 15 give this size." in state.readout
    assert "columns: Relationships 1, 2, 5, 6 and 15 give this size." in state.readout


# A 1366 × 768 screen with JupyterLab's file browser open gives an output area about 920 px wide
# and a notebook about 650 px high; the explorers' PNGs are shown unscaled up to 900 px.
_OUTPUT_AREA_PX = 900


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_every_text_of_an_explorer_is_at_least_9_px_high_unscaled(name):
    make, changes = EXPLORERS[name]
    explorer = make()
    width, height = explorer.figure.canvas.get_width_height()
    assert width <= _OUTPUT_AREA_PX, f"{name}: {width} px wide, shown scaled down"
    assert height <= 400, f"{name}: {height} px high leaves no room for sliders and readout"
    for control, value in [(None, None)] + changes:
        if control is not None:
            explorer.controls[control].value = value
        for artist in _artists(explorer) + [getattr(explorer, "legend", None)]:
            if artist is None or not artist.ax.get_visible():
                continue
            for kind, points in artist.layout["font_sizes"].items():
                if points:
                    assert points * explorer.figure.dpi / 72 >= 9 - 1e-6, (name, control, kind, points)


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_an_explorer_shows_a_picture_and_a_line_of_text_where_it_cannot_run(name):
    import base64

    explorer = EXPLORERS[name][0]()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "Run this cell to move the sliders."
    assert "children=" not in bundle["text/plain"] and "(" not in bundle["text/plain"]
    picture = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    live = Image.open(io.BytesIO(explorer.image.value))
    assert picture.width == live.width and picture.height > live.height  # the picture and a line of text


def test_the_transposed_explorer_draws_computed_and_zero_output_padding_rows_apart_with_a_legend():
    explorer = widgets.transposed_explorer(5, 3, s=2, p=1)
    legend = explorer.legend.text.strings
    assert "output_padding row: computed" in legend and "output_padding row: zeros only" in legend
    assert explorer.legend.layout["fits"] and explorer.legend.layout["lines"] == 1
    c = explorer.controls
    c["auto"].value = False
    c["output_padding"].value = 1  # p = 1: the extra row is a computed output the crop had removed
    out = explorer.state.scatter.grid("output")
    assert out.count(widgets.draw.OUTPUT_EXTRA) > 0 and out.count(widgets.draw.OUTPUT_ZERO) == 0
    assert "Why i = 6 in panel 1:" in explorer.readout.value and "slider's i = 5" in explorer.readout.value
    assert "computed outputs the crop by p had removed" in explorer.readout.value
    c["p"].value, c["i"].value = 0, 7  # p = 0: the extra row lies past the full scatter output
    out = explorer.state.scatter.grid("output")
    assert out.count(widgets.draw.OUTPUT_ZERO) == 8 + 7  # the last row and column of the 8 × 8 output
    assert "no kernel copy reaches them, they are zeros" in explorer.readout.value
    assert "Why i = 8 in panel 1:" in explorer.readout.value
