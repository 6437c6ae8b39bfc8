"""course_lib.draw.polyphase: lesson 06's drawings of polyphase interleaving and the pixel-shuffle orders."""

from __future__ import annotations

import io

import numpy as np
import pytest

from course_lib import frameworks, numeric
from course_lib.draw import polyphase as pp
from course_lib.draw.geometry import OUTPUT, ZERO


def label_pixels(fig) -> float:
    """Height in pixels of the smallest label of a figure drawn at dpi 100 (points · 100/72)."""
    sizes = fig.course_artists[0].layout["font_sizes"]
    return min(v for v in sizes.values() if v) * 100 / 72


@pytest.mark.parametrize("x, w, s", [((2, -1), (1, 2, 3, 4, 5), 3), ((1, 2, 3), (1, 2, 3, 4), 2),
                                     ((3,), (1, 2, 3, 4), 4), ((1, -2, 3, 1), (2, 1), 2)])
def test_polyphase_scene_has_one_row_per_phase_and_sums_to_the_transposed_convolution(x, w, s):
    scene = pp.polyphase_scene(x, w, s)
    assert [g.name for g in scene.grids] == ["input", "kernel", *[f"phase {r}" for r in range(s)], "output"]
    expected = numeric.conv_transpose1d(np.array(x), np.array(w), stride=s)
    rows = np.array([scene.grid(f"phase {r}").values[0] for r in range(s)])
    assert np.array_equal(rows.sum(axis=0), expected)
    assert np.array_equal(scene.grid("output").values[0], expected)
    for r in range(s):
        grid = scene.grid(f"phase {r}")
        assert np.flatnonzero(grid.kinds[0] == OUTPUT).tolist() == list(range(r, expected.size, s))
        assert grid.count(ZERO) == expected.size - len(range(r, expected.size, s))
        assert len(grid.tiles.rows) == grid.count(OUTPUT)
    kernel_colors = scene.grid("kernel").tiles.colors
    assert all(tuple(kernel_colors[t]) == pp.PHASE_COLORS[t % s] for t in range(len(w)))


def test_polyphase_figure_fits_the_notebook_and_labels_are_readable():
    fig = pp.polyphase_figure()
    assert fig.get_size_inches()[0] <= 8
    assert label_pixels(fig) >= 9
    assert len(fig.course_artists[0].scene.grids) == 6
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    assert png.getvalue()[1:4] == b"PNG"


def test_polyphase_caption_is_computed():
    caption = pp.polyphase_caption((1, 2, 3), (1, 2, 3, 4), 2)
    y = numeric.conv_transpose1d(np.array([1, 2, 3]), np.arange(1, 5), stride=2)
    assert "(" + ", ".join(str(int(v)) for v in y) + ")" in caption
    assert "g₀ = (1, 3), g₁ = (2, 4)" in caption and caption.endswith(": True.")
    assert "= 8 outputs" in caption


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(x=(1, 2), w=(1, 2, 3), s=1), ValueError, "s must"),
    (dict(x=(1, 2), w=(1, 2, 3), s=5), ValueError, "s must"),
    (dict(x=(1, 2), w=(1, 2, 3), s=2.0), TypeError, "s must"),
    (dict(x=(1, 2), w=(1,), s=2), ValueError, "at least s = 2 taps"),
    (dict(x=(1, 2, 3, 4, 5), w=(1, 2), s=2), ValueError, "x must have 1 to 4"),
    (dict(x=(), w=(1, 2), s=2), ValueError, "x must have 1 to 4"),
    (dict(x=(1.5, 2), w=(1, 2), s=2), TypeError, "x must be"),
    (dict(x="12", w=(1, 2), s=2), TypeError, "x must be"),
    (dict(x=(1, 2, 3, 4), w=(1, 2, 3, 4, 5, 6), s=2), ValueError, "fit the figure"),
])
def test_polyphase_bad_input_raises_naming_the_parameter(kwargs, error, match):
    with pytest.raises(error, match=match):
        pp.polyphase_scene(**kwargs)
    with pytest.raises(error, match=match):
        pp.polyphase_caption(**kwargs)


@pytest.mark.parametrize("channels_out, s", [(1, 2), (2, 2), (1, 3)])
def test_pixel_shuffle_scene_shows_both_orders(channels_out, s):
    scene = pp.pixel_shuffle_scene(channels_out, s)
    depth = channels_out * s * s
    assert scene.grid("input").shape == (1, depth)
    numbers = np.arange(depth).reshape(depth, 1, 1)
    for order in ("CRD", "DCR"):
        shuffled = numeric.pixel_shuffle(numbers, s, order)
        for c in range(channels_out):
            grid = scene.grid(f"{order} {c}")
            assert grid.shape == (s, s) and np.array_equal(grid.values, shuffled[c])
            # each pixel has the colour of the channel it holds
            colors = scene.grid("input").tiles.colors
            assert np.allclose(grid.tiles.colors, colors[shuffled[c].ravel()])
    assert len(scene.grids) == 1 + 2 * channels_out
    titles = [a[2] for a in scene.annotations]
    assert any(t.startswith("CRD") for t in titles) and any(t.startswith("DCR") for t in titles)


def test_pixel_shuffle_figure_and_caption():
    fig = pp.pixel_shuffle_figure()
    assert fig.get_size_inches()[0] <= 8 and label_pixels(fig) >= 9
    caption = pp.pixel_shuffle_caption()
    for name, order in frameworks.PIXEL_SHUFFLE_ORDERS.items():
        assert name in caption.split(order + " (", 1)[1].split(")")[0] + ")" or name in caption
    assert "differ in 6 of 8 pixels" in caption
    assert "differ in 0 of" in pp.pixel_shuffle_caption(1, 2)


@pytest.mark.parametrize("channels_out, s, error", [(0, 2, ValueError), (3, 2, ValueError), (1, 1, ValueError),
                                                    (1, 4, ValueError), (2, 3, ValueError), (1.0, 2, TypeError),
                                                    (1, "2", TypeError)])
def test_pixel_shuffle_bad_input(channels_out, s, error):
    with pytest.raises(error, match="channels_out|s"):
        pp.pixel_shuffle_scene(channels_out, s)
    with pytest.raises(error):
        pp.pixel_shuffle_caption(channels_out, s)


def test_labels_use_the_lessons_letters():
    scene = pp.polyphase_scene((2, -1, 1), (1, 2, 3, 4), 3)
    assert scene.grid("phase 0").label.startswith("g₀ = (1, 4)") and "other phases" in scene.note
    assert "inserted zeros" not in scene.note
    assert pp.pixel_shuffle_scene().grid("input").label.startswith("input: C_out·s² = 8")
