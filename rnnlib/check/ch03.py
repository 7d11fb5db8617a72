"""Checkers of chapter 3 (exploding and vanishing gradients): gradient products, clipping."""

import numpy as np

from rnnlib.check.engine import Case, Slip, checker
from rnnlib.check.common import FLOAT32_HINT, MODEL_SHAPES, grads_dict

__all__ = ["gradient_product", "jacobian_product", "clip_by_global_norm", "clip_elementwise"]


def _jacobian_reversed(W_h, h_seq):
    J = np.eye(W_h.shape[0])
    for h in h_seq:
        J = J @ ((1 - h**2)[:, None] * W_h)  # the slip: the latest step on the right
    return J


def _jacobian_without_tanh(W_h, h_seq):
    return np.linalg.matrix_power(W_h, len(h_seq))


def _clip_each_by_own_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(np.asarray(g, np.float64) ** 2) for g in grads.values())))
    return {k: g * min(1.0, max_norm / np.linalg.norm(g)) for k, g in grads.items()}, norm


def _clip_always(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(np.asarray(g, np.float64) ** 2) for g in grads.values())))
    return {k: g * (max_norm / norm) for k, g in grads.items()}, norm


_PRODUCT_SLIPS = (
    Slip(lambda w, k: w * k, "you multiplied w by k: each step multiplies the gradient by w, so k steps "
         "multiply it by w k times.", when=lambda w, k: k >= 2),
)
_JACOBIAN_SLIPS = (
    Slip(_jacobian_reversed, "your factors are in the opposite order: the latest step's Jacobian goes on the "
         "left (matrices do not commute)."),
    Slip(_jacobian_without_tanh, "your J is a power of W_h alone: each step's Jacobian also holds tanh's "
         "derivative, diag(1 - h_t**2)."),
)
_GLOBAL_SLIPS = (
    Slip(_clip_each_by_own_norm, "you scaled each gradient by its own norm: the global norm is one number "
         "over all the gradients, so every gradient gets the same factor and the direction is kept."),
    Slip(_clip_always, "you also rescaled gradients whose norm is below max_norm: those stay unchanged."),
)
_ELEMENTWISE_SLIPS = (
    Slip(lambda grads, limit: {k: np.minimum(g, limit) for k, g in grads.items()},
         "your negative entries were not clipped: the lower bound is -limit."),
)


_EXPLODED = ("exploded gradients with entries near 1e30", MODEL_SHAPES, 1e30, 1.0, np.float64, None)
_FLOAT32_GRADS = ("float32 gradients", {"W": (3, 2), "b": (3,)}, 2.0, 1.0, np.float32, FLOAT32_HINT)


def _grads_cases(seed, specs, reference, names):
    """Cases for a function of (grads, threshold), from specs
    (label, shapes, scale, threshold, dtype, hint); ``reference(grads, threshold)``."""
    rng = np.random.default_rng(seed)
    cases = []
    for label, shapes, scale, threshold, dtype, hint in specs:
        grads = grads_dict(rng, shapes, scale, dtype)
        cases.append(Case(label, (grads, threshold), reference(grads, threshold), names, hint))
    return cases


@checker(
    "gradient_product(w, k) -> dh_k/dh_0 = w ** k",
    summary=("`{name}` gives w**k, from 4**100 = 1.607e+60 to 0.2**100 = 1.268e-70"),
    hint=("each of the k steps multiplies the gradient by the same factor."),
    more=("through k steps the gradient is a product of k equal factors, and through 0 steps it is 1."),
    slips=_PRODUCT_SLIPS,
)
def gradient_product(seed=None):
    """Check the gradient of a scalar linear RNN through k steps.

    The student's function::

        {signature}

    for the scalar recurrence ``h_t = w * h_{t-1}``: each step multiplies
    the gradient by w. ``w`` a float, ``k`` an int >= 0; returns a float.
    Reference: the formula (computed as ``float(w) ** k``).
    """
    specs = (
        ("k = 0 steps", 0.7, 0, "through zero steps nothing is multiplied: the gradient is 1."),
        ("w = -0.5, k = 3", -0.5, 3, "the sign matters: an odd number of negative factors is negative."),
        ("w = 0.2, k = 100: vanishing", 0.2, 100, "multiply k factors of w: the result is tiny but not 0."),
        ("w = 4, k = 100: exploding", 4.0, 100, None),
        ("w = 1, k = 50", 1.0, 50, None),
        ("w = 1.1, k = 1000", 1.1, 1000, None),
    )
    if seed is not None:  # other factors and lengths, from the seed
        rng = np.random.default_rng(seed)
        specs += tuple((f"w = {w:.3f}, k = {k}", w, k, None)
                       for w, k in zip(rng.uniform(-2, 2, 3).round(3), rng.integers(0, 60, 3).tolist()))
    cases = [Case(label, (w, k), float(w) ** k, "dh_k/dh_0", hint, tol=(1e-9, 0.0)) for label, w, k, hint in specs]
    return cases


