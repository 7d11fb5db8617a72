"""Attention: additive (Bahdanau) and scaled dot-product (Luong, Vaswani), with masks.

Time-major like the cells: queries ``Q`` (Tq, B, Dq), keys ``K`` (Tk, B, Dk),
values ``V`` (Tk, B, Dv). For every query q_t and every key k_s a score
e_{t,s}; a softmax over the keys turns the scores of one query into weights
that sum to 1; the context is the weighted sum of the values::

    additive     e_{t,s} = v^T tanh(W_q q_t + W_k k_s)         (Bahdanau et al., 2015)
    dot-product  e_{t,s} = q_t^T k_s / sqrt(d)                  (Luong et al., 2015; Vaswani et al., 2017)
    weights      a_{t,s} = exp(e_{t,s}) / sum_{s'} exp(e_{t,s'})   (only over keys the mask keeps)
    context      c_t     = sum_s a_{t,s} v_s

Arrays of scores and weights are ``(Tq, B, Tk)``: ``a[t, b]`` is the weight
distribution of query t of sequence b over the keys. A mask is ``(Tk, B)``
(the layout of a padded batch of sequences): ``mask[s, b]`` True means key s
of sequence b takes part, False (padding) gets weight exactly 0. Every
query needs at least one key.

Backward (``dC`` = dLoss/dcontext, (Tq, B, Dv))::

    dV[s]   = sum_t a_{t,s} dC_t
    da_{t,s} = dC_t . v_s
    de_{t,s} = a_{t,s} (da_{t,s} - sum_{s'} a_{t,s'} da_{t,s'})    back through the softmax
    dot:      dQ_t = sum_s de_{t,s} k_s / sqrt(d),  dK_s = sum_t de_{t,s} q_t / sqrt(d)
    additive: U = tanh(W_q q_t + W_k k_s) (Tq, B, Tk, A), dv = sum de U,
              dZ = de v (1 - U^2),  dW_q = sum dZ^T q,  dQ = (sum_s dZ) W_q, (keys likewise)

Weights in the math orientation ``(out, in)``: ``W_q`` (A, Dq), ``W_k`` (A, Dk),
``v`` (A,). Nothing keeps per-call state; forward returns a read-only trace.
"""

import numpy as np

from rnnlib._checks import check_dtype, check_keys, check_params, check_rng, check_size, fail, float_input
from rnnlib.init import uniform_pytorch

__all__ = ["masked_softmax", "masked_softmax_backward", "dot_product_attention", "dot_product_attention_backward",
           "AdditiveAttention"]


def _mask(mask, Tk, B):
    """A (Tk, B) bool mask (None -> all True) as (B, Tk) for broadcasting over queries."""
    if mask is None:
        return None
    m = np.asarray(mask)
    if m.dtype != bool:
        fail(TypeError, "mask", "a bool array (True = the key takes part)", f"dtype {m.dtype}")
    if m.shape != (Tk, B):
        fail(ValueError, "mask", f"shape (Tk, B) = {(Tk, B)}", m.shape)
    if not m.any(axis=0).all():
        b = int(np.argmin(m.any(axis=0)))
        fail(ValueError, "mask", "at least one True key per sequence", f"sequence {b} has none")
    return m.T


def masked_softmax(scores, mask=None):
    """Softmax over the last axis (the keys), with masked keys getting weight 0.

    Parameters
    ----------
    scores : array_like
        (Tq, B, Tk) scores e_{t,s}.
    mask : array_like of bool or None
        (Tk, B); False keys get weight exactly 0. None keeps every key.

    Returns
    -------
    numpy.ndarray
        (Tq, B, Tk) weights; each row sums to 1 over the kept keys.
    """
    e = float_input("scores", scores, ("Tq", "B", "Tk"), {}, None)
    m = _mask(mask, e.shape[2], e.shape[1])
    return _softmax(e, m)


