"""Exercise set ex02 — convolution arithmetic (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib's math
modules, in the grader's process. The questions: Relationships 1-4 on the guide's figures,
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
guide figure's numbers would let a mistake pass (Figures 2.6/2.7's equal axes, Figure 1.5's unit
stride, Figure 5.1's zero padding, Figure 1.1's output, which lesson 01 asks), the question uses
other numbers and says so. ``generate`` draws each question's numbers until its declared mistakes
give distinct answers.
"""

import numpy as np
import sympy

from course_lib import frameworks
from course_lib.arithmetic import conv_output_size, kernel_placements, unread_positions
from course_lib.grading.kinds import Choice, Expression, Function, Int, IntTuple, Matrix
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.numeric import conv1d, conv2d

DEFAULTS = {
    "i1": 4, "k1": 3,                                  # Figure 2.1
    "i2": 5, "k2": 4, "p2": 2,                         # Figure 2.2
    "i3": 5, "k3": 3,                                  # Figures 2.3 and 2.4
    "h4": 7, "w4": 10, "k4": 3, "s4": 2, "p4": 2,      # axes that differ (Figures 2.6/2.7 both give 3)
    "i5": 20, "k5": 3, "s5": 2,                        # overlapping pooling, AlexNet's window and stride
    "i6": 7, "k6": 3, "s6": 1, "p6": 2, "d6": 2,       # Figure 5.1, with padding (its p = 0 hides it)
    "i7": 22, "k7": 3, "s7": 2, "p7": 1,               # two halving layers
    "i8": 9, "o8": 5,
    "x10": [[2, 1, 0, 3, 1], [0, 3, 1, 1, 2], [1, 0, 2, 0, 3], [3, 2, 1, 2, 0], [0, 1, 3, 1, 2]],
    "w10": [[1, 2], [0, -1]], "s10": 2,                # 'SAME' pads 0 before, 1 after
    "i11": 7, "k11": 4,                                # k = 4: one unit before, two after
    "w12": 12, "f12": 5, "p12": 2, "s12": 3,           # (12 - 5 + 4)/3 + 1 is not an integer
    "i13": 224, "k13": 11, "s13": 4, "o13": 56,        # an AlexNet-like stem halved twice
    "i14": 11, "k14": 3, "s14": 4, "p14": 1,           # a kernel shorter than its stride
    "i16": 11, "k16": 5, "s16": 3,
}

K_MAX, S_MAX = 5, 3


def _separated(P, *ids):
    """Whether these parameters tell every declared mistake of the questions ``ids`` apart."""
    return not any(_QUESTION[qid].separation_problems(P) for qid in ids)


def _draw_until(rng, draw, *ids, tries=50):
    """Parameters from ``draw(rng)``, drawn again (at most ``tries`` times) until they separate the
    mistakes of ``ids``; otherwise the last draw, which :meth:`ExerciseSet.draw` then rejects."""
    for _ in range(tries):
        P = draw(rng)
        if _separated(P, *ids):
            break
    return P


def _asymmetric_kernel(rng, k):
    """A k × k kernel that differs from its 180° rotation and its transpose."""
    while True:
        w = np.array([[rng.randint(-1, 2) for _ in range(k)] for _ in range(k)])
        if len({w.tobytes(), np.rot90(w, 2).tobytes(), w.T.tobytes()}) == 3:
            return w.tolist()


def _tf_same_total(i, k, s):
    return sum(frameworks.tf_same_padding(i, k, s))


def _draw6(rng):
    """A dilated kernel that fits, with padding (a stride here would make two mistakes coincide often)."""
    while True:
        P = {"i6": rng.randint(7, 20), "k6": rng.randint(2, 4), "s6": rng.randint(1, 2), "p6": rng.randint(1, 3),
             "d6": rng.randint(2, 3)}
        if P["k6"] * P["d6"] <= P["i6"] + 2 * P["p6"]:
            return P


def _draw8(rng):
    """A size and a target that at least two settings reach while reading every input unit."""
    while True:
        P = {"i8": rng.randint(6, 12)}
        P["o8"] = rng.randint(2, P["i8"] + 2)
        if len(_reading8(P)) >= 2:
            return P


def _draw10(rng):
    """A strided 'SAME' convolution whose total padding is odd (so the odd unit's side matters)."""
    while True:
        i, k, s = rng.randint(5, 7), rng.randint(2, 4), rng.randint(2, 3)
        if _tf_same_total(i, k, s) % 2:
            return {"x10": [[rng.randint(0, 3) for _ in range(i)] for _ in range(i)],
                    "w10": _asymmetric_kernel(rng, k), "s10": s}


