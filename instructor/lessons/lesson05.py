"""Check-yourself questions of lesson 05 (transposed convolution) — instructor only.

The lesson (notebooks/05_transposed_convolution.ipynb) asks each question just before the cell
that reveals the answer; check("l05.M") gives immediate feedback. The lesson's text uses the
defaults in PARAMETERS; ``practice("l05.M")`` draws new hand-sized numbers with ``_draw``, chosen
so that every declared mistake gives its own answer. Every expected answer is computed with
course_lib's math modules.
"""

import numpy as np

from course_lib.arithmetic import conv_output_size, transposed_equivalent, transposed_output_size
from course_lib.grading.kinds import IntTuple, Matrix
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.numeric import conv_transpose1d, conv_transpose2d
from course_lib.transposed import emulate

# l05.1: y = (1, 2), w = (1, 2, 3), s = 2 (copies overlap in one unit). l05.2: i = 15 gives a = 1, and
# (i - k) mod s = 2 is neither 0 nor a, so the popular claim, the a without padding and "output_padding 0"
# all differ. l05.3: the output_padding example (formerly lesson 00's l00.3), a 1×1 input scattering one
# copy of a kernel with nine different entries. l05.4: k = 4, s = 2.
PARAMETERS = {"y1": [1, 2], "w1": [1, 2, 3], "s1": 2,
              "i2": 15, "k2": 4, "s2": 3, "p2": 1,
              "y3": 1, "w3": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
              "n4": 32, "k4": 4, "s4": 2}


# ---- l05.1: a 1-D transposed convolution by hand
def _by_hand(P):
    return tuple(int(v) for v in conv_transpose1d(P["y1"], P["w1"], stride=P["s1"]))


def _unrotated(P):
    return tuple(int(v) for v in emulate(P["y1"], P["w1"], P["s1"], rotate=False))


def _overwritten(P, later_wins):
    """The scatter with overlapping units overwritten instead of summed."""
    y, w, s = P["y1"], np.array(P["w1"]), P["s1"]
    out = np.zeros((len(y) - 1) * s + len(w), dtype=int)
    copies = [(r * s, v * w) for r, v in enumerate(y)]
    for start, copy in copies if later_wins else copies[::-1]:
        out[start:start + len(w)] = copy
    return tuple(int(v) for v in out)


def _end_to_end(P):
    return tuple(int(v) for r in P["y1"] for v in r * np.array(P["w1"]))


def _mistakes1(P):
    return [_unrotated(P), tuple(int(v) for v in conv_transpose1d(P["y1"], P["w1"], stride=1)),
            _overwritten(P, True), _overwritten(P, False), _end_to_end(P)]


# ---- l05.2: does the size come back?
def _round_trip(P):
    i, k, s, p = P["i2"], P["k2"], P["s2"], P["p2"]
    return transposed_output_size(conv_output_size(i, k, s, p), k, s, p), transposed_equivalent(i, k, s, p).a


def _mistakes2(P):
    back, a = _round_trip(P)
    no_padding = (P["i2"] - P["k2"]) % P["s2"]          # a computed without the padding
    return [(P["i2"], 0), (back, no_padding) if no_padding not in (0, a) else None, (back + 2 * P["p2"], a)]


# ---- l05.4: padding for a layer that multiplies the size by s (s = 2: exactly one answer)
def _doubling(P):
    n, k, s = P["n4"], P["k4"], P["s4"]
    return next((p, a) for p in range(k) for a in range(s) if transposed_output_size(n, k, s, p, a=a) == n * s)


def _mistakes4(P):
    """p′ given as padding (only where p′ != p), output_padding forgotten (only where it is not 0),
    no padding, one output_padding too many."""
    p, a = _doubling(P)
    p_prime = P["k4"] - p - 1
    return [(p_prime, a) if p_prime != p else None, (p, 0) if a else None, (0, 0),
            (p, a + 1) if a + 1 < P["s4"] else None]


# ---- l05.3: what output_padding gives back
def _full3(P):
    return conv_transpose2d([[P["y3"]]], P["w3"], stride=2)


def _mistakes3(P):
    full = _full3(P)
    return [np.array([[full[1, 1], 0], [0, 0]]), full[0:2, 0:2], np.flip(full)[1:3, 1:3]]


def _distinct(values):
    keys = [repr(np.asarray(v).tolist()) for v in values if v is not None]
    return len(set(keys)) == len(keys)


def _draw(rng):
    """New hand-sized numbers for every question (random.Random -> the keys of PARAMETERS)."""
    P = {}
    while True:
        w = [rng.randint(1, 4) for _ in range(3)]
        Q = {"y1": [rng.randint(1, 3), rng.randint(1, 3)], "w1": w, "s1": 2}
        if w[0] != w[2] and _distinct([_by_hand(Q)] + _mistakes1(Q)):
            P.update(Q)
            break
    while True:
        s = rng.choice([3, 4])
        k = rng.randint(2, 5)
        Q = {"k2": k, "s2": s, "p2": rng.choice([p for p in range(1, k) if (2 * p) % s] or [1]), "i2": rng.randint(10, 24)}
        live = (Q["i2"] - k) % s != 0                   # the "a without padding" mistake can happen
        if Q["p2"] < k and _round_trip(Q)[1] and live and _distinct([_round_trip(Q)] + _mistakes2(Q)):
            P.update(Q)
            break
    while True:
        Q = {"n4": rng.randint(4, 40), "k4": rng.randint(3, 7), "s4": 2}
        if _distinct([_doubling(Q)] + _mistakes4(Q)):
            P.update(Q)
            break
    entries = rng.sample(range(1, 10), 9)
    P.update({"y3": rng.randint(1, 3), "w3": [entries[0:3], entries[3:6], entries[6:9]]})
    return P


