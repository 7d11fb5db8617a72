"""Data for the book's tasks: stock prices, the adding problem, character text.

All arrays are time-major: a batch of sequences is ``(T, B, D)``. Every random
function takes an explicit ``numpy.random.Generator`` and is deterministic
given its state.

* Chapters 1-2: :func:`stock_prices` (synthetic, seeded) and
  :func:`sliding_windows` (the 3-day predictor's dataset).
* Chapter 6: :func:`adding_problem` (Hochreiter & Schmidhuber, 1997).
* Chapter 7: :func:`load_text` (a bundled public-domain text, see
  ``rnnlib/data/README.md``), :class:`CharVocab`, :func:`one_hot` and
  :func:`char_batches`.
"""

import pathlib

import numpy as np

from rnnlib._checks import check_dtype, check_int, check_real, check_finite, check_option, check_rng, check_type, fail

__all__ = [
    "stock_prices",
    "sliding_windows",
    "adding_problem",
    "ADDING_BASELINE_MSE",
    "TEXTS",
    "load_text",
    "CharVocab",
    "one_hot",
    "char_batches",
]

#: MSE of always predicting the mean target 1.0 on the adding problem: Var(u1 + u2) = 2/12.
ADDING_BASELINE_MSE = 1.0 / 6.0

#: Bundled texts: name -> file in ``rnnlib/data/``.
TEXTS = {"sonnets": "sonnets.txt"}

_DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"


# ---------------------------------------------------------------- stock prices


def stock_prices(rng, n_days, drift=0.0005, volatility=0.01, weekly_amplitude=0.03):
    """Synthetic daily closing prices, scaled to [0, 1], for the 3-day predictor.

    Model (``eps_t ~ N(0, 1)`` independent, ``t = 0 .. n_days - 1``)::

        log_p[0] = 0
        log_p[t] = log_p[t-1] + drift + volatility * eps_t       # geometric random walk
        p[t] = exp(log_p[t]) * (1 + weekly_amplitude * sin(2 * pi * t / 7))   # weekly cycle
        prices = (p - min(p)) / (max(p) - min(p))                 # min-max scaled to [0, 1]

    The walk makes tomorrow's price close to today's; the weekly cycle is the
    pattern a model with a few days of memory can pick up. The prices are
    synthetic (no market data is bundled); the scaling makes them fit a
    sigmoid output.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_days : int
        Length of the series, >= 2.
    drift, volatility : float
        Mean and standard deviation of the daily log return (``volatility >= 0``).
    weekly_amplitude : float
        Relative size of the 7-day cycle, in [0, 1).

    Returns
    -------
    ndarray, shape (n_days,), float64
        Prices with ``min == 0`` and ``max == 1``.
    """
    check_rng(rng)
    n_days = check_int("n_days", n_days, 2)
    drift = check_real("drift", drift)
    volatility = check_real("volatility", volatility, low=0.0)
    weekly_amplitude = check_real("weekly_amplitude", weekly_amplitude, low=0.0, high=1.0, high_open=True)
    t = np.arange(n_days)
    steps = drift + volatility * rng.standard_normal(n_days)
    steps[0] = 0.0
    log_p = np.cumsum(steps)
    p = np.exp(log_p) * (1.0 + weekly_amplitude * np.sin(2.0 * np.pi * t / 7.0))
    span = p.max() - p.min()
    if span == 0.0:
        fail(ValueError, "volatility, weekly_amplitude, drift", "not all 0 (the series would be constant)", "all 0")
    return (p - p.min()) / span


def sliding_windows(series, window=3):
    """Turn a series into (last ``window`` days -> next day) examples.

    Example ``j`` has inputs ``series[j : j + window]`` and target
    ``series[j + window]``::

        X[s, j, 0] = series[j + s]      s = 0 .. window - 1   (time-major)
        y[j, 0]    = series[j + window]

    Parameters
    ----------
    series : array_like, shape (N,)
        Finite values, ``N > window``.
    window : int
        Days of input (the book's predictor uses 3).

    Returns
    -------
    X : ndarray, shape (window, B, 1)
        With ``B = N - window``. A new array (``series`` is not referenced).
    y : ndarray, shape (B, 1)
    """
    window = check_int("window", window, 1)
    series = np.asarray(series)
    if series.ndim != 1:
        fail(ValueError, "series", "shape (N,)", series.shape)
    if series.dtype.kind not in "fiu":
        fail(TypeError, "series", "a numeric array", f"dtype {series.dtype}")
    if series.shape[0] <= window:
        fail(ValueError, "series", f"length N > window = {window}", series.shape[0])
    check_finite("series", series)
    B = series.shape[0] - window
    idx = np.arange(window)[:, None] + np.arange(B)[None, :]  # (window, B)
    X = series[idx][:, :, None].astype(np.float64)
    y = series[window:][:, None].astype(np.float64)
    return X, y


