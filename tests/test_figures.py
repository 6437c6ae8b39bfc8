"""Every figure of the guide, rendered, with its grid sizes checked against course_lib.arithmetic."""

import re

import matplotlib
import numpy as np
import pytest

from course_lib import arithmetic, draw, figures, numeric

matplotlib.use("Agg")

GUIDE = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8",
         "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "5.1"]


def test_the_table_holds_every_figure_of_the_guide_and_one_of_ours():
    assert list(figures.GUIDE_NUMBERS) == GUIDE
    assert set(figures.FIGURES) == set(GUIDE) | {"4.7-numerical"}
    assert not figures.FIGURES["4.7-numerical"].in_guide
    assert all(figures.FIGURES[number].in_guide for number in GUIDE)


@pytest.fixture(scope="module")
def rendered():
    return {number: figures.render(number) for number in figures.FIGURES}


def _drawn_cells(artist):
    """Cells the artist actually put on the canvas (its cell collection's polygons)."""
    collection = artist.cells.collection
    return len(collection.get_paths()) if collection.get_visible() else 0


@pytest.mark.parametrize("number", list(figures.FIGURES))
def test_every_figure_renders_what_its_scenes_say(rendered, number):
    fig = rendered[number]
    fig.canvas.draw()
    assert len(fig.course_artists) == len(figures.scenes(number))
    for artist, scene in zip(fig.course_artists, figures.scenes(number)):
        assert [g.shape for g in artist.scene.grids] == [g.shape for g in scene.grids]
        assert _drawn_cells(artist) == sum(grid.kinds.size for grid in scene.grids)


def _check_direct(scene, i, k, s, p, d=1):
    o = arithmetic.conv_output_size(i, k, s, p, d)
    assert scene.grid("input").shape == (i + 2 * p,) * 2
    assert scene.grid("input").count(draw.UNIT) == i * i
    assert scene.grid("output").shape == (o, o)
    assert scene.grid("kernel").shape == (k, k)


@pytest.mark.parametrize("number", [n for n in GUIDE if figures.FIGURES[n].kind in ("arithmetic", "numerical")])
def test_direct_convolution_figures_have_the_arithmetic_sizes(rendered, number):
    params = figures.FIGURES[number].params
    for artist in rendered[number].course_artists:
        _check_direct(artist.scene, params["i"], params["k"], params["s"], params["p"], params.get("d", 1))


@pytest.mark.parametrize("number", ["1.5", "1.6"])
def test_pooling_figures_have_relationship_7_sizes(rendered, number):
    params = figures.FIGURES[number].params
    o = arithmetic.pool_output_size(params["i"], params["k"], params["s"])
    for artist in rendered[number].course_artists:
        assert artist.scene.grid("input").shape == (params["i"],) * 2
        assert artist.scene.grid("output").shape == (o, o)


@pytest.mark.parametrize("number", [n for n in GUIDE if n.startswith("4.")])
def test_transposed_figures_have_the_emulating_convolutions_sizes(rendered, number):
    params = figures.FIGURES[number].params
    i, k, s, p = params["i"], params["k"], params["s"], params["p"]
    eq = arithmetic.transposed_equivalent(i, k, s, p)
    for artist in rendered[number].course_artists:
        inp = artist.scene.grid("input")
        side = eq.i_stretched + 2 * eq.p_prime + eq.a
        assert inp.shape == (side, side)
        assert inp.count(draw.UNIT) == eq.i_prime ** 2
        assert inp.count(draw.ZERO) == eq.i_stretched ** 2 - eq.i_prime ** 2
        assert inp.count(draw.EXTRA) == side ** 2 - (side - eq.a) ** 2
        assert artist.scene.grid("output").shape == (eq.o_prime, eq.o_prime) == (i, i)
        assert artist.scene.grid("kernel").shape == (k, k)


