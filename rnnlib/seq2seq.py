"""An encoder-decoder (sequence to sequence) of GRU cells, with or without attention.

The model of chapters 8 and 9 (Sutskever et al., 2014; Cho et al., 2014;
attention as Bahdanau et al., 2015, placed as Luong et al., 2015)::

    encoder   h_s = GRU_enc(x_s, h_{s-1}),  s = 1..Ts,   h_0 = 0        x_s one-hot source character
    decoder   d_0 = h_Ts                                                the whole source in one vector
              d_t = GRU_dec(y_{t-1}, d_{t-1}),  y_0 = BOS                y_{t-1} one-hot previous character
    without attention:  z_t = W_y d_t + b_y
    with attention:     c_t = sum_s a_{t,s} h_s,  a_t = softmax_s(score(d_t, h_s))   (padding masked)
                        z_t = W_y [d_t; c_t] + b_y
    p(y_t | y_<t, x) = softmax(z_t)

The cells are rnnlib's GRU (book variant). A one-hot input times the
cell's input matrix W^x picks one column: that *is* an embedding lookup
(the embedding matrix is W^x), so no separate embedding layer is used. The
encoder runs in one direction; sources are left-padded (see
:mod:`rnnlib.seqtasks`) so its last step reads the last real character, and
the attention masks the padding. The attention's query is the decoder state
d_t after its step (Luong et al.'s placement, without "input feeding");
Bahdanau et al. use d_{t-1} and feed c_t into the cell. The score is
``"additive"`` (Bahdanau's ``v^T tanh(W_q d_t + W_k h_s)``) or ``"dot"``
(scaled dot product ``d_t . h_s / sqrt(H)``).

Training uses **teacher forcing**: the decoder reads the true previous
character y_{t-1}, so all To steps run as one sequence. Decoding (greedy or
beam search) feeds the model its own previous output instead.

**Self-attention encoder** (``encoder="self_attention"``, chapter 9's step
towards Transformers; only with attention)::

    x_s = E[:, src_s]                               embedding, E (H, Vs)
    z_s = x_s + p_s                                 p_s positional encoding, s counted
                                                    from the first real character
    h_s = z_s + SelfAttention(z)_s                  residual connection, padding masked
    d_0 = 0                                         the decoder sees the source only by attention

**Bidirectional encoder** (``encoder="bigru"``, only with additive attention)::

    ->h_s = GRU_fwd(x_s, ->h_{s-1}),  <-h_s = GRU_rev(x_s, <-h_{s+1})   real characters only
    h_s = [->h_s; <-h_s]  (2H)                       the attention's keys and values
    d_0 = ->h_Ts                                     as in the one-directional model

Each sequence is run over its own characters only (the left padding is
moved to the right and :class:`rnnlib.layers.RecurrentStack` is given the
lengths), so a padded batch gives each sequence the states it gets alone.
Parameters ``"enc.l0.W"``, ``"enc.l0.b"``, ``"enc.l0_reverse.W"``,
``"enc.l0_reverse.b"``; ``"att.W_k"`` is (A, 2H) and ``"W_y"`` (Vt, 3H).

The self-attention encoder's parameters are ``"enc.E"`` (H, Vs) and ``"enc.W_q"``, ``"enc.W_k"``,
``"enc.W_v"`` (H, H) in place of the encoder GRU's.

Parameters live in one flat dict: ``"enc.W"`` (3H, Vs+H), ``"enc.b"`` (3H,),
``"dec.W"`` (3H, Vt+H), ``"dec.b"`` (3H,), ``"W_y"`` (Vt, H or 2H),
``"b_y"`` (Vt,), and for additive attention ``"att.W_q"`` (A, H),
``"att.W_k"`` (A, H), ``"att.v"`` (A,).
"""

from dataclasses import dataclass

import numpy as np

from rnnlib._checks import (
    as_float_array, check_dtype, check_keys, check_option, check_rng, check_size, check_type, fail,
)
from rnnlib.activations import log_softmax, softmax
from rnnlib.attention import AdditiveAttention, dot_product_attention, dot_product_attention_backward
from rnnlib.data import one_hot
from rnnlib.gru import GRU
from rnnlib.init import uniform_pytorch
from rnnlib.layers import RecurrentStack
from rnnlib.self_attention import SelfAttention
from rnnlib.seqtasks import BOS, EOS, Batch

