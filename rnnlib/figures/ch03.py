"""Figures of chapter 3, "Exploding and vanishing gradients".

Backpropagation through time multiplies the gradient by one Jacobian per step
it goes back. For the simple RNN ``h_t = tanh(a_t)``,
``a_t = W^x x_t + W^h h_{t-1} + b``, the gradient of a loss ``J`` on the last
state ``h_T`` reaches ``h_{T-k}`` as (gradients are columns, the book's
convention; ``^T`` is the transpose)::

    dh_T/dh_{T-k} = diag(tanh'(a_T)) W^h  ...  diag(tanh'(a_{T-k+1})) W^h
    dJ/dh_{T-k}   = (dh_T/dh_{T-k})^T dJ/dh_T
    (in code, batches of rows, one step back: dh_prev = (dh * (1 - h_t**2)) @ W_h,
    as in RNN.backward)

* :data:`gradient_through_time`: the scalar case. A linear RNN multiplies by
  ``W_2`` at every step (``W_2**k``, computed by :func:`rnnlib.gradient_flow.gradient_factors`);
  a tanh RNN by ``W_2 tanh'(a_t)`` (:func:`scalar_tanh_factors`), never more
  than ``W_2``. Both in float64, as backpropagation computes them, next to
  the exact size, with the float64 overflow and underflow limits marked.
* :data:`gradient_vs_lag`: the matrix case. The measured norm
  ``||dJ/dh_{T-k}||`` against the lag ``k`` (:func:`lag_norms`) for random
  RNNs whose ``W^h`` is scaled to a chosen spectral radius (:func:`random_rnn`),
  tanh and linear with the same weights: median and range of six networks
  (:func:`lag_curves`).
* :data:`cliff_step`: what an exploding gradient does to one SGD step: the loss
  of a one-unit RNN near a cliff (:func:`cliff_loss`), one step without and
  with clipping.
* :data:`cliff_states`: where that cliff comes from: the states ``h_t`` of the
  same unit against ``t`` (:func:`cliff_run`), next to the ghost of the
  saddle-node bifurcation (:func:`saddle_node`) and the loss's 50-step horizon;
  :func:`escape_step` and :func:`cliff_edge` measure the escape and the edge.

Every number comes from rnnlib's :class:`rnnlib.rnn.RNN`; the chapter checks
the Jacobian products against ``RNN.backward``.
"""
import functools
from types import MappingProxyType

import numpy as np

from rnnlib._checks import check_real, check_whole, fail
from rnnlib.clip import clip_by_global_norm
from rnnlib.figures.common import CELL_COLORS, sub, sup, times_ten_to
from rnnlib.gradient_flow import ACT_GRAD, LOG10_MAX, LOG10_MIN, gradient_factors, lag_norms
from rnnlib.losses import mse
from rnnlib.rnn import RNN
from rnnlib.widgets import Slider, Try, interactive

#: gradient_through_time draws on -Y_LIMIT .. Y_LIMIT (log10 of the factor).
Y_LIMIT = 360

__all__ = [
    "scalar_tanh_factors", "gradient_through_time",
    "random_rnn", "lag_norms", "lag_curves", "gradient_vs_lag",
    "CLIFF", "cliff_loss", "cliff_step",
    "cliff_run", "saddle_node", "escape_step", "cliff_edge", "cliff_states",
]

# ---------------------------------------------------------------- the scalar case

#: Longest sequence of :data:`gradient_through_time`.
T_MAX = 600
#: Inputs x_1 .. x_{T_MAX} of the scalar tanh RNN, (T_MAX, 1, 1), standard normal (seed 3).
SCALAR_INPUTS = np.random.default_rng(3).standard_normal((T_MAX, 1, 1))
SCALAR_INPUTS.flags.writeable = False
_SCALAR = RNN(1, 1)  # h_t = tanh(W_1 x_t + W_2 h_{t-1} + b)


