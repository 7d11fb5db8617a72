"""The training loop: the only place where weights change.

One step of :func:`fit` (``opt_state`` passed in, or ``optimizer.init(params)``)::

    X, Y = next batch
    loss, grads, _ = model.loss_and_grads(params, X, Y)   # or truncated BPTT over chunks
    norm = global_norm(grads)                             # logged before clipping
    grads = clip(grads)                                   # optional
    params, opt_state = optimizer.update(params, grads, opt_state)

``fit`` returns a :class:`FitResult` (params, history, the optimizer state to
continue from, and why it stopped) and stops early on an
:class:`EarlyStopping` condition (a validation loss below a target, or no
improvement for ``patience`` evaluations).

Truncated backpropagation through time (:func:`tbptt_loss_and_grads`) splits
each sequence into chunks of ``k`` steps, carries the hidden state from chunk
to chunk but lets no gradient cross a chunk boundary, so memory grows with
``k`` instead of ``T``.
"""

import collections.abc
import math

import numpy as np

from rnnlib._checks import check_callable, check_option, check_real, check_size, check_type, fail
from rnnlib.clip import clip_by_global_norm, clip_elementwise, global_norm

__all__ = ["fit", "EarlyStopping", "FitResult", "evaluate", "tbptt_loss_and_grads"]


def _check_model(model):
    if not hasattr(model, "loss_and_grads") or not hasattr(model, "cell"):
        fail(TypeError, "model", "a SequenceModel", type(model).__name__)


def tbptt_loss_and_grads(model, params, X, Y, k, loss=None, state=None):
    """Loss and truncated-BPTT gradients over chunks of ``k`` steps.

    The sequence ``X`` (T, B, D) is cut into chunks ``X[s : s + k]``. Each
    chunk starts from the final state of the previous one (the forward pass
    is exactly the full one), but its backward pass stops at the chunk's
    start: the carried state is treated as a constant.

    ``output="all"`` (the character model): with ``T_c`` the length of chunk
    ``c`` and ``L_c`` its mean loss::

        loss  = sum_c (T_c / T) * L_c          # equals the full-sequence mean loss
        grads = sum_c (T_c / T) * dL_c/dparams # each dL_c backpropagated inside chunk c only

    ``output="last"``: only the last chunk holds the loss; the earlier chunks
    are run forward without a trace (``cell.run``) to produce its initial
    state, so the gradient reaches back at most ``k`` steps.

    Parameters
    ----------
    model : SequenceModel
    params : dict
    X : ndarray, shape (T, B, D)
    Y : ndarray
        Targets as for ``model.loss_and_grads``: (T, B, O) / (T, B) for
        output="all", (B, O) / (B,) for output="last".
    k : int
        Chunk length, >= 1. ``k >= T`` gives full BPTT.
    loss : str, optional
        As in ``model.loss_and_grads``.
    state : dict, optional
        Initial state (zeros if None).

    Returns
    -------
    (loss, grads, final_state)
        As ``model.loss_and_grads`` returns them. ``grads["X"]`` covers all
        T steps; ``grads["h"]`` (and ``"c"``, the gradients on the initial state) are truncated too: zero
        unless the first chunk's backward pass reaches them.
    """
    _check_model(model)
    k = check_size("k", k)
    X = np.asarray(X)
    if X.ndim != 3:
        fail(ValueError, "X", "shape (T, B, D)", X.shape)
    T = X.shape[0]
    if k >= T:
        return model.loss_and_grads(params, X, Y, loss=loss, state=state)
    starts = range(0, T, k)
    if model.output == "last":
        start = starts[-1]
        state = model.cell.run(model.cell_params(params), X[:start], state)
        value, grads, final = model.loss_and_grads(params, X[start:], Y, loss=loss, state=state)
        dX = np.zeros_like(X, dtype=grads["X"].dtype)
        dX[start:] = grads["X"]
        grads["X"] = dX
        for key in model.cell.state_names:
            if key in grads:
                grads[key] = np.zeros_like(grads[key])  # truncated: no path back to the initial state
        return value, grads, final
    Y = np.asarray(Y)
    if Y.ndim < 2 or Y.shape[0] != T:
        fail(ValueError, "Y", f"a time axis of length T={T} first (output='all')", f"shape {Y.shape}")
    total, grads, dX = 0.0, None, []
    for s in starts:
        w = min(k, T - s) / T  # weight of this chunk in the mean over all T steps
        value, g, state = model.loss_and_grads(params, X[s : s + k], Y[s : s + k], loss=loss, state=state)
        total += w * value
        dX.append(w * g.pop("X"))
        if grads is None:
            grads = {key: w * v for key, v in g.items()}  # initial-state gradients from the first chunk only
        else:
            for key in grads:
                if key not in model.cell.state_names:
                    grads[key] = grads[key] + w * g[key]
    grads["X"] = np.concatenate(dX, axis=0)
    return total, grads, state


