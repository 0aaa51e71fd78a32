#!/usr/bin/env bash
# Installs every Debian 12 package sgdcheck needs to build, test, benchmark and plot.
# Idempotent: re-running it only re-checks the packages. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libeigen3-dev            # linear algebra
  libboost-dev             # Boost.Math (header-only): quadrature, distributions, special functions
  libyaml-cpp-dev          # experiment files
  libcli11-dev             # command line
  libfmt-dev               # formatting
  nlohmann-json3-dev       # manifest.json / checks.json
  catch2                   # Catch2 v2.13 test framework
  libbenchmark-dev         # Google Benchmark (bench/)
  gnuplot-nox              # plots (png via pngcairo, svg, pdf via pdfcairo)
  python3 python3-numpy    # NumPy reference loop for bench/ comparison
  clang-14 libclang-rt-14-dev libfuzzer-14-dev  # presets asan / fuzz: sanitizers and libFuzzer (fuzz/)
  libspectra-dev           # Lanczos eigensolvers (critical on large sparse data)
  libopenmpi-dev openmpi-bin  # mpirun sgdcheck run (optional at build time)
  pybind11-dev python3-dev # the Python module (build/python/sgdcheck)
  python3-scipy python3-pandas python3-pytest python3-lxml  # Python module tests, JUnit schema check
  python3-yaml             # scripts/gallery.py reads the experiment files
  python3-torch            # PyTorch reference loop for the bench/ comparison
  chromium                 # report.html screenshot test (headless)
)

if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=sudo
else
  sudo_cmd=
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -q
$sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