def scalar_tanh_factors(W_2, T, W_1=1.0):
    """``dh_T/dh_{T-k}`` of the scalar tanh RNN ``h_t = tanh(W_1 x_t + W_2 h_{t-1})``, k = 0 .. T.

    The inputs are the first ``T`` of :data:`SCALAR_INPUTS`, ``h_0 = 0``, no bias.
    Each step back multiplies by ``dh_t/dh_{t-1} = W_2 tanh'(a_t) = W_2 (1 - h_t**2)``.

    Parameters
    ----------
    W_2 : float
        Recurrent weight, positive.
    T : int
        Sequence length, 1 .. T_MAX.
    W_1 : float, optional
        Input weight.

    Returns
    -------
    g : ndarray of float64, shape (T+1,)
        ``g[k] = dh_T/dh_{T-k}`` as float64 computes the product (``g[0] = 1``):
        ``0`` after an underflow.
    log10_exact : ndarray of float64, shape (T+1,)
        ``sum of log10 |W_2 (1 - h_t**2)|`` over the same steps, which never underflows.
    """
    check_real("W_2", W_2, low=0, low_open=True)
    check_whole("T", T, low=1, high=T_MAX)
    params = {"W": np.array([[W_1, W_2]], dtype=float), "b": np.zeros(1)}
    H_seq, _ = _SCALAR.forward(params, SCALAR_INPUTS[: int(T)])
    h = H_seq[::-1, 0, 0]  # h_T, h_{T-1}, ..., h_1
    steps = W_2 * (1 - h**2)  # dh_t/dh_{t-1} for t = T, T-1, ..., 1
    # Underflow to 0 is part of what the figure shows: computed, then reported.
    with np.errstate(under="ignore"):
        g = np.cumprod(np.concatenate([[1.0], steps]))
    return g, np.concatenate([[0.0], np.cumsum(np.log10(steps))])


def _first(mask):
    """Index of the first True in ``mask``, or None."""
    return int(np.argmax(mask)) if mask.any() else None


def _fmt(x):
    """A float64 result as printed in the captions: 'inf', '0' or 3 significant digits."""
    return f"{x:.4g}" if np.isfinite(x) and x != 0 else ("inf" if np.isinf(x) else "0")


_CURVES = (("lin", "C0", "linear: $W_2^k$"), ("tanh", "C1", "tanh: $\\prod W_2\\,\\tanh'(a_t)$"))


def _setup_through_time(fig):
    """Axes, float64 limit bands, labels and empty artists of :data:`gradient_through_time`."""
    ax = fig.add_subplot()
    ax.axhspan(LOG10_MAX, Y_LIMIT, color="C3", alpha=0.1, lw=0)
    ax.axhspan(-Y_LIMIT, LOG10_MIN, color="C3", alpha=0.1, lw=0)
    ax.text(0.01, 0.985, "float64 overflow (max 1.8e308): inf", transform=ax.transAxes, va="top",
            color="C3", fontsize="small")
    ax.text(0.99, 0.015, "float64 underflow (below 4.9e-324): 0", transform=ax.transAxes, va="bottom",
            ha="right", color="C3", fontsize="small")
    handles = {"ax": ax}
    for key, color, name in _CURVES:
        handles[key] = {
            "float64": ax.plot([], [], color=color, lw=4, alpha=0.45, label=f"{name} (float64)")[0],
            "exact": ax.plot([], [], color=color, lw=1, ls="--")[0],
            "marks": ax.plot([], [], "X", color=color, mec="C3", ms=10, zorder=5)[0],
            "end": ax.text(0, 0, "", color=color, ha="right", fontsize="small",
                           bbox={"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1}),
        }
    ax.plot([], [], color="0.3", lw=1, ls="--", label="exact size (sum of logs)")
    # The message the figure shows instead of a crash when the product overflows.
    handles["overflow"] = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", color="C3",
                                  fontsize="small", bbox={"boxstyle": "round", "fc": "white", "ec": "C3"})
    ticks = np.arange(-300, 301, 100)
    ax.set_yticks(ticks, [f"$10^{{{t}}}$" for t in ticks])
    ax.set_ylim(-Y_LIMIT, Y_LIMIT)
    ax.set_xlabel("steps back $k$")
    ax.set_ylabel("$|dh_T / dh_{T-k}|$")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize="x-small", frameon=False)
    fig.subplots_adjust(left=0.13, right=0.97, top=0.9, bottom=0.13)
    return handles


