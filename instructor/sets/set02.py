"""Exercise set ex02 — convolution arithmetic (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib's math
modules, in the grader's process. The questions: Relationships 1-4 (on other numbers than the guide's figures),
a 2-D output shape whose axes differ, overlapping pooling windows (AlexNet's kind), a dilated
output size, the input sizes two identical strided layers round together, the (k, s, p) that map
i to o and read every input unit, o as a SymPy expression, a convolution computed as TensorFlow's
strided "SAME" computes it, "same" padding for an even kernel (frameworks.tf_same_padding), what
the integer rule of CS231n's notes gets wrong, the paddings that hit a target size, the input
pixels a kernel shorter than its stride never reads; then true claims (choice), what TensorFlow
and PyTorch do with strided "same" padding (frameworks.tf_same_padding and torch_same_padding,
checked against the frameworks by ``make crosscheck``), and a placement-counting function with a
bug to find and fix.

Every default separates every declared mistake (``tests/test_variant_separation.py``); where a
guide figure's numbers would let a mistake pass (Figure 2.1's i // k = i - k, Figures 2.6/2.7's equal
axes, Figure 1.5's unit stride, Figure 5.1's zero padding, Figure 1.1's output, which lesson 01 asks),
the question uses other numbers and says so. ``generate`` draws each question's numbers once, from
ranges in which its declared mistakes give distinct answers (about 2 draws in 1,000 still let two
coincide; ``ExerciseSet.draw`` draws those again).
"""

import numpy as np
import sympy

from course_lib import frameworks
from course_lib.arithmetic import conv_output_size, kernel_placements, unread_positions
from course_lib.grading.kinds import Choice, Expression, Function, Int, IntTuple, Matrix
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.numeric import conv1d, conv2d

DEFAULTS = {
    "i1": 9, "k1": 4,                                  # not Figure 2.1, whose i // k equals i - k
    "i2": 5, "k2": 4, "p2": 2,                         # Figure 2.2
    "i3": 5, "k3": 3,                                  # Figures 2.3 and 2.4
    "h4": 7, "w4": 10, "k4": 6, "s4": 2, "p4": 3,      # axes that differ (Figures 2.6/2.7 both give 3), p != k - 1
    "i5": 21, "k5": 4, "s5": 2,                        # overlapping pooling; k - s = 2, one unread unit
    "i6": 7, "k6": 3, "s6": 1, "p6": 2, "d6": 2,       # Figure 5.1, with padding (its p = 0 hides it)
    "i7": 22, "k7": 3, "s7": 2, "p7": 1,               # two halving layers
    "i8": 10, "o8": 4,                                 # (2, 3, 1) skips units, (3, 2, 0) drops the last one
    "x10": [[2, 1, 0, 3, 1], [0, 3, 1, 1, 2], [1, 0, 2, 0, 3], [3, 2, 1, 2, 0], [0, 1, 3, 1, 2]],
    "w10": [[1, 2], [0, -1]], "s10": 2,                # 'SAME' pads 0 before, 1 after
    "i11": 13, "k11": 10,                              # not one of the kernels lesson 02 prints (2 to 8)
    "w12": 19, "f12": 9, "p12": 4, "s12": 5,           # remainder 3 (> s/2, != s - 3) with the padding, 0 without it
    "i13": 224, "k13": 11, "s13": 4, "o13": 56,        # an AlexNet-like stem halved twice
    "i14": 11, "k14": 3, "s14": 4, "p14": 1,           # a kernel shorter than its stride
    "i16": 11, "k16": 5, "s16": 3,
}

K_MAX, S_MAX = 5, 3


def _asymmetric_kernel(rng, k):
    """A k × k kernel that differs from its 180° rotation and its transpose (and they from each other):
    its first and last diagonal entries differ, and so do its other two corners."""
    w = [[rng.randint(-1, 2) for _ in range(k)] for _ in range(k)]
    w[k - 1][k - 1] = rng.choice([v for v in range(-1, 3) if v != w[0][0]])
    w[k - 1][0] = rng.choice([v for v in range(-1, 3) if v != w[0][k - 1]])
    return w


def _tf_same_total(i, k, s):
    return sum(frameworks.tf_same_padding(i, k, s))


def _draw4(rng):
    """Stride 2 or 3 with a (k, p) for which counting the padding once, leaving it out, forgetting the +1,
    rounding up and TensorFlow's 'SAME' size ceil(h/s) (p != k - 1) all shift the output by different
    amounts, and two axes whose remainders (h + 2p - k) mod s differ and whose outputs differ."""
    s = rng.choice([2, 3])
    if s == 2:
        (k, p), h, d = rng.choice([(6, 3), (6, 4), (7, 5), (8, 4), (8, 5)]), rng.randint(5, 14), rng.choice([3, 5, 7])
    else:
        (k, p), h, d = rng.choice([(8, 4), (9, 6)]), rng.choice([6, 9, 12, 15]), rng.choice([4, 5, 7, 8])
    h, w = (h, h + d) if rng.random() < 0.5 else (h + d, h)
    return {"h4": h, "w4": w, "k4": k, "s4": s, "p4": p}


# (s, k, remainder (i - k) mod s) for ex02.5: overlapping windows (s < k <= 2s) and a remainder > 0 that is
# not the overlap k - s of two neighbouring windows (in these every declared mistake gives its own pair).
_POOL5 = ((2, 4, 1), (3, 5, 1), (3, 6, 1), (3, 6, 2))


def _draw5(rng):
    """Overlapping windows, at least three of them, from _POOL5."""
    s, k, r = rng.choice(_POOL5)
    return {"i5": k + (rng.randint(3, 12) - 1) * s + r, "k5": k, "s5": s}


def _draw6(rng):
    """A dilated kernel that fits, with padding p != d - 1 (so that counting the padding once does not
    shrink the output as much as spanning k·d units), at unit stride (a stride would round them together)."""
    d = rng.randint(2, 3)
    k = rng.randint(2, 4)
    p = rng.choice([q for q in (1, 2, 3) if q != d - 1])
    return {"i6": rng.randint(max(7, k * d), 20), "k6": k, "s6": 1, "p6": p, "d6": d}


