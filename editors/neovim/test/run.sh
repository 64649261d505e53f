#!/usr/bin/env bash
# The Neovim check, as CI runs it on a clean Debian machine (root, Go, apt):
#   apt-get install neovim lua-check (if missing) → luacheck → build llxprt-ls and the slow fake provider →
#   headless Neovim runs test/headless.lua against `llxprt-ls lsp --demo`.
# It cannot hang: nvim and the fake run in their own sessions under timeout, the EXIT trap kills
# their process groups, and the Lua script always ends with cquit. Exit status is non-zero on any
# failure; nvim's and llxprt-ls's logs are printed when it fails.
#
# Environment:
#   LLXPRT_SKIP_APT=1    do not apt-get install (fail without nvim; skip the lint without luacheck)
#   LLXPRT_LS_BIN=FILE   use this llxprt-ls binary instead of building ./cmd/llxprt-ls
#   LLXPRT_NVIM_TIMEOUT  seconds headless nvim may run (default 90)
#   LLXPRT_PREPARE_ONLY=1  install the packages and stop (scripts/test.sh runs this in the background
#                        while Go compiles, so a cold machine waits for apt only once)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PLUGIN="$(cd "$HERE/.." && pwd)"
REPO="$(cd "$PLUGIN/../.." && pwd)"
START=$(date +%s)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/llxprt-nvim-test.XXXXXX")"
FAKE_PGID=""
NVIM_PGID=""

