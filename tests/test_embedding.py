"""Embedding: lookup, gradient (repeated ids accumulate), torch parity, bad input."""

import re

import numpy as np
import pytest

from rnnlib.data import one_hot
from rnnlib.embedding import Embedding
from rnnlib.gradcheck import numerical_gradient, rel_error

V, E, T, B = 7, 5, 6, 3


def raises(exc, message):
    return pytest.raises(exc, match=re.escape(message))


def problem(seed=0, padding_idx=None, shape=(T, B)):
    rng = np.random.default_rng(seed)
    emb = Embedding(V, E, padding_idx=padding_idx)
    params = emb.init(rng)
    ids = rng.integers(0, V, size=shape)
    dout = rng.standard_normal(shape + (E,))
    return emb, params, ids, dout


def test_forward_is_the_one_hot_product_and_copies():
    emb, params, ids, _ = problem()
    out, trace = emb.forward(params, ids)
    assert out.shape == (T, B, E) and out.dtype == np.float64
    # W[v] = W.T @ one_hot(v): the lookup is the product with a one-hot vector
    np.testing.assert_allclose(out, one_hot(ids, V) @ params["W"], rtol=0, atol=1e-15)
    out[0, 0] = 99.0
    assert not np.any(params["W"] == 99.0)  # the output does not share memory with W
    ids_before = ids.copy()
    ids[0, 0] = (ids[0, 0] + 1) % V
    np.testing.assert_array_equal(trace["ids"], ids_before)  # nor the trace with the caller's ids
    assert not trace["ids"].flags.writeable


@pytest.mark.parametrize("shape", [(T, B), (4,), (2, 3, 2), ()], ids=str)
def test_any_id_shape(shape):
    emb, params, ids, dout = problem(shape=shape)
    out, trace = emb.forward(params, ids)
    assert out.shape == shape + (E,)
    np.testing.assert_array_equal(out, params["W"][ids])
    assert emb.backward(params, trace, dout)["W"].shape == (V, E)


def test_repeated_ids_accumulate():
    emb, params, _, _ = problem()
    ids = np.array([[2, 2], [2, 4]])
    dout = np.arange(4 * E, dtype=float).reshape(2, 2, E)
    _, trace = emb.forward(params, ids)
    dW = emb.backward(params, trace, dout)["W"]
    np.testing.assert_array_equal(dW[2], dout[0, 0] + dout[0, 1] + dout[1, 0])
    np.testing.assert_array_equal(dW[4], dout[1, 1])
    untouched = [v for v in range(V) if v not in (2, 4)]
    assert not dW[untouched].any()


@pytest.mark.parametrize("padding_idx", [None, 0, 3])
def test_gradient_matches_central_differences(padding_idx):
    emb, params, ids, dout = problem(seed=1, padding_idx=padding_idx)
    ids[0] = ids[1]  # make sure some ids repeat
    _, trace = emb.forward(params, ids)
    dW = emb.backward(params, trace, dout)["W"]
    num = numerical_gradient(lambda W: np.sum(emb.forward({"W": W}, ids)[0] * dout), params["W"])
    if padding_idx is not None:  # the padding row is frozen: it gets no gradient by definition
        assert not dW[padding_idx].any()
        num[padding_idx] = 0
    assert rel_error(dW, num) < 1e-7


def test_padding_row_starts_at_zero_and_float32():
    emb = Embedding(V, E, padding_idx=2)
    params = emb.init(np.random.default_rng(0), dtype=np.float32, std=0.1)
    assert params["W"].dtype == np.float32 and not params["W"][2].any()
    assert params["W"][[0, 1, 3]].std() < 0.3
    out, trace = emb.forward(params, [[2, 1]])
    assert out.dtype == np.float32
    assert emb.backward(params, trace, np.ones((1, 2, E)))["W"].dtype == np.float32


