#!/usr/bin/env bash
# Run a local Jaeger v2 (in-memory storage) on 127.0.0.1, built from source
# with the Go toolchain, with the Jaeger UI: no Docker. It downloads Go
# modules and, once, the Jaeger UI release (none with JAEGER_UI_ASSETS).
#
# Usage: scripts/jaeger.sh <command> [args]
#
# Commands:
#   start [--config FILE]
#                 Build Jaeger if needed, start it in the background and wait
#                 until its health check answers. Already running: says so.
#                 --config FILE runs it with another configuration, such as
#                 scripts/jaeger/tail-sampling.yaml (tail sampling), with the
#                 same port variables, health wait and state directory
#                 (default: scripts/jaeger/config.yaml). stop, status and logs
#                 work the same whichever configuration runs.
#   stop          Stop the Jaeger this script started (pid file only).
#   status        Show whether it runs, its pid, ports, UI and files.
#   logs [-n N|--all|-f]
#                 Print Jaeger's log: the last 100 lines (default), the last
#                 N lines, all of it, or follow it.
#   build         Build (or reuse) the Jaeger binary; print its path on stdout.
#   help, -h      This text.
#
# Exit codes:
#   0  success (start: running; stop: stopped or was not running;
#      status: running)
#   1  failure (build failed, Jaeger exited or did not become healthy in
#      time, could not be stopped)
#   2  usage error (unknown command, bad argument or environment value,
#      such as a JAEGER_BIN_DIR or JAEGER_STATE_DIR that cannot be written)
#   3  status: not running
#   4  start: a port Jaeger needs is already in use by another process
#
# Environment (all optional):
#   JAEGER_OTLP_GRPC_PORT   OTLP/gRPC receiver                   (4317)
#   JAEGER_OTLP_HTTP_PORT   OTLP/HTTP receiver                   (4318)
#   JAEGER_QUERY_PORT       query HTTP API, /api/..., and the UI (16686)
#   JAEGER_QUERY_GRPC_PORT  query gRPC API                       (16685)
#   JAEGER_HEALTH_PORT      health check, GET /status            (13133)
#   JAEGER_START_TIMEOUT    seconds to wait for health on start  (60)
#   JAEGER_STOP_TIMEOUT     seconds to wait after TERM before KILL (10)
#   JAEGER_STATE_DIR        pid file, log, ports, binary cache  (<repo>/.state/jaeger)
#   JAEGER_BIN_DIR          binary cache only                    ($JAEGER_STATE_DIR/bin)
#   GO                      go command                           (go, else /usr/local/go/bin/go)
#   JAEGER_TAIL_PERCENT     tail-sampling.yaml: percent of the traces
#                           with no error and not slow that it keeps (10)
#   JAEGER_TAIL_SLOW_MS     tail-sampling.yaml: a trace longer than this
#                           is kept                              (500)
#   JAEGER_UI               1: serve the Jaeger UI; 0: Jaeger's placeholder
#                           page                                 (1)
#   JAEGER_UI_ASSETS        the Jaeger UI build to serve: a .tar.gz with
#                           index.html at its top, or a directory that
#                           holds index.html                     (download)
#   JAEGER_UI_URL           where to download it, https only     (the
#                           jaeger-ui release of Jaeger's version)
#
# Every listener binds 127.0.0.1 only (see scripts/jaeger/config.yaml).
# The binary is built from scripts/jaeger/go.mod (GOWORK=off, -mod=readonly)
# and cached under a name keyed on the hash of go.mod + go.sum, so it is
# rebuilt only when those change. The first build downloads modules and
# compiles: about 5 minutes on an idle 2-core machine, 30 or more on a busy
# one; nothing limits how long it may take, and it prints its progress.
# Later builds reuse the Go caches. One build runs at a time per binary
# cache: another jaeger.sh waits for it and uses its binary. Interrupting
# jaeger.sh (INT, TERM, HUP, or a closed stderr) stops its build; a build
# whose jaeger.sh was killed outright finishes and installs its binary,
# holding the lock until then. A partly written binary is never used.
#
# The query service serves the HTTP API (/api/services, /api/traces/<id>, ...)
# and the Jaeger UI at http://127.0.0.1:16686/. The UI is a separate build,
# not part of the Go module: from JAEGER_UI_ASSETS if set (offline use),
# else the jaeger-ui release of the Jaeger version in scripts/jaeger/go.mod,
# downloaded once over HTTPS into $JAEGER_STATE_DIR/ui. If that download
# fails, Jaeger starts with its placeholder page and a warning says so.
# start and status say which one the UI's URL serves. A JAEGER_UI_ASSETS
# path that does not exist exits 2; one that is not a UI build exits 1.

