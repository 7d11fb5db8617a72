"""The package's top level: every exported name exists, and importing rnnlib
pulls in numpy only (no matplotlib, ipywidgets or torch)."""
import subprocess
import sys

import rnnlib


def test_every_exported_name_exists():
    missing = [name for name in rnnlib.__all__ if not hasattr(rnnlib, name)]
    assert not missing


def test_import_needs_numpy_only():
    code = (
        "import sys, rnnlib; "
        "heavy = [m for m in ('matplotlib', 'ipywidgets', 'torch', 'tqdm') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
