"""The chapters' per-lag gradient helpers agree with the cells' own backward
and with central differences (the figures plot what these functions return)."""
import numpy as np
import pytest

from rnnlib import GRU, LSTM, RNN
from rnnlib.figures import ch03, ch04
from rnnlib.gradcheck import numerical_gradient, rel_error


def test_lag_norms_match_backward_at_every_lag():
    rng = np.random.default_rng(0)
    cell = RNN(3, 5)
    params = cell.init(rng)
    X = rng.normal(size=(6, 2, 3))
    dJ = rng.normal(size=(2, 5))
    norms = ch03.lag_norms(cell, params, X, dJ)
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
    grads = ch04.state_gradients(cell, params, X, dh_T)
    _, trace = cell.forward(params, X)
    full = cell.backward(params, trace, None, dfinal_state={"h": dh_T})
    np.testing.assert_allclose(grads["h"][0], full["h"], rtol=1e-10, atol=1e-14)
    with_trace = ch04.state_gradients(cell, params, X, dh_T, trace=trace)
    np.testing.assert_allclose(with_trace["h"], grads["h"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("w", [1.85, 1.95, 2.05])
def test_cliff_gradient_is_the_derivative_of_the_cliff_loss(w):
    _, dw = ch03.cliff_loss(w)
    numeric = numerical_gradient(lambda a: ch03.cliff_loss(float(a[0]))[0], np.array([w]), eps=1e-7)[0]
    assert rel_error(np.array([dw]), np.array([numeric])) < 1e-6
