"""Checkers of chapter 8 (sequence to sequence): the decoder step, the masked sequence loss,
greedy decoding, one step of beam search."""

import numpy as np

from rnnlib.check.engine import Case, Fail, Slip, checker, fmt
from rnnlib.check.common import FLOAT32_HINT

__all__ = ["decoder_step", "sequence_cross_entropy", "greedy_decode", "beam_step"]


def _decoder_arrays(rng, B, V, H, dtype=np.float64):
    from rnnlib.gru import GRU

    params = GRU(V, H).init(rng, dtype)
    y_prev = rng.integers(0, V, B)
    d_prev = rng.uniform(-1, 1, (B, H)).astype(dtype)
    W_y = (0.5 * rng.standard_normal((V, H))).astype(dtype)
    b_y = (0.5 * rng.standard_normal(V)).astype(dtype)
    return y_prev, d_prev, params["W"], params["b"], W_y, b_y


def _decoder_reference(y_prev, d_prev, W, b, W_y, b_y):
    from rnnlib.data import one_hot
    from rnnlib.gru import GRU

    V, H = W_y.shape
    d, _, _ = GRU(V, H).step({"W": W, "b": b}, one_hot(y_prev, V, W.dtype), {"h": d_prev})
    return d @ W_y.T + b_y, d


def _logits_from_previous_state(y_prev, d_prev, W, b, W_y, b_y):
    _, d = _decoder_reference(y_prev, d_prev, W, b, W_y, b_y)
    return d_prev @ W_y.T + b_y, d


_DECODER_SLIPS = (
    Slip(lambda *args: _decoder_reference(*args)[::-1],
         "you returned (d_t, z_t): the function returns the logits first, (z_t, d_t)."),
    Slip(_logits_from_previous_state,
         "your z_t comes from the previous state d_prev: take the GRU step first, then z_t = W_y d_t + b_y "
         "from the NEW state."),
)


@checker(
    "decoder_step(y_prev, d_prev, W, b, W_y, b_y) -> (z_t, d_t)",
    summary=("`{name}` gives the decoder's logits z_t and state d_t (a book GRU step on the one-hot previous "
             "character, then W_y d_t + b_y) for batches of 1 to 4 and float32"),
    hint=("the previous character enters as a one-hot vector of size V = W_y.shape[0]; one book-GRU step "
          "with (W, b) gives d_t, and the output layer turns d_t into z_t."),
    more=("x = one_hot(y_prev, V); d_t from GRU(V, H).step({'W': W, 'b': b}, x, {'h': d_prev}); "
          "z_t = d_t @ W_y.T + b_y."),
    slips=_DECODER_SLIPS,
    forbid=("rnnlib.seq2seq.Seq2Seq.decoder_step",),
)
def decoder_step():
    """Check one decoder step of the encoder-decoder without attention.

    The student's function::

        {signature}
        d_t = GRU(onehot(y_{t-1}), d_{t-1});  z_t = W_y d_t + b_y

    with y_prev (B,) int ids, d_prev (B, H), W (3H, V+H) and b (3H,) the
    decoder GRU's fused parameters (book variant), W_y (V, H), b_y (V,);
    returns z_t (B, V) and d_t (B, H). Reference: :class:`rnnlib.gru.GRU`
    and :meth:`rnnlib.seq2seq.Seq2Seq.decoder_step`.
    """
    rng = np.random.default_rng(81)
    cases = []
    for label, B, V, H, dtype, hint in (
        ("a batch of 3, V=6, H=4", 3, 6, 4, np.float64, None),
        ("a batch of 1, V=5, H=1", 1, 5, 1, np.float64, None),
        ("a batch of 4 with the same previous character", 4, 7, 3, np.float64, None),
        ("float32 arrays", 2, 6, 3, np.float32, FLOAT32_HINT),
    ):
        args = _decoder_arrays(rng, B, V, H, dtype)
        if label.startswith("a batch of 4"):
            args = (np.full(B, 2),) + args[1:]
        cases.append(Case(label, args, _decoder_reference(*args), ("z_t", "d_t"), hint))
    return cases


def _loss_case(rng, T, B, V, pad, dtype=np.float64):
    z = (2 * rng.standard_normal((T, B, V))).astype(dtype)
    y = rng.integers(0, V, (T, B))
    m = np.ones((T, B), bool)
    for b, p in enumerate(pad):
        if p:
            m[T - p:, b] = False
            y[T - p:, b] = 0
    return z, y, m


