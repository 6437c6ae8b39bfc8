"""Convolution arithmetic: output sizes, Relationships 1-15 and transposed equivalents.

Notation follows Dumoulin & Visin, *A guide to convolution arithmetic for deep learning*
(arXiv 1603.07285), along one axis: input size ``i``, kernel size ``k``, stride ``s``, zero
padding ``p``, dilation ``d``, output size ``o``. Primed names describe the *direct* convolution
that emulates a transposed convolution. ``a`` is PyTorch's ``output_padding``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from course_lib._validate import check_int

__all__ = [
    "effective_kernel_size",
    "conv_output_size",
    "pool_output_size",
    "kernel_placements",
    "inputs_sharing_output",
    "unread_positions",
    "settings_for_output",
    "conv_parameter_count",
    "conv_multiply_adds",
    "transposed_output_size",
    "TransposedEquivalent",
    "transposed_equivalent",
    "Relationship",
    "relationship",
    "applicable_relationships",
]


def effective_kernel_size(k, d=1) -> int:
    """Size of a kernel of size ``k`` dilated by ``d``: k̂ = k + (k-1)(d-1).

    Examples
    --------
    >>> effective_kernel_size(3, d=2)
    5
    """
    k = check_int("k", k, minimum=1)
    d = check_int("d", d, minimum=1)
    return k + (k - 1) * (d - 1)


def _check_conv(i, k, s, p, d) -> tuple[int, int, int, int, int, int]:
    """Validate a direct convolution's parameters; return them as ints plus k̂."""
    i = check_int("i", i, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    p = check_int("p", p, minimum=0)
    d = check_int("d", d, minimum=1)
    k_hat = k + (k - 1) * (d - 1)
    if k_hat > i + 2 * p:
        effective = f"effective kernel size k + (k-1)(d-1) = {k_hat}" if d > 1 else f"kernel size k = {k}"
        raise ValueError(
            f"{effective} must not exceed the padded input size i + 2p = {i + 2 * p} "
            f"(i={i}, p={p}); use a smaller kernel or more padding"
        )
    return i, k, s, p, d, k_hat


def conv_output_size(i, k, s=1, p=0, d=1) -> int:
    """Output size of a convolution along one axis (Relationship 15, which contains 1-6).

    o = ⌊(i + 2p - k - (k-1)(d-1)) / s⌋ + 1

    Parameters
    ----------
    i, k, s, p, d : int
        Input size, kernel size, stride, zero padding on each side, dilation.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If a parameter is not an integer.
    ValueError
        If ``i, k, s, d < 1``, ``p < 0`` or the (dilated) kernel does not fit in the padded input.

    Examples
    --------
    >>> conv_output_size(5, 3, s=2, p=1)
    3
    >>> conv_output_size(7, 3, d=2)
    3
    """
    i, k, s, p, d, k_hat = _check_conv(i, k, s, p, d)
    return (i + 2 * p - k_hat) // s + 1


def kernel_placements(i, k, s=1, p=0, d=1) -> list[int]:
    """Where the kernel starts, counted by sliding it: the independent count behind Relationship 15.

    Positions index the padded input (``0 .. i + 2p - 1``); the (dilated) kernel covers
    ``start .. start + k̂ - 1`` and every start is a multiple of ``s`` that keeps it inside. The
    number of placements is the output size, found here without the formula.

    Parameters
    ----------
    i, k, s, p, d : int
        Input size, kernel size, stride, zero padding on each side, dilation.

    Returns
    -------
    list of int
        The start of every kernel placement, in order.

    Raises
    ------
    TypeError
        If a parameter is not an integer.
    ValueError
        If ``i, k, s, d < 1``, ``p < 0`` or the (dilated) kernel does not fit in the padded input.

    Examples
    --------
    >>> kernel_placements(5, 3, s=2, p=1)
    [0, 2, 4]
    >>> len(kernel_placements(6, 3, s=2, p=1)) == conv_output_size(6, 3, s=2, p=1)
    True
    """
    i, k, s, p, d, k_hat = _check_conv(i, k, s, p, d)
    return [start for start in range(0, i + 2 * p, s) if start + k_hat <= i + 2 * p]


def inputs_sharing_output(i, k, s=1, p=0, d=1) -> list[int]:
    """Every input size whose output size equals conv(i, k, s, p, d)'s: the floor ambiguity.

    With o = conv_output_size(i, k, s, p, d), an input size n gives o exactly when
    ``(o - 1)s <= n + 2p - k̂ <= (o - 1)s + s - 1``, so the sizes are consecutive and at most
    ``s`` of them (fewer only where n would drop below 1). With ``s = 1`` there is only ``i``.

    Parameters
    ----------
    i, k, s, p, d : int
        Input size, kernel size, stride, zero padding on each side, dilation.

    Returns
    -------
    list of int
        The input sizes n >= 1 with the same output size, in increasing order (``i`` among them).

    Raises
    ------
    TypeError
        If a parameter is not an integer.
    ValueError
        If ``i, k, s, d < 1``, ``p < 0`` or the (dilated) kernel does not fit in the padded input.

    Examples
    --------
    >>> inputs_sharing_output(6, 3, s=2, p=1)       # Figures 2.6 and 2.7
    [5, 6]
    >>> inputs_sharing_output(227, 11, s=4)         # AlexNet's first layer: all give 55
    [227, 228, 229, 230]
    """
    i, k, s, p, d, k_hat = _check_conv(i, k, s, p, d)
    smallest = (i + 2 * p - k_hat) // s * s + k_hat - 2 * p
    return list(range(max(1, smallest), smallest + s))


def unread_positions(i, k, s=1, p=0, d=1, *, labelled=False) -> list:
    """Positions of the padded input that no kernel placement reads.

    Positions index the padded input (``0 .. i + 2p - 1``): ``0 .. p - 1`` and
    ``p + i .. i + 2p - 1`` are padding, ``p + n`` is input unit ``n``. A dilated kernel reads
    only its ``k`` taps, ``start, start + d, ..., start + (k - 1)d``, not the gaps between them.
    For ``k̂ >= s`` (and no dilation) these are the last ``(i + 2p - k) mod s`` positions, the
    remainder the floor of Relationship 6 drops; with ``k < s`` the kernel also skips units
    between placements.

    Parameters
    ----------
    i, k, s, p, d : int
        Input size, kernel size, stride, zero padding on each side, dilation.
    labelled : bool
        If true, return ``(position, "padding")`` or ``(position, "input unit n")`` pairs.

    Returns
    -------
    list of int, or list of (int, str)
        The unread positions in increasing order.

    Raises
    ------
    TypeError
        If a parameter is not an integer or ``labelled`` is not a bool.
    ValueError
        If ``i, k, s, d < 1``, ``p < 0`` or the (dilated) kernel does not fit in the padded input.

    Examples
    --------
    >>> unread_positions(6, 3, s=2, p=1)            # Figure 2.7: the last row is padding
    [7]
    >>> unread_positions(6, 3, s=2, labelled=True)
    [(5, 'input unit 5')]
    >>> unread_positions(5, 2, s=1, d=2)            # the taps skip nothing at unit stride
    []
    >>> unread_positions(6, 1, s=2)
    [1, 3, 5]
    """
    if not isinstance(labelled, bool):
        raise TypeError(f"labelled must be True or False, got {type(labelled).__name__} {labelled!r}")
    i, k, s, p, d, _ = _check_conv(i, k, s, p, d)
    read = {start + tap * d for start in kernel_placements(i, k, s, p, d) for tap in range(k)}
    unread = [n for n in range(i + 2 * p) if n not in read]
    if not labelled:
        return unread
    return [(n, "padding" if n < p or n >= p + i else f"input unit {n - p}") for n in unread]


def settings_for_output(i, o, k_max, s_max, p_max=None) -> list[tuple[int, int, int]]:
    """Every (k, s, p) in the given ranges that takes an input of size ``i`` to size ``o``.

    Kernel sizes run over ``1 .. k_max``, strides over ``1 .. s_max`` and paddings over
    ``0 .. p_max``, or ``0 .. k - 1`` when ``p_max`` is None (more padding than ``k - 1`` adds
    placements that read only zeros). Only settings whose kernel fits in the padded input count.

    Parameters
    ----------
    i, o : int
        Input and wanted output size (both >= 1).
    k_max, s_max : int
        Largest kernel size and stride tried (>= 1).
    p_max : int or None
        Largest padding tried (>= 0); None means ``k - 1`` for each kernel size ``k``.

    Returns
    -------
    list of (k, s, p)
        Sorted by k, then s, then p.

    Raises
    ------
    TypeError
        If a parameter is not an integer (``p_max`` may be None).
    ValueError
        If ``i, o, k_max, s_max < 1`` or ``p_max < 0``.

    Examples
    --------
    >>> settings_for_output(8, 4, k_max=3, s_max=2)
    [(1, 2, 0), (2, 2, 0), (3, 2, 1)]
    >>> settings_for_output(224, 112, k_max=7, s_max=2, p_max=3)[-1]      # ResNet's stem
    (7, 2, 3)
    """
    i = check_int("i", i, minimum=1)
    o = check_int("o", o, minimum=1)
    k_max = check_int("k_max", k_max, minimum=1)
    s_max = check_int("s_max", s_max, minimum=1)
    if p_max is not None:
        p_max = check_int("p_max", p_max, minimum=0)
    return [
        (k, s, p)
        for k in range(1, k_max + 1)
        for s in range(1, s_max + 1)
        for p in range(k if p_max is None else p_max + 1)
        if k <= i + 2 * p and (i + 2 * p - k) // s + 1 == o
    ]


def _kernel_size_tuple(kernel_size) -> tuple[int, ...]:
    sizes = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size,)
    if not sizes:
        raise ValueError("kernel_size must hold at least one size, got an empty sequence")
    return tuple(check_int(f"kernel_size[{n}]", size, minimum=1) for n, size in enumerate(sizes))


