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

# What this script shares with collector.sh and scale.sh; the variables
# below are its parameters (see the top of that file).
# shellcheck source-path=SCRIPTDIR source=lib/service.sh
source "$script_dir/lib/service.sh"
svc_prog=jaeger.sh svc_script=${BASH_SOURCE[0]} svc_env=JAEGER svc_title=Jaeger
svc_file=jaeger svc_hint_line=1

state_dir="${JAEGER_STATE_DIR:-$repo_root/.state/jaeger}"
bin_dir="${JAEGER_BIN_DIR:-$state_dir/bin}"
svc_bin_in_state=1
bin_name=jaeger

# Port names, the environment variables that set them and their defaults.
port_vars=(JAEGER_OTLP_GRPC_PORT JAEGER_OTLP_HTTP_PORT JAEGER_QUERY_PORT JAEGER_QUERY_GRPC_PORT JAEGER_HEALTH_PORT)
port_defaults=(4317 4318 16686 16685 13133)
port_labels=("OTLP gRPC" "OTLP HTTP" "query HTTP" "query gRPC" "health")
# Healthy: GET /status on the health port answers 200, and the OTLP gRPC
# and query HTTP ports accept connections.
svc_health_index=4 svc_health_path=/status svc_ready_ports=(0 2)

# --- binary ---------------------------------------------------------------

build_inputs=("$mod_dir/go.mod" "$mod_dir/go.sum")
svc_build_what="Jaeger v2"
svc_build_why="go.mod + go.sum changed or first use"
svc_build_time="the first build downloads modules and compiles: about 5 minutes on an idle 2-core machine, 30 or more on a busy one; later ones reuse the Go caches"
svc_build_busy="a build of Jaeger is under way"

# How the binary is built; part of the cache key, so changing it rebuilds.
# -s -w: no symbol table/DWARF (smaller, faster link; stack traces still work).
build_recipe() {
  local version
  version=$(jaeger_version)
  printf '%s\n' -mod=readonly -trimpath \
    "-ldflags=-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=${version:-unknown}"
}

# build_binary OUT: compile Jaeger into OUT (in build's subshell).
build_binary() {
  cd -- "$mod_dir"
  GOWORK=off "$build_go" build "${build_flags[@]}" -o "$1" "$jaeger_pkg"
}

# --- ports ----------------------------------------------------------------

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
  start_args "$@"
  if ((${#start_configs[@]})); then
    config=${start_configs[-1]} # the last --config, if several
  fi
  start_checks
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

  svc_extra_env=("JAEGER_UI_ASSETS_PATH=$ui_dir")
  launch "$bin" --config "$config"
  printf '  API: http://127.0.0.1:%s/api/services  log: %s\n' "${ports[2]}" "$log_file"
  describe_ui "${ports[2]}"
}

status_extra() { describe_ui "${ports[2]}"; }

main "start stop status logs build" "$@"
