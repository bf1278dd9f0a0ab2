#!/usr/bin/env bash
# Stops what scripts/stack/up.sh (and scripts/demo.sh) started, by the pids they recorded in
# .stack/run/. `down.sh` stops everything; `down.sh weed` (or moto, idp, notifier, sealer, broker, page) stops one.
# Data stays in .stack/ (delete the folder for a clean slate).
set -euo pipefail
# shellcheck source=config.sh
. "$(dirname "$0")/config.sh"
RUN=$CALLSEAL_STACK_DIR/run
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(page broker sealer notifier idp moto weed)

for name in "${names[@]}"; do
  f=$RUN/$name.pid
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # started with setsid: the pid leads its own process group; stop the group (it and its children)
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done # its ports are free once it is gone
    fi
    printf '\033[1m[stack]\033[0m stopped %s (pid %s)\n' "$name" "$pid" >&2
  fi
  rm -f "$f"
done
