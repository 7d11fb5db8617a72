"""Speed of rnnlib's cells against PyTorch's CPU nn.RNN / nn.LSTM / nn.GRU.

Measures forward + backward (gradients for every parameter, the input and the
initial states, given an upstream gradient dH on every output) in float64 at
the same shapes, alternating rnnlib and torch repetitions and reporting the
median time of each. Threads are left at the machine's default for both.

    python benchmarks/bench_cells.py             # 3 shapes, 5 repetitions
    python benchmarks/bench_cells.py --quick     # smallest shape only, 3 repetitions
    python benchmarks/bench_cells.py --stat min  # fastest repetition instead of the median
                                                 # (closer to an idle machine's numbers when
                                                 # other processes compete for the cores)
    python benchmarks/bench_cells.py --threads 1 # one BLAS/OpenMP thread for both libraries
    python benchmarks/bench_cells.py --shape 50,128,256,512   # one shape (T,B,D,H), repeatable
    python benchmarks/bench_cells.py --clock cpu # CPU time of the calling thread, one thread each

Clocks. ``--clock wall`` (the default) times each call with ``time.perf_counter``
at the machine's default threads. ``--clock cpu`` sets one BLAS/OpenMP thread
for numpy and torch (``OPENBLAS_NUM_THREADS=1`` etc. before numpy loads, and
``torch.set_num_threads(1)``), so every call runs in the calling thread, and
times it with ``time.thread_time``: the CPU time the work itself took, which
other busy processes on the machine change far less than the wall time (they
still share caches and memory bandwidth). That mode prints, for the same
interleaved calls, the CPU time and the wall time, each as median and min;
numpy's matmul rate is measured the same way in the same run.

On a machine shared with other busy processes, multi-threaded BLAS calls on
the small per-step matrices wait for descheduled threads and both libraries
slow down by large, erratic factors: compare on an idle machine, or with
--threads 1.

OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE in the environment make OpenBLAS pick
another kernel or blocking and can slow numpy's matmul; the benchmark prints
them when set. To measure the machine's own kernel, unset them for the one
command (``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python ...``).

Without torch installed it prints rnnlib's numbers only.

Memory reuse. rnnlib's cells take their large arrays (traces, gradients,
work space) from a pool of blocks that no live array uses any more
(``rnnlib/_buffers.py``); each side gets one untimed warm-up call, so the
timed calls are the steady state of a training loop. ``--no-reuse`` makes
rnnlib take every array from ``numpy.empty`` instead, to see what fresh
memory (pages mapped and zeroed on first write) costs.

Columns: rnnlib and torch milliseconds, ratio = rnnlib / torch (below 1:
rnnlib faster), rnnlib GFLOP/s counting the matrix products only
(6 * T * B * G*H * (D+H) flops: one for forward, two for backward), and that
rate as a percentage of numpy's own matmul throughput on a large square product.

Results (``--clock cpu``: thread CPU time, one thread for numpy and torch,
5 interleaved repetitions, medians; 2-core AMD EPYC VM shared with other busy
processes, numpy 2.4.6 with OpenBLAS 0.3.31, torch 2.13.0+cpu, float64).
"Before": the cells as they were (weight gradients as dA^T X, every array
fresh from numpy); "after": weight and input gradients as X^T dA and
W^T dA^T (OpenBLAS ran these tall products 14-26% faster) and memory reuse.
Both runs one after the other; numpy's matmul rate in each run 52.0 (before)
and 52.2 (after) GFLOP/s.

    T,B,D,H          cell          before: ms  x torch  % matmul   after: ms  x torch  % matmul
    100,32,8,64      RNN tanh             4.7     0.49      36%          4.5     0.51      38%
    100,32,8,64      LSTM                24.5     0.70      28%         22.8     0.66      30%
    100,32,8,64      GRU pytorch         19.5     0.68      26%         17.9     0.64      28%
    100,32,8,64      GRU book            20.1     0.61      25%         19.3     0.63      26%
    100,64,128,256   RNN tanh           103.3     0.82      70%        102.0     0.75      71%
    100,64,128,256   LSTM               450.2     0.73      64%        399.9     0.69      72%
    100,64,128,256   GRU pytorch        350.7     0.81      62%        320.4     0.78      68%
    100,64,128,256   GRU book           340.3     0.77      64%        319.7     0.74      68%
    50,128,256,512   RNN tanh           352.1     0.81      82%        341.1     0.73      85%
    50,128,256,512   LSTM              1884.5     1.00      62%       1414.7     0.75      82%
    50,128,256,512   GRU pytorch       1316.8     0.94      66%       1085.0     0.78      80%
    50,128,256,512   GRU book          1274.2     0.90      68%       1102.2     0.80      79%

At (50, 128, 256, 512) with ``--no-reuse`` in a third run, LSTM 1836.7 ms
(0.97x torch, 63%), GRU pytorch 1346.8 ms (1.01x, 64%): most of the gain
there is the memory reuse. On this shared machine the same command varies by
about 10% from run to run (torch's times too); the ratio, measured on
interleaved calls, varies less. The wall-clock times of the same calls (one
thread) were up to 2.5x their CPU times for both libraries, because other
processes held the cores; the wall-clock ratios stayed at or below 1.0
(LSTM 0.81x, GRU pytorch 0.77x at the largest shape).
"""

