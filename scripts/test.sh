#!/usr/bin/env bash
# Command two: install what is missing, build with warnings as errors, and run the whole test
# suite (unit, integration and crash tests; servers are started by the tests themselves).
# Set HOOKD_TEST_LABEL_EXCLUDE=crash to skip the slow crash tests locally.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
cd build/test
args=(--output-on-failure --timeout 900 -j "${HOOKD_JOBS:-2}")
if [ -n "${HOOKD_TEST_LABEL_EXCLUDE:-}" ]; then
  args+=(-LE "$HOOKD_TEST_LABEL_EXCLUDE")
fi
ctest "${args[@]}"
