"""Tests for course_lib.layers: the layer walk against the exercise's counts and brute force."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from course_lib import numeric
from course_lib.layers import Conv, ConvTranspose, Dense, Flatten, LayerRow, LayerTable, Pool, walk

DQN = [Conv(16, 8, stride=4), Conv(32, 4, stride=2), Flatten(), Dense(256), Dense(18)]
ALEXNET_FEATURES = [
    Conv(96, 11, stride=4), Pool(3, 2), Conv(256, 5, padding=2), Pool(3, 2),
    Conv(384, 3, padding=1), Conv(384, 3, padding=1), Conv(256, 3, padding=1), Pool(3, 2),
]


def set03_layer_arithmetic(input_size, channels, layers):
    """The exercise set's reference (instructor/sets/set03.py), restated so the test stands alone:
    (weights per neuron, neurons, connections, parameters) per conv or fully connected layer."""
    size, depth, flat = input_size, channels, None
    table = []
    for layer in layers:
        if layer[0] == "conv":
            _, filters, kernel, stride, padding = layer
            size = (size + 2 * padding - kernel) // stride + 1
            per_neuron = 1 + kernel * kernel * depth
            neurons = size * size * filters
            table.append((per_neuron, neurons, neurons * per_neuron, filters * per_neuron))
            depth = filters
        else:
            _, units = layer
            inputs = size * size * depth if flat is None else flat
            table.append((1 + inputs, units, units * (1 + inputs), units * (1 + inputs)))
            flat = units
    return table


# --- the Atari DQN and AlexNet -------------------------------------------------------------------


def test_dqn_matches_the_notes():
    table = walk((4, 84, 84), DQN)
    assert [row.output_shape for row in table] == [(16, 20, 20), (32, 9, 9), (2592,), (256,), (18,)]
    learned = [row for row in table if row.kind != "flatten"]
    assert [row.parameters for row in learned] == [4112, 8224, 663808, 4626]
    assert table.total_parameters == 680770
    reference = set03_layer_arithmetic(84, 4, [("conv", 16, 8, 4, 0), ("conv", 32, 4, 2, 0), ("fc", 256), ("fc", 18)])
    assert [(r.weights_per_neuron, r.neurons, r.connections, r.parameters) for r in learned] == reference
    # the notes' own numbers
    assert [r.connections for r in learned] == [1644800, 666144, 663808, 4626]
    assert [r.neurons for r in learned] == [6400, 2592, 256, 18]
    flatten = table[2]
    assert (flatten.parameters, flatten.neurons, flatten.connections, flatten.multiply_adds) == (0, 0, 0, 0)
    assert table.total_multiply_adds == 16 * 400 * 256 + 32 * 81 * 256 + 2592 * 256 + 256 * 18
    assert [r.receptive_field for r in table] == [(8, 8), (20, 20), (20, 20), (84, 84), (84, 84)]
    assert table[1].jump == (8, 8) and table[1].start == (Fraction(19, 2),) * 2
    assert table[3].jump is None and table[3].start is None


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 3), st.lists(
    st.one_of(
        st.tuples(st.just("conv"), st.integers(1, 8), st.integers(1, 5), st.integers(1, 3), st.integers(0, 2)),
        st.tuples(st.just("fc"), st.integers(1, 20)),
    ), min_size=1, max_size=4))
def test_conv_and_dense_columns_match_the_exercise_reference(size, channels, spec):
    layers, current = [], size
    flattened = False
    for item in spec:
        if item[0] == "conv":
            assume(not flattened)
            _, filters, k, s, p = item
            assume(k <= current + 2 * p)
            current = (current + 2 * p - k) // s + 1
            layers.append(Conv(filters, k, stride=s, padding=p))
        else:
            if not flattened:
                layers.append(Flatten())
                flattened = True
            layers.append(Dense(item[1]))
    table = walk((channels, size, size), layers)
    ours = [(r.weights_per_neuron, r.neurons, r.connections, r.parameters) for r in table if r.kind != "flatten"]
    assert ours == set03_layer_arithmetic(size, channels, spec)


def test_alexnet_feature_extractor():
    table = walk((3, 227, 227), ALEXNET_FEATURES)
    assert [row.output_shape[1:] for row in table] == [(n, n) for n in (55, 27, 27, 13, 13, 13, 13, 6)]
    assert table.output_shape == (256, 6, 6)
    assert [row.parameters for row in table] == [34944, 0, 614656, 0, 885120, 1327488, 884992, 0]
    assert table.total_parameters == 3747200
    assert [row.receptive_field[0] for row in table] == [11, 19, 51, 67, 99, 131, 163, 195]
    assert [row.jump[0] for row in table] == [4, 8, 8, 16, 16, 16, 16, 32]
    assert table[0].multiply_adds == 96 * 55 * 55 * 3 * 11 * 11


def test_three_3x3_convs_see_as_far_as_one_7x7_with_fewer_weights():
    c = 64
    three = walk((c, 32, 32), [Conv(c, 3, bias=False)] * 3)
    one = walk((c, 32, 32), [Conv(c, 7, bias=False)])
    assert three[-1].receptive_field == one[-1].receptive_field == (7, 7)
    assert three.total_parameters == 27 * c * c
    assert one.total_parameters == 49 * c * c
    assert three.output_shape == one.output_shape == (c, 26, 26)


# --- receptive fields against brute force -------------------------------------------------------


def influence_by_impulses(table_input, layers, unit):
    """Which input positions change output unit ``unit`` (one channel, per axis): brute force.

    Runs the stack with numeric's conv2d / pooling / conv_transpose2d (all-ones kernels, one
    channel) on an impulse at every input position; a position influences the unit when the
    output there is nonzero. Max pooling is replaced by average pooling over a positive input,
    which reads the same window.
    """
    _, h, w = table_input
    seen = np.zeros((h, w), dtype=bool)
    for y in range(h):
        for x in range(w):
            a = np.zeros((1, h, w))
            a[0, y, x] = 1.0
            for layer in layers:
                k = layer.kernel_size
                if isinstance(layer, Conv):
                    weight = np.ones((1, 1, *((k, k) if isinstance(k, int) else k)))
                    a = numeric.conv2d(a, weight, stride=layer.stride, padding=layer.padding, dilation=layer.dilation)
                elif isinstance(layer, ConvTranspose):
                    weight = np.ones((1, 1, *((k, k) if isinstance(k, int) else k)))
                    a = numeric.conv_transpose2d(a, weight, stride=layer.stride, padding=layer.padding,
                                                 output_padding=layer.output_padding, dilation=layer.dilation)
                else:
                    a = numeric.avg_pool2d(a, k, layer.stride, padding=layer.padding, ceil_mode=layer.ceil_mode,
                                           count_include_pad=True)
            seen[y, x] = a[0][unit] != 0
    return seen


def extent(mask_axis):
    where = np.flatnonzero(mask_axis)
    return (int(where[0]), int(where[-1])) if where.size else None


def line_sources(layer, axis):
    """Per axis, the units below that unit j of ``layer`` reads, by the definition of each layer."""
    def pick(v):
        return v if isinstance(v, int) else v[axis]

    k = pick(layer.kernel_size)
    if isinstance(layer, Pool):
        s, p, d = pick(layer.stride if layer.stride is not None else layer.kernel_size), pick(layer.padding), 1
    else:
        s, p, d = pick(layer.stride), pick(layer.padding), pick(layer.dilation)
    if isinstance(layer, ConvTranspose):
        # scatter: input m writes to m·s + t·d - p; invert by searching m near j/s
        return lambda j: [m for m in range(j // s - k * d - 2, j // s + k * d + 3)
                          for t in range(k) if m * s + t * d - p == j]
    return lambda j: [j * s - p + t * d for t in range(k)]


def line_extent(layers, axis, j):
    """The network-input positions unit j of the last layer depends on, on an unbounded line."""
    units = {j}
    for layer in reversed(layers):
        sources = line_sources(layer, axis)
        units = {q for u in units for q in sources(u)}
    return (min(units), max(units)) if units else None


spatial_layer = st.one_of(
    st.builds(lambda k, s, p, d: Conv(1, k, stride=s, padding=min(p, k - 1), dilation=d),
              st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2)),
    st.builds(lambda k, s, p, ceil: Pool(k, stride=s, padding=min(p, k // 2), ceil_mode=ceil),
              st.integers(1, 3), st.integers(1, 3), st.integers(0, 1), st.booleans()),
    st.builds(lambda k, s, p, d: ConvTranspose(1, k, stride=s, padding=p, dilation=d),
              st.integers(1, 4), st.integers(1, 3), st.integers(0, 1), st.integers(1, 2)),
)


def try_walk(shape, layers):
    try:
        return walk(shape, layers)
    except ValueError:
        assume(False)


@settings(max_examples=150, deadline=None)
@given(st.integers(4, 24), st.lists(spatial_layer.filter(lambda l: not isinstance(l, ConvTranspose)), min_size=1, max_size=4))
def test_conv_and_pool_stacks_follow_the_recurrence_and_brute_force(size, layers):
    table = try_walk((1, size, size + 1), layers)
    jump, rf, start = Fraction(1), 1, Fraction(0)
    for row, layer in zip(table, layers):
        k = layer.kernel_size
        s = layer.stride if not isinstance(layer, Pool) or layer.stride is not None else k
        p = layer.padding
        d = 1 if isinstance(layer, Pool) else layer.dilation
        k_hat = k + (k - 1) * (d - 1)
        rf += (k_hat - 1) * jump
        start += (Fraction(k_hat - 1, 2) - p) * jump
        jump *= s
        assert row.receptive_field == (rf, rf)
        assert row.jump == (jump, jump) and row.start == (start, start)
    # every unit's extent on the unbounded line is the recurrence's window around its centre
    o = table.output_shape[1]
    for j in (0, o // 2, o - 1):
        lo, hi = line_extent(layers, 0, j)
        centre = start + j * jump
        assert (lo, hi) == (centre - Fraction(rf - 1, 2), centre + Fraction(rf - 1, 2))


def _pad(layer):
    return layer.padding if isinstance(layer.padding, int) else max(layer.padding)


@settings(max_examples=40, deadline=None)
@given(st.lists(spatial_layer, min_size=1, max_size=3), st.data())
def test_receptive_fields_against_impulses(layers, data):
    """The centre unit's influence, found by running numeric's layers on impulses, fills the
    receptive field the walk reports, clipped to the input; for stacks without a transposed
    convolution the centre unit's field is the recurrence's, centred at start + j·jump."""
    size = data.draw(st.integers(6, 14))
    table = try_walk((1, size, size), layers)
    o_h, o_w = table.output_shape[1:]
    unit = (o_h // 2, o_w // 2)
    seen = influence_by_impulses((1, size, size), layers, unit)
    for axis in range(2):
        mask = seen.any(axis=1 - axis)
        line = line_extent(layers, axis, unit[axis])
        if line is None:
            assert not mask.any()
            continue
        clipped = (max(line[0], 0), min(line[1], size - 1))
        found = extent(mask)
        if found is None:
            # the whole line extent lies in padding, or dilation gaps skip every real unit
            continue
        assert clipped[0] <= found[0] and found[1] <= clipped[1]
        assert found[1] - found[0] + 1 <= table[-1].receptive_field[axis]
        if all(isinstance(layer, (Conv, Pool)) and _pad(layer) == 0 and not getattr(layer, "ceil_mode", False)
               for layer in layers):
            # every unit of every layer exists, so the extreme taps reach the input itself
            assert found == line
        if not any(isinstance(layer, ConvTranspose) for layer in layers):
            rf, centre = table[-1].receptive_field[axis], table[-1].start[axis] + unit[axis] * table[-1].jump[axis]
            assert line == (centre - Fraction(rf - 1, 2), centre + Fraction(rf - 1, 2))


@settings(max_examples=150, deadline=None)
@given(st.integers(3, 12), st.lists(spatial_layer, min_size=1, max_size=4))
def test_reported_field_is_the_largest_unit_extent_on_the_line(size, layers):
    table = try_walk((1, size, size), layers)
    for depth, row in enumerate(table, start=1):
        for axis in range(2):
            extents = [line_extent(layers[:depth], axis, j) for j in range(row.output_shape[1 + axis])]
            assert row.receptive_field[axis] == max((hi - lo + 1 for lo, hi in filter(None, extents)), default=0)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(0, 2), st.integers(1, 3), st.integers(6, 12))
def test_one_transposed_layer_field_formula(k, s, p, d, size):
    """Largest field of a transposed layer on the network's input: 1 + (⌈k·g/s⌉ - 1)·d/g, g = gcd(s, d)."""
    table = try_walk((1, size, size), [ConvTranspose(1, k, stride=s, padding=p, dilation=d)])
    assume(table.output_shape[1] >= s * d)  # every phase present
    g = math.gcd(s, d)
    assert table[0].receptive_field[0] == 1 + (-(-k * g // s) - 1) * (d // g)
    assert table[0].jump[0] == Fraction(1, s)


@given(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.integers(5, 12))
def test_transposed_then_same_direct_conv_returns_to_the_input_grid(k, s, p, d, size):
    layers = [ConvTranspose(1, k, stride=s, padding=p, dilation=d), Conv(1, k, stride=s, padding=p, dilation=d)]
    table = try_walk((1, size, size), layers)
    assert table[1].jump == (1, 1)
    assert table[1].start == (0, 0)
    assert table.output_shape == (1, size, size)


def test_transposed_k3_s2_units_differ_by_phase():
    table = walk((1, 5, 5), [ConvTranspose(1, 3, stride=2)])
    assert [line_extent([ConvTranspose(1, 3, stride=2)], 0, j) for j in range(5)] == [(-1, 0), (0, 0), (0, 1), (1, 1), (1, 2)]
    assert table[0].receptive_field == (2, 2)
    assert table[0].start == (Fraction(-1, 2),) * 2
    # counted products: every input unit meets all 9 weights, none cropped
    assert table[0].multiply_adds == 25 * 9
    assert table[0].connections == 25 * 9 + 11 * 11
    assert table[0].parameters == 10 and table[0].weights_per_neuron == 10


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(2, 6), st.integers(1, 4), st.integers(1, 3),
       st.integers(0, 2), st.integers(1, 2), st.data())
def test_transposed_multiply_adds_count_the_products_that_land(c_in, c_out, size, k, s, p, d, data):
    a = data.draw(st.integers(0, max(s, d) - 1))
    table = try_walk((c_in, size, size + 1), [ConvTranspose(c_out, k, stride=s, padding=p, output_padding=a, dilation=d)])
    products = numeric.conv_transpose2d(np.ones((c_in, size, size + 1)), np.ones((c_in, c_out, k, k)),
                                        stride=s, padding=p, output_padding=a, dilation=d)
    assert table[0].multiply_adds == products.sum()
    assert table[0].connections == products.sum() + math.prod(products.shape)


def test_dense_after_unread_rows_sees_only_the_rows_read():
    # k = 3, s = 4 on 10 units reads 0-2 and 4-6: 7 through 9 are never read
    table = walk((1, 10, 10), [Conv(1, 3, stride=4), Flatten(), Dense(2)])
    assert table[0].receptive_field == table[1].receptive_field == (3, 3)   # flatten: one unit of conv1
    assert table[2].receptive_field == (7, 7)
    assert walk((5,), [Dense(3)])[0].receptive_field == (5,)


def test_a_flattened_unit_keeps_the_field_of_the_unit_it_was():
    # each flattened unit is one unit of the layer before, moved: by impulses, it reads what that unit read
    table = walk((1, 12, 12), [Conv(1, 3, stride=2), Conv(1, 2), Flatten(), Dense(4), Dense(2)])
    field = numeric.receptive_field_by_impulses([(3, 2, 0), (2, 1, 0)], n_in=12)
    assert table[1].receptive_field == table[2].receptive_field == (len(field),) * 2 == (5, 5)
    assert (table[2].jump, table[2].start) == (None, None)
    assert table[3].receptive_field == table[4].receptive_field == (11, 11)   # unit 11 is never read


# --- the table ------------------------------------------------------------------------------------


def test_table_outputs():
    table = walk((4, 84, 84), DQN)
    text = str(table)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["layer", "kind", "output"]
    assert lines[2].split()[:4] == ["conv1", "conv", "(16,", "20,"]
    assert "680,770" in lines[-1]
    assert len({len(line) for line in lines[:3]}) == 1  # aligned columns
    html = table._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == 1 + 1 + 5 + 1
    assert "663,808" in html
    rows = table.to_rows()
    assert rows[0]["name"] == "conv1" and rows[0]["parameters"] == 4112
    assert set(rows[0]) == set(LayerRow.__dataclass_fields__)
    assert isinstance(table, LayerTable) and len(table) == 5 and table[-1].output_shape == (18,)


def test_names_default_per_kind_and_can_be_given():
    table = walk((3, 16, 16), [Conv(4, 3), Pool(2, name="p"), Conv(4, 3), ConvTranspose(2, 2, stride=2), Flatten(),
                               Dense(5, name="head")])
    assert [row.name for row in table] == ["conv1", "p", "conv2", "convtranspose1", "flatten1", "head"]
    assert [row.kind for row in table] == ["conv", "max pool", "conv", "conv transpose", "flatten", "dense"]
    assert walk((3, 8, 8), [Pool(2, kind="avg")])[0].kind == "avg pool"


def test_pool_layers():
    table = walk((8, 55, 55), [Pool(3, 2, ceil_mode=True), Pool(3, 2, padding=1), Pool(2, ceil_mode=True)])
    assert [row.output_shape for row in table] == [(8, 27, 27), (8, 14, 14), (8, 7, 7)]
    row = table[0]
    assert (row.parameters, row.weights_per_neuron, row.multiply_adds) == (0, 0, 0)
    assert row.neurons == 8 * 27 * 27 and row.connections == row.neurons * 9
    assert walk((1, 6, 6), [Pool(3, 2, ceil_mode=True)]).output_shape == (1, 3, 3)
    assert walk((1, 6, 6), [Pool(3, 2)]).output_shape == (1, 2, 2)
    assert walk((1, 7, 9), [Pool((2, 3))]).output_shape == (1, 3, 3)


def test_pairs_per_axis():
    table = walk((3, 20, 30), [Conv(4, (3, 5), stride=(1, 2), padding=(1, 0), dilation=(2, 1))])
    row = table[0]
    assert row.output_shape == (4, 18, 13)
    assert row.parameters == 4 * (3 * 15 + 1)
    assert row.receptive_field == (5, 5) and row.jump == (1, 2) and row.start == (1, 2)


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, text", [
    (lambda: walk((1, 5, 5), [Conv(1, 3), Pool(3, name="p3"), Conv(1, 3)]), ValueError,
     r"layers\[2\] \(conv2, Conv\) does not fit its input of shape \(1, 1, 1\): along H \(size 1\), kernel size k = 3 "
     r"must not exceed the padded input size i \+ 2p = 1"),
    (lambda: walk((1, 5, 9), [Pool((2, 10))]), ValueError,
     r"layers\[0\] \(pool1, Pool\) does not fit its input of shape \(1, 5, 9\): along W \(size 9\), pooling window k = 10"),
    (lambda: walk((1, 1, 1), [ConvTranspose(1, 1, padding=1)]), ValueError,
     r"layers\[0\] \(convtranspose1, ConvTranspose\) does not fit .*transposed output size"),
    (lambda: walk((2, 4, 4), [Dense(3)]), ValueError, r"layers\[0\] \(dense1, Dense\) needs a flat \(features,\) input, got shape \(2, 4, 4\); put Flatten\(\) before it"),
    (lambda: walk((8,), [Conv(1, 1)]), ValueError, r"layers\[0\] \(conv1, Conv\) needs a \(C, H, W\) input, got shape \(8,\)"),
    (lambda: walk((4, 4), [Conv(1, 1)]), ValueError, r"input_shape must be \(C, H, W\) or \(features,\), got tuple \(4, 4\)"),
    (lambda: walk((0, 4, 4), [Conv(1, 1)]), ValueError, r"input_shape C must be >= 1, got 0"),
    (lambda: walk((1, 4.0, 4), [Conv(1, 1)]), TypeError, r"input_shape H must be an integer, got float 4.0"),
    (lambda: walk((1, 4, 4), [Conv(1, 1), "pool"]), TypeError, r"layers\[1\] must be Conv, Pool, ConvTranspose, Flatten or Dense, got str 'pool'"),
    (lambda: walk((1, 4, 4), Conv(1, 1)), TypeError, r"layers must be a sequence of layers"),
    (lambda: Conv(0, 3), ValueError, r"out_channels must be >= 1, got 0"),
    (lambda: Conv(1, (3, 3, 3)), ValueError, r"kernel_size must be an integer or a sequence of 2 integers"),
    (lambda: Conv(1, 3, stride=0), ValueError, r"stride must be >= 1, got 0"),
    (lambda: Conv(1, 3, padding=(0, -1)), ValueError, r"padding\[1\] must be >= 0, got -1"),
    (lambda: Conv(1, 3, bias=1), TypeError, r"bias must be True or False, got int 1"),
    (lambda: Conv(1, 3, name=5), TypeError, r"name must be a string or None, got int 5"),
    (lambda: Pool(3, padding=2), ValueError, r"padding must be at most half of kernel_size \(1.5 along H\), got 2"),
    (lambda: Pool(3, kind="mean"), ValueError, r"kind must be 'max' or 'avg', got str 'mean'"),
    (lambda: Pool(3, ceil_mode="yes"), TypeError, r"ceil_mode must be True or False"),
    (lambda: ConvTranspose(1, 3, stride=(2, 1), output_padding=(1, 1)), ValueError,
     r"output_padding must be < max\(stride, dilation\) = 1 along W, got 1"),
    (lambda: Dense(0), ValueError, r"out_features must be >= 1, got 0"),
    (lambda: Dense(3.0), TypeError, r"out_features must be an integer, got float 3.0"),
])
def test_errors_name_the_layer_and_the_allowed_range(call, error, text):
    with pytest.raises(error, match=text):
        call()


