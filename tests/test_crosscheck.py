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


# --- pooling with padding and ceil_mode, and the layer walk --------------------------------------


def both_pool_settings(rng):
    """A random 2-D pooling: kernel, stride (or None), padding (up to 2, maybe too much), ceil_mode."""
    k = tuple(int(v) for v in rng.integers(1, 5, size=2))
    s = None if rng.random() < 0.2 else tuple(int(v) for v in rng.integers(1, 4, size=2))
    p = tuple(int(v) for v in rng.integers(0, 3, size=2))
    return k, s, p, bool(rng.random() < 0.5)


def ceil_window_past_padded_input(shape, k, p, ceil_mode):
    """PyTorch's ceil mode accepts one window larger than the padded input; course_lib refuses it."""
    return ceil_mode and any(kk > n + 2 * pp for n, kk, pp in zip(shape, k, p))


@pytest.mark.crosscheck
def test_padded_and_ceil_mode_pooling_against_torch():
    rng = np.random.default_rng(7000)
    compared = refused = 0
    for _ in range(400):
        c = int(rng.integers(1, 3))
        shape = (c, *(int(v) for v in rng.integers(1, 9, size=2)))
        # small integers make ties common: the switches must pick the same maximum as PyTorch
        x = rng.integers(-3, 1, size=shape).astype(np.float64) if rng.random() < 0.5 else rng.standard_normal(shape)
        k, s, p, ceil_mode = both_pool_settings(rng)
        count_include_pad = bool(rng.random() < 0.5)
        divisor = int(rng.integers(1, 5)) if rng.random() < 0.15 else None
        theirs = torch_or_error(lambda: F.max_pool2d(batch(x), k, s, p, ceil_mode=ceil_mode))
        if isinstance(theirs, Exception) or ceil_window_past_padded_input(shape[1:], k, p, ceil_mode):
            refused += 1
            with pytest.raises(ValueError):
                numeric.max_pool2d(x, k, s, padding=p, ceil_mode=ceil_mode)
            with pytest.raises(ValueError):
                numeric.avg_pool2d(x, k, s, padding=p, ceil_mode=ceil_mode)
            continue
        values, indices = F.max_pool2d(batch(x), k, s, p, ceil_mode=ceil_mode, return_indices=True)
        ours_values, ours_indices = numeric.max_pool2d(x, k, s, padding=p, ceil_mode=ceil_mode, return_indices=True)
        np.testing.assert_array_equal(ours_values, values[0].numpy())
        np.testing.assert_array_equal(ours_indices, indices[0].numpy())
        averages = F.avg_pool2d(batch(x), k, s, p, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                                divisor_override=divisor)[0].numpy()
        ours = numeric.avg_pool2d(x, k, s, padding=p, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                                  divisor_override=divisor)
        np.testing.assert_allclose(ours, averages, rtol=1e-12, atol=1e-15)
        # unpooling back to the input's size, where PyTorch allows it
        stride = k if s is None else s
        size = list(shape[1:])
        theirs = torch_or_error(lambda: F.max_unpool2d(values, indices, k, s, p, output_size=size))
        compared += assert_same_or_both_refuse(
            lambda: numeric.max_unpool2d(ours_values, ours_indices, k, s, output_size=size, padding=p), theirs
        )
        default = [(n - 1) * st - 2 * pp + kk for n, st, pp, kk in zip(values.shape[2:], stride, p, k)]
        if min(default) >= 1:
            theirs = torch_or_error(lambda: F.max_unpool2d(values, indices, k, s, p))
            assert_same_or_both_refuse(lambda: numeric.max_unpool2d(ours_values, ours_indices, k, s, padding=p), theirs)
    assert compared > 100 and refused > 30


