#!/usr/bin/env bash
# Times whole `sitrep` processes with hyperfine, against a baseline in the same run:
#   baseline  `sitrep --version`   process start, no config, no database
#   measured  `sitrep log ID TEXT` open the database, append one durable entry, exit
#   baseline  the sqlite3 CLI inserting the same entry into a copy of the same file
#             with the same PRAGMAs (WAL, synchronous=FULL, foreign keys): the floor
#             for one durable append by a fresh process
# Prints medians and their ratios. Uses the release binary and a database on the
# real disk under target/ (fsync costs what it costs there).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v hyperfine >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq hyperfine
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq sqlite3
fi

cargo build --release --quiet
bin="$PWD/target/release/sitrep"
work="$PWD/target/cli-bench"
rm -rf "$work"
mkdir -p "$work"
export SITREP_DB="$work/bench.db" SITREP_USER=bench SITREP_CONFIG="$work/config.toml"
: >"$SITREP_CONFIG"
"$bin" declare --title "bench incident" --severity P2 >/dev/null
raw="$work/raw.db"
sqlite3 "$SITREP_DB" "VACUUM INTO '$raw'"
insert="PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (1, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'bench', 'note', 'rolled back room to v41');"

hyperfine --warmup 20 --runs 300 -N \
  --export-json "$work/hyperfine.json" \
  -n "baseline: sitrep --version" "$bin --version" \
  -n "sitrep log (durable append)" "$bin log 1 --kind note rolled back room to v41" \
  -n "baseline: sqlite3 CLI insert" "sqlite3 $raw \"$insert\""

python3 - "$work/hyperfine.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base, log, lite = (r["median"] for r in results)
print(f"medians: sitrep --version {base*1000:.2f} ms, sitrep log {log*1000:.2f} ms, "
      f"sqlite3 insert {lite*1000:.2f} ms; sitrep log / sqlite3 {log/lite:.2f}x, "
      f"/ --version {log/base:.1f}x")
PY
