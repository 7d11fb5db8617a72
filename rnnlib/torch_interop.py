"""Convert parameters between rnnlib cells or stacks and ``torch.nn.RNN/LSTM/GRU``.

rnnlib never imports torch: the functions take and return plain dicts of
numpy arrays (``from_torch_state_dict`` also accepts CPU tensors, which
``numpy.asarray`` converts), with PyTorch's key names::

    weight_ih_l0 (G*H, D)   <->  W[:, :D]
    weight_hh_l0 (G*H, H)   <->  W[:, D:]
    bias_ih_l0, bias_hh_l0 (G*H,)

Biases: rnnlib has one bias b where PyTorch adds two, so ``b = bias_ih +
bias_hh``; except the n block of the GRU (variant="pytorch"), where
``bias_hh`` sits inside ``r * (...)``: there ``b_n = bias_ih_n`` and
``b_hn = bias_hh_n``. Exporting puts b into ``bias_ih`` and zeros (GRU: b_hn
in the n block) into ``bias_hh``. The gate orders already agree (LSTM i, f, g,
o; GRU r, z, n), so the weights are copied unchanged.

A :class:`rnnlib.layers.RecurrentStack` converts to a module with
``num_layers`` and ``bidirectional`` set: its cell "l1_reverse" (parameters
"l1_reverse.W", ...) holds PyTorch's "weight_ih_l1_reverse",
"weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse", with the
same rules per cell.

Example
-------
>>> import torch                                                  # doctest: +SKIP
>>> net = torch.nn.LSTM(8, 16).double()                           # doctest: +SKIP
>>> params = from_torch_state_dict(LSTM(8, 16), net.state_dict()) # doctest: +SKIP
>>> net.load_state_dict({k: torch.from_numpy(v) for k, v in
...                      to_torch_state_dict(LSTM(8, 16), params).items()})  # doctest: +SKIP
"""

import numpy as np

from rnnlib._checks import as_float_array, check_keys, check_shape, fail
from rnnlib.gru import GRU
from rnnlib.layers import RecurrentStack
from rnnlib.lstm import LSTM
from rnnlib.rnn import RNN

__all__ = ["to_torch_state_dict", "from_torch_state_dict"]

KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def _check_cell(cell):
    if not isinstance(cell, (RNN, LSTM, GRU)):
        fail(TypeError, "cell", "an rnnlib RNN, LSTM or GRU", f"{type(cell).__name__}")
    if isinstance(cell, GRU) and cell.variant != "pytorch":
        fail(ValueError, "cell", "GRU(variant='pytorch') to convert to or from torch.nn.GRU",
             f"variant={cell.variant!r}. "
             "The book's GRU applies the reset gate before the recurrent matrix (n = tanh(W_n^x x + W_n^h (r*h) + b_n)) "
             "and PyTorch's after it (n = tanh(W_n^x x + b_n + r*(W_n^h h + b_hn))); these are different functions, "
             "so no weights of one reproduce the other.")
    if isinstance(cell, RNN) and cell.activation not in ("tanh", "relu"):
        fail(ValueError, "cell", "an RNN with activation 'tanh' or 'relu' (torch.nn.RNN's nonlinearities)",
             f"RNN(activation={cell.activation!r})")


def to_torch_state_dict(cell, params):
    """PyTorch state dict (numpy arrays) of the same function as ``cell`` with ``params``.

    Parameters
    ----------
    cell : RNN, LSTM, GRU or RecurrentStack
        RNN with activation "tanh" or "relu" (``nonlinearity=`` in torch);
        GRU only with variant="pytorch"; a stack of those.
    params : dict
        ``{"W": (G*H, D+H), "b": (G*H,)}`` (+ "b_hn" (H,) for the GRU); for a
        stack its flat parameters ("l0.W", "l0_reverse.W", ...).

    Returns
    -------
    dict
        "weight_ih_l0" (G*H, D), "weight_hh_l0" (G*H, H), "bias_ih_l0" (G*H,),
        "bias_hh_l0" (G*H,): new arrays; load into torch with
        ``{k: torch.from_numpy(v) for k, v in sd.items()}``. For a stack,
        these four for every layer and direction ("_l1_reverse" etc.).
    """
    if isinstance(cell, RecurrentStack):
        return _stack_to_torch(cell, params)
    _check_cell(cell)
    p = cell._params(params)
    D, H = cell.input_size, cell.hidden_size
    bias_hh = np.zeros_like(p["b"])
    if isinstance(cell, GRU):
        bias_hh[2 * H :] = p["b_hn"]
    return {
        "weight_ih_l0": p["W"][:, :D].copy(),
        "weight_hh_l0": p["W"][:, D:].copy(),
        "bias_ih_l0": p["b"].copy(),
        "bias_hh_l0": bias_hh,
    }


