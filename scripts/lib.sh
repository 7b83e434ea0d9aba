#!/usr/bin/env bash
# Shared helpers for the IncidentHub scripts. Source it, don't run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Every message goes to stderr so that callers can keep stdout for results.

# Guard against double sourcing.
if [[ -n "${IH_LIB_SOURCED:-}" ]]; then return 0; fi
IH_LIB_SOURCED=1

# --- messages ---------------------------------------------------------------

ih_log() { printf '[incidenthub] %s\n' "$*" >&2; }
ih_die() { printf '[incidenthub] ERROR: %s\n' "$*" >&2; exit 1; }

# --- paths ------------------------------------------------------------------

# Repository root: the parent of the scripts/ folder this file lives in.
ih_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P); }

# Newest PostgreSQL server bin dir (/usr/lib/postgresql/<ver>/bin), or nothing.
pg_bin_dir() {
  local d
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$d" ]] && printf '%s\n' "$d"
  return 0
}

# --- ports ------------------------------------------------------------------

# Python with the standard library; prefer Debian's (the PATH one may be a shim).
ih_python() {
  if [[ -x /usr/bin/python3 ]]; then /usr/bin/python3 "$@"; else python3 "$@"; fi
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True when PORT can be bound on 127.0.0.1 (nothing listens on it).
port_is_free() {
  local port=$1
  if command -v /usr/bin/python3 >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1; then
    ih_python - "$port" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# As servers bind (PostgreSQL, Kestrel): connections of a server just stopped, left in TIME_WAIT, do not make the port busy.
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
  else
    ! port_in_use "$port"
  fi
}

# Print a free TCP port on 127.0.0.1 (the kernel picks one; bash probing as fallback).
free_port() {
  local port
  if port=$(ih_python -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null); then
    printf '%s\n' "$port"
    return 0
  fi
  local _
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if ! port_in_use "$port"; then printf '%s\n' "$port"; return 0; fi
  done
  ih_die "could not find a free TCP port on 127.0.0.1"
}

# Wait until something listens on 127.0.0.1:PORT. wait_for_port PORT TIMEOUT_S [PID]
# Fails early when PID (the process that should listen) has exited.
wait_for_port() {
  local port=$1 timeout=$2 pid=${3:-} deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    port_in_use "$port" && return 0
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  ih_log "nothing listens on 127.0.0.1:$port after ${timeout}s"
  return 1
}

# --- packages ---------------------------------------------------------------

dpkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# ensure_apt PKG... : install the Debian packages that are missing (nothing else).
# Runs `apt-get update` once when a package is unknown to apt or the lists are empty.
ensure_apt() {
  local missing=() p
  for p in "$@"; do dpkg_installed "$p" || missing+=("$p"); done
  ((${#missing[@]} == 0)) && return 0

  command -v apt-get >/dev/null 2>&1 ||
    ih_die "missing packages (${missing[*]}) and no apt-get here: install them by hand"
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 ||
      ih_die "missing packages (${missing[*]}): run as root or install sudo"
    sudo=(sudo)
  fi
  local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600)

  # apt-get update once per process, only when apt does not know a package.
  if [[ -z "${IH_APT_UPDATED:-}" ]]; then
    local need_update=0
    compgen -G '/var/lib/apt/lists/*Packages*' >/dev/null || need_update=1
    for p in "${missing[@]}"; do
      apt-cache show "$p" >/dev/null 2>&1 || need_update=1
    done
    if ((need_update)); then
      ih_log "apt-get update"
      "${apt[@]}" update >&2 || ih_log "apt-get update failed (continuing)"
      IH_APT_UPDATED=1
    fi
  fi

  ih_log "installing Debian packages: ${missing[*]}"
  "${apt[@]}" install "${missing[@]}" >&2 || {
    ih_log "apt-get install ${missing[*]} failed"
    return 1
  }
}

# --- .NET -------------------------------------------------------------------

# True when `dotnet` is on PATH and has a .NET 10 SDK.
has_dotnet10() {
  command -v dotnet >/dev/null 2>&1 && dotnet --list-sdks 2>/dev/null | grep -q '^10\.'
}

# Make sure `dotnet` with a .NET 10 SDK is on PATH; exit with instructions otherwise.
ensure_dotnet() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  has_dotnet10 && return 0
  # Common install places that may just be missing from PATH.
  local d
  for d in "${DOTNET_ROOT:-}" "$HOME/.dotnet" /usr/share/dotnet /usr/lib/dotnet /opt/dotnet; do
    if [[ -n "$d" && -x "$d/dotnet" ]]; then
      export PATH="$d:$PATH" DOTNET_ROOT="$d"
      has_dotnet10 && return 0
    fi
  done
  # Debian/Ubuntu package (available when Microsoft's or the distro's feed has it).
  if command -v apt-get >/dev/null 2>&1; then
    ih_log "no .NET 10 SDK found; trying apt-get install dotnet-sdk-10.0"
    ensure_apt dotnet-sdk-10.0 2>/dev/null || true
    has_dotnet10 && return 0
  fi
  ih_die "the .NET 10 SDK is required but was not found.
  Install it, then open a new shell and run this script again:
    - Debian/Ubuntu with Microsoft's package feed: sudo apt-get install dotnet-sdk-10.0
      (feed setup: https://learn.microsoft.com/dotnet/core/install/linux)
    - or the install script, no root needed:
        curl -sSL https://dot.net/v1/dotnet-install.sh | bash -s -- --channel 10.0
        export PATH=\"\$HOME/.dotnet:\$PATH\""
}

# --- test results -----------------------------------------------------------

# trx_sum FILE... : print "PASSED FAILED SKIPPED" summed over the <Counters .../>
# element of each .trx file. failed includes error, timeout and aborted; skipped is notExecuted.
trx_sum() {
  local f counters attr val passed=0 failed=0 skipped=0
  for f in "$@"; do
    [[ -f "$f" ]] || continue
    counters=$(tr '\n' ' ' <"$f" | grep -o '<Counters [^>]*>' | head -n 1) || true
    [[ -n "$counters" ]] || continue
    for attr in passed failed error timeout aborted notExecuted; do
      val=$(sed -n "s/.* ${attr}=\"\([0-9]*\)\".*/\1/p" <<<"$counters")
      val=${val:-0}
      case $attr in
        passed) passed=$((passed + val)) ;;
        notExecuted) skipped=$((skipped + val)) ;;
        *) failed=$((failed + val)) ;;
      esac
    done
  done
  printf '%s %s %s\n' "$passed" "$failed" "$skipped"
}
