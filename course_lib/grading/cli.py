"""The ``course`` command: ``release``, ``bundle`` and ``grade``.

Examples (from the repository's root)::

    course release                      # exercises/ and the public checks from solutions/
    course release --check              # exit 1 if exercises/ is not what release would write
    course release --roster roster.csv --out release/   # one notebook per student and set
    course bundle build/course.zip      # what students receive
    course grade submitted/ --out gradebook.csv --feedback feedback/ [--duplicates latest]

``course grade`` exits with :data:`EXIT_OK` when every gradebook row is ``ok``,
:data:`EXIT_ATTENTION` when some rows need the instructor's attention (their ``reason`` says
why), :data:`EXIT_USAGE` for bad arguments, and :data:`EXIT_NOT_GRADED` when it could not grade
or write (no usable sandbox, files other users could read, an output it cannot write, or any
unexpected error, which it reports with its traceback: never Python's own exit status 1).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from pathlib import Path

__all__ = ["main", "EXIT_OK", "EXIT_ATTENTION", "EXIT_USAGE", "EXIT_NOT_GRADED"]

EXIT_OK, EXIT_ATTENTION, EXIT_USAGE, EXIT_NOT_GRADED = 0, 1, 2, 3


def _stop(message: str, code: int):
    """Say why on stderr and exit with ``code``."""
    print(message, file=sys.stderr)
    raise SystemExit(code)


def _root(value: str | None) -> Path:
    if value:
        root = Path(value).resolve()
        if not (root / "instructor" / "sets").is_dir():
            _stop(f"course: {root} has no instructor/sets folder", EXIT_USAGE)
        return root
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "instructor" / "sets").is_dir():
            return candidate
    _stop("course: run this inside the course repository (no instructor/sets folder found above "
          f"{here}), or pass --root", EXIT_USAGE)


def _sets(root: Path):
    from course_lib.grading.spec import load_sets

    # Only exercise sets are graded; a lesson's check-yourself questions (lNN) are not.
    return {set_id: s for set_id, s in load_sets(root / "instructor" / "sets").items() if not s.is_lesson}


def _secret_path(args, root: Path) -> Path:
    return Path(args.secret_file) if args.secret_file else root / "instructor" / "secret.key"


def _secret(args, root: Path, create: bool, code: int = 1) -> bytes:
    from course_lib.grading.release import ReleaseError, read_secret

    path = _secret_path(args, root)
    # COURSE_SECRET wins over the file, so then nothing is created.
    creating = create and not os.environ.get("COURSE_SECRET") and not path.is_file()
    try:
        secret = read_secret(path, create=create)
    except ReleaseError as err:
        _stop(f"course: {err}", code)
    if creating and path.is_file():
        print(f"course release: created the instructor secret {path} (readable only by you). Back it up "
              "somewhere safe and keep it private: every student's parameters are derived from it, and "
              "without it no variant can be graded or generated again.", file=sys.stderr)
    return secret


def _release(args) -> int:
    from course_lib.grading.release import (
        Layout, ReleaseError, check_release, course_sets, read_roster, release, release_variants,
    )

    root = _root(args.root)
    layout = Layout(root)
    try:
        sets = course_sets(layout)
        if args.roster:
            students = read_roster(Path(args.roster))
            secret = _secret(args, root, create=True)
            out = Path(args.out or "release")
            written = release_variants(layout, sets, students, secret, out)
            print(f"course release: {len(written)} notebooks for {len(students)} students in {out}/")
            return 0
        if args.check:
            stale = check_release(layout, sets)
            if stale:
                print("course release --check: these files differ from what `course release` writes "
                      "(run `course release` and commit the result):", file=sys.stderr)
                for path in stale:
                    print(f"  {path}", file=sys.stderr)
                return 1
            print("course release --check: exercises/ and the public checks are up to date")
            return 0
        written = release(layout, sets)
    except ReleaseError as err:
        print(f"course release: {err}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path.relative_to(root) if path.is_relative_to(root) else path}")
    return 0


def _bundle(args) -> int:
    from course_lib.grading.bundle import BundleError, build_bundle

    root = _root(args.root)
    try:
        members = build_bundle(root, Path(args.out))
    except BundleError as err:
        print(f"course bundle: refusing to build: {err}", file=sys.stderr)
        return 1
    print(f"course bundle: wrote {args.out} ({len(members)} files)")
    return 0


def _one_line(text, width: int | None = 120) -> str:
    """A name as one line for a terminal: no control characters (each is shown as ``?``), bytes
    that are not UTF-8 escaped as in the gradebook, at most ``width`` characters (None: any)."""
    from course_lib.grading.submissions import printable, shorten

    text = printable(re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", str(text)))
    return text if width is None else shorten(text, width)


def _missing_rows(results, roster, sets) -> list:
    """A ``missing`` row for each rostered student without a submission of a set this run grades."""
    from course_lib.grading.grader import SubmissionResult

    graded = sorted({r.set_id for r in results if r.set_id in sets})
    handed_in = {(r.student, r.set_id) for r in results}
    # a file whose set is unknown (a link, a bad name) already has its row saying why
    unknown = {r.student for r in results if r.set_id not in sets}
    return [SubmissionResult("", student, set_id, "missing", max_points=sets[set_id].max_points,
                             reason=f"no submission of {set_id} from this rostered student")
            for set_id in graded for student in roster
            if (student, set_id) not in handed_in and student not in unknown]


def _ungraded_variants_note(results) -> str | None:
    """What to tell the instructor when per-student notebooks were not graded for want of a roster
    (their rows in ``results`` say ``needs roster``), or None when there are none."""
    variants = [(r.path, r.released_for) for r in results if r.status == "needs roster"]
    if not variants:
        return None
    shown = "".join(f"\n  {_one_line(path)} (released for {_one_line(student)})" for path, student in variants[:3])
    more = f"\n  and {len(variants) - 3:,} more" if len(variants) > 3 else ""
    return (f"course grade: per-student variants made by `course release --roster` were not graded (status "
            f"`needs roster`): {len(variants):,} of them{shown}{more}\n"
            "Without a roster they would be graded against the default parameters, not each student's own. "
            "Grade them with --roster roster.csv (the roster the release used) and the secret the release "
            "used: instructor/secret.key, --secret-file FILE or COURSE_SECRET; a different secret gives "
            "different parameters.")


def _grade(args) -> int:
    """``course grade``. An unexpected error (a full disk, a grader bug) is not Python's exit status
    1, which says that rows need attention: its traceback goes to stderr, then one line saying it,
    and the status is :data:`EXIT_NOT_GRADED`."""
    try:
        return _grade_all(args)
    except Exception as err:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are not caught
        # printed through _one_line: the message may quote a student's file name
        print("\n".join(_one_line(line, None) for line in traceback.format_exc().splitlines()), file=sys.stderr)
        _stop(f"course grade: could not grade or write: {_one_line(f'{type(err).__name__}: {err}', 300)} "
              "(the traceback is above)", EXIT_NOT_GRADED)


def _grade_all(args) -> int:
    from course_lib.grading.gradebook import write_feedback, write_gradebook
    from course_lib.grading.grader import NEEDS_ATTENTION, Options, grade_many
    from course_lib.grading.release import ReleaseError, read_roster
    from course_lib.grading.sandbox import SandboxError, detect_sandbox

    from course_lib.grading.submissions import collect

    root = _root(args.root)
    sets = _sets(root)
    try:
        paths = collect(args.submissions, sets, duplicates=args.duplicates)
    except OSError as err:  # a folder the instructor named that cannot be read
        _stop(f"course grade: cannot read {_one_line(err.filename)}: {err.strerror or err}", EXIT_USAGE)
    if not paths:
        _stop("course grade: no submissions given", EXIT_USAGE)
    roster, secret = None, None
    if args.roster:
        try:
            roster = tuple(read_roster(Path(args.roster)))
        except (ReleaseError, OSError, UnicodeDecodeError) as err:
            _stop(f"course grade: {err}", EXIT_USAGE)
        secret = _secret(args, root, create=False, code=EXIT_USAGE)
    options = Options(cell_timeout=args.timeout, notebook_timeout=args.notebook_timeout,
                      secret=secret, hidden_seed=args.hidden_seed, roster=roster)
    try:
        sandbox = detect_sandbox(args.sandbox, memory_mb=args.memory,
                                 cpu_seconds=int(args.notebook_timeout) + 60)
        # The folders named and the files that will be read; never a link's target (a link to
        # /dev/zero must not stop the grading of everyone else).
        protected = [root / "instructor", root / "solutions", Path(args.out).resolve().parent,
                     *(Path(item).resolve() for item in args.submissions if os.path.isdir(item)),
                     *(Path(os.path.abspath(p)) for p in paths if not p.problem)]
        if args.roster:
            protected.append(Path(args.roster).resolve())
            protected.append(_secret_path(args, root).resolve())
        protected += [Path(args.feedback).resolve()] if args.feedback else []
        sandbox.check_protected(protected)
    except SandboxError as err:  # it may name folders any local user made: printed through _one_line
        _stop(f"course grade: {_one_line(err, None)}", EXIT_NOT_GRADED)
    if not args.quiet or sandbox.fallback:  # a fall-back from bubblewrap is said even with --quiet
        print(f"course grade: {len(paths)} submissions, {args.jobs or os.cpu_count()} parallel kernels; "
              f"{_one_line(sandbox.describe(), None)}", file=sys.stderr)  # it names world-writable folders
    results = grade_many(paths, sets, options, sandbox, jobs=args.jobs, progress=not args.quiet)
    if roster:
        results += _missing_rows(results, roster, sets)
    try:
        write_gradebook(Path(args.out), results, sets)
    except OSError as err:
        _stop(f"course grade: could not write the gradebook {_one_line(args.out, None)}: {err.strerror or err}",
              EXIT_NOT_GRADED)
    feedback_error = None
    if args.feedback:
        try:
            write_feedback(Path(args.feedback), results, sets)
        except OSError as err:  # the gradebook is written: say it, and which feedback is missing
            feedback_error = f"course grade: {err}"
    note = _ungraded_variants_note(results)
    if note:
        print(note, file=sys.stderr)
    if not args.quiet:
        counts = {}
        for r in results:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        print(f"course grade: wrote {_one_line(args.out, None)} ({summary})", file=sys.stderr)
    attention = sum(r.status in NEEDS_ATTENTION for r in results)
    if attention:
        # Printed even with --quiet: it is why the exit status is not 0.
        print(f"course grade: {attention:,} of {len(results):,} rows need attention (status not ok): "
              f"see their `reason` column in {_one_line(args.out, None)}", file=sys.stderr)
    if feedback_error:
        _stop(feedback_error, EXIT_NOT_GRADED)
    return EXIT_ATTENTION if attention else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The ``course`` command's argument parser.

    Examples
    --------
    >>> build_parser().parse_args(["grade", "a.ipynb", "--out", "g.csv"]).jobs is None
    True
    """
    parser = argparse.ArgumentParser(prog="course", description="Exercises, bundles and grading for the course.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", help="the course repository (default: found from the current folder)")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", parents=[common],
                                  help="regenerate exercises/ (or per-student variants) from solutions/")
    release.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is out of date")
    release.add_argument("--roster", help="CSV with a student_id column: write one notebook per student")
    release.add_argument("--out", help="folder for per-student notebooks (default: release/)")
    release.add_argument("--secret-file", help="the instructor's secret (default: instructor/secret.key, made if missing)")
    release.set_defaults(run=_release)

    bundle = commands.add_parser("bundle", parents=[common], help="build the zip students receive")
    bundle.add_argument("out", help="the zip file to write")
    bundle.set_defaults(run=_bundle)

    grade = commands.add_parser("grade", parents=[common], help="grade submissions into a gradebook")
    grade.add_argument("submissions", nargs="+",
                       help="folders laid out <folder>/<student>/NN_topic.ipynb (the student is the first folder "
                            "below), or notebook files (the student is the folder holding each)")
    grade.add_argument("--out", required=True, help="the gradebook CSV to write")
    grade.add_argument("--feedback", help="folder for one Markdown feedback file per submission")
    grade.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: number of cores)")
    grade.add_argument("--timeout", type=float, default=30.0, help="seconds per cell (default 30)")
    grade.add_argument("--notebook-timeout", type=float, default=300.0,
                       help="seconds for each submission's whole grading: its kernel, its cells and the comparison "
                            "of its answers (default 300)")
    grade.add_argument("--memory", type=int, default=2048, help="memory limit per kernel in MB: its whole process tree when the grader can use cgroups (root), else per process (default 2048)")
    grade.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "setpriv", "none"],
                       help="how to isolate kernels (default: the strongest that works here)")
    grade.add_argument("--roster", help="grade per-student variants: the roster used by `course release --roster` "
                                        "(required when a submission is such a variant)")
    grade.add_argument("--secret-file", help="the instructor's secret (default: instructor/secret.key)")
    grade.add_argument("--hidden-seed", type=int, default=None,
                       help="draw the hidden inputs from this seed (default: fresh at every grading)")
    grade.add_argument("--duplicates", default="refuse", choices=["refuse", "latest"],
                       help="several files for one student and set: refuse them all (default) or grade the "
                            "newest by modification time")
    grade.add_argument("--quiet", action="store_true",
                       help="no progress bar or counts (the line on rows that need attention is still printed)")
    grade.set_defaults(run=_grade)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``course`` command; returns the exit status.

    Examples
    --------
    ``course release --check`` is ``main(["release", "--check"])``: it prints
    ``course release --check: exercises/ and the public checks are up to date`` and returns 0.
    ``course grade`` returns 0 when every row of the gradebook is ``ok``, 1 when some need
    attention (a per-student variant graded without ``--roster`` gets a ``needs roster`` row,
    say), 2 for bad arguments and 3 when it could not grade or write (an unexpected error too).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in ("timeout", "notebook_timeout"):
        if getattr(args, name, 1) is not None and getattr(args, name, 1) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be > 0")
    if getattr(args, "jobs", None) is not None and args.jobs < 1:
        parser.error("--jobs must be >= 1")
    if getattr(args, "memory", 256) < 256:
        parser.error("--memory must be >= 256 (MB)")
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
