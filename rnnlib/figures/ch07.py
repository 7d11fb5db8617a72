"""Figures of chapter 7, "Back to language".

* :data:`temperature_explorer` (interactive): the shipped character LSTM
  (:mod:`rnnlib.pretrained`) reads a prompt; the figure shows the probabilities
  of the next character at the chosen temperature and a continuation sampled
  at that temperature (:func:`rnnlib.sampling.sample_chars`). In the HTML book
  every (temperature, prompt) frame is precomputed; the sampled text is also
  the frame's caption, so it can be read and copied.
* :func:`loss_curves`: training and held-out cross-entropy of one or more
  character models against the training step, with the perplexity on a
  second axis and the baselines of a uniform guess and of character
  frequencies.

Sampling is deterministic: each frame draws from its own generator seeded
from the prompt and the temperature.
"""
import functools
import textwrap

import numpy as np

from rnnlib.figures.common import CELL_COLORS as COLORS
from rnnlib.figures.common import running_mean, static_figure
from rnnlib.widgets import Choice, Slider, interactive

__all__ = ["PROMPTS", "SAMPLE_CHARS", "next_char_probs", "sample", "temperature_explorer", "loss_curves",
           "shown_char"]

#: The prompts the explorer offers (each continues a line of the sonnets or starts one).
PROMPTS = ("Shall I compare thee to a summer's day?\n", "My love is", "When I do count the")
#: Characters sampled per frame.
SAMPLE_CHARS = 60
_SHOWN = {" ": "\u2423", "\n": "\u23ce"}  # open box for a space, return symbol for a newline


def shown_char(c):
    """A character as the figures print it: a space as an open box, a newline as a return symbol."""
    return _SHOWN.get(c, c)


@functools.lru_cache(maxsize=1)
def _model():
    from rnnlib import pretrained

    return pretrained.load("LSTM")


def next_char_probs(prompt, temperature):
    """Probabilities of the character after ``prompt`` under the shipped LSTM, at a temperature.

    ``p = softmax(z / temperature)`` with ``z = W_y h_t + b_y`` the logits after
    reading the prompt.

    Parameters
    ----------
    prompt : str
        Characters of the sonnets' vocabulary.
    temperature : float
        > 0.

    Returns
    -------
    ndarray, shape (V,)
    """
    return _probs_at(_next_char_logits(prompt), temperature)


def _next_char_logits(prompt):
    """The logits ``z`` (V,) after the shipped LSTM reads ``prompt``, as float64."""
    from rnnlib.data import one_hot

    m = _model()
    ids = m.vocab.encode(prompt)
    # One step at a time (chunk=1): the product for a whole prompt, (T, V) @ (V, 4H), is just big enough
    # for OpenBLAS to start threads, whose spinning slowed the rest of the frame twofold on two cores.
    X = one_hot(ids[:, None], m.vocab.size, np.float32)
    state = m.model.cell.run(m.model.cell_params(m.params), X, chunk=1)
    return m.model.head.logits(m.params, state["h"])[0].astype(np.float64)


def _probs_at(z, temperature):
    from rnnlib.activations import softmax

    with np.errstate(under="ignore"):  # tiny probabilities underflow to exactly 0 at low temperature
        return softmax(z / temperature)


@functools.lru_cache(maxsize=64)
def sample(prompt, temperature, n_chars=SAMPLE_CHARS):
    """A continuation of ``prompt`` sampled from the shipped LSTM (cached, deterministic).

    The generator is seeded from the prompt's position in :data:`PROMPTS` (or
    its length) and the temperature in hundredths.
    """
    from rnnlib.sampling import sample_chars

    m = _model()
    key = PROMPTS.index(prompt) if prompt in PROMPTS else len(prompt)
    rng = np.random.default_rng([7, key, int(round(temperature * 100))])
    with np.errstate(under="ignore"):
        return sample_chars(m.model, m.params, m.vocab, prompt, n_chars, temperature=temperature, rng=rng)


def _text_block(text, width=74, lines=12):
    out = []
    for line in text.split("\n"):
        out.extend(textwrap.wrap(line, width, drop_whitespace=False) or [""])
    return "\n".join(out[:lines])


TOP_CHARS = 12  # bars in the explorer


