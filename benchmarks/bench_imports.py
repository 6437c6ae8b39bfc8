"""Import time of each math module, each in a fresh interpreter.

Prints the median wall time of `python -c "import course_lib.X"` over several runs, and its
ratio to a bare `python -c "pass"` measured in the same process. The last line is a first call
of the "matrix" transposed convolution in a fresh interpreter: it reads C's sparsity pattern
from course_lib.connectivity, so it should cost about as much as importing numeric (no SymPy).
"""

import subprocess
import sys

from _timing import median_time

MODULES = ["arithmetic", "connectivity", "numeric", "symbolic", "sampling"]
FIRST_MATRIX_CALL = (
    "from course_lib.numeric import conv_transpose2d; "
    "conv_transpose2d([[1, 2], [3, 4]], [[1, 0], [0, 1]], stride=2, method='matrix')"
)
REPEATS = 7


def median_seconds(code: str) -> float:
    return median_time(lambda: subprocess.run([sys.executable, "-c", code], check=True), REPEATS)


def main() -> None:
    baseline = median_seconds("pass")
    print(f"{'python -c pass':<31} {baseline * 1000:8.1f} ms  (reference)")
    for name in ["numpy", "sympy"]:
        t = median_seconds(f"import {name}")
        print(f"{'import ' + name:<31} {t * 1000:8.1f} ms  x{t / baseline:.1f}")
    for module in MODULES:
        t = median_seconds(f"import course_lib.{module}")
        print(f"{'import course_lib.' + module:<31} {t * 1000:8.1f} ms  x{t / baseline:.1f}")
    t = median_seconds(FIRST_MATRIX_CALL)
    print(f"{'numeric, first matrix call':<31} {t * 1000:8.1f} ms  x{t / baseline:.1f}")


if __name__ == "__main__":
    main()