# ------------------------------------------------------------- adding problem


def adding_problem(rng, T, batch_size, dtype=np.float64):
    """A batch of the adding problem (Hochreiter & Schmidhuber, 1997, experiment 4).

    Each sequence has ``T`` steps with two input channels::

        X[t, b, 0] = u[t, b] ~ U(0, 1)        the values
        X[t, b, 1] = 1 if t in (i1[b], i2[b]) else 0     the two markers
        i1[b] ~ uniform on {0, ..., T//2 - 1}            one marker in the first half
        i2[b] ~ uniform on {T//2, ..., T - 1}            one in the second half
        y[b, 0] = u[i1[b], b] + u[i2[b], b]

    The network must remember the first marked value across up to ``T - 1``
    steps of distractors. This is the variant of Le et al. (2015) and
    Arjovsky et al. (2016): the original has values in [-1, 1], markers
    restricted to the first ten steps and the first half, and target
    ``0.5 + (x1 + x2) / 4``.

    Baseline. A model that ignores the inputs can do no better than
    predicting the mean target ``E[y] = 1/2 + 1/2 = 1``; its MSE is
    ``E[(y - 1)^2] = Var(u1 + u2) = Var(u1) + Var(u2) = 1/12 + 1/12 = 1/6``
    ``~ 0.1667`` (``ADDING_BASELINE_MSE``, since ``Var(U(0, 1)) = 1/12`` and
    the two values are independent). A model has learned the task only
    when its MSE falls clearly below that.

    Parameters
    ----------
    rng : numpy.random.Generator
    T : int
        Sequence length, >= 2.
    batch_size : int
        Number of sequences B, >= 1.
    dtype : numpy dtype
        float64 (default) or float32.

    Returns
    -------
    X : ndarray, shape (T, B, 2)
    y : ndarray, shape (B, 1)
    """
    check_rng(rng)
    T = check_int("T", T, 2)
    B = check_int("batch_size", batch_size, 1)
    dtype = check_dtype("dtype", dtype)
    values = rng.random((T, B))
    half = T // 2
    i1 = rng.integers(0, half, size=B)
    i2 = rng.integers(half, T, size=B)
    cols = np.arange(B)
    markers = np.zeros((T, B))
    markers[i1, cols] = 1.0
    markers[i2, cols] = 1.0
    X = np.stack([values, markers], axis=-1).astype(dtype)
    y = (values[i1, cols] + values[i2, cols])[:, None].astype(dtype)
    return X, y


# ------------------------------------------------------------------- text


def load_text(name="sonnets"):
    """Return a bundled text as a str.

    Parameters
    ----------
    name : str
        One of ``TEXTS`` (``"sonnets"``: Shakespeare's 154 sonnets, 95,728
        characters, public domain; source and licence in
        ``rnnlib/data/README.md``).
    """
    check_type("name", name, str, "a str")
    check_option("name", name, tuple(sorted(TEXTS)))
    return (_DATA_DIR / TEXTS[name]).read_text(encoding="utf-8")


