"""Automatic checkers for the book's coding exercises.

A coding exercise gives a function template whose body is
``raise NotImplementedError("your code here")`` and then calls a checker
with the student's function itself::

    from rnnlib import check

    def rnn_step(x_t, h_prev, W_x, W_h, b):
        raise NotImplementedError("your code here")

    check.rnn_step(rnn_step)

The checker runs the function on several inputs (a typical batch, a batch of
one with ``H=1``, zeros, large values that saturate the nonlinearities,
float32), compares each result with rnnlib's own implementation and prints
one or two friendly sentences::

    All 6 checks passed: `rnn_step` gives rnnlib's h_t for ...
    Check 2 of 6 failed (a batch of 1, D=1, H=1): expected h_t = [[0.4621]], got [[0.9051]]. Hint: ...

What the checker promises:

* Nothing from inside the checker ever reaches the student as a traceback:
  an unfinished template (``NotImplementedError``, a function returning
  ``None`` or ``...``), an exception raised by the student's code, a wrong
  shape, a wrong type or a numpy warning become a sentence.
* The student's function gets copies; the checker's arrays are never
  changed. If the function changes its inputs in place, that is a failed
  check that says which input.
* The printed text is deterministic (fixed seeds, numbers rounded to four
  significant digits), so nbval can compare a notebook's stored output.

Each checker returns a :class:`CheckResult`: truthy when every check passed,
its ``repr`` is the message. It does not display itself again in Jupyter
(the message is already printed); ``print(result)`` shows it.

Checkers and the function signature each one calls (the book's notation;
time-major shapes, weights ``(out, in)`` so the book's ``W^x x_t`` is
``x_t @ W_x.T``; ``B`` batch, ``D`` input size, ``H`` hidden size):

* ``rnn_step``: ``rnn_step(x_t, h_prev, W_x, W_h, b) -> h_t``
* ``softmax``: ``softmax(z) -> p``, softmax over the last axis
* ``rnn_backward_step``: ``rnn_backward_step(dh_t, h_t, x_t, h_prev, W_x, W_h) -> (dx_t, dh_prev, dW_x, dW_h, db)``
* ``sgd_update``: ``sgd_update(params, grads, lr) -> new_params``
* ``clip_by_global_norm``: ``clip_by_global_norm(grads, max_norm) -> (clipped, norm)``
* ``clip_elementwise``: ``clip_elementwise(grads, limit) -> clipped``
* ``gradient_product``: ``gradient_product(w, k) -> w**k``, a scalar linear RNN's gradient over k steps
* ``jacobian_product``: ``jacobian_product(W_h, h_seq) -> J``, dh_T/dh_0 of a tanh RNN
* ``lstm_forget_gate``: ``lstm_forget_gate(x_t, h_prev, c_prev, W_fx, W_fh, b_f) -> (f_t, c_f)``
* ``lstm_step``: ``lstm_step(x_t, h_prev, c_prev, W, b) -> (h_t, c_t)``
* ``gru_candidate``: ``gru_candidate(x_t, h_prev, r_t, W_hx, W_hr, b_h) -> h_tilde``
* ``gru_step``: ``gru_step(x_t, h_prev, W, b) -> h_t``
* ``adding_problem``: ``adding_problem(rng, T, batch_size) -> (X, y)``
* ``sample_with_temperature``: ``sample_with_temperature(logits, temperature, rng) -> index``
* ``perplexity``: ``perplexity(mean_cross_entropy) -> exp(mean_cross_entropy)``

``CHECKERS`` maps each name to its checker (the exercise validator of
:mod:`rnnlib.classroom` uses it).
"""

import math
import re
import textwrap
import warnings

import numpy as np

__all__ = [
    "CHECKERS",
    "CheckResult",
    "rnn_step",
    "softmax",
    "rnn_backward_step",
    "sgd_update",
    "clip_by_global_norm",
    "clip_elementwise",
    "gradient_product",
    "jacobian_product",
    "lstm_forget_gate",
    "lstm_step",
    "gru_candidate",
    "gru_step",
    "adding_problem",
    "sample_with_temperature",
    "perplexity",
]

#: Every checker by name.
CHECKERS = {}

#: (rtol, atol) for results computed in float64 and in float32.
TOL64 = (1e-6, 1e-9)
TOL32 = (1e-4, 1e-5)


_CHECKER_SECTIONS = """
    Parameters
    ----------
    fn : callable
        The student's function, with the signature above.

    Returns
    -------
    CheckResult
        Truthy when every check passed; its message is printed.
"""


def _checker(func):
    """Register a checker and give its docstring the common numpydoc sections."""
    func.__doc__ = func.__doc__.rstrip() + "\n" + _CHECKER_SECTIONS
    CHECKERS[func.__name__] = func
    return func


class CheckResult:
    """The verdict of a checker: truthy when every check passed.

    Attributes
    ----------
    passed : bool
    message : str
        The sentence(s) the checker printed; also the ``repr``.
    checks : int
        How many checks the checker has.
    failed : int or None
        Number (1-based) of the first failing check; None when all passed
        or when the function is not written yet.
    """

    __slots__ = ("passed", "message", "checks", "failed")

    def __init__(self, passed, message, checks, failed=None):
        self.passed = bool(passed)
        self.message = message
        self.checks = checks
        self.failed = failed

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return self.message

    __str__ = __repr__

    def _ipython_display_(self):
        """Show nothing: the checker has already printed the message."""


class _Unfinished(Exception):
    """The student's function is still the template."""


class _Fail(Exception):
    """One check failed; ``text`` says what, ``hint`` (optional) what to try."""

    def __init__(self, text, hint=None):
        super().__init__(text)
        self.text = text
        self.hint = hint


# ----------------------------------------------------------------- formatting


def _num(x):
    """A number as stable text: four significant digits, no negative zero."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    return f"{x:.4g}"


def _fmt(a):
    """An array as nested lists of :func:`_num` (independent of np.set_printoptions)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return _num(a)
    return "[" + ", ".join(_fmt(row) for row in a) + "]"


def _kind(value):
    """Short description of what a student returned."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    if value is None:
        return "None"
    if value is Ellipsis:
        return "`...` (the placeholder)"
    kind = type(value).__name__
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _first_line(exc):
    text = str(exc).strip().splitlines()
    text = text[0] if text else ""
    return text if len(text) <= 160 else text[:157] + "..."


def _exception(exc):
    """``TypeName: first line of the message`` (just the name if there is no message)."""
    text = _first_line(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ------------------------------------------------ calling the student's code


def _copy(value):
    """Copy the arrays (also inside dicts, lists and tuples) the student gets."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def _unchanged(original, passed):
    """True if ``passed`` (the copy the student got) still equals ``original``."""
    if isinstance(original, np.ndarray):
        return (
            isinstance(passed, np.ndarray)
            and passed.shape == original.shape
            and passed.dtype == original.dtype
            and np.array_equal(passed, original, equal_nan=True)
        )
    if isinstance(original, dict):
        return (
            isinstance(passed, dict)
            and list(passed) == list(original)
            and all(_unchanged(original[k], passed[k]) for k in original)
        )
    if isinstance(original, (list, tuple)):
        return len(passed) == len(original) and all(map(_unchanged, original, passed))
    return True


