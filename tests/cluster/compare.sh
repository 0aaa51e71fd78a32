#!/usr/bin/env bash
# Cluster runs give the bytes of one process (issue 13).
#   compare.sh mpi   SGDCHECK MPIEXEC EXPERIMENT WORKDIR   mpirun -n 2 (1 and 2 threads per rank, --traces) vs one process;
#                                                          a failing rank exits 4 with one line naming it and the cell
#   compare.sh shard SGDCHECK EXPERIMENT WORKDIR           --shard 0/3, 1/3, 2/3 + merge vs one process;
#                                                          merging 2 of 3 shards is exit 2 with one line
# Exit 77 (ctest: skipped) when sgdcheck was built without MPI.
set -u
mode=$1
exe=$2
if [ "$mode" = mpi ]; then
  mpiexec=$3; exp=$4; work=$5
else
  exp=$3; work=$4
fi
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }
# The tables a run writes that must not depend on who ran what (timings.csv and manifest.json hold times).
tables="results.csv summary.csv bounds.csv checks.txt checks.json runs.csv constants.csv cells.csv run_scalars.csv scalar_summary.csv"
same_tables() {  # same_tables DIR_A DIR_B
  for t in $tables; do
    [ -f "$1/$t" ] || [ -f "$2/$t" ] || continue
    cmp -s "$1/$t" "$2/$t" || fail "$2/$t differs from $1/$t"
  done
  [ -f "$1/summary.csv" ] || fail "$1/summary.csv missing"
}
name=$(basename "$exp" .yaml)

"$exe" run "$exp" --quick --no-plots --out "$work/one" > "$work/one.log" 2>&1 || fail "single-process run failed: $(cat "$work/one.log")"

if [ "$mode" = mpi ]; then
  if [ -z "$mpiexec" ]; then
    echo "skipped: CMake found no MPI (install libopenmpi-dev openmpi-bin and reconfigure)"
    exit 77
  fi
  root=()
  [ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
  # Under ASan (scripts/test.sh stage 3) Open MPI's own allocations, never freed at MPI_Finalize, would
  # be reported as leaks; every other ASan and UBSan report stays fatal.
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
  mpi=("$mpiexec" -n 2 --oversubscribe "${root[@]}")
  for jobs in 1 2; do
    "${mpi[@]}" "$exe" run "$exp" --quick --no-plots --jobs $jobs --out "$work/mpi$jobs" > "$work/mpi$jobs.log" 2>&1 ||
      fail "mpirun -n 2 --jobs $jobs failed: $(cat "$work/mpi$jobs.log")"
    grep -q "on 2 ranks x $jobs thread(s)" "$work/mpi$jobs.log" || fail "rank 0 does not say it ran on 2 ranks: $(head -1 "$work/mpi$jobs.log")"
    same_tables "$work/one/$name" "$work/mpi$jobs/$name"
  done
  # Every metric of every run (--traces), reduced on rank 0 from blocks of both ranks.
  "$exe" run "$exp" --quick --no-plots --traces --jobs 2 --out "$work/one-traces" > /dev/null 2>&1 || fail "single --traces run failed"
  "${mpi[@]}" "$exe" run "$exp" --quick --no-plots --traces --out "$work/mpi-traces" > "$work/mpi-traces.log" 2>&1 ||
    fail "mpirun --traces failed: $(cat "$work/mpi-traces.log")"
  same_tables "$work/one-traces/$name" "$work/mpi-traces/$name"
  # The comparison can fail: another seed gives other tables.
  "${mpi[@]}" "$exe" run "$exp" --quick --no-plots --seed 77 --out "$work/mpi-seed" > /dev/null 2>&1 || fail "mpirun --seed failed"
  cmp -s "$work/one/$name/summary.csv" "$work/mpi-seed/$name/summary.csv" && fail "--seed 77 gave the same summary"
  # A rank that fails aborts the job: exit 4, one line naming the rank and the cell, nothing complete.
  SGDCHECK_TEST_MPI_FAIL=1:1 "${mpi[@]}" -x SGDCHECK_TEST_MPI_FAIL "$exe" run "$exp" --quick --no-plots --out "$work/mpi-fail" \
    > "$work/fail.out" 2> "$work/fail.err"
  rc=$?
  [ $rc = 4 ] || fail "a failing rank gave exit $rc, expected 4: $(cat "$work/fail.err")"
  [ "$(grep -c '^sgdcheck' "$work/fail.err")" = 1 ] || fail "expected one sgdcheck line: $(cat "$work/fail.err")"
  grep -q '^sgdcheck: internal error: rank 1 failed in cell 1 ' "$work/fail.err" || fail "the line does not name rank 1 and cell 1: $(cat "$work/fail.err")"
  [ -e "$work/mpi-fail/$name" ] && fail "a failed job left $work/mpi-fail/$name"
  echo "mpirun -n 2: tables identical to one process (1 and 2 threads per rank, --traces); a failing rank exits 4"
  exit 0
fi

# Shards: 3 separate processes (different --jobs), then merge.
for i in 0 1 2; do
  "$exe" run "$exp" --quick --shard $i/3 --jobs $((i % 2 + 1)) --out "$work/shards" > "$work/shard$i.log" 2>&1 ||
    fail "shard $i/3 failed: $(cat "$work/shard$i.log")"
done
[ -e "$work/shards/$name" ] && fail "a shard wrote results that look complete"
"$exe" merge "$work/shards/$name.shards" --no-plots --out "$work/merged" > "$work/merge.log" 2>&1 || fail "merge failed: $(cat "$work/merge.log")"
same_tables "$work/one/$name" "$work/merged/$name"
# Missing shard: one line, exit 2, nothing written.
mkdir -p "$work/two" && cp "$work/shards/$name.shards/shard-0-of-3.sgdshard" "$work/shards/$name.shards/shard-2-of-3.sgdshard" "$work/two/"
"$exe" merge "$work/two" --no-plots --out "$work/merged2" > /dev/null 2> "$work/missing.err"
rc=$?
[ $rc = 2 ] || fail "merging 2 of 3 shards gave exit $rc, expected 2"
[ "$(wc -l < "$work/missing.err")" = 1 ] || fail "expected one line: $(cat "$work/missing.err")"
grep -q "1 of 3 shards missing: 1" "$work/missing.err" || fail "the line does not name the missing shard: $(cat "$work/missing.err")"
[ -e "$work/merged2/$name" ] && fail "a refused merge wrote results"
echo "--shard i/3 + merge: tables identical to one process; a missing shard is exit 2 with one line"
