"""Exercise set ex09 — deconvolution and upsampling (instructor only: answers and hidden tests).

Every expected answer is computed here, in the grader's process: transposed convolutions with
course_lib.numeric, sizes with course_lib.arithmetic, the bilinear kernel from its definition (and
compared with course_lib.upsampling), least squares with numpy, and the singular lengths of a blur
from exact integer determinants. Questions: ex09.1 an FCN upsampling layer's output predicted,
borders included; ex09.2 the sizes of a generator's layers; ex09.3 the input sizes a U-Net with
mixed resampling layers accepts; ex09.4 least-squares (and regularised) deconvolution of short
signals (hidden inputs); ex09.5 the lengths at which a 'same' blur cannot be undone; ex09.6 true
claims about deconvolution and upsampling (choice); ex09.7 the steps of a two-layer deconvnet
visualisation, forward pass included, in order; ex09.8 find and fix the bugs of a bilinear kernel
for two factors (hidden inputs).

Every variant, defaults included, separates each declared mistake from the answer and from the
other mistakes: ``generate`` draws each question's numbers once, from ranges or from the settings
of a small grid at which the question's mistakes separate (``Question.separating_settings``), so
that ``ExerciseSet.draw`` rarely has to draw again. The defaults are not the lesson's worked cases.
"""

import functools
import itertools
import math

import numpy as np

from course_lib.arithmetic import conv_output_size, transposed_output_size
from course_lib.deconvolution import conv_matrix
from course_lib.grading.kinds import Choice, Function, IntTuple, Matrix, Order
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.numeric import conv1d, conv_transpose2d, max_pool2d, max_unpool2d
from course_lib.upsampling import bilinear_kernel_1d, bilinear_kernel_size, bilinear_padding

DEFAULTS = {
    "X1": [[4, 1, 3], [2, 5, 7]], "f1": 4,
    "k2": 5, "layers2": [(4, 2, 1, 0), (3, 3, 0, 2), (4, 2, 0, 0)],
    "down3": [(3, 2, 1), (2, 2, 0), (3, 2, 1), (3, 2, 1)],
    "up3": [(3, 2, 1, 0), (2, 2, 0, 0), (3, 2, 1, 1), (3, 2, 1, 1)],
    "lo3": 100,
    "w5": [2, 2, 1], "lo5": 14,
}


def _question(qid):
    return next(q for q in QUESTIONS if q.id == qid)


# --- the bilinear kernel -------------------------------------------------------------------------

def bilinear_kernel(fh, fw):
    """Reference for ex09.8: the 2-D bilinear kernel for factor fh along the rows and fw along the columns."""
    return np.outer(bilinear_kernel_1d(fh), bilinear_kernel_1d(fw))


# --- ex09.1: an FCN upsampling layer, predicted --------------------------------------------------

def _up1(P, *, crop=None, edge=False, normalised=False):
    X, f = np.array(P["X1"], dtype=float), P["f1"]
    w = bilinear_kernel(f, f)
    if normalised:
        w = w / w.sum()
    p = bilinear_padding(f) if crop is None else crop
    if edge:  # the input continued by copies of its edge rows and columns: a bilinear resize
        full = conv_transpose2d(np.pad(X, 1, mode="edge"), w, stride=f, padding=p)
        return full[f:-f, f:-f]
    return conv_transpose2d(X, w, stride=f, padding=p)


def _nearest1(P):
    return np.kron(np.array(P["X1"], dtype=float), np.ones((P["f1"], P["f1"])))


def _draw1(rng):
    # Factors 2 and 4 only: every entry is then a multiple of 1/64, which floating point holds exactly
    # whatever the order of the sums, so check()'s digest (entries rounded to 9 significant digits,
    # whole numbers mapped to integers) and the grader's relative tolerance of 1e-9 judge every
    # float64 computation alike. Odd factors (entries in ninths) are ex09.8's.
    f = rng.choice((2, 4))
    shape = rng.choice(((2, 3), (3, 2), (3, 3)) if f == 2 else ((2, 3), (3, 2), (2, 2)))
    return {"f1": f, "X1": [[rng.randint(1, 9) for _ in range(shape[1])] for _ in range(shape[0])]}


# --- ex09.2: a generator's sizes -----------------------------------------------------------------

