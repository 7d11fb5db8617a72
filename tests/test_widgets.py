"""rnnlib.widgets: declaring interactive figures, their frames, their two faces."""
import html
import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest

from rnnlib import widgets
from rnnlib.widgets import Choice, InteractiveFigure, Slider, Try


def _labelled(fig, *, a, b, kind="line"):
    """Test figure: a line whose slope is a, offset b; caption names the parameters."""
    ax = fig.add_subplot()
    x = np.linspace(0.0, 1.0, 20)
    ax.plot(x, a * x + b, "o-" if kind == "dots" else "-")
    ax.set_xlim(0, 1)
    ax.set_ylim(-25, 25)
    return f"a={a} b={b} kind={kind}"


def make(tries=(), **controls):
    return InteractiveFigure(_labelled, controls, figsize=(3, 2), dpi=50, tries=tries)


SMALL_GRID = dict(a=Slider(-2, 2, 1, default=0), b=Slider(0.0, 1.5, 0.5, default=0.5))  # 5 x 4 = 20 frames
LARGE = dict(a=Slider(-10, 10, 1, default=3), b=Slider(0.0, 2.0, 0.1, default=1.0))  # 21 x 21 > 60


class Parsed(HTMLParser):
    """Collects the tags and texts of the HTML face."""

    def __init__(self):
        super().__init__()
        self.tags, self.outputs, self.scripts = [], [], []
        self._in = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "output":
            self.outputs.append(data)
        elif self._in == "script":
            self.scripts.append(data)


def parse(text):
    parser = Parsed()
    parser.feed(text)
    return parser


# -- controls ---------------------------------------------------------------

def test_slider_grid_is_exact_and_formatted_by_step():
    s = Slider(0.1, 5.0, 0.1, default=1.5)
    values = s.values()
    assert len(values) == 50 and values[0] == 0.1 and values[-1] == 5.0 and 0.3 in values
    assert s.default == 1.5 and s.format(0.3) == "0.3"
    n = Slider(20, 500, 20, default=200)
    assert n.is_int and n.values()[:3] == [20, 40, 60] and all(isinstance(v, int) for v in n.values())
    assert n.format(200) == "200"
    assert Slider(0.0, 1.0, 0.05, default=0.25).format(0.25) == "0.25"
    assert Slider(0.0, 1.0, 0.25, default=0.5, fmt="{:.0%}").format(0.5) == "50%"


@pytest.mark.parametrize("args, kwargs, word", [
    ((1.0, 1.0, 0.1), {"default": 1.0}, "max"),
    ((0.0, 1.0, 0.0), {"default": 0.0}, "step"),
    ((0.0, 1.0, 0.3), {"default": 0.0}, "whole number of steps"),
    ((0.0, 1.0, 0.1), {"default": 0.55}, "default"),
    ((0.0, float("inf"), 0.1), {"default": 0.0}, "max"),
])
def test_slider_refuses_bad_ranges_naming_the_argument(args, kwargs, word):
    with pytest.raises(ValueError, match=word):
        Slider(*args, **kwargs)


def test_slider_refuses_non_numbers():
    with pytest.raises(TypeError, match="min"):
        Slider(True, 2, 1, default=1)
    with pytest.raises(TypeError, match="default"):
        Slider(0, 2, 1, default="1")


def test_choice_options_default_and_errors():
    c = Choice(["tanh", "relu"], label="activation")
    assert c.default == "tanh" and c.values() == ["tanh", "relu"] and c.format("relu") == "relu"
    with pytest.raises(ValueError, match=r"options: expected a non-empty sequence of distinct options, got \[\]"):
        Choice([])
    with pytest.raises(ValueError, match="options: expected a non-empty sequence of distinct options"):
        Choice(["a", "a"])
    with pytest.raises(ValueError, match="default: expected one of 'a', 'b', got 'c'"):
        Choice(["a", "b"], default="c")


def test_thinning_keeps_ends_and_default():
    values = list(range(101))
    thin = widgets._thin(values, 37)
    assert len(thin) <= widgets.MAX_VALUES_PER_CONTROL + 1  # the default may lie off the stride
    assert widgets._thin(list(range(13)), 7, most=7) == [0, 2, 4, 6, 7, 8, 10, 12]
    assert thin[0] == 0 and thin[-1] == 100 and 37 in thin and thin == sorted(thin)
    assert widgets._thin(values[:51], 3) == values[:51]


# -- declaring --------------------------------------------------------------

