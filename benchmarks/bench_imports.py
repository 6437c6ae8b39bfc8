"""Import time of each math module, each in a fresh interpreter.

Prints the median wall time of `python -c "import course_lib.X"` over several runs, and its
ratio to a bare `python -c "pass"` measured in the same process.
"""

import subprocess
import sys

from _timing import median_time

MODULES = ["arithmetic", "numeric", "symbolic", "sampling"]
REPEATS = 7


def median_seconds(code: str) -> float:
    return median_time(lambda: subprocess.run([sys.executable, "-c", code], check=True), REPEATS)


def main() -> None:
    baseline = median_seconds("pass")
    print(f"{'python -c pass':<28} {baseline * 1000:8.1f} ms  (reference)")
    for name in ["numpy", "sympy"]:
        t = median_seconds(f"import {name}")
        print(f"{'import ' + name:<28} {t * 1000:8.1f} ms  x{t / baseline:.1f}")
    for module in MODULES:
        t = median_seconds(f"import course_lib.{module}")
        print(f"{'import course_lib.' + module:<28} {t * 1000:8.1f} ms  x{t / baseline:.1f}")


if __name__ == "__main__":
    main()
