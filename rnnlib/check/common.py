"""Inputs shared by the chapters' checkers: cell-step arrays, gradient dicts, common hints."""

import numpy as np


def _huge_biases(arrays):
    """Biases of +-1000 (alternating): exp(1000) overflows, np.tanh and a stable sigmoid do not."""
    arrays["b"][0::2] = 1000.0
    arrays["b"][1::2] = -1000.0


#: Cases shared by the cell checkers: (label, B, D, H, weight scale, dtype, adjust).
CELL_SHAPES = (
    ("a batch of 3, D=2, H=4", 3, 2, 4, 0.5, np.float64, None),
    ("a batch of 1, D=1, H=1", 1, 1, 1, 0.5, np.float64, None),
    ("a batch of 2, D=5, H=3", 2, 5, 3, 0.5, np.float64, None),
    ("very large pre-activations (biases of +-1000), so the nonlinearities saturate", 2, 3, 3, 20.0, np.float64,
     _huge_biases),
    ("float32 arrays", 2, 3, 2, 0.5, np.float32, None),
)
FLOAT32_HINT = "compute with the arrays you are given; float32 inputs should work as they are."
SATURATION_HINT = (
    "use np.tanh and a stable sigmoid (rnnlib.activations.sigmoid): `1 / (1 + np.exp(-z))` "
    "overflows for large negative z."
)


def cell_arrays(rng, B, D, H, scale, dtype, G=1, **extra):
    """Inputs of one cell step: x_t (B, D), h_prev (B, H), fused W (G*H, D+H), b (G*H,).

    ``extra`` maps more names to shapes built from B, D, H (e.g. c_prev="BH").
    """
    sizes = {"B": B, "D": D, "H": H}
    arrays = {
        "x_t": rng.standard_normal((B, D)),
        "h_prev": rng.uniform(-1, 1, (B, H)),
        "W": scale * rng.standard_normal((G * H, D + H)),
        "b": scale * rng.standard_normal(G * H),
    }
    for key, letters in extra.items():
        arrays[key] = rng.standard_normal(tuple(sizes[c] for c in letters))
    return {k: v.astype(dtype) for k, v in arrays.items()}


def _hint_for(label, default):
    if label.startswith("very large"):
        return SATURATION_HINT
    if label.startswith("float32"):
        return FLOAT32_HINT
    return default


def cell_cases(make_case, special=()):
    """Cases over CELL_SHAPES (seeded) plus ``special`` ones.

    ``make_case(rng, B, D, H, scale, dtype) -> (args, expected)``; ``special``
    holds (label, B, D, H, scale, dtype, adjust, hint) where ``adjust(arrays)``
    edits the generated arrays before the reference runs.
    """
    rng = np.random.default_rng(2024)
    cases = []
    shared = [(*spec, _hint_for(spec[0], None)) for spec in CELL_SHAPES]
    for label, B, D, H, scale, dtype, adjust, hint in (*shared, *special):
        args, expected = make_case(rng, B, D, H, scale, dtype, adjust)
        cases.append((label, args, expected, hint))
    return cases


def zero_inputs(arrays):
    for key in ("x_t", "h_prev", "c_prev"):
        if key in arrays:
            arrays[key][...] = 0


def grads_dict(rng, shapes, scale=1.0, dtype=np.float64):
    return {k: (scale * rng.standard_normal(s)).astype(dtype) for k, s in shapes.items()}


MODEL_SHAPES = {"W": (8, 5), "b": (8,), "W_y": (1, 2), "b_y": (1,)}