def _explorer_setup(fig):
    """Axes, titles, legend, the empty bars, character labels and text: everything that does not move."""
    from matplotlib.ticker import FuncFormatter

    ax, text_ax = fig.subplots(2, 1, gridspec_kw={"height_ratios": [1.0, 0.8]})
    x = np.arange(TOP_CHARS)
    zeros = np.zeros(TOP_CHARS)
    outline = ax.bar(x, zeros, width=0.8, color="none", edgecolor="0.5", lw=1, label="temperature 1 (outline)")
    bars = ax.bar(x, zeros, width=0.5, color=COLORS["LSTM"], label="temperature 1 (bars)")
    labels = [""] * TOP_CHARS  # the frame writes the characters; the formatter reads them at draw time
    ax.set_xticks(x, labels, fontfamily="monospace")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, pos: labels[int(round(value))]))
    ax.set_xlim(-1, TOP_CHARS)  # fixed (about what autoscaling gave)
    ax.set_ylim(0, 1)
    ax.set_yticks([0, 0.5, 1])
    ax.set_ylabel("p(next character)", fontsize=9)
    legend = ax.legend(fontsize=8, frameon=False, loc="upper right")
    ax.set_title(f"the {TOP_CHARS} likeliest characters after the prompt (printed below)", fontsize=9)
    text_ax.axis("off")
    text = text_ax.text(0.0, 1.0, "", family="monospace", fontsize=8, va="top", ha="left",
                        transform=text_ax.transAxes)
    text_ax.set_title("prompt + sampled continuation", fontsize=9, loc="left")
    labels[:] = ["M"] * TOP_CHARS  # stand-ins of the height of the characters the frames write
    fig.tight_layout()  # once: the texts change per frame, the space they take does not
    return {"ax": ax, "outline": outline.patches, "bars": bars.patches, "labels": labels,
            "legend": legend.get_texts()[1], "text": text}


@interactive(
    temperature=Slider(0.25, 2.0, 0.25, default=1.0, label="temperature"),
    prompt=Choice(PROMPTS, default=PROMPTS[0], label="prompt"),
    figsize=(6.8, 3.8),
    setup=_explorer_setup,
)
def temperature_explorer(handles, *, temperature, prompt):
    """Sampling from the character LSTM: next-character probabilities and a sample at a temperature."""
    z = _next_char_logits(prompt)  # the prompt is read once for both temperatures
    p, p1 = _probs_at(z, temperature), _probs_at(z, 1.0)
    vocab = _model().vocab
    top = np.argsort(p1)[::-1][:TOP_CHARS]
    for k, (outline, bar, i) in enumerate(zip(handles["outline"], handles["bars"], top)):
        outline.set_height(p1[i])
        bar.set_height(p[i])
        handles["labels"][k] = shown_char(vocab.chars[i])
    handles["legend"].set_text(f"temperature {temperature:g} (bars)")
    continuation = sample(prompt, temperature)
    handles["text"].set_text(_text_block(prompt + continuation))
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        entropy = float(-np.sum(np.where(p > 0, p * np.log(p), 0.0)))
    return (f"Temperature {temperature:g}: next-character entropy {entropy:.2f} nats. "
            f"Sample: {prompt + continuation}")


def _safe_log(p):
    """``log`` for the perplexity axis; matplotlib also asks for values <= 0, which map to -inf quietly."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(p)


def loss_curves(runs, baselines=None, window=50):
    """Cross-entropy against the training step: training (running mean) and held-out.

    Parameters
    ----------
    runs : dict of str to object
        Label -> anything with ``loss`` (per-step training loss), ``eval_steps``
        and ``held_out`` arrays (a :class:`rnnlib.experiments.CharRun` or a
        :class:`rnnlib.pretrained.Pretrained`). The label's first word picks the
        colour ("LSTM", "GRU", "RNN").
    baselines : dict of str to float, optional
        Label -> cross-entropy drawn as a horizontal dashed line.
    window : int
        Steps averaged for the training curve.

    Returns
    -------
    matplotlib.figure.Figure
        Cross-entropy in nats per character on the left axis, perplexity
        ``exp(cross-entropy)`` on the right.
    """
    fig = static_figure((6.4, 3.6))
    ax = fig.add_subplot()
    for label, run in runs.items():
        color = COLORS.get(label.split()[0].rstrip(",:"), "0.4")
        loss = np.asarray(run.loss, dtype=np.float64)
        ax.plot(np.arange(1, loss.size + 1), running_mean(loss, window), color=color, lw=1, alpha=0.6,
                label=f"{label}: training")
        ax.plot(run.eval_steps, run.held_out, "o-", color=color, ms=3, lw=1.5, label=f"{label}: held-out")
    for i, (label, value) in enumerate((baselines or {}).items()):
        ax.axhline(value, color="0.35", ls="--" if i == 0 else ":", lw=1)
        ax.text(0.99, value, label, transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize=8,
                color="0.3")
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7.5, loc="upper right", bbox_to_anchor=(1.0, 0.9))
    right = ax.secondary_yaxis("right", functions=(np.exp, _safe_log))
    right.set_ylabel("perplexity")
    fig.tight_layout()
    return fig
