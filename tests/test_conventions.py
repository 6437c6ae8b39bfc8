"""course_lib.conventions: windows of the full output, and the table of each framework's arguments.

The numpy tests check every listed argument set against an independent construction (numeric's
transposed convolution, the emulating direct convolution, ``frameworks.tf_conv_transpose2d``);
the crosscheck test (``make crosscheck``) runs the frameworks themselves with every listed set.
"""

from __future__ import annotations

import importlib
import itertools
import os

import numpy as np
import pytest

from course_lib import conventions, frameworks, numeric
from course_lib.conventions import take_window, transposed_arguments

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def targets():
    """Every (n, k, s, length, begin) with n <= 3, k <= 4, s <= 3 and a window near the full output."""
    for n, k, s in itertools.product(range(1, 4), range(1, 5), range(1, 4)):
        full = (n - 1) * s + k
        for begin in range(full):
            for length in range(1, full - begin + s):
                yield n, k, s, length, begin


def emulate(y, w, s, lo, hi):
    """The guide's emulating convolution: stretch y, pad (lo, hi) (negative: crop), correlate with w rotated."""
    stretched = np.zeros((len(y) - 1) * s + 1, dtype=float)
    stretched[::s] = y
    padded = np.concatenate([np.zeros(max(lo, 0)), stretched[max(-lo, 0): len(stretched) - max(-hi, 0)], np.zeros(max(hi, 0))])
    return numeric.conv1d(padded, np.asarray(w, dtype=float)[::-1])


# --- take_window -------------------------------------------------------------------------------------


def test_take_window_cuts_and_fills_with_zeros():
    full = np.array([1, 2, 3, 4, 5])
    assert take_window(full, (1, 3)).tolist() == [2, 3, 4]
    assert take_window(full, (-2, 4)).tolist() == [0, 0, 1, 2]
    assert take_window(full, (3, 4)).tolist() == [4, 5, 0, 0]
    assert take_window(full, (7, 2)).tolist() == [0, 0]
    grid = np.arange(1, 10).reshape(3, 3)
    assert take_window(grid, (1, 2), (0, 4)).tolist() == [[4, 5, 6, 0], [7, 8, 9, 0]]


@pytest.mark.parametrize("call, error, words", [
    (lambda: take_window(np.ones(3), (0, 2), (0, 2)), ValueError, "one \\(begin, length\\) per axis"),
    (lambda: take_window(np.ones(3), (0, 0)), ValueError, "must be >= 1"),
    (lambda: take_window(np.ones(3), "ab"), TypeError, "pair"),
    (lambda: take_window(np.ones(3), (0.5, 2)), TypeError, "must be an integer"),
    (lambda: transposed_arguments(2, 3, 2, 4, 5), ValueError, "begin must be <= 4"),
    (lambda: transposed_arguments(2, 3, 0, 4, 0), ValueError, "s must be >= 1"),
])
def test_bad_arguments_get_clear_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


# --- the table ---------------------------------------------------------------------------------------


def test_every_listed_option_gives_the_target_by_an_independent_construction():
    rng = np.random.default_rng(31)
    checked = 0
    for n, k, s, length, begin in targets():
        y, w = rng.integers(-4, 5, n).astype(float), rng.integers(-4, 5, k).astype(float)
        want = take_window(numeric.conv_transpose1d(y, w, stride=s), (begin, length))
        table = transposed_arguments(n, k, s, length, begin)
        for option in table.row("PyTorch").options:
            assert np.array_equal(numeric.conv_transpose1d(y, w, stride=s, padding=option["padding"],
                                                           output_padding=option["output_padding"]), want)
        for option in table.row("TensorFlow").options + table.row("Keras").options:
            padding = option["padding"]
            if isinstance(padding, str):
                size = option.get("output_shape") or frameworks.keras_conv_transpose_length(n, k, s, padding, option["output_padding"])
                got = frameworks.tf_conv_transpose2d(y[None], w[None], (1, s), padding.upper(), (1, size))[0]
                assert np.array_equal(got, want), (n, k, s, length, begin, option)
        for option in table.row("JAX").options:
            padding = option["padding"]
            got = (frameworks.jax_conv_transpose(y, w, s, padding, transpose_kernel=True) if isinstance(padding, str)
                   else emulate(y, w, s, *padding))
            assert np.array_equal(got, want), (n, k, s, length, begin, option)
        assert table.row("JAX").can
        checked += 1
    assert checked > 500


def test_pytorch_can_exactly_when_it_crops_no_more_at_the_end_and_gives_back_less_than_s():
    for n, k, s, length, begin in targets():
        end = (n - 1) * s + k - begin - length
        can = transposed_arguments(n, k, s, length, begin).row("PyTorch").can
        assert can == (0 <= begin - end < s), (n, k, s, length, begin)


