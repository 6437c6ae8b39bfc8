"""Check-yourself questions of lesson 06 (the sampling operator algebra) — instructor only.

The lesson (notebooks/06_sampling_operator_algebra.ipynb) asks each question just before the cell
that reveals the answer; check("l06.M") gives immediate feedback. No per-student variants: the
numbers are the lesson's. Every expected answer is computed with course_lib.sampling.
"""

from course_lib import sampling
from course_lib.grading.kinds import IntTuple, Matrix
from course_lib.grading.spec import ExerciseSet, Mistake, Question


def _rows(matrix):
    return [[int(v) for v in matrix.row(r)] for r in range(matrix.rows)]


# Question 1: ↑2 ∘ ↓2 on length 4.   Question 2: repeat by 3, then q = (1, 2).
# Question 3: the phases of w = (1, 2, 3, 4, 5) for s = 3.
QUESTIONS = [
    Question(
        id="l06.1", name="cy1_up_down", title="Decimate, then insert zeros", points=1, kind=Matrix(shape=(4, 4)),
        answer=lambda P: _rows((sampling.Up(2) @ sampling.Down(2)).matrix(4)),
        mistakes=[
            Mistake(lambda P: _rows(sampling.Identity().matrix(4)), "That is ↓2 ∘ ↑2 = I. In ↑2 ∘ ↓2 the "
                    "decimation comes first and throws x1 and x3 away; zero insertion cannot bring them back."),
            Mistake(lambda P: [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]], "↓2 keeps x0 and x2 "
                    "(every second sample starting with x0), not x1 and x3."),
            Mistake(lambda P: [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0]], "That moves x2 to "
                    "position 1: ↑2 puts a zero after every kept sample, so x2 goes back to position 2."),
        ],
        hint="Follow x = (x0, x1, x2, x3) through ↓2 first, then through ↑2. Row m of the matrix says which "
             "x lands at position m.",
    ),
    Question(
        id="l06.2", name="cy2_merged", title="Repeat by three, then convolve", points=1, kind=IntTuple(length=4),
        answer=lambda P: tuple(int(v) for v in sampling.convolve_kernels((1, 1, 1), (1, 2))),
        mistakes=[
            Mistake(lambda P: (2, 3, 3, 1), "That is the merged kernel reversed: (1, 1, 1) ∗ q starts with "
                    "1·q0."),
            Mistake(lambda P: (1, 3, 2, 0), "Repeating by 3 is (1, 1, 1) ∗ after ↑3, not (1, 1) ∗: the kernel "
                    "that fills the two inserted zeros has three ones."),
            Mistake(lambda P: (1, 2, 0, 0), "That is q alone, padded with zeros: repeating by 3 is ↑3 followed "
                    "by a convolution with three ones, and that convolution merges with q too."),
        ],
        hint="Repeating by 3 is zero insertion ↑3 followed by a convolution with three ones; two convolutions "
             "in a row merge into one, whose kernel is the convolution of the two kernels.",
    ),
    Question(
        id="l06.3", name="cy3_phases", title="The phases of a kernel", points=1,
        kind=IntTuple(length=3, item_length=2),
        answer=lambda P: [tuple(int(v) for v in phase) for phase in sampling.kernel_phases((1, 2, 3, 4, 5), 3)],
        mistakes=[
            Mistake(lambda P: ((1, 2), (3, 4), (5, 0)), "Those are consecutive chunks. Phase r takes every s-th "
                    "tap starting at r: w[r::s]."),
            Mistake(lambda P: ((4, 1), (5, 2), (0, 3)), "Those are the phases reversed. In the polyphase form each "
                    "phase is used as a true convolution kernel, in the order w[r], w[r+s], ...; only a "
                    "cross-correlation (conv2d) needs them rotated."),
            Mistake(lambda P: ((1, 4), (2, 5), (0, 3)), "Pad the short phase at its end: a phase lists w[r], "
                    "w[r+s], ... in that order, and the missing taps come after them."),
        ],
        hint="Output m = u·s + r only ever meets the taps w[r], w[r+s], w[r+2s], ...; pad each phase with zeros "
             "at the end to the common length ceil(K/s).",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l06", notebook="06_sampling_operator_algebra.ipynb", title="The sampling operator algebra (lesson 06)",
    parameters={}, questions=QUESTIONS,
)
