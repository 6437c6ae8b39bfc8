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

# l00.1: p > s and i + 2p - k even, so padding one side only, forgetting the +1, no padding and unit stride
# all differ from each other and from the answer. l00.2: k != d and k >= 3 keep k·d, k + (k - 1)d and
# k + d - 1 apart from k̂. l00.3: a kernel that is not a palindrome, so the flip shows.
PARAMETERS = {"i1": 9, "k1": 7, "s1": 2, "p1": 3,
              "k2": 3, "d2": 2,
              "x3": [2, 0, 1, 3], "w3": [1, 2, 3]}


def _no_padding(P):
    return (P["i1"] - P["k1"]) // P["s1"] + 1 if P["k1"] <= P["i1"] else None


def _output_size_mistakes(P):
    i, k, s, p = P["i1"], P["k1"], P["s1"], P["p1"]
    return [(i + 2 * p - k) // s, _no_padding(P), (i + p - k) // s + 1, i + 2 * p - k + 1]


def _draw_output_size(rng):
    while True:
        s = rng.choice([2, 3])
        k = rng.randint(3, 7)
        P = {"i1": rng.randint(k, 14), "k1": k, "s1": s, "p1": rng.randint(1, 3)}
        values = [conv_output_size(P["i1"], k, s, P["p1"])] + _output_size_mistakes(P)
        if len(set(values)) == len(values) and min(v for v in values if v is not None) >= 1:
            return P


def _draw_kernel_span(rng):
    k = rng.randint(3, 6)
    return {"k2": k, "d2": rng.choice([d for d in (2, 3, 4) if d != k])}


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
            Mistake(lambda P: _output_size_mistakes(P)[0],
                    "You forgot the +1: ⌊(i + 2p − k)/s⌋ counts the steps between placements; "
                    "the first placement (start 0) is one more."),
            Mistake(lambda P: _output_size_mistakes(P)[1],
                    "You left out the padding: the kernel slides over i + 2p units, p zeros on "
                    "each side."),
            Mistake(lambda P: _output_size_mistakes(P)[2],
                    "You padded one side only: p zeros go on each side, so the kernel slides over "
                    "i + 2p units."),
            Mistake(lambda P: _output_size_mistakes(P)[3],
                    "You slid the kernel one unit at a time: with stride s it moves s units per "
                    "step, so divide by s (and round down)."),
        ],
        ask="A 1-D input of length i = {i1}, a kernel of size k = {k1}, stride s = {s1}, padding p = {p1} on "
            "each side. How many outputs does the convolution give?",
    ),
    Question(
        id="l00.2", name="cy2_kernel_span", title="How far a dilated kernel reaches",
        points=1, kind=Int(),
        answer=lambda P: effective_kernel_size(P["k2"], P["d2"]),
        hint="Between two neighbouring taps a dilation d leaves d − 1 skipped units; a k-tap kernel has "
             "k − 1 such gaps.",
        mistakes=[
            Mistake(lambda P: P["k2"] * P["d2"],
                    "k·d counts d units for every tap, but the last tap has no gap after it: there are "
                    "only k − 1 gaps."),
            Mistake(lambda P: P["k2"] + (P["k2"] - 1) * P["d2"],
                    "Each gap holds d − 1 skipped units, not d: with d = 1 (no dilation) nothing is "
                    "skipped."),
            Mistake(lambda P: P["k2"] + P["d2"] - 1,
                    "Every one of the k − 1 gaps between taps is widened, not just one."),
        ],
        ask="A kernel with k = {k2} taps and dilation d = {d2}. How many input units does it span (k̂)?",
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
