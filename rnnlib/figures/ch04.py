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

:func:`state_gradients` measures the gradient on the state at every step with
rnnlib's ``backward`` alone: one step at a time from the last, passing
``dfinal_state`` back (the truncated-BPTT interface with chunks of one step);
chapter 5 reuses it and :func:`plot_gradient_flow`.
"""
import functools

import numpy as np

from rnnlib._cell import make_trace
from rnnlib.figures.common import CELL_COLORS
from rnnlib.lstm import LSTM
from rnnlib.rnn import RNN
from rnnlib.widgets import Choice, Slider, interactive

__all__ = [
    "SEQUENCES",
    "explorer_cell",
    "hand_params",
    "explorer_inputs",
    "explorer_trace",
    "explorer_axes",
    "show_inputs",
    "gate_explorer",
    "cell_diagram",
    "lstm_cell_artists",
    "show_lstm_values",
    "draw_lstm_cell",
    "state_gradients",
    "gradient_norms",
    "FLOW",
    "STYLES",
    "DIAGRAM",
    "flow_setup",
    "flow_cell",
    "flow_norms",
    "flow_axes",
    "freeze_label_positions",
    "show_flow",
    "gradient_flow",
]

T_EXPLORER = 20
#: The input sequences of the explorer: name -> list of (step, value) written with marker 1.
SEQUENCES = {
    "write +1": [(3, 1.0)],
    "write +1, then -1": [(3, 1.0), (12, -1.0)],
    "noisy values, two writes": [(3, 1.0), (12, -1.0)],
}
_NOISE_SEED = 4
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
    if sequence not in SEQUENCES:
        raise ValueError(f"sequence must be one of {list(SEQUENCES)}, got {sequence!r}")
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
        "f": (1, "forget $f_t$", {"marker": "o", "ms": 3, "color": _GATE_COLORS["f"]}),
        "o": (1, "output $o_t$", {"marker": "o", "ms": 3, "color": _GATE_COLORS["o"]}),
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
    return (f"f_t = {f:.3f} at every step, so C_t keeps the fraction {f:.3f}^k of what it held k steps "
            f"before ({kept:.3g} of the first write after {T_EXPLORER - first} steps); "
            f"i_t = {float(tr['i'][first - 1, 0, 0]):.3f} at the first marker; "
            f"C_20 = {last:.3f}, h_20 = {float(tr['h'][-1, 0, 0]):.3f}.")


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
    "c": ("$C_t$", "{:.3f}", 10.0, 5.7, "C3", 9),
    "h_prev": ("$h_{t-1}$", "{:.3f}", 0.15, 1.65, "0.1", 9),
    "x": ("$x_t$", "{}", 2.35, 0.12, "0.1", 9),
    "h": ("$h_t$", "{:.3f}", 10.0, 1.65, "C9", 9),
    "f": ("$f_t$", "{:.3f}", 3.27, 2.03, _GATE_COLORS["f"], 8),
    "i": ("$i_t$", "{:.3f}", 4.77, 2.03, _GATE_COLORS["i"], 8),
    "g": ("$\\tilde C_t$", "{:.3f}", 6.07, 2.03, _GATE_COLORS["g"], 8),
    "o": ("$o_t$", "{:.3f}", 7.77, 2.03, _GATE_COLORS["o"], 8),
    "kept": ("$f_t C_{t-1}$", "{:.3f}", 3.5, 4.83, "0.1", 8),
    "written": ("$i_t \\tilde C_t$", "{:.3f}", 5.45, 4.53, "0.1", 8),
    "tanh_c": ("tanh $C_t$", "{:.3f}", 9.7, 4.1, "0.1", 8),
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
    artists["title"].set_text(f"step t = {t} of '{DIAGRAM[3]}', x_t = (value, marker); "
                              f"biases b_i = {DIAGRAM[0]:g}, b_f = {DIAGRAM[1]:g}, b_o = {DIAGRAM[2]:g}")
    return (f"Step {t}: f_t = {value['f']:.3f} keeps {value['f'] * value['c_prev']:.3f} of C_(t-1) = "
            f"{value['c_prev']:.3f}, i_t * C~_t = {value['i'] * value['g']:.3f} is written, "
            f"C_t = {value['c']:.3f}, h_t = o_t * tanh(C_t) = {value['h']:.3f}.")


# ----------------------------------------------------------- gradient flow
def state_gradients(cell, params, X, dh_T, trace=None):
    """The gradient of ``J = sum(dh_T * h_T)`` on the state at every step, with rnnlib's backward.

    Runs ``cell.forward`` one step at a time (carrying the state), then goes
    back from the last step: ``cell.backward`` of step t, given the gradient on
    the state after it as ``dfinal_state``, returns the gradient on the state
    before it ("h", "c"). The result at step 0 equals ``backward`` of the
    whole sequence.

    Parameters
    ----------
    cell : RNN, LSTM or GRU
    params : dict
        The cell's parameters.
    X : numpy.ndarray
        (T, B, D) inputs.
    dh_T : numpy.ndarray
        (B, H) dJ/dh_T, the gradient of the loss at the last step.
    trace : rnnlib Trace, optional
        ``cell.forward(params, X)[1]``, when the caller has it: its steps are
        cut out of it (the same numbers as running one step at a time) instead
        of running the forward again.

    Returns
    -------
    dict
        For every state name ("h", and "c" for the LSTM) an array (T+1, B, H):
        entry t is dJ/dh_t (dJ/dC_t), t = 0 .. T. For "c", entry T is left 0
        (the loss reads h_T only; its gradient reaches C_T through the last step).
    """
    names = cell.state_names
    if trace is None:
        traces, state = [], None
        for t in range(X.shape[0]):
            _, step = cell.forward(params, X[t : t + 1], state)
            traces.append(step)
            state = step.final_state
    else:
        traces = [make_trace({k: trace[k][t : t + 1] for k in cell.trace_names}, trace["X"][t : t + 1],
                             trace["state0"] if t == 0 else {k: trace[k][t - 1] for k in names},
                             {k: trace[k][t] for k in names}) for t in range(X.shape[0])]
    grads = {k: np.zeros((X.shape[0] + 1,) + dh_T.shape) for k in names}
    grads["h"][-1] = dh_T
    d = {"h": np.asarray(dh_T, dtype=float)}
    for t in reversed(range(X.shape[0])):
        g = cell.backward(params, traces[t], None, dfinal_state=d)
        d = {k: g[k] for k in names}
        for k in names:
            grads[k][t] = d[k]
    return grads


def gradient_norms(grads):
    """Mean over the batch of the per-sequence norm, against time lag.

    Parameters
    ----------
    grads : numpy.ndarray
        (T+1, B, H), entry t the gradient on the state at step t (from
        :func:`state_gradients`).

    Returns
    -------
    numpy.ndarray
        (T,) entry k-1 is the norm k steps before the last, k = 1 .. T.
    """
    return np.linalg.norm(grads, axis=-1).mean(axis=1)[-2::-1]


#: Sizes of the gradient-flow comparison (chapters 4 and 5): input D, hidden H, batch B, length T.
FLOW = {"D": 4, "H": 16, "B": 16, "T": 60, "seed": 3}


def flow_setup():
    """The shared task of the gradient-flow figures: random inputs and the loss gradient dJ/dh_T.

    Returns
    -------
    X : numpy.ndarray
        (T, B, D) inputs drawn from N(0, 1) with a fixed seed.
    dh_T : numpy.ndarray
        (B, H) the same random unit vector u for every sequence: J = sum_b u . h_T.

    Notes
    -----
    The cells and their weights: :func:`flow_cell`.
    """
    rng = np.random.default_rng(FLOW["seed"])
    X = rng.normal(size=(FLOW["T"], FLOW["B"], FLOW["D"]))
    u = rng.normal(size=FLOW["H"])
    return X, np.tile(u / np.linalg.norm(u), (FLOW["B"], 1))


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


def flow_cell(kind, bias=0.0):
    """A cell and its parameters for the gradient-flow comparison.

    Parameters
    ----------
    kind : {"rnn", "lstm", "gru"}
        ``RNN`` (tanh), ``LSTM`` or ``GRU`` (variant "book") with
        ``D = FLOW["D"]``, ``H = FLOW["H"]``, each with its default ``init``
        drawn from ``numpy.random.default_rng(FLOW["seed"] + n)``, n = 1, 2, 3.
    bias : float, optional
        A push toward remembering: for the LSTM the ``forget_bias`` of ``init``
        (added to b_f); for the GRU subtracted from b_z (z_t near 0 keeps
        h_{t-1}); ignored for the RNN.

    Returns
    -------
    cell : RNN, LSTM or GRU
    params : dict
    """
    from rnnlib.gru import GRU

    D, H = FLOW["D"], FLOW["H"]
    if kind == "rnn":
        cell = RNN(D, H)
        return cell, cell.init(np.random.default_rng(FLOW["seed"] + 1))
    if kind == "lstm":
        cell = LSTM(D, H)
        return cell, cell.init(np.random.default_rng(FLOW["seed"] + 2), forget_bias=bias)
    if kind == "gru":
        cell = GRU(D, H)
        params = cell.init(np.random.default_rng(FLOW["seed"] + 3))
        cell.views(params)["b_z"][:] -= bias
        return cell, params
    raise ValueError(f"kind must be one of ['rnn', 'lstm', 'gru'], got {kind!r}")


@functools.lru_cache(maxsize=None)
def flow_norms(kind, bias=0.0):
    """Gradient norms against time lag on the shared task (:func:`flow_setup`), cached.

    Parameters
    ----------
    kind, bias
        As in :func:`flow_cell`.

    Returns
    -------
    dict
        "h": (T,) mean norm of dJ/dh_{T-k} for k = 1 .. T; for the LSTM also
        "c": (T,) the same for dJ/dC_{T-k}; "gate": the mean forget gate (LSTM)
        or update gate (GRU) over the task, or None.
    """
    X, dh_T = flow_setup()
    cell, params = flow_cell(kind, bias)
    trace = cell.forward(params, X)[1]  # one forward for the gradients and the mean gate
    grads = state_gradients(cell, params, X, dh_T, trace)
    out = {k: gradient_norms(g) for k, g in grads.items()}
    gate = {"lstm": "f", "gru": "z"}.get(kind)
    out["gate"] = float(np.mean(trace[gate])) if gate else None
    return out


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