class CharVocab:
    """A character vocabulary: characters <-> integer ids.

    Ids are positions in ``chars`` (sorted by code point when built with
    :meth:`from_text`). Immutable.

    Parameters
    ----------
    chars : str or sequence of str
        Distinct single characters.
    """

    def __init__(self, chars):
        chars = tuple(chars)
        for c in chars:
            if not isinstance(c, str) or len(c) != 1:
                fail(TypeError, "chars", "single characters", repr(c))
        if len(set(chars)) != len(chars):
            dup = sorted({c for c in chars if chars.count(c) > 1})
            fail(ValueError, "chars", "distinct characters", f"duplicates {dup!r}")
        if not chars:
            fail(ValueError, "chars", "at least one character", "none")
        self._chars = chars
        self._index = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text):
        """The vocabulary of the distinct characters of ``text``, sorted."""
        check_type("text", text, str, "a str")
        return cls(sorted(set(text)))

    @property
    def chars(self):
        """The characters, as a tuple; ``chars[i]`` has id ``i``."""
        return self._chars

    @property
    def size(self):
        """Number of characters V."""
        return len(self._chars)

    def __len__(self):
        return len(self._chars)

    def __eq__(self, other):
        return isinstance(other, CharVocab) and other._chars == self._chars

    def __hash__(self):
        return hash(self._chars)

    def __repr__(self):
        return f"CharVocab({''.join(self._chars)!r})"

    def encode(self, text):
        """Ids of the characters of ``text``: int64 array of shape (len(text),)."""
        check_type("text", text, str, "a str")
        try:
            return np.array([self._index[c] for c in text], dtype=np.int64)
        except KeyError as err:
            fail(ValueError, "text", "characters of the vocabulary", f"{err.args[0]!r}, which is not in it")

    def decode(self, ids):
        """The string of the ids ``ids`` (a 1-D integer array or sequence)."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
            fail(TypeError, "ids", "a 1-D integer array", f"shape {ids.shape} dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.size):
            fail(ValueError, "ids", f"values in [0, {self.size})", f"values in [{ids.min()}, {ids.max()}]")
        return "".join(self._chars[i] for i in ids.tolist())


def one_hot(ids, depth, dtype=np.float64):
    """One-hot encode integer ids: ``out[..., k] = 1 if ids[...] == k``.

    Parameters
    ----------
    ids : array_like of int, any shape S
        Values in ``[0, depth)``.
    depth : int
        Number of classes (the vocabulary size V).

    Returns
    -------
    ndarray, shape S + (depth,)
    """
    depth = check_int("depth", depth, 1)
    ids = np.asarray(ids)
    if ids.size and ids.dtype.kind not in "iu":
        fail(TypeError, "ids", "integers", f"dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= depth):
        fail(ValueError, "ids", f"values in [0, {depth})", f"values in [{ids.min()}, {ids.max()}]")
    out = np.zeros(ids.shape + (depth,), dtype=dtype)
    np.put_along_axis(out, ids.astype(np.intp)[..., None], 1, axis=-1)
    return out


def char_batches(rng, encoded, T, B, vocab_size=None, dtype=np.float64):
    """Endless random batches of next-character examples (time-major).

    Each batch takes ``B`` windows of ``T + 1`` characters starting at
    uniformly random positions ``s[b]`` of ``encoded``::

        X[t, b] = one_hot(encoded[s[b] + t])        inputs,  (T, B, V)
        Y[t, b] = encoded[s[b] + t + 1]             targets, (T, B) int64

    Pass it straight to :func:`rnnlib.train.fit` (with ``tbptt=k`` to
    backpropagate through chunks of ``k`` steps).

    Parameters
    ----------
    rng : numpy.random.Generator
    encoded : array_like of int, shape (N,)
        The text as ids (``CharVocab.encode``), ``N >= T + 1``.
    T : int
        Steps per sequence.
    B : int
        Sequences per batch.
    vocab_size : int, optional
        V, the one-hot width; pass ``vocab.size``. Default ``max(encoded) + 1``.
    dtype : numpy dtype
        Floating dtype of ``X``.

    Returns
    -------
    iterator of (X, Y)
        Never exhausted. ``encoded`` is copied, so later changes to it do
        not leak into the batches.
    """
    check_rng(rng)
    T = check_int("T", T, 1)
    B = check_int("B", B, 1)
    dtype = check_dtype("dtype", dtype)
    encoded = np.array(encoded)
    if encoded.ndim != 1 or encoded.dtype.kind not in "iu":
        fail(TypeError, "encoded", "a 1-D integer array", f"shape {encoded.shape} dtype {encoded.dtype}")
    if encoded.shape[0] < T + 1:
        fail(ValueError, "encoded", f"at least T + 1 = {T + 1} ids", encoded.shape[0])
    if vocab_size is None:
        vocab_size = int(encoded.max()) + 1
    vocab_size = check_int("vocab_size", vocab_size, 1)
    if encoded.min() < 0 or encoded.max() >= vocab_size:
        fail(ValueError, "encoded", f"ids in [0, {vocab_size}) (vocab_size)", f"[{encoded.min()}, {encoded.max()}]")
    offsets = np.arange(T + 1)[:, None]

    def batches():
        while True:
            starts = rng.integers(0, encoded.shape[0] - T, size=B)
            window = encoded[offsets + starts[None, :]]  # (T + 1, B)
            yield one_hot(window[:-1], vocab_size, dtype), window[1:].astype(np.int64)

    return batches()
