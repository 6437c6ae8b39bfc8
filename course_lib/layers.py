"""Walk a network layer by layer: output shapes, parameters, connections, receptive fields.

Describe a network with the frozen dataclasses :class:`Conv`, :class:`Pool`,
:class:`ConvTranspose`, :class:`Flatten` and :class:`Dense` (PyTorch's ``nn.Conv2d``,
``nn.MaxPool2d``/``nn.AvgPool2d``, ``nn.ConvTranspose2d``, ``nn.Flatten`` and ``nn.Linear``,
without the input channels, which :func:`walk` reads off the shape). Shapes are ``(C, H, W)``
without a batch axis, or ``(features,)`` after :class:`Flatten`. ``kernel_size``, ``stride``,
``padding``, ``dilation`` and ``output_padding`` take an integer or an ``(h, w)`` pair.

The Atari DQN network (Mnih et al. 2013), as the exercise counts it:

>>> dqn = walk((4, 84, 84), [Conv(16, 8, stride=4), Conv(32, 4, stride=2), Flatten(),
...                          Dense(256), Dense(18)])
>>> print(dqn)
layer     kind     output        parameters  weights/neuron  neurons  connections  multiply-adds  RF  jump  start
input              (4, 84, 84)                                                                     1     1      0
conv1     conv     (16, 20, 20)       4,112             257    6,400    1,644,800      1,638,400   8     4    3.5
conv2     conv     (32, 9, 9)         8,224             257    2,592      666,144        663,552  20     8    9.5
flatten1  flatten  (2592,)                0               0        0            0              0  20
dense1    dense    (256,)           663,808           2,593      256      663,808        663,552  84
dense2    dense    (18,)              4,626             257       18        4,626          4,608  84
total                               680,770                                            2,970,112
>>> dqn.total_parameters, dqn.output_shape
(680770, (18,))

Receptive fields (``RF``), jumps and starts are per spatial axis, in units of the network's
input (shown once when both axes agree). With ``jump_in``, ``rf_in``, ``start_in`` for the
layer's input (1, 1, 0 for the network's input) and k̂ = k + (k-1)(d-1):

- convolution and pooling (the standard recurrence): jump = jump_in·s,
  rf = rf_in + (k̂ - 1)·jump_in, start = start_in + ((k̂ - 1)/2 - p)·jump_in;
- transposed convolution: jump = jump_in / s (a :class:`~fractions.Fraction`: the output grid is
  finer than the input's) and start = start_in + (p - (k̂ - 1)/2)·jump, which places the fine
  grid so that the direct convolution with the same settings, the one that maps it back, has
  its window for input unit m centred on m. Output unit j receives from input unit m through
  tap t when m·s + t·d - p = j, so which taps land depends on j mod s: with k = 3, s = 2 one
  output unit in two receives from one input unit, the others from two. Without dilation the
  most is ⌈k/s⌉ neighbouring input units, so rf = rf_in + (⌈k/s⌉ - 1)·jump_in (jump_in, not
  jump: the units it spans are the input's); with dilation, g = gcd(s, d), the most is
  rf_in + (⌈k·g/s⌉ - 1)·(d/g)·jump_in. As its units differ, the layers after it no longer follow
  the recurrence exactly, so the table reports the *largest* receptive field among each
  layer's units, found by following every unit's connections back to the network's input.
  For stacks of convolutions and pooling every unit has the same one, the recurrence's;
- :class:`Flatten`: a flattened unit is one unit of the layer before, moved to a new place, so
  its receptive field is that unit's (20 for the DQN's conv2 below). Jump and start no longer
  apply (``None``).
- :class:`Dense`: every unit depends on every unit before it, so the receptive field is the span
  of the input that the last spatial layer's units read together: the whole input unless those
  layers leave border units unread (floor rounding). Jump and start stay ``None``.

Receptive fields count padding positions, like the recurrence: a unit at the border has a
receptive field that partly lies outside the input. A layer none of whose units depends on the
input (transposed layers whose taps all miss, read by a strided layer) reports 0.
"""

from __future__ import annotations

