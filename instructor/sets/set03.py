"""Exercise set ex03 — layer arithmetic: the Atari DQN network, pooling, receptive fields (instructor only).

ex03.1-ex03.9: the network of Mnih et al. (2013) as the course notes describe it: an 84x84x4
input, 16 filters of 8x8 with stride 4, 32 filters of 4x4 with stride 2, 256 fully connected
units and 18 outputs. ex03.10-ex03.13 (lesson 03): pooling with ceil_mode, max-unpooling with
switches, the receptive field of a small stack and the walk of a Nature-DQN-like network.
Every expected answer is computed here, in the grader's process, with course_lib (the layer
tables with course_lib.layers.walk).
"""

import numpy as np
import sympy

from course_lib import numeric
from course_lib.arithmetic import conv_output_size, pool_output_size
from course_lib.layers import Conv, Dense, Flatten, Pool, walk
from course_lib.grading.kinds import Expression, Function, Int, IntTuple, Matrix, Number
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question

DEFAULTS = {"J": 84, "L": 4, "F1": 16, "M1": 8, "S1": 4, "F2": 32, "M2": 4, "S2": 2, "H": 256, "A": 18,
            # ex03.10: a pooling layer whose floor and ceil_mode sizes differ
            "i10": 28, "k10": 3, "s10": 2, "p10": 1,
            # ex03.11: a 4x4 input, 2x2 max pooling with stride 2, then unpooling
            "x11": [[4, 11, 2, 7], [9, 1, 15, 3], [6, 13, 8, 5], [10, 12, 16, 14]],
            # ex03.12: conv ka/sa (same padding), pool kp/2, conv kb, conv kc (stride 1, same padding)
            "ka12": 5, "sa12": 2, "kp12": 3, "kb12": 3, "kc12": 3,
            # ex03.13: a Nature-DQN-like network: conv 8/4, conv 4/2, conv 3/1, dense, dense
            "J13": 96, "L13": 3, "Fa13": 32, "Fb13": 64, "Fc13": 64, "H13": 256, "A13": 6}


