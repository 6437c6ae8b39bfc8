"""Learned and fixed upsampling in networks: the bilinear kernel and FCN's layer arithmetic.

A transposed convolution with stride ``s = factor`` upsamples by ``factor``. Initialised with the
bilinear kernel below (and frozen), it *is* bilinear interpolation: this is how the fully
convolutional networks of Long, Shelhamer & Darrell (CVPR 2015, arXiv 1411.4038) start their
upsampling layers. The recipe is the one of Caffe's ``BilinearFiller`` (repository BVLC/caffe,
``include/caffe/filler.hpp``), of FCN's ``upsample_filt`` (shelhamer/fcn.berkeleyvision.org,
``surgery.py``) and of d2l's ``bilinear_kernel`` (d2l-ai/d2l-en, chapter "Fully Convolutional
Networks"); ``tests/test_upsampling.py`` reimplements each and compares.

Notation: ``factor`` is the upsampling factor (the transposed convolution's stride), ``k`` the
kernel size, ``p`` the padding of the transposed convolution (PyTorch's ``padding``, Caffe's
``pad``), ``i`` an input size along one axis.

This is a math module: numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib._validate import check_int

__all__ = [
    "bilinear_kernel_size",
    "bilinear_kernel_1d",
    "bilinear_kernel",
    "bilinear_padding",
    "UNetSizes",
    "unet_sizes",
    "unet_valid_sizes",
    "unet_valid_tiles",
]


def bilinear_kernel_size(factor) -> int:
    """Kernel size ``k = 2·factor − factor % 2`` of Caffe's bilinear upsampling layer.

    Even factors get ``k = 2·factor``; odd factors ``k = 2·factor − 1`` (odd, with a centre tap).

    Parameters
    ----------
    factor : int
        Upsampling factor, ``>= 1``.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``factor`` is not an integer.
    ValueError
        If ``factor < 1``.

    Examples
    --------
    >>> [bilinear_kernel_size(f) for f in (1, 2, 3, 4, 32)]
    [1, 4, 5, 8, 64]
    """
    factor = check_int("factor", factor, minimum=1)
    return 2 * factor - factor % 2


def bilinear_padding(factor) -> int:
    """Padding ``p = ceil((factor − 1) / 2)`` that Caffe's recipe gives the bilinear layer.

    With ``k = bilinear_kernel_size(factor)``, stride ``factor`` and this padding, a transposed
    convolution maps size ``i`` to exactly ``factor·i``.

    Parameters
    ----------
    factor : int
        Upsampling factor, ``>= 1``.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``factor`` is not an integer.
    ValueError
        If ``factor < 1``.

    Examples
    --------
    >>> [bilinear_padding(f) for f in (1, 2, 3, 4, 32)]
    [0, 1, 1, 2, 16]
    """
    factor = check_int("factor", factor, minimum=1)
    return factor // 2


def bilinear_kernel_1d(factor) -> np.ndarray:
    """The 1-D bilinear (tent) kernel ``w[x] = 1 − |x − c| / factor`` with ``c = (k − 1)/2``.

    ``k = bilinear_kernel_size(factor)``. The 2-D kernel is the outer product of this one with
    itself (:func:`bilinear_kernel`).

    Parameters
    ----------
    factor : int
        Upsampling factor, ``>= 1``.

    Returns
    -------
    numpy.ndarray
        Float array of shape ``(k,)``.

    Raises
    ------
    TypeError
        If ``factor`` is not an integer.
    ValueError
        If ``factor < 1``.

    Examples
    --------
    >>> bilinear_kernel_1d(2)
    array([0.25, 0.75, 0.75, 0.25])
    >>> bilinear_kernel_1d(3) * 3
    array([1., 2., 3., 2., 1.])
    """
    k = bilinear_kernel_size(factor)
    centre = (k - 1) / 2
    return 1.0 - np.abs(np.arange(k) - centre) / factor


def bilinear_kernel(factor) -> np.ndarray:
    """The 2-D bilinear upsampling kernel of shape ``(k, k)``, ``k = 2·factor − factor % 2``.

    Entry ``[y, x]`` is ``(1 − |y − c| / factor)·(1 − |x − c| / factor)`` with ``c = (k − 1)/2``:
    the kernel that Caffe's ``BilinearFiller`` writes into every channel of a ``(C, 1, k, k)``
    deconvolution filter, and that FCN's ``upsample_filt(k)`` and d2l's ``bilinear_kernel``
    return for the same ``k``.

    Parameters
    ----------
    factor : int
        Upsampling factor (the transposed convolution's stride), ``>= 1``.

    Returns
    -------
    numpy.ndarray
        Float array of shape ``(k, k)``.

    Raises
    ------
    TypeError
        If ``factor`` is not an integer.
    ValueError
        If ``factor < 1``.

    Examples
    --------
    >>> bilinear_kernel(2) * 16
    array([[1., 3., 3., 1.],
           [3., 9., 9., 3.],
           [3., 9., 9., 3.],
           [1., 3., 3., 1.]])
    >>> bilinear_kernel(3).shape
    (5, 5)
    """
    tent = bilinear_kernel_1d(factor)
    return np.outer(tent, tent)


# --- U-Net size arithmetic -----------------------------------------------------------------------

_FIXES = (None, "pad", "crop", "output_padding")


@dataclass(frozen=True)
class UNetSizes:
    """Sizes along one axis of a U-Net with size-preserving convolutions (see :func:`unet_sizes`).

    ``encoder[l]`` is the skip map's size at level ``l`` (``encoder[0]`` the input, after any
    padding), ``upsampled[l]`` the size the decoder's up-convolution brings to level ``l``,
    ``output_padding[l]`` what that up-convolution was given, ``matched[l]`` whether the two maps
    can be concatenated (after cropping, with ``fix="crop"``), ``output`` the network's output
    size after any final crop.
    """

    input: int
    depth: int
    fix: str | None
    encoder: tuple[int, ...]
    upsampled: tuple[int, ...]
    output_padding: tuple[int, ...]
    matched: tuple[bool, ...]
    output: int

    @property
    def ok(self) -> bool:
        """Every concatenation works and the output has the input's size."""
        return all(self.matched) and self.output == self.input

    def _repr_markdown_(self) -> str:
        rows = ["| level | skip (encoder) | up-convolution gives | output_padding | concatenation |",
                "|---|---|---|---|---|"]
        for level in range(self.depth - 1, -1, -1):
            verdict = "fits" if self.encoder[level] == self.upsampled[level] else (
                f"crop skip to {self.upsampled[level]}" if self.matched[level] else "**mismatch**")
            rows.append(f"| {level} | {self.encoder[level]} | {self.upsampled[level]} | "
                        f"{self.output_padding[level]} | {verdict} |")
        fix = "no fix" if self.fix is None else f"fix: {self.fix}"
        return (f"U-Net of depth {self.depth} on {self.input} units ({fix}): bottom "
                f"{self.encoder[self.depth]}, output **{self.output}**\n\n" + "\n".join(rows))


