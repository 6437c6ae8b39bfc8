"""Exercise set ex03 — layer arithmetic: the Atari DQN network (instructor only).

The network of Mnih et al. (2013) as the course notes describe it: an 84x84x4 input, 16 filters
of 8x8 with stride 4, 32 filters of 4x4 with stride 2, 256 fully connected units and 18 outputs.
Every expected answer is computed here, in the grader's process.
"""

import sympy

from course_lib.arithmetic import conv_output_size
from course_lib.grading.kinds import Expression, Function, Int, IntTuple, Number
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Mistake, Question

DEFAULTS = {"J": 84, "L": 4, "F1": 16, "M1": 8, "S1": 4, "F2": 32, "M2": 4, "S2": 2, "H": 256, "A": 18}


def generate(rng):
    """One student's network: the same architecture with other sizes."""
    return {
        "J": rng.choice([64, 72, 80, 84, 88, 96]), "L": rng.randint(1, 4),
        "F1": rng.choice([8, 16, 32]), "M1": rng.randint(6, 8), "S1": rng.randint(2, 4),
        "F2": rng.choice([16, 32, 64]), "M2": rng.randint(3, 5), "S2": rng.randint(1, 2),
        "H": rng.choice([128, 256, 512]), "A": rng.randint(4, 18),
    }


def layer_arithmetic(input_size, channels, layers):
    """Reference: (weights per neuron, neurons, connections, parameters) for every layer."""
    size, depth, flat = input_size, channels, None
    table = []
    for layer in layers:
        if layer[0] == "conv":
            _, filters, kernel, stride, padding = layer
            size = conv_output_size(size, kernel, stride, padding)
            per_neuron = 1 + kernel * kernel * depth
            neurons = size * size * filters
            table.append((per_neuron, neurons, neurons * per_neuron, filters * per_neuron))
            depth = filters
        else:
            _, units = layer
            inputs = size * size * depth if flat is None else flat
            per_neuron = 1 + inputs
            table.append((per_neuron, units, units * per_neuron, units * per_neuron))
            flat = units
    return table


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
        kind=Function(result=IntTuple(item_length=4, partial=False)),
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
]

EXERCISE_SET = ExerciseSet(
    id="ex03", notebook="03_layer_arithmetic.ipynb", title="Layer arithmetic: the Atari DQN network",
    parameters=DEFAULTS, questions=QUESTIONS, generate=generate,
)
