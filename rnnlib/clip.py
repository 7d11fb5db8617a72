"""Gradient clipping: global norm (keeps the direction) vs element-wise (changes it).

Both act on a grads dict as returned by the backward passes. By default they
act on the *parameter* gradients only: the keys ``"X"``, ``"h"`` and ``"c"``
(gradients of the inputs and of the initial states, see ``NON_PARAM_KEYS``)
are left out of the norm and passed through unchanged. Pass ``keys=`` to
choose the keys explicitly. Inputs are never mutated; the returned dict holds
new arrays for the clipped keys.
"""

import math

import numpy as np

from rnnlib._checks import check_real, check_type, fail

__all__ = ["NON_PARAM_KEYS", "global_norm", "clip_by_global_norm", "clip_elementwise"]

#: Keys of a grads dict that are not parameters (inputs and initial states).
NON_PARAM_KEYS = ("X", "h", "c")


def _keys(grads, keys):
    check_type("grads", grads, dict, "a dict of numpy arrays")
    if keys is None:
        return [k for k in grads if k not in NON_PARAM_KEYS]
    keys = list(keys)
    for k in keys:
        if k not in grads:
            fail(ValueError, "keys", f"keys of grads {sorted(grads)}", repr(k))
    return keys


def _threshold(name, value):
    return check_real(name, value, low=0.0, low_open=True)


def global_norm(grads, keys=None):
    """Euclidean norm of all the gradients together, as one long vector.

    Equation::

        norm = sqrt(sum over keys k of sum(grads[k] ** 2))

    Parameters
    ----------
    grads : dict of str to ndarray
    keys : iterable of str, optional
        Keys to include. Default: every key except ``NON_PARAM_KEYS``.

    Returns
    -------
    float
    """
    flat = [np.asarray(grads[k], dtype=np.float64).ravel() for k in _keys(grads, keys)]
    flat = [g for g in flat if g.size]
    with np.errstate(over="ignore"):
        total = sum(float(np.dot(g, g)) for g in flat)
    if math.isfinite(total):
        return math.sqrt(total)
    # The squares overflowed (|g| > 1e154) or there is a NaN/inf: scale by the
    # largest entry first, norm = m * sqrt(sum((g / m) ** 2)).
    m = float(np.max([np.max(np.abs(g)) for g in flat]))  # NaN propagates
    if not math.isfinite(m):
        return m
    return m * math.sqrt(sum(float(np.dot(g / m, g / m)) for g in flat))


def clip_by_global_norm(grads, max_norm, keys=None):
    """Rescale all gradients together so that their global norm is at most ``max_norm``.

    Equation (``norm = global_norm(grads, keys)``)::

        scale = min(1, max_norm / norm)
        clipped[k] = scale * grads[k]

    Every gradient is multiplied by the *same* factor, so the direction of
    the update is kept; only its length is capped (Pascanu et al., 2013).

    Parameters
    ----------
    grads : dict of str to ndarray
    max_norm : float
        Largest allowed global norm, > 0.
    keys : iterable of str, optional
        Keys to measure and rescale. Default: every key except
        ``NON_PARAM_KEYS``; the other keys are passed through unchanged.

    Returns
    -------
    clipped : dict of str to ndarray
        Same keys as ``grads``.
    norm : float
        The global norm *before* clipping (log it to see explosions).
    """
    max_norm = _threshold("max_norm", max_norm)
    keys = _keys(grads, keys)
    norm = global_norm(grads, keys)
    scale = max_norm / norm if norm > max_norm else 1.0
    clipped = dict(grads)
    for k in keys:
        g = np.asarray(grads[k])
        clipped[k] = (g * scale).astype(g.dtype, copy=False)
    return clipped, norm


def clip_elementwise(grads, limit, keys=None):
    """Clip every gradient entry separately into ``[-limit, limit]``.

    Equation::

        clipped[k] = clip(grads[k], -limit, limit)

    Entries are cut independently, so large components shrink while small
    ones stay: the *direction* of the update changes (this is the clipping
    of Karpathy's min-char-rnn). Compare :func:`clip_by_global_norm`.

    Parameters
    ----------
    grads : dict of str to ndarray
    limit : float
        Largest allowed absolute value of an entry, > 0.
    keys : iterable of str, optional
        Keys to clip. Default: every key except ``NON_PARAM_KEYS``; the
        other keys are passed through unchanged.

    Returns
    -------
    dict of str to ndarray
        Same keys as ``grads``.
    """
    limit = _threshold("limit", limit)
    keys = _keys(grads, keys)
    clipped = dict(grads)
    for k in keys:
        clipped[k] = np.clip(np.asarray(grads[k]), -limit, limit)
    return clipped
