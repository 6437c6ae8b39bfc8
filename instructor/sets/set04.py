"""Exercise set ex04 — convolution as a matrix (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib's math modules
(``symbolic.conv_matrix``, ``connectivity.conv_matrix_pattern``, ``numeric``, ``frameworks``),
in the grader's process. The questions: C of a strided, padded, dilated 1-D convolution
(lesson 04's check-yourself question has no dilation), nonzeros of a padded 2-D C and what the
loop over offsets wastes, a weight gradient, a convolution by building C (function), Cᵀy of a
padded 2-D convolution, the shape of a multi-channel C, the rank of C where it falls short of
min(o, i) without "same" padding, where a weight appears in C, true claims about C (choice),
the weight arrays PyTorch and TensorFlow want for Cᵀ (from ``frameworks.WEIGHT_LAYOUTS``,
checked against the frameworks), and an input-gradient function with a bug to find and fix.
"""

import numpy as np
import sympy

from course_lib import frameworks
from course_lib.arithmetic import conv_output_size
from course_lib.connectivity import conv_matrix_pattern
from course_lib.grading.kinds import Choice, Function, IntTuple, Int, Matrix
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.numeric import conv2d, conv_transpose1d
from course_lib.symbolic import conv_matrix

W_SYMBOLS = sympy.symbols("w0:4")

DEFAULTS = {
    "i1": 10, "k1": 3, "s1": 3, "p1": 1, "d1": 2,
    "i2": 7, "k2": 3, "s2": 2, "p2": 1,
    "x3": [2, -1, 3, 0, 1, -2, 1], "s3": 2, "p3": 1, "g3": [1, -2, 3, 2],
    "y5": [[1, 2], [-1, 3]], "w5": [[1, 0, 2], [2, -1, 1], [0, 1, -2]], "i5": 4, "s5": 2, "p5": 1,
    "c6": 3, "f6": 16, "ih6": 32, "iw6": 24, "k6": 5, "s6": 2, "p6": 2,
    "w7": [1, 1, 1, 1], "i7": 7, "s7": 1, "p7": 1,
    "i8": 7, "k8": 3, "s8": 2, "p8": 1, "j8": 0,
    "n9": 8,
    "c10": 3, "f10": 8, "kh10": 3, "kw10": 5,
}

# ex04.5: (i, k, s, p) with a 2x2 output, overlapping kernel copies (k > s) and padding to crop
SMALL_TRANSPOSES = [(3, 3, 2, 1), (4, 3, 2, 1), (4, 4, 2, 1), (5, 4, 2, 1), (5, 4, 3, 1), (6, 4, 3, 1)]
# ex04.7: (kernel, i, s, p) with o != i and rank C < min(o, i): neither "valid" (full row rank),
# nor "full" (injective), nor a square "same" C (lesson 04's case); so "rank = i7" and "rank = o"
# are both wrong, and different
RANK_CASES = [
    ([1, 1, 1, 1], 7, 1, 1), ([1, 1, 1, 1], 6, 1, 2), ([1, -1, 1, -1], 7, 1, 1), ([1, -1, 1, -1], 6, 1, 2),
    ([1, 0, 0, -1], 5, 1, 1), ([1, 0, 0, 1], 8, 1, 1), ([1, 2, 2, 1], 5, 1, 1), ([1, 2, 2, 1], 4, 1, 2),
    ([1, 0, -1], 7, 2, 1), ([2, 0, 1], 5, 2, 1), ([1, 0, 2], 7, 2, 1),
]


def _draw1(rng):
    while True:
        # stride and dilation coprime: the taps do not all fall on one residue class of the input
        k, (s, d) = rng.randint(2, 3), rng.choice([(2, 3), (3, 2)])
        span = (k - 1) * d + 1
        p, i = rng.randint(1, min(k, span - 1)), rng.randint(5, 9)
        # every mistake fits; at least two rows; the floor drops a remainder (ceil gives one more row)
        if (k - 1) * (d + 1) + 1 <= i and i + 2 * p - span >= s and (i + 2 * p - span) % s:
            return {"i1": i, "k1": k, "s1": s, "p1": p, "d1": d}


def _draw8(rng):
    while True:
        k = rng.randint(3, 4)
        P = {"i8": rng.randint(6, 10), "k8": k, "s8": rng.randint(2, 3), "p8": rng.randint(1, k - 1),
             "j8": rng.randint(0, k - 1)}
        answers = [_truth8(P), _entries8(P, padding=0), _entries8(P, keep_padding=True),
                   _entries8(P, tap=k - 1 - P["j8"]), sorted((c, r) for r, c in _truth8(P))]
        if len({tuple(a) for a in answers}) == len(answers):  # each mistake gives its own answer
            return P


