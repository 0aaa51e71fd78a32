#!/usr/bin/env bash
# Builds sgdcheck and runs the whole test suite: unit tests of every area plus the quick form of
# every experiment file (each fails when one of its checks fails). What CI runs (.ci/run).
#   ./scripts/test.sh            # from a fresh clone on Debian 12; installs packages if missing
# Environment: JOBS (default: number of cores), PRESET (default: ci, warnings are errors).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${JOBS:-$(nproc)}"
preset="${PRESET:-ci}"

./scripts/install-deps.sh
cmake --preset "$preset" -G Ninja
cmake --build --preset "$preset" -j "$jobs"
ctest --preset "$preset" -j "$jobs"
