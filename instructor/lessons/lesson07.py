"""Check-yourself questions of lesson 07 (dilated convolution) — instructor only.

The lesson (notebooks/07_dilated_convolution.ipynb) asks each question just before the cell
that reveals the answer; check("l07.M") gives immediate feedback. No per-student variants: the
numbers are the lesson's. Every expected answer is computed with course_lib's math modules.
"""

from course_lib.arithmetic import conv_output_size, effective_kernel_size
from course_lib.connectivity import holes, stack_receptive_field
from course_lib.grading.kinds import Int, IntTuple
from course_lib.grading.spec import ExerciseSet, Mistake, Question

# Question 1: a 3-tap kernel with dilation 4 at stride 1: (k̂, the padding that keeps the size).
K1, D1 = 3, 4
# Question 2: a TCN, kernel 3, blocks of two convolutions; a block group has dilations 1, 2, 4; 3 groups.
K2, BLOCK2, GROUPS2 = 3, (1, 2, 4), 3
# Question 3: three 3-tap layers with dilations 2, 2, 3: the holes, counted from the field's centre.
D3 = [2, 2, 3]


def _same_padding(k, d):
    """The padding p that keeps the size at stride 1 (found by trying, not by formula)."""
    return next(p for p in range(4 * k * d) if conv_output_size(32, k, 1, p, d) == 32)


def _tcn(convs_per_block=2, groups=GROUPS2):
    dilations = [d for d in BLOCK2 for _ in range(convs_per_block)] * groups
    return stack_receptive_field([K2] * len(dilations), dilations)


QUESTIONS = [
    Question(
        id="l07.1", name="cy1_k_hat_and_padding", title="The effective kernel and the padding that keeps the size",
        points=1, kind=IntTuple(length=2),
        answer=lambda P: (effective_kernel_size(K1, D1), _same_padding(K1, D1)),
        mistakes=[
            Mistake(lambda P: (K1 * D1, (K1 * D1 - 1) // 2), "k·d counts d units for every tap, but there are "
                    "only k - 1 gaps between the taps, and the window ends at the last tap."),
            Mistake(lambda P: (K1 + (K1 - 1) * D1, (K1 - 1) * D1 // 2 + 1), "You put d units between "
                    "neighbouring taps; dilation d skips d - 1 (d counts from 1: d = 1 is the ordinary kernel)."),
            Mistake(lambda P: (K1 * D1, K1 * D1 // 2), "k·d counts d units for every tap, but there are "
                    "only k - 1 gaps between the taps; and an even window cannot be padded equally on both sides "
                    "to keep the size."),
            Mistake(lambda P: (effective_kernel_size(K1, D1), K1 // 2), "Your k̂ is right, but p = ⌊k/2⌋ keeps "
                    "the size only without dilation: the padding must make up for the whole effective window."),
            Mistake(lambda P: (effective_kernel_size(K1, D1), effective_kernel_size(K1, D1) - 1), "Padding k̂ - 1 "
                    "on each side is full padding: the output grows by k̂ - 1. Half of it on each side keeps the size."),
        ],
        hint="Check the two numbers one at a time. k̂: count the units the window spans (taps and the skipped "
             "units between them). p: the window must fit i + 2p units exactly i times at stride 1.",
    ),
    Question(
        id="l07.2", name="cy2_tcn_field", title="The receptive field of a TCN", points=1, kind=Int(),
        answer=lambda P: _tcn(),
        mistakes=[
            Mistake(lambda P: GROUPS2 * max(BLOCK2) * K2, "That is the shortcut 'stacks × largest dilation × "
                    "kernel size' (stacks = block groups). Every convolution adds (k - 1)·d units to the field, the small dilations too."),
            Mistake(lambda P: _tcn(convs_per_block=1), "Each residual block holds two convolutions, and each of "
                    "them adds (k - 1)·d."),
            Mistake(lambda P: _tcn(groups=1), "There are three block groups in all, and every group adds its "
                    "span again."),
            Mistake(lambda P: _tcn(groups=GROUPS2 + 1), "Three block groups in all: the first group is one of "
                    "the three, not one more."),
            Mistake(lambda P: _tcn() - 1, "Start from 1 (the unit itself) and add what every layer adds."),
            Mistake(lambda P: 1 + 2 * GROUPS2 * K2 * sum(BLOCK2), "A layer adds (k - 1)·d, not k·d: its first "
                    "tap reads a unit that is already in the field."),
        ],
        hint="Every convolution adds (k - 1)·d input units to the field of one output unit; list all the "
             "convolutions with their dilations.",
    ),
    Question(
        id="l07.3", name="cy3_holes", title="The holes of a dilated stack", points=1,
        kind=IntTuple(unordered=True),
        answer=lambda P: tuple(holes([3] * 3, D3, centred=True)),
        mistakes=[
            Mistake(lambda P: (), "The rates 2, 2, 3 have no common factor (gcd 1), yet that alone does not close every gap: "
                    "list what the first two layers reach, then add -3, 0 or +3 to each."),
            Mistake(lambda P: tuple(holes([3] * 3, [2, 2, 2], centred=True)), "Those are the holes of three layers "
                    "of dilation 2; the third layer's taps at -3 and +3 reach odd offsets."),
            Mistake(lambda P: (-7, 7), "The ends are reached: 2 + 2 + 3 = 7, every layer's outer tap on one side."),
        ],
        hint="An offset is reached when it is a sum of one tap per layer: -2, 0 or +2, then -2, 0 or +2, then "
             "-3, 0 or +3.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l07", notebook="07_dilated_convolution.ipynb", title="Dilated convolution (lesson 07)",
    parameters={}, questions=QUESTIONS,
)
