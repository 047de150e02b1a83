#!/usr/bin/env bash
# Command two: install what is missing, build with warnings as errors, and run the whole test
# suite (unit, integration and crash tests; servers are started by the tests themselves).
# Set HOOKD_TEST_LABEL_EXCLUDE=crash to skip the slow crash tests locally.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# The fuzz targets, built with clang and run for a bounded time each (HOOKD_FUZZ_SECONDS, 30 by
# default; 0 skips them). The seed corpora also run in the main suite below, with any compiler.
fuzz_seconds="${HOOKD_FUZZ_SECONDS:-30}"
if [ "$fuzz_seconds" != 0 ]; then
  CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHOOKD_FUZZ=ON -DHOOKD_BUILD_TESTS=OFF -DHOOKD_BUILD_BENCH=OFF \
    -DHOOKD_FUZZ_SECONDS="$fuzz_seconds"
  cmake --build build/fuzz -j "${HOOKD_JOBS:-2}" --target event_fuzzer webhook_fuzzer address_fuzzer template_fuzzer sources_fuzzer
  (cd build/fuzz && ctest --output-on-failure -L fuzz)
fi
cd build/test
args=(--output-on-failure --timeout 900 -j "${HOOKD_JOBS:-2}")
if [ -n "${HOOKD_TEST_LABEL_EXCLUDE:-}" ]; then
  args+=(-LE "$HOOKD_TEST_LABEL_EXCLUDE")
fi
ctest "${args[@]}"
