"""Exercise set ex07 — dilated convolution (instructor only: answers and hidden tests).

Every expected answer is computed here, in the grader's process: sizes with
course_lib.arithmetic, receptive fields with course_lib.layers.walk, PyTorch's behaviour with
course_lib.frameworks (which `make crosscheck` verifies against PyTorch), and the input units a
stack reaches by following every path of taps (a sweep that walk's receptive fields confirm).
Questions: ex07.1 effective kernel, output size and CS231n's numbering; ex07.2 the receptive
field of an encoder of repeated stages (residual blocks of two dilated convolutions, then a strided
downsampling convolution); ex07.3 the holes behind a strided stem; ex07.4 third rates that avoid gridding; ex07.5 the transposed layer that undoes a
dilated strided convolution (i′, output_padding, p′); ex07.6 which output_padding PyTorch accepts
for a dilated transposed layer (framework prediction); ex07.7 true claims about dilation (choice);
ex07.8 the reached offsets of any stack (hidden stacks); ex07.9 find and fix the bugs of a
receptive-field function for dilated stacks (hidden stacks).

Every variant, defaults included, separates each declared mistake from the answer and from the
other mistakes: each question's numbers are drawn once, from ranges or small tables of settings where
every tested idea shows (SETTINGS4, and the settings of a grid that separate, from ``Question.separating_settings``), so that
``ExerciseSet.draw`` rarely has to draw again. The defaults are not the lesson's worked cases.
"""

import functools
import itertools
import math

import numpy as np

from course_lib import connectivity, frameworks
from course_lib.arithmetic import conv_output_size, effective_kernel_size, transposed_equivalent
from course_lib.grading.kinds import Choice, Function, Int, IntTuple
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.layers import Conv, walk
from course_lib.numeric import conv1d

DEFAULTS = {
    "i1": 31, "k1": 4, "d1": 3, "s1": 2, "p1": 1, "e1": 3,
    "k2": 3, "L2": 4, "B2": 2, "q2": 3, "s2": 2,
    "k3a": 3, "s3": 2, "k3": 2, "r3": [4, 5],
    "k4": 3, "a4": 1, "b4": 4, "R4": 14,
    "i5": 23, "k5": 4, "s5": 4, "p5": 1, "d5": 2,
    "n6": 5, "k6": 3, "s6": 2, "p6": 2, "d6": 4, "A6": 5,
}


def _question(qid):
    return next(q for q in QUESTIONS if q.id == qid)


# --- receptive fields and reached units ---------------------------------------------------------

def _field(layers):
    """Receptive field of one unit of the last layer of a 1-D stack [(k, s, d), ...] (course_lib.connectivity)."""
    layers = [tuple(layer) for layer in layers]
    return connectivity.stack_receptive_field([k for k, _, _ in layers], [d for _, _, d in layers],
                                              [s for _, s, _ in layers])


def _holes(layers):
    """The offsets of the field (from its first unit) that no path of taps reaches (course_lib.connectivity)."""
    return tuple(connectivity.holes([k for k, _, _ in layers], [d for _, _, d in layers], [s for _, s, _ in layers]))


def reached_offsets(layers):
    """Reference for ex07.8: the input offsets (from the field's first unit) one unit of the last
    layer depends on, every path of taps followed; layers = [(k, s, d), ...], first layer first."""
    reached, jump = {0}, 1
    for kernel, stride, dilation in layers:
        reached = {r + t * dilation * jump for r in reached for t in range(kernel)}
        jump *= stride
    return tuple(sorted(reached))


def receptive_field(layers):
    """Reference for ex07.9: the span of the field of one unit of the last layer."""
    return _field(layers)


def _walk_field(layers):
    """The same field from course_lib.layers.walk (a 1-D stack as H × 1 maps), for the checks below."""
    size = 1
    for k, s, d in reversed(layers):  # the smallest input that gives one output unit
        size = (size - 1) * s + effective_kernel_size(k, d)
    table = walk((1, size, 1), [Conv(1, (k, 1), stride=(s, 1), dilation=(d, 1)) for k, s, d in layers])
    return table.rows[-1].receptive_field[0]


