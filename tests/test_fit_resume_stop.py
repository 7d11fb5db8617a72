"""fit: continuing from the optimizer state (bit-identical to one long run) and early stopping."""

import numpy as np
import pytest

from rnnlib.data import adding_problem, char_batches
from rnnlib.gru import GRU
from rnnlib.lstm import LSTM
from rnnlib.model import SequenceModel
from rnnlib.optim import SGD, Adam, Momentum
from rnnlib.train import EarlyStopping, FitResult, evaluate, fit


def _adding(cell=None, seed=0):
    model = SequenceModel(cell or LSTM(2, 5), "linear", 1, output="last")
    return model, model.init(np.random.default_rng(seed))


def _same(a, b):
    assert set(a) == set(b)
    for k in a:
        assert np.array_equal(a[k], b[k]), k


@pytest.mark.parametrize("optimizer", [Adam(0.01), Momentum(0.05), SGD(0.1)], ids=repr)
@pytest.mark.parametrize("source", ["callable", "list", "iterator"])
def test_blocks_that_pass_on_opt_state_equal_one_long_run(optimizer, source):
    model, params = _adding()
    batch_list = [adding_problem(np.random.default_rng(i), 6, 4) for i in range(5)]

    def make():  # a fresh batch source of the given kind; blocks share one iterator
        if source == "callable":
            return lambda step: adding_problem(np.random.default_rng([7, step]), 6, 4)
        if source == "list":
            return batch_list
        return iter(batch_list * 4)

    one = fit(model, params, make(), optimizer, 12, clip=("global", 1.0), progress=False)
    batches = make()
    r = fit(model, params, batches, optimizer, 5, clip=("global", 1.0), progress=False)
    assert r.opt_state["step"] == 5 and r.stop_reason == "steps"
    seen = []
    r = fit(model, r.params, batches, optimizer, 7, clip=("global", 1.0), progress=False,
            opt_state=r.opt_state, callback=lambda step, p, loss: seen.append(step))
    assert seen == list(range(5, 12))  # steps are numbered on from the optimizer state
    _same(r.params, one.params)
    assert r.opt_state["step"] == one.opt_state["step"] == 12
    for slot in set(one.opt_state) - {"step"}:
        _same(r.opt_state[slot], one.opt_state[slot])
    assert r.history["loss"] == one.history["loss"][5:]


def test_continuing_without_the_state_restarts_adam_and_differs():
    model, params = _adding()
    batches = lambda step: adding_problem(np.random.default_rng([3, step]), 6, 4)  # noqa: E731
    one = fit(model, params, batches, Adam(0.01), 6, progress=False)
    r = fit(model, params, batches, Adam(0.01), 3, progress=False)
    r = fit(model, r.params, batches, Adam(0.01), 3, progress=False)  # fresh moments, steps from 0 again
    assert not np.array_equal(r.params["W"], one.params["W"])


def test_fit_result_unpacks_as_params_and_history_and_does_not_mutate_opt_state():
    model, params = _adding()
    batch = adding_problem(np.random.default_rng(1), 5, 3)
    r = fit(model, params, batch, Adam(0.01), 3, progress=False)
    assert isinstance(r, FitResult)
    p, history = r
    assert p is r.params and history is r.history and r.steps == 3
    before = {k: v.copy() for k, v in r.opt_state["m"].items()}
    fit(model, p, batch, Adam(0.01), 2, progress=False, opt_state=r.opt_state)
    _same(r.opt_state["m"], before)
    assert r.opt_state["step"] == 3
    assert "steps=3" in repr(r)


def test_early_stop_on_a_validation_target():
    model, params = _adding(GRU(2, 6), seed=1)
    X_val, y_val = adding_problem(np.random.default_rng(99), 8, 64)
    val = lambda p: evaluate(model, p, X_val, y_val)  # noqa: E731
    start = val(params)
    target = 0.5 * start
    stop = EarlyStopping(val, every=5, target=target)
    r = fit(model, params, lambda s: adding_problem(np.random.default_rng([1, s]), 8, 32), Adam(0.02),
            2000, clip=("global", 1.0), progress=False, stop=stop)
    assert r.stop_reason == "target"
    assert r.steps < 2000 and r.steps % 5 == 0 and r.opt_state["step"] == r.steps
    assert r.history["val_step"] == list(range(5, r.steps + 1, 5))
    assert r.history["val_loss"][-1] < target <= min(r.history["val_loss"][:-1], default=np.inf)
    assert r.history["val_loss"][-1] == val(r.params)