@interactive(
    figsize=(6.4, 3.9),
    W_2=Slider(0.1, 5.0, 0.1, default=4.0, label="recurrent weight W₂"),
    T=Slider(50, 600, 50, default=100, label="sequence length T"),
    setup=_setup_through_time,
    # the chapter's "things to try" and what the caption then says; W_2 in steps of 0.4 and T of
    # 100 in the HTML face (plus the defaults and the values tried): the page stays within its budget
    tries=[
        Try({"W_2": 4.0, "T": 100}, "W₂¹⁰⁰ is 1.607e+60 in float64 (exactly 1.61 × 10⁶⁰)"),
        Try({"T": 550}, "W₂⁵⁵⁰ is inf in float64"),
        Try({"W_2": 1.0}, "W₂¹⁰⁰ is 1 in float64"),
        Try({"W_2": 0.2}, "W₂¹⁰⁰ is 1.268e-70 in float64"),
    ],
    html_values=11,
)
def gradient_through_time(handles, *, W_2, T):
    """The gradient through k steps of a scalar RNN, linear and tanh, in float64."""
    k, lin, lin_exact = gradient_factors(W_2, T)
    tanh, tanh_exact = scalar_tanh_factors(W_2, T)
    for (key, _, _), g, exact in zip(_CURVES, (lin, tanh), (lin_exact, tanh_exact)):
        h = handles[key]
        ok = np.isfinite(g) & (g > 0)
        h["float64"].set_data(k[ok], np.log10(g[ok]))
        h["exact"].set_data(k, np.clip(exact, -Y_LIMIT, Y_LIMIT))
        marks = [(i, y) for i, y in ((_first(np.isinf(g)), LOG10_MAX), (_first(g == 0), LOG10_MIN)) if i is not None]
        h["marks"].set_data([i for i, _ in marks], [y for _, y in marks])
        up = exact[-1] >= 0
        end = float(np.clip(exact[-1], -Y_LIMIT + 90, Y_LIMIT - 90)) + (12 if up else -12)
        h["end"].set_position((0.985 * T, end))
        h["end"].set_va("bottom" if up else "top")
        h["end"].set_text(f"$10^{{{exact[-1]:.1f}}}$")
    overflow = _first(np.isinf(lin))
    handles["overflow"].set_visible(overflow is not None)
    if overflow is not None:
        handles["overflow"].set_text(f"OVERFLOW: $W_2^k$ = inf in float64 from step {overflow} on;\n"
                                     "an update with this gradient would turn every weight into nan")
    handles["ax"].set_xlim(0, T)
    return (f"W₂ = {W_2:.1f}, T = {T}: through all {T} steps the linear RNN's factor W₂{sup(T)} is "
            f"{_fmt(lin[-1])} in float64 (exactly {times_ten_to(lin_exact[-1])}); the tanh RNN's is "
            f"{_fmt(tanh[-1])} (exactly {times_ten_to(tanh_exact[-1])}).")


# ---------------------------------------------------------------- the matrix case

#: Sizes of :data:`gradient_vs_lag`: inputs, hidden units, steps, sequences, random networks per rho.
LAG_SIZES = {"D": 4, "H": 32, "T": 100, "B": 16, "nets": 6}


def random_rnn(rng, rho, activation="tanh", D=4, H=32):
    """A random RNN whose recurrent matrix has spectral radius ``rho``.

    ``W^h`` is a Gaussian matrix ``N(0, 1/H)`` rescaled by ``rho / max |eig|``;
    ``W^x`` and ``b`` are ``cell.init``'s (PyTorch's uniform).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    rho : float
        Spectral radius of ``W^h`` (largest absolute eigenvalue), > 0.
    activation : str, optional
        The RNN's activation ("tanh" or "identity" for a linear RNN, ...).
    D, H : int, optional
        Input size and hidden size.

    Returns
    -------
    cell : RNN
    params : dict
        ``{"W": (H, D+H), "b": (H,)}`` with ``views(params)["W^h"]`` of spectral radius ``rho``.
    """
    cell = RNN(D, H, activation=activation)
    params = cell.init(rng)
    W = rng.standard_normal((H, H)) / np.sqrt(H)
    cell.views(params)["W^h"][...] = W * (rho / np.max(np.abs(np.linalg.eigvals(W))))
    return cell, params