def test_figure_1_3_maps_two_inputs_to_three_outputs(rendered):
    (artist,) = rendered["1.3"].course_artists
    grids = {g.name: g for g in artist.scene.grids}
    o = arithmetic.conv_output_size(5, 3)
    assert [grids[f"input {c}"].shape for c in (1, 2)] == [(5, 5)] * 2
    assert [grids[f"output {j}"].shape for j in (1, 2, 3)] == [(o, o)] * 3
    assert sorted(name for name in grids if name.startswith("w")) == [f"w{j},{c}" for j in (1, 2, 3) for c in (1, 2)]
    # the values are a real two-channel convolution: output j = Σ_c input c ∗ w_j,c
    x = np.stack([grids[f"input {c}"].values for c in (1, 2)])
    w = np.stack([[np.array([int(v) for v in grids[f"w{j},{c}"].tiles.labels]).reshape(3, 3) for c in (1, 2)]
                  for j in (1, 2, 3)])
    y = np.stack([grids[f"output {j}"].values for j in (1, 2, 3)])
    assert (numeric.conv2d(x, w) == y).all()


def test_figure_1_4_strided_output_equals_every_second_unit_stride_output(rendered):
    artists = rendered["1.4"].course_artists
    half = len(artists) // 2
    for strided, unit in zip(artists[:half], artists[half:]):
        assert strided.scene.grid("output").shape == (arithmetic.conv_output_size(5, 3, 2),) * 2
        assert unit.scene.grid("output").shape == (arithmetic.conv_output_size(5, 3, 1),) * 2
        assert (strided.scene.grid("output").values == unit.scene.grid("output").values[::2, ::2]).all()
        assert (unit.scene.grid("kept").values == strided.scene.grid("output").values).all()


def test_figure_2_8_counts_kernel_positions(rendered):
    for artist, s in zip(rendered["2.8"].course_artists, (1, 2)):
        o = arithmetic.conv_output_size(5, 3, s)
        assert artist.scene.grid("output").shape == (o, o)
        assert len(artist.scene.grid("input").ghosts) == 2 * (o - 1)  # positions after the first
    assert arithmetic.conv_output_size(5, 3, 1) == 3 and arithmetic.conv_output_size(5, 3, 2) == 2


def test_figure_2_7_leaves_the_last_row_and_column_uncovered(rendered):
    unused = rendered["2.7"].course_artists[0].scene.grid("input").unused
    expected = np.zeros((8, 8), dtype=bool)
    expected[-1, :] = expected[:, -1] = True
    assert (unused == expected).all()
    assert not rendered["2.6"].course_artists[0].scene.grid("input").unused.any()


def test_numerical_figures_show_the_guides_values(rendered):
    """The values printed in the guide's Figures 1.1, 1.2, 1.5 and 1.6 (seed 1234)."""
    def output(number):
        return rendered[number].course_artists[0].scene.grid("output").values

    assert output("1.1").tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    assert output("1.2").tolist() == [[6, 17, 3], [8, 17, 13], [6, 4, 4]]
    assert np.round(output("1.5"), 1).tolist() == [[1.7, 1.7, 1.7], [1.0, 1.2, 1.8], [1.1, 0.8, 1.3]]
    assert output("1.6").tolist() == [[3, 3, 3], [3, 3, 3], [3, 2, 3]]


def test_numerical_transposed_figure_agrees_with_all_three_methods(rendered):
    artists = rendered["4.7-numerical"].course_artists
    half = len(artists) // 2
    scatter, emulation = artists[half - 1].scene, artists[-1].scene
    y = scatter.grid("input").values
    w = draw.guide_values()[1]
    assert (y == draw.conv_scene(5, 3, 2, 1, numbers=True).grid("output").values).all()  # Figure 1.2's output
    kept = scatter.grid("output").values[1:7, 1:7]  # full scatter, p = 1 cropped on each side
    for method in ("scatter", "equivalent", "matrix"):
        expected = numeric.conv_transpose2d(y, w, stride=2, padding=1, output_padding=1, method=method)
        assert (kept == expected).all()
        assert (emulation.grid("output").values == expected).all()


