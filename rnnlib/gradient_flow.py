"""Gradients against time lag: how much of a loss at the last step reaches k steps back.

The computations behind the book's gradient-flow figures and checks (chapters
0, 3, 4 and 5), kept apart from the plotting code so that each is tested once
and every chapter draws the same numbers:

* :func:`gradient_factors`: the scalar case, ``w**k`` computed step by step in
  float64 (overflow to inf, underflow to 0), with the exact size ``k log10 w``;
* :func:`lag_norms`: a simple RNN, one Jacobian ``diag(act'(a_t)) W^h`` at a
  time, ``||dJ/dh_{T-k}||`` for every k;
* :func:`state_gradients` and :func:`gradient_norms`: any cell (RNN, LSTM, GRU)
  through its own ``backward``, one step at a time with ``dfinal_state``;
* :data:`FLOW`, :func:`flow_setup`, :func:`flow_cell`, :func:`flow_norms`: the
  shared task on which chapters 4 and 5 compare the cells.

Teaching layer: imports the core (cells), never the figures.
"""
import functools

import numpy as np

from rnnlib._checks import check_option, check_real, check_whole
from rnnlib.gru import GRU
from rnnlib.lstm import LSTM
from rnnlib.rnn import RNN

__all__ = [
    "LOG10_MAX", "LOG10_MIN", "gradient_factors", "ACT_GRAD", "lag_norms", "state_gradients", "gradient_norms",
    "FLOW", "flow_setup", "flow_cell", "flow_norms",
]

#: log10 of the largest float64 and of the smallest (subnormal) one.
LOG10_MAX = float(np.log10(np.finfo(np.float64).max))
LOG10_MIN = float(np.log10(np.finfo(np.float64).smallest_subnormal))

def gradient_factors(w, T):
    """The factors ``w**k`` for ``k = 0 .. T``, computed step by step in float64.

    Parameters
    ----------
    w : float
        Recurrent weight, positive.
    T : int
        Number of steps, at least 1.

    Returns
    -------
    k : ndarray of int, shape (T+1,)
        The steps back, ``0 .. T``.
    g : ndarray of float64, shape (T+1,)
        ``g[k] = w * w * ... * w`` (k factors, ``g[0] = 1``) as float64 computes
        it: ``inf`` after an overflow, ``0`` after an underflow.
    log10_exact : ndarray of float64, shape (T+1,)
        ``k * log10(w)``, the exact size, which never overflows.
    """
    check_real("w", w, low=0, low_open=True)
    check_whole("T", T, low=1)
    k = np.arange(int(T) + 1)
    # Overflow to inf and underflow to 0 are what this figure shows: computed, then reported.
    with np.errstate(over="ignore", under="ignore"):
        g = np.cumprod(np.concatenate([[1.0], np.full(int(T), float(w))]))
    return k, g, k * np.log10(float(w))


#: act'(a_t) written from h_t = act(a_t), for each activation of :class:`RNN`.
ACT_GRAD = {
    "tanh": lambda h: 1 - h**2,
    "sigmoid": lambda h: h * (1 - h),
    "relu": lambda h: (h > 0).astype(h.dtype),
    "identity": np.ones_like,
}

def lag_norms(cell, params, X, dJ_dhT):
    """Norms of ``dJ/dh_{T-k}`` for k = 0 .. T, from a loss on the last state only.

    Going back one step at a time (the line of ``RNN.backward``)::

        dJ/dh_{t-1} = (dJ/dh_t * act'(a_t)) @ W^h        (tanh: act'(a_t) = 1 - h_t**2)

    Parameters
    ----------
    cell : RNN
    params : dict
        The cell's parameters.
    X : ndarray, shape (T, B, D)
        Inputs.
    dJ_dhT : ndarray, shape (B, H)
        Gradient of the loss on the last state ``h_T``.

    Returns
    -------
    ndarray, shape (T+1, B)
        Row k: ``||dJ/dh_{T-k}||`` of every sequence (row T is the initial state ``h_0``).
    """
    H_seq, _ = cell.forward(params, X)
    d_act = ACT_GRAD[cell.activation](H_seq)  # act'(a_t) from h_t, as RNN.backward
    W_h = cell.views(params)["W^h"]
    g = np.array(dJ_dhT, dtype=float)
    norms = [np.linalg.norm(g, axis=1)]
    for t in reversed(range(len(X))):
        g = (g * d_act[t]) @ W_h  # one Jacobian back: diag(act'(a_t)) W^h
        norms.append(np.linalg.norm(g, axis=1))
    return np.array(norms)



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
        traces = [trace.step(t) for t in range(X.shape[0])]
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
    check_option("kind", kind, ("rnn", "lstm", "gru"))
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
