"""Tests of course_lib.draw: scene geometry against course_lib's math, and in-place artists."""

import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import arithmetic, draw, numeric, symbolic

matplotlib.use("Agg")


# --- strategies -------------------------------------------------------------------------------


@st.composite
def conv_params(draw_, max_i=8, square=True):
    """(i, k, s, p, d) for which the (dilated) kernel fits the padded input."""
    k = draw_(st.integers(1, 4))
    d = draw_(st.integers(1, 3))
    p = draw_(st.integers(0, 3))
    s = draw_(st.integers(1, 3))
    k_hat = k + (k - 1) * (d - 1)
    i = draw_(st.integers(max(1, k_hat - 2 * p), max(max_i, k_hat - 2 * p)))
    return i, k, s, p, d


def _fits(i, k, s, p, d):
    return k + (k - 1) * (d - 1) <= i + 2 * p


# --- colours ----------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 5, 6])
def test_weight_colors_are_distinct_per_weight(k):
    colors = weight = draw.weight_colors((k, k))
    assert weight.shape == (k, k, 4)
    assert len({tuple(c) for c in colors.reshape(-1, 4).round(4)}) == k * k


def test_weight_colors_rejects_bad_shapes():
    with pytest.raises(ValueError, match="shape"):
        draw.weight_colors(0)
    with pytest.raises(TypeError, match="shape"):
        draw.weight_colors(2.5)


# --- direct convolution -----------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(conv_params(), st.data())
def test_conv_scene_grids_match_arithmetic(params, data):
    i, k, s, p, d = params
    o = arithmetic.conv_output_size(i, k, s, p, d)
    step = data.draw(st.integers(0, o * o - 1))
    scene = draw.conv_scene(i, k, s, p, d, step)
    inp, kernel, out = scene.grid("input"), scene.grid("kernel"), scene.grid("output")
    assert inp.shape == (i + 2 * p, i + 2 * p)
    assert inp.count(draw.UNIT) == i * i
    assert inp.count(draw.PAD) == (i + 2 * p) ** 2 - i * i
    assert kernel.shape == (k, k)
    assert out.shape == (o, o)
    r, c = divmod(step, o)
    assert out.highlight == ((r, c),)
    # the window: one tile per weight, at r·s + a·d, c·s + b·d, inside the padded input
    a, b = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    assert inp.tiles.rows.tolist() == (r * s + a * d).ravel().tolist()
    assert inp.tiles.cols.tolist() == (c * s + b * d).ravel().tolist()
    assert inp.tiles.rows.max() < i + 2 * p and inp.tiles.cols.max() < i + 2 * p
    k_hat = arithmetic.effective_kernel_size(k, d)
    assert inp.box == (r * s, c * s, k_hat, k_hat)


@settings(max_examples=40, deadline=None)
@given(conv_params(max_i=6))
def test_unused_cells_are_those_no_kernel_position_covers(params):
    i, k, s, p, d = params
    o = arithmetic.conv_output_size(i, k, s, p, d)
    covered = np.zeros((i + 2 * p,) * 2, dtype=bool)
    for step in range(o * o):
        rows, cols = draw.conv_geometry(i, k, s, p, d).taps(step)
        covered[rows, cols] = True
    assert (draw.conv_scene(i, k, s, p, d).grid("input").unused == ~covered).all()


def test_non_square_conv_scene():
    scene = draw.conv_scene((5, 7), (3, 2), s=(2, 1), p=(1, 0))
    assert scene.grid("input").shape == (7, 7)
    assert scene.grid("output").shape == (
        arithmetic.conv_output_size(5, 3, 2, 1), arithmetic.conv_output_size(7, 2, 1, 0))
    assert "i = 5×7" in scene.title


