"""rnnlib.experiments (chapters 6 and 7) and rnnlib.pretrained: small, fast runs."""
import math

import numpy as np
import pytest

from rnnlib import experiments, pretrained
from rnnlib.data import ADDING_BASELINE_MSE, CharVocab, load_text
from rnnlib.experiments import (
    AddingRun,
    adding_experiment,
    adding_sweep,
    adding_model,
    char_model,
    held_out_loss,
    mse_table,
    split_text,
    train_char_model,
    unigram_loss,
)
from rnnlib.figures import ch06

# ------------------------------------------------------------------ chapter 6


@pytest.fixture(scope="module")
def tiny():
    """Every cell at two short lengths, a few steps each."""
    return adding_experiment(lengths=(4, 6), hidden_size=4, batch_size=8, max_steps=12, window=4,
                             test_size=16, seed=3, verbose=False)


def test_adding_experiment_runs_every_cell_at_every_length(tiny):
    assert list(tiny) == [(c, T) for T in (4, 6) for c in ("RNN", "LSTM", "GRU")]
    for (cell, T), run in tiny.items():
        assert isinstance(run, AddingRun) and run.cell == cell and run.T == T
        assert run.loss.shape == (run.steps,) and 1 <= run.steps <= 12
        assert np.isfinite(run.test_mse) and run.test_mse > 0
        assert set(run.params) == set(adding_model(cell, 4).init(np.random.default_rng(0)))
        assert run.params["W"].dtype == np.float32


def test_adding_experiment_is_reproducible_and_runs_are_independent(tiny):
    alone = adding_experiment(lengths=(6,), cells=("GRU",), hidden_size=4, batch_size=8, max_steps=12,
                              window=4, test_size=16, seed=3, verbose=False)
    run, again = tiny["GRU", 6], alone["GRU", 6]
    assert np.array_equal(run.loss, again.loss) and run.test_mse == again.test_mse
    other = adding_experiment(lengths=(6,), cells=("GRU",), hidden_size=4, batch_size=8, max_steps=12,
                              window=4, test_size=16, seed=4, verbose=False)
    assert not np.array_equal(other["GRU", 6].loss, run.loss)


def test_adding_experiment_stops_early_when_solved():
    # a threshold every run meets at once: stops after `window` steps
    res = adding_experiment(lengths=(4,), cells=("LSTM",), hidden_size=4, batch_size=8, max_steps=50,
                            stop_mse=100.0, window=3, test_size=8, verbose=False)
    run = res["LSTM", 4]
    assert run.solved and run.steps == 3 and run.loss.shape == run.grad_norm.shape == (3,)
    full = adding_experiment(lengths=(4,), cells=("LSTM",), hidden_size=4, batch_size=8, max_steps=5,
                             stop_mse=1e-9, window=3, test_size=8, verbose=False)["LSTM", 4]
    assert not full.solved and full.steps == 5 and full.grad_norm.shape == (5,)


def test_adding_experiment_learns_a_short_gap():
    """A GRU solves T=4 well below the baseline within a small budget."""
    res = adding_experiment(lengths=(4,), cells=("GRU",), hidden_size=8, batch_size=32, max_steps=300,
                            lr=0.02, stop_mse=0.02, window=20, test_size=200, seed=0, verbose=False)
    assert res["GRU", 4].test_mse < 0.25 * ADDING_BASELINE_MSE


def test_adding_experiment_prints_rounded_lines(capsys):
    adding_experiment(lengths=(4,), cells=("RNN",), hidden_size=2, batch_size=4, max_steps=2, window=2,
                      test_size=4)
    out = capsys.readouterr().out
    assert out.startswith(" RNN  T=4") and "test MSE" in out and out.count(".") == 1


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"lengths": (1,)}, ValueError),
        ({"lengths": (2.5,)}, TypeError),
        ({"cells": ("CNN",)}, ValueError),
        ({"hidden_size": 0}, ValueError),
        ({"lr": -1.0}, ValueError),
        ({"stop_mse": "low"}, TypeError),
        ({"dtype": np.int32}, TypeError),
    ],
)
def test_adding_experiment_refuses_bad_arguments(kwargs, error):
    with pytest.raises(error):
        adding_experiment(**{"max_steps": 1, "verbose": False, **kwargs})


def test_mse_table_has_a_row_per_cell_and_a_column_per_length(tiny):
    lines = mse_table(tiny, digits=3).splitlines()
    assert lines[0].split() == ["cell", "T=4", "T=6"]
    assert [line.split()[0] for line in lines[1:]] == ["RNN", "LSTM", "GRU"]
    assert lines[2].split()[1] == f"{tiny['LSTM', 4].test_mse:.3f}"


