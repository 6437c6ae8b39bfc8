"""Cross-checks of course_lib.numeric and course_lib.arithmetic against PyTorch (float64, CPU).

Run with ``make crosscheck``. Every configuration is drawn from a seeded numpy RNG, so a run is
reproducible; the tests below compare well over 1000 random configurations in total.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import arithmetic, numeric

torch = pytest.importorskip("torch", reason="torch is not installed; run `make crosscheck`")
F = torch.nn.functional

METHODS = ("scatter", "equivalent", "matrix")


def batch(x: np.ndarray):
    """A numpy array as a float64 torch tensor with a batch axis of 1."""
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))[None]


def tensor(x: np.ndarray):
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))


def torch_or_error(call):
    """PyTorch's result as numpy (batch axis removed), or the exception it raised."""
    try:
        return call()[0].numpy()
    except (RuntimeError, ValueError) as err:
        return err


def draw_conv(rng: np.random.Generator, nd: int):
    """A random direct convolution (it may not fit: then both libraries must refuse it)."""
    c_in, c_out = rng.integers(1, 4, size=2)
    i = tuple(rng.integers(1, 10, size=nd))
    k = tuple(rng.integers(1, 5, size=nd))
    s = tuple(int(v) for v in rng.integers(1, 4, size=nd))
    p = tuple(int(v) for v in rng.integers(0, 3, size=nd))
    d = tuple(int(v) for v in rng.integers(1, 4, size=nd))
    x = rng.standard_normal((c_in, *i))
    w = rng.standard_normal((c_out, c_in, *k))
    bias = rng.standard_normal(c_out) if rng.random() < 0.5 else None
    return x, w, bias, s, p, d


def assert_same_or_both_refuse(ours_call, theirs):
    if isinstance(theirs, Exception):
        with pytest.raises(ValueError):
            ours_call()
        return False
    ours = ours_call()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
    return True


@pytest.mark.crosscheck
@pytest.mark.parametrize("nd, count", [(1, 150), (2, 200)])
def test_conv_against_torch(nd, count):
    rng = np.random.default_rng(1000 + nd)
    ours_fn = {1: numeric.conv1d, 2: numeric.conv2d}[nd]
    theirs_fn = {1: F.conv1d, 2: F.conv2d}[nd]
    compared = 0
    for _ in range(count):
        x, w, bias, s, p, d = draw_conv(rng, nd)
        tb = None if bias is None else tensor(bias)
        theirs = torch_or_error(lambda: theirs_fn(batch(x), tensor(w), tb, stride=s, padding=p, dilation=d))
        compared += assert_same_or_both_refuse(lambda: ours_fn(x, w, bias, stride=s, padding=p, dilation=d), theirs)
    assert compared > count // 2


@pytest.mark.crosscheck
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
@pytest.mark.parametrize("nd, count", [(1, 60), (2, 60)])
def test_same_and_valid_padding_against_torch(nd, count):
    """PyTorch's padding="same" (stride 1 only) and "valid", also with even kernels and dilation."""
    rng = np.random.default_rng(2000 + nd)
    ours_fn = {1: numeric.conv1d, 2: numeric.conv2d}[nd]
    theirs_fn = {1: F.conv1d, 2: F.conv2d}[nd]
    compared = 0
    for _ in range(count):
        x, w, bias, _, _, d = draw_conv(rng, nd)
        for mode in ("same", "valid"):
            theirs = torch_or_error(lambda: theirs_fn(batch(x), tensor(w), None, padding=mode, dilation=d))
            compared += assert_same_or_both_refuse(lambda: ours_fn(x, w, padding=mode, dilation=d), theirs)
    assert compared > count