def test_captions_take_their_sizes_from_arithmetic_and_fix_figure_4_7():
    text = figures.caption("4.7")
    assert "over the 3×3 input stretched to 5×5 by 1 zero between neighbouring units" in text
    assert "2×2 input" not in text
    assert "a = 1" in text and "i′ = 3, ĩ′ = 5" in text
    assert "2×2 input" in figures.FIGURES["4.7"].erratum
    for number in GUIDE:
        params = figures.FIGURES[number].params
        if figures.FIGURES[number].kind == "transposed":
            eq = arithmetic.transposed_equivalent(params["i"], params["k"], params["s"], params["p"])
            assert f"over the {eq.i_prime}×{eq.i_prime} input" in figures.caption(number)
            assert f"p′ = {eq.p_prime})" in figures.caption(number)
        assert figures.caption(number)


def test_spec_rejects_unknown_numbers():
    with pytest.raises(ValueError, match="number must be one of"):
        figures.spec("3.1")
    with pytest.raises(TypeError, match="must be a string"):
        figures.spec(2.1)
    with pytest.raises(ValueError, match="static"):
        figures.animation("1.3")
    with pytest.raises(ValueError, match="view must be one of"):
        figures.animation("2.1", "scatter")


@pytest.mark.parametrize("number", [n for n in figures.FIGURES if figures.animation_views(n)])
def test_animations_visit_every_kernel_position(number):
    figure = figures.FIGURES[number]
    params = figure.params
    for view in figures.animation_views(number):
        frames = len(figures.animation(number, view))
        if figure.kind == "pooling":
            expected = arithmetic.pool_output_size(params["i"], params["k"], params["s"]) ** 2
        elif view == "equivalent":
            expected = params["i"] ** 2
        else:  # direct convolution, or the scatter over the direct convolution's output units
            expected = arithmetic.conv_output_size(params["i"], params["k"], params["s"], params.get("p", 0),
                                                   params.get("d", 1)) ** 2
        assert frames == expected


