"""rnnlib.seq2seq: sequence loss, exact gradients of the encoder-decoder, greedy and beam decoding."""
from dataclasses import replace

import numpy as np
import pytest

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.seq2seq import Hypothesis, Seq2Seq, beam_step, exact_match, sequence_cross_entropy
from rnnlib.seqtasks import BOS, COPY_VOCAB, EOS, copy_pairs, make_batch


def assert_gradients_exact(model, params, batch):
    """Every parameter's gradient against central differences."""
    grads = model.loss_and_grads(params, batch)[1]
    assert set(grads) == set(params)
    for key in params:
        def f(x, key=key):
            return model.loss_and_grads(dict(params, **{key: x}), batch)[0]
        # eps 1e-4: the attention's gradients are ~1e-5 here, so the default 1e-6 drowns them in rounding
        assert rel_error(grads[key], numerical_gradient(f, params[key], eps=1e-4)) < 1e-7, key


def small_batch(rng):
    # sources of different lengths (left-padded), targets of different lengths (right-padded)
    return make_batch(["abc", "j", "ee"], ["cba", "j", "eej"], COPY_VOCAB, COPY_VOCAB)


def test_sequence_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 3, 5))
    y = rng.integers(0, 5, size=(4, 3))
    m = np.ones((4, 3), bool)
    m[2:, 1] = False
    loss, dz = sequence_cross_entropy(z, y, m)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    expected = -np.mean([logp[t, b, y[t, b]] for t in range(4) for b in range(3) if m[t, b]])
    assert loss == pytest.approx(expected)
    assert np.all(dz[2:, 1] == 0)
    num = numerical_gradient(lambda x: sequence_cross_entropy(x, y, m)[0], z)
    assert rel_error(dz, num) < 1e-7
    y_bad = y.copy()
    y_bad[3, 1] = 99  # a padded position may hold anything
    assert sequence_cross_entropy(z, y_bad, m)[0] == loss


@pytest.mark.parametrize("attention", [None, "additive", "dot"])
def test_gradients_of_every_parameter(attention):
    rng = np.random.default_rng(1)
    model = Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, 4, attention=attention, attn_size=3)
    params = model.init(rng)
    batch = small_batch(rng)
    loss = model.loss_and_grads(params, batch)[0]
    assert loss == pytest.approx(sequence_cross_entropy(model.forward(params, batch)[0], batch.tgt_out,
                                                        batch.tgt_mask)[0])
    assert_gradients_exact(model, params, batch)


def test_padding_does_not_change_a_sequence():
    """A sequence in a padded batch gets the logits it gets alone (sources left-padded, masks)."""
    rng = np.random.default_rng(2)
    model = Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, 5, attention="additive")
    params = model.init(rng)
    together = model.forward(params, make_batch(["abcd", "ab"], ["dcba", "ba"], COPY_VOCAB, COPY_VOCAB))[0]
    alone = model.forward(params, make_batch(["abcd"], ["dcba"], COPY_VOCAB, COPY_VOCAB))[0]
    np.testing.assert_allclose(together[:, 0], alone[:, 0], atol=1e-12)
    w = model.forward(params, make_batch(["abcd", "ab"], ["dcba", "ba"], COPY_VOCAB, COPY_VOCAB))[1]["weights"]
    assert np.all(w[:, 1, :2] == 0)  # no weight on the padding


def test_greedy_matches_the_teacher_forced_argmax_on_its_own_output():
    """Greedy decoding feeds back its argmax: re-running teacher-forced on that output gives the same argmax."""
    rng = np.random.default_rng(3)
    for attention in (None, "additive"):
        model = Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, 6, attention=attention)
        params = model.init(rng)
        b = make_batch(["abcab"], ["a"], COPY_VOCAB, COPY_VOCAB)
        ids, w = model.greedy(params, b.src, b.src_mask, max_len=6)
        tgt_in = np.r_[BOS, ids[:-1, 0]][:, None]
        fake = make_batch(["abcab"], ["a" * len(ids)], COPY_VOCAB, COPY_VOCAB)
        logits = model.forward(params, replace(fake, tgt_in=tgt_in, tgt_out=ids,
                                               tgt_mask=np.ones_like(ids, bool)))[0]
        assert np.array_equal(np.argmax(logits, -1), ids)
        if attention:
            np.testing.assert_allclose(w.sum(-1), 1.0)


