"""rnnlib: simple RNN, LSTM and GRU in numpy with exact backpropagation through time.

Conventions (see the book's introduction for the full notation table):

* Time-major arrays: a batch of sequences is ``X`` of shape ``(T, B, D)``,
  hidden states are ``(B, H)``, a sequence of hidden states ``(T, B, H)``.
* Weights in the math orientation ``(out, in)``: the book's ``W @ x`` is
  ``x @ W.T`` in code. Each cell keeps one fused matrix ``params["W"]`` of
  shape ``(G*H, D+H)`` and a bias ``params["b"]``; ``cell.views(params)``
  gives the book's per-gate names as views.
* Forward returns outputs and a trace; backward returns gradients and never
  updates weights; optimizers and clipping act on ``(params, grads, state)``.
* Every source of randomness takes an explicit ``numpy.random.Generator``.

Layers. The *core* (cells ``rnn``, ``lstm``, ``gru``; ``heads``, ``losses``,
``optim``, ``clip``, ``train``, ``model``, ``data``, ``io``, ``torch_interop``,
``gradcheck`` and every other top-level module not listed next) needs numpy
alone and imports nothing from the *teaching* modules: ``figures``,
``widgets``, ``gradient_flow``, ``experiments``, ``adding_runs``, ``pretrained``,
``pretrained_seq2seq`` and ``check``, which may import the core.
``tests/test_layering.py`` imports each core module in a fresh
interpreter and fails if a teaching module, matplotlib, ipywidgets, IPython or
torch got loaded.
"""

__version__ = "0.1.0"

from rnnlib.rnn import RNN
from rnnlib.lstm import LSTM
from rnnlib.gru import GRU
from rnnlib.embedding import Embedding
from rnnlib.layers import RecurrentStack, length_mask, lengths_from_mask
from rnnlib.activations import sigmoid, tanh, softmax, log_softmax
from rnnlib.heads import Head
from rnnlib.losses import mse, binary_cross_entropy_with_logits, softmax_cross_entropy
from rnnlib.optim import SGD, Momentum, Adam
from rnnlib.clip import global_norm, clip_by_global_norm, clip_elementwise
from rnnlib.model import SequenceModel
from rnnlib.train import fit, EarlyStopping, FitResult, evaluate, tbptt_loss_and_grads
from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.io import save_params, load_params
from rnnlib.data import (
    ADDING_BASELINE_MSE,
    CharVocab,
    adding_problem,
    char_batches,
    load_text,
    one_hot,
    sliding_windows,
    stock_prices,
)
from rnnlib.sampling import sample_chars
from rnnlib.torch_interop import to_torch_state_dict, from_torch_state_dict

# Submodules with optional dependencies or a teaching role are imported by name:
# ``from rnnlib import check`` (exercise checkers), ``from rnnlib import widgets``
# and ``from rnnlib.figures import ch04`` (need matplotlib and ipywidgets).

__all__ = [
    "RNN", "LSTM", "GRU", "Embedding", "RecurrentStack", "length_mask", "lengths_from_mask",
    "sigmoid", "tanh", "softmax", "log_softmax",
    "Head", "mse", "binary_cross_entropy_with_logits", "softmax_cross_entropy",
    "SGD", "Momentum", "Adam",
    "global_norm", "clip_by_global_norm", "clip_elementwise",
    "SequenceModel", "fit", "EarlyStopping", "FitResult", "evaluate", "tbptt_loss_and_grads",
    "numerical_gradient", "rel_error",
    "save_params", "load_params",
    "ADDING_BASELINE_MSE", "CharVocab", "adding_problem", "char_batches", "load_text",
    "one_hot", "sliding_windows", "stock_prices",
    "sample_chars", "to_torch_state_dict", "from_torch_state_dict",
]
