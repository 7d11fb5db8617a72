"""Gated recurrent unit (Cho et al., 2014), in the book's and in PyTorch's convention.

Gate order. The fused parameters hold G = 3 blocks of H rows in the order
**r, z, n** (reset gate, update gate, candidate), the order of
``torch.nn.GRU``. The candidate is n_t in the code and in PyTorch, h~_t in the
book (views "W_h^x", "W_h^r", "b_h" alias "W_n^x", "W_n^h", "b_n").

Two conventions (``variant``), time-major (x_t (B, D), h_t (B, H))::

    variant="book" (the book's text; the default)
        r_t = sigmoid(W_r^x x_t + W_r^h h_{t-1} + b_r)
        z_t = sigmoid(W_z^x x_t + W_z^h h_{t-1} + b_z)
        n_t = tanh(W_n^x x_t + W_n^h (r_t * h_{t-1}) + b_n)          reset BEFORE the matrix
        h_t = (1 - z_t) * h_{t-1} + z_t * n_t                        z_t = share of the NEW candidate

    variant="pytorch" (torch.nn.GRU, cuDNN)
        r_t, z_t as above (b = PyTorch's bias_ih + bias_hh)
        hn_t = W_n^h h_{t-1} + b_hn                                  extra parameter "b_hn" (H,)
        n_t = tanh(W_n^x x_t + b_n + r_t * hn_t)                     reset AFTER the matrix
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}                        z_t = share of the OLD state

Cho et al. (2014) write the update the other way around from the book,
``h_t = z_t * h_{t-1} + (1 - z_t) * h~_t`` (z keeps the old state, as in
PyTorch), and put the reset before the matrix (as in the book). Flipping z
only renames the gate (z <-> 1 - z): :meth:`GRU.flip_update_gate` negates the
z rows of W and b, which converts exactly. The place of the reset changes the
function, so the two variants cannot be converted into each other exactly;
only variant="pytorch" converts to and from ``torch.nn.GRU``.

State names: the state is ``{"h": (B, H)}``, and "h" is also the name of its
gradient in ``backward``'s result (dJ/dh_0) and in ``dfinal_state`` (dJ/dh_T);
see :mod:`rnnlib._cell`.
"""

import numpy as np

from rnnlib.activations import sigmoid_grad_from_output as dsig
from rnnlib.activations import tanh_grad_from_output as dtanh
from rnnlib._cell import (
    BACKWARD_SECTIONS, CLASS_SECTIONS, FORWARD_SECTIONS, Cell, carried, document, gate_scale,
    linear_backward, make_trace, Previous, upstream
)
from rnnlib._buffers import empty
from rnnlib._checks import check_option

__all__ = ["GRU"]

VARIANTS = ("book", "pytorch")


DOC = {  # fills the shared docstring sections of forward and backward
    "params": '``{"W": (3H, D+H), "b": (3H,)}`` (+ ``"b_hn": (H,)`` for variant="pytorch")',
    "state": '``{"h": (B, H)}``',
    "trace": '"r", "z", "n", "h" (+ "hn" = W_n^h h_{t-1} + b_hn for "pytorch")',
    "grads": '"W" (3H, D+H), "b" (3H,) (+ "b_hn" (H,)), "X" (T, B, D), "h" (B, H) (the gradient on the initial state)',
}


@document(CLASS_SECTIONS, cell="", extra="""
variant : {"book", "pytorch"}, optional
    "book" (default): reset before the recurrent matrix,
    ``h_t = (1 - z_t) h_{t-1} + z_t n_t``. "pytorch": as ``torch.nn.GRU``.""")