def _parse_clip(clip):
    if clip is None:
        return None
    if not (isinstance(clip, tuple) and len(clip) == 2):
        fail(TypeError, "clip", "None, ('global', max_norm) or ('elementwise', limit)", repr(clip))
    kind = check_option("clip[0]", clip[0], ("global", "elementwise"))
    return kind, check_real("clip[1]", clip[1], low=0.0, low_open=True)


def _is_pair_of_arrays(batches):
    return (
        isinstance(batches, (tuple, list))
        and len(batches) == 2
        and all(isinstance(b, np.ndarray) for b in batches)
    )


def _batch_source(batches, steps):
    """A function ``step -> (X, Y)`` for the kinds of ``batches`` fit accepts."""
    if callable(batches):
        return batches
    if _is_pair_of_arrays(batches):
        return lambda step: batches
    if isinstance(batches, collections.abc.Sequence):
        if len(batches) == 0:
            fail(ValueError, "batches", "at least one (X, Y) batch", "an empty sequence")
        return lambda step: batches[step % len(batches)]
    if isinstance(batches, collections.abc.Iterable):
        iterator = iter(batches)

        def next_batch(step):
            try:
                return next(iterator)
            except StopIteration:
                fail(ValueError, "batches", f"steps={steps} batches (pass a list (cycled), an endless "
                     "iterator or a callable(step))", f"an iterator that ran out after {step}")

        return next_batch
    fail(TypeError, "batches", "(X, Y), a list of (X, Y) batches, an iterable or a callable(step)",
         type(batches).__name__)


def _progress_bar(steps, progress):
    """range(steps), wrapped in a tqdm.auto bar when progress is on (tqdm is
    imported only then: the library itself needs numpy alone)."""
    if not progress:
        return _NoBar(steps)
    from tqdm.auto import tqdm

    return tqdm(range(steps), desc="fit", unit="step")


class _NoBar:
    """The part of a tqdm bar that fit uses, for progress=False."""

    def __init__(self, steps):
        self._steps = range(steps)

    def __iter__(self):
        return iter(self._steps)

    def set_postfix(self, *args, **kwargs):
        pass

    def close(self):
        pass


