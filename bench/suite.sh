#!/bin/bash
# The test suite's wall time against an older commit's, side by side on this machine:
#   bench/suite.sh b61c720 [PYTEST ARGS, for both]
# Both run in this checkout's .venv, one after the other, each with a private TMPDIR;
# the old one from a temporary git worktree with its own pyproject.toml (its pytest
# options). Run it with nothing else busy, and quote the ratio of one run.
set -euo pipefail
base=${1:?usage: bench/suite.sh COMMIT [PYTEST ARGS]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'git -C "$here" worktree remove --force "$work/base" 2>/dev/null || true; rm -rf "$work"' EXIT
git -C "$here" worktree add -q --detach "$work/base" "$base"
ln -s "$here/node_modules" "$work/base/node_modules"
run() {  # name folder [pytest args]
  local name=$1 folder=$2
  shift 2
  mkdir -p "$work/tmp-$name"
  local start end
  start=$(date +%s.%N)
  (cd "$folder" && TMPDIR="$work/tmp-$name" PYTHONPATH="$folder" \
    "$here/.venv/bin/python" -m pytest -q -p no:randomly "$@" > "$work/$name.log" 2>&1) || true
  end=$(date +%s.%N)
  printf '%s\t%.1f s\t%s\n' "$name" "$(echo "$end - $start" | bc)" "$(tail -1 "$work/$name.log")"
  grep -E '^(FAILED|ERROR) ' "$work/$name.log" || true  # a failed run's timing means little
}
run "base ($base)" "$work/base" "$@"
run "now ($(git -C "$here" rev-parse --short HEAD))" "$here" "$@"
