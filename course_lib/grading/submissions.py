"""Finding and reading submissions without trusting the submission tree.

A submissions folder is laid out ``<root>/<student_id>/.../NN_topic.ipynb``: the student is the
FIRST folder under the root the instructor names, however deep the notebook lies below it (so
``submitted/mallory/bob/02_x.ipynb`` is mallory's, never bob's). A notebook named directly on the
command line belongs to the folder that holds it. Nothing below the root is followed: a symbolic
link (to a file or a folder), a named pipe, a device or a socket is never opened and becomes an
``invalid notebook`` row that says what it is; a file lying directly in the root belongs to no
student and gets such a row too. Files are read through folder descriptors opened one by one with
``O_NOFOLLOW`` from the root down, checked with ``fstat`` (a regular file, at most
:data:`MAX_NOTEBOOK_BYTES`) and read from that descriptor, so swapping a folder or file for a
link after the walk changes nothing.

Several files for one (student, exercise set) are never graded side by side: with
``duplicates="refuse"`` every one of them gets a ``duplicate`` row and 0 points; with
``duplicates="latest"`` the newest (by modification time, ties by path) is graded and the others
get a ``duplicate`` row naming it.

Names come from students: :func:`printable` shows any of them (bytes that are not UTF-8,
control characters, invisible characters and spaces other than U+0020) as one line of plain
text, and :func:`listing` names at most a few of many, each shortened, so no name and no number
of files can make a row or a message large.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Submission", "collect", "read_bytes", "set_number_of", "released_student", "printable", "shorten",
           "listing",
           "MAX_NOTEBOOK_BYTES", "DUPLICATE_RULES", "NOT_A_FILE"]

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
DUPLICATE_RULES = ("refuse", "latest")
_SET_PREFIX = re.compile(r"^(\d\d)_")
# What a copy or a download does to a file name: Colab's "Copy of …", a browser's "… (1)", "… - Copy".
_RENAMED = re.compile(r"^(?:Copy of )+|(?: ?\(\d{1,3}\)| - Copy)(?=\.ipynb$)")


# What a name must not carry into a gradebook, a feedback file or a terminal: a backslash (the
# escape character itself, so that escaped names never collide), control characters (Cc), lone
# surrogates (Cs: os.fsdecode's stand-ins for bytes that are not UTF-8, or JSON's unpaired
# "\ud800"), and characters that show nothing, show as a mere space or move text: formatting
# characters (Cf: zero-width spaces and joiners, the soft hyphen U+00AD, bidirectional marks and
# overrides, U+FEFF, tags), line and paragraph separators (Zl, Zp), spaces other than U+0020 (Zs:
# U+00A0, U+2000..U+200A, U+3000, ...), and every other Default_Ignorable_Code_Point (a renderer
# shows none of them). Every character that is not printable ASCII is looked at; only these are
# escaped.
_SUSPECT = re.compile(r"[^\x20-\x5b\x5d-\x7e]")
_HIDDEN = frozenset({"Cc", "Cs", "Cf", "Zl", "Zp", "Zs"})
# Default_Ignorable_Code_Point outside Cf, which unicodedata cannot tell (Python has no API for
# Unicode's properties): the ranges of Unicode's DerivedCoreProperties.txt (the same since Unicode
# 14.0 added U+180F) that hold characters of categories Mn, Lo or Cn (unassigned: listed, so that
# they are escaped whatever unicodedata's version). The rest of the property is Cf, escaped by its
# category.
_IGNORABLE = (
    (0x034F, 0x034F),  # Mn: combining grapheme joiner
    (0x115F, 0x1160),  # Lo: Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Mn: Khmer inherent vowels
    (0x180B, 0x180F),  # Mn, Cf: Mongolian free variation selectors, vowel separator
    (0x2065, 0x2065),  # Cn
    (0x3164, 0x3164),  # Lo: Hangul filler
    (0xFE00, 0xFE0F),  # Mn: variation selectors 1-16
    (0xFFA0, 0xFFA0),  # Lo: halfwidth Hangul filler
    (0xFFF0, 0xFFF8),  # Cn
    (0xE0000, 0xE0FFF),  # Cf, Cn, Mn: tags and variation selectors 17-256, and what is reserved around them
)


def _ignorable(code: int) -> bool:
    return any(low <= code <= high for low, high in _IGNORABLE)


def _escape(match) -> str:
    char = match.group()
    code = ord(char)
    if code == 0x5C:
        return "\\\\"
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x80:
        return f"\\x{code:02x}"
    if unicodedata.category(char) not in _HIDDEN and not _ignorable(code):
        return char
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(name) -> str:
    r"""A student-chosen name as plain one-line text that always encodes as UTF-8.

    Bytes that are not UTF-8 become ``\xNN``, control characters ``\xNN`` (``\uNNNN`` above
    U+007F), characters that show nothing or as a mere space ``\uNNNN`` (``\UNNNNNNNN`` above
    U+FFFF): zero-width spaces and joiners, the soft hyphen, direction marks, line separators,
    variation selectors, Hangul fillers, spaces other than U+0020 (Unicode's categories Cf, Zl, Zp
    and Zs, and every Default_Ignorable_Code_Point), and a backslash ``\\``. Every escape starts
    with a backslash and reads back one way, so two different names never print as the same text.
    Names that merely look alike (a Cyrillic ``а`` for a Latin ``a``, a letter and a combining
    accent for an accented letter) stay as they are.

    Examples
    --------
    >>> print(printable(os.fsdecode(b"caf\xe9\xff")), printable("a\x1b[2J"), printable("a\\xff"), printable("alice"))
    caf\xe9\xff a\x1b[2J a\\xff alice
    >>> print(printable("al\u200bice"), printable("al\u034fice"), printable("al\u00a0ice"), printable("Ünïcødé"))
    al\u200bice al\u034fice al\u00a0ice Ünïcødé
    """
    return _SUSPECT.sub(_escape, str(name))


def shorten(text, width: int = 80) -> str:
    """``text`` cut in the middle to at most ``width`` characters (its end is often the telling part).

    Raises
    ------
    ValueError
        If ``width`` is not an integer of at least 2.

    Examples
    --------
    >>> shorten("01_convolution_arithmetic_final_really_final.ipynb", 24)
    '01_convoluti…final.ipynb'
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 2:
        raise ValueError(f"width must be an integer >= 2, got {width!r}")
    text = str(text)
    if len(text) <= width:
        return text
    tail = (width - 1) // 2
    return text[:width - 1 - tail] + "…" + text[len(text) - tail:]


def listing(items, shown: int = 5, width: int = 80, sep: str | None = ", ", more: str = "and {:,} more"):
    """At most ``shown`` items, each shortened to ``width`` characters, then how many were left out.

    Returns the items joined by ``sep``, or their list when ``sep`` is None; ``more`` is formatted
    with the number left out.

    Raises
    ------
    ValueError
        If ``shown`` is not an integer of at least 1, or ``width`` not one of at least 2.

    Examples
    --------
    >>> listing([f"01_x{n}.ipynb" for n in range(3000)], shown=2)
    '01_x0.ipynb, 01_x1.ipynb, and 2,998 more'
    >>> listing(["a", "b"], sep=None)
    ['a', 'b']
    """
    if isinstance(shown, bool) or not isinstance(shown, int) or shown < 1:
        raise ValueError(f"shown must be an integer >= 1, got {shown!r}")
    items = list(items)
    kept = [shorten(item, width) for item in items[:shown]]
    if len(items) > shown:
        kept.append(more.format(len(items) - shown))
    return kept if sep is None else sep.join(kept)


def set_number_of(name: str) -> tuple[str | None, bool]:
    """The exercise set's number a notebook's file name gives (``"03"``), or None; and whether a
    copy's or download's renaming had to be undone to read it.

    Examples
    --------
    >>> set_number_of("03_layer_arithmetic.ipynb"), set_number_of("Copy of 03_layer_arithmetic.ipynb")
    (('03', False), ('03', True))
    >>> set_number_of("03_layer_arithmetic (1).ipynb"), set_number_of("notes.ipynb")
    (('03', True), (None, False))
    """
    plain = _RENAMED.sub("", name)
    match = _SET_PREFIX.match(plain)
    return (match.group(1) if match else None), plain != name
# Folders a notebook server writes by itself: never a submission.
_SKIPPED_FOLDERS = (".ipynb_checkpoints",)

NOT_A_FILE = {
    stat.S_IFLNK: "a symbolic link, not a file (links are not followed)",
    stat.S_IFIFO: "a named pipe, not a file",
    stat.S_IFCHR: "a device, not a file",
    stat.S_IFBLK: "a device, not a file",
    stat.S_IFSOCK: "a socket, not a file",
    stat.S_IFDIR: "a folder, not a file",
}


@dataclass(frozen=True)
class Submission:
    """One file (or link) found among the submissions, and whose it is.

    ``root`` is the folder the instructor named (trusted); ``parts`` the names below it, opened
    one by one without following links. ``problem`` is ``(status, reason)`` when the entry must not
    be graded (not a regular file, outside a student's folder, a duplicate), else None.

    Examples
    --------
    >>> s = Submission("submitted", ("alice", "02_x.ipynb"), "alice")
    >>> os.fspath(s), s.set_number
    ('submitted/alice/02_x.ipynb', '02')
    """

    root: str
    parts: tuple
    student: str
    problem: tuple | None = None

    def __fspath__(self) -> str:
        return os.path.join(self.root, *self.parts)

    @property
    def path(self) -> str:
        """The path as the gradebook shows it."""
        return os.fspath(self)

    @property
    def set_number(self) -> str | None:
        """The file name's leading two digits (``02`` for ``02_x.ipynb``), or None."""
        return set_number_of(self.parts[-1])[0]


def released_student(data, exercise_set: str | None = None) -> str | None:
    """The student a notebook's data names as the one it was released for, or None.

    ``course release --roster`` writes ``metadata.course.student`` (and ``exercise_set``) into each
    per-student notebook; a shared exercise notebook names no student. With ``exercise_set``,
    a notebook of another set names nobody. Anything malformed is None.

    Examples
    --------
    >>> released_student({"metadata": {"course": {"student": "bob", "exercise_set": "ex02"}}})
    'bob'
    >>> released_student({"metadata": {"course": {"student": "bob", "exercise_set": "ex02"}}}, "ex03") is None
    True
    """
    metadata = data.get("metadata") if isinstance(data, dict) else None
    course = metadata.get("course") if isinstance(metadata, dict) else None
    if not isinstance(course, dict) or (exercise_set is not None and course.get("exercise_set") != exercise_set):
        return None
    student = course.get("student")
    return student if isinstance(student, str) and student else None


def _kind(mode: int) -> str | None:
    """Why an entry of this mode is not a notebook file, or None for a regular file."""
    return None if stat.S_ISREG(mode) else NOT_A_FILE.get(stat.S_IFMT(mode), "not a regular file")


def _too_large(size: int) -> str:
    return f"larger than the 20 MB limit ({size / 1024 / 1024:.1f} MB); notebooks over 20 MB are not graded"


def read_bytes(path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """A submission's bytes, read without following any link below its root.

    ``path`` is a :class:`Submission` (every folder below its root is opened with ``O_NOFOLLOW``)
    or a plain path (its folder is trusted, the file itself is not followed).

    Raises
    ------
    ValueError
        If the entry is not a regular file or is larger than ``limit`` bytes; the message says
        what it is ("a symbolic link, not a file …", "a named pipe, not a file", "larger than …").
    OSError
        If it cannot be opened or read (missing, no permission).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "02_x.ipynb").write_text("{}")
    >>> os.symlink(folder / "02_x.ipynb", folder / "02_y.ipynb")
    >>> read_bytes(folder / "02_x.ipynb")
    b'{}'
    >>> read_bytes(folder / "02_y.ipynb")
    Traceback (most recent call last):
    ...
    ValueError: a symbolic link, not a file (links are not followed)
    """
    if isinstance(path, Submission):
        root, parts = path.root, path.parts
    elif isinstance(path, (str, os.PathLike)):
        path = Path(path)
        root, parts = str(path.parent), (path.name,)
    else:
        raise TypeError(f"path must be a Submission or a path, got {type(path).__name__} {path!r}")
    if not parts or any(part in ("", ".", "..") or "/" in part for part in parts):
        raise ValueError(f"path must name a file below its folder, got {parts!r}")
    # One folder descriptor open at a time, so depth costs no descriptors.
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    fd = None
    try:
        for part in parts[:-1]:
            try:
                below = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
            except OSError as err:
                mode = os.stat(part, dir_fd=folder, follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    raise
                raise ValueError(f"{part} above it is {_kind(mode).replace('not a file', 'not a folder')}") from err
            os.close(folder)
            folder = below
        # Look before opening: opening a device or a pipe can itself have effects.
        before = os.stat(parts[-1], dir_fd=folder, follow_symlinks=False)
        if _kind(before.st_mode):
            raise ValueError(_kind(before.st_mode))
        if before.st_size > limit:
            raise ValueError(_too_large(before.st_size))
        # O_NONBLOCK: if the file was swapped for a pipe since the look, opening it cannot block.
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
        try:
            fd = os.open(parts[-1], flags, dir_fd=folder)
        except OSError as err:
            if err.errno == errno.ELOOP:  # it became a link since the look
                raise ValueError(NOT_A_FILE[stat.S_IFLNK]) from err
            raise
        info = os.fstat(fd)
        if _kind(info.st_mode):
            raise ValueError(_kind(info.st_mode))
        if info.st_size > limit:
            raise ValueError(_too_large(info.st_size))
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise ValueError(_too_large(total))
        return b"".join(chunks)
    finally:
        os.close(folder)
        if fd is not None:
            os.close(fd)


def _walk(root: str, found: list) -> None:
    """Add every notebook, link and special file named ``*.ipynb`` below ``root``, folder by folder.

    A loop, not recursion: a student's folders nested a few thousand deep must not stop the grading.
    """
    pending = [()]
    while pending:
        below = pending.pop()
        try:
            with os.scandir(os.path.join(root, *below)) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as err:
            if not below:
                raise  # the instructor's own folder
            found.append(Submission(root, below, below[0],
                                    ("invalid notebook", f"a folder that cannot be read ({err.strerror or err})")))
            continue
        folders = []
        for entry in entries:
            parts = (*below, entry.name)
            student = parts[0] if len(parts) > 1 else ""
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as err:  # a path too long to name, say: a row, not a stop
                found.append(Submission(root, parts, parts[0] if len(parts) > 1 else "",
                                        ("invalid notebook", f"cannot be examined ({err.strerror or err})")))
                continue
            if stat.S_ISDIR(mode):
                if entry.name not in _SKIPPED_FOLDERS:
                    folders.append(parts)
                continue
            is_link_to_folder = stat.S_ISLNK(mode) and os.path.isdir(os.path.join(root, *parts))
            if not (entry.name.endswith(".ipynb") or is_link_to_folder):
                continue  # other files in a student's folder (data, images) are not submissions
            if is_link_to_folder:
                problem = ("invalid notebook", "a symbolic link to a folder, not followed")
                student = parts[0]
            elif _kind(mode):
                problem = ("invalid notebook", _kind(mode))
            else:
                problem = None
            if not student and problem is None:
                problem = ("invalid notebook", f"not in a student's folder: lay submissions out as "
                                               f"{root}/<student_id>/NN_topic.ipynb")
            found.append(Submission(root, parts, student, problem))
        pending += reversed(folders)


def _modified(submission: Submission) -> int:
    try:
        return os.stat(submission, follow_symlinks=False).st_mtime_ns
    except OSError:
        return 0


def _settle_duplicates(found: list, sets: dict, duplicates: str) -> list:
    """Mark every (student, set) with several gradable files by the instructor's rule."""
    groups: dict = {}
    for submission in found:
        set_id = f"ex{submission.set_number}"
        if set_id in sets and submission.problem is None and submission.student:
            groups.setdefault((submission.student, set_id), []).append(submission)
    replaced = {}
    for (student, set_id), group in groups.items():
        if len(group) < 2:
            continue
        names = listing(os.path.join(*s.parts[1:]) for s in group)
        if duplicates == "refuse":
            reason = (f"{len(group)} files for {set_id} in {student}'s folder ({names}); none is graded: "
                      "hand in exactly one")
            for submission in group:
                replaced[submission] = ("duplicate", reason)
        else:
            newest = max(group, key=lambda s: (_modified(s), s.path))
            for submission in group:
                if submission is not newest:
                    replaced[submission] = ("duplicate", f"not graded: a newer submission for {set_id}, "
                                                         f"{shorten(os.path.join(*newest.parts[1:]))}, was graded")
    return [Submission(s.root, s.parts, s.student, replaced[s]) if s in replaced else s for s in found]


def collect(items, sets: dict | None = None, duplicates: str = "refuse") -> list[Submission]:
    """The submissions below the folders and among the files in ``items``, in a stable order.

    Parameters
    ----------
    items : iterable of str or Path
        Folders laid out ``<folder>/<student_id>/.../NN_topic.ipynb``, or notebook files (each
        belongs to the folder holding it). The folders themselves are trusted; nothing below
        them is followed.
    sets : dict, optional
        The exercise sets by ID (``ex02``, ...), for finding duplicates (``02_*.ipynb`` is ex02);
        without them no duplicates are looked for.
    duplicates : {"refuse", "latest"}
        What to do with several files for one (student, set); see the module's docstring.

    Returns
    -------
    list of Submission
        One per notebook, link or special file named ``*.ipynb`` and per link to a folder, each
        with the ``problem`` that keeps it from being graded, if any. A file named twice is listed once.

    Raises
    ------
    ValueError
        If ``duplicates`` is not one of ``refuse``, ``latest``.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "mallory" / "bob").mkdir(parents=True)
    >>> _ = (root / "mallory" / "bob" / "02_x.ipynb").write_text("{}")
    >>> os.symlink(root / "mallory", root / "eve")
    >>> [(s.student, s.parts, s.problem) for s in collect([root])]
    [('eve', ('eve',), ('invalid notebook', 'a symbolic link to a folder, not followed')), \
('mallory', ('mallory', 'bob', '02_x.ipynb'), None)]
    """
    if duplicates not in DUPLICATE_RULES:
        raise ValueError(f"duplicates must be one of {', '.join(DUPLICATE_RULES)}, got {duplicates!r}")
    if isinstance(items, (str, os.PathLike)):
        raise TypeError(f"items must be a list of paths, got the single path {items!r}")
    found, seen = [], set()
    for item in items:
        if isinstance(item, Submission):
            batch = [item]
        elif not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"items must hold paths, got {type(item).__name__} {item!r}")
        elif os.path.isdir(item):  # a folder the instructor names is trusted, even through a link
            batch = []
            _walk(os.fspath(item), batch)
            batch.sort(key=lambda s: s.parts)
        else:
            # A file named on the command line: its folder is the student's (resolved, so that
            # `..` or `.` never becomes a student); the file itself is still not followed.
            path = Path(item)
            folder = Path(os.path.realpath(path.parent))
            try:
                mode = os.stat(path, follow_symlinks=False).st_mode
                problem = ("invalid notebook", _kind(mode)) if _kind(mode) else None
            except OSError:
                problem = None  # reading it says why
            if not folder.name:
                problem = ("invalid notebook", f"not in a student's folder: {path} lies in {folder}")
            batch = [Submission(str(path.parent), (path.name,), folder.name, problem)]
        for submission in batch:
            key = (os.path.realpath(os.path.join(submission.root, *submission.parts[:-1])), submission.parts[-1])
            if key not in seen:
                seen.add(key)
                found.append(submission)
    if sets:
        found = _settle_duplicates(found, sets, duplicates)
    return found
