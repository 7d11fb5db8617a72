"""Initialisation schemes: bounds, orthogonality, biases, dtype, determinism."""

from functools import partial

import numpy as np
import pytest

from rnnlib.gru import GRU
from rnnlib.init import orthogonal, uniform_pytorch, xavier_uniform
from rnnlib.lstm import LSTM
from rnnlib.rnn import RNN

CELLS = {"rnn": RNN, "lstm": partial(LSTM), "gru-book": GRU, "gru-pytorch": partial(GRU, variant="pytorch")}
D, H = 6, 10


def blocks(cell, W):
    """(input block (H, D), recurrent block (H, H)) of every gate."""
    return [(W[k * H : (k + 1) * H, :D], W[k * H : (k + 1) * H, D:]) for k in range(cell.num_blocks)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", CELLS)
def test_pytorch_scheme_is_uniform_within_one_over_sqrt_h(name, dtype):
    cell = CELLS[name](D, H)
    kwargs = {"forget_bias": 0.0} if name == "lstm" else {}
    params = cell.init(np.random.default_rng(0), dtype=dtype, **kwargs)
    assert set(params) == set(cell.param_shapes())
    for k, v in params.items():
        assert v.shape == cell.param_shapes()[k] and v.dtype == dtype
        assert np.abs(v).max() <= 1 / np.sqrt(H) and np.abs(v).max() > 0.8 / np.sqrt(H)


@pytest.mark.parametrize("name", CELLS)
def test_xavier_and_orthogonal_schemes(name):
    cell = CELLS[name](D, H)
    for scheme in ("xavier", "orthogonal"):
        params = cell.init(np.random.default_rng(0), scheme=scheme)
        for Wx, Wh in blocks(cell, params["W"]):
            assert np.abs(Wx).max() <= np.sqrt(6 / (D + H))
            if scheme == "orthogonal":
                np.testing.assert_allclose(Wh.T @ Wh, np.eye(H), atol=1e-12)
            else:
                assert np.abs(Wh).max() <= np.sqrt(6 / (2 * H))
        expected_b = np.zeros_like(params["b"])
        if name == "lstm":
            expected_b[H : 2 * H] = 1.0  # forget_bias default
        np.testing.assert_array_equal(params["b"], expected_b)
        assert not params.get("b_hn", np.zeros(1)).any()


def test_lstm_forget_bias_is_added_to_b_f_only():
    cell = LSTM(D, H)
    base = cell.init(np.random.default_rng(0), forget_bias=0.0)
    shifted = cell.init(np.random.default_rng(0), forget_bias=2.5)
    diff = shifted["b"] - base["b"]
    np.testing.assert_allclose(cell.views({"W": base["W"], "b": diff})["b_f"], 2.5)
    np.testing.assert_array_equal(np.delete(diff, np.s_[H : 2 * H]), 0)
    np.testing.assert_array_equal(shifted["W"], base["W"])


@pytest.mark.parametrize("name", CELLS)
def test_same_seed_same_params_other_seed_other_params(name):
    cell = CELLS[name](D, H)
    a, b, c = (cell.init(np.random.default_rng(s), scheme="orthogonal") for s in (1, 1, 2))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W"], c["W"])


def test_init_functions():
    rng = np.random.default_rng(0)
    u = uniform_pytorch(rng, (4000,), hidden_size=25, dtype=np.float32)
    assert u.dtype == np.float32 and np.abs(u).max() <= 0.2 and abs(u.var() - 0.2**2 / 3) < 0.001
    x = xavier_uniform(rng, (300, 100))
    a = np.sqrt(6 / 400)
    assert x.shape == (300, 100) and np.abs(x).max() <= a and abs(x.var() / (a**2 / 3) - 1) < 0.03
    q = orthogonal(rng, 7)
    np.testing.assert_allclose(q @ q.T, np.eye(7), atol=1e-13)
    np.testing.assert_allclose(abs(np.linalg.det(q)), 1.0)
    assert abs(orthogonal(rng, 1)[0, 0]) == 1.0
    assert orthogonal(rng, 3, dtype=np.float32).dtype == np.float32


def test_init_functions_reject_bad_arguments():
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        uniform_pytorch(np.random.RandomState(0), (2,), 3)
    with pytest.raises(ValueError, match=r"shape: expected \(out, in\), got \(3,\)"):
        xavier_uniform(np.random.default_rng(0), (3,))
    with pytest.raises(ValueError, match="n: expected a positive int, got 0"):
        orthogonal(np.random.default_rng(0), 0)
    with pytest.raises(TypeError, match="dtype: expected float32 or float64"):
        orthogonal(np.random.default_rng(0), 3, dtype=int)
    with pytest.raises(ValueError, match="hidden_size: expected a positive int, got -1"):
        uniform_pytorch(np.random.default_rng(0), (2,), -1)