class _Student:
    """Calls the student's function safely: copies in, friendly failures out."""

    def __init__(self, fn, name, signature, arg_names):
        self.fn = fn
        self.name = name
        self.signature = signature
        self.arg_names = arg_names
        self.warning = None  # first warning of the current check

    def __call__(self, *args, allow_none=False):
        copies = [_copy(a) for a in args]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = self.fn(*copies)
            except NotImplementedError:
                raise _Unfinished(
                    f"`{self.name}` is not written yet: it still raises NotImplementedError. "
                    "Replace the `raise` line with your code and run the cell again."
                ) from None
            except Exception as exc:  # the student's bug, reported as a sentence
                hint = f"the checker calls `{self.signature}`." if isinstance(exc, TypeError) else None
                raise _Fail(f"your function stopped with {_exception(exc)}", hint) from None
        if caught and self.warning is None:
            self.warning = _first_line(caught[0].message)
        for arg_name, original, passed in zip(self.arg_names, args, copies):
            if not _unchanged(original, passed):
                raise _Fail(
                    f"your function changed its input `{arg_name}` in place",
                    "compute new arrays (`a = a - x` instead of `a -= x`, no assignments into the "
                    "inputs): the caller still needs its arrays unchanged.",
                )
        if out is None and not allow_none:
            raise _Unfinished(
                f"`{self.name}` returned None: it needs a `return` line that returns its result."
            )
        if out is Ellipsis:
            raise _Unfinished(f"`{self.name}` returned `...`, the placeholder: return your result instead.")
        return out

    def raises(self, exc_type, *args):
        """Call expecting ``exc_type``; a missing or other exception is a failure."""
        try:
            self(*args, allow_none=True)
        except _Fail as fail:
            if re.search(rf"stopped with {exc_type.__name__}\b", fail.text):
                return
            raise _Fail(f"expected a {exc_type.__name__}, but {fail.text}") from None
        raise _Fail(f"expected your function to raise {exc_type.__name__}, but it returned normally")


# ----------------------------------------------------------------- comparing


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _tolerance(expected):
    """Looser tolerance if any expected array is float32."""
    if any(getattr(leaf, "dtype", None) == np.float32 for leaf in _leaves(expected)):
        return TOL32
    return TOL64


def _as_numbers(got, name):
    try:
        g = np.asarray(got)
    except Exception:  # ragged lists, objects that refuse conversion
        g = None
    if g is None or g.dtype.kind not in "iuf":
        raise _Fail(f"expected {name} to be a numpy array of numbers, got {_kind(got)}")
    return g.astype(np.float64)


def _compare(got, expected, name, tol):
    """Raise _Fail unless ``got`` matches ``expected`` (array, number or dict)."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise _Fail(f"expected {name} to be a dict, got {_kind(got)}")
        if set(got) != set(expected):
            raise _Fail(f"expected {name} with the keys {sorted(expected)}, got the keys {sorted(got)}")
        for key in expected:
            _compare(got[key], expected[key], f"{name}[{key!r}]", tol)
        return
    exp = np.asarray(expected, dtype=np.float64)
    g = _as_numbers(got, name)
    if g.shape != exp.shape:
        if exp.ndim == 0:
            raise _Fail(f"expected {name} to be a single number, got an array of shape {g.shape}")
        raise _Fail(f"expected {name} with shape {exp.shape}, got shape {g.shape}")
    with np.errstate(all="ignore"):
        close = np.allclose(g, exp, rtol=tol[0], atol=tol[1], equal_nan=True)
        if close:
            return
        if exp.size <= 8:
            raise _Fail(f"expected {name} = {_fmt(exp)}, got {_fmt(g)}")
        diff = np.where(np.isnan(g - exp), np.inf, np.abs(g - exp))
    idx = np.unravel_index(int(np.argmax(diff)), exp.shape)
    where = ", ".join(str(int(i)) for i in idx)
    raise _Fail(f"expected {name}[{where}] = {_num(exp[idx])}, got {_num(g[idx])} ({name} has shape {exp.shape})")


def _compare_outputs(out, expected, names, tol):
    """``names`` is one name (single result) or a tuple of names (a tuple of results)."""
    if isinstance(names, str):
        _compare(out, expected, names, tol)
        return
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        raise _Fail(f"expected a tuple of {len(names)} results ({', '.join(names)}), got {_kind(out)}")
    for o, e, n in zip(out, expected, names):
        _compare(o, e, n, tol)


# --------------------------------------------------------------------- engine


class _Case:
    """One check: ``run(student)`` raises _Fail when it fails.

    Either compares ``student(*args)`` with ``expected`` (outputs named by
    ``names``) or, with ``test``, calls ``test(student)``.
    """

    def __init__(self, label, args=(), expected=None, names=None, hint=None, tol=None, test=None):
        self.label = label
        self.args = args
        self.expected = expected
        self.names = names
        self.hint = hint
        self.tol = tol
        self.test = test

    def run(self, student):
        if self.test is not None:
            self.test(student)
            return
        out = student(*self.args)
        _compare_outputs(out, self.expected, self.names, self.tol or _tolerance(self.expected))


def _run(checker, fn, signature, arg_names, cases, summary, hint):
    """Run ``cases`` on ``fn``, print the verdict, return a CheckResult."""
    n = len(cases)
    if not callable(fn):
        return _verdict(
            CheckResult(
                False,
                f"check.{checker} needs your function itself, as in `check.{checker}({checker})`; "
                f"it got {_kind(fn)}.",
                n,
            )
        )
    name = getattr(fn, "__name__", checker)
    name = checker if name == "<lambda>" else name
    student = _Student(fn, name, signature, arg_names)
    warned = None
    for k, case in enumerate(cases, 1):
        student.warning = None
        try:
            case.run(student)
        except _Unfinished as unfinished:
            return _verdict(CheckResult(False, str(unfinished), n))
        except _Fail as fail:
            text = fail.text + (f" (numpy warned: {student.warning})" if student.warning else "")
            message = f"Check {k} of {n} failed ({case.label}): {text}. Hint: {fail.hint or case.hint or hint}"
            return _verdict(CheckResult(False, message, n, failed=k))
        except Exception as exc:  # a result the checker could not read: still a sentence
            message = (f"Check {k} of {n} could not be completed ({case.label}): the checker could not read "
                       f"your function's result ({_exception(exc)}). Hint: {case.hint or hint}")
            return _verdict(CheckResult(False, message, n, failed=k))
        if warned is None and student.warning:
            warned = (k, student.warning)
    message = f"All {n} checks passed: " + summary.format(name=name) + "."
    if warned:
        message += (
            f" Note: numpy warned \"{warned[1]}\" during check {warned[0]}; "
            "a numerically stable formula avoids it."
        )
    return _verdict(CheckResult(True, message, n))


def _verdict(result):
    """Print the message wrapped at 76 columns, so it fits a notebook's and
    the HTML book's output box without scrolling sideways."""
    print(textwrap.fill(result.message, width=76, break_long_words=False, break_on_hyphens=False))
    return result


