"""A small chapter notebook that follows the exercise contract, for the classroom tests.

Chapter 4 of a fixture book: a setup cell, two coding exercises (the LSTM's
forget gate and one LSTM step, checked by rnnlib.check) and two conceptual
ones, every exercise with its Points line, solutions gated and tagged. Built
in code, so each test can plant one mistake or write a submission.
"""
import contextlib
import io

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

#: Text that only the fixture's solutions contain (the student edition must lose it).
SECRET_CODE = "kept_secret_memory"
SECRET_PROSE = "The secret answer: a gate multiplies a memory by a number between 0 and 1."

SETUP = "import numpy as np\nfrom rnnlib import check\nfrom rnnlib.activations import sigmoid, tanh\nprint('ready')"

FORGET_SIGNATURE = "def my_lstm_forget_gate(x_t, h_prev, c_prev, W_fx, W_fh, b_f):"
FORGET_BODY = ("    f_t = sigmoid(x_t @ W_fx.T + h_prev @ W_fh.T + b_f)\n"
               f"    {SECRET_CODE} = f_t * c_prev\n"
               f"    return f_t, {SECRET_CODE}")
STEP_SIGNATURE = "def my_lstm_step(x_t, h_prev, c_prev, W, b):"
STEP_BODY = """    H = h_prev.shape[1]
    a = np.concatenate([x_t, h_prev], axis=1) @ W.T + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 3 * H:])
    c_t = f * c_prev + i * tanh(a[:, 2 * H:3 * H])
    return o * tanh(c_t), c_t"""
#: A wrong LSTM step: the bias is left out.
STEP_BODY_NO_BIAS = STEP_BODY.replace(" @ W.T + b\n", " @ W.T\n")


def md(source, *tags):
    return new_markdown_cell(source, metadata={"tags": list(tags)} if tags else {})


def code(source, *tags):
    return new_code_cell(source, metadata={"tags": list(tags)} if tags else {})


def points_line(points, difficulty):
    return f"*Points: {points} \u00b7 Difficulty: {difficulty}*"


def coding_exercise(label, title, checker, signature, body, points=3, difficulty="medium"):
    """The cells of one coding exercise with its gated solution."""
    function = f"my_{checker}"
    return [
        md(f"```{{exercise}} {title}\n:label: {label}\n\n{points_line(points, difficulty)}\n\n"
           f"Write `{function}`; the checker runs it.\n```"),
        code(f"{signature}\n    raise NotImplementedError(\"your code here\")\n\n\ncheck.{checker}({function})",
             "exercise"),
        md(f"```{{solution-start}} {label}\n:class: dropdown\n```", "solution"),
        code(f"{signature}\n{body}\n\n\ncheck.{checker}({function})", "solution"),
        md("```{solution-end}\n```", "solution"),
    ]


def conceptual_exercise(label, title, answer, points=1, difficulty="easy"):
    return [
        md(f"```{{exercise}} {title}\n:label: {label}\n\n{points_line(points, difficulty)}\n\n"
           "Explain in two sentences.\n```"),
        md(f"```{{solution-start}} {label}\n:class: dropdown\n```", "solution"),
        md(answer, "solution"),
        md("```{solution-end}\n```", "solution"),
    ]


def run_cells(nb):
    """Execute the code cells in-process and store their stdout, as a kernel would."""
    namespace, count = {}, 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        count += 1
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(cell.source, namespace)  # noqa: S102 - the fixture's own cells
        cell.execution_count = count
        cell.outputs = [new_output("stream", name="stdout", text=out.getvalue())] if out.getvalue() else []
    return nb


def fixture_notebook(chapter=4, executed=True):
    """A small chapter that follows the contract: 4 exercises, 2 of them coding."""
    p = f"ex-ch{chapter:02d}-"
    cells = [
        md(f"# {chapter}. A fixture chapter\n\nSome text."),
        code(SETUP),
        md("## Exercises"),
        *coding_exercise(p + "forget-gate", "The forget gate", "lstm_forget_gate", FORGET_SIGNATURE,
                         FORGET_BODY, points=2, difficulty="easy"),
        *coding_exercise(p + "lstm-step", "One LSTM step", "lstm_step", STEP_SIGNATURE, STEP_BODY,
                         points=3, difficulty="medium"),
        *conceptual_exercise(p + "gate", "What a gate does", SECRET_PROSE),
        *conceptual_exercise(p + "memory", "Why memories fade", "Because each step multiplies the gradient "
                             "by the same factor, again and again.", points=2, difficulty="hard"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    return run_cells(nb) if executed else nb


def write_book(root, chapter_name="04_fixture.ipynb", nb=None):
    """A minimal book folder (``_toc.yml``, ``_config.yml``, ``book/intro.md``, one chapter)."""
    (root / "book").mkdir(parents=True, exist_ok=True)
    (root / "_toc.yml").write_text(f"format: jb-book\nroot: book/intro\nchapters:\n  - file: book/{chapter_name[:-6]}\n")
    (root / "_config.yml").write_text("title: Fixture book\nexecute:\n  execute_notebooks: cache\n")
    (root / "book" / "intro.md").write_text("# Fixture book\n\n## Three ways to use this book\n\nRun `make lab`.\n\n"
                                            "## Notation\n\nx.\n")
    nbformat.write(nb if nb is not None else fixture_notebook(), root / "book" / chapter_name)
    return root