def _draw3(rng):
    """Input, stride, padding and output gradient; each mistake gives its own answer."""
    while True:
        P = {"s3": rng.randint(2, 3), "p3": rng.randint(1, 2), "x3": [rng.randint(-3, 3) for _ in range(rng.randint(5, 8))]}
        P["g3"] = [rng.choice([-3, -2, -1, 1, 2, 3]) for _ in range(conv_output_size(len(P["x3"]), 3, P["s3"], P["p3"]))]
        answers = [_wgrad3(P), _wgrad3(P, stride=1), _wgrad3(P, padded=False), _wgrad3(P, flipped=True)]
        if len(set(answers)) == len(answers):
            return P


def _draw5(rng):
    """A padded 2-D convolution with a 2x2 output whose Cᵀ y is neither symmetric nor the flipped kernel's."""
    while True:
        P = dict(zip(("i5", "k5", "s5", "p5"), rng.choice(SMALL_TRANSPOSES)))
        P["w5"] = [[rng.choice([-2, -1, 1, 2]) for _ in range(P["k5"])] for _ in range(P["k5"])]
        P["y5"] = [[rng.choice([-3, -2, -1, 1, 2, 3]) for _ in range(2)] for _ in range(2)]
        del P["k5"]
        right = _truth5(P)
        if right != np.array(right).T.tolist() and right != _transposed5(P, kernel=np.rot90(np.array(P["w5"]), 2)):
            return P


