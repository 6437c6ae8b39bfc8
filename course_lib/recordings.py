"""Outputs recorded from the real frameworks, which the lessons show as those frameworks' outputs.

A lesson that says "TensorFlow gives this array" shows a :class:`Recording`: the call, the
framework and version that ran it, and what came back (a value or the error it raised). The
values live in ``course_lib/data/framework_outputs.json`` so that the lessons run without any
framework installed. Each recording is made by one recipe below; ``make crosscheck`` runs every
recipe again on the pinned frameworks and fails on any difference
(``tests/test_crosscheck_frameworks.py``), and ``python -m course_lib.recordings --write``
rewrites the file after a recipe changes.

This module imports no framework at import time; each recipe imports its own.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Recording", "recorded", "names", "record", "DATA_FILE"]

DATA_FILE = Path(__file__).resolve().parent / "data" / "framework_outputs.json"


@dataclass(frozen=True)
class Recording:
    """One call to a real framework and what it returned or raised.

    ``output`` is JSON (numbers, lists, strings, dicts); ``error`` is ``"ErrorType: first line"``
    when the call raised, else None. :attr:`array` gives a numeric output as a numpy array.
    """

    name: str
    framework: str
    call: str
    output: object
    error: str | None

    @property
    def array(self) -> np.ndarray:
        """The output as a numpy array (it raises ValueError for an error recording).

        Examples
        --------
        >>> recorded("tensorflow conv2d_transpose SAME 2x2 -> 4x4").array.shape
        (4, 4)
        """
        if self.error is not None:
            raise ValueError(f"recording {self.name!r} is an error, not an array: {self.error}")
        return np.asarray(self.output)

    def _repr_markdown_(self) -> str:
        result = f"raised `{self.error}`" if self.error else f"returned `{json.dumps(self.output)}`"
        return f"**{self.framework}** (recorded): `{self.call}` {result}"

    def __repr__(self) -> str:
        result = f"raised {self.error}" if self.error else f"returned {json.dumps(self.output)}"
        return f"{self.framework}: {self.call} {result}"


def _load() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def names() -> list[str]:
    """The names of all recordings, in the file's order.

    Examples
    --------
    >>> "tensorflow has conv2d_backprop_filter" in names()
    True
    """
    return list(_load()["recordings"])


def recorded(name: str) -> Recording:
    """The stored recording ``name``.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    Recording

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If there is no recording of that name.

    Examples
    --------
    >>> recorded("jax conv_transpose VALID transpose_kernel=True").output
    [1.0, 2.0, 5.0, 4.0, 9.0, 6.0, 9.0]
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__} {name!r}")
    data = _load()
    if name not in data["recordings"]:
        raise ValueError(f"name must be one of the recorded calls {sorted(data['recordings'])}, got {name!r}")
    entry = data["recordings"][name]
    return Recording(name=name, framework=entry["framework"], call=entry["call"],
                     output=entry.get("output"), error=entry.get("error"))


# --- recipes: each runs one framework and returns (call text, value) -------------------------------


def _plain(value):
    """A framework's value as JSON: arrays as nested lists of Python numbers."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.generic,)):
        return value.item()
    return value


def _error_text(err: Exception) -> str:
    """``"ErrorType: message"``: TensorFlow's op message when there is one, else the first line."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(err))
    op_message = re.search(r"\{\{function_node [^}]*\}\}\s*(.*?)\s*\[Op:", text, re.S)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    message = op_message.group(1) if op_message else (lines[0] if lines else "")
    return f"{type(err).__name__}: {' '.join(message.split())}"[:300]


def _quiet_tensorflow_environment():
    """TensorFlow's logs off, and its reference CPU kernels instead of oneDNN's, whose errors
    depend on the processor and say less (``make crosscheck`` sets the same)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def _tf():
    _quiet_tensorflow_environment()
    import tensorflow as tf

    return tf, f"TensorFlow {tf.__version__}"


def _keras():
    _quiet_tensorflow_environment()
    import keras

    return keras, f"Keras {keras.__version__} (TensorFlow backend)"


def _torch():
    import torch

    return torch, f"PyTorch {torch.__version__.split('+')[0]}"


def _jax():
    import jax

    return jax, f"JAX {jax.__version__}"


def _onnx_run(op: str, inputs: dict, **attributes):
    import onnxruntime
    from onnx import TensorProto, helper

    node = helper.make_node(op, list(inputs), ["Y"], **attributes)
    graph = helper.make_graph(
        [node], "recording",
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, list(value.shape)) for name, value in inputs.items()],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    model.ir_version = 10
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    result = session.run(None, {name: value.astype(np.float32) for name, value in inputs.items()})[0]
    return result, f"ONNX Runtime {onnxruntime.__version__}"


def _tf_same_strided():
    tf, version = _tf()
    x = tf.reshape(tf.range(1, 225, dtype=tf.float64), (1, 224, 1))
    w = tf.ones((7, 1, 1), dtype=tf.float64)
    y = tf.nn.conv1d(x, w, stride=2, padding="SAME")
    return version, "tf.nn.conv1d(x = 1..224, w = ones(7), stride=2, padding='SAME')", y.numpy().ravel()


def _tf_conv1d_small(padding):
    def recipe():
        tf, version = _tf()
        x = tf.reshape(tf.range(1, 9, dtype=tf.float64), (1, 8, 1))
        w = tf.constant([1.0, 10.0, 100.0], dtype=tf.float64, shape=(3, 1, 1))
        y = tf.nn.conv1d(x, w, stride=2, padding=padding)
        return version, f"tf.nn.conv1d(x = 1..8, w = [1, 10, 100], stride=2, padding='{padding}')", y.numpy().ravel()
    return recipe


def _torch_pad1_small():
    torch, version = _torch()
    x = torch.arange(1, 9, dtype=torch.float64).reshape(1, 1, 8)
    w = torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64).reshape(1, 1, 3)
    y = torch.nn.functional.conv1d(x, w, stride=2, padding=1)
    return version, "F.conv1d(x = 1..8, w = [1, 10, 100], stride=2, padding=1)", y.numpy().ravel()


def _torch_same_strided():
    torch, version = _torch()
    x = torch.ones(1, 1, 8)
    w = torch.ones(1, 1, 3)
    return version, "F.conv1d(ones(8), ones(3), stride=2, padding='same')", lambda: torch.nn.functional.conv1d(
        x, w, stride=2, padding="same")


def _tf_transpose_qa():
    tf, version = _tf()
    y = tf.constant([[1.0, 2.0], [3.0, 4.0]], shape=(1, 2, 2, 1))
    w = tf.ones((3, 3, 1, 1))
    out = tf.nn.conv2d_transpose(y, w, output_shape=(1, 4, 4, 1), strides=2, padding="SAME")
    return version, ("tf.nn.conv2d_transpose([[1, 2], [3, 4]], ones(3, 3), output_shape=4×4, strides=2, "
                     "padding='SAME')"), out.numpy()[0, :, :, 0]


def _tf_transpose_sizes():
    tf, version = _tf()
    y, w = tf.ones((1, 3, 1)), tf.ones((3, 1, 1))
    accepted = {}
    for padding in ("SAME", "VALID"):
        accepted[padding] = []
        for o in range(1, 13):
            try:
                tf.nn.conv1d_transpose(y, w, output_shape=(1, o, 1), strides=2, padding=padding)
            except Exception:  # noqa: BLE001 - TensorFlow raises several error types for a refused shape
                continue
            accepted[padding].append(o)
    return version, "tf.nn.conv1d_transpose(ones(3), ones(3), output_shape=o, strides=2, padding) for o = 1..12", accepted


def _tf_backprop_filter():
    tf, version = _tf()
    return version, "hasattr(tf.nn, 'conv2d_backprop_filter'), hasattr(tf.compat.v1.nn, 'conv2d_backprop_filter')", [
        hasattr(tf.nn, "conv2d_backprop_filter"), hasattr(tf.compat.v1.nn, "conv2d_backprop_filter")]


KERAS_CASES = (
    (3, 3, 2, "same", None), (3, 3, 2, "same", 0), (3, 3, 2, "same", 1),
    (3, 4, 2, "same", None), (3, 4, 2, "same", 0), (3, 4, 2, "same", 1),
    (3, 2, 3, "valid", None), (3, 2, 3, "valid", 0),
    (3, 3, 1, "same", None), (3, 3, 1, "same", 0), (3, 4, 1, "same", None), (3, 4, 1, "same", 0),
    (3, 3, 2, "same", 2),
)
"""(n, kernel_size, strides, padding, output_padding) of the Keras lengths the lessons show."""


def keras_length_or_error(n, k, s, padding, output_padding, dilation=1):
    """What Keras's ``Conv1DTranspose`` gives for an input of length n: its length, or the error text."""
    keras, _ = _keras()
    try:
        layer = keras.layers.Conv1DTranspose(1, k, strides=s, padding=padding, output_padding=output_padding,
                                             dilation_rate=dilation)
        return int(layer(np.ones((1, n, 1), dtype="float32")).shape[1])
    except Exception as err:  # noqa: BLE001 - Keras and its backend raise several error types
        return _error_text(err)


def _keras_lengths():
    _, version = _keras()
    rows = [[n, k, s, padding, a, keras_length_or_error(n, k, s, padding, a)] for n, k, s, padding, a in KERAS_CASES]
    return version, "keras.layers.Conv1DTranspose(1, k, strides=s, padding, output_padding)(ones(n)).shape[1]", rows


def _jax_transpose(padding, transpose_kernel):
    def recipe():
        jax, version = _jax()
        y = jax.numpy.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
        w = jax.numpy.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
        out = jax.lax.conv_transpose(y, w, (2,), padding, dimension_numbers=("NWC", "WIO", "NWC"),
                                     transpose_kernel=transpose_kernel)
        return version, (f"jax.lax.conv_transpose([1, 2, 3], [1, 2, 3], strides=(2,), padding='{padding}', "
                         f"transpose_kernel={transpose_kernel})"), np.asarray(out).ravel()
    return recipe


