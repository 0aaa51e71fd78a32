#!/usr/bin/env python3
"""NumPy reference for bench/sgd_step_bench.cpp: the same SGD steps on least squares in a plain loop.

One step (batch b, with replacement, mean gradient):
    idx = rng.integers(n, size=b)            # b = 1: i = rng.integers(n)
    r_j = a_jᵀx − y_j                         # at the same x for the whole batch
    x  -= γ · (1/b) Σ_j r_j a_j
Dense rows are a NumPy (n, d) array; sparse rows are CSR built from numpy arrays (indptr / indices / data
slices; scipy is not used), and the sparse update touches only the row's stored entries (O(nnz)), which is
what a NumPy user writes.

Same configurations as the C++ benchmark: dense d = 10 … 1e5, sparse 10 % from d = 100, 1 % from d = 1000,
b ∈ {1, 16}; n such that the matrix is ≈ 256 MiB, at most 1e5 rows.

Time is CPU time of this process (time.process_time_ns), like the C++ table, because the benchmark machine
may be shared; wall time is recorded as well. Each configuration: `--repetitions` windows of at least
`--min-time` seconds; the median window gives ns per step. A second variant draws all indices in advance
(`predrawn`) to show how much of the NumPy step is the per-step random draw.

Usage: numpy_sgd_reference.py [--out results.json] [--min-time 0.2] [--repetitions 5] [--quick]
"""
import argparse
import json
import math
import platform
import statistics
import sys
import time

import numpy as np

MATRIX_BYTES = 256 * 1024 * 1024
MAX_ROWS = 100_000
NOISE = 0.1
SEED = 12345


