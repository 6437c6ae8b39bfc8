"""Check-yourself questions of lesson 02 (convolution arithmetic) — instructor only.

The lesson (notebooks/02_convolution_arithmetic.ipynb) asks each question just before the cell
that reveals the answer; check("l02.M") gives immediate feedback on the lesson's numbers (the
defaults), and practice("l02.M") draws new ones from ``_draw``: small sizes a student can work out
with pencil, in ranges where every declared mistake gives its own answer. Every expected answer is
computed with course_lib's math modules.
"""

import random

from course_lib.arithmetic import conv_output_size, inputs_sharing_output, pool_output_size
from course_lib.grading.kinds import Int, IntTuple
from course_lib.grading.spec import Check, ExerciseSet, Mistake, Question

PARAMETERS = {
    "i1": 8, "k1": 3, "s1": 2,                          # question 1: no padding
    "i2": 11, "k2": 3, "s2": 3, "p2": 1,                # question 2: 11 is not the first size of its group
    "o3": 55, "kp3": 3, "sp3": 2, "kc3": 5, "pc3": 2,   # question 3: AlexNet after conv1
}


def _out(i, k, s=1, p=0, *, ceil=False):
    """Relationship 6 as plain arithmetic (mistakes may leave the valid range without raising)."""
    return (-(-(i + 2 * p - k) // s) if ceil else (i + 2 * p - k) // s) + 1


def walk(P):
    """Sizes after pool1 (kp3, stride sp3), conv2 (kc3, stride 1, padding pc3) and pool2, from o3."""
    pool1 = pool_output_size(P["o3"], P["kp3"], P["sp3"])
    conv2 = conv_output_size(pool1, P["kc3"], 1, P["pc3"])
    return pool1, conv2, pool_output_size(conv2, P["kp3"], P["sp3"])


def mistaken_walk(P, *, conv2_padding=True, plus_one=1, pool_plus_one=None, ceil_halving=False):
    """A mistaken walk: without conv2's padding, without the +1 (everywhere, or only in the pools),
    or dividing by the stride and rounding up (conv2 then keeps the size)."""
    n, kp, sp, kc = P["o3"], P["kp3"], P["sp3"], P["kc3"]
    pc = P["pc3"] if conv2_padding else 0
    if ceil_halving:
        pool1 = -(-n // sp)
        return pool1, pool1, -(-pool1 // sp)
    pool_plus_one = plus_one if pool_plus_one is None else pool_plus_one
    pool1 = (n - kp) // sp + pool_plus_one
    conv2 = pool1 + 2 * pc - kc + plus_one
    return pool1, conv2, (conv2 - kp) // sp + pool_plus_one


FORGOT_ONE = "You forgot the +1: the first placement counts too (Figure 2.8)."
ROUNDED_UP = ("Rounding (i - k) / s up gives this; but the last placement must fit inside the input, so "
              "(i - k) / s is rounded down before the +1.")

QUESTIONS = [
    Question(
        id="l02.1", name="cy1_placements", title="Counting strided placements", points=1, kind=Int(),
        answer=lambda P: conv_output_size(P["i1"], P["k1"], P["s1"]),
        mistakes=[
            Mistake(lambda P: (P["i1"] - P["k1"]) // P["s1"], FORGOT_ONE),
            Mistake(lambda P: _out(P["i1"], P["k1"], P["s1"], ceil=True), ROUNDED_UP),
            Mistake(lambda P: P["i1"] - P["k1"] + 1, "That is the count for stride 1: with a larger stride the "
                    "kernel skips starts."),
        ],
        hint="The kernel starts at 0, s, 2s, ...; the last start must be at most i - k.",
        ask="An input of size i = {i1}, a kernel of size k = {k1}, stride s = {s1}, no padding. How many "
            "placements does the kernel have (the output size)?",
    ),
    Question(
        id="l02.2", name="cy2_sharing", title="Input sizes sharing an output", points=1,
        kind=IntTuple(unordered=True),
        answer=lambda P: inputs_sharing_output(P["i2"], P["k2"], P["s2"], P["p2"]),
        mistakes=[
            Mistake(lambda P: (P["i2"],), "Other input sizes give the same output too: the floor maps s "
                    "consecutive values of i + 2p - k to one output size."),
            Mistake(lambda P: tuple(range(P["i2"], P["i2"] + P["s2"])), "You took the size the layer receives as "
                    "the first size of its group, but that holds only when s divides i + 2p - k, which it does "
                    "not here: find where the group really starts."),
            Mistake(lambda P: tuple(inputs_sharing_output(P["i2"], P["k2"], P["s2"], 0)), "You left out the "
                    "padding: the kernel slides over i + 2p units, which moves the group of sizes sharing an "
                    "output."),
        ],
        checks=[
            Check("i2 in answer", "The size the layer receives gives its own output size.",
                  "Include the size the layer receives."),
            Check("all((n + 2 * p2 - k2) // s2 == (i2 + 2 * p2 - k2) // s2 for n in answer)",
                  "Some of your sizes give a different output size than the size the layer receives.",
                  "Compute the output size of each size you listed, padding included."),
            Check("all((n + 2 * p2 - k2) // s2 != (i2 + 2 * p2 - k2) // s2 "
                  "for n in (min(answer) - 1, max(answer) + 1))",
                  "Every size you listed shares the output size, but some are missing: a size next to your "
                  "list gives that output too.",
                  "Try the sizes just below and just above your list."),
        ],
        hint="Find the input sizes with the same floor((size + 2p - k) / s); there are at most s of them.",
        ask="A layer with kernel size k = {k2}, stride s = {s2} and padding p = {p2} on each side receives an input "
            "of size {i2}. Which input sizes give the same output size as {i2}? List them all, as a list or a tuple.",
    ),
    Question(
        id="l02.3", name="cy3_walk", title="Walking AlexNet's sizes", points=1, kind=IntTuple(length=3),
        answer=walk,
        mistakes=[
            Mistake(lambda P: mistaken_walk(P, conv2_padding=False), "You left out the convolution's padding: "
                    "p zeros on each side make its input 2p units longer."),
            Mistake(lambda P: mistaken_walk(P, plus_one=0), "You forgot the +1 in every layer, the convolution "
                    "included: the first placement counts too (Figure 2.8)."),
            Mistake(lambda P: mistaken_walk(P, pool_plus_one=0), "You forgot the +1 in the pooling layers: the "
                    "first window counts too (Figure 2.8)."),
            Mistake(lambda P: mistaken_walk(P, ceil_halving=True), "You divided by the stride and rounded up: "
                    "that is the size \"same\" padding would give; these pooling layers have no padding, "
                    "so the size is floor((i - k) / s) + 1."),
        ],
        hint="Apply floor((i + 2p - k) / s) + 1 layer by layer: pooling has p = 0.",
        ask="A {o3}×{o3} feature map goes through max pooling ({kp3}×{kp3} windows, stride {sp3}, no padding), "
            "then a {kc3}×{kc3} convolution (stride 1, padding {pc3}), then the same pooling again. Give the three "
            "sizes as a tuple (after the first pooling, after the convolution, after the second pooling).",
    ),
]


def _draw(rng: random.Random) -> dict:
    """New numbers: question 1 a stride of 2 or 3 that does not divide i - k; question 2 a padding 2p that
    is no multiple of the stride and an input size that is the first of its group neither with nor without
    the padding; question 3 a 13-40 map (odd under 2×2 windows), 2×2 or 3×3 pooling at stride 2 and a
    size-keeping 3×3 or 5×5 convolution. Draws once: ``ExerciseSet.draw`` redraws the rare draw in which
    two mistakes still coincide."""
    def placements(rng):
        s, k = rng.choice([2, 3]), rng.randint(2, 5)
        i = rng.choice([n for n in range(k + s, 14) if (n - k) % s])
        return {"i1": i, "k1": k, "s1": s}

    def sharing(rng):
        s, p = rng.choice([(3, 1), (3, 2), (4, 1)])      # 2p not a multiple of s: the padding moves the group
        k = rng.randint(2, 5)
        i = rng.choice([n for n in range(k + s, 16) if (n + 2 * p - k) % s and (n - k) % s])
        return {"i2": i, "k2": k, "s2": s, "p2": p}

    def walking(rng):
        kc, kp = rng.choice([3, 5]), rng.choice([2, 3])
        n = rng.choice([n for n in range(13, 41) if kp == 3 or n % 2])  # 2×2 windows on an even map halve it exactly
        return {"o3": n, "kp3": kp, "sp3": 2, "kc3": kc, "pc3": (kc - 1) // 2}

    drawn = {}
    for draw in (placements, sharing, walking):
        drawn.update(draw(rng))
    return drawn


EXERCISE_SET = ExerciseSet(
    id="l02", notebook="02_convolution_arithmetic.ipynb", title="Convolution arithmetic (lesson 02)",
    parameters=PARAMETERS, generate=_draw, questions=QUESTIONS,
)
