"""Interactive figures: redraw latency and the size of the HTML frames, per figure.

For every figure registered in ``rnnlib.figures`` (Agg, the figure's own size):

* redraw: median time of one live-slider update, i.e. the plotting function
  (after ``Figure.clear()``, or updating the artists its ``setup`` made),
  ``canvas.draw()`` and the palette-PNG encoding, over up to 20 of the HTML
  plan's parameter points (target: under 60 ms). Wall-clock and CPU time are
  both printed: on a busy machine the wall time includes waiting for a core,
  the CPU time is what the redraw itself costs;
* the HTML face: number of frames, their format (palette PNG or SVG, whichever
  is smaller for the figure) and pixel ratio (2: sharp on hi-DPI screens), total
  and largest frame bytes (budget: all frames of a figure under 1 MB), the size
  of the ``text/html`` output and the time to precompute it (paid once per
  notebook execution); the smallest text drawn (points) and the narrowest width
  the page may show the frame at to keep it at 9 CSS px;
* the default frame in other formats (matplotlib's RGBA PNG, SVG), the
  measurement behind choosing quantized PNG.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_widgets.py [name ...]``.
"""
import io
import os
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

from rnnlib.figures import all_figures  # noqa: E402

TARGET_MS = 60.0
BUDGET_BYTES = 1_000_000
SAMPLES = 20


def redraw_ms(figure):
    """Median wall-clock and CPU milliseconds of a live redraw over up to SAMPLES points of the plan."""
    points = figure.plan()["points"]
    step = max(1, len(points) // SAMPLES)
    chosen = points[::step][:SAMPLES]
    figure.render(optimize=False, **chosen[0])  # warm-up: figure creation, font cache
    wall, cpu = [], []
    for params in chosen:
        start, start_cpu = time.perf_counter(), time.process_time()
        figure.render(optimize=False, **params)
        wall.append((time.perf_counter() - start) * 1e3)
        cpu.append((time.process_time() - start_cpu) * 1e3)
    return statistics.median(wall), statistics.median(cpu)


def other_formats(figure):
    """Bytes of the default frame as matplotlib's RGBA PNG and as SVG."""
    fig = figure()
    sizes = []
    for fmt, metadata in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, metadata=metadata)
        sizes.append(len(buffer.getvalue()))
    return sizes


def main(names):
    short = {f: f.qualname.removeprefix("rnnlib.figures.") for f in all_figures()}
    figures = [f for f, name in short.items() if not names or {f.name, f.qualname, name} & set(names)]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; Agg; frames at each figure's size\n")
    header = (f"{'figure':<34} {'mode':<13} {'redraw ms':>9} {'cpu ms':>6} {'frames':>6} {'fmt':>3} {'x':>3} "
              f"{'frames kB':>9} {'max kB':>6} {'html kB':>7} {'precompute s':>12} {'rgba png kB':>11} {'svg kB':>6} "
              f"{'text pt':>7} {'min px':>6}  check")
    print(header)
    print("-" * len(header))
    failures = []
    for figure in figures:
        median, cpu = redraw_ms(figure)
        start = time.perf_counter()
        frames = figure.frames()
        precompute = time.perf_counter() - start
        html_bytes = len(figure.to_html().encode())
        sizes = list(map(len, frames["images"]))
        rgba, svg = other_formats(figure)
        name = short[figure]
        problems = []
        if min(median, cpu) > TARGET_MS:
            problems.append(f"redraw {min(median, cpu):.0f} ms > {TARGET_MS:.0f}")
        if sum(sizes) >= BUDGET_BYTES:
            problems.append(f"frames {sum(sizes) / 1e3:.0f} kB >= {BUDGET_BYTES / 1e3:.0f}")
        failures += [f"{name}: {p}" for p in problems]
        print(f"{name:<34} {frames['mode']:<13} {median:9.1f} {cpu:6.1f} {len(sizes):6d} {frames['format']:>3} "
              f"{figure.pixel_ratio:3g} {sum(sizes) / 1e3:9.1f} {max(sizes) / 1e3:6.1f} {html_bytes / 1e3:7.1f} "
              f"{precompute:12.2f} {rgba / 1e3:11.1f} {svg / 1e3:6.1f} {frames['smallest_text_pt'] or 0:7.1f} "
              f"{figure.min_width_css():6d}  {'; '.join(problems) or 'ok'}")
    print(f"\nredraw target: median < {TARGET_MS:.0f} ms (wall, or CPU on a busy machine); frame budget: < {BUDGET_BYTES / 1e6:.0f} MB per figure "
          f"(kB = 1000 bytes; frames kB counts PNG bytes, html kB the base64 text/html output)")
    if failures:  # reported, not fatal: `make bench` measures, tests/test_figures.py enforces the budget
        print("over target or budget:\n  " + "\n  ".join(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