@functools.lru_cache(maxsize=32)
def lag_curves(rho):
    """The data of :data:`gradient_vs_lag`: gradient norms against lag for random RNNs of spectral radius ``rho``.

    ``LAG_SIZES["nets"]`` random networks (:func:`random_rnn`, seed 1), each run
    on the same inputs (seed 0) with a loss on the last state whose gradient
    ``dJ/dh_T`` has norm 1 for every sequence; every network once with tanh and
    once, *with the same weights*, linear (identity).

    Parameters
    ----------
    rho : float
        Spectral radius of ``W^h``.

    Returns
    -------
    dict
        ``{"identity": (nets, T+1), "tanh": (nets, T+1)}``: row n, column k is
        the root-mean-square over the batch of ``||dJ/dh_{T-k}||`` for network n.
    """
    s = LAG_SIZES
    rng = np.random.default_rng(0)
    X = rng.standard_normal((s["T"], s["B"], s["D"]))
    u = rng.standard_normal((s["B"], s["H"]))
    u /= np.linalg.norm(u, axis=1, keepdims=True)  # ||dJ/dh_T|| = 1 for every sequence
    linear = RNN(s["D"], s["H"], activation="identity")
    net_rng = np.random.default_rng(1)
    curves = {"identity": [], "tanh": []}
    for _ in range(s["nets"]):
        cell, params = random_rnn(net_rng, rho, "tanh", s["D"], s["H"])
        for name, c in (("identity", linear), ("tanh", cell)):
            curves[name].append(np.sqrt(np.mean(lag_norms(c, params, X, u) ** 2, axis=1)))
    return {name: np.array(rows) for name, rows in curves.items()}


#: The values of the spectral-radius slider of :data:`gradient_vs_lag`.
RHO_SLIDER = Slider(0.5, 2.0, 0.1, default=1.0, label="spectral radius ρ of Wʰ")


@functools.lru_cache(maxsize=1)
def _lag_table():
    """:func:`lag_curves` for every value of the slider, computed once (about 0.4 s) so that a move only redraws."""
    return {rho: lag_curves(rho) for rho in RHO_SLIDER.values()}


def _setup_vs_lag(fig):
    """Axes, labels, empty lines and bands of :data:`gradient_vs_lag`."""
    ax = fig.add_subplot()
    ax.set_yscale("log")
    handles = {"ax": ax}
    k = np.arange(LAG_SIZES["T"] + 1)
    for name, color, label in (("identity", "C0", "linear RNN"), ("tanh", "C1", "tanh RNN (same weights)")):
        handles[name] = (ax.plot([], [], color=color, lw=2, label=label)[0],
                         ax.fill_between(k, np.ones(k.size), np.ones(k.size), color=color, alpha=0.2, lw=0))
    handles["rho^k"] = ax.plot([], [], color="0.3", lw=1, ls="--", label="$\\rho^k$", zorder=3)[0]
    ax.axhline(1.0, color="0.6", lw=0.8)
    ax.set_ylim(1e-40, 1e40)
    ax.set_yticks([10.0**e for e in range(-40, 41, 20)])
    ax.minorticks_off()
    ax.set_xlim(0, LAG_SIZES["T"])
    ax.set_xlabel("time lag $k$ (steps back from the loss)")
    ax.set_ylabel("$\\|dJ / dh_{T-k}\\|$")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize="small", framealpha=0.9)
    fig.subplots_adjust(left=0.13, right=0.97, top=0.91, bottom=0.14)
    return handles


@interactive(
    figsize=(6.4, 3.6),
    rho=RHO_SLIDER,
    setup=_setup_vs_lag,
    html_values=8,  # every 0.3 (and 1) in the HTML face: the page stays within its weight budget
)
def gradient_vs_lag(handles, *, rho):
    """Measured gradient norm against time lag, for random RNNs."""
    table = _lag_table()
    curves = table[rho] if rho in table else lag_curves(float(rho))  # a value between the slider's steps
    T, nets = LAG_SIZES["T"], LAG_SIZES["nets"]
    k = np.arange(T + 1)
    for name in ("identity", "tanh"):
        line, band = handles[name]
        line.set_data(k, np.median(curves[name], axis=0))
        band.set_data(k, curves[name].min(axis=0), curves[name].max(axis=0))
    handles["rho^k"].set_data(k, float(rho) ** k)
    last = {name: np.median(curves[name][:, -1]) for name in curves}
    handles["ax"].set_title(f"spectral radius \u03c1 = {rho:.3g}: median of {nets} networks after {T} steps: "
                            f"linear {last['identity']:.2g}, tanh {last['tanh']:.2g}", fontsize="small")
    return (f"Spectral radius {rho:.3g}: the gradient that reaches {T} steps back (median of {nets} random "
            f"networks; band: their range) has norm {last['identity']:.3g} in the linear RNN and "
            f"{last['tanh']:.3g} in the tanh RNN with the same weights (it starts at 1; "
            f"ρ{sup(T)} = {float(rho) ** T:.3g}).")


