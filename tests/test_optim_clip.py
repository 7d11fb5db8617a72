"""Optimizers and gradient clipping: equations, purity, errors."""

import numpy as np
import pytest

from rnnlib.clip import NON_PARAM_KEYS, clip_by_global_norm, clip_elementwise, global_norm
from rnnlib.optim import SGD, Adam, Momentum


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.fixture
def params(rng):
    return {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(4)}


@pytest.fixture
def grads(rng):
    return {
        "W": rng.standard_normal((4, 3)),
        "b": rng.standard_normal(4),
        "X": rng.standard_normal((2, 5, 3)),  # not a parameter: ignored
        "h": rng.standard_normal((5, 4)),
    }


def _copy(d):
    return {k: v.copy() for k, v in d.items()}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


# -------------------------------------------------------------- optimizers


def test_sgd_is_the_book_update_rule(params, grads):
    opt = SGD(lr=0.1)
    new, state = opt.update(params, grads, opt.init(params))
    for k in params:
        np.testing.assert_allclose(new[k], params[k] - 0.1 * grads[k])
    assert set(new) == set(params)  # "X", "h" ignored
    assert state["step"] == 1


def test_momentum_equations(params, grads):
    opt = Momentum(lr=0.1, beta=0.5)
    state = opt.init(params)
    p1, state = opt.update(params, grads, state)
    p2, state = opt.update(p1, grads, state)
    for k in params:
        v1 = grads[k]
        v2 = 0.5 * v1 + grads[k]
        np.testing.assert_allclose(p1[k], params[k] - 0.1 * v1)
        np.testing.assert_allclose(p2[k], p1[k] - 0.1 * v2)
        np.testing.assert_allclose(state["v"][k], v2)
    # beta = 0 is SGD
    sgd = SGD(0.1).update(params, grads, SGD(0.1).init(params))[0]
    mom = Momentum(0.1, beta=0).update(params, grads, Momentum(0.1, beta=0).init(params))[0]
    _assert_same(sgd, mom)


def test_adam_equations_and_first_step_size(params, grads):
    opt = Adam(lr=0.01)
    state = opt.init(params)
    p1, state = opt.update(params, grads, state)
    # after bias correction the first step is lr * g / (|g| + eps): about lr per entry
    for k in params:
        expected = params[k] - 0.01 * grads[k] / (np.abs(grads[k]) + 1e-8)
        np.testing.assert_allclose(p1[k], expected, rtol=1e-12)
    p2, state = opt.update(p1, grads, state)
    for k in params:
        m = 0.9 * 0.1 * grads[k] + 0.1 * grads[k]
        v = 0.999 * 0.001 * grads[k] ** 2 + 0.001 * grads[k] ** 2
        m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
        np.testing.assert_allclose(p2[k], p1[k] - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8), rtol=1e-12)
    assert state["step"] == 2


@pytest.mark.parametrize("opt", [SGD(0.1), Momentum(0.1), Adam(0.1)], ids=repr)
def test_optimizers_are_pure_and_deterministic(opt, params, grads):
    p0, g0 = _copy(params), _copy(grads)
    state = opt.init(params)
    s0 = {k: (_copy(v) if isinstance(v, dict) else v) for k, v in state.items()}
    new1, state1 = opt.update(params, grads, state)
    new2, state2 = opt.update(params, grads, state)
    _assert_same(params, p0)
    _assert_same(grads, g0)
    for key, value in s0.items():
        if isinstance(value, dict):
            _assert_same(state[key], value)
        else:
            assert state[key] == value
    _assert_same(new1, new2)
    for k in params:
        assert not np.shares_memory(new1[k], params[k])


@pytest.mark.parametrize("opt", [SGD(0.1), Momentum(0.1), Adam(0.1)], ids=repr)
def test_optimizers_keep_float32(opt):
    params = {"W": np.ones((2, 2), np.float32)}
    new, state = opt.update(params, {"W": np.ones((2, 2))}, opt.init(params))
    assert new["W"].dtype == np.float32
    for value in state.values():
        if isinstance(value, dict):
            assert value["W"].dtype == np.float32


def test_optimizers_minimise_a_quadratic():
    target = np.array([3.0, -2.0])
    for opt in (SGD(0.1), Momentum(0.05), Adam(0.1)):
        params = {"w": np.zeros(2)}
        state = opt.init(params)
        for _ in range(300):
            params, state = opt.update(params, {"w": 2 * (params["w"] - target)}, state)
        np.testing.assert_allclose(params["w"], target, atol=1e-2)


