"""Exercise set ex10 — checkerboard artifacts (instructor only: answers and hidden tests).

Every expected answer is computed here, in the grader's process, with ``course_lib.numeric``
(transposed convolutions, convolutions and pixel shuffle), ``course_lib.upsampling`` (the bilinear
kernel) and ``course_lib.frameworks`` (the channel order of each framework's depth-to-space, which
``make crosscheck`` verifies against PyTorch and TensorFlow); overlap counts are transposed
convolutions of ones, as in the lesson's checkerboard explorer. Questions: ex10.1 the overlap counts
of a cropped 1-D transposed convolution; ex10.2 the interior counts of a stack of two transposed
convolutions in 2-D; ex10.3 which kernel sizes of a second layer even out the stack's overlap;
ex10.4 the period-s pattern of unequal weights with k divisible by s; ex10.5 the input gradient of
a strided convolution; ex10.6 resize-then-convolve written as one transposed convolution (its fixed
kernel and padding); ex10.7 an ICNR initialiser for either channel order (hidden shapes); ex10.8
true claims about checkerboard artifacts (choice); ex10.9 what TensorFlow's depth_to_space makes of
an ICNR weight built for PyTorch (framework prediction).

Every variant, defaults included, separates each declared mistake from the answer and from the
other mistakes: ``generate`` draws each question's numbers once, from the settings of a small grid
in which the question's mistakes separate (``Question.separating_settings``, built on first use)
or from ranges where every tested idea shows; it never asks for separation itself
(``ExerciseSet.draw`` is the safety net and is rarely needed). The defaults are not the lesson's
worked cases.
"""

import functools

import numpy as np

from course_lib import checkerboard, frameworks
from course_lib.grading.kinds import Choice, Function, IntTuple, Matrix
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.numeric import conv1d, conv2d, conv_transpose1d, conv_transpose2d, pixel_shuffle
from course_lib.upsampling import bilinear_kernel_1d

DEFAULTS = {
    "n1": 5, "k1": 5, "s1": 3, "p1": 1,
    "kA2": 5, "sA2": 2, "kB2": 4, "sB2": 3,
    "k3a": 6, "s3a": 2, "s3b": 3, "K3": 14,
    "w4": [[2, 0, 1, 3], [1, 4, 0, 2], [3, 1, 2, 0], [0, 2, 4, 1]], "s4": 2, "i4": 5, "r4": 5, "c4": 6,
    "n5": 10, "k5": 5, "s5": 3, "p5": 1, "w5": [1, 3, 2, 1, 2],
    "s6": 3, "q6": [2, -1, 3], "P6": 0,
    "C9": 3, "r9": 2, "c9": 2, "v9": [4, 7, 2],
}


def _question(qid):
    return next(q for q in QUESTIONS if q.id == qid)


# --- overlap counts ---------------------------------------------------------------------------------

def _interior(layers):
    """The interior counts along one axis: the phase sums of the one transposed layer the stack is."""
    kernel, stride = checkerboard.compose_transposed([(np.ones(k, dtype=np.int64), s) for k, s in layers])
    return [int(v) for v in checkerboard.phase_sums(kernel, stride)]


def _even(layers):
    counts = _interior(layers)
    return min(counts) == max(counts)


# --- ex10.1 ----------------------------------------------------------------------------------------

