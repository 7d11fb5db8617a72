"""RecurrentStack against torch.nn.RNN / LSTM / GRU(num_layers=2, bidirectional=True), float64:
outputs, final states and every gradient (parameters, inputs, initial states), with and
without padding (torch's packed sequences), and the state-dict converters both ways."""

import numpy as np
import pytest

from rnnlib.gru import GRU
from rnnlib.layers import RecurrentStack
from rnnlib.lstm import LSTM
from rnnlib.rnn import RNN
from rnnlib.torch_interop import from_torch_state_dict, to_torch_state_dict

torch = pytest.importorskip("torch", reason="torch (CPU) is only needed for the parity tests: pip install torch")

T, B, D, H, L = 6, 4, 3, 5, 2
CASES = {  # name: (rnnlib cell of layer 0, torch module class and options)
    "rnn-tanh": (lambda: RNN(D, H), lambda **kw: torch.nn.RNN(D, H, **kw)),
    "rnn-relu": (lambda: RNN(D, H, activation="relu"), lambda **kw: torch.nn.RNN(D, H, nonlinearity="relu", **kw)),
    "lstm": (lambda: LSTM(D, H), lambda **kw: torch.nn.LSTM(D, H, **kw)),
    "gru": (lambda: GRU(D, H, variant="pytorch"), lambda **kw: torch.nn.GRU(D, H, **kw)),
}
TOL = dict(rtol=1e-10, atol=1e-12)
LENGTHS = np.array([6, 2, 4, 1])


def data(stack, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((T, B, D))
    state = {k: rng.standard_normal(v.shape) for k, v in stack.zero_state(B).items()}
    dout = rng.standard_normal((T, B, stack.output_size))
    dfinal = {k: rng.standard_normal(v.shape) for k, v in state.items()}
    return X, state, dout, dfinal


def run_torch(net, X, state, dout, dfinal, lengths=None):
    """Forward (packed if ``lengths``), then backward of sum(out * dout) + sum(final * dfinal)."""
    t = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)  # noqa: E731
    Xt, st = t(X), {k: t(v) for k, v in state.items()}
    inputs = Xt
    if lengths is not None:
        inputs = torch.nn.utils.rnn.pack_padded_sequence(Xt, torch.tensor(lengths), enforce_sorted=False)
    out, final = net(inputs, (st["h"], st["c"]) if "c" in st else st["h"])
    if lengths is not None:
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=T)
    final = dict(zip(("h", "c"), final if isinstance(final, tuple) else (final,)))
    loss = (out * torch.from_numpy(dout)).sum() + sum((final[k] * torch.from_numpy(v)).sum() for k, v in dfinal.items())
    loss.backward()
    grads = {name: p.grad.numpy() for name, p in net.named_parameters()}
    grads.update(X=Xt.grad.numpy(), **{k: v.grad.numpy() for k, v in st.items()})
    return out.detach().numpy(), {k: v.detach().numpy() for k, v in final.items()}, grads


def max_errors(stack, params, net, lengths=None, seed=1):
    """Largest |rnnlib - torch| of the outputs, final states and gradients, asserting each within TOL."""
    X, state, dout, dfinal = data(stack, seed)
    out_t, final_t, g_t = run_torch(net, X, state, dout, dfinal, lengths)
    out, trace = stack.forward(params, X, state, lengths=lengths)
    g = stack.backward(params, trace, dout, dfinal)
    pairs = {"out": (out, out_t), "X": (g["X"], g_t["X"])}
    for k in stack.state_names:
        pairs[f"final {k}"] = (trace.final_state[k], final_t[k])
        pairs[f"d{k}0"] = (g[k], g_t[k])
    for prefix, cell, _, _ in stack.units():
        W_t = np.concatenate([g_t[f"weight_ih_{prefix}"], g_t[f"weight_hh_{prefix}"]], axis=1)
        pairs[f"{prefix}.W"] = (g[f"{prefix}.W"], W_t)
        # b = bias_ih + bias_hh: both torch biases get db; the GRU's n block splits into b_n and b_hn
        pairs[f"{prefix}.b"] = (g[f"{prefix}.b"], g_t[f"bias_ih_{prefix}"])
        shared = slice(0, 2 * H) if isinstance(cell, GRU) else slice(None)
        pairs[f"{prefix}.b (hh)"] = (g[f"{prefix}.b"][shared], g_t[f"bias_hh_{prefix}"][shared])
        if isinstance(cell, GRU):
            pairs[f"{prefix}.b_hn"] = (g[f"{prefix}.b_hn"], g_t[f"bias_hh_{prefix}"][2 * H :])
    for name, (a, b) in pairs.items():
        np.testing.assert_allclose(a, b, **TOL, err_msg=name)
    return {name: float(np.max(np.abs(a - b))) for name, (a, b) in pairs.items()}


@pytest.mark.parametrize("padded", [False, True], ids=["full", "padded"])
@pytest.mark.parametrize("name", CASES)
def test_torch_to_rnnlib(name, padded):
    make_cell, make_net = CASES[name]
    torch.manual_seed(0)
    net = make_net(num_layers=L, bidirectional=True).double()
    stack = RecurrentStack(make_cell(), num_layers=L, bidirectional=True)
    params = from_torch_state_dict(stack, net.state_dict())  # tensors accepted directly
    assert set(params) == set(stack.param_shapes()) and all(v.dtype == np.float64 for v in params.values())
    max_errors(stack, params, net, LENGTHS if padded else None)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("name", CASES)
def test_rnnlib_to_torch(name, bidirectional):
    make_cell, make_net = CASES[name]
    stack = RecurrentStack(make_cell(), num_layers=L, bidirectional=bidirectional)
    rng = np.random.default_rng(3)
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in stack.init(rng).items()}  # b_hn != 0
    sd = to_torch_state_dict(stack, params)
    net = make_net(num_layers=L, bidirectional=bidirectional).double()
    assert set(sd) == set(net.state_dict())
    net.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    max_errors(stack, params, net, LENGTHS)
    back = from_torch_state_dict(stack, sd)  # the round trip gives the same function
    X = rng.standard_normal((T, B, D))
    np.testing.assert_allclose(stack.forward(back, X)[0], stack.forward(params, X)[0], rtol=1e-13, atol=1e-14)


def test_converter_bad_input():
    stack = RecurrentStack(LSTM(D, H), num_layers=L, bidirectional=True)
    sd = to_torch_state_dict(stack, stack.init(np.random.default_rng(0)))
    with pytest.raises(ValueError, match="state_dict: expected keys .*, got no key 'weight_hh_l1_reverse'"):
        from_torch_state_dict(stack, {k: v for k, v in sd.items() if k != "weight_hh_l1_reverse"})
    with pytest.raises(ValueError, match=r"state_dict\['weight_ih_l1'\]: expected shape \(G\*H, D\)"):
        from_torch_state_dict(stack, {**sd, "weight_ih_l1": sd["weight_ih_l0"]})
    with pytest.raises(ValueError, match="GRU"):
        to_torch_state_dict(RecurrentStack(GRU(D, H), num_layers=2), RecurrentStack(GRU(D, H), 2).init(np.random.default_rng(0)))
