#!/usr/bin/env bash
# Generate the evaluation corpus and score a running IncidentHub on it.
#
#   scripts/eval/corpus.sh [dev|test|all] [ih eval options, e.g. --timeout 240]
#
# 1. python3 scripts/eval/corpus/generate.py test-output/corpus/<split> --split <split>
#    (deterministic; test-output/ is git-ignored; the bundles are data, never committed)
# 2. python3 scripts/eval/corpus/check.py on it (structure only; prints counts)
# 3. dotnet run --project src/IncidentHub.Cli -c Release -- eval test-output/corpus/<split> [options]
#    imports every bundle into the hub and compares each diagnosis with its truth.json; prints the table.
#
# The hub must be running: start one with `scripts/run.sh` (http://127.0.0.1:5080, IH_PORT to change) and stop it
# with `scripts/run.sh stop`. IH_URL defaults to http://127.0.0.1:${IH_PORT:-5080}; IH_TOKEN defaults to
# ADMIN_API_TOKEN from .data/secrets.env (written by scripts/run.sh).
#
# Splits: kinds are split by scripts/eval/corpus/split.json into dev (tune the engine on these) and test (whole
# incident kinds held out: engine developers must not read kinds/test/ nor the test bundles or their per-bundle
# results; run `test` only to measure, and share only the aggregate hit rates).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ROOT=$(ih_root)
SPLIT=${1:-dev}
case "$SPLIT" in dev|test|all) shift || true ;; -*) SPLIT=dev ;; *) ih_die "split must be dev, test or all (got '$SPLIT')" ;; esac

OUT="$ROOT/test-output/corpus/$SPLIT"
rm -rf "$OUT"
ih_log "generating the $SPLIT corpus into $OUT"
python3 "$ROOT/scripts/eval/corpus/generate.py" "$OUT" --split "$SPLIT" >&2
if [[ "$SPLIT" == all ]]; then min=60; else min=1; fi
python3 "$ROOT/scripts/eval/corpus/check.py" "$OUT" --min-bundles "$min" >&2 || ih_die "the generated corpus failed its self-check"

if [[ -z "${IH_TOKEN:-}" && -f "$ROOT/.data/secrets.env" ]]; then
  IH_TOKEN=$(sed -n 's/^ADMIN_API_TOKEN=//p' "$ROOT/.data/secrets.env" | tr -d "'\"")
fi
export IH_URL=${IH_URL:-http://127.0.0.1:${IH_PORT:-5080}}
export IH_TOKEN=${IH_TOKEN:-}
[[ -n "$IH_TOKEN" ]] || ih_die "no API token: set IH_TOKEN or start the hub once with scripts/run.sh (writes .data/secrets.env)"
ih_log "evaluating against $IH_URL"
exec dotnet run --project "$ROOT/src/IncidentHub.Cli" -c Release -- eval "$OUT" "$@"
