"""Checkers of chapter 5 (GRU): the candidate state, one GRU step, one step's backward pass."""

import numpy as np

from rnnlib.check.engine import Case, Slip, checker
from rnnlib.check.common import cell_arrays, cell_cases

__all__ = ["gru_candidate", "gru_step", "gru_step_backward"]

#: Calling any of these is writing the exercise with rnnlib's answer.
_GRU_FORBID = ("rnnlib.gru.GRU.step", "rnnlib.gru.GRU.run", "rnnlib.gru.GRU.forward", "rnnlib.gru.GRU._forward")

_RESET_AFTER = ("your r_t multiplies after the matrix, r_t * (h_prev @ W.T), as PyTorch's GRU does: in the "
                "book's GRU the reset gate scales h_prev before the matrix.")
_FLIPPED = ("your update gate is flipped: in the book's GRU z_t weights the candidate, so z_t = 0 keeps "
            "h_prev (PyTorch writes the mirror image, z_t weighting h_prev).")


def _sigmoid(a):
    from rnnlib.activations import sigmoid

    return sigmoid(a)


_CANDIDATE_SLIPS = (
    Slip(lambda x_t, h_prev, r_t, W_hx, W_hr, b_h: np.tanh(x_t @ W_hx.T + r_t * (h_prev @ W_hr.T) + b_h),
         _RESET_AFTER),
    Slip(lambda x_t, h_prev, r_t, W_hx, W_hr, b_h: np.tanh(x_t @ W_hx.T + (r_t * h_prev) @ W_hr.T),
         "your h~_t equals the candidate without its bias: did you add b_h?"),
)


def _gru_variant(x_t, h_prev, W, b, flip=False, reset_after=False):
    D, H = x_t.shape[1], h_prev.shape[1]
    a = x_t @ W[:, :D].T + b
    r_t = _sigmoid(a[:, :H] + h_prev @ W[:H, D:].T)
    z_t = _sigmoid(a[:, H:2 * H] + h_prev @ W[H:2 * H, D:].T)
    W_nh = W[2 * H:, D:]
    n_t = np.tanh(a[:, 2 * H:] + (r_t * (h_prev @ W_nh.T) if reset_after else (r_t * h_prev) @ W_nh.T))
    return z_t * h_prev + (1 - z_t) * n_t if flip else (1 - z_t) * h_prev + z_t * n_t


_STEP_SLIPS = (
    Slip(lambda *args: _gru_variant(*args, flip=True), _FLIPPED),
    Slip(lambda *args: _gru_variant(*args, reset_after=True), _RESET_AFTER),
    Slip(lambda *args: _gru_variant(*args, flip=True, reset_after=True),
         "you wrote PyTorch's GRU (reset after the matrix, z_t weighting h_prev): the book's GRU applies the "
         "reset to h_prev before the matrix and lets z_t weight the candidate."),
)


@checker(
    "gru_candidate(x_t, h_prev, r_t, W_hx, W_hr, b_h) -> h_tilde",
    summary=("`{name}` gives the right candidate h~_t for batches of 1 to 3, H=1, r_t = 0 and 1, saturation "
        "and float32"),
    hint=("the candidate is tanh of an affine sum in which the reset gate scales the previous state; where the "
         "reset acts (before or after the matrix) matters."),
    more=("in the book's GRU r_t multiplies h_prev before W_hr; weights are stored (out, in), so W_h^x x_t is "
         "`x_t @ W_hx.T` for a batch."),
    slips=_CANDIDATE_SLIPS,
    forbid=_GRU_FORBID,
)
def gru_candidate(seed=None):
    """Check the GRU candidate state (the book's reset placement).

    The student's function::

        {signature}
        h~_t = tanh(W_h^x x_t + W_h^r (r_t * h_{t-1}) + b_h)
             i.e. np.tanh(x_t @ W_hx.T + (r_t * h_prev) @ W_hr.T + b_h)

    with x_t (B, D), h_prev and r_t (B, H), W_hx (H, D), W_hr (H, H),
    b_h (H,); h_tilde (B, H). Reference: :func:`rnnlib.activations.tanh`
    and the formula above (the ``n`` block of :class:`rnnlib.gru.GRU`,
    variant "book").
    """
    from rnnlib.activations import tanh

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = cell_arrays(rng, B, D, H, scale, dtype)
        a["r_t"] = rng.uniform(0, 1, (B, H)).astype(dtype)
        if adjust:
            adjust(a)
        W_hx, W_hr = a["W"][:, :D], a["W"][:, D:]
        h_tilde = tanh(a["x_t"] @ W_hx.T + (a["r_t"] * a["h_prev"]) @ W_hr.T + a["b"])
        return (a["x_t"], a["h_prev"], a["r_t"], W_hx, W_hr, a["b"]), h_tilde

    def reset(value):
        def adjust(a):
            a["r_t"][...] = value
        return adjust

    special = [
        ("reset gate r_t = 0, so the past is ignored", 2, 3, 2, 0.5, np.float64, reset(0.0),
         "with r_t = 0 the past is reset away: only the input and the bias are left inside tanh."),
        ("reset gate r_t = 1, so all of h_prev is used", 2, 3, 2, 0.5, np.float64, reset(1.0),
         "with r_t = 1 all of h_prev goes through W_hr, as in a simple RNN."),
    ]
    return cell_cases(make, "h_tilde", special, seed)


