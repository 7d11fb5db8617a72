"""Figures of chapter 6, "Remembering across long gaps".

* :data:`adding_explorer` (interactive): one sequence of the adding problem
  (:func:`rnnlib.data.adding_problem`) at a chosen length T: the values, the
  two marked steps and the target, the sum of the two marked values.
* :func:`learning_curves`: the training MSE of every run of an
  :class:`rnnlib.experiments.AddingSweep` (every seed), one panel per sequence
  length, against the baseline 1/6 of always predicting the mean.
* :func:`mse_against_length`: the median test MSE over the seeds against T,
  with the range of the seeds.
* :func:`gradient_through_time`: how much the answer of a trained model
  depends on the input at each step, ``mean ||dy_hat/dx_t||``, one curve per cell.
* :func:`memory_writes`: how much each trained model changes its memory at
  each step of one sequence, with the two marked steps.
* :func:`lstm_gates`: one unit of a trained LSTM over one sequence: its input
  gate, its forget gate and its cell state, with the two marked steps.

The last five draw the results the notebook has just computed, so they are
plain figures (:func:`rnnlib.figures.common.static_figure`, shown as a PNG), not
sliders.
"""

import numpy as np

from rnnlib.data import ADDING_BASELINE_MSE, adding_problem
from rnnlib.figures.common import CELL_COLORS, running_mean, static_figure
from rnnlib.widgets import Choice, Slider, interactive

__all__ = [
    "COLORS",
    "static_figure",
    "adding_explorer",
    "running_mean",
    "learning_curves",
    "mse_against_length",
    "gradient_through_time",
    "memory_writes",
    "lstm_gates",
]

#: One colour per cell (the book-wide ``common.CELL_COLORS``), used by chapters 6 and 7.
COLORS = CELL_COLORS
EXPLORER_LENGTHS = (10, 25, 50, 100)


# ------------------------------------------------------------ the task


def _explorer_setup(fig):
    """Axes, labels, legend and the artists of the longest sequence: everything that does not move.

    One grey bar per step up to the longest T (the steps past the chosen T are
    hidden), two orange bars and two value labels for the marked steps.
    """
    T_max = max(EXPLORER_LENGTHS)
    ax = fig.add_subplot()
    t = np.arange(1, T_max + 1)  # steps 1 .. T (array index t - 1)
    values = ax.bar(t, np.zeros(T_max), width=0.8, color="0.75", label="values $u_t$ (distractors)")
    marked = ax.bar([1, 2], [0.0, 0.0], width=0.8, color="C1", label="marked values ($m_t = 1$)")
    notes = [ax.annotate("", (0, 0), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                         color="C1", fontsize=9) for _ in range(2)]
    middle = ax.axvline(0, color="0.4", lw=0.8, ls=":")
    ax.set_ylim(0, 1.4)
    ax.set_xlabel("step t")
    ax.set_ylabel("value")
    title = ax.set_title("target y", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, ncol=2, frameon=False)
    fig.tight_layout()  # once: the title's text changes per frame, its height does not
    return {"ax": ax, "values": values.patches, "marked": marked.patches, "notes": notes, "middle": middle,
            "title": title}


