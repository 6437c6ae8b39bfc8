"""Exercise set ex06 — the sampling operator algebra (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib.sampling and
course_lib.numeric, in the grader's process. What is graded is the mathematical object (a matrix
with symbolic entries, a kernel, a set of phases, an index), never a printed True.
"""

import sympy

from course_lib import numeric, sampling
from course_lib.grading.kinds import Function, Int, IntTuple, Matrix
from course_lib.grading.spec import ExerciseSet, HiddenGroup, Mistake, Question

Q = sympy.symbols("q0:3")

DEFAULTS = {
    "s1": 2, "n1": 6,                       # ↓2 ∘ (q∗)valid on length 6
    "k2": 2, "n2": 5,                       # ↑2 ∘ ↓2 on length 5
    "k3": 2, "q3": (3, -1, 2),              # repeat by 2, then q
    "w4": (1, 2, 3, 4, 5, 6, 7), "s4": 3,   # phases
    "C5": 2, "r5": 3, "ch5": 7, "h5": 4, "x5": 1,   # pixel shuffle, PyTorch (CRD)
    "C6": 2, "r6": 3, "ch6": 7, "h6": 4, "x6": 1,   # depth_to_space, TensorFlow (DCR)
    "h7": (2, -1, 3), "M7": 3,              # noble identity
    "n8": 7,                                # a chain's output length
    "q9": (1, 2, 4), "s9": 2,               # the transpose of ↓s ∘ (q∗)valid as a tconv
}


def _kernel(rng, size, low=-3, high=4):
    """An integer kernel that is not symmetric and has no zero at its ends (so mistakes show)."""
    while True:
        q = tuple(rng.randint(low, high) for _ in range(size))
        if q != q[::-1] and q[0] and q[-1]:
            return q


def generate(rng):
    """One student's parameters."""
    P = {}
    P["s1"], P["n1"] = rng.choice([2, 3]), rng.randint(5, 7)
    P["k2"], P["n2"] = rng.choice([2, 3]), rng.randint(4, 7)
    P["k3"], P["q3"] = rng.choice([2, 3]), _kernel(rng, 3)
    P["s4"] = rng.choice([2, 3])    # 5-6 taps for s = 2, 7-9 for s = 3: always phases of 3 taps
    P["w4"] = tuple(rng.sample(range(1, 10), rng.randint(2 * P["s4"] + 1, 3 * P["s4"])))
    for n in (5, 6):
        P[f"C{n}"], P[f"r{n}"] = rng.choice([2, 3]), rng.choice([2, 3])
        P[f"ch{n}"] = rng.randint(1, P[f"C{n}"] * P[f"r{n}"] ** 2 - 2)
        P[f"h{n}"], P[f"x{n}"] = rng.randint(1, 5), rng.randint(1, 5)
    P["h7"], P["M7"] = _kernel(rng, 3), rng.choice([2, 3])
    P["n8"] = rng.randint(5, 9)
    P["q9"], P["s9"] = _kernel(rng, 3), rng.choice([2, 3])
    return P


def _rows(matrix):
    return [list(matrix.row(r)) for r in range(matrix.rows)]


def _ints(kernel):
    return tuple(int(v) for v in kernel)


# --- ex06.1 ------------------------------------------------------------------------------------

def _strided1(P, kernel=Q, mode="valid", stride=None):
    return _rows((sampling.Down(P["s1"] if stride is None else stride) @ sampling.Conv(kernel, mode)).matrix(P["n1"]))


# --- ex06.2 ------------------------------------------------------------------------------------

def _projection2(P):
    """↑k ∘ ↓k on length n cut to a square n×n matrix (forgetting the trailing zeros)."""
    k, n = P["k2"], P["n2"]
    return [[1 if i == j and i % k == 0 else 0 for j in range(n)] for i in range(n)]


