"""Inputs shared by the chapters' checkers: cell-step arrays, gradient dicts, common hints."""

import numpy as np

from rnnlib.check.engine import Case


def _huge_biases(arrays):
    """Biases of +-1000 (alternating): exp(1000) overflows, np.tanh and a stable sigmoid do not."""
    arrays["b"][0::2] = 1000.0
    arrays["b"][1::2] = -1000.0


FLOAT32_HINT = "compute with the arrays you are given; float32 inputs should work as they are."
SATURATION_HINT = (
    "use np.tanh and a stable sigmoid (rnnlib.activations.sigmoid): `1 / (1 + np.exp(-z))` "
    "overflows for large negative z."
)

#: The overflow case of every cell checker (label, B, D, H, weight scale, dtype, adjust).
SATURATED = ("very large pre-activations (biases of +-1000), so the nonlinearities saturate", 2, 3, 3, 20.0,
             np.float64, _huge_biases)
#: Plain cases shared by the cell checkers, run after the named special ones.
CELL_SHAPES = (
    ("a batch of 3, D=2, H=4", 3, 2, 4, 0.5, np.float64, None),
    ("a batch of 1, D=1, H=1", 1, 1, 1, 0.5, np.float64, None),
    ("a batch of 2, D=5, H=3", 2, 5, 3, 0.5, np.float64, None),
)
FLOAT32 = ("float32 arrays", 2, 3, 2, 0.5, np.float32, None)


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


def cell_cases(make_case, names, special=(), seed=None):
    """The cases of a cell checker: ``special`` ones first, then overflow, plain batches, float32.

    ``make_case(rng, B, D, H, scale, dtype, adjust) -> (args, expected)``;
    ``special`` holds (label, B, D, H, scale, dtype, adjust, hint) where
    ``adjust(arrays)`` edits the generated arrays before the reference runs.
    ``names`` names the outputs (see :class:`rnnlib.check.engine.Case`);
    ``seed`` None gives the book's cases, another seed other random inputs.
    """
    rng = np.random.default_rng(2024 if seed is None else seed)
    specs = [*special, (*SATURATED, None), *((*spec, None) for spec in CELL_SHAPES), (*FLOAT32, FLOAT32_HINT)]
    cases = []
    for label, B, D, H, scale, dtype, adjust, hint in specs:
        args, expected = make_case(rng, B, D, H, scale, dtype, adjust)
        warning_hint = SATURATION_HINT if adjust is _huge_biases else None
        cases.append(Case(label, args, expected, names, hint, warning_hint=warning_hint))
    return cases


def zero_inputs(arrays):
    for key in ("x_t", "h_prev", "c_prev"):
        if key in arrays:
            arrays[key][...] = 0


def grads_dict(rng, shapes, scale=1.0, dtype=np.float64):
    return {k: (scale * rng.standard_normal(s)).astype(dtype) for k, s in shapes.items()}


MODEL_SHAPES = {"W": (8, 5), "b": (8,), "W_y": (1, 2), "b_y": (1,)}