def test_config_only():
    emb = Embedding(V, E)
    assert emb.num_params() == V * E and emb.param_shapes() == {"W": (V, E)}
    assert emb == Embedding(V, E) and emb != Embedding(V, E, padding_idx=0)
    assert repr(Embedding(V, E, padding_idx=1)) == "Embedding(num_embeddings=7, embedding_dim=5, padding_idx=1)"
    with raises(AttributeError, "Embedding is immutable"):
        emb.embedding_dim = 3


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "make, exc, message",
    [
        (lambda: Embedding(0, E), ValueError, "num_embeddings: expected a positive int, got 0"),
        (lambda: Embedding(V, 2.0), TypeError, "embedding_dim: expected a positive int, got float 2.0"),
        (lambda: Embedding(V, E, padding_idx=V), ValueError, "padding_idx: expected an int in [0, 7) or None, got 7"),
        (lambda: Embedding(V, E, padding_idx=-1), ValueError, "padding_idx: expected an int in [0, 7) or None, got -1"),
        (lambda: Embedding(V, E, padding_idx=1.0), TypeError, "padding_idx: expected an int in [0, 7) or None, got float"),
    ],
)
def test_bad_configuration(make, exc, message):
    with raises(exc, message):
        make()


def test_bad_init():
    emb = Embedding(V, E)
    with raises(TypeError, "rng: expected a numpy.random.Generator"):
        emb.init(0)
    with raises(TypeError, "dtype: expected float32 or float64"):
        emb.init(np.random.default_rng(0), dtype=int)
    with raises(ValueError, "std: expected a finite real number >= 0, got -1.0"):
        emb.init(np.random.default_rng(0), std=-1.0)


@pytest.mark.parametrize(
    "ids, exc, message",
    [
        (np.array([[1.0, 2.0]]), TypeError, "ids: expected an integer array (token ids in [0, 7)), got dtype float64"),
        (np.array([True, False]), TypeError, "ids: expected an integer array (token ids in [0, 7)), got dtype bool"),
        (["a", "b"], TypeError, "ids: expected an integer array (token ids in [0, 7)), got dtype <U1"),
        ([[1, 2], [3]], TypeError, "ids: expected an integer array, got list"),
        (np.array([[0, 1], [7, 2]]), ValueError, "ids: expected ids in [0, 7) (num_embeddings=7), got 7 at index (1, 0)"),
        (np.array([3, -1]), ValueError, "ids: expected ids in [0, 7) (num_embeddings=7), got -1 at index (1,)"),
    ],
)
def test_bad_ids(ids, exc, message):
    emb, params, _, _ = problem()
    with raises(exc, message):
        emb.forward(params, ids)


def test_bad_params_trace_and_dout():
    emb, params, ids, dout = problem()
    with raises(ValueError, "params['W']: expected shape (V, E) = (7, 5) for Embedding(num_embeddings=7, embedding_dim=5), got (5, 7)"):
        emb.forward({"W": params["W"].T}, ids)
    bad = params["W"].copy()
    bad[3, 1] = np.inf
    with raises(ValueError, "params['W']: expected finite values, got 1 NaN/inf entries (first at index (3, 1): inf)"):
        emb.forward({"W": bad}, ids)
    with raises(ValueError, "params: expected keys ('W',), got no key 'W'"):
        emb.forward({}, ids)
    _, trace = emb.forward(params, ids)
    with raises(ValueError, "dout: expected shape (6, 3, 5) (the shape of forward's output, ids.shape + (E,)), got (6, 3, 4)"):
        emb.backward(params, trace, dout[..., :4])
    with raises(TypeError, "dout: expected a floating-point array"):
        emb.backward(params, trace, np.ones((T, B, E), dtype=int))
    bad = dout.copy()
    bad[1, 2, 3] = np.nan
    with raises(ValueError, "dout: expected finite values, got 1 NaN/inf entries (first at index (1, 2, 3): nan)"):
        emb.backward(params, trace, bad)
    with raises(TypeError, "trace: expected the Trace returned by Embedding.forward, got dict"):
        emb.backward(params, {"ids": ids}, dout)


def test_torch_parity():
    torch = pytest.importorskip("torch", reason="torch (CPU) is only needed for the parity tests")
    for padding_idx in (None, 4):
        emb, params, ids, dout = problem(seed=2, padding_idx=padding_idx)
        ids[-1] = padding_idx if padding_idx is not None else ids[-1]
        net = torch.nn.Embedding(V, E, padding_idx=padding_idx).double()
        with torch.no_grad():
            net.weight.copy_(torch.from_numpy(params["W"]))
        out_t = net(torch.from_numpy(ids))
        (out_t * torch.from_numpy(dout)).sum().backward()
        out, trace = emb.forward(params, ids)
        np.testing.assert_array_equal(out, out_t.detach().numpy())
        dW = emb.backward(params, trace, dout)["W"]
        np.testing.assert_allclose(dW, net.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
