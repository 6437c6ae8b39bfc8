"""Exercise set ex05 — transposed convolution (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib's math modules
(framework behaviour with course_lib.frameworks, which `make crosscheck` verifies against the
frameworks), in the grader's process. Questions: ex05.1 a scatter implementation (hidden inputs);
ex05.2 the emulating input along one axis as a 0/1 mask; ex05.3 an output by hand; ex05.4 every
(padding, output_padding) pair PyTorch accepts for a target size; ex05.5 the error in
p′ = k − 1 − 2p; ex05.6 which input sizes come back; ex05.7 a dilated layer's reach, p′ and output
length; ex05.8 the useful share of zero insertion; ex05.9 what output_padding adds; ex05.10 the
rotated kernel; ex05.11 true claims (a pool of two versions, parameter ``version11``); ex05.12 what PyTorch, Keras and TensorFlow do with one
layer; ex05.13 find and fix the bugs of an emulation (hidden inputs); ex05.14 one output map of
a grouped ConvTranspose2d from PyTorch's weight tensor.

Every variant, defaults included, separates each declared mistake from the answer and from the
other mistakes: ``generate`` draws each question's numbers once, from ranges (or small tables of
settings) in which every tested idea shows, so that ``ExerciseSet.draw`` has (almost) nothing to
redraw, and the defaults avoid
the degenerate numbers of the guide's figures (no p′ = 0 where p′ is tested, no a = 1 = p where
output_padding and the +1 are, no stride 1 where stretching is).
"""

import functools
from fractions import Fraction

import numpy as np

from course_lib import frameworks
from course_lib.arithmetic import conv_output_size, transposed_equivalent
from course_lib.grading.kinds import Choice, Function, Int, IntTuple, Matrix, Number
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question, QuestionPool
from course_lib.numeric import conv1d, conv_transpose1d, conv_transpose2d

DEFAULTS = {
    "i2": 13, "k2": 5, "s2": 3, "p2": 1,
    "y3": [[1, 2], [3, 4]], "w3": [[1, 2, 0], [0, 1, -1], [3, 0, 1]], "s3": 2, "p3": 1, "a3": 1,
    "i4": 7, "k4": 6, "s4": 3, "o4": 20,
    "i5": 13, "k5": 6, "s5": 3, "p5": 2,
    "k6": 5, "s6": 4, "p6": 1, "lo6": 10, "hi6": 18,            # not d2l's layer, which lesson 05 sweeps
    "i7": 5, "k7": 4, "s7": 3, "p7": 1, "d7": 2, "a7": 2,
    "i8": 16, "k8": 5, "s8": 2, "t8": 3, "p8": 1,
    "y9": [1, 2, 3], "w9": [1, 2, 3, 4], "s9": 3, "p9": 1, "a9": 2,
    "w10": [[1, 2, 3], [4, 5, 6]],
    "version11": 0,
    "n12": 4, "k12": 4, "s12": 3, "p12": 1, "a12": 2, "o12": 9,
    "y14": [[[1, 2], [0, -1]], [[2, 0], [1, 3]], [[-1, 1], [2, 0]], [[3, -2], [1, 1]]],
    "w14": [[[[1, 0], [2, -1]], [[0, 3], [1, 1]]], [[[2, 1], [0, 1]], [[-1, 2], [3, 0]]],
            [[[1, 1], [-2, 0]], [[2, 0], [1, -1]]], [[[0, 2], [1, 3]], [[1, -2], [0, 2]]]],
    "j14": 2,
}


def _asymmetric_kernel(rng, rows, cols):
    """A kernel that differs from its flips and its transpose, all pairwise (so every mistake shows)."""
    while True:
        g = np.array([[rng.randint(-3, 5) for _ in range(cols)] for _ in range(rows)])
        forms = [g, np.rot90(g, 2), g[::-1], g[:, ::-1]] + ([g.T] if rows == cols else [])
        if len({f.tobytes() for f in forms}) == len(forms):
            return g.tolist()


def _question(qid):
    return next(q for q in QUESTIONS if q.id == qid)