def test_early_stop_on_no_improvement():
    model, params = _adding()
    batch = adding_problem(np.random.default_rng(1), 5, 3)
    scores = iter([3.0, 2.0, 2.5, 1.9, 1.95, 2.0, 2.0, 0.1])  # best 1.9 at the 4th evaluation
    stop = EarlyStopping(lambda p: next(scores), every=2, patience=3)
    r = fit(model, params, batch, SGD(0.01), 100, progress=False, stop=stop)
    assert r.stop_reason == "patience"
    assert r.history["val_loss"] == [3.0, 2.0, 2.5, 1.9, 1.95, 2.0, 2.0]
    assert r.steps == 14 and r.history["val_step"][-1] == 14
    # min_delta: an improvement smaller than it does not count
    scores = iter([3.0, 2.95, 2.92, 2.91])
    r = fit(model, params, batch, SGD(0.01), 100, progress=False,
            stop=EarlyStopping(lambda p: next(scores), patience=3, min_delta=0.1))
    assert r.stop_reason == "patience" and r.steps == 4


def test_no_stop_runs_all_steps_and_history_has_no_validation():
    model, params = _adding()
    batch = adding_problem(np.random.default_rng(1), 5, 3)
    r = fit(model, params, batch, SGD(0.01), 4, progress=False,
            stop=EarlyStopping(lambda p: 1.0, every=10, patience=1))
    assert r.stop_reason == "steps" and r.steps == 4 and r.history["val_loss"] == []
    assert "val_loss" not in fit(model, params, batch, SGD(0.01), 1, progress=False).history


def test_fit_resume_and_stop_errors():
    model, params = _adding()
    batch = adding_problem(np.random.default_rng(1), 5, 3)
    with pytest.raises(TypeError, match="opt_state: expected None or the opt_state of an earlier fit"):
        fit(model, params, batch, Adam(), 1, progress=False, opt_state={"m": {}})
    with pytest.raises(ValueError, match=r"state\['m'\]: expected a dict with the parameter names"):
        fit(model, params, batch, Adam(), 1, progress=False, opt_state=SGD(0.1).init(params))
    with pytest.raises(TypeError, match="stop: expected None or an EarlyStopping, got dict"):
        fit(model, params, batch, Adam(), 1, progress=False, stop={"patience": 2})
    with pytest.raises(ValueError, match="target, patience: expected at least one of them"):
        EarlyStopping(lambda p: 0.0)
    with pytest.raises(TypeError, match="validate: expected a callable, got float"):
        EarlyStopping(0.5, target=0.1)
    with pytest.raises(ValueError, match="patience: expected a positive int, got 0"):
        EarlyStopping(lambda p: 0.0, patience=0)
    with pytest.raises(ValueError, match="min_delta: expected a finite real number >= 0"):
        EarlyStopping(lambda p: 0.0, patience=2, min_delta=-1)
    assert "patience=2" in repr(EarlyStopping(lambda p: 0.0, patience=2))


def test_char_batches_iterator_continues_across_blocks():
    """An endless iterator (chapter 7's batches) continues across blocks like one run."""
    vocab_size, T_, B_ = 5, 4, 2
    encoded = np.random.default_rng(0).integers(0, vocab_size, 200)
    model = SequenceModel(LSTM(vocab_size, 6), "softmax", vocab_size, output="all")
    params = model.init(np.random.default_rng(0))
    one = fit(model, params, char_batches(np.random.default_rng(4), encoded, T_, B_, vocab_size), Adam(0.01),
              6, progress=False, tbptt=2)
    it = char_batches(np.random.default_rng(4), encoded, T_, B_, vocab_size)
    r = fit(model, params, it, Adam(0.01), 2, progress=False, tbptt=2)
    r = fit(model, r.params, it, Adam(0.01), 4, progress=False, tbptt=2, opt_state=r.opt_state)
    _same(r.params, one.params)