import argparse
import os
import platform
import statistics
import sys
import time

CPU_CLOCK = any(a in ("--clock=cpu",) for a in sys.argv) or (
    "--clock" in sys.argv[:-1] and sys.argv[sys.argv.index("--clock") + 1] == "cpu"
)
if "--threads" in sys.argv[:-1] or CPU_CLOCK:  # must be set before numpy and torch load their thread pools
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1" if CPU_CLOCK else sys.argv[sys.argv.index("--threads") + 1]

import numpy as np  # noqa: E402

from rnnlib import _buffers  # noqa: E402
from rnnlib.gru import GRU  # noqa: E402
from rnnlib.lstm import LSTM  # noqa: E402
from rnnlib.rnn import RNN  # noqa: E402

try:
    import torch
except ImportError:  # the benchmark still reports rnnlib's numbers
    torch = None

SHAPES = [(100, 32, 8, 64), (100, 64, 128, 256), (50, 128, 256, 512)]  # (T, B, D, H)
CELLS = [  # (label, rnnlib cell factory, torch module name or None)
    ("RNN tanh", lambda D, H: RNN(D, H), "RNN"),
    ("LSTM", lambda D, H: LSTM(D, H), "LSTM"),
    ("GRU pytorch", lambda D, H: GRU(D, H, variant="pytorch"), "GRU"),
    ("GRU book", lambda D, H: GRU(D, H, variant="book"), "GRU"),
]


def blas_info():
    """Name and threads of numpy's BLAS (threadpoolctl if available)."""
    try:
        from threadpoolctl import threadpool_info

        libs = [f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)" for i in threadpool_info()]
        return "; ".join(libs) or "unknown"
    except ImportError:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        threads = os.environ.get("OPENBLAS_NUM_THREADS", f"the default, {os.cpu_count()} cores")
        return f"{cfg.get('name')} {cfg.get('version')} (threads: {threads}; threadpoolctl not installed)"


def timed(fn):
    """(wall seconds, CPU seconds of this thread) of one call of ``fn``."""
    wall, cpu = time.perf_counter(), time.thread_time()
    fn()
    return time.perf_counter() - wall, time.thread_time() - cpu


