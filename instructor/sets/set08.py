"""Exercise set ex08 — frameworks and conventions (instructor only: answers and hidden tests).

Every expected answer is computed from the student's parameters in the grader's process, and every
framework's behaviour comes from ``course_lib.frameworks`` (each function there is verified
against PyTorch 2.13, TensorFlow 2.21 / Keras 3, JAX 0.10 and ONNX Runtime 1.32 by
``make crosscheck``; Caffe's pooling rule is taken from its source, Caffe is not run) and
``course_lib.numeric``. Questions: ex08.1 TensorFlow's 'SAME' output of a rectangular input,
predicted; ex08.2 the argument each framework needs for a target length (or -1 where none
gives it); ex08.3 a ConvTranspose2d weight in TensorFlow's filter layout (the transpose, written
by the student); ex08.4 the errors in a quoted answer about output_padding (choice); ex08.5 a
Keras 'SAME' layer run in PyTorch's conventions (a port, graded on hidden inputs); ex08.6 two
pooling layers in PyTorch (floor, ceil_mode) and Caffe; ex08.7 the channel order that ports a
sub-pixel layer from pixel_shuffle to depth_to_space; ex08.8 the crops of ONNX ConvTranspose and
the padding of JAX's conv_transpose; ex08.9 the steps of a port, in order; ex08.10 true claims
about the conventions (choice).

Every variant, defaults included, separates each declared mistake from the answer and from the
other mistakes: ``generate`` draws each question's numbers once, from ranges (or from a table of
the settings of a small grid in which the question's mistakes separate, computed once) where every
tested idea shows; it never redraws a block to make its mistakes separate (the release's
``ExerciseSet.draw`` is only a safety net, and the tests require it to be rarely needed).
"""

import functools

import numpy as np

from course_lib import frameworks
from course_lib.arithmetic import conv_output_size
from course_lib.grading.kinds import Choice, Function, IntTuple, Matrix, Order
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.numeric import conv1d, conv2d, conv_transpose1d, pixel_shuffle

DEFAULTS = {
    "x1": [[2, 0, 1, 3, 1, 0, 2], [1, 3, 0, 2, 2, 1, 0], [0, 1, 2, 1, 3, 0, 1],
           [3, 2, 1, 0, 1, 2, 2], [1, 0, 3, 2, 0, 1, 3], [2, 1, 0, 1, 2, 3, 0]],
    "w1": [[1, 0, 2], [-1, 1, 0], [0, 2, 1]], "s1": 2,      # rows: 'SAME' pads (0, 1); columns: (1, 1)
    "n2": 7, "k2": 6, "s2": 3, "p2": 4, "o2": 18,
    "I3": 2, "O3": 3, "kh3": 3, "kw3": 2, "r3": 0, "c3": 1,
    "iA6": 10, "kA6": 1, "sA6": 4, "iB6": 6, "kB6": 3, "sB6": 4, "pB6": 2,
    "C7": 2, "r7": 3,
    "n8": 4, "k8": 5, "s8": 2, "o8": 10,
}


def _question(qid):
    return next(q for q in QUESTIONS if q.id == qid)


def _asymmetric_kernel(rng, rows, cols):
    """A kernel that differs from its flips and its transpose, all pairwise (so every mistake shows)."""
    while True:
        g = np.array([[rng.randint(-2, 3) for _ in range(cols)] for _ in range(rows)])
        forms = [g, np.rot90(g, 2), g[::-1], g[:, ::-1]] + ([g.T] if rows == cols else [])
        if len({f.tobytes() for f in forms}) == len(forms):
            return g.tolist()


# --- ex08.1 -----------------------------------------------------------------------------------------

def _same1(P, *, split="tf", flip=False):
    """TensorFlow's conv2d(x1, w1, strides=s1, padding='SAME'), or what a slip gives.

    ``split``: "tf" (floor before, the odd unit after), "before" (the odd unit before), "sym"
    (the larger half on both sides, PyTorch's symmetric padding), "valid" (no padding), "rows"
    (the rows' split used for the columns too).
    """
    x, w, s = np.array(P["x1"]), np.array(P["w1"]), P["s1"]
    if flip:
        w = np.rot90(w, 2)
    pads = [frameworks.tf_same_padding(n, len(w), s) for n in x.shape]
    if split == "before":
        pads = [p[::-1] for p in pads]
    elif split == "sym":
        pads = [(max(p), max(p)) for p in pads]
    elif split == "valid":
        pads = [(0, 0), (0, 0)]
    elif split == "rows":
        pads = [pads[0], pads[0]]
    return conv2d(x, w, stride=s, padding=tuple(pads)).tolist()


def _draw1(rng):
    # one axis with an odd total padding (TensorFlow's odd unit after), the other with an even one, at
    # stride 2: an even number of rows (6 or 8) and an odd number of columns (5, 7 or 9). Rows padded
    # (0, 1) and columns (1, 1) for k = 3, rows (1, 1) and columns (1, 2) for k = 4: the rows' padding
    # then starts the columns' windows elsewhere or gives them another count, so the "rows" slip shows.
    # (With an odd number of rows, the rows' split used for the columns gives what the "before" split
    # gives (k = 3) or TensorFlow's own answer (k = 4): about half of all draws would not separate.)
    k = rng.choice([3, 4])
    h, wd = rng.choice([6, 8]), rng.choice([5, 7, 9])
    assert sum(frameworks.tf_same_padding(h, k, 2)) % 2 != sum(frameworks.tf_same_padding(wd, k, 2)) % 2
    return {"x1": [[rng.randint(0, 3) for _ in range(wd)] for _ in range(h)], "w1": _asymmetric_kernel(rng, k, k),
            "s1": 2}


