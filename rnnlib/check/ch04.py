"""Checkers of chapter 4 (LSTM): the forget gate, one LSTM step, one step's backward pass."""

import numpy as np

from rnnlib.check.engine import Case, Slip, checker
from rnnlib.check.common import cell_arrays, cell_cases, zero_inputs

__all__ = ["lstm_forget_gate", "lstm_step", "lstm_step_backward"]

#: Calling any of these is writing the exercise with rnnlib's answer.
_LSTM_FORBID = ("rnnlib.lstm.LSTM.step", "rnnlib.lstm.LSTM.run", "rnnlib.lstm.LSTM.forward",
                "rnnlib.lstm.LSTM._forward")


def _sigmoid(a):
    from rnnlib.activations import sigmoid

    return sigmoid(a)


def _forget_without_bias(x_t, h_prev, c_prev, W_fx, W_fh, b_f):
    f_t = _sigmoid(x_t @ W_fx.T + h_prev @ W_fh.T)
    return f_t, f_t * c_prev


def _forget_with_tanh(x_t, h_prev, c_prev, W_fx, W_fh, b_f):
    f_t = np.tanh(x_t @ W_fx.T + h_prev @ W_fh.T + b_f)
    return f_t, f_t * c_prev


_FORGET_SLIPS = (
    Slip(_forget_without_bias, "your f_t equals the gate without its bias: did you add b_f?"),
    Slip(_forget_with_tanh, "your f_t equals tanh of the sum: a gate is a sigmoid, with values in (0, 1), "
         "so it can say how much to keep."),
)


def _lstm_step_variant(x_t, h_prev, c_prev, W, b, order="ifgo", bias=True, read_tanh=True):
    D, H = x_t.shape[1], h_prev.shape[1]
    a = x_t @ W[:, :D].T + h_prev @ W[:, D:].T + (b if bias else 0)
    blocks = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    i, f, o = (_sigmoid(blocks[n]) for n in "ifo")
    c_t = f * c_prev + i * np.tanh(blocks["g"])
    return o * (np.tanh(c_t) if read_tanh else c_t), c_t


_STEP_SLIPS = (
    Slip(lambda *args: _lstm_step_variant(*args, bias=False), "your h_t and c_t equal the step without the "
         "bias: did you add b?"),
    Slip(lambda *args: _lstm_step_variant(*args, order="ifog"), "your blocks are in another order: rows "
         "0:H are i, H:2H f, 2H:3H g (the candidate) and 3H:4H o."),
    Slip(lambda *args: _lstm_step_variant(*args, read_tanh=False), "your c_t is right but h_t is not: the "
         "output gate reads the memory through tanh."),
)


@checker(
    "lstm_forget_gate(x_t, h_prev, c_prev, W_fx, W_fh, b_f) -> (f_t, c_f)",
    summary=("`{name}` gives the right f_t and c_f for batches of 1 to 3, H=1, a gate held open and held closed, "
        "saturation and float32"),
    hint=("f_t is a sigmoid of an affine sum of the input, the previous state and a bias, like the RNN's; c_f "
         "keeps the fraction f_t of c_prev, entry by entry."),
    more=("weights are stored (out, in), so W_f^x x_t is `x_t @ W_fx.T` for a batch; the product with c_prev is "
         "element-wise (the Hadamard product), not a matrix product."),
    slips=_FORGET_SLIPS,
    forbid=_LSTM_FORBID,
)
def lstm_forget_gate(seed=None):
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
        ("zero input and state, so f_t = sigmoid(b_f)", 2, 3, 2, 0.5, np.float64, zero_inputs,
         "with zero x_t and h_prev only the bias is left: did you add b_f?"),
        ("forget gate open (b_f = +20, no weights), so c_f = c_prev", 2, 2, 3, 0.5, np.float64, bias(20.0),
         "a large positive b_f makes f_t close to 1: the memory c_prev should pass through unchanged."),
        ("forget gate closed (b_f = -20, no weights), so c_f = 0", 2, 2, 3, 0.5, np.float64, bias(-20.0),
         "a large negative b_f makes f_t close to 0: the memory should be erased."),
    ]
    return cell_cases(make, ("f_t", "c_f"), special, seed)


@checker(
    "lstm_step(x_t, h_prev, c_prev, W, b) -> (h_t, c_t)",
    summary=("`{name}` gives rnnlib's h_t and c_t for batches of 1 to 3, H=1, zeros, a memory kept by the gates, "
        "saturation and float32"),
    hint=("split W and b into four blocks of H rows in the order i, f, g, o: three gates (sigmoid) and the "
         "candidate (tanh); then update the memory c_t and read h_t out of it."),
    more=("c_t mixes the old memory and the candidate through the forget and input gates; h_t reads the "
         "memory through tanh and the output gate; every product is element-wise."),
    slips=_STEP_SLIPS,
    forbid=_LSTM_FORBID,
)
def lstm_step(seed=None):
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
    return cell_cases(make, ("h_t", "c_t"), special, seed)


@checker(
    "lstm_step_backward(dh_t, dc_next, x_t, h_prev, c_prev, W, b) -> (dx_t, dh_prev, dc_prev, dW, db)",
    summary=("`{name}` gives rnnlib's five gradients for zero and one-sided incoming gradients, a memory kept "
        "by the gates, saturation, batches of 1 to 3, H=1 and float32"),
    hint=("recompute the step's gates and C_t, then go back through its equations from the last: "
        "h_t = o * tanh(C_t) (which adds to dc_next), C_t = f * c_prev + i * g, the sigmoids and the tanh, "
        "and last the matrix W acting on [x_t, h_prev]."),
    more=("dC = dc_next + dh_t * o * (1 - tanh(C_t)**2); da_i = dC * g * i(1-i), da_f = dC * c_prev * f(1-f), "
        "da_g = dC * i * (1-g**2), da_o = dh_t * tanh(C_t) * o(1-o), side by side as da (B, 4H); "
        "dc_prev = dC * f, [dx_t, dh_prev] = da @ W, dW = da.T @ [x_t, h_prev], db = da summed over the batch."),
    forbid=("rnnlib.lstm.LSTM.backward", "rnnlib.lstm.LSTM._backward"),
)
def lstm_step_backward(seed=None):
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
        expected = (g["X"][0], g["h"], g["c"], g["W"], g["b"])
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

    special = [
        ("zero incoming gradients, so every gradient is 0", 2, 3, 2, 0.5, np.float64, zero("dh_t", "dc_next"),
         "every gradient is a product with dh_t or dc_next: with both zero, all of them are zero."),
        ("dh_t = 0, so only dc_next comes in and the output gate gets nothing", 2, 3, 2, 0.5, np.float64,
         zero("dh_t"), "with dh_t = 0 the gradient enters through C_t alone: what reaches the output gate, "
         "and what does c_prev get through f * c_prev?"),
        ("dc_next = 0, as at the last step", 2, 3, 2, 0.5, np.float64, zero("dc_next"),
         "with nothing from step t+1 the gradient reaches C_t only through h_t = o * tanh(C_t): mind the "
         "slope of tanh and the factor o."),
        ("forget gate open and input gate closed, so dc_prev = dC", 2, 2, 3, 0.5, np.float64, keep_memory,
         "with f = 1 the cell-state path passes the gradient on C_t back unchanged; the blocks of W are i, f, "
         "g, o, and the forget gate's rows are H:2H."),
    ]
    return cell_cases(make, ("dx_t", "dh_prev", "dc_prev", "dW", "db"), special, seed)
