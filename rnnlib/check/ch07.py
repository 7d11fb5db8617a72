"""Checkers of chapter 7 (a character language model): perplexity, sampling with a temperature."""

import math

import numpy as np

from rnnlib.check.engine import Slip, Case, Fail, checker, kind, num
from rnnlib.check.common import FLOAT32_HINT

__all__ = ["perplexity", "sample_with_temperature"]

_PERPLEXITY_SLIPS = (
    Slip(lambda ce: 2.0 ** float(ce), "you used base 2: this cross-entropy is in nats (natural log), so its "
         "perplexity is the exponential with base e."),
)


def _index(out, V):
    if isinstance(out, np.ndarray) and out.shape == () and out.dtype.kind in "iu":
        out = out[()]
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, np.integer)):
        raise Fail(f"expected an integer index, got {kind(out)}",
                    "return a single index, e.g. `int(rng.choice(len(logits), p=p))`.")
    if not 0 <= out < V:
        raise Fail(f"expected an index in 0..{V - 1}, got {int(out)}")
    return int(out)


_LOGITS = np.array([2.0, 1.0, 0.5, -1.0, 0.0])


def _sample_distribution(temperature, n=4000, tolerance=0.03):
    def test(student):
        from rnnlib.activations import softmax

        rng = np.random.default_rng(17)
        counts = np.zeros(_LOGITS.size)
        for _ in range(n):
            counts[_index(student(_LOGITS, temperature, rng), _LOGITS.size)] += 1
        p = softmax(_LOGITS / temperature)
        freq = counts / n
        k = int(np.argmax(np.abs(freq - p)))
        if abs(freq[k] - p[k]) > tolerance:
            raise Fail(
                f"index {k} came up in {num(100 * freq[k])}% of {n} samples, expected about "
                f"{num(100 * p[k])}% = softmax(logits / T)[{k}]",
                "divide the logits by the temperature, take their softmax, then draw one index with "
                "rng.choice(len(logits), p=p).",
            )
    return test


def _sample_small_temperature(student):
    rng = np.random.default_rng(18)
    got = {_index(student(_LOGITS, 1e-3, rng), _LOGITS.size) for _ in range(100)}
    if got != {int(np.argmax(_LOGITS))}:
        raise Fail(f"with T = 0.001 expected always the argmax {int(np.argmax(_LOGITS))}, got the indices {sorted(got)}")


def _sample_single(student):
    rng = np.random.default_rng(19)
    for _ in range(5):
        _index(student(np.array([0.3]), 1.0, rng), 1)


def _sample_bad_temperature(student):
    rng = np.random.default_rng(20)
    for t in (0.0, -1.0):
        try:
            student.raises(ValueError, _LOGITS, t, rng)
        except Fail as fail:
            raise Fail(f"temperature = {num(t)}: {fail.text}",
                        "check `if temperature <= 0: raise ValueError(...)` first: dividing by 0 "
                        "or by a negative T is meaningless.") from None


def _sample_determinism(student):
    draws = [[student(_LOGITS, 1.0, rng) for _ in range(50)] for rng in (np.random.default_rng(21), np.random.default_rng(21))]
    if [_index(i, _LOGITS.size) for i in draws[0]] != [_index(i, _LOGITS.size) for i in draws[1]]:
        raise Fail("two generators with the same seed gave different samples",
                    "draw with the `rng` argument (rng.choice), never with np.random directly.")


@checker(
    "perplexity(mean_cross_entropy) -> exp(mean_cross_entropy)",
    summary=("`{name}` gives exp(cross-entropy): 1 for a perfect model, V for a uniform guess over V characters"),
    hint=("perplexity turns the mean cross-entropy back into a number of equally likely choices: a uniform "
         "guess over V characters has perplexity V."),
    more=("it is the exponential of the cross-entropy, in the base of the logarithm the cross-entropy used "
         "(natural log here)."),
    slips=_PERPLEXITY_SLIPS,
)
def perplexity(seed=None):
    """Check perplexity from the mean cross-entropy.

    The student's function::

        {signature}

    with the mean cross-entropy per character in nats (natural log);
    returns a number. A uniform guess over V characters has cross-entropy
    ln(V) and perplexity V. Reference: the formula.
    """
    specs = (
        ("a perfect model, cross-entropy 0", 0.0, "a perfect model is never surprised: its perplexity is 1."),
        ("cross-entropy 1.5 nats", 1.5, None),
        ("a uniform guess over 65 characters, ln(65)", math.log(65), None),
        ("a numpy float32 cross-entropy 2.0", np.float32(2.0), FLOAT32_HINT),
        ("a very bad model, cross-entropy 50", 50.0, None),
    )
    if seed is not None:  # other cross-entropies, from the seed
        specs += tuple((f"cross-entropy {ce:.4f} nats", ce, None)
                       for ce in np.random.default_rng(seed).uniform(0, 8, 3).round(4).tolist())
    cases = [
        Case(label, (ce,), math.exp(float(ce)), "perplexity", hint, tol=(1e-6, 0.0)) for label, ce, hint in specs
    ]
    return cases


@checker(
    "sample_with_temperature(logits, temperature, rng) -> index",
    summary=("`{name}` draws from softmax(logits / T) at T = 0.5, 1 and 2, gives the argmax as T -> 0 and "
        "refuses T <= 0"),
    hint=("divide the logits by the temperature, turn them into probabilities, then draw one index from those "
         "probabilities with rng; refuse a temperature <= 0."),
    more=("the probabilities are softmax(logits / temperature); rng.choice(len(logits), p=p) draws one index."),
)
def sample_with_temperature(seed=None):
    """Check sampling an index from logits with a temperature.

    The student's function::

        {signature}
        p = softmax(logits / temperature);  index ~ p

    logits (V,), temperature a float > 0 (a ValueError for T <= 0), rng a
    numpy.random.Generator; returns an int in 0..V-1. Checked statistically
    with fixed seeds: 4000 draws at each temperature must match
    softmax(logits / T) within 3 percentage points; at T = 0.001 every draw
    is the argmax. Reference: :func:`rnnlib.activations.softmax`.
    """
    cases = [
        Case("a single logit, V=1", test=_sample_single),
        Case("the same seed twice", test=_sample_determinism),
        Case("temperature 0 and -1 must raise ValueError", test=_sample_bad_temperature),
        Case("temperature 1, 4000 draws", test=_sample_distribution(1.0)),
        Case("temperature 0.5 (sharper), 4000 draws", test=_sample_distribution(0.5)),
        Case("temperature 2 (flatter), 4000 draws", test=_sample_distribution(2.0)),
        Case("temperature 0.001, so always the argmax", test=_sample_small_temperature,
              hint="logits / 0.001 are in the thousands: take a stable softmax (subtract the maximum)."),
    ]
    return cases
