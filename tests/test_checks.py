"""The validation vocabulary of rnnlib._checks: one message style for every bad input."""

import pathlib
import re

import numpy as np
import pytest

from rnnlib._cell import Cell
from rnnlib._checks import (
    check_array_dict,
    check_callable,
    check_distinct,
    check_int,
    check_keys,
    check_known,
    check_option,
    check_path,
    check_real,
    check_same_shape,
    check_size,
    check_text,
    check_type,
    check_whole,
    fail,
)
from rnnlib.gru import GRU
from rnnlib.lstm import LSTM
from rnnlib.rnn import RNN

STYLE = re.compile(r"^[\w\[\]'., ]+: expected .+, got .+$")


def message(fn, *args, **kwargs):
    with pytest.raises((TypeError, ValueError)) as err:
        fn(*args, **kwargs)
    text = str(err.value)
    assert STYLE.match(text), text
    return type(err.value), text


def test_check_real_bounds_and_types():
    assert check_real("lr", 3) == 3.0 and isinstance(check_real("lr", np.float32(0.5)), float)
    assert check_real("beta", 0.0, low=0.0, high=1.0, high_open=True) == 0.0
    assert message(check_real, "beta", 1.0, low=0.0, high=1.0, high_open=True) == (
        ValueError, "beta: expected a finite real number in [0, 1), got 1.0")
    assert message(check_real, "lr", 0, low=0, low_open=True) == (
        ValueError, "lr: expected a finite real number > 0, got 0.0")
    assert message(check_real, "x", float("nan")) == (ValueError, "x: expected a finite real number, got nan")
    assert message(check_real, "x", float("inf"), high=5) == (
        ValueError, "x: expected a finite real number <= 5, got inf")
    assert message(check_real, "x", True)[0] is TypeError
    assert message(check_real, "x", "1") == (TypeError, "x: expected a finite real number, got str '1'")


def test_check_int_and_size():
    assert check_int("n", np.int64(4), low=2) == 4
    assert message(check_int, "n", 1, low=2) == (ValueError, "n: expected an int >= 2, got 1")
    assert message(check_int, "n", 9, low=2, high=8) == (ValueError, "n: expected an int in [2, 8], got 9")
    assert message(check_int, "n", 2.0) == (TypeError, "n: expected an int, got float 2.0")
    assert message(check_size, "B", 0) == (ValueError, "B: expected a positive int, got 0")
    assert message(check_size, "B", False)[0] is TypeError


def test_check_types_callables_dicts_shapes():
    assert check_type("s", "a", str, "a str") == "a"
    assert message(check_type, "s", 1, str, "a str") == (TypeError, "s: expected a str, got int")
    assert check_callable("f", None, allow_none=True) is None
    assert message(check_callable, "f", 3, allow_none=True) == (TypeError, "f: expected a callable or None, got int")
    assert message(check_array_dict, "params", {"W": [1.0]}) == (
        TypeError, "params['W']: expected a numpy array, got list")
    assert message(check_same_shape, "g", np.zeros((2, 3)), "params['W']", (3, 2)) == (
        ValueError, "g: expected shape (3, 2) (the shape of params['W']), got (2, 3)")


def test_check_whole_takes_ints_and_integral_floats():
    assert check_whole("T", 20.0, low=1) == 20 and isinstance(check_whole("T", np.int64(3)), int)
    assert message(check_whole, "T", 2.5, low=1) == (ValueError, "T: expected a whole number >= 1, got 2.5")
    assert message(check_whole, "T", 0, low=1, high=400) == (ValueError, "T: expected a whole number in [1, 400], got 0")
    assert message(check_whole, "T", float("inf")) == (ValueError, "T: expected a whole number, got inf")
    assert message(check_whole, "T", True)[0] is TypeError
    assert message(check_whole, "T", "3") == (TypeError, "T: expected a whole number, got str '3'")


def test_check_option_strings_and_other_values():
    assert check_option("cell", "gru", ("rnn", "gru")) == "gru"
    assert message(check_option, "cell", "tcn", ("rnn", "gru")) == (
        ValueError, "cell: expected one of 'rnn', 'gru', got 'tcn'")
    assert message(check_option, "cell", 1, ("1", "2"))[0] is ValueError  # 1 is not "1"
    assert check_option("T", np.int64(100), (50, 100)) == 100  # numeric options compare with ==
    assert message(check_option, "T", 70, [50, 100]) == (ValueError, "T: expected one of 50, 100, got 70")
    assert message(check_option, "k", np.zeros(2), (0.0, 1.0))[0] is ValueError  # an array is no option
    assert message(check_option, "k", [1], ("a",))[0] is ValueError  # nor is a list


