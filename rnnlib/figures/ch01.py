"""Figures of chapter 1, "From feed-forward to recurrence".

* :data:`stock_predictor`: the 3-day stock-price predictor unrolled in time,
  with every intermediate value of the chapter's four steps written on it::

      h_1 = sigmoid(W_1 X_1 + b)
      h_2 = sigmoid(W_1 X_2 + W_2 h_1 + b)
      h_3 = sigmoid(W_1 X_3 + W_2 h_2 + b)
      y_hat = sigmoid(W_3 h_3 + b_3)

  (the source article names the hidden states ``y_t`` and the carried terms
  ``a_t = y_t W_2``; the book keeps ``y`` for the target and ``h_t`` for the state)

  The values come from rnnlib itself: ``RNN(1, 1, activation="sigmoid")``
  with ``W^x = W_1``, ``W^h = W_2``, ``b = b`` and a sigmoid ``Head(1, 1)``
  with ``W_y = W_3``, ``b_y = b_3`` (:func:`predictor_values`).
* :data:`activation_compare`: tanh and sigmoid and their derivatives, with
  the values at a chosen pre-activation ``z``.
"""
import re

import numpy as np

from rnnlib.activations import sigmoid
from rnnlib.heads import Head
from rnnlib.rnn import RNN
from rnnlib.widgets import Slider, Try, interactive

__all__ = ["predictor_values", "stock_predictor", "activation_compare"]

_CELL = RNN(1, 1, activation="sigmoid")
_HEAD = Head(1, 1, kind="sigmoid")


def predictor_values(W_1, W_2, W_3, b, b_3, X_1, X_2, X_3):
    """Every intermediate value of the 3-day predictor, computed by rnnlib.

    Parameters
    ----------
    W_1, W_2, W_3, b, b_3 : float
        Input weight, recurrent weight, output weight, hidden bias, output bias.
    X_1, X_2, X_3 : float
        The prices of days 1, 2 and 3.

    Returns
    -------
    dict
        ``"h_1", "h_2", "h_3"`` (hidden states), ``"carry_1", "carry_2"``
        (``W_2 h_t``, what the loop carries into the next step) and
        ``"output"`` (the prediction ``y_hat``), as Python floats.
    """
    params = {"W": np.array([[W_1, W_2]], dtype=float), "b": np.array([b], dtype=float)}
    X = np.array([X_1, X_2, X_3], dtype=float).reshape(3, 1, 1)  # (T, B, D) = (3, 1, 1)
    H_seq, _ = _CELL.forward(params, X)
    h = H_seq[:, 0, 0]
    out, _ = _HEAD.forward({"W_y": np.array([[W_3]], dtype=float), "b_y": np.array([b_3], dtype=float)}, H_seq[-1])
    values = {f"h_{t + 1}": float(h[t]) for t in range(3)}
    values.update({f"carry_{t + 1}": float(W_2 * h[t]) for t in range(2)})
    values["output"] = float(out[0, 0])
    return values


_INPUT, _HIDDEN, _OUTPUT = "#e3eefa", "#fdf0d5", "#dcf1e0"


def _canvas(fig, xlim, ylim):
    """A transform from diagram coordinates to the figure, without the cost of an Axes."""
    from matplotlib.transforms import Affine2D

    (x0, x1), (y0, y1) = xlim, ylim
    return Affine2D().translate(-x0, -y0).scale(1 / (x1 - x0), 1 / (y1 - y0)) + fig.transFigure


def _box(fig, tr, x, y, title, color, width=2.15, height=0.9):
    """A rounded box with a fixed title; returns the (empty) text artist of its value."""
    from matplotlib.patches import FancyBboxPatch

    fig.add_artist(FancyBboxPatch((x - width / 2, y - height / 2), width, height, fc=color, ec="0.3", lw=1.1,
                                  boxstyle="round,pad=0.02,rounding_size=0.12", transform=tr))
    fig.text(x, y + 0.17, title, ha="center", va="center", fontsize=8.5, transform=tr)
    return fig.text(x, y - 0.2, "", ha="center", va="center", fontsize=10.5, fontweight="bold", transform=tr)


