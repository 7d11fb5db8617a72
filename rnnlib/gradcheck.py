"""Numerical gradients by central differences, to check backward passes.

Example
-------
>>> import numpy as np
>>> from rnnlib.gradcheck import numerical_gradient, rel_error
>>> x = np.array([1.0, -2.0, 0.5])
>>> num = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
>>> bool(rel_error(num, 3 * x ** 2) < 1e-8)
True
"""

import numpy as np

from rnnlib._checks import fail

__all__ = ["numerical_gradient", "rel_error", "cell_gradient_errors"]


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient ``df/dx[k] ~ (f(x + eps e_k) - f(x - eps e_k)) / (2 eps)``.

    Parameters
    ----------
    f : callable
        ``f(x_perturbed) -> float``; it receives a perturbed copy of ``x``
        (same shape and dtype) and must not keep a reference to it.
    x : numpy.ndarray
        Point at which to differentiate; any shape, floating dtype. It is
        never modified.
    eps : float, optional
        Step size (default 1e-6, good for float64; use ~1e-3 for float32).

    Returns
    -------
    numpy.ndarray
        Gradient with the shape and dtype of ``x``. Costs ``2 * x.size``
        calls of ``f``; the error is O(eps**2) plus rounding O(|f| * 1e-16 / eps).
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":
        fail(TypeError, "x", "a floating-point array", f"dtype {x.dtype}")
    xp = x.copy()
    grad = np.empty_like(x)
    for k in np.ndindex(x.shape):
        orig = xp[k]
        xp[k] = orig + eps
        f_plus = float(f(xp))
        xp[k] = orig - eps
        f_minus = float(f(xp))
        xp[k] = orig
        grad[k] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a, b):
    """Relative error ``max_k |a_k - b_k| / max_k (|a_k| + |b_k|)`` (0 if both are 0).

    The error is measured against the largest entry, so rounding noise in
    entries that are near zero does not dominate; a gradient bug of the size
    of the gradient shows up as an error of order 1.

    Parameters
    ----------
    a, b : array_like
        Arrays of the same shape (e.g. analytic and numerical gradient).

    Returns
    -------
    float
        Below ~1e-7 in float64 for a correct backward pass.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        fail(ValueError, "b", f"shape {a.shape} (the shape of a)", f"{b.shape}")
    if a.size == 0:
        return 0.0
    scale = float(np.max(np.abs(a) + np.abs(b)))
    return float(np.max(np.abs(a - b))) / max(scale, 1e-300)


def cell_gradient_errors(cell, params, X, state=None, dH_seq=None, dfinal_state=None, eps=1e-6):
    """Check every gradient a cell's ``backward`` returns against central differences.

    The scalar differentiated is the one whose gradient ``backward`` computes
    when given ``dH_seq`` and ``dfinal_state``::

        L = sum(H_seq * dH_seq) + sum_k sum(final_state[k] * dfinal_state[k])

    Parameters
    ----------
    cell : RNN, LSTM or GRU
        The cell to check.
    params : dict
        Its parameters (float64 for a clean check).
    X : numpy.ndarray
        (T, B, D) inputs.
    state : dict or None
        Initial state ``{"h": (B, H)}`` (LSTM also "c"); None means zeros.
    dH_seq : numpy.ndarray or None
        (T, B, H) upstream gradient on the outputs; None means zeros.
    dfinal_state : dict or None
        Upstream gradient on the final state; None means zeros.
    eps : float, optional
        Step of the central differences.

    Returns
    -------
    dict
        ``rel_error`` of every returned gradient: each parameter name, "X",
        and "h" (LSTM also "c"). Below ~1e-7 in float64 for a correct backward.
    """
    if state is None:
        state = cell.zero_state(X.shape[1], params["W"].dtype)
    upstream = {k: np.zeros_like(v) for k, v in state.items()}
    upstream.update(dfinal_state or {})
    dH = np.zeros(X.shape[:2] + (cell.hidden_size,)) if dH_seq is None else dH_seq

    def loss(p, X_, s):
        H_seq, trace = cell.forward(p, X_, s)
        return np.sum(H_seq * dH) + sum(np.sum(trace.final_state[k] * upstream[k]) for k in s)

    grads = cell.backward(params, cell.forward(params, X, state)[1], dH_seq, dfinal_state)
    errors = {k: rel_error(grads[k], numerical_gradient(lambda v: loss({**params, k: v}, X, state), params[k], eps))
              for k in cell.param_shapes()}
    errors["X"] = rel_error(grads["X"], numerical_gradient(lambda v: loss(params, v, state), X, eps))
    for k in state:
        num = numerical_gradient(lambda v: loss(params, X, {**state, k: v}), state[k], eps)
        errors[k] = rel_error(grads[k], num)
    return errors
