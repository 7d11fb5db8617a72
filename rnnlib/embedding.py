"""Token embeddings: a learned lookup table from integer ids to vectors.

An ``Embedding`` maps each id in ``0..V-1`` to one row of a table::

    params["W"]: (V, E)          row v is the vector of token v
    out[..., :] = W[ids[...]]    e.g. ids (T, B) -> out (T, B, E), time-major

This is the same function as multiplying a one-hot vector by ``W.T``
(``W.T @ one_hot(v) = W[v]``), without building the one-hot matrix.

Backward. Each output row is a copy of a row of W, so the gradient of W is
the sum of the upstream gradients of every position that looked that row up::

    dW[v] = sum over positions p with ids[p] == v of dout[p]

A token that appears several times in the batch collects every one of its
gradients (``np.add.at``; a plain ``dW[ids] += dout`` would keep only one
of the repeats). Rows that were not looked up get zero.

Like the cells, an ``Embedding`` holds configuration only: ``forward``
returns the output and a trace, ``backward`` returns gradients and never
updates the table. ``padding_idx`` behaves as in ``torch.nn.Embedding``: that
row starts at zero and never receives a gradient.

Example
-------
>>> import numpy as np
>>> from rnnlib import Embedding
>>> emb = Embedding(num_embeddings=5, embedding_dim=3)
>>> params = emb.init(np.random.default_rng(0))
>>> ids = np.array([[1, 4], [1, 0]])            # (T, B) = (2, 2) token ids
>>> out, trace = emb.forward(params, ids)
>>> out.shape
(2, 2, 3)
>>> dW = emb.backward(params, trace, np.ones((2, 2, 3)))["W"]
>>> dW[:, 0].tolist()                           # id 1 was looked up twice
[1.0, 2.0, 0.0, 0.0, 1.0]
"""

import numpy as np

from rnnlib._cell import Trace
from rnnlib._frozen import Frozen
from rnnlib._checks import (
    as_float_array, check_dtype, check_finite, check_finite_params, check_int, check_params, check_real, check_rng,
    check_same_shape, check_size, fail,
)

__all__ = ["Embedding"]


class Embedding(Frozen):
    """Lookup table of V vectors of size E (see the module docstring).

    Parameters
    ----------
    num_embeddings : int
        V, the number of ids (vocabulary size); valid ids are ``0..V-1``.
    embedding_dim : int
        E, the size of each vector.
    padding_idx : int or None, optional
        An id whose row is initialised to zeros and gets no gradient (as in
        ``torch.nn.Embedding``), for a padding token. None (default): none.

    Notes
    -----
    Parameters ``{"W": (V, E)}``; ``num_params() = V * E``.
    Trace keys: "ids" (a read-only copy of the ids, any shape).
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None):
        V = check_size("num_embeddings", num_embeddings)
        E = check_size("embedding_dim", embedding_dim)
        if padding_idx is not None:
            padding_idx = check_int("padding_idx", padding_idx, 0, V - 1, expected=f"an int in [0, {V}) or None")
        self._set(num_embeddings=V, embedding_dim=E, padding_idx=padding_idx)

    def __repr__(self):
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"Embedding(num_embeddings={self.num_embeddings}, embedding_dim={self.embedding_dim}{pad})"

    def param_shapes(self):
        """Dict ``{"W": (V, E)}``."""
        return {"W": (self.num_embeddings, self.embedding_dim)}

    def num_params(self):
        """Total number of scalar parameters, ``V * E``."""
        return self.num_embeddings * self.embedding_dim

    def _params(self, params):
        return check_params(params, {"W": (self.param_shapes()["W"], "(V, E)")}, repr(self))

    def init(self, rng, dtype=np.float64, std=1.0):
        """New parameters: every entry drawn from ``N(0, std^2)``.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness.
        dtype : numpy dtype, optional
            float64 (default) or float32.
        std : float, optional
            Standard deviation (default 1.0, as ``torch.nn.Embedding``).

        Returns
        -------
        dict
            ``{"W": (V, E)}``; the ``padding_idx`` row (if any) is zero.
        """
        check_rng(rng)
        dtype = check_dtype("dtype", dtype)
        std = check_real("std", std, 0)
        W = (std * rng.standard_normal(self.param_shapes()["W"])).astype(dtype)
        if self.padding_idx is not None:
            W[self.padding_idx] = 0
        return {"W": W}

    def _ids(self, ids):
        """``ids`` as a new integer ndarray; TypeError/ValueError unless every entry is in [0, V)."""
        try:
            arr = np.asarray(ids)
        except ValueError as exc:  # ragged nested lists
            fail(TypeError, "ids", "an integer array", f"{type(ids).__name__} ({exc})")
        V = self.num_embeddings
        if arr.dtype.kind not in "iu":
            fail(TypeError, "ids", f"an integer array (token ids in [0, {V}))", f"dtype {arr.dtype}")
        if arr.size and (arr.min() < 0 or arr.max() >= V):
            bad = np.argwhere((arr < 0) | (arr >= V))[0]
            first = tuple(int(i) for i in bad)
            fail(ValueError, "ids", f"ids in [0, {V}) (num_embeddings={V})", f"{arr[first]} at index {first}")
        return arr.astype(np.intp)  # a copy: the trace never shares memory with the caller's ids

    def forward(self, params, ids):
        """Look up the rows of W: ``out[...] = W[ids[...]]``.

        Parameters
        ----------
        params : dict
            ``{"W": (V, E)}``; its dtype (float64 or float32) is the output's.
        ids : array_like of int
            Token ids of any shape S, e.g. (T, B) time-major, each in
            ``[0, V)``; never modified.

        Returns
        -------
        out : numpy.ndarray
            S + (E,), e.g. (T, B, E): a new array (changing it does not
            change W).
        trace : Trace
            "ids": a read-only copy of the ids (S); what ``backward`` needs.
        """
        p = self._params(params)
        check_finite_params(p)  # NaN/inf rows would run silently into NaN outputs
        ids = self._ids(ids)
        out = p["W"][ids]  # fancy indexing copies
        ids.flags.writeable = False
        return out, Trace(ids=ids)

    def backward(self, params, trace, dout):
        """Gradient of the table: ``dW[v] = sum_{p: ids[p] = v} dout[p]``.

        Parameters
        ----------
        params : dict
            The parameters used by ``forward``.
        trace : Trace
            Returned by ``forward``.
        dout : array_like
            S + (E,): dLoss/dout, the shape of ``forward``'s output.

        Returns
        -------
        dict
            ``{"W": (V, E)}``: repeated ids accumulate (``np.add.at``), rows
            not looked up and the ``padding_idx`` row are zero. Weights are
            not changed. (Ids are integers: they have no gradient.)
        """
        p = self._params(params)
        W = p["W"]
        if not isinstance(trace, Trace) or "ids" not in trace:
            fail(TypeError, "trace", "the Trace returned by Embedding.forward", type(trace).__name__)
        ids = self._ids(trace["ids"])
        E = self.embedding_dim
        dout = as_float_array("dout", dout, W.dtype)
        check_same_shape("dout", dout, "forward's output, ids.shape + (E,)", ids.shape + (E,))
        check_finite("dout", dout)
        dW = np.zeros_like(W)
        np.add.at(dW, ids.reshape(-1), dout.reshape(-1, E))  # repeated ids add up
        if self.padding_idx is not None:
            dW[self.padding_idx] = 0
        return {"W": dW}