def _arrow(fig, tr, start, end, offset=(0.0, 0.0), ha="center"):
    """An arrow; returns the (empty) text artist of its label."""
    from matplotlib.patches import FancyArrowPatch

    fig.add_artist(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="0.25", lw=1.3,
                                   shrinkA=0, shrinkB=0, transform=tr))
    return fig.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], "",
                    ha=ha, va="center", fontsize=8.5, color="0.15", transform=tr)


_Z = np.linspace(-5.0, 5.0, 201)
_TANH = np.tanh(_Z)
_SIG = sigmoid(_Z)

_PARAM = {"min": -3.0, "max": 3.0, "step": 0.5}
_PRICE = {"min": 0.0, "max": 1.0, "step": 0.25}


_SUB = str.maketrans("0123456789", "\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089")


def _sub(text):
    """``"W_1"`` -> ``"W\u2081"``: unicode subscripts (plain text draws much faster than mathtext)."""
    return re.sub(r"_(\d)", lambda m: m.group(1).translate(_SUB), text)


_XS = (0.0, 3.3, 6.6)  # diagram x of days 1, 2, 3


def _predictor_setup(fig):
    """Boxes, arrows and titles (fixed); returns the text artists that show values."""
    tr = _canvas(fig, (-1.25, 11.3), (-0.6, 3.6))
    sums = ("W_1X_1 + b", "W_1X_2+W_2h_1+b", "W_1X_3+W_2h_2+b")
    h = {"price": [], "h": [], "input": [], "carry": []}
    for t, x in enumerate(_XS):
        h["price"].append(_box(fig, tr, x, 0.0, _sub(f"price X_{t + 1} (day {t + 1})"), _INPUT))
        h["h"].append(_box(fig, tr, x, 2.0, _sub(f"h_{t + 1} = \u03c3({sums[t]})"), _HIDDEN))
        h["input"].append(_arrow(fig, tr, (x, 0.45), (x, 1.55), (0.12, 0), "left"))
    for t in range(2):
        h["carry"].append(_arrow(fig, tr, (_XS[t] + 1.075, 2.0), (_XS[t + 1] - 1.075, 2.0), (0, 0.42)))
    h["output"] = _box(fig, tr, 9.9, 2.0, _sub("\u0177 = \u03c3(W_3 h_3 + b_3)"), _OUTPUT, width=2.5)
    h["head"] = _arrow(fig, tr, (_XS[2] + 1.075, 2.0), (9.9 - 1.25, 2.0), (0, 0.42))
    h["shared"] = fig.text(5.0, 3.3, "", ha="center", va="center", fontsize=9.5, transform=tr)
    return h


