"""Check-yourself questions of lesson 09 (deconvolution and upsampling) — instructor only.

The lesson (notebooks/09_deconvolution_and_upsampling.ipynb) asks each question just before the
cell that reveals the answer; check("l09.M") gives immediate feedback. No per-student variants:
the numbers are the lesson's. Every expected answer is computed with course_lib's math modules.
"""

import functools

import numpy as np

from course_lib.grading.kinds import Int, IntTuple, Number
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.numeric import conv1d, conv_transpose1d
from course_lib.upsampling import bilinear_kernel, bilinear_kernel_1d, bilinear_padding, unet_sizes

# Question 1: x = (1, 2, 3), kernel (1, 1), stride 1, padding 1; y = C x; the student gives C^T y.
X1, W1, P1 = [1, 2, 3], [1, 1], 1
# Question 2: the bilinear layer for factor 2 on ones(3): the first output unit.
F2, N2 = 2, 3
# Question 3: a U-Net of depth 3 with size-keeping convolutions on 100 units: the decoder's output.
I3, D3 = 100, 3


def _y1():
    return conv1d(X1, W1, padding=P1)


def _transpose1(padding=P1):
    return tuple(int(v) for v in conv_transpose1d(_y1(), W1, padding=padding))


def _bilinear_first(padding=None, two_d=False):
    """First output unit of the factor-2 bilinear layer on ones (cropping ``padding``)."""
    padding = bilinear_padding(F2) if padding is None else padding
    if two_d:
        from course_lib.numeric import conv_transpose2d
        return float(conv_transpose2d(np.ones((N2, N2)), bilinear_kernel(F2), stride=F2, padding=padding)[0, 0])
    return float(conv_transpose1d(np.ones(N2), bilinear_kernel_1d(F2), stride=F2, padding=padding)[0])


def _unet_ceil(i, depth):
    """The decoder's output if the pools rounded up (ceil_mode=True)."""
    bottom = functools.reduce(lambda size, level: -(-size // 2), range(depth), i)
    return bottom * 2 ** depth


QUESTIONS = [
    Question(
        id="l09.1", name="cy1_transpose", title="What $C^\\top$ gives back", points=1, kind=IntTuple(),
        answer=lambda P: _transpose1(),
        mistakes=[
            Mistake(lambda P: tuple(X1), "That is x itself: C^T is not an inverse (C^T C is not I). Scatter each "
                    "y unit's copy of the kernel, then crop the padding."),
            Mistake(lambda P: _transpose1(padding=0), "That is the full scatter output: the transposed layer's "
                    "padding crops p = 1 unit from each end."),
            Mistake(lambda P: tuple(int(v) for v in _y1()), "That is y = C x; the question asks for C^T applied to y."),
        ],
        hint="Scatter: y[n] adds y[n]·(1, 1) at full-output units n and n + 1; then crop 1 unit from each end.",
    ),
    Question(
        id="l09.2", name="cy2_border", title="The bilinear layer at the border", points=1, kind=Number(),
        answer=lambda P: _bilinear_first(),
        mistakes=[
            Mistake(lambda P: 1.0, "Inside, two copies add 0.75 + 0.25 = 1; the first unit has only one input "
                    "neighbour (the other side is zero padding)."),
            Mistake(lambda P: _bilinear_first(padding=0), "That is the full scatter output's first unit: padding "
                    "p = 1 crops it away."),
            Mistake(lambda P: _bilinear_first(two_d=True), "That is the 2-D corner (0.75 twice); the question is "
                    "1-D."),
        ],
        hint="Full scatter output: input 0's copy covers units 0-3, input 1's units 2-5; padding 1 drops unit 0.",
    ),
    Question(
        id="l09.3", name="cy3_unet", title="A U-Net on 100 units", points=1, kind=Int(),
        answer=lambda P: unet_sizes(I3, D3).output,
        mistakes=[
            Mistake(lambda P: I3, "Doubling three times gives back 100 only if every pool halved exactly: "
                    "follow 100 -> 50 -> 25 -> ? with rounding down."),
            Mistake(lambda P: _unet_ceil(I3, D3), "Either you rounded 25 / 2 up (the 2×2 pool, stride 2, no padding, "
                    "rounds down) or you padded the input to a multiple of 8: that is a fix, not what the network "
                    "does to 100 units."),
        ],
        hint="Halve three times rounding down, then double three times.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l09", notebook="09_deconvolution_and_upsampling.ipynb",
    title="Deconvolution and upsampling (lesson 09)", parameters={}, questions=QUESTIONS,
)