__all__ = ["ATTENTIONS", "ENCODERS", "Seq2Seq", "sequence_cross_entropy", "beam_step", "Hypothesis", "exact_match"]

ATTENTIONS = (None, "additive", "dot")
ENCODERS = ("gru", "bigru", "self_attention")


@dataclass(frozen=True)
class _BiTrace:
    stack: object  # the RecurrentStack trace (right-padded)
    back: np.ndarray  # (Ts, B) right-padded row of each left-padded row
    right: np.ndarray  # (Ts, B) left-padded row of each right-padded row
    final_state: dict  # {"h": ->h_Ts}


@dataclass(frozen=True)
class SelfAttentionEncoderTrace:
    """What the self-attention encoder keeps for its backward pass.

    Attributes
    ----------
    src : numpy.ndarray of int
        (Ts, B) the source ids.
    sa : dict
        The :class:`rnnlib.self_attention.SelfAttention` trace.
    final_state : dict
        ``{"h": d_0}``, zeros (B, H): the decoder starts from nothing.
    """

    src: np.ndarray
    sa: dict
    final_state: dict


def sequence_cross_entropy(logits, targets, mask):
    """Mean cross-entropy over the real tokens of a padded batch of sequences.

    Equations (``N = sum(mask)``, the number of real target tokens)::

        J       = -(1/N) sum_{t,b: mask[t,b]} log softmax(z_{t,b})[y_{t,b}]
        dJ/dz_{t,b} = mask[t,b] (softmax(z_{t,b}) - onehot(y_{t,b})) / N

    Parameters
    ----------
    logits : array_like
        (T, B, V) z_t for every step of every sequence.
    targets : array_like of int
        (T, B) target ids (any value where the mask is False).
    mask : array_like of bool
        (T, B) True at real tokens; at least one.

    Returns
    -------
    loss : float
    dlogits : numpy.ndarray
        (T, B, V), zero at padded positions.
    """
    z = as_float_array("logits", logits)
    if z.ndim != 3:
        fail(ValueError, "logits", "shape (T, B, V)", z.shape)
    y, m = np.asarray(targets), np.asarray(mask)
    if y.dtype.kind not in "iu":
        fail(TypeError, "targets", "integer ids", f"dtype {y.dtype}")
    if m.dtype != bool:
        fail(TypeError, "mask", "a bool array", f"dtype {m.dtype}")
    for name, arr in (("targets", y), ("mask", m)):
        if arr.shape != z.shape[:2]:
            fail(ValueError, name, f"shape (T, B) = {z.shape[:2]}", arr.shape)
    n = int(m.sum())
    if n == 0:
        fail(ValueError, "mask", "at least one real token (True)", "none")
    V = z.shape[2]
    y = np.where(m, y, 0)
    if y.min() < 0 or y.max() >= V:
        fail(ValueError, "targets", f"ids in [0, {V}) at real tokens", f"[{y.min()}, {y.max()}]")
    idx = y.astype(np.intp)[..., None]
    logp = np.take_along_axis(log_softmax(z), idx, axis=-1)[..., 0]
    loss = -float(np.sum(logp[m])) / n
    dz = softmax(z)
    np.put_along_axis(dz, idx, np.take_along_axis(dz, idx, axis=-1) - 1.0, axis=-1)
    dz *= m[..., None] / n
    return loss, dz


def beam_step(scores, log_probs, k):
    """One step of beam search: the k best one-token extensions of the live hypotheses.

    Every hypothesis i with total log-probability ``scores[i]`` extended by
    token j scores ``scores[i] + log_probs[i, j]``; the k highest of all
    K x V candidates survive (ties: the lower flat index ``i * V + j``).

    Parameters
    ----------
    scores : array_like
        (K,) total log-probabilities of the live hypotheses.
    log_probs : array_like
        (K, V) log p(next token | hypothesis i).
    k : int
        Beam width (at most K * V candidates are returned).

    Returns
    -------
    parents : numpy.ndarray of int
        (k,) which hypothesis each survivor extends.
    tokens : numpy.ndarray of int
        (k,) the token it appends.
    new_scores : numpy.ndarray
        (k,) its total log-probability, best first.
    """
    s = as_float_array("scores", scores)
    lp = as_float_array("log_probs", log_probs)
    if s.ndim != 1 or lp.ndim != 2 or lp.shape[0] != s.shape[0]:
        fail(ValueError, "log_probs", f"shape (K, V) with K={s.shape[0] if s.ndim == 1 else '?'} "
             f"(scores is {s.shape})", lp.shape)
    k = check_size("k", k)
    cand = (s[:, None] + lp).ravel()
    k = min(k, cand.size)
    best = np.argsort(-cand, kind="stable")[:k]
    V = lp.shape[1]
    return best // V, best % V, cand[best]


