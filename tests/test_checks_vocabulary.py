"""Every module checks its arguments with rnnlib._checks: no hand-written ``raise ValueError/TypeError``.

The vocabulary of ``rnnlib/_checks.py`` (``check_real``, ``check_option``,
``fail``, ...) words every message the one way, ``name: expected ..., got ...``.
This test reads rnnlib's source with ``ast`` and fails on a ``raise
ValueError(...)`` or ``raise TypeError(...)`` written anywhere else, unless
its file is listed below with the reason. A raise that is not an argument
check (a corrupt file, an internal state error) can call ``_checks.fail``
too (``cause=`` chains the original error); list its file here only if it
cannot. A table of bad calls, one or more per converted module, checks that
the messages do come out in that shape.
"""

import ast
import pathlib
import re

import numpy as np
import pytest

import rnnlib

PACKAGE = pathlib.Path(rnnlib.__file__).parent
CHECKS = PACKAGE / "_checks.py"

#: Files allowed to keep hand-written raises, each with the reason (paths relative to rnnlib/).
ALLOWED = {}

EXCEPTIONS = ("ValueError", "TypeError")


def hand_written_raises(path):
    """``[(line, exception name)]`` of every ``raise ValueError/TypeError`` in the file at ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id in EXCEPTIONS:
                found.append((node.lineno, exc.id))
    return sorted(found)


def sources():
    return sorted(p for p in PACKAGE.rglob("*.py") if p != CHECKS)


def test_the_scanner_finds_raises_in_every_form(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f(x):\n"
        "    if x:\n"
        "        raise ValueError(f'x must be positive, got {x}')\n"
        "    raise TypeError\n"
        "def g():\n"
        "    try:\n"
        "        pass\n"
        "    except OSError as err:\n"
        "        raise ValueError('bad file') from err\n"
        "    raise KeyError('not counted')\n"
        "# raise ValueError('in a comment: not counted')\n"
        "TEXT = 'raise TypeError(...) in a string: not counted'\n"
    )
    assert hand_written_raises(probe) == [(3, "ValueError"), (4, "TypeError"), (9, "ValueError")]


def test_no_hand_written_argument_checks_outside_the_vocabulary():
    offenders = []
    for path in sources():
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in ALLOWED:
            continue
        offenders += [f"rnnlib/{rel}:{line}: raise {name}" for line, name in hand_written_raises(path)]
    assert not offenders, (
        "hand-written raises outside rnnlib/_checks.py; use its vocabulary (check_real, check_int, "
        "check_option, check_type, ..., or fail(exc, name, expected, got)) so the message reads "
        "'name: expected ..., got ...':\n" + "\n".join(offenders)
    )


@pytest.mark.parametrize("rel", sorted(ALLOWED))
def test_allowed_files_exist_and_still_need_their_entry(rel):
    path = PACKAGE / rel
    assert path.is_file(), f"rnnlib/{rel} is in ALLOWED but does not exist: remove its entry"
    assert ALLOWED[rel].strip(), f"rnnlib/{rel}: say why it may keep hand-written raises"
    assert hand_written_raises(path), f"rnnlib/{rel} has no hand-written raise left: remove its ALLOWED entry"


def test_the_vocabulary_itself_raises_only_through_fail():
    """Inside _checks.py too, every message is built by ``fail``: one place holds the wording."""
    assert hand_written_raises(CHECKS) == []


def _bad_calls():
    """One bad call (at least) per module converted to the vocabulary: ``(id, call)``."""
    from rnnlib import experiments, gradient_flow, io, pretrained
    from rnnlib.check.engine import Spec
    from rnnlib.figures import ch03, common
    from rnnlib.heads import Head
    from rnnlib.model import SequenceModel
    from rnnlib.rnn import RNN
    from rnnlib.torch_interop import to_torch_state_dict
    from rnnlib.widgets import Choice, InteractiveFigure, Slider, Try

    rnn = RNN(2, 3)
    params = rnn.init(np.random.default_rng(0))
    _, trace = rnn.forward(params, np.zeros((4, 1, 2)))
    head = Head(3, 2, "linear")
    model = SequenceModel(RNN(2, 3), "linear", 2)
    sigmoid_rnn = RNN(2, 3, activation="sigmoid")
    return [
        ("widgets.Slider step", lambda: Slider(0, 1, 0, default=0)),
        ("widgets.Slider grid", lambda: Slider(0.0, 1.0, 0.3, default=0.0)),
        ("widgets.Choice empty", lambda: Choice([])),
        ("widgets.Choice default", lambda: Choice(["a"], default="b")),
        ("widgets.Try phrase", lambda: Try({"a": 1}, "")),
        ("widgets.InteractiveFigure func", lambda: InteractiveFigure(None, {"a": Slider(0, 1, 1, default=0)})),
        ("widgets.InteractiveFigure html_values",
         lambda: InteractiveFigure(lambda fig, *, a: None, {"a": Slider(0, 1, 1, default=0)}, html_values=1)),
        ("io.save_params path", lambda: io.save_params("weights.txt", {})),
        ("io.save_params params", lambda: io.save_params("w.npz", [])),
        ("experiments.split_text", lambda: experiments.split_text("abc", held_out=1.5)),
        ("experiments.adding_sweep seeds", lambda: experiments.adding_sweep(seeds=(1, 1))),
        ("experiments.adding_sweep settings", lambda: experiments.adding_sweep(seeds=(1,), lr_decay=0.5)),
        ("figures.common.sub", lambda: common.sub("q")),
        ("figures.common.explorer_inputs", lambda: common.explorer_inputs("no such sequence")),
        ("figures.ch03.saddle_node", lambda: ch03.saddle_node(b=0.0)),
        ("figures.ch03.cliff_edge", lambda: ch03.cliff_edge(10.5)),
        ("gradient_flow.gradient_factors", lambda: gradient_flow.gradient_factors(1.0, 0)),
        ("gradient_flow.flow_cell", lambda: gradient_flow.flow_cell("tcn")),
        ("check.engine.Spec", lambda: Spec("not a signature", "ch01")),
        ("heads.Head.backward", lambda: head.backward(head.init(np.random.default_rng(0)), {"h": 0, "y": 0})),
        ("model.loss", lambda: model.loss_and_grads(model.init(np.random.default_rng(0)), np.zeros((4, 1, 2)),
                                                    np.zeros((1, 2)), loss="bce")),
        ("torch_interop.activation", lambda: to_torch_state_dict(sigmoid_rnn, params)),
        ("pretrained.cell", lambda: pretrained.weights_path("tcn")),
        ("_cell.Trace.step", lambda: trace.step(4)),
        ("_checks.check_keys", lambda: rnn.forward({"W": params["W"]}, np.zeros((4, 1, 2)))),
    ]


ONE_STYLE = re.compile(r"^[^\n:]+: expected .+, got .+", re.S)


@pytest.mark.parametrize("label, call", _bad_calls(), ids=[label for label, _ in _bad_calls()])
def test_converted_modules_speak_the_one_style(label, call):
    with pytest.raises((TypeError, ValueError)) as err:
        call()
    assert ONE_STYLE.match(str(err.value)), f"{label}: {err.value}"
