#!/usr/bin/env bash
# PostgreSQL and Redis for the shop fixture's wire-proof suite (apps/shop-e2e), the way
# .ci/prometheus.sh brings Prometheus: Debian's packages unpacked into the workspace (.tools/),
# never installed system-wide; the servers run from there on 127.0.0.1, on free ports, with their
# data under .tools/services/run, and are stopped by the PIDs this script recorded.
#
#   bash .ci/services.sh start     # then: source .tools/services/env (or eval "$(… start)")
#   bash .ci/services.sh stop      # stops what `start` started, removes its data
#   bash .ci/services.sh status
#
# `start` prints the export lines for the suite and writes them to .tools/services/env:
#   SHOP_E2E_DATABASE_URL=postgres://shop@127.0.0.1:<port>/shop
#   SHOP_E2E_REDIS_URL=redis://127.0.0.1:<port>
# Where apt-get is missing (not Debian), postgres/initdb/pg_ctl and redis-server on PATH are used.
# Exit 1 with one line when a server cannot be had or does not come up.
set -euo pipefail
cd "$(dirname "$0")/.."
readonly ROOT=$PWD
readonly TOOLS=$ROOT/.tools
readonly RUN=$TOOLS/services/run
readonly ENV_FILE=$TOOLS/services/env
# Where the servers' binaries and data went when the workspace is out of the server user's reach.
readonly OUTSIDE_FILE=$TOOLS/services/outside
say() { echo "services: $*" >&2; }
fail() { echo "services: $*" >&2; exit 1; }

# Debian's package $1 and the shared libraries it needs that this system lacks, unpacked into $2.
unpack() {
  local package=$1 dest=$2 work
  work=$(mktemp -d)
  chmod 777 "$work" # apt downloads as its own unprivileged _apt user
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  if ! apt-cache policy "$package" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    [ "$(id -u)" -eq 0 ] || fail "apt package lists have no $package and updating them needs root"
    apt-get update -qq
  fi
  local wanted=("$package") lib
  while read -r lib; do wanted+=("$lib"); done < <(missing_libraries "$package")
  (cd "$work" && apt-get download -qq "${wanted[@]}" >/dev/null) || fail "apt-get download ${wanted[*]} failed"
  mkdir -p "$dest"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dest"; done
  say "unpacked ${wanted[*]} into ${dest#"$ROOT"/}"
}

# The shared-library packages (lib*) $1 depends on, recursively, that are not installed: the first
# of each set of alternatives, nothing else (no maintainer tooling, perl, alternatives' libraries).
missing_libraries() {
  local -A seen=()
  local queue=("$1") package line name alternative=0
  while [ ${#queue[@]} -gt 0 ]; do
    package=${queue[0]}; queue=("${queue[@]:1}")
    while IFS= read -r line; do
      # ` |Depends: a` starts a set of alternatives; the next `Depends:` line is the last of it.
      case $line in
        ' |Depends: '*|' |PreDepends: '*) name=${line#*: }; [ $alternative -eq 1 ] && continue; alternative=1 ;;
        '  Depends: '*|'  PreDepends: '*) name=${line#*: }; if [ $alternative -eq 1 ]; then alternative=0; continue; fi ;;
        *) continue ;;
      esac
      case $name in lib*) ;; *) continue ;; esac
      [ -z "${seen[$name]:-}" ] || continue
      seen[$name]=1
      [ "$(dpkg-query -W -f='${db:Status-Status}' "$name" 2>/dev/null || true)" = installed ] && continue
      echo "$name"
      queue+=("$name")
    done < <(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
      --no-enhances "$package" 2>/dev/null)
  done
}

libpath() { echo "$1/usr/lib/x86_64-linux-gnu:$1/lib/x86_64-linux-gnu:$1/usr/lib/$(uname -m)-linux-gnu"; }

