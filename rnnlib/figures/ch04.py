"""Figures of chapter 4, "Long short-term memory (LSTM)".

* :data:`gate_explorer`: a one-unit LSTM reading a short sequence; sliders set
  the biases of the input, forget and output gates, a control picks the input
  sequence, and the figure plots the gate activations, the cell state C_t and
  the hidden state h_t at every step, from rnnlib's trace.
* :data:`cell_diagram`: the same LSTM drawn as a diagram (boxes, circles and
  arrows), with the values of every gate and state at a chosen step.
* :data:`gradient_flow`: how large the gradient of a loss at the last step is
  k steps back, for a simple RNN and an LSTM on the same random inputs.

The one-unit LSTM of the first two figures (:func:`explorer_cell`) reads
``x_t = (value, marker)`` (D = 2, H = 1). Its weights are fixed so that each
gate is easy to follow: the recurrent weights W^h are all 0, the forget and
output gates see only their biases, the input gate opens when the marker is 1
and the candidate is ``C~_t = tanh(3 * value)``::

    i_t = sigmoid(4 * marker_t + b_i)      f_t = sigmoid(b_f)
    C~_t = tanh(3 * value_t)               o_t = sigmoid(b_o)
    C_t = f_t * C_{t-1} + i_t * C~_t       h_t = o_t * tanh(C_t)

Every number drawn comes from :meth:`rnnlib.lstm.LSTM.forward`.

The gradient-flow figure draws :func:`rnnlib.gradient_flow.flow_norms`: the
gradient on the state at every step with rnnlib's ``backward`` alone, one step
at a time from the last, passing ``dfinal_state`` back (the truncated-BPTT
interface with chunks of one step); chapter 5 draws the same task. Helpers
shared with chapter 5 live in :mod:`rnnlib.figures.common`.
"""
import functools

import numpy as np

from rnnlib.figures.common import (
    SEQUENCES,
    sub,
    sup,
    STYLES,
    T_EXPLORER,
    explorer_axes,
    explorer_inputs,
    flow_axes,
    hand_params,
    show_flow,
    show_inputs,
)
from rnnlib.gradient_flow import FLOW, flow_norms
from rnnlib.lstm import LSTM
from rnnlib.widgets import Choice, Slider, Try, interactive

__all__ = [
    "explorer_cell",
    "explorer_trace",
    "gate_explorer",
    "cell_diagram",
    "lstm_cell_artists",
    "show_lstm_values",
    "draw_lstm_cell",
    "DIAGRAM",
    "gradient_flow",
]

#: Half-height of the states panel per sequence (default 1.15): with noise, an open input gate
#: adds tanh(3 * value) at unmarked steps too, and |C_t| reaches 2.25 (b_i = 4, b_f = 6).
STATE_LIMITS = {"noisy values, two writes": 2.4}
_GATE_COLORS = {"i": "C2", "f": "C0", "g": "C4", "o": "C1"}


def explorer_cell(b_i=-2.0, b_f=2.0, b_o=2.0):
    """The one-unit LSTM of the explorer (see the module docstring) with the given gate biases.

    Parameters
    ----------
    b_i, b_f, b_o : float
        Biases of the input, forget and output gates.

    Returns
    -------
    cell : rnnlib.lstm.LSTM
        ``LSTM(2, 1)``.
    params : dict
        ``{"W": (4, 3), "b": (4,)}``, set through ``cell.views``.
    """
    cell = LSTM(2, 1)
    return cell, hand_params(cell, {
        "W_i^x": [0.0, 4.0],  # the marker opens the input gate
        "W_c^x": [3.0, 0.0],  # the candidate is tanh(3 * value)
        "b_i": b_i, "b_f": b_f, "b_o": b_o,
    })


#: The settings drawn by :data:`cell_diagram`: (b_i, b_f, b_o, sequence), the explorer's defaults.
DIAGRAM = (-2.0, 2.0, 2.0, "write +1, then -1")


