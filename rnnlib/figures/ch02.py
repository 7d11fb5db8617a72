"""Figures of chapter 2, "Training by backpropagation through time".

Both figures train the 3-day stock-price predictor of chapter 1 (a
``SequenceModel(RNN(1, 1, activation="sigmoid"), "sigmoid", 1)``, five
parameters) on the chapter's data, with plain gradient descent
``W_new = W_old - lr * dJ/dW`` (:class:`rnnlib.optim.SGD`) on the mean
squared error:

* :data:`descent_on_W3`: only the output weight ``W_3`` moves; the loss
  ``J(W_3)`` is a curve and every update a step along it.
* :data:`learning_rate_explorer`: all five parameters are trained with
  :func:`rnnlib.train.fit` for :data:`STEPS` steps at each learning rate of
  :data:`LEARNING_RATES`; the loss curves and the predictions on the test days.

The data are :func:`stock_data` (the chapter's notebook draws the same
prices from its generator, seeded with :data:`DATA_SEED`); training starts
from the weights chapter 1 used by hand (:func:`chapter1_params`). Every
training run is computed once and cached, so a frame only draws.
"""
import functools

import numpy as np
from matplotlib.ticker import NullLocator

from rnnlib.data import sliding_windows, stock_prices
from rnnlib.heads import Head
from rnnlib.losses import mse
from rnnlib.model import SequenceModel
from rnnlib.optim import SGD
from rnnlib.rnn import RNN
from rnnlib.train import fit
from rnnlib.widgets import Choice, Try, interactive

__all__ = [
    "DATA_SEED", "N_DAYS", "N_TRAIN", "STEPS", "LEARNING_RATES", "W3_LEARNING_RATES",
    "chapter1_params", "predictor", "stock_data", "training_run", "w3_descent",
    "learning_rate_explorer", "descent_on_W3",
]

DATA_SEED = 2
N_DAYS = 250
N_TRAIN = 180
STEPS = 500
LEARNING_RATES = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
W3_LEARNING_RATES = (1.0, 3.0, 10.0, 30.0, 50.0, 70.0, 100.0)
W3_STEPS = 12


def chapter1_params():
    """The predictor's weights of chapter 1, as a new params dict.

    ``W_1 = 1.0`` (input), ``W_2 = 0.5`` (recurrent), ``b = -0.5``,
    ``W_3 = 2.0`` (output), ``b_3 = -1.0``: ``{"W": [[W_1, W_2]], "b": [b],
    "W_y": [[W_3]], "b_y": [b_3]}``.
    """
    return {"W": np.array([[1.0, 0.5]]), "b": np.array([-0.5]),
            "W_y": np.array([[2.0]]), "b_y": np.array([-1.0])}


def predictor():
    """The 3-day predictor: ``SequenceModel(RNN(1, 1, activation="sigmoid"), "sigmoid", 1)``."""
    return SequenceModel(RNN(1, 1, activation="sigmoid"), "sigmoid", 1)


@functools.lru_cache(maxsize=1)
def stock_data():
    """The chapter's data set (computed once; treat the arrays as read-only).

    ``prices = stock_prices(np.random.default_rng(DATA_SEED), N_DAYS)`` cut by
    ``sliding_windows(prices, 3)`` into examples (3 days -> the next day);
    the first ``N_TRAIN`` examples train, the rest test.

    Returns
    -------
    dict
        ``"prices"`` (N_DAYS,), ``"X_train"`` (3, N_TRAIN, 1), ``"y_train"``
        (N_TRAIN, 1), ``"X_test"`` (3, B_test, 1), ``"y_test"`` (B_test, 1).
    """
    prices = stock_prices(np.random.default_rng(DATA_SEED), N_DAYS)
    X, y = sliding_windows(prices, 3)
    return {"prices": prices, "X_train": X[:, :N_TRAIN], "y_train": y[:N_TRAIN],
            "X_test": X[:, N_TRAIN:], "y_test": y[N_TRAIN:]}


@functools.lru_cache(maxsize=None)
def training_run(lr):
    """Train the predictor from :func:`chapter1_params` for :data:`STEPS` steps of ``SGD(lr)``.

    Full-batch gradient descent on the training examples of :func:`stock_data`
    with the mean squared error, by :func:`rnnlib.train.fit`. Cached per ``lr``.

    Returns
    -------
    dict
        ``"loss"`` (STEPS,) training loss before each step, ``"params"`` the
        trained parameters, ``"test_pred"`` (B_test,) the predictions on the
        test days and ``"test_mse"``.
    """
    data, model = stock_data(), predictor()
    params, history = fit(model, chapter1_params(), (data["X_train"], data["y_train"]), SGD(float(lr)),
                          STEPS, loss="mse", progress=False)
    pred = model.predict(params, data["X_test"])
    return {"loss": np.array(history["loss"]), "params": params, "test_pred": pred[:, 0],
            "test_mse": mse(pred, data["y_test"])[0]}