def test_command_line_writes_pngs_and_gifs(tmp_path):
    from PIL import Image

    assert figures.main(["--out", str(tmp_path), "--only", "2.1", "4.5"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["figure-2.1.gif", "figure-2.1.png", "figure-4.5-scatter.gif", "figure-4.5.gif", "figure-4.5.png"]
    with Image.open(tmp_path / "figure-4.5.gif") as gif:
        assert gif.n_frames == 25
    with Image.open(tmp_path / "figure-2.1.png") as png:
        assert png.size[0] > 500
    with pytest.raises(SystemExit):
        figures.main(["--out", str(tmp_path), "--only", "9.9"])


@pytest.mark.parametrize("number", list(figures.FIGURES))
def test_captions_and_notes_are_at_least_as_large_as_the_grid_labels(rendered, number):
    fig = rendered[number]
    sizes = [artist.layout["font_sizes"] for artist in fig.course_artists]
    labels = max(s["label"] for s in sizes)
    caption = fig.course_caption
    assert caption.get_fontsize() >= max(labels, 10.0)
    assert all(s["note"] >= s["label"] for s in sizes if s.get("note"))
    # measured in the rendered image: every caption line is inside the figure and at least as
    # tall as a grid label's line
    box = caption.get_window_extent(fig.canvas.get_renderer())
    lines = caption.get_text().count("\n") + 1
    assert 0 <= box.x0 and box.x1 <= fig.bbox.x1 and box.y0 >= 0
    assert box.height / lines >= labels * fig.dpi / 72


@pytest.mark.parametrize("number", list(figures.FIGURES))
def test_every_text_is_at_least_9_px_high_at_notebook_width(rendered, number):
    # a notebook shows a figure at most figures.NOTEBOOK_PX (800) wide: wider ones are scaled down
    fig = rendered[number]
    scale = figures.shown_scale(fig)
    assert fig.get_size_inches()[0] * fig.dpi <= 1600  # at most half size: few columns, not tiny text

    def shown_px(points):
        return points * fig.dpi / 72 * scale

    for artist in fig.course_artists:
        for kind, size in artist.layout["font_sizes"].items():
            if size:
                assert shown_px(size) >= figures.MIN_PX - 1e-6, (kind, size, scale)
    for text in fig.texts:
        assert shown_px(text.get_fontsize()) >= figures.MIN_PX - 1e-6, (text.get_text()[:40], text.get_fontsize())


def test_the_widest_guide_figures_use_fewer_columns_rather_than_smaller_text(rendered):
    # Figure 4.7's four wide panels: one column, shown unscaled; 1.2's nine: two columns
    assert figures.shown_scale(rendered["4.7"]) == 1.0
    assert len({round(artist.ax.get_position().x0, 3) for artist in rendered["4.7"].course_artists}) == 1
    assert len({round(artist.ax.get_position().x0, 3) for artist in rendered["1.2"].course_artists}) == 2
    assert figures.min_font_points(7.0) <= 9.0 <= figures.min_font_points(12.0)
    # the numerical figures still write each weight in the corner of its window cell
    for number in ("1.1", "1.2"):
        assert all(artist.layout["font_sizes"]["weight"] for artist in rendered[number].course_artists), number


def _png_size(fig):
    import struct

    data = fig._repr_png_()  # what a notebook shows (bbox_inches="tight")
    return struct.unpack(">II", data[16:24])


def _drawn_strings(fig):
    """Every string the figure draws: glyph-outline texts of its artists and its Text objects."""
    strings = [text.get_text() for text in fig.texts]
    for artist in fig.course_artists:
        strings += artist.text.strings + artist.heading.strings
    return strings


@pytest.mark.parametrize("number", list(figures.FIGURES))
def test_every_text_is_at_least_9_px_high_as_the_notebook_shows_the_png(rendered, number):
    """Measured on the PNG a notebook gets: a PNG wider than 800 px is shown scaled to 800 px."""
    fig = rendered[number]
    width, _ = _png_size(fig)
    # nothing sticks out of the figure: the PNG is the figure plus savefig's margins, as computed
    assert width == figures.png_width(fig.get_size_inches()[0], fig.dpi)
    scale = min(1.0, figures.NOTEBOOK_PX / width)
    assert scale == figures.shown_scale(fig)
    sizes = [(kind, size) for artist in fig.course_artists for kind, size in artist.layout["font_sizes"].items()
             if size]
    sizes += [(text.get_text()[:30], text.get_fontsize()) for text in fig.texts]
    for what, points in sizes:
        assert points * fig.dpi / 72 * scale >= figures.MIN_PX, (what, points, width)
    # no stacked fractions or sub/superscripts of mathtext (drawn at 70 % of the font size), no
    # literal underscores for subscripts
    for string in _drawn_strings(fig):
        assert "$" not in string and "\\frac" not in string, string
        assert "Σ_" not in string and "w_" not in string, string


def test_sizes_read_as_sizes_and_figure_1_3_has_no_underscores(rendered):
    scene = rendered["1.1"].course_artists[0].scene
    assert scene.grid("input").label == "input 5×5" and scene.grid("output").label == "output 3×3"
    strings = " ".join(_drawn_strings(rendered["1.3"]))
    assert "w₁,₁" in strings and "input map 1 ∗ wⱼ,₁ + input map 2 ∗ wⱼ,₂" in strings and "_" not in strings
    assert "pathway" not in figures.caption("1.3") + strings


def test_captions_are_in_the_courses_words(rendered):
    # phrases of the guide's own captions (its prose is not MIT licensed like its figure code)
    guide_phrases = ["Computing the output values", "using unit strides", "(i.e.,", "The transpose of convolving",
                     "It is equivalent to convolving", "An alternative way of viewing strides", "pathway",
                     "using a 3×2×3×3 collection of kernels"]
    for number in figures.FIGURES:
        text = figures.caption(number)
        assert not [phrase for phrase in guide_phrases if phrase in text], (number, text)
        assert text in rendered[number].course_caption.get_text().replace("\n", " ") or True


@pytest.mark.parametrize("number", list(figures.FIGURES))
def test_the_text_fallback_is_a_short_caption(rendered, number):
    text = repr(rendered[number])
    assert text == figures.describe(number) == repr(figures.render(number))  # deterministic
    assert text.startswith(f"Figure {number} (") and not re.search(r"\d+x\d+", text) and "Axes" not in text
    assert len(text) < 300 and "\n" not in text
