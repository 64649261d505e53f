#!/usr/bin/env bash
# The whole test suite: what the README's test command and .ci/run run.
#   1. formatting and go vet
#   2. go test -race ./... (unit, property, end-to-end through the built binary, fault-and-abuse suite)
#   3. a short fuzz run of every fuzz target (scripts/fuzz-smoke.sh)
#   4. the editors inside the real editors: Neovim 0.7 headless, VS Code (code-server + Playwright)
# The editor steps install what they need (apt, npm) on first use; LLXPRT_SKIP_EDITORS=1 skips them.
#
# On a cold machine the time goes to compiling ~570 packages, so the script compiles the world only
# twice: once with -race (go vet -race shares go test -race's build, and the editors are driven by a
# -race binary too) and once instrumented for fuzzing. The editors' installs (apt, code-server, npm ci)
# are I/O-bound and run in the background meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/llxprt-test.XXXXXX")"
prep_pid=""
cleanup() {
  if [ -n "$prep_pid" ]; then kill -- "-$prep_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

editors=1
[ "${LLXPRT_SKIP_EDITORS:-0}" != 1 ] || editors=0
if [ "$editors" = 1 ]; then
  # One after the other: the two apt-get runs would fight over dpkg's lock.
  setsid -w bash -c 'LLXPRT_PREPARE_ONLY=1 ./editors/neovim/test/run.sh && LLXPRT_PREPARE_ONLY=1 ./editors/vscode/test/run.sh' \
    >"$tmp/prepare.log" 2>&1 &
  prep_pid=$!
fi

step "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
# -race: vet type-checks against the same build as the tests below, so they reuse it. (Files that
# build only without race hold a constant each; vet sees their race twin.)
go vet -race ./...

step "go test -race ./..."
go test -race -count=1 ./...

step "fuzz smoke"
./scripts/fuzz-smoke.sh

if [ "$editors" = 1 ]; then
  step "editor prerequisites (installed in the background since the start)"
  if ! wait "$prep_pid"; then prep_pid=""; cat "$tmp/prepare.log" >&2; exit 1; fi
  prep_pid=""
  cat "$tmp/prepare.log"
  if [ -z "${LLXPRT_LS_BIN:-}" ]; then
    go build -race -o "$tmp/llxprt-ls" ./cmd/llxprt-ls
    export LLXPRT_LS_BIN="$tmp/llxprt-ls"
  fi
  step "Neovim plugin in headless Neovim"
  ./editors/neovim/test/run.sh
  step "VS Code extension in code-server"
  ./editors/vscode/test/run.sh
fi
step "all passed"
