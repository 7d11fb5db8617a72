"""Interactive figures that work in Jupyter *and* in the static HTML book.

An interactive figure is declared once: a pure plotting function that draws
into a matplotlib ``Figure`` it is given, plus its controls::

    from rnnlib.widgets import Choice, Slider, interactive

    @interactive(
        w=Slider(0.1, 5.0, 0.1, default=1.5, label="recurrent weight w"),
        T=Slider(10, 500, 10, default=200, label="sequence length T"),
    )
    def gradient_power(fig, *, w, T):
        ax = fig.add_subplot()
        ...
        return "optional caption for this frame (plain text)"

For speed, a figure can split into ``setup(fig) -> handles``, which builds
what never moves (axes, labels, empty artists) once per ``Figure``, and the
decorated function, which receives the handles and only updates data, texts
and limits (``@interactive(..., setup=_setup)``; see ``rnnlib.figures.demo``).

The decorator returns an :class:`InteractiveFigure` and registers it, so that
``rnnlib.figures.all_figures()`` lists every declared figure and the tests sweep
all of them. In a notebook, display it as the last expression of a cell
(``demo.gradient_power``). Calling it, ``gradient_power(w=2.0, T=100)``,
returns a new static ``Figure``.

Two faces in one MIME bundle
----------------------------
Displaying the object gives one output whose bundle holds

* ``application/vnd.jupyter.widget-view+json``: live ipywidgets controls
  (``FloatSlider``/``IntSlider``/``Dropdown``), an ``Image`` widget that is
  redrawn on every change and the caption in an ``HTML`` widget that wraps (a
  ``Label`` would cut it to one line ending in "..."). JupyterLab ranks this first.
* ``text/html``: a self-contained control for the HTML book, where no kernel
  runs: one ``<input type="range">`` per control, the current value printed
  next to it (``<output>``), an ``<img>`` showing a precomputed frame, a caption,
  the frames as JSON in a ``<script type="application/json">`` and ~30 lines
  of inline vanilla JavaScript that swap the image. Nothing is loaded from any
  host; without JavaScript the default frame still shows. Its first line,
  "Run this cell (Shift+Enter) to bring these sliders to life." (``KERNEL_HINT``),
  is for a notebook opened in Jupyter before it runs: JupyterLab and Notebook 7
  then show this face without its script and with disabled sliders. The script
  removes the line, and the book's ``_ext/book_html.py`` drops it from every page
  (so the book never shows it, with or without JavaScript). The book's
  ``_config.yml`` (``nb_mime_priority_overrides``) drops the widget view for the
  HTML builder, so the book shows this face.
* ``text/plain``: a short, deterministic ``repr`` (nbval compares it).

Decisions (and the measurements behind them)
--------------------------------------------
* Frames are PNG, palette-quantized with Pillow (64 colours, fast octree, no
  dithering, ``optimize=True``), base64 data URIs. Measured on the demo figure
  (614 x 364 px): about 8.5 kB a frame, against 36 kB for matplotlib's RGBA
  PNG and 43 kB for SVG (text drawn as paths); the chapters' figures are alike
  (``make bench`` prints all three per figure). Quantized PNG is 4-5x smaller,
  looks the same (16 colours lost the light shading, 64 keep it) and an
  ``<img src>`` swap is instant. The demo's 74 frames take 623 kB (855 kB as
  base64 HTML).
* Frames are deterministic: rendered with Agg into one reused ``Figure``
  (cleared between frames), encoded by Pillow without any text chunk (no
  software name, no date). nbval's default mode skips ``image/png`` and the
  widget view but compares ``text/plain`` and ``text/html``; the base64
  payloads are masked by ``tests/nbval_sanitize.cfg`` so what is compared is
  the structure, the labels, the values and the captions.
* Which frames: each control contributes its grid values (``Slider``:
  ``min, min + step, ..., max``; ``Choice``: its options), thinned to at most
  ``MAX_VALUES_PER_CONTROL`` (every k-th value, always keeping min, max and the
  default). With one control, one frame per value. With two or more:

  - ``grid`` mode when the product of the counts is at most ``MAX_GRID_FRAMES``
    (60): every combination is precomputed and every slider moves freely;
  - otherwise ``one-at-a-time`` mode: one slider per control, each sweeping its
    values with the other controls at their defaults. Moving a slider returns
    the others to their defaults (so every value on the page is the one drawn),
    and the figure says so in a note above the image.

* The live face uses the full grid of each control; its redraw is the
  plotting function on the one reused ``Figure`` (cleared, or only its artists
  updated when the figure has a ``setup``), ``canvas.draw()`` and the same PNG
  encoding (without ``optimize``). ``benchmarks/bench_widgets.py`` measures it
  (target: median under 60 ms; the demo takes about 40 ms of CPU with
  ``setup``, 64 ms clearing and redrawing everything) and the frame bytes of
  every figure (all frames of one figure under 1 MB, also checked by
  ``tests/test_figures.py``, which also checks that a reused figure draws
  exactly what a new one does).
* matplotlib, Pillow and ipywidgets are imported inside the functions that need
  them, so ``import rnnlib`` needs numpy alone. No pyplot: figures are
  ``matplotlib.figure.Figure`` objects on an Agg canvas, so nothing is shown
  twice by the inline backend and no global figure state builds up.
* A plotting function must draw every allowed value without exception and
  without numpy or matplotlib warnings; where a figure *shows* an overflow it
  computes under a local ``np.errstate`` and reports it in the picture and the
  caption. ``tests/test_figures.py`` checks every registered figure at the
  minimum, default and maximum of every control with warnings as errors.
"""
from __future__ import annotations

