"""Bad input raises ValueError/TypeError naming the argument, what was expected and what came."""

import re
from functools import partial

import numpy as np
import pytest

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.gru import GRU
from rnnlib.lstm import LSTM
from rnnlib.rnn import RNN
from rnnlib.torch_interop import from_torch_state_dict, to_torch_state_dict

CELLS = {"rnn": RNN, "lstm": LSTM, "gru-book": GRU, "gru-pytorch": partial(GRU, variant="pytorch")}
T, B, D, H = 10, 3, 8, 16


@pytest.fixture(params=list(CELLS))
def case(request):
    cell = CELLS[request.param](D, H)
    rng = np.random.default_rng(0)
    params = cell.init(rng)
    X = rng.standard_normal((T, B, D))
    return cell, params, X, cell.zero_state(B)


def raises(exc, message):
    return pytest.raises(exc, match=re.escape(message))


# ----------------------------------------------------------- configuration
@pytest.mark.parametrize(
    "make, exc, message",
    [
        (
            lambda: RNN(D, H, activation="softplus"),
            ValueError,
            "activation: expected one of 'tanh', 'sigmoid', 'relu', 'identity', got 'softplus'",
        ),
        (lambda: GRU(D, H, variant="cho"), ValueError, "variant: expected one of 'book', 'pytorch', got 'cho'"),
        (lambda: LSTM(0, H), ValueError, "input_size: expected a positive int, got 0"),
        (lambda: LSTM(D, 2.5), TypeError, "hidden_size: expected a positive int, got float 2.5"),
        (lambda: GRU(D, True), TypeError, "hidden_size: expected a positive int, got bool True"),
    ],
)
def test_bad_configuration(make, exc, message):
    with raises(exc, message):
        make()


def test_bad_init_arguments(case):
    cell = case[0]
    with raises(ValueError, "scheme: expected one of 'pytorch', 'xavier', 'orthogonal', got 'he'"):
        cell.init(np.random.default_rng(0), scheme="he")
    with raises(TypeError, "rng: expected a numpy.random.Generator (e.g. np.random.default_rng(0)), got int"):
        cell.init(0)
    with raises(TypeError, "rng: expected a numpy.random.Generator"):
        cell.init(np.random.RandomState(0))
    with raises(TypeError, "dtype: expected float32 or float64, got <class 'numpy.int64'>"):
        cell.init(np.random.default_rng(0), dtype=np.int64)
    with raises(TypeError, "batch_size: expected a positive int, got float 2.0"):
        cell.zero_state(2.0)


# ------------------------------------------------------------------- X
def test_wrong_input_shape_names_argument_expected_and_received(case):
    cell, params, X, state = case
    with raises(ValueError, "X: expected shape (T, B, D) with D=8, got (10, 3, 5)"):
        cell.forward(params, X[:, :, :5])
    with raises(ValueError, "X: expected shape (T, B, D) with D=8, got (10, 8)"):
        cell.forward(params, X[:, 0])
    with raises(ValueError, "X: expected shape (T, B, D) with D=8, got (0, 3, 8)"):
        cell.forward(params, X[:0])
    with raises(ValueError, "x_t: expected shape (B, D) with D=8, got (1, 3, 8)"):
        cell.step(params, X[:1], state)
    with raises(ValueError, "X: expected shape (T, B, D) with D=8, got (10, 3, 7)"):
        cell.run(params, X[..., 1:])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_and_states(case, bad):
    cell, params, X, state = case
    X = X.copy()
    X[4, 1, 2] = bad
    with raises(ValueError, f"X: expected finite values, got 1 NaN/inf entries (first at index (4, 1, 2): {bad})"):
        cell.forward(params, X)
    state = {k: v.copy() for k, v in state.items()}
    state["h"][0, 0] = bad
    with raises(ValueError, "state['h']: expected finite values, got 1 NaN/inf entries"):
        cell.forward(params, X[:2] * 0, state)


