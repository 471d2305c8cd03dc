#!/usr/bin/env bash
# The main job: build, then verify the critical exponent 2/(d-1) for d = 3, 4, 5, 6 (about 10 minutes
# on 2 CPU cores; larger n automatically when a GPU is present), and draw the figures into out/verify.
# Arguments are passed to `attnlim verify` (see `build/attnlim verify --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build/attnlim verify --out out/verify "$@"
/usr/bin/python3 scripts/figures.py out/verify
