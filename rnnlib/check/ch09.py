"""Checkers of chapter 9 (attention): additive scores, the masked softmax, the context vector,
scaled dot-product attention."""

import numpy as np

from rnnlib.check.engine import Case, Slip, checker
from rnnlib.check.common import FLOAT32_HINT

__all__ = ["additive_scores", "masked_softmax", "context", "scaled_dot_product_attention"]


def _padding(Tk, B, pads):
    m = np.ones((Tk, B), bool)
    for b, p in enumerate(pads):
        m[:p, b] = False  # left-padded, as the book's sources
    return m


def _softmax_last(e):
    e = e - e.max(axis=-1, keepdims=True)
    a = np.exp(e)
    return a / a.sum(axis=-1, keepdims=True)


def _kept(mask, scores):
    """The mask lined up with the scores: (1, B, Tk), all True for None."""
    return np.ones(scores.shape, bool) if mask is None else mask.T[None]


def _scaled_scores(Q, K, scale):
    return np.einsum("tbd,sbd->tbs", Q, K) * scale


def _attend(Q, K, V, mask, scale):
    e = _scaled_scores(Q, K, scale)
    a = _softmax_last(np.where(_kept(mask, e), e, -np.inf))
    return np.einsum("tbs,sbd->tbd", a, V), a


def _additive_without_tanh(Q, K, W_q, W_k, v):
    return ((Q @ W_q.T)[:, :, None, :] + (K @ W_k.T).transpose(1, 0, 2)[None]) @ v


_ADDITIVE_SLIPS = (
    Slip(_additive_without_tanh,
         "your scores equal v . (W_q q_t + W_k k_s) without the tanh: the sum of the two projections goes "
         "through np.tanh before the dot product with v."),
)

_SOFTMAX_SLIPS = (
    Slip(lambda e, m: _softmax_last(e),
         "your weights equal a softmax over ALL keys: the mask was not applied, so padded keys got weight. "
         "Give the keys where mask is False a score of -inf before the softmax."),
    Slip(lambda e, m: _softmax_last(e) * m.T[None],
         "you zeroed the masked keys AFTER the softmax, so the kept weights no longer sum to 1: mask the "
         "scores (-inf) before the softmax, or divide by the new row sums."),
    Slip(lambda e, m: np.where(m.T[None], np.exp(e - e.max(axis=0, keepdims=True))
                               / np.exp(e - e.max(axis=0, keepdims=True)).sum(axis=0, keepdims=True), 0.0),
         "your softmax runs over the queries (axis 0): the weights of ONE query sum to 1 over the keys, "
         "the last axis."),
)

_DOT_SLIPS = (
    Slip(lambda Q, K, V, m: _attend(Q, K, V, m, 1.0),
         "your result is attention WITHOUT the scale: divide the dot products q_t . k_s by sqrt(d), "
         "d = Q.shape[-1], before the softmax."),
    Slip(lambda Q, K, V, m: _attend(Q, K, V, m, 1.0 / Q.shape[-1]),
         "you divided the dot products by d; the scale is 1 / sqrt(d)."),
    Slip(lambda Q, K, V, m: _attend(Q, K, V, None, 1.0 / np.sqrt(Q.shape[-1])),
         "your result ignores the mask: padded keys (mask False) must get weight exactly 0, so give them a "
         "score of -inf before the softmax."),
    Slip(lambda Q, K, V, m: _attend(Q, K, V, m, 1.0 / np.sqrt(Q.shape[-1]))[::-1],
         "you returned (weights, c): the function returns the context first, (c, weights)."),
)