def _loss_reference(logits, targets, mask):
    from rnnlib.seq2seq import sequence_cross_entropy as reference

    return reference(logits, targets, mask)


_LOSS_SLIPS = (
    Slip(lambda z, y, m: (_loss_reference(z, y, m)[0], -_loss_reference(z, y, m)[1]),
         "your dlogits has the wrong sign: the gradient of -log p(target) is softmax(z) - onehot(target), "
         "positive on the wrong tokens."),
    Slip(lambda z, y, m: tuple(x * m.sum() for x in _loss_reference(z, y, m)),
         "your loss and gradient are sums over the real tokens: divide both by N = mask.sum() (the mean)."),
    Slip(lambda z, y, m: (_loss_reference(z, y, m)[0], _loss_reference(z, y, m)[1] * m.sum()),
         "your loss is right but dlogits is N = mask.sum() times too large: the mean's gradient is divided "
         "by N as well."),
)


@checker(
    "sequence_cross_entropy(logits, targets, mask) -> (loss, dlogits)",
    summary=("`{name}` gives the mean cross-entropy over the real tokens and its gradient, zero at padding, "
             "for padded batches, a single token, large logits and float32"),
    hint=("average -log p(target) over the real tokens only (N = the number of True entries of the mask); "
          "the gradient is (p - onehot) / N at real tokens and 0 at padding."),
    more=("N = mask.sum(); loss = -sum of log softmax(logits)[t, b, targets[t, b]] over the mask / N; "
          "dlogits = (softmax(logits) - onehot(targets)) * mask[..., None] / N."),
    slips=_LOSS_SLIPS,
    forbid=("rnnlib.seq2seq.sequence_cross_entropy",),
)
def sequence_cross_entropy():
    """Check the masked sequence cross-entropy.

    The student's function::

        {signature}
        J = -(1/N) sum_{t,b: mask} log softmax(z_{t,b})[y_{t,b}],   N = sum(mask)

    logits (T, B, V), targets (T, B) int, mask (T, B) bool; returns the loss
    (a number) and dlogits (T, B, V), zero where the mask is False.
    Reference: :func:`rnnlib.seq2seq.sequence_cross_entropy`.
    """
    from rnnlib.seq2seq import sequence_cross_entropy as reference

    rng = np.random.default_rng(82)
    cases = []
    for label, T, B, V, pad, dtype, hint in (
        ("no padding, T=3, B=2, V=5", 3, 2, 5, (0, 0), np.float64,
         "with no padding this is the mean over all T*B tokens."),
        ("a padded batch: sequence 1 has 2 padded steps", 4, 3, 6, (0, 2, 0), np.float64,
         "divide by the number of REAL tokens (mask.sum()), not by T*B, and zero the gradient at padding."),
        ("one real token", 3, 1, 4, (2,), np.float64, None),
        ("logits shifted by +-800 (np.exp overflows or underflows without the max subtracted)", 3, 2, 5,
         (0, 1), np.float64,
         "subtract the maximum logit before exponentiating (a stable log-softmax)."),
        ("float32 logits", 3, 2, 5, (1, 0), np.float32, FLOAT32_HINT),
    ):
        z, y, m = _loss_case(rng, T, B, V, pad, dtype)
        if label.startswith("logits shifted"):
            # spread 50 within a row (every p stays far above 0), each row shifted by +800 or -800:
            # exp(800) overflows and exp(-800) is 0 unless the row's maximum is subtracted first
            shift = 800.0 * np.where(np.arange(T * B).reshape(T, B, 1) % 2 == 0, 1.0, -1.0)
            z = (25 * z + shift).astype(dtype)
        loss, dz = reference(z, y, m)
        if dtype == np.float32:
            loss = np.float32(loss)
        cases.append(Case(label, (z, y, m), (loss, dz), ("loss", "dlogits"), hint))
    y_bad = _loss_case(np.random.default_rng(5), 3, 2, 5, (0, 1))
    z, y, m = y_bad
    y = y.copy()
    y[2, 1] = 99  # a padded position may hold anything
    cases.append(Case("a padded position holds an id outside the vocabulary (it must be ignored)", (z, y, m),
                      reference(z, y, m), ("loss", "dlogits"),
                      "read targets only where the mask is True (e.g. np.where(mask, targets, 0))."))
    return cases