# --- ex08.2 -----------------------------------------------------------------------------------------

def _first(lengths, target):
    """The first argument whose length is the target, or -1 (lengths: argument -> length or None)."""
    return next((a for a, n in lengths if n == target), -1)


def _refused_as_none(call):
    try:
        return call()
    except frameworks.FrameworkRefusal:
        return None


def _arguments2(P, *, padding_once=False, no_refusal=False, same_as_ns=False, even_runs=False, tf_only_ns=False):
    """(PyTorch output_padding, Keras 'same' output_padding, Keras 'valid' output_padding, TensorFlow's code).

    Each output_padding is the one that gives o2, or -1 where no accepted value does; TensorFlow's
    code says which padding of conv1d_transpose accepts output_shape o2: 1 'SAME' only, 2 'VALID'
    only, 3 both, 0 neither.
    """
    n, k, s, p, o = (P[x] for x in ("n2", "k2", "s2", "p2", "o2"))
    if padding_once:
        torch = _first([(a, (n - 1) * s + k - p + a) for a in range(s)], o)
    elif no_refusal:
        torch = _first([(a, (n - 1) * s + k - 2 * p + a) for a in range(3 * s)], o)
    else:
        torch = _first([(a, _refused_as_none(lambda: frameworks.torch_conv_transpose_length(n, k, s, p, a)))
                        for a in range(s)], o)
    if same_as_ns:
        same = _first([(a, n * s + a) for a in range(s)], o)
    elif even_runs:
        same = _first([(a, (n - 1) * s + k % 2 + a) for a in range(s)], o)
    else:
        same = _first([(a, _refused_as_none(lambda: frameworks.keras_conv_transpose_length(n, k, s, "same", a)))
                       for a in range(s)], o)
    valid = _first([(a, frameworks.keras_conv_transpose_length(n, k, s, "valid", a)) for a in range(s)], o)
    if tf_only_ns:
        tf_same = o == n * s
    else:
        tf_same = o in frameworks.tf_conv_transpose_output_sizes(n, k, s, "SAME")
    tf_valid = o in frameworks.tf_conv_transpose_output_sizes(n, k, s, "VALID")
    return (torch, same, valid, int(tf_same) + 2 * int(tf_valid))


def _unless_right(P, value):
    """A mistake's answer, or None where the slip does not change it (a = s2 or more never reaches o2)."""
    return None if value == _arguments2(P) else value


_NAMES2 = ("n2", "k2", "s2", "p2", "o2")
_GRID2 = ((3, 4, 5, 6), (2, 3, 4, 5), (2, 3), (1, 2, 3), tuple(range(4, 26)))


def _sensible2(part):
    """p2 < k2, an output_padding that gives o2 in one framework and none in another, and at least two
    of the five declared slips changing the answer."""
    n, k, s, p, o = (part[x] for x in _NAMES2)
    if p > k - 1 or o < 2:
        return False
    answers = _arguments2(part)
    active = sum(m.answer({**DEFAULTS, **part}) is not None for m in _question("ex08.2").mistakes)
    return any(a >= 0 for a in answers[:3]) and -1 in answers[:3] and active >= 2


def _draw2(rng):
    settings = _question("ex08.2").separating_settings(_NAMES2, _GRID2, DEFAULTS, _sensible2)
    return dict(zip(_NAMES2, rng.choice(settings)))


# --- ex08.3 -----------------------------------------------------------------------------------------

def _weight3(P):
    """PyTorch's ConvTranspose2d weight of ex08.3: (in, out, kH, kW) = (I3, O3, kh3, kw3), entries 0, 1, 2, ..."""
    return np.arange(P["I3"] * P["O3"] * P["kh3"] * P["kw3"]).reshape(P["I3"], P["O3"], P["kh3"], P["kw3"])


def _slice3(P, *, layout=None, rotate=False, swap=False, reshape=False):
    w = _weight3(P)
    if rotate:
        w = w[:, :, ::-1, ::-1]
    source = frameworks.WEIGHT_LAYOUTS["pytorch", "conv_transpose"]
    target = layout or frameworks.WEIGHT_LAYOUTS["tensorflow", "conv_transpose"]
    if reshape:
        tf = w.reshape(P["kh3"], P["kw3"], P["O3"], P["I3"])
    else:
        tf = frameworks.convert_weight(w, source, target)
    r, c = (P["c3"], P["r3"]) if swap else (P["r3"], P["c3"])
    if r >= tf.shape[0] or c >= tf.shape[1]:
        return None
    return tf[r, c].tolist()


def _draw3(rng):
    I, O = rng.sample([2, 3, 4], 2)
    kh, kw = rng.sample([2, 3], 2)
    while True:
        r, c = rng.randrange(kh), rng.randrange(kw)
        if r != c and (r, c) != (kh - 1 - r, kw - 1 - c):
            return {"I3": I, "O3": O, "kh3": kh, "kw3": kw, "r3": r, "c3": c}


# --- ex08.4 -----------------------------------------------------------------------------------------