import base64
import builtins
import html
import inspect
import io
import itertools
import json
import math
import weakref
from decimal import Decimal

import numpy as np

from rnnlib._checks import (
    check_callable,
    check_distinct,
    check_int,
    check_known,
    check_option,
    check_real,
    check_text,
    check_type,
    fail,
)

__all__ = ["Slider", "Choice", "Try", "InteractiveFigure", "interactive", "registered"]

MAX_VALUES_PER_CONTROL = 51
MAX_GRID_FRAMES = 60
PALETTE_COLORS = 64
#: Palette of the HTML frames at PIXEL_RATIO: at twice the pixels, antialiased edges need fewer
#: shades (measured: 24 colours take 20-25% fewer bytes than 64 and look the same at 2x).
HIDPI_PALETTE_COLORS = 24
DEFAULT_FIGSIZE = (6.4, 3.8)
DEFAULT_DPI = 96
#: The HTML frames hold this many pixels per CSS pixel (sharp on hi-DPI screens).
PIXEL_RATIO = 2
#: Smallest figure text a reader should meet, in CSS px, on a 390 px wide page.
MIN_TEXT_PX = 9.0

_REGISTRY: dict = {}


def _decimals(step):
    """Number of decimals needed to print multiples of ``step`` exactly."""
    exponent = Decimal(repr(float(step))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


class Slider:
    """A numeric control on the grid ``min, min + step, ..., max``.

    Parameters
    ----------
    min, max, step : int or float
        The range and its step; ``max - min`` must be a whole number of steps.
        All three ints (and an int default) give an integer slider.
    default : int or float
        The initial value; must lie on the grid.
    label : str, optional
        Text shown next to the slider (default: the parameter name).
    fmt : str, optional
        Format of the displayed value, e.g. ``"{:.2f}"`` (default: as many
        decimals as ``step`` has).
    """

    def __init__(self, min, max, step, default, label=None, fmt=None):
        for name, value in (("min", min), ("max", max), ("step", step), ("default", default)):
            check_real(name, value)
        if not max > min:
            fail(ValueError, "max", f"a number > min = {min!r}", repr(max))
        check_real("step", step, low=0, low_open=True)
        count = (max - min) / step
        if abs(count - round(count)) > 1e-9 * builtins.max(1.0, abs(count)):
            fail(ValueError, "step", "a step that makes max - min a whole number of steps",
                 f"min={min!r}, max={max!r}, step={step!r}")
        self.is_int = all(isinstance(v, (int, np.integer)) for v in (min, max, step, default))
        self.decimals = 0 if self.is_int else _decimals(step)
        self.min, self.max, self.step = min, max, step
        self.label, self.fmt = label, fmt
        grid = self.values()
        position = int(np.argmin(np.abs(np.asarray(grid, dtype=float) - default)))
        if abs(grid[position] - default) > 1e-9 * builtins.max(1.0, abs(step)):
            fail(ValueError, "default", f"a value on the grid min + k*step (min={min!r}, step={step!r})",
                 repr(default))
        self.default = grid[position]

    def values(self):
        """All values of the grid, as Python ints or floats (rounded to the step's decimals)."""
        n = int(round((self.max - self.min) / self.step)) + 1
        if self.is_int:
            return [int(self.min + k * self.step) for k in range(n)]
        return [round(float(self.min + k * self.step), self.decimals) for k in range(n)]

    def format(self, value):
        """The value as displayed next to the slider."""
        if self.fmt is not None:
            return self.fmt.format(value)
        return f"{value:d}" if self.is_int else f"{value:.{self.decimals}f}"

    def validate(self, name, value):
        """Return ``value`` if it is a number within ``[min, max]``, else raise."""
        check_real(name, value, low=self.min, high=self.max)
        return value

    def _live_widget(self, name):
        import ipywidgets

        kind = ipywidgets.IntSlider if self.is_int else ipywidgets.FloatSlider
        extra = {} if self.is_int else {"readout_format": f".{self.decimals}f"}
        return kind(value=self.default, min=self.min, max=self.max, step=self.step,
                    description=self.label or name, continuous_update=True,
                    style={"description_width": "initial"}, layout={"width": "min(100%, 32em)", "height": "28px"},
                    **extra)

    def _snap(self, value):
        return int(round(value)) if self.is_int else round(float(value), self.decimals)

    def __repr__(self):
        return f"Slider({self.min!r}, {self.max!r}, {self.step!r}, default={self.default!r})"


class Choice:
    """A control that picks one of a few options (a dropdown in Jupyter).

    Parameters
    ----------
    options : sequence of str, int or float
        The options, passed to the plotting function as they are.
    default : optional
        The initial option (default: the first).
    label : str, optional
        Text shown next to the control (default: the parameter name).
    """

    def __init__(self, options, default=None, label=None):
        options = check_distinct("options", list(options), "options")
        if default is None:
            default = options[0]
        check_option("default", default, options)
        self.options, self.default, self.label = options, default, label

    def values(self):
        """The options, in order."""
        return list(self.options)

    def format(self, value):
        """The option as displayed next to the control."""
        return str(value)

    def validate(self, name, value):
        """Return ``value`` if it is one of the options, else raise ValueError."""
        return check_option(name, value, self.options)

    def _live_widget(self, name):
        import ipywidgets

        return ipywidgets.Dropdown(options=[(str(o), o) for o in self.options], value=self.default,
                                   description=self.label or name, style={"description_width": "initial"},
                                   layout={"min_height": "28px"})

    def _snap(self, value):
        return value

    def __repr__(self):
        return f"Choice({self.options!r}, default={self.default!r})"


class Try:
    """A "things to try" item of a figure: control settings and what the figure then shows.

    Parameters
    ----------
    settings : dict of str -> value or list of values
        The controls the item moves and where to. A list means "move this
        control through these values" (with the other settings held): the
        figure must show ``phrase`` at every one of them.
    phrase : str
        Text the frame's caption (or alt text) must contain once the settings
        are made: the claim the book's text makes about that frame.

    The controls one item moves together are precomputed jointly in the HTML
    face (every combination of the items' values), so a reader can make the
    settings one after the other without the others snapping back.
    """

    def __init__(self, settings, phrase):
        check_type("settings", settings, dict, "a non-empty dict of control -> value")
        if not settings:
            fail(ValueError, "settings", "a non-empty dict of control -> value", "{}")
        check_text("phrase", phrase)
        self.settings = {name: list(v) if isinstance(v, (list, tuple)) else [v] for name, v in settings.items()}
        self.phrase = phrase

    def points(self):
        """Every combination of the settings, as dicts (one per frame the item visits)."""
        names = list(self.settings)
        return [dict(zip(names, combo)) for combo in itertools.product(*self.settings.values())]

    def __repr__(self):
        return f"Try({self.settings!r}, {self.phrase!r})"


def _thin(values, default, most=MAX_VALUES_PER_CONTROL):
    """About ``most`` of ``values``: every k-th from the first, the last, and the default.

    At most ``most + 1`` values (the default may lie off the stride).
    """
    n = len(values)
    if n <= most:
        return list(values)
    stride = math.ceil((n - 1) / (most - 1))
    keep = set(range(0, n, stride)) | {n - 1, values.index(default)}
    return [values[k] for k in sorted(keep)]


def _png_bytes(fig, optimize, colors=PALETTE_COLORS):
    """Render ``fig`` with Agg and encode it as a ``colors``-colour palette PNG (no metadata)."""
    from PIL import Image

    fig.canvas.draw()
    width, height = fig.canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), fig.canvas.buffer_rgba()).convert("RGB")
    image = image.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=optimize)
    return buffer.getvalue()