def _torch_transpose_123():
    torch, version = _torch()
    y = torch.tensor([[[1.0, 2.0, 3.0]]])
    out = torch.nn.functional.conv_transpose1d(y, torch.tensor([[[1.0, 2.0, 3.0]]]), stride=2)
    return version, "F.conv_transpose1d([1, 2, 3], [1, 2, 3], stride=2)", out.numpy().ravel()


def _onnx_transpose(auto_pad):
    def recipe():
        y = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3)
        out, version = _onnx_run("ConvTranspose", {"X": y, "W": y.copy()}, strides=[2], auto_pad=auto_pad)
        return version, f"ConvTranspose([1, 2, 3], W = [1, 2, 3], strides=[2], auto_pad='{auto_pad}')", out.ravel()
    return recipe


def _torch_pixel_shuffle():
    torch, version = _torch()
    t = torch.arange(8.0).reshape(1, 8, 1, 1)
    return version, "F.pixel_shuffle(arange(8) as 8 channels of 1×1, 2)", torch.nn.functional.pixel_shuffle(t, 2)[0].numpy()


def _tf_depth_to_space():
    tf, version = _tf()
    t = tf.reshape(tf.range(8.0), (1, 1, 1, 8))                 # NHWC
    out = tf.transpose(tf.nn.depth_to_space(t, 2)[0], (2, 0, 1))  # back to (C, H, W)
    return version, "tf.nn.depth_to_space(arange(8) as 8 channels of 1×1, 2), shown as (C, H, W)", out.numpy()


def _onnx_depth_to_space(mode):
    def recipe():
        t = np.arange(8.0).reshape(1, 8, 1, 1)
        out, version = _onnx_run("DepthToSpace", {"X": t}, blocksize=2, **({} if mode == "DCR" else {"mode": mode}))
        label = "default mode" if mode == "DCR" else f"mode='{mode}'"
        return version, f"DepthToSpace(arange(8) as 8 channels of 1×1, blocksize=2, {label})", out[0]
    return recipe


def _torch_pool(call_text, make):
    def recipe():
        torch, version = _torch()
        return version, call_text, lambda: make(torch)
    return recipe


def _torch_output_padding_refusal():
    torch, version = _torch()
    return version, "F.conv_transpose1d(ones(3), ones(3), stride=1, output_padding=1)", lambda: (
        torch.nn.functional.conv_transpose1d(torch.ones(1, 1, 3), torch.ones(1, 1, 3), stride=1, output_padding=1))


_FIGURE_1_1_INPUT = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
_FIGURE_1_1_KERNEL = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
"""The guide's Figure 1.1: input and kernel drawn with seed 1234 (``draw.guide_values(5, 3)``)."""


def _torch_conv2d_figure_1_1():
    torch, version = _torch()
    x = torch.tensor(_FIGURE_1_1_INPUT, dtype=torch.float64)[None, None]
    w = torch.tensor(_FIGURE_1_1_KERNEL, dtype=torch.float64)[None, None]
    return version, "F.conv2d(x, w) with Figure 1.1's x (5×5) and w (3×3)", torch.nn.functional.conv2d(x, w)[0, 0].numpy()


def _tf_conv2d_figure_1_1():
    tf, version = _tf()
    x = tf.constant(_FIGURE_1_1_INPUT, dtype=tf.float64)[None, :, :, None]     # NHWC
    w = tf.constant(_FIGURE_1_1_KERNEL, dtype=tf.float64)[:, :, None, None]    # HWIO
    y = tf.nn.conv2d(x, w, strides=1, padding="VALID")
    return version, "tf.nn.conv2d(x, w, strides=1, padding='VALID') with Figure 1.1's x (5×5) and w (3×3)", y[0, :, :, 0].numpy()


def _torch_conv2d_shapes():
    torch, version = _torch()
    layer = torch.nn.Conv2d(2, 3, 3)
    out = layer(torch.zeros(1, 2, 8, 6))
    return version, "nn.Conv2d(2, 3, 3)(zeros(1, 2, 8, 6)): shapes of weight, bias, output", {
        "weight": list(layer.weight.shape), "bias": list(layer.bias.shape), "output": list(out.shape)}


def _keras_conv2d_shapes():
    keras, version = _keras()
    layer = keras.layers.Conv2D(3, 3, padding="valid")
    out = layer(np.zeros((1, 8, 6, 2), dtype="float32"))
    return version, "keras.layers.Conv2D(3, 3, padding='valid')(zeros(1, 8, 6, 2)): shapes of kernel, bias, output", {
        "kernel": [int(n) for n in layer.kernel.shape], "bias": [int(n) for n in layer.bias.shape],
        "output": [int(n) for n in out.shape]}


def _torch_output_padding_crop():
    torch, version = _torch()
    y = torch.ones(1, 1, 1, 1, dtype=torch.float64)
    w = torch.arange(1.0, 10.0, dtype=torch.float64).reshape(1, 1, 3, 3)
    out = torch.nn.functional.conv_transpose2d(y, w, stride=2, padding=1, output_padding=1)
    return version, "F.conv_transpose2d([[1]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]], stride=2, padding=1, output_padding=1)", \
        out[0, 0].numpy()


def _torch_output_padding_zeros():
    torch, version = _torch()
    y, w = torch.ones(1, 1, 2, 2, dtype=torch.float64), torch.ones(1, 1, 3, 3, dtype=torch.float64)
    out = torch.nn.functional.conv_transpose2d(y, w, stride=2, padding=0, output_padding=1)
    return version, "F.conv_transpose2d(ones(2, 2), ones(3, 3), stride=2, padding=0, output_padding=1)", out[0, 0].numpy()


# --- lesson 04's framework table and lesson 05's grouped layer -------------------------------------


def _lesson04_arrays():
    """Lesson 04's section 3: x (C_in = 2, 4, 4), forward weight W (C_out = 3, C_in = 2, 3, 3), g (3, 4, 4)."""
    rng = np.random.RandomState(3)
    x = rng.randint(-2, 3, (2, 4, 4)).astype(float)
    w = rng.randint(-2, 3, (3, 2, 3, 3)).astype(float)
    g = np.random.RandomState(10).randint(-2, 3, (3, 4, 4)).astype(float)
    return x, w, g


def _torch_names():
    torch, version = _torch()
    import torch.nn.grad

    functional, nn, grad = torch.nn.functional, torch.nn, torch.nn.grad
    return version, "hasattr(module, name) for each name", {
        "torch.nn.functional.conv2d": hasattr(functional, "conv2d"),
        "torch.nn.functional.conv_transpose2d": hasattr(functional, "conv_transpose2d"),
        "torch.nn.grad.conv2d_input": hasattr(grad, "conv2d_input"),
        "torch.nn.grad.conv2d_weight": hasattr(grad, "conv2d_weight"),
        "torch.nn.Conv2d": hasattr(nn, "Conv2d"), "torch.nn.ConvTranspose2d": hasattr(nn, "ConvTranspose2d")}


def _tf_names():
    tf, version = _tf()
    names = {"tf.nn.conv2d": (tf.nn, "conv2d"), "tf.nn.conv2d_transpose": (tf.nn, "conv2d_transpose"),
             "tf.nn.conv2d_backprop_input": (tf.nn, "conv2d_backprop_input"),
             "tf.compat.v1.nn.conv2d_backprop_input": (tf.compat.v1.nn, "conv2d_backprop_input")}
    return version, "hasattr(module, name) for each name", {name: hasattr(m, a) for name, (m, a) in names.items()}


def _keras_names():
    keras, version = _keras()
    return version, "hasattr(keras.layers, name) for each name", {
        f"keras.layers.{name}": hasattr(keras.layers, name) for name in ("Conv2D", "Conv2DTranspose")}


def _torch_gradients04():
    torch, version = _torch()
    import torch.nn.grad

    x, w, g = (torch.tensor(a)[None] if a.ndim == 3 else torch.tensor(a) for a in _lesson04_arrays())
    values = {
        "conv2d_input": torch.nn.grad.conv2d_input(x.shape, w, g, padding=1),
        "conv_transpose2d": torch.nn.functional.conv_transpose2d(g, w, padding=1),
        "conv2d_weight": torch.nn.grad.conv2d_weight(x, w.shape, g, padding=1),
    }
    return version, ("x, g = x3[None], g3[None] (a batch axis in front: (1, 2, 4, 4), (1, 3, 4, 4)); W = W3; "
                     "torch.nn.grad.conv2d_input(x.shape, W, g, padding=1); F.conv_transpose2d(g, W, padding=1); "
                     "torch.nn.grad.conv2d_weight(x, W.shape, g, padding=1); arrays as PyTorch returns them"), {
        name: value.numpy().tolist() for name, value in values.items()}


def _tf_gradient_arrays04(tf):
    """TensorFlow's input and filter gradients on lesson 04's x3, W3, g3, as TensorFlow returns them."""
    x, w, g = _lesson04_arrays()
    x_nhwc = tf.constant(x.transpose(1, 2, 0)[None])            # (1, 4, 4, C_in)
    g_nhwc = tf.constant(g.transpose(1, 2, 0)[None])            # (1, 4, 4, C_out)
    w_hwio = tf.constant(w.transpose(2, 3, 1, 0))               # forward filter [k, k, C_in, C_out]
    variable = tf.Variable(w_hwio)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(g_nhwc * tf.nn.conv2d(x_nhwc, variable, strides=1, padding="SAME"))
    return {
        "conv2d_transpose": tf.nn.conv2d_transpose(g_nhwc, w_hwio, output_shape=(1, 4, 4, 2), strides=1,
                                                   padding="SAME"),
        "compat.v1 conv2d_backprop_input": tf.compat.v1.nn.conv2d_backprop_input(
            (1, 4, 4, 2), w_hwio, g_nhwc, strides=[1, 1, 1, 1], padding="SAME"),
        "compat.v1 conv2d_backprop_filter": tf.compat.v1.nn.conv2d_backprop_filter(
            x_nhwc, (3, 3, 2, 3), g_nhwc, strides=[1, 1, 1, 1], padding="SAME"),
        "GradientTape filter": tape.gradient(loss, variable),
    }


