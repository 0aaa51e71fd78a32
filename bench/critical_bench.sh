#!/bin/sh
# `sgdcheck critical` on a large sparse least-squares file (issue #12): n = 1e5 rows, d = 1e4 features,
# 1 % density (1e7 nonzeros), iterative constants. Prints wall, CPU (user + sys) and peak RSS of
# `/usr/bin/time -v`, the load average before the run (a shared machine), and the constants with the
# work counter (passes over the rows, Lanczos steps, CG iterations).
#
#   bench/critical_bench.sh [SGDCHECK] [N] [D] [DENSITY] [JOBS]
#   bench/critical_bench.sh build/cli/sgdcheck 100000 10000 0.01 2
#
# The data file (about 250 MB of LIBSVM text) is written once by bench/make_sparse_lsq.py into
# ${TMPDIR:-/tmp} and reused.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exe=${1:-build/cli/sgdcheck}
n=${2:-100000}
d=${3:-10000}
density=${4:-0.01}
jobs=${5:-1}
data="${TMPDIR:-/tmp}/sgdcheck_critical_${n}_${d}_${density}.libsvm"
if [ ! -s "$data" ]; then
  /usr/bin/python3 "$here/make_sparse_lsq.py" --n "$n" --d "$d" --density "$density" --out "$data.tmp"
  mv "$data.tmp" "$data"
fi
out="${TMPDIR:-/tmp}/sgdcheck_critical_bench.json"
load=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/time -v "$exe" critical --data "$data" --method iterative --json --jobs "$jobs" >"$out" 2>"$out.time"
/usr/bin/python3 - "$out" "$out.time" "$jobs" "$load" <<'PY'
import json, re, sys
j = json.load(open(sys.argv[1]))
t = open(sys.argv[2]).read()
get = lambda key: re.search(re.escape(key) + r":\s*(\S+)", t).group(1)
wall = get("Elapsed (wall clock) time (h:mm:ss or m:ss)")
cpu = float(get("User time (seconds)")) + float(get("System time (seconds)"))
rss = int(get("Maximum resident set size (kbytes)")) / 1024
print(f"n = {j['n']}, d = {j['d']}, --jobs {sys.argv[3]}: wall {wall}, CPU {cpu:.1f} s, peak RSS {rss:.0f} MB "
      f"(load average before: {sys.argv[4]})")
for k in ("L", "mu", "sigma2", "M_grad", "M_curv"):
    print(f"  {k:7} = {j[k]:.10g}")
print("  " + j["constants_method"])
print("  " + j["constants_work"])
PY