@pytest.mark.crosscheck
@pytest.mark.parametrize("nd, count", [(1, 150), (2, 200)])
def test_conv_transpose_all_methods_against_torch(nd, count):
    rng = np.random.default_rng(3000 + nd)
    ours_fn = {1: numeric.conv_transpose1d, 2: numeric.conv_transpose2d}[nd]
    theirs_fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d}[nd]
    compared = 0
    for _ in range(count):
        y, direct_weight, bias, s, p, d = draw_conv(rng, nd)
        y = y[(slice(None), *(slice(0, 5),) * nd)]  # the transposed input: keep outputs small
        w = rng.standard_normal((y.shape[0], int(rng.integers(1, 4)), *direct_weight.shape[2:]))  # (C_in, C_out, k...)
        bias = None if bias is None else rng.standard_normal(w.shape[1])
        a = tuple(int(rng.integers(0, max(ss, dd))) for ss, dd in zip(s, d))
        tb = None if bias is None else tensor(bias)
        theirs = torch_or_error(
            lambda: theirs_fn(batch(y), tensor(w), tb, stride=s, padding=p, output_padding=a, dilation=d)
        )
        for method in METHODS:
            compared += assert_same_or_both_refuse(
                lambda: ours_fn(y, w, bias, stride=s, padding=p, output_padding=a, dilation=d, method=method),
                theirs,
            )
    assert compared > count  # (3 methods each)


