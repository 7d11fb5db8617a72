"""SequenceModel, truncated BPTT and the training loop.

Every gradient that loss_and_grads returns (all parameters, the inputs and the
initial states) is checked against central differences for every cell and head.
"""

import numpy as np
import pytest

from rnnlib.data import ADDING_BASELINE_MSE, adding_problem, stock_prices, sliding_windows
from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.gru import GRU
from rnnlib.lstm import LSTM
from rnnlib.model import HEAD_KEYS, SequenceModel
from rnnlib.optim import SGD, Adam, Momentum
from rnnlib.rnn import RNN
from rnnlib.train import evaluate, fit, tbptt_loss_and_grads

D, H, O, T, B = 3, 4, 2, 5, 3

CELLS = {
    "rnn": lambda: RNN(D, H),
    "lstm": lambda: LSTM(D, H),
    "gru-book": lambda: GRU(D, H),
    "gru-pytorch": lambda: GRU(D, H, variant="pytorch"),
}


def _targets(rng, model, loss, T_=T):
    lead = (B,) if model.output == "last" else (T_, B)
    if loss == "ce":
        return rng.integers(0, model.output_size, size=lead)
    if loss == "bce":
        return (rng.random(lead + (model.output_size,)) > 0.5).astype(float)
    return rng.standard_normal(lead + (model.output_size,))


def _random_state(rng, cell):
    return {k: 0.5 * rng.standard_normal((B, H)) for k in cell.state_names}


def _check_all_grads(model, params, X, Y, state, loss=None):
    value, grads, final = model.loss_and_grads(params, X, Y, loss=loss, state=state)
    assert np.isfinite(value)
    for key, p in params.items():

        def f(a, key=key):
            return model.loss_and_grads({**params, key: a}, X, Y, loss=loss, state=state)[0]

        assert grads[key].shape == p.shape
        assert rel_error(grads[key], numerical_gradient(f, p)) < 1e-7, key
    num_X = numerical_gradient(lambda a: model.loss_and_grads(params, a, Y, loss=loss, state=state)[0], X)
    assert rel_error(grads["X"], num_X) < 1e-7, "X"
    for name in model.cell.state_names:

        def f_state(a, name=name):
            return model.loss_and_grads(params, X, Y, loss=loss, state={**state, name: a})[0]

        assert rel_error(grads[name], numerical_gradient(f_state, state[name])) < 1e-7, name
    return value, grads, final


@pytest.mark.parametrize("cell_name", sorted(CELLS))
@pytest.mark.parametrize(
    "head_kind,output,loss",
    [("linear", "last", "mse"), ("sigmoid", "all", "bce"), ("softmax", "all", "ce"), ("sigmoid", "last", "mse")],
)
def test_every_gradient_matches_numerical(cell_name, head_kind, output, loss):
    rng = np.random.default_rng(11)
    model = SequenceModel(CELLS[cell_name](), head_kind, O, output=output)
    params = model.init(rng)
    X = rng.standard_normal((T, B, D))
    state = _random_state(rng, model.cell)
    Y = _targets(rng, model, loss)
    _, grads, final = _check_all_grads(model, params, X, Y, state, loss=loss)
    assert set(grads) == set(params) | {"X"} | set(model.cell.state_names)
    assert set(final) == set(model.cell.state_names)


def test_softmax_head_with_last_output_and_float32():
    rng = np.random.default_rng(2)
    model = SequenceModel(LSTM(D, H), "softmax", 3)
    params = model.init(rng, dtype=np.float32)
    X = rng.standard_normal((T, B, D)).astype(np.float32)
    value, grads, _ = model.loss_and_grads(params, X, np.array([0, 2, 1]))
    assert isinstance(value, float)
    assert all(grads[k].dtype == np.float32 for k in params)


