"""Every convention of :mod:`course_lib.frameworks`, and every recording, against the real frameworks.

Run by ``make crosscheck``, which installs the pinned CPU wheels (PyTorch 2.13, TensorFlow 2.21
with Keras 3, JAX 0.10.2, ONNX 1.23 with ONNX Runtime 1.32) and sets
``COURSE_CROSSCHECK_REQUIRE=1``: then a missing framework fails these tests instead of skipping
them. Sweeps are exhaustive over small parameters, or drawn from a seeded generator.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import warnings

import numpy as np
import pytest

from course_lib import arithmetic, frameworks, numeric, recordings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

pytestmark = pytest.mark.crosscheck
REQUIRED = os.environ.get("COURSE_CROSSCHECK_REQUIRE") == "1"


def need(module: str):
    """Import a framework; under ``make crosscheck`` a missing one is an error, not a skip."""
    if REQUIRED:
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=f"{module} is not installed; run `make crosscheck`")


@pytest.fixture(scope="module")
def tf():
    return need("tensorflow")


@pytest.fixture(scope="module")
def keras():
    need("tensorflow")
    return need("keras")


@pytest.fixture(scope="module")
def torch():
    return need("torch")


@pytest.fixture(scope="module")
def jax():
    need("jax")
    return need("jax.lax")


@pytest.fixture(scope="module")
def onnx_run():
    need("onnx")
    need("onnxruntime")
    return recordings._onnx_run


def refuses(call) -> bool:
    try:
        call()
    except Exception:  # noqa: BLE001 - each framework raises its own error types for refused arguments
        return True
    return False


# --- 'same' padding -------------------------------------------------------------------------------


def test_tf_same_padding_against_tensorflow(tf):
    rng = np.random.default_rng(1)
    cases = [(i, k, s, 1) for i, k, s in itertools.product(range(1, 17), range(1, 7), range(1, 5))]
    cases += [(i, k, 1, d) for i, k, d in itertools.product(range(1, 13), range(1, 5), (2, 3))]
    for i, k, s, d in cases:
        x, w = rng.integers(-5, 6, i).astype(float), rng.integers(-5, 6, k).astype(float)
        theirs = tf.nn.conv1d(x.reshape(1, i, 1), w.reshape(k, 1, 1), stride=s, padding="SAME", dilations=d)
        before, after = frameworks.tf_same_padding(i, k, s, d)
        ours = numeric.conv1d(x, w, stride=s, padding=((before, after),), dilation=d)
        np.testing.assert_array_equal(ours, theirs.numpy().ravel(), err_msg=f"i={i}, k={k}, s={s}, d={d}")
    assert frameworks.tf_same_padding(224, 7, 2) == (2, 3)


def test_tf_same_pooling_against_tensorflow(tf):
    for i, k, s in itertools.product(range(1, 13), range(1, 5), range(1, 4)):
        x = np.arange(1.0, i + 1)
        theirs = tf.nn.max_pool1d(x.reshape(1, i, 1), k, s, "SAME").numpy().ravel()
        before, after = frameworks.tf_same_padding(i, k, s)
        padded = np.concatenate([np.full(before, -np.inf), x, np.full(after, -np.inf)])
        ours = [padded[j * s: j * s + k].max() for j in range(-(-i // s))]
        np.testing.assert_array_equal(ours, theirs)


def test_torch_same_padding_against_pytorch(torch):
    F = torch.nn.functional
    rng = np.random.default_rng(2)
    for i, k, d in itertools.product(range(4, 12), range(1, 6), (1, 2, 3)):
        if arithmetic.effective_kernel_size(k, d) > i:
            continue
        x, w = rng.standard_normal(i), rng.standard_normal(k)
        with warnings.catch_warnings():  # PyTorch warns that it copies the input for an even kernel
            warnings.simplefilter("ignore", UserWarning)
            theirs = F.conv1d(torch.tensor(x).reshape(1, 1, i), torch.tensor(w).reshape(1, 1, k), padding="same", dilation=d)
        ours = numeric.conv1d(x, w, padding=(frameworks.torch_same_padding(k, 1, d),), dilation=d)
        np.testing.assert_allclose(ours, theirs.numpy().ravel(), atol=1e-12)
    for s in (2, 3):
        assert refuses(lambda: F.conv1d(torch.ones(1, 1, 8), torch.ones(1, 1, 3), stride=s, padding="same"))
        with pytest.raises(frameworks.FrameworkRefusal):
            frameworks.torch_same_padding(3, s)


# --- transposed convolution -------------------------------------------------------------------------


def test_tf_conv_transpose_sizes_and_values_against_tensorflow(tf):
    rng = np.random.default_rng(3)
    compared = 0
    # TensorFlow's CPU kernels refuse dilated transposed convolutions, so d = 1 throughout
    cases = [(n, k, s, 1) for n, k, s in itertools.product(range(1, 5), range(1, 6), range(1, 4))]
    for (n, k, s, d), mode in itertools.product(cases, ("SAME", "VALID")):
        y, w = rng.integers(-5, 6, n).astype(float), rng.integers(-5, 6, k).astype(float)
        accepted = frameworks.tf_conv_transpose_output_sizes(n, k, s, mode, d)
        for o in range(1, n * s + arithmetic.effective_kernel_size(k, d) + s + 1):
            call = lambda: tf.nn.conv1d_transpose(y.reshape(1, n, 1), w.reshape(k, 1, 1), output_shape=(1, o, 1),
                                                  strides=s, padding=mode, dilations=d).numpy().ravel()
            if o not in accepted:
                assert refuses(call), f"TensorFlow accepts o={o} for n={n}, k={k}, s={s}, {mode}, d={d}"
                with pytest.raises(frameworks.FrameworkRefusal):
                    frameworks.tf_conv_transpose2d(y[None], w[None], (1, s), mode, (1, o), dilation=(1, d))
                continue
            ours = frameworks.tf_conv_transpose2d(y[None], w[None], (1, s), mode, (1, o), dilation=(1, d))[0]
            np.testing.assert_array_equal(ours, call(), err_msg=f"n={n}, k={k}, s={s}, {mode}, d={d}, o={o}")
            compared += 1
    assert compared > 200


def test_tf_conv_transpose_2d_with_channels_and_tensorflows_filter_layout(tf):
    rng = np.random.default_rng(4)
    for _ in range(20):
        c_in, c_out = rng.integers(1, 4, 2)
        n, k, s = rng.integers(2, 5), rng.integers(1, 5), rng.integers(1, 4)
        mode = rng.choice(["SAME", "VALID"])
        y = rng.integers(-3, 4, (c_in, n, n + 1)).astype(float)
        w = rng.integers(-3, 4, (c_in, c_out, k, k)).astype(float)           # PyTorch ConvTranspose2d layout
        o = tuple(frameworks.tf_conv_transpose_output_sizes(m, k, s, mode)[0] for m in (n, n + 1))
        filt = frameworks.convert_weight(w, frameworks.WEIGHT_LAYOUTS["pytorch", "conv_transpose"],
                                         frameworks.WEIGHT_LAYOUTS["tensorflow", "conv_transpose"])
        theirs = tf.nn.conv2d_transpose(np.moveaxis(y, 0, -1)[None], filt, output_shape=(1, *o, c_out),
                                        strides=int(s), padding=str(mode)).numpy()[0]
        ours = frameworks.tf_conv_transpose2d(y, w, int(s), str(mode), o)
        np.testing.assert_allclose(ours, np.moveaxis(theirs, -1, 0), atol=1e-9)


def test_keras_conv_transpose_lengths_against_keras(keras):
    cases = [(n, k, s, 1) for n, k, s in itertools.product(range(1, 4), range(1, 6), range(1, 4))]
    cases += [(2, 3, 1, 2), (3, 2, 1, 2), (2, 2, 1, 3), (3, 3, 2, 2)]
    checked = refused = 0
    for (n, k, s, d), padding in itertools.product(cases, ("valid", "same")):
        for a in (None, *range(s + 1)):
            theirs = recordings.keras_length_or_error(n, k, s, padding, a, d)
            try:
                ours = frameworks.keras_conv_transpose_length(n, k, s, padding, a, d)
            except frameworks.FrameworkRefusal:
                assert isinstance(theirs, str), f"Keras gives {theirs} for {(n, k, s, padding, a, d)}"
                refused += 1
                continue
            assert ours == theirs, f"n={n}, k={k}, s={s}, {padding}, output_padding={a}, d={d}"
            checked += 1
    assert checked > 200 and refused > 50


def test_torch_conv_transpose_lengths_against_pytorch(torch):
    F = torch.nn.functional
    for n, k, s, p, d in itertools.product(range(1, 4), range(1, 5), range(1, 4), range(0, 4), (1, 2)):
        for a in range(max(s, d) + 1):
            call = lambda: F.conv_transpose1d(torch.ones(1, 1, n), torch.ones(1, 1, k), stride=s, padding=p,
                                              output_padding=a, dilation=d).shape[-1]
            try:
                ours = frameworks.torch_conv_transpose_length(n, k, s, p, a, d)
            except frameworks.FrameworkRefusal:
                assert refuses(call), (n, k, s, p, a, d)
                continue
            assert ours == call(), (n, k, s, p, a, d)


def test_onnx_conv_transpose_auto_pad_against_onnx_runtime(onnx_run):
    rng = np.random.default_rng(5)
    compared = 0
    for n, k, s in itertools.product(range(1, 4), range(1, 5), range(1, 4)):
        y, w = rng.integers(-4, 5, n).astype(float), rng.integers(-4, 5, k).astype(float)
        full = numeric.conv_transpose1d(y, w, stride=s)
        for mode in ("NOTSET", "SAME_UPPER", "SAME_LOWER"):
            sizes = [None] if mode != "NOTSET" else []
            sizes += list(range(max(1, len(full) - 3), len(full) + 1))
            for o in sizes:
                extra = {} if o is None else {"output_shape": [o]}
                theirs, _ = onnx_run("ConvTranspose", {"X": y.reshape(1, 1, n), "W": w.reshape(1, 1, k)},
                                     strides=[s], auto_pad=mode, **extra)
                begin, end = frameworks.onnx_conv_transpose_pads(n, k, s, mode, o)
                np.testing.assert_array_equal(full[begin: len(full) - end], theirs.ravel(),
                                              err_msg=f"n={n}, k={k}, s={s}, {mode}, o={o}")
                compared += 1
    assert compared > 300


def test_jax_conv_transpose_against_jax(jax):
    rng = np.random.default_rng(6)
    for _ in range(60):
        nd = int(rng.integers(1, 3))
        shape, kernel = tuple(rng.integers(1, 5, nd)), tuple(rng.integers(1, 5, nd))
        strides = tuple(int(v) for v in rng.integers(1, 4, nd))
        y, w = rng.integers(-4, 5, shape).astype(np.float32), rng.integers(-4, 5, kernel).astype(np.float32)
        spec = {1: ("NHC", "HIO", "NHC"), 2: ("NHWC", "HWIO", "NHWC")}[nd]
        for padding, flag in itertools.product(("SAME", "VALID"), (False, True)):
            theirs = jax.conv_transpose(y[None, ..., None], w[..., None, None], strides, padding,
                                        dimension_numbers=spec, transpose_kernel=flag)
            ours = frameworks.jax_conv_transpose(y, w, strides, padding, transpose_kernel=flag)
            np.testing.assert_array_equal(ours, np.asarray(theirs)[0, ..., 0], err_msg=f"{shape}, {kernel}, {strides}, {padding}, {flag}")
            if flag and padding == "VALID":  # the rotated kernel: PyTorch's full output, zeros after it
                conv_t = numeric.conv_transpose1d if nd == 1 else numeric.conv_transpose2d
                full = conv_t(y, w, stride=strides[0] if nd == 1 else strides)
                assert np.array_equal(ours[tuple(slice(0, m) for m in full.shape)], full)
                assert ours.sum() == full.sum()


# --- pooling -----------------------------------------------------------------------------------------


def test_torch_pool_output_size_against_pytorch(torch):
    F = torch.nn.functional
    for i, k, s, p, ceil in itertools.product(range(1, 10), range(1, 5), range(1, 5), range(0, 3), (False, True)):
        call = lambda: F.max_pool1d(torch.ones(1, 1, i), k, s, padding=p, ceil_mode=ceil).shape[-1]
        try:
            ours = frameworks.torch_pool_output_size(i, k, s, p, ceil)
        except (frameworks.FrameworkRefusal, ValueError):
            if 2 * p > k:
                assert refuses(call)
            continue
        assert ours == call(), (i, k, s, p, ceil)
    for i, k in itertools.product(range(1, 10), range(1, 5)):   # stride defaults to the window
        if k <= i:
            assert frameworks.torch_pool_output_size(i, k) == F.max_pool1d(torch.ones(1, 1, i), k).shape[-1]


# --- weight layouts and pixel shuffle -----------------------------------------------------------------


def _random_conv(rng):
    c_in, c_out, k, n = (int(v) for v in rng.integers(1, 4, 2).tolist() + [rng.integers(1, 4), rng.integers(3, 6)])
    x = rng.integers(-3, 4, (c_in, n, n)).astype(np.float32)
    w = rng.integers(-3, 4, (c_out, c_in, k, k)).astype(np.float32)      # PyTorch Conv2d layout
    return x, w


def test_weight_layouts_against_every_framework(tf, keras, jax, onnx_run):
    rng = np.random.default_rng(7)
    layouts = frameworks.WEIGHT_LAYOUTS
    for _ in range(6):
        x, w = _random_conv(rng)
        conv = numeric.conv2d(x, w)
        g = rng.integers(-3, 4, conv.shape).astype(np.float32)
        conv_t = numeric.conv_transpose2d(g, w)                            # w read as (C_in', C_out', k, k)
        # the same array is (C_out, C_in) of the convolution and (C_in', C_out') of its transpose
        as_ = lambda fw, op: frameworks.convert_weight(w, "OIHW" if op == "conv" else "IOHW", layouts[fw, op])
        nhwc = lambda a: np.moveaxis(a, 0, -1)[None]
        chw = lambda a: np.moveaxis(np.asarray(a)[0], -1, 0)
        np.testing.assert_allclose(chw(tf.nn.conv2d(nhwc(x), as_("tensorflow", "conv"), 1, "VALID")), conv)
        np.testing.assert_allclose(chw(tf.nn.conv2d_transpose(nhwc(g), as_("tensorflow", "conv_transpose"),
                                                              (1, *conv_t.shape[1:], conv_t.shape[0]), 1, "VALID")), conv_t)
        layer = keras.layers.Conv2D(w.shape[0], w.shape[2:], use_bias=False)
        layer.build((1, *x.shape[1:], x.shape[0]))
        layer.set_weights([as_("keras", "conv")])
        np.testing.assert_allclose(chw(layer(nhwc(x))), conv)
        layer = keras.layers.Conv2DTranspose(conv_t.shape[0], w.shape[2:], use_bias=False)
        layer.build((1, *g.shape[1:], g.shape[0]))
        layer.set_weights([as_("keras", "conv_transpose")])
        np.testing.assert_allclose(chw(layer(nhwc(g))), conv_t)
        np.testing.assert_allclose(np.asarray(jax.conv_general_dilated(x[None], as_("jax", "conv"), (1, 1), "VALID"))[0], conv)
        np.testing.assert_allclose(chw(jax.conv_transpose(nhwc(g), as_("jax", "conv_transpose, transpose_kernel=True"),
                                                          (1, 1), "VALID", transpose_kernel=True)), conv_t)
        flipped = w[:, :, ::-1, ::-1]   # without the flag JAX correlates: give it the rotated kernel
        np.testing.assert_allclose(chw(jax.conv_transpose(nhwc(g), frameworks.convert_weight(flipped, "IOHW", layouts["jax", "conv_transpose"]),
                                                          (1, 1), "VALID")), conv_t)
        np.testing.assert_allclose(onnx_run("Conv", {"X": x[None], "W": as_("onnx", "conv")})[0][0], conv)
        np.testing.assert_allclose(onnx_run("ConvTranspose", {"X": g[None], "W": as_("onnx", "conv_transpose")})[0][0], conv_t)


def test_weight_layouts_against_pytorch(torch):
    rng = np.random.default_rng(8)
    x, w = _random_conv(rng)
    conv = numeric.conv2d(x, w)
    assert frameworks.WEIGHT_LAYOUTS["pytorch", "conv"] == "OIHW" == frameworks.WEIGHT_LAYOUTS["pytorch", "conv"]
    theirs = torch.nn.functional.conv2d(torch.tensor(x)[None], torch.tensor(w))[0].numpy()
    np.testing.assert_allclose(theirs, conv)
    g = rng.integers(-3, 4, conv.shape).astype(np.float32)
    w_t = frameworks.convert_weight(w, "IOHW", frameworks.WEIGHT_LAYOUTS["pytorch", "conv_transpose"])
    theirs = torch.nn.functional.conv_transpose2d(torch.tensor(g)[None], torch.tensor(w_t))[0].numpy()
    np.testing.assert_allclose(theirs, numeric.conv_transpose2d(g, w))


def test_pixel_shuffle_orders_against_every_framework(tf, torch, onnx_run):
    rng = np.random.default_rng(9)
    orders = frameworks.PIXEL_SHUFFLE_ORDERS
    for c, r in itertools.product((1, 2, 3), (2, 3)):
        x = rng.integers(-9, 10, (c * r * r, 2, 3)).astype(np.float32)
        theirs = {
            "pytorch pixel_shuffle": torch.nn.functional.pixel_shuffle(torch.tensor(x)[None], r)[0].numpy(),
            "tensorflow depth_to_space": np.moveaxis(tf.nn.depth_to_space(np.moveaxis(x, 0, -1)[None], r).numpy()[0], -1, 0),
            "onnx DepthToSpace (default)": onnx_run("DepthToSpace", {"X": x[None]}, blocksize=r)[0][0],
            "onnx DepthToSpace mode='CRD'": onnx_run("DepthToSpace", {"X": x[None]}, blocksize=r, mode="CRD")[0][0],
        }
        assert set(theirs) == set(orders)
        for name, result in theirs.items():
            np.testing.assert_array_equal(numeric.pixel_shuffle(x, r, orders[name]), result, err_msg=f"{name}, C={c}, r={r}")


# --- the recordings ---------------------------------------------------------------------------------


def test_every_recording_is_what_the_framework_gives_now(tf, keras, torch, jax, onnx_run):
    stored = json.loads(recordings.DATA_FILE.read_text(encoding="utf-8"))["recordings"]
    assert list(stored) == list(recordings.RECIPES), "run `python -m course_lib.recordings --write`"
    fresh = recordings.record()
    for name, entry in stored.items():
        assert fresh[name] == entry, f"{name}: recorded {entry}, now {fresh[name]}"


# --- lesson 08: the window of the full scatter output each framework returns -----------------------


def _full_and_window(rng, n, k, s):
    from course_lib.conventions import take_window

    y, w = rng.integers(-4, 5, n).astype(float), rng.integers(-4, 5, k).astype(float)
    full = numeric.conv_transpose1d(y, w, stride=s)
    return y, w, lambda window: take_window(full, window)


def test_torch_conv_transpose_output_size_and_window_against_pytorch(torch):
    rng = np.random.default_rng(21)
    checked = 0
    for n, k, s, p in itertools.product(range(1, 4), range(1, 5), range(1, 4), range(0, 4)):
        y, w, window_of = _full_and_window(rng, n, k, s)
        layer = torch.nn.ConvTranspose1d(1, 1, k, stride=s, padding=p, bias=False)
        with torch.no_grad():
            layer.weight.copy_(torch.tensor(w).reshape(1, 1, k))
        x = torch.tensor(y, dtype=torch.float32).reshape(1, 1, n)
        for o in range(1, (n - 1) * s + k + s + 1):
            call = lambda: layer(x, output_size=[o]).detach().numpy().ravel()
            try:
                window = frameworks.torch_conv_transpose_window(n, k, s, p, output_size=o)
            except frameworks.FrameworkRefusal:
                assert refuses(call), (n, k, s, p, o)
                continue
            np.testing.assert_array_equal(call(), window_of(window), err_msg=f"n={n}, k={k}, s={s}, p={p}, o={o}")
            checked += 1
        for a in range(s):
            try:
                window = frameworks.torch_conv_transpose_window(n, k, s, p, a)
            except frameworks.FrameworkRefusal:
                continue
            theirs = torch.nn.functional.conv_transpose1d(x.double(), torch.tensor(w).reshape(1, 1, k), stride=s,
                                                          padding=p, output_padding=a)
            np.testing.assert_array_equal(theirs.numpy().ravel(), window_of(window))
    assert checked > 100
    assert list(frameworks.torch_conv_transpose_output_sizes(3, 3, 1, 0, 2)) == [7]   # d = 2 > s: still one size


def test_tf_conv_transpose_window_against_tensorflow(tf):
    rng = np.random.default_rng(22)
    checked = refused = 0
    for n, k, s in itertools.product(range(1, 4), range(1, 5), range(1, 4)):
        y, w, window_of = _full_and_window(rng, n, k, s)
        paddings = ["SAME", "VALID"] + list(itertools.product(range(3), range(3)))
        for padding, o in itertools.product(paddings, range(1, (n - 1) * s + k + s + 1)):
            tf_padding = padding if isinstance(padding, str) else [[0, 0], [0, 0], list(padding), [0, 0]]
            call = lambda: tf.nn.conv2d_transpose(y.reshape(1, 1, n, 1), w.reshape(1, k, 1, 1), output_shape=(1, 1, o, 1),
                                                  strides=s, padding=tf_padding).numpy().ravel()
            try:
                window = frameworks.tf_conv_transpose_window(n, k, s, padding, o)
            except frameworks.FrameworkRefusal:
                assert refuses(call), (n, k, s, padding, o)
                refused += 1
                continue
            np.testing.assert_array_equal(call(), window_of(window), err_msg=f"n={n}, k={k}, s={s}, {padding}, o={o}")
            checked += 1
    assert checked > 300 and refused > 300


def test_keras_conv_transpose_window_against_keras(keras):
    rng = np.random.default_rng(23)
    checked = 0
    for n, k, s in itertools.product(range(1, 4), range(1, 5), range(1, 4)):
        y, w, window_of = _full_and_window(rng, n, k, s)
        for padding, a in itertools.product(("valid", "same"), (None, *range(s))):
            try:
                window = frameworks.keras_conv_transpose_window(n, k, s, padding, a)
            except frameworks.FrameworkRefusal:
                continue                      # the refusals: test_keras_conv_transpose_lengths_against_keras
            layer = keras.layers.Conv1DTranspose(1, k, strides=s, padding=padding, output_padding=a, use_bias=False)
            layer.build((1, n, 1))
            layer.set_weights([w.reshape(k, 1, 1).astype("float32")])
            theirs = np.asarray(layer(y.reshape(1, n, 1).astype("float32"))).ravel()
            np.testing.assert_array_equal(theirs, window_of(window), err_msg=f"n={n}, k={k}, s={s}, {padding}, {a}")
            checked += 1
    assert checked > 150


def test_jax_conv_transpose_window_against_jax(jax):
    rng = np.random.default_rng(24)
    checked = 0
    for n, k, s in itertools.product(range(1, 4), range(1, 5), range(1, 4)):
        y, w, window_of = _full_and_window(rng, n, k, s)
        paddings = ["SAME", "VALID"] + list(itertools.product(range(-1, k + 2), range(-1, k + 2)))
        for padding in paddings:
            try:
                window = frameworks.jax_conv_transpose_window(n, k, s, padding)
            except frameworks.FrameworkRefusal:
                continue
            jax_padding = padding if isinstance(padding, str) else [padding]
            theirs = jax.conv_transpose(y.reshape(1, n, 1).astype(np.float32), w.reshape(k, 1, 1).astype(np.float32), (s,),
                                        jax_padding, dimension_numbers=("NWC", "WIO", "NWC"), transpose_kernel=True)
            np.testing.assert_array_equal(np.asarray(theirs).ravel(), window_of(window), err_msg=f"n={n}, k={k}, s={s}, {padding}")
            checked += 1
    assert checked > 500


def test_onnx_conv_transpose_window_against_onnx_runtime(onnx_run):
    rng = np.random.default_rng(25)
    checked = 0
    for n, k, s in itertools.product(range(1, 4), range(1, 5), range(1, 4)):
        y, w, window_of = _full_and_window(rng, n, k, s)
        for pads, a in itertools.product(itertools.product(range(3), range(3)), range(s)):
            try:
                window = frameworks.onnx_conv_transpose_window(n, k, s, pads, a)
            except frameworks.FrameworkRefusal:
                continue
            theirs, _ = onnx_run("ConvTranspose", {"X": y.reshape(1, 1, n), "W": w.reshape(1, 1, k)}, strides=[s],
                                 pads=list(pads), output_padding=[a])
            np.testing.assert_array_equal(theirs.ravel(), window_of(window), err_msg=f"n={n}, k={k}, s={s}, {pads}, {a}")
            checked += 1
        for mode in ("SAME_UPPER", "SAME_LOWER"):
            theirs, _ = onnx_run("ConvTranspose", {"X": y.reshape(1, 1, n), "W": w.reshape(1, 1, k)}, strides=[s], auto_pad=mode)
            np.testing.assert_array_equal(theirs.ravel(), window_of(frameworks.onnx_conv_transpose_window(n, k, s, auto_pad=mode)))
    assert checked > 300


def test_space_to_depth_orders_against_every_framework(tf, torch, onnx_run):
    rng = np.random.default_rng(26)
    orders = frameworks.SPACE_TO_DEPTH_ORDERS
    for c, r in itertools.product((1, 2, 3), (2, 3)):
        y = rng.integers(-9, 10, (c, 2 * r, 3 * r)).astype(np.float32)
        theirs = {
            "pytorch pixel_unshuffle": torch.nn.functional.pixel_unshuffle(torch.tensor(y)[None], r)[0].numpy(),
            "tensorflow space_to_depth": np.moveaxis(tf.nn.space_to_depth(np.moveaxis(y, 0, -1)[None], r).numpy()[0], -1, 0),
            "onnx SpaceToDepth": onnx_run("SpaceToDepth", {"X": y[None]}, blocksize=r)[0][0],
        }
        assert set(theirs) == set(orders)
        for name, result in theirs.items():
            np.testing.assert_array_equal(numeric.pixel_unshuffle(y, r, orders[name]), result, err_msg=f"{name}, C={c}, r={r}")
    assert refuses(lambda: onnx_run("SpaceToDepth", {"X": np.zeros((1, 4, 2, 2))}, blocksize=2, mode="CRD"))