# ---------------------------------------------------------------- a step off a cliff

#: The cliff problem: one unit, no input, ``h_t = tanh(w h_{t-1} + b)`` for T steps
#: from ``h_0``, loss ``(h_T - target)**2``; one SGD step with learning rate ``lr``,
#: clipped to norm ``max_norm`` or not.
CLIFF = MappingProxyType({"T": 50, "b": 0.5, "h0": -1.0, "target": 0.5, "lr": 0.5, "max_norm": 1.0})
_ONE = RNN(1, 1)


def cliff_loss(w):
    """Loss and its gradient with respect to the recurrent weight ``w`` of the :data:`CLIFF` problem.

    Parameters
    ----------
    w : float
        The recurrent weight ``W^h`` (1 x 1).

    Returns
    -------
    loss : float
        ``(h_T - target)**2`` (:func:`rnnlib.losses.mse`).
    dw : float
        ``dloss/dw``, from ``RNN.backward`` (``grads["W"][0, 1]``, the ``W^h`` column).
    """
    c = CLIFF
    params = {"W": np.array([[0.0, float(w)]]), "b": np.array([c["b"]])}
    H_seq, trace = _ONE.forward(params, np.zeros((c["T"], 1, 1)), {"h": np.array([[c["h0"]]])})
    loss, dy = mse(H_seq[-1], np.array([[c["target"]]]))
    dH = np.zeros_like(H_seq)
    dH[-1] = dy  # the loss sees only the last state
    # Far from the cliff (|w| >> 1) the state saturates and products of tiny tanh' underflow: harmless here.
    with np.errstate(under="ignore"):
        grads = _ONE.backward(params, trace, dH)
    return loss, float(grads["W"][0, 1])


@functools.lru_cache(maxsize=1)
def _cliff_curve():
    ws = np.linspace(0.0, 3.0, 601)
    return ws, np.array([cliff_loss(w)[0] for w in ws])


_STEPS = (("plain", "C3"), ("clipped", "C2"))


def _setup_cliff(fig):
    """The loss curve (it does not move), labels and the artists of the two steps."""
    ws, losses = _cliff_curve()
    ax = fig.add_subplot()
    ax.plot(ws, losses, color="0.2", lw=1.5)
    ax.set_xlim(ws[0], ws[-1])
    ax.set_ylim(-0.1, 2.6)
    ax.set_xlabel("recurrent weight $w$")
    ax.set_ylabel("loss $(h_{50} - 0.5)^2$")
    ax.grid(True, alpha=0.3)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.91, bottom=0.14)
    handles = {"ax": ax, "start": ax.plot([], [], "o", color="k", ms=7, zorder=6)[0]}
    for (key, color), y_text in zip(_STEPS, (0.97, 0.89)):
        handles[key] = {
            "arrow": ax.annotate("", (0, 0), (0, 0), arrowprops={"arrowstyle": "->", "color": color, "lw": 1.8,
                                                                 "connectionstyle": "arc3,rad=-0.25"}),
            "end": ax.plot([], [], "o", color=color, ms=7, zorder=5)[0],
            "text": ax.text(0.02, y_text, "", transform=ax.transAxes, color=color, fontsize="small", va="top"),
        }
    return handles


def _show_step(h, ax, w_0, loss_0, w_1, loss_1, text):
    x_lo, x_hi = ax.get_xlim()
    inside = x_lo <= w_1 <= x_hi
    h["arrow"].xy = (min(max(w_1, x_lo), x_hi), loss_1)  # off the chart: to its edge
    h["arrow"].set_position((w_0, loss_0))
    h["end"].set_data([w_1] if inside else [], [loss_1] if inside else [])
    h["text"].set_text(text + ("" if inside else " (off the chart)"))


