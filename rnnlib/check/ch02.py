"""Checkers of chapter 2 (backpropagation through time): one RNN step backward, the SGD update."""

import numpy as np

from rnnlib.check.engine import Case, Slip, checker
from rnnlib.check.common import FLOAT32_HINT, MODEL_SHAPES, cell_arrays, cell_cases, grads_dict

__all__ = ["rnn_backward_step", "sgd_update"]


def _backward_without_tanh(dh_t, h_t, x_t, h_prev, W_x, W_h):
    da = dh_t  # the slip: tanh's derivative (1 - h_t**2) left out
    return da @ W_x, da @ W_h, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


_BACKWARD_SLIPS = (
    Slip(_backward_without_tanh, "your gradients equal the ones without tanh's derivative: multiply dh_t by "
         "(1 - h_t**2) before anything else."),
)
_SGD_SLIPS = (
    Slip(lambda params, grads, lr: {k: params[k] + lr * grads[k] for k in params},
         "your parameters moved along the gradient: gradient descent steps against it."),
    Slip(lambda params, grads, lr: {k: params[k] - grads[k] for k in params},
         "your step ignores lr: the gradient is scaled by the learning rate."),
)


@checker(
    "rnn_backward_step(dh_t, h_t, x_t, h_prev, W_x, W_h) -> (dx_t, dh_prev, dW_x, dW_h, db)",
    summary=("`{name}` gives rnnlib's five gradients for batches of 1 to 3, H=1, a zero upstream gradient, "
        "saturated tanh and float32"),
    hint=("go back through tanh first (its derivative can be written with h_t); then every gradient pairs that "
         "signal with what multiplied it in the forward pass, and db adds it up over the batch."),
    more=("the signal after tanh has shape (B, H); dx_t is that signal times W_x, dW_x is its transpose times x_t, "
         "and the others follow the same pattern."),
    slips=_BACKWARD_SLIPS,
    forbid=("rnnlib.rnn.RNN.backward", "rnnlib.rnn.RNN._backward"),
)
def rnn_backward_step(seed=None):
    """Check the backward pass of one simple-RNN step.

    The student's function::

        {signature}

    for the step ``h_t = tanh(x_t @ W_x.T + h_prev @ W_h.T + b)``, where
    ``dh_t`` (B, H) is dJ/dh_t and every result is the gradient of J with
    respect to the input of the same name: dx_t (B, D), dh_prev (B, H),
    dW_x (H, D), dW_h (H, H), db (H,) (summed over the batch). The chain
    rule through tanh: ``da = dh_t * (1 - h_t**2)``.
    Reference: :meth:`rnnlib.rnn.RNN.backward` on a sequence of length 1.
    """
    from rnnlib.rnn import RNN

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = cell_arrays(rng, B, D, H, scale, dtype, dh_t="BH")
        if adjust:
            adjust(a)
        cell = RNN(D, H)
        params = {"W": a["W"], "b": a["b"]}
        H_seq, trace = cell.forward(params, a["x_t"][None], {"h": a["h_prev"]})
        grads = cell.backward(params, trace, a["dh_t"][None])
        expected = (grads["X"][0], grads["h"], grads["W"][:, :D], grads["W"][:, D:], grads["b"])
        return (a["dh_t"], H_seq[0], a["x_t"], a["h_prev"], a["W"][:, :D], a["W"][:, D:]), expected

    def zero_upstream(a):
        a["dh_t"][...] = 0

    special = [("zero upstream gradient dh_t, so every gradient is 0", 2, 3, 2, 0.5, np.float64, zero_upstream,
                "every gradient is a product with dh_t: with dh_t = 0 all of them are zero.")]
    names = ("dx_t", "dh_prev", "dW_x", "dW_h", "db")
    return cell_cases(make, names, special, seed)


@checker(
    "sgd_update(params, grads, lr) -> new_params",
    summary=("`{name}` returns W - lr * dW for every parameter, ignores extra gradients and leaves its inputs unchanged"),
    hint=("each parameter moves a step of size lr against its own gradient; build a new dict over the keys of "
         "params."),
    more=("the book's rule W_new = W_old - alpha dJ/dW, applied to every key of params (not of grads), each "
         "in a new array."),
    slips=_SGD_SLIPS,
    forbid=("rnnlib.optim.SGD.update", "rnnlib.optim.Momentum.update", "rnnlib.optim.Adam.update"),
)
def sgd_update(seed=None):
    """Check the gradient-descent update rule.

    The student's function::

        {signature}
        new_params[k] = params[k] - lr * grads[k]       (the book's W_new = W_old - alpha dJ/dW)

    ``params`` and ``grads`` are dicts of arrays; ``grads`` may hold extra
    keys that are not parameters (``"X"``, ``"h"``, as rnnlib's backward
    passes return) which are ignored. Returns a new dict with the keys of
    ``params``; the inputs must not be changed.
    Reference: :meth:`rnnlib.optim.SGD.update`.
    """
    from rnnlib.optim import SGD

    rng = np.random.default_rng(5 if seed is None else seed)
    specs = (
        ("grads also holds 'X' and 'h', which are not parameters", {"W": (2, 3), "b": (2,)}, 0.1, np.float64,
         "loop over the keys of params, not of grads: the new dict has exactly the parameters."),
        ("one parameter, lr = 0.1", {"W": (3, 4)}, 0.1, np.float64, None),
        ("four parameters, lr = 0.01", MODEL_SHAPES, 0.01, np.float64, None),
        ("a 1 x 1 weight, lr = 1", {"W": (1, 1)}, 1.0, np.float64, None),
        ("float32 parameters, lr = 0.5", {"W": (2, 3), "b": (2,)}, 0.5, np.float32, FLOAT32_HINT),
    )
    cases = []
    for label, shapes, lr, dtype, hint in specs:
        params = grads_dict(rng, shapes, dtype=dtype)
        grads = grads_dict(rng, shapes, dtype=dtype)
        if "not parameters" in label:
            grads.update(X=rng.standard_normal((4, 1, 3)), h=rng.standard_normal((1, 2)))
        opt = SGD(lr)
        new, _ = opt.update(params, grads, opt.init(params))
        cases.append(Case(label, (params, grads, lr), new, "new_params", hint))
    return cases
