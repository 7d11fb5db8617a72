"""rnnlib.check: every checker passes a reference solution, fails friendly otherwise.

The reference solutions below are written from the formulas (as a student
would), not with rnnlib, so a pass also confirms rnnlib against the formula.
"""
import re

import numpy as np
import pytest

from rnnlib import check


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))  # stable for any z


def _gates(x_t, h_prev, W, b, n_blocks):
    D, H = x_t.shape[1], h_prev.shape[1]
    a = x_t @ W[:, :D].T + h_prev @ W[:, D:].T + b
    return [a[:, k * H:(k + 1) * H] for k in range(n_blocks)]


def rnn_step(x_t, h_prev, W_x, W_h, b):
    return np.tanh(x_t @ W_x.T + h_prev @ W_h.T + b)


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def rnn_backward_step(dh_t, h_t, x_t, h_prev, W_x, W_h):
    da = dh_t * (1 - h_t**2)  # back through tanh
    return da @ W_x, da @ W_h, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def sgd_update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values())))
    scale = min(1.0, max_norm / norm)
    return {k: g * scale for k, g in grads.items()}, norm


def clip_elementwise(grads, limit):
    return {k: np.clip(g, -limit, limit) for k, g in grads.items()}


def gradient_product(w, k):
    return w**k


def jacobian_product(W_h, h_seq):
    J = np.eye(W_h.shape[0])
    for h in h_seq:
        J = ((1 - h**2)[:, None] * W_h) @ J  # the latest step on the left
    return J


def lstm_forget_gate(x_t, h_prev, c_prev, W_fx, W_fh, b_f):
    f_t = _sigmoid(x_t @ W_fx.T + h_prev @ W_fh.T + b_f)
    return f_t, f_t * c_prev


def lstm_step(x_t, h_prev, c_prev, W, b):
    a_i, a_f, a_g, a_o = _gates(x_t, h_prev, W, b, 4)
    c_t = _sigmoid(a_f) * c_prev + _sigmoid(a_i) * np.tanh(a_g)
    return _sigmoid(a_o) * np.tanh(c_t), c_t


def gru_candidate(x_t, h_prev, r_t, W_hx, W_hr, b_h):
    return np.tanh(x_t @ W_hx.T + (r_t * h_prev) @ W_hr.T + b_h)


def gru_step(x_t, h_prev, W, b):
    D, H = x_t.shape[1], h_prev.shape[1]
    a_r, a_z, _ = _gates(x_t, h_prev, W, b, 3)
    r_t, z_t = _sigmoid(a_r), _sigmoid(a_z)
    n_t = gru_candidate(x_t, h_prev, r_t, W[2 * H:, :D], W[2 * H:, D:], b[2 * H:])
    return (1 - z_t) * h_prev + z_t * n_t



def lstm_step_backward(dh_t, dc_next, x_t, h_prev, c_prev, W, b):
    D, H = x_t.shape[1], h_prev.shape[1]
    a_i, a_f, a_g, a_o = _gates(x_t, h_prev, W, b, 4)
    i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
    tanh_c = np.tanh(f * c_prev + i * g)
    dc = dc_next + dh_t * o * (1 - tanh_c**2)
    da = np.hstack([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2),
                    dh_t * tanh_c * o * (1 - o)])
    xh = np.hstack([x_t, h_prev])
    return da @ W[:, :D], da @ W[:, D:], dc * f, da.T @ xh, da.sum(axis=0)


def gru_step_backward(dh_t, x_t, h_prev, W, b):
    D, H = x_t.shape[1], h_prev.shape[1]
    a_r, a_z, _ = _gates(x_t, h_prev, W, b, 3)
    r, z = _sigmoid(a_r), _sigmoid(a_z)
    rh = r * h_prev
    n = np.tanh(x_t @ W[2 * H:, :D].T + rh @ W[2 * H:, D:].T + b[2 * H:])
    da_n = dh_t * z * (1 - n**2)
    drh = da_n @ W[2 * H:, D:]
    da = np.hstack([drh * h_prev * r * (1 - r), dh_t * (n - h_prev) * z * (1 - z), da_n])
    dh_prev = dh_t * (1 - z) + drh * r + da[:, :2 * H] @ W[:2 * H, D:]
    dW = np.hstack([da.T @ x_t, np.vstack([da[:, :2 * H].T @ h_prev, da_n.T @ rh])])
    return da @ W[:, :D], dh_prev, dW, da.sum(axis=0)