QUOTED4 = Choice(
    (
        "“output_padding exists because a strided convolution maps several input lengths to the same output "
        "length; it chooses which of them the transposed layer returns.”",
        "“In PyTorch output_padding must be smaller than the stride, so a layer with stride 1 can only have "
        "output_padding=0.”",
        "“The units output_padding adds at the end are always zeros, so they carry no information.”",
        "“Keras's Conv2DTranspose defaults to output_padding=None, which means the same as output_padding=0.”",
        "“In Keras with padding='same' and output_padding left at None, the output is exactly strides times "
        "the input, whatever the kernel size.”",
        "“TensorFlow's tf.nn.conv2d_transpose lets you choose with output_shape instead, and for a given input "
        "length, kernel, stride and padding ('SAME' or 'VALID') it accepts exactly `strides` different output "
        "lengths.”",
    ),
    option_hints={
        "A": "Take k = 3, s = 2, p = 1: which input lengths does the convolution map to 4, and which lengths "
             "does PyTorch's transposed layer return for output_padding 0 and 1?",
        "B": "Look at PyTorch's limit on output_padding as lesson 05 states it and lesson 07 uses it for "
             "dilated transposed layers: which arguments does it involve?",
        "C": "Compare a layer with padding=1, output_padding=1 and one with padding=0, output_padding=1: where do "
             "the added units lie relative to the full scatter output?",
        "D": "Compute both lengths for n = 3, k = 3, strides 2, padding='same'.",
        "E": "Try an even and an odd kernel at stride 2 with output_padding=None, and a kernel smaller than the "
             "stride.",
        "F": "The lesson's recording tried output_shape = 1 … 12 for an input of 3 units at stride 2: count the "
             "lengths it accepted, for 'SAME' and for 'VALID'.",
    },
)


@functools.cache
def _quoted4() -> tuple:
    """The sentences of ex08.4 that are right, each decided by a sweep over small layers."""
    def forward_sizes(n, k, s, p):      # every input length the convolution maps to n
        return {i for i in range(1, n * s + k + 2 * s) if i + 2 * p >= k and conv_output_size(i, k, s, p) == n}

    def torch_sizes(n, k, s, p):
        return {l for a in range(s) if (l := _refused_as_none(
            lambda: frameworks.torch_conv_transpose_length(n, k, s, p, a))) is not None and l >= 1}

    truths = {
        "A": all(torch_sizes(n, k, s, p) == forward_sizes(n, k, s, p)
                 for n in range(2, 6) for k in range(1, 6) for s in (2, 3, 4) for p in range(k)
                 if (n - 1) * s + k - 2 * p >= 1),
        "B": _refused_as_none(lambda: frameworks.torch_conv_transpose_length(3, 3, 1, 0, 1, d=2)) is None,
        "C": all(not conv_transpose1d(np.arange(1, 4), np.array([1, 2, 3]), stride=2, padding=p,
                                      output_padding=1)[-1:].any() for p in (0, 1)),
        "D": all(frameworks.keras_conv_transpose_length(n, k, s, "same") ==
                 _refused_as_none(lambda: frameworks.keras_conv_transpose_length(n, k, s, "same", 0))
                 for n in range(1, 6) for k in range(1, 6) for s in (1, 2, 3)),
        "E": all(frameworks.keras_conv_transpose_length(n, k, s, "same") == n * s
                 for n in range(1, 6) for k in range(1, 7) for s in (1, 2, 3, 4)),
        "F": all(len(frameworks.tf_conv_transpose_output_sizes(n, k, s, mode)) == s
                 for n in range(1, 6) for k in range(1, 6) for s in (1, 2, 3) for mode in ("SAME", "VALID")),
    }
    return tuple(letter for letter, true in truths.items() if true)


# --- ex08.5 -----------------------------------------------------------------------------------------

def same_in_pytorch(x, w, strides):
    """Reference for ex08.5: TensorFlow's conv2d(x[None], w, strides, 'SAME')[0, :, :, 0], computed in
    PyTorch's conventions (channels first, OIHW weight, explicit padding per side)."""
    x, w = np.asarray(x), np.asarray(w)
    strides = tuple(strides)
    pads = tuple(frameworks.tf_same_padding(n, k, s) for n, k, s in zip(x.shape[:2], w.shape[:2], strides))
    weight = frameworks.convert_weight(w, frameworks.WEIGHT_LAYOUTS["keras", "conv"],
                                       frameworks.WEIGHT_LAYOUTS["pytorch", "conv"])
    return conv2d(np.moveaxis(x, -1, 0), weight, stride=strides, padding=pads)[0]


def _draw5(rng, *, strides, kernels, channels=(1, 3), rectangular=False, real=False, odd_unit=False):
    """Random (x, w, strides): x (H, W, C_in), w (kH, kW, C_in, 1)."""
    while True:
        c = rng.randint(*channels)
        kh = rng.choice(kernels)
        kw = rng.choice(kernels) if rectangular else kh
        sh = rng.choice(strides)
        sw = rng.choice(strides) if rectangular else sh
        h = rng.randint(max(kh, 2), 7)
        wd = rng.randint(max(kw, 2), 7) if rectangular else h
        pads = [frameworks.tf_same_padding(n, k, s) for n, k, s in ((h, kh, sh), (wd, kw, sw))]
        if odd_unit and not any(b != a for a, b in pads):
            continue
        break
    value = (lambda: round(rng.uniform(-2, 2), 2)) if real else (lambda: rng.randint(-3, 3))
    x = [[[value() for _ in range(c)] for _ in range(wd)] for _ in range(h)]
    w = [[[[value()] for _ in range(c)] for _ in range(kw)] for _ in range(kh)]
    return (x, w, (sh, sw))


