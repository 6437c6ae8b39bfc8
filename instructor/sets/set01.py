"""Exercise set ex01 — discrete convolution (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters with course_lib's math modules,
in the grader's process. The questions: an output by hand (stride and padding, other numbers than
Figure 1.2, whose output lesson 01 prints), a convolution loop (function), the output shape of a
multi-channel layer, a weight array's shape, the parameters of a convolution and of a fully
connected layer between the same units (weight sharing), multiply-adds, which unit-stride outputs
a convolution with different strides along its two axes keeps, what the stride saves, the kernel
for a true convolution (a 2 × 3 kernel with no symmetry), a 3-D layer on optical flow; then true
claims (choice), a multi-channel 1-D layer with a bug to find and fix (function), and what Keras
does with a ported PyTorch layer (from ``frameworks.WEIGHT_LAYOUTS``, checked against the
frameworks by ``make crosscheck``).

The defaults are not the lesson's layers (AlexNet's and the DQN's first layers are computed in
lesson 01): every default separates every declared mistake (``tests/test_variant_separation.py``),
and ``generate`` draws each question's numbers once, from ranges where every declared mistake shows;
``ExerciseSet.draw`` redraws the rare variant (about 1 in 500) where two still coincide.
"""

import numpy as np

from course_lib import frameworks
from course_lib.arithmetic import conv_multiply_adds, conv_output_size, conv_parameter_count
from course_lib.grading.kinds import Choice, Function, Int, IntTuple, Matrix
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.numeric import conv1d, conv2d

# Figures 1.1 and 1.2: numpy.random.RandomState(1234).randint(0, 4, (5, 5)) and the guide's kernel.
GUIDE_INPUT = np.random.RandomState(1234).randint(0, 4, (5, 5)).tolist()
GUIDE_KERNEL = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]

DEFAULTS = {
    # Figure 1.2's stride and padding on another input and a kernel with no symmetry
    "x1": [[1, 0, 2, 3, 1], [2, 1, 0, 1, 3], [0, 3, 1, 2, 0], [1, 2, 3, 0, 1], [3, 0, 1, 1, 2]],
    "w1": [[1, 0, 2], [-1, 1, 0], [0, 2, 1]], "s1": 2, "p1": 1,
    "c3": 3, "h3": 96, "w3": 128, "f3": 64, "k3": 7, "s3": 3, "p3": 2,   # a 7 × 7 first layer at stride 3
    "c4": 8, "i4": 40, "f4": 24, "k4": 7, "s4": 2, "p4": 2,              # a middle layer
    "h7": 7, "w7": 9, "k7": 3, "sr7": 2, "sc7": 3, "p7": 2,              # strides (2, 3), full padding
    "g9": [[1, 2, 0], [0, -1, 3]],                                         # 2 × 3, no symmetry
    "c10": 2, "t10": 16, "h10": 112, "f10": 64, "k10": 3, "p10": 1,      # optical flow (x, y) over 16 frames
    "c13": 3, "f13": 16, "kh13": 5, "kw13": 7, "s13": 2, "n13": 8, "h13": 32, "w13": 48,
}


def _asymmetric_kernel(rng, rows, cols, low=-2, high=2):
    """A kernel that differs from its flips and its transpose, all pairwise (so every mistake shows).

    Its four corners are four different numbers, each corner of a flip, rotation or transpose is
    then another one; the other entries are random.
    """
    g = [[rng.randint(low, high) for _ in range(cols)] for _ in range(rows)]
    g[0][0], g[0][-1], g[-1][0], g[-1][-1] = rng.sample(range(low, high + 1), 4)
    return g


def _draw1(rng):
    """Figure 1.2's stride and padding on a random input, with a kernel that has no symmetry."""
    return {"x1": [[rng.randint(0, 3) for _ in range(5)] for _ in range(5)],
            "w1": _asymmetric_kernel(rng, 3, 3, -1, 2), "s1": 2, "p1": 1}


