"""rnnlib.attention: masked softmax, dot-product and additive attention (values, masks, gradients, parity)."""
import numpy as np
import pytest

from rnnlib.attention import (
    AdditiveAttention,
    dot_product_attention,
    dot_product_attention_backward,
    masked_softmax,
    masked_softmax_backward,
)
from rnnlib.gradcheck import numerical_gradient, rel_error

Tq, Tk, B, D, Dv, A = 3, 5, 2, 4, 3, 6


def qkv(rng, Dq=D, Dk=D):
    return rng.normal(size=(Tq, B, Dq)), rng.normal(size=(Tk, B, Dk)), rng.normal(size=(Tk, B, Dv))


def padding_mask():
    m = np.ones((Tk, B), bool)
    m[:2, 1] = False  # sequence 1 is left-padded by two positions
    return m


def test_masked_softmax_rows_sum_to_one_and_masked_keys_get_zero():
    rng = np.random.default_rng(0)
    e = rng.normal(size=(Tq, B, Tk)) * 5
    a = masked_softmax(e, padding_mask())
    np.testing.assert_allclose(a.sum(axis=-1), 1.0)
    assert np.all(a[:, 1, :2] == 0.0) and np.all(a[:, 0] > 0)
    # the kept keys get the softmax of their own scores
    kept = np.exp(e[:, 1, 2:]) / np.exp(e[:, 1, 2:]).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(a[:, 1, 2:], kept)


def test_masked_softmax_backward_matches_numerical():
    rng = np.random.default_rng(1)
    e, w = rng.normal(size=(Tq, B, Tk)), rng.normal(size=(Tq, B, Tk))
    m = padding_mask()
    num = numerical_gradient(lambda x: float(np.sum(w * masked_softmax(x, m))), e)
    assert rel_error(masked_softmax_backward(masked_softmax(e, m), w), num) < 1e-7


def test_dot_product_values_by_hand():
    rng = np.random.default_rng(2)
    Q, K, V = qkv(rng)
    C, tr = dot_product_attention(Q, K, V)
    t, b = 1, 0
    e = np.array([Q[t, b] @ K[s, b] for s in range(Tk)]) / np.sqrt(D)
    a = np.exp(e - e.max()) / np.exp(e - e.max()).sum()
    np.testing.assert_allclose(tr["weights"][t, b], a)
    np.testing.assert_allclose(C[t, b], a @ V[:, b])


@pytest.mark.parametrize("masked", [False, True])
def test_dot_product_gradients(masked):
    rng = np.random.default_rng(3)
    Q, K, V = qkv(rng)
    m = padding_mask() if masked else None
    W = rng.normal(size=(Tq, B, Dv))
    g = dot_product_attention_backward(dot_product_attention(Q, K, V, m)[1], W)
    for name, x in (("Q", Q), ("K", K), ("V", V)):
        def f(x_, name=name):
            args = {"Q": Q, "K": K, "V": V, name: x_}
            return float(np.sum(W * dot_product_attention(args["Q"], args["K"], args["V"], m)[0]))
        assert rel_error(g[name], numerical_gradient(f, x)) < 1e-7, name
    if masked:
        assert np.all(g["K"][:2, 1] == 0) and np.all(g["V"][:2, 1] == 0)


def test_additive_values_by_hand():
    rng = np.random.default_rng(4)
    att = AdditiveAttention(D, 5, A)
    p = att.init(rng)
    Q, K, V = qkv(rng, D, 5)
    C, tr = att.forward(p, Q, K, V)
    t, b = 2, 1
    e = np.array([p["v"] @ np.tanh(p["W_q"] @ Q[t, b] + p["W_k"] @ K[s, b]) for s in range(Tk)])
    np.testing.assert_allclose(tr["scores"][t, b], e)
    np.testing.assert_allclose(att.scores(p, Q, K), tr["scores"])
    a = np.exp(e) / np.exp(e).sum()
    np.testing.assert_allclose(C[t, b], a @ V[:, b])


@pytest.mark.parametrize("masked", [False, True])
def test_additive_gradients(masked):
    rng = np.random.default_rng(5)
    att = AdditiveAttention(D, 5, A)
    p = att.init(rng)
    Q, K, V = qkv(rng, D, 5)
    m = padding_mask() if masked else None
    W = rng.normal(size=(Tq, B, Dv))
    g = att.backward(p, att.forward(p, Q, K, V, m)[1], W)
    inputs = {"Q": Q, "K": K, "V": V}
    for name in ("W_q", "W_k", "v", "Q", "K", "V"):
        def f(x_, name=name):
            pp, ii = dict(p), dict(inputs)
            (pp if name in p else ii)[name] = x_
            return float(np.sum(W * att.forward(pp, ii["Q"], ii["K"], ii["V"], m)[0]))
        x = p[name] if name in p else inputs[name]
        assert rel_error(g[name], numerical_gradient(f, x)) < 1e-7, name


