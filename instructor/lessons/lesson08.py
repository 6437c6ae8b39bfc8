"""Check-yourself questions of lesson 08 (frameworks and conventions) — instructor only.

The lesson (notebooks/08_frameworks_and_conventions.ipynb) asks each question just before the cell
that reveals the answer; check("l08.M") gives immediate feedback. The lesson's own numbers are
PARAMETERS; ``practice("l08.M")`` asks a numeric question again with numbers from ``_draw`` (its
``ask`` restates it over the parameters). Every expected answer is computed with course_lib (the
frameworks' conventions from course_lib.frameworks, which make crosscheck verifies against the
frameworks).
"""

from course_lib.conventions import take_window
from course_lib.frameworks import tf_conv_transpose_window, tf_same_padding
from course_lib.grading.kinds import Choice, IntTuple
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.numeric import conv_transpose1d

PARAMETERS = {
    "i1": 12, "k1": 5, "s1": 2,                          # question 1: TensorFlow's 'SAME' padding
    "y2": [1, 10], "w2": [1, 2, 3], "s2": 2, "o2": 4,    # question 2: tf.nn.conv1d_transpose, 'SAME'
}

# Question 1: settings whose total 'SAME' padding is odd (so the odd unit's side matters).
_SAME1 = [(i, k, s) for i in range(7, 21) for k in (3, 5, 7) for s in (2, 3) if sum(tf_same_padding(i, k, s)) % 2]
# Question 2: (n, k, s, o): copies that overlap (s < k), o -> n by a 'SAME' convolution whose padding is odd.
_SHAPES2 = [(n, k, s, o) for n in (2, 3) for k in (3, 4, 5) for s in (2, 3) if s < k
            for o in range((n - 1) * s + 1, n * s + 1) if sum(tf_same_padding(o, k, s)) % 2
            and (n - 1) * s + k <= 9]


def _draw(rng):
    """Hand-sized numbers in which every declared mistake gives its own answer."""
    i1, k1, s1 = rng.choice(_SAME1)
    n, k, s, o = rng.choice(_SHAPES2)
    w = rng.sample(range(1, 6), k)
    return {"i1": i1, "k1": k1, "s1": s1, "y2": [rng.randint(1, 9) for _ in range(n)], "w2": w, "s2": s, "o2": o}


def _full2(P):
    return conv_transpose1d(P["y2"], P["w2"], stride=P["s2"])


def _tf_window2(P):
    return tf_conv_transpose_window(len(P["y2"]), len(P["w2"]), P["s2"], "SAME", P["o2"])


def _window2(P, full=None, begin=None):
    window = _tf_window2(P) if begin is None else (begin, P["o2"])
    return tuple(int(v) for v in take_window(_full2(P) if full is None else full, window))


def _overwritten2(P, later_wins):
    """Question 2's full output with overlapping copies overwritten instead of summed, TensorFlow's window."""
    y, w, s = P["y2"], P["w2"], P["s2"]
    out = [0] * ((len(y) - 1) * s + len(w))
    copies = [(r * s, [v * t for t in w]) for r, v in enumerate(y)]
    for start, copy in copies if later_wins else copies[::-1]:
        out[start:start + len(w)] = copy
    return _window2(P, full=out)


def _odd_unit_first2(P):
    """The window that crops the odd unit of the direct convolution's padding at the start."""
    before, after = tf_same_padding(P["o2"], len(P["w2"]), P["s2"])
    return _window2(P, begin=after)


PORT_OPTIONS = (
    "TensorFlow `conv2d_transpose`, `padding='SAME'`, `output_shape` 6×6",
    "TensorFlow `conv2d_transpose`, `padding=[[0, 0], [1, 1], [1, 1], [0, 0]]`, `output_shape` 6×6",
    "Keras `Conv2DTranspose(3, 3, strides=2, padding='same', output_padding=1)`",
    "Keras `Conv2DTranspose(3, 3, strides=2, padding='valid')`, then `Cropping2D(((1, 0), (1, 0)))`",
    "JAX `conv_transpose(..., padding=[(1, 2), (1, 2)], transpose_kernel=False)`",
    "ONNX `ConvTranspose`, `pads=[1, 1, 1, 1]`, `output_padding=[1, 1]`",
)

