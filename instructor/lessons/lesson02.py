"""Check-yourself questions of lesson 02 (convolution arithmetic) — instructor only.

The lesson (notebooks/02_convolution_arithmetic.ipynb) asks each question just before the cell
that reveals the answer; check("l02.M") gives immediate feedback. No per-student variants: the
numbers are the lesson's. Every expected answer is computed with course_lib's math modules.
"""

from course_lib.arithmetic import conv_output_size, inputs_sharing_output, pool_output_size
from course_lib.grading.kinds import Int, IntTuple
from course_lib.grading.spec import Check, ExerciseSet, Mistake, Question


def _out(i, k, s=1, p=0, *, ceil=False):
    """Relationship 6 as plain arithmetic (mistakes may leave the valid range without raising)."""
    return (-(-(i + 2 * p - k) // s) if ceil else (i + 2 * p - k) // s) + 1


def alexnet_sizes():
    """Sizes after AlexNet's pool1 (3, stride 2), conv2 (5, padding 2) and pool2, from conv1's 55."""
    pool1 = pool_output_size(55, 3, 2)
    conv2 = conv_output_size(pool1, 5, 1, 2)
    return pool1, conv2, pool_output_size(conv2, 3, 2)


def alexnet_walk(*, conv2_padding=2, plus_one=1, pool_plus_one=None, ceil_halving=False):
    """A mistaken walk: without conv2's padding, without the +1 (everywhere, or only in the pools),
    or halving with rounding up."""
    if ceil_halving:
        pool1 = -(-55 // 2)
        return pool1, pool1, -(-pool1 // 2)
    pool_plus_one = plus_one if pool_plus_one is None else pool_plus_one
    pool1 = (55 - 3) // 2 + pool_plus_one
    conv2 = pool1 + 2 * conv2_padding - 5 + plus_one
    return pool1, conv2, (conv2 - 3) // 2 + pool_plus_one


FORGOT_ONE = "You forgot the +1: the first placement counts too (Figure 2.8)."
ROUNDED_UP = ("Rounding (i - k) / s up, or halving i because the stride is 2, both give this; but the "
              "last placement must fit inside the input, so (i - k) / s is rounded down before the +1.")

# Question 1: i = 8, k = 3, s = 2, no padding.   Question 2: i = 11, k = 3, s = 3, p = 1.
# Question 3: AlexNet after conv1 (55): pool1 3/2, conv2 5 with p = 2, pool2 3/2.
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
        answer=lambda P: inputs_sharing_output(11, 3, 3, 1),
        mistakes=[
            Mistake(lambda P: (11,), "Other input sizes give the same output too: the floor maps s "
                    "consecutive values of i + 2p - k to one output size."),
            Mistake(lambda P: (11, 12, 13), "You took 11 as the first size of its group, but that holds only "
                    "when s divides i + 2p - k, which it does not for 11: find where the group really starts."),
            Mistake(lambda P: tuple(inputs_sharing_output(11, 3, 3, 0)), "You left out the padding: with "
                    "p = 1 the kernel slides over n + 2 units, which moves the group of sizes sharing an output."),
        ],
        checks=[
            Check("11 in answer", "11 itself gives the same output size as 11.",
                  "Include the size the layer receives."),
            Check("all((n + 2 * 1 - 3) // 3 == (11 + 2 * 1 - 3) // 3 for n in answer)",
                  "Some of your sizes give a different output size than 11 does.",
                  "Compute the output size of each size you listed, padding included."),
            Check("all((n + 2 * 1 - 3) // 3 != (11 + 2 * 1 - 3) // 3 for n in (min(answer) - 1, max(answer) + 1))",
                  "Every size you listed shares 11's output size, but some are missing: a size next to your "
                  "list gives that output too.",
                  "Try the sizes just below and just above your list."),
        ],
        hint="Find the sizes n with the same floor((n + 2p - k) / s); there are at most s of them.",
    ),
    Question(
        id="l02.3", name="cy3_walk", title="Walking AlexNet's sizes", points=1, kind=IntTuple(length=3),
        answer=lambda P: alexnet_sizes(),
        mistakes=[
            Mistake(lambda P: alexnet_walk(conv2_padding=0), "You left out conv2's padding: 2 zeros on each "
                    "side make the input 4 units longer."),
            Mistake(lambda P: alexnet_walk(plus_one=0), "You forgot the +1 in every layer, conv2 included: the "
                    "first placement counts too (Figure 2.8)."),
            Mistake(lambda P: alexnet_walk(pool_plus_one=0), "You forgot the +1 in the pooling layers: the first "
                    "window counts too (Figure 2.8)."),
            Mistake(lambda P: alexnet_walk(ceil_halving=True), "You divided by the stride and rounded up: "
                    "that is the size \"same\" padding would give; these pooling layers have no padding, "
                    "so the size is floor((i - k) / s) + 1."),
        ],
        hint="Apply floor((i + 2p - k) / s) + 1 layer by layer: pooling has p = 0.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l02", notebook="02_convolution_arithmetic.ipynb", title="Convolution arithmetic (lesson 02)",
    parameters={}, questions=QUESTIONS,
)