@checker(
    "additive_scores(Q, K, W_q, W_k, v) -> scores",
    summary=("`{name}` gives e_(t,s) = v . tanh(W_q q_t + W_k k_s) for every query and key, for batches of 1 "
             "to 3, one query, large inputs and float32"),
    hint=("project every query with W_q and every key with W_k (weights are (out, in): W_q is (A, Dq), so "
          "the projected queries are Q @ W_q.T), add each projected query to each projected key, take tanh "
          "and the dot product with v; the result is (Tq, B, Tk)."),
    more=("(Q @ W_q.T)[:, :, None, :] is (Tq, B, 1, A) and (K @ W_k.T).transpose(1, 0, 2)[None] is "
          "(1, B, Tk, A): tanh of their sum, then @ v."),
    slips=_ADDITIVE_SLIPS,
    forbid=("rnnlib.attention.AdditiveAttention.scores", "rnnlib.attention.AdditiveAttention.forward"),
)
def additive_scores():
    """Check the additive (Bahdanau) scores.

    The student's function::

        {signature}
        e_(t,s) = v^T tanh(W_q q_t + W_k k_s)

    with Q (Tq, B, Dq), K (Tk, B, Dk), W_q (A, Dq), W_k (A, Dk), v (A,);
    returns scores (Tq, B, Tk). Reference:
    :meth:`rnnlib.attention.AdditiveAttention.scores`.
    """
    from rnnlib.attention import AdditiveAttention

    rng = np.random.default_rng(91)
    cases = []
    for label, Tq, Tk, B, Dq, Dk, A, scale, dtype, hint in (
        ("Tq=3, Tk=4, B=2, Dq=3, Dk=5, A=4", 3, 4, 2, 3, 5, 4, 1.0, np.float64, None),
        ("one query, B=1", 1, 5, 1, 2, 2, 3, 1.0, np.float64,
         "the result keeps all three axes: (Tq, B, Tk) = (1, 1, 5)."),
        ("a batch of 3, Tq != Tk", 4, 2, 3, 2, 3, 2, 1.0, np.float64,
         "queries index the first axis of the result, keys the last."),
        ("large inputs (tanh saturates)", 2, 3, 2, 2, 2, 3, 100.0, np.float64, None),
        ("float32 arrays", 2, 3, 2, 2, 3, 2, 1.0, np.float32, FLOAT32_HINT),
    ):
        att = AdditiveAttention(Dq, Dk, A)
        p = att.init(rng, dtype)
        Q = (scale * rng.standard_normal((Tq, B, Dq))).astype(dtype)
        K = rng.standard_normal((Tk, B, Dk)).astype(dtype)
        cases.append(Case(label, (Q, K, p["W_q"], p["W_k"], p["v"]), att.scores(p, Q, K), "scores", hint))
    return cases


@checker(
    "masked_softmax(scores, mask) -> weights",
    summary=("`{name}` gives a softmax over the keys that puts exactly 0 on masked keys, with and without "
             "padding, one kept key, scores of +-1000 and float32"),
    hint=("give the masked keys a score of minus infinity (their exp is 0), then a stable softmax over the "
          "last axis; the mask is (Tk, B), the scores (Tq, B, Tk)."),
    more=("e = where(mask.T[None], scores, -inf); subtract the row maximum, exponentiate, divide by the row "
          "sum."),
    slips=_SOFTMAX_SLIPS,
    forbid=("rnnlib.attention.masked_softmax", "rnnlib.attention._softmax"),
)
def masked_softmax():
    """Check the masked softmax.

    The student's function::

        {signature}
        a_(t,s) = exp(e_(t,s)) / sum_(s' kept) exp(e_(t,s'))   (0 where mask[s, b] is False)

    with scores (Tq, B, Tk) and mask (Tk, B) bool (True = the key takes
    part); returns weights (Tq, B, Tk). Reference:
    :func:`rnnlib.attention.masked_softmax`.
    """
    from rnnlib.attention import masked_softmax as reference

    rng = np.random.default_rng(92)
    cases = []
    for label, Tq, Tk, B, pads, scale, dtype, hint in (
        ("no padding, Tq=2, Tk=4, B=2", 2, 4, 2, (0, 0), 1.0, np.float64, None),
        ("sequence 1 left-padded by 2", 3, 5, 2, (0, 2), 1.0, np.float64,
         "the mask is (Tk, B): transpose it to (B, Tk) to line it up with scores[t] (B, Tk)."),
        ("only the last key kept", 2, 4, 1, (3,), 1.0, np.float64,
         "with one key kept, its weight is exactly 1."),
        ("scores of +-1000 (exp overflows without the max subtracted)", 2, 3, 2, (1, 0), 1000.0,
         np.float64, "subtract the maximum of each row before np.exp."),
        ("float32 scores", 2, 3, 2, (0, 1), 1.0, np.float32, FLOAT32_HINT),
    ):
        e = (scale * rng.standard_normal((Tq, B, Tk))).astype(dtype)
        m = _padding(Tk, B, pads)
        cases.append(Case(label, (e, m), reference(e, m), "weights", hint))
    return cases