def _svg_bytes(fig):
    """``fig`` as SVG (text drawn as paths, no date or software name, fixed ids)."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "rnnlib", "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def _smallest_text_pt(fig):
    """Font size in points of the smallest visible, non-empty text of ``fig`` (None if it has no text)."""
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.get_figure() is not None]
    return builtins.min(sizes) if sizes else None


_CSS = (".rnnfig{margin:.5em 0 1em}.rnnfig-controls{display:grid;align-items:center;gap:.2em .75em;"
        "grid-template-columns:max-content minmax(6em,20em) auto}.rnnfig-control,.rnnfig-control label{display:contents}"
        ".rnnfig-input{width:100%;min-height:24px;margin:0;box-sizing:border-box}"
        "select.rnnfig-input{font:inherit}"
        ".rnnfig-value{font-variant-numeric:tabular-nums;font-weight:600}"
        ".rnnfig-note{font-size:.85em;opacity:.75;margin:.25em 0}"
        ".rnnfig-buttons{display:flex;gap:.5em;margin:.3em 0}"
        ".rnnfig-buttons button{min-height:24px;font:inherit;font-size:.85em;padding:.1em .6em;cursor:pointer}"
        ".rnnfig-view{overflow-x:auto}"
        ".rnnfig-frame{display:block;max-width:100%;height:auto;background:#fff}"
        ".rnnfig-caption{margin:.25em 0 0;overflow-wrap:anywhere}"
        ".rnnfig.rnnfig-full{position:fixed;inset:0;z-index:10000;margin:0;padding:.75em;overflow:auto;"
        "background:#fff;color:#000}"
        ".rnnfig.rnnfig-full .rnnfig-frame{min-width:0!important;max-width:100%;max-height:calc(100vh - 4em);"
        "width:auto;margin:0 auto}")

#: The kernel-free face's first line, for a notebook opened in Jupyter before its cells run
#: (JupyterLab then shows this face with disabled sliders and without its script). The face's
#: script removes it, and the book's ``_ext/book_html.py`` drops it from every page, so only a
#: page that cannot move the sliders shows it.
KERNEL_HINT = "Run this cell (Shift+Enter) to bring these sliders to life."
_KERNEL_HINT_HTML = f'<p class="rnnfig-kernel-hint"><strong>{html.escape(KERNEL_HINT)}</strong></p>'

#: The live face's caption wraps (an ipywidgets Label is one line, cut with "...").
_LIVE_CAPTION_STYLE = "white-space:normal;overflow-wrap:anywhere;line-height:1.4;margin:.25em 0 0"


def _live_caption_html(caption):
    """The live face's caption as the value of an ``ipywidgets.HTML``: escaped text that wraps."""
    return f'<div class="rnnfig-live-caption" style="{_LIVE_CAPTION_STYLE}">{html.escape(caption)}</div>'

