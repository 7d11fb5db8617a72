"""The simple (Elman) recurrent cell.

Equations, at every step t for a batch of B sequences (time-major layout,
``X[t]`` is x_t with shape (B, D), hidden states (B, H))::

    a_t = W^x x_t + W^h h_{t-1} + b        (in code: x_t @ W[:, :D].T + h_{t-1} @ W[:, D:].T + b)
    h_t = act(a_t)                         act in {tanh, sigmoid, relu, identity}

Parameters: ``{"W": (H, D+H), "b": (H,)}`` (G = 1 block), views "W^x", "W^h", "b".

State names: the state is ``{"h": (B, H)}``, and "h" is also the name of its
gradient in ``backward``'s result (dJ/dh_0) and in ``dfinal_state`` (dJ/dh_T);
see :mod:`rnnlib._cell`.
"""

import numpy as np

from rnnlib._cell import (
    BACKWARD_SECTIONS, CLASS_SECTIONS, FORWARD_SECTIONS, Cell, carried, document, linear_backward,
    make_trace, Previous, upstream
)
from rnnlib._buffers import empty
from rnnlib._checks import check_option
from rnnlib.activations import sigmoid_from_half_, sigmoid_grad_from_output, tanh_grad_from_output

__all__ = ["RNN"]


def _sigmoid(a, out):
    np.multiply(a, 0.5, out=out)
    sigmoid_from_half_(out)


# name: (act(a, out=h), act'(a) written from h = act(a) into out)
ACTIVATIONS = {
    "tanh": (lambda a, out: np.tanh(a, out=out), tanh_grad_from_output),
    "sigmoid": (_sigmoid, sigmoid_grad_from_output),
    "relu": (lambda a, out: np.maximum(a, 0, out=out), lambda h, out: np.greater(h, 0, out=out, casting="unsafe")),
    "identity": (lambda a, out: np.copyto(out, a), lambda h, out: out.fill(1)),
}


DOC = {  # fills the shared docstring sections of forward and backward
    "params": '``{"W": (H, D+H), "b": (H,)}``',
    "state": '``{"h": (B, H)}``',
    "trace": '"a" (pre-activation a_t), "h"',
    "grads": '"W" (H, D+H), "b" (H,), "X" (T, B, D), "h" (B, H) (the gradient on the initial state)',
}


@document(CLASS_SECTIONS, cell="", extra="""
activation : {"tanh", "sigmoid", "relu", "identity"}, optional
    ``act``; "tanh" (default) as in the book and ``torch.nn.RNN``.""")
class RNN(Cell):
    """Simple recurrent cell ``h_t = act(W^x x_t + W^h h_{t-1} + b)``.

    Notes
    -----
    Parameters ``{"W": (H, D+H), "b": (H,)}``; ``num_params() = H*(D+H) + H``.
    State ``{"h": (B, H)}``. Trace keys: "a" (pre-activation) and "h", each (T, B, H).
    """

    state_names = ("h",)
    gate_names = ("a", "h")
    trace_names = ("a", "h")

    def __init__(self, input_size, hidden_size, activation="tanh"):
        super().__init__(input_size, hidden_size)
        object.__setattr__(self, "activation", check_option("activation", activation, tuple(ACTIVATIONS)))

    def _options(self):
        return {"activation": self.activation}

    @document(FORWARD_SECTIONS, **DOC)
    def forward(self, params, X, state=None):
        """Run the cell over a sequence.

        ``a_t = x_t @ W^x.T + h_{t-1} @ W^h.T + b``, ``h_t = act(a_t)`` for t = 1..T,
        with ``W^x = W[:, :D]``, ``W^h = W[:, D:]``.
        """
        return self._forward(*self._check_forward(params, X, state))

    def _forward(self, p, X, state):
        T, B, D = X.shape
        W, act = p["W"], ACTIVATIONS[self.activation][0]
        A = empty((T, B, W.shape[0]), W.dtype)
        np.matmul(X.reshape(T * B, D), W[:, :D].T, out=A.reshape(T * B, -1))  # W^x x_t for all t at once
        A += p["b"]
        Hs = empty((T + 1,) + state["h"].shape, W.dtype)  # h_0 .. h_T
        Hs[0] = state["h"]
        tmp = np.empty_like(Hs[0])
        Wh_T = W[:, D:].T
        for t in range(T):
            np.matmul(Hs[t], Wh_T, out=tmp)
            A[t] += tmp  # a_t = W^x x_t + b + W^h h_{t-1}
            act(A[t], Hs[t + 1])  # h_t = act(a_t)
        trace = make_trace({"a": A, "h": Hs[1:]}, X, state, {"h": Hs[T]})
        return trace["h"], trace

    @document(BACKWARD_SECTIONS, **DOC)
    def backward(self, params, trace, dH_seq=None, dfinal_state=None):
        """Exact backpropagation through time.

        Going back from t = T to 1, with ``dh`` the total gradient on h_t::

            dh   = dH_seq[t] + dh_next          (from the loss at t and from step t+1)
            da   = dh * act'(a_t)               (tanh: 1 - h^2, sigmoid: h(1-h), relu: [h>0], identity: 1)
            dh_next = da @ W^h                  (into h_{t-1})
            dW^x += da^T x_t,  dW^h += da^T h_{t-1},  db += sum_B da,  dx_t = da @ W^x
        """
        return self._backward(*self._check_backward(params, trace, dH_seq, dfinal_state))

    def _backward(self, p, trace, dH, dfinal):
        X, Hs = trace["X"], trace["h"]
        T, B, _ = X.shape
        W, D = p["W"], self.input_size
        dH = upstream(dH, Hs.shape, W.dtype)
        act_grad = ACTIVATIONS[self.activation][1]
        dA = empty(Hs.shape, W.dtype)  # gradients of the pre-activations a_t
        dh_next = carried(dfinal, "h", Hs.shape[1:], W.dtype)
        dh = np.empty_like(dh_next)
        Wh = W[:, D:]
        for t in reversed(range(T)):
            # the total gradient on h_t: from the loss and from step t+1
            np.add(dH[t], dh_next, out=dh)
            act_grad(Hs[t], dA[t])
            dA[t] *= dh  # backprop through h_t = act(a_t)
            np.matmul(dA[t], Wh, out=dh_next)  # backprop through W^h h_{t-1}
        H_prev = Previous(Hs, trace["state0"]["h"])
        dW, db, dX = linear_backward(W, X, [(slice(None), dA)],
                                     [(slice(None), dA, H_prev)])
        return {"W": dW, "b": db, "X": dX, "h": dh_next}
