"""course_lib.checkerboard against independent constructions (loops over kernel copies, np.repeat,
linear interpolation written out, the layers applied one after another)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from course_lib import checkerboard, numeric, upsampling


def copies_covering(n, k, s, p=0, a=0):
    """Count, for each output unit, the kernel copies (one per input unit) that cover it."""
    full = (n - 1) * s + k
    counts = [sum(1 for j in range(n) if j * s <= m < j * s + k) for m in range(full + a)]
    return counts[p:full + a - p]


def test_overlap_counts_count_the_copies():
    for n, k, s, p in itertools.product(range(1, 5), range(1, 6), range(1, 4), range(0, 3)):
        for a in range(s):
            if (n - 1) * s + k - 2 * p + a < 1:
                continue
            assert checkerboard.overlap_counts(n, k, s, p, a).tolist() == copies_covering(n, k, s, p, a)
    line = checkerboard.overlap_counts(3, 3, 2)
    assert np.array_equal(checkerboard.overlap_counts(3, 3, 2, ndim=2), np.outer(line, line))


def test_phase_counts_are_the_interior_of_the_counts():
    for k, s in itertools.product(range(1, 8), range(1, 5)):
        counts = checkerboard.overlap_counts(12, k, s)
        interior = counts[k:len(counts) - k]
        phases = checkerboard.phase_counts(k, s)
        assert all(interior[m] == phases[(m + k) % s] for m in range(len(interior)))
        assert (len(set(phases)) == 1) == (k % s == 0)


def test_phase_sums_are_what_a_constant_input_gives_inside():
    rng = np.random.default_rng(3)
    for k, s in itertools.product(range(1, 7), range(1, 4)):
        w = rng.integers(-5, 6, k)
        out = numeric.conv_transpose1d(np.ones(10, dtype=int), w, stride=s)
        sums = checkerboard.phase_sums(w, s)
        assert all(out[m] == sums[m % s] for m in range(k, len(out) - k))
    w2 = rng.integers(-5, 6, (4, 4))
    out2 = numeric.conv_transpose2d(np.ones((6, 6), dtype=int), w2, stride=2)
    assert np.array_equal(out2[4:8, 4:8], np.tile(checkerboard.phase_sums(w2, 2), (2, 2)))


def test_even_overlap_of_ones_exactly_when_s_divides_k():
    for k, s in itertools.product(range(1, 9), range(1, 5)):
        assert checkerboard.has_even_overlap(np.ones(k), s) == (k % s == 0)
    assert not checkerboard.has_even_overlap([1, 2, 3, 4], 2)
    assert checkerboard.has_even_overlap(np.ones((4, 4)), 2)


def test_stack_counts_are_the_layers_applied_in_turn_and_the_composed_layer():
    for layers in ([(3, 2)], [(3, 2), (4, 2)], [(3, 2), (3, 2)], [(5, 3), (2, 2)], [(4, 2, 1), (4, 2, 1)]):
        x = np.ones(3, dtype=int)
        for k, s, *p in layers:
            x = numeric.conv_transpose1d(x, np.ones(k, dtype=int), stride=s, padding=p[0] if p else 0)
        assert np.array_equal(checkerboard.stack_overlap_counts(3, layers), x)
        if all(len(layer) == 2 for layer in layers):
            kernel, stride = checkerboard.compose_transposed([(np.ones(k, dtype=int), s) for k, s in layers])
            assert np.array_equal(numeric.conv_transpose1d(np.ones(3, dtype=int), kernel, stride=stride), x)
    two_d = checkerboard.stack_overlap_counts(2, [(3, 2), (3, 2)], ndim=2)
    line = checkerboard.stack_overlap_counts(2, [(3, 2), (3, 2)])
    assert np.array_equal(two_d, np.outer(line, line))


def test_compose_transposed_with_weights_in_2d():
    rng = np.random.default_rng(5)
    w1, w2 = rng.integers(-3, 4, (3, 3)), rng.integers(-3, 4, (2, 2))
    x = rng.integers(-3, 4, (3, 3))
    kernel, stride = checkerboard.compose_transposed([(w1, 2), (w2, 3)])
    step = numeric.conv_transpose2d(numeric.conv_transpose2d(x, w1, stride=2), w2, stride=3)
    assert stride == 6 and np.array_equal(numeric.conv_transpose2d(x, kernel, stride=6), step)


def linear_interpolation(x, s):
    """Half-pixel linear interpolation with edge replication, written out (align_corners=False)."""
    out = []
    for m in range(len(x) * s):
        src = min(max((m + 0.5) / s - 0.5, 0), len(x) - 1)
        lo = int(np.floor(src))
        hi = min(lo + 1, len(x) - 1)
        out.append(x[lo] * (1 - (src - lo)) + x[hi] * (src - lo))
    return np.array(out)


def test_resize_layers():
    x = np.array([3.0, -1.0, 2.0, 5.0, 0.0, 4.0])
    for s in (1, 2, 3, 4):
        nearest = checkerboard.resize_layer(s, "nearest", ndim=1)
        assert np.array_equal(numeric.conv_transpose1d(x, nearest.kernel, stride=s, padding=nearest.padding),
                              np.repeat(x, s))
        bilinear = checkerboard.resize_layer(s, "bilinear", ndim=1)
        ours = numeric.conv_transpose1d(x, bilinear.kernel, stride=s, padding=bilinear.padding)
        assert len(ours) == len(x) * s
        edge = s // 2
        assert np.allclose(ours[edge:len(ours) - edge], linear_interpolation(x, s)[edge:len(ours) - edge])
        assert checkerboard.has_even_overlap(bilinear.kernel, s) and checkerboard.has_even_overlap(nearest.kernel, s)
    assert np.array_equal(checkerboard.resize_layer(3, "bilinear").kernel, upsampling.bilinear_kernel(3))


def test_resize_conv_layer_nearest_exact_bilinear_inside():
    rng = np.random.default_rng(8)
    for s, kq in itertools.product((2, 3), (1, 2, 3, 4)):
        q = rng.integers(-3, 4, (kq, kq)).astype(float)
        x = rng.integers(-3, 4, (4, 4)).astype(float)
        for padding in range(kq):
            layer = checkerboard.resize_conv_layer(q, s, "nearest", padding=padding)
            direct = numeric.conv2d(np.repeat(np.repeat(x, s, 0), s, 1), q, padding=padding)
            assert np.allclose(numeric.conv_transpose2d(x, layer.kernel, stride=s, padding=layer.padding), direct)
            assert checkerboard.has_even_overlap(layer.kernel, s)
        resize = checkerboard.resize_layer(s, "bilinear")
        layer = checkerboard.resize_conv_layer(q, s, "bilinear", padding=kq // 2)
        resized = numeric.conv_transpose2d(x, resize.kernel, stride=s, padding=resize.padding)
        direct = numeric.conv2d(resized, q, padding=kq // 2)
        ours = numeric.conv_transpose2d(x, layer.kernel, stride=s, padding=layer.padding)
        edge = s // 2 + kq
        assert ours.shape == direct.shape
        assert np.allclose(ours[edge:-edge, edge:-edge], direct[edge:-edge, edge:-edge])


def test_icnr_gives_convolution_then_nearest_in_its_own_order_only():
    rng = np.random.default_rng(2)
    w = rng.integers(-3, 4, (2, 3, 3, 3))
    x = rng.integers(-3, 4, (3, 4, 4))
    low = numeric.conv2d(x, w, padding=1)
    nearest = np.repeat(np.repeat(low, 2, axis=1), 2, axis=2)
    for order, other in (("CRD", "DCR"), ("DCR", "CRD")):
        maps = numeric.conv2d(x, checkerboard.icnr(w, 2, order), padding=1)
        assert np.array_equal(numeric.pixel_shuffle(maps, 2, order), nearest)
        assert not np.array_equal(numeric.pixel_shuffle(maps, 2, other), nearest)
    one = w[:1]                                   # one output map: the orders agree
    assert np.array_equal(checkerboard.icnr(one, 3, "CRD"), checkerboard.icnr(one, 3, "DCR"))


def test_interior_ratio_is_the_explorers_and_the_counts():
    from course_lib import widgets

    for layers in ([(3, 2)], [(4, 2)], [(3, 2), (3, 2)], [(3, 2), (6, 2)], [(4, 2), (3, 2)], [(5, 3), (2, 2)]):
        assert checkerboard.interior_ratio(layers) == widgets.checkerboard_state(4, layers).interior_ratio
        counts = checkerboard.stack_overlap_counts(12, layers)
        kernel, stride = checkerboard.compose_transposed([(np.ones(k, int), s) for k, s in layers])
        inside = counts[len(kernel):len(counts) - len(kernel)]          # away from both ends
        assert checkerboard.interior_ratio(layers, ndim=1) == inside.max() / inside.min()
        assert checkerboard.interior_ratio(layers) == checkerboard.interior_ratio(layers, ndim=1) ** 2
    assert checkerboard.interior_ratio([(1, 2)]) == float("inf")


def test_border_units_are_short_exactly_when_p_is_below_k_minus_s():
    """Near end: short units iff p < k - s; far end (output_padding a): iff p - a < k - s."""
    for k, s in itertools.product(range(1, 9), range(1, 5)):
        for p, a in itertools.product(range(k), range(s)):
            counts = np.array(copies_covering(12, k, s, p=p, a=a))
            assert np.array_equal(checkerboard.overlap_counts(12, k, s, p=p, a=a), counts)
            inside = [checkerboard.phase_counts(k, s)[(m + p) % s] for m in range(len(counts))]
            short, half = counts < inside, len(counts) // 2
            assert any(short[:half]) == (p < k - s), (k, s, p, a)
            assert any(short[half:]) == (p - a < k - s), (k, s, p, a)
    assert checkerboard.overlap_counts(5, 4, 2, p=2, a=1).tolist() == [2, 2, 2, 2, 2, 2, 2, 2, 1]


@pytest.mark.parametrize("call, error, text", [
    (lambda: checkerboard.overlap_counts(0, 3, 2), ValueError, "n must be >= 1, got 0"),
    (lambda: checkerboard.overlap_counts(3, 3, 2, a=2), ValueError, "a must be <= 1, got 2"),
    (lambda: checkerboard.overlap_counts(3, 3, 2.0), TypeError, "s must be an integer"),
    (lambda: checkerboard.overlap_counts(1, 1, 1, p=1), ValueError, "crops the whole output"),
    (lambda: checkerboard.overlap_counts(3, 3, 2, ndim=3), ValueError, "ndim must be 1 or 2, got 3"),
    (lambda: checkerboard.stack_overlap_counts(3, []), ValueError, "at least one"),
    (lambda: checkerboard.stack_overlap_counts(3, [(3,)]), ValueError, "layers[0] must be a (k, s)"),
    (lambda: checkerboard.phase_counts(3, 0), ValueError, "s must be >= 1, got 0"),
    (lambda: checkerboard.phase_sums("abc", 2), TypeError, "w must be an array of numbers"),
    (lambda: checkerboard.phase_sums(np.ones((2, 2, 2)), 2), ValueError, "w must be 1-D or 2-D"),
    (lambda: checkerboard.has_even_overlap([1, 1], 2, rtol=-1), ValueError, "rtol must be >= 0"),
    (lambda: checkerboard.compose_transposed([(np.ones(2), 2), (np.ones((2, 2)), 2)]), ValueError, "must be 1-D"),
    (lambda: checkerboard.interior_ratio([]), ValueError, "at least one"),
    (lambda: checkerboard.interior_ratio([(4, 2, 1)]), ValueError, "interior does not depend on the padding"),
    (lambda: checkerboard.interior_ratio([(3, 2)], ndim=3), ValueError, "ndim must be 1 or 2, got 3"),
    (lambda: checkerboard.resize_layer(2, "cubic"), ValueError, "mode must be 'nearest' or 'bilinear'"),
    (lambda: checkerboard.resize_conv_layer(np.ones((3, 3)), 2, padding=3), ValueError, "padding must be <= 2"),
    (lambda: checkerboard.resize_conv_layer(np.ones((2, 3)), 2), ValueError, "q must be square"),
    (lambda: checkerboard.icnr(np.ones((2, 2)), 2), ValueError, "weight must be 4-D"),
    (lambda: checkerboard.icnr(np.ones((1, 1, 2, 2)), 2, "crd"), ValueError, "order must be 'CRD' or 'DCR'"),
])
def test_bad_input_is_refused_with_a_message(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)


@pytest.mark.crosscheck
def test_icnr_and_bilinear_against_pytorch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(4)
    w = rng.standard_normal((3, 2, 3, 3))
    x = rng.standard_normal((1, 2, 5, 5))
    maps = F.conv2d(torch.tensor(x), torch.tensor(checkerboard.icnr(w, 2, "CRD")), padding=1)
    low = F.conv2d(torch.tensor(x), torch.tensor(w), padding=1)
    assert torch.allclose(F.pixel_shuffle(maps, 2), F.interpolate(low, scale_factor=2, mode="nearest"))
    for s in (2, 3):
        layer = checkerboard.resize_layer(s, "bilinear")
        ours = numeric.conv_transpose2d(x[0, 0], layer.kernel, stride=s, padding=layer.padding)
        theirs = F.interpolate(torch.tensor(x[:, :1]), scale_factor=s, mode="bilinear", align_corners=False)[0, 0].numpy()
        edge = s // 2
        assert np.allclose(ours[edge:-edge, edge:-edge], theirs[edge:-edge, edge:-edge])
