"""Check-yourself questions of lesson 00 (start here): set l00 (instructor only: answers).

The lesson's text uses the defaults in PARAMETERS; ``practice("l00.N")`` draws new numbers with
``_draw`` (small, hand-sized, and such that every declared mistake gives its own answer). Every
expected answer and every declared mistake is computed with course_lib's math modules, the way the
notebook's reveal cells compute them.
"""

import numpy as np

from course_lib.arithmetic import conv_output_size, effective_kernel_size
from course_lib.grading.kinds import Int, IntTuple
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.numeric import conv1d

# l00.1: the draws vary s (1-3) and p (0-2) and, whenever s > 1, make i + 2p - k not a multiple of s,
# so the floor matters. With p <= s a padding slip often gives the same number as forgetting the +1
# (or even the right answer), so the slips are grouped by the number they give: each group has its own
# Mistake and its hint names every slip that leads to that number. A draw is kept only when each of its
# groups is declared below. l00.2: all four slips (k·d, k + (k - 1)d, k + d - 1 and the distance k̂ - 1)
# apart from k̂ (k = 3, d = 2 gives k + d - 1 = (k - 1)d, so neither the lesson nor a draw uses it).
# l00.3: a kernel that is not a palindrome, so the flip shows.
PARAMETERS = {"i1": 8, "k1": 3, "s1": 2, "p1": 2,
              "k2": 4, "d2": 2,
              "x3": [2, 0, 1, 3], "w3": [1, 2, 3]}

_PADDING_SLIPS = {"no padding", "one side"}


