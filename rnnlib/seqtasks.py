"""Sequence-to-sequence tasks generated in code (no download), their vocabularies and padding.

Two tasks:

* **Dates** (chapters 8-9): a human-readable date -> its ISO form,
  ``"the 3rd of May 1979" -> "1979-05-03"``. Dates are uniform over the
  days from 1950-01-01 to 2049-12-31 (so a two-digit year is never
  ambiguous: ``yy >= 50`` is 19yy, otherwise 20yy). Every tenth day (day
  number since 1950-01-01 divisible by 10) is *held out*: training draws
  only the other days, :func:`date_pairs` with ``split="test"`` only those.
  Each example picks one of the formats of :data:`DATE_FORMATS` with the
  probability given there:

  ======================  ===========================  =====
  name                    example (3 May 1979)         share
  ======================  ===========================  =====
  ``ordinal``             the 3rd of May 1979          0.15
  ``dmy_slash``           03/05/79                     0.15
  ``month_first``         May 3, 1979                  0.15
  ``day_month``           3 May 1979                   0.15
  ``weekday``             Thursday, 3 May 1979         0.10
  ``dotted``              3.5.1979                     0.10
  ``short_lower``         3 may 79                     0.10
  ``abbrev_upper``        03 MAY 1979                  0.10
  ======================  ===========================  =====

  Slashes and dots are day-first (British order), as the book's example.

* **Copy** (the bottleneck sweep): a random string of ``length`` symbols
  from a ten-letter alphabet, the target is the same string (``task="copy"``)
  or reversed (``task="reverse"``).

Vocabularies reserve three ids: PAD = 0 (padding), BOS = 1 (the decoder's
first input, "begin"), EOS = 2 (the end of every target). A batch is
time-major like everything in rnnlib: ``(T, B)`` integer ids and ``(T, B)``
bool masks (True = a real token). Sources are padded on the *left*, so the
encoder's last step is always the last real character; targets on the right.
"""

import datetime
from dataclasses import dataclass

import numpy as np

from rnnlib._checks import check_distinct, check_option, check_rng, check_size, check_type, fail

__all__ = ["PAD", "BOS", "EOS", "SeqVocab", "Batch", "DATE_FORMATS", "format_date", "date_pairs",
           "DATE_SOURCE_VOCAB", "DATE_TARGET_VOCAB", "COPY_SYMBOLS", "COPY_VOCAB", "copy_pairs", "make_batch"]

PAD, BOS, EOS = 0, 1, 2
_SPECIALS = ("<pad>", "<s>", "</s>")


class SeqVocab:
    """Characters <-> ids, with PAD = 0, BOS = 1, EOS = 2 reserved.

    Parameters
    ----------
    chars : iterable of str
        The characters (single, distinct); they get ids 3, 4, ...
    """

    def __init__(self, chars):
        chars = tuple(chars)
        if not chars or any(not isinstance(c, str) or len(c) != 1 for c in chars):
            fail(ValueError, "chars", "a non-empty sequence of single characters", repr(chars))
        check_distinct("chars", chars, "characters")
        self.chars = chars
        self._ids = {c: i + len(_SPECIALS) for i, c in enumerate(chars)}

    @property
    def size(self):
        """V, the number of ids (the three specials included)."""
        return len(self.chars) + len(_SPECIALS)

    def __len__(self):
        return self.size

    def __repr__(self):
        return f"SeqVocab({''.join(self.chars)!r})"

    def __eq__(self, other):
        return isinstance(other, SeqVocab) and self.chars == other.chars

    def __hash__(self):
        return hash(self.chars)

    def encode(self, text):
        """Ids of the characters of ``text`` (int64 array), without BOS/EOS."""
        unknown = [c for c in text if c not in self._ids]
        if unknown:
            fail(ValueError, "text", f"characters of the vocabulary {self!r}", f"character {unknown[0]!r}")
        return np.array([self._ids[c] for c in text], dtype=np.int64)

    def decode(self, ids):
        """Text of ``ids``, stopping at the first EOS; PAD and BOS are skipped."""
        out = []
        for i in np.asarray(ids).ravel():
            i = int(i)
            if not 0 <= i < self.size:
                fail(ValueError, "ids", f"ids in [0, {self.size})", i)
            if i == EOS:
                break
            if i >= len(_SPECIALS):
                out.append(self.chars[i - len(_SPECIALS)])
        return "".join(out)

    def token(self, i):
        """How one id prints: its character, or "<pad>", "<s>", "</s>"."""
        i = int(i)
        return _SPECIALS[i] if i < len(_SPECIALS) else self.chars[i - len(_SPECIALS)]