import html
import math
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import numpy as np

from course_lib import arithmetic
from course_lib._validate import _describe, check_int, check_int_tuple

__all__ = ["Conv", "Pool", "ConvTranspose", "Flatten", "Dense", "LayerRow", "LayerTable", "walk"]

_AXES = ("H", "W")


# --- layer descriptions -------------------------------------------------------------------------


def _int_or_pair(name: str, value, minimum: int):
    """Validate an int or an (h, w) pair; keep an int as an int and a sequence as a tuple."""
    pair = check_int_tuple(name, value, 2, minimum=minimum)
    return pair if isinstance(value, (tuple, list)) else pair[0]


def _pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, tuple) else (value, value)


def _check_name(name):
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string or None, got {_describe(name)}")


def _check_bool(name: str, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")


def _set(layer, name: str, value):
    # the dataclasses are frozen; normalising in __post_init__ is the one write they allow
    object.__setattr__(layer, name, value)


@dataclass(frozen=True)
class Conv:
    """A 2-D convolution layer (``nn.Conv2d``); its input channels come from the walk.

    Parameters
    ----------
    out_channels : int
        Number of filters (output feature maps), >= 1.
    kernel_size, stride, dilation : int or (int, int)
        >= 1.
    padding : int or (int, int)
        Zero padding on each side, >= 0.
    bias : bool
        One bias per output map.
    name : str, optional
        Defaults to ``conv1``, ``conv2``, ... in :func:`walk`.

    Examples
    --------
    >>> Conv(16, 8, stride=4)
    Conv(out_channels=16, kernel_size=8, stride=4, padding=0, dilation=1, bias=True, name=None)
    >>> Conv(16, (3, 5), padding=[1, 2]).padding
    (1, 2)
    """

    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    dilation: int | tuple[int, int] = 1
    bias: bool = True
    name: str | None = None

    def __post_init__(self):
        _set(self, "out_channels", check_int("out_channels", self.out_channels, minimum=1))
        _set(self, "kernel_size", _int_or_pair("kernel_size", self.kernel_size, 1))
        _set(self, "stride", _int_or_pair("stride", self.stride, 1))
        _set(self, "padding", _int_or_pair("padding", self.padding, 0))
        _set(self, "dilation", _int_or_pair("dilation", self.dilation, 1))
        _check_bool("bias", self.bias)
        _set(self, "bias", bool(self.bias))
        _check_name(self.name)


@dataclass(frozen=True)
class Pool:
    """A 2-D pooling layer (``nn.MaxPool2d`` or ``nn.AvgPool2d``): no parameters.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window size, >= 1.
    stride : int or (int, int), optional
        >= 1; None (the default) means ``kernel_size``, as in PyTorch.
    padding : int or (int, int)
        At most half the window along each axis (PyTorch's limit).
    ceil_mode : bool
        Round the output size up (see :func:`course_lib.arithmetic.pool_output_size`).
    kind : {"max", "avg"}
    name : str, optional
        Defaults to ``pool1``, ``pool2``, ... in :func:`walk`.

    Examples
    --------
    >>> Pool(3, stride=2, ceil_mode=True)
    Pool(kernel_size=3, stride=2, padding=0, ceil_mode=True, kind='max', name=None)
    >>> Pool(2, padding=2)
    Traceback (most recent call last):
    ...
    ValueError: padding must be at most half of kernel_size (1 along H), got 2
    """

    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] | None = None
    padding: int | tuple[int, int] = 0
    ceil_mode: bool = False
    kind: str = "max"
    name: str | None = None

    def __post_init__(self):
        _set(self, "kernel_size", _int_or_pair("kernel_size", self.kernel_size, 1))
        if self.stride is not None:
            _set(self, "stride", _int_or_pair("stride", self.stride, 1))
        _set(self, "padding", _int_or_pair("padding", self.padding, 0))
        for axis, (k, p) in enumerate(zip(_pair(self.kernel_size), _pair(self.padding))):
            if 2 * p > k:
                raise ValueError(
                    f"padding must be at most half of kernel_size ({k / 2:g} along {_AXES[axis]}), got {p}"
                )
        _check_bool("ceil_mode", self.ceil_mode)
        _set(self, "ceil_mode", bool(self.ceil_mode))
        if self.kind not in ("max", "avg"):
            raise ValueError(f"kind must be 'max' or 'avg', got {_describe(self.kind)}")
        _check_name(self.name)


