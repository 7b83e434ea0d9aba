#!/usr/bin/env bash
# Run IncidentHub locally from a fresh clone.
#
#   scripts/run.sh          install what is missing, start a private PostgreSQL (.data/pg),
#                           build, migrate + seed, start the app on http://127.0.0.1:5080
#                           (IH_PORT overrides the port). Ctrl-C stops the app only.
#   scripts/run.sh stop     stop the private PostgreSQL cluster, the demo Alertmanager, and an IncidentHub
#                           that `demo` started in the background
#   scripts/run.sh status   show whether the private PostgreSQL cluster runs
#   scripts/run.sh demo [NAME|all]
#                           load a generated six-month demo history (300 incidents marked "demo",
#                           POST /api/demo-data; once) and import the demo incident bundles
#                           seed-data/bundles/<NAME> (all by default) with `ih import`, as the admin (API
#                           token from .data/secrets.env); starts IncidentHub in the background first
#                           when it is not running. Also starts a local Prometheus Alertmanager
#                           (.data/alertmanager, 127.0.0.1:9093 or IH_ALERTMANAGER_PORT) that sends to
#                           IncidentHub's demo webhook and receives the silences IncidentHub makes
#
# Generated secrets (admin password, API token, webhook tokens, the PostgreSQL password) live in
# .data/secrets.env (mode 600); the app log is .data/incidenthub.log (mode 600, as is every file the app
# writes under .data). The banner shows the secrets only on a terminal, never in a log.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOT=$(ih_root)
DATA="$ROOT/.data"
PG_DIR="$DATA/pg"
SECRETS="$DATA/secrets.env"
LOG="$DATA/incidenthub.log"
IH_PORT=${IH_PORT:-5080}
BASE_URL="http://127.0.0.1:$IH_PORT"
BIN_DIR="$ROOT/src/IncidentHub.Web/bin/Release/net10.0"
DLL="$BIN_DIR/IncidentHub.Web.dll"
APP_PID=""

# --- secrets ----------------------------------------------------------------

# rand_chars SET N : N random characters from the tr(1) set SET.
rand_chars() {
  head -c 4096 /dev/urandom | LC_ALL=C tr -dc "$1" | cut -c "1-$2"
}

# 20 characters: upper + lower + digit + one symbol + 16 alphanumerics, shuffled.
# Meets ASP.NET Identity's default password rules; the symbols need no shell quoting.
gen_password() {
  local pw
  pw="$(rand_chars 'A-Z' 1)$(rand_chars 'a-z' 1)$(rand_chars '0-9' 1)$(rand_chars '@%+_.' 1)"
  pw+=$(rand_chars 'A-Za-z0-9' 16)
  fold -w1 <<<"$pw" | shuf | tr -d '\n'
}

# ih_ + 43 base64url characters (32 random bytes, unpadded).
gen_api_token() { printf 'ih_%s' "$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')"; }

# iht_ + 40 random alphanumerics.
gen_hook_token() { printf 'iht_%s' "$(rand_chars 'A-Za-z0-9' 40)"; }

# Create .data/secrets.env on the first run; add keys missing from an older file; load it.
load_secrets() {
  mkdir -p "$DATA"
  (umask 077 && touch "$SECRETS")
  chmod 600 "$SECRETS"
  local key value
  for key in ADMIN_EMAIL ADMIN_PASSWORD ADMIN_API_TOKEN PG_PASSWORD DEMO_TOKEN_ALERTMANAGER DEMO_TOKEN_GRAFANA DEMO_TOKEN_PAGERDUTY \
    DEMO_TOKEN_CLOUDWATCH DEMO_TOKEN_DATADOG DEMO_TOKEN_GENERIC; do
    grep -q "^$key=." "$SECRETS" && continue
    case $key in
      ADMIN_EMAIL) value=admin@incidenthub.local ;;
      ADMIN_PASSWORD) value=$(gen_password) ;;
      ADMIN_API_TOKEN) value=$(gen_api_token) ;;
      PG_PASSWORD) value=$(rand_chars 'A-Za-z0-9' 32) ;;
      *) value=$(gen_hook_token) ;;
    esac
    printf '%s=%s\n' "$key" "$value" >>"$SECRETS"
    ih_log "generated $key in ${SECRETS#"$ROOT"/}"
  done
  # shellcheck source=/dev/null
  source "$SECRETS"
}

