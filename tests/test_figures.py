"""Every interactive figure of the book draws at the extremes and defaults of its controls.

The figures are found through ``rnnlib.figures.all_figures()``, so a chapter's
new module (``rnnlib/figures/chNN.py``) is swept without being listed here.
Warnings (numpy floating-point warnings included) are errors.
"""
import io
import itertools
import warnings

import numpy as np
import pytest

from rnnlib.figures import all_figures
from rnnlib.widgets import Slider, _png_bytes

FIGURES = all_figures()
MAX_FRAME_BYTES = 1_000_000
MAX_COMBINATIONS = 81


def corners(control):
    """Minimum, default and maximum of a control (without repeats)."""
    values = control.values()
    return list(dict.fromkeys([values[0], control.default, values[-1]]))


def sweep_points(figure):
    """Every combination of the controls' corners, or each control's corners with the others at defaults."""
    names = list(figure.controls)
    corner_lists = [corners(figure.controls[n]) for n in names]
    if np.prod([len(c) for c in corner_lists]) <= MAX_COMBINATIONS:
        return [dict(zip(names, combo)) for combo in itertools.product(*corner_lists)]
    points = [dict(figure.defaults, **{n: v}) for n, vs in zip(names, corner_lists) for v in vs]
    points += [{n: vs[0] for n, vs in zip(names, corner_lists)}, {n: vs[-1] for n, vs in zip(names, corner_lists)}]
    return points


@pytest.fixture
def strict():
    """Warnings, numpy floating-point warnings included, raise."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def test_the_book_has_figures():
    assert FIGURES, "rnnlib.figures declares no interactive figure"
    assert len({f.qualname for f in FIGURES}) == len(FIGURES)


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.qualname)
def test_draws_at_every_extreme_and_default(figure, strict):
    from PIL import Image

    sizes = set()
    for params in sweep_points(figure):
        png, caption = figure.render(optimize=False, **params)
        assert isinstance(caption, str), f"{figure.qualname}{params}: caption is {type(caption).__name__}"
        image = Image.open(io.BytesIO(png))
        sizes.add(image.size)
        assert len(image.getcolors(256)) > 2, f"{figure.qualname}{params} drew an empty picture"
    assert len(sizes) == 1, f"{figure.qualname}: frames of different sizes {sizes} would make the page jump"
    # Pure: after all those frames, the reused figure draws the first point as a new figure does.
    first = sweep_points(figure)[0]
    fresh = _png_bytes(figure(**first), optimize=False)
    assert figure.render(optimize=False, **first)[0] == fresh, (
        f"{figure.qualname}{first}: the frame depends on what was drawn before (state kept between frames)")


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.qualname)
def test_html_frames_draw_cleanly_and_fit_the_budget(figure, strict):
    frames = figure.frames()
    total = sum(map(len, frames["png"]))
    assert total < MAX_FRAME_BYTES, (
        f"{figure.qualname}: {len(frames['png'])} frames take {total:,} bytes, over {MAX_FRAME_BYTES:,}; "
        "use fewer slider steps or a smaller figure")
    assert len(frames["png"]) == len(frames["points"])


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.qualname)
def test_controls_are_documented(figure):
    assert figure.__doc__, f"{figure.qualname} has no docstring (its first line is the figure's title)"
    for name, control in figure.controls.items():
        assert control.label, f"{figure.qualname}: control {name!r} has no label"
        if isinstance(control, Slider):
            assert control.min <= control.default <= control.max