@checker(
    "context(weights, V) -> c",
    summary=("`{name}` gives c_t = sum_s a_(t,s) v_s for every query, for batches of 1 to 3, one-hot weights "
             "and float32"),
    hint=("for every sequence b, the contexts of all queries are one matrix product of its weights "
          "(Tq, Tk) with its values (Tk, Dv)."),
    more=("c[:, b] = weights[:, b] @ V[:, b] for each b, or one einsum 'tbs,sbd->tbd'."),
    forbid=("rnnlib.attention._context", "rnnlib.attention.dot_product_attention"),
)
def context():
    """Check the context vectors.

    The student's function::

        {signature}
        c_t = sum_s a_(t,s) v_s

    with weights (Tq, B, Tk) and V (Tk, B, Dv); returns c (Tq, B, Dv).
    Reference: the formula (what :func:`rnnlib.attention.dot_product_attention`
    returns as its context).
    """
    from rnnlib.attention import masked_softmax as softmax_keys

    rng = np.random.default_rng(93)
    cases = []
    for label, Tq, Tk, B, Dv, dtype, hint in (
        ("Tq=2, Tk=3, B=2, Dv=4", 2, 3, 2, 4, np.float64, None),
        ("one query, B=1", 1, 4, 1, 3, np.float64, None),
        ("a batch of 3, Tq=4, Tk=2", 4, 2, 3, 2, np.float64,
         "sum over the keys s (axis 0 of V), separately for every sequence b."),
        ("one-hot weights: c_t is one value vector", 3, 3, 2, 2, np.float64,
         "a weight of 1 on key s must return v_s itself."),
        ("float32 arrays", 2, 3, 2, 2, np.float32, FLOAT32_HINT),
    ):
        if label.startswith("one-hot"):
            a = np.zeros((Tq, B, Tk))
            a[np.arange(Tq), :, [2, 0, 1]] = 1.0
        else:
            a = softmax_keys(rng.standard_normal((Tq, B, Tk)))
        a = a.astype(dtype)
        V = rng.standard_normal((Tk, B, Dv)).astype(dtype)
        expected = np.stack([a[:, b] @ V[:, b] for b in range(B)], axis=1)
        cases.append(Case(label, (a, V), expected, "c", hint))
    return cases


@checker(
    "scaled_dot_product_attention(Q, K, V, mask) -> (c, weights)",
    summary=("`{name}` gives the context and weights of softmax(q_t . k_s / sqrt(d)) over the kept keys, "
             "with and without padding, with large scores and in float32"),
    hint=("scores = q_t . k_s / sqrt(d) (d = Q.shape[-1]) for all t, s, per sequence; masked softmax over s "
          "(mask=None: every key takes part); c_t = sum_s a_(t,s) v_s."),
    more=("per sequence b: e = Q[:, b] @ K[:, b].T / sqrt(d); masked, stable softmax over the last axis; "
          "c[:, b] = a @ V[:, b]."),
    slips=_DOT_SLIPS,
    forbid=("rnnlib.attention.dot_product_attention",),
)
def scaled_dot_product_attention():
    """Check scaled dot-product attention.

    The student's function::

        {signature}
        e_(t,s) = q_t . k_s / sqrt(d);  a = masked softmax_s(e);  c_t = sum_s a_(t,s) v_s

    with Q (Tq, B, d), K (Tk, B, d), V (Tk, B, Dv), mask (Tk, B) bool or
    None; returns c (Tq, B, Dv) and weights (Tq, B, Tk). Reference:
    :func:`rnnlib.attention.dot_product_attention`.
    """
    from rnnlib.attention import dot_product_attention

    rng = np.random.default_rng(94)
    cases = []
    for label, Tq, Tk, B, d, Dv, pads, scale, dtype, hint in (
        ("no mask (None), Tq=2, Tk=3, B=2, d=4, Dv=5", 2, 3, 2, 4, 5, None, 1.0, np.float64, None),
        ("sequence 0 left-padded by 1", 3, 4, 2, 3, 2, (1, 0), 1.0, np.float64, None),
        ("d=16: the scale 1/sqrt(d) matters", 2, 3, 1, 16, 2, (0,), 1.0, np.float64,
         "divide the dot products by sqrt(d) = sqrt(Q.shape[-1]) before the softmax."),
        ("large scores (queries x 30)", 2, 4, 2, 3, 2, (0, 2), 30.0, np.float64,
         "subtract the row maximum before np.exp."),
        ("float32 arrays", 2, 3, 2, 2, 2, (0, 1), 1.0, np.float32, FLOAT32_HINT),
    ):
        Q = (scale * rng.standard_normal((Tq, B, d))).astype(dtype)
        K = rng.standard_normal((Tk, B, d)).astype(dtype)
        V = rng.standard_normal((Tk, B, Dv)).astype(dtype)
        m = None if pads is None else _padding(Tk, B, pads)
        c, tr = dot_product_attention(Q, K, V, m)
        cases.append(Case(label, (Q, K, V, m), (c, tr["weights"]), ("c", "weights"), hint))
    return cases
