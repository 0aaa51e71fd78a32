#!/usr/bin/python3
"""docs/results-format.md documents every file, column, metric, constant and JSON field sgdcheck writes.

Runs experiments that together write every kind of file (figures, tune: → tuned.csv, local SGD →
spread, delays, a data-file problem) and checks what they wrote against the documentation: each file
must match a row of the file table; each CSV column (other than `cell` and the sweep keys) and each
JSON field must appear in backticks in its file's row; cells.csv option columns must be keys of
docs/reference.md; every metric and constant must be in the Metrics / Constants tables.
Usage: test_results_format.py SGDCHECK_EXE SOURCE_DIR
"""
import csv
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import experiment, run, expect, fail, tempdir  # noqa: E402


def backticked(text):
    """Words in backticks; lists such as `a,b,c` or `{a, b, c?}` count word by word."""
    out = set()
    for t in re.findall(r"`([^`]+)`", text):
        out.add(t)
        out |= set(re.split(r"[^A-Za-z0-9_.]+", t))
    return out


def table_rows(doc, heading_first_cell):
    """{first cell without backticks: whole row} of the Markdown table whose header starts with it."""
    rows, inside = {}, False
    for line in doc.splitlines():
        if line.startswith("| " + heading_first_cell + " |"):
            inside = True
            continue
        if inside:
            if not line.startswith("|"):
                break
            if line.startswith("|---"):
                continue
            first = line.split("|")[1].strip()
            rows[first.strip("`")] = line
    return rows


def file_pattern(name):
    """`plots/NAME.{png,svg,pdf}` → a regex for the paths it documents."""
    rx = re.escape(name).replace("NAME", "[A-Za-z0-9_.-]+")
    rx = re.sub(r"\\\{([^}]*)\\\}", lambda m: "(" + m.group(1).replace(",", "|") + ")", rx)
    return re.compile("^" + rx + "$")


