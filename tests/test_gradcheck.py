"""The gradient checker itself: right on known functions, never mutating, catching real bugs."""

import numpy as np

from rnnlib.gradcheck import cell_gradient_errors, numerical_gradient, rel_error
from rnnlib.rnn import RNN


def test_numerical_gradient_of_known_functions():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    A = rng.standard_normal((4, 4))
    num = numerical_gradient(lambda v: float(np.sum(np.sin(v) * (v @ A))), x)
    exact = np.cos(x) * (x @ A) + np.sin(x) @ A.T
    assert num.shape == x.shape and num.dtype == x.dtype
    assert rel_error(num, exact) < 1e-9
    assert rel_error(numerical_gradient(lambda v: float(v**3), np.array(2.0)), 12.0) < 1e-9


def test_numerical_gradient_never_modifies_x_and_passes_same_shaped_copies():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    seen = []
    numerical_gradient(lambda v: seen.append((v is x, v.shape)) or float(v.sum()), x)
    np.testing.assert_array_equal(x, before)
    assert seen and all(not same and shape == (2, 3) for same, shape in seen)


def test_rel_error_properties():
    a = np.array([1.0, -2.0, 1e-9])
    assert rel_error(a, a) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(a, 1.5 * a) == rel_error(1.5 * a, a)  # symmetric
    assert rel_error(1024 * a, 1024 * (a + 1e-3)) == rel_error(a, a + 1e-3)  # scale-free
    # noise in a tiny entry does not dominate, a wrong large entry does
    assert rel_error(a, a + np.array([0, 0, 1e-9])) < 1e-9
    assert rel_error(a, a * np.array([1, -1, 1])) > 0.5
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0


class ForgetfulRNN(RNN):
    """dX ignores what flows back through h_t from later steps: right only at the last step (a classic bug)."""

    def _backward(self, p, trace, dH, dfinal):
        grads = super()._backward(p, trace, dH, dfinal)
        grads["X"] = ((1 - trace["h"] ** 2) * dH) @ p["W"][:, : self.input_size]  # tanh' of each step alone
        return grads


def test_cell_gradient_errors_catches_a_wrong_input_gradient():
    rng = np.random.default_rng(0)
    good, bad = RNN(2, 3), ForgetfulRNN(2, 3)
    params = good.init(rng)
    X, dH = rng.standard_normal((4, 2, 2)), rng.standard_normal((4, 2, 3))
    assert max(cell_gradient_errors(good, params, X, None, dH).values()) < 1e-7
    errors = cell_gradient_errors(bad, params, X, None, dH)
    assert errors["X"] > 1e-3 and errors["W"] < 1e-7
