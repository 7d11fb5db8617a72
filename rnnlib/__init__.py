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
"""

__version__ = "0.1.0"