def _greedy_model(seed, V, H):
    from rnnlib.seq2seq import Seq2Seq

    model = Seq2Seq(V, V, H)
    params = model.init(np.random.default_rng(seed))
    params["b_y"] = params["b_y"].copy()
    params["b_y"][2] -= 1.0  # EOS a little less likely: outputs of a few steps
    # a state that matters: larger recurrent and output weights, so a decoder that forgets to carry d
    # (or to feed back y) writes other ids
    params["dec.W"] = params["dec.W"].copy()
    params["dec.W"][:, V:] *= 4.0
    params["W_y"] = 4.0 * params["W_y"]

    def step(y_prev, d_prev):
        z, d, _ = model.decoder_step(params, y_prev, d_prev)
        return z, d

    return model, params, step


def _greedy_variant(step, d0, max_len, feed_back=True, carry_state=True, start=1):
    """Greedy decoding with a typical slip: BOS fed at every step, d0 used at every step, or another
    first input than BOS (``start``)."""
    B = d0.shape[0]
    y, d, done, out = np.full(B, start), d0, np.zeros(B, bool), []
    for _ in range(max_len):
        z, d_new = step(y if feed_back else np.full(B, 1), d if carry_state else d0)
        d = d_new
        y = np.where(done, 2, z.argmax(axis=-1))
        out.append(y)
        done |= y == 2
        if done.all():
            break
    return np.stack(out)


_GREEDY_SLIPS = (
    (dict(feed_back=False), "your ids are those of a decoder that reads BOS at every step: feed back the id "
                            "it just wrote as the next y_prev."),
    (dict(carry_state=False), "your ids are those of a decoder that starts every step from d0: pass the "
                              "state the last step returned to the next step."),
    (dict(start=0), "your ids are those of a decoder whose first input is PAD (id 0): every sequence starts "
                    "from BOS (id 1)."),
    (dict(start=2), "your ids are those of a decoder whose first input is EOS (id 2): every sequence starts "
                    "from BOS (id 1)."),
)


def _greedy_slip(g, step, d0, max_len):
    """The hint of the slip whose ids equal ``g``, or None."""
    right = _greedy_variant(step, d0, max_len)
    if g.ndim == 2 and np.array_equal(g.T, right):
        return "your ids are (B, L), one row per sequence: return (L, B), one row per step."
    for options, hint in _GREEDY_SLIPS:
        wrong = _greedy_variant(step, d0, max_len, **options)
        if wrong.shape == g.shape and np.array_equal(wrong, g):
            return hint
    return None


def _greedy_test(seed, B, max_len, eos_bias=0.0):
    def test(student):
        rng = np.random.default_rng(seed)
        model, params, step = _greedy_model(seed, 6, 5)
        if eos_bias:
            params["b_y"][2] += eos_bias
        src = rng.integers(3, 6, (4, B))
        d0 = model.encode(params, src)[1].final_state["h"]
        expected = model.greedy(params, src, None, max_len)[0]
        got = student(step, d0, max_len)
        g = np.asarray(got)
        if g.dtype.kind not in "iu":
            raise Fail(f"expected integer ids, got {fmt(g) if g.size <= 8 else 'dtype ' + str(g.dtype)}",
                       "return the argmax ids, e.g. np.stack(outputs) of int arrays.")
        if g.shape != expected.shape:
            raise Fail(f"expected ids of shape {expected.shape} (steps, B), got {g.shape}",
                       _greedy_slip(g, step, d0, max_len)
                       or "stop as soon as every sequence has produced EOS (id 2), or after max_len steps; "
                          "stack the steps along axis 0.")
        if not np.array_equal(g, expected):
            t, b = np.argwhere(g != expected)[0]
            raise Fail(f"at step {t + 1}, sequence {b}: expected id {expected[t, b]}, got {g[t, b]}",
                       _greedy_slip(g, step, d0, max_len))
    return test


