"""Exercise set ex03 — layer arithmetic: a DQN-like network, pooling, receptive fields (instructor only).

ex03.1-ex03.9: the network of Mnih et al. (2013) as the course notes describe it (conv 8x8/4,
conv 4x4/2, a hidden dense layer, one output per action), with other sizes: lesson 03 fills in
the paper's 84x84x4 network, where every division is exact, so the defaults here are a
100x100x3 input, a first layer of stride 3 and 6 actions (the floor matters in both layers).
ex03.10-ex03.16 (lesson 03): which input sizes get an extra ceil_mode window, the backward pass
of an overlapping max pooling, the receptive field of a small stack, what a third convolution
costs, true claims about layers (choice), what PyTorch does with four pooling layers (a
framework's sizes and refusals, from course_lib.frameworks), and a receptive-field function
with a bug to find and fix. Every expected answer is computed here, in the grader's process,
with course_lib (the layer tables with course_lib.layers.walk).
"""

import numpy as np
import sympy

from course_lib import frameworks, numeric
from course_lib.arithmetic import conv_output_size, pool_output_size
from course_lib.layers import Conv, Dense, Flatten, Pool, walk
from course_lib.grading.kinds import Choice, Expression, Function, Int, IntTuple, Matrix, Number
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question

DEFAULTS = {"J": 100, "L": 3, "F1": 16, "M1": 8, "S1": 3, "F2": 32, "M2": 4, "S2": 2, "H": 256, "A": 6,
            # ex03.10: a padded pooling layer; which of the sizes i10 .. i10 + 2·s10 - 1 get an extra window
            "i10": 20, "k10": 3, "s10": 3, "p10": 1,
            # ex03.11: a 5x5 input, 3x3 max pooling with stride 2 (overlapping windows), a 2x2 gradient
            "x11": [[1, 43, 5, 11, 38], [3, 20, 2, 18, 31], [39, 25, 28, 47, 29], [9, 24, 7, 42, 26],
                    [16, 32, 34, 22, 14]],
            "g11": [[2, -1], [3, -2]],
            # ex03.12: conv ka/sa, pool kp/2, conv kb, conv kc (padded by k // 2); chosen so that the
            # jump taken after a layer's stride and 2p added per padded convolution give different fields
            "ka12": 3, "sa12": 2, "kp12": 2, "kb12": 5, "kc12": 3,
            # ex03.13: a Nature-DQN-like network: conv 8/4, conv 4/2, conv 3/1, dense, dense
            "J13": 96, "L13": 3, "Fa13": 32, "Fb13": 64, "Fc13": 48, "H13": 256, "A13": 6,
            # ex03.15: four PyTorch pooling layers on an input of i15 units
            "i15": 30, "k15": 5, "s15": 4, "q15": 3, "p15": 2}


def _dqn(rng):
    """The DQN-like network's sizes: the first layer's stride never divides J - M1 (the floor shows)."""
    while True:
        J, M1, S1 = rng.randint(80, 110), rng.randint(6, 8), rng.randint(3, 4)
        if (J - M1) % S1:
            break
    return {"J": J, "L": rng.randint(2, 4), "F1": rng.choice([8, 16, 32]), "M1": M1, "S1": S1,
            "F2": rng.choice([16, 32, 64]), "M2": rng.randint(3, 5), "S2": rng.randint(2, 3),
            "H": rng.choice([128, 256, 512]), "A": rng.randint(4, 18)}


# (k, s, p) with p <= k/2 where, over 2s consecutive input sizes, ceil_mode adds a window for some
# sizes and drops it (it would start in the right padding) for others; 2p is never a multiple of s,
# so leaving the padding out changes which remainders occur.
POOL10_SETTINGS = [(3, 3, 1), (3, 4, 1), (4, 3, 2), (4, 4, 1), (6, 4, 3)]


def _draw11(rng):
    """A 5x5 input of distinct values in which exactly two of the four 3x3/2 windows share their maximum."""
    strips = {"top": (slice(0, 3), slice(0, 5), [(r, 2) for r in range(3)]),
              "bottom": (slice(2, 5), slice(0, 5), [(r, 2) for r in range(2, 5)]),
              "left": (slice(0, 5), slice(0, 3), [(2, c) for c in range(3)]),
              "right": (slice(0, 5), slice(2, 5), [(2, c) for c in range(2, 5)])}
    while True:
        x = np.array(rng.sample(range(1, 50), 25)).reshape(5, 5)
        rows, cols, shared = strips[rng.choice(sorted(strips))]
        r, c = rng.choice(shared)
        union = x[rows, cols]
        top = np.unravel_index(np.argmax(union), union.shape)
        top = (top[0] + rows.start, top[1] + cols.start)
        x[r, c], x[top] = x[top], x[r, c]
        if len(set(_switches11(x).ravel().tolist())) == 3:
            return x.tolist()


