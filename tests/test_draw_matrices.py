"""course_lib.draw.matrices: lesson 04's matrix figures, their legends and their sizes."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_lib.draw.matrices import FONT_SIZE, MAX_WIDTH, draw_matrix, matrix_caption


def test_transposed_figure_shape_legend_and_caption():
    fig = draw_matrix(4, 3, transposed=True, unit=0)
    info = fig.course_matrix
    assert info["shape"] == (16, 4)
    assert len(info["legend"]) == 9 + 1 + 1          # 9 weights, the zero entry, the frame
    assert info["caption"] == matrix_caption(4, 3, transposed=True)
    assert fig.get_size_inches()[0] <= MAX_WIDTH


def test_block_figure_says_what_its_blocks_are():
    fig = draw_matrix(5, 3, p=1, unit=12, blocks=True)
    assert fig.course_matrix["shape"] == (25, 25)
    assert fig.course_matrix["legend"][-1] == "block: 5 × 5 (one output row × one input row)"
    assert "row 12 = output unit (2, 2)" in fig.course_matrix["legend"][-2]


def test_sentence_counts_the_weights_and_the_framed_line():
    sentence = draw_matrix(4, 3, unit=0).course_matrix["sentence"]
    assert "4 × 16, of which 36 entries are kernel weights" in sentence and "28 are 0" in sentence
    assert "framed row 0 (output unit (0, 0) of the convolution) holds 9 of them" in sentence
    transposed = draw_matrix(4, 3, transposed=True, unit=0)
    assert "framed column 0" in transposed.course_matrix["sentence"]
    assert transposed.axes[0].get_xlabel().startswith("columns: 4 output units of the convolution = input units of Cᵀ")
    assert "column 0 = output unit (0, 0)" in transposed.course_matrix["legend"][-1]


def _ink_height(text, fontsize, dpi=100):
    """Height in pixels of the dark pixels of ``text`` rendered alone at ``fontsize`` and ``dpi``."""
    fig = Figure(figsize=(2, 1), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.3, text, fontsize=fontsize)
    fig.canvas.draw()
    dark = (np.asarray(fig.canvas.buffer_rgba())[..., :3].min(axis=2) < 128).any(axis=1)
    rows = np.flatnonzero(dark)
    return rows.max() - rows.min() + 1


def test_a_lowercase_w_is_at_least_9_px_high_at_notebook_width():
    # figures are at most 8 in wide at 100 dpi, so a notebook column (~800 px) shows them unscaled
    assert _ink_height("w", FONT_SIZE) >= 9
    for kwargs in ({"i": 4, "k": 3, "unit": 0}, {"i": 4, "k": 3, "transposed": True, "unit": 0},
                   {"i": 5, "k": 3, "p": 1, "unit": 12, "blocks": True}):
        fig = draw_matrix(**kwargs)
        assert fig.get_size_inches()[0] <= MAX_WIDTH and fig.dpi == 100
        assert all("₀" not in t and "₁" not in t for t in fig.course_matrix["legend"])   # no subscripts


@pytest.mark.parametrize("kwargs", [{"i": 4, "k": 3, "unit": 0}, {"i": 4, "k": 3, "transposed": True, "unit": 0},
                                    {"i": 5, "k": 3, "p": 1, "unit": 12, "blocks": True}])
def test_every_text_is_large_enough_and_inside_the_figure(kwargs):
    fig = draw_matrix(**kwargs)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    figure_box = fig.bbox
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
             if t.get_text() and t.get_visible()]
    assert texts
    for text in texts:
        assert text.get_fontsize() >= FONT_SIZE
        box = text.get_window_extent(renderer)
        assert box.x0 >= figure_box.x0 - 1 and box.x1 <= figure_box.x1 + 1, text.get_text()
        assert box.y0 >= figure_box.y0 - 1 and box.y1 <= figure_box.y1 + 1, text.get_text()


@pytest.mark.parametrize("kwargs, error", [
    ({"i": 0, "k": 3}, ValueError), ({"i": 4, "k": 5}, ValueError), ({"i": 4, "k": 3, "unit": 4}, ValueError),
    ({"i": 4, "k": 3, "blocks": True, "transposed": True}, ValueError), ({"i": "4", "k": 3}, TypeError),
    ({"i": 4, "k": 3, "transposed": 1}, TypeError), ({"i": 4, "k": 3, "labels": "yes"}, TypeError),
])
def test_bad_input_raises(kwargs, error):
    with pytest.raises(error):
        draw_matrix(**kwargs)
