#!/usr/bin/env bash
# Log template mining: grouping accuracy (GA) of IncidentHub's LogMiner on the 16 Loghub-2k samples
# (defaults, and with the Loghub benchmark's per-dataset regexes), then throughput in lines per
# CPU-second and cluster counts on 1M-line inputs made in memory by repeating a sample.
# The data is read in place and never copied into the repository.
#
#   scripts/bench/logmine.sh [LOGHUB_2K_DIR]     # default: $LOGHUB_2K_DIR or ../shared/datasets/loghub-2k
#   LINES=1000000 SPEED=HDFS,BGL scripts/bench/logmine.sh      # SPEED=all for every dataset, none to skip
#
# Results also go to test-output/bench/logmine.txt.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(ih_root)
DATA=${1:-${LOGHUB_2K_DIR:-$ROOT/../shared/datasets/loghub-2k}}
LINES=${LINES:-1000000}
SPEED=${SPEED:-HDFS,BGL}
[[ -d "$DATA" ]] || ih_die "no Loghub-2k directory at $DATA (pass it as the first argument or set LOGHUB_2K_DIR)"

ensure_dotnet
OUT="$ROOT/test-output/bench"
mkdir -p "$OUT"
dotnet build "$ROOT/tests/IncidentHub.Benchmarks" -c Release -v q -nologo >/dev/null
dotnet "$ROOT/tests/IncidentHub.Benchmarks/bin/Release/net10.0/IncidentHub.Benchmarks.dll" logmine \
  --data "$DATA" --lines "$LINES" --speed "$SPEED" | tee "$OUT/logmine.txt"