def test_declaration_checks_the_function_and_controls():
    with pytest.raises(TypeError, match=r"\['c'\]"):
        make(a=Slider(0, 1, 1, default=0), c=Slider(0, 1, 1, default=0))
    with pytest.raises(TypeError, match="Slider or a Choice"):
        make(a=(0, 1), b=Slider(0, 1, 1, default=0))
    with pytest.raises(ValueError, match="at least one"):
        InteractiveFigure(_labelled, {})
    with pytest.raises(TypeError, match="callable"):
        InteractiveFigure(None, SMALL_GRID)
    with pytest.raises(ValueError, match="reserved"):
        InteractiveFigure(lambda fig, **p: None, {"optimize": Slider(0, 1, 1, default=0)})


def test_params_are_validated_by_name():
    fig = make(**SMALL_GRID)
    assert fig.params() == {"a": 0, "b": 0.5}
    assert fig.params(a=2) == {"a": 2, "b": 0.5}
    with pytest.raises(TypeError, match=r"_labelled\(\): expected controls among \['a', 'b'\], got unknown control 'c'"):
        fig.params(c=1)
    with pytest.raises(ValueError, match=r"a: expected a finite real number in \[-2, 2\], got 3"):
        fig.params(a=3)
    with pytest.raises(ValueError, match="kind: expected one of 'line', 'dots', got 'x'"):
        make(a=Slider(0, 1, 1, default=0), b=Slider(0, 1, 1, default=0), kind=Choice(["line", "dots"])).params(kind="x")


def test_decorator_registers_and_figures_package_lists_only_its_own():
    @widgets.interactive(a=Slider(0, 1, 1, default=0), b=Slider(0, 1, 1, default=1), figsize=(2, 2), dpi=40)
    def probe(fig, *, a, b):
        """A probe."""
        fig.add_subplot().plot([a, b])

    try:
        assert isinstance(probe, InteractiveFigure) and probe in widgets.registered()
        assert probe.title == "A probe" and probe.figsize == (2, 2)
        from rnnlib.figures import all_figures

        listed = all_figures()
        assert probe not in listed
        assert "rnnlib.figures.demo.gradient_power" in [f.qualname for f in listed]
    finally:
        widgets._REGISTRY.pop(probe.qualname)


def test_caption_must_be_text():
    fig = InteractiveFigure(lambda fig, *, a: 3, {"a": Slider(0, 1, 1, default=0)})
    with pytest.raises(TypeError, match="caption"):
        fig.render()


# -- drawing and frames -----------------------------------------------------

def test_call_returns_a_new_static_figure():
    from matplotlib.figure import Figure

    fig = make(**SMALL_GRID)
    first, second = fig(a=1), fig(a=1)
    assert isinstance(first, Figure) and first is not second and len(first.axes) == 1


def test_render_is_deterministic_palette_png_without_metadata_and_reuses_one_figure():
    from PIL import Image

    fig = make(**SMALL_GRID)
    png1, caption = fig.render(a=1, b=1.0)
    reused = fig._figures[1]
    png2, _ = fig.render(a=1, b=1.0)
    fig.render(a=-2)
    assert png1 == png2 and caption == "a=1 b=1.0 kind=line"
    assert fig._figures[1] is reused and len(reused.axes) == 1
    image = Image.open(io.BytesIO(png1))
    assert image.format == "PNG" and image.mode == "P" and image.size == (150, 100)
    assert b"tEXt" not in png1 and b"Software" not in png1 and b"tIME" not in png1


def test_setup_runs_once_per_figure_and_gives_the_same_pictures():
    calls = []

    def setup(fig):
        calls.append(fig)
        ax = fig.add_subplot()
        ax.set_xlim(0, 1)
        ax.set_ylim(-25, 25)
        return ax.plot([], [])[0]

    def update(line, *, a, b):
        line.set_data(np.linspace(0.0, 1.0, 20), a * np.linspace(0.0, 1.0, 20) + b)
        return f"a={a} b={b} kind=line"

    fast = InteractiveFigure(update, SMALL_GRID, figsize=(3, 2), dpi=50, setup=setup)
    plain = make(**SMALL_GRID)
    for params in ({"a": 2}, {"a": -2, "b": 1.5}, {}):
        assert fast.render(**params) == plain.render(**params)
    assert len(calls) == 1 and len(fast._figures[1].axes) == 1
    fast(a=1)
    assert len(calls) == 2
    with pytest.raises(TypeError, match="setup"):
        InteractiveFigure(update, SMALL_GRID, setup=3)


