"""Every gradient the cells return, checked against central differences (float64)."""

from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlib.gradcheck import cell_gradient_errors
from rnnlib.gru import GRU
from rnnlib.lstm import LSTM
from rnnlib.rnn import ACTIVATIONS, RNN

CELLS = {f"rnn-{a}": partial(RNN, activation=a) for a in ACTIVATIONS}
CELLS.update({"lstm": LSTM, "gru-book": partial(GRU, variant="book"), "gru-pytorch": partial(GRU, variant="pytorch")})
SHAPES = [(1, 1, 1, 1), (1, 2, 3, 4), (4, 1, 2, 1), (3, 2, 1, 3), (5, 3, 2, 4)]  # (T, B, D, H)
TOL = 1e-7


def problem(name, T, B, D, H, seed=0):
    """A cell with non-trivial parameters, inputs, initial state and upstream gradients."""
    rng = np.random.default_rng(seed)
    cell = CELLS[name](D, H)
    params = {k: v + 0.5 * rng.standard_normal(v.shape) for k, v in cell.init(rng).items()}
    X = rng.standard_normal((T, B, D))
    state = {k: 0.5 * rng.standard_normal((B, H)) for k in cell.state_names}
    dH = rng.standard_normal((T, B, H))
    dfinal = {k: rng.standard_normal((B, H)) for k in cell.state_names}
    return cell, params, X, state, dH, dfinal


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "T{}B{}D{}H{}".format(*s))
@pytest.mark.parametrize("name", CELLS)
def test_every_gradient_matches_central_differences(name, shape):
    cell, params, X, state, dH, dfinal = problem(name, *shape)
    errors = cell_gradient_errors(cell, params, X, state, dH, dfinal)
    expected = set(cell.param_shapes()) | {"X"} | set(cell.state_names)
    assert set(errors) == expected
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("name", ["lstm", "gru-book", "rnn-tanh"])
def test_gradients_without_upstream_state_or_initial_state(name):
    # dfinal_state=None and state=None (zeros) are the common call in a training loop
    cell, params, X, _, dH, _ = problem(name, 3, 2, 2, 3)
    errors = cell_gradient_errors(cell, params, X, None, dH, None)
    assert max(errors.values()) < TOL, errors


@settings(derandomize=True, max_examples=12, deadline=None)
@given(
    name=st.sampled_from(sorted(CELLS)),
    T=st.integers(1, 4),
    B=st.integers(1, 3),
    D=st.integers(1, 3),
    H=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_gradients_property_random_small_shapes(name, T, B, D, H, seed):
    errors = cell_gradient_errors(*problem(name, T, B, D, H, seed))
    assert max(errors.values()) < TOL, errors


# ---------------------------------------------------------------- truncated BPTT
CHUNKS = [2, 3, 1]  # a sequence of T = 6 cut into chunks of these lengths


def chunked_forward(cell, params, X, state):
    traces, start = [], 0
    for n in CHUNKS:
        _, trace = cell.forward(params, X[start : start + n], state)
        state, start = trace.final_state, start + n
        traces.append(trace)
    return traces


@pytest.mark.parametrize("name", CELLS)
def test_chunked_forward_carrying_state_equals_full_forward(name):
    cell, params, X, state, _, _ = problem(name, sum(CHUNKS), 2, 3, 4)
    H_full, full = cell.forward(params, X, state)
    traces = chunked_forward(cell, params, X, state)
    np.testing.assert_allclose(np.concatenate([t["h"] for t in traces]), H_full, rtol=1e-12, atol=1e-14)
    for k in cell.state_names:
        np.testing.assert_allclose(traces[-1].final_state[k], full.final_state[k], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", CELLS)
def test_chunked_backward_chaining_dfinal_state_equals_full_backward(name):
    cell, params, X, state, dH, dfinal = problem(name, sum(CHUNKS), 2, 3, 4)
    full = cell.backward(params, cell.forward(params, X, state)[1], dH, dfinal)
    traces = chunked_forward(cell, params, X, state)
    ends = np.cumsum(CHUNKS)
    carry, dX, sums = dfinal, [], {k: 0 for k in cell.param_shapes()}
    for trace, end, n in reversed(list(zip(traces, ends, CHUNKS))):
        g = cell.backward(params, trace, dH[end - n : end], dfinal_state=carry)
        carry = {k: g[k] for k in cell.state_names}  # gradient into this chunk's initial state
        dX.insert(0, g["X"])
        sums = {k: sums[k] + g[k] for k in sums}
    for k in sums:
        np.testing.assert_allclose(sums[k], full[k], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.concatenate(dX), full["X"], rtol=1e-10, atol=1e-12)
    for k in cell.state_names:
        np.testing.assert_allclose(carry[k], full[k], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["lstm", "gru-pytorch"])
def test_truncated_bptt_without_dfinal_state_drops_the_gradient_between_chunks(name):
    cell, params, X, state, dH, _ = problem(name, sum(CHUNKS), 2, 3, 4)
    full = cell.backward(params, cell.forward(params, X, state)[1], dH)
    traces = chunked_forward(cell, params, X, state)
    ends = np.cumsum(CHUNKS)
    truncated = [cell.backward(params, tr, dH[e - n : e]) for tr, e, n in zip(traces, ends, CHUNKS)]
    dX = np.concatenate([g["X"] for g in truncated])
    # the last chunk is exact; earlier chunks miss what flowed back from later ones
    np.testing.assert_allclose(dX[-CHUNKS[-1] :], full["X"][-CHUNKS[-1] :], rtol=1e-10, atol=1e-12)
    assert not np.allclose(dX[: CHUNKS[0]], full["X"][: CHUNKS[0]])
    assert not np.allclose(sum(g["W"] for g in truncated), full["W"])
