"""Check-yourself questions of lesson 01 — discrete convolution (instructor only).

The lesson asks three questions on the guide's numbers (the defaults): Figure 1.1's output, Figure
1.3's parameter count, and which unit-stride outputs Figure 1.2's stride keeps. ``practice("l01.M")``
draws new, hand-sized numbers from ``_draw`` (a 4×4 input and a 2×2 kernel for the output by hand),
from ranges in which the declared mistakes give answers of their own (about 2 draws in 1,000 still let
two coincide; ``ExerciseSet.draw`` draws those again).
"""

import random

import numpy as np

from course_lib.arithmetic import conv_output_size, conv_parameter_count
from course_lib.grading.kinds import Int, IntTuple, Matrix
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.numeric import conv2d

PARAMETERS = {
    # Figure 1.1: numpy.random.RandomState(1234).randint(0, 4, (5, 5)) and the guide's kernel.
    "x1": np.random.RandomState(1234).randint(0, 4, (5, 5)).tolist(),
    "w1": [[0, 1, 2], [2, 2, 0], [0, 1, 2]],
    # Figure 1.3: 2 input maps, 3 output maps, 3×3 kernels.
    "cin2": 2, "cout2": 3, "ka2": 3, "kb2": 3,
    # Figure 1.2: i = 5, k = 3, p = 1, s = 2.
    "i3": 5, "k3": 3, "s3": 2, "p3": 1,
}


def _x(P):
    return np.array(P["x1"])


def _w(P):
    return np.array(P["w1"])


def _kept(i, k, s, p):
    """Indices of the unit-stride output (on the padded input) that a stride-s convolution keeps."""
    return tuple(range(0, conv_output_size(i, k, 1, p), s))


def _left_right(P):
    """The kernel flipped left to right only; None where that is its 180° rotation (top row = bottom row)."""
    w = _w(P)
    return None if np.array_equal(w[::-1, :], w) else conv2d(_x(P), w[:, ::-1]).tolist()


