"""Grading speed: 100 submissions of exercise set ex02 on this machine's cores.

Prints medians (over --repeats runs, time.perf_counter) of:

* the reference: nbclient running the ex02 solution notebook in a fresh plain kernel (no sandbox,
  no probes), one notebook at a time — what any nbclient-based grader pays at least;
* `grade_many` on 100 submissions (a third solutions, a third untouched exercises, a third with
  two wrong answers) with --jobs parallel kernels (default: all cores), in seconds per submission;
* the same with one kernel at a time, on 10 submissions.

and the ratios to the reference. For comparison, nbgrader 0.9.6 and otter-grader 7.0.0, which run
the tests in the student's own kernel, took 2-7 s per notebook when the course chose its grader
(a measurement of that time on this kind of machine, not repeated by this script).

Usage: .venv/bin/python benchmarks/bench_grading.py [--count 100] [--repeats 5] [--jobs N]
"""

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course_lib.grading.grader import Options, grade_many
from course_lib.grading.sandbox import detect_sandbox
from course_lib.grading.spec import load_sets

ROOT = Path(__file__).resolve().parent.parent
NAME = "02_convolution_arithmetic.ipynb"


def make_submissions(folder: Path, count: int) -> list[Path]:
    solution = nbformat.read(ROOT / "solutions" / NAME, as_version=4)
    exercise = nbformat.read(ROOT / "exercises" / NAME, as_version=4)
    partial = nbformat.read(ROOT / "solutions" / NAME, as_version=4)
    for cell in partial.cells:
        if cell.source.startswith("# ex02.1\n"):
            cell.source = "# ex02.1\no1 = i1 - k1"
        if cell.source.startswith("# ex02.9\n"):
            cell.source = "# ex02.9\no_expr = (i + 2 * p - k) / s + 1"
    paths = []
    for n in range(count):
        nb = (solution, exercise, partial)[n % 3]
        path = folder / f"student{n:03d}" / NAME
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def reference_seconds() -> float:
    """Plain nbclient: one fresh kernel, the solution notebook, no sandbox, no probes."""
    nb = nbformat.read(ROOT / "solutions" / NAME, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()

    sets = load_sets(ROOT / "instructor" / "sets")
    ex02 = sets["ex02"]
    # untouched exercises, the partial submission (ex02.1 and ex02.9 wrong), the solutions
    expected_totals = [0, ex02.max_points - ex02.question("ex02.1").points - ex02.question("ex02.9").points,
                       ex02.max_points]
    sandbox = detect_sandbox("auto")
    options = Options(cell_timeout=30, notebook_timeout=300)
    print(f"{os.cpu_count()} cores; {sandbox.describe()}")

    reference = statistics.median(reference_seconds() for _ in range(args.repeats))
    print(f"{'reference: plain nbclient, 1 notebook':<46} {reference:6.2f} s per notebook")

    folder = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        paths = make_submissions(folder, args.count)
        per_submission = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            results = grade_many(paths, sets, options, sandbox, jobs=args.jobs, progress=False)
            per_submission.append((time.perf_counter() - start) / len(paths))
            assert {r.status for r in results} == {"ok"}, {r.status for r in results}
            totals = sorted({r.total for r in results})
            assert totals == expected_totals, totals
        parallel = statistics.median(per_submission)
        print(f"{f'course grade, {args.count} submissions, {args.jobs} jobs':<46} {parallel:6.2f} s per submission"
              f"  x{parallel / reference:.2f} of the reference")
        single = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            grade_many(paths[:10], sets, options, sandbox, jobs=1, progress=False)
            single.append((time.perf_counter() - start) / 10)
        one = statistics.median(single)
        print(f"{'course grade, 10 submissions, 1 job':<46} {one:6.2f} s per submission"
              f"  x{one / reference:.2f} of the reference")
        print(f"{'nbgrader 0.9.6 / otter-grader 7.0.0 (DESIGN.md)':<46} {'2-7':>6} s per notebook")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
