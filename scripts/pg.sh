#!/usr/bin/env bash
# A private PostgreSQL cluster living in one directory; no system service involved.
#
#   scripts/pg.sh start  DIR   create the cluster if needed, start it (or reuse it when running);
#                              prints exactly one line on stdout: the Npgsql connection string
#   scripts/pg.sh stop   DIR   fast shutdown (fine when not running)
#   scripts/pg.sh status DIR   "running on port N" (exit 0) or "not running" (exit 3)
#   scripts/pg.sh url    DIR   prints the connection string when running (exit 1 otherwise)
#
# Environment: PG_EXTRA_OPTS  extra server options, e.g. "-c fsync=off -c synchronous_commit=off"
#              PG_PASSWORD   when set, the cluster uses password authentication (scram-sha-256) with this password
#                            for the postgres user; a cluster created with trust is switched over at start.
#                            Unset: trust on 127.0.0.1 only (throwaway test clusters).
# Works as root (initdb/postgres refuse root: they run as the `postgres` user) and as a normal user.
# All messages go to stderr.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
CMD=$1
DIR=$2
PG_EXTRA_OPTS=${PG_EXTRA_OPTS:-}
PG_PASSWORD=${PG_PASSWORD:-}

# Make DIR absolute (it may not exist yet).
[[ "$DIR" == /* ]] || DIR="$PWD/$DIR"
DIR="${DIR%/}"
PORT_FILE="$DIR/ih_port"

PG_BIN=$(pg_bin_dir)
if [[ -z "$PG_BIN" && "$CMD" == start ]]; then
  ensure_apt postgresql || ih_die "could not install PostgreSQL"
  PG_BIN=$(pg_bin_dir)
fi
if [[ -z "$PG_BIN" ]]; then
  [[ "$CMD" == stop ]] && { ih_log "PostgreSQL is not installed: nothing to stop"; exit 0; }
  ih_die "PostgreSQL server binaries not found (apt-get install postgresql)"
fi

# Run a PostgreSQL tool: as `postgres` when we are root, from / so a private cwd does not matter.
as_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

conn_string() { printf 'Host=127.0.0.1;Port=%s;Username=postgres;Database=postgres\n' "$1"; }

is_running() { [[ -f "$DIR/PG_VERSION" ]] && as_pg "$PG_BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; }

# Port of the running server: line 4 of postmaster.pid (fallback: the saved port).
running_port() {
  local p=""
  [[ -r "$DIR/postmaster.pid" ]] && p=$(sed -n 4p "$DIR/postmaster.pid" 2>/dev/null || true)
  [[ -z "$p" && -r "$PORT_FILE" ]] && p=$(cat "$PORT_FILE")
  [[ "$p" =~ ^[0-9]+$ ]] || ih_die "cannot tell the port of the cluster in $DIR"
  printf '%s\n' "$p"
}

# As root: the `postgres` user must be able to traverse every parent of DIR.
ensure_traversable() {
  ((EUID == 0)) || return 0
  local p
  p=$(dirname "$DIR")
  while [[ "$p" != / ]]; do
    if ! runuser -u postgres -- test -x "$p" 2>/dev/null; then
      ih_log "making $p traversable (o+x) so the postgres user can reach $DIR"
      chmod o+x "$p"
    fi
    p=$(dirname "$p")
  done
}

init_cluster() {
  mkdir -p "$DIR"
  if [[ -n "$(ls -A "$DIR")" ]]; then
    ih_die "$DIR exists, is not empty and holds no PostgreSQL cluster"
  fi
  ensure_traversable
  ((EUID == 0)) && chown postgres:postgres "$DIR"
  local sync=()
  # Throwaway clusters (fsync off) need no durable initdb either.
  [[ "$PG_EXTRA_OPTS" == *fsync=off* ]] && sync=(--no-sync)
  local auth=(-A trust) pwfile=""
  if [[ -n "$PG_PASSWORD" ]]; then
    # The password reaches initdb through a private file the postgres user can read, removed right after.
    pwfile=$(mktemp)
    printf '%s\n' "$PG_PASSWORD" >"$pwfile"
    ((EUID == 0)) && chown postgres "$pwfile"
    auth=(-A scram-sha-256 --pwfile="$pwfile")
  fi
  ih_log "initdb $DIR (${auth[1]})"
  local out rc=0
  out=$(as_pg "$PG_BIN/initdb" -D "$DIR" -U postgres "${auth[@]}" -E UTF8 --no-locale "${sync[@]}" 2>&1) || rc=$?
  [[ -n "$pwfile" ]] && rm -f "$pwfile"
  if ((rc != 0)); then
    printf '%s\n' "$out" >&2
    ih_die "initdb failed for $DIR"
  fi
}

# With PG_PASSWORD: a cluster made with trust (an older .data) gets the password and scram-sha-256 in pg_hba.conf.
require_password() {
  [[ -n "$PG_PASSWORD" ]] || return 0
  grep -Eq '^[^#]*[[:space:]]trust[[:space:]]*$' "$DIR/pg_hba.conf" 2>/dev/null || return 0
  ih_log "switching $DIR from trust to password authentication (scram-sha-256)"
  local port
  port=$(running_port)
  # psql quotes the password as a literal (:'pw', read from stdin: -c is not interpolated); not logged (log_statement is off).
  printf '%s\n' "SET password_encryption = 'scram-sha-256';" "ALTER USER postgres PASSWORD :'pw';" |
    as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt -v pw="$PG_PASSWORD" >/dev/null ||
    ih_die "could not set the postgres password in $DIR"
  as_pg sed -i -E 's/^([^#]*[[:space:]])trust([[:space:]]*)$/\1scram-sha-256\2/' "$DIR/pg_hba.conf"
  as_pg "$PG_BIN/pg_ctl" -D "$DIR" reload >&2
}

# Preferred port: the saved one when it is still free, else a new free one.
pick_port() {
  local saved=""
  [[ -r "$PORT_FILE" ]] && saved=$(cat "$PORT_FILE")
  if [[ "$saved" =~ ^[0-9]+$ ]] && port_is_free "$saved"; then
    printf '%s\n' "$saved"
  else
    free_port
  fi
}

start() {
  [[ -f "$DIR/PG_VERSION" ]] || init_cluster
  ensure_traversable

  if is_running; then
    local port
    port=$(running_port)
    ih_log "PostgreSQL already running in $DIR on port $port"
    require_password
    conn_string "$port"
    return 0
  fi

  # Unix socket in DIR, unless the path is too long for a socket (then TCP only).
  local sock="-k '$DIR'"
  if ((${#DIR} > 90)); then sock="-c unix_socket_directories=''"; fi

  local attempt port
  for attempt in 1 2 3; do
    port=$(pick_port)
    ih_log "starting PostgreSQL in $DIR on 127.0.0.1:$port"
    if as_pg "$PG_BIN/pg_ctl" -D "$DIR" -w -t 60 -l "$DIR/server.log" \
      -o "-p $port $sock -c listen_addresses=127.0.0.1 $PG_EXTRA_OPTS" start >&2; then
      printf '%s\n' "$port" >"$PORT_FILE"
      require_password
      conn_string "$port"
      return 0
    fi
    ih_log "start attempt $attempt failed; server.log tail:"
    tail -n 15 "$DIR/server.log" >&2 2>/dev/null || true
    rm -f "$PORT_FILE" # maybe the port was taken meanwhile: pick another
  done
  ih_die "PostgreSQL did not start in $DIR (see $DIR/server.log)"
}

stop() {
  if is_running; then
    as_pg "$PG_BIN/pg_ctl" -D "$DIR" -m fast -w -t 60 stop >&2
  else
    ih_log "PostgreSQL in $DIR is not running"
  fi
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  status)
    if is_running; then
      echo "running on port $(running_port) ($DIR)"
    else
      echo "not running ($DIR)"
      exit 3
    fi
    ;;
  url)
    is_running || ih_die "PostgreSQL in $DIR is not running (scripts/pg.sh start $DIR)"
    conn_string "$(running_port)"
    ;;
  *) usage ;;
esac
