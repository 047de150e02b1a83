#!/usr/bin/env bash
# Installs hookd's build dependencies (Debian 12 packages) when they are missing, then
# configures and builds hookd in build/<preset>. Usage: scripts/setup.sh <release|test|bench>
set -euo pipefail
cd "$(dirname "$0")/.."

preset="${1:-release}"
packages=(g++ cmake ninja-build ccache pkg-config libssl-dev libcaf-dev librocksdb-dev
          libboost-dev libsimdjson-dev libspdlog-dev libcli11-dev catch2 libbenchmark-dev
          zlib1g-dev libjemalloc-dev)
if [ "$preset" = test ]; then
  # The libFuzzer targets (tests/fuzz) are built with clang.
  packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "hookd: installing missing packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "hookd: not root; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

case "$preset" in
  release) build_type=Release; extra=(-DHOOKD_BUILD_TESTS=OFF -DHOOKD_BUILD_BENCH=OFF) ;;
  test) build_type=RelWithDebInfo; extra=(-DHOOKD_WERROR="${HOOKD_WERROR:-ON}") ;;
  # Release build of hookd with the harness and micro-benchmarks: the figures to quote.
  bench) build_type=Release; extra=(-DHOOKD_BUILD_TESTS=OFF -DHOOKD_BUILD_BENCH=ON) ;;
  *) echo "usage: scripts/setup.sh <release|test|bench>" >&2; exit 2 ;;
esac

build_dir="build/$preset"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "${extra[@]}"
cmake --build "$build_dir" -j "${HOOKD_JOBS:-2}"