def test_beam_width_one_equals_greedy_and_wider_beams_score_no_worse():
    rng = np.random.default_rng(4)
    for attention in (None, "additive", "dot"):
        model = Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, 6, attention=attention)
        params = model.init(rng)
        src, _ = copy_pairs(rng, 5, 6)
        for s in src:
            ids = COPY_VOCAB.encode(s)
            g = model.greedy(params, ids[:, None], max_len=8)[0][:, 0].tolist()
            if EOS in g:
                g = g[:g.index(EOS) + 1]
            steps = model.decode_steps(params, ids, max_len=8)
            assert steps["ids"].tolist() == g and steps["probs"].shape == (len(g), COPY_VOCAB.size)
            np.testing.assert_allclose(steps["probs"].sum(-1), 1.0)
            assert (steps["weights"] is None) == (attention is None)
            best1 = model.beam_search(params, ids, k=1, max_len=8)
            assert len(best1) == 1 and list(best1[0].tokens) == g
            hyps = model.beam_search(params, ids, k=4, max_len=8)
            assert hyps == sorted(hyps, key=lambda h: -h.score)
            for h in hyps:
                assert isinstance(h, Hypothesis) and h.score == pytest.approx(h.log_prob / len(h.tokens))
                # the reported log-probability is the model's
                tgt_in = np.array([BOS, *h.tokens[:-1]], dtype=np.int64)[:, None]
                fake = make_batch([s], ["a"], COPY_VOCAB, COPY_VOCAB)
                z = model.forward(params, replace(fake, tgt_in=tgt_in))[0][:, 0]
                lp = z - np.log(np.exp(z).sum(-1, keepdims=True))
                assert h.log_prob == pytest.approx(sum(lp[t, j] for t, j in enumerate(h.tokens)))


def test_beam_step():
    scores = np.array([-1.0, -0.5])
    lp = np.log(np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]]))
    parents, tokens, new = beam_step(scores, lp, 3)
    cand = scores[:, None] + lp
    assert list(zip(parents, tokens)) == [(1, 2), (0, 0), (0, 1)]
    np.testing.assert_allclose(new, [cand[1, 2], cand[0, 0], cand[0, 1]])
    assert len(beam_step(scores, lp, 10)[0]) == 6
    with pytest.raises(ValueError, match="log_probs: expected shape"):
        beam_step(scores, lp[:1], 2)
    with pytest.raises(ValueError, match="k"):
        beam_step(scores, lp, 0)


def test_exact_match():
    assert exact_match(["a", "b"], ["a", "c"]) == 0.5
    with pytest.raises(ValueError, match="predicted"):
        exact_match(["a"], ["a", "b"])


def test_translate_and_bad_input():
    rng = np.random.default_rng(5)
    model = Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, 4, attention="dot")
    params = model.init(rng)
    out = model.translate(params, ["abc", "de"], COPY_VOCAB, COPY_VOCAB, max_len=5, batch_size=1)
    assert len(out) == 2 and all(isinstance(s, str) and len(s) <= 5 for s in out)
    with pytest.raises(ValueError, match="attention"):
        Seq2Seq(5, 5, 4, attention="multiplicative")
    with pytest.raises(ValueError, match="hidden_size"):
        Seq2Seq(5, 5, 0)
    with pytest.raises(ValueError, match=r"params\['W_y'\]"):
        model.forward(dict(params, W_y=np.zeros((3, 3))), small_batch(rng))
    with pytest.raises(TypeError, match="batch"):
        model.forward(params, "abc")
    with pytest.raises(ValueError, match="src: expected ids"):
        model.encode(params, np.full((3, 1), 99))
    with pytest.raises(TypeError, match="src: expected integer"):
        model.encode(params, np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"src: expected shape \(Ts,\)"):
        model.beam_search(params, np.zeros((3, 1), int))
    with pytest.raises(ValueError, match="mask: expected at least one"):
        sequence_cross_entropy(np.zeros((2, 1, 3)), np.zeros((2, 1), int), np.zeros((2, 1), bool))
    with pytest.raises(ValueError, match="H_enc"):
        model.decoder_step(params, np.array([BOS]), np.zeros((1, 4)))
    assert model.num_params() == sum(v.size for v in params.values())
    assert "attention='dot'" in repr(model)


