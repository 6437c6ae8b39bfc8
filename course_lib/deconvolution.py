"""Deconvolution in its original sense: recovering a signal from a known convolution of it.

A 1-D convolution layer (stride ``s``, padding ``p``, kernel ``w``, cross-correlation as
everywhere in the course) is a matrix ``C`` of shape ``(o, i)`` (lesson 04). Given ``y = C x``:

* :func:`least_squares_deconvolve` returns the ``x̂`` minimising ``‖C x̂ − y‖`` (the one of least
  norm when several do): exactly ``x`` when ``C`` has full column rank (:func:`is_invertible`);
* :func:`regularised_deconvolve` minimises ``‖C x̂ − y‖² + λ‖x̂‖²`` (Tikhonov), which keeps noise
  in ``y`` from being amplified by the small singular values of ``C``;
* :func:`sparse_code` is convolutional sparse coding, the inference step of Zeiler, Krishnan,
  Taylor & Fergus, "Deconvolutional networks" (CVPR 2010), in 1-D: feature maps ``z_j`` with few
  nonzeros such that ``Σ_j w_j ⊛ z_j ≈ y``, found by ISTA (iterative soft thresholding).

This is a math module: numpy and :mod:`course_lib.numeric` only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib import numeric
from course_lib._validate import _describe, check_int

__all__ = [
    "conv_matrix",
    "is_invertible",
    "least_squares_deconvolve",
    "regularised_deconvolve",
    "SparseCode",
    "sparse_code",
]


def _kernel(name: str, w) -> np.ndarray:
    try:
        array = np.asarray(w, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D sequence of numbers, got {_describe(w)}") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of numbers, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers, got {array.tolist()}")
    return array


def conv_matrix(i, w, stride=1, padding=0) -> np.ndarray:
    """The matrix ``C`` (shape ``(o, i)``, floats) of a 1-D convolution layer on ``i`` units.

    Column ``j`` is the layer's output for the unit input ``e_j`` (:func:`numeric.conv1d`).

    Parameters
    ----------
    i : int
        Input length, ``>= 1``.
    w : sequence of numbers
        The kernel (applied as a cross-correlation, like every layer of the course).
    stride, padding : int
        ``stride >= 1``, ``padding >= 0``; the kernel must fit: ``len(w) <= i + 2·padding``.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError, ValueError
        For a malformed kernel or out-of-range sizes (the message names the parameter).

    Examples
    --------
    >>> conv_matrix(3, [1, 2], padding=1)
    array([[2., 0., 0.],
           [1., 2., 0.],
           [0., 1., 2.],
           [0., 0., 1.]])
    """
    i = check_int("i", i, minimum=1)
    w = _kernel("w", w)
    stride = check_int("stride", stride, minimum=1)
    padding = check_int("padding", padding, minimum=0)
    if len(w) > i + 2 * padding:
        raise ValueError(f"the kernel (length {len(w)}) must fit the padded input i + 2·padding = {i + 2 * padding}")
    return np.stack([numeric.conv1d(np.eye(i)[j], w, stride=stride, padding=padding) for j in range(i)], axis=1)


def is_invertible(i, w, stride=1, padding=0) -> bool:
    """Whether the layer can be undone for every input: ``rank C == i`` (full column rank).

    Examples
    --------
    >>> is_invertible(5, [1, 2, 1], padding=2), is_invertible(5, [1, 2, 1]), is_invertible(6, [1, 2, 1], stride=2, padding=1)
    (True, False, False)
    """
    C = conv_matrix(i, w, stride, padding)
    return bool(np.linalg.matrix_rank(C) == C.shape[1])


def _check_output(y, C) -> np.ndarray:
    y = _kernel("y", y)
    if y.shape != (C.shape[0],):
        raise ValueError(f"y must have the layer's output length {C.shape[0]}, got length {y.size}")
    return y


def least_squares_deconvolve(y, w, i, stride=1, padding=0) -> np.ndarray:
    """The least-squares input ``x̂`` of length ``i`` with ``C x̂ ≈ y`` (least norm if not unique).

    Parameters
    ----------
    y : sequence of numbers
        The layer's output (length ``o``).
    w, i, stride, padding
        The layer, as in :func:`conv_matrix`.

    Returns
    -------
    numpy.ndarray of shape ``(i,)``

    Examples
    --------
    >>> x = np.array([1., -2., 3., 0.5])
    >>> y = numeric.conv1d(x, [1., 2., 1.], padding=2)
    >>> np.allclose(least_squares_deconvolve(y, [1, 2, 1], 4, padding=2), x)
    True
    """
    C = conv_matrix(i, w, stride, padding)
    y = _check_output(y, C)
    return np.linalg.lstsq(C, y, rcond=None)[0]


def regularised_deconvolve(y, w, i, lam, stride=1, padding=0) -> np.ndarray:
    """Tikhonov-regularised deconvolution: ``x̂ = (CᵀC + λI)⁻¹ Cᵀ y``.

    Parameters
    ----------
    y, w, i, stride, padding
        As in :func:`least_squares_deconvolve`.
    lam : float
        ``λ > 0``; larger values damp noise more and bias ``x̂`` towards 0.

    Returns
    -------
    numpy.ndarray of shape ``(i,)``

    Examples
    --------
    >>> y = numeric.conv1d(np.ones(4), [1., 1.], padding=1)
    >>> np.round(regularised_deconvolve(y, [1, 1], 4, lam=0.01, padding=1), 3)
    array([0.996, 0.998, 0.998, 0.996])
    """
    C = conv_matrix(i, w, stride, padding)
    y = _check_output(y, C)
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.integer, np.floating)) or not lam > 0:
        raise ValueError(f"lam must be a number > 0, got {_describe(lam)}")
    return np.linalg.solve(C.T @ C + lam * np.eye(i), C.T @ y)


@dataclass(frozen=True)
class SparseCode:
    """Result of :func:`sparse_code`: feature maps ``z`` (one row per filter) and the fit."""

    z: np.ndarray
    reconstruction: np.ndarray
    objective: tuple[float, ...]

    def __repr__(self) -> str:
        """One line: the shape of ``z`` and the final objective (the arrays stay out of the repr).

        Examples
        --------
        >>> SparseCode(z=np.zeros((2, 3)), reconstruction=np.zeros(5), objective=(1.0, 0.5))
        SparseCode(z: 2 maps of length 3, objective 1 → 0.5 in 1 steps)
        """
        return (f"SparseCode(z: {self.z.shape[0]} maps of length {self.z.shape[1]}, objective "
                f"{self.objective[0]:.4g} → {self.objective[-1]:.4g} in {len(self.objective) - 1} steps)")

    def _repr_markdown_(self) -> str:
        threshold = 0.05 * float(np.abs(self.z).max(initial=0.0))
        support = [np.flatnonzero(np.abs(row) > threshold).tolist() for row in self.z]
        return (f"sparse code: {self.z.shape[0]} maps of length {self.z.shape[1]}, units above 5 % of the "
                f"largest at "
                f"{support}; objective {self.objective[0]:.4g} → {self.objective[-1]:.4g} "
                f"in {len(self.objective) - 1} steps")


def _synthesis(z, filters) -> np.ndarray:
    return sum(numeric.conv_transpose1d(row, f) for row, f in zip(z, filters))


def sparse_code(y, filters, lam, steps=500) -> SparseCode:
    """Convolutional sparse coding by ISTA: maps ``z_j`` minimising
    ``½‖Σ_j w_j ⊛ z_j − y‖² + λ Σ_j ‖z_j‖₁``.

    ``w_j ⊛ z_j`` is the stride-1 transposed convolution of ``z_j`` with ``w_j``
    (:func:`numeric.conv_transpose1d`, the full convolution), so each ``z_j`` has
    ``len(y) − k + 1`` units; all filters share one length ``k``. Each step moves ``z`` against
    the gradient ``numeric.conv1d(residual, w_j)`` (the direct convolution, i.e. ``C_j``) by
    ``1/L``, ``L = ‖D‖²`` for the synthesis matrix ``D``, and shrinks every unit towards 0 by
    ``λ/L``.

    Parameters
    ----------
    y : sequence of numbers
        The signal, length ``>= k``.
    filters : 2-D array_like, shape ``(K, k)``
        The known filters ``w_1 … w_K``.
    lam : float
        Sparsity weight ``λ >= 0``.
    steps : int
        Number of ISTA steps, ``>= 1``.

    Returns
    -------
    SparseCode

    Examples
    --------
    >>> filters = np.array([[1., 2., 1.], [1., 0., -1.]])
    >>> y = 2 * np.r_[0, 0, 1, 2, 1, 0, 0, 0] + np.r_[0, 0, 0, 0, 0, 1, 0, -1]
    >>> code = sparse_code(y, filters, lam=0.2, steps=300)
    >>> [np.flatnonzero(np.abs(row) > 0.1).tolist() for row in code.z]
    [[2], [5]]
    """
    y = _kernel("y", y)
    try:
        filters = np.asarray(filters, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"filters must be a 2-D array of numbers, got {_describe(filters)}") from None
    if filters.ndim != 2 or filters.size == 0:
        raise ValueError(f"filters must be a non-empty 2-D array (one row per filter), got shape {filters.shape}")
    k = filters.shape[1]
    if k > len(y):
        raise ValueError(f"the filters (length {k}) must not be longer than y (length {len(y)})")
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.integer, np.floating)) or not lam >= 0:
        raise ValueError(f"lam must be a number >= 0, got {_describe(lam)}")
    steps = check_int("steps", steps, minimum=1)
    n = len(y) - k + 1
    D = np.hstack([conv_matrix(n, f, padding=k - 1) for f in filters[:, ::-1]])  # Σ_j w_j ⊛ z_j = D z
    L = np.linalg.norm(D, 2) ** 2
    if L == 0:
        raise ValueError("filters must not all be zero")
    z = np.zeros((len(filters), n))
    objective = []

    def cost(z):
        return 0.5 * float(np.sum((_synthesis(z, filters) - y) ** 2)) + lam * float(np.abs(z).sum())

    objective.append(cost(z))
    for _ in range(steps):
        residual = _synthesis(z, filters) - y
        gradient = np.stack([numeric.conv1d(residual, f) for f in filters])
        z = z - gradient / L
        z = np.sign(z) * np.maximum(np.abs(z) - lam / L, 0.0)
        objective.append(cost(z))
    return SparseCode(z=z, reconstruction=_synthesis(z, filters), objective=tuple(objective))
