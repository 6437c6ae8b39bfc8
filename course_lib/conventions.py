"""For a wanted transposed-convolution output: the arguments each framework needs, and where it cannot.

Every framework's (undilated) transposed convolution returns a *window* of the full scatter output,
whose (n − 1)s + k units hold every kernel copy: ``length`` units from unit ``begin`` on, zeros where
the window reaches past the full output. :func:`take_window` cuts such a window;
:func:`transposed_arguments` searches each framework's arguments for the ones whose window is a
given ``(begin, length)``, using the window functions of :mod:`course_lib.frameworks` (verified
against the frameworks by ``make crosscheck``), and says what to do where a framework has none.
Numpy only; no framework is imported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib import frameworks
from course_lib._validate import check_int

__all__ = ["take_window", "find_window", "ArgumentRow", "ArgumentTable", "transposed_arguments", "FRAMEWORK_CALLS"]

FRAMEWORK_CALLS = {
    "PyTorch": "nn.ConvTranspose2d",
    "TensorFlow": "tf.nn.conv2d_transpose",
    "Keras": "keras.layers.Conv2DTranspose",
    "JAX": "jax.lax.conv_transpose(..., transpose_kernel=True)",
    "ONNX": "ConvTranspose",
}
"""The call each row of :func:`transposed_arguments` is about."""


def take_window(full, *windows) -> np.ndarray:
    """Units ``begin … begin + length − 1`` of each axis of ``full``; zeros where they lie outside it.

    Parameters
    ----------
    full : array_like
        The full scatter output (any number of dimensions).
    *windows : (begin, length)
        One pair per axis of ``full``; begin may be negative, length >= 1.

    Returns
    -------
    numpy.ndarray
        Shape ``(length, …)``, the dtype of ``full``.

    Raises
    ------
    TypeError, ValueError
        If a window is not a pair of integers, a length is below 1, or the number of windows is
        not ``full.ndim``.

    Examples
    --------
    >>> take_window(np.array([1, 2, 5, 4, 6]), (0, 4)).tolist(), take_window(np.array([1, 2, 5, 4, 6]), (1, 5)).tolist()
    ([1, 2, 5, 4], [2, 5, 4, 6, 0])
    """
    array = np.asarray(full)
    if len(windows) != array.ndim:
        raise ValueError(f"windows must give one (begin, length) per axis of full ({array.ndim}), got {len(windows)}")
    pairs = []
    for axis, window in enumerate(windows):
        if isinstance(window, str) or not hasattr(window, "__len__") or len(window) != 2:
            raise TypeError(f"windows[{axis}] must be a (begin, length) pair, got {window!r}")
        pairs.append((check_int(f"windows[{axis}][0]", window[0]),
                      check_int(f"windows[{axis}][1]", window[1], minimum=1)))
    out = np.zeros(tuple(length for _, length in pairs), dtype=array.dtype)
    source, target = [], []
    for (begin, length), size in zip(pairs, array.shape):
        first, last = max(begin, 0), min(begin + length, size)
        if last <= first:
            return out
        source.append(slice(first, last))
        target.append(slice(first - begin, last - begin))
    out[tuple(target)] = array[tuple(source)]
    return out


def find_window(full, output) -> tuple[int, int] | None:
    """Where a 1-D ``output`` sits in the 1-D ``full`` output: the first window that equals it, or None.

    Parameters
    ----------
    full, output : array_like, 1-D
        The full scatter output and a framework's output (numbers compared exactly).

    Returns
    -------
    (begin, length) or None
        The smallest begin with ``take_window(full, (begin, len(output)))`` equal to ``output``;
        begin runs from ``-len(output)`` to ``len(full)``.

    Raises
    ------
    ValueError
        If an array is not 1-D or ``output`` is empty.

    Examples
    --------
    >>> find_window([1, 2, 5, 4, 9, 6, 9], [2, 5, 4, 9, 6]), find_window([1, 2, 5], [7])
    ((1, 5), None)
    """
    full_arr, out = np.asarray(full), np.asarray(output)
    if full_arr.ndim != 1 or out.ndim != 1 or out.size == 0:
        raise ValueError(f"full and output must be 1-D and output non-empty, got shapes {full_arr.shape} and {out.shape}")
    length = len(out)
    for begin in range(-length, len(full_arr) + 1):
        if np.array_equal(take_window(full_arr, (begin, length)), out):
            return begin, length
    return None


@dataclass(frozen=True)
class ArgumentRow:
    """One framework's ways to the target window: ``options`` (argument dicts) or, if none, ``otherwise``."""

    framework: str
    options: tuple[dict, ...]
    otherwise: str

    @property
    def can(self) -> bool:
        """Whether one call of the framework gives the target."""
        return bool(self.options)


def _show(options) -> str:
    def value(v):
        return repr(v) if isinstance(v, str) else str(v)
    return " or ".join("`" + ", ".join(f"{name}={value(v)}" for name, v in option.items()) + "`" for option in options)


@dataclass(frozen=True)
class ArgumentTable:
    """The result of :func:`transposed_arguments`; shows as a markdown table."""

    n: int
    k: int
    s: int
    length: int
    begin: int
    rows: tuple[ArgumentRow, ...]

    def row(self, framework: str) -> ArgumentRow:
        """The row of ``framework`` (one of :data:`FRAMEWORK_CALLS`)."""
        for row in self.rows:
            if row.framework == framework:
                return row
        raise ValueError(f"framework must be one of {[row.framework for row in self.rows]}, got {framework!r}")

    def _repr_markdown_(self) -> str:
        full = (self.n - 1) * self.s + self.k
        lines = [f"**Target:** i′ = {self.n} → {self.length} units with k = {self.k}, s = {self.s}: the full "
                 f"output's {full} units from unit {self.begin} on (begin = {self.begin}, end crop = "
                 f"{full - self.begin - self.length}). Explicit paddings per spatial axis.",
                 "", "| framework | call | arguments | if none |", "|---|---|---|---|"]
        for row in self.rows:
            lines.append(f"| {row.framework} | `{FRAMEWORK_CALLS[row.framework]}` | "
                         f"{_show(row.options) if row.options else '**cannot**'} | {row.otherwise} |")
        return "\n".join(lines)


