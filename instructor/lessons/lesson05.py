"""Check-yourself questions of lesson 05 (transposed convolution) — instructor only.

The lesson (notebooks/05_transposed_convolution.ipynb) asks each question just before the cell
that reveals the answer; check("l05.M") gives immediate feedback. No per-student variants: the
numbers are the lesson's. Every expected answer is computed with course_lib's math modules.
"""

import numpy as np

from course_lib.arithmetic import conv_output_size, transposed_equivalent, transposed_output_size
from course_lib.grading.kinds import IntTuple
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.numeric import conv1d, conv_transpose1d

# Question 1: y = (1, 2), w = (1, 2, 3), s = 2, p = 0.
Y1, W1, S1 = [1, 2], [1, 2, 3], 2


def _emulated(kernel):
    """The emulating direct convolution of question 1 (stretched input, p' = k - 1) with ``kernel``."""
    stretched = np.zeros(len(Y1) + (len(Y1) - 1) * (S1 - 1), dtype=int)
    stretched[::S1] = Y1
    return tuple(conv1d(np.pad(stretched, len(W1) - 1), np.array(kernel)).tolist())


def _overwritten(later_wins):
    """Question 1's scatter with overlapping units overwritten instead of summed."""
    out = np.zeros((len(Y1) - 1) * S1 + len(W1), dtype=int)
    copies = [(r * S1, y * np.array(W1)) for r, y in enumerate(Y1)]
    for start, copy in copies if later_wins else copies[::-1]:
        out[start:start + len(W1)] = copy
    return tuple(out.tolist())


def _round_trip(i, k, s, p):
    """(size a same-settings transposed convolution gives back, output_padding restoring i)."""
    o = conv_output_size(i, k, s, p)
    return transposed_output_size(o, k, s, p), transposed_equivalent(i, k, s, p).a


QUESTIONS = [
    Question(
        id="l05.1", name="cy1_by_hand", title="A 1-D transposed convolution by hand", points=1,
        kind=IntTuple(),
        answer=lambda P: tuple(conv_transpose1d(Y1, W1, stride=S1).tolist()),
        mistakes=[
            Mistake(lambda P: _emulated(W1), "That is the unflipped kernel: the emulating direct convolution "
                    "uses the kernel rotated by 180° (reversed in 1-D). Or scatter: y[r] adds y[r]·w starting "
                    "at output r·s."),
            Mistake(lambda P: tuple(conv_transpose1d(Y1, W1, stride=1).tolist()), "You ignored the stride: the "
                    "second copy starts s = 2 units after the first, not 1."),
            Mistake(lambda P: _overwritten(later_wins=True), "Copies that overlap add up: where two weighted "
                    "copies share an output unit, that unit holds their sum, not the later copy's value."),
            Mistake(lambda P: _overwritten(later_wins=False), "Copies that overlap add up: where two weighted "
                    "copies share an output unit, that unit holds their sum, not the first copy's value."),
            Mistake(lambda P: (1, 2, 3, 2, 4, 6), "You placed the copies end to end: each copy starts s units "
                    "after the previous one, which is fewer than the kernel's length here."),
        ],
        hint="Scatter: y[0]·w starts at output 0, y[1]·w at output 0 + s; add where they overlap.",
    ),
    Question(
        id="l05.2", name="cy2_round_trip", title="Does the size come back?", points=1, kind=IntTuple(length=2),
        answer=lambda P: _round_trip(16, 4, 3, 1),
        mistakes=[
            Mistake(lambda P: (16, 0), "You assumed the popular claim that the same settings always give back "
                    "i; they do only when (i + 2p - k) mod s = 0. Compute i' first, then s(i' - 1) + k - 2p."),
            Mistake(lambda P: (_round_trip(16, 4, 3, 1)[0], (16 - 4) % 3), "Your a leaves out the padding: "
                    "a = (i + 2p - k) mod s."),
            Mistake(lambda P: (_round_trip(16, 4, 3, 1)[0] + 2, _round_trip(16, 4, 3, 1)[1]),
                    "A transposed layer's padding crops 2p units from its output (p from each side)."),
        ],
        hint="First o = floor((i + 2p - k)/s) + 1, then the transposed size s(o - 1) + k - 2p + output_padding.",
    ),
    Question(
        id="l05.3", name="cy3_doubling", title="Choosing padding for a doubling layer", points=1,
        kind=IntTuple(length=2),
        answer=lambda P: next((p, a) for p in range(4) for a in range(2)
                              if transposed_output_size(32, 4, 2, p, a=a) == 64),
        mistakes=[
            Mistake(lambda P: (transposed_equivalent(64, 4, 2, 1).p_prime, 0), "That is p' = k - p - 1, the "
                    "emulating convolution's padding. PyTorch's padding is the direct convolution's p (in the "
                    "scatter view, p units cropped from each side of the full output)."),
            Mistake(lambda P: (0, 0), "Without padding the full scatter output is (32 - 1)·2 + 4 = 66: "
                    "padding must crop 2 units."),
            Mistake(lambda P: (1, 1), "With padding 1 the output is already 64; output_padding 1 adds a 65th unit."),
        ],
        hint="PyTorch: o = (i - 1)s - 2·padding + k + output_padding, with output_padding < s.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l05", notebook="05_transposed_convolution.ipynb", title="Transposed convolution (lesson 05)",
    parameters={}, questions=QUESTIONS,
)
