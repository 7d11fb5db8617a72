"""Checkers of chapter 4 (LSTM): the forget gate, one LSTM step, one step's backward pass."""

import numpy as np

from rnnlib.check.engine import Case, checker
from rnnlib.check.common import FLOAT32_HINT, SATURATION_HINT, cell_arrays, cell_cases, zero_inputs

__all__ = ["lstm_forget_gate", "lstm_step", "lstm_step_backward"]


@checker(
    "lstm_forget_gate(x_t, h_prev, c_prev, W_fx, W_fh, b_f) -> (f_t, c_f)",
    summary=("`{name}` gives the right f_t and c_f for batches of 1 to 3, H=1, a gate held open and held closed, "
        "saturation and float32"),
    hint=("f_t = sigmoid(x_t @ W_fx.T + h_prev @ W_fh.T + b_f), and c_f is the element-wise product f_t * c_prev."),
)
def lstm_forget_gate():
    """Check the LSTM forget gate and what it keeps of the cell state.

    The student's function::

        {signature}
        f_t = sigmoid(W_f^x x_t + W_f^h h_{t-1} + b_f)   i.e.   sigmoid(x_t @ W_fx.T + h_prev @ W_fh.T + b_f)
        c_f = f_t * c_prev                                 (the part of C_{t-1} that is kept)

    with x_t (B, D), h_prev (B, H), c_prev (B, H), W_fx (H, D), W_fh (H, H),
    b_f (H,); f_t and c_f are (B, H). Reference:
    :func:`rnnlib.activations.sigmoid` and the formula above.
    """
    from rnnlib.activations import sigmoid

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = cell_arrays(rng, B, D, H, scale, dtype, c_prev="BH")
        if adjust:
            adjust(a)
        W_fx, W_fh = a["W"][:, :D], a["W"][:, D:]
        f_t = sigmoid(a["x_t"] @ W_fx.T + a["h_prev"] @ W_fh.T + a["b"])
        return (a["x_t"], a["h_prev"], a["c_prev"], W_fx, W_fh, a["b"]), (f_t, f_t * a["c_prev"])

    def bias(value):
        def adjust(a):
            a["W"][...] = 0
            a["b"][...] = value
        return adjust

    special = [
        ("forget gate open (b_f = +20, no weights), so c_f = c_prev", 2, 2, 3, 0.5, np.float64, bias(20.0),
         "a large positive b_f makes f_t close to 1: the memory c_prev should pass through unchanged."),
        ("forget gate closed (b_f = -20, no weights), so c_f = 0", 2, 2, 3, 0.5, np.float64, bias(-20.0),
         "a large negative b_f makes f_t close to 0: the memory should be erased."),
    ]
    cases = [Case(label, args, exp, ("f_t", "c_f"), hint) for label, args, exp, hint in cell_cases(make, special)]
    return cases


@checker(
    "lstm_step(x_t, h_prev, c_prev, W, b) -> (h_t, c_t)",
    summary=("`{name}` gives rnnlib's h_t and c_t for batches of 1 to 3, H=1, zeros, a memory kept by the gates, "
        "saturation and float32"),
    hint=("the blocks of W and b are i, f, g, o (rows k*H:(k+1)*H); i, f, o use sigmoid, g uses tanh, "
        "c_t = f * c_prev + i * g and h_t = o * tanh(c_t)."),
)
def lstm_step():
    """Check one step of the LSTM with the fused weight matrix.

    The student's function::

        {signature}

    with W (4H, D+H) and b (4H,) holding the blocks i, f, g, o in this
    order (rows ``k*H:(k+1)*H``), columns ``[:D]`` acting on x_t and
    ``[D:]`` on h_{t-1}::

        a = x_t @ W[:, :D].T + h_prev @ W[:, D:].T + b         (B, 4H)
        i, f, o = sigmoid of their blocks;  g = tanh of its block (the candidate C~_t)
        c_t = f * c_prev + i * g
        h_t = o * tanh(c_t)

    x_t (B, D), h_prev and c_prev (B, H); h_t and c_t (B, H).
    Reference: :meth:`rnnlib.lstm.LSTM.step`.
    """
    from rnnlib.lstm import LSTM

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = cell_arrays(rng, B, D, H, scale, dtype, G=4, c_prev="BH")
        if adjust:
            adjust(a)
        _, state, _ = LSTM(D, H).step({"W": a["W"], "b": a["b"]}, a["x_t"], {"h": a["h_prev"], "c": a["c_prev"]})
        return (a["x_t"], a["h_prev"], a["c_prev"], a["W"], a["b"]), (state["h"], state["c"])

    def keep_memory(a):
        H = a["h_prev"].shape[1]
        a["W"][...] = 0
        a["b"][...] = 0
        a["b"][:H] = -20.0  # input gate closed
        a["b"][H:2 * H] = 20.0  # forget gate open

    special = [
        ("zero input, state and memory, so c_t = i_t * g_t from the biases", 2, 3, 2, 0.5, np.float64,
         zero_inputs, "with zeros in, only b is left: c_t = sigmoid(b_i) * tanh(b_g)."),
        ("forget gate open and input gate closed, so c_t = c_prev", 2, 2, 3, 0.5, np.float64, keep_memory,
         "the blocks of W and b are in the order i, f, g, o: rows H:2H belong to the forget gate."),
    ]
    cases = [Case(label, args, exp, ("h_t", "c_t"), hint) for label, args, exp, hint in cell_cases(make, special)]
    return cases