def test_check_text_path_known_distinct():
    assert check_text("phrase", "a") == "a"
    assert message(check_text, "phrase", " ") == (ValueError, "phrase: expected a non-empty str, got ' '")
    assert message(check_text, "phrase", 3) == (TypeError, "phrase: expected a non-empty str, got int")
    assert check_path("path", pathlib.Path("a") / "b.npz", ".npz") == str(pathlib.Path("a") / "b.npz")
    assert message(check_path, "path", "w.txt", ".npz") == (
        ValueError, "path: expected a path ending in '.npz', got 'w.txt'")
    assert message(check_path, "path", 3) == (TypeError, "path: expected a str or os.PathLike, got int")
    check_known("settings", {"lr": 1}, ("lr", "window"))
    assert message(check_known, "settings", {"lr": 1, "lr_decay": 2}, ("lr", "window"),
                   what="keyword argument", exc=TypeError) == (
        TypeError, "settings: expected keyword arguments among ['lr', 'window'], "
                   "got unknown keyword argument 'lr_decay'")
    assert check_distinct("seeds", (1, 2)) == (1, 2)
    assert message(check_distinct, "seeds", (1, 1), "seeds") == (
        ValueError, "seeds: expected a non-empty sequence of distinct seeds, got (1, 1)")
    assert message(check_distinct, "options", [])[0] is ValueError


def test_check_keys_missing_and_unknown():
    check_keys("state", {"h": 0, "c": 0}, ("h", "c"), allowed=("h", "c"))
    assert message(check_keys, "state", {"h": 0}, ("h", "c")) == (
        ValueError, "state: expected keys ('h', 'c'), got no key 'c'")
    assert message(check_keys, "state", {"h": 0, "x": 0}, ("h",), allowed=("h", "c")) == (
        ValueError, "state: expected only keys ('h', 'c'), got unknown key 'x'")
    assert message(check_keys, "trace", {}, ("X",), what="entry") == (
        ValueError, "trace: expected entries ('X',), got no entry 'X'")
    assert message(check_keys, "state", [], ("h",)) == (TypeError, "state: expected a dict with keys ('h',), got list")


def test_fail_words_and_chains():
    cause = OSError("truncated")
    with pytest.raises(ValueError) as err:
        fail(ValueError, "path", "a valid params .npz file", "'x.npz', which is not one", cause=cause)
    assert str(err.value) == "path: expected a valid params .npz file, got 'x.npz', which is not one"
    assert err.value.__cause__ is cause
    with pytest.raises(TypeError) as err:
        fail(TypeError, "x", "a str", "int")
    assert err.value.__cause__ is None and not err.value.__suppress_context__


def test_trace_names_declared_on_the_base_class():
    assert "trace_names" in vars(Cell)
    for cell in (RNN(2, 3), LSTM(2, 3), GRU(2, 3), GRU(2, 3, variant="pytorch")):
        _, trace = cell.forward(cell.init(np.random.default_rng(0)), np.zeros((2, 1, 2)))
        assert set(cell.trace_names) <= set(trace), cell


@pytest.mark.parametrize("cell", [RNN(2, 3), LSTM(2, 3), GRU(2, 3), GRU(2, 3, variant="pytorch")], ids=repr)
def test_one_name_for_a_state_and_its_gradient(cell):
    """state, trace.final_state, dfinal_state and backward's initial-state gradient share the keys."""
    rng = np.random.default_rng(1)
    params = cell.init(rng)
    X = rng.standard_normal((6, 2, 2))
    dH = rng.standard_normal((6, 2, 3))
    full = cell.backward(params, cell.forward(params, X)[1], dH)
    _, first = cell.forward(params, X[:4])
    _, second = cell.forward(params, X[4:], first.final_state)
    assert set(first.final_state) == set(cell.state_names)
    g2 = cell.backward(params, second, dH[4:])
    g1 = cell.backward(params, first, dH[:4], dfinal_state={k: g2[k] for k in cell.state_names})
    for k in cell.state_names:
        np.testing.assert_allclose(g1[k], full[k], rtol=1e-12, atol=1e-14)
    assert not {"h0", "c0"} & set(full)


@pytest.mark.parametrize("cell", [RNN(2, 3), LSTM(2, 3), GRU(2, 3), GRU(2, 3, variant="pytorch")], ids=repr)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_forward_refuses_nonfinite_weights_naming_the_array_and_index(cell, bad):
    params = cell.init(np.random.default_rng(0))
    X = np.zeros((2, 1, 2))
    for key in params:
        broken = {k: v.copy() for k, v in params.items()}
        index = (1, 3) if broken[key].ndim == 2 else (2,)
        broken[key][index] = bad
        broken[key][-1] = bad  # a later bad entry: the message names the first
        pattern = rf"params\['{key}'\]: expected finite values, got \d+ NaN/inf entries \(first at index \({index[0]}, ?{index[1] if len(index) > 1 else ''}\)"
        for call in (lambda: cell.forward(broken, X), lambda: cell.step(broken, X[0], None),
                     lambda: cell.run(broken, X)):
            with pytest.raises(ValueError, match=pattern):
                call()
    cell.forward(params, X)  # the originals are untouched and finite


def test_finite_check_is_not_fooled_by_an_overflowing_sum():
    cell = RNN(1, 1)
    huge = {"W": np.array([[1e308, 1e308]]), "b": np.array([1e308])}  # finite, but the sum overflows
    cell.forward(huge, np.zeros((1, 1, 1)))


def test_head_refuses_nonfinite_weights():
    from rnnlib.heads import Head

    head = Head(3, 2, "linear")
    params = head.init(np.random.default_rng(0))
    params["b_y"][1] = np.nan
    with pytest.raises(ValueError, match=r"params\['b_y'\]: expected finite values, got 1 NaN/inf entries \(first at index \(1,\)"):
        head.forward(params, np.zeros((4, 3)))