@pytest.mark.parametrize(
    "value, kind",
    [(np.ones((T, B, D), dtype=np.int64), "int64"), (np.ones((T, B, D), dtype=complex), "complex128"),
     (np.ones((T, B, D), dtype=object), "object"), (np.ones((T, B, D), dtype=bool), "bool")],
)
def test_non_float_input_is_a_type_error(case, value, kind):
    cell, params = case[:2]
    with raises(TypeError, f"X: expected a floating-point array (float32 or float64), got dtype {kind}"):
        cell.forward(params, value)


# ----------------------------------------------------------------- state
def test_mismatched_state(case):
    cell, params, X, state = case
    with raises(ValueError, "state['h']: expected shape (B, H) with B=3, H=16, got (4, 16)"):
        cell.forward(params, X, {**state, "h": np.zeros((4, H))})
    with raises(ValueError, "state['h']: expected shape (B, H) with B=3, H=16, got (3, 15)"):
        cell.step(params, X[0], {**state, "h": np.zeros((B, H - 1))})
    with raises(ValueError, f"state: expected only keys {cell.state_names}, got unknown key 'x'"):
        cell.forward(params, X, {**state, "x": np.zeros((B, H))})
    with raises(TypeError, "state: expected a dict with keys"):
        cell.forward(params, X, np.zeros((B, H)))


def test_lstm_state_needs_both_h_and_c():
    cell = LSTM(D, H)
    params, X = cell.init(np.random.default_rng(0)), np.zeros((T, B, D))
    with raises(ValueError, "state: expected keys ('h', 'c'), got no key 'c'"):
        cell.forward(params, X, {"h": np.zeros((B, H))})


# ---------------------------------------------------------------- params
def test_params_missing_key_wrong_shape_or_dtype(case):
    cell, params, X, _ = case
    with raises(ValueError, f"params: expected keys {tuple(cell.param_shapes())}, got no key 'b'"):
        cell.forward({"W": params["W"]}, X)
    G = cell.num_blocks
    expected = f"params['W']: expected shape (G*H, D+H) = ({G * H}, {D + H}) for {cell!r}, got ({G * H}, {D + H - 1})"
    with raises(ValueError, expected):
        cell.forward({**params, "W": params["W"][:, 1:]}, X)
    with raises(ValueError, f"params['b']: expected shape (G*H,) = ({G * H},)"):
        cell.views({**params, "b": params["b"][1:]})
    with raises(TypeError, "params['W']: expected dtype float32 or float64, got int64"):
        cell.forward({**params, "W": params["W"].astype(np.int64)}, X)
    with raises(TypeError, "params['b']: expected dtype float64 (the dtype of params['W']), got float32"):
        cell.forward({**params, "b": params["b"].astype(np.float32)}, X)
    with raises(TypeError, "params['W']: expected a numpy array, got list"):
        cell.forward({**params, "W": params["W"].tolist()}, X)
    with raises(TypeError, "params: expected a dict with keys"):
        cell.forward([params["W"], params["b"]], X)


def test_pytorch_gru_needs_b_hn():
    cell = GRU(D, H, variant="pytorch")
    params = cell.init(np.random.default_rng(0))
    del params["b_hn"]
    with raises(ValueError, "params: expected keys ('W', 'b', 'b_hn'), got no key 'b_hn'"):
        cell.forward(params, np.zeros((T, B, D)))
    with raises(ValueError, "params['b_hn']: expected shape (H,) = (16,)"):
        cell.forward({**params, "b_hn": np.zeros(15)}, np.zeros((T, B, D)))


def test_extra_params_keys_such_as_a_head_are_ignored(case):
    cell, params, X, _ = case
    cell.forward({**params, "W_y": np.zeros((1, H)), "b_y": np.zeros(1)}, X)


