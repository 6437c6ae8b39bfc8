"""Exercise set ex06 — the sampling operator algebra (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib.sampling,
course_lib.numeric and course_lib.frameworks, in the grader's process. What is graded is the
mathematical object (a matrix with symbolic entries, a kernel, positions, lengths), never a
printed True; questions ask for what one library call does not print (a layer the operators
express only after some thought, where each sample goes, lengths stage by stage), or say which
call may only confirm the answer. Questions: ex06.1 PyTorch's strided conv1d with padding as a
matrix; ex06.2 where ↓k ∘ ↑m sends each sample; ex06.3 convolve, then repeat, as one transposed
convolution; ex06.4 the phase of a 2-D kernel that meets an output unit; ex06.5, ex06.6 where
PyTorch's pixel shuffle and TensorFlow's depth_to_space put a channel; ex06.7 a kernel moved
across ↓M and merged; ex06.8 lengths through a chain; ex06.9 the transpose of a strided full convolution as a
transposed convolution with padding; ex06.10 a transposed convolution's phase outputs (hidden
inputs); ex06.11 true claims;
ex06.12 the steps of a sub-pixel convolution in order; ex06.13 find and fix the bugs of a 1-D
pixel shuffle (hidden inputs); ex06.14 the false steps of the Q&A's derivation redone for k = 3.

Every variant, defaults included, separates each declared mistake from the answer and from the
other mistakes: ``generate`` draws each question's numbers once, from ranges where every tested
idea shows, and ``ExerciseSet.draw`` draws the rare variant that does not separate again.
"""

import numpy as np
import sympy

from course_lib import numeric, sampling
from course_lib.grading.kinds import Choice, Function, IntTuple, Matrix, Order
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question

W = sympy.symbols("w0:3")

DEFAULTS = {
    "s1": 2, "n1": 6,                       # F.conv1d(x, w, stride=2, padding=1) on length 6
    "k2": 4, "m2": 6, "n2": 6,              # ↓4 ∘ ↑6 on length 6
    "k3": 2, "q3": (3, -1, 2),              # q, then repeat by 2
    "w4": [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, 13, 14, 15], [16, 17, 18, 19, 20], [21, 22, 23, 24, 25]],
    "s4": 3, "p4": 1, "R4": 4, "C4": 6,     # a phase of a 5×5 kernel, stride 3, padding 1
    "C5": 2, "r5": 3, "ch5": 7, "h5": 4, "x5": 1,   # pixel shuffle, PyTorch (CRD)
    "C6": 3, "r6": 2, "ch6": 5, "h6": 2, "x6": 3,   # depth_to_space, TensorFlow (DCR)
    "h7": (2, -1, 3), "M7": 3, "q7": (1, 2),  # noble identity, then a merge
    "n8": 6, "u8": 3, "d8": 2,              # a chain's lengths
    "q9": (1, 2, 4), "s9": 2,               # the transpose of ↓s ∘ (q∗)full as a tconv with padding
}


def _kernel(rng, size, low=-3, high=4):
    """An integer kernel that is not symmetric and has no zero at its ends (so mistakes show)."""
    while True:
        q = tuple(rng.randint(low, high) for _ in range(size))
        if q != q[::-1] and q[0] and q[-1]:
            return q


def _draw2(rng):
    # gcd(k, m) > 1 (coprime factors commute, so applying ↓k first would pass) and k not dividing m
    # (then ↓k ∘ ↑m = ↑(m/k) drops nothing)
    k, m = rng.choice([(4, 2), (6, 2), (6, 3), (4, 6), (6, 4)])
    return {"k2": k, "m2": m, "n2": rng.randint(5, 8)}


