"""The trained encoder-decoders of chapters 8 and 9, and the one command that retrains them.

Chapters 8 and 9 must execute in seconds, so they load models and
measurements made beforehand by this module::

    python -m rnnlib.pretrained_seq2seq                       # everything, overwrites the shipped files
    python -m rnnlib.pretrained_seq2seq --only dates          # the two date models
    python -m rnnlib.pretrained_seq2seq --only sweep --seeds 1 --out /tmp/x   # a quick try elsewhere

What it trains (settings in :data:`DATE_CONFIG` and :data:`SWEEP_CONFIG`,
float64, Adam, global-norm clipping; :func:`train`):

* **dates**: :class:`rnnlib.seq2seq.Seq2Seq` without and with additive
  attention on :func:`rnnlib.seqtasks.date_pairs` (fresh training pairs
  every step, from the non-held-out days), evaluated by exact match on
  1,000 held-out dates. Files ``date_plain.npz`` and ``date_attention.npz``
  (parameters) and ``date_history.npz`` (loss curves, held-out accuracy).
* **sweep** (the bottleneck): the copy task with lengths drawn uniformly
  from 5..40, for several seeds, without and with additive attention; each
  model is evaluated by exact match on 200 fresh strings at each length of
  :data:`SWEEP_LENGTHS`. Files ``copy_sweep_plain.npz`` and
  ``copy_sweep_attention.npz`` (accuracy ``(seed, length)`` and the loss
  curves; :func:`load_sweep` joins them) and ``copy_plain.npz``,
  ``copy_attention.npz`` (the parameters of seed 0). The two models can be
  trained by two processes at once: ``--only sweep --variant plain`` and
  ``--only sweep --variant attention``.
* **self-attention** (chapter 9, only when named):
  ``--only sweep --variant self_attention --seeds 0 --steps STEPS``
  trains :func:`copy_model` ``("self_attention")`` (a one-layer
  self-attention encoder with positional encodings and a residual
  connection, feeding the same additive-attention decoder) on the same
  copy task and evaluates it the same way. Files
  ``copy_sweep_self_attention.npz`` (:func:`load_self_attention_sweep`)
  and ``copy_self_attention.npz`` (:func:`load_self_attention_model`).
  The shipped files were made with ``--seeds 0 --steps 800``: 670 s (654 s of
  training) on the same loaded machine as below.

Run time, measured when the shipped files were made (a 2-core machine that
other jobs were loading to about 6 busy processes), with the three parts in
three processes at once (``--only dates``, ``--only sweep --variant plain``,
``--only sweep --variant attention``): 1,072 s, 1,366 s and 1,647 s, so about
27 minutes in all; one process doing everything needs their sum, about 68
minutes, on that machine, and less on an idle one. Retrained results equal the shipped ones on the same machine; on
another CPU the last bits of the sums differ and grow over thousands of
steps, so expect the same accuracies to a few percent, not the same bits.
"""

import argparse
import pathlib
import sys
import time
from dataclasses import dataclass

import numpy as np

from rnnlib._checks import check_option, fail
from rnnlib.clip import clip_by_global_norm
from rnnlib.io import load_params, save_params
from rnnlib.optim import Adam
from rnnlib.seq2seq import Seq2Seq, exact_match
from rnnlib.seqtasks import (
    COPY_VOCAB, DATE_SOURCE_VOCAB, DATE_TARGET_VOCAB, copy_pairs, date_pairs, make_batch,
)

__all__ = ["DATA_DIR", "DATE_CONFIG", "SWEEP_CONFIG", "SWEEP_LENGTHS", "MODELS", "SELF_ATTENTION",
           "load_self_attention_sweep", "load_self_attention_model", "train", "date_model",
           "copy_model", "load_date_models", "load_copy_models", "load_sweep", "load_date_history",
           "load_cost", "retrain_dates", "retrain_sweep", "main"]

DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"
#: The two variants compared everywhere: attention None ("plain") and "additive" ("attention").
MODELS = {"plain": None, "attention": "additive"}
#: Chapter 9's step towards Transformers: a self-attention encoder with the same attention decoder
#: (copy task only; its files are ``copy_self_attention.npz`` and ``copy_sweep_self_attention.npz``).
SELF_ATTENTION = "self_attention"

DATE_CONFIG = dict(hidden_size=64, attn_size=16, batch_size=32, steps=2000, lr=0.005, max_norm=5.0,
                   eval_every=250, n_test=1000, seed=11)
SWEEP_CONFIG = dict(hidden_size=64, attn_size=16, batch_size=32, steps=2000, lr=0.005, max_norm=5.0,
                    min_len=5, max_len=40, n_eval=200, seeds=(0, 1, 2), task="copy")
#: Lengths at which the sweep's models are evaluated.
SWEEP_LENGTHS = (5, 10, 15, 20, 25, 30, 35, 40)

@dataclass
class TrainRun:
    """What :func:`train` returns: final parameters, loss at every step, wall-clock seconds."""

    params: dict
    loss: np.ndarray
    seconds: float


def train(model, params, next_batch, steps, lr, max_norm, callback=None, every=None):
    """Adam on the masked sequence cross-entropy, with global-norm clipping.

    Parameters
    ----------
    model : Seq2Seq
    params : dict
        Initial parameters (not modified).
    next_batch : callable
        ``next_batch(step) -> Batch``, a fresh batch for every step.
    steps : int
    lr, max_norm : float
        Adam's learning rate; the global norm the gradients are clipped to.
    callback : callable, optional
        ``callback(step, params)`` after every ``every`` steps (and the last).

    Returns
    -------
    TrainRun
    """
    opt = Adam(lr=lr)
    state = opt.init(params)
    losses = np.empty(steps)
    start = time.perf_counter()
    for step in range(steps):
        loss, grads = model.loss_and_grads(params, next_batch(step))
        grads, _ = clip_by_global_norm(grads, max_norm)
        params, state = opt.update(params, grads, state)
        losses[step] = loss
        if callback is not None and ((step + 1) % every == 0 or step + 1 == steps):
            callback(step + 1, params)
    return TrainRun(params, losses, time.perf_counter() - start)


def date_model(variant):
    """The date model ``variant`` ("plain" or "attention") of :data:`DATE_CONFIG`'s size."""
    check_option("variant", variant, tuple(MODELS))
    c = DATE_CONFIG
    return Seq2Seq(DATE_SOURCE_VOCAB.size, DATE_TARGET_VOCAB.size, c["hidden_size"], attention=MODELS[variant],
                   attn_size=c["attn_size"])


def copy_model(variant):
    """The copy-task model ``variant`` ("plain", "attention" or "self_attention") of :data:`SWEEP_CONFIG`'s size."""
    check_option("variant", variant, tuple(MODELS) + (SELF_ATTENTION,))
    c = SWEEP_CONFIG
    if variant == SELF_ATTENTION:
        return Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, c["hidden_size"], attention="additive",
                       attn_size=c["attn_size"], encoder="self_attention")
    return Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, c["hidden_size"], attention=MODELS[variant],
                   attn_size=c["attn_size"])


def date_test_set():
    """The 1,000 held-out (source, target) dates every chapter evaluates on (a fixed seed)."""
    src, tgt, fmts = date_pairs(np.random.default_rng(2015), DATE_CONFIG["n_test"], split="test")
    return src, tgt, fmts


def date_accuracy(model, params, sources, targets):
    """Exact match of greedy translations of ``sources`` against ``targets``."""
    return exact_match(model.translate(params, sources, DATE_SOURCE_VOCAB, DATE_TARGET_VOCAB, max_len=11),
                       targets)


