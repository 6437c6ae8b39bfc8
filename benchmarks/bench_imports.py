"""Import time of each math module, each in a fresh interpreter.

Prints the median wall time of `python -c "import course_lib.X"` over several runs, and its
ratio to a bare `python -c "pass"` measured in the same process.
"""

import statistics
import subprocess
import sys
import time

MODULES = ["arithmetic", "numeric", "symbolic", "sampling"]
REPEATS = 7


def median_seconds(code: str) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