@interactive(
    T=Choice(EXPLORER_LENGTHS, default=50, label="sequence length T"),
    example=Slider(0, 4, 1, default=0, label="example"),
    figsize=(6.4, 3.0),
    setup=_explorer_setup,
)
def adding_explorer(handles, *, T, example):
    """One sequence of the adding problem: the values, the two markers and the target."""
    X, y = adding_problem(np.random.default_rng([6, T, example]), T, 1)
    values, markers = X[:, 0, 0], X[:, 0, 1]
    marked = np.flatnonzero(markers)
    for t, bar in enumerate(handles["values"]):
        bar.set_visible(t < T)
        bar.set_height(values[t] if t < T else 0.0)
    for i, bar, note in zip(marked, handles["marked"], handles["notes"]):  # step i + 1
        bar.set_x(i + 1 - 0.4)
        bar.set_height(values[i])
        note.xy = (i + 1, values[i])
        note.set_text(f"{values[i]:.2f}")
    handles["middle"].set_xdata([T // 2 + 0.5, T // 2 + 0.5])  # between steps T/2 and T/2 + 1
    handles["ax"].set_xlim(0, T + 1)
    handles["title"].set_text(f"target y = {values[marked[0]]:.2f} + {values[marked[1]]:.2f} = {y[0, 0]:.2f}")
    gap = marked[1] - marked[0]
    return (f"T = {T}: the marked values sit at steps {marked[0] + 1} and {marked[1] + 1}, {gap} steps apart; "
            f"the network must still hold the first one when it reads the last of the {T} steps.")


# ------------------------------------------------------------ the results


def _baseline(ax):
    ax.axhline(ADDING_BASELINE_MSE, color="0.3", ls="--", lw=1)


def learning_curves(sweep, window=25):
    """Training MSE (running mean over ``window`` steps) of every run, one panel per T.

    Every seed's run is one thin line in its cell's colour.

    Parameters
    ----------
    sweep : AddingSweep
        From :func:`rnnlib.experiments.adding_sweep` (or
        :func:`rnnlib.adding_runs.load_sweeps`).
    window : int
        Steps averaged (each step's loss is on a fresh batch).

    Returns
    -------
    matplotlib.figure.Figure
    """
    lengths = sweep.lengths
    cols = min(2, len(lengths))
    rows = -(-len(lengths) // cols)
    fig = static_figure((3.3 * cols + 0.3, 2.3 * rows + 0.3))
    axes = fig.subplots(rows, cols, sharey=True, sharex=True, squeeze=False)
    for ax in axes.flat[len(lengths):]:
        ax.set_visible(False)
    axes = axes.flat[: len(lengths)]
    for ax, T in zip(axes, lengths):
        for cell in sweep.cells:
            for k, (loss, steps) in enumerate(zip(sweep.of("loss", cell, T), sweep.of("steps", cell, T))):
                ax.plot(np.arange(1, steps + 1), running_mean(loss[:steps], window), color=COLORS.get(cell),
                        lw=0.9, alpha=0.75, label=cell if k == 0 else None)
        _baseline(ax)
        ax.set_yscale("log")
        ax.set_title(f"T = {T}", fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[-cols:]:
        ax.set_xlabel("training step")
    for ax in axes[::cols]:
        ax.set_ylabel(f"training MSE\n({window}-step mean)")
    axes[0].text(0.02, ADDING_BASELINE_MSE * 1.12, "predict the mean: 1/6", transform=axes[0].get_yaxis_transform(),
                 fontsize=8, color="0.3")
    axes[-1].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def mse_against_length(sweep):
    """Median test MSE over the seeds against the sequence length T (log scales), with the baseline.

    The bars span the seeds' smallest to largest test MSE.

    Parameters
    ----------
    sweep : AddingSweep
        From :func:`rnnlib.experiments.adding_sweep` (or
        :func:`rnnlib.adding_runs.load_sweeps`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = static_figure((5.6, 3.4))
    ax = fig.add_subplot()
    lengths = np.array(sweep.lengths)
    for k, cell in enumerate(sweep.cells):
        runs = [sweep.of("test_mse", cell, T) for T in sweep.lengths]
        median = np.array([np.median(r) for r in runs])
        spread = np.array([[m - r.min() for m, r in zip(median, runs)], [r.max() - m for m, r in zip(median, runs)]])
        shift = 1.0 + 0.03 * (k - (len(sweep.cells) - 1) / 2)  # side by side on the log axis
        ax.errorbar(lengths * shift, median, yerr=spread, fmt="o-", capsize=3, color=COLORS.get(cell), label=cell)
    _baseline(ax)
    ax.text(0.02, ADDING_BASELINE_MSE * 1.12, "predict the mean: 1/6", transform=ax.get_yaxis_transform(),
            fontsize=8, color="0.3")
    ax.set_xscale("log")
    ax.set_xticks(lengths, [str(T) for T in lengths])
    ax.minorticks_off()
    ax.set_yscale("log")
    ax.set_xlabel("sequence length T")
    ax.set_ylabel(f"test MSE, median of {len(sweep.seeds)} seeds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def _markers(ax, steps):
    for i, t in enumerate(steps):
        ax.axvline(t, color="C1", lw=1.2, alpha=0.8, label="marked steps" if i == 0 else None)


def gradient_through_time(curves, first_marker_window=None):
    """``mean ||dy_hat/dx_t||`` against the step t for each trained model (log scale).

    Parameters
    ----------
    curves : dict of str to array_like, shape (T,)
        Cell name -> the gradient size at every step (array index t - 1 for
        step t; the plot numbers the steps 1 .. T).
    first_marker_window : (int, int), optional
        Shade the steps where the first marker can fall, first to last
        (``(1, T // 2)``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = static_figure((6.4, 3.2))
    ax = fig.add_subplot()
    for cell, g in curves.items():
        g = np.asarray(g, dtype=np.float64)
        ax.plot(np.arange(1, g.size + 1), g, color=COLORS.get(cell), lw=1.5, label=cell)
    if first_marker_window is not None:
        first, last = first_marker_window
        ax.axvspan(first - 0.5, last + 0.5, color="C1", alpha=0.08, lw=0, label="where the first marker falls")
    ax.set_yscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel(r"mean $\|\partial \hat y / \partial x_t\|$")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def memory_writes(writes, marked):
    """How much each model changes its memory at every step of one sequence.

    Parameters
    ----------
    writes : dict of str to array_like, shape (T,)
        Label -> ``mean over units of |m_t - m_{t-1}|`` (m = C for the LSTM,
        h otherwise) at every step, array index t - 1 for step t.
    marked : sequence of int
        The two marked steps (1 .. T).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = static_figure((6.4, 1.1 + 1.2 * len(writes)))
    axes = fig.subplots(len(writes), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (label, w) in zip(axes, writes.items()):
        w = np.asarray(w, dtype=np.float64)
        cell = label.split()[0].rstrip(":")
        ax.bar(np.arange(1, w.size + 1), w, width=1.0, color=COLORS.get(cell, "0.5"))
        _markers(ax, marked)
        ax.set_ylabel(label, fontsize=8)
        ax.set_ylim(0, None)
        ax.grid(alpha=0.3, axis="y")
    axes[0].legend(fontsize=8, loc="upper right", frameon=False)
    axes[-1].set_xlabel("step t")
    fig.tight_layout()
    return fig


def lstm_gates(i, f, c, marked, unit):
    """One unit of a trained LSTM over one sequence: input gate, forget gate, cell state.

    Parameters
    ----------
    i, f, c : array_like, shape (T,)
        ``i_t``, ``f_t`` and ``C_t`` of the unit at every step (from the
        cell's trace; array index t - 1 for step t).
    marked : sequence of int
        The two marked steps (1 .. T).
    unit : int
        The unit's index, for the labels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = static_figure((6.4, 4.6))
    axes = fig.subplots(3, 1, sharex=True)
    color = COLORS.get("LSTM")
    rows = ((i, f"input gate $i_{{t,{unit}}}$"), (f, f"forget gate $f_{{t,{unit}}}$"), (c, f"cell state $C_{{t,{unit}}}$"))
    for ax, (v, label) in zip(axes, rows):
        v = np.asarray(v, dtype=np.float64)
        ax.plot(np.arange(1, v.size + 1), v, color=color, lw=1.4, marker=".", ms=3)
        _markers(ax, marked)
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[:2]:
        ax.set_ylim(-0.05, 1.05)
    axes[0].legend(fontsize=8, loc="center right", frameon=False)
    axes[-1].set_xlabel("step t")
    fig.tight_layout()
    return fig