@dataclass(frozen=True)
class ConvTranspose:
    """A 2-D transposed convolution layer (``nn.ConvTranspose2d``).

    Parameters
    ----------
    out_channels : int
        >= 1.
    kernel_size, stride, dilation : int or (int, int)
        >= 1.
    padding : int or (int, int)
        Rows/columns cropped from each side of the full output, >= 0.
    output_padding : int or (int, int)
        Rows/columns given back at the bottom/right; ``0 <= output_padding < max(stride,
        dilation)`` along each axis, as PyTorch requires.
    bias : bool
    name : str, optional
        Defaults to ``convtranspose1``, ... in :func:`walk`.

    Examples
    --------
    >>> ConvTranspose(64, 4, stride=2, padding=1)
    ConvTranspose(out_channels=64, kernel_size=4, stride=2, padding=1, output_padding=0, dilation=1, bias=True, name=None)
    >>> ConvTranspose(8, 3, stride=2, output_padding=2)
    Traceback (most recent call last):
    ...
    ValueError: output_padding must be < max(stride, dilation) = 2 along H, got 2
    """

    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    output_padding: int | tuple[int, int] = 0
    dilation: int | tuple[int, int] = 1
    bias: bool = True
    name: str | None = None

    def __post_init__(self):
        _set(self, "out_channels", check_int("out_channels", self.out_channels, minimum=1))
        _set(self, "kernel_size", _int_or_pair("kernel_size", self.kernel_size, 1))
        _set(self, "stride", _int_or_pair("stride", self.stride, 1))
        _set(self, "padding", _int_or_pair("padding", self.padding, 0))
        _set(self, "output_padding", _int_or_pair("output_padding", self.output_padding, 0))
        _set(self, "dilation", _int_or_pair("dilation", self.dilation, 1))
        for axis, (a, s, d) in enumerate(zip(_pair(self.output_padding), _pair(self.stride), _pair(self.dilation))):
            if a >= max(s, d):
                raise ValueError(f"output_padding must be < max(stride, dilation) = {max(s, d)} along {_AXES[axis]}, got {a}")
        _check_bool("bias", self.bias)
        _set(self, "bias", bool(self.bias))
        _check_name(self.name)


@dataclass(frozen=True)
class Flatten:
    """Flatten ``(C, H, W)`` to ``(C·H·W,)`` (``nn.Flatten``): no parameters, no neurons.

    Examples
    --------
    >>> walk((32, 9, 9), [Flatten()]).output_shape
    (2592,)
    """

    name: str | None = None

    def __post_init__(self):
        _check_name(self.name)


@dataclass(frozen=True)
class Dense:
    """A fully connected layer (``nn.Linear``) on a flat ``(features,)`` input.

    Parameters
    ----------
    out_features : int
        Number of neurons, >= 1.
    bias : bool
    name : str, optional
        Defaults to ``dense1``, ``dense2``, ... in :func:`walk`.

    Examples
    --------
    >>> walk((2592,), [Dense(256)]).rows[0].parameters
    663808
    """

    out_features: int
    bias: bool = True
    name: str | None = None

    def __post_init__(self):
        _set(self, "out_features", check_int("out_features", self.out_features, minimum=1))
        _check_bool("bias", self.bias)
        _set(self, "bias", bool(self.bias))
        _check_name(self.name)