# Sets PG_BIN and REDIS_SERVER (and LD_LIBRARY_PATH for the unpacked ones).
find_binaries() {
  local pg=$TOOLS/postgresql redis=$TOOLS/redis
  if command -v apt-get >/dev/null 2>&1; then
    local major
    if [ ! -x "$(ls -d "$pg"/usr/lib/postgresql/*/bin 2>/dev/null | head -n 1)/postgres" ]; then
      major=$(apt-cache depends postgresql 2>/dev/null | sed -n 's/.*Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1)
      [ -n "$major" ] || fail "apt knows no postgresql-<major> package"
      unpack "postgresql-$major" "$pg"
    fi
    [ -x "$redis/usr/bin/redis-check-rdb" ] || unpack redis-tools "$redis"
    PG_BIN=$(ls -d "$pg"/usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    # redis-server is redis-check-rdb under another name: it looks at the name it was run by.
    ln -sf redis-check-rdb "$redis/usr/bin/redis-server"
    REDIS_SERVER=$redis/usr/bin/redis-server
    export LD_LIBRARY_PATH="$(libpath "$pg"):$(libpath "$redis")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  else
    PG_BIN=$(dirname "$(command -v postgres 2>/dev/null || true)")
    REDIS_SERVER=$(command -v redis-server 2>/dev/null || true)
    [ -x "$PG_BIN/postgres" ] || fail "no apt-get to fetch Debian's postgresql, and no postgres on PATH"
    [ -n "$REDIS_SERVER" ] || fail "no apt-get to fetch Debian's redis, and no redis-server on PATH"
  fi
  "$PG_BIN/postgres" --version >/dev/null 2>&1 || fail "the unpacked postgres does not run: $("$PG_BIN/postgres" --version 2>&1 | head -n 1)"
  "$REDIS_SERVER" --version >/dev/null 2>&1 || fail "the unpacked redis-server does not run"
}

# A port nothing on 127.0.0.1 listens on (the servers bind it right after).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  fail "no free port found on 127.0.0.1"
}

# PostgreSQL refuses to run as root: as root, the servers run as nobody, owning only their data
# directory ($DATA).
as_server() {
  if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env \
    env PATH=/usr/bin:/bin LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}" "$@"
  else "$@"; fi
}

# As as_server, replacing the calling (background) subshell, so that `$!` is the server's own PID
# and stopping it by that PID stops the server, not a shell around it.
exec_as_server() {
  if [ "$(id -u)" -eq 0 ]; then exec setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env \
    env PATH=/usr/bin:/bin LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}" "$@"
  else exec "$@"; fi
}

wait_for() { # what, pid, command…
  local what=$1 pid=$2; shift 2
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    kill -0 "$pid" 2>/dev/null || fail "$what exited at start; its log: $(tail -n 5 "$RUN/$what.log" 2>/dev/null | tr '\n' ' ')"
    sleep 0.2
  done
  fail "$what did not answer within 20 s; its log: $(tail -n 5 "$RUN/$what.log" 2>/dev/null | tr '\n' ' ')"
}

redis_ready() { exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG; }

# Whether the server user can run $1 (as root: nobody must be able to reach it; a workspace under
# a private directory, as `mktemp -d` makes them, is out of its reach).
reachable_by_server() {
  [ "$(id -u)" -ne 0 ] || setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$1"
}

