#!/usr/bin/env bash
# Run tail sampling across collector replicas on 127.0.0.1: N front
# collectors that route each span by its trace id (the load_balancing
# exporter, static resolver) to N tail-sampling collectors, which keep what
# the policies of scripts/jaeger/tail-sampling.yaml keep and send it to one
# Jaeger. See docs/from-sample-to-production.md.
#
#   programs ──OTLP──▶ front-1 … front-N ──by trace id──▶ backend-1 … backend-N ──▶ Jaeger
#
# Usage: scripts/scale.sh <command> [args]
#
# Commands:
#   start [--replicas N] [--no-lb]
#                 Build what is missing, start Jaeger, the backends, then the
#                 fronts (N of each, 1-8, default 2), each waited for until
#                 healthy, and print the addresses. --no-lb: the control, each
#                 front sends everything straight to its own backend, which
#                 is what a round-robin balancer amounts to. Already running:
#                 says so (stop first to change N or the mode).
#   stop          Stop every process start started (fronts first, so that
#                 they hand on what they hold), and only those.
#   status        Show each process and the addresses.
#   env           Print the addresses as NAME=value lines (the file
#                 $SCALE_STATE_DIR/topology), for scripts and tests.
#   help, -h      This text.
#
# Exit codes: 0 success; 1 failure (a build, a process that did not start;
# what was started is stopped again); 2 usage error (bad argument or
# environment value); 3 status: not running (or not all of it);
# 4 start: a given port is in use.
#
# Environment (all optional):
#   SCALE_STATE_DIR        state of the topology    (<repo>/.state/scale)
#   SCALE_BASE_PORT        give ports from here on, consecutively: Jaeger's
#                          5, then 3 per backend, then 3 per front (gRPC,
#                          HTTP, health); unset: free ports
#   SCALE_DECISION_WAIT    the backends' decision_wait, e.g. 10s (default:
#                          the one of scripts/jaeger/tail-sampling.yaml)
#   JAEGER_TAIL_PERCENT, JAEGER_TAIL_SLOW_MS
#                          the policies' settings, as for tail-sampling.yaml
#   JAEGER_BIN_DIR, COLLECTOR_BIN_DIR
#                          binary caches (see jaeger.sh, collector.sh)
#
# Every listener binds 127.0.0.1 only.

set -euo pipefail

script_dir=$(cd -P -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd)
repo_root=$(cd -P -- "$script_dir/.." && pwd)
collector="$script_dir/collector.sh"
jaeger="$script_dir/jaeger.sh"
policies="$script_dir/jaeger/tail-sampling.yaml"
state_dir="${SCALE_STATE_DIR:-$repo_root/.state/scale}"

# What this script shares with jaeger.sh and collector.sh (messages, number
# checks, the state directory, locks, ports); see the top of that file.
# shellcheck source-path=SCRIPTDIR source=lib/service.sh
source "$script_dir/lib/service.sh"
svc_prog=scale.sh svc_script=${BASH_SOURCE[0]} svc_env=SCALE
svc_title="the topology" svc_file=scale svc_hint_line=0

# next_port: the next given port (SCALE_BASE_PORT) or a free one, in $port.
taken=" "
port=
next_port() {
  if [[ -n ${SCALE_BASE_PORT:-} ]]; then
    port=$next_given
    next_given=$((next_given + 1))
    port_in_use "$port" && { say "port $port on 127.0.0.1 (from SCALE_BASE_PORT=$SCALE_BASE_PORT) is already in use; choose another base"; exit 4; }
  else
    # A failure, not an exit: start's ERR trap stops what was started.
    if ! pick_free_port "$taken"; then
      say "found no free port on 127.0.0.1"
      return 1
    fi
    port=$picked_port
  fi
  taken+="$port "
}