log() { printf '[neovim-ci %3ss] %s\n' "$(( $(date +%s) - START ))" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

kill_group() {
  local pg=$1
  [[ -n "$pg" ]] || return 0
  kill -0 -- "-$pg" 2>/dev/null || return 0
  kill -TERM -- "-$pg" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$pg" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL -- "-$pg" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  kill_group "$NVIM_PGID"
  kill_group "$FAKE_PGID"
  if [[ $rc -ne 0 ]]; then
    for f in "$WORK"/nvim.err "$WORK"/fake.log "$WORK"/xdg/state/nvim/lsp.log "$WORK"/xdg/cache/nvim/lsp.log; do
      [[ -s "$f" ]] || continue
      printf '\n==== %s (last 60 lines)\n' "${f#"$WORK"/}" >&2
      tail -n 60 "$f" >&2
    done
  fi
  rm -rf "$WORK"
  log "done in $(( $(date +%s) - START ))s (exit $rc)"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- Neovim (and luacheck for the lint) ------------------------------------------------------------
need_apt=()
command -v nvim >/dev/null || need_apt+=(neovim)
command -v luacheck >/dev/null || need_apt+=(lua-check)
if [[ ${#need_apt[@]} -gt 0 && "${LLXPRT_SKIP_APT:-0}" != 1 ]]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq >/dev/null || fail "apt-get update"
  timeout 300 apt-get install -y -qq "${need_apt[@]}" >/dev/null || fail "apt-get install ${need_apt[*]}"
fi
if [[ "${LLXPRT_PREPARE_ONLY:-0}" == 1 ]]; then
  log "prepared: packages in place"
  exit 0
fi
command -v nvim >/dev/null || fail "nvim is not installed (LLXPRT_SKIP_APT=1)"
timeout 10 nvim --headless -u NONE -i NONE -n -c 'lua if vim.fn.has("nvim-0.7") == 0 then vim.cmd("cquit 3") end' -c 'qall!' \
  </dev/null >/dev/null 2>&1 || fail "this plugin needs Neovim 0.7 or later: $(nvim --version | head -n1)"
log "$(nvim --version | head -n1)"

# ---- lint ---------------------------------
if command -v luacheck >/dev/null; then
  (cd "$PLUGIN" && timeout 60 luacheck --no-color -q lua plugin test/headless.lua) >"$WORK/luacheck.log" 2>&1 \
    || { cat "$WORK/luacheck.log" >&2; fail "luacheck"; }
else
  log "luacheck not installed: skipping the Lua lint"
fi

# ---- binaries -------------------------------------------------------------------------------------
mkdir -p "$WORK/bin"
if [[ -n "${LLXPRT_LS_BIN:-}" ]]; then
  cp "$LLXPRT_LS_BIN" "$WORK/bin/llxprt-ls" || fail "copy $LLXPRT_LS_BIN"
else
  log "go build llxprt-ls and the slow fake provider"
  (cd "$REPO" && timeout 300 go build -o "$WORK/bin/llxprt-ls" ./cmd/llxprt-ls) || fail "go build ./cmd/llxprt-ls"
fi
(cd "$REPO" && timeout 300 go build -o "$WORK/bin/slowfake" ./editors/neovim/test/slowfake) || fail "go build slowfake"

# ---- the slow provider and a config dir with a saved "slow" profile on it --------------------------
CFG="$WORK/cfg"; WS="$WORK/ws"
mkdir -p "$CFG/profiles" "$WS" "$WORK/xdg"/{config,data,state,cache}
setsid "$WORK/bin/slowfake" --stats "$WORK/stats.json" --last "$WORK/last-request.json" --lifetime 150s --url "$WORK/fake.url" </dev/null >/dev/null 2>"$WORK/fake.log" &
FAKE_PGID=$!
for _ in $(seq 1 100); do [[ -s "$WORK/fake.url" && -s "$WORK/stats.json" ]] && break; sleep 0.05; done
FAKE_URL="$(head -n1 "$WORK/fake.url")"
[[ -n "$FAKE_URL" ]] || fail "the slow fake provider did not start"
cat >"$CFG/profiles/slow.json" <<JSON
{
  "version": 1,
  "provider": "lb",
  "model": "gpt-5.2",
  "ephemeralSettings": {
    "context-limit": 200000,
    "first_token_timeout_ms": 60000,
    "request_timeout_ms": 120000,
    "lb": {
      "type": "failover",
      "buckets": [
        {"provider": "openai", "model": "gpt-5.2", "base-url": "$FAKE_URL", "key": "nvim-test-key-not-secret", "note": "slowfake: streams in paced chunks"}
      ]
    }
  }
}
JSON
timeout 30 "$WORK/bin/llxprt-ls" --config-dir "$CFG" profile validate "$CFG/profiles/slow.json" >"$WORK/validate.log" 2>&1 \
  || { cat "$WORK/validate.log" >&2; fail "llxprt-ls rejects the test profile"; }

# ---- headless Neovim --------------------------------------------------------------------------------
log "headless nvim: test/headless.lua"
XDG_CONFIG_HOME="$WORK/xdg/config" XDG_DATA_HOME="$WORK/xdg/data" XDG_STATE_HOME="$WORK/xdg/state" \
XDG_CACHE_HOME="$WORK/xdg/cache" \
LLXPRT_PLUGIN="$PLUGIN" LLXPRT_LS="$WORK/bin/llxprt-ls" LLXPRT_CFG="$CFG" LLXPRT_WS="$WS" \
LLXPRT_FAKE_STATS="$WORK/stats.json" LLXPRT_FAKE_LAST="$WORK/last-request.json" \
  setsid timeout -k 5 "${LLXPRT_NVIM_TIMEOUT:-90}" nvim --headless -u NONE -i NONE -n \
  -c "lua local ok, err = pcall(dofile, '$HERE/headless.lua'); io.stdout:write('FAIL  (cannot run headless.lua) ' .. tostring(err) .. '\\n'); vim.cmd('cquit 2')" \
  </dev/null >"$WORK/nvim.out" 2>"$WORK/nvim.err" &
NVIM_PGID=$!
rc=0
wait "$NVIM_PGID" || rc=$?
cat "$WORK/nvim.out"
[[ $rc -eq 0 ]] || fail "headless test (nvim exit $rc$([[ $rc -eq 124 ]] && echo ': timed out'))"
grep -q '^[0-9]* passed, 0 failed$' "$WORK/nvim.out" || fail "the headless test did not report a clean summary"
# llxprt-ls must not have crashed along the way.
if grep -s -l -E 'panic:|fatal error:' "$WORK"/xdg/*/nvim/lsp.log >/dev/null; then
  fail "llxprt-ls panicked (see lsp.log above)"
fi
log "PASS"
