"""Losses for the three task cases, each returning ``(loss, gradient)``.

========================================  ===============  ============================
function                                  head             task
========================================  ===============  ============================
:func:`mse`                               linear (or any)  regression
:func:`binary_cross_entropy_with_logits`  sigmoid          binary (yes/no) targets
:func:`softmax_cross_entropy`             softmax          one class out of C
========================================  ===============  ============================

Every loss is a *mean*: over all elements (batch and outputs, and time steps
when the targets have a time axis) for :func:`mse` and the binary loss, over
all examples (every position but the class axis) for the softmax loss. So
the loss does not grow with the batch size, and the returned gradient carries
the matching ``1 / N``.

The two cross-entropies take the *logits* (the head's pre-activation ``z``),
not probabilities: computed from ``z`` they are exact and never overflow,
even at ``z = +-1000``, and their gradients are the simple ``p - y``. The
loss is a Python float; the gradient has the shape and dtype of the first
argument.
"""

import numpy as np

from rnnlib._checks import as_float_array, check_finite, check_option, fail
from rnnlib.activations import log_softmax, sigmoid, softmax

__all__ = ["mse", "binary_cross_entropy_with_logits", "softmax_cross_entropy", "LOSSES", "get_loss"]


def _pair(pred_name, pred, target_name, target):
    pred = as_float_array(pred_name, pred)
    check_finite(pred_name, pred)
    target = np.asarray(target)
    if target.dtype.kind not in "biuf":
        fail(TypeError, f"{target_name}", "a numeric array", f"dtype {target.dtype}")
    target = target.astype(pred.dtype, copy=False)
    if target.shape != pred.shape:
        fail(ValueError, f"{target_name}", f"the shape of {pred_name} {pred.shape}", f"{target.shape}")
    if pred.size == 0:
        fail(ValueError, f"{pred_name}", "at least one element", f"shape {pred.shape}")
    check_finite(target_name, target)
    return pred, target


def mse(y_pred, y):
    """Mean squared error.

    Equations (``N = y.size``, every element of every example)::

        loss    = sum((y_pred - y) ** 2) / N
        dy_pred = 2 * (y_pred - y) / N

    Parameters
    ----------
    y_pred : ndarray, shape (B, O) or (T, B, O) (any shape)
        Predictions (the head's output).
    y : ndarray, same shape as ``y_pred``
        Targets.

    Returns
    -------
    loss : float
    dy_pred : ndarray, shape and dtype of ``y_pred``
    """
    y_pred, y = _pair("y_pred", y_pred, "y", y)
    diff = y_pred - y
    n = diff.size
    return float(np.sum(diff * diff) / n), diff * (2.0 / n)


def binary_cross_entropy_with_logits(logits, y):
    """Binary cross-entropy of ``p = sigmoid(logits)`` against targets in [0, 1].

    Equations (``z = logits``, ``N = z.size``)::

        loss    = -sum(y * log(p) + (1 - y) * log(1 - p)) / N
                = sum(max(z, 0) - z * y + log1p(exp(-|z|))) / N    # the stable form computed
        dlogits = (sigmoid(z) - y) / N

    The stable form never exponentiates a positive number, so it is finite
    and warning-free at ``z = +-1000``.

    Parameters
    ----------
    logits : ndarray, shape (B, O) or (T, B, O) (any shape)
        Pre-activations of the sigmoid head.
    y : ndarray, same shape
        Targets in [0, 1] (usually 0 or 1).

    Returns
    -------
    loss : float
    dlogits : ndarray, shape and dtype of ``logits``
    """
    z, y = _pair("logits", logits, "y", y)
    if np.any((y < 0) | (y > 1)):
        fail(ValueError, "y", "targets in [0, 1]", f"values in [{y.min()}, {y.max()}]")
    n = z.size
    loss = np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))) / n
    return float(loss), (sigmoid(z) - y) / n


def softmax_cross_entropy(logits, labels):
    """Cross-entropy of ``p = softmax(logits)`` (over the last axis) against class labels.

    Equations (``z = logits`` of shape S + (C,), ``N = prod(S)`` examples,
    ``onehot[..., k] = (labels[...] == k)``)::

        loss    = -sum(log_softmax(z)[..., labels]) / N
        dlogits = (softmax(z) - onehot) / N

    ``log_softmax`` subtracts the row maximum first, so the loss is finite
    and warning-free at ``z = +-1000``.

    Parameters
    ----------
    logits : ndarray, shape (B, C) or (T, B, C) (any shape S + (C,))
        Pre-activations of the softmax head, classes on the last axis.
    labels : ndarray of int, shape S (``(B,)`` or ``(T, B)``)
        Class ids in ``[0, C)``.

    Returns
    -------
    loss : float
    dlogits : ndarray, shape and dtype of ``logits``
    """
    z = as_float_array("logits", logits)
    if z.ndim < 1 or z.size == 0:
        fail(ValueError, "logits", "shape S + (C,) with at least one element", f"{z.shape}")
    check_finite("logits", z)
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        fail(TypeError, "labels", "integer class ids", f"dtype {labels.dtype}")
    if labels.shape != z.shape[:-1]:
        fail(ValueError, "labels", f"shape {z.shape[:-1]} (logits.shape[:-1])", f"{labels.shape}")
    C = z.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= C):
        fail(ValueError, "labels", f"class ids in [0, {C})", f"values in [{labels.min()}, {labels.max()}]")
    n = labels.size
    idx = labels.astype(np.intp)[..., None]
    picked = np.take_along_axis(log_softmax(z), idx, axis=-1)
    dz = softmax(z)
    np.put_along_axis(dz, idx, np.take_along_axis(dz, idx, axis=-1) - 1.0, axis=-1)
    return float(-np.sum(picked) / n) + 0.0, dz / n  # + 0.0 turns -0.0 into 0.0


#: Loss names accepted by :class:`rnnlib.model.SequenceModel` and :func:`rnnlib.train.fit`.
LOSSES = {
    "mse": mse,
    "bce": binary_cross_entropy_with_logits,
    "ce": softmax_cross_entropy,
}


def get_loss(name):
    """The loss function for ``name`` in ``LOSSES`` ("mse", "bce", "ce")."""
    return LOSSES[check_option("loss", name, tuple(LOSSES))]
