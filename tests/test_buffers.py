"""The cells' buffer pool: memory is reused only when no array can still see it."""

import gc

import numpy as np
import pytest

from rnnlib import GRU, LSTM, RNN
from rnnlib import _buffers
from rnnlib._buffers import BufferPool


def address(arr):
    return arr.__array_interface__["data"][0]


def test_a_dropped_array_gives_its_memory_to_the_next_request():
    pool = BufferPool(min_bytes=1)
    a = pool.empty((4, 5))
    first = address(a)
    del a
    b = pool.empty((5, 4))
    assert address(b) == first and b.shape == (5, 4) and b.dtype == np.float64
    assert b.flags.c_contiguous and b.flags.writeable


@pytest.mark.parametrize("keep", [
    lambda a: a[1:],
    lambda a: a.T,
    lambda a: a.reshape(-1),
    lambda a: a[::2, 1:][:, 0],
    lambda a: np.asarray(a).view(np.int64),
    lambda a: memoryview(a),
    lambda a: {"nested": [a[0]]},
])
def test_memory_seen_by_any_live_view_is_never_handed_out(keep):
    pool = BufferPool(min_bytes=1)
    a = pool.empty((4, 6))
    a[...] = 7.0
    kept = keep(a)
    taken = address(a)
    del a
    gc.collect()
    others = [pool.empty((4, 6)) for _ in range(3)]
    for other in others:
        assert address(other) != taken
        other[...] = -1.0
    del others
    del kept
    assert address(pool.empty((4, 6))) == taken  # free again once the last view is gone


def test_small_requests_and_requests_over_budget_get_plain_arrays():
    pool = BufferPool(min_bytes=1000, max_bytes=10_000)
    small = pool.empty((10,))  # 80 bytes
    assert pool.held_bytes() == 0 and small.flags.owndata
    kept = pool.empty((1000,))  # 8000 bytes, pooled
    assert pool.held_bytes() == 8000
    over = pool.empty((500,))  # 4000 more would pass the budget while the first is in use
    assert over.flags.owndata and pool.held_bytes() == 8000
    del kept
    reused = pool.empty((600,))  # 4800 bytes fit in the free 8000-byte block (at most twice the request)
    assert pool.held_bytes() == 8000 and not reused.flags.owndata
    del reused
    fresh = pool.empty((300,))  # 2400 bytes: the 8000-byte block is too large, the oldest free block goes
    assert pool.held_bytes() == 2400 and not fresh.flags.owndata


def test_clear_releases_free_blocks_only():
    pool = BufferPool(min_bytes=1)
    kept, dropped = pool.empty((100,)), pool.empty((50,))
    del dropped
    pool.clear()
    assert pool.held_bytes() == kept.nbytes


def test_float32_and_odd_sizes():
    pool = BufferPool(min_bytes=1)
    a = pool.empty((3, 7), np.float32)
    assert a.dtype == np.float32 and a.shape == (3, 7) and a.flags.aligned
    a[...] = 1.5
    assert a.sum() == pytest.approx(31.5)


# Sizes above the pool's 1 MB threshold, so that the cells' traces and gradients are pooled.
T, B, D, H = 32, 64, 64, 64


@pytest.mark.parametrize("cell", [RNN(D, H), LSTM(D, H), GRU(D, H), GRU(D, H, variant="pytorch")], ids=repr)
def test_later_calls_never_change_a_kept_trace_or_gradient(cell):
    rng = np.random.default_rng(0)
    params = cell.init(rng)
    X1, X2 = rng.standard_normal((2, T, B, D))
    dH = rng.standard_normal((T, B, H))
    _, trace = cell.forward(params, X1)
    grads = cell.backward(params, trace, dH)
    assert isinstance(trace["h"].base.base, memoryview) and isinstance(grads["X"].base.base, memoryview)
    saved_trace = {k: v.copy() for k, v in trace.items() if k != "state0"}
    saved_grads = {k: v.copy() for k, v in grads.items()}
    h_only = trace["h"][-1]  # a view of one step, kept after the trace is gone
    h_saved = h_only.copy()
    for _ in range(3):  # other calls, each dropping its own arrays (which the pool then reuses)
        _, other = cell.forward(params, X2)
        cell.backward(params, other, -dH)
        del other
    for k, v in saved_trace.items():
        np.testing.assert_array_equal(trace[k], v, err_msg=k)
    for k, v in saved_grads.items():
        np.testing.assert_array_equal(grads[k], v, err_msg=k)
    del trace, grads
    for _ in range(2):
        _, other = cell.forward(params, X2)
        del other
    np.testing.assert_array_equal(h_only, h_saved)


def test_pooled_results_equal_unpooled_results(monkeypatch):
    cell = LSTM(D, H)
    rng = np.random.default_rng(1)
    params = cell.init(rng)
    X = rng.standard_normal((T, B, D))
    dH = rng.standard_normal((T, B, H))

    def run():
        _, trace = cell.forward(params, X)
        return dict(trace.items()), cell.backward(params, trace, dH)

    pooled_trace, pooled = run()
    monkeypatch.setattr(_buffers.POOL, "min_bytes", 1 << 62)  # every array from numpy.empty
    plain_trace, plain = run()
    assert all(v.flags.owndata or v.base.flags.owndata for v in plain.values())
    for k in plain:
        np.testing.assert_array_equal(pooled[k], plain[k], err_msg=k)
    for k in cell.trace_names:
        np.testing.assert_array_equal(pooled_trace[k], plain_trace[k], err_msg=k)


def test_threads_calling_cells_at_once_get_their_own_memory():
    import threading

    cell = GRU(D, H, variant="pytorch")
    rng = np.random.default_rng(2)
    params = cell.init(rng)
    inputs = rng.standard_normal((4, T, B, D))
    expected = [cell.forward(params, X)[1]["h"].copy() for X in inputs]
    errors = []

    def work(k):
        for _ in range(3):
            H_seq, _ = cell.forward(params, inputs[k])
            if not np.array_equal(H_seq, expected[k]):
                errors.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