def _draw12(rng):
    params = {"s12": rng.randint(2, 4)}
    params["f12"] = rng.randint(params["s12"], 7)
    params["p12"] = rng.randint(1, params["f12"] // 2)
    while True:  # a size the rule calls invalid: the division leaves a remainder
        params["w12"] = rng.randint(params["f12"] + params["s12"], 30)
        if (params["w12"] + 2 * params["p12"] - params["f12"]) % params["s12"]:
            return params


def _draw14(rng):
    """A kernel shorter than its stride, so that it skips units between placements."""
    while True:
        s = rng.randint(3, 4)
        k = rng.randint(2, s - 1)
        P = {"s14": s, "k14": k, "p14": rng.randint(1, k - 1), "i14": rng.randint(7, 16)}
        if _unread_inputs(P["i14"], k, s, P["p14"]):
            return P


def _draw16(rng):
    """An odd kernel and a stride for which TensorFlow's total padding is odd and not k - 1."""
    while True:
        P = {"k16": rng.choice([3, 5, 7]), "s16": rng.randint(2, 3), "i16": rng.randint(7, 40)}
        total = _tf_same_total(P["i16"], P["k16"], P["s16"])
        if total % 2 and total != P["k16"] - 1 and P["i16"] >= P["k16"]:
            return P


def generate(rng):
    """One student's parameters (each question's block drawn until its mistakes all differ)."""
    P = {}
    P.update(_draw_until(rng, lambda r: (lambda i: {"i1": i, "k1": r.randint(2, min(7, i))})(r.randint(5, 16)),
                         "ex02.1"))
    P.update(_draw_until(rng, lambda r: (lambda k: {"i2": r.randint(5, 16), "k2": k, "p2": r.randint(1, k - 1)})(
        r.randint(2, 7)), "ex02.2"))
    P.update(_draw_until(rng, lambda r: {"i3": r.randint(5, 16), "k3": r.choice([3, 5, 7])}, "ex02.3"))
    P.update(_draw_until(rng, lambda r: (lambda k: {"h4": r.randint(5, 16), "w4": r.randint(5, 16), "k4": k,
                                                    "s4": r.randint(2, 3), "p4": r.randint(1, k - 1)})(
        r.randint(2, 5)), "ex02.4"))
    P.update(_draw_until(rng, lambda r: (lambda s: {"i5": r.randint(9, 40), "s5": s, "k5": r.randint(s + 1, 2 * s)})(
        r.randint(2, 3)), "ex02.5"))
    P.update(_draw_until(rng, _draw6, "ex02.6"))
    P.update(_draw_until(rng, lambda r: (lambda k: {"i7": r.randint(10, 40), "k7": k, "s7": r.randint(2, 3),
                                                    "p7": r.randint(0, k - 1)})(r.randint(2, 4)), "ex02.7"))
    P.update(_draw_until(rng, _draw8, "ex02.8"))
    P.update(_draw_until(rng, _draw10, "ex02.10"))
    P.update(_draw_until(rng, lambda r: {"i11": r.randint(9, 32), "k11": r.choice([2, 4, 6, 8])}, "ex02.11"))
    P.update(_draw_until(rng, _draw12, "ex02.12"))
    P.update(_draw_until(rng, lambda r: (lambda s: (lambda o: {"s13": s, "k13": r.randint(s, 11), "o13": o,
                                                               "i13": s * o})(r.randint(8, 64)))(
        r.choice([2, 3, 4, 4])), "ex02.13"))
    P.update(_draw_until(rng, _draw14, "ex02.14"))
    P.update(_draw_until(rng, _draw16, "ex02.16"))
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
    "A": "PyTorch, TensorFlow's 'VALID' and course_lib round (i + 2p − k)/s down: the layer runs, and the "
         "remainder is dropped at the end (lesson 02, section 5).",
    "B": "With s = 1 the output i + 2p − k + 1 grows by one with every input unit: the floor has nothing to "
         "round together.",
    "C": "Only an odd kernel: with an even k, p = k/2 pads k units in all, one more than the k − 1 that keep "
         "the size, and the output is i + 1.",
    "D": "With k ≥ s consecutive placements overlap or touch, so only the remainder the floor drops at the end "
         "is never read.",
    "E": "⌈i/s⌉ is the size of TensorFlow's 'SAME'; without padding the kernel must fit, ⌊(i − k)/s⌋ + 1 "
         "placements.",
    "F": "With p ≥ k the first placement covers padded positions 0 to k − 1, all of them padding: an output "
         "unit that sees only zeros.",
    "G": "Only an even size is halved: an odd i gives (i + 1)/2 (rule B of lesson 02).",
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
    """(i, k, s, p) for which the last placement ends exactly at the end of the padded input."""
    while True:
        k = rng.randint(1, 6)
        p = rng.randint(0, max(0, k - 1))
        s = 1 if group == "unit" else rng.randint(2, 3)
        i = k - 2 * p if group == "whole" else rng.randint(max(1, k - 2 * p), 20)
        if i >= 1 and (i + 2 * p - k) % s == 0:
            return (i, k, s, p)


EXAMPLE17_UNIT = (7, 3, 1, 0)
EXAMPLE17_EXACT = (9, 3, 2, 1)
EXAMPLE17_WHOLE = (3, 5, 1, 1)


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
                Check("len(answer) <= s7 * s7", "Through two stride-s7 layers at most s7² input sizes share a "
                      "final size.")],
        hint="Work backwards: which first-layer output sizes give the second layer's output, and which input "
             "sizes give each of those?",
    ),
    Question(
        id="ex02.8", name="settings8", title="Which (k, s, p) map i to o and read every input unit?", points=3,
        kind=IntTuple(item_length=3, unordered=True), answer=_reading8,
        mistakes=[
            Mistake(lambda P: _settings(P["i8"], P["o8"]), "Those are all the settings that give o8; some of them "
                    "never read an input unit (a remainder dropped at the end, or a kernel shorter than its "
                    "stride)."),
            Mistake(lambda P: [t for t in _settings(P["i8"], P["o8"]) if (P["i8"] + 2 * t[2] - t[0]) % t[1] == 0],
                    "You kept the settings for which s divides i + 2p - k (the integer rule): that also keeps "
                    "kernels shorter than their stride, which skip units, and drops settings whose remainder "
                    "falls in the padding, which lose nothing."),
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
        ],
        points_at=[{"i": 5, "k": 3, "s": 2, "p": 1}, {"i": 7, "k": 2, "s": 3, "p": 0},
                   {"i": 9, "k": 4, "s": 1, "p": 2}, {"i": 10, "k": 5, "s": 4, "p": 3},
                   {"i": 2, "k": 6, "s": 3, "p": 2}],
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
            Mistake(lambda P: _same10(P, padding=0), "That is 'VALID', no padding: 'SAME' pads so that the output "
                    "has ceil(i / s) units per axis."),
        ],
        checks=[Check("len(answer) == -(-len(x10) // s10)", "'SAME' gives ceil(i / s) rows: one per kernel "
                      "position.", "Count the kernel positions down the padded input.")],
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
            Mistake(lambda P: _rule12(P, ceil=True), ROUNDED_UP),
            Mistake(lambda P: (_rule12(P)[0] - 1, _rule12(P)[1]), FORGOT_ONE),
            Mistake(lambda P: (_rule12(P)[0], _rule12(P)[1] + P["s12"]), "That is the next size the rule accepts "
                    "above w12, and it gives one output more; you want the largest accepted size not above w12."),
            Mistake(lambda P: (_rule12(P)[0], P["w12"] - 1) if P["w12"] - 1 != _rule12(P)[1] else None,
                    "Removing one unit is not enough: the rule needs W - F + 2P to be a multiple of S, so remove "
                    "the whole remainder (W - F + 2P) mod S."),
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
            Mistake(lambda P: ("A", "B", "D", "F"), "Claim A is the integer rule of ex02.12: frameworks round "
                    "(i + 2p − k)/s down and run the layer; the remainder is simply not read."),
            Mistake(lambda P: ("B", "C", "D", "F"), "p = k/2 keeps the size only for an odd kernel: an even one "
                    "gets one unit of padding too many, and the output is i + 1."),
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
            Mistake(lambda P: _calls16(P, tf_length=P["i16"]), "'SAME' keeps the size only at stride 1; with "
                    "stride s16 TensorFlow's output has ceil(i / s) units."),
            Mistake(lambda P: _calls16(P, torch_same=-(-P["i16"] // P["s16"])), "PyTorch does not copy "
                    "TensorFlow here: it refuses padding='same' for a strided convolution (write 0)."),
        ],
        checks=[Check("all(n >= 0 for n in answer)", "Lengths and paddings are 0 or more (0 for a refused call)."),
                Check("answer[1] + answer[2] <= k16", "'SAME' never pads more than the kernel needs.")],
        hint="For TensorFlow: how many placements does 'SAME' want, and how long must the padded input be for the "
             "last one to fit? For PyTorch: lesson 02 recorded what it does with padding='same' and a stride.",
    ),
    Question(
        id="ex02.17", name="kernel_starts", title="Find and fix the bug: counting kernel placements", points=2,
        kind=Function(result=IntTuple(partial=False), time_limit=5.0), reference=kernel_starts,
        examples=[EXAMPLE17_UNIT, EXAMPLE17_EXACT, EXAMPLE17_WHOLE],
        hidden=[
            HiddenGroup("unit strides", draw=lambda rng: _draw17(rng, "unit"), example=EXAMPLE17_UNIT,
                        cases=[(13, 4, 1, 0), (9, 5, 1, 2)]),
            HiddenGroup("strides 2 and 3, the last placement ending at the end of the padded input",
                        draw=lambda rng: _draw17(rng, "exact"), example=EXAMPLE17_EXACT,
                        cases=[(14, 4, 2, 0), (12, 5, 3, 1)]),
            HiddenGroup("a kernel exactly as long as the padded input", draw=lambda rng: _draw17(rng, "whole"),
                        example=EXAMPLE17_WHOLE, cases=[(6, 6, 2, 0), (3, 7, 3, 2)]),
        ],
        hint="Take the smallest case the function gets wrong and follow its loop by hand: does it try the last "
             "position at which the kernel still fits?",
    ),
]

_QUESTION = {question.id: question for question in QUESTIONS}

EXERCISE_SET = ExerciseSet(
    id="ex02", notebook="02_convolution_arithmetic.ipynb", title="Convolution arithmetic",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
