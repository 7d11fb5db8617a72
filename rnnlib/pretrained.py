"""The pretrained character models of chapter 7, and the one command that retrains them.

Chapter 7 must execute in seconds, so it loads weights trained beforehand by
this module. Anyone can reproduce them from scratch with one command::

    python -m rnnlib.pretrained                      # LSTM and GRU, overwrites the shipped files
    python -m rnnlib.pretrained --cell GRU           # one of them
    python -m rnnlib.pretrained --steps 200 --out .  # a quick try, written elsewhere
    python -m rnnlib.pretrained --long               # the GRU's longer run (history only)

Each model is trained by :func:`rnnlib.experiments.train_char_model` with the
settings in :data:`CONFIGS` (float32; the first 90% of the sonnets for
training, the last 10% held out) and written next to this module, in
``rnnlib/data/``:

* ``char_lstm.npz`` / ``char_gru.npz``: the parameters, saved with
  :func:`rnnlib.io.save_params` and loaded with :func:`rnnlib.io.load_params`
  checked against a freshly initialised model (``like=``);
* ``char_lstm_history.npz`` / ``char_gru_history.npz``: the training
  curve (batch loss at every step), the held-out loss every
  ``eval_every`` steps, and the settings.
* ``char_gru_long_history.npz``: the history (no weights) of the same GRU
  trained for :data:`LONG_STEPS` steps instead of 1,000, the run that showed
  where to stop it (:func:`load_long_history`; ``--long`` reruns it).

The retrained weights equal the shipped ones on the machine that made them;
on another CPU the last bits of the floating-point sums differ and grow over
thousands of steps, so expect the same held-out loss to about two decimals,
not the same bits.
"""

import argparse
import pathlib
import sys
from dataclasses import dataclass, field

import numpy as np

from rnnlib._checks import check_option
from rnnlib.data import CharVocab, load_text
from rnnlib.experiments import char_model, train_char_model
from rnnlib.io import load_params, save_params

__all__ = ["CONFIGS", "LONG_STEPS", "DATA_DIR", "weights_path", "history_path", "long_history_path", "Pretrained", "History",
           "load", "load_long_history", "retrain", "retrain_long", "main"]

DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"

#: Training settings of each shipped model (arguments of train_char_model). The step
#: counts come from a first run of 2,500 steps each, watching the held-out loss: the
#: GRU's was lowest near step 1,000 and then rose (it overfits the 86,000 training
#: characters), the LSTM's was still falling slowly at 2,500.
CONFIGS = {
    "LSTM": dict(hidden_size=128, seq_len=64, batch_size=32, tbptt=32, steps=3000, lr=0.003, max_norm=5.0,
                 eval_every=100, seed=7),
    "GRU": dict(hidden_size=128, seq_len=64, batch_size=32, tbptt=32, steps=1000, lr=0.003, max_norm=5.0,
                eval_every=100, seed=7),
}
DTYPE = np.float32
TEXT = "sonnets"

#: Steps of the GRU's longer run, whose history (not its weights) is shipped.
LONG_STEPS = 2500


def _cell(cell):
    return check_option("cell", cell, sorted(CONFIGS))


def weights_path(cell, directory=None):
    """Path of the parameters of ``cell`` ("LSTM" or "GRU"): ``<directory>/char_<cell>.npz``."""
    return pathlib.Path(directory or DATA_DIR) / f"char_{_cell(cell).lower()}.npz"


def history_path(cell, directory=None):
    """Path of the training history of ``cell``: ``<directory>/char_<cell>_history.npz``."""
    return pathlib.Path(directory or DATA_DIR) / f"char_{_cell(cell).lower()}_history.npz"


@dataclass
class Pretrained:
    """A shipped character model, ready to sample from or to evaluate.

    Attributes
    ----------
    cell : str
        "LSTM" or "GRU".
    model : SequenceModel
        From :func:`rnnlib.experiments.char_model`.
    params : dict
        float32 parameters.
    vocab : CharVocab
        The characters of the whole text, sorted (as in training).
    config : dict
        The training settings (:data:`CONFIGS`).
    loss : ndarray, shape (steps,)
        Training cross-entropy at every step (nats per character).
    eval_steps : ndarray of int
        Steps at which the held-out loss was measured.
    held_out : ndarray
        Held-out cross-entropy at ``eval_steps``.
    """

    cell: str
    model: object
    params: dict = field(repr=False)
    vocab: CharVocab
    config: dict
    loss: np.ndarray = field(repr=False)
    eval_steps: np.ndarray = field(repr=False)
    held_out: np.ndarray = field(repr=False)


@dataclass
class History:
    """A training history without weights (:func:`load_long_history`).

    Attributes
    ----------
    loss : ndarray, shape (steps,)
        Training cross-entropy at every step (nats per character).
    eval_steps : ndarray of int
        Steps at which the held-out loss was measured.
    held_out : ndarray
        Held-out cross-entropy at ``eval_steps``.
    """

    loss: np.ndarray
    eval_steps: np.ndarray
    held_out: np.ndarray