# The path-following reference agrees with course_lib.connectivity, and the fields with layers.walk.
for _stack in ([(3, 1, 2), (3, 1, 3)], [(3, 2, 1), (3, 1, 2), (3, 1, 3)], [(2, 2, 3), (3, 1, 2), (2, 3, 1)],
               [(1, 2, 1), (3, 1, 3), (2, 2, 2)]):
    assert set(reached_offsets(_stack)) | set(_holes(_stack)) == set(range(_field(_stack)))
    assert _field(_stack) == _walk_field(_stack) == max(reached_offsets(_stack)) + 1


# --- ex07.1 -------------------------------------------------------------------------------------

def _answer1(P, *, k_hat=None, o_kernel=None, cs_d=None, ceil=False):
    """(k̂, o, k̂ of the CS231n layer); the keywords put a slip in place of the right rule."""
    i, k, d, s, p, e = (P[n] for n in ("i1", "k1", "d1", "s1", "p1", "e1"))
    rule = k_hat or (lambda k, d: effective_kernel_size(k, d))
    reach = rule(k, d)
    span = i + 2 * p - (o_kernel(k, d) if o_kernel else reach)
    o = (-(-span // s) if ceil else span // s) + 1
    cs = rule(k, e + 1 if cs_d is None else cs_d(e))
    return (reach, o, cs)


# i1 + 2·p1 − k̂ leaves a remainder when divided by s1 (else rounding up gives the answer), and the undilated
# kernel's output size differs from the answer and from the rounded-up one: the settings of this grid
# whose mistakes separate (e1 apart from d1 and d1 − 1, where the CS231n numbering would not show).
_NAMES1 = ("d1", "e1", "i1", "k1", "s1", "p1")
_GRID1 = ((2, 3, 4), (2, 3), range(24, 41), range(3, 6), (2, 3), range(1, 4))


def _numbering_shows1(P):
    return P["e1"] not in (P["d1"], P["d1"] - 1)


def _draw1(rng):
    settings = _question("ex07.1").separating_settings(_NAMES1, _GRID1, DEFAULTS, _numbering_shows1)
    return dict(zip(_NAMES1, rng.choice(settings)))


# --- ex07.2: an encoder of repeated stages --------------------------------------------------------

def _stages2(P, *, convs=2, strides=True):
    """The encoder as [(k, s, d), ...]: B2 stages of residual blocks (dilations 1, 2, …, 2^(L2 − 1), ``convs``
    convolutions each) followed by a downsampling convolution of kernel q2 and stride s2."""
    stage = [(P["k2"], 1, 2 ** level) for level in range(P["L2"]) for _ in range(convs)]
    stage.append((P["q2"], P["s2"] if strides else 1, 1))
    return stage * P["B2"]


def _jumps2(P):
    """The spacing, in input units, of the units each layer of the encoder reads."""
    jumps, jump = [], 1
    for _, s, _ in _stages2(P):
        jumps.append(jump)
        jump *= s
    return jumps


def _own_jump2(P):
    """The recurrence with each layer's own jump (after its stride) instead of the jump of its input."""
    field, jump = 1, 1
    for k, s, d in _stages2(P):
        jump *= s  # the slip: the layer's own stride counted before its taps
        field += jump * d * (k - 1)
    return field


def _draw2(rng):
    return {"k2": rng.randint(2, 3), "L2": rng.randint(3, 5), "B2": rng.randint(2, 3), "q2": rng.randint(2, 4),
            "s2": rng.randint(2, 3)}


# --- ex07.3: holes of a strided stem and two dilated layers --------------------------------------

def _layers3(P, *, stride=True, stem_dilated=False):
    stem = (P["k3a"], P["s3"] if stride else 1, P["s3"] if stem_dilated else 1)
    return [stem] + [(P["k3"], 1, d) for d in P["r3"]]


def _draw3(rng):
    while True:
        P = {"k3a": rng.randint(2, 4), "s3": rng.randint(2, 3), "k3": rng.randint(2, 3),
             "r3": sorted(rng.sample(range(1, 6), 2))}
        if 1 <= len(_holes(_layers3(P))) <= 12:
            return P


# --- ex07.4: third rates ------------------------------------------------------------------------

def _third4(P, rule=None):
    k, a, b = P["k4"], P["a4"], P["b4"]
    rule = rule or (lambda r: not _holes([(k, 1, a), (k, 1, b), (k, 1, r)]))
    return tuple(r for r in range(1, P["R4"] + 1) if rule(r))


# (k, first rate, second rate): the first two layers leave holes in their span that some third rate fills.
# Pairs that cover their span ((3, 1, 2), (3, 1, 3)) are left out, as there comparing r with the span gives
# the answer; so are pairs no third rate completes (k = 2 with (2, 5), (3, 4), ...). With R4 from 16 to 20,
# every setting separates every mistake (the answer stops below the span, the common-factor rule does not).
SETTINGS4 = [(3, 1, 4), (3, 1, 5), (3, 1, 6), (3, 2, 3), (3, 2, 4), (3, 2, 5), (3, 3, 4), (2, 1, 3), (2, 1, 4),
             (2, 2, 3), (2, 2, 4)]


def _draw4(rng):
    k, a, b = rng.choice(SETTINGS4)
    return {"k4": k, "a4": a, "b4": b, "R4": rng.randint(16, 20)}


# --- ex07.5: the transposed layer that undoes a dilated convolution -----------------------------

def _answer5(P, *, kernel="dilated", p_prime="dilated", a_without_p=False, a_kernel="dilated", a_rule=None):
    i, k, s, p, d = (P[n] for n in ("i5", "k5", "s5", "p5", "d5"))
    reach = effective_kernel_size(k, d) if kernel == "dilated" else k
    i_prime = (i + 2 * p - reach) // s + 1
    a_reach = reach if a_kernel == "dilated" else k
    a = ((i - a_reach) if a_without_p else (i + 2 * p - a_reach)) % s
    if a_rule == "s-1":
        a = s - 1
    pp = (effective_kernel_size(k, d) if p_prime == "dilated" else k) - p - 1
    if p_prime == "p":
        pp = p
    return (i_prime, a, pp)


# The settings of this grid whose transposed layer needs an output_padding, whose p′ is not negative, and
# whose mistakes separate. Stride 2 is not in the grid: 2·p5 is even, so leaving the padding out of the
# output_padding never shows. Stride 3 never separates either: the answer, s − 1, the output_padding without
# the padding and the one from k would need four different remainders out of three. So every setting has
# stride 4, with (k − 1)(d − 1) not a multiple of 4 and 2·p5 not one either.
_NAMES5 = ("i5", "k5", "s5", "p5", "d5")
_GRID5 = (range(20, 41), range(2, 6), (3, 4), range(1, 4), range(2, 6))


def _needs_output_padding5(P):
    eq = transposed_equivalent(P["i5"], P["k5"], P["s5"], P["p5"], P["d5"])
    return bool(eq.a) and eq.p_prime >= 0


def _draw5(rng):
    settings = _question("ex07.5").separating_settings(_NAMES5, _GRID5, DEFAULTS, _needs_output_padding5)
    return dict(zip(_NAMES5, rng.choice(settings)))


# --- ex07.6: what PyTorch accepts ---------------------------------------------------------------

def _lengths6(P, *, below=None, kernel=None, two_p=True):
    """PyTorch's output length for output_padding = 0 … A6 (0 where it refuses)."""
    n, k, s, p, d = (P[x] for x in ("n6", "k6", "s6", "p6", "d6"))
    lengths = []
    for a in range(P["A6"] + 1):
        if below is not None:  # a slip's own acceptance rule and length
            if a >= below:
                lengths.append(0)
                continue
            reach = effective_kernel_size(k, d) if kernel is None else kernel
            lengths.append((n - 1) * s - (2 * p if two_p else p) + reach + a)
            continue
        try:
            lengths.append(frameworks.torch_conv_transpose_length(n, k, s, p, a, d))
        except frameworks.FrameworkRefusal:
            lengths.append(0)
    return tuple(lengths)


def _draw6(rng):
    # PyTorch's limit is max(s, d): half the variants have the dilation larger, half the stride, so
    # that neither "below the stride" nor "below the dilation" is right everywhere
    dilation_larger = rng.random() < 0.5
    if dilation_larger:
        s = rng.randint(1, 2)
        d = rng.randint(s + 2, 5)
    else:
        d = rng.randint(2, 3)
        s = rng.randint(d + 1, 4)
    # p6 >= 2: cropping p6 once instead of twice must not look like a stray +1
    return {"n6": rng.randint(4, 8), "k6": rng.randint(2, 4), "s6": s, "p6": rng.randint(2, 3), "d6": d,
            "A6": max(s, d) + rng.randint(1, 2)}


# --- ex07.7: true claims ------------------------------------------------------------------------

CLAIMS7 = Choice(
    (
        "A 3×3 convolution with dilation d, stride 1 and padding d gives an output of the input's size, "
        "whatever d.",
        "A convolution with dilation 2 (stride 1) gives about half as many output units as an undilated one, "
        "as stride 2 does.",
        "The receptive field of a TCN is (number of stacks) × (largest dilation) × (kernel size).",
        "A 3×3 convolution with dilation d has the same number of weights as an undilated 3×3 convolution "
        "between the same numbers of maps.",
        "Three 3×3 layers of stride 1 with dilations 2, 4 and 8 reach every input unit of their receptive "
        "field.",
        "If the dilations of a stride-1 stack have no common factor greater than 1, one output unit reaches "
        "every input unit of its receptive field.",
        "With stride 1, a convolution with dilation d gives the same values as d undilated convolutions with "
        "the same kernel, each run on one phase of the input (every d-th unit), their outputs interleaved.",
        "Dilating every layer of a stride-1 stack by the same factor d multiplies the stack's receptive field "
        "by d.",
    ),
    option_hints={
        "A": "Count: what is k̂ for k = 3 and dilation d, and how much padding keeps the size at stride 1?",
        "B": "Compute the output size for i = 20, k = 3 with d = 2 (stride 1), then with s = 2 (d = 1): which "
             "one loses about half, and how many units does the other lose?",
        "C": "Build a TCN (two convolutions per residual block, dilations 1, 2, 4, …) and follow one output unit "
             "back to the input, or add up each layer's (k − 1)·d: compare with the product.",
        "D": "Where do a dilated kernel's weights sit, and what sits between them?",
        "E": "List the offsets one output unit reaches, one tap per layer added along each path, and look at "
             "what all those sums have in common.",
        "F": "Try k = 3 with dilations 1, 2 and 9: list the offsets one output unit reaches.",
        "G": "Write output unit j as a sum over taps t of w[t]·x[j + t·d]: which inputs does it read, and which "
             "phase of the input do they belong to?",
        "H": "Take a stack whose field you know (two 3×3 layers, field 5) and dilate both layers by 2: compute "
             "the new field from the rule and compare it with 2 × 5.",
    },
)


@functools.cache
def _claims7() -> tuple:
    """The true claims' letters, each decided by a sweep over small layers and stacks."""
    rng = np.random.default_rng(seed=707)

    def same_size(d):
        return all(conv_output_size(i, 3, 1, d, d) == i for i in range(1, 40))

    def halves(d=2):
        return all(conv_output_size(i, 3, 1, 0, d) <= (i + 1) // 2 + 1 for i in range(12, 40))

    def tcn_product(k, L, B):
        layers = [(k, 1, 2 ** lv) for _ in range(B) for lv in range(L) for _ in range(2)]
        return _field(layers) == B * 2 ** (L - 1) * k

    def phases(d):
        x, w = rng.normal(size=25), rng.normal(size=3)
        out = conv1d(x, w, dilation=d)
        woven = np.empty_like(out)
        for phase in range(d):
            part = conv1d(x[phase::d], w)
            woven[phase::d] = part[:len(woven[phase::d])]
        return np.allclose(out, woven)

    def full(rates, k=3):
        return not _holes([(k, 1, r) for r in rates])

    def scaled(layers, d):
        return _field([(k, s, d) for k, s, _ in layers]) == d * _field(layers)

    stacks = [[(k, 1, 1)] * n for k in (2, 3, 5) for n in (1, 2, 3)]
    truths = {
        "A": all(same_size(d) for d in range(1, 6)),
        "B": halves(),
        "C": all(tcn_product(k, L, B) for k in (2, 3, 6) for L in (3, 4, 6) for B in (1, 2)),
        "D": True,  # a dilated layer keeps its k×k weights: the inserted positions hold zeros, not weights
        "E": full((2, 4, 8)),
        "F": all(full(rates, k) for k in (2, 3) for rates in itertools.combinations(range(1, 12), 3)
                 if math.gcd(*rates) == 1),
        "G": all(phases(d) for d in (2, 3, 4)),
        "H": all(scaled(layers, d) for layers in stacks for d in (2, 3)),
    }
    return tuple(letter for letter, true in truths.items() if true)


def _layer_weights(k, d):
    """Weights of one 2-D k×k layer with dilation d between one input and one output map (the rest are zeros)."""
    kernel = np.zeros((effective_kernel_size(k, d),) * 2)
    kernel[::d, ::d] = 1
    return int(kernel.sum())


assert _layer_weights(3, 4) == _layer_weights(3, 1) == 9


# --- ex07.8 and ex07.9: hidden stacks -----------------------------------------------------------

def _draw_stack(rng, kind):
    """A stack [(k, s, d), ...] of the given kind."""
    if kind == "factor":          # stride 1, dilations sharing a factor > 1
        g = rng.randint(2, 3)
        return ([(rng.randint(2, 3), 1, g * rng.randint(1, 3)) for _ in range(rng.randint(2, 3))],)
    if kind == "coprime":         # stride 1, no common factor, holes all the same
        while True:
            k = rng.randint(2, 3)
            rates = sorted(rng.sample(range(1, 11), 3))
            layers = [(k, 1, d) for d in rates]
            if math.gcd(*rates) == 1 and _holes(layers):
                return (layers,)
    if kind == "strided":         # a strided stem, then dilated layers
        layers = [(rng.randint(2, 4), rng.randint(2, 3), 1) for _ in range(rng.randint(1, 2))]
        return (layers + [(rng.randint(2, 3), 1, rng.randint(2, 4)) for _ in range(rng.randint(1, 2))],)
    if kind == "single":          # one dilated layer, possibly strided
        return ([(rng.randint(2, 5), rng.randint(1, 3), rng.randint(2, 5))],)
    if kind == "undilated":       # strides only, no dilation (kernels may be shorter than strides)
        return ([(rng.randint(1, 4), rng.randint(1, 3), 1) for _ in range(rng.randint(2, 4))],)
    # mixed: strides and dilations anywhere, a dilated layer before a later one, and a strided layer of
    # kernel 1 before a layer of kernel > 1 (its stride still spaces the later taps)
    while True:
        layers = [(rng.randint(1, 3), rng.randint(1, 2), rng.randint(1, 3)) for _ in range(rng.randint(2, 4))]
        if any(d > 1 for _, _, d in layers[:-1]) and any(
                k == 1 and s > 1 and any(k2 > 1 for k2, _, _ in layers[n + 1:])
                for n, (k, s, _) in enumerate(layers)):
            return (layers,)


EXAMPLE8_FACTOR = ([(3, 1, 2), (2, 1, 4)],)
EXAMPLE8_COPRIME = ([(2, 1, 1), (2, 1, 3), (3, 1, 7)],)
EXAMPLE8_STRIDED = ([(2, 2, 1), (3, 1, 3), (3, 1, 5)],)  # a set of its offsets does not come out sorted
EXAMPLE8_MIXED = ([(2, 1, 3), (1, 2, 1), (3, 1, 2), (2, 3, 1)],)

BUGGY9 = '''def receptive_field(layers):
    """Receptive field (input units) of one unit of the last layer; layers = [(k, s, d), ...]."""
    field, jump = 1, 1
    for k, s, d in layers:
        k_hat = k * d
        field = field + (k_hat - 1) * jump
        jump = jump * s * d
    return field'''
_buggy_namespace = {}
exec(BUGGY9, _buggy_namespace)  # noqa: S102 - the course's own text
_buggy9 = _buggy_namespace["receptive_field"]

EXAMPLE9_SINGLE = ([(3, 1, 4)],)
EXAMPLE9_UNDILATED = ([(3, 2, 1), (2, 2, 1), (3, 1, 1)],)
EXAMPLE9_AFTER = ([(3, 1, 2), (3, 1, 1)],)
EXAMPLE9_MIXED = ([(2, 2, 3), (3, 1, 2), (2, 3, 1)],)
assert _buggy9(EXAMPLE9_SINGLE[0]) != receptive_field(EXAMPLE9_SINGLE[0])
assert _buggy9(EXAMPLE9_AFTER[0]) != receptive_field(EXAMPLE9_AFTER[0])
# a "fix" of k_hat alone still fails the dilated-then-undilated example (the jump bug shows there)
assert 1 + 4 * 1 + 2 * 2 != receptive_field(EXAMPLE9_AFTER[0])


def generate(rng):
    """One student's parameters."""
    P = {}
    for draw in (_draw1, _draw2, _draw3, _draw4, _draw5, _draw6):
        P.update(draw(rng))  # each block once: ExerciseSet.draw redraws the rare variant that does not separate
    return P


QUESTIONS = [
    Question(
        id="ex07.1", name="sizes1", title="Effective kernel, output size, and CS231n's numbering", points=2,
        kind=IntTuple(length=3), answer=_answer1,
        mistakes=[
            Mistake(lambda P: _answer1(P, k_hat=lambda k, d: k * d), "A dilated kernel does not grow to k·d: "
                    "count its taps and the gaps between neighbouring taps; there is no gap after the last tap."),
            Mistake(lambda P: _answer1(P, k_hat=lambda k, d: d * (k - 1)), "You counted the gaps' span, d(k − 1), "
                    "but not the first tap: the kernel covers one unit more."),
            Mistake(lambda P: _answer1(P, cs_d=lambda e: e), "CS231n numbers dilation from 0: its 'dilation e1' "
                    "leaves e1 units out between taps, which is not the guide's d = e1."),
            Mistake(lambda P: _answer1(P, o_kernel=lambda k, d: k), "Your output size slides the undilated kernel: "
                    "the window the output size depends on is the dilated one."),
            Mistake(lambda P: _answer1(P, ceil=True), "Your output size rounds up: a window that would run past "
                    "the padded input is not computed, so the division by the stride rounds down."),
        ],
        checks=[Check("answer[0] >= k1 and answer[2] >= k1", "A dilated kernel spans at least its k1 taps.")],
        hint="Draw one dilated kernel as taps and skipped units and count them; then the output size follows as "
             "for any kernel of that span.",
    ),
    Question(
        id="ex07.2", name="encoder2", title="The receptive field of an encoder of repeated stages", points=2,
        kind=Int(), answer=lambda P: _field(_stages2(P)),
        mistakes=[
            Mistake(lambda P: P["B2"] * 2 ** (P["L2"] - 1) * P["k2"], "That is the shortcut 'stacks × largest "
                    "dilation × kernel': it is not how the layers' reaches combine. Add up what each layer adds."),
            Mistake(lambda P: _field(_stages2(P, strides=False)), "Your field counts the downsampling layers as if "
                    "they had stride 1: after a stride, neighbouring units lie s2 times farther apart, so every "
                    "later layer's taps span more input units."),
            Mistake(_own_jump2, "You multiplied each layer's taps by the spacing after its own stride; a layer's "
                    "taps step over units of its input, spaced by the strides of the layers before it."),
            Mistake(lambda P: _field(_stages2(P, convs=1)), "Each residual block holds two dilated convolutions, "
                    "and both widen the field."),
            Mistake(lambda P: 1 + sum(k * d * j for (k, _, d), j in zip(_stages2(P), _jumps2(P))),
                    "A layer adds (k − 1)·d steps to the field, not k·d: its first tap sits on a unit the field "
                    "already holds."),
            Mistake(lambda P: _field(_stages2(P)) - 1, "You forgot the 1 you start from: a single unit's field "
                    "is 1 unit."),
        ],
        checks=[Check("answer > k2", "A stack of dilated layers sees more than one kernel's width.")],
        hint="Write the encoder out as a list of layers, every convolution of every block of every stage with its "
             "kernel, dilation and stride, and go through it from the input keeping two numbers: the field so far "
             "and how many input units apart neighbouring units of the current layer lie.",
    ),
    Question(
        id="ex07.3", name="holes3", title="The holes behind a strided stem", points=2, kind=IntTuple(unordered=True),
        answer=lambda P: _holes(_layers3(P)),
        mistakes=[
            Mistake(lambda P: (), "Some offsets are missed. Neither 'no common factor' nor a stack without holes "
                    "at stride 1 settles it: after the stem, the dilated layers' taps lie d·s3 input units apart. "
                    "Follow the taps and list the offsets no path reaches."),
            Mistake(lambda P: reached_offsets(_layers3(P)), "Those are the offsets the unit reaches; the question "
                    "asks for the ones it misses."),
            Mistake(lambda P: _holes(_layers3(P, stride=False)) or None, "You left out the stem's stride: after it, the "
                    "dilated layers' neighbouring units lie s3 input units apart, so their taps are d·s3 input "
                    "units apart."),
            Mistake(lambda P: _holes(_layers3(P, stem_dilated=True)), "The stem's own taps are neighbours (it is "
                    "not dilated); its stride spaces the units of its output, which the later layers read."),
        ],
        checks=[Check("all(0 < u < k3a + (k3 - 1) * s3 * sum(r3) for u in answer)",
                      "Holes lie inside the field, after offset 0 and before its last offset.")],
        hint="An output unit reaches offset u when u is a sum of one tap offset per layer, each measured in input "
             "units. Work out how far apart each layer's taps are in input units, build the set of sums layer by "
             "layer, then list what the field misses.",
    ),
    Question(
        id="ex07.4", name="third4", title="Third rates that avoid gridding", points=2, kind=IntTuple(unordered=True),
        answer=_third4,
        mistakes=[
            Mistake(lambda P: _third4(P, rule=lambda r: math.gcd(P["a4"], P["b4"], r) == 1), "A rule about common factors "
                    "does not settle it: some rates on your list still leave holes. For each r, build the offsets "
                    "the three layers reach and check that none is missing between the first and the last."),
            Mistake(lambda P: _third4(P, rule=lambda r: r <= 1 + (P["k4"] - 1) * (P["a4"] + P["b4"])),
                    "Your rule compares r with the span of the first two layers, as if they covered it "
                    "without holes; check which offsets they reach first."),
            Mistake(lambda P: tuple(r for r in range(1, P["R4"] + 1) if r not in _third4(P)), "Reversed: those are "
                    "the rates that leave holes."),
            Mistake(lambda P: (), "No rate at all? The first two layers leave holes on their own, but a third "
                    "can fill them: the lesson's rule takes the rates in sorted order, so r may come first or "
                    "between a4 and b4."),
        ],
        checks=[Check("all(1 <= r <= R4 for r in answer)", "List rates from 1 to R4 only.")],
        hint="Find the offsets the first two layers reach. A third layer adds copies of that pattern shifted by "
             "multiples of r: which r make the copies fill each other's holes and leave no gap between them?",
    ),
    Question(
        id="ex07.5", name="undo5", title="The transposed layer that undoes a dilated convolution", points=2,
        kind=IntTuple(length=3), answer=_answer5,
        mistakes=[
            Mistake(lambda P: _answer5(P, kernel="plain", p_prime="plain"), "You used the undilated kernel "
                    "throughout: the window is k̂ units wide, and the sizes, the remainder and p′ all follow from k̂."),
            Mistake(lambda P: _answer5(P, p_prime="plain"), "Your p′ is the undilated k − p − 1: the emulating "
                    "padding must let the whole dilated kernel (k̂ units) hang over the edge."),
            Mistake(lambda P: _answer5(P, p_prime="p"), "Your p′ is PyTorch's padding p5; the emulating "
                    "convolution pads its stretched input by another amount, which depends on the kernel's reach."),
            Mistake(lambda P: _answer5(P, a_without_p=True), "Your output_padding leaves out the padding: it is what "
                    "the floor dropped from i + 2p − k̂."),
            Mistake(lambda P: _answer5(P, a_kernel="plain"), "Your output_padding uses the undilated kernel k: the "
                    "units the floor drops depend on the window the direct convolution slides, which is k̂ wide."),
            Mistake(lambda P: _answer5(P, a_rule="s-1"), "output_padding is not s − 1 by rule: it gives back exactly "
                    "the units the direct convolution's floor dropped, and that can be fewer."),
        ],
        checks=[Check("0 <= answer[1] < s5", "The output_padding that restores i5 is a remainder of a division by s5.")],
        hint="Go forward first: the direct convolution's output size and what its floor drops. The transposed "
             "layer must give those units back; the emulation's padding follows from how far the dilated kernel "
             "reaches.",
    ),
    Question(
        id="ex07.6", name="torch6", title="Which output_padding does PyTorch accept with dilation?", points=2,
        kind=IntTuple(), answer=_lengths6,
        mistakes=[
            Mistake(lambda P: _lengths6(P, below=P["s6"]) if P["s6"] < P["d6"] else None, "PyTorch's limit on "
                    "output_padding is not the stride alone when the layer is dilated; look at what it compares "
                    "output_padding with."),
            Mistake(lambda P: _lengths6(P, below=P["d6"]) if P["d6"] < P["s6"] else None, "PyTorch's limit on "
                    "output_padding is not the dilation alone; look at what it compares output_padding with."),
            Mistake(lambda P: _lengths6(P, below=max(P["s6"], P["d6"]) + 1), "output_padding must be smaller "
                    "than PyTorch's limit, not equal to it: at the limit it raises."),
            Mistake(lambda P: _lengths6(P, below=max(P["s6"], P["d6"]), kernel=P["k6"]), "Your lengths use the "
                    "undilated kernel: the full scatter output ends k̂ units after the last copy starts."),
            Mistake(lambda P: _lengths6(P, below=max(P["s6"], P["d6"]), two_p=False), "padding crops p6 units "
                    "from each side: it removes 2·p6 units."),
        ],
        checks=[Check("len(answer) == A6 + 1", "Give one length for each output_padding from 0 to A6."),
                Check("all(v >= 0 for v in answer)", "Give a length, or 0 where PyTorch refuses.")],
        hint="Two things to predict for each call: does PyTorch accept this output_padding (which limit does it "
             "check with a dilated layer?), and, if it does, how long is the output.",
    ),
    Question(
        id="ex07.7", name="claims7", title="Dilation: which claims are true?", points=2, kind=CLAIMS7,
        answer=lambda P: _claims7(),
        hint="Test each claim on a case small enough to compute; several are popular shortcuts that hold only "
             "in a special case, or not at all.",
    ),
    Question(
        id="ex07.8", name="reached_offsets", title="The units a stack reaches, for any stack", points=4,
        kind=Function(result=IntTuple(), time_limit=5.0), reference=reached_offsets,
        examples=[EXAMPLE8_FACTOR, EXAMPLE8_COPRIME, EXAMPLE8_STRIDED, EXAMPLE8_MIXED],
        hidden=[
            HiddenGroup("stride 1, dilations with a common factor", draw=lambda rng: _draw_stack(rng, "factor"),
                        example=EXAMPLE8_FACTOR, cases=[([(3, 1, 2), (3, 1, 4), (3, 1, 8)],)]),
            HiddenGroup("stride 1, dilations without a common factor, with holes",
                        draw=lambda rng: _draw_stack(rng, "coprime"), example=EXAMPLE8_COPRIME,
                        cases=[([(3, 1, 1), (3, 1, 2), (3, 1, 9)],)]),
            HiddenGroup("strided layers, then dilated ones", draw=lambda rng: _draw_stack(rng, "strided"),
                        example=EXAMPLE8_STRIDED, cases=[([(2, 2, 1), (3, 1, 2)],)]),
            HiddenGroup("strides and dilations mixed, kernels of 1 included",
                        draw=lambda rng: _draw_stack(rng, "mixed"), example=EXAMPLE8_MIXED,
                        cases=[([(1, 2, 1), (3, 1, 3), (2, 2, 2)],), ([(2, 1, 2), (1, 3, 1), (2, 1, 1)],)]),
        ],
        hint="Follow one output unit back layer by layer, keeping the set of offsets reached so far and how many "
             "input units apart neighbouring units of the current layer are. Try a strided layer first, then a "
             "dilated layer after it.",
    ),
    Question(
        id="ex07.9", name="receptive_field", title="Find and fix the bugs: a receptive field with dilation",
        points=2, kind=Function(result=Int(), time_limit=5.0), reference=receptive_field,
        examples=[EXAMPLE9_SINGLE, EXAMPLE9_UNDILATED, EXAMPLE9_AFTER, EXAMPLE9_MIXED],
        hidden=[
            HiddenGroup("a single dilated layer", draw=lambda rng: _draw_stack(rng, "single"),
                        example=EXAMPLE9_SINGLE, cases=[([(2, 1, 5)],)]),
            HiddenGroup("strides without dilation", draw=lambda rng: _draw_stack(rng, "undilated"),
                        example=EXAMPLE9_UNDILATED, cases=[([(1, 2, 1), (3, 3, 1), (2, 1, 1)],)]),
            HiddenGroup("a dilated layer followed by other layers",
                        draw=lambda rng: ([(rng.randint(2, 4), 1, rng.randint(2, 4)),
                                           (rng.randint(2, 4), rng.randint(1, 2), 1)],),
                        example=EXAMPLE9_AFTER, cases=[([(3, 1, 4), (3, 1, 1), (2, 1, 1)],)]),
            HiddenGroup("strides and dilations mixed", draw=lambda rng: _draw_stack(rng, "mixed"),
                        example=EXAMPLE9_MIXED, cases=[([(3, 2, 2), (3, 1, 3), (2, 1, 1)],)]),
        ],
        hint="Work a small stack by hand, layer by layer (a few layers, some dilated, some strided), writing down "
             "after each layer the field so far and how far apart the next layer's inputs lie; then run the "
             "function on the same stack, print its two numbers after each layer, and compare.",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex07", notebook="07_dilated_convolution.ipynb", title="Dilated convolution",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
