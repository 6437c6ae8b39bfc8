"""Exercises, immediate feedback and grading for the course's exercise sets.

Students use one function, :func:`check`, inside an exercise notebook. Instructors use the
``course`` command (``course release``, ``course bundle``, ``course grade``); see docs/instructor.md.
Nothing here holds a solution or a hidden test: those live in the instructor's folder, which is
never shipped.
"""

from course_lib.grading.checking import check, practice

__all__ = ["check", "practice"]