def _slips(P):
    """The number each slip gives for these parameters (None where the slip cannot happen)."""
    i, k, s, p = P["i1"], P["k1"], P["s1"], P["p1"]
    q = i + 2 * p - k
    return {"+1": q // s,
            "no padding": (i - k) // s + 1 if p and k <= i else None,
            "one side": (i + p - k) // s + 1 if p and k <= i + p else None,
            "unit stride": q + 1 if s > 1 else None,
            "rounded up": -(-q // s) + 1 if q % s else None}


def _slip_groups(P):
    """Wrong number -> the set of slips that give it (slips that give the answer are left out)."""
    answer, groups = conv_output_size(P["i1"], P["k1"], P["s1"], P["p1"]), {}
    for name, value in _slips(P).items():
        if value is not None and value != answer:
            groups.setdefault(value, set()).add(name)
    return groups


def _group(test):
    """A Mistake's answer: the number whose group of slips passes ``test``, else None."""
    def answer(P):
        found = [value for value, names in _slip_groups(P).items() if test(names)]
        return found[0] if found else None
    return answer


_GROUPS = [
    lambda names: names == {"+1"},
    lambda names: "+1" in names and names - {"+1"} <= _PADDING_SLIPS and len(names) > 1,
    lambda names: names == {"no padding"},
    lambda names: names == {"one side"},
    lambda names: names == _PADDING_SLIPS,
    lambda names: names == {"unit stride"},
    lambda names: names == {"rounded up"},
]


def _draw_output_size(rng):
    while True:
        # s = 1 (no floor to take) is accepted far more often than s > 1, so it is drawn rarely
        s = 1 if rng.random() < 0.04 else rng.choice([2, 3])
        p, k = rng.randint(0, 2), rng.randint(2, 5)
        P = {"i1": rng.randint(k, 12), "k1": k, "s1": s, "p1": p}
        groups = _slip_groups(P).items()
        if s > 1 and (P["i1"] + 2 * p - k) % s == 0:
            continue  # the floor would not matter
        if all(any(test(names) for test in _GROUPS) for _, names in groups) and min(v for v, _ in groups) >= 1:
            return P


def _kernel_span_mistakes(P):
    k, d = P["k2"], P["d2"]
    return [k * d, k + (k - 1) * d, k + d - 1, (k - 1) * d]


def _draw_kernel_span(rng):
    while True:
        P = {"k2": rng.randint(3, 6), "d2": rng.randint(2, 4)}
        values = [effective_kernel_size(P["k2"], P["d2"])] + _kernel_span_mistakes(P)
        if len(set(values)) == len(values):
            return P


def _xcorr(P):
    return tuple(int(v) for v in conv1d(P["x3"], P["w3"]))


def _flipped(P):
    return tuple(int(v) for v in np.convolve(P["x3"], P["w3"], mode="valid"))


def _draw_xcorr(rng):
    while True:
        P = {"x3": [rng.randint(0, 3) for _ in range(4)], "w3": [rng.randint(1, 3) for _ in range(3)]}
        values = {_xcorr(P), _flipped(P), _xcorr(P)[::-1]}
        if P["w3"][0] != P["w3"][2] and len(values) == 3:
            return P


def _draw(rng):
    """New hand-sized numbers for every question (random.Random -> the keys of PARAMETERS)."""
    return {**_draw_output_size(rng), **_draw_kernel_span(rng), **_draw_xcorr(rng)}


QUESTIONS = [
    Question(
        id="l00.1", name="cy1_output_size", title="Output size of a strided, padded convolution",
        points=1, kind=Int(),
        answer=lambda P: conv_output_size(P["i1"], P["k1"], P["s1"], P["p1"]),
        hint="Pad the input (p zeros on each side), then count the starts 0, s, 2s, ... at which "
             "the whole kernel still fits.",
        mistakes=[
            Mistake(_group(_GROUPS[0]),
                    "You forgot the +1: ⌊(i + 2p − k)/s⌋ counts the steps between placements; "
                    "the first placement (start 0) is one more."),
            Mistake(_group(_GROUPS[1]),
                    "One placement short. Either the +1 is missing (⌊(i + 2p − k)/s⌋ counts the steps "
                    "between placements; the first placement, start 0, is one more), or the padding is "
                    "incomplete (p zeros go on each side, so the kernel slides over i + 2p units)."),
            Mistake(_group(_GROUPS[2]),
                    "You left out the padding: the kernel slides over i + 2p units, p zeros on "
                    "each side."),
            Mistake(_group(_GROUPS[3]),
                    "You padded one side only: p zeros go on each side, so the kernel slides over "
                    "i + 2p units."),
            Mistake(_group(_GROUPS[4]),
                    "The padding is incomplete: p zeros go on each side, so the kernel slides over "
                    "i + 2p units, not i or i + p."),
            Mistake(_group(_GROUPS[5]),
                    "You slid the kernel one unit at a time: with stride s it moves s units per "
                    "step, so divide by s (and round down)."),
            Mistake(_group(_GROUPS[6]),
                    "You rounded up: when s does not divide i + 2p − k, the units left over (fewer "
                    "than s) have no room for one more placement, so round down (the floor ⌊ ⌋)."),
        ],
        ask="A 1-D input of length i = {i1}, a kernel of size k = {k1}, stride s = {s1}, padding p = {p1} on "
            "each side. How many outputs does the convolution give?",
    ),
    Question(
        id="l00.2", name="cy2_kernel_span", title="How far a dilated kernel reaches",
        points=1, kind=Int(),
        answer=lambda P: effective_kernel_size(P["k2"], P["d2"]),
        hint="The taps are the kernel's k weights. Between two neighbouring taps a dilation d leaves "
             "d − 1 skipped units; a k-tap kernel has k − 1 such gaps. Count the taps and the skipped "
             "units.",
        mistakes=[
            Mistake(lambda P: _kernel_span_mistakes(P)[0],
                    "k·d counts d units for every tap, but the last tap has no gap after it: there are "
                    "only k − 1 gaps."),
            Mistake(lambda P: _kernel_span_mistakes(P)[1],
                    "Each gap holds d − 1 skipped units, not d: with d = 1 (no dilation) nothing is "
                    "skipped."),
            Mistake(lambda P: _kernel_span_mistakes(P)[2],
                    "Every one of the k − 1 gaps between taps is widened, not just one."),
            Mistake(lambda P: _kernel_span_mistakes(P)[3],
                    "That is the distance from the first tap to the last, k̂ − 1. The question counts "
                    "the units covered, both end taps included: one more."),
        ],
        ask="A kernel with k = {k2} taps (weights) and dilation d = {d2}: neighbouring taps are d units "
            "apart. How many input units does it cover from its first tap to its last, both included "
            "(that count is k̂)?",
    ),
    Question(
        id="l00.3", name="cy3_conv1d_output", title="Cross-correlation or convolution?",
        points=1, kind=IntTuple(length=2),
        answer=_xcorr,
        hint="numeric.conv1d slides the kernel as it is, without flipping it: each output is "
             "w[0]·x[j] + w[1]·x[j+1] + w[2]·x[j+2].",
        mistakes=[
            Mistake(_flipped,
                    "That is the flipped kernel: np.convolve (true convolution) reverses w. "
                    "Deep-learning convolutions (cross-correlation) use w as it is."),
            Mistake(lambda P: _xcorr(P)[::-1],
                    "Right numbers, wrong order: the first output comes from the kernel over "
                    "x[0..2], the second from x[1..3]."),
        ],
        ask="What does numeric.conv1d(x, w) return for x = {x3} and w = {w3} (no padding, stride 1)? "
            "Give the two outputs as a tuple.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l00", notebook="00_start_here.ipynb", title="Lesson 00: start here", parameters=PARAMETERS,
    generate=_draw, questions=QUESTIONS,
)