def _sizes2(P, rule=None):
    """Sizes after each layer: the first maps the 1×1 latent with kernel k2, stride 1, no padding."""
    rule = rule or (lambda i, k, s, p, a: transposed_output_size(i, k, s, p, a=a))
    sizes = [rule(1, P["k2"], 1, 0, 0)]
    for k, s, p, a in P["layers2"]:
        sizes.append(rule(sizes[-1], k, s, p, a))
    if any(v is None or v <= 0 for v in sizes):
        return None
    return tuple(sizes)


def _direct2(P):
    """The sizes with the direct convolution's rule after the first layer (which gives k2 either way)."""
    sizes = [P["k2"]]
    for k, s, p, _ in P["layers2"]:
        if sizes[-1] + 2 * p < k:
            return None
        sizes.append(conv_output_size(sizes[-1], k, s, p))
    return tuple(sizes)


TABLE2 = ((4, 2, 1, 0), (3, 2, 1, 1), (5, 2, 2, 1), (5, 3, 1, 0), (4, 2, 0, 0), (3, 3, 0, 2), (6, 3, 1, 2))
_NAMES2 = ("k2", "layers2")
_GRID2 = (range(3, 8), tuple(itertools.product(TABLE2, repeat=3)))


def _shows2(P):
    """At least one layer has an output_padding, and at least one does not simply multiply by its stride."""
    return (any(a for *_, a in P["layers2"]) and any(k - 2 * p + a != s for k, s, p, a in P["layers2"])
            and all(s >= 2 for _, s, _, _ in P["layers2"]))


def _draw2(rng):
    settings = _question("ex09.2").separating_settings(_NAMES2, _GRID2, DEFAULTS, _shows2)
    k, layers = rng.choice(settings)
    return {"k2": k, "layers2": [tuple(t) for t in layers]}


# --- ex09.3: the input sizes a U-Net accepts -----------------------------------------------------

@functools.lru_cache(maxsize=None)
def _down(n, layer):
    k, s, p = layer
    return conv_output_size(n, k, s, p) if n + 2 * p >= k else 0


@functools.lru_cache(maxsize=None)
def _up(m, layer):
    k, s, p, a = layer
    return transposed_output_size(m, k, s, p, a=a) if m >= 1 else -1


@functools.lru_cache(maxsize=None)
def _accepts3(n, downs, ups, levels=None):
    """Whether every skip connection matches: level l's decoder layer gives back level l's input size."""
    for level, (down, up) in enumerate(zip(downs, ups)):
        if levels is not None and level >= levels:
            break
        m = _down(n, tuple(down))
        if m < 1 or _up(m, tuple(up)) != n:
            return False
        n = m
    return True


def _sizes3(P, *, downs=None, ups=None, levels=None):
    downs = tuple(map(tuple, P["down3"] if downs is None else downs))
    ups = tuple(map(tuple, P["up3"] if ups is None else ups))
    return tuple(n for n in range(P["lo3"], P["lo3"] + 48) if _accepts3(n, downs, ups, levels))


FLOOR3, CEIL3 = (2, 2, 0), (3, 2, 1)
UP_DOUBLE3, UP_ODD3, UP_PADDED3 = (2, 2, 0, 0), (3, 2, 1, 0), (3, 2, 1, 1)
_PAIRS3 = ((FLOOR3, UP_DOUBLE3), (FLOOR3, UP_PADDED3), (CEIL3, UP_DOUBLE3), (CEIL3, UP_ODD3), (CEIL3, UP_PADDED3))
_DOWNS3 = tuple(itertools.product((FLOOR3, CEIL3), repeat=4))
_UPS3 = tuple(itertools.product((UP_DOUBLE3, UP_ODD3, UP_PADDED3), repeat=4))
_NAMES3 = ("down3", "up3", "lo3")
_GRID3 = (_DOWNS3, _UPS3, (60, 100, 150, 200))


def _shows3(P):
    """Every level can match (a floor downsampling never meets a layer that gives back an odd size)."""
    return all((tuple(d), tuple(u)) in _PAIRS3 for d, u in zip(P["down3"], P["up3"]))


