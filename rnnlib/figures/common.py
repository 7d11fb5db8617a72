"""What the chapters' figures share: colours, line styles, helpers for static figures,
the one-unit explorers of chapters 4 and 5 and the gradient-flow plots.

Chapter figure modules (``ch01`` ... ``ch09``, ``demo``) never import each other;
what more than one of them needs lives here (plotting) or in
:mod:`rnnlib.gradient_flow` (the numbers of the gradient-flow figures).

* ``CELL_COLORS`` and ``STYLES``: RNN, LSTM and GRU keep one colour each in every
  chapter and figure (design.md, "Numbering and notation").
* :func:`static_figure`: a Figure a notebook shows as a PNG (no pyplot), at twice
  its CSS size in pixels so that it is sharp on hi-DPI screens.
* :func:`explorer_inputs`, :func:`hand_params`, :func:`explorer_axes`,
  :func:`show_inputs`: the one-unit LSTM (chapter 4) and GRU (chapter 5) explorers.
* :func:`flow_axes`, :func:`show_flow`: the gradient-flow figures of chapters 4 and 5.
* :func:`freeze_label_positions`, :func:`running_mean`: small drawing and data helpers.
"""
import io

import numpy as np

from rnnlib._checks import check_option, fail
from rnnlib.gradient_flow import FLOW

__all__ = [
    "CELL_COLORS", "STYLES", "PIXEL_RATIO", "StaticFigure", "static_figure", "running_mean",
    "T_EXPLORER", "SEQUENCES", "hand_params", "explorer_inputs", "explorer_axes", "freeze_label_positions",
    "show_inputs", "flow_axes", "show_flow", "sub", "sup", "times_ten_to",
]

#: One matplotlib colour per cell type, keyed by the cell's name as printed.
CELL_COLORS = {"RNN": "C0", "LSTM": "C3", "GRU": "C2"}
#: Pixels per CSS pixel of the static figures' PNGs (as the interactive figures' frames).
PIXEL_RATIO = 2


_SUB = str.maketrans("0123456789+-()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789+-()ikn", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁱᵏⁿ")


def sub(text):
    """``text`` in Unicode subscript characters (``sub("t-1")`` is "ₜ₋₁"), for plain-text captions.

    Captions and control labels are plain text beside typeset maths: Unicode
    sub- and superscripts read as maths where ``C_(t-1)`` or ``w^200`` would not.
    Raises ValueError for a character with no subscript form (Unicode has none for b, c, d, f, g, q, w, y, z).
    """
    missing = sorted({c for c in str(text) if c.translate(_SUB) == c and c != " "})
    if missing:
        fail(ValueError, "text", "characters that have a Unicode subscript", f"{missing}, which have none")
    return str(text).translate(_SUB)


def sup(text):
    """``text`` in Unicode superscript characters (``sup("-23")`` is "⁻²³"); see :func:`sub`."""
    missing = sorted({c for c in str(text) if c.translate(_SUP) == c and c != " "})
    if missing:
        fail(ValueError, "text", "characters that have a Unicode superscript", f"{missing}, which have none")
    return str(text).translate(_SUP)


def times_ten_to(log10_value, digits=3):
    """A number given by its log10 as "m × 10ᵉ" (works far beyond float64: ``times_ten_to(349.5)``)."""
    exponent = int(np.floor(log10_value))
    mantissa = 10.0 ** (log10_value - exponent)
    if round(mantissa, digits - 1) >= 10:  # 9.996 rounds to 10.0: write 1.00 x 10^(e+1)
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.{digits - 1}f} × 10{sup(exponent)}"


def _figure_class():
    from matplotlib.figure import Figure

    class _StaticFigure(Figure):
        """A matplotlib Figure that Jupyter shows as a PNG (no pyplot needed)."""

        def _repr_png_(self):
            """PNG at PIXEL_RATIO times the figure's dpi, shown at its CSS size (``figsize * dpi``)."""
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=self.dpi * PIXEL_RATIO, metadata={"Software": None})
            width, height = (int(round(v * self.dpi)) for v in self.get_size_inches())
            return buffer.getvalue(), {"width": width, "height": height}

    return _StaticFigure


