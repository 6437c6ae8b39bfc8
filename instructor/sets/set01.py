"""Exercise set ex01 — discrete convolution (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib's math modules,
in the grader's process. Defaults are the guide's Figure 1.2 (seed 1234), its Figure 2.7, the first
layers of AlexNet and of the Atari DQN, and a 3-D layer on a video clip.
"""

import numpy as np

from course_lib.arithmetic import conv_multiply_adds, conv_output_size, conv_parameter_count
from course_lib.grading.kinds import Function, Int, IntTuple, Matrix
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.numeric import conv2d

# Figures 1.1 and 1.2: numpy.random.RandomState(1234).randint(0, 4, (5, 5)) and the guide's kernel.
GUIDE_INPUT = np.random.RandomState(1234).randint(0, 4, (5, 5)).tolist()
GUIDE_KERNEL = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]

DEFAULTS = {
    "x1": GUIDE_INPUT, "w1": GUIDE_KERNEL, "s1": 2, "p1": 1,                 # Figure 1.2
    "c3": 3, "i3": 227, "f3": 96, "k3": 11, "s3": 4, "p3": 0,                 # AlexNet's first layer
    "c4": 4, "i4": 84, "f4": 16, "k4": 8, "s4": 4, "p4": 0,                   # the Atari DQN's first layer
    "i7": 6, "k7": 3, "s7": 2, "p7": 1,                                       # Figure 2.7
    "g9": GUIDE_KERNEL,
    "c10": 3, "t10": 16, "h10": 112, "f10": 64, "k10": 3, "p10": 1,           # a 3-D layer on a video clip
}


def _asymmetric_kernel(rng, rows, cols):
    """A kernel that differs from its flips and its transpose, all pairwise (so every mistake shows)."""
    while True:
        g = np.array([[rng.randint(-2, 2) for _ in range(cols)] for _ in range(rows)])
        forms = [g, np.rot90(g, 2), g[::-1], g[:, ::-1]] + ([g.T] if rows == cols else [])
        if len({f.tobytes() for f in forms}) == len(forms):
            return g.tolist()


