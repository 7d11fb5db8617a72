"""Chapter 3's cliff helpers agree with central differences and with the recurrence
(the figures plot what these functions return). The per-lag gradient helpers are
tested in tests/test_gradient_flow.py."""
import numpy as np
import pytest

from rnnlib.figures import ch03
from rnnlib.gradcheck import numerical_gradient, rel_error


@pytest.mark.parametrize("w", [1.85, 1.95, 2.05])
def test_cliff_gradient_is_the_derivative_of_the_cliff_loss(w):
    _, dw = ch03.cliff_loss(w)
    numeric = numerical_gradient(lambda a: ch03.cliff_loss(float(a[0]))[0], np.array([w]), eps=1e-7)[0]
    assert rel_error(np.array([dw]), np.array([numeric])) < 1e-6


@pytest.mark.parametrize("b", [0.1, 0.5, 1.0])
def test_saddle_node_is_a_double_fixed_point(b):
    w_c, h_c = ch03.saddle_node(b)
    assert abs(np.tanh(w_c * h_c + b) - h_c) < 1e-10    # a fixed point
    assert abs(w_c * (1 - h_c**2) - 1) < 1e-10           # with slope 1
    grid = np.linspace(-1, 1, 400_001)
    crossings = {w: np.count_nonzero(np.diff(np.sign(np.tanh(w * grid + b) - grid))) for w in (w_c - 1e-3, w_c + 1e-3)}
    assert crossings == {w_c - 1e-3: 1, w_c + 1e-3: 3}


def test_cliff_run_matches_the_recurrence_and_escape_step_reads_it():
    h = ch03.cliff_run(1.95, 100)
    by_hand = [-1.0]
    for _ in range(100):
        by_hand.append(np.tanh(1.95 * by_hand[-1] + ch03.CLIFF["b"]))
    np.testing.assert_allclose(h, by_hand, rtol=0, atol=1e-14)
    t = ch03.escape_step(1.95)
    assert h[t] > 0 and np.all(h[:t] < 0)
    assert ch03.escape_step(1.96) is None


def test_cliff_edge_is_where_h_T_changes_sign_and_approaches_w_c():
    w_c, _ = ch03.saddle_node()
    edges = [ch03.cliff_edge(T) for T in (50, 100, 400)]
    assert edges[0] < edges[1] < edges[2] < w_c
    for T, edge in zip((50, 100, 400), edges):
        assert ch03.cliff_run(edge - 1e-9, T)[-1] > 0 > ch03.cliff_run(edge + 1e-9, T)[-1]


@pytest.mark.parametrize("bad", [{"b": 0.0}, {"b": -1.0}])
def test_saddle_node_refuses_a_bias_without_a_negative_bifurcation(bad):
    with pytest.raises(ValueError, match="b: expected a finite real number > 0"):
        ch03.saddle_node(**bad)


@pytest.mark.parametrize("T", [0, 10.5, 39])
def test_cliff_run_and_edge_refuse_bad_horizons(T):
    with pytest.raises(ValueError, match="T: expected a whole number >= "):
        ch03.cliff_edge(T)
    if T == 0 or T == 10.5:
        with pytest.raises(ValueError, match="T: expected a whole number >= "):
            ch03.cliff_run(1.95, T)
