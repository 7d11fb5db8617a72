"""Checkers of chapter 5 (GRU): the candidate state, one GRU step."""

import numpy as np

from rnnlib.check.engine import Case, checker
from rnnlib.check.common import cell_arrays, cell_cases

__all__ = ["gru_candidate", "gru_step"]


@checker(
    "gru_candidate(x_t, h_prev, r_t, W_hx, W_hr, b_h) -> h_tilde",
    summary=("`{name}` gives the right candidate h~_t for batches of 1 to 3, H=1, r_t = 0 and 1, saturation "
        "and float32"),
    hint=("h~_t = tanh(x_t @ W_hx.T + (r_t * h_prev) @ W_hr.T + b_h): the reset gate acts on h_prev before "
        "the matrix."),
)
def gru_candidate():
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
         "with r_t = 0 the term (r_t * h_prev) @ W_hr.T vanishes: h~_t = tanh(x_t @ W_hx.T + b_h)."),
        ("reset gate r_t = 1, so all of h_prev is used", 2, 3, 2, 0.5, np.float64, reset(1.0),
         "the reset gate multiplies h_prev before the matrix: (r_t * h_prev) @ W_hr.T."),
    ]
    cases = [Case(label, args, exp, "h_tilde", hint) for label, args, exp, hint in cell_cases(make, special)]
    return cases


@checker(
    "gru_step(x_t, h_prev, W, b) -> h_t",
    summary=("`{name}` gives rnnlib's h_t (the book's GRU) for batches of 1 to 3, H=1, the update gate closed and "
        "open, saturation and float32"),
    hint=("the blocks of W and b are r, z, n (rows k*H:(k+1)*H); the reset gate multiplies h_prev before "
        "the matrix and h_t = (1 - z_t) * h_prev + z_t * n_t."),
)
def gru_step():
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
         "in the book's GRU z_t points to the candidate: h_t = (1 - z_t) * h_prev + z_t * n_t, so z_t = 0 "
         "keeps h_prev."),
        ("update gate open (b_z = +20), so h_t = the candidate", 2, 3, 2, 0.5, np.float64, update(20.0),
         "with z_t = 1 the new state is the candidate n_t = tanh(x_t @ W_n^x.T + (r_t * h_prev) @ W_n^h.T + b_n)."),
    ]
    cases = [Case(label, args, exp, "h_t", hint) for label, args, exp, hint in cell_cases(make, special)]
    return cases