# ------------------------------------------------------------------ dates
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FIRST_DAY = datetime.date(1950, 1, 1)
LAST_DAY = datetime.date(2049, 12, 31)
N_DAYS = (LAST_DAY - FIRST_DAY).days + 1
HELD_OUT_EVERY = 10


def _ordinal(d):
    suffix = "th" if 11 <= d <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return f"{d}{suffix}"


#: Format name -> (share, function date -> text). The shares sum to 1.
DATE_FORMATS = {
    "ordinal": (0.15, lambda t: f"the {_ordinal(t.day)} of {_MONTHS[t.month - 1]} {t.year}"),
    "dmy_slash": (0.15, lambda t: f"{t.day:02d}/{t.month:02d}/{t.year % 100:02d}"),
    "month_first": (0.15, lambda t: f"{_MONTHS[t.month - 1]} {t.day}, {t.year}"),
    "day_month": (0.15, lambda t: f"{t.day} {_MONTHS[t.month - 1]} {t.year}"),
    "weekday": (0.10, lambda t: f"{_DAYS[t.weekday()]}, {t.day} {_MONTHS[t.month - 1]} {t.year}"),
    "dotted": (0.10, lambda t: f"{t.day}.{t.month}.{t.year}"),
    "short_lower": (0.10, lambda t: f"{t.day} {_MONTHS[t.month - 1][:3].lower()} {t.year % 100:02d}"),
    "abbrev_upper": (0.10, lambda t: f"{t.day:02d} {_MONTHS[t.month - 1][:3].upper()} {t.year}"),
}


def format_date(date, fmt):
    """``date`` (a ``datetime.date``) written in format ``fmt`` (a key of :data:`DATE_FORMATS`)."""
    check_option("fmt", fmt, tuple(DATE_FORMATS))
    check_type("date", date, datetime.date, "a datetime.date")
    if not FIRST_DAY <= date <= LAST_DAY:
        fail(ValueError, "date", f"a day from {FIRST_DAY} to {LAST_DAY}", date)
    return DATE_FORMATS[fmt][1](date)


def _date_chars():
    chars = set("0123456789-/.,")
    for name, (_, f) in DATE_FORMATS.items():
        for m in range(1, 13):
            chars.update(f(datetime.date(1979, m, 3)))
            chars.update(f(datetime.date(2011, m, 21)))
    for d in _DAYS:
        chars.update(d)
    return "".join(sorted(chars))


#: Vocabulary of the human-readable side (every character any format writes).
DATE_SOURCE_VOCAB = SeqVocab(_date_chars())
#: Vocabulary of the ISO side: digits and "-".
DATE_TARGET_VOCAB = SeqVocab("-0123456789")


