#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, for the container suite (apps/stack-e2e).
#
#   bash .ci/docker-engine.sh
#
# An engine that already answers `docker info` (Docker Desktop, a system service, DOCKER_HOST) is used
# as it is. Otherwise, on a Debian-family machine and as root, this installs Debian's `docker.io` when
# `dockerd` is missing and starts `dockerd` in the background, then waits until it answers. The daemon
# is left running on purpose: it is a machine-wide service that other shells (and the next CI run, which
# then keeps its image layer cache) may be using; stop it with `kill <pid>` using the pid printed here.
#
# Exit status 0 when an engine answers, 1 (with one line saying why) when none can be had.
set -euo pipefail

readonly START_TIMEOUT_S=60
readonly LOG=${DOCKERD_LOG:-/var/log/otel-dice-dockerd.log}

say() { echo "docker-engine: $*"; }
fail() { echo "docker-engine: $*" >&2; exit 1; }

engine_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

if engine_answers; then
  say "engine already running ($(docker info --format '{{.ServerVersion}}, storage {{.Driver}}'))"
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  fail "DOCKER_HOST=$DOCKER_HOST is set but no engine answers there; not starting a local one"
fi
if [ "$(id -u)" -ne 0 ]; then
  fail "no Docker engine answers and starting one needs root (run this as root, or start Docker yourself)"
fi

if ! command -v dockerd >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || fail "no dockerd and no apt-get to install Debian's docker.io"
  say "installing Debian's docker.io"
  apt-get update -qq
  # Recommends (git, apparmor, needrestart, ...) are not needed to run containers.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
# docker.io brings its CLI too; a machine may also have another docker CLI first on PATH, which is fine.
command -v docker >/dev/null 2>&1 || fail "dockerd is installed but there is no docker CLI on PATH"

# setsid: the daemon gets its own session, so it neither receives this script's terminal signals nor
# keeps the caller's stdout open (CI logs would otherwise never close).
setsid dockerd >"$LOG" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 "$START_TIMEOUT_S"); do
  if engine_answers; then
    say "started dockerd (pid $pid, log $LOG, $(docker info --format '{{.ServerVersion}}, storage {{.Driver}}'))"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    fail "dockerd exited during startup: $(tail -n 1 "$LOG" 2>/dev/null || echo 'no log')"
  fi
  sleep 1
done
fail "dockerd (pid $pid) did not answer within ${START_TIMEOUT_S}s: $(tail -n 1 "$LOG" 2>/dev/null || echo 'no log')"