class GRU(Cell):
    """GRU cell with gates r, z, n (see the module docstring for both variants).

    Notes
    -----
    Parameters ``{"W": (3H, D+H), "b": (3H,)}`` (+ ``"b_hn": (H,)`` for
    "pytorch"); ``num_params() = 3H(D+H) + 3H`` (+ H). State ``{"h": (B, H)}``.
    Trace keys: "r", "z", "n", "h" (+ "hn" for "pytorch"), each (T, B, H).
    """

    blocks = ("r", "z", "n")
    state_names = ("h",)
    aliases = {"W_h^x": "W_n^x", "W_h^r": "W_n^h", "b_h": "b_n"}

    def __init__(self, input_size, hidden_size, variant="book"):
        super().__init__(input_size, hidden_size)
        object.__setattr__(self, "variant", check_option("variant", variant, VARIANTS))
        pytorch = variant == "pytorch"
        object.__setattr__(self, "extra_params", ("b_hn",) if pytorch else ())
        object.__setattr__(self, "gate_names", ("r", "z", "n") + (("hn",) if pytorch else ()))
        object.__setattr__(self, "trace_names", self.gate_names + ("h",))

    def _options(self):
        return {"variant": self.variant}

    def flip_update_gate(self, params):
        """Parameters for the opposite meaning of the update gate: the z rows of W and b negated.

        Sources differ on what z_t keeps. This cell's ``h_t`` is
        ``(1 - z_t) h_{t-1} + z_t n_t`` ("book") or ``(1 - z_t) n_t + z_t h_{t-1}``
        ("pytorch"); a GRU written the other way round uses ``z'_t = 1 - z_t``
        in the same place. Since ``1 - sigmoid(a) = sigmoid(-a)``, negating the
        z block of the pre-activation (rows ``H:2H`` of "W" and "b", i.e.
        ``W_z^x``, ``W_z^h``, ``b_z``) turns one into the other exactly::

            z'_t = sigmoid(-(W_z^x x_t + W_z^h h_{t-1} + b_z)) = 1 - z_t

        Everything else (r, n, "b_hn") is unchanged, and the flip is its own
        inverse. To load Cho et al.'s (2014) GRU, which puts the reset before
        the matrix like the book but lets z keep the old state
        (``h_t = z_t h_{t-1} + (1 - z_t) h~_t``), into ``GRU(variant="book")``,
        pass its weights (in r, z, n order) through this function. It does not
        change where the reset acts: that is ``variant``.

        Parameters
        ----------
        params : dict
            ``{"W": (3H, D+H), "b": (3H,)}`` (+ "b_hn").

        Returns
        -------
        dict
            New parameters with ``W[H:2H]`` and ``b[H:2H]`` negated.
        """
        p = self._params(params)
        H = self.hidden_size
        out = {k: v.copy() for k, v in p.items()}
        out["W"][H : 2 * H] *= -1
        out["b"][H : 2 * H] *= -1
        return out

    @document(FORWARD_SECTIONS, **DOC)
    def forward(self, params, X, state=None):
        """Run the cell over a sequence (equations of ``self.variant`` in the module docstring)."""
        return self._forward(*self._check_forward(params, X, state))

    @document(BACKWARD_SECTIONS, **DOC)
    def backward(self, params, trace, dH_seq=None, dfinal_state=None):
        """Exact backpropagation through time.

        Going back from t = T to 1, ``dh = dH_seq[t] + dh_next`` is the total
        gradient on h_t (``da_k``: gradient of gate k's pre-activation)::

            variant="book"
                da_z = dh * (n - h_{t-1}) * z * (1 - z)
                da_n = dh * z * (1 - n^2)
                drh  = da_n @ W_n^h                        gradient on r * h_{t-1}
                da_r = drh * h_{t-1} * r * (1 - r)
                dh_next = dh * (1 - z) + drh * r + [da_r, da_z] @ [W_r^h; W_z^h]
                dW_n^h += da_n^T (r * h_{t-1}),  dW_{r,z}^h += da_{r,z}^T h_{t-1}

            variant="pytorch"
                da_n = dh * (1 - z) * (1 - n^2)
                da_z = dh * (h_{t-1} - n) * z * (1 - z)
                dhn  = da_n * r,   da_r = da_n * hn * r * (1 - r)
                dh_next = dh * z + [da_r, da_z, dhn] @ W^h
                dW^h += [da_r, da_z, dhn]^T h_{t-1},  db_hn += sum_B dhn

        and in both ``dW^x += da^T x_t``, ``db += sum_B da``, ``dx_t = da @ W^x``.
        """
        return self._backward(*self._check_backward(params, trace, dH_seq, dfinal_state))

    def _forward(self, p, X, state):
        T, B, D = X.shape
        H = self.hidden_size
        s, _ = gate_scale("rz", self.blocks, H, X.dtype)
        Ws = np.multiply(p["W"], s[:, None], out=empty(p["W"].shape, X.dtype))  # sigmoid rows halved:
        # sigmoid(a) = 0.5 tanh(a/2) + 0.5
        A = empty((T, B, 3 * H), X.dtype)
        np.matmul(X.reshape(T * B, D), Ws[:, :D].T, out=A.reshape(T * B, 3 * H))  # W^x x_t, all t at once
        A += p["b"] * s
        Hs = empty((T + 1, B, H), X.dtype)  # h_0 .. h_T
        Hs[0] = state["h"]
        book = self.variant == "book"
        step = self._step_book if book else self._step_pytorch
        HN = None if book else empty((T, B, H), X.dtype)
        work = (np.empty((B, 3 * H), X.dtype), np.empty((B, H), X.dtype))
        for t in range(T):
            step(A[t], Hs[t], Hs[t + 1], Ws[:, D:], p.get("b_hn"), work, None if book else HN[t])
        gates = {k: A[:, :, n * H : (n + 1) * H] for n, k in enumerate(self.blocks)}
        if not book:
            gates["hn"] = HN
        trace = make_trace(dict(gates, h=Hs[1:]), X, state, {"h": Hs[T]})
        return trace["h"], trace

    def _backward(self, p, trace, dH, dfinal):
        X, Hs = trace["X"], trace["h"]
        T, B, H = Hs.shape
        W, D = p["W"], self.input_size
        dH = upstream(dH, Hs.shape, W.dtype)
        H_prev = Previous(Hs, trace["state0"]["h"])  # H_prev[t] = h_{t-1}
        dh_next = carried(dfinal, "h", (B, H), W.dtype)
        dA = empty((T, B, 3 * H), W.dtype)  # gradients of the pre-activations [a_r, a_z, a_n]
        backward = self._backward_book if self.variant == "book" else self._backward_pytorch
        return backward(p, trace, dH, H_prev, dh_next, dA)

    @staticmethod
    def _step_book(a, h_prev, h, Wh, b_hn, work, hn):
        """One book step in place: a (B, 3H) enters as W^x x_t + b, leaves as [r, z, n]."""
        H = h.shape[1]
        rz, n = a[:, : 2 * H], a[:, 2 * H :]
        tmp, rh = work[0][:, : 2 * H], work[1]
        np.matmul(h_prev, Wh[: 2 * H].T, out=tmp)
        rz += tmp
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5  # r, z = sigmoid(W^x x_t + W^h h_{t-1} + b)
        r, z = rz[:, :H], rz[:, H:]
        np.multiply(r, h_prev, out=rh)
        np.matmul(rh, Wh[2 * H :].T, out=tmp[:, :H])
        n += tmp[:, :H]
        np.tanh(n, out=n)  # n = tanh(W_n^x x_t + W_n^h (r * h_{t-1}) + b_n)
        np.subtract(n, h_prev, out=h)
        h *= z
        h += h_prev  # h_t = h_{t-1} + z (n - h_{t-1}) = (1 - z) h_{t-1} + z n

    @staticmethod
    def _backward_book(p, trace, dH, H_prev, dh_next, dA):
        X, r, z, n, Hs = trace["X"], trace["r"], trace["z"], trace["n"], trace["h"]
        T, B, H = n.shape
        Wh = p["W"][:, X.shape[2] :]
        dh, drh, tmp = np.empty_like(dh_next), np.empty_like(dh_next), np.empty_like(dh_next)
        for t in reversed(range(T)):
            da_r, da_z, da_n = (dA[t, :, k * H : (k + 1) * H] for k in range(3))
            np.add(dH[t], dh_next, out=dh)  # total gradient on h_t: from the loss and from step t+1
            np.subtract(1, z[t], out=dh_next)
            dh_next *= dh  # backprop through (1 - z) h_{t-1} into h_{t-1}
            np.subtract(Hs[t], H_prev[t], out=da_z)  # z (n - h_{t-1}) = h_t - h_{t-1}
            da_z *= dh_next  # backprop through h_t = h_{t-1} + z (n - h_{t-1}) into z and its sigmoid
            dtanh(n[t], da_n)
            da_n *= z[t]
            da_n *= dh  # backprop through z * n into n and its tanh
            np.matmul(da_n, Wh[2 * H :], out=drh)  # backprop through W_n^h (r * h_{t-1})
            dsig(r[t], da_r)
            da_r *= H_prev[t]
            da_r *= drh  # backprop through r * h_{t-1} into r and its sigmoid
            drh *= r[t]
            dh_next += drh  # backprop through r * h_{t-1} into h_{t-1}
            np.matmul(dA[t, :, : 2 * H], Wh[: 2 * H], out=tmp)
            dh_next += tmp  # backprop through W_r^h h_{t-1} and W_z^h h_{t-1}
        rz, n_rows = slice(0, 2 * H), slice(2 * H, None)
        h_blocks = [(rz, dA[:, :, rz], H_prev), (n_rows, dA[:, :, n_rows], H_prev * r)]
        dW, db, dX = linear_backward(p["W"], X, [(slice(None), dA)], h_blocks)
        return {"W": dW, "b": db, "X": dX, "h": dh_next}

    @staticmethod
    def _step_pytorch(a, h_prev, h, Wh, b_hn, work, hn):
        """One PyTorch step in place: a (B, 3H) enters as W^x x_t + b, leaves as [r, z, n]; fills hn."""
        H = h.shape[1]
        rz, n = a[:, : 2 * H], a[:, 2 * H :]
        tmp, rhn = work
        np.matmul(h_prev, Wh.T, out=tmp)  # W^h h_{t-1} for r, z, n at once
        rz += tmp[:, : 2 * H]
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5  # r, z = sigmoid(W^x x_t + W^h h_{t-1} + b)
        r, z = rz[:, :H], rz[:, H:]
        np.add(tmp[:, 2 * H :], b_hn, out=hn)  # hn = W_n^h h_{t-1} + b_hn
        np.multiply(r, hn, out=rhn)
        n += rhn
        np.tanh(n, out=n)  # n = tanh(W_n^x x_t + b_n + r * hn)
        np.subtract(h_prev, n, out=h)
        h *= z
        h += n  # h_t = n + z (h_{t-1} - n) = (1 - z) n + z h_{t-1}

    @staticmethod
    def _backward_pytorch(p, trace, dH, H_prev, dh_next, dA):
        # dA holds the recurrent side [a_r, a_z, hn]; da_n, the input side of n, is kept apart
        X, r, z, n, hn, Hs = trace["X"], trace["r"], trace["z"], trace["n"], trace["hn"], trace["h"]
        T, B, H = n.shape
        Wh = p["W"][:, X.shape[2] :]
        dA_n = empty(n.shape, n.dtype)
        dh, tmp = np.empty_like(dh_next), np.empty_like(dh_next)
        for t in reversed(range(T)):
            da_r, da_z, dhn = (dA[t, :, k * H : (k + 1) * H] for k in range(3))
            da_n = dA_n[t]
            np.add(dH[t], dh_next, out=dh)  # total gradient on h_t: from the loss and from step t+1
            np.subtract(1, z[t], out=tmp)
            tmp *= dh  # (1 - z) dh, shared by n and z
            dtanh(n[t], da_n)
            da_n *= tmp  # backprop through h_t = (1 - z) n + z h_{t-1} into n and its tanh
            np.subtract(Hs[t], n[t], out=da_z)  # z (h_{t-1} - n) = h_t - n
            da_z *= tmp  # backprop through h_t = n + z (h_{t-1} - n) into z and its sigmoid
            np.multiply(da_n, r[t], out=dhn)  # backprop through r * hn into hn = W_n^h h_{t-1} + b_hn
            dsig(r[t], da_r)
            da_r *= hn[t]
            da_r *= da_n  # backprop through r * hn into r and its sigmoid
            np.multiply(dh, z[t], out=dh_next)  # backprop through z * h_{t-1} into h_{t-1}
            np.matmul(dA[t], Wh, out=tmp)
            dh_next += tmp  # backprop through W^h h_{t-1} (r, z and n rows) into h_{t-1}
        rz = slice(0, 2 * H)
        x_blocks = [(rz, dA[:, :, rz]), (slice(2 * H, None), dA_n)]
        dW, db, dX = linear_backward(p["W"], X, x_blocks, [(slice(None), dA, H_prev)])
        db_hn = dA[:, :, 2 * H :].sum(axis=(0, 1))  # b_hn is added to hn
        return {"W": dW, "b": db, "b_hn": db_hn, "X": dX, "h": dh_next}