set -euo pipefail

script_dir=$(cd -P -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd)
repo_root=$(cd -P -- "$script_dir/.." && pwd)
mod_dir="$script_dir/jaeger"
config="$mod_dir/config.yaml"
jaeger_pkg="github.com/jaegertracing/jaeger/cmd/jaeger"

state_dir="${JAEGER_STATE_DIR:-$repo_root/.state/jaeger}"
bin_dir="${JAEGER_BIN_DIR:-$state_dir/bin}"
pid_file="$state_dir/jaeger.pid"
log_file="$state_dir/jaeger.log"
ports_file="$state_dir/ports"

# Port names, the environment variables that set them and their defaults.
port_vars=(JAEGER_OTLP_GRPC_PORT JAEGER_OTLP_HTTP_PORT JAEGER_QUERY_PORT JAEGER_QUERY_GRPC_PORT JAEGER_HEALTH_PORT)
port_defaults=(4317 4318 16686 16685 13133)
port_labels=("OTLP gRPC" "OTLP HTTP" "query HTTP" "query gRPC" "health")

say() { printf 'jaeger.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
usage_error() { say "$*"; say "run '$0 help' for usage"; exit 2; }

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# At most 9 significant digits: bash arithmetic wraps around above 2^63, so
# a longer number would silently become another one.
is_uint() { [[ $1 =~ ^0*[0-9]{1,9}$ ]]; }

go_cmd() {
  if [[ -n ${GO:-} ]]; then
    printf '%s\n' "$GO"
  elif command -v go >/dev/null 2>&1; then
    printf 'go\n'
  elif [[ -x /usr/local/go/bin/go ]]; then
    printf '/usr/local/go/bin/go\n'
  else
    die "no Go toolchain found (put go on PATH or set GO)"
  fi
}

ensure_state_dir() {
  local var="the state directory $state_dir"
  [[ -n ${JAEGER_STATE_DIR:-} ]] && var="JAEGER_STATE_DIR=$JAEGER_STATE_DIR"
  state_dir=$(writable_dir "$state_dir" "$var") || exit
  pid_file="$state_dir/jaeger.pid"
  log_file="$state_dir/jaeger.log"
  ports_file="$state_dir/ports"
}

# Serialise start/stop (and builds) across concurrent invocations.
# lock FD FILE [WHAT]: hold an exclusive lock on FILE through descriptor FD
# until exit; while waiting, say so every 15 s (WHAT names the holder).
lock() {
  local fd=$1 file=$2 what=${3:-another jaeger.sh holds $2} start=$SECONDS
  command -v flock >/dev/null 2>&1 || return 0
  eval "exec $fd>\"\$file\"" || die "cannot open the lock file $file"
  if ! flock -n "$fd"; then
    say "$what; waiting for it"
    while ! flock -w 15 "$fd"; do
      say "still waiting... $((SECONDS - start))s"
    done
  fi
}

# --- binary ---------------------------------------------------------------

# How the binary is built; part of the cache key, so changing it rebuilds.
# -s -w: no symbol table/DWARF (smaller, faster link; stack traces still work).
build_recipe() {
  local version
  version=$(jaeger_version)
  printf '%s\n' -mod=readonly -trimpath \
    "-ldflags=-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=${version:-unknown}"
}

build_key() {
  { cat -- "$mod_dir/go.mod" "$mod_dir/go.sum"; build_recipe; } | sha256sum | cut -c1-16
}

binary_path() { printf '%s/jaeger-%s\n' "$bin_dir" "$(build_key)"; }

# writable_dir DIR VAR: create DIR if needed and print its absolute path;
# exit 2 naming VAR (the variable that chose DIR) if it cannot be written.
writable_dir() {
  local dir=$1 var=$2 probe abs
  probe="$dir/.jaeger.sh-probe.$$"
  if ! mkdir -p -- "$dir" 2>/dev/null || ! : 2>/dev/null >"$probe"; then
    usage_error "$var: cannot write to $dir (a read-only or missing filesystem?)"
  fi
  rm -f -- "$probe"
  abs=$(cd -P -- "$dir" && pwd) || usage_error "$var: cannot enter $dir"
  printf '%s\n' "$abs"
}

# The variable that chose the binary cache, for messages.
bin_dir_var() {
  if [[ -n ${JAEGER_BIN_DIR:-} ]]; then
    printf 'JAEGER_BIN_DIR=%s\n' "$JAEGER_BIN_DIR"
  elif [[ -n ${JAEGER_STATE_DIR:-} ]]; then
    printf 'JAEGER_STATE_DIR=%s (its bin/)\n' "$JAEGER_STATE_DIR"
  else
    printf 'the binary cache %s\n' "$bin_dir"
  fi
}

# The build under way, for stop_build (a trap cannot see build's locals),
# and the binary that build made or found.
build_pid='' build_tmp='' built_bin=''

# stop_build SIGNAL CODE: stop the whole build (its process group: go and
# the compilers it runs), remove its partial output and exit with CODE.
stop_build() {
  trap '' PIPE # stderr may be the pipe that closed
  if [[ -n $build_pid ]]; then
    kill -TERM -- "-$build_pid" 2>/dev/null || true
    wait "$build_pid" 2>/dev/null || true
    rm -f -- "$build_tmp"
  fi
  say "interrupted by SIG$1: the build was stopped" || true
  exit "$2"
}

# Build the binary unless the cached one for this go.mod+go.sum exists.
# Prints the binary path on stdout; progress goes to stderr.
build() {
  local dir_var
  dir_var=$(bin_dir_var)
  bin_dir=$(writable_dir "$bin_dir" "$dir_var") || exit
  local bin
  bin=$(binary_path)
  built_bin=$bin
  if [[ -x $bin ]]; then
    printf '%s\n' "$bin"
    return 0
  fi
  lock 9 "$bin_dir/.build.lock" "a build of Jaeger is under way (log: $bin_dir/build.log)"
  if [[ -x $bin ]]; then # built by a concurrent invocation meanwhile
    printf '%s\n' "$bin"
    return 0
  fi
  # Partial output of a build that was killed with its process group; we
  # hold the lock, so no build is writing it.
  rm -f -- "$bin_dir"/jaeger-*.tmp.*

  local go build_log start rc next=15 flags=()
  go=$(go_cmd)
  mapfile -t flags < <(build_recipe)
  build_log="$bin_dir/build.log"
  build_tmp="$bin.tmp.$$"
  say "building Jaeger v2 from $mod_dir (go.mod + go.sum changed or first use)"
  say "the first build downloads modules and compiles: about 5 minutes on an idle 2-core machine, 30 or more on a busy one; later ones reuse the Go caches"
  say "build log: $build_log"
  start=$SECONDS
  # The build runs in its own process group (set -m), so that stop_build
  # stops all of it. It keeps the lock (descriptor 9) and installs the
  # binary itself: should this script be killed outright, the build still
  # ends with the binary in place or nothing, and no other build starts
  # until it has ended.
  set -m
  (
    cd -- "$mod_dir"
    GOWORK=off "$go" build "${flags[@]}" -o "$build_tmp" "$jaeger_pkg" || {
      rc=$?
      rm -f -- "$build_tmp"
      exit "$rc"
    }
    chmod +x -- "$build_tmp" && mv -f -- "$build_tmp" "$bin"
  ) >"$build_log" 2>&1 </dev/null 8>&- &
  build_pid=$!
  set +m
  trap 'stop_build INT 130' INT
  trap 'stop_build TERM 143' TERM
  trap 'stop_build HUP 129' HUP
  trap 'stop_build PIPE 141' PIPE
  # Show that something happens: elapsed seconds every 15 s.
  while alive "$build_pid"; do
    sleep 1
    if ((SECONDS - start >= next)) && alive "$build_pid"; then
      printf 'jaeger.sh: still building... %ds\n' "$((SECONDS - start))" >&2
      next=$((next + 15))
    fi
  done
  rc=0
  wait "$build_pid" || rc=$?
  trap - INT TERM HUP PIPE
  build_pid=''
  if ((rc != 0)) || [[ ! -x $bin ]]; then
    rm -f -- "$build_tmp"
    say "build failed (exit $rc) after $((SECONDS - start))s; last lines of $build_log:"
    tail -n 30 -- "$build_log" >&2
    exit 1
  fi
  # Drop binaries of older go.mod/go.sum versions (about 80 MB each).
  local old
  for old in "$bin_dir"/jaeger-*; do
    [[ $old == "$bin" || ! -f $old ]] && continue
    rm -f -- "$old"
  done
  say "built $bin in $((SECONDS - start))s ($(du -h -- "$bin" | cut -f1))"
  printf '%s\n' "$bin"
}

# --- process --------------------------------------------------------------

# True if the process exists and is not a zombie (an exited process that
# its parent, after start returns init, has not reaped yet).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local stat
  if stat=$(cat "/proc/$1/stat" 2>/dev/null); then
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]] || return 1
  fi
  return 0
}

