#!/usr/bin/python3
"""Seed-vectorised NumPy / PyTorch versions of three sgdcheck experiments (issue #12).

What a researcher would write instead of sgdcheck: all seeds of one cell as one array, one batched
update per iteration, no Python loop over seeds. Three kinds:

  minibatch  quickstart: mini-batch SGD on finite-sum least squares (data from a CSV file), b = 1, 8, 64
  delayed    stich_e3_delay_iso: x_{t+1} = x_t - gamma g(x_{t-tau}) on streaming Gaussian least squares
  local      patel_e1_lsq_oracle_vs_mc: local SGD, P workers, averaging after the steps in S

Each function returns, per recorded iteration, the mean and the standard error over seeds of
dist2 = ||x_t - x*||^2 (the statistic sgdcheck's summary.csv reports), so bench/side_by_side.py can
check that both programs estimate the same expectation within a few standard errors.

The backends differ only in their array module; the random streams are of course not sgdcheck's
(same distributions, different draws), which is why the comparison is statistical.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import math

import numpy as np


class NumpyBackend:
    name = "numpy"

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def asarray(self, a):
        return np.asarray(a, dtype=np.float64)

    def zeros(self, shape):
        return np.zeros(shape)

    def normal(self, shape):
        return self.rng.standard_normal(shape)

    def rademacher(self, shape):
        return self.rng.integers(0, 2, size=shape).astype(np.float64) * 2.0 - 1.0

    def integers(self, n, shape):
        return self.rng.integers(0, n, size=shape)

    def einsum(self, spec, *ops):
        return np.einsum(spec, *ops, optimize=False)

    def to_numpy(self, a):
        return np.asarray(a)

    def copy(self, a):
        return a.copy()


class TorchBackend:
    name = "torch"

    def __init__(self, seed):
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        self.gen = torch.Generator().manual_seed(int(seed))

    def asarray(self, a):
        return self.torch.as_tensor(np.asarray(a, dtype=np.float64))

    def zeros(self, shape):
        return self.torch.zeros(shape, dtype=self.torch.float64)

    def normal(self, shape):
        return self.torch.randn(shape, generator=self.gen, dtype=self.torch.float64)

    def rademacher(self, shape):
        return self.torch.randint(0, 2, shape, generator=self.gen).to(self.torch.float64) * 2.0 - 1.0

    def integers(self, n, shape):
        return self.torch.randint(0, n, shape, generator=self.gen)

    def einsum(self, spec, *ops):
        return self.torch.einsum(spec, *ops)

    def to_numpy(self, a):
        return a.numpy()

    def copy(self, a):
        return a.clone()


def make_backend(name, seed):
    return TorchBackend(seed) if name == "torch" else NumpyBackend(seed)


class Recorder:
    """Mean and standard error over seeds of ||x - x*||^2 at the recorded iterations."""

    def __init__(self, xp, record_iters, x_star):
        self.xp = xp
        self.want = set(int(t) for t in record_iters)
        self.x_star = x_star
        self.out = {}

    def __call__(self, t, x):
        if t not in self.want:
            return
        e = x - self.x_star
        d2 = self.xp.to_numpy((e * e).sum(-1)).astype(np.float64)
        s = d2.size
        self.out[t] = (float(d2.mean()), float(d2.std(ddof=1) / math.sqrt(s)) if s > 1 else 0.0)


def minibatch_ls(xp, A, y, x_star, x0, gamma, batch, iterations, seeds, record_iters):
    """x <- x - gamma/b sum_j (a_j'x - y_j) a_j with b rows drawn with replacement, for all seeds at once."""
    A, y, x_star = xp.asarray(A), xp.asarray(y), xp.asarray(x_star)
    n, d = A.shape
    X = xp.zeros((seeds, d)) + xp.asarray(x0)
    rec = Recorder(xp, record_iters, x_star)
    rec(0, X)
    scale = gamma / batch
    for t in range(1, iterations + 1):
        idx = xp.integers(n, (seeds, batch))
        rows = A[idx]                                        # (S, b, d)
        r = xp.einsum("sbd,sd->sb", rows, X) - y[idx]        # residuals
        X = X - scale * xp.einsum("sb,sbd->sd", r, rows)
        rec(t, X)
    return rec.out


def delayed_gaussian_ls(xp, d, w_star, x0, gamma, tau, iterations, seeds, record_iters, noise=0.0):
    """Fixed delay tau: x_{t+1} = x_t - gamma (a'x_{t-tau} - y) a, a ~ N(0, I), x_s = x_0 for s < 0."""
    w_star = xp.asarray(w_star)
    slots = tau + 1
    X0 = xp.zeros((seeds, d)) + xp.asarray(x0)
    ring = [xp.copy(X0) for _ in range(slots)]               # x_s in slot s mod (tau + 1)
    rec = Recorder(xp, record_iters, w_star)
    rec(0, X0)
    cur = X0
    for t in range(1, iterations + 1):
        s = t - 1
        stale = ring[max(0, s - tau) % slots]
        a = xp.normal((seeds, d))
        y = (a * w_star).sum(-1)
        if noise > 0.0:
            y = y + noise * xp.normal((seeds,))
        r = (a * stale).sum(-1) - y
        cur = cur - gamma * r[:, None] * a
        ring[t % slots] = cur
        rec(t, cur)
    return rec.out


def local_sgd_ls(xp, h, w_star, noise, design, workers, local_steps, gamma0, alpha, comm, pr, seeds, record_iters):
    """P workers, gamma_t = gamma0 t^-alpha, a = sqrt(h) z; average after the steps in `comm`.
    Reported point: the average of the workers (last) or its Polyak-Ruppert mean over t = 1..T (pr)."""
    h = np.asarray(h, dtype=np.float64)
    d = h.size
    sqrt_h, w_star = xp.asarray(np.sqrt(h)), xp.asarray(w_star)
    W = xp.zeros((seeds, workers, d))
    rec = Recorder(xp, record_iters, w_star)
    rec(0, W.mean(1))
    avg = xp.zeros((seeds, d))
    comm = set(int(c) for c in comm)
    for t in range(1, local_steps + 1):
        gamma = gamma0 * t ** (-alpha)
        z = xp.normal((seeds, workers, d)) if design == "gaussian" else xp.rademacher((seeds, workers, d))
        a = z * sqrt_h
        y = (a * w_star).sum(-1) + noise * xp.normal((seeds, workers))
        r = (a * W).sum(-1) - y
        W = W - gamma * r[..., None] * a
        wbar = W.mean(1)
        if t in comm:
            W = xp.zeros((seeds, workers, d)) + wbar[:, None, :]
        if pr:
            avg = avg + (wbar - avg) / t
            rec(t, avg)
        else:
            rec(t, wbar)
    return rec.out


def communication_set(kind, n, period=10, beta=2.0):
    """The schedule S of sgdcheck's local_sgd (runners/communication_schedule.cpp) for the kinds E1 uses."""
    if kind == "mba":
        return list(range(1, n + 1))
    if kind == "osa":
        return [n]
    if kind == "periodic":
        return list(range(period, n + 1, period))
    if kind == "power":
        out, k = [], 1
        while True:
            t = math.ceil(k ** beta - 1e-9)
            if t >= n:
                break
            if not out or t > out[-1]:
                out.append(t)
            k += 1
        return out + [n]
    raise ValueError(f"schedule {kind} not implemented in the reference")
