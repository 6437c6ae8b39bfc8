"""Check-yourself questions of lesson 06 (the sampling operator algebra) — instructor only.

The lesson (notebooks/06_sampling_operator_algebra.ipynb) asks each question just before the cell
that reveals the answer; check("l06.N") gives immediate feedback, and practice("l06.N") draws new
numbers for more practice. Every expected answer is computed with course_lib.sampling from the
parameters: PARAMETERS holds the numbers the lesson's text uses, ``_draw`` draws new ones.

The sampling factor is M (lesson 00's k is a kernel size), the stride s.
"""

import random

from course_lib import sampling
from course_lib.grading.kinds import IntTuple, Matrix
from course_lib.grading.spec import ExerciseSet, Mistake, Question

PARAMETERS = {
    "M1": 2, "n1": 4,                 # ↑M ∘ ↓M on length n (a multiple of M)
    "M2": 3, "q2_0": 1, "q2_1": 2,    # repeat by M, then q = (q2_0, q2_1)
    "w3": [1, 2, 3, 4, 5], "s3": 3,   # the phases of w for stride s (s does not divide len(w))
}


def _draw(rng: random.Random) -> dict:
    """Hand-sized numbers in which every declared mistake differs from the answer and from each other:
    n a multiple of M (so that the matrix is square); M >= 3 for l06.2 (with M = 2 "one 1 too few" is q
    itself); q0 != q1, both >= 1; w of distinct nonzero taps with len(w) not a multiple of s (a phase
    needs padding)."""
    M1, n1 = rng.choice([(2, 4), (2, 6), (3, 6)])
    M2 = rng.choice([3, 4])
    q2_0, q2_1 = rng.sample(range(1, 6), 2)
    s3, size = rng.choice([(2, 3), (3, 4), (3, 5)])              # phases of 2 taps each
    w3 = rng.sample([v for v in range(-5, 10) if v != 0], size)
    return {"M1": M1, "n1": n1, "M2": M2, "q2_0": q2_0, "q2_1": q2_1, "w3": w3, "s3": s3}


def _rows(matrix):
    return [[int(v) for v in matrix.row(r)] for r in range(matrix.rows)]


def _diagonal(n, keep):
    return [[1 if (i == j and keep(i)) else 0 for j in range(n)] for i in range(n)]


def _padded_phases(w, s):
    return [tuple(int(v) for v in phase) for phase in sampling.kernel_phases(tuple(w), s)]


def _merged(P, ones):
    return tuple(int(v) for v in sampling.convolve_kernels((1,) * ones, (P["q2_0"], P["q2_1"])))


QUESTIONS = [
    Question(
        id="l06.1", name="cy1_up_down", title="Decimate, then insert zeros", points=1, kind=Matrix(),
        answer=lambda P: _rows((sampling.Up(P["M1"]) @ sampling.Down(P["M1"])).matrix(P["n1"])),
        mistakes=[
            Mistake(lambda P: _rows(sampling.Identity().matrix(P["n1"])), "That is ↓M ∘ ↑M = I. In ↑M ∘ ↓M the "
                    "decimation comes first and throws samples away; zero insertion cannot bring them back."),
            Mistake(lambda P: _diagonal(P["n1"], lambda i: i % P["M1"] == 1), "↓M keeps x0, xM, x2M, ... "
                    "(every M-th sample starting with x0), not x1, x(M+1), ..."),
            Mistake(lambda P: [[1 if (j == i * P["M1"]) else 0 for j in range(P["n1"])] for i in range(P["n1"])],
                    "That moves the kept samples to the front: ↑M puts M − 1 zeros after every kept sample, "
                    "so x(jM) goes back to position jM."),
        ],
        hint="Follow x = (x0, x1, ...) through ↓M first, then through ↑M. Row m of the matrix says which "
             "x lands at position m.",
        ask="Decimate by M = {M1}, then insert zeros (↑{M1} ∘ ↓{M1}), on signals of length {n1}. Write the "
            "{n1}×{n1} matrix of this operator as a nested list.",
    ),
    Question(
        id="l06.2", name="cy2_merged", title="Repeat, then convolve", points=1, kind=IntTuple(),
        answer=lambda P: _merged(P, P["M2"]),
        mistakes=[
            Mistake(lambda P: _merged(P, P["M2"])[::-1], "That is the merged kernel reversed, what you get by "
                    "reading q as cross-correlation weights (as PyTorch's conv1d uses them). Here q is a true "
                    "convolution kernel, as in np.convolve: (1, …, 1) ∗ q starts with 1·q0."),
            Mistake(lambda P: _merged(P, P["M2"] - 1) + (0,), "Repeating by M is (1, …, 1) ∗ with M ones after "
                    "↑M, not M − 1: the kernel that fills the M − 1 inserted zeros also keeps the sample itself."),
            Mistake(lambda P: (P["q2_0"], P["q2_1"]) + (0,) * (P["M2"] - 1), "That is q alone, padded with "
                    "zeros: repeating by M is ↑M followed by a convolution with M ones, and that convolution "
                    "merges with q too."),
        ],
        hint="Repeating by M is zero insertion ↑M followed by a convolution with M ones; two convolutions "
             "in a row merge into one, whose kernel is the convolution of the two kernels.",
        ask="Nearest-neighbour upsampling by M = {M2} (every sample repeated {M2} times), then the true "
            "convolution (the kernel flipped, as np.convolve) with q = ({q2_0}, {q2_1}), is one stride-{M2} "
            "transposed convolution. Give its kernel, as a true-convolution kernel like q, as a tuple.",
    ),
    Question(
        id="l06.3", name="cy3_phases", title="The phases of a kernel", points=1,
        kind=IntTuple(item_length=2),
        answer=lambda P: _padded_phases(P["w3"], P["s3"]),
        mistakes=[
            Mistake(lambda P: [tuple(int(v) for v in chunk) for chunk in
                               zip(*[iter(list(P["w3"]) + [0] * (P["s3"] * 2 - len(P["w3"])))] * 2)],
                    "Those are consecutive chunks. Phase r takes every s-th tap starting at r: w[r::s]."),
            Mistake(lambda P: [phase[::-1] for phase in _padded_phases(P["w3"], P["s3"])], "Those are the phases "
                    "reversed. In the polyphase form each phase is used as a true convolution kernel, in the order "
                    "w[r], w[r+s], ...; only a cross-correlation (conv2d) needs them rotated."),
            Mistake(lambda P: [phase if len(P["w3"][r::P["s3"]]) == 2 else (0, phase[0])
                               for r, phase in enumerate(_padded_phases(P["w3"], P["s3"]))],
                    "Pad the short phase at its end: a phase lists w[r], w[r+s], ... in that order, and the "
                    "missing taps come after them."),
        ],
        hint="Output m = u·s + r only ever meets the taps w[r], w[r+s], w[r+2s], ...; pad each phase with zeros "
             "at the end to the common length ceil(len(w)/s).",
        ask="Split the kernel w = {w3} into its s = {s3} phases for stride {s3}, each padded with zeros to the "
            "common length, and give them as a tuple of tuples.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l06", notebook="06_sampling_operator_algebra.ipynb", title="The sampling operator algebra (lesson 06)",
    parameters=PARAMETERS, generate=_draw, questions=QUESTIONS,
)