@functools.lru_cache(maxsize=1)
def _all_runs():
    return {lr: training_run(lr) for lr in LEARNING_RATES}


def _persistence_mse(X, y):
    """MSE of "tomorrow's price = today's price"."""
    return float(np.mean((X[-1] - y) ** 2))


def _lr_setup(fig):
    """Axes, the grey loss curves of every run, the prices of the test days (fixed)."""
    data, runs = stock_data(), _all_runs()
    left = fig.add_axes((0.08, 0.15, 0.38, 0.72))
    right = fig.add_axes((0.57, 0.15, 0.41, 0.72))
    steps = np.arange(STEPS)
    for r in runs.values():
        left.plot(steps, r["loss"], color="0.8", lw=1)
    (loss,) = left.plot([], [], color="C0", lw=2, label="\u03b1")
    left.axhline(_persistence_mse(data["X_train"], data["y_train"]), color="C3", ls="--", lw=1,
                 label="tomorrow = today")
    left.set(yscale="log", xlim=(0, STEPS), ylim=(1e-3, 1.0), xlabel="gradient-descent step",
             ylabel="training loss J (MSE)", xticks=range(0, STEPS + 1, 100), yticks=[1e-3, 1e-2, 1e-1, 1.0])
    left.yaxis.set_minor_locator(NullLocator())
    legend = left.legend(loc="upper right", fontsize=8)
    fig.text(0.08, 0.94, "training loss (grey: the other learning rates)", fontsize=9)

    days = N_TRAIN + 3 + np.arange(len(data["y_test"]))
    right.plot(days, data["y_test"][:, 0], color="0.2", lw=1.5, label="price")
    (pred,) = right.plot(days, np.zeros(len(days)), color="C0", lw=1.5, label="predicted")
    right.set(ylim=(-0.05, 1.05), xlim=(days[0], days[-1]), xlabel="day (test period)", ylabel="scaled price",
              yticks=[0, 0.5, 1])
    right.legend(loc="upper left", fontsize=8)
    title = fig.text(0.57, 0.94, "", fontsize=9)
    return {"loss": loss, "label": legend.get_texts()[0], "pred": pred, "title": title}


@interactive(
    figsize=(8.4, 3.4),
    dpi=84,
    setup=_lr_setup,
    lr=Choice(LEARNING_RATES, default=10.0, label="learning rate \u03b1"),
    # The chapter's "things to try", each as the settings and what the caption then says.
    tries=[
        Try({"lr": [0.3, 1.0, 10.0]}, "(lower than at the start)"),
        Try({"lr": 30.0}, "oscillating)"),
        Try({"lr": 100.0}, "(higher than at the start)"),
    ],
)
def learning_rate_explorer(h, *, lr):
    """Training the 3-day predictor with gradient descent at several learning rates."""
    data, run = stock_data(), training_run(lr)
    base_test = _persistence_mse(data["X_test"], data["y_test"])
    h["loss"].set_data(np.arange(STEPS), run["loss"])
    h["label"].set_text(f"\u03b1 = {lr:g}")
    h["pred"].set_ydata(run["test_pred"])
    h["title"].set_text(f"test days: MSE {run['test_mse']:.4f} (tomorrow = today: {base_test:.4f})")
    final = run["loss"][-1]
    ups = int(np.sum(np.diff(run["loss"][-50:]) > 0))  # rises among the last 50 steps
    trend = "lower" if final < run["loss"][0] else "higher"
    verdict = f"{trend} than at the start" + (", oscillating" if ups >= 10 else "")
    return (f"learning rate {lr:g}: training loss {run['loss'][0]:.4f} → {final:.4f} after {STEPS} steps "
            f"({verdict}); test MSE {run['test_mse']:.4f}, 'tomorrow = today' {base_test:.4f}.")


@functools.lru_cache(maxsize=1)
def _w3_problem():
    """Hidden states y_3 of the training examples with chapter 1's W_1, W_2, b (fixed)."""
    data, p = stock_data(), chapter1_params()
    H_seq, _ = RNN(1, 1, activation="sigmoid").forward({"W": p["W"], "b": p["b"]}, data["X_train"])
    return H_seq[-1], data["y_train"], float(p["b_y"][0])


def w3_loss_and_grad(W_3):
    """``(J, dJ/dW_3)`` of the predictor when only ``W_3`` varies (the others at chapter 1's values).

    ``J = mean((sigmoid(W_3 y_3 + b_3) - y)^2)`` over the training examples,
    its gradient from :meth:`rnnlib.heads.Head.backward`.
    """
    h, y, b_3 = _w3_problem()
    head, hp = Head(1, 1, kind="sigmoid"), {"W_y": np.array([[W_3]]), "b_y": np.array([b_3])}
    y_hat, cache = head.forward(hp, h)
    J, dy = mse(y_hat, y)
    return J, float(head.backward(hp, cache, dy=dy)["W_y"][0, 0])