def test_conv_scene_numbers_come_from_numeric_and_the_guides_seed():
    x, w = draw.guide_values()
    assert w.tolist() == [[0, 1, 2], [2, 2, 0], [0, 1, 2]]  # FACTS: seed 1234
    for s, p in [(1, 0), (2, 1)]:
        scene = draw.conv_scene(5, 3, s, p, 1, 0, numbers=True)
        assert (scene.grid("output").values == numeric.conv2d(x, w, stride=s, padding=p)).all()
        assert (scene.grid("input").values[p:p + 5, p:p + 5] == x).all()
        assert scene.grid("kernel").tiles.labels == tuple(str(v) for v in w.ravel())


def test_conv_scene_rejects_bad_input_clearly():
    with pytest.raises(ValueError, match="must not exceed the padded input"):
        draw.conv_scene(3, 5)
    with pytest.raises(ValueError, match="step must be <= 3"):
        draw.conv_scene(4, 3, step=4)
    with pytest.raises(TypeError, match="s must be an integer"):
        draw.conv_scene(4, 3, s=1.0)
    with pytest.raises(ValueError, match=r"x must have shape \(4, 4\)"):
        draw.conv_scene(4, 3, x=np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"\(columns\)"):
        draw.conv_geometry((5, 2), (3, 3))


def test_title_names_the_most_specific_relationship():
    for params in [(4, 3, 1, 0), (5, 3, 1, 1), (5, 3, 1, 2), (5, 3, 2, 1)]:
        n = arithmetic.applicable_relationships(*params)[0]
        assert f"Relationship {n}:" in draw.conv_scene(*params).title
    assert "Relationship 15" in draw.conv_scene(7, 3, 1, 0, 2).title


def test_pool_scene_matches_numeric_pooling():
    x = draw.guide_values()[0]
    assert (draw.pool_scene(5, 3, mode="max").grid("output").values == numeric.max_pool2d(x, 3, 1)).all()
    assert np.allclose(draw.pool_scene(5, 3, mode="average").grid("output").values, numeric.avg_pool2d(x, 3, 1))
    assert draw.pool_scene(5, 2, 2).grid("output").shape == (2, 2)
    with pytest.raises(ValueError, match="mode"):
        draw.pool_scene(5, 3, mode="min")


# --- transposed convolution -------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(conv_params(max_i=7))
def test_transposed_geometry_restores_the_input_size(params):
    i, k, s, p, d = params
    t = draw.transposed_geometry(i, k, s, p, d)
    eq = arithmetic.transposed_equivalent(i, k, s, p, d)
    assert t.o_t == (i, i)
    assert t.i_prime == (eq.i_prime,) * 2 and t.p_prime == (eq.p_prime,) * 2 and t.a == (eq.a,) * 2
    assert t.o_t[0] == arithmetic.transposed_output_size(eq.i_prime, k, s, p, d, eq.a)


def test_output_padding_other_than_a_gives_the_other_input_size():
    t = draw.transposed_geometry(6, 3, s=2, p=1, output_padding=0)
    assert t.o_t == (5, 5) and t.direct.i == (5, 5) and t.direct.o == (3, 3)
    with pytest.raises(ValueError, match="output_padding"):
        draw.transposed_geometry(6, 3, s=2, p=1, output_padding=2)


@settings(max_examples=50, deadline=None)
@given(conv_params(max_i=7), st.data())
def test_scatter_scene_grids_and_numbers(params, data):
    i, k, s, p, d = params
    t = draw.transposed_geometry(i, k, s, p, d)
    i1 = t.i_prime[0]
    step = data.draw(st.integers(0, i1 * i1 - 1))
    y = np.arange(1, i1 * i1 + 1).reshape(i1, i1)
    w = np.arange(1, k * k + 1).reshape(k, k)
    scene = draw.scatter_scene(i, k, s, p, d, step, y=y, w=w)
    out = scene.grid("output")
    k_hat = arithmetic.effective_kernel_size(k, d)
    full = (i1 - 1) * s + k_hat
    extension = max(t.a[0] - p, 0)
    assert scene.grid("input").shape == (i1, i1)
    assert out.shape == (full + extension,) * 2
    assert out.count(draw.OUTPUT, draw.OUTPUT_EXTRA, draw.OUTPUT_ZERO) == i * i
    extra_rows = min(t.a[0], i)  # the last output_padding rows/columns of the kept output
    assert out.count(draw.OUTPUT_EXTRA, draw.OUTPUT_ZERO) == i * i - (i - extra_rows) ** 2
    # those past the full scatter output are zeros that no kernel copy reaches: drawn apart
    computed = min(i, full - p)  # kept rows/columns inside the full scatter output
    assert out.count(draw.OUTPUT_ZERO) == i * i - computed ** 2
    r, c = divmod(step, i1)
    a, b = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    assert out.tiles.rows.tolist() == (r * s + a * d).ravel().tolist()
    assert out.tiles.cols.tolist() == (c * s + b * d).ravel().tolist()
    # the partial sums after the last unit, cropped, are the transposed convolution
    last = draw.scatter_scene(i, k, s, p, d, i1 * i1 - 1, y=y, w=w).grid("output")
    kept = last.values[p:p + i, p:p + i]
    expected = numeric.conv_transpose2d(y, w, stride=s, padding=p, output_padding=t.a, dilation=d)
    assert (kept == expected).all()