@functools.lru_cache(maxsize=512)
def explorer_trace(b_i=-2.0, b_f=2.0, b_o=2.0, sequence="write +1, then -1"):
    """Run the explorer's LSTM on one of its sequences (cached).

    Parameters
    ----------
    b_i, b_f, b_o : float
        Gate biases, as in :func:`explorer_cell`.
    sequence : str
        A key of :data:`SEQUENCES`.

    Returns
    -------
    X : numpy.ndarray
        (T, 1, 2) the inputs, from :func:`explorer_inputs`.
    trace : rnnlib Trace
        ``LSTM.forward``'s trace ("i", "f", "g", "o", "c", "tanh_c", "h", each (T, 1, 1)).
    """
    cell, params = explorer_cell(b_i, b_f, b_o)
    X = explorer_inputs(sequence)
    _, trace = cell.forward(params, X)
    return X, trace


def _explorer_setup(fig):
    return explorer_axes(fig, {
        "i": (1, "input $i_t$", {"marker": "o", "ms": 3, "color": _GATE_COLORS["i"]}),
        # f_t and o_t coincide at the defaults (both sigmoid(2) = 0.881): a wide solid line under a
        # thin dashed one, so that both stay visible
        "f": (1, "forget $f_t$", {"marker": "o", "ms": 6, "lw": 3.5, "color": _GATE_COLORS["f"], "zorder": 2}),
        "o": (1, "output $o_t$", {"marker": "s", "ms": 2.5, "lw": 1.2, "ls": "--", "color": _GATE_COLORS["o"],
                                  "zorder": 3}),
        "c": (2, "cell state $C_t$ (long-term)", {"marker": "o", "ms": 3, "color": "C3"}),
        "h": (2, "hidden state $h_t$ (short-term)", {"marker": "s", "ms": 3, "ls": "--", "color": "C9"}),
    })


@interactive(
    b_i=Slider(-8, 4, 2, default=-2, label="input-gate bias b_i"),
    b_f=Slider(-6, 6, 2, default=2, label="forget-gate bias b_f"),
    b_o=Slider(-6, 6, 2, default=2, label="output-gate bias b_o"),
    sequence=Choice(list(SEQUENCES), default="write +1, then -1", label="input sequence"),
    figsize=(7.2, 5.4),
    setup=_explorer_setup,
    # The chapter's "things to try", each as the settings and what the caption then says.
    tries=[
        Try({"b_f": -6}, "fₜ = 0.0025 at every step"),
        Try({"b_f": 6, "sequence": "write +1"}, "(0.959 of the first write after 17 steps)"),
        Try({"b_i": -8}, "iₜ = 0.018 at the first marker"),
        Try({"b_o": -6}, "C₂₀ = -0.216, h₂₀ = -0.001"),
    ],
)
def gate_explorer(handles, *, b_i, b_f, b_o, sequence):
    """A one-unit LSTM: gates, cell state and hidden state at every step."""
    X, tr = explorer_trace(float(b_i), float(b_f), float(b_o), sequence)
    show_inputs(handles, X)
    for key in "ifoch":
        handles[key].set_ydata(tr[key][:, 0, 0])
    limit = STATE_LIMITS.get(sequence, 1.15)
    handles["axes"][2].set_ylim(-limit, limit)
    f = float(tr["f"][0, 0, 0])
    first, last = SEQUENCES[sequence][0][0], float(tr["c"][-1, 0, 0])
    kept = f ** (T_EXPLORER - first)
    T = sub(T_EXPLORER)
    return (f"fₜ = {f:.4f} at every step, so Cₜ keeps the fraction {f:.4f}{sup('k')} of what it held k steps "
            f"before ({kept:.3g} of the first write after {T_EXPLORER - first} steps); "
            f"iₜ = {float(tr['i'][first - 1, 0, 0]):.3f} at the first marker; "
            f"C{T} = {last:.3f}, h{T} = {float(tr['h'][-1, 0, 0]):.3f}.")


