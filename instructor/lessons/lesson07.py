"""Check-yourself questions of lesson 07 (dilated convolution) — instructor only.

The lesson (notebooks/07_dilated_convolution.ipynb) asks each question just before the cell
that reveals the answer; check("l07.M") gives immediate feedback. The lesson's own numbers are
PARAMETERS; ``practice("l07.M")`` asks the question again with numbers from ``_draw`` (each
question's ``ask`` restates it over the parameters). Every expected answer is computed with
course_lib's math modules.
"""

import itertools

from course_lib.arithmetic import conv_output_size, effective_kernel_size
from course_lib.connectivity import holes, stack_receptive_field
from course_lib.grading.kinds import Int, IntTuple
from course_lib.grading.spec import ExerciseSet, Mistake, Question

PARAMETERS = {
    "k1": 3, "d1": 4,                          # question 1: a 3-tap kernel, dilation 4, stride 1
    "k2": 3, "dil2": [1, 2, 4], "b2": 3,       # question 2: a TCN, blocks of two convolutions, 3 block groups
    "d3": [2, 2, 3],                           # question 3: three 3-tap layers at stride 1
}

# Question 1: (k, d) with an odd k̂ (so a symmetric padding keeps the size), d != k (else k·d = k + (k - 1)d)
# and an even k·d (else (k·d - 1) // 2 = k·d // 2).
_PAIRS1 = [(k, d) for k in (2, 3, 5) for d in range(2, 6)
           if d != k and effective_kernel_size(k, d) % 2 and k * d % 2 == 0]
# Question 2: (k, b) with b >= 3 (b = 2 gives one group and one convolution per block the same field) and
# k != b + 1 (else 1 + 2bk·Σd, the k·d slip, equals the field of b + 1 groups).
_TCN2 = [(k, b) for k in range(2, 6) for b in (3, 4) if k != b + 1]
# Question 3: rates without a common factor that still leave holes, one rate repeated (the "all equal" slip).
_RATES3 = sorted({p for ds in ((2, 2, 3), (2, 2, 5), (2, 3, 3), (3, 3, 4), (1, 4, 4))
                  for p in itertools.permutations(ds)})


def _draw(rng):
    """Hand-sized numbers in which every declared mistake gives its own answer."""
    k1, d1 = rng.choice(_PAIRS1)
    block = [2 ** m for m in range(rng.randint(2, 4))]
    k2, b2 = rng.choice(_TCN2)
    return {"k1": k1, "d1": d1, "k2": k2, "dil2": block, "b2": b2,
            "d3": list(rng.choice(_RATES3))}


def _same_padding(k, d):
    """The padding p that keeps the size at stride 1 (found by trying, not by formula)."""
    return next(p for p in range(4 * k * d) if conv_output_size(32, k, 1, p, d) == 32)


def _tcn(P, convs_per_block=2, groups=None):
    groups = P["b2"] if groups is None else groups
    dilations = [d for d in P["dil2"] for _ in range(convs_per_block)] * groups
    return stack_receptive_field([P["k2"]] * len(dilations), dilations)


def _repeated(rates):
    """Three layers that all have the rate that occurs twice."""
    return [max(rates, key=rates.count)] * len(rates)