@settings(max_examples=50, deadline=None)
@given(conv_params(max_i=7), st.integers(0, 1))
def test_equivalent_scene_reproduces_the_transposed_convolution(params, extra):
    """Every drawn window, read with the drawn (rotated) weights, gives the drawn output value."""
    i, k, s, p, d = params
    t = draw.transposed_geometry(i, k, s, p, d)
    op = min(t.a[0] + extra, s - 1)
    t = draw.transposed_geometry(i, k, s, p, d, op)
    i1 = t.i_prime[0]
    y = np.arange(1, i1 * i1 + 1).reshape(i1, i1)
    w = np.arange(1, k * k + 1).reshape(k, k)
    for step in range(t.positions):
        scene = draw.equivalent_scene(i, k, s, p, d, step, output_padding=op, y=y, w=w)
        inp, kernel, out = scene.grid("input"), scene.grid("kernel"), scene.grid("output")
        weights = np.array([float(v) for v in inp.tiles.labels])
        total = (inp.values[inp.tiles.rows, inp.tiles.cols] * weights).sum()
        r, c = divmod(step, t.o_t[1])
        assert total == out.values[r, c]
    assert out.shape == t.o_t
    if t.p_prime[0] >= 0:
        assert inp.count(draw.UNIT) == i1 * i1
        assert inp.count(draw.ZERO) == t.i_stretched[0] ** 2 - i1 * i1
        assert inp.shape[0] == t.i_stretched[0] + 2 * t.p_prime[0] + op
        assert inp.count(draw.EXTRA) == inp.shape[0] ** 2 - (inp.shape[0] - op) ** 2
    else:  # p′ < 0: the emulation reads a cropped stretched input
        assert inp.count(draw.CROPPED) > 0
        assert inp.count(draw.UNIT) < i1 * i1
    # the window's first tile carries the last weight: the kernel is rotated by 180°
    colors = draw.weight_colors(k)
    assert (inp.tiles.colors[0] == colors[-1, -1]).all()
    assert (kernel.tiles.colors[0] == colors[-1, -1]).all()
    assert (out.values == numeric.conv_transpose2d(y, w, stride=s, padding=p, output_padding=op, dilation=d)).all()


def test_the_guides_transposed_figures_have_its_sizes():
    """The guide's Figures 4.1-4.7: i′, ĩ′, a and p′ of the emulating convolution."""
    table = {
        (4, 3, 1, 0): (2, 2, 0, 2), (5, 4, 1, 2): (6, 6, 0, 1), (5, 3, 1, 1): (5, 5, 0, 1),
        (5, 3, 1, 2): (7, 7, 0, 0), (5, 3, 2, 0): (2, 3, 0, 2), (5, 3, 2, 1): (3, 5, 0, 1),
        (6, 3, 2, 1): (3, 5, 1, 1),
    }
    for (i, k, s, p), (i1, stretched, a, p1) in table.items():
        inp = draw.equivalent_scene(i, k, s, p).grid("input")
        assert inp.count(draw.UNIT) == i1 * i1
        assert inp.shape == (stretched + 2 * p1 + a,) * 2
        assert inp.count(draw.EXTRA) == (stretched + 2 * p1 + a) ** 2 - (stretched + 2 * p1) ** 2