# Swaps the frame when a control moves; the data are in the figure's own JSON script.
_JS = """(function () {
  var root = document.currentScript && document.currentScript.parentNode;
  if (!root) { return; }
  var hint = root.querySelector(".rnnfig-kernel-hint");
  if (hint) { hint.parentNode.removeChild(hint); }
  var data = JSON.parse(root.querySelector("script.rnnfig-data").textContent);
  var inputs = root.querySelectorAll(".rnnfig-input");
  var outputs = root.querySelectorAll("output.rnnfig-value");
  var img = root.querySelector("img.rnnfig-frame");
  var caption = root.querySelector(".rnnfig-caption");
  var zoom = root.querySelector("button.rnnfig-zoom");
  function together(i, j) {
    return data.joint.some(function (g) { return g.indexOf(i) >= 0 && g.indexOf(j) >= 0; });
  }
  function show(moved) {
    var k = [], i, frame;
    for (i = 0; i < inputs.length; i++) { k.push(parseInt(inputs[i].value, 10)); }
    // A combination not precomputed: the controls not joint with the moved one return to
    // their defaults, then (if still missing) all the others.
    for (var pass = 0; pass < 2 && !(k.join(",") in data.index); pass++) {
      for (i = 0; i < k.length; i++) {
        if (i !== moved && (pass === 1 || !together(i, moved))) { k[i] = data.defaults[i]; }
      }
    }
    frame = data.index[k.join(",")];
    for (i = 0; i < inputs.length; i++) {
      inputs[i].value = k[i];
      outputs[i].textContent = data.labels[i][k[i]];
      inputs[i].setAttribute("aria-valuetext", data.labels[i][k[i]]);
    }
    img.src = data.frames[frame];
    img.alt = data.title + ": " + data.captions[frame];
    caption.textContent = data.captions[frame];
  }
  Array.prototype.forEach.call(inputs, function (input, i) {
    input.addEventListener(input.tagName === "SELECT" ? "change" : "input", function () { show(i); });
  });
  root.querySelector("button.rnnfig-reset").addEventListener("click", function () {
    for (var i = 0; i < inputs.length; i++) { inputs[i].value = data.defaults[i]; }
    show(0);
  });
  function full(on) {
    root.classList.toggle("rnnfig-full", on);
    zoom.textContent = on ? "Close full screen" : "Full screen";
    zoom.setAttribute("aria-pressed", on ? "true" : "false");
  }
  zoom.addEventListener("click", function () { full(!root.classList.contains("rnnfig-full")); });
  root.addEventListener("keydown", function (e) { if (e.key === "Escape") { full(false); } });
})();"""