def _check_groups(c_in, c_out, groups) -> tuple[int, int, int]:
    c_in = check_int("c_in", c_in, minimum=1)
    c_out = check_int("c_out", c_out, minimum=1)
    groups = check_int("groups", groups, minimum=1)
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups = {groups} must divide both c_in = {c_in} and c_out = {c_out}")
    return c_in, c_out, groups


def conv_parameter_count(c_in, c_out, kernel_size, *, bias=True, groups=1) -> int:
    """Weights (and biases) of a convolution layer: c_out · (c_in/groups · k₁ · k₂ · … + 1).

    The weight tensor has shape ``(c_out, c_in // groups, *kernel_size)``; each output map has
    one bias.

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels (feature maps).
    kernel_size : int or sequence of int
        Kernel size along each spatial axis (an int means a 1-D kernel).
    bias : bool
        Whether each output map has a bias.
    groups : int
        Channel groups; must divide ``c_in`` and ``c_out``.

    Raises
    ------
    TypeError, ValueError
        If a size is not a positive integer, or ``groups`` does not divide the channels.

    Examples
    --------
    >>> conv_parameter_count(2, 3, (3, 3))          # the guide's Figure 1.3
    57
    >>> conv_parameter_count(3, 96, (11, 11))       # AlexNet's first layer
    34944
    """
    c_in, c_out, groups = _check_groups(c_in, c_out, groups)
    if not isinstance(bias, bool):
        raise TypeError(f"bias must be True or False, got {type(bias).__name__} {bias!r}")
    weights = c_out * (c_in // groups)
    for size in _kernel_size_tuple(kernel_size):
        weights *= size
    return weights + (c_out if bias else 0)


def conv_multiply_adds(c_in, c_out, kernel_size, output_size, *, groups=1) -> int:
    """Multiply-adds of a convolution layer: one per weight for every output unit.

    c_out · o₁ · o₂ · … · (c_in/groups) · k₁ · k₂ · …; biases add no multiplications.

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels.
    kernel_size, output_size : int or sequence of int
        Kernel and output sizes along each spatial axis (same number of axes).
    groups : int
        Channel groups; must divide ``c_in`` and ``c_out``.

    Raises
    ------
    TypeError, ValueError
        If a size is not a positive integer, the axes differ in number, or ``groups`` does not
        divide the channels.

    Examples
    --------
    >>> conv_multiply_adds(2, 3, (3, 3), (3, 3))    # Figure 1.3 on a 5×5 input
    486
    >>> conv_multiply_adds(3, 96, (11, 11), (55, 55))
    105415200
    """
    c_in, c_out, groups = _check_groups(c_in, c_out, groups)
    kernel = _kernel_size_tuple(kernel_size)
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,)
    output = tuple(check_int(f"output_size[{n}]", size, minimum=1) for n, size in enumerate(sizes))
    if len(output) != len(kernel):
        raise ValueError(f"output_size has {len(output)} axes but kernel_size has {len(kernel)}; give one size per axis")
    count = c_out * (c_in // groups)
    for size in kernel + output:
        count *= size
    return count


def pool_output_size(i, k, s=1, p=0, ceil_mode=False) -> int:
    """Output size of a pooling layer along one axis (Relationship 7, with padding and rounding).

    Floor (the default, PyTorch's ``ceil_mode=False``): o = ⌊(i + 2p - k) / s⌋ + 1, the windows
    that fit in the padded input, as for a convolution.

    Ceil (PyTorch's ``ceil_mode=True``): o = ⌈(i + 2p - k) / s⌉ + 1, then minus one if the last
    window would start in the right padding, i.e. if (o - 1)s >= i + p. (Caffe subtracts only
    when p > 0: :func:`course_lib.frameworks.caffe_pool_output_size`.) Windows
    are added until the padded input is covered, so the last may run past its end (it is
    clipped), but a window must start inside the input or the left padding. The subtraction is
    needed at most once because p <= k/2. (PyTorch's ceil mode also accepts a window wider than
    the padded input, as one clipped window; this function refuses it like floor mode.)

    Parameters
    ----------
    i, k, s : int
        Input size, window size, stride (all >= 1).
    p : int
        Padding on each side, ``0 <= p <= k/2`` (PyTorch's limit).
    ceil_mode : bool
        Round up instead of down.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If a size is not an integer or ``ceil_mode`` is not a bool.
    ValueError
        If ``i, k, s < 1``, ``p`` outside ``0 <= p <= k/2``, or the window is larger than the
        padded input ``i + 2p``.

    Examples
    --------
    >>> pool_output_size(5, 3, s=1)
    3
    >>> pool_output_size(4, 2, s=2)
    2
    >>> pool_output_size(6, 3, s=2), pool_output_size(6, 3, s=2, ceil_mode=True)
    (2, 3)
    >>> pool_output_size(5, 2, s=2, p=1, ceil_mode=True)   # ⌈5/2⌉ + 1 = 4, the 4th starts in the padding
    3
    >>> pool_output_size(55, 3, s=2, ceil_mode=True)        # AlexNet's pool1: same as floor here
    27
    """
    i = check_int("i", i, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    p = check_int("p", p, minimum=0)
    if not isinstance(ceil_mode, bool):
        raise TypeError(f"ceil_mode must be True or False, got {type(ceil_mode).__name__} {ceil_mode!r}")
    if 2 * p > k:
        raise ValueError(f"p must satisfy 0 <= p <= k/2 = {k / 2:g} (padding at most half the window), got {p}")
    if k > i + 2 * p:
        if p == 0:
            raise ValueError(f"pooling window k = {k} must not exceed the input size i = {i}")
        raise ValueError(f"pooling window k = {k} must not exceed the padded input size i + 2p = {i + 2 * p} (i={i}, p={p})")
    if not ceil_mode:
        return (i + 2 * p - k) // s + 1
    o = -(-(i + 2 * p - k) // s) + 1
    if (o - 1) * s >= i + p:
        o -= 1
    return o


def transposed_output_size(i, k, s=1, p=0, d=1, a=0) -> int:
    """Output size of a transposed convolution (PyTorch's ``ConvTranspose`` formula).

    o = (i - 1)s - 2p + d(k - 1) + a + 1, where ``a`` is PyTorch's ``output_padding``.
    Here ``i`` is the transposed convolution's own input size (the guide's i′).

    Raises
    ------
    TypeError
        If a parameter is not an integer.
    ValueError
        If ``i, k, s, d < 1``, ``p < 0``, ``a`` outside ``0 <= a < max(s, d)``, or the output
        would be smaller than 1.

    Examples
    --------
    >>> transposed_output_size(3, 3, s=2, p=1, a=1)
    6
    >>> transposed_output_size(2, 3, s=2, p=1, a=2)
    Traceback (most recent call last):
    ...
    ValueError: a (output_padding) must satisfy 0 <= a < max(s, d) = 2, got 2
    """
    i = check_int("i", i, minimum=1)
    k = check_int("k", k, minimum=1)
    s = check_int("s", s, minimum=1)
    p = check_int("p", p, minimum=0)
    d = check_int("d", d, minimum=1)
    a = check_int("a", a)
    if not 0 <= a < max(s, d):
        raise ValueError(f"a (output_padding) must satisfy 0 <= a < max(s, d) = {max(s, d)}, got {a}")
    o = (i - 1) * s - 2 * p + d * (k - 1) + a + 1
    if o < 1:
        raise ValueError(
            f"transposed output size (i-1)s - 2p + d(k-1) + a + 1 = {o} must be >= 1 "
            f"(i={i}, k={k}, s={s}, p={p}, d={d}, a={a}); use less padding p"
        )
    return o


@dataclass(frozen=True)
class TransposedEquivalent:
    """The direct convolution that emulates the transpose of conv(i, k, s, p, d).

    Its input is the direct convolution's output (size ``i_prime``), stretched by inserting
    ``s - 1`` zeros between units (size ``i_stretched``), padded with ``p_prime`` zeros on each
    side (negative means cropping) plus ``a`` extra zeros at the bottom/right, and convolved with
    the kernel rotated by 180° (size ``k_prime``, dilation ``d_prime``) at stride ``s_prime = 1``.
    Its output size ``o_prime`` is always the original input size ``i``.
    """

    i_prime: int
    i_stretched: int
    k_prime: int
    s_prime: int
    p_prime: int
    d_prime: int
    a: int
    o_prime: int

    def _repr_markdown_(self) -> str:
        rows = [("input i′ (the direct convolution's output)", self.i_prime),
                ("stretched input ĩ′ (s − 1 zeros between units)", self.i_stretched),
                ("kernel k′ (rotated 180°)", self.k_prime), ("stride s′", self.s_prime),
                ("padding p′ on each side", self.p_prime), ("dilation d′", self.d_prime),
                ("extra zeros a at the bottom/right", self.a), ("output o′ (= i)", self.o_prime)]
        return "| emulating direct convolution | value |\n|---|---|\n" + "\n".join(
            f"| {name} | {value} |" for name, value in rows)


def transposed_equivalent(i, k, s=1, p=0, d=1) -> TransposedEquivalent:
    """Describe the direct convolution that emulates the transpose of conv(i, k, s, p, d).

    Relationship 14, generalised to dilation: with k̂ = k + (k-1)(d-1),
    i′ = ⌊(i + 2p - k̂)/s⌋ + 1, ĩ′ = i′ + (i′-1)(s-1), p′ = k̂ - p - 1, a = (i + 2p - k̂) mod s,
    and o′ = s(i′-1) + a + k̂ - 2p = i.

    Examples
    --------
    >>> transposed_equivalent(6, 3, s=2, p=1)  # the guide's Figure 4.7
    TransposedEquivalent(i_prime=3, i_stretched=5, k_prime=3, s_prime=1, p_prime=1, d_prime=1, a=1, o_prime=6)
    """
    i, k, s, p, d, k_hat = _check_conv(i, k, s, p, d)
    i_prime = (i + 2 * p - k_hat) // s + 1
    i_stretched = i_prime + (i_prime - 1) * (s - 1)
    p_prime = k_hat - p - 1
    a = (i + 2 * p - k_hat) % s
    o_prime = i_stretched + 2 * p_prime + a - k_hat + 1
    return TransposedEquivalent(
        i_prime=i_prime, i_stretched=i_stretched, k_prime=k, s_prime=1,
        p_prime=p_prime, d_prime=d, a=a, o_prime=o_prime,
    )


# --- Relationships 1-15 as SymPy objects ------------------------------------------------------

# SymPy is imported only when a relationship is first asked for: numeric code that needs just
# the output sizes (course_lib.numeric, the widgets) then starts ~0.4 s faster.

@functools.cache
def _symbols() -> dict:
    import sympy

    i, k, s, d = sympy.symbols("i k s d", integer=True, positive=True)
    p, a = sympy.symbols("p a", integer=True, nonnegative=True)
    i1, k1, s1, o1 = sympy.symbols("i' k' s' o'", integer=True, positive=True)
    return {
        "i": i, "k": k, "s": s, "p": p, "d": d, "a": a,
        "o": sympy.Symbol("o", integer=True, positive=True),
        "i_prime": i1, "k_prime": k1, "s_prime": s1, "o_prime": o1,
        "p_prime": sympy.Symbol("p'", integer=True),
        "i_stretched": sympy.Symbol(r"\tilde{i}'", integer=True, positive=True),
    }


def __getattr__(name):
    if name == "SYMBOLS":
        # The SymPy symbols used by relationship(), keyed by this module's parameter names.
        return dict(_symbols())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, repr=False)
class Relationship:
    """One of the guide's Relationships 1-15.

    ``conditions`` constrain the direct convolution (i, k, s, p, d); ``equivalent`` describes the
    emulating direct convolution of a transposed one (empty for 1-7 and 15); ``equation`` gives
    the output size (``o`` or ``o'``). ``note`` says what the bare formula leaves out.
    """

    number: int
    kind: str
    title: str
    conditions: tuple
    equivalent: tuple
    equation: object  # sympy.Eq
    note: str = ""

    @property
    def transposed(self) -> bool:
        """True for Relationships 8-14 (about transposed convolutions)."""
        return self.kind == "transposed"

    def _values(self, i, k, s, p, d) -> dict:
        if self.kind == "pooling":
            o = pool_output_size(i, k, s)
            p, d = 0, 1
        else:
            o = conv_output_size(i, k, s, p, d)
        sym = _symbols()
        values = {sym["i"]: i, sym["k"]: k, sym["s"]: s, sym["p"]: p, sym["d"]: d}
        if self.transposed:
            values[sym["i_prime"]] = o
        return values

    def applies(self, i, k, s=1, p=0, d=1) -> bool:
        """Whether this relationship's conditions hold for conv(i, k, s, p, d).

        Relationships 1-14 describe undilated convolutions, so they require d = 1.

        Examples
        --------
        >>> relationship(3).applies(5, 3, s=1, p=1)
        True
        >>> relationship(3).applies(5, 4, s=1, p=2)
        False
        """
        values = self._values(i, k, s, p, d)
        if self.number != 15 and d != 1:
            return False
        return all(bool(c.subs(values)) for c in self.conditions)

    def evaluate(self, i, k, s=1, p=0, d=1) -> int:
        """The output size this relationship's equation gives for conv(i, k, s, p, d).

        For a transposed relationship, i′ is the direct convolution's output size and the result
        is o′ (which equals ``i`` when the relationship applies).

        Raises
        ------
        ValueError
            If the relationship's conditions do not hold for these parameters.

        Examples
        --------
        >>> relationship(6).evaluate(5, 3, s=2, p=1)
        3
        >>> relationship(14).evaluate(6, 3, s=2, p=1)
        6
        """
        import sympy

        if not self.applies(i, k, s, p, d):
            raise ValueError(
                f"Relationship {self.number} does not apply to i={i}, k={k}, s={s}, p={p}, d={d}: "
                f"it requires {', '.join(sympy.sstr(c) for c in self.conditions) or 'd = 1'}"
            )
        values = self._values(i, k, s, p, d)
        sym = _symbols()
        values[sym["a"]] = (values[sym["i"]] + 2 * values[sym["p"]] - values[sym["k"]]) % values[sym["s"]]
        return int(self.equation.rhs.subs(values))

    def _repr_latex_(self) -> str:
        import sympy

        parts = [sympy.latex(c) for c in self.conditions]
        parts += [sympy.latex(e) for e in self.equivalent]
        head = r",\ ".join(parts)
        body = sympy.latex(self.equation)
        return rf"$\text{{Relationship {self.number}}}\quad {head}\ \Rightarrow\ {body}$" if head else (
            rf"$\text{{Relationship {self.number}}}\quad {body}$"
        )

    def __str__(self) -> str:
        import sympy

        def plain(relation) -> str:  # "p' = k - 1", not "Eq(p', k - 1)"
            text = f"{sympy.sstr(relation.lhs)} = {sympy.sstr(relation.rhs)}"
            return re.sub(r"Mod\((.*?), (\w+)\)", r"(\1) mod \2", text).replace("\\tilde{i}'", "ĩ'")

        conditions = ", ".join(plain(c) for c in self.conditions + self.equivalent)
        return f"Relationship {self.number} ({self.title}): {conditions + ' => ' if conditions else ''}{plain(self.equation)}"

    # Shown in lists and plain-text outputs: the formula, never the dataclass's fields.
    __repr__ = __str__


@functools.cache
def _relationships() -> dict[int, Relationship]:
    import sympy

    sym = _symbols()
    _i, _k, _s, _p, _d, _a, _o = (sym[n] for n in ("i", "k", "s", "p", "d", "a", "o"))
    _i1, _k1, _s1, _p1, _o1 = (sym[n] for n in ("i_prime", "k_prime", "s_prime", "p_prime", "o_prime"))
    k_odd = sympy.Eq(sympy.Mod(_k, 2), 1)
    stretched = sympy.Eq(sym["i_stretched"], _i1 + (_i1 - 1) * (_s - 1))
    eq, floor = sympy.Eq, sympy.floor
    s1 = eq(_s, 1)
    k_prime_is_k, s_prime_is_1 = eq(_k1, _k), eq(_s1, 1)
    divisible = eq(sympy.Mod(_i + 2 * _p - _k, _s), 0)
    rows = [
        (1, "direct", "no zero padding, unit strides", (s1, eq(_p, 0)), (), eq(_o, (_i - _k) + 1), ""),
        (2, "direct", "zero padding, unit strides", (s1,), (), eq(_o, (_i - _k) + 2 * _p + 1), ""),
        (3, "direct", "half (same) padding", (k_odd, s1, eq(_p, floor(_k / 2))), (), eq(_o, _i),
         "With k even and p = k/2 the output is one larger: o = i + 1."),
        (4, "direct", "full padding", (s1, eq(_p, _k - 1)), (), eq(_o, _i + (_k - 1)), ""),
        (5, "direct", "no zero padding, non-unit strides", (eq(_p, 0),), (),
         eq(_o, floor((_i - _k) / _s) + 1), ""),
        (6, "direct", "zero padding, non-unit strides", (), (),
         eq(_o, floor((_i + 2 * _p - _k) / _s) + 1),
         "When s > 1, the s input sizes i + a, a in {0, ..., s-1}, with (i + 2p - k) a multiple "
         "of s all give the same output size."),
        (7, "pooling", "pooling", (eq(_p, 0),), (), eq(_o, floor((_i - _k) / _s) + 1),
         "Holds for any kind of pooling (no padding)."),
        (8, "transposed", "no zero padding, unit strides, transposed", (s1, eq(_p, 0)),
         (k_prime_is_k, s_prime_is_1, eq(_p1, _k - 1)), eq(_o1, _i1 + (_k - 1)),
         "The emulating convolution is fully padded."),
        (9, "transposed", "zero padding, unit strides, transposed", (s1,),
         (k_prime_is_k, s_prime_is_1, eq(_p1, _k - _p - 1)), eq(_o1, _i1 + (_k - 1) - 2 * _p), ""),
        (10, "transposed", "half (same) padding, transposed", (k_odd, s1, eq(_p, floor(_k / 2))),
         (k_prime_is_k, s_prime_is_1, eq(_p1, _p)), eq(_o1, _i1), ""),
        (11, "transposed", "full padding, transposed", (s1, eq(_p, _k - 1)),
         (k_prime_is_k, s_prime_is_1, eq(_p1, 0)), eq(_o1, _i1 - (_k - 1)), ""),
        (12, "transposed", "no zero padding, non-unit strides, transposed",
         (eq(_p, 0), eq(sympy.Mod(_i - _k, _s), 0)),
         (stretched, k_prime_is_k, s_prime_is_1, eq(_p1, _k - 1)), eq(_o1, _s * (_i1 - 1) + _k), ""),
        (13, "transposed", "zero padding, non-unit strides, transposed", (divisible,),
         (stretched, k_prime_is_k, s_prime_is_1, eq(_p1, _k - _p - 1)),
         eq(_o1, _s * (_i1 - 1) + _k - 2 * _p), ""),
        (14, "transposed", "zero padding, non-unit strides, transposed (general)", (),
         (eq(_a, sympy.Mod(_i + 2 * _p - _k, _s)), stretched, k_prime_is_k, s_prime_is_1,
          eq(_p1, _k - _p - 1)),
         eq(_o1, _s * (_i1 - 1) + _a + _k - 2 * _p),
         "a zeros are added at the bottom and right of the stretched, padded input."),
        (15, "dilated", "dilated convolution", (), (),
         eq(_o, floor((_i + 2 * _p - _k - (_k - 1) * (_d - 1)) / _s) + 1), ""),
    ]
    return {row[0]: Relationship(*row) for row in rows}


# Most specific first: a student asking "which relationship is this?" wants the narrowest one.
_SPECIFICITY = {
    "direct": (1, 3, 4, 2, 5, 6, 15),
    "transposed": (8, 10, 11, 9, 12, 13, 14),
}


def relationship(n) -> Relationship:
    """The guide's Relationship ``n`` (1-15) as SymPy objects.

    Examples
    --------
    >>> print(relationship(6))
    Relationship 6 (zero padding, non-unit strides): o = floor((i - k + 2*p)/s) + 1
    >>> relationship(14).equation
    Eq(o', a + k - 2*p + s*(i' - 1))
    """
    n = check_int("n", n)
    if not 1 <= n <= 15:
        raise ValueError(f"n must be between 1 and 15, got {n}")
    return _relationships()[n]


def applicable_relationships(i, k, s=1, p=0, d=1, transposed=False) -> tuple[int, ...]:
    """Numbers of the relationships that apply to conv(i, k, s, p, d), most specific first.

    With ``transposed=True``, the relationships (8-14) for its transpose.

    Examples
    --------
    >>> applicable_relationships(5, 3, s=1, p=1)
    (3, 2, 6, 15)
    >>> applicable_relationships(6, 3, s=2, p=1, transposed=True)
    (14,)
    """
    i, k, s, p, d, _ = _check_conv(i, k, s, p, d)
    kind = "transposed" if transposed else "direct"
    return tuple(n for n in _SPECIFICITY[kind] if _relationships()[n].applies(i, k, s, p, d))