def _draw7(rng):
    """An input size strictly inside its group of s² sizes (neither end), and not the first of the last
    one-layer block in it: other sizes lie below and above it, and one layer's group differs from the
    sizes above it."""
    k, s = rng.randint(2, 4), rng.randint(2, 3)
    P = {"k7": k, "s7": s, "p7": rng.randint(0, k - 1), "i7": rng.randint(10, 40)}
    group = _sharing7(P)
    P["i7"] = group[rng.choice([j for j in range(1, s * s - 1) if j != s * (s - 1)])]
    return P


# (i8, o8) for ex02.8: among the settings that give o8, a kernel shorter than its stride skips units and a
# setting with s <= k drops a remainder of real input units, so every declared mistake gives its own list.
_SIZES8 = ((7, 3), (8, 3), (9, 4), (10, 4), (11, 4), (12, 5), (13, 5), (14, 5), (15, 6), (16, 6))


def _draw8(rng):
    i, o = rng.choice(_SIZES8)
    return {"i8": i, "o8": o}


# (i, k, s) for ex02.10: a strided 'SAME' convolution with at least 3 × 3 outputs whose total padding is odd
# (so the odd unit's side matters).
_SAME10 = tuple((i, k, s) for s in (2, 3) for i in ((5, 6, 7) if s == 2 else (7,)) for k in (2, 3, 4)
                if _tf_same_total(i, k, s) % 2)


def _draw10(rng):
    i, k, s = rng.choice(_SAME10)
    return {"x10": [[rng.randint(0, 3) for _ in range(i)] for _ in range(i)], "w10": _asymmetric_kernel(rng, k),
            "s10": s}


# (stride, padding, remainder r = (w + 2p - f) mod s) for ex02.12: r > s/2, so that rounding to the nearest
# whole number is not the floor; s - r >= 2, so that going down by s - r is neither r nor 1 (w12 - 1); and a
# padding that changes the remainder, so that leaving it out of the rule (or counting it once) gives other
# sizes; in these combinations every declared mistake gives its own pair.
_RULE12 = ((5, 4, 3), (6, 5, 4), (7, 6, 4), (7, 6, 5), (8, 3, 5))


def _draw12(rng):
    s, p, r = rng.choice(_RULE12)
    f = rng.randint(max(s, p + 1), 11)
    w = rng.choice([w for w in range(f + s, 31) if (w + 2 * p - f) % s == r])
    return {"w12": w, "f12": f, "p12": p, "s12": s}


def _draw13(rng):
    """Stride 3 with an odd kernel or stride 4, a kernel longer than the stride: several paddings give o13."""
    s = rng.choice([3, 4])
    k = rng.choice([5, 7, 9, 11]) if s == 3 else rng.randint(5, 11)
    o = rng.randint(8, 64)
    return {"s13": s, "k13": k, "o13": o, "i13": s * o}


def _draw14(rng):
    """A kernel shorter than its stride, so that it skips units between placements, on an input that is
    not a multiple of the stride."""
    s = rng.randint(3, 4)
    k = rng.randint(2, s - 1)
    return {"s14": s, "k14": k, "p14": rng.randint(1, k - 1),
            "i14": rng.choice([n for n in range(9, 17) if n % s])}


# (i, k, s) for ex02.16: an odd kernel and a stride for which TensorFlow's total padding is odd and not k - 1.
_CALLS16 = tuple((i, k, s) for k in (3, 5, 7) for s in (2, 3) for i in range(max(7, k), 41)
                 if _tf_same_total(i, k, s) % 2 and _tf_same_total(i, k, s) != k - 1)


def _draw16(rng):
    i, k, s = rng.choice(_CALLS16)
    return {"k16": k, "s16": s, "i16": i}


def generate(rng):
    """One student's parameters, each question's block drawn once from ranges in which its declared
    mistakes give distinct answers (``ExerciseSet.draw`` redraws the rare variant where they do not)."""
    P = {}
    P.update({"i1": rng.randint(9, 16), "k1": rng.randint(3, 7)})
    k2 = rng.randint(2, 7)
    P.update({"i2": rng.randint(5, 16), "k2": k2, "p2": rng.randint(1, k2 - 1)})
    k3 = rng.choice([3, 5, 7])
    P.update({"i3": rng.randint(k3 + 2, 16), "k3": k3})
    P.update(_draw4(rng))
    P.update(_draw5(rng))
    P.update(_draw6(rng))
    P.update(_draw7(rng))
    P.update(_draw8(rng))
    P.update(_draw10(rng))
    k11 = rng.choice([10, 12, 14])
    P.update({"i11": rng.randint(k11 + 1, 32), "k11": k11})
    P.update(_draw12(rng))
    P.update(_draw13(rng))
    P.update(_draw14(rng))
    P.update(_draw16(rng))
    return P


