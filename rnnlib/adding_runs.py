"""The adding-problem runs of chapter 6 over several seeds, shipped, and the command that reruns them.

Chapter 6 compares the simple RNN, the LSTM and the GRU at four sequence
lengths. One seed per (cell, T) says little, and five seeds of every run take
far longer than a chapter may (with the two side sweeps, 25 minutes on a busy
shared two-core machine), so the chapter loads results made beforehand by this
module. Anyone can reproduce them with one command::

    OPENBLAS_NUM_THREADS=1 python -m rnnlib.adding_runs             # all runs; overwrites the shipped files
    OPENBLAS_NUM_THREADS=1 python -m rnnlib.adding_runs --seeds 0 --out .  # a quicker try, written elsewhere

(one BLAS thread: the small matrices of the recurrent loop run faster that way).

Three sweeps (:func:`rnnlib.experiments.adding_sweep`, settings in
:data:`SWEEPS`) are written to ``rnnlib/data/adding_runs.npz``:

* ``main``: every cell at T = 10, 25, 50, 100, the chapter's settings;
* ``lr0.003``: the LSTM at T = 100 with learning rate 0.003 instead of 0.01;
* ``wide``: the simple RNN with H = 64 (about the LSTM's parameter count) at T = 25.

and the trained parameters of the ``main`` sweep's first seed at T = 100, one
model per cell, to ``rnnlib/data/adding_params_T100.npz`` (the chapter looks
inside them). Both are plain ``.npz`` archives of numeric arrays, loaded with
``allow_pickle=False``.

The runs are in float32 with one BLAS thread. Rerun on another CPU, a run's
last bits differ and a run near the early-stopping threshold may stop a few
steps earlier or later; medians over the seeds move little.
"""

import argparse
import os
import pathlib
import sys

import numpy as np

from rnnlib._checks import fail
from rnnlib.experiments import CELLS, AddingSweep, adding_model, adding_sweep
from rnnlib.io import load_params, save_params

__all__ = ["SWEEPS", "SEEDS", "PARAMS_T", "DATA_DIR", "runs_path", "params_path", "load_sweeps", "load_params_T100",
           "save_sweeps", "retrain", "main"]

DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"

#: The seeds of every sweep.
SEEDS = (0, 1, 2, 3, 4)

#: Each sweep's arguments of :func:`rnnlib.experiments.adding_sweep` besides the seeds.
SWEEPS = {
    "main": dict(lengths=(10, 25, 50, 100), cells=("RNN", "LSTM", "GRU")),
    "lr0.003": dict(lengths=(100,), cells=("LSTM",), lr=0.003),
    "wide": dict(lengths=(25,), cells=("RNN",), hidden_size=64),
}

#: The length whose trained parameters are shipped (first seed of the main sweep).
PARAMS_T = 100

_SETTINGS = ("hidden_size", "batch_size", "max_steps", "lr", "max_norm", "stop_mse", "window", "test_size")


def runs_path(directory=None):
    """Path of the sweeps' results: ``<directory>/adding_runs.npz``."""
    return pathlib.Path(directory or DATA_DIR) / "adding_runs.npz"


def params_path(directory=None):
    """Path of the trained T = 100 parameters: ``<directory>/adding_params_T100.npz``."""
    return pathlib.Path(directory or DATA_DIR) / f"adding_params_T{PARAMS_T}.npz"


def save_sweeps(sweeps, path):
    """Write ``{name: AddingSweep}`` to one ``.npz`` file (numeric arrays only).

    Each sweep's arrays are stored under ``"<name>/<field>"``; its cells as
    indices into :data:`rnnlib.experiments.CELLS`, its settings under
    ``"<name>/settings/<key>"``.
    """
    arrays = {}
    for name, sweep in sweeps.items():
        arrays[f"{name}/cells"] = np.array([list(CELLS).index(c) for c in sweep.cells])
        arrays[f"{name}/lengths"] = np.array(sweep.lengths)
        arrays[f"{name}/seeds"] = np.array(sweep.seeds)
        for key in ("test_mse", "steps", "solved", "loss"):
            arrays[f"{name}/{key}"] = getattr(sweep, key)
        for key in _SETTINGS:
            arrays[f"{name}/settings/{key}"] = np.array(sweep.settings[key])
    save_params(str(path), arrays)