def test_the_three_cases_of_lesson_08():
    qa = transposed_arguments(2, 3, 2, 4, 0)                   # the Q&A's 'SAME' example
    assert not qa.row("PyTorch").can and "`padding=0`, then keep the first 4" in qa.row("PyTorch").otherwise
    assert {"padding": "SAME", "output_shape": 4} in qa.row("TensorFlow").options
    port = transposed_arguments(3, 3, 2, 6, 1)                 # ConvTranspose2d(k=3, s=2, p=1, output_padding=1)
    assert port.row("PyTorch").options == ({"padding": 1, "output_padding": 1},)
    assert not port.row("Keras").can and "Cropping2D" in port.row("Keras").otherwise
    assert {"padding": "SAME", "output_shape": 6} not in port.row("TensorFlow").options
    dcgan = transposed_arguments(3, 4, 2, 6, 1)                # ConvTranspose2d(k=4, s=2, p=1)
    assert all(row.can for row in dcgan.rows)
    assert {"padding": "SAME"} in dcgan.row("JAX").options and {"auto_pad": "SAME_UPPER"} in dcgan.row("ONNX").options
    text = port._repr_markdown_()
    assert text.count("\n| ") == 1 + len(conventions.FRAMEWORK_CALLS) and "**cannot**" in text


# --- against the frameworks ----------------------------------------------------------------------------


def need(module: str):
    if os.environ.get("COURSE_CROSSCHECK_REQUIRE") == "1":
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=f"{module} is not installed; run `make crosscheck`")


@pytest.mark.crosscheck
def test_every_listed_option_against_the_frameworks():
    torch, tf, keras = need("torch"), need("tensorflow"), need("keras")
    need("jax")
    lax = need("jax.lax")
    need("onnx")
    need("onnxruntime")
    from course_lib.recordings import _onnx_run

    rng = np.random.default_rng(32)
    chosen = [t for t in targets() if t[0] >= 2 and t[1] >= 2 and t[2] >= 2]
    for n, k, s, length, begin in chosen[::3]:
        y, w = rng.integers(-4, 5, n).astype(np.float32), rng.integers(-4, 5, k).astype(np.float32)
        want = take_window(numeric.conv_transpose1d(y, w, stride=s), (begin, length))
        table = transposed_arguments(n, k, s, length, begin)
        label = (n, k, s, length, begin)
        for option in table.row("PyTorch").options:
            got = torch.nn.functional.conv_transpose1d(torch.tensor(y).reshape(1, 1, n), torch.tensor(w).reshape(1, 1, k),
                                                       stride=s, **option)
            np.testing.assert_array_equal(got.numpy().ravel(), want, err_msg=f"{label} {option}")
        for option in table.row("TensorFlow").options:
            padding = option["padding"] if isinstance(option["padding"], str) else [[0, 0], [0, 0], list(option["padding"]), [0, 0]]
            got = tf.nn.conv2d_transpose(y.reshape(1, 1, n, 1), w.reshape(1, k, 1, 1), (1, 1, length, 1), s, padding)
            np.testing.assert_array_equal(got.numpy().ravel(), want, err_msg=f"{label} {option}")
        for option in table.row("Keras").options:
            layer = keras.layers.Conv1DTranspose(1, k, strides=s, use_bias=False, **option)
            layer.build((1, n, 1))
            layer.set_weights([w.reshape(k, 1, 1)])
            np.testing.assert_array_equal(np.asarray(layer(y.reshape(1, n, 1))).ravel(), want, err_msg=f"{label} {option}")
        for option in table.row("JAX").options:
            padding = option["padding"] if isinstance(option["padding"], str) else [option["padding"]]
            got = lax.conv_transpose(y.reshape(1, n, 1), w.reshape(k, 1, 1), (s,), padding,
                                     dimension_numbers=("NWC", "WIO", "NWC"), transpose_kernel=True)
            np.testing.assert_array_equal(np.asarray(got).ravel(), want, err_msg=f"{label} {option}")
        for option in table.row("ONNX").options:
            attributes = {"auto_pad": option["auto_pad"]} if "auto_pad" in option else (
                {"output_shape": [option["output_shape"]]} if "output_shape" in option else
                {"pads": list(option["pads"]), "output_padding": [option["output_padding"]]})
            got, _ = _onnx_run("ConvTranspose", {"X": y.reshape(1, 1, n), "W": w.reshape(1, 1, k)}, strides=[s], **attributes)
            np.testing.assert_array_equal(got.ravel(), want, err_msg=f"{label} {option}")
        if not table.row("Keras").can and "Cropping2D" in table.row("Keras").otherwise:
            full_layer = keras.layers.Conv1DTranspose(1, k, strides=s, padding="valid", use_bias=False)
            full_layer.build((1, n, 1))
            full_layer.set_weights([w.reshape(k, 1, 1)])
            out = full_layer(y.reshape(1, n, 1))
            end = int(out.shape[1]) - begin - length
            cropped = keras.layers.Cropping1D((begin, end))(out)
            np.testing.assert_array_equal(np.asarray(cropped).ravel(), want, err_msg=f"{label} Keras crop")


def test_find_window_finds_the_first_matching_window_or_none():
    full = np.array([1.0, 2.0, 5.0, 4.0, 9.0, 6.0, 9.0])
    for begin, length in [(0, 7), (1, 5), (0, 6), (2, 7), (-1, 3)]:
        assert conventions.find_window(full, take_window(full, (begin, length))) == (begin, length)
    assert conventions.find_window(full, [5, 4, 1]) is None
    assert conventions.find_window([0, 0, 1], [0]) == (-1, 1)       # the first match: a zero before the full output
    with pytest.raises(ValueError, match="1-D"):
        conventions.find_window(np.ones((2, 2)), [1])
