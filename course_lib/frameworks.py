"""The frameworks' conventions, one small function each, verified against the frameworks themselves.

Every function here states what one framework does with one kind of argument: how TensorFlow,
JAX and PyTorch pad 'same', which output sizes TensorFlow's ``conv2d_transpose`` accepts, the
lengths Keras's ``Conv2DTranspose`` produces (and when it refuses), PyTorch's transposed sizes,
ONNX ``ConvTranspose``'s ``auto_pad``, JAX's ``transpose_kernel`` flag, pooling's rounding in
PyTorch and Caffe, weight layouts and pixel-shuffle channel orders. ``make crosscheck`` runs
PyTorch 2.13, TensorFlow 2.21 (Keras 3), JAX 0.10 and ONNX Runtime 1.32 over parameter sweeps
and compares each function with them (``tests/test_crosscheck_frameworks.py``). Caffe does not
install here: its pooling rule is taken from its source (``pooling_layer.cpp``), not run.

The module is a math module: numpy only, no framework is imported, so the lessons run without
any framework installed. Outputs that a lesson shows *as* a framework's output are recorded from
the real framework instead (:mod:`course_lib.recordings`).
"""

from __future__ import annotations

import numpy as np

from course_lib import arithmetic, numeric
from course_lib._validate import _describe, check_int, check_int_tuple

__all__ = [
    "FrameworkRefusal",
    "tf_same_padding",
    "torch_same_padding",
    "tf_conv_transpose_output_sizes",
    "tf_conv_transpose2d",
    "keras_conv_transpose_length",
    "torch_conv_transpose_length",
    "onnx_conv_transpose_pads",
    "jax_conv_transpose_padding",
    "jax_conv_transpose",
    "torch_pool_output_size",
    "caffe_pool_output_size",
    "WEIGHT_LAYOUTS",
    "convert_weight",
    "PIXEL_SHUFFLE_ORDERS",
]


class FrameworkRefusal(ValueError):
    """A framework refuses these arguments (raises, or fails when the layer runs).

    The message says which framework, what it does and why. It is a ``ValueError``, so code that
    catches bad arguments catches it too.
    """


def _check_mode(name: str, value, allowed: tuple) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {allowed}, got {_describe(value)}")
    if value.upper() not in {a.upper() for a in allowed}:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value.upper()


# --- 'same' padding of a direct convolution ---------------------------------------------------


