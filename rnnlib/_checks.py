"""Input validation shared by the cells (private).

Every check raises ``TypeError`` (wrong kind of object or dtype) or
``ValueError`` (wrong shape, size, value or option) with a message that names
the argument, what was expected and what was received, e.g.
``X: expected shape (T, B, D) with D=8, got (10, 3, 5)``. No check modifies
its input.
"""

import math
import numbers

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def fail(exc, name, expected, got):
    """Raise ``exc`` with the one message style: ``"{name}: expected {expected}, got {got}"``."""
    raise exc(f"{name}: expected {expected}, got {got}")


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


def check_type(name, value, types, expected):
    """Return ``value`` if it is an instance of ``types``; TypeError saying ``expected`` otherwise."""
    if not isinstance(value, types):
        fail(TypeError, name, expected, type(value).__name__)
    return value


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
    """Return ``value`` if it is one of the strings in ``allowed``; ValueError otherwise."""
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name}: expected one of {choices}, got {value!r}")
    return value


def check_rng(rng):
    """Raise TypeError unless ``rng`` is a ``numpy.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng: expected a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng


def check_dtype(name, dtype):
    """Return ``np.dtype(dtype)`` if it is float32 or float64; TypeError otherwise."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{name}: expected float32 or float64, got {dtype!r}")
    return dt


def as_float_array(name, value, dtype=None):
    """``value`` as a floating-point ndarray (cast to ``dtype`` if given, never in place).

    Integer, boolean, complex, string and object arrays raise TypeError: a
    silent cast would hide a bug (integer token ids are not inputs).
    """
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise TypeError(f"{name}: expected a floating-point array, got {type(value).__name__} ({exc})")
    if arr.dtype.kind != "f":
        raise TypeError(
            f"{name}: expected a floating-point array (float32 or float64), got dtype {arr.dtype}"
        )
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
        raise ValueError(f"{name}: expected shape {expected}, got {shape}")


def check_finite(name, arr):
    """Raise ValueError if ``arr`` holds NaN or +-inf."""
    finite = np.isfinite(arr)
    if not finite.all():
        bad = np.argwhere(~finite)
        first = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"{name}: expected finite values, got {len(bad)} NaN/inf entries "
            f"(first at index {first}: {arr[first]})"
        )


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

    With ``allowed`` (a tuple), keys outside it are refused as well.
    """
    if not isinstance(mapping, dict):
        raise TypeError(f"{name}: expected a dict with keys {required}, got {type(mapping).__name__}")
    for key in required:
        if key not in mapping:
            raise ValueError(f"{name}: missing {what} {key!r} (expected keys {required})")
    if allowed is not None:
        for key in mapping:
            if key not in allowed:
                raise ValueError(f"{name}: unknown {what} {key!r} (expected keys {allowed})")


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
        if not isinstance(value, np.ndarray):
            raise TypeError(f"{name}: expected a numpy array, got {type(value).__name__}")
        if value.dtype not in FLOAT_DTYPES:
            raise TypeError(f"{name}: expected dtype float32 or float64, got {value.dtype}")
        if value.shape != shape:
            raise ValueError(
                f"{name}: expected shape {symbolic} = {shape} for {owner}, got {value.shape}"
            )
        dtype = dtype or value.dtype
        if value.dtype != dtype:
            first = next(iter(shapes))
            raise TypeError(f"{name}: expected dtype {dtype} (the dtype of params[{first!r}]), got {value.dtype}")
        out[key] = value
    return out