class EarlyStopping:
    """When :func:`fit` stops before ``steps``: a validation loss below a target, or no improvement.

    Every ``every`` updates (counted from the optimizer state's step, so
    blocks of :func:`fit` evaluate at the same steps as one long run), fit
    calls ``validate(params)`` and stops after that update if::

        val_loss < target                                   stop reason "target"
        no val_loss < best - min_delta for `patience` evaluations in a row
                                                            stop reason "patience"

    where ``best`` is the lowest validation loss seen in this call of fit.

    Parameters
    ----------
    validate : callable
        ``validate(params) -> float``, e.g.
        ``lambda p: evaluate(model, p, X_val, Y_val)``.
    every : int, optional
        Evaluate after every ``every``-th update (default 1).
    target : float or None, optional
        Stop once the validation loss is below it.
    patience : int or None, optional
        Stop after this many evaluations without improvement (>= 1).
    min_delta : float, optional
        The smallest decrease that counts as an improvement (default 0).

    At least one of ``target`` and ``patience`` must be given.
    """

    def __init__(self, validate, every=1, target=None, patience=None, min_delta=0.0):
        self.validate = check_callable("validate", validate)
        self.every = check_size("every", every)
        self.target = None if target is None else check_real("target", target)
        self.patience = None if patience is None else check_size("patience", patience)
        self.min_delta = check_real("min_delta", min_delta, low=0.0)
        if target is None and patience is None:
            fail(ValueError, "target, patience", "at least one of them", "None for both")

    def __repr__(self):
        return (f"EarlyStopping(every={self.every}, target={self.target}, patience={self.patience}, "
                f"min_delta={self.min_delta})")


class FitResult:
    """What :func:`fit` returns: unpacks as ``params, history = fit(...)``.

    Attributes
    ----------
    params : dict
        The trained parameters (new arrays).
    history : dict
        ``"loss"``: the batch loss at each step of this call, before that
        step's update; ``"grad_norm"``: the global norm of the parameter
        gradients before clipping; with ``stop``, also ``"val_step"`` (the
        optimizer step after which each validation ran, 1-based) and
        ``"val_loss"``.
    opt_state : dict
        The optimizer state after the last update: pass it to the next
        ``fit`` as ``opt_state`` to continue exactly where this one stopped.
    steps : int
        Updates made by this call (``len(history["loss"])``).
    stop_reason : {"steps", "target", "patience"}
        "steps": all ``steps`` updates were made; "target" / "patience": the
        :class:`EarlyStopping` condition of that name held.
    """

    def __init__(self, params, history, opt_state, stop_reason):
        self.params, self.history, self.opt_state = params, history, opt_state
        self.steps, self.stop_reason = len(history["loss"]), stop_reason

    def __iter__(self):
        return iter((self.params, self.history))

    def __repr__(self):
        return f"FitResult(steps={self.steps}, stop_reason={self.stop_reason!r}, opt_state step={self.opt_state['step']})"


def _check_opt_state(opt_state, optimizer, params):
    if opt_state is None:
        return optimizer.init(params)
    if not isinstance(opt_state, dict) or not isinstance(opt_state.get("step"), int):
        fail(TypeError, "opt_state", f"None or the opt_state of an earlier fit / {optimizer!r}.init(params)",
             type(opt_state).__name__)
    return opt_state


