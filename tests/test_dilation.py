"""What one output unit of a stack of dilated and strided layers reaches: receptive fields,
reached units and holes (course_lib.connectivity), and the figure of them (reach_scene).

Every count is held against an independent construction: impulses pushed through the stack with
course_lib.numeric's convolutions and all-ones kernels (nothing can cancel, so an output unit is
nonzero exactly for the input units it depends on).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import arithmetic, connectivity, layers, numeric
from course_lib.draw import scenes
from course_lib.draw.geometry import CROPPED, OUTPUT, UNIT


def impulse_field(kernel_sizes, dilations, strides, n_in=300):
    """Input units reaching output unit 0 of a 1-D stack without padding, by impulses."""
    x = np.eye(n_in)
    for k, d, s in zip(kernel_sizes, dilations, strides):
        x = numeric.conv2d(x, np.ones((1, k)), stride=(1, s), dilation=(1, d))
    return np.flatnonzero(x[:, 0])


def impulse_field_2d(kernel_sizes, dilations, shape):
    """(row, col) units of a ``shape`` input reaching output unit (0, 0) of a 2-D stack, one impulse at a time."""
    reached = np.zeros(shape, dtype=bool)
    for r, c in itertools.product(range(shape[0]), range(shape[1])):
        x = np.zeros(shape)
        x[r, c] = 1
        for k, d in zip(kernel_sizes, dilations):
            x = numeric.conv2d(x, np.ones(np.broadcast_to(k, 2)), dilation=d)
        reached[r, c] = x[0, 0] > 0
    return reached


stacks = st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(st.integers(1, 4), min_size=n, max_size=n),
    st.lists(st.integers(1, 3), min_size=n, max_size=n),
    st.lists(st.integers(1, 3), min_size=n, max_size=n)))


@settings(max_examples=150, deadline=None)
@given(stacks)
def test_reached_units_and_field_are_what_impulses_reach(stack):
    ks, ds, ss = stack
    field = impulse_field(ks, ds, ss)
    mask = connectivity.reached_units(ks, ds, ss)
    assert np.array_equal(np.flatnonzero(mask), field)
    assert mask.size == field[-1] - field[0] + 1 == connectivity.stack_receptive_field(ks, ds, ss)
    assert connectivity.hole_count(ks, ds, ss) == mask.size - field.size
    assert connectivity.holes(ks, ds, ss) == sorted(set(range(mask.size)) - set(field.tolist()))


@settings(max_examples=60, deadline=None)
@given(stacks)
def test_the_rule_is_the_walks_receptive_field(stack):
    ks, ds, ss = stack
    net = [layers.Conv(1, (1, k), stride=(1, s), dilation=(1, d)) for k, d, s in zip(ks, ds, ss)]
    walked = layers.walk((1, 1, 300), net).rows[-1].receptive_field[1]
    assert connectivity.stack_receptive_field(ks, ds, ss) == walked


def test_the_rule_without_dilation_or_strides_is_the_familiar_one():
    for ks in itertools.product(range(1, 5), repeat=3):
        assert connectivity.stack_receptive_field(list(ks)) == 1 + sum(k - 1 for k in ks)
        assert connectivity.stack_receptive_field(list(ks), 2) == 1 + sum(
            arithmetic.effective_kernel_size(k, 2) - 1 for k in ks)


def test_known_fields():
    tcn = [d for d in (1, 2, 4, 8, 16, 32) for _ in range(2)]
    assert connectivity.stack_receptive_field([6] * 12, tcn) == 631
    wavenet = [2 ** m for m in range(10)]
    assert connectivity.stack_receptive_field([2] * 10, wavenet) == 1024
    assert connectivity.stack_receptive_field([2] * 30, wavenet * 3) == 3070
    assert connectivity.reached_units([2] * 10, wavenet).all()
    assert connectivity.stack_receptive_field([8, 4], strides=[4, 2]) == 20       # the DQN's two layers


def test_2d_reach_is_the_product_of_the_axes_and_what_impulses_reach():
    for ks, ds in (([3, 3], [2, 2]), ([3, 3], [1, 2]), ([2, 3], [3, 1]), ([3, 3], [(1, 2), (2, 1)])):
        mask = connectivity.reached_units_2d(ks, ds)
        assert np.array_equal(mask, impulse_field_2d(ks, ds, mask.shape))
    rows = connectivity.reached_units([3, 3, 3], [2, 2, 3])
    assert np.array_equal(connectivity.reached_units_2d([3, 3, 3], [2, 2, 3]), np.logical_and.outer(rows, rows))
    assert connectivity.reached_units_2d([(3, 1), 3], [1, (2, 1)]).shape == (7, 3)


def test_holes_and_counts_of_the_lessons_stacks():
    assert connectivity.holes([3, 3, 3], [2, 2, 3], centred=True) == [-6, 6]
    assert connectivity.holes([3, 3, 3], [1, 2, 9], centred=True) == [-5, -4, 4, 5]
    assert connectivity.holes([3, 3, 3], [1, 2, 5]) == []
    assert connectivity.hole_count([3, 3, 3], 2) == 6 and connectivity.hole_count([3, 3, 3], 2, ndim=2) == 120
    assert connectivity.hole_count([3, 3, 3], [2, 2, 3], ndim=2) == 15 * 15 - 13 * 13


def test_a_common_factor_leaves_a_lattice_and_the_sorted_rates_rule():
    for k in (2, 3, 4):
        for ds in itertools.combinations_with_replacement(range(1, 8), 3):
            reached = np.flatnonzero(connectivity.reached_units([k] * 3, list(ds)))
            g = np.gcd.reduce(ds)
            assert all(n % g == 0 for n in reached)
            run, rule = 1, True
            for d in ds:
                rule, run = rule and d <= run, run + (k - 1) * d
            assert rule == (connectivity.hole_count([k] * 3, list(ds)) == 0)
            assert connectivity.hole_count([k] * 3, list(ds)) == connectivity.hole_count([k] * 3, list(ds[::-1]))


@pytest.mark.parametrize("call, error, message", [
    (lambda: connectivity.reached_units(3), TypeError, "kernel_sizes must be a sequence"),
    (lambda: connectivity.reached_units([]), ValueError, "at least one layer"),
    (lambda: connectivity.reached_units([3, 0]), ValueError, "kernel_sizes[1] must be >= 1, got 0"),
    (lambda: connectivity.reached_units([3, 3], 2.0), TypeError, "dilations must be an integer"),
    (lambda: connectivity.reached_units([3, 3], [1, 2, 3]), ValueError, "sequence of 2 integers"),
    (lambda: connectivity.reached_units([3, 3], strides=[1, True]), TypeError, "strides[1] must be an integer"),
    (lambda: connectivity.stack_receptive_field([3], dilations=0), ValueError, "dilations must be >= 1, got 0"),
    (lambda: connectivity.reached_units_2d([3, (3, 0)]), ValueError, "kernel_sizes[1][1] must be >= 1"),
    (lambda: connectivity.reached_units_2d([3, 3], [(1, 2)]), ValueError, "2 entries (one per layer)"),
    (lambda: connectivity.reached_units_2d(3), TypeError, "kernel_sizes must be a sequence"),
    (lambda: connectivity.holes([3], centred=1), TypeError, "centred must be True or False"),
    (lambda: connectivity.hole_count([3], ndim=3), ValueError, "ndim must be 1 or 2"),
    (lambda: scenes.reach_scene([3], 1, two_d="yes"), TypeError, "two_d must be True or False"),
    (lambda: scenes.reach_scene([3, 3], [1]), ValueError, "dilations must be an integer or a sequence"),
])
def test_bad_arguments_name_the_parameter(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_reach_scene_draws_each_levels_reached_units():
    ks, ds = [3, 3, 3], [2, 2, 3]
    scene = scenes.reach_scene(ks, ds)
    assert [g.name for g in scene.grids] == ["output", "level 2", "level 1", "input"]
    assert scene.grid("output").kinds.tolist() == [[OUTPUT]]
    inp = scene.grid("input")
    mask = connectivity.reached_units(ks, ds)
    assert np.array_equal(inp.kinds[0] == UNIT, mask) and np.array_equal(inp.unused[0], ~mask)
    for level in (1, 2):
        row = scene.grid(f"level {level}").kinds[0]
        assert (row == UNIT).sum() == connectivity.reached_units(ks[level:], ds[level:]).sum()
        assert set(np.unique(row)) <= {UNIT, CROPPED}
    assert "13 of the field's 15" in scene.title and "2 holes" in scene.note


def test_reach_scene_in_2d_and_with_even_kernels():
    square = scenes.reach_scene([3, 3, 3], [1, 2, 9], two_d=True).grid("input")
    assert square.shape == (25, 25) and int(square.unused.sum()) == connectivity.hole_count([3] * 3, [1, 2, 9], ndim=2)
    assert square.highlight == ((12, 12),)
    wavenet = scenes.reach_scene([2] * 4, [1, 2, 4, 8])
    assert wavenet.grid("input").shape == (1, 16) and not wavenet.grid("input").unused.any()
    assert [int((g.kinds == UNIT).sum()) for g in wavenet.grids[1:]] == [2, 4, 8, 16]