StaticFigure = None  # set on first use by static_figure (matplotlib is imported lazily)


def static_figure(figsize, dpi=96):
    """A new Figure on an Agg canvas that a notebook displays as a PNG.

    Parameters
    ----------
    figsize : (float, float)
        Width and height in inches.
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        With a ``_repr_png_`` method.
    """
    global StaticFigure
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if StaticFigure is None:
        StaticFigure = _figure_class()
    fig = StaticFigure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def running_mean(x, window):
    """Mean of the last ``window`` values at every step (fewer at the start).

    Parameters
    ----------
    x : array_like, shape (N,)
    window : int

    Returns
    -------
    ndarray, shape (N,)
    """
    x = np.asarray(x, dtype=np.float64)
    c = np.concatenate([[0.0], np.cumsum(x)])
    n = np.arange(1, x.size + 1)
    lo = np.maximum(0, n - window)
    return (c[n] - c[lo]) / (n - lo)


T_EXPLORER = 20
#: The input sequences of the explorer: name -> list of (step, value) written with marker 1.
SEQUENCES = {
    "write +1": [(3, 1.0)],
    "write +1, then -1": [(3, 1.0), (12, -1.0)],
    "noisy values, two writes": [(3, 1.0), (12, -1.0)],
}
_NOISE_SEED = 4
def hand_params(cell, values):
    """Parameters of ``cell`` that are 0 except the named views.

    Parameters
    ----------
    cell : RNN, LSTM or GRU
    values : dict
        Book name of a view (``cell.views``) -> value written into it.

    Returns
    -------
    dict
        ``{"W": (G*H, D+H), "b": (G*H,)}`` (float64), with ``values`` set.
    """
    params = {name: np.zeros(shape) for name, shape in cell.param_shapes().items()}
    views = cell.views(params)
    for name, value in values.items():
        views[name][:] = value
    return params


def explorer_inputs(sequence):
    """The explorer's input, ``(T, 1, 2)`` with ``x_t = (value, marker)``.

    Parameters
    ----------
    sequence : str
        A key of :data:`SEQUENCES`; "noisy values, two writes" adds values drawn
        from N(0, 0.5^2) (fixed seed) at the steps without a marker.

    Returns
    -------
    numpy.ndarray
        (T, 1, 2) with T = 20; step t of the text is row t - 1.
    """
    check_option("sequence", sequence, tuple(SEQUENCES))
    X = np.zeros((T_EXPLORER, 1, 2))
    if sequence.startswith("noisy"):
        X[:, 0, 0] = np.random.default_rng(_NOISE_SEED).normal(0.0, 0.5, T_EXPLORER)
    for step, value in SEQUENCES[sequence]:
        X[step - 1, 0] = value, 1.0
    return X


def explorer_axes(fig, lines):
    """Three stacked axes sharing the step axis (input, gates, states) with empty artists.

    The ``setup`` of the explorers of chapters 4 and 5: built once per figure,
    then :func:`show_inputs` and ``Line2D.set_ydata`` update it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    lines : dict of str -> (int, str, dict)
        For each line: its panel (1 gates, 2 states), legend label and style keywords.

    Returns
    -------
    dict
        "axes" (the three axes), "bars" (one bar per step for the value),
        "marks" (the markers' line) and one ``Line2D`` per key of ``lines``.
    """
    t = np.arange(1, T_EXPLORER + 1)
    axes = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [1, 1.3, 1.6]})
    handles = {"axes": axes}
    axes[0].axhline(0, color="0.6", lw=0.8)
    handles["bars"] = axes[0].bar(t, np.zeros(T_EXPLORER), width=0.35, color="0.45", label="value")
    (handles["marks"],) = axes[0].plot([], [], "v", color="C3", label="marker = 1")
    axes[0].set_ylim(-1.6, 1.7)
    axes[1].set_ylim(-0.05, 1.05)
    axes[2].axhline(0, color="0.6", lw=0.8)
    axes[2].set_ylim(-1.15, 1.15)
    axes[2].set_xlim(0.2, T_EXPLORER + 0.8)
    axes[2].set_xlabel("step $t$")
    axes[2].set_xticks(t[::2])
    for key, (panel, label, style) in lines.items():
        (handles[key],) = axes[panel].plot(t, np.zeros(T_EXPLORER), label=label, **style)
    for ax, label, ticks in zip(axes, ("input $x_t$", "gates", "states"), ([-1, 0, 1], [0, 0.5, 1], [-1, 0, 1])):
        ax.set_yticks(ticks)
        ax.set_ylabel(label)
        ax.yaxis.set_label_coords(-0.065, 0.5)
        ax.grid(True, alpha=0.3)
    for ax, loc, ncol in zip(axes, ("lower right", "center right", "lower left"), (2, 3, 2)):
        ax.legend(loc=loc, fontsize="x-small", ncol=ncol, framealpha=0.9)
    fig.subplots_adjust(left=0.1, right=0.98, top=0.98, bottom=0.09, hspace=0.12)
    freeze_label_positions(fig)
    return handles


