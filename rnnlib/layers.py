"""Stacked and bidirectional recurrent layers over any cell, with padding masks.

A ``RecurrentStack`` runs ``num_layers`` layers of one cell kind (RNN, LSTM,
GRU in either variant); layer l > 0 reads the outputs of layer l - 1. With
``bidirectional=True`` every layer has two cells: the forward one reads
x_1..x_T, the reverse one reads x_T..x_1, and the layer's output at step t is
both hidden states side by side (the layout of ``torch.nn.LSTM``)::

    ->h_t = cell_l(x_t, ->h_{t-1})            forward direction, t = 1..T
    <-h_t = cell_l_reverse(x_t, <-h_{t+1})    reverse direction, t = T..1
    out_t = [->h_t, <-h_t]                    (B, 2H); (B, H) if not bidirectional

Time-major throughout: inputs ``X`` (T, B, D), outputs (T, B, H) or
(T, B, 2H). Parameters are one flat dict, with PyTorch's layer names::

    "l0.W", "l0.b"                   layer 0, forward direction (cell's params)
    "l0_reverse.W", "l0_reverse.b"   layer 0, reverse direction
    "l1.W" ...                       layer 1 (input size H, or 2H if bidirectional)

(``GRU(variant="pytorch")`` adds "l0.b_hn" etc.). States stack the cells'
states as ``torch.nn.LSTM`` does: ``{"h": (L*K, B, H)}`` (LSTM also "c"), K
= 2 directions or 1, with entry ``l*K + k`` for layer l, direction k (0
forward, 1 reverse).

Padding. A batch of sequences of different lengths is stored padded to T
steps, ``lengths[b]`` (B,) giving each one's own length (or a (T, B) mask,
True on the real steps, which must come first). Sequence b then gets exactly
what it would get alone (to rounding): the forward direction reads
``X[0], ..., X[lengths[b]-1]`` (array indices); the reverse direction starts
at its own last step ``X[lengths[b]-1]``, not at the padding; the final state of each direction is
the state after the sequence's own last step; outputs at padded steps are
0; padded inputs get zero gradient and never change the result.

How the mask is implemented. A recurrent cell is causal, so steps after
``lengths[b]`` cannot change earlier outputs: the forward direction runs the
cell on the padded batch as is and reads each final state at step
``lengths[b]-1``. The reverse direction runs the cell on each sequence
reversed within its own length (``x_{len-1}, ..., x_0``, then the padding).
Backward is linear in the upstream gradients: the gradients at padded steps
are set to zero (so nothing flows back from the padding), the gradient on a
final h enters as an output gradient at step ``lengths[b]-1``, and a
gradient on a final LSTM cell state c (which is not an output) enters at step
T and crosses the padded steps unchanged, because backward is given a copy
of the trace with the gates i = 0, f = 1, o = 0 there (``PASS_THROUGH``).

Example
-------
>>> import numpy as np
>>> from rnnlib import LSTM, RecurrentStack
>>> rng = np.random.default_rng(0)
>>> enc = RecurrentStack(LSTM(8, 16), num_layers=2, bidirectional=True)
>>> params = enc.init(rng)
>>> X = rng.standard_normal((10, 4, 8))          # T=10 steps, B=4 sequences
>>> out, trace = enc.forward(params, X, lengths=[10, 7, 3, 10])
>>> out.shape, trace.final_state["h"].shape      # (T, B, 2H), (L*K, B, H)
((10, 4, 32), (4, 4, 16))
>>> grads = enc.backward(params, trace, np.ones_like(out))
>>> grads["l1_reverse.W"].shape, grads["X"].shape
((64, 48), (10, 4, 8))
"""

import numpy as np

from rnnlib._cell import Cell, Trace
from rnnlib._checks import check_finite_params, check_keys, check_same_shape, check_size, fail, float_input
from rnnlib._frozen import Frozen
from rnnlib.lstm import LSTM

__all__ = ["RecurrentStack", "length_mask", "lengths_from_mask"]