def matmul_gflops(n=1024, repeats=5):
    """numpy float64 matmul rates (GFLOP/s) on an (n, n) @ (n, n) product: {(clock, stat): rate}."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    a @ b
    times = [timed(lambda: a @ b) for _ in range(repeats)]
    return {(clock, stat): 2 * n**3 / fn(t[k] for t in times) / 1e9
            for k, clock in enumerate(CLOCKS) for stat, fn in STATS.items()}


def rnnlib_job(cell, T, B, rng):
    params = cell.init(rng)
    X = rng.standard_normal((T, B, cell.input_size))
    state = {k: rng.standard_normal((B, cell.hidden_size)) for k in cell.state_names}
    dH = rng.standard_normal((T, B, cell.hidden_size))

    def job():
        _, trace = cell.forward(params, X, state)
        return cell.backward(params, trace, dH)

    return job


def torch_job(name, cell, T, B, rng):
    D, H = cell.input_size, cell.hidden_size
    net = getattr(torch.nn, name)(D, H).double()
    X = torch.tensor(rng.standard_normal((T, B, D)), requires_grad=True)
    h0 = torch.tensor(rng.standard_normal((1, B, H)), requires_grad=True)
    c0 = torch.tensor(rng.standard_normal((1, B, H)), requires_grad=True)
    dH = torch.tensor(rng.standard_normal((T, B, H)))
    inputs = [X, h0, c0] + list(net.parameters())
    state = (h0, c0) if name == "LSTM" else h0

    def job():
        for t in inputs:
            t.grad = None
        out, _ = net(X, state)
        out.backward(dH)  # gradients for all parameters, X, h0 (and c0)

    return job


CLOCKS = ("wall", "cpu")
STATS = {"median": lambda xs: statistics.median(list(xs)), "min": min}


def bench(shapes, repeats, stat="median", clock="wall"):
    rates = [matmul_gflops(n) for n in (1024, 2048)]
    peak = {key: max(r[key] for r in rates) for key in rates[0]}
    print(f"python {platform.python_version()}, numpy {np.__version__}, BLAS: {blas_info()}")
    tuned = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    if tuned:
        print(f"note: {tuned} is set and changes OpenBLAS's kernel choice")
    reuse = _buffers.POOL.min_bytes != float("inf")
    print(f"rnnlib reuses dropped arrays' memory: {'yes' if reuse else 'no (--no-reuse)'}")
    if torch is None:
        print("torch is not installed: showing rnnlib only (pip install torch to compare)")
    else:
        print(f"torch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}")
    # cpu mode: both clocks, both summaries; wall mode: the wall clock with the chosen summary
    shown = [(c, s) for c in CLOCKS for s in STATS] if clock == "cpu" else [("wall", stat)]
    rate_text = ", ".join(f"{c} {s} {peak[c, s]:.1f}" for c, s in shown)
    print(f"numpy float64 matmul throughput (GFLOP/s): {rate_text}; {repeats} interleaved repetitions")
    columns = ("rnnlib ms", 10), ("torch ms", 10), ("ratio", 6), ("GFLOP/s", 8), ("% matmul", 9)
    head = f"{'T,B,D,H':<18} {'cell':<12} {'clock':<11} " + " ".join(f"{name:>{width}}" for name, width in columns)
    print(head)
    print("-" * len(head))
    rows = []
    for T, B, D, H in shapes:
        for label, make, torch_name in CELLS:
            cell = make(D, H)
            rng = np.random.default_rng(0)
            ours = rnnlib_job(cell, T, B, rng)
            theirs = torch_job(torch_name, cell, T, B, rng) if torch is not None else None
            ours()
            if theirs:
                theirs()
            t_ours, t_theirs = [], []
            for _ in range(repeats):
                t_ours.append(timed(ours))
                if theirs:
                    t_theirs.append(timed(theirs))
            flops = 6 * T * B * cell.num_blocks * H * (D + H)
            shape = f"{T},{B},{D},{H}"
            for c, s in shown:
                k = CLOCKS.index(c)
                ms = STATS[s](t[k] for t in t_ours) * 1e3
                gflops = flops / ms / 1e6
                if theirs:
                    tms = STATS[s](t[k] for t in t_theirs) * 1e3
                    torch_cols = f"{tms:>10.1f} {ms / tms:>6.2f}"
                else:
                    torch_cols = f"{'-':>10} {'-':>6}"
                percent = 100 * gflops / peak[c, s]
                print(f"{shape:<18} {label:<12} {c + ' ' + s:<11} {ms:>10.1f} {torch_cols} {gflops:>8.1f} "
                      f"{percent:>8.0f}%", flush=True)
                rows.append((shape, label, c, s, ms, gflops))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repetitions per measurement")
    parser.add_argument("--quick", action="store_true", help="smallest shape only, 3 repetitions")
    parser.add_argument("--stat", choices=("median", "min"), default="median", help="summary of the repetitions")
    parser.add_argument("--threads", type=int, help="BLAS/OpenMP threads for both (default: the machine's)")
    parser.add_argument("--shape", action="append", help="T,B,D,H to measure instead of the default shapes")
    parser.add_argument("--cells", help="comma-separated cell labels to measure (default: all), e.g. LSTM,'GRU pytorch'")
    parser.add_argument("--no-reuse", action="store_true",
                        help="rnnlib takes every array from numpy.empty (no reuse of dropped arrays' memory)")
    parser.add_argument("--clock", choices=CLOCKS, default="wall",
                        help="wall: perf_counter at default threads; cpu: thread_time (and wall) at one thread")
    args = parser.parse_args()
    if args.no_reuse:
        _buffers.POOL.min_bytes = float("inf")  # every request below the threshold: plain numpy.empty
    if torch is not None and (args.threads or args.clock == "cpu"):
        torch.set_num_threads(1 if args.clock == "cpu" else args.threads)
    if args.cells:
        wanted = [c.strip() for c in args.cells.split(",")]
        unknown = [c for c in wanted if c not in [label for label, _, _ in CELLS]]
        if unknown:
            parser.error(f"--cells: unknown {unknown}; expected some of {[label for label, _, _ in CELLS]}")
        CELLS[:] = [c for c in CELLS if c[0] in wanted]
    shapes = [tuple(int(n) for n in s.split(",")) for s in args.shape] if args.shape else SHAPES
    if args.quick:
        bench(shapes[:1], 3, args.stat, args.clock)
    else:
        bench(shapes, args.repeats, args.stat, args.clock)


if __name__ == "__main__":
    main()
