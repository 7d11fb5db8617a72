"""Checkers of chapter 1 (from feed-forward to recurrence): one RNN step, a stable softmax."""

import numpy as np

from rnnlib.check.engine import Case, Slip, checker
from rnnlib.check.common import FLOAT32_HINT, cell_arrays, cell_cases, zero_inputs

__all__ = ["rnn_step", "softmax"]


def _sigmoid(a):
    from rnnlib.activations import sigmoid

    return sigmoid(a)


_RNN_SLIPS = (
    Slip(lambda x_t, h_prev, W_x, W_h, b: np.tanh(x_t @ W_x.T + h_prev @ W_h.T),
         "your h_t equals the step without the bias: did you add b?"),
    Slip(lambda x_t, h_prev, W_x, W_h, b: x_t @ W_x.T + h_prev @ W_h.T + b,
         "your h_t equals the sum before the nonlinearity: the new state goes through np.tanh."),
    Slip(lambda x_t, h_prev, W_x, W_h, b: _sigmoid(x_t @ W_x.T + h_prev @ W_h.T + b),
         "your h_t equals a sigmoid of the sum: the simple RNN's state uses tanh, with values in (-1, 1)."),
)
#: Calling any of these is writing the exercise with rnnlib's answer.
_RNN_FORBID = ("rnnlib.rnn.RNN.step", "rnnlib.rnn.RNN.run", "rnnlib.rnn.RNN.forward", "rnnlib.rnn.RNN._forward")


def _softmax_whole_array(z):
    e = np.exp(z - z.max())
    return e / e.sum()


_SOFTMAX_SLIPS = (
    Slip(_softmax_whole_array, "your p sums to 1 over the whole array, not over each row: normalise over the "
         "last axis only (axis=-1, keepdims=True)."),
)


@checker(
    "rnn_step(x_t, h_prev, W_x, W_h, b) -> h_t",
    summary=("`{name}` gives rnnlib's h_t for batches of 1 to 3, H=1, zero inputs, saturated tanh and float32"),
    hint=("compare each term with h_t = tanh(W^x x_t + W^h h_{t-1} + b); weights are stored (out, in), so "
         "for a batch the book's W^x x_t is `x_t @ W_x.T`."),
    more=("check the shapes: x_t (B, D) times W_x.T (D, H) and h_prev (B, H) times W_h.T (H, H) both give "
         "(B, H); add b, and apply the nonlinearity last."),
    slips=_RNN_SLIPS,
    forbid=_RNN_FORBID,
)
def rnn_step(seed=None):
    """Check one step of the simple RNN.

    The student's function::

        {signature}
        h_t = tanh(W^x x_t + W^h h_{t-1} + b)   i.e.   np.tanh(x_t @ W_x.T + h_prev @ W_h.T + b)

    with x_t (B, D), h_prev (B, H), W_x (H, D), W_h (H, H), b (H,), h_t (B, H).
    Reference: :meth:`rnnlib.rnn.RNN.step`.
    """
    from rnnlib.rnn import RNN

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = cell_arrays(rng, B, D, H, scale, dtype)
        if adjust:
            adjust(a)
        h_t = RNN(D, H).step({"W": a["W"], "b": a["b"]}, a["x_t"], {"h": a["h_prev"]})[0]
        return (a["x_t"], a["h_prev"], a["W"][:, :D], a["W"][:, D:], a["b"]), h_t

    special = [("zero input and zero state, so h_t = tanh(b)", 2, 3, 2, 0.5, np.float64, zero_inputs,
                "with zero x_t and h_prev only the bias is left: did you add b?")]
    return cell_cases(make, "h_t", special, seed)


@checker(
    "softmax(z) -> p",
    summary=("`{name}` matches rnnlib's softmax on vectors, batches, one score, z = +-1000 and float32"),
    hint=("softmax(z) = softmax(z - c) for any constant c: choose c so that np.exp never sees a large number, "
         "and normalise over the last axis only."),
    more=("subtract the maximum over the last axis (keepdims=True) before np.exp, then divide by the sum over "
         "the last axis (keepdims=True)."),
    slips=_SOFTMAX_SLIPS,
    forbid=("rnnlib.activations.softmax", "rnnlib.activations.log_softmax"),
)
def softmax(seed=None):
    """Check a numerically stable softmax over the last axis.

    The student's function::

        {signature},   p[..., k] = exp(z[..., k]) / sum_j exp(z[..., j])

    for z of any shape (V,) or (B, V); p has the shape of z. Must not
    overflow at z = 1000 (subtract the maximum first).
    Reference: :func:`rnnlib.activations.softmax`.
    """
    from rnnlib.activations import softmax as reference

    rng = np.random.default_rng(11 if seed is None else seed)
    inputs = (
        ("large scores, z = [1000, 999, 998]", np.array([1000.0, 999.0, 998.0]),
         "np.exp(1000) overflows: softmax(z) = softmax(z - c) for any c, so choose c to keep np.exp small."),
        ("very negative scores, z = [-1000, -1001]", np.array([-1000.0, -1001.0]),
         "np.exp(-1000) is 0 and 0 / 0 is nan: shift the scores before np.exp, as for large ones."),
        ("a batch of 3 rows of 4 scores", rng.standard_normal((3, 4)),
         "each row is its own distribution: normalise over the last axis with `keepdims=True`."),
        ("a vector of 5 scores", rng.standard_normal(5), None),
        ("a single score", np.array([2.5]), None),
        ("float32 scores", rng.standard_normal((2, 3)).astype(np.float32), FLOAT32_HINT),
    )
    cases = [Case(label, (z,), reference(z), "p", hint) for label, z, hint in inputs]
    return cases
