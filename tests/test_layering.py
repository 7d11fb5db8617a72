"""The two layers of rnnlib, enforced: the core imports nothing from the teaching modules.

Core: every top-level module of ``rnnlib`` except the teaching ones (cells, heads,
losses, optim, clip, train, model, data, io, interop, gradcheck, ...), and the
package itself. Teaching: ``rnnlib.figures``, ``widgets``, ``gradient_flow``, ``experiments`` and
``adding_runs`` (chapter 6's runs), ``pretrained`` and ``pretrained_seq2seq``,
``check`` (and ``classroom`` while it lives here). Each core module
is imported in a fresh interpreter, which must then hold no teaching module and
none of matplotlib, ipywidgets, IPython or torch (the core needs numpy alone).
"""

import json
import pathlib
import subprocess
import sys

import pytest

import rnnlib

PACKAGE = pathlib.Path(rnnlib.__file__).parent
TEACHING = ("figures", "widgets", "gradient_flow", "experiments", "adding_runs", "pretrained", "pretrained_seq2seq", "check", "classroom")
FORBIDDEN = tuple(f"rnnlib.{t}" for t in TEACHING) + ("classroom", "matplotlib", "ipywidgets", "IPython", "torch")
CORE = ["rnnlib"] + sorted(
    f"rnnlib.{p.stem}" for p in PACKAGE.glob("*.py")
    if p.stem != "__init__" and p.stem not in TEACHING and not p.stem.startswith("pretrained_")
)

PROBE = """
import json, sys
import {module}
forbidden = {forbidden!r}
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in forbidden or m.startswith(forbidden))))
"""


def test_the_layers_are_the_documented_ones():
    core = {m.split(".")[-1] for m in CORE}
    assert {"_cell", "rnn", "lstm", "gru", "heads", "losses", "optim", "clip", "train", "model", "data", "io",
            "torch_interop", "gradcheck"} <= core
    assert not core & set(TEACHING)
    for name in TEACHING[:-1]:
        assert f"``{name}``" in rnnlib.__doc__, name
    assert "Layers" in rnnlib.__doc__


@pytest.mark.parametrize("module", CORE)
def test_core_module_loads_no_teaching_module_nor_matplotlib(module):
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, forbidden=FORBIDDEN)],
        capture_output=True, text=True, check=True, timeout=120,
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"importing {module} loaded {loaded}"


def test_the_probe_can_fail():
    """The same probe sees a teaching module loaded as a dependency (the test is not vacuous)."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module="rnnlib.pretrained", forbidden=FORBIDDEN)],
        capture_output=True, text=True, check=True, timeout=120,
    )
    assert "rnnlib.experiments" in json.loads(out.stdout.strip().splitlines()[-1])
