"""Check-yourself questions of lesson 04 (convolution as a matrix) — instructor only.

The lesson (notebooks/04_convolution_as_matrix.ipynb) asks each question just before the cell
that reveals the answer; check("l04.M") gives immediate feedback, and practice("l04.M") draws new
numbers (``_draw``) for more practice. Every expected answer is computed from the parameters with
course_lib's math modules; every draw keeps each declared mistake apart from the answer and from
the other mistakes (distinct, non-palindromic kernels; stride >= 2; padding 0, 1 or 2; y with
nonzero entries; a draw in which some mistake would coincide is drawn again).
"""

import numpy as np
import sympy

from course_lib.grading.kinds import IntTuple, Matrix
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.symbolic import conv_matrix

KERNEL = [1, 2, 3]

PARAMETERS = {
    "i1": 5, "w1": [1, 2, 3], "s1": 2, "p1": 1,     # question 1: C of a strided, padded 1-D convolution
    "w2": [1, 2, 3], "y2": [1, 2],                  # question 2: Cᵀ y for i = 5, k = 3, s = 2, p = 0
    "i3": 7,                                        # question 3: rank and nullity of the second difference
}


def _kernel(rng):
    """Three distinct weights in 1..4 (so the flipped kernel is another kernel)."""
    return rng.sample(range(1, 5), 3)


def _draw(rng):
    """Hand-sized numbers: i in 5..7 with s in {2, 3} and p in {0, 1, 2}; a kernel of 3 distinct
    weights; y with nonzero entries (so overlapping copies add something); i3 in 5..10. A draw in
    which a declared mistake would give the answer or another mistake's value is drawn again."""
    while True:
        P = {"i1": rng.randint(5, 7), "w1": _kernel(rng), "s1": rng.choice([2, 3]), "p1": rng.choice([0, 1, 2]),
             "w2": _kernel(rng), "y2": [rng.randint(1, 3), rng.randint(1, 3)], "i3": rng.randint(5, 10)}
        if not any(question.separation_problems(P) for question in QUESTIONS):
            return P


def _c(i, kernel=KERNEL, s=1, p=0):
    """C of the 1-D convolution as nested lists of ints."""
    return np.array(conv_matrix(i, kernel, stride=s, padding=p).tolist(), dtype=int).tolist()


def _transposed(y, kernel=KERNEL, i=5, s=2):
    """Cᵀ y for the 1-D convolution conv(i, kernel, s) without padding."""
    return tuple(int(v) for v in np.array(conv_matrix(i, kernel, stride=s).T.tolist(), dtype=int) @ np.array(y))


def _overwritten(y, kernel=KERNEL, i=5, s=2):
    """The scatter done by assignment: a later kernel copy overwrites the earlier one's overlap."""
    out = [0] * i
    for t, value in enumerate(y):
        for j, w in enumerate(kernel):
            out[t * s + j] = value * w
    return tuple(out)


def _kept_first(y, kernel=KERNEL, i=5, s=2):
    """The scatter where a unit keeps the first copy's value and later copies do not add to it."""
    out = [None] * i
    for t, value in enumerate(y):
        for j, w in enumerate(kernel):
            if out[t * s + j] is None:
                out[t * s + j] = value * w
    return tuple(0 if v is None else v for v in out)


def _scattered(y, step, kernel=KERNEL, i=5):
    """Kernel copies weighted by y and added, copy t starting at unit t·step of an i-unit output."""
    out = [0] * i
    for t, value in enumerate(y):
        for j, w in enumerate(kernel):
            out[t * step + j] += value * w
    return tuple(out)


def _rank_nullity(i, kernel, s=1, p=0):
    C = sympy.Matrix(conv_matrix(i, kernel, stride=s, padding=p))
    return C.rank(), C.cols - C.rank()