@checker(
    "gru_step(x_t, h_prev, W, b) -> h_t",
    summary=("`{name}` gives rnnlib's h_t (the book's GRU) for batches of 1 to 3, H=1, the update gate closed and "
        "open, saturation and float32"),
    hint=("split W and b into three blocks of H rows in the order r, z, n; the candidate uses the reset gate on "
         "h_prev, and the update gate interpolates between h_prev and the candidate: which side z_t weights "
         "matters."),
    more=("in the book's GRU z_t weights the candidate and 1 - z_t the old state; the reset gate multiplies "
         "h_prev before the recurrent matrix of the n block."),
    slips=_STEP_SLIPS,
    forbid=_GRU_FORBID,
)
def gru_step(seed=None):
    """Check one step of the book's GRU with the fused weight matrix.

    The student's function::

        {signature}

    with W (3H, D+H) and b (3H,) holding the blocks r, z, n in this order
    (rows ``k*H:(k+1)*H``), columns ``[:D]`` acting on x_t and ``[D:]`` on
    h_{t-1}::

        r_t = sigmoid(x_t @ W_r^x.T + h_prev @ W_r^h.T + b_r)
        z_t = sigmoid(x_t @ W_z^x.T + h_prev @ W_z^h.T + b_z)
        n_t = tanh(x_t @ W_n^x.T + (r_t * h_prev) @ W_n^h.T + b_n)      (the candidate h~_t)
        h_t = (1 - z_t) * h_prev + z_t * n_t

    x_t (B, D), h_prev (B, H), h_t (B, H).
    Reference: :meth:`rnnlib.gru.GRU.step` with ``variant="book"``.
    """
    from rnnlib.gru import GRU

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = cell_arrays(rng, B, D, H, scale, dtype, G=3)
        if adjust:
            adjust(a)
        h_t = GRU(D, H, variant="book").step({"W": a["W"], "b": a["b"]}, a["x_t"], {"h": a["h_prev"]})[0]
        return (a["x_t"], a["h_prev"], a["W"], a["b"]), h_t

    def update(value):
        def adjust(a):
            H = a["h_prev"].shape[1]
            a["W"][H:2 * H] = 0
            a["b"][H:2 * H] = value
        return adjust

    special = [
        ("update gate closed (b_z = -20), so h_t = h_prev", 2, 3, 2, 0.5, np.float64, update(-20.0),
         "with z_t = 0 the book's GRU keeps h_prev: check which side of the interpolation z_t weights."),
        ("update gate open (b_z = +20), so h_t = the candidate", 2, 3, 2, 0.5, np.float64, update(20.0),
         "with z_t = 1 the new state is the candidate n_t: check the candidate, and which side z_t weights."),
    ]
    return cell_cases(make, "h_t", special, seed)