@interactive(
    figsize=(6.4, 3.6),
    w_0=Slider(1.85, 2.05, 0.01, default=1.95, label="starting weight w"),
    setup=_setup_cliff,
    html_values=6,  # every 0.04 (and the default) in the HTML face: the page stays within its weight budget
)
def cliff_step(handles, *, w_0):
    """One gradient step near a cliff, without and with clipping."""
    c = CLIFF
    loss_0, g = cliff_loss(w_0)
    w_plain = w_0 - c["lr"] * g  # w_new = w_old - lr * dJ/dw
    clipped, _ = clip_by_global_norm({"w": np.array(g)}, c["max_norm"])
    w_clip = w_0 - c["lr"] * float(clipped["w"])
    loss_plain, loss_clip = cliff_loss(w_plain)[0], cliff_loss(w_clip)[0]

    ax = handles["ax"]
    handles["start"].set_data([w_0], [loss_0])
    _show_step(handles["plain"], ax, w_0, loss_0, w_plain, loss_plain,
               f"plain step: w = {w_plain:.3g}, loss {loss_plain:.3f}")
    _show_step(handles["clipped"], ax, w_0, loss_0, w_clip, loss_clip,
               f"clipped to norm {c['max_norm']:g}: w = {w_clip:.3g}, loss {loss_clip:.3f}")
    ax.set_title(f"from w = {w_0:.2f} (loss {loss_0:.3f}), ∂J/∂w = {g:.3g}, learning rate {c['lr']:g}",
                 fontsize="medium")
    return (f"From w = {w_0:.2f} (loss {loss_0:.3f}) the gradient is {g:.3g}. The plain step "
            f"w − {c['lr']:g} · ∂J/∂w lands at w = {w_plain:.3g} with loss {loss_plain:.3f}; clipped to "
            f"norm {c['max_norm']:g} it lands at w = {w_clip:.3g} with loss {loss_clip:.3f}.")


# ---------------------------------------------------------------- where the cliff comes from


def cliff_run(w, T=CLIFF["T"]):
    """The states ``h_0, h_1, ..., h_T`` of the :data:`CLIFF` unit, ``h_t = tanh(w h_{t-1} + b)``.

    Parameters
    ----------
    w : float
        The recurrent weight ``W^h``.
    T : int, optional
        Number of steps (default: the loss's horizon, 50).

    Returns
    -------
    ndarray of float64, shape (T+1,)
        ``h_0 = CLIFF["h0"]`` first, then the states computed by :class:`rnnlib.rnn.RNN`.
    """
    check_whole("T", T, low=1)
    c = CLIFF
    params = {"W": np.array([[0.0, float(w)]]), "b": np.array([c["b"]])}
    H_seq, _ = _ONE.forward(params, np.zeros((int(T), 1, 1)), {"h": np.array([[c["h0"]]])})
    return np.concatenate([[c["h0"]], H_seq[:, 0, 0]])


def saddle_node(b=CLIFF["b"], tol=1e-13):
    """Where ``h = tanh(w h + b)`` gains a negative stable state: the saddle-node ``(w_c, h_c)``.

    A fixed point satisfies ``tanh(w h + b) = h``; it is born (as a stable and
    an unstable pair) where the curve ``tanh(w h + b)`` touches the diagonal, so
    where also its slope is 1: ``w (1 - h**2) = 1``. On the negative side that
    gives ``h(w) = -sqrt(1 - 1/w)``, and ``w_c`` is the root of
    ``g(w) = artanh(h(w)) - w h(w) - b``, found by bisection on ``(1, 10]``.

    Parameters
    ----------
    b : float, optional
        The bias, positive (default: the :data:`CLIFF` bias, 0.5).
    tol : float, optional
        Width of the final bracket of ``w_c``.

    Returns
    -------
    w_c : float
        Above it the unit has a negative stable fixed point; below it none.
    h_c : float
        The double fixed point at ``w_c``, the "ghost" the state lingers near just below ``w_c``.
    """
    check_real("b", b, low=0, low_open=True)

    def g(w):
        h = -np.sqrt(1.0 - 1.0 / w)
        return np.arctanh(h) - w * h - b

    lo, hi = 1.0 + 1e-12, 10.0  # g(lo) = -b < 0 < g(hi) for 0 < b < 6
    if not g(hi) > 0:
        fail(ValueError, "b", "a bias small enough for a bifurcation below w = 10", repr(b))
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if g(mid) < 0 else (lo, mid)
    w_c = 0.5 * (lo + hi)
    return float(w_c), float(-np.sqrt(1.0 - 1.0 / w_c))


