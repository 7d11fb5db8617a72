"""rnnlib.seqtasks: the date and copy tasks, vocabularies and padded batches."""
import datetime

import numpy as np
import pytest

from rnnlib.seqtasks import (
    BOS, COPY_VOCAB, DATE_FORMATS, DATE_SOURCE_VOCAB, DATE_TARGET_VOCAB, EOS, FIRST_DAY, PAD, SeqVocab,
    copy_pairs, date_pairs, format_date, make_batch,
)


def test_formats_of_the_books_example():
    d = datetime.date(1979, 5, 3)
    assert format_date(d, "ordinal") == "the 3rd of May 1979"
    assert format_date(d, "dmy_slash") == "03/05/79"
    assert format_date(d, "month_first") == "May 3, 1979"
    assert format_date(d, "weekday") == "Thursday, 3 May 1979"
    assert format_date(datetime.date(2011, 12, 12), "ordinal") == "the 12th of December 2011"
    assert abs(sum(s for s, _ in DATE_FORMATS.values()) - 1.0) < 1e-12


def test_date_pairs_are_correct_seeded_and_split():
    src, tgt, fmts = date_pairs(np.random.default_rng(0), 3000)
    assert (src, tgt) == date_pairs(np.random.default_rng(0), 3000)[:2]
    for s, t, f in zip(src, tgt, fmts):
        assert format_date(datetime.date.fromisoformat(t), f) == s
    train_days = {(datetime.date.fromisoformat(t) - FIRST_DAY).days for t in tgt}
    assert all(d % 10 for d in train_days)
    _, test_tgt, _ = date_pairs(np.random.default_rng(1), 500, split="test")
    assert all((datetime.date.fromisoformat(t) - FIRST_DAY).days % 10 == 0 for t in test_tgt)
    shares = {f: fmts.count(f) / len(fmts) for f in DATE_FORMATS}
    for f, (share, _) in DATE_FORMATS.items():
        assert abs(shares[f] - share) < 0.03, f
    for s in src:
        DATE_SOURCE_VOCAB.encode(s)  # every character is in the vocabulary
    years = [int(t[:4]) for t in tgt]
    assert min(years) == 1950 and max(years) == 2049


def test_copy_pairs():
    src, tgt = copy_pairs(np.random.default_rng(0), 5, 7)
    assert src == tgt and all(len(s) == 7 for s in src)
    src, tgt = copy_pairs(np.random.default_rng(0), 5, 7, task="reverse")
    assert tgt == [s[::-1] for s in src]


def test_vocab_round_trip_and_specials():
    v = SeqVocab("abc")
    assert v.size == 6 and len(v) == 6
    ids = v.encode("cab")
    assert ids.tolist() == [5, 3, 4]
    assert v.decode(np.r_[ids, EOS, 3]) == "cab"
    assert v.token(PAD) == "<pad>" and v.token(BOS) == "<s>" and v.token(EOS) == "</s>" and v.token(3) == "a"
    assert v == SeqVocab("abc") and hash(v) == hash(SeqVocab("abc")) and "abc" in repr(v)


def test_make_batch_pads_sources_left_and_targets_right():
    b = make_batch(["ab", "abcd"], ["x", "xyz"], COPY_VOCAB, SeqVocab("xyz"))
    assert b.src.shape == (4, 2) and b.size == 2
    assert b.src[:, 0].tolist() == [PAD, PAD] + COPY_VOCAB.encode("ab").tolist()
    assert b.src_mask[:, 0].tolist() == [False, False, True, True]
    assert b.tgt_in[:, 0].tolist() == [BOS, 3, PAD, PAD]
    assert b.tgt_out[:, 0].tolist() == [3, EOS, PAD, PAD]
    assert b.tgt_mask[:, 1].all() and b.tgt_mask[:, 0].tolist() == [True, True, False, False]
    assert DATE_TARGET_VOCAB.decode(make_batch(["3 May 1979"], ["1979-05-03"], DATE_SOURCE_VOCAB,
                                               DATE_TARGET_VOCAB).tgt_out[:, 0]) == "1979-05-03"


def test_bad_input():
    with pytest.raises(ValueError, match="text: expected characters of the vocabulary .* got character"):
        COPY_VOCAB.encode("abz")
    with pytest.raises(ValueError, match="chars: expected a non-empty sequence of distinct characters"):
        SeqVocab("aa")
    with pytest.raises(ValueError, match="split"):
        date_pairs(np.random.default_rng(0), 3, split="valid")
    with pytest.raises(TypeError, match="rng"):
        copy_pairs(0, 3, 4)
    with pytest.raises(ValueError, match="length"):
        copy_pairs(np.random.default_rng(0), 3, 0)
    with pytest.raises(ValueError, match="task"):
        copy_pairs(np.random.default_rng(0), 3, 4, task="sort")
    with pytest.raises(ValueError, match="date: expected a day from"):
        format_date(datetime.date(2050, 1, 1), "ordinal")
    with pytest.raises(ValueError, match="sources, targets"):
        make_batch(["ab"], [], COPY_VOCAB, COPY_VOCAB)
    with pytest.raises(ValueError, match="ids: expected ids"):
        COPY_VOCAB.decode([99])
