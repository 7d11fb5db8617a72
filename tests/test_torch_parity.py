"""rnnlib against torch.nn.RNN / LSTM / GRU: outputs, final states and every gradient, float64."""

import numpy as np
import pytest

from rnnlib.gru import GRU
from rnnlib.lstm import LSTM
from rnnlib.rnn import RNN
from rnnlib.torch_interop import from_torch_state_dict, to_torch_state_dict

torch = pytest.importorskip("torch", reason="torch (CPU) is only needed for the parity tests: pip install torch")

T, B, D, H = 6, 3, 4, 5
CASES = {  # name: (rnnlib cell, torch module)
    "rnn-tanh": (lambda: RNN(D, H), lambda: torch.nn.RNN(D, H)),
    "rnn-relu": (lambda: RNN(D, H, activation="relu"), lambda: torch.nn.RNN(D, H, nonlinearity="relu")),
    "lstm": (lambda: LSTM(D, H), lambda: torch.nn.LSTM(D, H)),
    "gru": (lambda: GRU(D, H, variant="pytorch"), lambda: torch.nn.GRU(D, H)),
}
TOL = dict(rtol=1e-10, atol=1e-12)


def data(cell, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((T, B, D))
    state = {k: rng.standard_normal((B, H)) for k in cell.state_names}
    dH = rng.standard_normal((T, B, H))
    dfinal = {k: rng.standard_normal((B, H)) for k in cell.state_names}
    return X, state, dH, dfinal


def run_torch(net, X, state, dH, dfinal):
    """Forward, then backward of sum(out * dH) + sum(final * dfinal); returns numpy results."""
    t = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)  # noqa: E731
    Xt, st = t(X), {k: t(v[None]) for k, v in state.items()}
    out, final = net(Xt, (st["h"], st["c"]) if "c" in st else st["h"])
    final = dict(zip(("h", "c"), final if isinstance(final, tuple) else (final,)))
    loss = (out * torch.from_numpy(dH)).sum()
    loss = loss + sum((final[k][0] * torch.from_numpy(v)).sum() for k, v in dfinal.items())
    loss.backward()
    grads = {name: p.grad.numpy() for name, p in net.named_parameters()}
    grads.update(X=Xt.grad.numpy(), **{k: v.grad.numpy()[0] for k, v in st.items()})
    return out.detach().numpy(), {k: v.detach().numpy()[0] for k, v in final.items()}, grads


def assert_same_function(cell, params, net, seed=1):
    X, state, dH, dfinal = data(cell, seed)
    out_t, final_t, g_t = run_torch(net, X, state, dH, dfinal)
    H_seq, trace = cell.forward(params, X, state)
    g = cell.backward(params, trace, dH, dfinal)
    np.testing.assert_allclose(H_seq, out_t, **TOL)
    for k in cell.state_names:
        np.testing.assert_allclose(trace.final_state[k], final_t[k], **TOL)
        np.testing.assert_allclose(g[k], g_t[k], **TOL)
    np.testing.assert_allclose(g["X"], g_t["X"], **TOL)
    np.testing.assert_allclose(g["W"], np.concatenate([g_t["weight_ih_l0"], g_t["weight_hh_l0"]], axis=1), **TOL)
    # b = bias_ih + bias_hh: both torch biases get db; the GRU's n block splits into b_n and b_hn
    shared = slice(0, 2 * H) if isinstance(cell, GRU) else slice(None)
    np.testing.assert_allclose(g["b"], g_t["bias_ih_l0"], **TOL)
    np.testing.assert_allclose(g["b"][shared], g_t["bias_hh_l0"][shared], **TOL)
    if isinstance(cell, GRU):
        np.testing.assert_allclose(g["b_hn"], g_t["bias_hh_l0"][2 * H :], **TOL)


@pytest.mark.parametrize("name", CASES)
def test_torch_to_rnnlib(name):
    make_cell, make_net = CASES[name]
    torch.manual_seed(0)
    net, cell = make_net().double(), make_cell()
    params = from_torch_state_dict(cell, net.state_dict())  # tensors accepted directly
    assert all(v.dtype == np.float64 for v in params.values())
    assert_same_function(cell, params, net)


@pytest.mark.parametrize("name", CASES)
def test_rnnlib_to_torch(name):
    make_cell, make_net = CASES[name]
    cell = make_cell()
    rng = np.random.default_rng(3)
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in cell.init(rng).items()}  # b_hn != 0
    sd = to_torch_state_dict(cell, params)
    net = make_net().double()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    assert_same_function(cell, params, net, seed=2)
    back = from_torch_state_dict(cell, sd)
    assert set(back) == set(params)
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])  # round trip is exact


def test_export_puts_b_into_bias_ih_and_b_hn_into_bias_hh():
    cell = GRU(D, H, variant="pytorch")
    params = cell.init(np.random.default_rng(0))
    sd = to_torch_state_dict(cell, params)
    np.testing.assert_array_equal(sd["bias_ih_l0"], params["b"])
    np.testing.assert_array_equal(sd["bias_hh_l0"][: 2 * H], 0)
    np.testing.assert_array_equal(sd["bias_hh_l0"][2 * H :], params["b_hn"])
    lstm = LSTM(D, H)
    assert not to_torch_state_dict(lstm, lstm.init(np.random.default_rng(0)))["bias_hh_l0"].any()


def test_float32_torch_modules_convert_keeping_or_casting_the_dtype():
    torch.manual_seed(0)
    net, cell = torch.nn.LSTM(D, H), LSTM(D, H)  # torch's default float32
    assert from_torch_state_dict(cell, net.state_dict())["W"].dtype == np.float32
    p64 = from_torch_state_dict(cell, net.state_dict(), dtype=np.float64)
    assert all(v.dtype == np.float64 for v in p64.values())
    X = np.random.default_rng(0).standard_normal((T, B, D))
    with torch.no_grad():
        out = net(torch.from_numpy(X).float())[0].numpy()
    np.testing.assert_allclose(cell.forward(p64, X)[0], out, rtol=1e-5, atol=1e-6)