def test_model_structure_and_init():
    cell = LSTM(D, H)
    model = SequenceModel(cell, "linear", O)
    params = model.init(np.random.default_rng(0), scheme="orthogonal", forget_bias=0.0)
    assert set(params) == {"W", "b", "W_y", "b_y"} and HEAD_KEYS == ("W_y", "b_y")
    assert params["W_y"].shape == (O, H) and params["b_y"].shape == (O,)
    assert model.num_params() == cell.num_params() + O * H + O
    assert model.default_loss == "mse" and model.head_kind == "linear" and model.output_size == O
    assert "SequenceModel(" in repr(model)
    again = model.init(np.random.default_rng(0), scheme="orthogonal", forget_bias=0.0)
    for k in params:
        np.testing.assert_array_equal(params[k], again[k])
    assert set(model.cell_params(params)) == {"W", "b"}
    assert SequenceModel(GRU(D, H), "softmax", 5).default_loss == "ce"
    assert SequenceModel(RNN(D, H), "sigmoid", 1).default_loss == "bce"


def test_forward_predict_and_loss_agree():
    rng = np.random.default_rng(4)
    for output in ("last", "all"):
        model = SequenceModel(GRU(D, H), "sigmoid", O, output=output)
        params = model.init(rng)
        X = rng.standard_normal((T, B, D))
        Y, cache = model.forward(params, X)
        assert Y.shape == ((B, O) if output == "last" else (T, B, O))
        assert cache["H_seq"].shape == (T, B, H) and "z" in cache["head"]
        np.testing.assert_allclose(model.predict(params, X), Y, rtol=1e-12)
        targets = (rng.random(Y.shape) > 0.5).astype(float)
        value = model.loss(params, X, targets)
        assert value == model.loss_and_grads(params, X, targets)[0]
        assert value == evaluate(model, params, X, targets)


def test_model_does_not_mutate_inputs():
    rng = np.random.default_rng(5)
    model = SequenceModel(LSTM(D, H), "linear", O)
    params = model.init(rng)
    X = rng.standard_normal((T, B, D))
    Y = rng.standard_normal((B, O))
    state = _random_state(rng, model.cell)
    saved = [{k: v.copy() for k, v in d.items()} for d in (params, state)]
    X0, Y0 = X.copy(), Y.copy()
    model.loss_and_grads(params, X, Y, state=state)
    for before, after in zip(saved, (params, state)):
        for k in before:
            np.testing.assert_array_equal(before[k], after[k])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def test_model_errors():
    rng = np.random.default_rng(6)
    with pytest.raises(ValueError, match="head_kind: expected one of"):
        SequenceModel(RNN(D, H), "tanh", O)
    with pytest.raises(ValueError, match="output: expected one of"):
        SequenceModel(RNN(D, H), "linear", O, output="first")
    with pytest.raises(TypeError, match="cell: expected an rnnlib cell"):
        SequenceModel("lstm", "linear", O)
    model = SequenceModel(RNN(D, H), "linear", O)
    params = model.init(rng)
    X = rng.standard_normal((T, B, D))
    with pytest.raises(ValueError, match=r"Y: expected shape \(B, O\) = \(3, 2\) for output='last'"):
        model.loss_and_grads(params, X, np.zeros((T, B, O)))
    with pytest.raises(ValueError, match="loss: expected a loss this model's 'linear' head supports, e.g. 'mse', got 'bce', which needs a 'sigmoid' head"):
        model.loss_and_grads(params, X, np.zeros((B, O)), loss="bce")
    with pytest.raises(ValueError, match="loss: expected one of"):
        model.loss_and_grads(params, X, np.zeros((B, O)), loss="l1")
    with pytest.raises(ValueError, match="X: expected shape"):
        model.loss_and_grads(params, X[..., :2], np.zeros((B, O)))
    with pytest.raises(TypeError, match="params: expected a dict"):
        model.forward([1], X)
    ce_model = SequenceModel(RNN(D, H), "softmax", 4, output="all")
    with pytest.raises(ValueError, match=r"Y: expected shape \(T, B\) = \(5, 3\)"):
        ce_model.loss_and_grads(ce_model.init(rng), X, np.zeros((T, B, 4)))


# ------------------------------------------------------------ truncated BPTT


def _char_like(rng, T_=12):
    model = SequenceModel(LSTM(D, H), "softmax", O, output="all")
    params = model.init(rng)
    X = rng.standard_normal((T_, B, D))
    Y = rng.integers(0, O, size=(T_, B))
    return model, params, X, Y