# ---------------------------------------------------------------- the diagram
def _box(ax, xy, text, color, width=0.9, height=0.62):
    from matplotlib.patches import FancyBboxPatch

    x, y = xy
    box = ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.04",
                                      facecolor=_tint(color, 0.0), edgecolor=color, lw=1.6, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=10, zorder=4)
    return box


def _tint(color, value):
    """``color`` mixed with white: white at value 0, full colour at value 1."""
    from matplotlib.colors import to_rgb

    a = 0.15 + 0.7 * float(np.clip(value, 0.0, 1.0))
    return tuple(1 - a + a * c for c in to_rgb(color))


def _op(ax, xy, symbol):
    from matplotlib.patches import Circle

    ax.add_patch(Circle(xy, 0.26, facecolor="#fff7e0", edgecolor="0.2", lw=1.4, zorder=3))
    ax.text(*xy, symbol, ha="center", va="center", fontsize=12, fontweight="bold", zorder=4)


def _arrow(ax, points, color="0.25", lw=1.6, head=True):
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    path = Path(points, [Path.MOVETO] + [Path.LINETO] * (len(points) - 1))
    ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>" if head else "-", mutation_scale=12,
                                 color=color, lw=lw, zorder=2, shrinkA=0, shrinkB=0))


_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}


def _label(ax, xy, name, color, fontsize):
    """A label "name = value": the name (math, drawn once) and an empty value text right after it."""
    name_text = ax.text(*xy, name + " =", color=color, fontsize=fontsize, zorder=5, bbox=_BOX)
    return ax.annotate("", xy=(1, 0), xycoords=name_text, xytext=(2, 0), textcoords="offset points",
                       va="bottom", color=color, fontsize=fontsize, zorder=5, bbox=_BOX)


#: Where the diagram writes each value: key -> (name, format of the value, x, y, colour, font size).
_LABELS = {
    "c_prev": ("$C_{t-1}$", "{:.3f}", 0.15, 5.7, "C3", 9),
    "c": ("$C_t$", "{:.3f}", 9.0, 5.7, "C3", 9),
    "h_prev": ("$h_{t-1}$", "{:.3f}", 0.15, 1.65, "0.1", 9),
    "x": ("$x_t$", "{}", 2.35, 0.12, "0.1", 9),
    "h": ("$h_t$", "{:.3f}", 9.3, 1.0, "C9", 9),
    "f": ("$f_t$", "{:.3f}", 3.27, 2.03, _GATE_COLORS["f"], 8),
    "i": ("$i_t$", "{:.3f}", 4.77, 2.03, _GATE_COLORS["i"], 8),
    "g": ("$\\tilde C_t$", "{:.3f}", 6.07, 2.03, _GATE_COLORS["g"], 8),
    "o": ("$o_t$", "{:.3f}", 7.77, 2.03, _GATE_COLORS["o"], 8),
    "kept": ("$f_t C_{t-1}$", "{:.3f}", 3.5, 4.83, "0.1", 8),
    "written": ("$i_t \\tilde C_t$", "{:.3f}", 5.45, 4.53, "0.1", 8),
    "tanh_c": ("tanh $C_t$", "{:.3f}", 7.1, 4.05, "0.1", 8),
}


