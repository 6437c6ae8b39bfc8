"""Check-yourself questions of lesson 10 (checkerboard artifacts) — instructor only.

The lesson (notebooks/10_checkerboard_artifacts.ipynb) asks each question just before the cell
that reveals the answer; check("l10.M") gives immediate feedback. The lesson's own numbers are
PARAMETERS; ``practice("l10.M")`` asks the question again with numbers from ``_draw`` (each
question's ``ask`` restates it over the parameters). Every expected answer is computed with
course_lib's math modules.
"""

import numpy as np

from course_lib.checkerboard import icnr, overlap_counts, phase_counts, phase_sums
from course_lib.grading.kinds import IntTuple
from course_lib.grading.spec import Check, ExerciseSet, Mistake, Question
from course_lib.numeric import conv_transpose1d

PARAMETERS = {
    "n1": 4, "k1": 5, "s1": 2,        # question 1: a 1-D transposed convolution, no padding: the overlap counts
    "w2": [1, 2, 3, 4],               # question 2: that kernel at stride 2 on ones: (even outputs, odd outputs)
    "c3": 2, "s3": 2, "map3": 1,      # question 3: ICNR, TensorFlow's DCR order: the channels of map map3
}

# Question 1: at least two short units at each end (k - s >= 2, else only the outermost one is short), uneven
# counts (s does not divide k, else shifting the phases changes nothing), at most 13 output units.
_LAYERS1 = [(n, k, s) for s in (2, 3) for k in range(s + 2, 8) for n in (3, 4, 5)
            if k % s and (n - 1) * s + k <= 13]