# Question 1: C of conv1d, i = 5, kernel (1, 2, 3), s = 2, p = 1.
# Question 2: Cᵀ y for conv1d, i = 5, kernel (1, 2, 3), s = 2, p = 0, y = (1, 2).
# Question 3: rank and nullity of C for conv1d, i = 7, kernel (1, -2, 1), s = 1, p = 0.
QUESTIONS = [
    Question(
        id="l04.1", name="cy1_matrix", title="Writing C for a strided, padded 1-D convolution", points=1,
        kind=Matrix(), answer=lambda P: _c(P["i1"], P["w1"], s=P["s1"], p=P["p1"]),
        mistakes=[
            Mistake(lambda P: _c(P["i1"], P["w1"], s=P["s1"], p=0) if P["p1"] else None, "You left out the padding: the first "
                    "placement starts on the padding unit before x₀, so row 0 holds only w₁ and w₂ (the tap on "
                    "the padding has no column)."),
            Mistake(lambda P: _c(P["i1"], P["w1"], s=1, p=P["p1"]), "You ignored the stride: consecutive output "
                    "units place the kernel s input units apart, so its start moves s columns from one row to the "
                    "next and C has fewer rows."),
            Mistake(lambda P: _c(P["i1"], P["w1"][::-1], s=P["s1"], p=P["p1"]), "That is the flipped kernel: "
                    "C holds the weights "
                    "in their own order (cross-correlation), w₀, w₁, w₂ from left to right within each row; a "
                    "tap that falls on the padding is simply missing from its row."),
            Mistake(lambda P: np.array(_c(P["i1"], P["w1"], s=P["s1"], p=P["p1"])).T.tolist(), "That is Cᵀ: C has one row per output "
                    "unit and one column per input unit."),
        ],
        hint="Row r is output unit r: its kernel starts at padded position r·s, i.e. input unit r·s − p; "
             "write w_j in column r·s − p + j and drop taps that fall on padding.",
        ask="A 1-D input of i = {i1} units, the kernel {w1}, stride s = {s1} and padding p = {p1}. Write the "
            "matrix C of this convolution as a numpy array of numbers (np.array([[...], ...])).",
    ),
    Question(
        id="l04.2", name="cy2_transposed", title="Predicting Cᵀ y", points=1, kind=IntTuple(length=5),
        answer=lambda P: _transposed(P["y2"], P["w2"]),
        mistakes=[
            Mistake(lambda P: _overwritten(P["y2"], P["w2"]), "Overlapping kernel copies add up: the unit where both "
                    "copies land gets the sum of the two contributions."),
            Mistake(lambda P: _kept_first(P["y2"], P["w2"]), "Where two kernel copies overlap you kept the first "
                    "copy's value: the second copy adds to it, so that unit gets the sum of both contributions."),
            Mistake(lambda P: _transposed(P["y2"], P["w2"][::-1]), "That is the flipped kernel: each column of "
                    "Cᵀ, read downwards, is a row of C, with the weights in their own order, so each copy is "
                    "w₀, w₁, w₂ from left to right."),
            Mistake(lambda P: _scattered(P["y2"], step=1, kernel=P["w2"]), "You moved the kernel copies one "
                    "unit apart: they sit s units apart, where the forward kernel was placed."),
        ],
        hint="Cᵀ y is a sum of the columns of Cᵀ, i.e. of the rows of C, weighted by y: y₀ times row 0 "
             "plus y₁ times row 1.",
        ask="The 1-D convolution with input size 5, kernel {w2}, stride 2 and no padding has a 2×5 matrix C. "
            "Compute Cᵀy for y = {y2}, as a tuple of 5 integers.",
    ),
    Question(
        id="l04.3", name="cy3_rank", title="Rank and null space of a valid convolution", points=1,
        kind=IntTuple(length=2), answer=lambda P: _rank_nullity(P["i3"], [1, -2, 1]),
        mistakes=[
            Mistake(lambda P: (P["i3"], 0), "C has only o = i − 2 rows, one per kernel placement, so its rank "
                    "is at most o: it cannot be injective."),
            Mistake(lambda P: (P["i3"] - 2, 0), "Rank + nullity is the number of columns of C (i), not its "
                    "number of rows."),
            Mistake(lambda P: (P["i3"] - 1, 1), "C has only o = i − 2 rows, one per kernel placement, so its "
                    "rank is at most o."),
            Mistake(lambda P: (P["i3"] - 2, 1), "The rank is right, but constants are not the only inputs whose second "
                    "difference is 0: which input grows by the same amount at every step?"),
        ],
        hint="Count C's rows (o) and columns (i); then ask which inputs a second difference sends to 0.",
        ask="The kernel (1, -2, 1) (a second difference) on an input of i = {i3} units, stride 1, no padding. "
            "Give (rank of C, dimension of its null space) as a tuple of 2 integers.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l04", notebook="04_convolution_as_matrix.ipynb", title="Convolution as a matrix (lesson 04)",
    parameters=PARAMETERS, generate=_draw, questions=QUESTIONS,
)