def load_sweeps(directory=None):
    """Load the shipped (or retrained) sweeps.

    Parameters
    ----------
    directory : path, optional
        Where ``adding_runs.npz`` is; default the shipped ``rnnlib/data``.

    Returns
    -------
    dict
        ``{"main": AddingSweep, "lr0.003": AddingSweep, "wide": AddingSweep}``.
    """
    path = runs_path(directory)
    sweeps = {}
    with np.load(path, allow_pickle=False) as f:
        names = list(dict.fromkeys(k.split("/")[0] for k in f.files))
        for name in names:
            get = lambda key: f[f"{name}/{key}"]  # noqa: E731
            settings = {}
            for key in _SETTINGS:
                value = get(f"settings/{key}")
                settings[key] = value.item()
            sweeps[name] = AddingSweep(
                tuple(list(CELLS)[i] for i in get("cells")), tuple(int(T) for T in get("lengths")),
                tuple(int(s) for s in get("seeds")), get("test_mse"), get("steps"), get("solved"), get("loss"),
                settings,
            )
    missing = set(SWEEPS) - set(sweeps)
    if missing:
        fail(ValueError, "directory", f"a folder whose {os.path.basename(path)} holds the sweeps {sorted(SWEEPS)}",
             f"{os.fspath(path)}, missing {sorted(missing)}")
    return sweeps


def load_params_T100(directory=None, hidden_size=32):
    """The trained parameters of the main sweep's first seed at T = 100, one dict per cell.

    Each is checked against a freshly initialised :func:`rnnlib.experiments.adding_model`
    (names, shapes, dtype kind).

    Returns
    -------
    dict
        ``{"RNN": params, "LSTM": params, "GRU": params}`` (float32).
    """
    like = {}
    for cell in SWEEPS["main"]["cells"]:
        for key, value in adding_model(cell, hidden_size).init(np.random.default_rng(0), dtype=np.float32).items():
            like[f"{cell}/{key}"] = value
    flat = load_params(params_path(directory), like=like)
    out = {}
    for key, value in flat.items():
        cell, name = key.split("/", 1)
        out.setdefault(cell, {})[name] = value
    return out


def retrain(seeds=SEEDS, directory=None, verbose=True):
    """Run every sweep of :data:`SWEEPS` with ``seeds`` and write both files.

    Returns
    -------
    dict
        ``{name: AddingSweep}``.
    """
    sweeps, params = {}, {}
    for name, config in SWEEPS.items():
        if verbose:
            print(f"--- {name}")
        sweeps[name], runs = adding_sweep(seeds, verbose=verbose, dtype=np.float32, **config)
        if name == "main":
            for cell in config["cells"]:
                for key, value in runs[cell, PARAMS_T, seeds[0]].params.items():
                    params[f"{cell}/{key}"] = value
    save_sweeps(sweeps, runs_path(directory))
    save_params(str(params_path(directory)), params)
    return sweeps


def main(argv=None):
    """Command line: ``python -m rnnlib.adding_runs [--seeds 0 1 2 3 4] [--out DIR] [--quiet]``."""
    parser = argparse.ArgumentParser(prog="python -m rnnlib.adding_runs", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="seeds (default: 0 1 2 3 4)")
    parser.add_argument("--out", default=None, help="output directory (default: the shipped rnnlib/data)")
    parser.add_argument("--quiet", action="store_true", help="no line per run")
    args = parser.parse_args(argv)
    sweeps = retrain(tuple(args.seeds), directory=args.out, verbose=not args.quiet)
    print(sweeps["main"].summary())
    print(f"-> {runs_path(args.out)}, {params_path(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