def _window_or_none(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except ValueError:               # a refusal (FrameworkRefusal) or a value out of the function's range
        return None


def transposed_arguments(n, k, s, length, begin) -> ArgumentTable:
    """Each framework's arguments whose transposed convolution returns the window ``(begin, length)``.

    The target is the full scatter output of an input of n units ((n − 1)s + k units), from unit
    ``begin`` on, ``length`` units long: the transposed convolution of a direct convolution that
    pads ``begin`` units before its input. Every candidate argument set of each framework is
    tried with the window functions of :mod:`course_lib.frameworks`; the row lists those that
    match, or says why there is none and what gives the target in two steps (a crop after a
    larger output).

    Parameters
    ----------
    n : int
        Length of the transposed layer's input (the guide's i′), >= 1.
    k, s : int
        Kernel size and stride (>= 1); no dilation.
    length : int
        Wanted output length, >= 1.
    begin : int
        First unit of the full output to return, 0 <= begin < (n − 1)s + k.

    Returns
    -------
    ArgumentTable

    Raises
    ------
    TypeError, ValueError
        For a parameter of the wrong type or range.

    Examples
    --------
    >>> table = transposed_arguments(2, 3, 2, 4, 0)         # TensorFlow's 'SAME': 2 -> 4
    >>> table.row("PyTorch").can, table.row("TensorFlow").options[0]
    (False, {'padding': 'SAME', 'output_shape': 4})
    """
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    length = check_int("length", length, minimum=1)
    full = (n - 1) * s + k
    begin = check_int("begin", begin, minimum=0, maximum=full - 1)
    target = (begin, length)
    end = full - begin - length                         # units cropped at the end (< 0: zeros added)
    rows = []

    torch_options = [{"padding": p, "output_padding": a} for p in range(full) for a in range(s)
                     if _window_or_none(frameworks.torch_conv_transpose_window, n, k, s, p, a) == target]
    if torch_options:
        torch_else = ""
    elif end > begin:
        torch_else = (f"its padding crops at least as much at the start as at the end; "
                      f"`padding={begin}`, then keep the first {length} units (`out[..., :{length}, :{length}]`)")
    else:
        torch_else = f"output_padding would have to be {-end + begin} (it must be < s = {s})"
    rows.append(ArgumentRow("PyTorch", tuple(torch_options), torch_else))

    tf_options = [{"padding": mode, "output_shape": length} for mode in ("SAME", "VALID")
                  if _window_or_none(frameworks.tf_conv_transpose_window, n, k, s, mode, length) == target]
    explicit = [(begin, e) for e in range(0, full + s + 1)
                if _window_or_none(frameworks.tf_conv_transpose_window, n, k, s, (begin, e), length) == target]
    if explicit:
        tf_options.append({"padding": explicit[0], "output_shape": length})
    rows.append(ArgumentRow("TensorFlow", tuple(tf_options), "" if tf_options else "no padding gives this window"))

    keras_options = [{"padding": mode, "output_padding": a} for mode in ("valid", "same") for a in (None, *range(s))
                     if _window_or_none(frameworks.keras_conv_transpose_window, n, k, s, mode, a) == target]
    valid_length = frameworks.keras_conv_transpose_length(n, k, s, "valid")
    if keras_options:
        keras_else = ""
    elif begin + length <= valid_length:
        keras_else = (f"`padding='valid'` ({valid_length} units), then "
                      f"`Cropping2D((({begin}, {valid_length - begin - length}),) * 2)`")
    else:
        keras_else = "no padding and output_padding give this window"
    rows.append(ArgumentRow("Keras", tuple(keras_options), keras_else))

    jax_options = [{"padding": mode} for mode in ("SAME", "VALID")
                   if _window_or_none(frameworks.jax_conv_transpose_window, n, k, s, mode) == target]
    lo = k - 1 - begin                                  # the guide's p′ when begin = p
    pair = (lo, length + k - 2 - (n - 1) * s - lo)
    if _window_or_none(frameworks.jax_conv_transpose_window, n, k, s, pair) == target:
        jax_options.append({"padding": pair})
    rows.append(ArgumentRow("JAX", tuple(jax_options), "" if jax_options else "no padding gives this window"))

    onnx_options = [{"auto_pad": mode} for mode in ("SAME_UPPER", "SAME_LOWER")
                    if _window_or_none(frameworks.onnx_conv_transpose_window, n, k, s, auto_pad=mode) == target]
    if _window_or_none(frameworks.onnx_conv_transpose_window, n, k, s, output_size=length) == target:
        onnx_options.append({"output_shape": length})
    a = max(0, -end)
    if a < s and _window_or_none(frameworks.onnx_conv_transpose_window, n, k, s, (begin, end + a), a) == target:
        onnx_options.append({"pads": (begin, end + a), "output_padding": a})
    rows.append(ArgumentRow("ONNX", tuple(onnx_options), "" if onnx_options else
                            f"output_padding would have to be {a} (ONNX Runtime: < s = {s})"))
    return ArgumentTable(n, k, s, length, begin, tuple(rows))