def tf_same_padding(i, k, s=1, d=1) -> tuple[int, int]:
    """TensorFlow's (and JAX's, Keras's) ``padding='SAME'`` of a convolution or pooling, per side.

    The output has ⌈i/s⌉ units; the total padding is P = max((⌈i/s⌉ − 1)s + k̂ − i, 0), with
    ⌊P/2⌋ before and the rest after (k̂ = k + (k − 1)(d − 1)). At stride 1 it is P = k̂ − 1.

    Parameters
    ----------
    i, k, s, d : int
        Input size, kernel size, stride, dilation (all >= 1).

    Returns
    -------
    (before, after) : tuple of int

    Raises
    ------
    TypeError, ValueError
        If a parameter is not an integer >= 1.

    Examples
    --------
    >>> tf_same_padding(224, 7, s=2)      # 3 + 3 would be PyTorch's symmetric choice
    (2, 3)
    >>> tf_same_padding(9, 4)             # stride 1, even kernel: the odd unit at the end
    (1, 2)
    >>> tf_same_padding(5, 1, s=2)        # a 1-wide kernel at stride 2 needs no padding
    (0, 0)
    """
    i = check_int("i", i, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    d = check_int("d", d, minimum=1)
    k_hat = arithmetic.effective_kernel_size(k, d)
    total = max((-(-i // s) - 1) * s + k_hat - i, 0)
    return total // 2, total - total // 2


def torch_same_padding(k, s=1, d=1) -> tuple[int, int]:
    """PyTorch's ``padding='same'`` of ``nn.Conv1d/2d``, per side; PyTorch refuses it for s > 1.

    The total is k̂ − 1 (k̂ = k + (k − 1)(d − 1)), ⌊(k̂ − 1)/2⌋ before and the rest after: for an
    odd k̂ the symmetric padding, for an even one a unit more at the end (as TensorFlow at
    stride 1, and PyTorch warns that it copies the input to pad it).

    Parameters
    ----------
    k, s, d : int
        Kernel size, stride, dilation (all >= 1).

    Returns
    -------
    (before, after) : tuple of int

    Raises
    ------
    FrameworkRefusal
        If ``s > 1``: PyTorch raises "padding='same' is not supported for strided convolutions".
    TypeError, ValueError
        If a parameter is not an integer >= 1.

    Examples
    --------
    >>> torch_same_padding(3), torch_same_padding(4), torch_same_padding(3, d=2)
    ((1, 1), (1, 2), (2, 2))
    >>> torch_same_padding(3, s=2)
    Traceback (most recent call last):
    ...
    course_lib.frameworks.FrameworkRefusal: PyTorch refuses padding='same' for strided convolutions (s = 2); give the padding as a number
    """
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    d = check_int("d", d, minimum=1)
    if s > 1:
        raise FrameworkRefusal(
            f"PyTorch refuses padding='same' for strided convolutions (s = {s}); give the padding as a number"
        )
    total = arithmetic.effective_kernel_size(k, d) - 1
    return total // 2, total - total // 2


# --- transposed convolution: TensorFlow, Keras, PyTorch, ONNX, JAX ----------------------------


def tf_conv_transpose_output_sizes(n, k, s=1, padding="SAME", d=1) -> range:
    """The ``output_shape`` lengths ``tf.nn.conv2d_transpose`` accepts for an input of length n.

    TensorFlow computes the transposed convolution as the gradient of a direct convolution whose
    input has the requested length o, so it accepts o exactly when that convolution maps o back
    to n: 'SAME' needs ⌈o/s⌉ = n, i.e. (n − 1)s < o ≤ ns; 'VALID' needs ⌈(o − k̂ + 1)/s⌉ = n,
    i.e. (n − 1)s + k̂ − 1 < o ≤ ns + k̂ − 1. Any other o raises an error.

    Parameters
    ----------
    n : int
        Length of the transposed convolution's input (the guide's i′), >= 1.
    k, s, d : int
        Kernel size, stride, dilation (all >= 1).
    padding : {"SAME", "VALID"}
        Case-insensitive.

    Returns
    -------
    range
        The accepted lengths, s of them.

    Raises
    ------
    TypeError, ValueError
        For a parameter of the wrong type or range, or an unknown padding.

    Examples
    --------
    >>> list(tf_conv_transpose_output_sizes(3, 3, s=2)), list(tf_conv_transpose_output_sizes(3, 3, s=2, padding="VALID"))
    ([5, 6], [7, 8])
    """
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    d = check_int("d", d, minimum=1)
    mode = _check_mode("padding", padding, ("SAME", "VALID"))
    shift = 0 if mode == "SAME" else arithmetic.effective_kernel_size(k, d) - 1
    return range((n - 1) * s + 1 + shift, n * s + 1 + shift)


def tf_conv_transpose2d(y, w, stride=1, padding="SAME", output_shape=None, dilation=1) -> np.ndarray:
    """What ``tf.nn.conv2d_transpose`` computes, in the course's (PyTorch) array layout.

    The full scatter output of ``numeric.conv_transpose2d``, cropped by the padding TensorFlow's
    direct convolution would use on an input of size ``output_shape`` ('SAME':
    :func:`tf_same_padding`, its odd unit at the end; 'VALID': none); rows past the full output
    (VALID only) are zeros, input rows that convolution never reads.

    Parameters
    ----------
    y : array_like
        ``(H, W)`` or ``(C_in, H, W)``, as :func:`course_lib.numeric.conv_transpose2d`.
    w : array_like
        ``(kH, kW)`` or ``(C_in, C_out, kH, kW)`` (PyTorch's layout; TensorFlow's filter is
        ``[kH, kW, C_out, C_in]``, see :func:`convert_weight`).
    stride, dilation : int or pair of int
    padding : {"SAME", "VALID"}
    output_shape : pair of int, optional
        Spatial output size; default the largest 'SAME' size ``(H·s, W·s)`` or, for 'VALID',
        the full output. Must be one of :func:`tf_conv_transpose_output_sizes` per axis.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    FrameworkRefusal
        If TensorFlow refuses ``output_shape`` (its convolution would not map it back to H, W).
    TypeError, ValueError
        For bad arrays or parameters.

    Examples
    --------
    >>> tf_conv_transpose2d([[1, 2], [3, 4]], np.ones((3, 3), dtype=int), stride=2, output_shape=(4, 4)).tolist()
    [[1, 1, 3, 2], [1, 1, 3, 2], [4, 4, 10, 6], [3, 3, 7, 4]]
    """
    mode = _check_mode("padding", padding, ("SAME", "VALID"))
    y_arr = np.asarray(y)
    w_arr = np.asarray(w)
    if y_arr.ndim not in (2, 3) or w_arr.ndim not in (2, 4):
        raise ValueError(f"y must be (H, W) or (C_in, H, W) and w (kH, kW) or (C_in, C_out, kH, kW), "
                         f"got shapes {y_arr.shape} and {w_arr.shape}")
    sizes, kernel = y_arr.shape[-2:], w_arr.shape[-2:]
    stride = check_int_tuple("stride", stride, 2, minimum=1)
    dilation = check_int_tuple("dilation", dilation, 2, minimum=1)
    if output_shape is None:
        output_shape = tuple(list(tf_conv_transpose_output_sizes(n, k, s, mode, d))[-1]
                             for n, k, s, d in zip(sizes, kernel, stride, dilation))
    output_shape = check_int_tuple("output_shape", output_shape, 2, minimum=1)
    pads, extra = [], []
    for axis, (n, k, s, d, o) in enumerate(zip(sizes, kernel, stride, dilation, output_shape)):
        accepted = tf_conv_transpose_output_sizes(n, k, s, mode, d)
        if o not in accepted:
            raise FrameworkRefusal(
                f"TensorFlow refuses output_shape {o} on axis {axis}: its {mode!r} convolution with stride {s} "
                f"and kernel {k} does not map {o} back to {n}; it accepts {accepted.start}..{accepted.stop - 1}"
            )
        before, after = tf_same_padding(o, k, s, d) if mode == "SAME" else (0, 0)
        full = (n - 1) * s + arithmetic.effective_kernel_size(k, d)
        end = full - before - o                      # units cropped at the end; negative: zeros added
        pads.append((before, max(end, 0)))
        extra.append(max(-end, 0))
    return numeric.conv_transpose2d(y_arr, w_arr, stride=stride, padding=tuple(pads),
                                    output_padding=tuple(extra), dilation=dilation)


def keras_conv_transpose_length(n, k, s=1, padding="valid", output_padding=None, d=1) -> int:
    """Output length of Keras 3's ``Conv1DTranspose``/``Conv2DTranspose`` for an input of length n.

    With ``output_padding=None``: 'valid' gives n·s + max(k̂ − s, 0) and 'same' gives n·s. With an
    explicit a: (n − 1)s + k̂ − 2·pad + a, pad = ⌊k̂/2⌋ for 'same' and 0 for 'valid', so 'same'
    gives (n − 1)s + (k̂ mod 2) + a. None and 0 therefore differ for every s >= 2, and for s = 1
    with an even k̂. (k̂ = k + (k − 1)(d − 1).)

    Parameters
    ----------
    n : int
        Length of the layer's input (the guide's i′), >= 1.
    k, s, d : int
        ``kernel_size``, ``strides``, ``dilation_rate`` (all >= 1).
    padding : {"valid", "same"}
    output_padding : int or None
        Keras's default is None.

    Returns
    -------
    int

    Raises
    ------
    FrameworkRefusal
        Where Keras refuses: ``output_padding >= strides`` and ``strides > 1`` together with
        ``dilation_rate > 1`` raise ValueError when the layer is made; on the CPU any
        ``dilation_rate > 1`` fails when the layer runs; 'same' with an even k̂ and
        ``output_padding=0`` fails when the layer runs (its TensorFlow backend's 'SAME' accepts
        only lengths in ((n − 1)s, ns], and (n − 1)s is not), although
        ``compute_output_shape`` returns (n − 1)s.
    TypeError, ValueError
        For a parameter of the wrong type or range.

    Examples
    --------
    >>> keras_conv_transpose_length(3, 3, 2, "same"), keras_conv_transpose_length(3, 3, 2, "same", 0)
    (6, 5)
    >>> keras_conv_transpose_length(3, 2, 3, "valid"), keras_conv_transpose_length(3, 2, 3, "valid", 0)
    (9, 8)
    >>> keras_conv_transpose_length(3, 4, 2, "same", 0)
    Traceback (most recent call last):
    ...
    course_lib.frameworks.FrameworkRefusal: Keras fails when the layer runs: 'same' with an even kernel (k̂ = 4) and output_padding=0 asks for length 4, which its backend's 'SAME' (lengths 5..6) does not accept
    """
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    d = check_int("d", d, minimum=1)
    mode = _check_mode("padding", padding, ("valid", "same"))
    if output_padding is not None:
        output_padding = check_int("output_padding", output_padding, minimum=0)
        if output_padding >= s:
            raise FrameworkRefusal(
                f"Keras refuses output_padding={output_padding}: it must be strictly less than strides = {s}"
            )
    if s > 1 and d > 1:
        raise FrameworkRefusal(f"Keras refuses strides > 1 together with dilation_rate > 1 (strides = {s}, dilation_rate = {d})")
    if d > 1:
        raise FrameworkRefusal(f"Keras fails when the layer runs on the CPU: TensorFlow's CPU kernels do not support "
                               f"dilated transposed convolutions (dilation_rate = {d})")
    k_hat = arithmetic.effective_kernel_size(k, d)
    if output_padding is None:
        return n * s + max(k_hat - s, 0) if mode == "VALID" else n * s
    pad = k_hat // 2 if mode == "SAME" else 0
    length = (n - 1) * s + k_hat - 2 * pad + output_padding
    if mode == "SAME" and length not in tf_conv_transpose_output_sizes(n, k, s, "SAME", d):
        accepted = tf_conv_transpose_output_sizes(n, k, s, "SAME", d)
        raise FrameworkRefusal(
            f"Keras fails when the layer runs: 'same' with an even kernel (k̂ = {k_hat}) and output_padding=0 "
            f"asks for length {length}, which its backend's 'SAME' (lengths {accepted.start}..{accepted.stop - 1}) "
            f"does not accept"
        )
    return length


def torch_conv_transpose_length(n, k, s=1, p=0, output_padding=0, d=1) -> int:
    """Output length of PyTorch's ``ConvTranspose1d/2d``: (n − 1)s − 2p + d(k − 1) + output_padding + 1.

    PyTorch requires ``output_padding < max(s, d)`` and a positive length. ``padding`` is the
    direct convolution's p (it crops the full scatter output), not the emulating p′.

    Parameters
    ----------
    n : int
        Length of the layer's input (the guide's i′), >= 1.
    k, s, d : int
        ``kernel_size``, ``stride``, ``dilation`` (all >= 1).
    p, output_padding : int
        ``padding`` (>= 0) and ``output_padding`` (0 <= a < max(s, d)).

    Returns
    -------
    int

    Raises
    ------
    FrameworkRefusal
        Where PyTorch raises: ``output_padding >= max(s, d)``, or a length below 1.
    TypeError, ValueError
        For a parameter of the wrong type or a negative size.

    Examples
    --------
    >>> torch_conv_transpose_length(3, 3, s=2, p=1), torch_conv_transpose_length(3, 3, s=2, p=1, output_padding=1)
    (5, 6)
    >>> torch_conv_transpose_length(3, 3, s=1, output_padding=1)
    Traceback (most recent call last):
    ...
    course_lib.frameworks.FrameworkRefusal: PyTorch refuses output_padding=1: it must be smaller than max(stride, dilation) = 1
    """
    for name, value in (("n", n), ("k", k), ("s", s), ("d", d)):
        check_int(name, value, minimum=1)
    check_int("p", p, minimum=0)
    output_padding = check_int("output_padding", output_padding, minimum=0)
    if output_padding >= max(s, d):
        raise FrameworkRefusal(
            f"PyTorch refuses output_padding={output_padding}: it must be smaller than max(stride, dilation) = {max(s, d)}"
        )
    try:
        return arithmetic.transposed_output_size(n, k, s, p, d, output_padding)
    except ValueError as err:
        raise FrameworkRefusal(f"PyTorch refuses this layer: {err}") from None


def onnx_conv_transpose_pads(n, k, s=1, auto_pad="NOTSET", output_size=None, output_padding=0, d=1) -> tuple[int, int]:
    """The (begin, end) pads ONNX ``ConvTranspose`` crops from the full scatter output.

    With ``output_shape`` given (or ``auto_pad`` SAME_UPPER / SAME_LOWER), the total
    T = s(n − 1) + output_padding + k̂ − o is split: SAME_UPPER puts ⌊T/2⌋ at the beginning and the
    rest (the odd unit) at the end; SAME_LOWER and NOTSET put the odd unit at the beginning. The
    SAME modes' default output is n·s in the specification; ONNX Runtime gives min(n·s, full
    length) (for k̂ < s it does not pad the output up to n·s), which this function follows.

    Parameters
    ----------
    n : int
        Length of the input, >= 1.
    k, s, d : int
        Kernel size, ``strides``, ``dilations`` (all >= 1).
    auto_pad : {"NOTSET", "SAME_UPPER", "SAME_LOWER"}
    output_size : int, optional
        ``output_shape`` along this axis, at most the full length (n − 1)s + k̂ + output_padding;
        required with NOTSET; default min(n·s, full length) for the SAME modes (ONNX Runtime).
    output_padding : int
        0 <= output_padding < s (ONNX Runtime's limit), added at the end before cropping.

    Returns
    -------
    (begin, end) : tuple of int

    Raises
    ------
    TypeError, ValueError
        For a parameter of the wrong type or range.

    Examples
    --------
    >>> onnx_conv_transpose_pads(3, 3, 2, "SAME_UPPER"), onnx_conv_transpose_pads(3, 3, 2, "SAME_LOWER")
    ((0, 1), (1, 0))
    >>> onnx_conv_transpose_pads(3, 3, 2, output_size=6)    # NOTSET: like SAME_LOWER
    (1, 0)
    """
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    d = check_int("d", d, minimum=1)
    mode = _check_mode("auto_pad", auto_pad, ("NOTSET", "SAME_UPPER", "SAME_LOWER"))
    output_padding = check_int("output_padding", output_padding, minimum=0, maximum=s - 1)
    full = (n - 1) * s + arithmetic.effective_kernel_size(k, d) + output_padding
    if output_size is None:
        if mode == "NOTSET":
            raise ValueError("output_size is required with auto_pad='NOTSET' (otherwise the pads are given)")
        output_size = min(n * s, full)
    output_size = check_int("output_size", output_size, minimum=1, maximum=full)
    total = full - output_size
    small, large = total // 2, total - total // 2
    return (small, large) if mode == "SAME_UPPER" else (large, small)


def jax_conv_transpose_padding(k, s=1, padding="SAME", d=1) -> tuple[int, int]:
    """Padding JAX's ``lax.conv_transpose`` puts around its zero-stretched input, per side.

    JAX inserts s − 1 zeros between input units (``lhs_dilation``), pads (a, b) and slides the
    kernel at stride 1: 'SAME' pads k̂ + s − 2 in all (a = k̂ − 1 when s > k̂ − 1, else
    ⌈(k̂ + s − 2)/2⌉), output n·s; 'VALID' pads k̂ − 1 before and k̂ + s − 2 + max(k̂ − s, 0) − (k̂ − 1)
    after, output n·s + max(k̂ − s, 0). (k̂ = k + (k − 1)(d − 1).)

    Parameters
    ----------
    k, s, d : int
        Kernel size, stride, dilation (all >= 1).
    padding : {"SAME", "VALID"}

    Returns
    -------
    (before, after) : tuple of int

    Raises
    ------
    TypeError, ValueError
        For a parameter of the wrong type or range.

    Examples
    --------
    >>> jax_conv_transpose_padding(3, 2), jax_conv_transpose_padding(3, 2, "VALID")
    ((2, 1), (2, 2))
    """
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    d = check_int("d", d, minimum=1)
    mode = _check_mode("padding", padding, ("SAME", "VALID"))
    k_hat = arithmetic.effective_kernel_size(k, d)
    if mode == "SAME":
        total = k_hat + s - 2
        before = k_hat - 1 if s > k_hat - 1 else -(-total // 2)
    else:
        total = k_hat + s - 2 + max(k_hat - s, 0)
        before = k_hat - 1
    return before, total - before


def jax_conv_transpose(y, w, stride=1, padding="SAME", *, transpose_kernel=False) -> np.ndarray:
    """What JAX's ``lax.conv_transpose`` computes for one channel: zero insertion, then correlation.

    The input is stretched (s − 1 zeros between units), padded by
    :func:`jax_conv_transpose_padding` and cross-correlated with the kernel **as given**; only
    ``transpose_kernel=True`` rotates it by 180°, which makes the result the transposed
    convolution (the gradient of a convolution with that kernel). So JAX, unlike PyTorch and
    TensorFlow, really inserts zeros, and without the flag its result is not a transposed
    convolution of ``w`` unless ``w`` is unchanged by the rotation.

    Parameters
    ----------
    y : array_like, 1-D or 2-D
    w : array_like, the same number of dimensions as ``y``
    stride : int or sequence of int
    padding : {"SAME", "VALID"}
    transpose_kernel : bool

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError, ValueError
        For arrays of other shapes or bad parameters.

    Examples
    --------
    >>> jax_conv_transpose([1, 2, 3], [1, 2, 3], 2, "VALID", transpose_kernel=True).tolist()   # = PyTorch's
    [1, 2, 5, 4, 9, 6, 9]
    >>> jax_conv_transpose([1, 2, 3], [1, 2, 3], 2, "VALID").tolist()                          # kernel not rotated
    [3, 2, 7, 4, 11, 6, 3]
    """
    if not isinstance(transpose_kernel, bool):
        raise TypeError(f"transpose_kernel must be True or False, got {_describe(transpose_kernel)}")
    y_arr, w_arr = np.asarray(y), np.asarray(w)
    if y_arr.ndim not in (1, 2) or w_arr.ndim != y_arr.ndim:
        raise ValueError(f"y and w must both be 1-D or both 2-D, got shapes {y_arr.shape} and {w_arr.shape}")
    nd = y_arr.ndim
    strides = check_int_tuple("stride", stride, nd, minimum=1)
    mode = _check_mode("padding", padding, ("SAME", "VALID"))
    stretched_shape = tuple((n - 1) * s + 1 for n, s in zip(y_arr.shape, strides))
    stretched = np.zeros(stretched_shape, dtype=np.result_type(y_arr, w_arr))
    stretched[tuple(slice(None, None, s) for s in strides)] = y_arr
    pads = tuple(jax_conv_transpose_padding(k, s, mode) for k, s in zip(w_arr.shape, strides))
    kernel = w_arr[(slice(None, None, -1),) * nd] if transpose_kernel else w_arr
    conv = numeric.conv1d if nd == 1 else numeric.conv2d
    return conv(stretched, kernel, padding=pads)


# --- pooling rounding ---------------------------------------------------------------------------


def torch_pool_output_size(i, k, s=None, p=0, ceil_mode=False) -> int:
    """Output length of PyTorch's ``MaxPool``/``AvgPool`` (``stride`` defaults to the window).

    Floor: ⌊(i + 2p − k)/s⌋ + 1. ``ceil_mode=True``: ⌈(i + 2p − k)/s⌉ + 1, minus one when the last
    window would start at or past i + p, with or without padding. PyTorch refuses p > k/2
    ("max_pool1d() padding should be at most half of kernel size"; ``max_pool2d`` says "pad
    should be at most half of effective kernel size").

    Parameters
    ----------
    i, k : int
        Input size and window (>= 1).
    s : int, optional
        Stride (>= 1); default ``k``.
    p : int
        Padding, 0 <= p <= k/2.
    ceil_mode : bool

    Returns
    -------
    int

    Raises
    ------
    FrameworkRefusal
        If p > k/2 (PyTorch refuses it).
    TypeError, ValueError
        For a parameter of the wrong type or range, or a window larger than the padded input.

    Examples
    --------
    >>> torch_pool_output_size(112, 3, 2), torch_pool_output_size(112, 3, 2, ceil_mode=True)
    (55, 56)
    >>> torch_pool_output_size(2, 1, 2, ceil_mode=True)     # the second window would start at 2 = i + p
    1
    """
    k = check_int("k", k, minimum=1)
    s = k if s is None else s
    p = check_int("p", p, minimum=0)
    if 2 * p > k:
        raise FrameworkRefusal(f"PyTorch refuses pooling padding p = {p} > k/2 = {k / 2:g}: "
                               f"padding should be at most half of kernel size")
    return arithmetic.pool_output_size(i, k, s, p, ceil_mode=ceil_mode)


def caffe_pool_output_size(i, k, s=1, p=0) -> int:
    """Output length of Caffe's pooling layer: always rounds up; drops a last window only with padding.

    o = ⌈(i + 2p − k)/s⌉ + 1; then, **only if p > 0**, minus one when the last window would
    start at or past i + p (Caffe's ``pooling_layer.cpp`` tests ``pad_h_ || pad_w_``). With
    p = 0 it never drops one, so for k < s it can count a window that starts past the input:
    i = 2, k = 1, s = 2 gives 2 in Caffe and 1 in PyTorch's ``ceil_mode``. Taken from Caffe's
    source; Caffe does not install here, so this function is not run against Caffe.

    Parameters
    ----------
    i, k, s : int
        Input size, window, stride (>= 1).
    p : int
        Padding, 0 <= p < k (Caffe's check).

    Returns
    -------
    int

    Raises
    ------
    TypeError, ValueError
        For a parameter of the wrong type or range, or a window larger than the padded input.

    Examples
    --------
    >>> caffe_pool_output_size(112, 3, 2), caffe_pool_output_size(2, 1, 2)
    (56, 2)
    """
    i = check_int("i", i, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    p = check_int("p", p, minimum=0, maximum=k - 1)
    if k > i + 2 * p:
        raise ValueError(f"pooling window k = {k} must not exceed the padded input size i + 2p = {i + 2 * p}")
    o = -(-(i + 2 * p - k) // s) + 1
    if p > 0 and (o - 1) * s >= i + p:
        o -= 1
    return o


# --- weight layouts and pixel-shuffle orders ------------------------------------------------------

WEIGHT_LAYOUTS = {
    ("pytorch", "conv"): "OIHW",
    ("pytorch", "conv_transpose"): "IOHW",
    ("tensorflow", "conv"): "HWIO",
    ("tensorflow", "conv_transpose"): "HWOI",
    ("keras", "conv"): "HWIO",
    ("keras", "conv_transpose"): "HWOI",
    ("jax", "conv"): "OIHW",
    ("jax", "conv_transpose"): "HWIO",
    ("jax", "conv_transpose, transpose_kernel=True"): "HWOI",
    ("onnx", "conv"): "OIHW",
    ("onnx", "conv_transpose"): "IOHW",
}
"""Each framework's 2-D weight layout: O output channels, I input channels of *that* layer, H, W.

TensorFlow's ``conv2d_transpose`` filter is ``[kH, kW, output_channels, in_channels]``, PyTorch's
``ConvTranspose2d`` weight ``(in_channels, out_channels, kH, kW)``. JAX's ``lax.conv_general_dilated``
defaults to OIHW and ``lax.conv_transpose`` to TensorFlow's HWIO; with ``transpose_kernel=True``
JAX swaps I and O (and rotates the kernel), so the array is HWOI in the transposed layer's terms:
the forward convolution's HWIO kernel, passed as it is. Verified by running each framework with
weights converted by :func:`convert_weight` (``tests/test_crosscheck_frameworks.py``).
"""


def convert_weight(w, source: str, target: str) -> np.ndarray:
    """Reorder a 4-D weight array from one layout string to another (e.g. ``"IOHW"`` to ``"HWOI"``).

    Parameters
    ----------
    w : array_like, 4-D
    source, target : str
        Permutations of ``"OIHW"``, as in :data:`WEIGHT_LAYOUTS`.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError, ValueError
        If a layout is not a permutation of "OIHW" or ``w`` is not 4-D.

    Examples
    --------
    >>> w = np.zeros((2, 3, 5, 7))                       # PyTorch ConvTranspose2d: (C_in, C_out, kH, kW)
    >>> convert_weight(w, WEIGHT_LAYOUTS["pytorch", "conv_transpose"], WEIGHT_LAYOUTS["tensorflow", "conv_transpose"]).shape
    (5, 7, 3, 2)
    """
    for name, layout in (("source", source), ("target", target)):
        if not isinstance(layout, str):
            raise TypeError(f"{name} must be a layout string such as 'OIHW', got {_describe(layout)}")
        if sorted(layout) != sorted("OIHW"):
            raise ValueError(f"{name} must be a permutation of 'OIHW', got {layout!r}")
    array = np.asarray(w)
    if array.ndim != 4:
        raise ValueError(f"w must be 4-D, got shape {array.shape}")
    return np.transpose(array, [source.index(axis) for axis in target])


PIXEL_SHUFFLE_ORDERS = {
    "pytorch pixel_shuffle": "CRD",
    "tensorflow depth_to_space": "DCR",
    "onnx DepthToSpace (default)": "DCR",
    "onnx DepthToSpace mode='CRD'": "CRD",
}
"""The channel order of each framework's depth-to-space, for :func:`course_lib.numeric.pixel_shuffle`.

CRD: output (c, h·r + i, w·r + j) reads channel c·r² + i·r + j; DCR: channel (i·r + j)·C + c.
Verified by running each (TensorFlow's ``depth_to_space`` on NHWC arrays, moved to CHW).
"""


# --- lesson 08: which part of the full scatter output each framework returns ---------------------
#
# Every framework's transposed convolution (undilated) returns a *window* of the full scatter output
# of (n − 1)s + k units: ``length`` units from unit ``begin`` on, zeros where the window reaches past
# the full output (or, for JAX, before it). The functions below give that window for each
# framework's arguments; ``course_lib.conventions.take_window`` applies it.

__all__ += [
    "torch_conv_transpose_output_sizes",
    "torch_conv_transpose_window",
    "tf_conv_transpose_window",
    "keras_conv_transpose_window",
    "jax_conv_transpose_window",
    "onnx_conv_transpose_window",
    "SPACE_TO_DEPTH_ORDERS",
]


def torch_conv_transpose_output_sizes(n, k, s=1, p=0, d=1) -> range:
    """The ``output_size`` values PyTorch's ``nn.ConvTranspose1d/2d`` accepts in ``forward``.

    PyTorch turns ``output_size`` into an ``output_padding``: it accepts the lengths from
    m = (n − 1)s − 2p + d(k − 1) + 1 to m + s − 1 (the stride alone sets how many, also when
    d > s; lengths below 1 left out) and raises ``ValueError`` for any other.

    Parameters
    ----------
    n : int
        Length of the layer's input (the guide's i′), >= 1.
    k, s, d : int
        ``kernel_size``, ``stride``, ``dilation`` (all >= 1).
    p : int
        ``padding`` (>= 0).

    Returns
    -------
    range
        The accepted lengths.

    Raises
    ------
    FrameworkRefusal
        If no length is left (m + s − 1 < 1).
    TypeError, ValueError
        For a parameter of the wrong type or range.

    Examples
    --------
    >>> list(torch_conv_transpose_output_sizes(3, 3, s=2, p=1)), list(torch_conv_transpose_output_sizes(3, 3, d=2))
    ([5, 6], [7])
    """
    for name, value in (("n", n), ("k", k), ("s", s), ("d", d)):
        check_int(name, value, minimum=1)
    check_int("p", p, minimum=0)
    smallest = (n - 1) * s - 2 * p + d * (k - 1) + 1        # output_padding = 0; may be < 1
    if smallest + s - 1 < 1:
        raise FrameworkRefusal(f"PyTorch refuses every output_size: even output_padding = s - 1 leaves "
                               f"{smallest + s - 1} units (n={n}, k={k}, s={s}, p={p}, d={d})")
    return range(max(smallest, 1), smallest + s)


def torch_conv_transpose_window(n, k, s=1, p=0, output_padding=0, output_size=None) -> tuple[int, int]:
    """The window ``(begin, length)`` of the full scatter output that ``ConvTranspose1d/2d`` returns.

    ``padding=p`` crops p units at the start and p at the end; ``output_padding`` gives units
    back at the end (computed ones while they lie inside the full output, zeros past it). So
    begin = p and length = (n − 1)s + k − 2p + output_padding: the window always starts where
    the crop at the end would, or later — PyTorch cannot crop more at the end than at the start.
    ``output_size`` (``forward``'s argument) picks ``output_padding`` for you.

    Parameters
    ----------
    n : int
        Length of the layer's input, >= 1.
    k, s : int
        ``kernel_size``, ``stride`` (>= 1).
    p, output_padding : int
        ``padding`` (>= 0), ``output_padding`` (0 <= output_padding < s).
    output_size : int, optional
        Given to ``forward``; one of :func:`torch_conv_transpose_output_sizes`. Replaces
        ``output_padding``.

    Returns
    -------
    (begin, length) : tuple of int

    Raises
    ------
    FrameworkRefusal
        Where PyTorch raises (``output_padding >= s``, no output, an ``output_size`` out of range).
    TypeError, ValueError
        For a parameter of the wrong type or range.

    Examples
    --------
    >>> torch_conv_transpose_window(3, 3, 2, p=1, output_padding=1), torch_conv_transpose_window(3, 3, 2, p=1, output_size=6)
    ((1, 6), (1, 6))
    """
    if output_size is not None:
        accepted = torch_conv_transpose_output_sizes(n, k, s, p)
        output_size = check_int("output_size", output_size, minimum=1)
        if output_size not in accepted:
            raise FrameworkRefusal(f"PyTorch refuses output_size {output_size}: valid sizes range from "
                                   f"{accepted.start} to {accepted.stop - 1}")
        return p, output_size
    return p, torch_conv_transpose_length(n, k, s, p, output_padding)


def _explicit_pair(name: str, value) -> tuple[int, int]:
    if isinstance(value, str) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"{name} must be a (before, after) pair of integers, got {_describe(value)}")
    return check_int(f"{name}[0]", value[0]), check_int(f"{name}[1]", value[1])


def tf_conv_transpose_window(n, k, s, padding, output_size) -> tuple[int, int]:
    """The window ``(begin, length)`` that ``tf.nn.conv2d_transpose`` returns, per spatial axis.

    TensorFlow computes the gradient of the direct convolution that maps ``output_size`` units to
    n; that convolution's padding before the input is what is cropped at the start: ⌊P/2⌋ of
    :func:`tf_same_padding` for 'SAME', 0 for 'VALID', and ``before`` for explicit padding
    ``(before, after)`` (``conv2d_transpose`` takes ``[[0, 0], [before, after], …, [0, 0]]``;
    ``conv1d_transpose`` takes no explicit padding). With explicit padding TensorFlow accepts
    ``output_size`` o exactly when ⌊(o + before + after − k)/s⌋ + 1 = n; with 'SAME' or 'VALID',
    see :func:`tf_conv_transpose_output_sizes`.

    Parameters
    ----------
    n : int
        Length of the input, >= 1.
    k, s : int
        Kernel size and stride (>= 1).
    padding : "SAME", "VALID" or (before, after)
        Explicit padding as two integers >= 0.
    output_size : int
        ``output_shape`` along this axis.

    Returns
    -------
    (begin, length) : tuple of int
        length is ``output_size``.

    Raises
    ------
    FrameworkRefusal
        If TensorFlow refuses ``output_size`` with this padding.
    TypeError, ValueError
        For a parameter of the wrong type or range.

    Examples
    --------
    >>> tf_conv_transpose_window(2, 3, 2, "SAME", 4), tf_conv_transpose_window(3, 3, 2, (1, 1), 6)
    ((0, 4), (1, 6))
    """
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    o = check_int("output_size", output_size, minimum=1)
    if isinstance(padding, str):
        mode = _check_mode("padding", padding, ("SAME", "VALID"))
        accepted = tf_conv_transpose_output_sizes(n, k, s, mode)
        if o not in accepted:
            raise FrameworkRefusal(f"TensorFlow refuses output_shape {o} with {mode!r}: it accepts "
                                   f"{accepted.start}..{accepted.stop - 1}")
        return (tf_same_padding(o, k, s)[0] if mode == "SAME" else 0), o
    before, after = _explicit_pair("padding", padding)
    if before < 0 or after < 0:
        raise ValueError(f"explicit padding must be >= 0 on both sides, got {(before, after)}")
    padded = o + before + after
    if padded < k or (padded - k) // s + 1 != n:
        low = (n - 1) * s + k - before - after
        raise FrameworkRefusal(f"TensorFlow refuses output_shape {o} with explicit padding {(before, after)}: "
                               f"it accepts {max(low, 1)}..{low + s - 1}")
    return before, o


def keras_conv_transpose_window(n, k, s, padding="valid", output_padding=None) -> tuple[int, int]:
    """The window ``(begin, length)`` that Keras 3's ``Conv1DTranspose``/``Conv2DTranspose`` returns.

    Keras (TensorFlow backend) returns TensorFlow's window (:func:`tf_conv_transpose_window`) for
    the length Keras computes (:func:`keras_conv_transpose_length`) and the same padding string:
    'same' crops ⌊P/2⌋ units at the start (:func:`tf_same_padding` of the output length), 'valid'
    none. Keras takes no explicit padding: any other window needs a ``Cropping1D/2D``
    layer after it.

    Parameters
    ----------
    n : int
        Length of the layer's input, >= 1.
    k, s : int
        ``kernel_size``, ``strides`` (>= 1).
    padding : {"valid", "same"}
    output_padding : int or None

    Returns
    -------
    (begin, length) : tuple of int

    Raises
    ------
    FrameworkRefusal
        Where Keras refuses (see :func:`keras_conv_transpose_length`).
    TypeError, ValueError
        For a parameter of the wrong type or range.

    Examples
    --------
    >>> keras_conv_transpose_window(3, 3, 2, "same"), keras_conv_transpose_window(3, 3, 2, "same", 0)
    ((0, 6), (1, 5))
    """
    length = keras_conv_transpose_length(n, k, s, padding, output_padding)
    mode = _check_mode("padding", padding, ("valid", "same"))
    return (tf_same_padding(length, k, s)[0] if mode == "SAME" else 0), length


def jax_conv_transpose_window(n, k, s, padding) -> tuple[int, int]:
    """The window ``(begin, length)`` that ``jax.lax.conv_transpose(..., transpose_kernel=True)`` returns.

    JAX pads its zero-stretched input ((n − 1)s + 1 units) by (lo, hi) and slides the kernel at
    stride 1: 'SAME' and 'VALID' use :func:`jax_conv_transpose_padding`; explicit pairs are given
    as they are, and may be negative (a crop of the stretched input). Padding lo = k − 1 is the
    full output's start, so begin = k − 1 − lo (negative: zeros before the full output) and
    length = (n − 1)s + lo + hi − k + 2. Explicit (lo, hi) is the guide's emulating padding:
    (p′, p′ + a). Without ``transpose_kernel=True`` the window is the same but the kernel is not
    rotated (:func:`jax_conv_transpose`).

    Parameters
    ----------
    n : int
        Length of the input, >= 1.
    k, s : int
        Kernel size and stride (>= 1).
    padding : "SAME", "VALID" or (lo, hi)

    Returns
    -------
    (begin, length) : tuple of int

    Raises
    ------
    FrameworkRefusal
        If the padding leaves no output.
    TypeError, ValueError
        For a parameter of the wrong type or range.

    Examples
    --------
    >>> jax_conv_transpose_window(3, 3, 2, "SAME"), jax_conv_transpose_window(3, 3, 2, (1, 2))
    ((0, 6), (1, 6))
    """
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    lo, hi = jax_conv_transpose_padding(k, s, padding) if isinstance(padding, str) else _explicit_pair("padding", padding)
    length = (n - 1) * s + lo + hi - k + 2
    if length < 1:
        raise FrameworkRefusal(f"JAX gives no output: padding {(lo, hi)} leaves {length} units")
    return k - 1 - lo, length


def onnx_conv_transpose_window(n, k, s=1, pads=(0, 0), output_padding=0, auto_pad="NOTSET",
                               output_size=None) -> tuple[int, int]:
    """The window ``(begin, length)`` that ONNX ``ConvTranspose`` returns (as ONNX Runtime runs it).

    ``pads = (begin, end)`` crops the full output, extended by ``output_padding`` units at the end
    (zeros past the full output): length = (n − 1)s + k + output_padding − begin − end. With
    ``output_shape`` given, or ``auto_pad`` SAME_UPPER / SAME_LOWER, ``pads`` is ignored and the
    crop is :func:`onnx_conv_transpose_pads`.

    Parameters
    ----------
    n : int
        Length of the input, >= 1.
    k, s : int
        Kernel size and ``strides`` (>= 1).
    pads : (begin, end)
        Two integers >= 0 (ONNX lists all begins, then all ends: ``[b_H, b_W, e_H, e_W]``).
    output_padding : int
        0 <= output_padding < s.
    auto_pad : {"NOTSET", "SAME_UPPER", "SAME_LOWER"}
    output_size : int, optional
        ``output_shape`` along this axis.

    Returns
    -------
    (begin, length) : tuple of int

    Raises
    ------
    FrameworkRefusal
        If the pads leave no output.
    TypeError, ValueError
        For a parameter of the wrong type or range.

    Examples
    --------
    >>> onnx_conv_transpose_window(3, 3, 2, pads=(1, 1), output_padding=1), onnx_conv_transpose_window(3, 3, 2, output_size=6)
    ((1, 6), (1, 6))
    """
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    mode = _check_mode("auto_pad", auto_pad, ("NOTSET", "SAME_UPPER", "SAME_LOWER"))
    output_padding = check_int("output_padding", output_padding, minimum=0, maximum=s - 1)
    full = (n - 1) * s + k + output_padding
    if output_size is not None or mode != "NOTSET":
        begin, end = onnx_conv_transpose_pads(n, k, s, mode, output_size, output_padding)
    else:
        begin, end = _explicit_pair("pads", pads)
        if begin < 0 or end < 0:
            raise ValueError(f"pads must be >= 0, got {(begin, end)}")
    if full - begin - end < 1:
        raise FrameworkRefusal(f"ONNX gives no output: pads {(begin, end)} crop all {full} units")
    return begin, full - begin - end


SPACE_TO_DEPTH_ORDERS = {
    "pytorch pixel_unshuffle": "CRD",
    "tensorflow space_to_depth": "DCR",
    "onnx SpaceToDepth": "DCR",
}
"""The channel order of each framework's space-to-depth, for :func:`course_lib.numeric.pixel_unshuffle`.

Each is the inverse of the same framework's depth-to-space (:data:`PIXEL_SHUFFLE_ORDERS`). ONNX's
``SpaceToDepth`` has no ``mode`` attribute (ONNX Runtime rejects one): it is always DCR. Verified by
running each (``tests/test_crosscheck_frameworks.py``).
"""