def _kernel2(rng):
    """Weights 1-6, k = 4 or 6, whose two phase sums differ from each other and from the sums of the two halves."""
    while True:
        w = [rng.randint(1, 6) for _ in range(rng.choice([4, 6]))]
        even, odd = sum(w[0::2]), sum(w[1::2])
        if even != odd and {sum(w[:len(w) // 2]), sum(w[len(w) // 2:])} != {even, odd}:
            return w


def _draw(rng):
    """Hand-sized numbers in which every declared mistake gives its own answer."""
    n1, k1, s1 = rng.choice(_LAYERS1)
    c3 = rng.randint(2, 4)
    return {"n1": n1, "k1": k1, "s1": s1, "w2": _kernel2(rng),
            "c3": c3, "s3": 2, "map3": rng.randint(1, c3 - 1)}


def _counts(P, n=None, k=None, s=None):
    n, k, s = (P[name] if v is None else v for name, v in (("n1", n), ("k1", k), ("s1", s)))
    return tuple(overlap_counts(n, k, s).tolist())


def _interior1(P, shift=0):
    """The interior counts repeated to the ends (phases shifted by ``shift``)."""
    k, s = P["k1"], P["s1"]
    return tuple(phase_counts(k, s)[(m + shift) % s] for m in range((P["n1"] - 1) * s + k))


def _outermost_short1(P):
    """The interior pattern with only the first and last unit short (1)."""
    inner = _interior1(P)
    return (1,) + inner[1:-1] + (1,)


def _blocks2(P):
    """Sums of neighbouring taps, k/2 at a time (the slip of pairing taps that are next to each other)."""
    w, half = P["w2"], len(P["w2"]) // 2
    return (sum(w[:half]), sum(w[half:]))


def _channels_of(P, c, order):
    """The sub-pixel channels whose kernel is map c's kernel in an ICNR weight of that order."""
    if c < 0:
        return None
    labels = np.arange(P["c3"]).reshape(P["c3"], 1, 1, 1)
    return tuple(int(q) for q in np.flatnonzero(icnr(labels, P["s3"], order)[:, 0, 0, 0] == c))


QUESTIONS = [
    Question(
        id="l10.1", name="cy1_counts", title="Overlap counts by hand", points=1, kind=IntTuple(),
        answer=lambda P: _counts(P),
        mistakes=[
            Mistake(lambda P: _interior1(P),
                    "Those are the interior counts repeated to the ends. Near the ends fewer copies reach a "
                    "unit: the first copy starts at output 0 and the last one ends at the last output."),
            Mistake(lambda P: tuple(conv_transpose1d(np.ones(P["n1"], int), np.ones(P["k1"], int), stride=1).tolist()),
                    "You placed the copies 1 unit apart: with stride s copy j starts at output j·s."),
            Mistake(lambda P: _counts(P, k=P["k1"] - 1), "Each copy covers k units (outputs j·s to j·s + k - 1), "
                    "not k - 1."),
            Mistake(lambda P: _counts(P, n=P["n1"] - 1), "There is one copy per input unit: n copies, copy j "
                    "starting at output j·s (j = 0 … n - 1)."),
            Mistake(lambda P: _interior1(P, shift=1),
                    "That is an interior pattern with its phases shifted by one unit, repeated to the ends. Which "
                    "taps can reach output unit j·s + r, for each phase r? And near the ends fewer copies reach a "
                    "unit."),
            Mistake(lambda P: _counts(P, n=(P["n1"] - 1) * P["s1"] + 1, s=1),
                    "You placed the copies 1 unit apart over the whole output: with stride s there are only n "
                    "copies, copy j starting at output j·s."),
            Mistake(_outermost_short1,
                    "Only the outermost unit at each end is short in your answer, but more are: the first and last "
                    "k - s units lie under fewer copies than the interior units of their phase. Check which copies "
                    "exist."),
        ],
        checks=[
            Check("len(answer) == (n1 - 1) * s1 + k1", "Your tuple does not have one number for each output "
                  "unit: the output has (n - 1)·s + k units, the ends included.",
                  "The last copy starts at output (n - 1)·s and covers k units."),
        ],
        hint="Draw one row of (n - 1)·s + k output units and one copy of the k-unit kernel per input unit, "
             "copy j starting at output j·s; count the copies over each unit.",
        ask="A 1-D transposed convolution reads n = {n1} units with k = {k1} and s = {s1} (no padding). Give the "
            "count of kernel copies over each output unit, as a tuple with one number per output unit.",
    ),
    Question(
        id="l10.2", name="cy2_phase_values", title="The pattern of a kernel whose size the stride divides",
        points=1, kind=IntTuple(length=2),
        answer=lambda P: tuple(int(v) for v in phase_sums(P["w2"], 2)),
        mistakes=[
            Mistake(lambda P: (sum(P["w2"]), sum(P["w2"])), "Away from the borders each output unit meets only "
                    "k/s of the k taps (one from each of k/s copies), not the whole kernel; and which ones depends "
                    "on the unit."),
            Mistake(_blocks2, "Neighbouring taps never meet the same output unit: copies are 2 apart, so a unit "
                    "meets taps whose indices differ by 2."),
            Mistake(lambda P: tuple(int(v) for v in phase_sums(P["w2"], 2)[::-1]), "The two values are right but "
                    "swapped: an even output unit 2u meets the even taps 0, 2, … (copies u, u - 1, …)."),
            Mistake(lambda P: phase_counts(len(P["w2"]), 2), "Those are the overlap counts, which are even. On "
                    "an input of ones each unit holds the sum of the taps that reach it."),
        ],
        hint="Output unit 2u + r meets tap t of copy j when 2j + t = 2u + r: which taps can reach an even "
             "unit, which an odd one?",
        ask="A transposed layer with stride 2 and weights w = {w2} reads a long input of ones. Inside, two values "
            "alternate: give them as (value at even outputs, value at odd outputs).",
    ),
    Question(
        id="l10.3", name="cy3_dcr_channels", title="ICNR in TensorFlow's channel order", points=1,
        kind=IntTuple(unordered=True),
        answer=lambda P: _channels_of(P, P["map3"], "DCR"),
        mistakes=[
            Mistake(lambda P: _channels_of(P, P["map3"], "CRD"), "That is PyTorch's order (CRD), where map c's "
                    "s² channels sit together. depth_to_space (DCR) takes channel (r₁·s + r₂)·C_out + c."),
            Mistake(lambda P: _channels_of(P, P["map3"] - 1, "DCR"), "Those are the channels of the map before "
                    "it in DCR: maps are numbered from 0, and the question asks for map c (kernel W₀[c])."),
        ],
        hint="In DCR, output map c at phase (r₁, r₂) reads channel (r₁·s + r₂)·C_out + c; list it for every "
             "(r₁, r₂).",
        ask="ICNR for C_out = {c3} output maps and factor s = {s3}: the sub-pixel convolution has C_out·s² "
            "channels, numbered from 0. In the DCR order of TensorFlow's depth_to_space, which channels must hold "
            "copies of map {map3}'s kernel W₀[{map3}]? Give them as a tuple.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l10", notebook="10_checkerboard_artifacts.ipynb", title="Checkerboard artifacts (lesson 10)",
    parameters=PARAMETERS, generate=_draw, questions=QUESTIONS,
)