QUESTIONS = [
    Question(
        id="l08.1", name="cy1_same", title="TensorFlow's 'SAME' padding with a stride", points=1,
        kind=IntTuple(length=2),
        answer=lambda P: tf_same_padding(P["i1"], P["k1"], P["s1"]),
        mistakes=[
            Mistake(lambda P: ((P["k1"] - 1) // 2, P["k1"] - 1 - (P["k1"] - 1) // 2), "That is the stride-1 rule P = k - 1 (and "
                    "PyTorch's symmetric padding). With a stride, 'SAME' pads only what ceil(i/s) windows need: "
                    "find where the last of them ends."),
            Mistake(lambda P: tf_same_padding(P["i1"], P["k1"], P["s1"])[::-1], "TensorFlow puts the odd unit after the input, "
                    "not before it."),
            Mistake(lambda P: (0, 0), "That is 'VALID'. 'SAME' pads so that ceil(i/s) windows fit."),
        ],
        hint="How many outputs does 'SAME' promise? Where does the last window end? Which side gets the odd unit?",
        ask="A TensorFlow convolution with i = {i1}, k = {k1}, s = {s1} and padding='SAME': give its padding as a "
            "tuple (before, after).",
    ),
    Question(
        id="l08.2", name="cy2_window", title="Which window does TensorFlow's 'SAME' return?", points=1,
        kind=IntTuple(),
        answer=lambda P: _window2(P),
        mistakes=[
            Mistake(_odd_unit_first2, "That window crops the odd unit at the start (as PyTorch's padding=1, "
                    "output_padding=1 does in the lesson's example). TensorFlow crops what its direct convolution "
                    "of output_shape units pads before its input, and that convolution puts the odd unit after."),
            Mistake(lambda P: tuple(int(v) for v in _full2(P)), "That is the full output; output_shape asks for "
                    "fewer units."),
            Mistake(lambda P: _overwritten2(P, later_wins=True), "Copies that overlap add up: a unit where two "
                    "weighted copies land holds their sum, not the later copy's value."),
            Mistake(lambda P: _overwritten2(P, later_wins=False), "Copies that overlap add up: a unit where two "
                    "weighted copies land holds their sum, not the first copy's value."),
        ],
        hint="First the full output (copies start s units apart; where they overlap they add). Then: which "
             "units does a 'SAME' convolution of output_shape units with the same stride pad?",
        ask="tf.nn.conv1d_transpose of y = {y2} with the kernel {w2}, strides={s2}, padding='SAME' and "
            "output_shape {o2}: write its output as a tuple.",
    ),
    Question(
        id="l08.3", name="cy3_ports", title="Which ports give PyTorch's values?", points=1,
        kind=Choice(PORT_OPTIONS, option_hints={
            "A": "Which side does the direct convolution 6 -> 3 with 'SAME' pad, and where does that make the "
                 "window start? PyTorch's padding=1 makes it start at unit 1.",
            "B": "With explicit padding TensorFlow crops exactly the padding before the input: compare it with "
                 "PyTorch's padding=1.",
            "C": "Keras's 'same' returns TensorFlow's 'SAME' window for the length Keras computes: which window "
                 "is that?",
            "D": "'valid' returns the whole 7×7 output: which window is left after cropping one row and one column "
                 "at the start?",
            "E": "What does JAX do with the kernel when transpose_kernel is False?",
            "F": "ONNX's pads crop the full output and output_padding gives units back at the end: compare them "
                 "with PyTorch's own arguments.",
        }),
        answer=lambda P: ("B", "D", "F"),
        mistakes=[
            Mistake(lambda P: ("A", "B", "C", "D", "F"), "Layout and rotation: only one option gets one of them wrong. "
                    "The window is the other test: which options return the window that starts at unit 1?"),
        ],
        hint="For each option ask three things: the layout, the kernel's rotation, and which window of the 7×7 "
             "full output it returns (PyTorch's starts at unit 1).",
    ),
]

EXERCISE_SET = ExerciseSet(
    id="l08", notebook="08_frameworks_and_conventions.ipynb", title="Frameworks and conventions (lesson 08)",
    parameters=PARAMETERS, generate=_draw, questions=QUESTIONS,
)
