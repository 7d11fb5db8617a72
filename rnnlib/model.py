"""A sequence model: any recurrent cell followed by an output head.

::

    H_seq, trace = cell.forward(params, X, state)       # (T, B, H)
    h = H_seq[-1]            if output == "last"         # (B, H):    one output per sequence
    h = H_seq                if output == "all"          # (T, B, H): one output per step
    z = h @ W_y.T + b_y                                  # logits
    Y = act(z)                                           # linear / sigmoid / softmax head

Parameters live in one flat dict: the cell's keys (``"W"``, ``"b"``, and
``"b_hn"`` for the PyTorch GRU) plus the head's ``"W_y"`` (O, H) and
``"b_y"`` (O,). That dict is what the optimizers, the clipping functions and
:func:`rnnlib.io.save_params` work on.

Losses are named: ``"mse"`` (any head), ``"bce"`` (sigmoid head, computed
from the logits), ``"ce"`` (softmax head, computed from the logits); the
default is the one that goes with the head: linear -> mse, sigmoid -> bce,
softmax -> ce. Targets ``Y`` have the shape of the output, (B, O) or
(T, B, O), except for ``"ce"`` where they are integer class ids of shape
(B,) or (T, B).
"""

import numpy as np

from rnnlib._checks import check_option, fail
from rnnlib.heads import HEAD_KINDS, Head
from rnnlib.losses import get_loss

__all__ = ["SequenceModel", "HEAD_KEYS"]

#: Parameter keys that belong to the head.
HEAD_KEYS = ("W_y", "b_y")

_DEFAULT_LOSS = {"linear": "mse", "sigmoid": "bce", "softmax": "ce"}
_LOSS_HEAD = {"bce": "sigmoid", "ce": "softmax"}