# ------------------------------------------------------------ input makers

def _huge_biases(arrays):
    """Biases of +-1000 (alternating): exp(1000) overflows, np.tanh and a stable sigmoid do not."""
    arrays["b"][0::2] = 1000.0
    arrays["b"][1::2] = -1000.0


#: Cases shared by the cell checkers: (label, B, D, H, weight scale, dtype, adjust).
_CELL_SHAPES = (
    ("a batch of 3, D=2, H=4", 3, 2, 4, 0.5, np.float64, None),
    ("a batch of 1, D=1, H=1", 1, 1, 1, 0.5, np.float64, None),
    ("a batch of 2, D=5, H=3", 2, 5, 3, 0.5, np.float64, None),
    ("very large pre-activations (biases of +-1000), so the nonlinearities saturate", 2, 3, 3, 20.0, np.float64,
     _huge_biases),
    ("float32 arrays", 2, 3, 2, 0.5, np.float32, None),
)
_FLOAT32_HINT = "compute with the arrays you are given; float32 inputs should work as they are."
_SATURATION_HINT = (
    "use np.tanh and a stable sigmoid (rnnlib.activations.sigmoid): `1 / (1 + np.exp(-z))` "
    "overflows for large negative z."
)


def _cell_arrays(rng, B, D, H, scale, dtype, G=1, **extra):
    """Inputs of one cell step: x_t (B, D), h_prev (B, H), fused W (G*H, D+H), b (G*H,).

    ``extra`` maps more names to shapes built from B, D, H (e.g. c_prev="BH").
    """
    sizes = {"B": B, "D": D, "H": H}
    arrays = {
        "x_t": rng.standard_normal((B, D)),
        "h_prev": rng.uniform(-1, 1, (B, H)),
        "W": scale * rng.standard_normal((G * H, D + H)),
        "b": scale * rng.standard_normal(G * H),
    }
    for key, letters in extra.items():
        arrays[key] = rng.standard_normal(tuple(sizes[c] for c in letters))
    return {k: v.astype(dtype) for k, v in arrays.items()}


def _hint_for(label, default):
    if label.startswith("very large"):
        return _SATURATION_HINT
    if label.startswith("float32"):
        return _FLOAT32_HINT
    return default


def _cell_cases(make_case, special=()):
    """Cases over _CELL_SHAPES (seeded) plus ``special`` ones.

    ``make_case(rng, B, D, H, scale, dtype) -> (args, expected)``; ``special``
    holds (label, B, D, H, scale, dtype, adjust, hint) where ``adjust(arrays)``
    edits the generated arrays before the reference runs.
    """
    rng = np.random.default_rng(2024)
    cases = []
    shared = [(*spec, _hint_for(spec[0], None)) for spec in _CELL_SHAPES]
    for label, B, D, H, scale, dtype, adjust, hint in (*shared, *special):
        args, expected = make_case(rng, B, D, H, scale, dtype, adjust)
        cases.append((label, args, expected, hint))
    return cases


def _zero_inputs(arrays):
    for key in ("x_t", "h_prev", "c_prev"):
        if key in arrays:
            arrays[key][...] = 0


# --------------------------------------------------------- the cell checkers


@_checker
def rnn_step(fn):
    """Check one step of the simple RNN.

    The student's function::

        rnn_step(x_t, h_prev, W_x, W_h, b) -> h_t
        h_t = tanh(W^x x_t + W^h h_{t-1} + b)   i.e.   np.tanh(x_t @ W_x.T + h_prev @ W_h.T + b)

    with x_t (B, D), h_prev (B, H), W_x (H, D), W_h (H, H), b (H,), h_t (B, H).
    Reference: :meth:`rnnlib.rnn.RNN.step`.
    """
    from rnnlib.rnn import RNN

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = _cell_arrays(rng, B, D, H, scale, dtype)
        if adjust:
            adjust(a)
        h_t = RNN(D, H).step({"W": a["W"], "b": a["b"]}, a["x_t"], {"h": a["h_prev"]})[0]
        return (a["x_t"], a["h_prev"], a["W"][:, :D], a["W"][:, D:], a["b"]), h_t

    special = [("zero input and zero state, so h_t = tanh(b)", 2, 3, 2, 0.5, np.float64, _zero_inputs,
                "with zero x_t and h_prev only the bias is left: did you add b?")]
    cases = [_Case(label, args, h_t, "h_t", hint) for label, args, h_t, hint in _cell_cases(make, special)]
    return _run(
        "rnn_step", fn, "rnn_step(x_t, h_prev, W_x, W_h, b)", ("x_t", "h_prev", "W_x", "W_h", "b"), cases,
        "`{name}` gives rnnlib's h_t for batches of 1 to 3, H=1, zero inputs, saturated tanh and float32",
        "the book's W^x x_t is `x_t @ W_x.T` in code; add `h_prev @ W_h.T` and `b`, then apply np.tanh.",
    )


@_checker
def rnn_backward_step(fn):
    """Check the backward pass of one simple-RNN step.

    The student's function::

        rnn_backward_step(dh_t, h_t, x_t, h_prev, W_x, W_h) -> (dx_t, dh_prev, dW_x, dW_h, db)

    for the step ``h_t = tanh(x_t @ W_x.T + h_prev @ W_h.T + b)``, where
    ``dh_t`` (B, H) is dJ/dh_t and every result is the gradient of J with
    respect to the input of the same name: dx_t (B, D), dh_prev (B, H),
    dW_x (H, D), dW_h (H, H), db (H,) (summed over the batch). The chain
    rule through tanh: ``da = dh_t * (1 - h_t**2)``.
    Reference: :meth:`rnnlib.rnn.RNN.backward` on a sequence of length 1.
    """
    from rnnlib.rnn import RNN

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = _cell_arrays(rng, B, D, H, scale, dtype, dh_t="BH")
        if adjust:
            adjust(a)
        cell = RNN(D, H)
        params = {"W": a["W"], "b": a["b"]}
        H_seq, trace = cell.forward(params, a["x_t"][None], {"h": a["h_prev"]})
        grads = cell.backward(params, trace, a["dh_t"][None])
        expected = (grads["X"][0], grads["h"], grads["W"][:, :D], grads["W"][:, D:], grads["b"])
        return (a["dh_t"], H_seq[0], a["x_t"], a["h_prev"], a["W"][:, :D], a["W"][:, D:]), expected

    def zero_upstream(a):
        a["dh_t"][...] = 0

    special = [("zero upstream gradient dh_t, so every gradient is 0", 2, 3, 2, 0.5, np.float64, zero_upstream,
                "every gradient is a product with dh_t: with dh_t = 0 all of them are zero.")]
    names = ("dx_t", "dh_prev", "dW_x", "dW_h", "db")
    cases = [_Case(label, args, exp, names, hint) for label, args, exp, hint in _cell_cases(make, special)]
    return _run(
        "rnn_backward_step", fn, "rnn_backward_step(dh_t, h_t, x_t, h_prev, W_x, W_h)",
        ("dh_t", "h_t", "x_t", "h_prev", "W_x", "W_h"), cases,
        "`{name}` gives rnnlib's five gradients for batches of 1 to 3, H=1, a zero upstream gradient, "
        "saturated tanh and float32",
        "go back through tanh first, `da = dh_t * (1 - h_t**2)`; then every gradient is a product of da "
        "with what multiplied it in the forward pass, and db sums da over the batch.",
    )


