"""Numerically stable activation functions.

All functions take and return numpy arrays of any shape and never warn, even
for inputs of +-1000 or more:

- ``sigmoid(z) = 1 / (1 + exp(-z))`` is computed as ``0.5 * tanh(0.5 * z) + 0.5``,
  an identity that never forms ``exp`` of a large number;
- ``softmax`` and ``log_softmax`` subtract the maximum along ``axis`` first,
  which leaves the result unchanged and keeps every ``exp`` at most 1.
"""

import numpy as np

__all__ = ["sigmoid", "tanh", "softmax", "log_softmax"]

SECTIONS = """
Parameters
----------
z : array_like
    {z}{axis}

Returns
-------
numpy.ndarray
    {out}, same shape as ``z``.
"""
AXIS = """
axis : int, optional
    Axis of the classes, over which the probabilities sum to 1 (default: last)."""


def _doc(z="Pre-activation of any shape.", axis="", out=""):
    def decorate(fn):
        fn.__doc__ = fn.__doc__.strip() + "\n" + SECTIONS.format(z=z, axis=axis, out=out)
        return fn

    return decorate


@_doc(out="Values in [0, 1]")
def sigmoid(z):
    """Logistic sigmoid, ``sigmoid(z) = 1 / (1 + exp(-z)) = 0.5 * tanh(0.5 * z) + 0.5``."""
    out = np.asarray(np.multiply(z, 0.5))
    return sigmoid_from_half_(out)[()]  # [()]: a scalar for scalar input


def sigmoid_from_half_(a):
    """In place: ``a <- sigmoid(2 a) = 0.5 * tanh(a) + 0.5``; returns ``a``.

    The cells pre-scale the sigmoid gates' weights by 0.5 (exact in floating
    point), so that their pre-activation arrives already halved.
    """
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def sigmoid_grad_from_output(s, out):
    """``out <- s * (1 - s)``, the derivative of the sigmoid written from its output s; returns ``out``."""
    np.subtract(1, s, out=out)
    out *= s
    return out


def tanh_grad_from_output(y, out):
    """``out <- 1 - y^2``, the derivative of tanh written from its output y; returns ``out``."""
    np.multiply(y, y, out=out)
    np.subtract(1, out, out=out)
    return out


@_doc(out="Values in [-1, 1]")
def tanh(z):
    """Hyperbolic tangent, ``tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z))``."""
    return np.tanh(z)


@_doc(z="Scores (logits) of any shape, e.g. (B, O).", axis=AXIS, out="Probabilities")
def softmax(z, axis=-1):
    """Softmax along ``axis``: ``p_k = exp(z_k - m) / sum_j exp(z_j - m)``, ``m = max_j z_j``."""
    shifted = np.subtract(z, np.max(z, axis=axis, keepdims=True))
    np.exp(shifted, out=shifted)
    shifted /= np.sum(shifted, axis=axis, keepdims=True)
    return shifted


@_doc(z="Scores (logits) of any shape, e.g. (B, O).", axis=AXIS, out="Log-probabilities (all <= 0)")
def log_softmax(z, axis=-1):
    """Logarithm of the softmax: ``log p_k = z_k - m - log(sum_j exp(z_j - m))``."""
    shifted = np.subtract(z, np.max(z, axis=axis, keepdims=True))
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
