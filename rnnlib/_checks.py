"""The validation vocabulary of rnnlib (private): one message style for every bad input.

Every module checks its arguments with these functions instead of writing
``raise ValueError(...)`` by hand (``tests/test_checks_vocabulary.py`` holds
it). Each raises ``TypeError`` (wrong kind of object or dtype) or
``ValueError`` (wrong shape, size, value or option) with one message shape::

    {name}: expected {what was expected}, got {what was received}

for example ``X: expected shape (T, B, D) with D=8, got (10, 3, 5)`` or
``lr: expected a finite real number > 0, got -0.1``. No check modifies its
input; most return the checked value (as a float, an int or a dtype where
that helps the caller).

The vocabulary
--------------
Numbers
    ``check_real(name, value, low, high, low_open, high_open)``: a finite real
    number (bools refused) within optional bounds, returned as a float.
    ``check_int(name, value, low, high)``: an integer (bools refused).
    ``check_size(name, value)``: a positive int.
    ``check_whole(name, value, low, high)``: an int or a float with no
    fractional part (a slider's value), returned as an int.
Options and kinds
    ``check_option(name, value, allowed)``: one of a few allowed values.
    ``check_type(name, value, types, expected)``: an instance of ``types``.
    ``check_callable(name, value, allow_none)``: a callable.
    ``check_text(name, value)``: a non-empty str.
    ``check_path(name, value, suffix)``: a str or os.PathLike, ending in ``suffix``.
    ``check_rng(rng)``: a ``numpy.random.Generator``.
    ``check_dtype(name, dtype)``: float32 or float64, returned as a dtype.
Collections
    ``check_keys(name, mapping, required, allowed)``: a dict with every
    required key (and, with ``allowed``, no other).
    ``check_known(name, keys, allowed)``: every key among ``allowed`` (unknown
    keyword arguments, controls, ...).
    ``check_distinct(name, values, what)``: a non-empty sequence without repeats.
    ``check_array_dict(name, mapping)``: a dict of numpy arrays.
Arrays
    ``as_float_array(name, value, dtype)``: a floating-point array (never a
    silent cast from integers, bools or strings).
    ``check_shape(name, arr, letters, sizes)``: a symbolic shape such as
    ``("T", "B", "D")`` with some sizes known.
    ``check_same_shape(name, arr, ref_name, ref_shape)``: the shape of another array.
    ``check_finite(name, arr)``: no NaN or inf (names the first bad index).
    ``float_input(...)``: dtype, shape and finiteness of one array argument.
    ``check_params(params, shapes, owner)``, ``check_finite_params(params)``:
    a cell's or head's parameter dict.
Anything else
    ``fail(exc, name, expected, got, cause=None)`` raises ``exc`` with the
    message above: the one way to word a check that fits none of the
    functions (a relation between two arguments, a file's contents). ``exc``
    may be any exception class (``FileExistsError`` for a path that must not
    be overwritten); ``cause`` chains the error that revealed the problem.
"""

import math
import numbers
import os

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def fail(exc, name, expected, got, cause=None):
    """Raise ``exc`` with the one message style: ``"{name}: expected {expected}, got {got}"``.

    ``cause``, an exception, is chained (``raise ... from cause``): the
    reason a file could not be read, for example.
    """
    error = exc(f"{name}: expected {expected}, got {got}")
    if cause is not None:
        raise error from cause
    raise error


def _plural(word):
    """Plural of a noun: key -> keys, entry -> entries."""
    return word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in tuple("aeiou") else word + "s"


def _interval(low, high, low_open, high_open):
    """Words for an interval: "> 0", ">= 2", "< 1", "in [0, 1)" or "" (no bound)."""
    low, high = (f"{x:g}" if isinstance(x, float) else x for x in (low, high))
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return ""