def lstm_cell_artists(ax):
    """Draw the LSTM cell diagram without values; return the artists that show them.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw in (its limits and frame are set here).

    Returns
    -------
    dict
        "boxes": gate name -> box patch (shaded by :func:`show_lstm_values`),
        "labels": value name -> text artist.
    """
    from matplotlib.patches import FancyBboxPatch

    ax.set_xlim(0, 12)
    ax.set_ylim(0, 7)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(FancyBboxPatch((1.4, 0.9), 9.2, 5.3, boxstyle="round,pad=0.1", facecolor="#f4f6f9",
                                edgecolor="0.55", lw=1.2, zorder=0))
    top, gate_y, bus_y = 5.45, 2.75, 1.45
    xs = {"f": 3.2, "i": 4.7, "g": 6.0, "o": 7.7}
    # the long-term path (cell state) along the top
    _arrow(ax, [(0.2, top), (11.8, top)], color="C3", lw=2.6)
    # the short-term input: h_{t-1} and x_t merge into one bus feeding every gate
    _arrow(ax, [(0.2, bus_y), (xs["o"], bus_y)], head=False)
    _arrow(ax, [(2.2, 0.1), (2.2, bus_y)], head=False)
    for key, x in xs.items():
        _arrow(ax, [(x, bus_y), (x, gate_y - 0.36)])
    # forget gate -> multiply on the top line
    _op(ax, (xs["f"], top), "×")
    _arrow(ax, [(xs["f"], gate_y + 0.36), (xs["f"], top - 0.28)], color=_GATE_COLORS["f"])
    # input gate and candidate -> multiply -> add on the top line
    mul_i = (5.35, 4.15)
    _op(ax, mul_i, "×")
    _arrow(ax, [(xs["i"], gate_y + 0.36), (xs["i"], mul_i[1]), (mul_i[0] - 0.28, mul_i[1])], color=_GATE_COLORS["i"])
    _arrow(ax, [(xs["g"], gate_y + 0.36), (xs["g"], mul_i[1]), (mul_i[0] + 0.28, mul_i[1])], color=_GATE_COLORS["g"])
    _op(ax, (mul_i[0], top), "+")
    _arrow(ax, [(mul_i[0], mul_i[1] + 0.28), (mul_i[0], top - 0.28)])
    # output: tanh(C_t) times o_t gives h_t
    tanh_xy, mul_o = (9.2, 4.2), (9.2, gate_y)
    _arrow(ax, [(tanh_xy[0], top), (tanh_xy[0], tanh_xy[1] + 0.3)])
    _box(ax, tanh_xy, "tanh", "0.4", width=0.85, height=0.5)
    _arrow(ax, [(tanh_xy[0], tanh_xy[1] - 0.25), (mul_o[0], mul_o[1] + 0.28)])
    _op(ax, mul_o, "×")
    _arrow(ax, [(xs["o"], gate_y + 0.36), (xs["o"], 3.55), (8.45, 3.55), (8.45, mul_o[1]),
                (mul_o[0] - 0.28, mul_o[1])], color=_GATE_COLORS["o"])
    _arrow(ax, [(mul_o[0], mul_o[1] - 0.28), (mul_o[0], bus_y), (11.8, bus_y)], color="C9", lw=2.2)
    # gate boxes (shaded by their value later), their names
    boxes = {}
    for key, symbol, title in (("f", r"$\sigma$", "forget"), ("i", r"$\sigma$", "input"), ("g", "tanh", "candidate"),
                               ("o", r"$\sigma$", "output")):
        boxes[key] = _box(ax, (xs[key], gate_y), symbol, _GATE_COLORS[key])
        ax.text(xs[key] - 0.08, gate_y + 0.42, title, ha="right", fontsize=7, color=_GATE_COLORS[key])
    labels = {key: _label(ax, (x, y), name, color, size) for key, (name, _, x, y, color, size) in _LABELS.items()}
    ax.text(2.4, 6.45, "long-term memory: cell state", color="C3", fontsize=9)
    ax.text(4.2, 0.55, "short-term memory: hidden state", color="0.3", fontsize=9)
    return {"boxes": boxes, "labels": labels}


def show_lstm_values(artists, values):
    """Write the values of one step on the diagram of :func:`lstm_cell_artists`.

    Parameters
    ----------
    artists : dict
        Returned by :func:`lstm_cell_artists`.
    values : dict of str -> float or str
        "x" (the input, printed as given), "h_prev", "c_prev", "f", "i", "g"
        (the candidate C~_t), "o", "c" (C_t), "h" (h_t), "tanh_c". Gate boxes are
        shaded by their value (the candidate by its size): white for 0, full colour for 1.
    """
    shown = dict(values, kept=values["f"] * values["c_prev"], written=values["i"] * values["g"])
    for key, text in artists["labels"].items():
        text.set_text(_LABELS[key][1].format(shown[key]))
    for key, box in artists["boxes"].items():
        box.set_facecolor(_tint(_GATE_COLORS[key], abs(values[key])))


