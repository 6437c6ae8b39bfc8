"""Check-yourself questions of lesson 03 (pooling and layer arithmetic) — instructor only.

The lesson (notebooks/03_pooling_and_layer_arithmetic.ipynb) asks each question just before the
cell that reveals the answer; check("l03.M") gives immediate feedback on the lesson's numbers (the
defaults), and practice("l03.M") draws new ones from ``_draw``: hand-sized inputs, in ranges where
every declared mistake gives its own answer. Every expected answer is computed with course_lib's
math modules.
"""

import numpy as np

from course_lib import numeric
from course_lib.arithmetic import pool_output_size
from course_lib.draw import guide_values
from course_lib.grading.kinds import IntTuple, Matrix
from course_lib.grading.spec import ExerciseSet, Mistake, Question

PARAMETERS = {
    "x1": guide_values()[0].tolist(),                                  # question 1: Figure 1.6's input
    "i2": 8, "k2": 3, "s2": 2, "p2": 1,                                # question 2: floor 4, ceil 5
    "x3": [[2, 9, 4, 1], [7, 3, 8, 6], [1, 6, 0, 5], [4, 2, 3, 4]],    # question 3: 2×2 windows, stride 2
}


def _pool3(x, pool=numeric.max_pool2d):
    """3×3 pooling with stride 1 of the 5×5 input ``x``."""
    return pool(np.array(x), 3, 1).tolist()


def _sizes(i, k, s, p):
    return pool_output_size(i, k, s, p), pool_output_size(i, k, s, p, ceil_mode=True)


def _unpooled(x):
    values, indices = numeric.max_pool2d(np.array(x), 2, return_indices=True)
    return numeric.max_unpool2d(values, indices, 2).tolist()


def _placed(x, where):
    """Each 2×2 window's maximum put at one fixed corner of its block (no switches)."""
    values = numeric.max_pool2d(np.array(x), 2)
    out = np.zeros((4, 4), dtype=int)
    out[where[0]::2, where[1]::2] = values
    return out.tolist()


def _draw1(rng):
    """A 5×5 input of digits 0-9 with one largest value in every 3×3 window, whose max-pooled output
    is not symmetric and takes at least four values (so answers vary from draw to draw, and the
    transpose, the averages and the minima all differ from it)."""
    while True:
        x = [[rng.randint(0, 9) for _ in range(5)] for _ in range(5)]
        windows = [np.array(x)[r:r + 3, c:c + 3] for r in range(3) for c in range(3)]
        answer = np.array(_pool3(x))
        if (all((w == w.max()).sum() == 1 for w in windows) and not np.array_equal(answer, answer.T)
                and len(np.unique(answer)) >= 4):
            return x


def _draw2(rng):
    """A padded layer whose floor and ceil sizes differ, and whose sizes without padding differ from both."""
    while True:
        k = rng.randint(2, 5)
        s, p = rng.randint(2, 3), rng.randint(1, k // 2)
        i = rng.randint(k + 1, 16)
        floor, ceil = _sizes(i, k, s, p)
        unpadded = _sizes(i, k, s, 0)
        if ceil == floor + 1 and unpadded not in ((floor, ceil), (floor, floor), (ceil, ceil)):
            return {"i2": i, "k2": k, "s2": s, "p2": p}


def _draw3(rng):
    """A 4×4 input of digits 0-9, one largest value per 2×2 window, not every maximum in the same corner."""
    while True:
        x = [[rng.randint(0, 9) for _ in range(4)] for _ in range(4)]
        blocks = np.array(x).reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)
        unique = all((row == row.max()).sum() == 1 for row in blocks)
        corners = {int(np.argmax(row)) for row in blocks}
        if unique and len(corners) > 1:
            return x


def _draw(rng):
    """New numbers for every question (``rng``: a random.Random); the keys of PARAMETERS."""
    return {"x1": _draw1(rng), **_draw2(rng), "x3": _draw3(rng)}