# When the process started, in clock ticks since boot (field 22 of
# /proc/PID/stat): with the pid, it names one process for good.
proc_start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  read -r -a stat <<<"$stat"
  printf '%s\n' "${stat[19]}"
}

# The binary a process runs (a replaced binary reads "PATH (deleted)").
proc_exe() {
  local exe
  exe=$(readlink -- "/proc/$1/exe" 2>/dev/null) || return 1
  printf '%s\n' "${exe% (deleted)}"
}

# Prints the pid of the running Jaeger started by this script, or fails.
# The pid file holds the pid, its start time and the binary it runs; all
# three must match (a pid is reused by other processes, and a binary name
# such as jaeger-… proves nothing).
running_pid() {
  [[ -f $pid_file ]] || return 1
  local pid started exe
  { read -r pid; read -r started; read -r exe; } <"$pid_file" || true
  is_uint "${pid:-}" || return 1
  alive "$pid" || return 1
  if [[ -d /proc/$pid ]]; then
    [[ -n ${started:-} && $(proc_start_time "$pid") == "$started" ]] || return 1
    [[ -n ${exe:-} && $(proc_exe "$pid") == "$exe" ]] || return 1
  fi
  printf '%s\n' "$pid"
}

# --- ports ----------------------------------------------------------------

# Resolve the configured ports into the globals ports[] (same order as
# port_vars); exits 2 on a bad value or a port used twice.
ports=()
resolve_ports() {
  local i var value j
  ports=()
  for i in "${!port_vars[@]}"; do
    var=${port_vars[$i]}
    value=${!var:-${port_defaults[$i]}}
    if ! is_uint "$value" || ((10#$value < 1 || 10#$value > 65535)); then
      usage_error "$var=$value is not a port number (1-65535)"
    fi
    value=$((10#$value))
    for j in "${!ports[@]}"; do
      if [[ ${ports[$j]} == "$value" ]]; then
        usage_error "$var and ${port_vars[$j]} are both $value; give each a distinct port"
      fi
    done
    ports+=("$value")
  done
}

# True if something accepts TCP connections on 127.0.0.1:port.
port_in_use() {
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Who listens on a port, if ss can tell.
port_owner() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | head -n 3 | sed 's/^/    /' >&2 || true
}

check_ports_free() {
  local i other suggestion=()
  for i in "${!ports[@]}"; do
    if port_in_use "${ports[$i]}"; then
      say "port ${ports[$i]} (${port_labels[$i]}, ${port_vars[$i]}) on 127.0.0.1 is already in use by another process:"
      port_owner "${ports[$i]}"
      other=$((ports[i] + 10000))
      ((other <= 65535)) || other=$((ports[i] - 10000))
      suggestion+=("${port_vars[$i]}=$other")
    fi
  done
  if ((${#suggestion[@]})); then
    say "not starting Jaeger. Stop whatever uses the port(s), or choose others, e.g."
    say "  ${suggestion[*]} $0 start"
    exit 4
  fi
}

# Lock each port (in order, so that two starts cannot each hold a port the
# other waits for) in a directory that every state directory shares,
# until exit.
lock_ports() {
  command -v flock >/dev/null 2>&1 || return 0
  local dir=${TMPDIR:-/tmp}/jaeger.sh-ports port fd
  [[ -d $dir ]] || mkdir -m 1777 -- "$dir" 2>/dev/null || true
  for port in $(printf '%s\n' "${ports[@]}" | sort -n); do
    exec {fd}>>"$dir/$port.lock" || die "cannot open the lock file $dir/$port.lock"
    if ! flock -n "$fd"; then
      say "another jaeger.sh is starting a Jaeger on port $port; waiting for it"
      flock "$fd"
    fi
  done
}

# Close descriptors 3 and up of the current (sub)shell, except bash's own 255.
close_inherited_fds() {
  local fd fds=()
  if [[ -d /proc/$BASHPID/fd ]]; then
    for fd in /proc/"$BASHPID"/fd/*; do
      fds+=("${fd##*/}")
    done
  else
    fds=(8 9)
  fi
  for fd in "${fds[@]}"; do
    if is_uint "$fd" && ((fd > 2 && fd != 255)); then
      eval "exec $fd>&-" 2>/dev/null || true
    fi
  done
}

# HTTP status code of GET http://127.0.0.1:port/path, 000 if none. Bash's
# /dev/tcp speaks the HTTP/1.0 it needs, so no curl is needed.
http_code() {
  local code
  # shellcheck disable=SC2016 # $1 and $2 are expanded by the inner bash
  code=$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n" "$2" "$1" >&3 &&
    read -r _ code _ <&3 && printf "%s" "$code"' _ "$1" "$2" 2>/dev/null) || true
  [[ $code =~ ^[0-9]{3}$ ]] || code=000
  printf '%s\n' "$code"
}

describe_ports() {
  local i
  for i in "${!port_vars[@]}"; do
    printf '  %-11s 127.0.0.1:%s\n' "${port_labels[$i]}" "${ports[$i]}"
  done
}

load_saved_ports() {
  local i var value
  resolve_ports
  [[ -f $ports_file ]] || return 0
  for i in "${!port_vars[@]}"; do
    var=${port_vars[$i]}
    value=$(sed -n "s/^$var=\\([0-9]*\\)\$/\\1/p" "$ports_file")
    [[ -n $value ]] && ports[i]=$value
  done
  return 0
}

# --- UI -------------------------------------------------------------------

# The Jaeger module's version in scripts/jaeger/go.mod. The Jaeger UI is
# released with the same version numbers, so it names the UI to download.
jaeger_version() {
  awk '$1 == "github.com/jaegertracing/jaeger" { print $2; exit }' "$mod_dir/go.mod"
}

# The directory of UI assets Jaeger serves (config: jaeger_query.ui.assets_path);
# "" for the placeholder page Jaeger has built in. Set by resolve_ui.
ui_dir=""

# Decide where the UI comes from: JAEGER_UI_ASSETS (a directory or a .tar.gz),
# else the Jaeger UI release of jaeger_version, downloaded once into the
# state directory, else the placeholder page, with a warning that says how
# to get the UI. Bad JAEGER_UI_ASSETS: exit 2 (no such path) or 1 (not a UI).
resolve_ui() {
  ui_dir=""
  case ${JAEGER_UI:-1} in
    1) ;;
    0) return 0 ;;
    *) usage_error "JAEGER_UI=$JAEGER_UI must be 1 (serve the Jaeger UI, the default) or 0 (the placeholder page)" ;;
  esac
  # What an interrupted download or unpack left (start holds the state lock).
  rm -rf -- "$state_dir"/ui/.download.* "$state_dir"/ui/*.tmp.*
  local assets=${JAEGER_UI_ASSETS:-}
  if [[ -n $assets ]]; then
    [[ -e $assets ]] || usage_error "JAEGER_UI_ASSETS=$assets: no such file or directory"
    if [[ -d $assets ]]; then
      [[ -f $assets/index.html ]] || die "JAEGER_UI_ASSETS=$assets: the directory has no index.html (want a Jaeger UI build: index.html and static/)"
      ui_dir=$(cd -P -- "$assets" && pwd)
      return 0
    fi
    # Keyed on the content, so a changed file is unpacked anew.
    local dest
    dest="$state_dir/ui/assets-$(sha256sum <"$assets" | cut -c1-16)"
    unpack_ui "$assets" "$dest" || die "JAEGER_UI_ASSETS=$assets: $unpack_error"
    ui_dir=$dest
    return 0
  fi
  local version url dest
  version=$(jaeger_version)
  url=${JAEGER_UI_URL:-https://github.com/jaegertracing/jaeger-ui/releases/download/$version/assets.tar.gz}
  [[ $url == https://* ]] || usage_error "JAEGER_UI_URL=$url: not an https:// URL"
  dest="$state_dir/ui/download-$(printf '%s' "$url" | sha256sum | cut -c1-16)"
  if [[ -f $dest/index.html ]] || download_ui "$url" "$dest"; then
    ui_dir=$dest
  fi
}

# download_ui URL DEST: download the UI's .tar.gz over HTTPS and unpack it into
# DEST. On failure it warns in one line, leaves nothing behind and fails.
download_ui() {
  local url=$1 dest=$2 tmp why=""
  mkdir -p -- "${dest%/*}"
  tmp=$(mktemp -- "${dest%/*}/.download.XXXXXX")
  say "downloading the Jaeger UI (once) from $url"
  if ! why=$(curl -fsS --proto =https --proto-redir =https --location --connect-timeout 10 --max-time 300 \
    -o "$tmp" -- "$url" 2>&1); then
    why=${why:-curl failed}
  elif ! unpack_ui "$tmp" "$dest"; then
    why="the download: $unpack_error"
  fi
  rm -f -- "$tmp"
  [[ -z $why ]] && return 0
  say "warning: no Jaeger UI from $url (${why//$'\n'/ }); serving Jaeger's placeholder page instead. To get the UI: set JAEGER_UI_ASSETS to a Jaeger UI build (.tar.gz or directory), or allow the download"
  return 1
}

# unpack_ui TARBALL DEST: unpack a Jaeger UI build (a .tar.gz with
# index.html at its top) into DEST. It unpacks into a temporary directory and
# renames that into place, so a refused, failed or interrupted unpack leaves
# nothing that a later start would take for the UI. On failure it sets
# unpack_error to what is wrong with the tarball.
unpack_error=""
unpack_ui() {
  local tarball=$1 dest=$2 names tmp
  [[ -f $dest/index.html ]] && return 0
  if ! names=$(tar -tzf "$tarball" 2>/dev/null); then
    unpack_error="not a .tar.gz that can be read (corrupt, cut short, or not a gzip'd tar archive)"
    return 1
  fi
  # Only relative paths that stay inside DEST.
  if grep -Eq '^/|(^|/)\.\.(/|$)' <<<"$names"; then
    unpack_error="refused: a member has an absolute path or '..'"
    return 1
  fi
  if ! grep -Eqx '(\./)?index\.html' <<<"$names"; then
    unpack_error="no index.html at the top of the archive (want a Jaeger UI build: index.html and static/)"
    return 1
  fi
  mkdir -p -- "${dest%/*}"
  tmp=$(mktemp -d -- "$dest.tmp.XXXXXX")
  if ! tar -xzf "$tarball" -C "$tmp" --no-same-owner 2>/dev/null; then
    rm -rf -- "$tmp"
    unpack_error="could not unpack it into ${dest%/*}"
    return 1
  fi
  # Only plain files and directories: a link could point outside. (GNU tar
  # makes a link that points outside only once the rest is unpacked, so
  # none was followed.)
  if [[ -n $(find "$tmp" ! -type f ! -type d -print -quit) ]]; then
    rm -rf -- "$tmp"
    unpack_error="refused: a member is neither a plain file nor a directory"
    return 1
  fi
  chmod 755 -- "$tmp"
  rm -rf -- "$dest"
  mv -- "$tmp" "$dest"
}

# What Jaeger's query port serves at /, as a user would see it.
describe_ui() {
  local page served
  if ! page=$(curl -fsS -m 2 "http://127.0.0.1:$1/" 2>&1); then
    served="no page: ${page//$'\n'/ }"
  else
    case $page in
      *"<title>Jaeger UI</title>"*) served="the Jaeger UI" ;;
      *"placeholder for the Jaeger UI"*) served="Jaeger's placeholder page, not the UI: see JAEGER_UI_ASSETS in '$0 help'" ;;
      *) served="a page that is neither the Jaeger UI nor Jaeger's placeholder" ;;
    esac
  fi
  printf '  UI:         http://127.0.0.1:%s/  (%s)\n' "$1" "$served"
}

# --- commands -------------------------------------------------------------

cmd_start() {
  while (($#)); do
    case $1 in
      --config)
        (($# >= 2)) || usage_error "start --config needs a file"
        [[ -f $2 && -r $2 ]] || usage_error "start --config $2: no such readable file"
        config=$(cd -P -- "$(dirname -- "$2")" && pwd)/$(basename -- "$2")
        shift
        ;;
      *) usage_error "unknown start argument: $1" ;;
    esac
    shift
  done
  local timeout=${JAEGER_START_TIMEOUT:-60}
  is_uint "$timeout" || usage_error "JAEGER_START_TIMEOUT=$timeout is not a number of seconds"
  resolve_ports
  ensure_state_dir
  lock 8 "$state_dir/.lock"

  local pid
  if pid=$(running_pid); then
    local requested=("${ports[@]}")
    load_saved_ports
    say "Jaeger is already running (pid $pid)"
    describe_ports
    if [[ "${requested[*]}" != "${ports[*]}" ]]; then
      say "note: it runs on the ports above, not the ones now requested (${requested[*]}); stop it first to change them"
    fi
    return 0
  fi
  rm -f -- "$pid_file"

  check_ports_free
  resolve_ui

  # Not in $(…): build's traps must be this shell's, so that a signal to
  # jaeger.sh stops the build too.
  build >/dev/null
  local bin=$built_bin

  # Two starts with other state directories but the same ports both pass
  # the check above and race for the bind. Starts that share a port take
  # turns, each until its Jaeger is healthy or has failed, so that the
  # second finds the port in use.
  lock_ports
  check_ports_free

  local i env_args=() launcher=()
  [[ -f $log_file ]] && mv -f -- "$log_file" "$log_file.1"
  {
    for i in "${!port_vars[@]}"; do
      printf '%s=%s\n' "${port_vars[$i]}" "${ports[$i]}"
    done
  } >"$ports_file"

  for i in "${!port_vars[@]}"; do
    env_args+=("${port_vars[$i]}=${ports[$i]}")
  done
  env_args+=("JAEGER_UI_ASSETS_PATH=$ui_dir")
  say "starting $bin --config $config"
  # setsid: own session, so a Ctrl-C in the calling terminal does not reach
  # it. (In a non-interactive shell a background job is no process group
  # leader, so setsid execs in place and $! stays Jaeger's pid.)
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  (
    # Jaeger must not inherit our lock descriptors (that would hold the lock
    # while it runs) nor a caller's pipes (a caller waiting for end of file
    # on a pipe would hang): close every descriptor above stderr.
    close_inherited_fds
    exec env "${env_args[@]}" "${launcher[@]}" "$bin" --config "$config"
  ) </dev/null >>"$log_file" 2>&1 &
  # The subshell execs env, env execs setsid, setsid execs Jaeger: one pid.
  pid=$!
  printf '%s\n' "$pid" "$(proc_start_time "$pid" || true)" "$bin" >"$pid_file"

  local deadline=$((SECONDS + timeout)) health_port=${ports[4]} code
  while :; do
    if ! alive "$pid"; then
      rm -f -- "$pid_file"
      say "Jaeger exited during startup; last lines of $log_file:"
      tail -n 40 -- "$log_file" >&2
      # Another process took a port between the check and Jaeger's bind.
      if grep -q 'address already in use' -- "$log_file"; then
        say "a port Jaeger needs was taken by another process meanwhile (see above)"
        exit 4
      fi
      exit 1
    fi
    code=$(http_code "$health_port" /status)
    if [[ $code == 200 ]] && port_in_use "${ports[0]}" && port_in_use "${ports[2]}"; then
      break
    fi
    if ((SECONDS >= deadline)); then
      say "Jaeger did not become healthy within ${timeout}s (last health status: $code); last lines of $log_file:"
      tail -n 40 -- "$log_file" >&2
      say "stopping it"
      stop_pid "$pid" || true
      rm -f -- "$pid_file"
      exit 1
    fi
    sleep 0.5
  done
  say "Jaeger is running (pid $pid, healthy)"
  describe_ports
  printf '  API: http://127.0.0.1:%s/api/services  log: %s\n' "${ports[2]}" "$log_file"
  describe_ui "${ports[2]}"
}

# TERM, wait up to JAEGER_STOP_TIMEOUT, then KILL. Fails if it survives.
stop_pid() {
  local pid=$1 timeout=${JAEGER_STOP_TIMEOUT:-10} deadline
  is_uint "$timeout" || usage_error "JAEGER_STOP_TIMEOUT=$timeout is not a number of seconds"
  kill -TERM "$pid" 2>/dev/null || return 0
  deadline=$((SECONDS + timeout))
  while alive "$pid" && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if alive "$pid"; then
    say "pid $pid did not exit within ${timeout}s of SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || return 0
    deadline=$((SECONDS + 5))
    while alive "$pid" && ((SECONDS < deadline)); do
      sleep 0.2
    done
    if alive "$pid"; then
      say "pid $pid is still alive after SIGKILL"
      return 1
    fi
  fi
  return 0
}

cmd_stop() {
  (($# == 0)) || usage_error "stop takes no arguments"
  ensure_state_dir
  lock 8 "$state_dir/.lock"
  local pid
  if ! pid=$(running_pid); then
    [[ -f $pid_file ]] && say "removing stale pid file $pid_file"
    rm -f -- "$pid_file"
    say "Jaeger is not running"
    return 0
  fi
  say "stopping Jaeger (pid $pid)"
  stop_pid "$pid" || exit 1
  rm -f -- "$pid_file"
  say "stopped"
}

cmd_status() {
  (($# == 0)) || usage_error "status takes no arguments"
  ensure_state_dir
  local pid
  if ! pid=$(running_pid); then
    echo "Jaeger is not running"
    exit 3
  fi
  load_saved_ports
  local health
  health=$(http_code "${ports[4]}" /status)
  echo "Jaeger is running (pid $pid, health: HTTP $health)"
  describe_ports
  describe_ui "${ports[2]}"
  echo "  binary:     $(readlink -- "/proc/$pid/exe" 2>/dev/null || echo unknown)"
  echo "  log:        $log_file"
  echo "  state dir:  $state_dir"
}

cmd_logs() {
  local mode=tail n=100
  while (($#)); do
    case $1 in
      -a | --all | all) mode=all ;;
      -f | --follow) mode=follow ;;
      -n)
        (($# >= 2)) || usage_error "logs -n needs a number"
        n=$2
        shift
        ;;
      *) usage_error "unknown logs argument: $1" ;;
    esac
    shift
  done
  is_uint "$n" || usage_error "logs -n: '$n' is not a number"
  ensure_state_dir
  if [[ ! -f $log_file ]]; then
    say "no log yet ($log_file): Jaeger has not been started with this state dir"
    return 0
  fi
  case $mode in
    all) cat -- "$log_file" ;;
    follow) tail -n "$n" -f -- "$log_file" ;;
    *) tail -n "$n" -- "$log_file" ;;
  esac
}

cmd_build() {
  (($# == 0)) || usage_error "build takes no arguments"
  build
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    logs | log) cmd_logs "$@" ;;
    build) cmd_build "$@" ;;
    help | -h | --help) usage ;;
    "") usage >&2; exit 2 ;;
    *) usage_error "unknown command: $cmd" ;;
  esac
}

main "$@"