class InteractiveFigure:
    """A pure plotting function with its controls; see the module docstring.

    Parameters
    ----------
    func : callable
        ``func(fig, **params) -> str or None`` draws into the (empty)
        ``matplotlib.figure.Figure`` it is given; the returned string, if any,
        is the frame's caption. It must accept every control name as a keyword.
    controls : dict of str -> Slider or Choice
        The controls, in display order.
    figsize : tuple of float, optional
        Figure size in inches.
    dpi : int, optional
        CSS pixels per inch (the HTML frames hold ``PIXEL_RATIO`` times as many).
    setup : callable, optional
        ``setup(fig) -> handles`` builds what does not change (axes, labels,
        empty artists) once per ``Figure``; ``func(handles, **params)`` then
        only updates data, texts and limits. Same pictures, faster redraws.
    tries : sequence of Try, optional
        The figure's "things to try" items; the HTML face precomputes every
        combination of the controls an item moves together.
    html_values : int, optional
        At most about this many values per control in the HTML face (default
        ``MAX_VALUES_PER_CONTROL``); the ends, the default and the try-items'
        values are always kept. Fewer frames for a figure whose page would
        otherwise exceed the book's weight budget.
    pixel_ratio : float, optional
        Pixels per CSS pixel of the HTML frames (default ``PIXEL_RATIO``).
    """

    def __init__(self, func, controls, figsize=DEFAULT_FIGSIZE, dpi=DEFAULT_DPI, setup=None, tries=(),
                 html_values=MAX_VALUES_PER_CONTROL, pixel_ratio=PIXEL_RATIO):
        check_callable("func", func)
        check_callable("setup", setup, allow_none=True)
        if not controls:
            fail(ValueError, "controls", "at least one Slider or Choice", "none")
        for name, control in controls.items():
            if name in ("optimize", "fig", "scale"):
                fail(ValueError, "controls", "names other than 'optimize', 'fig' and 'scale' (reserved: "
                     "keywords of render/draw)", repr(name))
            check_type(f"controls[{name!r}]", control, (Slider, Choice), "a Slider or a Choice")
        signature = inspect.signature(func)
        accepts_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
        missing = [n for n in controls if n not in signature.parameters and not accepts_any]
        if missing:
            fail(TypeError, "func", f"a function that accepts the control(s) {missing} as keyword arguments",
                 f"{func.__name__}{signature}")
        self.func, self.setup = func, setup
        self.controls = dict(controls)
        self.tries = list(tries)
        for i, item in enumerate(self.tries):
            check_type(f"tries[{i}]", item, Try, "a Try")
            where = f"tries[{i}] ({item.phrase!r})"
            check_known(where, item.settings, self.controls, what="control")
            for name, values in item.settings.items():
                for value in values:
                    self.controls[name].validate(f"{where}[{name!r}]", value)
                    if value not in self.controls[name].values():
                        fail(ValueError, f"{where}[{name!r}]", "a value on the control's grid", repr(value))
        check_int("html_values", html_values, low=2)
        check_real("pixel_ratio", pixel_ratio, low=1, high=4)
        self.html_values, self.pixel_ratio = html_values, pixel_ratio
        self.figsize, self.dpi = tuple(figsize), dpi
        self.name = func.__name__
        self.qualname = f"{func.__module__}.{func.__name__}"
        self.title = (inspect.getdoc(func) or self.name).splitlines()[0].rstrip(".")
        self.__doc__ = func.__doc__
        self._figures = {}  # pixel ratio -> the Figure reused across frames
        self._frames = None
        self._handles = weakref.WeakKeyDictionary()  # Figure -> what setup(fig) returned

    # -- parameters -------------------------------------------------------
    @property
    def defaults(self):
        """``{name: default}`` of every control."""
        return {name: c.default for name, c in self.controls.items()}

    def params(self, **overrides):
        """The defaults updated with ``overrides``, each checked against its control."""
        check_known(f"{self.name}()", overrides, self.controls, what="control", exc=TypeError)
        params = self.defaults
        for name, value in overrides.items():
            params[name] = self.controls[name].validate(name, value)
        return params

    # -- drawing ----------------------------------------------------------
    def draw(self, fig, **params):
        """Draw the figure into ``fig`` at ``params`` (defaults for the rest); return the caption.

        Without ``setup``, ``fig`` is cleared and ``func(fig, **params)`` draws it
        all; with ``setup``, it runs once per ``fig`` and ``func`` updates its handles.
        """
        params = self.params(**params)
        if self.setup is None:
            fig.clear()
            caption = self.func(fig, **params)
        else:
            if fig not in self._handles:
                fig.clear()
                self._handles[fig] = self.setup(fig)
            caption = self.func(self._handles[fig], **params)
        if caption is not None and not isinstance(caption, str):
            fail(TypeError, f"{self.name}()", "a caption str or None as its return value", type(caption).__name__)
        return caption or ""

    def _new_figure(self, scale=1):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=self.figsize, dpi=self.dpi * scale)
        FigureCanvasAgg(fig)
        return fig

    def _reused(self, scale):
        if scale not in self._figures:
            self._figures[scale] = self._new_figure(scale)
        return self._figures[scale]

    @property
    def css_size(self):
        """``(width, height)`` of the figure in CSS pixels (``figsize * dpi``)."""
        return tuple(int(round(v * self.dpi)) for v in self.figsize)

    def __call__(self, **params):
        """A new static ``matplotlib.figure.Figure`` drawn at ``params``."""
        fig = self._new_figure()
        self.draw(fig, **params)
        return fig

    def render(self, optimize=True, scale=1, **params):
        """``(png_bytes, caption)`` of one frame, drawn in the figure reused across frames.

        ``scale`` is the pixel ratio: 1 for the live face, ``PIXEL_RATIO`` for the HTML frames.
        """
        fig = self._reused(scale)
        caption = self.draw(fig, **params)
        return _png_bytes(fig, optimize), caption

    # -- the static (HTML) face -------------------------------------------
    def joint_groups(self):
        """Lists of control names that a "things to try" item moves together (merged when they overlap)."""
        groups = []
        for item in self.tries:
            group = set(item.settings)
            if len(group) < 2:
                continue
            for other in [g for g in groups if g & group]:
                groups.remove(other)
                group |= other
            groups.append(group)
        order = list(self.controls)
        return [sorted(g, key=order.index) for g in groups]

    def plan(self):
        """Which frames the HTML face holds.

        Returns
        -------
        dict
            ``mode`` ("single", "grid" or "one-at-a-time"), ``names``, ``values``
            (per control, the values its slider steps through), ``joint`` (the
            groups of controls precomputed jointly, see :meth:`joint_groups`) and
            ``points`` (the list of parameter dicts to render, without repeats).
        """
        names = list(self.controls)
        tried = {n: [v for item in self.tries for v in item.settings.get(n, [])] for n in names}
        values = []
        for name, control in self.controls.items():
            thinned = _thin(control.values(), control.default, self.html_values)
            values.append([v for v in control.values() if v in thinned or v in tried[name]])
        if len(names) == 1:
            mode = "single"
        else:
            mode = "grid" if math.prod(map(len, values)) <= MAX_GRID_FRAMES else "one-at-a-time"
        joint = [] if mode != "one-at-a-time" else self.joint_groups()
        if mode == "one-at-a-time":
            combos = [tuple(self.defaults[m] if m != n else v for m in names)
                      for n, vs in zip(names, values) for v in vs]
            for group in joint:
                # every combination of the values the items give these controls (and their defaults)
                choices = [list(dict.fromkeys([self.defaults[n]] + tried[n])) if n in group else [self.defaults[n]]
                           for n in names]
                combos += list(itertools.product(*choices))
        else:
            combos = list(itertools.product(*values))
        points = list(dict.fromkeys(combos))
        return {"mode": mode, "names": names, "values": values, "joint": joint,
                "points": [dict(zip(names, p)) for p in points]}

    def frames(self):
        """The HTML face's data, computed once.

        The plan plus ``images`` (list of bytes), ``format`` ("png" or "svg":
        whichever is smaller for the default frame), ``captions`` and
        ``smallest_text_pt`` (the smallest font size drawn in any frame).
        """
        if self._frames is None:
            plan = self.plan()
            fig = self._reused(self.pixel_ratio)
            colors = PALETTE_COLORS if self.pixel_ratio < PIXEL_RATIO else HIDPI_PALETTE_COLORS
            self.draw(fig)
            fmt = "svg" if len(_svg_bytes(fig)) < len(_png_bytes(fig, True, colors)) else "png"
            images, captions, smallest = [], [], []
            for point in plan["points"]:
                captions.append(self.draw(fig, **point))
                images.append(_svg_bytes(fig) if fmt == "svg" else _png_bytes(fig, True, colors))
                smallest.append(_smallest_text_pt(fig))
            sizes = [s for s in smallest if s is not None]
            self._frames = dict(plan, images=images, format=fmt, captions=captions,
                                smallest_text_pt=builtins.min(sizes) if sizes else None)
        return self._frames

    def min_width_css(self, smallest_pt=None):
        """CSS width below which the smallest text would fall under ``MIN_TEXT_PX`` (at most the full width)."""
        smallest_pt = self.frames()["smallest_text_pt"] if smallest_pt is None else smallest_pt
        width = self.css_size[0]
        if smallest_pt is None:
            return 0
        full_px = smallest_pt * self.dpi / 72  # the text's CSS size at the figure's full width
        return builtins.min(width, int(math.ceil(width * MIN_TEXT_PX / full_px)))

    def _html_data(self):
        frames = self.frames()
        names, values = frames["names"], frames["values"]
        mime = "image/svg+xml" if frames["format"] == "svg" else "image/png"
        position = [{v: k for k, v in enumerate(vs)} for vs in values]
        index = {}
        for i, point in enumerate(frames["points"]):
            index.setdefault(",".join(str(position[c][point[n]]) for c, n in enumerate(names)), i)
        defaults = [vs.index(self.defaults[n]) for n, vs in zip(names, values)]
        data = {
            "title": self.title,
            "mode": frames["mode"],
            "sizes": [len(vs) for vs in values],
            "defaults": defaults,
            "labels": [[self.controls[n].format(v) for v in vs] for n, vs in zip(names, values)],
            "values": values,
            "frames": [f"data:{mime};base64," + base64.b64encode(b).decode("ascii") for b in frames["images"]],
            "captions": frames["captions"],
            "index": index,
            "joint": [[names.index(n) for n in g] for g in frames["joint"]],
        }
        return data, index[",".join(map(str, defaults))]

    def _control_html(self, i, name, control, data):
        esc = html.escape
        label = esc(control.label or name)
        default = data["defaults"][i]
        value = esc(data["labels"][i][default])
        if isinstance(control, Choice):
            options = "".join(f'<option value="{k}"{" selected" if k == default else ""}>{esc(text)}</option>'
                              for k, text in enumerate(data["labels"][i]))
            field = f'<select class="rnnfig-input" name="{esc(name)}" aria-label="{label}">{options}</select>'
        else:
            field = (f'<input class="rnnfig-input" type="range" name="{esc(name)}" min="0" '
                     f'max="{data["sizes"][i] - 1}" step="1" value="{default}" aria-label="{label}" '
                     f'aria-valuetext="{value}">')
        return (f'<div class="rnnfig-control"><label><span>{label}</span> {field} '
                f'<output class="rnnfig-value">{value}</output></label></div>')

    def to_html(self):
        """The self-contained HTML control (no external loads); see the module docstring."""
        data, first = self._html_data()
        frames = self.frames()
        esc = html.escape
        controls = [self._control_html(i, name, c, data) for i, (name, c) in enumerate(self.controls.items())]
        note = ""
        if data["mode"] == "one-at-a-time":
            together = ""
            if data["joint"]:
                groups = " and ".join(", ".join(esc(self.controls[n].label or n) for n in g) for g in frames["joint"])
                together = f" (except the settings of the things to try: {groups})"
            note = ('<p class="rnnfig-note">One control at a time: moving one returns the others to '
                    f'their defaults{together}. Run the notebook for every combination.</p>')
        width, height = self.css_size
        min_width = self.min_width_css(frames["smallest_text_pt"])
        smallest = frames["smallest_text_pt"]
        tries = [{"settings": item.settings, "phrase": item.phrase} for item in self.tries]
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        try_payload = esc(json.dumps(tries, separators=(",", ":")))
        return (
            f'<div class="rnnfig tex2jax_ignore mathjax_ignore" data-rnnfig="{esc(self.qualname)}" '
            f'data-mode="{data["mode"]}" data-dpi="{self.dpi}" data-css-width="{width}" '
            f'data-smallest-text-pt="{"" if smallest is None else f"{smallest:g}"}" '
            f'data-tries="{try_payload}"><style>{_CSS}</style>{_KERNEL_HINT_HTML}'
            f'<div class="rnnfig-controls">{"".join(controls)}</div>{note}'
            '<div class="rnnfig-buttons"><button type="button" class="rnnfig-reset">Reset</button>'
            '<button type="button" class="rnnfig-zoom" aria-pressed="false">Full screen</button></div>'
            f'<div class="rnnfig-view"><img class="rnnfig-frame" src="{data["frames"][first]}" width="{width}" '
            f'height="{height}" style="min-width:{min_width}px" '
            f'alt="{esc(data["title"] + ": " + data["captions"][first])}"></div>'
            f'<p class="rnnfig-caption">{esc(data["captions"][first])}</p>'
            f'<script type="application/json" class="rnnfig-data">{payload}</script>'
            f"<script>{_JS}</script></div>"
        )

    # -- the live (Jupyter) face ------------------------------------------
    def widget(self):
        """Live ipywidgets controls, a Reset button and an ``Image`` redrawn on every change."""
        import ipywidgets

        sliders = {name: c._live_widget(name) for name, c in self.controls.items()}
        png, caption = self.render(optimize=False)
        width = self.css_size[0]
        image = ipywidgets.Image(value=png, format="png", layout={"width": f"{width}px", "max_width": "100%",
                                                                  "height": "auto"})
        text = ipywidgets.HTML(value=_live_caption_html(caption), layout={"max_width": f"{width}px"})
        reset = ipywidgets.Button(description="Reset", tooltip="Every control back to its default",
                                  layout={"width": "auto", "min_height": "28px"})

        def redraw(change=None):
            params = {n: self.controls[n]._snap(s.value) for n, s in sliders.items()}
            image.value, caption = self.render(optimize=False, **params)
            text.value = _live_caption_html(caption)

        def reset_all(button=None):
            for n, s in sliders.items():
                s.unobserve(redraw, names="value")
                s.value = self.controls[n].default
                s.observe(redraw, names="value")
            redraw()

        for slider in sliders.values():
            slider.observe(redraw, names="value")
        reset.on_click(reset_all)
        box = ipywidgets.VBox([ipywidgets.HBox(list(sliders.values()) + [reset], layout={"flex_flow": "row wrap"}),
                               image, text])
        box.redraw = redraw
        box.reset = reset_all
        box.sliders = sliders
        return box

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget()._repr_mimebundle_())
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.to_html()
        return bundle

    def __repr__(self):
        controls = ", ".join(f"{n}={c!r}" for n, c in self.controls.items())
        return f"<InteractiveFigure {self.name}: {controls}>"


