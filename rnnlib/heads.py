"""Output heads: the final layer that turns hidden states into the task's output.

One affine map followed by the activation the task calls for (chapter 1)::

    z = h @ W_y.T + b_y          # the book's  z = W_y h + b_y
    y = act(z)

======== =================================== ===============================
kind     act(z)                              task
======== =================================== ===============================
linear   z                                   regression (MSE)
sigmoid  1 / (1 + exp(-z))                   binary, or values in [0, 1]
softmax  exp(z_k) / sum_j exp(z_j) (last ax) one class out of O
======== =================================== ===============================

Parameters (math orientation ``(out, in)``): ``"W_y"`` of shape (O, H) and
``"b_y"`` of shape (O,). ``h`` may be one step ``(B, H)`` or a whole sequence
``(T, B, H)``: the head is applied at every position.
"""

import numpy as np

from rnnlib._checks import (
    as_float_array, check_dtype, check_finite_params, check_option, check_params, check_size, fail
)
from rnnlib.activations import sigmoid, softmax
from rnnlib.init import uniform_pytorch

__all__ = ["Head", "HEAD_KINDS"]

HEAD_KINDS = ("linear", "sigmoid", "softmax")


class Head:
    """A linear, sigmoid or softmax output layer (immutable, no per-call state).

    Parameters
    ----------
    input_size : int
        H, the size of the hidden state it reads.
    output_size : int
        O, the number of outputs (classes for softmax).
    kind : {"linear", "sigmoid", "softmax"}
    """

    def __init__(self, input_size, output_size, kind="linear"):
        self.input_size = check_size("input_size", input_size)
        self.output_size = check_size("output_size", output_size)
        self.kind = check_option("kind", kind, HEAD_KINDS)

    def __repr__(self):
        return f"Head(input_size={self.input_size}, output_size={self.output_size}, kind={self.kind!r})"

    def init(self, rng, dtype=np.float64):
        """New parameters ``{"W_y": (O, H), "b_y": (O,)}``, uniform in ``[-1/sqrt(H), 1/sqrt(H))``.

        This is PyTorch's ``nn.Linear`` default range.
        """
        dtype = check_dtype("dtype", dtype)
        H, O = self.input_size, self.output_size
        return {
            "W_y": uniform_pytorch(rng, (O, H), H, dtype),
            "b_y": uniform_pytorch(rng, (O,), H, dtype),
        }

    def num_params(self):
        """Number of scalars in ``W_y`` and ``b_y``: ``O * H + O``."""
        return self.output_size * (self.input_size + 1)

    def _params(self, params):
        H, O = self.input_size, self.output_size
        p = check_params(params, {"W_y": ((O, H), "(O, H)"), "b_y": ((O,), "(O,)")}, repr(self))
        return p["W_y"], p["b_y"]

    def _hidden(self, h, dtype):
        h = as_float_array("h", h, dtype)
        if h.ndim not in (2, 3) or h.shape[-1] != self.input_size or 0 in h.shape:
            fail(ValueError, "h", f"shape (B, H) or (T, B, H) with H={self.input_size}", h.shape)
        return h

    def logits(self, params, h):
        """The pre-activation ``z = h @ W_y.T + b_y``, shape ``h.shape[:-1] + (O,)``."""
        W_y, b_y = self._params(params)
        return self._hidden(h, W_y.dtype) @ W_y.T + b_y

    def activate(self, z):
        """``act(z)`` for this head's kind (stable at ``z = +-1000``)."""
        if self.kind == "sigmoid":
            return sigmoid(z)
        if self.kind == "softmax":
            return softmax(z, axis=-1)
        return np.array(z, copy=True)

    def forward(self, params, h):
        """Apply the head.

        Parameters
        ----------
        params : dict
            Holds ``"W_y"`` (O, H) and ``"b_y"`` (O,); other keys are ignored.
        h : ndarray, shape (B, H) or (T, B, H)

        Returns
        -------
        y : ndarray, shape (B, O) or (T, B, O)
            ``act(z)``.
        cache : dict
            ``{"h": h, "z": z, "y": y}`` for :meth:`backward`.

        Raises
        ------
        ValueError
            NaN or inf in "W_y" or "b_y" (the message names the array and
            the first bad index).
        """
        W_y, b_y = self._params(params)
        check_finite_params({"W_y": W_y, "b_y": b_y})
        h = self._hidden(h, W_y.dtype)
        z = h @ W_y.T + b_y
        y = self.activate(z)
        return y, {"h": h, "z": z, "y": y}

    def backward(self, params, cache, dy=None, dz=None):
        """Gradients of the head, from either ``dy`` or ``dz`` (exactly one).

        ``dy = dLoss/dy`` is taken back through the activation::

            linear:   dz = dy
            sigmoid:  dz = dy * y * (1 - y)
            softmax:  dz = y * (dy - sum(dy * y, axis=-1, keepdims=True))

        ``dz = dLoss/dz`` (what the with-logits losses of :mod:`rnnlib.losses`
        return) skips that step. Then, with ``z = h @ W_y.T + b_y``::

            dW_y = sum over positions of dz^T h     (O, H)
            db_y = sum over positions of dz         (O,)
            dh   = dz @ W_y                         (B, H) or (T, B, H)

        Returns
        -------
        dict
            ``{"W_y": dW_y, "b_y": db_y, "h": dh}``.
        """
        W_y, _ = self._params(params)
        if (dy is None) == (dz is None):
            fail(ValueError, "dy, dz", "exactly one of dy (dLoss/dy) and dz (dLoss/dz)",
                 "neither" if dy is None else "both")
        h, y = cache["h"], cache["y"]
        name = "dy" if dz is None else "dz"
        grad = as_float_array(name, dy if dz is None else dz, W_y.dtype)
        if grad.shape != y.shape:
            fail(ValueError, f"{name}", f"shape {y.shape} (the shape of y)", f"{grad.shape}")
        if dz is None:
            if self.kind == "sigmoid":
                grad = grad * y * (1.0 - y)  # back through sigmoid
            elif self.kind == "softmax":
                grad = y * (grad - np.sum(grad * y, axis=-1, keepdims=True))  # back through softmax
        O, H = W_y.shape
        dz2 = grad.reshape(-1, O)
        return {
            "W_y": dz2.T @ h.reshape(-1, H),  # back through z = h W_y^T
            "b_y": dz2.sum(axis=0),  # back through + b_y
            "h": grad @ W_y,  # into the hidden states
        }