@pytest.mark.parametrize("controls, mode, n_points", [
    ({"a": Slider(-2, 2, 1, default=0)}, "single", 5),
    (SMALL_GRID, "grid", 20),
    (LARGE, "one-at-a-time", 21 + 21 - 1),
])
def test_plan_picks_grid_or_one_at_a_time(controls, mode, n_points):
    if len(controls) == 1:
        fig = InteractiveFigure(lambda fig, *, a: None, controls, figsize=(2, 2), dpi=30)
    else:
        fig = make(**controls)
    plan = fig.plan()
    assert plan["mode"] == mode and len(plan["points"]) == n_points
    assert len({tuple(p.values()) for p in plan["points"]}) == n_points


def _html_data(text):
    parsed = parse(text)
    data_script = [s for s in parsed.scripts if s.lstrip().startswith("{")]
    assert len(data_script) == 1
    return parsed, json.loads(data_script[0])


@pytest.mark.parametrize("controls", [SMALL_GRID, LARGE], ids=["grid", "one-at-a-time"])
def test_html_face_is_self_contained_and_indexes_the_right_frames(controls):
    fig = make(**controls)
    text = fig.to_html()
    assert not re.search(r"https?://|<script[^>]*\ssrc=|<link|@import|url\(", text)
    parsed, data = _html_data(text)
    inputs = [a for t, a in parsed.tags if t == "input"]
    assert [a["type"] for a in inputs] == ["range", "range"] and [a["name"] for a in inputs] == ["a", "b"]
    assert parsed.outputs == [SMALL_GRID["a"].format(controls["a"].default), controls["b"].format(controls["b"].default)]
    img = [a for t, a in parsed.tags if t == "img"][0]
    assert img["src"].startswith("data:image/png;base64,") and img["src"] in data["frames"]
    assert data["mode"] == fig.plan()["mode"] and len(data["frames"]) == len(data["captions"])
    values = fig.plan()["values"]
    assert data["labels"] == [[controls[n].format(v) for v in vs] for n, vs in zip("ab", values)]
    if data["mode"] == "grid":
        for i, a in enumerate(values[0]):
            for j, b in enumerate(values[1]):
                frame = data["index"][f"{i},{j}"]
                assert data["captions"][frame] == f"a={a} b={b} kind=line"
    else:
        assert "One control at a time" in text
        da, db = data["defaults"]
        for i, a in enumerate(values[0]):
            assert data["captions"][data["index"][f"{i},{db}"]] == f"a={a} b={controls['b'].default} kind=line"
        for j, b in enumerate(values[1]):
            assert data["captions"][data["index"][f"{da},{j}"]] == f"a={controls['a'].default} b={b} kind=line"
        assert len(data["index"]) == len(values[0]) + len(values[1]) - 1  # no combination precomputed


def test_try_items_are_checked_and_their_controls_precomputed_jointly():
    with pytest.raises(ValueError, match=r"tries\[0\] \('x'\): expected controls among \['a', 'b'\], got unknown control 'zz'"):
        make(**LARGE, tries=[Try({"zz": 1}, "x")])
    with pytest.raises(ValueError, match=r"tries\[0\] \('x'\)\['a'\]: expected a finite real number in"):
        make(**LARGE, tries=[Try({"a": 99}, "x")])
    with pytest.raises(ValueError, match="phrase: expected a non-empty str, got ''"):
        Try({"a": 1}, "")
    with pytest.raises(TypeError, match="phrase: expected a non-empty str, got int"):
        Try({"a": 1}, 3)
    fig = make(**LARGE, tries=[Try({"a": 2, "b": [0.0, 1.5]}, "a=2"), Try({"a": 1}, "a=1")])
    assert fig.joint_groups() == [["a", "b"]]
    points = {tuple(p.values()) for p in fig.plan()["points"]}
    for a in (LARGE["a"].default, 2):  # every combination of the item's values and the defaults
        for b in (LARGE["b"].default, 0.0, 1.5):
            assert (a, b) in points
    _, data = _html_data(fig.to_html())
    values = data["values"]
    key = f"{values[0].index(2)},{values[1].index(1.5)}"
    assert data["captions"][data["index"][key]] == "a=2 b=1.5 kind=line"
    assert data["joint"] == [[0, 1]]


