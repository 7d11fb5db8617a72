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
* Any warning while the student's function runs (numpy's overflow in
  ``1 / (1 + np.exp(-z))``, ...) fails the check with a sentence naming it;
  so does a result of the wrong type (a list where an array is expected).
* A function that calls the rnnlib function the exercise asks for (the
  checker's ``forbid`` paths: ``LSTM.step``, ``softmax`` ...) is refused with
  a sentence naming it; :class:`_Guard` swaps the code of those functions
  for sentinels while the student's function runs, so no alias escapes.
* Hints teach: a checker's named special cases run first (bias missing, a
  gate held open or closed, overflow); a result that equals a known
  :class:`Slip` (the flipped update gate, the reset after the matrix) gets
  that slip's hint; otherwise the case's hint, else the general hint, which
  says where to look, not the answer. From the second failure in a row the
  general hint adds ``more``.
* The printed text is deterministic (fixed seeds, numbers rounded to four
  significant digits), so nbval can compare a notebook's stored output.
"""

import inspect
import math
import re
import textwrap
import warnings

import numpy as np

from rnnlib._checks import fail

__all__ = ["CHECKERS", "CheckResult", "Case", "Fail", "Slip", "Unfinished", "checker", "num", "fmt", "kind", "as_numbers"]

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
    seed : int, optional
        None (default) runs the book's cases; another seed draws other random
        inputs for the same checks (graders use it for hidden cases).
    quiet : bool, optional
        Return the verdict without printing it.

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
            fail(ValueError, "signature", "'name(arg, ...) -> result'", repr(signature))
        self.name = m["name"]
        self.signature = signature.strip()
        self.arg_names = tuple(a.strip() for a in m["args"].split(",") if a.strip())
        self.call = f"{self.name}({', '.join(self.arg_names)})"
        self.returns = m["returns"].strip()
        self.chapter = chapter


class Slip:
    """A known wrong answer: when a failing result equals ``fn(*args)``, its hint is shown.

    Parameters
    ----------
    fn : callable
        Computes the slip's (wrong) result from the checked function's arguments.
    hint : str
        What the student probably did and what to look at (not the answer).
    when : callable, optional
        ``when(*args)`` is False for the inputs on which the slip cannot be
        told apart from other mistakes (``w * k`` and ``0`` agree at k = 0).
    """

    def __init__(self, fn, hint, when=None):
        self.fn = fn
        self.hint = hint
        self.when = when

    def matches(self, args, out, names, tol):
        """True if ``out`` equals this slip's result on ``args``."""
        if self.when is not None and not self.when(*args):
            return False
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _compare_outputs(out, self.fn(*_copy(list(args))), names, tol)
        except Exception:  # not this slip (or the slip cannot be computed here)
            return False
        return True


def checker(signature, summary, hint, more=None, slips=(), forbid=()):
    """Declare and register a checker (a decorator for a chapter module's case builder).

    Parameters
    ----------
    signature : str
        The checked function's signature, ``"name(arg, ...) -> result"``.
    summary : str
        The end of the "All N checks passed: ..." sentence; ``{name}`` is the
        student's function name.
    hint : str
        The hint shown when a failing case has none of its own: it says where
        to look, not the answer.
    more : str, optional
        Added to ``hint`` from the second failure of this checker in a row
        (in one Python session) on.
    slips : sequence of Slip
        Known wrong answers, recognised in a failing result (their hint wins
        over every other).
    forbid : sequence of str
        Dotted paths of the rnnlib functions and methods the exercise asks the
        student to write (``"rnnlib.lstm.LSTM.step"``): while the student's
        function runs they are replaced by sentinels, and a function that
        calls one is refused with a sentence naming it.

    Returns
    -------
    callable
        Takes the builder ``build(seed=None) -> list of Case`` (``seed`` None:
        the book's cases; another seed: other random inputs; a builder without
        the parameter always gives its fixed cases) and returns the public
        checker ``name(fn) -> CheckResult``.
    """

    def declare(build):
        spec = Spec(signature, build.__module__.rsplit(".", 1)[-1])
        if build.__name__ != spec.name:
            fail(ValueError, "signature", f"a signature of the checker {build.__name__!r}",
                 f"{signature!r}, which names {spec.name!r}")
        spec.summary, spec.hint, spec.more = summary, hint, more
        spec.slips, spec.forbid = tuple(slips), tuple(forbid)

        seeded = "seed" in inspect.signature(build).parameters

        def run_checker(fn, seed=None, quiet=False):
            return _run(spec, fn, build(seed=seed) if seeded else build(), quiet)

        run_checker.__name__ = run_checker.__qualname__ = spec.name
        run_checker.__module__ = build.__module__
        run_checker.__doc__ = build.__doc__.replace("{signature}", spec.signature).rstrip() + "\n" + _CHECKER_SECTIONS
        run_checker.spec = spec
        if spec.name in CHECKERS:
            fail(ValueError, "signature", "a checker name not declared yet",
                 f"{spec.name!r}, already declared in {CHECKERS[spec.name].__module__}")
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

    def __init__(self, text, hint=None, warned=False):
        super().__init__(text)
        self.text = text
        self.hint = hint
        self.warned = warned  # the failure is a warning the student's function caused


