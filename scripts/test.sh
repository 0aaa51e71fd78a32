#!/usr/bin/env bash
# Builds sgdcheck and runs the whole test suite. What CI runs (.ci/run). Stages:
#   1. Debian packages (scripts/install-deps.sh)
#   2. Release build, warnings are errors (preset ci) + every test: unit tests of every area and the
#      quick form of every experiment file (each fails when one of its checks fails)
#   3. ASan + UBSan build, clang-14, every report fatal (preset asan) + the same tests under it
#   4. libFuzzer targets (built in the asan tree): a short smoke run of each on its seed corpus
#   ./scripts/test.sh            # from a fresh clone on Debian 12; installs packages if missing
# Environment:
#   JOBS                   parallel jobs (default: number of cores)
#   PRESET                 preset of stage 2 (default: ci)
#   SGDCHECK_QUICK_TEST=1  stage 2 only (fast local mode: no sanitizer build, no fuzzing)
#   ASAN_TESTS             ctest -R regex for stage 3 (default: every test ...)
#   ASAN_EXCLUDE           ctest -E regex for stage 3 (default: every experiment except those in
#                          asan_experiments below, and the unit tests in asan_slow_tests below. Under
#                          ASan + UBSan a test runs 5-20x longer; these run in stage 2 only. '' runs all)
#   FUZZ_SECONDS           seconds per fuzz target in stage 4 (default: 20)
# Exits non-zero on the first failing stage; the last lines are ctest's summary lines.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
jobs="${JOBS:-$(nproc)}"
preset="${PRESET:-ci}"
quick="${SGDCHECK_QUICK_TEST:-0}"
fuzz_seconds="${FUZZ_SECONDS:-20}"
# Stage 3 runs the quick form of these experiments only: one or two per runner family and paper, each
# under 25 s with ASan + UBSan on 2 cores (quickstart 12 s, patel_e1 25 s; most under 5 s). Every
# other experiment (a new one too) runs in stage 2 only, so CI time does not grow with the gallery.
asan_experiments=(quickstart stich_e3_delay_iso stich_e7_convex_nonconvex patel_e1_lsq_oracle_vs_mc
                  foundation_convex_logistic dutta2018_e2_error_vs_time_sc dutta2018_e2b_ksync_oracle
                  dutta2018_e4_adasync lau2024_e1b_cosine lau2024_e4c_p_sweep regatti2019_e1_coupling
                  regatti2019_e5_sc_delay)
# Unit tests whose work is statistics or large eigenproblems, not input handling: 30-130 s each under
# ASan + UBSan (Monte Carlo validations of the general bounds, iterative vs dense constants, mpirun
# start-up, three experiments run and re-checked, four experiments read for their columns).
asan_slow_tests='^bounds:(D1, D2 and D3|L1, L2 and L3) hold in Monte Carlo|^problems:(iterative constants agree with the dense|the iterative constants are bit-identical)|^cluster: mpirun|^cli:run and check DIR give identical|^formats: every column'
# A renamed or deleted experiment must not drop out of the ASan stage unnoticed.
for e in "${asan_experiments[@]}"; do
  if [ ! -f "experiments/$e.yaml" ]; then
    echo "scripts/test.sh: asan_experiments names $e, but experiments/$e.yaml does not exist" >&2
    exit 2
  fi
done
asan_other_experiments=()
for f in experiments/*.yaml; do
  e="$(basename "$f" .yaml)"
  [[ " ${asan_experiments[*]} " == *" $e "* ]] || asan_other_experiments+=("$e")
done
asan_exclude_default="$asan_slow_tests"
if [ ${#asan_other_experiments[@]} -gt 0 ]; then
  asan_exclude_default+="|^experiment: ($(IFS='|'; echo "${asan_other_experiments[*]}"))\$"
fi
asan_exclude="${ASAN_EXCLUDE-$asan_exclude_default}"
logdir="$(mktemp -d "${TMPDIR:-/tmp}/sgdcheck-test.XXXXXX")"
summaries=()

stage() { echo; echo "==== test.sh: $* ($(date -u +%H:%M:%S))"; }
# Runs ctest, keeps its summary line for the end of the output.
run_ctest() {
  local name="$1"; shift
  local status=0
  ctest "$@" 2>&1 | tee "$logdir/$name.log" || status=$?
  summaries+=("ctest $name:" "$(grep -E 'tests passed|tests failed' "$logdir/$name.log" | tail -1)")
  if [ "$status" -ne 0 ]; then
    stage "FAILED: $name (ctest exit $status)"
    printf '%s\n' "${summaries[@]}"
    exit "$status"
  fi
}

stage "1/4 dependencies"
./scripts/install-deps.sh

stage "2/4 release build (preset $preset, warnings are errors)"
cmake --preset "$preset" -G Ninja
cmake --build --preset "$preset" -j "$jobs"
stage "2/4 release tests"
run_ctest release --preset "$preset" -j "$jobs"

if [ "$quick" = 1 ]; then
  stage "SGDCHECK_QUICK_TEST=1: skipping 3/4 sanitizers and 4/4 fuzzing"
else
  stage "3/4 ASan + UBSan build (preset asan, clang-14)"
  cmake --preset asan -G Ninja
  cmake --build --preset asan -j "$jobs"
  if [ -z "${ASAN_EXCLUDE+set}" ]; then
    what="unit tests but the slow ones, ${#asan_experiments[@]} of the $(ls experiments/*.yaml | wc -l) experiments"
  else
    what="${asan_exclude:+all except $asan_exclude}"
  fi
  stage "3/4 ASan + UBSan tests${ASAN_TESTS:+ matching $ASAN_TESTS}${what:+: $what}"
  run_ctest asan --preset asan -j "$jobs" ${ASAN_TESTS:+-R "$ASAN_TESTS"} ${asan_exclude:+-E "$asan_exclude"}

  stage "4/4 fuzz smoke runs (${fuzz_seconds} s per target)"
  for target in experiment plan libsvm csv delay_file expression; do
    work="$logdir/corpus-$target"
    mkdir -p "$work"
    dict=()
    [ -f "fuzz/dict/$target.dict" ] && dict=("-dict=$root/fuzz/dict/$target.dict")
    echo "fuzz_$target: ${fuzz_seconds} s"
    status=0
    (cd "$logdir" && TMPDIR="$logdir" "$root/build-asan/fuzz/fuzz_$target" "$work" "$root/fuzz/corpus/$target" \
        "${dict[@]}" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$logdir/fuzz-$target-") > "$logdir/fuzz-$target.log" 2>&1 || status=$?
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$logdir/fuzz-$target.log" | tr '\n' ' '
    echo
    if [ "$status" -ne 0 ]; then
      tail -n 60 "$logdir/fuzz-$target.log"
      stage "FAILED: fuzz_$target found a crash, hang or sanitizer report (exit $status); input: $logdir/fuzz-$target-*"
      printf '%s\n' "${summaries[@]}"
      exit 1
    fi
  done
  summaries=("fuzz: 6 targets x ${fuzz_seconds} s, no crash, hang or sanitizer report" "${summaries[@]}")
fi

stage "summary"
printf '%s\n' "${summaries[@]}"