def _tf_gradients04():
    tf, version = _tf()
    arrays = _tf_gradient_arrays04(tf)
    transposed, backprop_input = arrays["conv2d_transpose"], arrays["compat.v1 conv2d_backprop_input"]
    backprop_filter, tape_filter = arrays["compat.v1 conv2d_backprop_filter"], arrays["GradientTape filter"]
    as_chw = lambda t: t.numpy()[0].transpose(2, 0, 1).tolist()    # noqa: E731
    as_oihw = lambda t: t.numpy().transpose(3, 2, 0, 1).tolist()   # noqa: E731
    return version, ("tf.nn.conv2d_transpose(g, W, output_shape, strides=1, 'SAME'), "
                     "tf.compat.v1.nn.conv2d_backprop_input/_filter, tf.GradientTape; x, W, g: lesson 04's x3, W3, g3 "
                     "(NHWC; filter [k, k, C_in, C_out]); shown as (C, H, W) and (C_out, C_in, k, k)"), {
        "conv2d_transpose": as_chw(transposed), "compat.v1 conv2d_backprop_input": as_chw(backprop_input),
        "compat.v1 conv2d_backprop_filter": as_oihw(backprop_filter), "GradientTape filter": as_oihw(tape_filter)}


def _tf_transpose_needs_shape():
    tf, version = _tf()
    return version, "tf.nn.conv2d_transpose(ones(1, 2, 2, 1), ones(3, 3, 1, 1), strides=2, padding='SAME')", lambda: (
        tf.nn.conv2d_transpose(tf.ones((1, 2, 2, 1)), tf.ones((3, 3, 1, 1)), strides=2, padding="SAME"))


def _lesson05_grouped_arrays():
    y = np.arange(36).reshape(4, 3, 3) % 5 - 2                   # C_in = 4 maps of 3 x 3
    w = np.arange(108).reshape(4, 3, 3, 3) % 7 - 3               # (C_in, C_out / groups, k, k), C_out = 6
    return y.astype(float), w.astype(float)


def _torch_grouped_transpose():
    torch, version = _torch()
    y, w = _lesson05_grouped_arrays()
    layer = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, bias=False)
    out = torch.nn.functional.conv_transpose2d(torch.tensor(y)[None], torch.tensor(w), stride=2, groups=2)[0]
    return version, ("nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2).weight.shape, F.conv_transpose2d(y, w, stride=2, "
                     "groups=2) with y = arange(36) % 5 - 2 as (4, 3, 3), w = arange(108) % 7 - 3 as (4, 3, 3, 3)"), {
        "weight shape": list(layer.weight.shape), "output": out.numpy().tolist()}


# --- recipes added for lessons 02 and 03 (framework tables) -------------------------------------------


def _torch_conv_lengths():
    torch, version = _torch()
    rows = []
    for i in (7, 8, 9, 10):
        for k in (2, 3, 4):
            for s in (1, 2, 3):
                for p in (0, 1, 2):
                    y = torch.nn.functional.conv1d(torch.zeros(1, 1, i), torch.zeros(1, 1, k), stride=s, padding=p)
                    rows.append([i, k, s, p, int(y.shape[-1])])
    return version, "F.conv1d(zeros(i), zeros(k), stride=s, padding=p).shape[-1] for i = 7..10, k = 2..4, s = 1..3, p = 0..2", rows


def _tf_conv_lengths():
    tf, version = _tf()
    rows = []
    for i in range(4, 11):
        for k in (1, 2, 3, 4):
            for s in (1, 2, 3):
                x, w = tf.zeros((1, i, 1)), tf.zeros((k, 1, 1))
                rows.append([i, k, s] + [int(tf.nn.conv1d(x, w, stride=s, padding=mode).shape[1])
                                         for mode in ("VALID", "SAME")])
    return version, ("[i, k, s, length with 'VALID', length with 'SAME'] of tf.nn.conv1d(zeros(i), zeros(k), stride=s, "
                     "padding) for i = 4..10, k = 1..4, s = 1..3"), rows


def _keras_conv_padding_number():
    keras, version = _keras()
    return version, "keras.layers.Conv1D(1, 3, padding=1)(ones(8))", lambda: keras.layers.Conv1D(1, 3, padding=1)(
        np.ones((1, 8, 1), dtype="float32"))


def _keras_zero_padding_then_valid():
    keras, version = _keras()
    padded = keras.layers.ZeroPadding1D(2)(np.arange(1, 9, dtype="float32").reshape(1, 8, 1))
    length = int(keras.layers.Conv1D(1, 3, padding="valid")(padded).shape[1])
    return version, ("ZeroPadding1D(2)(x = 1..8), then Conv1D(1, 3, padding='valid') on it: "
                     "{padded, length of the convolution's output}"), {
        "padded": np.asarray(padded).ravel().tolist(), "length": length}


def _tf_avg_pool_same():
    tf, version = _tf()
    x = tf.constant([3.0] * 5, shape=(1, 5, 1))
    return version, "tf.nn.avg_pool1d([3, 3, 3, 3, 3], ksize=3, strides=2, padding='SAME')", tf.nn.avg_pool1d(
        x, 3, 2, "SAME").numpy().ravel()


def _tf_pool_lengths():
    tf, version = _tf()
    rows = []
    for i in range(3, 11):
        for k in (2, 3):
            for s in (1, 2, 3):
                x = tf.zeros((1, i, 1))
                rows.append([i, k, s] + [int(tf.nn.max_pool1d(x, k, s, mode).shape[1]) for mode in ("VALID", "SAME")])
    return version, ("[i, k, s, length with 'VALID', length with 'SAME'] of tf.nn.max_pool1d(zeros(i), ksize=k, strides=s, "
                     "padding) for i = 3..10, k = 2..3, s = 1..3"), rows


def _tf_max_pool_same_negative():
    tf, version = _tf()
    x = tf.constant([-1.0, -2.0, -3.0, -4.0, -5.0], shape=(1, 5, 1))
    return version, "tf.nn.max_pool1d([-1, -2, -3, -4, -5], ksize=3, strides=2, padding='SAME')", tf.nn.max_pool1d(
        x, 3, 2, "SAME").numpy().ravel()


def _tf_max_pool_with_argmax():
    tf, version = _tf()
    x = np.array([[2, 9, 4, 1], [7, 3, 8, 6], [1, 6, 0, 5], [4, 2, 3, 4]], dtype=np.float32).reshape(1, 4, 4, 1)
    values, argmax = tf.nn.max_pool_with_argmax(x, 2, 2, "VALID")
    return version, ("tf.nn.max_pool_with_argmax([[2, 9, 4, 1], [7, 3, 8, 6], [1, 6, 0, 5], [4, 2, 3, 4]] (one channel), "
                     "ksize=2, strides=2, padding='VALID'): {values, argmax}"), {
        "values": values.numpy()[0, :, :, 0].tolist(), "argmax": argmax.numpy()[0, :, :, 0].tolist()}


def _keras_max_pooling_default_strides():
    keras, version = _keras()
    y = keras.layers.MaxPooling1D(3)(np.ones((1, 9, 1), dtype="float32"))
    return version, "keras.layers.MaxPooling1D(pool_size=3)(ones(9)).shape[1]", int(y.shape[1])


def _keras_global_average():
    keras, version = _keras()
    x = np.arange(24, dtype="float32").reshape(2, 3, 4).transpose(1, 2, 0)[None]   # (C, H, W) -> NHWC
    return version, "keras.layers.GlobalAveragePooling2D()(arange(24) as 2 channels of 3×4)", np.asarray(
        keras.layers.GlobalAveragePooling2D()(x)).ravel()


def _torch_adaptive_average():
    torch, version = _torch()
    x = torch.arange(24, dtype=torch.float64).reshape(1, 2, 3, 4)
    return version, "F.adaptive_avg_pool2d(arange(24) as 2 channels of 3×4, 1)", torch.nn.functional.adaptive_avg_pool2d(
        x, 1).numpy().ravel()


def _torch_max_pool_pad_negative():
    torch, version = _torch()
    x = -torch.arange(1, 6, dtype=torch.float64).reshape(1, 1, 5)
    return version, "F.max_pool1d([-1, -2, -3, -4, -5], kernel_size=3, stride=2, padding=1)", torch.nn.functional.max_pool1d(
        x, 3, 2, padding=1).numpy().ravel()


def _torch_avg_pool_count_include_pad():
    torch, version = _torch()
    x = torch.full((1, 1, 5), 3.0, dtype=torch.float64)
    return version, "F.avg_pool1d([3, 3, 3, 3, 3], kernel_size=3, stride=2, padding=1, count_include_pad=...)", {
        str(flag): torch.nn.functional.avg_pool1d(x, 3, 2, padding=1, count_include_pad=flag).numpy().ravel().tolist()
        for flag in (True, False)}


def _torch_max_unpool2d():
    torch, version = _torch()
    x = torch.tensor([[1, 5, 2, 0, 3, 1], [3, 4, 6, 6, 2, 8], [0, 0, 1, 2, 7, 0], [7, 0, 3, 4, 1, 1]],
                     dtype=torch.float64).reshape(1, 1, 4, 6)
    values, indices = torch.nn.functional.max_pool2d(x, 2, return_indices=True)
    return version, ("F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), x = [[1, 5, 2, 0, 3, 1], "
                     "[3, 4, 6, 6, 2, 8], [0, 0, 1, 2, 7, 0], [7, 0, 3, 4, 1, 1]]"), torch.nn.functional.max_unpool2d(
        values, indices, 2)[0, 0].numpy()


def _torch_max_unpool_shared_switch():
    torch, version = _torch()
    x = torch.tensor([[[1.0, 3.0, 2.0]]])
    values, indices = torch.nn.functional.max_pool1d(x, 2, 1, return_indices=True)
    return version, ("F.max_unpool1d(*F.max_pool1d([1, 3, 2], kernel_size=2, stride=1, return_indices=True), "
                     "kernel_size=2, stride=1): {values, indices, unpooled}"), {
        "values": values.ravel().tolist(), "indices": indices.ravel().tolist(),
        "unpooled": torch.nn.functional.max_unpool1d(values, indices, 2, 1).ravel().tolist()}


