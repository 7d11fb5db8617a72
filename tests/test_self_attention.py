"""rnnlib.self_attention: positional encodings, forward by hand, gradients, masks, bad input."""
import numpy as np
import pytest

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.self_attention import SelfAttention, positional_encoding

T, B, D, d = 5, 2, 6, 4


def test_positional_encoding_formula():
    P = positional_encoding(7, 6)
    t, i = 3, 1
    assert P[t, 2 * i] == pytest.approx(np.sin(t / 10000 ** (2 * i / 6)))
    assert P[t, 2 * i + 1] == pytest.approx(np.cos(t / 10000 ** (2 * i / 6)))
    assert positional_encoding(4, 5).shape == (4, 5)  # odd D


def test_forward_by_hand_and_positions_matter():
    rng = np.random.default_rng(0)
    sa = SelfAttention(D, d)
    p = sa.init(rng)
    X = rng.normal(size=(T, B, D))
    Y, tr = sa.forward(p, X)
    Z = X[:, 0] + positional_encoding(T, D)
    e = (Z @ p["W_q"].T) @ (Z @ p["W_k"].T).T / np.sqrt(d)
    a = np.exp(e - e.max(1, keepdims=True))
    a /= a.sum(1, keepdims=True)
    np.testing.assert_allclose(Y[:, 0], a @ (Z @ p["W_v"].T))
    assert tr["att"]["weights"].shape == (T, B, T)
    # without positions the layer would be permutation-equivariant; with them it is not
    perm = np.array([4, 0, 3, 1, 2])
    assert not np.allclose(sa.forward(p, X[perm])[0], Y[perm])


@pytest.mark.parametrize("masked", [False, True])
def test_gradients(masked):
    rng = np.random.default_rng(1)
    sa = SelfAttention(D, d)
    p = sa.init(rng)
    X = rng.normal(size=(T, B, D))
    m = None
    if masked:
        m = np.ones((T, B), bool)
        m[-2:, 0] = False
    W = rng.normal(size=(T, B, d))
    g = sa.backward(p, sa.forward(p, X, m)[1], W)
    for name in ("W_q", "W_k", "W_v", "X"):
        def f(x_, name=name):
            pp, xx = dict(p), X
            if name == "X":
                xx = x_
            else:
                pp[name] = x_
            return float(np.sum(W * sa.forward(pp, xx, m)[0]))
        assert rel_error(g[name], numerical_gradient(f, X if name == "X" else p[name])) < 1e-7, name


def test_bad_input():
    sa = SelfAttention(D, d)
    p = sa.init(np.random.default_rng(2))
    with pytest.raises(ValueError, match="X: expected shape"):
        sa.forward(p, np.zeros((T, B, D + 1)))
    with pytest.raises(ValueError, match="model_size"):
        SelfAttention(D, 0)
    with pytest.raises(TypeError, match="trace"):
        sa.backward(p, {}, np.zeros((T, B, d)))
    with pytest.raises(ValueError, match="T: expected a positive int"):
        positional_encoding(0, 4)
    assert sa.num_params() == sum(v.size for v in p.values()) and "SelfAttention" in repr(sa)


def test_explicit_positions():
    """``positions`` picks rows of the encoding table; the default is t = 0..T-1."""
    rng = np.random.default_rng(3)
    sa = SelfAttention(D, d)
    p = sa.init(rng)
    X = rng.normal(size=(T, B, D))
    default = sa.forward(p, X)[0]
    np.testing.assert_array_equal(sa.forward(p, X, positions=np.repeat(np.arange(T)[:, None], B, 1))[0], default)
    shifted = np.repeat(np.arange(T)[:, None] + 2, B, 1)
    Z = sa.forward(p, X, positions=shifted)[1]["Z"]
    np.testing.assert_allclose(Z[:, 1] - X[:, 1], positional_encoding(T + 2, D)[2:])
    with pytest.raises(ValueError, match="positions"):
        sa.forward(p, X, positions=np.zeros((T, B + 1), int))
    with pytest.raises(ValueError, match="positions"):
        sa.forward(p, X, positions=np.zeros((T, B)))