# --- app lifecycle ------------------------------------------------------------

# SIGTERM the app and wait for it (SIGKILL after 30 s).
stop_app() {
  [[ -n "$APP_PID" ]] || return 0
  if kill -0 "$APP_PID" 2>/dev/null; then
    ih_log "stopping IncidentHub (pid $APP_PID)..."
    kill -TERM "$APP_PID" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$APP_PID" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "$APP_PID" 2>/dev/null || true
  fi
  wait "$APP_PID" 2>/dev/null || true
  APP_PID=""
}

on_signal() {
  trap - INT TERM
  echo >&2
  stop_app
  ih_log "IncidentHub stopped. PostgreSQL keeps running: scripts/run.sh stop stops it."
  exit 0
}

wait_healthy() {
  local deadline=$((SECONDS + 120)) code
  ih_log "waiting for $BASE_URL/health ..."
  while ((SECONDS < deadline)); do
    if ! kill -0 "$APP_PID" 2>/dev/null; then
      ih_log "IncidentHub exited during startup; last lines of $LOG:"
      tail -n 40 "$LOG" >&2 || true
      APP_PID=""
      exit 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/health" || true)
    [[ "$code" == 200 ]] && return 0
    sleep 0.5
  done
  ih_log "no 200 from $BASE_URL/health after 120 s; last lines of $LOG:"
  tail -n 40 "$LOG" >&2 || true
  stop_app
  exit 1
}

banner() {
  local now am_url gen_url gf_url pd_url cw_url dd_url fx admin_password=$ADMIN_PASSWORD api_token=$ADMIN_API_TOKEN
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local t_am=$DEMO_TOKEN_ALERTMANAGER t_gen=$DEMO_TOKEN_GENERIC t_gf=$DEMO_TOKEN_GRAFANA t_pd=$DEMO_TOKEN_PAGERDUTY t_cw=$DEMO_TOKEN_CLOUDWATCH t_dd=$DEMO_TOKEN_DATADOG
  if [[ ! -t 1 ]]; then
    # Not a terminal (demo's background log, a pipe): names of the secrets, never their values.
    admin_password="(ADMIN_PASSWORD in $SECRETS)"
    api_token='$ADMIN_API_TOKEN'
    t_am='$DEMO_TOKEN_ALERTMANAGER' t_gen='$DEMO_TOKEN_GENERIC' t_gf='$DEMO_TOKEN_GRAFANA'
    t_pd='$DEMO_TOKEN_PAGERDUTY' t_cw='$DEMO_TOKEN_CLOUDWATCH' t_dd='$DEMO_TOKEN_DATADOG'
    printf '\n  (secrets are not printed here: source %s to use the commands below)\n' "$SECRETS"
  fi
  am_url="$BASE_URL/hooks/alertmanager/$t_am"
  gen_url="$BASE_URL/hooks/generic/$t_gen"
  gf_url="$BASE_URL/hooks/grafana/$t_gf"
  pd_url="$BASE_URL/hooks/pagerduty/$t_pd"
  cw_url="$BASE_URL/hooks/cloudwatch/$t_cw"
  dd_url="$BASE_URL/hooks/datadog/$t_dd"
  fx="$ROOT/tests/Fixtures/webhooks"
  cat <<EOF

================================================================================
  IncidentHub is running
================================================================================
  Dashboard          $BASE_URL/
  Admin login        $ADMIN_EMAIL
  Admin password     $admin_password
  Hangfire jobs      $BASE_URL/jobs
  Secrets file       $SECRETS
  App log            $LOG
$(alertmanager_banner_line)

  Admin API token    $api_token
    curl -H "Authorization: Bearer $api_token" $BASE_URL/api/incidents

  Webhooks (one demo integration per source; add ?wait=true to get the incident in the answer)
    Alertmanager     $am_url
    Grafana          $gf_url
    PagerDuty v3     $pd_url
    CloudWatch/SNS   $cw_url
    Datadog          $dd_url
    Generic JSON     $gen_url

  Send a firing Alertmanager alert:
    curl -X POST -H 'Content-Type: application/json' $am_url \\
      -d '{"version":"4","groupKey":"{}:{alertname=\"HighErrorRate\"}","truncatedAlerts":0,"status":"firing","receiver":"incidenthub","groupLabels":{"alertname":"HighErrorRate"},"commonLabels":{"alertname":"HighErrorRate","service":"checkout","severity":"critical"},"commonAnnotations":{"summary":"Checkout error rate above 5%"},"externalURL":"http://alertmanager:9093","alerts":[{"status":"firing","labels":{"alertname":"HighErrorRate","service":"checkout","severity":"critical"},"annotations":{"summary":"Checkout error rate above 5%"},"startsAt":"$now","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"5f1c0a6e9b2d4c71"}]}'

  Send a generic alert:
    curl -X POST -H 'Content-Type: application/json' $gen_url \\
      -d '{"title":"Checkout latency above 2s","service":"checkout","severity":"warning"}'

  Real-format examples of the other sources (firing, then resolved):
    curl -X POST -H 'Content-Type: application/json' --data @$fx/grafana/firing.json $gf_url
    curl -X POST -H 'Content-Type: application/json' --data @$fx/pagerduty/triggered.json $pd_url
    curl -X POST -H 'Content-Type: application/json' -H 'x-amz-sns-message-type: Notification' --data @$fx/cloudwatch/alarm.json $cw_url
    curl -X POST -H 'Content-Type: application/json' --data @$fx/datadog/triggered-extended.json $dd_url

  Ctrl-C stops IncidentHub; scripts/run.sh stop stops PostgreSQL.
================================================================================

EOF
}

