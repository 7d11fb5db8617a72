"""Machinery shared by the recurrent cells (private).

``Cell`` holds what RNN, LSTM and GRU have in common: the configuration
(input size D, hidden size H, G gate blocks), parameter shapes, named views,
initialisation, validation, ``step`` and ``run``. Each cell module writes its
own ``forward`` and, directly below it, ``backward``.

Parameters of every cell are one fused matrix and one bias::

    "W": (G*H, D+H)   rows: G blocks of H (one per gate); columns [:D] act on x_t,
                      columns [D:] act on h_{t-1}
    "b": (G*H,)

so the pre-activation of all gates at step t is ``a_t = x_t @ W[:, :D].T +
h_{t-1} @ W[:, D:].T + b`` (the math's ``W^x x_t + W^h h_{t-1} + b``).

State names. A state and its gradient have one name everywhere: the ``state``
passed to ``forward``, ``trace.final_state``, ``dfinal_state`` (the gradient
on the final state) and the gradient on the initial state that ``backward``
returns all use the cell's ``state_names``, "h" (and "c" for the LSTM). So a
long sequence is processed in chunks with::

    H_seq, trace = cell.forward(params, X_chunk, state)          # state: {"h", "c"}
    state = trace.final_state                                    # {"h", "c"}
    grads = cell.backward(params, trace, dH_chunk, dfinal_state) # grads["h"], grads["c"]
    dfinal_state = {k: grads[k] for k in cell.state_names}       # for the chunk before

(going back over the chunks in reverse order).
"""

import inspect

import numpy as np

from rnnlib._buffers import empty
from rnnlib._checks import (
    FLOAT_DTYPES,
    check_dtype,
    check_finite_params,
    check_keys,
    check_option,
    check_params,
    check_rng,
    check_shape,
    check_size,
    check_type,
    fail,
    float_input,
)
from rnnlib.init import orthogonal, uniform_pytorch, xavier_uniform

SCHEMES = ("pytorch", "xavier", "orthogonal")


FORWARD_SECTIONS = """
Parameters
----------
params : dict
    {params}; their dtype (float64 or float32) is the computation's.
X : array_like
    (T, B, D) inputs, time-major; never modified (the trace keeps a copy).
state : dict or None
    {state}: the initial state; None means zeros.

Returns
-------
H_seq : numpy.ndarray
    (T, B, H) hidden states h_1..h_T (read-only: it is the trace's "h").
trace : Trace
    {trace}, each (T, B, H), "X", "state0", and ``trace.final_state``
    ({state} after step T).

Raises
------
ValueError
    NaN or inf in a parameter (the message names the array, e.g.
    ``params['W']``, and its first bad index), in X or in the state.
"""

BACKWARD_SECTIONS = """
Parameters
----------
params : dict
    The parameters used by ``forward``.
trace : Trace
    Returned by ``forward``.
dH_seq : array_like or None
    (T, B, H) dLoss/dh_t from outside the cell (e.g. from a head); None
    means zeros.
dfinal_state : dict or None
    {state}, each key optional: the gradient flowing into the final state
    from a later chunk (truncated BPTT). Without it, chunked backward drops
    the gradient between chunks; with it, chained chunks give exactly the
    gradient of the whole sequence.

Returns
-------
dict
    {grads}. Weights are not changed.
"""

INIT_SECTIONS = """
Parameters
----------
rng : numpy.random.Generator
    Source of randomness.
dtype : numpy dtype, optional
    float64 (default) or float32.
scheme : {{"pytorch", "xavier", "orthogonal"}}, optional
    "pytorch": every weight and bias ``U(-1/sqrt(H), 1/sqrt(H))`` (as
    ``torch.nn.RNN/LSTM/GRU``; PyTorch's two biases are summed into "b",
    so only their spread differs). "xavier": each gate's input block
    (H, D) and recurrent block (H, H) Xavier-uniform, biases 0.
    "orthogonal": Xavier input blocks, orthogonal recurrent blocks, biases 0.{extra}

Returns
-------
dict
    ``{{"W": (G*H, D+H), "b": (G*H,)}}`` (+ extras such as "b_hn").
"""


