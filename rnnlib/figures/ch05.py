"""Figures of chapter 5, "Gated recurrent units (GRU)".

* :data:`gru_explorer`: a one-unit GRU (the book's variant) reading the
  ``(value, marker)`` sequences of chapter 4; sliders set the biases of the
  reset and update gates, and the figure plots r_t, z_t, the candidate h~_t
  and the hidden state h_t at every step, from rnnlib's trace.
* :data:`param_counts`: parameters of RNN, GRU and LSTM for chosen sizes,
  from ``cell.num_params()``, next to the formula ``G*H*(D+H+1)``.
* :data:`gradient_flow`: gradient norm against time lag for RNN, LSTM and GRU
  on chapter 4's task (:func:`rnnlib.gradient_flow.flow_norms`).

The one-unit GRU of the explorer (:func:`explorer_cell`), ``x_t = (value, marker)``::

    r_t = sigmoid(b_r)                          the reset gate sees only its bias
    z_t = sigmoid(6 * marker_t + b_z)           the marker opens the update gate
    h~_t = tanh(2 * value_t + 0.9 * (r_t * h_{t-1}))
    h_t = (1 - z_t) * h_{t-1} + z_t * h~_t

so a write with the reset gate open (r = 1) adds the new value to what h
holds, and with it closed (r = 0) replaces it.
"""
import functools

import numpy as np

from rnnlib.figures.common import STYLES, explorer_axes, explorer_inputs, flow_axes, hand_params, show_flow, show_inputs
from rnnlib.gradient_flow import FLOW, flow_norms
from rnnlib.gru import GRU
from rnnlib.lstm import LSTM
from rnnlib.rnn import RNN
from rnnlib.widgets import Slider, Try, interactive

__all__ = ["SEQUENCE", "explorer_cell", "explorer_trace", "gru_explorer", "param_counts", "gradient_flow"]

#: The explorer's input sequence (a key of ``rnnlib.figures.common.SEQUENCES``).
SEQUENCE = "write +1, then -1"


def explorer_cell(b_r=6.0, b_z=-3.0):
    """The one-unit GRU of the explorer (see the module docstring) with the given gate biases.

    Parameters
    ----------
    b_r, b_z : float
        Biases of the reset and update gates.

    Returns
    -------
    cell : rnnlib.gru.GRU
        ``GRU(2, 1)``, variant "book".
    params : dict
        ``{"W": (3, 3), "b": (3,)}``, set through ``cell.views``.
    """
    cell = GRU(2, 1)
    return cell, hand_params(cell, {
        "W_z^x": [0.0, 6.0],  # the marker opens the update gate
        "W_h^x": [2.0, 0.0],  # the candidate reads the value ...
        "W_h^r": 0.9,  # ... and the reset part of h_{t-1}
        "b_r": b_r, "b_z": b_z,
    })


@functools.lru_cache(maxsize=256)
def explorer_trace(b_r=6.0, b_z=-3.0):
    """Run the explorer's GRU on :data:`SEQUENCE` (cached).

    Parameters
    ----------
    b_r, b_z : float
        Gate biases, as in :func:`explorer_cell`.

    Returns
    -------
    X : numpy.ndarray
        (T, 1, 2) the inputs (``rnnlib.figures.common.explorer_inputs(SEQUENCE)``).
    trace : rnnlib Trace
        ``GRU.forward``'s trace ("r", "z", "n", "h", each (T, 1, 1)).
    """
    cell, params = explorer_cell(b_r, b_z)
    X = explorer_inputs(SEQUENCE)
    return X, cell.forward(params, X)[1]


def _explorer_setup(fig):
    return explorer_axes(fig, {
        "r": (1, "reset $r_t$", {"marker": "o", "ms": 3, "color": "C1"}),
        "z": (1, "update $z_t$", {"marker": "o", "ms": 3, "color": "C0"}),
        "n": (2, "candidate $\\tilde h_t$", {"marker": "x", "ms": 4, "ls": ":", "color": "C4"}),
        "h": (2, "hidden state $h_t$", {"marker": "o", "ms": 3, "color": "C9"}),
    })