def _torch_max_pool_default_stride():
    torch, version = _torch()
    y = torch.nn.functional.max_pool1d(torch.ones(1, 1, 9), 3)
    return version, "F.max_pool1d(ones(9), kernel_size=3).shape[-1] (stride not given)", int(y.shape[-1])


def _torch_max_pool_default_rounding():
    torch, version = _torch()
    x = torch.arange(1, 7, dtype=torch.float64).reshape(1, 1, 6)
    return version, "F.max_pool1d(x = 1..6, kernel_size=3, stride=2) without and with ceil_mode=True", {
        "default": torch.nn.functional.max_pool1d(x, 3, 2).ravel().tolist(),
        "ceil_mode=True": torch.nn.functional.max_pool1d(x, 3, 2, ceil_mode=True).ravel().tolist()}


# --- lesson 02: "same" with an even kernel, explicit padding in tf.nn ------------------------------


def _torch_same_even():
    torch, version = _torch()
    import warnings

    x = torch.arange(1, 10, dtype=torch.float64).reshape(1, 1, 9)
    w = torch.tensor([1.0, 10.0, 100.0, 1000.0], dtype=torch.float64).reshape(1, 1, 4)
    with warnings.catch_warnings():  # PyTorch warns that an even kernel needs a padded copy
        warnings.simplefilter("ignore")
        y = torch.nn.functional.conv1d(x, w, padding="same")
    return version, "F.conv1d(x = 1..9, w = [1, 10, 100, 1000], padding='same')", y.numpy().ravel()


def _tf_same_even():
    tf, version = _tf()
    x = tf.reshape(tf.range(1, 10, dtype=tf.float64), (1, 9, 1))
    w = tf.constant([1.0, 10.0, 100.0, 1000.0], dtype=tf.float64, shape=(4, 1, 1))
    y = tf.nn.conv1d(x, w, stride=1, padding="SAME")
    return version, "tf.nn.conv1d(x = 1..9, w = [1, 10, 100, 1000], stride=1, padding='SAME')", y.numpy().ravel()


def _tf_conv1d_explicit_padding():
    tf, version = _tf()
    x = tf.reshape(tf.range(1, 9, dtype=tf.float64), (1, 8, 1))
    w = tf.constant([1.0, 10.0, 100.0], dtype=tf.float64, shape=(3, 1, 1))
    return version, "tf.nn.conv1d(x = 1..8, w = [1, 10, 100], stride=1, padding=[[0, 0], [2, 2], [0, 0]])", \
        lambda: tf.nn.conv1d(x, w, stride=1, padding=[[0, 0], [2, 2], [0, 0]])


def _tf_conv2d_explicit_padding():
    tf, version = _tf()
    x = tf.reshape(tf.range(1, 9, dtype=tf.float64), (1, 1, 8, 1))
    w = tf.constant([1.0, 10.0, 100.0], dtype=tf.float64, shape=(1, 3, 1, 1))
    y = tf.nn.conv2d(x, w, strides=1, padding=[[0, 0], [0, 0], [2, 2], [0, 0]])
    return version, ("tf.nn.conv2d(x = [1..8] (1 row), w = [[1, 10, 100]], strides=1, "
                     "padding=[[0, 0], [0, 0], [2, 2], [0, 0]])"), y.numpy().ravel()


# --- lesson 01: "same" at stride 1 with odd kernels ------------------------------------------------


def _same_odd_inputs():
    x = np.arange(1, 31, dtype=np.float64).reshape(5, 6)
    return x, {k: np.arange(1, k * k + 1, dtype=np.float64).reshape(k, k) for k in (3, 5)}


def _tf_conv2d_same_odd():
    tf, version = _tf()
    x, kernels = _same_odd_inputs()
    return version, ("tf.nn.conv2d(x = 1..30 as 5×6, w = 1..k² as k×k, strides=1, padding='SAME') "
                     "for k = 3 and 5"), {
        str(k): tf.nn.conv2d(x[None, :, :, None], w[:, :, None, None], strides=1, padding="SAME")[0, :, :, 0].numpy().tolist()
        for k, w in kernels.items()}


def _keras_conv2d_same_odd():
    keras, version = _keras()
    x, kernels = _same_odd_inputs()
    outputs = {}
    for k, w in kernels.items():
        layer = keras.layers.Conv2D(1, k, padding="same", use_bias=False, dtype="float64")
        layer.build((1, *x.shape, 1))
        layer.set_weights([w[:, :, None, None]])
        outputs[str(k)] = np.asarray(layer(x[None, :, :, None]))[0, :, :, 0].tolist()
    return version, ("keras.layers.Conv2D(1, k, padding='same', use_bias=False) with kernel 1..k² as k×k, "
                     "on x = 1..30 as 5×6, for k = 3 and 5"), outputs


# --- lesson 04: weight shapes, TensorFlow's gradients as returned, output_shape at stride 1 -------


def _torch_weight_shapes04():
    torch, version = _torch()
    conv, transposed = torch.nn.Conv2d(2, 3, 3), torch.nn.ConvTranspose2d(3, 2, 3)
    return version, "nn.Conv2d(2, 3, 3).weight.shape, nn.ConvTranspose2d(3, 2, 3).weight.shape", {
        "Conv2d(2, 3, 3)": list(conv.weight.shape), "ConvTranspose2d(3, 2, 3)": list(transposed.weight.shape)}


def _tf_gradients04_as_returned():
    tf, version = _tf()
    arrays = _tf_gradient_arrays04(tf)
    return version, ("x, g: lesson 04's x3, g3 as NHWC (1, 4, 4, 2) and (1, 4, 4, 3); W: W3 as the forward filter "
                     "[k, k, in_channels, out_channels] = (3, 3, 2, 3); tf.nn.conv2d_transpose(g, W, "
                     "output_shape=(1, 4, 4, 2), strides=1, padding='SAME'), tf.compat.v1.nn.conv2d_backprop_input((1, 4, 4, 2), W, g, "
                     "strides=[1, 1, 1, 1], padding='SAME'), tf.compat.v1.nn.conv2d_backprop_filter(x, (3, 3, 2, 3), "
                     "g, strides=[1, 1, 1, 1], padding='SAME'), tf.GradientTape().gradient(sum(g * tf.nn.conv2d(x, W, "
                     "strides=1, padding='SAME')), W); arrays as TensorFlow returns them"), {
        name: value.numpy().tolist() for name, value in arrays.items()}


def _tf_transpose_needs_shape_stride1():
    tf, version = _tf()
    return version, "tf.nn.conv2d_transpose(ones(1, 2, 2, 1), ones(3, 3, 1, 1), strides=1, padding='SAME')", lambda: (
        tf.nn.conv2d_transpose(tf.ones((1, 2, 2, 1)), tf.ones((3, 3, 1, 1)), strides=1, padding="SAME"))


# --- lesson 03: the divisor of count_include_pad, pooling an unpooled array again ----------------


def _torch_avg_pool_ceil_divisor():
    torch, version = _torch()
    x = torch.arange(1, 7, dtype=torch.float64).reshape(1, 1, 6)
    return version, "F.avg_pool1d(x = 1..6, kernel_size=3, stride=2, ceil_mode=True, count_include_pad=True)", \
        torch.nn.functional.avg_pool1d(x, 3, 2, ceil_mode=True, count_include_pad=True).numpy().ravel()


def _torch_avg_pool2d_divisor():
    torch, version = _torch()
    x = torch.ones(1, 1, 3, 3, dtype=torch.float64)
    return version, "F.avg_pool2d(ones(3, 3), kernel_size=3, stride=1, padding=1, count_include_pad=True)", \
        torch.nn.functional.avg_pool2d(x, 3, 1, padding=1, count_include_pad=True)[0, 0].numpy()


def _torch_pool_unpooled_negatives():
    torch, version = _torch()
    x = torch.tensor([[-1.0, -2.0], [-3.0, -4.0]], dtype=torch.float64).reshape(1, 1, 2, 2)
    values, indices = torch.nn.functional.max_pool2d(x, 2, return_indices=True)
    unpooled = torch.nn.functional.max_unpool2d(values, indices, 2)
    return version, ("F.max_pool2d(x, 2, return_indices=True), F.max_unpool2d of that, then F.max_pool2d of the "
                     "unpooled array, x = [[-1, -2], [-3, -4]]: {pooled, unpooled, pooled again}"), {
        "pooled": values.ravel().tolist(), "unpooled": unpooled[0, 0].tolist(),
        "pooled again": torch.nn.functional.max_pool2d(unpooled, 2).ravel().tolist()}


# --- lesson 00: the notation table's argument names; Keras and PyTorch crop differently ------------


def _signature_names(*callables):
    import inspect

    return {name: list(inspect.signature(obj).parameters) for name, obj in callables}


def _torch_table_names():
    torch, version = _torch()
    return version, "list(inspect.signature(obj).parameters)", _signature_names(
        ("torch.nn.Conv2d", torch.nn.Conv2d), ("torch.nn.ConvTranspose2d", torch.nn.ConvTranspose2d))


def _tf_table_names():
    tf, version = _tf()
    return version, "list(inspect.signature(obj).parameters)", _signature_names(("tf.nn.conv2d", tf.nn.conv2d))


def _keras_table_names():
    keras, version = _keras()
    return version, "list(inspect.signature(obj).parameters)", _signature_names(
        ("keras.layers.Conv2D", keras.layers.Conv2D), ("keras.layers.Conv2DTranspose", keras.layers.Conv2DTranspose))


def _keras_transpose_same_output_padding():
    keras, version = _keras()
    layer = keras.layers.Conv1DTranspose(1, 3, strides=2, padding="same", output_padding=1, use_bias=False)
    layer.build((1, 3, 1))
    layer.set_weights([np.array([1.0, 10.0, 100.0], dtype="float32").reshape(3, 1, 1)])
    out = layer(np.array([1.0, 2.0, 3.0], dtype="float32").reshape(1, 3, 1))
    return version, ("keras.layers.Conv1DTranspose(1, 3, strides=2, padding='same', output_padding=1, "
                     "use_bias=False), kernel [1, 10, 100], on [1, 2, 3]"), np.asarray(out).ravel()