def _tensor(shape, start=1):
    """Nested lists of shape ``shape`` holding start, start + 1, ... with every third entry negated."""
    values = np.arange(start, start + int(np.prod(shape)))
    values[::3] *= -1
    return values.reshape(shape).tolist()


EXAMPLE5_CHANNELS = (_tensor((4, 4, 2)), _tensor((3, 3, 2, 1)), (1, 1))            # stride 1, odd kernel, 2 maps
EXAMPLE5_ODD_UNIT = (_tensor((6, 6, 1)), _tensor((3, 3, 1, 1)), (2, 2))            # 'SAME' pads (0, 1) per axis
EXAMPLE5_EVEN = (_tensor((5, 5, 2)), _tensor((2, 2, 2, 1)), (1, 1))                # even kernel: (0, 1) at stride 1
EXAMPLE5_MIXED = ([[[0.5, -1.0], [1.5, 2.0], [0.0, -0.5], [1.0, 1.0], [2.5, -2.0]],
                   [[-1.5, 0.5], [1.0, 0.0], [2.0, 1.5], [-0.5, 0.5], [0.0, 1.0]],
                   [[1.0, 1.0], [-2.0, 0.5], [0.5, 0.5], [1.5, -1.0], [-1.0, 2.0]]],
                  [[[[1.0], [0.5]]], [[[0.5], [-0.5]]], [[[2.0], [0.0]]]],
                  (1, 3))                    # 3×5 input, 3×1 kernel, strides (1, 3): a kernel narrower than its stride


# --- ex08.6 -----------------------------------------------------------------------------------------

