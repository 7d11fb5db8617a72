"""Checkers of chapter 6 (remembering across long gaps): the adding problem's generator, the early-stopping rule."""

import numpy as np

from rnnlib.check.engine import Case, Fail, as_numbers, checker, kind, num

__all__ = ["adding_problem", "steps_to_solve"]


def _two_arrays(out, shapes):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Fail(f"expected a tuple (X, y), got {kind(out)}")
    arrays = []
    for value, name, shape in zip(out, ("X", "y"), shapes):
        a = as_numbers(value, name)
        if a.shape != shape:
            raise Fail(f"expected {name} with shape {shape}, got shape {a.shape}")
        arrays.append(a)
    return arrays


def _adding_properties(T, B, seed):
    def test(student):
        X, y = _two_arrays(student(np.random.default_rng(seed), T, B), ((T, B, 2), (B, 1)))
        values, markers = X[..., 0], X[..., 1]
        if values.min() < 0 or values.max() > 1:
            raise Fail(f"expected every value X[t, b, 0] in [0, 1], found {num(values.min())} to {num(values.max())}",
                        "draw the values with rng.random((T, batch_size)).")
        if not np.isin(markers, (0.0, 1.0)).all():
            raise Fail("expected the markers X[t, b, 1] to be 0 or 1", "a marker is 1 at the two chosen steps, 0 elsewhere.")
        half = T // 2
        first, second = markers[:half].sum(axis=0), markers[half:].sum(axis=0)
        bad = np.flatnonzero((first != 1) | (second != 1))
        if bad.size:
            b = int(bad[0])
            raise Fail(
                f"sequence {b} has {int(first[b])} marker(s) in steps 0..{half - 1} and {int(second[b])} in "
                f"steps {half}..{T - 1}, expected exactly one in each half",
                "choose i1 from range(0, T // 2) and i2 from range(T // 2, T) for every sequence.",
            )
        target = (values * markers).sum(axis=0)[:, None]
        if not np.allclose(y, target, rtol=1e-6, atol=1e-9):
            b = int(np.argmax(np.abs(y - target)))
            raise Fail(f"expected y[{b}] = {num(target[b, 0])} (the sum of its two marked values), got {num(y[b, 0])}",
                        "y[b, 0] = X[i1, b, 0] + X[i2, b, 0].")
    return test


def _adding_determinism(student):
    first = _two_arrays(student(np.random.default_rng(42), 10, 3), ((10, 3, 2), (3, 1)))
    again = _two_arrays(student(np.random.default_rng(42), 10, 3), ((10, 3, 2), (3, 1)))
    if not all(np.array_equal(a, b) for a, b in zip(first, again)):
        raise Fail("two generators with the same seed gave different batches",
                    "draw every random number from the `rng` argument, never from np.random directly.")
    other = _two_arrays(student(np.random.default_rng(43), 10, 3), ((10, 3, 2), (3, 1)))
    if np.array_equal(first[0], other[0]):
        raise Fail("generators with different seeds gave the same batch", "draw the values and marker positions from `rng`.")


@checker(
    "adding_problem(rng, T, batch_size) -> (X, y)",
    summary=("`{name}` makes values in [0, 1], one marker in each half, y = the marked sum, and is reproducible "
        "from its rng"),
    hint=("X[..., 0] holds the values and X[..., 1] the markers of each sequence; y is the sum of its two marked "
         "values, and every random number comes from rng."),
    more=("for every sequence b choose one marked step in the first half (steps 0 .. T//2 - 1) and one in the "
         "second; y has shape (batch_size, 1)."),
    forbid=("rnnlib.data.adding_problem",),
)
def adding_problem(seed=None):
    """Check a generator of the adding problem.

    The student's function::

        {signature}

    X (T, B, 2): ``X[t, b, 0]`` values drawn from U(0, 1), ``X[t, b, 1]``
    markers, 1 at exactly two steps of each sequence (one in steps
    ``0 .. T//2 - 1``, one in ``T//2 .. T - 1``) and 0 elsewhere;
    y (B, 1): the sum of the two marked values. ``rng`` a
    numpy.random.Generator, the only source of randomness (same seed, same
    batch). Reference: the properties above (as in
    :func:`rnnlib.data.adding_problem`).
    """
    s = 0 if seed is None else seed
    cases = [
        Case("T=2, a batch of 1: the markers must be at steps 0 and 1", test=_adding_properties(2, 1, s + 1)),
        Case("T=10, a batch of 4", test=_adding_properties(10, 4, s)),
        Case("T=7 (odd), a batch of 50", test=_adding_properties(7, 50, s + 2)),
        Case("T=100, a batch of 8", test=_adding_properties(100, 8, s + 3)),
        Case("the same seed twice, then another seed", test=_adding_determinism),
    ]
    return cases


