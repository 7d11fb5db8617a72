"""Long short-term memory cell (Hochreiter & Schmidhuber, 1997, with a forget gate).

Gate order. The fused parameters hold G = 4 blocks of H rows in the order
**i, f, g, o** (input gate, forget gate, candidate, output gate), the order of
``torch.nn.LSTM``, so converting weights is a plain copy. The candidate is
called g in the code and in PyTorch, and C~ (views "W_c^x", "W_c^h", "b_c")
in the book.

Equations, at every step t (time-major: x_t (B, D), states (B, H))::

    i_t = sigmoid(W_i^x x_t + W_i^h h_{t-1} + b_i)      input gate
    f_t = sigmoid(W_f^x x_t + W_f^h h_{t-1} + b_f)      forget gate
    g_t = tanh(W_g^x x_t + W_g^h h_{t-1} + b_g)         candidate C~_t
    o_t = sigmoid(W_o^x x_t + W_o^h h_{t-1} + b_o)      output gate
    C_t = f_t * C_{t-1} + i_t * g_t                     cell state (the long memory path)
    h_t = o_t * tanh(C_t)                               hidden state

``*`` is the element-wise (Hadamard) product; in code ``W_i^x x_t`` is
``x_t @ W[0:H, :D].T``.

State names: the state is ``{"h": (B, H), "c": (B, H)}`` (h_t and C_t), and
the same two names are used for their gradients: ``backward`` returns dJ/dh_0
and dJ/dC_0 as "h" and "c", and ``dfinal_state`` takes dJ/dh_T and dJ/dC_T as
"h" and "c" (see :mod:`rnnlib._cell`).
"""

import numpy as np

from rnnlib._buffers import empty
from rnnlib.activations import sigmoid_grad_from_output as dsig
from rnnlib.activations import tanh_grad_from_output as dtanh
from rnnlib._cell import (
    BACKWARD_SECTIONS, CLASS_SECTIONS, FORWARD_SECTIONS, INIT_SECTIONS, Cell, carried, document,
    gate_scale, linear_backward, make_trace, Previous, upstream
)

__all__ = ["LSTM"]


DOC = {  # fills the shared docstring sections of forward and backward
    "params": '``{"W": (4H, D+H), "b": (4H,)}``',
    "state": '``{"h": (B, H), "c": (B, H)}``',
    "trace": '"i", "f", "g", "o", "c" (C_t), "tanh_c", "h"',
    "grads": '"W" (4H, D+H), "b" (4H,), "X" (T, B, D), "h" (B, H), "c" (B, H) (gradients on the initial state)',
}
INIT_DOC = {
    "extra": """
forget_bias : float, optional
    Added to b_f (default 1.0) so that f_t starts near sigmoid(1) = 0.73:
    the cell remembers by default early in training (Gers et al., 2000).
    Use 0.0 to match ``torch.nn.LSTM``'s initialisation."""
}