@_checker
def lstm_forget_gate(fn):
    """Check the LSTM forget gate and what it keeps of the cell state.

    The student's function::

        lstm_forget_gate(x_t, h_prev, c_prev, W_fx, W_fh, b_f) -> (f_t, c_f)
        f_t = sigmoid(W_f^x x_t + W_f^h h_{t-1} + b_f)   i.e.   sigmoid(x_t @ W_fx.T + h_prev @ W_fh.T + b_f)
        c_f = f_t * c_prev                                 (the part of C_{t-1} that is kept)

    with x_t (B, D), h_prev (B, H), c_prev (B, H), W_fx (H, D), W_fh (H, H),
    b_f (H,); f_t and c_f are (B, H). Reference:
    :func:`rnnlib.activations.sigmoid` and the formula above.
    """
    from rnnlib.activations import sigmoid

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = _cell_arrays(rng, B, D, H, scale, dtype, c_prev="BH")
        if adjust:
            adjust(a)
        W_fx, W_fh = a["W"][:, :D], a["W"][:, D:]
        f_t = sigmoid(a["x_t"] @ W_fx.T + a["h_prev"] @ W_fh.T + a["b"])
        return (a["x_t"], a["h_prev"], a["c_prev"], W_fx, W_fh, a["b"]), (f_t, f_t * a["c_prev"])

    def bias(value):
        def adjust(a):
            a["W"][...] = 0
            a["b"][...] = value
        return adjust

    special = [
        ("forget gate open (b_f = +20, no weights), so c_f = c_prev", 2, 2, 3, 0.5, np.float64, bias(20.0),
         "a large positive b_f makes f_t close to 1: the memory c_prev should pass through unchanged."),
        ("forget gate closed (b_f = -20, no weights), so c_f = 0", 2, 2, 3, 0.5, np.float64, bias(-20.0),
         "a large negative b_f makes f_t close to 0: the memory should be erased."),
    ]
    cases = [_Case(label, args, exp, ("f_t", "c_f"), hint) for label, args, exp, hint in _cell_cases(make, special)]
    return _run(
        "lstm_forget_gate", fn, "lstm_forget_gate(x_t, h_prev, c_prev, W_fx, W_fh, b_f)",
        ("x_t", "h_prev", "c_prev", "W_fx", "W_fh", "b_f"), cases,
        "`{name}` gives the right f_t and c_f for batches of 1 to 3, H=1, a gate held open and held closed, "
        "saturation and float32",
        "f_t = sigmoid(x_t @ W_fx.T + h_prev @ W_fh.T + b_f), and c_f is the element-wise product f_t * c_prev.",
    )


@_checker
def lstm_step(fn):
    """Check one step of the LSTM with the fused weight matrix.

    The student's function::

        lstm_step(x_t, h_prev, c_prev, W, b) -> (h_t, c_t)

    with W (4H, D+H) and b (4H,) holding the blocks i, f, g, o in this
    order (rows ``k*H:(k+1)*H``), columns ``[:D]`` acting on x_t and
    ``[D:]`` on h_{t-1}::

        a = x_t @ W[:, :D].T + h_prev @ W[:, D:].T + b         (B, 4H)
        i, f, o = sigmoid of their blocks;  g = tanh of its block (the candidate C~_t)
        c_t = f * c_prev + i * g
        h_t = o * tanh(c_t)

    x_t (B, D), h_prev and c_prev (B, H); h_t and c_t (B, H).
    Reference: :meth:`rnnlib.lstm.LSTM.step`.
    """
    from rnnlib.lstm import LSTM

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = _cell_arrays(rng, B, D, H, scale, dtype, G=4, c_prev="BH")
        if adjust:
            adjust(a)
        _, state, _ = LSTM(D, H).step({"W": a["W"], "b": a["b"]}, a["x_t"], {"h": a["h_prev"], "c": a["c_prev"]})
        return (a["x_t"], a["h_prev"], a["c_prev"], a["W"], a["b"]), (state["h"], state["c"])

    def keep_memory(a):
        H = a["h_prev"].shape[1]
        a["W"][...] = 0
        a["b"][...] = 0
        a["b"][:H] = -20.0  # input gate closed
        a["b"][H:2 * H] = 20.0  # forget gate open

    special = [
        ("zero input, state and memory, so c_t = i_t * g_t from the biases", 2, 3, 2, 0.5, np.float64,
         _zero_inputs, "with zeros in, only b is left: c_t = sigmoid(b_i) * tanh(b_g)."),
        ("forget gate open and input gate closed, so c_t = c_prev", 2, 2, 3, 0.5, np.float64, keep_memory,
         "the blocks of W and b are in the order i, f, g, o: rows H:2H belong to the forget gate."),
    ]
    cases = [_Case(label, args, exp, ("h_t", "c_t"), hint) for label, args, exp, hint in _cell_cases(make, special)]
    return _run(
        "lstm_step", fn, "lstm_step(x_t, h_prev, c_prev, W, b)", ("x_t", "h_prev", "c_prev", "W", "b"), cases,
        "`{name}` gives rnnlib's h_t and c_t for batches of 1 to 3, H=1, zeros, a memory kept by the gates, "
        "saturation and float32",
        "the blocks of W and b are i, f, g, o (rows k*H:(k+1)*H); i, f, o use sigmoid, g uses tanh, "
        "c_t = f * c_prev + i * g and h_t = o * tanh(c_t).",
    )


