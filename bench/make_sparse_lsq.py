#!/usr/bin/python3
"""Writes a sparse least-squares data set in LIBSVM text for bench/critical_bench.sh.

Rows a_ij = z_ij / sqrt(p) * m_ij with z ~ N(0, 1) and m ~ Bernoulli(p) (the design of the
`least_squares` generator: E[a a'] = I at every density p), labels y_i = a_i'w + noise * N(0, 1) with
w ~ N(0, I/d). Seeded: the same arguments give the same file.

    /usr/bin/python3 bench/make_sparse_lsq.py --n 100000 --d 10000 --density 0.01 --out /tmp/lsq.libsvm
"""
import argparse

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--d", type=int, default=10000)
    ap.add_argument("--density", type=float, default=0.01)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    w = rng.standard_normal(a.d) / np.sqrt(a.d)
    scale = 1.0 / np.sqrt(a.density)
    with open(a.out, "w") as f:
        for start in range(0, a.n, 1000):
            lines = []
            for _ in range(min(1000, a.n - start)):
                k = max(1, rng.binomial(a.d, a.density))  # no all-zero rows (`critical` refuses them)
                idx = np.sort(rng.choice(a.d, size=k, replace=False))
                val = scale * rng.standard_normal(k)
                y = float(val @ w[idx]) + a.noise * rng.standard_normal()
                lines.append(f"{y:.17g} " + " ".join(f"{j + 1}:{v:.17g}" for j, v in zip(idx.tolist(), val.tolist())))
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