def main():
    exe, src = sys.argv[1], sys.argv[2]
    doc = open(os.path.join(src, "docs", "results-format.md"), encoding="utf-8").read()
    reference = open(os.path.join(src, "docs", "reference.md"), encoding="utf-8").read()
    option_keys = set(re.findall(r"^\| `([^`]+)` \|", reference, re.M))
    files = table_rows(doc, "file")
    metrics = table_rows(doc, "metric")
    constants = table_rows(doc, "constant")
    expect(len(files) > 10 and metrics and constants, "the file, metric and constant tables are found")
    patterns = [(file_pattern(n), n) for n in files]

    with tempdir() as tmp:
        out = os.path.join(tmp, "out")
        data = os.path.join(tmp, "d.csv")
        with open(data, "w") as f:
            f.write("a,b,c,label\n")
            for i in range(30):
                a, b, c = (i % 7) - 3, ((i * 5) % 11) - 5, ((i * 3) % 4) - 1.5
                f.write(f"{a},{b},{c},{a + 2 * b - c + 0.01 * (i % 3)}\n")
        own = os.path.join(tmp, "fmt_probe.yaml")
        open(own, "w").write(experiment("fmt_probe", 20, 0.25, [
            "matches_exact: {oracle: oracle.minibatch_lsq.dist2, k: 4}",
            "slope: {metric: dist2, expected: -1, tolerance: 10, bootstrap: 20}"],
            ["{name: dist2_vs_iter, x: iter, y: dist2, scale: loglog}"]))
        datafile = os.path.join(tmp, "fmt_data.yaml")
        open(datafile, "w").write(
            "name: fmt_data\nseed: 3\nseeds: 8\n"
            "problem: {family: least_squares, data: {file: d.csv, format: csv}}\n"
            "runner: {kind: minibatch_sgd, iterations: 100, batch: 2, running_metrics: true,\n"
            "         step: {rule: critical, scale: 0.25, m: grad}}\n"
            "bounds: [sgd.strongly_convex.dist2]\n"
            # from iter 20: at t = 1 the bound is r0 minus O(gamma) and 8 seeds cannot confirm mean + 3 SE
            # below it (it passed or failed with the draws); from iter 20 the margin is > 10 SE
            "checks:\n  - bound_holds: {bound: sgd.strongly_convex.dist2, from_iter: 20}\n")
        runs = [[own, "--format", "png"], [datafile, "--no-plots", "--traces"],
                [os.path.join(src, "experiments", "stich_e3_delay_iso.yaml"), "--quick", "--no-plots"],
                [os.path.join(src, "experiments", "patel_e2_identities.yaml"), "--quick", "--format", "png"]]
        for r in runs:
            rc, so, se = run([exe, "run"] + r + ["--jobs", "2", "--out", out], timeout=600)
            expect(rc == 0, f"{r[0]} ran (exit {rc}): {se[-400:]}")

        seen_metrics, seen_constants, checked = set(), set(), 0
        for name in sorted(os.listdir(out)):
            d = os.path.join(out, name)
            if name.startswith(".") or not os.path.isdir(d):
                continue
            manifest = json.load(open(os.path.join(d, "manifest.json")))
            sweep = set(manifest["sweep_keys"])
            for root, _, fnames in os.walk(d):
                for fn in fnames:
                    rel = os.path.relpath(os.path.join(root, fn), d)
                    row = next((files[n] for p, n in patterns if p.match(rel)), None)
                    expect(row is not None, f"{name}/{rel} is a documented file")
                    tokens = backticked(row)
                    if rel.endswith(".csv"):
                        with open(os.path.join(root, fn), newline="") as f:
                            reader = csv.reader(f)
                            header = next(reader)
                            body = list(reader)
                        for col in header:
                            if col == "cell" or col in sweep:
                                continue
                            if rel == "cells.csv" and col.split(".", 1)[0] in ("problem", "runner") \
                                    and col not in ("problem.family", "runner.kind"):
                                key = col.split(".", 1)[1]
                                expect(key in option_keys, f"cells.csv column {col}: `{key}` in docs/reference.md")
                            else:
                                expect(col in tokens, f"{name}/{rel}: column `{col}` documented")
                            checked += 1
                        if rel in ("summary.csv", "results.csv"):
                            seen_metrics |= {r[header.index("metric")] for r in body}
                        if rel == "constants.csv":
                            seen_constants |= {r[header.index("constant")] for r in body}
                        if rel == "runs.csv":
                            for r in body:
                                t = r[header.index("termination")]
                                expect(t in tokens, f"termination `{t}` documented")
                    if rel == "manifest.json":
                        for k in manifest:
                            expect(k in tokens, f"manifest.json field `{k}` documented")
                        for c in manifest["resolved_cells"]:
                            for k in c:
                                expect(k in tokens, f"manifest.json resolved_cells field `{k}` documented")
                        for f in manifest["data_files"]:
                            for k in f:
                                expect(k in tokens, f"manifest.json data_files field `{k}` documented")
                        checked += 1
                    if rel == "checks.json":
                        cj = json.load(open(os.path.join(root, fn)))
                        fields = set(cj) | set(cj["summary"])
                        for b in cj["bounds"]:
                            fields |= set(b)
                        for c in cj["checks"]:
                            fields |= set(c)
                            for cell in c.get("cells", []):
                                fields |= set(cell)
                        for k in fields:
                            expect(k in tokens, f"{name}/checks.json field `{k}` documented")
                        checked += 1
        for m in seen_metrics:
            expect(m in metrics, f"metric `{m}` documented in the Metrics table")
        for c in seen_constants:
            expect(c in constants, f"constant `{c}` documented in the Constants table")
        expect("spread" in seen_metrics and "delay_max" in seen_metrics and "avg_subopt" in seen_metrics,
               f"the experiments cover local SGD, delays and running metrics: {sorted(seen_metrics)}")
        expect(os.path.isfile(os.path.join(out, "stich_e3_delay_iso", "tuned.csv")), "tuned.csv was written")
    print(f"results-format: ok ({checked} columns and JSON files checked)")


if __name__ == "__main__":
    main()