QUESTIONS = [
    Question(
        id="l01.1", name="cy1_y", title="Figure 1.1's output, by hand", points=1, kind=Matrix(),
        answer=lambda P: conv2d(_x(P), _w(P)).tolist(),
        mistakes=[
            Mistake(lambda P: conv2d(_x(P), np.rot90(_w(P), 2)).tolist(),
                    "That is the true convolution: the kernel rotated by 180° (a left-right flip gives the same "
                    "when the kernel's top and bottom rows are equal). The guide and deep-learning libraries lay "
                    "the kernel on the input as it is, weight (0, 0) on the patch's top-left unit."),
            Mistake(lambda P: conv2d(_x(P), _w(P)).T.tolist(),
                    "Your output is transposed: row u of the output comes from the input rows starting at row u."),
            Mistake(lambda P: conv2d(_x(P), _w(P).T).tolist(),
                    "You used the transposed kernel: w[m, n] multiplies x[u + m, v + n], m along the rows."),
            Mistake(_left_right,
                    "You flipped the kernel left to right: lay it on the input as it is, weight (0, 0) on the "
                    "patch's top-left unit."),
        ],
        hint="Lay the kernel on the top-left patch, multiply unit by unit and add the products; then move it "
             "one column (or one row) at a time.",
        ask="Compute the output of the input x = {x1} and the kernel w = {w1} (stride 1, no padding, the kernel "
            "laid on the input as it is), as a numpy array of rows.",
    ),
    Question(
        id="l01.2", name="cy2_parameters", title="Parameters of Figure 1.3's layer", points=1, kind=Int(),
        answer=lambda P: conv_parameter_count(P["cin2"], P["cout2"], (P["ka2"], P["kb2"])),
        mistakes=[
            Mistake(lambda P: conv_parameter_count(P["cin2"], P["cout2"], (P["ka2"], P["kb2"]), bias=False),
                    "You left out the biases: one per output map."),
            Mistake(lambda P: conv_parameter_count(1, P["cout2"], (P["ka2"], P["kb2"])),
                    "Each output map has a kernel for every input map: C_out × C_in kernels, not C_out."),
            Mistake(lambda P: conv_parameter_count(1, P["cout2"], (P["ka2"], P["kb2"]), bias=False),
                    "Each output map has a kernel for every input map (C_out × C_in kernels), and a bias."),
            Mistake(lambda P: conv_parameter_count(P["cin2"], P["cout2"], (P["ka2"], P["kb2"]), bias=False) + 1,
                    "Every output map has its own bias: C_out biases, not 1."),
        ],
        hint="Count the kernels (one per pair of output map and input map), their weights, and one bias "
             "per output map.",
        ask="A convolution layer maps C_in = {cin2} input maps to C_out = {cout2} output maps with {ka2}×{kb2} "
            "kernels and one bias per output map. How many parameters (weights and biases) does it have?",
    ),
    Question(
        id="l01.3", name="cy3_kept", title="Which unit-stride outputs does Figure 1.2 keep?", points=1,
        kind=IntTuple(partial=False),
        answer=lambda P: _kept(P["i3"], P["k3"], P["s3"], P["p3"]),
        mistakes=[
            Mistake(lambda P: tuple(n + 1 for n in _kept(P["i3"], P["k3"], P["s3"], P["p3"])),
                    "You counted the outputs from 1, as the guide's 'odd elements' do; the question counts "
                    "from 0, as Python's indices do."),
            Mistake(lambda P: tuple(range(1, conv_output_size(P["i3"], P["k3"], 1, P["p3"]), P["s3"])),
                    "Indices start at 0: the strided convolution keeps the first kernel position, index 0 "
                    "(the guide's 'odd elements' count from 1)."),
            Mistake(lambda P: _kept(P["i3"], P["k3"], P["s3"], 0),
                    "You left out the padding: the unit-stride convolution runs on the same padded input, "
                    "so it has i + 2p - k + 1 outputs per axis."),
            Mistake(lambda P: tuple(range(conv_output_size(P["i3"], P["k3"], P["s3"], P["p3"]))),
                    "Those are the strided output's own indices; give the indices in the unit-stride "
                    "output that they come from."),
        ],
        hint="Output u of the strided convolution puts the kernel where the unit-stride one puts it for "
             "output u·s.",
        ask="A convolution with input size i = {i3}, kernel size k = {k3}, padding p = {p3} and stride s = {s3} is "
            "computed as a unit-stride convolution on the same padded input, then subsampled. Along one axis, "
            "which indices of the unit-stride output (counted from 0) does it keep? Give them as a tuple.",
    ),
]


def _draw(rng: random.Random) -> dict:
    """New hand-sized numbers for the three questions: a 4×4 input (0-3) and a 2×2 kernel holding 0-3
    once each, so that its left-right flip, 180° rotation and transpose all differ; a layer of 2-4 input
    maps, 2-5 output maps and 2×2 to 3×3 kernels; a stride of 2 or 3 that divides i + 2p - k (so that
    counting from 1 and starting at index 1 give different tuples)."""
    def output(rng):
        a, b, c, d = rng.sample(range(4), 4)            # four different weights: no flip leaves w alone
        return {"x1": [[rng.randint(0, 3) for _ in range(4)] for _ in range(4)], "w1": [[a, b], [c, d]]}

    def layer(rng):
        return {"cin2": rng.randint(2, 4), "cout2": rng.randint(2, 5), "ka2": rng.randint(2, 3),
                "kb2": rng.randint(2, 3)}

    def kept(rng):
        s, k, p = rng.choice([2, 3]), rng.choice([2, 3, 4]), rng.randint(1, 2)
        i = rng.choice([n for n in range(max(k - 2 * p, 1) + s, 13) if (n + 2 * p - k) % s == 0])
        return {"i3": i, "k3": k, "s3": s, "p3": p}

    drawn = {}
    for draw in (output, layer, kept):
        drawn.update(draw(rng))
    return drawn


EXERCISE_SET = ExerciseSet(
    id="l01", notebook="01_discrete_convolution.ipynb", title="Lesson 01: discrete convolution",
    parameters=PARAMETERS, generate=_draw, questions=QUESTIONS,
)
