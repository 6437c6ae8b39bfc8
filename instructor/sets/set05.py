"""Exercise set ex05 — transposed convolution (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib's math modules,
in the grader's process. Defaults: the guide's Figure 4.7 and lesson 00's output_padding examples
(public examples of ex05.1), a stride-3 setting with a = 1, d2l's k = 5, p = 2, s = 3 layer, a
dilated layer, and the erratum p′ = k − 1 − 2p (docs/ERRATA.md) on a 9-unit input.
"""

from fractions import Fraction

import numpy as np

from course_lib.arithmetic import conv_output_size, effective_kernel_size, transposed_equivalent, transposed_output_size
from course_lib.grading.kinds import Function, Int, IntTuple, Matrix, Number
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.numeric import conv2d, conv_transpose1d, conv_transpose2d

DEFAULTS = {
    "i2": 12, "k2": 4, "s2": 3, "p2": 1,
    "y3": [[1, 2], [3, 4]], "w3": [[1, 0, 2], [0, 1, 0], [-1, 0, 1]], "s3": 2, "p3": 1, "a3": 1,
    "i4": 7, "k4": 6, "s4": 3, "o4": 21,
    "i5": 9, "k5": 5, "s5": 2, "p5": 2,
    "k6": 5, "s6": 3, "p6": 2, "lo6": 10, "hi6": 18,            # d2l's layer
    "i7": 5, "k7": 3, "s7": 2, "p7": 1, "d7": 2, "a7": 1,
    "i8": 16, "k8": 3, "s8": 2, "p8": 1,
    "y9": [1, 2, 3], "w9": [1, 2, 3, 4], "s9": 3, "p9": 1, "a9": 2,
    "w10": [[1, 2, 3], [4, 5, 6]],
}


def _asymmetric_kernel(rng, rows, cols):
    """A kernel that differs from its flips and its transpose, all pairwise (so every mistake shows)."""
    while True:
        g = np.array([[rng.randint(-3, 5) for _ in range(cols)] for _ in range(rows)])
        forms = [g, np.rot90(g, 2), g[::-1], g[:, ::-1]] + ([g.T] if rows == cols else [])
        if len({f.tobytes() for f in forms}) == len(forms):
            return g.tolist()


