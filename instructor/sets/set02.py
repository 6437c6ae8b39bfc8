"""Exercise set ex02 — convolution arithmetic (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib's math
modules, in the grader's process. Defaults are the guide's figures (Dumoulin & Visin), an even
kernel under "same" padding (k = 4 pads one unit before and two after, frameworks.tf_same_padding), the CS231n
integer rule on a layer it calls invalid, an AlexNet-like stem (224 to 56 at stride 4) and a
kernel shorter than its stride.
"""

import numpy as np
import sympy

from course_lib.arithmetic import (
    conv_output_size, inputs_sharing_output, pool_output_size, settings_for_output, unread_positions,
)
from course_lib.grading.kinds import Expression, Int, IntTuple, Matrix
from course_lib.grading.spec import Check, ExerciseSet, Mistake, Question
from course_lib.numeric import conv1d, conv2d

# Figure 1.1: numpy.random.RandomState(1234).randint(0, 4, (5, 5)) and the guide's fixed kernel.
FIGURE_1_1_INPUT = np.random.RandomState(1234).randint(0, 4, (5, 5)).tolist()
FIGURE_1_1_KERNEL = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]

DEFAULTS = {
    "i1": 4, "k1": 3,                                  # Figure 2.1
    "i2": 5, "k2": 4, "p2": 2,                         # Figure 2.2
    "i3": 5, "k3": 3,                                  # Figures 2.3 and 2.4
    "h4": 6, "w4": 5, "k4": 3, "s4": 2, "p4": 1,       # Figures 2.7 (rows) and 2.6 (columns)
    "i5": 5, "k5": 3, "s5": 1,                         # Figures 1.5 and 1.6
    "i6": 7, "k6": 3, "s6": 1, "p6": 0, "d6": 2,       # Figure 5.1
    "i7": 6, "k7": 3, "s7": 2, "p7": 1,                # Figure 2.7
    "i8": 6, "o8": 3,
    "x10": FIGURE_1_1_INPUT, "w10": FIGURE_1_1_KERNEL, "s10": 1, "p10": 0,  # Figure 1.1
    "i11": 7, "k11": 4,                                # k = 4: one unit before, two after
    "w12": 11, "f12": 5, "p12": 1, "s12": 3,           # (11 - 5 + 2)/3 + 1 is not an integer
    "i13": 224, "k13": 11, "s13": 4, "o13": 56,        # an AlexNet-like stem halved twice
    "i14": 11, "k14": 3, "s14": 4, "p14": 1,           # a kernel shorter than its stride
}

K_MAX, S_MAX = 5, 3