def _odd_phase2(P):
    """Keeping x1, x(k+1), ... instead of x0, xk, ..."""
    k, n = P["k2"], P["n2"]
    return [[1 if i == j and i % k == 1 else 0 for j in range(n)] for i in range(k * -(-n // k))]


# --- ex06.4 ------------------------------------------------------------------------------------

def _phases4(P):
    return [_ints(phase) for phase in sampling.kernel_phases(P["w4"], P["s4"])]


def _chunks4(P):
    w, s = P["w4"], P["s4"]
    size = -(-len(w) // s)
    padded = tuple(w) + (0,) * (size * s - len(w))
    return [padded[r * size:(r + 1) * size] for r in range(s)]


def _front_padded4(P):
    w, s = P["w4"], P["s4"]
    size = -(-len(w) // s)
    return [(0,) * (size - len(w[r::s])) + tuple(w[r::s]) for r in range(s)]


# --- ex06.5, ex06.6 ----------------------------------------------------------------------------

def _landing(ch, h, x, C, r, order):
    """Where input channel ch at (h, x) goes: (output channel, row, column)."""
    if order == "CRD":
        c, rest = divmod(ch, r * r)
    else:
        rest, c = divmod(ch, C)
    i, j = divmod(rest, r)
    return (c, h * r + i, x * r + j)


def _land(P, n, order, swap=False):
    c, row, col = _landing(P[f"ch{n}"], P[f"h{n}"], P[f"x{n}"], P[f"C{n}"], P[f"r{n}"], order)
    if swap:
        r = P[f"r{n}"]
        row, col = P[f"h{n}"] * r + (col - P[f"x{n}"] * r), P[f"x{n}"] * r + (row - P[f"h{n}"] * r)
    return (c, row, col)


def _or_none(value, answer):
    return None if value == answer else value


# --- ex06.8 ------------------------------------------------------------------------------------

CHAIN8 = "↓2 ∘ ((1, 1, 1)∗)[valid] ∘ ↑3 ∘ ((1, 2)∗)"


def _chain8(n, *, ceil_down=True, trailing=True, valid=True):
    """Output length of ↓2 ∘ (3-tap∗)valid ∘ ↑3 ∘ (2-tap∗)full, or what a common slip computes."""
    n = n + 2 - 1                                   # full convolution with 2 taps
    n = n * 3 if trailing else (n - 1) * 3 + 1      # ↑3 (with its trailing zeros)
    n = n - 3 + 1 if valid else n + 3 - 1           # valid convolution with 3 taps
    return -(-n // 2) if ceil_down else n // 2


# --- ex06.10 -----------------------------------------------------------------------------------

def polyphase_tconv(x, w, s):
    """Reference for ex06.10: the stride-s transposed convolution with output_padding (-K) mod s."""
    return [int(v) for v in numeric.conv_transpose1d(list(x), list(w), stride=s, output_padding=(-len(w)) % s)]


def _draw10(rng, *, long_kernel=False):
    s = rng.randint(2, 4)
    size = rng.randint(s + 1, 3 * s + 1) if long_kernel else rng.randint(1, s + 1)
    x = tuple(rng.randint(-5, 5) for _ in range(rng.randint(1, 7)))
    w = tuple(rng.randint(-5, 5) for _ in range(size))
    return (x, w, s)


FLIPPED = ("That is the kernel reversed. Here (q∗) is a true convolution (numpy.convolve): "
           "(a ∗ b)[m] = Σ a[t] b[m - t], starting with a[0]·b[0].")

QUESTIONS = [
    Question(
        id="ex06.1", name="M1", title="The matrix of a strided convolution", points=2, kind=Matrix(),
        answer=lambda P: _strided1(P),
        mistakes=[
            Mistake(lambda P: _strided1(P, kernel=Q[::-1]), "Your matrix has the kernel reversed: row m of "
                    "(q∗) holds q[t] in column m + K - 1 - t (valid mode), so q2 comes first in each row."),
            Mistake(lambda P: _strided1(P, stride=1), "You left out ↓s1: that is the unit-stride convolution; "
                    "keep only rows 0, s1, 2·s1, ..."),
            Mistake(lambda P: _strided1(P, mode="full"), "Mode 'valid' keeps only the outputs where the whole "
                    "kernel lies on x; you used the full convolution."),
            Mistake(lambda P: _strided1(P, mode="same"), "Mode 'valid', not 'same': no output may reach past "
                    "either end of x."),
        ],
        hint="Build (q∗)valid on length n1 (row m: q2, q1, q0 starting at column m), then keep every s1-th "
             "row starting with row 0.",
    ),
    Question(
        id="ex06.2", name="M2", title="Decimation, then zero insertion", points=1, kind=Matrix(),
        answer=lambda P: _rows((sampling.Up(P["k2"]) @ sampling.Down(P["k2"])).matrix(P["n2"])),
        mistakes=[
            Mistake(lambda P: [[int(i == j) for j in range(P["n2"])] for i in range(P["n2"])],
                    "That is ↓k ∘ ↑k = I; in ↑k ∘ ↓k the decimation comes first and loses samples."),
            Mistake(lambda P: _projection2(P) if P["n2"] % P["k2"] else None,
                    "Count the rows: ↓k2 leaves ceil(n2/k2) samples and ↑k2 puts k2 - 1 zeros after each "
                    "one, the last included, so the output has k2·ceil(n2/k2) rows."),
            Mistake(lambda P: _odd_phase2(P), "↓k keeps x0, xk, x2k, ... (starting with x0), not x1, x(k+1), ..."),
        ],
        hint="Follow x = (x0, ..., x_{n2-1}) through ↓k2 and then ↑k2; row m of the matrix has a 1 in the "
             "column of the sample that lands at position m.",
    ),
    Question(
        id="ex06.3", name="w3", title="Repeat-upsampling and a kernel as one transposed convolution", points=1,
        kind=IntTuple(),
        answer=lambda P: _ints(sampling.convolve_kernels((1,) * P["k3"], P["q3"])),
        mistakes=[
            Mistake(lambda P: _ints(sampling.convolve_kernels((1,) * P["k3"], P["q3"]))[::-1], FLIPPED),
            Mistake(lambda P: _ints(sampling.convolve_kernels((1, 1), P["q3"])) if P["k3"] != 2 else None,
                    "Repeating by k3 after ↑k3 takes k3 ones, (1, ..., 1), not (1, 1)."),
            Mistake(lambda P: tuple(P["q3"]), "The repeat is a convolution too: merge it with q3, "
                    "(1, ..., 1) ∗ q3."),
        ],
        hint="Both stages are convolutions after the same ↑k3, so they merge into one kernel: "
             "(1, ..., 1) ∗ q3 with k3 ones (it has k3 + 2 taps).",
    ),
    Question(
        id="ex06.4", name="phases4", title="The phases of a kernel", points=1, kind=IntTuple(item_length=3),
        answer=_phases4,
        mistakes=[
            Mistake(lambda P: _chunks4(P), "Those are consecutive chunks; phase r is every s4-th tap starting "
                    "at r: w4[r::s4]."),
            Mistake(lambda P: [p[::-1] for p in _phases4(P)], "Each phase keeps the kernel's order: "
                    "w4[r], w4[r + s4], ..."),
            Mistake(lambda P: _front_padded4(P), "Pad a short phase with zeros at its end, not its start: "
                    "its first tap is w4[r]."),
        ],
        hint="Phase r = (w4[r], w4[r + s4], w4[r + 2·s4], ...), zero-padded at the end to ceil(K/s4) taps; "
             "there are s4 phases.",
    ),
    Question(
        id="ex06.5", name="where5", title="Where PyTorch's pixel shuffle puts a channel", points=1,
        kind=IntTuple(length=3),
        answer=lambda P: _land(P, 5, "CRD"),
        mistakes=[
            Mistake(lambda P: _or_none(_land(P, 5, "DCR"), _land(P, 5, "CRD")),
                    "That is TensorFlow's depth_to_space order (DCR, channel (i·r + j)·C + c). PyTorch "
                    "groups the r² channels of one output map together: channel c·r² + (i·r + j)."),
            Mistake(lambda P: _or_none(_land(P, 5, "CRD", swap=True), _land(P, 5, "CRD")),
                    "You swapped i and j: i (the row offset) is the slower one, i·r + j."),
        ],
        hint="Split ch5 = c·r5² + i·r5 + j (divmod twice); the unit goes to (c, h5·r5 + i, x5·r5 + j).",
    ),
    Question(
        id="ex06.6", name="where6", title="Where TensorFlow's depth_to_space puts a channel", points=1,
        kind=IntTuple(length=3),
        answer=lambda P: _land(P, 6, "DCR"),
        mistakes=[
            Mistake(lambda P: _or_none(_land(P, 6, "CRD"), _land(P, 6, "DCR")),
                    "That is PyTorch's order (CRD). depth_to_space puts the output map's index c fastest: "
                    "channel (i·r + j)·C + c."),
            Mistake(lambda P: _or_none(_land(P, 6, "DCR", swap=True), _land(P, 6, "DCR")),
                    "You swapped i and j: i (the row offset) is the slower one, i·r + j."),
        ],
        hint="Split ch6 = (i·r6 + j)·C6 + c; the unit goes to (c, h6·r6 + i, x6·r6 + j).",
    ),
    Question(
        id="ex06.7", name="g7", title="Moving a kernel across ↓M (noble identity)", points=1, kind=IntTuple(),
        answer=lambda P: _ints(sampling.upsample_kernel(P["h7"], P["M7"])),
        mistakes=[
            Mistake(lambda P: tuple(P["h7"]), "Without stretching, the kernel does not commute with ↓M7: after "
                    "decimation neighbouring samples were M7 apart."),
            Mistake(lambda P: _ints(sampling.upsample_kernel(P["h7"], P["M7"])) + (0,) * (P["M7"] - 1),
                    "No zeros after the last tap: H(z^M) has M - 1 zeros *between* taps only."),
            Mistake(lambda P: _ints(sampling.upsample_kernel(P["h7"], P["M7"] + 1)),
                    "That puts M7 zeros between taps: taps M7 apart need M7 - 1 zeros between them."),
        ],
        hint="H(z^M): put M7 - 1 zeros between consecutive taps of h7 (sampling.upsample_kernel).",
    ),
    Question(
        id="ex06.8", name="len8", title="The output length of a chain", points=1, kind=Int(),
        answer=lambda P: _chain8(P["n8"]),
        mistakes=[
            Mistake(lambda P: _or_none(_chain8(P["n8"], ceil_down=False), _chain8(P["n8"])),
                    "↓2 keeps x0, x2, ...: an odd length m gives (m + 1)/2 samples (round up)."),
            Mistake(lambda P: _or_none(_chain8(P["n8"], trailing=False), _chain8(P["n8"])),
                    "↑3 puts 2 zeros after every sample, the last one included: length m becomes 3m."),
            Mistake(lambda P: _chain8(P["n8"], valid=False), "The (1, 1, 1) convolution is in mode 'valid': "
                    "it shortens by 2, it does not lengthen."),
        ],
        hint="Apply the stages right to left: full 2-tap m + 1; ↑3 3m; valid 3-tap m - 2; ↓2 ceil(m/2). "
             "Check with the operator's out_len.",
    ),
    Question(
        id="ex06.9", name="tconv9", title="A transpose written as a transposed convolution", points=2,
        kind=IntTuple(length=4),
        answer=lambda P: (P["s9"] - 1,) + _ints(sampling.flip(P["q9"])),
        mistakes=[
            Mistake(lambda P: (P["s9"] - 1,) + tuple(P["q9"]), "The kernel must be rotated: (↓s ∘ (q∗)valid)ᵀ "
                    "= (flip(q)∗) ∘ ↑s, and a transposed convolution with weights w is (w∗) ∘ ↑s."),
            Mistake(lambda P: (0,) + _ints(sampling.flip(P["q9"])), "↑s keeps s - 1 trailing zeros, so the "
                    "canonical preimage is the longest input: output_padding s9 - 1, not 0."),
            Mistake(lambda P: (0,) + tuple(P["q9"]), "Two slips: rotate the kernel, and ↑s's trailing zeros "
                    "need output_padding s9 - 1."),
        ],
        hint="Transpose factor by factor: (↓s ∘ C)ᵀ = Cᵀ ∘ ↑s, and the transpose of (q∗)valid is the full "
             "convolution with flip(q).",
    ),
    Question(
        id="ex06.10", name="polyphase_tconv", title="A transposed convolution from its phases", points=3,
        kind=Function(result=IntTuple(), time_limit=5.0),
        reference=polyphase_tconv,
        examples=[((1, 2), (1, 1, 1), 2), ((1, -1, 2), (1, 2, 3, 4), 2), ((3,), (1, 2), 3)],
        hidden=[
            HiddenGroup("kernel no longer than the stride", cases=[((2, 1, 0, -1), (1, -2), 2), ((1, 1), (5,), 2)],
                        draw=lambda rng: _draw10(rng)),
            HiddenGroup("kernel longer than the stride",
                        cases=[((1, 2, 3), (1, 0, -1, 2, 1), 2), ((4, -2), (1, 2, 3, 4, 5, 6, 7), 3)],
                        draw=lambda rng: _draw10(rng, long_kernel=True)),
            HiddenGroup("a one-sample input", cases=[((2,), (1, -1, 3), 2)],
                        draw=lambda rng: ((rng.randint(-5, 5),), tuple(rng.randint(-5, 5) for _ in range(rng.randint(1, 8))),
                                          rng.randint(2, 4))),
        ],
        hint="Compute np.convolve(x, phase) for each phase w[r::s] zero-padded to ceil(K/s) taps, and write "
             "phase r's result into positions r, r + s, r + 2s, ... of the output.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex06", notebook="06_sampling_operator_algebra.ipynb", title="The sampling operator algebra",
    parameters=DEFAULTS, generate=generate, questions=QUESTIONS,
)