@dataclass(frozen=True)
class Hypothesis:
    """A finished beam-search output.

    Attributes
    ----------
    tokens : tuple of int
        The produced ids, EOS included when it was produced.
    log_prob : float
        Total log-probability ``sum_t log p(y_t | y_<t, x)``.
    score : float
        Length-normalised score ``log_prob / len(tokens)`` (the ranking key).
    """

    tokens: tuple
    log_prob: float
    score: float


def exact_match(predicted, targets):
    """Share of predicted strings equal to their targets (the task's accuracy)."""
    if len(predicted) != len(targets) or not len(targets):
        fail(ValueError, "predicted", f"{len(targets)} strings (one per target)", len(predicted))
    return float(np.mean([p == t for p, t in zip(predicted, targets)]))


class Seq2Seq:
    """GRU encoder-decoder, with optional attention (equations in the module docstring).

    Parameters
    ----------
    src_vocab_size : int
        Vs, ids of the source characters (one-hot inputs of the encoder).
    tgt_vocab_size : int
        Vt, ids of the target characters (inputs and outputs of the decoder).
    hidden_size : int
        H, the size of the encoder and decoder states.
    attention : {None, "additive", "dot"}
        None: the decoder sees the source only through d_0 = h_Ts.
    attn_size : int, optional
        A, the hidden size of additive attention (default H).
    encoder : {"gru", "self_attention"}
        The encoder: a GRU (default) or one self-attention layer with
        positional encodings and a residual connection (needs attention),
        or ``"bigru"``: a bidirectional GRU (needs additive attention).
    """

    def __init__(self, src_vocab_size, tgt_vocab_size, hidden_size, attention=None, attn_size=None,
                 encoder="gru"):
        self.src_vocab_size = check_size("src_vocab_size", src_vocab_size)
        self.tgt_vocab_size = check_size("tgt_vocab_size", tgt_vocab_size)
        self.hidden_size = H = check_size("hidden_size", hidden_size)
        self.attention = check_option("attention", attention, ATTENTIONS)
        self.attn_size = H if attn_size is None else check_size("attn_size", attn_size)
        check_option("encoder", encoder, ENCODERS)
        if encoder == "self_attention" and attention is None:
            fail(ValueError, "attention", "'additive' or 'dot' with encoder='self_attention' "
                 "(its decoder starts from d_0 = 0 and sees the source only by attention)", None)
        if encoder == "bigru" and attention != "additive":
            fail(ValueError, "attention", "'additive' with encoder='bigru' (its keys have size 2H)",
                 repr(attention))
        self.encoder_kind = encoder
        if encoder == "gru":
            self.encoder = GRU(self.src_vocab_size, H)
        elif encoder == "bigru":
            self.encoder = RecurrentStack(GRU(self.src_vocab_size, H), bidirectional=True)
        else:
            self.encoder = SelfAttention(H, H)
        self.decoder = GRU(self.tgt_vocab_size, H)
        K = 2 if encoder == "bigru" else 1
        self.attn = AdditiveAttention(H, K * H, self.attn_size) if attention == "additive" else None

    def __repr__(self):
        extra = f", attn_size={self.attn_size}" if self.attention == "additive" else ""
        extra += f", encoder={self.encoder_kind!r}" if self.encoder_kind != "gru" else ""
        return (f"Seq2Seq(src_vocab_size={self.src_vocab_size}, tgt_vocab_size={self.tgt_vocab_size}, "
                f"hidden_size={self.hidden_size}, attention={self.attention!r}{extra})")

    # ------------------------------------------------------------ parameters
    def param_shapes(self):
        """``{name: shape}`` of every parameter."""
        shapes = {f"enc.{k}": s for k, s in self.encoder.param_shapes().items()}
        if self.encoder_kind == "self_attention":
            shapes = {"enc.E": (self.hidden_size, self.src_vocab_size), **shapes}
        shapes.update({f"dec.{k}": s for k, s in self.decoder.param_shapes().items()})
        if self.attn is not None:
            shapes.update({f"att.{k}": s for k, s in self.attn.param_shapes().items()})
        H_out = self.hidden_size * (1 if self.attention is None else (3 if self.encoder_kind == "bigru" else 2))
        shapes.update({"W_y": (self.tgt_vocab_size, H_out), "b_y": (self.tgt_vocab_size,)})
        return shapes

    def num_params(self):
        """Total number of scalar parameters."""
        return int(sum(np.prod(s) for s in self.param_shapes().values()))

    def init(self, rng, dtype=np.float64):
        """New parameters: cells and attention with their own defaults, output layer ``U(+-1/sqrt(fan_in))``."""
        check_rng(rng)
        dtype = check_dtype("dtype", dtype)
        params = {}
        if self.encoder_kind == "self_attention":  # N(0, 1) like torch.nn.Embedding
            params["enc.E"] = rng.standard_normal((self.hidden_size, self.src_vocab_size)).astype(dtype)
        params.update({f"enc.{k}": v for k, v in self.encoder.init(rng, dtype).items()})
        params.update({f"dec.{k}": v for k, v in self.decoder.init(rng, dtype).items()})
        if self.attn is not None:
            params.update({f"att.{k}": v for k, v in self.attn.init(rng, dtype).items()})
        V, H_out = self.param_shapes()["W_y"]
        params["W_y"] = uniform_pytorch(rng, (V, H_out), H_out, dtype)
        params["b_y"] = uniform_pytorch(rng, (V,), H_out, dtype)
        return params

    def _check(self, params):
        shapes = self.param_shapes()
        check_keys("params", params, tuple(shapes))
        for k, s in shapes.items():
            if np.shape(params[k]) != s:
                fail(ValueError, f"params[{k!r}]", f"shape {s} for {self!r}", np.shape(params[k]))
        return params

    @staticmethod
    def _sub(params, prefix):
        n = len(prefix)
        return {k[n:]: v for k, v in params.items() if k.startswith(prefix)}

    def _ids(self, name, ids, V):
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            fail(TypeError, name, "integer ids", f"dtype {ids.dtype}")
        if ids.ndim != 2 or 0 in ids.shape:
            fail(ValueError, name, "shape (T, B)", ids.shape)
        if ids.min() < 0 or ids.max() >= V:
            fail(ValueError, name, f"ids in [0, {V})", f"values in [{ids.min()}, {ids.max()}]")
        return ids

    # --------------------------------------------------------------- encoder
    def encode(self, params, src, src_mask=None):
        """Run the encoder over (left-padded) source ids.

        Parameters
        ----------
        params : dict
        src : array_like of int
            (Ts, B) source ids.
        src_mask : array_like of bool or None
            (Ts, B); used by the self-attention and bidirectional encoders only
            (None: no padding).

        Returns
        -------
        H_enc : numpy.ndarray
            (Ts, B, H) encoder states h_1..h_Ts (the attention's keys and values).
        trace : Trace, SelfAttentionEncoderTrace or the bidirectional encoder's trace
            The encoder's trace (``trace.final_state["h"]`` is d_0).
        """
        p = self._check(params)
        src = self._ids("src", src, self.src_vocab_size)
        if self.encoder_kind == "gru":
            X = one_hot(src, self.src_vocab_size, p["enc.W"].dtype)
            return self.encoder.forward(self._sub(p, "enc."), X)
        mask = np.ones(src.shape, bool) if src_mask is None else np.asarray(src_mask)
        if mask.dtype != bool or mask.shape != src.shape:
            fail(ValueError, "src_mask", f"a bool array of shape {src.shape}", f"{mask.dtype} {mask.shape}")
        if self.encoder_kind == "bigru":
            Ts = src.shape[0]
            lengths = mask.sum(axis=0)
            if lengths.min() < 1 or np.any(mask != (np.arange(Ts)[:, None] >= Ts - lengths)):
                fail(ValueError, "src_mask", "left padding (False before True in every column) and "
                     "at least one real character per sequence", "another mask")
            right = (np.arange(Ts)[:, None] + Ts - lengths) % Ts  # row of src for right-padded row t
            X = one_hot(np.take_along_axis(src, right, axis=0), self.src_vocab_size, p["enc.l0.W"].dtype)
            out, trace = self.encoder.forward(self._sub(p, "enc."), X, lengths=lengths)
            back = (np.arange(Ts)[:, None] - (Ts - lengths)) % Ts  # and back to left padding
            H_enc = np.take_along_axis(out, back[..., None], axis=0)
            return H_enc, _BiTrace(trace, back, right, {"h": trace.final_state["h"][0]})
        positions = np.cumsum(mask, axis=0) - 1  # s counted from the first real character
        X = p["enc.E"].T[src]  # x_s = E[:, src_s]
        Y, sa = self.encoder.forward(self._sub(p, "enc."), X, mask=mask, positions=positions)
        H_enc = sa["Z"] + Y  # h_s = z_s + SelfAttention(z)_s
        d0 = np.zeros((src.shape[1], self.hidden_size), X.dtype)
        return H_enc, SelfAttentionEncoderTrace(src, sa, {"h": d0})

    def _attend(self, p, S, H_enc, src_mask):
        if self.attention == "additive":
            return self.attn.forward(self._sub(p, "att."), S, H_enc, H_enc, mask=src_mask)
        return dot_product_attention(S, H_enc, H_enc, mask=src_mask)

    # --------------------------------------------------------------- forward
    def forward(self, params, batch):
        """Teacher-forced forward pass over a :class:`rnnlib.seqtasks.Batch`.

        Returns
        -------
        logits : numpy.ndarray
            (To, B, Vt) z_t for every target position.
        cache : dict
            "enc" and "dec" (cell traces), "att" (attention trace or None),
            "O" (To, B, H or 2H) the output layer's input, "weights"
            (To, B, Ts) attention weights or None.
        """
        check_type("batch", batch, Batch, "an rnnlib.seqtasks.Batch")
        p = self._check(params)
        H_enc, enc = self.encode(p, batch.src, batch.src_mask)
        tgt_in = self._ids("batch.tgt_in", batch.tgt_in, self.tgt_vocab_size)
        Y_in = one_hot(tgt_in, self.tgt_vocab_size, p["dec.W"].dtype)
        S, dec = self.decoder.forward(self._sub(p, "dec."), Y_in, enc.final_state)
        att = None
        O = S
        if self.attention is not None:
            C, att = self._attend(p, S, H_enc, batch.src_mask)
            O = np.concatenate([S, C], axis=-1)  # [d_t; c_t]
        logits = O @ p["W_y"].T + p["b_y"]
        return logits, {"enc": enc, "dec": dec, "att": att, "O": O, "H_enc": H_enc,
                        "weights": None if att is None else att["weights"], "src_mask": batch.src_mask}

    def loss_and_grads(self, params, batch):
        """Masked sequence cross-entropy and the exact gradient of every parameter.

        Backward, in the reverse order of the forward pass::

            dz = mask (p - onehot(y)) / N                 (sequence_cross_entropy)
            dW_y = sum dz^T O,  db_y = sum dz,  dO = dz W_y,  [dd; dc] = dO
            attention backward: dd += dQ,  dH_enc = dK + dV
            decoder backward (dH_seq = dd) -> dec grads and dd_0
            encoder backward (dH_seq = dH_enc, dfinal_state = {"h": dd_0})

        Returns
        -------
        loss : float
        grads : dict
            Same keys and shapes as ``params``.
        """
        p = self._check(params)
        logits, cache = self.forward(p, batch)
        loss, dz = sequence_cross_entropy(logits, batch.tgt_out, batch.tgt_mask)
        V, H = self.tgt_vocab_size, self.hidden_size
        O = cache["O"]
        grads = {"W_y": dz.reshape(-1, V).T @ O.reshape(-1, O.shape[2]), "b_y": dz.sum(axis=(0, 1))}
        dO = dz @ p["W_y"]  # back through z = W_y O + b_y
        dS, dH_enc = dO[..., :H], None
        if self.attention is not None:
            dC = dO[..., H:]
            if self.attention == "additive":
                g = self.attn.backward(self._sub(p, "att."), cache["att"], dC)
                grads.update({f"att.{k}": g[k] for k in ("W_q", "W_k", "v")})
            else:
                g = dot_product_attention_backward(cache["att"], dC)
            dS = dS + g["Q"]  # the query is d_t
            dH_enc = g["K"] + g["V"]  # keys and values are both h_s
        gd = self.decoder.backward(self._sub(p, "dec."), cache["dec"], dS)
        grads.update({"dec.W": gd["W"], "dec.b": gd["b"]})
        if self.encoder_kind == "gru":
            ge = self.encoder.backward(self._sub(p, "enc."), cache["enc"], dH_enc, {"h": gd["h"]})
            grads.update({"enc.W": ge["W"], "enc.b": ge["b"]})
        elif self.encoder_kind == "bigru":
            enc = cache["enc"]
            d_out = np.zeros_like(dH_enc)
            np.put_along_axis(d_out, enc.back[..., None], dH_enc, axis=0)  # undo the move to left padding
            dh = np.stack([gd["h"], np.zeros_like(gd["h"])])  # d_0 = ->h_Ts; <-h_1 feeds nothing else
            ge = self.encoder.backward(self._sub(p, "enc."), enc.stack, d_out, {"h": dh})
            grads.update({f"enc.{k}": ge[k] for k in self.encoder.param_shapes()})
        else:  # d_0 = 0 is a constant: gd["h"] goes nowhere
            enc = cache["enc"]
            g = self.encoder.backward(self._sub(p, "enc."), enc.sa, dH_enc)
            dZ = dH_enc + g["X"]  # h = z + SA(z); SA's dX is its dZ (the encodings are constants)
            grads.update({f"enc.{k}": g[k] for k in ("W_q", "W_k", "W_v")})
            dE = np.zeros_like(p["enc.E"])
            np.add.at(dE.T, enc.src, dZ)  # back through x_s = E[:, src_s], repeated ids accumulate
            grads["enc.E"] = dE
        return loss, grads

    # -------------------------------------------------------------- decoding
    def decoder_step(self, params, y_prev, d_prev, H_enc=None, src_mask=None):
        """One free-running decoder step: ``d_t = GRU(y_{t-1}, d_{t-1})``, then the logits.

        Parameters
        ----------
        params : dict
        y_prev : array_like of int
            (B,) previous output ids (BOS at the first step).
        d_prev : array_like
            (B, H) previous decoder state (d_0 = the encoder's final state).
        H_enc : array_like or None
            (Ts, B, H) encoder states; required with attention.
        src_mask : array_like of bool or None
            (Ts, B) the source mask.

        Returns
        -------
        logits : numpy.ndarray
            (B, Vt).
        d : numpy.ndarray
            (B, H) the new state.
        weights : numpy.ndarray or None
            (B, Ts) attention weights of this step.
        """
        p = self._check(params)
        y_prev = self._ids("y_prev", np.asarray(y_prev)[None], self.tgt_vocab_size)[0]
        x = one_hot(y_prev, self.tgt_vocab_size, p["dec.W"].dtype)
        d, state, _ = self.decoder.step(self._sub(p, "dec."), x, {"h": d_prev})
        if self.attention is None:
            return d @ p["W_y"].T + p["b_y"], d, None
        if H_enc is None:
            fail(ValueError, "H_enc", "the (Ts, B, H) encoder states for a model with attention", None)
        C, att = self._attend(p, d[None], H_enc, src_mask)
        O = np.concatenate([d, C[0]], axis=-1)
        return O @ p["W_y"].T + p["b_y"], d, att["weights"][0]

    def greedy(self, params, src, src_mask=None, max_len=50):
        """Greedy decoding: at every step the most likely character, fed back as the next input.

        Parameters
        ----------
        params : dict
        src : array_like of int
            (Ts, B) left-padded source ids.
        src_mask : array_like of bool or None
            (Ts, B); None means no padding.
        max_len : int
            Steps at most (EOS included).

        Returns
        -------
        ids : numpy.ndarray of int
            (L, B) produced ids; after a sequence's EOS its entries are EOS.
        weights : numpy.ndarray or None
            (L, B, Ts) attention weights at every step (None without attention).
        """
        p = self._check(params)
        max_len = check_size("max_len", max_len)
        H_enc, enc = self.encode(p, src, src_mask)
        B = H_enc.shape[1]
        d = enc.final_state["h"]
        y = np.full(B, BOS, np.int64)
        done = np.zeros(B, bool)
        out, ws = [], []
        for _ in range(max_len):
            logits, d, w = self.decoder_step(p, y, d, H_enc, src_mask)
            y = np.where(done, EOS, np.argmax(logits, axis=-1))
            out.append(y)
            ws.append(w)
            done |= y == EOS
            if done.all():
                break
        return np.stack(out), (None if self.attention is None else np.stack(ws))

    def decode_steps(self, params, src, max_len=50):
        """Greedy decoding of one sequence, keeping what every step saw (for the figures).

        Parameters
        ----------
        params : dict
        src : array_like of int
            (Ts,) source ids of one sequence.
        max_len : int

        Returns
        -------
        dict
            "ids" (L,) the produced ids (the last is EOS unless max_len was
            reached), "probs" (L, Vt) p(y_t | y_<t, x) at every step,
            "weights" (L, Ts) attention weights (None without attention).
        """
        p = self._check(params)
        max_len = check_size("max_len", max_len)
        src = np.asarray(src)
        if src.ndim != 1:
            fail(ValueError, "src", "shape (Ts,) (one sequence)", src.shape)
        H_enc, enc = self.encode(p, src[:, None])
        d, y = enc.final_state["h"], np.array([BOS])
        ids, probs, ws = [], [], []
        for _ in range(max_len):
            logits, d, w = self.decoder_step(p, y, d, H_enc)
            probs.append(softmax(logits[0]))
            y = np.argmax(logits, axis=-1)
            ids.append(int(y[0]))
            ws.append(None if w is None else w[0])
            if ids[-1] == EOS:
                break
        return {"ids": np.array(ids), "probs": np.stack(probs),
                "weights": None if self.attention is None else np.stack(ws)}

    def beam_search(self, params, src, k=3, max_len=50):
        """Beam search for one source sequence, ranked by length-normalised log-probability.

        At every step each live hypothesis is extended by every token and
        :func:`beam_step` keeps the k best by total log-probability; a
        survivor ending in EOS is finished (set aside) and the others stay
        live. The search stops when no hypothesis is live or after
        ``max_len`` steps (then the live ones are finished as they are).
        Finished hypotheses are ranked by ``score = log_prob / length``.
        With k = 1 this is exactly greedy decoding.

        Parameters
        ----------
        params : dict
        src : array_like of int
            (Ts,) the source ids of one sequence (no padding needed).
        k : int
            Beam width.
        max_len : int
            Steps at most (EOS included).

        Returns
        -------
        list of Hypothesis
            Best first (at least one, at most about k per step).
        """
        p = self._check(params)
        k, max_len = check_size("k", k), check_size("max_len", max_len)
        src = np.asarray(src)
        if src.ndim != 1:
            fail(ValueError, "src", "shape (Ts,) (one sequence)", src.shape)
        H_enc, enc = self.encode(p, src[:, None])
        tokens, scores = [()], np.zeros(1)
        d = enc.final_state["h"]
        finished = []
        for _ in range(max_len):
            n = len(tokens)
            prev = np.array([t[-1] if t else BOS for t in tokens])
            Hn = np.repeat(H_enc, n, axis=1)
            logits, d_new, _ = self.decoder_step(p, prev, d, Hn)
            parents, toks, new = beam_step(scores, log_softmax(logits), k)
            live = []
            for i, j, s in zip(parents, toks, new):
                seq = tokens[i] + (int(j),)
                if j == EOS:
                    finished.append(Hypothesis(seq, float(s), float(s) / len(seq)))
                else:
                    live.append((seq, s, i))
            if not live:
                break
            tokens = [x[0] for x in live]
            scores = np.array([x[1] for x in live])
            d = d_new[[x[2] for x in live]]
        else:
            finished += [Hypothesis(t, float(s), float(s) / len(t)) for t, s in zip(tokens, scores)]
        return sorted(finished, key=lambda h: -h.score)

    def translate(self, params, sources, src_vocab, tgt_vocab, max_len=50, batch_size=500):
        """Greedy translations of a list of strings (batched), as strings."""
        from rnnlib.seqtasks import make_batch

        out = []
        for start in range(0, len(sources), batch_size):
            chunk = list(sources[start:start + batch_size])
            b = make_batch(chunk, [tgt_vocab.chars[0]] * len(chunk), src_vocab, tgt_vocab)  # targets unused
            ids, _ = self.greedy(params, b.src, b.src_mask, max_len)
            out += [tgt_vocab.decode(ids[:, i]) for i in range(len(chunk))]
        return out