def _corner_mistakes():
    names = {(0, 0): "top-left", (0, 1): "top-right", (1, 0): "bottom-left", (1, 1): "bottom-right"}
    return [Mistake(lambda P, where=where: _placed(P["x3"], where),
                    f"You put every maximum in the {name} corner of its block; the switches remember where in "
                    "the window each maximum was.") for where, name in names.items()]


QUESTIONS = [
    Question(
        id="l03.1", name="cy1_max_pool", title="Max pooling Figure 1.6 by hand", points=1,
        kind=Matrix(shape=(3, 3)), answer=lambda P: _pool3(P["x1"]),
        mistakes=[
            Mistake(lambda P: _pool3(P["x1"], numeric.avg_pool2d), "Those are the averages (Figure 1.5): max "
                    "pooling keeps the largest value of each window."),
            Mistake(lambda P: np.array(_pool3(P["x1"])).T.tolist(), "Your matrix is transposed: the output in a given output row "
                    "and output column is the window whose top-left corner is that input row and column."),
            Mistake(lambda P: (-np.array(_pool3(-np.array(P["x1"])))).tolist(), "You took the smallest value of "
                    "each window; max pooling keeps the largest."),
        ],
        hint="Each output entry is the largest of the nine inputs in the 3×3 window whose top-left corner "
             "is at the same row and column as that entry (output row, output column).",
        ask="Max-pool this 5×5 input (rows listed top to bottom) with a 3×3 window and stride 1: {x1}. "
            "Write the 3×3 output as a list of rows.",
    ),
    Question(
        id="l03.2", name="cy2_ceil", title="Floor or ceil: a padded pooling layer", points=1,
        kind=IntTuple(length=2), answer=lambda P: _sizes(P["i2"], P["k2"], P["s2"], P["p2"]),
        mistakes=[
            Mistake(lambda P: (_sizes(P["i2"], P["k2"], P["s2"], P["p2"])[0],) * 2, "Your ceil_mode size equals "
                    "the floor size: either you rounded down in both (ceil_mode rounds (i + 2p - k)/s up), or you "
                    "dropped the extra window although it starts before the right padding: compare its start, "
                    "in padded positions, with i + p, not with i."),
            Mistake(lambda P: (_sizes(P["i2"], P["k2"], P["s2"], P["p2"])[1],) * 2, "You rounded up in both: the "
                    "default (floor) keeps only windows that fit entirely in the padded input."),
            Mistake(lambda P: _sizes(P["i2"], P["k2"], P["s2"], 0), "You left out the padding: p units on each "
                    "side make the padded input i + 2p long."),
        ],
        hint="Floor: the windows that fit in i + 2p units. Ceil: one more window if a remainder is left, "
             "as long as it starts inside the input or the left padding.",
        ask="A max pooling layer with window k = {k2}, stride s = {s2} and padding p = {p2} on each side receives "
            "an input of size i = {i2}. What is its output size with PyTorch's default (floor), and with "
            "ceil_mode=True? Answer (floor size, ceil size).",
    ),
    Question(
        id="l03.3", name="cy3_unpool", title="Max-unpooling with switches", points=1,
        kind=Matrix(shape=(4, 4)), answer=lambda P: _unpooled(P["x3"]),
        mistakes=[
            Mistake(lambda P: P["x3"], "Unpooling does not restore the input: only each window's maximum comes "
                    "back, at its switch; every other unit is zero."),
            Mistake(lambda P: np.kron(numeric.max_pool2d(np.array(P["x3"]), 2), np.ones((2, 2), dtype=int))
                    .tolist(), "That is nearest-neighbour upsampling (each value copied into its block); "
                    "unpooling puts the value only where the maximum was and zeros elsewhere."),
            *_corner_mistakes(),
        ],
        hint="Pool first and note where each maximum sits (the switch); the unpooled array has the maximum "
             "there and 0 everywhere else.",
        ask="This 4×4 input (rows listed top to bottom) is max-pooled with 2×2 windows and stride 2, and the "
            "result is unpooled with the switches: {x3}. Write the 4×4 array that comes out, as a list of rows.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l03", notebook="03_pooling_and_layer_arithmetic.ipynb", title="Pooling and layer arithmetic",
    parameters=PARAMETERS, generate=_draw, questions=QUESTIONS,
)
