"""Optimizers: SGD, Momentum and Adam with one pure interface.

Every optimizer is a small immutable configuration object with two methods::

    state = opt.init(params)
    params, state = opt.update(params, grads, state)

``params`` and ``grads`` are plain dicts of numpy arrays (the flat parameter
dicts of the cells and of :class:`rnnlib.model.SequenceModel`). ``update``
returns *new* arrays and a *new* state and never mutates its inputs, so the
training loop in :mod:`rnnlib.train` is the only place where weights change.

``grads`` may hold keys that are not parameters: the gradients of the inputs
and initial states that the backward passes return (``"X"``, ``"h"``,
``"c"``) and anything else. Those are ignored. A parameter without a
gradient, or a gradient whose shape differs from its parameter, is an error
naming the key.

Values are not checked for NaN or inf: an exploding step shows up as
non-finite weights, which :func:`rnnlib.train.fit` reports.
"""

import numpy as np

from rnnlib._checks import check_array_dict, check_real, check_same_shape, check_type, fail

__all__ = ["SGD", "Momentum", "Adam"]


def _check_params(params):
    check_array_dict("params", params)


def _param_grads(params, grads):
    """The gradients of the parameters, checked: same keys present, same shapes."""
    _check_params(params)
    check_type("grads", grads, dict, "a dict of numpy arrays")
    out = {}
    for key, p in params.items():
        if key not in grads:
            fail(ValueError, "grads", f"an entry for parameter {key!r}", f"keys {sorted(grads)}")
        g = np.asarray(grads[key])
        if g.shape != p.shape:
            check_same_shape(f"grads[{key!r}]", g, f"params[{key!r}]", p.shape)
        out[key] = g
    return out


def _check_state(state, params, slots, optimizer):
    """``state`` must come from ``optimizer.init(params)`` for these params."""
    if not isinstance(state, dict) or "step" not in state:
        fail(TypeError, "state", f"the dict returned by {optimizer}.init(params)", type(state).__name__)
    for slot in slots:
        buf = state.get(slot)
        if not isinstance(buf, dict) or set(buf) != set(params):
            got = sorted(buf) if isinstance(buf, dict) else type(buf).__name__
            fail(ValueError, f"state[{slot!r}]", f"a dict with the parameter names {sorted(params)} "
                 f"(call {optimizer}.init(params) with the params you update)", got)
        for key, p in params.items():
            if buf[key].shape != p.shape:
                check_same_shape(f"state[{slot!r}][{key!r}]", buf[key], f"params[{key!r}]", p.shape)


def _zeros_like(params):
    return {k: np.zeros_like(p) for k, p in params.items()}


class SGD:
    """Plain gradient descent, the book's update rule.

    Equation (for every parameter ``W`` and its gradient ``dW``)::

        W_new = W_old - lr * dW

    Parameters
    ----------
    lr : float
        Learning rate (the book's alpha), > 0.
    """

    def __init__(self, lr):
        self.lr = check_real("lr", lr, low=0.0, low_open=True)

    def __repr__(self):
        return f"SGD(lr={self.lr})"

    def init(self, params):
        """Return the optimizer state for ``params`` (SGD only counts steps)."""
        _check_params(params)
        return {"step": 0}

    def update(self, params, grads, state):
        """One step. Returns ``(new_params, new_state)``; inputs are not mutated."""
        g = _param_grads(params, grads)
        _check_state(state, params, (), "SGD")
        new = {k: (p - self.lr * g[k]).astype(p.dtype, copy=False) for k, p in params.items()}
        return new, {"step": state["step"] + 1}


class Momentum:
    """Gradient descent with (heavy-ball) momentum, PyTorch's form.

    Equations (``v`` starts at zero)::

        v_new = beta * v_old + dW
        W_new = W_old - lr * v_new

    With ``beta = 0`` this is :class:`SGD`.

    Parameters
    ----------
    lr : float
        Learning rate, > 0.
    beta : float
        Momentum coefficient in [0, 1).
    """

    def __init__(self, lr, beta=0.9):
        self.lr = check_real("lr", lr, low=0.0, low_open=True)
        self.beta = check_real("beta", beta, low=0.0, high=1.0, high_open=True)

    def __repr__(self):
        return f"Momentum(lr={self.lr}, beta={self.beta})"

    def init(self, params):
        """Return ``{"step": 0, "v": zeros like params}``."""
        _check_params(params)
        return {"step": 0, "v": _zeros_like(params)}

    def update(self, params, grads, state):
        """One step. Returns ``(new_params, new_state)``; inputs are not mutated."""
        g = _param_grads(params, grads)
        _check_state(state, params, ("v",), "Momentum")
        new_params, new_v = {}, {}
        for k, p in params.items():
            v = (self.beta * state["v"][k] + g[k]).astype(p.dtype, copy=False)
            new_v[k] = v
            new_params[k] = (p - self.lr * v).astype(p.dtype, copy=False)
        return new_params, {"step": state["step"] + 1, "v": new_v}


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction.

    Equations at step ``t = 1, 2, ...`` (``m`` and ``v`` start at zero)::

        m = beta1 * m + (1 - beta1) * dW
        v = beta2 * v + (1 - beta2) * dW**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        W_new = W_old - lr * m_hat / (sqrt(v_hat) + eps)

    Parameters
    ----------
    lr : float
        Learning rate, > 0.
    beta1, beta2 : float
        Decay rates of the first and second moment estimates, in [0, 1).
    eps : float
        Added to the denominator, > 0.
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = check_real("lr", lr, low=0.0, low_open=True)
        self.beta1 = check_real("beta1", beta1, low=0.0, high=1.0, high_open=True)
        self.beta2 = check_real("beta2", beta2, low=0.0, high=1.0, high_open=True)
        self.eps = check_real("eps", eps, low=0.0, low_open=True)

    def __repr__(self):
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"

    def init(self, params):
        """Return ``{"step": 0, "m": zeros, "v": zeros}`` (zeros like params)."""
        _check_params(params)
        return {"step": 0, "m": _zeros_like(params), "v": _zeros_like(params)}

    def update(self, params, grads, state):
        """One step. Returns ``(new_params, new_state)``; inputs are not mutated."""
        g = _param_grads(params, grads)
        _check_state(state, params, ("m", "v"), "Adam")
        t = state["step"] + 1
        correct1 = 1.0 - self.beta1**t
        correct2 = 1.0 - self.beta2**t
        new_params, new_m, new_v = {}, {}, {}
        for k, p in params.items():
            dW = g[k]
            m = (self.beta1 * state["m"][k] + (1.0 - self.beta1) * dW).astype(p.dtype, copy=False)
            v = (self.beta2 * state["v"][k] + (1.0 - self.beta2) * dW * dW).astype(p.dtype, copy=False)
            m_hat = m / correct1
            v_hat = v / correct2
            new_params[k] = (p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(p.dtype, copy=False)
            new_m[k], new_v[k] = m, v
        return new_params, {"step": t, "m": new_m, "v": new_v}
