#!/usr/bin/env bash
# Fetch small real tabular datasets for experiments/real/stich_real_data.yaml WITHOUT installing anything:
# `apt-get download` the Debian package python3-sklearn (it ships scikit-learn's bundled CSVs under
# sklearn/datasets/data/), unpack it with `dpkg-deb -x` into a temporary directory, and convert
#   diabetes      (442 x 10, regression target)          -> data/real/diabetes.csv
#   breast_cancer (569 x 30, binary target 0/1)          -> data/real/breast_cancer.csv
#   wine          (178 x 13, class 0/1/2)                -> data/real/wine.csv
# Each CSV has a header x1..xd, the feature columns standardised (mean 0, sd 1), `label` (the original
# target, centred) and `label_fit` (the least-squares fit of the centred label on the features, i.e. the
# projection onto the column space: a realizable label for the same real design, sigma = 0).
# Usage: scripts/fetch-real-data.sh [OUT_DIR]   (default: data/real next to this script's repository)
# Needs: apt-get (Debian registry reachable), dpkg-deb, python3 (standard library only). data/real/ is
# gitignored; tests never depend on it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$here/data/real}"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download python3-sklearn >/dev/null 2>&1) || {
  echo "fetch-real-data: 'apt-get download python3-sklearn' failed (is the Debian registry reachable? try apt-get update)" >&2
  exit 1
}
deb="$(ls "$tmp"/python3-sklearn_*.deb | head -1)"
dpkg-deb -x "$deb" "$tmp/x"
src="$(find "$tmp/x" -type d -path '*sklearn/datasets/data' | head -1)"
[ -n "$src" ] || { echo "fetch-real-data: sklearn/datasets/data not found in $deb" >&2; exit 1; }

python3 - "$src" "$out" <<'PY'
import csv, gzip, io, math, os, sys
src, out = sys.argv[1], sys.argv[2]

def sklearn_csv(name):
    """scikit-learn's bundled format: first row n, d, class names...; rows: d features then the target."""
    with open(os.path.join(src, name)) as f:
        rows = list(csv.reader(f))
    return [[float(v) for v in r[:-1]] for r in rows[1:] if r], [float(r[-1]) for r in rows[1:] if r]

def diabetes():
    with gzip.open(os.path.join(src, "diabetes_data_raw.csv.gz"), "rt") as f:
        X = [[float(v) for v in line.split()] for line in f if line.strip()]
    with gzip.open(os.path.join(src, "diabetes_target.csv.gz"), "rt") as f:
        y = [float(line) for line in f if line.strip()]
    return X, y

def solve(A, b):
    """Gaussian elimination with partial pivoting (d <= 30); tiny ridge guards collinear columns."""
    n = len(A)
    M = [A[i][:] + [b[i]] for i in range(n)]
    for i in range(n):
        M[i][i] += 1e-10
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(M[r][c]))
        M[c], M[p] = M[p], M[c]
        for r in range(c + 1, n):
            f = M[r][c] / M[c][c]
            for k in range(c, n + 1):
                M[r][k] -= f * M[c][k]
    x = [0.0] * n
    for i in reversed(range(n)):
        x[i] = (M[i][n] - sum(M[i][k] * x[k] for k in range(i + 1, n))) / M[i][i]
    return x

def write(name, X, y):
    n, d = len(X), len(X[0])
    mu = [sum(r[j] for r in X) / n for j in range(d)]
    sd = [math.sqrt(sum((r[j] - mu[j]) ** 2 for r in X) / n) or 1.0 for j in range(d)]
    Z = [[(r[j] - mu[j]) / sd[j] for j in range(d)] for r in X]
    ym = sum(y) / n
    yc = [v - ym for v in y]
    G = [[sum(Z[i][a] * Z[i][b] for i in range(n)) for b in range(d)] for a in range(d)]
    w = solve(G, [sum(Z[i][a] * yc[i] for i in range(n)) for a in range(d)])
    fit = [sum(Z[i][j] * w[j] for j in range(d)) for i in range(n)]
    path = os.path.join(out, name + ".csv")
    with open(path, "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow([f"x{j + 1}" for j in range(d)] + ["label", "label_fit"])
        for i in range(n):
            wr.writerow([f"{v:.8g}" for v in Z[i]] + [f"{yc[i]:.8g}", f"{fit[i]:.10g}"])
    print(f"{path}: n = {n}, d = {d} ({os.path.getsize(path) // 1024} KB)")

write("diabetes", *diabetes())
write("breast_cancer", *sklearn_csv("breast_cancer.csv"))
write("wine", *sklearn_csv("wine_data.csv"))
PY
