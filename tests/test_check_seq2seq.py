"""The checkers of chapters 8 and 9 catch the typical mistakes (the references pass in test_check.py)."""
import numpy as np

from rnnlib import check
from tests.test_check import (
    additive_scores, beam_step, decoder_step, greedy_decode, masked_softmax, scaled_dot_product_attention,
    sequence_cross_entropy,
)


def verdict(checker, fn, capsys):
    result = getattr(check, checker)(fn)
    out = capsys.readouterr().out
    assert "Traceback" not in out
    return result, " ".join(out.split())


def test_loss_over_all_positions_fails_on_padding(capsys):
    def mean_over_all(logits, targets, mask):
        loss, d = sequence_cross_entropy(logits, targets, np.ones_like(mask))
        return loss, d
    result, out = verdict("sequence_cross_entropy", mean_over_all, capsys)
    assert not result and "padded" in out and "REAL tokens" in out


def test_decoder_without_the_state_update_fails(capsys):
    def stale(y_prev, d_prev, W, b, W_y, b_y):
        return decoder_step(y_prev, d_prev, W, b, W_y, b_y)[0], d_prev
    result, out = verdict("decoder_step", stale, capsys)
    assert not result and "d_t" in out


def test_greedy_that_ignores_eos_fails(capsys):
    def never_stops(step, d0, max_len):
        y, d, out = np.full(d0.shape[0], 1), d0, []
        for _ in range(max_len):
            z, d = step(y, d)
            y = z.argmax(axis=-1)
            out.append(y)
        return np.stack(out)
    result, out = verdict("greedy_decode", never_stops, capsys)
    assert not result and "expected ids of shape" in out


def test_beam_step_per_row_fails(capsys):
    def per_row(scores, log_probs, k):
        best = np.argsort(-log_probs.ravel())[:k]  # forgets the hypotheses' scores
        V = log_probs.shape[1]
        return best // V, best % V, (scores[:, None] + log_probs).ravel()[best]
    result, out = verdict("beam_step", per_row, capsys)
    assert not result and "TOTAL" in out


def test_softmax_without_mask_and_attention_without_scale_fail(capsys):
    def unmasked(scores, mask):
        return masked_softmax(scores, np.ones_like(mask))
    result, out = verdict("masked_softmax", unmasked, capsys)
    assert not result and "left-padded" in out

    def unscaled(Q, K, V, mask):
        return scaled_dot_product_attention(Q * np.sqrt(Q.shape[-1]), K, V, mask)
    result, out = verdict("scaled_dot_product_attention", unscaled, capsys)
    assert not result and "sqrt" in out


def test_additive_scores_with_queries_and_keys_swapped_fails(capsys):
    def keys_first(Q, K, W_q, W_k, v):  # (Tk, B, Tq): the axes of queries and keys swapped
        return additive_scores(K, Q, W_k, W_q, v)
    result, out = verdict("additive_scores", keys_first, capsys)
    assert not result and "shape" in out


def _softmax(e, axis=-1):
    a = np.exp(e - e.max(axis=axis, keepdims=True))
    return a / a.sum(axis=axis, keepdims=True)


def test_known_slips_get_their_own_hint(capsys):
    """Each typical wrong answer is named in the message, not only 'expected x, got y'."""
    def no_tanh(Q, K, W_q, W_k, v):
        return ((Q @ W_q.T)[:, :, None] + (K @ W_k.T).transpose(1, 0, 2)[None]) @ v

    def masked_after(scores, mask):
        return _softmax(scores) * mask.T[None]

    def over_queries(scores, mask):
        return _softmax(scores, axis=0)

    def forgot_mask(Q, K, V, mask):
        return scaled_dot_product_attention(Q, K, V, None)

    def over_d(Q, K, V, mask):
        return scaled_dot_product_attention(Q / np.sqrt(Q.shape[-1]), K, V, mask)

    def swapped(Q, K, V, mask):
        return scaled_dot_product_attention(Q, K, V, mask)[::-1]

    def state_first(*args):
        return decoder_step(*args)[::-1]

    def logits_from_d_prev(y_prev, d_prev, W, b, W_y, b_y):
        return d_prev @ W_y.T + b_y, decoder_step(y_prev, d_prev, W, b, W_y, b_y)[1]

    for checker, fn, words in (
        ("additive_scores", no_tanh, "without the tanh"),
        ("masked_softmax", masked_after, "AFTER the softmax"),
        ("masked_softmax", over_queries, "over the queries"),
        ("scaled_dot_product_attention", forgot_mask, "ignores the mask"),
        ("scaled_dot_product_attention", over_d, "divided the dot products by d"),
        ("scaled_dot_product_attention", swapped, "returned (weights, c)"),
        ("decoder_step", state_first, "returned (d_t, z_t)"),
        ("decoder_step", logits_from_d_prev, "previous state d_prev"),
    ):
        result, out = verdict(checker, fn, capsys)
        assert not result and words in out, (checker, fn.__name__, out)


def _greedy(start=1, feed_back=True, carry_state=True, keep_eos=True, transpose=False):
    def my_greedy_decode(step, d0, max_len):
        B = d0.shape[0]
        y, d, done, out = np.full(B, start), d0, np.zeros(B, bool), []
        for _ in range(max_len):
            z, d_new = step(y if feed_back else np.full(B, 1), d if carry_state else d0)
            d = d_new
            y = z.argmax(axis=-1)
            if keep_eos:
                y = np.where(done, 2, y)
            out.append(y)
            done |= y == 2
            if done.all():
                break
        return np.stack(out).T if transpose else np.stack(out)
    return my_greedy_decode


def test_greedy_and_beam_and_loss_slips_are_named(capsys):
    """A decoder that forgets the state, the feedback or BOS, or keeps writing after EOS, is caught and
    named; so are a loss with the wrong sign or no mean, and a beam that keeps at most K."""
    assert verdict("greedy_decode", _greedy(), capsys)[0]
    for kwargs, words in ((dict(carry_state=False), "from d0"), (dict(feed_back=False), "reads BOS at every"),
                          (dict(start=0), "first input is PAD"), (dict(transpose=True), "one row per step"),
                          (dict(keep_eos=False), "keep writing EOS")):
        result, out = verdict("greedy_decode", _greedy(**kwargs), capsys)
        assert not result and words in out, (kwargs, out)

    def sign_flipped(logits, targets, mask):
        loss, d = sequence_cross_entropy(logits, targets, mask)
        return loss, -d

    def summed(logits, targets, mask):
        loss, d = sequence_cross_entropy(logits, targets, mask)
        return loss * mask.sum(), d * mask.sum()

    def unstable(logits, targets, mask):
        p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        onehot = np.eye(logits.shape[-1])[np.where(mask, targets, 0)]
        N = mask.sum()
        return -np.log((p * onehot).sum(-1))[mask].sum() / N, (p - onehot) * mask[..., None] / N

    def at_most_K(scores, log_probs, k):
        return beam_step(scores, log_probs, min(k, len(scores)))

    for checker, fn, words in (("sequence_cross_entropy", sign_flipped, "wrong sign"),
                               ("sequence_cross_entropy", summed, "divide both by N"),
                               ("sequence_cross_entropy", unstable, "overflow"),
                               ("beam_step", at_most_K, "at most K survivors")):
        result, out = verdict(checker, fn, capsys)
        assert not result and words in out, (checker, out)
