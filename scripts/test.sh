#!/usr/bin/env bash
# The whole test suite: what the README's test command and .ci/run run.
#   1. formatting and go vet
#   2. go test -race ./... (unit, property, end-to-end through the built binary, fault-and-abuse suite)
#   3. a short fuzz run of every fuzz target (scripts/fuzz-smoke.sh)
#   4. the editors inside the real editors: Neovim 0.7 headless, VS Code (code-server + Playwright)
# The editor steps install what they need (apt, npm) on first use; LLXPRT_SKIP_EDITORS=1 skips them.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

step "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...

step "go test -race ./..."
go test -race -count=1 ./...

step "fuzz smoke"
./scripts/fuzz-smoke.sh

if [ "${LLXPRT_SKIP_EDITORS:-0}" != 1 ]; then
  step "Neovim plugin in headless Neovim"
  ./editors/neovim/test/run.sh
  step "VS Code extension in code-server"
  ./editors/vscode/test/run.sh
fi
step "all passed"
