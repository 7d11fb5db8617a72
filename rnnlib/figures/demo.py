"""The figure of "How to use this book's interactive figures": how big w**k gets.

Backpropagation through the scalar recurrence ``h_t = w * h_{t-1} + x_t``
multiplies the gradient by ``dh_t/dh_{t-1} = w`` at every step, so the
gradient that reaches ``k`` steps back is scaled by ``dh_T/dh_{T-k} = w**k``.
The figure computes that product step by step in float64, as backpropagation
does, next to the exact value ``log10(w**k) = k * log10(w)``, and marks where
float64 gives up: above ``np.finfo(np.float64).max`` (about 1.8e308) the product
is ``inf`` (overflow), below the smallest subnormal (about 4.9e-324) it is ``0``
(underflow). Plain numpy only; chapter 3 makes the precise statement for tanh
and matrix recurrences.

The slider for ``w`` goes to 5 (not 4): ``4**500`` is about 1e301, still
below the float64 maximum, while ``5**k`` overflows at step 442, inside the
slider's 500 steps.
"""
import numpy as np

from rnnlib.figures.common import sup, times_ten_to
from rnnlib.gradient_flow import LOG10_MAX, LOG10_MIN, gradient_factors
from rnnlib.widgets import Slider, Try, interactive

__all__ = ["gradient_factors", "gradient_power"]

# The y range holds the exact line at every slider value: k log10(w) runs from
# 500 * log10(0.1) = -500 to 500 * log10(5) = 349.5.
Y_LIMITS = (-520, 370)
ARROW = {"arrowstyle": "->", "color": "C3", "shrinkB": 6}


def _first(mask):
    """Index of the first True in ``mask``, or None."""
    return int(np.argmax(mask)) if mask.any() else None


def _power_label(exponent):
    return f"$10^{{{exponent:g}}}$"


def _setup(fig):
    """Axes, float64 limit bands, labels and empty artists: everything that does not move."""
    ax = fig.add_subplot()
    ax.axhspan(LOG10_MAX, Y_LIMITS[1], color="C3", alpha=0.1, lw=0)
    ax.axhspan(Y_LIMITS[0], LOG10_MIN, color="C3", alpha=0.1, lw=0)
    ax.text(0.01, 0.985, "float64 overflow: inf", transform=ax.transAxes, va="top", color="C3")
    ax.text(0.01, 0.015, "float64 underflow: 0", transform=ax.transAxes, va="bottom", color="C3")
    (product,) = ax.plot([], [], color="C0", lw=4, alpha=0.5, label="float64 product $w \\cdot w \\cdots w$")
    (exact,) = ax.plot([], [], color="0.15", lw=1, ls="--", label="exact size $k \\log_{10} w$")
    marks = {}
    for kind, y, text_y, va in (("overflow", LOG10_MAX, 0.68, "top"), ("underflow", LOG10_MIN, 0.32, "bottom")):
        (marker,) = ax.plot([], [], "X", color="C3", ms=10, zorder=5)
        note = ax.annotate("", (0, y), xytext=(0.97, text_y), textcoords="axes fraction", ha="right", va=va,
                           color="C3", arrowprops=ARROW)
        marks[kind] = (marker, note, y)
    ticks = np.arange(-500, 301, 100)
    ax.set_yticks(ticks, [_power_label(t) for t in ticks])
    ax.set_ylim(*Y_LIMITS)
    ax.set_xlabel("steps back $k$")
    ax.set_ylabel("gradient factor $w^k$")
    ax.grid(True, alpha=0.3)
    legend = ax.legend(loc="lower right", fontsize="small", framealpha=0.9)
    return {"ax": ax, "product": product, "exact": exact, "marks": marks, "legend": legend}


def _show_mark(mark, step, message):
    marker, note, y = mark
    marker.set_data([step] if step is not None else [], [y] if step is not None else [])
    note.set_visible(step is not None)
    if step is not None:
        note.xy = (step, y)
        note.set_text(f"{message}\nat step {step}")


@interactive(
    w=Slider(0.1, 5.0, 0.1, default=2.0, label="recurrent weight w"),
    T=Slider(20, 500, 20, default=200, label="sequence length T"),
    setup=_setup,
    # Chapter 0's "things to try": the settings and what the caption then says.
    tries=[
        Try({"w": 1.0}, "w²⁰⁰ = 1, within float64"),
        Try({"w": 1.1, "T": 500}, "the exact w⁵⁰⁰ is 4.97 × 10²⁰"),
        Try({"w": 0.9, "T": 500}, "the exact w⁵⁰⁰ is 1.32 × 10⁻²³"),
        Try({"w": 5.0, "T": 500}, "overflows float64 at step 442"),
        Try({"w": 0.1, "T": 500}, "underflows to 0 in float64 at step 324"),
    ],
    html_values=18,  # the HTML face: w every 0.3, T every 40 (and the defaults and the values tried): page budget
)
def gradient_power(handles, *, w, T):
    """The gradient factor wᵏ through k steps, in float64."""
    k, g, exact = gradient_factors(w, T)
    overflow, underflow = _first(np.isinf(g)), _first(g == 0)
    ok = np.isfinite(g) & (g > 0)

    handles["product"].set_data(k[ok], np.log10(g[ok]))
    handles["exact"].set_data(k, exact)
    _show_mark(handles["marks"]["overflow"], overflow, "overflows float64")
    _show_mark(handles["marks"]["underflow"], underflow, "underflows to 0")
    handles["legend"].set_loc("lower right" if w > 1 else "upper right")
    ax = handles["ax"]
    ax.set_xlim(0, T)
    ax.set_title(f"$w = {w:.1f}$, $T = {T}$: exact $w^{{{T}}} = 10^{{{exact[-1]:.1f}}}$", fontsize="medium")

    if overflow is not None:
        result = f"overflows float64 at step {overflow} (inf from then on)"
    elif underflow is not None:
        result = f"underflows to 0 in float64 at step {underflow}"
    else:
        result = f"w{sup(T)} = {g[-1]:.3g}, within float64"
    return f"w = {w:.1f}, T = {T}: the product {result}; the exact w{sup(T)} is {times_ten_to(exact[-1])}."
