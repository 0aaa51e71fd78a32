#!/usr/bin/env bash
# One command from a fresh Debian 12 clone: install packages, build, run the default experiment
# (experiments/quickstart.yaml) and print where its plots and checks landed.
#   ./scripts/quickstart.sh [extra sgdcheck run options, e.g. --jobs 4]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset dev -G Ninja > /dev/null
cmake --build --preset dev -j "$(nproc)" --target sgdcheck sgdcheck_python
./build/cli/sgdcheck run experiments/quickstart.yaml --jobs "$(nproc)" --out results --force "$@"
