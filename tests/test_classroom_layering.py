"""The teachers' tools sit outside the library: rnnlib never imports classroom or its dependencies."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_rnnlib_sources_never_import_classroom():
    for path in sorted((ROOT / "rnnlib").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "classroom" for n in names), f"{path.relative_to(ROOT)} imports classroom"


def test_checkers_load_without_the_classroom_extra():
    code = ("import sys; from rnnlib import check; "
            "print(sorted(m for m in ('classroom', 'nbformat', 'yaml', 'nbgrader', 'nbclient') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_python_m_classroom_runs():
    out = subprocess.run([sys.executable, "-m", "classroom", "exercises"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "| label | title | points | difficulty | kind |" in out.stdout
