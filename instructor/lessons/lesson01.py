"""Check-yourself questions of lesson 01 — discrete convolution (instructor only).

The lesson's three questions use the guide's numbers only (no per-student variants): Figure 1.1's
output, Figure 1.3's parameter count, and which unit-stride outputs Figure 1.2's stride keeps.
"""

import numpy as np

from course_lib.arithmetic import conv_output_size, conv_parameter_count
from course_lib.grading.kinds import Int, IntTuple, Matrix
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.numeric import conv2d

# Figure 1.1: numpy.random.RandomState(1234).randint(0, 4, (5, 5)) and the guide's kernel.
X = np.random.RandomState(1234).randint(0, 4, (5, 5))
W = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])


def _kept(i, k, s, p):
    """Indices of the unit-stride output (on the padded input) that a stride-s convolution keeps."""
    return tuple(range(0, conv_output_size(i, k, 1, p), s))


EXERCISE_SET = ExerciseSet(
    id="l01", notebook="01_discrete_convolution.ipynb", title="Lesson 01: discrete convolution",
    parameters={},
    questions=[
        Question(
            id="l01.1", name="cy1_y", title="Figure 1.1's output, by hand", points=1, kind=Matrix(),
            answer=lambda P: conv2d(X, W).tolist(),
            mistakes=[
                # W's top and bottom rows are equal, so a left-right flip of W is its 180° rotation: this
                # answer comes from either mistake, and the hint names both.
                Mistake(lambda P: conv2d(X, np.rot90(W, 2)).tolist(),
                        "That is what the kernel gives flipped left to right, which for this w is the same as "
                        "rotated by 180° (a true convolution), because w's top and bottom rows are equal. The "
                        "guide and deep-learning libraries lay the kernel on the input as it is, weight (0, 0) on "
                        "the patch's top-left unit."),
                Mistake(lambda P: conv2d(X, W).T.tolist(),
                        "Your output is transposed: row u of the output comes from input rows u to u + 2."),
                Mistake(lambda P: conv2d(X, W.T).tolist(),
                        "You used the transposed kernel: w[m, n] multiplies x[u + m, v + n], m along the rows."),
            ],
            hint="Lay the kernel on the top-left 3×3 patch, multiply unit by unit and add the nine products; "
                 "then move it one column (or one row) at a time.",
        ),
        Question(
            id="l01.2", name="cy2_parameters", title="Parameters of Figure 1.3's layer", points=1, kind=Int(),
            answer=lambda P: conv_parameter_count(2, 3, (3, 3)),
            mistakes=[
                Mistake(lambda P: conv_parameter_count(2, 3, (3, 3), bias=False),
                        "You left out the biases: one per output map."),
                Mistake(lambda P: conv_parameter_count(1, 3, (3, 3)),
                        "Each output map has a kernel for every input map: 3 × 2 kernels of 3×3, not 3."),
                Mistake(lambda P: conv_parameter_count(1, 3, (3, 3), bias=False),
                        "Each output map has a kernel for every input map (3 × 2 kernels of 3×3), and a bias."),
                Mistake(lambda P: conv_parameter_count(2, 3, (3, 3), bias=False) + 1,
                        "Every output map has its own bias: 3 biases, not 1."),
            ],
            hint="Count the kernels (one per pair of output map and input map), their weights, and one bias "
                 "per output map.",
        ),
        Question(
            id="l01.3", name="cy3_kept", title="Which unit-stride outputs does Figure 1.2 keep?", points=1,
            kind=IntTuple(partial=False),
            answer=lambda P: _kept(5, 3, 2, 1),
            mistakes=[
                Mistake(lambda P: tuple(range(1, conv_output_size(5, 3, 1, 1) + 1, 2)),
                        "You counted the outputs from 1, as the guide's 'odd elements' do (the 1st, 3rd, ... "
                        "output); the question counts from 0, as Python's indices do."),
                Mistake(lambda P: tuple(range(1, conv_output_size(5, 3, 1, 1), 2)),
                        "Indices start at 0: the strided convolution keeps the first kernel position, index 0 "
                        "(the guide's 'odd elements' count from 1)."),
                Mistake(lambda P: _kept(5, 3, 2, 0),
                        "You left out the padding: the unit-stride convolution runs on the same padded input, "
                        "so it has i + 2p - k + 1 = 5 outputs per axis."),
                Mistake(lambda P: tuple(range(conv_output_size(5, 3, 2, 1))),
                        "Those are the strided output's own indices; give the indices in the unit-stride "
                        "output that they come from."),
            ],
            hint="Output r of the strided convolution puts the kernel where the unit-stride one puts it for "
                 "output r·s.",
        ),
    ],
)