def test_negative_p_prime_crops_the_stretched_input():
    scene = draw.equivalent_scene(5, 1, 1, 1)  # p′ = k - p - 1 = -1
    inp = scene.grid("input")
    assert inp.count(draw.CROPPED) == 7 * 7 - 5 * 5
    assert scene.grid("output").shape == (5, 5)
    assert (inp.tiles.rows[0], inp.tiles.cols[0]) == (1, 1)  # the window starts inside the crop


# --- matrices ---------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [(4, 3, 1, 0, 1), (5, 3, 2, 1, 1), (6, 3, 2, 1, 1), (7, 3, 1, 0, 2), (3, 2, 1, 1, 1)])
def test_matrix_scene_colours_match_symbolic_c(params):
    i, k, s, p, d = params
    C = symbolic.conv_matrix((i, i), symbolic.kernel_symbols((k, k)), s, p, d)
    scene = draw.matrix_scene(i, k, s, p, d, unit=0, other=1)
    colors = draw.weight_colors(k).reshape(-1, 4)
    colors[:, :3] = colors[:, :3] + (1 - colors[:, :3]) * 0.3
    names = symbolic.kernel_symbols((k, k))
    assert scene.shape == C.shape
    for r in range(C.rows):
        for c in range(C.cols):
            entry = C[r, c]
            if entry == 0:
                assert tuple(scene.rgba[r, c, :3]) == (0.98, 0.98, 0.98)
            else:
                index = list(names).index(entry)
                assert np.allclose(scene.rgba[r, c], colors[index])
    transposed = draw.matrix_scene(i, k, s, p, d, transposed=True, unit=0, other=1)
    assert (transposed.rgba == scene.rgba.transpose(1, 0, 2)).all()
    assert scene.boxes[0][:4] == (0, 0, 1, C.cols) and transposed.boxes[0][:4] == (0, 0, C.cols, 1)


def test_matrix_scene_labels_name_the_weights():
    scene = draw.matrix_scene(4, 3)
    assert scene.labels[0, :4].tolist() == ["w₀₀", "w₀₁", "w₀₂", ""]
    assert draw.matrix_scene(8, 3, labels="auto").labels is None  # 36 × 64 cells: too many
    with pytest.raises(ValueError, match="unit must be <= 3"):
        draw.matrix_scene(4, 3, unit=4)


# --- artists: drawing in place ----------------------------------------------------------------


def _cells_drawn(artist):
    return len(artist.cells.collection.get_paths()) if artist.cells.collection.get_visible() else 0


def test_scene_artist_draws_every_cell_and_redraws_in_place():
    import matplotlib.pyplot as plt

    figures_before = plt.get_fignums()
    fig = draw.new_figure((8, 4))
    artist = draw.SceneArtist(fig.add_subplot())
    children = None
    for scene in [draw.conv_scene(4, 3), draw.conv_scene(8, 3, 2, 2, 1, 5, numbers=True),
                  draw.equivalent_scene(6, 3, 2, 1, 1, 7), draw.scatter_scene(5, 3, 2, 1, 1, 2, numbers=True),
                  draw.conv_scene(4, 3)]:
        artist.draw(scene)
        fig.canvas.draw()
        assert _cells_drawn(artist) == sum(grid.kinds.size for grid in scene.grids)
        count = len(artist.ax.get_children())
        assert children is None or count == children
        children = count
    assert plt.get_fignums() == figures_before
    assert len(fig.axes) == 1


def test_scene_artist_writes_the_values_it_is_given():
    fig = draw.new_figure((8, 4))
    artist = draw.SceneArtist(fig.add_subplot())
    scene = draw.conv_scene(5, 3, 2, 1, 1, 4, numbers=True)
    artist.draw(scene)
    written = artist.text.strings
    for value in scene.grid("output").values.ravel():
        assert str(value) in written