# --- demo Alertmanager ---------------------------------------------------------
# `scripts/run.sh demo` starts a local Prometheus Alertmanager (Debian prometheus-alertmanager) on 127.0.0.1:
# config, data, log and pid under .data/alertmanager/, gossip off, its route sending to IncidentHub's demo
# Alertmanager webhook (group_wait 1s). IncidentHub is started with Remediation__Alertmanager__Url pointing at it, so
# an approved silence is a real silence there. Plain `scripts/run.sh` never starts it (no surprise processes), but
# wires one that a demo left running; `scripts/run.sh stop` stops it.

AM_DIR="$DATA/alertmanager"
AM_PID_FILE="$AM_DIR/alertmanager.pid"
AM_PORT_FILE="$AM_DIR/port"

# Print the port of the demo Alertmanager when it runs (its pid is alive and is an alertmanager); fail otherwise.
alertmanager_port() {
  [[ -f "$AM_PID_FILE" && -f "$AM_PORT_FILE" ]] || return 1
  local pid
  pid=$(cat "$AM_PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(ps -o args= -p "$pid" 2>/dev/null)" == *alertmanager* ]] || return 1
  cat "$AM_PORT_FILE"
}

start_alertmanager() {
  local port pid
  if port=$(alertmanager_port); then
    ih_log "the demo Alertmanager runs on http://127.0.0.1:$port"
    return 0
  fi
  ensure_apt prometheus-alertmanager || ih_die "could not install prometheus-alertmanager"
  port=${IH_ALERTMANAGER_PORT:-9093}
  [[ "$port" =~ ^[0-9]+$ ]] || ih_die "IH_ALERTMANAGER_PORT must be a port number (got '$port')"
  if port_in_use "$port"; then
    [[ -z "${IH_ALERTMANAGER_PORT:-}" ]] || ih_die "port $port on 127.0.0.1 is in use; set IH_ALERTMANAGER_PORT to a free one"
    port=$(free_port)
    ih_log "port 9093 is in use; the demo Alertmanager takes $port (IH_ALERTMANAGER_PORT sets it)"
  fi
  mkdir -p "$AM_DIR/data"
  # The receiver URL holds the webhook token: the file is private like secrets.env.
  (umask 077 && cat >"$AM_DIR/alertmanager.yml" <<EOF
# Written by scripts/run.sh demo: every alert goes to IncidentHub's demo Alertmanager integration.
route:
  receiver: incidenthub
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 10s
  repeat_interval: 4h
receivers:
  - name: incidenthub
    webhook_configs:
      - url: "$BASE_URL/hooks/alertmanager/$DEMO_TOKEN_ALERTMANAGER"
        send_resolved: true
EOF
  )
  nohup "$(command -v prometheus-alertmanager)" --config.file="$AM_DIR/alertmanager.yml" --storage.path="$AM_DIR/data" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= >"$AM_DIR/alertmanager.log" 2>&1 &
  pid=$!
  echo "$pid" >"$AM_PID_FILE"
  echo "$port" >"$AM_PORT_FILE"
  local deadline=$((SECONDS + 30))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/-/ready" || true)" == 200 ]]; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > deadline)); then
      tail -n 20 "$AM_DIR/alertmanager.log" >&2 || true
      ih_die "the demo Alertmanager did not start (log: $AM_DIR/alertmanager.log)"
    fi
    sleep 0.3
  done
  ih_log "the demo Alertmanager runs on http://127.0.0.1:$port (pid $pid, log: ${AM_DIR#"$ROOT"/}/alertmanager.log)"
  if is_healthy; then
    ih_log "warning: IncidentHub on $BASE_URL started before this Alertmanager and does not know it: approved silences
  fail until IncidentHub is restarted (scripts/run.sh stop, then scripts/run.sh demo starts it wired)"
  fi
}