@checker(
    "jacobian_product(W_h, h_seq) -> J",
    summary=("`{name}` gives dh_T/dh_0 for one step, several steps, a scalar RNN, large weights and saturated "
        "states"),
    hint=("dh_T/dh_0 is a product with one Jacobian per step, dh_t/dh_{t-1} = diag(1 - h_t**2) W_h; the order "
         "of the factors matters."),
    more=("start from the identity and, for t = 1 ... T, multiply by that step's Jacobian on the left."),
    slips=_JACOBIAN_SLIPS,
    forbid=("rnnlib.rnn.RNN.backward", "rnnlib.rnn.RNN._backward"),
)
def jacobian_product(seed=None):
    """Check the Jacobian of a tanh RNN's last state with respect to its first.

    The student's function::

        {signature}
        J = dh_T/dh_0 = diag(1 - h_T**2) W_h  diag(1 - h_{T-1}**2) W_h  ...  diag(1 - h_1**2) W_h

    for one sequence of the simple RNN ``h_t = tanh(W^x x_t + W^h h_{t-1} + b)``:
    W_h (H, H), h_seq (T, H) the states h_1 ... h_T (without h_0), J (H, H).
    Each step contributes its Jacobian ``dh_t/dh_{t-1} = diag(1 - h_t**2) W_h``;
    the latest step is on the left. Reference: :meth:`rnnlib.rnn.RNN.backward`
    (the gradient reaching h_0 from a unit gradient on each unit of h_T).
    """
    from rnnlib.rnn import RNN

    rng = np.random.default_rng(7 if seed is None else seed)
    specs = (
        ("one step, T=1, H=3", 1, 3, 1.0, 1.0),
        ("T=5, H=3", 5, 3, 1.0, 1.0),
        ("a scalar RNN, H=1, T=6", 6, 1, 1.5, 1.0),
        ("T=8, H=4 with large recurrent weights", 8, 4, 3.0, 0.5),
        ("T=4, H=2 with saturated states (large inputs)", 4, 2, 1.0, 10.0),
    )
    cases = []
    for label, T, H, w_scale, x_scale in specs:
        D = 2
        W = np.concatenate([x_scale * rng.standard_normal((H, D)), w_scale * rng.standard_normal((H, H)) / np.sqrt(H)], 1)
        params = {"W": W, "b": 0.1 * rng.standard_normal(H)}
        x = rng.standard_normal((T, 1, D))
        h0 = rng.uniform(-1, 1, (1, H))
        # A batch of H copies of the sequence, each with a unit gradient on one unit of h_T:
        # row j of grads["h"] is e_j^T J, so grads["h"] = J.
        cell = RNN(D, H)
        H_seq, trace = cell.forward(params, np.repeat(x, H, axis=1), {"h": np.repeat(h0, H, axis=0)})
        J = cell.backward(params, trace, None, {"h": np.eye(H)})["h"]
        cases.append(Case(label, (W[:, D:], H_seq[:, 0, :]), J, "J"))
    return cases


@checker(
    "clip_by_global_norm(grads, max_norm) -> (clipped, norm)",
    summary=("`{name}` returns the global norm and rescales all gradients together only when it exceeds max_norm"),
    hint=("the norm is one number over all the gradients together; every gradient is scaled by the same factor, "
         "and only when that norm exceeds max_norm."),
    more=("the norm is the square root of the sum of every squared entry of every gradient; the factor is "
         "min(1, max_norm / norm)."),
    slips=_GLOBAL_SLIPS,
    forbid=("rnnlib.clip.clip_by_global_norm", "rnnlib.clip.global_norm"),
)
def clip_by_global_norm(seed=None):
    """Check clipping by the global norm.

    The student's function::

        {signature}
        norm = sqrt(sum over k of sum(grads[k] ** 2))
        clipped[k] = grads[k] * min(1, max_norm / norm)

    ``grads`` a dict of arrays, ``norm`` a number (the norm *before*
    clipping), ``clipped`` a new dict with the same keys; every gradient is
    scaled by the same factor, so the direction is kept.
    Reference: :func:`rnnlib.clip.clip_by_global_norm`.
    """
    from rnnlib.clip import clip_by_global_norm as reference

    specs = (
        ("norm below max_norm, so nothing changes", MODEL_SHAPES, 0.01, 5.0, np.float64,
         "gradients whose global norm is at most max_norm are returned unchanged."),
        _EXPLODED,
        ("norm above max_norm, so every gradient shrinks", MODEL_SHAPES, 1.0, 5.0, np.float64, None),
        ("one 1 x 1 gradient", {"W": (1, 1)}, 3.0, 0.5, np.float64, None),
        _FLOAT32_GRADS,
    )
    cases = _grads_cases(3 if seed is None else seed, specs, reference, ("clipped", "norm"))
    return cases


@checker(
    "clip_elementwise(grads, limit) -> clipped",
    summary=("`{name}` cuts every entry into [-limit, limit] and leaves the others as they are"),
    hint=("every entry is cut into [-limit, limit] on its own; entries already inside stay as they are."),
    more=("np.clip does this for one array; do it for every gradient, into a new dict."),
    slips=_ELEMENTWISE_SLIPS,
    forbid=("rnnlib.clip.clip_elementwise",),
)
def clip_elementwise(seed=None):
    """Check element-wise clipping.

    The student's function::

        {signature}
        clipped[k] = clip(grads[k], -limit, limit)       (every entry on its own)

    ``grads`` a dict of arrays, ``clipped`` a new dict with the same keys.
    Reference: :func:`rnnlib.clip.clip_elementwise`.
    """
    from rnnlib.clip import clip_elementwise as reference

    specs = (
        ("every entry within +-limit, so nothing changes", MODEL_SHAPES, 0.1, 5.0, np.float64, None),
        ("a 2 x 2 gradient with entries far beyond +-limit", {"W": (2, 2)}, 50.0, 0.5, np.float64,
         "negative entries are clipped at -limit, positive ones at +limit."),
        _EXPLODED,
        ("some entries beyond +-limit", MODEL_SHAPES, 2.0, 1.5, np.float64, None),
        _FLOAT32_GRADS,
    )
    cases = _grads_cases(4 if seed is None else seed, specs, reference, "clipped")
    return cases