def copy_accuracy(model, params, length, n, rng, task="copy"):
    """Exact match of greedy decoding on ``n`` fresh copy strings of ``length`` symbols."""
    src, tgt = copy_pairs(rng, n, length, task)
    return exact_match(model.translate(params, src, COPY_VOCAB, COPY_VOCAB, max_len=length + 1), tgt)


def _path(name, directory):
    return pathlib.Path(directory or DATA_DIR) / name


def retrain_dates(directory=None, steps=None, progress=print):
    """Train both date models and write ``date_{plain,attention}.npz`` and ``date_history.npz``."""
    c = dict(DATE_CONFIG, **({} if steps is None else {"steps": steps}))
    test_src, test_tgt, _ = date_test_set()
    history = {}
    for k, variant in enumerate(MODELS):
        model = date_model(variant)
        rng = np.random.default_rng([c["seed"], k])
        params = model.init(rng)
        evals = []

        def next_batch(step):
            s, t, _ = date_pairs(rng, c["batch_size"])
            return make_batch(s, t, DATE_SOURCE_VOCAB, DATE_TARGET_VOCAB)

        def callback(step, p):
            acc = date_accuracy(model, p, test_src, test_tgt)
            evals.append((step, acc))
            progress(f"dates {variant}: step {step}, held-out exact match {acc:.3f}")

        run = train(model, params, next_batch, c["steps"], c["lr"], c["max_norm"], callback, c["eval_every"])
        save_params(str(_path(f"date_{variant}.npz", directory)), run.params)
        history[f"{variant}_loss"] = run.loss
        history[f"{variant}_eval_steps"] = np.array([e[0] for e in evals])
        history[f"{variant}_accuracy"] = np.array([e[1] for e in evals])
        history[f"{variant}_seconds"] = np.array(run.seconds)
    save_params(str(_path("date_history.npz", directory)), history)
    return history


def retrain_sweep(directory=None, steps=None, seeds=None, variants=None, progress=print):
    """Train the copy models for every seed; write ``copy_sweep_<variant>.npz`` and the seed-0 parameters."""
    c = dict(SWEEP_CONFIG, **({} if steps is None else {"steps": steps}))
    seeds = tuple(c["seeds"] if seeds is None else seeds)
    out = {}
    for variant in (MODELS if variants is None else variants):
        m = list(MODELS).index(variant) if variant in MODELS else len(MODELS)
        model = copy_model(variant)
        acc = np.zeros((len(seeds), len(SWEEP_LENGTHS)))
        losses = np.zeros((len(seeds), c["steps"]))
        seconds = np.zeros(len(seeds))
        for i, seed in enumerate(seeds):
            rng = np.random.default_rng([seed, m, 40])
            params = model.init(rng)

            def next_batch(step):
                length = int(rng.integers(c["min_len"], c["max_len"] + 1))
                s, t = copy_pairs(rng, c["batch_size"], length, c["task"])
                return make_batch(s, t, COPY_VOCAB, COPY_VOCAB)

            run = train(model, params, next_batch, c["steps"], c["lr"], c["max_norm"])
            eval_rng = np.random.default_rng([seed, 1000])
            acc[i] = [copy_accuracy(model, run.params, L, c["n_eval"], eval_rng, c["task"]) for L in SWEEP_LENGTHS]
            losses[i], seconds[i] = run.loss, run.seconds
            progress(f"copy {variant} seed {seed}: {run.seconds:.0f} s, exact match by length "
                     + " ".join(f"{L}:{a:.2f}" for L, a in zip(SWEEP_LENGTHS, acc[i])))
            if i == 0:
                save_params(str(_path(f"copy_{variant}.npz", directory)), run.params)
        save_params(str(_path(f"copy_sweep_{variant}.npz", directory)), {
            "accuracy": acc, "loss": losses, "seconds": seconds, "lengths": np.array(SWEEP_LENGTHS),
            "seeds": np.array(seeds)})
        out[variant] = acc
    return out


# ------------------------------------------------------------------ loading
@dataclass
class Loaded:
    """A shipped model: the :class:`Seq2Seq` and its parameters."""

    model: Seq2Seq
    params: dict