def _draw3(rng):
    downs, ups, lo = rng.choice(_question("ex09.3").separating_settings(_NAMES3, _GRID3, DEFAULTS, _shows3))
    return {"down3": [tuple(d) for d in downs], "up3": [tuple(u) for u in ups], "lo3": lo}


# --- ex09.4: least-squares deconvolution (hidden inputs) -----------------------------------------

def deconvolve(Y, w, p, lam):
    """Reference for ex09.4: the rows x minimising ||C x − y||² + lam·||x||² (minimum norm when lam = 0)."""
    Y = np.asarray(Y, dtype=float)
    w = np.asarray(w, dtype=float)
    n = Y.shape[1] - 2 * p + len(w) - 1
    C = conv_matrix(n, w, padding=p)
    if lam > 0:
        X = np.linalg.solve(C.T @ C + lam * np.eye(n), C.T @ Y.T)
    else:
        X = np.linalg.lstsq(C, Y.T, rcond=None)[0]
    return X.T


def _kernel4(rng, k):
    """An asymmetric kernel whose 'full' and 'same' C are well conditioned (so every solver agrees)."""
    while True:
        w = [rng.randint(-3, 3) for _ in range(k)]
        if w[0] and w[-1] and w != w[::-1] and all(
                np.linalg.cond(conv_matrix(6, w, padding=p)) < 30 for p in (k - 1, (k - 1) // 2)):
            return w


def _blurred4(rng, w, p, n, rows, noise):
    X = np.array([[rng.randint(-4, 4) for _ in range(n)] for _ in range(rows)], dtype=float)
    Y = X @ conv_matrix(n, w, padding=p).T
    if noise:
        Y = Y + np.array([[rng.randint(-20, 20) / 100 for _ in range(Y.shape[1])] for _ in range(rows)])
    return np.round(Y, 2).tolist()


def _draw4(rng, kind):
    k = rng.randint(2, 4) if kind != "same" else 3
    w = _kernel4(rng, k)
    n, rows = rng.randint(4, 7), rng.randint(1, 3)
    if kind == "exact":
        return (_blurred4(rng, w, k - 1, n, rows, False), w, k - 1, 0.0)
    if kind == "noisy":
        return (_blurred4(rng, w, k - 1, n, rows, True), w, k - 1, 0.0)
    if kind == "same":
        return (_blurred4(rng, w, 1, n, rows, True), w, 1, 0.0)
    if kind == "regularised":
        p = rng.choice((0, k - 1))
        return (_blurred4(rng, w, p, n, rows, True), w, p, rng.choice((0.1, 0.5, 1.0, 2.0)))
    return (_blurred4(rng, w, 0, n + k - 1, rows, False), w, 0, 0.0)  # valid: fewer equations than unknowns


EXAMPLE4_EXACT = ([[-3.0, 8.0, -4.0, -9.0, 6.0]], [2, -3], 1, 0.0)  # x = [1, -2, 0, 3]
EXAMPLE4_NOISY = ([[1.1, 1.0, -2.9, 3.2, -1.1, -2.0], [0.0, 2.1, 1.9, -0.1, -1.0, 0.9]], [1, 2, -1], 2, 0.0)
EXAMPLE4_SAME = ([[3.1, -0.9, 2.0, 4.2, 1.0]], [1, 3, -1], 1, 0.0)
EXAMPLE4_REGULARISED = ([[2.0, -1.5, 0.3, 2.2]], [1, -2, 2], 0, 0.5)
EXAMPLE4_VALID = ([[5.0, -2.0, -4.0]], [2, 1, -1], 0, 0.0)  # from x = [2, 0, -1, 1, 3]


# --- ex09.5: the lengths at which a 'same' blur cannot be undone ---------------------------------

def _det5(w, n):
    """det C of the n×n 'same' blur (padding 1) with taps w = (a, b, c): exact, by the tridiagonal recurrence."""
    a, b, c = w
    before, now = 1, b
    for _ in range(n - 1):
        before, now = now, b * now - a * c * before
    return now


def _circular_singular5(w, n):
    """Whether the circular (wrapped-around) blur of length n is singular: an eigenvalue of the circulant is 0."""
    a, b, c = w
    return any(abs(a * np.exp(-2j * np.pi * j / n) + b + c * np.exp(2j * np.pi * j / n)) < 1e-9 for j in range(n))


def _singular5(P, circular=False, invert=False):
    rule = (lambda n: _circular_singular5(P["w5"], n)) if circular else (lambda n: _det5(P["w5"], n) == 0)
    return tuple(n for n in range(P["lo5"], P["lo5"] + 12) if rule(n) != invert)


def _check_det5():
    for w in ([1, 1, 1], [2, 2, 1], [1, 0, 3], [1, 3, 3]):
        for n in range(1, 14):
            assert (_det5(w, n) == 0) == (np.linalg.matrix_rank(conv_matrix(n, w, padding=1)) < n)


_check_det5()

TABLE5 = ((1, 1, 1), (1, -1, 1), (2, -2, 2), (1, 0, 1), (2, 0, 3), (1, 0, 4), (2, 2, 1), (1, -2, 2),
          (1, 3, 3), (3, 3, 1))
_NAMES5 = ("w5", "lo5")
_GRID5 = (TABLE5, range(10, 31))


def _draw5(rng):
    w, lo = rng.choice(_question("ex09.5").separating_settings(_NAMES5, _GRID5, DEFAULTS))
    return {"w5": list(w), "lo5": lo}


# --- ex09.6: true claims --------------------------------------------------------------------------

CLAIMS6 = Choice(
    (
        "Let C be a stride-2 convolution with more inputs than outputs (so it has a null space). If x = Cᵀv for "
        "some v, the minimum-norm least-squares solution recovers x exactly from y = Cx.",
        "If C has full column rank, least squares recovers x exactly from a noise-free y = Cx.",
        "A blur without padding (stride 1, k > 1) of a length-n signal can be undone exactly by least squares, "
        "like any other blur.",
        "Halve the noise in y (the same noise, half as large): the error ‖x̂ − x‖ of a regularised solve "
        "(λ > 0) halves too, just as plain least squares' error does.",
        "Zeiler's deconvolutional network (2010) computes its feature maps z by applying a transposed "
        "convolution to the image.",
        "A stride-2 convolution with k = 3 and padding 1 of a length-3 signal can be undone exactly by least "
        "squares, whatever its (nonzero) kernel: here i ≤ k.",
        "For every factor f ≥ 2, the entries of the 2-D bilinear kernel sum to f², not to 1.",
        "A stride-2 convolution with k = 4 and padding 1 of a signal of even length n ≥ 6 loses a single "
        "direction of its input: the null space of its C is one-dimensional.",
    ),
    option_hints={
        "A": "Minimum-norm least squares returns the solution with no part in C's null space. How does a vector "
             "Cᵀv relate to that null space?",
        "B": "What does full column rank say about the solutions of Cx = y when y is exactly Cx?",
        "C": "Count C's rows and columns for padding 0: how many equations and how many unknowns, and what does "
             "that leave of C's null space?",
        "D": "Write x̂ − x for the regularised solve as a sum of two parts: one that comes from the noise, and "
             "one that does not. What does halving the noise do to each?",
        "E": "How does that network find z for a given image: is there an encoder at all, or an optimisation of "
             "a reconstruction with a sparsity term?",
        "F": "Before thinking of rank, count the rows of this C: how many outputs does a length-3 signal give?",
        "G": "On a constant input of ones, what does an interior output unit receive, and which of the kernel's "
             "taps are those (lesson 10's phases)? Sum the 1-D kernel from that, then think how the 2-D kernel's "
             "sum follows from the 1-D one's.",
        "H": "How many outputs does this layer give for n inputs, and what does rank-nullity then say about the "
             "null space's dimension?",
    },
)


@functools.cache
def _claims6() -> tuple:
    """The true claims' letters, each decided by a computation."""
    rng = np.random.default_rng(seed=909)
    truths = {}
    # A: x in the row space of a strided C comes back exactly; a general x does not (the null space is real)
    A = True
    for n in (6, 8, 9):
        C = conv_matrix(n, rng.normal(size=3), stride=2, padding=1)
        x, general = C.T @ rng.normal(size=C.shape[0]), rng.normal(size=n)
        A &= bool(np.allclose(np.linalg.lstsq(C, C @ x, rcond=None)[0], x))
        assert not np.allclose(np.linalg.lstsq(C, C @ general, rcond=None)[0], general)
    truths["A"] = A
    cases = [(rng.normal(size=6), rng.normal(size=3)) for _ in range(3)]
    # B: full column rank (padding k − 1) recovers x exactly
    truths["B"] = all(np.allclose(deconvolve((conv_matrix(6, w, padding=2) @ x)[None], w, 2, 0.0)[0], x)
                      for x, w in cases)
    # C: padding 0 leaves a null space, so least squares cannot tell x from x + null vector
    truths["C"] = all(np.allclose(deconvolve((conv_matrix(6, w, padding=0) @ x)[None], w, 0, 0.0)[0], x)
                      for x, w in cases)
    # D: the lesson's blur and signal; halving the noise halves plain least squares' error, not the ridge's
    tent3 = np.array([0.25, 0.5, 0.25])
    x = np.zeros(32)
    x[6:12], x[16], x[20:28] = 2, 3, np.linspace(0, 2, 8)
    C, noise = conv_matrix(32, tent3, padding=2), rng.normal(0, 0.02, 34)
    def ratio(lam):
        error = [np.linalg.norm(deconvolve((C @ x + c * noise)[None], tent3, 2, lam)[0] - x) for c in (1, 0.5)]
        return error[1] / error[0]
    assert math.isclose(ratio(0.0), 0.5, rel_tol=1e-6)
    truths["D"] = all(math.isclose(ratio(lam), 0.5, rel_tol=0.01) for lam in (0.001, 0.01, 0.1))
    truths["E"] = False  # z is inferred by optimising Σ z ∗ f ≈ y with a sparsity term: no encoder (Zeiler et al. 2010)
    # F: i = 3, k = 3, s = 2, p = 1 gives o = 2 < 3 outputs, so C has a null space for every kernel
    assert conv_output_size(3, 3, 2, 1) == 2
    truths["F"] = all(np.linalg.matrix_rank(conv_matrix(3, rng.normal(size=3), stride=2, padding=1)) == 3
                      for _ in range(5))
    truths["G"] = all(math.isclose(bilinear_kernel(f, f).sum(), f * f) and not math.isclose(f * f, 1)
                      for f in range(2, 9))
    # H: o = n/2 outputs, so the null space has dimension n/2 (at least 3 here)
    truths["H"] = all(n - np.linalg.matrix_rank(conv_matrix(n, rng.normal(size=4), stride=2, padding=1)) == 1
                      for n in (6, 8, 10, 12))
    return tuple(letter for letter, true in truths.items() if true)


# --- ex09.7: a deconvnet's steps, in order --------------------------------------------------------

STEPS7 = Order((
    "Unpool with layer 1's switches.",
    "Pass layer 1's pooled maps through layer 2 (filter, rectify, max-pool), recording layer 2's switches.",
    "Filter with layer 2's filters transposed (Cᵀ of layer 2's convolution).",
    "Keep the chosen activation in layer 2's pooled maps and set every other activation of that layer to zero.",
    "Rectify the maps unpooled with layer 1's switches (ReLU).",
    "Pass the image through layer 1 (filter, rectify, max-pool), recording layer 1's switches: where each "
    "maximum came from.",
    "Unpool with layer 2's switches.",
    "Filter with layer 1's filters transposed: the result is in pixel space.",
    "Rectify the maps unpooled with layer 2's switches (ReLU).",
))
ORDER7 = ("F", "B", "D", "G", "I", "C", "A", "E", "H")


def _unpool_matches_pool():
    """The switches recorded by a pooling put each maximum back where it came from (course_lib.numeric)."""
    x = np.array([[1, 5, 2, 0], [3, 2, 7, 1], [0, 4, 1, 6], [2, 1, 3, 2]], dtype=float)
    pooled, switches = max_pool2d(x, 2, return_indices=True)
    back = max_unpool2d(pooled, switches, 2)
    return bool(np.array_equal(max_pool2d(back, 2), pooled)) and int((back != 0).sum()) == pooled.size


assert _unpool_matches_pool()
# the exact example comes back exactly, the valid one does not
assert np.allclose(deconvolve(*EXAMPLE4_EXACT), [[1, -2, 0, 3]])
assert not np.allclose(deconvolve(*EXAMPLE4_VALID), [[2, 0, -1, 1, 3]])


# --- ex09.8: find and fix the bugs of a bilinear kernel -------------------------------------------

BUGGY8 = '''def bilinear_kernel(fh, fw):
    """FCN's bilinear upsampling kernel: factor fh along the rows, fw along the columns."""
    def tent(f):
        k = 2 * f
        centre = (k - 1) / 2
        return 1 - np.abs(np.arange(k) - centre) / f
    return np.outer(tent(fw), tent(fh))'''
_buggy_namespace = {"np": np}
exec(BUGGY8, _buggy_namespace)  # noqa: S102 - the course's own text
_buggy8 = _buggy_namespace["bilinear_kernel"]

EXAMPLE8_EVEN = (4, 4)
EXAMPLE8_ODD = (3, 3)
EXAMPLE8_MIXED = (2, 3)
EXAMPLE8_ONE = (1, 4)
assert np.allclose(_buggy8(*EXAMPLE8_EVEN), bilinear_kernel(*EXAMPLE8_EVEN))  # square even factors hide both bugs
assert _buggy8(*EXAMPLE8_ODD).shape != bilinear_kernel(*EXAMPLE8_ODD).shape
# a fix of k alone still fails the mixed example (the swapped axes show there)
assert np.outer(bilinear_kernel_1d(3), bilinear_kernel_1d(2)).shape != bilinear_kernel(*EXAMPLE8_MIXED).shape


def generate(rng):
    """One student's parameters."""
    P = {}
    for draw in (_draw1, _draw2, _draw3, _draw5):
        P.update(draw(rng))  # each block once: ExerciseSet.draw redraws the rare variant that does not separate
    return P


QUESTIONS = [
    Question(
        id="ex09.1", name="up1", title="An FCN upsampling layer, borders included", points=3,
        kind=Matrix(rel_tol=1e-9), answer=_up1,
        mistakes=[
            Mistake(lambda P: _up1(P, crop=0), "Your output is the full scatter result: the layer's padding crops "
                    "units from each side of it."),
            Mistake(lambda P: _up1(P, crop=bilinear_kernel_size(P["f1"]) - bilinear_padding(P["f1"]) - 1),
                    "You cropped p′ = k − p − 1, the emulating convolution's padding; the layer's own padding is "
                    "what it crops."),
            Mistake(lambda P: _up1(P, edge=True), "Your borders are those of a bilinear resize, which repeats the "
                    "edge values: the layer has nothing beyond the input's edge, so the border units get fewer "
                    "contributions."),
            Mistake(lambda P: _up1(P, normalised=True), "Your kernel's entries sum to 1, so every value is scaled "
                    "down: the recipe's kernel has that property per phase, not overall."),
            Mistake(_nearest1, "That is nearest-neighbour upsampling (each value repeated): the bilinear kernel "
                    "blends neighbouring inputs."),
        ],
        checks=[Check("len(answer) == f1 * len(X1) and len(answer[0]) == f1 * len(X1[0])",
                      "Caffe's recipe maps each size to f1 times that size.")],
        hint="Scatter: each input unit adds a copy of the kernel, scaled by its value, at f1 times its position; "
             "then the padding crops the full result on every side. Work one row first; the kernel is separable.",
    ),
    Question(
        id="ex09.2", name="sizes2", title="The sizes of a generator's layers", points=2,
        kind=IntTuple(length=4), answer=_sizes2,
        mistakes=[
            Mistake(lambda P: _sizes2(P, lambda i, k, s, p, a: (i - 1) * s + k + 2 * p + a), "A transposed "
                    "layer's padding crops its full output: it is subtracted, not added."),
            Mistake(lambda P: _sizes2(P, lambda i, k, s, p, a: (i - 1) * s + k - p + a), "The padding crops p "
                    "units from each side, 2p in all."),
            Mistake(lambda P: _sizes2(P, lambda i, k, s, p, a: (i - 1) * s + k - 2 * p) if any(
                a for *_, a in P["layers2"]) else None, "output_padding adds units at the end of the output; "
                    "your sizes leave it out."),
            Mistake(lambda P: _sizes2(P, lambda i, k, s, p, a: i * s if i > 1 else k), "'Multiply by the stride' "
                    "is a shortcut that holds for some kernels and paddings only (DCGAN's 4, 2, 1 among them); work "
                    "out each layer's full output and what padding and output_padding do to it."),
            Mistake(_direct2, "You used the direct convolution's size rule: a transposed "
                    "layer maps sizes the other way."),
        ],
        checks=[Check("answer[0] == k2", "The first layer turns the 1×1 latent into a k2×k2 map.")],
        hint="Follow one axis through the layers; for each, ask what the full scatter output of a transposed "
             "convolution is, then what padding and output_padding do to it.",
    ),
    Question(
        id="ex09.3", name="sizes3", title="The input sizes a U-Net accepts", points=3,
        kind=IntTuple(unordered=True), answer=_sizes3,
        mistakes=[
            Mistake(lambda P: tuple(n for n in range(P["lo3"], P["lo3"] + 48) if n % 2 ** len(P["down3"]) == 0),
                    "'Multiples of 2 to the number of levels' is the rule of a U-Net that pools by 2×2 and "
                    "doubles at every level; these layers are not all of that kind: work out what each one does "
                    "to a size."),
            Mistake(lambda P: tuple(range(P["lo3"], P["lo3"] + 48)), "Not every size comes back: a downsampling "
                    "layer rounds, and the decoder cannot know which way."),
            Mistake(lambda P: _sizes3(P, levels=1), "You checked the first level only: the sizes each deeper level "
                    "receives must match there as well."),
            # An empty list has several causes, so its hint names the steps to check, not one cause: on every
            # setting of the grid, rounding the strided convolutions down like the 2×2 pooling gives (), and so
            # does the ceil formula for every downsampling layer (or else it gives the answer); the decoder
            # layers paired in reverse often give () too.
            Mistake(lambda P: () if _sizes3(P) else None, "Some sizes in the range do pass all four levels. "
                    "Follow one n through the network by hand and compare with your code at each step: every "
                    "down3 layer's output size from its own k, s and p (with the rounding of its formula), then "
                    "the size that level's decoder layer gives back."),
            Mistake(lambda P: _sizes3(P, ups=P["up3"][::-1]) or None, "Check which decoder layer you compare "
                    "with which skip: the output of up3[l − 1] meets level l's skip, the map that went into "
                    "down3[l − 1], whatever order the decoder runs its layers in."),
        ],
        checks=[Check("all(lo3 <= n < lo3 + 48 for n in answer)",
                      "List sizes from lo3 to lo3 + 47 (both included) only.")],
        hint="For one level, write the size the decoder gives back as a function of the level's input size n, "
             "and say for which n it is n again (odd or even?). Then follow n down the levels.",
    ),
    Question(
        id="ex09.4", name="deconvolve", title="Least-squares deconvolution, for any short signal", points=4,
        kind=Function(result=Matrix(rel_tol=1e-6), time_limit=5.0), reference=deconvolve,
        examples=[EXAMPLE4_EXACT, EXAMPLE4_NOISY, EXAMPLE4_SAME, EXAMPLE4_REGULARISED, EXAMPLE4_VALID],
        hidden=[
            HiddenGroup("full padding (p = k − 1), no noise", draw=lambda rng: _draw4(rng, "exact"),
                        example=EXAMPLE4_EXACT, count=4),
            HiddenGroup("full padding, noisy, λ = 0", draw=lambda rng: _draw4(rng, "noisy"),
                        example=EXAMPLE4_NOISY, count=4),
            HiddenGroup("'same' padding (square C), noisy", draw=lambda rng: _draw4(rng, "same"),
                        example=EXAMPLE4_SAME, count=4),
            HiddenGroup("regularised, λ > 0", draw=lambda rng: _draw4(rng, "regularised"),
                        example=EXAMPLE4_REGULARISED, count=4),
            HiddenGroup("no padding (fewer equations than unknowns), λ = 0", draw=lambda rng: _draw4(rng, "valid"),
                        example=EXAMPLE4_VALID, count=4),
        ],
        hint="Build the matrix C of the blur for the signal's length (which you get from a row's length, k and p), "
             "row by row from the definition at the top of the notebook (which tap meets which input unit?); "
             "then solve the least-squares problem for all rows at once. For λ > 0 the normal equations change.",
    ),
    Question(
        id="ex09.5", name="singular5", title="The lengths a 'same' blur cannot be undone at", points=2,
        kind=IntTuple(unordered=True), answer=_singular5,
        mistakes=[
            Mistake(lambda P: _singular5(P, circular=True) or None, "Those are the lengths of a blur that wraps around "
                    "(circular padding); here the padding is zeros, so the first and last rows of C lose a tap."),
            Mistake(lambda P: (), "Some lengths do give a singular C: a square matrix with nonzero entries can "
                    "still have rank below its size."),
            Mistake(lambda P: _singular5(P, invert=True), "Reversed: those are the lengths at which C is "
                    "invertible."),
        ],
        checks=[Check("all(lo5 <= n < lo5 + 12 for n in answer)", "List lengths from lo5 to lo5 + 11 only.")],
        hint="Build C for a few small lengths and look at its determinant (or rank) as the length grows; a "
             "tridiagonal determinant obeys a two-term recurrence, and its zeros follow a pattern.",
    ),
    Question(
        id="ex09.6", name="claims6", title="Deconvolution and upsampling: which claims are true?", points=2,
        kind=CLAIMS6, answer=lambda P: _claims6(),
        hint="Test each claim on a case small enough to compute. For a matrix C, count its rows and columns "
             "before you think about its rank or its null space; for the others, split the quantity into its "
             "parts (noise and no noise, one axis and two) and follow each.",
    ),
    Question(
        id="ex09.7", name="steps7", title="A deconvnet's steps, in order", points=2, kind=STEPS7,
        answer=lambda P: ORDER7,
        mistakes=[
            Mistake(lambda P: ("F", "B", "D", "C", "I", "G", "H", "E", "A"), "Going down a layer undoes its "
                    "forward steps in reverse: which of its forward steps came last?"),
            Mistake(lambda P: ("F", "B", "D", "G", "C", "I", "A", "H", "E"), "Look again at where the ReLU goes: "
                    "in the forward pass it sat between the convolution and the pooling."),
            Mistake(lambda P: ("F", "B", "D", "A", "E", "H", "G", "I", "C"), "Which maps does the projection start "
                    "from, and which layer's switches fit maps of that size?"),
            Mistake(lambda P: ("B", "F", "D", "G", "I", "C", "A", "E", "H"), "What does layer 2 read in the "
                    "forward pass, and where does that come from?"),
            Mistake(lambda P: ("D", "F", "B", "G", "I", "C", "A", "E", "H"), "The chosen activation is one of "
                    "layer 2's pooled maps: what has to run before those maps exist?"),
        ],
        hint="Start from what must exist before anything can be projected down; then ask, for each layer, which "
             "of its forward steps ran last, and which layer was the last to run.",
    ),
    Question(
        id="ex09.8", name="bilinear_kernel", title="Find and fix the bugs: a bilinear kernel for two factors",
        points=2, kind=Function(result=Matrix(rel_tol=1e-9), time_limit=5.0), reference=bilinear_kernel,
        examples=[EXAMPLE8_EVEN, EXAMPLE8_ODD, EXAMPLE8_MIXED, EXAMPLE8_ONE],
        hidden=[
            HiddenGroup("the same even factor along both axes", example=EXAMPLE8_EVEN, cases=[(18, 18)],
                        draw=lambda rng: (lambda f: (f, f))(2 * rng.randint(1, 5)), count=3),
            HiddenGroup("the same odd factor along both axes", example=EXAMPLE8_ODD, cases=[(17, 17)],
                        draw=lambda rng: (lambda f: (f, f))(2 * rng.randint(1, 4) + 1), count=3),
            HiddenGroup("different factors along the two axes", example=EXAMPLE8_MIXED, cases=[(16, 7), (14, 9)],
                        draw=lambda rng: tuple(rng.sample(range(2, 9), 2)), count=4),
            HiddenGroup("factor 1 along an axis", example=EXAMPLE8_ONE, cases=[(1, 19)],
                        draw=lambda rng: rng.choice(((1, rng.randint(2, 6)), (rng.randint(2, 6), 1))), count=3),
        ],
        hint="Take a call with two different factors, say fh = 2 and fw = 3, and go through the function line "
             "by line beside Caffe's recipe (lesson 09, section 3): write down what each line gives, and what "
             "the recipe says it should be for that factor.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex09", notebook="09_deconvolution_and_upsampling.ipynb", title="Deconvolution and upsampling",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
