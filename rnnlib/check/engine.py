"""The checkers' engine: run a student's function on cases, print one verdict.

A chapter module (``ch04.py`` ...) declares each checker once with
:func:`checker`::

    @checker("lstm_step(x_t, h_prev, c_prev, W, b) -> (h_t, c_t)",
             summary="`{name}` gives rnnlib's h_t and c_t for ...",
             hint="the blocks of W and b are i, f, g, o ...")
    def lstm_step():
        '''Check one step of the LSTM.

        The student's function::

            {signature}
            ...
        '''
        return [Case(...), ...]      # the checks, in the order they run

The signature string is the only place the function's name, arguments and
results are written: the decorator fills ``{signature}`` in the docstring,
adds the numpydoc sections, names the arguments in messages (an input
changed in place, the call a TypeError hint shows) and registers the public
checker ``lstm_step(fn)`` in :data:`CHECKERS`. The decorated builder returns
the list of :class:`Case` (seeded, so every run prints the same text).

What a checker promises:

* Nothing from inside the checker ever reaches the student as a traceback:
  an unfinished template (``NotImplementedError``, a function returning
  ``None`` or ``...``), an exception raised by the student's code, a wrong
  shape, a wrong type or a numpy warning become a sentence.
* The student's function gets copies; the checker's arrays are never
  changed. If the function changes its inputs in place, that is a failed
  check that says which input.
* The printed text is deterministic (fixed seeds, numbers rounded to four
  significant digits), so nbval can compare a notebook's stored output.
"""

import math
import re
import textwrap
import warnings

import numpy as np

__all__ = ["CHECKERS", "CheckResult", "Case", "Fail", "Unfinished", "checker", "num", "fmt", "kind", "as_numbers"]

#: Every checker by name (filled by :func:`checker` when a chapter module is imported).
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



_SIGNATURE = re.compile(r"^(?P<name>[A-Za-z_]\w*)\((?P<args>[^()]*)\)\s*->\s*(?P<returns>.+)$")


class Spec:
    """What a checker knows about the function it checks (from its signature string).

    Attributes
    ----------
    name : str
        The function's name in the signature (``lstm_step``); the checker has the same name.
    signature : str
        The whole signature, ``name(args) -> returns``.
    call : str
        ``name(args)``, how the checker calls the function.
    arg_names : tuple of str
    returns : str
    chapter : str
        The chapter module that declares the checker (``ch04``).
    """

    def __init__(self, signature, chapter):
        m = _SIGNATURE.match(signature.strip())
        if m is None:
            raise ValueError(f"signature: expected 'name(arg, ...) -> result', got {signature!r}")
        self.name = m["name"]
        self.signature = signature.strip()
        self.arg_names = tuple(a.strip() for a in m["args"].split(",") if a.strip())
        self.call = f"{self.name}({', '.join(self.arg_names)})"
        self.returns = m["returns"].strip()
        self.chapter = chapter


def checker(signature, summary, hint):
    """Declare and register a checker (a decorator for a chapter module's case builder).

    Parameters
    ----------
    signature : str
        The checked function's signature, ``"name(arg, ...) -> result"``.
    summary : str
        The end of the "All N checks passed: ..." sentence; ``{name}`` is the
        student's function name.
    hint : str
        The hint shown when a failing case has none of its own.

    Returns
    -------
    callable
        Takes the builder ``build() -> list of Case`` and returns the public
        checker ``name(fn) -> CheckResult``.
    """

    def declare(build):
        spec = Spec(signature, build.__module__.rsplit(".", 1)[-1])
        if build.__name__ != spec.name:
            raise ValueError(f"checker {build.__name__!r}: its signature names {spec.name!r}")

        def run_checker(fn):
            return _run(spec, fn, build(), summary, hint)

        run_checker.__name__ = run_checker.__qualname__ = spec.name
        run_checker.__module__ = build.__module__
        run_checker.__doc__ = build.__doc__.replace("{signature}", spec.signature).rstrip() + "\n" + _CHECKER_SECTIONS
        run_checker.spec = spec
        if spec.name in CHECKERS:
            raise ValueError(f"checker {spec.name!r} is declared twice ({CHECKERS[spec.name].__module__})")
        CHECKERS[spec.name] = run_checker
        return run_checker

    return declare


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


class Unfinished(Exception):
    """The student's function is still the template."""


class Fail(Exception):
    """One check failed; ``text`` says what, ``hint`` (optional) what to try."""

    def __init__(self, text, hint=None):
        super().__init__(text)
        self.text = text
        self.hint = hint


# ----------------------------------------------------------------- formatting


def num(x):
    """A number as stable text: four significant digits, no negative zero."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    return f"{x:.4g}"


def fmt(a):
    """An array as nested lists of :func:`num` (independent of np.set_printoptions)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return num(a)
    return "[" + ", ".join(fmt(row) for row in a) + "]"