class Refused(Exception):
    """The student's function calls the rnnlib function it is meant to replace."""


class _ForbiddenCall(BaseException):
    """Raised by a sentinel; a BaseException, so `except Exception` in the student's code cannot hide it."""


class _Guard:
    """Replaces the code of the forbidden rnnlib functions with sentinels while it is active.

    Swapping ``__code__`` (not the attribute) catches every route to the
    function: ``LSTM(...).step``, a name imported before the check, a method
    reached through a subclass or kept in a closure. Calls are also recorded,
    so a student's ``except BaseException`` cannot hide one either.
    """

    def __init__(self, paths):
        self.targets = [(label, f) for label, f in map(_resolve, paths) if f is not None]
        self.targets += [(label, f) for label, f in ALSO_FORBIDDEN if f not in {g for _, g in self.targets}]
        self.called = []

    def __enter__(self):
        self.saved = []
        for label, f in self.targets:
            sentinel = _sentinel_code(label, len(f.__code__.co_freevars))
            self.saved.append((f, f.__code__))
            f.__code__ = sentinel
        _GUARDS.append(self)
        return self

    def __exit__(self, *exc):
        _GUARDS.remove(self)
        for f, code in reversed(self.saved):
            f.__code__ = code
        return False


_GUARDS = []
#: More (label, function) pairs every guard swaps: a grader that imports rnnlib afresh adds the
#: functions of the rnnlib the student's code already holds (see classroom.verify).
ALSO_FORBIDDEN = []


def _forbidden_call(label):
    """Called by a sentinel: note the call and stop the student's function."""
    for guard in _GUARDS:
        guard.called.append(label)
    raise _ForbiddenCall(label)


def _resolve(path):
    """``"rnnlib.lstm.LSTM.step"`` -> ("LSTM.step", the plain function), or (label, None) if it is gone."""
    import importlib
    import inspect

    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        label = ".".join(parts[cut:])
        try:
            for attr in parts[cut:]:
                obj = inspect.getattr_static(obj, attr) if inspect.isclass(obj) else getattr(obj, attr)
                obj = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
        except AttributeError:
            return label, None
        return label, (obj if inspect.isfunction(obj) else None)
    return path, None


def _sentinel_code(label, n_free):
    """Code for a sentinel that reports ``label``, with ``n_free`` free variables (as the original has)."""
    free = [f"_v{i}" for i in range(n_free)]
    lines = ["def _outer():"] + [f"    {v} = None" for v in free] + [
        "    def _sentinel(*args, **kwargs):",
        *([f"        {', '.join(free)}"] if free else []),
        f"        __import__('rnnlib.check.engine', fromlist=['_'])._forbidden_call({label!r})",
        "    return _sentinel",
    ]
    namespace = {}
    exec("\n".join(lines), namespace)  # noqa: S102 - fixed text built from the label only
    return namespace["_outer"]().__code__


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

    def __init__(self, fn, name, spec):
        self.fn = fn
        self.name = name
        self.spec = spec

    def __call__(self, *args, allow_none=False):
        copies = [_copy(a) for a in args]
        guard = _Guard(self.spec.forbid)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with guard:
                    out = self.fn(*copies)
            except _ForbiddenCall:
                pass  # reported below from guard.called
            except NotImplementedError:
                raise Unfinished(
                    f"`{self.name}` is not written yet: it still raises NotImplementedError. "
                    "Replace the `raise` line with your code and run the cell again."
                ) from None
            except Exception as exc:  # the student's bug, reported as a sentence
                if guard.called:
                    pass
                else:
                    call = f"{self.name}({', '.join(self.spec.arg_names)})"
                    hint = f"the checker calls `{call}`." if isinstance(exc, TypeError) else None
                    raise Fail(f"your function stopped with {_exception(exc)}", hint) from None
        if guard.called:
            raise Refused(
                f"check.{self.spec.name} refuses `{self.name}`: it calls rnnlib's `{guard.called[0]}`, "
                "the very function this exercise asks you to write. Write it yourself with numpy; "
                "the checker compares your result with rnnlib's."
            )
        if caught:
            warning = caught[0]
            source = "numpy" if issubclass(warning.category, RuntimeWarning) else "Python"
            raise Fail(
                f"{source} warned \"{_first_line(warning.message)}\" while your function ran, so its "
                "result cannot be trusted",
                warned=True,
            )
        for arg_name, original, passed in zip(self.spec.arg_names, args, copies):
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


_NUMBER_HINT = "return one number (a float), not an array or a list."