stop_alertmanager() {
  local pid
  alertmanager_port >/dev/null || { rm -f "$AM_PID_FILE"; return 0; }
  pid=$(cat "$AM_PID_FILE")
  ih_log "stopping the demo Alertmanager (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$AM_PID_FILE"
}

# IncidentHub creates silences in the demo Alertmanager when one runs (Remediation:Alertmanager:Url).
wire_alertmanager() {
  local port
  port=$(alertmanager_port) || return 0
  export Remediation__Alertmanager__Url="http://127.0.0.1:$port"
}

# The banner's Alertmanager line.
alertmanager_banner_line() {
  if [[ -n "${Remediation__Alertmanager__Url:-}" ]]; then
    printf '  Alertmanager       %s  (demo: sends to the Alertmanager webhook below, receives approved silences)' "$Remediation__Alertmanager__Url"
  else
    printf '  Alertmanager       none (scripts/run.sh demo starts a local one wired to IncidentHub)'
  fi
}

# The IncidentHub that `demo` started in the background; `stop` stops it.
APP_PID_FILE="$DATA/incidenthub.pid"

stop_background_app() {
  local pid
  [[ -f "$APP_PID_FILE" ]] || return 0
  pid=$(cat "$APP_PID_FILE")
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ "$(ps -o args= -p "$pid" 2>/dev/null)" == *run.sh* ]]; then
    ih_log "stopping the IncidentHub that demo started (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 40))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  fi
  rm -f "$APP_PID_FILE"
}

# --- demo: import incident bundles -------------------------------------------

is_healthy() { [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/health" || true)" == 200 ]]; }