def _softmax(e, m):
    if m is not None:
        e = np.where(m[None], e, -np.inf)  # masked keys: exp(-inf) = 0
    z = e - e.max(axis=-1, keepdims=True)
    a = np.exp(z)
    a /= a.sum(axis=-1, keepdims=True)
    return a


def masked_softmax_backward(weights, dweights):
    """Back through the softmax: ``de = a * (da - sum_s a da)`` (masked keys, a = 0, get 0).

    Parameters
    ----------
    weights : array_like
        (Tq, B, Tk) the softmax output a.
    dweights : array_like
        (Tq, B, Tk) dLoss/da.

    Returns
    -------
    numpy.ndarray
        (Tq, B, Tk) dLoss/de.
    """
    a = float_input("weights", weights, ("Tq", "B", "Tk"), {}, None)
    da = float_input("dweights", dweights, ("Tq", "B", "Tk"), dict(zip(("Tq", "B", "Tk"), a.shape)), a.dtype)
    return a * (da - np.sum(a * da, axis=-1, keepdims=True))


def _qkv(Q, K, V, dtype=None, Dq=None, Dk=None):
    Q = float_input("Q", Q, ("Tq", "B", "Dq"), {} if Dq is None else {"Dq": Dq}, dtype)
    K = float_input("K", K, ("Tk", "B", "Dk"), {"B": Q.shape[1], **({} if Dk is None else {"Dk": Dk})}, Q.dtype)
    V = float_input("V", V, ("Tk", "B", "Dv"), {"Tk": K.shape[0], "B": Q.shape[1]}, Q.dtype)
    return Q, K, V


def _readonly(trace):
    for v in trace.values():
        if isinstance(v, np.ndarray):
            v.flags.writeable = False
    return trace


def _bmm(X, Y):
    """Per-sequence products of time-major arrays, ``out[:, b] = X[:, b] @ Y[:, b]`` (batched BLAS)."""
    return np.matmul(X.transpose(1, 0, 2), Y.transpose(1, 0, 2)).transpose(1, 0, 2)


def _context(a, V):
    """c_t = sum_s a_{t,s} v_s: (Tq, B, Tk) x (Tk, B, Dv) -> (Tq, B, Dv)."""
    return _bmm(a, V)


def _context_backward(a, V, dC):
    """dV and da of ``c = a V``."""
    dV = _bmm(a.transpose(2, 1, 0), dC)  # dV_s = sum_t a_{t,s} dC_t
    da = _bmm(dC, V.transpose(2, 1, 0))  # da_{t,s} = dC_t . v_s
    return dV, da


def _dC(trace, dcontext):
    Tq, B, _ = trace["Q"].shape
    Dv = trace["V"].shape[2]
    return float_input("dcontext", dcontext, ("Tq", "B", "Dv"), {"Tq": Tq, "B": B, "Dv": Dv}, trace["Q"].dtype)


def dot_product_attention(Q, K, V, mask=None, scale=None):
    """Scaled dot-product attention: ``e = q_t . k_s * scale``, softmax over keys, ``c_t = sum_s a v_s``.

    Parameters
    ----------
    Q : array_like
        (Tq, B, D) queries.
    K : array_like
        (Tk, B, D) keys (the same D as the queries).
    V : array_like
        (Tk, B, Dv) values.
    mask : array_like of bool or None
        (Tk, B); False keys (padding) get weight 0.
    scale : float or None
        Default ``1 / sqrt(D)`` (Vaswani et al.); 1.0 gives Luong's "dot" score.

    Returns
    -------
    context : numpy.ndarray
        (Tq, B, Dv).
    trace : dict
        Read-only "Q", "K", "V", "scores" (Tq, B, Tk), "weights" (Tq, B, Tk),
        "mask" ((Tk, B) or None), "scale".
    """
    Q, K, V = _qkv(Q, K, V)
    if K.shape[2] != Q.shape[2]:
        fail(ValueError, "K", f"shape (Tk, B, D) with D={Q.shape[2]} (the queries' D)", K.shape)
    scale = 1.0 / np.sqrt(Q.shape[2]) if scale is None else float(scale)
    m = _mask(mask, K.shape[0], Q.shape[1])
    e = _bmm(Q, K.transpose(2, 1, 0)) * scale  # e_{t,s} = q_t . k_s * scale
    a = _softmax(e, m)
    C = _context(a, V)
    trace = {"Q": Q.copy(), "K": K.copy(), "V": V.copy(), "scores": e, "weights": a,
             "mask": None if m is None else m.T.copy()}
    _readonly(trace)
    trace["scale"] = scale
    return C, trace