@pytest.mark.parametrize("attention", ["additive", "dot"])
def test_self_attention_encoder_gradients(attention):
    """Chapter 9's self-attention encoder: every gradient, embedding and residual included."""
    rng = np.random.default_rng(6)
    model = Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, 4, attention=attention, attn_size=3,
                    encoder="self_attention")
    params = model.init(rng)
    assert set(model.param_shapes()) >= {"enc.E", "enc.W_q", "enc.W_k", "enc.W_v"}
    batch = make_batch(["abca", "j", "ee"], ["acba", "j", "eej"], COPY_VOCAB, COPY_VOCAB)  # "a" repeated
    assert_gradients_exact(model, params, batch)


def test_self_attention_encoder_padding_positions_and_bad_input():
    """Left padding changes nothing: positions are counted from the first real character."""
    rng = np.random.default_rng(7)
    model = Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, 5, attention="additive", encoder="self_attention")
    params = model.init(rng)
    both = make_batch(["abcd", "ab"], ["dcba", "ba"], COPY_VOCAB, COPY_VOCAB)
    together = model.forward(params, both)[0]
    for b, (s, t) in enumerate([("abcd", "dcba"), ("ab", "ba")]):
        alone = model.forward(params, make_batch([s], [t], COPY_VOCAB, COPY_VOCAB))[0]
        np.testing.assert_allclose(together[:len(t) + 1, b], alone[:, 0], atol=1e-12)
    # greedy on the padded batch equals greedy on each source alone
    ids, _ = model.greedy(params, both.src, both.src_mask, max_len=6)
    alone_ids, _ = model.greedy(params, both.src[2:, 1:], both.src_mask[2:, 1:], max_len=6)
    np.testing.assert_array_equal(ids[:len(alone_ids), 1], alone_ids[:, 0])
    # the order of the source matters (positional encodings), unlike a bag of characters
    H1, _ = model.encode(params, make_batch(["ab"], ["ab"], COPY_VOCAB, COPY_VOCAB).src)
    H2, _ = model.encode(params, make_batch(["ba"], ["ab"], COPY_VOCAB, COPY_VOCAB).src)
    assert not np.allclose(H1[0], H2[1])
    assert "encoder='self_attention'" in repr(model)
    assert model.num_params() == sum(v.size for v in params.values())
    with pytest.raises(ValueError, match="attention"):
        Seq2Seq(5, 5, 4, encoder="self_attention")
    with pytest.raises(ValueError, match="encoder"):
        Seq2Seq(5, 5, 4, attention="dot", encoder="lstm")
    with pytest.raises(ValueError, match="src_mask"):
        model.encode(params, both.src, both.src_mask[:, :1])


def test_bidirectional_encoder_gradients():
    """encoder="bigru": both directions over each sequence's own characters, every gradient exact."""
    rng = np.random.default_rng(8)
    model = Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, 4, attention="additive", attn_size=3, encoder="bigru")
    params = model.init(rng)
    # larger attention weights than the default init, so their gradients (~1e-7 otherwise) stand
    # above the finite differences' rounding
    params.update({k: rng.normal(size=v.shape) for k, v in params.items() if k.startswith("att.")})
    assert model.param_shapes()["att.W_k"] == (3, 8) and model.param_shapes()["W_y"] == (COPY_VOCAB.size, 12)
    batch = small_batch(rng)
    assert_gradients_exact(model, params, batch)