CLASS_SECTIONS = """
Parameters
----------
input_size : int
    D, the number of features of x_t.
hidden_size : int
    H, the number of hidden units (the size of h_t{cell}).{extra}
"""


def document(sections, **fields):
    """Decorator: append shared numpydoc ``sections`` (filled with ``fields``) to a docstring."""

    def decorate(obj):
        doc, notes = inspect.cleandoc(obj.__doc__), ""
        if "\nNotes\n-----" in doc:  # numpydoc order: Parameters, Returns, ..., Notes
            doc, notes = doc.split("\nNotes\n-----", 1)
            notes = "\nNotes\n-----" + notes
        obj.__doc__ = doc.rstrip() + "\n" + sections.format(**fields) + notes
        return obj

    return decorate


class Trace(dict):
    """Everything a cell's ``forward`` computed, kept for ``backward`` and for plots.

    A dict of read-only arrays: per-step quantities as (T, B, H) arrays (gate
    activations, candidates, cell states, hidden states), plus "X" (T, B, D)
    (a copy of the input) and "state0" (dict of (B, H) initial states).

    Attributes
    ----------
    final_state : dict
        State after the last step, same keys as the cell's state
        (``{"h": (B, H)}`` or ``{"h", "c"}``); fresh writable copies, to pass
        as ``state`` to the next chunk of a long sequence.
    """

    def __init__(self, *args, final_state=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.final_state = final_state

    def step(self, t):
        """The trace of step ``t`` alone: a one-step Trace, as ``forward`` from the state before it gives.

        Parameters
        ----------
        t : int
            0 <= t < T.

        Returns
        -------
        Trace
            Every per-step array cut to (1, B, .), "X" (1, B, D), "state0" the state
            after step t-1 (the trace's "state0" for t = 0) and ``final_state`` the
            state after step t. Pass it to ``cell.backward`` with ``dfinal_state`` to
            go back through that one step.
        """
        T = self["X"].shape[0]
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)):
            fail(TypeError, "t", f"an int in [0, {T})", f"{type(t).__name__} {t!r}")
        if not 0 <= t < T:
            fail(ValueError, "t", f"an int in [0, {T}) (the trace has T = {T} steps)", t)
        names = list(self.final_state)
        arrays = {k: v[t : t + 1] for k, v in self.items()
                  if k not in ("X", "state0") and getattr(v, "shape", (None,))[0] == T}
        state0 = self["state0"] if t == 0 else {k: self[k][t - 1] for k in names}
        return make_trace(arrays, self["X"][t : t + 1], state0, {k: self[k][t] for k in names})

    def __repr__(self):
        items = ", ".join(
            f"{k!r}: {v.shape}" if hasattr(v, "shape") else f"{k!r}: {{...}}" for k, v in self.items()
        )
        return f"Trace({{{items}}})"


def make_trace(arrays, X, state0, final_state):
    """Build a Trace; the arrays in it are made read-only views."""
    trace = Trace(final_state={k: v.copy() for k, v in final_state.items()})
    for key, arr in arrays.items():
        view = arr.view()
        view.flags.writeable = False
        trace[key] = view
    trace["X"] = X.view()
    trace["X"].flags.writeable = False
    trace["state0"] = {k: v.copy() for k, v in state0.items()}
    return trace


class Previous:
    """The value at step t-1 for every step t, without copying: ``first`` at t = 0, ``seq[t-1]`` after.

    ``Previous(H_seq, h0)[t]`` is h_{t-1} (B, H) for t = 0..T-1.
    """

    __array_ufunc__ = None  # so that ``array * Previous`` calls ``Previous.__rmul__``

    def __init__(self, seq, first):
        self.seq, self.first = seq, first

    def __getitem__(self, t):
        return self.first if t == 0 else self.seq[t - 1]

    def __mul__(self, other):
        """``other[t] * self[t]`` for all t, as a new (T, B, H) array."""
        out = empty(other.shape, other.dtype)
        np.multiply(other[0], self.first, out=out[0])
        np.multiply(other[1:], self.seq[:-1], out=out[1:])
        return out

    __rmul__ = __mul__


def upstream(dH_seq, shape, dtype):
    """``dH_seq``, or a zero-memory read-only array of zeros if it is None."""
    if dH_seq is None:
        return np.broadcast_to(np.zeros((), dtype), shape)
    return dH_seq