def dot_product_attention_backward(trace, dcontext):
    """Exact gradients of dot-product attention.

    Parameters
    ----------
    trace : dict
        Returned by :func:`dot_product_attention`.
    dcontext : array_like
        (Tq, B, Dv) dLoss/dcontext.

    Returns
    -------
    dict
        "Q" (Tq, B, D), "K" (Tk, B, D), "V" (Tk, B, Dv).
    """
    check_keys("trace", trace, ("Q", "K", "V", "weights", "scale"), what="entry")
    dC = _dC(trace, dcontext)
    Q, K, V, a, scale = trace["Q"], trace["K"], trace["V"], trace["weights"], trace["scale"]
    dV, da = _context_backward(a, V, dC)
    de = a * (da - np.sum(a * da, axis=-1, keepdims=True)) * scale  # back through softmax and the scale
    return {"Q": _bmm(de, K), "K": _bmm(de.transpose(2, 1, 0), Q), "V": dV}


class AdditiveAttention:
    """Additive (Bahdanau) attention: ``e_{t,s} = v^T tanh(W_q q_t + W_k k_s)``.

    Parameters
    ----------
    query_size : int
        Dq, the size of a query (for a decoder, its hidden size).
    key_size : int
        Dk, the size of a key (for an encoder, its output size).
    attn_size : int
        A, the size of the hidden layer that compares them.

    Notes
    -----
    Parameters ``{"W_q": (A, Dq), "W_k": (A, Dk), "v": (A,)}``. Bahdanau et
    al. (2015) write ``v_a^T tanh(W_a s_{i-1} + U_a h_j)``; the names here are
    the book's. The values may be any (Tk, B, Dv) array; in the encoder-decoder
    they are the keys themselves (the encoder's states).
    """

    def __init__(self, query_size, key_size, attn_size):
        self.query_size = check_size("query_size", query_size)
        self.key_size = check_size("key_size", key_size)
        self.attn_size = check_size("attn_size", attn_size)

    def __repr__(self):
        return (f"AdditiveAttention(query_size={self.query_size}, key_size={self.key_size}, "
                f"attn_size={self.attn_size})")

    def param_shapes(self):
        """``{"W_q": (A, Dq), "W_k": (A, Dk), "v": (A,)}``."""
        A = self.attn_size
        return {"W_q": (A, self.query_size), "W_k": (A, self.key_size), "v": (A,)}

    def num_params(self):
        """``A * (Dq + Dk + 1)``."""
        return self.attn_size * (self.query_size + self.key_size + 1)

    def init(self, rng, dtype=np.float64):
        """New parameters, each uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in))`` (fan_in Dq, Dk and A)."""
        check_rng(rng)
        dtype = check_dtype("dtype", dtype)
        shapes = self.param_shapes()
        fans = {"W_q": self.query_size, "W_k": self.key_size, "v": self.attn_size}
        return {k: uniform_pytorch(rng, s, fans[k], dtype) for k, s in shapes.items()}

    def _params(self, params):
        symbolic = {"W_q": "(A, Dq)", "W_k": "(A, Dk)", "v": "(A,)"}
        shapes = {k: (s, symbolic[k]) for k, s in self.param_shapes().items()}
        return check_params(params, shapes, repr(self))

    def scores(self, params, Q, K):
        """The scores alone, ``e_{t,s} = v^T tanh(W_q q_t + W_k k_s)``: (Tq, B, Tk)."""
        p = self._params(params)
        Q = float_input("Q", Q, ("Tq", "B", "Dq"), {"Dq": self.query_size}, p["v"].dtype)
        K = float_input("K", K, ("Tk", "B", "Dk"), {"B": Q.shape[1], "Dk": self.key_size}, p["v"].dtype)
        U = np.tanh((Q @ p["W_q"].T)[:, :, None, :] + (K @ p["W_k"].T).transpose(1, 0, 2)[None])
        return U @ p["v"]

    def forward(self, params, Q, K, V, mask=None):
        """Attend from every query to the keys.

        Parameters
        ----------
        params : dict
            ``{"W_q": (A, Dq), "W_k": (A, Dk), "v": (A,)}`` (other keys ignored).
        Q : array_like
            (Tq, B, Dq) queries.
        K : array_like
            (Tk, B, Dk) keys.
        V : array_like
            (Tk, B, Dv) values.
        mask : array_like of bool or None
            (Tk, B); False keys (padding) get weight 0.

        Returns
        -------
        context : numpy.ndarray
            (Tq, B, Dv), ``c_t = sum_s a_{t,s} v_s``.
        trace : dict
            Read-only "Q", "K", "V", "U" (Tq, B, Tk, A) = tanh(W_q q_t + W_k k_s),
            "scores" (Tq, B, Tk), "weights" (Tq, B, Tk), "mask".
        """
        p = self._params(params)
        Q, K, V = _qkv(Q, K, V, p["v"].dtype, self.query_size, self.key_size)
        m = _mask(mask, K.shape[0], Q.shape[1])
        Pq = Q @ p["W_q"].T  # (Tq, B, A): W_q q_t
        Pk = (K @ p["W_k"].T).transpose(1, 0, 2)  # (B, Tk, A): W_k k_s
        U = np.tanh(Pq[:, :, None, :] + Pk[None])  # (Tq, B, Tk, A)
        e = U @ p["v"]  # (Tq, B, Tk): v^T U
        a = _softmax(e, m)
        C = _context(a, V)
        trace = {"Q": Q.copy(), "K": K.copy(), "V": V.copy(), "U": U, "scores": e, "weights": a,
                 "mask": None if m is None else m.T.copy()}
        return C, _readonly(trace)

    def backward(self, params, trace, dcontext):
        """Exact gradients of additive attention.

        Parameters
        ----------
        params : dict
            The parameters used by ``forward``.
        trace : dict
            Returned by ``forward``.
        dcontext : array_like
            (Tq, B, Dv) dLoss/dcontext.

        Returns
        -------
        dict
            "W_q" (A, Dq), "W_k" (A, Dk), "v" (A,), "Q" (Tq, B, Dq),
            "K" (Tk, B, Dk), "V" (Tk, B, Dv). Weights are not changed.
        """
        p = self._params(params)
        check_keys("trace", trace, ("Q", "K", "V", "U", "weights"), what="entry")
        dC = _dC(trace, dcontext)
        Q, K, V, U, a = trace["Q"], trace["K"], trace["V"], trace["U"], trace["weights"]
        dV, da = _context_backward(a, V, dC)
        de = a * (da - np.sum(a * da, axis=-1, keepdims=True))  # back through the softmax
        A = self.attn_size
        dv = de.reshape(-1) @ U.reshape(-1, A)  # e = U v
        dZ = U * U
        np.subtract(1.0, dZ, out=dZ)
        dZ *= p["v"]
        dZ *= de[..., None]  # dZ = de v (1 - U^2): back through v^T and tanh, (Tq, B, Tk, A)
        dPq = dZ.sum(axis=2)  # (Tq, B, A)
        dPk = dZ.sum(axis=0).transpose(1, 0, 2)  # (Tk, B, A)
        return {
            "W_q": dPq.reshape(-1, A).T @ Q.reshape(-1, Q.shape[2]),  # Pq = Q W_q^T
            "W_k": dPk.reshape(-1, A).T @ K.reshape(-1, K.shape[2]),
            "v": dv,
            "Q": dPq @ p["W_q"],
            "K": dPk @ p["W_k"],
            "V": dV,
        }