def _draw2(rng):
    # 2p mod s != 0: a differs with and without the padding; the quoted p′ = k − 1 − 2p stays >= 1 and
    # differs from p (k − 1 != 3p), and p′ = p differs from the right p′ = k − 1 − p (k − 1 != 2p)
    s, k, p = rng.choice([(s, k, q) for s in (3, 4) for k in (5, 6, 7) for q in range(1, (k - 2) // 2 + 1)
                          if (2 * q) % s and k - 1 != 3 * q and k - 1 != 2 * q])
    while True:
        i = rng.randint(8, 16)
        if (i + 2 * p - k) % s:                  # a != 0: rounding up and the a zeros both show
            return {"i2": i, "k2": k, "s2": s, "p2": p}


def _draw3(rng):
    # y3[0][1] != y3[1][0]: with a symmetric y3, the transposed output is the output with w3 transposed
    b, c = rng.sample(range(1, 5), 2)
    return {"y3": [[rng.randint(1, 4), b], [c, rng.randint(1, 4)]], "w3": _asymmetric_kernel(rng, 3, 3),
            "s3": 2, "p3": 1, "a3": 1}


def _draw4(rng):
    while True:
        s, i, k = rng.choice([3, 4]), rng.randint(4, 10), rng.randint(3, 6)
        o = i * s + rng.randint(-2, 1)
        D = (i - 1) * s + k - o                  # 2·padding − output_padding
        if D >= 1 and (s == 4 or D % 2 == 0):    # two pairs: output_padding D mod 2 and D mod 2 + 2
            return {"i4": i, "k4": k, "s4": s, "o4": o}


def _draw5(rng):
    # a != 0, p >= 1, quoted p′ != 0, an output >= 1, and the answer i − 2p apart from i, i′ and the
    # other slips: the grid's settings where all of that holds
    return dict(zip(_NAMES5, rng.choice(_question("ex05.5").separating_settings(_NAMES5, _GRID5, DEFAULTS, _keep5))))


_NAMES5 = ("i5", "k5", "s5", "p5")
_GRID5 = (range(7, 15), (4, 5, 6, 7), (2, 3), range(1, 7))


def _keep5(P):
    return P["p5"] <= P["k5"] - 1 and P["k5"] - 1 - 2 * P["p5"] != 0 and P["i5"] - 2 * P["p5"] >= 1


# Layers lesson 05 answers: d2l's (k, s, p) = (5, 3, 2), whose sizes 16-18 it prints, and its check-yourself's.
_LESSON_LAYERS6 = {(5, 3, 2), (4, 3, 1)}


def _draw6(rng):
    while True:
        s = rng.choice([3, 4])
        k = rng.randint(3, 5)
        p = rng.choice([q for q in range(1, k // 2 + 1) if (2 * q) % s] or [1])
        if (k, s, p) not in _LESSON_LAYERS6:
            break
    lo = rng.randint(8, 14)
    return {"k6": k, "s6": s, "p6": p, "lo6": lo, "hi6": lo + rng.randint(6, 8)}


def _draw7(rng):
    # k̂ = d(k − 1) + 1 with (d − 1)(k − 1) >= 2 (the dilation shows) and d(k − 1) != k (reach k and d(k − 1)
    # differ); p′ = p apart from k̂ − p − 1 (k̂ != 2p + 1) and from k − p − 1 (k != 2p + 1); the quoted
    # k̂ − 1 − 2p apart from k − p − 1 ((d − 1)(k − 1) != p) and from p (k̂ != 3p + 1); 1 <= a < max(s, d), as
    # PyTorch requires. Few (d, k, p) pass (k in 4..5): the grid's settings where all of that holds.
    return dict(zip(_NAMES7, rng.choice(_question("ex05.7").separating_settings(_NAMES7, _GRID7, DEFAULTS, _keep7))))


_NAMES7 = ("s7", "d7", "k7", "p7", "i7", "a7")
_GRID7 = ((2, 3), (2, 3), (2, 3, 4, 5), (1, 2), range(3, 9), (1, 2))


def _keep7(P):
    return ((P["d7"] - 1) * (P["k7"] - 1) >= 2 and P["a7"] <= max(P["s7"], P["d7"]) - 1
            and _size7(P) >= 1)


def _draw8(rng):
    # two different strides, p >= 1, and a border that keeps the exact share apart from 1/(s·t), from
    # either stride's share squared and from the scatter's share
    return dict(zip(_NAMES8, rng.choice(_question("ex05.8").separating_settings(_NAMES8, _GRID8, DEFAULTS, _keep8))))


_NAMES8 = ("i8", "k8", "s8", "t8", "p8")
_GRID8 = ((12, 16, 20, 24), (3, 4, 5), (2, 3), (2, 3), (1, 2, 3, 4))


def _keep8(P):
    return P["p8"] <= P["k8"] - 1 and P["s8"] != P["t8"]


def _draw9(rng):
    p, a = rng.choice([(2, 1), (3, 1), (3, 2), (1, 2)])     # a <= p: computed units; a > p: a zero too;
    # p != a, or the full output's last a units would be the added ones
    return {"y9": rng.sample(range(1, 6), 3), "w9": rng.sample(range(1, 7), 4),   # distinct: no unit repeats another
            "s9": 3, "p9": p, "a9": a}


def _draw12(rng):
    n, k, s = rng.randint(3, 7), rng.randint(2, 5), rng.choice([2, 3])
    return {"n12": n, "k12": k, "s12": s, "p12": rng.randint(1, k - 1), "a12": rng.randint(1, s - 1),
            "o12": n * s + rng.randint(-s, 1)}


def generate(rng):
    """One student's parameters."""
    P = {}
    for draw in (_draw2, _draw3, _draw4, _draw5, _draw6, _draw7, _draw8, _draw9):
        P.update(draw(rng))
    P["w10"] = _asymmetric_kernel(rng, rng.randint(2, 3), 3)
    P["version11"] = rng.randrange(2)
    P.update(_draw12(rng))
    P.update(_draw14(rng))
    return P


# --- ex05.1 -----------------------------------------------------------------------------------------

def conv_transpose_scatter(y, w, stride, padding, output_padding):
    """Reference for ex05.1: course_lib's conv_transpose2d (PyTorch semantics), as nested lists."""
    return conv_transpose2d(np.array(y), np.array(w), stride=stride, padding=padding,
                            output_padding=output_padding).tolist()


def _draw(rng, *, stride, padding, extra, rectangular=False, real=False, zeros=False):
    """Random (y, w, stride, padding, output_padding) with a nonempty output.

    ``zeros``: True for output_padding larger than padding, so that some added units lie past the
    full scatter output; False for output_padding <= padding (all added units computed); None for
    either.
    """
    while True:
        s = rng.randint(2, 3) if stride else 1
        p = rng.randint(1, 2) if padding else 0
        a = rng.randint(1, s - 1) if extra and s > 1 else 0
        h = rng.randint(1, 4)
        wd = rng.randint(1, 4) if rectangular else h
        k1 = rng.randint(1, 4)
        k2 = rng.randint(1, 4) if rectangular else k1
        if zeros is not None and zeros != (a > p):
            continue
        if min((h - 1) * s + k1, (wd - 1) * s + k2) - 2 * p >= 1:
            break
    value = (lambda: round(rng.uniform(-2, 2), 2)) if real else (lambda: rng.randint(-3, 3))
    return ([[value() for _ in range(wd)] for _ in range(h)], [[value() for _ in range(k2)] for _ in range(k1)],
            s, p, a)


FIG_47_Y = np.arange(1, 10).reshape(3, 3).tolist()
ONES3 = [[1, 1, 1]] * 3
ONE_TO_NINE = np.arange(1, 10).reshape(3, 3).tolist()
# One public example per hidden group (the fixed hidden cases differ from all of them).
EXAMPLE_UNIT = ([[2, -1], [0, 3]], [[1, 2], [3, 4]], 1, 0, 0)
EXAMPLE_STRIDE = ([[1, 2], [3, 4]], ONES3, 2, 0, 0)
EXAMPLE_COMPUTED = (FIG_47_Y, ONES3, 2, 1, 1)
EXAMPLE_ZEROS = ([[1, 2], [3, 4]], [[1, 2], [3, 4]], 3, 1, 2)   # stride 3: one computed unit, one zero
EXAMPLE_REAL = ([[0.5, -1.5, 2.0], [1.0, 0.0, -0.5]], [[1.0, 1.5, -1.0], [-2.0, 0.5, 2.5]], 2, 1, 1)

# --- value questions -----------------------------------------------------------------------------------


def _mask2(P, *, quoted=False, a_without_p=False, stretched_si=False, ceil=False, direct_p=False):
    """The emulating input along one axis: 1 at a unit of y, 0 at an inserted or padding zero."""
    i, k, s, p = P["i2"], P["k2"], P["s2"], P["p2"]
    if ceil:
        i_prime = -(-(i + 2 * p - k) // s) + 1
    else:
        i_prime = conv_output_size(i, k, s, p)
    stretched = [1 if t % s == 0 else 0 for t in range(s * i_prime if stretched_si else (i_prime - 1) * s + 1)]
    p_prime = k - 1 - 2 * p if quoted else p if direct_p else k - p - 1
    a = (i - k) % s if a_without_p else (i + 2 * p - k) % s
    if p_prime < 0:
        return None
    return tuple([0] * p_prime + stretched + [0] * (p_prime + a))


def _output3(P, *, kernel=None, padding=None, zero_extra=False):
    w = np.array(P["w3"]) if kernel is None else kernel
    out = conv_transpose2d(np.array(P["y3"]), w, stride=P["s3"], padding=P["p3"] if padding is None else padding,
                           output_padding=P["a3"] if padding is None else 0)
    if zero_extra:
        out = out.copy()
        out[-P["a3"]:, :] = 0
        out[:, -P["a3"]:] = 0
    return out.tolist()


def _pairs4(P, *, padding_once=False, refused_too=False):
    """Every (padding, output_padding) with which PyTorch takes i4 to o4 (kernel k4, stride s4).

    ``padding_once``: as if padding cropped p units once; ``refused_too``: also the pairs with an
    output_padding of s4 or more, which PyTorch refuses.
    """
    i, k, s, o = P["i4"], P["k4"], P["s4"], P["o4"]
    full = (i - 1) * s + k
    if padding_once:
        return tuple((full + a - o, a) for a in range(s) if full + a - o >= 0)
    pairs = []
    for a in range(2 * s if refused_too else s):
        for p in range(0, full):
            try:
                length = frameworks.torch_conv_transpose_length(i, k, s, p, a)
            except frameworks.FrameworkRefusal:
                length = (i - 1) * s - 2 * p + k + a if refused_too and a >= s else None
            if length == o:
                pairs.append((p, a))
    return tuple(pairs)


def _quoted5(P, *, a=True, stretch=True, ceil=False):
    """The emulating convolution's output size with the quoted p′ = k − 1 − 2p (or what a slip gives).

    ``ceil``: i′ rounded up, ⌈(i + 2p − k)/s⌉ + 1, rather than down.
    """
    i, k, s, p = P["i5"], P["k5"], P["s5"], P["p5"]
    eq = transposed_equivalent(i, k, s, p)
    i_prime = -(-(i + 2 * p - k) // s) + 1 if ceil else eq.i_prime
    base = i_prime + (i_prime - 1) * (s - 1) if stretch else i_prime
    return base + 2 * (k - 1 - 2 * p) + (eq.a if a else 0) - k + 1


def _restored6(P, *, rule=None):
    k, s, p = P["k6"], P["s6"], P["p6"]
    rule = rule or (lambda i: (i + 2 * p - k) % s == 0)
    return tuple(i for i in range(P["lo6"], P["hi6"] + 1) if rule(i))


def _size7(P, *, k_term=None, two_p=True, extra=True):
    i, k, s, p, d, a = (P[n] for n in ("i7", "k7", "s7", "p7", "d7", "a7"))
    reach = d * (k - 1) + 1 if k_term is None else k_term
    return (i - 1) * s - (2 * p if two_p else p) + reach + (a if extra else 0)


def _dilated7(P, *, undilated=False, no_plus_one=False, undilated_p_prime=False, two_p=True, extra=True,
              p_prime_is_p=False, quoted_p_prime=False):
    """(k̂, p′, output length) of the dilated transposed layer, or what a slip gives.

    ``p_prime_is_p``: PyTorch's padding p taken for the emulating p′; ``quoted_p_prime``: the
    popular p′ = k̂ − 1 − 2p, which subtracts p twice.
    """
    k, p, d = P["k7"], P["p7"], P["d7"]
    reach = k if undilated else d * (k - 1) + (0 if no_plus_one else 1)
    p_prime = (k if undilated_p_prime else reach) - p - 1
    if p_prime_is_p:
        p_prime = p
    if quoted_p_prime:
        p_prime = reach - 1 - 2 * p
    return (reach, p_prime, _size7(P, k_term=reach, two_p=two_p, extra=extra))


def _share_1d(i, k, s, p):
    """Along one axis: the share of the emulating convolution's products whose input is a unit of y."""
    eq = transposed_equivalent(i, k, s, p)
    mark = np.zeros(eq.i_stretched, dtype=int)
    mark[::s] = 1
    padded = np.pad(mark, (eq.p_prime, eq.p_prime + eq.a))
    return Fraction(int(sum(padded[r:r + k].sum() for r in range(i))), i * k)


def _share8(P, *, strides=None):
    """Share of the 2-D emulation's multiplications whose input is a unit of y (exact), with stride s8
    along the rows and t8 along the columns; ``strides`` puts other strides on the two axes."""
    i, k, p = P["i8"], P["k8"], P["p8"]
    rows, cols = strides or (P["s8"], P["t8"])
    return float(_share_1d(i, k, rows, p) * _share_1d(i, k, cols, p))


def _scatter_share8(P):
    """The scatter's products over the emulation's: i′ per axis for each stride, over i²."""
    i, k, p = P["i8"], P["k8"], P["p8"]
    return conv_output_size(i, k, P["s8"], p) * conv_output_size(i, k, P["t8"], p) / i ** 2


def _added9(P, *, source="answer"):
    """(index in the full scatter output or -1 past its end, value) of each unit output_padding adds.

    ``source``: "zeros" (all taken for zeros past the end), "before" (the last a9 units without
    output_padding), "full" (the last a9 units of the full output), "kept" (indices counted in the
    kept output instead of the full one).
    """
    y, w, s, p, a = np.array(P["y9"]), np.array(P["w9"]), P["s9"], P["p9"], P["a9"]
    full = conv_transpose1d(y, w, stride=s).tolist()
    if source == "zeros":
        return ((-1, 0),) * a
    start = {"answer": len(full) - p, "kept": len(full) - p, "before": len(full) - p - a, "full": len(full) - a}[source]
    pairs = []
    for t in range(start, start + a):
        index = t if t < len(full) else -1
        if source == "kept" and index >= 0:
            index -= p
        pairs.append((index, full[t] if t < len(full) else 0))
    return tuple(pairs)


def _frameworks12(P, *, none_as_zero=False, even_kernel_runs=False, tf_flipped=False, padding_once=False):
    """Output lengths of the four layers of ex05.12, 0 where the framework refuses."""
    n, k, s, p, a, o = (P[x] for x in ("n12", "k12", "s12", "p12", "a12", "o12"))

    def refused_as_zero(call):
        try:
            return call()
        except frameworks.FrameworkRefusal:
            return 0

    torch = refused_as_zero(lambda: frameworks.torch_conv_transpose_length(n, k, s, p, a))
    if padding_once and torch:
        torch += p
    explicit = refused_as_zero(lambda: frameworks.keras_conv_transpose_length(n, k, s, "same", output_padding=0))
    if even_kernel_runs and explicit == 0:
        explicit = (n - 1) * s + k % 2
    default = explicit if none_as_zero else frameworks.keras_conv_transpose_length(n, k, s, "same")
    accepted = o in frameworks.tf_conv_transpose_output_sizes(n, k, s, "SAME")
    tf = o if accepted != tf_flipped else 0
    return (torch, default, explicit, tf)


# --- ex05.13 ----------------------------------------------------------------------------------------

BUGGY13 = '''def emulate_transpose(y, w, s, p, a):
    """PyTorch's conv_transpose1d(y, w, stride=s, padding=p, output_padding=a), by zero insertion."""
    y, w = np.asarray(y), np.asarray(w)
    k = len(w)
    stretched = np.zeros(len(y) * s, dtype=np.result_type(y, w))
    stretched[::s] = y
    p_prime = k - 1 - 2 * p
    padded = np.pad(stretched, (p_prime, p_prime + a))
    return np.correlate(padded, w[::-1], mode="valid")'''


def emulate_transpose(y, w, s, p, a):
    """Reference for ex05.13: PyTorch's conv_transpose1d, from course_lib.numeric."""
    return tuple(int(v) for v in conv_transpose1d(np.array(y), np.array(w), stride=s, padding=p, output_padding=a))


def _draw13(rng, *, stride, padding):
    """Random integer (y, w, s, p, a) with 0 <= p <= k - 1 and a nonempty output.

    Without padding a = 0 (output_padding comes with padding only); with stride and padding
    1 <= a < s.
    """
    while True:
        s = rng.randint(2, 3) if stride else 1
        k = rng.randint(2, 5)
        p = rng.randint(1, k - 1) if padding else 0
        a = rng.randint(1, s - 1) if stride and padding else 0
        y = tuple(rng.randint(-4, 4) for _ in range(rng.randint(1, 6)))
        if (len(y) - 1) * s + k - 2 * p + a >= 1:
            return (y, tuple(rng.randint(-4, 4) for _ in range(k)), s, p, a)


# One public example per hidden group. The strided ones have output_padding != s − 1: with a = s − 1 the
# buggy stretch's s − 1 trailing zeros stand in for the a zeros, so a "fix" that keeps len(y)·s and
# drops + a would pass them.
EXAMPLE13_PADDING = ((1, 2, 3), (1, -1, 2), 1, 1, 0)
EXAMPLE13_STRIDE = ((2, -1), (1, 2, 3), 2, 0, 0)
EXAMPLE13_BOTH = ((1, 0, 2), (3, 1, -2, 1), 3, 2, 1)

# --- ex05.14 ----------------------------------------------------------------------------------------

GROUPS14, STRIDE14 = 2, 2     # nn.ConvTranspose2d(4, 4, kernel_size=2, stride=2, groups=2, bias=False)


def _kernel14(w, layout, c, c_local, j, j_local):
    """The kernel that meets input map c on its way to output map j, read in a layout of WEIGHT_LAYOUTS.

    A grouped layer's weight has its first axis over all maps of one side and its second over the maps of
    one group of the other side: PyTorch's ConvTranspose2d (IOHW) is (C_in, C_out/groups, k, k), its
    Conv2d (OIHW) is (C_out, C_in/groups, k, k).
    """
    return w[c, j_local] if layout[:2] == "IO" else w[j, c_local]


def _map14(P, *, layout=None, maps="group", interleaved=False, rotate=False):
    """Output map j14 of the grouped transposed layer, or what a slip gives.

    ``layout``: the weight read in another layout (Conv2d's); ``maps``: "group" (the input maps of
    j14's group), "all" (groups ignored) or an index within the group (only that input map);
    ``interleaved``: groups taken as every groups-th map rather than contiguous blocks;
    ``rotate``: each kernel rotated by 180° as the emulating convolution uses it.
    """
    y, w, j = np.array(P["y14"]), np.array(P["w14"]), P["j14"]
    layout = layout or frameworks.WEIGHT_LAYOUTS["pytorch", "conv_transpose"]
    per_in, per_out = len(y) // GROUPS14, w.shape[1]
    if interleaved:  # group g holds the maps g, g + groups, g + 2·groups, ... on both sides
        group, j_local = j % GROUPS14, j // GROUPS14
        members = list(range(group, len(y), GROUPS14))
    else:
        group, j_local = divmod(j, per_out)
        members = list(range(group * per_in, (group + 1) * per_in))
    chosen = {"group": members, "all": range(len(y))}.get(maps)
    if chosen is None:
        chosen = [members[maps]]
    out = 0
    for c in chosen:
        kernel = _kernel14(w, layout, c, c // GROUPS14 if interleaved else c % per_in, j, j_local)
        out = out + conv_transpose2d(y[c], np.rot90(kernel, 2) if rotate else kernel, stride=STRIDE14)
    return np.asarray(out).tolist()


_SLIPS14 = (dict(layout=frameworks.WEIGHT_LAYOUTS["pytorch", "conv"]), dict(maps="all"), dict(maps=0),
            dict(maps=1), dict(interleaved=True), dict(rotate=True))


def _draw14(rng):
    # j14 in 1..2: output maps 0 and 3 belong to the same group whether groups are blocks or interleaved.
    # Small random integers make two slips agree in about 0.4 % of draws; ExerciseSet.draw redraws those.
    return {"y14": [[[rng.randint(-2, 3) for _ in range(2)] for _ in range(2)] for _ in range(4)],
            "w14": [[[[rng.randint(-2, 3) for _ in range(2)] for _ in range(2)] for _ in range(2)] for _ in range(4)],
            "j14": rng.choice([1, 2])}


# --- ex05.11 ----------------------------------------------------------------------------------------

CLAIMS11_V0 = Choice(
    (
        "PyTorch's `ConvTranspose2d(padding=p)` takes the direct convolution's p: it crops p units from "
        "each side of the full scatter output.",
        "A transposed convolution with the same kernel, stride and padding as a convolution gives back "
        "that convolution's input size, whatever the input size.",
        "The emulating direct convolution pads each side with p′ = k − 1 − 2p zeros.",
        "Without bias, the units `output_padding` adds are computed scatter outputs while "
        "output_padding ≤ padding, and zeros where they lie past the end of the full scatter output.",
        "Emulating with the kernel as it is (not rotated) gives the right values whenever the kernel is "
        "symmetric, w = wᵀ.",
        "A transposed convolution with the convolution's own weights undoes it: it gives back the input's "
        "values, not only its shape.",
        "JAX's `lax.conv_transpose` without `transpose_kernel=True` slides the kernel as given over the "
        "zero-stretched input, so for most kernels its result is not PyTorch's transposed convolution.",
    ),
    option_hints={
        "A": "In the scatter view, what does PyTorch's padding do to the full output: add zeros, or remove units?",
        "B": "d2l checks this on one 16×16 input. Take its layer (or k = 3, s = 2, p = 1) and compute the "
             "direct and then the transposed size for the input sizes next to it.",
        "C": "Build a small emulation (k = 3, p = 1, stride 2) and count the zeros each side needs for its "
             "first output to be the transposed layer's first unit.",
        "D": "Place the added units in the full scatter output: inside it they hold sums of kernel copies, past "
             "its end nothing was scattered.",
        "E": "Take a 2×2 kernel with w = wᵀ, such as [[1, 2], [2, 3]], and rotate it by 180°: which kernel "
             "do you get, and what does w = wᵀ say about it?",
        "F": "Try a 1-D convolution and its transpose with the same kernel (say [1, 2], stride 1) on an input "
             "of three units: compare what comes back with the input.",
        "G": "Recall what the lesson recorded from JAX: does it insert zeros, and when does it rotate the kernel?",
    },
)

CLAIMS11_V1 = Choice(
    (
        "For a 1-D convolution (PyTorch's `conv1d`) with kernel w of k taps, stride s and padding p that maps i "
        "units to i′, and PyTorch's transposed convolution with the same w, s, p and output_padding "
        "a = (i + 2p − k) mod s: ⟨conv(x), y⟩ = ⟨x, conv_transpose(y)⟩ for every x of i units and every y of "
        "i′ units.",
        "With output_padding=0, `ConvTranspose1d(1, 1, kernel_size=k, stride=s, padding=p)` returns s times as "
        "many units as it receives, whatever k and p.",
        "In the full scatter output (before padding crops it), unit t receives products only with kernel taps "
        "w[m] whose index m leaves the same remainder as t when divided by s.",
        "When the kernel is larger than the stride (k > s), every unit of the full scatter output at least k − 1 "
        "units from both of its ends receives the same number of kernel copies.",
        "When k is a multiple of s, every unit of the full scatter output at least k − 1 units from both of its "
        "ends receives exactly k/s kernel copies.",
        "The emulating direct convolution pads the stretched input with PyTorch's own padding p on each side "
        "(p′ = p, plus the a extra zeros at the end), whatever the kernel size.",
        "With a kernel smaller than the stride (k < s), an input of at least two units and no bias, some units "
        "of the full scatter output are zero whatever the values of the input and the kernel.",
    ),
    option_hints={
        "A": "Lesson 04 wrote the convolution as a matrix C. Which matrix does the transposed convolution apply, "
             "and what does that say about ⟨Cx, y⟩? Try random x and y.",
        "B": "Compute the output length for an input of 4 units, stride 2, output_padding=0 and a few kernels "
             "and paddings (k = 2, p = 0; k = 3, p = 0; k = 3, p = 1), and compare each with 4·2.",
        "C": "In the scatter, y[j]'s copy of w starts at unit j·s: which tap of that copy lands on unit t?",
        "D": "Scatter an input of ones with a kernel of ones, for k = 3 and s = 2, then for k = 5 and s = 2: "
             "count the copies that reach each unit far from both ends.",
        "E": "Count the copies that reach one unit far from both ends, for k = 4 and s = 2, then for k = 6 and "
             "s = 3.",
        "F": "Emulate a small layer with p′ = p, e.g. y = [1, 1], k = 3, s = 2, p = 0: stretch, pad, slide the "
             "rotated kernel, and compare the length and values with the transposed layer's.",
        "G": "Place the copies of a one-tap kernel with stride 2 along the full output: what lies between them?",
    },
)

@functools.cache
def _claims11_v1() -> tuple:
    """The true claims of ex05.11's version 1, each decided by a sweep over small layers."""
    rng = np.random.default_rng(seed=511)  # ex05.11
    layers = [(i, k, s, p) for i in range(3, 10) for k in range(1, 7) for s in (1, 2, 3) for p in range(k)
              if k <= i + 2 * p]

    def tconv(y, w, s, p=0, a=0):
        return conv_transpose1d(np.asarray(y, float), np.asarray(w, float), stride=s, padding=p, output_padding=a)

    def adjoint(i, k, s, p):  # A: <conv x, y> = <x, conv_transpose y> with a = (i + 2p - k) mod s
        x, w, y = rng.normal(size=i), rng.normal(size=k), rng.normal(size=conv_output_size(i, k, s, p))
        return np.isclose(conv1d(x, w, stride=s, padding=p) @ y, x @ tconv(y, w, s, p, (i + 2 * p - k) % s))

    def copies(k, s):  # how many kernel copies reach each unit at least k - 1 from both ends
        full = tconv(np.ones(6), np.ones(k), s)
        return set(full[k - 1:len(full) - (k - 1)])

    def emulated_with_p(i, k, s, p):  # F: stretch, pad p (+ a at the end), slide the rotated kernel
        y, w = rng.normal(size=conv_output_size(i, k, s, p)), rng.normal(size=k)
        extra = (i + 2 * p - k) % s  # output_padding
        stretched = np.pad(tconv(y, [1.0], s), (p, p + extra))
        emulation = np.correlate(stretched, w[::-1], "valid")
        return len(emulation) == i and np.allclose(emulation, tconv(y, w, s, p, extra))

    truths = {
        "A": all(adjoint(*layer) for layer in layers),
        "B": all(len(tconv(np.ones(n), np.ones(k), s, p)) == n * s
                 for n in range(2, 6) for k in range(1, 6) for s in (2, 3) for p in range(k)),
        "C": all((np.flatnonzero(tconv(np.eye(n)[j], np.eye(k)[m], s)) % s == m % s).all()
                 for n in range(1, 5) for k in range(1, 6) for s in (1, 2, 3) for j in range(n) for m in range(k)),
        "D": all(len(copies(k, s)) == 1 for k in range(2, 10) for s in (2, 3) if k > s),
        "E": all(copies(k, s) == {k // s} for k in range(2, 10) for s in (2, 3) if k % s == 0),
        "F": all(emulated_with_p(*layer) for layer in layers),
        "G": all((tconv(np.ones(n), np.ones(k), s) == 0).any()
                 for n in range(2, 6) for k in range(1, 6) for s in range(k + 1, 7)),
    }
    return tuple(letter for letter, true in truths.items() if true)

HINT11 = ("Test each claim on a case small enough to compute, as the lesson's cells do; several of them are true "
          "only under a condition the claim leaves out.")

QUESTIONS = [
    Question(
        id="ex05.1", name="conv_transpose_scatter", title="A transposed convolution by scatter", points=4,
        kind=Function(result=Matrix(), time_limit=5.0),
        reference=conv_transpose_scatter,
        examples=[EXAMPLE_COMPUTED, EXAMPLE_STRIDE, ([[1]], ONE_TO_NINE, 2, 1, 1), EXAMPLE_UNIT, EXAMPLE_ZEROS,
                  EXAMPLE_REAL],
        hidden=[
            HiddenGroup("unit stride, no padding", cases=[([[1, 2], [3, 4]], [[1, -1], [2, 0]], 1, 0, 0)],
                        draw=lambda rng: _draw(rng, stride=False, padding=False, extra=False),
                        example=EXAMPLE_UNIT),
            HiddenGroup("strides 2 and 3", cases=[([[1, -2, 3]], [[1, 2, 3]], 3, 0, 0),
                                                  (FIG_47_Y, ONE_TO_NINE, 2, 0, 0)],
                        draw=lambda rng: _draw(rng, stride=True, padding=False, extra=False),
                        example=EXAMPLE_STRIDE),
            HiddenGroup("strides, padding and output_padding <= padding (computed units)",
                        cases=[(FIG_47_Y, ONE_TO_NINE, 2, 1, 1), ([[2, 1], [0, 3]], ONE_TO_NINE, 3, 2, 2)],
                        draw=lambda rng: _draw(rng, stride=True, padding=True, extra=True),
                        example=EXAMPLE_COMPUTED),
            HiddenGroup("output_padding > padding (zeros past the full output)",
                        cases=[([[1, 1], [1, 1]], ONE_TO_NINE, 2, 0, 1), ([[1, 2, 3]], [[1, 2]], 3, 0, 2),
                               ([[1, 2], [3, 4]], ONE_TO_NINE, 3, 1, 2)],
                        draw=lambda rng: _draw(rng, stride=True, padding=rng.random() < 0.5, extra=True, zeros=True),
                        example=EXAMPLE_ZEROS),
            HiddenGroup("real values, rectangular inputs and kernels", draw=lambda rng: _draw(
                rng, stride=rng.random() < 0.7, padding=rng.random() < 0.5, extra=rng.random() < 0.5,
                rectangular=True, real=True, zeros=None), example=EXAMPLE_REAL),
        ],
        hint="Work one small case by hand first (a 1×2 input and a 1×2 kernel, stride 2) and compare your function "
             "with it step by step: the full output's size, where each weighted copy of w starts and which way it "
             "faces, which units padding removes at each end, and which output_padding adds back. Then try a "
             "rectangular input and kernel with fractional values.",
    ),
    Question(
        id="ex05.2", name="mask2", title="The emulating input along one axis", points=2,
        kind=IntTuple(), answer=_mask2,
        mistakes=[
            Mistake(lambda P: _mask2(P, quoted=True), "Your padding subtracts p twice (p′ = k − 1 − 2p): the "
                    "emulating padding loses one p per side, p′ = k − p − 1."),
            Mistake(lambda P: _mask2(P, direct_p=True), "Your padding is the direct convolution's own p. The "
                    "emulating convolution's padding is another number: how many zeros must its first window "
                    "see before the first unit of y, so that its first output is the transposed layer's first "
                    "unit (the one left after p is cropped)?"),
            Mistake(lambda P: _mask2(P, a_without_p=True), "Your trailing a zeros leave out the padding: a is "
                    "what the direct convolution's floor dropped from i + 2p − k, not from i − k."),
            Mistake(lambda P: _mask2(P, stretched_si=True), "s − 1 zeros go *between* neighbouring units only, "
                    "not after the last one: the stretched input has i′ + (i′ − 1)(s − 1) units."),
            Mistake(lambda P: _mask2(P, ceil=True), "One unit of y too many: i′ is the direct convolution's "
                    "output size, which rounds (i + 2p − k)/s down, not up."),
        ],
        checks=[Check("all(v in (0, 1) for v in answer)", "Write 1 for a unit of y and 0 for every zero."),
                Check("len(answer) == i2 + k2 - 1",
                      "Your mask has the wrong length for an input from which a unit-stride convolution with k2 "
                      "taps gives back i2 units. Count each part again: the zeros between the units of y, the "
                      "padding on each side, and the a extra zeros at the end.")],
        hint="Start from i′, the number of units of y. Then build the axis from left to right: the padding "
             "zeros, the units of y with the inserted zeros between them, the padding zeros again and the a "
             "extra zeros at the end.",
    ),
    Question(
        id="ex05.3", name="out3", title="A transposed output predicted by hand", points=2, kind=Matrix(),
        answer=_output3,
        mistakes=[
            Mistake(lambda P: _output3(P, kernel=np.rot90(np.array(P["w3"]), 2)), "You rotated the kernel: the "
                    "scatter adds copies of w as it is; only the emulating direct convolution rotates it."),
            Mistake(lambda P: _output3(P, padding=0), "That is the full scatter output: padding p3 crops p3 "
                    "units from each side, and output_padding gives a3 back at the end."),
            Mistake(lambda P: _output3(P, zero_extra=True), "The output_padding row and column are computed "
                    "values here (a3 <= p3): they are scatter outputs the crop had removed, not zeros."),
            Mistake(lambda P: np.array(_output3(P)).T.tolist(), "Your matrix is transposed: y3[r, c]'s copy "
                    "starts at row r·s3, column c·s3 of the full output."),
            Mistake(lambda P: _output3(P, kernel=np.array(P["w3"]).T), "You transposed the kernel: the copy of w3 "
                    "keeps its rows as rows, so w3[m, n] lands m rows below and n columns right of where the copy "
                    "starts."),
        ],
        checks=[Check("len(answer) == (len(y3) - 1) * s3 - 2 * p3 + len(w3) + a3",
                      "Your matrix should have (i′ − 1)s − 2p + k + output_padding rows.")],
        hint="Scatter first: each unit of y3 adds a weighted copy of w3 into the full output, at a place its "
             "row, its column and the stride decide. Then see which rows and columns padding removes and which "
             "output_padding gives back.",
    ),
    Question(
        id="ex05.4", name="pairs4", title="Every padding and output_padding for a target size", points=2,
        kind=IntTuple(item_length=2, unordered=True), answer=_pairs4,
        mistakes=[
            Mistake(lambda P: _pairs4(P)[:1], "That pair works, but it is not the only one: PyTorch accepts any "
                    "output_padding below the stride, and a larger padding with a larger output_padding reaches "
                    "o4 too."),
            Mistake(lambda P: tuple((P["k4"] - p - 1, a) for p, a in _pairs4(P)), "Those paddings are "
                    "p′ = k − p − 1, the emulating convolution's; PyTorch's padding is the direct convolution's "
                    "p, which crops the output."),
            Mistake(lambda P: _pairs4(P, refused_too=True), "Your list holds a pair whose output_padding is not "
                    "below the stride: PyTorch refuses it."),
            Mistake(lambda P: _pairs4(P, padding_once=True), "padding crops p units from *each* side: it "
                    "removes 2p units, not p."),
        ],
        checks=[Check("all(p >= 0 and 0 <= a < s4 for p, a in answer)",
                      "PyTorch needs padding >= 0 and 0 <= output_padding < s4 (the stride).")],
        hint="Write PyTorch's output length with padding and output_padding as the unknowns. Which values may "
             "output_padding take, and for each of them, is there a whole padding >= 0 that gives o4?",
    ),
    Question(
        id="ex05.5", name="quoted5", title="Spot the error: p′ = k − 1 − 2p", points=2, kind=Int(),
        answer=_quoted5,
        mistakes=[
            Mistake(lambda P: P["i5"], "That is what the correct p′ = k − p − 1 gives back (i5); the question asks "
                    "what the quoted formula's p′ gives."),
            Mistake(lambda P: _quoted5(P, ceil=True), "Your i′ is one too large: the direct convolution's output "
                    "size rounds (i + 2p − k)/s down, not up."),
            Mistake(lambda P: _quoted5(P, a=False), "You left out the a extra zeros at the bottom/right."),
            Mistake(lambda P: _quoted5(P, stretch=False), "The emulating input is the stretched ĩ′ (zeros "
                    "between units), not i′."),
            Mistake(lambda P: transposed_equivalent(P["i5"], P["k5"], P["s5"], P["p5"]).i_prime, "That is i′, the "
                    "transposed layer's input size; the question asks for the output size of the emulating "
                    "convolution built with the quoted p′."),
        ],
        checks=[Check("answer < i5", "The quoted p′ is smaller than the correct one, so less comes back than i5.")],
        hint="Build the emulating convolution as the lesson does, with the quoted p′ in place of k − p − 1. It "
             "runs at stride 1, so its output size follows from the length of its padded input and k5.",
    ),
    Question(
        id="ex05.6", name="restored6", title="Which input sizes come back?", points=2,
        kind=IntTuple(unordered=True), answer=_restored6,
        mistakes=[
            Mistake(lambda P: tuple(range(P["lo6"], P["hi6"] + 1)), "That is the popular claim that the same "
                    "settings always restore the size: several input sizes share one output size, and the "
                    "transposed layer returns only one of them."),
            Mistake(lambda P: _restored6(P, rule=lambda i: (i - P["k6"]) % P["s6"] == 0),
                    "You left out the padding: the remainder that decides is the one of i + 2p − k, not i − k."),
            Mistake(lambda P: _restored6(P, rule=lambda i: (i + 2 * P["p6"] - P["k6"]) % P["s6"] != 0),
                    "Reversed: the size comes back when the direct convolution drops nothing."),
        ],
        checks=[Check("all(lo6 <= i <= hi6 for i in answer)", "List sizes between lo6 and hi6 only.")],
        hint="Going forward, several input sizes share one output size (the floor). Coming back with "
             "output_padding 0, the transposed layer can return only one of them: which one?",
    ),
    Question(
        id="ex05.7", name="dilated7", title="A dilated transposed layer: reach, p′ and output length", points=1,
        kind=IntTuple(length=3), answer=_dilated7,
        mistakes=[
            Mistake(lambda P: _dilated7(P, undilated=True), "You ignored the dilation: the kernel's taps are d "
                    "apart, so it reaches d(k − 1) + 1 units."),
            Mistake(lambda P: _dilated7(P, no_plus_one=True), "You forgot the +1: a dilated kernel spans "
                    "d(k − 1) + 1 units (count the taps, not the gaps)."),
            Mistake(lambda P: _dilated7(P, undilated_p_prime=True), "Your p′ is the undilated k − p − 1: the "
                    "emulating padding must let the kernel's whole reach k̂ hang over the edge, p′ = k̂ − p − 1."),
            Mistake(lambda P: _dilated7(P, two_p=False), "padding crops from both sides: subtract 2p."),
            Mistake(lambda P: _dilated7(P, extra=False), "You left out output_padding, added at the end."),
            Mistake(lambda P: _dilated7(P, p_prime_is_p=True), "Your p′ is PyTorch's padding p7, the direct "
                    "convolution's; the emulating convolution pads its stretched input by another amount, which "
                    "depends on the reach."),
            Mistake(lambda P: _dilated7(P, quoted_p_prime=True), "Your p′ subtracts p twice (k̂ − 1 − 2p): 2p is "
                    "what padding removes from the output over both sides; each side of the emulating input "
                    "loses one p."),
        ],
        checks=[Check("answer[0] >= k7", "A dilated kernel reaches at least as many units as it has taps (k7).")],
        hint="Count the units a dilated kernel covers first; everything else (the emulating padding, the full "
             "scatter output before padding crops it) follows from that reach as in the undilated case.",
    ),
    Question(
        id="ex05.8", name="share8", title="How many multiplications are useful, with two strides?", points=2,
        kind=Number(rel_tol=5e-3), answer=_share8,
        mistakes=[
            Mistake(lambda P: 1 / (P["s8"] * P["t8"]), "1/(s8·t8) is the limit for large inputs; count this input "
                    "exactly (the border rows and columns change it)."),
            Mistake(lambda P: _share8(P, strides=(P["s8"], P["s8"])), "You used the row stride s8 along both axes: "
                    "the columns are stretched by t8."),
            Mistake(lambda P: _share8(P, strides=(P["t8"], P["t8"])), "You used the column stride t8 along both "
                    "axes: the rows are stretched by s8."),
            Mistake(_scatter_share8, "That counts every product of the scatter, including the ones that land in "
                    "the cropped border; count the emulating convolution's products that read a unit of y."),
        ],
        checks=[Check("0 < answer <= 1", "A share lies between 0 and 1.")],
        hint="Count along one axis first: for each output position, how many of the kernel's taps fall on a unit "
             "of y rather than on an inserted zero or padding? A product in 2-D is useful only when both its row "
             "and its column are, and the two axes have different strides here.",
    ),
    Question(
        id="ex05.9", name="added9", title="What output_padding adds, and where it comes from", points=2,
        kind=IntTuple(item_length=2), answer=_added9,
        mistakes=[
            Mistake(lambda P: _added9(P, source="zeros"),
                    "Not all of them lie past the full output: the first min(a9, p9) added units are inside it "
                    "(the crop had removed them), so they are computed values; only units past its end are zeros."),
            Mistake(lambda P: _added9(P, source="before"),
                    "Those are the last units without output_padding; output_padding adds units after them."),
            Mistake(lambda P: _added9(P, source="full"),
                    "Those are the last a9 units of the full scatter output, but the kept output does not end "
                    "where the full output ends: it starts p9 units in and is 2·p9 − a9 units shorter, so its end "
                    "lies p9 − a9 units before the full output's end (past it when a9 > p9)."),
            Mistake(lambda P: _added9(P, source="kept"),
                    "Those indices count from the start of the kept output; give each unit's index in the full "
                    "scatter output, which starts p9 units earlier."),
        ],
        checks=[Check("len(answer) == a9", "output_padding adds a9 units.")],
        hint="Locate the added units in the full scatter output: the kept output starts p9 units in and has "
             "o units. Do the added units fall inside the full output, or past its end?",
    ),
    Question(
        id="ex05.10", name="kernel10", title="The emulating convolution's kernel", points=1, kind=Matrix(),
        answer=lambda P: np.rot90(np.array(P["w10"]), 2).tolist(),
        mistakes=[
            Mistake(lambda P: P["w10"], "That is the unflipped kernel: the emulating direct convolution uses it "
                    "rotated by 180°."),
            Mistake(lambda P: np.array(P["w10"]).T.tolist(), "A transpose swaps rows and columns; the emulating "
                    "kernel reverses both axes (a 180° rotation)."),
            Mistake(lambda P: np.array(P["w10"])[::-1].tolist(), "You flipped only the rows: reverse both axes."),
            Mistake(lambda P: np.array(P["w10"])[:, ::-1].tolist(), "You flipped only the columns: reverse both axes."),
        ],
        checks=[Check("len(answer) == len(w10) and len(answer[0]) == len(w10[0])", "The kernel keeps its shape.")],
        hint="In the scatter, weight w[m, n] lands m rows below and n columns right of its input unit; read "
             "from an output unit, which input meets w[0, 0]?",
    ),
    QuestionPool("version11", [
        Question(id="ex05.11", name="claims11", title="Which claims are true?", points=2, kind=CLAIMS11_V0,
                 answer=lambda P: ("A", "D", "G"), hint=HINT11),
        Question(id="ex05.11", name="claims11", title="Which claims are true?", points=2, kind=CLAIMS11_V1,
                 answer=lambda P: _claims11_v1(), hint=HINT11),
    ]),
    Question(
        id="ex05.12", name="lengths12", title="What PyTorch, Keras and TensorFlow do with one layer", points=2,
        kind=IntTuple(length=4), answer=_frameworks12,
        mistakes=[
            Mistake(lambda P: _frameworks12(P, none_as_zero=True), "Keras's default output_padding=None is not "
                    "output_padding=0: with None, 'same' gives n12·s12 units."),
            Mistake(lambda P: _frameworks12(P, even_kernel_runs=True) if P["k12"] % 2 == 0 else None,
                    "Check item 3 again: which output lengths does TensorFlow's conv_transpose accept for 'SAME' "
                    "with stride s12 from n12 units, and is the length Keras computes for 'same' with an even "
                    "kernel and output_padding=0 one of them?"),
            Mistake(lambda P: _frameworks12(P, tf_flipped=True), "TensorFlow accepts exactly the output_shape "
                    "lengths that its own 'SAME' convolution with stride s12 maps back to n12 units; check o12 "
                    "against that."),
            Mistake(lambda P: _frameworks12(P, padding_once=True), "PyTorch's padding crops p12 units from each "
                    "side: it removes 2·p12 units."),
        ],
        checks=[Check("all(v >= 0 for v in answer)", "Give a length, or 0 where the framework refuses.")],
        hint="Take each framework's own rule from the lesson's section 9: PyTorch's size rule and its limit on "
             "output_padding, what Keras does with output_padding=None and with an explicit number, and which "
             "output_shape lengths TensorFlow's 'SAME' accepts.",
    ),
    Question(
        id="ex05.13", name="emulate_transpose", title="Find and fix the bugs: an emulation by zero insertion",
        points=2, kind=Function(result=IntTuple(), time_limit=5.0),
        reference=emulate_transpose,
        examples=[EXAMPLE13_PADDING, EXAMPLE13_STRIDE, EXAMPLE13_BOTH],
        hidden=[
            HiddenGroup("unit stride with padding", cases=[((2, -1, 3, 1), (1, 2, 3), 1, 2, 0)],
                        draw=lambda rng: _draw13(rng, stride=False, padding=True), example=EXAMPLE13_PADDING),
            HiddenGroup("strides 2 and 3 without padding or output_padding", cases=[((1, 2, 3), (1, 2, 3), 2, 0, 0)],
                        draw=lambda rng: _draw13(rng, stride=True, padding=False), example=EXAMPLE13_STRIDE),
            HiddenGroup("strides 2 and 3 with padding and output_padding (1 <= output_padding < stride)",
                        cases=[((3, -2, 1), (1, 0, 2), 2, 1, 1), ((1, 1, 1, 1), (2, -1, 1, 3, 1), 3, 4, 2)],
                        draw=lambda rng: _draw13(rng, stride=True, padding=True), example=EXAMPLE13_BOTH),
        ],
        hint="Compare the length of what the function returns with PyTorch's output length, first with s = 1 and "
             "p > 0, then with s > 1 and p = 0: each bug shows on its own in one of the two.",
    ),
    Question(
        id="ex05.14", name="map14", title="One output map of a grouped transposed layer", points=2, kind=Matrix(),
        answer=_map14,
        mistakes=[
            Mistake(lambda P: _map14(P, **_SLIPS14[0]), "You read the weight as Conv2d's, "
                    "(C_out, C_in/groups, k, k). A transposed layer's weight in PyTorch keeps the convolution it "
                    "transposes: which axis counts the input maps there, and which the output maps of one group?"),
            Mistake(lambda P: _map14(P, **_SLIPS14[1]), "Your map adds contributions from all four input maps: with "
                    "groups=2, which input maps can reach an output map at all?"),
            *[Mistake(lambda P, slip=slip: _map14(P, **slip), "Your map holds one input map's contribution only: an "
                      "output map adds the transposed convolutions of several input maps.") for slip in _SLIPS14[2:4]],
            Mistake(lambda P: _map14(P, **_SLIPS14[4]), "Your groups take every second map; PyTorch's groups are "
                    "blocks of neighbouring maps, in order. Which block holds output map j14, and which input maps "
                    "does the same block hold?"),
            Mistake(lambda P: _map14(P, **_SLIPS14[5]), "You rotated the kernels: the scatter adds each kernel as it "
                    "is; only the emulating direct convolution rotates it."),
        ],
        checks=[Check("len(answer) == 4 and all(len(row) == 4 for row in answer)",
                      "One output map of this layer is 4 × 4: (2 − 1)·2 + 2 units per axis.")],
        hint="Find the group output map j14 belongs to and the input maps of that group first. Then read the "
             "weight's axes in the order PyTorch stores a transposed layer's weight (the lesson's section 6): which "
             "index picks the input map, which the output map, and counted over all maps or within a group? Last, "
             "the kernel's own two axes: which one runs down the output's rows?",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex05", notebook="05_transposed_convolution.ipynb", title="Transposed convolution",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
