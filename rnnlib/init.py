"""Weight initialisation schemes used by ``cell.init``.

Every function takes an explicit ``numpy.random.Generator`` and returns a new
array; shapes are in the math orientation ``(out, in)``.
"""

import numpy as np

from rnnlib._checks import check_dtype, check_rng, check_size, fail

__all__ = ["uniform_pytorch", "xavier_uniform", "orthogonal"]


def uniform_pytorch(rng, shape, hidden_size, dtype=np.float64):
    """PyTorch's default for recurrent layers: ``U(-k, k)`` with ``k = 1 / sqrt(H)``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    shape : tuple of int
        Shape of the array, e.g. (G*H, D+H) or (G*H,).
    hidden_size : int
        H, the number of hidden units.
    dtype : numpy dtype, optional
        float64 (default) or float32.

    Returns
    -------
    numpy.ndarray
        Array of ``shape`` with entries uniform in ``[-1/sqrt(H), 1/sqrt(H))``.
    """
    check_rng(rng)
    check_size("hidden_size", hidden_size)
    k = 1.0 / np.sqrt(hidden_size)
    return rng.uniform(-k, k, size=shape).astype(check_dtype("dtype", dtype))


def xavier_uniform(rng, shape, dtype=np.float64):
    """Glorot & Bengio (2010): ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    shape : tuple of (int, int)
        (out, in) = (fan_out, fan_in), e.g. (H, D) for one gate's input block.
    dtype : numpy dtype, optional
        float64 (default) or float32.

    Returns
    -------
    numpy.ndarray
        Array of ``shape``; keeps the variance of activations roughly constant
        from layer to layer.
    """
    check_rng(rng)
    if len(shape) != 2:
        fail(ValueError, "shape", "(out, in)", f"{tuple(shape)}")
    fan_out, fan_in = (check_size("shape", n) for n in shape)
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape).astype(check_dtype("dtype", dtype))


def orthogonal(rng, n, dtype=np.float64):
    """A random orthogonal (n, n) matrix Q (``Q.T @ Q = I``), uniform over O(n).

    All singular values of Q are 1, so repeated multiplication by a recurrent
    matrix initialised this way neither grows nor shrinks the hidden state
    at the start of training (Saxe et al., 2014).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Size of the matrix, H for a recurrent block.
    dtype : numpy dtype, optional
        float64 (default) or float32.

    Returns
    -------
    numpy.ndarray
        Orthogonal array of shape (n, n): Q of the QR factorisation of a
        Gaussian matrix, with the signs fixed by ``diag(R) > 0``.
    """
    check_rng(rng)
    check_size("n", n)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)
    return q.astype(check_dtype("dtype", dtype))
