"""Data tasks: stock prices, windows, the adding problem, the bundled text and batches."""

import hashlib
import pathlib

import numpy as np
import pytest

from rnnlib.data import (
    ADDING_BASELINE_MSE,
    TEXTS,
    CharVocab,
    adding_problem,
    char_batches,
    load_text,
    one_hot,
    sliding_windows,
    stock_prices,
)

DATA_DIR = pathlib.Path(__file__).resolve().parent.parent / "rnnlib" / "data"


def test_stock_prices_are_scaled_seeded_and_weekly():
    p = stock_prices(np.random.default_rng(0), 365)
    assert p.shape == (365,) and p.dtype == np.float64
    assert p.min() == 0.0 and p.max() == 1.0
    np.testing.assert_array_equal(p, stock_prices(np.random.default_rng(0), 365))
    assert not np.array_equal(p, stock_prices(np.random.default_rng(1), 365))
    # without noise and drift the series is the pure 7-day cycle
    cycle = stock_prices(np.random.default_rng(0), 28, drift=0.0, volatility=0.0)
    np.testing.assert_allclose(cycle[:21], cycle[7:], atol=1e-12)


def test_stock_prices_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        stock_prices(np.random.RandomState(0), 10)
    with pytest.raises(ValueError, match="n_days: expected an int >= 2, got 1"):
        stock_prices(rng, 1)
    with pytest.raises(ValueError, match="volatility: expected a finite real number >= 0"):
        stock_prices(rng, 10, volatility=-1)
    with pytest.raises(ValueError, match=r"weekly_amplitude: expected a finite real number in \[0, 1\), got 1.0"):
        stock_prices(rng, 10, weekly_amplitude=1.0)
    with pytest.raises(ValueError, match="constant"):
        stock_prices(rng, 10, drift=0.0, volatility=0.0, weekly_amplitude=0.0)


