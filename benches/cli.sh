#!/usr/bin/env bash
# Times whole `sitrep` processes with hyperfine, against a baseline in the same run:
#   baseline  `sitrep --version`   process start, no config, no database
#   measured  `sitrep log ID TEXT` open the database, append one durable entry, exit
# Prints medians and their ratio. Uses the release binary and a database on the
# real disk under target/ (fsync costs what it costs there).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v hyperfine >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq hyperfine
fi

cargo build --release --quiet
bin="$PWD/target/release/sitrep"
work="$PWD/target/cli-bench"
rm -rf "$work"
mkdir -p "$work"
export SITREP_DB="$work/bench.db" SITREP_USER=bench SITREP_CONFIG="$work/config.toml"
: >"$SITREP_CONFIG"
"$bin" declare --title "bench incident" --severity P2 >/dev/null

hyperfine --warmup 20 --runs 300 -N \
  --export-json "$work/hyperfine.json" \
  -n "baseline: sitrep --version" "$bin --version" \
  -n "sitrep log (durable append)" "$bin log 1 --kind note rolled back room to v41"

python3 - "$work/hyperfine.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base, log = results[0]["median"], results[1]["median"]
print(f"median baseline {base*1000:.2f} ms, sitrep log {log*1000:.2f} ms, ratio {log/base:.1f}x")
PY