@interactive(
    b_r=Slider(-9, 9, 3, default=6, label="reset-gate bias b_r"),
    b_z=Slider(-6, 6, 3, default=-3, label="update-gate bias b_z"),
    figsize=(7.2, 5.4),
    setup=_explorer_setup,
    # The chapter's "things to try", each as the settings and what the caption then says. The
    # default b_r = 6 is the point: the reset gate open, the candidate sees the past; the slider
    # goes one step further each way, so the default is not at its end.
    tries=[
        Try({"b_z": -6}, "zₜ = 0.500 at the markers and 0.002 elsewhere"),
        Try({"b_z": 6}, "zₜ = 1.000 at the markers and 0.998 elsewhere"),
        Try({"b_r": -6}, "Candidate at the writes: 0.964 at t = 3, -0.964 at t = 12"),
    ],
)
def gru_explorer(handles, *, b_r, b_z):
    """A one-unit GRU: reset and update gates, candidate and hidden state at every step."""
    X, tr = explorer_trace(float(b_r), float(b_z))
    show_inputs(handles, X)
    for key in "rznh":
        handles[key].set_ydata(tr[key][:, 0, 0])
    marks = np.flatnonzero(X[:, 0, 1])
    z_rest = float(np.delete(tr["z"][:, 0, 0], marks).mean())
    writes = ", ".join(f"{float(tr['n'][k, 0, 0]):.3f} at t = {k + 1}" for k in marks)
    return (f"rₜ = {float(tr['r'][0, 0, 0]):.3f}; zₜ = {float(tr['z'][marks[0], 0, 0]):.3f} at the markers and "
            f"{z_rest:.3f} elsewhere. Candidate at the writes: {writes}; h₂₀ = {float(tr['h'][-1, 0, 0]):.3f}.")


_CELLS = ("RNN", "GRU", "LSTM")


def _counts_setup(fig):
    ax = fig.add_subplot()
    bars = ax.barh(_CELLS, [1, 1, 1], color=[STYLES[n.lower()]["color"] for n in _CELLS])
    texts = [ax.text(0, bar.get_y() + bar.get_height() / 2, "", va="center", fontsize=9) for bar in bars]
    ax.set_xlabel("number of parameters")
    ax.invert_yaxis()
    ax.grid(True, axis="x", alpha=0.3)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.95, bottom=0.16)
    return {"ax": ax, "bars": bars, "texts": texts}


@interactive(
    D=Slider(16, 128, 16, default=32, label="input size D"),
    H=Slider(16, 128, 16, default=64, label="hidden size H"),
    figsize=(6.4, 3.4),
    setup=_counts_setup,
)
def param_counts(handles, *, D, H):
    """Parameters of RNN, GRU and LSTM with the same input and hidden sizes."""
    cells = [RNN(D, H), GRU(D, H), LSTM(D, H)]
    counts = [cell.num_params() for cell in cells]
    for bar, text, cell, n in zip(handles["bars"], handles["texts"], cells, counts):
        bar.set_width(n)
        text.set_x(n)
        text.set_text(f"  {n:,} = {cell.num_blocks}·{H}·({D}+{H}+1)")
    handles["ax"].set_xlim(0, counts[-1] * 1.7)
    return (f"D = {D}, H = {H}: RNN {counts[0]:,}, GRU {counts[1]:,}, LSTM {counts[2]:,} parameters; "
            f"the GRU has 3/4 of the LSTM's.")


def _flow_setup(fig):
    return flow_axes(fig, [
        ("simple RNN $\\|\\partial J/\\partial h_{T-k}\\|$", STYLES["rnn"]),
        ("LSTM $\\|\\partial J/\\partial C_{T-k}\\|$", STYLES["lstm"]),
        ("GRU $\\|\\partial J/\\partial h_{T-k}\\|$", STYLES["gru"]),
    ])


@interactive(
    bias=Slider(0, 4, 1, default=1, label="memory bias at init"),
    figsize=(6.8, 4.0),
    setup=_flow_setup,
)
def gradient_flow(handles, *, bias):
    """Gradient norm k steps back: simple RNN, LSTM and GRU on the same inputs."""
    rnn, lstm, gru = flow_norms("rnn"), flow_norms("lstm", float(bias)), flow_norms("gru", float(bias))
    show_flow(handles, [rnn["h"], lstm["c"], gru["h"]],
              f"H = {FLOW['H']}, T = {FLOW['T']}; LSTM $b_f$ + {bias} (mean $f_t$ = {lstm['gate']:.2f}), "
              f"GRU $b_z$ - {bias} (mean $z_t$ = {gru['gate']:.2f})")
    T = FLOW["T"]
    return (f"Memory bias {bias}: mean LSTM forget gate {lstm['gate']:.2f}, mean GRU update gate {gru['gate']:.2f}. "
            f"Gradient {T} steps back: RNN {rnn['h'][-1]:.1e}, LSTM cell state {lstm['c'][-1]:.1e}, "
            f"GRU {gru['h'][-1]:.1e}.")