def _pool15(rng):
    """Window, stride and paddings for ex03.15: the ceil_mode window is added without padding and
    dropped with padding p15; padding q15 is refused or accepted."""
    k, s, p = rng.choice([(5, 4, 2), (6, 4, 3), (6, 5, 3), (7, 6, 3)])
    while True:
        i = rng.randint(16, 40)
        added = pool_output_size(i, k, s, 0, ceil_mode=True) == pool_output_size(i, k, s) + 1
        dropped = (i + 2 * p - k) % s and pool_output_size(i, k, s, p, ceil_mode=True) == pool_output_size(i, k, s, p)
        if added and dropped:
            return {"i15": i, "k15": k, "s15": s, "p15": p, "q15": rng.choice([k // 2, k // 2 + 1])}


def generate(rng):
    """One student's numbers (the network first, then each later question's own)."""
    values = _dqn(rng)
    k, s, p = rng.choice(POOL10_SETTINGS)
    values.update({"i10": rng.randint(15, 60), "k10": k, "s10": s, "p10": p})
    values["x11"] = _draw11(rng)
    while True:  # no two gradients cancel or are equal at a shared maximum; a transposed answer is wrong
        values["g11"] = [[rng.choice([-3, -2, -1, 1, 2, 3]) for _ in range(2)] for _ in range(2)]
        gradient = np.array(_grad11(values))
        if (np.count_nonzero(gradient) == 3 and not np.array_equal(gradient, gradient.T)
                and _grad11(values, overwrite=True) != _grad11(values, keep_first=True)):
            break
    while True:  # the jump taken after the stride and 2p added per padded convolution give different fields
        stack = {"ka12": rng.choice([3, 5, 7]), "sa12": rng.randint(2, 3), "kp12": rng.randint(2, 3),
                 "kb12": rng.choice([3, 5]), "kc12": rng.choice([3, 5])}
        if _field12_own_jump(stack) != _field12_padding_added(stack):
            break
    values.update(stack)
    Fb, Fc = rng.sample([32, 48, 64], 2)
    values.update({"J13": rng.choice([80, 84, 88, 96, 100]), "L13": rng.randint(1, 4),
                   "Fa13": rng.choice([16, 32]), "Fb13": Fb, "Fc13": Fc,
                   "H13": rng.choice([256, 512]), "A13": rng.randint(4, 18)})
    values.update(_pool15(rng))
    return values


def _network(channels, size, layers):
    """The ex03.9 layer list as course_lib.layers objects (a Flatten before the first dense layer)."""
    converted, flat = [], False
    for layer in layers:
        if layer[0] == "conv":
            _, filters, kernel, stride, padding = layer
            converted.append(Conv(filters, kernel, stride=stride, padding=padding))
        else:
            if not flat:
                converted.append(Flatten())
                flat = True
            converted.append(Dense(layer[1]))
    return walk((channels, size, size), converted)


def layer_arithmetic(input_size, channels, layers):
    """Reference: (weights per neuron, neurons, connections, parameters) for every layer."""
    return [(row.weights_per_neuron, row.neurons, row.connections, row.parameters)
            for row in _network(channels, input_size, layers).rows if row.kind != "flatten"]


def dqn_layers(P):
    return [("conv", P["F1"], P["M1"], P["S1"], 0), ("conv", P["F2"], P["M2"], P["S2"], 0),
            ("fc", P["H"]), ("fc", P["A"])]


def table(P):
    return layer_arithmetic(P["J"], P["L"], dqn_layers(P))


def column(n):
    return lambda P: tuple(row[n] for row in table(P))


def widths(P):
    w1 = conv_output_size(P["J"], P["M1"], P["S1"])
    return (w1, conv_output_size(w1, P["M2"], P["S2"]))


def _width(i, k, s, *, ceil=False, plus_one=1):
    """The notes' 1 + (J - M)/S as plain arithmetic, for the mistakes (which may round up or drop the 1)."""
    return (-(-(i - k) // s) if ceil else (i - k) // s) + plus_one


def _widths_mistake(P, **how):
    w1 = _width(P["J"], P["M1"], P["S1"], **how)
    return (w1, _width(w1, P["M2"], P["S2"], **how))


def _neurons(P):
    w1, w2 = widths(P)
    return (w1 * w1 * P["F1"], w2 * w2 * P["F2"], P["H"], P["A"])


def _per_neuron(P, *, bias=1, depth1=None, depth2=None):
    """Weights per neuron; the keywords reproduce common mistakes (no bias, wrong input depths)."""
    w2 = widths(P)[1]
    return (bias + P["M1"] ** 2 * (P["L"] if depth1 is None else depth1),
            bias + P["M2"] ** 2 * (P["F1"] if depth2 is None else depth2),
            bias + w2 * w2 * P["F2"], bias + P["H"])


def _times(a, b):
    return tuple(x * y for x, y in zip(a, b))


def _parameters(P, *, bias=1):
    per = _per_neuron(P, bias=bias)
    return (P["F1"] * per[0], P["F2"] * per[1], P["H"] * per[2], P["A"] * per[3])


def _conv_share(counts):
    return (counts[0] + counts[1]) / sum(counts)


NO_BIAS = "You left out the biases: every neuron has one more weight, its bias."
CONNECTIONS_NOT_PARAMETERS = ("You counted connections: the neurons of one feature map share their weights, so a "
                              "convolutional layer has only (filters) x (weights per filter) parameters.")


def _draw_convs(rng, padded):
    size = rng.randint(12, 96)
    layers = []
    current = size
    for _ in range(rng.randint(1, 3)):
        kernel = rng.randint(1, min(9, current))
        padding = rng.randint(0, kernel - 1) if padded else 0
        stride = rng.randint(1, 4)
        layers.append(("conv", rng.choice([1, 4, 8, 16, 32]), kernel, stride, padding))
        current = conv_output_size(current, kernel, stride, padding)
        if current < 2:
            break
    return size, layers


def draw_conv_only(rng):
    size, layers = _draw_convs(rng, padded=False)
    return (size, rng.randint(1, 4), layers)


def draw_padded(rng):
    size, layers = _draw_convs(rng, padded=True)
    return (size, rng.randint(1, 4), layers)


def draw_with_fc(rng):
    size, layers = _draw_convs(rng, padded=rng.random() < 0.5)
    layers += [("fc", rng.choice([10, 64, 128, 256, 512])) for _ in range(rng.randint(1, 3))]
    return (size, rng.randint(1, 4), layers)


def draw_fc_only(rng):
    return (rng.randint(1, 32), rng.randint(1, 4), [("fc", rng.randint(1, 300)) for _ in range(rng.randint(1, 3))])


# ex03.9's public examples, one for each hidden group (every size below needs the floor somewhere)
EXAMPLE9_CONV = (20, 2, [("conv", 4, 3, 2, 0), ("conv", 8, 2, 3, 0)])
EXAMPLE9_PADDED = (15, 1, [("conv", 8, 3, 2, 1), ("conv", 4, 5, 1, 2)])
EXAMPLE9_FC_AFTER = (32, 3, [("conv", 6, 5, 1, 0), ("conv", 16, 5, 2, 0), ("fc", 120), ("fc", 10)])
EXAMPLE9_FC_ONLY = (4, 2, [("fc", 5), ("fc", 3)])


# --- ex03.10-ex03.16 (lesson 03) ----------------------------------------------------------------

def _sizes10(P):
    return range(P["i10"], P["i10"] + 2 * P["s10"])


def _extra10(P):
    k, s, p = P["k10"], P["s10"], P["p10"]
    return tuple(i for i in _sizes10(P) if pool_output_size(i, k, s, p, ceil_mode=True) > pool_output_size(i, k, s, p))


def _extra10_mistake(P, *, drop_from=None, padding=None):
    """Sizes where a last window hangs past the padded input, dropped when it starts at or past
    ``drop_from(i, p)`` (None: never dropped); ``padding`` replaces p10 (0: padding left out)."""
    k, s = P["k10"], P["s10"]
    p = P["p10"] if padding is None else padding
    sizes = []
    for i in _sizes10(P):
        span = i + 2 * p - k
        start = (span // s + 1) * s            # where the extra window would start, in padded units
        if span % s and (drop_from is None or start < drop_from(i, p)):
            sizes.append(i)
    return tuple(sizes)


def _switches11(x):
    return numeric.max_pool2d(np.array(x), 3, 2, return_indices=True)[1]


def _grad11(P, *, values=None, overwrite=False, keep_first=False, where=None, spread=False):
    """dL/dx of 3x3/2 max pooling: each g goes to its window's switch (or a mistake's variant:
    ``overwrite`` keeps the last window's gradient at a shared switch, ``keep_first`` the first's)."""
    g = np.array(P["g11"] if values is None else values).ravel()
    out = np.zeros((5, 5), dtype=int)
    if spread:
        for (r, c), value in zip([(0, 0), (0, 2), (2, 0), (2, 2)], g):
            out[r:r + 3, c:c + 3] += value
        return out.tolist()
    flat = out.ravel()
    written = set()
    for n, value in zip(_switches11(P["x11"]).ravel() if where is None else where, g):
        if keep_first and n in written:
            continue
        flat[n] = value if overwrite or keep_first else flat[n] + value
        written.add(n)
    return flat.reshape(5, 5).tolist()


def _stack12(P, *, pool=True):
    """conv ka/sa, pool kp/2, conv kb, conv kc; each convolution padded by k // 2."""
    layers = [Conv(8, P["ka12"], stride=P["sa12"], padding=P["ka12"] // 2)]
    if pool:
        layers.append(Pool(P["kp12"], 2))
    layers += [Conv(8, P["kb12"], padding=P["kb12"] // 2), Conv(8, P["kc12"], padding=P["kc12"] // 2)]
    return layers


def _field12(P, *, pool=True):
    return walk((1, 64, 64), _stack12(P, pool=pool)).rows[-1].receptive_field[0]


def _kernels_strides12(P):
    return [(P["ka12"], P["sa12"]), (P["kp12"], 2), (P["kb12"], 1), (P["kc12"], 1)]


def _field12_own_jump(P):
    """The recurrence with each layer's own jump j_l (after its stride) instead of j_(l-1)."""
    field, jump = 1, 1
    for k, s in _kernels_strides12(P):
        jump *= s
        field += (k - 1) * jump
    return field


def _field12_padding_added(P):
    """The field with 2p (= k - 1 for these odd kernels) added for each padded convolution."""
    return _field12(P) + sum(2 * (k // 2) for k in (P["ka12"], P["kb12"], P["kc12"]))


def _nature13(P, *, third=True, bias=True, padded_third=False):
    layers = [Conv(P["Fa13"], 8, stride=4, bias=bias), Conv(P["Fb13"], 4, stride=2, bias=bias)]
    if third:
        layers.append(Conv(P["Fc13"], 3, padding=1 if padded_third else 0, bias=bias))
    layers += [Flatten(), Dense(P["H13"], bias=bias), Dense(P["A13"], bias=bias)]
    return walk((P["L13"], P["J13"], P["J13"]), layers)


def _features13(table):
    return next(row for row in table.rows if row.kind == "flatten").output_shape[0]


def _third13(P, *, bias=True, padded_third=False, count="parameters"):
    """(features with the third convolution, total with minus total without it)."""
    def total(table):
        return sum(getattr(row, count) for row in table.rows)
    with_third = _nature13(P, bias=bias, padded_third=padded_third)
    return (_features13(with_third), total(with_third) - total(_nature13(P, third=False, bias=bias)))


def _third13_alone(P):
    """Only the third convolution's own parameters."""
    with_third = _nature13(P)
    conv3 = [row for row in with_third.rows if row.kind == "conv"][2]
    return (_features13(with_third), conv3.parameters)


def _torch_length(i, k, s=None, p=0, ceil_mode=False):
    """PyTorch's pooling output length (course_lib.frameworks, checked against PyTorch), 0 if refused."""
    refused = frameworks.FrameworkRefusal
    try:
        return frameworks.torch_pool_output_size(i, k, s, p, ceil_mode=ceil_mode)
    except refused:
        return 0


def _calls15(P):
    i, k, s = P["i15"], P["k15"], P["s15"]
    return (_torch_length(i, k), _torch_length(i, k, s, ceil_mode=True), _torch_length(i, k, s, P["q15"]),
            _torch_length(i, k, s, P["p15"], ceil_mode=True))


def _call15_replaced(P, position, value):
    calls = list(_calls15(P))
    calls[position] = value
    return tuple(calls)


def _refused15(P):
    return 2 * P["q15"] > P["k15"]


def field_span(layers):
    """Reference for ex03.16: span of the field of one unit of the last layer; layers = [(k, s), ...]."""
    field, jump = 1, 1
    for k, s in layers:
        field += (k - 1) * jump
        jump *= s
    return field


def _draw16(rng, kind):
    """A stack of (k, s) layers on which the bug (the jump taken after the layer's stride) shows."""
    while True:
        if kind == "single":
            layers = [(rng.randint(2, 7), rng.randint(2, 4))]
        elif kind == "last":
            layers = [(rng.randint(1, 5), 1) for _ in range(rng.randint(1, 3))] + [(rng.randint(2, 5), rng.randint(2, 4))]
        elif kind == "pooling":
            layers = []
            for _ in range(rng.randint(2, 3)):
                window = rng.randint(2, 3)
                layers += [(rng.choice([3, 5]), 1), (window, window)]
            layers.append((rng.choice([3, 5]), 1))
        else:  # windows shorter than their stride
            layers = [(rng.randint(1, 3), rng.randint(2, 4)) for _ in range(rng.randint(2, 4))]
            layers[rng.randrange(len(layers))] = (1, rng.randint(2, 4))
        if field_span(layers) != _buggy16(layers):
            return (layers,)


# The function shown to students (a string, so that the bundle check does not take it for a secret).
BUGGY16 = """def field_span(layers):
    \"\"\"Span, in input units, of the field of one unit of the last layer; layers = [(k, s), ...].\"\"\"
    field, jump = 1, 1
    for k, s in layers:
        jump = jump * s
        field = field + (k - 1) * jump
    return field
"""
_buggy_namespace = {}
exec(BUGGY16, _buggy_namespace)  # noqa: S102 - the course's own text
_buggy16 = _buggy_namespace["field_span"]


EXAMPLE16_SINGLE = ([(3, 2)],)
EXAMPLE16_LAST = ([(3, 1), (5, 1), (4, 3)],)
EXAMPLE16_POOLING = ([(3, 1), (2, 2), (3, 1), (2, 2), (3, 1)],)
EXAMPLE16_SHORT = ([(2, 3), (1, 2), (3, 2)],)

# ex03.14: claims about layers; A, D and F are true, H depends on the student's network
CLAIMS14 = (
    "In a stack without padding, a pooling layer with a window of k ≥ 2 units has no weights, yet each of its "
    "output units has a wider receptive field than the units it pools.",
    "The receptive field of a stack is 1 + Σ (k − 1), whatever the strides.",
    "Zero padding a convolution enlarges its receptive field.",
    "With PyTorch's default rounding (ceil_mode=False) and a padding PyTorch accepts (p ≤ k/2), a pooling "
    "layer's output size is that of a convolution with the same window, stride and padding.",
    "Max-unpooling with the switches gives back the input that was pooled.",
    "Three 3×3 convolutions of stride 1 see a 7×7 field, with fewer weights than one 7×7 convolution "
    "between the same numbers of maps.",
    "With ceil_mode=True a pooling layer gives one more output unit whenever s does not divide i + 2p − k.",
    "In the network of ex03.1–ex03.6, the second convolutional layer has more connections than the hidden "
    "fully connected layer.",
)
HINTS14 = {
    "A": "Having no weights does not keep a layer from widening the field: what widens it is a window that "
         "reaches over several units, whatever the window computes.",
    "B": "This sum treats every layer as if the units it reads were neighbouring input units; think about "
         "what the strides before a layer do to that spacing.",
    "C": "Zero padding adds units at the borders, not reach: ask whether a unit away from the borders reads "
         "more input units once the input is padded.",
    "D": "Where a window can be placed does not depend on what it computes: count the placements for a pooling "
         "layer and for a convolution with the same k, s and p.",
    "E": "The switches record where each maximum was, not the other values of its window.",
    "F": "A bigger field does not need a bigger kernel: work out what stacking small kernels does to the field, "
         "then compare the two choices' weights for the same numbers of maps.",
    "G": "ceil_mode does not keep every leftover window: ask where such a window would start, and what "
         "PyTorch does with one that would start in the padding.",
    "H": "Read it off your ex03.4 answer rather than from the parameter counts: weight sharing makes a layer's "
         "parameters and its connections very different numbers.",
}


def _claims14(P, *, wrong_rules=False):
    """The true claims' letters; H depends on the student's network. ``wrong_rules`` also takes B and G."""
    connections = column(2)(P)
    letters = {"A", "D", "F"} | ({"H"} if connections[1] > connections[2] else set())
    return tuple(sorted(letters | ({"B", "G"} if wrong_rules else set())))


F, M, N, L_ = sympy.symbols("F M N L", integer=True)
J_, M_, S_ = sympy.symbols("J M S", integer=True)


def _uses_per_weight(P):
    return (sympy.floor((J_ - M_) / S_) + 1) ** 2


QUESTIONS = [
    Question(
        id="ex03.1", name="widths", title="Output widths of the two convolutional layers", points=2,
        kind=IntTuple(length=2), answer=widths,
        mistakes=[
            Mistake(lambda P: _widths_mistake(P, ceil=True), "You rounded up; when the stride does not divide "
                    "J - M, round (J - M) / S down: the last filter position must fit."),
            Mistake(lambda P: _widths_mistake(P, plus_one=0), "You forgot the 1 in 1 + (J - M) / S."),
            Mistake(lambda P: (widths(P)[0], _width(P["J"], P["M2"], P["S2"])), "The second layer's input is the "
                    "first layer's output (its width), not the J x J image."),
        ],
        checks=[Check("0 < answer[1] < answer[0] < J", "Each strided layer makes the maps smaller: "
                      "expect J > first width > second width > 0.")],
        hint="Count the filter positions along one row: each step moves S units, and the last position must "
             "still fit inside the input. The second layer slides over what the first one produced.",
    ),
    Question(
        id="ex03.2", name="weights_per_neuron", title="Weights per neuron, bias included", points=2,
        kind=IntTuple(length=4), answer=column(0),
        mistakes=[
            Mistake(lambda P: _per_neuron(P, bias=0), NO_BIAS),
            Mistake(lambda P: _per_neuron(P, depth1=1, depth2=1), "A convolutional neuron sees every channel "
                    "of its input: M x M x (input depth) weights."),
            Mistake(lambda P: _per_neuron(P, depth2=P["L"]), "The second convolutional layer's input depth is F1 "
                    "(one map per filter of the first layer), not L."),
        ],
        checks=[Check("all(w >= 2 for w in answer)", "Every neuron has at least one weight plus its bias.")],
        hint="Ask what one neuron is connected to: which units of the layer before, across how many of its "
             "maps; and do not forget its bias.",
    ),
    Question(
        id="ex03.3", name="neurons", title="Neurons per layer", points=2, kind=IntTuple(length=4),
        answer=column(1),
        mistakes=[
            Mistake(lambda P: (widths(P)[0] ** 2, widths(P)[1] ** 2, P["H"], P["A"]), "A convolutional layer has "
                    "one map per filter: width x height x (number of filters) neurons."),
            Mistake(lambda P: (widths(P)[0] * P["F1"], widths(P)[1] * P["F2"], P["H"], P["A"]), "The maps are "
                    "square: width x height is the width squared."),
        ],
        checks=[Check("answer[2] == H and answer[3] == A", "The fully connected layers have H and A neurons.")],
        hint="Each filter computes a whole map of its own: count the units of every map.",
    ),
    Question(
        id="ex03.4", name="connections", title="Connections into each layer's neurons", points=2,
        kind=IntTuple(length=4), answer=column(2),
        mistakes=[
            Mistake(lambda P: _times(_neurons(P), _per_neuron(P, bias=0)), NO_BIAS),
            Mistake(lambda P: _parameters(P), "Those are the parameters; connections count every neuron's "
                    "weights, even when neurons share them."),
        ],
        checks=[Check("all(c > 0 for c in answer)", "Every layer has connections.")],
        hint="Every neuron has its own incoming links, whether or not it shares their weights with other neurons.",
    ),
    Question(
        id="ex03.5", name="parameters", title="Independent parameters per layer", points=2,
        kind=IntTuple(length=4), answer=column(3),
        mistakes=[
            Mistake(lambda P: _times(_neurons(P), _per_neuron(P)), CONNECTIONS_NOT_PARAMETERS),
            Mistake(lambda P: _parameters(P, bias=0), NO_BIAS),
        ],
        checks=[Check("answer[0] < answer[2]", "The first convolutional layer shares its weights; it has far "
                      "fewer parameters than the first fully connected layer.")],
        hint="Neurons of one feature map share their weights; fully connected neurons share nothing.",
    ),
    Question(
        id="ex03.6", name="total_parameters", title="Parameters of the whole network", points=1, kind=Int(),
        answer=lambda P: sum(row[3] for row in table(P)),
        mistakes=[
            Mistake(lambda P: sum(_times(_neurons(P), _per_neuron(P))), CONNECTIONS_NOT_PARAMETERS),
            Mistake(lambda P: sum(_parameters(P, bias=0)), NO_BIAS),
        ],
        checks=[Check("answer > 0", "The network has parameters.")],
        hint="Only what training can set counts: every layer's independent parameters, shared weights once.",
    ),
    Question(
        id="ex03.7", name="conv_share", title="Where the parameters are: the convolutional layers' share",
        points=1, kind=Number(rel_tol=1e-3),
        answer=lambda P: _conv_share([row[3] for row in table(P)]),
        mistakes=[
            Mistake(lambda P: 100 * _conv_share([row[3] for row in table(P)]),
                    "Give the share as a number between 0 and 1, not as a percentage."),
            Mistake(lambda P: _conv_share([row[2] for row in table(P)]),
                    "That is the convolutional layers' share of the connections; weight sharing makes their "
                    "share of the parameters far smaller."),
        ],
        checks=[Check("0 < answer < 1", "A share is a number between 0 and 1.")],
        hint="Which layers share their weights, and how does that show in the parameter counts of ex03.5?",
    ),
    Question(
        id="ex03.8", name="uses_per_weight", title="Weight sharing, symbolically: how often each parameter is used",
        points=2, kind=Expression({"J": (1, 20), "M": (1, 6), "S": (1, 4), "F": (1, 3)}, "M <= J"),
        answer=_uses_per_weight,
        mistakes=[
            Mistake(lambda P: ((J_ - M_) / S_ + 1) ** 2, "Without a floor your expression is not a whole number "
                    "when S does not divide J − M: the last filter position must fit."),
            Mistake(lambda P: sympy.floor((J_ - M_) / S_) + 1, "A map has width × height units, and each of them "
                    "uses the filter once: square the width."),
            Mistake(lambda P: F * (sympy.floor((J_ - M_) / S_) + 1) ** 2, "A filter's weights are used only by "
                    "the units of its own map, not by the units of all F maps."),
            Mistake(lambda P: (J_ - M_ + 1) ** 2, "You left out the stride: the filter moves S units at a time."),
            Mistake(lambda P: (sympy.ceiling((J_ - M_) / S_) + 1) ** 2, "You rounded up; when S does not divide "
                    "J − M, round (J − M) / S down: the last filter position must fit."),
        ],
        points_at=[{"J": 11, "M": 3, "S": 3, "F": 2}, {"J": 20, "M": 5, "S": 2, "F": 3}],
        hint="Write the layer's connections and its parameters as products: which factor does one have that "
             "the other lacks?",
    ),
    Question(
        id="ex03.9", name="layer_arithmetic", title="A function for any network", points=4,
        kind=Function(result=IntTuple(item_length=4, partial=False), time_limit=5.0),
        reference=layer_arithmetic,
        examples=[EXAMPLE9_FC_AFTER, EXAMPLE9_CONV, EXAMPLE9_PADDED, EXAMPLE9_FC_ONLY],
        hidden=[
            HiddenGroup("convolutional layers without padding", draw=draw_conv_only, example=EXAMPLE9_CONV,
                        cases=[(84, 4, [("conv", 16, 8, 4, 0), ("conv", 32, 4, 2, 0)])]),
            HiddenGroup("convolutional layers with padding", draw=draw_padded, example=EXAMPLE9_PADDED,
                        cases=[(28, 1, [("conv", 8, 3, 1, 1), ("conv", 8, 3, 2, 1)])]),
            HiddenGroup("fully connected layers after convolutions", draw=draw_with_fc, example=EXAMPLE9_FC_AFTER,
                        cases=[(84, 4, [("conv", 16, 8, 4, 0), ("conv", 32, 4, 2, 0), ("fc", 256), ("fc", 18)])]),
            HiddenGroup("fully connected layers only", draw=draw_fc_only, count=4, example=EXAMPLE9_FC_ONLY,
                        cases=[(1, 1, [("fc", 1)])]),
        ],
        hint="Call your function on the network of ex03.1–ex03.5 (your parameters J, L, F1, …) and compare its "
             "result, layer by layer and number by number, with the answers you worked out there: the first "
             "number that differs shows which count to look at.",
    ),
    Question(
        id="ex03.10", name="extra_window_sizes", title="Which input sizes get an extra ceil_mode window",
        points=2, kind=IntTuple(unordered=True), answer=_extra10,
        mistakes=[
            Mistake(lambda P: _extra10_mistake(P), "ceil_mode does not add a window for every remainder: it drops "
                    "one that would start in the right padding (at or past i + p10 in padded positions)."),
            Mistake(lambda P: _extra10_mistake(P, drop_from=lambda i, p: i), "In padded positions the real units "
                    "are p10 … i + p10 − 1: a window is dropped only when it starts at or past i + p10, not i."),
            Mistake(lambda P: _extra10_mistake(P, padding=0, drop_from=lambda i, p: i + p), "You left out the "
                    "padding: the windows slide over i + 2·p10 units."),
        ],
        checks=[Check("all(i10 <= i < i10 + 2 * s10 for i in answer)",
                      "Give only sizes from i10 to i10 + 2·s10 − 1.")],
        hint="For each size, where does the floor's last window end, and where would one more window start? "
             "Compare that start with where the right padding begins.",
    ),
    Question(
        id="ex03.11", name="pool_gradient", title="The backward pass of an overlapping max pooling", points=2,
        kind=Matrix(shape=(5, 5)), answer=_grad11,
        mistakes=[
            Mistake(lambda P: _grad11(P, overwrite=True), "Where two windows share their maximum, both gradients "
                    "reach it: add them. (PyTorch's max_unpool2d writes a shared value once; the backward pass "
                    "adds.)"),
            Mistake(lambda P: _grad11(P, keep_first=True), "Where two windows share their maximum, both gradients "
                    "reach it, not only the first window's: add them."),
            Mistake(lambda P: _grad11(P, values=numeric.max_pool2d(np.array(P["x11"]), 3, 2)), "Those are the "
                    "pooled values put back at their switches (unpooling); the backward pass sends back the "
                    "gradient g11."),
            Mistake(lambda P: _grad11(P, spread=True), "Only a window's maximum changes its output: the gradient "
                    "goes to that one unit (the switch), not to every unit of the window."),
            Mistake(lambda P: _grad11(P, where=[0, 2, 10, 12]), "You put each gradient at its window's top-left "
                    "corner; it goes where the window's maximum is."),
            Mistake(lambda P: np.array(_grad11(P)).T.tolist(), "Your array is transposed: g11[r][c] belongs to the "
                    "window of output row r, column c."),
        ],
        checks=[Check("sum(v != 0 for row in answer for v in row) <= 4", "Four windows send their gradients to "
                      "at most four units (fewer when windows share a maximum); every other unit gets 0.")],
        hint="Each output of max pooling copies one input unit. Which unit does each output depend on, and what "
             "happens to a unit that two outputs depend on?",
    ),
    Question(
        id="ex03.12", name="receptive_field", title="The receptive field of a small stack", points=2, kind=Int(),
        answer=_field12,
        mistakes=[
            Mistake(lambda P: 1 + sum(k - 1 for k, _ in _kernels_strides12(P)),
                    "1 + the sum of (k - 1) holds only with unit strides: each layer's k - 1 extra units are "
                    "spaced by the jump, the product of the strides before it."),
            Mistake(lambda P: _field12_own_jump(P), "You multiplied by the jump after the layer's own stride; a "
                    "layer's window steps over units of its input, spaced by the strides of the layers before it."),
            Mistake(lambda P: _field12(P, pool=False), "The pooling layer counts: its window widens the field and "
                    "its stride multiplies the jump, though it has no weights."),
            Mistake(_field12_padding_added, "You added the padding to the field. Zero padding lets windows hang "
                    "over the borders, but a window still spans k units: it does not widen the field of a unit "
                    "away from the borders."),
        ],
        checks=[Check("answer >= ka12", "The field is at least the first kernel's size.")],
        hint="Go layer by layer from the input, keeping two numbers: the field so far, and how many input units "
             "apart neighbouring units of the current layer are.",
    ),
    Question(
        id="ex03.13", name="third_conv", title="A network you have not seen: what a third convolution costs",
        points=2, kind=IntTuple(length=2), answer=_third13,
        mistakes=[
            Mistake(_third13_alone, "You counted only the new layer's own parameters. The third convolution also "
                    "shrinks the maps, so the first dense layer has fewer inputs, and fewer weights."),
            Mistake(lambda P: _third13(P, padded_third=True), "Without padding a 3x3 convolution of stride 1 "
                    "shrinks each map by 2 units (here nothing is padded)."),
            Mistake(lambda P: _third13(P, bias=False), "You left out the biases: one per filter and one per "
                    "dense unit."),
            Mistake(lambda P: _third13(P, count="connections"), "You counted connections: the neurons of one "
                    "feature map share their weights."),
        ],
        checks=[Check("answer[0] > 0", "The first dense layer has inputs.")],
        hint="Adding the layer changes two things: its own parameters, and how many inputs the dense layer "
             "after it has.",
    ),
    Question(
        id="ex03.14", name="true_claims", title="Layers and fields: which claims are true?", points=2,
        kind=Choice(CLAIMS14, option_hints=HINTS14), answer=_claims14,
        mistakes=[
            Mistake(lambda P: _claims14(P, wrong_rules=True), "Two of your claims are rules that hold only under a "
                    "condition: with unit strides, and when the extra window starts before the right padding."),
        ],
        hint="For each claim, look for a small case that would break it.",
    ),
    Question(
        id="ex03.15", name="torch_lengths", title="What PyTorch does with four pooling layers", points=2,
        kind=IntTuple(length=4), answer=_calls15,
        mistakes=[
            Mistake(lambda P: _call15_replaced(P, 0, pool_output_size(P["i15"], P["k15"], 1)),
                    "nn.MaxPool1d(k15) has no stride argument: PyTorch's default stride is the window, k15, not 1."),
            Mistake(lambda P: _call15_replaced(P, 1, pool_output_size(P["i15"], P["k15"], P["s15"])),
                    "With ceil_mode=True PyTorch keeps a last window that hangs past the end of the input, when it "
                    "starts inside it."),
            Mistake(lambda P: _call15_replaced(P, 2, conv_output_size(P["i15"], P["k15"], P["s15"], P["q15"]))
                    if _refused15(P) else None,
                    "PyTorch refuses a pooling padding larger than half the window (2·q15 > k15): write 0."),
            Mistake(lambda P: None if _refused15(P) else _call15_replaced(P, 2, 0),
                    "PyTorch accepts a pooling padding up to half the window (2·q15 <= k15)."),
            Mistake(lambda P: _call15_replaced(P, 3, -(-(P["i15"] + 2 * P["p15"] - P["k15"]) // P["s15"]) + 1),
                    "PyTorch drops a ceil_mode window that would start in the right padding (at or past "
                    "i15 + p15, in padded positions)."),
        ],
        checks=[Check("all(n >= 0 for n in answer)", "Lengths are 0 (a refused call) or more.")],
        hint="For each call: which stride does PyTorch use, does it accept the padding, and where would the "
             "last window start?",
    ),
    Question(
        id="ex03.16", name="field_span", title="Find and fix the bug: a receptive-field function",
        points=2, kind=Function(result=Int(), time_limit=5.0), reference=field_span,
        examples=[EXAMPLE16_SINGLE, EXAMPLE16_LAST, EXAMPLE16_POOLING, EXAMPLE16_SHORT],
        hidden=[
            HiddenGroup("a single strided layer", draw=lambda rng: _draw16(rng, "single"), example=EXAMPLE16_SINGLE,
                        cases=[([(8, 4)],)]),
            HiddenGroup("a stride only in the last layer", draw=lambda rng: _draw16(rng, "last"),
                        example=EXAMPLE16_LAST, cases=[([(3, 1), (3, 1), (3, 2)],)]),
            HiddenGroup("pooling layers (k = s) between convolutions", draw=lambda rng: _draw16(rng, "pooling"),
                        example=EXAMPLE16_POOLING, cases=[([(3, 1), (3, 1), (2, 2), (3, 1), (3, 1), (2, 2), (3, 1)],)]),
            HiddenGroup("windows shorter than their stride (k < s)", draw=lambda rng: _draw16(rng, "short"),
                        example=EXAMPLE16_SHORT, cases=[([(1, 2), (2, 3), (3, 1)],)]),
        ],
        hint="Try the smallest cases by hand: a stack of one layer (whose field is just its window), then two "
             "layers. Follow the function line by line beside lesson 03's recurrence (section 6): where does "
             "it first give another number?",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex03", notebook="03_layer_arithmetic.ipynb", title="Layer arithmetic: the Atari DQN network, pooling and receptive fields",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