def carried(dfinal_state, key, shape, dtype):
    """A writable copy of ``dfinal_state[key]``, or zeros: the gradient entering the last step."""
    if dfinal_state is None or key not in dfinal_state:
        return np.zeros(shape, dtype)
    return np.array(dfinal_state[key], dtype=dtype)


def linear_backward(W, X, x_blocks, h_blocks):
    """Backprop through ``a_t = W^x x_t + W^h s_t + b`` summed over all steps at once.

    Parameters
    ----------
    W : numpy.ndarray
        (G*H, D+H) fused weights.
    X : numpy.ndarray
        (T, B, D) inputs.
    x_blocks : list of (slice, numpy.ndarray)
        ``(rows, dA)`` with dA (T, B, k): gradient of the pre-activation rows
        ``rows`` (k of them) that the input and the bias feed.
    h_blocks : list of (slice, numpy.ndarray, numpy.ndarray or Previous)
        ``(rows, dA, S)``: gradient of the pre-activation rows fed by the
        recurrent columns from source S (T, B, H): h_{t-1} as a ``Previous``,
        or an array such as r_t * h_{t-1}.

    Returns
    -------
    dW : (G*H, D+H), db : (G*H,), dX : (T, B, D)

    Notes
    -----
    The products are taken in the order OpenBLAS ran fastest on these tall
    operands (14-26% faster at the shapes of ``benchmarks/bench_cells.py``):
    ``dW^T = X^T dA`` rather than ``dA^T X``, and ``dX^T = W^x^T dA^T``
    rather than ``dA W^x``; the transposes are then copied into place. Large
    arrays come from :mod:`rnnlib._buffers` (memory of dropped arrays reused).
    """
    T, B, D = X.shape
    X2 = X.reshape(T * B, D)
    dW = empty(W.shape, W.dtype)
    db = np.empty(W.shape[0], W.dtype)
    dXT = part = None  # dX^T (D, T*B) and a term of it
    for rows, dA in x_blocks:
        dA2 = dA.reshape(T * B, -1)
        dWT = empty((D, dA2.shape[1]), W.dtype)
        # dW^x = sum_t dA_t^T x_t
        dW[rows, :D] = np.matmul(X2.T, dA2, out=dWT).T
        del dWT
        db[rows] = dA2.sum(axis=0)  # db = sum_t dA_t
        if dXT is None:  # dx_t = dA_t W^x, transposed
            dXT = np.matmul(W[rows, :D].T, dA2.T,
                            out=empty((D, T * B), W.dtype))
        else:
            if part is None:
                part = empty((D, T * B), W.dtype)
            np.matmul(W[rows, :D].T, dA2.T, out=part)
            dXT += part
    del part
    for rows, dA, S in h_blocks:
        k = dA.shape[2]
        dWhT = empty((W.shape[1] - D, k), W.dtype)
        if isinstance(S, Previous):
            # h_0, then h_1 .. h_{T-1}: two products, no copy of the states;
            # dW^h = dA_1^T h_0 + sum_{t>1} dA_t^T h_{t-1}
            np.matmul(S.first.T, dA[0], out=dWhT)
            if T > 1:
                rest = np.matmul(S.seq[:-1].reshape((T - 1) * B, -1).T,
                                 dA[1:].reshape((T - 1) * B, k),
                                 out=empty(dWhT.shape, W.dtype))
                dWhT += rest
                del rest
        else:
            # dW^h = sum_t dA_t^T s_t
            np.matmul(S.reshape(T * B, -1).T, dA.reshape(T * B, k), out=dWhT)
        dW[rows, D:] = dWhT.T
        del dWhT
    dX = empty((T, B, D), W.dtype)
    dX.reshape(T * B, D)[...] = dXT.T
    return dW, db, dX


def gate_scale(sigmoid_blocks, blocks, H, dtype):
    """Per-row factors s (G*H,): 0.5 on sigmoid-gate rows, 1 elsewhere.

    ``sigmoid(a) = 0.5 * tanh(0.5 a) + 0.5``: the cells multiply the
    sigmoid rows of W and b by 0.5 (exact in floating point), take one tanh
    over all gates, then ``s * tanh + (1 - s)`` gives sigmoid on those rows and
    leaves tanh on the others. No exp, so no overflow.
    """
    s = np.concatenate([np.full(H, 0.5 if g in sigmoid_blocks else 1.0, dtype) for g in blocks])
    return s, 1 - s