# scripts/run.sh demo [NAME|all]: `ih import` each bundle (its repo is built here, by make_repo.sh,
# as `ih import` does on any client; the hub itself never runs anything from a bundle).
demo() {
  local name=${1:-all} bundles="$ROOT/seed-data/bundles" demo_log="$DATA/demo-run.log" ih_dll
  load_secrets
  start_alertmanager
  if ! is_healthy; then
    ih_log "IncidentHub is not answering on $BASE_URL; starting it in the background (log: $demo_log)"
    # The log is private (umask 077), and the banner written to it names the secrets without their values.
    (umask 077 && : >>"$demo_log" && chmod 600 "$demo_log")
    nohup "$ROOT/scripts/run.sh" start >"$demo_log" 2>&1 &
    local pid=$! deadline=$((SECONDS + 600))
    echo "$pid" >"$APP_PID_FILE"
    until is_healthy; do
      if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > deadline)); then
        tail -n 30 "$demo_log" >&2 || true
        ih_die "IncidentHub did not start (see $demo_log)"
      fi
      sleep 1
    done
    ih_log "IncidentHub runs in the background (pid $pid); stop it with: kill $pid (scripts/run.sh stop stops it too)"
  fi

  # Demo data only on request, marked "demo" wherever it shows; Admins remove it on the History page (DELETE /api/demo-data).
  ih_log "loading the generated demo history (300 incidents over 6 months, marked demo; none when it is there already)..."
  curl -fsS -X POST -H "Authorization: Bearer $ADMIN_API_TOKEN" "$BASE_URL/api/demo-data" >&2 || ih_die "loading the demo history failed"
  echo >&2

  ih_log "building the ih command (src/IncidentHub.Cli)..."
  local build_out
  build_out=$(dotnet build "$ROOT/src/IncidentHub.Cli" -c Release -nologo -v quiet 2>&1) || { echo "$build_out" >&2; ih_die "build of ih failed (errors above)"; }
  ih_dll="$ROOT/src/IncidentHub.Cli/bin/Release/net10.0/ih.dll"

  local dirs=()
  if [[ "$name" == all ]]; then
    local d
    for d in "$bundles"/*/; do [[ -f "$d/scenario.yaml" ]] && dirs+=("${d%/}"); done
    ((${#dirs[@]} > 0)) || ih_die "no bundles in ${bundles#"$ROOT"/} (directories with scenario.yaml)"
  elif [[ -f "$bundles/$name/scenario.yaml" ]]; then
    dirs=("$bundles/$name")
  elif [[ -f "$name/scenario.yaml" ]]; then
    dirs=("$(cd "$name" && pwd -P)")
  else
    ih_die "no bundle '$name' (known: $(cd "$bundles" 2>/dev/null && ls -d */ 2>/dev/null | tr -d / | tr '\n' ' '))"
  fi

  local dir failed=0 services
  for dir in "${dirs[@]}"; do
    ih_log "importing ${dir#"$ROOT"/}"
    # The demo bundles point seeded services (e.g. inventory) at their own logs: asking for them is the confirmation
    # the hub wants before a bundle changes an existing catalog entry (docs/decisions/024).
    services=$(awk '/^services:/{on=1;next} on&&/^- /{printf "%s%s",sep,substr($0,3);sep=",";next} {on=0}' "$dir/scenario.yaml")
    IH_URL="$BASE_URL" IH_TOKEN="$ADMIN_API_TOKEN" dotnet "$ih_dll" import "$dir" --confirm "$services" || failed=$((failed + 1))
  done
  ih_log "imported $((${#dirs[@]} - failed)) of ${#dirs[@]} bundle(s); open $BASE_URL/ to see the incidents"
  ((failed == 0))
}

# --- main ---------------------------------------------------------------------