@_checker
def gru_candidate(fn):
    """Check the GRU candidate state (the book's reset placement).

    The student's function::

        gru_candidate(x_t, h_prev, r_t, W_hx, W_hr, b_h) -> h_tilde
        h~_t = tanh(W_h^x x_t + W_h^r (r_t * h_{t-1}) + b_h)
             i.e. np.tanh(x_t @ W_hx.T + (r_t * h_prev) @ W_hr.T + b_h)

    with x_t (B, D), h_prev and r_t (B, H), W_hx (H, D), W_hr (H, H),
    b_h (H,); h_tilde (B, H). Reference: :func:`rnnlib.activations.tanh`
    and the formula above (the ``n`` block of :class:`rnnlib.gru.GRU`,
    variant "book").
    """
    from rnnlib.activations import tanh

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = _cell_arrays(rng, B, D, H, scale, dtype)
        a["r_t"] = rng.uniform(0, 1, (B, H)).astype(dtype)
        if adjust:
            adjust(a)
        W_hx, W_hr = a["W"][:, :D], a["W"][:, D:]
        h_tilde = tanh(a["x_t"] @ W_hx.T + (a["r_t"] * a["h_prev"]) @ W_hr.T + a["b"])
        return (a["x_t"], a["h_prev"], a["r_t"], W_hx, W_hr, a["b"]), h_tilde

    def reset(value):
        def adjust(a):
            a["r_t"][...] = value
        return adjust

    special = [
        ("reset gate r_t = 0, so the past is ignored", 2, 3, 2, 0.5, np.float64, reset(0.0),
         "with r_t = 0 the term (r_t * h_prev) @ W_hr.T vanishes: h~_t = tanh(x_t @ W_hx.T + b_h)."),
        ("reset gate r_t = 1, so all of h_prev is used", 2, 3, 2, 0.5, np.float64, reset(1.0),
         "the reset gate multiplies h_prev before the matrix: (r_t * h_prev) @ W_hr.T."),
    ]
    cases = [_Case(label, args, exp, "h_tilde", hint) for label, args, exp, hint in _cell_cases(make, special)]
    return _run(
        "gru_candidate", fn, "gru_candidate(x_t, h_prev, r_t, W_hx, W_hr, b_h)",
        ("x_t", "h_prev", "r_t", "W_hx", "W_hr", "b_h"), cases,
        "`{name}` gives the right candidate h~_t for batches of 1 to 3, H=1, r_t = 0 and 1, saturation "
        "and float32",
        "h~_t = tanh(x_t @ W_hx.T + (r_t * h_prev) @ W_hr.T + b_h): the reset gate acts on h_prev before "
        "the matrix.",
    )


@_checker
def gru_step(fn):
    """Check one step of the book's GRU with the fused weight matrix.

    The student's function::

        gru_step(x_t, h_prev, W, b) -> h_t

    with W (3H, D+H) and b (3H,) holding the blocks r, z, n in this order
    (rows ``k*H:(k+1)*H``), columns ``[:D]`` acting on x_t and ``[D:]`` on
    h_{t-1}::

        r_t = sigmoid(x_t @ W_r^x.T + h_prev @ W_r^h.T + b_r)
        z_t = sigmoid(x_t @ W_z^x.T + h_prev @ W_z^h.T + b_z)
        n_t = tanh(x_t @ W_n^x.T + (r_t * h_prev) @ W_n^h.T + b_n)      (the candidate h~_t)
        h_t = (1 - z_t) * h_prev + z_t * n_t

    x_t (B, D), h_prev (B, H), h_t (B, H).
    Reference: :meth:`rnnlib.gru.GRU.step` with ``variant="book"``.
    """
    from rnnlib.gru import GRU

    def make(rng, B, D, H, scale, dtype, adjust=None):
        a = _cell_arrays(rng, B, D, H, scale, dtype, G=3)
        if adjust:
            adjust(a)
        h_t = GRU(D, H, variant="book").step({"W": a["W"], "b": a["b"]}, a["x_t"], {"h": a["h_prev"]})[0]
        return (a["x_t"], a["h_prev"], a["W"], a["b"]), h_t

    def update(value):
        def adjust(a):
            H = a["h_prev"].shape[1]
            a["W"][H:2 * H] = 0
            a["b"][H:2 * H] = value
        return adjust

    special = [
        ("update gate closed (b_z = -20), so h_t = h_prev", 2, 3, 2, 0.5, np.float64, update(-20.0),
         "in the book's GRU z_t points to the candidate: h_t = (1 - z_t) * h_prev + z_t * n_t, so z_t = 0 "
         "keeps h_prev."),
        ("update gate open (b_z = +20), so h_t = the candidate", 2, 3, 2, 0.5, np.float64, update(20.0),
         "with z_t = 1 the new state is the candidate n_t = tanh(x_t @ W_n^x.T + (r_t * h_prev) @ W_n^h.T + b_n)."),
    ]
    cases = [_Case(label, args, exp, "h_t", hint) for label, args, exp, hint in _cell_cases(make, special)]
    return _run(
        "gru_step", fn, "gru_step(x_t, h_prev, W, b)", ("x_t", "h_prev", "W", "b"), cases,
        "`{name}` gives rnnlib's h_t (the book's GRU) for batches of 1 to 3, H=1, the update gate closed and "
        "open, saturation and float32",
        "the blocks of W and b are r, z, n (rows k*H:(k+1)*H); the reset gate multiplies h_prev before "
        "the matrix and h_t = (1 - z_t) * h_prev + z_t * n_t.",
    )


@_checker
def jacobian_product(fn):
    """Check the Jacobian of a tanh RNN's last state with respect to its first.

    The student's function::

        jacobian_product(W_h, h_seq) -> J
        J = dh_T/dh_0 = diag(1 - h_T**2) W_h  diag(1 - h_{T-1}**2) W_h  ...  diag(1 - h_1**2) W_h

    for one sequence of the simple RNN ``h_t = tanh(W^x x_t + W^h h_{t-1} + b)``:
    W_h (H, H), h_seq (T, H) the states h_1 ... h_T (without h_0), J (H, H).
    Each step contributes its Jacobian ``dh_t/dh_{t-1} = diag(1 - h_t**2) W_h``;
    the latest step is on the left. Reference: :meth:`rnnlib.rnn.RNN.backward`
    (the gradient reaching h_0 from a unit gradient on each unit of h_T).
    """
    from rnnlib.rnn import RNN

    rng = np.random.default_rng(7)
    specs = (
        ("one step, T=1, H=3", 1, 3, 1.0, 1.0),
        ("T=5, H=3", 5, 3, 1.0, 1.0),
        ("a scalar RNN, H=1, T=6", 6, 1, 1.5, 1.0),
        ("T=8, H=4 with large recurrent weights", 8, 4, 3.0, 0.5),
        ("T=4, H=2 with saturated states (large inputs)", 4, 2, 1.0, 10.0),
    )
    cases = []
    for label, T, H, w_scale, x_scale in specs:
        D = 2
        W = np.concatenate([x_scale * rng.standard_normal((H, D)), w_scale * rng.standard_normal((H, H)) / np.sqrt(H)], 1)
        params = {"W": W, "b": 0.1 * rng.standard_normal(H)}
        x = rng.standard_normal((T, 1, D))
        h0 = rng.uniform(-1, 1, (1, H))
        # A batch of H copies of the sequence, each with a unit gradient on one unit of h_T:
        # row j of grads["h"] is e_j^T J, so grads["h"] = J.
        cell = RNN(D, H)
        H_seq, trace = cell.forward(params, np.repeat(x, H, axis=1), {"h": np.repeat(h0, H, axis=0)})
        J = cell.backward(params, trace, None, {"h": np.eye(H)})["h"]
        cases.append(_Case(label, (W[:, D:], H_seq[:, 0, :]), J, "J"))
    return _run(
        "jacobian_product", fn, "jacobian_product(W_h, h_seq)", ("W_h", "h_seq"), cases,
        "`{name}` gives dh_T/dh_0 for one step, several steps, a scalar RNN, large weights and saturated "
        "states",
        "start from J = identity and for t = 1 ... T multiply on the left by the step's Jacobian "
        "`(1 - h_seq[t-1]**2)[:, None] * W_h`.",
    )


