"""The book's interactive figures: one module per chapter.

``demo`` holds the figure of "How to use this book's interactive figures";
``ch01`` ... ``ch07`` hold the chapters' figures. Each figure is a pure plotting
function declared with :func:`rnnlib.widgets.interactive`, which registers it;
:func:`all_figures` imports every module of this package and returns them all,
so ``tests/test_figures.py`` sweeps a new chapter's figures without being told.
Notebooks only import and display them::

    from rnnlib.figures import demo
    demo.gradient_power
"""
import importlib
import pkgutil

__all__ = ["all_figures"]


def all_figures():
    """Every interactive figure declared in this package, sorted by qualified name.

    Returns
    -------
    list of rnnlib.widgets.InteractiveFigure
    """
    from rnnlib import widgets

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return [f for f in widgets.registered() if f.qualname.startswith(__name__ + ".")]
