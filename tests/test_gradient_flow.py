"""rnnlib.gradient_flow: the per-lag gradients agree with the cells' own backward,
float64's limits land where the book says, and Trace.step cuts one step out."""
import numpy as np
import pytest

from rnnlib import GRU, LSTM, RNN
from rnnlib import gradient_flow as gf


def test_gradient_factors_overflow_and_underflow_where_float64_gives_up():
    k, g, exact = gf.gradient_factors(5.0, 500)
    assert k.shape == g.shape == exact.shape == (501,)
    assert int(np.argmax(np.isinf(g))) == 442 and np.isfinite(g[441])
    _, g, _ = gf.gradient_factors(0.1, 500)
    assert int(np.argmax(g == 0)) == 324 and g[323] > 0
    _, g, exact = gf.gradient_factors(1.1, 500)
    np.testing.assert_allclose(np.log10(g[-1]), exact[-1], rtol=1e-12)
    with pytest.raises(ValueError, match="w: expected a finite real number > 0, got 0.0"):
        gf.gradient_factors(0.0, 10)
    with pytest.raises(ValueError, match="T: expected a whole number >= 1, got 2.5"):
        gf.gradient_factors(1.0, 2.5)


def test_lag_norms_match_backward_at_every_lag():
    rng = np.random.default_rng(0)
    cell = RNN(3, 5)
    params = cell.init(rng)
    X = rng.normal(size=(6, 2, 3))
    dJ = rng.normal(size=(2, 5))
    norms = gf.lag_norms(cell, params, X, dJ)
    assert norms.shape == (7, 2)
    _, trace = cell.forward(params, X)
    for k in range(1, 7):  # rerun the last k inputs from h_{T-k}: backward's "h" is dJ/dh_{T-k}
        start = trace["h"][6 - k - 1] if k < 6 else np.zeros((2, 5))
        _, tail = cell.forward(params, X[6 - k:], state={"h": start})
        dh0 = cell.backward(params, tail, None, dfinal_state={"h": dJ})["h"]
        np.testing.assert_allclose(norms[k], np.linalg.norm(dh0, axis=1), rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("cell", [RNN(2, 3), LSTM(2, 3), GRU(2, 3)], ids=["RNN", "LSTM", "GRU"])
def test_state_gradients_at_step_0_equal_backward(cell):
    rng = np.random.default_rng(1)
    params = cell.init(rng)
    X = rng.normal(size=(5, 2, 2))
    dh_T = rng.normal(size=(2, 3))
    grads = gf.state_gradients(cell, params, X, dh_T)
    _, trace = cell.forward(params, X)
    full = cell.backward(params, trace, None, dfinal_state={"h": dh_T})
    for name in cell.state_names:
        np.testing.assert_allclose(grads[name][0], full[name], rtol=1e-10, atol=1e-14)
    with_trace = gf.state_gradients(cell, params, X, dh_T, trace=trace)
    np.testing.assert_allclose(with_trace["h"], grads["h"], rtol=1e-12, atol=1e-15)
    norms = gf.gradient_norms(grads["h"])
    assert norms.shape == (5,)
    np.testing.assert_allclose(norms[-1], np.linalg.norm(grads["h"][0], axis=-1).mean())


@pytest.mark.parametrize("cell", [RNN(2, 3), LSTM(2, 3), GRU(2, 3)], ids=["RNN", "LSTM", "GRU"])
def test_trace_step_is_the_forward_of_that_step_alone(cell):
    rng = np.random.default_rng(2)
    params = cell.init(rng)
    X = rng.normal(size=(4, 2, 2))
    _, trace = cell.forward(params, X)
    for t in range(4):
        state = trace["state0"] if t == 0 else {k: trace[k][t - 1] for k in cell.state_names}
        _, alone = cell.forward(params, X[t : t + 1], state=state)
        cut = trace.step(t)
        assert set(cut) == set(alone)
        for key in cell.trace_names:
            np.testing.assert_allclose(cut[key], alone[key], rtol=1e-12, atol=1e-15)
            assert not cut[key].flags.writeable
        for key in cell.state_names:
            np.testing.assert_allclose(cut.final_state[key], alone.final_state[key], rtol=1e-12)
    with pytest.raises(ValueError, match=r"t: expected an int in \[0, 4\) \(the trace has T = 4 steps\), got 4"):
        trace.step(4)
    with pytest.raises(TypeError, match=r"t: expected an int in \[0, 4\), got float 1.0"):
        trace.step(1.0)


def test_flow_norms_lstm_cell_state_keeps_more_than_the_rnn():
    rnn, lstm = gf.flow_norms("rnn"), gf.flow_norms("lstm", 1.0)
    T = gf.FLOW["T"]
    assert rnn["h"].shape == lstm["c"].shape == (T,) and rnn["gate"] is None
    assert lstm["c"][-1] > 100 * rnn["h"][-1]
    assert 0 < lstm["gate"] < 1
    with pytest.raises(ValueError, match="kind: expected one of 'rnn', 'lstm', 'gru', got 'transformer'"):
        gf.flow_cell("transformer")
