"""RecurrentStack: shapes, every gradient against central differences, padding masks
(a padded batch gives what each sequence gives alone), bad input."""

import re
from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.gru import GRU
from rnnlib.layers import RecurrentStack, length_mask, lengths_from_mask
from rnnlib.lstm import LSTM
from rnnlib.rnn import RNN

CELLS = {
    "rnn": RNN, "rnn-relu": partial(RNN, activation="relu"), "lstm": LSTM,
    "gru-book": GRU, "gru-pytorch": partial(GRU, variant="pytorch"),
}
TOL = 1e-7


def raises(exc, message):
    return pytest.raises(exc, match=re.escape(message))


def problem(name, T=5, B=3, D=2, H=3, num_layers=2, bidirectional=True, seed=0):
    """A stack with non-trivial parameters, inputs, initial state and upstream gradients."""
    rng = np.random.default_rng(seed)
    stack = RecurrentStack(CELLS[name](D, H), num_layers=num_layers, bidirectional=bidirectional)
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in stack.init(rng).items()}
    X = rng.standard_normal((T, B, D))
    state = {k: 0.5 * rng.standard_normal(v.shape) for k, v in stack.zero_state(B).items()}
    dout = rng.standard_normal((T, B, stack.output_size))
    dfinal = {k: rng.standard_normal(v.shape) for k, v in state.items()}
    return stack, params, X, state, dout, dfinal


def gradient_errors(stack, params, X, state, dout, dfinal, lengths=None):
    """rel_error of every gradient ``backward`` returns, against central differences of
    L = sum(out * dout) + sum_k sum(final_state[k] * dfinal[k])."""

    def loss(p, X_, s):
        out, trace = stack.forward(p, X_, s, lengths=lengths)
        return np.sum(out * dout) + sum(np.sum(trace.final_state[k] * dfinal[k]) for k in dfinal)

    grads = stack.backward(params, stack.forward(params, X, state, lengths=lengths)[1], dout, dfinal)
    assert set(grads) == set(params) | {"X"} | set(state)
    errors = {k: rel_error(grads[k], numerical_gradient(lambda v: loss({**params, k: v}, X, state), params[k]))
              for k in params}
    errors["X"] = rel_error(grads["X"], numerical_gradient(lambda v: loss(params, v, state), X))
    for k in state:
        errors[k] = rel_error(grads[k], numerical_gradient(lambda v: loss(params, X, {**state, k: v}), state[k]))
    return errors, grads


# ------------------------------------------------------------------ shapes
def test_shapes_names_and_layer_sizes():
    stack = RecurrentStack(LSTM(4, 5), num_layers=3, bidirectional=True)
    assert [u[0] for u in stack.units()] == ["l0", "l0_reverse", "l1", "l1_reverse", "l2", "l2_reverse"]
    assert stack.cells[1] == LSTM(10, 5) and stack.output_size == 10
    shapes = stack.param_shapes()
    assert shapes["l0.W"] == (20, 9) and shapes["l2_reverse.W"] == (20, 15)
    assert stack.num_params() == 2 * LSTM(4, 5).num_params() + 4 * LSTM(10, 5).num_params()
    params = stack.init(np.random.default_rng(0), forget_bias=0.0)
    assert set(params) == set(shapes)
    out, trace = stack.forward(params, np.zeros((7, 2, 4)))
    assert out.shape == (7, 2, 10)
    assert trace.final_state["h"].shape == trace.final_state["c"].shape == (6, 2, 5)
    assert repr(stack) == "RecurrentStack(LSTM(input_size=4, hidden_size=5), num_layers=3, bidirectional=True)"
    gru = RecurrentStack(GRU(3, 2, variant="pytorch"), num_layers=2)
    assert gru.cells[1] == GRU(2, 2, variant="pytorch") and "l1.b_hn" in gru.param_shapes()


@pytest.mark.parametrize("name", CELLS)
def test_one_layer_one_direction_is_the_cell(name):
    stack, params, X, state, dout, dfinal = problem(name, num_layers=1, bidirectional=False)
    cell = stack.cells[0]
    p = stack.unit_params(params, "l0")
    s = {k: v[0] for k, v in state.items()}
    H_seq, ctrace = cell.forward(p, X, s)
    out, trace = stack.forward(params, X, state)
    np.testing.assert_array_equal(out, H_seq)
    g_cell = cell.backward(p, ctrace, dout, {k: v[0] for k, v in dfinal.items()})
    g = stack.backward(params, trace, dout, dfinal)
    np.testing.assert_array_equal(g["l0.W"], g_cell["W"])
    np.testing.assert_array_equal(g["X"], g_cell["X"])


