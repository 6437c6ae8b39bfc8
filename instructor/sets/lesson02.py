"""Check-yourself questions of lesson 02 (convolution arithmetic) — instructor only.

The lesson (notebooks/02_convolution_arithmetic.ipynb) asks each question just before the cell
that reveals the answer; check("l02.M") gives immediate feedback. No per-student variants: the
numbers are the lesson's. Every expected answer is computed with course_lib's math modules.
"""

from course_lib.arithmetic import conv_output_size
from course_lib.grading.kinds import Int, IntTuple
from course_lib.grading.spec import ExerciseSet, Mistake, Question


def _out(i, k, s=1, p=0, *, ceil=False):
    """Relationship 6 as plain arithmetic (mistakes may leave the valid range without raising)."""
    return (-(-(i + 2 * p - k) // s) if ceil else (i + 2 * p - k) // s) + 1


def same_output_inputs(i, k, s, p):
    """Every input size (>= 1) giving conv(i, k, s, p)'s output size."""
    o = conv_output_size(i, k, s, p)
    return [n for n in range(1, i + s + 1) if k <= n + 2 * p and conv_output_size(n, k, s, p) == o]


def smallest_padding(i, k, s, o):
    """The smallest zero padding p (0 <= p < k) for which conv(i, k, s, p) has output size o."""
    return min(p for p in range(k) if k <= i + 2 * p and conv_output_size(i, k, s, p) == o)


FORGOT_ONE = "You forgot the +1: the first placement counts too (Figure 2.8)."
ROUNDED_UP = "You rounded up; the kernel must fit, so (i + 2p - k) / s is rounded down (floor)."

# Question 1: i = 8, k = 3, s = 2, p = 0.   Question 2: i = 11, k = 3, s = 3, p = 1.
# Question 3: AlexNet's first layer, k = 11, s = 4, on a 224 input, target 55.
QUESTIONS = [
    Question(
        id="l02.1", name="cy1_placements", title="Counting strided placements", points=1, kind=Int(),
        answer=lambda P: conv_output_size(8, 3, 2),
        mistakes=[
            Mistake(lambda P: (8 - 3) // 2, FORGOT_ONE),
            Mistake(lambda P: _out(8, 3, 2, ceil=True), ROUNDED_UP),
            Mistake(lambda P: 8 - 3 + 1, "That is the count for stride 1: with s = 2 the kernel skips every "
                    "other start."),
        ],
        hint="The kernel starts at 0, 2, 4, ...; the last start must be at most i - k.",
    ),
    Question(
        id="l02.2", name="cy2_sharing", title="Input sizes sharing an output", points=1,
        kind=IntTuple(unordered=True),
        answer=lambda P: same_output_inputs(11, 3, 3, 1),
        mistakes=[
            Mistake(lambda P: (11,), "Other input sizes give the same output too: the floor maps s "
                    "consecutive values of i + 2p - k to one output size."),
            Mistake(lambda P: (11, 12, 13), "You only counted upwards from 11: 13 already gives a larger "
                    "output, and a smaller size shares 11's."),
            Mistake(lambda P: (9, 10, 11), "You only counted downwards from 11: 9 gives a smaller output, "
                    "and a larger size shares 11's."),
        ],
        hint="Find the sizes n with the same floor((n + 2p - k) / s); there are at most s of them.",
    ),
    Question(
        id="l02.3", name="cy3_padding", title="Padding AlexNet's first layer", points=1, kind=Int(),
        answer=lambda P: smallest_padding(224, 11, 4, 55),
        mistakes=[
            Mistake(lambda P: 3, "You added the padding once; it goes on both sides, so the input grows by 2p."),
            Mistake(lambda P: 1, "With p = 1, (224 + 2 - 11) / 4 = 53.75: rounding up would give 55, but the "
                    "output size rounds down."),
            Mistake(lambda P: 0, "Without padding, (224 - 11) / 4 + 1 = 54.25, and the floor gives 54, not 55."),
        ],
        hint="Try p = 0, 1, 2, ... in floor((224 + 2p - 11) / 4) + 1 until you reach 55.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l02", notebook="02_convolution_arithmetic.ipynb", title="Convolution arithmetic (lesson 02)",
    parameters={}, questions=QUESTIONS,
)
