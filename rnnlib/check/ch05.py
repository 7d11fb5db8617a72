"""Checkers of chapter 5 (GRU): the candidate state, one GRU step, one step's backward pass."""

import numpy as np

from rnnlib.check.engine import Case, checker
from rnnlib.check.common import FLOAT32_HINT, SATURATION_HINT, cell_arrays, cell_cases

__all__ = ["gru_candidate", "gru_step", "gru_step_backward"]


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


def _state_grad(grads, name):
    """The gradient on the initial state ``name`` from a cell's backward."""
    return grads[name] if name in grads else grads[name + "0"]


def _saturate(a):
    """Gate biases of +-1000 (alternating): the gates are exactly 0 or 1 and every slope is 0."""
    a["b"][0::2] = 1000.0
    a["b"][1::2] = -1000.0


#: The plain cases of the step-backward checker, after its special ones:
#: (label, B, D, H, weight scale, dtype, adjust, hint).
STEP_BACKWARD_SHAPES = (
    ("a batch of 3, D=2, H=4", 3, 2, 4, 0.5, np.float64, None, None),
    ("a batch of 1, D=1, H=1", 1, 1, 1, 0.5, np.float64, None, None),
    ("a batch of 2, D=5, H=3", 2, 5, 3, 0.5, np.float64, None, None),
    ("saturated gates (biases of +-1000)", 2, 3, 3, 20.0, np.float64, _saturate, SATURATION_HINT),
    ("float32 arrays", 2, 3, 2, 0.5, np.float32, None, FLOAT32_HINT),
)


@checker(
    "gru_step_backward(dh_t, x_t, h_prev, W, b) -> (dx_t, dh_prev, dW, db)",
    summary=("`{name}` gives rnnlib's four gradients (the book's GRU) for a zero incoming gradient, the "
        "update gate closed and open, the reset gate open, batches of 1 to 3, H=1, saturated gates and float32"),
    hint=("recompute r, z and the candidate n; da_z = dh_t * (n - h_prev) * z(1-z), da_n = dh_t * z * (1-n**2), "
        "drh = da_n @ W_n^h (the gradient on r * h_prev), da_r = drh * h_prev * r(1-r); h_prev gets "
        "dh_t * (1-z) + drh * r + [da_r, da_z] @ [W_r^h; W_z^h], and the candidate's recurrent block's "
        "gradient is da_n.T @ (r * h_prev)."),
)
def gru_step_backward():
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
        expected = (g["X"][0], _state_grad(g, "h"), g["W"], g["b"])
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

    special = (
        ("zero incoming gradient dh_t, so every gradient is 0", 2, 3, 2, 0.5, np.float64, zero_upstream,
         "every gradient is a product with dh_t: with dh_t = 0 all of them are zero."),
        ("update gate closed (z = 0), so the state is copied and dh_prev = dh_t", 2, 3, 2, 0.5, np.float64,
         gates(b_z=-20.0), "with z = 0, h_t = h_prev: the road through (1 - z) * h_prev passes dh_t back "
         "unchanged, and the blocks of W are r, z, n (rows H:2H are the update gate)."),
        ("update gate open and reset gate closed (z = 1, r = 0), so h_t does not depend on h_prev",
         2, 3, 2, 0.5, np.float64, gates(b_r=-20.0, b_z=20.0),
         "with z = 1 and r = 0, h_t = tanh(W_n^x x_t + b_n): dh_prev is 0, and only the candidate's input "
         "block and bias get a gradient."),
        ("reset gate open (r = 1), so the candidate reads all of h_prev", 2, 3, 2, 0.5, np.float64,
         gates(b_r=20.0), "with r = 1 the candidate reads all of h_prev: its recurrent block's gradient is "
         "da_n.T @ (r * h_prev), and its road back to h_prev is drh * r with drh = da_n @ W_n^h."),
    )
    rng = np.random.default_rng(2024)
    names = ("dx_t", "dh_prev", "dW", "db")
    cases = []
    for label, B, D, H, scale, dtype, adjust, hint in (*special, *STEP_BACKWARD_SHAPES):
        args, expected = make(rng, B, D, H, scale, dtype, adjust)
        cases.append(Case(label, args, expected, names, hint))
    return cases