def test_adding_model_answers_one_number_per_sequence():
    model = adding_model("LSTM", 5)
    assert model.cell.input_size == 2 and model.output == "last" and model.head_kind == "linear"
    params = model.init(np.random.default_rng(0))
    assert model.predict(params, np.zeros((7, 3, 2))).shape == (3, 1)


def test_chapter6_figures_draw_the_results(tiny_sweep):
    sweep, _ = tiny_sweep
    curves = ch06.learning_curves(sweep, window=3)
    # 3 cells x 2 seeds + the baseline in every panel
    assert len(curves.axes) == 2 and all(len(ax.lines) == 3 * 2 + 1 for ax in curves.axes)
    by_length = ch06.mse_against_length(sweep)
    assert len(by_length.axes[0].containers) == 3  # one median line with range bars per cell
    fig = ch06.gradient_through_time({"RNN": np.geomspace(1e-9, 1, 6), "LSTM": np.ones(6)}, (1, 3))
    assert len(fig.axes[0].lines) == 2
    writes = ch06.memory_writes({"LSTM |C|": np.arange(6.0), "GRU |h|": np.ones(6)}, marked=(1, 4))
    assert len(writes.axes) == 2
    png, size = writes._repr_png_()  # shown as a PNG in a notebook, twice as many pixels as CSS pixels
    assert png.startswith(b"\x89PNG") and size == {"width": round(writes.get_figwidth() * writes.dpi),
                                                    "height": round(writes.get_figheight() * writes.dpi)}
    gates = ch06.lstm_gates(np.full(6, 0.1), np.full(6, 0.99), np.arange(6.0), marked=(1, 4), unit=3)
    assert len(gates.axes) == 3 and np.allclose(gates.axes[1].lines[0].get_ydata(), 0.99)


@pytest.fixture(scope="module")
def tiny_sweep():
    """Every cell at two short lengths, two seeds, a few steps each."""
    return adding_sweep(seeds=(3, 4), lengths=(4, 6), hidden_size=4, batch_size=8, max_steps=12, window=4,
                        test_size=16, verbose=False)


def test_adding_sweep_collects_every_seed_of_every_run(tiny, tiny_sweep):
    sweep, runs = tiny_sweep
    assert sweep.cells == ("RNN", "LSTM", "GRU") and sweep.lengths == (4, 6) and sweep.seeds == (3, 4)
    assert sweep.test_mse.shape == sweep.steps.shape == sweep.solved.shape == (3, 2, 2)
    assert sweep.loss.shape == (3, 2, 2, 12)
    # seed 3 is the run adding_experiment(seed=3) makes on its own
    assert sweep.of("test_mse", "LSTM", 6)[0] == tiny["LSTM", 6].test_mse
    run = runs["GRU", 4, 4]
    assert np.array_equal(sweep.of("loss", "GRU", 4)[1][: run.steps], run.loss)
    assert np.isnan(sweep.of("loss", "GRU", 4)[1][run.steps:]).all()
    assert sweep.median("steps", "RNN", 6) == np.median(sweep.of("steps", "RNN", 6))
    assert sweep.settings["hidden_size"] == 4 and sweep.settings["max_steps"] == 12
    lines = sweep.summary().splitlines()
    assert lines[0].startswith("2 seeds") and len(lines) == 1 + 3 * 2
    assert lines[1].split()[:2] == ["RNN", "T=4"] and "solved" in lines[1]


@pytest.mark.parametrize(
    "kwargs, error",
    [({"seeds": ()}, ValueError), ({"seeds": (1, 1)}, ValueError), ({"learning_rate": 0.1}, TypeError)],
)
def test_adding_sweep_refuses_bad_arguments(kwargs, error):
    with pytest.raises(error):
        adding_sweep(**{"lengths": (4,), "cells": ("RNN",), "max_steps": 1, "verbose": False, **kwargs})


def test_adding_sweep_of_refuses_unknown_names(tiny_sweep):
    sweep, _ = tiny_sweep
    with pytest.raises(ValueError, match="cell"):
        sweep.of("steps", "CNN", 4)
    with pytest.raises(ValueError, match="T"):
        sweep.of("steps", "RNN", 5)
    with pytest.raises(ValueError, match="name"):
        sweep.of("params", "RNN", 4)