# --------------------------------------------------------------- backward
def test_bad_backward_arguments(case):
    cell, params, X, state = case
    _, trace = cell.forward(params, X, state)
    with raises(ValueError, "dH_seq: expected shape (T, B, H) with T=10, B=3, H=16, got (10, 3, 15)"):
        cell.backward(params, trace, np.zeros((T, B, H - 1)))
    with raises(ValueError, "dH_seq: expected finite values"):
        cell.backward(params, trace, np.full((T, B, H), np.nan))
    with raises(TypeError, "dH_seq: expected a floating-point array"):
        cell.backward(params, trace, np.zeros((T, B, H), dtype=int))
    with raises(ValueError, "dfinal_state['h']: expected shape (B, H) with B=3, H=16, got (2, 16)"):
        cell.backward(params, trace, None, {"h": np.zeros((2, H))})
    with raises(ValueError, f"dfinal_state: expected only keys {cell.state_names}, got unknown key 'y'"):
        cell.backward(params, trace, None, {"y": np.zeros((B, H))})
    with raises(TypeError, f"trace: expected the Trace returned by {type(cell).__name__}.forward, got dict"):
        cell.backward(params, dict(trace), None)
    other = type(cell)(D, H + 1, **cell._options())
    with raises(ValueError, "trace['h']: expected shape (T, B, H) with T=10, B=3, H=17, got (10, 3, 16)"):
        other.backward(other.init(np.random.default_rng(0)), trace)
    with raises(TypeError, "trace: expected dtype float32 (the dtype of params), got float64"):
        cell.backward({k: v.astype(np.float32) for k, v in params.items()}, trace)


def test_lstm_trace_must_hold_the_cell_state():
    cell = LSTM(D, H)
    params = cell.init(np.random.default_rng(0))
    _, trace = cell.forward(params, np.zeros((T, B, D)))
    del trace["c"]
    with raises(ValueError, "trace: expected entries ('X', 'state0', 'i', 'f', 'g', 'o', 'c', 'tanh_c', 'h'), got no entry 'c'"):
        cell.backward(params, trace)


# -------------------------------------------------- gradcheck and conversion
def test_gradcheck_bad_arguments():
    with raises(TypeError, "x: expected a floating-point array, got dtype int64"):
        numerical_gradient(lambda v: 0.0, np.arange(3))
    with raises(ValueError, "b: expected shape (3,) (the shape of a), got (4,)"):
        rel_error(np.zeros(3), np.zeros(4))


def test_torch_conversion_refuses_what_torch_cannot_represent():
    book = GRU(D, H)
    with raises(ValueError, "cell: expected GRU(variant='pytorch') to convert to or from torch.nn.GRU, got variant='book'."):
        to_torch_state_dict(book, book.init(np.random.default_rng(0)))
    with raises(ValueError, "different functions"):
        from_torch_state_dict(book, {})
    sig = RNN(D, H, activation="sigmoid")
    with raises(ValueError, "cell: expected an RNN with activation 'tanh' or 'relu' (torch.nn.RNN's nonlinearities), got RNN(activation='sigmoid')"):
        to_torch_state_dict(sig, sig.init(np.random.default_rng(0)))
    with raises(TypeError, "cell: expected an rnnlib RNN, LSTM or GRU, got str"):
        to_torch_state_dict("lstm", {})


def test_torch_state_dict_missing_key_or_wrong_shape():
    cell = LSTM(D, H)
    sd = to_torch_state_dict(cell, cell.init(np.random.default_rng(0)))
    with raises(ValueError, "got no key 'bias_hh_l0'"):
        from_torch_state_dict(cell, {k: v for k, v in sd.items() if k != "bias_hh_l0"})
    with raises(ValueError, "state_dict['weight_hh_l0']: expected shape (G*H, H) with G*H=64, H=16, got (64, 15)"):
        from_torch_state_dict(cell, {**sd, "weight_hh_l0": sd["weight_hh_l0"][:, 1:]})
    with raises(TypeError, "state_dict['bias_ih_l0']: expected a floating-point array"):
        from_torch_state_dict(cell, {**sd, "bias_ih_l0": np.zeros(64, dtype=int)})
