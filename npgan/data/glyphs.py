"""The glyph atlas behind ``digits``: the digits 0-9 rendered once from matplotlib's own fonts.

Every face in ``FONT_FILES`` ships inside matplotlib (``mpl-data/fonts/ttf``), so nothing
is downloaded. Each glyph is rasterized by matplotlib's Agg renderer at twice the size of
MNIST's 20-pixel digit box, at each of the ``STROKE_WIDTHS``: a face's own stroke width is
measured first, then its outline is stroked in the ink colour to thicken the glyph
(dilation) or in the background colour to thin it (erosion) by the difference. Thinning
is capped, so bold faces stay a little bolder and no hairline is eroded away. A light
blur band-limits the atlas, so sampling it at about half resolution does not alias. The
atlas is built on first use (a fraction of a second) and cached; per-sample jitter only
resamples it (``warp.py``).
"""
import os
from dataclasses import dataclass
from functools import lru_cache

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, IdentityTransform

FONT_FILES = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
    "DejaVuSansMono-Oblique.ttf", "DejaVuSansMono-BoldOblique.ttf",
    "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf",
    "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
    "cmr10.ttf", "cmb10.ttf", "cmss10.ttf", "cmtt10.ttf", "cmti10.ttf", "cmmi10.ttf",
)
GLYPH_SIZE = 40   # the larger side of a glyph's outline in the atlas: twice MNIST's 20 pixels
CELL = 56         # atlas cell side; the margin holds thickened glyphs and the blur
STROKE_WIDTHS = (5.0, 6.0, 7.0, 8.5)  # target mean stroke widths, atlas pixels
MAX_THINNING = 2.0                      # at most this much is eroded from a stroke's width


@dataclass(frozen=True)
class GlyphAtlas:
    """Glyph ``g = style * 10 + digit`` is ``images[g]``; a style is one face at one weight."""

    images: np.ndarray   # (n_styles * 10, CELL, CELL) float32 ink in [0, 1], read-only
    centre: np.ndarray   # (n_styles * 10, 2) float64 centre of mass (x, y), pixels
    extent: np.ndarray   # (n_styles * 10,) float64 larger side of the ink's bounding box, pixels
    n_styles: int


def _digit_outlines(name):
    """The outlines of 0-9 in font file ``name``, centred at 0, larger side GLYPH_SIZE."""
    path = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", name)
    if not os.path.exists(path):
        raise FileNotFoundError(f"digits: matplotlib's font file {path} is missing")
    font = FontProperties(fname=path)
    outlines = []
    for digit in range(10):
        outline = TextPath((0, 0), str(digit), size=100, prop=font)
        # the control points bound the curves; CLOSEPOLY's vertex is a dummy (0, 0)
        points = outline.vertices[outline.codes != Path.CLOSEPOLY]
        low, high = points.min(axis=0), points.max(axis=0)
        fit = Affine2D().translate(*-(low + high) / 2).scale(GLYPH_SIZE / (high - low).max())
        outlines.append(outline.transformed(fit))
    return outlines


def _binomial_blur(image):
    """Separable [1 4 6 4 1] / 16 blur (a Gaussian of std 1 pixel) of a 2-D array."""
    weights = np.array([1, 4, 6, 4, 1], dtype=np.float32) / 16
    for axis in (0, 1):
        padded = np.pad(image, [(2, 2) if a == axis else (0, 0) for a in (0, 1)])
        n = image.shape[axis]
        image = sum(w * np.take(padded, np.arange(k, k + n), axis=axis) for k, w in enumerate(weights))
    return image


def _rasterize(rows):
    """Ink of ``rows`` (a list of (10 outlines, stroke offset)): (len(rows) * 10, CELL, CELL)."""
    height, width = CELL * len(rows), CELL * 10
    renderer = RendererAgg(width, height, 72)  # at 72 dpi a point is a pixel
    background = renderer.new_gc()
    background.set_linewidth(0)
    canvas = Path([(0, 0), (width, 0), (width, height), (0, height), (0, 0)], closed=True)
    renderer.draw_path(background, canvas, IdentityTransform(), (0, 0, 0))
    for row, (outlines, offset) in enumerate(rows):
        stroke = renderer.new_gc()
        stroke.set_linewidth(abs(offset))  # half of it lands on each side of the outline
        stroke.set_foreground((1, 1, 1) if offset > 0 else (0, 0, 0))
        for digit, outline in enumerate(outlines):
            # display y points up and buffer rows down: cell (row, digit) is centred here
            to_cell = Affine2D().translate((digit + 0.5) * CELL, height - (row + 0.5) * CELL)
            renderer.draw_path(stroke, outline, to_cell, (1, 1, 1))
    ink = _binomial_blur(np.asarray(renderer.buffer_rgba())[..., 0].astype(np.float32) / 255)
    return ink.reshape(len(rows), CELL, 10, CELL).transpose(0, 2, 1, 3).reshape(-1, CELL, CELL)


def _stroke_width(images):
    """Mean stroke width of ink images: area over half the perimeter, the perimeter being
    the total variation sum |grad ink| (exact for a shape's blurred edge)."""
    dy, dx = np.gradient(images, axis=(-2, -1))
    return 2 * images.sum() / np.hypot(dx, dy).sum()


@lru_cache(maxsize=1)
def glyph_atlas():
    """The cached ``GlyphAtlas``: every face of FONT_FILES at every width of STROKE_WIDTHS."""
    faces = [_digit_outlines(name) for name in FONT_FILES]
    plain = _rasterize([(outlines, 0.0) for outlines in faces]).reshape(len(faces), 10, CELL, CELL)
    rows = []
    for outlines, ink in zip(faces, plain):
        # a face too heavy to thin to the lightest width keeps the spacing of the widths
        lightest = max(STROKE_WIDTHS[0] - _stroke_width(ink), -MAX_THINNING)
        rows += [(outlines, lightest + width - STROKE_WIDTHS[0]) for width in STROKE_WIDTHS]
    images = _rasterize(rows)
    mass = images.sum(axis=(1, 2), dtype=np.float64)
    pixels = np.arange(CELL)
    centre = np.stack([images.sum(axis=1) @ pixels, images.sum(axis=2) @ pixels], axis=1) / mass[:, None]
    inked = images > 0.5
    inked_columns, inked_rows = inked.any(axis=1), inked.any(axis=2)
    width = CELL - inked_columns[:, ::-1].argmax(axis=1) - inked_columns.argmax(axis=1)
    height = CELL - inked_rows[:, ::-1].argmax(axis=1) - inked_rows.argmax(axis=1)
    extent = np.maximum(width, height).astype(np.float64)
    for array in (images, centre, extent):  # shared by every caller: keep it intact
        array.setflags(write=False)
    return GlyphAtlas(images, centre, extent, len(rows))