def _torch_transpose_output_padding_1d():
    torch, version = _torch()
    y = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64).reshape(1, 1, 3)
    w = torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64).reshape(1, 1, 3)
    out = torch.nn.functional.conv_transpose1d(y, w, stride=2, padding=1, output_padding=1)
    return version, "F.conv_transpose1d([1, 2, 3], [1, 10, 100], stride=2, padding=1, output_padding=1)", out.numpy().ravel()


# --- lesson 05: ONNX with k < s, weight layouts, JAX's lhs_dilation, PyTorch's refusal, bias, p > k - 1


def _onnx_transpose_short_kernel():
    y = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3)
    w = np.array([5.0]).reshape(1, 1, 1)
    out, version = _onnx_run("ConvTranspose", {"X": y, "W": w}, strides=[2], auto_pad="SAME_UPPER")
    return version, "ConvTranspose([1, 2, 3], W = [5], strides=[2], auto_pad='SAME_UPPER')", out.ravel()


def _torch_transpose_weight_shape():
    torch, version = _torch()
    layer = torch.nn.ConvTranspose2d(5, 7, 3)
    out = layer(torch.zeros(1, 5, 4, 4))
    return version, "nn.ConvTranspose2d(5, 7, 3)(zeros(1, 5, 4, 4)): shapes of weight and output", {
        "weight shape": list(layer.weight.shape), "output shape": list(out.shape)}


def _keras_transpose_kernel_shape():
    keras, version = _keras()
    layer = keras.layers.Conv2DTranspose(7, 3)
    out = layer(np.zeros((1, 4, 4, 5), dtype="float32"))
    return version, "keras.layers.Conv2DTranspose(7, 3)(zeros(1, 4, 4, 5)): shapes of kernel and output", {
        "weight shape": [int(n) for n in layer.kernel.shape], "output shape": [int(n) for n in out.shape]}


def _tf_transpose_filter_shape():
    tf, version = _tf()
    x = tf.zeros((1, 4, 4, 5))
    out = tf.nn.conv2d_transpose(x, tf.zeros((3, 3, 7, 5)), output_shape=(1, 6, 6, 7), strides=1, padding="VALID")
    try:
        tf.nn.conv2d_transpose(x, tf.zeros((3, 3, 5, 7)), output_shape=(1, 6, 6, 7), strides=1, padding="VALID")
        swapped = "accepted"
    except Exception as err:  # noqa: BLE001 - TensorFlow raises several error types for a wrong filter
        swapped = _error_text(err)
    return version, ("tf.nn.conv2d_transpose(zeros(1, 4, 4, 5), zeros(3, 3, 7, 5), output_shape=(1, 6, 6, 7), "
                     "strides=1, padding='VALID'), and the same with a (3, 3, 5, 7) filter"), {
        "weight shape": [3, 3, 7, 5], "output shape": [int(n) for n in out.shape], "filter (3, 3, 5, 7)": swapped}


def _onnx_transpose_weight_shape():
    out, version = _onnx_run("ConvTranspose", {"X": np.zeros((1, 5, 4, 4)), "W": np.zeros((5, 7, 3, 3))})
    return version, "ConvTranspose(X = zeros(1, 5, 4, 4), W = zeros(5, 7, 3, 3)): shapes of W and output", {
        "weight shape": [5, 7, 3, 3], "output shape": list(out.shape)}


def _jax_lhs_dilation():
    jax, version = _jax()
    y = jax.numpy.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
    w = jax.numpy.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)

    def dilated(kernel):
        return np.asarray(jax.lax.conv_general_dilated(y, kernel, (1,), [(2, 2)], lhs_dilation=(2,),
                                                       dimension_numbers=("NWC", "WIO", "NWC"))).ravel()
    return version, ("jax.lax.conv_general_dilated([1, 2, 3], w, window_strides=(1,), padding=[(2, 2)], "
                     "lhs_dilation=(2,)) with w = [1, 2, 3] and w = [3, 2, 1]"), {
        "w = [1, 2, 3]": dilated(w).tolist(), "w = [3, 2, 1]": dilated(w[::-1]).tolist()}


def _torch_transpose_too_small():
    torch, version = _torch()
    return version, "F.conv_transpose1d(ones(2), ones(3), padding=2)", lambda: torch.nn.functional.conv_transpose1d(
        torch.ones(1, 1, 2), torch.ones(1, 1, 3), padding=2)


def _torch_transpose_bias():
    torch, version = _torch()
    y = torch.tensor([[[1.0, 2.0]]], dtype=torch.float64)
    w = torch.tensor([[[1.0, 2.0, 3.0]]], dtype=torch.float64)
    out = torch.nn.functional.conv_transpose1d(y, w, bias=torch.tensor([10.0], dtype=torch.float64), stride=2,
                                               output_padding=1)
    return version, "F.conv_transpose1d([1, 2], [1, 2, 3], bias=[10], stride=2, output_padding=1)", out.numpy().ravel()


def _torch_transpose_large_padding():
    torch, version = _torch()
    y = torch.tensor([[[1.0, 2.0, 3.0, 4.0]]], dtype=torch.float64)
    w = torch.tensor([[[1.0, 10.0]]], dtype=torch.float64)
    out = torch.nn.functional.conv_transpose1d(y, w, stride=2, padding=2)
    return version, "F.conv_transpose1d([1, 2, 3, 4], [1, 10], stride=2, padding=2)", out.numpy().ravel()


# --- lesson 07: dilation as the frameworks number it, a dilated transposed layer's output_padding


def _torch_conv1d_dilation2():
    torch, version = _torch()
    x = torch.arange(0, 9, dtype=torch.float64).reshape(1, 1, 9)
    w = torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64).reshape(1, 1, 3)
    y = torch.nn.functional.conv1d(x, w, dilation=2)
    return version, "F.conv1d(x = 0..8, w = [1, 10, 100], dilation=2)", y.numpy().ravel()


def _tf_conv1d_dilation2():
    tf, version = _tf()
    x = tf.reshape(tf.range(0, 9, dtype=tf.float64), (1, 9, 1))
    w = tf.constant([1.0, 10.0, 100.0], dtype=tf.float64, shape=(3, 1, 1))
    y = tf.nn.conv1d(x, w, stride=1, padding="VALID", dilations=2)
    return version, "tf.nn.conv1d(x = 0..8, w = [1, 10, 100], stride=1, padding='VALID', dilations=2)", y.numpy().ravel()


def _torch_dilated_transpose_output_padding():
    torch, version = _torch()
    y = torch.tensor([[[1.0, 2.0, 3.0]]], dtype=torch.float64)
    w = torch.tensor([[[1.0, 10.0, 100.0]]], dtype=torch.float64)
    out = {f"padding={p}": torch.nn.functional.conv_transpose1d(y, w, stride=1, padding=p, dilation=2,
                                                                output_padding=1).numpy().ravel().tolist()
           for p in (0, 1)}
    return version, ("F.conv_transpose1d([1, 2, 3], [1, 10, 100], stride=1, padding=p, dilation=2, "
                     "output_padding=1) for p = 0, 1"), out


# --- lesson 08: the frameworks side by side; the Q&A's example as written; a port; a DCGAN layer ----


def _jax_same_strided():
    jax, version = _jax()
    x = jax.numpy.arange(1.0, 225.0).reshape(1, 224, 1)
    y = jax.lax.conv_general_dilated(x, jax.numpy.ones((7, 1, 1)), (2,), "SAME", dimension_numbers=("NWC", "WIO", "NWC"))
    return version, "jax.lax.conv_general_dilated(x = 1..224, w = ones(7), window_strides=(2,), padding='SAME')", \
        np.asarray(y).ravel()


def _torch_pad_then_conv():
    torch, version = _torch()
    x = torch.arange(1, 225, dtype=torch.float64).reshape(1, 1, 224)
    w = torch.ones(1, 1, 7, dtype=torch.float64)
    F = torch.nn.functional
    return version, "F.conv1d(F.pad(x, (2, 3)), w, stride=2) and F.conv1d(x, w, stride=2, padding=3), x = 1..224, w = ones(7)", {
        "F.pad(x, (2, 3)), then stride 2": F.conv1d(F.pad(x, (2, 3)), w, stride=2).numpy().ravel().tolist(),
        "padding=3, stride 2": F.conv1d(x, w, stride=2, padding=3).numpy().ravel().tolist()}


def _torch_transpose_output_size():
    torch, version = _torch()
    layer = torch.nn.ConvTranspose1d(1, 1, 3, stride=2, padding=1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([1.0, 2.0, 3.0]).reshape(1, 1, 3))
    y = torch.tensor([1.0, 2.0, 3.0]).reshape(1, 1, 3)
    results = {}
    for o in (4, 5, 6, 7):
        try:
            results[str(o)] = layer(y, output_size=[o]).detach().numpy().ravel().tolist()
        except Exception as err:  # noqa: BLE001 - the refusal is what is recorded
            results[str(o)] = _error_text(err)
    return version, ("nn.ConvTranspose1d(1, 1, 3, stride=2, padding=1) with weight [1, 2, 3], "
                     "forward([1, 2, 3], output_size=[o]) for o = 4..7"), results


def _tf_conv1d_transpose_check08():
    tf, version = _tf()
    y = tf.constant([1.0, 10.0], shape=(1, 2, 1))
    w = tf.constant([1.0, 2.0, 3.0], shape=(3, 1, 1))
    out = tf.nn.conv1d_transpose(y, w, output_shape=(1, 4, 1), strides=2, padding="SAME")
    return version, "tf.nn.conv1d_transpose([1, 10], [1, 2, 3], output_shape=4, strides=2, padding='SAME')", out.numpy().ravel()


def _onnx_transpose_output_shape():
    y = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3)
    results = {}
    for mode in ("NOTSET", "SAME_UPPER"):
        out, version = _onnx_run("ConvTranspose", {"X": y, "W": y.copy()}, strides=[2], auto_pad=mode, output_shape=[6])
        results[f"auto_pad='{mode}'"] = out.ravel().tolist()
    return version, "ConvTranspose([1, 2, 3], W = [1, 2, 3], strides=[2], output_shape=[6], auto_pad)", results