@interactive(
    figsize=(8.0, 3.1),
    dpi=84,
    setup=_predictor_setup,
    html_values=7,  # the HTML face: weights in steps of 1 (and the defaults): the page stays within its budget
    W_1=Slider(**_PARAM, default=1.0, label="W\u2081 (input weight)"),
    W_2=Slider(**_PARAM, default=0.5, label="W\u2082 (recurrent weight)"),
    b=Slider(**_PARAM, default=-0.5, label="b (hidden bias)"),
    W_3=Slider(**_PARAM, default=2.0, label="W\u2083 (output weight)"),
    b_3=Slider(**_PARAM, default=-1.0, label="b\u2083 (output bias)"),
    X_1=Slider(**_PRICE, default=0.25, label="X\u2081 (price, day 1)"),
    X_2=Slider(**_PRICE, default=0.5, label="X\u2082 (price, day 2)"),
    X_3=Slider(**_PRICE, default=0.75, label="X\u2083 (price, day 3)"),
    # "Things to try": 1, with W_2 = 0 the day-1 price (any of its values) leaves the prediction
    # unchanged; 2, with W_2 = 0.5 it moves the prediction a little; 3, a negative W_3.
    tries=[Try({"W_2": 0.0, "X_1": [0.0, 0.25, 0.5, 0.75, 1.0]},
               f"predicted price for day 4: {predictor_values(1.0, 0.0, 2.0, -0.5, -1.0, 0.0, 0.5, 0.75)['output']:.4f}"),
           Try({"X_1": 0.0},
               f"predicted price for day 4: {predictor_values(1.0, 0.5, 2.0, -0.5, -1.0, 0.0, 0.5, 0.75)['output']:.4f}"),
           Try({"X_1": 1.0},
               f"predicted price for day 4: {predictor_values(1.0, 0.5, 2.0, -0.5, -1.0, 1.0, 0.5, 0.75)['output']:.4f}"),
           Try({"W_3": -2.0},
               f"predicted price for day 4: {predictor_values(1.0, 0.5, -2.0, -0.5, -1.0, 0.25, 0.5, 0.75)['output']:.4f}")],
)
def stock_predictor(h, *, W_1, W_2, b, W_3, b_3, X_1, X_2, X_3):
    """The 3-day stock-price predictor unrolled in time, with every value."""
    v = predictor_values(W_1, W_2, W_3, b, b_3, X_1, X_2, X_3)
    for t, price in enumerate((X_1, X_2, X_3)):
        h["price"][t].set_text(f"{price:.2f}")
        h["h"][t].set_text(f"{v[f'h_{t + 1}']:.4f}")
        h["input"][t].set_text(_sub(f"W_1X_{t + 1} = {W_1 * price:+.3f}"))
    for t in range(2):
        h["carry"][t].set_text(_sub(f"W_2h_{t + 1}\n= {v[f'carry_{t + 1}']:+.4f}"))
    h["output"].set_text(f"{v['output']:.4f}")
    h["head"].set_text(_sub(f"W_3 = {W_3:+.1f}\nb_3 = {b_3:+.1f}"))
    h["shared"].set_text(_sub(f"shared by all three steps:  W_1 = {W_1:+.1f},  W_2 = {W_2:+.1f},  b = {b:+.1f}"))
    return _sub(f"h_1 = {v['h_1']:.4f}, h_2 = {v['h_2']:.4f}, h_3 = {v['h_3']:.4f}; "
                f"predicted price for day 4: {v['output']:.4f}.")


def _activation_setup(fig):
    """Axes, the four curves and the legend (fixed); returns the artists that move."""
    ax = fig.add_axes((0.08, 0.14, 0.6, 0.74))
    ax.plot(_Z, _TANH, color="C0", lw=2, label="tanh(z)")
    ax.plot(_Z, 1 - _TANH**2, color="C0", lw=1.3, ls="--", label="tanh'(z) = 1 - tanh(z)\u00b2")
    ax.plot(_Z, _SIG, color="C1", lw=2, label="sigmoid(z)")
    ax.plot(_Z, _SIG * (1 - _SIG), color="C1", lw=1.3, ls="--", label="sigmoid'(z) = s(1 - s)")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set(xlim=(-5, 5), ylim=(-1.1, 1.1), xlabel="z", xticks=[-4, -2, 0, 2, 4], yticks=[-1, -0.5, 0, 0.5, 1])
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    (points,) = ax.plot([], [], "o", color="0.15", ms=4)
    line = ax.axvline(0, color="0.6", lw=0.8, ls=":")
    text = fig.text(0.70, 0.42, "", family="monospace", fontsize=8.5, va="top")
    return {"points": points, "line": line, "text": text}


@interactive(
    figsize=(7.2, 3.4),
    dpi=84,
    setup=_activation_setup,
    html_values=6,  # the HTML face: z in steps of 2 (and 0): the page stays within its weight budget
    z=Slider(-5.0, 5.0, 0.5, default=0.0, label="pre-activation z"),
)
def activation_compare(h, *, z):
    """tanh and sigmoid, and their slopes, at a pre-activation z."""
    s_z, th_z = float(sigmoid(z)), float(np.tanh(z))
    ds_z, dth_z = s_z * (1 - s_z), 1 - th_z**2
    h["points"].set_data([z] * 4, [th_z, dth_z, s_z, ds_z])
    h["line"].set_xdata([z, z])
    h["text"].set_text(f"at z = {z:+.1f}\n\ntanh(z)      = {th_z:+.4f}\ntanh'(z)     =  {dth_z:.4f}\n"
                       f"sigmoid(z)   =  {s_z:.4f}\nsigmoid'(z)  =  {ds_z:.4f}")
    return (f"z = {z:+.1f}: tanh(z) = {th_z:+.4f} (slope {dth_z:.4f}), "
            f"sigmoid(z) = {s_z:.4f} (slope {ds_z:.4f}).")
