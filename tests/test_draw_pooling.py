"""Tests of course_lib.draw.pooling: lesson 03's drawings (ceil_mode, unpooling, a receptive field)."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import arithmetic, connectivity, numeric
from course_lib.draw import pooling
from course_lib.draw.geometry import CROPPED, PAD, UNIT

X3 = [[2, 9, 4, 1], [7, 3, 8, 6], [1, 6, 0, 5], [4, 2, 3, 4]]


@pytest.mark.parametrize("i, k, s, p", [(6, 3, 2, 0), (8, 3, 2, 1), (5, 2, 2, 1), (7, 3, 2, 0), (5, 1, 2, 0)])
def test_ceil_mode_scene_rows(i, k, s, p):
    scene = pooling.ceil_mode_scene(i, k, s, p)
    o_floor, o_ceil = (arithmetic.pool_output_size(i, k, s, p, ceil_mode=m) for m in (False, True))
    windows = [g for g in scene.grids if g.name.startswith("window")]
    assert len(windows) == o_ceil
    assert scene.grid("floor").shape == (1, o_floor) and scene.grid("ceil_mode").shape == (1, o_ceil)
    assert [g.label == "ceil_mode adds" for g in windows] == [n >= o_floor for n in range(o_ceil)]
    assert scene.grid("input").count(PAD) == 2 * p and scene.grid("input").count(UNIT) == i
    assert f"= {o_floor}" in scene.note and f"= {o_ceil}" in scene.note
    assert ("adds one window" in scene.title) == (o_ceil > o_floor)
    past = sum(int(g.unused.sum()) for g in windows)
    assert past == sum(max(0, start + k - (i + 2 * p)) for start, _ in numeric.pool_windows(i, k, s, p, True))


@pytest.mark.parametrize("i, k, s, p", [(8, 3, 2, 1), (6, 3, 2, 0), (8, 4, 3, 2)])
def test_ceil_mode_extra_window_draws_its_padding_dashed(i, k, s, p):
    scene = pooling.ceil_mode_scene(i, k, s, p)
    extra = [g for g in scene.grids if g.label == "ceil_mode adds"]
    assert extra
    for grid in extra:
        bold = {c for _, c in grid.highlight}
        padding = {c for c in range(grid.kinds.shape[1]) if grid.kinds[0, c] == PAD}
        assert not bold & padding and bold | padding == set(range(k))
    if (i, k, s, p) == (8, 3, 2, 1):   # the lesson's case: window 8-10 = unit 8, right padding, cropped
        assert extra[0].kinds.tolist() == [[UNIT, PAD, CROPPED]] and len(extra[0].highlight) == 2


def test_ceil_mode_scene_values_are_max_pooling():
    scene = pooling.ceil_mode_scene(6, 3, 2, x=[4, 1, 0, 2, 3, 7])
    assert scene.grid("floor").values.tolist() == [[4, 3]]
    assert scene.grid("ceil_mode").values.tolist() == [[4, 3, 7]]


@pytest.mark.parametrize("args, kwargs, error", [
    ((6, 3, 0), {}, ValueError), ((6, 3, 2, 2), {}, ValueError), ((6, 3.0, 2), {}, TypeError),
    ((6, 3, 2), {"x": [1, 2]}, ValueError), ((6, 3, 2), {"x": [0.5] * 6}, ValueError),
])
def test_ceil_mode_scene_errors(args, kwargs, error):
    with pytest.raises(error):
        pooling.ceil_mode_scene(*args, **kwargs)


def test_unpooling_scene():
    scene = pooling.unpooling_scene(X3)
    values, switches = numeric.max_pool2d(np.array(X3), 2, return_indices=True)
    assert scene.grid("pooled").values.tolist() == values.tolist()
    assert scene.grid("switches").values.tolist() == switches.tolist()
    unpooled = scene.grid("unpooled")
    assert unpooled.values.tolist() == numeric.max_unpool2d(values, switches, 2).tolist()
    assert unpooled.count(CROPPED) == 12 and len(unpooled.highlight) == 4
    assert len(scene.grid("input").ghosts) == 4 and "12" in scene.note


def test_unpooling_scene_overlapping_windows_share_a_switch():
    scene = pooling.unpooling_scene([[1, 3, 2], [0, 0, 0], [0, 0, 0]], k=2, s=1)
    assert len(scene.grid("input").highlight) < scene.grid("pooled").values.size


@pytest.mark.parametrize("x, kwargs, error", [
    ([1, 2, 3], {}, ValueError), ([[0.5, 1], [2, 3]], {}, ValueError), (X3, {"k": 0}, ValueError),
    (X3, {"s": 1.0}, TypeError),
])
def test_unpooling_scene_errors(x, kwargs, error):
    with pytest.raises(error):
        pooling.unpooling_scene(x, **kwargs)


@pytest.mark.parametrize("stack, i", [([(3, 2, 0), (3, 1, 0)], 11), ([(3, 1, 0), (3, 1, 0)], 9),
                                      ([(3, 1, 0), (2, 2, 0)], 10), ([(1, 2, 0), (2, 1, 0)], 8)])
def test_receptive_field_scene(stack, i):
    scene = pooling.receptive_field_scene(stack, i)
    field = numeric.receptive_field_by_impulses(stack, n_in=i)
    assert [c for _, c in scene.grid("input").highlight] == field
    assert len(scene.grids) == len(stack) + 1 and len(scene.grids[0].highlight) == 1
    r = connectivity.stack_receptive_field([k for k, _, _ in stack], strides=[s for _, s, _ in stack])
    assert f"receptive field r = {r}" in scene.note
    assert ("are read" in scene.note) == (len(field) < r)


@pytest.mark.parametrize("stack, i, error", [([], 9, ValueError), ([(3, 1)], 9, TypeError),
                                             ([(3, 1, 0)], 2, ValueError), ([(3, 1, 0)], 9.0, TypeError)])
def test_receptive_field_scene_errors(stack, i, error):
    with pytest.raises(error):
        pooling.receptive_field_scene(stack, i)


@pytest.mark.parametrize("draw, args", [
    (pooling.draw_ceil_mode, (6, 3, 2)), (pooling.draw_ceil_mode, (8, 3, 2, 1)), (pooling.draw_ceil_mode, (5, 2, 2, 1)),
    (pooling.draw_unpooling, (X3,)), (pooling.draw_receptive_field, ([(3, 2, 0), (3, 1, 0)], 11)),
])
def test_figures_fit_notebook_width_with_readable_labels(draw, args):
    fig = draw(*args)
    assert fig.get_size_inches()[0] <= pooling.MAX_WIDTH and fig.dpi == 100
    artist = fig.course_artists[0]
    assert all(size >= 10 for size in artist.layout["font_sizes"].values() if size)
    labels = artist.text.strings
    assert all(grid.label in labels for grid in artist.scene.grids)
    assert fig._repr_png_()[1:4] == b"PNG"