def _short_phases(K, s):
    """The phase indices r whose phase w[r::s] is shorter than the common length ceil(K/s)."""
    return [r for r in range(s) if len(range(r, K, s)) < -(-K // s)]


def _draw4(rng):
    s = rng.choice([3, 4])
    K = rng.choice([4, 5]) if s == 3 else rng.choice([5, 6, 7])
    p = rng.choice([q for q in range(1, K) if (2 * q) % s])    # skipping the padding moves the phase
    short = _short_phases(K, s)
    # a != b (a swap shows) and exactly one short axis (padding at the start shows, and differs from a rotation)
    a, b = rng.choice([(a, b) for a in range(s) for b in range(s) if a != b and (a in short) != (b in short)])
    w = np.array(rng.sample(range(1, 60), K * K)).reshape(K, K).tolist()
    return {"w4": w, "s4": s, "p4": p, "R4": (a - p) % s + s * rng.randint(0, 2),
            "C4": (b - p) % s + s * rng.randint(0, 2)}


def _draw_shuffle(rng, n, order):
    other = "DCR" if order == "CRD" else "CRD"
    while True:
        C, r = rng.choice([2, 3]), rng.choice([2, 3])
        P = {f"C{n}": C, f"r{n}": r, f"ch{n}": rng.randint(1, C * r * r - 1),
             f"h{n}": rng.randint(1, 5), f"x{n}": rng.randint(1, 5)}
        # the right landing, the other framework's and the swapped offsets: all three apart
        if len({_land(P, n, order), _land(P, n, other), _land(P, n, order, swap=True)}) == 3:
            return P


def _draw8(rng):
    while True:
        n, u, d = rng.randint(5, 9), rng.choice([2, 3]), rng.choice([2, 3, 4])
        if (u * (n + 1) - 2) % d:         # ↓d rounds: rounding down shows
            return {"n8": n, "u8": u, "d8": d}


def generate(rng):
    """One student's parameters."""
    P = {"s1": rng.choice([2, 3]), "n1": rng.randint(5, 8)}
    P.update(_draw2(rng))
    P["k3"], P["q3"] = rng.choice([2, 3]), _kernel(rng, 3)
    P.update(_draw4(rng))
    P.update(_draw_shuffle(rng, 5, "CRD"))
    P.update(_draw_shuffle(rng, 6, "DCR"))
    P.update({"h7": _kernel(rng, 3), "M7": rng.choice([2, 3]), "q7": _kernel(rng, 2, 1, 5)})
    P.update(_draw8(rng))
    P["q9"], P["s9"] = _kernel(rng, 3), rng.choice([2, 3])
    return P


def _rows(matrix):
    return [list(matrix.row(r)) for r in range(matrix.rows)]


def _ints(kernel):
    return tuple(int(v) for v in kernel)


# --- ex06.1 ------------------------------------------------------------------------------------

def _torch1(P, *, true_convolution=False, stride=None, padded=True):
    """The matrix of F.conv1d(x, w, stride=s1, padding=1) with weights W on length n1.

    A cross-correlation with padding 1 and a 3-tap kernel is the true convolution with flip(w) in
    numpy's mode 'same'; ↓s keeps every s-th output. ``true_convolution``: w used unflipped.
    """
    kernel = W if true_convolution else sampling.flip(W)
    mode = "same" if padded else "valid"
    s = P["s1"] if stride is None else stride
    return _rows((sampling.Down(s) @ sampling.Conv(kernel, mode)).matrix(P["n1"]))


# --- ex06.2 ------------------------------------------------------------------------------------

def _landing2(P, *, down_first=False, renumber=True, keep_all=False):
    """For each sample x_j: its index in the output of ↓k2 ∘ ↑m2, or -1 where ↓k2 drops it."""
    k, m = P["k2"], P["m2"]
    result = []
    for j in range(P["n2"]):
        if down_first:                           # ↑m ∘ ↓k: x_j survives when k divides j
            result.append(m * (j // k) if j % k == 0 else -1)
        elif keep_all:
            result.append(m * j // k)
        elif m * j % k == 0:
            result.append(m * j // k if renumber else m * j)
        else:
            result.append(-1)
    return tuple(result)


# --- ex06.3 ------------------------------------------------------------------------------------

def _merged3(P, *, noble=True, ones=True, extra=True, reverse=False, zeros=0):
    """(output_padding, taps) of the transposed convolution equal to repeat-by-k3 ∘ (q3∗).

    ``zeros``: the same operator written with that many zero taps at the kernel's end and
    output_padding smaller by as many (not the asked form, whose last tap is nonzero); None when
    output_padding would be negative.
    """
    k, q = P["k3"], P["q3"]
    if zeros > k - 1:
        return None
    moved = sampling.upsample_kernel(q, k) if noble else tuple(q)
    kernel = _ints(sampling.convolve_kernels((1,) * k, moved) if ones else moved)
    return ((k - 1 - zeros) if extra else 0,) + (kernel[::-1] if reverse else kernel) + (0,) * zeros


# --- ex06.4 ------------------------------------------------------------------------------------

def _phase4(P, *, swap=False, front=False, chunk=False, rotate=False, no_padding=False):
    """The phase of w4 that output unit (R4, C4) of conv_transpose2d(stride=s4, padding=p4) meets."""
    w, s = np.array(P["w4"]), P["s4"]
    K = len(w)
    L = -(-K // s)
    shift = 0 if no_padding else P["p4"]
    a, b = (P["R4"] + shift) % s, (P["C4"] + shift) % s
    if swap:
        a, b = b, a
    part = w[a * L:(a + 1) * L, b * L:(b + 1) * L] if chunk else w[a::s, b::s]
    rows, cols = L - part.shape[0], L - part.shape[1]
    padded = np.pad(part, ((rows, 0), (cols, 0)) if front else ((0, rows), (0, cols)))
    return (padded[::-1, ::-1] if rotate else padded).tolist()


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


# --- ex06.7 ------------------------------------------------------------------------------------

def _moved7(P, *, stretch=True, gaps=None, merge=True, stretch_q=False, trailing=False):
    """g with (h7∗) ∘ ↓M7 ∘ (q7∗) = ↓M7 ∘ (g∗), or what a slip gives.

    ``trailing``: h7 stretched like a signal by ↑M7, which keeps M7 - 1 zeros after its last tap.
    """
    h, M, q = P["h7"], P["M7"], P["q7"]
    if stretch_q:
        return _ints(sampling.upsample_kernel(sampling.convolve_kernels(h, q), M))
    moved = sampling.upsample_kernel(h, M if gaps is None else gaps) if stretch else tuple(h)
    if trailing:
        moved = tuple(moved) + (0,) * (M - 1)
    return _ints(sampling.convolve_kernels(moved, q) if merge else moved)


# --- ex06.8 ------------------------------------------------------------------------------------

def _chain8(P, *, ceil_down=True, trailing=True, valid=True):
    """Lengths after each stage of ↓d ∘ ((1,1,1)∗)valid ∘ ↑u ∘ ((1,2)∗), or what a slip computes."""
    n, u, d = P["n8"], P["u8"], P["d8"]
    first = n + 2 - 1                                   # full convolution with 2 taps
    second = first * u if trailing else (first - 1) * u + 1
    third = second - 3 + 1 if valid else second + 3 - 1
    fourth = -(-third // d) if ceil_down else third // d
    return (first, second, third, fourth)


# --- ex06.9 ------------------------------------------------------------------------------------

def _tconv9(P, *, flip=True, a=None, p=None):
    """(padding, output_padding, w0, w1, w2) of conv_transpose1d equal to (↓s9 ∘ (q9∗)full)ᵀ.

    (q∗)fullᵀ = (flip(q)∗)valid, the full convolution cropped by K - 1 at both ends: padding K - 1;
    ↓sᵀ = ↑s keeps s - 1 trailing zeros: output_padding s - 1.
    """
    q, s = P["q9"], P["s9"]
    kernel = _ints(sampling.flip(q)) if flip else _ints(q)
    return (len(q) - 1 if p is None else p, s - 1 if a is None else a) + kernel


# --- ex06.10 -----------------------------------------------------------------------------------

def polyphase_tconv(x, w, s):
    """Reference for ex06.10: the s phase outputs of the stride-s transposed convolution, as rows.

    Row r, entry u is output u·s + r of the scatter y[j·s + t] += w[t]·x[j] (0 where no tap reaches),
    for u = 0 .. n + L - 2 with L = ceil(K/s): the transposed convolution with output_padding
    (-K) mod s, de-interleaved.
    """
    y = numeric.conv_transpose1d(list(x), list(w), stride=s, output_padding=(-len(w)) % s)
    return [[int(v) for v in y[r::s]] for r in range(s)]


def _draw10(rng, *, long_kernel=False):
    s = rng.randint(2, 4)
    size = rng.randint(s + 1, 3 * s + 1) if long_kernel else rng.randint(1, s)
    x = tuple(rng.randint(-5, 5) for _ in range(rng.randint(2, 7)))
    w = tuple(rng.randint(-5, 5) for _ in range(size))
    return (x, w, s)


EXAMPLE10_SHORT = ((2, -1, 3), (4, -2), 3)
EXAMPLE10_LONG = ((1, -1, 2), (1, 2, 3, 4, 5), 2)
EXAMPLE10_ONE = ((3,), (1, 2), 3)

# --- ex06.13 -----------------------------------------------------------------------------------

BUGGY13 = '''def shuffle1d(x, r):
    """1-D pixel shuffle in PyTorch's (CRD) order: (C·r, W) -> (C, W·r)."""
    x = np.asarray(x)
    C, W = x.shape[0] // r, x.shape[1]
    out = np.zeros((C, W * r), dtype=x.dtype)
    for c in range(C):
        for j in range(r):
            out[c, j * W:(j + 1) * W] = x[j * C + c]
    return out'''


def shuffle1d(x, r):
    """Reference for ex06.13: output (c, w·r + j) holds input channel c·r + j at column w."""
    x = np.asarray(x)
    C, width = x.shape[0] // r, x.shape[1]
    return x.reshape(C, r, width).transpose(0, 2, 1).reshape(C, width * r).tolist()


def _draw13(rng, *, maps=None, width=None):
    r = rng.randint(2, 3)
    C = maps if maps is not None else rng.randint(2, 3)
    cols = width if width is not None else rng.randint(2, 4)
    return ([[rng.randint(-9, 9) for _ in range(cols)] for _ in range(C * r)], r)


EXAMPLE13_ONE_MAP = ([[1, 2, 3], [4, 5, 6]], 2)
EXAMPLE13_ONE_COLUMN = ([[1], [2], [3], [4], [5], [6]], 3)
EXAMPLE13_BOTH = ([[1, 2], [3, 4], [5, 6], [7, 8]], 2)

# --- ex06.11, ex06.12 --------------------------------------------------------------------------

CLAIMS11 = Choice(
    (
        "↓k ∘ ↑k is the identity, for every input length.",
        "↑k ∘ ↓k is the identity too: zero insertion undoes decimation.",
        "(h∗) ∘ ↓M = ↓M ∘ (h∗) for every kernel h: a convolution commutes with decimation.",
        "A stride-s transposed convolution without padding (p = 0) and with output_padding (−K) mod s equals "
        "s ordinary full convolutions of its input with the kernel's phases, each zero-padded at its end to "
        "⌈K/s⌉ taps, interleaved: no weight is ever multiplied by a zero inserted into the input.",
        "StridedConv(q, s) and ↓s ∘ (q∗)valid agree on every input length where both are defined, so their "
        "transposes are equal too.",
        "PyTorch's `pixel_shuffle` and TensorFlow's `depth_to_space` give the same output when there is one "
        "output map (C = 1).",
        "In a sub-pixel convolution the phases go into `conv2d` as they are, without a rotation.",
    ),
    option_hints={
        "A": "Follow x through ↑k and then through ↓k: is any sample lost on the way?",
        "B": "Follow x = [x0, x1, x2, x3] through ↓2 and then through ↑2: what comes out at x1's place?",
        "C": "After ↓M, neighbouring samples were M apart in the original signal. Take h = [1, 1], M = 2 and "
             "x = [x0, …, x5]: compute both sides and compare. For which kernels, if any, could they agree?",
        "D": "Write an output index as u·s + r: which taps of the kernel can ever reach it?",
        "E": "A strided layer maps several input lengths to one output length. With q of 2 taps and s = 2, "
             "which input lengths give 3 output units, and what length does each operator's transpose return "
             "for 3 units? Try both with operators_agree.",
        "F": "The two orders differ only in where the output map's index sits in the channel number; with a "
             "single output map, is there anything left for them to disagree on?",
        "G": "Take one unit of input and a phase of two taps [a, b]: in which order does the transposed "
             "convolution's scatter lay a and b down, and in which order does conv2d (a cross-correlation) "
             "apply them?",
    },
)

STEPS12 = Order((
    "Run one `conv2d` on the low-resolution input, with padding L − 1.",
    "Crop p rows and columns at the start, then keep the next o = (n − 1)s + K − 2p + a of them, appending "
    "rows and columns of zeros at the end where fewer than o are left.",
    "Split the K × K kernel into its s² phases w[r1::s, r2::s], each zero-padded to L × L and rotated by 180°.",
    "Pixel-shuffle the C·s² maps into C maps s times larger (CRD order).",
    "Stack the phases as the output channels of one `conv2d` weight: phase (r1, r2) of output map c as "
    "channel c·s² + r1·s + r2.",
))

TRAILING3 = ("That is the same operator, but not the form asked for: your kernel ends in zero taps. A zero "
             "tap at the kernel's end only makes the output one sample longer, as one more unit of "
             "output_padding would; the question asks for the shortest kernel, whose last tap is not 0.")

FLIPPED = ("That is the kernel reversed. Here (q∗) is a true convolution (numpy.convolve): "
           "(a ∗ b)[m] = Σ a[t] b[m - t], starting with a[0]·b[0].")

# --- ex06.14 ----------------------------------------------------------------------------------

DERIVATION14 = Choice(
    (
        "q ∗ (↑3 x) = C U x, where C is an 11 × 9 matrix and U a 9 × 3 matrix.",
        "U = Dᵀ, and D is a 3 × 9 matrix.",
        "C Dᵀ = (Cᵀ D)ᵀ.",
        "C Dᵀ = (D Cᵀ)ᵀ, where D Cᵀ is the 3 × 11 matrix made of rows 0, 3 and 6 of Cᵀ.",
        "Hence q ∗ (↑3 x) = (↑3 (q∗)ᵀ)ᵀ x, with Cᵀ the matrix of (q∗)ᵀ.",
        "Every row of (D Cᵀ)ᵀ has at most one nonzero entry: each sample of q ∗ (↑3 x) depends on at most one "
        "sample of x.",
    ),
    option_hints={
        "A": "How long is ↑3 x, and how many samples longer than its input is a full convolution with 3 taps?",
        "B": "Section 1 pairs ↑k on length n with ↓k on one length only: which one for n = 3, and what shape has "
             "its matrix?",
        "C": "Write each factor's shape under it and check that every product in the step can be formed.",
        "D": "Apply (AB)ᵀ = BᵀAᵀ to the right-hand side; then ask which rows of a 9-row matrix ↓3 keeps.",
        "E": "Write every factor's shape, with the length each operator acts on: does the last matrix have as many "
             "columns as x has samples?",
        "F": "↑3 puts x_j at position 3j; which output samples can a 3-tap kernel carry it to, and do the ranges of "
             "two neighbouring samples overlap?",
    },
)


def _false_steps14() -> tuple:
    """The letters of DERIVATION14's false steps, each decided on the matrices of course_lib.sampling."""
    q, x = sympy.symbols("q0:3"), sympy.Matrix(sympy.symbols("x0:3"))
    C, U, D = sampling.conv_op(q, 9, "full"), sampling.up(3, 3), sampling.down(3, 9)

    def fits(*factors):
        return all(a.shape[1] == b.shape[0] for a, b in zip(factors, factors[1:]))

    lhs = sympy.Matrix((sampling.Conv(q, "full") @ sampling.Up(3)).apply(tuple(x)))
    up_after = sampling.up(3, C.T.shape[0]) * C.T       # ↑3 applied to the output of (q∗)ᵀ
    truths = {
        "A": C.shape == (11, 9) and U.shape == (9, 3) and C * U * x == lhs,
        "B": D.shape == (3, 9) and U == D.T,
        "C": fits(C.T, D) and C * D.T == (C.T * D).T,
        "D": C * D.T == (D * C.T).T and D * C.T == C.T.extract([0, 3, 6], list(range(11))),
        "E": fits(up_after.T, x) and up_after.T * x == lhs,
        "F": all(sum(1 for v in (D * C.T).T.row(m) if v != 0) <= 1 for m in range(11)),
    }
    return tuple(letter for letter, true in truths.items() if not true)


QUESTIONS = [
    Question(
        id="ex06.1", name="M1", title="PyTorch's strided conv1d as a matrix", points=2, kind=Matrix(),
        answer=_torch1,
        mistakes=[
            Mistake(lambda P: _torch1(P, true_convolution=True), "Each row has the weights reversed: PyTorch's "
                    "conv1d is a cross-correlation, so w0 meets the leftmost input of its window."),
            Mistake(lambda P: _torch1(P, stride=1), "That is the unit-stride layer: with stride s1 only outputs "
                    "0, s1, 2·s1, ... are computed."),
            Mistake(lambda P: _torch1(P, padded=False), "You left out the padding: with padding=1 the first "
                    "window starts one zero before x0, and there are more outputs."),
        ],
        checks=[Check("len(answer[0]) == n1", "The matrix has one column per input sample: n1 columns."),
                Check("not any(v != 0 and (isinstance(v, (int, float)) or v.is_number) for row in answer for v in row)",
                      "Write the entries as the symbols w[0], w[1], w[2] (and 0), not as numbers.")],
        hint="Row m of the matrix is output m, column j input sample x_j. How many outputs does the layer "
             "compute on n1 samples, where does the window of output m start in the padded input, and which "
             "x_j does each weight meet there?",
    ),
    Question(
        id="ex06.2", name="where2", title="Where ↓k ∘ ↑m sends each sample", points=1, kind=IntTuple(),
        answer=_landing2,
        mistakes=[
            Mistake(lambda P: _landing2(P, down_first=True), "You applied ↓k2 first: in ↓k2 ∘ ↑m2 the "
                    "zero insertion ↑m2 acts first (A ∘ B applies B first)."),
            Mistake(lambda P: _landing2(P, renumber=False), "Those are the positions in the output of ↑m2. "
                    "↓k2 then keeps positions 0, k2, 2·k2, ... and renumbers them 0, 1, 2, ..."),
            Mistake(lambda P: _landing2(P, keep_all=True), "↓k2 keeps only the positions that are multiples "
                    "of k2; a sample that ↑m2 put anywhere else is dropped (-1)."),
        ],
        checks=[Check("len(answer) == n2", "Give one entry per sample x_0 ... x_(n2-1)."),
                Check("all(v >= -1 for v in answer)", "Use -1 for a dropped sample, an index >= 0 otherwise.")],
        hint="Follow one sample: where does ↑m2 put x_j? Does ↓k2 keep that position, and if so, which output "
             "index does it become?",
    ),
    Question(
        id="ex06.3", name="w3", title="Convolve, then repeat: one transposed convolution", points=2,
        kind=IntTuple(), answer=_merged3,
        mistakes=[
            Mistake(lambda P: _merged3(P, noble=False), "That merges the repeat with q3 as if q3 came after the "
                    "upsampling. Here q3 acts first: moving it across ↑k3 stretches it (noble identity)."),
            Mistake(lambda P: _merged3(P, ones=False), "Repeating is ↑k3 followed by a convolution with k3 "
                    "ones; merge that convolution too."),
            Mistake(lambda P: _merged3(P, extra=False), "↑k3 keeps k3 − 1 zeros after the last sample, so the "
                    "output is as long as output_padding k3 − 1 makes it, not 0."),
            Mistake(lambda P: _merged3(P, reverse=True), FLIPPED),
            *[Mistake(lambda P, z=z: _merged3(P, zeros=z), TRAILING3) for z in (1, 2)],
        ],
        checks=[Check("answer[0] >= 0 and answer[0] < k3", "output_padding lies between 0 and k3 − 1.")],
        hint="Move q3 across ↑k3 first (a noble identity), then merge the two convolutions that now follow "
             "↑k3. The trailing zeros of ↑k3 decide output_padding.",
    ),
    Question(
        id="ex06.4", name="phase4", title="The phase of a 2-D kernel that meets an output unit", points=1,
        kind=Matrix(), answer=_phase4,
        mistakes=[
            Mistake(lambda P: _phase4(P, no_padding=True), "You left out the padding: output unit (R4, C4) is "
                    "unit (R4 + p4, C4 + p4) of the full scatter output, and that index decides the phase."),
            Mistake(lambda P: _phase4(P, swap=True), "Rows and columns are swapped: the row index picks the "
                    "phase along the kernel's rows, the column index along its columns."),
            Mistake(lambda P: _phase4(P, front=True), "Pad a short phase with zeros at its end, not its start: "
                    "it lists w[a, b], w[a + s4, b], ... in that order."),
            Mistake(lambda P: _phase4(P, chunk=True), "That is a block of neighbouring taps; a phase takes every "
                    "s4-th tap along each axis."),
            Mistake(lambda P: _phase4(P, rotate=True), "That is the phase rotated by 180°, the form conv2d needs "
                    "in a sub-pixel convolution; the phase itself keeps the kernel's order."),
        ],
        checks=[Check("len(answer) == len(answer[0])", "A phase is square, L × L.")],
        hint="Find the unit's index in the full scatter output first; which taps w[m, n] can land there, given "
             "that input unit (u, v) puts w[m, n] at (u·s4 + m, v·s4 + n)?",
    ),
    Question(
        id="ex06.5", name="where5", title="Where PyTorch's pixel shuffle puts a channel", points=1,
        kind=IntTuple(length=3),
        answer=lambda P: _land(P, 5, "CRD"),
        mistakes=[
            Mistake(lambda P: _land(P, 5, "DCR"),
                    "That is TensorFlow's depth_to_space order (DCR), in which the output map's index runs "
                    "fastest. PyTorch keeps the r² channels of one output map together."),
            Mistake(lambda P: _land(P, 5, "CRD", swap=True),
                    "You swapped the row and column offsets inside the block: the row offset is the slower one."),
        ],
        hint="PyTorch keeps the r5² channels that fill one output map next to each other. Which part of ch5 "
             "picks the output map, and which the place inside the r5 × r5 block?",
    ),
    Question(
        id="ex06.6", name="where6", title="Where TensorFlow's depth_to_space puts a channel", points=1,
        kind=IntTuple(length=3),
        answer=lambda P: _land(P, 6, "DCR"),
        mistakes=[
            Mistake(lambda P: _land(P, 6, "CRD"),
                    "That is PyTorch's order (CRD). depth_to_space puts the output map's index fastest."),
            Mistake(lambda P: _land(P, 6, "DCR", swap=True),
                    "You swapped the row and column offsets inside the block: the row offset is the slower one."),
        ],
        hint="In depth_to_space the output map's index runs fastest through the channels. Which part of ch6 "
             "picks the output map, and which the place inside the r6 × r6 block?",
    ),
    Question(
        id="ex06.7", name="g7", title="Moving a kernel across ↓M, then merging (noble identity)", points=1,
        kind=IntTuple(), answer=_moved7,
        mistakes=[
            Mistake(lambda P: _moved7(P, stretch=False), "Without stretching, h7 does not commute with ↓M7: after "
                    "decimation neighbouring samples were M7 apart."),
            Mistake(lambda P: _moved7(P, merge=False), "That moves h7 across ↓M7, but q7 is still there: two "
                    "convolutions in a row merge into one."),
            Mistake(lambda P: _moved7(P, gaps=P["M7"] + 1), "That puts M7 zeros between the taps of h7: taps "
                    "M7 apart need M7 - 1 zeros between them."),
            Mistake(lambda P: _moved7(P, stretch_q=True), "You stretched q7 too: it acts before ↓M7 and does not "
                    "cross it; only h7 moves."),
            Mistake(lambda P: _moved7(P, trailing=True), "Your kernel ends in M7 − 1 zeros: you stretched h7 as "
                    "↑M7 stretches a signal, trailing zeros included. A stretched kernel ends at h7's last tap; "
                    "zero taps after it make the convolution longer, and then ↓M7's output is longer for some "
                    "input lengths: not the same operator."),
        ],
        hint="Only h7 crosses the decimator, and after decimation its neighbouring taps were M7 samples apart in "
             "the original signal; q7 stays where it is. Then two convolutions follow each other.",
    ),
    Question(
        id="ex06.8", name="len8", title="Lengths through a chain, stage by stage", points=1,
        kind=IntTuple(length=4), answer=_chain8,
        mistakes=[
            Mistake(lambda P: _chain8(P, ceil_down=False), "↓d8 keeps x0, x_d8, x_2d8, ... up to the last one "
                    "that exists: it rounds up, not down."),
            Mistake(lambda P: _chain8(P, trailing=False), "↑u8 puts u8 - 1 zeros after every sample, the last "
                    "one included: length m becomes u8·m."),
            Mistake(lambda P: _chain8(P, valid=False), "The (1, 1, 1) convolution is in mode 'valid': it "
                    "shortens by 2, it does not lengthen."),
        ],
        checks=[Check("answer[0] == n8 + 1", "The first stage is the full 2-tap convolution of n8 samples.")],
        hint="Take the stages one at a time from the right, each with its own rule: a full convolution "
             "lengthens, a valid one shortens, ↑u8 keeps its trailing zeros, ↓d8 keeps the samples at 0, d8, "
             "2·d8, ... that exist.",
    ),
    Question(
        id="ex06.9", name="tconv9", title="The transpose of a strided full convolution as a transposed convolution",
        points=2, kind=IntTuple(length=5), answer=_tconv9,
        mistakes=[
            Mistake(lambda P: _tconv9(P, flip=False), "Your kernel is q9 in its own order: transposing a "
                    "convolution reverses its kernel."),
            Mistake(lambda P: _tconv9(P, a=0), "With output_padding 0 the layer returns the shortest input length "
                    "that ↓s9 ∘ (q9∗) maps to the given length; the transpose ends with ↑s9's trailing zeros and "
                    "returns the longest."),
            Mistake(lambda P: _tconv9(P, p=0), "That would be the transpose if the convolution were 'valid' (the "
                    "lesson's case). The transpose of a full convolution is shorter: it drops samples at both "
                    "ends, and padding is what makes a transposed convolution drop them."),
            Mistake(lambda P: _tconv9(P, p=1), "That crops one sample at each end, as a 'same' convolution would. "
                    "Which mode is the transpose of a full convolution, and how much shorter than full is it?"),
        ],
        checks=[Check("answer[0] >= 0 and 0 <= answer[1] < s9", "padding is 0 or more, and output_padding lies "
                      "between 0 and s9 − 1 (PyTorch refuses a larger one).")],
        hint="Transpose the product factor by factor, in reverse order. Which convolution, in which mode and "
             "with which kernel, is the transpose of a full convolution, and what does a transposed "
             "convolution's padding do to its output?",
    ),
    Question(
        id="ex06.10", name="polyphase_tconv", title="A transposed convolution's phase outputs", points=3,
        kind=Function(result=Matrix(), time_limit=5.0),
        reference=polyphase_tconv,
        examples=[((1, 2), (1, 1, 1), 2), EXAMPLE10_LONG, EXAMPLE10_ONE, EXAMPLE10_SHORT],
        hidden=[
            HiddenGroup("kernel shorter than the stride", cases=[((2, 1, 0, -1), (1, -2), 3), ((1, 1), (5,), 2)],
                        draw=lambda rng: _draw10(rng), example=EXAMPLE10_SHORT),
            HiddenGroup("kernel longer than the stride",
                        cases=[((1, 2, 3), (1, 0, -1, 2, 1), 2), ((4, -2), (1, 2, 3, 4, 5, 6, 7), 3)],
                        draw=lambda rng: _draw10(rng, long_kernel=True), example=EXAMPLE10_LONG),
            HiddenGroup("a one-sample input", cases=[((2,), (1, -1, 3), 2)],
                        draw=lambda rng: ((rng.randint(-5, 5),), tuple(rng.randint(-5, 5) for _ in range(rng.randint(1, 8))),
                                          rng.randint(2, 4)), example=EXAMPLE10_ONE),
        ],
        hint="Output u·s + r only ever meets the taps w_t with t ≡ r (mod s). Which taps are those, in which "
             "order must they meet x_j, x_(j−1), … for one np.convolve to give the row, and how long must a "
             "phase be so that its row is as long as the others?",
    ),
    Question(
        id="ex06.11", name="claims11", title="Which claims are true?", points=2, kind=CLAIMS11,
        answer=lambda P: ("A", "D", "F"),
        hint="Try each claim on a short symbolic signal or a small matrix, as the lesson's cells do; "
             "operators_agree tells you where an identity first fails.",
    ),
    Question(
        id="ex06.12", name="steps12", title="A sub-pixel convolution, step by step", points=1, kind=STEPS12,
        answer=lambda P: ("C", "E", "A", "D", "B"),
        mistakes=[
            Mistake(lambda P: ("C", "E", "D", "A", "B"), "The pixel shuffle rearranges the convolution's C·s² "
                    "output maps: it comes after the convolution, which runs at low resolution."),
            Mistake(lambda P: ("C", "E", "A", "B", "D"), "p, o and a count high-resolution units: the crop comes "
                    "after the pixel shuffle."),
        ],
        hint="Which step needs the result of which? Start from the kernel you are given and end with what "
             "conv_transpose2d returns.",
    ),
    Question(
        id="ex06.13", name="shuffle1d", title="Find and fix the bugs: a 1-D pixel shuffle", points=2,
        kind=Function(result=Matrix(), time_limit=5.0),
        reference=shuffle1d,
        examples=[EXAMPLE13_ONE_MAP, EXAMPLE13_ONE_COLUMN, EXAMPLE13_BOTH],
        hidden=[
            HiddenGroup("one output map (C = 1), several columns", cases=[([[1, 2], [3, 4], [5, 6]], 3)],
                        draw=lambda rng: _draw13(rng, maps=1), example=EXAMPLE13_ONE_MAP),
            HiddenGroup("several output maps, one column", cases=[([[1], [2], [3], [4]], 2)],
                        draw=lambda rng: _draw13(rng, width=1), example=EXAMPLE13_ONE_COLUMN),
            HiddenGroup("several output maps and columns",
                        cases=[([[1, -1, 2], [0, 3, 1], [2, 2, -2], [5, 0, 1], [1, 1, 1], [-3, 4, 0]], 2)],
                        draw=lambda rng: _draw13(rng), example=EXAMPLE13_BOTH),
        ],
        hint="Run the given function on a small input whose numbers tell you where each came from (input channel i "
             "holding 10·i + its column, say), write down by hand what output (c, w·r + j) must hold, and compare "
             "the two position by position.",
    ),
    Question(
        id="ex06.14", name="false14", title="Spot the false steps: the Q&A's derivation with k = 3", points=2,
        kind=DERIVATION14, answer=lambda P: _false_steps14(),
        mistakes=[
            Mistake(lambda P: ("E",), "The printed ↑ of the Q&A's last step is not the only slip here: write the "
                    "shape of every factor under each step and check that each product can be formed."),
            Mistake(lambda P: ("C", "E", "F"), "Look at where each column of C Dᵀ is nonzero: how many taps does q "
                    "have, and how far apart does ↑3 put the samples of x?"),
        ],
        hint="Build C, U and D with course_lib.sampling (conv_op, up, down) and test each step on its own: the "
             "shapes first (every product must be defined), then the matrices. A step can quote a true rule and "
             "still be false for these matrices.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex06", notebook="06_sampling_operator_algebra.ipynb", title="The sampling operator algebra",
    parameters=DEFAULTS, generate=generate, questions=QUESTIONS,
)
