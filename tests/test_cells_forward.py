"""Forward passes against the equations written out plainly, and the cell API around them."""

import warnings
from functools import partial

import numpy as np
import pytest

from rnnlib._cell import Trace
from rnnlib.activations import log_softmax, sigmoid, softmax, tanh
from rnnlib.gru import GRU
from rnnlib.lstm import LSTM
from rnnlib.rnn import ACTIVATIONS, RNN

CELLS = {f"rnn-{a}": partial(RNN, activation=a) for a in ACTIVATIONS}
CELLS.update({"lstm": LSTM, "gru-book": partial(GRU, variant="book"), "gru-pytorch": partial(GRU, variant="pytorch")})
ACT = {
    "tanh": np.tanh,
    "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
    "relu": lambda a: np.maximum(a, 0),
    "identity": lambda a: a,
}


def setup(name, T=5, B=3, D=2, H=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    cell = CELLS[name](D, H)
    params = {k: (v + 0.3 * rng.standard_normal(v.shape)).astype(dtype) for k, v in cell.init(rng).items()}
    X = rng.standard_normal((T, B, D)).astype(dtype)
    state = {k: rng.standard_normal((B, H)).astype(dtype) for k in cell.state_names}
    return cell, params, X, state


def reference(cell, params, X, state):
    """The equations of the docstrings, one step at a time with the book's named views."""
    v = cell.views(params)
    lin = lambda g, x, h: x @ v[f"W_{g}^x"].T + h @ v[f"W_{g}^h"].T + v[f"b_{g}"]  # noqa: E731
    h, c, out = state["h"], state.get("c"), []
    for x in X:
        if isinstance(cell, RNN):
            h = ACT[cell.activation](x @ v["W^x"].T + h @ v["W^h"].T + v["b"])
        elif isinstance(cell, LSTM):
            i, f, o = (1 / (1 + np.exp(-lin(g, x, h))) for g in "ifo")
            c = f * c + i * np.tanh(lin("c", x, h))  # "c" is the book's alias of the candidate g
            h = o * np.tanh(c)
        elif cell.variant == "book":
            r, z = (1 / (1 + np.exp(-lin(g, x, h))) for g in "rz")
            n = np.tanh(x @ v["W_h^x"].T + (r * h) @ v["W_h^r"].T + v["b_h"])
            h = (1 - z) * h + z * n
        else:
            r, z = (1 / (1 + np.exp(-lin(g, x, h))) for g in "rz")
            n = np.tanh(x @ v["W_n^x"].T + v["b_n"] + r * (h @ v["W_n^h"].T + v["b_hn"]))
            h = (1 - z) * n + z * h
        out.append(h)
    return np.array(out), {"h": h, "c": c}


@pytest.mark.parametrize("name", CELLS)
def test_forward_follows_the_documented_equations(name):
    cell, params, X, state = setup(name)
    H_seq, trace = cell.forward(params, X, state)
    H_ref, final_ref = reference(cell, params, X, state)
    np.testing.assert_allclose(H_seq, H_ref, rtol=1e-12, atol=1e-13)
    assert isinstance(trace, Trace) and isinstance(trace, dict)
    assert set(trace) == set(cell.trace_names) | {"X", "state0"}
    assert all(trace[k].shape == H_seq.shape for k in cell.trace_names)
    for k in cell.state_names:
        np.testing.assert_allclose(trace.final_state[k], final_ref[k], rtol=1e-12, atol=1e-13)
        np.testing.assert_array_equal(trace["state0"][k], state[k])
    np.testing.assert_array_equal(trace["X"], X)


def test_lstm_trace_holds_every_gate_and_the_cell_state():
    cell, params, X, state = setup("lstm")
    _, tr = cell.forward(params, X, state)
    c_prev = np.concatenate([state["c"][None], tr["c"][:-1]])
    np.testing.assert_allclose(tr["c"], tr["f"] * c_prev + tr["i"] * tr["g"], rtol=1e-13)
    np.testing.assert_allclose(tr["h"], tr["o"] * np.tanh(tr["c"]), rtol=1e-13)
    np.testing.assert_allclose(tr["tanh_c"], np.tanh(tr["c"]), rtol=1e-13)
    assert all(0 < tr[k].min() and tr[k].max() < 1 for k in "ifo")


def test_trace_is_read_only_and_final_state_is_a_fresh_copy():
    cell, params, X, state = setup("lstm")
    H_seq, tr = cell.forward(params, X, state)
    with pytest.raises(ValueError, match="read-only"):
        H_seq[0, 0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        tr["f"][:] = 0
    tr.final_state["h"][:] = 0  # writable and not shared with the trace
    assert np.abs(tr["h"][-1]).sum() > 0
    assert "Trace(" in repr(tr) and "'h': (5, 3, 4)" in repr(tr)


@pytest.mark.parametrize("name", CELLS)
def test_run_equals_forward_final_state(name):
    cell, params, X, state = setup(name, T=7)
    _, trace = cell.forward(params, X, state)
    for chunk in (1, 3, 64):
        final = cell.run(params, X, state, chunk=chunk)
        for k in cell.state_names:
            np.testing.assert_allclose(final[k], trace.final_state[k], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", CELLS)
def test_step_equals_one_forward_step_and_steps_chain(name):
    cell, params, X, state = setup(name)
    H_seq, trace = cell.forward(params, X, state)
    s = state
    for t in range(X.shape[0]):
        h_t, s, gates = cell.step(params, X[t], s)
        np.testing.assert_allclose(h_t, H_seq[t], rtol=1e-12, atol=1e-14)
        assert set(gates) == set(cell.gate_names)
        for k, g in gates.items():
            np.testing.assert_allclose(g, trace[k][t], rtol=1e-12, atol=1e-14)
    h_t[:] = 0  # step's outputs are writable copies


@pytest.mark.parametrize("name", CELLS)
def test_views_share_memory_with_the_fused_parameters(name):
    cell, params, X, state = setup(name)
    views = cell.views(params)
    D, H = cell.input_size, cell.hidden_size
    for key, view in views.items():
        owner = params["b_hn"] if key == "b_hn" else params["b" if key.startswith("b") else "W"]
        assert np.shares_memory(view, owner), key
        assert view.shape == ((H,) if key.startswith("b") else (H, D) if key.endswith("^x") else (H, H)), key
    before, _ = cell.forward(params, X, state)
    first = next(iter(views))
    views[first][...] += 1.0  # writing a view changes the cell's function
    after, _ = cell.forward(params, X, state)
    assert not np.allclose(before, after)


def test_view_names_and_aliases_follow_the_book():
    p = LSTM(2, 3).init(np.random.default_rng(0))
    v = LSTM(2, 3).views(p)
    assert {"W_i^x", "W_f^h", "b_g", "W_o^x", "W_c^x", "W_c^h", "b_c"} <= set(v)
    np.testing.assert_array_equal(v["W_c^h"], p["W"][6:9, 2:])  # candidate = third block
    g = GRU(2, 3, variant="pytorch")
    v = g.views(g.init(np.random.default_rng(0)))
    assert {"W_r^x", "W_z^h", "b_n", "b_hn", "W_h^x", "W_h^r", "b_h"} <= set(v)
    assert v["W_h^r"] is v["W_n^h"]
    assert set(RNN(2, 3).views(RNN(2, 3).init(np.random.default_rng(0)))) == {"W^x", "W^h", "b"}


@pytest.mark.parametrize("name", CELLS)
def test_float32_parameters_give_float32_results(name):
    cell, p32, X32, s32 = setup(name, dtype=np.float32)
    H32, tr = cell.forward(p32, X32, s32)
    g32 = cell.backward(p32, tr, np.ones_like(H32))
    assert H32.dtype == np.float32 and all(v.dtype == np.float32 for v in g32.values())
    p64 = {k: v.astype(np.float64) for k, v in p32.items()}
    s64 = {k: v.astype(np.float64) for k, v in s32.items()}
    H64, tr64 = cell.forward(p64, X32.astype(np.float64), s64)  # float32 X into float64 params: cast
    g64 = cell.backward(p64, tr64, np.ones_like(H64))
    np.testing.assert_allclose(H32, H64, rtol=1e-4, atol=1e-5)
    for k in g64:
        np.testing.assert_allclose(g32[k], g64[k], rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("name", CELLS)
def test_inputs_are_never_mutated(name):
    cell, params, X, state = setup(name)
    dH = np.random.default_rng(1).standard_normal((5, 3, 4))
    dfinal = {k: np.ones((3, 4)) for k in cell.state_names}
    args = (params, X, state, dH, dfinal)
    copies = [{k: v.copy() for k, v in a.items()} if isinstance(a, dict) else a.copy() for a in args]
    _, trace = cell.forward(params, X, state)
    cell.backward(params, trace, dH, dfinal)
    cell.step(params, X[0], state)
    cell.run(params, X, state)
    cell.views(params)
    for a, c in zip(args, copies):
        for k in c if isinstance(c, dict) else [None]:
            np.testing.assert_array_equal(a[k] if k else a, c[k] if k else c)


@pytest.mark.parametrize("name", CELLS)
def test_sizes_state_and_configuration(name):
    cell = CELLS[name](8, 64)
    p = cell.init(np.random.default_rng(0))
    assert cell.num_params() == sum(v.size for v in p.values())
    G = {"lstm": 4, "gru-book": 3, "gru-pytorch": 3}.get(name, 1)
    assert p["W"].shape == (G * 64, 72) and p["b"].shape == (G * 64,) and cell.num_blocks == G
    zs = cell.zero_state(5, np.float32)
    assert set(zs) == set(cell.state_names) and all(v.shape == (5, 64) and v.dtype == np.float32 for v in zs.values())
    assert not any(v.any() for v in zs.values())
    with pytest.raises(AttributeError, match="immutable"):
        cell.hidden_size = 3
    assert cell == CELLS[name](8, 64) and hash(cell) == hash(CELLS[name](8, 64)) and cell != CELLS[name](8, 63)
    assert repr(cell).startswith(type(cell).__name__ + "(input_size=8, hidden_size=64")


def test_parameter_counts_against_the_book():
    # LSTM: 4 blocks, GRU: 3 blocks (+ H for PyTorch's extra bias), RNN: 1
    assert LSTM(8, 64).num_params() == 4 * 64 * (8 + 64) + 4 * 64
    assert GRU(8, 64).num_params() == 3 * 64 * (8 + 64) + 3 * 64
    assert GRU(8, 64, variant="pytorch").num_params() == 3 * 64 * (8 + 64) + 4 * 64
    assert RNN(8, 64).num_params() == 64 * 72 + 64


# ------------------------------------------- gates near 0 or 1 do what the book says
def saturated(cell, **biases):
    """Zero weights, and each named gate's bias set to +-30 (gate ~1 or ~0)."""
    p = {k: np.zeros(v.shape) for k, v in cell.init(np.random.default_rng(0)).items()}
    views = cell.views(p)
    for name, value in biases.items():
        views[name][...] = value
    return p


def test_lstm_forget_gate_open_and_input_gate_closed_keeps_the_cell_state():
    cell = LSTM(1, 2)
    p = saturated(cell, b_f=30.0, b_i=-30.0, b_g=0.9)
    X = np.random.default_rng(0).standard_normal((20, 1, 1))
    c0 = np.array([[0.7, -0.3]])
    _, tr = cell.forward(p, X, {"h": np.zeros((1, 2)), "c": c0})
    np.testing.assert_allclose(tr.final_state["c"], c0, atol=1e-10)  # f = 1, i = 0: memory kept
    p = saturated(cell, b_f=-30.0, b_i=30.0, b_g=0.9)
    _, tr = cell.forward(p, X, {"h": np.zeros((1, 2)), "c": c0})
    np.testing.assert_allclose(tr.final_state["c"], np.tanh(0.9), atol=1e-10)  # f = 0, i = 1: overwritten


@pytest.mark.parametrize("variant, keep", [("book", -30.0), ("pytorch", 30.0)])
def test_gru_update_gate_direction_differs_between_variants(variant, keep):
    # book: h = (1-z) h + z n, so z ~ 0 keeps h; pytorch: h = (1-z) n + z h, so z ~ 1 keeps h
    cell = GRU(1, 2, variant=variant)
    h0 = {"h": np.array([[0.5, -0.8]])}
    X = np.ones((10, 1, 1))
    _, tr = cell.forward(saturated(cell, b_z=keep, b_n=2.0), X, h0)
    np.testing.assert_allclose(tr.final_state["h"], h0["h"], atol=1e-10)
    _, tr = cell.forward(saturated(cell, b_z=-keep, b_n=2.0), X, h0)
    np.testing.assert_allclose(tr.final_state["h"], np.tanh(2.0), atol=1e-10)


# ------------------------------------------------------------------- activations
def test_activations_are_stable_and_correct():
    z = np.array([[-1000.0, -3.0, 0.0, 2.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, p, lp = sigmoid(z), softmax(z), log_softmax(z)
    np.testing.assert_allclose(s, [[0.0, 1 / (1 + np.exp(3)), 0.5, 1 / (1 + np.exp(-2)), 1.0]], rtol=1e-14)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    np.testing.assert_allclose(np.exp(log_softmax(z[:, 1:4])), softmax(z[:, 1:4]), rtol=1e-14)
    np.testing.assert_allclose(softmax(z, axis=0), np.ones_like(z))
    np.testing.assert_array_equal(tanh(z), np.tanh(z))
    assert isinstance(sigmoid(0.0), float) and sigmoid(0.0) == 0.5
    assert sigmoid(np.float32([1.0])).dtype == np.float32