def _out(i, k, s=1, p=0, *, ceil=False):
    """Relationship 6 as plain arithmetic (mistakes may leave the valid range without raising)."""
    return (-(-(i + 2 * p - k) // s) if ceil else (i + 2 * p - k) // s) + 1


# --- ex02.5 -----------------------------------------------------------------------------------------

def _shared(i, k, s):
    """How many input units more than one pooling window reads (windows at 0, s, 2s, ... that fit)."""
    reads = np.zeros(i, dtype=int)
    for start in kernel_placements(i, k, s):
        reads[start:start + k] += 1
    return int(np.count_nonzero(reads > 1))


def _pool5(P):
    i, k, s = P["i5"], P["k5"], P["s5"]
    return (conv_output_size(i, k, s), _shared(i, k, s))


# --- ex02.7 -----------------------------------------------------------------------------------------

def _through(n, k, s, p, layers):
    """The size after ``layers`` identical layers, or None once the kernel no longer fits."""
    for _ in range(layers):
        if n + 2 * p < k:
            return None
        n = _out(n, k, s, p)
    return n


def _sharing7(P, *, layers=2):
    """Every input size with the same size as i7 after ``layers`` layers (k7, s7, p7), increasing."""
    i, k, s, p = P["i7"], P["k7"], P["s7"], P["p7"]
    target = _through(i, k, s, p, layers)
    return tuple(n for n in range(1, i + s ** layers + 1) if _through(n, k, s, p, layers) == target)


# --- ex02.8 -----------------------------------------------------------------------------------------

def _settings(i, o, *, strides=range(1, S_MAX + 1), ceil=False):
    return sorted((k, s, p) for k in range(1, K_MAX + 1) for s in strides for p in range(k)
                  if k <= i + 2 * p and _out(i, k, s, p, ceil=ceil) == o)


def _reading8(P, *, strides=range(1, S_MAX + 1), ceil=False):
    """The answer of ex02.8: the settings that give o8 and read every input unit (or a mistake's)."""
    return [t for t in _settings(P["i8"], P["o8"], strides=strides, ceil=ceil) if not _unread_inputs(P["i8"], *t)]


# --- ex02.10 ----------------------------------------------------------------------------------------

def _same10(P, *, flip=False, padding=None):
    """The answer of ex02.10: TensorFlow's tf.nn.conv2d(x, w, strides=s10, padding='SAME'), or a mistake's.

    TensorFlow's split comes from ``frameworks.tf_same_padding``, which ``make crosscheck`` compares
    with TensorFlow's own outputs.
    """
    x, w, s = np.array(P["x10"]), np.array(P["w10"]), P["s10"]
    kernel = w[::-1, ::-1] if flip else w
    split = frameworks.tf_same_padding(len(x), len(w), s)
    pads = (split, split) if padding is None else padding
    return conv2d(x, kernel, stride=s, padding=pads).tolist()


# --- ex02.11 to ex02.14 -----------------------------------------------------------------------------

def _same_split(i, k):
    """(before, after) of the frameworks' "same" padding at unit stride, read off numeric.conv1d.

    numeric.conv1d's "same" is TensorFlow's rule at unit stride (frameworks.tf_same_padding, which
    ``make crosscheck`` compares with TensorFlow and PyTorch); exactly one split of the k - 1
    padding units reproduces its output on an increasing input.
    """
    ramp, weights = np.arange(1, i + 1), np.arange(1, k + 1)
    same = conv1d(ramp, weights, padding="same")
    return next((b, k - 1 - b) for b in range(k)
                if np.array_equal(same, conv1d(ramp, weights, padding=((b, k - 1 - b),))))


def _even_same(P):
    """The answer of ex02.11: (o with symmetric p = k/2, before, after)."""
    return (conv_output_size(P["i11"], P["k11"], 1, P["k11"] // 2),) + _same_split(P["i11"], P["k11"])


def _rule12(P, *, ceil=False, padding=None):
    """The answer of ex02.12 (o, the largest W <= w12 the integer rule accepts), or a mistake's."""
    w, f, s, p = P["w12"], P["f12"], P["s12"], P["p12"] if padding is None else padding
    if padding is None and not ceil:
        return (conv_output_size(w, f, s, p), w - (w + 2 * p - f) % s)
    # Mistakes double the padding differently: the rule's remainder uses the same padding.
    return (_out(w, f, s, p, ceil=ceil), w - (w + 2 * p - f) % s)


def _paddings13(P, *, test=None):
    """The answer of ex02.13 (every p taking i13 to o13 with k13, s13), or with ``test`` a mistake's."""
    i, k, s, o = P["i13"], P["k13"], P["s13"], P["o13"]
    test = test or (lambda i, k, s, p, o: k <= i + 2 * p and _out(i, k, s, p) == o)
    return tuple(p for p in range(k) if test(i, k, s, p, o))


def _unread_inputs(i, k, s, p):
    """Indices (in the unpadded input) of the input units no kernel placement reads."""
    return tuple(n - p for n in unread_positions(i, k, s, p) if p <= n < p + i)


def _pixels(i, unread):
    """Pixels of an i × i image whose row or column is one of ``unread`` units along an axis."""
    return i * i - (i - unread) ** 2


def _tail14(P):
    """A mistake of ex02.14: only the remainder the floor drops, as if placements never left gaps."""
    i, k, s, p = P["i14"], P["k14"], P["s14"], P["p14"]
    dropped = (i + 2 * p - k) % s  # what the floor drops
    return tuple(n - p for n in range(i + 2 * p - dropped, i + 2 * p) if p <= n < p + i)


def _unread14(P):
    return _pixels(P["i14"], len(_unread_inputs(P["i14"], P["k14"], P["s14"], P["p14"])))


# --- ex02.15 ----------------------------------------------------------------------------------------

CLAIMS15 = (
    "PyTorch refuses a convolution for which (i + 2p − k)/s + 1 is not a whole number.",
    "With stride 1, no two input sizes give the same output size.",
    "Padding p = k/2 (rounded down) on both sides keeps the output size, for every kernel size k.",
    "When k ≥ s, the units of the padded input that no placement reads are exactly its last "
    "(i + 2p − k) mod s units.",
    "Without padding, a stride-s layer gives ⌈i/s⌉ output units, whatever the kernel size.",
    "A padding p ≥ k makes placements that read nothing but zeros.",
    "k = 3, s = 2, p = 1 halves every input size.",
)
HINTS15 = {
    "A": "This is the 'must be an integer' rule of CS231n's notes, which ex02.12 examines; lesson 02, section 5 "
         "runs a layer whose division leaves a remainder.",
    "B": "Take two different input sizes at s = 1 and count their placements: is there anything for the floor to "
         "round together?",
    "C": "The claim says every kernel size: try an even one and count the placements on the padded input.",
    "D": "With k ≥ s, do two neighbouring placements leave a gap between them? Then ask where unread units can "
         "still be.",
    "E": "⌈i/s⌉ is the length of a layer that pads (TensorFlow's 'SAME'); without padding, does a longer kernel "
         "leave room for as many placements?",
    "F": "Put the first placement on the padded input when p ≥ k: which units does it cover?",
    "G": "The claim says every input size: try an odd one as well as an even one.",
}


# --- ex02.16 ----------------------------------------------------------------------------------------

def _calls16(P, *, tf_split=None, tf_length=None, torch_same=None):
    """The answer of ex02.16 (TensorFlow 'SAME': length, before, after; PyTorch padding=(k-1)//2:
    length; PyTorch padding='same': length, 0 when refused), or (with the keywords) a mistake's.

    The frameworks' rules come from ``course_lib.frameworks`` (checked against them by ``make crosscheck``).
    """
    i, k, s = P["i16"], P["k16"], P["s16"]
    before, after = frameworks.tf_same_padding(i, k, s) if tf_split is None else tf_split
    tf = (i + before + after - k) // s + 1 if tf_length is None else tf_length
    torch_number = conv_output_size(i, k, s, (k - 1) // 2)
    if torch_same is None:
        try:
            torch_before, torch_after = frameworks.torch_same_padding(k, s)
            torch_same = (i + torch_before + torch_after - k) // s + 1
        except frameworks.FrameworkRefusal:
            torch_same = 0
    return (tf, before, after, torch_number, torch_same)


# --- ex02.17 ----------------------------------------------------------------------------------------

def kernel_starts(i, k, s=1, p=0):
    """Reference for ex02.17: every placement's start, as positions in the padded input."""
    return kernel_placements(i, k, s, p)


def _draw17(rng, group):
    """(i, k, s, p) of one hidden group: the last placement ends exactly at the end of the padded input,
    or (group "remainder") s > 1 leaves a remainder (i + 2p - k) mod s > 0 after it."""
    while True:
        k = rng.randint(1, 6)
        p = rng.randint(0, max(0, k - 1))
        s = 1 if group == "unit" else rng.randint(2, 3)
        i = k - 2 * p if group == "whole" else rng.randint(max(1, k - 2 * p), 20)
        if i >= 1 and ((i + 2 * p - k) % s != 0) == (group == "remainder"):
            return (i, k, s, p)


EXAMPLE17_UNIT = (7, 3, 1, 0)
EXAMPLE17_EXACT = (9, 3, 2, 1)
EXAMPLE17_WHOLE = (3, 5, 1, 1)
EXAMPLE17_REMAINDER = (10, 3, 2, 0)


FORGOT_ONE = "You forgot the +1: a kernel that fits exactly once still gives one output unit."
ROUNDED_UP = "You rounded up; the output size rounds (i + 2p - k) / s down (floor), since the kernel must fit."
PADDING_ONCE = "You counted the padding once; it is added on both sides (2p)."


i, k, s, p = sympy.symbols("i k s p", integer=True)

QUESTIONS = [
    Question(
        id="ex02.1", name="o1", title="Relationship 1: no zero padding, unit strides", points=1, kind=Int(),
        answer=lambda P: conv_output_size(P["i1"], P["k1"]),
        mistakes=[
            Mistake(lambda P: P["i1"] - P["k1"], FORGOT_ONE),
            Mistake(lambda P: P["i1"] + P["k1"] - 1, "That is i + k - 1, the output of full padding; without "
                    "padding the kernel must stay inside the input."),
            Mistake(lambda P: P["i1"], "Only half padding keeps the output as large as the input; without "
                    "padding it shrinks by k - 1."),
            Mistake(lambda P: P["i1"] // P["k1"], "You cut the input into pieces of k units that do not overlap; "
                    "the kernel moves one unit at a time, so its placements overlap."),
        ],
        checks=[Check("1 <= answer <= i1", "Without padding the output can't be larger than the input "
                      "(and it has at least one unit).")],
        hint="Count how many positions the kernel can take when it slides one unit at a time.",
    ),
    Question(
        id="ex02.2", name="o2", title="Relationship 2: zero padding, unit strides", points=1, kind=Int(),
        answer=lambda P: conv_output_size(P["i2"], P["k2"], 1, P["p2"]),
        mistakes=[
            Mistake(lambda P: P["i2"] - P["k2"] + 1, "That is Relationship 1: you left out the padding, which "
                    "makes the input i + 2p units long."),
            Mistake(lambda P: P["i2"] + P["p2"] - P["k2"] + 1, PADDING_ONCE),
        ],
        checks=[Check("answer >= 1", "An output size is at least 1.")],
        hint="How long is the input the kernel slides over, once it is padded?",
    ),
    Question(
        id="ex02.3", name="half_full3", title="Relationships 3 and 4: half and full padding", points=2,
        kind=IntTuple(length=4),
        answer=lambda P: (P["k3"] // 2, conv_output_size(P["i3"], P["k3"], 1, P["k3"] // 2),
                          P["k3"] - 1, conv_output_size(P["i3"], P["k3"], 1, P["k3"] - 1)),
        mistakes=[
            Mistake(lambda P: (P["k3"] // 2, P["i3"] + 2 * (P["k3"] // 2), P["k3"] - 1, P["i3"] + 2 * (P["k3"] - 1)),
                    "You gave the padded input's size i + 2p; the kernel fits i + 2p - k + 1 times in it."),
            Mistake(lambda P: (P["k3"] // 2, P["i3"] + P["k3"] // 2 - P["k3"] + 1, P["k3"] - 1, P["i3"]),
                    PADDING_ONCE),
            Mistake(lambda P: (P["k3"] // 2, P["i3"], P["k3"], _out(P["i3"], P["k3"], 1, P["k3"])),
                    "Full padding is p = k - 1, not k: the kernel must still overlap at least one input unit."),
            Mistake(lambda P: (P["k3"] // 2, P["k3"] - 1, P["i3"], P["i3"] + P["k3"] - 1),
                    "Give the four numbers in the order (p_half, o_half, p_full, o_full)."),
        ],
        checks=[Check("all(x >= 0 for x in answer)", "Paddings and output sizes are never negative."),
                Check("answer[0] <= answer[2]", "Half padding is never more than full padding.")],
        hint="Half padding: which p gives the output back the input's size? Full padding: how far can the kernel "
             "hang over the edge and still touch one input unit?",
    ),
    Question(
        id="ex02.4", name="shape4", title="Relationship 6: the output shape of a 2-D convolution", points=2,
        kind=IntTuple(length=2),
        answer=lambda P: (conv_output_size(P["h4"], P["k4"], P["s4"], P["p4"]),
                          conv_output_size(P["w4"], P["k4"], P["s4"], P["p4"])),
        mistakes=[
            Mistake(lambda P: (P["h4"], P["w4"]), "(h4, w4) is the input's shape; count the kernel's positions "
                    "along each axis to get the output's."),
            Mistake(lambda P: (_out(P["w4"], P["k4"], P["s4"], P["p4"]), _out(P["h4"], P["k4"], P["s4"], P["p4"])),
                    "You swapped rows and columns: give (rows, columns), the rows coming from h4."),
            Mistake(lambda P: (_out(P["h4"], P["k4"], P["s4"]), _out(P["w4"], P["k4"], P["s4"])),
                    "You left out the padding: p4 zeros are added on every side (2p per axis)."),
            Mistake(lambda P: (_out(P["h4"], P["k4"], 1, P["p4"]), _out(P["w4"], P["k4"], 1, P["p4"])),
                    "You ignored the stride: the kernel jumps s4 units at a time."),
            Mistake(lambda P: (_out(P["h4"], P["k4"], P["s4"], P["p4"], ceil=True),
                               _out(P["w4"], P["k4"], P["s4"], P["p4"], ceil=True)), ROUNDED_UP),
            Mistake(lambda P: ((P["h4"] + 2 * P["p4"] - P["k4"]) // P["s4"], (P["w4"] + 2 * P["p4"] - P["k4"]) // P["s4"]),
                    FORGOT_ONE),
            Mistake(lambda P: (_out(P["h4"] + P["p4"], P["k4"], P["s4"]), _out(P["w4"] + P["p4"], P["k4"], P["s4"])),
                    PADDING_ONCE),
            Mistake(lambda P: (-(-P["h4"] // P["s4"]), -(-P["w4"] // P["s4"])), "That is TensorFlow's 'SAME' size, "
                    "the input size divided by the stride and rounded up: 'SAME' chooses its own padding; here "
                    "the padding is fixed at p4 zeros on every side, whatever size that gives."),
        ],
        checks=[Check("answer[0] >= 1 and answer[1] >= 1", "Both output sizes are at least 1."),
                Check("answer[0] <= h4 + 2 * p4 and answer[1] <= w4 + 2 * p4",
                      "An output is never larger than the padded input.")],
        hint="Each axis on its own, rows from h4 and columns from w4: count the kernel's positions along it.",
    ),
    Question(
        id="ex02.5", name="pool5", title="Relationship 7: pooling with overlapping windows", points=2,
        kind=IntTuple(length=2), answer=_pool5,
        mistakes=[
            Mistake(lambda P: (_out(P["i5"], P["k5"], P["s5"], ceil=True), _pool5(P)[1]),
                    "You rounded up (or divided i by the stride); the window must fit, so the number of windows "
                    "rounds (i - k) / s down before the +1."),
            Mistake(lambda P: (_pool5(P)[0] - 1, _pool5(P)[1]), "You forgot the +1: the first window counts too."),
            Mistake(lambda P: (P["i5"] - P["k5"] + 1, _pool5(P)[1]), "You ignored the stride: the window moves "
                    "s5 units at a time."),
            Mistake(lambda P: (_pool5(P)[0], _pool5(P)[0] * (P["k5"] - P["s5"])), "You gave every window an "
                    "overlap with the one before it; the first window has none before it."),
            Mistake(lambda P: (_pool5(P)[0], P["k5"] - P["s5"]), "That is the overlap of two neighbouring windows; "
                    "count the shared units along the whole input."),
            Mistake(lambda P: (_pool5(P)[0], 2 * _pool5(P)[1]), "You counted each shared unit once for every "
                    "window that reads it; count each input unit once."),
            Mistake(lambda P: (_pool5(P)[0], (P["i5"] - P["k5"]) % P["s5"]), "That is the number of input units "
                    "at the end that no window reads; the question asks for the units that two windows read."),
        ],
        checks=[Check("1 <= answer[0] <= i5", "A pooling output has at least one unit and no more than the "
                      "input."),
                Check("0 <= answer[1] < i5", "The shared units are some of the i5 input units.")],
        hint="Where do the windows start, and which input units lie under two of them?",
    ),
    Question(
        id="ex02.6", name="o6", title="Relationship 15: dilated convolution", points=1, kind=Int(),
        answer=lambda P: conv_output_size(P["i6"], P["k6"], P["s6"], P["p6"], P["d6"]),
        mistakes=[
            Mistake(lambda P: _out(P["i6"], P["k6"], P["s6"], P["p6"]), "You ignored the dilation: the kernel's "
                    "taps are d6 units apart, so it spans more than k6 input units."),
            Mistake(lambda P: _out(P["i6"], P["k6"] * P["d6"], P["s6"], P["p6"]), "A dilated kernel spans "
                    "k + (k - 1)(d - 1) input units, not k·d: there are only k - 1 gaps between its taps."),
            Mistake(lambda P: (P["i6"] + P["p6"] - P["k6"] - (P["k6"] - 1) * (P["d6"] - 1)) // P["s6"] + 1,
                    PADDING_ONCE),
        ],
        checks=[Check("1 <= answer <= (i6 + 2 * p6 - k6) // s6 + 1",
                      "Dilation spreads the kernel over more input units, so the output can't be larger "
                      "than without dilation.")],
        hint="How many input units does the dilated kernel span, from its first tap to its last? That span "
             "plays the part the kernel size played.",
    ),
    Question(
        id="ex02.7", name="same_output7", title="The floor ambiguity through two layers", points=2,
        kind=IntTuple(partial=False), answer=_sharing7,
        mistakes=[
            Mistake(lambda P: (P["i7"],), "Other input sizes reach the same size too: try i7 - 1, i7 + 1, ..."),
            Mistake(lambda P: _sharing7(P, layers=1), "Those share the first layer's output; the second layer "
                    "rounds several first-layer sizes together, so more input sizes share the final size."),
            Mistake(lambda P: tuple(n for n in _sharing7(P) if n >= P["i7"]), "You only looked above i7; smaller "
                    "input sizes can reach the same size too."),
            Mistake(lambda P: tuple(range(P["i7"], P["i7"] + P["s7"] ** 2)), "Not every size from i7 to "
                    "i7 + s7² - 1 shares i7's final size: find where each layer's floor changes."),
        ],
        checks=[Check("i7 in answer", "i7 itself gives the same final size as i7."),
                Check("list(answer) == sorted(set(answer))", "List the sizes in increasing order, each once."),
                Check("all(n >= 1 for n in answer)", "Input sizes are 1 or more.")],
        hint="Work backwards: which first-layer output sizes give the second layer's output, and which input "
             "sizes give each of those?",
    ),
    Question(
        id="ex02.8", name="settings8", title="Which (k, s, p) map i to o and read every input unit?", points=3,
        kind=IntTuple(item_length=3, unordered=True), answer=_reading8,
        mistakes=[
            Mistake(lambda P: _settings(P["i8"], P["o8"]), "Those are all the settings that give o8; some of them "
                    "leave input units unread: a kernel shorter than its stride skips units between placements, "
                    "and a remainder longer than the padding at the end drops the last input units."),
            Mistake(lambda P: [t for t in _settings(P["i8"], P["o8"]) if t[1] <= t[0]],
                    "You left out the kernels shorter than their stride, but you kept settings that drop a remainder "
                    "of real input units: after the last placement, more units can be left over than the p zeros "
                    "at the end."),
            Mistake(lambda P: [t for t in _settings(P["i8"], P["o8"]) if (P["i8"] + 2 * t[2] - t[0]) % t[1] == 0],
                    "You kept the settings for which s divides i + 2p - k (the integer rule): a kernel shorter than "
                    "its stride can pass that test and still skip units, and a remainder that falls in the padding "
                    "loses nothing."),
            Mistake(lambda P: _reading8(P, strides=[1]) or None, "You only tried unit strides; strides 2 and 3 count too."),
            Mistake(lambda P: _reading8(P, ceil=True), ROUNDED_UP),
        ],
        checks=[Check("all(1 <= k <= 5 and 1 <= s <= 3 and 0 <= p <= k - 1 for k, s, p in answer)",
                      "List only triples with 1 <= k <= 5, 1 <= s <= 3 and 0 <= p <= k - 1."),
                Check("len(answer) >= 1", "At least one setting works; list them all.")],
        hint="For each setting that gives o8, lay out its placements on the padded input: do they cover every "
             "input unit? (Unread padding loses nothing.)",
    ),
    Question(
        id="ex02.9", name="o_expr", title="The output size as a SymPy expression", points=3,
        kind=Expression({"i": (1, 14), "k": (1, 7), "s": (1, 4), "p": (0, 3)}, condition="k <= i + 2 * p"),
        answer=lambda P: sympy.floor((i + 2 * p - k) / s) + 1,
        mistakes=[
            Mistake(lambda P: (i + 2 * p - k) / s + 1, "Without a floor the size can be a fraction: round "
                    "(i + 2p - k) / s down (sympy.floor or //)."),
            Mistake(lambda P: sympy.ceiling((i + 2 * p - k) / s) + 1, ROUNDED_UP),
            Mistake(lambda P: sympy.floor((i + p - k) / s) + 1, PADDING_ONCE),
            Mistake(lambda P: sympy.floor((i + 2 * p - k) / s), FORGOT_ONE),
            Mistake(lambda P: sympy.floor((i - k) / s) + 1, "You left out the padding: the kernel slides over "
                    "i + 2p units."),
            Mistake(lambda P: sympy.floor((i + 2 * p) / s) - sympy.floor(k / s) + 1, "You rounded two parts "
                    "separately, (i + 2p)/s and k/s: the difference of two floors is not the floor of the "
                    "difference."),
        ],
        # Chosen so that the answer, every declared mistake and other plausible wrong expressions (other
        # splits of the floor, rounding to nearest, ceil(i/s), an off-by-one inside the floor) all differ.
        points_at=[{"i": 12, "k": 4, "s": 3, "p": 1}, {"i": 4, "k": 4, "s": 1, "p": 0},
                   {"i": 8, "k": 3, "s": 4, "p": 2}, {"i": 10, "k": 1, "s": 2, "p": 3},
                   {"i": 6, "k": 1, "s": 3, "p": 0}],
        hint="Use the symbols i, k, s, p defined above; sympy.floor or // both work.",
    ),
    Question(
        id="ex02.10", name="y10", title='A strided "SAME" convolution, computed', points=2, kind=Matrix(),
        answer=_same10,
        mistakes=[
            Mistake(lambda P: _same10(P, flip=True), "That is the flipped kernel (a true convolution): deep "
                    "learning libraries and the guide slide the kernel as it is (cross-correlation)."),
            Mistake(lambda P: np.array(_same10(P)).T.tolist(), "Your matrix is transposed: row r of the "
                    "output comes from rows r·s10 ... of the padded input."),
            Mistake(lambda P: _same10(P, padding=(frameworks.tf_same_padding(len(P["x10"]), len(P["w10"]),
                                                                            P["s10"])[::-1],) * 2),
                    "Your windows start one unit too early: you put the odd unit of padding before the input "
                    "(or padded as much before it as after it, as PyTorch's symmetric padding does). TensorFlow "
                    "puts the odd unit after, at the bottom and on the right."),
            Mistake(lambda P: _same10(P, padding=0), "That is 'VALID': you added no zeros at all, and 'SAME' "
                    "does pad."),
        ],
        checks=[Check("len(answer) == len(answer[0])", "x10 and w10 are square and the stride is the same along "
                      "both axes, so the output is square.", "Count the kernel positions along each axis.")],
        hint="First find how many zeros 'SAME' adds in all along an axis (the last placement must fit) and on "
             "which side the odd one goes; then compute each output unit on the padded input.",
    ),
    Question(
        id="ex02.11", name="even_same11", title='An even kernel and "same" padding', points=2,
        kind=IntTuple(length=3), answer=_even_same,
        mistakes=[
            Mistake(lambda P: (P["i11"] + 1, P["k11"] // 2, (P["k11"] - 1) // 2), "You swapped before and after: "
                    "TensorFlow and PyTorch put the odd unit of padding at the end (bottom/right)."),
            Mistake(lambda P: (P["i11"],) + _same_split(P["i11"], P["k11"]), "Symmetric p = k/2 pads k units in "
                    "all, one more than the k - 1 that keep the size: with an even kernel the output grows "
                    "(Relationship 3 needs an odd kernel)."),
            Mistake(lambda P: (P["i11"] + 1, P["k11"] // 2, P["k11"] // 2), "k/2 on both sides is the symmetric "
                    "padding of the first part; 'same' pads only k - 1 units in all."),
            Mistake(lambda P: (P["i11"] + 1, (P["k11"] - 1) // 2, (P["k11"] - 1) // 2), "floor((k - 1)/2) on both "
                    "sides pads k - 2 units in all and loses one output; 'same' puts the odd unit after."),
            Mistake(lambda P: (P["i11"] - 1,) + _same_split(P["i11"], P["k11"]), "i - 1 is what symmetric "
                    "p = k/2 - 1 gives; with p = k/2 the padded input has i + k units."),
        ],
        checks=[Check("answer[1] >= 0 and answer[2] >= 0", "Paddings are never negative."),
                Check("answer[0] >= 1", "An output size is at least 1.")],
        hint="Count placements for the symmetric case (i + 2p units); for 'same', how many zeros keep the size, "
             "and can they be split equally?",
    ),
    Question(
        id="ex02.12", name="rule12", title="Spot the error: the integer rule", points=2,
        kind=IntTuple(length=2), answer=_rule12,
        mistakes=[
            Mistake(lambda P: (round((P["w12"] + 2 * P["p12"] - P["f12"]) / P["s12"] + 1), _rule12(P)[1]),
                    "You rounded to the nearest whole number (or up, which gives the same here); the output size "
                    "rounds (W - F + 2P) / S down (floor), since the kernel must fit."),
            Mistake(lambda P: (_rule12(P)[0] - 1, _rule12(P)[1]), FORGOT_ONE),
            Mistake(lambda P: (_rule12(P)[0], _rule12(P)[1] + P["s12"]), "That is the next size the rule accepts "
                    "above w12, and it gives one output more; you want the largest accepted size not above w12."),
            Mistake(lambda P: (_rule12(P)[0], P["w12"] - P["s12"] + (P["w12"] + 2 * P["p12"] - P["f12"]) % P["s12"]),
                    "You went down by what is missing to reach the next accepted size above w12 (s12 minus the "
                    "remainder); try your W in the rule: does the division come out exact?"),
            Mistake(lambda P: (_rule12(P)[0], P["w12"] - 1) if P["w12"] - 1 != _rule12(P)[1] else None,
                    "You took w12 - 1, the first size below w12; try it in the rule: does it pass?"),
            Mistake(lambda P: (_rule12(P)[0], P["w12"] - (P["w12"] - P["f12"]) % P["s12"]),
                    "Your second number comes from the rule without its padding term: the rule, as the notes "
                    "state it, includes 2P."),
            Mistake(lambda P: _rule12(P, padding=0) if P["p12"] else None, "You left out the padding: with P = "
                    "p12 the rule divides W - F + 2P by S."),
            Mistake(lambda P: (_out(P["w12"] - P["p12"], P["f12"], P["s12"], P["p12"]),
                               P["w12"] - (P["w12"] + P["p12"] - P["f12"]) % P["s12"]) if P["p12"] else None,
                    PADDING_ONCE),
        ],
        checks=[Check("answer[0] >= 1", "The layer is built and runs: PyTorch and TensorFlow accept these "
                      "settings and give at least one output.", "Count the kernel placements."),
                Check("answer[1] <= w12", "Give the largest size the rule accepts that is not above w12.")],
        hint="What do the frameworks do with a remainder? For the second number, find the sizes W <= w12 for "
             "which the division is exact, and compare their output with w12's.",
    ),
    Question(
        id="ex02.13", name="paddings13", title="Choose the padding for a target size", points=2,
        kind=IntTuple(unordered=True), answer=_paddings13,
        mistakes=[
            Mistake(lambda P: ((P["k13"] - 1) // 2,), "p = floor((k - 1)/2) (Rule A) is one answer, but with a "
                    "stride the floor lets more than one padding through: try the others."),
            Mistake(lambda P: (P["k13"] // 2,) if P["k13"] % 2 == 0 else None, "p = k/2 pads k units in all, one "
                    "too many for an even kernel: with i13 a multiple of s13 the output is o13 + 1."),
            Mistake(lambda P: _paddings13(P, test=lambda i, k, s, p, o: (i + 2 * p - k) % s == 0
                                          and (i + 2 * p - k) // s + 1 == o),
                    "You kept only paddings for which (i + 2p - k)/s + 1 is a whole number (the integer rule); "
                    "the floor accepts the paddings in between too."),
            Mistake(lambda P: _paddings13(P, test=lambda i, k, s, p, o: _out(i, k, s, p, ceil=True) == o),
                    ROUNDED_UP),
            Mistake(lambda P: _paddings13(P, test=lambda i, k, s, p, o: _out(i - p, k, s, p) == o), PADDING_ONCE),
        ],
        checks=[Check("all(0 <= p <= k13 - 1 for p in answer)", "List only paddings with 0 <= p <= k13 - 1."),
                Check("len(answer) >= 1", "At least one padding works; list them all.")],
        hint="Write the output size as an inequality for p with i13, k13, s13 fixed: because of the floor, a "
             "whole range of paddings works.",
    ),
    Question(
        id="ex02.14", name="unread14", title="Input pixels a strided kernel never reads", points=2,
        kind=Int(), answer=_unread14,
        mistakes=[
            Mistake(lambda P: len(_unread_inputs(P["i14"], P["k14"], P["s14"], P["p14"])) ** 2,
                    "Those are only the pixels whose row and column are both unread; a pixel is never read as "
                    "soon as its row or its column is skipped."),
            Mistake(lambda P: len(_unread_inputs(P["i14"], P["k14"], P["s14"], P["p14"])) * P["i14"],
                    "You counted the unread rows only; the unread columns skip pixels too."),
            Mistake(lambda P: 2 * len(_unread_inputs(P["i14"], P["k14"], P["s14"], P["p14"])) * P["i14"],
                    "You counted the pixels in an unread row and an unread column twice."),
            Mistake(lambda P: _pixels(P["i14"] + 2 * P["p14"], len(unread_positions(P["i14"], P["k14"], P["s14"],
                                                                                   P["p14"]))) if P["p14"] else None,
                    "You counted positions of the padded image, padding included: count only the i14 × i14 "
                    "input pixels."),
            Mistake(lambda P: _pixels(P["i14"], len(_tail14(P))), "You counted only the remainder at the end, the "
                    "last (i + 2p - k) mod s units of each axis; when k14 < s14 the kernel also skips s14 - k14 "
                    "units between two placements."),
            Mistake(lambda P: _pixels(P["i14"], len(_unread_inputs(P["i14"], P["k14"], P["s14"], 0)))
                    if P["p14"] else None,
                    "You left out the padding: the first placement starts p14 units before the input, which "
                    "moves every placement."),
        ],
        checks=[Check("0 <= answer < i14 * i14", "Count some of the i14 × i14 input pixels (at least one is "
                      "read).")],
        hint="Find the unread units along one axis first (the placements start at 0, s, 2s, ... on the padded "
             "input); then ask when a pixel of the 2-D input is never read.",
    ),
    Question(
        id="ex02.15", name="claims15", title="Which claims about output sizes are true?", points=2,
        kind=Choice(CLAIMS15, option_hints=HINTS15), answer=lambda P: ("B", "D", "F"),
        mistakes=[
            Mistake(lambda P: ("A", "B", "D", "F"), "Claim A is the integer rule that ex02.12 examines: check what "
                    "a framework does with a remainder before you accept it."),
            Mistake(lambda P: ("B", "C", "D", "F"), "Claim C holds for the kernels of Relationship 3; the claim "
                    "says every kernel size."),
        ],
        hint="For each claim, look for a small case (i, k, s, p) that would break it, and count its placements.",
    ),
    Question(
        id="ex02.16", name="calls16", title='What TensorFlow and PyTorch do with strided "same" padding',
        points=2, kind=IntTuple(length=5), answer=_calls16,
        mistakes=[
            Mistake(lambda P: _calls16(P, tf_split=((P["k16"] - 1) // 2, (P["k16"] - 1) // 2)), "That is the "
                    "stride-1 split, (k - 1)/2 on each side; with a stride TensorFlow pads only what the last "
                    "placement needs, which depends on i16 and s16."),
            Mistake(lambda P: _calls16(P, tf_split=frameworks.tf_same_padding(P["i16"], P["k16"], P["s16"])[::-1]),
                    "You put TensorFlow's odd unit of padding before the input; it goes after (at the end)."),
            Mistake(lambda P: _calls16(P, tf_length=P["i16"]), "You kept the input's length for TensorFlow: 'SAME' "
                    "keeps the size only at stride 1; count its placements at stride s16."),
            Mistake(lambda P: _calls16(P, torch_same=-(-P["i16"] // P["s16"])), "You gave PyTorch's "
                    "padding='same' TensorFlow's length: PyTorch does not copy TensorFlow here (lesson 02, "
                    "section 4 records what it does with a stride)."),
        ],
        checks=[Check("all(n >= 0 for n in answer)", "Lengths and paddings are 0 or more (0 for a refused call)."),
                Check("answer[1] + answer[2] <= k16", "'SAME' never pads more than the kernel needs.")],
        hint="For TensorFlow: how many placements does 'SAME' want, and how long must the padded input be for the "
             "last one to fit? For PyTorch: lesson 02 recorded what it does with padding='same' and a stride.",
    ),
    Question(
        id="ex02.17", name="kernel_starts", title="Find and fix the bug: counting kernel placements", points=2,
        kind=Function(result=IntTuple(partial=False), time_limit=5.0), reference=kernel_starts,
        examples=[EXAMPLE17_UNIT, EXAMPLE17_EXACT, EXAMPLE17_WHOLE, EXAMPLE17_REMAINDER],
        hidden=[
            HiddenGroup("unit strides", draw=lambda rng: _draw17(rng, "unit"), example=EXAMPLE17_UNIT,
                        cases=[(13, 4, 1, 0), (9, 5, 1, 2)]),
            HiddenGroup("strides 2 and 3, the last placement ending at the end of the padded input",
                        draw=lambda rng: _draw17(rng, "exact"), example=EXAMPLE17_EXACT,
                        cases=[(14, 4, 2, 0), (12, 5, 3, 1)]),
            HiddenGroup("a kernel exactly as long as the padded input", draw=lambda rng: _draw17(rng, "whole"),
                        example=EXAMPLE17_WHOLE, cases=[(6, 6, 2, 0), (3, 7, 3, 2)]),
            HiddenGroup("strides 2 and 3 with a remainder: the last placement ends before the end of the padded "
                        "input", draw=lambda rng: _draw17(rng, "remainder"), example=EXAMPLE17_REMAINDER,
                        cases=[(8, 3, 3, 1), (11, 4, 2, 0)]),
        ],
        hint="Take the smallest case the function gets wrong and follow its loop by hand: does it try the last "
             "position at which the kernel still fits?",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex02", notebook="02_convolution_arithmetic.ipynb", title="Convolution arithmetic",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