@checker(
    "greedy_decode(step, d0, max_len) -> ids",
    summary=("`{name}` feeds back the most likely character from BOS until every sequence has produced EOS "
             "(or max_len steps), keeping EOS after a sequence's end"),
    hint=("start every sequence from BOS (id 1), feed back the most likely id at each step, keep EOS (id 2) "
          "for sequences that have ended, and stop when all have ended or after max_len steps."),
    more=("y = BOS for all; repeat: z, d = step(y, d); y = z.argmax(axis=-1), but EOS where a sequence is "
          "done; collect y; stop when all are done."),
    forbid=("rnnlib.seq2seq.Seq2Seq.greedy", "rnnlib.seq2seq.Seq2Seq.decode_steps"),
)
def greedy_decode():
    """Check greedy decoding.

    The student's function::

        {signature}

    with ``step(y_prev, d_prev) -> (z, d)`` one decoder step (y_prev (B,)
    int ids, z (B, V) logits), d0 (B, H) the encoder's final state; returns
    ids (L, B): y_t = argmax z_t fed back as the next input, starting from
    BOS = 1; a sequence that produced EOS = 2 keeps EOS; stops when all have
    produced EOS or after max_len steps. Reference:
    :meth:`rnnlib.seq2seq.Seq2Seq.greedy`.
    """
    return [
        Case("one sequence, at most 6 steps", test=_greedy_test(83, 1, 6)),
        # the sequences end at steps 5, 2 and 6; after its EOS the model would write other ids
        Case("a batch of 3 that end at steps 5, 2 and 6, at most 8 steps", test=_greedy_test(104, 3, 8, 1.0),
             hint="after a sequence has produced EOS, keep writing EOS for it until all are done."),
        Case("max_len = 2 (stop even without EOS)", test=_greedy_test(85, 2, 2)),
        Case("EOS very likely: every sequence ends at step 1", test=_greedy_test(86, 3, 8, eos_bias=20.0),
             hint="check for the end after every step: here one step is enough."),
    ]


def _beam_reference(scores, log_probs, k):
    from rnnlib.seq2seq import beam_step as reference

    return reference(scores, log_probs, k)


_BEAM_SLIPS = (
    Slip(lambda scores, lp, k: _beam_reference(scores, lp, min(k, len(scores))),
         "you kept at most K survivors: a beam step keeps the k best of all K x V candidates, so one "
         "hypothesis may have several children and another none.",
         when=lambda scores, lp, k: k > len(scores)),
    Slip(lambda scores, lp, k: _beam_reference(scores, lp, k)[:2] + (
        lp[_beam_reference(scores, lp, k)[:2]],),
         "your new_scores are the one-token log-probabilities: add the parent's score, "
         "scores[parent] + log_probs[parent, token]."),
)


@checker(
    "beam_step(scores, log_probs, k) -> (parents, tokens, new_scores)",
    summary=("`{name}` keeps the k best of all K x V one-token extensions (total log-probabilities), best "
             "first, for one and several hypotheses and k larger than K x V"),
    hint=("score every candidate (hypothesis i, token j) by its total log-probability scores[i] + "
          "log_probs[i, j], keep the k highest of all K x V, best first."),
    more=("cand = scores[:, None] + log_probs; sort the flattened cand in decreasing order and keep k; "
          "parent = flat index // V, token = flat index % V."),
    slips=_BEAM_SLIPS,
    forbid=("rnnlib.seq2seq.beam_step",),
)
def beam_step():
    """Check one step of beam search.

    The student's function::

        {signature}

    scores (K,), log_probs (K, V), k an int; returns three (min(k, K*V),)
    arrays, best first: the parent hypothesis, the appended token and the new
    total log-probability ``scores[parent] + log_probs[parent, token]``.
    Reference: :func:`rnnlib.seq2seq.beam_step`.
    """
    from rnnlib.activations import log_softmax
    from rnnlib.seq2seq import beam_step as reference

    rng = np.random.default_rng(87)
    cases = []
    for label, K, V, k, hint in (
        ("K=1 hypothesis (the first step), V=5, k=3", 1, 5, 3, None),
        ("K=3 hypotheses, V=4, k=3", 3, 4, 3,
         "compare the TOTAL scores scores[i] + log_probs[i, j] of all K*V candidates, not each row alone."),
        ("K=2, V=6, k=1 (greedy)", 2, 6, 1, None),
        ("K=2, V=3, k=10 > K*V: all 6 candidates", 2, 3, 10, "return min(k, K*V) candidates."),
    ):
        scores = np.sort(-3 * rng.random(K))[::-1]
        lp = log_softmax(rng.standard_normal((K, V)) * 2)
        parents, tokens, new = reference(scores, lp, k)
        cases.append(Case(label, (scores, lp, k), (parents, tokens, new), ("parents", "tokens", "new_scores"),
                          hint))
    return cases
