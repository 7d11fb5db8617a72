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
* **sweep** (the bottleneck): the copy task, for the seeds 0, 1, 2,
  without attention ("plain"), with additive attention ("attention") and,
  only when named, with a self-attention encoder ("self_attention": one
  self-attention layer with positional encodings and a residual
  connection, feeding the same additive-attention decoder). Every model
  first trains :data:`SWEEP_CONFIG` ``["steps"]`` = 2,000 steps at a
  constant rate with lengths drawn uniformly from 5..40 (the recipe of
  chapter 8, measured as "early_accuracy"); the attention models then
  train ``anneal_steps`` = 3,000 more, the rate falling linearly from
  0.005 to 0.00025 and the lengths drawn with probability proportional
  to the length (:func:`train_sweep_seed`). The model without attention
  gets no annealing steps: it is chapter 8's 2,000-step model, and
  chapter 9 compares it with the attention model after the same 2,000
  steps and after all 5,000, and with a control run that gives it the
  same 3,000 annealing steps (``--variant plain --anneal-steps 3000``,
  shipped as ``copy_sweep_plain_annealed.npz``,
  :func:`load_plain_annealed_sweep`). Each model is evaluated by exact match on
  200 fresh strings at each length of :data:`SWEEP_LENGTHS`, the same
  strings for every model of a seed. Files ``copy_sweep_<variant>.npz``
  (accuracy ``(seed, length)``, loss curves; :func:`load_sweep`,
  :func:`load_self_attention_sweep`) and ``copy_<variant>.npz`` (the
  parameters of seed 0; :func:`load_copy_models`,
  :func:`load_self_attention_model`).

  Each (variant, seed) is saved in ``OUT/parts`` as soon as it is trained,
  so runs resume and can be split over processes, for example two at
  once::

      python -m rnnlib.pretrained_seq2seq --only sweep --variant attention --seeds 0
      python -m rnnlib.pretrained_seq2seq --only sweep --variant attention --seeds 1
      ...
      python -m rnnlib.pretrained_seq2seq --only sweep --variant attention   # joins 0, 1, 2

Run time, measured when the shipped files were made, on a 2-core machine
loaded by other jobs to 6-9 busy processes:

* the date models (``--only dates``): 1,072 s, and the sweep without
  attention (``--variant plain``, 2,000 steps, three seeds): 1,366 s, both
  measured in an earlier session with an earlier version of the library,
  in three processes at once;

and, each process under ``nice -n 10`` with one BLAS thread (a small share
of a core while the load was high):

* the sweep with attention (5,000 steps a seed): 945, 275 and 404 s of
  training for seeds 0, 1 and 2 (1,624 s; the load fell during the run);
* the self-attention sweep (5,000 steps a seed): 991, 453 and 546 s
  (1,991 s);
* the control without attention (``--variant plain --anneal-steps 3000``):
  222, 255 and 166 s (643 s).

The two sweeps with attention ran as two processes at once (one seed
each, resumed from ``parts``) and took 31 minutes of wall-clock time
together. One process doing the default parts (dates, plain, attention)
needs their sum, about 68 minutes on that machine; with the self-attention
sweep and the control, about 112 minutes; much less on an idle machine
(one attention seed is about 160 s of CPU time). Retrained results equal
the shipped ones on the same machine and library; on another CPU, or after
a change in the order of a sum, the last bits differ and grow over
thousands of steps, so expect the same accuracies to a few percent, not
the same bits.
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

__all__ = ["DATA_DIR", "DATE_CONFIG", "SWEEP_CONFIG", "SWEEP_LENGTHS", "MODELS", "SELF_ATTENTION", "MODELS_AND_SA",
           "train_sweep_seed", "sweep_lengths_weights", "load_plain_annealed_sweep",
           "load_self_attention_sweep", "load_self_attention_model", "train", "date_model",
           "copy_model", "load_date_models", "load_copy_models", "load_sweep", "load_date_history",
           "load_cost", "retrain_dates", "retrain_sweep", "main"]

DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"
#: The two variants compared everywhere: attention None ("plain") and "additive" ("attention").
MODELS = {"plain": None, "attention": "additive"}
#: Chapter 9's step towards Transformers: a self-attention encoder with the same attention decoder
#: (copy task only; its files are ``copy_self_attention.npz`` and ``copy_sweep_self_attention.npz``).
SELF_ATTENTION = "self_attention"
MODELS_AND_SA = (*MODELS, SELF_ATTENTION)

DATE_CONFIG = dict(hidden_size=64, attn_size=16, batch_size=32, steps=2000, lr=0.005, max_norm=5.0,
                   eval_every=250, n_test=1000, seed=11)
SWEEP_CONFIG = dict(hidden_size=64, attn_size=16, batch_size=32, steps=2000, lr=0.005, max_norm=5.0,
                    anneal_steps={"plain": 0, "attention": 3000, "self_attention": 3000}, final_lr=0.00025,
                    min_len=5, max_len=40, n_eval=200, seeds=(0, 1, 2), task="copy")
#: Lengths at which the sweep's models are evaluated.
SWEEP_LENGTHS = (5, 10, 15, 20, 25, 30, 35, 40)