# --------------------------------------------------------------- masks
def _check_lengths(lengths, T, B):
    """``lengths`` as a new (B,) intp array with every entry in [1, T]."""
    try:
        arr = np.asarray(lengths)
    except ValueError as exc:  # ragged nested lists
        fail(TypeError, "lengths", "a (B,) integer array", f"{type(lengths).__name__} ({exc})")
    if arr.dtype.kind not in "iu":
        fail(TypeError, "lengths", "a (B,) integer array", f"dtype {arr.dtype}")
    if arr.shape != (B,):
        fail(ValueError, "lengths", f"shape (B,) with B={B} (the batch of X)", arr.shape)
    bad = np.flatnonzero((arr < 1) | (arr > T))
    if bad.size:
        b = int(bad[0])
        fail(ValueError, "lengths", f"lengths in [1, {T}] (T={T}, the steps of X)", f"{arr[b]} at index {b}")
    return arr.astype(np.intp)


def length_mask(lengths, T):
    """Padding mask from sequence lengths: ``mask[t, b] = t < lengths[b]``.

    Parameters
    ----------
    lengths : array_like of int
        (B,) lengths, each in ``[1, T]``.
    T : int
        Number of (padded) steps.

    Returns
    -------
    numpy.ndarray
        (T, B) bool, True on the real steps of each sequence (time-major).
    """
    T = check_size("T", T)
    shape = np.shape(lengths)
    if len(shape) != 1:
        fail(ValueError, "lengths", "shape (B,)", shape)
    lengths = _check_lengths(lengths, T, shape[0])
    return np.arange(T)[:, None] < lengths[None, :]


def lengths_from_mask(mask):
    """Sequence lengths from a padding mask whose real steps come first.

    Parameters
    ----------
    mask : array_like of bool (or 0/1 integers)
        (T, B), True (1) on the real steps of each sequence; every column
        must be a run of True followed by False only, with at least one True.

    Returns
    -------
    numpy.ndarray
        (B,) int lengths, ``lengths[b] = mask[:, b].sum()``.
    """
    try:
        m = np.asarray(mask)
    except ValueError as exc:
        fail(TypeError, "mask", "a (T, B) boolean array", f"{type(mask).__name__} ({exc})")
    if m.dtype.kind not in "biu":
        fail(TypeError, "mask", "a (T, B) boolean array", f"dtype {m.dtype}")
    if m.ndim != 2 or 0 in m.shape:
        fail(ValueError, "mask", "shape (T, B)", m.shape)
    if m.dtype.kind != "b" and not np.isin(m, (0, 1)).all():
        fail(ValueError, "mask", "booleans or 0/1 integers", "other values")
    m = m.astype(bool)
    lengths = m.sum(axis=0)
    if (lengths == 0).any():
        b = int(np.flatnonzero(lengths == 0)[0])
        fail(ValueError, "mask", "at least one True step in every sequence", f"none in column {b}")
    prefix = np.arange(m.shape[0])[:, None] < lengths[None, :]
    if not np.array_equal(m, prefix):
        b = int(np.flatnonzero((m != prefix).any(axis=0))[0])
        fail(ValueError, "mask", "the real steps first (True then False) in every column; left-padded or "
             "gapped sequences are not supported", f"a gap in column {b}")
    return lengths.astype(np.intp)


def _reverse_index(lengths, T):
    """(T, B) index that reverses each sequence within its own length: ``t -> lengths[b]-1-t``.

    Padded steps (t >= lengths[b]) stay in place; applying the index twice
    is the identity.
    """
    t = np.arange(T)[:, None]
    return np.where(t < lengths, lengths - 1 - t, t)


def _take_steps(A, index):
    """``A[index[t, b], b]`` for all t, b: A (T, B, n), index (T, B)."""
    return np.take_along_axis(A, index[:, :, None], axis=0)


def _prefix_trace(trace, L, batch):
    """The trace of steps 0..L-1 of the sequences ``batch`` (an index array): a cell trace's entries
    are (T, B, ...) arrays plus "state0" (dict of (B, H))."""
    out = Trace()
    for key, value in trace.items():
        if key == "state0":
            out[key] = {k: v[batch] for k, v in value.items()}
        else:
            out[key] = value[:L, batch]
    return out