def test_html_face_has_reset_zoom_select_and_hidpi_frames():
    import base64

    from PIL import Image

    fig = make(a=Slider(0, 2, 1, default=1), b=Slider(0, 1, 1, default=0), kind=Choice(["line", "dots"]))
    text = fig.to_html()
    parsed, data = _html_data(text)
    tags = [t for t, _ in parsed.tags]
    assert "select" in tags and tags.count("input") == 2  # the choice is a dropdown, not a range
    assert 'class="rnnfig-reset"' in text and 'class="rnnfig-zoom"' in text
    img = [a for t, a in parsed.tags if t == "img"][0]
    png = Image.open(io.BytesIO(base64.b64decode(img["src"].split(",", 1)[1])))
    assert png.size == (int(img["width"]) * 2, int(img["height"]) * 2)  # PIXEL_RATIO pixels per CSS pixel
    assert float(parsed.tags[0][1]["data-smallest-text-pt"]) > 0


def test_html_escapes_labels_and_closing_tags_in_captions():
    fig = InteractiveFigure(lambda fig, *, a: "</script><b>", {"a": Slider(0, 1, 1, default=0, label="<x>")},
                            figsize=(2, 2), dpi=30)
    text = fig.to_html()
    assert "<span>&lt;x&gt;</span>" in text
    assert text.count("</script>") == 2  # the data script and the code script, nothing from the caption
    assert _html_data(text)[1]["captions"] == ["</script><b>"] * 2


def test_html_face_says_to_run_the_cell_and_its_script_removes_that_line():
    text = make(**SMALL_GRID).to_html()
    hint = f'<p class="rnnfig-kernel-hint"><strong>{widgets.KERNEL_HINT}</strong></p>'
    assert text.count(hint) == 1 and text.index(hint) < text.index('class="rnnfig-controls"')
    assert "Run this cell" in widgets.KERNEL_HINT
    assert 'root.querySelector(".rnnfig-kernel-hint")' in text and "removeChild(hint)" in text


def test_choice_control_in_html_and_live():
    fig = make(a=Slider(0, 2, 1, default=1), b=Slider(0, 1, 1, default=0), kind=Choice(["line", "dots"]))
    parsed, data = _html_data(fig.to_html())
    assert data["mode"] == "grid" and data["labels"][2] == ["line", "dots"] and len(data["frames"]) == 12
    assert [a["value"] for t, a in parsed.tags if t == "option"] == ["0", "1"]
    box = fig.widget()
    box.sliders["kind"].value = "dots"
    assert caption_text(box.children[-1]) == "a=1 b=0 kind=dots"


# -- the live face and the MIME bundle --------------------------------------

def test_widget_redraws_on_change():
    fig = make(**SMALL_GRID)
    box = fig.widget()
    image, caption = box.children[1], box.children[2]
    before = image.value
    box.sliders["a"].value = 2
    assert image.value != before and caption_text(caption) == "a=2 b=0.5 kind=line"
    box.sliders["b"].value = 1.0000000000000002  # float slider noise snaps to the grid
    assert caption_text(caption) == "a=2 b=1.0 kind=line"


def caption_text(widget):
    """The text of the live face's caption widget (an ipywidgets.HTML holding one escaped div)."""
    match = re.fullmatch(r'<div class="rnnfig-live-caption" style="([^"]*)">([^<]*)</div>', widget.value)
    assert match, widget.value
    assert "white-space:normal" in match[1], "the caption must wrap"
    return html.unescape(match[2])


def test_live_caption_is_escaped_and_wraps():
    fig = make(**SMALL_GRID)
    box = fig.widget()
    fig.func = lambda fig_, **p: "J < 0.5 & h_20 > 0 " + "long " * 60
    box.sliders["a"].value = 2
    assert caption_text(box.children[2]) == "J < 0.5 & h_20 > 0 " + "long " * 60


def test_mime_bundle_has_both_faces_and_a_stable_text():
    fig = make(**SMALL_GRID)
    bundle = fig._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"}
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert bundle["text/plain"] == repr(fig) == fig._repr_mimebundle_()["text/plain"]
    assert bundle["text/html"] == fig.to_html()
    assert "_labelled" in bundle["text/plain"] and "Slider(-2, 2, 1, default=0)" in bundle["text/plain"]


def test_import_needs_numpy_only():
    code = ("import sys, rnnlib.widgets, rnnlib.figures.demo\n"
            "heavy = [m for m in ('matplotlib', 'ipywidgets', 'PIL') if m in sys.modules]\n"
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_widget_reset_returns_every_control_to_its_default():
    fig = make(**SMALL_GRID)
    box = fig.widget()
    box.sliders["a"].value, box.sliders["b"].value = 2, 1.5
    box.reset()
    assert [s.value for s in box.sliders.values()] == [0, 0.5]
    assert caption_text(box.children[2]) == "a=0 b=0.5 kind=line"
    assert box.children[0].children[-1].description == "Reset"
