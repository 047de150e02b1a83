#!/usr/bin/env bash
# Command one: install what is missing, build in Release, and run hookd with its data in
# ./data on 127.0.0.1:8080. Extra arguments go to `hookd serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh release
exec build/release/cli/hookd serve --data "${HOOKD_DATA:-./data}" \
  --listen "${HOOKD_LISTEN:-127.0.0.1:8080}" "$@"
