"""What every chapter's figures share: one colour per cell type, a figure shown as a PNG, a running mean.

RNN, LSTM and GRU keep one colour each in every chapter and figure (design.md,
"Numbering and notation"); figure modules take their colours from here instead
of defining their own. :func:`static_figure` makes the plain (non-interactive)
figures of the result chapters; :func:`running_mean` smooths their training
curves.
"""
import io

import numpy as np

__all__ = ["CELL_COLORS", "static_figure", "running_mean"]

#: One matplotlib colour per cell type, keyed by the cell's name as printed.
CELL_COLORS = {"RNN": "C0", "LSTM": "C3", "GRU": "C2"}


def _figure_class():
    from matplotlib.figure import Figure

    class _StaticFigure(Figure):
        """A matplotlib Figure that Jupyter shows as a PNG (no pyplot needed)."""

        def _repr_png_(self):
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=self.dpi)
            return buffer.getvalue()

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