def unet_sizes(i, depth, fix=None) -> UNetSizes:
    """Follow one spatial axis through a U-Net whose convolutions keep the size ('same' padding).

    Each of the ``depth`` encoder levels halves its size with a 2×2 max-pool, stride 2 (floor,
    PyTorch's default); each decoder level doubles it with a transposed convolution ``k = 2``,
    ``s = 2``, ``p = 0`` and concatenates the encoder map of the same level (the skip). The
    concatenation needs equal sizes, which holds at every level exactly when ``i`` is a multiple of
    ``2**depth``. ``fix`` chooses a remedy:

    * ``None``: nothing (a mismatch is reported in ``matched``);
    * ``"pad"``: zero-pad the input to the next multiple of ``2**depth``, crop the output back;
    * ``"crop"``: crop each skip to the upsampled size (U-Net's own choice; the output shrinks);
    * ``"output_padding"``: give an up-convolution ``output_padding = 1`` where its skip is odd.

    Parameters
    ----------
    i : int
        Input size along the axis, ``>= 2**depth``.
    depth : int
        Number of pooling steps, ``>= 1``.
    fix : {None, "pad", "crop", "output_padding"}

    Returns
    -------
    UNetSizes

    Raises
    ------
    TypeError
        If ``i`` or ``depth`` is not an integer.
    ValueError
        If ``depth < 1``, ``i < 2**depth`` or ``fix`` is not one of the four.

    Examples
    --------
    >>> unet_sizes(100, 3).matched, unet_sizes(100, 3).output
    ((False, False, False), 96)
    >>> [unet_sizes(100, 3, fix).output for fix in ("pad", "crop", "output_padding")]
    [100, 96, 100]
    >>> unet_sizes(96, 3).ok
    True
    """
    depth = check_int("depth", depth, minimum=1)
    i = check_int("i", i, minimum=2 ** depth)
    if fix not in _FIXES:
        raise ValueError(f"fix must be one of {_FIXES}, got {fix!r}")
    unit = 2 ** depth
    start = -(-i // unit) * unit if fix == "pad" else i
    encoder = [start]
    for _ in range(depth):
        encoder.append(encoder[-1] // 2)
    upsampled, paddings, matched = [0] * depth, [0] * depth, [True] * depth
    size = encoder[depth]
    for level in range(depth - 1, -1, -1):
        a = encoder[level] - 2 * size if fix == "output_padding" else 0
        up = 2 * size + a                       # (n - 1)·2 + 2 + a: k = 2, s = 2, p = 0
        upsampled[level], paddings[level] = up, a
        matched[level] = up == encoder[level] or (fix == "crop" and up <= encoder[level])
        size = up
    output = min(size, i) if fix == "pad" else size
    return UNetSizes(input=i, depth=depth, fix=fix, encoder=tuple(encoder), upsampled=tuple(upsampled),
                     output_padding=tuple(paddings), matched=tuple(matched), output=output)


def unet_valid_sizes(i, depth=4) -> tuple[int, ...]:
    """Sizes along one axis of the original U-Net (unpadded 3×3 convolutions), level by level.

    Ronneberger, Fischer & Brox (MICCAI 2015, arXiv 1505.04597): at each encoder level two 3×3
    convolutions without padding (each removes 2 units), then a 2×2 max-pool at stride 2, which
    needs an even size to keep every unit; two more convolutions at the bottom; each decoder level
    doubles the size (2×2 up-convolution), concatenates the centre-cropped skip and applies two
    more 3×3 convolutions.

    Returns
    -------
    tuple of int
        The size after each pair of convolutions, encoder then decoder; the last is the output.

    Raises
    ------
    TypeError
        If ``i`` or ``depth`` is not an integer.
    ValueError
        If ``depth < 1``, or a pool meets an odd size or a convolution an input smaller than 3
        (the message gives the level and size).

    Examples
    --------
    >>> unet_valid_sizes(572)
    (568, 280, 136, 64, 28, 52, 100, 196, 388)
    >>> unet_valid_sizes(570)
    Traceback (most recent call last):
    ...
    ValueError: level 1: the 2×2 pool meets an odd size 279; the input tile does not fit
    """
    depth = check_int("depth", depth, minimum=1)
    i = check_int("i", i, minimum=1)
    sizes, size = [], i
    for level in range(depth + 1):
        size -= 4
        if size < 1:
            raise ValueError(f"level {level}: the convolutions need at least 5 units, got {size + 4}")
        sizes.append(size)
        if level < depth:
            if size % 2:
                raise ValueError(f"level {level}: the 2×2 pool meets an odd size {size}; the input tile does not fit")
            size //= 2
    for _ in range(depth):
        size = 2 * size - 4
        if size < 1:
            raise ValueError("the decoder's convolutions run out of units")
        sizes.append(size)
    return tuple(sizes)


def unet_valid_tiles(lo, hi, depth=4) -> tuple[tuple[int, int], ...]:
    """The input tiles ``lo <= i <= hi`` that the original U-Net accepts, with their output sizes.

    A tile fits when :func:`unet_valid_sizes` follows it to the end without an odd size at a pool
    or a convolution running out of units.

    Parameters
    ----------
    lo, hi : int
        The range of input sizes to try, ``1 <= lo <= hi``, both ends included.
    depth : int
        Number of pooling steps, ``>= 1``.

    Returns
    -------
    tuple of (int, int)
        ``(input, output)`` pairs in increasing order.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If ``lo < 1``, ``hi < lo`` or ``depth < 1``.

    Examples
    --------
    >>> unet_valid_tiles(560, 600)
    ((572, 388), (588, 404))
    >>> unet_valid_tiles(572, 588)
    ((572, 388), (588, 404))
    >>> unet_valid_tiles(10, 30, depth=1)[:3]
    ((18, 2), (20, 4), (22, 6))
    """
    lo = check_int("lo", lo, minimum=1)
    hi = check_int("hi", hi, minimum=lo)
    depth = check_int("depth", depth, minimum=1)
    tiles = []
    for i in range(lo, hi + 1):
        try:
            tiles.append((i, unet_valid_sizes(i, depth)[-1]))
        except ValueError:
            continue
    return tuple(tiles)
