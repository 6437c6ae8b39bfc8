"""Check-yourself questions of lesson 03 (pooling and layer arithmetic) — instructor only.

The lesson (notebooks/03_pooling_and_layer_arithmetic.ipynb) asks each question just before the
cell that reveals the answer; check("l03.M") gives immediate feedback. No per-student variants:
the numbers are the lesson's. Every expected answer is computed with course_lib's math modules.
"""

import numpy as np

from course_lib import numeric
from course_lib.arithmetic import pool_output_size
from course_lib.draw import guide_values
from course_lib.grading.kinds import IntTuple, Matrix
from course_lib.grading.spec import ExerciseSet, Mistake, Question

# Question 1: 3x3 max pooling, stride 1, on the guide's 5x5 input of Figure 1.6.
# Question 2: i = 8, k = 3, s = 2, p = 1: the output size with floor and with ceil_mode.
# Question 3: 2x2 max pooling (stride 2) of UNPOOL_INPUT, then max-unpooling with its switches.
UNPOOL_INPUT = [[2, 9, 4, 1], [7, 3, 8, 6], [1, 6, 0, 5], [4, 2, 3, 4]]


def _figure16(pool=numeric.max_pool2d):
    return pool(guide_values()[0], 3, 1).tolist()


def _unpooled(x=UNPOOL_INPUT):
    values, indices = numeric.max_pool2d(np.array(x), 2, return_indices=True)
    return numeric.max_unpool2d(values, indices, 2).tolist()


def _placed(where):
    """Each 2x2 window's maximum put at one fixed corner of its block (no switches)."""
    values = numeric.max_pool2d(np.array(UNPOOL_INPUT), 2)
    out = np.zeros((4, 4), dtype=int)
    out[where[0]::2, where[1]::2] = values
    return out.tolist()


def _sizes(i, k, s, p):
    return pool_output_size(i, k, s, p), pool_output_size(i, k, s, p, ceil_mode=True)


QUESTIONS = [
    Question(
        id="l03.1", name="cy1_max_pool", title="Max pooling Figure 1.6 by hand", points=1,
        kind=Matrix(shape=(3, 3)), answer=lambda P: _figure16(),
        mistakes=[
            Mistake(lambda P: _figure16(numeric.avg_pool2d), "Those are the averages (Figure 1.5): max pooling "
                    "keeps the largest value of each window."),
            Mistake(lambda P: np.array(_figure16()).T.tolist(), "Your matrix is transposed: output (r, c) is the "
                    "window whose top-left corner is input row r, column c."),
            Mistake(lambda P: (-numeric.max_pool2d(-guide_values()[0], 3, 1)).tolist(), "You took the "
                    "smallest value of each window; max pooling keeps the largest."),
        ],
        hint="Output (r, c) is the largest of the nine inputs in rows r..r+2 and columns c..c+2.",
    ),
    Question(
        id="l03.2", name="cy2_ceil", title="Floor or ceil: a padded pooling layer", points=1,
        kind=IntTuple(length=2), answer=lambda P: _sizes(8, 3, 2, 1),
        mistakes=[
            Mistake(lambda P: (_sizes(8, 3, 2, 1)[0],) * 2, "Your ceil_mode size equals the floor size: either "
                    "you rounded down in both (ceil_mode rounds (i + 2p - k)/s up), or you dropped the extra "
                    "window although it starts before the right padding: compare its start, in padded "
                    "positions, with i + p, not with i."),
            Mistake(lambda P: (_sizes(8, 3, 2, 1)[1],) * 2, "You rounded up in both: the default (floor) keeps "
                    "only windows that fit entirely in the padded input."),
            Mistake(lambda P: _sizes(8, 3, 2, 0), "You left out the padding: p = 1 unit on each side makes the "
                    "padded input i + 2p = 10 long."),
        ],
        hint="Floor: the windows that fit in i + 2p units. Ceil: one more window if a remainder is left, "
             "as long as it starts inside the input or the left padding.",
    ),
    Question(
        id="l03.3", name="cy3_unpool", title="Max-unpooling with switches", points=1,
        kind=Matrix(shape=(4, 4)), answer=lambda P: _unpooled(),
        mistakes=[
            Mistake(lambda P: UNPOOL_INPUT, "Unpooling does not restore the input: only each window's maximum "
                    "comes back, at its switch; every other unit is zero."),
            Mistake(lambda P: np.kron(numeric.max_pool2d(np.array(UNPOOL_INPUT), 2), np.ones((2, 2), dtype=int))
                    .tolist(), "That is nearest-neighbour upsampling (each value copied into its block); "
                    "unpooling puts the value only where the maximum was and zeros elsewhere."),
            Mistake(lambda P: _placed((0, 0)), "You put every maximum in the top-left corner of its block; the "
                    "switches remember where in the window each maximum was."),
        ],
        hint="Pool first and note where each maximum sits (the switch); the unpooled array has the maximum "
             "there and 0 everywhere else.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l03", notebook="03_pooling_and_layer_arithmetic.ipynb", title="Pooling and layer arithmetic",
    parameters={}, questions=QUESTIONS,
)
