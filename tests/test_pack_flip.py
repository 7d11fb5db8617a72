"""cell.pack / cell.unpack (parameters by the book's block names) and the GRU update-gate flip."""

import numpy as np
import pytest

from rnnlib.activations import sigmoid
from rnnlib.gru import GRU
from rnnlib.lstm import LSTM
from rnnlib.rnn import RNN

D, H = 3, 4
CELLS = [RNN(D, H), LSTM(D, H), GRU(D, H), GRU(D, H, variant="pytorch")]


def _blocks(cell, rng, dtype=np.float64):
    shapes = {"x": (H, D), "h": (H, H)}
    return {n: rng.standard_normal(shapes[n[-1]] if n.startswith("W") else (H,)).astype(dtype)
            for n in cell.block_names()}


@pytest.mark.parametrize("cell", CELLS, ids=repr)
def test_pack_places_every_block_and_unpack_inverts_it(cell):
    rng = np.random.default_rng(0)
    blocks = _blocks(cell, rng)
    params = cell.pack(blocks)
    assert {k: v.shape for k, v in params.items()} == cell.param_shapes()
    views = cell.views(params)
    for name, arr in blocks.items():
        np.testing.assert_array_equal(views[name], arr)
    back = cell.unpack(params)
    assert list(back) == list(cell.block_names())
    for name in blocks:
        np.testing.assert_array_equal(back[name], blocks[name])
        assert not np.shares_memory(back[name], params["W"])
    init = cell.init(rng)
    repacked = cell.pack(cell.unpack(init))
    for k in init:
        np.testing.assert_array_equal(repacked[k], init[k])
    # the packed parameters run: block by block, the first step is the book's formula
    x = rng.standard_normal((1, 2, D))
    h_1 = cell.forward(params, x)[0][0]
    g = cell.blocks
    pre = {n: x[0] @ blocks[f"W{'_' + n if n else ''}^x"].T + blocks[f"b{'_' + n if n else ''}"] for n in g}
    if isinstance(cell, RNN):
        expected = np.tanh(pre[""])
    elif isinstance(cell, LSTM):
        expected = sigmoid(pre["o"]) * np.tanh(sigmoid(pre["i"]) * np.tanh(pre["g"]))
    elif cell.variant == "book":
        expected = sigmoid(pre["z"]) * np.tanh(pre["n"])
    else:
        z = sigmoid(pre["z"])
        expected = (1 - z) * np.tanh(pre["n"] + sigmoid(pre["r"]) * blocks["b_hn"])
    np.testing.assert_allclose(h_1, expected, rtol=1e-12, atol=1e-14)


def test_pack_takes_the_book_aliases_and_keeps_the_first_dtype():
    rng = np.random.default_rng(1)
    blocks = _blocks(LSTM(D, H), rng, np.float32)
    blocks["W_c^x"] = blocks.pop("W_g^x")  # the book's C~ for the candidate
    params = LSTM(D, H).pack(blocks)
    assert params["W"].dtype == np.float32
    np.testing.assert_array_equal(LSTM(D, H).views(params)["W_g^x"], blocks["W_c^x"])
    gru = _blocks(GRU(D, H), rng)
    gru["W_h^r"] = gru.pop("W_n^h")
    np.testing.assert_array_equal(GRU(D, H).unpack(GRU(D, H).pack(gru))["W_n^h"], gru["W_h^r"])


