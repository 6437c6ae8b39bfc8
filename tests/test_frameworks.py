"""course_lib.frameworks without any framework: its rules' properties, its errors, and agreement
with the outputs recorded from the real frameworks (``course_lib.recordings``).

``tests/test_crosscheck_frameworks.py`` (``make crosscheck``) runs the frameworks themselves.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from course_lib import arithmetic, frameworks, numeric
from course_lib.recordings import RECIPES, names, recorded


# --- the rules' properties --------------------------------------------------------------------


def test_tf_same_keeps_ceil_i_over_s_and_its_symmetric_twin_differs_exactly_when_the_total_is_odd():
    for i, k, s in itertools.product(range(1, 25), range(1, 8), range(1, 5)):
        before, after = frameworks.tf_same_padding(i, k, s)
        assert 0 <= after - before <= 1
        if k <= i + before + after:
            assert arithmetic.conv_output_size(i + before + after, k, s) == -(-i // s)
    x, w = np.arange(1, 225), np.ones(7)
    tf_like = numeric.conv1d(x, w, stride=2, padding=(frameworks.tf_same_padding(224, 7, 2),))
    assert len(tf_like) == len(numeric.conv1d(x, w, stride=2, padding=3)) == 112
    assert not np.array_equal(tf_like, numeric.conv1d(x, w, stride=2, padding=3))


def test_tf_transposed_sizes_are_those_its_convolution_maps_back():
    for n, k, s, mode in itertools.product(range(1, 6), range(1, 6), range(1, 4), ("SAME", "VALID")):
        accepted = frameworks.tf_conv_transpose_output_sizes(n, k, s, mode)
        assert len(accepted) == s
        for o in range(1, n * s + k + s):
            pads = frameworks.tf_same_padding(o, k, s) if mode == "SAME" else (0, 0)
            fits = k <= o + sum(pads)
            maps_back = fits and arithmetic.conv_output_size(o + sum(pads), k, s) == n
            assert (o in accepted) == maps_back, (n, k, s, mode, o)


def test_keras_none_and_zero_differ_for_every_stride_above_one():
    for n, k, s in itertools.product(range(1, 6), range(1, 7), range(1, 4)):
        none = frameworks.keras_conv_transpose_length(n, k, s, "same")
        try:
            zero = frameworks.keras_conv_transpose_length(n, k, s, "same", 0)
        except frameworks.FrameworkRefusal:
            assert k % 2 == 0  # only an even kernel with output_padding=0 is refused
            continue
        assert (none == zero) == (s == 1 and k % 2 == 1)


def test_onnx_same_modes_put_the_odd_unit_on_opposite_ends():
    for n, k, s in itertools.product(range(1, 6), range(1, 6), range(1, 4)):
        upper = frameworks.onnx_conv_transpose_pads(n, k, s, "SAME_UPPER")
        lower = frameworks.onnx_conv_transpose_pads(n, k, s, "SAME_LOWER")
        assert upper == lower[::-1] and upper[1] - upper[0] in (0, 1)


def test_caffe_and_ceil_mode_differ_only_without_padding():
    differ = []
    for i, k, s, p in itertools.product(range(1, 12), range(1, 5), range(1, 5), range(0, 3)):
        if 2 * p > k or k > i + 2 * p:
            continue
        caffe = frameworks.caffe_pool_output_size(i, k, s, p)
        torch_like = frameworks.torch_pool_output_size(i, k, s, p, ceil_mode=True)
        if caffe != torch_like:
            differ.append((i, k, s, p))
            assert p == 0 and k < s and caffe == torch_like + 1
    assert (2, 1, 2, 0) in differ


def test_convert_weight_round_trips_and_pixel_shuffle_orders_are_the_two_numeric_ones():
    w = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    for (_, _), layout in frameworks.WEIGHT_LAYOUTS.items():
        assert np.array_equal(frameworks.convert_weight(frameworks.convert_weight(w, "OIHW", layout), layout, "OIHW"), w)
    assert set(frameworks.PIXEL_SHUFFLE_ORDERS.values()) == {"CRD", "DCR"}


# --- errors name the parameter -------------------------------------------------------------------


@pytest.mark.parametrize("call, error, words", [
    (lambda: frameworks.tf_same_padding(0, 3), ValueError, "i must be >= 1"),
    (lambda: frameworks.tf_same_padding(5, 3.0), TypeError, "k must be an integer"),
    (lambda: frameworks.tf_conv_transpose_output_sizes(3, 3, 2, "full"), ValueError, "padding must be one of"),
    (lambda: frameworks.keras_conv_transpose_length(3, 3, 2, "same", -1), ValueError, "output_padding must be >= 0"),
    (lambda: frameworks.keras_conv_transpose_length(3, 3, 2, "same", 2), frameworks.FrameworkRefusal, "strictly less than strides"),
    (lambda: frameworks.torch_conv_transpose_length(3, 3, 2, 5), frameworks.FrameworkRefusal, "must be >= 1"),
    (lambda: frameworks.onnx_conv_transpose_pads(3, 3, 2, "SAME"), ValueError, "auto_pad must be one of"),
    (lambda: frameworks.onnx_conv_transpose_pads(3, 3, 2), ValueError, "output_size is required"),
    (lambda: frameworks.onnx_conv_transpose_pads(3, 3, 2, output_size=99), ValueError, "output_size must be <= 7"),
    (lambda: frameworks.jax_conv_transpose([1, 2], [[1]], 2), ValueError, "1-D or both 2-D"),
    (lambda: frameworks.jax_conv_transpose([1, 2], [1], 2, transpose_kernel=1), TypeError, "transpose_kernel"),
    (lambda: frameworks.torch_pool_output_size(8, 3, 1, 2), frameworks.FrameworkRefusal, "at most half"),
    (lambda: frameworks.caffe_pool_output_size(8, 3, 1, 3), ValueError, "p must be <= 2"),
    (lambda: frameworks.convert_weight(np.zeros((1, 1, 1, 1)), "OIHW", "OIHX"), ValueError, "permutation"),
    (lambda: frameworks.convert_weight(np.zeros((1, 1, 1)), "OIHW", "HWIO"), ValueError, "4-D"),
    (lambda: frameworks.tf_conv_transpose2d([[1]], [[1]], 2, "SAME", (3, 3)), frameworks.FrameworkRefusal, "accepts 1..2"),
])
def test_bad_arguments_get_clear_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


# --- the recordings agree with the functions ------------------------------------------------------


def test_every_recipe_has_a_recording_and_back():
    assert names() == list(RECIPES)
    with pytest.raises(ValueError, match="one of the recorded calls"):
        recorded("no such call")


def test_recorded_tensorflow_agrees_with_the_functions():
    small = recorded("tensorflow conv1d SAME stride 2, i = 8, k = 3").array
    assert np.array_equal(small, numeric.conv1d(np.arange(1, 9), [1, 10, 100], stride=2,
                                                padding=(frameworks.tf_same_padding(8, 3, 2),)))
    torch_small = recorded("pytorch conv1d padding=1 stride 2, i = 8, k = 3").array
    assert np.array_equal(torch_small, numeric.conv1d(np.arange(1, 9), [1, 10, 100], stride=2, padding=1))
    big = recorded("tensorflow conv1d SAME stride 2, i = 224, k = 7").array
    assert np.array_equal(big, numeric.conv1d(np.arange(1, 225), np.ones(7), stride=2, padding=((2, 3),)))
    qa = recorded("tensorflow conv2d_transpose SAME 2x2 -> 4x4").array
    assert np.array_equal(qa, frameworks.tf_conv_transpose2d([[1, 2], [3, 4]], np.ones((3, 3)), 2, "SAME", (4, 4)))
    sizes = recorded("tensorflow conv1d_transpose accepted output_shape").output
    assert {mode: list(frameworks.tf_conv_transpose_output_sizes(3, 3, 2, mode)) for mode in sizes} == sizes
    assert recorded("tensorflow has conv2d_backprop_filter").output == [False, True]
    assert recorded("pytorch conv1d padding='same' stride 2").error.startswith("RuntimeError")


def test_recorded_keras_lengths_agree_with_the_function():
    rows = recorded("keras Conv1DTranspose lengths").output
    for n, k, s, padding, a, result in rows:
        try:
            ours = frameworks.keras_conv_transpose_length(n, k, s, padding, a)
        except frameworks.FrameworkRefusal:
            assert isinstance(result, str), (n, k, s, padding, a, result)
            continue
        assert ours == result, (n, k, s, padding, a)


def test_recorded_jax_onnx_pixel_shuffle_and_pooling_agree_with_the_functions():
    y = np.array([1.0, 2.0, 3.0])
    for padding, flag in itertools.product(("SAME", "VALID"), (False, True)):
        assert recorded(f"jax conv_transpose {padding} transpose_kernel={flag}").output == \
            frameworks.jax_conv_transpose(y, y, 2, padding, transpose_kernel=flag).tolist()
    full = numeric.conv_transpose1d(y, y, stride=2)
    assert recorded("pytorch conv_transpose1d [1, 2, 3] stride 2").output == full.tolist()
    for mode in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = frameworks.onnx_conv_transpose_pads(3, 3, 2, mode)
        assert recorded(f"onnx ConvTranspose {mode}").output == full[begin: len(full) - end].tolist()
    t = np.arange(8.0).reshape(8, 1, 1)
    for name, key in (("pytorch pixel_shuffle", "pytorch pixel_shuffle"), ("tensorflow depth_to_space", "tensorflow depth_to_space"),
                      ("onnx DepthToSpace DCR", "onnx DepthToSpace (default)"), ("onnx DepthToSpace CRD", "onnx DepthToSpace mode='CRD'")):
        assert recorded(name).output == numeric.pixel_shuffle(t, 2, frameworks.PIXEL_SHUFFLE_ORDERS[key]).tolist()
    assert len(recorded("pytorch max_pool1d ceil_mode, i = 2, k = 1, s = 2").output) == frameworks.torch_pool_output_size(2, 1, 2, ceil_mode=True)
    assert recorded("pytorch max_pool1d ceil_mode, i = 112, k = 3, s = 2").output == frameworks.torch_pool_output_size(112, 3, 2, ceil_mode=True)
    assert recorded("pytorch max_pool1d padding above half the window").error
    assert recorded("pytorch output_padding=1 at stride 1").error


# --- lesson 08: windows of the full output, output_size, space-to-depth ------------------------------


def _full(n, k, s, seed=0):
    rng = np.random.default_rng(seed)
    y, w = rng.integers(-4, 5, n), rng.integers(-4, 5, k)
    return y, w, numeric.conv_transpose1d(y, w, stride=s)


def test_torch_window_is_numerics_padding_and_output_padding_and_output_size_picks_it():
    from course_lib.conventions import take_window

    for n, k, s, p in itertools.product(range(1, 5), range(1, 5), range(1, 4), range(0, 4)):
        y, w, full = _full(n, k, s)
        try:
            sizes = frameworks.torch_conv_transpose_output_sizes(n, k, s, p)
        except frameworks.FrameworkRefusal:
            continue
        assert len(sizes) <= s and sizes.stop - 1 == (n - 1) * s + k - 2 * p + s - 1
        for a in range(s):
            try:
                window = frameworks.torch_conv_transpose_window(n, k, s, p, a)
            except frameworks.FrameworkRefusal:
                continue
            ours = numeric.conv_transpose1d(y, w, stride=s, padding=p, output_padding=a)
            assert np.array_equal(take_window(full, window), ours), (n, k, s, p, a)
            assert frameworks.torch_conv_transpose_window(n, k, s, p, output_size=window[1]) == window
    recording = recorded("pytorch ConvTranspose1d output_size, n = 3, k = 3, s = 2, p = 1").output
    full = numeric.conv_transpose1d([1, 2, 3], [1, 2, 3], stride=2)
    for o, result in recording.items():
        if int(o) in frameworks.torch_conv_transpose_output_sizes(3, 3, 2, 1):
            assert take_window(full, frameworks.torch_conv_transpose_window(3, 3, 2, 1, output_size=int(o))).tolist() == result
        else:
            assert result.startswith("ValueError")


def test_tf_window_agrees_with_tf_conv_transpose2d_and_explicit_padding_accepts_s_sizes():
    from course_lib.conventions import take_window

    for n, k, s in itertools.product(range(1, 5), range(1, 5), range(1, 4)):
        y, w, full = _full(n, k, s)
        for mode in ("SAME", "VALID"):
            for o in frameworks.tf_conv_transpose_output_sizes(n, k, s, mode):
                ours = frameworks.tf_conv_transpose2d(y[None], w[None], (1, s), mode, (1, o))[0]
                assert np.array_equal(take_window(full, frameworks.tf_conv_transpose_window(n, k, s, mode, o)), ours)
        for before, after in itertools.product(range(3), range(3)):
            accepted = [o for o in range(1, 3 * n * s + k)
                        if _accepts(frameworks.tf_conv_transpose_window, n, k, s, (before, after), o)]
            low = (n - 1) * s + k - before - after
            assert accepted == [o for o in range(low, low + s) if o >= 1]
    assert recorded("tensorflow conv1d_transpose SAME [1, 10], [1, 2, 3] -> 4").output == \
        take_window(numeric.conv_transpose1d([1, 10], [1, 2, 3], stride=2), frameworks.tf_conv_transpose_window(2, 3, 2, "SAME", 4)).tolist()


def _accepts(function, *args):
    try:
        function(*args)
    except frameworks.FrameworkRefusal:
        return False
    return True


def test_keras_window_is_tensorflows_for_its_length():
    from course_lib.conventions import take_window

    y, w = [1, 2, 3], [1, 10, 100]
    full = numeric.conv_transpose1d(y, w, stride=2)
    assert take_window(full, frameworks.keras_conv_transpose_window(3, 3, 2, "same", 1)).tolist() == \
        recorded("keras Conv1DTranspose same output_padding=1 on [1, 2, 3]").output
    for n, k, s, mode in itertools.product(range(1, 5), range(1, 5), range(1, 4), ("same", "valid")):
        for a in (None, *range(s)):
            try:
                begin, length = frameworks.keras_conv_transpose_window(n, k, s, mode, a)
            except frameworks.FrameworkRefusal:
                continue
            assert (begin, length) == frameworks.tf_conv_transpose_window(n, k, s, mode.upper(), length)


def test_jax_explicit_padding_is_the_guides_emulating_padding():
    # PyTorch's (p, output_padding = a) is JAX's (p′, p′ + a) with p′ = k − p − 1, undilated
    for n, k, s, p in itertools.product(range(1, 5), range(1, 6), range(1, 4), range(0, 4)):
        for a in range(s):
            try:
                torch_window = frameworks.torch_conv_transpose_window(n, k, s, p, a)
            except frameworks.FrameworkRefusal:
                continue
            p_prime = k - p - 1
            assert frameworks.jax_conv_transpose_window(n, k, s, (p_prime, p_prime + a)) == torch_window
    for n, k, s, mode in itertools.product(range(1, 5), range(1, 5), range(1, 4), ("SAME", "VALID")):
        y, w, full = _full(n, k, s)
        from course_lib.conventions import take_window
        assert np.array_equal(take_window(full, frameworks.jax_conv_transpose_window(n, k, s, mode)),
                              frameworks.jax_conv_transpose(y, w, s, mode, transpose_kernel=True))


def test_onnx_window_follows_pads_and_the_recordings():
    from course_lib.conventions import take_window

    full = numeric.conv_transpose1d([1, 2, 3], [1, 2, 3], stride=2)
    for mode, result in recorded("onnx ConvTranspose output_shape=[6]").output.items():
        auto_pad = mode.split("'")[1]
        assert take_window(full, frameworks.onnx_conv_transpose_window(3, 3, 2, auto_pad=auto_pad, output_size=6)).tolist() == result
    for n, k, s in itertools.product(range(1, 5), range(1, 5), range(1, 4)):
        for mode in ("SAME_UPPER", "SAME_LOWER"):
            begin, end = frameworks.onnx_conv_transpose_pads(n, k, s, mode)
            assert frameworks.onnx_conv_transpose_window(n, k, s, auto_pad=mode) == (begin, (n - 1) * s + k - begin - end)


def test_space_to_depth_orders_undo_the_depth_to_space_orders_and_the_recordings():
    y = np.arange(32.0).reshape(2, 4, 4)
    for name, recording in (("pytorch pixel_unshuffle", "pytorch pixel_unshuffle"),
                            ("tensorflow space_to_depth", "tensorflow space_to_depth")):
        assert recorded(recording).output == numeric.pixel_unshuffle(y, 2, frameworks.SPACE_TO_DEPTH_ORDERS[name])[:, 0, 0].tolist()
    onnx = recorded("onnx SpaceToDepth").output
    assert onnx["channels at (0, 0)"] == numeric.pixel_unshuffle(y, 2, frameworks.SPACE_TO_DEPTH_ORDERS["onnx SpaceToDepth"])[:, 0, 0].tolist()
    assert "mode" in onnx["mode='CRD'"]
    assert frameworks.SPACE_TO_DEPTH_ORDERS["pytorch pixel_unshuffle"] == frameworks.PIXEL_SHUFFLE_ORDERS["pytorch pixel_shuffle"]
    assert frameworks.SPACE_TO_DEPTH_ORDERS["tensorflow space_to_depth"] == frameworks.PIXEL_SHUFFLE_ORDERS["tensorflow depth_to_space"]


@pytest.mark.parametrize("call, error, words", [
    (lambda: frameworks.torch_conv_transpose_window(3, 3, 2, 1, output_size=9), frameworks.FrameworkRefusal, "from 5 to 6"),
    (lambda: frameworks.torch_conv_transpose_output_sizes(1, 1, 1, 3), frameworks.FrameworkRefusal, "every output_size"),
    (lambda: frameworks.tf_conv_transpose_window(3, 3, 2, (1, 1, 1), 6), TypeError, "pair"),
    (lambda: frameworks.tf_conv_transpose_window(3, 3, 2, (-1, 1), 6), ValueError, ">= 0"),
    (lambda: frameworks.tf_conv_transpose_window(3, 3, 2, (1, 1), 8), frameworks.FrameworkRefusal, "accepts 5..6"),
    (lambda: frameworks.tf_conv_transpose_window(3, 3, 2, "SAME", 7), frameworks.FrameworkRefusal, "accepts 5..6"),
    (lambda: frameworks.keras_conv_transpose_window(3, 4, 2, "same", 0), frameworks.FrameworkRefusal, "fails when the layer runs"),
    (lambda: frameworks.jax_conv_transpose_window(2, 3, 1, (-3, -3)), frameworks.FrameworkRefusal, "no output"),
    (lambda: frameworks.jax_conv_transpose_window(2, 3, 1, "full"), ValueError, "padding must be one of"),
    (lambda: frameworks.onnx_conv_transpose_window(3, 3, 2, pads=(4, 4)), frameworks.FrameworkRefusal, "no output"),
    (lambda: frameworks.onnx_conv_transpose_window(3, 3, 2, output_padding=2), ValueError, "output_padding must be <= 1"),
])
def test_window_functions_refuse_clearly(call, error, words):
    with pytest.raises(error, match=words):
        call()