def _state_grad(grads, name):
    """The gradient on the initial state ``name`` ("h" or "c") from a cell's backward."""
    return grads[name] if name in grads else grads[name + "0"]


def _saturate(a):
    """Gate biases of +-1000 (alternating): the gates are exactly 0 or 1 and every slope is 0."""
    a["b"][0::2] = 1000.0
    a["b"][1::2] = -1000.0


#: The plain cases of the step-backward checkers, after their special ones:
#: (label, B, D, H, weight scale, dtype, adjust, hint).
STEP_BACKWARD_SHAPES = (
    ("a batch of 3, D=2, H=4", 3, 2, 4, 0.5, np.float64, None, None),
    ("a batch of 1, D=1, H=1", 1, 1, 1, 0.5, np.float64, None, None),
    ("a batch of 2, D=5, H=3", 2, 5, 3, 0.5, np.float64, None, None),
    ("saturated gates (biases of +-1000)", 2, 3, 3, 20.0, np.float64, _saturate, SATURATION_HINT),
    ("float32 arrays", 2, 3, 2, 0.5, np.float32, None, FLOAT32_HINT),
)


@checker(
    "lstm_step_backward(dh_t, dc_next, x_t, h_prev, c_prev, W, b) -> (dx_t, dh_prev, dc_prev, dW, db)",
    summary=("`{name}` gives rnnlib's five gradients for zero and one-sided incoming gradients, a memory kept "
        "by the gates, batches of 1 to 3, H=1, saturated gates and float32"),
    hint=("recompute i, f, g, o and C_t; then dC = dc_next + dh_t * o * (1 - tanh(C_t)**2), the four "
        "pre-activation gradients da_i = dC * g * i(1-i), da_f = dC * c_prev * f(1-f), da_g = dC * i * (1-g**2), "
        "da_o = dh_t * tanh(C_t) * o(1-o) side by side as da (B, 4H); dc_prev = dC * f, "
        "[dx_t, dh_prev] = da @ W, dW = da.T @ [x_t, h_prev], db = da summed over the batch."),
)
def lstm_step_backward():
    """Check the backward pass of one LSTM step with the fused weight matrix.

    The student's function::

        {signature}

    for the step checked by ``lstm_step`` (W (4H, D+H), b (4H,), blocks i, f,
    g, o), where ``dh_t`` (B, H) is the whole gradient dJ/dh_t and
    ``dc_next`` (B, H) the gradient on C_t that comes back from step t+1.
    The results are dJ/dx_t (B, D), dJ/dh_{t-1} (B, H), dJ/dC_{t-1} (B, H),
    dJ/dW (4H, D+H) and dJ/db (4H,), summed over the batch.
    Reference: :meth:`rnnlib.lstm.LSTM.backward` on a sequence of length 1
    with ``dfinal_state={"c": dc_next}``.
    """
    from rnnlib.lstm import LSTM

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = cell_arrays(rng, B, D, H, scale, dtype, G=4, c_prev="BH", dh_t="BH", dc_next="BH")
        if adjust:
            adjust(a)
        cell, params = LSTM(D, H), {"W": a["W"], "b": a["b"]}
        _, trace = cell.forward(params, a["x_t"][None], {"h": a["h_prev"], "c": a["c_prev"]})
        g = cell.backward(params, trace, a["dh_t"][None], dfinal_state={"c": a["dc_next"]})
        expected = (g["X"][0], _state_grad(g, "h"), _state_grad(g, "c"), g["W"], g["b"])
        return (a["dh_t"], a["dc_next"], a["x_t"], a["h_prev"], a["c_prev"], a["W"], a["b"]), expected

    def zero(*keys):
        def adjust(a):
            for key in keys:
                a[key][...] = 0
        return adjust

    def keep_memory(a):
        H = a["h_prev"].shape[1]
        a["W"][...] = 0
        a["b"][...] = 0
        a["b"][:H] = -20.0  # input gate closed
        a["b"][H:2 * H] = 20.0  # forget gate open

    special = (
        ("zero incoming gradients, so every gradient is 0", 2, 3, 2, 0.5, np.float64, zero("dh_t", "dc_next"),
         "every gradient is a product with dh_t or dc_next: with both zero, all of them are zero."),
        ("dh_t = 0, so only dc_next comes in and the output gate gets nothing", 2, 3, 2, 0.5, np.float64,
         zero("dh_t"), "with dh_t = 0, dC = dc_next, da_o = 0 and dc_prev = dc_next * f."),
        ("dc_next = 0, as at the last step", 2, 3, 2, 0.5, np.float64, zero("dc_next"),
         "with nothing from step t+1, dC = dh_t * o * (1 - tanh(C_t)**2): the gradient reaches C_t through "
         "h_t = o * tanh(C_t) only."),
        ("forget gate open and input gate closed, so dc_prev = dC", 2, 2, 3, 0.5, np.float64, keep_memory,
         "with f = 1 the cell-state path passes dC back unchanged: dc_prev = dC * f; the blocks of W are i, f, "
         "g, o, and the forget gate's rows are H:2H."),
    )
    rng = np.random.default_rng(2024)
    names = ("dx_t", "dh_prev", "dc_prev", "dW", "db")
    cases = []
    for label, B, D, H, scale, dtype, adjust, hint in (*special, *STEP_BACKWARD_SHAPES):
        args, expected = make(rng, B, D, H, scale, dtype, adjust)
        cases.append(Case(label, args, expected, names, hint))
    return cases
