"""The shipped date models and their decoding, shared by the figures of chapters 8 and 9.

Chapter 8's decoding explorer and chapter 9's attention explorer decode the
same example dates with the same two models (without and with attention), so
the models, the examples and the decoding live here rather than in one
chapter's figure module that the other would have to import.
"""
import functools

from rnnlib.figures.common import CELL_COLORS

__all__ = ["MODEL_COLORS", "EXAMPLES", "MAX_STEPS", "date_models", "decode", "token_label"]

#: Colours of the two models: the encoder-decoder is made of GRUs (the GRU's colour); attention purple.
MODEL_COLORS = {"plain": CELL_COLORS["GRU"], "attention": "C4"}
#: The example inputs of the explorers (held-out dates, several formats).
EXAMPLES = ("the 3rd of May 1979", "Thursday, 21 December 2034", "03/05/79", "29 feb 96")
MAX_STEPS = 11  # "yyyy-mm-dd" and EOS


@functools.lru_cache(maxsize=1)
def date_models():
    """The shipped date models, ``{"plain": Loaded, "attention": Loaded}`` (cached)."""
    from rnnlib import pretrained_seq2seq

    return pretrained_seq2seq.load_date_models()


@functools.lru_cache(maxsize=32)
def decode(variant, source):
    """:meth:`rnnlib.seq2seq.Seq2Seq.decode_steps` of a shipped date model on ``source`` (cached)."""
    from rnnlib.seqtasks import DATE_SOURCE_VOCAB

    m = date_models()[variant]
    return m.model.decode_steps(m.params, DATE_SOURCE_VOCAB.encode(source), max_len=MAX_STEPS)


def token_label(i):
    """How a target id prints in the figures ("</s>" for the end)."""
    from rnnlib.seqtasks import DATE_TARGET_VOCAB

    return DATE_TARGET_VOCAB.token(i)
