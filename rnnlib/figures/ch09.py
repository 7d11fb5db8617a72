"""Figures of chapter 9, "Attention, and the step to Transformers".

* :data:`attention_explorer` (interactive): the shipped date model with
  attention decodes one of :data:`rnnlib.figures.date_models.EXAMPLES`; at the chosen
  step the figure shows the weights a_{t,s} over the input characters (bars)
  and the character produced, above the whole weight matrix with the current
  row marked. Every (example, step) frame is precomputed for the HTML book.
* :data:`beam_explorer` (interactive): beam search of width k on one input,
  the finished hypotheses with their log-probability and length-normalised
  score.
* :func:`cost_curves`: time per training step and trace memory against the
  sequence length, recurrent encoder against self-attention (measured by
  ``benchmarks/bench_attention_cost.py``).
"""
import functools

import numpy as np

from rnnlib.figures.common import static_figure
from rnnlib.figures.date_models import EXAMPLES, MAX_STEPS, MODEL_COLORS, date_models, decode, token_label
from rnnlib.widgets import Choice, Slider, interactive

__all__ = ["BEAM_EXAMPLES", "attention_explorer", "beam", "beam_explorer", "cost_curves", "shown"]

_SHOWN = {" ": "\u2423"}


def shown(c):
    """A source character as the figures print it (a space as an open box)."""
    return _SHOWN.get(c, c)


MAX_SOURCE = max(len(e) for e in EXAMPLES)


def _explorer_setup(fig):
    """Axes at fixed places, MAX_SOURCE bars and an empty image: what every frame reuses."""
    ax = fig.add_axes((0.1, 0.6, 0.87, 0.32))
    mat = fig.add_axes((0.1, 0.1, 0.87, 0.38))
    bars = ax.bar(np.arange(MAX_SOURCE), np.zeros(MAX_SOURCE), color=MODEL_COLORS["attention"], width=0.8)
    ax.set_ylim(0, 1.05)
    title = ax.set_title(" ", fontsize=9, family="monospace")
    image = mat.imshow(np.zeros((MAX_STEPS, MAX_SOURCE)), aspect="auto", cmap="Purples", vmin=0, vmax=1,
                       interpolation="nearest")
    row = mat.axhline(0, color="C1", lw=1.5, alpha=0.8)
    mat.set_ylabel("output y_t")
    mat.set_xlabel("input character s")
    return {"ax": ax, "mat": mat, "bars": bars.patches, "title": title, "image": image, "row": row}


@interactive(
    example=Choice(EXAMPLES, default=EXAMPLES[0], label="input"),
    step=Slider(1, MAX_STEPS, 1, default=1, label="decoding step t"),
    figsize=(6.4, 4.4),
    setup=_explorer_setup,
)
def attention_explorer(handles, *, example, step):
    """Where the date model with attention looks while it writes each character."""
    from rnnlib.seqtasks import DATE_TARGET_VOCAB

    out = decode("attention", example)
    W = out["weights"]  # (L, Ts)
    L, Ts = W.shape
    t = min(step, L)
    ax, mat = handles["ax"], handles["mat"]
    chars = [shown(c) for c in example]
    for s, bar in enumerate(handles["bars"]):  # bars past this input's length are hidden
        bar.set_visible(s < Ts)
        bar.set_height(W[t - 1, s] if s < Ts else 0.0)
    ax.set_xticks(np.arange(Ts), chars, fontfamily="monospace", fontsize=8)
    ax.set_xlim(-0.6, Ts - 0.4)
    ax.set_ylabel(f"a_{{{t},s}}")
    produced = token_label(out["ids"][t - 1])
    prefix = DATE_TARGET_VOCAB.decode(out["ids"][: t - 1])
    handles["title"].set_text(f"step {t}: writes {produced!r} (output so far {prefix!r})")
    handles["image"].set_data(W)
    handles["image"].set_extent((-0.5, Ts - 0.5, L - 0.5, -0.5))
    mat.set_xlim(-0.5, Ts - 0.5)
    mat.set_ylim(L - 0.5, -0.5)
    handles["row"].set_ydata([t - 1, t - 1])
    mat.set_xticks(np.arange(Ts), chars, fontfamily="monospace", fontsize=8)
    mat.set_yticks(np.arange(L), [token_label(i) for i in out["ids"]], fontfamily="monospace", fontsize=7)
    s = int(np.argmax(W[t - 1]))
    done = " (the output had already ended)" if step > L else ""
    return (f"Step {t}{done}: writes {produced!r}; the largest weight, {W[t - 1, s]:.2f}, is on input character "
            f"{s + 1} ({example[s]!r}).")