def adding_problem(rng, T, batch_size):
    values = rng.random((T, batch_size))
    i1 = rng.integers(0, T // 2, size=batch_size)
    i2 = rng.integers(T // 2, T, size=batch_size)
    markers = np.zeros((T, batch_size))
    cols = np.arange(batch_size)
    markers[i1, cols] = markers[i2, cols] = 1
    return np.stack([values, markers], axis=-1), (values[i1, cols] + values[i2, cols])[:, None]


def steps_to_solve(losses, window, stop_mse):
    losses = list(losses)
    for n in range(window, len(losses) + 1):
        if sum(losses[n - window : n]) / window < stop_mse:
            return n
    return None


def sample_with_temperature(logits, temperature, rng):
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    return int(rng.choice(len(logits), p=softmax(logits / temperature)))


def perplexity(mean_cross_entropy):
    return float(np.exp(mean_cross_entropy))


def decoder_step(y_prev, d_prev, W, b, W_y, b_y):
    x_t = np.eye(W_y.shape[0], dtype=W.dtype)[y_prev]  # one-hot of the previous character
    d_t = gru_step(x_t, d_prev, W, b)
    return d_t @ W_y.T + b_y, d_t


def sequence_cross_entropy(logits, targets, mask):
    n = mask.sum()
    z = logits - logits.max(axis=-1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    y = np.where(mask, targets, 0)
    onehot = np.eye(logits.shape[-1])[y]
    loss = -np.sum(np.log(np.sum(p * onehot, axis=-1))[mask]) / n
    return loss, (p - onehot) * mask[..., None] / n


def greedy_decode(step, d0, max_len):
    y, d = np.full(d0.shape[0], 1), d0  # BOS = 1
    done, out = np.zeros(d0.shape[0], bool), []
    for _ in range(max_len):
        z, d = step(y, d)
        y = np.where(done, 2, z.argmax(axis=-1))  # EOS = 2 after the end
        out.append(y)
        done |= y == 2
        if done.all():
            break
    return np.stack(out)


def beam_step(scores, log_probs, k):
    cand = (scores[:, None] + log_probs).ravel()
    best = np.argsort(-cand)[:k]
    return best // log_probs.shape[1], best % log_probs.shape[1], cand[best]


def additive_scores(Q, K, W_q, W_k, v):
    Tq, B, Tk = Q.shape[0], Q.shape[1], K.shape[0]
    e = np.zeros((Tq, B, Tk), Q.dtype)
    for t in range(Tq):
        for b in range(B):
            for s in range(Tk):
                e[t, b, s] = v @ np.tanh(W_q @ Q[t, b] + W_k @ K[s, b])
    return e


def masked_softmax(scores, mask):
    e = np.where(mask.T[None], scores, -np.inf)
    a = np.exp(e - e.max(axis=-1, keepdims=True))
    return a / a.sum(axis=-1, keepdims=True)


def context(weights, V):
    return np.einsum("tbs,sbd->tbd", weights, V)


def scaled_dot_product_attention(Q, K, V, mask):
    e = np.einsum("tbd,sbd->tbs", Q, K) / np.sqrt(Q.shape[-1])
    a = masked_softmax(e, np.ones(K.shape[:2], bool) if mask is None else mask)
    return context(a, V), a


REFERENCES = {name: obj for name, obj in globals().items() if name in check.CHECKERS}


@pytest.fixture(autouse=True)
def _fresh_hints():
    """Every test starts as a first attempt (the second failure in a row shows more)."""
    check.engine._FAILURES.clear()


def todo(*args):
    raise NotImplementedError("your code here")


def run(checker, fn, capsys):
    """Run a checker; return (result, printed text) and make sure nothing else escaped."""
    result = getattr(check, checker)(fn)
    captured = capsys.readouterr()
    assert captured.err == "", captured.err
    assert "Traceback" not in captured.out
    assert " ".join(captured.out.split()) == " ".join(result.message.split())
    # printed wrapped at 76 columns (a longer line is one unbreakable word)
    assert all(len(line) <= 76 or " " not in line for line in captured.out.splitlines())
    return result, result.message + "\n"


def test_every_checker_has_a_reference_solution():
    assert set(REFERENCES) == set(check.CHECKERS)
    assert set(check.CHECKERS) <= set(check.__all__)


@pytest.mark.parametrize("name", sorted(check.CHECKERS))
def test_reference_solution_passes(name, capsys):
    result, out = run(name, REFERENCES[name], capsys)
    assert result and result.passed and result.failed is None, out
    assert re.fullmatch(rf"All {result.checks} checks passed: `{name}` .+\.\n", out), out
    assert repr(result) == str(result) == result.message


@pytest.mark.parametrize("name", sorted(check.CHECKERS))
def test_placeholder_gets_the_friendly_not_written_message(name, capsys):
    result, out = run(name, todo, capsys)
    assert not result
    assert out == ("`todo` is not written yet: it still raises NotImplementedError. "
                   "Replace the `raise` line with your code and run the cell again.\n")


@pytest.mark.parametrize("placeholder, text", [(lambda *a: None, "returned None"), (lambda *a: ..., "returned `...`")])
def test_none_and_ellipsis_are_unfinished(placeholder, text, capsys):
    result, out = run("rnn_step", placeholder, capsys)
    assert not result and result.failed is None and out.startswith(f"`rnn_step` {text}")


def test_wrong_answer_names_the_case_and_the_expected_value(capsys):
    def off_for_one_sequence(x_t, h_prev, W_x, W_h, b):
        h_t = rnn_step(x_t, h_prev, W_x, W_h, b)
        return h_t + 1.0 if len(x_t) == 1 else h_t

    result, out = run("rnn_step", off_for_one_sequence, capsys)
    assert not result and result.failed == 4
    m = re.fullmatch(r"Check 4 of 6 failed \(a batch of 1, D=1, H=1\): expected h_t = \[\[(\S+)\]\], "
                     r"got \[\[(\S+)\]\]\. Hint: .+\n", out)
    assert m, out
    expected, got = map(float, m.groups())
    assert -1 < expected < 1 and got == pytest.approx(expected + 1, abs=2e-4)


def test_large_arrays_show_the_worst_entry(capsys):
    result, out = run("rnn_step", lambda x, h, Wx, Wh, b: np.tanh(2 * (x @ Wx.T) + h @ Wh.T + b), capsys)
    assert re.match(r"Check 3 of 6 failed \(a batch of 3, D=2, H=4\): expected h_t\[\d, \d\] = \S+, got \S+ "
                    r"\(h_t has shape \(3, 4\)\)\. Hint: ", out), out


def test_messages_are_deterministic(capsys):
    wrong = lambda x, h, c, W, b: lstm_step(x, h, c, W[::-1], b)  # noqa: E731 - blocks in the wrong order
    first = run("lstm_step", wrong, capsys)[1]
    check.engine._FAILURES.clear()
    assert run("lstm_step", wrong, capsys)[1] == first
    check.engine._FAILURES.clear()
    np.set_printoptions(precision=2)  # a notebook's print options do not change the text
    try:
        assert run("lstm_step", wrong, capsys)[1] == first
    finally:
        np.set_printoptions(precision=8)


def test_mutating_an_input_is_detected(capsys):
    def in_place(x_t, h_prev, W_x, W_h, b):
        h_prev *= 1.0  # harmless ...
        h_prev += b[: h_prev.shape[1]] * 0 + 1  # ... but this changes the caller's array
        return rnn_step(x_t, h_prev - 1, W_x, W_h, b)

    result, out = run("rnn_step", in_place, capsys)
    assert not result and "changed its input `h_prev` in place" in out


def test_in_place_update_of_params_is_detected(capsys):
    def sgd_in_place(params, grads, lr):
        for k in params:
            params[k] -= lr * grads[k]
        return params

    result, out = run("sgd_update", sgd_in_place, capsys)
    assert not result and "changed its input `params` in place" in out


def test_wrong_signature_gets_a_friendly_type_error(capsys):
    result, out = run("lstm_step", lambda x_t, h_prev, W, b: (h_prev, h_prev), capsys)
    assert not result
    assert "your function stopped with TypeError:" in out
    assert "Hint: the checker calls `lstm_step(x_t, h_prev, c_prev, W, b)`." in out


def test_exception_inside_student_code_is_a_sentence(capsys):
    result, out = run("gru_step", lambda x_t, h_prev, W, b: x_t @ W, capsys)
    assert not result and "your function stopped with ValueError: matmul" in out


def test_wrong_shape_and_type(capsys):
    out = run("gru_candidate", lambda x, h, r, Wx, Wr, b: gru_candidate(x, h, r, Wx, Wr, b).T, capsys)[1]
    assert "expected h_tilde with shape (2, 2), got shape (2, 2)" not in out
    assert "expected h_tilde with shape (3, 4), got shape (4, 3)" in out or "expected h_tilde = " in out
    out = run("lstm_forget_gate", lambda *a: lstm_forget_gate(*a)[0], capsys)[1]
    assert "expected a tuple of 2 results (f_t, c_f), got an array of shape (2, 2). Hint: return both" in out
    out = run("clip_by_global_norm", lambda g, m: (clip_by_global_norm(g, m)[0], [1.0]), capsys)[1]
    assert "expected norm to be a single number, got a list of 1 items" in out
    out = run("clip_by_global_norm", lambda g, m: (clip_by_global_norm(g, m)[0], np.array([1.0])), capsys)[1]
    assert "expected norm to be a single number, got an array of shape (1,)" in out
    out = run("sgd_update", lambda p, g, lr: [p[k] - lr * g[k] for k in p], capsys)[1]
    assert "expected new_params to be a dict, got a list of 2 items" in out


def test_a_list_is_not_an_array(capsys):
    result, out = run("softmax", lambda z: softmax(z).tolist(), capsys)
    assert not result and "expected p to be a numpy array, got a list of 3 items" in out
    assert run("perplexity", lambda ce: np.float64(perplexity(ce)), capsys)[0]  # numpy scalars are numbers
    assert run("perplexity", lambda ce: np.asarray(perplexity(ce)), capsys)[0]  # and so is a 0-d array


def test_not_a_function(capsys):
    result, out = run("softmax", np.zeros(3), capsys)
    assert not result and out.startswith("check.softmax needs your function itself")


def test_unstable_softmax_fails_at_1000_with_the_numpy_warning(capsys):
    out = run("softmax", lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True), capsys)[1]
    assert out.startswith('Check 1 of 6 failed (large scores, z = [1000, 999, 998]): numpy warned "overflow '
                          'encountered in exp" while your function ran, so its result cannot be trusted. Hint: ')


def test_naive_sigmoid_fails_at_its_overflow_case(capsys):
    def forget_gate(x_t, h_prev, c_prev, W_fx, W_fh, b_f):
        f_t = 1 / (1 + np.exp(-(x_t @ W_fx.T + h_prev @ W_fh.T + b_f)))
        return f_t, f_t * c_prev

    result, out = run("lstm_forget_gate", forget_gate, capsys)
    assert not result and result.failed == 4
    assert out.startswith('Check 4 of 8 failed (very large pre-activations (biases of +-1000), so the '
                          'nonlinearities saturate): numpy warned "overflow encountered in exp" while your '
                          'function ran')
    assert "Hint: use np.tanh and a stable sigmoid" in out


def test_gru_pytorch_convention_is_caught(capsys):
    def pytorch_update(x_t, h_prev, W, b):
        D, H = x_t.shape[1], h_prev.shape[1]
        a_r, a_z, _ = _gates(x_t, h_prev, W, b, 3)
        n_t = gru_candidate(x_t, h_prev, _sigmoid(a_r), W[2 * H:, :D], W[2 * H:, D:], b[2 * H:])
        return _sigmoid(a_z) * h_prev + (1 - _sigmoid(a_z)) * n_t

    result, out = run("gru_step", pytorch_update, capsys)
    assert not result and "z_t" in out


def test_sampler_checks(capsys):
    def always_argmax(logits, temperature, rng):
        if temperature <= 0:
            raise ValueError("temperature")
        return int(np.argmax(logits))

    out = run("sample_with_temperature", always_argmax, capsys)[1]
    assert out.startswith("Check 4 of 7 failed (temperature 1, 4000 draws): index 0 came up in 100% of 4000 samples")

    def no_guard(logits, temperature, rng):
        return int(rng.choice(len(logits), p=softmax(logits / temperature)))

    out = run("sample_with_temperature", no_guard, capsys)[1]
    assert "Check 3 of 7 failed (temperature 0 and -1 must raise ValueError): temperature = -1: expected your " \
           "function to raise ValueError, but it returned normally" in out

    def global_rng(logits, temperature, rng):
        return sample_with_temperature(logits, temperature, np.random.default_rng())

    out = run("sample_with_temperature", global_rng, capsys)[1]
    assert "Check 2 of 7 failed (the same seed twice): two generators with the same seed gave different samples" in out


def test_adding_problem_checks(capsys):
    def both_markers_early(rng, T, batch_size):
        X, _ = adding_problem(rng, T, batch_size)
        X[..., 1] = 0
        X[:2, :, 1] = 1
        return X, X[:2, :, 0].sum(axis=0)[:, None]

    out = run("adding_problem", both_markers_early, capsys)[1]
    assert out.startswith("Check 2 of 5 failed (T=10, a batch of 4): sequence 0 has 2 marker(s) in steps 0..4 and 0 "
                          "in steps 5..9, expected exactly one in each half.")

    def global_state(rng, T, batch_size):
        return adding_problem(np.random.default_rng(), T, batch_size)

    out = run("adding_problem", global_state, capsys)[1]
    assert "Check 5 of 5 failed (the same seed twice, then another seed)" in out


def test_gradient_product_vanishing_is_not_zero(capsys):
    out = run("gradient_product", lambda w, k: 0.0 if 0 < w < 0.5 else w**k, capsys)[1]
    assert out.startswith("Check 3 of 6 failed (w = 0.2, k = 100: vanishing): expected dh_k/dh_0 = 1.268e-70, got 0.")


def test_float64_student_passes_the_float32_case(capsys):
    result = run("rnn_step", lambda *a: rnn_step(*(np.asarray(x, np.float64) for x in a)), capsys)[0]
    assert result


def test_result_does_not_display_twice_in_jupyter(capsys):
    result = run("perplexity", perplexity, capsys)[0]
    assert result._ipython_display_() is None  # shows nothing: the message is already printed
    assert capsys.readouterr().out == ""


def test_an_unreadable_result_is_still_a_sentence(capsys):
    class Weird:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("I refuse to be an array")

        def __float__(self):
            raise RuntimeError("nor a number")

    result, out = run("perplexity", lambda ce: Weird(), capsys)
    assert not result and out.startswith("Check 1 of 5 failed (a perfect model, cross-entropy 0): expected "
                                         "perplexity to be a single number, got a Weird.")

    def bad_index(logits, temperature, rng):
        if temperature <= 0:
            raise ValueError
        return Weird()

    out = run("sample_with_temperature", bad_index, capsys)[1]
    assert out.startswith("Check 1 of 7 failed (a single logit, V=1): expected an integer index, got a Weird.")


def test_step_backward_checkers_catch_a_missing_road(capsys):
    def without_dc_next(dh_t, dc_next, *args):  # forgets the gradient from step t+1
        return lstm_step_backward(dh_t, 0 * dc_next, *args)

    result, out = run("lstm_step_backward", without_dc_next, capsys)
    assert not result and result.failed == 2 and "dc_next" in out

    def without_direct_road(dh_t, x_t, h_prev, W, b):  # forgets dh_t * (1 - z) on h_prev
        dx, dh, dW, db = gru_step_backward(dh_t, x_t, h_prev, W, b)
        return dx, dh - dh_t * (1 - _sigmoid(_gates(x_t, h_prev, W, b, 3)[1])), dW, db

    result, out = run("gru_step_backward", without_direct_road, capsys)
    assert not result and result.failed == 2 and "dh_prev" in out


def test_exception_without_message(capsys):
    out = run("softmax", lambda z: (_ for _ in ()).throw(ZeroDivisionError()), capsys)[1]
    assert "your function stopped with ZeroDivisionError. Hint:" in out


def test_a_surprise_inside_the_checker_is_still_a_sentence(capsys, monkeypatch):
    def broken(*args):
        raise RuntimeError("surprise")

    monkeypatch.setattr(check.engine, "_compare_outputs", broken)
    result, out = run("perplexity", perplexity, capsys)
    assert not result and out.startswith("Check 1 of 5 could not be completed (a perfect model, cross-entropy 0): "
                                         "the checker could not read your function's result (RuntimeError: "
                                         "surprise).")


@pytest.mark.parametrize("name", sorted(check.CHECKERS))
def test_every_checker_is_documented_with_its_signature(name):
    listed = re.search(rf"^\* ``{name}``: ``({name}\(.*?\))", check.__doc__, re.M)
    assert listed, f"the module docstring does not list check.{name}"
    assert listed.group(1) in check.CHECKERS[name].__doc__.replace("\n    ", " ")
    assert "Returns\n    -------\n    CheckResult" in check.CHECKERS[name].__doc__


# ------------------------------------------------ hints, refusals, warnings


def _flipped_gru_step(x_t, h_prev, W, b):
    D, H = x_t.shape[1], h_prev.shape[1]
    a_r, a_z, _ = _gates(x_t, h_prev, W, b, 3)
    r_t, z_t = _sigmoid(a_r), _sigmoid(a_z)
    n_t = gru_candidate(x_t, h_prev, r_t, W[2 * H:, :D], W[2 * H:, D:], b[2 * H:])
    return z_t * h_prev + (1 - z_t) * n_t  # the slip: z_t weights h_prev


def _lstm_step_without_bias(x_t, h_prev, c_prev, W, b):
    return lstm_step(x_t, h_prev, c_prev, W, np.zeros_like(b))


def _lstm_wrapper(x_t, h_prev, c_prev, W, b):
    from rnnlib.lstm import LSTM

    _, state, _ = LSTM(x_t.shape[1], h_prev.shape[1]).step({"W": W, "b": b}, x_t, {"h": h_prev, "c": c_prev})
    return state["h"], state["c"]


def test_flipped_update_gate_is_named(capsys):
    result, out = run("gru_step", _flipped_gru_step, capsys)
    assert not result and result.failed == 1
    assert "Hint: your update gate is flipped: in the book's GRU z_t weights the candidate" in out


def test_reset_after_the_matrix_is_named(capsys):
    def reset_after(x_t, h_prev, r_t, W_hx, W_hr, b_h):
        return np.tanh(x_t @ W_hx.T + r_t * (h_prev @ W_hr.T) + b_h)

    out = run("gru_candidate", reset_after, capsys)[1]
    assert "Hint: your r_t multiplies after the matrix" in out


def test_missing_bias_is_named_first(capsys):
    result, out = run("lstm_step", _lstm_step_without_bias, capsys)
    assert not result and result.failed == 1
    assert out.startswith("Check 1 of 7 failed (zero input, state and memory, so c_t = i_t * g_t from the biases)")
    assert "Hint: your h_t and c_t equal the step without the bias: did you add b?" in out


def test_general_hint_first_then_more(capsys):
    def wrong(x_t, h_prev, c_prev, W, b):
        h_t, c_t = lstm_step(x_t, h_prev, c_prev, W, b)
        return (h_t * 1.5 if len(x_t) == 3 else h_t), c_t  # wrong on plain batches, matches no slip

    spec = check.lstm_step.spec
    first = run("lstm_step", wrong, capsys)[1]
    second = run("lstm_step", wrong, capsys)[1]
    assert first.rstrip().endswith(spec.hint) and spec.more not in " ".join(first.split())
    assert " ".join(second.split()).endswith(f"{spec.hint} {spec.more}")
    run("lstm_step", lstm_step, capsys)  # a pass starts over
    assert run("lstm_step", wrong, capsys)[1] == first


@pytest.mark.parametrize("name", sorted(check.CHECKERS))
def test_general_hint_does_not_give_the_answer(name):
    """The first hint names ideas, not the line of code (no `np.` call, no `rng.choice`, no dict comprehension)."""
    hint = check.CHECKERS[name].spec.hint
    assert not re.search(r"np\.\w+\(|rng\.\w+\(|\{k: |\bfor k in\b", hint), hint


@pytest.mark.parametrize("checker, cheat, called", [
    ("lstm_step", _lstm_wrapper, "LSTM.step"),
    ("lstm_forget_gate", lambda x, h, c, Wx, Wh, b: _lstm_forget_via_forward(x, h, c, Wx, Wh, b), "LSTM.forward"),
    ("gru_step", lambda x, h, W, b: __import__("rnnlib").GRU(x.shape[1], h.shape[1]).step(
        {"W": W, "b": b}, x, {"h": h})[0], "GRU.step"),
    ("rnn_step", lambda x, h, Wx, Wh, b: __import__("rnnlib").RNN(x.shape[1], h.shape[1]).step(
        {"W": np.concatenate([Wx, Wh], 1), "b": b}, x, {"h": h})[0], "RNN.step"),
    ("softmax", lambda z: __import__("rnnlib").softmax(z), "softmax"),
    ("clip_by_global_norm", lambda g, m: __import__("rnnlib").clip_by_global_norm(g, m), "clip_by_global_norm"),
    ("clip_elementwise", lambda g, m: __import__("rnnlib").clip_elementwise(g, m), "clip_elementwise"),
    ("sgd_update", lambda p, g, lr: __import__("rnnlib").SGD(lr).update(p, g, {})[0], "SGD.update"),
    ("adding_problem", lambda rng, T, B: __import__("rnnlib").adding_problem(rng, T, B), "adding_problem"),
])
def test_a_wrapper_around_rnnlib_is_refused(checker, cheat, called, capsys):
    cheat.__name__ = f"my_{checker}"
    result, out = run(checker, cheat, capsys)
    assert not result
    assert out == (f"check.{checker} refuses `my_{checker}`: it calls rnnlib's `{called}`, the very function "
                   "this exercise asks you to write. Write it yourself with numpy; the checker compares your "
                   "result with rnnlib's.\n")


def _lstm_forget_via_forward(x_t, h_prev, c_prev, W_fx, W_fh, b_f):
    from rnnlib import LSTM

    D, H = x_t.shape[1], h_prev.shape[1]
    W = np.zeros((4 * H, D + H))
    W[H:2 * H] = np.concatenate([W_fx, W_fh], 1)
    b = np.zeros(4 * H)
    b[H:2 * H] = b_f
    _, trace = LSTM(D, H).forward({"W": W, "b": b}, x_t[None], {"h": h_prev, "c": c_prev})
    return trace["f"][0], trace["f"][0] * c_prev


def test_refusal_sees_through_aliases_and_swallowed_exceptions(capsys):
    from rnnlib.activations import softmax as imported_before  # a reference taken before the check

    def hidden(z):
        try:
            return imported_before(z)
        except BaseException:  # even this does not hide the call
            return np.exp(z - z.max(axis=-1, keepdims=True)) / np.exp(z - z.max(axis=-1, keepdims=True)).sum(
                axis=-1, keepdims=True)

    result, out = run("softmax", hidden, capsys)
    assert not result and "it calls rnnlib's `softmax`" in out
    # the library works again afterwards, and a clean answer that uses other rnnlib functions passes
    assert np.allclose(imported_before(np.zeros(2)), 0.5)
    from rnnlib.activations import sigmoid

    def forget_gate(x_t, h_prev, c_prev, W_fx, W_fh, b_f):
        f_t = sigmoid(x_t @ W_fx.T + h_prev @ W_fh.T + b_f)
        return f_t, f_t * c_prev

    assert run("lstm_forget_gate", forget_gate, capsys)[0]


@pytest.mark.parametrize("name", sorted(check.CHECKERS))
def test_every_forbidden_path_exists(name):
    """A renamed rnnlib function must not silently switch a refusal off."""
    for path in check.CHECKERS[name].spec.forbid:
        label, function = check.engine._resolve(path)
        assert function is not None, f"check.{name}: {path} does not resolve to a Python function"


def test_a_python_warning_also_fails(capsys):
    import warnings

    def noisy(mean_cross_entropy):
        warnings.warn("deprecated thing", DeprecationWarning)
        return float(np.exp(mean_cross_entropy))

    out = run("perplexity", noisy, capsys)[1]
    assert out.startswith('Check 1 of 5 failed (a perfect model, cross-entropy 0): Python warned "deprecated thing" '
                          "while your function ran")