def interactive(figsize=DEFAULT_FIGSIZE, dpi=DEFAULT_DPI, setup=None, tries=(), html_values=MAX_VALUES_PER_CONTROL,
                pixel_ratio=PIXEL_RATIO, **controls):
    """Decorator: declare and register an interactive figure.

    Parameters
    ----------
    figsize, dpi : optional
        Size of the figure in inches and its resolution.
    setup : callable, optional
        ``setup(fig) -> handles``, see :class:`InteractiveFigure`; the decorated
        function then receives the handles instead of the figure.
    tries : sequence of Try, optional
        The figure's "things to try" items (see :class:`Try`).
    html_values, pixel_ratio : optional
        Fewer frames or pixels in the HTML face, see :class:`InteractiveFigure`.
    **controls : Slider or Choice
        One control per keyword parameter of the plotting function, in display order.

    Returns
    -------
    callable
        Decorator turning ``func(fig, **params)`` into a registered :class:`InteractiveFigure`.
    """

    def decorate(func):
        figure = InteractiveFigure(func, controls, figsize=figsize, dpi=dpi, setup=setup, tries=tries,
                                   html_values=html_values, pixel_ratio=pixel_ratio)
        _REGISTRY[figure.qualname] = figure
        return figure

    return decorate


def registered():
    """Every figure declared so far with :func:`interactive`, sorted by qualified name."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]
