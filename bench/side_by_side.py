#!/usr/bin/python3
"""sgdcheck against seed-vectorised NumPy and PyTorch on the same experiments (issue #12).

For each kind (minibatch = quickstart, delayed = stich_e3_delay_iso, local = patel_e1_lsq_oracle_vs_mc,
all in their --quick form) this script

  1. runs `sgdcheck run FILE --quick --jobs 1 --no-plots` once to learn the cells (cells.csv), the step
     sizes (constants.csv) and the recorded iterations (summary.csv);
  2. times sgdcheck and the reference (bench/reference/sgd_reference.py) alternately, A B A B, --reps
     times each, as CPU time (sgdcheck: user + sys of the child; reference: process_time of the whole
     experiment, all cells, one BLAS / torch thread), and reports the medians and their ratio;
  3. checks that both estimate the same E||x_t - x*||^2: at every recorded point with iteration >= 1,
     z = (|mean_ref - mean_sgdcheck| - floor) / sqrt(se_ref^2 + se_sgdcheck^2) must be <= --k (default 5;
     several hundred points per experiment, so 4 SE would fail by chance now and then). The floor is the
     experiment's own (stich_e3: 1e-6, where rare runs dominate the seed mean), else 0.

quickstart reads its data from a CSV written here (n = 200, d = 10, geometric spectrum with cond 10,
label noise 0.1, x0 = 0), because sgdcheck's data generator draws from its own streams; the sgdcheck
side runs a copy of experiments/quickstart.yaml that reads that file, so both sides use the same rows.
The other two are streaming problems: both sides draw fresh samples from the same distribution.

Exit status 0 when every statistical check passes, 1 otherwise. Timing is reported, never asserted.

  /usr/bin/python3 bench/side_by_side.py --sgdcheck build/cli/sgdcheck [--reps 3] [--torch] [--only local]
"""
import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "reference"))
import sgd_reference as ref  # noqa: E402

ROOT = HERE.parent


