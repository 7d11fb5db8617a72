"""rnnlib.adding_runs: the shipped chapter-6 sweeps load, and a small retrain writes files that load back."""
import numpy as np
import pytest

from rnnlib import adding_runs
from rnnlib.experiments import AddingSweep, adding_model


def test_shipped_sweeps_load_with_their_settings():
    sweeps = adding_runs.load_sweeps()
    assert set(sweeps) == set(adding_runs.SWEEPS)
    main = sweeps["main"]
    assert isinstance(main, AddingSweep)
    assert main.cells == ("RNN", "LSTM", "GRU") and main.lengths == (10, 25, 50, 100)
    assert main.seeds == adding_runs.SEEDS and len(main.seeds) >= 3
    assert main.settings["max_steps"] == 1000 and main.settings["lr"] == 0.01
    assert sweeps["lr0.003"].settings["lr"] == 0.003 and sweeps["wide"].settings["hidden_size"] == 64
    steps = main.steps
    assert np.all((steps >= 1) & (steps <= 1000))
    assert np.array_equal(main.solved, steps < 1000)  # a run that used its budget did not solve the task
    # the loss curve is as long as the run
    assert np.array_equal(np.isfinite(main.loss).sum(axis=-1), steps)


def test_shipped_params_fit_the_models():
    params = adding_runs.load_params_T100()
    for cell in ("RNN", "LSTM", "GRU"):
        like = adding_model(cell, 32).init(np.random.default_rng(0))
        assert {k: v.shape for k, v in params[cell].items()} == {k: v.shape for k, v in like.items()}


def test_retrain_writes_files_that_load_back(tmp_path, monkeypatch):
    small = {
        "main": dict(lengths=(4, 100), cells=("RNN", "LSTM", "GRU"), max_steps=3, window=2, test_size=8),
        "lr0.003": dict(lengths=(4,), cells=("LSTM",), lr=0.003, max_steps=3, test_size=8),
        "wide": dict(lengths=(4,), cells=("RNN",), hidden_size=64, max_steps=3, test_size=8),
    }
    monkeypatch.setattr(adding_runs, "SWEEPS", small)
    made = adding_runs.retrain(seeds=(0, 1), directory=tmp_path, verbose=False)
    loaded = adding_runs.load_sweeps(tmp_path)
    for name, sweep in made.items():
        back = loaded[name]
        assert (back.cells, back.lengths, back.seeds) == (sweep.cells, sweep.lengths, sweep.seeds)
        assert np.array_equal(back.test_mse, sweep.test_mse) and np.array_equal(back.solved, sweep.solved)
        assert np.array_equal(back.loss, sweep.loss, equal_nan=True)
        assert back.settings == sweep.settings
    assert set(adding_runs.load_params_T100(tmp_path)) == {"RNN", "LSTM", "GRU"}


def test_load_refuses_a_file_without_every_sweep(tmp_path, monkeypatch):
    sweep = AddingSweep(("RNN",), (4,), (0,), np.ones((1, 1, 1)), np.ones((1, 1, 1), dtype=np.int64),
                        np.zeros((1, 1, 1), dtype=bool), np.ones((1, 1, 1, 2), dtype=np.float32),
                        dict(hidden_size=4, batch_size=8, max_steps=2, lr=0.01, max_norm=1.0, stop_mse=0.005,
                             window=2, test_size=8))
    adding_runs.save_sweeps({"wide": sweep}, adding_runs.runs_path(tmp_path))
    monkeypatch.setattr(adding_runs, "SWEEPS", {"wide": {}})
    assert adding_runs.load_sweeps(tmp_path)["wide"].settings == sweep.settings
    monkeypatch.setattr(adding_runs, "SWEEPS", {"main": {}, "wide": {}})
    with pytest.raises(ValueError, match="missing"):
        adding_runs.load_sweeps(tmp_path)