@pytest.mark.crosscheck
def test_pool_output_size_with_padding_and_ceil_mode_against_torch():
    rng = np.random.default_rng(7100)
    ceil_differs = past_padding = 0
    for _ in range(600):
        i, k, s, p = (int(v) for v in (rng.integers(1, 14), rng.integers(1, 7), rng.integers(1, 5), rng.integers(0, 4)))
        ceil_mode = bool(rng.random() < 0.6)
        theirs = torch_or_error(lambda: F.max_pool1d(torch.zeros(1, 1, i, dtype=torch.float64), k, s, p, ceil_mode=ceil_mode))
        if isinstance(theirs, Exception) or ceil_window_past_padded_input((i,), (k,), (p,), ceil_mode):
            with pytest.raises(ValueError):
                arithmetic.pool_output_size(i, k, s, p, ceil_mode)
            continue
        assert arithmetic.pool_output_size(i, k, s, p, ceil_mode) == theirs.shape[-1]
        if ceil_mode:
            floor = arithmetic.pool_output_size(i, k, s, p)
            ceil_differs += theirs.shape[-1] != floor
            # where the "minus one" rule bites: ⌈(i + 2p - k)/s⌉ + 1 would be one too many
            past_padding += theirs.shape[-1] == -(-(i + 2 * p - k) // s)
    assert ceil_differs > 30 and past_padding > 5


def torch_stack(input_shape, layers):
    """The torch modules for a walk's layers (in_channels / in_features read off the shapes)."""
    from course_lib.layers import Conv, ConvTranspose, Dense, Flatten, Pool, walk

    table = walk(input_shape, layers)
    shapes = [input_shape] + [row.output_shape for row in table]
    modules = []
    for layer, shape in zip(layers, shapes):
        if isinstance(layer, Conv):
            modules.append(torch.nn.Conv2d(shape[0], layer.out_channels, layer.kernel_size, layer.stride,
                                           layer.padding, layer.dilation, bias=layer.bias))
        elif isinstance(layer, ConvTranspose):
            modules.append(torch.nn.ConvTranspose2d(shape[0], layer.out_channels, layer.kernel_size, layer.stride,
                                                    layer.padding, layer.output_padding, bias=layer.bias,
                                                    dilation=layer.dilation))
        elif isinstance(layer, Pool):
            pool = torch.nn.MaxPool2d if layer.kind == "max" else torch.nn.AvgPool2d
            modules.append(pool(layer.kernel_size, layer.stride, layer.padding, ceil_mode=layer.ceil_mode))
        elif isinstance(layer, Flatten):
            modules.append(torch.nn.Flatten(0))  # no batch axis
        elif isinstance(layer, Dense):
            modules.append(torch.nn.Linear(shape[0], layer.out_features, bias=layer.bias))
    return table, [module.double() for module in modules]


def random_stack(rng, spatial_only=False, transposed=True):
    from course_lib.layers import Conv, ConvTranspose, Dense, Flatten, Pool

    def pair(low, high):
        return int(rng.integers(low, high)) if rng.random() < 0.6 else tuple(int(v) for v in rng.integers(low, high, 2))

    layers = []
    for _ in range(int(rng.integers(1, 5))):
        kind = rng.choice(["conv", "pool", "tconv"] if transposed else ["conv", "pool"])
        if kind == "conv":
            layers.append(Conv(int(rng.integers(1, 5)), pair(1, 5), stride=pair(1, 3), padding=pair(0, 3),
                               dilation=pair(1, 3), bias=bool(rng.random() < 0.7)))
        elif kind == "pool":
            k = int(rng.integers(1, 4))
            layers.append(Pool(k, stride=None if rng.random() < 0.3 else int(rng.integers(1, 4)),
                               padding=int(rng.integers(0, k // 2 + 1)), ceil_mode=bool(rng.random() < 0.5),
                               kind=str(rng.choice(["max", "avg"]))))
        else:
            s, d = int(rng.integers(1, 4)), int(rng.integers(1, 3))
            layers.append(ConvTranspose(int(rng.integers(1, 4)), int(rng.integers(1, 5)), stride=s,
                                        padding=int(rng.integers(0, 3)), output_padding=int(rng.integers(0, max(s, d))),
                                        dilation=d, bias=bool(rng.random() < 0.7)))
    if not spatial_only and rng.random() < 0.5:
        layers += [Flatten(), Dense(int(rng.integers(1, 20)))] + ([Dense(int(rng.integers(1, 5)))] if rng.random() < 0.5 else [])
    return layers


@pytest.mark.crosscheck
def test_walk_shapes_and_parameters_against_torch_modules():
    from course_lib.layers import Conv, Dense, Flatten, Pool

    rng = np.random.default_rng(7200)
    stacks = [((4, 84, 84), [Conv(16, 8, stride=4), Conv(32, 4, stride=2), Flatten(), Dense(256), Dense(18)]),
              ((3, 227, 227), [Conv(96, 11, stride=4), Pool(3, 2), Conv(256, 5, padding=2), Pool(3, 2),
                               Conv(384, 3, padding=1), Conv(384, 3, padding=1), Conv(256, 3, padding=1), Pool(3, 2)]),
              ((3, 224, 224), [Conv(64, 7, stride=2, padding=3), Pool(3, 2, padding=1)]),
              ((8, 13, 13), [Pool(3, 2, ceil_mode=True), Pool(2, ceil_mode=True, kind="avg")])]
    compared = refused = 0
    while compared < 300:
        shape = (int(rng.integers(1, 4)), int(rng.integers(3, 20)), int(rng.integers(3, 20)))
        stacks.append((shape, random_stack(rng)))
        input_shape, layers = stacks.pop(0)
        try:
            table, modules = torch_stack(input_shape, layers)
        except ValueError:
            refused += 1  # test_walk_refuses_what_torch_refuses checks these against PyTorch
            continue
        x = torch.zeros(input_shape, dtype=torch.float64)
        if len(input_shape) == 3:
            x = x[None]
        for row, module in zip(table, modules):
            if isinstance(module, torch.nn.Flatten):
                x = x[0].flatten()
            else:
                x = module(x)
            assert tuple(x.shape[1:] if x.dim() == 4 else x.shape) == row.output_shape, row.name
            assert sum(p.numel() for p in module.parameters()) == row.parameters, row.name
        compared += 1
    assert refused > 10


@pytest.mark.crosscheck
def test_walk_refuses_what_torch_refuses():
    """The first layer walk() refuses, PyTorch refuses too, except a ceil-mode window wider
    than the padded input (PyTorch clips it to one window; pool_output_size refuses it)."""
    from course_lib.layers import Pool, walk

    rng = np.random.default_rng(7300)
    refused = 0
    for _ in range(400):
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 8)), int(rng.integers(1, 8)))
        layers = random_stack(rng, spatial_only=True)
        try:
            walk(shape, layers)
            continue
        except ValueError:
            pass
        n = 0
        while True:  # the first layer that does not fit
            try:
                walk(shape, layers[: n + 1])
            except ValueError as err:
                assert f"layers[{n}]" in str(err)
                break
            n += 1
        before = walk(shape, layers[:n]).output_shape if n else shape
        layer = layers[n]
        if isinstance(layer, Pool) and layer.ceil_mode and any(
            k > size + 2 * p for k, size, p in zip(pair(layer.kernel_size), before[1:], pair(layer.padding))
        ):
            continue
        (module,) = torch_stack_single(before, layer)
        with pytest.raises(RuntimeError):
            module(torch.zeros((1, *before), dtype=torch.float64))
        refused += 1
    assert refused > 50


