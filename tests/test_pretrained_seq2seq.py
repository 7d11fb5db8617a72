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


def test_retrain_writes_files_that_load(tmp_path, monkeypatch):
    monkeypatch.setitem(ps.DATE_CONFIG, "n_test", 20)
    monkeypatch.setitem(ps.DATE_CONFIG, "eval_every", 2)
    monkeypatch.setitem(ps.SWEEP_CONFIG, "n_eval", 5)
    assert ps.main(["--only", "dates", "--steps", "2", "--out", str(tmp_path)]) == 0
    assert ps.main(["--only", "sweep", "--steps", "2", "--seeds", "3", "4", "--out", str(tmp_path)]) == 0
    models = ps.load_date_models(tmp_path)
    assert set(models) == {"plain", "attention"} and models["attention"].model.attention == "additive"
    hist = ps.load_date_history(tmp_path)
    assert hist["plain_loss"].shape == (2,) and hist["attention_eval_steps"].tolist() == [2]
    sweep = ps.load_sweep(tmp_path)
    assert sweep["accuracy"].shape == (2, 2, len(ps.SWEEP_LENGTHS)) and sweep["seeds"].tolist() == [3, 4]
    assert set(ps.load_copy_models(tmp_path)) == {"plain", "attention"}
    assert ps.main(["--only", "sweep", "--variant", "self_attention", "--steps", "2", "--seeds", "3",
                    "--out", str(tmp_path)]) == 0
    sa = ps.load_self_attention_sweep(tmp_path)
    assert sa["accuracy"].shape == (1, len(ps.SWEEP_LENGTHS)) and sa["loss"].shape == (1, 2)
    loaded = ps.load_self_attention_model(tmp_path)
    assert loaded.model.encoder_kind == "self_attention" and "enc.E" in loaded.params
    src, tgt, _ = ps.date_test_set()
    acc = ps.date_accuracy(models["attention"].model, models["attention"].params, src[:5], tgt[:5])
    assert 0.0 <= acc <= 1.0


def test_bad_arguments(tmp_path):
    with pytest.raises(SystemExit):
        ps.main(["--steps", "0", "--out", str(tmp_path)])
    with pytest.raises(FileNotFoundError):
        ps.load_sweep(tmp_path)