def nnz_per_row(pct, d):
    return d if pct >= 100 else max(1, d * pct // 100)


def rows_for(pct, d):
    row_bytes = 8 * d if pct >= 100 else 12 * nnz_per_row(pct, d)
    return min(MAX_ROWS, int(MATRIX_BYTES // row_bytes))


def make_data(pct, d, rng, n=None):
    """Dense (A, y) or CSR (indptr, indices, data, y); ‖a_i‖² ≈ d as in the C++ benchmark."""
    n = n or rows_for(pct, d)
    if pct >= 100:
        a = rng.standard_normal((n, d))
        w = rng.standard_normal(d) / math.sqrt(d)
        y = a @ w + NOISE * rng.standard_normal(n)
        return {"n": n, "a": a, "y": y}
    k = nnz_per_row(pct, d)
    indptr = np.arange(0, (n + 1) * k, k, dtype=np.int64)
    # k distinct sorted columns per row: sorted uniforms on [0, d-k] plus 0..k-1 (built in row blocks).
    indices = np.empty(n * k, dtype=np.int32)
    block = max(1, 4_000_000 // k)
    for s in range(0, n, block):
        e = min(n, s + block)
        c = np.sort(rng.integers(0, d - k + 1, size=(e - s, k)), axis=1) + np.arange(k)
        indices[s * k:e * k] = c.ravel()
    data = math.sqrt(d / k) * rng.standard_normal(n * k)
    w = rng.standard_normal(d) / math.sqrt(d)
    prod = data * w[indices]
    y = np.add.reduceat(prod, indptr[:-1]) + NOISE * rng.standard_normal(n)
    return {"n": n, "indptr": indptr, "indices": indices, "data": data, "y": y}


def make_step(prob, pct, d, b, gamma, rng, predrawn):
    """Returns step() performing one SGD step on x (closure state)."""
    n = prob["n"]
    x = np.zeros(d)
    y = prob["y"]
    pool = {"idx": None, "pos": 0}

    def draw_one():
        if not predrawn:
            return int(rng.integers(n))
        if pool["idx"] is None or pool["pos"] >= len(pool["idx"]):
            pool["idx"] = rng.integers(n, size=1 << 16)
            pool["pos"] = 0
        i = int(pool["idx"][pool["pos"]])
        pool["pos"] += 1
        return i

    def draw_batch():
        if not predrawn:
            return rng.integers(n, size=b)
        if pool["idx"] is None or pool["pos"] + b > len(pool["idx"]):
            pool["idx"] = rng.integers(n, size=1 << 16)
            pool["pos"] = 0
        idx = pool["idx"][pool["pos"]:pool["pos"] + b]
        pool["pos"] += b
        return idx

    if pct >= 100:
        a = prob["a"]
        if b == 1:
            def step():
                i = draw_one()
                ai = a[i]
                g = ai * (ai @ x - y[i])
                x[:] -= gamma * g
        else:
            def step():
                idx = draw_batch()
                ab = a[idx]
                g = ab.T @ (ab @ x - y[idx]) / b
                x[:] -= gamma * g
        return step, x

    indptr, indices, data = prob["indptr"], prob["indices"], prob["data"]
    if b == 1:
        def step():
            i = draw_one()
            s, e = indptr[i], indptr[i + 1]
            cols = indices[s:e]
            vals = data[s:e]
            r = vals @ x[cols] - y[i]
            x[cols] -= (gamma * r) * vals
    else:
        def step():
            idx = draw_batch()
            rows = []
            for i in idx:
                s, e = indptr[i], indptr[i + 1]
                cols = indices[s:e]
                vals = data[s:e]
                rows.append((cols, vals, vals @ x[cols] - y[i]))
            c = gamma / b
            for cols, vals, r in rows:
                x[cols] -= (c * r) * vals
    return step, x


def time_step(step, min_time, repetitions):
    """Median CPU ns per step over `repetitions` windows of >= min_time s (after a warm-up)."""
    for _ in range(50):
        step()
    # Calibrate the number of steps per window from a short run.
    steps = 16
    while True:
        t0 = time.process_time_ns()
        for _ in range(steps):
            step()
        dt = time.process_time_ns() - t0
        if dt >= 0.02e9 or steps >= 1 << 24:
            break
        steps *= 4
    per = max(dt, 1) / steps
    steps = max(16, int(min_time * 1e9 / per))
    cpu, wall = [], []
    for _ in range(repetitions):
        w0 = time.perf_counter_ns()
        t0 = time.process_time_ns()
        for _ in range(steps):
            step()
        cpu.append((time.process_time_ns() - t0) / steps)
        wall.append((time.perf_counter_ns() - w0) / steps)
    return {"steps_per_window": steps, "cpu_ns": cpu, "wall_ns": wall,
            "cpu_ns_median": statistics.median(cpu), "wall_ns_median": statistics.median(wall)}


IN_CACHE_ROWS = 1000  # BM_StepInCache: dense d = 10, 100 with a cache-resident matrix


def configs(quick):
    """(pct, d, n or None for the default size, in_cache)."""
    d_values = [10, 100, 1000] if quick else [10, 100, 1000, 10_000, 100_000]
    for pct in (100, 10, 1):
        d_min = {100: 10, 10: 100, 1: 1000}[pct]
        for d in d_values:
            if d >= d_min:
                yield pct, d, None, False
    for d in (10, 100):
        yield 100, d, IN_CACHE_ROWS, True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="write JSON results here")
    ap.add_argument("--min-time", type=float, default=0.2, help="seconds per timing window")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="d <= 1000 only")
    args = ap.parse_args()

    results = []
    for pct, d, n, in_cache in configs(args.quick):
        rng = np.random.default_rng(SEED)
        prob = make_data(pct, d, rng, n)
        for b in (1, 16):
            row = {"pct": pct, "storage": "dense" if pct >= 100 else "sparse", "d": d, "b": b,
                   "n": prob["n"], "nnz_row": nnz_per_row(pct, d), "in_cache": in_cache}
            for predrawn in (False, True):
                step, x = make_step(prob, pct, d, b, 0.5 / d, np.random.default_rng(SEED + 1), predrawn)
                t = time_step(step, args.min_time, args.repetitions)
                if not np.all(np.isfinite(x)):
                    print(f"warning: x not finite for pct={pct} d={d} b={b}", file=sys.stderr)
                row["predrawn" if predrawn else "per_step"] = t
            results.append(row)
            print(f"{'in-cache ' if in_cache else ''}pct={pct:3d} d={d:6d} b={b:2d} n={prob['n']:6d}: "
                  f"{row['per_step']['cpu_ns_median']:10.0f} ns/step CPU "
                  f"({row['predrawn']['cpu_ns_median']:10.0f} with pre-drawn indices)", flush=True)
        del prob

    doc = {"numpy": np.__version__, "python": sys.version.split()[0], "machine": platform.machine(),
           "time": "CPU time per step (process_time_ns), median of repetitions",
           "min_time": args.min_time, "repetitions": args.repetitions, "results": results}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(doc, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