def escape_step(w, T=1000):
    """The first step ``t <= T`` with ``h_t > 0`` (the state has left the negative side), or None."""
    positive = np.flatnonzero(cliff_run(w, T) > 0)
    return int(positive[0]) if positive.size else None


def cliff_edge(T, tol=1e-12):
    """The weight at which ``h_T`` of the :data:`CLIFF` unit changes sign: the cliff for horizon ``T``.

    Bisection between ``w = 1.9`` (the state escapes within ``T`` steps, for
    ``T >= 40``) and the saddle-node ``w_c`` (it never escapes).

    Parameters
    ----------
    T : int
        The horizon, at least 40.
    tol : float, optional
        Width of the final bracket.

    Returns
    -------
    float
        Left of it ``h_T > 0`` (loss near 0.23), right of it ``h_T < 0`` (loss near 1.4).
    """
    check_whole("T", T, low=40)
    lo, hi = 1.9, saddle_node()[0]
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if cliff_run(mid, T)[-1] > 0 else (lo, mid)
    return 0.5 * (lo + hi)


#: Steps drawn by :data:`cliff_states`.
STATES_T = 150


def _setup_states(fig):
    """Axes, the ghost level, the horizon and the artist of the state curve."""
    c = CLIFF
    w_c, h_c = saddle_node()
    ax = fig.add_subplot()
    ax.set_xlim(0, STATES_T)
    ax.set_ylim(-1.1, 1.15)
    ax.set_xlabel("step $t$")
    ax.set_ylabel("state $h_t$")
    ax.grid(True, alpha=0.3)
    ax.axhline(h_c, color="0.45", ls="--", lw=1)
    ax.text(STATES_T - 2, h_c + 0.05, f"ghost $h_c = {h_c:.3f}$ (fixed point at $w_c = {w_c:.4f}$)",
            ha="right", va="bottom", fontsize="small", color="0.3")
    ax.axvline(c["T"], color="0.45", ls=":", lw=1)
    ax.text(c["T"] + 1.5, 1.08, f"loss reads $h_{{{c['T']}}}$", fontsize="small", color="0.3", va="top")
    fig.subplots_adjust(left=0.12, right=0.97, top=0.9, bottom=0.14)
    line, = ax.plot([], [], color=CELL_COLORS["RNN"], lw=2)
    dot, = ax.plot([], [], "o", color=CELL_COLORS["RNN"], ms=6)
    return {"ax": ax, "line": line, "dot": dot}


@interactive(
    figsize=(6.4, 3.6),
    w=Slider(1.93, 1.97, 0.0025, default=1.95, label="recurrent weight w"),
    setup=_setup_states,
    # the chapter's "things to try" and what the caption then says (the HTML face holds these
    # values and every 0.01: the page stays within its weight budget)
    tries=[
        Try({"w": 1.94}, "escapes at step 37"),
        Try({"w": 1.95}, "h₅₀ = -0.680, and it escapes at step 76"),
        Try({"w": 1.96}, "a negative stable state traps it"),
        Try({"w": 1.945}, "escapes at step 47"),
        Try({"w": 1.9475}, "escapes at step 57"),
    ],
    html_values=5,
)
def cliff_states(handles, *, w):
    """The state of the cliff unit against time: it lingers near the ghost, then escapes or is trapped."""
    c = CLIFF
    w_c, _ = saddle_node()
    h = cliff_run(w, STATES_T)
    handles["line"].set_data(np.arange(STATES_T + 1), h)
    handles["dot"].set_data([c["T"]], [h[c["T"]]])
    escape = escape_step(w, STATES_T)
    when = f"escapes at step {escape}" if escape is not None else f"is still negative at step {STATES_T}"
    kind = "a negative stable state traps it" if w > w_c else "no negative stable state"
    handles["ax"].set_title(f"w = {w:.4f}: {kind}; $h_{{{c['T']}}}$ = {h[c['T']]:+.3f}, {when.replace('is ', '')}",
                            fontsize="medium")
    return (f"With w = {w:.4f} ({kind}) the state starts at h₀ = {c['h0']:g}, "
            f"h{sub(c['T'])} = {h[c['T']]:+.3f}, and it {when}.")
