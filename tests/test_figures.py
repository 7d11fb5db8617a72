"""Every interactive figure of the book draws at the extremes and defaults of its controls.

The figures are found through ``rnnlib.figures.all_figures()``, so a chapter's
new module (``rnnlib/figures/chNN.py``) is swept without being listed here.
Warnings (numpy floating-point warnings included) are errors. No line, marker
or bar leaves its axes at any combination of the controls (every combination
when there are at most ``MAX_CHECKED_COMBINATIONS``, see :func:`check_points`).
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
MAX_CHECKED_COMBINATIONS = 2_000


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


def check_points(figure):
    """Where the axes are checked: every combination of the controls' values when there are
    at most MAX_CHECKED_COMBINATIONS, else each control's every value with the others at
    their defaults plus the sweep's corner points."""
    names = list(figure.controls)
    values = [figure.controls[n].values() for n in names]
    if np.prod([len(v) for v in values], dtype=float) <= MAX_CHECKED_COMBINATIONS:
        return [dict(zip(names, combo)) for combo in itertools.product(*values)]
    points = [dict(figure.defaults, **{n: v}) for n, vs in zip(names, values) for v in vs]
    return points + sweep_points(figure)


def data_outside_axes(fig):
    """Every visible line, scatter marker and bar of ``fig`` with a point outside its axes.

    Points are mapped to axes coordinates (0..1 inside) through the artist's own
    transform, so data, axes and blended coordinates are all checked; NaN and
    inf data points (gaps) are skipped. Returns ``(axes label, artist label,
    number of points outside, first such point)`` tuples.
    """
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.patches import Rectangle

    found = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        shapes = [(line, line.get_transform(), line.get_xydata()) for line in ax.get_lines()]
        for collection in ax.collections:
            if isinstance(collection, PathCollection):
                shapes.append((collection, collection.get_offset_transform(), collection.get_offsets()))
            elif isinstance(collection, LineCollection):
                segments = collection.get_segments()
                if segments:
                    shapes.append((collection, collection.get_transform(), np.concatenate(segments)))
        for container in ax.containers:  # bars: the corners of each rectangle, in data coordinates
            bars = [p for p in getattr(container, "patches", ()) if isinstance(p, Rectangle) and p.get_visible()]
            if bars:
                shapes.append((container, bars[0].get_data_transform(),
                               np.concatenate([bar.get_bbox().get_points() for bar in bars])))
        to_axes = ax.transAxes.inverted()
        for artist, transform, points in shapes:
            points = np.asarray(points, dtype=float).reshape(-1, 2)
            points = points[np.isfinite(points).all(axis=1)]
            if not getattr(artist, "get_visible", lambda: True)() or not len(points):
                continue
            where = to_axes.transform(transform.transform(points))
            outside = ~np.isfinite(where).all(axis=1) | (where < -1e-6).any(axis=1) | (where > 1 + 1e-6).any(axis=1)
            if outside.any():
                found.append((ax.get_ylabel() or ax.get_title(), artist.get_label(), int(outside.sum()),
                              tuple(points[outside][0])))
    return found


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
def test_data_stays_inside_the_axes(figure, strict):
    fig = figure._new_figure()
    failures = []
    for params in check_points(figure):
        figure.draw(fig, **params)
        failures += [f"{params}: {problem}" for problem in data_outside_axes(fig)]
    assert not failures, (f"{figure.qualname}: data outside the axes (axes, artist, points outside, first point) "
                          f"at {len(failures)} settings, e.g.\n" + "\n".join(failures[:5]))


def test_the_axes_check_sees_data_outside():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.set(xlim=(0, 10), ylim=(-1, 1))
    (line,) = ax.plot([1, 2, 3], [0.0, 0.5, np.nan], label="inside")
    ax.scatter([5.0], [0.9], label="marker")
    ax.bar([8.0], [0.8], width=0.4, label="bar")
    ax.axhline(0.5)
    assert data_outside_axes(fig) == []
    line.set_ydata([0.0, 1.2, np.nan])
    ax.scatter([11.0], [0.0], label="far marker")
    ax.bar([4.0], [-1.5], width=0.4, label="deep bar")
    found = {(label, count) for _, label, count, _ in data_outside_axes(fig)}
    assert found == {("inside", 1), ("far marker", 1), ("deep bar", 1)}, found


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.qualname)
def test_html_frames_draw_cleanly_and_fit_the_budget(figure, strict):
    frames = figure.frames()
    total = sum(map(len, frames["images"]))
    assert total < MAX_FRAME_BYTES, (
        f"{figure.qualname}: {len(frames['images'])} frames take {total:,} bytes, over {MAX_FRAME_BYTES:,}; "
        "use fewer slider steps or a smaller figure")
    assert len(frames["images"]) == len(frames["points"])


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.qualname)
def test_controls_are_documented(figure):
    assert figure.__doc__, f"{figure.qualname} has no docstring (its first line is the figure's title)"
    for name, control in figure.controls.items():
        assert control.label, f"{figure.qualname}: control {name!r} has no label"
        if isinstance(control, Slider):
            assert control.min <= control.default <= control.max
