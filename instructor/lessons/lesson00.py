"""Check-yourself questions of lesson 00 (start here): set l00 (instructor only: answers).

The numbers are fixed in each question's text in notebooks/00_start_here.ipynb, so the set has
no parameters. Every expected answer and every declared mistake is computed with course_lib's
math modules, the way the notebook's reveal cells compute them.
"""

import numpy as np

from course_lib.arithmetic import conv_output_size
from course_lib.grading.kinds import Int, IntTuple, Matrix
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.numeric import conv1d, conv_transpose2d

# Question l00.1: a 9-long input, kernel 7, stride 2, padding 3 on each side. p > s and i + 2p - k even,
# so padding one side only (3), forgetting the +1 (4), no padding (2) and unit stride (9) all differ
# from each other and from the answer (5).
I1, K1, S1, P1 = 9, 7, 2, 3
# Question l00.2: what numeric.conv1d (like torch.nn.functional.conv1d) gives.
X2, W2 = [2, 0, 1, 3], [1, 2, 3]
# Question l00.3: the first output_padding example of lesson 00 (recorded from PyTorch 2.13).
X3, W3 = [[1]], np.arange(1, 10).reshape(3, 3)
S3, P3, A3 = 2, 1, 1


def _scatter_full():
    """The transposed convolution's full scatter output (no crop): here the kernel itself."""
    return conv_transpose2d(X3, W3, stride=S3)


EXERCISE_SET = ExerciseSet(
    id="l00", notebook="00_start_here.ipynb", title="Lesson 00: start here", parameters={},
    questions=[
        Question(
            id="l00.1", name="cy1_output_size", title="Output size of a strided, padded convolution",
            points=1, kind=Int(),
            answer=lambda P: conv_output_size(I1, K1, S1, P1),
            hint="Pad the input (p zeros on each side), then count the starts 0, s, 2s, ... at which "
                 "the whole kernel still fits.",
            mistakes=[
                Mistake(lambda P: (I1 + 2 * P1 - K1) // S1,
                        "You forgot the +1: ⌊(i + 2p − k)/s⌋ counts the steps between placements; "
                        "the first placement (start 0) is one more."),
                Mistake(lambda P: (I1 - K1) // S1 + 1,
                        "You left out the padding: the kernel slides over i + 2p units, p zeros on "
                        "each side."),
                Mistake(lambda P: (I1 + P1 - K1) // S1 + 1,
                        "You padded one side only: p zeros go on each side, so the kernel slides over "
                        "i + 2p units."),
                Mistake(lambda P: I1 + 2 * P1 - K1 + 1,
                        "You slid the kernel one unit at a time: with stride s it moves s units per "
                        "step, so divide by s (and round down)."),
            ],
        ),
        Question(
            id="l00.2", name="cy2_conv1d_output", title="Cross-correlation or convolution?",
            points=1, kind=IntTuple(length=2),
            answer=lambda P: tuple(int(v) for v in conv1d(X2, W2)),
            hint="numeric.conv1d slides the kernel as it is, without flipping it: each output is "
                 "w[0]·x[j] + w[1]·x[j+1] + w[2]·x[j+2].",
            mistakes=[
                Mistake(lambda P: tuple(int(v) for v in np.convolve(X2, W2, mode="valid")),
                        "That is the flipped kernel: np.convolve (true convolution) reverses w. "
                        "Deep-learning convolutions (cross-correlation) use w as it is."),
                Mistake(lambda P: tuple(int(v) for v in conv1d(X2, W2)[::-1]),
                        "Right numbers, wrong order: the first output comes from the kernel over "
                        "x[0..2], the second from x[1..3]."),
            ],
        ),
        Question(
            id="l00.3", name="cy3_output_padding", title="What output_padding gives back",
            points=1, kind=Matrix(shape=(2, 2)),
            answer=lambda P: conv_transpose2d(X3, W3, stride=S3, padding=P3, output_padding=A3),
            hint="Scatter first (the 1×1 input adds one copy of the kernel: a 3×3 full output), crop "
                 "padding = 1 from every side, then give back output_padding = 1 row and column at "
                 "the bottom and right.",
            mistakes=[
                Mistake(lambda P: np.array([[_scatter_full()[1, 1], 0], [0, 0]]),
                        "output_padding does not append zeros here: while output_padding ≤ padding "
                        "it gives back computed outputs that the crop had removed."),
                Mistake(lambda P: _scatter_full()[0:2, 0:2],
                        "The extra row and column come back at the bottom and right, not at the top "
                        "and left."),
                Mistake(lambda P: np.flip(_scatter_full())[1:3, 1:3],
                        "That is the kernel rotated by 180°: the scatter adds the kernel as it is; "
                        "only the emulating direct convolution uses the rotated kernel."),
            ],
        ),
    ],
)
