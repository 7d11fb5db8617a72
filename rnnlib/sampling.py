"""Sampling text from a character model, one character at a time.

::

    state = cell.run(params, one_hot(prompt[:-1]), chunk=1)  # read the prompt (no trace)
    x = one_hot(prompt[-1])
    repeat n_chars times:
        state = cell.run(params, x[None], state)          # one step, no trace kept
        z = state["h"] @ W_y.T + b_y                      # logits over the V characters
        p = softmax(z / temperature)
        next id ~ p;  x = one_hot(next id)                # (x is updated in place)

The temperature rescales the logits before the softmax: 1 samples from the
model's distribution, below 1 sharpens it (towards always taking the most
likely character), above 1 flattens it (towards uniform noise).
"""


import numpy as np

from rnnlib._checks import check_real, check_rng, check_size, check_type, fail
from rnnlib.activations import softmax
from rnnlib.data import CharVocab, one_hot

__all__ = ["sample_chars"]


def _check_char_model(model, vocab):
    check_type("vocab", vocab, CharVocab, "a CharVocab")
    if not hasattr(model, "cell") or not hasattr(model, "head"):
        fail(TypeError, "model", "a SequenceModel", type(model).__name__)
    if model.head.kind != "softmax":
        fail(ValueError, "model", "a 'softmax' head for sampling characters", repr(model.head.kind))
    V = vocab.size
    if model.cell.input_size != V or model.head.output_size != V:
        fail(ValueError, "model", f"input_size = output_size = vocab.size = {V}",
             f"input_size={model.cell.input_size}, output_size={model.head.output_size}")


def sample_chars(model, params, vocab, prompt, n_chars, temperature=1.0, rng=None):
    """Continue ``prompt`` with ``n_chars`` characters sampled from the model.

    Parameters
    ----------
    model : SequenceModel
        A character model: softmax head, ``input_size == output_size == vocab.size``
        (``output`` may be "all" or "last"; sampling goes step by step).
    params : dict
        The model's parameters (not modified).
    vocab : CharVocab
    prompt : str
        At least one character, all in ``vocab``. It sets the state; the
        sample continues from its last character.
    n_chars : int
        Number of characters to generate, >= 1.
    temperature : float
        > 0; divides the logits before the softmax.
    rng : numpy.random.Generator
        Source of randomness (required; the result is deterministic given it).

    Returns
    -------
    str
        The ``n_chars`` generated characters (without the prompt).
    """
    _check_char_model(model, vocab)
    check_rng(rng)
    n_chars = check_size("n_chars", n_chars)
    temperature = check_real("temperature", temperature, low=0.0, low_open=True)
    if not isinstance(prompt, str) or not prompt:
        fail(ValueError, "prompt", "a non-empty str", repr(prompt))
    ids = vocab.encode(prompt)  # ValueError for characters outside the vocabulary
    cell_params = model.cell_params(params)
    dtype = cell_params["W"].dtype
    V = vocab.size
    if len(ids) > 1:
        # Step by step like the sampling loop: a prompt is short, and one (T, V) @ (V, G*H) product for it
        # is just big enough for a threaded BLAS to start threads that then slow everything after it.
        state = model.cell.run(cell_params, one_hot(ids[:-1, None], V, dtype), None, chunk=1)
    else:
        state = model.cell.zero_state(1, dtype)
    model.head.logits(params, state["h"])  # checks W_y and b_y once; the loop below uses them directly
    W_y_T, b_y = params["W_y"].T, params["b_y"]
    x = one_hot(ids[-1:], V, dtype)  # (1, V), updated in place: one 1 moves from character to character
    prev = ids[-1]
    out = np.empty(n_chars, dtype=np.int64)
    for i in range(n_chars):
        state = model.cell.run(cell_params, x[None], state)  # one step, no trace or gates kept
        z = (state["h"] @ W_y_T + b_y)[0] / temperature  # the head's logits z = W_y h_t + b_y
        p = softmax(z)
        cdf = np.cumsum(p)
        nxt = min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), V - 1)
        out[i] = nxt
        x[0, prev], x[0, nxt] = 0, 1
        prev = nxt
    return vocab.decode(out)