def test_sliding_windows_make_the_three_day_dataset():
    series = np.arange(10.0)
    X, y = sliding_windows(series, window=3)
    assert X.shape == (3, 7, 1) and y.shape == (7, 1)
    np.testing.assert_array_equal(X[:, 0, 0], [0, 1, 2])
    np.testing.assert_array_equal(X[:, 4, 0], [4, 5, 6])
    np.testing.assert_array_equal(y[:, 0], np.arange(3, 10))
    X[0, 0, 0] = 99.0
    assert series[0] == 0.0  # a copy, not a view
    with pytest.raises(ValueError, match=r"series: expected length N > window = 3, got 3"):
        sliding_windows(np.arange(3.0))
    with pytest.raises(ValueError, match=r"series: expected shape \(N,\)"):
        sliding_windows(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="series: expected finite values"):
        sliding_windows(np.array([0.0, np.nan, 1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="window"):
        sliding_windows(series, window=2.5)


def test_adding_problem_structure():
    rng = np.random.default_rng(0)
    T, B = 11, 200
    X, y = adding_problem(rng, T, B)
    assert X.shape == (T, B, 2) and y.shape == (B, 1) and X.dtype == np.float64
    values, markers = X[..., 0], X[..., 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) == {0.0, 1.0}
    np.testing.assert_array_equal(markers.sum(axis=0), 2)  # exactly two markers
    np.testing.assert_array_equal(markers[: T // 2].sum(axis=0), 1)  # one in the first half
    np.testing.assert_array_equal(markers[T // 2 :].sum(axis=0), 1)  # one in the second half
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(axis=0))
    X2, y2 = adding_problem(np.random.default_rng(0), T, B)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert adding_problem(rng, 2, 3, dtype=np.float32)[0].dtype == np.float32


def test_adding_problem_mean_predictor_baseline():
    _, y = adding_problem(np.random.default_rng(1), 4, 200_000)
    assert ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, abs=2e-3)
    assert np.mean(y) == pytest.approx(1.0, abs=5e-3)


def test_adding_problem_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="T: expected an int >= 2, got 1"):
        adding_problem(rng, 1, 4)
    with pytest.raises(TypeError, match="batch_size"):
        adding_problem(rng, 5, "4")
    with pytest.raises(TypeError, match="dtype: expected float32 or float64"):
        adding_problem(rng, 5, 4, dtype=np.int32)
    with pytest.raises(TypeError, match="rng"):
        adding_problem(None, 5, 4)


def test_bundled_text_and_its_licence_note():
    text = load_text("sonnets")
    assert text == load_text()
    assert len(text) == 95_728 and text.startswith("THE SONNETS")
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() in (DATA_DIR / "README.md").read_text()
    assert "public domain" in (DATA_DIR / "README.md").read_text()
    assert set(TEXTS) == {"sonnets"}
    with pytest.raises(ValueError, match="name: expected one of 'sonnets', got 'hamlet'"):
        load_text("hamlet")


def test_char_vocab_round_trip():
    text = load_text()
    vocab = CharVocab.from_text(text)
    assert vocab.size == len(vocab) == 62
    assert list(vocab.chars) == sorted(set(text))
    ids = vocab.encode(text[:500])
    assert ids.dtype == np.int64 and ids.shape == (500,)
    assert vocab.decode(ids) == text[:500]
    assert vocab.decode([]) == ""
    assert vocab == CharVocab.from_text(text) and hash(vocab) == hash(CharVocab(vocab.chars))
    assert "CharVocab(" in repr(vocab)
    with pytest.raises(ValueError, match="text: expected characters of the vocabulary, got '~'"):
        vocab.encode("a~b")
    with pytest.raises(ValueError, match=r"ids: expected values in \[0, 62\)"):
        vocab.decode([0, 62])
    with pytest.raises(ValueError, match="chars: expected distinct characters"):
        CharVocab("aba")
    with pytest.raises(TypeError, match="chars: expected single characters"):
        CharVocab(["ab"])
    with pytest.raises(ValueError, match="chars: expected at least one character"):
        CharVocab("")
    with pytest.raises(TypeError, match="text: expected a str"):
        CharVocab.from_text(b"bytes")


def test_one_hot():
    out = one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.argmax(-1), [[0, 2], [1, 1]])
    np.testing.assert_array_equal(out.sum(-1), 1.0)
    assert one_hot(np.array([1]), 2, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match=r"ids: expected values in \[0, 3\)"):
        one_hot(np.array([3]), 3)
    with pytest.raises(TypeError, match="ids: expected integers"):
        one_hot(np.array([0.5]), 3)


def test_char_batches_are_next_character_pairs():
    text = load_text()
    vocab = CharVocab.from_text(text)
    encoded = vocab.encode(text)
    batches = char_batches(np.random.default_rng(0), encoded, T=20, B=4, vocab_size=vocab.size)
    X, Y = next(batches)
    assert X.shape == (20, 4, vocab.size) and Y.shape == (20, 4) and Y.dtype == np.int64
    inputs = X.argmax(-1)
    np.testing.assert_array_equal(inputs[1:], Y[:-1])  # the target is the next input
    for b in range(4):
        window = vocab.decode(inputs[:, b]) + vocab.decode(Y[-1:, b])
        assert window in text
    again = next(char_batches(np.random.default_rng(0), encoded, 20, 4, vocab.size))
    np.testing.assert_array_equal(again[0], X)
    X2, _ = next(batches)
    assert not np.array_equal(X, X2)  # endless, new windows each time


def test_char_batches_errors_are_raised_at_call():
    enc = np.arange(10) % 3
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="encoded: expected at least T \\+ 1 = 11 ids, got 10"):
        char_batches(rng, enc, 10, 2)
    with pytest.raises(TypeError, match="encoded: expected a 1-D integer array"):
        char_batches(rng, enc.astype(float), 3, 2)
    with pytest.raises(ValueError, match=r"encoded: expected ids in \[0, 2\)"):
        char_batches(rng, enc, 3, 2, vocab_size=2)
    with pytest.raises(TypeError, match="rng"):
        char_batches(0, enc, 3, 2)
    X, _ = next(char_batches(rng, enc, 9, 1))  # vocab_size defaults to max + 1
    assert X.shape == (9, 1, 3)