def test_pack_refuses_missing_misshaped_extra_repeated_and_nonfinite_blocks():
    cell = LSTM(D, H)
    good = _blocks(cell, np.random.default_rng(2))
    missing = {k: v for k, v in good.items() if k != "W_f^h"}
    with pytest.raises(ValueError, match=r"blocks: expected every block of LSTM\(input_size=3, hidden_size=4\), "
                                         r"\(.*\), got no 'W_f\^h'"):
        cell.pack(missing)
    with pytest.raises(ValueError, match=r"blocks\['W_o\^h'\]: expected shape \(H, H\) with H=4, got \(4, 3\)"):
        cell.pack({**good, "W_o^h": np.zeros((H, D))})
    with pytest.raises(ValueError, match=r"blocks: expected only the blocks of .*, got unknown block 'W_q\^x'"):
        cell.pack({**good, "W_q^x": np.zeros((H, D))})
    with pytest.raises(ValueError, match=r"blocks: expected each block once, got 'W_g\^x' and 'W_c\^x'"):
        cell.pack({**good, "W_c^x": good["W_g^x"]})
    with pytest.raises(ValueError, match=r"blocks\['b_i'\]: expected finite values, got 1 NaN/inf"):
        cell.pack({**good, "b_i": np.array([0.0, np.nan, 0.0, 0.0])})
    with pytest.raises(TypeError, match=r"blocks\['b_f'\]: expected a floating-point array"):
        cell.pack({**good, "b_f": np.arange(H)})
    with pytest.raises(TypeError, match="blocks: expected a dict of book-named arrays, got list"):
        cell.pack([1, 2])
    with pytest.raises(ValueError, match=r"no 'b_hn'"):
        GRU(D, H, variant="pytorch").pack(_blocks(GRU(D, H), np.random.default_rng(0)))


def _opposite_z_gru(W, b, X, h, H_, variant, b_hn=None):
    """A GRU written from the other convention: z' keeps the OLD state.

    book-style reset (Cho et al., 2014): n = tanh(W_n^x x + W_n^h (r * h) + b_n), h = z' h + (1 - z') n
    pytorch-style reset:                 n = tanh(W_n^x x + b_n + r * (W_n^h h + b_hn)), h = (1 - z') h + z' n
    """
    D_ = X.shape[2]
    Wx, Wh = W[:, :D_], W[:, D_:]
    out = []
    for x in X:
        r = 1 / (1 + np.exp(-(x @ Wx[:H_].T + h @ Wh[:H_].T + b[:H_])))
        z_keep = 1 / (1 + np.exp(-(x @ Wx[H_:2 * H_].T + h @ Wh[H_:2 * H_].T + b[H_:2 * H_])))
        if variant == "book":
            n = np.tanh(x @ Wx[2 * H_:].T + (r * h) @ Wh[2 * H_:].T + b[2 * H_:])
            h = z_keep * h + (1 - z_keep) * n
        else:
            n = np.tanh(x @ Wx[2 * H_:].T + b[2 * H_:] + r * (h @ Wh[2 * H_:].T + b_hn))
            h = (1 - z_keep) * h + z_keep * n
        out.append(h)
    return np.stack(out)


@pytest.mark.parametrize("variant", ["book", "pytorch"])
def test_flip_update_gate_matches_an_opposite_z_reference(variant):
    rng = np.random.default_rng(3)
    cell = GRU(D, H, variant=variant)
    theirs = cell.init(rng)  # weights of a GRU in the opposite-z convention
    X = rng.standard_normal((7, 2, D))
    h0 = rng.standard_normal((2, H))
    reference = _opposite_z_gru(theirs["W"], theirs["b"], X, h0, H, variant, theirs.get("b_hn"))
    ours = cell.flip_update_gate(theirs)
    np.testing.assert_allclose(cell.forward(ours, X, {"h": h0})[0], reference, rtol=1e-12, atol=1e-14)
    assert not np.allclose(cell.forward(theirs, X, {"h": h0})[0], reference)  # unflipped: a different function
    again = cell.flip_update_gate(ours)
    for k in theirs:
        np.testing.assert_array_equal(again[k], theirs[k])
    H_ = H
    np.testing.assert_array_equal(ours["W"][:H_], theirs["W"][:H_])
    np.testing.assert_array_equal(ours["W"][2 * H_:], theirs["W"][2 * H_:])
    np.testing.assert_array_equal(ours["b"][H_:2 * H_], -theirs["b"][H_:2 * H_])
    assert ours["W"] is not theirs["W"] and np.array_equal(theirs["W"], cell.flip_update_gate(ours)["W"])