class SequenceModel:
    """Cell + head, with exact gradients of a loss for every parameter.

    Parameters
    ----------
    cell : RNN, LSTM or GRU
        Any rnnlib cell (anything with ``input_size``, ``hidden_size``,
        ``init``, ``forward``, ``backward``, ``run``, ``step``).
    head_kind : {"linear", "sigmoid", "softmax"}
        The output activation (see :mod:`rnnlib.heads`).
    output_size : int
        O, the number of outputs (classes for softmax).
    output : {"last", "all"}
        ``"last"``: one output per sequence, from the final hidden state
        (the stock predictor, the adding problem). ``"all"``: one output at
        every step (the character model).
    """

    def __init__(self, cell, head_kind, output_size, output="last"):
        for attr in ("input_size", "hidden_size", "init", "forward", "backward", "run"):
            if not hasattr(cell, attr):
                fail(TypeError, "cell", "an rnnlib cell (RNN, LSTM, GRU)", f"{type(cell).__name__}")
        self.cell = cell
        self.head = Head(cell.hidden_size, output_size, check_option("head_kind", head_kind, HEAD_KINDS))
        self.output = check_option("output", output, ("last", "all"))

    def __repr__(self):
        return (
            f"SequenceModel({self.cell!r}, head_kind={self.head_kind!r}, "
            f"output_size={self.output_size}, output={self.output!r})"
        )

    @property
    def head_kind(self):
        return self.head.kind

    @property
    def output_size(self):
        return self.head.output_size

    @property
    def default_loss(self):
        """The loss that goes with the head: "mse", "bce" or "ce"."""
        return _DEFAULT_LOSS[self.head.kind]

    def num_params(self):
        """Number of scalars in the cell and the head."""
        return self.cell.num_params() + self.head.num_params()

    def init(self, rng, dtype=np.float64, **cell_kwargs):
        """New params: ``cell.init(rng, dtype, **cell_kwargs)`` plus the head's ``W_y``, ``b_y``.

        ``cell_kwargs`` go to the cell (e.g. ``scheme="orthogonal"``,
        ``forget_bias=1.0`` for the LSTM).
        """
        params = dict(self.cell.init(rng, dtype=dtype, **cell_kwargs))
        params.update(self.head.init(rng, dtype=dtype))
        return params

    def cell_params(self, params):
        """The cell's part of the flat params dict (a new dict of the same arrays)."""
        if not isinstance(params, dict):
            fail(TypeError, "params", "a dict of numpy arrays", f"{type(params).__name__}")
        return {k: v for k, v in params.items() if k not in HEAD_KEYS}

    def _select(self, H_seq):
        return H_seq[-1] if self.output == "last" else H_seq

    def forward(self, params, X, state=None):
        """Run the model on a batch of sequences.

        Parameters
        ----------
        params : dict
        X : ndarray, shape (T, B, D)
        state : dict, optional
            Initial state ``{"h": (B, H)}`` (+ ``"c"`` for the LSTM); zeros if None.

        Returns
        -------
        Y : ndarray, shape (B, O) for output="last", (T, B, O) for "all"
        cache : dict
            ``{"H_seq", "trace", "head"}``: the hidden states (T, B, H), the
            cell's trace (every gate at every step; ``trace.final_state`` is
            the state after the last step) and the head's cache (with the
            logits ``"z"``).
        """
        H_seq, trace = self.cell.forward(self.cell_params(params), X, state)
        Y, head_cache = self.head.forward(params, self._select(H_seq))
        return Y, {"H_seq": H_seq, "trace": trace, "head": head_cache}

    def predict(self, params, X, state=None):
        """The outputs only, shape (B, O) or (T, B, O).

        For ``output="last"`` it uses ``cell.run`` (no trace), so memory does
        not grow with T.
        """
        if self.output == "last":
            final = self.cell.run(self.cell_params(params), X, state)
            return self.head.forward(params, final["h"])[0]
        return self.forward(params, X, state)[0]

    def _loss_name(self, loss):
        name = self.default_loss if loss is None else check_option("loss", loss, ("mse", "bce", "ce"))
        need = _LOSS_HEAD.get(name)
        if need is not None and self.head.kind != need:
            fail(ValueError, "loss", f"a loss this model's {self.head.kind!r} head supports, e.g. 'mse'",
                 f"{name!r}, which needs a {need!r} head (it is computed from its logits); "
                 f"use loss='mse' or head_kind={need!r}")
        return name

    def _check_targets(self, name, Y, out_shape):
        Y = np.asarray(Y)
        if name == "ce":
            expected = out_shape[:-1]
            letters = "(B,)" if self.output == "last" else "(T, B)"
        else:
            expected = out_shape
            letters = "(B, O)" if self.output == "last" else "(T, B, O)"
        if Y.shape != expected:
            fail(ValueError, "Y", f"shape {letters} = {expected} for output={self.output!r} and loss={name!r}",
                 Y.shape)
        return Y

    def _loss_from_head(self, name, head_cache, Y):
        """``(loss, dy or dz keyword)`` from the head's cache."""
        fn = get_loss(name)
        if name == "mse":
            value, dy = fn(head_cache["y"], Y)
            return value, {"dy": dy}
        value, dz = fn(head_cache["z"], Y)
        return value, {"dz": dz}

    def loss(self, params, X, Y, loss=None, state=None):
        """The mean loss (a float) of the model on ``(X, Y)``, without gradients."""
        name = self._loss_name(loss)
        _, cache = self.forward(params, X, state)
        Y = self._check_targets(name, Y, cache["head"]["y"].shape)
        return self._loss_from_head(name, cache["head"], Y)[0]

    def loss_and_grads(self, params, X, Y, loss=None, state=None):
        """Loss and its exact gradient for every parameter (backpropagation through time).

        Parameters
        ----------
        params : dict
        X : ndarray, shape (T, B, D)
        Y : ndarray
            (B, O) / (T, B, O) targets, or for ``loss="ce"`` integer class
            ids of shape (B,) / (T, B).
        loss : {"mse", "bce", "ce"}, optional
            Default: :attr:`default_loss`. Means over batch and outputs (and
            time for output="all"); see :mod:`rnnlib.losses`.
        state : dict, optional
            Initial state; zeros if None.

        Returns
        -------
        loss : float
        grads : dict
            Every key of ``params`` (same shapes), plus ``"X"`` (T, B, D),
            ``"h"`` (B, H) and, for the LSTM, ``"c"`` (B, H): the gradients
            of the inputs and of the initial state.
        final_state : dict
            The state after the last step (to carry into the next chunk).
        """
        name = self._loss_name(loss)
        _, cache = self.forward(params, X, state)
        head_cache, H_seq, trace = cache["head"], cache["H_seq"], cache["trace"]
        Y = self._check_targets(name, Y, head_cache["y"].shape)
        value, dout = self._loss_from_head(name, head_cache, Y)
        head_grads = self.head.backward(params, head_cache, **dout)
        if self.output == "last":
            dH_seq = np.zeros_like(H_seq)
            dH_seq[-1] = head_grads["h"]  # only the last hidden state feeds the head
        else:
            dH_seq = head_grads["h"]
        grads = dict(self.cell.backward(self.cell_params(params), trace, dH_seq))
        grads["W_y"] = head_grads["W_y"]
        grads["b_y"] = head_grads["b_y"]
        return value, grads, trace.final_state