def test_optimizer_errors(params, grads):
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="lr: expected a finite real number > 0"):
            SGD(bad)
    with pytest.raises(TypeError, match="lr: expected a finite real number > 0, got str"):
        SGD("0.1")
    with pytest.raises(ValueError, match=r"beta: expected a finite real number in \[0, 1\)"):
        Momentum(0.1, beta=1.0)
    with pytest.raises(ValueError, match=r"beta2: expected a finite real number in \[0, 1\)"):
        Adam(beta2=1.5)
    with pytest.raises(ValueError, match="eps: expected a finite real number > 0"):
        Adam(eps=0)
    opt = Adam()
    state = opt.init(params)
    with pytest.raises(ValueError, match="grads: expected an entry for parameter 'b'"):
        opt.update(params, {"W": grads["W"]}, state)
    with pytest.raises(ValueError, match=r"grads\['W'\]: expected shape \(4, 3\) \(the shape of params\['W'\]\), got \(3, 4\)"):
        opt.update(params, {**grads, "W": grads["W"].T}, state)
    with pytest.raises(ValueError, match=r"state\['m'\]: expected a dict with the parameter names"):
        opt.update({**params, "extra": np.zeros(2)}, {**grads, "extra": np.zeros(2)}, state)
    with pytest.raises(TypeError, match="state: expected the dict returned by Adam.init"):
        opt.update(params, grads, None)
    with pytest.raises(TypeError, match=r"params\['W'\]: expected a numpy array"):
        SGD(0.1).init({"W": [1.0, 2.0]})


# ---------------------------------------------------------------- clipping


def test_global_norm_excludes_inputs_and_states(grads):
    expected = np.sqrt(np.sum(grads["W"] ** 2) + np.sum(grads["b"] ** 2))
    assert global_norm(grads) == pytest.approx(expected)
    assert global_norm(grads, keys=["W"]) == pytest.approx(np.linalg.norm(grads["W"]))
    assert set(NON_PARAM_KEYS) == {"X", "h", "c"}
    assert global_norm({}) == 0.0


def test_global_norm_does_not_overflow():
    huge = {"W": np.full((3, 3), 1e300)}
    assert global_norm(huge) == pytest.approx(3e300)
    assert np.isnan(global_norm({"W": np.array([1.0, np.nan])}))


def test_clip_by_global_norm_keeps_the_direction(grads):
    norm = global_norm(grads)
    clipped, reported = clip_by_global_norm(grads, max_norm=norm / 4)
    assert reported == pytest.approx(norm)  # the norm before clipping
    assert global_norm(clipped) == pytest.approx(norm / 4)
    for k in ("W", "b"):
        np.testing.assert_allclose(clipped[k], grads[k] / 4)  # same direction, shorter
    np.testing.assert_array_equal(clipped["X"], grads["X"])  # non-parameters pass through
    unclipped, _ = clip_by_global_norm(grads, max_norm=norm * 2)
    for k in grads:
        np.testing.assert_array_equal(unclipped[k], grads[k])


def test_clip_elementwise_changes_the_direction():
    grads = {"W": np.array([10.0, 0.5]), "X": np.array([10.0])}
    clipped = clip_elementwise(grads, 1.0)
    np.testing.assert_array_equal(clipped["W"], [1.0, 0.5])
    np.testing.assert_array_equal(clipped["X"], [10.0])
    cos = clipped["W"] @ grads["W"] / (np.linalg.norm(clipped["W"]) * np.linalg.norm(grads["W"]))
    assert cos < 0.99  # the direction changed, unlike global-norm clipping
    g_clip, _ = clip_by_global_norm(grads, 1.0)
    cos_g = g_clip["W"] @ grads["W"] / (np.linalg.norm(g_clip["W"]) * np.linalg.norm(grads["W"]))
    assert cos_g == pytest.approx(1.0)


def test_clipping_does_not_mutate(grads):
    saved = _copy(grads)
    clip_by_global_norm(grads, 0.1)
    clip_elementwise(grads, 0.1)
    _assert_same(grads, saved)


def test_clip_errors(grads):
    for fn in (clip_by_global_norm, clip_elementwise):
        with pytest.raises(ValueError, match="expected a finite real number > 0"):
            fn(grads, 0.0)
        with pytest.raises(TypeError, match="expected a finite real number > 0, got"):
            fn(grads, "1")
    with pytest.raises(ValueError, match="keys: expected keys of grads .*, got 'W_y'"):
        global_norm(grads, keys=["W_y"])
    with pytest.raises(TypeError, match="grads: expected a dict"):
        global_norm([1.0])
