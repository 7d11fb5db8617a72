"""Cost of a recurrent encoder against one-head self-attention, as the sequence grows (chapter 9).

For each length T, one training step of each encoder layer on a batch
(T, B, D): forward, then backward from an upstream gradient on every
output (all parameter and input gradients), float64:

* recurrent: :class:`rnnlib.gru.GRU` (D -> H), T steps one after the other;
* self-attention: :class:`rnnlib.self_attention.SelfAttention` (D -> d = H),
  one T x T score matrix per sequence, every position at once.

It reports the fastest and the median of ``--reps`` repetitions (the fastest
is closer to an idle machine's number when other jobs share the cores) and
the bytes of the forward pass's trace, what backward needs to keep (GRU:
gates and states, (T, B, H) each, so linear in T; self-attention: queries,
keys, values and the (T, B, T) scores and weights, so quadratic in T).

    python benchmarks/bench_attention_cost.py                    # print the table
    python benchmarks/bench_attention_cost.py --out rnnlib/data/attention_cost.npz   # ship it for chapter 9
"""

import argparse
import platform
import statistics
import time

import numpy as np

from rnnlib.gru import GRU
from rnnlib.self_attention import SelfAttention

LENGTHS = (16, 32, 64, 128, 256, 512, 1024)


def trace_bytes(trace):
    """Bytes of every array in a (possibly nested) trace."""
    if isinstance(trace, np.ndarray):
        return trace.nbytes
    if isinstance(trace, dict):
        return sum(trace_bytes(v) for v in trace.values())
    return 0


def measure(T, B, D, H, reps, rng):
    """(gru_seconds list, attention_seconds list, gru_trace_bytes, attention_trace_bytes) at length T."""
    X = rng.normal(size=(T, B, D))
    dY = rng.normal(size=(T, B, H))
    gru, sa = GRU(D, H), SelfAttention(D, H)
    pg, ps = gru.init(rng), sa.init(rng)
    times = {"gru": [], "sa": []}
    sizes = {}
    for _ in range(reps):  # alternate the two so a busy spell hits both alike
        t0 = time.perf_counter()
        _, tr = gru.forward(pg, X)
        gru.backward(pg, tr, dY)
        times["gru"].append(time.perf_counter() - t0)
        sizes["gru"] = trace_bytes(dict(tr))
        del tr
        t0 = time.perf_counter()
        _, tr = sa.forward(ps, X)
        sa.backward(ps, tr, dY)
        times["sa"].append(time.perf_counter() - t0)
        sizes["sa"] = trace_bytes(tr)
        del tr
    return times["gru"], times["sa"], sizes["gru"], sizes["sa"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=64, help="D = H = d")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", default=None, help="write the measurements to this .npz")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    B, D = args.batch, args.size
    rows = []
    print(f"B={B}, D=H=d={D}, float64, {platform.processor() or platform.machine()}; "
          f"fastest / median of {args.reps}")
    print(f"{'T':>6} {'GRU ms':>16} {'self-att ms':>16} {'GRU trace MB':>13} {'self-att MB':>12}")
    for T in LENGTHS:
        g, s, bg, bs = measure(T, B, D, D, args.reps, rng)
        rows.append((T, min(g), statistics.median(g), min(s), statistics.median(s), bg, bs))
        print(f"{T:>6} {1e3 * min(g):>7.2f} / {1e3 * statistics.median(g):>6.2f} "
              f"{1e3 * min(s):>7.2f} / {1e3 * statistics.median(s):>6.2f} {bg / 1e6:>13.2f} {bs / 1e6:>12.2f}")
    if args.out:
        a = np.array(rows)
        np.savez(args.out, lengths=a[:, 0].astype(np.int64), gru_min=a[:, 1], gru_median=a[:, 2],
                 attention_min=a[:, 3], attention_median=a[:, 4], gru_bytes=a[:, 5].astype(np.int64),
                 attention_bytes=a[:, 6].astype(np.int64), batch=np.array(B), size=np.array(D),
                 reps=np.array(args.reps))
        print(f"written to {args.out}")


if __name__ == "__main__":
    main()
