"""Execution time of every notebook of the course in a fresh kernel (ceiling: 20 s each), and of
one ``pytest --nbval`` run over the whole course (ceiling: 90 s).

For each notebook under notebooks/, solutions/ and exercises/ (found by glob, so new lessons are
measured as soon as they exist) the script runs it top to bottom with nbclient in a new kernel,
--repeats times, and prints the medians (time.perf_counter) of

* start-up: starting the kernel and connecting to it;
* cells: executing every cell;
* total: the two together, what a student waits for after *Run All* in a fresh kernel,

and the ratio of the total to the reference, an empty notebook in a fresh kernel (the start-up
every notebook pays). A notebook whose total exceeds the ceiling of LESSONS.md (20 s) is flagged
"OVER"; one that raises in a cell is reported as failing, and the script then exits with 1. The
sum of the totals follows. Last, unless --no-course, it times one run of ``pytest --nbval`` (the
project's settings) over the three folders, what CI and a student's ``make test`` pay for the
notebooks, and flags it "OVER" past --course-ceiling (90 s).

Usage: .venv/bin/python benchmarks/bench_notebooks.py [--repeats 3] [--ceiling 20]
                                                      [--folders notebooks solutions exercises]
                                                      [--course-ceiling 90] [--no-course] [--strict]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
COURSE_FOLDERS = ("notebooks", "solutions", "exercises")


def run_once(nb, folder: Path, timeout: float) -> tuple[float, float]:
    """(start-up, cells) seconds of one execution of ``nb`` in a fresh kernel run in ``folder``."""
    nb = nbformat.from_dict(nb)  # a fresh copy: outputs of the previous run are not carried over
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    client.reset_execution_trackers()
    start = time.perf_counter()
    with client.setup_kernel():
        ready = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        done = time.perf_counter()
    return ready - start, done - ready


def measure(nb, folder: Path, repeats: int, timeout: float) -> tuple[float, float, float]:
    """Medians of start-up, cells and total over ``repeats`` fresh-kernel executions."""
    runs = [run_once(nb, folder, timeout) for _ in range(repeats)]
    return (statistics.median(s for s, _ in runs), statistics.median(c for _, c in runs),
            statistics.median(s + c for s, c in runs))


def time_course_nbval(folders) -> tuple[float, int, str]:
    """Seconds of one ``pytest --nbval`` run over ``folders``, its exit code and its summary line."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *folders],
                            cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return seconds, result.returncode, lines[-1] if lines else result.stderr.strip()[-200:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ceiling", type=float, default=20.0, help="seconds a notebook may take")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a cell may take")
    parser.add_argument("--folders", nargs="+", default=list(COURSE_FOLDERS))
    parser.add_argument("--course-ceiling", type=float, default=90.0,
                        help="seconds one pytest --nbval run over the whole course may take")
    parser.add_argument("--no-course", action="store_true", help="skip the pytest --nbval run over the course")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a notebook is over the ceiling")
    args = parser.parse_args()

    paths = [path for folder in args.folders for path in sorted((ROOT / folder).glob("*.ipynb"))]
    if not paths:
        print(f"no notebooks under {', '.join(args.folders)}")
        return 1

    empty = nbformat.v4.new_notebook()
    run_once(empty, ROOT, args.timeout)  # warm-up: the first kernel of a session starts slower
    reference = measure(empty, ROOT, args.repeats, args.timeout)[2]
    names = {path: os.path.relpath(path, ROOT) for path in paths}
    width = max(len(name) for name in [*names.values(), "(empty notebook: reference)"])
    print(f"medians of {args.repeats} runs, each in a fresh kernel; ceiling {args.ceiling:g} s")
    print(f"{'notebook':<{width}}  {'start-up':>8}  {'cells':>7}  {'total':>7}")
    print(f"{'(empty notebook: reference)':<{width}}  {reference:7.2f}s  {0:6.2f}s  {reference:6.2f}s")

    failed, over, totals = [], [], []
    for path in paths:
        name = names[path]
        nb = nbformat.read(path, as_version=4)
        try:
            startup, cells, total = measure(nb, path.parent, args.repeats, args.timeout)
        except CellExecutionError as error:
            failed.append(name)
            print(f"{name:<{width}}  FAILED: {error.ename}: {error.evalue}")
            continue
        totals.append(total)
        flag = f"  OVER {args.ceiling:g} s" if total > args.ceiling else ""
        if flag:
            over.append(name)
        print(f"{name:<{width}}  {startup:7.2f}s  {cells:6.2f}s  {total:6.2f}s  x{total / reference:.1f}{flag}")

    print(f"{len(paths)} notebooks: {len(failed)} failed, {len(over)} over {args.ceiling:g} s; "
          f"sum of the totals {sum(totals):.1f} s")
    course_over = False
    if not args.no_course:
        seconds, code, summary = time_course_nbval(COURSE_FOLDERS)
        course_over = seconds > args.course_ceiling
        counts = {folder: len(list((ROOT / folder).glob("*.ipynb"))) for folder in COURSE_FOLDERS}
        print(f"pytest --nbval over the course ({', '.join(f'{n} in {f}/' for f, n in counts.items())}): "
              f"{seconds:.1f} s{f'  OVER {args.course_ceiling:g} s' if course_over else ''} | {summary}")
        if code != 0:
            failed.append("pytest --nbval over the course")
    return 1 if failed or (args.strict and (over or course_over)) else 0


if __name__ == "__main__":
    sys.exit(main())