def test_matrix_artist_redraws_in_place():
    fig = draw.new_figure((6, 4))
    artist = draw.MatrixArtist(fig.add_subplot())
    artist.draw(draw.matrix_scene(4, 3, unit=0))
    count = len(artist.ax.get_children())
    artist.draw(draw.matrix_scene((6, 6), 3, 2, 1, unit=3, other=4))
    fig.canvas.draw()
    assert len(artist.ax.get_children()) == count
    assert len(artist.nonzeros.get_paths()) == len(symbolic.conv_matrix_pattern((6, 6), (3, 3), 2, 1).rows)
    dense = draw.values_matrix_scene(np.arange(1, 4001).reshape(40, 100), labels=False)
    artist.draw(dense)
    fig.canvas.draw()
    assert artist.image.get_visible() and not artist.nonzeros.get_visible()
    assert artist.image.get_array().shape[:2] == (40, 100)


def test_draw_functions_return_figures_with_content():
    fig = draw.draw_conv(5, 3, 2, 1, step=4)
    (artist,) = fig.course_artists
    assert _cells_drawn(artist) == 49 + 9 + 9
    for view in ("equivalent", "scatter"):
        fig = draw.draw_transposed(6, 3, 2, 1, view=view)
        fig.canvas.draw()
        assert fig.course_artists[0].scene.grid("output").shape == ((6, 6) if view == "equivalent" else (7, 7))
    with pytest.raises(ValueError, match="view"):
        draw.draw_transposed(6, 3, view="matrix")
    fig = draw.draw_conv_matrix(4, 3, transposed=True, unit=1)
    assert fig.course_artists[0].scene.shape == (16, 4)
    assert len(fig.course_artists[0].nonzeros.get_paths()) == 36


def test_animations_have_one_frame_per_position_and_save_gifs(tmp_path):
    from PIL import Image

    animation = draw.animate_conv(5, 3, 2)
    assert len(animation) == arithmetic.conv_output_size(5, 3, 2) ** 2
    path = tmp_path / "a.gif"
    animation.save(path)
    with Image.open(path) as gif:
        assert gif.n_frames == 4
    transposed = draw.animate_transposed(6, 3, 2, 1, view="scatter")
    assert len(transposed) == arithmetic.conv_output_size(6, 3, 2, 1) ** 2
    assert len(draw.animate_transposed(6, 3, 2, 1)) == 36
    html = draw.animate_conv(4, 3, interval=100).to_jshtml()
    assert html.count("data:image/png;base64") == 4