def fit(
    model,
    params,
    batches,
    optimizer,
    steps,
    clip=None,
    tbptt=None,
    loss=None,
    progress=True,
    callback=None,
    opt_state=None,
    stop=None,
):
    """Train ``model`` for up to ``steps`` optimizer steps; returns a :class:`FitResult`.

    Steps are numbered from the optimizer state's step count ``s0``
    (``opt_state["step"]``, 0 for a fresh state): this call makes steps
    ``s0 .. s0 + steps - 1``, taking each batch as ``batches(step)`` or
    ``batches[step % len(batches)]``. So training in blocks that pass on
    ``opt_state`` (and a batch source that continues) is bit-identical to
    one long run::

        r = fit(model, params, batches, Adam(), 100)
        r = fit(model, r.params, batches, Adam(), 100, opt_state=r.opt_state)

    Parameters
    ----------
    model : SequenceModel
    params : dict
        Starting parameters; never mutated.
    batches : (X, Y), list of (X, Y), iterable of (X, Y), or callable
        Where each step's batch comes from: one fixed batch ``(X, Y)`` used
        at every step; a list of batches, cycled (epochs); an iterator such
        as :func:`rnnlib.data.char_batches` (an error if it runs out); or a
        function ``batches(step) -> (X, Y)``. Shapes as in
        ``model.loss_and_grads``: X (T, B, D).
    optimizer : SGD, Momentum or Adam
    steps : int
        Maximum number of updates in this call, >= 1.
    clip : None, ("global", max_norm) or ("elementwise", limit)
        Gradient clipping before each update (:mod:`rnnlib.clip`).
    tbptt : int, optional
        Chunk length for truncated BPTT (:func:`tbptt_loss_and_grads`);
        None backpropagates through the whole sequence.
    loss : {"mse", "bce", "ce"}, optional
        Default: the model's ``default_loss``.
    progress : bool
        Show a tqdm progress bar with the running loss.
    callback : callable, optional
        Called after every update as ``callback(step, params, loss)``.
    opt_state : dict, optional
        The optimizer state to start from (``FitResult.opt_state`` of an
        earlier call, or ``optimizer.init(params)``); None starts fresh.
        Never mutated.
    stop : EarlyStopping, optional
        Stop before ``steps`` when its condition holds.

    Returns
    -------
    FitResult
        ``.params``, ``.history``, ``.opt_state``, ``.steps``,
        ``.stop_reason``; unpacks as ``params, history``.

    Raises
    ------
    FloatingPointError
        The loss or the gradient norm became NaN or inf (the message names
        the step); lower the learning rate or clip.
    """
    _check_model(model)
    steps = check_size("steps", steps)
    clip = _parse_clip(clip)
    if tbptt is not None:
        tbptt = check_size("tbptt", tbptt)
    check_callable("callback", callback, allow_none=True)
    if stop is not None:
        check_type("stop", stop, EarlyStopping, "None or an EarlyStopping")
    next_batch = _batch_source(batches, steps)
    opt_state = _check_opt_state(opt_state, optimizer, params)
    first = opt_state["step"]
    history = {"loss": [], "grad_norm": []}
    if stop is not None:
        history.update(val_step=[], val_loss=[])
    best, waited, reason = math.inf, 0, "steps"
    bar = _progress_bar(steps, progress)
    for i in bar:
        step = first + i
        batch = next_batch(step)
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            fail(TypeError, "batches", "(X, Y) pairs", f"{type(batch).__name__} at step {step}")
        X, Y = batch
        if tbptt is None:
            value, grads, _ = model.loss_and_grads(params, X, Y, loss=loss)
        else:
            value, grads, _ = tbptt_loss_and_grads(model, params, X, Y, tbptt, loss=loss)
        norm = global_norm(grads)
        if not (math.isfinite(value) and math.isfinite(norm)):
            raise FloatingPointError(
                f"fit: at step {step} the loss is {value} and the gradient norm {norm}; "
                "lower the learning rate or pass clip=('global', 1.0)"
            )
        if clip is not None:
            if clip[0] == "global":
                grads, _ = clip_by_global_norm(grads, clip[1])
            else:
                grads = clip_elementwise(grads, clip[1])
        params, opt_state = optimizer.update(params, grads, opt_state)
        history["loss"].append(value)
        history["grad_norm"].append(norm)
        if progress:
            bar.set_postfix(loss=f"{value:.4g}", refresh=False)
        if callback is not None:
            callback(step, params, value)
        if stop is not None and (step + 1) % stop.every == 0:
            val = float(stop.validate(params))
            history["val_step"].append(step + 1)
            history["val_loss"].append(val)
            if stop.target is not None and val < stop.target:
                reason = "target"
            elif val < best - stop.min_delta:
                best, waited = val, 0
            else:
                waited += 1
                if stop.patience is not None and waited >= stop.patience:
                    reason = "patience"
            if reason != "steps":
                break
    bar.close()
    return FitResult(params, history, opt_state, reason)


def evaluate(model, params, X, Y, loss=None):
    """The model's mean loss on ``(X, Y)`` as a float (no gradients, no update).

    Same arguments and loss conventions as ``model.loss_and_grads``.
    """
    _check_model(model)
    return model.loss(params, X, Y, loss=loss)
