"""Figures of chapter 8, "Sequence to sequence, and its bottleneck" (the date models
and their decoding, shared with chapter 9, are in :mod:`rnnlib.figures.date_models`).

* :data:`decoding_explorer` (interactive): the shipped date model without
  attention (:mod:`rnnlib.pretrained_seq2seq`) decodes one of
  :data:`EXAMPLES` greedily; at the chosen step the figure shows
  p(y_t | y_<t, x) over the target characters and the output so far. In the
  HTML book every (example, step) frame is precomputed.
* :func:`learning_curves`: training loss of the date models.
* :func:`exposure_bias`: per-position token accuracy with teacher forcing
  and free-running (greedy).
* :func:`accuracy_by_length`: the bottleneck sweep, exact match against
  the source length, median over seeds with the min-max range.
"""
import numpy as np

from rnnlib.figures.common import running_mean, static_figure
from rnnlib.figures.date_models import EXAMPLES, MAX_STEPS, MODEL_COLORS, date_models, decode, token_label
from rnnlib.widgets import Choice, Slider, interactive

__all__ = ["MODEL_COLORS", "EXAMPLES", "date_models", "decode", "decoding_explorer", "learning_curves",
           "exposure_bias", "accuracy_by_length", "token_label"]


def _explorer_setup(fig):
    from rnnlib.seqtasks import DATE_TARGET_VOCAB

    ax = fig.add_subplot()
    V = DATE_TARGET_VOCAB.size
    x = np.r_[3:V, 2]  # the characters, then EOS; PAD and BOS are never produced: left out
    bars = ax.bar(np.arange(x.size), np.zeros(x.size), color=MODEL_COLORS["plain"], width=0.7)
    ax.set_xticks(np.arange(x.size), [token_label(i) for i in x], fontfamily="monospace")
    ax.set_xlim(-0.7, x.size - 0.3)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("p(y_t | y_<t, x)")
    ax.set_xlabel("next character")
    title = ax.set_title(" ", fontsize=10, family="monospace")
    fig.tight_layout()
    return {"ax": ax, "bars": bars.patches, "ids": x, "title": title}


@interactive(
    example=Choice(EXAMPLES, default=EXAMPLES[0], label="input"),
    step=Slider(1, MAX_STEPS, 1, default=1, label="decoding step t"),
    figsize=(6.4, 3.3),
    setup=_explorer_setup,
)
def decoding_explorer(handles, *, example, step):
    """Greedy decoding by the date model without attention, one step at a time."""
    from rnnlib.seqtasks import DATE_TARGET_VOCAB

    out = decode("plain", example)
    L = len(out["ids"])
    t = min(step, L)
    p = out["probs"][t - 1]
    best = int(out["ids"][t - 1])
    for bar, i in zip(handles["bars"], handles["ids"]):
        bar.set_height(p[i])
        bar.set_alpha(1.0 if i == best else 0.45)
    prefix = DATE_TARGET_VOCAB.decode(out["ids"][:t - 1])
    handles["title"].set_text(f"{example!r} -> {prefix}[{token_label(best)}]")
    done = " (the output had already ended)" if step > L else ""
    written = f"after writing {prefix!r}" if prefix else "with nothing written yet"
    return (f"Step {t}{done}: {written} the model gives {token_label(best)!r} "
            f"probability {p[best]:.2f}; greedy decoding writes it and feeds it back as the next input.")


def learning_curves(history, variants=("plain", "attention"), window=50):
    """Training loss (running mean) of the date models against the step, with held-out accuracy.

    Parameters
    ----------
    history : dict
        :func:`rnnlib.pretrained_seq2seq.load_date_history`.
    variants : tuple of str
    window : int
        Steps averaged.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = static_figure((6.4, 3.0))
    ax, ax2 = fig.subplots(1, 2)
    for v in variants:
        loss = history[f"{v}_loss"]
        ax.plot(np.arange(1, loss.size + 1), running_mean(loss, window), color=MODEL_COLORS[v], label=v)
        ax2.plot(history[f"{v}_eval_steps"], history[f"{v}_accuracy"], "o-", ms=3, color=MODEL_COLORS[v],
                 label=v)
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy J (nats per character)")
    ax2.set_xlabel("training step")
    ax2.set_ylabel("exact match, 1,000 held-out dates")
    ax2.set_ylim(0, 1.02)
    for a in (ax, ax2):
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    fig.tight_layout()
    return fig


def exposure_bias(teacher_forced, free_running, label):
    """Token accuracy at each output position, with teacher forcing and free-running.

    Parameters
    ----------
    teacher_forced, free_running : array_like
        (L,) share of correct tokens at positions 1..L.
    label : str
        What was decoded (title).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = static_figure((6.4, 2.8))
    ax = fig.add_subplot()
    pos = np.arange(1, len(teacher_forced) + 1)
    ax.plot(pos, teacher_forced, "o-", ms=3, color="0.3", label="teacher forcing (true previous character)")
    ax.plot(pos, free_running, "s-", ms=3, color=MODEL_COLORS["plain"], label="free-running (own previous output)")
    ax.set_xlabel("output position t")
    ax.set_ylabel("share of correct y_t")
    ax.set_ylim(0, 1.02)
    ax.set_title(label, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def accuracy_by_length(sweep, variants=("plain",), early=()):
    """Exact match against source length: median over seeds (line) and min-max range (band).

    Parameters
    ----------
    sweep : dict
        :func:`rnnlib.pretrained_seq2seq.load_sweep` ("accuracy" and
        "early_accuracy" are (model, seed, length) in the order of
        :data:`rnnlib.pretrained_seq2seq.MODELS`; "steps" and
        "anneal_steps" per model).
    variants : tuple of str
        Which models to draw, after all their training.
    early : tuple of str
        Models also drawn (dashed) after their first "steps" steps only.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from rnnlib.pretrained_seq2seq import MODELS

    fig = static_figure((6.4, 3.0))
    ax = fig.add_subplot()
    L = sweep["lengths"]
    for v in variants:
        i = list(MODELS).index(v)
        steps, anneal = int(sweep["steps"][i]), int(sweep["anneal_steps"][i])
        curves = [(sweep["accuracy"][i], "o-", 1.0, f"{steps + anneal:,} steps")]
        if v in early and anneal:
            curves.append((sweep["early_accuracy"][i], "o--", 0.55, f"first {steps:,} steps"))
        for acc, style, alpha, when in curves:
            ax.fill_between(L, acc.min(axis=0), acc.max(axis=0), color=MODEL_COLORS[v], alpha=0.2 * alpha, lw=0)
            ax.plot(L, np.median(acc, axis=0), style, color=MODEL_COLORS[v], alpha=alpha,
                    label=f"{v}, {when}: median of {acc.shape[0]} seeds")
    ax.set_xlabel("source length (symbols to copy)")
    ax.set_ylabel("exact match")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center", title="band: worst to best seed", title_fontsize=8)
    fig.tight_layout()
    return fig
