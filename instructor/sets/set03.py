"""Exercise set ex03 — layer arithmetic: the Atari DQN network (instructor only).

The network of Mnih et al. (2013) as the course notes describe it: an 84x84x4 input, 16 filters
of 8x8 with stride 4, 32 filters of 4x4 with stride 2, 256 fully connected units and 18 outputs.
Every expected answer is computed here, in the grader's process.
"""

import sympy

from course_lib.arithmetic import conv_output_size
from course_lib.grading.kinds import Expression, Function, Int, IntTuple, Number
from course_lib.grading.spec import Check, ExerciseSet, HiddenGroup, Question

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
        id="ex03.1", name="widths", title="Width (= height) of the two convolutional layers' outputs", points=2,
        kind=IntTuple(length=2), answer=widths,
        checks=[Check("0 < answer[1] < answer[0] < J", "Each strided layer makes the maps smaller: "
                      "expect J > first width > second width > 0.")],
        hint="The notes' formula 1 + (J - M)/s, with the floor when s does not divide J - M.",
    ),
    Question(
        id="ex03.2", name="weights_per_neuron", title="Weights per neuron, bias included", points=2,
        kind=IntTuple(length=4), answer=column(0),
        checks=[Check("all(w >= 2 for w in answer)", "Every neuron has at least one weight plus its bias.")],
        hint="A convolutional neuron sees M x M x (input depth) units; a fully connected one sees every unit "
             "of the previous layer. Add 1 for the bias.",
    ),
    Question(
        id="ex03.3", name="neurons", title="Neurons per layer", points=2, kind=IntTuple(length=4),
        answer=column(1),
        checks=[Check("answer[2] == H and answer[3] == A", "The fully connected layers have H and A neurons.")],
        hint="A convolutional layer has width x height x (number of filters) neurons.",
    ),
    Question(
        id="ex03.4", name="connections", title="Connections into each layer's neurons", points=2,
        kind=IntTuple(length=4), answer=column(2),
        checks=[Check("all(c > 0 for c in answer)", "Every layer has connections.")],
        hint="Neurons times weights per neuron.",
    ),
    Question(
        id="ex03.5", name="parameters", title="Independent parameters per layer", points=2,
        kind=IntTuple(length=4), answer=column(3),
        checks=[Check("answer[0] < answer[2]", "The first convolutional layer shares its weights; it has far "
                      "fewer parameters than the first fully connected layer.")],
        hint="Neurons of one feature map share their weights; fully connected neurons share nothing.",
    ),
    Question(
        id="ex03.6", name="total_parameters", title="Parameters of the whole network", points=1, kind=Int(),
        answer=lambda P: sum(row[3] for row in table(P)),
        checks=[Check("answer > 0", "The network has parameters.")],
        hint="Add up the previous answer.",
    ),
    Question(
        id="ex03.7", name="fc_share", title="Share of the parameters in the hidden fully connected layer",
        points=1, kind=Number(rel_tol=1e-3),
        answer=lambda P: table(P)[2][3] / sum(row[3] for row in table(P)),
        checks=[Check("0 < answer < 1", "A share is a number between 0 and 1.")],
        hint="Its parameters divided by the total.",
    ),
    Question(
        id="ex03.8", name="conv_params_expr", title="Parameters of a convolutional layer, symbolically",
        points=2, kind=Expression({"F": (1, 6), "M": (1, 6), "N": (1, 6), "L": (1, 5)}),
        answer=lambda P: F * (M * N * L_ + 1),
        points_at=[{"F": 6, "M": 5, "N": 5, "L": 3}],
        hint="F filters of M x N x L weights, and one bias per filter.",
    ),
    Question(
        id="ex03.9", name="layer_arithmetic", title="A function for any list of layers", points=4,
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
