# shellcheck shell=bash
# What scripts/jaeger.sh, scripts/collector.sh and scripts/scale.sh share:
# messages and exit codes, number checks, locks, the state directory, the
# binary cache and its build, the pid file, ports, start, health, stop,
# status, logs and the command dispatch. Sourced, never run: it defines
# functions and their globals and runs nothing. Each script sources it
# from its own directory (readlink -f of BASH_SOURCE), so any cwd works.
#
# The script that sources it sets, before it calls them (scale.sh, which
# runs no binary of its own, only the first six):
#
#   svc_prog      its name in messages                  (jaeger.sh)
#   svc_script    its own path, for help                ("${BASH_SOURCE[0]}")
#   svc_env       the prefix of its variables           (JAEGER: JAEGER_STATE_DIR, ...)
#   svc_title     what it runs, as a sentence begins    (Jaeger, "the collector")
#   svc_file      the name of its pid and log files     (jaeger: jaeger.pid, jaeger.log)
#   svc_hint_line 1: "run '... help' for usage" on a line of its own after a
#                 usage error; 0: at the end of the same line
#   state_dir, bin_dir, bin_name, mod_dir
#   port_vars, port_defaults ("" or none: a free port), port_labels
#   svc_health_index, svc_health_path   the health check: GET that path on
#                 that port answers 200 when healthy
#   svc_ready_ports  indexes of the ports that must accept connections too
#   svc_bin_in_state 1 if the binary cache defaults to $state_dir/bin
#   build_inputs  the files the binary is built from (the cache key)
#   svc_build_what, svc_build_why, svc_build_time   build messages
#   svc_build_busy   what to say while another build holds the lock ("":
#                 "another <svc_prog> holds <lock file>")
# and defines build_recipe (go build flags, one a line; part of the key),
# build_binary OUT (runs in a subshell of its own with build_go and
# build_flags set; may use build_work, a scratch directory), cmd_start,
# and optionally build_check (before any build) and status_extra (lines
# for status). It may set svc_extra_env before launch.
#
# Its parameters are set by the script that sources it, and the variables
# it sets are read there: checked alone, it would seem to use unset
# variables and set unused ones.
# shellcheck disable=SC2034,SC2154

# --- messages -------------------------------------------------------------

say() { printf '%s: %s\n' "$svc_prog" "$*" >&2; }
die() { say "$*"; exit 1; }
usage_error() {
  if ((${svc_hint_line:-0})); then
    say "$*"
    say "run '$0 help' for usage"
  else
    say "$*; run '$0 help' for usage"
  fi
  exit 2
}

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$svc_script"; }

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

# --- state directory and locks --------------------------------------------

# writable_dir DIR VAR: create DIR if needed and print its absolute path;
# exit 2 naming VAR (the variable that chose DIR) if it cannot be written.
writable_dir() {
  local dir=$1 var=$2 probe abs
  probe="$dir/.$svc_prog-probe.$$"
  if ! mkdir -p -- "$dir" 2>/dev/null || ! : 2>/dev/null >"$probe"; then
    usage_error "$var: cannot write to $dir (a read-only or missing filesystem?)"
  fi
  rm -f -- "$probe"
  abs=$(cd -P -- "$dir" && pwd) || usage_error "$var: cannot enter $dir"
  printf '%s\n' "$abs"
}

ensure_state_dir() {
  local env=${svc_env}_STATE_DIR var="the state directory $state_dir"
  [[ -n ${!env:-} ]] && var="$env=${!env}"
  state_dir=$(writable_dir "$state_dir" "$var") || exit
  pid_file="$state_dir/$svc_file.pid"
  log_file="$state_dir/$svc_file.log"
  ports_file="$state_dir/ports"
}