# --------------------------------------------------------- the small formulas


@_checker
def softmax(fn):
    """Check a numerically stable softmax over the last axis.

    The student's function::

        softmax(z) -> p,   p[..., k] = exp(z[..., k]) / sum_j exp(z[..., j])

    for z of any shape (V,) or (B, V); p has the shape of z. Must not
    overflow at z = 1000 (subtract the maximum first).
    Reference: :func:`rnnlib.activations.softmax`.
    """
    from rnnlib.activations import softmax as reference

    rng = np.random.default_rng(11)
    inputs = (
        ("a vector of 5 scores", rng.standard_normal(5), None),
        ("a batch of 3 rows of 4 scores", rng.standard_normal((3, 4)),
         "normalise each row: sum over the last axis with `keepdims=True`."),
        ("a single score", np.array([2.5]), None),
        ("large scores, z = [1000, 999, 998]", np.array([1000.0, 999.0, 998.0]),
         "np.exp(1000) overflows: subtract the largest score first, softmax(z) = softmax(z - max(z))."),
        ("very negative scores, z = [-1000, -1001]", np.array([-1000.0, -1001.0]),
         "np.exp(-1000) is 0 and 0/0 is nan: subtract the largest score first."),
        ("float32 scores", rng.standard_normal((2, 3)).astype(np.float32), _FLOAT32_HINT),
    )
    cases = [_Case(label, (z,), reference(z), "p", hint) for label, z, hint in inputs]
    return _run(
        "softmax", fn, "softmax(z)", ("z",), cases,
        "`{name}` matches rnnlib's softmax on vectors, batches, one score, z = +-1000 and float32",
        "p = np.exp(z - z.max(axis=-1, keepdims=True)), then divide by its sum over the last axis.",
    )


def _grads_dict(rng, shapes, scale=1.0, dtype=np.float64):
    return {k: (scale * rng.standard_normal(s)).astype(dtype) for k, s in shapes.items()}


_MODEL_SHAPES = {"W": (8, 5), "b": (8,), "W_y": (1, 2), "b_y": (1,)}
_EXPLODED = ("exploded gradients with entries near 1e30", _MODEL_SHAPES, 1e30, 1.0, np.float64, None)
_FLOAT32_GRADS = ("float32 gradients", {"W": (3, 2), "b": (3,)}, 2.0, 1.0, np.float32, _FLOAT32_HINT)


def _grads_cases(seed, specs, reference, names):
    """Cases for a function of (grads, threshold), from specs
    (label, shapes, scale, threshold, dtype, hint); ``reference(grads, threshold)``."""
    rng = np.random.default_rng(seed)
    cases = []
    for label, shapes, scale, threshold, dtype, hint in specs:
        grads = _grads_dict(rng, shapes, scale, dtype)
        cases.append(_Case(label, (grads, threshold), reference(grads, threshold), names, hint))
    return cases


@_checker
def sgd_update(fn):
    """Check the gradient-descent update rule.

    The student's function::

        sgd_update(params, grads, lr) -> new_params
        new_params[k] = params[k] - lr * grads[k]       (the book's W_new = W_old - alpha dJ/dW)

    ``params`` and ``grads`` are dicts of arrays; ``grads`` may hold extra
    keys that are not parameters (``"X"``, ``"h"``, as rnnlib's backward
    passes return) which are ignored. Returns a new dict with the keys of
    ``params``; the inputs must not be changed.
    Reference: :meth:`rnnlib.optim.SGD.update`.
    """
    from rnnlib.optim import SGD

    rng = np.random.default_rng(5)
    specs = (
        ("one parameter, lr = 0.1", {"W": (3, 4)}, 0.1, np.float64, None),
        ("four parameters, lr = 0.01", _MODEL_SHAPES, 0.01, np.float64, None),
        ("a 1 x 1 weight, lr = 1", {"W": (1, 1)}, 1.0, np.float64, None),
        ("float32 parameters, lr = 0.5", {"W": (2, 3), "b": (2,)}, 0.5, np.float32, _FLOAT32_HINT),
        ("grads also holds 'X' and 'h', which are not parameters", {"W": (2, 3), "b": (2,)}, 0.1, np.float64,
         "loop over the keys of params, not of grads: the new dict has exactly the parameters."),
    )
    cases = []
    for label, shapes, lr, dtype, hint in specs:
        params = _grads_dict(rng, shapes, dtype=dtype)
        grads = _grads_dict(rng, shapes, dtype=dtype)
        if "not parameters" in label:
            grads.update(X=rng.standard_normal((4, 1, 3)), h=rng.standard_normal((1, 2)))
        opt = SGD(lr)
        new, _ = opt.update(params, grads, opt.init(params))
        cases.append(_Case(label, (params, grads, lr), new, "new_params", hint))
    return _run(
        "sgd_update", fn, "sgd_update(params, grads, lr)", ("params", "grads", "lr"), cases,
        "`{name}` returns W - lr * dW for every parameter, ignores extra gradients and leaves its inputs unchanged",
        "build a new dict: `{k: params[k] - lr * grads[k] for k in params}`.",
    )