# The processors.tail_sampling block of tail-sampling.yaml, as a
# configuration of its own: the backends run the very policies Jaeger's
# tail-sampling configuration runs.
write_policies() {
  local out=$1
  awk '
    /^processors:/ { print; inproc = 1; next }
    inproc && /^[^ #]/ { exit }
    inproc && /^  tail_sampling:/ { keep = 1; print; next }
    keep && /^  [^ #]/ { exit }
    keep { print }
  ' "$policies" >"$out"
  grep -q '^    policies:' "$out" || die "found no processors.tail_sampling.policies in $policies"
  if [[ -n ${SCALE_DECISION_WAIT:-} ]]; then
    sed -i "s/^    decision_wait: .*/    decision_wait: $SCALE_DECISION_WAIT/" "$out"
  fi
}

# Each process of the topology: a name, its state directory.
instance_dir() { printf '%s/%s\n' "$state_dir" "$1"; }

# collector_do NAME ARGS...: collector.sh with NAME's state directory.
collector_do() {
  local name=$1
  shift
  COLLECTOR_STATE_DIR=$(instance_dir "$name") "$collector" "$@"
}

# pid_of NAME FILE: the pid in NAME's pid file (its first line; the others
# are the start time and the binary).
pid_of() { head -n 1 -- "$(instance_dir "$1")/$2"; }

jaeger_do() { JAEGER_STATE_DIR=$(instance_dir jaeger) "$jaeger" "$@"; }

# Names of what runs, in the order start starts them.
names() {
  local n=$1 i
  printf 'jaeger\n'
  for ((i = 1; i <= n; i++)); do printf 'backend-%d\n' "$i"; done
  for ((i = 1; i <= n; i++)); do printf 'front-%d\n' "$i"; done
}

running() { [[ -f $state_dir/topology ]]; }

cmd_start() {
  local replicas=2 lb=1
  while (($#)); do
    case $1 in
      --replicas)
        (($# >= 2)) || usage_error "start --replicas needs a number"
        replicas=$2
        shift
        ;;
      --replicas=*) replicas=${1#*=} ;;
      --no-lb) lb=0 ;;
      *) usage_error "unknown start argument: $1" ;;
    esac
    shift
  done
  if ! is_uint "$replicas" || ((10#$replicas < 1 || 10#$replicas > 8)); then
    usage_error "--replicas $replicas is not a number of replicas (1-8)"
  fi
  replicas=$((10#$replicas))
  if [[ -n ${SCALE_BASE_PORT:-} ]]; then
    local last=$((5 + 6 * replicas - 1))
    if ! is_uint "$SCALE_BASE_PORT" || ((10#$SCALE_BASE_PORT < 1024 || 10#$SCALE_BASE_PORT + last > 65535)); then
      usage_error "SCALE_BASE_PORT=$SCALE_BASE_PORT is not a port from which $((last + 1)) ports fit (1024-$((65535 - last)))"
    fi
    next_given=$((10#$SCALE_BASE_PORT))
  fi
  if [[ -n ${SCALE_DECISION_WAIT:-} && ! $SCALE_DECISION_WAIT =~ ^[0-9]+(ms|s|m)$ ]]; then
    usage_error "SCALE_DECISION_WAIT=$SCALE_DECISION_WAIT is not a duration such as 10s"
  fi
  [[ -x $collector && -x $jaeger ]] || die "missing $collector or $jaeger"
  ensure_state_dir
  lock 8 "$state_dir/.lock"
  if running; then
    say "the topology is already running (stop it first to change it):"
    cat -- "$state_dir/topology" >&2
    return 0
  fi

  # Build first, so that a failed build starts nothing.
  "$collector" build >/dev/null
  "$jaeger" build >/dev/null

  local topology="$state_dir/topology.new" i
  : >"$topology"
  # From here on, a failure stops what was started.
  trap 'say "start failed; stopping what was started"; stop_all "$replicas" || true; rm -f -- "$topology"' ERR
  set -E

  local jp=()
  for i in 1 2 3 4 5; do
    next_port
    jp+=("$port")
  done
  JAEGER_OTLP_GRPC_PORT=${jp[0]} JAEGER_OTLP_HTTP_PORT=${jp[1]} JAEGER_QUERY_PORT=${jp[2]} \
    JAEGER_QUERY_GRPC_PORT=${jp[3]} JAEGER_HEALTH_PORT=${jp[4]} jaeger_do start >&2
  printf 'JAEGER_OTLP_GRPC=127.0.0.1:%s\nJAEGER_QUERY=http://127.0.0.1:%s\nJAEGER_PID=%s\n' \
    "${jp[0]}" "${jp[2]}" "$(pid_of jaeger jaeger.pid)" >>"$topology"

  write_policies "$state_dir/tail-sampling-policies.yaml"
  local backends=() g h c
  for ((i = 1; i <= replicas; i++)); do
    next_port; g=$port
    next_port; h=$port
    next_port; c=$port
    COLLECTOR_OTLP_GRPC_PORT=$g COLLECTOR_OTLP_HTTP_PORT=$h COLLECTOR_HEALTH_PORT=$c \
      COLLECTOR_NEXT=127.0.0.1:${jp[0]} collector_do "backend-$i" start \
      --config "$state_dir/tail-sampling-policies.yaml" --config "$script_dir/collector/backend.yaml" >&2
    backends+=("127.0.0.1:$g")
    printf 'BACKEND_%d_OTLP_GRPC=127.0.0.1:%s\nBACKEND_%d_PID=%s\n' "$i" "$g" "$i" "$(pid_of "backend-$i" collector.pid)" >>"$topology"
  done

  local list
  list="[$(IFS=,; printf '%s' "${backends[*]}")]"
  list=${list//,/, }
  for ((i = 1; i <= replicas; i++)); do
    next_port; g=$port
    next_port; h=$port
    next_port; c=$port
    if ((lb)); then
      COLLECTOR_OTLP_GRPC_PORT=$g COLLECTOR_OTLP_HTTP_PORT=$h COLLECTOR_HEALTH_PORT=$c \
        COLLECTOR_BACKENDS=$list collector_do "front-$i" start --config "$script_dir/collector/front.yaml" >&2
    else
      COLLECTOR_OTLP_GRPC_PORT=$g COLLECTOR_OTLP_HTTP_PORT=$h COLLECTOR_HEALTH_PORT=$c \
        COLLECTOR_NEXT=${backends[$((i - 1))]} collector_do "front-$i" start --config "$script_dir/collector/front-direct.yaml" >&2
    fi
    printf 'FRONT_%d_OTLP_GRPC=127.0.0.1:%s\nFRONT_%d_OTLP_HTTP=127.0.0.1:%s\nFRONT_%d_PID=%s\n' \
      "$i" "$g" "$i" "$h" "$i" "$(pid_of "front-$i" collector.pid)" >>"$topology"
  done
  printf 'REPLICAS=%d\nMODE=%s\n' "$replicas" "$([[ $lb == 1 ]] && echo load-balancing || echo no-lb)" >>"$topology"
  trap - ERR
  mv -f -- "$topology" "$state_dir/topology"
  say "running: $replicas front(s) → $replicas tail-sampling backend(s) → Jaeger ($([[ $lb == 1 ]] && echo 'routed by trace id' || echo 'no load balancing: each front to one backend'))"
  cat -- "$state_dir/topology"
}

# Stop in the order data flows, so that each hands on what it holds.
stop_all() {
  local n=$1 name rc=0 dir order=()
  for ((i = 1; i <= n; i++)); do order+=("front-$i"); done
  for ((i = 1; i <= n; i++)); do order+=("backend-$i"); done
  for name in "${order[@]}"; do
    dir=$(instance_dir "$name")
    [[ -d $dir ]] || continue
    collector_do "$name" stop 2>&1 | sed "s/^/  $name: /" >&2 || rc=1
  done
  if [[ -d $(instance_dir jaeger) ]]; then
    jaeger_do stop 2>&1 | sed 's/^/  jaeger: /' >&2 || rc=1
  fi
  return "$rc"
}

# How many replicas a state directory holds (0 if none).
replicas_in_state() {
  local n=0
  while [[ -d $state_dir/backend-$((n + 1)) || -d $state_dir/front-$((n + 1)) ]]; do
    n=$((n + 1))
  done
  printf '%d\n' "$n"
}

cmd_stop() {
  (($# == 0)) || usage_error "stop takes no arguments"
  ensure_state_dir
  lock 8 "$state_dir/.lock"
  stop_all "$(replicas_in_state)" || die "could not stop everything (see above)"
  rm -f -- "$state_dir/topology"
  say "stopped"
}

cmd_status() {
  (($# == 0)) || usage_error "status takes no arguments"
  local n name all=0 out
  n=$(replicas_in_state)
  if [[ ! -d $state_dir ]] || ((n == 0)) && [[ ! -d $state_dir/jaeger ]]; then
    echo "the topology is not running"
    exit 3
  fi
  while read -r name; do
    if [[ $name == jaeger ]]; then
      out=$(jaeger_do status 2>&1) || all=1
    else
      out=$(collector_do "$name" status 2>&1) || all=1
    fi
    printf '%-10s %s\n' "$name" "$(head -n 1 <<<"$out")"
  done < <(names "$n")
  if ((all)) || ! running; then
    echo "the topology is not (all) running"
    exit 3
  fi
  cat -- "$state_dir/topology"
}

cmd_env() {
  (($# == 0)) || usage_error "env takes no arguments"
  running || { echo "the topology is not running" >&2; exit 3; }
  cat -- "$state_dir/topology"
}

main "start stop status env" "$@"
