"""Exercise set ex02 — convolution arithmetic (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib's math
modules, in the grader's process. Defaults are the guide's figures (Dumoulin & Visin).
"""

import numpy as np
import sympy

from course_lib.arithmetic import conv_output_size, pool_output_size
from course_lib.grading.kinds import Expression, Int, IntTuple, Matrix
from course_lib.grading.spec import Check, ExerciseSet, Mistake, Question
from course_lib.numeric import conv2d

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
}

K_MAX, S_MAX = 5, 3


def settings_mapping(i, o):
    """Every (k, s, p) with 1 <= k <= 5, 1 <= s <= 3, 0 <= p <= k - 1 taking size i to size o."""
    return sorted(
        (k, s, p)
        for k in range(1, K_MAX + 1)
        for s in range(1, S_MAX + 1)
        for p in range(k)
        if k <= i + 2 * p and conv_output_size(i, k, s, p) == o
    )


def same_output_inputs(i, k, s, p):
    """Every input size (>= 1) giving conv(i, k, s, p)'s output size."""
    o = conv_output_size(i, k, s, p)
    return [n for n in range(1, i + s + 1) if k <= n + 2 * p and conv_output_size(n, k, s, p) == o]


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
    outputs = {}
    for k in range(1, K_MAX + 1):
        for s in range(1, S_MAX + 1):
            for p in range(k):
                if k <= params["i8"] + 2 * p:
                    o = conv_output_size(params["i8"], k, s, p)
                    outputs[o] = outputs.get(o, 0) + 1
    params["o8"] = rng.choice(sorted(o for o, n in outputs.items() if n >= 2))
    params["x10"] = [[rng.randint(0, 3) for _ in range(5)] for _ in range(5)]
    params["w10"] = [[rng.randint(-1, 2) for _ in range(3)] for _ in range(3)]
    params["s10"], params["p10"] = rng.randint(1, 2), rng.randint(0, 1)
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
        answer=lambda P: same_output_inputs(P["i7"], P["k7"], P["s7"], P["p7"]),
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
        answer=lambda P: settings_mapping(P["i8"], P["o8"]),
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
]

EXERCISE_SET = ExerciseSet(
    id="ex02", notebook="02_convolution_arithmetic.ipynb", title="Convolution arithmetic",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
