"""Drawings of convolution arithmetic (being split into geometry, scenes and rendering)."""

from course_lib.draw.scenes import *  # noqa: F401,F403  (transitional: the split follows)
from course_lib.draw.scenes import __all__  # noqa: F401
