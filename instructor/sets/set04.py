"""Exercise set ex04 — convolution as a matrix (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib's math modules
(``symbolic.conv_matrix``, ``connectivity.conv_matrix_pattern``, ``numeric``), in the grader's
process. Defaults: Figure 2.6's 1-D axis (i = 5, k = 3, s = 2, p = 1, here i = 6: Figure 2.7),
a padded 2-D layer, Figure 2.7's transpose, VGG-like and DQN-like shapes, the "same"-padded
all-ones kernel that is singular on 5 units.
"""

import numpy as np
import sympy

from course_lib.arithmetic import conv_output_size
from course_lib.connectivity import conv_matrix_pattern
from course_lib.grading.kinds import Function, Int, IntTuple, Matrix
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.numeric import conv2d, conv_transpose1d
from course_lib.symbolic import conv_matrix

W_SYMBOLS = sympy.symbols("w0:4")

DEFAULTS = {
    "i1": 6, "k1": 3, "s1": 2, "p1": 1,                        # Figure 2.7 along one axis
    "i2": 7, "k2": 3, "s2": 2, "p2": 1,
    "w3": [1, -2, 3], "i3": 6, "s3": 2, "p3": 1, "g3": [2, -1, 1],
    "y5": [[1, 2], [-1, 3]], "w5": [[1, 0], [2, -1]], "i5": 3, "s5": 1,
    "c6": 3, "f6": 16, "h6": 32, "v6": 24, "k6": 5, "s6": 2, "p6": 2,
    "w7": [1, 1, 1], "i7": 5, "s7": 1, "p7": 1,                # singular: (1, -1, 0, 1, -1) -> 0
    "i8": 7, "k8": 3, "s8": 2, "p8": 1, "j8": 0,
}

# ex04.5: (i, k, s) with a 2x2 output and no padding
SMALL_TRANSPOSES = [(3, 2, 1), (4, 2, 2), (4, 3, 1), (5, 3, 2)]
# ex04.7: (kernel, i, s, p) cases of every kind: valid, full, strided, "same" (regular or singular)
RANK_CASES = [
    ([1, 1, 1], 5, 1, 1), ([1, 1, 1], 8, 1, 1), ([1, -1, 1], 6, 1, 1), ([1, 2, 1], 6, 1, 1),
    ([2, -1, 3], 7, 1, 0), ([1, 0, -1], 6, 1, 2), ([1, 2], 6, 1, 1), ([1, -1], 7, 2, 0),
    ([3, 1, 2], 8, 2, 1), ([1, 2, 3], 5, 3, 2), ([1, 1, 1], 6, 1, 0), ([1, -2, 1], 6, 1, 2),
]