# Gate values that make a step pass the gradient on the LSTM's cell state back unchanged:
# with i = 0, f = 1, o = 0, LSTM.backward sends dC_t to C_{t-1} times f = 1, and every gate's
# gradient there is exactly 0 (sigmoid' = s (1 - s) is 0 at s = 0 and s = 1; the candidate's is
# multiplied by i = 0), so the step adds nothing to dW, db, dX or dh_{t-1}.
PASS_THROUGH = {LSTM: {"i": 0.0, "f": 1.0, "o": 0.0}}


def _pass_through_trace(cell, trace, padded):
    """A copy of ``trace`` whose ``padded`` (T, B) steps only carry the state's gradient back, or None.

    Given it with the final state's gradient, ``cell.backward`` delivers that
    gradient unchanged to each sequence's own last step: what one backward
    call per length would give, in one call. None for cells without an entry
    in ``PASS_THROUGH``.
    """
    gates = PASS_THROUGH.get(type(cell))
    if gates is None:
        return None
    out = Trace(trace, final_state=trace.final_state)
    for key, value in gates.items():
        out[key] = trace[key].copy()
        out[key][padded] = value
    return out


# ------------------------------------------------------------ one direction
def _direction_forward(cell, p, X, state0, lengths, reverse):
    """One cell over X (T, B, in) with per-sequence lengths; returns (out (T, B, H), trace, final)."""
    T, B = X.shape[:2]
    full = bool((lengths == T).all())
    index = _reverse_index(lengths, T) if reverse else None
    Xd = _take_steps(X, index) if reverse else X  # the reverse cell reads x_{len-1} .. x_0, then padding
    H_seq, trace = cell.forward(p, Xd, state0)
    if full:
        final = trace.final_state
    else:
        last, cols = lengths - 1, np.arange(B)
        final = {k: trace[k][last, cols].copy() for k in cell.state_names}  # state after each own last step
    out = _take_steps(H_seq, index) if reverse else H_seq.copy()  # in the original time order
    if not full:
        out[np.arange(T)[:, None] >= lengths] = 0  # outputs at padded steps are 0
    return out, trace, final


def _direction_backward(cell, p, trace, dout, dfinal, lengths, reverse):
    """Gradients of one direction: (param grads, dX (T, B, in), initial-state grads)."""
    T, B = dout.shape[:2]
    full = bool((lengths == T).all())
    index = _reverse_index(lengths, T) if reverse else None
    dH = _take_steps(dout, index) if reverse else dout.copy()  # in the cell's own time order
    if full:
        grads = cell.backward(p, trace, dH, dfinal)
        dX = grads["X"]
        d0 = {k: grads[k] for k in cell.state_names}
    else:
        padded = np.arange(T)[:, None] >= lengths
        dH[padded] = 0  # nothing flows back from the padding
        last, cols = lengths - 1, np.arange(B)
        if "h" in dfinal:
            dH[last, cols] += dfinal["h"]  # the final h is the output at each own last step
        other = {k: v for k, v in dfinal.items() if k != "h"}  # LSTM's c: not an output
        carrier = _pass_through_trace(cell, trace, padded) if other else None
        if carrier is not None:  # the padded steps carry the gradient on c back to each own last step
            grads = cell.backward(p, carrier, dH, other)
            other = {}
        else:
            at_end = {k: np.where((lengths == T)[:, None], v, 0) for k, v in other.items()}  # full-length ones
            grads = cell.backward(p, trace, dH, at_end)
        dX = grads["X"]
        d0 = {k: grads[k].copy() for k in cell.state_names}
        if other:  # any other cell with a state that is not its output: one call per shorter length
            for L in np.unique(lengths[lengths < T]):  # the others: sent back from their own last step
                batch = np.flatnonzero(lengths == L)
                sub = cell.backward(p, _prefix_trace(trace, L, batch), None, {k: v[batch] for k, v in other.items()})
                for k in cell.param_shapes():
                    grads[k] = grads[k] + sub[k]
                dX[:L, batch] += sub["X"]
                for k in cell.state_names:
                    d0[k][batch] += sub[k]
        dX[padded] = 0  # padded inputs never change the result
    if reverse:
        dX = _take_steps(dX, index)
    return {k: grads[k] for k in cell.param_shapes()}, dX, d0