class Cell:
    """Base class of the recurrent cells: an immutable configuration, no per-call state.

    Subclasses set ``blocks`` (gate names, one per block of H rows),
    ``state_names`` (the keys of the state and of its gradients),
    ``gate_names`` (per-step arrays that ``step`` returns), ``trace_names``
    (the per-step (T, B, H) arrays of the trace, checked by ``backward``),
    ``aliases`` (extra book names for views) and implement ``_forward`` and
    ``_backward`` on validated arguments.
    """

    blocks = ("",)
    state_names = ("h",)
    gate_names = ()
    trace_names = ("h",)
    aliases = {}
    extra_params = ()  # names of (H,) parameters besides "W" and "b"

    def __init__(self, input_size, hidden_size):
        object.__setattr__(self, "input_size", check_size("input_size", input_size))
        object.__setattr__(self, "hidden_size", check_size("hidden_size", hidden_size))

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable; create a new cell instead")

    def _options(self):
        return {}

    def __repr__(self):
        opts = "".join(f", {k}={v!r}" for k, v in self._options().items())
        return f"{type(self).__name__}(input_size={self.input_size}, hidden_size={self.hidden_size}{opts})"

    def __eq__(self, other):
        return type(self) is type(other) and repr(self) == repr(other)

    def __hash__(self):
        return hash(repr(self))

    # ----------------------------------------------------------------- sizes
    @property
    def num_blocks(self):
        """G, the number of gate blocks of H rows in "W" and "b"."""
        return len(self.blocks)

    def param_shapes(self):
        """Dict ``{name: shape}`` of the parameters ("W", "b" and any extra)."""
        D, H, G = self.input_size, self.hidden_size, self.num_blocks
        shapes = {"W": (G * H, D + H), "b": (G * H,)}
        shapes.update({name: (H,) for name in self.extra_params})
        return shapes

    def num_params(self):
        """Total number of scalar parameters, ``G*H*(D+H) + G*H`` (+ extras)."""
        return int(sum(np.prod(s) for s in self.param_shapes().values()))

    def _params(self, params):
        symbolic = {"W": "(G*H, D+H)", "b": "(G*H,)"}
        shapes = {k: (s, symbolic.get(k, "(H,)")) for k, s in self.param_shapes().items()}
        return check_params(params, shapes, repr(self))

    # ------------------------------------------------------------ parameters
    @document(INIT_SECTIONS, extra="")
    def init(self, rng, dtype=np.float64, scheme="pytorch"):
        """New parameters for this cell."""
        check_rng(rng)
        dtype = check_dtype("dtype", dtype)
        check_option("scheme", scheme, SCHEMES)
        D, H = self.input_size, self.hidden_size
        shapes = self.param_shapes()
        if scheme == "pytorch":
            return {k: uniform_pytorch(rng, s, H, dtype) for k, s in shapes.items()}
        W = np.empty(shapes["W"], dtype)
        for k in range(self.num_blocks):
            rows = slice(k * H, (k + 1) * H)
            W[rows, :D] = xavier_uniform(rng, (H, D), dtype)
            W[rows, D:] = orthogonal(rng, H, dtype) if scheme == "orthogonal" else xavier_uniform(rng, (H, H), dtype)
        params = {k: np.zeros(s, dtype) for k, s in shapes.items()}
        params["W"] = W
        return params

    def views(self, params):
        """Book-named views into the fused parameters (they share memory).

        For each gate block k named g: ``"W_g^x" = W[kH:(k+1)H, :D]``,
        ``"W_g^h" = W[kH:(k+1)H, D:]``, ``"b_g" = b[kH:(k+1)H]`` (for the
        RNN, without the subscript: "W^x", "W^h", "b"), plus the book's
        aliases. Writing into a view changes ``params``.

        Returns
        -------
        dict
            Name -> view, shapes (H, D), (H, H) and (H,).
        """
        p = self._params(params)
        D, H = self.input_size, self.hidden_size
        out = {}
        for k, g in enumerate(self.blocks):
            rows = slice(k * H, (k + 1) * H)
            sub = f"_{g}" if g else ""
            out[f"W{sub}^x"] = p["W"][rows, :D]
            out[f"W{sub}^h"] = p["W"][rows, D:]
            out[f"b{sub}"] = p["b"][rows]
        for name in self.extra_params:
            out[name] = p[name][:]
        for alias, name in self.aliases.items():
            out[alias] = out[name]
        return out

    def block_names(self):
        """The book's names of the parameter blocks, in storage order.

        For each gate block g: ``"W_g^x"`` (H, D), ``"W_g^h"`` (H, H), ``"b_g"``
        (H,) (RNN: "W^x", "W^h", "b"), then any extra (H,) parameter
        ("b_hn"). These are the keys :meth:`pack` takes and :meth:`unpack`
        returns; :attr:`aliases` maps the book's other names onto them.
        """
        names = []
        for g in self.blocks:
            sub = f"_{g}" if g else ""
            names += [f"W{sub}^x", f"W{sub}^h", f"b{sub}"]
        return tuple(names) + tuple(self.extra_params)

    def _block_shape(self, name):
        if name.startswith("W"):
            return ("H", "D") if name.endswith("^x") else ("H", "H")
        return ("H",)

    def pack(self, blocks):
        """Parameters built from every block given by its book name.

        The inverse of :meth:`unpack`: ``cell.pack(cell.unpack(params))``
        equals ``params``. Every block of :meth:`block_names` must be given
        exactly once (under its name or one of its :attr:`aliases`, e.g. the
        LSTM's candidate "W_c^x" for "W_g^x"); a missing, misshaped, non-finite,
        unknown or repeated block is refused, so no block is left at a random
        or zero value by mistake.

        Parameters
        ----------
        blocks : dict
            Book name -> array_like: ``"W_g^x"`` (H, D), ``"W_g^h"`` (H, H),
            ``"b_g"`` (H,) for every gate g (and "b_hn" (H,) for the GRU's
            "pytorch" variant). All floating-point; the dtype of the first
            block is the dtype of the result (the others are cast to it).

        Returns
        -------
        dict
            ``{"W": (G*H, D+H), "b": (G*H,)}`` (+ extras), new arrays.

        Examples
        --------
        >>> import numpy as np
        >>> from rnnlib import RNN
        >>> cell = RNN(2, 3)
        >>> p = cell.pack({"W^x": np.ones((3, 2)), "W^h": np.eye(3), "b": np.zeros(3)})
        >>> p["W"].shape, p["b"].shape
        ((3, 5), (3,))
        """
        check_type("blocks", blocks, dict, "a dict of book-named arrays")
        names = self.block_names()
        known = names + tuple(self.aliases)
        given = {}
        for key in blocks:
            name = self.aliases.get(key, key)
            if name not in names:
                fail(ValueError, "blocks", f"only the blocks of {self!r}, {known}", f"unknown block {key!r}")
            if name in given:
                fail(ValueError, "blocks", f"each block once", f"{given[name]!r} and {key!r} for the same block")
            given[name] = key
        for name in names:
            if name not in given:
                fail(ValueError, "blocks", f"every block of {self!r}, {names}", f"no {name!r}")
        D, H = self.input_size, self.hidden_size
        sizes, dtype, arrays = {"D": D, "H": H}, None, {}
        for name in names:
            key = given[name]
            arr = float_input(f"blocks[{key!r}]", blocks[key], self._block_shape(name), sizes, dtype)
            dtype = dtype or arr.dtype
            if dtype not in FLOAT_DTYPES:
                fail(TypeError, f"blocks[{key!r}]", "float32 or float64", f"dtype {dtype}")
            arrays[name] = arr
        shapes = self.param_shapes()
        params = {k: np.empty(s, dtype) for k, s in shapes.items()}
        views = self.views(params)
        for name, arr in arrays.items():
            views[name][...] = arr
        return params

    def unpack(self, params):
        """The parameter blocks by their book names, as new arrays (the inverse of :meth:`pack`).

        Parameters
        ----------
        params : dict
            The cell's parameters.

        Returns
        -------
        dict
            :meth:`block_names` -> copies, shapes (H, D), (H, H) and (H,).
        """
        views = self.views(params)
        return {name: views[name].copy() for name in self.block_names()}

    # ----------------------------------------------------------------- state
    def zero_state(self, batch_size, dtype=np.float64):
        """Initial state of zeros: ``{"h": (B, H)}`` (LSTM also "c")."""
        B = check_size("batch_size", batch_size)
        dtype = check_dtype("dtype", dtype)
        return {k: np.zeros((B, self.hidden_size), dtype) for k in self.state_names}

    def _state(self, name, state, B, dtype, required=True):
        """Validated copy of a state-like dict of (B, H) arrays."""
        if state is None:
            return None if not required else self.zero_state(B, dtype)
        keys = self.state_names if required else ()
        check_keys(name, state, keys, allowed=self.state_names)
        sizes = {"B": B, "H": self.hidden_size}
        return {k: float_input(f"{name}[{k!r}]", v, ("B", "H"), sizes, dtype) for k, v in state.items()}

    def _check_forward(self, params, X, state, letters=("T", "B", "D")):
        p = self._params(params)
        check_finite_params(p)  # NaN/inf weights would run silently into NaN outputs
        dtype = p["W"].dtype
        X = float_input("X" if len(letters) == 3 else "x_t", X, letters, {"D": self.input_size}, dtype)
        X_copy = empty(X.shape, dtype)
        np.copyto(X_copy, X)
        return p, X_copy, self._state("state", state, X.shape[-2], dtype)

    def _check_backward(self, params, trace, dH_seq, dfinal_state):
        p = self._params(params)
        dtype = p["W"].dtype
        check_type("trace", trace, Trace, f"the Trace returned by {type(self).__name__}.forward")
        check_keys("trace", trace, ("X", "state0") + self.trace_names, what="entry")
        T, B, _ = trace["X"].shape
        sizes = {"T": T, "B": B, "H": self.hidden_size}
        check_shape("trace['X']", trace["X"], ("T", "B", "D"), {"D": self.input_size})
        check_shape("trace['h']", trace["h"], ("T", "B", "H"), sizes)
        if trace["X"].dtype != dtype:
            fail(TypeError, "trace", f"dtype {dtype} (the dtype of params)", f"{trace['X'].dtype}")
        if dH_seq is not None:
            dH_seq = float_input("dH_seq", dH_seq, ("T", "B", "H"), sizes, dtype)
        dfinal_state = self._state("dfinal_state", dfinal_state, B, dtype, required=False)
        return p, trace, dH_seq, dfinal_state

    # ------------------------------------------------------- step / run
    def step(self, params, x_t, state):
        """One time step: ``forward`` on a sequence of length 1.

        Parameters
        ----------
        params : dict
            The cell's parameters.
        x_t : array_like
            (B, D) input at this step.
        state : dict or None
            ``{"h": (B, H)}`` (LSTM also "c"); None means zeros.

        Returns
        -------
        h_t : numpy.ndarray
            (B, H) new hidden state.
        new_state : dict
            The state after the step (same keys as ``state``).
        gates : dict
            (B, H) arrays of this step, named as in the trace (see ``gate_names``).
        """
        p, x_t, state = self._check_forward(params, x_t, state, letters=("B", "D"))
        H_seq, trace = self._forward(p, x_t[None], state)
        gates = {k: trace[k][0].copy() for k in self.gate_names}
        return H_seq[0].copy(), trace.final_state, gates

    def run(self, params, X, state=None, chunk=64):
        """Final state after the whole sequence, without keeping a trace.

        Runs ``forward`` over chunks of ``chunk`` steps carrying the state, so
        memory does not grow with T. For inference and sampling.

        Parameters
        ----------
        params : dict
            The cell's parameters.
        X : array_like
            (T, B, D) inputs.
        state : dict or None
            Initial state, ``{"h": (B, H)}`` (LSTM also "c"); None means zeros.
        chunk : int, optional
            Steps per chunk (default 64).

        Returns
        -------
        dict
            The state after step T, equal to ``forward(params, X, state)[1].final_state``.
        """
        p, X, state = self._check_forward(params, X, state)
        chunk = check_size("chunk", chunk)
        for start in range(0, X.shape[0], chunk):
            state = self._forward(p, X[start : start + chunk], state)[1].final_state
        return state
