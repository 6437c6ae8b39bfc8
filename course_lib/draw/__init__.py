"""Drawings of convolution arithmetic with matplotlib: grids, kernel windows and matrices.

Three layers, one module each, importing only downwards:

* :mod:`course_lib.draw.geometry` says where things lie: cell kinds, the sizes and covered
  cells of a direct convolution, the inserted zeros, padding and extra ``a`` rows of a
  transposed one. Pure data.
* :mod:`course_lib.draw.scenes` says what a drawing shows: scenes (grids, kernel tiles,
  values, titles, notes) and matrix scenes built from :mod:`course_lib.arithmetic`,
  :mod:`course_lib.numeric` and :mod:`course_lib.symbolic`, in the guide's colours.
  Pure data too, testable without pixels.
* :mod:`course_lib.draw.render` draws scenes with matplotlib, in place (artists, glyph-outline
  text), builds one-call figures and animations, and encodes PNGs for the explorers.

Everything public is importable from here, e.g. ``draw.conv_scene`` or ``draw.draw_conv``.
Geometry and scenes never import matplotlib, and neither does importing this package: the
rendering layer (and matplotlib with it) loads on first use of one of its names. No figure is
registered with pyplot, and no backend is set.
"""

from __future__ import annotations

import importlib

from course_lib.draw import geometry, scenes
from course_lib.draw.geometry import (
    CROPPED, DISCARDED, EXTRA, KERNEL, KIND_NAMES, OUTPUT, OUTPUT_EXTRA, OUTPUT_ZERO, PAD, UNIT, ZERO, ConvGeometry,
    TransposedGeometry, conv_geometry, transposed_geometry,
)
from course_lib.draw.scenes import (
    INPUT_BLUE, OUTPUT_CYAN, Grid, MatrixScene, Scene, Tiles, channels_scene, combine_scenes, conv_scene,
    conv_title, counting_scene, equivalent_scene, guide_values, matrix_scene, pool_scene, scatter_scene,
    reach_scene, sequence_scene, subsampling_scenes, transposed_title, values_matrix_scene, weight_colors,
)

# names of course_lib.draw.render, loaded on first access (it imports matplotlib)
_RENDER = (
    "SceneArtist", "MatrixArtist", "DrawingFigure", "new_figure", "figure_for_scene", "draw_conv", "draw_transposed",
    "draw_conv_matrix", "animate_conv", "animate_transposed", "Animation", "encode_png", "MIN_FONT", "LegendArtist",
    "kind_legend",
)

# every layer's public names, from the layer that owns them
__all__ = [*geometry.__all__, *scenes.__all__, *_RENDER]


def __getattr__(name: str):
    if name in _RENDER:
        value = getattr(importlib.import_module("course_lib.draw.render"), name)
        globals()[name] = value  # found directly from now on
        return value
    raise AttributeError(f"module 'course_lib.draw' has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | set(_RENDER))
