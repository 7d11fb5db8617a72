"""The experiments of chapters 6 and 7, each run by one call.

The chapters call these functions so that a notebook cell reads like the
experiment's description, while the loops live here, tested.

Chapter 6, remembering across long gaps (:func:`adding_experiment`): the
simple RNN, the LSTM and the GRU, each with the same hidden size, Adam and
gradient clipping, trained on the adding problem
(:func:`rnnlib.data.adding_problem`) at several sequence lengths ``T``::

    for T in lengths:                      # one fresh model per (cell, T)
        X_test, y_test = adding_problem(rng_test, T, test_size)   # shared by the cells
        for cell in cells:
            fit(model, params, lambda step: adding_problem(rng, T, batch_size),
                Adam(lr), max_steps, clip=("global", max_norm),   # a fresh batch every step
                stop=EarlyStopping(mean of the last `window` training MSEs, target=stop_mse))
            test_mse = mse(model.predict(params, X_test), y_test)

Chapter 7, back to language (:func:`train_char_model`, :func:`held_out_loss`):
a character-level language model on the bundled sonnets, trained on the
first 90% of the text (:func:`split_text`) with truncated backpropagation
through time and evaluated on the last 10%, which it never sees::

    loss = mean over characters of -log p(next character)   (nats per character)
    perplexity = exp(loss)

Randomness: every run draws from its own ``numpy.random.Generator`` seeded
from ``(seed, T, cell)``, so a run gives the same result whether it is run
alone or inside the whole experiment.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from rnnlib._checks import (
    check_distinct,
    check_dtype,
    check_int,
    check_known,
    check_option,
    check_real,
    check_size,
    check_type,
    fail,
)
from rnnlib.data import CharVocab, adding_problem, char_batches, load_text, one_hot
from rnnlib.gru import GRU
from rnnlib.losses import mse, softmax_cross_entropy
from rnnlib.lstm import LSTM
from rnnlib.model import SequenceModel
from rnnlib.optim import Adam
from rnnlib.rnn import RNN
from rnnlib.train import EarlyStopping, fit

__all__ = [
    "CELLS",
    "AddingRun",
    "adding_experiment",
    "adding_model",
    "mse_table",
    "AddingSweep",
    "adding_sweep",
    "split_text",
    "char_model",
    "CharRun",
    "train_char_model",
    "held_out_loss",
    "unigram_loss",
]

#: The three cells by the names the chapters print.
CELLS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


def _positive(name, value):
    return check_real(name, value, low=0.0, low_open=True)


def _cell_class(cell):
    return CELLS[check_option("cell", cell, tuple(CELLS))]


# --------------------------------------------------------------- chapter 6


@dataclass(frozen=True)
class AddingRun:
    """One training run of :func:`adding_experiment`.

    Attributes
    ----------
    cell : str
        "RNN", "LSTM" or "GRU".
    T : int
        Sequence length.
    loss : ndarray, shape (steps,)
        Training MSE of each step's fresh batch, before that step's update.
    grad_norm : ndarray, shape (steps,)
        Global gradient norm of each step, before clipping.
    steps : int
        Updates made (``max_steps``, or fewer when the run stopped early).
    solved : bool
        True if the run stopped early: its mean training MSE over the last
        ``window`` steps fell below ``stop_mse``.
    test_mse : float
        MSE on the held-out test batch of length ``T``.
    params : dict
        The trained parameters.
    seconds : float
        Wall-clock training time (varies from machine to machine).
    """

    cell: str
    T: int
    loss: np.ndarray
    grad_norm: np.ndarray
    steps: int
    solved: bool
    test_mse: float
    params: dict = field(repr=False)
    seconds: float = field(compare=False)


def adding_model(cell, hidden_size=32):
    """The adding-problem model: a cell on 2 inputs, a linear head on its last hidden state.

    ``y_hat = W_y h_T + b_y``, one number per sequence (:class:`rnnlib.model.SequenceModel`
    with ``head_kind="linear"``, ``output="last"``).

    Parameters
    ----------
    cell : {"RNN", "LSTM", "GRU"}
    hidden_size : int
        H.
    """
    return SequenceModel(_cell_class(cell)(2, check_size("hidden_size", hidden_size)), "linear", 1, output="last")


def _seed_of(seed, T, cell):
    return [seed, T, list(CELLS).index(cell)]


def adding_experiment(
    lengths=(10, 25, 50, 100),
    cells=("RNN", "LSTM", "GRU"),
    hidden_size=32,
    batch_size=64,
    max_steps=1000,
    lr=0.01,
    max_norm=1.0,
    stop_mse=0.005,
    window=50,
    test_size=500,
    seed=0,
    dtype=np.float32,
    verbose=True,
):
    """Train each cell on the adding problem at each sequence length; the chapter-6 experiment.

    For every ``T`` in ``lengths`` and every cell, a fresh model
    (:func:`adding_model`) is trained by :func:`rnnlib.train.fit` with
    ``Adam(lr)`` and ``clip=("global", max_norm)`` on a fresh batch of
    ``batch_size`` sequences at each step, for at most ``max_steps`` steps.
    A run stops early once it has solved the task: the mean of its last
    ``window`` training losses is below ``stop_mse`` (fit's
    :class:`rnnlib.train.EarlyStopping` with that mean as its validation) (a model that ignores
    its input scores about 1/6). Then the run's test MSE is measured on
    ``test_size`` sequences of the same length, the same sequences for
    every cell.

    Parameters
    ----------
    lengths : sequence of int
        Sequence lengths T (each >= 2).
    cells : sequence of {"RNN", "LSTM", "GRU"}
    hidden_size : int
        H, the same for every cell.
    batch_size : int
        B, sequences per training step.
    max_steps : int
        Step budget of every run.
    lr : float
        Adam's learning rate.
    max_norm : float
        Global-norm clipping threshold.
    stop_mse : float
        Early-stopping threshold on the running mean training MSE.
    window : int
        Number of recent steps averaged for early stopping.
    test_size : int
        Test sequences per length.
    seed : int
        Seeds every run's generator as ``(seed, T, cell index)`` and the
        test batch of length T as ``(seed, T, 99)``.
    dtype : numpy dtype
        float32 (default: the same results to the printed digits, twice as
        fast as float64 at these sizes) or float64.
    verbose : bool
        Print one line per run (rounded numbers only).

    Returns
    -------
    dict
        ``{(cell, T): AddingRun}`` in the order run.
    """
    lengths = [check_int(f"lengths[{i}]", T, low=2) for i, T in enumerate(lengths)]
    cells = [check_option("cells[i]", c, tuple(CELLS)) for c in cells]
    hidden_size = check_size("hidden_size", hidden_size)
    batch_size = check_size("batch_size", batch_size)
    max_steps = check_size("max_steps", max_steps)
    window = check_size("window", window)
    test_size = check_size("test_size", test_size)
    lr, max_norm, stop_mse = _positive("lr", lr), _positive("max_norm", max_norm), _positive("stop_mse", stop_mse)
    dtype = check_dtype("dtype", dtype)
    results = {}
    for T in lengths:
        X_test, y_test = adding_problem(np.random.default_rng([seed, T, 99]), T, test_size, dtype=dtype)
        for cell in cells:
            run = _adding_run(
                cell, T, hidden_size, batch_size, max_steps, lr, max_norm, stop_mse, window,
                np.random.default_rng(_seed_of(seed, T, cell)), dtype, X_test, y_test,
            )
            results[cell, T] = run
            if verbose:
                status = "solved" if run.solved else "budget used"
                print(f"{cell:>4}  T={T:<3d}  {run.steps:4d} steps ({status}), test MSE {run.test_mse:.4f}")
    return results


def _adding_run(cell, T, H, B, max_steps, lr, max_norm, stop_mse, window, rng, dtype, X_test, y_test):
    model = adding_model(cell, H)
    params = model.init(rng, dtype=dtype)
    losses = []

    def recent_mean(new_params):  # the mean of the last `window` training losses
        return sum(losses[-window:]) / window if len(losses) >= window else float("inf")

    start = time.perf_counter()
    result = fit(
        model, params, lambda step: adding_problem(rng, T, B, dtype=dtype), Adam(lr), max_steps,
        clip=("global", max_norm), progress=False, callback=lambda step, new_params, loss: losses.append(loss),
        stop=EarlyStopping(recent_mean, target=stop_mse),
    )
    seconds = time.perf_counter() - start
    test = mse(model.predict(result.params, X_test), y_test)[0]
    return AddingRun(
        cell, T, np.asarray(result.history["loss"]), np.asarray(result.history["grad_norm"]), result.steps,
        result.stop_reason == "target", test, result.params, seconds,
    )


def mse_table(results, digits=4):
    """The test MSE of every run as a text table, one row per cell and one column per T.

    Parameters
    ----------
    results : dict
        As returned by :func:`adding_experiment`.
    digits : int
        Decimals printed.

    Returns
    -------
    str
    """
    cells = list(dict.fromkeys(c for c, _ in results))
    lengths = list(dict.fromkeys(T for _, T in results))
    width = max(7, digits + 3)
    lines = ["cell " + "".join(f"{'T=' + str(T):>{width}}" for T in lengths)]
    for c in cells:
        row = "".join(
            f"{results[c, T].test_mse:>{width}.{digits}f}" if (c, T) in results else " " * (width - 1) + "-"
            for T in lengths
        )
        lines.append(f"{c:<5}{row}")
    return "\n".join(lines)


@dataclass(frozen=True)
class AddingSweep:
    """The chapter-6 experiment repeated with several seeds (:func:`adding_sweep`).

    Every array is indexed ``[cell, length, seed]`` in the order of
    ``cells``, ``lengths`` and ``seeds``; :meth:`of` picks one (cell, T).

    Attributes
    ----------
    cells : tuple of str
    lengths : tuple of int
    seeds : tuple of int
    test_mse : ndarray, shape (C, L, S)
        Test MSE of every run.
    steps : ndarray of int, shape (C, L, S)
        Updates made by every run.
    solved : ndarray of bool, shape (C, L, S)
        True if the run stopped early (its training MSE, averaged over the
        last ``window`` steps, fell below ``stop_mse``).
    loss : ndarray, shape (C, L, S, max_steps)
        Training MSE at every step; NaN after a run that stopped early.
    settings : dict
        The keyword arguments of :func:`adding_experiment` shared by all runs
        (hidden_size, batch_size, max_steps, lr, max_norm, stop_mse, window,
        test_size).
    """

    cells: tuple
    lengths: tuple
    seeds: tuple
    test_mse: np.ndarray
    steps: np.ndarray
    solved: np.ndarray
    loss: np.ndarray = field(repr=False)
    settings: dict = field(default_factory=dict)

    def _index(self, cell, T):
        check_option("cell", cell, self.cells)
        check_option("T", T, self.lengths)
        return self.cells.index(cell), self.lengths.index(T)

    def of(self, name, cell, T):
        """The values of ``name`` ("test_mse", "steps", "solved" or "loss") for one (cell, T), one per seed."""
        check_option("name", name, ("test_mse", "steps", "solved", "loss"))
        return getattr(self, name)[self._index(cell, T)]

    def median(self, name, cell, T):
        """Median over the seeds of ``name`` ("test_mse" or "steps") for one (cell, T)."""
        return float(np.median(self.of(name, cell, T)))

    def summary(self):
        """One line per (cell, T): median and range over the seeds of the test MSE and the steps.

        Returns
        -------
        str
        """
        S = len(self.seeds)
        lines = [f"{S} seeds each: median (min-max)"]
        for cell in self.cells:
            for T in self.lengths:
                mse_, steps = self.of("test_mse", cell, T), self.of("steps", cell, T)
                lines.append(
                    f"{cell:>4} T={T:<3d}  test MSE {np.median(mse_):.4f} ({mse_.min():.4f}-{mse_.max():.4f})"
                    f"  solved {int(self.of('solved', cell, T).sum())}/{S}"
                    f"  steps {np.median(steps):4.0f} ({steps.min()}-{steps.max()})"
                )
        return "\n".join(lines)


def adding_sweep(seeds=(0, 1, 2, 3, 4), lengths=(10, 25, 50, 100), cells=("RNN", "LSTM", "GRU"), verbose=True,
                 **settings):
    """Run :func:`adding_experiment` once per seed and collect the results.

    Parameters
    ----------
    seeds : sequence of int
        One full experiment per seed (its ``seed`` argument).
    lengths, cells :
        As in :func:`adding_experiment`.
    verbose : bool
        Print one line per run.
    **settings
        Any other keyword arguments of :func:`adding_experiment`
        (hidden_size, batch_size, max_steps, lr, max_norm, stop_mse, window,
        test_size, dtype), the same for every seed.

    Returns
    -------
    sweep : AddingSweep
    runs : dict
        ``{(cell, T, seed): AddingRun}``, the runs themselves (with their
        trained parameters).
    """
    seeds = tuple(int(s) for s in seeds)
    check_distinct("seeds", seeds, "seeds")
    defaults = dict(hidden_size=32, batch_size=64, max_steps=1000, lr=0.01, max_norm=1.0, stop_mse=0.005,
                    window=50, test_size=500)
    check_known("settings", settings, (*defaults, "dtype"), what="keyword argument", exc=TypeError)
    shared = {**defaults, **settings}
    runs = {}
    for seed in seeds:
        if verbose:
            print(f"seed {seed}")
        for (cell, T), run in adding_experiment(lengths, cells, seed=seed, verbose=verbose, **shared).items():
            runs[cell, T, seed] = run
    cells = tuple(dict.fromkeys(c for c, _, _ in runs))
    lengths = tuple(dict.fromkeys(T for _, T, _ in runs))
    shape = (len(cells), len(lengths), len(seeds))
    test_mse, steps, solved = np.zeros(shape), np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=bool)
    loss = np.full(shape + (shared["max_steps"],), np.nan, dtype=np.float32)
    for (cell, T, seed), run in runs.items():
        k = cells.index(cell), lengths.index(T), seeds.index(seed)
        test_mse[k], steps[k], solved[k] = run.test_mse, run.steps, run.solved
        loss[k][: run.steps] = run.loss
    settings = {k: v for k, v in shared.items() if k != "dtype"}
    return AddingSweep(cells, lengths, seeds, test_mse, steps, solved, loss, settings), runs


# --------------------------------------------------------------- chapter 7


def split_text(text, held_out=0.1):
    """Split a text into a training part and a held-out part at a line break.

    The held-out part is the last ``held_out`` fraction of the text, starting
    at the first line after the cut, so no line is shared.

    Parameters
    ----------
    text : str
    held_out : float
        Fraction in (0, 1).

    Returns
    -------
    train, held : str
        ``train + held == text``.
    """
    check_type("text", text, str, "a str")
    held_out = check_real("held_out", held_out, low=0, high=1, low_open=True, high_open=True)
    cut = int(len(text) * (1 - held_out))
    newline = text.find("\n", cut)
    cut = newline + 1 if newline != -1 else cut
    if not 0 < cut < len(text):
        fail(ValueError, "text", f"a text long enough to hold out a fraction {held_out:g}",
             f"{len(text)} characters")
    return text[:cut], text[cut:]


def char_model(cell, vocab_size, hidden_size):
    """A character-level language model: one-hot characters in, a softmax over the next one out.

    :class:`rnnlib.model.SequenceModel` with ``input_size = output_size = V``,
    ``head_kind="softmax"``, ``output="all"``: at every step t,
    ``p(x_{t+1} | x_1..x_t) = softmax(W_y h_t + b_y)``.

    Parameters
    ----------
    cell : {"RNN", "LSTM", "GRU"}
    vocab_size : int
        V.
    hidden_size : int
        H.
    """
    V = check_size("vocab_size", vocab_size)
    return SequenceModel(_cell_class(cell)(V, check_size("hidden_size", hidden_size)), "softmax", V, output="all")


def held_out_loss(model, params, vocab, text, streams=16, chunk=128):
    """Mean cross-entropy (nats per character) of a character model on a text.

    The text is cut into ``streams`` contiguous pieces read in parallel (a
    batch of ``streams``), each from a zero state; the state is carried
    through the piece in chunks of ``chunk`` steps (no trace beyond one
    chunk). Every character but the first of each piece is predicted::

        loss = mean over predicted characters of -log softmax(W_y h_t + b_y)[x_{t+1}]

    Parameters
    ----------
    model : SequenceModel
        From :func:`char_model`.
    params : dict
    vocab : CharVocab
    text : str
        At least ``2 * streams`` characters.
    streams : int
    chunk : int

    Returns
    -------
    float
        The mean cross-entropy; ``exp`` of it is the perplexity.
    """
    check_type("vocab", vocab, CharVocab, "a CharVocab")
    streams, chunk = check_size("streams", streams), check_size("chunk", chunk)
    ids = vocab.encode(text)
    L = len(ids) // streams
    if L < 2:
        fail(ValueError, "text", f"at least {2 * streams} characters for {streams} streams", len(ids))
    pieces = ids[: L * streams].reshape(streams, L).T  # (L, streams): piece s is column s
    dtype = params["W"].dtype
    state, total, count = None, 0.0, 0
    for s in range(0, L - 1, chunk):
        x = pieces[s : min(s + chunk, L - 1)]
        y = pieces[s + 1 : s + 1 + len(x)]
        _, cache = model.forward(params, one_hot(x, vocab.size, dtype), state)
        state = cache["trace"].final_state
        total += softmax_cross_entropy(cache["head"]["z"], y)[0] * y.size
        count += y.size
    return total / count


def unigram_loss(train, held):
    """Cross-entropy (nats per character) of the character frequencies of ``train`` on ``held``.

    The baseline a model without memory can reach: ``p(c)`` = frequency of
    ``c`` in ``train`` (add-one smoothed), ``loss = mean over held of -log p(c)``.
    """
    chars = sorted(set(train) | set(held))
    counts = np.array([train.count(c) for c in chars], dtype=np.float64) + 1.0
    logp = dict(zip(chars, np.log(counts / counts.sum())))
    return float(-np.mean([logp[c] for c in held]))


@dataclass
class CharRun:
    """A trained character model and how it got there (:func:`train_char_model`).

    Attributes
    ----------
    model : SequenceModel
    params : dict
    vocab : CharVocab
        The characters of the whole text, sorted.
    loss : ndarray, shape (steps,)
        Training cross-entropy of each step's batch (nats per character).
    eval_steps : ndarray of int
        Steps after which the held-out loss was measured (0 = before training).
    held_out : ndarray
        Held-out cross-entropy at ``eval_steps``.
    seconds : float
        Wall-clock training time.
    """

    model: SequenceModel
    params: dict = field(repr=False)
    vocab: CharVocab
    loss: np.ndarray
    eval_steps: np.ndarray
    held_out: np.ndarray
    seconds: float


def train_char_model(
    cell="LSTM",
    hidden_size=64,
    seq_len=64,
    batch_size=32,
    tbptt=None,
    steps=300,
    lr=0.003,
    max_norm=5.0,
    eval_every=None,
    seed=0,
    dtype=np.float32,
    progress=True,
    params=None,
    text="sonnets",
):
    """Train a character language model on the training part of a bundled text.

    The text (:func:`rnnlib.data.load_text`) is split by :func:`split_text`
    (last 10% held out). Each step takes ``batch_size`` random windows of
    ``seq_len + 1`` characters of the training part
    (:func:`rnnlib.data.char_batches`) and makes one Adam update with
    global-norm clipping, backpropagating through chunks of ``tbptt`` steps
    (:func:`rnnlib.train.fit`).

    Parameters
    ----------
    cell : {"LSTM", "GRU", "RNN"}
    hidden_size, seq_len, batch_size : int
        H, the window length T and B.
    tbptt : int, optional
        Truncated-BPTT chunk length; None backpropagates through whole windows.
    steps : int
        Number of updates.
    lr, max_norm : float
        Adam's learning rate and the clipping threshold.
    eval_every : int, optional
        Measure the held-out loss (:func:`held_out_loss`) before training and
        every ``eval_every`` steps (and after the last); None: before and after only.
    seed : int
        Seeds the initialisation and the batches.
    dtype : numpy dtype
        float32 (default) or float64.
    progress : bool
        tqdm progress bar with the running loss.
    params : dict, optional
        Start from these parameters instead of a fresh initialisation.
    text : str
        Name of the bundled text.

    Returns
    -------
    CharRun
    """
    steps = check_size("steps", steps)
    dtype = check_dtype("dtype", dtype)
    if eval_every is not None:
        eval_every = check_size("eval_every", eval_every)
    full = load_text(text)
    train, held = split_text(full)
    vocab = CharVocab.from_text(full)
    model = char_model(cell, vocab.size, hidden_size)
    rng = np.random.default_rng(seed)
    if params is None:
        params = model.init(rng, dtype=dtype)
    batches = char_batches(rng, vocab.encode(train), check_size("seq_len", seq_len), batch_size, vocab.size, dtype)
    eval_steps, held_losses = [0], [held_out_loss(model, params, vocab, held)]

    def evaluate(step, new_params, loss):
        done = step + 1
        if eval_every is not None and done % eval_every == 0 and done < steps:
            eval_steps.append(done)
            held_losses.append(held_out_loss(model, new_params, vocab, held))

    start = time.perf_counter()
    params, history = fit(
        model, params, batches, Adam(_positive("lr", lr)), steps,
        clip=("global", _positive("max_norm", max_norm)), tbptt=tbptt, progress=progress, callback=evaluate,
    )
    seconds = time.perf_counter() - start
    eval_steps.append(steps)
    held_losses.append(held_out_loss(model, params, vocab, held))
    return CharRun(
        model, params, vocab, np.asarray(history["loss"]), np.asarray(eval_steps), np.asarray(held_losses), seconds
    )