run() {
  [[ "$IH_PORT" =~ ^[0-9]+$ ]] || ih_die "IH_PORT must be a port number (got '$IH_PORT')"
  if port_in_use "$IH_PORT"; then
    ih_die "port $IH_PORT on 127.0.0.1 is already in use (another IncidentHub?).
  Stop whatever listens there, or pick another port: IH_PORT=5081 scripts/run.sh"
  fi

  # Packages: PostgreSQL for the data, Chromium + fonts for PDF reports, curl for the checks; python3-pytest, node
  # and a JDK run the demo services' own test commands in the code-fix sandbox (unshare/setpriv/prlimit: util-linux).
  ensure_apt postgresql chromium fonts-dejavu-core curl python3-pytest nodejs openjdk-17-jdk-headless ||
    ih_die "could not install the Debian packages above"
  ensure_dotnet

  # Private PostgreSQL cluster under .data/pg (reused when it already runs).
  local pg_conn pg_port psql
  mkdir -p "$DATA"
  load_secrets
  # Password authentication (scram-sha-256); an older .data cluster made with trust is switched over.
  pg_conn=$(PG_PASSWORD="$PG_PASSWORD" "$ROOT/scripts/pg.sh" start "$PG_DIR")
  export PGPASSWORD="$PG_PASSWORD"
  pg_port=$(sed -n 's/.*Port=\([0-9]*\);.*/\1/p' <<<"$pg_conn")
  psql=("$(pg_bin_dir)/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
  if [[ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'incidenthub'")" != 1 ]]; then
    ih_log "creating database incidenthub"
    "${psql[@]}" -c 'CREATE DATABASE incidenthub'
  fi

  ih_log "building src/IncidentHub.Web (Release)..."
  dotnet build "$ROOT/src/IncidentHub.Web" -c Release -nologo -v quiet >&2 || ih_die "build failed (errors above)"
  [[ -f "$DLL" ]] || ih_die "build produced no $DLL"

  # The app's configuration (ASP.NET Core reads __ as the section separator).
  export ASPNETCORE_ENVIRONMENT=Development
  export ASPNETCORE_URLS="$BASE_URL"
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Password=$PG_PASSWORD;Database=incidenthub"
  unset PGPASSWORD
  # The certificate that encrypts the data-protection keys stored in PostgreSQL (created 0600 on first start).
  export DataProtection__CertificatePath="$DATA/dataprotection.pfx"
  export IncidentHub__Role=all
  export IncidentHub__PublicBaseUrl="$BASE_URL"
  export Seed__Admin__Email="$ADMIN_EMAIL"
  export Seed__Admin__Password="$ADMIN_PASSWORD"
  export Seed__Admin__ApiToken="$ADMIN_API_TOKEN"
  export Seed__DemoIntegrations__Alertmanager="$DEMO_TOKEN_ALERTMANAGER"
  export Seed__DemoIntegrations__Generic="$DEMO_TOKEN_GENERIC"
  export Seed__DemoIntegrations__Grafana="$DEMO_TOKEN_GRAFANA"
  export Seed__DemoIntegrations__PagerDuty="$DEMO_TOKEN_PAGERDUTY"
  export Seed__DemoIntegrations__CloudWatch="$DEMO_TOKEN_CLOUDWATCH"
  export Seed__DemoIntegrations__Datadog="$DEMO_TOKEN_DATADOG"
  export Seed__CatalogPath="$ROOT/seed-data/services.yaml"
  export Seed__PlaybooksPath="$ROOT/seed-data/playbooks.yaml"
  export Bundles__DataDirectory="$DATA/bundles"
  wire_alertmanager

  cd "$BIN_DIR"
  # Everything written from here (the app log, files the app creates under .data) is private to this user.
  umask 077
  : >"$LOG"
  chmod 600 "$LOG"
  ih_log "migrating and seeding the database..."
  dotnet "$DLL" migrate 2>&1 | tee -a "$LOG" >&2 || ih_die "migrate failed (see $LOG)"
  # No generated history here: a fresh run shows only the user's own incidents (`scripts/run.sh demo` loads demo data).

  # The build and migration took a while: check the port again.
  port_in_use "$IH_PORT" && ih_die "port $IH_PORT on 127.0.0.1 became busy; stop what listens there or set IH_PORT"

  # Start the app in the background; its output goes to the log and the terminal.
  # (Background jobs ignore SIGINT; Ctrl-C reaches this script, which SIGTERMs the app.)
  trap on_signal INT TERM
  ih_log "starting IncidentHub on $BASE_URL (log: $LOG)"
  dotnet "$DLL" > >(trap '' INT TERM; exec tee -a "$LOG") 2>&1 &
  APP_PID=$!

  wait_healthy
  banner

  local rc=0
  wait "$APP_PID" || rc=$?
  APP_PID=""
  ih_log "IncidentHub exited with code $rc (log: $LOG). PostgreSQL keeps running: scripts/run.sh stop stops it."
  exit "$rc"
}

case "${1:-start}" in
  start | run) run ;;
  stop)
    stop_background_app
    stop_alertmanager
    "$ROOT/scripts/pg.sh" stop "$PG_DIR"
    ;;
  status) "$ROOT/scripts/pg.sh" status "$PG_DIR" ;;
  demo) demo "${2:-all}" ;;
  -h | --help | help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) ih_die "unknown command '$1' (try: scripts/run.sh [start|stop|status|demo|help])" ;;
esac