def freeze_label_positions(fig):
    """Pin every axis label where matplotlib's layout puts it now, so frames skip that layout.

    An axis label placed automatically is moved at every draw below (beside)
    the bounding box of the tick labels of its axis and of the axes sharing it.
    When the ticks never change, draw the figure once (without rendering pixels)
    and keep each label where it is: the pixels are the same.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        With its axes, ticks and labels in their final form.
    """
    fig.draw_without_rendering()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_label_coords(*axis.label.get_position(), transform=axis.label.get_transform())


def show_inputs(handles, X):
    """Set the input panel of :func:`explorer_axes` to ``X`` (T, 1, 2): value bars and markers."""
    for bar, value in zip(handles["bars"], X[:, 0, 0]):
        bar.set_height(value)
    steps = np.flatnonzero(X[:, 0, 1] == 1) + 1
    handles["marks"].set_data(steps, np.full(steps.shape, 1.35))


#: Line styles of the three cells in the gradient-flow figures.
STYLES = {name.lower(): {"color": color, "lw": 2} for name, color in CELL_COLORS.items()}


def flow_axes(fig, curves):
    """The axes of a gradient-flow figure (log scale) with one empty line per curve.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    curves : list of (str, dict)
        Each curve's legend label and line style keywords.

    Returns
    -------
    dict
        "ax", "lines" (one ``Line2D`` per curve, lags 1 .. T) and "title"; update with :func:`show_flow`.
    """
    from matplotlib.ticker import NullLocator

    ax = fig.add_subplot()
    lags = np.arange(1, FLOW["T"] + 1)
    lines = [ax.semilogy(lags, np.ones(lags.size), label=label, **style)[0] for label, style in curves]
    ax.set_xlim(0, FLOW["T"] + 1)
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("time lag $k$ (steps before the last)")
    ax.set_ylabel("gradient norm")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="lower left", fontsize="small", framealpha=0.9)
    # fixed places, no relayout at every draw: the title at y = 1 (nothing is above the axes) and the
    # y label left of the widest tick label the y limits of show_flow allow (10^-31)
    title = ax.set_title("", fontsize="medium", y=1.0)
    ax.yaxis.set_label_coords(-0.1, 0.5)
    fig.subplots_adjust(left=0.12, right=0.97, top=0.92, bottom=0.13)
    freeze_label_positions(fig)
    return {"ax": ax, "lines": lines, "title": title}


def show_flow(handles, norms, title):
    """Show gradient norms (one (T,) array per line of :func:`flow_axes`) and a title.

    The y axis runs from a power of ten below the smallest norm to 3.
    """
    floor = 1e-30  # a norm of exactly 0 would have no place on a log scale
    shown = [np.maximum(n, floor) for n in norms]
    for line, values in zip(handles["lines"], shown):
        line.set_ydata(values)
    low = min(float(v.min()) for v in shown)
    handles["ax"].set_ylim(10.0 ** np.floor(np.log10(low) - 1), 3)
    handles["title"].set_text(title)


