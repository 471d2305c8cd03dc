#!/usr/bin/env bash
# The main job: build, then check every claim of the two papers (attnlim verify: about 10 minutes on 2 CPU
# cores; larger n automatically where a GPU carries the work) into out/verify/report.html (self-contained),
# report.md and summary.json. Interrupted, the same command resumes from the claims already done.
# Arguments are passed to `attnlim verify` (see `build/attnlim verify --help`; --quick: about 2 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build/attnlim verify --out out/verify "$@"