def _tf_qa_example_as_written():
    tf, version = _tf()
    # the answer's code, run eagerly: TensorFlow 2 has no tf.Session
    x = tf.constant(np.array([[[[1], [2]], [[3], [4]]]]), tf.float32)
    f = tf.constant(np.array([[[[1]], [[1]], [[1]]], [[[1]], [[1]], [[1]]], [[[1]], [[1]], [[1]]]]), tf.float32)
    conv = tf.nn.conv2d_transpose(x, f, output_shape=(1, 4, 4, 1), strides=[1, 2, 2, 1], padding="SAME")
    return version, ("x = tf.constant(np.array([[[[1], [2]], [[3], [4]]]]), tf.float32); f = 3×3×1×1 ones; "
                     "tf.nn.conv2d_transpose(x, f, output_shape=(1, 4, 4, 1), strides=[1, 2, 2, 1], padding='SAME'), "
                     "run eagerly; and hasattr(tf, 'Session')"), {
        "result": conv.numpy()[0, :, :, 0].tolist(), "tf.Session exists": hasattr(tf, "Session"),
        "tf.compat.v1.Session exists": hasattr(tf.compat.v1, "Session")}


def _torch_qa_example():
    torch, version = _torch()
    y = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2)
    w = torch.ones(1, 1, 3, 3)
    F = torch.nn.functional
    return version, ("F.conv_transpose2d([[1, 2], [3, 4]], ones(3, 3), stride=2, padding=1, output_padding=1), "
                     "and with padding=0 followed by out[..., :4, :4]"), {
        "padding=1, output_padding=1": F.conv_transpose2d(y, w, stride=2, padding=1, output_padding=1)[0, 0].tolist(),
        "padding=0, then out[..., :4, :4]": F.conv_transpose2d(y, w, stride=2, padding=0)[0, 0, :4, :4].tolist()}


def _torch_space_to_depth():
    torch, version = _torch()
    y = torch.arange(32.0).reshape(1, 2, 4, 4)
    return version, "F.pixel_unshuffle(arange(32) as 2 channels of 4×4, 2)[:, 0, 0]", \
        torch.nn.functional.pixel_unshuffle(y, 2)[0, :, 0, 0].numpy()


def _tf_space_to_depth():
    tf, version = _tf()
    y = tf.transpose(tf.reshape(tf.range(32.0), (2, 4, 4)), (1, 2, 0))[None]          # (C, H, W) -> NHWC
    return version, "tf.nn.space_to_depth(arange(32) as 2 channels of 4×4, 2), the channels at (0, 0)", \
        tf.nn.space_to_depth(y, 2)[0, 0, 0].numpy()


def _onnx_space_to_depth():
    y = np.arange(32.0).reshape(1, 2, 4, 4)
    out, version = _onnx_run("SpaceToDepth", {"X": y}, blocksize=2)
    try:
        _onnx_run("SpaceToDepth", {"X": y}, blocksize=2, mode="CRD")
        with_mode = "accepted"
    except Exception as err:  # noqa: BLE001 - the refusal is what is recorded
        with_mode = type(err).__name__ + ": " + ("Unrecognized attribute: mode" if "Unrecognized attribute: mode"
                                                 in str(err) else str(err)[:120])
    return version, ("SpaceToDepth(arange(32) as 2 channels of 4×4, blocksize=2): the channels at (0, 0); "
                     "and the same with mode='CRD'"), {"channels at (0, 0)": out[0, :, 0, 0].tolist(), "mode='CRD'": with_mode}


def _port_arrays():
    """The 'trained' PyTorch layer of lesson 08's port: ConvTranspose2d(2, 3, 3, stride=2, padding=1,
    output_padding=1). Values are multiples of 1/4 and 1/2, so float32 sums are exact."""
    x = ((np.arange(18) * 7) % 11 - 5).reshape(2, 3, 3) / 2            # (C_in, H, W)
    w = ((np.arange(54) * 5) % 11 - 5).reshape(2, 3, 3, 3) / 4         # PyTorch's (C_in, C_out, kH, kW)
    b = np.array([0.5, -1.0, 0.25])
    return x.astype(np.float32), w.astype(np.float32), b.astype(np.float32)


def _dcgan_arrays():
    """A DCGAN generator layer: ConvTranspose2d(2, 3, 4, stride=2, padding=1, bias=False), 3×3 -> 6×6."""
    x = ((np.arange(18) * 5) % 7 - 3).reshape(2, 3, 3) / 2
    w = ((np.arange(96) * 7) % 13 - 6).reshape(2, 3, 4, 4) / 4
    return x.astype(np.float32), w.astype(np.float32)


def _nhwc(x):
    return np.moveaxis(x, 0, -1)[None]


def _chw(t):
    return np.moveaxis(np.asarray(t)[0], -1, 0).tolist()


def _torch_port():
    torch, version = _torch()
    x, w, b = _port_arrays()
    layer = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w))
        layer.bias.copy_(torch.tensor(b))
    out = layer(torch.tensor(x)[None])[0].detach().numpy()
    return version, ("nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1) with the weight and bias "
                     "given, on the input given (C, H, W)"), {
        "input": x.tolist(), "weight": w.tolist(), "bias": b.tolist(), "output": out.tolist()}


def _tf_port():
    tf, version = _tf()
    x, w, b = _port_arrays()
    hwoi = np.transpose(w, (2, 3, 1, 0))                               # IOHW -> HWOI
    def run(filt, padding):
        return _chw(tf.nn.conv2d_transpose(_nhwc(x), filt, output_shape=(1, 6, 6, 3), strides=2, padding=padding) + b)
    return version, ("tf.nn.conv2d_transpose(x, filter, output_shape=(1, 6, 6, 3), strides=2, padding) + bias, "
                     "shown as (C, H, W): filter = the weight transposed to HWOI or reshaped to (3, 3, 3, 2)"), {
        "padding=[[0, 0], [1, 1], [1, 1], [0, 0]], filter transposed": run(hwoi, [[0, 0], [1, 1], [1, 1], [0, 0]]),
        "padding='SAME', filter transposed": run(hwoi, "SAME"),
        "padding=[[0, 0], [1, 1], [1, 1], [0, 0]], filter reshaped": run(w.reshape(3, 3, 3, 2), [[0, 0], [1, 1], [1, 1], [0, 0]])}


def _keras_port():
    keras, version = _keras()
    x, w, b = _port_arrays()
    hwoi = np.transpose(w, (2, 3, 1, 0))
    def run(padding, output_padding, crop):
        layer = keras.layers.Conv2DTranspose(3, 3, strides=2, padding=padding, output_padding=output_padding)
        layer.build((1, 3, 3, 2))
        layer.set_weights([hwoi, b])
        out = layer(_nhwc(x))
        return _chw(keras.layers.Cropping2D(((1, 0), (1, 0)))(out) if crop else out)
    return version, ("keras.layers.Conv2DTranspose(3, 3, strides=2, padding, output_padding) with the weight "
                     "transposed to HWOI and the bias, shown as (C, H, W)"), {
        "padding='valid', then Cropping2D(((1, 0), (1, 0)))": run("valid", None, True),
        "padding='same', output_padding=1": run("same", 1, False)}


def _jax_port():
    jax, version = _jax()
    x, w, b = _port_arrays()
    def run(kernel, flag):
        out = jax.lax.conv_transpose(_nhwc(x), kernel, (2, 2), [(1, 2), (1, 2)], dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                     transpose_kernel=flag)
        return _chw(np.asarray(out) + b)
    return version, ("jax.lax.conv_transpose(x, kernel, strides=(2, 2), padding=[(1, 2), (1, 2)], dimension_numbers="
                     "('NHWC', 'HWIO', 'NHWC'), transpose_kernel) + bias, shown as (C, H, W)"), {
        "transpose_kernel=True, the weight as HWOI": run(np.transpose(w, (2, 3, 1, 0)), True),
        "transpose_kernel=False, the weight as HWIO": run(np.transpose(w, (2, 3, 0, 1)), False)}


def _onnx_port():
    x, w, b = _port_arrays()
    out, version = _onnx_run("ConvTranspose", {"X": x[None], "W": w, "B": b}, strides=[2, 2], pads=[1, 1, 1, 1],
                             output_padding=[1, 1])
    return version, "ConvTranspose(X, W (IOHW, as PyTorch's), B, strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])", \
        out[0]


def _torch_dcgan():
    torch, version = _torch()
    x, w = _dcgan_arrays()
    out = torch.nn.functional.conv_transpose2d(torch.tensor(x)[None], torch.tensor(w), stride=2, padding=1)[0]
    return version, "F.conv_transpose2d(x, w, stride=2, padding=1): ConvTranspose2d(2, 3, 4, stride=2, padding=1)", {
        "input": x.tolist(), "weight": w.tolist(), "output": out.numpy().tolist()}


def _tf_dcgan():
    tf, version = _tf()
    x, w = _dcgan_arrays()
    out = tf.nn.conv2d_transpose(_nhwc(x), np.transpose(w, (2, 3, 1, 0)), output_shape=(1, 6, 6, 3), strides=2, padding="SAME")
    return version, "tf.nn.conv2d_transpose(x, w as HWOI, output_shape=(1, 6, 6, 3), strides=2, padding='SAME'), shown as (C, H, W)", \
        _chw(out)


def _keras_dcgan():
    keras, version = _keras()
    x, w = _dcgan_arrays()
    layer = keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same", use_bias=False)
    layer.build((1, 3, 3, 2))
    layer.set_weights([np.transpose(w, (2, 3, 1, 0))])
    return version, "keras.layers.Conv2DTranspose(3, 4, strides=2, padding='same', use_bias=False), w as HWOI, shown as (C, H, W)", \
        _chw(layer(_nhwc(x)))


def _jax_dcgan():
    jax, version = _jax()
    x, w = _dcgan_arrays()
    out = jax.lax.conv_transpose(_nhwc(x), np.transpose(w, (2, 3, 1, 0)), (2, 2), "SAME",
                                 dimension_numbers=("NHWC", "HWIO", "NHWC"), transpose_kernel=True)
    return version, ("jax.lax.conv_transpose(x, w as HWOI, strides=(2, 2), padding='SAME', transpose_kernel=True), "
                     "shown as (C, H, W)"), _chw(out)