def check_real(name, value, low=None, high=None, low_open=False, high_open=False):
    """``value`` as a float if it is a finite real number (not bool) within the bounds.

    Parameters
    ----------
    name : str
        Argument name for the message.
    value : object
        The value to check.
    low, high : float or None
        Bounds; None means unbounded on that side.
    low_open, high_open : bool
        Exclude the bound itself (``low_open=True``: ``value > low``).

    Raises
    ------
    TypeError
        Not a real number (bools are refused).
    ValueError
        NaN, +-inf or outside the bounds, e.g.
        ``lr: expected a finite real number > 0, got -0.1``.
    """
    words = _interval(low, high, low_open, high_open)
    expected = "a finite real number" + (f" {words}" if words else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(TypeError, name, expected, f"{type(value).__name__} {value!r}")
    value = float(value)
    inside = math.isfinite(value)
    if low is not None:
        inside = inside and (value > low if low_open else value >= low)
    if high is not None:
        inside = inside and (value < high if high_open else value <= high)
    if not inside:
        fail(ValueError, name, expected, repr(value))
    return value


def check_int(name, value, low=None, high=None, expected=None):
    """``value`` as an int if it is an integer (not bool) in ``[low, high]`` (None: unbounded).

    ``expected`` replaces the words of the message ("an int >= 2" by default).
    """
    if expected is None:
        words = _interval(low, high, False, False)
        expected = "an int" + (f" {words}" if words else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fail(TypeError, name, expected, f"{type(value).__name__} {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        fail(ValueError, name, expected, repr(int(value)))
    return int(value)


def check_size(name, value):
    """Return ``value`` if it is a positive int (not bool): ``check_int(name, value, 1)``."""
    return check_int(name, value, 1, expected="a positive int")


def check_whole(name, value, low=None, high=None):
    """``value`` as an int if it is a whole number in ``[low, high]`` (None: unbounded).

    A whole number is an int or a real number without a fractional part
    (``20.0``, as a slider may pass it); bools are refused, e.g.
    ``T: expected a whole number in [1, 400], got 2.5``.
    """
    words = _interval(low, high, False, False)
    expected = "a whole number" + (f" {words}" if words else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(TypeError, name, expected, f"{type(value).__name__} {value!r}")
    whole = math.isfinite(value) and value == int(value)
    if not whole or (low is not None and value < low) or (high is not None and value > high):
        fail(ValueError, name, expected, repr(value))
    return int(value)


def check_type(name, value, types, expected):
    """Return ``value`` if it is an instance of ``types``; TypeError saying ``expected`` otherwise."""
    if not isinstance(value, types):
        fail(TypeError, name, expected, type(value).__name__)
    return value


def check_text(name, value):
    """Return ``value`` if it is a str with at least one non-blank character.

    TypeError for anything but a str, ValueError for an empty or blank one.
    """
    check_type(name, value, str, "a non-empty str")
    if not value.strip():
        fail(ValueError, name, "a non-empty str", repr(value))
    return value


def check_path(name, value, suffix=None):
    """``value`` as a str path if it is a str or os.PathLike (ending in ``suffix`` if given).

    e.g. ``path: expected a path ending in '.npz', got 'weights.txt'``.
    """
    if not isinstance(value, (str, os.PathLike)):
        fail(TypeError, name, "a str or os.PathLike", type(value).__name__)
    path = os.fspath(value)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if suffix is not None and not path.endswith(suffix):
        fail(ValueError, name, f"a path ending in {suffix!r}", repr(path))
    return path


def check_callable(name, value, allow_none=False):
    """Return ``value`` if it is callable (or None when ``allow_none``); TypeError otherwise."""
    if (value is None and allow_none) or callable(value):
        return value
    fail(TypeError, name, "a callable" + (" or None" if allow_none else ""), type(value).__name__)


def check_array_dict(name, mapping):
    """Return ``mapping`` if it is a dict whose values are numpy arrays; TypeError otherwise."""
    check_type(name, mapping, dict, "a dict of numpy arrays")
    for key, value in mapping.items():
        check_type(f"{name}[{key!r}]", value, np.ndarray, "a numpy array")
    return mapping


def check_same_shape(name, arr, ref_name, ref_shape):
    """Raise ValueError unless ``arr.shape == ref_shape`` (the shape of ``ref_name``)."""
    if tuple(arr.shape) != tuple(ref_shape):
        fail(ValueError, name, f"shape {tuple(ref_shape)} (the shape of {ref_name})", tuple(arr.shape))


def check_option(name, value, allowed):
    """Return ``value`` if it is one of ``allowed``; ValueError otherwise.

    ``allowed`` holds strings (then only a str matches: ``1`` is not ``"1"``)
    or other values compared with ``==`` (a figure's numeric options, the
    lengths of a sweep), e.g. ``cell: expected one of 'rnn', 'lstm', 'gru', got 'tcn'``.
    """
    allowed = tuple(allowed)
    strings = all(isinstance(a, str) for a in allowed)
    try:
        ok = (isinstance(value, str) or not strings) and value in allowed
    except (TypeError, ValueError):  # an array or an object that refuses ==
        ok = False
    if not ok:
        fail(ValueError, name, f"one of {', '.join(repr(a) for a in allowed)}", repr(value))
    return value


def check_known(name, keys, allowed, what="key", exc=ValueError):
    """Raise ``exc`` naming the first of ``keys`` that is not in ``allowed``.

    ``what`` is the singular noun of the message, e.g.
    ``settings: expected keyword arguments among ['lr', 'window'], got unknown
    keyword argument 'lr_decay'`` (``exc=TypeError``, as Python does for an
    unknown keyword argument).
    """
    allowed = list(allowed)
    for key in keys:
        if key not in allowed:
            fail(exc, name, f"{_plural(what)} among {allowed}", f"unknown {what} {key!r}")


def check_distinct(name, values, what="values"):
    """Return ``values`` if it is a non-empty sequence without repeats (compared by ``repr``).

    e.g. ``seeds: expected a non-empty sequence of distinct seeds, got (1, 1)``.
    """
    if len(values) == 0 or len(set(map(repr, values))) != len(values):
        fail(ValueError, name, f"a non-empty sequence of distinct {what}", repr(values))
    return values


def check_rng(rng):
    """Raise TypeError unless ``rng`` is a ``numpy.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        fail(TypeError, "rng", "a numpy.random.Generator (e.g. np.random.default_rng(0))", type(rng).__name__)
    return rng


def check_dtype(name, dtype):
    """Return ``np.dtype(dtype)`` if it is float32 or float64; TypeError otherwise."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in FLOAT_DTYPES:
        fail(TypeError, name, "float32 or float64", repr(dtype))
    return dt


def as_float_array(name, value, dtype=None):
    """``value`` as a floating-point ndarray (cast to ``dtype`` if given, never in place).

    Integer, boolean, complex, string and object arrays raise TypeError: a
    silent cast would hide a bug (integer token ids are not inputs).
    """
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        fail(TypeError, name, "a floating-point array", f"{type(value).__name__} ({exc})")
    if arr.dtype.kind != "f":
        fail(TypeError, name, "a floating-point array (float32 or float64)", f"dtype {arr.dtype}")
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


def check_shape(name, arr, letters, sizes):
    """Raise ValueError unless ``arr.shape`` matches ``letters`` with the known ``sizes``.

    Parameters
    ----------
    name : str
        Argument name for the message.
    arr : numpy.ndarray
        The array to check.
    letters : tuple of str
        The symbolic shape, e.g. ("T", "B", "D").
    sizes : dict
        Known sizes by letter, e.g. {"D": 8}; letters not in it may be any
        positive size.
    """
    expected = f"({', '.join(letters)})"
    known = ", ".join(f"{k}={sizes[k]}" for k in dict.fromkeys(letters) if k in sizes)
    if known:
        expected += f" with {known}"
    shape = arr.shape
    ok = len(shape) == len(letters) and all(
        n == sizes.get(k, n) and n >= 1 for k, n in zip(letters, shape)
    )
    if not ok:
        fail(ValueError, name, f"shape {expected}", shape)


def check_finite(name, arr):
    """Raise ValueError if ``arr`` holds NaN or +-inf."""
    finite = np.isfinite(arr)
    if not finite.all():
        bad = np.argwhere(~finite)
        first = tuple(int(i) for i in bad[0])
        fail(ValueError, name, "finite values", f"{len(bad)} NaN/inf entries (first at index {first}: {arr[first]})")


def check_finite_params(params):
    """Raise ValueError naming the first parameter that holds NaN or +-inf, and its first bad index.

    One pass over memory per array in the usual case: the sum of an array is
    finite when all its entries are (the element-wise test runs only when the
    sum is not, which also catches a sum that overflowed).
    """
    for key, arr in params.items():
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.sum(arr)
        if not np.isfinite(total):
            check_finite(f"params[{key!r}]", arr)


def float_input(name, value, letters, sizes, dtype, finite=True):
    """Check one array argument: floating dtype, shape, finiteness; cast to ``dtype``."""
    arr = as_float_array(name, value, dtype)
    check_shape(name, arr, letters, sizes)
    if finite:
        check_finite(name, arr)
    return arr


def check_keys(name, mapping, required, allowed=None, what="key"):
    """Raise unless ``mapping`` is a dict holding every ``required`` key.

    With ``allowed`` (a tuple), keys outside it are refused as well. ``what``
    names a key in the message ("key", "entry"), e.g.
    ``state: expected keys ('h', 'c'), got no key 'c'`` or
    ``state: expected only keys ('h', 'c'), got unknown key 'x'``.
    """
    check_type(name, mapping, dict, f"a dict with keys {required}")
    for key in required:
        if key not in mapping:
            fail(ValueError, name, f"{_plural(what)} {required}", f"no {what} {key!r}")
    if allowed is not None:
        for key in mapping:
            if key not in allowed:
                fail(ValueError, name, f"only {_plural(what)} {allowed}", f"unknown {what} {key!r}")


def check_params(params, shapes, owner):
    """Validate a parameter dict against ``shapes`` ({key: (shape, symbolic)}).

    Returns a dict of the required arrays (the same objects, never copied);
    they must all share one dtype, float32 or float64. Extra keys (e.g. a
    head's "W_y") are ignored.
    """
    check_keys("params", params, tuple(shapes))
    out = {}
    dtype = None
    for key, (shape, symbolic) in shapes.items():
        name = f"params[{key!r}]"
        value = params[key]
        check_type(name, value, np.ndarray, "a numpy array")
        if value.dtype not in FLOAT_DTYPES:
            fail(TypeError, name, "dtype float32 or float64", value.dtype)
        if value.shape != shape:
            fail(ValueError, name, f"shape {symbolic} = {shape} for {owner}", value.shape)
        dtype = dtype or value.dtype
        if value.dtype != dtype:
            first = next(iter(shapes))
            fail(TypeError, name, f"dtype {dtype} (the dtype of params[{first!r}])", value.dtype)
        out[key] = value
    return out
