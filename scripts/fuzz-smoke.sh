#!/usr/bin/env bash
# Runs every fuzz target in the repository for a short fixed time
# (FUZZTIME, default 10s each), so CI exercises them on every run. Targets
# are found by name (func FuzzX in *_test.go); today: profile FuzzParseJSON,
# FuzzParseTOML, server/lsp FuzzRequestParams, server/mcp FuzzToolArgs.
# An input that fails is written to that package's testdata/fuzz/<Target>/:
# commit it with the fix, so it stays a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-10s}
found=0
while IFS=: read -r file name; do
  pkg="$(dirname "$file")"
  found=$((found + 1))
  printf '%s %s (%s)\n' "$pkg" "$name" "$fuzztime"
  # -fuzzminimizetime bounds the shrinking of each new interesting input (60 s by default), which
  # otherwise can spend the whole short run minimizing one input and fuzz almost nothing.
  go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime 1s
done < <(grep -r -o -E --include='*_test.go' --exclude-dir=node_modules --exclude-dir=editors '^func Fuzz[A-Za-z0-9_]+' . \
           | sed -E 's/:func /:/' | sort)
if [ "$found" -eq 0 ]; then
  echo "fuzz-smoke: no fuzz targets found" >&2
  exit 1
fi
echo "fuzz-smoke: $found targets passed"