def kind(value):
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
                raise Unfinished(
                    f"`{self.name}` is not written yet: it still raises NotImplementedError. "
                    "Replace the `raise` line with your code and run the cell again."
                ) from None
            except Exception as exc:  # the student's bug, reported as a sentence
                hint = f"the checker calls `{self.signature}`." if isinstance(exc, TypeError) else None
                raise Fail(f"your function stopped with {_exception(exc)}", hint) from None
        if caught and self.warning is None:
            self.warning = _first_line(caught[0].message)
        for arg_name, original, passed in zip(self.arg_names, args, copies):
            if not _unchanged(original, passed):
                raise Fail(
                    f"your function changed its input `{arg_name}` in place",
                    "compute new arrays (`a = a - x` instead of `a -= x`, no assignments into the "
                    "inputs): the caller still needs its arrays unchanged.",
                )
        if out is None and not allow_none:
            raise Unfinished(
                f"`{self.name}` returned None: it needs a `return` line that returns its result."
            )
        if out is Ellipsis:
            raise Unfinished(f"`{self.name}` returned `...`, the placeholder: return your result instead.")
        return out

    def raises(self, exc_type, *args):
        """Call expecting ``exc_type``; a missing or other exception is a failure."""
        try:
            self(*args, allow_none=True)
        except Fail as fail:
            if re.search(rf"stopped with {exc_type.__name__}\b", fail.text):
                return
            raise Fail(f"expected a {exc_type.__name__}, but {fail.text}") from None
        raise Fail(f"expected your function to raise {exc_type.__name__}, but it returned normally")


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


def as_numbers(got, name):
    try:
        g = np.asarray(got)
    except Exception:  # ragged lists, objects that refuse conversion
        g = None
    if g is None or g.dtype.kind not in "iuf":
        raise Fail(f"expected {name} to be a numpy array of numbers, got {kind(got)}")
    return g.astype(np.float64)


def _compare(got, expected, name, tol):
    """Raise Fail unless ``got`` matches ``expected`` (array, number or dict)."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise Fail(f"expected {name} to be a dict, got {kind(got)}")
        if set(got) != set(expected):
            raise Fail(f"expected {name} with the keys {sorted(expected)}, got the keys {sorted(got)}")
        for key in expected:
            _compare(got[key], expected[key], f"{name}[{key!r}]", tol)
        return
    exp = np.asarray(expected, dtype=np.float64)
    g = as_numbers(got, name)
    if g.shape != exp.shape:
        if exp.ndim == 0:
            raise Fail(f"expected {name} to be a single number, got an array of shape {g.shape}")
        raise Fail(f"expected {name} with shape {exp.shape}, got shape {g.shape}")
    with np.errstate(all="ignore"):
        close = np.allclose(g, exp, rtol=tol[0], atol=tol[1], equal_nan=True)
        if close:
            return
        if exp.size <= 8:
            raise Fail(f"expected {name} = {fmt(exp)}, got {fmt(g)}")
        diff = np.where(np.isnan(g - exp), np.inf, np.abs(g - exp))
    idx = np.unravel_index(int(np.argmax(diff)), exp.shape)
    where = ", ".join(str(int(i)) for i in idx)
    raise Fail(f"expected {name}[{where}] = {num(exp[idx])}, got {num(g[idx])} ({name} has shape {exp.shape})")


def _compare_outputs(out, expected, names, tol):
    """``names`` is one name (single result) or a tuple of names (a tuple of results)."""
    if isinstance(names, str):
        _compare(out, expected, names, tol)
        return
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        raise Fail(f"expected a tuple of {len(names)} results ({', '.join(names)}), got {kind(out)}")
    for o, e, n in zip(out, expected, names):
        _compare(o, e, n, tol)



# --------------------------------------------------------------------- engine


class Case:
    """One check: ``run(student)`` raises Fail when it fails.

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


def _run(spec, fn, cases, summary, hint):
    """Run ``cases`` on ``fn``, print the verdict, return a CheckResult."""
    checker = spec.name
    n = len(cases)
    if not callable(fn):
        return _verdict(
            CheckResult(
                False,
                f"check.{checker} needs your function itself, as in `check.{checker}(my_{checker})`; "
                f"it got {kind(fn)}.",
                n,
            )
        )
    name = getattr(fn, "__name__", checker)
    name = checker if name == "<lambda>" else name
    student = _Student(fn, name, spec.call, spec.arg_names)
    warned = None
    for k, case in enumerate(cases, 1):
        student.warning = None
        try:
            case.run(student)
        except Unfinished as unfinished:
            return _verdict(CheckResult(False, str(unfinished), n))
        except Fail as fail:
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