# ------------------------------------------------------------------ stack
class RecurrentStack(Frozen):
    """``num_layers`` layers of one recurrent cell kind, optionally bidirectional.

    Parameters
    ----------
    cell : RNN, LSTM or GRU
        The cell of layer 0 (its input size D and hidden size H); the
        layers above get the same kind and options with input size H (2H
        if bidirectional).
    num_layers : int, optional
        L, the number of stacked layers (default 1).
    bidirectional : bool, optional
        Add a reverse-direction cell to every layer (default False).

    Notes
    -----
    Parameters: a flat dict, ``"l{l}.{name}"`` and ``"l{l}_reverse.{name}"``
    for every cell parameter name (module docstring). State:
    ``{"h": (L*K, B, H)}`` (LSTM also "c"), K = 2 if bidirectional else 1.
    Outputs (T, B, K*H). No dropout between layers (``torch``'s default 0).
    """

    def __init__(self, cell, num_layers=1, bidirectional=False):
        if not isinstance(cell, Cell):
            fail(TypeError, "cell", "an rnnlib cell (RNN, LSTM or GRU)", type(cell).__name__)
        L = check_size("num_layers", num_layers)
        if not isinstance(bidirectional, (bool, np.bool_)):
            fail(TypeError, "bidirectional", "True or False", type(bidirectional).__name__)
        K = 2 if bidirectional else 1
        H = cell.hidden_size
        cells = (cell,) + tuple(type(cell)(K * H, H, **cell._options()) for _ in range(L - 1))
        self._set(cells=cells, num_layers=L, bidirectional=bool(bidirectional), input_size=cell.input_size,
                  hidden_size=H)

    def __repr__(self):
        return f"RecurrentStack({self.cells[0]!r}, num_layers={self.num_layers}, bidirectional={self.bidirectional})"

    # ----------------------------------------------------------------- sizes
    @property
    def num_directions(self):
        """K: 2 if bidirectional, else 1."""
        return 2 if self.bidirectional else 1

    @property
    def output_size(self):
        """K*H, the size of each step's output."""
        return self.num_directions * self.hidden_size

    @property
    def state_names(self):
        """The cell's state names: ("h",) or ("h", "c") for the LSTM."""
        return self.cells[0].state_names

    def units(self):
        """The (prefix, cell, layer, direction) of every cell, in state order ``l*K + k``.

        Returns
        -------
        list of tuple
            ``("l0", cell, 0, 0), ("l0_reverse", cell, 0, 1), ("l1", ...)``;
            a prefix names the cell's parameters (``prefix + ".W"``) and its
            trace entry.
        """
        return [(f"l{l}" + ("_reverse" if k else ""), self.cells[l], l, k)
                for l in range(self.num_layers) for k in range(self.num_directions)]

    def param_shapes(self):
        """Dict ``{"l0.W": (G*H, D+H), ...}`` of every parameter (see the module docstring)."""
        return {f"{prefix}.{k}": s for prefix, cell, _, _ in self.units() for k, s in cell.param_shapes().items()}

    def num_params(self):
        """Total number of scalar parameters (sum over the L*K cells)."""
        return sum(cell.num_params() for _, cell, _, _ in self.units())

    def unit_params(self, params, prefix):
        """The parameters of one cell, e.g. ``unit_params(params, "l1_reverse")`` -> ``{"W": ..., "b": ...}``.

        Parameters
        ----------
        params : dict
            The stack's flat parameters.
        prefix : str
            A prefix of ``units()``: "l0", "l0_reverse", "l1", ...

        Returns
        -------
        dict
            The cell's parameter dict, the same arrays (no copy).
        """
        units = {u[0]: u[1] for u in self.units()}
        if prefix not in units:
            fail(ValueError, "prefix", f"one of {tuple(units)}", repr(prefix))
        check_keys("params", params, tuple(self.param_shapes()))
        return {k: params[f"{prefix}.{k}"] for k in units[prefix].param_shapes()}

    def init(self, rng, dtype=np.float64, scheme="pytorch", **cell_options):
        """New parameters: each cell's ``init`` in the order of ``units()``.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness.
        dtype : numpy dtype, optional
            float64 (default) or float32.
        scheme : {"pytorch", "xavier", "orthogonal"}, optional
            Passed to every cell's ``init`` (default "pytorch").
        **cell_options
            Further ``init`` arguments of the cell (e.g. ``forget_bias`` of the LSTM).

        Returns
        -------
        dict
            Flat parameters ``{"l0.W": (G*H, D+H), ...}`` (module docstring).
        """
        params = {}
        for prefix, cell, _, _ in self.units():
            for k, v in cell.init(rng, dtype, scheme, **cell_options).items():
                params[f"{prefix}.{k}"] = v
        return params

    def zero_state(self, batch_size, dtype=np.float64):
        """Initial state of zeros ``{"h": (L*K, B, H)}`` (LSTM also "c")."""
        per_cell = self.cells[0].zero_state(batch_size, dtype)
        return {k: np.zeros((self.num_layers * self.num_directions,) + v.shape, v.dtype) for k, v in per_cell.items()}

    # ------------------------------------------------------------ validation
    def _params(self, params):
        out = {}
        for prefix, cell, _, _ in self.units():
            p = self.unit_params(params, prefix)
            try:
                cell._params(p)
            except (TypeError, ValueError) as exc:  # name the stack's key, not the cell's
                msg = str(exc).replace("params['", f"params['{prefix}.", 1)
                raise type(exc)(msg) from None
            out[prefix] = p
        dtypes = {p["W"].dtype for p in out.values()}
        if len(dtypes) > 1:
            fail(TypeError, "params", "one dtype for every cell", sorted(str(d) for d in dtypes))
        return out, dtypes.pop()

    def _state(self, name, state, B, dtype, required):
        if state is None:
            return self.zero_state(B, dtype) if required else {}
        check_keys(name, state, self.state_names if required else (), allowed=self.state_names)
        sizes = {"L*K": self.num_layers * self.num_directions, "B": B, "H": self.hidden_size}
        return {k: float_input(f"{name}[{k!r}]", v, ("L*K", "B", "H"), sizes, dtype) for k, v in state.items()}

    def _lengths(self, lengths, mask, T, B):
        if lengths is not None and mask is not None:
            fail(ValueError, "lengths, mask", "at most one of them", "both")
        if mask is not None:
            lengths = lengths_from_mask(mask)
            check_same_shape("mask", np.asarray(mask), "the steps and batch of X, (T, B)", (T, B))
        if lengths is None:
            return np.full(B, T, np.intp)
        return _check_lengths(lengths, T, B)

    # --------------------------------------------------------------- forward
    def forward(self, params, X, state=None, lengths=None, mask=None):
        """Run every layer and direction over a (padded) batch of sequences.

        Parameters
        ----------
        params : dict
            Flat parameters ``{"l0.W": ..., ...}``; their dtype is the computation's.
        X : array_like
            (T, B, D) inputs, time-major; never modified.
        state : dict or None
            ``{"h": (L*K, B, H)}`` (LSTM also "c"): initial states, entry
            ``l*K + k`` for layer l, direction k; None means zeros.
        lengths : array_like of int or None
            (B,) length of each sequence, each in [1, T]; None: all T.
        mask : array_like of bool or None
            (T, B) instead of ``lengths``: True on the real steps, which
            come first in every column.

        Returns
        -------
        out : numpy.ndarray
            (T, B, K*H) outputs of the last layer: ``[->h_t, <-h_t]`` for
            each step; 0 at padded steps.
        trace : Trace
            "X" (T, B, D), "lengths" (B,), "state0" (the initial states),
            and one entry per cell (prefixes of ``units()``: "l0",
            "l0_reverse", ...) holding that cell's trace, each (T, B, ...);
            the reverse cells' traces are in their own reading order (step
            t of sequence b is x at ``lengths[b]-1-t``).
            ``trace.final_state``: ``{"h": (L*K, B, H)}`` (LSTM also "c"),
            each direction's state after the sequence's own last step.
        """
        units, dtype = self._params(params)
        check_finite_params({f"{prefix}.{k}": v for prefix, p in units.items() for k, v in p.items()})
        X = float_input("X", X, ("T", "B", "D"), {"D": self.input_size}, dtype)
        T, B, _ = X.shape
        state0 = self._state("state", state, B, dtype, required=True)
        lengths = self._lengths(lengths, mask, T, B)
        trace = Trace(X=X.copy(), lengths=lengths, state0={k: v.copy() for k, v in state0.items()})
        final = {k: np.empty_like(v) for k, v in state0.items()}
        inputs = trace["X"]
        for l in range(self.num_layers):
            outs = []
            for prefix, cell, layer, k in self.units():
                if layer != l:
                    continue
                n = l * self.num_directions + k
                s0 = {name: v[n] for name, v in state0.items()}
                out, trace[prefix], fin = _direction_forward(cell, units[prefix], inputs, s0, lengths, k == 1)
                for name in final:
                    final[name][n] = fin[name]
                outs.append(out)
            inputs = outs[0] if len(outs) == 1 else np.concatenate(outs, axis=2)
        for value in (trace["X"], lengths):
            value.flags.writeable = False
        trace.final_state = final
        return inputs, trace

    # -------------------------------------------------------------- backward
    def backward(self, params, trace, dout=None, dfinal_state=None):
        """Exact backpropagation through every layer, direction and step.

        From the top layer down: the gradient on a layer's output (T, B, K*H)
        is split into its directions' halves; each cell's ``backward`` gives
        the gradient on its input, and the two directions' input gradients
        add up to the gradient on the output of the layer below.

        Parameters
        ----------
        params : dict
            The parameters used by ``forward``.
        trace : Trace
            Returned by ``forward``.
        dout : array_like or None
            (T, B, K*H) dLoss/dout; None means zeros. Entries at padded
            steps are ignored (those outputs are constant 0).
        dfinal_state : dict or None
            ``{"h": (L*K, B, H)}`` (LSTM also "c"), each key optional: the
            gradient on ``trace.final_state``.

        Returns
        -------
        dict
            One gradient per parameter ("l0.W", ...), "X" (T, B, D) (0 at
            padded steps) and the initial states' "h" (L*K, B, H) (LSTM also
            "c"). Weights are not changed.
        """
        units, dtype = self._params(params)
        if not isinstance(trace, Trace) or "lengths" not in trace:
            fail(TypeError, "trace", "the Trace returned by RecurrentStack.forward", type(trace).__name__)
        check_keys("trace", trace, ("X", "lengths", "state0") + tuple(u[0] for u in self.units()), what="entry")
        T, B, _ = trace["X"].shape
        if trace["X"].dtype != dtype:
            fail(TypeError, "trace", f"dtype {dtype} (the dtype of params)", trace['X'].dtype)
        lengths = trace["lengths"]
        sizes = {"T": T, "B": B, "K*H": self.output_size}
        if dout is None:
            dout = np.zeros((T, B, self.output_size), dtype)
        dout = float_input("dout", dout, ("T", "B", "K*H"), sizes, dtype)
        dfinal = self._state("dfinal_state", dfinal_state, B, dtype, required=False)
        grads = {}
        d0 = {k: np.zeros((self.num_layers * self.num_directions, B, self.hidden_size), dtype)
              for k in self.state_names}
        H = self.hidden_size
        for l in reversed(range(self.num_layers)):
            dinputs = 0
            for prefix, cell, layer, k in self.units():
                if layer != l:
                    continue
                n = l * self.num_directions + k
                g, dX, d0_n = _direction_backward(
                    cell, units[prefix], trace[prefix], dout[:, :, k * H : (k + 1) * H],
                    {name: v[n] for name, v in dfinal.items()}, lengths, k == 1)
                grads.update({f"{prefix}.{name}": v for name, v in g.items()})
                for name in d0:
                    d0[name][n] = d0_n[name]
                dinputs = dinputs + dX
            dout = dinputs  # the gradient on the output of the layer below
        grads["X"] = dout
        grads.update(d0)
        return grads