@_checker
def clip_by_global_norm(fn):
    """Check clipping by the global norm.

    The student's function::

        clip_by_global_norm(grads, max_norm) -> (clipped, norm)
        norm = sqrt(sum over k of sum(grads[k] ** 2))
        clipped[k] = grads[k] * min(1, max_norm / norm)

    ``grads`` a dict of arrays, ``norm`` a number (the norm *before*
    clipping), ``clipped`` a new dict with the same keys; every gradient is
    scaled by the same factor, so the direction is kept.
    Reference: :func:`rnnlib.clip.clip_by_global_norm`.
    """
    from rnnlib.clip import clip_by_global_norm as reference

    specs = (
        ("norm above max_norm, so every gradient shrinks", _MODEL_SHAPES, 1.0, 5.0, np.float64, None),
        ("norm below max_norm, so nothing changes", _MODEL_SHAPES, 0.01, 5.0, np.float64,
         "scale by min(1, max_norm / norm): small gradients are returned unchanged."),
        ("one 1 x 1 gradient", {"W": (1, 1)}, 3.0, 0.5, np.float64, None),
        _EXPLODED,
        _FLOAT32_GRADS,
    )
    cases = _grads_cases(3, specs, reference, ("clipped", "norm"))
    return _run(
        "clip_by_global_norm", fn, "clip_by_global_norm(grads, max_norm)", ("grads", "max_norm"), cases,
        "`{name}` returns the global norm and rescales all gradients together only when it exceeds max_norm",
        "the norm is one number over all the gradients together; multiply every gradient by the same "
        "factor min(1, max_norm / norm).",
    )


@_checker
def clip_elementwise(fn):
    """Check element-wise clipping.

    The student's function::

        clip_elementwise(grads, limit) -> clipped
        clipped[k] = clip(grads[k], -limit, limit)       (every entry on its own)

    ``grads`` a dict of arrays, ``clipped`` a new dict with the same keys.
    Reference: :func:`rnnlib.clip.clip_elementwise`.
    """
    from rnnlib.clip import clip_elementwise as reference

    specs = (
        ("some entries beyond +-limit", _MODEL_SHAPES, 2.0, 1.5, np.float64, None),
        ("every entry within +-limit, so nothing changes", _MODEL_SHAPES, 0.1, 5.0, np.float64, None),
        ("a 2 x 2 gradient with entries far beyond +-limit", {"W": (2, 2)}, 50.0, 0.5, np.float64,
         "negative entries are clipped at -limit, positive ones at +limit."),
        _EXPLODED,
        _FLOAT32_GRADS,
    )
    cases = _grads_cases(4, specs, reference, "clipped")
    return _run(
        "clip_elementwise", fn, "clip_elementwise(grads, limit)", ("grads", "limit"), cases,
        "`{name}` cuts every entry into [-limit, limit] and leaves the others as they are",
        "np.clip(g, -limit, limit) for every gradient g, in a new dict.",
    )


@_checker
def gradient_product(fn):
    """Check the gradient of a scalar linear RNN through k steps.

    The student's function::

        gradient_product(w, k) -> dh_k/dh_0 = w ** k

    for the scalar recurrence ``h_t = w * h_{t-1}``: each step multiplies
    the gradient by w. ``w`` a float, ``k`` an int >= 0; returns a float.
    Reference: the formula (computed as ``float(w) ** k``).
    """
    specs = (
        ("w = 4, k = 100: exploding", 4.0, 100, None),
        ("w = 0.2, k = 100: vanishing", 0.2, 100, "multiply k factors of w: the result is tiny but not 0."),
        ("w = 1, k = 50", 1.0, 50, None),
        ("w = -0.5, k = 3", -0.5, 3, "the sign matters: an odd number of negative factors is negative."),
        ("k = 0 steps", 0.7, 0, "through zero steps nothing is multiplied: the gradient is 1."),
        ("w = 1.1, k = 1000", 1.1, 1000, None),
    )
    cases = [_Case(label, (w, k), float(w) ** k, "dh_k/dh_0", hint, tol=(1e-9, 0.0)) for label, w, k, hint in specs]
    return _run(
        "gradient_product", fn, "gradient_product(w, k)", ("w", "k"), cases,
        "`{name}` gives w**k, from 4**100 = 1.607e+60 to 0.2**100 = 1.268e-70",
        "each of the k steps multiplies the gradient by w.",
    )


@_checker
def perplexity(fn):
    """Check perplexity from the mean cross-entropy.

    The student's function::

        perplexity(mean_cross_entropy) -> exp(mean_cross_entropy)

    with the mean cross-entropy per character in nats (natural log);
    returns a number. A uniform guess over V characters has cross-entropy
    ln(V) and perplexity V. Reference: the formula.
    """
    specs = (
        ("cross-entropy 1.5 nats", 1.5, None),
        ("a perfect model, cross-entropy 0", 0.0, "exp(0) = 1: a perfect model is never surprised."),
        ("a uniform guess over 65 characters, ln(65)", math.log(65), None),
        ("a numpy float32 cross-entropy 2.0", np.float32(2.0), _FLOAT32_HINT),
        ("a very bad model, cross-entropy 50", 50.0, None),
    )
    cases = [
        _Case(label, (ce,), math.exp(float(ce)), "perplexity", hint, tol=(1e-6, 0.0)) for label, ce, hint in specs
    ]
    return _run(
        "perplexity", fn, "perplexity(mean_cross_entropy)", ("mean_cross_entropy",), cases,
        "`{name}` gives exp(cross-entropy): 1 for a perfect model, V for a uniform guess over V characters",
        "the cross-entropy is in nats (natural log), so perplexity = np.exp(mean_cross_entropy).",
    )


# ----------------------------------------------------------- data and sampling


def _two_arrays(out, shapes):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise _Fail(f"expected a tuple (X, y), got {_kind(out)}")
    arrays = []
    for value, name, shape in zip(out, ("X", "y"), shapes):
        a = _as_numbers(value, name)
        if a.shape != shape:
            raise _Fail(f"expected {name} with shape {shape}, got shape {a.shape}")
        arrays.append(a)
    return arrays


def _adding_properties(T, B, seed):
    def test(student):
        X, y = _two_arrays(student(np.random.default_rng(seed), T, B), ((T, B, 2), (B, 1)))
        values, markers = X[..., 0], X[..., 1]
        if values.min() < 0 or values.max() > 1:
            raise _Fail(f"expected every value X[t, b, 0] in [0, 1], found {_num(values.min())} to {_num(values.max())}",
                        "draw the values with rng.random((T, batch_size)).")
        if not np.isin(markers, (0.0, 1.0)).all():
            raise _Fail("expected the markers X[t, b, 1] to be 0 or 1", "a marker is 1 at the two chosen steps, 0 elsewhere.")
        half = T // 2
        first, second = markers[:half].sum(axis=0), markers[half:].sum(axis=0)
        bad = np.flatnonzero((first != 1) | (second != 1))
        if bad.size:
            b = int(bad[0])
            raise _Fail(
                f"sequence {b} has {int(first[b])} marker(s) in steps 0..{half - 1} and {int(second[b])} in "
                f"steps {half}..{T - 1}, expected exactly one in each half",
                "choose i1 from range(0, T // 2) and i2 from range(T // 2, T) for every sequence.",
            )
        target = (values * markers).sum(axis=0)[:, None]
        if not np.allclose(y, target, rtol=1e-6, atol=1e-9):
            b = int(np.argmax(np.abs(y - target)))
            raise _Fail(f"expected y[{b}] = {_num(target[b, 0])} (the sum of its two marked values), got {_num(y[b, 0])}",
                        "y[b, 0] = X[i1, b, 0] + X[i2, b, 0].")
    return test


