"""Speed of rnnlib's RecurrentStack against PyTorch's CPU nn.LSTM / nn.GRU(num_layers, bidirectional).

Forward + backward (every gradient, given an upstream gradient on every output
and on the final states) in float64, two layers, bidirectional, for a full
batch and for a padded one (lengths drawn uniformly in [T/3, T]; torch runs it
as a packed sequence). Median of alternating repetitions.

    python benchmarks/bench_layers.py               # 5 repetitions
    python benchmarks/bench_layers.py --threads 1   # one BLAS/OpenMP thread for both libraries
    python benchmarks/bench_layers.py --shape 30,64,32,64 --reps 9

Padding costs rnnlib a reordering of the reverse direction's steps and, for
the LSTM when the final cell state gets a gradient, a copy of three gate
arrays (see ``rnnlib.layers``). Without torch installed it prints rnnlib's
numbers only.
"""

import argparse
import os
import statistics
import sys
import time

if "--threads" in sys.argv[:-1]:  # must be set before numpy and torch load their thread pools
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = sys.argv[sys.argv.index("--threads") + 1]

import numpy as np  # noqa: E402

from rnnlib.gru import GRU  # noqa: E402
from rnnlib.layers import RecurrentStack  # noqa: E402
from rnnlib.lstm import LSTM  # noqa: E402
from rnnlib.torch_interop import to_torch_state_dict  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

CELLS = [("LSTM", lambda D, H: LSTM(D, H), "LSTM"), ("GRU pytorch", lambda D, H: GRU(D, H, variant="pytorch"), "GRU")]


def rnnlib_run(stack, params, X, state, dout, dfinal, lengths):
    out, trace = stack.forward(params, X, state, lengths=lengths)
    stack.backward(params, trace, dout, dfinal)


def torch_run(net, X, state, dout, dfinal, lengths):
    t = lambda a: torch.tensor(a, requires_grad=True)  # noqa: E731
    Xt, st = t(X), {k: t(v) for k, v in state.items()}
    inputs = Xt if lengths is None else torch.nn.utils.rnn.pack_padded_sequence(
        Xt, torch.from_numpy(lengths), enforce_sorted=False)
    out, final = net(inputs, (st["h"], st["c"]) if "c" in st else st["h"])
    if lengths is not None:
        out = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=X.shape[0])[0]
    final = final if isinstance(final, tuple) else (final,)
    loss = (out * torch.from_numpy(dout)).sum() + sum((f * torch.from_numpy(dfinal[k])).sum()
                                                       for k, f in zip(("h", "c"), final))
    loss.backward()


def median_ms(fn, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="30,64,32,64", help="T,B,D,H (default 30,64,32,64)")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="BLAS/OpenMP threads for both libraries")
    args = parser.parse_args()
    T, B, D, H = (int(v) for v in args.shape.split(","))
    rng = np.random.default_rng(0)
    print(f"T={T} B={B} D={D} H={H} layers={args.layers} bidirectional float64, median of {args.reps}")
    print(f"{'cell':12s} {'batch':7s} {'rnnlib ms':>10s} {'torch ms':>10s} {'ratio':>7s}")
    for label, make, torch_name in CELLS:
        stack = RecurrentStack(make(D, H), num_layers=args.layers, bidirectional=True)
        params = stack.init(rng)
        X = rng.standard_normal((T, B, D))
        state = {k: rng.standard_normal(v.shape) for k, v in stack.zero_state(B).items()}
        dout = rng.standard_normal((T, B, stack.output_size))
        dfinal = {k: rng.standard_normal(v.shape) for k, v in state.items()}
        net = None
        if torch is not None:
            net = getattr(torch.nn, torch_name)(D, H, num_layers=args.layers, bidirectional=True).double()
            net.load_state_dict({k: torch.from_numpy(v) for k, v in to_torch_state_dict(stack, params).items()})
        for name, lengths in [("full", None), ("padded", rng.integers(max(1, T // 3), T + 1, B))]:
            ours = median_ms(lambda: rnnlib_run(stack, params, X, state, dout, dfinal, lengths), args.reps)
            theirs = median_ms(lambda: torch_run(net, X, state, dout, dfinal, lengths), args.reps) if net else None
            ratio = f"{ours / theirs:7.2f}" if theirs else "      -"
            theirs = f"{theirs:10.1f}" if theirs else "         -"
            print(f"{label:12s} {name:7s} {ours:10.1f} {theirs} {ratio}")


if __name__ == "__main__":
    main()