def _onnx_dcgan():
    x, w = _dcgan_arrays()
    out, version = _onnx_run("ConvTranspose", {"X": x[None], "W": w}, strides=[2, 2], auto_pad="SAME_UPPER")
    return version, "ConvTranspose(X, W (IOHW), strides=[2, 2], auto_pad='SAME_UPPER')", out[0]


def _tf_transpose_123_windows():
    tf, version = _tf()
    y, w = tf.constant([1.0, 2.0, 3.0], shape=(1, 3, 1)), tf.constant([1.0, 2.0, 3.0], shape=(3, 1, 1))
    return version, "tf.nn.conv1d_transpose([1, 2, 3], [1, 2, 3], output_shape=o, strides=2, padding)", {
        f"'{mode}', output_shape={o}": tf.nn.conv1d_transpose(y, w, output_shape=(1, o, 1), strides=2,
                                                              padding=mode).numpy().ravel().tolist()
        for mode, sizes in (("SAME", (5, 6)), ("VALID", (7, 8))) for o in sizes}


def _keras_transpose_123_windows():
    keras, version = _keras()
    results = {}
    for padding, output_padding in (("same", None), ("same", 0), ("same", 1), ("valid", None), ("valid", 0)):
        layer = keras.layers.Conv1DTranspose(1, 3, strides=2, padding=padding, output_padding=output_padding, use_bias=False)
        layer.build((1, 3, 1))
        layer.set_weights([np.array([1.0, 2.0, 3.0], dtype="float32").reshape(3, 1, 1)])
        out = layer(np.array([1.0, 2.0, 3.0], dtype="float32").reshape(1, 3, 1))
        results[f"padding='{padding}', output_padding={output_padding}"] = np.asarray(out).ravel().tolist()
    return version, "keras.layers.Conv1DTranspose(1, 3, strides=2, padding, output_padding, use_bias=False), kernel [1, 2, 3], on [1, 2, 3]", results


def _lesson10_icnr_arrays():
    """Lesson 10's ICNR example: x (C_in = 1, 3×3) = 1..9, w0 (C = 2, C_in = 1, 3×3): two kernels."""
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w0 = np.array([[[[1, 0, -1], [2, 0, -2], [1, 0, -1]]], [[[0, 1, 0], [1, -4, 1], [0, 1, 0]]]], dtype=float)
    return x, w0


def _torch_icnr10():
    torch, version = _torch()
    F = torch.nn.functional
    x, w0 = (torch.tensor(a) for a in _lesson10_icnr_arrays())
    return version, ("F.pixel_shuffle(F.conv2d(x, W, padding=1), 2) with W = w0.repeat_interleave(4, dim=0) or "
                     "w0.repeat(4, 1, 1, 1); F.interpolate(F.conv2d(x, w0, padding=1), scale_factor=2, mode='nearest')"), {
        "repeat_interleave": F.pixel_shuffle(F.conv2d(x, w0.repeat_interleave(4, dim=0), padding=1), 2)[0].numpy().tolist(),
        "repeat": F.pixel_shuffle(F.conv2d(x, w0.repeat(4, 1, 1, 1), padding=1), 2)[0].numpy().tolist(),
        "nearest": F.interpolate(F.conv2d(x, w0, padding=1), scale_factor=2, mode="nearest")[0].numpy().tolist(),
    }


def _tf_icnr10():
    tf, version = _tf()
    x, w0 = _lesson10_icnr_arrays()
    x_nhwc, w_hwio = np.transpose(x, (0, 2, 3, 1)), np.transpose(w0, (2, 3, 1, 0))   # filter (3, 3, C_in, C)

    def shuffled(filters):
        out = tf.nn.depth_to_space(tf.nn.conv2d(x_nhwc, filters, 1, "SAME"), 2)
        return tf.transpose(out[0], (2, 0, 1)).numpy().tolist()                                # back to (C, H, W)
    return version, ("tf.nn.depth_to_space(tf.nn.conv2d(x, f, 1, 'SAME'), 2), shown as (C, H, W), with f = "
                     "tf.tile(w0, [1, 1, 1, 4]) or tf.repeat(w0, 4, axis=3) (w0 in HWIO)"), {
        "tile": shuffled(tf.tile(w_hwio, [1, 1, 1, 4])),
        "repeat": shuffled(tf.repeat(w_hwio, 4, axis=3)),
    }


def _torch_strided_conv_gradients10():
    torch, version = _torch()
    F = torch.nn.functional
    x2 = torch.zeros(1, 1, 9, 9, dtype=torch.float64, requires_grad=True)
    F.conv2d(x2, torch.ones(1, 1, 3, 3, dtype=torch.float64), stride=2).sum().backward()
    x1 = torch.zeros(1, 1, 10, dtype=torch.float64, requires_grad=True)
    F.conv1d(x1, torch.tensor([[[1.0, 2.0, 3.0, 4.0]]], dtype=torch.float64), stride=2).sum().backward()
    return version, ("x.grad after F.conv2d(x (9×9), ones(3, 3), stride=2).sum().backward(), and after "
                     "F.conv1d(x (length 10), [1, 2, 3, 4], stride=2).sum().backward()"), {
        "k = 3, ones, 9x9": x2.grad[0, 0].numpy().tolist(), "k = 4, [1, 2, 3, 4], length 10": x1.grad[0, 0].numpy().tolist(),
    }


def _torch_bilinear_interpolate10():
    torch, version = _torch()
    F = torch.nn.functional
    x = torch.arange(1.0, 17.0, dtype=torch.float64).reshape(1, 1, 4, 4)
    return version, "F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False) for x = ones(4, 4) and 1..16 (4×4)", {
        "ones": F.interpolate(torch.ones_like(x), scale_factor=2, mode="bilinear", align_corners=False)[0, 0].numpy().tolist(),
        "1..16": F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)[0, 0].numpy().tolist(),
    }


def _torch_fcn_head09():
    torch, version = _torch()
    layer = torch.nn.ConvTranspose2d(21, 21, kernel_size=64, padding=16, stride=32)
    out = layer(torch.zeros(1, 21, 10, 15))
    return version, ("nn.ConvTranspose2d(21, 21, kernel_size=64, padding=16, stride=32) (d2l's FCN head) on "
                     "zeros(1, 21, 10, 15): parameter count, bias shape, output shape"), {
        "parameters": int(sum(t.numel() for t in layer.parameters())),
        "bias": list(layer.bias.shape), "output": list(out.shape)}


def _onnx_transpose_pads_output_padding():
    y = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3)
    w = np.array([1.0, 10.0, 100.0]).reshape(1, 1, 3)
    out, version = _onnx_run("ConvTranspose", {"X": y, "W": w}, strides=[2], pads=[1, 1], output_padding=[1])
    return version, "ConvTranspose([1, 2, 3], W = [1, 10, 100], strides=[2], pads=[1, 1], output_padding=[1])", \
        out.ravel()


def _tf_transpose_sizes_by_length():
    version, _, accepted = _tf_transpose_sizes()
    return version, ("tf.nn.conv1d_transpose(ones(3), ones(3), output_shape=(1, L, 1), strides=2, padding) "
                     "for every length L = 1..12: the lengths accepted"), accepted


def _keras_even_kernel_same_zero():
    _, version = _keras()
    return version, ("keras.layers.Conv1DTranspose(1, 4, strides=s, padding='same', output_padding=0)(ones(3)), "
                     "and the TF_ENABLE_ONEDNN_OPTS setting it ran with"), {
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
        "s = 2": keras_length_or_error(3, 4, 2, "same", 0),
        "s = 1": keras_length_or_error(3, 4, 1, "same", 0)}


