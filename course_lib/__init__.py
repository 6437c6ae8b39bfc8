"""Helper library of the Convolution Arithmetic course.

The math modules (:mod:`course_lib.arithmetic`, :mod:`course_lib.numeric`,
:mod:`course_lib.symbolic`, :mod:`course_lib.sampling`, and :mod:`course_lib.connectivity`
beneath numeric and symbolic) depend only on numpy and SymPy; import them by name. Nothing is imported here so that ``import course_lib.arithmetic`` stays light.
"""

__version__ = "0.1.0"