def generate(rng):
    """One student's parameters."""
    P = {}
    while True:
        P["k2"], P["s2"] = rng.randint(3, 5), rng.randint(2, 3)
        P["p2"] = rng.randint(1, P["k2"] - 1)
        P["i2"] = rng.randint(8, 16)
        if (P["i2"] + 2 * P["p2"] - P["k2"]) % P["s2"] and P["p2"] != 0:
            break
    P["y3"] = [[rng.randint(1, 4) for _ in range(2)] for _ in range(2)]
    P["w3"] = _asymmetric_kernel(rng, 3, 3)
    P["s3"], P["p3"], P["a3"] = 2, 1, 1
    while True:
        P["i4"], P["k4"], P["s4"] = rng.randint(4, 10), rng.randint(3, 6), rng.randint(2, 3)
        P["o4"] = P["i4"] * P["s4"] + rng.choice([0, 0, 1, -1])
        D = (P["i4"] - 1) * P["s4"] + P["k4"] - P["o4"]
        if D >= 1 and _pad4(P) != _p_prime_mistake4(P):
            break
    while True:
        P["k5"], P["s5"] = rng.choice([3, 5, 7]), rng.randint(1, 3)
        P["p5"], P["i5"] = rng.randint(1, (P["k5"] - 1) // 2), rng.randint(6, 12)
        if _quoted5(P) >= 1:
            break
    P["k6"], P["s6"] = rng.randint(3, 5), rng.randint(2, 3)
    P["p6"] = rng.randint(0, P["k6"] // 2)
    P["lo6"] = rng.randint(8, 14)
    P["hi6"] = P["lo6"] + rng.randint(6, 8)
    P["i7"], P["k7"], P["s7"] = rng.randint(3, 9), rng.randint(2, 4), rng.randint(1, 3)
    P["d7"] = rng.randint(2, 3)
    P["p7"] = rng.randint(0, 2)
    P["a7"] = rng.randint(1, max(P["s7"], P["d7"]) - 1)
    P["i8"], P["k8"], P["s8"] = rng.choice([12, 16, 20, 24]), rng.choice([3, 4, 5]), rng.randint(2, 3)
    P["p8"] = rng.randint(0, P["k8"] - 1)
    P["y9"] = [rng.randint(1, 5) for _ in range(3)]
    P["w9"] = [rng.randint(1, 5) for _ in range(4)]
    P["s9"] = 3
    P["p9"], P["a9"] = rng.choice([(1, 2), (2, 1), (2, 2), (0, 1), (1, 1)])
    P["w10"] = _asymmetric_kernel(rng, rng.randint(2, 3), 3)
    return P


# --- ex05.1 -----------------------------------------------------------------------------------------

def conv_transpose_scatter(y, w, stride, padding, output_padding):
    """Reference for ex05.1: course_lib's conv_transpose2d (PyTorch semantics), as nested lists."""
    return conv_transpose2d(np.array(y), np.array(w), stride=stride, padding=padding,
                            output_padding=output_padding).tolist()


def _draw(rng, *, stride, padding, extra, rectangular=False, real=False):
    """Random (y, w, stride, padding, output_padding) with a nonempty output."""
    while True:
        s = rng.randint(2, 3) if stride else 1
        p = rng.randint(1, 2) if padding else 0
        a = rng.randint(1, s - 1) if extra and s > 1 else 0
        h = rng.randint(1, 4)
        wd = rng.randint(1, 4) if rectangular else h
        k1 = rng.randint(1, 4)
        k2 = rng.randint(1, 4) if rectangular else k1
        if min((h - 1) * s + k1, (wd - 1) * s + k2) - 2 * p >= 1:
            break
    value = (lambda: round(rng.uniform(-2, 2), 2)) if real else (lambda: rng.randint(-3, 3))
    return ([[value() for _ in range(wd)] for _ in range(h)], [[value() for _ in range(k2)] for _ in range(k1)],
            s, p, a)


FIG_47_Y = np.arange(1, 10).reshape(3, 3).tolist()
ONES3 = [[1, 1, 1]] * 3
ONE_TO_NINE = np.arange(1, 10).reshape(3, 3).tolist()

# --- value questions -----------------------------------------------------------------------------------

def _emulating2(P, *, quoted=False, a_without_p=False, stretched_si=False, ceil=False):
    i, k, s, p = P["i2"], P["k2"], P["s2"], P["p2"]
    if ceil:
        i_prime = -(-(i + 2 * p - k) // s) + 1
    else:
        i_prime = conv_output_size(i, k, s, p)
    i_st = s * i_prime if stretched_si else i_prime + (i_prime - 1) * (s - 1)
    p_prime = k - 1 - 2 * p if quoted else k - p - 1
    a = (i - k) % s if a_without_p else (i + 2 * p - k) % s
    return (i_prime, i_st, p_prime, a)


def _output3(P, *, kernel=None, padding=None, zero_extra=False):
    w = np.array(P["w3"]) if kernel is None else kernel
    out = conv_transpose2d(np.array(P["y3"]), w, stride=P["s3"], padding=P["p3"] if padding is None else padding,
                           output_padding=P["a3"] if padding is None else 0)
    if zero_extra:
        out = out.copy()
        out[-P["a3"]:, :] = 0
        out[:, -P["a3"]:] = 0
    return out.tolist()


def _pad4(P):
    """The smallest padding (and its output_padding) taking i4 to o4 with k4, s4 in PyTorch."""
    D = (P["i4"] - 1) * P["s4"] + P["k4"] - P["o4"]
    p = -(-D // 2)
    return (p, 2 * p - D)


def _p_prime_mistake4(P):
    p, a = _pad4(P)
    return (P["k4"] - p - 1, a)


def _quoted5(P, *, a=True, stretch=True):
    eq = transposed_equivalent(P["i5"], P["k5"], P["s5"], P["p5"])
    base = eq.i_stretched if stretch else eq.i_prime
    return base + 2 * (P["k5"] - 1 - 2 * P["p5"]) + (eq.a if a else 0) - P["k5"] + 1


def _restored6(P, *, rule=None):
    k, s, p = P["k6"], P["s6"], P["p6"]
    rule = rule or (lambda i: (i + 2 * p - k) % s == 0)
    return tuple(i for i in range(P["lo6"], P["hi6"] + 1) if rule(i))


def _size7(P, *, k_term=None, two_p=True, extra=True):
    i, k, s, p, d, a = (P[n] for n in ("i7", "k7", "s7", "p7", "d7", "a7"))
    reach = d * (k - 1) + 1 if k_term is None else k_term
    return (i - 1) * s - (2 * p if two_p else p) + reach + (a if extra else 0)


def _share8(P, *, one_d=False):
    """Share of the emulating convolution's multiplications whose input is a unit of y (exact)."""
    i, k, s, p = P["i8"], P["k8"], P["s8"], P["p8"]
    eq = transposed_equivalent(i, k, s, p)
    mark = np.zeros(eq.i_stretched, dtype=int)
    mark[::s] = 1
    padded = np.pad(mark, (eq.p_prime, eq.p_prime + eq.a))
    useful_1d = int(sum(padded[r:r + k].sum() for r in range(i)))
    share = Fraction(useful_1d, i * k)
    return float(share if one_d else share ** 2)


def _far(value, answer, rel=1e-3):
    return value if abs(value - answer) > rel * abs(answer) else None


def _added9(P, *, source="answer"):
    y, w, s, p, a = np.array(P["y9"]), np.array(P["w9"]), P["s9"], P["p9"], P["a9"]
    if source == "answer":
        return tuple(conv_transpose1d(y, w, stride=s, padding=p, output_padding=a)[-a:].tolist())
    if source == "zeros":
        return (0,) * a
    if source == "before":
        return tuple(conv_transpose1d(y, w, stride=s, padding=p)[-a:].tolist())
    full = conv_transpose1d(y, w, stride=s)
    return tuple(full[-a:].tolist())


SHAPE_FIRST = "Compute i′ (Relationship 6) first; ĩ′ = i′ + (i′ − 1)(s − 1)."

QUESTIONS = [
    Question(
        id="ex05.1", name="conv_transpose_scatter", title="A transposed convolution by scatter", points=4,
        kind=Function(result=Matrix(), time_limit=5.0),
        reference=conv_transpose_scatter,
        examples=[(FIG_47_Y, ONES3, 2, 1, 1), ([[1, 2], [3, 4]], ONES3, 2, 0, 0), ([[1]], ONE_TO_NINE, 2, 1, 1)],
        hidden=[
            # fixed hidden cases differ from the public examples, which students already see
            HiddenGroup("unit stride, no padding", cases=[([[1, 2], [3, 4]], [[1, -1], [2, 0]], 1, 0, 0)],
                        draw=lambda rng: _draw(rng, stride=False, padding=False, extra=False)),
            HiddenGroup("strides", cases=[([[1, -2, 3]], [[1, 2, 3]], 3, 0, 0), (FIG_47_Y, ONE_TO_NINE, 2, 0, 0)],
                        draw=lambda rng: _draw(rng, stride=True, padding=False, extra=False)),
            HiddenGroup("strides, padding and output_padding (computed units)",
                        cases=[(FIG_47_Y, ONE_TO_NINE, 2, 1, 1), ([[2, 1], [0, 3]], ONE_TO_NINE, 3, 2, 2)],
                        draw=lambda rng: _draw(rng, stride=True, padding=True, extra=True)),
            HiddenGroup("output_padding past the full output (zeros)",
                        cases=[([[1, 1], [1, 1]], ONE_TO_NINE, 2, 0, 1), ([[1, 2, 3]], [[1, 2]], 3, 0, 2)],
                        draw=lambda rng: _draw(rng, stride=True, padding=False, extra=True)),
            HiddenGroup("real values, rectangular inputs and kernels", draw=lambda rng: _draw(
                rng, stride=rng.random() < 0.7, padding=rng.random() < 0.5, extra=rng.random() < 0.5,
                rectangular=True, real=True)),
        ],
        hint="Make a zero array for the full output, (rows - 1)·stride + kernel rows (+ output_padding) per axis; "
             "add y[r, c]·w at (r·stride, c·stride); then keep rows/columns padding .. padding + o - 1.",
    ),
    Question(
        id="ex05.2", name="emulating2", title="The emulating convolution's numbers", points=2,
        kind=IntTuple(length=4), answer=_emulating2,
        mistakes=[
            Mistake(lambda P: _emulating2(P, quoted=True), "Your p′ subtracts the padding twice (p′ = k − 1 − 2p): "
                    "the emulating padding is p′ = k − p − 1 per side."),
            Mistake(lambda P: _emulating2(P, a_without_p=True), "Your a leaves out the padding: a = (i + 2p − k) mod s."),
            Mistake(lambda P: _emulating2(P, stretched_si=True), "s − 1 zeros go *between* neighbours only: "
                    "ĩ′ = i′ + (i′ − 1)(s − 1), not s·i′."),
            Mistake(lambda P: _emulating2(P, ceil=True), "i′ is the direct convolution's output size: round "
                    "(i + 2p − k)/s down, not up."),
        ],
        checks=[Check("answer[3] < s2", "a is a remainder modulo the stride: 0 <= a < s2."),
                Check("answer[1] >= answer[0]", "Stretching inserts zeros: ĩ′ is at least i′.")],
        hint=SHAPE_FIRST + " Then p′ = k − p − 1 and a = (i + 2p − k) mod s; check that ĩ′ + 2p′ + a − k + 1 = i.",
    ),
    Question(
        id="ex05.3", name="out3", title="A transposed output predicted by hand", points=2, kind=Matrix(),
        answer=_output3,
        mistakes=[
            Mistake(lambda P: _output3(P, kernel=np.rot90(np.array(P["w3"]), 2)), "You rotated the kernel: the "
                    "scatter adds copies of w as it is; only the emulating direct convolution rotates it."),
            Mistake(lambda P: _output3(P, padding=0), "That is the full scatter output: padding p3 crops p3 "
                    "units from each side, and output_padding gives a3 back at the end."),
            Mistake(lambda P: _output3(P, zero_extra=True), "The output_padding row and column are computed "
                    "values here (a3 <= p3): they are scatter outputs the crop had removed, not zeros."),
            Mistake(lambda P: np.array(_output3(P)).T.tolist(), "Your matrix is transposed: y3[r, c]'s copy "
                    "starts at row r·s3, column c·s3 of the full output."),
        ],
        checks=[Check("len(answer) == (len(y3) - 1) * s3 - 2 * p3 + len(w3) + a3",
                      "Your matrix should have (i′ − 1)s − 2p + k + output_padding rows.")],
        hint="Scatter the four weighted copies of w3 into the full output, then crop p3 from the top and left and "
             "keep as many rows/columns as the output size says.",
    ),
    Question(
        id="ex05.4", name="args4", title="padding and output_padding for a target size", points=2,
        kind=IntTuple(length=2), answer=_pad4,
        mistakes=[
            Mistake(_p_prime_mistake4, "You gave p′ = k − p − 1, the emulating convolution's padding; PyTorch's "
                    "padding is the direct convolution's p, which crops the output."),
            Mistake(lambda P: ((P["i4"] - 1) * P["s4"] + P["k4"] - P["o4"], 0) if _pad4(P)[1] or
                    (P["i4"] - 1) * P["s4"] + P["k4"] - P["o4"] != _pad4(P)[0] else None,
                    "padding crops p units from *each* side: it removes 2p units."),
            Mistake(lambda P: (_pad4(P)[0], 0) if _pad4(P)[1] else None, "With output_padding 0 the output is "
                    "one unit short of o4."),
        ],
        checks=[Check("answer[1] < s4 and answer[0] >= 0", "output_padding must be below the stride, padding >= 0.")],
        hint="o = (i − 1)s − 2·padding + k + output_padding with 0 <= output_padding < s; try the smallest padding.",
    ),
    Question(
        id="ex05.5", name="quoted5", title="Spot the error: p′ = k − 1 − 2p", points=2, kind=Int(),
        answer=_quoted5,
        mistakes=[
            Mistake(lambda P: P["i5"], "That is what the correct p′ = k − p − 1 gives back (i5); the question asks "
                    "what the quoted formula's p′ gives."),
            Mistake(lambda P: _quoted5(P, a=False) if transposed_equivalent(P["i5"], P["k5"], P["s5"], P["p5"]).a
                    else None, "You left out the a extra zeros at the bottom/right."),
            Mistake(lambda P: _quoted5(P, stretch=False) if P["s5"] > 1 else None, "The emulating input is the "
                    "stretched ĩ′ (zeros between units), not i′."),
        ],
        checks=[Check("answer < i5", "The quoted p′ is smaller than the correct one, so less comes back than i5.")],
        hint="Build the emulating convolution with the quoted p′: its input is ĩ′ + 2p′ + a, the kernel k5, stride 1.",
    ),
    Question(
        id="ex05.6", name="restored6", title="Which input sizes come back?", points=2,
        kind=IntTuple(unordered=True), answer=_restored6,
        mistakes=[
            Mistake(lambda P: tuple(range(P["lo6"], P["hi6"] + 1)), "That is the popular claim that the same "
                    "settings always restore the size: they give back i − a, a = (i + 2p − k) mod s."),
            Mistake(lambda P: _restored6(P, rule=lambda i: (i - P["k6"]) % P["s6"] == 0) if P["p6"] else None,
                    "You left out the padding: the condition is (i + 2p − k) mod s = 0."),
            Mistake(lambda P: _restored6(P, rule=lambda i: (i + 2 * P["p6"] - P["k6"]) % P["s6"] != 0),
                    "Reversed: the size comes back when the remainder a is 0."),
        ],
        checks=[Check("all(lo6 <= i <= hi6 for i in answer)", "List sizes between lo6 and hi6 only.")],
        hint="Going forward loses the remainder (i + 2p − k) mod s; coming back with output_padding 0 cannot restore it.",
    ),
    Question(
        id="ex05.7", name="size7", title="Output size of a dilated transposed layer", points=1, kind=Int(),
        answer=lambda P: transposed_output_size(P["i7"], P["k7"], P["s7"], P["p7"], P["d7"], P["a7"]),
        mistakes=[
            Mistake(lambda P: _size7(P, k_term=P["k7"]), "You ignored the dilation: the kernel reaches "
                    "d(k − 1) + 1 units."),
            Mistake(lambda P: _size7(P, k_term=P["d7"] * (P["k7"] - 1)), "You forgot the +1: a dilated kernel "
                    "spans d(k − 1) + 1 units."),
            Mistake(lambda P: _size7(P, two_p=False), "padding crops from both sides: subtract 2p."),
            Mistake(lambda P: _size7(P, extra=False), "You left out output_padding, added at the end."),
        ],
        hint="PyTorch: (i − 1)s − 2p + d(k − 1) + output_padding + 1.",
    ),
    Question(
        id="ex05.8", name="share8", title="How many multiplications are useful?", points=2,
        kind=Number(rel_tol=1e-3), answer=_share8,
        mistakes=[
            Mistake(lambda P: _far(1 / P["s8"] ** 2, _share8(P)), "1/s² is the limit for large inputs; count this "
                    "input exactly (the border rows and columns change it)."),
            Mistake(lambda P: _far(_share8(P, one_d=True), _share8(P)), "That is the share along one axis; in 2-D "
                    "both axes must hit a real unit: square it."),
            Mistake(lambda P: _far(conv_output_size(P["i8"], P["k8"], P["s8"], P["p8"]) ** 2 / P["i8"] ** 2,
                                   _share8(P)),
                    "That counts every product of the scatter, including the ones that land in the cropped "
                    "border; count the emulating convolution's products that read a unit of y."),
        ],
        checks=[Check("0 < answer <= 1", "A share lies between 0 and 1.")],
        hint="Mark the units of y with 1 in the stretched, padded input (zeros elsewhere); for each of the i8 × i8 "
             "output positions count the marked cells under the k8 × k8 kernel; divide by i8²·k8².",
    ),
    Question(
        id="ex05.9", name="added9", title="What output_padding adds", points=2, kind=IntTuple(), answer=_added9,
        mistakes=[
            Mistake(lambda P: _added9(P, source="zeros") if _added9(P) != _added9(P, source="zeros") else None,
                    "Not all of them are zeros: the first min(a9, p9) added units lie inside the full scatter "
                    "output (the crop had removed them), so they are computed values; only units past its end are zeros."),
            Mistake(lambda P: _added9(P, source="before") if _added9(P) != _added9(P, source="before") else None,
                    "Those are the last units without output_padding; output_padding adds units after them."),
            Mistake(lambda P: _added9(P, source="full") if _added9(P) != _added9(P, source="full") else None,
                    "Those are the last units of the full scatter output, but the kept output starts p9 units "
                    "in: its added units are full-output units p9 + o − a9 ... p9 + o − 1 (zeros past the end)."),
        ],
        checks=[Check("len(answer) == a9", "output_padding adds a9 units.")],
        hint="Scatter into the full output ((i′ − 1)s + k units), keep units p9, p9 + 1, ...; the added units are "
             "the last a9 kept ones, zero where they lie past the full output.",
    ),
    Question(
        id="ex05.10", name="kernel10", title="The emulating convolution's kernel", points=1, kind=Matrix(),
        answer=lambda P: np.rot90(np.array(P["w10"]), 2).tolist(),
        mistakes=[
            Mistake(lambda P: P["w10"], "That is the unflipped kernel: the emulating direct convolution uses it "
                    "rotated by 180°."),
            Mistake(lambda P: np.array(P["w10"]).T.tolist(), "A transpose swaps rows and columns; the emulating "
                    "kernel reverses both axes (a 180° rotation)."),
            Mistake(lambda P: np.array(P["w10"])[::-1].tolist(), "You flipped only the rows: reverse both axes."),
            Mistake(lambda P: np.array(P["w10"])[:, ::-1].tolist(), "You flipped only the columns: reverse both axes."),
        ],
        checks=[Check("len(answer) == len(w10) and len(answer[0]) == len(w10[0])", "The kernel keeps its shape.")],
        hint="In the scatter, weight w[m, n] lands m rows below and n columns right of its input unit; read "
             "from an output unit, which input meets w[0, 0]?",
    ),
]

def _same(value, answer) -> bool:
    if isinstance(answer, float):
        return abs(value - answer) <= 1e-3 * abs(answer)
    return np.array_equal(np.asarray(value), np.asarray(answer))


def _guard(question):
    """Silence each declared mistake for the variants in which it gives the right answer."""
    def guarded(mistake):
        def wrong(P):
            value = mistake.answer(P)
            return None if value is None or _same(value, question.answer(P)) else value
        return Mistake(wrong, mistake.hint)
    question.mistakes = [guarded(m) for m in question.mistakes]
    return question


QUESTIONS = [_guard(q) if q.answer else q for q in QUESTIONS]
EXERCISE_SET = ExerciseSet(
    id="ex05", notebook="05_transposed_convolution.ipynb", title="Transposed convolution",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
