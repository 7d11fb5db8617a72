"""Public helpers that other tests reached only indirectly, each constructed and run once."""
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_copy_accuracy_of_an_untrained_model_is_a_fraction():
    from rnnlib import pretrained_seq2seq as ps

    model = ps.copy_model("attention")
    params = model.init(np.random.default_rng(0))
    acc = ps.copy_accuracy(model, params, length=5, n=8, rng=np.random.default_rng(1))
    assert 0.0 <= acc <= 1.0
    # an untrained model almost never copies a whole string right
    assert acc < 0.5


def test_date_model_variants_differ_in_attention_only():
    from rnnlib import pretrained_seq2seq as ps

    plain, attention = ps.date_model("plain"), ps.date_model("attention")
    p_plain = plain.init(np.random.default_rng(0))
    p_att = attention.init(np.random.default_rng(0))
    assert set(p_plain) < set(p_att), "the attention model has the plain model's parameters and more"
    with pytest.raises(ValueError, match=r"variant: expected one of 'plain', 'attention', got 'bidir'"):
        ps.date_model("bidir")
    with pytest.raises(ValueError, match="variant: expected one of"):
        ps.copy_model("transformer")


def test_student_requirements_pin_what_the_notebooks_need(tmp_path):
    pytest.importorskip("nbformat")
    from classroom.student import STUDENT_REQUIREMENTS, student_requirements

    (tmp_path / "requirements.txt").write_text("# pins\nnumpy==2.0.0\nmatplotlib==3.9.0\nnbgrader==0.9.6\n")
    lines = student_requirements(tmp_path).splitlines()
    assert "numpy==2.0.0" in lines and "matplotlib==3.9.0" in lines
    assert not any(line.startswith("nbgrader") for line in lines), "teachers' tools stay out"
    for name in STUDENT_REQUIREMENTS:
        assert any(line.split("==")[0] == name for line in lines), name
    assert lines[-1].startswith(".")  # rnnlib itself, from the edition's folder


def test_chapter_exercises_lists_the_coding_exercises_with_points():
    pytest.importorskip("nbformat")
    from classroom.grader import chapter_exercises

    chapters = chapter_exercises(ROOT)
    ch04 = {ex.label: ex for ex in chapters["04_lstm"]}
    assert "ex-ch04-forget-gate" in ch04
    ex = ch04["ex-ch04-forget-gate"]
    assert ex.checker == "lstm_forget_gate" and ex.function == "my_lstm_forget_gate"
    assert ex.points >= 1