@pytest.mark.crosscheck
def test_conv_transpose_is_torchs_gradient_of_conv():
    """PyTorch computes the input gradient of conv2d with the same transposed convolution."""
    rng = np.random.default_rng(3500)
    for _ in range(50):
        x, w, _, s, p, d = draw_conv(rng, 2)
        try:
            out_shape = numeric.conv2d(x, w, stride=s, padding=p, dilation=d).shape
        except ValueError:
            continue
        g = rng.standard_normal(out_shape)
        xt = batch(x).requires_grad_()
        F.conv2d(xt, tensor(w), stride=s, padding=p, dilation=d).backward(batch(g))
        k_hat = [(k - 1) * dd + 1 for k, dd in zip(w.shape[2:], d)]
        a = tuple((i + 2 * pp - kh) % ss for i, pp, kh, ss in zip(x.shape[1:], p, k_hat, s))
        for method in METHODS:
            ours = numeric.conv_transpose2d(g, w, stride=s, padding=p, output_padding=a, dilation=d, method=method)
            np.testing.assert_allclose(ours, xt.grad[0].numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.crosscheck
def test_pooling_against_torch():
    rng = np.random.default_rng(4000)
    compared = 0
    for _ in range(150):
        c = int(rng.integers(1, 4))
        shape = (c, *rng.integers(1, 10, size=2))
        # small integers make ties common: the switches must pick the same maximum as PyTorch
        x = rng.integers(-2, 3, size=shape).astype(np.float64) if rng.random() < 0.5 else rng.standard_normal(shape)
        k = tuple(int(v) for v in rng.integers(1, 4, size=2))
        s = None if rng.random() < 0.3 else tuple(int(v) for v in rng.integers(1, 4, size=2))
        theirs = torch_or_error(lambda: F.max_pool2d(batch(x), k, s, return_indices=True))
        if isinstance(theirs, Exception):
            with pytest.raises(ValueError):
                numeric.max_pool2d(x, k, s, return_indices=True)
            with pytest.raises(ValueError):
                numeric.avg_pool2d(x, k, s)
            continue
        values, indices = F.max_pool2d(batch(x), k, s, return_indices=True)
        ours_values, ours_indices = numeric.max_pool2d(x, k, s, return_indices=True)
        np.testing.assert_array_equal(ours_values, values[0].numpy())
        np.testing.assert_array_equal(ours_indices, indices[0].numpy())
        np.testing.assert_allclose(numeric.avg_pool2d(x, k, s), F.avg_pool2d(batch(x), k, s)[0].numpy(), rtol=1e-12)
        # unpooling, with every output size PyTorch allows (and one on each side it refuses)
        stride = k if s is None else s
        default = [(n - 1) * st + kk for n, st, kk in zip(values.shape[2:], stride, k)]
        size = [int(rng.integers(dn - st, dn + st + 1)) for dn, st in zip(default, stride)]
        if min(size) < 1:  # PyTorch returns an empty array here; course_lib refuses on purpose
            with pytest.raises(ValueError, match="output_size"):
                numeric.max_unpool2d(ours_values, ours_indices, k, s, output_size=size)
            continue
        theirs = torch_or_error(lambda: F.max_unpool2d(values, indices, k, s, output_size=size))
        compared += assert_same_or_both_refuse(
            lambda: numeric.max_unpool2d(ours_values, ours_indices, k, s, output_size=size), theirs
        )
    assert compared > 15


@pytest.mark.crosscheck
def test_max_pool_nan_like_torch():
    x = np.array([[[1.0, np.nan, 3.0], [np.nan, 5.0, 0.0], [2.0, 2.0, np.nan]]])
    values, indices = F.max_pool2d(batch(x), 2, 1, return_indices=True)
    ours_values, ours_indices = numeric.max_pool2d(x, 2, 1, return_indices=True)
    np.testing.assert_array_equal(ours_values, values[0].numpy())
    np.testing.assert_array_equal(ours_indices, indices[0].numpy())


@pytest.mark.crosscheck
def test_output_size_functions_against_torch():
    rng = np.random.default_rng(5000)
    for _ in range(300):
        i, k, s, p, d = (int(v) for v in (rng.integers(1, 12), rng.integers(1, 6), rng.integers(1, 4),
                                          rng.integers(0, 4), rng.integers(1, 4)))
        x = torch.zeros(1, 1, i, dtype=torch.float64)
        theirs = torch_or_error(lambda: F.conv1d(x, torch.zeros(1, 1, k, dtype=torch.float64), stride=s, padding=p, dilation=d))
        if isinstance(theirs, Exception):
            with pytest.raises(ValueError):
                arithmetic.conv_output_size(i, k, s, p, d)
        else:
            assert arithmetic.conv_output_size(i, k, s, p, d) == theirs.shape[-1]
        theirs = torch_or_error(lambda: F.max_pool1d(x, k, s))
        if isinstance(theirs, Exception):
            with pytest.raises(ValueError):
                arithmetic.pool_output_size(i, k, s)
        else:
            assert arithmetic.pool_output_size(i, k, s) == theirs.shape[-1]
        a = int(rng.integers(0, max(s, d)))
        theirs = torch_or_error(
            lambda: F.conv_transpose1d(x, torch.zeros(1, 1, k, dtype=torch.float64), stride=s, padding=p,
                                       output_padding=a, dilation=d)
        )
        if isinstance(theirs, Exception):
            with pytest.raises(ValueError):
                arithmetic.transposed_output_size(i, k, s, p, d, a)
        else:
            assert arithmetic.transposed_output_size(i, k, s, p, d, a) == theirs.shape[-1]


@pytest.mark.crosscheck
def test_output_padding_must_be_below_max_of_stride_and_dilation():
    """Where PyTorch refuses an output_padding, arithmetic.transposed_output_size refuses it too."""
    rng = np.random.default_rng(6000)
    refused = 0
    for _ in range(200):
        i, k, s, d = (int(v) for v in (rng.integers(1, 6), rng.integers(1, 4), rng.integers(1, 4), rng.integers(1, 4)))
        a = int(rng.integers(0, 5))
        x = torch.zeros(1, 1, i, dtype=torch.float64)
        theirs = torch_or_error(
            lambda: F.conv_transpose1d(x, torch.zeros(1, 1, k, dtype=torch.float64), stride=s, output_padding=a, dilation=d)
        )
        if isinstance(theirs, Exception):
            refused += 1
            assert a >= max(s, d)
            with pytest.raises(ValueError, match="output_padding"):
                arithmetic.transposed_output_size(i, k, s, 0, d, a)
            with pytest.raises(ValueError, match="output_padding"):
                numeric.conv_transpose1d(np.zeros(i), np.zeros(k), stride=s, output_padding=a, dilation=d)
        else:
            assert arithmetic.transposed_output_size(i, k, s, 0, d, a) == theirs.shape[-1]
    assert refused > 20


@pytest.mark.crosscheck
def test_pixel_shuffle_crd_matches_torch():
    """numeric.pixel_shuffle (order CRD) and its inverse are torch's pixel_shuffle / pixel_unshuffle."""
    rng = np.random.default_rng(6060)
    for _ in range(20):
        c, r, h, w = (int(v) for v in rng.integers(1, 4, 4))
        x = rng.standard_normal((c * r * r, h, w))
        theirs = F.pixel_shuffle(torch.from_numpy(x)[None], r)[0].numpy()
        assert np.array_equal(numeric.pixel_shuffle(x, r), theirs)
        back = F.pixel_unshuffle(torch.from_numpy(theirs)[None], r)[0].numpy()
        assert np.array_equal(numeric.pixel_unshuffle(theirs, r), back)