def test_layers_compose_and_reverse_reads_backwards():
    stack, params, X, state, _, _ = problem("gru-book")
    out, trace = stack.forward(params, X, state)
    c0, c1 = stack.cells
    s = {k: v for k, v in state.items()}
    fwd0 = c0.forward(stack.unit_params(params, "l0"), X, {"h": s["h"][0]})[0]
    rev0 = c0.forward(stack.unit_params(params, "l0_reverse"), X[::-1], {"h": s["h"][1]})[0][::-1]
    layer0 = np.concatenate([fwd0, rev0], axis=2)
    fwd1 = c1.forward(stack.unit_params(params, "l1"), layer0, {"h": s["h"][2]})[0]
    rev1 = c1.forward(stack.unit_params(params, "l1_reverse"), layer0[::-1], {"h": s["h"][3]})[0][::-1]
    np.testing.assert_allclose(out, np.concatenate([fwd1, rev1], axis=2), rtol=0, atol=1e-15)
    # the reverse direction's final state is its state after reading x_1 (step 0)
    np.testing.assert_allclose(trace.final_state["h"][3], rev1[0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(trace.final_state["h"][2], fwd1[-1], rtol=0, atol=1e-15)


# --------------------------------------------------------------- gradients
@pytest.mark.parametrize("name", CELLS)
def test_every_gradient_matches_central_differences(name):
    errors, _ = gradient_errors(*problem(name))
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("name", ["lstm", "gru-pytorch", "rnn"])
def test_every_gradient_with_padding(name):
    stack, params, X, state, dout, dfinal = problem(name, T=5, B=4)
    errors, grads = gradient_errors(stack, params, X, state, dout, dfinal, lengths=[5, 2, 1, 3])
    assert max(errors.values()) < TOL, errors
    assert not grads["X"][2:, 1].any() and not grads["X"][1:, 2].any()  # padded inputs: no gradient


@pytest.mark.parametrize("layers, bidirectional", [(1, True), (3, False)])
def test_gradients_other_shapes_and_no_upstream(layers, bidirectional):
    stack, params, X, state, dout, _ = problem("lstm", T=3, B=2, num_layers=layers, bidirectional=bidirectional)
    errors, _ = gradient_errors(stack, params, X, state, dout, {}, lengths=[2, 3])
    assert max(errors.values()) < TOL, errors
    g = stack.backward(params, stack.forward(params, X)[1])  # no upstream at all: zero gradients
    assert not any(v.any() for v in g.values())


# ------------------------------------------------------------------ masks
@pytest.mark.parametrize("name", CELLS)
def test_padded_batch_equals_each_sequence_alone(name):
    T, lengths = 6, np.array([6, 2, 4, 1, 4])
    stack, params, X, state, dout, dfinal = problem(name, T=T, B=len(lengths), seed=3)
    X[np.arange(T)[:, None] >= lengths] = 7.0  # padding with large values must change nothing
    out, trace = stack.forward(params, X, state, lengths=lengths)
    g = stack.backward(params, trace, dout, dfinal)
    summed = {k: np.zeros_like(v) for k, v in params.items()}
    for b, n in enumerate(lengths):
        one = slice(b, b + 1)
        s_b = {k: v[:, one] for k, v in state.items()}
        out_b, trace_b = stack.forward(params, X[:n, one], s_b)
        g_b = stack.backward(params, trace_b, dout[:n, one], {k: v[:, one] for k, v in dfinal.items()})
        close = partial(np.testing.assert_allclose, rtol=1e-12, atol=1e-14)
        close(out[:n, one], out_b)
        assert not out[n:, b].any()  # padded outputs are 0
        for k in state:
            close(trace.final_state[k][:, one], trace_b.final_state[k])
            close(g[k][:, one], g_b[k])
        close(g["X"][:n, one], g_b["X"])
        assert not g["X"][n:, b].any()
        for k in summed:
            summed[k] += g_b[k]
    for k in params:  # parameter gradients: the sum of the sequences' own gradients
        np.testing.assert_allclose(g[k], summed[k], rtol=1e-11, atol=1e-13)


def test_lstm_cell_state_gradient_without_the_pass_through_trace(monkeypatch):
    """The generic path (one backward call per shorter length) gives the same gradients."""
    import rnnlib.layers

    stack, params, X, state, dout, dfinal = problem("lstm", T=5, B=4)
    lengths = [5, 2, 1, 2]
    fast = stack.backward(params, stack.forward(params, X, state, lengths=lengths)[1], dout, dfinal)
    monkeypatch.setattr(rnnlib.layers, "PASS_THROUGH", {})
    errors, slow = gradient_errors(stack, params, X, state, dout, dfinal, lengths=lengths)
    assert max(errors.values()) < TOL, errors
    for k in fast:
        np.testing.assert_allclose(fast[k], slow[k], rtol=1e-12, atol=1e-14)


def test_mask_argument_equals_lengths():
    stack, params, X, state, dout, dfinal = problem("lstm", T=4, B=3)
    lengths = np.array([4, 1, 3])
    mask = length_mask(lengths, 4)
    assert mask.shape == (4, 3) and mask.dtype == bool and mask[:, 1].tolist() == [True, False, False, False]
    np.testing.assert_array_equal(lengths_from_mask(mask), lengths)
    np.testing.assert_array_equal(lengths_from_mask(mask.astype(int)), lengths)
    out_l, tr_l = stack.forward(params, X, state, lengths=lengths)
    out_m, tr_m = stack.forward(params, X, state, mask=mask)
    np.testing.assert_array_equal(out_l, out_m)
    np.testing.assert_array_equal(tr_l.final_state["c"], tr_m.final_state["c"])
    full = stack.forward(params, X, state, lengths=[4, 4, 4])[0]
    np.testing.assert_array_equal(full, stack.forward(params, X, state)[0])


def test_float32_and_inputs_not_modified():
    stack, params, X, state, dout, dfinal = problem("gru-book")
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    out, trace = stack.forward(p32, X, state, lengths=[5, 3, 2])
    assert out.dtype == np.float32 and trace.final_state["h"].dtype == np.float32
    g = stack.backward(p32, trace, dout, dfinal)
    assert all(v.dtype == np.float32 for v in g.values())
    copies = [a.copy() for a in (X, state["h"], dout, dfinal["h"])]
    stack.backward(params, stack.forward(params, X, state, lengths=[5, 3, 2])[1], dout, dfinal)
    for before, after in zip(copies, (X, state["h"], dout, dfinal["h"])):
        np.testing.assert_array_equal(before, after)
    assert not trace["X"].flags.writeable


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "make, exc, message",
    [
        (lambda: RecurrentStack("lstm"), TypeError, "cell: expected an rnnlib cell (RNN, LSTM or GRU), got str"),
        (lambda: RecurrentStack(LSTM(2, 3), num_layers=0), ValueError, "num_layers: expected"),
        (lambda: RecurrentStack(LSTM(2, 3), bidirectional=1), TypeError, "bidirectional: expected True or False, got int"),
    ],
)
def test_bad_configuration(make, exc, message):
    with raises(exc, message):
        make()


def test_bad_forward_arguments():
    stack, params, X, state, dout, dfinal = problem("lstm", T=4, B=3)
    with raises(ValueError, "got no key 'l1_reverse.W'"):
        stack.forward({k: v for k, v in params.items() if k != "l1_reverse.W"}, X)
    with raises(ValueError, "params['l1.W']: expected shape (G*H, D+H) = (12, 9)"):
        stack.forward({**params, "l1.W": params["l0.W"]}, X)
    bad = {k: v.copy() for k, v in params.items()}
    bad["l1_reverse.W"][1, 2] = np.nan
    with raises(ValueError, "params['l1_reverse.W']: expected finite values, got 1 NaN/inf entries (first at index (1, 2): nan)"):
        stack.forward(bad, X)
    with raises(ValueError, "X: expected shape (T, B, D) with D=2, got (4, 3, 5)"):
        stack.forward(params, np.zeros((4, 3, 5)))
    with raises(ValueError, "state['h']: expected shape (L*K, B, H) with L*K=4, B=3, H=3, got (2, 3, 3)"):
        stack.forward(params, X, {"h": state["h"][:2], "c": state["c"]})
    with raises(ValueError, "got no key 'c'"):
        stack.forward(params, X, {"h": state["h"]})
    with raises(ValueError, "lengths: expected lengths in [1, 4] (T=4, the steps of X), got 5 at index 1"):
        stack.forward(params, X, lengths=[4, 5, 1])
    with raises(ValueError, "lengths: expected lengths in [1, 4] (T=4, the steps of X), got 0 at index 2"):
        stack.forward(params, X, lengths=[4, 3, 0])
    with raises(TypeError, "lengths: expected a (B,) integer array, got dtype float64"):
        stack.forward(params, X, lengths=[4.0, 3.0, 1.0])
    with raises(ValueError, "lengths: expected shape (B,) with B=3 (the batch of X), got (2,)"):
        stack.forward(params, X, lengths=[4, 3])
    with raises(ValueError, "lengths, mask: expected at most one of them, got both"):
        stack.forward(params, X, lengths=[4, 3, 1], mask=np.ones((4, 3), bool))
    with raises(ValueError, "mask: expected shape (4, 3) (the shape of the steps and batch of X, (T, B)), got (5, 3)"):
        stack.forward(params, X, mask=np.ones((5, 3), bool))


@pytest.mark.parametrize(
    "mask, exc, message",
    [
        ([[True, False], [False, True]], ValueError, "mask: expected the real steps first (True then False) in every column; left-padded or gapped sequences are not supported, got a gap in column 1"),
        ([[True, False], [True, False]], ValueError, "mask: expected at least one True step in every sequence, got none in column 1"),
        ([[1.0, 1.0]], TypeError, "mask: expected a (T, B) boolean array, got dtype float64"),
        ([[2, 1]], ValueError, "mask: expected booleans or 0/1 integers, got other values"),
        ([True, True], ValueError, "mask: expected shape (T, B), got (2,)"),
    ],
)
def test_bad_mask(mask, exc, message):
    with raises(exc, message):
        lengths_from_mask(mask)


def test_bad_backward_arguments():
    stack, params, X, state, dout, dfinal = problem("gru-book", T=4, B=3)
    _, trace = stack.forward(params, X, state)
    with raises(ValueError, "dout: expected shape (T, B, K*H) with T=4, B=3, K*H=6, got (4, 3, 3)"):
        stack.backward(params, trace, dout[..., :3])
    with raises(ValueError, "got unknown key 'c'"):
        stack.backward(params, trace, dout, {"c": dfinal["h"]})
    with raises(TypeError, "trace: expected the Trace returned by RecurrentStack.forward, got dict"):
        stack.backward(params, dict(trace), dout)
    bad = dout.copy()
    bad[0, 0, 0] = np.inf
    with raises(ValueError, "dout: expected finite values"):
        stack.backward(params, trace, bad)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    with raises(TypeError, "trace: expected dtype float32 (the dtype of params), got float64"):
        stack.backward(p32, trace, dout)
    with raises(ValueError, "prefix: expected one of ('l0', 'l0_reverse', 'l1', 'l1_reverse'), got 'l2'"):
        stack.unit_params(params, "l2")
    with raises(AttributeError, "RecurrentStack is immutable"):
        stack.num_layers = 3


def test_module_examples_run():
    import doctest

    import rnnlib.embedding
    import rnnlib.layers

    for module in (rnnlib.layers, rnnlib.embedding):
        result = doctest.testmod(module)
        assert result.attempted and not result.failed, module.__name__


@settings(max_examples=12, deadline=None)
@given(
    name=st.sampled_from(sorted(CELLS)),
    lengths=st.lists(st.integers(1, 5), min_size=1, max_size=4),
    num_layers=st.integers(1, 2),
    bidirectional=st.booleans(),
)
def test_padding_property(name, lengths, num_layers, bidirectional):
    """Any lengths, layers and directions: each padded sequence's output and final state are its own."""
    T = max(lengths)
    stack, params, X, state, _, _ = problem(name, T=T, B=len(lengths), num_layers=num_layers,
                                            bidirectional=bidirectional, seed=len(lengths))
    out, trace = stack.forward(params, X, state, lengths=lengths)
    for b, n in enumerate(lengths):
        out_b, trace_b = stack.forward(params, X[:n, b : b + 1], {k: v[:, b : b + 1] for k, v in state.items()})
        np.testing.assert_allclose(out[:n, b : b + 1], out_b, rtol=1e-12, atol=1e-14)
        for k in state:
            np.testing.assert_allclose(trace.final_state[k][:, b : b + 1], trace_b.final_state[k], rtol=1e-12, atol=1e-14)
