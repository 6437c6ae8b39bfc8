"""Argument checks shared by the math modules.

Every public function of ``course_lib`` validates its arguments with these helpers so that bad
input fails early with a message naming the parameter, its value and the allowed range.
"""

from __future__ import annotations

import numbers

import numpy as np


def _describe(value) -> str:
    return f"{type(value).__name__} {value!r}"


def check_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python ``int`` after checking its type and range.

    Parameters
    ----------
    name : str
        Parameter name used in error messages.
    value : object
        Accepted: ``int`` and numpy integers. Rejected: ``bool``, floats, strings, anything else.
    minimum, maximum : int, optional
        Inclusive bounds.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If ``value`` is outside ``[minimum, maximum]``.

    Examples
    --------
    >>> check_int("k", 3, minimum=1)
    3
    >>> check_int("k", 0, minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: k must be >= 1, got 0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_int_tuple(name: str, value, ndim: int, minimum: int | None = None) -> tuple[int, ...]:
    """Return an int or a length-``ndim`` sequence of ints as a tuple of ``ndim`` ints.

    Examples
    --------
    >>> check_int_tuple("stride", 2, 2, minimum=1)
    (2, 2)
    >>> check_int_tuple("stride", (1, 3), 2, minimum=1)
    (1, 3)
    >>> check_int_tuple("stride", (1, 3, 1), 2)
    Traceback (most recent call last):
    ...
    ValueError: stride must be an integer or a sequence of 2 integers, got tuple (1, 3, 1)
    """
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return (check_int(name, value, minimum),) * ndim
    if isinstance(value, (tuple, list)):
        if len(value) != ndim:
            raise ValueError(
                f"{name} must be an integer or a sequence of {ndim} integers, got {_describe(value)}"
            )
        return tuple(check_int(f"{name}[{axis}]", v, minimum) for axis, v in enumerate(value))
    raise TypeError(f"{name} must be an integer or a sequence of {ndim} integers, got {_describe(value)}")
