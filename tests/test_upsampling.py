"""Tests for course_lib.upsampling: the bilinear kernel against the recipes it reproduces.

Each reference recipe below is reimplemented line by line from the source it names (read in the
stored copies of the repositories), so that a change in course_lib's formula shows up as a
disagreement with a recipe, not as a changed expectation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib import numeric
from course_lib.upsampling import (
    bilinear_kernel,
    bilinear_kernel_1d,
    bilinear_kernel_size,
    bilinear_padding,
)

FACTORS = (1, 2, 3, 4, 5, 8, 16, 32)


# --- reference recipes ------------------------------------------------------------------------


def caffe_bilinear_filler(width: int) -> np.ndarray:
    """BVLC/caffe include/caffe/filler.hpp, BilinearFiller::Fill (after commit 888597e, 2017).

    f = ceil(width / 2.); c = (width - 1) / (2. * f);
    data[i] = (1 - fabs(x / f - c)) * (1 - fabs(y / f - c)), x = i % width, y = (i / width) % height
    """
    f = math.ceil(width / 2.0)
    c = (width - 1) / (2.0 * f)
    data = np.empty(width * width)
    for i in range(width * width):
        x = i % width
        y = (i // width) % width
        data[i] = (1 - abs(x / f - c)) * (1 - abs(y / f - c))
    return data.reshape(width, width)


def caffe_bilinear_filler_before_2017(width: int) -> np.ndarray:
    """The same filler before commit 888597e ("Fixed bilinear filler"): c = (2f - 1 - f % 2) / (2f)."""
    f = math.ceil(width / 2.0)
    c = (2 * f - 1 - f % 2) / (2.0 * f)
    data = np.empty(width * width)
    for i in range(width * width):
        x = i % width
        y = (i // width) % width
        data[i] = (1 - abs(x / f - c)) * (1 - abs(y / f - c))
    return data.reshape(width, width)


def fcn_upsample_filt(size: int) -> np.ndarray:
    """shelhamer/fcn.berkeleyvision.org surgery.py, upsample_filt(size)."""
    factor = (size + 1) // 2
    if size % 2 == 1:
        center = factor - 1
    else:
        center = factor - 0.5
    og = np.ogrid[:size, :size]
    return (1 - abs(og[0] - center) / factor) * (1 - abs(og[1] - center) / factor)


def d2l_bilinear_kernel(in_channels: int, out_channels: int, kernel_size: int) -> np.ndarray:
    """d2l-ai/d2l-en chapter_computer-vision/fcn.md, bilinear_kernel (numpy instead of mxnet.np)."""
    factor = (kernel_size + 1) // 2
    if kernel_size % 2 == 1:
        center = factor - 1
    else:
        center = factor - 0.5
    og = np.arange(kernel_size).reshape(-1, 1), np.arange(kernel_size).reshape(1, -1)
    filt = (1 - np.abs(og[0] - center) / factor) * (1 - np.abs(og[1] - center) / factor)
    weight = np.zeros((in_channels, out_channels, kernel_size, kernel_size))
    weight[range(in_channels), range(out_channels), :, :] = filt
    return weight


# --- the kernel equals every recipe -----------------------------------------------------------


@pytest.mark.parametrize("factor", FACTORS)
def test_kernel_matches_caffe_fcn_and_d2l(factor):
    k = 2 * factor - factor % 2  # Caffe's documented kernel_size: {{2 * factor - factor % 2}}
    ours = bilinear_kernel(factor)
    assert ours.shape == (k, k)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, caffe_bilinear_filler(k), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours, fcn_upsample_filt(k), rtol=0, atol=1e-12)
    weight = d2l_bilinear_kernel(3, 3, k)
    for channel in range(3):
        np.testing.assert_allclose(ours, weight[channel, channel], rtol=0, atol=1e-12)
    assert not weight[0, 1].any()


@pytest.mark.parametrize("factor", FACTORS)
def test_old_caffe_filler_agrees_for_recommended_sizes(factor):
    # The 2017 fix changed the centre only for widths that Caffe's recipe never produces.
    k = bilinear_kernel_size(factor)
    np.testing.assert_allclose(caffe_bilinear_filler_before_2017(k), bilinear_kernel(factor), atol=1e-12)


def test_old_caffe_filler_differs_for_other_widths():
    assert not np.allclose(caffe_bilinear_filler_before_2017(3), caffe_bilinear_filler(3))
    assert not np.allclose(caffe_bilinear_filler_before_2017(6), caffe_bilinear_filler(6))


@pytest.mark.parametrize("factor", FACTORS)
def test_kernel_is_outer_product_of_tent(factor):
    tent = bilinear_kernel_1d(factor)
    np.testing.assert_allclose(bilinear_kernel(factor), np.outer(tent, tent))
    assert tent.shape == (bilinear_kernel_size(factor),)
    np.testing.assert_allclose(tent, tent[::-1])
    assert tent.min() > 0 and tent.max() <= 1


@pytest.mark.parametrize("factor", FACTORS)
def test_phases_sum_to_one(factor):
    # Every output sample of stride-`factor` upsampling receives weights summing to 1.
    tent = bilinear_kernel_1d(factor)
    padded = np.concatenate([tent, np.zeros((-len(tent)) % factor)])
    np.testing.assert_allclose(padded.reshape(-1, factor).sum(axis=0), np.ones(factor))


@pytest.mark.parametrize("factor", FACTORS)
def test_padding_formula(factor):
    assert bilinear_padding(factor) == math.ceil((factor - 1) / 2)


@pytest.mark.parametrize("factor", (1, 2, 3, 4))
@pytest.mark.parametrize("i", (1, 3, 5))
def test_layer_upsamples_exactly_and_interpolates_linearly(factor, i):
    p = bilinear_padding(factor)
    ramp = np.arange(i, dtype=float)
    out = numeric.conv_transpose1d(ramp, bilinear_kernel_1d(factor), stride=factor, padding=p)
    assert out.shape == (factor * i,)
    # Away from the borders the output is the linear interpolation of the ramp.
    positions = (np.arange(factor * i) - (factor - 1) / 2) / factor
    inner = slice(factor, factor * (i - 1)) if i > 2 else slice(0, 0)
    np.testing.assert_allclose(out[inner], positions[inner], atol=1e-12)


@pytest.mark.parametrize("function", (bilinear_kernel, bilinear_kernel_1d, bilinear_kernel_size, bilinear_padding))
def test_validation(function):
    with pytest.raises(ValueError, match="factor must be >= 1, got 0"):
        function(0)
    with pytest.raises(TypeError, match="factor must be an integer"):
        function(2.0)
    with pytest.raises(TypeError, match="factor must be an integer"):
        function(True)


# --- U-Net sizes ----------------------------------------------------------------------------------

from course_lib import layers  # noqa: E402
from course_lib.upsampling import unet_sizes, unet_valid_sizes, unet_valid_tiles  # noqa: E402


@pytest.mark.parametrize("depth", (1, 2, 3, 4))
def test_unet_fits_exactly_for_multiples(depth):
    for i in range(2 ** depth, 70):
        assert unet_sizes(i, depth).ok == (i % 2 ** depth == 0)
        for fix in ("pad", "output_padding"):
            assert unet_sizes(i, depth, fix).ok
        cropped = unet_sizes(i, depth, "crop")
        assert all(cropped.matched) and cropped.output == (i // 2 ** depth) * 2 ** depth


def test_unet_sizes_agree_with_layer_walks():
    # encoder: 2×2 pools; decoder: ConvTranspose(k=2, s=2, output_padding=a) from the bottom
    for i in (37, 64, 100, 101):
        sizes = unet_sizes(i, 3, "output_padding")
        encoder = layers.walk((1, i, i), [layers.Pool(2)] * 3)
        assert tuple(row.output_shape[1] for row in encoder.rows) == sizes.encoder[1:]
        size = sizes.encoder[3]
        for level in (2, 1, 0):
            a = sizes.output_padding[level]
            size = layers.walk((1, size, size), [layers.ConvTranspose(1, 2, stride=2, output_padding=a)]).output_shape[1]
            assert size == sizes.upsampled[level] == sizes.encoder[level]


def test_unet_repr_marks_the_mismatch():
    text = unet_sizes(100, 3)._repr_markdown_()
    assert "**mismatch**" in text and "output **96**" in text
    assert "crop skip to 24" in unet_sizes(100, 3, "crop")._repr_markdown_()


def test_unet_valid_sizes_paper_figure_and_tiles():
    assert unet_valid_sizes(572)[-1] == 388
    tiles = [i for i in range(100, 700) if _fits(i)]
    assert tiles and all(b - a == 16 for a, b in zip(tiles, tiles[1:]))
    # encoder sizes follow from walks of unpadded 3×3 convolutions and 2×2 pools
    walk = layers.walk((1, 572, 572), [layers.Conv(1, 3), layers.Conv(1, 3), layers.Pool(2)] * 4
                       + [layers.Conv(1, 3), layers.Conv(1, 3)])
    convs = [row.output_shape[1] for row in walk.rows if row.kind == "conv"]
    assert tuple(convs[1::2]) == unet_valid_sizes(572)[:5]


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_unet_valid_tiles_are_the_sizes_that_fit(depth):
    tiles = unet_valid_tiles(1, 400, depth)
    assert [i for i, _ in tiles] == [i for i in range(1, 401) if _fits(i, depth)]
    assert all(out == unet_valid_sizes(i, depth)[-1] for i, out in tiles)
    assert all(b - a == 2 ** depth for (a, _), (b, _) in zip(tiles, tiles[1:]))
    assert unet_valid_tiles(540, 620) == ((540, 356), (556, 372), (572, 388), (588, 404), (604, 420), (620, 436))
    assert unet_valid_tiles(572, 572) == ((572, 388),)     # both ends included
    assert unet_valid_tiles(5, 5) == ()


def _fits(i, depth=4):
    try:
        unet_valid_sizes(i, depth)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("call, error, match", [
    (lambda: unet_sizes(7, 3), ValueError, "i must be >= 8"),
    (lambda: unet_sizes(16, 0), ValueError, "depth must be >= 1"),
    (lambda: unet_sizes(16, 2, "resize"), ValueError, "fix must be one of"),
    (lambda: unet_sizes(16.0, 2), TypeError, "i must be an integer"),
    (lambda: unet_valid_sizes(570), ValueError, "odd size 279"),
    (lambda: unet_valid_sizes(20), ValueError, "need at least 5 units"),
    (lambda: unet_valid_tiles(0, 10), ValueError, "lo must be >= 1"),
    (lambda: unet_valid_tiles(10, 5), ValueError, "hi must be >= 10"),
    (lambda: unet_valid_tiles(10, 50, depth=0), ValueError, "depth must be >= 1"),
    (lambda: unet_valid_tiles(10.0, 50), TypeError, "lo must be an integer"),
])
def test_unet_validation(call, error, match):
    with pytest.raises(error, match=match):
        call()
