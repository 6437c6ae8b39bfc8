"""Check-yourself questions of lesson 10 (checkerboard artifacts) — instructor only.

The lesson (notebooks/10_checkerboard_artifacts.ipynb) asks each question just before the cell
that reveals the answer; check("l10.M") gives immediate feedback. No per-student variants: the
numbers are the lesson's. Every expected answer is computed with course_lib's math modules.
"""

import numpy as np

from course_lib.checkerboard import icnr, overlap_counts, phase_counts, phase_sums
from course_lib.grading.kinds import IntTuple
from course_lib.grading.spec import Check, ExerciseSet, Mistake, Question
from course_lib.numeric import conv_transpose1d

# Question 1: a 1-D transposed convolution, n = 4 input units, k = 5, s = 2, no padding.
N1, K1, S1 = 4, 5, 2
# Question 2: kernel w = (1, 2, 3, 4), stride 2, on a long input of ones: (even outputs, odd outputs) inside.
W2, S2 = (1, 2, 3, 4), 2
# Question 3: ICNR for C_out = 2 output maps, factor 2, TensorFlow's DCR order: the channels of map 1.
C3, S3, MAP3 = 2, 2, 1


def _counts(n=N1, k=K1, s=S1):
    return tuple(overlap_counts(n, k, s).tolist())


def _channels_of(c, order):
    """The sub-pixel channels whose kernel is map c's kernel in an ICNR weight of that order."""
    labels = np.arange(C3).reshape(C3, 1, 1, 1)
    return tuple(int(q) for q in np.flatnonzero(icnr(labels, S3, order)[:, 0, 0, 0] == c))


QUESTIONS = [
    Question(
        id="l10.1", name="cy1_counts", title="Overlap counts by hand", points=1, kind=IntTuple(),
        answer=lambda P: _counts(),
        mistakes=[
            Mistake(lambda P: tuple(phase_counts(K1, S1)[m % S1] for m in range((N1 - 1) * S1 + K1)),
                    "Those are the interior counts repeated to the ends. Near the ends fewer copies reach a "
                    "unit: the first copy starts at output 0 and the last one ends at the last output."),
            Mistake(lambda P: tuple(conv_transpose1d(np.ones(N1, int), np.ones(K1, int), stride=1).tolist()),
                    "You placed the copies 1 unit apart: with stride 2 copy j starts at output 2j."),
            Mistake(lambda P: _counts(k=K1 - 1), "Each copy covers k = 5 units (outputs 2j to 2j + 4), "
                    "not 4."),
            Mistake(lambda P: _counts(n=N1 - 1), "There is one copy per input unit: 4 copies, starting at "
                    "outputs 0, 2, 4 and 6."),
            Mistake(lambda P: tuple(phase_counts(K1, S1)[(m + 1) % S1] for m in range((N1 - 1) * S1 + K1)),
                    "That is an interior pattern with its two phases swapped, repeated to the ends. Which taps "
                    "can reach an even output unit, which an odd one? And near the ends fewer copies reach a "
                    "unit."),
            Mistake(lambda P: _counts(n=(N1 - 1) * S1 + 1, s=1),
                    "You placed the copies 1 unit apart over 11 outputs: with stride 2 there are only 4 copies, "
                    "copy j starting at output 2j."),
            Mistake(lambda P: (1,) + tuple(phase_counts(K1, S1)[m % S1] for m in range(1, (N1 - 1) * S1 + K1 - 1))
                    + (1,),
                    "Only the outermost unit at each end is short in your answer, but more are: unit 1 and unit 2 "
                    "lie under fewer copies than the interior units of their phase. Check which copies exist."),
        ],
        checks=[
            Check("len(answer) == 11", "Your tuple does not have 11 numbers: give one count for each of the "
                  "11 output units, from unit 0 to unit 10, the ends included.",
                  "The last copy starts at output 2·3 = 6 and covers 5 units, so the output ends at unit 10."),
        ],
        hint="Draw one row of 11 output units and one copy of the 5-unit kernel per input unit, copy j "
             "starting at output 2j; count the copies over each unit.",
    ),
    Question(
        id="l10.2", name="cy2_phase_values", title="The pattern of a kernel whose size the stride divides",
        points=1, kind=IntTuple(length=2),
        answer=lambda P: tuple(int(v) for v in phase_sums(W2, S2)),
        mistakes=[
            Mistake(lambda P: (sum(W2), sum(W2)), "Away from the borders each output unit meets only k/s = 2 of "
                    "the 4 taps (one from each of two copies), not the whole kernel; and which two depends "
                    "on the unit."),
            Mistake(lambda P: (W2[0] + W2[1], W2[2] + W2[3]), "Neighbouring taps never meet the same output "
                    "unit: copies are 2 apart, so a unit meets taps whose indices differ by 2."),
            Mistake(lambda P: tuple(int(v) for v in phase_sums(W2, S2)[::-1]), "The two values are right but "
                    "swapped: an even output unit 2u meets taps 0 and 2 (copies u and u - 1)."),
            Mistake(lambda P: phase_counts(len(W2), S2), "Those are the overlap counts, which are even. On "
                    "an input of ones each unit holds the sum of the taps that reach it."),
        ],
        hint="Output unit 2u + r meets tap t of copy j when 2j + t = 2u + r: which taps can reach an even "
             "unit, which an odd one?",
    ),
    Question(
        id="l10.3", name="cy3_dcr_channels", title="ICNR in TensorFlow's channel order", points=1,
        kind=IntTuple(unordered=True),
        answer=lambda P: _channels_of(MAP3, "DCR"),
        mistakes=[
            Mistake(lambda P: _channels_of(MAP3, "CRD"), "That is PyTorch's order (CRD), where map c's "
                    "s² channels sit together. depth_to_space (DCR) takes channel (r₁·s + r₂)·C_out + c."),
            Mistake(lambda P: _channels_of(0, "DCR"), "Those are map 0's channels in DCR: maps are numbered "
                    "from 0, so the second map is c = 1."),
        ],
        hint="In DCR, output map c at phase (r₁, r₂) reads channel (r₁·s + r₂)·C_out + c; list it for the "
             "four (r₁, r₂).",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l10", notebook="10_checkerboard_artifacts.ipynb", title="Checkerboard artifacts (lesson 10)",
    parameters={}, questions=QUESTIONS,
)