def _adding_determinism(student):
    first = _two_arrays(student(np.random.default_rng(42), 10, 3), ((10, 3, 2), (3, 1)))
    again = _two_arrays(student(np.random.default_rng(42), 10, 3), ((10, 3, 2), (3, 1)))
    if not all(np.array_equal(a, b) for a, b in zip(first, again)):
        raise _Fail("two generators with the same seed gave different batches",
                    "draw every random number from the `rng` argument, never from np.random directly.")
    other = _two_arrays(student(np.random.default_rng(43), 10, 3), ((10, 3, 2), (3, 1)))
    if np.array_equal(first[0], other[0]):
        raise _Fail("generators with different seeds gave the same batch", "draw the values and marker positions from `rng`.")


@_checker
def adding_problem(fn):
    """Check a generator of the adding problem.

    The student's function::

        adding_problem(rng, T, batch_size) -> (X, y)

    X (T, B, 2): ``X[t, b, 0]`` values drawn from U(0, 1), ``X[t, b, 1]``
    markers, 1 at exactly two steps of each sequence (one in steps
    ``0 .. T//2 - 1``, one in ``T//2 .. T - 1``) and 0 elsewhere;
    y (B, 1): the sum of the two marked values. ``rng`` a
    numpy.random.Generator, the only source of randomness (same seed, same
    batch). Reference: the properties above (as in
    :func:`rnnlib.data.adding_problem`).
    """
    cases = [
        _Case("T=10, a batch of 4", test=_adding_properties(10, 4, 0)),
        _Case("T=2, a batch of 1: the markers must be at steps 0 and 1", test=_adding_properties(2, 1, 1)),
        _Case("T=7 (odd), a batch of 50", test=_adding_properties(7, 50, 2)),
        _Case("T=100, a batch of 8", test=_adding_properties(100, 8, 3)),
        _Case("the same seed twice, then another seed", test=_adding_determinism),
    ]
    return _run(
        "adding_problem", fn, "adding_problem(rng, T, batch_size)", ("rng", "T", "batch_size"), cases,
        "`{name}` makes values in [0, 1], one marker in each half, y = the marked sum, and is reproducible "
        "from its rng",
        "X[..., 0] holds the values, X[..., 1] the markers, and y the sum of the two marked values.",
    )


def _index(out, V):
    if isinstance(out, np.ndarray) and out.shape == () and out.dtype.kind in "iu":
        out = out[()]
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, np.integer)):
        raise _Fail(f"expected an integer index, got {_kind(out)}",
                    "return a single index, e.g. `int(rng.choice(len(logits), p=p))`.")
    if not 0 <= out < V:
        raise _Fail(f"expected an index in 0..{V - 1}, got {int(out)}")
    return int(out)


_LOGITS = np.array([2.0, 1.0, 0.5, -1.0, 0.0])


def _sample_distribution(temperature, n=4000, tolerance=0.03):
    def test(student):
        from rnnlib.activations import softmax

        rng = np.random.default_rng(17)
        counts = np.zeros(_LOGITS.size)
        for _ in range(n):
            counts[_index(student(_LOGITS, temperature, rng), _LOGITS.size)] += 1
        p = softmax(_LOGITS / temperature)
        freq = counts / n
        k = int(np.argmax(np.abs(freq - p)))
        if abs(freq[k] - p[k]) > tolerance:
            raise _Fail(
                f"index {k} came up in {_num(100 * freq[k])}% of {n} samples, expected about "
                f"{_num(100 * p[k])}% = softmax(logits / T)[{k}]",
                "divide the logits by the temperature, take their softmax, then draw one index with "
                "rng.choice(len(logits), p=p).",
            )
    return test


def _sample_small_temperature(student):
    rng = np.random.default_rng(18)
    got = {_index(student(_LOGITS, 1e-3, rng), _LOGITS.size) for _ in range(100)}
    if got != {int(np.argmax(_LOGITS))}:
        raise _Fail(f"with T = 0.001 expected always the argmax {int(np.argmax(_LOGITS))}, got the indices {sorted(got)}")


def _sample_single(student):
    rng = np.random.default_rng(19)
    for _ in range(5):
        _index(student(np.array([0.3]), 1.0, rng), 1)


def _sample_bad_temperature(student):
    rng = np.random.default_rng(20)
    for t in (0.0, -1.0):
        try:
            student.raises(ValueError, _LOGITS, t, rng)
        except _Fail as fail:
            raise _Fail(f"temperature = {_num(t)}: {fail.text}",
                        "check `if temperature <= 0: raise ValueError(...)` first: dividing by 0 "
                        "or by a negative T is meaningless.") from None


def _sample_determinism(student):
    draws = [[student(_LOGITS, 1.0, rng) for _ in range(50)] for rng in (np.random.default_rng(21), np.random.default_rng(21))]
    if [_index(i, _LOGITS.size) for i in draws[0]] != [_index(i, _LOGITS.size) for i in draws[1]]:
        raise _Fail("two generators with the same seed gave different samples",
                    "draw with the `rng` argument (rng.choice), never with np.random directly.")


@_checker
def sample_with_temperature(fn):
    """Check sampling an index from logits with a temperature.

    The student's function::

        sample_with_temperature(logits, temperature, rng) -> index
        p = softmax(logits / temperature);  index ~ p

    logits (V,), temperature a float > 0 (a ValueError for T <= 0), rng a
    numpy.random.Generator; returns an int in 0..V-1. Checked statistically
    with fixed seeds: 4000 draws at each temperature must match
    softmax(logits / T) within 3 percentage points; at T = 0.001 every draw
    is the argmax. Reference: :func:`rnnlib.activations.softmax`.
    """
    cases = [
        _Case("a single logit, V=1", test=_sample_single),
        _Case("the same seed twice", test=_sample_determinism),
        _Case("temperature 0 and -1 must raise ValueError", test=_sample_bad_temperature),
        _Case("temperature 1, 4000 draws", test=_sample_distribution(1.0)),
        _Case("temperature 0.5 (sharper), 4000 draws", test=_sample_distribution(0.5)),
        _Case("temperature 2 (flatter), 4000 draws", test=_sample_distribution(2.0)),
        _Case("temperature 0.001, so always the argmax", test=_sample_small_temperature,
              hint="logits / 0.001 are in the thousands: take a stable softmax (subtract the maximum)."),
    ]
    return _run(
        "sample_with_temperature", fn, "sample_with_temperature(logits, temperature, rng)",
        ("logits", "temperature", "rng"), cases,
        "`{name}` draws from softmax(logits / T) at T = 0.5, 1 and 2, gives the argmax as T -> 0 and "
        "refuses T <= 0",
        "p = softmax(logits / temperature), then `int(rng.choice(len(logits), p=p))`.",
    )
