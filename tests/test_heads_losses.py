"""Heads and losses: gradients checked numerically, stability at +-1000, bad input."""

import warnings

import numpy as np
import pytest

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.heads import HEAD_KINDS, Head
from rnnlib.losses import (
    LOSSES,
    binary_cross_entropy_with_logits,
    get_loss,
    mse,
    softmax_cross_entropy,
)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# ----------------------------------------------------------------- losses


def test_mse_value_and_gradient(rng):
    y_pred = rng.standard_normal((4, 3))
    y = rng.standard_normal((4, 3))
    loss, grad = mse(y_pred, y)
    assert loss == pytest.approx(np.mean((y_pred - y) ** 2))  # mean over batch and outputs
    num = numerical_gradient(lambda a: mse(a, y)[0], y_pred)
    assert rel_error(grad, num) < 1e-8


def test_bce_matches_the_naive_formula_and_gradient(rng):
    z = rng.standard_normal((5, 2))
    y = (rng.random((5, 2)) > 0.5).astype(float)
    loss, grad = binary_cross_entropy_with_logits(z, y)
    p = 1 / (1 + np.exp(-z))
    naive = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert loss == pytest.approx(naive, rel=1e-12)
    num = numerical_gradient(lambda a: binary_cross_entropy_with_logits(a, y)[0], z)
    assert rel_error(grad, num) < 1e-8


def test_bce_accepts_integer_targets(rng):
    z = rng.standard_normal((3, 1))
    a = binary_cross_entropy_with_logits(z, np.array([[0], [1], [1]]))
    b = binary_cross_entropy_with_logits(z, np.array([[0.0], [1.0], [1.0]]))
    assert a[0] == b[0]


def test_softmax_ce_matches_the_naive_formula_and_gradient(rng):
    z = rng.standard_normal((3, 4, 5))  # (T, B, C)
    labels = rng.integers(0, 5, size=(3, 4))
    loss, grad = softmax_cross_entropy(z, labels)
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    naive = -np.mean(np.log(np.take_along_axis(p, labels[..., None], -1)))
    assert loss == pytest.approx(naive, rel=1e-12)  # mean over the T * B examples
    num = numerical_gradient(lambda a: softmax_cross_entropy(a, labels)[0], z)
    assert rel_error(grad, num) < 1e-8