#: Inputs of the beam explorer: the copy task, where the model without attention is unsure.
BEAM_EXAMPLES = ("abcdefghij", "jjjjjaaaaa", "hgfedcbahgfedcba", "abacabadabacaba")
MAX_BEAM = 5


@functools.lru_cache(maxsize=64)
def beam(variant, source, k):
    """Beam search of width ``k`` by a shipped copy model (seed 0) on ``source`` (cached)."""
    from rnnlib.seqtasks import COPY_VOCAB

    m = _copy_models()[variant]
    return m.model.beam_search(m.params, COPY_VOCAB.encode(source), k=k, max_len=len(source) + 1)


@functools.lru_cache(maxsize=1)
def _copy_models():
    from rnnlib import pretrained_seq2seq

    return pretrained_seq2seq.load_copy_models()


@interactive(
    example=Choice(BEAM_EXAMPLES, default=BEAM_EXAMPLES[2], label="input"),
    k=Slider(1, MAX_BEAM, 1, default=1, label="beam width k"),
    figsize=(6.4, 2.8),
)
def beam_explorer(fig, *, example, k):
    """Beam search by the copy model without attention: the finished hypotheses and their scores."""
    from rnnlib.seqtasks import COPY_VOCAB

    hyps = beam("plain", example, k)
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.0, 1.0, f"input  {example}", family="monospace", fontsize=9, va="top", transform=ax.transAxes)
    ax.text(0.0, 0.86, f"{'rank':<5}{'output':<19}{'log p':>8}{'score':>8}  correct", family="monospace",
            fontsize=9, va="top", transform=ax.transAxes, color="0.35")
    for r, h in enumerate(hyps[:8]):
        text = COPY_VOCAB.decode(h.tokens)
        ok = "yes" if text == example else "no"
        ax.text(0.0, 0.74 - 0.09 * r, f"{r + 1:<5}{text:<19}{h.log_prob:>8.3f}{h.score:>8.3f}  {ok}",
                family="monospace", fontsize=9, va="top", transform=ax.transAxes,
                color=MODEL_COLORS["plain"] if r == 0 else "0.2")
    best = COPY_VOCAB.decode(hyps[0].tokens)
    return (f"Beam width {k}: {len(hyps)} finished hypotheses; the best (score = log p / length "
            f"{hyps[0].score:.3f}) is {best!r}, {'the' if best == example else 'not the'} correct copy.")


def cost_curves(cost):
    """Time per training step and trace memory against T: GRU encoder vs one-head self-attention.

    Parameters
    ----------
    cost : dict
        :func:`rnnlib.pretrained_seq2seq.load_cost` ("lengths", "gru_min",
        "attention_min", "gru_bytes", "attention_bytes", ...).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = static_figure((6.4, 3.0))
    ax, ax2 = fig.subplots(1, 2)
    T = cost["lengths"]
    ax.loglog(T, 1e3 * cost["gru_min"], "o-", color=MODEL_COLORS["plain"], label="GRU encoder (T steps)")
    ax.loglog(T, 1e3 * cost["attention_min"], "s-", color=MODEL_COLORS["attention"], label="self-attention")
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("ms per training step")
    ax2.loglog(T, cost["gru_bytes"] / 1e6, "o-", color=MODEL_COLORS["plain"], label="GRU encoder")
    ax2.loglog(T, cost["attention_bytes"] / 1e6, "s-", color=MODEL_COLORS["attention"], label="self-attention")
    ax2.set_xlabel("sequence length T")
    ax2.set_ylabel("trace kept for backward (MB)")
    for a in (ax, ax2):
        a.grid(alpha=0.3, which="both")
        a.legend(fontsize=7.5)
    fig.tight_layout()
    return fig