def generate(rng):
    """One student's parameters."""
    P = {}
    P["k1"] = rng.randint(2, 3)
    P["i1"], P["s1"], P["p1"] = rng.randint(5, 8), rng.randint(1, 3), rng.randint(0, P["k1"] - 1)
    P["k2"] = rng.choice([2, 3, 4, 5])
    P["i2"], P["s2"], P["p2"] = rng.randint(6, 12), rng.randint(1, 3), rng.randint(1, P["k2"] - 1)
    P["w3"] = [rng.choice([-3, -2, -1, 1, 2, 3]) for _ in range(3)]
    P["i3"], P["s3"], P["p3"] = rng.randint(5, 8), rng.randint(1, 3), rng.randint(0, 2)
    P["g3"] = [rng.randint(-3, 3) for _ in range(conv_output_size(P["i3"], 3, P["s3"], P["p3"]))]
    P["i5"], k5, P["s5"] = rng.choice(SMALL_TRANSPOSES)
    P["w5"] = [[rng.choice([-2, -1, 1, 2]) for _ in range(k5)] for _ in range(k5)]
    P["y5"] = [[rng.randint(-3, 3) for _ in range(2)] for _ in range(2)]
    P["c6"], P["f6"] = rng.choice([1, 3, 4]), rng.choice([8, 16, 32, 64])
    P["h6"], P["v6"] = rng.choice([16, 24, 28, 32]), rng.choice([16, 20, 24, 32])
    P["k6"] = rng.choice([3, 5, 7])
    P["s6"], P["p6"] = rng.randint(1, 3), rng.randint(0, P["k6"] // 2)
    P["w7"], P["i7"], P["s7"], P["p7"] = rng.choice(RANK_CASES)
    P["k8"] = rng.randint(2, 4)
    P["i8"], P["s8"], P["p8"] = rng.randint(6, 10), rng.randint(1, 3), rng.randint(0, P["k8"] - 1)
    P["j8"] = rng.randint(0, P["k8"] - 1)
    return P


# --- ex04.1 -----------------------------------------------------------------------------------------

def _c1(P, *, kernel=None, stride=None, padding=None):
    """C of the 1-D convolution of ex04.1 over w0, w1, ... (or a mistake's variant)."""
    w = list(W_SYMBOLS[:P["k1"]]) if kernel is None else kernel
    s = P["s1"] if stride is None else stride
    p = P["p1"] if padding is None else padding
    return sympy.Matrix(conv_matrix(P["i1"], w, stride=s, padding=p))


# --- ex04.2 -----------------------------------------------------------------------------------------

def _counts2(P):
    pattern = conv_matrix_pattern((P["i2"],) * 2, (P["k2"],) * 2, P["s2"], P["p2"])
    return len(pattern.rows), len(set(pattern.kernel_index.tolist()))


def _o2(P):
    return conv_output_size(P["i2"], P["k2"], P["s2"], P["p2"])


# --- ex04.3 -----------------------------------------------------------------------------------------

def _a3(P):
    return (P["i3"] + 2 * P["p3"] - 3) % P["s3"]


def _grad3(P, *, kernel=None, output_padding=None):
    w = P["w3"] if kernel is None else kernel
    a = _a3(P) if output_padding is None else output_padding
    return tuple(int(v) for v in conv_transpose1d(P["g3"], w, stride=P["s3"], padding=P["p3"], output_padding=a))


# --- ex04.4 -----------------------------------------------------------------------------------------

def conv_matrix2d(shape, w, stride, padding):
    """Reference for ex04.4: column c of C is the convolution of the c-th unit image."""
    units = np.eye(shape[0] * shape[1])
    return np.stack([conv2d(e.reshape(shape), np.asarray(w, dtype=float), stride=stride, padding=padding).ravel()
                     for e in units], axis=1).tolist()


def _draw4(rng, *, stride, padding, real=False):
    k1, k2 = rng.randint(1, 3), rng.randint(1, 3)
    s = rng.randint(2, 3) if stride else 1
    p = rng.randint(1, 2) if padding else 0
    h, wd = rng.randint(max(1, k1 - 2 * p), 5), rng.randint(max(1, k2 - 2 * p), 5)
    value = (lambda: round(rng.uniform(-2, 2), 2)) if real else (lambda: rng.randint(-3, 3))
    return ((h, wd), [[value() for _ in range(k2)] for _ in range(k1)], s, p)


# --- ex04.5 -----------------------------------------------------------------------------------------

def _transposed5(P, *, kernel=None, overwrite=False):
    w = np.array(P["w5"] if kernel is None else kernel)
    k, s = w.shape[0], P["s5"]
    out = np.zeros((P["i5"], P["i5"]), dtype=int)
    for (r, c), value in np.ndenumerate(np.array(P["y5"])):
        if overwrite:
            out[r * s:r * s + k, c * s:c * s + k] = value * w
        else:
            out[r * s:r * s + k, c * s:c * s + k] += value * w
    return out.tolist()


def _truth5(P):
    C = conv_matrix((P["i5"], P["i5"]), P["w5"], stride=P["s5"])
    return np.array((C.T * sympy.Matrix(np.array(P["y5"]).ravel())).tolist(), dtype=int).reshape(P["i5"], P["i5"]).tolist()


# --- ex04.6 -----------------------------------------------------------------------------------------

def _shape6(P, *, padded=False):
    oh = conv_output_size(P["h6"], P["k6"], P["s6"], P["p6"])
    ow = conv_output_size(P["v6"], P["k6"], P["s6"], P["p6"])
    extra = 2 * P["p6"] if padded else 0
    return (P["f6"] * oh * ow, P["c6"] * (P["h6"] + extra) * (P["v6"] + extra))


# --- ex04.7 -----------------------------------------------------------------------------------------

def _rank7(P):
    return sympy.Matrix(conv_matrix(P["i7"], P["w7"], stride=P["s7"], padding=P["p7"])).rank()


def _o7(P):
    return conv_output_size(P["i7"], len(P["w7"]), P["s7"], P["p7"])


# --- ex04.8 -----------------------------------------------------------------------------------------

def _entries8(P, *, tap=None, padding=None, keep_padding=False):
    k, s, i = P["k8"], P["s8"], P["i8"]
    j = P["j8"] if tap is None else tap
    p = P["p8"] if padding is None else padding
    o = conv_output_size(i, k, s, P["p8"])
    cells = [(r, r * s - p + j) for r in range(o)]
    return sorted(cell for cell in cells if keep_padding or 0 <= cell[1] < i)


def _truth8(P):
    pattern = conv_matrix_pattern(P["i8"], P["k8"], P["s8"], P["p8"])
    return sorted((int(r), int(c)) for r, c, t in zip(pattern.rows, pattern.cols, pattern.kernel_index) if t == P["j8"])


FLIPPED = ("That is the flipped kernel: C holds the weights in their own order (cross-correlation), so "
           "w0 is the leftmost weight of each row.")
NO_PADDING_COLUMNS = "Padding units are constants, not inputs: they have no columns in C."

QUESTIONS = [
    Question(
        id="ex04.1", name="C1", title="C of a 1-D convolution, by hand", points=2, kind=Matrix(),
        answer=_c1,
        mistakes=[
            Mistake(lambda P: _c1(P, padding=0) if P["p1"] else None, "You left out the padding: the first "
                    "placement starts p1 units before x0, so the first rows lose the taps that fall on the "
                    "padding (and there are more rows)."),
            Mistake(lambda P: _c1(P, stride=1) if P["s1"] > 1 else None, "You ignored the stride: each row is "
                    "the previous one shifted by s1 columns, so there are fewer rows."),
            Mistake(lambda P: _c1(P, kernel=list(W_SYMBOLS[:P["k1"]])[::-1]), FLIPPED),
            Mistake(lambda P: _c1(P).T, "That is Cᵀ: C has one row per output unit and one column per input unit."),
        ],
        checks=[Check("len(answer[0]) == i1", "C should have one column per input unit (i1 of them).",
                      "Padding units have no columns.")],
        hint="Row r is output unit r: tap j lands on input unit r·s1 − p1 + j; put w_j in that column when "
             "it is a real input unit (0 <= column < i1).",
    ),
    Question(
        id="ex04.2", name="counts2", title="Nonzeros and distinct weights of a padded 2-D C", points=2,
        kind=IntTuple(length=2), answer=_counts2,
        mistakes=[
            Mistake(lambda P: (_o2(P) ** 2 * P["k2"] ** 2, P["k2"] ** 2), "o²k² counts every tap of every "
                    "placement, including the taps that fall on the padding: those have no column, so no entry."),
            Mistake(lambda P: (_counts2(P)[0], _counts2(P)[0]), "Distinct weights are the kernel's: every "
                    "nonzero holds one of the k2 × k2 shared weights."),
            Mistake(lambda P: (_counts2(P)[0], _o2(P) ** 2 * P["i2"] ** 2), "That second number is the count "
                    "of all entries of C (a dense layer); distinct weights are the kernel's."),
            Mistake(lambda P: (conv_output_size(P["i2"], P["k2"], 1, P["p2"]) ** 2 * P["k2"] ** 2, P["k2"] ** 2)
                    if P["s2"] > 1 else None, "You ignored the stride (and the taps on the padding): count the "
                    "rows of the strided C."),
        ],
        checks=[Check("answer[0] >= answer[1]", "Every distinct weight occupies at least one nonzero.")],
        hint="The axes do not interact: count the nonzeros of the 1-D C (taps landing on real input units, "
             "row by row) and square it.",
    ),
    Question(
        id="ex04.3", name="grad3", title="An input gradient through Cᵀ", points=2, kind=IntTuple(),
        answer=_grad3,
        mistakes=[
            # With s = 1 and "same" padding C is square, and C g equals this flipped-kernel answer.
            Mistake(lambda P: _grad3(P, kernel=P["w3"][::-1]),
                    "That is the gradient with the kernel reversed (for a square C it is also C g): the input "
                    "gradient is Cᵀ g, in which each g_r adds the kernel in its own order, w0 first."),
            Mistake(lambda P: _grad3(P, output_padding=0) if _a3(P) else None, "Your gradient is too short: "
                    "it must have one entry per input unit (i3). The last input units still exist, even if "
                    "no kernel placement reads them (their gradient is 0)."),
        ],
        checks=[Check("len(answer) == i3", "The input gradient has one entry per input unit (i3).")],
        hint="dL/dx = Cᵀ g: build C (one row per output unit), then multiply its transpose by g. Or scatter: "
             "each g_r adds g_r times the kernel where placement r laid it.",
    ),
    Question(
        id="ex04.4", name="conv_matrix2d", title="A convolution by building C", points=4,
        kind=Function(result=Matrix(), time_limit=5.0), reference=conv_matrix2d,
        examples=[((4, 4), [[0, 1, 2], [2, 2, 0], [0, 1, 2]], 1, 0), ((3, 3), [[1, -1]], 2, 1)],
        hidden=[
            HiddenGroup("unit stride, no padding", cases=[((3, 4), [[1, 2], [3, 4]], 1, 0)],
                        draw=lambda rng: _draw4(rng, stride=False, padding=False)),
            HiddenGroup("zero padding", cases=[((2, 3), [[1, 0, -1]], 1, 1)],
                        draw=lambda rng: _draw4(rng, stride=False, padding=True)),
            HiddenGroup("strides and padding", cases=[((5, 5), [[1, 2], [0, 1]], 3, 1), ((4, 3), [[2]], 2, 0)],
                        draw=lambda rng: _draw4(rng, stride=True, padding=True)),
            HiddenGroup("real-valued kernels", draw=lambda rng: _draw4(
                rng, stride=rng.random() < 0.5, padding=rng.random() < 0.5, real=True)),
        ],
        hint="Output unit (r, c) is row r·o_w + c; its tap (m, n) lands on input unit (r·s − p + m, c·s − p + n), "
             "which is column (r·s − p + m)·W + (c·s − p + n) when it is inside the input.",
    ),
    Question(
        id="ex04.5", name="xt5", title="Predict Cᵀ y", points=2, kind=Matrix(), answer=_truth5,
        mistakes=[
            Mistake(lambda P: _transposed5(P, kernel=np.rot90(np.array(P["w5"]), 2)), FLIPPED),
            Mistake(lambda P: _transposed5(P, overwrite=True) if len(P["w5"]) > P["s5"] else None,
                    "Overlapping kernel copies add up: where two copies land on one unit, sum them."),
            Mistake(lambda P: np.array(_truth5(P)).T.tolist(), "Your map is transposed: y5[r][c] puts its "
                    "kernel copy with its top-left corner on unit (r·s5, c·s5)."),
        ],
        checks=[Check("len(answer) == i5", "Cᵀ y has the convolution's input shape: i5 × i5.")],
        hint="Cᵀ y = Σ y[r][c] · (row (r, c) of C), reshaped: each y entry adds a weighted copy of w5 where "
             "the forward kernel sat for output (r, c).",
    ),
    Question(
        id="ex04.6", name="shape6", title="The shape of C for a multi-channel layer", points=1,
        kind=IntTuple(length=2), answer=_shape6,
        mistakes=[
            Mistake(lambda P: _shape6(P)[::-1], "That is the shape of Cᵀ: C has one row per output unit."),
            Mistake(lambda P: _shape6(P, padded=True) if P["p6"] else None, NO_PADDING_COLUMNS),
            Mistake(lambda P: (_shape6(P)[0] // P["f6"], _shape6(P)[1] // P["c6"]), "C covers all maps: "
                    "f6 output maps stacked in the rows, c6 input maps in the columns."),
            Mistake(lambda P: (_shape6(P)[0] // P["f6"] * P["f6"] * P["c6"], _shape6(P)[1]), "Each output "
                    "unit is one row, whatever the number of input maps: the c6 input maps are columns."),
        ],
        hint="Flatten every map and stack them: rows = output units of all output maps, columns = input "
             "units of all input maps (padding excluded).",
    ),
    Question(
        id="ex04.7", name="rank7", title="Is this convolution injective? The rank of C", points=2, kind=Int(),
        answer=_rank7,
        mistakes=[
            Mistake(lambda P: P["i7"], "Not every C has full column rank: check whether some input is sent to "
                    "0 (for 'same' padding it depends on the kernel and on i7), and rank ≤ the number of rows."),
            Mistake(lambda P: _o7(P), "C has o rows, but the rank is at most min(o, i7): here the columns "
                    "(or a combination of rows) limit it."),
            Mistake(lambda P: min(_o7(P), P["i7"]) - 1, "Look again: the rows of C are not dependent here."),
        ],
        checks=[Check("0 <= answer <= i7", "The rank of C is between 0 and its number of columns, i7.")],
        hint="Write C (o rows, i7 columns). Rank ≤ min(o, i7); then look for an input C sends to 0 — with "
             "'same' padding try alternating patterns such as (1, −1, 0, 1, −1, ...).",
    ),
    Question(
        id="ex04.8", name="entries8", title="Where a weight appears in C", points=2,
        kind=IntTuple(item_length=2, unordered=True), answer=_truth8,
        mistakes=[
            Mistake(lambda P: _entries8(P, padding=0) if P["p8"] else None, "You left out the padding: tap j "
                    "of placement r lands on input unit r·s8 − p8 + j."),
            Mistake(lambda P: _entries8(P, keep_padding=True) if P["p8"] else None, NO_PADDING_COLUMNS +
                    " Leave out the placements where w_j falls on the padding."),
            Mistake(lambda P: _entries8(P, tap=P["k8"] - 1 - P["j8"]) if 2 * P["j8"] != P["k8"] - 1 else None,
                    FLIPPED),
            Mistake(lambda P: [(c, r) for r, c in _truth8(P)], "Give (row, column): the row is the output unit, "
                    "the column the input unit."),
        ],
        checks=[Check("all(0 <= c < i8 for r, c in answer)", "Columns are input units, 0 to i8 − 1.")],
        hint="w_j sits once in every row r whose tap j lands on a real input unit: column r·s8 − p8 + j.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex04", notebook="04_convolution_as_matrix.ipynb", title="Convolution as a matrix",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