@dataclass
class TrainRun:
    """What :func:`train` returns: final parameters, loss at every step, seconds, Adam's state."""

    params: dict
    loss: np.ndarray
    seconds: float
    state: dict = None


def train(model, params, next_batch, steps, lr, max_norm, callback=None, every=None, final_lr=None,
          state=None):
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
    final_lr : float, optional
        If given, the learning rate falls linearly from ``lr`` at the first
        step to ``final_lr`` at the last (default: constant ``lr``).
    state : dict, optional
        Adam's state to continue from (the ``state`` of an earlier run).

    Returns
    -------
    TrainRun
    """
    state = Adam(lr=lr).init(params) if state is None else state
    losses = np.empty(steps)
    start = time.perf_counter()
    for step in range(steps):
        frac = step / max(steps - 1, 1)
        opt = Adam(lr=lr if final_lr is None else lr + (final_lr - lr) * frac)
        loss, grads = model.loss_and_grads(params, next_batch(step))
        grads, _ = clip_by_global_norm(grads, max_norm)
        params, state = opt.update(params, grads, state)
        losses[step] = loss
        if callback is not None and ((step + 1) % every == 0 or step + 1 == steps):
            callback(step + 1, params)
    return TrainRun(params, losses, time.perf_counter() - start, state)


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


def sweep_lengths_weights(min_len, max_len):
    """Probabilities of the lengths ``min_len..max_len`` in the annealing phase: proportional to the length."""
    lengths = np.arange(min_len, max_len + 1)
    return lengths, lengths / lengths.sum()


def _sweep_eval(model, params, seed, c):
    """Exact match at every length of :data:`SWEEP_LENGTHS`, on the held-out strings of ``seed``.

    The strings depend on the seed only (not on the model), so every model
    of a seed is measured on the same strings.
    """
    eval_rng = np.random.default_rng([seed, 1000])
    return np.array([copy_accuracy(model, params, L, c["n_eval"], eval_rng, c["task"]) for L in SWEEP_LENGTHS])


def train_sweep_seed(variant, seed, c=None, progress=print):
    """Train one copy model of the sweep; return ``(params, result)``.

    Two phases: ``c["steps"]`` steps at the constant rate ``c["lr"]`` with
    lengths uniform in ``min_len..max_len`` (the recipe of the first
    edition of the chapters, measured as ``early_accuracy``), then
    ``c["anneal_steps"][variant]`` steps (none for "plain": the model of
    chapter 8 is the 2,000-step one) whose rate falls linearly to
    ``c["final_lr"]`` and whose lengths are drawn with probability
    proportional to the length (every position of the strings is seen
    equally often), measured as ``accuracy``.
    """
    c = dict(SWEEP_CONFIG) if c is None else c
    m = list(MODELS).index(variant) if variant in MODELS else len(MODELS)
    model = copy_model(variant)
    rng = np.random.default_rng([seed, m, 40])
    params = model.init(rng)

    def batch(length):
        s, t = copy_pairs(rng, c["batch_size"], length, c["task"])
        return make_batch(s, t, COPY_VOCAB, COPY_VOCAB)

    run = train(model, params, lambda step: batch(int(rng.integers(c["min_len"], c["max_len"] + 1))),
                c["steps"], c["lr"], c["max_norm"])
    early = _sweep_eval(model, run.params, seed, c)
    progress(f"copy {variant} seed {seed}, {c['steps']} steps: {run.seconds:.0f} s, exact match "
             + " ".join(f"{L}:{a:.2f}" for L, a in zip(SWEEP_LENGTHS, early)))
    n_anneal = c["anneal_steps"][variant]
    if not n_anneal:
        return run.params, {"accuracy": early, "early_accuracy": early, "loss": run.loss,
                            "seconds": np.array(run.seconds)}
    lengths, weights = sweep_lengths_weights(c["min_len"], c["max_len"])
    anneal = train(model, run.params, lambda step: batch(int(rng.choice(lengths, p=weights))),
                   n_anneal, c["lr"], c["max_norm"], final_lr=c["final_lr"], state=run.state)
    acc = _sweep_eval(model, anneal.params, seed, c)
    progress(f"copy {variant} seed {seed}, +{n_anneal} annealed: {anneal.seconds:.0f} s, exact match "
             + " ".join(f"{L}:{a:.2f}" for L, a in zip(SWEEP_LENGTHS, acc)))
    return anneal.params, {"accuracy": acc, "early_accuracy": early,
                           "loss": np.concatenate([run.loss, anneal.loss]),
                           "seconds": np.array(run.seconds + anneal.seconds)}


def retrain_sweep(directory=None, steps=None, seeds=None, variants=None, progress=print, parts=None,
                  anneal_steps=None):
    """Train the copy models for every seed; write ``copy_sweep_<variant>.npz`` and the seed-0 parameters.

    Every (variant, seed) is saved as soon as it is trained, in ``parts``
    (default ``<directory>/parts``), and skipped when its file is already
    there: an interrupted run resumes, and seeds can be trained by separate
    processes (``--seeds 0``, ``--seeds 1``, ...) and joined by a last call
    naming them all. The joined file is written when every seed is present.
    """
    c = dict(SWEEP_CONFIG, **({} if steps is None else {"steps": steps}),
             **({} if anneal_steps is None else {"anneal_steps": dict.fromkeys(MODELS_AND_SA, anneal_steps)}))
    seeds = tuple(c["seeds"] if seeds is None else seeds)
    parts = pathlib.Path(parts) if parts is not None else _path("parts", directory)
    parts.mkdir(parents=True, exist_ok=True)
    out = {}
    for variant in (MODELS if variants is None else variants):
        results = []
        for seed in seeds:
            part = parts / f"copy_sweep_{variant}_seed{seed}.npz"
            if not part.exists():
                params, result = train_sweep_seed(variant, seed, c, progress)
                save_params(str(parts / f"copy_{variant}_seed{seed}.npz"), params)
                save_params(str(part), result)
            results.append(_npz(part.name, parts))
            n_steps = c["steps"] + c["anneal_steps"][variant]
            if results[-1]["loss"].shape != (n_steps,):
                fail(ValueError, str(part), f"a run of {c['steps']} + {c['anneal_steps'][variant]} steps "
                     "(delete it to retrain)", f"{results[-1]['loss'].shape[0]} steps")
        joined = {k: np.stack([r[k] for r in results]) for k in ("accuracy", "early_accuracy", "loss", "seconds")}
        save_params(str(_path(f"copy_sweep_{variant}.npz", directory)), dict(
            joined, lengths=np.array(SWEEP_LENGTHS), seeds=np.array(seeds), steps=np.array(c["steps"]),
            anneal_steps=np.array(c["anneal_steps"][variant])))
        model = copy_model(variant)
        first = load_params(str(parts / f"copy_{variant}_seed{seeds[0]}.npz"), like=model.init(np.random.default_rng(0)))
        save_params(str(_path(f"copy_{variant}.npz", directory)), first)
        out[variant] = joined["accuracy"]
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
        "accuracy" (2, seeds, lengths) in the order of :data:`MODELS`, after
        all training; "early_accuracy" (2, seeds, lengths) after the first
        "steps" (constant rate, before the "anneal_steps"); "steps" and
        "anneal_steps" (2,); "loss" a tuple of two (seeds, steps +
        anneal_steps) arrays (the models train for different numbers of
        steps); "seconds" (2, seeds),
        "lengths", "seeds".
    """
    parts = [_npz(f"copy_sweep_{v}.npz", directory) for v in MODELS]
    for part in parts[1:]:
        for key in ("lengths", "seeds"):
            if not np.array_equal(part[key], parts[0][key]):
                fail(ValueError, "copy_sweep files", f"the two models measured with the same {key}",
                     f"{part[key]} and {parts[0][key]}")
    out = {k: np.stack([part[k] for part in parts])
           for k in ("accuracy", "early_accuracy", "seconds", "steps", "anneal_steps")}
    out.update(loss=tuple(part["loss"] for part in parts), lengths=parts[0]["lengths"], seeds=parts[0]["seeds"])
    return out