def generate(rng):
    """One student's parameters."""
    params = {}
    params["i1"] = rng.randint(5, 16)
    params["k1"] = rng.randint(2, min(7, params["i1"]))
    params["i2"], params["k2"] = rng.randint(5, 16), rng.randint(2, 7)
    params["p2"] = rng.randint(1, params["k2"] - 1)
    params["i3"], params["k3"] = rng.randint(5, 16), rng.choice([3, 5, 7])
    params["h4"], params["w4"] = rng.randint(5, 16), rng.randint(5, 16)
    params["k4"], params["s4"] = rng.randint(2, 5), rng.randint(2, 3)
    params["p4"] = rng.randint(0, params["k4"] // 2)
    params["i5"], params["k5"], params["s5"] = rng.randint(6, 16), rng.randint(2, 3), rng.randint(2, 3)
    params["i6"], params["k6"], params["s6"] = rng.randint(9, 20), rng.randint(2, 3), rng.randint(1, 2)
    params["p6"], params["d6"] = rng.randint(0, 1), rng.randint(2, 3)
    params["i7"], params["k7"], params["s7"] = rng.randint(6, 16), rng.randint(2, 4), rng.randint(2, 4)
    params["p7"] = rng.randint(0, params["k7"] - 1)
    params["i8"] = rng.randint(5, 12)
    # The largest output within the ranges: k = 1, p = 0 keeps i8; k = 5, p = 4 gives i8 + 4.
    reachable = range(1, params["i8"] + K_MAX)
    params["o8"] = rng.choice([o for o in reachable if len(settings_for_output(params["i8"], o, K_MAX, S_MAX)) >= 2])
    params["x10"] = [[rng.randint(0, 3) for _ in range(5)] for _ in range(5)]
    params["w10"] = [[rng.randint(-1, 2) for _ in range(3)] for _ in range(3)]
    params["s10"], params["p10"] = rng.randint(1, 2), rng.randint(0, 1)
    # Drawn after the first ten questions' parameters, so those keep their values per student.
    params["i11"], params["k11"] = rng.randint(9, 32), rng.choice([2, 4, 6, 8])
    params["s12"] = rng.randint(2, 4)
    params["f12"] = rng.randint(params["s12"], 7)
    params["p12"] = rng.randint(0, (params["f12"] - 1) // 2)
    while True:  # a size the rule calls invalid: the division leaves a remainder
        params["w12"] = rng.randint(params["f12"] + params["s12"], 30)
        if (params["w12"] + 2 * params["p12"] - params["f12"]) % params["s12"]:
            break
    params["s13"] = rng.choice([2, 3, 4, 4])
    params["k13"], params["o13"] = rng.randint(params["s13"], 11), rng.randint(8, 64)
    params["i13"] = params["s13"] * params["o13"]
    while True:  # at least one input unit is never read
        params["s14"] = rng.randint(2, 4)
        params["k14"] = rng.randint(1, params["s14"] + 1)
        params["p14"], params["i14"] = rng.randint(0, min(1, params["k14"] - 1)), rng.randint(7, 16)
        if _unread_inputs(params["i14"], params["k14"], params["s14"], params["p14"]):
            break
    return params


def _correlation(P, *, flip=False, stride=None, padding=None):
    """The answer of ex02.10, or (with the keywords) what a common mistake computes."""
    kernel = np.array(P["w10"])[::-1, ::-1] if flip else np.array(P["w10"])
    return conv2d(np.array(P["x10"]), kernel, stride=P["s10"] if stride is None else stride,
                  padding=P["p10"] if padding is None else padding).tolist()


def _out(i, k, s=1, p=0, *, ceil=False):
    """Relationship 6 as plain arithmetic (mistakes may leave the valid range without raising)."""
    return (-(-(i + 2 * p - k) // s) if ceil else (i + 2 * p - k) // s) + 1


def _same_outputs(i, k, s, p, sizes):
    return tuple(n for n in sizes if n + 2 * p >= k and _out(n, k, s, p) == _out(i, k, s, p))


def _settings(i, o, *, strides=range(1, S_MAX + 1), paddings=None, ceil=False):
    return sorted((k, s, p) for k in range(1, K_MAX + 1) for s in strides
                  for p in (range(k) if paddings is None else paddings)
                  if k <= i + 2 * p and _out(i, k, s, p, ceil=ceil) == o)



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
        return (conv_output_size(w, f, s, p), inputs_sharing_output(w, f, s, p)[0])
    # Mistakes double the padding differently: the rule's remainder uses the same padding.
    return (_out(w, f, s, p, ceil=ceil), w - (w + 2 * p - f) % s)


def _paddings13(P, *, test=None):
    """The answer of ex02.13 (every p taking i13 to o13 with k13, s13), or with ``test`` a mistake's."""
    i, k, s, o = P["i13"], P["k13"], P["s13"], P["o13"]
    if test is None:
        return tuple(p for kk, ss, p in settings_for_output(i, o, k, s) if (kk, ss) == (k, s))
    return tuple(p for p in range(k) if test(i, k, s, p, o))


def _unread_inputs(i, k, s, p):
    """Indices (in the unpadded input) of the input units no kernel placement reads."""
    return tuple(n - p for n in unread_positions(i, k, s, p) if p <= n < p + i)


def _unread14(P):
    return _unread_inputs(P["i14"], P["k14"], P["s14"], P["p14"])


def _tail14(P):
    """A mistake of ex02.14: only the remainder the floor drops, as if placements never left gaps."""
    i, k, s, p = P["i14"], P["k14"], P["s14"], P["p14"]
    dropped = (i + 2 * p - k) % s  # what the floor drops
    return tuple(n - p for n in range(i + 2 * p - dropped, i + 2 * p) if p <= n < p + i)

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
        hint="Padding p on both sides turns an input of size i into one of size i + 2p.",
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
        hint="Give (p_half, o_half, p_full, o_full).",
    ),
    Question(
        id="ex02.4", name="shape4", title="Relationship 6: the output shape of a 2-D convolution", points=2,
        kind=IntTuple(length=2),
        answer=lambda P: (conv_output_size(P["h4"], P["k4"], P["s4"], P["p4"]),
                          conv_output_size(P["w4"], P["k4"], P["s4"], P["p4"])),
        mistakes=[
            Mistake(lambda P: (P["h4"], P["w4"]), "(h4, w4) is the input's shape; apply Relationship 6 to "
                    "each axis to get the output's."),
            Mistake(lambda P: (_out(P["w4"], P["k4"], P["s4"], P["p4"]), _out(P["h4"], P["k4"], P["s4"], P["p4"])),
                    "You swapped rows and columns: give (rows, columns), the rows coming from h4."),
            Mistake(lambda P: (_out(P["h4"], P["k4"], P["s4"]), _out(P["w4"], P["k4"], P["s4"])),
                    "You left out the padding: p4 zeros are added on every side (2p per axis)."),
            Mistake(lambda P: (_out(P["h4"], P["k4"], 1, P["p4"]), _out(P["w4"], P["k4"], 1, P["p4"])),
                    "You ignored the stride: divide (i + 2p - k) by s4, rounding down, before adding 1."),
            Mistake(lambda P: (_out(P["h4"], P["k4"], P["s4"], P["p4"], ceil=True),
                               _out(P["w4"], P["k4"], P["s4"], P["p4"], ceil=True)), ROUNDED_UP),
            Mistake(lambda P: ((P["h4"] + 2 * P["p4"] - P["k4"]) // P["s4"], (P["w4"] + 2 * P["p4"] - P["k4"]) // P["s4"]),
                    FORGOT_ONE),
        ],
        checks=[Check("answer[0] >= 1 and answer[1] >= 1", "Both output sizes are at least 1."),
                Check("answer[0] <= h4 + 2 * p4 and answer[1] <= w4 + 2 * p4",
                      "An output is never larger than the padded input.")],
        hint="Each axis on its own: floor((i + 2p - k) / s) + 1. Give (rows, columns).",
    ),
    Question(
        id="ex02.5", name="o5", title="Relationship 7: pooling", points=1, kind=Int(),
        answer=lambda P: pool_output_size(P["i5"], P["k5"], P["s5"]),
        mistakes=[
            Mistake(lambda P: _out(P["i5"], P["k5"], P["s5"], ceil=True), ROUNDED_UP),
            Mistake(lambda P: P["i5"] - P["k5"] + 1, "You ignored the stride: the window moves s5 units at a time."),
            Mistake(lambda P: (P["i5"] - P["k5"]) // P["s5"], FORGOT_ONE),
            Mistake(lambda P: P["i5"] // P["s5"], "i / s counts the window's starting points as if it never ran "
                    "off the end: the window must fit, so use floor((i - k) / s) + 1."),
        ],
        checks=[Check("1 <= answer <= i5", "A pooling output has at least one unit and no more than the input.")],
        hint="Pooling slides a window like a kernel without padding.",
    ),
    Question(
        id="ex02.6", name="o6", title="Relationship 15: dilated convolution", points=1, kind=Int(),
        answer=lambda P: conv_output_size(P["i6"], P["k6"], P["s6"], P["p6"], P["d6"]),
        mistakes=[
            Mistake(lambda P: _out(P["i6"], P["k6"], P["s6"], P["p6"]), "You ignored the dilation: the kernel "
                    "covers k + (k - 1)(d - 1) input units."),
            Mistake(lambda P: _out(P["i6"], P["k6"] * P["d6"], P["s6"], P["p6"]), "A dilated kernel covers "
                    "k + (k - 1)(d - 1) input units, not k·d: there are only k - 1 gaps."),
            Mistake(lambda P: (P["i6"] + P["p6"] - P["k6"] - (P["k6"] - 1) * (P["d6"] - 1)) // P["s6"] + 1,
                    PADDING_ONCE),
        ],
        checks=[Check("1 <= answer <= (i6 + 2 * p6 - k6) // s6 + 1",
                      "Dilation spreads the kernel over more input units, so the output can't be larger "
                      "than without dilation.")],
        hint="A dilated kernel covers k + (k - 1)(d - 1) input units.",
    ),
    Question(
        id="ex02.7", name="same_output7", title="The floor ambiguity", points=2,
        kind=IntTuple(partial=False),
        answer=lambda P: inputs_sharing_output(P["i7"], P["k7"], P["s7"], P["p7"]),
        mistakes=[
            Mistake(lambda P: (P["i7"],), "Other input sizes round to the same output size: try i7 - 1, i7 + 1, ..."),
            Mistake(lambda P: _same_outputs(P["i7"], P["k7"], P["s7"], P["p7"], range(P["i7"], P["i7"] + P["s7"])),
                    "You only looked above i7; smaller input sizes can round to the same output size too."),
            Mistake(lambda P: tuple(range(P["i7"], P["i7"] + P["s7"])), "Not every size from i7 to i7 + s7 - 1 "
                    "shares the output size: find where floor((i + 2p - k) / s) changes."),
        ],
        checks=[Check("i7 in answer", "i7 itself gives the same output size as i7."),
                Check("list(answer) == sorted(set(answer))", "List the sizes in increasing order, each once."),
                Check("len(answer) <= s7", "At most s different input sizes share one output size.")],
        hint="Which values of i give the same floor((i + 2p - k) / s)?",
    ),
    Question(
        id="ex02.8", name="settings8", title="Which (k, s, p) map i to o?", points=3,
        kind=IntTuple(item_length=3, unordered=True),
        answer=lambda P: settings_for_output(P["i8"], P["o8"], K_MAX, S_MAX),
        mistakes=[
            Mistake(lambda P: _settings(P["i8"], P["o8"], paddings=[0]), "You left out the paddings: p can be "
                    "anything from 0 to k - 1."),
            Mistake(lambda P: _settings(P["i8"], P["o8"], strides=[1]), "You only tried unit strides; strides 2 "
                    "and 3 count too."),
            Mistake(lambda P: _settings(P["i8"], P["o8"], ceil=True), ROUNDED_UP),
        ],
        checks=[Check("all(1 <= k <= 5 and 1 <= s <= 3 and 0 <= p <= k - 1 for k, s, p in answer)",
                      "List only triples with 1 <= k <= 5, 1 <= s <= 3 and 0 <= p <= k - 1."),
                Check("len(answer) >= 1", "At least one setting works; list them all.")],
        hint="Try every (k, s, p) in the ranges and keep those whose output size is o8.",
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
        ],
        points_at=[{"i": 5, "k": 3, "s": 2, "p": 1}, {"i": 6, "k": 3, "s": 2, "p": 1}],
        hint="Use the symbols i, k, s, p defined above; sympy.floor or // both work.",
    ),
    Question(
        id="ex02.10", name="y10", title="A convolution, computed", points=2, kind=Matrix(),
        answer=_correlation,
        mistakes=[
            Mistake(lambda P: _correlation(P, flip=True), "That is the flipped kernel (a true convolution): deep "
                    "learning libraries and the guide slide the kernel as it is (cross-correlation)."),
            Mistake(lambda P: np.array(_correlation(P)).T.tolist(), "Your matrix is transposed: row r of the "
                    "output comes from rows r·s10 ... of the input."),
            Mistake(lambda P: _correlation(P, padding=0), "You left out the padding: pad x10 with p10 zeros on "
                    "every side first."),
            Mistake(lambda P: _correlation(P, stride=1), "You ignored the stride: the kernel moves s10 units at a "
                    "time."),
        ],
        checks=[Check("len(answer) == (len(x10) + 2 * p10 - len(w10)) // s10 + 1",
                      "Your matrix should have one row per output position.",
                      "Relationship 6 gives the number of rows (and of columns).")],
        hint="Each output unit is the sum of the kernel times the input patch under it (no kernel flip).",
    ),
    Question(
        id="ex02.11", name="even_same11", title='An even kernel and "same" padding', points=2,
        kind=IntTuple(length=3), answer=_even_same,
        mistakes=[
            Mistake(lambda P: (P["i11"] + 1, P["k11"] // 2, (P["k11"] - 1) // 2), "You swapped before and after: "
                    "TensorFlow and PyTorch put the odd unit of padding at the end (bottom/right), "
                    "floor((k - 1)/2) before and ceil((k - 1)/2) after."),
            Mistake(lambda P: (P["i11"],) + _same_split(P["i11"], P["k11"]), "Symmetric p = k/2 pads k units in "
                    "all, one more than the k - 1 that keep the size: with an even kernel the output grows to i + 1 "
                    "(Relationship 3 needs an odd kernel)."),
            Mistake(lambda P: (P["i11"] + 1, P["k11"] // 2, P["k11"] // 2), "k/2 on both sides is the symmetric "
                    "padding of the first part, which gives i + 1 outputs; 'same' pads only k - 1 units in all."),
            Mistake(lambda P: (P["i11"] + 1, (P["k11"] - 1) // 2, (P["k11"] - 1) // 2), "floor((k - 1)/2) on both "
                    "sides pads k - 2 units in all and loses one output; 'same' puts the odd unit after."),
            Mistake(lambda P: (P["i11"] - 1,) + _same_split(P["i11"], P["k11"]), "i - 1 is what symmetric "
                    "p = k/2 - 1 gives; with p = k/2 the padded input has i + k units and the kernel fits "
                    "i + 1 times."),
        ],
        checks=[Check("answer[1] >= 0 and answer[2] >= 0", "Paddings are never negative."),
                Check("answer[0] >= 1", "An output size is at least 1.")],
        hint="Count placements for the symmetric case (i + 2p units); for 'same', the padding must total "
             "k - 1 units, an odd number: which side gets the extra one?",
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
        hint="Frameworks round (W - F + 2P)/S down. For the second number, find the sizes W <= w12 for "
             "which the division is exact, and compare their output with w12's.",
    ),
    Question(
        id="ex02.13", name="paddings13", title="Choose the padding for a target size", points=2,
        kind=IntTuple(unordered=True), answer=_paddings13,
        mistakes=[
            Mistake(lambda P: ((P["k13"] - 1) // 2,), "p = floor((k - 1)/2) (Rule A) is one answer, but with a "
                    "stride the floor lets more than one padding through: try the others."),
            Mistake(lambda P: (P["k13"] // 2,), "p = k/2 pads k units in all, one too many for an even kernel: "
                    "with i13 a multiple of s13 the output is o13 + 1."),
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
        hint="Relationship 6 with i13, k13, s13 fixed: for which p is floor((i13 + 2p - k13)/s13) + 1 equal "
             "to o13? Because of the floor, the answer is a range of paddings.",
    ),
    Question(
        id="ex02.14", name="unread14", title="Input units the kernel never reads", points=2,
        kind=IntTuple(unordered=True), answer=_unread14,
        mistakes=[
            Mistake(lambda P: tuple(n for n in unread_positions(P["i14"], P["k14"], P["s14"], P["p14"])
                                    if P["p14"] <= n < P["p14"] + P["i14"]) if P["p14"] else None,
                    "Those are positions in the padded input: input unit n sits at padded position n + p14, so "
                    "subtract p14."),
            Mistake(lambda P: tuple(unread_positions(P["i14"], P["k14"], P["s14"], P["p14"])),
                    "You listed positions of the padded input, padding included: give only input units, numbered "
                    "from 0 in the input itself."),
            Mistake(_tail14,
                    "You listed only the remainder at the end, the last (i + 2p - k) mod s units; when k14 < s14 "
                    "the kernel also skips s14 - k14 units between two placements."),
            Mistake(lambda P: _unread_inputs(P["i14"], P["k14"], P["s14"], 0) if P["p14"] else None,
                    "You left out the padding: the first placement starts p14 units before the input, which "
                    "moves every placement."),
        ],
        checks=[Check("all(0 <= n < i14 for n in answer)", "Input units are numbered 0 to i14 - 1; leave out "
                      "the padding."),
                Check("len(answer) >= 1", "At least one input unit is never read here.")],
        hint="List the kernel's placements on the padded input (starts 0, s, 2s, ...), mark every unit each "
             "placement covers, and keep the unmarked ones that are input units (padded position - p14).",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex02", notebook="02_convolution_arithmetic.ipynb", title="Convolution arithmetic",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