def _draw6(rng):
    """A multi-channel layer whose C is not square (its transpose has another shape)."""
    while True:
        P = {"c6": rng.choice([2, 3, 4]), "f6": rng.choice([8, 16, 32, 64]), "k6": rng.choice([3, 5, 7]),
             "s6": rng.randint(1, 3)}
        P["ih6"], P["iw6"] = rng.sample([16, 20, 24, 28, 32], 2)
        P["p6"] = rng.randint(1, P["k6"] // 2)
        rows, columns = _shape6(P)
        if rows != columns:
            return P


def _draw10(rng):
    """Channels and a kernel for which no two of the four shapes a mistake gives coincide."""
    while True:
        P = dict(zip(("c10", "f10"), rng.sample([1, 3, 4, 8, 16, 32], 2)))
        P["kh10"], P["kw10"] = rng.sample([1, 2, 3, 4, 5, 7], 2)
        answers = [_shapes10(P), _shapes10(P, torch_swapped=True), _shapes10(P, tf_swapped=True),
                   _shapes10(P, tf_as_torch=True), _shapes10(P, torch_swapped=True, tf_swapped=True)]
        if len(set(answers)) == len(answers):
            return P


def generate(rng):
    """One student's parameters."""
    P = _draw1(rng)
    P["k2"] = rng.choice([2, 3, 4, 5])
    P["i2"], P["s2"], P["p2"] = rng.randint(6, 12), rng.randint(2, 3), rng.randint(1, P["k2"] - 1)
    P.update(_draw3(rng))
    P.update(_draw5(rng))
    P.update(_draw6(rng))
    P["w7"], P["i7"], P["s7"], P["p7"] = rng.choice(RANK_CASES)
    P.update(_draw8(rng))
    P["n9"] = rng.choice([6, 7, 8, 9, 11, 14])   # the all-ones "same" C is singular for 8, 11 and 14
    P.update(_draw10(rng))
    return P


# --- ex04.1 -----------------------------------------------------------------------------------------

def _c1(P, *, kernel=None, stride=None, padding=None, dilation=None):
    """C of the 1-D convolution of ex04.1 over w0, w1, ... (or a mistake's variant)."""
    w = list(W_SYMBOLS[:P["k1"]]) if kernel is None else kernel
    s = P["s1"] if stride is None else stride
    p = P["p1"] if padding is None else padding
    d = P["d1"] if dilation is None else dilation
    return sympy.Matrix(conv_matrix(P["i1"], w, stride=s, padding=p, dilation=d))


def _c1_ceil(P):
    """C with the output size rounded up: one more row, its taps past the input dropped."""
    k, s, p, d, i = P["k1"], P["s1"], P["p1"], P["d1"], P["i1"]
    rows = -(-(i + 2 * p - (k - 1) * d - 1) // s) + 1
    return sympy.Matrix(rows, i, lambda r, c: sum((W_SYMBOLS[j] for j in range(k) if c == r * s - p + j * d), sympy.S.Zero))


# --- ex04.2 -----------------------------------------------------------------------------------------

def _taps2(P, *, stride=None):
    """Along one axis: for each output position, the taps that land on real input units."""
    i, k, p = P["i2"], P["k2"], P["p2"]
    s = P["s2"] if stride is None else stride
    return [sum(0 <= r * s - p + j < i for j in range(k)) for r in range(conv_output_size(i, k, s, p))]


def _counts2(P, *, stride=None, one_axis=False, squared_waste=False):
    taps = _taps2(P, stride=stride)
    per_axis, placed = sum(taps), len(taps) * P["k2"]
    if one_axis:
        return (per_axis, placed - per_axis)
    waste = (placed - per_axis) ** 2 if squared_waste else placed ** 2 - per_axis ** 2
    return (per_axis ** 2, waste)


def _truth2(P):
    pattern = conv_matrix_pattern((P["i2"],) * 2, (P["k2"],) * 2, P["s2"], P["p2"])
    o = conv_output_size(P["i2"], P["k2"], P["s2"], P["p2"])
    return (len(pattern.rows), o * o * P["k2"] ** 2 - len(pattern.rows))


# --- ex04.3 -----------------------------------------------------------------------------------------

def _wgrad3(P, *, stride=None, padded=True, flipped=False):
    """dL/dw_j = sum_r g_r x_(r·s - p + j) (0 on the padding): the input correlated with g dilated by s."""
    x, g, p = P["x3"], P["g3"], P["p3"]
    s = P["s3"] if stride is None else stride
    shift = p if padded else 0

    def unit(n):
        return x[n] if 0 <= n < len(x) else 0
    grad = tuple(sum(g_r * unit(r * s - shift + j) for r, g_r in enumerate(g)) for j in range(3))
    return grad[::-1] if flipped else grad


def _truth3(P):
    """The weight gradient from SymPy: differentiate L = sum_r g_r y_r with y = C x."""
    w = sympy.symbols("u0:3")
    y = conv_matrix(len(P["x3"]), list(w), stride=P["s3"], padding=P["p3"]) * sympy.Matrix(P["x3"])
    loss = sum(g_r * y_r for g_r, y_r in zip(P["g3"], y))
    return tuple(int(sympy.diff(loss, u)) for u in w)


# --- ex04.4 -----------------------------------------------------------------------------------------

def conv_matrix2d(shape, w, stride, padding):
    """Reference for ex04.4: column c of C is the convolution of the c-th unit image."""
    units = np.eye(shape[0] * shape[1])
    return np.stack([conv2d(e.reshape(shape), np.asarray(w, dtype=float), stride=stride, padding=padding).ravel()
                     for e in units], axis=1).tolist()


def _draw4(rng, *, stride, padding, real=False):
    while True:
        k1, k2 = rng.randint(1, 3), rng.randint(1, 3)
        s = rng.randint(2, 3) if stride else 1
        p = rng.randint(1, 2) if padding else 0
        h, wd = rng.randint(max(1, k1 - 2 * p), 5), rng.randint(max(1, k2 - 2 * p), 5)
        if h != wd:  # a mix-up of height and width shows
            break
    value = (lambda: round(rng.uniform(-2, 2), 2)) if real else (lambda: rng.randint(-3, 3))
    while True:
        kernel = [[value() for _ in range(k2)] for _ in range(k1)]
        # a real kernel has a weight that float32 cannot store (0.1, 1.37, ...): float32 fails the tolerance
        if not real or any(float(np.float32(v)) != v for row in kernel for v in row):
            return ((h, wd), kernel, s, p)


# ex04.4's public examples, one for each hidden group: every input and most kernels are not square
EXAMPLE4_UNIT = ((3, 4), [[1, 2], [3, 4], [0, -1]], 1, 0)
EXAMPLE4_PADDED = ((2, 4), [[1, 0, -1]], 1, 1)
EXAMPLE4_STRIDED = ((5, 4), [[1, 2], [0, 1]], 2, 1)
EXAMPLE4_REAL = ((4, 5), [[0.3, -1.15, 1.7], [2.1, 0.65, -0.45]], 2, 1)   # not exact in float32


# --- ex04.5 -----------------------------------------------------------------------------------------

def _transposed5(P, *, kernel=None, overwrite=False, shift=True, crop=True):
    """Kernel copies weighted by y5, scattered on the padded grid, then the padding cut off."""
    w = np.array(P["w5"] if kernel is None else kernel)
    k, s, p, i = w.shape[0], P["s5"], P["p5"], P["i5"]
    out = np.zeros((i + 2 * p + k, i + 2 * p + k), dtype=int)
    for (r, c), value in np.ndenumerate(np.array(P["y5"])):
        if overwrite:
            out[r * s:r * s + k, c * s:c * s + k] = value * w
        else:
            out[r * s:r * s + k, c * s:c * s + k] += value * w
    if not crop:
        return out[:i + 2 * p, :i + 2 * p].tolist()
    start = p if shift else 0
    return out[start:start + i, start:start + i].tolist()


def _truth5(P):
    C = conv_matrix((P["i5"], P["i5"]), P["w5"], stride=P["s5"], padding=P["p5"])
    return np.array((C.T * sympy.Matrix(np.array(P["y5"]).ravel())).tolist(), dtype=int).reshape(P["i5"], P["i5"]).tolist()


# --- ex04.6 -----------------------------------------------------------------------------------------

def _shape6(P, *, padded=False):
    oh = conv_output_size(P["ih6"], P["k6"], P["s6"], P["p6"])
    ow = conv_output_size(P["iw6"], P["k6"], P["s6"], P["p6"])
    extra = 2 * P["p6"] if padded else 0
    return (P["f6"] * oh * ow, P["c6"] * (P["ih6"] + extra) * (P["iw6"] + extra))


# --- ex04.7 -----------------------------------------------------------------------------------------

def _rank7(P):
    return sympy.Matrix(conv_matrix(P["i7"], P["w7"], stride=P["s7"], padding=P["p7"])).rank()


def _o7(P):
    return conv_output_size(P["i7"], len(P["w7"]), P["s7"], P["p7"])


# --- ex04.8 -----------------------------------------------------------------------------------------

def _entries8(P, *, tap=None, padding=None, keep_padding=False):
    k, s, i = P["k8"], P["s8"], P["i8"]
    j = P["j8"] if tap is None else tap
    p = P["p8"] if padding is None else padding
    o = conv_output_size(i, k, s, P["p8"])
    cells = [(r, r * s - p + j) for r in range(o)]
    return sorted(cell for cell in cells if keep_padding or 0 <= cell[1] < i)


def _truth8(P):
    pattern = conv_matrix_pattern(P["i8"], P["k8"], P["s8"], P["p8"])
    return sorted((int(r), int(c)) for r, c, t in zip(pattern.rows, pattern.cols, pattern.kernel_index) if t == P["j8"])


# --- ex04.9 -----------------------------------------------------------------------------------------

CLAIMS9 = (
    "With stride 1, padding cuts taps off the rows of C near its borders, yet each diagonal of C still holds a "
    "single value (one weight, or 0), with or without dilation.",
    "Zero padding adds a column to C for every padded unit.",
    "Weight sharing is what makes C sparse.",
    "The gradient of the loss with respect to a convolution's input is Cᵀ g, which a transposed convolution "
    "with the same kernel, stride and padding (and the output_padding that restores the input size) computes.",
    "A transposed convolution undoes its convolution: Cᵀ C x = x.",
    "The convolution with the kernel (1, 1, 1), stride 1 and padding 1 on an input of `n9` units can be undone "
    "for every input.",
    "Deleting rows 1, 3, 5, … of the unit-stride C gives the C of the same convolution with stride 2; "
    "no column changes.",
)
HINTS9 = {
    "A": "With s = 1 the next output unit lays the same kernel one input unit further right: entry (r, c) depends "
         "only on c − r. The taps that padding cuts are entries that would lie outside C, not other values on a "
         "diagonal.",
    "B": "Padded units are constants, not inputs: they have no columns; the taps that fall on them are simply "
         "missing from their rows.",
    "C": "Sparsity comes from locality (each output reads only k input units); weight sharing makes the nonzeros "
         "repeat the same k weights.",
    "D": "Since y = C x, ∂L/∂x_c = Σ_r g_r C[r, c]: that is (Cᵀ g)_c.",
    "E": "Cᵀ brings back the input's shape and connectivity, not its values; a wide C (fewer rows than columns) "
         "has no inverse at all.",
    "F": "Its C is square, but a square C is not always invertible: that depends on the kernel's values and on "
         "the input size. Is there a nonzero input that C sends to 0?",
    "G": "Output unit r of the stride-2 convolution lays the kernel where output unit 2r of the unit-stride one "
         "does, on the same input units.",
}


def _invertible9(P):
    return sympy.Matrix(conv_matrix(P["n9"], [1, 1, 1], padding=1)).rank() == P["n9"]


def _claims9(P, *, wrong_beliefs=False):
    """The true claims' letters (F depends on n9); ``wrong_beliefs`` also takes E and F."""
    letters = {"A", "D", "G"} | ({"F"} if _invertible9(P) else set())
    return tuple(sorted(letters | ({"E", "F"} if wrong_beliefs else set())))


# --- ex04.10 ----------------------------------------------------------------------------------------

def _layout_shape(P, framework, mistake_channels=False):
    """The shape of the forward weight (f10, c10, kh10, kw10) in a framework's transposed-layer layout."""
    forward = np.zeros((P["f10"], P["c10"], P["kh10"], P["kw10"]))  # PyTorch's Conv2d: OIHW
    # As a transposed layer the same array is IOHW (PyTorch); a mistake reads it as if the
    # transposed layer's in/out channels were the forward layer's (c10, f10).
    source = frameworks.WEIGHT_LAYOUTS["pytorch", "conv" if mistake_channels else "conv_transpose"]
    return tuple(frameworks.convert_weight(forward, source, frameworks.WEIGHT_LAYOUTS[framework, "conv_transpose"]).shape)


def _shapes10(P, *, torch_swapped=False, tf_swapped=False, tf_as_torch=False):
    torch_shape = _layout_shape(P, "pytorch", mistake_channels=torch_swapped)
    tf_shape = _layout_shape(P, "tensorflow", mistake_channels=tf_swapped)
    if tf_as_torch:
        tf_shape = _layout_shape(P, "pytorch")
    return (torch_shape, tf_shape)


# --- ex04.11 ----------------------------------------------------------------------------------------

def input_gradient(g, w, i, s, p):
    """Reference for ex04.11: Cᵀ g, one entry per input unit (the transposed convolution with a = (i + 2p - k) mod s)."""
    a = (i + 2 * p - len(w)) % s
    return [int(v) for v in conv_transpose1d(g, w, stride=s, padding=p, output_padding=a)]


# The function shown to students (a string, so that the bundle check does not take it for a secret).
BUGGY11 = """def input_gradient(g, w, i, s, p):
    \"\"\"dL/dx of y = conv1d(x, w, stride=s, padding=p) for an input of i units, given g = dL/dy.\"\"\"
    n = (len(g) - 1) * s + len(w)       # the padded units the kernel copies reach
    grad = [0] * n
    for r, g_r in enumerate(g):
        for j, w_j in enumerate(w):
            grad[r * s + j] += g_r * w_j
    return grad[p:p + i]                # the padding cut off
"""
_buggy_namespace = {}
exec(BUGGY11, _buggy_namespace)  # noqa: S102 - the course's own text
_buggy11 = _buggy_namespace["input_gradient"]


def _draw11(rng, *, s, p):
    """Inputs on which the bug shows: the floor leaves more unread units than the padding covers."""
    while True:
        k = rng.randint(1, 4)
        i = rng.randint(max(2, k - 2 * p), 12)
        if k <= i + 2 * p and (i + 2 * p - k) % s > p:
            o = conv_output_size(i, k, s, p)
            g = [rng.choice([-3, -2, -1, 1, 2, 3]) for _ in range(o)]
            w = [rng.choice([-2, -1, 1, 2, 3]) for _ in range(k)]
            return (g, w, i, s, p)


EXAMPLE11_S2 = ([1, -2, 3], [1, 2, -1], 8, 2, 0)
EXAMPLE11_S3 = ([2, 1], [1, -1], 7, 3, 0)
EXAMPLE11_PADDED = ([1, 2, -1], [3, 1, 2], 9, 3, 1)
EXAMPLE11_WIDE = ([2, -1, 1], [1, 1, -2, 1], 11, 4, 2)
EXAMPLE11_REACH = ([1, -2, 3], [2, 1, -1], 5, 2, 1)   # the last placement ends on the right-hand padding


def _draw11_reach(rng):
    """Ordinary layers: the last kernel placement reaches the right-hand padding (no input unit unread)."""
    while True:
        s, p, k = rng.randint(1, 3), rng.randint(1, 2), rng.randint(2, 4)
        i = rng.randint(max(2, k - 2 * p), 10)
        if k <= i + 2 * p and (i + 2 * p - k) % s < p:
            o = conv_output_size(i, k, s, p)
            g = [rng.choice([-3, -2, -1, 1, 2, 3]) for _ in range(o)]
            w = [rng.choice([-2, -1, 1, 2, 3]) for _ in range(k)]
            return (g, w, i, s, p)


FLIPPED = ("That is the flipped kernel: C holds the weights in their own order (cross-correlation), so "
           "w0 is the leftmost weight of each row.")
NO_PADDING_COLUMNS = "Padding units are constants, not inputs: they have no columns in C."

QUESTIONS = [
    Question(
        id="ex04.1", name="C1", title="C of a strided, padded, dilated 1-D convolution", points=2, kind=Matrix(),
        answer=_c1,
        mistakes=[
            Mistake(lambda P: _c1(P, padding=0), "You left out the padding: the first placement starts p1 units "
                    "before x0, so the first rows lose the taps that fall on the padding (and there are more rows)."),
            Mistake(lambda P: _c1(P, stride=1), "You ignored the stride: each row is the previous one shifted by "
                    "s1 columns, so there are fewer rows."),
            Mistake(lambda P: _c1(P, dilation=1), "You ignored the dilation: consecutive taps land d1 units apart, "
                    "with d1 − 1 zeros between two weights of a row."),
            Mistake(lambda P: _c1(P, dilation=P["d1"] + 1), "Dilation d1 puts d1 − 1 zeros between consecutive "
                    "weights (the taps are d1 units apart), not d1 zeros."),
            Mistake(lambda P: _c1(P, kernel=list(W_SYMBOLS[:P["k1"]])[::-1]), FLIPPED),
            Mistake(_c1_ceil, "Your C has one row too many: a kernel placement counts only when the whole "
                    "dilated kernel lies inside the padded input, so the number of placements rounds down."),
            Mistake(lambda P: _c1(P).T, "That is Cᵀ: C has one row per output unit and one column per input unit."),
        ],
        checks=[Check("len(answer[0]) == i1", "C should have one column per input unit (i1 of them).",
                      "Padding units have no columns.")],
        hint="Take one output unit at a time and find where each tap of its kernel lands in the input: how far "
             "apart are consecutive taps, how far apart are consecutive output units, and where does the "
             "padding put the first one?",
    ),
    Question(
        id="ex04.2", name="counts2", title="Nonzeros of a padded 2-D C, and what the loop wastes", points=2,
        kind=IntTuple(length=2), answer=_truth2,
        mistakes=[
            Mistake(lambda P: (conv_output_size(P["i2"], P["k2"], P["s2"], P["p2"]) ** 2 * P["k2"] ** 2, 0),
                    "o²k² counts every tap of every placement, including the taps that fall on the padding: those "
                    "have no column, so no entry in C, and the loop multiplies them by zeros."),
            Mistake(lambda P: _counts2(P, one_axis=True), "Those are the counts along one axis; the 2-D kernel has "
                    "k2 × k2 taps and the output o × o units."),
            Mistake(lambda P: _counts2(P, stride=1), "You ignored the stride: count the rows of the strided C "
                    "(output units s2 input units apart)."),
            Mistake(lambda P: _counts2(P, squared_waste=True), "The nonzeros multiply across the axes, the waste "
                    "does not: a 2-D tap is wasted when it falls on the padding along either axis."),
        ],
        checks=[Check("answer[0] > 0 and answer[1] >= 0", "C has nonzeros, and no count is negative.")],
        hint="Count along one axis first: for each output position, how many taps land on real input units? "
             "Then ask when a tap of the 2-D kernel lands on a real unit.",
    ),
    Question(
        id="ex04.3", name="wgrad3", title="The weight gradient of a strided, padded layer", points=2,
        kind=IntTuple(length=3), answer=_truth3,
        mistakes=[
            Mistake(lambda P: _wgrad3(P, stride=1), "Consecutive output units read input units s3 apart: g is "
                    "spread out by the stride (dilated by s3) when it slides over the input, not slid unit by unit."),
            Mistake(lambda P: _wgrad3(P, padded=False), "You left out the padding: tap j of output unit r lies on "
                    "input unit r·s3 − p3 + j, and a tap on the padding contributes 0."),
            Mistake(lambda P: _wgrad3(P, flipped=True), "Your gradient is reversed: ∂L/∂w_0 pairs each g_r with "
                    "the input unit under the kernel's first tap."),
        ],
        hint="Each weight w_j appears once in every row of C. Which input unit does it multiply in row r, and "
             "how much does row r weigh in the loss?",
    ),
    Question(
        id="ex04.4", name="conv_matrix2d", title="A convolution by building C", points=4,
        kind=Function(result=Matrix(), time_limit=5.0), reference=conv_matrix2d,
        examples=[EXAMPLE4_UNIT, EXAMPLE4_PADDED, EXAMPLE4_STRIDED, EXAMPLE4_REAL],
        hidden=[
            HiddenGroup("unit stride, no padding", cases=[((3, 4), [[1, 2], [3, 4]], 1, 0)], example=EXAMPLE4_UNIT,
                        draw=lambda rng: _draw4(rng, stride=False, padding=False)),
            HiddenGroup("zero padding", cases=[((2, 3), [[1, 0, -1]], 1, 1)], example=EXAMPLE4_PADDED,
                        draw=lambda rng: _draw4(rng, stride=False, padding=True)),
            HiddenGroup("strides and padding", cases=[((4, 5), [[1, 2], [0, 1]], 3, 1), ((4, 3), [[2]], 2, 0)],
                        example=EXAMPLE4_STRIDED, draw=lambda rng: _draw4(rng, stride=True, padding=True)),
            HiddenGroup("real-valued kernels", example=EXAMPLE4_REAL, draw=lambda rng: _draw4(
                rng, stride=rng.random() < 0.5, padding=rng.random() < 0.5, real=True)),
        ],
        hint="Build it one output unit at a time: find the input unit under each kernel tap, skip taps on the "
             "padding, and flatten both the output and the input row by row, each with its own width.",
    ),
    Question(
        id="ex04.5", name="xt5", title="Predict Cᵀ y for a padded 2-D convolution", points=2, kind=Matrix(),
        answer=_truth5,
        mistakes=[
            Mistake(lambda P: _transposed5(P, kernel=np.rot90(np.array(P["w5"]), 2)), "That is built from the "
                    "kernel rotated by 180°: each entry of y5 scatters a copy of w5 as it is, w5[0][0] at the "
                    "copy's top-left corner, where the forward kernel lay."),
            Mistake(lambda P: _transposed5(P, overwrite=True), "Overlapping kernel copies add up: where two copies "
                    "land on one unit, sum them."),
            Mistake(lambda P: np.array(_truth5(P)).T.tolist(), "Your map is transposed: y5[r][c] belongs to output "
                    "row r, column c."),
            Mistake(lambda P: _transposed5(P, shift=False), "You cut the padding off one side only: the forward "
                    "kernel of output (r, c) started p5 units before (r·s5, c·s5), on both axes."),
            Mistake(lambda P: _transposed5(P, crop=False), "Cᵀ y has one entry per input unit: the parts of the "
                    "kernel copies that fall on the padding are cut off (padding has no columns in C)."),
        ],
        checks=[Check("len(answer) == i5", "Cᵀ y has the convolution's input shape: i5 × i5.")],
        hint="Cᵀ y is a sum of C's rows weighted by y: where did the forward kernel sit for output (r, c), and "
             "what happens to the weights that sat on the padding?",
    ),
    Question(
        id="ex04.6", name="shape6", title="The shape of C for a multi-channel layer", points=1,
        kind=IntTuple(length=2), answer=_shape6,
        mistakes=[
            Mistake(lambda P: _shape6(P)[::-1], "That is the shape of Cᵀ: C has one row per output unit."),
            Mistake(lambda P: _shape6(P, padded=True), NO_PADDING_COLUMNS),
            Mistake(lambda P: (_shape6(P)[0] // P["f6"], _shape6(P)[1] // P["c6"]), "C covers all maps: "
                    "f6 output maps stacked in the rows, c6 input maps in the columns."),
            Mistake(lambda P: (_shape6(P)[0] // P["f6"] * P["f6"] * P["c6"], _shape6(P)[1]), "Each output "
                    "unit is one row, whatever the number of input maps: the c6 input maps are columns."),
        ],
        hint="What does one row of C stand for, and what does one column? Count them over all maps.",
    ),
    Question(
        id="ex04.7", name="rank7", title="Is this convolution injective? The rank of C", points=2, kind=Int(),
        answer=_rank7,
        mistakes=[
            Mistake(lambda P: P["i7"], "Not every C has full column rank: some nonzero input is sent to 0 here, "
                    "so the convolution cannot be undone."),
            Mistake(lambda P: _o7(P), "C has o rows, but they are not independent here (and the rank is at most "
                    "min(o, i7)): look for an input that C sends to 0."),
        ],
        checks=[Check("0 <= answer <= i7", "The rank of C is between 0 and its number of columns, i7.")],
        hint="Build C and find its rank (numpy or SymPy may compute it). Rank ≤ min(o, i7) is only a bound: "
             "when the rank falls short of it, some nonzero input gives the output 0.",
    ),
    Question(
        id="ex04.8", name="entries8", title="Where a weight appears in C", points=2,
        kind=IntTuple(item_length=2, unordered=True), answer=_truth8,
        mistakes=[
            Mistake(lambda P: _entries8(P, padding=0), "You left out the padding: the first placement starts p8 "
                    "units before input unit 0."),
            Mistake(lambda P: _entries8(P, keep_padding=True), NO_PADDING_COLUMNS +
                    " Leave out the placements where w_j falls on the padding."),
            Mistake(lambda P: _entries8(P, tap=P["k8"] - 1 - P["j8"]), FLIPPED),
            Mistake(lambda P: [(c, r) for r, c in _truth8(P)], "Give (row, column): the row is the output unit, "
                    "the column the input unit."),
        ],
        checks=[Check("all(0 <= c < i8 for r, c in answer)", "Columns are input units, 0 to i8 − 1.")],
        hint="Row r is output unit r: which input unit does tap j of that placement cover? Keep only the rows "
             "where it is a real input unit.",
    ),
    Question(
        id="ex04.9", name="true_claims", title="C and Cᵀ: which claims are true?", points=2,
        kind=Choice(CLAIMS9, option_hints=HINTS9), answer=_claims9,
        mistakes=[
            Mistake(lambda P: _claims9(P, wrong_beliefs=True), "A transposed convolution brings back a shape, not "
                    "the values; a square C can still send a nonzero input to 0."),
        ],
        hint="For each claim, try a small case: a 1-D input of 4 or 5 units and a kernel of 2 or 3 weights.",
    ),
    Question(
        id="ex04.10", name="shapes10", title="The weight arrays PyTorch and TensorFlow want for Cᵀ", points=2,
        kind=IntTuple(length=2, item_length=4), answer=_shapes10,
        mistakes=[
            Mistake(lambda P: _shapes10(P, torch_swapped=True), "Your PyTorch shape has its two channel counts the "
                    "wrong way round: you read ConvTranspose2d's I and O as the forward layer's input and output "
                    "maps; they name the transposed layer's."),
            Mistake(lambda P: _shapes10(P, tf_swapped=True), "Your TensorFlow shape has its two channel counts the "
                    "wrong way round: conv2d_transpose's output_channels and in_channels are those of the transposed "
                    "layer, not of the forward one."),
            Mistake(lambda P: _shapes10(P, tf_as_torch=True), "Your TensorFlow shape is in PyTorch's axis order; "
                    "TensorFlow's filters put the kernel's height and width first."),
            Mistake(lambda P: _shapes10(P, torch_swapped=True, tf_swapped=True), "Both shapes have their channel "
                    "counts the wrong way round: in both layouts, I and O name the transposed layer's input and "
                    "output maps, not the forward layer's."),
        ],
        checks=[Check("sorted(answer[0]) == sorted(answer[1])", "Both arrays hold the same weights: their shapes "
                      "are the same four numbers in another order.")],
        hint="Write down which layer each array belongs to and what its input and output maps are; then read "
             "the layout letters (O, I, H, W) in that layer's terms.",
    ),
    Question(
        id="ex04.11", name="input_gradient", title="Find and fix the bug: an input gradient by scatter", points=2,
        kind=Function(result=IntTuple(), time_limit=5.0), reference=input_gradient,
        examples=[EXAMPLE11_S2, EXAMPLE11_S3, EXAMPLE11_PADDED, EXAMPLE11_WIDE, EXAMPLE11_REACH],
        hidden=[
            HiddenGroup("no padding, stride 2", draw=lambda rng: _draw11(rng, s=2, p=0), example=EXAMPLE11_S2,
                        cases=[([1, 1], [1, 2, 3], 6, 2, 0)]),
            HiddenGroup("no padding, stride 3", draw=lambda rng: _draw11(rng, s=3, p=0), example=EXAMPLE11_S3,
                        cases=[([2, -1, 1], [1, 1], 10, 3, 0)]),
            HiddenGroup("padding 1, stride 3", draw=lambda rng: _draw11(rng, s=3, p=1), example=EXAMPLE11_PADDED,
                        cases=[([1, -1], [2, 1, 1], 6, 3, 1)]),
            HiddenGroup("stride 4, padding 1 or 2", draw=lambda rng: _draw11(rng, s=4, p=rng.randint(1, 2)),
                        example=EXAMPLE11_WIDE, cases=[([1, 2], [1, -1, 1], 6, 4, 2)]),
            HiddenGroup("kernel reaching the right-hand padding", draw=_draw11_reach, example=EXAMPLE11_REACH,
                        cases=[([1, -1, 2, 1, -2], [1, 2, 3], 5, 1, 1)]),
        ],
        hint="Take the example that failed and compute Cᵀ g for it by hand from C's rows (lesson 04, section 5). "
             "Then trace the function on it step by step: where each kernel copy lands, what the list it fills "
             "covers, and what the last line returns. Where do the two first differ?",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex04", notebook="04_convolution_as_matrix.ipynb", title="Convolution as a matrix",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