@document(CLASS_SECTIONS, cell=" and of the cell state C_t", extra="")
class LSTM(Cell):
    """LSTM cell with gates i, f, g, o (see the module docstring for the equations).

    Notes
    -----
    Parameters ``{"W": (4H, D+H), "b": (4H,)}``, blocks i, f, g, o;
    ``num_params() = 4H(D+H) + 4H``. State ``{"h": (B, H), "c": (B, H)}``.
    Trace keys: "i", "f", "g", "o", "c" (C_t), "tanh_c", "h", each (T, B, H).
    """

    blocks = ("i", "f", "g", "o")
    state_names = ("h", "c")
    gate_names = ("i", "f", "g", "o")
    trace_names = ("i", "f", "g", "o", "c", "tanh_c", "h")
    aliases = {"W_c^x": "W_g^x", "W_c^h": "W_g^h", "b_c": "b_g"}

    @document(INIT_SECTIONS, **INIT_DOC)
    def init(self, rng, dtype=np.float64, scheme="pytorch", forget_bias=1.0):
        """New parameters; as ``Cell.init`` with ``forget_bias`` added to b_f."""
        params = super().init(rng, dtype, scheme)
        H = self.hidden_size
        params["b"][H : 2 * H] += forget_bias
        return params

    @document(FORWARD_SECTIONS, **DOC)
    def forward(self, params, X, state=None):
        """Run the cell over a sequence (equations in the module docstring)."""
        return self._forward(*self._check_forward(params, X, state))

    def _forward(self, p, X, state):
        T, B, D = X.shape
        H = self.hidden_size
        s, _ = gate_scale("ifo", self.blocks, H, X.dtype)
        Ws = np.multiply(p["W"], s[:, None], out=empty(p["W"].shape, X.dtype))  # sigmoid rows halved: one tanh
        A = empty((T, B, 4 * H), X.dtype)
        np.matmul(X.reshape(T * B, D), Ws[:, :D].T, out=A.reshape(T * B, 4 * H))  # W^x x_t, all t at once
        A += p["b"] * s
        Hs = empty((T + 1, B, H), X.dtype)  # h_0 .. h_T
        Cs = empty((T + 1, B, H), X.dtype)  # C_0 .. C_T
        tanh_C = empty((T, B, H), X.dtype)
        Hs[0], Cs[0] = state["h"], state["c"]
        Wh_T = Ws[:, D:].T
        tmp, ig = np.empty((B, 4 * H), X.dtype), np.empty((B, H), X.dtype)
        for t in range(T):
            a = A[t]
            np.matmul(Hs[t], Wh_T, out=tmp)
            a += tmp  # pre-activations of i, f, g, o (sigmoid rows halved)
            np.tanh(a, out=a)
            i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            for sig in (a[:, : 2 * H], o):  # only the sigmoid rows: 0.5 * tanh(.) + 0.5
                sig *= 0.5
                sig += 0.5  # i, f, o = sigmoid(.), g = tanh(.)
            np.multiply(f, Cs[t], out=Cs[t + 1])
            np.multiply(i, g, out=ig)
            Cs[t + 1] += ig  # C_t = f * C_{t-1} + i * g
            np.tanh(Cs[t + 1], out=tanh_C[t])
            np.multiply(o, tanh_C[t], out=Hs[t + 1])  # h_t = o * tanh(C_t)
        gates = {k: A[:, :, n * H : (n + 1) * H] for n, k in enumerate(self.blocks)}
        arrays = dict(gates, c=Cs[1:], tanh_c=tanh_C, h=Hs[1:])
        trace = make_trace(arrays, X, state, {"h": Hs[T], "c": Cs[T]})
        return trace["h"], trace

    @document(BACKWARD_SECTIONS, **DOC)
    def backward(self, params, trace, dH_seq=None, dfinal_state=None):
        """Exact backpropagation through time.

        Going back from t = T to 1, with ``dh``, ``dc`` the total gradients on
        h_t and C_t (``da_k`` = gradient of gate k's pre-activation)::

            dh   = dH_seq[t] + dh_next
            dc   = dc_next + dh * o * (1 - tanh(C_t)^2)      through h_t = o * tanh(C_t)
            da_o = dh * tanh(C_t) * o * (1 - o)
            da_i = dc * g * i * (1 - i)
            da_f = dc * C_{t-1} * f * (1 - f)
            da_g = dc * i * (1 - g^2)
            dc_next = dc * f                                 the cell-state path back to C_{t-1}
            dh_next = [da_i, da_f, da_g, da_o] @ W^h
            dW^x += da^T x_t,  dW^h += da^T h_{t-1},  db += sum_B da,  dx_t = da @ W^x
        """
        return self._backward(*self._check_backward(params, trace, dH_seq, dfinal_state))

    def _backward(self, p, trace, dH, dfinal):
        X, Hs, Cs, tanh_C = trace["X"], trace["h"], trace["c"], trace["tanh_c"]
        i, f, g, o = (trace[k] for k in self.blocks)
        T, B, H = Hs.shape
        W, D = p["W"], self.input_size
        dH = upstream(dH, Hs.shape, W.dtype)
        C_prev = Previous(Cs, trace["state0"]["c"])  # C_prev[t] = C_{t-1}
        dA = empty((T, B, 4 * H), W.dtype)  # gradients of the pre-activations [a_i, a_f, a_g, a_o]
        dh_next = carried(dfinal, "h", (B, H), W.dtype)
        dc_next = carried(dfinal, "c", (B, H), W.dtype)
        dh, dc = np.empty_like(dh_next), np.empty_like(dc_next)
        Wh = W[:, D:]
        for t in reversed(range(T)):
            da_i, da_f, da_g, da_o = (dA[t, :, k * H : (k + 1) * H] for k in range(4))
            np.add(dH[t], dh_next, out=dh)  # total gradient on h_t: from the loss and from step t+1
            np.multiply(Hs[t], tanh_C[t], out=dc)
            np.subtract(o[t], dc, out=dc)  # o * (1 - tanh(C_t)^2) = o - h_t * tanh(C_t)
            dc *= dh  # backprop through h_t = o * tanh(C_t) into C_t ...
            dc += dc_next  # ... plus the gradient from C_{t+1} = f * C_t + ...
            np.subtract(1, o[t], out=da_o)
            da_o *= Hs[t]  # tanh(C_t) * o * (1 - o) = h_t * (1 - o)
            da_o *= dh  # backprop through h_t = o * tanh(C_t) into o and its sigmoid
            dsig(i[t], da_i)
            da_i *= g[t]
            da_i *= dc  # backprop through i * g into i and its sigmoid
            dsig(f[t], da_f)
            da_f *= C_prev[t]
            da_f *= dc  # backprop through f * C_{t-1} into f and its sigmoid
            dtanh(g[t], da_g)
            da_g *= i[t]
            da_g *= dc  # backprop through i * g into g and its tanh
            np.multiply(dc, f[t], out=dc_next)  # backprop through f * C_{t-1} into C_{t-1}
            np.matmul(dA[t], Wh, out=dh_next)  # backprop through W^h h_{t-1} into h_{t-1}
        H_prev = Previous(Hs, trace["state0"]["h"])
        dW, db, dX = linear_backward(W, X, [(slice(None), dA)], [(slice(None), dA, H_prev)])
        return {"W": dW, "b": db, "X": dX, "h": dh_next, "c": dc_next}