def test_padding_does_not_change_the_result_of_the_real_keys():
    """A left-padded sequence attends exactly as the same sequence alone."""
    rng = np.random.default_rng(6)
    att = AdditiveAttention(D, D, A)
    p = att.init(rng)
    Q, K, V = qkv(rng)
    m = padding_mask()
    K2, V2 = K.copy(), V.copy()
    K2[:2, 1], V2[:2, 1] = 1e3, -1e3  # garbage in the padding
    for fwd in (lambda q, k, v, mm: att.forward(p, q, k, v, mm)[0],
                lambda q, k, v, mm: dot_product_attention(q, k, v, mm)[0]):
        full = fwd(Q, K2, V2, m)[:, 1]
        alone = fwd(Q[:, 1:2], K[2:, 1:2], V[2:, 1:2], None)[:, 0]
        np.testing.assert_allclose(full, alone, rtol=1e-12, atol=1e-12)


def test_bad_input():
    rng = np.random.default_rng(7)
    Q, K, V = qkv(rng)
    with pytest.raises(ValueError, match="mask: expected shape"):
        dot_product_attention(Q, K, V, np.ones((Tk + 1, B), bool))
    with pytest.raises(TypeError, match="mask: expected a bool"):
        dot_product_attention(Q, K, V, np.ones((Tk, B)))
    m = np.ones((Tk, B), bool)
    m[:, 0] = False
    with pytest.raises(ValueError, match="sequence 0 has none"):
        masked_softmax(np.zeros((Tq, B, Tk)), m)
    with pytest.raises(ValueError, match="K: expected shape"):
        dot_product_attention(Q, K[:, :1], V)
    with pytest.raises(ValueError, match="V: expected shape"):
        dot_product_attention(Q, K, V[:-1])
    with pytest.raises(ValueError, match=r"K: expected shape \(Tk, B, D\) with D=4"):
        dot_product_attention(Q, rng.normal(size=(Tk, B, 3)), V)
    att = AdditiveAttention(D, D, A)
    p = att.init(rng)
    with pytest.raises(ValueError, match="Q: expected shape"):
        att.forward(p, Q[..., :2], K, V)
    with pytest.raises(ValueError, match=r"params\['v'\]"):
        att.forward(dict(p, v=np.zeros(A + 1)), Q, K, V)
    with pytest.raises(ValueError, match="dcontext: expected shape"):
        att.backward(p, att.forward(p, Q, K, V)[1], np.zeros((Tq, B, Dv + 1)))
    with pytest.raises(ValueError, match="attn_size"):
        AdditiveAttention(D, D, 0)
    with pytest.raises(TypeError, match="rng"):
        att.init(0)
    assert att.num_params() == sum(v.size for v in p.values())
    assert "AdditiveAttention(query_size=4" in repr(att)


def _torch():
    return pytest.importorskip("torch")


def test_dot_product_parity_with_torch():
    torch = _torch()
    F = torch.nn.functional
    rng = np.random.default_rng(8)
    Q, K, V = qkv(rng)
    m = padding_mask()
    W = rng.normal(size=(Tq, B, Dv))
    C, tr = dot_product_attention(Q, K, V, m)
    g = dot_product_attention_backward(tr, W)
    tQ, tK, tV = (torch.tensor(x.transpose(1, 0, 2), requires_grad=True) for x in (Q, K, V))  # batch-first
    attn_mask = torch.tensor(m.T[:, None, :])  # (B, 1, Tk), True = take part
    out = F.scaled_dot_product_attention(tQ, tK, tV, attn_mask=attn_mask)
    (out * torch.tensor(W.transpose(1, 0, 2))).sum().backward()
    assert np.max(np.abs(out.detach().numpy().transpose(1, 0, 2) - C)) < 1e-12
    for name, t in (("Q", tQ), ("K", tK), ("V", tV)):
        assert np.max(np.abs(t.grad.numpy().transpose(1, 0, 2) - g[name])) < 1e-12, name


def test_additive_parity_with_torch_autograd():
    torch = _torch()
    rng = np.random.default_rng(9)
    att = AdditiveAttention(D, 5, A)
    p = att.init(rng)
    Q, K, V = qkv(rng, D, 5)
    m = padding_mask()
    W = rng.normal(size=(Tq, B, Dv))
    C, tr = att.forward(p, Q, K, V, m)
    g = att.backward(p, tr, W)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in dict(p, Q=Q, K=K, V=V).items()}
    # v^T tanh(W_q q_t + W_k k_s), written independently in torch (batch-first)
    q = t["Q"].transpose(0, 1) @ t["W_q"].T  # (B, Tq, A)
    k = t["K"].transpose(0, 1) @ t["W_k"].T  # (B, Tk, A)
    e = torch.tanh(q[:, :, None, :] + k[:, None, :, :]) @ t["v"]  # (B, Tq, Tk)
    e = e.masked_fill(~torch.tensor(m.T[:, None, :]), float("-inf"))
    out = torch.softmax(e, dim=-1) @ t["V"].transpose(0, 1)
    (out * torch.tensor(W.transpose(1, 0, 2))).sum().backward()
    assert np.max(np.abs(out.detach().numpy().transpose(1, 0, 2) - C)) < 1e-12
    for name in g:
        assert np.max(np.abs(t[name].grad.numpy() - g[name])) < 1e-12, name