def pair(value):
    return value if isinstance(value, tuple) else (value, value)


def torch_stack_single(shape, layer):
    """The torch module of one layer whose input has ``shape`` (which may not fit it)."""
    from course_lib.layers import Conv, ConvTranspose, Pool

    if isinstance(layer, Conv):
        return [torch.nn.Conv2d(shape[0], layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                                layer.dilation, bias=layer.bias).double()]
    if isinstance(layer, ConvTranspose):
        return [torch.nn.ConvTranspose2d(shape[0], layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                                         layer.output_padding, bias=layer.bias, dilation=layer.dilation).double()]
    assert isinstance(layer, Pool)
    pool = torch.nn.MaxPool2d if layer.kind == "max" else torch.nn.AvgPool2d
    return [pool(layer.kernel_size, layer.stride, layer.padding, ceil_mode=layer.ceil_mode)]


def gradient_extent(input_shape, modules, unit):
    """Rows and columns of the input whose gradient for output ``unit`` (channel 0) is nonzero.

    Weights are all ones, biases zero and the input positive, so nothing cancels; max pooling
    becomes average pooling, which reads the same window but passes a gradient to all of it.
    """
    x = torch.rand((1, *input_shape), dtype=torch.float64) + 1
    x.requires_grad_(True)
    y = x
    with torch.no_grad():
        for module in modules:
            for parameter in module.parameters():
                parameter.fill_(1.0 if parameter.dim() > 1 else 0.0)
    for module in modules:
        if isinstance(module, torch.nn.MaxPool2d):
            module = torch.nn.AvgPool2d(module.kernel_size, module.stride, module.padding, ceil_mode=module.ceil_mode)
        y = module(y)
    y[(0, 0, *unit)].backward()
    grad = x.grad[0].abs().sum(0)
    extents = []
    for axis in range(2):
        where = torch.nonzero(grad.sum(1 - axis)).flatten()
        extents.append((int(where[0]), int(where[-1])) if len(where) else None)
    return extents


@pytest.mark.crosscheck
def test_receptive_fields_against_autograd():
    """Conv and pooling stacks: the gradient of an output unit is nonzero exactly on its receptive
    field (start + j·jump ± (rf - 1)/2), clipped to the input where it reaches padding; with
    transposed convolutions, no unit's gradient spans more than the reported field."""
    from fractions import Fraction

    rng = np.random.default_rng(7400)
    exact = bounded = 0
    while exact + bounded < 150:
        transposed = rng.random() < 0.3
        layers = random_stack(rng, spatial_only=True, transposed=transposed)
        size = (1, int(rng.integers(8, 40)), int(rng.integers(8, 40)))
        try:
            table, modules = torch_stack(size, layers)
        except ValueError:
            continue
        row = table[-1]
        units = [(0, 0), (row.output_shape[1] // 2, row.output_shape[2] // 2),
                 (row.output_shape[1] - 1, row.output_shape[2] - 1)]
        for unit in units:
            extents = gradient_extent(size, modules, unit)
            for axis in range(2):
                found = extents[axis]
                if found is None:
                    continue
                assert found[1] - found[0] + 1 <= row.receptive_field[axis]
                if transposed:
                    continue
                centre = row.start[axis] + unit[axis] * row.jump[axis]
                half = Fraction(row.receptive_field[axis] - 1, 2)
                lo, hi = centre - half, centre + half
                assert lo <= found[0] and found[1] <= hi
                no_padding = all(pair(layer.padding) == (0, 0) and not getattr(layer, "ceil_mode", False)
                                 for layer in layers)
                if no_padding:
                    # every intermediate unit exists, so the field's ends are input units
                    assert found == (lo, hi)
        if transposed:
            bounded += 1
        else:
            exact += 1
    assert exact > 80