def draw_lstm_cell(ax, values):
    """Draw one LSTM step as a diagram with its values written on it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    values : dict
        As in :func:`show_lstm_values`.

    Returns
    -------
    dict
        The artists, as :func:`lstm_cell_artists`.
    """
    artists = lstm_cell_artists(ax)
    show_lstm_values(artists, values)
    return artists


def _diagram_setup(fig):
    ax = fig.add_subplot()
    fig.subplots_adjust(0.01, 0.01, 0.99, 0.93)
    artists = lstm_cell_artists(ax)
    artists["title"] = ax.set_title("", fontsize=9)
    return artists


@interactive(
    t=Slider(1, T_EXPLORER, 1, default=12, label="step t"),
    figsize=(7.2, 4.3),
    setup=_diagram_setup,
)
def cell_diagram(artists, *, t):
    """The LSTM cell at step t, with every value on its wires."""
    X, tr = explorer_trace(*DIAGRAM)
    k = t - 1
    value = {key: float(tr[key][k, 0, 0]) for key in ("i", "f", "g", "o", "c", "tanh_c", "h")}
    value["c_prev"] = float(tr["c"][k - 1, 0, 0]) if k else 0.0
    value["h_prev"] = float(tr["h"][k - 1, 0, 0]) if k else 0.0
    value["x"] = f"({X[k, 0, 0]:+.0f}, {X[k, 0, 1]:.0f})"
    show_lstm_values(artists, value)
    artists["title"].set_text(f"step t = {t} of '{DIAGRAM[3]}', $x_t$ = (value, marker); "
                              f"biases $b_i$ = {DIAGRAM[0]:g}, $b_f$ = {DIAGRAM[1]:g}, $b_o$ = {DIAGRAM[2]:g}")
    return (f"Step {t}: fₜ = {value['f']:.3f} keeps {value['f'] * value['c_prev']:.3f} of Cₜ₋₁ = "
            f"{value['c_prev']:.3f}, iₜ · C̃ₜ = {value['i'] * value['g']:.3f} is written, "
            f"Cₜ = {value['c']:.3f}, hₜ = oₜ · tanh(Cₜ) = {value['h']:.3f}.")


# ----------------------------------------------------------- gradient flow
def _flow_setup(fig):
    return flow_axes(fig, [
        ("simple RNN $\\|\\partial J/\\partial h_{T-k}\\|$", STYLES["rnn"]),
        ("LSTM $\\|\\partial J/\\partial C_{T-k}\\|$", STYLES["lstm"]),
        ("LSTM $\\|\\partial J/\\partial h_{T-k}\\|$", dict(STYLES["lstm"], lw=1, ls="--")),
    ])


@interactive(
    forget_bias=Slider(0, 5, 1, default=1, label="LSTM forget bias at init"),
    figsize=(6.8, 4.0),
    setup=_flow_setup,
)
def gradient_flow(handles, *, forget_bias):
    """Gradient norm k steps back: simple RNN and LSTM on the same inputs."""
    rnn, lstm = flow_norms("rnn"), flow_norms("lstm", float(forget_bias))
    show_flow(handles, [rnn["h"], lstm["c"], lstm["h"]],
              f"H = {FLOW['H']}, T = {FLOW['T']}, loss at the last step; LSTM mean $f_t$ = {lstm['gate']:.2f}")
    T = FLOW["T"]
    return (f"Forget bias {forget_bias}: mean forget gate {lstm['gate']:.2f}. Gradient {T} steps back: "
            f"RNN {rnn['h'][-1]:.1e}, LSTM cell state {lstm['c'][-1]:.1e}.")