def from_torch_state_dict(cell, state_dict, dtype=None):
    """rnnlib parameters for ``cell`` from a single-layer PyTorch state dict.

    Parameters
    ----------
    cell : RNN, LSTM, GRU or RecurrentStack
        Must match the torch module's sizes, and kind (GRU: variant="pytorch");
        a stack also its ``num_layers`` and ``bidirectional``.
    state_dict : dict
        Keys "weight_ih_l0" (G*H, D), "weight_hh_l0" (G*H, H), "bias_ih_l0",
        "bias_hh_l0" (G*H,) as numpy arrays or CPU tensors (e.g.
        ``module.state_dict()`` of a module built with ``bias=True``).
    dtype : numpy dtype or None, optional
        Cast to this dtype; None keeps the dtype of the arrays (torch's
        default is float32; use ``module.double()`` or dtype=np.float64).

    Returns
    -------
    dict
        ``{"W": (G*H, D+H), "b": (G*H,)}`` (+ "b_hn" (H,) for the GRU), new
        arrays; for a stack its flat parameters ("l0.W", ...).
    """
    if isinstance(cell, RecurrentStack):
        return _stack_from_torch(cell, state_dict, dtype)
    _check_cell(cell)
    check_keys("state_dict", state_dict, KEYS)
    D, H, G = cell.input_size, cell.hidden_size, cell.num_blocks
    shapes = {"weight_ih_l0": (("G*H", "D"), {"G*H": G * H, "D": D}),
              "weight_hh_l0": (("G*H", "H"), {"G*H": G * H, "H": H}),
              "bias_ih_l0": (("G*H",), {"G*H": G * H}),
              "bias_hh_l0": (("G*H",), {"G*H": G * H})}
    sd = {}
    for key, (letters, sizes) in shapes.items():
        value = state_dict[key]
        if hasattr(value, "detach"):  # a torch tensor
            value = value.detach().cpu().numpy()
        sd[key] = as_float_array(f"state_dict[{key!r}]", value, dtype)
        dtype = sd[key].dtype  # all arrays follow the first one's dtype
        check_shape(f"state_dict[{key!r}]", sd[key], letters, sizes)
    params = {
        "W": np.concatenate([sd["weight_ih_l0"], sd["weight_hh_l0"]], axis=1),
        "b": sd["bias_ih_l0"] + sd["bias_hh_l0"],
    }
    if isinstance(cell, GRU):
        params["b"][2 * H :] = sd["bias_ih_l0"][2 * H :]
        params["b_hn"] = sd["bias_hh_l0"][2 * H :].copy()
    return params


def _stack_keys(prefix):
    """PyTorch's names of one cell of a stack: "l1_reverse" -> "weight_ih_l1_reverse", ..."""
    return [key.replace("_l0", "_" + prefix) for key in KEYS]


def _renamed(exc, prefix):
    """``exc`` with the single-cell key names ("..._l0") replaced by the stack cell's."""
    return type(exc)(str(exc).replace("_l0'", f"_{prefix}'").replace("'l0'", f"'{prefix}'"))


def _stack_to_torch(stack, params):
    out = {}
    for prefix, cell, _, _ in stack.units():
        try:
            sd = to_torch_state_dict(cell, stack.unit_params(params, prefix))
        except (TypeError, ValueError) as exc:  # name the stack's key
            raise type(exc)(str(exc).replace("params['", f"params['{prefix}.", 1)) from None
        out.update(zip(_stack_keys(prefix), sd.values()))
    return out


def _stack_from_torch(stack, state_dict, dtype):
    required = [key for prefix, _, _, _ in stack.units() for key in _stack_keys(prefix)]
    check_keys("state_dict", state_dict, tuple(required))
    params = {}
    for prefix, cell, _, _ in stack.units():
        sub = {key: state_dict[name] for key, name in zip(KEYS, _stack_keys(prefix))}
        try:
            p = from_torch_state_dict(cell, sub, dtype)
        except (TypeError, ValueError) as exc:
            raise _renamed(exc, prefix) from None
        dtype = p["W"].dtype  # every cell follows the first one's dtype
        params.update({f"{prefix}.{k}": v for k, v in p.items()})
    return params
