"""One-head self-attention with sinusoidal positional encodings (the core of a Transformer layer).

Every position attends to every position of the same sequence, all at once::

    z_t  = x_t + p_t                               p_t: positional encoding (D,)
    q_t = W_q z_t,   k_t = W_k z_t,   u_t = W_v z_t  (d,) each, weights (d, D)
    a_{t,s} = softmax_s(q_t . k_s / sqrt(d))        (padding masked)
    y_t = sum_s a_{t,s} u_s                         (T, B, d)

with Vaswani et al.'s (2017) encodings ``p_{t,2i} = sin(t / 10000^(2i/D))``,
``p_{t,2i+1} = cos(t / 10000^(2i/D))`` (t = 0, 1, ...). Without them the
layer could not tell positions apart: permuting the inputs permutes the
outputs the same way. A Transformer layer adds several heads, an output
matrix, a residual connection, layer normalisation and a feed-forward
block; this module keeps only the part chapter 9 compares with the
recurrent encoder. Its cost: the scores are a T x T matrix per sequence
(memory and time grow as T^2), but no step waits for the previous one.
"""

import numpy as np

from rnnlib._checks import check_dtype, check_params, check_rng, check_size, fail, float_input
from rnnlib.attention import dot_product_attention, dot_product_attention_backward
from rnnlib.init import xavier_uniform

__all__ = ["positional_encoding", "SelfAttention"]


def positional_encoding(T, D, dtype=np.float64):
    """Sinusoidal positional encodings ``P`` (T, D): ``P[t, 2i] = sin(t w_i)``, ``P[t, 2i+1] = cos(t w_i)``.

    ``w_i = 10000^(-2i/D)``, t = 0..T-1 (Vaswani et al., 2017).
    """
    T, D = check_size("T", T), check_size("D", D)
    dtype = check_dtype("dtype", dtype)
    t = np.arange(T)[:, None]
    w = 10000.0 ** (-np.arange(0, D, 2) / D)
    P = np.zeros((T, D))
    P[:, 0::2] = np.sin(t * w)
    P[:, 1::2] = np.cos(t * w[: D // 2])
    return P.astype(dtype)


class SelfAttention:
    """One-head scaled dot-product self-attention with positional encodings.

    Parameters
    ----------
    input_size : int
        D, the size of x_t (and of the positional encodings).
    model_size : int
        d, the size of queries, keys, values and outputs.

    Notes
    -----
    Parameters ``{"W_q": (d, D), "W_k": (d, D), "W_v": (d, D)}``, Xavier-uniform.
    """

    def __init__(self, input_size, model_size):
        self.input_size = check_size("input_size", input_size)
        self.model_size = check_size("model_size", model_size)

    def __repr__(self):
        return f"SelfAttention(input_size={self.input_size}, model_size={self.model_size})"

    def param_shapes(self):
        """``{"W_q", "W_k", "W_v": (d, D)}``."""
        return {k: (self.model_size, self.input_size) for k in ("W_q", "W_k", "W_v")}

    def num_params(self):
        """``3 d D``."""
        return 3 * self.model_size * self.input_size

    def init(self, rng, dtype=np.float64):
        """New Xavier-uniform parameters."""
        check_rng(rng)
        dtype = check_dtype("dtype", dtype)
        return {k: xavier_uniform(rng, s, dtype) for k, s in self.param_shapes().items()}

    def _params(self, params):
        return check_params(params, {k: (s, "(d, D)") for k, s in self.param_shapes().items()}, repr(self))

    def forward(self, params, X, mask=None, positions=None):
        """Self-attention over a batch of sequences.

        Parameters
        ----------
        params : dict
        X : array_like
            (T, B, D) inputs, time-major.
        mask : array_like of bool or None
            (T, B); False positions (padding) are not attended to.
        positions : array_like of int or None
            (T, B) the index t of each input in its own sequence (for
            left-padded batches, counted from the first real character);
            None means ``t`` = 0..T-1 for every sequence.

        Returns
        -------
        Y : numpy.ndarray
            (T, B, d) outputs.
        trace : dict
            "Z" (T, B, D) inputs plus encodings, "att" (the attention trace:
            "scores" and "weights" are (T, B, T)).
        """
        p = self._params(params)
        X = float_input("X", X, ("T", "B", "D"), {"D": self.input_size}, p["W_q"].dtype)
        T, B = X.shape[:2]
        if positions is None:
            P = positional_encoding(T, self.input_size, X.dtype)[:, None, :]
        else:
            pos = np.asarray(positions)
            if pos.dtype.kind not in "iu" or pos.shape != (T, B):
                fail(ValueError, "positions", f"integer ids of shape (T, B) = {(T, B)}",
                     f"dtype {pos.dtype} and shape {pos.shape}")
            table = positional_encoding(max(int(pos.max()) + 1, 1), self.input_size, X.dtype)
            P = table[np.maximum(pos, 0)]
        Z = X + P  # z_t = x_t + p_t
        Q, K, U = Z @ p["W_q"].T, Z @ p["W_k"].T, Z @ p["W_v"].T
        Y, att = dot_product_attention(Q, K, U, mask=mask)
        return Y, {"Z": Z, "att": att}

    def backward(self, params, trace, dY):
        """Exact gradients.

        ``dQ, dK, dU`` from :func:`rnnlib.attention.dot_product_attention_backward`, then
        ``dW_q = sum_t dq_t^T z_t`` (likewise k, v) and
        ``dx_t = dq_t W_q + dk_t W_k + du_t W_v`` (the encodings are constants).

        Parameters
        ----------
        params : dict
        trace : dict
            Returned by ``forward``.
        dY : array_like
            (T, B, d) dLoss/dY.

        Returns
        -------
        dict
            "W_q", "W_k", "W_v" (d, D) and "X" (T, B, D).
        """
        p = self._params(params)
        if not isinstance(trace, dict) or "Z" not in trace or "att" not in trace:
            fail(TypeError, "trace", "the dict returned by SelfAttention.forward", type(trace).__name__)
        g = dot_product_attention_backward(trace["att"], dY)
        Z = trace["Z"]
        Z2 = Z.reshape(-1, Z.shape[2])
        grads, dX = {}, 0
        for name, key in (("W_q", "Q"), ("W_k", "K"), ("W_v", "V")):
            d2 = g[key].reshape(-1, self.model_size)
            grads[name] = d2.T @ Z2  # back through q_t = W_q z_t
            dX = dX + d2 @ p[name]  # and into z_t = x_t + p_t
        grads["X"] = dX.reshape(Z.shape)
        return grads