@checker(
    "gru_step_backward(dh_t, x_t, h_prev, W, b) -> (dx_t, dh_prev, dW, db)",
    summary=("`{name}` gives rnnlib's four gradients (the book's GRU) for a zero incoming gradient, the "
        "update gate closed and open, the reset gate open, saturation, batches of 1 to 3, H=1 and float32"),
    hint=("recompute r, z and the candidate n, then go back through h_t = (1 - z) * h_prev + z * n, the "
        "candidate's tanh and its product r * h_prev, the sigmoids, and last W; h_prev reaches h_t by three "
        "roads, and the candidate's recurrent block multiplies r * h_prev, not h_prev."),
    more=("da_z = dh_t * (n - h_prev) * z(1-z), da_n = dh_t * z * (1-n**2), drh = da_n @ W_n^h (the gradient "
        "on r * h_prev), da_r = drh * h_prev * r(1-r); dh_prev = dh_t * (1-z) + drh * r + "
        "[da_r, da_z] @ [W_r^h; W_z^h]; the candidate's recurrent weights get da_n.T @ (r * h_prev)."),
    forbid=("rnnlib.gru.GRU.backward", "rnnlib.gru.GRU._backward", "rnnlib.gru.GRU._backward_book"),
)
def gru_step_backward(seed=None):
    """Check the backward pass of one step of the book's GRU with the fused weight matrix.

    The student's function::

        {signature}

    for the step checked by ``gru_step`` (W (3H, D+H), b (3H,), blocks r,
    z, n; the reset gate multiplies h_{t-1} before the candidate's
    recurrent block), where ``dh_t`` (B, H) is the whole gradient dJ/dh_t.
    The results are dJ/dx_t (B, D), dJ/dh_{t-1} (B, H), dJ/dW (3H, D+H) and
    dJ/db (3H,), summed over the batch.
    Reference: :meth:`rnnlib.gru.GRU.backward` (variant="book") on a
    sequence of length 1.
    """
    from rnnlib.gru import GRU

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = cell_arrays(rng, B, D, H, scale, dtype, G=3, dh_t="BH")
        if adjust:
            adjust(a)
        cell, params = GRU(D, H, variant="book"), {"W": a["W"], "b": a["b"]}
        _, trace = cell.forward(params, a["x_t"][None], {"h": a["h_prev"]})
        g = cell.backward(params, trace, a["dh_t"][None])
        expected = (g["X"][0], g["h"], g["W"], g["b"])
        return (a["dh_t"], a["x_t"], a["h_prev"], a["W"], a["b"]), expected

    def zero_upstream(a):
        a["dh_t"][...] = 0

    def gates(b_r=None, b_z=None):
        def adjust(a):
            H = a["h_prev"].shape[1]
            for block, bias in ((0, b_r), (1, b_z)):
                if bias is not None:
                    a["W"][block * H:(block + 1) * H] = 0
                    a["b"][block * H:(block + 1) * H] = bias
        return adjust

    special = [
        ("zero incoming gradient dh_t, so every gradient is 0", 2, 3, 2, 0.5, np.float64, zero_upstream,
         "every gradient is a product with dh_t: with dh_t = 0 all of them are zero."),
        ("update gate closed (z = 0), so the state is copied and dh_prev = dh_t", 2, 3, 2, 0.5, np.float64,
         gates(b_z=-20.0), "with z = 0, h_t = h_prev: the road through (1 - z) * h_prev passes dh_t back "
         "unchanged (and the blocks of W are r, z, n: rows H:2H are the update gate)."),
        ("update gate open and reset gate closed (z = 1, r = 0), so h_t does not depend on h_prev",
         2, 3, 2, 0.5, np.float64, gates(b_r=-20.0, b_z=20.0),
         "with z = 1 and r = 0, h_t = tanh(W_n^x x_t + b_n): dh_prev is 0, and only the candidate's input "
         "block and bias get a gradient."),
        ("reset gate open (r = 1), so the candidate reads all of h_prev", 2, 3, 2, 0.5, np.float64,
         gates(b_r=20.0), "with r = 1 the candidate reads all of h_prev: mind its recurrent block's gradient "
         "and its road back to h_prev through r * h_prev."),
    ]
    return cell_cases(make, ("dx_t", "dh_prev", "dW", "db"), special, seed)
