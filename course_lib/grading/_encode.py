"""Turn a student's answer into plain JSON data (runs inside the student's kernel).

This module is self-contained on purpose: the grader pastes its source into every probe cell,
so the probe never relies on anything the student's code could have replaced in
``course_lib``. Only values leave the kernel, never objects: an ``int`` subclass with a
rigged ``__eq__`` arrives as the plain number it holds, and an object of any other class
arrives as its type's name. Every comparison happens later, in the grader's process.

Encoded forms (``t`` is the type tag)::

    {"t": "int", "v": 3}            {"t": "float", "v": "0.5"}      {"t": "bool", "v": true}
    {"t": "str", "v": "..."}        {"t": "none"}                   {"t": "ellipsis"}
    {"t": "fraction", "v": [numerator, denominator]}                (fractions.Fraction)
    {"t": "seq", "v": [...]}        {"t": "set", "v": [...]}        {"t": "dict", "v": [[k, v], ...]}
    {"t": "array", "shape": [...], "v": [...]}   (numpy; flat, row-major)
    {"t": "sympy", "v": "<srepr>"}  {"t": "matrix", "shape": [r, c], "v": ["<srepr>", ...]}
    {"t": "callable", "name": "f"}  {"t": "other", "type": "Foo"}
"""

MAX_ITEMS = 100000
MAX_DEPTH = 20
MAX_TEXT = 20000
MAX_INT_BITS = 10000


def encode(value, _depth=0, _budget=None):
    """Plain-JSON form of ``value`` (see the module docstring).

    Examples
    --------
    >>> encode((3, 4.5, None))
    {'t': 'seq', 'v': [{'t': 'int', 'v': 3}, {'t': 'float', 'v': '4.5'}, {'t': 'none'}]}
    >>> class AlwaysEqual:
    ...     def __eq__(self, other):
    ...         return True
    >>> encode(AlwaysEqual())
    {'t': 'other', 'type': 'AlwaysEqual'}
    """
    import sys

    if _budget is None:
        _budget = [MAX_ITEMS]
    _budget[0] -= 1
    if _budget[0] < 0 or _depth > MAX_DEPTH:
        return {"t": "other", "type": "too large or too deeply nested"}
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if value is Ellipsis:
        return {"t": "ellipsis"}
    if isinstance(value, bool):
        return {"t": "bool", "v": bool(int.__int__(value))}
    if isinstance(value, int):
        number = int.__int__(value)
        if number.bit_length() > MAX_INT_BITS:  # JSON could not even write it (4300 digits at most)
            return {"t": "other", "type": "an integer too large"}
        return {"t": "int", "v": number}
    if isinstance(value, float):
        return {"t": "float", "v": float.__repr__(value)}
    if isinstance(value, str):
        return {"t": "str", "v": str.__str__(value)[:MAX_TEXT]}
    fractions = sys.modules.get("fractions")
    if fractions is not None and isinstance(value, fractions.Fraction):
        # Read the stored numbers through the base class: a subclass cannot rig what arrives.
        numerator = int.__int__(fractions.Fraction.numerator.fget(value))
        denominator = int.__int__(fractions.Fraction.denominator.fget(value))
        if max(numerator.bit_length(), denominator.bit_length()) > MAX_INT_BITS:
            return {"t": "other", "type": "a fraction too large"}
        return {"t": "fraction", "v": [numerator, denominator]}
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.bool_):
            return {"t": "bool", "v": bool(value)}
        if isinstance(value, np.integer):
            return {"t": "int", "v": int(value)}
        if isinstance(value, np.floating):
            return {"t": "float", "v": repr(float(value))}
        if isinstance(value, np.ndarray):
            if value.size > MAX_ITEMS:
                return {"t": "other", "type": "ndarray too large"}
            # As a plain ndarray: np.matrix stays 2-D under reshape(-1) and would arrive as one row.
            plain = np.asarray(value)
            flat = [encode(x, _depth + 1, _budget) for x in plain.reshape(-1).tolist()]
            return {"t": "array", "shape": [int(n) for n in plain.shape], "v": flat}
    sympy = sys.modules.get("sympy")
    if sympy is not None:
        if isinstance(value, sympy.MatrixBase):
            rows, cols = value.shape
            if rows * cols > MAX_ITEMS:
                return {"t": "other", "type": "Matrix too large"}
            entries = [sympy.srepr(value[r, c]) for r in range(rows) for c in range(cols)]
            return {"t": "matrix", "shape": [int(rows), int(cols)], "v": entries}
        if isinstance(value, sympy.Basic):
            text = sympy.srepr(value)
            if len(text) > MAX_TEXT:
                return {"t": "other", "type": "SymPy expression too large"}
            return {"t": "sympy", "v": text}
    if type(value) is range:  # a builtin, never subclassed: its items are what it says
        if len(value) > 10_000:
            return {"t": "other", "type": "range too long"}
        return {"t": "seq", "v": [encode(x, _depth + 1, _budget) for x in value]}
    if isinstance(value, (list, tuple)):
        items = list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value)
        return {"t": "seq", "v": [encode(x, _depth + 1, _budget) for x in items]}
    if isinstance(value, (set, frozenset)):
        return {"t": "set", "v": [encode(x, _depth + 1, _budget) for x in value]}
    if isinstance(value, dict):
        pairs = [[encode(k, _depth + 1, _budget), encode(v, _depth + 1, _budget)] for k, v in dict.items(value)]
        return {"t": "dict", "v": pairs}
    if callable(value):
        return {"t": "callable", "name": str(getattr(value, "__name__", kind.__name__))[:100]}
    return {"t": "other", "type": str(kind.__name__)[:100]}


def decode_input(data):
    """Rebuild a hidden input from JSON: lists stay lists, ``{"tuple": [...]}`` become tuples.

    Examples
    --------
    >>> decode_input([{"tuple": ["conv", 16, 8, 4, 0]}, {"tuple": ["fc", 256]}])
    [('conv', 16, 8, 4, 0), ('fc', 256)]
    """
    if isinstance(data, list):
        return [decode_input(x) for x in data]
    if isinstance(data, dict) and list(data) == ["tuple"]:
        return tuple(decode_input(x) for x in data["tuple"])
    return data