QUESTIONS = [
    Question(
        id="l07.1", name="cy1_k_hat_and_padding", title="The effective kernel and the padding that keeps the size",
        points=1, kind=IntTuple(length=2),
        answer=lambda P: (effective_kernel_size(P["k1"], P["d1"]), _same_padding(P["k1"], P["d1"])),
        mistakes=[
            Mistake(lambda P: (P["k1"] * P["d1"], (P["k1"] * P["d1"] - 1) // 2), "k·d counts d units for every "
                    "tap, but there are only k - 1 gaps between the taps, and the window ends at the last tap."),
            Mistake(lambda P: (P["k1"] + (P["k1"] - 1) * P["d1"], (P["k1"] - 1) * P["d1"] // 2 + 1), "You put d "
                    "units between neighbouring taps; dilation d skips d - 1 (d counts from 1: d = 1 is the "
                    "ordinary kernel)."),
            Mistake(lambda P: (P["k1"] * P["d1"], P["k1"] * P["d1"] // 2), "k·d counts d units for every tap, but "
                    "there are only k - 1 gaps between the taps; and an even window cannot be padded equally on "
                    "both sides to keep the size."),
            Mistake(lambda P: (effective_kernel_size(P["k1"], P["d1"]), P["k1"] // 2), "Your k̂ is right, but "
                    "p = ⌊k/2⌋ keeps the size only without dilation: the padding must make up for the whole "
                    "effective window."),
            Mistake(lambda P: (effective_kernel_size(P["k1"], P["d1"]), effective_kernel_size(P["k1"], P["d1"]) - 1),
                    "Padding k̂ - 1 on each side is full padding: the output grows by k̂ - 1. Half of it on each "
                    "side keeps the size."),
        ],
        hint="Check the two numbers one at a time. k̂: count the units the window spans (taps and the skipped "
             "units between them). p: the window must fit i + 2p units exactly i times at stride 1.",
        ask="A {k1}-tap kernel with dilation d = {d1} slides at stride 1. Give (k̂, p): its effective size, and "
            "the padding p on each side that keeps the output as long as the input.",
    ),
    Question(
        id="l07.2", name="cy2_tcn_field", title="The receptive field of a TCN", points=1, kind=Int(),
        answer=lambda P: _tcn(P),
        mistakes=[
            Mistake(lambda P: P["b2"] * max(P["dil2"]) * P["k2"], "That is the shortcut 'stacks × largest "
                    "dilation × kernel size' (stacks = block groups). Every convolution adds (k - 1)·d units to "
                    "the field, the small dilations too."),
            Mistake(lambda P: _tcn(P, convs_per_block=1), "Each residual block holds two convolutions, and each "
                    "of them adds (k - 1)·d."),
            Mistake(lambda P: _tcn(P, groups=1), "The network repeats the block group b times, and every group "
                    "adds its span again."),
            Mistake(lambda P: _tcn(P, groups=P["b2"] + 1), "b block groups in all: the first group is one of "
                    "the b, not one more."),
            Mistake(lambda P: _tcn(P) - 1, "Start from 1 (the unit itself) and add what every layer adds."),
            Mistake(lambda P: 1 + 2 * P["b2"] * P["k2"] * sum(P["dil2"]), "A layer adds (k - 1)·d, not k·d: "
                    "its first tap reads a unit that is already in the field."),
        ],
        hint="Every convolution adds (k - 1)·d input units to the field of one output unit; list all the "
             "convolutions with their dilations.",
        ask="A TCN with kernel size {k2} has residual blocks of two convolutions each. One block group holds "
            "blocks with dilations {dil2}; the network has b = {b2} block groups in all. What is the receptive "
            "field of one output unit, in input units?",
    ),
    Question(
        id="l07.3", name="cy3_holes", title="The holes of a dilated stack", points=1,
        kind=IntTuple(unordered=True),
        answer=lambda P: tuple(holes([3] * 3, P["d3"], centred=True)),
        mistakes=[
            Mistake(lambda P: (), "These rates have no common factor (gcd 1), yet that alone does not close every "
                    "gap: list what the first two layers reach, then add -d, 0 or +d of the third to each."),
            Mistake(lambda P: tuple(holes([3] * 3, _repeated(P["d3"]), centred=True)), "Those are the holes of "
                    "three layers that all have the repeated dilation; the other layer's taps reach offsets "
                    "those miss."),
            Mistake(lambda P: (-sum(P["d3"]), sum(P["d3"])), "The ends are reached: the sum of the dilations, "
                    "every layer's outer tap on one side."),
        ],
        hint="An offset is reached when it is a sum of one tap per layer: -d, 0 or +d of each layer's dilation d.",
        ask="Three 3-tap layers at stride 1 have dilations {d3}; each layer's taps sit at -d, 0 and +d. Counting "
            "offsets from the centre of the field, which offsets inside the field does the output unit never "
            "reach? Give them as a tuple (empty if there are none).",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l07", notebook="07_dilated_convolution.ipynb", title="Dilated convolution (lesson 07)",
    parameters=PARAMETERS, generate=_draw, questions=QUESTIONS,
)