def _is_number(value):
    """A Python or numpy real number, or a 0-d numeric array (what a formula may return)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


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
    if isinstance(expected, np.ndarray) and expected.ndim and not isinstance(got, np.ndarray):
        raise Fail(f"expected {name} to be a numpy array, got {kind(got)}",
                   "return a numpy array: arithmetic on arrays gives one, np.asarray converts a list.")
    if not isinstance(expected, np.ndarray) and not _is_number(got):
        raise Fail(f"expected {name} to be a single number, got {kind(got)}", _NUMBER_HINT)
    exp = np.asarray(expected, dtype=np.float64)
    g = as_numbers(got, name)
    if g.shape != exp.shape:
        if exp.ndim == 0:
            raise Fail(f"expected {name} to be a single number, got an array of shape {g.shape}", _NUMBER_HINT)
        raise Fail(f"expected {name} with shape {exp.shape}, got shape {g.shape}",
                   "print the shapes of your intermediate results to find where the shape goes wrong.")
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
        raise Fail(f"expected a tuple of {len(names)} results ({', '.join(names)}), got {kind(out)}",
                   f"return both as a tuple: `return {', '.join(names)}`." if len(names) == 2 else
                   f"return all of them as a tuple: `return {', '.join(names)}`.")
    for o, e, n in zip(out, expected, names):
        _compare(o, e, n, tol)



# --------------------------------------------------------------------- engine


class Case:
    """One check: ``run(student)`` raises Fail when it fails.

    Either compares ``student(*args)`` with ``expected`` (outputs named by
    ``names``) or, with ``test``, calls ``test(student)``. ``hint`` is shown
    when this case fails, ``warning_hint`` when it fails because the student's
    function made numpy warn.
    """

    def __init__(self, label, args=(), expected=None, names=None, hint=None, tol=None, test=None,
                 warning_hint=None):
        self.label = label
        self.warning_hint = warning_hint  # hint for a failure caused by a warning
        self.args = args
        self.expected = expected
        self.names = names
        self.hint = hint
        self.tol = tol
        self.test = test

    def run(self, student, slips=()):
        """Raise Fail if the check fails; a result that matches a known slip gets the slip's hint."""
        if self.test is not None:
            self.test(student)
            return
        out = student(*self.args)
        tol = self.tol or _tolerance(self.expected)
        try:
            _compare_outputs(out, self.expected, self.names, tol)
        except Fail as fail:
            slip = next((s for s in slips if s.matches(self.args, out, self.names, tol)), None)
            if slip is not None:
                fail.hint = slip.hint
            raise


#: Hint for a failure caused by a warning in a case that has no hint of its own.
WARNING_HINT = ("find the operation that warned (np.exp of a large number overflows, 0 / 0 is invalid) and "
                "compute the same value in a way that cannot overflow.")

#: Failures in a row of each checker in this Python session (the second on shows ``more``).
_FAILURES = {}


def _run(spec, fn, cases, quiet=False):
    """Run ``cases`` on ``fn``, print the verdict (unless ``quiet``), return a CheckResult."""
    verdict = (lambda result: result) if quiet else _verdict
    checker = spec.name
    n = len(cases)
    if not callable(fn):
        return verdict(
            CheckResult(
                False,
                f"check.{checker} needs your function itself, as in `check.{checker}(my_{checker})`; "
                f"it got {kind(fn)}.",
                n,
            )
        )
    name = getattr(fn, "__name__", checker)
    name = checker if name == "<lambda>" else name
    student = _Student(fn, name, spec)
    for k, case in enumerate(cases, 1):
        try:
            case.run(student, spec.slips)
        except (Unfinished, Refused) as stop:
            return verdict(CheckResult(False, str(stop), n))
        except Fail as fail:
            message = f"Check {k} of {n} failed ({case.label}): {fail.text}. Hint: {_hint(spec, case, fail)}"
            return verdict(CheckResult(False, message, n, failed=k))
        except Exception as exc:  # a result the checker could not read: still a sentence
            message = (f"Check {k} of {n} could not be completed ({case.label}): the checker could not read "
                       f"your function's result ({_exception(exc)}). Hint: {case.hint or spec.hint}")
            return verdict(CheckResult(False, message, n, failed=k))
    _FAILURES.pop(checker, None)
    return verdict(CheckResult(True, f"All {n} checks passed: " + spec.summary.format(name=name) + ".", n))


def _hint(spec, case, fail):
    """The most specific hint: the failure's own (a recognised slip), the case's, then the general one."""
    if fail.hint:
        return fail.hint
    if fail.warned:
        return case.warning_hint or case.hint or WARNING_HINT
    if case.hint:
        return case.hint
    _FAILURES[spec.name] = _FAILURES.get(spec.name, 0) + 1
    if spec.more and _FAILURES[spec.name] > 1:
        return f"{spec.hint} {spec.more}"
    return spec.hint


def _verdict(result):
    """Print the message wrapped at 76 columns, so it fits a notebook's and
    the HTML book's output box without scrolling sideways."""
    print(textwrap.fill(result.message, width=76, break_long_words=False, break_on_hyphens=False))
    return result