def run_sgdcheck(exe, yaml, out, jobs=1):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([str(exe), "run", str(yaml), "--quick", "--jobs", str(jobs), "--no-plots", "--force", "--out", str(out)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1, 3):
        raise RuntimeError(f"sgdcheck failed ({proc.returncode}): {proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, proc.returncode


def load_outputs(folder):
    cells = pd.read_csv(folder / "cells.csv", keep_default_na=False)
    summary = pd.read_csv(folder / "summary.csv", keep_default_na=False)
    summary = summary[summary["metric"] == "dist2"]
    consts = pd.read_csv(folder / "constants.csv", keep_default_na=False)
    return cells, summary, consts


def record_iters_of(summary, cell):
    return sorted(int(t) for t in summary[summary["cell"] == cell]["iter"])


def constant_of(consts, cell, name):
    row = consts[(consts["cell"] == cell) & (consts["constant"] == name)]
    return float(row["value"].iloc[0])


# ---------------------------------------------------------------------------------------------- quickstart
def make_quickstart(tmp):
    """Writes the data CSV and a copy of quickstart.yaml that reads it; returns (yaml, data)."""
    n, d, cond, noise = 200, 10, 10.0, 0.1
    rng = np.random.default_rng(12)
    h = cond ** (-np.arange(d) / (d - 1))
    A = rng.standard_normal((n, d)) * np.sqrt(h)
    w = rng.standard_normal(d) / math.sqrt(d)
    y = A @ w + noise * rng.standard_normal(n)
    cols = [f"f{j}" for j in range(d)]
    with open(tmp / "quickstart_data.csv", "w") as f:
        f.write(",".join(cols + ["label"]) + "\n")
        for i in range(n):
            f.write(",".join(repr(float(v)) for v in A[i]) + "," + repr(float(y[i])) + "\n")
    text = (ROOT / "experiments" / "quickstart.yaml").read_text()
    start = text.index("problem:")
    end = text.index("runner:")
    problem = ("problem:\n  family: least_squares\n  data: {file: quickstart_data.csv, format: csv}\n"
               "  init: {kind: zeros}\n")
    (tmp / "quickstart.yaml").write_text(text[:start] + problem + text[end:])
    # x* of the data as sgdcheck defines it (min-norm least-squares solution; full rank here)
    x_star = np.linalg.lstsq(A, y, rcond=None)[0]
    return tmp / "quickstart.yaml", (A, y, x_star)


def reference_quickstart(backend, data, cells, summary, consts, seeds, iterations):
    A, y, x_star = data
    out = {}
    for _, c in cells.iterrows():
        cell = int(c["cell"])
        b = int(c["runner.batch"])
        gamma = constant_of(consts, cell, "gamma")
        xp = ref.make_backend(backend, 1000 + cell)
        out[cell] = ref.minibatch_ls(xp, A, y, x_star, np.zeros(A.shape[1]), gamma, b, iterations, seeds,
                                     record_iters_of(summary, cell))
    return out


# ---------------------------------------------------------------------------------------------- stich_e3
def reference_stich(backend, cells, summary, consts, seeds, iterations):
    d = 16
    out = {}
    for _, c in cells.iterrows():
        cell = int(c["cell"])
        tau = int(c["runner.delay.tau"])
        gamma = constant_of(consts, cell, "gamma")
        expected = float(c["runner.step.scale"]) / (1.0 * (17 + tau + 1))  # c / (L (M_curv + tau + 1))
        if not math.isclose(gamma, expected, rel_tol=1e-12):
            raise RuntimeError(f"stich_e3 cell {cell}: sgdcheck gamma {gamma} != c/(M+tau+1) = {expected}")
        xp = ref.make_backend(backend, 2000 + cell)
        w_star = np.zeros(d)
        x0 = np.zeros(d)
        x0[0] = 1.0  # ||x0 - w*|| = 1 (init radius 1); the Gaussian design is rotation invariant
        out[cell] = ref.delayed_gaussian_ls(xp, d, w_star, x0, gamma, tau, iterations, seeds,
                                            record_iters_of(summary, cell))
    return out


# ---------------------------------------------------------------------------------------------- patel_e1
def reference_patel(backend, cells, summary, consts, seeds, iterations):
    out = {}
    for _, c in cells.iterrows():
        cell = int(c["cell"])
        comm = ref.communication_set(c["runner.schedule.kind"], 60, period=10, beta=2.0)
        xp = ref.make_backend(backend, 3000 + cell)
        out[cell] = ref.local_sgd_ls(xp, [1.0, 0.1], [-1.0, 2.0], 1.0, c["problem.design"], 4, 60, 0.5, 0.6, comm,
                                     c["runner.iterate"] == "pr", seeds, record_iters_of(summary, cell))
    return out


EXPERIMENTS = {
    # kind: (experiment, reference function, seeds, iterations, floor of the statistical check)
    "minibatch": ("quickstart", reference_quickstart, 200, 2000, 0.0),
    "delayed": ("stich_e3_delay_iso", reference_stich, 40, 3000, 1e-6),
    "local": ("patel_e1_lsq_oracle_vs_mc", reference_patel, 4000, 60, 0.0),
}


def compare(summary, refout, floor, k):
    worst, npoints, bad = 0.0, 0, 0
    for cell, series in refout.items():
        s = summary[summary["cell"] == cell].set_index("iter")
        for t, (m, se) in series.items():
            if t == 0:
                continue
            row = s.loc[t]
            den = math.sqrt(se * se + float(row["se"]) ** 2)
            diff = max(0.0, abs(m - float(row["mean"])) - floor)
            z = diff / den if den > 0 else (0.0 if diff == 0 else math.inf)
            worst = max(worst, z)
            npoints += 1
            bad += z > k
    return worst, npoints, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sgdcheck", default=str(ROOT / "build" / "cli" / "sgdcheck"))
    ap.add_argument("--reps", type=int, default=3, help="A B pairs per experiment (median reported)")
    ap.add_argument("--torch", action="store_true", help="also time the PyTorch backend")
    ap.add_argument("--only", choices=sorted(EXPERIMENTS), action="append")
    ap.add_argument("--k", type=float, default=5.0, help="standard errors allowed per point")
    ap.add_argument("--json", help="write the measurements here")
    args = ap.parse_args()

    backends = ["numpy"] + (["torch"] if args.torch else [])
    results, ok = [], True
    with tempfile.TemporaryDirectory(prefix="sgdcheck-sbs-") as tmpname:
        tmp = Path(tmpname)
        for kind in args.only or ["minibatch", "delayed", "local"]:
            name, fn, seeds, iterations, floor = EXPERIMENTS[kind]
            data = None
            if kind == "minibatch":
                yaml, data = make_quickstart(tmp)
            else:
                yaml = ROOT / "experiments" / f"{name}.yaml"
            out = tmp / "out"
            run_sgdcheck(args.sgdcheck, yaml, out)  # warm-up + the cells, steps and record points
            cells, summary, consts = load_outputs(out / name)
            ref_args = (cells, summary, consts, seeds, iterations)
            call = (lambda b: fn(b, data, *ref_args)) if data is not None else (lambda b: fn(b, *ref_args))
            times = {"sgdcheck": []}
            times.update({b: [] for b in backends})
            refout = {}
            for _ in range(args.reps):
                cpu, _, _ = run_sgdcheck(args.sgdcheck, yaml, out)
                times["sgdcheck"].append(cpu)
                for b in backends:
                    t0 = time.process_time()
                    refout[b] = call(b)
                    times[b].append(time.process_time() - t0)
            cells, summary, consts = load_outputs(out / name)
            med = {key: float(np.median(v)) for key, v in times.items()}
            row = {"kind": kind, "experiment": name, "cells": len(cells), "seeds": seeds, "median_cpu_s": med,
                   "all_cpu_s": times}
            for b in backends:
                worst, npoints, bad = compare(summary, refout[b], floor, args.k)
                row[f"check_{b}"] = {"max_z": worst, "points": npoints, "above_k": bad}
                ok &= bad == 0
            results.append(row)
            line = f"{kind:9s} {name:28s} sgdcheck {med['sgdcheck']:7.3f} s"
            for b in backends:
                c = row[f"check_{b}"]
                line += (f" | {b} {med[b]:7.3f} s, sgdcheck/{b} = {med['sgdcheck'] / med[b]:.3f}"
                         f" (max z {c['max_z']:.2f} over {c['points']} points)")
            print(line, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    print("statistics agree within k SE" if ok else "STATISTICS DISAGREE (see max z)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
