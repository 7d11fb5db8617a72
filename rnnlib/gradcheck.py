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

__all__ = ["numerical_gradient", "rel_error"]


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
        raise TypeError(f"x: expected a floating-point array, got dtype {x.dtype}")
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
        raise ValueError(f"b: expected shape {a.shape} (the shape of a), got {b.shape}")
    if a.size == 0:
        return 0.0
    scale = float(np.max(np.abs(a) + np.abs(b)))
    return float(np.max(np.abs(a - b))) / max(scale, 1e-300)