def test_importing_draw_sets_no_backend():
    # the raw rcParams entry: matplotlib.get_backend() would itself resolve (and import pyplot)
    code = (
        "import sys, matplotlib; raw = lambda: dict.__getitem__(matplotlib.rcParams, 'backend');"
        "before = raw(); import course_lib.draw, course_lib.figures;"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported';"
        "assert raw() == before, 'backend changed'; print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_math_modules_do_not_import_drawing_code():
    code = (
        "import sys;"
        "import course_lib.arithmetic, course_lib.numeric, course_lib.symbolic, course_lib.sampling;"
        "bad = [m for m in ('matplotlib', 'ipywidgets', 'course_lib.draw', 'course_lib.widgets') if m in sys.modules];"
        "print(bad)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# the public names of course_lib.draw when it was one module: the split into layers keeps them
_PUBLIC_BEFORE_THE_SPLIT = (
    "INPUT_BLUE OUTPUT_CYAN UNIT PAD ZERO EXTRA CROPPED OUTPUT OUTPUT_EXTRA KERNEL DISCARDED KIND_NAMES "
    "weight_colors ConvGeometry conv_geometry TransposedGeometry transposed_geometry Tiles Grid Scene "
    "MatrixScene guide_values conv_scene pool_scene scatter_scene equivalent_scene matrix_scene "
    "values_matrix_scene sequence_scene counting_scene subsampling_scenes channels_scene combine_scenes "
    "conv_title transposed_title SceneArtist MatrixArtist DrawingFigure new_figure figure_for_scene "
    "draw_conv draw_transposed draw_conv_matrix animate_conv animate_transposed Animation"
).split()


def test_the_package_keeps_the_public_api_of_the_module():
    from course_lib.draw import geometry, render, scenes

    assert set(_PUBLIC_BEFORE_THE_SPLIT) <= set(draw.__all__)
    homes = {**{n: geometry for n in geometry.__all__}, **{n: scenes for n in scenes.__all__},
             **{n: render for n in render.__all__}}
    assert len(homes) == len(geometry.__all__) + len(scenes.__all__) + len(render.__all__)  # one home each
    for name in draw.__all__:
        assert getattr(draw, name) is getattr(homes[name], name), name
    assert set(draw.__all__) == set(homes)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        draw.nothing_here


def _imports(module) -> tuple[set, set]:
    """Modules ``module`` imports at its top level, and anywhere (function bodies included)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(module))

    def names(nodes):
        found = set()
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                found.add(node.module)
        return found

    return names(tree.body), names(ast.walk(tree))


def test_layers_import_downwards_only():
    from course_lib.draw import geometry, render, scenes

    top, anywhere = _imports(geometry)
    assert not {m for m in anywhere if m.startswith(("matplotlib", "course_lib.draw", "course_lib.widgets"))}
    top, anywhere = _imports(scenes)
    assert not {m for m in anywhere if m.startswith(("course_lib.draw.render", "course_lib.widgets"))}
    assert not {m for m in top if m.startswith("matplotlib")}  # a colormap is read only when called
    top, anywhere = _imports(render)
    assert {"course_lib.draw.geometry", "course_lib.draw.scenes"} <= top
    assert not {m for m in anywhere if m.startswith(("course_lib.widgets", "course_lib.figures"))}


def test_geometry_and_scenes_run_without_matplotlib():
    code = (
        "import sys; import course_lib.draw as draw; from course_lib.draw import geometry, scenes;"
        "draw.transposed_geometry(6, 3, 2, 1); draw.conv_scene(5, 3, 2, 1, numbers=True);"
        "draw.equivalent_scene(6, 3, 2, 1); draw.scatter_scene(6, 3, 2, 1); draw.matrix_scene(4, 3, unit=0);"
        "draw.combine_scenes([draw.conv_scene(4, 3), draw.pool_scene(5, 3)]);"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'));"
        "draw.SceneArtist; print('matplotlib' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "True"]  # and the rendering layer loads on first use


def test_non_square_transposed_scenes():
    i, k, s, p = (5, 6), (3, 2), (2, 1), (1, 0)
    t = draw.transposed_geometry(i, k, s, p)
    assert t.o_t == i
    eq = [arithmetic.transposed_equivalent(*args) for args in zip(i, k, s, p)]
    inp = draw.equivalent_scene(i, k, s, p).grid("input")
    assert inp.shape == tuple(e.i_stretched + 2 * e.p_prime + e.a for e in eq)
    assert inp.count(draw.UNIT) == eq[0].i_prime * eq[1].i_prime
    out = draw.scatter_scene(i, k, s, p).grid("output")
    assert out.count(draw.OUTPUT, draw.OUTPUT_EXTRA) == i[0] * i[1]
    assert "5×6" in draw.equivalent_scene(i, k, s, p).title


def test_figures_show_themselves_as_png_without_pyplot():
    from PIL import Image
    import io

    fig = draw.draw_conv(4, 3)
    png = fig._repr_png_()
    assert Image.open(io.BytesIO(png)).size[0] > 100
    assert repr(draw.animate_conv(4, 3)) == "Animation(4 frames, 700 ms each)"


def test_tight_saving_keeps_titles_and_notes():
    """Jupyter shows figures with bbox_inches="tight"; the glyph-outline text must not be cut off."""
    import io

    from PIL import Image

    fig = draw.draw_conv(6, 3, s=2, p=0, step=3)
    width, height = fig.get_size_inches() * fig.dpi
    tight = fig.get_tightbbox()
    assert tight.width >= fig.get_size_inches()[0] and tight.height >= fig.get_size_inches()[1]
    shown = Image.open(io.BytesIO(fig._repr_png_()))
    assert shown.size[0] >= width and shown.size[1] >= height


def test_text_follows_the_saving_dpi():
    """Glyph outlines are sized in points through the figure's dpi, so any savefig dpi scales them."""
    fig = draw.draw_conv(4, 3)
    collections = [a for a in fig.axes[0].get_children() if type(a).__name__ == "PathCollection"]
    assert collections
    for dpi in (50, 100, 200):
        fig.set_dpi(dpi)
        for collection in collections:
            (x0, _), (x1, _) = collection.get_transform().transform([(0, 0), (72, 0)])
            assert abs((x1 - x0) - dpi) < 1e-9


@pytest.mark.parametrize("p, a", [(1, 1), (2, 1), (0, 1), (1, 2)])
def test_scatter_scene_output_padding_rows_are_computed_or_zero_as_its_docstring_says(p, a):
    # output_padding rows are computed outputs while output_padding <= padding,
    # zeros past the full scatter output. Checked against numeric.conv_transpose2d.
    s, k = 3, 3
    y, w = np.arange(1, 5).reshape(2, 2), np.arange(1, 10).reshape(3, 3)
    full = numeric.conv_transpose2d(y, w, stride=s)                                  # 6 x 6
    out = numeric.conv_transpose2d(y, w, stride=s, padding=p, output_padding=a)
    last = out[-a:]
    if a <= p:
        assert np.array_equal(last, full[len(full) - p:len(full) - p + a, p:p + out.shape[1]])
        assert last.any()
    else:
        assert not out[len(out) - (a - p):].any()
    i = arithmetic.conv_output_size(out.shape[0], k, s, p)                       # the direct conv's output
    assert i == 2
    scene = draw.scatter_scene(out.shape[0], k, s, p, step=3, output_padding=a, y=y, w=w)
    grid = scene.grid("output")
    assert grid.shape == (len(full) + max(a - p, 0),) * 2
    assert np.array_equal(grid.values[p:p + out.shape[0], p:p + out.shape[1]], out)


def test_a_narrow_matrix_figure_is_wide_enough_for_its_title_and_caption():
    from course_lib.draw.render import SceneArtist, _text_width
    fig = draw.draw_conv_matrix(4, 3, transposed=True, unit=0)    # Cᵀ: 4 columns, a long caption
    scene = fig.course_artists[0].scene
    caption = f"rows: {scene.ylabel} · columns: {scene.xlabel}"
    width_points = fig.get_size_inches()[0] * 72
    assert width_points >= _text_width(caption, SceneArtist.LABEL_SIZES[1])
    assert width_points >= _text_width(scene.title, 11.0)


def test_titles_write_equations_inline_and_labels_write_sizes():
    scene = draw.conv_scene(5, 3, 2, 1)
    assert "Relationship 6: o = ⌊(i − k + 2p)/s⌋ + 1" in scene.title and "$" not in scene.title
    assert "Relationship 7: o = ⌊(i − k)/s⌋ + 1" in draw.pool_scene(5, 3, 2).title
    assert "o′ = a + k − 2p + s(i′ − 1)" in draw.equivalent_scene(6, 3, 2, 1).title
    assert [scene.grid(name).label for name in ("input", "output")] == ["input 5×5, padding p = 1", "output 3×3"]
    assert draw.equivalent_scene(6, 3, 2, 1).grid("input").label == "input 3×3, stretched to 5×5"
    assert draw.scatter_scene(6, 3, 2, 1).grid("output").label == "output 6×6 (full 7×7)"


def test_drawing_figures_show_a_description_not_their_pixel_size():
    fig = draw.draw_conv(4, 3)
    assert repr(fig) == "Drawing: Convolution  i = 4, k = 3, s = 1, p = 0  →  o = 2"
    fig.course_description = "Figure X: a description"
    assert repr(fig) == "Figure X: a description"
    assert repr(draw.new_figure()) == "Drawing (empty)"