_LAYER_TYPES = (Conv, Pool, ConvTranspose, Flatten, Dense)
_DEFAULT_PREFIX = {Conv: "conv", Pool: "pool", ConvTranspose: "convtranspose", Flatten: "flatten", Dense: "dense"}


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerRow:
    """One layer of a :func:`walk`.

    Attributes
    ----------
    name, kind : str
        ``kind`` is ``"conv"``, ``"max pool"``, ``"avg pool"``, ``"conv transpose"``,
        ``"flatten"`` or ``"dense"``.
    output_shape : tuple of int
        ``(C, H, W)`` or ``(features,)``.
    parameters : int
        Weights and biases.
    weights_per_neuron : int
        The weights one output unit can use, its bias included (the exercise's count); filters
        share them, so ``parameters = out_channels × weights_per_neuron``. 0 for pooling and
        Flatten.
    neurons : int
        Output units (0 for Flatten, which only reshapes).
    connections : int
        Links into the layer's neurons, biases included. Convolution and dense layers:
        ``neurons × weights_per_neuron``, padding positions counted (the exercise's count).
        Pooling: ``neurons × window size`` (no weights, no bias). Transposed convolution: every
        input unit × weight product that lands in the output, plus one per neuron for the
        bias (its units receive from different numbers of input units).
    multiply_adds : int
        Products of a weight and an input (biases add none); 0 for pooling and Flatten.
    receptive_field : tuple of int
        Per spatial axis of the network's input: the largest receptive field among the layer's
        units (see the module docstring); 0 if none of them depends on the input (transposed
        layers whose taps miss every input unit leave units with only a bias).
    jump : tuple of Fraction, or None
        Per axis: the distance, in input units, between neighbouring output units.
    start : tuple of Fraction, or None
        Per axis: the input coordinate of output unit 0's centre.
    """

    name: str
    kind: str
    output_shape: tuple
    parameters: int
    weights_per_neuron: int
    neurons: int
    connections: int
    multiply_adds: int
    receptive_field: tuple
    jump: tuple | None
    start: tuple | None


def _number(value) -> str:
    return f"{value:,}"


