#!/usr/bin/env bash
# One SGD step, C++ (bench/sgd_step_bench, Google Benchmark) vs a plain NumPy loop
# (scripts/numpy_sgd_reference.py), plus this machine's STREAM-triad bandwidth. Prints a table:
# d, storage, b, C++ ns/step, NumPy ns/step, ratio, C++ effective GB/s vs triad GB/s.
#
# Usage: scripts/bench-compare.sh [--no-build] [--quick] [--out-dir DIR]
# Environment: REPS (default 5), MIN_TIME (C++ seconds per repetition, default 0.1),
#   NP_MIN_TIME (NumPy seconds per window, default 0.2), TIME=cpu|real (default cpu: CPU time of the
#   benchmark process, robust on a shared machine), PYTHON (an interpreter with numpy).
# Outputs in DIR (default build-bench/bench-compare): cpp.json, numpy.json, table.md, machine.txt.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build=1
quick=0
out_dir="$root/build-bench/bench-compare"
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --quick) quick=1 ;;
    --out-dir) out_dir="$2"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "bench-compare: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
reps="${REPS:-5}"
min_time="${MIN_TIME:-0.1}"
np_min_time="${NP_MIN_TIME:-0.2}"
time_kind="${TIME:-cpu}"
case "$time_kind" in cpu|real) ;; *) echo "bench-compare: TIME must be cpu or real" >&2; exit 2 ;; esac

# An interpreter that has numpy (the Debian python3-numpy lives in /usr/bin/python3; a pyenv shim may not).
py=""
for cand in "${PYTHON:-}" /usr/bin/python3 python3; do
  [ -n "$cand" ] || continue
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import numpy' >/dev/null 2>&1; then py="$cand"; break; fi
done
if [ -z "$py" ]; then
  echo "bench-compare: no python3 with numpy found (install python3-numpy: scripts/install-deps.sh)" >&2
  exit 1
fi

if [ "$build" -eq 1 ]; then
  gen=(-G Ninja)
  # Re-configuring an existing build dir with another generator fails; keep whatever it has.
  if [ -f build-bench/CMakeCache.txt ]; then gen=(); fi
  cmake --preset bench "${gen[@]}"
  # Only the benchmark and what it links: an unrelated target that does not build must not stop the run.
  cmake --build --preset bench --target sgd_step_bench
fi
bin="$root/build-bench/bench/sgd_step_bench"
[ -x "$bin" ] || { echo "bench-compare: $bin not built (run without --no-build)" >&2; exit 1; }

mkdir -p "$out_dir"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out_dir/machine.txt"

filter='.*'
np_args=()
if [ "$quick" -eq 1 ]; then
  filter='(Stream|/d:(10|100|1000)/)'
  np_args=(--quick)
fi

echo "== C++: $bin (repetitions $reps, min_time $min_time s)"
"$bin" --benchmark_filter="$filter" \
  --benchmark_repetitions="$reps" --benchmark_min_time="$min_time" \
  --benchmark_display_aggregates_only=true \
  --benchmark_out="$out_dir/cpp.json" --benchmark_out_format=json

echo "== NumPy: $py scripts/numpy_sgd_reference.py (repetitions $reps, window $np_min_time s)"
"$py" scripts/numpy_sgd_reference.py --out "$out_dir/numpy.json" --repetitions "$reps" \
  --min-time "$np_min_time" "${np_args[@]}"

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out_dir/machine.txt"

"$py" - "$out_dir" "$time_kind" <<'PY'
import json, sys, os

out_dir, kind = sys.argv[1], sys.argv[2]
cpp = json.load(open(os.path.join(out_dir, "cpp.json")))
npy = json.load(open(os.path.join(out_dir, "numpy.json")))
field = "cpu_time" if kind == "cpu" else "real_time"
to_ns = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# Median aggregate per benchmark (falls back to the single run when there is no repetition).
med = {}
for b in cpp["benchmarks"]:
    name = b.get("run_name", b["name"])
    if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
        continue
    if b.get("run_type") == "aggregate" or name not in med:
        med[name] = b

def ns(b):
    return b[field] * to_ns[b.get("time_unit", "ns")]

def gbs(b, key):
    return b[key] / ns(b)  # bytes per ns = GB/s

triad = next((v for k, v in med.items() if k.startswith("BM_StreamTriad")), None)
read = next((v for k, v in med.items() if k.startswith("BM_StreamRead")), None)
triad_gbs = 24 * triad["array_MB"] * 1e6 / 8 / ns(triad) if triad else float("nan")
read_gbs = 8 * read["array_MB"] * 1e6 / 8 / ns(read) if read else float("nan")

def find(prefix, pct, d, b):
    return med.get(f"{prefix}/pct:{pct}/d:{d}/b:{b}")

def storage(pct):
    return "dense" if pct >= 100 else f"sparse {pct}%"

np_rows = {(r["pct"], r["d"], r["b"], r.get("in_cache", False)): r for r in npy["results"]}
np_key = "cpu_ns_median" if kind == "cpu" else "wall_ns_median"
keys = sorted(np_rows, key=lambda k: (k[3], k[2], -k[0], k[1]))
lines = []
hdr = ("| b | storage | d | nnz/row | n | C++ ns/step | C++ registry | C++ kernel | NumPy ns/step | NumPy pre-drawn "
       "| ratio NumPy/C++ | C++ eff. GB/s | triad GB/s | C++ / bound |")
lines.append(hdr)
lines.append("|" + "|".join(["---"] * (hdr.count("|") - 1)) + "|")
for (pct, d, b, in_cache) in keys:
    lib = find("BM_StepInCache" if in_cache else "BM_StepLibrary", pct, d, b)
    if lib is None:
        continue
    reg = None if in_cache else find("BM_StepRegistry", pct, d, b)
    ker = None if in_cache else find("BM_StepKernel", pct, d, b)
    r = np_rows[(pct, d, b, in_cache)]
    c_ns = ns(lib)
    n_ns = r["per_step"][np_key]
    eff = gbs(lib, "bytes_per_step")
    bound_ns = lib["bytes_per_step"] / triad_gbs  # all bytes the step touches at triad bandwidth
    lines.append(f"| {b} | {storage(pct)}{' (in cache)' if in_cache else ''} | {d} | {int(lib['nnz_row'])} | {int(lib['n'])} | {c_ns:,.0f} | "
                 + (f"{ns(reg):,.0f}" if reg else "–") + " | "
                 + (f"{ns(ker):,.0f}" if ker else "–") + " | "
                 + f"{n_ns:,.0f} | {r['predrawn'][np_key]:,.0f} | {n_ns / c_ns:,.1f}× | {eff:.1f} | {triad_gbs:.1f} | "
                 + f"{c_ns / bound_ns:.2f} |")
summary = (f"time = {field} (C++) / {'process CPU' if kind == 'cpu' else 'wall'} time (NumPy), medians of "
           f"{npy['repetitions']} repetitions; STREAM triad {triad_gbs:.1f} GB/s, read-only {read_gbs:.1f} GB/s "
           f"(single thread); bound = bytes_per_step / triad bandwidth")
text = "\n".join(lines) + "\n\n" + summary + "\n"
open(os.path.join(out_dir, "table.md"), "w").write(text)
print()
print(text)
PY
echo "bench-compare: results in $out_dir (cpp.json, numpy.json, table.md, machine.txt)"