def load_self_attention_sweep(directory=None):
    """The sweep of the self-attention encoder (``copy_sweep_self_attention.npz``).

    Keys "accuracy" (seeds, lengths) after all training, "early_accuracy"
    (seeds, lengths) after the first "steps", "loss" (seeds, steps +
    anneal_steps), "seconds" (seeds,), "lengths", "seeds", "steps",
    "anneal_steps"; its seed-0 model is ``load_self_attention_model()``.
    """
    return _npz(f"copy_sweep_{SELF_ATTENTION}.npz", directory)


def load_plain_annealed_sweep(directory=None):
    """The control run: the model without attention trained with the same 3,000 annealing steps.

    ``copy_sweep_plain_annealed.npz``, made by ``python -m
    rnnlib.pretrained_seq2seq --only sweep --variant plain --anneal-steps
    3000 --out DIR`` and renamed from ``DIR/copy_sweep_plain.npz``; keys as
    :func:`load_self_attention_sweep`. Its parameters are not shipped: the
    chapters use the 2,000-step model of :func:`load_copy_models`.
    """
    return _npz("copy_sweep_plain_annealed.npz", directory)


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
    parser.add_argument("--anneal-steps", type=int, default=None,
                        help="override the number of annealing steps of the sweep")
    parser.add_argument("--out", default=None, help="output directory (default: the shipped rnnlib/data)")
    parser.add_argument("--parts", default=None, help="directory of the sweep's per-seed files (default OUT/parts)")
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps: expected a positive int, got {args.steps}")
    if args.anneal_steps is not None and args.anneal_steps < 0:
        parser.error(f"--anneal-steps: expected an int >= 0, got {args.anneal_steps}")
    start = time.perf_counter()
    if args.only in (None, "dates"):
        retrain_dates(args.out, args.steps)
    if args.only in (None, "sweep"):
        retrain_sweep(args.out, args.steps, args.seeds, args.variant, parts=args.parts,
                      anneal_steps=args.anneal_steps)
    print(f"done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