def _steps_reference(losses, window, stop_mse):
    """The smallest n >= window with mean(losses[n - window : n]) < stop_mse, or None."""
    losses = np.asarray(losses, dtype=np.float64)
    if losses.size < window:
        return None
    sums = np.convolve(losses, np.ones(window), mode="valid")  # sums[k] = losses[k : k + window].sum()
    below = np.flatnonzero(sums / window < stop_mse)
    return int(below[0]) + window if below.size else None


def _steps_case(losses, window, stop_mse):
    expected = _steps_reference(losses, window, stop_mse)
    shown = "None" if expected is None else str(expected)

    def test(student):
        got = student(losses, window, stop_mse, allow_none=expected is None)
        if expected is None:
            if got is not None:
                raise Fail(
                    f"expected None (the mean of no {window} consecutive losses is below {num(stop_mse)}), "
                    f"got {kind(got) if not isinstance(got, (int, np.integer)) else got}",
                    "return None when no window of losses has a mean below stop_mse; a mean equal to it does "
                    "not count, and a run shorter than the window never stops early.",
                )
            return
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            raise Fail(f"expected the number of steps, an int ({shown}), got {kind(got)}")
        if int(got) != expected:
            hint = None
            if int(got) == expected - 1:
                hint = ("you returned the index of the last loss of the window; the run has made one more "
                        "update than that index: return the number of losses it has seen.")
            raise Fail(f"expected {shown} steps, got {int(got)}", hint)
    return test


def _steps_random():
    rng = np.random.default_rng(6)
    # a plateau at the baseline, then a drop: the shape of the chapter's learning curves
    steps = np.arange(600)
    curve = 1 / 6 * np.exp(-np.maximum(steps - 300, 0) / 40) + 0.001
    return curve * rng.uniform(0.5, 1.5, size=steps.size)


@checker(
    "steps_to_solve(losses, window, stop_mse) -> int or None",
    summary=("`{name}` finds when a run stops early: the first step at which the mean of the last `window` "
             "losses is below `stop_mse`, and None when that never happens"),
    hint=("after n updates the run has seen the losses 0 .. n - 1; it stops at the first n (at least window) "
          "whose last window losses have a mean strictly below stop_mse."),
    more="The answer counts updates, starting from 1: a run that stops after its first window has made `window` "
         "updates.",
)
def steps_to_solve():
    """Check the chapter's early-stopping rule.

    The student's function::

        {signature}

    ``losses`` the training loss of every step (a list or an array of
    floats, shape (N,)), ``window`` an int, ``stop_mse`` a float. Returns
    the smallest ``n >= window`` such that
    ``mean(losses[n - window : n]) < stop_mse`` (the number of updates a run
    of :func:`rnnlib.experiments.adding_experiment` makes before it stops
    early), or None if there is no such ``n``.
    """
    high_then_low = np.array([0.2] * 30 + [0.001] * 30)
    return [
        Case("30 losses of 0.2, then 30 of 0.001; window 10, stop_mse 0.005",
             test=_steps_case(high_then_low, 10, 0.005)),
        Case("the same as a list, window 25", test=_steps_case(list(high_then_low), 25, 0.005)),
        Case("every loss 0.001: the run stops after its first full window",
             test=_steps_case(np.full(20, 0.001), 5, 0.005)),
        Case("every loss equal to stop_mse = 0.25: never below it", test=_steps_case(np.full(20, 0.25), 4, 0.25)),
        Case("3 losses of 0.001, window 5: too short to stop", test=_steps_case(np.full(3, 0.001), 5, 0.005)),
        Case("never solved: 1,000 losses near 1/6", test=_steps_case(np.full(1000, 1 / 6), 50, 0.005)),
        Case("a noisy plateau and drop of 600 steps, window 50", test=_steps_case(_steps_random(), 50, 0.005)),
    ]