def _pool6(P, *, caffe_clips=False, torch_no_clip=False, torch_accepts=False, caffe_b_no_clip=False,
           torch_refuses_half=False):
    """(PyTorch floor, PyTorch ceil_mode, Caffe) for layer A, then for layer B; 0 where PyTorch refuses."""
    result = []
    for layer in ("A", "B"):
        i, k, s = P[f"i{layer}6"], P[f"k{layer}6"], P[f"s{layer}6"]
        p = P["pB6"] if layer == "B" else 0

        def torch(ceil):
            if torch_refuses_half and 2 * p >= k:
                return 0
            if torch_accepts:       # PyTorch's rounding, as if it took the padding
                span = i + 2 * p - k
                if not ceil:
                    return span // s + 1
                o = -(-span // s) + 1
                return o - 1 if (o - 1) * s >= i + p else o
            return _refused_as_none(lambda: frameworks.torch_pool_output_size(i, k, s, p, ceil_mode=ceil)) or 0

        caffe = frameworks.caffe_pool_output_size(i, k, s, p)  # read from its source
        ceil = torch(True)
        if layer == "A" and caffe_clips:
            caffe = ceil
        if layer == "A" and torch_no_clip:
            ceil = -(-(i - k) // s) + 1
        if layer == "B" and caffe_b_no_clip:
            caffe = -(-(i + 2 * p - k) // s) + 1
        result += [torch(False), ceil, caffe]
    return tuple(result)


_NAMES6A, _GRID6A = ("iA6", "kA6", "sA6"), (tuple(range(6, 15)), (1, 2, 3), (2, 3, 4))
_NAMES6B, _GRID6B = ("iB6", "kB6", "sB6", "pB6"), (tuple(range(4, 13)), (2, 3, 4, 5), (3, 4, 5), (1, 2, 3, 4))


@functools.cache
def _settings6():
    """Every separating (layer A, layer B) of ex08.6's grid.

    A: no padding and a window smaller than the stride (kA6 < sA6), where Caffe counts a window that
    starts past the input; B: a padding above half the window (PyTorch refuses, Caffe accepts) or
    exactly half of it (both accept), pB6 < kB6 <= 2·pB6, where Caffe drops a last window that would
    start in the padding. Layer A's mistakes change only A's three numbers and layer B's only B's, so
    a pair separates exactly when each layer separates with the other at its default: the table is
    the product of the two layers' tables (27 × 106 settings).
    """
    question = _question("ex08.6")
    layer_a = question.separating_settings(_NAMES6A, _GRID6A, DEFAULTS, _window_below_stride6)
    layer_b = question.separating_settings(_NAMES6B, _GRID6B, DEFAULTS, _padding_above_half6)
    return [a + b for a in layer_a for b in layer_b]


def _window_below_stride6(P):
    return P["kA6"] < P["sA6"]


def _padding_above_half6(P):
    return P["pB6"] < P["kB6"] <= 2 * P["pB6"]


def _draw6(rng):
    return dict(zip(_NAMES6A + _NAMES6B, rng.choice(_settings6())))


# --- ex08.7 -----------------------------------------------------------------------------------------

def _order7(P, *, inverse=False, swapped=False):
    """order[t]: the PyTorch channel that TensorFlow's depth_to_space input channel t must hold."""
    C, r = P["C7"], P["r7"]
    assert frameworks.PIXEL_SHUFFLE_ORDERS["pytorch pixel_shuffle"] == "CRD"
    assert frameworks.PIXEL_SHUFFLE_ORDERS["tensorflow depth_to_space"] == "DCR"
    order = [0] * (C * r * r)
    for c in range(C):
        for i in range(r):
            for j in range(r):
                torch = c * r * r + (j * r + i if swapped else i * r + j)
                order[(i * r + j) * C + c] = torch
    if inverse:
        order = [order.index(t) for t in range(len(order))]
    return tuple(order)


def _check_order7(P):
    """The order of ex08.7 makes depth_to_space give pixel_shuffle's picture (used by the tests)."""
    C, r = P["C7"], P["r7"]
    x = np.random.default_rng(7).integers(-9, 9, size=(C * r * r, 2, 3))
    return np.array_equal(pixel_shuffle(x, r, "CRD"), pixel_shuffle(x[list(_order7(P))], r, "DCR"))


# --- ex08.8 -----------------------------------------------------------------------------------------

def _pads8(P, *, upper_lower=False, notset_upper=False, jax_floor=False, jax_full=False):
    """((ONNX SAME_UPPER begin, end), (ONNX output_shape=o8 begin, end), (JAX 'SAME' before, after))."""
    n, k, s, o = P["n8"], P["k8"], P["s8"], P["o8"]
    upper = frameworks.onnx_conv_transpose_pads(n, k, s, "SAME_LOWER" if upper_lower else "SAME_UPPER")
    notset = frameworks.onnx_conv_transpose_pads(n, k, s, "SAME_UPPER" if notset_upper else "NOTSET", output_size=o)
    jax = frameworks.jax_conv_transpose_padding(k, s, "SAME")
    if jax_floor:
        jax = jax[::-1]
    if jax_full:
        jax = (k - 1, k - 1)
    return (upper, notset, jax)


_NAMES8 = ("n8", "k8", "s8", "o8")
_GRID8 = ((3, 4, 5, 6), (3, 4, 5, 6, 7), (2, 3), tuple(range(4, 23)))


def _sensible8(part):
    """k8 > s8 with an odd total crop for SAME_UPPER, and an o8 that crops an odd number of units (not the
    full output, not n8·s8)."""
    n, k, s, o = (part[x] for x in _NAMES8)
    full = k + (n - 1) * s  # the full scatter output
    return k > s and (k - s) % 2 == 1 and (n - 1) * s < o < full and (full - o) % 2 == 1 and o != n * s


def _draw8(rng):
    settings = _question("ex08.8").separating_settings(_NAMES8, _GRID8, DEFAULTS, _sensible8)
    return dict(zip(_NAMES8, rng.choice(settings)))


# --- ex08.9 and ex08.10 -------------------------------------------------------------------------------

STEPS9 = Order((
    "Move the weight into Keras's kernel layout (kH, kW, in, out) with np.transpose and give it to the Conv2D "
    "layer chosen in the step before.",
    "Read the PyTorch layer's kernel size, stride and padding p, and the weight's shape (out, in, kH, kW).",
    "Feed one random input to both layers (channels first for PyTorch, channels last for Keras) and compare "
    "the outputs, moved to one layout, to the last digit.",
    "Compute the padding TensorFlow's 'SAME' would use for this input size and stride, side by side, and "
    "compare it with PyTorch's p on each side.",
    "Since the two differ, choose ZeroPadding2D with p on every side followed by Conv2D(padding='valid').",
))


CLAIMS10 = Choice(
    (
        "Wherever PyTorch accepts padding='same', it pads each side exactly as TensorFlow's 'SAME' does for "
        "the same kernel, dilation and stride.",
        "JAX's lax.conv_transpose with its default transpose_kernel=False gives PyTorch's transposed "
        "convolution of the same kernel, for any kernel.",
        "PyTorch's ConvTranspose2d weight and ONNX's ConvTranspose weight have the same layout, so a weight "
        "exported from one to the other needs no transpose.",
        "Keras's Conv2DTranspose kernel has the same layout as Keras's Conv2D kernel, (kH, kW, in, out), in "
        "the terms of each layer's own input and output channels.",
        "Along one axis, TensorFlow's 'SAME' never pads more than k̂ − 1 units in all (k̂ the dilated kernel "
        "size), whatever the input size and stride.",
        "At stride 2, TensorFlow's 'SAME' pads a given kernel the same way for every input size.",
        "ONNX's ConvTranspose with auto_pad='SAME_UPPER' crops its odd unit at the end of the output, and "
        "with 'SAME_LOWER' at the beginning.",
    ),
    option_hints={
        "A": "When does PyTorch accept padding='same'? Compare both splits at that stride for an odd and an even "
             "kernel, with and without dilation.",
        "B": "Compare JAX's result on [1, 2, 3] with the kernel [1, 2, 3] at stride 2 ('VALID') with PyTorch's "
             "conv_transpose1d: the lesson recorded both.",
        "C": "Look up both entries of frameworks.WEIGHT_LAYOUTS and compare the letters.",
        "D": "Look up both entries of frameworks.WEIGHT_LAYOUTS for Keras, and read the letters in the "
             "transposed layer's own terms.",
        "E": "How many zeros does the last placement need at most, when the output has ⌈i/s⌉ units?",
        "F": "Compute the split for k = 3, stride 2 and the input sizes 6 and 7.",
        "G": "Call frameworks.onnx_conv_transpose_pads with both modes on a layer whose total crop is odd "
             "(n = 3, k = 3, s = 2).",
    },
)


@functools.cache
def _claims10() -> tuple:
    """The true claims of ex08.10, each decided by a sweep over small layers."""
    rng = np.random.default_rng(seed=810)  # ex08.10

    def same_split(k, d):
        return all(frameworks.torch_same_padding(k, 1, d) == frameworks.tf_same_padding(i, k, 1, d)
                   for i in range(1, 12))

    def jax_matches(k, s):
        y, w = rng.integers(-3, 4, size=4), rng.integers(-3, 4, size=k)
        jax = frameworks.jax_conv_transpose(y, w, s, "VALID")
        torch = conv_transpose1d(y, w, stride=s)
        return len(jax) >= len(torch) and np.array_equal(jax[:len(torch)], torch)

    layouts = dict(frameworks.WEIGHT_LAYOUTS)  # ex08.10 C, D
    truths = {
        "A": all(same_split(k, d) for k in range(1, 7) for d in (1, 2, 3)),
        "B": all(jax_matches(k, s) for k in range(2, 6) for s in (1, 2, 3) for _ in range(3)),
        "C": layouts["pytorch", "conv_transpose"] == layouts["onnx", "conv_transpose"],
        "D": layouts["keras", "conv_transpose"] == layouts["keras", "conv"],
        "E": all(sum(frameworks.tf_same_padding(i, k, s, d)) <= k + (k - 1) * (d - 1) - 1
                 for i in range(1, 20) for k in range(1, 6) for s in (1, 2, 3, 4) for d in (1, 2)),
        "F": all(len({frameworks.tf_same_padding(i, k, 2) for i in range(k, 20)}) == 1 for k in range(1, 6)),
        "G": all(frameworks.onnx_conv_transpose_pads(n, k, s, "SAME_UPPER", output_size=o) ==
                 (((n - 1) * s + k - o) // 2, -(-((n - 1) * s + k - o) // 2)) and
                 frameworks.onnx_conv_transpose_pads(n, k, s, "SAME_LOWER", output_size=o) ==
                 (-(-((n - 1) * s + k - o) // 2), ((n - 1) * s + k - o) // 2)
                 for n in range(1, 5) for k in range(1, 6) for s in (1, 2, 3)
                 for o in range(1, (n - 1) * s + k + 1)),
    }
    return tuple(letter for letter, true in truths.items() if true)


def generate(rng):
    """One student's parameters."""
    P = {}
    P.update(_draw1(rng))
    P.update(_draw2(rng))
    P.update(_draw3(rng))
    P.update(_draw6(rng))
    P["C7"], P["r7"] = rng.choice([(2, 2), (3, 2), (2, 3), (3, 3)])
    P.update(_draw8(rng))
    return P


QUESTIONS = [
    Question(
        id="ex08.1", name="y1", title="TensorFlow's 'SAME' on a rectangular input, predicted", points=2,
        kind=Matrix(), answer=_same1,
        mistakes=[
            Mistake(lambda P: _same1(P, split="before"), "Your windows start one unit too early along one axis: "
                    "you put the odd unit of padding before the input, or padded as much before it as after it "
                    "(as PyTorch's symmetric padding does). The size can come out the same, the values do not: "
                    "TensorFlow puts the odd unit after, at the bottom and on the right."),
            Mistake(lambda P: _same1(P, split="rows"), "You used the rows' padding for the columns too: the two "
                    "axes have different lengths, so 'SAME' computes each axis's padding on its own."),
            Mistake(lambda P: _same1(P, split="valid"), "That is 'VALID': no zeros added at all."),
            Mistake(lambda P: _same1(P, flip=True), "You flipped the kernel (a true convolution); TensorFlow "
                    "slides it as it is (cross-correlation)."),
        ],
        checks=[Check("len(answer) == -(-len(x1) // s1) and len(answer[0]) == -(-len(x1[0]) // s1)",
                      "'SAME' gives ⌈n/s1⌉ units along each axis.")],
        hint="Treat the rows and the columns separately: how many zeros must each axis get in all for its last "
             "placement to fit, and where does an odd one go? Then slide w1 over the padded input with the "
             "stride.",
    ),
    Question(
        id="ex08.2", name="args2", title="One target length, the argument each framework needs", points=3,
        kind=IntTuple(length=4), answer=_arguments2,
        mistakes=[
            Mistake(lambda P: _unless_right(P, _arguments2(P, padding_once=True)), "PyTorch's padding crops p2 "
                    "units from each end of the full scatter output: 2·p2 in all."),
            Mistake(lambda P: _unless_right(P, _arguments2(P, no_refusal=True)), "PyTorch refuses an "
                    "output_padding that is not smaller than the stride (without dilation): where only such a "
                    "value would reach o2, write -1."),
            Mistake(lambda P: _unless_right(P, _arguments2(P, same_as_ns=True)), "n2·s2 is what Keras's 'same' "
                    "gives with output_padding=None. With an explicit number, Keras computes the length another "
                    "way."),
            Mistake(lambda P: _unless_right(P, _arguments2(P, even_runs=True)),
                    "Check item 2 again: Keras computes a length for 'same', an even kernel and "
                    "output_padding=0, but does the layer run? Its TensorFlow backend's 'SAME' accepts only "
                    "some lengths."),
            Mistake(lambda P: _unless_right(P, _arguments2(P, tf_only_ns=True)), "TensorFlow's 'SAME' accepts "
                    "more than n2·s2: every output_shape that its own 'SAME' convolution with stride s2 maps back "
                    "to n2 units."),
        ],
        checks=[Check("all(-1 <= v < s2 for v in answer[:3])",
                      "An output_padding lies in 0 … s2 − 1 here; write -1 where no value gives o2."),
                Check("answer[3] in (0, 1, 2, 3)", "TensorFlow's item is 0, 1, 2 or 3.")],
        hint="For each framework write the output length as a function of the unknown argument, and then ask "
             "whether the value that gives o2 is one the framework accepts (and runs).",
    ),
    Question(
        id="ex08.3", name="slice3", title="A ConvTranspose2d weight in TensorFlow's layout", points=2,
        kind=Matrix(), answer=_slice3,
        mistakes=[
            Mistake(lambda P: _slice3(P, layout="HWIO"), "That is the layout of a forward convolution's filter. "
                    "conv2d_transpose names its filter's channel axes in the transposed layer's own terms: "
                    "look up which comes first in lesson 08, section 5."),
            Mistake(lambda P: _slice3(P, reshape=True), "You reshaped the array: a reshape keeps the entries in "
                    "PyTorch's memory order and only cuts it into a new shape. Moving axes needs a transpose."),
            Mistake(lambda P: _slice3(P, rotate=True), "You rotated the kernel by 180°. Both PyTorch and "
                    "TensorFlow compute the transposed convolution as the gradient of a convolution with the "
                    "kernel as stored: porting moves axes, it does not flip."),
            Mistake(lambda P: _slice3(P, swap=True), "You swapped the kernel's row and column: tf3[r3, c3] is row "
                    "r3, column c3 of every channel pair's kernel."),
        ],
        checks=[Check("len(answer) == O3 and len(answer[0]) == I3",
                      "tf3[r3, c3] has one row per output channel of the transposed layer and one column per "
                      "input channel.")],
        hint="Write the four axis letters of PyTorch's ConvTranspose2d weight and of conv2d_transpose's filter, "
             "in the transposed layer's own terms; the permutation np.transpose needs follows from them.",
    ),
    Question(
        id="ex08.4", name="errors4", title="Spot the errors: a quoted answer about output_padding", points=2,
        kind=QUOTED4, answer=lambda P: tuple(letter for letter in "ABCDEF" if letter not in _quoted4()),
        hint="Test each sentence on a layer small enough to compute with the lesson's functions or recordings; "
             "a sentence can be wrong because a condition is missing.",
    ),
    Question(
        id="ex08.5", name="same_in_pytorch", title="Port a Keras 'SAME' layer to PyTorch's conventions",
        points=4, kind=Function(result=Matrix(), time_limit=5.0),
        reference=same_in_pytorch,
        examples=[EXAMPLE5_CHANNELS, EXAMPLE5_ODD_UNIT, EXAMPLE5_EVEN, EXAMPLE5_MIXED],
        hidden=[
            HiddenGroup("stride 1, odd square kernels, 1 to 3 input channels",
                        cases=[(_tensor((5, 5, 3), 2), _tensor((3, 3, 3, 1), 4), (1, 1))],
                        draw=lambda rng: _draw5(rng, strides=(1,), kernels=(1, 3, 5)), example=EXAMPLE5_CHANNELS),
            HiddenGroup("strides 2 and 3 with an odd unit of padding at the bottom or right",
                        cases=[(_tensor((7, 7, 2)), _tensor((3, 3, 2, 1), 3), (2, 2)),
                               (_tensor((5, 5, 1)), _tensor((4, 4, 1, 1)), (3, 3))],
                        draw=lambda rng: _draw5(rng, strides=(2, 3), kernels=(2, 3, 4, 5), odd_unit=True),
                        example=EXAMPLE5_ODD_UNIT),
            HiddenGroup("even kernels at stride 1",
                        cases=[(_tensor((4, 4, 1)), _tensor((4, 4, 1, 1), 2), (1, 1))],
                        draw=lambda rng: _draw5(rng, strides=(1,), kernels=(2, 4)), example=EXAMPLE5_EVEN),
            HiddenGroup("rectangular inputs and kernels, different strides along the axes (1 to 3), kernels "
                        "narrower than their stride, real values",
                        cases=[(_tensor((3, 6, 2)), _tensor((1, 2, 2, 1)), (3, 2))],
                        draw=lambda rng: _draw5(rng, strides=(1, 2, 3), kernels=(1, 2, 3), rectangular=True,
                                                real=True),
                        example=EXAMPLE5_MIXED),
        ],
        hint="Three things change in a port: where the channels sit in the input, the order of the weight's "
             "axes, and the padding. If only the strided or the even-kernel example fails, look at the padding: "
             "there 'SAME' needs an odd total, so which side gets the extra unit, and is the total what you think "
             "at stride 2? If only the mixed example fails: can your total come out negative? Check each change on "
             "its own against a small case worked by hand (a 2×2 kernel of one channel on a 3×3 input at stride 1, "
             "then a 3×3 kernel on a 4×4 input at stride 2).",
    ),
    Question(
        id="ex08.6", name="pools6", title="Two pooling layers in PyTorch and in Caffe", points=2,
        kind=IntTuple(length=6), answer=_pool6,
        mistakes=[
            Mistake(lambda P: _pool6(P, caffe_clips=True), "Caffe drops a last window that would start past "
                    "the input only when the layer has padding (its source tests the padding first); layer A "
                    "has none."),
            Mistake(lambda P: _pool6(P, torch_no_clip=True), "With ceil_mode=True PyTorch drops a last window "
                    "that would start at or past the end of the input, with or without padding."),
            Mistake(lambda P: _pool6(P, torch_accepts=True) if 2 * P["pB6"] > P["kB6"] else None,
                    "PyTorch refuses a pooling padding above half the window (2·pB6 > kB6): write 0 for both of "
                    "its layers B."),
            Mistake(lambda P: _pool6(P, torch_refuses_half=True) if 2 * P["pB6"] == P["kB6"] else None,
                    "PyTorch accepts a pooling padding of exactly half the window; it refuses only more than half."),
            Mistake(lambda P: _pool6(P, caffe_b_no_clip=True), "Layer B has padding, so Caffe does drop a last "
                    "window that would start at or past iB6 + pB6."),
        ],
        checks=[Check("all(n >= 0 for n in answer)", "Lengths are 0 (a refused layer) or more.")],
        hint="For each layer: does the framework accept the padding, how does it round, and where would the "
             "last window start? Caffe's rule is the one the lesson took from its source.",
    ),
    Question(
        id="ex08.7", name="order7", title="Port a sub-pixel layer: pixel_shuffle to depth_to_space", points=2,
        kind=IntTuple(), answer=_order7,
        mistakes=[
            Mistake(lambda P: tuple(range(P["C7"] * P["r7"] ** 2)), "Keeping the channels as they are gives "
                    "another picture: pixel_shuffle reads the channels in CRD order, depth_to_space in DCR "
                    "order."),
            Mistake(lambda P: _order7(P, inverse=True), "That is the inverse permutation: it says where each "
                    "PyTorch channel goes, while order7[t] must name the PyTorch channel that TensorFlow's "
                    "channel t takes."),
            Mistake(lambda P: _order7(P, swapped=True), "You swapped the row and column offsets inside the "
                    "r7 × r7 block: the row offset i is the slower one in both orders."),
        ],
        checks=[Check("sorted(answer) == list(range(C7 * r7 ** 2))",
                      "order7 must name each of the C7·r7² channels once.")],
        hint="Write, for an output unit (c, h·r7 + i, w·r7 + j), the channel pixel_shuffle reads and the one "
             "depth_to_space reads; the TensorFlow channel must hold what the PyTorch channel held.",
    ),
    Question(
        id="ex08.8", name="pads8", title="What ONNX crops and JAX pads in a transposed convolution", points=2,
        kind=IntTuple(length=3, item_length=2), answer=_pads8,
        mistakes=[
            Mistake(lambda P: _pads8(P, upper_lower=True), "Your first pair puts the odd unit at the beginning: "
                    "that is SAME_LOWER. SAME_UPPER crops it at the end."),
            Mistake(lambda P: _pads8(P, notset_upper=True), "With output_shape and auto_pad left at NOTSET, ONNX "
                    "(and ONNX Runtime) put the odd unit of the crop at the beginning, as SAME_LOWER does."),
            Mistake(lambda P: _pads8(P, jax_floor=True), "Your JAX pair is the wrong way round: JAX puts the "
                    "larger part of the padding before the zero-stretched input."),
            Mistake(lambda P: _pads8(P, jax_full=True), "k8 − 1 on each side is the full-convolution padding, "
                    "which gives the whole scatter output; 'SAME' pads less so that the output has n8·s8 units."),
        ],
        checks=[Check("all(a >= 0 and b >= 0 for a, b in answer)", "Crops and paddings are 0 or more.")],
        hint="ONNX: how many units does the full scatter output have, how many must remain, and on which side "
             "goes the odd one in each mode? JAX: how long is the zero-stretched input, and how much padding "
             "makes a unit-stride 'valid' correlation return n8·s8 units?",
    ),
    Question(
        id="ex08.9", name="steps9", title="Porting a strided PyTorch Conv2d to Keras, step by step", points=1,
        kind=STEPS9, answer=lambda P: ("B", "D", "E", "A", "C"),
        mistakes=[
            Mistake(lambda P: ("B", "A", "D", "E", "C"), "The weight goes into the layer you chose; you can only "
                    "give it to the Conv2D once you know which padding the Keras layer gets."),
            Mistake(lambda P: ("B", "E", "D", "A", "C"), "The choice of ZeroPadding2D follows from the "
                    "comparison of the two paddings, so the comparison comes first."),
        ],
        hint="Which step needs the result of which? Start from what you read off the PyTorch layer and end with "
             "the test that shows the port is right.",
    ),
    Question(
        id="ex08.10", name="claims10", title="Which claims about the conventions are true?", points=2,
        kind=CLAIMS10, answer=lambda P: _claims10(),
        hint="Test each claim on a small case with the lesson's functions (course_lib.frameworks) or recordings; "
             "several are true only under a condition the claim leaves out, or not at all.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex08", notebook="08_frameworks_and_conventions.ipynb", title="Frameworks and conventions",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