def _vocab():
    return CharVocab.from_text(load_text(TEXT))


def load(cell="LSTM", directory=None):
    """Load a shipped (or retrained) character model and its training history.

    The parameters are checked against a freshly initialised model of the
    configured size (names, shapes, dtype kind): a file of another size is
    refused with a message naming the array.

    Parameters
    ----------
    cell : {"LSTM", "GRU"}
    directory : path, optional
        Where the files are; default the shipped ``rnnlib/data``.

    Returns
    -------
    Pretrained
    """
    config = CONFIGS[_cell(cell)]
    vocab = _vocab()
    model = char_model(cell, vocab.size, config["hidden_size"])
    like = model.init(np.random.default_rng(0), dtype=DTYPE)
    params = load_params(weights_path(cell, directory), like=like)
    with np.load(history_path(cell, directory), allow_pickle=False) as h:
        loss, eval_steps, held_out = h["loss"], h["eval_steps"], h["held_out"]
    return Pretrained(cell, model, params, vocab, dict(config), loss, eval_steps, held_out)


def long_history_path(directory=None):
    """Path of the history of the GRU's longer run: ``<directory>/char_gru_long_history.npz``."""
    return pathlib.Path(directory or DATA_DIR) / "char_gru_long_history.npz"


def load_long_history(directory=None):
    """The training history of the GRU trained for :data:`LONG_STEPS` steps (no weights).

    Returns
    -------
    History
        ``loss`` (training cross-entropy at every step), ``eval_steps`` and
        ``held_out``; chapter 7's ``loss_curves`` draws it.
    """
    with np.load(long_history_path(directory), allow_pickle=False) as h:
        return History(h["loss"], h["eval_steps"], h["held_out"])


def _save_history(path, run):
    save_params(str(path), {"loss": run.loss.astype(np.float32), "eval_steps": run.eval_steps,
                            "held_out": run.held_out})


def retrain_long(steps=LONG_STEPS, directory=None, progress=True):
    """Train the GRU with its :data:`CONFIGS` settings for ``steps`` steps; write its history only.

    Returns
    -------
    CharRun
    """
    config = dict(CONFIGS["GRU"], steps=steps)
    run = train_char_model("GRU", dtype=DTYPE, progress=progress, text=TEXT, **config)
    _save_history(long_history_path(directory), run)
    return run


def retrain(cell, steps=None, directory=None, progress=True):
    """Train ``cell`` from scratch with its :data:`CONFIGS` settings and write both files.

    Parameters
    ----------
    cell : {"LSTM", "GRU"}
    steps : int, optional
        Override the configured number of steps (for a quick try).
    directory : path, optional
        Where to write; default the shipped ``rnnlib/data``.
    progress : bool
        tqdm progress bar.

    Returns
    -------
    CharRun
    """
    config = dict(CONFIGS[_cell(cell)])
    if steps is not None:
        config["steps"] = steps
    run = train_char_model(cell, dtype=DTYPE, progress=progress, text=TEXT, **config)
    save_params(str(weights_path(cell, directory)), run.params)
    _save_history(history_path(cell, directory), run)
    return run


def main(argv=None):
    """Command line: ``python -m rnnlib.pretrained [--cell LSTM GRU] [--steps N] [--out DIR] [--long]``."""
    parser = argparse.ArgumentParser(prog="python -m rnnlib.pretrained", description=__doc__.splitlines()[0])
    parser.add_argument("--cell", nargs="+", choices=sorted(CONFIGS), default=list(CONFIGS),
                        help="which models to retrain (default: all)")
    parser.add_argument("--steps", type=int, default=None, help="override the number of training steps")
    parser.add_argument("--out", default=None, help="output directory (default: the shipped rnnlib/data)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--long", action="store_true",
                        help=f"instead, rerun the GRU for {LONG_STEPS} steps (or --steps) and write its history only")
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps: expected a positive int, got {args.steps}")
    if args.long:
        run = retrain_long(args.steps or LONG_STEPS, directory=args.out, progress=not args.quiet)
        best = int(run.eval_steps[np.argmin(run.held_out)])
        print(f"GRU: {len(run.loss)} steps in {run.seconds:.0f} s, lowest held-out cross-entropy "
              f"{run.held_out.min():.3f} after {best} steps -> {long_history_path(args.out)}")
        return 0
    for cell in args.cell:
        run = retrain(cell, steps=args.steps, directory=args.out, progress=not args.quiet)
        ce = float(run.held_out[-1])
        print(f"{cell}: {len(run.loss)} steps in {run.seconds:.0f} s, held-out cross-entropy {ce:.3f} nats/char "
              f"(perplexity {np.exp(ce):.2f}) -> {weights_path(cell, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
