"""Check-yourself questions of lesson 08 (frameworks and conventions) — instructor only.

The lesson (notebooks/08_frameworks_and_conventions.ipynb) asks each question just before the cell
that reveals the answer; check("l08.M") gives immediate feedback. No per-student variants: the
numbers are the lesson's. Every expected answer is computed with course_lib (the frameworks'
conventions from course_lib.frameworks, which make crosscheck verifies against the frameworks).
"""

from course_lib.conventions import take_window
from course_lib.frameworks import tf_conv_transpose_window, tf_same_padding, torch_conv_transpose_window
from course_lib.grading.kinds import Choice, IntTuple
from course_lib.grading.spec import ExerciseSet, Mistake, Question
from course_lib.numeric import conv_transpose1d

# Question 1: TensorFlow's 'SAME' padding for i = 12, k = 5, s = 2.
I1, K1, S1 = 12, 5, 2
# Question 2: tf.nn.conv1d_transpose of y = (1, 10), w = (1, 2, 3), stride 2, 'SAME', output_shape 4.
Y2, W2, S2, O2 = [1, 10], [1, 2, 3], 2, 4


def _full2():
    return conv_transpose1d(Y2, W2, stride=S2)


def _window2(window):
    return tuple(int(v) for v in take_window(_full2(), window))


def _overwritten2(later_wins):
    """Question 2's full output with overlapping copies overwritten instead of summed, cut to 4 units."""
    out = [0] * ((len(Y2) - 1) * S2 + len(W2))
    copies = [(r * S2, [y * w for w in W2]) for r, y in enumerate(Y2)]
    for start, copy in copies if later_wins else copies[::-1]:
        out[start:start + len(W2)] = copy
    return tuple(out[:O2])


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
        answer=lambda P: tf_same_padding(I1, K1, S1),
        mistakes=[
            Mistake(lambda P: ((K1 - 1) // 2, K1 - 1 - (K1 - 1) // 2), "That is the stride-1 rule P = k - 1 (and "
                    "PyTorch's symmetric padding). With a stride, 'SAME' pads only what ceil(i/s) windows need: "
                    "find where the last of them ends."),
            Mistake(lambda P: tf_same_padding(I1, K1, S1)[::-1], "TensorFlow puts the odd unit after the input, "
                    "not before it."),
            Mistake(lambda P: (0, 0), "That is 'VALID'. 'SAME' pads so that ceil(i/s) windows fit."),
        ],
        hint="How many outputs does 'SAME' promise? Where does the last window end? Which side gets the odd unit?",
    ),
    Question(
        id="l08.2", name="cy2_window", title="Which window does TensorFlow's 'SAME' return?", points=1,
        kind=IntTuple(),
        answer=lambda P: _window2(tf_conv_transpose_window(len(Y2), len(W2), S2, "SAME", O2)),
        mistakes=[
            Mistake(lambda P: _window2(torch_conv_transpose_window(len(Y2), len(W2), S2, 1, 1)), "That window "
                    "starts at unit 1, as PyTorch's padding=1, output_padding=1 does. TensorFlow crops what its "
                    "direct convolution of 4 units would pad, and that convolution pads after the input."),
            Mistake(lambda P: tuple(int(v) for v in _full2()), "That is the full output (5 units); output_shape "
                    "asks for 4."),
            Mistake(lambda P: _overwritten2(later_wins=True), "Copies that overlap add up: the unit where both "
                    "weighted copies land holds their sum, not the later copy's value."),
            Mistake(lambda P: _overwritten2(later_wins=False), "Copies that overlap add up: the unit where both "
                    "weighted copies land holds their sum, not the first copy's value."),
        ],
        hint="First the full output (copies start s units apart; where they overlap they add). Then: which "
             "units does a 'SAME' convolution of 4 units with stride 2 pad?",
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
    parameters={}, questions=QUESTIONS,
)