@pytest.mark.parametrize("big", [1000.0, -1000.0])
def test_losses_are_stable_at_large_logits(big):
    z = np.array([[big, -big], [0.0, big]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bce, dbce = binary_cross_entropy_with_logits(z, np.array([[1, 0], [1, 1]]))
        ce, dce = softmax_cross_entropy(z, np.array([0, 1]))
        ce_wrong, _ = softmax_cross_entropy(z, np.array([1, 0]))
    for value in (bce, ce, ce_wrong):
        assert np.isfinite(value)
    assert np.all(np.isfinite(dbce)) and np.all(np.isfinite(dce))
    # a confident wrong answer costs the logit gap (not inf), a confident right one 0
    assert softmax_cross_entropy(np.array([[1000.0, -1000.0]]), np.array([1]))[0] == 2000.0
    assert softmax_cross_entropy(np.array([[1000.0, -1000.0]]), np.array([0]))[0] == 0.0
    assert binary_cross_entropy_with_logits(np.array([-1000.0]), np.array([1.0]))[0] == 1000.0


def test_losses_keep_dtype_and_do_not_mutate(rng):
    z = rng.standard_normal((4, 3)).astype(np.float32)
    before = z.copy()
    labels = np.array([0, 2, 1, 1])
    for grad in (
        mse(z, np.zeros((4, 3)))[1],
        binary_cross_entropy_with_logits(z, np.ones((4, 3)))[1],
        softmax_cross_entropy(z, labels)[1],
    ):
        assert grad.dtype == np.float32 and grad.shape == z.shape
    np.testing.assert_array_equal(z, before)


def test_loss_errors_name_the_argument():
    z = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"y: expected the shape of y_pred \(2, 3\), got \(3, 2\)"):
        mse(z, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"y: expected targets in \[0, 1\]"):
        binary_cross_entropy_with_logits(z, np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match=r"labels: expected shape \(2,\)"):
        softmax_cross_entropy(z, np.zeros((2, 1), dtype=int))
    with pytest.raises(ValueError, match=r"labels: expected class ids in \[0, 3\)"):
        softmax_cross_entropy(z, np.array([0, 3]))
    with pytest.raises(TypeError, match="labels: expected integer"):
        softmax_cross_entropy(z, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="logits: expected finite"):
        binary_cross_entropy_with_logits(np.array([np.nan]), np.array([1.0]))
    with pytest.raises(TypeError, match="y_pred: expected a floating-point array"):
        mse(np.array([1, 2]), np.array([1, 2]))


def test_get_loss():
    assert get_loss("mse") is mse and set(LOSSES) == {"mse", "bce", "ce"}
    with pytest.raises(ValueError, match="loss: expected one of"):
        get_loss("hinge")


# ------------------------------------------------------------------ heads


@pytest.mark.parametrize("kind", HEAD_KINDS)
@pytest.mark.parametrize("shape", [(4, 5), (3, 4, 5)])
def test_head_backward_matches_numerical_gradient(rng, kind, shape):
    head = Head(5, 3, kind)
    params = head.init(rng)
    h = rng.standard_normal(shape)
    y, cache = head.forward(params, h)
    assert y.shape == shape[:-1] + (3,)
    dy = rng.standard_normal(y.shape)
    grads = head.backward(params, cache, dy=dy)

    def f_param(key):
        return lambda a: float(np.sum(head.forward({**params, key: a}, h)[0] * dy))

    for key in ("W_y", "b_y"):
        assert rel_error(grads[key], numerical_gradient(f_param(key), params[key])) < 1e-7
    num_h = numerical_gradient(lambda a: float(np.sum(head.forward(params, a)[0] * dy)), h)
    assert rel_error(grads["h"], num_h) < 1e-7


def test_head_activations(rng):
    h = rng.standard_normal((6, 4))
    for kind in HEAD_KINDS:
        head = Head(4, 3, kind)
        params = head.init(rng)
        y, cache = head.forward(params, h)
        z = h @ params["W_y"].T + params["b_y"]
        np.testing.assert_allclose(cache["z"], z)
        np.testing.assert_allclose(head.logits(params, h), z)
        if kind == "linear":
            np.testing.assert_allclose(y, z)
        elif kind == "sigmoid":
            np.testing.assert_allclose(y, 1 / (1 + np.exp(-z)))
        else:
            np.testing.assert_allclose(y.sum(axis=-1), 1.0)


def test_head_dz_path_equals_loss_on_logits(rng):
    head = Head(4, 3, "softmax")
    params = head.init(rng)
    h = rng.standard_normal((5, 4))
    labels = rng.integers(0, 3, size=5)
    _, cache = head.forward(params, h)
    _, dz = softmax_cross_entropy(cache["z"], labels)
    grads = head.backward(params, cache, dz=dz)
    f = lambda a: softmax_cross_entropy(head.logits({**params, "W_y": a}, h), labels)[0]
    assert rel_error(grads["W_y"], numerical_gradient(f, params["W_y"])) < 1e-7


def test_head_shapes_init_and_count(rng):
    head = Head(7, 2, "sigmoid")
    params = head.init(rng, dtype=np.float32)
    assert params["W_y"].shape == (2, 7) and params["b_y"].shape == (2,)
    assert params["W_y"].dtype == np.float32
    assert np.abs(params["W_y"]).max() <= 1 / np.sqrt(7)
    assert head.num_params() == 16
    assert "sigmoid" in repr(head)
    a = Head(7, 2).init(np.random.default_rng(5))
    b = Head(7, 2).init(np.random.default_rng(5))
    np.testing.assert_array_equal(a["W_y"], b["W_y"])


def test_head_does_not_mutate(rng):
    head = Head(3, 2, "softmax")
    params = head.init(rng)
    h = rng.standard_normal((4, 3))
    saved = {k: v.copy() for k, v in params.items()}
    h0 = h.copy()
    y, cache = head.forward(params, h)
    dy = np.ones_like(y)
    head.backward(params, cache, dy=dy)
    np.testing.assert_array_equal(h, h0)
    np.testing.assert_array_equal(dy, np.ones_like(y))
    for k in params:
        np.testing.assert_array_equal(params[k], saved[k])


def test_head_errors(rng):
    with pytest.raises(ValueError, match="kind: expected one of"):
        Head(3, 2, "tanh")
    with pytest.raises(TypeError, match="input_size"):
        Head(3.0, 2)
    head = Head(3, 2)
    params = head.init(rng)
    with pytest.raises(ValueError, match=r"h: expected shape \(B, H\) or \(T, B, H\) with H=3, got \(4, 5\)"):
        head.forward(params, np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"params\['W_y'\]: expected shape \(O, H\)"):
        head.forward({"W_y": np.zeros((3, 3)), "b_y": np.zeros(2)}, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"params: expected keys \('W_y', 'b_y'\), got no key 'b_y'"):
        head.forward({"W_y": np.zeros((2, 3))}, np.zeros((4, 3)))
    _, cache = head.forward(params, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="exactly one of dy"):
        head.backward(params, cache)
    with pytest.raises(ValueError, match=r"dy: expected shape \(4, 2\)"):
        head.backward(params, cache, dy=np.zeros((4, 3)))
    with pytest.raises(TypeError, match="rng"):
        head.init(0)
