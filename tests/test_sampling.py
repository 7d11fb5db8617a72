"""Sampling characters: determinism, temperature, agreement with the full forward pass."""

import numpy as np
import pytest

from rnnlib.data import CharVocab, one_hot
from rnnlib.gru import GRU
from rnnlib.lstm import LSTM
from rnnlib.model import SequenceModel
from rnnlib.rnn import RNN
from rnnlib.sampling import sample_chars

VOCAB = CharVocab("abcde ")


def _model(cell_cls=LSTM, output="all"):
    model = SequenceModel(cell_cls(VOCAB.size, 8), "softmax", VOCAB.size, output=output)
    params = model.init(np.random.default_rng(0))
    params["W_y"] = params["W_y"] * 8  # sharper distributions than at initialisation
    return model, params


@pytest.mark.parametrize("cell_cls", [RNN, LSTM, GRU])
def test_sample_is_deterministic_given_the_rng(cell_cls):
    model, params = _model(cell_cls)
    a = sample_chars(model, params, VOCAB, "abc", 40, temperature=1.0, rng=np.random.default_rng(1))
    b = sample_chars(model, params, VOCAB, "abc", 40, temperature=1.0, rng=np.random.default_rng(1))
    c = sample_chars(model, params, VOCAB, "abc", 40, temperature=1.0, rng=np.random.default_rng(2))
    assert a == b and a != c
    assert len(a) == 40 and set(a) <= set(VOCAB.chars)


def _greedy_with_forward(model, params, prompt, n):
    """The most likely continuation, recomputed with the full forward pass each time."""
    text = prompt
    for _ in range(n):
        X = one_hot(VOCAB.encode(text)[:, None], VOCAB.size)
        probs = model.forward(params, X)[0][-1, 0]
        text += VOCAB.chars[int(np.argmax(probs))]
    return text[len(prompt) :]


@pytest.mark.parametrize("prompt", ["a", "bad cab"])
def test_low_temperature_is_greedy_and_matches_forward(prompt):
    model, params = _model()
    sample = sample_chars(model, params, VOCAB, prompt, 15, temperature=1e-4, rng=np.random.default_rng(0))
    assert sample == _greedy_with_forward(model, params, prompt, 15)


def test_temperature_reshapes_the_distribution():
    model = SequenceModel(RNN(VOCAB.size, 2), "softmax", VOCAB.size)
    probs = np.array([0.5, 0.25, 0.125, 0.0625, 0.03125, 0.03125])
    params = {
        "W": np.zeros((2, VOCAB.size + 2)),
        "b": np.zeros(2),
        "W_y": np.zeros((VOCAB.size, 2)),
        "b_y": np.log(probs),  # the model ignores its input: every step has these probabilities
    }
    n = 2000
    for temperature in (1.0, 2.0):
        sample = sample_chars(model, params, VOCAB, "a", n, temperature, rng=np.random.default_rng(3))
        freq = np.bincount(VOCAB.encode(sample), minlength=VOCAB.size) / n
        expected = probs ** (1 / temperature) / np.sum(probs ** (1 / temperature))
        np.testing.assert_allclose(freq, expected, atol=0.04)


def test_sampling_does_not_mutate_params():
    model, params = _model(GRU, output="last")  # output="last" works too: sampling goes step by step
    saved = {k: v.copy() for k, v in params.items()}
    sample_chars(model, params, VOCAB, "ab", 5, rng=np.random.default_rng(0))
    for k in params:
        np.testing.assert_array_equal(params[k], saved[k])


def test_sampling_errors():
    model, params = _model()
    rng = np.random.default_rng(0)
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="temperature: expected a finite real number > 0"):
            sample_chars(model, params, VOCAB, "a", 3, temperature=bad, rng=rng)
    with pytest.raises(TypeError, match="temperature: expected a finite real number > 0"):
        sample_chars(model, params, VOCAB, "a", 3, temperature="hot", rng=rng)
    with pytest.raises(ValueError, match="prompt: expected a non-empty str"):
        sample_chars(model, params, VOCAB, "", 3, rng=rng)
    with pytest.raises(ValueError, match="text: expected characters of the vocabulary, got 'z'"):
        sample_chars(model, params, VOCAB, "az", 3, rng=rng)
    with pytest.raises(ValueError, match="n_chars: expected a positive int"):
        sample_chars(model, params, VOCAB, "a", 0, rng=rng)
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        sample_chars(model, params, VOCAB, "a", 3)
    with pytest.raises(TypeError, match="vocab: expected a CharVocab"):
        sample_chars(model, params, "abcde ", "a", 3, rng=rng)
    other = CharVocab("abc")
    with pytest.raises(ValueError, match="input_size = output_size = vocab.size = 3"):
        sample_chars(model, params, other, "a", 3, rng=rng)
    linear = SequenceModel(LSTM(VOCAB.size, 4), "linear", VOCAB.size)
    with pytest.raises(ValueError, match="model: expected a 'softmax' head"):
        sample_chars(linear, linear.init(rng), VOCAB, "a", 3, rng=rng)