def test_tbptt_with_k_at_least_T_is_full_bptt():
    rng = np.random.default_rng(8)
    model, params, X, Y = _char_like(rng)
    full = model.loss_and_grads(params, X, Y)
    for k in (12, 50):
        trunc = tbptt_loss_and_grads(model, params, X, Y, k)
        assert trunc[0] == full[0]
        for key in full[1]:
            np.testing.assert_array_equal(trunc[1][key], full[1][key])


def test_tbptt_is_the_gradient_with_the_carried_state_held_constant():
    rng = np.random.default_rng(9)
    model, params, X, Y = _char_like(rng, T_=11)
    k = 4  # chunks of 4, 4, 3
    value, grads, final = tbptt_loss_and_grads(model, params, X, Y, k)
    full_value, full_grads, full_final = model.loss_and_grads(params, X, Y)
    assert value == pytest.approx(full_value, rel=1e-12)  # the forward pass is the full one
    for name in final:
        np.testing.assert_allclose(final[name], full_final[name], rtol=1e-12)
    np.testing.assert_allclose(grads["W_y"], full_grads["W_y"], rtol=1e-10)  # the head sees no recurrence
    assert rel_error(grads["W"], full_grads["W"]) > 1e-6  # the recurrence is truncated

    # reference: the chunk losses with their start states frozen at the values of `params`
    starts, states, state = range(0, 11, k), [], None
    for s in starts:
        states.append(state)
        state = model.loss_and_grads(params, X[s : s + k], Y[s : s + k], state=state)[2]

    def frozen(p):
        return sum(
            len(range(s, min(s + k, 11))) / 11 * model.loss_and_grads(p, X[s : s + k], Y[s : s + k], state=st)[0]
            for s, st in zip(starts, states)
        )

    for key in ("W", "b"):
        num = numerical_gradient(lambda a, key=key: frozen({**params, key: a}), params[key])
        assert rel_error(grads[key], num) < 1e-7
    assert grads["X"].shape == X.shape


def test_tbptt_with_last_output_backpropagates_the_last_chunk_only():
    rng = np.random.default_rng(10)
    model = SequenceModel(LSTM(D, H), "linear", O)
    params = model.init(rng)
    X = rng.standard_normal((10, B, D))
    Y = rng.standard_normal((B, O))
    value, grads, _ = tbptt_loss_and_grads(model, params, X, Y, 4)  # chunks 0-3, 4-7, 8-9
    assert value == pytest.approx(model.loss_and_grads(params, X, Y)[0], rel=1e-12)
    np.testing.assert_array_equal(grads["X"][:8], 0.0)
    assert np.abs(grads["X"][8:]).max() > 0
    np.testing.assert_array_equal(grads["h"], 0.0)
    np.testing.assert_array_equal(grads["c"], 0.0)


def test_tbptt_errors():
    rng = np.random.default_rng(12)
    model, params, X, Y = _char_like(rng)
    with pytest.raises(ValueError, match="k: expected a positive int"):
        tbptt_loss_and_grads(model, params, X, Y, 0)
    with pytest.raises(ValueError, match="Y: expected a time axis of length T=12"):
        tbptt_loss_and_grads(model, params, X, Y[:5], 4)
    with pytest.raises(TypeError, match="model: expected a SequenceModel"):
        tbptt_loss_and_grads(object(), params, X, Y, 4)


# -------------------------------------------------------------------- fit


def test_fit_lstm_learns_the_adding_problem():
    rng = np.random.default_rng(0)
    model = SequenceModel(LSTM(2, 16), "linear", 1)
    params = model.init(rng)
    trained, history = fit(
        model,
        params,
        lambda step: adding_problem(rng, 10, 32),
        Adam(0.02),
        steps=300,
        clip=("global", 1.0),
        progress=False,
    )
    X_test, y_test = adding_problem(np.random.default_rng(99), 10, 500)
    test_mse = evaluate(model, trained, X_test, y_test)
    assert test_mse < 0.2 * ADDING_BASELINE_MSE  # far below the mean predictor's 0.1667
    assert len(history["loss"]) == len(history["grad_norm"]) == 300
    assert np.mean(history["loss"][-20:]) < np.mean(history["loss"][:20])


