#!/usr/bin/env bash
# Reports benchmark: every analytics query and the history queries over COUNT generated incidents
# (default 100,000 over 24 months, written by `IncidentHub.Web seed-history`), then a typical
# post-mortem rendered (Razor HtmlRenderer) and printed to PDF by one warm headless Chromium.
# Targets: each analytics query < 200 ms; a post-mortem PDF < 1.5 s with a warm browser.
#
#   scripts/bench/reports.sh           # COUNT=100000 REPEATS=20 RENDERS=20; results also in test-output/bench/reports.txt
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(ih_root)
COUNT=${COUNT:-100000}
MONTHS=${MONTHS:-24}
REPEATS=${REPEATS:-20}
RENDERS=${RENDERS:-20}
OUT="$ROOT/test-output/bench"
mkdir -p "$OUT"
REPORT="$OUT/reports.txt"

ensure_apt postgresql chromium fonts-dejavu-core || ih_die "could not install the benchmark's packages"
ensure_dotnet

TMP=$(mktemp -d -t incidenthub-bench.XXXXXX)
chmod 755 "$TMP"
cleanup() {
  "$ROOT/scripts/pg.sh" stop "$TMP/pg" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

PG=$(PG_EXTRA_OPTS="-c shared_buffers=256MB" "$ROOT/scripts/pg.sh" start "$TMP/pg")
PG_DB="${PG/Database=postgres/Database=incidenthub}"

cd "$ROOT"
ih_log "building (Release)"
dotnet build src/IncidentHub.Web -c Release -nologo -v q >/dev/null
dotnet build tests/IncidentHub.Benchmarks -c Release -nologo -v q >/dev/null

WEB="$ROOT/src/IncidentHub.Web/bin/Release/net10.0/IncidentHub.Web.dll"
export ConnectionStrings__Postgres="$PG_DB"
export Seed__CatalogPath="$ROOT/seed-data/services.yaml"
export Seed__Admin__Email=bench@incidenthub.local Seed__Admin__Password='Bench!pass-123456'
ih_log "migrating"
(cd "$(dirname "$WEB")" && dotnet "$WEB" migrate >"$TMP/migrate.log" 2>&1) || { cat "$TMP/migrate.log" >&2; ih_die "migrate failed"; }
ih_log "generating $COUNT incidents over $MONTHS months"
start=$(date +%s.%N)
(cd "$(dirname "$WEB")" && dotnet "$WEB" seed-history --count "$COUNT" --months "$MONTHS" >"$TMP/seed.log" 2>&1) || { cat "$TMP/seed.log" >&2; ih_die "seed-history failed"; }
seeded=$(echo "$(date +%s.%N) - $start" | bc)

{
  echo "# scripts/bench/reports.sh on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); COUNT=$COUNT MONTHS=$MONTHS"
  echo "seed-history: ${seeded%.*} s for $COUNT incidents"
  dotnet "$ROOT/tests/IncidentHub.Benchmarks/bin/Release/net10.0/IncidentHub.Benchmarks.dll" reports --pg "$PG_DB" \
    --repeats "$REPEATS" --renders "$RENDERS" --chromium "${CHROMIUM_PATH:-/usr/bin/chromium}"
} | tee "$REPORT"
