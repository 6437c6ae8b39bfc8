"""Check-yourself questions of lesson 09 (deconvolution and upsampling) — instructor only.

The lesson (notebooks/09_deconvolution_and_upsampling.ipynb) asks each question just before the
cell that reveals the answer; check("l09.M") gives immediate feedback. The lesson's own numbers
are PARAMETERS; ``practice("l09.M")`` asks the question again with numbers from ``_draw`` (each
question's ``ask`` restates it over the parameters). Every expected answer is computed with
course_lib's math modules.
"""

import functools

import numpy as np

from course_lib.grading.kinds import Int, IntTuple, Number
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.numeric import conv1d, conv_transpose1d, conv_transpose2d
from course_lib.upsampling import (bilinear_kernel, bilinear_kernel_1d, bilinear_kernel_size, bilinear_padding,
                                   unet_sizes)

PARAMETERS = {
    "x1": [1, 2, 3], "w1": [1, 1], "p1": 1,      # question 1: y = C x (stride 1); the student gives C^T y
    "r2": 2, "k2": 4, "p2": 1, "n2": 3,          # question 2: the bilinear layer for factor r2 on n2 ones
    "i3": 100, "d3": 3,                          # question 3: a U-Net of depth d3 on i3 units
}


def _draw(rng):
    """Hand-sized numbers in which every declared mistake gives its own answer."""
    r2 = rng.choice([2, 3, 4])
    d3 = rng.choice([2, 3])
    return {"x1": [rng.randint(1, 5) for _ in range(3)], "w1": [rng.randint(1, 3) for _ in range(2)], "p1": 1,
            "r2": r2, "k2": bilinear_kernel_size(r2), "p2": bilinear_padding(r2), "n2": rng.randint(3, 5),
            "i3": rng.choice([i for i in range(40, 131) if i % 2 ** d3]), "d3": d3}


def _y1(P):
    return conv1d(P["x1"], P["w1"], padding=P["p1"])


def _transpose1(P, padding=None):
    padding = P["p1"] if padding is None else padding
    return tuple(int(v) for v in conv_transpose1d(_y1(P), P["w1"], padding=padding))


def _bilinear_first(P, padding=None, two_d=False):
    """First output unit of the factor-r2 bilinear layer on ones (cropping ``padding``)."""
    r, n = P["r2"], P["n2"]
    padding = P["p2"] if padding is None else padding
    if two_d:
        return float(conv_transpose2d(np.ones((n, n)), bilinear_kernel(r), stride=r, padding=padding)[0, 0])
    return float(conv_transpose1d(np.ones(n), bilinear_kernel_1d(r), stride=r, padding=padding)[0])


def _unet_ceil(i, depth):
    """The decoder's output if the pools rounded up (ceil_mode=True)."""
    bottom = functools.reduce(lambda size, level: -(-size // 2), range(depth), i)
    return bottom * 2 ** depth


QUESTIONS = [
    Question(
        id="l09.1", name="cy1_transpose", title="What $C^\\top$ gives back", points=1, kind=IntTuple(),
        answer=lambda P: _transpose1(P),
        mistakes=[
            Mistake(lambda P: tuple(P["x1"]), "That is x itself: C^T is not an inverse (C^T C is not I). Scatter "
                    "each y unit's copy of the kernel, then crop the padding."),
            Mistake(lambda P: _transpose1(P, padding=0), "That is the full scatter output: the transposed layer's "
                    "padding crops p units from each end."),
            Mistake(lambda P: tuple(int(v) for v in _y1(P)), "That is y = C x; the question asks for C^T applied "
                    "to y."),
        ],
        hint="First y = C x. Then scatter: y[n] adds y[n]·w at full-output units n and n + 1; then crop p units "
             "from each end.",
        ask="x = {x1}, kernel {w1}, stride 1, padding {p1}, and y = C x. Write C^T y (the transposed convolution of "
            "y with the same kernel, stride and padding) as a tuple.",
    ),
    Question(
        id="l09.2", name="cy2_border", title="The bilinear layer at the border", points=1, kind=Number(rel_tol=2e-3),
        answer=lambda P: _bilinear_first(P),
        mistakes=[
            Mistake(lambda P: 1.0, "Inside, the copies' weights add up to 1; the first unit has only one input "
                    "neighbour (the other side is zero padding)."),
            Mistake(lambda P: _bilinear_first(P, padding=0), "That is the full scatter output's first unit: the "
                    "padding crops it away."),
            Mistake(lambda P: _bilinear_first(P, two_d=True), "That is the 2-D corner (the 1-D value squared); "
                    "the question is 1-D."),
        ],
        hint="Write the tent's k weights, place input 0's copy at units 0 to k - 1 and input 1's copy r units "
             "later, then drop the p cropped units.",
        ask="FCN's bilinear layer for factor r = {r2} (k = {k2}, stride {r2}, padding {p2}, kernel "
            "1 - |t - (k - 1)/2| / r for t = 0 … k - 1) upsamples {n2} ones in 1-D. What is the first output unit's "
            "value (three decimals are enough)?",
    ),
    Question(
        id="l09.3", name="cy3_unet", title="A U-Net on 100 units", points=1, kind=Int(),
        answer=lambda P: unet_sizes(P["i3"], P["d3"]).output,
        mistakes=[
            Mistake(lambda P: P["i3"], "Doubling D times gives back the input only if every pool halved exactly: "
                    "follow the size down with rounding down."),
            Mistake(lambda P: _unet_ceil(P["i3"], P["d3"]), "Either you rounded an odd size up (the 2×2 pool, "
                    "stride 2, no padding, rounds down) or you padded the input to a multiple of 2^D: that is a "
                    "fix, not what the network does."),
        ],
        hint="Halve D times rounding down, then double D times.",
        ask="A U-Net of depth D = {d3} (2×2 pools at stride 2 that round down; each up-convolution doubles what it "
            "receives; size-keeping convolutions) gets an input {i3} units wide. How wide is the decoder's output?",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l09", notebook="09_deconvolution_and_upsampling.ipynb",
    title="Deconvolution and upsampling (lesson 09)", parameters=PARAMETERS, generate=_draw, questions=QUESTIONS,
)