def test_bidirectional_encoder_padded_batch_equals_each_sequence_alone():
    rng = np.random.default_rng(9)
    model = Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, 5, attention="additive", encoder="bigru")
    params = model.init(rng)
    pairs = [("abcd", "dcba"), ("ab", "ba"), ("bca", "acb")]
    together = model.forward(params, make_batch(*zip(*pairs), COPY_VOCAB, COPY_VOCAB))
    for b, (s, t) in enumerate(pairs):
        alone = model.forward(params, make_batch([s], [t], COPY_VOCAB, COPY_VOCAB))
        np.testing.assert_allclose(together[0][:len(t) + 1, b], alone[0][:, 0], atol=1e-12)
        # the encoder states of the real characters, both directions, equal those of the sequence alone
        np.testing.assert_allclose(together[1]["H_enc"][-len(s):, b], alone[1]["H_enc"][:, 0], atol=1e-12)
        assert np.all(together[1]["H_enc"][:-len(s), b] == 0)
    # the reverse half at the first character has read the whole sequence: change the last, it changes
    H1 = model.encode(params, make_batch(["abc"], ["a"], COPY_VOCAB, COPY_VOCAB).src)[0]
    H2 = model.encode(params, make_batch(["abd"], ["a"], COPY_VOCAB, COPY_VOCAB).src)[0]
    np.testing.assert_array_equal(H1[0, 0, :5], H2[0, 0, :5])  # forward half: only "a" so far
    assert not np.allclose(H1[0, 0, 5:], H2[0, 0, 5:])
    hyp = model.beam_search(params, COPY_VOCAB.encode("abc"), k=1, max_len=5)[0]
    ids, _ = model.greedy(params, COPY_VOCAB.encode("abc")[:, None], max_len=5)
    assert list(hyp.tokens) == list(ids[:len(hyp.tokens), 0])
    with pytest.raises(ValueError, match="attention"):
        Seq2Seq(5, 5, 4, attention="dot", encoder="bigru")
    with pytest.raises(ValueError, match="src_mask"):
        model.encode(params, np.array([[3], [4]]), np.array([[True], [False]]))  # right padding


@pytest.mark.parametrize("encoder", ["bigru", "self_attention"])
def test_padded_batch_gradients_are_the_sequences_own(encoder):
    """Padding masks, gradients too: with the encoders that skip padding, the gradient of a padded
    batch is the token-weighted sum of each sequence's gradient alone (the loss is the mean over the
    batch's N real tokens, so sequence b weighs N_b / N). The one-way "gru" encoder reads the left
    padding (chapter 8 shows the gap), so it is not in this list."""
    rng = np.random.default_rng(11)
    model = Seq2Seq(COPY_VOCAB.size, COPY_VOCAB.size, 5, attention="additive", encoder=encoder)
    params = model.init(rng)
    pairs = [("abcde", "edcba"), ("ab", "ba"), ("bca", "acbj")]
    loss, grads = model.loss_and_grads(params, make_batch(*zip(*pairs), COPY_VOCAB, COPY_VOCAB))
    n = np.array([len(t) + 1 for _, t in pairs])  # real target tokens, EOS included
    alone = [model.loss_and_grads(params, make_batch([s], [t], COPY_VOCAB, COPY_VOCAB)) for s, t in pairs]
    assert loss == pytest.approx(sum(w * l for w, (l, _) in zip(n / n.sum(), alone)), rel=1e-12)
    for key in params:
        summed = sum(w * g[key] for w, (_, g) in zip(n / n.sum(), alone))
        np.testing.assert_allclose(grads[key], summed, rtol=1e-10, atol=1e-14, err_msg=key)


def test_sequence_cross_entropy_is_torchs_with_ignore_index():
    """Chapter 8 says torch's cross_entropy(ignore_index=PAD) averages the same way, (B, V, T) first."""
    torch = pytest.importorskip("torch")
    from rnnlib.seqtasks import PAD
    batch = make_batch(["abc", "j"], ["cba", "jjjjj"], COPY_VOCAB, COPY_VOCAB)
    assert np.all(batch.tgt_out[~batch.tgt_mask] == PAD)
    z = np.random.default_rng(12).normal(size=batch.tgt_out.shape + (COPY_VOCAB.size,))
    zt = torch.tensor(z, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(zt.permute(1, 2, 0), torch.tensor(batch.tgt_out.T), ignore_index=PAD)
    ref.backward()
    loss, dz = sequence_cross_entropy(z, batch.tgt_out, batch.tgt_mask)
    assert abs(loss - ref.item()) < 1e-12
    np.testing.assert_allclose(dz, zt.grad.numpy(), atol=1e-14)