def _fraction(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    # halves, quarters, ... read better as decimals; thirds stay exact
    denominator = value.denominator
    while denominator % 2 == 0:
        denominator //= 2
    while denominator % 5 == 0:
        denominator //= 5
    return f"{float(value):g}" if denominator == 1 else str(value)


def _per_axis(values, show=str) -> str:
    if values is None:
        return ""
    shown = [show(v) for v in values]
    return shown[0] if len(set(shown)) == 1 else "×".join(shown)


_COLUMNS = ("layer", "kind", "output", "parameters", "weights/neuron", "neurons", "connections",
            "multiply-adds", "RF", "jump", "start")
_NUMERIC = {"parameters", "weights/neuron", "neurons", "connections", "multiply-adds", "RF", "jump", "start"}


@dataclass(frozen=True)
class LayerTable:
    """The result of :func:`walk`: one :class:`LayerRow` per layer, and totals.

    Attributes
    ----------
    input_shape, output_shape : tuple of int
    rows : list of LayerRow
    total_parameters, total_multiply_adds, total_connections, total_neurons : int

    Examples
    --------
    >>> table = walk((3, 32, 32), [Conv(8, 3, padding=1), Pool(2)])
    >>> [row.output_shape for row in table.rows]
    [(8, 32, 32), (8, 16, 16)]
    >>> table.to_rows()[1]["receptive_field"]
    (4, 4)
    """

    input_shape: tuple
    rows: list = field(default_factory=list)

    @property
    def output_shape(self) -> tuple:
        return self.rows[-1].output_shape if self.rows else self.input_shape

    @property
    def total_parameters(self) -> int:
        return sum(row.parameters for row in self.rows)

    @property
    def total_multiply_adds(self) -> int:
        return sum(row.multiply_adds for row in self.rows)

    @property
    def total_connections(self) -> int:
        return sum(row.connections for row in self.rows)

    @property
    def total_neurons(self) -> int:
        return sum(row.neurons for row in self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def to_rows(self) -> list[dict]:
        """The rows as dicts (for ``pandas.DataFrame`` or JSON), keyed by LayerRow's fields."""
        return [asdict(row) for row in self.rows]

    def _cells(self) -> list[list[str]]:
        spatial = len(self.input_shape) == 3
        cells = [["input", "", str(self.input_shape), "", "", "", "", "", "1" if spatial else "",
                  "1" if spatial else "", "0" if spatial else ""]]
        for row in self.rows:
            cells.append([
                row.name, row.kind, str(row.output_shape), _number(row.parameters), _number(row.weights_per_neuron),
                _number(row.neurons), _number(row.connections), _number(row.multiply_adds),
                _per_axis(row.receptive_field), _per_axis(row.jump, _fraction), _per_axis(row.start, _fraction),
            ])
        cells.append(["total", "", "", _number(self.total_parameters), "", "", "", _number(self.total_multiply_adds),
                      "", "", ""])
        return cells

    def __str__(self) -> str:
        cells = [list(_COLUMNS)] + self._cells()
        widths = [max(len(line[n]) for line in cells) for n in range(len(_COLUMNS))]
        lines = []
        for line in cells:
            parts = [text.rjust(width) if _COLUMNS[n] in _NUMERIC else text.ljust(width)
                     for n, (text, width) in enumerate(zip(line, widths))]
            lines.append("  ".join(parts).rstrip())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        def row_html(line, tag):
            return "<tr>" + "".join(
                f'<{tag} style="text-align:{"right" if _COLUMNS[n] in _NUMERIC else "left"}">{html.escape(text)}</{tag}>'
                for n, text in enumerate(line)
            ) + "</tr>"

        body = "".join(row_html(line, "td") for line in self._cells())
        return f"<table><thead>{row_html(_COLUMNS, 'th')}</thead><tbody>{body}</tbody></table>"


# --- receptive fields ---------------------------------------------------------------------------


class _AxisExtents:
    """Which network-input positions each unit of each layer depends on, along one axis.

    Units are followed back through the recorded layers on an unbounded line (padding counts as
    positions, as in the receptive-field recurrence). ``extent(depth, j)`` is the lowest and
    highest network-input position that unit ``j`` of layer ``depth`` depends on, or None when
    it receives from no unit (a transposed convolution with k < s leaves such gaps).
    """

    def __init__(self):
        self._sources = []  # per layer: unit j -> the units of the layer below it reads
        self._known: dict = {}

    def add(self, sources) -> None:
        self._sources.append(sources)

    def extent(self, depth: int, j: int):
        if depth == 0:
            return (j, j)
        key = (depth, j)
        if key not in self._known:
            below = [self.extent(depth - 1, q) for q in self._sources[depth - 1](j)]
            below = [e for e in below if e is not None]
            self._known[key] = (min(e[0] for e in below), max(e[1] for e in below)) if below else None
        return self._known[key]


def _direct_sources(k, s, p, d):
    return lambda j: [j * s - p + t * d for t in range(k)]


def _transposed_sources(k, s, p, d):
    # output j of a transposed convolution receives input m through tap t when m·s + t·d - p = j
    return lambda j: [(j + p - t * d) // s for t in range(k) if (j + p - t * d) % s == 0]


def _largest_field(axis: _AxisExtents, depth: int, size: int) -> int:
    # 0 when no unit depends on the input at all (transposed layers whose taps all miss)
    extents = [e for e in (axis.extent(depth, j) for j in range(size)) if e is not None]
    return max((hi - lo + 1 for lo, hi in extents), default=0)


def _span(axis: _AxisExtents, depth: int, size: int, input_size: int) -> int:
    extents = [e for e in (axis.extent(depth, j) for j in range(size)) if e is not None]
    if not extents:
        return 0
    lo = max(0, min(e[0] for e in extents))
    hi = min(input_size - 1, max(e[1] for e in extents))
    return max(hi - lo + 1, 0)


# --- the walk -----------------------------------------------------------------------------------


def _check_shape(input_shape) -> tuple:
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) not in (1, 3):
        raise ValueError(f"input_shape must be (C, H, W) or (features,), got {_describe(input_shape)}")
    names = ("C", "H", "W") if len(input_shape) == 3 else ("features",)
    return tuple(check_int(f"input_shape {name}", v, minimum=1) for name, v in zip(names, input_shape))


def _layer_error(index, name, layer, shape, axis, err) -> ValueError:
    return ValueError(
        f"layers[{index}] ({name}, {type(layer).__name__}) does not fit its input of shape {shape}: "
        f"along {_AXES[axis]} (size {shape[1 + axis]}), {err}"
    )


def walk(input_shape, layers) -> LayerTable:
    """Follow an input of shape ``input_shape`` through ``layers``: one row per layer.

    Parameters
    ----------
    input_shape : (C, H, W) or (features,)
        The network's input, without a batch axis.
    layers : sequence of Conv, Pool, ConvTranspose, Flatten, Dense
        Conv, Pool and ConvTranspose need a ``(C, H, W)`` input, Dense a ``(features,)`` one
        (put a Flatten before it).

    Returns
    -------
    LayerTable
        See :class:`LayerRow` for what each column counts and the module docstring for the
        receptive-field rules. ``print`` it for a text table; notebooks show it as HTML.

    Raises
    ------
    TypeError
        If a layer is not one of the five layer types or ``input_shape`` holds non-integers.
    ValueError
        If ``input_shape`` is malformed, or a layer does not fit its input (the message names
        the layer by index and name, the axis and the sizes).

    Examples
    --------
    AlexNet's feature extractor (the paper's channel counts, both GPUs together, on 227×227):

    >>> alexnet = walk((3, 227, 227), [
    ...     Conv(96, 11, stride=4), Pool(3, 2), Conv(256, 5, padding=2), Pool(3, 2),
    ...     Conv(384, 3, padding=1), Conv(384, 3, padding=1), Conv(256, 3, padding=1), Pool(3, 2)])
    >>> [row.output_shape[1] for row in alexnet.rows]
    [55, 27, 27, 13, 13, 13, 13, 6]
    >>> alexnet.rows[0].parameters, alexnet.rows[-1].receptive_field
    (34944, (195, 195))
    >>> walk((1, 4, 4), [ConvTranspose(1, 3, stride=2)]).rows[0].jump
    (Fraction(1, 2), Fraction(1, 2))
    >>> walk((1, 5, 5), [Conv(1, 3), Pool(3, name="pool"), Conv(1, 3)])
    Traceback (most recent call last):
    ...
    ValueError: layers[2] (conv2, Conv) does not fit its input of shape (1, 1, 1): along H (size 1), kernel size k = 3 must not exceed the padded input size i + 2p = 1 (i=1, p=0); use a smaller kernel or more padding
    """
    shape = network = _check_shape(input_shape)
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a sequence of layers (Conv, Pool, ConvTranspose, Flatten, Dense), got {_describe(layers)}")
    layers = list(layers)
    spatial = len(shape) == 3
    axes = [_AxisExtents(), _AxisExtents()] if spatial else None
    depth = 0  # spatial layers recorded in `axes`
    jump = (Fraction(1), Fraction(1)) if spatial else None
    start = (Fraction(0), Fraction(0)) if spatial else None
    receptive = (1, 1) if spatial else shape
    everything = None  # after a Flatten: the span of the input its units read together
    counters: dict = {}
    rows = []
    for index, layer in enumerate(layers):
        if not isinstance(layer, _LAYER_TYPES):
            raise TypeError(
                f"layers[{index}] must be Conv, Pool, ConvTranspose, Flatten or Dense, got {_describe(layer)}"
            )
        counters[type(layer)] = counters.get(type(layer), 0) + 1
        name = layer.name if layer.name is not None else f"{_DEFAULT_PREFIX[type(layer)]}{counters[type(layer)]}"
        if isinstance(layer, (Conv, Pool, ConvTranspose)) and len(shape) != 3:
            raise ValueError(
                f"layers[{index}] ({name}, {type(layer).__name__}) needs a (C, H, W) input, got shape {shape}"
            )
        if isinstance(layer, Dense) and len(shape) != 1:
            raise ValueError(
                f"layers[{index}] ({name}, Dense) needs a flat (features,) input, got shape {shape}; put Flatten() before it"
            )
        if isinstance(layer, (Conv, Pool, ConvTranspose)):
            channels, sizes = shape[0], shape[1:]
            k, p = _pair(layer.kernel_size), _pair(layer.padding)
            s = k if isinstance(layer, Pool) and layer.stride is None else _pair(layer.stride)
            d = (1, 1) if isinstance(layer, Pool) else _pair(layer.dilation)
            out = []
            for axis in range(2):
                try:
                    if isinstance(layer, Conv):
                        out.append(arithmetic.conv_output_size(sizes[axis], k[axis], s[axis], p[axis], d[axis]))
                    elif isinstance(layer, Pool):
                        out.append(arithmetic.pool_output_size(sizes[axis], k[axis], s[axis], p[axis], layer.ceil_mode))
                    else:
                        a = _pair(layer.output_padding)[axis]
                        out.append(arithmetic.transposed_output_size(sizes[axis], k[axis], s[axis], p[axis], d[axis], a))
                except ValueError as err:
                    raise _layer_error(index, name, layer, shape, axis, err) from None
            k_hat = [k[n] + (k[n] - 1) * (d[n] - 1) for n in range(2)]
            if isinstance(layer, ConvTranspose):
                new_jump = tuple(jump[n] / s[n] for n in range(2))
                start = tuple(start[n] + (p[n] - Fraction(k_hat[n] - 1, 2)) * new_jump[n] for n in range(2))
                sources = [_transposed_sources(k[n], s[n], p[n], d[n]) for n in range(2)]
            else:
                new_jump = tuple(jump[n] * s[n] for n in range(2))
                start = tuple(start[n] + (Fraction(k_hat[n] - 1, 2) - p[n]) * jump[n] for n in range(2))
                sources = [_direct_sources(k[n], s[n], p[n], d[n]) for n in range(2)]
            jump = new_jump
            depth += 1
            for axis in range(2):
                axes[axis].add(sources[axis])
            receptive = tuple(_largest_field(axes[n], depth, out[n]) for n in range(2))
            if isinstance(layer, Pool):
                out_channels, per_neuron, parameters = channels, 0, 0
                kind = f"{layer.kind} pool"
            else:
                out_channels = layer.out_channels
                per_neuron = channels * k[0] * k[1] + layer.bias
                parameters = out_channels * per_neuron
                kind = "conv" if isinstance(layer, Conv) else "conv transpose"
            output_shape = (out_channels, *out)
            neurons = math.prod(output_shape)
            if isinstance(layer, Conv):
                multiply_adds = neurons * channels * k[0] * k[1]
                connections = neurons * per_neuron
            elif isinstance(layer, Pool):
                multiply_adds, connections = 0, neurons * k[0] * k[1]
            else:
                # count the products that land inside the cropped output, axis by axis
                landing = 1
                for n in range(2):
                    landing *= sum(
                        1 for m in range(sizes[n]) for t in range(k[n]) if 0 <= m * s[n] + t * d[n] - p[n] < out[n]
                    )
                multiply_adds = channels * out_channels * landing
                connections = multiply_adds + neurons * layer.bias
        elif isinstance(layer, Flatten):
            output_shape = (math.prod(shape),)
            parameters = per_neuron = neurons = connections = multiply_adds = 0
            kind = "flatten"
        else:
            inputs = shape[0]
            per_neuron = inputs + layer.bias
            neurons = layer.out_features
            parameters = connections = neurons * per_neuron
            multiply_adds = neurons * inputs
            output_shape = (layer.out_features,)
            kind = "dense"
        if isinstance(layer, Flatten) and jump is not None:
            # a flattened unit is one unit of the last spatial layer: same field; a dense layer
            # after it depends on all of them, so it reads the span they read together
            everything = tuple(_span(axes[n], depth, shape[1 + n], network[1 + n]) for n in range(2))
            jump = start = None
        elif isinstance(layer, Dense) and everything is not None:
            receptive = everything
        rows.append(LayerRow(
            name=name, kind=kind, output_shape=output_shape, parameters=parameters,
            weights_per_neuron=per_neuron, neurons=neurons, connections=connections,
            multiply_adds=multiply_adds, receptive_field=receptive, jump=jump, start=start,
        ))
        shape = output_shape
    return LayerTable(input_shape=network, rows=rows)