def w3_descent(lr, W_3=2.0, steps=W3_STEPS):
    """Gradient descent on ``W_3`` alone: ``W_3 <- W_3 - lr * dJ/dW_3``, ``steps`` times.

    Returns
    -------
    W : ndarray, shape (steps + 1,)
        The iterates, starting at ``W_3``.
    J : ndarray, shape (steps + 1,)
        The loss at each iterate.
    """
    W, J = [float(W_3)], []
    for _ in range(steps):
        loss, grad = w3_loss_and_grad(W[-1])
        J.append(loss)
        W.append(W[-1] - lr * grad)
    J.append(w3_loss_and_grad(W[-1])[0])
    return np.array(W), np.array(J)


@functools.lru_cache(maxsize=1)
def _w3_curve():
    grid = np.linspace(-5.0, 4.4, 189)  # J(W_3) <= 0.2 (the axes' top) up to 4.45, 0.34 at 7
    return grid, np.array([w3_loss_and_grad(w)[0] for w in grid])


def _w3_setup(fig):
    """Axes and the loss curve J(W_3) (fixed); returns the artists of the steps."""
    grid, curve = _w3_curve()
    left = fig.add_axes((0.08, 0.16, 0.5, 0.72))
    right = fig.add_axes((0.68, 0.16, 0.3, 0.72))
    left.plot(grid, curve, color="0.3", lw=1.5, label="J(W\u2083)")
    (path,) = left.plot([], [], "-o", color="C1", ms=4, lw=1, label="gradient-descent steps")
    left.plot([2.0], [w3_loss_and_grad(2.0)[0]], "s", color="C3", ms=7, label="start W\u2083 = 2")
    left.set(xlim=(grid[0], grid[-1]), ylim=(0.0, 0.2), xlabel="output weight W\u2083", ylabel="training loss J",
             xticks=range(-4, 5, 2), yticks=[0, 0.05, 0.1, 0.15, 0.2])
    left.legend(loc="upper center", fontsize=8)  # clear of J(W_3), which is high at both ends
    (losses,) = right.plot([], [], "-o", color="C1", ms=3)
    right.set(xlabel="step", ylabel="J", ylim=(0.0, 0.2), xlim=(-0.5, W3_STEPS + 0.5),
              xticks=range(0, W3_STEPS + 1, 4), yticks=[0, 0.1, 0.2])
    fig.text(0.68, 0.93, "loss at each step", fontsize=9)
    title = fig.text(0.08, 0.93, "", fontsize=9)
    return {"path": path, "losses": losses, "title": title}


@interactive(
    figsize=(8.4, 3.2),
    dpi=84,
    setup=_w3_setup,
    lr=Choice(W3_LEARNING_RATES, default=10.0, label="learning rate \u03b1"),
    # The chapter's "things to try", each as the settings and what the caption then says:
    # far from the minimum at 1 and 3, at it from 10 to 50, stuck between two values at 70,
    # a higher loss than at the start at 100.
    tries=[
        Try({"lr": 1.0}, "W₃ goes 2 → 1.646 in 12 steps"),
        Try({"lr": 3.0}, "W₃ goes 2 → 1.261 in 12 steps"),
        Try({"lr": 10.0}, "W₃ goes 2 → 1.001 in 12 steps"),
        Try({"lr": 30.0}, "W₃ goes 2 → 0.993 in 12 steps"),
        Try({"lr": 50.0}, "W₃ goes 2 → 0.995 in 12 steps"),
        Try({"lr": 70.0}, "W₃ goes 2 → 1.697 in 12 steps"),
        Try({"lr": 100.0}, "J 0.0412 → 0.0481"),
    ],
)
def descent_on_W3(h, *, lr):
    """Gradient descent on one weight: the steps W₃ − α ∂J/∂W₃ along the loss curve."""
    grid, curve = _w3_curve()
    W, J = w3_descent(lr)
    h["path"].set_data(W, J)
    h["losses"].set_data(np.arange(len(J)), J)
    h["title"].set_text(f"\u03b1 = {lr:g}: W\u2083 after {len(W) - 1} steps = {W[-1]:.3f}")
    best = grid[np.argmin(curve)]
    return (f"learning rate {lr:g}: W₃ goes {W[0]:g} → {W[-1]:.3f} in {len(W) - 1} steps "
            f"(the minimum is near {best:.2f}); J {J[0]:.4f} → {J[-1]:.4f}.")