QUESTIONS = [
    Question(
        id="l05.1", name="cy1_by_hand", title="A 1-D transposed convolution by hand", points=1,
        kind=IntTuple(),
        answer=_by_hand,
        mistakes=[
            Mistake(lambda P: _mistakes1(P)[0], "That is the unflipped kernel: the emulating direct convolution "
                    "uses the kernel rotated by 180° (reversed in 1-D). Or scatter: y[r] adds y[r]·w starting "
                    "at output r·s."),
            Mistake(lambda P: _mistakes1(P)[1], "You ignored the stride: the second copy starts s units after "
                    "the first, not 1."),
            Mistake(lambda P: _mistakes1(P)[2], "Copies that overlap add up: where two weighted copies share an "
                    "output unit, that unit holds their sum, not the later copy's value."),
            Mistake(lambda P: _mistakes1(P)[3], "Copies that overlap add up: where two weighted copies share an "
                    "output unit, that unit holds their sum, not the first copy's value."),
            Mistake(lambda P: _mistakes1(P)[4], "You placed the copies end to end: each copy starts s units "
                    "after the previous one, which is fewer than the kernel's length here."),
        ],
        hint="Scatter: y[0]·w starts at output 0, y[1]·w at output 0 + s; add where they overlap.",
        ask="A transposed convolution of y = {y1} with the kernel w = {w1}, stride {s1}, no padding, "
            "output_padding 0. Write its output as a tuple.",
    ),
    Question(
        id="l05.2", name="cy2_round_trip", title="Does the size come back?", points=1, kind=IntTuple(length=2),
        answer=_round_trip,
        mistakes=[
            Mistake(lambda P: _mistakes2(P)[0], "You assumed the popular claim that the same settings always give "
                    "back i; they do only when (i + 2p - k) mod s = 0. Compute i' first, then s(i' - 1) + k - 2p."),
            Mistake(lambda P: _mistakes2(P)[1], "Your a leaves out the padding: a = (i + 2p - k) mod s."),
            Mistake(lambda P: _mistakes2(P)[2],
                    "A transposed layer's padding crops 2p units from its output (p from each side)."),
        ],
        hint="First o = floor((i + 2p - k)/s) + 1, then the transposed size s(o - 1) + k - 2p + output_padding.",
        ask="A convolution with k = {k2}, s = {s2}, p = {p2} gets an input of size i = {i2}; a transposed "
            "convolution with the same k, s, padding = p and output_padding = 0 takes its output back. Give "
            "(the size that comes back, the output_padding that restores {i2}).",
    ),
    Question(
        id="l05.3", name="cy3_output_padding", title="What output_padding gives back",
        points=1, kind=Matrix(shape=(2, 2)),
        answer=lambda P: conv_transpose2d([[P["y3"]]], P["w3"], stride=2, padding=1, output_padding=1),
        hint="Scatter first (the 1×1 input adds one weighted copy of the kernel: a 3×3 full output), crop "
             "padding = 1 from every side, then give back output_padding = 1 row and column at the bottom "
             "and right.",
        mistakes=[
            Mistake(lambda P: _mistakes3(P)[0],
                    "output_padding does not append zeros here: while output_padding ≤ padding it gives back "
                    "computed outputs that the crop had removed."),
            Mistake(lambda P: _mistakes3(P)[1],
                    "The extra row and column come back at the bottom and right, not at the top and left."),
            Mistake(lambda P: _mistakes3(P)[2],
                    "That is the kernel rotated by 180°: the scatter adds the kernel as it is; only the "
                    "emulating direct convolution uses the rotated kernel."),
        ],
        ask="A 1×1 input holding {y3}, the 3×3 kernel {w3}, stride 2, padding = 1, output_padding = 1. Which "
            "2×2 output does PyTorch's conv_transpose2d return? Give it as a numpy array.",
    ),
    Question(
        id="l05.4", name="cy4_doubling", title="Choosing padding for a doubling layer", points=1,
        kind=IntTuple(length=2),
        answer=_doubling,
        mistakes=[
            Mistake(lambda P: _mistakes4(P)[0], "Your padding is p' = k - p - 1, the emulating convolution's "
                    "padding. PyTorch's padding is the direct convolution's p (in the scatter view, p units "
                    "cropped from each side of the full output)."),
            Mistake(lambda P: _mistakes4(P)[1], "Your padding is right, but output_padding is missing: without it "
                    "the layer gives (n - 1)·s + k - 2·padding units, fewer than n·s; output_padding adds the "
                    "missing units at the end."),
            Mistake(lambda P: _mistakes4(P)[2], "Without padding the full scatter output is (n - 1)·s + k units, "
                    "more than the target: padding must crop some of them."),
            Mistake(lambda P: _mistakes4(P)[3], "With that padding the output already has the target size "
                    "without output_padding; a larger output_padding adds units too many."),
        ],
        hint="PyTorch's output length for an input of n units: (n - 1)s - 2·padding + k + output_padding, "
             "with output_padding < s.",
        ask="A PyTorch transposed layer with kernel_size = {k4} and stride = {s4} must make a {n4}×{n4} input "
            "{s4} times as large on each side. Which (padding, output_padding) does it need?",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l05", notebook="05_transposed_convolution.ipynb", title="Transposed convolution (lesson 05)",
    parameters=PARAMETERS, generate=_draw, questions=QUESTIONS,
)
