"""rnnlib.pretrained_seq2seq: the training loop learns, the retrain command writes loadable files."""
import numpy as np
import pytest

from rnnlib import pretrained_seq2seq as ps
from rnnlib.seqtasks import COPY_VOCAB, copy_pairs, make_batch


def test_train_lowers_the_loss_and_leaves_the_initial_params_alone():
    model = ps.copy_model("attention")
    rng = np.random.default_rng(0)
    params = model.init(rng)
    before = {k: v.copy() for k, v in params.items()}
    s, t = copy_pairs(rng, 16, 4)
    batch = make_batch(s, t, COPY_VOCAB, COPY_VOCAB)
    seen = []
    run = ps.train(model, params, lambda step: batch, 30, 0.01, 5.0, lambda step, p: seen.append(step), 10)
    assert seen == [10, 20, 30]
    assert run.loss[-1] < 0.5 * run.loss[0]
    assert all(np.array_equal(before[k], params[k]) for k in params)


def test_train_falls_linearly_to_final_lr_and_continues_adams_state():
    model = ps.copy_model("plain")
    rng = np.random.default_rng(1)
    params = model.init(rng)
    s, t = copy_pairs(rng, 4, 3)
    batch = make_batch(s, t, COPY_VOCAB, COPY_VOCAB)
    first = ps.train(model, params, lambda step: batch, 2, 0.01, 5.0)
    run = ps.train(model, first.params, lambda step: batch, 3, 0.01, 5.0, final_lr=0.002, state=first.state)
    assert run.state["step"] == 5
    # by hand: the same Adam, continued, with rates 0.01, 0.006, 0.002
    p, state = first.params, first.state
    for lr in (0.01, 0.006, 0.002):
        _, grads = model.loss_and_grads(p, batch)
        grads, _ = ps.clip_by_global_norm(grads, 5.0)
        p, state = ps.Adam(lr=lr).update(p, grads, state)
    assert all(np.allclose(p[k], run.params[k], rtol=1e-12, atol=1e-15) for k in p)


def test_annealing_lengths_are_drawn_in_proportion_to_the_length():
    lengths, weights = ps.sweep_lengths_weights(5, 40)
    assert lengths.tolist() == list(range(5, 41)) and np.isclose(weights.sum(), 1)
    assert np.allclose(weights / lengths, weights[0] / 5)


def test_the_sweep_saves_each_seed_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setitem(ps.SWEEP_CONFIG, "n_eval", 3)
    args = ["--only", "sweep", "--variant", "plain", "--steps", "2", "--anneal-steps", "3", "--out", str(tmp_path)]
    assert ps.main(args + ["--seeds", "5"]) == 0
    assert (tmp_path / "parts" / "copy_sweep_plain_seed5.npz").is_file()
    before = ps._npz("copy_sweep_plain_seed5.npz", tmp_path / "parts")
    trained = []
    real = ps.train_sweep_seed
    monkeypatch.setattr(ps, "train_sweep_seed", lambda variant, seed, *a, **k: (
        trained.append(seed), real(variant, seed, *a, **k))[1])
    assert ps.main(args + ["--seeds", "5", "6"]) == 0
    assert trained == [6]  # seed 5 was read back, not trained again
    joined = ps._npz("copy_sweep_plain.npz", tmp_path)
    assert joined["seeds"].tolist() == [5, 6] and joined["loss"].shape == (2, 5)
    assert np.array_equal(joined["accuracy"][0], before["accuracy"])
    assert joined["early_accuracy"].shape == (2, len(ps.SWEEP_LENGTHS))
    assert joined["steps"] == 2 and joined["anneal_steps"] == 3
    with pytest.raises(ValueError, match="copy_sweep_plain_seed5.npz: expected a run of 2 \\+ 4 steps"):
        ps.main(["--only", "sweep", "--variant", "plain", "--steps", "2", "--anneal-steps", "4", "--seeds", "5",
                 "--out", str(tmp_path)])


def test_retrain_writes_files_that_load(tmp_path, monkeypatch):
    monkeypatch.setitem(ps.DATE_CONFIG, "n_test", 20)
    monkeypatch.setitem(ps.DATE_CONFIG, "eval_every", 2)
    monkeypatch.setitem(ps.SWEEP_CONFIG, "n_eval", 5)
    monkeypatch.setitem(ps.SWEEP_CONFIG, "anneal_steps", {"plain": 0, "attention": 1, "self_attention": 1})
    assert ps.main(["--only", "dates", "--steps", "2", "--out", str(tmp_path)]) == 0
    assert ps.main(["--only", "sweep", "--steps", "2", "--seeds", "3", "4", "--out", str(tmp_path)]) == 0
    models = ps.load_date_models(tmp_path)
    assert set(models) == {"plain", "attention"} and models["attention"].model.attention == "additive"
    hist = ps.load_date_history(tmp_path)
    assert hist["plain_loss"].shape == (2,) and hist["attention_eval_steps"].tolist() == [2]
    sweep = ps.load_sweep(tmp_path)
    assert sweep["accuracy"].shape == (2, 2, len(ps.SWEEP_LENGTHS)) and sweep["seeds"].tolist() == [3, 4]
    # plain: no annealing (accuracy is the early one); attention: 2 + 1 steps
    assert sweep["anneal_steps"].tolist() == [0, 1] and [loss.shape for loss in sweep["loss"]] == [(2, 2), (2, 3)]
    assert np.array_equal(sweep["accuracy"][0], sweep["early_accuracy"][0])

    assert set(ps.load_copy_models(tmp_path)) == {"plain", "attention"}
    assert ps.main(["--only", "sweep", "--variant", "self_attention", "--steps", "2", "--seeds", "3",
                    "--out", str(tmp_path)]) == 0
    sa = ps.load_self_attention_sweep(tmp_path)
    assert sa["accuracy"].shape == (1, len(ps.SWEEP_LENGTHS)) and sa["loss"].shape == (1, 3)
    loaded = ps.load_self_attention_model(tmp_path)
    assert loaded.model.encoder_kind == "self_attention" and "enc.E" in loaded.params
    src, tgt, _ = ps.date_test_set()
    acc = ps.date_accuracy(models["attention"].model, models["attention"].params, src[:5], tgt[:5])
    assert 0.0 <= acc <= 1.0


def test_bad_arguments(tmp_path):
    with pytest.raises(SystemExit):
        ps.main(["--steps", "0", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):
        ps.main(["--anneal-steps", "-1", "--out", str(tmp_path)])
    with pytest.raises(FileNotFoundError):
        ps.load_sweep(tmp_path)


def test_the_shipped_sweeps_load_and_record_their_recipe():
    sweep = ps.load_sweep()
    assert sweep["seeds"].tolist() == [0, 1, 2] and sweep["lengths"].tolist() == list(ps.SWEEP_LENGTHS)
    assert sweep["steps"].tolist() == [2000, 2000] and sweep["anneal_steps"].tolist() == [0, 3000]
    assert [loss.shape for loss in sweep["loss"]] == [(3, 2000), (3, 5000)]
    for extra in (ps.load_self_attention_sweep(), ps.load_plain_annealed_sweep()):
        assert extra["seeds"].tolist() == [0, 1, 2] and np.array_equal(extra["lengths"], sweep["lengths"])
        assert extra["steps"] == 2000 and extra["anneal_steps"] == 3000 and extra["loss"].shape == (3, 5000)
    assert ps.load_self_attention_model().model.encoder_kind == "self_attention"