def generate(rng):
    """One student's parameters."""
    P = {}
    P["x1"] = [[rng.randint(0, 3) for _ in range(5)] for _ in range(5)]
    P["w1"] = [[rng.randint(-1, 2) for _ in range(3)] for _ in range(3)]
    P["s1"], P["p1"] = 2, 1
    P["c3"], P["i3"] = rng.choice([1, 3]), rng.randint(60, 240)
    P["f3"], P["k3"] = rng.choice([32, 48, 64, 96]), rng.choice([5, 7, 9, 11])
    P["s3"], P["p3"] = rng.randint(2, 4), rng.randint(0, 3)
    P["c4"], P["i4"] = rng.randint(1, 4), rng.choice([64, 72, 80, 84, 96])
    P["f4"], P["k4"] = rng.choice([8, 16, 32]), rng.randint(3, 8)
    P["s4"], P["p4"] = rng.randint(2, 4), rng.randint(0, 2)
    P["i7"], P["k7"] = rng.randint(6, 12), rng.randint(2, 4)
    P["s7"], P["p7"] = rng.randint(2, 4), rng.randint(0, P["k7"] - 1)
    P["g9"] = _asymmetric_kernel(rng, rng.randint(2, 3), 3)
    P["c10"], P["t10"], P["h10"] = rng.choice([1, 3]), rng.choice([8, 12, 16]), rng.choice([56, 64, 112])
    P["f10"], P["k10"] = rng.choice([16, 32, 64]), rng.choice([3, 5])
    P["p10"] = rng.randint(0, P["k10"] // 2)
    return P


# --- ex01.1 -----------------------------------------------------------------------------------------

def _output1(P, *, kernel=None, stride=None, padding=None):
    """The answer of ex01.1, or (with the keywords) what a common mistake computes."""
    w = np.array(P["w1"]) if kernel is None else kernel
    return conv2d(np.array(P["x1"]), w, stride=P["s1"] if stride is None else stride,
                  padding=P["p1"] if padding is None else padding).tolist()


# --- ex01.2 -----------------------------------------------------------------------------------------

def conv2d_loop(x, w, stride, padding):
    """Reference for ex01.2: course_lib's conv2d (torch.nn.functional semantics), as nested lists."""
    return conv2d(np.array(x), np.array(w), stride=stride, padding=padding).tolist()


def _draw(rng, *, stride, padding, rectangular=False, real=False):
    """Random (x, w, stride, padding) whose kernel fits in the padded input."""
    s = rng.randint(2, 3) if stride else 1
    p = rng.randint(1, 2) if padding else 0
    k1 = rng.randint(1, 4)
    k2 = rng.randint(1, 4) if rectangular else k1
    h = rng.randint(max(1, k1 - 2 * p), 9)
    wd = rng.randint(max(1, k2 - 2 * p), 9) if rectangular else h
    value = (lambda: round(rng.uniform(-2, 2), 2)) if real else (lambda: rng.randint(-3, 3))
    x = [[value() for _ in range(wd)] for _ in range(h)]
    w = [[value() for _ in range(k2)] for _ in range(k1)]
    return (x, w, s, p)


# --- ex01.3 to ex01.6, ex01.8, ex01.10 ----------------------------------------------------------------

def _o(i, k, s=1, p=0, *, ceil=False):
    """Relationship 6 as plain arithmetic (mistakes may leave the valid range without raising)."""
    return (-(-(i + 2 * p - k) // s) if ceil else (i + 2 * p - k) // s) + 1


def _shape3(P):
    o = conv_output_size(P["i3"], P["k3"], P["s3"], P["p3"])
    return (P["f3"], o, o)


def _macs(c_in, c_out, k, o):
    return c_out * o * o * c_in * k * k


def _o4(P, **how):
    return _o(P["i4"], P["k4"], P["s4"], P["p4"], **how)


def _costs8(P):
    o_strided = conv_output_size(P["i3"], P["k3"], P["s3"], P["p3"])
    o_unit = conv_output_size(P["i3"], P["k3"], 1, P["p3"])
    return (conv_multiply_adds(P["c3"], P["f3"], (P["k3"],) * 2, (o_strided,) * 2),
            conv_multiply_adds(P["c3"], P["f3"], (P["k3"],) * 2, (o_unit,) * 2))


def _layer10(P, *, bias=True, c_in=None, depth_kernel=True):
    o_t = conv_output_size(P["t10"], P["k10"], 1, P["p10"])
    o_h = conv_output_size(P["h10"], P["k10"], 1, P["p10"])
    kernel = (P["k10"],) * (3 if depth_kernel else 2)
    params = conv_parameter_count(P["c10"] if c_in is None else c_in, P["f10"], kernel, bias=bias)
    return (P["f10"], o_t, o_h, o_h, params)


FORGOT_ONE = "You forgot the +1: a kernel that fits exactly once still gives one output unit."
PADDING_ONCE = "You counted the padding once; it is added on both sides (2p)."
NO_BIAS = "You left out the biases: one per output map (per kernel)."
NO_C_IN = ("Each output map has a kernel for every input map: the weights of one output map span all "
           "C_in input maps.")
FLIPPED = ("That is the flipped kernel (a true convolution): the guide and deep-learning libraries lay the "
           "kernel on the input as it is (cross-correlation).")

QUESTIONS = [
    Question(
        id="ex01.1", name="y1", title="An output predicted by hand", points=2, kind=Matrix(),
        answer=_output1,
        mistakes=[
            Mistake(lambda P: _output1(P, kernel=np.rot90(np.array(P["w1"]), 2)), FLIPPED),
            Mistake(lambda P: np.array(_output1(P)).T.tolist(), "Your matrix is transposed: row r of the "
                    "output comes from rows r·s1, r·s1 + 1, ... of the padded input."),
            Mistake(lambda P: _output1(P, padding=0), "You left out the padding (or, the same numbers, kept the "
                    "unit-stride outputs 1, 3, ...): surround x1 with p1 rings of zeros first, so the first "
                    "kernel position hangs over the top-left corner."),
            Mistake(lambda P: _output1(P, stride=1), "You ignored the stride: the kernel jumps s1 units at a time, "
                    "so only every s1-th position gives an output."),
        ],
        checks=[Check("len(answer) == (len(x1) + 2 * p1 - len(w1)) // s1 + 1",
                      "Your matrix should have one row per kernel position.",
                      "Relationship 6 gives the number of rows (and of columns).")],
        hint="Pad x1 with p1 zeros on every side; put the kernel's top-left weight on padded unit (r·s1, c·s1), "
             "multiply unit by unit and add.",
    ),
    Question(
        id="ex01.2", name="conv2d_loop", title="A convolution loop with stride and padding", points=4,
        kind=Function(result=Matrix(), time_limit=5.0),
        reference=conv2d_loop,
        examples=[(GUIDE_INPUT, GUIDE_KERNEL, 1, 0), (GUIDE_INPUT, GUIDE_KERNEL, 2, 1),
                  ([[1, 2, 3, 4]], [[1, -1]], 2, 0)],
        hidden=[
            # fixed hidden cases differ from the public examples, which students already see
            HiddenGroup("unit stride, no padding", cases=[([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]], 1, 0)],
                        draw=lambda rng: _draw(rng, stride=False, padding=False)),
            HiddenGroup("zero padding", cases=[(GUIDE_INPUT, GUIDE_KERNEL, 1, 2), ([[5]], [[1, 2, 3]] * 3, 1, 1)],
                        draw=lambda rng: _draw(rng, stride=False, padding=True)),
            HiddenGroup("strides", cases=[(GUIDE_INPUT, GUIDE_KERNEL, 2, 0), ([[1, 2, 3, 4, 5, 6]], [[1]], 4, 0)],
                        draw=lambda rng: _draw(rng, stride=True, padding=False)),
            HiddenGroup("strides and padding, rectangular inputs and kernels",
                        cases=[(GUIDE_INPUT, [[1, 2], [3, 4]], 3, 1), ([[1, 2, 3], [4, 5, 6]], [[1, 0, -1]], 2, 1)],
                        draw=lambda rng: _draw(rng, stride=True, padding=True, rectangular=True)),
            HiddenGroup("real-valued inputs and kernels", draw=lambda rng: _draw(
                rng, stride=rng.random() < 0.5, padding=rng.random() < 0.5, rectangular=True, real=True)),
        ],
        hint="Pad first (np.pad), compute the output size per axis with Relationship 6, then for every output "
             "unit (r, c) sum w times the padded patch whose top-left corner is (r·stride, c·stride).",
    ),
    Question(
        id="ex01.3", name="shape3", title="The output shape of a multi-channel layer", points=1,
        kind=IntTuple(length=3), answer=_shape3,
        mistakes=[
            Mistake(lambda P: (P["c3"],) + _shape3(P)[1:], "The output has one map per kernel: f3 maps, "
                    "whatever the number of input maps."),
            Mistake(lambda P: _shape3(P)[1:] + (P["f3"],), "Give the shape channels first, (C_out, rows, "
                    "columns), as PyTorch and course_lib do."),
            Mistake(lambda P: (P["f3"],) + (_o(P["i3"], P["k3"], 1, P["p3"]),) * 2, "You ignored the stride: "
                    "divide (i + 2p - k) by s3, rounding down, before adding 1."),
            Mistake(lambda P: (P["f3"],) + (_o(P["i3"], P["k3"], P["s3"], P["p3"], ceil=True),) * 2,
                    "You rounded up; the output size rounds (i + 2p - k) / s down, since the kernel must fit."),
            Mistake(lambda P: (P["f3"],) + ((P["i3"] + 2 * P["p3"] - P["k3"]) // P["s3"],) * 2, FORGOT_ONE),
            Mistake(lambda P: (P["f3"],) + (_o(P["i3"], P["k3"], P["s3"], 0),) * 2 if P["p3"] else None,
                    "You left out the padding: p3 zeros on every side make each axis i3 + 2·p3 long."),
            Mistake(lambda P: (P["f3"],) + (_o(P["i3"] - P["p3"], P["k3"], P["s3"], P["p3"]),) * 2 if P["p3"] else None,
                    PADDING_ONCE),
        ],
        checks=[Check("answer[1] == answer[2]", "The input and kernel are square, so the output maps are too.")],
        hint="Channels: one output map per kernel. Rows and columns: Relationship 6 on each axis.",
    ),
    Question(
        id="ex01.4", name="weights4", title="The weight array's shape", points=1, kind=IntTuple(length=4),
        answer=lambda P: (P["f4"], P["c4"], P["k4"], P["k4"]),
        mistakes=[
            Mistake(lambda P: (P["c4"], P["f4"], P["k4"], P["k4"]), "You swapped the channel axes: PyTorch's "
                    "weights are (C_out, C_in, k1, k2), output maps first."),
            Mistake(lambda P: (P["k4"], P["k4"], P["c4"], P["f4"]), "That is TensorFlow/Keras's layout "
                    "(k1, k2, C_in, C_out); give PyTorch's, (C_out, C_in, k1, k2)."),
            Mistake(lambda P: (P["f4"], 1, P["k4"], P["k4"]), NO_C_IN),
        ],
        checks=[Check("answer[2] == answer[3] == k4", "The last two axes are the kernel's rows and columns.")],
        hint="One k4 × k4 kernel for every pair (output map, input map), in PyTorch's order.",
    ),
    Question(
        id="ex01.5", name="params5", title="Parameters of a multi-channel layer", points=1, kind=Int(),
        answer=lambda P: conv_parameter_count(P["c4"], P["f4"], (P["k4"], P["k4"])),
        mistakes=[
            Mistake(lambda P: conv_parameter_count(P["c4"], P["f4"], (P["k4"], P["k4"]), bias=False), NO_BIAS),
            Mistake(lambda P: conv_parameter_count(1, P["f4"], (P["k4"], P["k4"])), NO_C_IN),
            Mistake(lambda P: conv_parameter_count(P["c4"], P["f4"], (P["k4"], P["k4"]), bias=False) + 1,
                    "Every output map has its own bias: f4 biases, not one."),
            Mistake(lambda P: _o4(P) ** 2 * conv_parameter_count(P["c4"], P["f4"], (P["k4"], P["k4"])),
                    "You counted connections: every position shares the same kernels, so the parameters do not "
                    "grow with the output size."),
        ],
        checks=[Check("answer >= f4 * k4 * k4", "Every output map has at least one k4 × k4 kernel.")],
        hint="The weight array of ex01.4 plus one bias per output map.",
    ),
    Question(
        id="ex01.6", name="macs6", title="Multiply-adds of a multi-channel layer", points=2, kind=Int(),
        answer=lambda P: conv_multiply_adds(P["c4"], P["f4"], (P["k4"], P["k4"]), (_o4(P), _o4(P))),
        mistakes=[
            Mistake(lambda P: _o4(P) ** 2 * conv_parameter_count(P["c4"], P["f4"], (P["k4"], P["k4"])),
                    "You counted the biases as multiplications: a bias is only added."),
            Mistake(lambda P: _macs(1, P["f4"], P["k4"], _o4(P)), NO_C_IN),
            Mistake(lambda P: _macs(P["c4"], P["f4"], P["k4"], _o(P["i4"], P["k4"], 1, P["p4"])),
                    "You ignored the stride: the strided layer computes only the kept output units."),
            Mistake(lambda P: _macs(P["c4"], P["f4"], P["k4"], P["i4"]), "Count output units, not input units: "
                    "the kernel is applied once per output unit."),
            Mistake(lambda P: _macs(P["c4"], P["f4"], P["k4"], _o4(P)) // P["f4"], "Every output map is computed "
                    "with its own kernels: multiply by f4."),
        ],
        checks=[Check("answer % (k4 * k4) == 0", "Each output unit costs a whole number of k4 × k4 kernels.")],
        hint="One multiply-add per weight of an output map, for every output unit of every output map.",
    ),
    Question(
        id="ex01.7", name="kept7", title="Strides as subsampling: which outputs are kept", points=2,
        kind=IntTuple(partial=False),
        answer=lambda P: tuple(range(0, conv_output_size(P["i7"], P["k7"], 1, P["p7"]), P["s7"])),
        mistakes=[
            Mistake(lambda P: tuple(range(1, _o(P["i7"], P["k7"], 1, P["p7"]), P["s7"])), "Indices start at 0: "
                    "the strided convolution keeps the first kernel position, index 0 (the guide's 'odd "
                    "elements' count from 1)."),
            Mistake(lambda P: tuple(range(P["s7"] - 1, _o(P["i7"], P["k7"], 1, P["p7"]), P["s7"])),
                    "A stride keeps the first unit of every group of s7, not the last: indices 0, s7, 2·s7, ..."),
            Mistake(lambda P: tuple(range(_o(P["i7"], P["k7"], P["s7"], P["p7"]))), "Those are the strided "
                    "output's own indices; give the unit-stride indices they come from."),
            Mistake(lambda P: tuple(range(0, _o(P["i7"], P["k7"], 1, 0), P["s7"])) if P["p7"] else None,
                    "You left out the padding: the unit-stride convolution runs on the same padded input, "
                    "i7 + 2·p7 - k7 + 1 outputs long."),
            Mistake(lambda P: tuple(range(0, P["i7"] + 2 * P["p7"], P["s7"])), "Some of those indices are past "
                    "the unit-stride output's end: the kernel must fit in the padded input."),
        ],
        checks=[Check("list(answer) == sorted(set(answer))", "List the indices in increasing order, each once."),
                Check("len(answer) == 0 or answer[0] >= 0", "Indices count from 0.")],
        hint="Output r of the stride-s7 convolution places the kernel where the unit-stride convolution "
             "places it for output r·s7.",
    ),
    Question(
        id="ex01.8", name="costs8", title="What the stride saves", points=2, kind=IntTuple(length=2),
        answer=_costs8,
        mistakes=[
            Mistake(lambda P: (_costs8(P)[0], P["s3"] ** 2 * _costs8(P)[0]), "s² times the strided cost is only "
                    "the large-input approximation: count the unit-stride outputs exactly."),
            Mistake(lambda P: (_costs8(P)[0], _costs8(P)[1] - _costs8(P)[0]), "Give the unit-stride route's whole "
                    "cost, not only what it throws away."),
            Mistake(lambda P: (_costs8(P)[0], _macs(P["c3"], P["f3"], P["k3"], _o(P["i3"], P["k3"], 1, 0))) if P["p3"] else None,
                    "The unit-stride convolution runs on the same padded input: keep p3."),
            Mistake(lambda P: (_costs8(P)[0] // P["c3"], _costs8(P)[1] // P["c3"]) if P["c3"] > 1 else None,
                    NO_C_IN),
        ],
        checks=[Check("answer[0] < answer[1]", "The unit-stride route computes more output units, so it costs "
                      "more.")],
        hint="Same layer, same cost per output unit: only the number of output units differs.",
    ),
    Question(
        id="ex01.9", name="kernel9", title="Which kernel gives a true convolution?", points=1, kind=Matrix(),
        answer=lambda P: np.rot90(np.array(P["g9"]), 2).tolist(),
        mistakes=[
            Mistake(lambda P: P["g9"], "conv2d does not flip the kernel (it is a cross-correlation); to get a true "
                    "convolution you must flip it yourself."),
            Mistake(lambda P: np.array(P["g9"]).T.tolist(), "A transpose swaps rows and columns; the flip of a "
                    "true convolution reverses both axes (a 180° rotation)."),
            Mistake(lambda P: np.array(P["g9"])[::-1].tolist(), "You flipped only the rows: a 2-D convolution "
                    "reverses both axes."),
            Mistake(lambda P: np.array(P["g9"])[:, ::-1].tolist(), "You flipped only the columns: a 2-D "
                    "convolution reverses both axes."),
        ],
        checks=[Check("len(answer) == len(g9)", "The kernel keeps its shape: as many rows as g9.")],
        hint="Write out which weight multiplies x[r + m, c + n] in the true convolution's sum.",
    ),
    Question(
        id="ex01.10", name="layer10", title="A 3-D layer: output shape and parameters", points=2,
        kind=IntTuple(length=5), answer=_layer10,
        mistakes=[
            Mistake(lambda P: _layer10(P, depth_kernel=False), "The kernel is a cuboid k10 × k10 × k10: it "
                    "slides over the frames too."),
            Mistake(lambda P: _layer10(P, bias=False), NO_BIAS),
            Mistake(lambda P: _layer10(P, c_in=1), NO_C_IN),
            Mistake(lambda P: (P["f10"], P["t10"] - P["k10"] + 1, P["h10"] - P["k10"] + 1,
                               P["h10"] - P["k10"] + 1, _layer10(P)[4]) if P["p10"] else None,
                    "You left out the padding: p10 zeros on both sides of every axis, frames included."),
        ],
        checks=[Check("answer[0] == f10", "The output has one map per kernel."),
                Check("answer[2] == answer[3]", "The frames are square, so the output's rows and columns agree.")],
        hint="Relationship 2 on each of the three axes; the parameters count one k10 × k10 × k10 kernel per "
             "pair of output map and input map, and one bias per output map.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex01", notebook="01_discrete_convolution.ipynb", title="Discrete convolution",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
