#!/usr/bin/env bash
# Build the solution and run every tests/*.Tests project against real local services.
#
#   scripts/test.sh [FILTER]     FILTER is passed to `dotnet test --filter` (e.g. "FullyQualifiedName~Triage")
#
# Starts, for the duration of the run: a throwaway PostgreSQL cluster and an SMTP server (aiosmtpd
# writing a Maildir). Exports for the tests:
#   INCIDENTHUB_TEST_PG          Npgsql connection string (superuser postgres, database postgres)
#   INCIDENTHUB_TEST_SMTP_PORT   SMTP port on 127.0.0.1 (no TLS, no auth)
#   INCIDENTHUB_TEST_MAILDIR     Maildir the SMTP server writes to (one file per message in new/)
#   ALERTMANAGER_BIN PROMETHEUS_BIN CHROMIUM_PATH   paths of the Debian binaries
# Results: test-output/results/<Project>.trx. The last line printed is "N passed, N failed[, N skipped]".
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOT=$(ih_root)
RESULTS="$ROOT/test-output/results"
FILTER=${1:-}
TMP=""
SMTP_PID=""

# Stop everything this script started; quiet so that the summary stays the last line.
cleanup() {
  if [[ -n "$SMTP_PID" ]]; then
    kill -TERM "$SMTP_PID" 2>/dev/null || true
    wait "$SMTP_PID" 2>/dev/null || true
    SMTP_PID=""
  fi
  if [[ -n "$TMP" ]]; then
    if [[ -d "$TMP/pg" ]]; then "$ROOT/scripts/pg.sh" stop "$TMP/pg" >/dev/null 2>&1 || true; fi
    rm -rf "$TMP"
    TMP=""
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# finish PASSED FAILED SKIPPED RC : clean up, print the summary as the very last line, exit.
finish() {
  cleanup
  local line="$1 passed, $2 failed"
  (($3 > 0)) && line+=", $3 skipped"
  printf '%s\n' "$line"
  exit "$4"
}

# --- tools and services ------------------------------------------------------

ensure_apt postgresql chromium prometheus prometheus-alertmanager python3-aiosmtpd poppler-utils fonts-dejavu-core \
  python3-pytest nodejs openjdk-17-jdk-headless ||
  ih_die "could not install the Debian packages the tests need"
ensure_dotnet

TMP=$(mktemp -d -t incidenthub-test.XXXXXX)
chmod 755 "$TMP" # the postgres user must traverse it when we run as root

# Throwaway PostgreSQL: durability off, room for many parallel test connections.
INCIDENTHUB_TEST_PG=$(PG_EXTRA_OPTS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  "$ROOT/scripts/pg.sh" start "$TMP/pg")
export INCIDENTHUB_TEST_PG

# SMTP server writing each message as a file in $INCIDENTHUB_TEST_MAILDIR/new/.
start_smtp() {
  local maildir="$TMP/maildir" port attempt
  mkdir -p "$maildir"/{new,cur,tmp}
  for attempt in 1 2 3; do
    port=$(free_port)
    /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$maildir" \
      >"$TMP/smtp.log" 2>&1 &
    SMTP_PID=$!
    if wait_for_port "$port" 15 "$SMTP_PID"; then
      export INCIDENTHUB_TEST_SMTP_PORT=$port INCIDENTHUB_TEST_MAILDIR=$maildir
      ih_log "SMTP server on 127.0.0.1:$port, Maildir $maildir"
      return 0
    fi
    ih_log "SMTP server attempt $attempt failed:"
    cat "$TMP/smtp.log" >&2 || true
    kill "$SMTP_PID" 2>/dev/null || true
    wait "$SMTP_PID" 2>/dev/null || true
    SMTP_PID=""
  done
  ih_die "could not start the SMTP server"
}
start_smtp

export ALERTMANAGER_BIN=/usr/bin/prometheus-alertmanager
export PROMETHEUS_BIN=/usr/bin/prometheus
export CHROMIUM_PATH=/usr/bin/chromium

# --- build -------------------------------------------------------------------

cd "$ROOT"
ih_log "dotnet build IncidentHub.sln -c Release -warnaserror"
if ! dotnet build IncidentHub.sln -c Release -warnaserror -nologo -nodeReuse:false; then
  ih_log "build failed"
  finish 0 1 0 1
fi

# --- tests -------------------------------------------------------------------

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
filter_args=()
[[ -n "$FILTER" ]] && filter_args=(--filter "$FILTER")

mapfile -t projects < <(find tests -mindepth 2 -maxdepth 2 -name '*.Tests.csproj' | sort)
((${#projects[@]} > 0)) || { ih_log "no tests/*.Tests projects found"; finish 0 1 0 1; }

status=0
broken=0 # projects that exited non-zero without a failed test in their trx
for proj in "${projects[@]}"; do
  name=$(basename "$proj" .csproj)
  ih_log "dotnet test $name"
  rc=0
  # The Web tests share one app whose tests post floods (fuzz, backpressure): with the production storm limit its
  # storm gate holds every other test's triage and investigation for up to 2 min at a time. Their storm limit is
  # far above what they send; the storm gate has unit tests, and the E2E storm-banner test keeps the real limit.
  storm=()
  [[ "$name" == IncidentHub.Web.Tests ]] && storm=(env IncidentHub__StormRequestsPerSecond=1000000)
  "${storm[@]}" dotnet test "$proj" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS" "${filter_args[@]}" || rc=$?
  if ((rc != 0)); then
    status=1
    read -r _ proj_failed _ < <(trx_sum "$RESULTS/$name.trx")
    if ((proj_failed == 0)); then
      # Non-zero exit without a failed test in the trx (no trx, crashed test host...): count it.
      ih_log "$name did not run to completion (exit $rc); counted as 1 failed"
      broken=$((broken + 1))
    else
      ih_log "$name: $proj_failed failed"
    fi
  fi
done

read -r passed failed skipped < <(trx_sum "$RESULTS"/*.trx)
failed=$((failed + broken))
((failed > 0)) && status=1
finish "$passed" "$failed" "$skipped" "$status"