def test_fit_the_three_day_stock_predictor():
    rng = np.random.default_rng(0)
    X, y = sliding_windows(stock_prices(rng, 200), window=3)
    tomorrow_is_today = np.mean((X[-1] - y) ** 2)
    model = SequenceModel(RNN(1, 8), "sigmoid", 1)
    params = model.init(rng)
    before = evaluate(model, params, X, y, loss="mse")
    trained, history = fit(model, params, (X, y), Adam(0.01), steps=1000, loss="mse", progress=False)
    after = evaluate(model, trained, X, y, loss="mse")
    assert history["loss"][0] == pytest.approx(before)
    assert after < 0.1 * before
    assert after < 0.6 * tomorrow_is_today  # it learned more than "the price stays"


def test_fit_is_pure_and_deterministic():
    def run():
        rng = np.random.default_rng(3)
        model = SequenceModel(GRU(2, 4), "linear", 1)
        params = model.init(rng)
        saved = {k: v.copy() for k, v in params.items()}
        batches = [adding_problem(rng, 6, 8) for _ in range(3)]  # a list is cycled
        out = fit(model, params, batches, Momentum(0.05), steps=7, progress=False)
        for k in params:
            np.testing.assert_array_equal(params[k], saved[k])
        return out

    (p1, h1), (p2, h2) = run(), run()
    assert h1 == h2
    for k in p1:
        np.testing.assert_array_equal(p1[k], p2[k])


def test_fit_clipping_tbptt_callback_and_progress(capsys):
    rng = np.random.default_rng(4)
    model, params, X, Y = _char_like(rng)
    seen = []
    _, history = fit(
        model,
        params,
        iter([(X, Y)] * 3),
        SGD(0.1),
        steps=3,
        clip=("elementwise", 0.01),
        tbptt=4,
        callback=lambda step, p, loss: seen.append((step, loss)),
        progress=True,
    )
    assert [s for s, _ in seen] == [0, 1, 2]
    assert [loss for _, loss in seen] == history["loss"]
    assert "fit" in capsys.readouterr().err  # the tqdm bar
    # with a global clip the update is at most lr * max_norm long
    _, hist = fit(model, params, (X, Y), SGD(1.0), steps=1, clip=("global", 1e-3), progress=False)
    assert hist["grad_norm"][0] > 1e-3


def test_fit_stops_with_a_clear_error_when_training_explodes():
    rng = np.random.default_rng(5)
    model = SequenceModel(RNN(2, 4, activation="relu"), "linear", 1)
    params = model.init(rng)
    X, y = adding_problem(rng, 6, 4)
    with pytest.raises(FloatingPointError, match=r"fit: at step \d+ the loss is"):
        with np.errstate(all="ignore"):
            fit(model, params, (X, y * 1e200), SGD(10.0), steps=50, progress=False)


def test_fit_errors():
    rng = np.random.default_rng(6)
    model = SequenceModel(RNN(2, 4), "linear", 1)
    params = model.init(rng)
    batch = adding_problem(rng, 5, 4)
    with pytest.raises(ValueError, match="steps: expected a positive int"):
        fit(model, params, batch, SGD(0.1), steps=0)
    with pytest.raises(ValueError, match="clip\\[0\\]: expected one of"):
        fit(model, params, batch, SGD(0.1), steps=1, clip=("norm", 1.0))
    with pytest.raises(ValueError, match="clip\\[1\\]: expected a finite real number > 0"):
        fit(model, params, batch, SGD(0.1), steps=1, clip=("global", -1))
    with pytest.raises(TypeError, match="clip: expected None"):
        fit(model, params, batch, SGD(0.1), steps=1, clip=1.0)
    with pytest.raises(ValueError, match="batches: expected steps=5 batches .* got an iterator that ran out after 2"):
        fit(model, params, iter([batch, batch]), SGD(0.1), steps=5, progress=False)
    with pytest.raises(TypeError, match="batches: expected \\(X, Y\\)"):
        fit(model, params, 3, SGD(0.1), steps=1)
    with pytest.raises(TypeError, match="batches: expected \\(X, Y\\) pairs"):
        fit(model, params, lambda step: batch[0], SGD(0.1), steps=1, progress=False)
    with pytest.raises(ValueError, match="batches: expected at least one"):
        fit(model, params, [], SGD(0.1), steps=1)
    with pytest.raises(TypeError, match="callback: expected a callable"):
        fit(model, params, batch, SGD(0.1), steps=1, callback=3)