# Serialise start/stop (and builds) across concurrent invocations.
# lock FD FILE [WHAT]: hold an exclusive lock on FILE through descriptor FD
# until exit; while waiting, say so every 15 s (WHAT names the holder).
lock() {
  local fd=$1 file=$2 what=${3:-another $svc_prog holds $2} start=$SECONDS
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

build_key() {
  { cat -- "${build_inputs[@]}"; build_recipe; } | sha256sum | cut -c1-16
}

binary_path() { printf '%s/%s-%s\n' "$bin_dir" "$bin_name" "$(build_key)"; }

# The variable that chose the binary cache, for messages.
bin_dir_var() {
  local bin_env=${svc_env}_BIN_DIR state_env=${svc_env}_STATE_DIR
  if [[ -n ${!bin_env:-} ]]; then
    printf '%s=%s\n' "$bin_env" "${!bin_env}"
  elif ((${svc_bin_in_state:-0})) && [[ -n ${!state_env:-} ]]; then
    printf '%s=%s (its bin/)\n' "$state_env" "${!state_env}"
  else
    printf 'the binary cache %s\n' "$bin_dir"
  fi
}

# The build under way, for stop_build (a trap cannot see build's locals),
# and the binary that build made or found.
build_pid='' build_tmp='' build_work='' built_bin=''
build_go='' build_flags=()

# stop_build SIGNAL CODE: stop the whole build (its process group: go and
# the compilers it runs), remove its partial output and exit with CODE.
stop_build() {
  trap '' PIPE # stderr may be the pipe that closed
  if [[ -n $build_pid ]]; then
    kill -TERM -- "-$build_pid" 2>/dev/null || true
    wait "$build_pid" 2>/dev/null || true
    rm -rf -- "$build_tmp" "$build_work"
  fi
  say "interrupted by SIG$1: the build was stopped" || true
  exit "$2"
}

# Build the binary unless the cached one for these build inputs exists.
# Prints the binary path on stdout (and sets built_bin); progress goes to
# stderr. Call it in the script's own shell, not in $(...), so that its
# traps stop the build when the script is interrupted.
build() {
  if declare -F build_check >/dev/null; then
    build_check
  fi
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
  local busy=${svc_build_busy:-}
  [[ -n $busy ]] && busy="$busy (log: $bin_dir/build.log)"
  lock 9 "$bin_dir/.build.lock" "$busy"
  if [[ -x $bin ]]; then # built by a concurrent invocation meanwhile
    printf '%s\n' "$bin"
    return 0
  fi
  # Partial output of a build that was killed with its process group; we
  # hold the lock, so no build is writing it.
  rm -rf -- "$bin_dir/$bin_name"-*.tmp.* "$bin_dir/$bin_name"-*.work.*

  local build_log start rc next=15
  build_go=$(go_cmd)
  mapfile -t build_flags < <(build_recipe)
  build_log="$bin_dir/build.log"
  build_tmp="$bin.tmp.$$"
  build_work="$bin.work.$$"
  say "building $svc_build_what from $mod_dir ($svc_build_why)"
  say "$svc_build_time"
  say "build log: $build_log"
  start=$SECONDS
  # The build runs in its own process group (set -m), so that stop_build
  # stops all of it. It keeps the lock (descriptor 9) and installs the
  # binary itself: should this script be killed outright, the build still
  # ends with the binary in place or nothing, and no other build starts
  # until it has ended.
  set -m
  (
    trap 'rm -rf -- "$build_tmp" "$build_work"' EXIT
    build_binary "$build_tmp"
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
      say "still building... $((SECONDS - start))s"
      next=$((next + 15))
    fi
  done
  rc=0
  wait "$build_pid" || rc=$?
  trap - INT TERM HUP PIPE
  build_pid=''
  if ((rc != 0)) || [[ ! -x $bin ]]; then
    rm -rf -- "$build_tmp" "$build_work"
    say "build failed (exit $rc) after $((SECONDS - start))s; last lines of $build_log:"
    tail -n 30 -- "$build_log" >&2
    exit 1
  fi
  # Drop binaries of older build inputs (tens of MB each).
  local old
  for old in "$bin_dir/$bin_name"-*; do
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

# Prints the pid of the running process started by this script, or fails.
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
# port_vars), "" where neither set nor defaulted (a free port, chosen at
# start); exits 2 on a bad value or a port used twice.
ports=()
resolve_ports() {
  local i var value j
  ports=()
  for i in "${!port_vars[@]}"; do
    var=${port_vars[$i]}
    value=${!var:-${port_defaults[$i]:-}}
    if [[ -z $value ]]; then
      ports+=("")
      continue
    fi
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

# pick_free_port TAKEN: a random port in 10000-31999 that nothing accepts
# connections on and that is not among TAKEN (ports separated by spaces),
# in picked_port; fails after 100 tries.
picked_port=
pick_free_port() {
  local taken=" $1 " candidate tries
  picked_port=
  for ((tries = 0; tries < 100; tries++)); do
    # Below Linux's ephemeral range (32768-60999), from which every outgoing
    # connection takes its local port: a port free now stays free more often.
    candidate=$((10000 + RANDOM % 22000))
    [[ $taken == *" $candidate "* ]] && continue
    port_in_use "$candidate" && continue
    picked_port=$candidate
    return 0
  done
  return 1
}

# Who listens on a port, if ss can tell.
port_owner() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | head -n 3 | sed 's/^/    /' >&2 || true
}

# Exit 4 if a port chosen in ports[] is in use, suggesting others.
check_ports_free() {
  local i other suggestion=()
  for i in "${!ports[@]}"; do
    if [[ -n ${ports[$i]} ]] && port_in_use "${ports[$i]}"; then
      say "port ${ports[$i]} (${port_labels[$i]}, ${port_vars[$i]}) on 127.0.0.1 is already in use by another process:"
      port_owner "${ports[$i]}"
      other=$((ports[i] + 10000))
      ((other <= 65535)) || other=$((ports[i] - 10000))
      suggestion+=("${port_vars[$i]}=$other")
    fi
  done
  if ((${#suggestion[@]})); then
    say "not starting $svc_title. Stop whatever uses the port(s), or choose others, e.g."
    say "  ${suggestion[*]} $0 start"
    exit 4
  fi
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

# --- start, stop, status, logs --------------------------------------------

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

# start_args ARGS...: start's arguments, "--config FILE" (repeatable), into
# start_configs (absolute paths, in order); exit 2 on anything else.
start_configs=()
start_args() {
  while (($#)); do
    case $1 in
      --config)
        (($# >= 2)) || usage_error "start --config needs a file"
        [[ -f $2 && -r $2 ]] || usage_error "start --config $2: no such readable file"
        start_configs+=("$(cd -P -- "$(dirname -- "$2")" && pwd)/$(basename -- "$2")")
        shift
        ;;
      *) usage_error "unknown start argument: $1" ;;
    esac
    shift
  done
}

# start_checks: the start timeout (in start_timeout), the ports, the state
# directory and its lock (held until exit), before anything starts. If it
# runs already, say so and exit 0; if a port it needs is in use, exit 4.
start_timeout=
start_checks() {
  local var=${svc_env}_START_TIMEOUT
  start_timeout=${!var:-60}
  is_uint "$start_timeout" || usage_error "$var=$start_timeout is not a number of seconds"
  resolve_ports
  ensure_state_dir
  lock 8 "$state_dir/.lock"

  local pid
  if pid=$(running_pid); then
    local requested=("${ports[@]}")
    load_saved_ports
    say "$svc_title is already running (pid $pid)"
    describe_ports
    if [[ "${requested[*]}" != "${ports[*]}" ]]; then
      say "note: it runs on the ports above, not the ones now requested (${requested[*]}); stop it first to change them"
    fi
    exit 0
  fi
  rm -f -- "$pid_file"

  check_ports_free
}

# launch BIN ARGS...: run BIN ARGS in the background, in a session of its
# own, with the ports (and svc_extra_env) in its environment, and wait up
# to start_timeout until its health check answers 200 and svc_ready_ports
# accept connections. Exits 1 if it exits or does not become healthy
# (stopping it), 4 if a port was taken before it could bind it.
svc_extra_env=()
launch() {
  local bin=$1 i pid env_args=() launcher=()
  [[ -f $log_file ]] && mv -f -- "$log_file" "$log_file.1"
  {
    for i in "${!port_vars[@]}"; do
      printf '%s=%s\n' "${port_vars[$i]}" "${ports[$i]}"
    done
  } >"$ports_file"

  for i in "${!port_vars[@]}"; do
    env_args+=("${port_vars[$i]}=${ports[$i]}")
  done
  env_args+=("${svc_extra_env[@]}")
  say "starting $*"
  # setsid: own session, so a Ctrl-C in the calling terminal does not reach
  # it. (In a non-interactive shell a background job is no process group
  # leader, so setsid execs in place and $! stays the binary's pid.)
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  (
    # It must not inherit our lock descriptors (that would hold the lock
    # while it runs) nor a caller's pipes (a caller waiting for end of file
    # on a pipe would hang): close every descriptor above stderr.
    close_inherited_fds
    exec env "${env_args[@]}" "${launcher[@]}" "$@"
  ) </dev/null >>"$log_file" 2>&1 &
  # The subshell execs env, env execs setsid, setsid execs the binary: one pid.
  pid=$!
  printf '%s\n' "$pid" "$(proc_start_time "$pid" || true)" "$bin" >"$pid_file"

  local deadline=$((SECONDS + start_timeout)) code ready
  while :; do
    if ! alive "$pid"; then
      rm -f -- "$pid_file"
      say "$svc_title exited during startup; last lines of $log_file:"
      tail -n 40 -- "$log_file" >&2
      # Another process took a port between the check and the bind.
      if grep -q 'address already in use' -- "$log_file"; then
        say "a port $svc_title needs was taken by another process meanwhile (see above)"
        exit 4
      fi
      exit 1
    fi
    code=$(http_code "${ports[$svc_health_index]}" "$svc_health_path")
    if [[ $code == 200 ]]; then
      ready=1
      for i in "${svc_ready_ports[@]}"; do
        port_in_use "${ports[$i]}" || { ready=0; break; }
      done
      ((ready)) && break
    fi
    if ((SECONDS >= deadline)); then
      say "$svc_title did not become healthy within ${start_timeout}s (last health status: $code); last lines of $log_file:"
      tail -n 40 -- "$log_file" >&2
      say "stopping it"
      stop_pid "$pid" || true
      rm -f -- "$pid_file"
      exit 1
    fi
    sleep 0.5
  done
  say "$svc_title is running (pid $pid, healthy)"
  describe_ports
}

# TERM, wait up to <svc_env>_STOP_TIMEOUT, then KILL. Fails if it survives.
stop_pid() {
  local pid=$1 var=${svc_env}_STOP_TIMEOUT timeout deadline
  timeout=${!var:-10}
  is_uint "$timeout" || usage_error "$var=$timeout is not a number of seconds"
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
    say "$svc_title is not running"
    return 0
  fi
  say "stopping $svc_title (pid $pid)"
  stop_pid "$pid" || exit 1
  rm -f -- "$pid_file"
  say "stopped"
}

cmd_status() {
  (($# == 0)) || usage_error "status takes no arguments"
  ensure_state_dir
  local pid
  if ! pid=$(running_pid); then
    echo "$svc_title is not running"
    exit 3
  fi
  load_saved_ports
  local health
  health=$(http_code "${ports[$svc_health_index]}" "$svc_health_path")
  echo "$svc_title is running (pid $pid, health: HTTP $health)"
  describe_ports
  if declare -F status_extra >/dev/null; then
    status_extra
  fi
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
    say "no log yet ($log_file): $svc_title has not been started with this state dir"
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

# main COMMANDS ARGS...: run the command ARGS[0] (one of COMMANDS, "log"
# for logs) as cmd_<command> with the rest of ARGS; help, -h, --help print
# the script's header; no command prints it to stderr and exits 2.
main() {
  local commands=" $1 " cmd=${2:-} name
  shift
  (($#)) && shift
  case $cmd in
    help | -h | --help) usage; return 0 ;;
    "") usage >&2; exit 2 ;;
  esac
  name=$cmd
  [[ $name == log ]] && name=logs
  if [[ ! $name =~ ^[a-z]+$ || $commands != *" $name "* ]]; then
    usage_error "unknown command: $cmd"
  fi
  "cmd_$name" "$@"
}