def date_pairs(rng, n, split="train", formats=None):
    """``n`` (human-readable, ISO) date pairs.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Number of pairs.
    split : {"train", "test"}
        "train" draws from the days not held out, "test" from the held-out
        days (every tenth day since 1950-01-01), so the two never share a date.
    formats : sequence of str, optional
        Restrict to these formats (equal shares); default every format with
        its share in :data:`DATE_FORMATS`.

    Returns
    -------
    sources, targets : list of str
    formats_used : list of str
    """
    check_rng(rng)
    n = check_size("n", n)
    check_option("split", split, ("train", "test"))
    if formats is None:
        names = list(DATE_FORMATS)
        shares = np.array([DATE_FORMATS[k][0] for k in names])
    else:
        names = [check_option("formats", f, tuple(DATE_FORMATS)) for f in formats]
        shares = np.full(len(names), 1.0 / len(names))
    held = np.arange(0, N_DAYS, HELD_OUT_EVERY)
    if split == "test":
        days = rng.choice(held, size=n)
    else:  # a uniform day among the others: draw from N - |held| and skip the held-out ones
        k = rng.integers(0, N_DAYS - held.size, size=n)
        days = k + (k // (HELD_OUT_EVERY - 1)) + 1  # the k-th day whose number is not a multiple of 10
    picks = rng.choice(len(names), size=n, p=shares / shares.sum())
    sources, targets, used = [], [], []
    for day, f in zip(days, picks):
        date = FIRST_DAY + datetime.timedelta(days=int(day))
        sources.append(DATE_FORMATS[names[f]][1](date))
        targets.append(date.isoformat())
        used.append(names[f])
    return sources, targets, used


# ------------------------------------------------------------------- copy
#: The alphabet of the copy task.
COPY_SYMBOLS = "abcdefghij"
COPY_VOCAB = SeqVocab(COPY_SYMBOLS)


def copy_pairs(rng, n, length, task="copy"):
    """``n`` random strings of ``length`` symbols and their copies (or reverses).

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
    length : int
        Symbols per string.
    task : {"copy", "reverse"}

    Returns
    -------
    sources, targets : list of str
    """
    check_rng(rng)
    n, length = check_size("n", n), check_size("length", length)
    check_option("task", task, ("copy", "reverse"))
    ids = rng.integers(0, len(COPY_SYMBOLS), size=(n, length))
    sources = ["".join(COPY_SYMBOLS[i] for i in row) for row in ids]
    targets = sources if task == "copy" else [s[::-1] for s in sources]
    return sources, list(targets)


# ---------------------------------------------------------------- batches
@dataclass(frozen=True)
class Batch:
    """A padded, time-major batch of (source, target) pairs.

    Attributes
    ----------
    src : ndarray of int, (Ts, B)
        Source ids, padded with PAD on the left.
    src_mask : ndarray of bool, (Ts, B)
        True at real source characters.
    tgt_in : ndarray of int, (To, B)
        Decoder inputs: BOS, y_1, ..., y_{L} (teacher forcing), PAD after.
    tgt_out : ndarray of int, (To, B)
        Targets: y_1, ..., y_L, EOS, PAD after (To = longest L + 1).
    tgt_mask : ndarray of bool, (To, B)
        True where ``tgt_out`` is a real token (EOS included).
    """

    src: np.ndarray
    src_mask: np.ndarray
    tgt_in: np.ndarray
    tgt_out: np.ndarray
    tgt_mask: np.ndarray

    @property
    def size(self):
        """B, the number of pairs."""
        return self.src.shape[1]


def make_batch(sources, targets, src_vocab, tgt_vocab):
    """Encode and pad pairs into a :class:`Batch` (sources left-padded, targets right-padded).

    Parameters
    ----------
    sources, targets : sequence of str
        Same length B >= 1; every string non-empty.
    src_vocab, tgt_vocab : SeqVocab

    Returns
    -------
    Batch
    """
    if len(sources) != len(targets) or not len(sources):
        fail(ValueError, "sources, targets", "two non-empty lists of one length",
             f"{len(sources)} and {len(targets)}")
    S = [src_vocab.encode(s) for s in sources]
    Y = [tgt_vocab.encode(t) for t in targets]
    if min(map(len, S)) == 0:
        fail(ValueError, "sources", "non-empty strings", "an empty one")
    B, Ts, To = len(S), max(map(len, S)), max(map(len, Y)) + 1
    src = np.full((Ts, B), PAD, np.int64)
    tgt_in = np.full((To, B), PAD, np.int64)
    tgt_out = np.full((To, B), PAD, np.int64)
    for b, (s, y) in enumerate(zip(S, Y)):
        src[Ts - len(s):, b] = s
        tgt_in[0, b] = BOS
        tgt_in[1:len(y) + 1, b] = y
        tgt_out[:len(y), b] = y
        tgt_out[len(y), b] = EOS
    return Batch(src, src != PAD, tgt_in, tgt_out, tgt_out != PAD)