RECIPES = {
    "tensorflow conv1d SAME stride 2, i = 224, k = 7": _tf_same_strided,
    "tensorflow conv1d SAME stride 2, i = 8, k = 3": _tf_conv1d_small("SAME"),
    "pytorch conv1d padding=1 stride 2, i = 8, k = 3": _torch_pad1_small,
    "pytorch conv1d padding='same' stride 2": _torch_same_strided,
    "tensorflow conv2d_transpose SAME 2x2 -> 4x4": _tf_transpose_qa,
    "tensorflow conv1d_transpose accepted output_shape": _tf_transpose_sizes,
    "tensorflow has conv2d_backprop_filter": _tf_backprop_filter,
    "keras Conv1DTranspose lengths": _keras_lengths,
    "jax conv_transpose VALID transpose_kernel=False": _jax_transpose("VALID", False),
    "jax conv_transpose VALID transpose_kernel=True": _jax_transpose("VALID", True),
    "jax conv_transpose SAME transpose_kernel=False": _jax_transpose("SAME", False),
    "jax conv_transpose SAME transpose_kernel=True": _jax_transpose("SAME", True),
    "pytorch conv_transpose1d [1, 2, 3] stride 2": _torch_transpose_123,
    "onnx ConvTranspose SAME_UPPER": _onnx_transpose("SAME_UPPER"),
    "onnx ConvTranspose SAME_LOWER": _onnx_transpose("SAME_LOWER"),
    "pytorch output_padding=1 at stride 1": _torch_output_padding_refusal,
    "pytorch pixel_shuffle": _torch_pixel_shuffle,
    "tensorflow depth_to_space": _tf_depth_to_space,
    "onnx DepthToSpace DCR": _onnx_depth_to_space("DCR"),
    "onnx DepthToSpace CRD": _onnx_depth_to_space("CRD"),
    "pytorch max_pool1d ceil_mode, i = 2, k = 1, s = 2": _torch_pool(
        "F.max_pool1d([1, 2], kernel_size=1, stride=2, ceil_mode=True)",
        lambda torch: torch.nn.functional.max_pool1d(torch.tensor([[[1.0, 2.0]]]), 1, 2, ceil_mode=True).ravel()),
    "pytorch max_pool1d ceil_mode, i = 112, k = 3, s = 2": _torch_pool(
        "F.max_pool1d(ones(112), kernel_size=3, stride=2, ceil_mode=True).shape[-1]",
        lambda torch: torch.nn.functional.max_pool1d(torch.ones(1, 1, 112), 3, 2, ceil_mode=True).shape[-1]),
    "pytorch max_pool1d padding above half the window": _torch_pool(
        "F.max_pool1d(ones(8), kernel_size=3, stride=1, padding=2)",
        lambda torch: torch.nn.functional.max_pool1d(torch.ones(1, 1, 8), 3, 1, padding=2)),
    "tensorflow conv1d VALID stride 2, i = 8, k = 3": _tf_conv1d_small("VALID"),
    "pytorch conv2d figure 1.1": _torch_conv2d_figure_1_1,
    "tensorflow conv2d figure 1.1": _tf_conv2d_figure_1_1,
    "pytorch Conv2d(2, 3, 3) shapes": _torch_conv2d_shapes,
    "keras Conv2D(3, 3) shapes": _keras_conv2d_shapes,
    "pytorch conv_transpose2d padding=1 output_padding=1": _torch_output_padding_crop,
    "pytorch conv_transpose2d padding=0 output_padding=1": _torch_output_padding_zeros,
    "pytorch names in lesson 04's table": _torch_names,
    "tensorflow names in lesson 04's table": _tf_names,
    "keras names in lesson 04's table": _keras_names,
    "pytorch input and weight gradients, lesson 04": _torch_gradients04,
    "tensorflow input and filter gradients, lesson 04": _tf_gradients04,
    "tensorflow conv2d_transpose without output_shape": _tf_transpose_needs_shape,
    "pytorch conv_transpose2d groups=2": _torch_grouped_transpose,
    "pytorch conv1d output lengths": _torch_conv_lengths,
    "tensorflow conv1d VALID and SAME lengths": _tf_conv_lengths,
    "keras Conv1D padding=1": _keras_conv_padding_number,
    "keras ZeroPadding1D then Conv1D valid": _keras_zero_padding_then_valid,
    "tensorflow avg_pool1d SAME on 3s": _tf_avg_pool_same,
    "tensorflow max_pool1d VALID and SAME lengths": _tf_pool_lengths,
    "tensorflow max_pool1d SAME on negatives": _tf_max_pool_same_negative,
    "tensorflow max_pool_with_argmax": _tf_max_pool_with_argmax,
    "keras MaxPooling1D default strides": _keras_max_pooling_default_strides,
    "keras GlobalAveragePooling2D": _keras_global_average,
    "pytorch adaptive_avg_pool2d 1": _torch_adaptive_average,
    "pytorch max_pool1d padding on negatives": _torch_max_pool_pad_negative,
    "pytorch avg_pool1d count_include_pad": _torch_avg_pool_count_include_pad,
    "pytorch max_unpool2d with switches": _torch_max_unpool2d,
    "pytorch max_unpool1d shared switch": _torch_max_unpool_shared_switch,
    "pytorch max_pool1d default stride": _torch_max_pool_default_stride,
    "pytorch max_pool1d default rounding": _torch_max_pool_default_rounding,
    "pytorch conv1d padding='same', i = 9, k = 4": _torch_same_even,
    "tensorflow conv1d SAME, i = 9, k = 4": _tf_same_even,
    "tensorflow conv1d explicit padding": _tf_conv1d_explicit_padding,
    "tensorflow conv2d explicit padding, one row": _tf_conv2d_explicit_padding,
    "tensorflow conv2d SAME, k = 3 and 5": _tf_conv2d_same_odd,
    "keras Conv2D padding='same', k = 3 and 5": _keras_conv2d_same_odd,
    "pytorch Conv2d(2, 3, 3) and ConvTranspose2d(3, 2, 3) weight shapes": _torch_weight_shapes04,
    "tensorflow input and filter gradients as returned, lesson 04": _tf_gradients04_as_returned,
    "tensorflow conv2d_transpose without output_shape, stride 1": _tf_transpose_needs_shape_stride1,
    "pytorch avg_pool1d ceil_mode count_include_pad, x = 1..6": _torch_avg_pool_ceil_divisor,
    "pytorch avg_pool2d count_include_pad, ones(3, 3), padding 1": _torch_avg_pool2d_divisor,
    "pytorch max_pool2d of max_unpool2d on negatives": _torch_pool_unpooled_negatives,
    "pytorch argument names in lesson 00's table": _torch_table_names,
    "tensorflow argument names in lesson 00's table": _tf_table_names,
    "keras argument names in lesson 00's table": _keras_table_names,
    "keras Conv1DTranspose same output_padding=1 on [1, 2, 3]": _keras_transpose_same_output_padding,
    "pytorch conv_transpose1d padding=1 output_padding=1 on [1, 2, 3]": _torch_transpose_output_padding_1d,
    "onnx ConvTranspose SAME_UPPER, k = 1 < s = 2": _onnx_transpose_short_kernel,
    "pytorch ConvTranspose2d(5, 7, 3) weight shape": _torch_transpose_weight_shape,
    "keras Conv2DTranspose(7, 3) kernel shape on 5 maps": _keras_transpose_kernel_shape,
    "tensorflow conv2d_transpose filter shape, 5 -> 7 maps": _tf_transpose_filter_shape,
    "onnx ConvTranspose weight shape, 5 -> 7 maps": _onnx_transpose_weight_shape,
    "jax conv_general_dilated lhs_dilation=2": _jax_lhs_dilation,
    "pytorch conv_transpose1d padding=2 with k = 3, i' = 2": _torch_transpose_too_small,
    "pytorch conv_transpose1d bias, output_padding=1": _torch_transpose_bias,
    "pytorch conv_transpose1d padding=2 > k - 1": _torch_transpose_large_padding,
    "pytorch conv1d dilation=2 on 0..8": _torch_conv1d_dilation2,
    "tensorflow conv1d dilations=2 on 0..8": _tf_conv1d_dilation2,
    "pytorch conv_transpose1d dilation=2 output_padding=1 at stride 1": _torch_dilated_transpose_output_padding,
    "jax conv_general_dilated SAME stride 2, i = 224, k = 7": _jax_same_strided,
    "pytorch conv1d F.pad (2, 3) and padding=3, stride 2, i = 224, k = 7": _torch_pad_then_conv,
    "pytorch ConvTranspose1d output_size, n = 3, k = 3, s = 2, p = 1": _torch_transpose_output_size,
    "tensorflow conv1d_transpose SAME [1, 10], [1, 2, 3] -> 4": _tf_conv1d_transpose_check08,
    "onnx ConvTranspose output_shape=[6]": _onnx_transpose_output_shape,
    "tensorflow the Q&A's conv2d_transpose example as written": _tf_qa_example_as_written,
    "pytorch the Q&A's example: padding=1, output_padding=1 and padding=0 cropped": _torch_qa_example,
    "pytorch pixel_unshuffle": _torch_space_to_depth,
    "tensorflow space_to_depth": _tf_space_to_depth,
    "onnx SpaceToDepth": _onnx_space_to_depth,
    "port: pytorch ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1)": _torch_port,
    "port: tensorflow conv2d_transpose": _tf_port,
    "port: keras Conv2DTranspose": _keras_port,
    "port: jax conv_transpose": _jax_port,
    "port: onnx ConvTranspose": _onnx_port,
    "dcgan layer: pytorch": _torch_dcgan,
    "dcgan layer: tensorflow": _tf_dcgan,
    "dcgan layer: keras": _keras_dcgan,
    "dcgan layer: jax": _jax_dcgan,
    "dcgan layer: onnx": _onnx_dcgan,
    "tensorflow conv1d_transpose [1, 2, 3] stride 2, SAME and VALID": _tf_transpose_123_windows,
    "keras Conv1DTranspose [1, 2, 3] stride 2": _keras_transpose_123_windows,
    "lesson 10: pytorch ICNR pixel_shuffle": _torch_icnr10,
    "lesson 10: tensorflow ICNR depth_to_space": _tf_icnr10,
    "lesson 10: pytorch gradients of strided convolutions": _torch_strided_conv_gradients10,
    "lesson 10: pytorch bilinear interpolate": _torch_bilinear_interpolate10,
    "lesson 09: pytorch d2l FCN head parameters": _torch_fcn_head09,
    "lesson 05: onnx ConvTranspose pads=[1, 1] output_padding=[1] on [1, 2, 3]": _onnx_transpose_pads_output_padding,
    "lesson 05: tensorflow conv1d_transpose accepted output lengths, n = 3, k = 3, s = 2": _tf_transpose_sizes_by_length,
    "lesson 05: keras Conv1DTranspose k = 4, 'same', output_padding=0": _keras_even_kernel_same_zero,
}
"""Every recording: its name and the recipe that makes it with the real framework."""


def _run(recipe) -> dict:
    framework, call, value = recipe()
    entry = {"framework": framework, "call": call}
    if callable(value):  # the recipe's call may raise: record the error
        try:
            entry["output"] = _plain(value())
        except Exception as err:  # noqa: BLE001 - any framework error is what is recorded
            entry["error"] = _error_text(err)
        return entry
    entry["output"] = _plain(value)
    return entry


def record(selected=None) -> dict:
    """Run the recipes (all, or the names in ``selected``) with the installed frameworks.

    Needs PyTorch, TensorFlow, JAX and ONNX Runtime (``make crosscheck`` installs them).

    Parameters
    ----------
    selected : iterable of str, optional

    Returns
    -------
    dict
        name -> entry, as stored in the data file.

    Examples
    --------
    >>> sorted(record([]))
    []
    """
    chosen = list(RECIPES) if selected is None else list(selected)
    unknown = [name for name in chosen if name not in RECIPES]
    if unknown:
        raise ValueError(f"selected must name recipes from RECIPES, got unknown {unknown}")
    return {name: _run(RECIPES[name]) for name in chosen}


def main(argv=None) -> int:
    """``python -m course_lib.recordings --write``: run every recipe and rewrite the data file."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite course_lib/data/framework_outputs.json")
    args = parser.parse_args(argv)
    data = {"about": "Outputs recorded from the real frameworks by course_lib.recordings; "
                     "make crosscheck runs every recipe again and compares.",
            "recordings": record()}
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if args.write:
        DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
        DATA_FILE.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