# Sets DATA: $RUN, or — when the workspace is out of the server user's reach — a directory of
# its own under /tmp holding a copy of the unpacked servers and their data, removed by `stop`.
place_servers() {
  DATA=$RUN
  reachable_by_server "$PG_BIN/postgres" && reachable_by_server "$REDIS_SERVER" && return 0
  local outside
  outside=$(mktemp -d /tmp/otel-dice-services.XXXXXX)
  chmod 755 "$outside"
  echo "$outside" >"$OUTSIDE_FILE"
  local tree
  for tree in postgresql redis; do
    [ -d "$TOOLS/$tree" ] && cp -a "$TOOLS/$tree" "$outside/"
  done
  PG_BIN=${PG_BIN/#"$TOOLS"/$outside}
  REDIS_SERVER=${REDIS_SERVER/#"$TOOLS"/$outside}
  export LD_LIBRARY_PATH=${LD_LIBRARY_PATH//"$TOOLS"/$outside}
  DATA=$outside/data
  reachable_by_server "$PG_BIN/postgres" && reachable_by_server "$REDIS_SERVER" ||
    fail "the servers cannot be run as nobody from $outside either"
  say "the workspace is out of nobody's reach: the servers run from $outside"
}

remove_outside() {
  [ -f "$OUTSIDE_FILE" ] || return 0
  local outside
  outside=$(cat "$OUTSIDE_FILE")
  case "$outside" in /tmp/otel-dice-services.*) rm -rf "$outside" ;; esac
  rm -f "$OUTSIDE_FILE"
}

start() {
  if [ -f "$RUN/postgres.pid" ] || [ -f "$RUN/redis.pid" ]; then
    stop_servers quiet
  fi
  remove_outside
  find_binaries
  rm -rf "$RUN" && mkdir -p "$RUN"
  place_servers
  mkdir -p "$DATA"
  [ "$(id -u)" -ne 0 ] || chown nobody:nogroup "$DATA"
  local pg_port redis_port
  pg_port=$(free_port)
  as_server "$PG_BIN/initdb" -D "$DATA/pgdata" -U shop --auth=trust -E UTF8 --locale=C >"$RUN/initdb.log" 2>&1 ||
    fail "initdb failed: $(tail -n 3 "$RUN/initdb.log" | tr '\n' ' ')"
  # The database, made in single-user mode: the server package has no client tools (createdb).
  echo 'CREATE DATABASE shop;' | as_server "$PG_BIN/postgres" --single -D "$DATA/pgdata" postgres >>"$RUN/initdb.log" 2>&1 ||
    fail "creating the shop database failed: $(tail -n 3 "$RUN/initdb.log" | tr '\n' ' ')"
  # TCP on loopback only, no Unix socket, nothing written outside $DATA and $RUN.
  exec_as_server "$PG_BIN/postgres" -D "$DATA/pgdata" -h 127.0.0.1 -p "$pg_port" -k '' \
    -c fsync=off -c full_page_writes=off -c synchronous_commit=off >"$RUN/postgres.log" 2>&1 &
  echo $! >"$RUN/postgres.pid"
  wait_for postgres "$(cat "$RUN/postgres.pid")" bash -c "exec 3<>/dev/tcp/127.0.0.1/$pg_port"
  redis_port=$(free_port)
  exec_as_server "$REDIS_SERVER" --bind 127.0.0.1 --port "$redis_port" --dir "$DATA" --save '' --appendonly no \
    --protected-mode yes --daemonize no >"$RUN/redis.log" 2>&1 &
  echo $! >"$RUN/redis.pid"
  wait_for redis "$(cat "$RUN/redis.pid")" bash -c "$(declare -f redis_ready); redis_ready $redis_port"
  {
    echo "export SHOP_E2E_DATABASE_URL=postgres://shop@127.0.0.1:$pg_port/shop"
    echo "export SHOP_E2E_REDIS_URL=redis://127.0.0.1:$redis_port"
  } >"$ENV_FILE"
  say "postgres $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (pid $(cat "$RUN/postgres.pid")), redis on 127.0.0.1:$redis_port (pid $(cat "$RUN/redis.pid")); env in ${ENV_FILE#"$ROOT"/}"
  cat "$ENV_FILE"
}

# Stops the servers by the PIDs `start` recorded, and only those.
stop_servers() {
  local quiet=${1:-}
  for name in postgres redis; do
    local file=$RUN/$name.pid pid
    [ -f "$file" ] || continue
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
      # postgres: SIGINT is its fast shutdown; redis: SIGTERM.
      if [ "$name" = postgres ]; then kill -INT "$pid"; else kill -TERM "$pid"; fi
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
      [ -n "$quiet" ] || say "stopped $name (pid $pid)"
    fi
    rm -f "$file"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop_servers; rm -rf "$RUN" "$ENV_FILE"; remove_outside ;;
  status)
    for name in postgres redis; do
      if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
        say "$name running (pid $(cat "$RUN/$name.pid"))"
      else say "$name not running"; fi
    done
    [ ! -f "$ENV_FILE" ] || cat "$ENV_FILE"
    ;;
  *) fail "usage: bash .ci/services.sh start|stop|status" ;;
esac
