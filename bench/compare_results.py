#!/usr/bin/env python3
"""Compares two sgdcheck results directories (e.g. main's and a branch's output of the same
experiment): summary.csv numerically (same rows; n, iter, samples, rounds exact; mean, sd, se,
vtime within a relative tolerance; min, max exact) and checks.json verdicts. Prints one line per
experiment and exits 1 on any difference beyond the tolerance.

usage: compare_results.py BASE_DIR NEW_DIR [--rtol 1e-12] [NAME ...]
"""
import argparse, csv, json, math, os, sys


def num(s):
    return float(s)


def close(a, b, rtol, atol):
    if math.isnan(a) and math.isnan(b):
        return True
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def compare_summary(base, new, rtol):
    with open(base) as f:
        rb = list(csv.DictReader(f))
    with open(new) as f:
        rn = list(csv.DictReader(f))
    if len(rb) != len(rn):
        return [f"{len(rb)} vs {len(rn)} rows"], 0.0
    problems, worst = [], 0.0
    roundoff = [0]
    exact = ["cell", "iter", "samples", "rounds", "metric", "n", "min", "max"]
    for i, (a, b) in enumerate(zip(rb, rn)):
        for k in a:
            if k in ("mean", "sd", "se", "vtime"):
                x, y = num(a[k]), num(b[k])
                # sd/se: the two-pass result on constant data is round-off (~1e-16 of the mean), Welford's 0.
                scale = abs(num(a["mean"])) if k in ("sd", "se") and a["mean"] not in ("inf", "nan", "-inf") else 0.0
                atol = 1e-11 * scale
                if not close(x, y, rtol, atol):
                    problems.append(f"row {i + 2} {k}: {a[k]} vs {b[k]}")
                elif x != y and math.isfinite(x) and x != 0 and abs(x) > atol:
                    worst = max(worst, abs(x - y) / abs(x))
                elif x != y and abs(x) <= atol:
                    roundoff[0] += 1
            elif k in exact or k.startswith("runner.") or k.startswith("problem."):
                if a[k] != b[k]:
                    problems.append(f"row {i + 2} {k}: {a[k]} vs {b[k]}")
    return problems, worst, roundoff[0]


def verdicts(path):
    with open(path) as f:
        j = json.load(f)
    return [(c.get("check"), c.get("subject"), c.get("passed")) for c in j]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("new")
    ap.add_argument("names", nargs="*")
    ap.add_argument("--rtol", type=float, default=1e-12)
    a = ap.parse_args()
    names = a.names or sorted(d for d in os.listdir(a.base) if os.path.isdir(os.path.join(a.base, d)))
    bad = 0
    for n in names:
        b, m = os.path.join(a.base, n), os.path.join(a.new, n)
        if not os.path.exists(os.path.join(m, "summary.csv")):
            print(f"{n}: MISSING in {a.new}")
            bad += 1
            continue
        probs, worst, roundoff = compare_summary(os.path.join(b, "summary.csv"), os.path.join(m, "summary.csv"), a.rtol)
        vb, vn = verdicts(os.path.join(b, "checks.json")), verdicts(os.path.join(m, "checks.json"))
        same_v = vb == vn
        status = "ok" if not probs and same_v else "DIFF"
        bad += status != "ok"
        print(f"{n}: {status} — summary rows equal within rtol {a.rtol} "
              f"(largest relative difference of mean/sd/se/vtime {worst:.2g}; {roundoff} sd/se of round-off size "
              f"(<= 1e-11·|mean|, constant data) now differ, e.g. 0); "
              f"checks {sum(1 for v in vn if v[2])}/{len(vn)} passed, verdicts {'identical' if same_v else 'DIFFER'}")
        for p in probs[:5]:
            print("    " + p)
        if not same_v:
            for x, y in zip(vb, vn):
                if x != y:
                    print(f"    {x} vs {y}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