def _pool10(rng):
    """A pooling layer (i, k, s, p) whose floor and ceil_mode output sizes differ."""
    while True:
        k = rng.choice([2, 3, 3, 4])
        s, p, i = rng.choice([2, 3]), rng.randint(0, k // 2), rng.randint(15, 120)
        if pool_output_size(i, k, s, p) != pool_output_size(i, k, s, p, ceil_mode=True):
            return {"i10": i, "k10": k, "s10": s, "p10": p}


def generate(rng):
    """One student's network: the same architecture with other sizes (new questions' values drawn last)."""
    values = {
        "J": rng.choice([64, 72, 80, 84, 88, 96]), "L": rng.randint(1, 4),
        "F1": rng.choice([8, 16, 32]), "M1": rng.randint(6, 8), "S1": rng.randint(2, 4),
        "F2": rng.choice([16, 32, 64]), "M2": rng.randint(3, 5), "S2": rng.randint(1, 2),
        "H": rng.choice([128, 256, 512]), "A": rng.randint(4, 18),
    }
    values.update(_pool10(rng))
    distinct = rng.sample(range(1, 40), 16)              # no ties: every window has one maximum
    values["x11"] = [distinct[r * 4:r * 4 + 4] for r in range(4)]
    values.update({"ka12": rng.choice([3, 5, 7]), "sa12": rng.randint(1, 2), "kp12": rng.randint(2, 3),
                   "kb12": rng.choice([3, 5]), "kc12": rng.choice([1, 3])})
    values.update({"J13": rng.choice([80, 84, 88, 96, 100]), "L13": rng.randint(1, 4),
                   "Fa13": rng.choice([16, 32]), "Fb13": rng.choice([32, 64]), "Fc13": rng.choice([32, 64]),
                   "H13": rng.choice([256, 512]), "A13": rng.randint(4, 18)})
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


# --- ex03.10-ex03.13 (lesson 03) ----------------------------------------------------------------

def _pool_sizes(P, *, p=None):
    i, k, s = P["i10"], P["k10"], P["s10"]
    p = P["p10"] if p is None else p
    return pool_output_size(i, k, s, p), pool_output_size(i, k, s, p, ceil_mode=True)


def _unpooled(P, x=None):
    values, switches = numeric.max_pool2d(np.array(P["x11"] if x is None else x), 2, return_indices=True)
    return numeric.max_unpool2d(values, switches, 2).tolist()


def _corner_unpooled(P):
    out = np.zeros((4, 4), dtype=int)
    out[::2, ::2] = numeric.max_pool2d(np.array(P["x11"]), 2)
    return out.tolist()


def _stack12(P, *, pool=True):
    """conv ka/sa, pool kp/2, conv kb, conv kc; convolutions padded to keep the size (odd kernels)."""
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


def _nature13(P, *, third=True, bias=True):
    layers = [Conv(P["Fa13"], 8, stride=4, bias=bias), Conv(P["Fb13"], 4, stride=2, bias=bias)]
    if third:
        layers.append(Conv(P["Fc13"], 3, bias=bias))
    layers += [Flatten(), Dense(P["H13"], bias=bias), Dense(P["A13"], bias=bias)]
    return walk((P["L13"], P["J13"], P["J13"]), layers)


def _walk13(P, **how):
    table = _nature13(P, **how)
    flat = next(row for row in table.rows if row.kind == "flatten").output_shape[0]
    return (flat, table.total_parameters)


def _unless_right(wrong, right):
    """A mistake that some variants make right is not declared for them."""
    return None if wrong == right else wrong


F, M, N, L_ = sympy.symbols("F M N L", integer=True)

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
        hint="The notes' formula 1 + (J - M)/s, with the floor when s does not divide J - M.",
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
        hint="A convolutional neuron sees M x M x (input depth) units; a fully connected one sees every unit "
             "of the previous layer. Add 1 for the bias.",
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
        hint="A convolutional layer has width x height x (number of filters) neurons.",
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
        hint="Neurons times weights per neuron.",
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
        hint="Add up the previous answer.",
    ),
    Question(
        id="ex03.7", name="fc_share", title="Where the parameters are: the hidden fully connected layer's share",
        points=1, kind=Number(rel_tol=1e-3),
        answer=lambda P: table(P)[2][3] / sum(row[3] for row in table(P)),
        mistakes=[
            Mistake(lambda P: 100 * table(P)[2][3] / sum(row[3] for row in table(P)),
                    "Give the share as a number between 0 and 1, not as a percentage."),
            Mistake(lambda P: _times(_neurons(P), _per_neuron(P))[2] / sum(_times(_neurons(P), _per_neuron(P))),
                    "That is the layer's share of the connections, not of the parameters."),
            Mistake(lambda P: table(P)[2][3] / sum(row[3] for row in table(P)[:3]),
                    "Divide by the parameters of the whole network, the output layer's included."),
        ],
        checks=[Check("0 < answer < 1", "A share is a number between 0 and 1.")],
        hint="Its parameters divided by the total.",
    ),
    Question(
        id="ex03.8", name="conv_params_expr", title="Parameters of a convolutional layer, symbolically",
        points=2, kind=Expression({"F": (1, 6), "M": (1, 6), "N": (1, 6), "L": (1, 5)}),
        answer=lambda P: F * (M * N * L_ + 1),
        mistakes=[
            Mistake(lambda P: F * M * N * L_, "You left out the biases: one per filter."),
            Mistake(lambda P: F * M * N * L_ + 1, "Each filter has its own bias: F biases, not one."),
            Mistake(lambda P: F * (M * N + 1), "Each filter spans the input's whole depth L: M x N x L weights."),
        ],
        points_at=[{"F": 6, "M": 5, "N": 5, "L": 3}],
        hint="F filters of M x N x L weights, and one bias per filter.",
    ),
    Question(
        id="ex03.9", name="layer_arithmetic", title="A function for any network", points=4,
        kind=Function(result=IntTuple(item_length=4, partial=False), time_limit=5.0),
        reference=layer_arithmetic,
        examples=[(32, 3, [("conv", 6, 5, 1, 0), ("conv", 16, 5, 2, 0), ("fc", 10)]),
                  (4, 1, [("fc", 3)])],
        hidden=[
            HiddenGroup("convolutional layers without padding", draw=draw_conv_only,
                        cases=[(84, 4, [("conv", 16, 8, 4, 0), ("conv", 32, 4, 2, 0)])]),
            HiddenGroup("convolutional layers with padding", draw=draw_padded,
                        cases=[(28, 1, [("conv", 8, 3, 1, 1), ("conv", 8, 3, 2, 1)])]),
            HiddenGroup("fully connected layers after convolutions", draw=draw_with_fc,
                        cases=[(84, 4, [("conv", 16, 8, 4, 0), ("conv", 32, 4, 2, 0), ("fc", 256), ("fc", 18)])]),
            HiddenGroup("fully connected layers only", draw=draw_fc_only, count=4,
                        cases=[(1, 1, [("fc", 1)])]),
        ],
        hint="Keep track of the current size and depth (or, after a fully connected layer, of its number "
             "of units) as you go through the layers.",
    ),
    Question(
        id="ex03.10", name="pool_sizes", title="Floor or ceil_mode: a pooling layer's output size", points=1,
        kind=IntTuple(length=2), answer=_pool_sizes,
        mistakes=[
            Mistake(lambda P: (_pool_sizes(P)[0],) * 2, "You rounded down in both: ceil_mode rounds "
                    "(i + 2p - k)/s up and adds a last, clipped window."),
            Mistake(lambda P: (_pool_sizes(P)[1],) * 2, "You rounded up in both: by default a window must fit "
                    "entirely in the padded input (floor)."),
            Mistake(lambda P: _unless_right(_pool_sizes(P, p=0), _pool_sizes(P)), "You left out the padding: "
                    "the windows slide over i10 + 2·p10 units."),
            Mistake(lambda P: None if (_pool_sizes(P)[0] - 1, _pool_sizes(P)[1] - 1) == _pool_sizes(P, p=0) else
                    (_pool_sizes(P)[0] - 1, _pool_sizes(P)[1] - 1), "You forgot the +1: the first window counts too."),
        ],
        checks=[Check("answer[0] <= answer[1] <= answer[0] + 1", "ceil_mode gives the floor's size or one more.")],
        hint="Floor: ⌊(i + 2p - k)/s⌋ + 1. Ceil: round up instead, then drop the last window if it would start "
             "in the right padding, (o - 1)·s >= i + p.",
    ),
    Question(
        id="ex03.11", name="unpooled", title="Max-unpooling with switches", points=2,
        kind=Matrix(shape=(4, 4)), answer=_unpooled,
        mistakes=[
            Mistake(lambda P: P["x11"], "Unpooling does not restore the input: only each window's maximum comes "
                    "back, at its switch; the other units are zero."),
            Mistake(lambda P: np.kron(numeric.max_pool2d(np.array(P["x11"]), 2), np.ones((2, 2), dtype=int)).tolist(),
                    "That is nearest-neighbour upsampling (each maximum copied into its whole block); unpooling "
                    "writes the maximum only where it was."),
            Mistake(lambda P: _unless_right(_corner_unpooled(P), _unpooled(P)), "You put every maximum in its "
                    "block's top-left corner; the switches record where in the window each maximum was."),
            Mistake(lambda P: _unless_right(np.array(_unpooled(P)).T.tolist(), _unpooled(P)), "Your array is "
                    "transposed: a switch row * 4 + col names row, then column."),
        ],
        checks=[Check("sum(v != 0 for row in answer for v in row) == 4", "Four windows, four maxima: the "
                      "unpooled array has exactly four nonzero units.")],
        hint="Pool x11 with 2x2 windows and note where each maximum is (its switch); the unpooled array holds "
             "that maximum there and 0 everywhere else.",
    ),
    Question(
        id="ex03.12", name="receptive_field", title="The receptive field of a small stack", points=2, kind=Int(),
        answer=_field12,
        mistakes=[
            Mistake(lambda P: _unless_right(1 + sum(k - 1 for k, _ in _kernels_strides12(P)), _field12(P)),
                    "1 + the sum of (k - 1) holds only with unit strides: each layer's k - 1 extra units are "
                    "spaced by the jump, the product of the strides before it."),
            Mistake(lambda P: _unless_right(_field12_own_jump(P), _field12(P)), "You multiplied by the jump after "
                    "the layer's own stride; a layer's window steps over units of its input, spaced by the "
                    "strides of the layers before it."),
            Mistake(lambda P: _unless_right(_field12(P, pool=False), _field12(P)), "The pooling layer counts: its "
                    "window widens the field and its stride multiplies the jump, though it has no weights."),
        ],
        checks=[Check("answer >= ka12", "The field is at least the first kernel's size.")],
        hint="r = r + (k - 1)·j, then j = j·s, layer by layer from r = j = 1; padding does not change r.",
    ),
    Question(
        id="ex03.13", name="nature_walk", title="A network you have not seen: features and parameters",
        points=2, kind=IntTuple(length=2), answer=_walk13,
        mistakes=[
            Mistake(lambda P: (_walk13(P)[0], _walk13(P, bias=False)[1]), "You left out the biases: one per "
                    "filter and one per dense unit."),
            Mistake(lambda P: _walk13(P, third=False), "You left out the third convolution (3x3, stride 1): it "
                    "shrinks the maps by 2 and changes the first dense layer's inputs."),
            Mistake(lambda P: (_walk13(P)[0], sum(row.connections for row in _nature13(P).rows)),
                    "You counted connections: the neurons of one feature map share their weights."),
        ],
        checks=[Check("answer[1] > answer[0] * H13", "The first dense layer alone has more than "
                      "(features) x H13 weights.")],
        hint="Walk the sizes with Relationship 5 (no padding); a convolution has C_out·(k²·C_in + 1) parameters, "
             "a dense layer out·(in + 1).",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="ex03", notebook="03_layer_arithmetic.ipynb", title="Layer arithmetic: the Atari DQN network, pooling and receptive fields",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