def _answer1(P, *, mode="cropped"):
    n, k, s, p = (P[x] for x in ("n1", "k1", "s1", "p1"))
    full = checkerboard.overlap_counts(n, k, s).tolist()  # the full scatter output's counts
    o = len(full) - 2 * p
    if mode == "full":
        return tuple(full)
    if mode == "end":            # the 2·p1 units taken off the end only
        return tuple(full[:o])
    if mode == "start":          # p1 units taken off the start only
        return tuple(full[p:])
    if mode == "interior":       # the interior pattern everywhere, borders not damped
        return tuple(-(-(k - (t + p) % s) // s) for t in range(o))
    if mode == "zeros":          # padding read as zeros added at both ends, as for a convolution
        return (0,) * p + tuple(full) + (0,) * p
    return tuple(full[p:p + o])


assert _answer1(DEFAULTS) == tuple(int(v) for v in conv_transpose1d(
    np.ones(DEFAULTS["n1"], dtype=np.int64), np.ones(DEFAULTS["k1"], dtype=np.int64), stride=DEFAULTS["s1"],
    padding=DEFAULTS["p1"]))

_NAMES1 = ("n1", "k1", "s1", "p1")
_GRID1 = (range(4, 8), range(3, 8), (2, 3), (1, 2, 3))


def _uneven1(P):
    return P["k1"] > P["s1"] and P["k1"] % P["s1"] != 0 and P["p1"] < P["k1"] - 1


def _draw1(rng):
    settings = _question("ex10.1").separating_settings(_NAMES1, _GRID1, DEFAULTS, _uneven1)
    return dict(zip(_NAMES1, rng.choice(settings)))


# --- ex10.2 ----------------------------------------------------------------------------------------

def _answer2(P, *, mode="stack"):
    kA, sA, kB, sB = (P[x] for x in ("kA2", "sA2", "kB2", "sB2"))
    layers = {"swapped": [(kB, sB), (kA, sA)], "first": [(kA, sA)], "last": [(kB, sB)]}.get(mode, [(kA, sA), (kB, sB)])
    if mode == "no stretch":     # the two kernels of ones merged without stretching the first by sB
        kernel = np.convolve(np.ones(kA, dtype=np.int64), np.ones(kB, dtype=np.int64))
        one_axis = [int(kernel[r::sA * sB].sum()) for r in range(sA * sB)]
    else:
        one_axis = _interior(layers)
    hi, lo = max(one_axis), min(one_axis)
    if mode == "one axis":
        return (hi, lo)
    if mode == "sum":
        return (2 * hi, 2 * lo)
    if mode == "per layer":      # each layer's own largest and smallest count, multiplied
        hi = -(-kA // sA) * -(-kB // sB)
        lo = (kA // sA) * (kB // sB)
    return (hi * hi, lo * lo)


def _counts2d_check():
    """The 2-D interior extremes of the defaults, from a 2-D stack of transposed convolutions of ones."""
    counts = np.ones((12, 12), dtype=np.int64)
    for k, s in ((DEFAULTS["kA2"], DEFAULTS["sA2"]), (DEFAULTS["kB2"], DEFAULTS["sB2"])):
        counts = conv_transpose2d(counts, np.ones((k, k), dtype=np.int64), stride=s)
    middle = counts[len(counts) // 2 - 6:len(counts) // 2 + 6, len(counts) // 2 - 6:len(counts) // 2 + 6]
    return (int(middle.max()), int(middle.min()))


assert _counts2d_check() == _answer2(DEFAULTS)

_NAMES2 = ("kA2", "sA2", "kB2", "sB2")
_GRID2 = (range(2, 8), (2, 3, 4), range(2, 8), (1, 2, 3, 4))


def _uneven2(P):
    one_axis = _interior([(P["kA2"], P["sA2"]), (P["kB2"], P["sB2"])])
    return min(one_axis) > 0 and max(one_axis) != min(one_axis) and P["kA2"] % P["sA2"] != 0


def _draw2(rng):
    settings = _question("ex10.2").separating_settings(_NAMES2, _GRID2, DEFAULTS, _uneven2)
    return dict(zip(_NAMES2, rng.choice(settings)))


# --- ex10.3 ----------------------------------------------------------------------------------------

def _answer3(P, rule=None):
    kA, sA, sB, K = (P[x] for x in ("k3a", "s3a", "s3b", "K3"))
    rule = rule or (lambda kb: _even([(kA, sA), (kb, sB)]))
    return tuple(kb for kb in range(1, K + 1) if rule(kb))


_NAMES3 = ("k3a", "s3a", "s3b", "K3")
_GRID3 = (range(3, 9), (2, 3, 4), (2, 3), range(10, 17))


def _unless_answer3(P, rule):
    """A rule of thumb's list, or None where it is the answer (then it is no mistake)."""
    listed = _answer3(P, rule=rule)
    return None if listed == _answer3(P) else listed


def _uneven_first3(P):
    return P["k3a"] > P["s3a"] and P["k3a"] % P["s3a"] != 0 and bool(_answer3(P))


def _even_first3(P):
    return P["k3a"] > P["s3a"] and P["k3a"] % P["s3a"] == 0 and bool(_answer3(P))


def _draw3(rng):
    # half the variants have a first layer that is uneven, half one that is already even inside, so that no
    # single rule of thumb about k answers every variant
    keep = _uneven_first3 if rng.random() < 0.5 else _even_first3
    settings = _question("ex10.3").separating_settings(_NAMES3, _GRID3, DEFAULTS, keep)
    return dict(zip(_NAMES3, rng.choice(settings)))


# --- ex10.4 ----------------------------------------------------------------------------------------

def _answer4(P, *, rotate=False, shift=True, transpose=False, swap=False, offset=0):
    w, s = np.asarray(P["w4"]), P["s4"]
    if rotate:
        w = np.rot90(w, 2)
    sums = checkerboard.phase_sums(w, s).tolist()
    r0, c0 = (P["r4"] + offset, P["c4"] + offset) if shift else (0, 0)
    if swap:
        r0, c0 = c0, r0
    block = [[sums[(r0 + a) % s][(c0 + b) % s] for b in range(s)] for a in range(s)]
    if transpose:
        block = [list(row) for row in zip(*block)]
    return block


def _check4(P):
    """The block read off the output of conv_transpose2d on a constant input."""
    out = conv_transpose2d(np.ones((P["i4"], P["i4"]), dtype=np.int64), np.asarray(P["w4"]), stride=P["s4"])
    s = P["s4"]
    return out[P["r4"]:P["r4"] + s, P["c4"]:P["c4"] + s].tolist()


assert _check4(DEFAULTS) == _answer4(DEFAULTS)


def _draw4(rng):
    s = rng.choice([2, 2, 3])
    k = 2 * s
    while True:  # a kernel whose s² phase sums all differ (so every slip shows), and unequal to k²
        w = [[rng.randint(0, 4) for _ in range(k)] for _ in range(k)]
        sums = [v for row in checkerboard.phase_sums(w, s).tolist() for v in row]
        if len(set(sums)) == s * s and sum(sums) != k * k:
            break
    i = rng.randint(4, 5)
    low, high = k - 1, (i - 1) * s - s + 1           # the block lies in the interior of the output
    while True:  # a shifted phase, r and c of different phases (else swapping them changes nothing)
        r, c = rng.randint(low, high), rng.randint(low, high)
        if (r % s or c % s) and r % s != c % s:
            break
    return {"w4": w, "s4": s, "i4": i, "r4": r, "c4": c}


# --- ex10.5 ----------------------------------------------------------------------------------------

def _answer5(P, *, flip=False, ones=False, pad=True, ceil=False):
    n, k, s, p = (P[x] for x in ("n5", "k5", "s5", "p5"))
    w = list(P["w5"])
    if flip:
        w = w[::-1]
    if ones:
        w = [1] * k
    pp = p if pad else 0
    span = n + 2 * pp - k
    o = (-(-span // s) if ceil else span // s) + 1
    grad = [0] * n
    for j in range(o):
        for t in range(k):
            unit = j * s + t - pp
            if 0 <= unit < n:
                grad[unit] += w[t]
    return tuple(grad)


def _check5(P):
    """The same gradient as a transposed convolution of the upstream ones (course_lib.numeric)."""
    n, k, s, p = (P[x] for x in ("n5", "k5", "s5", "p5"))
    o = (n + 2 * p - k) // s + 1
    a = (n + 2 * p - k) % s
    return tuple(int(v) for v in conv_transpose1d(np.ones(o, dtype=np.int64), np.asarray(P["w5"]), stride=s,
                                                  padding=p, output_padding=a))


assert _check5(DEFAULTS) == _answer5(DEFAULTS)


@functools.cache
def _layers5():
    """(n, k, s, p) with k not divisible by s, a floor that drops a window which would read a real unit."""
    table = []
    for n in range(7, 11):
        for k in (3, 4, 5):
            for s in (2, 3):
                for p in (1, 2):
                    span = n + 2 * p - k
                    if k % s and span % s and (span // s + 1) * s - p < n and p < k:
                        table.append((n, k, s, p))
    return tuple(table)


def _draw5(rng):
    n, k, s, p = rng.choice(_layers5())
    while True:
        w = [rng.randint(1, 3) for _ in range(k)]
        if w != w[::-1] and len(set(w)) > 1:
            break
    return {"n5": n, "k5": k, "s5": s, "p5": p, "w5": w}


# --- ex10.6 ----------------------------------------------------------------------------------------

def _answer6(P, *, flip=True, pad="right", kernel="merged"):
    s, q, pad6 = P["s6"], list(P["q6"]), P["P6"]
    m = len(q)
    taps = q[::-1] if flip else q
    if kernel == "merged":
        w = [int(v) for v in np.convolve(np.ones(s, dtype=np.int64), taps)]
    elif kernel == "stuffed":    # zeros between the taps, as if the resize inserted zeros
        w = [0] * ((m - 1) * s + 1)
        w[::s] = taps
    else:                        # the convolution's taps alone
        w = list(taps)
    padding = {"right": m - 1 - pad6, "same": pad6, "merged": len(w) - 1 - pad6}[pad]
    return (padding, *w)


def _check6(P):
    """Resize (nearest) then conv1d against the transposed convolution of the answer (course_lib.numeric)."""
    x = np.array([3, -1, 4, 1, -5, 9, 2], dtype=np.int64)
    direct = conv1d(np.repeat(x, P["s6"]), np.asarray(P["q6"]), padding=P["P6"])
    padding, *w = _answer6(P)
    merged = conv_transpose1d(x, np.asarray(w), stride=P["s6"], padding=padding)
    return np.array_equal(direct, merged)


assert _check6(DEFAULTS)


def _draw6(rng):
    s = rng.randint(2, 4)
    m = rng.randint(2, 4)
    # the crop m − 1 − P6 differs from P6 and from the merged kernel's s + m − 2 − P6
    pad = rng.choice([p for p in range(m) if m - 1 - p != p and s + m - 2 != 2 * p])
    while True:  # q6 not a palindrome (else reversing it shows nothing) and not summing to 0
        q = [rng.choice([-2, -1, 1, 2, 3]) for _ in range(m)]
        if q != q[::-1] and sum(q):
            break
    return {"s6": s, "q6": q, "P6": pad}


# --- ex10.7: ICNR for either channel order ---------------------------------------------------------

def icnr(base, r, order):
    """Reference for ex10.7: the convolution weight (rows = output channels) from C base rows."""
    rows = np.asarray(base)
    return np.repeat(rows, r * r, axis=0) if order == "CRD" else np.tile(rows, (r * r, 1))


def _shuffles_to_nearest(weight, base, r, order):
    """Whether pixel_shuffle(order) of the convolution with ``weight`` is the nearest-neighbour
    upsampling of the convolution with ``base`` (rows = output channels, each row a 1×1 kernel over
    as many input channels as it has entries), on a 1×2 input map."""
    weight, base = np.asarray(weight), np.asarray(base)
    x = np.arange(1, 2 * base.shape[1] + 1).reshape(base.shape[1], 2)
    shuffled = pixel_shuffle((weight @ x)[:, None, :], r, order=order)
    nearest = np.repeat(np.repeat((base @ x)[:, None, :], r, axis=1), r, axis=2)
    return bool(np.array_equal(shuffled, nearest))


for _base, _r in (([[1, 2, 0], [3, -1, 2]], 2), ([[1, 2], [3, -1], [0, 4]], 3), ([[2, -1, 1]], 2)):
    for _order in ("CRD", "DCR"):
        assert _shuffles_to_nearest(icnr(_base, _r, _order), _base, _r, _order)
assert not _shuffles_to_nearest(icnr([[1, 2, 0], [3, -1, 2]], 2, "CRD"), [[1, 2, 0], [3, -1, 2]], 2, "DCR")


def _draw_base(rng, channels, taps):
    while True:
        base = [[rng.randint(-3, 3) for _ in range(taps)] for _ in range(channels)]
        if len({tuple(row) for row in base}) == channels:
            return base


EXAMPLE7_CRD = ([[1, 2, 0, -1], [3, 0, 1, 2]], 2, "CRD")
EXAMPLE7_DCR = ([[2, -1, 0], [1, 1, 3], [0, 2, -2]], 2, "DCR")
EXAMPLE7_ONE = ([[1, -2, 3, 0, 2]], 3, "CRD")
EXAMPLE7_THREE = ([[1, 0], [2, 3]], 3, "DCR")


# --- ex10.8: true claims ---------------------------------------------------------------------------

CLAIMS8 = Choice(
    (
        "A transposed convolution whose kernel size is divisible by its stride gives no checkerboard pattern, "
        "whatever its weights.",
        "With k a multiple of s larger than s, every weight equal and no padding, a transposed convolution of a "
        "constant input gives the same value at every interior output unit, while the first k − s and the last "
        "k − s output units lie under fewer kernel copies than the interior units.",
        "Swapping the two layers of a stack of two 1-D transposed convolutions (weights one, no padding) never "
        "changes whether the stack's interior counts are even.",
        "For an upstream gradient of ones, the input gradient of a 1-D convolution with kernel size 4, stride 2, "
        "padding 2 and weights one, on an input of even length, is the same at every input unit, the two end "
        "units included.",
        "Nearest-neighbour resizing by s followed by any stride-1 convolution is a transposed convolution whose "
        "output, for a constant input, is the same at every interior unit, whatever the convolution's weights.",
        "A sub-pixel convolution (a convolution, then pixel shuffle) cannot checkerboard, because every output "
        "pixel comes from exactly one convolution output.",
        "An ICNR weight built for PyTorch's pixel_shuffle (each base kernel repeated r² times, one after the "
        "other) also makes TensorFlow's depth_to_space output a nearest-neighbour upsampling, for any number of "
        "output channels.",
        "The bilinear kernel for factor 5 has k = 9 taps, which is not divisible by 5, so a transposed "
        "convolution with stride 5 initialised with it gives uneven values for a constant input.",
    ),
    option_hints={
        "A": "Even overlap counts how many kernel taps meet each output unit; what does each unit add up when the "
             "taps carry different weights? Try a 1-D kernel of length 4 at stride 2 with unequal weights.",
        "B": "Compute a small case: a length-6 kernel of ones at stride 2 on six ones; count the copies over the "
             "middle units and over the first and last few.",
        "C": "The second layer reads the first layer's output, not a map of ones. Take a layer whose k its s "
             "divides and one whose k it does not, and compute the interior counts in both orders.",
        "D": "The gradient of a strided convolution is a transposed convolution of the upstream gradient, with the "
             "same kernel, stride and padding. Which units of its full output does padding 2 crop, and which "
             "windows exist when the length is even?",
        "E": "Write the resize as a transposed convolution with a kernel of s ones and merge the convolution into "
             "it; then add up each phase of the merged kernel.",
        "F": "Where do the r² convolution outputs that meet in one r×r block come from, and what makes their "
             "values equal or not at initialisation?",
        "G": "Build the weight for two output channels and r = 2, and read each output channel of depth_to_space "
             "through its channel order (course_lib.frameworks.PIXEL_SHUFFLE_ORDERS).",
        "H": "The claim ties equal values to k being divisible by s: add up each phase of the bilinear kernel for "
             "factor 5 (course_lib.upsampling.bilinear_kernel_1d) and see what equal values depend on.",
    },
)


@functools.cache
def _claims8() -> tuple:
    """The true claims' letters, each decided by a computation over small layers."""
    ones = lambda n: np.ones(n, dtype=np.int64)  # noqa: E731

    def even_values(kernel, s):
        out = conv_transpose1d(np.ones(12), np.asarray(kernel, dtype=float), stride=s)
        k = len(kernel)
        middle = out[k:len(out) - k]
        return bool(np.allclose(middle, middle[0]))

    def constant_inside_short_ends(k, s, value):
        # interior: units with every copy of their phase; the first and last k − s units: fewer copies
        out = conv_transpose1d(np.full(8, value), np.full(k, value), stride=s)
        counts = conv_transpose1d(ones(8), ones(k), stride=s)
        inside = counts[k - s:len(counts) - (k - s)]
        ends = np.concatenate([counts[:k - s], counts[len(counts) - (k - s):]])
        return (bool(np.all(out[k - s:len(out) - (k - s)] == out[k])) and bool(np.all(inside == k // s))
                and bool(np.all(ends < k // s)))

    def swap_keeps_evenness(first, second):
        return _even([first, second]) == _even([second, first])

    def gradient_even(n, k=4, s=2, p=2):
        o = (n + 2 * p - k) // s + 1
        grad = np.zeros(n, dtype=np.int64)
        for j in range(o):                                        # window j reads units j·s − p … j·s − p + k − 1
            for t in range(k):
                if 0 <= j * s - p + t < n:
                    grad[j * s - p + t] += 1
        return bool(np.all(grad == grad[0]))

    def resize_even(s, q):
        # resize, then a stride-1 conv1d, is the transposed convolution with the merged kernel (on a test input)
        x = np.array([3, -1, 4, 1, -5, 9, 2], dtype=np.int64)
        merged = np.convolve(ones(s), np.asarray(q)[::-1])
        pad = len(q) - 1
        same = np.array_equal(conv1d(np.repeat(x, s), np.asarray(q), padding=pad),
                              conv_transpose1d(x, merged, stride=s, padding=pad - (len(q) - 1)))
        return same and even_values(merged, s)

    rng = np.random.default_rng(seed=1008)  # ex10.8

    def subpixel_random():
        w = rng.normal(size=(4, 1, 2, 2))
        y = pixel_shuffle(conv2d(np.ones((1, 6, 6)), w), 2)[0]
        return bool(np.allclose(y[1:-1, 1:-1], y[2, 2]))

    def icnr_across(channels, r):
        base = rng.integers(-3, 4, size=(channels, 3))
        return _shuffles_to_nearest(icnr(base, r, frameworks.PIXEL_SHUFFLE_ORDERS["pytorch pixel_shuffle"]), base, r,
                                    frameworks.PIXEL_SHUFFLE_ORDERS["tensorflow depth_to_space"])

    truths = {
        "A": all(even_values(kernel, 2) for kernel in ([1, 2, 3, 4], [2, 1, 1, 3], [1, 1, 1, 1])),
        "B": all(constant_inside_short_ends(k, s, value) for s in (2, 3) for k in (2 * s, 3 * s)
                 for value in (1, 2, -3)),
        "C": all(swap_keeps_evenness((k1, s1), (k2, s2)) for k1 in range(1, 7) for k2 in range(1, 7)
                 for s1 in (1, 2, 3) for s2 in (1, 2, 3)),
        "D": all(gradient_even(n) for n in range(4, 16, 2)),
        "E": all(resize_even(s, q) for s in (2, 3, 4) for q in ([1], [2, -1, 3], [1, 4, 0, 2], [5, -2])),
        "F": all(subpixel_random() for _ in range(3)),
        "G": all(icnr_across(c, r) for c in (2, 3) for r in (2, 3)),
        "H": len(bilinear_kernel_1d(5)) == 9 and not even_values(bilinear_kernel_1d(5), 5),
    }
    return tuple(letter for letter, true in truths.items() if true)


# --- ex10.9: a PyTorch ICNR weight under TensorFlow's depth_to_space --------------------------------

def _answer9(P, *, read="tf", built="torch", transpose=False):
    C, r, c = P["C9"], P["r9"], P["c9"]
    v = list(P["v9"])
    build = {"torch": lambda q: v[q // (r * r)], "tf": lambda q: v[q % C]}[built]
    channels = np.array([build(q) for q in range(C * r * r)]).reshape(C * r * r, 1, 1)
    order = frameworks.PIXEL_SHUFFLE_ORDERS[{"tf": "tensorflow depth_to_space", "torch": "pytorch pixel_shuffle"}[read]]
    block = pixel_shuffle(channels, r, order=order)[c].tolist()
    if transpose:
        block = [list(row) for row in zip(*block)]
    return block


_NAMES9 = ("C9", "r9", "c9")
_GRID9 = ((2, 3, 4), (2, 3), range(4))
_DEFAULTS9 = {**DEFAULTS, "v9": [11, 12, 13, 14]}   # distinct values: separation as for channel numbers


def _map_exists9(P):
    return P["c9"] < P["C9"]


def _draw9(rng):
    settings = _question("ex10.9").separating_settings(_NAMES9, _GRID9, _DEFAULTS9, _map_exists9)
    P = dict(zip(_NAMES9, rng.choice(settings)))
    P["v9"] = rng.sample(range(1, 10), P["C9"])
    return P


# The answers agree with the lesson's module (course_lib.checkerboard), which the texts forbid to students.
assert _answer1(DEFAULTS) == tuple(checkerboard.overlap_counts(DEFAULTS["n1"], DEFAULTS["k1"], DEFAULTS["s1"],
                                                             DEFAULTS["p1"]).tolist())
_layer6 = checkerboard.resize_conv_layer(DEFAULTS["q6"], DEFAULTS["s6"], padding=DEFAULTS["P6"])
assert _answer6(DEFAULTS) == (_layer6.padding, *[int(v) for v in _layer6.kernel])
for _order in ("CRD", "DCR"):
    _w = np.arange(6).reshape(3, 2)
    assert np.array_equal(icnr(_w, 2, _order),
                          checkerboard.icnr(_w.reshape(3, 2, 1, 1), 2, _order).reshape(12, 2))


def generate(rng):
    """One student's parameters."""
    P = {}
    for draw in (_draw1, _draw2, _draw3, _draw4, _draw5, _draw6, _draw9):
        P.update(draw(rng))  # each block once: ExerciseSet.draw redraws the rare variant that does not separate
    return P


QUESTIONS = [
    Question(
        id="ex10.1", name="counts1", title="Overlap counts of a cropped transposed convolution", points=2,
        kind=IntTuple(), answer=_answer1,
        mistakes=[
            Mistake(lambda P: _answer1(P, mode="full"), "That is the full scatter output: PyTorch's padding "
                    "removes units from it."),
            Mistake(lambda P: _answer1(P, mode="end"), "You removed all 2·p1 units at the end; padding takes p1 "
                    "from each end, so the pattern starts p1 units into the full output."),
            Mistake(lambda P: _answer1(P, mode="start"), "You removed p1 units at the start only; padding takes "
                    "p1 units from the end too."),
            Mistake(lambda P: _answer1(P, mode="interior"), "Your counts repeat the interior pattern up to the "
                    "ends; near an end fewer input units exist to send a copy of the kernel there."),
            Mistake(lambda P: _answer1(P, mode="zeros"), "In a transposed convolution, padding does not add "
                    "zeros around anything: it crops the full output."),
        ],
        checks=[Check("all(v >= 0 for v in answer)", "Counts are 0 or more.")],
        hint="Let each of the n1 input units drop a copy of the k1-long kernel onto the full output, s1 units "
             "after the previous one; count the copies over each unit, then take off what the padding removes.",
    ),
    Question(
        id="ex10.2", name="extremes2", title="Counts through a stack of two layers, in 2-D", points=2,
        kind=IntTuple(length=2), answer=_answer2,
        mistakes=[
            Mistake(lambda P: _answer2(P, mode="one axis"), "Those are the counts along one axis; an interior unit "
                    "of a 2-D map gets one count per row times one per column."),
            Mistake(lambda P: _answer2(P, mode="sum"), "Along two axes the counts multiply; they do not add."),
            Mistake(lambda P: _answer2(P, mode="per layer"), "Multiplying each layer's own largest (and smallest) "
                    "count assumes the largest counts of the two layers land on the same units; follow the "
                    "counts of the first layer through the second."),
            Mistake(lambda P: _answer2(P, mode="last"), "That is the second layer alone; it receives the uneven "
                    "counts of the first layer, not a map of ones."),
            Mistake(lambda P: _answer2(P, mode="first"), "That is the first layer alone; the second layer then "
                    "scatters a copy of its kernel from every unit of the first layer's output, and those copies "
                    "add up."),
            Mistake(lambda P: _answer2(P, mode="swapped"), "You ran the layers in the other order: the (kA2, sA2) "
                    "layer reads the input and the (kB2, sB2) layer reads its output. The order changes the counts."),
            Mistake(lambda P: _answer2(P, mode="no stretch"), "You merged the two kernels as if the first one met "
                    "the second at stride 1; between two units of the first layer's output, the second layer "
                    "moves sB2 units. Redo the merge on a short row by hand."),
        ],
        checks=[Check("answer[0] >= answer[1]", "Give the largest count first: (largest, smallest)."),
                Check("answer[1] >= 1", "Every interior unit of this stack lies under at least one path.")],
        hint="Work along one axis first: run the first layer's counts on a long row of ones, feed them to the "
             "second layer, and read one period in the middle. Then think about what a 2-D unit collects.",
    ),
    Question(
        id="ex10.3", name="evens3", title="Which second layer evens out the overlap?", points=2,
        kind=IntTuple(unordered=True), answer=_answer3,
        mistakes=[
            Mistake(lambda P: _unless_answer3(P, lambda kb: kb % P["s3b"] == 0), "'k divisible by s' is the rule "
                    "for a single layer reading a map of ones. What does your second layer read: is the first "
                    "layer's output constant in the interior? Test each k."),
            Mistake(lambda P: _unless_answer3(P, lambda kb: kb % (P["s3a"] * P["s3b"]) == 0), "A multiple of "
                    "s3a·s3b is not the only way here. Look at the first layer's interior counts before you look "
                    "at the second layer, then test one k that is not a multiple of s3a·s3b."),
            Mistake(lambda P: _answer3(P, rule=lambda kb: kb % P["s3a"] == 0), "The first layer's stride does not "
                    "decide it: the second layer scatters at stride s3b over the first layer's counts. Compute one "
                    "period of the stack's interior counts for one of your k and see which phases differ."),
            Mistake(lambda P: (), "Some second layers do even the counts out: the second kernel sums neighbouring "
                    "counts of the first layer's output, high and low ones together."),
            Mistake(lambda P: _answer3(P, rule=lambda kb: not _even([(P["k3a"], P["s3a"]), (kb, P["s3b"])])),
                    "Reversed: those are the kernel sizes that leave the counts uneven."),
        ],
        checks=[Check("all(1 <= k <= K3 for k in answer)", "List kernel sizes from 1 to K3 only.")],
        hint="Start with the first layer alone: what are its interior counts, phase by phase? Then, for each "
             "candidate k, run both layers on a long row of ones (or build the stack's one kernel) and compare the "
             "counts of one period of s3a·s3b units in the middle.",
    ),
    Question(
        id="ex10.4", name="block4", title="Even overlap, unequal weights: the pattern", points=2,
        kind=Matrix(), answer=_answer4,
        mistakes=[
            Mistake(lambda P: _answer4(P, shift=False), "Your block starts at a unit of phase (0, 0); the block "
                    "asked for starts at row r4 and column c4, so its phases are shifted."),
            Mistake(lambda P: _answer4(P, rotate=True), "That is the block of the kernel rotated by 180°, and at "
                    "s4 = 2 also the block you get by swapping r4 and c4 or by counting rows and columns from 1 "
                    "(all three shift both phases by one). A transposed convolution drops unrotated copies of w4, "
                    "rows and columns count from 0, and r4 is the row."),
            Mistake(lambda P: None if P["s4"] == 2 else _answer4(P, swap=True), "You swapped r4 and c4: the block "
                    "starts at row r4 and column c4."),
            Mistake(lambda P: None if P["s4"] == 2 else _answer4(P, offset=-1), "You counted rows and columns from "
                    "1; the block's first row is row r4 counted from 0."),
            Mistake(lambda P: _answer4(P, transpose=True), "Rows and columns are swapped: the row of an output "
                    "unit decides which kernel rows reach it."),
            Mistake(lambda P: [[(len(P["w4"]) // P["s4"]) ** 2] * P["s4"]] * P["s4"], "Those are the overlap "
                    "counts; with unequal weights each unit adds up the weights of the taps that reach it."),
            Mistake(lambda P: [[float(np.sum(P["w4"])) / P["s4"] ** 2] * P["s4"]] * P["s4"], "An even overlap "
                    "does not mean equal values: units of different phases meet different taps of w4."),
        ],
        checks=[Check("len(answer) == s4 and all(len(row) == s4 for row in answer)", "Give an s4 × s4 block.")],
        hint="Which taps of w4 land on an output unit in the interior? Sort the taps by their row and column "
             "modulo s4, then find the phase of row r4 and of column c4.",
    ),
    Question(
        id="ex10.5", name="grad5", title="The checkerboard in a gradient", points=2,
        kind=IntTuple(), answer=_answer5,
        mistakes=[
            Mistake(lambda P: _answer5(P, flip=True), "Your gradient uses the kernel reversed: window j reads "
                    "input unit j·s5 + t − p5 with weight w5[t], so that is where w5[t] flows back."),
            Mistake(lambda P: _answer5(P, ones=True), "Those are the numbers of windows over each unit; each "
                    "window sends back the weight it read the unit with."),
            Mistake(lambda P: _answer5(P, pad=False), "You left out the padding: with p5 units of zeros before "
                    "the input, window j starts at input unit j·s5 − p5."),
            Mistake(lambda P: _answer5(P, ceil=True), "Your windows run past the padded input: the convolution's "
                    "output length rounds down, and the units only a dropped window would read get nothing."),
        ],
        checks=[Check("len(answer) == n5", "Give one gradient entry per input unit (n5 of them).")],
        hint="Write down which input units each output unit's window reads, with which weight; the gradient of "
             "an input unit collects one weight from every window that reads it.",
    ),
    Question(
        id="ex10.6", name="fixed6", title="Resize, then convolve: one transposed convolution", points=2,
        kind=IntTuple(), answer=_answer6,
        mistakes=[
            Mistake(lambda P: _answer6(P, flip=False), "Your kernel does not reverse q6: Conv1d slides q6 over "
                    "the resized input, while a transposed convolution drops copies of its kernel; the two run "
                    "in opposite directions."),
            Mistake(lambda P: _answer6(P, pad="same"), "Your padding is the Conv1d's own P6, which adds zeros; a "
                    "transposed convolution's padding crops units from its full output. Find which unit of the "
                    "full output is the Conv1d's first output unit."),
            Mistake(lambda P: _answer6(P, pad="merged"), "Your crop counts the whole merged kernel. Does the "
                    "resize make the Conv1d's output start before the first input sample? Line up the first "
                    "output unit of both versions on a short input."),
            Mistake(lambda P: _answer6(P, kernel="taps"), "That kernel leaves out the resize: repeating each "
                    "sample s6 times is itself a convolution with s6 ones, after zero insertion."),
            Mistake(lambda P: _answer6(P, kernel="stuffed"), "Nearest-neighbour resizing repeats samples; it does "
                    "not put zeros between them."),
        ],
        checks=[Check("len(answer) == s6 + len(q6)", "fixed6 is the padding p followed by every tap of the "
                      "shortest w: its length is not right. Count the taps of w again (and check that p comes first)."),
                Check("answer[0] >= 0", "The padding is 0 or more.")],
        hint="Write the resize as zero insertion followed by a convolution with s6 ones, then merge the two "
             "convolutions that follow the zero insertion into one kernel; mind which of them slides and which "
             "drops copies, and compare the lengths to find the crop.",
    ),
    Question(
        id="ex10.7", name="icnr", title="An ICNR initialiser for either channel order", points=4,
        kind=Function(result=Matrix(), time_limit=5.0), reference=icnr,
        examples=[EXAMPLE7_CRD, EXAMPLE7_DCR, EXAMPLE7_ONE, EXAMPLE7_THREE],
        hidden=[
            HiddenGroup("CRD (PyTorch's pixel_shuffle), several channels, r = 2",
                        draw=lambda rng: (_draw_base(rng, rng.randint(2, 4), rng.randint(2, 6)), 2, "CRD"),
                        example=EXAMPLE7_CRD, cases=[([[0, 1], [2, 3], [4, 5]], 2, "CRD")]),
            HiddenGroup("DCR (TensorFlow's depth_to_space), several channels, r = 2",
                        draw=lambda rng: (_draw_base(rng, rng.randint(2, 4), rng.randint(2, 6)), 2, "DCR"),
                        example=EXAMPLE7_DCR, cases=[([[0, 1], [2, 3], [4, 5]], 2, "DCR")]),
            HiddenGroup("one channel (both orders agree), r = 2 to 4",
                        draw=lambda rng: (_draw_base(rng, 1, rng.randint(2, 6)), rng.randint(2, 4),
                                          rng.choice(["CRD", "DCR"])),
                        example=EXAMPLE7_ONE, cases=[([[5, -1, 2]], 4, "DCR")]),
            HiddenGroup("several channels, r = 3 or 4, either order",
                        draw=lambda rng: (_draw_base(rng, rng.randint(2, 3), rng.randint(1, 5)), rng.randint(3, 4),
                                          rng.choice(["CRD", "DCR"])),
                        example=EXAMPLE7_THREE, cases=[([[1, 2, 3], [0, -1, 1]], 3, "CRD")]),
        ],
        hint="Check the shape first: C·r² kernels for every r, not only r = 2. Then test both orders on a base of "
             "two rows: convolve a small input with its weight, "
             "apply course_lib.numeric.pixel_shuffle with that order, and compare with the base convolution's "
             "output upsampled by nearest neighbour. For the order that fails, take one output map c and one "
             "position (i, j) of the r×r block: which channel does that order read there?",
    ),
    Question(
        id="ex10.8", name="claims8", title="Checkerboard artifacts: which claims are true?", points=2, kind=CLAIMS8,
        answer=lambda P: _claims8(),
        hint="Test each claim on a case small enough to compute with course_lib.numeric; several state a "
             "condition that is enough for equal counts as if it were enough for equal values, or the reverse.",
    ),
    Question(
        id="ex10.9", name="block9", title="A PyTorch ICNR weight in TensorFlow's depth_to_space", points=2,
        kind=Matrix(), answer=_answer9,
        mistakes=[
            Mistake(lambda P: [[P["v9"][P["c9"]]] * P["r9"]] * P["r9"], "That is what PyTorch's pixel_shuffle "
                    "gives with this weight (or what a tiled weight would give): repeat_interleave repeats each kernel in "
                    "place, and depth_to_space reads the channels in another order than pixel_shuffle."),
            Mistake(lambda P: _answer9(P, transpose=True), "Rows and columns are swapped: within a block, the "
                    "position (i, j) counts i·r9 + j, row first."),
            Mistake(lambda P: _answer9(P, read="torch", built="tf"), "That is the opposite port: a "
                    "TensorFlow-style (tiled) ICNR weight read by PyTorch's pixel_shuffle."),
        ],
        checks=[Check("len(answer) == r9 and all(len(row) == r9 for row in answer)",
                      "Give the r9 × r9 block of one output channel.")],
        hint="First write down the value each of the C9·r9² convolution channels holds, then read output channel "
             "c9's block through depth_to_space's channel order (course_lib.frameworks.PIXEL_SHUFFLE_ORDERS).",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex10", notebook="10_checkerboard_artifacts.ipynb", title="Checkerboard artifacts",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