def test_running_mean():
    assert np.allclose(ch06.running_mean([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])


# ------------------------------------------------------------------ chapter 7


def test_split_text_cuts_at_a_line_break():
    text = "".join(f"line {i}\n" for i in range(100))
    train, held = split_text(text, held_out=0.1)
    assert train + held == text and train.endswith("\n") and held.startswith("line 9")
    assert 0.08 < len(held) / len(text) < 0.12
    with pytest.raises(ValueError):
        split_text(text, held_out=1.0)
    with pytest.raises(TypeError):
        split_text(b"bytes")


def test_held_out_loss_of_a_uniform_model_is_log_V():
    vocab = CharVocab("abcd")
    model = char_model("GRU", vocab.size, 3)
    params = model.init(np.random.default_rng(0))
    params["W_y"][:] = 0.0  # equal logits: p = 1/V for every character
    params["b_y"][:] = 0.0
    assert held_out_loss(model, params, vocab, "abcdabcdddcba" * 20, streams=4, chunk=7) == pytest.approx(math.log(4))


def test_held_out_loss_is_the_mean_over_chunks():
    """Chunking carries the state, so the loss does not depend on the chunk length."""
    vocab = CharVocab("ab\n")
    model = char_model("LSTM", vocab.size, 4)
    params = model.init(np.random.default_rng(1))
    text = "ab\nba\naab\n" * 10
    assert held_out_loss(model, params, vocab, text, streams=2, chunk=5) == pytest.approx(
        held_out_loss(model, params, vocab, text, streams=2, chunk=1000), rel=1e-12)
    with pytest.raises(ValueError):
        held_out_loss(model, params, vocab, "ab", streams=2)


def test_unigram_loss_matches_entropy_for_identical_texts():
    text = "aab" * 50
    p = np.array([101, 51]) / 152  # add-one smoothed counts of a and b
    expected = -(2 / 3 * np.log(p[0]) + 1 / 3 * np.log(p[1]))
    assert unigram_loss(text, text) == pytest.approx(expected)


def test_train_char_model_lowers_the_loss():
    run = train_char_model("GRU", hidden_size=16, seq_len=16, batch_size=8, tbptt=8, steps=30, lr=0.01,
                           eval_every=10, seed=0, progress=False)
    assert run.vocab == CharVocab.from_text(load_text())
    assert run.loss.shape == (30,) and list(run.eval_steps) == [0, 10, 20, 30]
    assert run.held_out[-1] < run.held_out[0] < math.log(run.vocab.size) + 0.1
    assert run.loss[-5:].mean() < run.loss[:5].mean()


# ------------------------------------------------------------------ pretrained


@pytest.mark.parametrize("cell", sorted(pretrained.CONFIGS))
def test_shipped_weights_load_and_beat_the_unigram_baseline(cell):
    model = pretrained.load(cell)
    assert model.params["W"].dtype == np.float32
    assert pretrained.weights_path(cell).stat().st_size < 1_000_000
    train, held = split_text(load_text())
    assert model.held_out[-1] < unigram_loss(train, held) - 1.0
    assert model.loss.shape == (model.config["steps"],)


def test_retrain_writes_files_that_load(tmp_path):
    run = pretrained.retrain("GRU", steps=2, directory=tmp_path, progress=False)
    assert run.loss.shape == (2,)
    loaded = pretrained.load("GRU", directory=tmp_path)
    for key, value in run.params.items():
        assert np.array_equal(loaded.params[key], value)


def test_load_refuses_weights_of_another_size(tmp_path):
    from rnnlib.io import save_params

    small = char_model("LSTM", 62, 8).init(np.random.default_rng(0), dtype=np.float32)
    save_params(str(pretrained.weights_path("LSTM", tmp_path)), small)
    save_params(str(pretrained.history_path("LSTM", tmp_path)),
                {"loss": np.zeros(1), "eval_steps": np.zeros(1, int), "held_out": np.zeros(1)})
    with pytest.raises(ValueError, match="shape"):
        pretrained.load("LSTM", directory=tmp_path)
    with pytest.raises(ValueError):
        pretrained.load("CNN")


def test_pretrained_main_parses_its_arguments(tmp_path, capsys):
    assert pretrained.main(["--cell", "GRU", "--steps", "1", "--out", str(tmp_path), "--quiet"]) == 0
    assert "GRU: 1 steps" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        pretrained.main(["--steps", "0"])


def test_long_gru_history_is_shipped_and_retrained(tmp_path, capsys):
    long = pretrained.load_long_history()
    loss, eval_steps, held_out = long.loss, long.eval_steps, long.held_out
    assert loss.shape == (pretrained.LONG_STEPS,) and eval_steps[-1] == pretrained.LONG_STEPS
    assert held_out.shape == eval_steps.shape
    assert pretrained.main(["--long", "--steps", "2", "--out", str(tmp_path), "--quiet"]) == 0
    assert "lowest held-out cross-entropy" in capsys.readouterr().out
    long = pretrained.load_long_history(tmp_path)
    loss, eval_steps, held_out = long.loss, long.eval_steps, long.held_out
    assert loss.shape == (2,) and eval_steps.tolist() == [0, 2] and held_out.shape == (2,)


def test_module_exports_exist():
    for name in experiments.__all__:
        assert hasattr(experiments, name)