def _load(make, prefix, directory):
    out = {}
    for variant in MODELS:
        model = make(variant)
        like = model.init(np.random.default_rng(0))
        out[variant] = Loaded(model, load_params(str(_path(f"{prefix}_{variant}.npz", directory)), like=like))
    return out


def load_date_models(directory=None):
    """``{"plain": Loaded, "attention": Loaded}``: the shipped date models."""
    return _load(date_model, "date", directory)


def load_copy_models(directory=None):
    """``{"plain": Loaded, "attention": Loaded}``: the shipped copy models (seed 0)."""
    return _load(copy_model, "copy", directory)


def _npz(name, directory):
    with np.load(_path(name, directory), allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def load_sweep(directory=None):
    """The bottleneck sweep of both models.

    Returns
    -------
    dict
        "accuracy" (2, seeds, lengths) in the order of :data:`MODELS`,
        "loss" (2, seeds, steps), "seconds" (2, seeds), "lengths", "seeds".
    """
    parts = [_npz(f"copy_sweep_{v}.npz", directory) for v in MODELS]
    for part in parts[1:]:
        for key in ("lengths", "seeds"):
            if not np.array_equal(part[key], parts[0][key]):
                fail(ValueError, "copy_sweep files", f"the two models measured with the same {key}",
                     f"{part[key]} and {parts[0][key]}")
    out = {k: np.stack([part[k] for part in parts]) for k in ("accuracy", "loss", "seconds")}
    out.update(lengths=parts[0]["lengths"], seeds=parts[0]["seeds"])
    return out


def load_self_attention_sweep(directory=None):
    """The sweep of the self-attention encoder (``copy_sweep_self_attention.npz``).

    Keys "accuracy" (seeds, lengths), "loss" (seeds, steps), "seconds"
    (seeds,), "lengths", "seeds"; its seed-0 model is
    ``load_self_attention_model()``.
    """
    return _npz(f"copy_sweep_{SELF_ATTENTION}.npz", directory)


def load_self_attention_model(directory=None):
    """The shipped self-attention copy model (seed 0), a :class:`Loaded`."""
    model = copy_model(SELF_ATTENTION)
    like = model.init(np.random.default_rng(0))
    return Loaded(model, load_params(str(_path(f"copy_{SELF_ATTENTION}.npz", directory)), like=like))


def load_date_history(directory=None):
    """Loss curves and held-out accuracy of the date models ("plain_loss", "attention_accuracy", ...)."""
    return _npz("date_history.npz", directory)


def load_cost(directory=None):
    """Cost of the GRU encoder against self-attention, measured by ``benchmarks/bench_attention_cost.py``.

    Keys "lengths" (T), "gru_min", "gru_median", "attention_min",
    "attention_median" (seconds per training step), "gru_bytes",
    "attention_bytes" (trace sizes), "batch", "size", "reps".
    """
    return _npz("attention_cost.npz", directory)


def main(argv=None):
    """Command line: ``python -m rnnlib.pretrained_seq2seq [--only dates|sweep] [--steps N] [--seeds ...] [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m rnnlib.pretrained_seq2seq",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("dates", "sweep"), default=None, help="retrain one part only")
    parser.add_argument("--steps", type=int, default=None, help="override the number of training steps")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds of the sweep")
    parser.add_argument("--variant", choices=(*MODELS, SELF_ATTENTION), nargs="+", default=None,
                        help="models of the sweep (default plain and attention; self_attention only when named)")
    parser.add_argument("--out", default=None, help="output directory (default: the shipped rnnlib/data)")
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps: expected a positive int, got {args.steps}")
    start = time.perf_counter()
    if args.only in (None, "dates"):
        retrain_dates(args.out, args.steps)
    if args.only in (None, "sweep"):
        retrain_sweep(args.out, args.steps, args.seeds, args.variant)
    print(f"done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
