"""Check-yourself questions of lesson 04 (convolution as a matrix) — instructor only.

The lesson (notebooks/04_convolution_as_matrix.ipynb) asks each question just before the cell
that reveals the answer; check("l04.M") gives immediate feedback. No per-student variants: the
numbers are the lesson's. Every expected answer is computed with course_lib's math modules.
"""

import numpy as np
import sympy

from course_lib.grading.kinds import IntTuple, Matrix
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.symbolic import conv_matrix

KERNEL = [1, 2, 3]


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
        kind=Matrix(), answer=lambda P: _c(5, s=2, p=1),
        mistakes=[
            Mistake(lambda P: _c(5, s=2, p=0), "You left out the padding: the first placement starts on the "
                    "padding unit before x₀, so row 0 holds only w₁ and w₂ (the tap on the padding has no column)."),
            Mistake(lambda P: _c(5, s=1, p=1), "You ignored the stride: consecutive output units place the "
                    "kernel s = 2 input units apart, so its start moves 2 columns from one row to the next and "
                    "C has fewer rows."),
            Mistake(lambda P: _c(5, KERNEL[::-1], s=2, p=1), "That is the flipped kernel: C holds the weights "
                    "in their own order (cross-correlation), w₀, w₁, w₂ from left to right within each row; a "
                    "tap that falls on the padding is simply missing from its row."),
            Mistake(lambda P: np.array(_c(5, s=2, p=1)).T.tolist(), "That is Cᵀ: C has one row per output "
                    "unit and one column per input unit."),
        ],
        hint="Row r is output unit r: its kernel starts at padded position r·s, i.e. input unit r·s − p; "
             "write w_j in column r·s − p + j and drop taps that fall on padding.",
    ),
    Question(
        id="l04.2", name="cy2_transposed", title="Predicting Cᵀ y", points=1, kind=IntTuple(length=5),
        answer=lambda P: _transposed((1, 2)),
        mistakes=[
            Mistake(lambda P: _overwritten((1, 2)), "Overlapping kernel copies add up: the unit where both "
                    "copies land gets the sum of the two contributions."),
            Mistake(lambda P: _transposed((1, 2), KERNEL[::-1]), "That is the flipped kernel: each column of "
                    "Cᵀ, read downwards, is a row of C, with the weights in their own order, so each copy is "
                    "w₀, w₁, w₂ from left to right."),
            Mistake(lambda P: _scattered((1, 2), step=1), "You moved the kernel copies one unit "
                    "apart: they sit s = 2 units apart, where the forward kernel was placed."),
        ],
        hint="Cᵀ y is a sum of the columns of Cᵀ, i.e. of the rows of C, weighted by y: y₀ times row 0 "
             "plus y₁ times row 1.",
    ),
    Question(
        id="l04.3", name="cy3_rank", title="Rank and null space of a valid convolution", points=1,
        kind=IntTuple(length=2), answer=lambda P: _rank_nullity(7, [1, -2, 1]),
        mistakes=[
            Mistake(lambda P: (7, 0), "C has only o = 5 rows, so its rank is at most 5: it cannot be injective."),
            Mistake(lambda P: (5, 0), "Rank + nullity is the number of columns of C (i = 7), not its number "
                    "of rows."),
            Mistake(lambda P: (6, 1), "C has only o = 5 rows, so its rank is at most 5."),
            Mistake(lambda P: (5, 1), "The rank is right, but constants are not the only inputs whose second "
                    "difference is 0: which input grows by the same amount at every step?"),
        ],
        hint="Count C's rows (o) and columns (i); then ask which inputs a second difference sends to 0.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l04", notebook="04_convolution_as_matrix.ipynb", title="Convolution as a matrix (lesson 04)",
    parameters={}, questions=QUESTIONS,
)