def test_layers_are_frozen_and_keep_their_form():
    layer = Conv(16, [3, 5])
    assert layer.kernel_size == (3, 5) and Conv(16, 3).kernel_size == 3
    with pytest.raises(AttributeError):
        layer.stride = 2
    assert Pool(2).stride is None
    assert hash(Conv(1, 3)) == hash(Conv(1, 3))


def test_layers_module_loads_without_sympy():
    import subprocess
    import sys

    code = "import sys, course_lib.layers; print('sympy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_units_that_depend_on_no_input_have_an_empty_field():
    # k = 1, s = 2: odd output units of the transposed layer receive nothing
    assert walk((1, 4, 4), [ConvTranspose(1, 1, stride=2)])[0].receptive_field == (1, 1)
    assert walk((1, 4, 4), [ConvTranspose(1, 1, stride=2), Conv(1, 1, stride=2)])[1].receptive_field == (1, 1)
    shifted = walk((1, 4, 4), [ConvTranspose(1, 1, stride=2), Conv(1, 1, stride=2, padding=1), Conv(1, 1, stride=1)])
    assert shifted[1].output_shape == (1, 5, 5)
    values = numeric.conv2d(numeric.conv_transpose2d(np.ones((1, 4, 4)), np.ones((1, 1, 1, 1)), stride=2),
                            np.ones((1, 1, 1, 1)), stride=2, padding=1)
    # unit j reads transposed unit 2j - 1: odd, empty, so the layer depends on nothing
    assert not values.any()
    assert shifted[1].receptive_field == shifted[2].receptive_field == (0, 0)
    assert walk((1, 4, 4), [ConvTranspose(1, 1, stride=2), Conv(1, 1, stride=2, padding=1), Flatten()])[1].receptive_field == (0, 0)