def _axis_size(rng, s, p, k, remainder, low, high):
    """An input size i in [low, high] with (i + 2p - k) % s == remainder."""
    q = rng.randint(-(-(low - remainder + 2 * p - k) // s), (high - remainder + 2 * p - k) // s)
    return s * q + remainder - 2 * p + k


def _draw3(rng):
    """A first layer on a non-square input (rows h3, columns w3) whose spatial mistakes all differ.

    Along one axis (i + 2p - k) % s = s - 1, along the other it is at most 2p - s - 1, with p = s - 1:
    padding counted once then equals the answer along the first axis and forgetting the +1 along
    the second, so it differs from both; leaving out the padding loses more than the +1 along the
    second axis; rounding up shows along the first; the unit-stride output is not s times the
    strided one along the second (ex01.8's s² shortcut), and 2p != k - 1 (so it is not the input
    size either)."""
    s = rng.choice([3, 4])
    p = s - 1
    k = rng.choice([9, 11] if p == 3 else [7, 9, 11])
    sizes = [_axis_size(rng, s, p, k, s - 1, 56, 240), _axis_size(rng, s, p, k, rng.randint(0, 2 * p - s - 1), 56, 240)]
    if (sizes[0] + 2 * p - k) // s == (sizes[1] + 2 * p - k) // s:   # rows and columns must give two sizes
        sizes[1] += s if sizes[1] + s <= 240 else -s
    rng.shuffle(sizes)
    outputs = {(i + 2 * p - k) // s + 1 for i in sizes}   # C_out unlike both, so no order of the axes passes
    return {"c3": rng.choice([3, 4]), "h3": sizes[0], "w3": sizes[1],
            "f3": rng.choice([f for f in (32, 48, 64, 96) if f not in outputs]), "k3": k, "s3": s, "p3": p}


def _draw4(rng):
    """A layer with several input maps, a stride, a padding that is not "half" (2p4 != k4 - 1, so the
    unit-stride output is not the input's size) and larger than (i4 + 2p4 - k4) % s4 (so padding
    counted once loses an output unit)."""
    s, k = rng.randint(2, 3), rng.randint(3, 7)
    p = rng.choice([p for p in range(1, k) if 2 * p != k - 1])
    return {"c4": rng.randint(2, 8), "i4": _axis_size(rng, s, p, k, rng.randint(0, min(p, s) - 1), 24, 64),
            "f4": rng.choice([12, 16, 24, 32]), "k4": k, "s4": s, "p4": p}


def _draw7(rng):
    """A non-square input, two different strides (2 and 3), a 3 × 3 kernel with full padding (p7 = 2,
    so the unit-stride output is neither the input's size nor the padded input's).

    The unit-stride output's length e along each axis is chosen so that every mistake shows along
    one of them: along the stride-2 axis e is even and along the stride-3 axis e % 3 == 1 (or e is
    odd and e % 3 == 2), so forgetting the +1 and taking the input size keep other entries."""
    k, p = 3, 2
    odd = rng.random() < 0.5
    ends = {2: 2 * rng.randint(3, 5) + odd, 3: 3 * rng.randint(2, 4) + (2 if odd else 1)}
    strides = rng.sample([2, 3], 2)
    h, w = (ends[s] - 2 * p + k - 1 for s in strides)
    return {"h7": h, "w7": w, "k7": k, "sr7": strides[0], "sc7": strides[1], "p7": p}


def _draw10(rng):
    """Unit strides, "same" padding or less, and as many input maps as never the kernel size."""
    k = rng.choice([3, 5])
    return {"c10": rng.choice([2] if k == 3 else [2, 3]), "t10": rng.choice([8, 12, 16]),
            "h10": rng.choice([56, 64, 112]), "f10": rng.choice([16, 32, 64]), "k10": k,
            "p10": rng.randint(1, k // 2)}


def _draw13(rng):
    """A non-square kernel and input, channel counts unlike every other size, a stride."""
    kh, kw = rng.sample([1, 2, 3, 4, 5, 7], 2)
    h, w = rng.sample([24, 28, 32, 40, 48, 64], 2)
    s = rng.randint(2, 3)
    rows = (h - kh) // s + 1   # C_out unlike the output's rows, so PyTorch's (N, C, H, W) cannot pass
    return {"c13": rng.choice([c for c in (1, 2, 3, 4) if c not in (kh, kw)]),
            "f13": rng.choice([f for f in (8, 16, 32, 64) if f != rows]),
            "kh13": kh, "kw13": kw, "s13": s, "n13": rng.randint(2, 16), "h13": h, "w13": w}


def generate(rng):
    """One student's parameters, each question's block drawn once from ranges where every declared
    mistake shows (:meth:`ExerciseSet.draw` redraws the rare variant where two still coincide)."""
    P = _draw1(rng)
    P.update(_draw3(rng))
    P.update(_draw4(rng))
    P.update(_draw7(rng))
    P["g9"] = _asymmetric_kernel(rng, rng.randint(2, 3), 3)
    P.update(_draw10(rng))
    P.update(_draw13(rng))
    return P


# --- ex01.1 -----------------------------------------------------------------------------------------

def _output1(P, *, kernel=None, stride=None, padding=None):
    """The answer of ex01.1, or (with the keywords) what a common mistake computes."""
    w = np.array(P["w1"]) if kernel is None else kernel
    return conv2d(np.array(P["x1"]), w, stride=P["s1"] if stride is None else stride,
                  padding=P["p1"] if padding is None else padding).tolist()


# --- ex01.2 -----------------------------------------------------------------------------------------

def conv2d_loop(x, w, stride, padding):
    """Reference for ex01.2: course_lib's conv2d (torch.nn.functional semantics), as nested lists."""
    return conv2d(np.array(x), np.array(w), stride=stride, padding=padding).tolist()


def _draw(rng, *, stride, padding, rectangular=False, real=False, quarters=False):
    """Random (x, w, stride, padding) whose kernel fits in the padded input; with ``quarters``, an
    integer input and a kernel of multiples of 0.25, at least one of them not a whole number."""
    s = rng.randint(2, 3) if stride else 1
    p = rng.randint(1, 2) if padding else 0
    k1 = rng.randint(1, 4)
    k2 = rng.randint(1, 4) if rectangular else k1
    h = rng.randint(max(1, k1 - 2 * p), 9)
    wd = rng.randint(max(1, k2 - 2 * p), 9) if rectangular else h
    value = (lambda: round(rng.uniform(-2, 2), 2)) if real else (lambda: rng.randint(-3, 3))
    x = [[value() for _ in range(wd)] for _ in range(h)]
    w = [[value() for _ in range(k2)] for _ in range(k1)]
    if quarters:
        w = [[rng.randint(-8, 8) / 4 for _ in range(k2)] for _ in range(k1)]
        w[rng.randrange(k1)][rng.randrange(k2)] = rng.choice([-1, 1]) * rng.choice([0.25, 0.5, 0.75, 1.25, 1.5])
    return (x, w, s, p)


# One public example per hidden group; inputs and kernels are not square, so a mix-up of rows and
# columns fails at once.
EXAMPLE2_UNIT = ([[1, 2, 0, 3], [4, -1, 2, 0], [0, 1, 3, -2]], [[1, 0], [-1, 2]], 1, 0)
EXAMPLE2_PADDED = ([[2, -1, 0], [1, 3, 1]], [[1, 2, 0], [0, -1, 1]], 1, 2)
EXAMPLE2_STRIDED = ([[1, 2, 3, 4, 5, 6, 7], [0, 1, 0, 2, 0, 3, 0], [3, 1, -2, 0, 1, 1, 2], [1, 1, 1, 0, 0, 2, -1]],
                    [[1, 0], [2, -1]], 3, 0)
EXAMPLE2_BOTH = ([[1, 0, 2, -1, 3, 1], [2, 1, 0, 0, -2, 1], [0, 3, 1, 2, 1, 0], [-1, 2, 0, 1, 1, 2]],
                 [[1, -1], [0, 2], [3, 1]], 2, 1)
EXAMPLE2_QUARTERS = ([[2, 0, -1, 3], [1, 4, 2, -2], [0, -3, 1, 1]], [[0.5, -0.25, 1], [0.75, 0, -1.5]], 1, 1)
EXAMPLE2_REAL = ([[0.5, -1.25, 2.0, 1.5], [1.0, 0.25, -0.75, 2.5], [-2.0, 1.75, 0.5, -0.5]],
                 [[1.5, -0.5], [0.25, 2.0]], 2, 1)


# --- ex01.3 to ex01.6, ex01.8, ex01.10 ----------------------------------------------------------------

def _o(i, k, s=1, p=0, *, ceil=False):
    """Relationship 6 as plain arithmetic (mistakes may leave the valid range without raising)."""
    return (-(-(i + 2 * p - k) // s) if ceil else (i + 2 * p - k) // s) + 1


def _sizes3(P, **how):
    """The (rows, columns) of ex01.3's output, or (with ``_o``'s keywords or p=, s=) a mistake's."""
    s, p = how.pop("s", P["s3"]), how.pop("p", P["p3"])
    return tuple(_o(P[axis], P["k3"], s, p, **how) for axis in ("h3", "w3"))


def _shape3(P):
    return (P["f3"],) + _sizes3(P)


def _padded_once3(P):
    """Padding counted once along each axis (i + p - k instead of i + 2p - k)."""
    return tuple((P[axis] + P["p3"] - P["k3"]) // P["s3"] + 1 for axis in ("h3", "w3"))


def _macs(c_in, c_out, k, o):
    """Multiply-adds of a layer with k × k kernels and o output units per map (o: a number or (rows, columns))."""
    rows, cols = (o, o) if isinstance(o, int) else o
    return c_out * rows * cols * c_in * k * k


def _o4(P, **how):
    return _o(P["i4"], P["k4"], P["s4"], P["p4"], **how)


def _params5(P, *, conv_bias=True, c_in=None, dense_biases="unit", connections=False, o=None):
    """The answer of ex01.5 (convolution, fully connected), or (with the keywords) a mistake's."""
    c_in = P["c4"] if c_in is None else c_in
    o = _o4(P) if o is None else o
    conv = conv_parameter_count(c_in, P["f4"], (P["k4"], P["k4"]), bias=conv_bias)
    if connections:
        conv *= o * o
    inputs, outputs = P["c4"] * P["i4"] ** 2, P["f4"] * o * o
    biases = {"unit": outputs, "map": P["f4"], "none": 0}[dense_biases]
    return (conv, inputs * outputs + biases)


def _costs8(P):
    o_strided = tuple(conv_output_size(P[axis], P["k3"], P["s3"], P["p3"]) for axis in ("h3", "w3"))
    o_unit = tuple(conv_output_size(P[axis], P["k3"], 1, P["p3"]) for axis in ("h3", "w3"))
    return (conv_multiply_adds(P["c3"], P["f3"], (P["k3"],) * 2, o_strided),
            conv_multiply_adds(P["c3"], P["f3"], (P["k3"],) * 2, o_unit))


def _layer10(P, *, bias=True, c_in=None, depth_kernel=True):
    o_t = conv_output_size(P["t10"], P["k10"], 1, P["p10"])
    o_h = conv_output_size(P["h10"], P["k10"], 1, P["p10"])
    kernel = (P["k10"],) * (3 if depth_kernel else 2)
    params = conv_parameter_count(P["c10"] if c_in is None else c_in, P["f10"], kernel, bias=bias)
    return (P["f10"], o_t, o_h, o_h, params)


# --- ex01.7 -----------------------------------------------------------------------------------------

def _kept7(P, *, first=0, strides=None, padding=None, strided_indices=False, end=None):
    """The (row, column) entries of the unit-stride output that the strided convolution keeps, or
    (with the keywords) what a common mistake keeps."""
    sr, sc = (P["sr7"], P["sc7"]) if strides is None else strides
    p = P["p7"] if padding is None else padding

    def axis(i, s):
        if strided_indices:
            return range(conv_output_size(i, P["k7"], s, p))
        last = {None: _o(i, P["k7"], 1, p), "past": i + 2 * p, "input": i, "no +1": i + 2 * p - P["k7"]}[end]
        start = s - 1 if first == "last" else first
        return range(start, last, s)

    return sorted((r, c) for r in axis(P["h7"], sr) for c in axis(P["w7"], sc))


# --- ex01.11 ----------------------------------------------------------------------------------------

CLAIMS11 = (
    "A layer from C_in to C_out maps with k × k kernels has C_out · C_in · k² weights: every output map has "
    "a kernel for each input map.",
    "Doubling the input's height and width doubles the layer's number of parameters.",
    "A stride-2 convolution keeps the unit-stride outputs with the odd indices 1, 3, 5, … (Python's "
    "indices, counted from 0).",
    "`conv2d(x, w.T)` gives the true convolution of x with w for every square kernel w.",
    "`conv2d(x, np.rot90(w, 2))` gives the true convolution of x with w, for rectangular kernels too.",
    "For every input size, the unit-stride route (compute every output, keep one in s along each axis) costs "
    "exactly s² times as many multiply-adds as the strided convolution.",
    "The multiply-add count C_out · o₁o₂ · C_in · k₁k₂ includes products with padding zeros.",
)
HINTS11 = {
    "A": "Each output map sums one k × k kernel per input map: C_out · C_in kernels in all (lesson 01's "
         "common mistake counts only C_out).",
    "B": "Weight sharing: the same kernels slide over every position, so the parameters do not depend on the "
         "input size; the multiply-adds do.",
    "C": "The guide's 'odd elements' count from 1; in Python's indices the kept outputs are 0, s, 2s, …: the "
         "first kernel position is always kept.",
    "D": "A transpose swaps rows and columns; the flip reverses both axes. `w.T` works only for a kernel "
         "symmetric about its anti-diagonal.",
    "E": "Rotating by 180° reverses both axes, the flip a true convolution needs, whatever the kernel's shape.",
    "F": "The ratio is that of the numbers of output units, (o⁽¹⁾/o⁽ˢ⁾)²: at most s², equal to it only for "
         "some sizes, and close to it for large inputs.",
    "G": "The formula counts every weight meeting a unit of the padded input, zeros included; it equals the "
         "layer matrix's nonzeros only when p = 0.",
}


# --- ex01.12 ----------------------------------------------------------------------------------------

def layer1d(x, w, b, stride=1, padding=0):
    """Reference for ex01.12: a 1-D layer, x (C_in, L), w (C_out, C_in, k), b (C_out,) -> (C_out, o)."""
    return conv1d(np.array(x), np.array(w), np.array(b), stride=stride, padding=padding).tolist()


def _draw12(rng, group):
    """(x, w, b, stride, padding) with several input maps and biases that are not zero."""
    real = group == "real"
    c_in = {"two": 2, "strided": rng.randint(3, 4), "real": rng.randint(2, 3)}[group]
    c_out = rng.randint(1, 3)
    s = {"two": 1, "strided": rng.randint(2, 3), "real": rng.randint(1, 3)}[group]
    p = {"two": 0, "strided": rng.randint(1, 2), "real": rng.randint(0, 2)}[group]
    k = rng.randint(1, 4)
    length = rng.randint(max(1, k - 2 * p), 9)
    value = (lambda: round(rng.uniform(-2, 2), 2)) if real else (lambda: rng.randint(-3, 3))
    nonzero = (lambda: rng.choice([-1, 1]) * round(rng.uniform(0.25, 2), 2)) if real else \
        (lambda: rng.choice([-3, -2, -1, 1, 2, 3]))
    x = [[value() for _ in range(length)] for _ in range(c_in)]
    w = [[[value() for _ in range(k)] for _ in range(c_in)] for _ in range(c_out)]
    return (x, w, [nonzero() for _ in range(c_out)], s, p)


EXAMPLE12_TWO = ([[1, 2, 0, -1, 3], [0, 1, 2, 2, -2]], [[[1, -1], [2, 0]], [[0, 1], [1, 1]], [[3, 0], [-1, 2]]],
                 [1, -2, 3], 1, 0)
EXAMPLE12_STRIDED = ([[1, 0, 2, 3, -1, 2, 1], [2, 1, -1, 0, 1, 0, 3], [0, 2, 1, 1, 2, -2, 1]],
                     [[[1, 0, 2], [0, 1, -1], [2, 1, 0]], [[-1, 1, 1], [1, 0, 0], [0, 2, 1]]], [2, -1], 3, 1)
EXAMPLE12_REAL = ([[0.5, -1.5, 2.0, 1.25], [1.0, 0.75, -0.5, 2.5]], [[[1.5, -0.5, 0.25], [2.0, 1.0, -1.25]]],
                  [0.75], 2, 2)


# --- ex01.13 ----------------------------------------------------------------------------------------

def _port13(P, *, kernel=None, output=None, stride=None):
    """The answer of ex01.13 ((Keras kernel shape), (Keras output shape)), or a mistake's.

    The kernel shape is PyTorch's weight moved into Keras's layout with ``frameworks.convert_weight``
    (``frameworks.WEIGHT_LAYOUTS``, which ``make crosscheck`` verifies by running both frameworks).
    """
    torch_weight = np.zeros((P["f13"], P["c13"], P["kh13"], P["kw13"]))
    layouts = frameworks.WEIGHT_LAYOUTS["pytorch", "conv"], frameworks.WEIGHT_LAYOUTS["keras", "conv"]
    target = layouts[1] if kernel is None else kernel
    kernel_shape = tuple(frameworks.convert_weight(torch_weight, layouts[0], target).shape)
    s = P["s13"] if stride is None else stride
    rows, cols = _o(P["h13"], P["kh13"], s), _o(P["w13"], P["kw13"], s)
    shapes = {"NHWC": (P["n13"], rows, cols, P["f13"]), "NCHW": (P["n13"], P["f13"], rows, cols)}
    return (kernel_shape, shapes["NHWC" if output is None else output])


FORGOT_ONE = "You forgot the +1: a kernel that fits exactly once still gives one output unit."
PADDED_ONCE = "You counted the padding once: the zeros are added on both sides, so each axis grows by 2p."
NO_BIAS = "You left out the biases: one per output map (per kernel)."
NO_C_IN = ("Each output map has a kernel for every input map: the weights of one output map span all "
           "C_in input maps.")
FLIPPED = ("That is the flipped kernel (a true convolution): the guide and deep-learning libraries lay the "
           "kernel on the input as it is (cross-correlation).")

QUESTIONS = [
    Question(
        id="ex01.1", name="y1", title="An output predicted by hand", points=2, kind=Matrix(),
        answer=_output1,
        mistakes=[
            Mistake(lambda P: _output1(P, kernel=np.rot90(np.array(P["w1"]), 2)), FLIPPED),
            Mistake(lambda P: np.array(_output1(P)).T.tolist(), "Your matrix is transposed: row r of the "
                    "output comes from rows r·s1, r·s1 + 1, ... of the padded input."),
            Mistake(lambda P: _output1(P, padding=0), "You left out the padding (or, the same numbers, kept the "
                    "unit-stride outputs 1, 3, ...): surround x1 with p1 rings of zeros first, so the first "
                    "kernel position hangs over the top-left corner."),
            Mistake(lambda P: _output1(P, stride=1), "You ignored the stride: the kernel jumps s1 units at a time, "
                    "so only every s1-th position gives an output."),
        ],
        checks=[Check("len(answer) == (len(x1) + 2 * p1 - len(w1)) // s1 + 1",
                      "Your matrix should have one row per kernel position.",
                      "Count the kernel's positions down the padded input.")],
        hint="Pad x1 first. For output unit (r, c), where does the kernel's top-left weight sit after r jumps "
             "down and c jumps to the right?",
    ),
    Question(
        id="ex01.2", name="conv2d_loop", title="A convolution loop with stride and padding", points=4,
        kind=Function(result=Matrix(), time_limit=5.0),
        reference=conv2d_loop,
        examples=[EXAMPLE2_UNIT, EXAMPLE2_PADDED, EXAMPLE2_STRIDED, EXAMPLE2_BOTH, EXAMPLE2_QUARTERS, EXAMPLE2_REAL],
        hidden=[
            # fixed hidden cases differ from the public examples, which students already see
            HiddenGroup("unit stride, no padding", cases=[([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]], 1, 0)],
                        draw=lambda rng: _draw(rng, stride=False, padding=False, rectangular=True),
                        example=EXAMPLE2_UNIT),
            HiddenGroup("zero padding", cases=[(GUIDE_INPUT, GUIDE_KERNEL, 1, 2), ([[5]], [[1, 2, 3]] * 3, 1, 1)],
                        draw=lambda rng: _draw(rng, stride=False, padding=True, rectangular=True),
                        example=EXAMPLE2_PADDED),
            HiddenGroup("strides", cases=[(GUIDE_INPUT, GUIDE_KERNEL, 2, 0), ([[1, 2, 3, 4, 5, 6]], [[1]], 4, 0)],
                        draw=lambda rng: _draw(rng, stride=True, padding=False, rectangular=True),
                        example=EXAMPLE2_STRIDED),
            HiddenGroup("strides and padding, rectangular inputs and kernels",
                        cases=[(GUIDE_INPUT, [[1, 2], [3, 4]], 3, 1), ([[1, 2, 3], [4, 5, 6]], [[1, 0, -1]], 2, 1)],
                        draw=lambda rng: _draw(rng, stride=True, padding=True, rectangular=True),
                        example=EXAMPLE2_BOTH),
            HiddenGroup("integer inputs with a fractional kernel",
                        cases=[([[1, 2, 3], [4, 5, 6]], [[0.5, -0.25]], 1, 0)],
                        draw=lambda rng: _draw(rng, stride=rng.random() < 0.5, padding=rng.random() < 0.5,
                                               rectangular=True, quarters=True),
                        example=EXAMPLE2_QUARTERS),
            HiddenGroup("real-valued inputs and kernels", draw=lambda rng: _draw(
                rng, stride=rng.random() < 0.5, padding=rng.random() < 0.5, rectangular=True, real=True),
                example=EXAMPLE2_REAL),
        ],
        hint="Take the public example that fails and work it out by hand: pad, count the kernel's positions "
             "along each axis, compute one output unit. Then compare with your function's result: its shape, "
             "that unit's value, and the kind of numbers it holds.",
    ),
    Question(
        id="ex01.3", name="shape3", title="The output shape of a multi-channel layer", points=1,
        kind=IntTuple(length=3), answer=_shape3,
        mistakes=[
            Mistake(lambda P: (P["c3"],) + _shape3(P)[1:], "The output has one map per kernel: f3 maps, "
                    "whatever the number of input maps."),
            Mistake(lambda P: _shape3(P)[1:] + (P["f3"],), "Give the shape channels first, (C_out, rows, "
                    "columns), as PyTorch and course_lib do."),
            Mistake(lambda P: (P["f3"],) + _sizes3(P)[::-1], "You swapped rows and columns: the rows come "
                    "from the input's h3 rows, the columns from its w3 columns."),
            Mistake(lambda P: (P["f3"],) + _sizes3(P, s=1), "You ignored the stride: "
                    "the kernel jumps s3 units at a time, so only every s3-th position gives an output."),
            Mistake(lambda P: (P["f3"],) + _sizes3(P, ceil=True),
                    "You rounded up; the number of kernel positions rounds (i + 2p - k) / s down, since the "
                    "kernel must fit."),
            Mistake(lambda P: (P["f3"],) + tuple(o - 1 for o in _sizes3(P)), FORGOT_ONE),
            Mistake(lambda P: (P["f3"],) + _sizes3(P, p=0) if P["p3"] else None,
                    "You left out the padding: p3 zeros on every side make the rows h3 + 2·p3 long and the "
                    "columns w3 + 2·p3."),
            Mistake(lambda P: (P["f3"],) + _padded_once3(P) if P["p3"] else None, PADDED_ONCE),
        ],
        hint="Channels: how many maps does the layer write? Rows and columns: count the kernel's positions "
             "along each axis of the padded input, one axis at a time.",
    ),
    Question(
        id="ex01.4", name="weights4", title="The weight array's shape", points=1, kind=IntTuple(length=4),
        answer=lambda P: (P["f4"], P["c4"], P["k4"], P["k4"]),
        mistakes=[
            Mistake(lambda P: (P["c4"], P["f4"], P["k4"], P["k4"]), "You swapped the channel axes: PyTorch's "
                    "weights are (C_out, C_in, k1, k2), output maps first."),
            Mistake(lambda P: (P["k4"], P["k4"], P["c4"], P["f4"]), "That is TensorFlow/Keras's layout "
                    "(k1, k2, C_in, C_out); give PyTorch's, (C_out, C_in, k1, k2)."),
            Mistake(lambda P: (P["f4"], 1, P["k4"], P["k4"]), NO_C_IN),
        ],
        checks=[Check("answer[2] == answer[3] == k4", "The last two axes are the kernel's rows and columns.")],
        hint="How many k4 × k4 kernels does the layer hold, and which axis does PyTorch put first?",
    ),
    Question(
        id="ex01.5", name="params5", title="Weight sharing: a convolution against a fully connected layer",
        points=2, kind=IntTuple(length=2), answer=_params5,
        mistakes=[
            Mistake(lambda P: _params5(P, conv_bias=False), NO_BIAS),
            Mistake(lambda P: _params5(P, c_in=1), NO_C_IN),
            Mistake(lambda P: _params5(P, connections=True), "You counted connections for the convolution: every "
                    "position shares the same kernels, so its parameters do not grow with the output size."),
            Mistake(lambda P: _params5(P, dense_biases="map"), "A fully connected layer has a bias for every "
                    "output unit, not one per output map: it shares nothing between positions."),
            Mistake(lambda P: _params5(P, dense_biases="none"), "You left out the fully connected layer's biases: "
                    "one per output unit."),
            Mistake(lambda P: _params5(P, o=_o(P["i4"] - P["p4"], P["k4"], P["s4"], P["p4"])), PADDED_ONCE),
        ],
        checks=[Check("answer[0] >= f4 * k4 * k4", "Every output map has at least one k4 × k4 kernel."),
                Check("answer[1] > answer[0]", "The fully connected layer has a weight for every pair of input "
                      "and output unit: it needs more parameters than the convolution.")],
        hint="What does the convolution share between positions that the fully connected layer does not? Count "
             "each layer's weights, then its biases.",
    ),
    Question(
        id="ex01.6", name="macs6", title="Multiply-adds of a multi-channel layer", points=2, kind=Int(),
        answer=lambda P: conv_multiply_adds(P["c4"], P["f4"], (P["k4"], P["k4"]), (_o4(P), _o4(P))),
        mistakes=[
            Mistake(lambda P: _o4(P) ** 2 * conv_parameter_count(P["c4"], P["f4"], (P["k4"], P["k4"])),
                    "You counted the biases as multiplications: a bias is only added."),
            Mistake(lambda P: _macs(1, P["f4"], P["k4"], _o4(P)), NO_C_IN),
            Mistake(lambda P: _macs(P["c4"], P["f4"], P["k4"], _o(P["i4"], P["k4"], 1, P["p4"])),
                    "You ignored the stride: the strided layer computes only the kept output units."),
            Mistake(lambda P: _macs(P["c4"], P["f4"], P["k4"], P["i4"]), "Count output units, not input units: "
                    "the kernel is applied once per output unit."),
            Mistake(lambda P: _macs(P["c4"], P["f4"], P["k4"], _o4(P)) // P["f4"], "Every output map is computed "
                    "with its own kernels: multiply by f4."),
            Mistake(lambda P: _macs(P["c4"], P["f4"], P["k4"], _o(P["i4"] - P["p4"], P["k4"], P["s4"], P["p4"])),
                    PADDED_ONCE),
        ],
        checks=[Check("answer % (k4 * k4) == 0", "Each output unit costs a whole number of k4 × k4 kernels.")],
        hint="What does one output unit of one output map cost, and how many output units does the layer write?",
    ),
    Question(
        id="ex01.7", name="kept7", title="Strides as subsampling in 2-D: which outputs are kept", points=2,
        kind=IntTuple(item_length=2, unordered=True), answer=_kept7,
        mistakes=[
            Mistake(lambda P: _kept7(P, first=1), "Indices start at 0: the strided convolution keeps the first "
                    "kernel position, index 0, along both axes (the guide's 'odd elements' count from 1)."),
            Mistake(lambda P: _kept7(P, first="last"), "A stride keeps the first unit of every group of s, not the "
                    "last: indices 0, s, 2·s, ... along each axis."),
            Mistake(lambda P: _kept7(P, strides=(P["sc7"], P["sr7"])), "You swapped the strides: sr7 is the "
                    "stride down the rows (it picks the row indices), sc7 the stride along the columns."),
            Mistake(lambda P: _kept7(P, strided_indices=True), "Those are the strided output's own indices; give "
                    "the unit-stride indices they come from."),
            Mistake(lambda P: _kept7(P, padding=0), "You left out the padding: the unit-stride convolution runs "
                    "on the same padded input, i + 2·p7 - k7 + 1 outputs long along each axis."),
            Mistake(lambda P: _kept7(P, end="past"), "Some of those entries are past the unit-stride output's "
                    "end: the kernel must fit in the padded input."),
            Mistake(lambda P: _kept7(P, end="input"), "You stopped at the input's size: the unit-stride output is "
                    "i + 2·p7 - k7 + 1 long along each axis, which is i only for 'same' padding (2·p7 = k7 - 1)."),
            Mistake(lambda P: _kept7(P, end="no +1"), FORGOT_ONE),
        ],
        checks=[Check("all(r >= 0 and c >= 0 for r, c in answer)", "Indices count from 0."),
                Check("len(set(answer)) == len(answer)", "List each kept entry once.")],
        hint="Treat the rows and the columns separately, each with its own stride: which unit-stride position "
             "does the strided output's first, second, ... unit come from?",
    ),
    Question(
        id="ex01.8", name="costs8", title="What the stride saves", points=2, kind=IntTuple(length=2),
        answer=_costs8,
        mistakes=[
            Mistake(lambda P: (_costs8(P)[0], P["s3"] ** 2 * _costs8(P)[0]), "s² times the strided cost is only "
                    "the large-input approximation: count the unit-stride outputs exactly."),
            Mistake(lambda P: (_costs8(P)[0], _costs8(P)[1] - _costs8(P)[0]), "Give the unit-stride route's whole "
                    "cost, not only what it throws away."),
            Mistake(lambda P: (_costs8(P)[0], _macs(P["c3"], P["f3"], P["k3"], _sizes3(P, s=1, p=0))) if P["p3"] else None,
                    "The unit-stride convolution runs on the same padded input: keep p3."),
            Mistake(lambda P: (_costs8(P)[0], _macs(P["c3"], P["f3"], P["k3"], (P["h3"], P["w3"]))),
                    "A unit-stride convolution writes as many units as the input has only with 'same' padding "
                    "(2·p3 = k3 - 1): count its output units for this k3 and p3."),
            Mistake(lambda P: (_costs8(P)[0] // P["c3"], _costs8(P)[1] // P["c3"]) if P["c3"] > 1 else None,
                    NO_C_IN),
        ],
        checks=[Check("answer[0] < answer[1]", "The unit-stride route computes more output units, so it costs "
                      "more.")],
        hint="Same layer, same cost per output unit: only the number of output units differs.",
    ),
    Question(
        id="ex01.9", name="kernel9", title="Which kernel gives a true convolution?", points=1, kind=Matrix(),
        answer=lambda P: np.rot90(np.array(P["g9"]), 2).tolist(),
        mistakes=[
            Mistake(lambda P: P["g9"], "conv2d does not flip the kernel (it is a cross-correlation); to get a true "
                    "convolution you must flip it yourself."),
            Mistake(lambda P: np.array(P["g9"]).T.tolist(), "A transpose swaps rows and columns; the flip of a "
                    "true convolution reverses both axes (a 180° rotation)."),
            Mistake(lambda P: np.array(P["g9"])[::-1].tolist(), "You flipped only the rows: a 2-D convolution "
                    "reverses both axes."),
            Mistake(lambda P: np.array(P["g9"])[:, ::-1].tolist(), "You flipped only the columns: a 2-D "
                    "convolution reverses both axes."),
        ],
        checks=[Check("len(answer) == len(g9)", "The kernel keeps its shape: as many rows as g9.")],
        hint="Write out which weight multiplies x[r + m, c + n] in the true convolution's sum.",
    ),
    Question(
        id="ex01.10", name="layer10", title="A 3-D layer: output shape and parameters", points=2,
        kind=IntTuple(length=5), answer=_layer10,
        mistakes=[
            Mistake(lambda P: _layer10(P, depth_kernel=False), "The kernel is a cuboid k10 × k10 × k10: it "
                    "slides over the frames too."),
            Mistake(lambda P: _layer10(P, bias=False), NO_BIAS),
            Mistake(lambda P: _layer10(P, c_in=1) if P["c10"] > 1 else None, NO_C_IN),
            Mistake(lambda P: _layer10(P)[1:4] + (P["f10"], _layer10(P)[4]), "Give the shape channels first, "
                    "(C_out, frames, rows, columns), as PyTorch's Conv3d does."),
            Mistake(lambda P: (P["f10"], P["t10"] - P["k10"] + 1, P["h10"] - P["k10"] + 1,
                               P["h10"] - P["k10"] + 1, _layer10(P)[4]) if P["p10"] else None,
                    "You left out the padding: p10 zeros on both sides of every axis, frames included."),
        ],
        checks=[Check("answer[0] == f10", "The first entry is C_out: the shape is channels first, and the "
                      "output has one map per kernel."),
                Check("answer[2] == answer[3]", "The frames are square, so the output's rows and columns agree.")],
        hint="A 3-D layer works like a 2-D one with one more axis: count the kernel's positions along each of the "
             "three axes; for the parameters, ask what one output map's kernel spans.",
    ),
    Question(
        id="ex01.11", name="claims11", title="Which claims about a convolutional layer are true?", points=2,
        kind=Choice(CLAIMS11, option_hints=HINTS11), answer=lambda P: ("A", "E", "G"),
        mistakes=[
            Mistake(lambda P: ("A", "E", "F", "G"), "s² is what the cost ratio tends to for large inputs, not its "
                    "value for every input: lesson 01 finds 2.25, not 4, for i = 5, k = 3, s = 2."),
            Mistake(lambda P: ("A", "D", "E", "G"), "The flip of a true convolution is a 180° rotation, not a "
                    "transpose: `w.T` gives it only for kernels symmetric about their anti-diagonal."),
        ],
        hint="For each claim, find the lesson's cell that tests it, or a small case that would break it.",
    ),
    Question(
        id="ex01.12", name="layer1d", title="Find and fix the bug: a multi-channel 1-D layer", points=2,
        kind=Function(result=Matrix(), time_limit=5.0), reference=layer1d,
        examples=[EXAMPLE12_TWO, EXAMPLE12_STRIDED, EXAMPLE12_REAL],
        hidden=[
            HiddenGroup("two input maps, unit stride", draw=lambda rng: _draw12(rng, "two"), example=EXAMPLE12_TWO,
                        cases=[([[1, 2, 3], [4, 5, 6]], [[[1, 0], [0, 1]]], [5], 1, 0)]),
            HiddenGroup("three or four input maps, strides 2 and 3, padding", draw=lambda rng: _draw12(rng, "strided"),
                        example=EXAMPLE12_STRIDED,
                        cases=[([[1, 0, 2, 1], [0, 1, 1, 0], [2, 2, 0, 1]], [[[1, 1], [1, 0], [0, 1]]], [-1], 2, 1)]),
            HiddenGroup("real-valued inputs, weights and biases", draw=lambda rng: _draw12(rng, "real"),
                        example=EXAMPLE12_REAL),
        ],
        hint="Take the smallest public example, compute one output unit y[j, u] by hand from the definition of "
             "the layer, and compare it with what `layer1d_buggy` returns for that unit. Then follow that unit "
             "through the loops, step by step, to where the two computations part.",
    ),
    Question(
        id="ex01.13", name="port13", title="A PyTorch layer in Keras: which shapes?", points=2,
        kind=IntTuple(length=2, item_length=4), answer=_port13,
        mistakes=[
            Mistake(lambda P: _port13(P, kernel="OIHW"), "That kernel is PyTorch's weight layout (C_out, C_in, kh, "
                    "kw); Keras keeps its kernel as (kh, kw, C_in, C_out)."),
            Mistake(lambda P: _port13(P, kernel="HWOI"), "You swapped the channel axes of the kernel: Keras's is "
                    "(kh, kw, C_in, C_out), input channels before output channels."),
            Mistake(lambda P: _port13(P, output="NCHW"), "That output is PyTorch's (N, C, H, W); Keras puts the "
                    "channels last by default: (N, H, W, C)."),
            Mistake(lambda P: _port13(P, stride=1), "You ignored the stride: with strides=s13 the kernel jumps "
                    "s13 units, along both axes."),
        ],
        checks=[Check("answer[1][0] == n13", "The output keeps the batch axis first: n13 images."),
                Check("sorted(answer[0]) == sorted((kh13, kw13, c13, f13))",
                      "Keras's kernel holds the same four sizes as PyTorch's weight, in another order.")],
        hint="Lesson 01's section on the frameworks shows both layouts on one layer; for the output, count the "
             "kernel's positions along each axis with padding='valid'.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex01", notebook="01_discrete_convolution.ipynb", title="Discrete convolution",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
